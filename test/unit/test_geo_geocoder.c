/* The geocoder: mapping Nominatim responses to addresses (TeslaMate's
 * geocoder cases) and the asynchronous client against a local server:
 * request format, pacing, timeouts that never block the loop, the
 * breaker, cancelling and the queue limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geocoder.h"
#include "http.h"
#include "http_test_support.h"
#include "log.h"

/* ---- mapping --------------------------------------------------------- */

static const char batman_response[] =
    "{\"place_id\":241575531,\"licence\":\"Data (c) OpenStreetMap contributors\","
    "\"osm_type\":\"node\",\"osm_id\":5983038298,\"lat\":\"37.8895442\",\"lon\":\"41.1288167\","
    "\"place_rank\":30,\"category\":\"amenity\",\"type\":\"cafe\",\"importance\":0,"
    "\"addresstype\":\"amenity\",\"name\":\"Kahve Deryas\xc4\xb1\","
    "\"display_name\":\"Kahve Deryas\xc4\xb1, Cihan Kav\xc5\x9f\x61\xc4\x9f\xc4\xb1, Batman, "
    "Ziyag\xc3\xb6kalp Mahallesi, Batman merkez, Batman, Southeastern Anatolia Region, 72060, "
    "Turkey\","
    "\"address\":{\"cafe\":\"Kahve Deryas\xc4\xb1\",\"road\":\"Cihan Kav\xc5\x9f\x61\xc4\x9f\xc4\xb1\","
    "\"residential\":\"Batman\",\"suburb\":\"Ziyag\xc3\xb6kalp Mahallesi\","
    "\"city\":\"Batman merkez\",\"province\":\"Batman\","
    "\"state\":\"Southeastern Anatolia Region\",\"postcode\":\"72060\",\"country\":\"Turkey\","
    "\"country_code\":\"tr\"},"
    "\"extratags\":{},\"namedetails\":{\"name\":\"Kahve Deryas\xc4\xb1\"},"
    "\"boundingbox\":[\"37.8894942\",\"37.8895942\",\"41.1287667\",\"41.1288667\"]}";

static const char gungahlin_response[] =
    "{\"place_id\":98765,\"osm_type\":\"way\",\"osm_id\":263936866,\"lat\":\"-35.1603719\","
    "\"lon\":\"149.1049118\",\"name\":\"Burrumarra Avenue\","
    "\"display_name\":\"Burrumarra Avenue, Ngunnawal, District of Gungahlin, Australian Capital "
    "Territory, 2913, Australia\","
    "\"address\":{\"road\":\"Burrumarra Avenue\",\"suburb\":\"Ngunnawal\","
    "\"town\":\"District of Gungahlin\",\"territory\":\"Australian Capital Territory\","
    "\"ISO3166-2-lvl4\":\"AU-ACT\",\"postcode\":\"2913\",\"country\":\"Australia\","
    "\"country_code\":\"au\"},\"namedetails\":{\"name\":\"Burrumarra Avenue\"}}";

static const char montbrison_response[] =
    "{\"osm_type\":\"way\",\"osm_id\":192323453,\"lat\":\"45.6009\",\"lon\":\"4.0719\","
    "\"name\":\"Avenue des Bourgs\",\"display_name\":\"Avenue des Bourgs, "
    "Sainte-Agathe-la-Bouteresse, Montbrison, Loire, Auvergne-Rh\xc3\xb4ne-Alpes, 42130, "
    "France\",\"address\":{\"road\":\"Avenue des Bourgs\","
    "\"village\":\"Sainte-Agathe-la-Bouteresse\",\"municipality\":\"Montbrison\","
    "\"county\":\"Loire\",\"state\":\"Auvergne-Rh\xc3\xb4ne-Alpes\",\"postcode\":\"42130\","
    "\"country\":\"France\",\"country_code\":\"fr\"}}";

struct mapped {
    enum geocoder_outcome outcome;
    struct address address;
    char message[256];
};

static struct mapped map_response(long status, const char *body)
{
    struct mapped mapped;

    mapped.outcome = geocoder_parse_reverse(status, body, strlen(body), &mapped.address,
                                            mapped.message, sizeof(mapped.message));
    return mapped;
}

#define assert_text(actual, expected) assert_string_equal((actual), (expected))

static void test_map_node_with_suburb(void **state)
{
    struct mapped mapped = map_response(200, batman_response);
    struct address *address = &mapped.address;

    (void)state;
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(address->city, "Batman merkez");
    assert_text(address->country, "Turkey");
    assert_null(address->county);
    assert_null(address->house_number);
    assert_null(address->state_district);
    assert_text(address->latitude, "37.8895442");
    assert_text(address->longitude, "41.1288167");
    assert_text(address->name, "Kahve Deryas\xc4\xb1");
    /* suburb outranks residential; road outranks residential */
    assert_text(address->neighbourhood, "Ziyag\xc3\xb6kalp Mahallesi");
    assert_text(address->road, "Cihan Kav\xc5\x9f\x61\xc4\x9f\xc4\xb1");
    assert_int_equal(address->osm_id, 5983038298);
    assert_text(address->osm_type, "node");
    assert_text(address->postcode, "72060");
    assert_text(address->state, "Southeastern Anatolia Region");
    assert_true(strncmp(address->display_name, "Kahve Deryas", 12) == 0);
    assert_text(address->raw, batman_response);
    address_clear(address);
}

static void test_map_town_and_territory(void **state)
{
    struct mapped mapped = map_response(200, gungahlin_response);
    struct address *address = &mapped.address;

    (void)state;
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(address->city, "District of Gungahlin");
    assert_text(address->state, "Australian Capital Territory");
    assert_text(address->neighbourhood, "Ngunnawal");
    assert_text(address->road, "Burrumarra Avenue");
    assert_text(address->postcode, "2913");
    assert_text(address->country, "Australia");
    assert_null(address->county);
    assert_null(address->house_number);
    assert_null(address->state_district);
    assert_int_equal(address->osm_id, 263936866);
    assert_text(address->latitude, "-35.1603719");
    address_clear(address);
}

static void test_map_village_before_municipality(void **state)
{
    struct mapped mapped = map_response(200, montbrison_response);
    struct address *address = &mapped.address;

    (void)state;
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(address->city, "Sainte-Agathe-la-Bouteresse");
    assert_text(address->county, "Loire");
    assert_text(address->state, "Auvergne-Rh\xc3\xb4ne-Alpes");
    assert_text(address->road, "Avenue des Bourgs");
    assert_text(address->name, "Avenue des Bourgs");
    assert_text(address->postcode, "42130");
    assert_text(address->country, "France");
    assert_null(address->house_number);
    assert_null(address->neighbourhood);
    assert_null(address->state_district);
    address_clear(address);
}

static void test_map_unable_to_geocode(void **state)
{
    const char body[] = "{\"error\":\"Unable to geocode\"}";
    struct mapped mapped = map_response(200, body);
    struct address *address = &mapped.address;

    (void)state;
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(address->display_name, "Unknown");
    assert_text(address->osm_type, "unknown");
    assert_int_equal(address->osm_id, 0);
    assert_text(address->latitude, "0.0");
    assert_text(address->longitude, "0.0");
    assert_text(address->raw, body);
    assert_null(address->name);
    assert_null(address->city);
    assert_null(address->road);
    address_clear(address);
}

static void test_map_geocoding_failed(void **state)
{
    struct mapped mapped = map_response(200, "{\"error\":\"failure\"}");

    (void)state;
    assert_int_equal(mapped.outcome, GEOCODER_FAILED);
    assert_text(mapped.message, "geocoding failed: failure");
    assert_null(mapped.address.raw);
}

static void test_map_bad_responses(void **state)
{
    const struct {
        long status;
        const char *body;
        const char *message;
    } cases[] = {
        {200, "<html>Bad Gateway</html>", "invalid response: not JSON"},
        {200, "[1, 2]", "invalid response: not a JSON object"},
        {200, "{\"osm_type\":\"way\",\"lat\":\"1\",\"lon\":\"2\",\"display_name\":\"x\"}",
         "invalid response: no osm_id"},
        {200, "{\"osm_type\":\"way\",\"osm_id\":\"12a\",\"lat\":\"1\",\"lon\":\"2\","
              "\"display_name\":\"x\"}",
         "invalid response: no osm_id"},
        {200, "{\"osm_id\":1,\"lat\":\"1\",\"lon\":\"2\",\"display_name\":\"x\"}",
         "invalid response: no osm_type"},
        {200, "{\"osm_type\":\"way\",\"osm_id\":1,\"lat\":\"1\",\"lon\":\"2\","
              "\"display_name\":\"  \"}",
         "invalid response: no display_name"},
        {200, "{\"osm_type\":\"way\",\"osm_id\":1,\"lat\":\"north\",\"lon\":\"2\","
              "\"display_name\":\"x\"}",
         "invalid response: no valid lat and lon"},
        {200, "{\"osm_type\":\"way\",\"osm_id\":1,\"lat\":\"91\",\"lon\":\"2\","
              "\"display_name\":\"x\"}",
         "invalid response: no valid lat and lon"},
        {500, "{\"error\":\"induced error\"}", "HTTP status 500: induced error"},
        {400, "{\"error\":{\"code\":400,\"message\":\"Parameter 'lat' expected\"}}",
         "HTTP status 400: {\"code\":400,\"message\":\"Parameter 'lat' expected\"}"},
        {503, "Service Unavailable", "unexpected response: HTTP status 503"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mapped mapped = map_response(cases[i].status, cases[i].body);
        if (mapped.outcome != GEOCODER_ERROR)
            fail_msg("case %zu: outcome %s", i, geocoder_outcome_name(mapped.outcome));
        assert_text(mapped.message, cases[i].message);
        assert_null(mapped.address.display_name);
    }
}

static void test_map_name_fallbacks(void **state)
{
    struct mapped mapped;

    (void)state;
    /* No top-level name: namedetails.name, then namedetails.alt_name. */
    mapped = map_response(200, "{\"osm_type\":\"way\",\"osm_id\":\"7\",\"lat\":1.5,\"lon\":-2,"
                             "\"display_name\":\"x\",\"namedetails\":{\"alt_name\":\"Alt\"},"
                             "\"address\":{\"street_number\":12,\"footway\":\"Path\"}}");
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(mapped.address.name, "Alt");
    assert_text(mapped.address.house_number, "12");
    assert_text(mapped.address.road, "Path");
    assert_int_equal(mapped.address.osm_id, 7);
    assert_text(mapped.address.latitude, "1.5");
    assert_text(mapped.address.longitude, "-2");
    address_clear(&mapped.address);

    /* An empty top-level name is present: no fallback (stored as NULL later). */
    mapped = map_response(200, "{\"osm_type\":\"way\",\"osm_id\":7,\"lat\":\"1\",\"lon\":\"2\","
                             "\"display_name\":\"x\",\"name\":\"\","
                             "\"namedetails\":{\"name\":\"Other\"},"
                             "\"address\":{\"road\":null,\"street\":\"Second\"}}");
    assert_int_equal(mapped.outcome, GEOCODER_FOUND);
    assert_text(mapped.address.name, "");
    assert_text(mapped.address.road, "Second");
    address_clear(&mapped.address);
}

static void test_reverse_url(void **state)
{
    char url[512];

    (void)state;
    assert_true(geocoder_reverse_url("http://127.0.0.1:8080/", 52.019596, 8.526318, url,
                                     sizeof(url)));
    assert_text(url, "http://127.0.0.1:8080/reverse?format=jsonv2&addressdetails=1&extratags=1"
                     "&namedetails=1&zoom=19&lat=52.019596&lon=8.526318");
    assert_true(geocoder_reverse_url("http://127.0.0.1:8080/nominatim", -99.9, 0.0, url,
                                     sizeof(url)));
    assert_text(url, "http://127.0.0.1:8080/nominatim/reverse?format=jsonv2&addressdetails=1"
                     "&extratags=1&namedetails=1&zoom=19&lat=-99.9&lon=0");
    assert_false(geocoder_reverse_url("http://127.0.0.1", 1.0, 2.0, url, 40));
}

/* ---- the client -------------------------------------------------------- */

#define MAX_RESULTS 16

struct geocoder_test;

/* The context of one lookup's callback. */
struct lookup_tag {
    struct geocoder_test *test;
    int index;
};

struct geocoder_test {
    struct ev_loop *loop;
    struct http_client *http;
    struct test_server server;
    struct geocoder *geocoder;
    struct geocoder_config config;
    int results;
    enum geocoder_outcome outcomes[MAX_RESULTS];
    char messages[MAX_RESULTS][256];
    int64_t osm_ids[MAX_RESULTS];
    double result_times_s[MAX_RESULTS];
    double request_times_s[MAX_RESULTS];
    struct lookup_tag tags[MAX_RESULTS];
    bool done;
    int expected_results;
    int ticks;
};

static int client_setup(void **state)
{
    struct geocoder_test *test = calloc(1, sizeof(*test));

    log_init("test_geo_geocoder", LOG_FORMAT_TEXT,
             getenv("TENANTMATE_TEST_LOG") != NULL ? LOG_LEVEL_DEBUG : LOG_LEVEL_COUNT);
    test->loop = ev_loop_new(EVFLAG_AUTO);
    test->http = http_client_new(test->loop);
    if (test->http == NULL || !test_server_start(&test->server))
        return -1;
    geocoder_config_defaults(&test->config, "test");
    test_server_url(&test->server, "", test->config.url, sizeof(test->config.url));
    test->config.interval_s = 0.0;
    test->config.timeout_s = 5.0;
    *state = test;
    return 0;
}

static int client_teardown(void **state)
{
    struct geocoder_test *test = *state;

    geocoder_free(test->geocoder);
    test_server_stop(&test->server);
    http_client_free(test->http);
    ev_loop_destroy(test->loop);
    free(test);
    return 0;
}

static void start_geocoder(struct geocoder_test *test)
{
    test->geocoder = geocoder_new(test->http, &test->config);
    assert_non_null(test->geocoder);
}

static void on_result(void *context, const struct geocoder_result *result)
{
    struct lookup_tag *tag = context;
    struct geocoder_test *test = tag->test;
    int index = test->results;

    if (index < MAX_RESULTS) {
        test->outcomes[index] = result->outcome;
        snprintf(test->messages[index], sizeof(test->messages[index]), "%s", result->message);
        test->osm_ids[index] = result->outcome == GEOCODER_FOUND ? result->address.osm_id : -1;
        test->result_times_s[index] = test_monotonic_s();
    }
    test->results++;
    if (test->results >= test->expected_results)
        test->done = true;
}

static struct geocoder_lookup *lookup_tagged(struct geocoder_test *test, int tag,
                                             double latitude, double longitude)
{
    test->tags[tag] = (struct lookup_tag){.test = test, .index = tag};
    return geocoder_lookup(test->geocoder, latitude, longitude, on_result, &test->tags[tag]);
}

static void wait_results(struct geocoder_test *test, int count, double limit_s)
{
    test->expected_results = count;
    test->done = test->results >= count;
    assert_true(test_run_until(test->loop, &test->done, limit_s));
}

static void route_bielefeld(struct test_server *server, const struct recorded_request *request,
                            struct canned_response *response)
{
    struct geocoder_test *test = server->context;

    if (server->request_count <= MAX_RESULTS)
        test->request_times_s[server->request_count - 1] = test_monotonic_s();
    (void)request;
    response->status = 200;
    snprintf(response->body, sizeof(response->body),
             "{\"osm_type\":\"way\",\"osm_id\":103619766,\"lat\":\"52.0196010141104\","
             "\"lon\":\"8.52631835353143\",\"display_name\":\"Von-der-Recke-Stra\xc3\x9f\x65, "
             "Mitte, Bielefeld\",\"address\":{\"city\":\"Bielefeld\"}}");
}

static void test_request_format(void **state)
{
    struct geocoder_test *test = *state;
    struct recorded_request request;

    snprintf(test->config.language, sizeof(test->config.language), "de");
    test_server_set_route(&test->server, route_bielefeld, test);
    start_geocoder(test);

    assert_non_null(lookup_tagged(test, 0, 52.019596, 8.526318));
    assert_int_equal(test->results, 0);
    wait_results(test, 1, 5.0);

    assert_int_equal(test->outcomes[0], GEOCODER_FOUND);
    assert_int_equal(test->osm_ids[0], 103619766);
    assert_true(test_server_request(&test->server, 0, &request));
    assert_string_equal(request.method, "GET");
    assert_string_equal(request.uri, "/reverse?format=jsonv2&addressdetails=1&extratags=1"
                                     "&namedetails=1&zoom=19&lat=52.019596&lon=8.526318");
    assert_true(test_has_header(&request, "Accept-Language: de"));
    assert_true(test_has_header(&request, "User-Agent: tenantmate/test"));
    assert_int_equal(geocoder_counters(test->geocoder).found, 1);
}

static void test_requests_paced(void **state)
{
    struct geocoder_test *test = *state;

    test->config.interval_s = 0.3;
    test_server_set_route(&test->server, route_bielefeld, test);
    start_geocoder(test);

    for (int i = 0; i < 3; i++)
        assert_non_null(lookup_tagged(test, i, 1.0 + i, 2.0));
    assert_int_equal(geocoder_pending(test->geocoder), 3);
    wait_results(test, 3, 5.0);

    assert_int_equal(test_server_request_count(&test->server), 3);
    for (int i = 1; i < 3; i++) {
        double gap_s = test->request_times_s[i] - test->request_times_s[i - 1];
        if (gap_s < 0.28)
            fail_msg("requests %d and %d only %.3f s apart", i - 1, i, gap_s);
    }
    assert_int_equal(geocoder_pending(test->geocoder), 0);
}

static void route_stall(struct test_server *server, const struct recorded_request *request,
                        struct canned_response *response)
{
    route_bielefeld(server, request, response);
    response->delay_s = 5.0;
}

static void on_tick(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct geocoder_test *test = timer->data;

    (void)loop;
    (void)events;
    test->ticks++;
}

/* A geocoder that stalls (TeslaMate waits 30 s) never delays other
 * timers of the loop, as a polling timer would be. */
static void test_stalled_response_never_blocks(void **state)
{
    struct geocoder_test *test = *state;
    ev_timer tick;

    test->config.timeout_s = 1.0;
    test_server_set_route(&test->server, route_stall, test);
    start_geocoder(test);
    ev_timer_init(&tick, on_tick, 0.1, 0.1);
    tick.data = test;
    ev_timer_start(test->loop, &tick);

    double started_s = test_monotonic_s();
    assert_non_null(lookup_tagged(test, 0, 1.0, 2.0));
    assert_true(test_monotonic_s() - started_s < 0.1);
    wait_results(test, 1, 5.0);
    ev_timer_stop(test->loop, &tick);

    assert_int_equal(test->outcomes[0], GEOCODER_ERROR);
    assert_non_null(strstr(test->messages[0], "timed out after 1.0 s"));
    if (test->ticks < 7)
        fail_msg("only %d ticks of a 0.1 s timer during a 1 s stall", test->ticks);
}

static void route_failing(struct test_server *server, const struct recorded_request *request,
                          struct canned_response *response)
{
    (void)server;
    (void)request;
    response->status = 200;
    snprintf(response->body, sizeof(response->body), "<html>proxy error</html>");
}

static void test_breaker_opens_on_sixth_failure(void **state)
{
    struct geocoder_test *test = *state;
    double heal_in_s = 0.0;

    test_server_set_route(&test->server, route_failing, test);
    start_geocoder(test);
    for (int i = 0; i < 8; i++)
        assert_non_null(lookup_tagged(test, i, 1.0 + i, 2.0));
    wait_results(test, 8, 10.0);

    assert_int_equal(test_server_request_count(&test->server), 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(test->outcomes[i], GEOCODER_ERROR);
    assert_int_equal(test->outcomes[6], GEOCODER_UNAVAILABLE);
    assert_int_equal(test->outcomes[7], GEOCODER_UNAVAILABLE);
    assert_true(geocoder_breaker_open(test->geocoder, &heal_in_s));
    assert_true(heal_in_s > 800.0 && heal_in_s <= 900.0);
}

static void route_geocoding_failed(struct test_server *server,
                                   const struct recorded_request *request,
                                   struct canned_response *response)
{
    (void)server;
    (void)request;
    response->status = 200;
    snprintf(response->body, sizeof(response->body), "{\"error\":\"failure\"}");
}

static void test_geocoding_failed_keeps_breaker_closed(void **state)
{
    struct geocoder_test *test = *state;

    test_server_set_route(&test->server, route_geocoding_failed, test);
    start_geocoder(test);
    for (int i = 0; i < 8; i++)
        assert_non_null(lookup_tagged(test, i, 1.0 + i, 2.0));
    wait_results(test, 8, 10.0);

    assert_int_equal(test_server_request_count(&test->server), 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(test->outcomes[i], GEOCODER_FAILED);
    assert_false(geocoder_breaker_open(test->geocoder, NULL));
}

static void test_cancel_queued_lookup(void **state)
{
    struct geocoder_test *test = *state;

    test_server_set_route(&test->server, route_bielefeld, test);
    start_geocoder(test);
    assert_non_null(lookup_tagged(test, 0, 1.0, 2.0));
    struct geocoder_lookup *second = lookup_tagged(test, 1, 3.0, 4.0);
    assert_non_null(lookup_tagged(test, 2, 5.0, 6.0));
    geocoder_cancel(test->geocoder, second);
    wait_results(test, 2, 5.0);
    test_run_for(test->loop, 0.2);

    assert_int_equal(test->results, 2);
    assert_int_equal(test_server_request_count(&test->server), 2);
}

static void test_disabled_and_full_queue(void **state)
{
    struct geocoder_test *test = *state;

    test->config.url[0] = '\0';
    start_geocoder(test);
    assert_false(geocoder_enabled(test->geocoder));
    assert_null(lookup_tagged(test, 0, 1.0, 2.0));
    geocoder_free(test->geocoder);

    test_server_url(&test->server, "", test->config.url, sizeof(test->config.url));
    test->config.queue_max = 2;
    test_server_set_route(&test->server, route_stall, test);
    start_geocoder(test);
    assert_non_null(lookup_tagged(test, 0, 1.0, 2.0));
    test_run_for(test->loop, 0.2);
    assert_int_equal(test_server_request_count(&test->server), 1);
    assert_non_null(lookup_tagged(test, 1, 1.0, 2.0));
    assert_non_null(lookup_tagged(test, 2, 1.0, 2.0));
    assert_null(lookup_tagged(test, 3, 1.0, 2.0));
    assert_int_equal(geocoder_pending(test->geocoder), 3);
    assert_int_equal(geocoder_counters(test->geocoder).rejected, 1);
    /* Freeing with lookups queued and in flight calls no callback. */
    geocoder_free(test->geocoder);
    test->geocoder = NULL;
    test_run_for(test->loop, 0.1);
    assert_int_equal(test->results, 0);
}

static void test_config_from_env(void **state)
{
    struct geocoder_config config;

    (void)state;
    geocoder_config_defaults(&config, "1.0");
    assert_string_equal(config.user_agent, "tenantmate/1.0");
    setenv("TENANTMATE_GEOCODER_URL", "nominatim.example", 1);
    assert_false(geocoder_config_from_env(&config));
    setenv("TENANTMATE_GEOCODER_URL", "http://127.0.0.1:7070", 1);
    setenv("TENANTMATE_GEOCODER_LANGUAGE", "de\r\nX-Injected: 1", 1);
    assert_false(geocoder_config_from_env(&config));
    setenv("TENANTMATE_GEOCODER_LANGUAGE", "de,en;q=0.8", 1);
    setenv("TENANTMATE_GEOCODER_INTERVAL", "-1", 1);
    assert_false(geocoder_config_from_env(&config));
    setenv("TENANTMATE_GEOCODER_INTERVAL", "2.5", 1);
    assert_true(geocoder_config_from_env(&config));
    assert_string_equal(config.url, "http://127.0.0.1:7070");
    assert_string_equal(config.language, "de,en;q=0.8");
    assert_true(config.interval_s == 2.5);
    assert_true(config.timeout_s == 30.0);
    unsetenv("TENANTMATE_GEOCODER_URL");
    unsetenv("TENANTMATE_GEOCODER_LANGUAGE");
    unsetenv("TENANTMATE_GEOCODER_INTERVAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_node_with_suburb),
        cmocka_unit_test(test_map_town_and_territory),
        cmocka_unit_test(test_map_village_before_municipality),
        cmocka_unit_test(test_map_unable_to_geocode),
        cmocka_unit_test(test_map_geocoding_failed),
        cmocka_unit_test(test_map_bad_responses),
        cmocka_unit_test(test_map_name_fallbacks),
        cmocka_unit_test(test_reverse_url),
        cmocka_unit_test_setup_teardown(test_request_format, client_setup, client_teardown),
        cmocka_unit_test_setup_teardown(test_requests_paced, client_setup, client_teardown),
        cmocka_unit_test_setup_teardown(test_stalled_response_never_blocks, client_setup,
                                        client_teardown),
        cmocka_unit_test_setup_teardown(test_breaker_opens_on_sixth_failure, client_setup,
                                        client_teardown),
        cmocka_unit_test_setup_teardown(test_geocoding_failed_keeps_breaker_closed, client_setup,
                                        client_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_queued_lookup, client_setup, client_teardown),
        cmocka_unit_test_setup_teardown(test_disabled_and_full_queue, client_setup,
                                        client_teardown),
        cmocka_unit_test(test_config_from_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
