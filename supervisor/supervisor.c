#include "supervisor.h"

#include "advisory_lock.h"
#include "db.h"
#include "discovery.h"
#include "log.h"
#include "process_title.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Notifications trigger rescans at most this often. */
#define RESCAN_MIN_SPACING_S 0.1

/* "1 worker", "2 workers". */
static const char *plural(size_t count, const char *noun, char *out, size_t size)
{
    snprintf(out, size, "%zu %s%s", count, noun, count == 1 ? "" : "s");
    return out;
}

static void update_title(const struct supervisor *supervisor)
{
    char count_text[32];

    process_title_set("tenantmate: supervisor (%s)",
                      plural(supervisor->workers.count, "tenant", count_text, sizeof(count_text)));
}

/* ---- status rows and the lease ---------------------------------------- */

bool supervisor_publish(struct supervisor *supervisor, const struct worker *worker)
{
    /* tenantmate_workers rows belong to tenants: the repair service is
     * only logged. */
    if (worker->kind != WORKER_KIND_TENANT || !worker->lock_held ||
        !db_link_ready(&supervisor->link))
        return false;

    const struct status_row row = {
        .tenant_id = worker->tenant_id,
        .state = worker_state_name(worker->state),
        .pid = worker->pid,
        .started_at_s = worker->started_at_s,
        .restarts = worker->restarts,
        .last_exit = worker->last_exit,
        .last_error = worker->last_error,
        .next_restart_at_s = worker->next_restart_at_s,
    };
    return status_table_write(&supervisor->link, &supervisor->identity, &row);
}

static void send_heartbeat(struct supervisor *supervisor)
{
    ev_tstamp sent_at = ev_now(supervisor->loop);

    if (status_table_heartbeat(&supervisor->link, &supervisor->identity))
        supervisor->heartbeat_sent_at = sent_at;
}

static void on_heartbeat(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)loop;
    (void)events;
    send_heartbeat(timer->data);
}

/* Stops every tenant's worker and the repair service. */
static void stop_all(struct supervisor *supervisor, const char *reason)
{
    for (size_t i = supervisor->workers.count; i > 0; i--)
        worker_dispatch(supervisor->workers.items[i - 1], WORKER_EVENT_STOP, reason);
    if (supervisor->repair != NULL)
        worker_dispatch(supervisor->repair, WORKER_EVENT_STOP, reason);
}

/* Nothing left to wait for before exiting. */
static bool nothing_supervised(const struct supervisor *supervisor)
{
    return supervisor->workers.count == 0 && supervisor->repair == NULL;
}

static void on_lease_deadline(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct supervisor *supervisor = timer->data;
    char reason[160], count_text[32];

    (void)loop;
    (void)events;
    if (db_link_ready(&supervisor->link) || supervisor->workers.count == 0)
        return;

    snprintf(reason, sizeof(reason),
             "database connection lost for longer than the %.0f s lock lease allows",
             supervisor->config.lock_lease_s);
    log_warning("database connection still down: stopping %s before the lock lease ends; "
                "they restart once the connection is back",
                plural(supervisor->workers.count, "worker", count_text, sizeof(count_text)));
    stop_all(supervisor, reason);
}

static void arm_lease_deadline(struct supervisor *supervisor)
{
    const struct supervisor_config *config = &supervisor->config;
    ev_tstamp now = ev_now(supervisor->loop);
    ev_tstamp deadline = supervisor->heartbeat_sent_at + config->lock_lease_s -
                         CONFIG_LEASE_MARGIN_S - config->stop_timeout_s;
    double delay_s = deadline > now ? deadline - now : 0.0;

    ev_timer_stop(supervisor->loop, &supervisor->lease_timer);
    ev_timer_set(&supervisor->lease_timer, delay_s, 0.0);
    ev_timer_start(supervisor->loop, &supervisor->lease_timer);

    char count_text[32];
    if (supervisor->workers.count > 0)
        log_warning("%s keep running without their locks; they are stopped in %.1f s "
                    "unless the database connection is back by then",
                    plural(supervisor->workers.count, "worker", count_text, sizeof(count_text)),
                    delay_s);
}

/* ---- link callbacks --------------------------------------------------- */

/* Take the locks of the workers that outlived a lost connection again;
 * stop those whose lock a peer holds now. Walks from the end, because a
 * stop can remove an entry. */
static void retake_locks(struct supervisor *supervisor)
{
    for (size_t i = supervisor->workers.count; i > 0; i--) {
        struct worker *worker = supervisor->workers.items[i - 1];

        if (worker->lock_held)
            continue;
        switch (advisory_lock_try(&supervisor->link, worker->tenant_id)) {
        case ADVISORY_LOCK_ACQUIRED:
            worker->lock_held = true;
            supervisor_publish(supervisor, worker);
            break;
        case ADVISORY_LOCK_BUSY:
            worker_log(LOG_LEVEL_ERROR, worker, "another supervisor took the tenant's lock "
                                                "while the connection was down");
            worker_dispatch(worker, WORKER_EVENT_STOP,
                            "another supervisor holds the tenant's lock");
            break;
        case ADVISORY_LOCK_FAILED:
            return;
        }
    }
}

/* A PostgreSQL array literal of the tenants whose lock this supervisor
 * holds. */
static char *held_tenant_array(const struct supervisor *supervisor)
{
    size_t size = 3 + supervisor->workers.count * UUID_TEXT_SIZE;
    char *text = malloc(size);
    size_t used = 0;

    if (text == NULL)
        return NULL;

    text[used++] = '{';
    for (size_t i = 0; i < supervisor->workers.count; i++) {
        const struct worker *worker = supervisor->workers.items[i];
        if (!worker->lock_held)
            continue;
        used += (size_t)snprintf(text + used, size - used, "%s%s", used > 1 ? "," : "",
                                 worker->tenant_id);
    }
    snprintf(text + used, size - used, "}");
    return text;
}

static void on_link_ready(void *owner)
{
    struct supervisor *supervisor = owner;

    ev_timer_stop(supervisor->loop, &supervisor->lease_timer);
    retake_locks(supervisor);

    char *held_tenants = held_tenant_array(supervisor);
    if (held_tenants != NULL)
        status_table_stop_others(&supervisor->link, &supervisor->identity, held_tenants);
    free(held_tenants);

    send_heartbeat(supervisor);
    ev_timer_again(supervisor->loop, &supervisor->heartbeat_timer);
    if (!supervisor->shutting_down)
        supervisor_rescan(supervisor);
}

/* NOTE: a peer may take the repair lock as soon as the connection is
 * gone, and the service here stops only when this supervisor notices the
 * loss. The two repair services may overlap for that long; both only fill
 * NULL columns, so the cost is duplicate geocoder requests. */
static void stop_repair_without_lock(struct supervisor *supervisor)
{
    if (supervisor->repair == NULL)
        return;
    supervisor->repair->lock_held = false;
    worker_dispatch(supervisor->repair, WORKER_EVENT_STOP,
                    "lost the database connection that holds the repair lock");
}

static void on_link_lost(void *owner)
{
    struct supervisor *supervisor = owner;

    for (size_t i = 0; i < supervisor->workers.count; i++)
        supervisor->workers.items[i]->lock_held = false;
    stop_repair_without_lock(supervisor);

    ev_timer_stop(supervisor->loop, &supervisor->heartbeat_timer);
    arm_lease_deadline(supervisor);
}

static void on_notification(void *owner, const char *channel, const char *payload)
{
    struct supervisor *supervisor = owner;
    char tenant_id[UUID_TEXT_SIZE];

    if (strcmp(channel, DB_TENANT_CHANNEL) != 0)
        return;
    if (!discovery_parse_payload(payload, tenant_id))
        return;

    log_debug("notification for tenant=%s: rescanning", tenant_id);
    supervisor_request_rescan(supervisor);
}

/* ---- rescans ---------------------------------------------------------- */

/* NOTE: each new tenant costs two round trips (lock, status row) on the
 * loop, so a first rescan of thousands of tenants blocks it for as long. */
static void adopt_tenant(struct supervisor *supervisor, const struct active_tenant *tenant)
{
    enum advisory_lock_result lock = advisory_lock_try(&supervisor->link, tenant->tenant_id);

    if (lock == ADVISORY_LOCK_BUSY)
        log_debug("tenant=%s pid=-: another supervisor holds the tenant's lock; checking again "
                  "at the next rescan",
                  tenant->tenant_id);
    if (lock != ADVISORY_LOCK_ACQUIRED)
        return;

    struct worker *worker = worker_new(supervisor, tenant->tenant_id, tenant->token_version);
    if (worker == NULL || !worker_table_insert(&supervisor->workers, worker)) {
        log_error("tenant=%s pid=-: out of memory adding the tenant", tenant->tenant_id);
        advisory_lock_release(&supervisor->link, tenant->tenant_id);
        free(worker);
        return;
    }
    worker->lock_held = true;
    worker->seen_generation = supervisor->rescan_generation;
    update_title(supervisor);

    /* The first row claims the tenant for peers that may later find its
     * lock free; without it the tenant is not started. */
    if (!supervisor_publish(supervisor, worker)) {
        worker_dispatch(worker, WORKER_EVENT_STOP, "cannot write the tenant's status row");
        return;
    }
    worker_dispatch(worker, WORKER_EVENT_RESCAN_ACTIVE, NULL);
}

/* Starts the repair service here when no other supervisor runs it. */
static void adopt_repair(struct supervisor *supervisor)
{
    if (!supervisor->config.repair_enabled || supervisor->repair != NULL)
        return;

    enum advisory_lock_result lock = advisory_lock_try_repair(&supervisor->link);
    if (lock == ADVISORY_LOCK_BUSY)
        log_debug("service=repair pid=-: another supervisor holds the repair lock; checking "
                  "again at the next rescan");
    if (lock != ADVISORY_LOCK_ACQUIRED)
        return;

    struct worker *repair = worker_new_repair(supervisor);
    if (repair == NULL) {
        log_error("service=repair pid=-: out of memory adding the repair service");
        advisory_lock_release_repair(&supervisor->link);
        return;
    }
    repair->lock_held = true;
    supervisor->repair = repair;
    worker_log(LOG_LEVEL_INFO, repair, "took the repair lock; starting the repair service");
    worker_dispatch(repair, WORKER_EVENT_RESCAN_ACTIVE, NULL);
}

static void note_active(struct supervisor *supervisor, struct worker *worker,
                        const struct active_tenant *tenant)
{
    worker->seen_generation = supervisor->rescan_generation;
    if (strcmp(worker->token_version, tenant->token_version) != 0) {
        snprintf(worker->token_version, sizeof(worker->token_version), "%s",
                 tenant->token_version);
        worker_dispatch(worker, WORKER_EVENT_TOKEN_CHANGED, NULL);
    }
    worker_dispatch(worker, WORKER_EVENT_RESCAN_ACTIVE, NULL);
}

static void stop_unseen(struct supervisor *supervisor)
{
    for (size_t i = supervisor->workers.count; i > 0; i--) {
        struct worker *worker = supervisor->workers.items[i - 1];

        if (worker->seen_generation != supervisor->rescan_generation)
            worker_dispatch(worker, WORKER_EVENT_STOP, "tenant no longer active");
    }
}

void supervisor_rescan(struct supervisor *supervisor)
{
    struct active_tenant tenant;

    if (supervisor->shutting_down || !db_link_ready(&supervisor->link))
        return;

    supervisor->last_rescan_at = ev_now(supervisor->loop);
    adopt_repair(supervisor);
    if (!db_link_ready(&supervisor->link))
        return;

    PGresult *result = discovery_query(&supervisor->link, &supervisor->identity,
                                       supervisor->config.lock_lease_s);
    if (result == NULL) {
        if (db_link_ready(&supervisor->link))
            log_warning("rescan failed; next rescan in %g s (if a relation is missing, run "
                        "tenantmate migrate)",
                        supervisor->config.rescan_interval_s);
        return;
    }

    supervisor->rescan_generation++;
    int rows = PQntuples(result);
    for (int i = 0; i < rows && !supervisor->shutting_down; i++) {
        if (!discovery_row(result, i, &tenant))
            continue;

        struct worker *worker = worker_table_find(&supervisor->workers, tenant.tenant_id);
        if (worker != NULL)
            note_active(supervisor, worker, &tenant);
        else if (!tenant.claimed_elsewhere)
            adopt_tenant(supervisor, &tenant);
    }
    PQclear(result);

    stop_unseen(supervisor);
    log_debug("rescan: %d active tenants, %zu supervised here", rows, supervisor->workers.count);
}

static void on_rescan_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)loop;
    (void)events;
    supervisor_rescan(timer->data);
}

void supervisor_request_rescan(struct supervisor *supervisor)
{
    if (supervisor->shutting_down || ev_is_active(&supervisor->rescan_soon_timer))
        return;

    ev_tstamp earliest = supervisor->last_rescan_at + RESCAN_MIN_SPACING_S;
    ev_tstamp now = ev_now(supervisor->loop);
    ev_timer_set(&supervisor->rescan_soon_timer, earliest > now ? earliest - now : 0.0, 0.0);
    ev_timer_start(supervisor->loop, &supervisor->rescan_soon_timer);
}

/* ---- removal, shutdown, reload, report -------------------------------- */

/* The repair entry is detached before the unlock, so a connection lost
 * inside that query does not stop the entry again. */
static void remove_repair(struct supervisor *supervisor, struct worker *repair)
{
    supervisor->repair = NULL;
    if (repair->lock_held)
        advisory_lock_release_repair(&supervisor->link);
    worker_free(repair);
}

void supervisor_remove_worker(struct supervisor *supervisor, struct worker *worker)
{
    if (worker->kind == WORKER_KIND_REPAIR) {
        remove_repair(supervisor, worker);
    } else {
        if (worker->lock_held)
            advisory_lock_release(&supervisor->link, worker->tenant_id);
        worker_table_remove(&supervisor->workers, worker);
        worker_free(worker);
        update_title(supervisor);
    }

    if (supervisor->shutting_down && nothing_supervised(supervisor))
        ev_break(supervisor->loop, EVBREAK_ALL);
}

void supervisor_shutdown(struct supervisor *supervisor)
{
    if (supervisor->shutting_down)
        return;

    char count_text[32];
    supervisor->shutting_down = true;
    log_info("shutting down: stopping %s%s",
             plural(supervisor->workers.count, "worker", count_text, sizeof(count_text)),
             supervisor->repair != NULL ? " and the repair service" : "");
    ev_timer_stop(supervisor->loop, &supervisor->rescan_timer);
    ev_timer_stop(supervisor->loop, &supervisor->rescan_soon_timer);

    stop_all(supervisor, "supervisor shutting down");
    if (nothing_supervised(supervisor))
        ev_break(supervisor->loop, EVBREAK_ALL);
}

void supervisor_reload(struct supervisor *supervisor)
{
    log_reopen();
    for (size_t i = 0; i < supervisor->workers.count; i++)
        worker_signal(supervisor->workers.items[i], SIGHUP);
    if (supervisor->repair != NULL)
        worker_signal(supervisor->repair, SIGHUP);

    if (db_link_ready(&supervisor->link)) {
        log_info("SIGHUP: rescanning now");
        supervisor_rescan(supervisor);
    } else {
        log_info("SIGHUP: database connection is %s; rescanning once it is back",
                 db_link_state_name(supervisor->link.state));
    }
}

static void report_entry(struct supervisor *supervisor, const struct worker *worker)
{
    double restart_in_s = worker_restart_in_s(worker, supervisor->loop);
    char next_restart[32] = "-";

    if (restart_in_s >= 0)
        snprintf(next_restart, sizeof(next_restart), "%.1fs", restart_in_s);
    worker_log(LOG_LEVEL_INFO, worker,
               "state=%s uptime=%.0fs restarts=%u next_restart=%s lock=%s last_exit=\"%s\"",
               worker_state_name(worker->state),
               worker_uptime_s(worker, ev_now(supervisor->loop)), worker->restarts,
               next_restart, worker->lock_held ? "held" : "lost", worker->last_exit);
}

/* The repair service's location, for the process table's header. */
static const char *repair_placement(const struct supervisor *supervisor)
{
    if (!supervisor->config.repair_enabled)
        return "off (TENANTMATE_REPAIR=false)";
    return supervisor->repair != NULL ? "here" : "not here (another supervisor holds its lock)";
}

void supervisor_report(struct supervisor *supervisor)
{
    char count_text[32];

    log_info("process table: %s, database %s, repair service %s",
             plural(supervisor->workers.count, "tenant", count_text, sizeof(count_text)),
             db_link_state_name(supervisor->link.state), repair_placement(supervisor));
    for (size_t i = 0; i < supervisor->workers.count; i++)
        report_entry(supervisor, supervisor->workers.items[i]);
    if (supervisor->repair != NULL)
        report_entry(supervisor, supervisor->repair);
}

/* ---- life cycle ------------------------------------------------------- */

void supervisor_init(struct supervisor *supervisor, struct ev_loop *loop,
                     const struct supervisor_config *config)
{
    memset(supervisor, 0, sizeof(*supervisor));
    supervisor->loop = loop;
    supervisor->config = *config;
    supervisor->identity.host = supervisor->config.host;
    supervisor->identity.pid = getpid();
    worker_table_init(&supervisor->workers);

    const struct db_link_settings link_settings = {
        .conninfo = config->conninfo,
        .application_name = "tenantmate-supervisor",
        .listen_channel = DB_TENANT_CHANNEL,
        .connect_timeout_s = config->connect_timeout_s,
        .statement_timeout_s = config->statement_timeout_s,
        .retry_initial_s = config->reconnect_delay_initial_s,
        .retry_max_s = config->reconnect_delay_max_s,
    };
    const struct db_link_callbacks callbacks = {
        .on_ready = on_link_ready,
        .on_lost = on_link_lost,
        .on_notification = on_notification,
    };
    db_link_init(&supervisor->link, loop, &link_settings, &callbacks, supervisor);

    ev_timer_init(&supervisor->rescan_timer, on_rescan_timer, config->rescan_interval_s,
                  config->rescan_interval_s);
    ev_timer_init(&supervisor->rescan_soon_timer, on_rescan_timer, 0.0, 0.0);
    double heartbeat_s = config_heartbeat_interval_s(config);
    ev_timer_init(&supervisor->heartbeat_timer, on_heartbeat, heartbeat_s, heartbeat_s);
    ev_timer_init(&supervisor->lease_timer, on_lease_deadline, 0.0, 0.0);
    supervisor->rescan_timer.data = supervisor;
    supervisor->rescan_soon_timer.data = supervisor;
    supervisor->heartbeat_timer.data = supervisor;
    supervisor->lease_timer.data = supervisor;
}

void supervisor_start(struct supervisor *supervisor)
{
    const struct supervisor_config *config = &supervisor->config;

    log_info("started: worker %s, host %s, rescan every %g s, stop timeout %g s, lock lease "
             "%g s, repair service %s",
             config->worker_path, config->host, config->rescan_interval_s,
             config->stop_timeout_s, config->lock_lease_s,
             config->repair_enabled ? "on" : "off (TENANTMATE_REPAIR=false)");
    update_title(supervisor);
    signals_start(&supervisor->signals, supervisor, supervisor->loop);
    ev_timer_start(supervisor->loop, &supervisor->rescan_timer);
    db_link_start(&supervisor->link);
}

void supervisor_free(struct supervisor *supervisor)
{
    struct ev_loop *loop = supervisor->loop;

    signals_stop(&supervisor->signals, loop);
    ev_timer_stop(loop, &supervisor->rescan_timer);
    ev_timer_stop(loop, &supervisor->rescan_soon_timer);
    ev_timer_stop(loop, &supervisor->heartbeat_timer);
    ev_timer_stop(loop, &supervisor->lease_timer);

    for (size_t i = 0; i < supervisor->workers.count; i++)
        worker_free(supervisor->workers.items[i]);
    worker_table_free(&supervisor->workers);
    worker_free(supervisor->repair);
    supervisor->repair = NULL;
    db_link_close(&supervisor->link);
}
