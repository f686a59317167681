/*
 * Recorder against PostgreSQL: drives (TeslaMate's drive cases):
 * the aggregates written at close, the keep-or-delete rule, geofences at
 * both ends, ascent and descent, and finding an open drive after a
 * restart.
 */
#include "recorder_test_support.h"

struct five_position_row {
    const char *date;
    double latitude;
    double longitude;
    int64_t speed_kmh;
    int64_t power_kw;
    double odometer_km;
    double ideal_km;
    double rated_km;
    int64_t battery_level;
    double outside_temp_c;
    double inside_temp_c;
};

/* A five-position drive, in insertion order. */
static const struct five_position_row five_position_rows[] = {
    {"2019-04-06 10:19:02", 50.112198, 11.597669, 23, 15, 284.85156, 338.8, 308.8, 68, 19.2, 21.0},
    {"2019-04-06 10:20:08", 50.112214, 11.598471, 42, -4, 285.90556, 337.8, 307.8, 68, 19.0, 21.1},
    {"2019-04-06 10:21:14", 50.112167, 11.599395, 34, -7, 286.969561, 336.8, 306.8, 68, 21.0, 21.2},
    {"2019-04-06 10:22:20", 50.112118, 11.599919, 21, 1, 287.00556, 335.8, 305.8, 68, 18, 20.9},
    {"2019-04-06 10:23:25", 50.11196, 11.600445, 39, 36, 288.045561, 334.8, 304.8, 68, 18.0, 21.0},
};

static int64_t start_drive(struct recorder *recorder, int64_t car_id)
{
    int64_t drive_id = 0;

    assert_int_equal(recorder_start_drive(recorder, car_id, at("2019-04-06 10:18:00"), &drive_id),
                     RECORDER_OK);
    assert_true(drive_id > 0);
    return drive_id;
}

static int64_t insert_in_drive(struct recorder *recorder, int64_t car_id, int64_t drive_id,
                               const struct position_record *position)
{
    int64_t position_id = 0;

    assert_int_equal(recorder_insert_position(recorder, car_id, drive_id, position, &position_id),
                     RECORDER_OK);
    return position_id;
}

static void insert_five_positions(struct recorder *recorder, int64_t car_id, int64_t drive_id,
                                int64_t ids[5])
{
    for (size_t i = 0; i < sizeof(five_position_rows) / sizeof(five_position_rows[0]); i++) {
        const struct five_position_row *row = &five_position_rows[i];
        struct position_record position = position_at(row->date, row->latitude, row->longitude);

        position.speed_kmh = known_int(row->speed_kmh);
        position.power_kw = known_int(row->power_kw);
        position.odometer_km = known_double(row->odometer_km);
        position.ideal_battery_range_km = known_double(row->ideal_km);
        position.rated_battery_range_km = known_double(row->rated_km);
        position.battery_level = known_int(row->battery_level);
        position.outside_temp_c = known_double(row->outside_temp_c);
        position.inside_temp_c = known_double(row->inside_temp_c);
        ids[i] = insert_in_drive(recorder, car_id, drive_id, &position);
    }
}

/* A position with an odometer and, when ideal_km > 0, an ideal range. */
static struct position_record odometer_position(const char *date, double odometer_km,
                                                double ideal_km)
{
    struct position_record position = position_at(date, 0.0, 0.0);

    position.odometer_km = known_double(odometer_km);
    if (ideal_km > 0)
        position.ideal_battery_range_km = known_double(ideal_km);
    return position;
}

static void close_drive_aggregates(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct drive_summary summary;
    int64_t ids[5];

    insert_five_positions(&fixture->tenant_a, car_id, drive_id, ids);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);

    assert_true(summary.kept);
    assert_int_equal(summary.drive_id, drive_id);
    assert_int_equal(summary.car_id, car_id);
    assert_true(summary.distance_km.known);
    assert_true(summary.distance_km.value == 3.1940010000000143);
    assert_int_equal(summary.duration_min, 4);
    assert_int_equal(summary.start_date_us, at("2019-04-06 10:19:02"));
    assert_int_equal(summary.end_date_us, at("2019-04-06 10:23:25"));
    assert_int_equal(summary.start_position_id, ids[0]);
    assert_int_equal(summary.end_position_id, ids[4]);
    assert_true(summary.start_latitude == 50.112198);
    assert_true(summary.end_longitude == 11.600445);
    assert_int_equal(summary.start_geofence_id, 0);
    assert_int_equal(summary.end_geofence_id, 0);

    assert_query(fixture,
                 "2019-04-06 10:19:02|2019-04-06 10:23:25|19.0|21.0|42|36|-7|284.85156|288.045561"
                 "|3.1940010000000143|338.80|334.80|308.80|304.80|4|0|0",
                 "SELECT concat_ws('|', start_date, end_date, outside_temp_avg, inside_temp_avg,"
                 " speed_max, power_max, power_min, start_km, end_km, distance,"
                 " start_ideal_range_km, end_ideal_range_km, start_rated_range_km,"
                 " end_rated_range_km, duration_min, ascent, descent)"
                 " FROM drives WHERE id = %" PRId64,
                 drive_id);
    assert_query(fixture, "t",
                 "SELECT start_position_id = %" PRId64 " AND end_position_id = %" PRId64
                 " FROM drives",
                 ids[0], ids[4]);
    assert_query(fixture, "5", "SELECT count(*) FROM positions WHERE drive_id = %" PRId64,
                 drive_id);
}

/* Closing again recomputes the same values from the positions. */
static void close_drive_twice_same(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct drive_summary first;
    struct drive_summary second;
    char before[TEXT_SIZE];
    int64_t ids[5];

    insert_five_positions(&fixture->tenant_a, car_id, drive_id, ids);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &first), RECORDER_OK);
    query_text(fixture->conn, before, "SELECT d::text FROM drives d");
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &second), RECORDER_OK);
    assert_query(fixture, before, "SELECT d::text FROM drives d");
    assert_true(second.kept);
    assert_true(second.distance_km.value == first.distance_km.value);
}

static void close_drive_without_positions_deleted(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct drive_summary summary;

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_false(summary.kept);
    assert_true(summary.distance_km.known);
    assert_true(summary.distance_km.value == 0.0);
    assert_int_equal(summary.duration_min, 0);
    assert_query(fixture, "0", "SELECT count(*) FROM drives");

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary),
                     RECORDER_NOT_FOUND);
}

/* The position survives without its drive. */
static void close_drive_one_position_deleted(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record position = odometer_position("2019-04-06 10:00:00", 100, 0);
    struct drive_summary summary;

    int64_t position_id = insert_in_drive(&fixture->tenant_a, car_id, drive_id, &position);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_false(summary.kept);
    assert_true(summary.distance_km.value == 0.0);
    assert_int_equal(summary.duration_min, 0);
    assert_query(fixture, "0", "SELECT count(*) FROM drives");
    assert_query(fixture, "NULL", "SELECT drive_id FROM positions WHERE id = %" PRId64,
                 position_id);
}

static void close_drive_zero_distance_deleted(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = odometer_position("2019-04-06 10:00:00", 100, 300);
    struct position_record second = odometer_position("2019-04-06 10:05:00", 100, 300);
    struct drive_summary summary;

    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &second);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_false(summary.kept);
    assert_true(summary.distance_km.value == 0.0);
    assert_query(fixture, "0", "SELECT count(*) FROM drives");
    assert_query(fixture, "2", "SELECT count(*) FROM positions WHERE drive_id IS NULL");
}

/* Without any position having both an ideal range and an odometer, the
 * drive is deleted even when long enough. */
static void close_drive_without_range_deleted(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = odometer_position("2019-04-06 10:00:00", 100, 0);
    struct position_record second = odometer_position("2019-04-06 10:05:00", 105, 0);
    struct drive_summary summary;

    second.ideal_battery_range_km = known_double(200.0);
    second.odometer_km.known = false;
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &second);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_false(summary.kept);
    assert_query(fixture, "0", "SELECT count(*) FROM drives");
}

/* An end without odometer gives a NULL distance, which TeslaMate keeps. */
static void close_drive_unknown_distance_kept(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = position_at("2019-04-06 10:00:00", 0.0, 0.0);
    struct position_record middle = odometer_position("2019-04-06 10:01:00", 100, 300);
    struct position_record last = position_at("2019-04-06 10:02:00", 0.0, 0.0);
    struct drive_summary summary;

    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &middle);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &last);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    assert_false(summary.distance_km.known);
    assert_query(fixture, "NULL|NULL|NULL|300.00|2",
                 "SELECT concat_ws('|', coalesce(start_km::text, 'NULL'),"
                 " coalesce(end_km::text, 'NULL'), coalesce(distance::text, 'NULL'),"
                 " start_ideal_range_km, duration_min) FROM drives");
}

static int64_t insert_geofence(struct fixture *fixture, const char *tenant_id, const char *name,
                               double latitude, double longitude, int radius_m)
{
    char sql[512];

    snprintf(sql, sizeof(sql),
             "INSERT INTO geofences (name, latitude, longitude, radius, inserted_at, updated_at,"
             " tenant_id) VALUES ('%s', %.6f, %.6f, %d, now(), now(), '%s') RETURNING id",
             name, latitude, longitude, radius_m, tenant_id);
    return query_int(fixture->conn, sql);
}

/* Both ends are linked to the geofence containing them; another
 * tenant's geofence at the same place is never used. */
static void close_drive_links_geofences(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t start_fence = insert_geofence(fixture, TENANT_A, "start", 50.1121, 11.597, 100);
    int64_t end_fence = insert_geofence(fixture, TENANT_A, "end", 49.11161, 11.222, 200);
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = position_at("2019-04-06 10:19:02", 50.112198, 11.597669);
    struct position_record last = position_at("2019-04-06 10:23:25", 49.11196, 11.222);
    struct drive_summary summary;

    insert_geofence(fixture, TENANT_B, "other tenant", 50.112198, 11.597669, 100);
    first.odometer_km = known_double(284.85156);
    first.ideal_battery_range_km = known_double(338.8);
    first.rated_battery_range_km = known_double(308.8);
    last.odometer_km = known_double(288.045561);
    last.ideal_battery_range_km = known_double(334.8);
    last.rated_battery_range_km = known_double(304.8);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &last);

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    assert_int_equal(summary.start_geofence_id, start_fence);
    assert_int_equal(summary.end_geofence_id, end_fence);
    assert_query(fixture, "t",
                 "SELECT start_geofence_id = %" PRId64 " AND end_geofence_id = %" PRId64
                 " FROM drives",
                 start_fence, end_fence);
}

/* The strict "< radius" test: 48.99 m from the centre is outside a
 * 48 m circle; the nearest centre wins among overlapping circles. */
static void geofence_radius_strict_and_nearest(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = position_at("2019-04-06 10:19:02", 50.112198, 11.597669);
    struct position_record last = position_at("2019-04-06 10:23:25", 50.112198, 11.597669);
    struct drive_summary summary;

    insert_geofence(fixture, TENANT_A, "too small", 50.1121, 11.597, 48);
    int64_t near = insert_geofence(fixture, TENANT_A, "near", 50.112198, 11.5977, 20);
    insert_geofence(fixture, TENANT_A, "huge", 50.1125, 11.598, 4000);
    first.odometer_km = known_double(100.0);
    first.ideal_battery_range_km = known_double(300.0);
    last.odometer_km = known_double(101.0);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &last);

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_int_equal(summary.start_geofence_id, near);
    assert_int_equal(summary.end_geofence_id, near);
}

/* The rises and falls between positions with an elevation, by date. */
static void close_drive_ascent_descent(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record rows[] = {
        odometer_position("2019-04-06 10:19:02", 284.85156, 338.8),
        odometer_position("2019-04-06 10:20:08", 285.90556, 0),
        odometer_position("2019-04-06 10:21:14", 286.969561, 0),
        odometer_position("2019-04-06 10:22:20", 287.00556, 0),
    };
    struct drive_summary summary;

    rows[1].elevation_m = known_int(150);
    rows[2].elevation_m = known_int(120);
    rows[3].elevation_m = known_int(180);
    /* Inserted out of date order: the differences follow the dates. */
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &rows[3]);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &rows[1]);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &rows[0]);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &rows[2]);

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    assert_query(fixture, "60|30|2019-04-06 10:19:02|2019-04-06 10:22:20",
                 "SELECT concat_ws('|', ascent, descent, start_date, end_date) FROM drives");
}

/* A single elevation gives no climb; the drive is kept. */
static void close_drive_single_elevation(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct position_record first = odometer_position("2019-04-06 10:19:02", 284.85156, 0);
    struct position_record second = odometer_position("2019-04-06 10:20:08", 285.90556, 338.8);
    struct drive_summary summary;

    first.elevation_m = known_int(100);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &first);
    insert_in_drive(&fixture->tenant_a, car_id, drive_id, &second);

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    assert_true(summary.distance_km.value == 285.90556 - 284.85156);
    assert_query(fixture, "0|0|1.0539999999999736|338.80|338.80",
                 "SELECT concat_ws('|', ascent, descent, distance, start_ideal_range_km,"
                 " end_ideal_range_km) FROM drives");
}

/* A climb that does not fit a smallint is stored as 0. */
static void close_drive_ascent_overflow_zero(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    const int64_t elevations[] = {0, 20000, 0, 20000};
    const char *const dates[] = {"2019-04-06 10:00:00", "2019-04-06 10:01:00",
                                 "2019-04-06 10:02:00", "2019-04-06 10:03:00"};
    struct drive_summary summary;

    for (int i = 0; i < 4; i++) {
        struct position_record position = odometer_position(dates[i], 100 + i, 300);

        position.elevation_m = known_int(elevations[i]);
        insert_in_drive(&fixture->tenant_a, car_id, drive_id, &position);
    }
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_query(fixture, "0|20000", "SELECT ascent || '|' || descent FROM drives");
}

/* One open drive per car; a restarted worker finds it with its newest
 * position. */
static void open_drive_found_for_resume(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct open_drive open;
    struct drive_summary summary;
    int64_t second_drive = 0;
    bool found = false;
    int64_t ids[5];

    assert_int_equal(recorder_start_drive(&fixture->tenant_a, car_id, at("2019-04-06 10:30:00"),
                                          &second_drive),
                     RECORDER_CONSTRAINT_VIOLATION);
    assert_non_null(strstr(fixture->tenant_a.message, "drives_one_open_per_car_index"));

    assert_int_equal(recorder_find_open_drive(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_true(found);
    assert_int_equal(open.drive_id, drive_id);
    assert_int_equal(open.start_date_us, at("2019-04-06 10:18:00"));
    assert_false(open.has_last_position);
    assert_int_equal(open.position_count, 0);

    insert_five_positions(&fixture->tenant_a, car_id, drive_id, ids);
    assert_int_equal(recorder_find_open_drive(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_true(open.has_last_position);
    assert_int_equal(open.position_count, 5);
    assert_int_equal(open.last_position.id, ids[4]);
    assert_int_equal(open.last_position.drive_id, drive_id);
    assert_true(open.last_position.record.odometer_km.value == 288.045561);

    /* Tenant B can neither find nor close tenant A's drive. */
    assert_int_equal(recorder_find_open_drive(&fixture->tenant_b, car_id, &open, &found),
                     RECORDER_OK);
    assert_false(found);
    assert_int_equal(recorder_close_drive(&fixture->tenant_b, drive_id, &summary),
                     RECORDER_NOT_FOUND);

    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);
    assert_int_equal(recorder_find_open_drive(&fixture->tenant_a, car_id, &open, &found),
                     RECORDER_OK);
    assert_false(found);
}

/* A failed address lookup (id 0) keeps the column; B cannot set A's. */
static void set_drive_addresses(void **state)
{
    struct fixture *fixture = *state;
    int64_t car_id = create_car(&fixture->tenant_a, 42, 42, "xxxxx");
    int64_t drive_id = start_drive(&fixture->tenant_a, car_id);
    struct drive_summary summary;
    int64_t ids[5];

    int64_t address_id = query_int(
        fixture->conn,
        "INSERT INTO addresses (display_name, latitude, longitude, osm_id, osm_type, raw,"
        " inserted_at, updated_at) VALUES ('Bielefeld', 52.019601, 8.526318, 103619766, 'way',"
        " '{}', now(), now()) RETURNING id");
    insert_five_positions(&fixture->tenant_a, car_id, drive_id, ids);
    assert_int_equal(recorder_close_drive(&fixture->tenant_a, drive_id, &summary), RECORDER_OK);

    assert_int_equal(recorder_set_drive_addresses(&fixture->tenant_a, drive_id, address_id, 0),
                     RECORDER_OK);
    assert_query(fixture, "true|NULL",
                 "SELECT (start_address_id = %" PRId64 ")::text || '|'"
                 " || coalesce(end_address_id::text, 'NULL') FROM drives",
                 address_id);
    assert_int_equal(recorder_set_drive_addresses(&fixture->tenant_a, drive_id, 0, address_id),
                     RECORDER_OK);
    assert_query(fixture, "t", "SELECT start_address_id = end_address_id FROM drives");

    assert_int_equal(recorder_set_drive_addresses(&fixture->tenant_b, drive_id, 0, 0),
                     RECORDER_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(close_drive_aggregates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_twice_same, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_without_positions_deleted, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_one_position_deleted, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_zero_distance_deleted, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_without_range_deleted, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_unknown_distance_kept, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_links_geofences, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(geofence_radius_strict_and_nearest, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_ascent_descent, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_single_elevation, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_drive_ascent_overflow_zero, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(open_drive_found_for_resume, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(set_drive_addresses, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
