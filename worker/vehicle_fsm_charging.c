/* The `charging(process)` state, the charge found after an offline drive,
 * and the back-off while a charging or updating car is
 * offline. */
#include "vehicle_fsm_internal.h"

#include <math.h>
#include <string.h>

/* A final sample more than 5 min after the last charging sample means the
 * end was not seen: polls are at most 20 s apart while charging. */
#define FSM_CHARGE_END_GAP_MS (5 * 60 * 1000)

bool fsm_is_charging_state(const char *charging_state)
{
    return strcmp(charging_state, "Starting") == 0 || strcmp(charging_state, "Charging") == 0;
}

/* The process's position: the sample's, else the last location seen, else
 * the latest stored position. Without any, the recorder gets a position
 * without location and decides. */
static void process_position(const struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                             double now_s, struct fsm_position *position,
                             struct fsm_output *out)
{
    fsm_position_from_sample(sample, fsm_now_ms(now_s), position);
    if (position->location_known)
        return;

    fsm_add_notice(out, FSM_NOTICE_CHARGE_WITHOUT_LOCATION);
    if (fsm->has_location) {
        position->location_known = true;
        position->latitude = fsm->last_latitude;
        position->longitude = fsm->last_longitude;
    } else if (fsm->latest_position.known) {
        position->location_known = true;
        position->latitude = fsm->latest_position.latitude;
        position->longitude = fsm->latest_position.longitude;
    }
}

static void start_process(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                          double now_s, struct fsm_output *out)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_START_CHARGING_PROCESS);

    effect->start_charging_process.date_ms = fsm_now_ms(now_s);
    process_position(fsm, sample, now_s, &effect->start_charging_process.position, out);
    fsm->charging_open = true;
    fsm->charge_sampled = false;
    fsm->charge_unobserved = false;
}

/* Inserts a charge sample and remembers its date as the last one. */
static int64_t add_charge(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                          double now_s, bool zero_missing_energy, struct fsm_output *out)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_INSERT_CHARGE);

    fsm_charge_from_sample(sample, fsm_now_ms(now_s), zero_missing_energy,
                           &effect->insert_charge.charge);
    fsm->charge_sampled = true;
    fsm->last_charge_ms = effect->insert_charge.charge.date_ms;
    return fsm->last_charge_ms;
}

/* Starts a charging process, or continues the one a previous worker left
 * open. */
void fsm_start_charging(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                        struct fsm_output *out)
{
    if (!fsm->charging_open)
        start_process(fsm, sample, now_s, out);
    add_charge(fsm, sample, now_s, false, out);

    fsm->offline_streak = 0;
    fsm_set_since(fsm, fsm_now_ms(now_s));
    fsm->last_used_s = now_s;
    fsm_set_state(fsm, FSM_STATE_CHARGING);
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, FSM_CHARGING_START_POLL_S);
    out->arm_store_position_timer = true;
}

static void complete_process(struct vehicle_fsm *fsm, struct fsm_output *out,
                             enum fsm_charge_end reason, int64_t end_date_ms)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);

    effect->complete_charging_process.reason = reason;
    effect->complete_charging_process.end_date_ms = end_date_ms;
    fsm->charging_open = false;
}

void fsm_complete_charging(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                           enum fsm_charge_end reason)
{
    if (!fsm->charging_open)
        return;
    complete_process(fsm, out, reason, fsm->charge_sampled ? fsm->last_charge_ms
                                                           : fsm_now_ms(now_s));
}

/*
 * Charging_state left Starting/Charging: a position, the final sample, and
 * the completion. When the end was not seen (the car was offline since the
 * last charging sample, or that sample is over 5 min old), TeslaMate still
 * inserts the final sample, which dates the end when the car reappeared,
 * hours later. Here the final sample is left out, so the process ends at
 * the last charging sample. The price is that energy added while the car
 * was unreachable is not counted. The notice gives both dates.
 */
static void finish_charge(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                          double now_s, struct fsm_output *out)
{
    struct fsm_charge final;
    struct fsm_effect *notice;
    bool unobserved;

    fsm_charge_from_sample(sample, fsm_now_ms(now_s), false, &final);
    unobserved = fsm->charge_sampled &&
                 (fsm->charge_unobserved ||
                  final.date_ms - fsm->last_charge_ms > FSM_CHARGE_END_GAP_MS);

    fsm_insert_position(out, now_s, sample, false);
    if (unobserved) {
        notice = fsm_add_notice(out, FSM_NOTICE_CHARGE_END_UNOBSERVED);
        notice->notice.value_ms = final.date_ms;
        notice->notice.previous_ms = fsm->last_charge_ms;
    } else {
        add_charge(fsm, sample, now_s, false, out);
    }
    fsm_complete_charging(fsm, out, now_s, FSM_CHARGE_END_FINISHED);
    fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
}

static void charging_online(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                            double now_s, struct fsm_output *out)
{
    fsm->last_used_s = now_s;
    fsm->offline_streak = 0;
    if (!fsm_is_charging_state(sample->charge.charging_state)) {
        finish_charge(fsm, sample, now_s, out);
        return;
    }

    add_charge(fsm, sample, now_s, false, out);
    fsm->charge_unobserved = false;
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s,
             fsm_charging_interval_s(&fsm->config, sample->charge.charger_power_kw));
}

/*
 * TeslaMate polls an offline charging (or updating) car every 10 s for as
 * long as it stays offline, each poll a billable vehicle_data call plus the
 * light call. tenantmate starts at 10 s and doubles up to
 * offline_max_interval_s; the process stays open (TeslaMate's choice).
 */
void fsm_offline_backoff(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s)
{
    double delay_s = FSM_POLL_DEFAULT_S * ldexp(1.0, fsm->offline_streak < 16 ? fsm->offline_streak
                                                                               : 16);

    if (delay_s > fsm->config.offline_max_interval_s)
        delay_s = fsm->config.offline_max_interval_s;
    else
        fsm->offline_streak++;
    fsm_poll(fsm, out, now_s, delay_s);
}

void fsm_charging_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                          const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    if (observed == FSM_OBSERVED_ONLINE) {
        charging_online(fsm, sample, now_s, out);
        return;
    }
    if (observed == FSM_OBSERVED_OFFLINE) {
        fsm_add_notice(out, FSM_NOTICE_OFFLINE_WHILE_CHARGING);
        fsm->charge_unobserved = true;
        fsm_offline_backoff(fsm, out, now_s);
        return;
    }
    fsm_complete_charging(fsm, out, now_s, FSM_CHARGE_END_ASLEEP);
    fsm_restart_with(fsm, FSM_OBSERVED_ASLEEP, sample, now_s, out);
}

/* A drive came back online with range gained after 5 min or more: a
 * process at the position before the gap, with two samples. */
void fsm_record_offline_charge(struct vehicle_fsm *fsm, const struct vehicle_sample *before,
                               const struct vehicle_sample *after, double now_s,
                               struct fsm_output *out)
{
    int64_t end_ms;

    start_process(fsm, before, now_s, out);
    add_charge(fsm, before, now_s, true, out);
    end_ms = add_charge(fsm, after, now_s, true, out);
    complete_process(fsm, out, FSM_CHARGE_END_DETECTED_OFFLINE, end_ms);
}
