/*
 * Vehicle state machine: the summary, the car identity it passes on, and
 * the values restored for a car first seen asleep, ported from TeslaMate's
 * summary_test.exs, identification_test.exs and vehicle_sync_test.exs
 * (scenario sections Y, I and R).
 *
 * Scenario -> test
 *   Y   update_available by status     test_update_available_by_status
 *   Y   download/install percent       test_update_percentages_copied
 *   Y   update_version before a space  test_update_version_short
 *   I1  identity passed to update_car  test_update_car_identity
 *   I2  marketing name from the VIN    test_update_car_identity
 *   I3  name change on each start      test_update_car_on_each_online
 *   I4-I6 model and trim rules         not ported here: they test the pure
 *                                      identification of car_identity.c
 *   R1  restored values (no MQTT)      test_restored_values_when_asleep
 *   other summary fields               test_summary_closures_and_units,
 *                                      test_summary_state_names
 */
#include "fsm_script.h"

/* The summary after the car was seen online with `sample`. */
static struct vehicle_summary summary_of(struct vehicle_sample sample)
{
    struct script *script = script_new();
    struct vehicle_summary summary;

    answer_samples(script, sample, 2);
    script_start(script);
    script_run_for(script, 0.0);
    vehicle_fsm_summary(&script->fsm, script->now_s, NULL, &summary);
    return summary;
}

static struct vehicle_sample with_update(const char *status, const char *version)
{
    struct vehicle_sample sample = sample_online(SCRIPT_T0_MS);

    snprintf(sample.vehicle.software_update.status,
             sizeof(sample.vehicle.software_update.status), "%s", status);
    snprintf(sample.vehicle.software_update.version,
             sizeof(sample.vehicle.software_update.version), "%s", version);
    return sample;
}

static void test_update_available_by_status(void **state)
{
    const char *pending[] = { "available", "downloading", "downloading_wifi_wait", "scheduled",
                              "installing" };
    struct vehicle_summary summary;

    (void)state;
    for (size_t i = 0; i < sizeof(pending) / sizeof(pending[0]); i++) {
        summary = summary_of(with_update(pending[i], ""));
        assert_true(summary.update_available.known);
        assert_true(summary.update_available.value);
    }
    /* The parser reads a null status as "": false, not null. Null only
     * comes with restored values (test_restored_values_when_asleep). */
    summary = summary_of(with_update("", ""));
    assert_true(summary.update_available.known);
    assert_false(summary.update_available.value);
    assert_false(vehicle_summary_update_available("foo"));
}

static void test_update_percentages_copied(void **state)
{
    struct vehicle_sample sample = with_update("downloading", "");
    struct vehicle_summary summary;

    (void)state;
    sample.vehicle.software_update.download_percent = known_double(100);
    summary = summary_of(sample);
    assert_near(summary.download_percent.value, 100, 0);
    assert_false(summary.install_percent.known);

    sample = with_update("installing", "");
    sample.vehicle.software_update.download_percent = known_double(100);
    sample.vehicle.software_update.install_percent = known_double(42);
    summary = summary_of(sample);
    assert_near(summary.download_percent.value, 100, 0);
    assert_near(summary.install_percent.value, 42, 0);

    summary = summary_of(with_update("", ""));
    assert_false(summary.download_percent.known);
    assert_false(summary.install_percent.known);
}

static void test_update_version_short(void **state)
{
    struct vehicle_summary summary;

    (void)state;
    summary = summary_of(with_update("available", "2024.3.1 abc123"));
    assert_string_equal(summary.update_version, "2024.3.1");
    assert_string_equal(summary.update_status, "available");
    summary = summary_of(with_update("available", ""));
    assert_string_equal(summary.update_version, "");
}

static void test_update_car_identity(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample model_s = sample_online(SCRIPT_T0_MS);
    struct vehicle_sample model_3 = sample_online(SCRIPT_T0_MS);
    const struct fsm_effect *effect;

    (void)state;
    snprintf(model_s.display_name, sizeof(model_s.display_name), "FooBar");
    snprintf(model_s.config.car_type, sizeof(model_s.config.car_type), "models");
    snprintf(model_s.config.trim_badging, sizeof(model_s.config.trim_badging), "p100d");
    answer_samples(script, model_s, 2);
    script_start(script);
    script_run_for(script, 0.0);
    effect = script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    assert_string_equal(effect->update_car.name, "FooBar");
    assert_true(effect->update_car.identified);
    assert_string_equal(car_model_name(effect->update_car.identity.model), "S");
    assert_string_equal(effect->update_car.identity.trim_badging, "P100D");

    script = script_new();
    snprintf(model_3.vin, sizeof(model_3.vin), "5YJ3E1EA1NF000000");
    snprintf(model_3.config.trim_badging, sizeof(model_3.config.trim_badging), "50");
    answer_samples(script, model_3, 2);
    script_start(script);
    script_run_for(script, 0.0);
    effect = script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    assert_string_equal(car_model_name(effect->update_car.identity.model), "3");
    assert_string_equal(effect->update_car.identity.marketing_name, "RWD");

    /* Without vehicle_config only the name is updated. */
    script = script_new();
    model_3.has_vehicle_config = false;
    answer_samples(script, model_3, 2);
    script_start(script);
    script_run_for(script, 0.0);
    assert_int_equal(script_count(script, FSM_EFFECT_UPDATE_CAR), 0);   /* partial answer */
}

static void test_update_car_on_each_online(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample first = sample_online(0);
    struct vehicle_sample second = sample_online(0);

    (void)state;
    snprintf(first.display_name, sizeof(first.display_name), "FooBar");
    snprintf(second.display_name, sizeof(second.display_name), "Bar");
    answer_stamped(script, first);
    answer_stamped(script, first);
    answer_sample(script, sample_state("offline"));
    answer_sample(script, sample_state("offline"));
    answer_stamped(script, second);
    answer_stamped(script, second);
    answer_block(script, second);
    script_start(script);
    script_run_for(script, 120.0);

    assert_string_equal(script_expect_effect(script, FSM_EFFECT_UPDATE_CAR)->update_car.name,
                        "FooBar");
    script_expect_state(script, FSM_RECORDED_ONLINE, SCRIPT_T0_MS);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_state(script, FSM_RECORDED_OFFLINE, script_ms(25.0));
    script_expect_summary(script, SUMMARY_STATE_OFFLINE);
    assert_string_equal(script_expect_effect(script, FSM_EFFECT_UPDATE_CAR)->update_car.name,
                        "Bar");
}

static void test_restored_values_when_asleep(void **state)
{
    struct script *script = script_new();
    struct fsm_latest_position *latest = &script->start.latest_position;
    struct vehicle_summary_car car = { .model = "S", .trim_badging = "P100D" };
    struct vehicle_sample asleep = sample_state("asleep");
    struct vehicle_summary summary;

    (void)state;
    script->start.latest_update.exists = false;
    latest->known = true;
    latest->latitude = 37.889544;
    latest->longitude = 41.128817;
    latest->ideal_battery_range_km = known_double(315.06);
    latest->est_battery_range_km = known_double(268.07);
    latest->rated_battery_range_km = known_double(315.06);
    latest->battery_level = known_double(64);
    latest->usable_battery_level = known_double(64);
    latest->outside_temp_c = known_double(16.5);
    latest->inside_temp_c = known_double(20.1);
    latest->odometer_km = known_double(91887.725564);
    snprintf(asleep.display_name, sizeof(asleep.display_name), "bar");
    answer_sample(script, asleep);
    script_start(script);
    script_run_for(script, 0.0);
    vehicle_fsm_summary(&script->fsm, script->now_s, &car, &summary);

    assert_string_equal(vehicle_summary_state_name(summary.state), "asleep");
    assert_true(summary.healthy);
    assert_true(summary.values_restored);
    assert_string_equal(summary.display_name, "bar");
    assert_string_equal(summary.car.model, "S");
    assert_string_equal(summary.car.trim_badging, "P100D");
    assert_near(summary.battery_level.value, 64, 0);
    assert_near(summary.usable_battery_level.value, 64, 0);
    assert_near(summary.est_battery_range_km.value, 268.07, 1e-9);
    assert_near(summary.ideal_battery_range_km.value, 315.06, 1e-9);
    assert_near(summary.rated_battery_range_km.value, 315.06, 1e-9);
    assert_near(summary.latitude.value, 37.889544, 1e-9);
    assert_near(summary.longitude.value, 41.128817, 1e-9);
    assert_near(summary.inside_temp_c.value, 20.1, 1e-9);
    assert_near(summary.outside_temp_c.value, 16.5, 1e-9);
    assert_near(summary.odometer_km.value, 91887.73, 1e-9);
    assert_string_equal(summary.shift_state, "unknown");
    /* "unknown" through values_restored; null otherwise. */
    assert_false(summary.plugged_in.known);
    assert_false(summary.charger_power_kw.known);
    assert_false(summary.speed_kmh.known);
    assert_false(summary.heading.known);
    assert_false(summary.locked.known);
    assert_false(summary.sentry_mode.known);
    assert_string_equal(summary.version, "");
    assert_false(summary.update_available.known);
    assert_false(summary.doors_open.known);
    assert_false(summary.windows_open.known);
    assert_false(summary.trunk_open.known);
    assert_string_equal(summary.car.geofence, "");
    assert_false(summary.car.elevation_m.known);

    /* Nothing is written for the restored values. */
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 0);

    /* The version comes from the latest update record. */
    script = script_new();
    script->start.latest_position = *latest;
    answer_sample(script, asleep);
    script_start(script);
    script_run_for(script, 0.0);
    vehicle_fsm_summary(&script->fsm, script->now_s, &car, &summary);
    assert_string_equal(summary.version, "9999.99.99.0");
}

static void test_summary_closures_and_units(void **state)
{
    struct vehicle_sample sample = sample_online(SCRIPT_T0_MS);
    struct vehicle_summary summary;

    (void)state;
    sample.drive.speed_mph = known_double(60);
    sample.vehicle.odometer_mi = known_double(1000);
    sample.vehicle.window_driver_front = known_int(0);
    sample.vehicle.window_passenger_front = known_int(0);
    sample.vehicle.window_driver_rear = known_int(2);
    sample.vehicle.window_passenger_rear = known_int(0);
    sample.vehicle.door_driver_front = known_int(0);
    sample.vehicle.door_passenger_front = known_int(0);
    sample.vehicle.door_driver_rear = known_int(0);   /* passenger rear unknown */
    sample.vehicle.trunk_front = known_int(1);
    sample.vehicle.trunk_rear = known_int(0);
    snprintf(sample.vehicle.car_version, sizeof(sample.vehicle.car_version), "2024.8.7 abc");
    snprintf(sample.charge.charging_state, sizeof(sample.charge.charging_state), "Disconnected");
    sample.config.sun_roof_installed = known_int(2);
    summary = summary_of(sample);

    assert_int_equal(summary.speed_kmh.value, 97);
    assert_near(summary.odometer_km.value, 1609.34, 1e-9);
    assert_true(summary.windows_open.value);
    assert_true(summary.driver_rear_window_open.value);
    assert_false(summary.driver_front_window_open.value);
    assert_false(summary.doors_open.known);
    assert_false(summary.passenger_rear_door_open.known);
    assert_true(summary.frunk_open.value);
    assert_false(summary.trunk_open.value);
    assert_string_equal(summary.version, "2024.8.7");
    assert_true(summary.plugged_in.known);
    assert_false(summary.plugged_in.value);
    assert_true(summary.sun_roof_installed.value);
    assert_false(summary.values_restored);

    snprintf(sample.charge.charging_state, sizeof(sample.charge.charging_state), "Charging");
    assert_true(summary_of(sample).plugged_in.value);
    sample.has_charge_state = false;
    assert_false(summary_of(sample).plugged_in.known);
}

static void test_summary_state_names(void **state)
{
    struct script *script = script_new();

    (void)state;
    script_start(script);
    assert_string_equal(vehicle_summary_state_name(vehicle_fsm_summary_state(&script->fsm)),
                        "unavailable");
    script->fsm.has_last_response = true;
    assert_string_equal(vehicle_summary_state_name(vehicle_fsm_summary_state(&script->fsm)),
                        "start");
    script->fsm.state = FSM_STATE_DRIVING;
    script->fsm.driving_status = FSM_DRIVING_UNAVAILABLE;
    assert_string_equal(vehicle_summary_state_name(vehicle_fsm_summary_state(&script->fsm)),
                        "driving");
    script->fsm.driving_status = FSM_DRIVING_OFFLINE;
    assert_string_equal(vehicle_summary_state_name(vehicle_fsm_summary_state(&script->fsm)),
                        "offline");
    assert_string_equal(vehicle_summary_state_name(SUMMARY_STATE_COUNT), "invalid");
    assert_string_equal(fsm_state_name((enum fsm_state)-1), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_update_available_by_status),
        SCRIPT_TEST(test_update_percentages_copied),
        SCRIPT_TEST(test_update_version_short),
        SCRIPT_TEST(test_update_car_identity),
        SCRIPT_TEST(test_update_car_on_each_online),
        SCRIPT_TEST(test_restored_values_when_asleep),
        SCRIPT_TEST(test_summary_closures_and_units),
        SCRIPT_TEST(test_summary_state_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
