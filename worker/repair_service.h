/*
 * repair_service: the one process per deployment that fills in what
 * collection left out: missing addresses of drives and charging processes
 * (through the geocoder) and missing elevations of positions (from SRTM
 * tiles, downloading missing ones). `tenantmate-worker --service repair`
 * runs it under the supervisor.
 *
 * Contract:
 * - Addresses: a pass runs at start and then every address_interval_s (a
 *   tick during a pass queues one more pass, as TeslaMate's hourly job
 *   does). A pass walks every tenant that is not deleted, in round robin:
 *   one lookup of tenant A, then one of tenant B, and so on, so a large
 *   tenant cannot starve the others. Per tenant it takes drives with a
 *   missing start or end address (and both positions), newest first, then
 *   charging processes without an address, newest first, at most
 *   address_limit of each per pass. Lookups go one at a time through the
 *   geocoder, so requests start at least geocoder.interval_s apart for the
 *   whole deployment. While the geocoder's breaker is open the pass
 *   pauses, and it goes on when the breaker heals. Only the missing side
 *   of a drive is looked up, and a result only fills a NULL column.
 *   TeslaMate looks both ends up again and may write NULL over an address
 *   it had. "Unable to geocode" links the dummy
 *   address "Unknown", so that row is not retried; a failed lookup leaves
 *   NULL for the next pass.
 * - Elevation: a pass runs at start and again elevation_interval_s after
 *   the previous one ended. It walks the tenants in round robin, one batch
 *   (ELEVATION_BATCH_SIZE positions, selected as elevation.h describes)
 *   per turn, until no tenant has a batch left. A position in a missing
 *   tile waits while that tile downloads; positions where no tile exists
 *   or the download breaker is open keep NULL.
 * - Work is tenant-scoped: every read and write of tenant rows runs in a
 *   db_begin_tenant() transaction. Only the list of tenants is read
 *   outside one, so the connection's login must see all tenants (the
 *   table owner, as the supervisor uses).
 * - Nothing here waits on the network: HTTP runs on the libev loop.
 *   Database calls block for their round trips, which is all this process
 *   does. A database failure abandons the current pass after logging it
 *   and retries it after REPAIR_RETRY_DELAY_S.
 */
#ifndef TENANTMATE_REPAIR_SERVICE_H
#define TENANTMATE_REPAIR_SERVICE_H

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "geocoder.h"
#include "srtm.h"

#define REPAIR_DEFAULT_ADDRESS_INTERVAL_S 3600.0
#define REPAIR_DEFAULT_ELEVATION_INTERVAL_S 21600.0
#define REPAIR_DEFAULT_ADDRESS_LIMIT 5000L
#define REPAIR_RETRY_DELAY_S 30.0

struct repair_config {
    struct geocoder_config geocoder;
    struct srtm_config srtm;
    double address_interval_s;
    double elevation_interval_s;
    long address_limit;             /* drives, and processes, per tenant and pass */
    bool elevation_enabled;
};

/* Defaults: the geocoder's and SRTM's defaults, 3600 s, 21600 s, 5000,
 * elevation on. */
void repair_config_defaults(struct repair_config *config, const char *version);

/* Reads the geocoder and SRTM variables, TENANTMATE_REPAIR_INTERVAL,
 * TENANTMATE_ELEVATION_INTERVAL, TENANTMATE_REPAIR_LIMIT and
 * TENANTMATE_ELEVATION (on/off) over *config. Returns false, after
 * logging which variable is invalid, when one of them is. */
bool repair_config_from_env(struct repair_config *config);

struct repair_stats {
    uint64_t address_passes;            /* finished */
    uint64_t address_lookups;
    uint64_t addresses_linked;
    uint64_t addresses_not_found;       /* lookups that ended without an address */
    uint64_t elevation_passes;          /* finished */
    uint64_t positions_updated;
    uint64_t drives_updated;            /* ascent and descent recomputed */
    uint64_t database_errors;
};

struct repair_service;

/* Borrows loop and conn. Returns NULL, after logging why, when the
 * configuration is invalid. */
struct repair_service *repair_service_new(struct ev_loop *loop, PGconn *conn,
                                          const struct repair_config *config);

/* Starts the first passes from the loop. */
void repair_service_start(struct repair_service *service);

/* Stops every timer and request; nothing is called back. NULL is ignored. */
void repair_service_free(struct repair_service *service);

/* True when neither kind of pass is running or queued. */
bool repair_service_idle(const struct repair_service *service);

struct repair_stats repair_service_stats(const struct repair_service *service);

/*
 * The process's main loop: connects to PostgreSQL (DATABASE_URL or the
 * PG* variables, retrying until connected), runs the service on loop and
 * returns WORKER_EXIT_STOPPED after SIGTERM or SIGINT, or
 * WORKER_EXIT_CONFIG when the configuration or the connection string is
 * invalid. Installs its own SIGTERM, SIGINT and SIGHUP (reopen the log)
 * watchers on loop.
 */
int repair_service_run(struct ev_loop *loop, const struct repair_config *config);

#endif
