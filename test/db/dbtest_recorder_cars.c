/*
 * Recorder against PostgreSQL: cars and car settings (TeslaMate's car
 * cases, the vehicle list's lookup order, and skipped unchanged updates).
 */
#include "recorder_test_support.h"

static struct car_record first_car(void)
{
    struct car_record car = {
        .eid = known_int(42),
        .vid = known_int(42),
        .vin = "12345F",
        .name = "foo",
        .model = "S",
        .efficiency = known_double(0.153),
        .trim_badging = "P100D",
        .exterior_color = "White",
        .spoiler_type = "None",
        .wheel_type = "AeroTurbine19",
        .display_priority = known_int(1),
    };
    return car;
}

static void assert_first_car_stored(struct fixture *fixture, int64_t car_id)
{
    assert_query(fixture, "0.153", "SELECT efficiency FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "42", "SELECT eid FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "42", "SELECT vid FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "S", "SELECT model FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "foo", "SELECT name FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "P100D", "SELECT trim_badging FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "12345F", "SELECT vin FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "White", "SELECT exterior_color FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "None", "SELECT spoiler_type FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "AeroTurbine19", "SELECT wheel_type FROM cars WHERE id = %" PRId64,
                 car_id);
    assert_query(fixture, "1", "SELECT display_priority FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "NULL", "SELECT marketing_name FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, TENANT_A, "SELECT tenant_id FROM cars WHERE id = %" PRId64, car_id);
}

/* The created car is listed once, with its own settings row. */
static void create_car_lists_with_settings(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_id = 0;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_string_equal(fixture->tenant_a.message, "");

    assert_query(fixture, "1", "SELECT count(*) FROM cars");
    assert_first_car_stored(fixture, car_id);
    assert_query(fixture, TENANT_A,
                 "SELECT s.tenant_id FROM cars c JOIN car_settings s ON s.id = c.settings_id"
                 " WHERE c.id = %" PRId64,
                 car_id);
    assert_query(fixture, "t",
                 "SELECT inserted_at = updated_at AND inserted_at = date_trunc('second', inserted_at)"
                 " FROM cars WHERE id = %" PRId64,
                 car_id);
}

static void schema_vin_not_nullable(void **state)
{
    struct fixture *fixture = *state;

    assert_query(fixture, "NO",
                 "SELECT is_nullable FROM information_schema.columns"
                 " WHERE table_name = 'cars' AND column_name = 'vin'");
}

/* The lookup finds nothing, so the car is created. */
static void create_or_update_inserts(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_id = 0;
    bool created = false;

    assert_int_equal(recorder_create_or_update_car(&fixture->tenant_a, &car, unknown_int, &car_id,
                                                   &created),
                     RECORDER_OK);
    assert_true(created);
    assert_first_car_stored(fixture, car_id);
}

/* eid and vid are required, but a NULL model and efficiency are fine. */
static void create_without_identity_rejected(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = {.vin = "12345F"};
    int64_t car_id = 7;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_INVALID_INPUT);
    assert_int_equal(car_id, 0);
    assert_string_equal(fixture->tenant_a.message, "create car: missing eid, vid");
    assert_query(fixture, "0", "SELECT count(*) FROM cars");
    assert_query(fixture, "0", "SELECT count(*) FROM car_settings");

    car.vin = "  ";
    car.eid = known_int(1);
    car.vid = known_int(2);
    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_INVALID_INPUT);
    assert_string_equal(fixture->tenant_a.message, "create car: missing vin");

    car.vin = "12345F";
    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_query(fixture, "NULL", "SELECT model FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "NULL", "SELECT efficiency FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "1", "SELECT display_priority FROM cars WHERE id = %" PRId64, car_id);
}

static struct car_record updated_car(void)
{
    struct car_record car = {
        .eid = known_int(43),
        .vid = known_int(43),
        .vin = "6789R",
        .name = "bar",
        .model = "S",
        .efficiency = known_double(0.190),
        .trim_badging = "100D",
        .exterior_color = "MetallicBlack",
        .spoiler_type = "Passive",
        .wheel_type = "AeroTurbine20",
        .display_priority = known_int(2),
    };
    return car;
}

static void update_car_stores_all(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    struct car_record update = updated_car();
    int64_t car_id = 0;
    bool changed = false;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &update, CAR_COLUMNS_ALL,
                                         &changed),
                     RECORDER_OK);
    assert_true(changed);

    assert_query(fixture, "0.19", "SELECT efficiency FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "43", "SELECT eid FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "43", "SELECT vid FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "bar", "SELECT name FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "100D", "SELECT trim_badging FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "6789R", "SELECT vin FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "MetallicBlack", "SELECT exterior_color FROM cars WHERE id = %" PRId64,
                 car_id);
    assert_query(fixture, "Passive", "SELECT spoiler_type FROM cars WHERE id = %" PRId64, car_id);
    assert_query(fixture, "AeroTurbine20", "SELECT wheel_type FROM cars WHERE id = %" PRId64,
                 car_id);
    assert_query(fixture, "2", "SELECT display_priority FROM cars WHERE id = %" PRId64, car_id);
}

/* Writing NULL into eid, vid or vin is rejected, and the row stays. */
static void update_invalid_leaves_row(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    struct car_record invalid = {.name = "baz"};
    int64_t car_id = 0;
    bool changed = true;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &invalid, CAR_COLUMNS_ALL,
                                         &changed),
                     RECORDER_INVALID_INPUT);
    assert_false(changed);
    assert_string_equal(fixture->tenant_a.message, "update car: missing eid, vid, vin");
    assert_first_car_stored(fixture, car_id);

    /* display_priority is NOT NULL in the schema: PostgreSQL rejects it. */
    invalid = first_car();
    invalid.display_priority = unknown_int;
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &invalid,
                                         CAR_COLUMN_BIT(CAR_COLUMN_DISPLAY_PRIORITY), &changed),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "display_priority"));
    assert_first_car_stored(fixture, car_id);
}

/* Ecto skips an update that changes nothing, so updated_at stays. */
static void unchanged_update_keeps_updated_at(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_id = 0;
    bool changed = true;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    exec_ok(fixture->conn, "UPDATE cars SET updated_at = '2020-01-01 00:00:00'");

    car.efficiency = known_double(0.1530);
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &car, CAR_COLUMNS_ALL,
                                         &changed),
                     RECORDER_OK);
    assert_false(changed);
    assert_query(fixture, "2020-01-01 00:00:00", "SELECT updated_at FROM cars");

    car.name = "renamed";
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &car, CAR_COLUMNS_DETAILS,
                                         &changed),
                     RECORDER_OK);
    assert_true(changed);
    assert_query(fixture, "renamed", "SELECT name FROM cars");
    assert_query(fixture, "t", "SELECT updated_at > '2020-01-01 00:00:00' FROM cars");
}

/* Identification writes only its columns: a NULL marketing name is
 * stored, the efficiency is left alone. */
static void update_details_only_touches_mask(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    struct car_record details = {.name = "Blue", .model = "3", .trim_badging = "74D",
                                 .marketing_name = "LR AWD", .wheel_type = "Pinwheel18"};
    int64_t car_id = 0;
    bool changed = false;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_int_equal(recorder_update_car(&fixture->tenant_a, car_id, &details,
                                         CAR_COLUMNS_DETAILS, &changed),
                     RECORDER_OK);
    assert_true(changed);
    assert_query(fixture, "Blue|3|74D|LR AWD|NULL|Pinwheel18|NULL|0.153|42",
                 "SELECT concat_ws('|', name, model, trim_badging, marketing_name,"
                 " coalesce(exterior_color, 'NULL'), wheel_type, coalesce(spoiler_type, 'NULL'),"
                 " efficiency, eid) FROM cars");
}

/* The vehicle list finds the car by vin, then vid, then eid, and
 * refreshes eid, vid, vin and name. */
static void create_or_update_finds_existing(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_id = 0;
    int64_t found_id = 0;
    bool created = true;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);

    struct car_record by_vin = first_car();
    by_vin.eid = known_int(1001);
    by_vin.name = "renamed";
    assert_int_equal(recorder_create_or_update_car(&fixture->tenant_a, &by_vin, unknown_int,
                                                   &found_id, &created),
                     RECORDER_OK);
    assert_false(created);
    assert_int_equal(found_id, car_id);
    assert_query(fixture, "1001|renamed", "SELECT eid || '|' || name FROM cars");

    struct car_record by_vid = first_car();
    by_vid.vin = "NEWVIN";
    by_vid.eid = known_int(1002);
    assert_int_equal(recorder_create_or_update_car(&fixture->tenant_a, &by_vid, unknown_int,
                                                   &found_id, &created),
                     RECORDER_OK);
    assert_false(created);
    assert_int_equal(found_id, car_id);
    assert_query(fixture, "NEWVIN|1002", "SELECT vin || '|' || eid FROM cars");

    struct car_record by_eid = first_car();
    by_eid.vin = "OTHERVIN";
    by_eid.vid = known_int(77);
    by_eid.eid = known_int(1002);
    assert_int_equal(recorder_create_or_update_car(&fixture->tenant_a, &by_eid, unknown_int,
                                                   &found_id, &created),
                     RECORDER_OK);
    assert_false(created);
    assert_int_equal(found_id, car_id);
    assert_query(fixture, "OTHERVIN|77", "SELECT vin || '|' || vid FROM cars");
    assert_query(fixture, "1", "SELECT count(*) FROM cars");
}

/* A duplicate vin is a constraint violation; the earlier car and the
 * settings count stay as they were. */
static void duplicate_car_rejected(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_id = 0;
    int64_t second_id = 0;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    car.eid = known_int(99);
    car.vid = known_int(99);
    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &second_id),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "create car: duplicate key value"));
    assert_non_null(strstr(fixture->tenant_a.message, "cars_vin_index"));
    assert_query(fixture, "1", "SELECT count(*) FROM cars");
    assert_query(fixture, "1", "SELECT count(*) FROM car_settings");
    assert_first_car_stored(fixture, car_id);
}

static void settings_defaults_and_suspend_min(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    struct car_settings_record settings;
    int64_t car_id = 0;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_id),
                     RECORDER_OK);
    assert_int_equal(recorder_load_car_settings(&fixture->tenant_a, car_id, &settings),
                     RECORDER_OK);
    assert_int_equal(settings.suspend_min, 21);
    assert_int_equal(settings.suspend_after_idle_min, 15);
    assert_false(settings.req_not_unlocked);
    assert_false(settings.free_supercharging);
    assert_true(settings.use_streaming_api);
    assert_true(settings.enabled);
    assert_false(settings.lfp_battery);

    car = updated_car();
    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, known_int(12), &car_id),
                     RECORDER_OK);
    assert_int_equal(recorder_load_car_settings(&fixture->tenant_a, car_id, &settings),
                     RECORDER_OK);
    assert_int_equal(settings.suspend_min, 12);

    assert_int_equal(recorder_load_car_settings(&fixture->tenant_a, 999, &settings),
                     RECORDER_NOT_FOUND);
    assert_string_equal(fixture->tenant_a.message, "load car settings: no car with id 999");
}

/* Cars are unique per tenant: the same car in two tenants is two rows,
 * and neither tenant's recorder can see or change the other's. */
static void same_car_in_two_tenants(void **state)
{
    struct fixture *fixture = *state;
    struct car_record car = first_car();
    int64_t car_a = 0;
    int64_t car_b = 0;
    bool changed = false;
    bool created = false;

    assert_int_equal(recorder_create_car(&fixture->tenant_a, &car, unknown_int, &car_a),
                     RECORDER_OK);
    assert_int_equal(recorder_create_or_update_car(&fixture->tenant_b, &car, unknown_int, &car_b,
                                                   &created),
                     RECORDER_OK);
    assert_true(created);
    assert_int_not_equal(car_a, car_b);
    assert_query(fixture, TENANT_B, "SELECT tenant_id FROM cars WHERE id = %" PRId64, car_b);

    car.name = "changed by b";
    assert_int_equal(recorder_update_car(&fixture->tenant_b, car_a, &car, CAR_COLUMNS_IDENTITY,
                                         &changed),
                     RECORDER_NOT_FOUND);
    assert_query(fixture, "foo", "SELECT name FROM cars WHERE id = %" PRId64, car_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_car_lists_with_settings, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(schema_vin_not_nullable, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(create_or_update_inserts, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(create_without_identity_rejected, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(update_car_stores_all, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(update_invalid_leaves_row, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(unchanged_update_keeps_updated_at, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(update_details_only_touches_mask, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(create_or_update_finds_existing, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(duplicate_car_rejected, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(settings_defaults_and_suspend_min, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(same_car_in_two_tenants, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
