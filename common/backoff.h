/*
 * backoff: exponential retry delays.
 *
 * Contract: a plain value type with no clock. backoff_next_s() returns the
 * delay to wait before the next attempt and doubles the following one up
 * to max_s; backoff_reset() starts over after a success.
 */
#ifndef TENANTMATE_BACKOFF_H
#define TENANTMATE_BACKOFF_H

struct backoff {
    double initial_s;
    double max_s;
    double next_s;
};

void backoff_init(struct backoff *backoff, double initial_s, double max_s);
double backoff_next_s(struct backoff *backoff);
double backoff_peek_s(const struct backoff *backoff);
void backoff_reset(struct backoff *backoff);

#endif
