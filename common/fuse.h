/*
 * fuse: a circuit breaker with the semantics of Erlang's `fuse` library
 * (version 2.5.0, "standard" fuses), which TeslaMate uses.
 *
 * A fuse with max_melts R and window T blows when more than R melts fall
 * inside any sliding window of T seconds, that is on the (R+1)-th melt.
 * Once blown it stays blown for heal_s seconds; after that it is OK again
 * with an empty melt history. fuse_disable() makes it report blown until
 * fuse_enable(); fuse_reset() returns it to the freshly installed state.
 *
 * Contract: a plain value type with no clock, no allocation, no logging
 * and no I/O. Every time is an argument in seconds on one monotonic clock
 * chosen by the caller. Healing happens when fuse_check() or fuse_melt()
 * runs at or after fuse_heal_at_s(); a caller that must act at that moment
 * arms its own timer.
 */
#ifndef TENANTMATE_FUSE_H
#define TENANTMATE_FUSE_H

#include <stdbool.h>

/* Upper bound for max_melts. TeslaMate's largest fuse allows 8. */
#define FUSE_MAX_MELTS 32

enum fuse_state {
    FUSE_OK,
    FUSE_BLOWN,
    FUSE_DISABLED,      /* reports blown until fuse_enable() */
    FUSE_STATE_COUNT
};

struct fuse {
    unsigned max_melts;
    double window_s;
    double heal_s;
    double melt_times_s[FUSE_MAX_MELTS + 1];   /* oldest first */
    unsigned melt_count;
    bool blown;
    double blown_at_s;
    bool disabled;
};

/* Installs a fuse. Returns false, leaving *fuse untouched, when max_melts
 * exceeds FUSE_MAX_MELTS or a duration is not a positive finite number. */
bool fuse_init(struct fuse *fuse, unsigned max_melts, double window_s, double heal_s);

/* Records one melt at now_s. Returns true when the fuse is blown (or
 * disabled) afterwards. Melting a blown fuse changes nothing. */
bool fuse_melt(struct fuse *fuse, double now_s);

/* Returns the state at now_s, healing the fuse first when its time came. */
enum fuse_state fuse_check(struct fuse *fuse, double now_s);

/* True when fuse_check() would not return FUSE_OK. */
bool fuse_is_blown(struct fuse *fuse, double now_s);

/* Time at which a blown fuse heals; only meaningful while blown. */
double fuse_heal_at_s(const struct fuse *fuse);

/* Number of melts still inside the window ending at now_s. */
unsigned fuse_melts_in_window(const struct fuse *fuse, double now_s);

/* Clears the melt history and the blown state; keeps disable and limits. */
void fuse_reset(struct fuse *fuse);

void fuse_disable(struct fuse *fuse);
void fuse_enable(struct fuse *fuse);

const char *fuse_state_name(enum fuse_state state);

#endif
