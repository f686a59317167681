/*
 * import_time: local wall-clock times of one IANA time zone resolved to UTC
 * epoch milliseconds, fast enough for every row of an import.
 *
 * Contract: a struct import_zone names one zone and caches, per wall-clock
 * hour, the UTC offset that hour maps to when the whole hour maps to one
 * instant per second (no daylight saving change inside it). Other hours are
 * resolved row by row with teslafi_local_time_to_utc_ms(), so the repeated
 * hour in autumn is ambiguous and the skipped hour in spring does not
 * exist, whatever the zone's transition minute. The cache is a fixed
 * array owned by the struct; nothing is allocated.
 *
 * teslafi_local_time_to_utc_ms() switches the TZ environment variable for
 * each call, and the C library reloads the zone file whenever TZ changes.
 * import_zone_activate() sets TZ to the zone once, so those switches find
 * the same value and stay cheap. It changes process-wide state: call it
 * only in a single-threaded process (the tenantmate command) and restore
 * the previous value with import_zone_deactivate().
 */
#ifndef TENANTMATE_IMPORT_TIME_H
#define TENANTMATE_IMPORT_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "teslafi.h"

#define IMPORT_ZONE_NAME_SIZE 128
#define IMPORT_ZONE_CACHE_SIZE 4096

struct import_zone_hour {
    bool used;
    int64_t wall_hour;              /* hours since 1970-01-01T00 in wall-clock time */
    int64_t offset_s;               /* UTC = wall - offset */
};

struct import_zone {
    char name[IMPORT_ZONE_NAME_SIZE];
    bool activated;
    bool had_previous_tz;
    char previous_tz[IMPORT_ZONE_NAME_SIZE + 1];
    struct import_zone_hour hours[IMPORT_ZONE_CACHE_SIZE];
};

/* Returns false when the name does not fit or is not a tz database zone. */
bool import_zone_init(struct import_zone *zone, const char *name);

void import_zone_activate(struct import_zone *zone);
void import_zone_deactivate(struct import_zone *zone);

/* Resolves one local time; *utc_ms is set when TESLAFI_TIME_OK. */
enum teslafi_time_status import_zone_resolve(struct import_zone *zone,
                                             const struct teslafi_local_time *local,
                                             int64_t *utc_ms);

#endif
