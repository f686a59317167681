/*
 * Charging costs against PostgreSQL (TeslaMate's cost and geofence cases):
 * the cost written at completion for per_kwh and per_minute geofences,
 * session fees, negative prices, free supercharging, the choice made for
 * a per_minute geofence without a price, and the bulk "calculate charge
 * costs" of a geofence.
 */
#include "places_test_support.h"

#include "charge_fixtures.h"
#include "charging_cost.h"

#define NOW "2026-01-01 12:00:00"

/* Where TeslaMate's cost cases charge: 48.99 m from the fence centre. */
#define CHARGER_LATITUDE 50.112198
#define CHARGER_LONGITUDE 11.597669

enum fixture_number {
    PHASES_NIL = 1,
    PHASE_CORRECTION_2_TO_1 = 3,
    NEGATIVE_ENERGY_ADDED = 6,
};

static int64_t next_car(struct recorder *recorder)
{
    static int64_t eid = 500;
    char vin[32];

    eid++;
    snprintf(vin, sizeof(vin), "COST-%" PRId64, eid);
    return create_car(recorder, eid, eid + 1000, vin);
}

static int64_t fence_at_charger(struct fixture *fixture, const char *columns, const char *values)
{
    return create_geofence_with(fixture->conn, TENANT_A, "charger", 50.1121, 11.597, 50, columns,
                                values);
}

/* The two charges of TeslaMate's aggregate case at 16:01:27 and 16:05:40. */
static void insert_two_charges(struct recorder *recorder, int64_t process_id)
{
    const struct {
        const char *date;
        int64_t level;
        double added_kwh;
        double ideal_km;
        double rated_km;
        double outside_c;
    } rows[] = {
        {"2019-04-05 16:01:27", 50, 0.41, 266.6, 206.6, 16},
        {"2019-04-05 16:05:40", 54, 0.72, 268.6, 208.6, 14.5},
    };

    for (size_t i = 0; i < 2; i++) {
        struct charge_record charge = {
            .date_us = known_int(at(rows[i].date)),
            .charge_energy_added_kwh = known_double(rows[i].added_kwh),
            .charger_power_kw = known_int(4),
            .ideal_battery_range_km = known_double(rows[i].ideal_km),
            .rated_battery_range_km = known_double(rows[i].rated_km),
            .charger_phases = known_int(3),
            .charger_actual_current_a = known_int(5),
            .charger_pilot_current_a = known_int(16),
            .charger_voltage_v = known_int(234),
            .battery_level = known_int(rows[i].level),
            .outside_temp_c = known_double(rows[i].outside_c),
        };
        int64_t charge_id = 0;
        assert_int_equal(recorder_insert_charge(recorder, process_id, &charge, &charge_id),
                         RECORDER_OK);
    }
}

static void insert_fixture(struct recorder *recorder, int64_t process_id, int number,
                           const char *charger_type)
{
    struct charge_fixture *rows = calloc(1, sizeof(*rows));

    assert_non_null(rows);
    assert_true(charge_fixture_load(number, charger_type, rows));
    for (int i = 0; i < rows->count; i++) {
        int64_t charge_id = 0;
        assert_int_equal(recorder_insert_charge(recorder, process_id, &rows->rows[i].record,
                                                &charge_id),
                         RECORDER_OK);
    }
    free(rows);
}

/* Completes the process and writes its cost in one tenant transaction
 * after the recorder's own, as the worker does. */
static void complete_with_cost(struct fixture *fixture, int64_t process_id)
{
    struct charging_summary summary;
    struct opt_double cost;

    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_a, process_id, at(NOW),
                                                        &summary),
                     RECORDER_OK);
    assert_true(db_begin_tenant(fixture->conn, TENANT_A));
    assert_true(charging_cost_update(fixture->conn, process_id, summary.charge_energy_used_kwh,
                                     summary.fast_charger_type, &cost));
    assert_true(db_commit(fixture->conn));
}

/* Charges a fresh car at the charger with a fixture and completes. */
static int64_t charge_with_fixture(struct fixture *fixture, int number, const char *charger_type)
{
    int64_t car = next_car(&fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, CHARGER_LATITUDE, CHARGER_LONGITUDE);

    insert_fixture(&fixture->tenant_a, process, number, charger_type);
    complete_with_cost(fixture, process);
    return process;
}

static void assert_process_values(struct fixture *fixture, int64_t process_id,
                                  const char *expected)
{
    assert_query(fixture, expected,
                 "SELECT concat_ws('|', coalesce(charge_energy_added::text, 'NULL'),"
                 " coalesce(charge_energy_used::text, 'NULL'), duration_min,"
                 " coalesce(cost::text, 'NULL'))"
                 " FROM charging_processes WHERE id = %" PRId64,
                 process_id);
}

static void geofence_linked_without_prices(void **state)
{
    struct fixture *fixture = *state;
    int64_t fence = fence_at_charger(fixture, "", "");
    int64_t car = next_car(&fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, CHARGER_LATITUDE, CHARGER_LONGITUDE);
    char expected[TEXT_SIZE];

    insert_two_charges(&fixture->tenant_a, process);
    complete_with_cost(fixture, process);
    snprintf(expected, sizeof(expected), "%" PRId64, fence);
    assert_query(fixture, expected,
                 "SELECT geofence_id FROM charging_processes WHERE id = %" PRId64, process);
    assert_process_values(fixture, process, "0.31|0.28|4|NULL");
}

static void cost_per_kwh(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit", ", 0.25");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|3.19");
}

static void cost_per_minute(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", billing_type, cost_per_unit", ", 'per_minute', 0.33");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|6.27");
}

static void cost_session_fee_only(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", session_fee", ", 7.00");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|7.00");
}

static void cost_per_kwh_with_session_fee(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit, session_fee", ", 0.25, 4.79");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|7.98");
}

static void cost_zero_prices_without_energy_added(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit, session_fee", ", 0.0, 0.0");
    assert_process_values(fixture, charge_with_fixture(fixture, NEGATIVE_ENERGY_ADDED, "<invalid>"),
                          "NULL|12.58|48|0.00");
}

static void cost_negative_price(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit, session_fee", ", -0.15, 0.0");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|-1.92");
}

static void cost_free_supercharging(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit", ", 0.33");
    int64_t car = next_car(&fixture->tenant_a);
    exec_ok(fixture->conn, "UPDATE car_settings SET free_supercharging = true");
    int64_t process = make_process(&fixture->tenant_a, car, CHARGER_LATITUDE, CHARGER_LONGITUDE);
    insert_fixture(&fixture->tenant_a, process, PHASES_NIL, "Tesla");
    complete_with_cost(fixture, process);

    assert_process_values(fixture, process, "12.77|12.46|19|0.00");
}

/* A Tesla charger without free supercharging pays the geofence's price. */
static void cost_supercharger_without_free_supercharging(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit", ", 0.33");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "Tesla"),
                          "12.77|12.46|19|4.21");
}

/* The energy used beats the energy added here, and its unrounded value
 * counts: 14.7644011111111 kWh x 1000 = 14764.40, not 14760.00. */
static void cost_uses_unrounded_energy_used(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit", ", 1000");
    assert_process_values(fixture,
                          charge_with_fixture(fixture, PHASE_CORRECTION_2_TO_1, "<invalid>"),
                          "12.64|14.76|640|14764.40");
}

/* TeslaMate crashes on a per_minute geofence without cost_per_unit. Here
 * the session fee alone is the cost, and without a fee there is none. */
static void cost_per_minute_without_price(void **state)
{
    struct fixture *fixture = *state;

    int64_t fence = fence_at_charger(fixture, ", billing_type, session_fee", ", 'per_minute', 2.50");
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|2.50");

    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE geofences SET session_fee = NULL WHERE id = %" PRId64,
             fence);
    tenant_sql_ok(fixture->conn, TENANT_A, sql, NULL);
    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|NULL");
}

static void cost_without_geofence(void **state)
{
    struct fixture *fixture = *state;

    assert_process_values(fixture, charge_with_fixture(fixture, PHASES_NIL, "<invalid>"),
                          "12.77|12.46|19|NULL");
}

/* Every completion recomputes the cost, as TeslaMate does. */
static void cost_recomputed_on_completion(void **state)
{
    struct fixture *fixture = *state;

    fence_at_charger(fixture, ", cost_per_unit", ", 0.25");
    int64_t process = charge_with_fixture(fixture, PHASES_NIL, "<invalid>");
    exec_ok(fixture->conn, "UPDATE charging_processes SET cost = 99");
    complete_with_cost(fixture, process);
    assert_process_values(fixture, process, "12.77|12.46|19|3.19");
}

static void cost_unknown_process(void **state)
{
    struct fixture *fixture = *state;
    struct opt_double cost;

    assert_true(db_begin_tenant(fixture->conn, TENANT_A));
    assert_false(charging_cost_update(fixture->conn, 999999, (struct opt_double){0}, NULL, &cost));
    db_rollback(fixture->conn);
    assert_false(cost.known);
}

/* A process charged before its geofence existed: the new geofence links
 * it, and "calculate charge costs" fills the missing cost. */
static void calculate_costs_of_new_geofence(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = next_car(&fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 52.514521, 13.350144);
    char value[TEXT_SIZE];
    char sql[256];

    insert_two_charges(&fixture->tenant_a, process);
    complete_with_cost(fixture, process);
    assert_process_values(fixture, process, "0.31|0.28|4|NULL");

    int64_t fence = create_geofence_with(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144,
                                         250, ", cost_per_unit", ", 99999.9999");
    snprintf(sql, sizeof(sql),
             "SELECT geofence_count_charging_processes_without_costs(%" PRId64 ")", fence);
    tenant_sql_ok(fixture->conn, TENANT_A, sql, value);
    assert_string_equal(value, "1");

    /* Another tenant's session does not see the geofence. */
    snprintf(sql, sizeof(sql), "SELECT geofence_calculate_charge_costs(%" PRId64 ")", fence);
    tenant_sql_ok(fixture->conn, TENANT_B, sql, value);
    assert_string_equal(value, "0");

    tenant_sql_ok(fixture->conn, TENANT_A, sql, value);
    assert_string_equal(value, "1");
    assert_process_values(fixture, process, "0.31|0.28|4|31000.00");

    tenant_sql_ok(fixture->conn, TENANT_A, sql, value);
    assert_string_equal(value, "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(geofence_linked_without_prices, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_per_kwh, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_per_minute, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_session_fee_only, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_per_kwh_with_session_fee, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_zero_prices_without_energy_added, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_negative_price, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_free_supercharging, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_supercharger_without_free_supercharging,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_uses_unrounded_energy_used, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_per_minute_without_price, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_without_geofence, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_recomputed_on_completion, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cost_unknown_process, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(calculate_costs_of_new_geofence, fixture_setup,
                                        fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
