/*
 * The repair service's address passes against PostgreSQL and
 * fake-nominatim: a drive closed while the geocoder is down gets its
 * addresses once it is back, tenants take turns, requests are paced, only
 * missing sides are looked up, bad responses and stalls cost only their own
 * rows, and the breaker pauses a pass instead of ending it.
 */
#include "places_test_support.h"

#include "http.h"
#include "http_test_support.h"
#include "places.h"
#include "repair_service.h"

#include <cjson/cJSON.h>
#include <math.h>

struct repair_test {
    struct fixture *fixture;
    struct fake_nominatim fake;
    struct ev_loop *loop;
    struct repair_service *service;
};

static int setup(void **state)
{
    struct repair_test *test = calloc(1, sizeof(*test));
    void *fixture_state = NULL;

    if (test == NULL || fixture_setup(&fixture_state) != 0)
        return -1;
    test->fixture = fixture_state;
    fake_nominatim_start(&test->fake, NULL);
    test->loop = ev_loop_new(EVFLAG_AUTO);
    *state = test;
    return 0;
}

static int teardown(void **state)
{
    struct repair_test *test = *state;
    void *fixture_state = test->fixture;

    repair_service_free(test->service);
    ev_loop_destroy(test->loop);
    fake_nominatim_stop(&test->fake);
    fixture_teardown(&fixture_state);
    free(test);
    return 0;
}

static int64_t next_car(struct recorder *recorder)
{
    static int64_t eid = 900;
    char vin[32];

    eid++;
    snprintf(vin, sizeof(vin), "REPAIR-%" PRId64, eid);
    return create_car(recorder, eid, eid + 1000, vin);
}

/* A fresh service on the fake, addresses only, paced by interval_s. */
static void start_service(struct repair_test *test, double interval_s, double timeout_s)
{
    struct repair_config config;

    repair_service_free(test->service);
    repair_config_defaults(&config, "test");
    snprintf(config.geocoder.url, sizeof(config.geocoder.url), "%s", test->fake.url);
    config.geocoder.interval_s = interval_s;
    config.geocoder.timeout_s = timeout_s;
    config.elevation_enabled = false;
    test->service = repair_service_new(test->loop, test->fixture->conn, &config);
    assert_non_null(test->service);
    repair_service_start(test->service);
}

struct pass_watch {
    ev_timer timer;
    struct repair_service *service;
    uint64_t passes;
    bool done;
};

static void on_pass_check(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct pass_watch *watch = (struct pass_watch *)timer;

    (void)loop;
    (void)events;
    watch->done = repair_service_stats(watch->service).address_passes >= watch->passes;
}

/* Runs the loop until the service finished passes address passes. */
static bool run_passes(struct repair_test *test, uint64_t passes, double limit_s)
{
    struct pass_watch watch = {.service = test->service, .passes = passes};

    ev_timer_init(&watch.timer, on_pass_check, 0.01, 0.01);
    ev_timer_start(test->loop, &watch.timer);
    bool done = test_run_until(test->loop, &watch.done, limit_s);
    ev_timer_stop(test->loop, &watch.timer);
    return done;
}

static void assert_drive_addresses(struct repair_test *test, int64_t drive, const char *expected)
{
    assert_query(test->fixture, expected,
                 "SELECT coalesce(s.city, 'NULL') || '|' || coalesce(e.city, 'NULL')"
                 " FROM drives d LEFT JOIN addresses s ON s.id = d.start_address_id"
                 " LEFT JOIN addresses e ON e.id = d.end_address_id WHERE d.id = %" PRId64,
                 drive);
}

/* The latitudes of the fake's /reverse requests, in order. */
static size_t requested_latitudes(struct repair_test *test, double *latitudes, double *times_s,
                                  size_t max)
{
    cJSON *requests = cJSON_Parse(fake_nominatim_requests(&test->fake));
    size_t count = 0;
    const cJSON *request;

    assert_non_null(requests);
    cJSON_ArrayForEach(request, requests) {
        if (count == max)
            break;
        latitudes[count] = strtod(cJSON_GetObjectItem(request, "lat")->valuestring, NULL);
        times_s[count] = cJSON_GetObjectItem(request, "at_s")->valuedouble;
        count++;
    }
    cJSON_Delete(requests);
    return count;
}

/* A replayed drive closes at once while the geocoder is down (not even
 * listening); the repair service fills both ends when it is back. */
static void drive_closed_while_geocoder_down(void **state)
{
    struct repair_test *test = *state;
    struct places_config config;
    struct http_client *http = http_client_new(test->loop);
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t drive_id = 0;
    struct drive_summary summary;

    geocoder_config_defaults(&config.geocoder, "test");
    srtm_config_defaults(&config.srtm);
    snprintf(config.geocoder.url, sizeof(config.geocoder.url), "%s", test->fake.url);
    config.geocoder.interval_s = 0.0;
    fake_nominatim_stop(&test->fake);
    struct places *places = places_new(http, test->fixture->conn, TENANT_A, &config);
    assert_non_null(places);

    double started_s = test_monotonic_s();
    assert_int_equal(recorder_start_drive(&test->fixture->tenant_a, car,
                                          at("2019-04-06 10:19:00"), &drive_id),
                     RECORDER_OK);
    for (int i = 0; i < 5; i++) {
        char date[32];
        struct position_record position;
        int64_t position_id;
        snprintf(date, sizeof(date), "2019-04-06 10:%02d:02", 19 + i);
        position = position_at(date, 50.112198 + i * 0.0002, 11.597669 + i * 0.0007);
        position.odometer_km = known_double(284.85156 + i * 0.8);
        position.ideal_battery_range_km = known_double(338.8 - i);
        assert_int_equal(recorder_insert_position(&test->fixture->tenant_a, car, drive_id,
                                                  &position, &position_id),
                         RECORDER_OK);
    }
    assert_int_equal(recorder_close_drive(&test->fixture->tenant_a, drive_id, &summary),
                     RECORDER_OK);
    places_drive_closed(places, car, drive_id, summary.start_latitude, summary.start_longitude,
                        summary.end_latitude, summary.end_longitude);
    double elapsed_s = test_monotonic_s() - started_s;
    if (elapsed_s > 0.5)
        fail_msg("recording and closing the drive took %.3f s", elapsed_s);

    test_run_for(test->loop, 0.5);
    assert_int_equal(places_pending(places), 0);
    assert_drive_addresses(test, drive_id, "NULL|NULL");
    places_free(places);
    http_client_free(http);

    fake_nominatim_start(&test->fake, NULL);
    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_drive_addresses(test, drive_id, "Bielefeld|Bielefeld");
    assert_int_equal(repair_service_stats(test->service).addresses_linked, 2);
}

/* Tenant A has 6 drives missing both ends, tenant B 2: the lookups
 * alternate between them while both have work, at least the interval
 * apart. */
static void tenants_take_turns(void **state)
{
    struct repair_test *test = *state;
    int64_t car_a = next_car(&test->fixture->tenant_a);
    int64_t car_b = next_car(&test->fixture->tenant_b);
    double latitudes[32];
    double times_s[32];

    for (int i = 0; i < 6; i++)
        make_drive(&test->fixture->tenant_a, car_a, 10.0 + i * 0.01, 1.0, 10.0 + i * 0.01, 1.001);
    for (int i = 0; i < 2; i++)
        make_drive(&test->fixture->tenant_b, car_b, 20.0 + i * 0.01, 1.0, 20.0 + i * 0.01, 1.001);

    start_service(test, 0.2, 5.0);
    assert_true(run_passes(test, 1, 20.0));

    size_t count = requested_latitudes(test, latitudes, times_s, 32);
    assert_int_equal(count, 16);
    for (size_t i = 0; i < 8; i++) {
        bool tenant_b = latitudes[i] >= 20.0;
        if (tenant_b != (i % 2 == 1))
            fail_msg("request %zu went to tenant %s", i, tenant_b ? "B" : "A");
    }
    for (size_t i = 8; i < count; i++)
        assert_true(latitudes[i] < 20.0);
    /* Newest drive first: tenant A's first lookup is its last drive. */
    assert_true(fabs(latitudes[0] - 10.05) < 1e-9);
    for (size_t i = 1; i < count; i++) {
        if (times_s[i] - times_s[i - 1] < 0.19)
            fail_msg("requests %zu and %zu only %.3f s apart", i - 1, i, times_s[i] - times_s[i - 1]);
    }
    assert_query(test->fixture, "0",
                 "SELECT count(*) FROM drives WHERE start_address_id IS NULL"
                 " OR end_address_id IS NULL");
}

/* Only the missing side is looked up; a set side is never replaced. */
static void only_missing_side_looked_up(void **state)
{
    struct repair_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t drive = make_drive(&test->fixture->tenant_a, car, 52.51500, 13.35100, 30.0, 1.0);
    double latitudes[4];
    double times_s[4];

    exec_ok(test->fixture->conn,
            "INSERT INTO addresses (display_name, latitude, longitude, raw, osm_id, osm_type,"
            " city, inserted_at, updated_at) VALUES ('Set', 1, 1, '{}', 1, 'node', 'Kept',"
            " now(), now())");
    exec_ok(test->fixture->conn,
            "UPDATE drives SET start_address_id = (SELECT id FROM addresses WHERE osm_id = 1)");

    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_int_equal(requested_latitudes(test, latitudes, times_s, 4), 1);
    assert_true(fabs(latitudes[0] - 30.0) < 1e-9);
    assert_drive_addresses(test, drive, "Kept|Bielefeld");
}

/* Charging processes are repaired too; the dummy "Unknown" address counts
 * as found, so the next pass does not ask again. A failed lookup is asked
 * again. */
static void processes_and_dummy_address(void **state)
{
    struct repair_test *test = *state;
    int64_t unknown = make_process(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a),
                                   -99.9, -99.9);
    int64_t failing = make_process(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a),
                                   99.9, 99.9);
    int64_t good = make_process(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a),
                                40.0, 1.0);
    double latitudes[8];
    double times_s[8];

    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_query(test->fixture, "unknown",
                 "SELECT a.osm_type FROM charging_processes cp JOIN addresses a"
                 " ON a.id = cp.address_id WHERE cp.id = %" PRId64,
                 unknown);
    assert_query(test->fixture, "t",
                 "SELECT address_id IS NULL FROM charging_processes WHERE id = %" PRId64, failing);
    assert_query(test->fixture, "f",
                 "SELECT address_id IS NULL FROM charging_processes WHERE id = %" PRId64, good);
    assert_int_equal(requested_latitudes(test, latitudes, times_s, 8), 3);

    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_int_equal(requested_latitudes(test, latitudes, times_s, 8), 4);
    assert_true(fabs(latitudes[3] - 99.9) < 1e-9);
}

/* Responses that are not JSON, lack osm_id, or stall past the timeout
 * cost only their own rows. The same rows are repaired once responses are
 * good. */
static void bad_responses_cost_only_their_rows(void **state)
{
    struct repair_test *test = *state;
    const char *const modes[] = {"not-json", "no-osm-id", "stall"};
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t first = make_drive(&test->fixture->tenant_a, car, 41.0, 1.0, 41.001, 1.0);
    int64_t second = make_drive(&test->fixture->tenant_a, car, 42.0, 1.0, 42.001, 1.0);

    for (int i = 0; i < 3; i++) {
        fake_nominatim_mode(&test->fake, modes[i]);
        start_service(test, 0.0, 0.5);
        assert_true(run_passes(test, 1, 10.0));
        assert_drive_addresses(test, first, "NULL|NULL");
        assert_int_equal(repair_service_stats(test->service).address_lookups, 4);
    }

    fake_nominatim_mode(&test->fake, "ok");
    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_drive_addresses(test, first, "Bielefeld|Bielefeld");
    assert_drive_addresses(test, second, "Bielefeld|Bielefeld");
}

/* The 6th failure opens the breaker: the pass pauses instead of asking
 * again or ending, and the rows stay for later. */
static void breaker_pauses_pass(void **state)
{
    struct repair_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_a);
    double latitudes[16];
    double times_s[16];

    for (int i = 0; i < 4; i++)
        make_drive(&test->fixture->tenant_a, car, 43.0 + i * 0.01, 1.0, 43.0 + i * 0.01, 1.001);
    fake_nominatim_mode(&test->fake, "error");

    start_service(test, 0.0, 5.0);
    assert_false(run_passes(test, 1, 1.5));
    assert_int_equal(requested_latitudes(test, latitudes, times_s, 16), 6);
    assert_false(repair_service_idle(test->service));
    assert_int_equal(repair_service_stats(test->service).address_passes, 0);
    assert_query(test->fixture, "4", "SELECT count(*) FROM drives WHERE start_address_id IS NULL");
}

/* Soft-deleted tenants are not repaired. */
static void deleted_tenant_skipped(void **state)
{
    struct repair_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_b);
    int64_t drive = make_drive(&test->fixture->tenant_b, car, 44.0, 1.0, 44.0, 1.001);
    double latitudes[4];
    double times_s[4];

    exec_ok(test->fixture->conn, "UPDATE tenants SET deleted_at = now() WHERE id = '" TENANT_B "'");
    start_service(test, 0.0, 5.0);
    assert_true(run_passes(test, 1, 10.0));
    assert_int_equal(requested_latitudes(test, latitudes, times_s, 4), 0);
    assert_drive_addresses(test, drive, "NULL|NULL");
}

/* With no geocoder URL the service runs no address pass at all. */
static void no_geocoder_no_address_pass(void **state)
{
    struct repair_test *test = *state;
    struct repair_config config;

    make_drive(&test->fixture->tenant_a, next_car(&test->fixture->tenant_a), 45.0, 1.0, 45.0,
               1.001);
    repair_config_defaults(&config, "test");
    config.elevation_enabled = false;
    test->service = repair_service_new(test->loop, test->fixture->conn, &config);
    assert_non_null(test->service);
    repair_service_start(test->service);
    test_run_for(test->loop, 0.3);
    assert_true(repair_service_idle(test->service));
    assert_int_equal(repair_service_stats(test->service).address_lookups, 0);
}

static void config_from_environment(void **state)
{
    struct repair_config config;

    (void)state;
    repair_config_defaults(&config, "1.2");
    setenv("TENANTMATE_REPAIR_INTERVAL", "600", 1);
    setenv("TENANTMATE_REPAIR_LIMIT", "250", 1);
    setenv("TENANTMATE_ELEVATION", "false", 1);
    assert_true(repair_config_from_env(&config));
    assert_true(config.address_interval_s == 600.0);
    assert_int_equal(config.address_limit, 250);
    assert_false(config.elevation_enabled);
    assert_true(config.elevation_interval_s == 21600.0);

    setenv("TENANTMATE_REPAIR_LIMIT", "0", 1);
    assert_false(repair_config_from_env(&config));
    unsetenv("TENANTMATE_REPAIR_INTERVAL");
    unsetenv("TENANTMATE_REPAIR_LIMIT");
    unsetenv("TENANTMATE_ELEVATION");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(drive_closed_while_geocoder_down, setup, teardown),
        cmocka_unit_test_setup_teardown(tenants_take_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(only_missing_side_looked_up, setup, teardown),
        cmocka_unit_test_setup_teardown(processes_and_dummy_address, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_responses_cost_only_their_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(breaker_pauses_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_tenant_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(no_geocoder_no_address_pass, setup, teardown),
        cmocka_unit_test(config_from_environment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
