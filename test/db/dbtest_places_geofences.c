/*
 * Geofences against PostgreSQL (TeslaMate's geofence cases): the values
 * stored and rejected, matching by the strict distance and the nearest
 * centre, and re-linking drives and charging processes of the geofence's
 * tenant only when geofences are created, moved, resized or deleted.
 */
#include "places_test_support.h"

#include "geofence.h"

/* The points of TeslaMate's overlapping-geofence cases. */
#define CHARGER_0 52.512955, 13.329694
#define CHARGER_1 52.520344, 13.345496
#define POS 52.513619, 13.335633
#define TIERGARTEN 52.514549, 13.350019
#define STRASSE 52.513361, 13.332489

static void expected_id(int64_t id, char out[TEXT_SIZE])
{
    if (id == 0)
        snprintf(out, TEXT_SIZE, "NULL");
    else
        snprintf(out, TEXT_SIZE, "%" PRId64, id);
}

static void assert_drive_fences(struct fixture *fixture, int64_t drive_id, int64_t start_id,
                                int64_t end_id)
{
    char start[TEXT_SIZE];
    char end[TEXT_SIZE];

    expected_id(start_id, start);
    expected_id(end_id, end);
    assert_query(fixture, start, "SELECT start_geofence_id FROM drives WHERE id = %" PRId64,
                 drive_id);
    assert_query(fixture, end, "SELECT end_geofence_id FROM drives WHERE id = %" PRId64,
                 drive_id);
}

static void assert_process_fence(struct fixture *fixture, int64_t process_id, int64_t fence_id)
{
    char expected[TEXT_SIZE];

    expected_id(fence_id, expected);
    assert_query(fixture, expected,
                 "SELECT geofence_id FROM charging_processes WHERE id = %" PRId64, process_id);
}

/* A new car of the recorder's tenant: each car may have one open charging
 * process, so the cases with two processes use two cars. */
static int64_t car_of(struct fixture *fixture, struct recorder *recorder)
{
    static int64_t next_eid = 11;
    char vin[32];

    (void)fixture;
    next_eid++;
    snprintf(vin, sizeof(vin), "32532-%" PRId64, next_eid);
    return create_car(recorder, next_eid, next_eid + 100, vin);
}

static void update_geofence(struct fixture *fixture, int64_t id, const char *assignments)
{
    char sql[1024];

    snprintf(sql, sizeof(sql), "UPDATE geofences SET %s WHERE id = %" PRId64, assignments, id);
    tenant_sql_ok(fixture->conn, TENANT_A, sql, NULL);
}

static void delete_geofence(struct fixture *fixture, int64_t id)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "DELETE FROM geofences WHERE id = %" PRId64, id);
    tenant_sql_ok(fixture->conn, TENANT_A, sql, NULL);
}

/* ---- values ---------------------------------------------------------- */

static void geofence_created_with_defaults(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 42);

    assert_query(fixture, "foo|52.514521|13.350144|42|per_kwh|NULL|NULL",
                 "SELECT concat_ws('|', name, latitude, longitude, radius, billing_type,"
                 " coalesce(cost_per_unit::text, 'NULL'), coalesce(session_fee::text, 'NULL'))"
                 " FROM geofences WHERE id = %" PRId64,
                 id);
    assert_query(fixture, "1", "SELECT count(*) FROM geofences WHERE tenant_id = '" TENANT_A "'");
}

static void geofence_stores_largest_prices(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence_with(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 42,
                                      ", cost_per_unit, session_fee", ", 99999.9999, 999999.99");

    assert_query(fixture, "99999.9999|999999.99",
                 "SELECT concat_ws('|', cost_per_unit, session_fee) FROM geofences"
                 " WHERE id = %" PRId64,
                 id);
}

static void geofence_name_trimmed(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence(fixture->conn, TENANT_A, "  foo  \n", 52.514521, 13.350144, 42);

    assert_query(fixture, "foo", "SELECT name FROM geofences WHERE id = %" PRId64, id);
}

struct invalid_insert {
    const char *values;     /* name, latitude, longitude, radius, billing_type, session_fee */
    const char *sqlstate;
    const char *message;
};

static void geofence_invalid_values_rejected(void **state)
{
    struct fixture *fixture = *state;
    const struct invalid_insert cases[] = {
        {"NULL, 52.5, 13.3, 42, 'per_kwh', NULL", "23502",
         "null value in column \"name\" of relation \"geofences\" violates not-null constraint"},
        {"'foo', NULL, 13.3, 42, 'per_kwh', NULL", "23502",
         "null value in column \"latitude\" of relation \"geofences\" violates not-null "
         "constraint"},
        {"'foo', 52.5, NULL, 42, 'per_kwh', NULL", "23502",
         "null value in column \"longitude\" of relation \"geofences\" violates not-null "
         "constraint"},
        {"'foo', 52.5, 13.3, NULL, 'per_kwh', NULL", "23502",
         "null value in column \"radius\" of relation \"geofences\" violates not-null "
         "constraint"},
        {"'foo', 52.5, 13.3, 42, 'per_hour', NULL", "22P02",
         "invalid input value for enum billing_type: \"per_hour\""},
        {"'foo', 52.5, 13.3, 42, 'per_kwh', -0.01", "23514",
         "invalid geofence session_fee -0.01: it must be greater than or equal to 0"},
        {"'foo', 52.5, 13.3, 0, 'per_kwh', NULL", "23514",
         "invalid geofence radius 0 m: it must be greater than 0 and less than 5000"},
        {"'foo', 52.5, 13.3, -5, 'per_kwh', NULL", "23514",
         "invalid geofence radius -5 m: it must be greater than 0 and less than 5000"},
        {"'foo', 52.5, 13.3, 5000, 'per_kwh', NULL", "23514",
         "invalid geofence radius 5000 m: it must be greater than 0 and less than 5000"},
        {"' \t\n', 52.5, 13.3, 42, 'per_kwh', NULL", "23514",
         "invalid geofence name: it is empty or only whitespace"},
        {"'foo', 'wat', 13.3, 42, 'per_kwh', NULL", "22P02",
         "invalid input syntax for type numeric: \"wat\""},
        {"'foo', 52.5, 'wat', 42, 'per_kwh', NULL", "22P02",
         "invalid input syntax for type numeric: \"wat\""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sql_outcome outcome = tenant_sql(
            fixture->conn, TENANT_A,
            "INSERT INTO geofences (name, latitude, longitude, radius, billing_type, session_fee,"
            " tenant_id, inserted_at, updated_at) VALUES (%s, '" TENANT_A "', now(), now())",
            cases[i].values);
        if (outcome.ok)
            fail_msg("case %zu (%s) was accepted", i, cases[i].values);
        assert_string_equal(outcome.sqlstate, cases[i].sqlstate);
        assert_string_equal(outcome.message, cases[i].message);
    }
    assert_query(fixture, "0", "SELECT count(*) FROM geofences");
}

static void geofence_updated(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 42);

    update_geofence(fixture, id,
                    "name = 'bar', latitude = 53.514521, longitude = 14.350144, radius = 43,"
                    " billing_type = 'per_minute', cost_per_unit = 0.0079, session_fee = 5.0");
    assert_query(fixture, "bar|53.514521|14.350144|43|per_minute|0.0079|5.00",
                 "SELECT concat_ws('|', name, latitude, longitude, radius, billing_type,"
                 " cost_per_unit, session_fee) FROM geofences WHERE id = %" PRId64,
                 id);

    update_geofence(fixture, id, "cost_per_unit = NULL, session_fee = NULL");
    assert_query(fixture, "t",
                 "SELECT cost_per_unit IS NULL AND session_fee IS NULL FROM geofences"
                 " WHERE id = %" PRId64,
                 id);
}

static void geofence_invalid_update_leaves_row(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 42);

    struct sql_outcome outcome = tenant_sql(
        fixture->conn, TENANT_A,
        "UPDATE geofences SET radius = 0, session_fee = -0.01 WHERE id = %" PRId64, id);
    assert_false(outcome.ok);
    assert_string_equal(outcome.sqlstate, "23514");

    outcome = tenant_sql(fixture->conn, TENANT_A,
                         "UPDATE geofences SET billing_type = 'per_hour' WHERE id = %" PRId64, id);
    assert_false(outcome.ok);
    assert_string_equal(outcome.sqlstate, "22P02");
    assert_query(fixture, "foo|42|per_kwh",
                 "SELECT concat_ws('|', name, radius, billing_type) FROM geofences"
                 " WHERE id = %" PRId64,
                 id);
}

/* The CHECK constraints hold even for a writer that disables the
 * validating trigger (as a replication or restore tool may). */
static void geofence_constraints_without_trigger(void **state)
{
    struct fixture *fixture = *state;
    const char *const statements[] = {
        "INSERT INTO geofences (name, latitude, longitude, radius, tenant_id, inserted_at,"
        " updated_at) VALUES ('foo', 1, 1, 0, '" TENANT_A "', now(), now())",
        "INSERT INTO geofences (name, latitude, longitude, radius, session_fee, tenant_id,"
        " inserted_at, updated_at) VALUES ('foo', 1, 1, 10, -1, '" TENANT_A "', now(), now())",
        "INSERT INTO geofences (name, latitude, longitude, radius, tenant_id, inserted_at,"
        " updated_at) VALUES ('', 1, 1, 10, '" TENANT_A "', now(), now())",
    };
    const char *const constraints[] = {"geofences_radius_check", "geofences_session_fee_check",
                                       "geofences_name_check"};

    exec_ok(fixture->conn, "ALTER TABLE geofences DISABLE TRIGGER geofences_check");
    for (size_t i = 0; i < 3; i++) {
        PGresult *result = PQexec(fixture->conn, statements[i]);
        assert_int_equal(PQresultStatus(result), PGRES_FATAL_ERROR);
        assert_string_equal(PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME), constraints[i]);
        PQclear(result);
    }
    exec_ok(fixture->conn, "ALTER TABLE geofences ENABLE TRIGGER geofences_check");
}

/* ---- matching ---------------------------------------------------------- */

static void find_geofence_by_distance(void **state)
{
    struct fixture *fixture = *state;
    int64_t id = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 250);
    char expected[TEXT_SIZE];
    const double inside[][2] = {{52.514521, 13.350144}, {52.51599, 13.35199}, {52.51500, 13.35100}};

    expected_id(id, expected);
    for (size_t i = 0; i < 3; i++)
        assert_query(fixture, expected, "SELECT geofence_at('" TENANT_A "', %.6f, %.6f)",
                     inside[i][0], inside[i][1]);
    assert_query(fixture, "NULL", "SELECT geofence_at('" TENANT_A "', 52.5, 13.3)");
    /* The other tenant has no geofence there. */
    assert_query(fixture, "NULL", "SELECT geofence_at('" TENANT_B "', 52.514521, 13.350144)");
}

/* SQL and the C maths agree on TeslaMate's overlapping Manhattan fences. */
static void find_nearest_of_overlapping(void **state)
{
    struct fixture *fixture = *state;
    const struct geofence_circle fences[] = {
        {0, 40.725633, -73.994207, 1658}, /* huge */
        {0, 40.734413, -73.983865, 544},  /* top */
        {0, 40.724982, -73.999057, 359},  /* middle */
        {0, 40.713728, -74.001288, 614},  /* bottom */
    };
    const char *const names[] = {"huge", "top", "middle", "bottom"};
    int64_t ids[4];
    struct {
        double latitude;
        double longitude;
        int expected;       /* index into fences, -1 for none */
    } points[] = {
        {40.725307, -73.995838, 0}, {40.717534, -73.978589, 0}, {40.737047, -73.980817, 1},
        {40.731324, -73.988155, 1}, {40.723551, -74.000687, 2}, {40.722608, -73.997211, 2},
        {40.709532, -74.00502, 3},  {40.715289, -74.007682, 3}, {40.714737, -74.009142, -1},
        {40.715062, -73.976703, -1},
    };
    struct geofence_circle with_ids[4];

    for (int i = 0; i < 4; i++) {
        ids[i] = create_geofence(fixture->conn, TENANT_A, names[i], fences[i].latitude,
                                 fences[i].longitude, (int)fences[i].radius_m);
        with_ids[i] = fences[i];
        with_ids[i].id = ids[i];
    }
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        char expected[TEXT_SIZE];
        expected_id(points[i].expected < 0 ? 0 : ids[points[i].expected], expected);
        assert_query(fixture, expected, "SELECT geofence_at('" TENANT_A "', %.6f, %.6f)",
                     points[i].latitude, points[i].longitude);
        assert_int_equal(geofence_find_nearest(with_ids, 4, points[i].latitude,
                                               points[i].longitude),
                         points[i].expected);
    }
}

static void drive_close_links_both_ends(void **state)
{
    struct fixture *fixture = *state;
    int64_t start = create_geofence(fixture->conn, TENANT_A, "start", 50.1121, 11.597, 100);
    int64_t end = create_geofence(fixture->conn, TENANT_A, "end", 49.11161, 11.222, 200);
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t drive = make_drive(&fixture->tenant_a, car, 50.112198, 11.597669, 49.11196, 11.222);

    assert_drive_fences(fixture, drive, start, end);
}

static void charge_start_links_geofence(void **state)
{
    struct fixture *fixture = *state;
    int64_t fence = create_geofence(fixture->conn, TENANT_A, "home", 50.1121, 11.597, 50);
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 50.112198, 11.597669);

    assert_process_fence(fixture, process, fence);
}

/* ---- re-linking ---------------------------------------------------------- */

static void create_links_existing_rows(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 52.51500, 13.35100);
    int64_t drive = make_drive(&fixture->tenant_a, car, 52.51500, 13.35100, 51.22, 13.95);

    assert_process_fence(fixture, process, 0);
    assert_drive_fences(fixture, drive, 0, 0);

    int64_t foo = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 250);
    assert_drive_fences(fixture, drive, foo, 0);
    assert_process_fence(fixture, process, foo);

    int64_t bar = create_geofence(fixture->conn, TENANT_A, "bar", 51.2201, 13.9501, 50);
    assert_drive_fences(fixture, drive, foo, bar);
    assert_process_fence(fixture, process, foo);
}

static void update_unlinks_and_relinks(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 52.51500, 13.35100);
    int64_t drive = make_drive(&fixture->tenant_a, car, 52.51500, 13.35100, 51.22, 13.95);
    int64_t foo = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 250);

    assert_drive_fences(fixture, drive, foo, 0);
    update_geofence(fixture, foo, "radius = 10");
    assert_drive_fences(fixture, drive, 0, 0);
    assert_process_fence(fixture, process, 0);

    update_geofence(fixture, foo, "latitude = 52.51500, longitude = 13.35100");
    assert_drive_fences(fixture, drive, foo, 0);
    assert_process_fence(fixture, process, foo);

    /* Changing only the name or the prices re-links nothing and keeps links. */
    update_geofence(fixture, foo, "name = 'renamed', cost_per_unit = 0.3");
    assert_drive_fences(fixture, drive, foo, 0);
}

static void delete_clears_links(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 52.51500, 13.35100);
    int64_t foo = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 250);

    assert_process_fence(fixture, process, foo);
    delete_geofence(fixture, foo);
    assert_query(fixture, "0", "SELECT count(*) FROM geofences WHERE id = %" PRId64, foo);
    assert_process_fence(fixture, process, 0);
}

static void delete_falls_back_to_overlapping(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t c0 = make_process(&fixture->tenant_a, car, CHARGER_1);
    int64_t tiergarten = create_geofence(fixture->conn, TENANT_A, "tiergarten", TIERGARTEN, 1658);

    assert_process_fence(fixture, c0, tiergarten);
    int64_t c1 = make_process(&fixture->tenant_a, car_of(fixture, &fixture->tenant_a), CHARGER_0);
    assert_process_fence(fixture, c1, tiergarten);
    int64_t drive = make_drive(&fixture->tenant_a, car, POS, POS);
    assert_drive_fences(fixture, drive, tiergarten, tiergarten);

    int64_t strasse = create_geofence(fixture->conn, TENANT_A, "strasse", STRASSE, 250);
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, strasse);
    assert_drive_fences(fixture, drive, strasse, strasse);

    delete_geofence(fixture, strasse);
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, tiergarten);
    assert_drive_fences(fixture, drive, tiergarten, tiergarten);
}

static void update_overlapping(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t c0 = make_process(&fixture->tenant_a, car, CHARGER_1);
    int64_t c1 = make_process(&fixture->tenant_a, car_of(fixture, &fixture->tenant_a), CHARGER_0);
    int64_t drive = make_drive(&fixture->tenant_a, car, POS, POS);

    int64_t tiergarten = create_geofence(fixture->conn, TENANT_A, "tiergarten", TIERGARTEN, 721);
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, 0);
    assert_drive_fences(fixture, drive, 0, 0);

    int64_t strasse = create_geofence(fixture->conn, TENANT_A, "strasse", STRASSE, 250);
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, strasse);
    assert_drive_fences(fixture, drive, strasse, strasse);

    update_geofence(fixture, tiergarten, "radius = 1658");
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, strasse);
    assert_drive_fences(fixture, drive, strasse, strasse);

    update_geofence(fixture, strasse, "radius = 20");
    assert_process_fence(fixture, c0, tiergarten);
    assert_process_fence(fixture, c1, tiergarten);
    assert_drive_fences(fixture, drive, tiergarten, tiergarten);

    update_geofence(fixture, tiergarten, "radius = 20");
    assert_process_fence(fixture, c0, 0);
    assert_process_fence(fixture, c1, 0);
    assert_drive_fences(fixture, drive, 0, 0);
}

static void create_overlapping(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, CHARGER_0);

    create_geofence(fixture->conn, TENANT_A, "tiergarten", TIERGARTEN, 1658);
    int64_t strasse = create_geofence(fixture->conn, TENANT_A, "strasse", STRASSE, 250);
    assert_process_fence(fixture, process, strasse);

    int64_t drive = make_drive(&fixture->tenant_a, car, POS, POS);
    assert_drive_fences(fixture, drive, strasse, strasse);
}

/* TeslaMate's re-linking measures from (geofence latitude, position
 * longitude). A position 300 m north of the centre of "near" (250 m), on
 * its meridian, is outside it; when "wide" shrinks away from the position,
 * TeslaMate would link it to "near" (an east-west distance of 0 m). */
static void relink_measures_from_position(void **state)
{
    struct fixture *fixture = *state;
    int64_t car = car_of(fixture, &fixture->tenant_a);
    int64_t process = make_process(&fixture->tenant_a, car, 52.517215, 13.350144);
    int64_t wide = create_geofence(fixture->conn, TENANT_A, "wide", 52.514521, 13.350144, 400);

    assert_process_fence(fixture, process, wide);
    create_geofence(fixture->conn, TENANT_A, "near", 52.514521, 13.350144, 250);
    assert_process_fence(fixture, process, wide);

    update_geofence(fixture, wide, "radius = 280");
    assert_process_fence(fixture, process, 0);
}

/* ---- tenants ---------------------------------------------------------- */

static void relink_stays_within_tenant(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_a = car_of(fixture, &fixture->tenant_a);
    int64_t car_b = create_car(&fixture->tenant_b, 12, 112, "B-VIN");
    int64_t process_a = make_process(&fixture->tenant_a, car_a, 52.51500, 13.35100);
    int64_t process_b = make_process(&fixture->tenant_b, car_b, 52.51500, 13.35100);
    int64_t drive_b = make_drive(&fixture->tenant_b, car_b, 52.51500, 13.35100, 51.22, 13.95);

    int64_t foo = create_geofence(fixture->conn, TENANT_A, "foo", 52.514521, 13.350144, 250);
    assert_process_fence(fixture, process_a, foo);
    assert_process_fence(fixture, process_b, 0);
    assert_drive_fences(fixture, drive_b, 0, 0);

    /* Written by the table owner, outside row-level security, too. */
    char owner_fence[TEXT_SIZE];
    query_text(fixture->conn, owner_fence,
               "INSERT INTO geofences (name, latitude, longitude, radius, tenant_id, inserted_at,"
               " updated_at) VALUES ('owner', 52.51500, 13.35100, 30, '" TENANT_A "', now(),"
               " now()) RETURNING id");
    assert_process_fence(fixture, process_a, strtoll(owner_fence, NULL, 10));
    assert_process_fence(fixture, process_b, 0);
    assert_drive_fences(fixture, drive_b, 0, 0);

    /* Tenant B's own fence links only B's rows. */
    int64_t fence_b = create_geofence(fixture->conn, TENANT_B, "b", 52.514521, 13.350144, 250);
    assert_process_fence(fixture, process_b, fence_b);
    assert_drive_fences(fixture, drive_b, fence_b, 0);
    assert_process_fence(fixture, process_a, strtoll(owner_fence, NULL, 10));

    /* Deleting a tenant deletes its fences (and rows) without touching the other. */
    exec_ok(fixture->conn, "DELETE FROM tenants WHERE id = '" TENANT_A "'");
    assert_process_fence(fixture, process_b, fence_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(geofence_created_with_defaults, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_stores_largest_prices, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_name_trimmed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_invalid_values_rejected, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_updated, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_invalid_update_leaves_row, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_constraints_without_trigger, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(find_geofence_by_distance, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(find_nearest_of_overlapping, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(drive_close_links_both_ends, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(charge_start_links_geofence, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(create_links_existing_rows, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(update_unlinks_and_relinks, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(delete_clears_links, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(delete_falls_back_to_overlapping, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(update_overlapping, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(create_overlapping, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(relink_measures_from_position, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(relink_stays_within_tenant, fixture_setup,
                                        fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
