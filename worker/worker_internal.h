/*
 * worker_internal: what the worker_*.c and car_*.c files share. Not for
 * other modules: use worker.h.
 *
 * One struct worker per process, created and freed by worker_run() and
 * passed explicitly; everything runs on its libev loop. Its parts:
 * - worker_runtime.c: the loop, signals, auth callbacks, start and stop,
 *   the process title;
 * - worker_database.c: noticing a broken connection (after a failed call,
 *   or at once when the server closes it) and reconnecting with backoff;
 * - worker_account_limit.c: the tenant-wide stop of billable calls after
 *   Tesla's 403 "account disabled: EXCEEDED_LIMIT";
 * - car_discovery.c: listing the account's vehicles and starting one
 *   car_runner per car (car_runner.h).
 */
#ifndef TENANTMATE_WORKER_INTERNAL_H
#define TENANTMATE_WORKER_INTERNAL_H

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "backoff.h"
#include "http.h"
#include "places.h"
#include "poll_stats.h"
#include "recorder.h"
#include "tesla_api.h"
#include "uuid.h"
#include "vault.h"
#include "worker_config.h"

/* Listing the account's vehicles: retried from 2 s, doubling to 10 min. */
#define DISCOVERY_RETRY_INITIAL_S 2.0
#define DISCOVERY_RETRY_MAX_S 600.0
/* An account that lists no vehicle is listed again after this. */
#define DISCOVERY_EMPTY_RELIST_S 1800.0

/* Reconnecting to PostgreSQL: from 1 s, doubling to 1 min. */
#define DATABASE_RETRY_INITIAL_S 1.0
#define DATABASE_RETRY_MAX_S 60.0

/* EXCEEDED_LIMIT: no billable call for 15 min, doubling with each limit
 * hit again after a pause ended, up to 4 h. */
#define ACCOUNT_LIMIT_INITIAL_S 900.0
#define ACCOUNT_LIMIT_MAX_S 14400.0

struct car_runner;

struct car_discovery {
    struct tesla_api_call *call;    /* the list request in flight */
    ev_timer retry_timer;
    ev_timer restart_timer;         /* runs a restart asked for from inside a runner */
    char restart_reason[128];
    struct backoff backoff;
    unsigned failures;              /* in a row */
    bool listed;                    /* a list has succeeded */
};

struct worker_database {
    bool down;
    unsigned attempts;              /* reconnect attempts since it went down */
    struct backoff backoff;
    ev_timer retry_timer;
    ev_io socket_watcher;           /* notices a connection closed by the server while idle */
};

struct account_limit {
    bool paused;                    /* no billable call until until_s */
    double until_s;                 /* ev_now() time */
    unsigned step;                  /* pauses since the last normal response */
    struct backoff backoff;
    ev_timer end_timer;
};

struct worker {
    struct ev_loop *loop;
    char tenant_id[UUID_TEXT_SIZE];
    const struct worker_config *config;
    struct vault_key key;

    PGconn *conn;
    struct recorder recorder;
    struct http_client *http;
    struct auth *auth;
    struct tesla_api *api;
    struct places *places;          /* addresses and elevation, on the HTTP client */

    ev_signal terminate_watcher;
    ev_signal interrupt_watcher;
    ev_signal hangup_watcher;
    int exit_status;
    bool stopping;
    bool first_refresh_done;

    struct worker_database database;
    struct car_discovery discovery;
    struct account_limit account_limit;

    struct car_runner **cars;
    size_t car_count;
    size_t car_capacity;

    struct poll_stats poll_stats;   /* every car's poll timer, logged at the stop */
};

/* ---- worker_runtime.c ---- */

/* Ends the loop; worker_run() then cleans up and returns exit_status. */
void worker_stop(struct worker *worker, int exit_status, const char *reason);

/* Sets the process title from the cars' states:
 * "tenantmate: worker tenant=<uuid> cars=2 driving,asleep". */
void worker_update_title(struct worker *worker);

/* Sets every vehicles row of the tenant to 'error' with the reason, then
 * stops with WORKER_EXIT_TOKENS_REJECTED. */
void worker_reject_tokens(struct worker *worker, const char *last_error);

/* ---- worker_database.c ---- */

/* Starts watching the connection, which must be open. */
void worker_database_init(struct worker *worker);
void worker_database_stop(struct worker *worker);

/* Call after a failed database call: a broken connection starts the
 * reconnect timer (logged with its delay). */
void worker_database_check(struct worker *worker);

/* Seconds until the next reconnect attempt; 0 while connected. */
double worker_database_wait_s(const struct worker *worker);

/* ---- worker_account_limit.c ---- */

void worker_account_limit_init(struct worker *worker);
void worker_account_limit_stop(struct worker *worker);

/* Tesla answered 403 EXCEEDED_LIMIT: pause every billable call of the
 * tenant for at least retry_after_s. Ignored while a pause runs. */
void worker_account_limit_hit(struct worker *worker, double retry_after_s);

/* A normal response arrived: the pauses start over at 15 min. */
void worker_account_limit_note_response(struct worker *worker);

/* Seconds before a billable call may start (account pause or database
 * down); 0 when calls may start now. */
double worker_calls_wait_s(const struct worker *worker);

/* ---- car_discovery.c ---- */

void car_discovery_init(struct worker *worker);

/* Lists the account's vehicles now (or when calls may start again). */
void car_discovery_start(struct worker *worker);

/* Stops every car runner and lists the vehicles again (TeslaMate's
 * restart of its vehicles supervisor). */
void car_discovery_restart(struct worker *worker, const char *reason);

/* Frees every runner and starts a new one for the same car, which reads
 * its start data from the database again (after a reconnect, when writes
 * may have been lost). */
void car_discovery_restart_runners(struct worker *worker, const char *reason);

/* Cancels the list request and the retry timer, and frees every runner. */
void car_discovery_stop(struct worker *worker, const char *reason);

#endif
