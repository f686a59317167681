/* The `driving(status, drive)` state: drive samples, losing the
 * connection mid-drive, the 15-minute timeout, and coming back online. */
#include "vehicle_fsm_internal.h"

#include <string.h>

double fsm_driving_interval_s(const struct vehicle_fsm *fsm)
{
    if (fsm->push_source_alive)
        return fsm->config.default_interval_s;
    return fsm->config.driving_interval_s;
}

/* Starts a drive, or continues the one a previous worker left open. */
void fsm_start_drive(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                     struct fsm_output *out)
{
    if (!fsm->drive_open) {
        struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_START_DRIVE);

        effect->start_drive.date_ms = fsm_now_ms(now_s);
        fsm->drive_open = true;
    }
    fsm_insert_position(out, now_s, sample, true);

    fsm_set_since(fsm, fsm_now_ms(now_s));
    fsm->last_used_s = now_s;
    fsm_set_state(fsm, FSM_STATE_DRIVING);
    fsm->driving_status = FSM_DRIVING_AVAILABLE;
    fsm->unavailable_count = 0;
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, fsm_driving_interval_s(fsm));
}

void fsm_close_drive(struct vehicle_fsm *fsm, struct fsm_output *out, enum fsm_drive_end reason)
{
    struct fsm_effect *effect;

    if (!fsm->drive_open)
        return;
    effect = fsm_add_effect(out, FSM_EFFECT_CLOSE_DRIVE);
    effect->close_drive.reason = reason;
    fsm->drive_open = false;
}

static bool in_gear(const char *shift_state)
{
    return strcmp(shift_state, "D") == 0 || strcmp(shift_state, "N") == 0 ||
           strcmp(shift_state, "R") == 0;
}

/* A sample while the connection is fine: another position, or the end of
 * the drive when the car is parked (shift P or null). */
static void drive_sample(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                         double now_s, struct fsm_output *out)
{
    if (!sample->has_drive_state) {
        fsm_add_notice(out, FSM_NOTICE_DRIVE_STATE_MISSING);
        fsm_poll(fsm, out, now_s, fsm_driving_interval_s(fsm));
        return;
    }

    fsm_insert_position(out, now_s, sample, true);
    fsm->last_used_s = now_s;
    if (in_gear(sample->drive.shift_state)) {
        fsm_publish_summary(fsm, out, now_s);
        fsm_poll(fsm, out, now_s, fsm_driving_interval_s(fsm));
        return;
    }

    fsm_close_drive(fsm, out, FSM_DRIVE_END_PARKED);
    fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
}

/* Milliseconds between the drive timestamps of two samples; false when
 * either is unknown. */
static bool drive_gap_ms(const struct vehicle_sample *from, const struct vehicle_sample *to,
                         int64_t *gap_ms)
{
    if (!from->drive.timestamp_ms.known || !to->drive.timestamp_ms.known)
        return false;
    *gap_ms = to->drive.timestamp_ms.value - from->drive.timestamp_ms.value;
    return true;
}

static bool range_gained(const struct vehicle_sample *from, const struct vehicle_sample *to)
{
    struct opt_double before = from->charge.ideal_battery_range_mi;
    struct opt_double after = to->charge.ideal_battery_range_mi;

    return before.known && after.known && after.value - before.value > FSM_OFFLINE_CHARGE_RANGE_MI;
}

/*
 * Online again after the drive went offline(last). With range gained over
 * a gap of 5 min or more, the car charged meanwhile. Without range gained,
 * a gap of 15 min or more splits the drive. Otherwise the drive continues,
 * and an unknown gap counts as short.
 *
 * TeslaMate has no branch (the worker crashes) when no drive is open and
 * neither rule applies, for example a sample dated within 15 min of `last`
 * after the offline timeout closed the drive. The car is back and parked or
 * moving again, so it starts over from `start` like any fresh observation.
 */
static void back_online(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                        double now_s, struct fsm_output *out)
{
    const struct vehicle_sample *last = &fsm->offline_last;
    int64_t gap_ms = 0;
    bool gap_known = drive_gap_ms(last, sample, &gap_ms);
    bool gained = range_gained(last, sample);

    if (gained && gap_known && gap_ms >= FSM_OFFLINE_CHARGE_GAP_MS) {
        fsm_close_drive(fsm, out, FSM_DRIVE_END_CHARGED_OFFLINE);
        fsm_record_offline_charge(fsm, last, sample, now_s, out);
        fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
        return;
    }
    if (!gained && gap_known && gap_ms >= FSM_LONG_GAP_MS) {
        fsm_close_drive(fsm, out, FSM_DRIVE_END_LONG_GAP);
        fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
        return;
    }
    if (!fsm->drive_open) {
        fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
        return;
    }
    fsm->driving_status = FSM_DRIVING_AVAILABLE;
    drive_sample(fsm, sample, now_s, out);
}

static void driving_online(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                           double now_s, struct fsm_output *out)
{
    switch (fsm->driving_status) {
    case FSM_DRIVING_UNAVAILABLE:
        fsm->driving_status = FSM_DRIVING_AVAILABLE;
        fsm->last_used_s = now_s;
        drive_sample(fsm, sample, now_s, out);
        break;
    case FSM_DRIVING_OFFLINE:
        back_online(fsm, sample, now_s, out);
        break;
    default:
        drive_sample(fsm, sample, now_s, out);
        break;
    }
}

/* The drive times out 15 min after its last sample; without a sample
 * timestamp, 15 min after the connection was lost. */
static bool drive_timed_out(const struct vehicle_fsm *fsm, double now_s)
{
    int64_t since_ms = fsm->offline_last.drive.timestamp_ms.known
                           ? fsm->offline_last.drive.timestamp_ms.value
                           : fsm_now_ms(fsm->unavailable_since_s);

    return fsm_now_ms(now_s) - since_ms >= FSM_DRIVE_OFFLINE_TIMEOUT_MS;
}

/* 16 offline results 5 s apart keep the drive `unavailable`; the 17th makes
 * it `offline`, polled every 30 s until it times out. */
static void driving_offline(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    fsm->last_used_s = now_s;

    if (fsm->driving_status == FSM_DRIVING_AVAILABLE) {
        fsm->driving_status = FSM_DRIVING_UNAVAILABLE;
        fsm->unavailable_count = 0;
        fsm->unavailable_since_s = now_s;
        fsm_poll(fsm, out, now_s, FSM_DRIVING_UNAVAILABLE_POLL_S);
    } else if (fsm->driving_status == FSM_DRIVING_UNAVAILABLE &&
               fsm->unavailable_count < FSM_DRIVING_UNAVAILABLE_MAX) {
        fsm->unavailable_count++;
        fsm_poll(fsm, out, now_s, FSM_DRIVING_UNAVAILABLE_POLL_S);
    } else if (fsm->driving_status == FSM_DRIVING_UNAVAILABLE) {
        fsm->driving_status = FSM_DRIVING_OFFLINE;
        fsm->offline_last = fsm->last_response;
        fsm_publish_summary(fsm, out, now_s);
        fsm_poll(fsm, out, now_s, FSM_DRIVING_OFFLINE_POLL_S);
    } else if (fsm->drive_open) {
        if (drive_timed_out(fsm, now_s)) {
            fsm_close_drive(fsm, out, FSM_DRIVE_END_OFFLINE_TIMEOUT);
            fsm_publish_summary(fsm, out, now_s);
        }
        fsm_poll(fsm, out, now_s, FSM_DRIVING_OFFLINE_POLL_S);
    } else {
        /* The next fetch records the offline state. */
        fsm_set_state(fsm, FSM_STATE_START);
        fsm_poll_default(fsm, out, now_s);
    }
}

void fsm_driving_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                         const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    if (observed == FSM_OBSERVED_ONLINE) {
        driving_online(fsm, sample, now_s, out);
        return;
    }
    if (observed == FSM_OBSERVED_OFFLINE) {
        driving_offline(fsm, now_s, out);
        return;
    }
    fsm_close_drive(fsm, out, FSM_DRIVE_END_ASLEEP);
    fsm_set_state(fsm, FSM_STATE_START);
    fsm_poll_default(fsm, out, now_s);
}
