#include "fuse.h"

#include <math.h>
#include <string.h>

static const char *const fuse_state_names[FUSE_STATE_COUNT] = {
    [FUSE_OK] = "ok",
    [FUSE_BLOWN] = "blown",
    [FUSE_DISABLED] = "disabled",
};

_Static_assert(sizeof(fuse_state_names) / sizeof(fuse_state_names[0]) == FUSE_STATE_COUNT,
               "fuse_state_names must name every fuse state");

const char *fuse_state_name(enum fuse_state state)
{
    if (state < 0 || state >= FUSE_STATE_COUNT)
        return "invalid";
    return fuse_state_names[state];
}

static bool positive_duration(double seconds)
{
    return isfinite(seconds) && seconds > 0.0;
}

bool fuse_init(struct fuse *fuse, unsigned max_melts, double window_s, double heal_s)
{
    if (max_melts > FUSE_MAX_MELTS || !positive_duration(window_s) ||
        !positive_duration(heal_s))
        return false;

    memset(fuse, 0, sizeof(*fuse));
    fuse->max_melts = max_melts;
    fuse->window_s = window_s;
    fuse->heal_s = heal_s;
    return true;
}

void fuse_reset(struct fuse *fuse)
{
    fuse->melt_count = 0;
    fuse->blown = false;
    fuse->blown_at_s = 0.0;
}

/* Drops melts that left the window (older than now_s - window_s). */
static void forget_old_melts(struct fuse *fuse, double now_s)
{
    unsigned first_kept = 0;

    while (first_kept < fuse->melt_count &&
           fuse->melt_times_s[first_kept] <= now_s - fuse->window_s)
        first_kept++;
    if (first_kept == 0)
        return;

    fuse->melt_count -= first_kept;
    memmove(fuse->melt_times_s, fuse->melt_times_s + first_kept,
            fuse->melt_count * sizeof(fuse->melt_times_s[0]));
}

static void heal_when_due(struct fuse *fuse, double now_s)
{
    if (fuse->blown && now_s >= fuse_heal_at_s(fuse))
        fuse_reset(fuse);
}

enum fuse_state fuse_check(struct fuse *fuse, double now_s)
{
    heal_when_due(fuse, now_s);
    if (fuse->disabled)
        return FUSE_DISABLED;
    return fuse->blown ? FUSE_BLOWN : FUSE_OK;
}

bool fuse_is_blown(struct fuse *fuse, double now_s)
{
    return fuse_check(fuse, now_s) != FUSE_OK;
}

bool fuse_melt(struct fuse *fuse, double now_s)
{
    heal_when_due(fuse, now_s);
    if (fuse->blown)
        return true;

    forget_old_melts(fuse, now_s);
    fuse->melt_times_s[fuse->melt_count++] = now_s;
    if (fuse->melt_count > fuse->max_melts) {
        fuse->blown = true;
        fuse->blown_at_s = now_s;
        fuse->melt_count = 0;
    }
    return fuse->blown || fuse->disabled;
}

double fuse_heal_at_s(const struct fuse *fuse)
{
    return fuse->blown_at_s + fuse->heal_s;
}

unsigned fuse_melts_in_window(const struct fuse *fuse, double now_s)
{
    unsigned count = 0;

    for (unsigned i = 0; i < fuse->melt_count; i++) {
        if (fuse->melt_times_s[i] > now_s - fuse->window_s)
            count++;
    }
    return count;
}

void fuse_disable(struct fuse *fuse)
{
    fuse->disabled = true;
}

void fuse_enable(struct fuse *fuse)
{
    fuse->disabled = false;
}
