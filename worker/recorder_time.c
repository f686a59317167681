#include "recorder.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MICROSECONDS_PER_SECOND INT64_C(1000000)

void recorder_time_format(int64_t date_us, char out[RECORDER_TIME_TEXT_SIZE])
{
    int64_t seconds = date_us / MICROSECONDS_PER_SECOND;
    int64_t fraction_us = date_us % MICROSECONDS_PER_SECOND;
    struct tm fields;

    /* Dates before 1970: floor division keeps the fraction positive. */
    if (fraction_us < 0) {
        fraction_us += MICROSECONDS_PER_SECOND;
        seconds--;
    }

    time_t time_s = (time_t)seconds;
    if (gmtime_r(&time_s, &fields) == NULL) {
        snprintf(out, RECORDER_TIME_TEXT_SIZE, "invalid");
        return;
    }
    /* A buffer wide enough for any int fields, so the compiler can see the
     * text is never cut; a real date is 26 characters. */
    char text[96];
    snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d.%06d", fields.tm_year + 1900,
             fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min, fields.tm_sec,
             (int)fraction_us);
    snprintf(out, RECORDER_TIME_TEXT_SIZE, "%.*s", RECORDER_TIME_TEXT_SIZE - 1, text);
}

/* Up to 6 fraction digits after the point, scaled to microseconds. */
static bool parse_fraction(const char *text, int64_t *fraction_us)
{
    int64_t scale = 100000;

    *fraction_us = 0;
    if (*text == '\0')
        return true;
    if (*text++ != '.' || *text == '\0')
        return false;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9' || scale == 0)
            return false;
        *fraction_us += (*text - '0') * scale;
        scale /= 10;
    }
    return true;
}

bool recorder_time_parse(const char *text, int64_t *date_us)
{
    struct tm fields;
    int consumed = -1;
    int64_t fraction_us;

    memset(&fields, 0, sizeof(fields));
    if (sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%n", &fields.tm_year, &fields.tm_mon,
               &fields.tm_mday, &fields.tm_hour, &fields.tm_min, &fields.tm_sec, &consumed) != 6 ||
        consumed < 0)
        return false;
    if (!parse_fraction(text + consumed, &fraction_us))
        return false;

    fields.tm_year -= 1900;
    fields.tm_mon -= 1;
    time_t seconds = timegm(&fields);
    *date_us = (int64_t)seconds * MICROSECONDS_PER_SECOND + fraction_us;
    return true;
}
