/*
 * Recorder against PostgreSQL: tenant isolation through row-level
 * security, failures that roll back and leave earlier rows intact, and
 * the connection left without session state after every call.
 */
#include "recorder_test_support.h"

struct recorded_ids {
    int64_t car_id;
    int64_t drive_id;
    int64_t charging_process_id;
    int64_t update_id;
};

/* The same car data, written the same way by either tenant. */
static void record_session(struct recorder *recorder, struct recorded_ids *ids)
{
    struct drive_summary drive;
    struct charging_summary charging;
    struct charging_start start;
    int64_t id = 0;

    ids->car_id = create_car(recorder, 42, 42, "5YJ3E7EB0KF000001");
    assert_int_equal(recorder_start_state(recorder, ids->car_id, STATE_STATUS_ONLINE,
                                          at("2026-03-01 08:00:00"), &id),
                     RECORDER_OK);

    assert_int_equal(recorder_start_drive(recorder, ids->car_id, at("2026-03-01 08:01:00"),
                                          &ids->drive_id),
                     RECORDER_OK);
    for (int i = 0; i < 3; i++) {
        char date[32];
        snprintf(date, sizeof(date), "2026-03-01 08:0%d:00", i + 1);
        struct position_record position = position_at(date, 52.5 + i * 0.01, 13.4);
        position.odometer_km = known_double(1000.0 + i);
        position.ideal_battery_range_km = known_double(300.0 - i);
        assert_int_equal(recorder_insert_position(recorder, ids->car_id, ids->drive_id, &position,
                                                  &id),
                         RECORDER_OK);
    }
    assert_int_equal(recorder_close_drive(recorder, ids->drive_id, &drive), RECORDER_OK);
    assert_true(drive.kept);

    struct position_record position = position_at("2026-03-01 09:00:00", 52.52, 13.4);
    assert_int_equal(recorder_start_charging_process(recorder, ids->car_id,
                                                     at("2026-03-01 09:00:00"), &position, &start),
                     RECORDER_OK);
    ids->charging_process_id = start.charging_process_id;
    for (int i = 0; i < 2; i++) {
        struct charge_record charge = {
            .date_us = known_int(at("2026-03-01 09:00:00") + i * 600 * INT64_C(1000000)),
            .charge_energy_added_kwh = known_double(i * 1.5),
            .charger_power_kw = known_int(11),
            .ideal_battery_range_km = known_double(298.0 + i * 10),
        };
        assert_int_equal(recorder_insert_charge(recorder, ids->charging_process_id, &charge, &id),
                         RECORDER_OK);
    }
    assert_int_equal(recorder_complete_charging_process(recorder, ids->charging_process_id,
                                                        at("2026-03-01 09:10:00"), &charging),
                     RECORDER_OK);

    assert_int_equal(recorder_start_update(recorder, ids->car_id, at("2026-03-01 10:00:00"),
                                           &ids->update_id),
                     RECORDER_OK);
}

static const char *const tenant_tables[] = {
    "car_settings", "cars", "states", "drives", "positions", "charging_processes", "charges",
    "updates",
};

/* Counts the rows of table visible to one tenant's transaction, as the
 * collector role under row-level security. */
static int64_t visible_rows(PGconn *conn, const char *tenant_id, const char *table)
{
    char sql[256];
    int64_t count;

    assert_true(db_begin_tenant(conn, tenant_id));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    count = query_int(conn, sql);
    db_rollback(conn);
    return count;
}

/* Two tenants recording the same car get separate rows, each carrying its
 * tenant, and each reads only its own. */
static void same_data_two_tenants_separate(void **state)
{
    struct fixture *fixture = *state;
    struct recorded_ids a;
    struct recorded_ids b;
    char sql[256];

    record_session(&fixture->tenant_a, &a);
    record_session(&fixture->tenant_b, &b);
    assert_int_not_equal(a.car_id, b.car_id);
    assert_int_not_equal(a.drive_id, b.drive_id);

    for (size_t i = 0; i < sizeof(tenant_tables) / sizeof(tenant_tables[0]); i++) {
        const char *table = tenant_tables[i];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE tenant_id = '" TENANT_A "'",
                 table);
        int64_t rows_a = query_int(fixture->conn, sql);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE tenant_id = '" TENANT_B "'",
                 table);
        int64_t rows_b = query_int(fixture->conn, sql);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
        int64_t rows_all = query_int(fixture->conn, sql);

        if (rows_a == 0 || rows_a != rows_b || rows_all != rows_a + rows_b)
            fail_msg("%s: %" PRId64 " rows of A, %" PRId64 " of B, %" PRId64 " in all", table,
                     rows_a, rows_b, rows_all);
        assert_int_equal(visible_rows(fixture->conn, TENANT_A, table), rows_a);
        assert_int_equal(visible_rows(fixture->conn, TENANT_B, table), rows_b);
    }

    /* Each tenant's drive aggregates are its own. */
    assert_query(fixture, "2|2",
                 "SELECT string_agg(distance::text, '|') FROM drives");
}

/* Tenant B's recorder cannot touch tenant A's rows by id. */
static void other_tenant_ids_not_found(void **state)
{
    struct fixture *fixture = *state;
    struct recorded_ids a;
    struct drive_summary drive;
    struct charging_summary charging;
    bool changed = false;
    struct car_record car = {.name = "taken over"};

    record_session(&fixture->tenant_a, &a);
    exec_ok(fixture->conn, "UPDATE drives SET end_date = NULL");

    assert_int_equal(recorder_close_drive(&fixture->tenant_b, a.drive_id, &drive),
                     RECORDER_NOT_FOUND);
    assert_int_equal(recorder_complete_charging_process(&fixture->tenant_b, a.charging_process_id,
                                                        at("2026-03-02 00:00:00"), &charging),
                     RECORDER_NOT_FOUND);
    assert_int_equal(recorder_finish_update(&fixture->tenant_b, a.update_id, "x",
                                            at("2026-03-02 00:00:00")),
                     RECORDER_NOT_FOUND);
    assert_int_equal(recorder_cancel_update(&fixture->tenant_b, a.update_id), RECORDER_NOT_FOUND);
    assert_int_equal(recorder_update_car(&fixture->tenant_b, a.car_id, &car,
                                         CAR_COLUMN_BIT(CAR_COLUMN_NAME), &changed),
                     RECORDER_NOT_FOUND);

    assert_query(fixture, "1", "SELECT count(*) FROM updates WHERE end_date IS NULL");
    assert_query(fixture, "NULL", "SELECT coalesce(name, 'NULL') FROM cars");
    assert_query(fixture, "NULL", "SELECT coalesce(end_date::text, 'NULL') FROM drives");
}

/* A close that fails in PostgreSQL (a duration beyond a smallint) rolls
 * back: the drive stays open and its positions stay linked. */
static void failed_close_rolls_back(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct drive_summary summary;
    int64_t drive_id = 0;
    int64_t position_id = 0;
    const char *const dates[] = {"2026-01-01 00:00:00", "2026-02-01 00:00:00"};

    assert_int_equal(recorder_start_drive(&fixture->tenant_a, car_id, at(dates[0]), &drive_id),
                     RECORDER_OK);
    for (int i = 0; i < 2; i++) {
        struct position_record position = position_at(dates[i], 1.0, 1.0);
        position.odometer_km = known_double(100.0 + i * 50);
        position.ideal_battery_range_km = known_double(300.0);
        assert_int_equal(recorder_insert_position(&fixture->tenant_a, car_id, drive_id, &position,
                                                  &position_id),
                         RECORDER_OK);
    }

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary),
                     RECORDER_DATABASE_ERROR);
    assert_non_null(strstr(fixture->tenant_a.message, "smallint out of range"));
    assert_query(fixture, "NULL|NULL|2026-01-01 00:00:00",
                 "SELECT concat_ws('|', coalesce(end_date::text, 'NULL'),"
                 " coalesce(distance::text, 'NULL'), start_date) FROM drives");
    assert_query(fixture, "2", "SELECT count(*) FROM positions WHERE drive_id = %" PRId64,
                 drive_id);
}

/* After a call the connection is idle, in its login role, without the
 * tenant setting: nothing a pooler could hand to another client. */
static void no_session_state_after_call(void **state)
{
    struct fixture *fixture = *state;
    int64_t state_id = 0;

    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2026-01-01 00:00:00"), &state_id),
                     RECORDER_OK);
    assert_int_equal(PQtransactionStatus(fixture->conn), PQTRANS_IDLE);
    assert_query(fixture, "postgres|",
                 "SELECT current_user || '|' || coalesce(current_setting('tenantmate.tenant_id',"
                 " true), '')");

    /* The same after a failure. */
    assert_int_equal(recorder_start_state(&fixture->tenant_a, 999, STATE_STATUS_ONLINE,
                                          at("2026-01-01 00:00:00"), &state_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_int_equal(PQtransactionStatus(fixture->conn), PQTRANS_IDLE);
    assert_query(fixture, "postgres|",
                 "SELECT current_user || '|' || coalesce(current_setting('tenantmate.tenant_id',"
                 " true), '')");
}

/* A transaction some caller left open is rolled back, not joined. */
static void open_transaction_rolled_back(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t update_id = 0;

    exec_ok(fixture->conn, "BEGIN");
    exec_ok(fixture->conn, "DELETE FROM cars");
    assert_int_equal(recorder_start_update(&fixture->tenant_a, car_id, at("2026-01-01 00:00:00"),
                                           &update_id),
                     RECORDER_OK);
    assert_query(fixture, "1|1", "SELECT (SELECT count(*) FROM cars) || '|'"
                                 " || (SELECT count(*) FROM updates)");
}

/* A broken connection is reported, never fatal. */
static void lost_connection_reported(void **state)
{
    struct fixture *fixture = *state;
    struct recorder recorder;
    int64_t drive_id = 0;
    char sql[128];

    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    PGconn *conn = PQconnectdb("");
    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    assert_true(recorder_init(&recorder, conn, TENANT_A));

    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", PQbackendPID(conn));
    exec_ok(fixture->conn, sql);
    assert_int_equal(recorder_start_drive(&recorder, car_id, at("2026-01-01 00:00:00"), &drive_id),
                     RECORDER_CONNECTION_FAILED);
    assert_true(recorder.message[0] != '\0');
    assert_int_equal(recorder_start_drive(&recorder, car_id, at("2026-01-01 00:00:00"), &drive_id),
                     RECORDER_CONNECTION_FAILED);
    PQfinish(conn);
    assert_query(fixture, "0", "SELECT count(*) FROM drives");
}

static void init_rejects_bad_tenant(void **state)
{
    (void)state;
    struct recorder recorder;

    log_init("dbtest_recorder", LOG_FORMAT_TEXT, LOG_LEVEL_COUNT);
    assert_false(recorder_init(&recorder, NULL, "not-a-uuid"));
    assert_false(recorder_init(&recorder, NULL, NULL));
    assert_true(recorder_init(&recorder, NULL, "AAAAAAAA-0000-4000-8000-0000000000A1"));
    assert_string_equal(recorder.tenant_id, TENANT_A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_data_two_tenants_separate, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(other_tenant_ids_not_found, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(failed_close_rolls_back, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(no_session_state_after_call, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(open_transaction_rolled_back, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(lost_connection_reported, fixture_setup, fixture_teardown),
        cmocka_unit_test(init_rejects_bad_tenant),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
