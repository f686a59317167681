/* A fetch of one car: the chain of Tesla calls a fetch plan asks for, and
 * the classified result fed back to the state machine. */
#include "car_runner_internal.h"

#include "log.h"
#include "vehicle_parse.h"

#include <string.h>

/* A call that could not start is reported to the machine as an unknown
 * error after this delay, from the loop, never from inside the output
 * being run. */
#define FETCH_START_FAILURE_DELAY_S 1.0

enum fetch_error car_fetch_error_from_api(const struct tesla_api_result *result)
{
    switch (result->outcome) {
    case TESLA_API_OK:
        return FETCH_OK;
    case TESLA_API_UNAUTHORIZED:
        return FETCH_ERROR_UNAUTHORIZED;
    case TESLA_API_NOT_SIGNED_IN:
        return FETCH_ERROR_NOT_SIGNED_IN;
    case TESLA_API_VEHICLE_UNAVAILABLE:
        return FETCH_ERROR_VEHICLE_UNAVAILABLE;
    case TESLA_API_VEHICLE_NOT_FOUND:
        return FETCH_ERROR_VEHICLE_NOT_FOUND;
    case TESLA_API_VEHICLE_IN_SERVICE:
        return FETCH_ERROR_VEHICLE_IN_SERVICE;
    case TESLA_API_TOO_MANY_REQUESTS:
        return result->http_status == 403 ? FETCH_ERROR_EXCEEDED_LIMIT
                                           : FETCH_ERROR_TOO_MANY_REQUESTS;
    case TESLA_API_TIMEOUT:
        return FETCH_ERROR_TIMEOUT;
    case TESLA_API_CLOSED:
        return FETCH_ERROR_CLOSED;
    default:
        /* server_error, transport_error, malformed_body, unknown */
        return FETCH_ERROR_UNKNOWN;
    }
}

/* Fills the machine's result from the API's; a 2xx whose response is not
 * a vehicle object is an unknown error, never a half-parsed sample. */
static void classify(struct car_runner *runner, const struct tesla_api_result *api,
                     struct fsm_fetch_result *result)
{
    result->fetch_id = runner->fetch.id;
    result->error = car_fetch_error_from_api(api);
    result->retry_after_s = (double)api->retry_after_s;
    result->sample = NULL;

    if (result->error != FETCH_OK)
        return;
    if (api->response == NULL || !vehicle_parse_object(api->response, &runner->sample)) {
        log_car_warning(runner->car.car_id, "%s: the response is not a vehicle object (%zu "
                        "bytes); skipped",
                        fetch_call_name(runner->fetch.current), api->body_length);
        result->error = FETCH_ERROR_UNKNOWN;
        return;
    }
    result->sample = &runner->sample;
}

static void deliver(struct car_runner *runner, const struct fsm_fetch_result *result)
{
    struct fsm_event event = { .type = FSM_EVENT_FETCH_RESULT, .fetch = *result };

    runner->fetch.id = 0;
    runner->fetch.current = FETCH_CALL_NONE;
    car_runner_handle_event(runner, &event);
}

static bool start_call(struct car_runner *runner, enum fetch_call call);

static void on_call_done(void *context, const struct tesla_api_result *api)
{
    struct car_runner *runner = context;
    struct fsm_fetch_result result;

    runner->fetch.call = NULL;
    classify(runner, api, &result);
    if (result.error != FETCH_ERROR_TOO_MANY_REQUESTS && result.error != FETCH_ERROR_EXCEEDED_LIMIT)
        worker_account_limit_note_response(runner->worker);

    enum fetch_call next = fetch_plan_next_call(runner->fetch.plan, runner->fetch.current, &result);
    if (next != FETCH_CALL_NONE && worker_calls_wait_s(runner->worker) <= 0.0 &&
        start_call(runner, next))
        return;
    deliver(runner, &result);
}

static bool start_call(struct car_runner *runner, enum fetch_call call)
{
    struct tesla_api *api = runner->worker->api;
    int64_t vehicle_id = runner->car.vehicle_id;
    int64_t car_id = runner->car.car_id;

    runner->fetch.current = call;
    if (call == FETCH_CALL_VEHICLE_DATA)
        runner->fetch.call =
            tesla_api_get_vehicle_data(api, vehicle_id, car_id, on_call_done, runner);
    else
        runner->fetch.call = tesla_api_get_vehicle(api, vehicle_id, car_id, on_call_done, runner);
    return runner->fetch.call != NULL;
}

static void on_start_failure(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct car_runner *runner = timer->data;
    struct fsm_fetch_result result = { .fetch_id = runner->fetch.id,
                                       .error = FETCH_ERROR_UNKNOWN };

    (void)loop;
    (void)events;
    deliver(runner, &result);
}

void car_fetch_init(struct car_runner *runner)
{
    memset(&runner->fetch, 0, sizeof(runner->fetch));
    ev_timer_init(&runner->fetch.failure_timer, on_start_failure, FETCH_START_FAILURE_DELAY_S,
                  0.0);
    runner->fetch.failure_timer.data = runner;
}

void car_fetch_start(struct car_runner *runner, uint64_t fetch_id, enum fetch_plan plan)
{
    if (runner->fetch.id != 0) {
        /* The machine allows one fetch at a time; a second is a bug. */
        log_car_error(runner->car.car_id, "fetch %llu requested while fetch %llu runs; ignored",
                      (unsigned long long)fetch_id, (unsigned long long)runner->fetch.id);
        return;
    }
    runner->fetch.id = fetch_id;
    runner->fetch.plan = plan;
    log_car_debug(runner->car.car_id, "fetch %llu: %s", (unsigned long long)fetch_id,
                  fetch_plan_name(plan));

    if (!start_call(runner, fetch_plan_first_call(plan))) {
        log_car_warning(runner->car.car_id, "fetch %llu could not start; reported as failed "
                        "in %.0f s",
                        (unsigned long long)fetch_id, FETCH_START_FAILURE_DELAY_S);
        ev_timer_start(runner->worker->loop, &runner->fetch.failure_timer);
    }
}

void car_fetch_cancel(struct car_runner *runner)
{
    tesla_api_cancel(runner->worker->api, runner->fetch.call);
    runner->fetch.call = NULL;
    ev_timer_stop(runner->worker->loop, &runner->fetch.failure_timer);
    runner->fetch.id = 0;
}
