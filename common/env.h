/*
 * env: typed, validated reads of environment variables.
 *
 * Contract: an unset or empty variable yields the fallback. A set value
 * that does not parse or is out of range logs one error naming the
 * variable, the value and the accepted form, and the function returns
 * false without touching *out. Nothing is allocated; strings point into
 * the environment. Never use these for secrets that could be echoed:
 * env_secret() reports a bad value without printing it.
 */
#ifndef TENANTMATE_ENV_H
#define TENANTMATE_ENV_H

#include <stdbool.h>

bool env_string(const char *name, const char *fallback, const char **out);
bool env_secret(const char *name, const char **out);
bool env_seconds(const char *name, double fallback, double min_s, double max_s, double *out);
bool env_integer(const char *name, long fallback, long min, long max, long *out);
bool env_boolean(const char *name, bool fallback, bool *out);

/* Parse a decimal number of seconds ("30", "0.5"); false on trailing text. */
bool parse_seconds(const char *text, double *seconds);

#endif
