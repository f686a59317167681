/* SRTM tiles: names, the grid lookup on generated tiles, invalid and
 * missing tiles, and downloads from a local server with the breaker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "http_test_support.h"
#include "log.h"
#include "srtm.h"
#include "srtm_fixture.h"

struct srtm_test {
    char directory[256];
    char log_path[300];
    struct ev_loop *loop;
    struct http_client *http;
    struct test_server server;
    bool server_started;
    struct srtm *srtm;
    int fetched_count;
    enum srtm_status fetched_status;
    bool fetched;
    uint8_t *tile_bytes;            /* served by route_tiles */
    size_t tile_size;
};

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
    (void)status;
    (void)type;
    (void)walk;
    return remove(path);
}

static int setup(void **state)
{
    struct srtm_test *test = calloc(1, sizeof(*test));

    snprintf(test->directory, sizeof(test->directory), "/tmp/tenantmate-srtm.XXXXXX");
    if (mkdtemp(test->directory) == NULL)
        return -1;
    snprintf(test->log_path, sizeof(test->log_path), "%s/test.log", test->directory);
    log_init("test_geo_srtm", LOG_FORMAT_TEXT, LOG_LEVEL_INFO);
    if (!log_open_file(test->log_path))
        return -1;
    test->loop = ev_loop_new(EVFLAG_AUTO);
    test->http = http_client_new(test->loop);
    *state = test;
    return test->http != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    struct srtm_test *test = *state;

    srtm_free(test->srtm);
    if (test->server_started)
        test_server_stop(&test->server);
    free(test->tile_bytes);
    http_client_free(test->http);
    ev_loop_destroy(test->loop);
    nftw(test->directory, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(test);
    return 0;
}

static struct srtm *open_cache(struct srtm_test *test, const char *download_url)
{
    struct srtm_config config;

    srtm_config_defaults(&config);
    snprintf(config.cache_dir, sizeof(config.cache_dir), "%s/tiles", test->directory);
    snprintf(config.download_url, sizeof(config.download_url), "%s", download_url);
    config.download_timeout_s = 1.0;
    mkdir(config.cache_dir, 0755);
    test->srtm = srtm_new(&config, test->http);
    assert_non_null(test->srtm);
    return test->srtm;
}

static char *tiles_dir(struct srtm_test *test)
{
    static char path[300];

    snprintf(path, sizeof(path), "%s/tiles", test->directory);
    return path;
}

/* How many lines of the captured log contain text. */
static int log_lines_with(struct srtm_test *test, const char *text)
{
    char *log = test_read_file(test->log_path);
    int count = 0;

    assert_non_null(log);
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strstr(line, text) != NULL)
            count++;
    }
    free(log);
    return count;
}

static void test_tile_names(void **state)
{
    char name[SRTM_TILE_NAME_SIZE];
    int latitude;
    int longitude;

    (void)state;
    assert_true(srtm_tile_name(52.5, 13.4, name, &latitude, &longitude));
    assert_string_equal(name, "N52E013");
    assert_int_equal(latitude, 52);
    assert_int_equal(longitude, 13);

    assert_true(srtm_tile_name(-0.5, 0.5, name, &latitude, &longitude));
    assert_string_equal(name, "S01E000");
    assert_true(srtm_tile_name(0.5, -0.5, name, &latitude, &longitude));
    assert_string_equal(name, "N00W001");
    assert_true(srtm_tile_name(-33.9, -70.6, name, &latitude, &longitude));
    assert_string_equal(name, "S34W071");
    assert_true(srtm_tile_name(0.0, 0.0, name, &latitude, &longitude));
    assert_string_equal(name, "N00E000");

    assert_false(srtm_tile_name(91.0, 0.0, name, &latitude, &longitude));
    assert_false(srtm_tile_name(0.0, -180.5, name, &latitude, &longitude));
    assert_false(srtm_tile_name(NAN, 0.0, name, &latitude, &longitude));
}

static void test_points_per_side(void **state)
{
    (void)state;
    assert_int_equal(srtm_points_per_side(1201u * 1201u * 2u), 1201);
    assert_int_equal(srtm_points_per_side(3601u * 3601u * 2u), 3601);
    assert_int_equal(srtm_points_per_side(1201u * 1201u * 2u - 1u), 0);
    assert_int_equal(srtm_points_per_side(0), 0);
}

static void test_tile_url_template(void **state)
{
    char url[128];

    (void)state;
    assert_true(srtm_tile_url("http://127.0.0.1:9/skadi/{dir}/{tile}.hgt", "N52E013", url,
                              sizeof(url)));
    assert_string_equal(url, "http://127.0.0.1:9/skadi/N52/N52E013.hgt");
    assert_false(srtm_tile_url("http://127.0.0.1:9/{tile}.hgt", "N52E013", url, 20));
}

static void assert_lookup(struct srtm *srtm, double latitude, double longitude,
                          enum srtm_status expected_status, int expected_m)
{
    int elevation_m = -1;
    enum srtm_status status = srtm_lookup(srtm, latitude, longitude, &elevation_m);

    if (status != expected_status)
        fail_msg("lookup %.6f %.6f: %s, expected %s", latitude, longitude,
                 srtm_status_name(status), srtm_status_name(expected_status));
    if (status == SRTM_FOUND && elevation_m != expected_m)
        fail_msg("lookup %.6f %.6f: %d m, expected %d m", latitude, longitude, elevation_m,
                 expected_m);
}

static void test_lookup_3_arc_second(void **state)
{
    struct srtm_test *test = *state;
    struct srtm *srtm = open_cache(test, "");
    double latitude;
    double longitude;

    assert_true(srtm_fixture_write(tiles_dir(test), 52, 13, 1201, 0));

    const int cells[][2] = {{1, 1}, {600, 600}, {0, 2}, {1199, 1199}, {17, 1000}};
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        srtm_fixture_point(52, 13, 1201, cells[i][0], cells[i][1], &latitude, &longitude);
        assert_lookup(srtm, latitude, longitude, SRTM_FOUND,
                      srtm_fixture_elevation_m(52, 13, cells[i][0], cells[i][1]));
    }

    /* The middle of the tile, by the truncating formula: row and column 600. */
    assert_lookup(srtm, 52.5, 13.5, SRTM_FOUND, srtm_fixture_elevation_m(52, 13, 600, 600));

    /* The void sample and a sample above 10000 m are no data. */
    srtm_fixture_point(52, 13, 1201, 0, 0, &latitude, &longitude);
    assert_lookup(srtm, latitude, longitude, SRTM_VOID, 0);
    srtm_fixture_point(52, 13, 1201, 0, 1, &latitude, &longitude);
    assert_lookup(srtm, latitude, longitude, SRTM_VOID, 0);

    assert_int_equal(srtm_counters(srtm).tiles_mapped, 1);
}

static void test_lookup_1_arc_second(void **state)
{
    struct srtm_test *test = *state;
    struct srtm *srtm = open_cache(test, "");
    double latitude;
    double longitude;

    assert_true(srtm_fixture_write(tiles_dir(test), -34, -71, 3601, 0));
    srtm_fixture_point(-34, -71, 3601, 2000, 3000, &latitude, &longitude);
    assert_lookup(srtm, latitude, longitude, SRTM_FOUND,
                  srtm_fixture_elevation_m(-34, -71, 2000, 3000));
}

static void test_missing_tile_logged_once(void **state)
{
    struct srtm_test *test = *state;
    struct srtm *srtm = open_cache(test, "");

    assert_true(srtm_fixture_write(tiles_dir(test), 52, 13, 1201, 0));
    for (int i = 0; i < 5; i++)
        assert_lookup(srtm, 10.0 + i * 0.01, 20.0, SRTM_NO_TILE, 0);
    assert_int_equal(log_lines_with(test, "no SRTM tile N10E020"), 1);

    /* Another tile still returns its samples. */
    assert_lookup(srtm, 52.5, 13.5, SRTM_FOUND, srtm_fixture_elevation_m(52, 13, 600, 600));
}

static void test_truncated_tile_rejected(void **state)
{
    struct srtm_test *test = *state;
    struct srtm *srtm = open_cache(test, "");

    assert_true(srtm_fixture_write(tiles_dir(test), 45, 7, 1201, 1000000));
    assert_true(srtm_fixture_write(tiles_dir(test), 46, 7, 1201, 0));
    for (int i = 0; i < 3; i++)
        assert_lookup(srtm, 45.5, 7.5, SRTM_INVALID_TILE, 0);
    assert_int_equal(log_lines_with(test, "invalid SRTM tile"), 1);
    assert_int_equal(log_lines_with(test, "1000000 bytes"), 1);

    assert_lookup(srtm, 46.5, 7.5, SRTM_FOUND, srtm_fixture_elevation_m(46, 7, 600, 600));
}

static void test_invalid_points(void **state)
{
    struct srtm_test *test = *state;
    struct srtm *srtm = open_cache(test, "");

    assert_lookup(srtm, 120.0, 0.0, SRTM_INVALID_POINT, 0);
    assert_lookup(srtm, INFINITY, 0.0, SRTM_INVALID_POINT, 0);
}

/* ---- downloads ----------------------------------------------------------- */

static void on_fetched(void *context, const char *tile, enum srtm_status status)
{
    struct srtm_test *test = context;

    (void)tile;
    test->fetched_count++;
    test->fetched_status = status;
    test->fetched = true;
}

/* Serves the generated 3 arc-second tile N01E001 at /srtm/N01E001.hgt
 * from the test's buffer, and 404 for other tiles. */
static void route_tiles(struct test_server *server, const struct recorded_request *request,
                        struct canned_response *response)
{
    struct srtm_test *test = server->context;

    if (strcmp(request->uri, "/srtm/N01E001.hgt") != 0 || test->tile_bytes == NULL) {
        response->status = 404;
        snprintf(response->body, sizeof(response->body), "not found");
        return;
    }
    response->status = 200;
    response->large_body = (char *)test->tile_bytes;
    response->large_body_length = test->tile_size;
    response->content_type = "application/octet-stream";
}

static void start_server(struct srtm_test *test, test_route_fn *route)
{
    test->tile_bytes = srtm_fixture_tile(1, 1, 1201, &test->tile_size);
    assert_non_null(test->tile_bytes);
    assert_true(test_server_start(&test->server));
    test->server_started = true;
    test_server_set_route(&test->server, route, test);
}

static void server_url(struct srtm_test *test, char *out, size_t size)
{
    test_server_url(&test->server, "/srtm/{tile}.hgt", out, size);
}

static void wait_fetched(struct srtm_test *test)
{
    test->fetched = false;
    assert_true(test_run_until(test->loop, &test->fetched, 10.0));
}

static void test_download_missing_tile(void **state)
{
    struct srtm_test *test = *state;
    char url[256];
    char path[512];
    struct stat status;

    start_server(test, route_tiles);
    server_url(test, url, sizeof(url));
    struct srtm *srtm = open_cache(test, url);
    srtm_set_fetched_callback(srtm, on_fetched, test);

    assert_lookup(srtm, 1.5, 1.5, SRTM_FETCHING, 0);
    assert_lookup(srtm, 1.5, 1.5, SRTM_FETCHING, 0);
    wait_fetched(test);
    assert_int_equal(test->fetched_status, SRTM_FOUND);
    assert_lookup(srtm, 1.5, 1.5, SRTM_FOUND, srtm_fixture_elevation_m(1, 1, 600, 600));

    snprintf(path, sizeof(path), "%s/N01E001.hgt", tiles_dir(test));
    assert_int_equal(stat(path, &status), 0);
    assert_int_equal(status.st_size, 1201 * 1201 * 2);
    assert_int_equal(test_server_request_count(&test->server), 1);
}

static void test_download_not_found_is_no_tile(void **state)
{
    struct srtm_test *test = *state;
    char url[256];

    start_server(test, route_tiles);
    server_url(test, url, sizeof(url));
    struct srtm *srtm = open_cache(test, url);
    srtm_set_fetched_callback(srtm, on_fetched, test);

    assert_lookup(srtm, 45.5, 7.5, SRTM_FETCHING, 0);
    wait_fetched(test);
    assert_int_equal(test->fetched_status, SRTM_NO_TILE);
    assert_lookup(srtm, 45.5, 7.5, SRTM_NO_TILE, 0);
    assert_int_equal(test_server_request_count(&test->server), 1);
    assert_int_equal(srtm_counters(srtm).downloads_failed, 0);
}

static void route_server_error(struct test_server *server, const struct recorded_request *request,
                               struct canned_response *response)
{
    (void)server;
    (void)request;
    response->status = 500;
    snprintf(response->body, sizeof(response->body), "internal error");
}

static void test_breaker_opens_on_third_failure(void **state)
{
    struct srtm_test *test = *state;
    char url[256];

    start_server(test, route_server_error);
    server_url(test, url, sizeof(url));
    struct srtm *srtm = open_cache(test, url);
    srtm_set_fetched_callback(srtm, on_fetched, test);

    for (int i = 0; i < 3; i++) {
        assert_lookup(srtm, 1.5 + i, 1.5, SRTM_FETCHING, 0);
        wait_fetched(test);
        assert_int_equal(test->fetched_status, SRTM_UNAVAILABLE);
    }
    assert_lookup(srtm, 4.5, 1.5, SRTM_UNAVAILABLE, 0);
    assert_lookup(srtm, 5.5, 1.5, SRTM_UNAVAILABLE, 0);
    assert_int_equal(test_server_request_count(&test->server), 3);
    assert_int_equal(log_lines_with(test, "opened the breaker"), 1);
    assert_int_equal(log_lines_with(test, "downloads are paused"), 1);
}

static void route_slow(struct test_server *server, const struct recorded_request *request,
                       struct canned_response *response)
{
    route_tiles(server, request, response);
    response->delay_s = 3.0;
}

static void test_slow_download_never_waits(void **state)
{
    struct srtm_test *test = *state;
    char url[256];

    start_server(test, route_slow);
    server_url(test, url, sizeof(url));
    struct srtm *srtm = open_cache(test, url);
    srtm_set_fetched_callback(srtm, on_fetched, test);

    double started_s = test_monotonic_s();
    assert_lookup(srtm, 1.5, 1.5, SRTM_FETCHING, 0);
    assert_lookup(srtm, 1.5, 1.5, SRTM_FETCHING, 0);
    assert_true(test_monotonic_s() - started_s < 0.5);

    /* The 1 s download timeout ends it: a failure, and no elevation. */
    wait_fetched(test);
    assert_int_equal(test->fetched_status, SRTM_UNAVAILABLE);
    assert_lookup(srtm, 1.5, 1.5, SRTM_UNAVAILABLE, 0);
    assert_int_equal(test_server_request_count(&test->server), 1);
}

static void route_short_body(struct test_server *server, const struct recorded_request *request,
                             struct canned_response *response)
{
    (void)server;
    (void)request;
    response->status = 200;
    snprintf(response->body, sizeof(response->body), "<html>not a tile</html>");
}

static void test_download_of_wrong_size_fails(void **state)
{
    struct srtm_test *test = *state;
    char url[256];
    char path[512];

    start_server(test, route_short_body);
    server_url(test, url, sizeof(url));
    struct srtm *srtm = open_cache(test, url);
    srtm_set_fetched_callback(srtm, on_fetched, test);

    assert_lookup(srtm, 1.5, 1.5, SRTM_FETCHING, 0);
    wait_fetched(test);
    assert_int_equal(test->fetched_status, SRTM_UNAVAILABLE);
    assert_int_equal(log_lines_with(test, "is no SRTM tile size"), 1);

    snprintf(path, sizeof(path), "%s/N01E001.hgt", tiles_dir(test));
    assert_int_equal(access(path, F_OK), -1);
}

static void test_config_rejects_bad_url(void **state)
{
    (void)state;
    struct srtm_config config;

    srtm_config_defaults(&config);
    setenv("TENANTMATE_SRTM_URL", "ftp://127.0.0.1/{tile}.hgt", 1);
    assert_false(srtm_config_from_env(&config));
    setenv("TENANTMATE_SRTM_URL", "http://127.0.0.1:1/{tile}.hgt", 1);
    setenv("SRTM_CACHE", "/var/cache/srtm", 1);
    assert_true(srtm_config_from_env(&config));
    assert_string_equal(config.cache_dir, "/var/cache/srtm");
    assert_string_equal(config.download_url, "http://127.0.0.1:1/{tile}.hgt");
    unsetenv("TENANTMATE_SRTM_URL");
    unsetenv("SRTM_CACHE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_names),
        cmocka_unit_test(test_points_per_side),
        cmocka_unit_test(test_tile_url_template),
        cmocka_unit_test_setup_teardown(test_lookup_3_arc_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_1_arc_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_tile_logged_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_tile_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_missing_tile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_not_found_is_no_tile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breaker_opens_on_third_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_download_never_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_of_wrong_size_fails, setup, teardown),
        cmocka_unit_test(test_config_rejects_bad_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
