/*
 * Addresses against PostgreSQL and fake-nominatim (TeslaMate's address
 * and charging-start cases): the shared cache by OSM id, the dummy
 * "Unknown" address, lookups that fail without stopping anything, and a
 * worker's lookups at drive close and charge start, which never wait.
 */
#include "places_test_support.h"

#include "address_cache.h"
#include "http.h"
#include "http_test_support.h"
#include "places.h"

struct address_test {
    struct fixture *fixture;
    struct fake_nominatim fake;
    struct ev_loop *loop;
    struct http_client *http;
    struct places *places_a;
    struct places *places_b;
};

static int setup(void **state)
{
    struct address_test *test = calloc(1, sizeof(*test));
    struct places_config config;
    void *fixture_state = NULL;

    if (test == NULL || fixture_setup(&fixture_state) != 0)
        return -1;
    test->fixture = fixture_state;
    fake_nominatim_start(&test->fake, NULL);
    test->loop = ev_loop_new(EVFLAG_AUTO);
    test->http = http_client_new(test->loop);

    geocoder_config_defaults(&config.geocoder, "test");
    srtm_config_defaults(&config.srtm);
    snprintf(config.geocoder.url, sizeof(config.geocoder.url), "%s", test->fake.url);
    config.geocoder.interval_s = 0.0;
    config.geocoder.timeout_s = 1.0;
    test->places_a = places_new(test->http, test->fixture->conn, TENANT_A, &config);
    test->places_b = places_new(test->http, test->fixture->conn, TENANT_B, &config);
    *state = test;
    return test->places_a != NULL && test->places_b != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    struct address_test *test = *state;
    void *fixture_state = test->fixture;

    places_free(test->places_a);
    places_free(test->places_b);
    http_client_free(test->http);
    ev_loop_destroy(test->loop);
    fake_nominatim_stop(&test->fake);
    fixture_teardown(&fixture_state);
    free(test);
    return 0;
}

struct idle_watch {
    ev_timer timer;
    struct address_test *test;
    bool idle;
};

static void on_idle_check(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct idle_watch *watch = (struct idle_watch *)timer;

    (void)loop;
    (void)events;
    watch->idle = places_pending(watch->test->places_a) == 0 &&
                  places_pending(watch->test->places_b) == 0;
}

/* Runs the loop until no lookup is waiting, for up to limit_s. */
static void wait_lookups(struct address_test *test, double limit_s)
{
    struct idle_watch watch = {.test = test};

    ev_timer_init(&watch.timer, on_idle_check, 0.01, 0.01);
    ev_timer_start(test->loop, &watch.timer);
    bool idle = test_run_until(test->loop, &watch.idle, limit_s);
    ev_timer_stop(test->loop, &watch.timer);
    assert_true(idle);
}

static int64_t next_car(struct recorder *recorder)
{
    static int64_t eid = 700;
    char vin[32];

    eid++;
    snprintf(vin, sizeof(vin), "ADDR-%" PRId64, eid);
    return create_car(recorder, eid, eid + 1000, vin);
}

/* A charging process started at the point, with its lookup queued as the
 * worker does. */
static int64_t start_charging_at(struct recorder *recorder, struct places *places,
                                 double latitude, double longitude)
{
    int64_t car = next_car(recorder);
    int64_t process = make_process(recorder, car, latitude, longitude);

    places_charging_started(places, car, process, latitude, longitude);
    return process;
}

static void assert_process_address(struct address_test *test, int64_t process_id,
                                   const char *expected)
{
    assert_query(test->fixture, expected,
                 "SELECT coalesce(a.city, 'NULL') || '|' || coalesce(a.osm_id::text, 'NULL')"
                 " FROM charging_processes cp LEFT JOIN addresses a ON a.id = cp.address_id"
                 " WHERE cp.id = %" PRId64,
                 process_id);
}

/* ---- the cache ------------------------------------------------------- */

static struct address full_address(int64_t osm_id, const char *city)
{
    struct address address = {
        .display_name = strdup("some display_name"),
        .name = strdup("some name"),
        .house_number = strdup("some house_number"),
        .road = strdup("some road"),
        .neighbourhood = strdup("some neighbourhood"),
        .city = strdup(city),
        .county = strdup("some county"),
        .postcode = strdup("some postcode"),
        .state = strdup("some state"),
        .state_district = strdup("some state_district"),
        .country = strdup("some country"),
        .osm_id = osm_id,
        .raw = strdup("{}"),
    };

    snprintf(address.latitude, sizeof(address.latitude), "20.5");
    snprintf(address.longitude, sizeof(address.longitude), "120.5");
    snprintf(address.osm_type, sizeof(address.osm_type), "way");
    return address;
}

static int64_t store(struct address_test *test, const struct address *address, bool *ok)
{
    int64_t address_id = 0;

    assert_true(db_begin_tenant(test->fixture->conn, TENANT_A));
    *ok = address_cache_store_in_transaction(test->fixture->conn, address, &address_id);
    if (*ok)
        assert_true(db_commit(test->fixture->conn));
    else
        db_rollback(test->fixture->conn);
    return address_id;
}

static void cache_stores_every_column(void **state)
{
    struct address_test *test = *state;
    struct address address = full_address(42, "some city");
    bool ok = false;
    int64_t id = store(test, &address, &ok);

    assert_true(ok);
    assert_query(test->fixture,
                 "some city|some county|some country|some display_name|some house_number|"
                 "20.500000|120.500000|some name|some neighbourhood|42|way|some postcode|{}|"
                 "some road|some state|some state_district",
                 "SELECT concat_ws('|', city, county, country, display_name, house_number,"
                 " latitude, longitude, name, neighbourhood, osm_id, osm_type, postcode, raw,"
                 " road, state, state_district) FROM addresses WHERE id = %" PRId64,
                 id);
    address_clear(&address);
}

static void cache_rejects_missing_fields(void **state)
{
    struct address_test *test = *state;
    struct address empty = {0};
    bool ok = true;

    store(test, &empty, &ok);
    assert_false(ok);
    assert_query(test->fixture, "0", "SELECT count(*) FROM addresses");
}

/* A row found by OSM id is reused unchanged, even with new text. */
static void cache_reuses_row_unchanged(void **state)
{
    struct address_test *test = *state;
    struct address first = full_address(43, "some city");
    struct address second = full_address(43, "some updated city");
    bool ok = false;

    int64_t first_id = store(test, &first, &ok);
    assert_true(ok);
    int64_t second_id = store(test, &second, &ok);
    assert_true(ok);
    assert_int_equal(first_id, second_id);
    assert_query(test->fixture, "1|some city",
                 "SELECT count(*) || '|' || min(city) FROM addresses");
    address_clear(&first);
    address_clear(&second);
}

/* Blank text becomes NULL; text longer than its column is cut. */
static void cache_blanks_and_long_text(void **state)
{
    struct address_test *test = *state;
    struct address address = full_address(44, "  ");
    char long_text[700];
    bool ok = false;

    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    free(address.display_name);
    free(address.road);
    address.display_name = strdup(long_text);
    address.road = strdup(long_text);
    free(address.name);
    address.name = strdup("");

    int64_t id = store(test, &address, &ok);
    assert_true(ok);
    assert_query(test->fixture, "512|255|t|t",
                 "SELECT concat_ws('|', length(display_name), length(road), city IS NULL,"
                 " name IS NULL) FROM addresses WHERE id = %" PRId64,
                 id);
    address_clear(&address);
}

/* ---- lookups through the geocoder -------------------------------------- */

static void lookups_share_one_row(void **state)
{
    struct address_test *test = *state;
    int64_t first = start_charging_at(&test->fixture->tenant_a, test->places_a, 52.019596,
                                      8.526318);
    int64_t second = start_charging_at(&test->fixture->tenant_a, test->places_a, 52.019687,
                                       8.526041);

    wait_lookups(test, 10.0);
    assert_process_address(test, first, "Bielefeld|103619766");
    assert_process_address(test, second, "Bielefeld|103619766");
    assert_query(test->fixture, "1", "SELECT count(*) FROM addresses");
    assert_query(test->fixture, "1",
                 "SELECT count(DISTINCT address_id) FROM charging_processes");
}

static void charge_start_geocoding_cases(void **state)
{
    struct address_test *test = *state;
    int64_t bielefeld = start_charging_at(&test->fixture->tenant_a, test->places_a, 0.0, 0.0);
    int64_t failing = start_charging_at(&test->fixture->tenant_a, test->places_a, 99.9, 99.9);
    int64_t unknown = start_charging_at(&test->fixture->tenant_a, test->places_a, -99.9,
                                        -99.9);

    wait_lookups(test, 10.0);
    assert_process_address(test, bielefeld, "Bielefeld|103619766");
    assert_query(test->fixture, "t",
                 "SELECT address_id IS NULL FROM charging_processes WHERE id = %" PRId64, failing);
    assert_query(test->fixture, "99.900000|99.900000",
                 "SELECT p.latitude || '|' || p.longitude FROM charging_processes cp"
                 " JOIN positions p ON p.id = cp.position_id WHERE cp.id = %" PRId64,
                 failing);
    assert_query(test->fixture, "Unknown|unknown|0|0.000000|0.000000|{\"error\": \"Unable to geocode\"}",
                 "SELECT concat_ws('|', a.display_name, a.osm_type, a.osm_id, a.latitude,"
                 " a.longitude, a.raw) FROM charging_processes cp"
                 " JOIN addresses a ON a.id = cp.address_id WHERE cp.id = %" PRId64,
                 unknown);
}

static void drive_ends_share_address(void **state)
{
    struct address_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t drive = make_drive(&test->fixture->tenant_a, car, 50.112198, 11.597669, 50.11196,
                               11.600445);

    places_drive_closed(test->places_a, car, drive, 50.112198, 11.597669, 50.11196, 11.600445);
    wait_lookups(test, 10.0);
    assert_query(test->fixture, "true|Bielefeld",
                 "SELECT (d.start_address_id = d.end_address_id)::text || '|' || a.city"
                 " FROM drives d JOIN addresses a ON a.id = d.start_address_id"
                 " WHERE d.id = %" PRId64,
                 drive);
}

static void berlin_address_mapped(void **state)
{
    struct address_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_a);
    int64_t drive = make_drive(&test->fixture->tenant_a, car, 52.51500, 13.35100, 52.394246,
                               13.542552);

    places_drive_closed(test->places_a, car, drive, 52.51500, 13.35100, 52.394246, 13.542552);
    wait_lookups(test, 10.0);
    assert_query(test->fixture,
                 "89721012|1|Gro\xc3\x9f\x65r Stern|Tiergarten|Berlin|10787|Germany|t|t|52.514507",
                 "SELECT concat_ws('|', a.osm_id, a.house_number, a.road, a.neighbourhood,"
                 " a.state, a.postcode, a.country, a.city IS NULL, a.name IS NULL, a.latitude)"
                 " FROM drives d JOIN addresses a ON a.id = d.start_address_id"
                 " WHERE d.id = %" PRId64,
                 drive);
    assert_query(test->fixture, "64445009|24-26|52.394105|13.542571",
                 "SELECT concat_ws('|', a.osm_id, a.house_number, a.latitude, a.longitude)"
                 " FROM drives d JOIN addresses a ON a.id = d.end_address_id"
                 " WHERE d.id = %" PRId64,
                 drive);
}

/* An address row contains nothing about who was there: tenant B reuses the
 * row tenant A's lookup created, and each tenant sees only its own
 * processes. */
static void addresses_shared_across_tenants(void **state)
{
    struct address_test *test = *state;
    int64_t process_a = start_charging_at(&test->fixture->tenant_a, test->places_a,
                                          -25.066188, -130.100502);
    wait_lookups(test, 10.0);
    int64_t process_b = start_charging_at(&test->fixture->tenant_b, test->places_b,
                                          -25.066188, -130.100502);
    wait_lookups(test, 10.0);

    assert_process_address(test, process_a, "Adamstown|246879822");
    assert_process_address(test, process_b, "Adamstown|246879822");
    assert_query(test->fixture, "1", "SELECT count(*) FROM addresses");

    char count[TEXT_SIZE];
    tenant_sql_ok(test->fixture->conn, TENANT_B,
                  "SELECT count(*) FROM charging_processes WHERE address_id IS NOT NULL", count);
    assert_string_equal(count, "1");
}

/* Bad responses leave the address NULL and stop nothing: the next lookups
 * succeed. */
static void bad_responses_leave_null(void **state)
{
    struct address_test *test = *state;
    const char *const modes[] = {"not-json", "no-osm-id", "error", "unavailable"};
    int64_t processes[4];

    for (int i = 0; i < 4; i++) {
        fake_nominatim_mode(&test->fake, modes[i]);
        processes[i] = start_charging_at(&test->fixture->tenant_a, test->places_a, 1.0 + i,
                                         2.0);
        wait_lookups(test, 10.0);
    }
    fake_nominatim_mode(&test->fake, "ok");
    int64_t good = start_charging_at(&test->fixture->tenant_a, test->places_a, 5.0, 2.0);
    wait_lookups(test, 10.0);

    for (int i = 0; i < 4; i++)
        assert_query(test->fixture, "t",
                     "SELECT address_id IS NULL FROM charging_processes WHERE id = %" PRId64,
                     processes[i]);
    assert_process_address(test, good, "Bielefeld|103619766");
    assert_query(test->fixture, "1", "SELECT count(*) FROM addresses");
    assert_int_equal(places_counters(test->places_a).lookups_without_address, 4);
}

/* A stalled geocoder (TeslaMate's 30 s timeout; 1 s here) delays neither
 * closing the drive nor anything else on the loop. */
static void stalled_geocoder_never_delays(void **state)
{
    struct address_test *test = *state;
    int64_t car = next_car(&test->fixture->tenant_a);

    fake_nominatim_mode(&test->fake, "stall");
    double started_s = test_monotonic_s();
    int64_t drive = make_drive(&test->fixture->tenant_a, car, 1.0, 2.0, 1.001, 2.0);
    places_drive_closed(test->places_a, car, drive, 1.0, 2.0, 1.001, 2.0);
    double elapsed_s = test_monotonic_s() - started_s;
    if (elapsed_s > 0.5)
        fail_msg("closing the drive took %.3f s", elapsed_s);

    assert_query(test->fixture, "t",
                 "SELECT end_date IS NOT NULL AND start_address_id IS NULL FROM drives"
                 " WHERE id = %" PRId64,
                 drive);
    wait_lookups(test, 10.0);
    assert_query(test->fixture, "true|true",
                 "SELECT (start_address_id IS NULL)::text || '|' || (end_address_id IS NULL)"
                 " FROM drives WHERE id = %" PRId64,
                 drive);
    fake_nominatim_mode(&test->fake, "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cache_stores_every_column, setup, teardown),
        cmocka_unit_test_setup_teardown(cache_rejects_missing_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(cache_reuses_row_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(cache_blanks_and_long_text, setup, teardown),
        cmocka_unit_test_setup_teardown(lookups_share_one_row, setup, teardown),
        cmocka_unit_test_setup_teardown(charge_start_geocoding_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(drive_ends_share_address, setup, teardown),
        cmocka_unit_test_setup_teardown(berlin_address_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(addresses_shared_across_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_responses_leave_null, setup, teardown),
        cmocka_unit_test_setup_teardown(stalled_geocoder_never_delays, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
