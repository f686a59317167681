/*
 * Vehicle state machine: the pure pieces, checked against the numbers of
 * TeslaMate's behaviour: unit conversions, positions and charge samples, firmware order,
 * fetch plans, the charging interval and the per-car fuses.
 */
#include "fsm_script.h"

static void test_kmh_from_mph(void **state)
{
    const struct {
        double mph;
        int64_t kmh;
    } cases[] = { { 60, 97 }, { 50, 80 }, { 30, 48 }, { 15, 24 }, { 10, 16 }, { 5, 8 },
                  { 3, 5 },   { -5, -8 }, { 55, 89 }, { 40, 64 }, { 20, 32 }, { 0, 0 } };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(fsm_kmh_from_mph(cases[i].mph), cases[i].kmh);
}

static void test_km_from_miles(void **state)
{
    (void)state;
    assert_near(fsm_odometer_km_from_miles(1000), 1609.344, 1e-9);
    assert_near(fsm_odometer_km_from_miles(0.1), 0.160934, 1e-12);   /* 6 decimals */
    assert_near(fsm_range_km_from_miles(1), 1.61, 1e-12);
    assert_near(fsm_range_km_from_miles(2), 3.22, 1e-12);
    assert_near(fsm_range_km_from_miles(3), 4.83, 1e-12);
    assert_near(fsm_range_km_from_miles(4), 6.44, 1e-12);
    assert_near(fsm_round_decimals(2.5, 0), 3.0, 0);
    assert_near(fsm_round_decimals(-2.5, 0), -3.0, 0);
    assert_near(fsm_round_decimals(0.125, 2), 0.13, 1e-12);
    assert_int_equal(fsm_ms_from_s(1700000000.0015), INT64_C(1700000000002));
}

static struct vehicle_sample full_sample(void)
{
    struct vehicle_sample sample = sample_drive(SCRIPT_T0_MS, "D", 60);

    sample.drive.power_kw = known_double(-12);
    sample.charge.battery_level = known_double(80);
    sample.charge.usable_battery_level = known_double(79);
    sample.charge.ideal_battery_range_mi = known_double(200);
    sample.charge.est_battery_range_mi = known_double(150);
    sample.charge.battery_range_mi = known_double(180);
    sample.charge.battery_heater_on = known_bool(false);
    sample.climate.outside_temp_c = known_double(11.5);
    sample.climate.inside_temp_c = known_double(21);
    sample.climate.is_climate_on = known_bool(true);
    sample.climate.battery_heater = known_bool(false);
    sample.vehicle.odometer_mi = known_double(1000);
    sample.vehicle.tpms_pressure_fl_bar = known_double(2.9);
    return sample;
}

static void test_position_from_sample(void **state)
{
    struct vehicle_sample sample = full_sample();
    struct fsm_position position;

    (void)state;
    fsm_position_from_sample(&sample, 5, &position);
    assert_int_equal(position.date_ms, SCRIPT_T0_MS);
    assert_true(position.location_known);
    assert_near(position.latitude, 0.1, 0);
    assert_int_equal(position.speed_kmh.value, 97);
    assert_near(position.power_kw.value, -12, 0);
    assert_near(position.battery_level.value, 80, 0);
    assert_near(position.usable_battery_level.value, 79, 0);
    assert_near(position.ideal_battery_range_km.value, 321.87, 1e-9);
    assert_near(position.est_battery_range_km.value, 241.4, 1e-9);
    assert_near(position.rated_battery_range_km.value, 289.68, 1e-9);
    assert_near(position.odometer_km.value, 1609.344, 1e-9);
    assert_near(position.outside_temp_c.value, 11.5, 0);
    assert_near(position.inside_temp_c.value, 21, 0);
    assert_true(position.is_climate_on.value);
    assert_true(position.battery_heater_on.known);
    assert_near(position.tpms_pressure_fl_bar.value, 2.9, 0);
    assert_false(position.tpms_pressure_rr_bar.known);

    /* No location and no timestamp: not storable, dated by the fallback. */
    sample.drive.latitude.known = false;
    sample.drive.timestamp_ms.known = false;
    fsm_position_from_sample(&sample, 5, &position);
    assert_false(position.location_known);
    assert_int_equal(position.date_ms, 5);
}

static void test_charge_from_sample(void **state)
{
    struct vehicle_sample sample = sample_charging(SCRIPT_T0_MS + 3, "Charging", 4.5, 100);
    struct fsm_charge charge;

    (void)state;
    sample.charge.charger_phases = known_double(3);
    snprintf(sample.charge.fast_charger_type, sizeof(sample.charge.fast_charger_type), "ACSingle");
    sample.climate.outside_temp_c = known_double(4);
    fsm_charge_from_sample(&sample, 7, false, &charge);
    assert_int_equal(charge.date_ms, SCRIPT_T0_MS + 3);
    assert_near(charge.charge_energy_added_kwh.value, 4.5, 0);
    assert_near(charge.charger_power_kw, 0.0, 0);      /* null power is stored as 0 */
    assert_near(charge.ideal_battery_range_km.value, 160.93, 1e-9);
    assert_near(charge.rated_battery_range_km.value, 160.93, 1e-9);
    assert_near(charge.charger_phases.value, 3, 0);
    assert_string_equal(charge.fast_charger_type, "ACSingle");
    assert_near(charge.outside_temp_c.value, 4, 0);

    sample.charge.charger_power_kw = known_double(11);
    sample.charge.charge_energy_added_kwh.known = false;
    fsm_charge_from_sample(&sample, 7, false, &charge);
    assert_near(charge.charger_power_kw, 11, 0);
    assert_false(charge.charge_energy_added_kwh.known);
    fsm_charge_from_sample(&sample, 7, true, &charge);
    assert_true(charge.charge_energy_added_kwh.known);
    assert_near(charge.charge_energy_added_kwh.value, 0, 0);
}

static void test_software_version_order(void **state)
{
    char short_version[16];

    (void)state;
    assert_true(fsm_software_version_compare("2019.40.9", "2019.40.10.7") < 0);
    assert_true(fsm_software_version_compare("2019.40.10.7 ad132c7b057e", "2019.40.9") > 0);
    assert_true(fsm_software_version_compare("2020.12.5 e2179e0650f0",
                                             "2020.12.10 e0ccfda3d911") < 0);
    assert_int_equal(fsm_software_version_compare("2019.40.10.7 ad132c7b057e",
                                                  "2019.40.10.7"), 0);
    assert_true(fsm_software_version_compare("2019.40.10.6", "2019.40.10.7") < 0);
    assert_true(fsm_software_version_compare("2019.40.2.6", "2019.40.10.7 x") < 0);
    assert_true(fsm_software_version_compare("2019.40", "2019.40.1") < 0);
    assert_true(fsm_software_version_compare("", "2019") < 0);
    assert_true(fsm_software_version_compare("9999.99.99.0 lasjas234", "2020.12.10") > 0);

    fsm_software_version_short("2024.3.1 abc123", short_version, sizeof(short_version));
    assert_string_equal(short_version, "2024.3.1");
    fsm_software_version_short("2024.44.25.5", short_version, 8);
    assert_string_equal(short_version, "2024.44");
}

static void test_fetch_plans(void **state)
{
    struct vehicle_sample online = sample_state("online");
    struct vehicle_sample asleep = sample_state("asleep");
    struct fsm_fetch_result ok_online = { .sample = &online };
    struct fsm_fetch_result ok_asleep = { .sample = &asleep };
    struct fsm_fetch_result unavailable = { .error = FETCH_ERROR_VEHICLE_UNAVAILABLE };
    struct fsm_fetch_result limited = { .error = FETCH_ERROR_TOO_MANY_REQUESTS };

    (void)state;
    assert_int_equal(fetch_plan_first_call(FETCH_PLAN_REACHABLE), FETCH_CALL_VEHICLE_DATA);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_REACHABLE, FETCH_CALL_VEHICLE_DATA,
                                          &unavailable), FETCH_CALL_VEHICLE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_REACHABLE, FETCH_CALL_VEHICLE_DATA,
                                          &limited), FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_REACHABLE, FETCH_CALL_VEHICLE_DATA,
                                          &ok_online), FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_REACHABLE, FETCH_CALL_VEHICLE,
                                          &unavailable), FETCH_CALL_NONE);

    assert_int_equal(fetch_plan_first_call(FETCH_PLAN_UNREACHABLE), FETCH_CALL_VEHICLE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_UNREACHABLE, FETCH_CALL_VEHICLE,
                                          &ok_online), FETCH_CALL_VEHICLE_DATA);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_UNREACHABLE, FETCH_CALL_VEHICLE,
                                          &ok_asleep), FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_UNREACHABLE, FETCH_CALL_VEHICLE, &limited),
                     FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_UNREACHABLE, FETCH_CALL_VEHICLE_DATA,
                                          &unavailable), FETCH_CALL_NONE);

    assert_int_equal(fetch_plan_first_call(FETCH_PLAN_LIGHT), FETCH_CALL_VEHICLE);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_LIGHT, FETCH_CALL_VEHICLE, &ok_online),
                     FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_first_call(FETCH_PLAN_VEHICLE_DATA), FETCH_CALL_VEHICLE_DATA);
    assert_int_equal(fetch_plan_next_call(FETCH_PLAN_VEHICLE_DATA, FETCH_CALL_VEHICLE_DATA,
                                          &unavailable), FETCH_CALL_NONE);
    assert_int_equal(fetch_plan_first_call(FETCH_PLAN_COUNT), FETCH_CALL_NONE);
}

static void test_charging_interval(void **state)
{
    struct fsm_config config = fsm_config_defaults();
    const struct {
        struct opt_double power_kw;
        double interval_s;
    } cases[] = {
        { { false, 0 }, 5 }, { { true, 0 }, 5 },   { { true, -3 }, 5 }, { { true, 7 }, 20 },
        { { true, 11 }, 20 }, { { true, 16.7 }, 15 }, { { true, 25 }, 10 }, { { true, 50 }, 5 },
        { { true, 100 }, 5 }, { { true, 250 }, 5 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_near(fsm_charging_interval_s(&config, cases[i].power_kw), cases[i].interval_s, 0);

    /* The setting is the floor, applied last, so it may exceed 20 s; an
     * unknown power keeps the fixed 5 s. */
    config.charging_interval_s = 30;
    assert_near(fsm_charging_interval_s(&config, known_double(50)), 30, 0);
    assert_near(fsm_charging_interval_s(&config, (struct opt_double){ false, 0 }), 5, 0);
}

/* api_error: blows on the 4th melt within 10 min, heals after 5 min. */
static void test_api_error_fuse(void **state)
{
    struct script *script = script_new();
    struct vehicle_fsm *fsm = &script->fsm;
    const double t0 = SCRIPT_T0_S;

    (void)state;
    script_start(script);
    for (int i = 0; i < 3; i++)
        fuse_melt(&fsm->api_error_fuse, t0 + 100.0 * i);
    assert_true(vehicle_fsm_healthy(fsm, t0 + 250));
    fuse_melt(&fsm->api_error_fuse, t0 + 300);
    assert_false(vehicle_fsm_healthy(fsm, t0 + 300));
    assert_false(vehicle_fsm_healthy(fsm, t0 + 599));
    assert_true(vehicle_fsm_healthy(fsm, t0 + 600));

    /* Melts spread over more than 10 min do not blow it. */
    for (int i = 0; i < 8; i++)
        fuse_melt(&fsm->api_error_fuse, t0 + 1000 + 250.0 * i);
    assert_true(vehicle_fsm_healthy(fsm, t0 + 3000));
}

/* vehicle_not_found: blows on the 9th melt within 20 min, heals after 10. */
static void test_not_found_fuse(void **state)
{
    struct script *script = script_new();
    struct vehicle_fsm *fsm = &script->fsm;
    const double t0 = SCRIPT_T0_S;

    (void)state;
    script_start(script);
    for (int i = 0; i < 8; i++)
        fuse_melt(&fsm->vehicle_not_found_fuse, t0 + 30.0 * i);
    assert_true(vehicle_fsm_healthy(fsm, t0 + 240));
    fuse_melt(&fsm->vehicle_not_found_fuse, t0 + 240);
    assert_false(vehicle_fsm_healthy(fsm, t0 + 240));
    assert_false(vehicle_fsm_healthy(fsm, t0 + 839));
    assert_true(vehicle_fsm_healthy(fsm, t0 + 840));
}

/* Through the machine: the first api_error blow after three tolerated
 * errors, and timeouts and 401s never melting it. */
static void test_errors_melting_api_fuse(void **state)
{
    const enum fetch_error melting[] = { FETCH_ERROR_UNKNOWN, FETCH_ERROR_VEHICLE_UNAVAILABLE,
                                         FETCH_ERROR_VEHICLE_NOT_FOUND };
    const enum fetch_error harmless[] = { FETCH_ERROR_TIMEOUT, FETCH_ERROR_UNAUTHORIZED,
                                          FETCH_ERROR_CLOSED, FETCH_ERROR_VEHICLE_IN_SERVICE };

    (void)state;
    for (size_t i = 0; i < sizeof(melting) / sizeof(melting[0]); i++) {
        struct script *script = script_new();

        answer_sample(script, sample_state("asleep"));
        answer_error(script, melting[i]);
        script_start(script);
        script_run_for(script, 10.0 + 3 * 30.0 + 1);   /* four errors at most 30 s apart */
        assert_false(vehicle_fsm_healthy(&script->fsm, script->now_s));
    }
    for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++) {
        struct script *script = script_new();

        answer_sample(script, sample_state("asleep"));
        answer_error(script, harmless[i]);
        script_start(script);
        script_run_for(script, 1800.0);
        assert_true(vehicle_fsm_healthy(&script->fsm, script->now_s));
    }
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(fetch_error_name(FETCH_ERROR_TOO_MANY_REQUESTS), "too_many_requests");
    assert_string_equal(fetch_plan_name(FETCH_PLAN_UNREACHABLE), "unreachable");
    assert_string_equal(fetch_call_name(FETCH_CALL_VEHICLE_DATA), "vehicle_data");
    assert_string_equal(fsm_effect_type_name(FSM_EFFECT_CLOSE_DRIVE), "close_drive");
    assert_string_equal(fsm_event_type_name(FSM_EVENT_POLL_TIMER), "poll_timer");
    assert_string_equal(fsm_driving_status_name(FSM_DRIVING_UNAVAILABLE), "unavailable");
    assert_string_equal(fsm_charge_end_name(FSM_CHARGE_END_ASLEEP), "asleep");
    assert_string_equal(fsm_timer_action_name(FSM_TIMER_CANCEL), "cancel");
    assert_string_equal(fsm_notice_name(FSM_NOTICE_STALE_SAMPLE_DISCARDED),
                        "discarded stale fetch result");
    assert_string_equal(fsm_suspend_error_name(FSM_SUSPEND_DOG_MODE), "dogmode");
    assert_string_equal(fsm_notice_name(FSM_NOTICE_COUNT), "invalid");
    assert_string_equal(fetch_error_name((enum fetch_error)99), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_kmh_from_mph),
        SCRIPT_TEST(test_km_from_miles),
        SCRIPT_TEST(test_position_from_sample),
        SCRIPT_TEST(test_charge_from_sample),
        SCRIPT_TEST(test_software_version_order),
        SCRIPT_TEST(test_fetch_plans),
        SCRIPT_TEST(test_charging_interval),
        SCRIPT_TEST(test_api_error_fuse),
        SCRIPT_TEST(test_not_found_fuse),
        SCRIPT_TEST(test_errors_melting_api_fuse),
        SCRIPT_TEST(test_enum_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
