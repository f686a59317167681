/* The worker's loop: set-up, signals, the auth callbacks, the process
 * title, and the clean-up that frees everything before the exit. */
#include "worker.h"

#include "car_runner.h"
#include "exit_codes.h"
#include "log.h"
#include "process_title.h"
#include "token_store.h"
#include "worker_internal.h"
#include "worker_rows.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ---- stopping ----------------------------------------------------------------- */

void worker_stop(struct worker *worker, int exit_status, const char *reason)
{
    if (!worker->stopping) {
        worker->stopping = true;
        worker->exit_status = exit_status;
        log_info("stopping: %s", reason);
    }
    ev_break(worker->loop, EVBREAK_ALL);
}

void worker_reject_tokens(struct worker *worker, const char *last_error)
{
    long updated = 0;

    if (!worker_rows_set_status(worker->conn, worker->tenant_id, COLLECTOR_STATUS_ERROR,
                                last_error, &updated))
        log_error("cannot mark the tenant's vehicles as failed");
    else
        log_info("marked %ld vehicles as failed: %s", updated, last_error);
    worker_stop(worker, WORKER_EXIT_TOKENS_REJECTED, last_error);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *watcher, int events)
{
    struct worker *worker = watcher->data;
    char reason[32];

    (void)loop;
    (void)events;
    snprintf(reason, sizeof(reason), "received SIG%s", sigabbrev_np(watcher->signum));
    worker_stop(worker, WORKER_EXIT_STOPPED, reason);
}

static void on_hangup(struct ev_loop *loop, ev_signal *watcher, int events)
{
    (void)loop;
    (void)watcher;
    (void)events;
    log_reopen();
}

/* ---- the process title ------------------------------------------------------- */

void worker_update_title(struct worker *worker)
{
    char states[256] = "";
    size_t used = 0;

    for (size_t i = 0; i < worker->car_count && used < sizeof(states); i++) {
        const char *name = vehicle_summary_state_name(car_runner_state(worker->cars[i]));
        int written = snprintf(states + used, sizeof(states) - used, "%s%s", i > 0 ? "," : "",
                               name);
        if (written < 0)
            break;
        used += (size_t)written;
    }
    process_title_set("tenantmate: worker tenant=%s cars=%zu%s%s", worker->tenant_id,
                      worker->car_count, worker->car_count > 0 ? " " : "", states);
}

/* ---- auth callbacks ----------------------------------------------------------- */

/* Stores the rotated pair before auth uses it: the old refresh token is
 * already spent. */
static void on_save_tokens(void *context, struct auth *auth, const char *access_token,
                           const char *refresh_token)
{
    struct worker *worker = context;
    enum token_store_status status = token_store_save(worker->conn, worker->tenant_id,
                                                      &worker->key, access_token, refresh_token);

    if (status != TOKEN_STORE_OK)
        worker_database_check(worker);
    auth_save_finished(auth, status == TOKEN_STORE_OK);
}

static void on_signed_out(void *context, enum auth_sign_out_reason reason)
{
    struct worker *worker = context;

    switch (reason) {
    case AUTH_SIGNED_OUT_TOKENS_REJECTED:
        worker_reject_tokens(worker, "Tesla rejected the refresh token (invalid_grant or "
                                     "login_required): sign in again and store new tokens");
        break;
    case AUTH_SIGNED_OUT_UNAUTHORIZED_FUSE:
        worker_reject_tokens(worker, "Tesla answered 401 Unauthorized six times within 10 "
                                     "minutes despite refreshed tokens: sign in again and "
                                     "store new tokens");
        break;
    default:
        worker_stop(worker, WORKER_EXIT_NO_TOKENS, "signed out");
        break;
    }
}

/* The cars are listed once the start-up refresh has ended, whether it
 * succeeded or not (the stored pair stays in use then), as TeslaMate
 * does. A rejection signs out right after this callback. */
static void on_refresh_finished(void *context, const struct auth_refresh_report *report)
{
    struct worker *worker = context;

    if (worker->first_refresh_done || report->result == AUTH_REFRESH_REJECTED)
        return;
    worker->first_refresh_done = true;
    car_discovery_start(worker);
}

/* ---- set-up and clean-up ------------------------------------------------------ */

static void start_signal(struct worker *worker, ev_signal *watcher,
                         void (*callback)(struct ev_loop *, ev_signal *, int), int signum)
{
    ev_signal_init(watcher, callback, signum);
    watcher->data = worker;
    ev_signal_start(worker->loop, watcher);
}

static bool start_clients(struct worker *worker, const struct places_config *places)
{
    const struct auth_callbacks callbacks = {
        .save = on_save_tokens,
        .signed_out = on_signed_out,
        .refresh_finished = on_refresh_finished,
    };

    worker->http = http_client_new(worker->loop);
    if (worker->http == NULL)
        return false;
    worker->places = places_new(worker->http, worker->conn, worker->tenant_id, places);
    if (worker->places == NULL)
        return false;
    worker->auth = auth_new(worker->loop, worker->http, &worker->config->tesla, &callbacks,
                            worker);
    if (worker->auth == NULL)
        return false;
    worker->api = tesla_api_new(worker->http, &worker->config->tesla, worker->auth);
    return worker->api != NULL;
}

/* Loads the stored pair and signs in; the refresh starts at once. Returns
 * SIGNED_IN or the exit status. */
#define SIGNED_IN (-1)

static int sign_in(struct worker *worker)
{
    struct stored_tokens tokens = { .access = NULL };
    enum token_store_status status =
        token_store_load(worker->conn, worker->tenant_id, &worker->key, &tokens);
    int result = SIGNED_IN;

    if (status == TOKEN_STORE_OK) {
        if (!auth_start(worker->auth, tokens.access, tokens.refresh))
            result = WORKER_EXIT_NO_TOKENS;
    } else if (status == TOKEN_STORE_UNDECRYPTABLE) {
        worker_rows_set_status(worker->conn, worker->tenant_id, COLLECTOR_STATUS_ERROR,
                               WORKER_TOKENS_UNDECRYPTABLE_ERROR, NULL);
        result = WORKER_EXIT_TOKENS_REJECTED;
    } else if (status == TOKEN_STORE_NO_ROW) {
        log_error("the tenant's token row is gone");
        result = WORKER_EXIT_NO_TOKENS;
    } else {
        result = EXIT_FAILURE;
    }
    stored_tokens_free(&tokens);
    return result;
}

static bool set_up(struct worker *worker, const struct worker_options *options)
{
    worker->loop = ev_default_loop(EVFLAG_AUTO);
    if (worker->loop == NULL) {
        log_error("cannot initialise libev's default loop: check LIBEV_FLAGS");
        return false;
    }
    snprintf(worker->tenant_id, sizeof(worker->tenant_id), "%s", options->tenant_id);
    worker->config = options->config;
    worker->key = *options->key;
    worker->conn = options->conn;
    worker->exit_status = WORKER_EXIT_STOPPED;
    if (!recorder_init(&worker->recorder, worker->conn, worker->tenant_id))
        return false;

    worker_database_init(worker);
    worker_account_limit_init(worker);
    car_discovery_init(worker);
    start_signal(worker, &worker->terminate_watcher, on_stop_signal, SIGTERM);
    start_signal(worker, &worker->interrupt_watcher, on_stop_signal, SIGINT);
    start_signal(worker, &worker->hangup_watcher, on_hangup, SIGHUP);
    return start_clients(worker, options->places);
}

/* The one line `make bench` reads: poll lateness of every car, and the
 * CPU time of the whole process. */
static void log_poll_statistics(const struct worker *worker)
{
    const struct poll_stats *stats = &worker->poll_stats;
    struct rusage usage;

    if (getrusage(RUSAGE_SELF, &usage) != 0) {
        log_warning("getrusage failed: %s", strerror(errno));
        memset(&usage, 0, sizeof(usage));
    }
    log_info("poll statistics: polls=%llu lateness_p50_ms=%.3f lateness_p99_ms=%.3f "
             "lateness_max_ms=%.3f cpu_user_s=%.3f cpu_system_s=%.3f",
             (unsigned long long)stats->polls, 1000.0 * poll_stats_quantile_s(stats, 0.50),
             1000.0 * poll_stats_quantile_s(stats, 0.99), 1000.0 * stats->max_lateness_s,
             (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6,
             (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6);
}

/* Frees in the order the contracts ask: the runners and the API client
 * before auth, auth and places before the HTTP client. Lookups still
 * waiting are dropped, and the repair service fills those addresses. */
static void clean_up(struct worker *worker)
{
    if (worker->loop == NULL)
        return;

    car_discovery_stop(worker, "the worker stops");
    log_poll_statistics(worker);
    worker_account_limit_stop(worker);
    worker_database_stop(worker);
    tesla_api_free(worker->api);
    auth_free(worker->auth);
    if (worker->places != NULL && places_pending(worker->places) > 0)
        log_info("dropping %zu address lookups still waiting; the repair service fills them in",
                 places_pending(worker->places));
    places_free(worker->places);
    http_client_free(worker->http);

    if (worker->exit_status == WORKER_EXIT_STOPPED && !worker->database.down &&
        !worker_rows_set_status(worker->conn, worker->tenant_id, COLLECTOR_STATUS_STOPPED, NULL,
                                NULL))
        log_warning("cannot mark the tenant's vehicles as stopped");

    ev_signal_stop(worker->loop, &worker->terminate_watcher);
    ev_signal_stop(worker->loop, &worker->interrupt_watcher);
    ev_signal_stop(worker->loop, &worker->hangup_watcher);
    ev_loop_destroy(worker->loop);
}

int worker_run(const struct worker_options *options)
{
    struct worker *worker = calloc(1, sizeof(*worker));
    int status = EXIT_FAILURE;

    if (worker == NULL) {
        log_error("cannot start the worker: out of memory");
        PQfinish(options->conn);
        return EXIT_FAILURE;
    }

    if (set_up(worker, options)) {
        status = sign_in(worker);
        if (status == SIGNED_IN) {
            log_info("collector started");
            ev_run(worker->loop, 0);
            status = worker->exit_status;
        }
    }

    clean_up(worker);
    PQfinish(worker->conn != NULL ? worker->conn : options->conn);
    vault_key_wipe(&worker->key);
    free(worker->cars);
    free(worker);
    return status;
}
