/* Local times of one zone resolved to UTC, with a per-hour offset cache. */
#include "import_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool import_zone_init(struct import_zone *zone, const char *name)
{
    memset(zone, 0, sizeof(*zone));
    if (name == NULL || strlen(name) >= sizeof(zone->name) || !teslafi_zone_is_known(name))
        return false;
    snprintf(zone->name, sizeof(zone->name), "%s", name);
    return true;
}

void import_zone_activate(struct import_zone *zone)
{
    const char *previous = getenv("TZ");
    char setting[IMPORT_ZONE_NAME_SIZE + 2];

    if (zone->activated)
        return;
    zone->had_previous_tz = previous != NULL;
    if (previous != NULL)
        snprintf(zone->previous_tz, sizeof(zone->previous_tz), "%s", previous);

    /* The same form teslafi_local_time_to_utc_ms() sets, so its switches
     * compare equal and tzset() keeps the loaded zone. */
    snprintf(setting, sizeof(setting), ":%s", zone->name);
    setenv("TZ", setting, 1);
    tzset();
    zone->activated = true;
}

void import_zone_deactivate(struct import_zone *zone)
{
    if (!zone->activated)
        return;
    if (zone->had_previous_tz)
        setenv("TZ", zone->previous_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    zone->activated = false;
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static int64_t days_from_civil(int year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

    return era * 146097 + day_of_era - 719468;
}

static int64_t wall_seconds(const struct teslafi_local_time *local)
{
    return days_from_civil(local->year, local->month, local->day) * 86400 +
           local->hour * 3600 + local->minute * 60 + local->second;
}

static int64_t floor_divide(int64_t value, int64_t divisor)
{
    int64_t quotient = value / divisor;

    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

static struct import_zone_hour *cache_slot(struct import_zone *zone, int64_t wall_hour)
{
    int64_t index = wall_hour % IMPORT_ZONE_CACHE_SIZE;

    if (index < 0)
        index += IMPORT_ZONE_CACHE_SIZE;
    return &zone->hours[index];
}

/* The offset of one wall-clock second, when it maps to exactly one instant. */
static bool offset_at(const struct import_zone *zone, const struct teslafi_local_time *local,
                      int64_t *offset_s)
{
    int64_t utc_ms;

    if (teslafi_local_time_to_utc_ms(local, zone->name, &utc_ms) != TESLAFI_TIME_OK)
        return false;
    *offset_s = wall_seconds(local) - utc_ms / 1000;
    return true;
}

/* Caches the hour of `local` when its first and last second resolve with
 * the same offset: an offset change always opens a gap or an overlap,
 * which one of the two would fall into. */
static void cache_hour(struct import_zone *zone, const struct teslafi_local_time *local)
{
    struct teslafi_local_time first = *local, last = *local;
    int64_t first_offset_s, last_offset_s;

    first.minute = 0;
    first.second = 0;
    last.minute = 59;
    last.second = 59;
    if (!offset_at(zone, &first, &first_offset_s) || !offset_at(zone, &last, &last_offset_s) ||
        first_offset_s != last_offset_s)
        return;

    int64_t wall_hour = floor_divide(wall_seconds(local), 3600);
    struct import_zone_hour *slot = cache_slot(zone, wall_hour);

    slot->used = true;
    slot->wall_hour = wall_hour;
    slot->offset_s = first_offset_s;
}

enum teslafi_time_status import_zone_resolve(struct import_zone *zone,
                                             const struct teslafi_local_time *local,
                                             int64_t *utc_ms)
{
    int64_t wall_s = wall_seconds(local);
    int64_t wall_hour = floor_divide(wall_s, 3600);
    const struct import_zone_hour *slot = cache_slot(zone, wall_hour);
    enum teslafi_time_status status;

    if (slot->used && slot->wall_hour == wall_hour) {
        *utc_ms = (wall_s - slot->offset_s) * 1000;
        return TESLAFI_TIME_OK;
    }

    status = teslafi_local_time_to_utc_ms(local, zone->name, utc_ms);
    if (status == TESLAFI_TIME_OK)
        cache_hour(zone, local);
    return status;
}
