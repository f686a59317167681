/*
 * Unit tests of the import's time zone resolution: the per-hour cache must
 * return what resolving every time on its own returns, including around
 * daylight saving changes of one hour and of half an hour.
 */
#include "import_test_support.h"

/* Resolves every minute (and second 59) of two days around a change, once
 * through the cache and once directly, and compares. */
static void compare_days(const char *zone_name, int year, int month, int day)
{
    struct import_zone *zone = calloc(1, sizeof(*zone));
    long differences = 0, checked = 0;

    assert_non_null(zone);
    assert_true(import_zone_init(zone, zone_name));
    import_zone_activate(zone);
    for (int day_offset = 0; day_offset < 2; day_offset++) {
        for (int minute = 0; minute < 24 * 60; minute++) {
            for (int second = 0; second < 60; second += 59) {
                struct teslafi_local_time local = {year, month, day + day_offset, minute / 60,
                                                   minute % 60, second};
                int64_t cached_ms = 0, direct_ms = 0;
                enum teslafi_time_status cached = import_zone_resolve(zone, &local, &cached_ms);
                enum teslafi_time_status direct =
                    teslafi_local_time_to_utc_ms(&local, zone_name, &direct_ms);

                checked++;
                if (cached != direct || (cached == TESLAFI_TIME_OK && cached_ms != direct_ms))
                    differences++;
            }
        }
    }
    import_zone_deactivate(zone);
    free(zone);
    assert_int_equal(checked, 2 * 24 * 60 * 2);
    assert_int_equal(differences, 0);
}

static void cache_matches_berlin_autumn(void **state)
{
    (void)state;
    compare_days("Europe/Berlin", 2019, 10, 26);
}

static void cache_matches_berlin_spring(void **state)
{
    (void)state;
    compare_days("Europe/Berlin", 2018, 3, 24);
}

static void cache_matches_los_angeles(void **state)
{
    (void)state;
    compare_days("America/Los_Angeles", 2016, 11, 5);
}

static void cache_matches_half_hour_change(void **state)
{
    (void)state;
    /* Lord Howe Island moves its clocks by 30 minutes. */
    compare_days("Australia/Lord_Howe", 2019, 4, 6);
    compare_days("Australia/Lord_Howe", 2019, 10, 5);
}

static void repeated_hour_rows(void **state)
{
    (void)state;
    struct import_zone *zone = calloc(1, sizeof(*zone));
    int ambiguous = 0;

    assert_non_null(zone);
    assert_true(import_zone_init(zone, "Europe/Berlin"));
    /* Fixture 05's day: every second from 02:00:00 to 02:59:59 repeats. */
    for (int minute = 0; minute < 180; minute++) {
        struct teslafi_local_time local = {2019, 10, 27, 1 + minute / 60, minute % 60, 30};
        int64_t utc_ms;

        if (import_zone_resolve(zone, &local, &utc_ms) == TESLAFI_TIME_AMBIGUOUS)
            ambiguous++;
    }
    assert_int_equal(ambiguous, 60);
    free(zone);
}

static void unknown_zone(void **state)
{
    (void)state;
    struct import_zone *zone = calloc(1, sizeof(*zone));

    assert_non_null(zone);
    assert_false(import_zone_init(zone, "Mars/Olympus"));
    assert_false(import_zone_init(zone, "../../etc/passwd"));
    assert_false(import_zone_init(zone, ""));
    assert_true(import_zone_init(zone, "Etc/UTC"));
    free(zone);
}

static void activation_restores_tz(void **state)
{
    (void)state;
    struct import_zone *zone = calloc(1, sizeof(*zone));

    assert_non_null(zone);
    setenv("TZ", "UTC", 1);
    assert_true(import_zone_init(zone, "Europe/Berlin"));
    import_zone_activate(zone);
    assert_string_equal(getenv("TZ"), ":Europe/Berlin");
    import_zone_deactivate(zone);
    assert_string_equal(getenv("TZ"), "UTC");
    unsetenv("TZ");
    free(zone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_matches_berlin_autumn),
        cmocka_unit_test(cache_matches_berlin_spring),
        cmocka_unit_test(cache_matches_los_angeles),
        cmocka_unit_test(cache_matches_half_hour_change),
        cmocka_unit_test(repeated_hour_rows),
        cmocka_unit_test(unknown_zone),
        cmocka_unit_test(activation_restores_tz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
