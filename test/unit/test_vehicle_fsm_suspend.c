/*
 * Vehicle state machine: automatic suspend, ported from TeslaMate's
 * suspend_test.exs (scenario section A). The user's suspend and resume
 * requests (section M) are in test_vehicle_fsm_manual.c.
 *
 * Scenario -> test
 *   A1  suspend after idling, sleep    test_suspend_after_idle_then_sleep
 *   A2  time to fall asleep            test_suspended_polls_keep_since
 *   A3  preconditioning blocks         test_blockers_prevent_suspend
 *   A4  dog mode blocks                test_blockers_prevent_suspend
 *   A5  user present blocks            test_blockers_prevent_suspend
 *   A6  update downloading blocks      test_blockers_prevent_suspend
 *   A7  sentry mode blocks             test_blockers_prevent_suspend
 *   A8  doors open block               test_blockers_prevent_suspend
 *   A9  frunk open blocks              test_blockers_prevent_suspend
 *   A10 suspend after charge complete  test_suspend_after_charge_complete
 *   A11 new charge while suspended     test_new_charge_while_suspended
 *   A12 lock changes published         test_lock_changes_published
 *   A13 sentry changes published       test_sentry_changes_published
 *   A14 unlocked blocks when required  test_unlocked_blocks_when_required
 *   A15 unlocked, not required         test_unlocked_not_required_suspends
 *   order of the blockers              test_blocker_order
 * The streaming scenarios use TeslaMate's stream-alive idle (3 min) and
 * suspend (10 min) times; without a stream the car's settings apply, so
 * those ports set suspend_after_idle_min 1 and suspend_min 10 to keep the
 * scripts short. Each suspended poll spends two answers (light call, then
 * vehicle_data).
 */
#include "fsm_script.h"

static void test_suspend_after_idle_then_sleep(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample sample = sample_online(0);
    const struct script_entry *entry;
    const struct vehicle_summary *online;
    const struct vehicle_summary *suspended;

    (void)state;
    sample.climate.is_preconditioning = known_bool(false);
    for (int i = 0; i < 62; i++)
        answer_stamped(script, sample);
    answer_sample(script, sample_state("asleep"));
    answer_block(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 2200.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS);
    /* The 5-minute positions while online, then 15 min idle. */
    assert_near(script_expect(script, FSM_EFFECT_INSERT_POSITION)->at_s, SCRIPT_T0_S + 300, 0);
    assert_near(script_expect(script, FSM_EFFECT_INSERT_POSITION)->at_s, SCRIPT_T0_S + 600, 0);
    entry = script_expect(script, FSM_EFFECT_INSERT_POSITION);
    assert_near(entry->at_s, SCRIPT_T0_S + 900, 0);
    suspended = script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    assert_true(suspended->since_ms > online->since_ms);
    /* 21 min later the light call finds the car asleep. */
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(900 + 21 * 60));
    assert_true(script_expect_summary(script, SUMMARY_STATE_ASLEEP)->since_ms >
                suspended->since_ms);
    script_expect_quiet(script);
}

static void test_suspended_polls_keep_since(void **state)
{
    struct script *script = script_new();
    const double online_temps[] = { 10.0, 10.1, 10.2, 10.3 };
    int64_t since_ms;

    (void)state;
    script->start.settings = quick_settings(1, 10);
    for (int k = 0; k < 8; k++) {
        struct vehicle_sample sample = sample_online(0);

        sample.climate.outside_temp_c = known_double(10.0 + 0.1 * k);
        answer_stamped(script, sample);
        if (k == 0 || k >= 5)
            answer_stamped(script, sample);    /* two calls per observation */
    }
    answer_block(script, sample_online(0));
    script_start(script);
    script_run_for(script, 1900.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    for (size_t i = 1; i < sizeof(online_temps) / sizeof(online_temps[0]); i++)
        assert_near(script_expect_summary(script, SUMMARY_STATE_ONLINE)->outside_temp_c.value,
                    online_temps[i], 1e-9);
    script_expect_position(script, false);
    since_ms = script_expect_summary(script, SUMMARY_STATE_SUSPENDED)->since_ms;
    for (int k = 5; k <= 7; k++) {
        const struct vehicle_summary *summary;

        script_expect_position(script, false);
        summary = script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
        assert_int_equal(summary->since_ms, since_ms);
        assert_near(summary->outside_temp_c.value, 10.0 + 0.1 * k, 1e-9);
    }
    script_expect_quiet(script);
}

struct blocker_case {
    enum fsm_suspend_error blocker;
    void (*apply)(struct vehicle_sample *sample);
    double poll_s;
};

/* In TeslaMate's order of evaluation, with the poll while blocked. */
static const struct blocker_case blocker_cases[] = {
    { FSM_SUSPEND_USER_PRESENT, set_user_present, 15.0 },
    { FSM_SUSPEND_PRECONDITIONING, set_preconditioning, 30.0 },
    { FSM_SUSPEND_DOG_MODE, set_dog_mode, 30.0 },
    { FSM_SUSPEND_SENTRY_MODE, set_sentry_on, 30.0 },
    { FSM_SUSPEND_DOWNLOADING_UPDATE, set_downloading, 15.0 },
    { FSM_SUSPEND_DOORS_OPEN, set_door_open, 15.0 },
    { FSM_SUSPEND_TRUNK_OPEN, set_frunk_open, 15.0 },
    { FSM_SUSPEND_UNLOCKED, set_unlocked, 15.0 },
    { FSM_SUSPEND_POWER_USAGE, set_power_usage, 15.0 },
};

#define BLOCKER_COUNT (sizeof(blocker_cases) / sizeof(blocker_cases[0]))

/* Each blocker keeps the car online with "always idle" settings; every one
 * but `unlocked` also restarts the idle clock. */
static void test_blockers_prevent_suspend(void **state)
{
    (void)state;
    for (size_t i = 0; i < BLOCKER_COUNT; i++) {
        const struct blocker_case *blocker = &blocker_cases[i];
        struct script *script = script_new();
        bool downloading = blocker->blocker == FSM_SUSPEND_DOWNLOADING_UPDATE;
        double last_call_s;

        script->start.settings = quick_settings(0, downloading ? 200 : 100);
        answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
        answer_stamped(script, sample_with(blocker->apply, 0));
        script_start(script);
        script_run_for(script, 290.0);

        assert_string_equal(fsm_suspend_error_name(fsm_suspend_blocker(&script->fsm,
                                                                      &script->fsm.last_response)),
                            fsm_suspend_error_name(blocker->blocker));
        script_expect_online_entry(script, SCRIPT_T0_MS);
        script_expect_quiet(script);
        assert_string_equal(fsm_state_name(script->fsm.state), "online");
        assert_near(script_interval_after_last_call_s(script), blocker->poll_s, 1e-9);

        last_call_s = script->calls[script->call_count - 1].at_s;
        if (blocker->blocker == FSM_SUSPEND_UNLOCKED)
            assert_near(script->fsm.last_used_s, SCRIPT_T0_S, 0);
        else
            assert_near(script->fsm.last_used_s, last_call_s, 0);
    }
}

/* Two blockers at once: the first in the order wins. */
static void test_blocker_order(void **state)
{
    struct vehicle_fsm fsm;
    struct fsm_start_data start = { .config = fsm_config_defaults() };
    struct fsm_output *out = calloc(1, sizeof(*out));
    struct vehicle_sample sample;

    (void)state;
    assert_non_null(out);
    start.settings = quick_settings(15, 21);
    vehicle_fsm_init(&fsm, &start, SCRIPT_T0_S, out);
    for (size_t i = 0; i < BLOCKER_COUNT; i++) {
        sample = sample_online(SCRIPT_T0_MS);
        for (size_t later = i; later < BLOCKER_COUNT; later++)
            blocker_cases[later].apply(&sample);
        assert_string_equal(fsm_suspend_error_name(fsm_suspend_blocker(&fsm, &sample)),
                            fsm_suspend_error_name(blocker_cases[i].blocker));
    }

    /* Not blocking: climate on, windows open, other keeper modes, null
     * download percent, service mode, unknown door values. */
    sample = sample_online(SCRIPT_T0_MS);
    sample.climate.is_climate_on = known_bool(true);
    sample.vehicle.window_driver_front = known_int(1);
    snprintf(sample.climate.climate_keeper_mode, sizeof(sample.climate.climate_keeper_mode),
             "camp");
    snprintf(sample.vehicle.software_update.status, sizeof(sample.vehicle.software_update.status),
             "downloading");
    sample.vehicle.service_mode = known_bool(true);
    sample.vehicle.door_passenger_front = known_int(1);
    sample.drive.power_kw = known_double(0.0);
    assert_int_equal(fsm_suspend_blocker(&fsm, &sample), FSM_SUSPEND_OK);

    sample.vehicle.software_update.download_percent = known_double(100);
    assert_int_equal(fsm_suspend_blocker(&fsm, &sample), FSM_SUSPEND_OK);
    free(out);
}

static void test_suspend_after_charge_complete(void **state)
{
    struct script *script = script_new();

    (void)state;
    script->start.settings = quick_settings(1, 10);
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 0.1, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 2, "Complete", 0.2, 100));
    answer_samples(script, sample_charging(SCRIPT_T0_MS + 3, "Complete", 0.3, 100), 4);
    answer_sample(script, sample_state("asleep"));
    answer_block(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 800.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    script_expect_charge(script, 0.1);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_position(script, false);
    script_expect_charge(script, 0.2);
    script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    script_expect_online_entry(script, SCRIPT_T0_MS + 2);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);    /* 0.3 kWh */
    /* Idle 1 min after the last charging poll (20 s): suspended at 80 s. */
    assert_near(script_expect(script, FSM_EFFECT_INSERT_POSITION)->at_s, SCRIPT_T0_S + 80, 0);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(680));
    script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    script_expect_quiet(script);
}

static void test_new_charge_while_suspended(void **state)
{
    struct script *script = script_new();
    const struct script_entry *first;
    const struct script_entry *second;

    (void)state;
    script->start.settings = quick_settings(1, 10);
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_charging(SCRIPT_T0_MS, "Charging", 0.1, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 0.1, 100));
    answer_samples(script, sample_charging(SCRIPT_T0_MS + 2, "Complete", 0.15, 100), 5);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 9, "Charging", 0.2, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 10, "Charging", 0.2, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 11, "Charging", 0.3, 100));
    answer_block(script, sample_charging(SCRIPT_T0_MS + 12, "Charging", 0.4, 100));
    script_start(script);
    script_run_for(script, 700.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    first = script_expect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    script_expect_charge(script, 0.1);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.1);
    script_expect_position(script, false);
    script_expect_charge(script, 0.15);
    script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    script_expect_online_entry(script, SCRIPT_T0_MS + 2);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    second = script_expect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    assert_true(second->at_s > first->at_s);
    script_expect_charge(script, 0.2);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.3);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_START_CHARGING_PROCESS), 2);
}

/* Summaries follow a flag that alternates, starting with `first`: locked
 * (A12) or sentry mode (A13). `on` sets the flag. */
static void flag_changes_published(void (*on)(struct vehicle_sample *),
                                   void (*off)(struct vehicle_sample *), bool first,
                                   const struct opt_bool *(*flag)(const struct vehicle_summary *),
                                   struct car_settings settings)
{
    struct script *script = script_new();
    void (*first_set)(struct vehicle_sample *) = first ? on : off;
    void (*second_set)(struct vehicle_sample *) = first ? off : on;
    void (*sequence[])(struct vehicle_sample *) = { first_set, second_set, first_set,
                                                   second_set };
    const size_t count = sizeof(sequence) / sizeof(sequence[0]);

    script->start.settings = settings;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    for (size_t i = 0; i < count; i++)
        answer_sample(script, sample_with(sequence[i], SCRIPT_T0_MS + (int64_t)i));
    answer_block(script, sample_with(second_set, SCRIPT_T0_MS + 10));
    script_start(script);
    script_run_for(script, 120.0);

    for (size_t i = 0; i < count; i++) {
        const struct vehicle_summary *summary =
            i == 0 ? script_expect_online_entry(script, SCRIPT_T0_MS)
                   : script_expect_summary(script, SUMMARY_STATE_ONLINE);

        assert_true(flag(summary)->known);
        assert_int_equal(flag(summary)->value, sequence[i] == on);
    }
    script_expect_quiet(script);
}

static const struct opt_bool *summary_locked(const struct vehicle_summary *summary)
{
    return &summary->locked;
}

static const struct opt_bool *summary_sentry(const struct vehicle_summary *summary)
{
    return &summary->sentry_mode;
}

static void test_lock_changes_published(void **state)
{
    (void)state;
    flag_changes_published(set_locked, set_unlocked, false, summary_locked,
                           quick_settings(15, 21));
}

static void test_sentry_changes_published(void **state)
{
    (void)state;
    flag_changes_published(set_sentry_on, set_sentry_off, true, summary_sentry,
                           quick_settings(100000, 1000));
}

static void test_unlocked_blocks_when_required(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *summary;

    (void)state;
    script->start.settings = quick_settings(0, 100);
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_stamped(script, sample_with(set_unlocked, 0));
    script_start(script);
    script_run_for(script, 290.0);

    summary = script_expect_online_entry(script, SCRIPT_T0_MS);
    assert_false(summary->locked.value);
    script_expect_quiet(script);
}

static void test_unlocked_not_required_suspends(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *online;

    (void)state;
    script->start.settings = quick_settings(1, 10);
    script->start.settings.req_not_unlocked = false;
    answer_sample(script, sample_with(set_unlocked, SCRIPT_T0_MS));
    for (int k = 0; k <= 8; k++) {
        answer_sample(script, sample_with(set_unlocked, SCRIPT_T0_MS + k));
        if (k >= 5)
            answer_sample(script, sample_with(set_unlocked, SCRIPT_T0_MS + k));
    }
    answer_block(script, sample_with(set_unlocked, SCRIPT_T0_MS + 20));
    script_start(script);
    script_run_for(script, 60.0 + 4 * 600.0 + 1.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS);
    /* Polls at 15 to 60 s; at 60 s the car is idle for 1 min. */
    assert_int_equal(script_expect_position(script, false)->date_ms, SCRIPT_T0_MS + 4);
    assert_true(script_expect_summary(script, SUMMARY_STATE_SUSPENDED)->since_ms >
                online->since_ms);
    for (int k = 5; k <= 8; k++)
        assert_int_equal(script_expect_position(script, false)->date_ms, SCRIPT_T0_MS + k);
    script_expect_quiet(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_suspend_after_idle_then_sleep),
        SCRIPT_TEST(test_suspended_polls_keep_since),
        SCRIPT_TEST(test_blockers_prevent_suspend),
        SCRIPT_TEST(test_blocker_order),
        SCRIPT_TEST(test_suspend_after_charge_complete),
        SCRIPT_TEST(test_new_charge_while_suspended),
        SCRIPT_TEST(test_lock_changes_published),
        SCRIPT_TEST(test_sentry_changes_published),
        SCRIPT_TEST(test_unlocked_blocks_when_required),
        SCRIPT_TEST(test_unlocked_not_required_suspends),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
