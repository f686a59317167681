/*
 * Recorder against PostgreSQL: the energy used by a charging process
 * (TeslaMate's cases of phase detection and integration over recorded
 * sessions) and the car's efficiency factor.
 */
#include "recorder_test_support.h"

#include "charge_fixtures.h"

#include <math.h>

#define NOW "2026-02-01 12:00:00"

enum fixture_change {
    FIXTURE_AS_RECORDED,
    FIXTURE_EVERY_THIRD_ROW,        /* rows whose 0-based index is a multiple of 3 */
    FIXTURE_GAP_AFTER_ROW_100,      /* rows 100.. moved 120 s later, energy + 1 kWh */
};

struct energy_case {
    const char *name;
    int fixture;                    /* appendix A.<fixture> */
    enum fixture_change change;
    const char *expected;           /* added|used|duration|start range|end range */
    double phases;                  /* 0: none detected */
};

static const struct energy_case fixture_cases[] = {
    {"phases_nil", 1, FIXTURE_AS_RECORDED, "12.77|12.46|19|235.90|320.50", 0},
    {"phase_correction_2_to_3", 2, FIXTURE_AS_RECORDED, "1.68|1.78|13|288.90|299.90", 3},
    {"phase_correction_2_to_1", 3, FIXTURE_AS_RECORDED, "12.64|14.76|640|180.10|262.50", 1},
    {"voltage_correction_p1", 4, FIXTURE_AS_RECORDED, "8.48|8.92|74|384.60|440.30", -1},
    {"voltage_correction_p2", 5, FIXTURE_AS_RECORDED, "38.44|40.70|330|189.20|441.70", -1},
    {"phases_nil, every third row", 1, FIXTURE_EVERY_THIRD_ROW, "12.67|12.45|18|235.90|319.80", 0},
    {"phases_nil, two-minute gap", 1, FIXTURE_GAP_AFTER_ROW_100, "13.77|13.82|21|235.90|320.50", 0},
};

static int64_t create_plain_car(struct fixture *fixture, int64_t eid, const char *vin)
{
    struct car_record car = {.eid = known_int(eid), .vid = known_int(eid), .vin = vin};
    int64_t car_id = 0;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    return car_id;
}

static int64_t start_process(struct fixture *fixture, int64_t car_id)
{
    struct position_record position = position_at(NOW, 0.0, 0.0);
    struct charging_start start;

    assert_int_equal(recorder_start_charging_process(&fixture->tenant_a, car_id, at(NOW), &position,
                                                     &start),
                     RECORDER_OK);
    return start.charging_process_id;
}

static void insert_charge_ok(struct fixture *fixture, int64_t process_id,
                             const struct charge_record *charge)
{
    int64_t charge_id = 0;

    assert_int_equal(recorder_insert_charge(&fixture->tenant_a, process_id, charge, &charge_id),
                     RECORDER_OK);
}

static void insert_fixture_rows(struct fixture *fixture, int64_t process_id,
                                const struct energy_case *energy_case)
{
    struct charge_fixture *rows = calloc(1, sizeof(*rows));

    assert_non_null(rows);
    assert_true(charge_fixture_load(energy_case->fixture, "<invalid>", rows));
    for (int i = 0; i < rows->count; i++) {
        struct charge_record charge = rows->rows[i].record;

        if (energy_case->change == FIXTURE_EVERY_THIRD_ROW && i % 3 != 0)
            continue;
        if (energy_case->change == FIXTURE_GAP_AFTER_ROW_100 && i >= 100) {
            charge.date_us.value += 120 * INT64_C(1000000);
            charge.charge_energy_added_kwh.value += 1;
        }
        insert_charge_ok(fixture, process_id, &charge);
    }
    free(rows);
}

static void assert_phases(const struct energy_case *energy_case,
                          const struct charging_summary *summary)
{
    if (energy_case->phases == 0) {
        assert_false(summary->phases_known);
    } else {
        assert_true(summary->phases_known);
        assert_true(summary->phases == (energy_case->phases < 0 ? sqrt(3.0) : energy_case->phases));
    }
}

/* The recorded sessions, as recorded or thinned out or with a gap. */
static void energy_used_from_fixtures(void **state)
{
    struct fixture *fixture = *state;

    for (size_t i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]); i++) {
        const struct energy_case *energy_case = &fixture_cases[i];
        int64_t car_id = create_plain_car(fixture, 100 + (int64_t)i, energy_case->name);
        int64_t process_id = start_process(fixture, car_id);
        struct charging_summary summary;
        char actual[TEXT_SIZE];

        insert_fixture_rows(fixture, process_id, energy_case);
        assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id,
                                                            at(NOW), &summary),
                         RECORDER_OK);
        query_text(fixture->conn, actual,
                   "SELECT concat_ws('|', charge_energy_added, charge_energy_used, duration_min,"
                   " start_ideal_range_km, end_ideal_range_km) FROM charging_processes"
                   " WHERE id = %" PRId64,
                   process_id);
        if (strcmp(actual, energy_case->expected) != 0)
            fail_msg("%s: expected %s, stored %s", energy_case->name, energy_case->expected, actual);
        assert_phases(energy_case, &summary);
    }
}

struct synthetic_case {
    const char *name;
    int count;
    int64_t power_kw;
    int64_t phases_even;            /* charger_phases on even rows; 0: NULL */
    int64_t phases_odd;
    int64_t current_a;
    int64_t last_current_a;
    int64_t voltage_v;
    const char *expected_used;
};

static const struct synthetic_case synthetic_cases[] = {
    {"too few samples", 12, 7, 2, 2, 16, 16, 229, "1.28"},
    {"some phases NULL", 12, 7, 0, 2, 16, 16, 229, "1.28"},
    {"ratio rounds to 0", 20, 1, 3, 3, 16, 16, 229, "0.32"},
    {"no rule matches", 20, 7, 1, 1, 32, 1, 229, "2.22"},
    {"smallint product", 6, 35, 2, 2, 155, 155, 230, "2.92"},
};

/* Synthetic sessions: row i at 10:00:00 + i minutes, energy i/10 kWh, ideal 250 km. */
static void energy_used_synthetic(void **state)
{
    struct fixture *fixture = *state;

    for (size_t c = 0; c < sizeof(synthetic_cases) / sizeof(synthetic_cases[0]); c++) {
        const struct synthetic_case *energy_case = &synthetic_cases[c];
        int64_t car_id = create_plain_car(fixture, 200 + (int64_t)c, energy_case->name);
        int64_t process_id = start_process(fixture, car_id);
        struct charging_summary summary;
        char actual[TEXT_SIZE];

        for (int i = 0; i < energy_case->count; i++) {
            int64_t phases = i % 2 == 0 ? energy_case->phases_even : energy_case->phases_odd;
            struct charge_record charge = {
                .date_us = known_int(at("2023-05-01 10:00:00") + i * 60 * INT64_C(1000000)),
                .charge_energy_added_kwh = known_double(i / 10.0),
                .charger_power_kw = known_int(energy_case->power_kw),
                .ideal_battery_range_km = known_double(250.0),
                .charger_phases = phases > 0 ? known_int(phases) : unknown_int,
                .charger_actual_current_a = known_int(i == energy_case->count - 1
                                                          ? energy_case->last_current_a
                                                          : energy_case->current_a),
                .charger_voltage_v = known_int(energy_case->voltage_v),
            };
            insert_charge_ok(fixture, process_id, &charge);
        }
        assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id,
                                                            at(NOW), &summary),
                         RECORDER_OK);
        query_text(fixture->conn, actual,
                   "SELECT charge_energy_used FROM charging_processes WHERE id = %" PRId64,
                   process_id);
        if (strcmp(actual, energy_case->expected_used) != 0)
            fail_msg("%s: expected %s kWh, stored %s", energy_case->name,
                     energy_case->expected_used, actual);
        assert_false(summary.phases_known);
    }
    assert_query(fixture, "1.10|11",
                 "SELECT charge_energy_added || '|' || duration_min FROM charging_processes"
                 " ORDER BY id LIMIT 1");
}

/* 25 kW for 16.56 s is 0.11499999999999999 kWh as a double. PostgreSQL's
 * float-to-numeric cast keeps 15 digits (0.115), so TeslaMate stores 0.12,
 * where the shortest text of the double would store 0.11. */
static void energy_used_keeps_fifteen_digits(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_plain_car(fixture, 300, "fifteen");
    int64_t process_id = start_process(fixture, car_id);
    struct charging_summary summary;
    const char *const dates[] = {"2023-05-01 10:00:00", "2023-05-01 10:00:16.56"};

    for (int i = 0; i < 2; i++) {
        struct charge_record charge = {
            .date_us = known_int(at(dates[i])),
            .charge_energy_added_kwh = known_double(0),
            .charger_power_kw = known_int(25),
            .ideal_battery_range_km = known_double(250.0),
        };
        insert_charge_ok(fixture, process_id, &charge);
    }
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        &summary),
                     RECORDER_OK);
    assert_query(fixture, "0.12", "SELECT charge_energy_used FROM charging_processes");
    assert_true(summary.charge_energy_used_kwh.value == 0.115);
}

/* The appendix tables load with TeslaMate's usable row counts (A.2's
 * 9-field row is skipped). */
static void fixtures_load_usable_rows(void **state)
{
    (void)state;
    static const int expected_counts[] = {0, 200, 139, 159, 109, 151, 92, 71};
    struct charge_fixture *rows = calloc(1, sizeof(*rows));

    assert_non_null(rows);
    for (int number = 1; number <= 7; number++) {
        assert_true(charge_fixture_load(number, "<invalid>", rows));
        assert_int_equal(rows->count, expected_counts[number]);
    }
    assert_true(charge_fixture_load(1, "Tesla", rows));
    assert_string_equal(rows->rows[0].record.fast_charger_type, "<invalid>");
    assert_string_equal(rows->rows[4].record.fast_charger_type, "Tesla");
    assert_false(rows->rows[0].record.charger_phases.known);
    free(rows);
}

/* (start range, end range, energy added, start level, end level, duration) */
struct efficiency_tuple {
    double start_range_km;
    double end_range_km;
    double energy_added_kwh;
    int start_level;
    int end_level;
    int duration_min;
};

static const struct efficiency_tuple settling_at_3_decimals[] = {
    {293.9, 293.9, 0.0, 59, 59, 0}, {293.2, 303.4, 1.65, 59, 61, 33},
    {302.5, 302.5, 0.0, 61, 61, 0}, {302.5, 302.5, 0.0, 61, 61, 0},
    {302.1, 309.5, 1.14, 61, 62, 23}, {71.9, 350.5, 42.21, 14, 70, 27},
    {181.0, 484.0, 46.13, 36, 97, 46}, {312.3, 324.9, 1.75, 63, 65, 6},
    {325.6, 482.7, 23.71, 65, 97, 34}, {80.5, 412.4, 50.63, 16, 83, 70},
    {259.7, 426.2, 25.56, 52, 85, 36}, {105.5, 361.4, 38.96, 21, 72, 22},
    {143.1, 282.5, 21.11, 29, 57, 15}, {111.6, 406.9, 44.93, 22, 82, 36},
    {115.0, 453.2, 51.49, 23, 91, 38}, {112.5, 112.5, 0.0, 23, 23, 1},
    {109.7, 139.7, 4.57, 22, 28, 26}, {63.9, 142.3, 11.82, 13, 29, 221},
    {107.9, 450.1, 52.1, 22, 90, 40},
};

static const struct efficiency_tuple settling_at_4_decimals[] = {
    {330.8, 379.0, 7.34, 66, 76, 47}, {98.6, 372.8, 41.96, 20, 75, 60},
    {374.8, 448.6, 11.33, 75, 90, 20}, {148.5, 329.9, 28.13, 30, 66, 277},
    {163.6, 287.4, 18.94, 33, 58, 109}, {148.0, 334.4, 28.37, 30, 67, 166},
    {195.7, 429.1, 35.53, 39, 86, 25}, {217.9, 436.5, 33.28, 44, 87, 46},
    {99.2, 251.1, 23.12, 20, 50, 133}, {223.5, 354.4, 20.04, 45, 71, 28},
    {239.3, 239.6, 0.05, 48, 48, 0}, {76.4, 372.3, 44.95, 15, 75, 26},
    {81.1, 385.3, 46.31, 16, 77, 27}, {97.6, 288.1, 29.1, 20, 58, 16},
    {72.5, 454.2, 57.99, 15, 91, 42}, {289.4, 294.6, 0.52, 58, 59, 19},
    {294.6, 294.6, 0.0, 59, 59, 0}, {285.8, 294.6, 1.34, 57, 59, 24},
    {312.3, 324.9, 1.75, 63, 65, 6}, {325.6, 482.7, 23.71, 65, 97, 34},
    {80.5, 412.4, 50.63, 16, 83, 70}, {259.7, 426.2, 25.56, 52, 85, 36},
    {105.5, 361.4, 38.96, 21, 72, 22}, {143.1, 282.5, 21.11, 29, 57, 15},
    {111.6, 406.9, 44.93, 22, 82, 36}, {115.0, 453.2, 51.49, 23, 91, 38},
    {364.2, 369.0, 0.73, 73, 74, 5}, {332.2, 353.5, 3.25, 67, 71, 5},
};

static const struct efficiency_tuple one_candidate[] = {{283.1, 353.9, 10.57, 57, 71, 60}};
static const struct efficiency_tuple two_candidates_agreeing[] = {{283.1, 353.9, 10.57, 57, 71, 60},
                                                 {259.7, 426.2, 25.56, 52, 85, 36}};
static const struct efficiency_tuple short_or_empty_sessions[] = {{262.8, 263.5, 0.0, 53, 53, 0},
                                                    {176.8, 177.5, 0.0, 35, 36, 3},
                                                    {294.6, 294.6, 0.0, 59, 59, 0}};
static const struct efficiency_tuple sessions_without_energy[] = {{262.8, 263.5, 0.0, 53, 53, 20},
                                                    {176.8, 177.5, 0.0, 35, 36, 20},
                                                    {294.6, 294.6, 0.0, 59, 59, 45}};

/* TeslaMate's helper: finished processes from the tuples (their range in
 * the ideal or rated columns), then one real process with the first and
 * last sample of a 4-minute session (4 minutes, so never a candidate) completed through the
 * recorder. Returns cars.efficiency as PostgreSQL prints it. */
static void efficiency_after(struct fixture *fixture, int64_t eid, const char *vin,
                             const struct efficiency_tuple *tuples, size_t count, bool ideal,
                             char out[TEXT_SIZE])
{
    int64_t car_id = create_plain_car(fixture, eid, vin);
    struct position_record position = position_at(NOW, 0.0, 0.0);
    struct charging_summary summary;
    int64_t position_id = 0;
    const char *range = ideal ? "ideal" : "rated";
    char sql[1024];

    assert_int_equal(recorder_insert_position(&fixture->tenant_a, car_id, 0, &position,
                                              &position_id),
                     RECORDER_OK);
    for (size_t i = 0; i < count; i++) {
        const struct efficiency_tuple *tuple = &tuples[i];

        snprintf(sql, sizeof(sql),
                 "INSERT INTO charging_processes (start_date, end_date, car_id, position_id,"
                 " tenant_id, start_%s_range_km, end_%s_range_km, charge_energy_added,"
                 " start_battery_level, end_battery_level, duration_min) VALUES (now(), now(),"
                 " %" PRId64 ", %" PRId64 ", '" TENANT_A "', %.1f, %.1f, %.2f, %d, %d, %d)",
                 range, range, car_id, position_id, tuple->start_range_km, tuple->end_range_km,
                 tuple->energy_added_kwh, tuple->start_level, tuple->end_level,
                 tuple->duration_min);
        exec_ok(fixture->conn, sql);
    }

    int64_t process_id = start_process(fixture, car_id);
    const char *const dates[] = {"2019-04-05 16:01:27", "2019-04-05 16:05:40"};
    const double added[] = {0.41, 0.72};
    for (int i = 0; i < 2; i++) {
        struct charge_record charge = {
            .date_us = known_int(at(dates[i])),
            .charge_energy_added_kwh = known_double(added[i]),
            .charger_power_kw = known_int(4),
            .ideal_battery_range_km = known_double(266.6),
            .rated_battery_range_km = known_double(206.6),
            .battery_level = known_int(50),
        };
        insert_charge_ok(fixture, process_id, &charge);
    }
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        &summary),
                     RECORDER_OK);
    query_text(fixture->conn, out, "SELECT efficiency FROM cars WHERE id = %" PRId64, car_id);
}

#define TUPLE_COUNT(tuples) (sizeof(tuples) / sizeof((tuples)[0]))

/* The same tuples give 0.152 with either preferred range. */
static void efficiency_ideal_and_rated(void **state)
{
    struct fixture *fixture = *state;
    char efficiency[TEXT_SIZE];

    exec_ok(fixture->conn, "UPDATE settings SET preferred_range = 'ideal'");
    efficiency_after(fixture, 1, "IDEAL", settling_at_3_decimals, TUPLE_COUNT(settling_at_3_decimals), true, efficiency);
    assert_string_equal(efficiency, "0.152");

    exec_ok(fixture->conn, "UPDATE settings SET preferred_range = 'rated'");
    efficiency_after(fixture, 2, "RATED", settling_at_3_decimals, TUPLE_COUNT(settling_at_3_decimals), false, efficiency);
    assert_string_equal(efficiency, "0.152");
}

/* Settles at 4 decimals with a group of 8. */
static void efficiency_four_decimals(void **state)
{
    struct fixture *fixture = *state;
    char efficiency[TEXT_SIZE];

    efficiency_after(fixture, 3, "FOUR_DECIMALS", settling_at_4_decimals, TUPLE_COUNT(settling_at_4_decimals), false, efficiency);
    assert_string_equal(efficiency, "0.1522");
}

/* One candidate is not enough; two that agree at 2 decimals are. */
static void efficiency_needs_two_candidates(void **state)
{
    struct fixture *fixture = *state;
    char efficiency[TEXT_SIZE];

    efficiency_after(fixture, 4, "ONE_SESSION", one_candidate, TUPLE_COUNT(one_candidate), false, efficiency);
    assert_string_equal(efficiency, "NULL");
    efficiency_after(fixture, 886, "888", two_candidates_agreeing, TUPLE_COUNT(two_candidates_agreeing), false, efficiency);
    assert_string_equal(efficiency, "0.15");
}

/* Short or empty sessions never qualify. */
static void efficiency_no_candidates(void **state)
{
    struct fixture *fixture = *state;
    char efficiency[TEXT_SIZE];

    efficiency_after(fixture, 5, "SHORT_SESSIONS", short_or_empty_sessions, TUPLE_COUNT(short_or_empty_sessions), false, efficiency);
    assert_string_equal(efficiency, "NULL");
    efficiency_after(fixture, 6, "NO_ENERGY", sessions_without_energy, TUPLE_COUNT(sessions_without_energy), false, efficiency);
    assert_string_equal(efficiency, "NULL");
}

/* An efficiency already known is kept when no precision succeeds. */
static void efficiency_never_reset(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");

    assert_int_equal(recorder_update_car_efficiency(&fixture->tenant_a, car_id), RECORDER_OK);
    assert_query(fixture, "0.153", "SELECT efficiency FROM cars");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_load_usable_rows),
        cmocka_unit_test_setup_teardown(energy_used_from_fixtures, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(energy_used_synthetic, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(energy_used_keeps_fifteen_digits, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(efficiency_ideal_and_rated, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(efficiency_four_decimals, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(efficiency_needs_two_candidates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(efficiency_no_candidates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(efficiency_never_reset, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
