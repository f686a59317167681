/*
 * Recorder against PostgreSQL: positions (TeslaMate's position cases),
 * rounding of numeric columns on write, and tenant isolation.
 */
#include "recorder_test_support.h"

#include <math.h>

static int64_t insert(struct recorder *recorder, int64_t car_id, const struct position_record *position)
{
    int64_t position_id = 0;

    assert_int_equal(recorder_insert_position(recorder, car_id, 0, position, &position_id),
                     RECORDER_OK);
    assert_true(position_id > 0);
    return position_id;
}

/* The latest position with an ideal range, of this car only. */
static void latest_position_needs_range(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t car_b = create_car(&fixture->tenant_a, 43, 43, "yyyyy");
    struct position_record p1 = position_at("2026-01-01 10:00:00", 1.0, 1.0);
    struct position_record p2 = position_at("2026-01-01 10:05:00", 2.0, 2.0);
    struct position_record p3 = position_at("2026-01-01 10:10:00", 3.0, 3.0);
    struct stored_position latest;
    bool found = false;

    p1.ideal_battery_range_km = known_double(300.0);
    p3.ideal_battery_range_km = known_double(200.0);
    int64_t p1_id = insert(&fixture->tenant_a, car_a, &p1);
    insert(&fixture->tenant_a, car_a, &p2);
    insert(&fixture->tenant_a, car_b, &p3);

    assert_int_equal(recorder_get_latest_position(&fixture->tenant_a, car_a, &latest, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(latest.id, p1_id);
    assert_int_equal(latest.car_id, car_a);
    assert_int_equal(latest.drive_id, 0);
    assert_int_equal(latest.record.date_us.value, at("2026-01-01 10:00:00"));
    assert_true(latest.record.latitude.value == 1.0);
    assert_true(latest.record.ideal_battery_range_km.value == 300.0);
}

/* A car with only positions without range has no latest position. */
static void latest_position_without_range_none(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct position_record streamed = position_at("2026-01-01 10:05:00", 2.0, 2.0);
    struct stored_position latest;
    bool found = true;

    streamed.odometer_km = known_double(1000.5);
    insert(&fixture->tenant_a, car_a, &streamed);
    assert_int_equal(recorder_get_latest_position(&fixture->tenant_a, car_a, &latest, &found),
                     RECORDER_OK);
    assert_false(found);
}

/* The largest id, whatever its date or range. */
static void last_inserted_position(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t car_b = create_car(&fixture->tenant_a, 43, 43, "yyyyy");
    struct position_record first = position_at("2026-01-01 10:00:00", 1.0, 1.0);
    struct position_record second = position_at("2026-01-01 09:55:00", 2.0, 2.0);
    struct stored_position last;
    bool found = false;

    first.ideal_battery_range_km = known_double(300.0);
    insert(&fixture->tenant_a, car_a, &first);
    int64_t second_id = insert(&fixture->tenant_a, car_b, &second);

    assert_int_equal(recorder_get_last_inserted_position(&fixture->tenant_a, &last, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(last.id, second_id);
    assert_int_equal(last.car_id, car_b);
}

static void insert_position_six_decimals(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct position_record position = position_at("2026-01-01 10:00:00.123456", 0.0, 0.0);
    int64_t position_id = insert(&fixture->tenant_a, car_id, &position);

    assert_query(fixture, "0.000000|0.000000|2026-01-01 10:00:00.123456|" TENANT_A,
                 "SELECT latitude || '|' || longitude || '|' || date || '|' || tenant_id"
                 " FROM positions WHERE id = %" PRId64,
                 position_id);
    assert_query(fixture, "NULL", "SELECT drive_id FROM positions");
}

/* Car, date, latitude and longitude are required, for both forms. */
static void insert_position_missing_fields(void **state)
{
    struct fixture *fixture = *state;
    struct position_record empty = {0};
    int64_t position_id = 9;

    assert_int_equal(recorder_insert_position(&fixture->tenant_a, 0, 0, &empty, &position_id),
                     RECORDER_INVALID_INPUT);
    assert_int_equal(position_id, 0);
    assert_string_equal(fixture->tenant_a.message,
                        "insert position: invalid position: missing car_id, date, latitude,"
                        " longitude");

    assert_int_equal(recorder_insert_position(&fixture->tenant_a, 0, 7, &empty, &position_id),
                     RECORDER_INVALID_INPUT);
    assert_string_equal(fixture->tenant_a.message,
                        "insert position of drive 7: invalid position: missing car_id, date,"
                        " latitude, longitude");
    assert_query(fixture, "0", "SELECT count(*) FROM positions");
}

/* Every column is written, and numeric columns round the shortest
 * decimal half away from zero, as TeslaMate's Decimal path does
 * ("%.17g" text would round 50.1121985 down and 1.005 down). */
static void insert_position_all_columns_rounded(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct position_record position = {
        .date_us = known_int(at("2019-04-06 10:19:02")),
        .latitude = known_double(50.1121985),
        .longitude = known_double(-11.5976695),
        .elevation_m = known_int(-12),
        .speed_kmh = known_int(97),
        .power_kw = known_int(-7),
        .odometer_km = known_double(288.045561),
        .ideal_battery_range_km = known_double(1.005),
        .est_battery_range_km = known_double(250.125),
        .rated_battery_range_km = known_double(308.8),
        .battery_level = known_int(68),
        .usable_battery_level = known_int(66),
        .outside_temp_c = known_double(15.25),
        .inside_temp_c = known_double(-0.05),
        .fan_status = known_int(3),
        .driver_temp_setting_c = known_double(21.45),
        .passenger_temp_setting_c = known_double(21.0),
        .is_climate_on = known_bool(true),
        .is_rear_defroster_on = known_bool(false),
        .is_front_defroster_on = known_bool(true),
        .battery_heater = known_bool(false),
        .battery_heater_on = known_bool(true),
        .battery_heater_no_power = known_bool(false),
        .tpms_pressure_fl_bar = known_double(2.45),
        .tpms_pressure_fr_bar = known_double(2.9),
        .tpms_pressure_rl_bar = known_double(2.85),
        .tpms_pressure_rr_bar = known_double(3.05),
    };
    int64_t id = insert(&fixture->tenant_a, car_id, &position);

    assert_query(fixture,
                 "50.112199|-11.597670|-12|97|-7|288.045561|1.01|250.13|308.80|68|66|15.3|-0.1|3"
                 "|21.5|21.0|t|f|t|f|t|f|2.5|2.9|2.9|3.1",
                 "SELECT concat_ws('|', latitude, longitude, elevation, speed, power, odometer,"
                 " ideal_battery_range_km, est_battery_range_km, rated_battery_range_km,"
                 " battery_level, usable_battery_level, outside_temp, inside_temp, fan_status,"
                 " driver_temp_setting, passenger_temp_setting, is_climate_on,"
                 " is_rear_defroster_on, is_front_defroster_on, battery_heater, battery_heater_on,"
                 " battery_heater_no_power, tpms_pressure_fl, tpms_pressure_fr, tpms_pressure_rl,"
                 " tpms_pressure_rr) FROM positions WHERE id = %" PRId64,
                 id);
}

/* A position read back carries the stored values. */
static void latest_position_reads_all_columns(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct position_record position = position_at("2019-04-06 10:19:02", 50.112198, 11.597669);
    struct stored_position latest;
    bool found = false;

    position.ideal_battery_range_km = known_double(338.8);
    position.rated_battery_range_km = known_double(308.8);
    position.odometer_km = known_double(284.85156);
    position.battery_level = known_int(68);
    position.outside_temp_c = known_double(19.2);
    position.is_climate_on = known_bool(false);
    position.tpms_pressure_rr_bar = known_double(2.9);
    insert(&fixture->tenant_a, car_id, &position);

    assert_int_equal(recorder_get_latest_position(&fixture->tenant_a, car_id, &latest, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_true(latest.record.latitude.value == 50.112198);
    assert_true(latest.record.longitude.value == 11.597669);
    assert_true(latest.record.odometer_km.value == 284.85156);
    assert_true(latest.record.rated_battery_range_km.value == 308.8);
    assert_int_equal(latest.record.battery_level.value, 68);
    assert_true(latest.record.outside_temp_c.value == 19.2);
    assert_true(latest.record.is_climate_on.known);
    assert_false(latest.record.is_climate_on.value);
    assert_true(latest.record.tpms_pressure_rr_bar.value == 2.9);
    assert_false(latest.record.speed_kmh.known);
    assert_false(latest.record.inside_temp_c.known);
}

/* Values no column takes are rejected before SQL; values PostgreSQL
 * rejects are errors. Neither stores a row. */
static void insert_position_out_of_range(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct position_record position = position_at("2019-04-06 10:19:02", 50.0, 11.0);
    int64_t position_id = 0;

    position.speed_kmh = known_int(40000);
    assert_int_equal(recorder_insert_position(&fixture->tenant_a, car_id, 0, &position, &position_id),
                     RECORDER_INVALID_INPUT);
    assert_string_equal(fixture->tenant_a.message,
                        "insert position: speed 40000 is out of range (-32768 to 32767)");

    position.speed_kmh = known_int(40);
    position.odometer_km = known_double(NAN);
    assert_int_equal(recorder_insert_position(&fixture->tenant_a, car_id, 0, &position, &position_id),
                     RECORDER_INVALID_INPUT);
    assert_string_equal(fixture->tenant_a.message,
                        "insert position: odometer is not a finite number");

    position.odometer_km = known_double(100.0);
    position.latitude = known_double(100.0);
    assert_int_equal(recorder_insert_position(&fixture->tenant_a, car_id, 0, &position, &position_id),
                     RECORDER_DATABASE_ERROR);
    assert_non_null(strstr(fixture->tenant_a.message, "numeric field overflow"));
    assert_query(fixture, "0", "SELECT count(*) FROM positions");
}

/* Tenant B cannot read tenant A's positions or add one to A's car. */
static void positions_isolated_by_tenant(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t car_b = create_car(&fixture->tenant_b, 42, 42, "xxxxx");
    struct position_record position = position_at("2026-01-01 10:00:00", 1.0, 1.0);
    struct stored_position latest;
    int64_t position_id = 0;
    bool found = false;

    position.ideal_battery_range_km = known_double(300.0);
    insert(&fixture->tenant_a, car_a, &position);
    position.ideal_battery_range_km = known_double(200.0);
    insert(&fixture->tenant_b, car_b, &position);

    assert_int_equal(recorder_get_latest_position(&fixture->tenant_b, car_a, &latest, &found),
                     RECORDER_OK);
    assert_false(found);
    assert_int_equal(recorder_get_latest_position(&fixture->tenant_b, car_b, &latest, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_true(latest.record.ideal_battery_range_km.value == 200.0);

    assert_int_equal(recorder_insert_position(&fixture->tenant_b, car_a, 0, &position, &position_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_b.message, "positions_car_id_fkey"));
    assert_query(fixture, "1", "SELECT count(*) FROM positions WHERE tenant_id = '" TENANT_A "'");
    assert_query(fixture, "1", "SELECT count(*) FROM positions WHERE tenant_id = '" TENANT_B "'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(latest_position_needs_range, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(latest_position_without_range_none, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(last_inserted_position, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_position_six_decimals, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_position_missing_fields, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_position_all_columns_rounded, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(latest_position_reads_all_columns, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_position_out_of_range, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(positions_isolated_by_tenant, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
