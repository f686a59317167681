/*
 * Recorder against PostgreSQL: charging processes and charges (TeslaMate's
 * charging cases): starting at a position, inserting and rejecting
 * samples, the completion aggregates, the geofence at the start, and
 * finding an open process after a restart.
 */
#include "recorder_test_support.h"

#include "charge_fixtures.h"

#define NOW "2026-02-01 12:00:00"

static int64_t start_process(struct recorder *recorder, int64_t car_id, double latitude,
                             double longitude, struct charging_start *start)
{
    struct position_record position = position_at(NOW, latitude, longitude);

    assert_int_equal(recorder_start_charging_process(recorder, car_id, at(NOW), &position, start),
                     RECORDER_OK);
    assert_true(start->charging_process_id > 0);
    assert_true(start->position_id > 0);
    return start->charging_process_id;
}

static void insert_charge_ok(struct recorder *recorder, int64_t process_id,
                             const struct charge_record *charge)
{
    int64_t charge_id = 0;

    assert_int_equal(recorder_insert_charge(recorder, process_id, charge, &charge_id), RECORDER_OK);
    assert_true(charge_id > 0);
}

/* The process and its own position row. */
static void start_charging_process_stores_position(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;

    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    assert_query(fixture, "0.000000|0.000000|2026-02-01 12:00:00|NULL",
                 "SELECT concat_ws('|', latitude, longitude, date, coalesce(drive_id::text, 'NULL'))"
                 " FROM positions WHERE id = %" PRId64,
                 start.position_id);
    assert_query(fixture, "t",
                 "SELECT car_id = %" PRId64 " AND position_id = %" PRId64
                 " AND start_date = '2026-02-01 12:00:00' AND end_date IS NULL"
                 " AND tenant_id = '" TENANT_A "' FROM charging_processes WHERE id = %" PRId64,
                 car_id, start.position_id, process_id);
    assert_int_equal(start.geofence_id, 0);
}

/* A car and a position date are required, and nothing is written. */
static void start_charging_process_invalid(void **state)
{
    struct fixture *fixture = *state;
    struct position_record position = {.latitude = known_double(0), .longitude = known_double(0)};
    struct charging_start start;

    assert_int_equal(recorder_start_charging_process(&fixture->tenant_a, 0, at(NOW), &position,
                                                     &start),
                     RECORDER_INVALID_INPUT);
    assert_string_equal(fixture->tenant_a.message,
                        "start charging process: invalid position: missing car_id, date");
    assert_query(fixture, "0", "SELECT count(*) FROM positions");
    assert_query(fixture, "0", "SELECT count(*) FROM charging_processes");
}

/* Coordinates as given, with 6 decimals. A failed insert of the process
 * (the car of another tenant) leaves no orphan position. */
static void start_charging_process_coordinates(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    struct position_record position = position_at(NOW, 99.9, 99.9);

    start_process(&fixture->tenant_a, car_id, 99.9, 99.9, &start);
    assert_query(fixture, "99.900000|99.900000",
                 "SELECT latitude || '|' || longitude FROM positions WHERE id = %" PRId64,
                 start.position_id);
    assert_query(fixture, "NULL", "SELECT address_id FROM charging_processes");

    assert_int_equal(recorder_start_charging_process(&fixture->tenant_b, car_id, at(NOW), &position,
                                                     &start),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_query(fixture, "1", "SELECT count(*) FROM positions");
}

/* Values as given, blank texts as NULL, missing phases as NULL. */
static void insert_charge_stores_values(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    struct charge_record charge = {
        .date_us = known_int(at("2026-02-01 12:00:05.25")),
        .charger_power_kw = known_int(50),
        .charger_phases = known_int(3),
        .charge_energy_added_kwh = known_double(0.160),
        .ideal_battery_range_km = known_double(250),
        .conn_charge_cable = "IEC",
        .fast_charger_brand = "",
        .fast_charger_type = "  ",
    };

    insert_charge_ok(&fixture->tenant_a, process_id, &charge);
    assert_query(fixture, "3|50|0.16|250.00|2026-02-01 12:00:05.25|IEC|NULL|NULL|" TENANT_A,
                 "SELECT concat_ws('|', charger_phases, charger_power, charge_energy_added,"
                 " ideal_battery_range_km, date, conn_charge_cable,"
                 " coalesce(fast_charger_brand, 'NULL'), coalesce(fast_charger_type, 'NULL'),"
                 " tenant_id) FROM charges");

    charge.charger_phases.known = false;
    insert_charge_ok(&fixture->tenant_a, process_id, &charge);
    assert_query(fixture, "NULL", "SELECT coalesce(charger_phases::text, 'NULL') FROM charges"
                                  " ORDER BY id DESC LIMIT 1");
}

/* An invalid sample is rejected with every problem named, and the
 * session goes on. */
static void insert_charge_invalid_skipped(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    struct charge_record charge = {.charger_phases = known_int(0)};
    int64_t charge_id = 9;
    char expected[RECORDER_MESSAGE_SIZE];

    assert_int_equal(recorder_insert_charge(&fixture->tenant_a, process_id, &charge, &charge_id),
                     RECORDER_INVALID_INPUT);
    assert_int_equal(charge_id, 0);
    snprintf(expected, sizeof(expected),
             "insert charge of charging process %" PRId64 ": invalid charge data:"
             " charger_phases 0 is not greater than 0; missing date, charge_energy_added,"
             " charger_power, ideal_battery_range_km",
             process_id);
    assert_string_equal(fixture->tenant_a.message, expected);

    charge = (struct charge_record){
        .date_us = known_int(at(NOW)),
        .charger_power_kw = known_int(7),
        .ideal_battery_range_km = known_double(250),
    };
    assert_int_equal(recorder_insert_charge(&fixture->tenant_a, process_id, &charge, &charge_id),
                     RECORDER_INVALID_INPUT);
    snprintf(expected, sizeof(expected),
             "insert charge of charging process %" PRId64
             ": invalid charge data: missing charge_energy_added",
             process_id);
    assert_string_equal(fixture->tenant_a.message, expected);

    charge.charge_energy_added_kwh = known_double(1.5);
    charge.charger_voltage_v = known_int(70000);
    assert_int_equal(recorder_insert_charge(&fixture->tenant_a, process_id, &charge, &charge_id),
                     RECORDER_INVALID_INPUT);
    assert_non_null(strstr(fixture->tenant_a.message, "charger_voltage 70000 is out of range"));
    assert_query(fixture, "0", "SELECT count(*) FROM charges");

    charge.charger_voltage_v = known_int(230);
    insert_charge_ok(&fixture->tenant_a, process_id, &charge);
    assert_query(fixture, "1", "SELECT count(*) FROM charges");
}

/* A sample for a process that does not exist (or is another tenant's)
 * fails on the foreign key. */
static void insert_charge_unknown_process(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    struct charge_record charge = {
        .date_us = known_int(at(NOW)),
        .charger_power_kw = known_int(7),
        .charge_energy_added_kwh = known_double(0),
        .ideal_battery_range_km = known_double(250),
    };
    int64_t charge_id = 0;

    assert_int_equal(recorder_insert_charge(&fixture->tenant_b, process_id, &charge, &charge_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_b.message, "charges_charging_process_id_fkey"));
    assert_int_equal(recorder_insert_charge(&fixture->tenant_a, process_id + 1000, &charge,
                                            &charge_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_query(fixture, "0", "SELECT count(*) FROM charges");
}

struct session_row {
    const char *date;
    int64_t battery_level;
    double added_kwh;
    double ideal_km;
    double rated_km;
    double outside_temp_c;
};

static const struct session_row session_rows[] = {
    {"2019-04-05 16:01:27", 50, 0.41, 266.6, 206.6, 16},
    {"2019-04-05 16:02:28", 51, 0.51, 267.3, 207.6, 15.5},
    {"2019-04-05 16:04:34", 52, 0.72, 268.6, 208.6, 15},
    {"2019-04-05 16:05:40", 54, 0.72, 268.6, 208.6, 14.5},
};

/* Sample i of a 4-minute session: current 5, phases 3, pilot 16, power 4,
 * voltage 234. */
static struct charge_record session_charge(size_t i)
{
    const struct session_row *row = &session_rows[i];
    struct charge_record charge = {
        .date_us = known_int(at(row->date)),
        .battery_level = known_int(row->battery_level),
        .charge_energy_added_kwh = known_double(row->added_kwh),
        .ideal_battery_range_km = known_double(row->ideal_km),
        .rated_battery_range_km = known_double(row->rated_km),
        .outside_temp_c = known_double(row->outside_temp_c),
        .charger_actual_current_a = known_int(5),
        .charger_phases = known_int(3),
        .charger_pilot_current_a = known_int(16),
        .charger_power_kw = known_int(4),
        .charger_voltage_v = known_int(234),
    };
    return charge;
}

#define PROCESS_COLUMNS                                                                     \
    "concat_ws('|', start_date, end_date, coalesce(charge_energy_added::text, 'NULL'),"     \
    " coalesce(charge_energy_used::text, 'NULL'), duration_min, start_battery_level,"       \
    " end_battery_level, start_ideal_range_km, end_ideal_range_km, start_rated_range_km,"   \
    " end_rated_range_km, outside_temp_avg)"

/* The aggregates, and a second completion storing the same record. */
static void complete_aggregates(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    struct charging_summary summary;
    char first[TEXT_SIZE];

    for (size_t i = 0; i < sizeof(session_rows) / sizeof(session_rows[0]); i++) {
        struct charge_record charge = session_charge(i);
        insert_charge_ok(&fixture->tenant_a, process_id, &charge);
    }
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id,
                                                        at("2026-02-01 13:00:00"), &summary),
                     RECORDER_OK);

    assert_query(fixture,
                 "2019-04-05 16:01:27|2019-04-05 16:05:40|0.31|0.28|4|50|54|266.60|268.60"
                 "|206.60|208.60|15.3",
                 "SELECT " PROCESS_COLUMNS " FROM charging_processes WHERE id = %" PRId64,
                 process_id);
    assert_int_equal(summary.car_id, car_id);
    assert_int_equal(summary.charge_count, 4);
    assert_true(summary.charge_energy_added_kwh.value == 0.31);
    assert_true(summary.charge_energy_used_kwh.known);
    assert_true(summary.charge_energy_used_kwh.value > 0.2811 &&
                summary.charge_energy_used_kwh.value < 0.2812);
    assert_int_equal(summary.duration_min.value, 4);
    assert_false(summary.phases_known);
    assert_string_equal(summary.fast_charger_type, "");

    query_text(fixture->conn, first, "SELECT cp::text FROM charging_processes cp");
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id,
                                                        at("2026-02-01 13:00:01"), &summary),
                     RECORDER_OK);
    assert_query(fixture, first, "SELECT cp::text FROM charging_processes cp");
}

/* Without charges only end_date (now) and the energies change. */
static void complete_without_charges(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    struct charging_summary summary;

    exec_ok(fixture->conn, "UPDATE charging_processes SET start_battery_level = 40,"
                           " charge_energy_used = 5, cost = 1.5");
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id,
                                                        at("2026-02-01 12:00:30"), &summary),
                     RECORDER_OK);
    assert_int_equal(summary.charge_count, 0);
    assert_int_equal(summary.end_date_us, at("2026-02-01 12:00:30"));
    assert_query(fixture, "2026-02-01 12:00:00|2026-02-01 12:00:30|40|NULL|NULL|NULL",
                 "SELECT concat_ws('|', start_date, end_date, start_battery_level,"
                 " coalesce(charge_energy_added::text, 'NULL'),"
                 " coalesce(charge_energy_used::text, 'NULL'), coalesce(cost::text, 'NULL'))"
                 " FROM charging_processes");

    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id + 1000,
                                                        at(NOW), &summary),
                     RECORDER_NOT_FOUND);
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_b, process_id, at(NOW),
                                                        &summary),
                     RECORDER_NOT_FOUND);
}

static int64_t complete_fixture(struct fixture *fixture, int number, const char *charger_type,
                                struct charging_summary *summary)
{
    struct charge_fixture *rows = calloc(1, sizeof(*rows));
    int64_t car_id = create_car(&fixture->tenant_a, 1000 + number, 2000 + number, "fixture");
    struct charging_start start;

    assert_non_null(rows);
    assert_true(charge_fixture_load(number, charger_type, rows));
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    for (int i = 0; i < rows->count; i++)
        insert_charge_ok(&fixture->tenant_a, process_id, &rows->rows[i].record);
    free(rows);

    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        summary),
                     RECORDER_OK);
    return process_id;
}

/* The last counter is below the first, so the energy added is NULL. */
static void complete_negative_energy_added(void **state)
{
    struct fixture *fixture = *state;
    struct charging_summary summary;

    int64_t process_id = complete_fixture(fixture, 6, "<invalid>", &summary);
    assert_query(fixture, "NULL|12.58|48",
                 "SELECT concat_ws('|', coalesce(charge_energy_added::text, 'NULL'),"
                 " charge_energy_used, duration_min) FROM charging_processes WHERE id = %" PRId64,
                 process_id);
    assert_false(summary.charge_energy_added_kwh.known);
    assert_true(summary.phases_known);
    assert_true(summary.phases == 3.0);
    assert_int_equal(summary.charge_count, 92);
}

/* The last counter is 0 (after a reset), so the maximum is used. */
static void complete_uses_max(void **state)
{
    struct fixture *fixture = *state;
    struct charging_summary summary;

    int64_t process_id = complete_fixture(fixture, 7, "<invalid>", &summary);
    assert_query(fixture, "16.64|18.59|99",
                 "SELECT concat_ws('|', charge_energy_added, charge_energy_used, duration_min)"
                 " FROM charging_processes WHERE id = %" PRId64,
                 process_id);
    assert_true(summary.phases_known);
    assert_true(summary.phases == 3.0);
}

/* The most frequent charger type while the charger delivered power. */
static void complete_reports_charger_type(void **state)
{
    struct fixture *fixture = *state;
    struct charging_summary summary;

    complete_fixture(fixture, 1, "Tesla", &summary);
    assert_string_equal(summary.fast_charger_type, "Tesla");
}

/* The process is linked to the geofence containing its start. */
static void start_links_geofence(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    struct charging_summary summary;

    int64_t fence = query_int(fixture->conn,
                              "INSERT INTO geofences (name, latitude, longitude, radius,"
                              " inserted_at, updated_at, tenant_id) VALUES ('home', 50.1121,"
                              " 11.597, 50, now(), now(), '" TENANT_A "') RETURNING id");
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 50.112198, 11.597669, &start);
    assert_int_equal(start.geofence_id, fence);

    struct charge_record first = session_charge(0);
    struct charge_record last = session_charge(3);
    insert_charge_ok(&fixture->tenant_a, process_id, &first);
    insert_charge_ok(&fixture->tenant_a, process_id, &last);
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        &summary),
                     RECORDER_OK);
    assert_query(fixture, "t", "SELECT geofence_id = %" PRId64 " FROM charging_processes", fence);
}

/* A restarted worker finds the open process, its position and its
 * newest sample; only one process per car may be open. */
static void open_process_found_for_resume(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    struct charging_start second;
    struct open_charging_process open;
    struct charging_summary summary;
    bool found = false;
    struct position_record position = position_at(NOW, 1.0, 2.0);

    int64_t process_id = start_process(&fixture->tenant_a, car_id, 52.5, 13.4, &start);
    assert_int_equal(recorder_start_charging_process(&fixture->tenant_a, car_id, at(NOW), &position,
                                                     &second),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "charging_processes_one_open_per_car_index"));

    assert_int_equal(recorder_find_open_charging_process(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(open.charging_process_id, process_id);
    assert_int_equal(open.position_id, start.position_id);
    assert_true(open.position.record.latitude.value == 52.5);
    assert_false(open.has_last_charge);
    assert_int_equal(open.charge_count, 0);

    for (size_t i = 0; i < 2; i++) {
        struct charge_record charge = session_charge(i);
        insert_charge_ok(&fixture->tenant_a, process_id, &charge);
    }
    assert_int_equal(recorder_find_open_charging_process(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_true(open.has_last_charge);
    assert_int_equal(open.last_charge_date_us, at("2019-04-05 16:02:28"));
    assert_int_equal(open.charge_count, 2);

    assert_int_equal(recorder_find_open_charging_process(&fixture->tenant_b, car_id, &open, &found),
                     RECORDER_OK);
    assert_false(found);

    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        &summary),
                     RECORDER_OK);
    assert_int_equal(recorder_find_open_charging_process(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_false(found);
}

static void set_process_address(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct charging_start start;
    int64_t process_id = start_process(&fixture->tenant_a, car_id, 0.0, 0.0, &start);
    int64_t address_id = query_int(
        fixture->conn,
        "INSERT INTO addresses (display_name, latitude, longitude, osm_id, osm_type, raw,"
        " inserted_at, updated_at) VALUES ('Unknown', 0, 0, 0, 'unknown', '{}', now(), now())"
        " RETURNING id");

    assert_int_equal(recorder_set_charging_process_address(&fixture->tenant_a, process_id,
                                                           address_id),
                     RECORDER_OK);
    assert_query(fixture, "t", "SELECT address_id = %" PRId64 " FROM charging_processes",
                 address_id);
    assert_int_equal(recorder_set_charging_process_address(&fixture->tenant_b, process_id,
                                                           address_id),
                     RECORDER_NOT_FOUND);
    assert_int_equal(recorder_set_charging_process_address(&fixture->tenant_a, process_id,
                                                           address_id + 1000),
                     RECORDER_CONSTRAINT_VIOLATION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(start_charging_process_stores_position, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_charging_process_invalid, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_charging_process_coordinates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_charge_stores_values, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_charge_invalid_skipped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(insert_charge_unknown_process, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(complete_aggregates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(complete_without_charges, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(complete_negative_energy_added, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(complete_uses_max, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(complete_reports_charger_type, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_links_geofence, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(open_process_found_for_resume, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(set_process_address, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
