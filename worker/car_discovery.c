/*
 * Listing the account's vehicles (GET /api/1/products) and starting one
 * car runner per enabled car: each listed vehicle gets its cars row
 * created or updated (identification from vehicle_config when the list
 * has it) and its vehicles row set 'active'. A failed list is retried
 * with backoff; meanwhile, as TeslaMate does, the cars already stored are
 * collected. A list with no vehicle falls back the same way.
 */
#include "car_runner.h"
#include "worker_internal.h"

#include "car_identity.h"
#include "log.h"
#include "vehicle_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the runners ------------------------------------------------------------ */

static struct car_runner *find_runner(struct worker *worker, int64_t car_id, size_t *index)
{
    for (size_t i = 0; i < worker->car_count; i++) {
        if (car_runner_car_id(worker->cars[i]) == car_id) {
            if (index != NULL)
                *index = i;
            return worker->cars[i];
        }
    }
    return NULL;
}

static void remove_runner_slot(struct worker *worker, size_t index)
{
    memmove(&worker->cars[index], &worker->cars[index + 1],
            (worker->car_count - index - 1) * sizeof(worker->cars[0]));
    worker->car_count--;
}

static void remove_runner(struct worker *worker, size_t index, const char *reason)
{
    car_runner_free(worker->cars[index], reason);
    remove_runner_slot(worker, index);
}

static void add_runner(struct worker *worker, const struct car_info *car)
{
    if (worker->car_count == worker->car_capacity) {
        size_t capacity = worker->car_capacity == 0 ? 4 : worker->car_capacity * 2;
        struct car_runner **cars = realloc(worker->cars, capacity * sizeof(*cars));
        if (cars == NULL) {
            log_car_error(car->car_id, "cannot start collecting the car: out of memory");
            return;
        }
        worker->cars = cars;
        worker->car_capacity = capacity;
    }

    struct car_runner *runner = car_runner_new(worker, car);
    if (runner != NULL)
        worker->cars[worker->car_count++] = runner;
}

/* Starts a runner for the car unless one runs for it. */
static void ensure_runner(struct worker *worker, const struct car_info *car)
{
    if (find_runner(worker, car->car_id, NULL) == NULL)
        add_runner(worker, car);
}

static void free_runners(struct worker *worker, const char *reason)
{
    while (worker->car_count > 0)
        remove_runner(worker, worker->car_count - 1, reason);
}

/* ---- retries and the fallback ---------------------------------------------- */

static void arm_retry(struct worker *worker, double delay_s)
{
    struct car_discovery *discovery = &worker->discovery;

    ev_timer_stop(worker->loop, &discovery->retry_timer);
    ev_timer_set(&discovery->retry_timer, delay_s, 0.0);
    ev_timer_start(worker->loop, &discovery->retry_timer);
}

/* TeslaMate's fallback: collect the cars already stored while the list is
 * unavailable. Only when no car runs yet. */
static void collect_stored_cars(struct worker *worker)
{
    struct car_info *cars = NULL;
    size_t count = 0;

    if (worker->car_count > 0)
        return;
    if (!worker_rows_list_enabled_cars(worker->conn, worker->tenant_id, &cars, &count)) {
        worker_database_check(worker);
        return;
    }
    if (count > 0) {
        log_info("collecting the %zu cars already stored until the vehicle list is available",
                 count);
        for (size_t i = 0; i < count; i++)
            add_runner(worker, &cars[i]);
        worker_update_title(worker);
    }
    free(cars);
}

static void list_failed(struct worker *worker, const char *cause, double at_least_s)
{
    struct car_discovery *discovery = &worker->discovery;
    double delay_s = backoff_next_s(&discovery->backoff);

    if (delay_s < at_least_s)
        delay_s = at_least_s;
    discovery->failures++;
    log_warning("listing the account's vehicles failed (%s); attempt %u, retrying in %.1f s",
                cause, discovery->failures, delay_s);
    arm_retry(worker, delay_s);
    collect_stored_cars(worker);
}

/* ---- one listed vehicle ---------------------------------------------------- */

static void fill_car_record(const struct vehicle_sample *vehicle, bool identified,
                            const struct car_identity *identity, struct car_record *record)
{
    memset(record, 0, sizeof(*record));
    record->eid = vehicle->eid;
    record->vid = vehicle->vid;
    record->vin = vehicle->vin;
    record->name = vehicle->display_name;
    if (!identified)
        return;
    record->model = identity->model != CAR_MODEL_UNKNOWN ? car_model_name(identity->model) : NULL;
    record->trim_badging = identity->trim_badging;
    record->marketing_name = identity->marketing_name;
    record->exterior_color = identity->exterior_color;
    record->wheel_type = identity->wheel_type;
    record->spoiler_type = identity->spoiler_type;
}

/* Creates or updates the cars row; false after the recorder logged a failure. */
static bool store_car(struct worker *worker, const struct vehicle_sample *vehicle,
                      int64_t *car_id)
{
    struct car_identity identity;
    struct car_record record;
    bool identified = car_identity_from_sample(vehicle, &identity);
    struct opt_int64 suspend_min = {
        .known = true,
        .value = car_identity_default_suspend_min(identified ? &identity : NULL),
    };
    bool created = false;
    bool changed = false;

    fill_car_record(vehicle, identified, &identity, &record);
    if (recorder_create_or_update_car(&worker->recorder, &record, suspend_min, car_id,
                                      &created) != RECORDER_OK)
        return false;
    if (!created && identified &&
        recorder_update_car(&worker->recorder, *car_id, &record, CAR_COLUMNS_DETAILS,
                            &changed) != RECORDER_OK)
        return false;

    /* The recorder logs a created car. */
    if (!created)
        log_car_info(*car_id, "listed car \"%s\" (vin %s, id %lld)", vehicle->display_name,
                     vehicle->vin, (long long)vehicle->eid.value);
    return true;
}

/* Stops the runner of a car that is disabled or whose API id changed. */
static void stop_stale_runner(struct worker *worker, const struct car_info *car, bool enabled)
{
    size_t index = 0;
    struct car_runner *runner = find_runner(worker, car->car_id, &index);

    if (runner == NULL)
        return;
    if (!enabled)
        remove_runner(worker, index, "disabled in its settings");
    else if (car_runner_vehicle_id(runner) != car->vehicle_id)
        remove_runner(worker, index, "its API id changed");
}

static bool add_listed_vehicle(struct worker *worker, const struct vehicle_sample *vehicle)
{
    struct car_settings_record settings;
    struct car_info car = { .car_id = 0 };

    if (!vehicle->eid.known || !vehicle->vid.known || vehicle->vin[0] == '\0') {
        log_warning("skipped a listed vehicle without id, vehicle_id or vin (\"%s\")",
                    vehicle->display_name);
        return true;
    }
    if (!store_car(worker, vehicle, &car.car_id))
        return false;
    if (!worker_rows_upsert_vehicle(worker->conn, worker->tenant_id, vehicle->eid.value,
                                    vehicle->vin, vehicle->display_name))
        return false;
    if (recorder_load_car_settings(&worker->recorder, car.car_id, &settings) != RECORDER_OK)
        return false;

    car.vehicle_id = vehicle->eid.value;
    car.vid = vehicle->vid.value;
    snprintf(car.vin, sizeof(car.vin), "%s", vehicle->vin);
    snprintf(car.name, sizeof(car.name), "%s", vehicle->display_name);
    stop_stale_runner(worker, &car, settings.enabled);
    if (!settings.enabled) {
        log_car_info(car.car_id, "not collected: disabled in its settings");
        return true;
    }
    ensure_runner(worker, &car);
    return true;
}

/* ---- the list -------------------------------------------------------------- */

static void handle_list(struct worker *worker, const struct vehicle_list *list)
{
    struct car_discovery *discovery = &worker->discovery;
    size_t stored = 0;

    if (!worker_rows_ensure_settings(worker->conn, worker->tenant_id)) {
        worker_database_check(worker);
        list_failed(worker, "cannot store the tenant's settings row", 0.0);
        return;
    }
    if (list->count == 0) {
        log_warning("the account lists no vehicle; listing again in %.0f s",
                    DISCOVERY_EMPTY_RELIST_S);
        arm_retry(worker, DISCOVERY_EMPTY_RELIST_S);
        collect_stored_cars(worker);
        return;
    }

    for (size_t i = 0; i < list->count; i++)
        stored += add_listed_vehicle(worker, &list->vehicles[i]) ? 1 : 0;
    worker_update_title(worker);
    if (stored < list->count) {
        worker_database_check(worker);
        list_failed(worker, "cannot store every listed car", 0.0);
        return;
    }

    discovery->listed = true;
    discovery->failures = 0;
    backoff_reset(&discovery->backoff);
    log_info("listed %zu vehicles; collecting %zu cars", list->count, worker->car_count);
}

static void on_list_done(void *context, const struct tesla_api_result *result)
{
    struct worker *worker = context;
    struct vehicle_list list = { .vehicles = NULL };
    struct tesla_parse_error error = { .message = "" };
    char cause[320];

    worker->discovery.call = NULL;
    if (result->outcome == TESLA_API_NOT_SIGNED_IN) {
        log_warning("vehicle list not requested: signed out");
        return;
    }
    if (result->outcome == TESLA_API_TOO_MANY_REQUESTS) {
        if (result->http_status == 403)
            worker_account_limit_hit(worker, (double)result->retry_after_s);
        list_failed(worker, "rate limited", (double)result->retry_after_s);
        return;
    }

    worker_account_limit_note_response(worker);
    if (result->outcome != TESLA_API_OK) {
        snprintf(cause, sizeof(cause), "%s, status %ld: %s",
                 tesla_api_outcome_name(result->outcome), result->http_status, result->message);
        list_failed(worker, cause, 0.0);
        return;
    }
    if (vehicle_parse_list(result->body, result->body_length, &list, &error) != TESLA_PARSE_OK) {
        snprintf(cause, sizeof(cause), "invalid vehicle list: %s", error.message);
        list_failed(worker, cause, 0.0);
        return;
    }
    handle_list(worker, &list);
    vehicle_list_free(&list);
}

void car_discovery_start(struct worker *worker)
{
    struct car_discovery *discovery = &worker->discovery;

    if (discovery->call != NULL || worker->stopping)
        return;

    double wait_s = worker_calls_wait_s(worker);
    if (wait_s > 0.0) {
        arm_retry(worker, wait_s);
        return;
    }
    ev_timer_stop(worker->loop, &discovery->retry_timer);
    log_info("listing the account's vehicles");
    discovery->call = tesla_api_list_products(worker->api, on_list_done, worker);
    if (discovery->call == NULL)
        list_failed(worker, "the request could not start", 0.0);
}

static void on_retry(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)loop;
    (void)events;
    car_discovery_start(timer->data);
}

static void on_restart(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct worker *worker = timer->data;

    (void)loop;
    (void)events;
    log_warning("restarting every car and listing the vehicles again: %s",
                worker->discovery.restart_reason);
    tesla_api_cancel(worker->api, worker->discovery.call);
    worker->discovery.call = NULL;
    free_runners(worker, "restarting the cars");
    worker_update_title(worker);
    car_discovery_start(worker);
}

void car_discovery_init(struct worker *worker)
{
    struct car_discovery *discovery = &worker->discovery;

    memset(discovery, 0, sizeof(*discovery));
    backoff_init(&discovery->backoff, DISCOVERY_RETRY_INITIAL_S, DISCOVERY_RETRY_MAX_S);
    ev_timer_init(&discovery->retry_timer, on_retry, 0.0, 0.0);
    discovery->retry_timer.data = worker;
    ev_timer_init(&discovery->restart_timer, on_restart, 0.0, 0.0);
    discovery->restart_timer.data = worker;
}

void car_discovery_restart(struct worker *worker, const char *reason)
{
    struct car_discovery *discovery = &worker->discovery;

    if (ev_is_active(&discovery->restart_timer))
        return;
    snprintf(discovery->restart_reason, sizeof(discovery->restart_reason), "%s", reason);
    ev_timer_start(worker->loop, &discovery->restart_timer);
}

void car_discovery_restart_runners(struct worker *worker, const char *reason)
{
    size_t i = 0;

    while (i < worker->car_count) {
        struct car_info car = *car_runner_info(worker->cars[i]);

        car_runner_free(worker->cars[i], reason);
        worker->cars[i] = car_runner_new(worker, &car);
        if (worker->cars[i] == NULL)
            remove_runner_slot(worker, i);     /* logged by car_runner_new() */
        else
            i++;
    }
    worker_update_title(worker);
}

void car_discovery_stop(struct worker *worker, const char *reason)
{
    struct car_discovery *discovery = &worker->discovery;

    tesla_api_cancel(worker->api, discovery->call);
    discovery->call = NULL;
    ev_timer_stop(worker->loop, &discovery->retry_timer);
    ev_timer_stop(worker->loop, &discovery->restart_timer);
    free_runners(worker, reason);
    free(worker->cars);
    worker->cars = NULL;
    worker->car_capacity = 0;
}
