/* Unit tests of the poll lateness histogram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "poll_stats.h"

static struct poll_stats *new_stats(void)
{
    struct poll_stats *stats = calloc(1, sizeof(*stats));

    assert_non_null(stats);
    return stats;
}

static void empty_stats_report_zero(void **state)
{
    (void)state;
    struct poll_stats *stats = new_stats();

    assert_true(poll_stats_quantile_s(stats, 0.5) == 0);
    free(stats);
}

static void quantiles_follow_recorded_lateness(void **state)
{
    (void)state;
    struct poll_stats *stats = new_stats();

    /* 99 polls 1 ms late, one 2 s late. */
    for (int i = 0; i < 99; i++)
        poll_stats_record(stats, 100.0, 100.001);
    poll_stats_record(stats, 100.0, 102.0);

    assert_int_equal(stats->polls, 100);
    assert_true(poll_stats_quantile_s(stats, 0.5) >= 0.001);
    assert_true(poll_stats_quantile_s(stats, 0.5) < 0.00106);
    assert_true(poll_stats_quantile_s(stats, 0.99) >= 2.0);
    assert_true(poll_stats_quantile_s(stats, 0.99) < 2.11);
    assert_true(stats->max_lateness_s > 1.99);
    free(stats);
}

/* A bucket's upper edge may lie above every recorded lateness: a
 * quantile above the maximum would be a figure no poll had. */
static void quantiles_never_exceed_maximum(void **state)
{
    (void)state;
    struct poll_stats *stats = new_stats();

    poll_stats_record(stats, 100.0, 100.0043);

    assert_true(poll_stats_quantile_s(stats, 0.5) <= stats->max_lateness_s);
    assert_true(poll_stats_quantile_s(stats, 0.99) <= stats->max_lateness_s);
    assert_true(poll_stats_quantile_s(stats, 0.99) > 0.0042);
    free(stats);
}

static void early_and_huge_lateness_are_bounded(void **state)
{
    (void)state;
    struct poll_stats *stats = new_stats();

    poll_stats_record(stats, 100.0, 99.99);
    poll_stats_record(stats, 0.0, 1e9);

    assert_int_equal(stats->buckets[0], 1);
    assert_int_equal(stats->buckets[POLL_STATS_BUCKETS - 1], 1);
    assert_true(poll_stats_quantile_s(stats, 0.0) <= POLL_STATS_SMALLEST_S);
    assert_true(poll_stats_quantile_s(stats, 0.99) > 1e8);
    free(stats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_stats_report_zero),
        cmocka_unit_test(quantiles_follow_recorded_lateness),
        cmocka_unit_test(quantiles_never_exceed_maximum),
        cmocka_unit_test(early_and_huge_lateness_are_bounded),
    };

    return cmocka_run_group_tests_name("poll_stats", tests, NULL, NULL);
}
