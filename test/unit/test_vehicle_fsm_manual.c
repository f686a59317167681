/*
 * Vehicle state machine: the user's suspend and resume requests, ported
 * from TeslaMate's suspend_logging_test.exs (scenario section M).
 *
 * Scenario -> test
 *   M1, M2 asleep / offline            test_manual_suspend_while_sleeping
 *   M3  already suspended              test_manual_suspend_twice
 *   M4-M10 blocked manual suspends     test_manual_suspend_blocked
 *   M11-M14 driving                    test_manual_suspend_while_driving
 *   M15 updating                       test_manual_suspend_while_updating
 *   M16 charging                       test_manual_suspend_while_charging
 *   M17 no vehicle data                test_manual_suspend_gateway_error
 *   M18 after charge complete          test_manual_suspend_after_charge
 *   M19 while idling                   test_manual_suspend_while_idle
 *   M20 lock re-read on each attempt   test_manual_suspend_rereads_lock
 *   suspend before the first poll      test_manual_suspend_before_first_poll
 *   resume from suspended              test_resume_from_suspended
 *   push source parameters             test_push_source_parameters
 * TeslaMate fetches vehicle_data synchronously for the request; here the
 * machine asks for the fetch and answers when the result comes back, which
 * the script does at once with the next answer.
 */
#include "fsm_script.h"

static void test_manual_suspend_while_sleeping(void **state)
{
    const char *states[] = { "asleep", "offline" };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct script *script = script_new();
        size_t calls;

        answer_sample(script, sample_state(states[i]));
        script_start(script);
        script_run_for(script, 1.0);
        script_expect_effect(script, FSM_EFFECT_START_STATE);
        script_expect_summary(script, i == 0 ? SUMMARY_STATE_ASLEEP : SUMMARY_STATE_OFFLINE);

        calls = script->call_count;
        assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
        script_expect_quiet(script);
        assert_int_equal(script->call_count, calls);
    }
}

static void test_manual_suspend_twice(void **state)
{
    struct script *script = script_new();
    size_t calls;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    script_run_for(script, 1.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);

    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    assert_near(script_poll_delay_s(script), 21 * 60.0, 1e-9);

    calls = script->call_count;
    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_quiet(script);
    assert_int_equal(script->call_count, calls);
}

/* M4-M10: the check's vehicle data shows a blocker; the error is its name. */
static void test_manual_suspend_blocked(void **state)
{
    void (*blockers[])(struct vehicle_sample *) = {
        set_preconditioning, set_user_present, set_downloading, set_sentry_on, set_unlocked,
        set_door_open, set_trunks_open,
    };
    const char *errors[] = {
        "preconditioning", "user_present", "downloading_update", "sentry_mode", "unlocked",
        "doors_open", "trunk_open",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(blockers) / sizeof(blockers[0]); i++) {
        struct script *script = script_new();
        struct fsm_reply reply;

        answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
        answer_sample(script, sample_with(blockers[i], SCRIPT_T0_MS));
        script_start(script);
        script_run_for(script, 1.0);
        script_expect_online_entry(script, SCRIPT_T0_MS);

        reply = script_suspend(script);
        assert_string_equal(fsm_reply_status_name(reply.status), "error");
        assert_string_equal(fsm_suspend_error_name(reply.error), errors[i]);
        script_expect_quiet(script);
        assert_string_equal(fsm_state_name(script->fsm.state), "online");
    }
}

static void expect_refused(struct script *script, const char *error)
{
    size_t calls = script->call_count;
    struct fsm_reply reply = script_suspend(script);

    assert_string_equal(fsm_reply_status_name(reply.status), "error");
    assert_string_equal(fsm_suspend_error_name(reply.error), error);
    assert_int_equal(script->call_count, calls);    /* replied without a fetch */
}

static void test_manual_suspend_while_driving(void **state)
{
    const char *shifts[] = { "D", "R", "N" };

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        struct script *script = script_new();

        answer_sample(script, sample_online(SCRIPT_T0_MS - (i < 3 ? 1 : 0)));
        answer_sample(script, sample_drive(SCRIPT_T0_MS, i < 3 ? shifts[i] : "D", i < 3 ? 10 : 0));
        script_start(script);
        script_run_for(script, 1.0);
        assert_string_equal(fsm_state_name(script->fsm.state), "driving");
        expect_refused(script, "vehicle_not_parked");
    }
}

static void test_manual_suspend_while_updating(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3", ""));
    script_start(script);
    script_run_for(script, 1.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    assert_int_equal(script_expect_effect(script, FSM_EFFECT_START_UPDATE)->start_update.date_ms,
                     SCRIPT_T0_MS);
    expect_refused(script, "update_in_progress");
}

static void test_manual_suspend_while_charging(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_charging(SCRIPT_T0_MS, "Charging", 1.5, 100));
    script_start(script);
    script_run_for(script, 1.0);
    expect_refused(script, "charging_in_progress");
}

static void test_manual_suspend_gateway_error(void **state)
{
    struct script *script = script_new();
    struct fsm_reply reply;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_online(SCRIPT_T0_MS + 1));
    answer_sample(script, sample_state("online"));
    script_start(script);
    script_run_for(script, 1.0);

    reply = script_suspend(script);
    assert_string_equal(fsm_suspend_error_name(reply.error), "gateway_error");
    assert_string_equal(fsm_state_name(script->fsm.state), "online");
}

static void test_manual_suspend_after_charge(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *charging;
    const struct vehicle_summary *online;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_charging(SCRIPT_T0_MS, "Charging", 1.5, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Complete", 1.5, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 2, "Complete", 1.5, 100));
    script_start(script);
    script_run_for(script, 8.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    script_expect_charge(script, 1.5);
    charging = script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_position(script, false);
    script_expect_charge(script, 1.5);
    script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    online = script_expect_online_entry(script, SCRIPT_T0_MS + 1);
    assert_true(online->since_ms > charging->since_ms);

    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_position(script, false);
    assert_true(script_expect_summary(script, SUMMARY_STATE_SUSPENDED)->since_ms >
                online->since_ms);
    script_expect_quiet(script);
}

static void test_manual_suspend_while_idle(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *online;

    (void)state;
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_run_for(script, 5.0);
    online = script_expect_online_entry(script, SCRIPT_T0_MS);

    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_position(script, false);
    assert_true(script_expect_summary(script, SUMMARY_STATE_SUSPENDED)->since_ms >
                online->since_ms);
    script_expect_quiet(script);
}

static void test_manual_suspend_rereads_lock(void **state)
{
    struct script *script = script_new();
    struct fsm_reply reply;
    const struct vehicle_summary *summary;

    (void)state;
    script->start.settings = quick_settings(15, 21);
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_with(set_unlocked, SCRIPT_T0_MS));
    answer_sample(script, sample_with(set_unlocked, SCRIPT_T0_MS + 1));
    answer_sample(script, sample_with(set_locked, SCRIPT_T0_MS + 2));
    answer_block(script, sample_with(set_locked, SCRIPT_T0_MS + 3));
    script_start(script);
    script_run_for(script, 1.0);
    assert_false(script_expect_online_entry(script, SCRIPT_T0_MS)->locked.value);

    reply = script_suspend(script);
    assert_string_equal(fsm_suspend_error_name(reply.error), "unlocked");
    script_expect_quiet(script);

    reply = script_suspend(script);
    assert_int_equal(reply.status, FSM_REPLY_OK);
    script_expect_position(script, false);
    summary = script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    assert_true(summary->locked.value);
    script_expect_quiet(script);
}

static void test_resume_from_suspended(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *summary;

    (void)state;
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_run_for(script, 5.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);

    script_run_for(script, 60.0);
    assert_int_equal(script_resume(script).status, FSM_REPLY_OK);
    summary = script_expect_summary(script, SUMMARY_STATE_ONLINE);
    assert_int_equal(summary->since_ms, script_ms(65.0));
    assert_near(script_poll_delay_s(script), 1.0, 1e-9);
    assert_near(script->fsm.last_used_s, SCRIPT_T0_S + 65.0, 0);
}

/* While a push source is alive TeslaMate's stream values apply: idle after
 * 3 min, suspended for 10 min, blocked polls doubled. */
static void test_push_source_parameters(void **state)
{
    struct script *script = script_new();
    struct fsm_event push = { .type = FSM_EVENT_PUSH_SOURCE, .push_source_alive = true };

    (void)state;
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_handle(script, &push);
    script_run_for(script, 1.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    assert_near(script_interval_after_last_call_s(script), 30.0, 1e-9);

    script_run_for(script, 179.0);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    assert_near(script_interval_after_last_call_s(script), 600.0, 1e-9);

    /* A drive is polled every POLLING_DEFAULT_INTERVAL instead of 2.5 s. */
    script = script_new();
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 30));
    script_start(script);
    script_handle(script, &push);
    script_run_for(script, 1.0);
    assert_string_equal(fsm_state_name(script->fsm.state), "driving");
    assert_near(script_interval_after_last_call_s(script), 15.0, 1e-9);
}

/* TeslaMate accepts a suspend in `start` and records `online` as the
 * previous state. Before the first poll has shown the state, tenantmate
 * rejects it. */
static void test_manual_suspend_before_first_poll(void **state)
{
    struct script *script = script_new();
    struct fsm_reply reply;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    script_start(script);
    reply = script_suspend(script);
    assert_string_equal(fsm_reply_status_name(reply.status), "error");
    assert_string_equal(fsm_suspend_error_name(reply.error), "state_unknown");
    assert_int_equal(script->call_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_manual_suspend_while_sleeping),
        SCRIPT_TEST(test_manual_suspend_twice),
        SCRIPT_TEST(test_manual_suspend_blocked),
        SCRIPT_TEST(test_manual_suspend_while_driving),
        SCRIPT_TEST(test_manual_suspend_while_updating),
        SCRIPT_TEST(test_manual_suspend_while_charging),
        SCRIPT_TEST(test_manual_suspend_gateway_error),
        SCRIPT_TEST(test_manual_suspend_after_charge),
        SCRIPT_TEST(test_manual_suspend_while_idle),
        SCRIPT_TEST(test_manual_suspend_rereads_lock),
        SCRIPT_TEST(test_manual_suspend_before_first_poll),
        SCRIPT_TEST(test_resume_from_suspended),
        SCRIPT_TEST(test_push_source_parameters),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
