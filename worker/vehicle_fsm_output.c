/* Building the output of one event: effects, poll timer, state changes. */
#include "vehicle_fsm_internal.h"

#include <math.h>
#include <string.h>

void fsm_output_reset(struct fsm_output *out, enum fsm_state state)
{
    out->previous_state = state;
    out->state = state;
    out->poll.action = FSM_TIMER_KEEP;
    out->poll.delay_s = 0.0;
    out->arm_store_position_timer = false;
    out->start_fetch = false;
    out->fetch.id = 0;
    out->fetch.plan = FETCH_PLAN_REACHABLE;
    memset(&out->reply, 0, sizeof(out->reply));
    out->effect_count = 0;
    out->effects_overflow = false;
}

struct fsm_effect *fsm_add_effect(struct fsm_output *out, enum fsm_effect_type type)
{
    struct fsm_effect *effect = &out->dropped;

    if (out->effect_count < FSM_EFFECTS_MAX)
        effect = &out->effects[out->effect_count++];
    else
        out->effects_overflow = true;

    memset(effect, 0, sizeof(*effect));
    effect->type = type;
    return effect;
}

struct fsm_effect *fsm_add_notice(struct fsm_output *out, enum fsm_notice code)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_NOTICE);

    effect->notice.code = code;
    return effect;
}

/* The one place where the state changes; the caller reports out->state. */
void fsm_set_state(struct vehicle_fsm *fsm, enum fsm_state state)
{
    fsm->state = state;
}

int64_t fsm_now_ms(double now_s)
{
    return fsm_ms_from_s(now_s);
}

/* No poll may fire before a rate limit ends, whatever asked for it. The
 * fast-polling cap (zero unless allowed) applies before that rule. */
static void set_poll(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                     double delay_s)
{
    double limited_s = fsm->rate_limited_until_s - now_s;
    double cap_s = fsm->config.max_poll_interval_s;

    if (cap_s > 0.0 && delay_s > cap_s)
        delay_s = cap_s;
    if (limited_s > delay_s)
        delay_s = limited_s;
    out->poll.action = FSM_TIMER_SET;
    out->poll.delay_s = delay_s;
}

/* TeslaMate's poll(n): never sooner than POLLING_MINIMUM_INTERVAL. */
void fsm_poll(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s, double seconds)
{
    set_poll(fsm, out, now_s, fmax(seconds, fsm->config.minimum_interval_s));
}

void fsm_poll_default(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s)
{
    set_poll(fsm, out, now_s, FSM_POLL_DEFAULT_S);
}

void fsm_poll_minutes(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                      double minutes)
{
    set_poll(fsm, out, now_s, minutes * 60.0);
}

void fsm_publish_summary(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_PUBLISH_SUMMARY);

    effect->publish_summary.state = vehicle_fsm_summary_state(fsm);
    effect->publish_summary.since_ms = fsm->last_state_change_ms;
    effect->publish_summary.healthy = vehicle_fsm_healthy(fsm, now_s);
}

/* "since" of the summary, for a change that writes no states row. */
void fsm_set_since(struct vehicle_fsm *fsm, int64_t since_ms)
{
    fsm->last_state_change_ms = since_ms;
    fsm->since_open_row = false;
}

/*
 * Asks for a states row and updates "since". The recorder keeps an open row
 * of the same state as it is; a different one is closed at date_ms, so the
 * date is raised to the open row's start to keep end >= start. "since"
 * stays at the open row's start only when nothing happened since that row
 * opened, as after a worker restart or a flicker through `start`. After a
 * drive or a suspension it is the new date, as TeslaMate's tests expect.
 */
void fsm_record_state(struct vehicle_fsm *fsm, struct fsm_output *out,
                      enum fsm_recorded_state state, int64_t date_ms)
{
    struct fsm_open_state *open = &fsm->open_state;
    struct fsm_effect *effect;

    if (open->known && open->state != state && date_ms < open->start_ms)
        date_ms = open->start_ms;

    effect = fsm_add_effect(out, FSM_EFFECT_START_STATE);
    effect->start_state.state = state;
    effect->start_state.date_ms = date_ms;

    if (open->known && open->state == state) {
        if (!fsm->since_open_row)
            fsm_set_since(fsm, date_ms);
        return;
    }
    open->known = true;
    open->state = state;
    open->start_ms = date_ms;
    fsm->last_state_change_ms = date_ms;
    fsm->since_open_row = true;
}

int64_t fsm_drive_date_ms(const struct vehicle_sample *sample, double now_s)
{
    if (sample != NULL && sample->has_drive_state && sample->drive.timestamp_ms.known)
        return sample->drive.timestamp_ms.value;
    return fsm_now_ms(now_s);
}

/* A position without coordinates cannot be stored: it is skipped with a
 * notice, and everything else of the sample is still recorded. */
void fsm_insert_position(struct fsm_output *out, double now_s,
                         const struct vehicle_sample *sample, bool in_drive)
{
    struct fsm_position position;
    struct fsm_effect *effect;

    fsm_position_from_sample(sample, fsm_now_ms(now_s), &position);
    if (!position.location_known) {
        effect = fsm_add_notice(out, FSM_NOTICE_POSITION_WITHOUT_LOCATION);
        effect->notice.value_ms = position.date_ms;
        return;
    }

    effect = fsm_add_effect(out, FSM_EFFECT_INSERT_POSITION);
    effect->insert_position.in_drive = in_drive;
    effect->insert_position.position = position;
}
