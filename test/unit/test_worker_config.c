/*
 * The live worker's pure parts: its polling configuration from the
 * environment, the state machine's fast-polling option (floors and the cap
 * on poll delays), and the mapping of classified API results to the
 * machine's fetch errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "car_runner_internal.h"
#include "log.h"
#include "worker_config.h"

static const char *const variables[] = {
    "POLLING_ASLEEP_INTERVAL", "POLLING_DRIVING_INTERVAL", "POLLING_DEFAULT_INTERVAL",
    "POLLING_ONLINE_INTERVAL", "POLLING_CHARGING_INTERVAL", "POLLING_MINIMUM_INTERVAL",
    "TENANTMATE_OFFLINE_MAX_INTERVAL", "TENANTMATE_ALLOW_FAST_POLLING",
    "TENANTMATE_MAX_POLL_INTERVAL", "TESLA_API_HOST", "TESLA_AUTH_HOST", "TESLA_AUTH_PATH",
    "TESLA_AUTH_CLIENT_ID", "TOKEN",
};

static int clear_environment(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(variables) / sizeof(variables[0]); i++)
        unsetenv(variables[i]);
    return 0;
}

static int setup(void **state)
{
    log_init("test_worker_config", LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
    return clear_environment(state);
}

/* The machine's effective configuration after vehicle_fsm_init(). */
static struct fsm_config effective(const struct fsm_config *config)
{
    struct fsm_start_data start = { .config = *config, .settings = car_settings_defaults() };
    struct vehicle_fsm fsm;
    struct fsm_output out;

    vehicle_fsm_init(&fsm, &start, 1.0e9, &out);
    return fsm.config;
}

static void defaults_are_teslamate_values(void **state)
{
    struct worker_config config;

    (void)state;
    assert_true(worker_config_from_env(&config, "test"));
    assert_true(config.polling.asleep_interval_s == 30.0);
    assert_true(config.polling.driving_interval_s == 2.5);
    assert_true(config.polling.default_interval_s == 15.0);
    assert_true(config.polling.online_interval_s == 60.0);
    assert_true(config.polling.charging_interval_s == 5.0);
    assert_true(config.polling.minimum_interval_s == 0.0);
    assert_true(config.polling.offline_max_interval_s == 120.0);
    assert_false(config.polling.allow_fast_polling);
    assert_true(config.polling.max_poll_interval_s == 0.0);
    worker_config_wipe(&config);
}

static void floors_apply_without_opt_in(void **state)
{
    struct worker_config config;

    (void)state;
    setenv("POLLING_DRIVING_INTERVAL", "0.5", 1);
    setenv("POLLING_DEFAULT_INTERVAL", "20.25", 1);
    assert_true(worker_config_from_env(&config, "test"));
    assert_true(config.polling.driving_interval_s == 0.5);

    struct fsm_config used = effective(&config.polling);
    assert_true(used.driving_interval_s == 2.5);
    assert_true(used.default_interval_s == 20.25);
    worker_config_wipe(&config);
}

static void fast_polling_goes_below_floors(void **state)
{
    struct worker_config config;

    (void)state;
    setenv("TENANTMATE_ALLOW_FAST_POLLING", "1", 1);
    setenv("POLLING_DRIVING_INTERVAL", "0.01", 1);
    setenv("POLLING_ASLEEP_INTERVAL", "0.05", 1);
    setenv("TENANTMATE_MAX_POLL_INTERVAL", "0.25", 1);
    assert_true(worker_config_from_env(&config, "test"));

    struct fsm_config used = effective(&config.polling);
    assert_true(used.driving_interval_s == 0.01);
    assert_true(used.asleep_interval_s == 0.05);
    assert_true(used.max_poll_interval_s == 0.25);
    worker_config_wipe(&config);
}

static void invalid_values_rejected(void **state)
{
    static const struct {
        const char *name;
        const char *value;
    } cases[] = {
        { "POLLING_DRIVING_INTERVAL", "fast" },
        { "POLLING_ASLEEP_INTERVAL", "-1" },
        { "POLLING_DEFAULT_INTERVAL", "86401" },
        { "POLLING_CHARGING_INTERVAL", "5s" },
        { "TENANTMATE_ALLOW_FAST_POLLING", "maybe" },
        { "TENANTMATE_MAX_POLL_INTERVAL", "0.1" },   /* needs the opt-in */
        { "TESLA_API_HOST", "ftp://127.0.0.1" },
    };
    struct worker_config config;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clear_environment(state);
        setenv(cases[i].name, cases[i].value, 1);
        if (worker_config_from_env(&config, "test"))
            fail_msg("%s=%s was accepted", cases[i].name, cases[i].value);
    }
}

/* Runs one poll and answers it with `error`; returns the next poll delay. */
static double delay_after_error(const struct fsm_config *config, enum fetch_error error,
                                double retry_after_s)
{
    struct fsm_start_data start = { .config = *config, .settings = car_settings_defaults() };
    struct vehicle_fsm fsm;
    struct fsm_output out;
    struct fsm_event poll = { .type = FSM_EVENT_POLL_TIMER };

    vehicle_fsm_init(&fsm, &start, 1.0e9, &out);
    vehicle_fsm_handle(&fsm, &poll, 1.0e9, &out);
    assert_true(out.start_fetch);

    struct fsm_event result = {
        .type = FSM_EVENT_FETCH_RESULT,
        .fetch = { .fetch_id = out.fetch.id, .error = error, .retry_after_s = retry_after_s },
    };
    vehicle_fsm_handle(&fsm, &result, 1.0e9 + 0.1, &out);
    assert_int_equal(out.poll.action, FSM_TIMER_SET);
    return out.poll.delay_s;
}

static void cap_shortens_fixed_delays_not_rate_limits(void **state)
{
    struct fsm_config config = fsm_config_defaults();

    (void)state;
    /* Without the opt-in the cap is ignored: 30 s after an error in start. */
    config.max_poll_interval_s = 0.05;
    assert_true(delay_after_error(&config, FETCH_ERROR_UNKNOWN, 0.0) == 30.0);

    config.allow_fast_polling = true;
    assert_true(delay_after_error(&config, FETCH_ERROR_UNKNOWN, 0.0) == 0.05);
    assert_true(delay_after_error(&config, FETCH_ERROR_CLOSED, 0.0) == 0.05);
    /* A rate limit still holds the poll until it ends. */
    assert_true(delay_after_error(&config, FETCH_ERROR_TOO_MANY_REQUESTS, 120.0) == 120.0);
    assert_true(delay_after_error(&config, FETCH_ERROR_EXCEEDED_LIMIT, 0.0) == 900.0);
}

static void api_outcomes_map_to_fetch_errors(void **state)
{
    static const struct {
        enum tesla_api_outcome outcome;
        long status;
        enum fetch_error error;
    } cases[] = {
        { TESLA_API_OK, 200, FETCH_OK },
        { TESLA_API_UNAUTHORIZED, 401, FETCH_ERROR_UNAUTHORIZED },
        { TESLA_API_NOT_SIGNED_IN, 0, FETCH_ERROR_NOT_SIGNED_IN },
        { TESLA_API_VEHICLE_UNAVAILABLE, 408, FETCH_ERROR_VEHICLE_UNAVAILABLE },
        { TESLA_API_VEHICLE_NOT_FOUND, 404, FETCH_ERROR_VEHICLE_NOT_FOUND },
        { TESLA_API_VEHICLE_IN_SERVICE, 405, FETCH_ERROR_VEHICLE_IN_SERVICE },
        { TESLA_API_TOO_MANY_REQUESTS, 429, FETCH_ERROR_TOO_MANY_REQUESTS },
        { TESLA_API_TOO_MANY_REQUESTS, 403, FETCH_ERROR_EXCEEDED_LIMIT },
        { TESLA_API_TIMEOUT, 504, FETCH_ERROR_TIMEOUT },
        { TESLA_API_CLOSED, 0, FETCH_ERROR_CLOSED },
        { TESLA_API_SERVER_ERROR, 503, FETCH_ERROR_UNKNOWN },
        { TESLA_API_TRANSPORT_ERROR, 0, FETCH_ERROR_UNKNOWN },
        { TESLA_API_MALFORMED_BODY, 200, FETCH_ERROR_UNKNOWN },
        { TESLA_API_UNKNOWN, 418, FETCH_ERROR_UNKNOWN },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tesla_api_result result = { .outcome = cases[i].outcome,
                                           .http_status = cases[i].status };
        enum fetch_error error = car_fetch_error_from_api(&result);

        if (error != cases[i].error)
            fail_msg("%s (%ld): %s, expected %s", tesla_api_outcome_name(cases[i].outcome),
                     cases[i].status, fetch_error_name(error), fetch_error_name(cases[i].error));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_are_teslamate_values, clear_environment),
        cmocka_unit_test_setup(floors_apply_without_opt_in, clear_environment),
        cmocka_unit_test_setup(fast_polling_goes_below_floors, clear_environment),
        cmocka_unit_test_setup(invalid_values_rejected, clear_environment),
        cmocka_unit_test(cap_shortens_fixed_delays_not_rate_limits),
        cmocka_unit_test(api_outcomes_map_to_fetch_errors),
    };

    return cmocka_run_group_tests_name("worker_config", tests, setup, NULL);
}
