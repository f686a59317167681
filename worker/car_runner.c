/* One car's state machine on the worker's loop: start-up, events, and
 * carrying out each output. */
#include "car_runner_internal.h"

#include "log.h"
#include "places.h"
#include "poll_stats.h"

#include <stdlib.h>
#include <string.h>

/* The machine's event time: wall-clock epoch seconds. */
static double event_time_s(void)
{
    return ev_time();
}

int64_t car_runner_car_id(const struct car_runner *runner)
{
    return runner->car.car_id;
}

const struct car_info *car_runner_info(const struct car_runner *runner)
{
    return &runner->car;
}

int64_t car_runner_vehicle_id(const struct car_runner *runner)
{
    return runner->car.vehicle_id;
}

enum vehicle_summary_state car_runner_state(const struct car_runner *runner)
{
    return runner->shown_state;
}

/* The one setter of the shown state: logs the transition and updates the
 * process title. */
static void show_state(struct car_runner *runner)
{
    enum vehicle_summary_state state = vehicle_fsm_summary_state(&runner->fsm);

    if (state == runner->shown_state)
        return;
    log_car_info(runner->car.car_id, "state %s -> %s",
                 vehicle_summary_state_name(runner->shown_state),
                 vehicle_summary_state_name(state));
    runner->shown_state = state;
    worker_update_title(runner->worker);
}

/* ---- effects hooks ------------------------------------------------------- */

/* Queues the address lookups of both ends; they are stored later, from
 * the loop, and never delay this output. */
static void on_drive_closed(void *context, const struct car_records *records,
                            const struct drive_summary *summary)
{
    struct car_runner *runner = context;

    log_car_info(records->car_id, "drive %lld: %.3f km in %lld min",
                 (long long)summary->drive_id,
                 summary->distance_km.known ? summary->distance_km.value : 0.0,
                 (long long)summary->duration_min);
    places_drive_closed(runner->worker->places, records->car_id, summary->drive_id,
                        summary->start_latitude, summary->start_longitude,
                        summary->end_latitude, summary->end_longitude);
}

/* Queues the address lookup of the charging position. */
static void on_charging_started(void *context, const struct car_records *records,
                                const struct charging_start *start, double latitude,
                                double longitude)
{
    struct car_runner *runner = context;

    log_car_info(records->car_id, "charging process %lld started",
                 (long long)start->charging_process_id);
    places_charging_started(runner->worker->places, records->car_id,
                            start->charging_process_id, latitude, longitude);
}

/* Reads the SRTM tiles on disk; places never downloads from a worker. */
static bool on_position_elevation(void *context, double latitude, double longitude,
                                  int64_t *elevation_m)
{
    struct car_runner *runner = context;
    struct opt_int64 elevation = places_elevation(runner->worker->places, latitude, longitude);

    *elevation_m = elevation.value;
    return elevation.known;
}

static void on_charging_completed(void *context, const struct car_records *records,
                                  const struct charging_summary *summary)
{
    (void)context;
    log_car_info(records->car_id, "charging process %lld: %.2f kWh added in %lld min",
                 (long long)summary->charging_process_id,
                 summary->charge_energy_added_kwh.known ? summary->charge_energy_added_kwh.value
                                                        : 0.0,
                 summary->duration_min.known ? (long long)summary->duration_min.value : 0LL);
}

static void on_account_limit(void *context, double retry_after_s)
{
    struct car_runner *runner = context;

    worker_account_limit_hit(runner->worker, retry_after_s);
}

/* Deferred by car_discovery, since it frees this runner. */
static void on_restart_vehicles(void *context)
{
    struct car_runner *runner = context;

    car_discovery_restart(runner->worker, "a car's vehicle_not_found fuse blew");
}

/* ---- carrying out an output ------------------------------------------------ */

static void set_poll_timer(struct car_runner *runner, double delay_s)
{
    struct ev_loop *loop = runner->worker->loop;

    if (delay_s < 0.0)
        delay_s = 0.0;
    ev_timer_stop(loop, &runner->poll_timer);
    ev_timer_set(&runner->poll_timer, delay_s, 0.0);
    ev_timer_start(loop, &runner->poll_timer);
    runner->poll_due_s = ev_now(loop) + delay_s;
}

static void run_timers(struct car_runner *runner, const struct fsm_output *output)
{
    struct ev_loop *loop = runner->worker->loop;

    if (output->poll.action == FSM_TIMER_SET) {
        set_poll_timer(runner, output->poll.delay_s);
    } else if (output->poll.action == FSM_TIMER_CANCEL) {
        ev_timer_stop(loop, &runner->poll_timer);
        log_car_warning(runner->car.car_id, "polling stopped until the worker restarts");
    }

    if (output->arm_store_position_timer) {
        ev_timer_stop(loop, &runner->store_position_timer);
        ev_timer_set(&runner->store_position_timer, FSM_STORE_POSITION_INTERVAL_S, 0.0);
        ev_timer_start(loop, &runner->store_position_timer);
    }
}

static void run_output(struct car_runner *runner)
{
    const struct fsm_output *output = &runner->output;
    struct effects_result result;
    const struct effects_hooks hooks = {
        .context = runner,
        .drive_closed = on_drive_closed,
        .charging_started = on_charging_started,
        .charging_completed = on_charging_completed,
        .account_limit = on_account_limit,
        .restart_vehicles = on_restart_vehicles,
        .position_elevation = on_position_elevation,
    };

    if (runner->worker->database.down) {
        /* The runner starts again from the database after the reconnect. */
        if (output->effect_count > 0)
            log_car_warning(runner->car.car_id, "database unavailable: %zu effects not stored",
                            output->effect_count);
    } else {
        effects_apply(&runner->worker->recorder, &runner->records, output, &hooks, &result);
        if (result.failed > 0)
            worker_database_check(runner->worker);
    }

    show_state(runner);
    run_timers(runner, output);
    if (output->start_fetch)
        car_fetch_start(runner, output->fetch.id, output->fetch.plan);
}

void car_runner_handle_event(struct car_runner *runner, const struct fsm_event *event)
{
    vehicle_fsm_handle(&runner->fsm, event, event_time_s(), &runner->output);
    run_output(runner);
}

/* ---- timers ---------------------------------------------------------------- */

static bool start_machine(struct car_runner *runner)
{
    struct worker *worker = runner->worker;
    struct fsm_start_data start;

    if (!car_start_data_load(&worker->recorder, runner->car.car_id, &worker->config->polling,
                             &start, &runner->records))
        return false;

    runner->machine_started = true;
    vehicle_fsm_init(&runner->fsm, &start, event_time_s(), &runner->output);
    log_car_info(runner->car.car_id, "collecting car \"%s\" (vin %s, id %lld)", runner->car.name,
                 runner->car.vin, (long long)runner->car.vehicle_id);
    run_output(runner);
    return true;
}

/* Retries loading the start data after a failed read. */
static void retry_start_later(struct car_runner *runner)
{
    worker_database_check(runner->worker);

    double delay_s = worker_database_wait_s(runner->worker);
    if (delay_s <= 0.0)
        delay_s = DATABASE_RETRY_INITIAL_S;
    log_car_warning(runner->car.car_id, "cannot read the car's start data; retrying in %.1f s",
                    delay_s);
    set_poll_timer(runner, delay_s);
}

static void on_poll_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct car_runner *runner = timer->data;
    struct fsm_event event = { .type = FSM_EVENT_POLL_TIMER };

    (void)events;
    /* libev's cached time of this loop iteration, as when the timer was
     * set: lateness includes the callbacks that ran before this one. */
    poll_stats_record(&runner->worker->poll_stats, runner->poll_due_s, ev_now(loop));

    double wait_s = worker_calls_wait_s(runner->worker);
    if (wait_s > 0.0) {
        set_poll_timer(runner, wait_s);     /* held: account limit or database down */
        return;
    }

    if (!runner->machine_started) {
        if (!start_machine(runner))
            retry_start_later(runner);
        return;
    }
    car_runner_handle_event(runner, &event);
}

static void on_store_position_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct car_runner *runner = timer->data;
    struct fsm_event event = { .type = FSM_EVENT_STORE_POSITION_TIMER };

    (void)loop;
    (void)events;
    car_runner_handle_event(runner, &event);
}

/* ---- lifecycle ------------------------------------------------------------- */

struct car_runner *car_runner_new(struct worker *worker, const struct car_info *car)
{
    struct car_runner *runner = calloc(1, sizeof(*runner));

    if (runner == NULL) {
        log_car_error(car->car_id, "cannot start collecting the car: out of memory");
        return NULL;
    }
    runner->worker = worker;
    runner->car = *car;
    runner->records.car_id = car->car_id;
    runner->shown_state = SUMMARY_STATE_START;
    ev_timer_init(&runner->poll_timer, on_poll_timer, 0.0, 0.0);
    runner->poll_timer.data = runner;
    ev_timer_init(&runner->store_position_timer, on_store_position_timer, 0.0, 0.0);
    runner->store_position_timer.data = runner;
    car_fetch_init(runner);

    /* The first poll timer loads the start data, then the machine
     * requests its first fetch at once. */
    set_poll_timer(runner, 0.0);
    return runner;
}

void car_runner_free(struct car_runner *runner, const char *reason)
{
    struct ev_loop *loop;

    if (runner == NULL)
        return;
    loop = runner->worker->loop;
    car_fetch_cancel(runner);
    ev_timer_stop(loop, &runner->poll_timer);
    ev_timer_stop(loop, &runner->store_position_timer);
    log_car_info(runner->car.car_id, "stopped collecting the car (%s) in state %s", reason,
                 vehicle_summary_state_name(runner->shown_state));
    free(runner);
}
