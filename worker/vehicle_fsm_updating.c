/* The `updating(update)` state and the firmware check on every entry to
 * online. */
#include "vehicle_fsm_internal.h"

#include <stdio.h>
#include <string.h>

static int64_t vehicle_date_ms(const struct vehicle_sample *sample, double now_s)
{
    if (sample->has_vehicle_state && sample->vehicle.timestamp_ms.known)
        return sample->vehicle.timestamp_ms.value;
    return fsm_now_ms(now_s);
}

static void set_latest(struct fsm_latest_update *latest, const char *version)
{
    latest->exists = true;
    snprintf(latest->version, sizeof(latest->version), "%s", version);
}

static void open_update_record(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                               double now_s, struct fsm_output *out)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_START_UPDATE);

    effect->start_update.date_ms = vehicle_date_ms(sample, now_s);
    snprintf(effect->start_update.from_version, sizeof(effect->start_update.from_version), "%s",
             sample->vehicle.car_version);
    snprintf(effect->start_update.to_version, sizeof(effect->start_update.to_version), "%s",
             sample->vehicle.software_update.version);

    fsm->updates.before_open = fsm->updates.latest;
    fsm->updates.open = true;
    set_latest(&fsm->updates.latest, "");   /* the open record has no version yet */
}

/* Starts an update record, or continues the one a previous worker left
 * open. */
void fsm_start_update(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                      struct fsm_output *out)
{
    if (!fsm->updates.open)
        open_update_record(fsm, sample, now_s, out);

    fsm->offline_streak = 0;
    fsm_set_since(fsm, fsm_now_ms(now_s));
    fsm->last_used_s = now_s;
    fsm_set_state(fsm, FSM_STATE_UPDATING);
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, FSM_UPDATING_START_POLL_S);
}

static void finish_update(struct vehicle_fsm *fsm, struct fsm_output *out, int64_t date_ms,
                          const char *version)
{
    struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_FINISH_UPDATE);

    effect->finish_update.date_ms = date_ms;
    snprintf(effect->finish_update.version, sizeof(effect->finish_update.version), "%s", version);
    fsm->updates.open = false;
    fsm->updates.finish_pending = false;
    set_latest(&fsm->updates.latest, version);
}

/* TeslaMate passes the software_update sub-object, not the update record,
 * to the cancel call, which would crash with a real database. The intended
 * behaviour is to delete the record in progress. */
static void cancel_update(struct vehicle_fsm *fsm, struct fsm_output *out)
{
    fsm_add_effect(out, FSM_EFFECT_CANCEL_UPDATE);
    fsm->updates.open = false;
    fsm->updates.latest = fsm->updates.before_open;
}

static void updating_online(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                            double now_s, struct fsm_output *out)
{
    const char *status = sample->vehicle.software_update.status;
    struct fsm_effect *notice;

    fsm->last_used_s = now_s;
    fsm->offline_streak = 0;
    if (!sample->has_vehicle_state) {
        fsm_add_notice(out, FSM_NOTICE_VEHICLE_STATE_MISSING);
        fsm_poll(fsm, out, now_s, FSM_UPDATING_EMPTY_POLL_S);
        return;
    }
    if (strcmp(status, "installing") == 0) {
        fsm_poll(fsm, out, now_s, fsm->config.default_interval_s);
        return;
    }
    if (strcmp(status, "available") == 0) {
        cancel_update(fsm, out);
        fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
        return;
    }

    /* Normally "" (or null); "downloading" at 100 % is also expected. */
    if (status[0] != '\0' && strcmp(status, "downloading") != 0) {
        notice = fsm_add_notice(out, FSM_NOTICE_UNEXPECTED_UPDATE_STATUS);
        snprintf(notice->notice.text, sizeof(notice->notice.text), "%s", status);
    }
    finish_update(fsm, out, vehicle_date_ms(sample, now_s), sample->vehicle.car_version);
    fsm_restart_with(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
}

void fsm_updating_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                          const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    if (observed == FSM_OBSERVED_ONLINE) {
        updating_online(fsm, sample, now_s, out);
        return;
    }
    if (observed == FSM_OBSERVED_OFFLINE) {
        fsm_add_notice(out, FSM_NOTICE_OFFLINE_WHILE_UPDATING);
        fsm->last_used_s = now_s;
        fsm_offline_backoff(fsm, out, now_s);
        return;
    }

    /* TeslaMate has no handler for asleep while updating: the worker
     * crashes and the record stays open. A car only sleeps once the install
     * is over, so the update ended by now. Its version is known only when
     * the car is next online, so the record is finished there. */
    fsm->updates.finish_pending = true;
    fsm->updates.finish_date_ms = fsm_now_ms(now_s);
    fsm_restart_with(fsm, FSM_OBSERVED_ASLEEP, sample, now_s, out);
}

/* Settles an update a previous worker left open, seen while the car is not
 * installing: it is finished or cancelled as in `updating`. A sleeping car
 * finishes it at its next online sample. */
void fsm_settle_open_update(struct vehicle_fsm *fsm, enum fsm_observed observed,
                            const struct vehicle_sample *sample, double now_s,
                            struct fsm_output *out)
{
    if (observed != FSM_OBSERVED_ONLINE) {
        fsm->updates.finish_pending = true;
        fsm->updates.finish_date_ms = fsm_now_ms(now_s);
        return;
    }
    if (strcmp(sample->vehicle.software_update.status, "available") == 0)
        cancel_update(fsm, out);
    else
        finish_update(fsm, out, vehicle_date_ms(sample, now_s), sample->vehicle.car_version);
}

static bool version_is_newer(const struct fsm_latest_update *latest, const char *version)
{
    if (!latest->exists)
        return true;
    if (latest->version[0] == '\0')
        return false;   /* an update in progress or without version: no check */
    return fsm_software_version_compare(latest->version, version) < 0;
}

/* A firmware newer than the latest update record is a missed
 * update, recorded at the sample's vehicle_state timestamp. */
void fsm_sync_software_version(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                               double now_s, struct fsm_output *out)
{
    const char *version = sample->vehicle.car_version;
    struct fsm_effect *effect;

    if (fsm->updates.finish_pending)
        finish_update(fsm, out, fsm->updates.finish_date_ms, version);

    if (version[0] == '\0') {
        fsm_add_notice(out, FSM_NOTICE_CAR_VERSION_MISSING);
        return;
    }
    if (!version_is_newer(&fsm->updates.latest, version))
        return;

    effect = fsm_add_effect(out, FSM_EFFECT_INSERT_MISSED_UPDATE);
    snprintf(effect->missed_update.version, sizeof(effect->missed_update.version), "%s", version);
    effect->missed_update.date_ms = vehicle_date_ms(sample, now_s);
    set_latest(&fsm->updates.latest, version);
}
