/*
 * Recorder against PostgreSQL: states and firmware updates (TeslaMate's
 * cases), plus the lookups a restarted worker uses.
 */
#include "recorder_test_support.h"

static void start_state_creates_row(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t state_id = 0;

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:19:02.123456"), &state_id),
                     RECORDER_OK);
    assert_true(state_id > 0);
    assert_query(fixture, "1", "SELECT count(*) FROM states");
    assert_query(fixture, "online|2019-04-06 10:19:02.123456|NULL",
                 "SELECT state || '|' || start_date || '|' || coalesce(end_date::text, 'NULL')"
                 " FROM states WHERE id = %" PRId64 " AND car_id = %" PRId64,
                 state_id, car_id);
    assert_query(fixture, TENANT_A, "SELECT tenant_id FROM states");
}

/* The same state again returns the open row and writes nothing. */
static void start_state_idempotent(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t first_id = 0;
    int64_t second_id = 0;

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:00:00"), &first_id),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:05:00"), &second_id),
                     RECORDER_OK);
    assert_int_equal(second_id, first_id);
    assert_query(fixture, "1", "SELECT count(*) FROM states");
    assert_query(fixture, "2019-04-06 10:00:00|NULL",
                 "SELECT start_date || '|' || coalesce(end_date::text, 'NULL') FROM states");
}

/* A new state closes the open one at its own start. */
static void start_state_transition(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t online_id = 0;
    int64_t offline_id = 0;

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:00:00"), &online_id),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_OFFLINE,
                                          at("2019-04-06 10:30:00.5"), &offline_id),
                     RECORDER_OK);
    assert_int_not_equal(online_id, offline_id);
    assert_query(fixture, "2", "SELECT count(*) FROM states");
    assert_query(fixture, "online|2019-04-06 10:00:00|2019-04-06 10:30:00.5",
                 "SELECT state || '|' || start_date || '|' || end_date FROM states WHERE id = %" PRId64,
                 online_id);
    assert_query(fixture, "offline|2019-04-06 10:30:00.5|NULL",
                 "SELECT state || '|' || start_date || '|' || coalesce(end_date::text, 'NULL')"
                 " FROM states WHERE id = %" PRId64,
                 offline_id);
}

/* Two cars keep separate open states. */
static void start_state_two_cars(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t car_b = create_car(&fixture->tenant_a, 43, 43, "yyyyy");
    int64_t ids[4];

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_a, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:00:00"), &ids[0]),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_b, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:00:01"), &ids[1]),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_b, STATE_STATUS_ASLEEP,
                                          at("2019-04-06 10:00:02"), &ids[2]),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_a, STATE_STATUS_OFFLINE,
                                          at("2019-04-06 10:00:03"), &ids[3]),
                     RECORDER_OK);

    assert_query(fixture,
                 "A online 10:00:00-10:00:03, B online 10:00:01-10:00:02,"
                 " B asleep 10:00:02-open, A offline 10:00:03-open",
                 "SELECT string_agg(CASE car_id WHEN %" PRId64 " THEN 'A' ELSE 'B' END"
                 " || ' ' || state || ' ' || to_char(start_date, 'HH24:MI:SS') || '-'"
                 " || coalesce(to_char(end_date, 'HH24:MI:SS'), 'open'), ', ' ORDER BY id)"
                 " FROM states",
                 car_a);
}

/* An unknown car is a foreign key violation, an invalid state is
 * rejected before any SQL. */
static void start_state_invalid(void **state)
{
    struct fixture *fixture = *state;
    int64_t state_id = 0;

    assert_int_equal(recorder_start_state(&fixture->tenant_a, 404, STATE_STATUS_COUNT,
                                          at("2019-04-06 10:00:00"), &state_id),
                     RECORDER_INVALID_INPUT);
    assert_non_null(strstr(fixture->tenant_a.message, "invalid state"));

    assert_int_equal(recorder_start_state(&fixture->tenant_a, 404, STATE_STATUS_ASLEEP,
                                          at("2019-04-06 10:00:00"), &state_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "states_car_id_fkey"));
    assert_non_null(strstr(fixture->tenant_a.message, "is not present in table \"cars\""));
    assert_query(fixture, "0", "SELECT count(*) FROM states");
}

/* A date before the open state's start violates positive_duration; the
 * open state stays open and no row is added. */
static void start_state_before_open_rejected(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t state_id = 0;

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ONLINE,
                                          at("2019-04-06 10:00:00"), &state_id),
                     RECORDER_OK);
    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ASLEEP,
                                          at("2019-04-06 09:00:00"), &state_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "positive_duration"));
    assert_query(fixture, "1|online|NULL",
                 "SELECT count(*) || '|' || min(state::text) || '|'"
                 " || coalesce(max(end_date)::text, 'NULL') FROM states");
}

static void current_state_for_resume(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    struct state_record current;
    int64_t state_id = 0;
    bool found = true;

    assert_int_equal(recorder_get_current_state(&fixture->tenant_a, car_id, &current, &found),
                     RECORDER_OK);
    assert_false(found);

    assert_int_equal(recorder_start_state(&fixture->tenant_a, car_id, STATE_STATUS_ASLEEP,
                                          at("2019-04-06 10:00:00"), &state_id),
                     RECORDER_OK);
    assert_int_equal(recorder_get_current_state(&fixture->tenant_a, car_id, &current, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(current.id, state_id);
    assert_int_equal(current.status, STATE_STATUS_ASLEEP);
    assert_int_equal(current.start_date_us, at("2019-04-06 10:00:00"));
    assert_false(current.has_end_date);

    /* No state of tenant A's car is visible to tenant B. */
    assert_int_equal(recorder_get_current_state(&fixture->tenant_b, car_id, &current, &found),
                     RECORDER_OK);
    assert_false(found);
}

static void state_status_names_round_trip(void **state)
{
    (void)state;
    enum state_status status;

    for (int i = 0; i < STATE_STATUS_COUNT; i++) {
        assert_true(state_status_parse(state_status_name((enum state_status)i), &status));
        assert_int_equal(status, i);
    }
    assert_false(state_status_parse("foo", &status));
    assert_string_equal(state_status_name(STATE_STATUS_COUNT), "unknown");
}

static void start_update_creates_row(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t update_id = 0;

    assert_int_equal(recorder_start_update(&fixture->tenant_a, car_id, at("2019-08-05 10:00:00"),
                                           &update_id),
                     RECORDER_OK);
    assert_query(fixture, "2019-08-05 10:00:00|NULL|NULL",
                 "SELECT start_date || '|' || coalesce(end_date::text, 'NULL') || '|'"
                 " || coalesce(version, 'NULL') FROM updates WHERE car_id = %" PRId64
                 " AND id = %" PRId64,
                 car_id, update_id);
}

static void start_update_without_car_rejected(void **state)
{
    struct fixture *fixture = *state;
    int64_t update_id = 5;

    assert_int_equal(recorder_start_update(&fixture->tenant_a, 0, at("2019-08-05 10:00:00"),
                                           &update_id),
                     RECORDER_INVALID_INPUT);
    assert_int_equal(update_id, 0);
    assert_string_equal(fixture->tenant_a.message, "start update: missing car_id");
}

static void cancel_update_deletes(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t update_id = 0;

    assert_int_equal(recorder_start_update(&fixture->tenant_a, car_id, at("2019-08-05 10:00:00"),
                                           &update_id),
                     RECORDER_OK);
    assert_int_equal(recorder_cancel_update(&fixture->tenant_a, update_id), RECORDER_OK);
    assert_query(fixture, "0", "SELECT count(*) FROM updates");
    assert_int_equal(recorder_cancel_update(&fixture->tenant_a, update_id), RECORDER_NOT_FOUND);
}

static void finish_update_sets_version(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t update_id = 0;
    struct update_record update;
    bool found = false;

    assert_int_equal(recorder_start_update(&fixture->tenant_a, car_id, at("2019-08-05 10:00:00"),
                                           &update_id),
                     RECORDER_OK);
    assert_int_equal(recorder_find_open_update(&fixture->tenant_a, car_id, &update, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(update.id, update_id);

    assert_int_equal(recorder_finish_update(&fixture->tenant_a, update_id, "2019.8.5 3aaa23d",
                                            at("2019-08-05 10:25:00")),
                     RECORDER_OK);
    assert_query(fixture, "2019-08-05 10:00:00|2019-08-05 10:25:00|2019.8.5 3aaa23d",
                 "SELECT start_date || '|' || end_date || '|' || version FROM updates");

    assert_int_equal(recorder_find_open_update(&fixture->tenant_a, car_id, &update, &found),
                     RECORDER_OK);
    assert_false(found);
    assert_int_equal(recorder_get_latest_update(&fixture->tenant_a, car_id, &update, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_string_equal(update.version, "2019.8.5 3aaa23d");
    assert_true(update.has_end_date);
    assert_int_equal(update.end_date_us, at("2019-08-05 10:25:00"));

    /* An end before the start violates positive_duration. */
    assert_int_equal(recorder_finish_update(&fixture->tenant_a, update_id, "x",
                                            at("2019-08-05 09:00:00")),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_query(fixture, "2019.8.5 3aaa23d", "SELECT version FROM updates");
}

/* A missed update starts and ends at the same date; the latest update is
 * the newest by start date. */
static void missed_update_and_latest(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t update_id = 0;
    struct update_record update;
    bool found = true;

    assert_int_equal(recorder_get_latest_update(&fixture->tenant_a, car_id, &update, &found),
                     RECORDER_OK);
    assert_false(found);

    assert_int_equal(recorder_insert_missed_update(&fixture->tenant_a, car_id, "2024.2.7",
                                                   at("2024-03-01 08:00:00"), &update_id),
                     RECORDER_OK);
    assert_int_equal(recorder_insert_missed_update(&fixture->tenant_a, car_id, "2023.44.30",
                                                   at("2023-12-01 08:00:00"), &update_id),
                     RECORDER_OK);
    assert_query(fixture, "t", "SELECT bool_and(start_date = end_date) FROM updates");

    assert_int_equal(recorder_get_latest_update(&fixture->tenant_a, car_id, &update, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_string_equal(update.version, "2024.2.7");
    assert_int_equal(update.start_date_us, at("2024-03-01 08:00:00"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(start_state_creates_row, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_state_idempotent, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_state_transition, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_state_two_cars, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_state_invalid, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_state_before_open_rejected, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(current_state_for_resume, fixture_setup, fixture_teardown),
        cmocka_unit_test(state_status_names_round_trip),
        cmocka_unit_test_setup_teardown(start_update_creates_row, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(start_update_without_car_rejected, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(cancel_update_deletes, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(finish_update_sets_version, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(missed_update_and_latest, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
