/* The `start` dispatch state and the `online` state. */
#include "vehicle_fsm_internal.h"

#include <stdio.h>
#include <string.h>

static void update_car(const struct vehicle_sample *sample, struct fsm_output *out)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_UPDATE_CAR);

    snprintf(effect->update_car.name, sizeof(effect->update_car.name), "%s",
             sample->display_name);
    effect->update_car.identified = car_identity_from_sample(sample, &effect->update_car.identity);
}

/* Online at `start`: update the car, check the firmware, record the state and
 * a position, then run the online logic on the same sample. */
static void start_online(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                         double now_s, struct fsm_output *out)
{
    update_car(sample, out);
    fsm_sync_software_version(fsm, sample, now_s, out);
    fsm_record_state(fsm, out, FSM_RECORDED_ONLINE, fsm_drive_date_ms(sample, now_s));
    fsm_insert_position(out, now_s, sample, false);

    fsm_set_state(fsm, FSM_STATE_ONLINE);
    fsm->offline_streak = 0;
    fsm_publish_summary(fsm, out, now_s);
    out->arm_store_position_timer = true;
    fsm_online_observe(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
}

/* Asleep or offline at `start`: record the state; poll again in 10 s, then
 * every POLLING_ASLEEP_INTERVAL (see vehicle_fsm_sleep.c). */
static void start_sleeping(struct vehicle_fsm *fsm, enum fsm_observed observed,
                           const struct vehicle_sample *sample, double now_s,
                           struct fsm_output *out)
{
    bool asleep = observed == FSM_OBSERVED_ASLEEP;

    fsm_record_state(fsm, out, asleep ? FSM_RECORDED_ASLEEP : FSM_RECORDED_OFFLINE,
                     fsm_drive_date_ms(sample, now_s));
    fsm_set_state(fsm, asleep ? FSM_STATE_ASLEEP : FSM_STATE_OFFLINE);
    fsm->sleep_interval_s = fsm->config.asleep_interval_s;
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll_default(fsm, out, now_s);
}

static bool is_driving_shift(const char *shift_state)
{
    return strcmp(shift_state, "D") == 0 || strcmp(shift_state, "N") == 0 ||
           strcmp(shift_state, "R") == 0;
}

/* Settles the records a previous worker left open (nothing else reaches
 * `start` with a record open): each is kept when the sample continues that
 * activity and closed otherwise. */
static void settle_open_records(struct vehicle_fsm *fsm, enum fsm_observed observed,
                                const struct vehicle_sample *sample, double now_s,
                                struct fsm_output *out)
{
    enum fsm_activity activity = observed == FSM_OBSERVED_ONLINE ? fsm_activity_of(sample)
                                                                 : FSM_ACTIVITY_NONE;

    if (fsm->drive_open && activity != FSM_ACTIVITY_DRIVE)
        fsm_close_drive(fsm, out, FSM_DRIVE_END_INTERRUPTED);
    if (fsm->charging_open && activity != FSM_ACTIVITY_CHARGE)
        fsm_complete_charging(fsm, out, now_s, FSM_CHARGE_END_INTERRUPTED);
    if (fsm->updates.open && !fsm->updates.finish_pending && activity != FSM_ACTIVITY_UPDATE)
        fsm_settle_open_update(fsm, observed, sample, now_s, out);
}

void fsm_start_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                       const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    settle_open_records(fsm, observed, sample, now_s, out);
    if (observed == FSM_OBSERVED_ONLINE)
        start_online(fsm, sample, now_s, out);
    else
        start_sleeping(fsm, observed, sample, now_s, out);
}


/* The first of: an update installing, a gear engaged, a charge running
 * (TeslaMate's order). */
enum fsm_activity fsm_activity_of(const struct vehicle_sample *sample)
{
    if (strcmp(sample->vehicle.software_update.status, "installing") == 0)
        return FSM_ACTIVITY_UPDATE;
    if (is_driving_shift(sample->drive.shift_state))
        return FSM_ACTIVITY_DRIVE;
    if (fsm_is_charging_state(sample->charge.charging_state))
        return FSM_ACTIVITY_CHARGE;
    return FSM_ACTIVITY_NONE;
}

/* Starts the activity the sample shows; false when it shows none. Shared
 * with `suspended`, where the same sample starts the same activities. */
bool fsm_online_activity(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                         double now_s, struct fsm_output *out)
{
    switch (fsm_activity_of(sample)) {
    case FSM_ACTIVITY_UPDATE:
        fsm_start_update(fsm, sample, now_s, out);
        return true;
    case FSM_ACTIVITY_DRIVE:
        fsm_start_drive(fsm, sample, now_s, out);
        return true;
    case FSM_ACTIVITY_CHARGE:
        fsm_start_charging(fsm, sample, now_s, out);
        return true;
    default:
        return false;
    }
}

void fsm_online_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                        const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    if (observed != FSM_OBSERVED_ONLINE) {
        /* The next fetch confirms the state and records it. */
        fsm_set_state(fsm, FSM_STATE_START);
        fsm_poll_default(fsm, out, now_s);
        return;
    }
    if (!fsm_online_activity(fsm, sample, now_s, out))
        fsm_try_suspend(fsm, sample, now_s, out);
}
