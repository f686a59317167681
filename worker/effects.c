#include "effects.h"

#include "log.h"

#include <string.h>

static int64_t microseconds(int64_t date_ms)
{
    return date_ms * 1000;
}

static enum state_status recorded_status(enum fsm_recorded_state state)
{
    switch (state) {
    case FSM_RECORDED_ASLEEP:
        return STATE_STATUS_ASLEEP;
    case FSM_RECORDED_OFFLINE:
        return STATE_STATUS_OFFLINE;
    default:
        return STATE_STATUS_ONLINE;
    }
}

static enum recorder_status start_state(struct recorder *recorder, struct car_records *records,
                                        const struct fsm_effect *effect)
{
    int64_t state_id = 0;

    return recorder_start_state(recorder, records->car_id,
                                recorded_status(effect->start_state.state),
                                microseconds(effect->start_state.date_ms), &state_id);
}

static enum recorder_status update_car(struct recorder *recorder, struct car_records *records,
                                       const struct fsm_effect *effect)
{
    struct car_record car;
    unsigned columns = 0;
    bool changed = false;

    effects_car_record(effect->update_car.name, effect->update_car.identified,
                       &effect->update_car.identity, &car, &columns);
    return recorder_update_car(recorder, records->car_id, &car, columns, &changed);
}

/* Asks the elevation hook, if any, for the elevation of a position
 * about to be written. */
static void add_elevation(struct position_record *position, const struct effects_hooks *hooks)
{
    int64_t elevation_m = 0;

    if (hooks == NULL || hooks->position_elevation == NULL || !position->latitude.known ||
        !position->longitude.known)
        return;
    if (hooks->position_elevation(hooks->context, position->latitude.value,
                                  position->longitude.value, &elevation_m))
        position->elevation_m = (struct opt_int64){.known = true, .value = elevation_m};
}

static enum recorder_status insert_position(struct recorder *recorder,
                                            struct car_records *records,
                                            const struct fsm_effect *effect,
                                            const struct effects_hooks *hooks)
{
    struct position_record position;
    int64_t position_id = 0;
    int64_t drive_id = effect->insert_position.in_drive ? records->drive_id : 0;

    if (!effect->insert_position.position.location_known)
        return RECORDER_OK;

    effects_position_record(&effect->insert_position.position, &position);
    add_elevation(&position, hooks);
    return recorder_insert_position(recorder, records->car_id, drive_id, &position, &position_id);
}

static enum recorder_status start_drive(struct recorder *recorder, struct car_records *records,
                                        const struct fsm_effect *effect)
{
    return recorder_start_drive(recorder, records->car_id,
                                microseconds(effect->start_drive.date_ms), &records->drive_id);
}

static enum recorder_status close_drive(struct recorder *recorder, struct car_records *records,
                                        const struct fsm_effect *effect,
                                        const struct effects_hooks *hooks)
{
    struct drive_summary summary;

    if (records->drive_id == 0)
        return RECORDER_OK;

    enum recorder_status status = recorder_close_drive(recorder, records->drive_id, &summary);
    if (status != RECORDER_OK)
        return status;

    log_car_info(records->car_id, "drive %lld closed (%s): %s", (long long)records->drive_id,
                 fsm_drive_end_name(effect->close_drive.reason),
                 summary.kept ? "kept" : "deleted, too short");
    records->drive_id = 0;
    if (summary.kept && hooks != NULL && hooks->drive_closed != NULL)
        hooks->drive_closed(hooks->context, records, &summary);
    return RECORDER_OK;
}

static enum recorder_status start_charging(struct recorder *recorder,
                                           struct car_records *records,
                                           const struct fsm_effect *effect,
                                           const struct effects_hooks *hooks)
{
    const struct fsm_position *where = &effect->start_charging_process.position;
    struct position_record position;
    struct charging_start start;

    effects_position_record(where, &position);
    add_elevation(&position, hooks);
    enum recorder_status status = recorder_start_charging_process(
        recorder, records->car_id, microseconds(effect->start_charging_process.date_ms),
        &position, &start);
    if (status != RECORDER_OK)
        return status;

    records->charging_process_id = start.charging_process_id;
    if (hooks != NULL && hooks->charging_started != NULL)
        hooks->charging_started(hooks->context, records, &start, where->latitude,
                                where->longitude);
    return RECORDER_OK;
}

static enum recorder_status insert_charge(struct recorder *recorder, struct car_records *records,
                                          const struct fsm_effect *effect)
{
    struct charge_record charge;
    int64_t charge_id = 0;

    if (records->charging_process_id == 0)
        return RECORDER_OK;

    effects_charge_record(&effect->insert_charge.charge, &charge);
    return recorder_insert_charge(recorder, records->charging_process_id, &charge, &charge_id);
}

static enum recorder_status complete_charging(struct recorder *recorder,
                                              struct car_records *records,
                                              const struct fsm_effect *effect,
                                              const struct effects_hooks *hooks)
{
    struct charging_summary summary;

    if (records->charging_process_id == 0)
        return RECORDER_OK;

    enum recorder_status status = recorder_complete_charging_process(
        recorder, records->charging_process_id,
        microseconds(effect->complete_charging_process.end_date_ms), &summary);
    if (status != RECORDER_OK)
        return status;

    log_car_info(records->car_id, "charging process %lld completed (%s)",
                 (long long)records->charging_process_id,
                 fsm_charge_end_name(effect->complete_charging_process.reason));
    records->charging_process_id = 0;
    if (hooks != NULL && hooks->charging_completed != NULL)
        hooks->charging_completed(hooks->context, records, &summary);
    return RECORDER_OK;
}

static enum recorder_status apply_update(struct recorder *recorder, struct car_records *records,
                                         const struct fsm_effect *effect)
{
    enum recorder_status status = RECORDER_OK;
    int64_t missed_id = 0;

    switch (effect->type) {
    case FSM_EFFECT_INSERT_MISSED_UPDATE:
        return recorder_insert_missed_update(recorder, records->car_id,
                                             effect->missed_update.version,
                                             microseconds(effect->missed_update.date_ms),
                                             &missed_id);
    case FSM_EFFECT_START_UPDATE:
        return recorder_start_update(recorder, records->car_id,
                                     microseconds(effect->start_update.date_ms),
                                     &records->update_id);
    case FSM_EFFECT_FINISH_UPDATE:
        if (records->update_id != 0)
            status = recorder_finish_update(recorder, records->update_id,
                                            effect->finish_update.version,
                                            microseconds(effect->finish_update.date_ms));
        break;
    default:
        if (records->update_id != 0)
            status = recorder_cancel_update(recorder, records->update_id);
        break;
    }

    /* A finished or cancelled update is no longer open. */
    if (status == RECORDER_OK)
        records->update_id = 0;
    return status;
}

static void log_notice(const struct car_records *records, const struct fsm_effect *effect)
{
    const char *name = fsm_notice_name(effect->notice.code);
    enum log_level level = LOG_LEVEL_INFO;

    switch (effect->notice.code) {
    case FSM_NOTICE_FETCH_FAILED:
    case FSM_NOTICE_RATE_LIMITED:
        log_write(LOG_LEVEL_WARNING, records->car_id, "%s: %s, next poll in %.1f s", name,
                  fetch_error_name(effect->notice.error), effect->notice.delay_s);
        return;
    case FSM_NOTICE_API_ERROR_FUSE_BLOWN:
    case FSM_NOTICE_VEHICLE_NOT_FOUND_FUSE_BLOWN:
    case FSM_NOTICE_INVALID_EVENT:
        level = LOG_LEVEL_WARNING;
        break;
    case FSM_NOTICE_STALE_SAMPLE_DISCARDED:
        log_write(LOG_LEVEL_INFO, records->car_id, "%s: sample of %lld ms older than %lld ms",
                  name, (long long)effect->notice.value_ms,
                  (long long)effect->notice.previous_ms);
        return;
    default:
        break;
    }

    if (effect->notice.text[0] != '\0')
        log_write(level, records->car_id, "%s: %s", name, effect->notice.text);
    else
        log_write(level, records->car_id, "%s", name);
}

static void call_hooks(const struct car_records *records, const struct fsm_effect *effect,
                       const struct effects_hooks *hooks)
{
    if (effect->type == FSM_EFFECT_NOTICE) {
        log_notice(records, effect);
        return;
    }
    if (hooks == NULL)
        return;

    if (effect->type == FSM_EFFECT_PUBLISH_SUMMARY && hooks->summary != NULL)
        hooks->summary(hooks->context, records, effect->publish_summary.state,
                       effect->publish_summary.since_ms, effect->publish_summary.healthy);
    else if (effect->type == FSM_EFFECT_ACCOUNT_LIMIT_EXCEEDED && hooks->account_limit != NULL)
        hooks->account_limit(hooks->context, effect->account_limit.retry_after_s);
    else if (effect->type == FSM_EFFECT_RESTART_VEHICLES && hooks->restart_vehicles != NULL)
        hooks->restart_vehicles(hooks->context);
}

static enum recorder_status apply_one(struct recorder *recorder, struct car_records *records,
                                      const struct fsm_effect *effect,
                                      const struct effects_hooks *hooks)
{
    switch (effect->type) {
    case FSM_EFFECT_START_STATE:
        return start_state(recorder, records, effect);
    case FSM_EFFECT_UPDATE_CAR:
        return update_car(recorder, records, effect);
    case FSM_EFFECT_INSERT_POSITION:
        return insert_position(recorder, records, effect, hooks);
    case FSM_EFFECT_START_DRIVE:
        return start_drive(recorder, records, effect);
    case FSM_EFFECT_CLOSE_DRIVE:
        return close_drive(recorder, records, effect, hooks);
    case FSM_EFFECT_START_CHARGING_PROCESS:
        return start_charging(recorder, records, effect, hooks);
    case FSM_EFFECT_INSERT_CHARGE:
        return insert_charge(recorder, records, effect);
    case FSM_EFFECT_COMPLETE_CHARGING_PROCESS:
        return complete_charging(recorder, records, effect, hooks);
    case FSM_EFFECT_INSERT_MISSED_UPDATE:
    case FSM_EFFECT_START_UPDATE:
    case FSM_EFFECT_FINISH_UPDATE:
    case FSM_EFFECT_CANCEL_UPDATE:
        return apply_update(recorder, records, effect);
    default:
        call_hooks(records, effect, hooks);
        return RECORDER_OK;
    }
}

void effects_apply(struct recorder *recorder, struct car_records *records,
                   const struct fsm_output *output, const struct effects_hooks *hooks,
                   struct effects_result *result)
{
    memset(result, 0, sizeof(*result));

    if (output->effects_overflow)
        log_car_error(records->car_id, "state machine dropped effects past %d: a bug, "
                      "please report it", FSM_EFFECTS_MAX);

    for (size_t i = 0; i < output->effect_count; i++) {
        const struct fsm_effect *effect = &output->effects[i];
        enum recorder_status status = apply_one(recorder, records, effect, hooks);

        if (status == RECORDER_OK) {
            result->applied++;
            continue;
        }

        /* The recorder has logged the failure with PostgreSQL's message. */
        result->failed++;
        if (status == RECORDER_CONNECTION_FAILED)
            result->connection_lost = true;
        log_car_warning(records->car_id, "skipped effect %s: %s",
                        fsm_effect_type_name(effect->type), recorder_status_name(status));
    }
}
