/*
 * Vehicle state machine: worker basics, ported from TeslaMate's
 * vehicle_test.exs (scenario section V), plus configuration checks.
 *
 * Scenario -> test
 *   V1  import completion            not ported: import runs outside the machine
 *   V2  unknown state, then errors   test_unknown_then_errors_unhealthy
 *   V3  online at start              test_online_at_start
 *   V4  offline at start             test_offline_at_start
 *   V5  asleep at start              test_asleep_at_start
 *   V6  resume while online          test_resume_while_online_noop
 *   V7  resume while asleep          test_resume_while_asleep_backoff
 *   V8  resume while offline         test_resume_while_offline_backoff
 *   V9  settings change              test_settings_change_suspends
 *   V10 vehicle_not_found            test_not_found_restarts_vehicles
 *   V11 unknown errors               test_unknown_errors_unhealthy
 *   V12 unavailable -> light call    test_unavailable_falls_back_to_light
 *   V13 timeouts and closed          test_timeouts_and_closed_tolerated
 *   V14 in service while online      test_in_service_while_online
 *   V15 in service aborts a drive    test_in_service_aborts_drive
 *   V16 not signed in                test_not_signed_in_stops_polling
 *   V17 health follows the fuse      test_health_follows_fuse
 *   V18 summary before any answer    test_summary_before_any_answer
 *   V19 summary while blocked        test_summary_while_fetch_blocked
 *   V20-V23 firmware on first start  test_vehicle_fsm_updates.c
 * Streaming expectations (stream connect/disconnect) are dropped: tenantmate
 * runs with use_streaming_api off, where `start`, `asleep`, `offline` and
 * `suspended` spend two answers per observation; answer lists are adapted.
 */
#include "fsm_script.h"

static void test_unknown_then_errors_unhealthy(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *summary;

    (void)state;
    answer_sample(script, sample_state("unknown"));
    answer_error(script, FETCH_ERROR_UNKNOWN);
    script_start(script);
    script_run_for(script, 120.0);

    summary = script_expect_summary(script, SUMMARY_STATE_UNAVAILABLE);
    assert_true(summary->healthy);
    assert_false(summary->has_data);
    summary = script_expect_summary(script, SUMMARY_STATE_UNAVAILABLE);
    assert_false(summary->healthy);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_START_STATE), 0);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_UNKNOWN_VEHICLE_STATE), 1);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_API_ERROR_FUSE_BLOWN), 1);
    /* `start` retries errors every 30 s: 0, 10, 40, 70, 100 s. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 0, 1e12), 5);
}

static void test_online_at_start(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    script_run_for(script, 1.0);

    effect = script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    assert_true(effect->update_car.identified);
    assert_int_equal(effect->update_car.identity.model, CAR_MODEL_3);
    script_expect_state(script, FSM_RECORDED_ONLINE, SCRIPT_T0_MS);
    script_expect_position(script, false);
    assert_true(script_expect_summary(script, SUMMARY_STATE_ONLINE)->healthy);
    script_expect_quiet(script);

    /* The light call first, then vehicle_data; next poll in 15 s. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 0, 1e12), 1);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 0, 1e12), 1);
    assert_near(script_poll_delay_s(script), 14.0, 1e-9);
    assert_true(script->store_armed);
    assert_string_equal(fsm_state_name(script->fsm.state), "online");
}

static void start_sleeping(enum fsm_recorded_state recorded, const char *answer,
                           enum vehicle_summary_state summary_state)
{
    struct script *script = script_new();

    answer_sample(script, sample_state(answer));
    script_start(script);
    script_run_for(script, 5.0);

    script_expect_state(script, recorded, SCRIPT_T0_MS);
    script_expect_summary(script, summary_state);
    script_expect_quiet(script);
    assert_near(script_poll_delay_s(script), 5.0, 1e-9);     /* poll_default 10 s */
}

static void test_offline_at_start(void **state)
{
    (void)state;
    start_sleeping(FSM_RECORDED_OFFLINE, "offline", SUMMARY_STATE_OFFLINE);
}

static void test_asleep_at_start(void **state)
{
    (void)state;
    start_sleeping(FSM_RECORDED_ASLEEP, "asleep", SUMMARY_STATE_ASLEEP);
}

static void test_resume_while_online_noop(void **state)
{
    struct script *script = script_new();
    struct fsm_reply reply;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    script_run_for(script, 1.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);

    reply = script_resume(script);
    assert_int_equal(reply.status, FSM_REPLY_OK);
    script_expect_quiet(script);
    assert_near(script->fsm.last_used_s, SCRIPT_T0_S + 1.0, 1e-9);
}

/* After a resume the sleeping car is polled after 1, 2, 4, 8 and 16 s. */
static void resume_accelerates(const char *answer, enum fsm_recorded_state recorded)
{
    struct script *script = script_new();
    const double gaps_s[] = { 1.0, 2.0, 4.0, 8.0, 16.0 };
    size_t first;

    for (int i = 0; i < 7; i++)
        answer_sample(script, sample_state(answer));
    answer_stamped(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    script_run_for(script, 1.0);
    script_expect_state(script, recorded, SCRIPT_T0_MS);

    first = script->call_count;
    assert_int_equal(script_resume(script).status, FSM_REPLY_OK);
    script_run_for(script, 100.0);

    for (size_t i = 0; i < sizeof(gaps_s) / sizeof(gaps_s[0]); i++)
        assert_near(script->calls[first + i + 1].at_s - script->calls[first + i].at_s,
                            gaps_s[i], 1e-9);
    script_expect_summary(script, recorded == FSM_RECORDED_ASLEEP ? SUMMARY_STATE_ASLEEP
                                                                  : SUMMARY_STATE_OFFLINE);
    script_expect_online_entry(script, fsm_ms_from_s(script->calls[first + 6].at_s));
}

static void test_resume_while_asleep_backoff(void **state)
{
    (void)state;
    resume_accelerates("asleep", FSM_RECORDED_ASLEEP);
}

static void test_resume_while_offline_backoff(void **state)
{
    (void)state;
    resume_accelerates("offline", FSM_RECORDED_OFFLINE);
}

static void test_settings_change_suspends(void **state)
{
    struct script *script = script_new();
    struct car_settings settings = { .suspend_min = 10000, .suspend_after_idle_min = 999999999 };

    (void)state;
    script->start.settings = settings;
    answer_stamped(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    script_run_for(script, 240.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_quiet(script);

    settings.suspend_after_idle_min = 1;
    script_settings(script, settings);
    script_expect_quiet(script);    /* nothing happens before the next poll */

    script_run_for(script, 15.0);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    assert_near(script_poll_delay_s(script), 10000.0 * 60.0 - (script->now_s -
                        script->log[script->log_count - 1].at_s), 1e-6);
    script_run_for(script, 3600.0);
    script_expect_quiet(script);
}

static void test_not_found_restarts_vehicles(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_online(SCRIPT_T0_MS + 1));
    answer_error(script, FETCH_ERROR_VEHICLE_NOT_FOUND);
    script_start(script);
    script_run_for(script, 280.0);     /* before the 5-minute position */

    assert_true(script_expect_online_entry(script, SCRIPT_T0_MS + 1)->healthy);
    assert_false(script_expect_summary(script, SUMMARY_STATE_ONLINE)->healthy);
    script_expect_effect(script, FSM_EFFECT_RESTART_VEHICLES);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_RESTART_VEHICLES), 1);
    /* not found retries every 30 s: the 9th (at 15 + 8 x 30 s) blows. */
    assert_near(script->log[script->log_count - 1].at_s, SCRIPT_T0_S + 255.0, 1e-9);
}

static void test_unknown_errors_unhealthy(void **state)
{
    struct script *script = script_new();
    const struct script_entry *entry;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_online(SCRIPT_T0_MS + 1));
    answer_error(script, FETCH_ERROR_UNKNOWN);
    script_start(script);
    script_run_for(script, 120.0);

    assert_true(script_expect_online_entry(script, SCRIPT_T0_MS + 1)->healthy);
    entry = script_expect(script, FSM_EFFECT_PUBLISH_SUMMARY);
    assert_false(entry->summary.healthy);
    /* 15 s to the first error, then every 20 s: the 4th melt at 75 s. */
    assert_near(entry->at_s, SCRIPT_T0_S + 75.0, 1e-9);
    script_expect_quiet(script);
}

static void test_unavailable_falls_back_to_light(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 30.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    /* Online saw asleep (via the light call) and went to start; the next
     * poll, 10 s later, records the state. */
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(25.0));
    script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    script_expect_quiet(script);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 14.0, 16.0), 1);
}

static void test_timeouts_and_closed_tolerated(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    for (int i = 0; i < 4; i++)
        answer_error(script, FETCH_ERROR_TIMEOUT);
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_error(script, FETCH_ERROR_TIMEOUT);
    answer_error(script, FETCH_ERROR_TIMEOUT);
    answer_error(script, FETCH_ERROR_CLOSED);
    answer_error(script, FETCH_ERROR_CLOSED);
    answer_error(script, FETCH_ERROR_TIMEOUT);
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    script_start(script);
    script_run_for(script, 290.0);     /* before the 5-minute position */

    assert_true(script_expect_online_entry(script, SCRIPT_T0_MS)->healthy);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_API_ERROR_FUSE_BLOWN), 0);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_FETCH_FAILED), 9);
}

static void test_in_service_while_online(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_error(script, FETCH_ERROR_VEHICLE_IN_SERVICE);
    answer_sample(script, sample_online(SCRIPT_T0_MS + 1));
    answer_block(script, sample_online(SCRIPT_T0_MS + 2));
    script_start(script);
    script_run_for(script, 15.0);

    assert_true(script_expect_online_entry(script, SCRIPT_T0_MS)->healthy);
    assert_near(script_poll_delay_s(script), 60.0, 1e-9);
    script_run_for(script, 120.0);
    script_expect_quiet(script);
    /* In service only delays the next poll, by 60 s. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 15.5, 75.0), 0);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 75.0, 75.5), 1);
    assert_true(script->blocked);
}

static void test_in_service_aborts_drive(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS - 1), 2);
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 5));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 1, "D", 50));
    answer_error(script, FETCH_ERROR_VEHICLE_IN_SERVICE);
    answer_block(script, sample_online(SCRIPT_T0_MS + 2));
    script_start(script);
    script_run_for(script, 30.0);

    script_expect_online_entry(script, SCRIPT_T0_MS - 1);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    assert_int_equal(script_expect_position(script, true)->speed_kmh.value, 8);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    assert_int_equal(script_expect_position(script, true)->speed_kmh.value, 80);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    effect = script_expect_effect(script, FSM_EFFECT_CLOSE_DRIVE);
    assert_int_equal(effect->close_drive.reason, FSM_DRIVE_END_IN_SERVICE);
    script_expect_summary(script, SUMMARY_STATE_START);
    script_expect_quiet(script);
}

static void test_not_signed_in_stops_polling(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *summary;
    size_t calls;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_error(script, FETCH_ERROR_NOT_SIGNED_IN);
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    script_start(script);
    script_run_for(script, 20.0);

    assert_true(script_expect_online_entry(script, SCRIPT_T0_MS)->healthy);
    summary = script_expect_summary(script, SUMMARY_STATE_START);
    assert_false(summary->healthy);
    script_expect_quiet(script);
    assert_false(script->poll_armed);

    calls = script->call_count;
    script_run_for(script, 3600.0);
    assert_int_equal(script->call_count, calls);
}

static void test_health_follows_fuse(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 20.0);
    script_expect_state(script, FSM_RECORDED_ASLEEP, SCRIPT_T0_MS);
    assert_true(script_expect_summary(script, SUMMARY_STATE_ASLEEP)->healthy);

    fuse_disable(&script->fsm.api_error_fuse);
    script_run_for(script, 30.0);
    assert_false(script_expect_summary(script, SUMMARY_STATE_ASLEEP)->healthy);

    fuse_enable(&script->fsm.api_error_fuse);
    script_run_for(script, 30.0);
    assert_true(script_expect_summary(script, SUMMARY_STATE_ASLEEP)->healthy);
    script_expect_quiet(script);
}

static void test_summary_before_any_answer(void **state)
{
    struct script *script = script_new();
    struct vehicle_summary summary;

    (void)state;
    answer_block(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 1.0);
    assert_true(script->blocked);

    for (int i = 0; i < 10; i++) {
        vehicle_fsm_summary(&script->fsm, script->now_s, NULL, &summary);
        assert_string_equal(vehicle_summary_state_name(summary.state), "unavailable");
        assert_true(summary.healthy);
        assert_false(summary.has_data);
    }
}

static void test_summary_while_fetch_blocked(void **state)
{
    struct script *script = script_new();
    struct vehicle_summary summary;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_block(script, sample_online(SCRIPT_T0_MS + 1));
    script_start(script);
    script_run_for(script, 20.0);
    assert_true(script->blocked);

    for (int i = 0; i < 10; i++) {
        vehicle_fsm_summary(&script->fsm, script->now_s, NULL, &summary);
        assert_string_equal(vehicle_summary_state_name(summary.state), "online");
        assert_true(summary.healthy);
    }
    /* A poll tick while the fetch is in flight is dropped. */
    assert_false(script->poll_armed);
}

/* After an error, driving retries in 10 s, charging 15 s, online
 * 20 s, every other state 30 s. */
static void test_error_retry_by_state(void **state)
{
    struct {
        struct vehicle_sample sample;
        double retry_s;
    } cases[] = {
        { sample_drive(SCRIPT_T0_MS, "D", 10), 10.0 },
        { sample_charging(SCRIPT_T0_MS, "Charging", 1.0, 100.0), 15.0 },
        { sample_online(SCRIPT_T0_MS), 20.0 },
        { sample_state("asleep"), 30.0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct script *script = script_new();

        answer_samples(script, cases[i].sample, 2);
        answer_error(script, FETCH_ERROR_UNKNOWN);
        script_start(script);
        script_run_for(script, 0.0);
        script_run_until(script, script->poll_due_s);
        assert_near(script_poll_delay_s(script), cases[i].retry_s, 1e-9);
        }
}

static void test_config_check_rejects_bad_values(void **state)
{
    struct fsm_config config = fsm_config_defaults();
    struct car_settings settings = car_settings_defaults();
    char error[160];

    (void)state;
    assert_true(fsm_config_check(&config, error, sizeof(error)));
    config.driving_interval_s = -1.0;
    assert_false(fsm_config_check(&config, error, sizeof(error)));
    assert_non_null(strstr(error, "POLLING_DRIVING_INTERVAL"));
    assert_non_null(strstr(error, "-1"));

    config = fsm_config_defaults();
    config.asleep_interval_s = 0.0 / 0.0;
    assert_false(fsm_config_check(&config, error, sizeof(error)));
    assert_non_null(strstr(error, "POLLING_ASLEEP_INTERVAL"));

    assert_true(car_settings_check(&settings, error, sizeof(error)));
    settings.suspend_min = -5.0;
    assert_false(car_settings_check(&settings, error, sizeof(error)));
    assert_non_null(strstr(error, "suspend_min"));
}

/* TeslaMate raises each interval to its default; fractions are kept. */
static void test_config_floors_applied(void **state)
{
    struct script *script = script_new();

    (void)state;
    script->start.config.driving_interval_s = 1.0;     /* below 2.5 */
    script->start.config.default_interval_s = 20.5;
    script->start.config.asleep_interval_s = -3.0;      /* invalid: default */
    script_start(script);
    assert_near(script->fsm.config.driving_interval_s, 2.5, 1e-9);
    assert_near(script->fsm.config.default_interval_s, 20.5, 1e-9);
    assert_near(script->fsm.config.asleep_interval_s, 30.0, 1e-9);
    assert_near(script->fsm.config.offline_max_interval_s, 120.0, 1e-9);
}

static void test_invalid_events_reported(void **state)
{
    struct script *script = script_new();
    struct fsm_event event = { .type = FSM_EVENT_FETCH_RESULT };
    struct car_settings settings = { .suspend_min = -1.0, .suspend_after_idle_min = 15.0 };

    (void)state;
    answer_block(script, sample_state("asleep"));
    script_start(script);
    vehicle_fsm_handle(&script->fsm, NULL, script->now_s, &script->out);
    assert_int_equal(script->out.effect_count, 1);
    assert_int_equal(script->out.effects[0].notice.code, FSM_NOTICE_INVALID_EVENT);

    /* FETCH_OK without a sample for the poll in flight: reported, and the
     * fetch ends like an unknown error so that polling goes on. */
    script_run_for(script, 0.0);
    assert_true(script->blocked);
    event.fetch.fetch_id = script->blocked_id;
    vehicle_fsm_handle(&script->fsm, &event, script->now_s, &script->out);
    assert_int_equal(script->out.effects[0].notice.code, FSM_NOTICE_INVALID_EVENT);
    assert_int_equal(script->out.poll.action, FSM_TIMER_SET);
    assert_near(script->out.poll.delay_s, 30.0, 0);
    assert_int_equal(script->fsm.poll_fetch_id, 0);

    event.type = FSM_EVENT_TYPE_COUNT;
    vehicle_fsm_handle(&script->fsm, &event, script->now_s, &script->out);
    assert_string_equal(script->out.effects[0].notice.text, "unknown event type");

    script_settings(script, settings);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_INVALID_EVENT), 1);
    assert_near(script->fsm.settings.suspend_min, 21.0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_unknown_then_errors_unhealthy),
        SCRIPT_TEST(test_online_at_start),
        SCRIPT_TEST(test_offline_at_start),
        SCRIPT_TEST(test_asleep_at_start),
        SCRIPT_TEST(test_resume_while_online_noop),
        SCRIPT_TEST(test_resume_while_asleep_backoff),
        SCRIPT_TEST(test_resume_while_offline_backoff),
        SCRIPT_TEST(test_settings_change_suspends),
        SCRIPT_TEST(test_not_found_restarts_vehicles),
        SCRIPT_TEST(test_unknown_errors_unhealthy),
        SCRIPT_TEST(test_unavailable_falls_back_to_light),
        SCRIPT_TEST(test_timeouts_and_closed_tolerated),
        SCRIPT_TEST(test_in_service_while_online),
        SCRIPT_TEST(test_in_service_aborts_drive),
        SCRIPT_TEST(test_not_signed_in_stops_polling),
        SCRIPT_TEST(test_health_follows_fuse),
        SCRIPT_TEST(test_summary_before_any_answer),
        SCRIPT_TEST(test_summary_while_fetch_blocked),
        SCRIPT_TEST(test_error_retry_by_state),
        SCRIPT_TEST(test_config_check_rejects_bad_values),
        SCRIPT_TEST(test_config_floors_applied),
        SCRIPT_TEST(test_invalid_events_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
