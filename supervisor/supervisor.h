/*
 * supervisor: keeps one tenantmate-worker running for every active tenant
 * it holds the advisory lock of, and the cluster's one repair service
 * (tenantmate-worker --service repair) while it holds the repair lock.
 *
 * Contract: one supervisor per process, driven by one libev loop (the
 * default loop, which ev_child requires). It owns the database link, the
 * worker table and the timers for periodic rescans, lease heartbeats and
 * the lease deadline. It rescans the active tenants on start, on every
 * notification on the tenant channel (at most every 100 ms), on SIGHUP and
 * every TENANTMATE_RESCAN_INTERVAL.
 *
 * Lock loss: the advisory locks live on the one connection. When it
 * drops, the workers keep running while the supervisor reconnects and
 * takes their locks again. Peers cannot take a tenant in the meantime,
 * because they skip tenants whose status row another supervisor refreshed
 * within the lock lease (TENANTMATE_LOCK_LEASE). If the connection is not
 * back in time, the supervisor stops all its workers so they are gone
 * (SIGKILL included) CONFIG_LEASE_MARGIN_S before the lease runs out. A
 * worker whose lock a peer took anyway is stopped at once.
 *
 * The repair service: unless TENANTMATE_REPAIR is false, every rescan
 * without a repair entry tries the repair lock (advisory_lock.h), and the
 * supervisor that gets it runs the service through the same lifecycle as
 * a worker (worker_fsm). It has no status row and so no lease: when the
 * connection drops, the service is stopped at once, because a peer may
 * take the lock right away. It is not in the worker table, which contains
 * tenants only.
 *
 * The functions below other than init, start and free are for worker.c
 * and signals.c.
 */
#ifndef TENANTMATE_SUPERVISOR_H
#define TENANTMATE_SUPERVISOR_H

#include "config.h"
#include "db_link.h"
#include "signals.h"
#include "status_table.h"
#include "worker_table.h"

#include <ev.h>
#include <stdbool.h>

struct worker;

struct supervisor {
    struct ev_loop *loop;
    struct supervisor_config config;
    struct supervisor_identity identity;
    struct db_link link;
    struct worker_table workers;
    struct worker *repair;         /* NULL unless this supervisor holds the repair lock */
    struct signal_requests signals;

    bool shutting_down;
    unsigned rescan_generation;
    ev_tstamp last_rescan_at;
    ev_tstamp heartbeat_sent_at;   /* loop time of the last acknowledged heartbeat */

    ev_timer rescan_timer;
    ev_timer rescan_soon_timer;
    ev_timer heartbeat_timer;
    ev_timer lease_timer;
};

void supervisor_init(struct supervisor *supervisor, struct ev_loop *loop,
                     const struct supervisor_config *config);
void supervisor_start(struct supervisor *supervisor);
void supervisor_free(struct supervisor *supervisor);

void supervisor_request_rescan(struct supervisor *supervisor);
void supervisor_rescan(struct supervisor *supervisor);
void supervisor_shutdown(struct supervisor *supervisor);
void supervisor_reload(struct supervisor *supervisor);
void supervisor_report(struct supervisor *supervisor);

/* Write the worker's status row, if this supervisor holds its lock and
 * the link is up. */
bool supervisor_publish(struct supervisor *supervisor, const struct worker *worker);

/* Release the worker's lock, drop it from the table and free it. */
void supervisor_remove_worker(struct supervisor *supervisor, struct worker *worker);

#endif
