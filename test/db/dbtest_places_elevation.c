/*
 * The repair service's elevation passes against PostgreSQL, with SRTM
 * tiles generated into a temporary directory (TeslaMate's terrain
 * back-fill cases): drive positions get their tile's sample, positions
 * outside every tile and positions without a drive stay NULL, streamed
 * drives and old drives are left alone, missing tiles are downloaded from
 * fake-nominatim, and ascent and descent follow the new elevations,
 * including the smallint overflow rule.
 */
#include "places_test_support.h"

#include "elevation.h"
#include "http.h"
#include "http_test_support.h"
#include "places.h"
#include "repair_service.h"
#include "srtm_fixture.h"

#include <ftw.h>
#include <sys/stat.h>
#include <time.h>

#define POINTS SRTM_3_ARC_SECOND_POINTS

struct elevation_test {
    struct fixture *fixture;
    struct fake_nominatim fake;
    bool fake_started;
    char tiles[256];
    struct ev_loop *loop;
    struct repair_service *service;
};

static int setup(void **state)
{
    struct elevation_test *test = calloc(1, sizeof(*test));
    void *fixture_state = NULL;

    if (test == NULL || fixture_setup(&fixture_state) != 0)
        return -1;
    test->fixture = fixture_state;
    snprintf(test->tiles, sizeof(test->tiles), "/tmp/tenantmate-tiles.XXXXXX");
    if (mkdtemp(test->tiles) == NULL)
        return -1;
    if (!srtm_fixture_write(test->tiles, 0, 0, POINTS, 0) ||
        !srtm_fixture_write(test->tiles, 1, 1, POINTS, 0))
        return -1;
    test->loop = ev_loop_new(EVFLAG_AUTO);
    *state = test;
    return 0;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
    (void)status;
    (void)type;
    (void)walk;
    return remove(path);
}

static int teardown(void **state)
{
    struct elevation_test *test = *state;
    void *fixture_state = test->fixture;

    repair_service_free(test->service);
    ev_loop_destroy(test->loop);
    if (test->fake_started)
        fake_nominatim_stop(&test->fake);
    nftw(test->tiles, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    fixture_teardown(&fixture_state);
    free(test);
    return 0;
}

static int64_t minutes_ago_us(int64_t minutes)
{
    return ((int64_t)time(NULL) - minutes * 60) * 1000000;
}

static int64_t next_car(struct recorder *recorder)
{
    static int64_t eid = 1200;
    char vin[32];

    eid++;
    snprintf(vin, sizeof(vin), "TERRAIN-%" PRId64, eid);
    return create_car(recorder, eid, eid + 1000, vin);
}

struct point {
    double latitude;
    double longitude;
};

/* A drive started minutes_ago with one position a second at the points,
 * each with an odometer and an ideal range (not streamed), closed. */
static int64_t drive_through(struct recorder *recorder, int64_t car, int64_t minutes_ago,
                             const struct point *points, size_t count)
{
    int64_t drive_id = 0;
    int64_t start_us = minutes_ago_us(minutes_ago);
    struct drive_summary summary;

    assert_int_equal(recorder_start_drive(recorder, car, start_us, &drive_id), RECORDER_OK);
    for (size_t i = 0; i < count; i++) {
        struct position_record position = {
            .date_us = known_int(start_us + (int64_t)i * 1000000),
            .latitude = known_double(points[i].latitude),
            .longitude = known_double(points[i].longitude),
            .odometer_km = known_double(100.0 + (double)i * 0.05),
            .ideal_battery_range_km = known_double(300.0),
        };
        int64_t position_id = 0;
        assert_int_equal(recorder_insert_position(recorder, car, drive_id, &position, &position_id),
                         RECORDER_OK);
    }
    assert_int_equal(recorder_close_drive(recorder, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    return drive_id;
}

static struct point cell(int tile_latitude, int tile_longitude, int row, int column)
{
    struct point point;

    srtm_fixture_point(tile_latitude, tile_longitude, POINTS, row, column, &point.latitude,
                       &point.longitude);
    return point;
}

static void start_service(struct elevation_test *test, const char *download_url)
{
    struct repair_config config;

    repair_config_defaults(&config, "test");
    snprintf(config.srtm.cache_dir, sizeof(config.srtm.cache_dir), "%s", test->tiles);
    snprintf(config.srtm.download_url, sizeof(config.srtm.download_url), "%s", download_url);
    config.srtm.download_timeout_s = 5.0;
    test->service = repair_service_new(test->loop, test->fixture->conn, &config);
    assert_non_null(test->service);
    repair_service_start(test->service);
}

struct pass_watch {
    ev_timer timer;
    struct repair_service *service;
    bool done;
};

static void on_pass_check(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct pass_watch *watch = (struct pass_watch *)timer;

    (void)loop;
    (void)events;
    watch->done = repair_service_stats(watch->service).elevation_passes >= 1;
}

static void run_one_pass(struct elevation_test *test, double limit_s)
{
    struct pass_watch watch = {.service = test->service};

    ev_timer_init(&watch.timer, on_pass_check, 0.01, 0.01);
    ev_timer_start(test->loop, &watch.timer);
    bool done = test_run_until(test->loop, &watch.done, limit_s);
    ev_timer_stop(test->loop, &watch.timer);
    assert_true(done);
}

static void assert_elevations(struct elevation_test *test, int64_t drive_id, const char *expected)
{
    assert_query(test->fixture, expected,
                 "SELECT string_agg(coalesce(elevation::text, 'NULL') || 'x' || n, ',' ORDER BY"
                 " first_id) FROM (SELECT elevation, count(*) AS n, min(id) AS first_id"
                 " FROM positions WHERE drive_id = %" PRId64 " GROUP BY elevation) g",
                 drive_id);
}

static void assert_climb(struct elevation_test *test, int64_t drive_id, const char *expected)
{
    assert_query(test->fixture, expected,
                 "SELECT ascent || '|' || descent FROM drives WHERE id = %" PRId64, drive_id);
}

/* 201 positions at one point, two of them in the next tile. */
static void backfill_fills_drive_positions(void **state)
{
    struct elevation_test *test = *state;
    struct point points[201];
    char expected[TEXT_SIZE];

    for (int i = 0; i < 201; i++)
        points[i] = i == 50 || i == 150 ? cell(1, 1, 600, 600) : cell(0, 0, 600, 600);
    int64_t drive = drive_through(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a),
                                  60, points, 201);
    assert_climb(test, drive, "0|0");

    start_service(test, "");
    run_one_pass(test, 20.0);

    int low = srtm_fixture_elevation_m(0, 0, 600, 600);
    int high = srtm_fixture_elevation_m(1, 1, 600, 600);
    snprintf(expected, sizeof(expected), "%dx199,%dx2", low, high);
    assert_elevations(test, drive, expected);
    snprintf(expected, sizeof(expected), "%d|%d", 2 * (high - low), 2 * (high - low));
    assert_climb(test, drive, expected);
    assert_int_equal(repair_service_stats(test->service).positions_updated, 201);
    assert_int_equal(repair_service_stats(test->service).drives_updated, 1);
}

/* More positions than one batch, and two tenants, in one pass. */
static void backfill_batches_and_tenants(void **state)
{
    struct elevation_test *test = *state;
    struct point *points = calloc(2300, sizeof(*points));
    char expected[TEXT_SIZE];

    assert_non_null(points);
    for (int i = 0; i < 2300; i++)
        points[i] = cell(0, 0, 100, 100);
    int64_t drive_a = drive_through(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a),
                                    120, points, 2300);
    int64_t drive_b = drive_through(&test->fixture->tenant_b, next_car(&test->fixture->tenant_b),
                                    90, points, 10);
    free(points);

    start_service(test, "");
    run_one_pass(test, 30.0);
    snprintf(expected, sizeof(expected), "%dx2300", srtm_fixture_elevation_m(0, 0, 100, 100));
    assert_elevations(test, drive_a, expected);
    snprintf(expected, sizeof(expected), "%dx10", srtm_fixture_elevation_m(0, 0, 100, 100));
    assert_elevations(test, drive_b, expected);
}

/* Outside every tile, on a void sample, or not part of a drive: NULL. */
static void positions_without_elevation_stay_null(void **state)
{
    struct elevation_test *test = *state;
    const struct point points[] = {
        cell(0, 0, 300, 300), {5.5, 5.5}, cell(0, 0, 0, 0), cell(0, 0, 300, 300),
    };
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t drive = drive_through(&test->fixture->tenant_a, car, 30, points, 4);
    struct position_record loose = {
        .date_us = known_int(minutes_ago_us(10)),
        .latitude = known_double(points[0].latitude),
        .longitude = known_double(points[0].longitude),
        .odometer_km = known_double(200.0),
        .ideal_battery_range_km = known_double(250.0),
    };
    int64_t loose_id = 0;
    char expected[TEXT_SIZE];

    assert_int_equal(recorder_insert_position(&test->fixture->tenant_a, car, 0, &loose, &loose_id),
                     RECORDER_OK);
    start_service(test, "");
    run_one_pass(test, 20.0);

    snprintf(expected, sizeof(expected), "%dx2,NULLx2", srtm_fixture_elevation_m(0, 0, 300, 300));
    assert_elevations(test, drive, expected);
    assert_query(test->fixture, "NULL", "SELECT elevation FROM positions WHERE id = %" PRId64,
                 loose_id);
}

/* A drive with a streamed position (odometer, no ideal range) carries the
 * car's own elevations, and a drive older than 10 days is outside the
 * first batch's window: both are left alone. */
static void streamed_and_old_drives_skipped(void **state)
{
    struct elevation_test *test = *state;
    const struct point points[] = {cell(0, 0, 400, 400), cell(0, 0, 401, 401)};
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t old_drive = drive_through(&test->fixture->tenant_a, car, 20 * 24 * 60, points, 2);
    int64_t streamed = drive_through(&test->fixture->tenant_a, car, 50, points, 2);
    char sql[256];

    snprintf(sql, sizeof(sql),
             "UPDATE positions SET ideal_battery_range_km = NULL WHERE id = (SELECT max(id)"
             " FROM positions WHERE drive_id = %" PRId64 ")",
             streamed);
    exec_ok(test->fixture->conn, sql);

    start_service(test, "");
    run_one_pass(test, 20.0);
    assert_elevations(test, old_drive, "NULLx2");
    assert_elevations(test, streamed, "NULLx2");
    assert_int_equal(repair_service_stats(test->service).positions_updated, 0);
}

/* A whole batch of streamed positions is skipped, and the pass goes on to
 * the positions after it. */
static void pass_continues_after_skipped_batch(void **state)
{
    struct elevation_test *test = *state;
    struct point *points = calloc(ELEVATION_BATCH_SIZE + 1, sizeof(*points));
    int64_t car = next_car(&test->fixture->tenant_a);
    char sql[256];
    char expected[TEXT_SIZE];

    assert_non_null(points);
    for (int i = 0; i <= ELEVATION_BATCH_SIZE; i++)
        points[i] = cell(0, 0, 500, 500);
    int64_t streamed = drive_through(&test->fixture->tenant_a, car, 100, points,
                                     ELEVATION_BATCH_SIZE + 1);
    int64_t later = drive_through(&test->fixture->tenant_a, car, 30, points, 5);
    free(points);
    snprintf(sql, sizeof(sql),
             "UPDATE positions SET ideal_battery_range_km = NULL WHERE id = (SELECT max(id)"
             " FROM positions WHERE drive_id = %" PRId64 ")",
             streamed);
    exec_ok(test->fixture->conn, sql);

    start_service(test, "");
    run_one_pass(test, 30.0);
    snprintf(expected, sizeof(expected), "NULLx%d", ELEVATION_BATCH_SIZE + 1);
    assert_elevations(test, streamed, expected);
    snprintf(expected, sizeof(expected), "%dx5", srtm_fixture_elevation_m(0, 0, 500, 500));
    assert_elevations(test, later, expected);
}

/* A missing tile is downloaded and its positions filled in the same pass;
 * a tile the server does not have leaves NULL. */
static void missing_tile_downloaded(void **state)
{
    struct elevation_test *test = *state;
    const struct point points[] = {cell(2, 2, 700, 500), cell(3, 3, 700, 500), cell(2, 2, 701, 500)};
    char url[256];
    char expected[TEXT_SIZE];
    char path[512];

    fake_nominatim_start(&test->fake, "N02E002");
    test->fake_started = true;
    int64_t drive = drive_through(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a), 40,
                                  points, 3);

    snprintf(url, sizeof(url), "%s/srtm/{tile}.hgt", test->fake.url);
    start_service(test, url);
    run_one_pass(test, 20.0);

    snprintf(expected, sizeof(expected), "%dx1,NULLx1,%dx1",
             srtm_fixture_elevation_m(2, 2, 700, 500), srtm_fixture_elevation_m(2, 2, 701, 500));
    assert_elevations(test, drive, expected);
    snprintf(path, sizeof(path), "%s/N02E002.hgt", test->tiles);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof(path), "%s/N03E003.hgt", test->tiles);
    assert_int_equal(access(path, F_OK), -1);
}

/* Ascent and descent after the back-fill, with the rule that a sum of
 * 32768 m or more does not fit a smallint and becomes 0. */
static void climb_recomputed_with_overflow_rule(void **state)
{
    struct elevation_test *test = *state;
    struct point low = cell(0, 0, 12, 1);
    struct point high = cell(0, 0, 1188, 1188);
    struct point zigzag[19];
    const struct point once[] = {low, high, low};
    char expected[TEXT_SIZE];

    for (int i = 0; i < 19; i++)
        zigzag[i] = i % 2 == 0 ? low : high;
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t big = drive_through(&test->fixture->tenant_a, car, 70, zigzag, 19);
    int64_t small = drive_through(&test->fixture->tenant_a, car, 65, once, 3);

    start_service(test, "");
    run_one_pass(test, 20.0);

    int step = srtm_fixture_elevation_m(0, 0, 1188, 1188) - srtm_fixture_elevation_m(0, 0, 12, 1);
    assert_true(9 * step >= 32768);
    assert_climb(test, big, "0|0");
    snprintf(expected, sizeof(expected), "%d|%d", step, step);
    assert_climb(test, small, expected);
}

/* A worker's elevation for a new position: from the tiles on disk, at
 * once, and unknown where no tile exists (a worker never downloads). */
static void worker_elevation_from_disk(void **state)
{
    struct elevation_test *test = *state;
    struct http_client *http = http_client_new(test->loop);
    struct places_config config;

    geocoder_config_defaults(&config.geocoder, "test");
    srtm_config_defaults(&config.srtm);
    snprintf(config.srtm.cache_dir, sizeof(config.srtm.cache_dir), "%s", test->tiles);
    snprintf(config.srtm.download_url, sizeof(config.srtm.download_url),
             "http://127.0.0.1:9/{tile}.hgt");
    struct places *places = places_new(http, test->fixture->conn, TENANT_A, &config);
    assert_non_null(places);

    struct point inside = cell(1, 1, 250, 900);
    struct opt_int64 elevation = places_elevation(places, inside.latitude, inside.longitude);
    assert_true(elevation.known);
    assert_int_equal(elevation.value, srtm_fixture_elevation_m(1, 1, 250, 900));
    assert_false(places_elevation(places, 5.5, 5.5).known);
    assert_false(places_elevation(places, 0.9999, 0.0001).known);
    assert_int_equal(places_counters(places).elevations_found, 1);
    assert_int_equal(places_counters(places).elevations_missing, 2);

    places_free(places);
    http_client_free(http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backfill_fills_drive_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(backfill_batches_and_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(positions_without_elevation_stay_null, setup, teardown),
        cmocka_unit_test_setup_teardown(streamed_and_old_drives_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(pass_continues_after_skipped_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_tile_downloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(climb_recomputed_with_overflow_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(worker_elevation_from_disk, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
