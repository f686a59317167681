#include "backoff.h"

void backoff_init(struct backoff *backoff, double initial_s, double max_s)
{
    backoff->initial_s = initial_s;
    backoff->max_s = max_s < initial_s ? initial_s : max_s;
    backoff->next_s = initial_s;
}

double backoff_next_s(struct backoff *backoff)
{
    double delay_s = backoff->next_s;

    backoff->next_s = delay_s * 2.0;
    if (backoff->next_s > backoff->max_s)
        backoff->next_s = backoff->max_s;
    return delay_s;
}

double backoff_peek_s(const struct backoff *backoff)
{
    return backoff->next_s;
}

void backoff_reset(struct backoff *backoff)
{
    backoff->next_s = backoff->initial_s;
}
