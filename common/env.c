#include "env.h"

#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *env_value(const char *name)
{
    const char *value = getenv(name);

    if (value == NULL || *value == '\0')
        return NULL;
    return value;
}

bool env_string(const char *name, const char *fallback, const char **out)
{
    const char *value = env_value(name);

    *out = value != NULL ? value : fallback;
    return true;
}

bool env_secret(const char *name, const char **out)
{
    const char *value = env_value(name);

    if (value == NULL) {
        log_error("%s is not set: set it to the secret used by every tenantmate process", name);
        return false;
    }
    *out = value;
    return true;
}

bool parse_seconds(const char *text, double *seconds)
{
    char *end = NULL;

    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(value))
        return false;
    *seconds = value;
    return true;
}

bool env_seconds(const char *name, double fallback, double min_s, double max_s, double *out)
{
    const char *value = env_value(name);
    double seconds;

    if (value == NULL) {
        *out = fallback;
        return true;
    }

    if (!parse_seconds(value, &seconds) || seconds < min_s || seconds > max_s) {
        log_error("invalid %s \"%s\": expected a number of seconds from %g to %g",
                  name, value, min_s, max_s);
        return false;
    }
    *out = seconds;
    return true;
}

bool env_integer(const char *name, long fallback, long min, long max, long *out)
{
    const char *value = env_value(name);
    char *end = NULL;

    if (value == NULL) {
        *out = fallback;
        return true;
    }

    errno = 0;
    long parsed = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || parsed < min || parsed > max) {
        log_error("invalid %s \"%s\": expected an integer from %ld to %ld", name, value, min, max);
        return false;
    }
    *out = parsed;
    return true;
}

bool env_boolean(const char *name, bool fallback, bool *out)
{
    const char *value = env_value(name);

    if (value == NULL) {
        *out = fallback;
        return true;
    }

    if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) {
        *out = true;
    } else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
        *out = false;
    } else {
        log_error("invalid %s \"%s\": expected true or false", name, value);
        return false;
    }
    return true;
}
