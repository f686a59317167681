/*
 * worker: one supervised tenantmate-worker process: a tenant's worker, or
 * the cluster's repair service (kind WORKER_KIND_REPAIR, no tenant id).
 *
 * Contract: every change goes through worker_dispatch(), which looks the
 * event up in worker_fsm's table, carries out the action (spawn, signal,
 * timers, release) and moves to the next state through one setter that
 * logs the transition and writes the tenant's status row, so the log, ps
 * and the status table agree. The entry owns its process watcher, its
 * readiness pipe and its timers. The RELEASE action frees the entry
 * (through supervisor_remove_worker()): after a dispatch that may release,
 * the caller must not touch the entry again. Every log line names the
 * tenant ("service=repair" for the repair service) and the process's pid
 * ("-" before the first start). The repair service has no status row.
 */
#ifndef TENANTMATE_WORKER_H
#define TENANTMATE_WORKER_H

#include "backoff.h"
#include "discovery.h"
#include "log.h"
#include "uuid.h"
#include "worker_fsm.h"

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

struct supervisor;

struct worker {
    struct supervisor *owner;
    enum worker_kind kind;
    char tenant_id[UUID_TEXT_SIZE];   /* "" for the repair service */
    char token_version[DISCOVERY_VERSION_SIZE];
    enum worker_state state;

    pid_t pid;                   /* the live process, 0 when none */
    pid_t last_pid;              /* the latest process, for logs */
    int ready_fd;                /* read end of the readiness pipe, -1 when closed */
    bool lock_held;              /* this supervisor holds the tenant's advisory lock */
    unsigned seen_generation;    /* the last rescan that found the tenant active */

    unsigned spawns;
    unsigned restarts;           /* spawns after the first */
    ev_tstamp spawned_at;        /* loop time of the latest spawn */
    double started_at_s;         /* wall clock of the latest spawn */
    double next_restart_at_s;    /* wall clock, 0 when no restart is scheduled */
    struct backoff restart_backoff;
    char last_exit[96];          /* "exit status 1 (crash)", "" before the first exit */
    char last_error[192];        /* why the worker is down or stopping */

    ev_child child_watcher;
    ev_io ready_watcher;
    ev_timer restart_timer;
    ev_timer stop_timer;
};

struct worker *worker_new(struct supervisor *owner, const char *tenant_id,
                          const char *token_version);

/* The entry of the repair service (`--service repair`). */
struct worker *worker_new_repair(struct supervisor *owner);

/* Stop the entry's watchers, close its pipe and free it. Does not signal
 * the process: only for entries without one, or at exit. */
void worker_free(struct worker *worker);

/* reason: why a STOP happens (logged and kept as last_error); NULL for
 * other events. */
void worker_dispatch(struct worker *worker, enum worker_event event, const char *reason);

/* Send a signal to the live process, if any (SIGHUP forwarding). */
void worker_signal(const struct worker *worker, int signal_number);

/* Seconds since the latest spawn, 0 without a live process. */
double worker_uptime_s(const struct worker *worker, ev_tstamp now);

/* Seconds until the scheduled restart, negative when none. */
double worker_restart_in_s(const struct worker *worker, struct ev_loop *loop);

void worker_log(enum log_level level, const struct worker *worker, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
