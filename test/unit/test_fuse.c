/* Tests of common/fuse: the circuit breaker with Erlang fuse semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>

#include "fuse.h"

static void init_rejects_bad_limits(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 5, 600.0, 3600.0));
    assert_true(fuse_init(&fuse, 0, 1.0, 1.0));
    assert_true(fuse_init(&fuse, FUSE_MAX_MELTS, 1.0, 1.0));
    assert_false(fuse_init(&fuse, FUSE_MAX_MELTS + 1, 1.0, 1.0));
    assert_false(fuse_init(&fuse, 3, 0.0, 1.0));
    assert_false(fuse_init(&fuse, 3, -5.0, 1.0));
    assert_false(fuse_init(&fuse, 3, 600.0, 0.0));
    assert_false(fuse_init(&fuse, 3, INFINITY, 1.0));
    assert_false(fuse_init(&fuse, 3, NAN, 1.0));
}

/* api_error: 3 melts / 10 min blows on the 4th, heals after 5 min. */
static void blows_on_melt_above_limit(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 3, 600.0, 300.0));
    assert_false(fuse_melt(&fuse, 100.0));
    assert_false(fuse_melt(&fuse, 110.0));
    assert_false(fuse_melt(&fuse, 120.0));
    assert_int_equal(fuse_check(&fuse, 120.0), FUSE_OK);
    assert_int_equal(fuse_melts_in_window(&fuse, 120.0), 3);

    assert_true(fuse_melt(&fuse, 130.0));
    assert_int_equal(fuse_check(&fuse, 130.0), FUSE_BLOWN);
    assert_true(fuse_is_blown(&fuse, 429.0));
    assert_true(fuse_heal_at_s(&fuse) == 430.0);

    /* Melting a blown fuse does not move its heal time. */
    assert_true(fuse_melt(&fuse, 200.0));
    assert_true(fuse_heal_at_s(&fuse) == 430.0);

    assert_int_equal(fuse_check(&fuse, 430.0), FUSE_OK);
    assert_int_equal(fuse_melts_in_window(&fuse, 430.0), 0);
    assert_false(fuse_melt(&fuse, 431.0));
}

/* Melts older than the window no longer count. */
static void window_slides(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 3, 600.0, 300.0));
    assert_false(fuse_melt(&fuse, 0.0));
    assert_false(fuse_melt(&fuse, 100.0));
    assert_false(fuse_melt(&fuse, 200.0));
    /* At 600 the melt at 0 is exactly one window old and has left it. */
    assert_false(fuse_melt(&fuse, 600.0));
    assert_int_equal(fuse_melts_in_window(&fuse, 600.0), 3);
    assert_true(fuse_melt(&fuse, 650.0));
}

/* vehicle_not_found: 8 melts / 20 min blows on the 9th. */
static void vehicle_not_found_limits(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 8, 1200.0, 600.0));
    for (int i = 0; i < 8; i++)
        assert_false(fuse_melt(&fuse, 10.0 * i));
    assert_true(fuse_melt(&fuse, 100.0));
    assert_int_equal(fuse_check(&fuse, 699.0), FUSE_BLOWN);
    assert_int_equal(fuse_check(&fuse, 700.0), FUSE_OK);
}

/* unauthorized: 5 melts / 10 min; heals only after 9999 h. */
static void unauthorized_limits(void **state)
{
    struct fuse fuse;
    double heal_s = 9999.0 * 3600.0;

    (void)state;
    assert_true(fuse_init(&fuse, 5, 600.0, heal_s));
    for (int i = 0; i < 5; i++)
        assert_false(fuse_melt(&fuse, (double)i));
    assert_true(fuse_melt(&fuse, 5.0));
    assert_true(fuse_is_blown(&fuse, 5.0 + 30.0 * 86400.0));
    fuse_reset(&fuse);
    assert_false(fuse_is_blown(&fuse, 6.0));
    assert_int_equal(fuse_melts_in_window(&fuse, 6.0), 0);
}

static void disable_reports_blown_until_enabled(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 3, 600.0, 300.0));
    fuse_disable(&fuse);
    assert_int_equal(fuse_check(&fuse, 1.0), FUSE_DISABLED);
    assert_true(fuse_is_blown(&fuse, 1.0));
    assert_true(fuse_melt(&fuse, 1.0));

    fuse_enable(&fuse);
    assert_int_equal(fuse_check(&fuse, 2.0), FUSE_OK);
    /* The melt made while disabled still counts. */
    assert_int_equal(fuse_melts_in_window(&fuse, 2.0), 1);

    /* Reset keeps the disable switch. */
    fuse_disable(&fuse);
    fuse_reset(&fuse);
    assert_int_equal(fuse_check(&fuse, 3.0), FUSE_DISABLED);
}

static void zero_melts_blows_at_once(void **state)
{
    struct fuse fuse;

    (void)state;
    assert_true(fuse_init(&fuse, 0, 60.0, 10.0));
    assert_true(fuse_melt(&fuse, 1.0));
    assert_int_equal(fuse_check(&fuse, 10.9), FUSE_BLOWN);
    assert_int_equal(fuse_check(&fuse, 11.0), FUSE_OK);
}

static void state_names(void **state)
{
    (void)state;
    assert_string_equal(fuse_state_name(FUSE_OK), "ok");
    assert_string_equal(fuse_state_name(FUSE_BLOWN), "blown");
    assert_string_equal(fuse_state_name(FUSE_DISABLED), "disabled");
    assert_string_equal(fuse_state_name(FUSE_STATE_COUNT), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_limits),
        cmocka_unit_test(blows_on_melt_above_limit),
        cmocka_unit_test(window_slides),
        cmocka_unit_test(vehicle_not_found_limits),
        cmocka_unit_test(unauthorized_limits),
        cmocka_unit_test(disable_reports_blown_until_enabled),
        cmocka_unit_test(zero_melts_blows_at_once),
        cmocka_unit_test(state_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
