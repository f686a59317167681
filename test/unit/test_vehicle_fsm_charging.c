/*
 * Vehicle state machine: charging, ported from TeslaMate's charging_test.exs
 * and charging_sync_test.exs (scenario section C).
 *
 * Scenario -> test
 *   C1  full charging cycle            test_full_charging_cycle
 *   C2  connection loss while charging test_connection_loss_while_charging
 *   C3  incomplete answers             test_incomplete_answers_while_charging
 *   C4  start directly in charging     test_start_directly_in_charging
 *   C5  asleep while charging          test_asleep_while_charging
 *   C6  invalid charge sample          test_invalid_charge_sample_continues
 *       (the storage check that rejects it is the recorder's; the machine
 *       must pass the sample on and keep charging)
 *   charging poll from charger power   test_charging_poll_follows_power
 *   position every 5 minutes           test_store_position_while_charging
 * Streaming variants run with use_streaming_api off (no stream messages;
 * `start` spends two answers per observation).
 */
#include "fsm_script.h"

static const struct fsm_charge *expect_charge_ranges(struct script *script, double kwh_added,
                                                     double range_km)
{
    const struct fsm_charge *charge = script_expect_charge(script, kwh_added);

    assert_true(charge->rated_battery_range_km.known);
    assert_near(charge->rated_battery_range_km.value, range_km, 1e-9);
    assert_near(charge->ideal_battery_range_km.value, range_km, 1e-9);
    return charge;
}

static const struct fsm_effect *expect_process_at_origin(struct script *script)
{
    const struct fsm_effect *effect =
        script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);

    assert_true(effect->start_charging_process.position.location_known);
    assert_near(effect->start_charging_process.position.latitude, 0.0, 0.0);
    assert_near(effect->start_charging_process.position.longitude, 0.0, 0.0);
    return effect;
}

static const struct fsm_effect *expect_complete(struct script *script, int64_t end_ms)
{
    const struct fsm_effect *effect =
        script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);

    assert_int_equal(effect->complete_charging_process.end_date_ms, end_ms);
    return effect;
}

static struct vehicle_sample parked_at(int64_t ts_ms, double position)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.drive.latitude = known_double(position);
    sample.drive.longitude = known_double(position);
    return sample;
}

static void test_full_charging_cycle(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *online;
    const struct vehicle_summary *charging;
    const struct vehicle_summary *after;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Starting", 0.1, 1));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 2, "Charging", 0.2, 2));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 3, "Charging", 0.3, 3));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 4, "Complete", 0.4, 4));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 5, "Complete", 0.4, 4));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 6, "Unplugged", 0.4, 4));
    answer_sample(script, parked_at(SCRIPT_T0_MS + 7, 0.2));
    answer_block(script, parked_at(SCRIPT_T0_MS + 8, 0.2));
    script_start(script);
    script_run_for(script, 120.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS);
    expect_process_at_origin(script);
    expect_charge_ranges(script, 0.1, 1.61);
    charging = script_expect_summary(script, SUMMARY_STATE_CHARGING);
    assert_true(charging->since_ms > online->since_ms);
    expect_charge_ranges(script, 0.2, 3.22);
    assert_int_equal(script_expect_summary(script, SUMMARY_STATE_CHARGING)->since_ms,
                     charging->since_ms);
    expect_charge_ranges(script, 0.3, 4.83);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_position(script, false);
    expect_charge_ranges(script, 0.4, 6.44);
    expect_complete(script, SCRIPT_T0_MS + 4);
    after = script_expect_online_entry(script, SCRIPT_T0_MS + 4);
    assert_true(after->since_ms > online->since_ms);
    assert_string_equal(script_expect_summary(script, SUMMARY_STATE_ONLINE)->charging_state,
                        "Unplugged");
    assert_near(script_expect_summary(script, SUMMARY_STATE_ONLINE)->latitude.value, 0.2, 1e-9);
    script_expect_quiet(script);
    assert_true(script->blocked);
}

static void test_connection_loss_while_charging(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 0.1, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 2, "Charging", 0.2, 100));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("offline"));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("unknown"));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 3, "Charging", 0.3, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 4, "Complete", 0.3, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 5, "Complete", 0.3, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 6, "Unplugged", 0.3, 100));
    answer_sample(script, parked_at(SCRIPT_T0_MS + 7, 0.0));
    answer_block(script, parked_at(SCRIPT_T0_MS + 8, 0.0));
    script_start(script);
    script_run_for(script, 120.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    expect_process_at_origin(script);
    script_expect_charge(script, 0.1);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.2);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.3);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_position(script, false);
    script_expect_charge(script, 0.3);
    expect_complete(script, SCRIPT_T0_MS + 4);
    script_expect_online_entry(script, SCRIPT_T0_MS + 4);
    assert_string_equal(script_expect_summary(script, SUMMARY_STATE_ONLINE)->charging_state,
                        "Unplugged");
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_OFFLINE_WHILE_CHARGING), 1);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_CHARGE_END_UNOBSERVED), 0);
}

static void test_incomplete_answers_while_charging(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample partial = sample_online(SCRIPT_T0_MS + 2);

    (void)state;
    partial.has_charge_state = false;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 0.1, 100));
    answer_samples(script, partial, 3);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 3, "Charging", 0.3, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 5, "Complete", 0.3, 100));
    answer_sample(script, parked_at(SCRIPT_T0_MS + 6, 0.2));
    answer_block(script, parked_at(SCRIPT_T0_MS + 7, 0.2));
    script_start(script);
    script_run_for(script, 120.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    expect_process_at_origin(script);
    script_expect_charge(script, 0.1);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.3);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_position(script, false);
    script_expect_charge(script, 0.3);
    expect_complete(script, SCRIPT_T0_MS + 5);
    script_expect_online_entry(script, SCRIPT_T0_MS + 5);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED), 3);
}

static void test_start_directly_in_charging(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_charging(SCRIPT_T0_MS, "Charging", 22, 100));
    answer_block(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 23, 100));
    script_start(script);
    script_run_for(script, 10.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    effect = expect_process_at_origin(script);
    assert_int_equal(effect->start_charging_process.date_ms, SCRIPT_T0_MS);
    script_expect_charge(script, 22);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_quiet(script);
    assert_true(script->store_armed);
}

static void test_asleep_while_charging(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 0.1, 100));
    answer_sample(script, sample_charging(SCRIPT_T0_MS + 2, "Charging", 0.2, 100));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("asleep"));
    answer_block(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 60.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    expect_process_at_origin(script);
    script_expect_charge(script, 0.1);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 0.2);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    effect = expect_complete(script, SCRIPT_T0_MS + 2);
    assert_int_equal(effect->complete_charging_process.reason, FSM_CHARGE_END_ASLEEP);
    /* The state row follows at once, dated when asleep was seen (25 s). */
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(25.0));
    script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    script_expect_quiet(script);
}

static void test_invalid_charge_sample_continues(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample no_range = sample_charging(SCRIPT_T0_MS + 2, "Charging", 0.1, 0);
    const struct fsm_charge *charge;

    (void)state;
    no_range.charge.ideal_battery_range_mi.known = false;
    no_range.charge.battery_range_mi.known = false;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_online(SCRIPT_T0_MS + 1));
    answer_sample(script, no_range);
    no_range.drive.timestamp_ms.value++;
    no_range.charge.timestamp_ms.value++;
    answer_sample(script, no_range);
    answer_block(script, sample_charging(SCRIPT_T0_MS + 4, "Charging", 0.2, 10));
    script_start(script);
    script_run_for(script, 60.0);

    script_expect_online_entry(script, SCRIPT_T0_MS + 1);
    script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    charge = script_expect_charge(script, 0.1);
    assert_false(charge->ideal_battery_range_km.known);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    charge = script_expect_charge(script, 0.1);
    assert_false(charge->ideal_battery_range_km.known);
    script_expect_quiet(script);
    assert_string_equal(fsm_state_name(script->fsm.state), "charging");
}

/* Each charging poll follows the charger power: round(250 / kW) seconds
 * within [5, 20]. */
static void test_charging_poll_follows_power(void **state)
{
    const struct {
        double power_kw;
        double poll_s;
    } cases[] = { { 11.0, 20.0 }, { 25.0, 10.0 }, { 100.0, 5.0 }, { 0.0, 5.0 }, { -2.0, 5.0 } };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct script *script = script_new();
        struct vehicle_sample sample = sample_charging(SCRIPT_T0_MS, "Charging", 1.0, 100);

        sample.charge.charger_power_kw = known_double(cases[i].power_kw);
        answer_samples(script, sample, 2);
        script_start(script);
        script_run_for(script, 0.0);
        assert_near(script_poll_delay_s(script), 5.0, 1e-9);   /* first poll after start */
        script_run_for(script, 5.0);
        assert_near(script_poll_delay_s(script), cases[i].poll_s, 1e-9);
        assert_int_equal(script->fsm.last_charge_ms, SCRIPT_T0_MS);
    }
}

static void test_store_position_while_charging(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_stamped(script, sample_charging(0, "Charging", 1.0, 100));
    script_start(script);
    script_run_for(script, 299.0);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 1);
    script_run_for(script, 2.0);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 2);
    script_run_for(script, 300.0);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 3);
    assert_true(script->store_armed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_full_charging_cycle),
        SCRIPT_TEST(test_connection_loss_while_charging),
        SCRIPT_TEST(test_incomplete_answers_while_charging),
        SCRIPT_TEST(test_start_directly_in_charging),
        SCRIPT_TEST(test_asleep_while_charging),
        SCRIPT_TEST(test_invalid_charge_sample_continues),
        SCRIPT_TEST(test_charging_poll_follows_power),
        SCRIPT_TEST(test_store_position_while_charging),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
