/*
 * Vehicle state machine: drives, ported from TeslaMate's driving_test.exs
 * (scenario section D).
 *
 * Scenario -> test
 *   D1  full drive                     test_full_drive
 *   D2  connection loss while driving  test_connection_loss_while_driving
 *   D3  drive data without drive_state test_drive_without_drive_state
 *   D4  start directly in gear N       test_start_in_neutral
 *   D5  shift P is not driving         test_shift_p_not_driving
 *   D6  shift P ends the drive         test_shift_p_ends_drive
 *   D7  offline with SOC gain          test_offline_with_range_gain_is_charge
 *   D8  drive timeout while offline    test_drive_timeout_while_offline
 *   D9  underground parking            test_underground_parking_ends_offline
 *   D10 asleep during a drive          test_asleep_during_drive
 *   D11 long gap splits the drive      test_long_gap_splits_drive
 *   D12 short unavailability           test_short_unavailability_continues
 *   D13 drive resumes after offline    test_drive_resumes_after_offline
 *   D14 as D12 with streaming          test_short_unavailability_continues
 *                                      (the stream steps do not apply)
 *   D15 geofence tracking              test_geofence_while_driving
 *   no drive open, short gap           test_back_online_without_drive_restarts
 *                                      (TeslaMate crashes)
 * Streaming variants are run with use_streaming_api off: `start` spends two
 * answers per observation, so those scripts open with an extra answer.
 */
#include "fsm_script.h"

#define MINUTE_MS SCRIPT_MINUTE_MS

static void expect_drive_position(struct script *script, double longitude, int64_t speed_kmh)
{
    const struct fsm_position *position = script_expect_position(script, true);

    assert_near(position->longitude, longitude, 1e-9);
    assert_true(position->speed_kmh.known);
    assert_int_equal(position->speed_kmh.value, speed_kmh);
}

/* The last position of a drive, from a parked sample without speed. */
static void expect_parked_position(struct script *script, double longitude)
{
    const struct fsm_position *position = script_expect_position(script, true);

    assert_near(position->longitude, longitude, 1e-9);
    assert_false(position->speed_kmh.known);
}

static void expect_close(struct script *script, enum fsm_drive_end reason)
{
    const struct fsm_effect *effect = script_expect_effect(script, FSM_EFFECT_CLOSE_DRIVE);

    assert_string_equal(fsm_drive_end_name(effect->close_drive.reason),
                        fsm_drive_end_name(reason));
}

static struct vehicle_sample parked_at(int64_t ts_ms, double position)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.drive.latitude = known_double(position);
    sample.drive.longitude = known_double(position);
    return sample;
}

static void test_full_drive(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *online;
    const struct vehicle_summary *driving;
    const struct vehicle_summary *after;

    (void)state;
    answer_stamped(script, sample_online(0));
    answer_stamped(script, sample_drive(0, "D", 60));
    answer_stamped(script, sample_drive(0, "N", 30));
    answer_stamped(script, sample_drive(0, "R", -5));
    answer_stamped(script, parked_at(0, 0.2));
    script_start(script);
    script_run_for(script, 30.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 97);
    driving = script_expect_summary(script, SUMMARY_STATE_DRIVING);
    assert_true(driving->since_ms >= online->since_ms);
    expect_drive_position(script, 0.1, 48);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, -8);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_parked_position(script, 0.2);
    expect_close(script, FSM_DRIVE_END_PARKED);
    after = script_expect_online_entry(script, script_ms(7.5));
    assert_true(after->since_ms > driving->since_ms);
    script_expect_quiet(script);

    /* Driving polls every 2.5 s: the samples at 0, 2.5, 5 and 7.5 s. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 0.1, 7.6), 3);
    assert_string_equal(fsm_state_name(script->fsm.state), "online");
}

static void test_connection_loss_while_driving(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 1, "D", 50));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("offline"));
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("unknown"));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 2, "D", 55));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 3, "D", 40));
    answer_sample(script, parked_at(SCRIPT_T0_MS + 4, 0.2));
    script_start(script);
    script_run_for(script, 60.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 80);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 89);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 64);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_parked_position(script, 0.2);
    expect_close(script, FSM_DRIVE_END_PARKED);
    script_expect_online_entry(script, SCRIPT_T0_MS + 4);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_UNKNOWN_VEHICLE_STATE), 1);
}

static void test_drive_without_drive_state(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample partial = sample_online(SCRIPT_T0_MS + 2);

    (void)state;
    partial.has_drive_state = false;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 5));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 1, "D", 50));
    answer_sample(script, partial);
    answer_block(script, partial);
    script_start(script);
    script_run_for(script, 30.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 8);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 80);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED), 1);
    assert_true(script->fsm.drive_open);
    assert_true(script->blocked);
}

static void test_start_in_neutral(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 1));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "N", 0));
    script_start(script);
    script_run_for(script, 6.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 0);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 0);
    expect_drive_position(script, 0.1, 0);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 1 + 3);
}

static void test_shift_p_not_driving(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "P", 0));
    script_start(script);
    script_run_for(script, 60.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 0);
}

static void test_shift_p_ends_drive(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 5));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 1, "D", 15));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 2, "P", 0));
    script_start(script);
    script_run_for(script, 10.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 8);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 24);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 0);
    expect_close(script, FSM_DRIVE_END_PARKED);
    script_expect_online_entry(script, SCRIPT_T0_MS + 2);
    script_expect_quiet(script);
}

/* Answers of the offline-drive scenarios: a drive at 0.1 (30 mph, SOC 20,
 * 200 mi), `offline_count` offline answers, then the car at 0.2 `gap_ms`
 * after the last drive sample with `soc`/`range_mi`/`kwh`, then parked at
 * 0.3 a millisecond later. */
static void answer_offline_drive(struct script *script, bool extra_start, int offline_count,
                                 int64_t gap_ms, double soc, double range_mi, double kwh)
{
    int64_t last_ms = SCRIPT_T0_MS + 1;

    answer_sample(script, sample_online(SCRIPT_T0_MS));
    if (extra_start)
        answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_trip(last_ms, 0.1, 30, 20, 200, 0));
    for (int i = 0; i < offline_count; i++)
        answer_sample(script, sample_state("offline"));
    answer_sample(script, sample_trip(last_ms + gap_ms, 0.2, 20, soc, range_mi, kwh));
    answer_sample(script, parked_at(last_ms + gap_ms + 1, 0.3));
}

/* The drive before the connection loss: two positions at 48 km/h. */
static void expect_drive_before_loss(struct script *script)
{
    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.1, 48);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_drive_position(script, 0.1, 48);
}

/* After the gap: a new drive at 0.2 (32 km/h), parked at 0.3. */
static void expect_tail_drive(struct script *script, int64_t end_ms)
{
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    expect_drive_position(script, 0.2, 32);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_parked_position(script, 0.3);
    expect_close(script, FSM_DRIVE_END_PARKED);
    script_expect_online_entry(script, end_ms);
    script_expect_quiet(script);
}

static void test_offline_with_range_gain_is_charge(void **state)
{
    struct script *script = script_new();
    const int64_t resumed_ms = SCRIPT_T0_MS + 1 + 5 * MINUTE_MS;
    const struct fsm_effect *effect;
    const struct fsm_charge *charge;

    (void)state;
    answer_offline_drive(script, false, 20, 5 * MINUTE_MS, 80, 300, 45);
    script_start(script);
    script_run_for(script, 400.0);     /* before the 5-minute position */

    expect_drive_before_loss(script);
    script_expect_summary(script, SUMMARY_STATE_OFFLINE);
    expect_close(script, FSM_DRIVE_END_CHARGED_OFFLINE);
    effect = script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    assert_near(effect->start_charging_process.position.latitude, 0.1, 1e-9);
    assert_near(effect->start_charging_process.position.longitude, 0.1, 1e-9);
    charge = script_expect_charge(script, 0.0);
    assert_int_equal(charge->date_ms, SCRIPT_T0_MS + 1);
    assert_near(charge->charger_power_kw, 0.0, 0.0);
    charge = script_expect_charge(script, 45.0);
    assert_int_equal(charge->date_ms, resumed_ms);
    assert_near(charge->charger_power_kw, 0.0, 0.0);
    effect = script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    assert_int_equal(effect->complete_charging_process.end_date_ms, resumed_ms);
    assert_int_equal(effect->complete_charging_process.reason, FSM_CHARGE_END_DETECTED_OFFLINE);
    script_expect_online_entry(script, resumed_ms);
    expect_tail_drive(script, resumed_ms + 1);
}

/* Shared by D8 and D9: the drive times out, then the offline state row. */
static void drive_times_out(struct script *script)
{
    const struct script_entry *entry;

    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_state("offline"));
    script_start(script);
    script_run_for(script, 1200.0);

    expect_drive_before_loss(script);
    entry = script_expect(script, FSM_EFFECT_PUBLISH_SUMMARY);
    assert_int_equal(entry->summary.state, SUMMARY_STATE_OFFLINE);
    /* Offline answers from 5 s on, 5 s apart: the 17th switches, at 85 s. */
    assert_near(entry->at_s - SCRIPT_T0_S, 85.0, 1e-9);
    entry = script_expect(script, FSM_EFFECT_CLOSE_DRIVE);
    assert_int_equal(entry->effect.close_drive.reason, FSM_DRIVE_END_OFFLINE_TIMEOUT);
    assert_true(entry->at_s - SCRIPT_T0_S >= 900.0);
    assert_true(entry->at_s - SCRIPT_T0_S < 930.0);
}

static void test_drive_timeout_while_offline(void **state)
{
    struct script *script = script_new();
    const struct script_entry *entry;

    (void)state;
    drive_times_out(script);
    entry = script_expect(script, FSM_EFFECT_START_STATE);
    assert_int_equal(entry->effect.start_state.state, FSM_RECORDED_OFFLINE);
    assert_int_equal(entry->effect.start_state.date_ms, fsm_ms_from_s(entry->at_s));
    script_expect_summary(script, SUMMARY_STATE_OFFLINE);
    script_expect_quiet(script);
}

static void test_underground_parking_ends_offline(void **state)
{
    struct script *script = script_new();

    (void)state;
    drive_times_out(script);
    script_run_for(script, 3600.0);
    assert_string_equal(fsm_state_name(script->fsm.state), "offline");
    assert_false(script->fsm.drive_open);
    assert_int_equal(script_count(script, FSM_EFFECT_CLOSE_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_START_STATE), 2);
}

static void test_asleep_during_drive(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_trip(SCRIPT_T0_MS + 1, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 60.0);

    expect_drive_before_loss(script);
    expect_close(script, FSM_DRIVE_END_ASLEEP);
    /* The drive closes at 5 s; 10 s later the light call records asleep. */
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(15.0));
    script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    script_expect_quiet(script);
}

static void test_long_gap_splits_drive(void **state)
{
    struct script *script = script_new();
    const int64_t resumed_ms = SCRIPT_T0_MS + 1 + 15 * MINUTE_MS;

    (void)state;
    answer_offline_drive(script, true, 21, 15 * MINUTE_MS, 19, 190, 0);
    script_start(script);
    script_run_for(script, 450.0);     /* before the 5-minute position */

    expect_drive_before_loss(script);
    script_expect_summary(script, SUMMARY_STATE_OFFLINE);
    expect_close(script, FSM_DRIVE_END_LONG_GAP);
    script_expect_online_entry(script, resumed_ms);
    expect_tail_drive(script, resumed_ms + 1);
}

static void test_short_unavailability_continues(void **state)
{
    struct script *script = script_new();
    const int64_t resumed_ms = SCRIPT_T0_MS + 1 + 4 * MINUTE_MS;

    (void)state;
    answer_offline_drive(script, false, 16, 4 * MINUTE_MS, 19, 190, 0);
    script_start(script);
    script_run_for(script, 300.0);

    expect_drive_before_loss(script);
    expect_drive_position(script, 0.2, 32);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_parked_position(script, 0.3);
    expect_close(script, FSM_DRIVE_END_PARKED);
    script_expect_online_entry(script, resumed_ms + 1);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 1);
}

static void test_drive_resumes_after_offline(void **state)
{
    struct script *script = script_new();
    const int64_t resumed_ms = SCRIPT_T0_MS + 1 + 4 * MINUTE_MS;

    (void)state;
    answer_offline_drive(script, false, 20, 4 * MINUTE_MS, 19, 190, 0);
    script_start(script);
    script_run_for(script, 400.0);

    expect_drive_before_loss(script);
    script_expect_summary(script, SUMMARY_STATE_OFFLINE);
    expect_drive_position(script, 0.2, 32);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    expect_parked_position(script, 0.3);
    expect_close(script, FSM_DRIVE_END_PARKED);
    script_expect_online_entry(script, resumed_ms + 1);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 1);
}

static const char *south_pole_geofences(double latitude, double longitude)
{
    if (latitude == 90.0 && longitude == 45.0)
        return "South Pole";
    if (latitude == 90.0 && longitude == 45.01)
        return "Garage";
    return "";
}

static struct vehicle_sample drive_at(int64_t ts_ms, const char *shift, double longitude)
{
    struct vehicle_sample sample = sample_drive(ts_ms, shift, 10);

    sample.drive.latitude = known_double(90.0);
    sample.drive.longitude = known_double(longitude);
    return sample;
}

static void test_geofence_while_driving(void **state)
{
    struct script *script = script_new();
    const double longitudes[] = { 45.1, 45.2, 45.1 };

    (void)state;
    script->geofence_of = south_pole_geofences;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, drive_at(SCRIPT_T0_MS + 1, "D", 45.0));
    answer_sample(script, drive_at(SCRIPT_T0_MS + 2, "D", 45.1));
    answer_sample(script, drive_at(SCRIPT_T0_MS + 3, "D", 45.2));
    answer_sample(script, drive_at(SCRIPT_T0_MS + 4, "D", 45.1));
    answer_sample(script, drive_at(SCRIPT_T0_MS + 5, "P", 45.0));
    script_start(script);
    script_run_for(script, 30.0);

    assert_string_equal(script_expect_online_entry(script, SCRIPT_T0_MS + 1)->car.geofence,
                        "South Pole");
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    script_expect_position(script, true);
    assert_string_equal(script_expect_summary(script, SUMMARY_STATE_DRIVING)->car.geofence,
                        "South Pole");
    for (size_t i = 0; i < sizeof(longitudes) / sizeof(longitudes[0]); i++) {
        assert_near(script_expect_position(script, true)->longitude, longitudes[i], 1e-9);
        assert_string_equal(script_expect_summary(script, SUMMARY_STATE_DRIVING)->car.geofence,
                            "");
    }
    assert_near(script_expect_position(script, true)->longitude, 45.0, 1e-9);
    expect_close(script, FSM_DRIVE_END_PARKED);
    assert_string_equal(script_expect_online_entry(script, SCRIPT_T0_MS + 5)->car.geofence,
                        "South Pole");
    script_expect_quiet(script);
}

/*
 * TeslaMate crashes when a drive that timed out offline comes back online
 * within 15 min of its last sample without range gained, or with range
 * gained within 5 min: no drive is open and no rule applies.
 * tenantmate starts over from `start`: a state row, a position, and a new
 * drive when the car is moving.
 */
static void test_back_online_without_drive_restarts(void **state)
{
    const double range_mi[] = { 200, 210 };     /* no range gained, range gained */

    (void)state;
    for (size_t i = 0; i < sizeof(range_mi) / sizeof(range_mi[0]); i++) {
        struct script *script = script_new();
        struct vehicle_sample back = sample_trip(SCRIPT_T0_MS + 2 * MINUTE_MS, 0.2, 20, 20,
                                                 range_mi[i], 0);

        answer_sample(script, sample_online(SCRIPT_T0_MS));
        answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
        answer_sample(script, sample_trip(SCRIPT_T0_MS, 0.1, 30, 20, 200, 0));
        for (int n = 0; n < 45; n++)
            answer_sample(script, sample_state("offline"));
        answer_sample(script, back);
        script_start(script);
        script_run_for(script, 1200.0);

        assert_int_equal(script_count(script, FSM_EFFECT_CLOSE_DRIVE), 1);
        assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 2);
        assert_string_equal(fsm_state_name(script->fsm.state), "driving");
        assert_int_equal(script_count(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_full_drive),
        SCRIPT_TEST(test_connection_loss_while_driving),
        SCRIPT_TEST(test_drive_without_drive_state),
        SCRIPT_TEST(test_start_in_neutral),
        SCRIPT_TEST(test_shift_p_not_driving),
        SCRIPT_TEST(test_shift_p_ends_drive),
        SCRIPT_TEST(test_offline_with_range_gain_is_charge),
        SCRIPT_TEST(test_drive_timeout_while_offline),
        SCRIPT_TEST(test_underground_parking_ends_offline),
        SCRIPT_TEST(test_asleep_during_drive),
        SCRIPT_TEST(test_long_gap_splits_drive),
        SCRIPT_TEST(test_short_unavailability_continues),
        SCRIPT_TEST(test_drive_resumes_after_offline),
        SCRIPT_TEST(test_geofence_while_driving),
        SCRIPT_TEST(test_back_online_without_drive_restarts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
