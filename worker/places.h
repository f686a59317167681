/*
 * places: a tenant worker's address and elevation hooks around the
 * recorder.
 *
 * Contract:
 * - After recorder_close_drive() keeps a drive, places_drive_closed()
 *   queues reverse-geocoding lookups of both ends; after
 *   recorder_start_charging_process(), places_charging_started() queues
 *   one for the process's position. Both return at once. Each result is
 *   stored later, from the event loop, with address_cache (one short
 *   tenant transaction on the worker's connection) and only fills a NULL
 *   column. A lookup that fails, times out, finds the breaker open or is
 *   dropped leaves the column NULL for the repair service. The drive or
 *   process is closed and stored without waiting for any of this.
 * - places_elevation() returns the elevation from the SRTM tiles on disk, memory-mapped
 *   and shared with every other process, and never waits. A worker never
 *   downloads tiles: positions in a missing tile get no elevation, and the
 *   repair service (which downloads) fills them in later.
 * - Uses the worker's libev loop (through its http_client) and borrows
 *   the connection; places_free() cancels lookups still waiting, without
 *   calling anything back, and must run before the http client is freed.
 */
#ifndef TENANTMATE_PLACES_H
#define TENANTMATE_PLACES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "geocoder.h"
#include "srtm.h"
#include "uuid.h"
#include "vehicle_sample.h"

struct http_client;

struct places_config {
    struct geocoder_config geocoder;
    struct srtm_config srtm;
};

/* The defaults, then the environment (geocoder_config_from_env(),
 * srtm_config_from_env()). Returns false, after logging, when a variable
 * is invalid. */
bool places_config_from_env(struct places_config *config, const char *version);

struct places_counters {
    uint64_t lookups_queued;
    uint64_t addresses_linked;
    uint64_t lookups_without_address;
    uint64_t elevations_found;
    uint64_t elevations_missing;
};

struct places;

/* Returns NULL, after logging why, when the configuration is invalid or
 * memory runs out. */
struct places *places_new(struct http_client *http, PGconn *conn, const char *tenant_id,
                          const struct places_config *config);

void places_free(struct places *places);

void places_drive_closed(struct places *places, int64_t car_id, int64_t drive_id,
                         double start_latitude, double start_longitude, double end_latitude,
                         double end_longitude);

void places_charging_started(struct places *places, int64_t car_id,
                             int64_t charging_process_id, double latitude, double longitude);

/* The terrain elevation in metres at the point, or unknown. */
struct opt_int64 places_elevation(struct places *places, double latitude, double longitude);

/* Lookups queued or in flight. */
size_t places_pending(const struct places *places);

struct places_counters places_counters(const struct places *places);

#endif
