#include "poll_stats.h"

#include <math.h>

static unsigned bucket_of(double lateness_s)
{
    if (lateness_s <= POLL_STATS_SMALLEST_S)
        return 0;

    double index = ceil(log(lateness_s / POLL_STATS_SMALLEST_S) / log(POLL_STATS_GROWTH));
    if (index >= POLL_STATS_BUCKETS - 1)
        return POLL_STATS_BUCKETS - 1;
    return (unsigned)index;
}

static double bucket_upper_edge_s(unsigned bucket)
{
    return POLL_STATS_SMALLEST_S * pow(POLL_STATS_GROWTH, bucket);
}

void poll_stats_record(struct poll_stats *stats, double scheduled_s, double fired_s)
{
    double lateness_s = fired_s - scheduled_s;

    /* libev may fire a timer a hair early by its own clock reading. */
    if (lateness_s < 0)
        lateness_s = 0;

    stats->buckets[bucket_of(lateness_s)]++;
    stats->polls++;
    if (lateness_s > stats->max_lateness_s)
        stats->max_lateness_s = lateness_s;
}

double poll_stats_quantile_s(const struct poll_stats *stats, double fraction)
{
    if (stats->polls == 0)
        return 0;

    uint64_t rank = (uint64_t)(fraction * (double)stats->polls);
    if (rank >= stats->polls)
        rank = stats->polls - 1;

    uint64_t seen = 0;
    for (unsigned bucket = 0; bucket < POLL_STATS_BUCKETS - 1; bucket++) {
        seen += stats->buckets[bucket];
        if (seen > rank)
            return fmin(bucket_upper_edge_s(bucket), stats->max_lateness_s);
    }
    return stats->max_lateness_s;
}
