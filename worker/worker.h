/*
 * worker: the live collector of one tenant, on one libev loop.
 *
 * worker_run() reads the configuration (worker_config.h), signs in with
 * the tenant's stored tokens (refreshing them at once, as TeslaMate
 * does), lists the account's vehicles, creates or updates their cars and
 * vehicles rows, and runs one vehicle state machine per car until SIGTERM
 * or SIGINT. Every Tesla request goes through tesla_api and common/http
 * and never blocks the loop. Database writes go through the recorder in
 * short tenant transactions with no session state, so a PgBouncer in
 * transaction pooling mode may sit between; they are blocking round trips
 * on the loop, which is acceptable because each takes about a
 * millisecond, and a worker serves only one tenant.
 *
 * Contract: worker_run() takes over the connection (it closes it) and
 * blocks until the worker stops, then returns the exit status from
 * exit_codes.h: WORKER_EXIT_STOPPED after a signal,
 * WORKER_EXIT_TOKENS_REJECTED when Tesla rejects the tokens (the tenant's
 * vehicles rows then say collector_status 'error' with last_error),
 * WORKER_EXIT_NO_TOKENS when the stored tokens are gone or do not decrypt,
 * WORKER_EXIT_CONFIG for an invalid environment. Everything it allocated
 * is freed before it returns. It installs its own signal watchers on the
 * default loop. When it stops it logs one line "poll statistics: polls=N
 * lateness_p50_ms=X lateness_p99_ms=Y lateness_max_ms=Z cpu_user_s=U
 * cpu_system_s=S" (poll_stats.h, getrusage), which `make bench` parses.
 *
 * Places (places.h): addresses of closed drives and started charging
 * processes are looked up asynchronously and never delay a poll; new
 * positions get their elevation from the SRTM tiles on disk.
 */
#ifndef TENANTMATE_WORKER_H
#define TENANTMATE_WORKER_H

#include <libpq-fe.h>

#include "places.h"
#include "vault.h"
#include "worker_config.h"

struct worker_options {
    const char *tenant_id;          /* a normalised uuid */
    const struct worker_config *config;     /* borrowed until worker_run() returns */
    const struct places_config *places;     /* borrowed until worker_run() returns */
    PGconn *conn;                   /* connected; worker_run() closes it */
    const struct vault_key *key;    /* copied, and the copy wiped at exit */
};

int worker_run(const struct worker_options *options);

#endif
