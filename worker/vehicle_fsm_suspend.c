/* Letting the car sleep: the suspend logic with its blockers, the
 * `suspended` state and the user's suspend and resume requests. */
#include "vehicle_fsm_internal.h"

#include <string.h>

enum blocked_poll {
    BLOCKED_POLL_DEFAULT,           /* POLLING_DEFAULT_INTERVAL, not multiplied */
    BLOCKED_POLL_LONG,              /* 30 s x multiplier */
    BLOCKED_POLL_DEFAULT_MULTIPLIED,/* POLLING_DEFAULT_INTERVAL x multiplier */
};

struct blocker_rule {
    bool resets_idle_clock;
    enum blocked_poll poll;
};

/* Indexed by the blockers of enum fsm_suspend_error, in evaluation order. */
static const struct blocker_rule blocker_rules[FSM_SUSPEND_POWER_USAGE + 1] = {
    [FSM_SUSPEND_USER_PRESENT] = { true, BLOCKED_POLL_DEFAULT },
    [FSM_SUSPEND_PRECONDITIONING] = { true, BLOCKED_POLL_LONG },
    [FSM_SUSPEND_DOG_MODE] = { true, BLOCKED_POLL_LONG },
    [FSM_SUSPEND_SENTRY_MODE] = { true, BLOCKED_POLL_LONG },
    [FSM_SUSPEND_DOWNLOADING_UPDATE] = { true, BLOCKED_POLL_DEFAULT_MULTIPLIED },
    [FSM_SUSPEND_DOORS_OPEN] = { true, BLOCKED_POLL_DEFAULT_MULTIPLIED },
    [FSM_SUSPEND_TRUNK_OPEN] = { true, BLOCKED_POLL_DEFAULT_MULTIPLIED },
    [FSM_SUSPEND_UNLOCKED] = { false, BLOCKED_POLL_DEFAULT_MULTIPLIED },
    [FSM_SUSPEND_POWER_USAGE] = { true, BLOCKED_POLL_DEFAULT_MULTIPLIED },
};

/* Idle threshold and suspend duration in minutes, and the poll multiplier:
 * TeslaMate's stream values while a push source is alive, else the car's
 * settings. */
struct suspend_parameters {
    double idle_min;
    double suspend_min;
    double multiplier;
};

static struct suspend_parameters suspend_parameters(const struct vehicle_fsm *fsm)
{
    if (fsm->push_source_alive)
        return (struct suspend_parameters){ FSM_PUSH_IDLE_MIN, FSM_PUSH_SUSPEND_MIN,
                                            FSM_PUSH_POLL_MULTIPLIER };
    return (struct suspend_parameters){ fsm->settings.suspend_after_idle_min,
                                        fsm->settings.suspend_min, 1.0 };
}

static bool is_true(struct opt_bool value)
{
    return value.known && value.value;
}

static bool any_open(const struct opt_int64 *values, size_t count)
{
    bool open = false;

    for (size_t i = 0; i < count; i++) {
        if (!values[i].known)
            return false;   /* all must be numbers */
        open = open || values[i].value > 0;
    }
    return open;
}

static bool update_downloading(const struct software_update_sample *update)
{
    return strcmp(update->status, "downloading") == 0 && update->download_percent.known &&
           update->download_percent.value < 100.0;
}

enum fsm_suspend_error fsm_suspend_blocker(const struct vehicle_fsm *fsm,
                                           const struct vehicle_sample *sample)
{
    const struct vehicle_state_sample *vehicle = &sample->vehicle;
    const struct opt_int64 doors[] = { vehicle->door_driver_front, vehicle->door_passenger_front,
                                       vehicle->door_driver_rear, vehicle->door_passenger_rear };
    const struct opt_int64 trunks[] = { vehicle->trunk_front, vehicle->trunk_rear };

    if (is_true(vehicle->is_user_present))
        return FSM_SUSPEND_USER_PRESENT;
    if (is_true(sample->climate.is_preconditioning))
        return FSM_SUSPEND_PRECONDITIONING;
    if (strcmp(sample->climate.climate_keeper_mode, "dog") == 0)
        return FSM_SUSPEND_DOG_MODE;
    if (is_true(vehicle->sentry_mode))
        return FSM_SUSPEND_SENTRY_MODE;
    if (update_downloading(&vehicle->software_update))
        return FSM_SUSPEND_DOWNLOADING_UPDATE;
    if (any_open(doors, sizeof(doors) / sizeof(doors[0])))
        return FSM_SUSPEND_DOORS_OPEN;
    if (any_open(trunks, sizeof(trunks) / sizeof(trunks[0])))
        return FSM_SUSPEND_TRUNK_OPEN;
    if (vehicle->locked.known && !vehicle->locked.value && fsm->settings.req_not_unlocked)
        return FSM_SUSPEND_UNLOCKED;
    if (sample->drive.power_kw.known && sample->drive.power_kw.value > 0.0)
        return FSM_SUSPEND_POWER_USAGE;
    return FSM_SUSPEND_OK;
}

static double blocked_poll_s(const struct vehicle_fsm *fsm, enum fsm_suspend_error blocker)
{
    double multiplier = suspend_parameters(fsm).multiplier;

    switch (blocker_rules[blocker].poll) {
    case BLOCKED_POLL_DEFAULT:
        return fsm->config.default_interval_s;
    case BLOCKED_POLL_LONG:
        return FSM_BLOCKED_LONG_POLL_S * multiplier;
    default:
        return fsm->config.default_interval_s * multiplier;
    }
}

/* The car stops being polled for vehicle data: a position, the summary,
 * and the next poll after the suspend duration. */
static void enter_suspended(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                            double now_s, double suspend_min, struct fsm_output *out)
{
    fsm_insert_position(out, now_s, sample, false);
    if (fsm->state != FSM_STATE_SUSPENDED) {
        fsm_set_state(fsm, FSM_STATE_SUSPENDED);
        fsm_set_since(fsm, fsm_now_ms(now_s));
    }
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll_minutes(fsm, out, now_s, suspend_min);
}

/* Runs in `online` and `suspended` for a sample that starts nothing. */
void fsm_try_suspend(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                     struct fsm_output *out)
{
    struct suspend_parameters parameters = suspend_parameters(fsm);
    enum fsm_suspend_error blocker = fsm_suspend_blocker(fsm, sample);

    if (blocker != FSM_SUSPEND_OK) {
        if (blocker_rules[blocker].resets_idle_clock)
            fsm->last_used_s = now_s;
        fsm_publish_summary(fsm, out, now_s);
        fsm_poll(fsm, out, now_s, blocked_poll_s(fsm, blocker));
        return;
    }

    if (now_s - fsm->last_used_s >= parameters.idle_min * 60.0) {
        enter_suspended(fsm, sample, now_s, parameters.suspend_min, out);
        return;
    }
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, fsm->config.default_interval_s * parameters.multiplier);
}

void fsm_suspended_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                           const struct vehicle_sample *sample, double now_s,
                           struct fsm_output *out)
{
    if (observed != FSM_OBSERVED_ONLINE) {
        fsm_restart_with(fsm, observed, sample, now_s, out);
        return;
    }
    if (!fsm_online_activity(fsm, sample, now_s, out))
        fsm_try_suspend(fsm, sample, now_s, out);
}

/* ---- user requests ------------------------------------------------------ */

static void reply_error(struct fsm_output *out, enum fsm_suspend_error error)
{
    out->reply.status = FSM_REPLY_ERROR;
    out->reply.error = error;
}

/* Replies when no vehicle data is needed; false for `online`. TeslaMate
 * also checks from `start` and then records `online` as the previous
 * state. tenantmate rejects the request there, because suspending from
 * `start` would skip the online state row. */
static bool reply_without_fetch(const struct vehicle_fsm *fsm, struct fsm_output *out)
{
    switch (fsm->state) {
    case FSM_STATE_ASLEEP:
    case FSM_STATE_OFFLINE:
    case FSM_STATE_SUSPENDED:
        out->reply.status = FSM_REPLY_OK;
        return true;
    case FSM_STATE_DRIVING:
        reply_error(out, FSM_SUSPEND_VEHICLE_NOT_PARKED);
        return true;
    case FSM_STATE_UPDATING:
        reply_error(out, FSM_SUSPEND_UPDATE_IN_PROGRESS);
        return true;
    case FSM_STATE_CHARGING:
        reply_error(out, FSM_SUSPEND_CHARGING_IN_PROGRESS);
        return true;
    case FSM_STATE_START:
        reply_error(out, FSM_SUSPEND_STATE_UNKNOWN);
        return true;
    default:
        return false;
    }
}

/* TeslaMate fetches vehicle_data synchronously here. tenantmate requests
 * the fetch from the caller and replies when its result arrives. */
void fsm_handle_suspend_request(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    if (reply_without_fetch(fsm, out))
        return;
    if (fsm->suspend_fetch_id != 0) {
        reply_error(out, FSM_SUSPEND_ALREADY_REQUESTED);
        return;
    }
    if (now_s < fsm->rate_limited_until_s) {
        reply_error(out, FSM_SUSPEND_TOO_MANY_REQUESTS);
        out->reply.retry_after_s = fsm->rate_limited_until_s - now_s;
        return;
    }

    fsm->suspend_fetch_id = ++fsm->fetch_sequence;
    out->start_fetch = true;
    out->fetch.id = fsm->suspend_fetch_id;
    out->fetch.plan = FETCH_PLAN_VEHICLE_DATA;
    out->reply.status = FSM_REPLY_PENDING;
}

static bool check_failed(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                         double now_s, struct fsm_output *out)
{
    const struct vehicle_sample *sample = result->sample;

    if (result->error == FETCH_ERROR_TOO_MANY_REQUESTS ||
        result->error == FETCH_ERROR_EXCEEDED_LIMIT) {
        double retry_after_s = fsm_retry_after_s(result);

        fsm_note_rate_limit(fsm, out, now_s, retry_after_s);
        fsm_poll(fsm, out, now_s, 0.0);     /* moved to the end of the limit */
        reply_error(out, FSM_SUSPEND_TOO_MANY_REQUESTS);
        out->reply.retry_after_s = retry_after_s;
        return true;
    }
    if (result->error != FETCH_OK) {
        reply_error(out, FSM_SUSPEND_FETCH_FAILED);
        out->reply.fetch_error = result->error;
        return true;
    }
    if (!sample->has_drive_state || !sample->has_charge_state || !sample->has_climate_state) {
        reply_error(out, FSM_SUSPEND_GATEWAY_ERROR);
        return true;
    }
    return false;
}

void fsm_handle_suspend_check(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                              double now_s, struct fsm_output *out)
{
    enum fsm_suspend_error blocker;

    if (reply_without_fetch(fsm, out))
        return;     /* the state changed while the check ran */
    if (check_failed(fsm, result, now_s, out))
        return;

    blocker = fsm_suspend_blocker(fsm, result->sample);
    if (blocker != FSM_SUSPEND_OK) {
        reply_error(out, blocker);
        return;
    }

    fsm_remember_sample(fsm, result->sample);
    fsm->poll_fetch_id = 0;     /* a poll still running is forgotten */
    enter_suspended(fsm, result->sample, now_s, suspend_parameters(fsm).suspend_min, out);
    out->reply.status = FSM_REPLY_OK;
}

void fsm_handle_resume_request(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    out->reply.status = FSM_REPLY_OK;

    if (fsm->state == FSM_STATE_SUSPENDED) {
        fsm_set_state(fsm, FSM_STATE_ONLINE);
        fsm_set_since(fsm, fsm_now_ms(now_s));
        fsm->last_used_s = now_s;
        fsm_publish_summary(fsm, out, now_s);
        fsm_poll(fsm, out, now_s, FSM_RESUME_POLL_S);
        return;
    }
    if (fsm->state == FSM_STATE_ASLEEP || fsm->state == FSM_STATE_OFFLINE) {
        /* Back-off 1, 2, 4, 8, 16 s, then the usual interval. */
        fsm->sleep_interval_s = 1.0;
        fsm_poll(fsm, out, now_s, 0.0);
        return;
    }
    fsm->last_used_s = now_s;     /* postpones suspending */
}
