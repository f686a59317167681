/*
 * poll_stats: how late a worker's polls fire, for `make bench`.
 *
 * Contract: a small fixed-size histogram of lateness (actual minus
 * scheduled poll time) with buckets 5 % apart from 10 us to about 100 s,
 * so a quantile is exact to 5 %; lateness beyond lands in the last bucket
 * and under 10 us in the first. Recording is O(1) and allocates nothing,
 * so it stays on in production; the worker logs the summary when it
 * stops. No clock is read here: callers pass both times.
 */
#ifndef TENANTMATE_POLL_STATS_H
#define TENANTMATE_POLL_STATS_H

#include <stdint.h>

#define POLL_STATS_SMALLEST_S 0.00001
#define POLL_STATS_GROWTH 1.05
#define POLL_STATS_BUCKETS 332

struct poll_stats {
    uint64_t polls;
    double max_lateness_s;
    uint32_t buckets[POLL_STATS_BUCKETS];
};

void poll_stats_record(struct poll_stats *stats, double scheduled_s, double fired_s);

/* The lateness below which `fraction` (0 to 1) of the polls fired, as the
 * upper edge of its bucket but never above the maximum recorded; 0 when
 * nothing was recorded. */
double poll_stats_quantile_s(const struct poll_stats *stats, double fraction);

#endif
