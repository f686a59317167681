/* The state machine's start data, read from the database, so that a
 * restarted worker resumes or closes what the previous one left open. */
#include "car_runner_internal.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

static int64_t milliseconds(int64_t date_us)
{
    return date_us / 1000;
}

static struct opt_double from_integer(struct opt_int64 value)
{
    return (struct opt_double){ .known = value.known, .value = (double)value.value };
}

static enum fsm_recorded_state recorded_state(enum state_status status)
{
    switch (status) {
    case STATE_STATUS_ASLEEP:
        return FSM_RECORDED_ASLEEP;
    case STATE_STATUS_OFFLINE:
        return FSM_RECORDED_OFFLINE;
    default:
        return FSM_RECORDED_ONLINE;
    }
}

static enum recorder_status load_settings(struct recorder *recorder, int64_t car_id,
                                          struct car_settings *settings)
{
    struct car_settings_record record;
    enum recorder_status status = recorder_load_car_settings(recorder, car_id, &record);

    if (status != RECORDER_OK)
        return status;
    settings->suspend_min = record.suspend_min;
    settings->suspend_after_idle_min = record.suspend_after_idle_min;
    settings->req_not_unlocked = record.req_not_unlocked;
    return RECORDER_OK;
}

static enum recorder_status load_open_state(struct recorder *recorder, int64_t car_id,
                                            struct fsm_open_state *open_state)
{
    struct state_record state;
    bool found = false;
    enum recorder_status status = recorder_get_current_state(recorder, car_id, &state, &found);

    if (status != RECORDER_OK || !found)
        return status;
    open_state->known = true;
    open_state->state = recorded_state(state.status);
    open_state->start_ms = milliseconds(state.start_date_us);
    return RECORDER_OK;
}

static enum recorder_status load_latest_update(struct recorder *recorder, int64_t car_id,
                                               struct fsm_latest_update *latest)
{
    struct update_record update;
    bool found = false;
    enum recorder_status status = recorder_get_latest_update(recorder, car_id, &update, &found);

    if (status != RECORDER_OK || !found)
        return status;
    latest->exists = true;
    /* The machine keeps FSM_TEXT_SIZE bytes; longer versions are cut. */
    snprintf(latest->version, sizeof(latest->version), "%.*s", (int)sizeof(latest->version) - 1,
             update.version);
    return RECORDER_OK;
}

static enum recorder_status load_latest_position(struct recorder *recorder, int64_t car_id,
                                                 struct fsm_latest_position *latest)
{
    struct stored_position position;
    bool found = false;
    enum recorder_status status =
        recorder_get_latest_position(recorder, car_id, &position, &found);
    const struct position_record *record = &position.record;

    if (status != RECORDER_OK || !found || !record->latitude.known || !record->longitude.known)
        return status;
    latest->known = true;
    latest->latitude = record->latitude.value;
    latest->longitude = record->longitude.value;
    latest->ideal_battery_range_km = record->ideal_battery_range_km;
    latest->est_battery_range_km = record->est_battery_range_km;
    latest->rated_battery_range_km = record->rated_battery_range_km;
    latest->battery_level = from_integer(record->battery_level);
    latest->usable_battery_level = from_integer(record->usable_battery_level);
    latest->outside_temp_c = record->outside_temp_c;
    latest->inside_temp_c = record->inside_temp_c;
    latest->odometer_km = record->odometer_km;
    return RECORDER_OK;
}

/* The open drive, charging process and update, with their ids. */
static enum recorder_status load_open_records(struct recorder *recorder, int64_t car_id,
                                              struct fsm_open_records *open,
                                              struct car_records *records)
{
    struct open_drive drive;
    struct open_charging_process process;
    struct update_record update;
    bool found = false;

    enum recorder_status status = recorder_find_open_drive(recorder, car_id, &drive, &found);
    if (status != RECORDER_OK)
        return status;
    if (found) {
        open->drive = true;
        records->drive_id = drive.drive_id;
    }

    status = recorder_find_open_charging_process(recorder, car_id, &process, &found);
    if (status != RECORDER_OK)
        return status;
    if (found) {
        open->charging_process = true;
        open->has_last_charge = process.has_last_charge;
        open->last_charge_ms = milliseconds(process.last_charge_date_us);
        records->charging_process_id = process.charging_process_id;
    }

    status = recorder_find_open_update(recorder, car_id, &update, &found);
    if (status != RECORDER_OK)
        return status;
    if (found) {
        open->update = true;
        records->update_id = update.id;
    }
    return RECORDER_OK;
}

static void log_resumed(int64_t car_id, const struct car_records *records)
{
    if (records->drive_id != 0)
        log_car_info(car_id, "found drive %lld left open: it is continued or closed",
                     (long long)records->drive_id);
    if (records->charging_process_id != 0)
        log_car_info(car_id, "found charging process %lld left open: it is continued or "
                     "completed",
                     (long long)records->charging_process_id);
    if (records->update_id != 0)
        log_car_info(car_id, "found update %lld left open", (long long)records->update_id);
}

bool car_start_data_load(struct recorder *recorder, int64_t car_id,
                         const struct fsm_config *config, struct fsm_start_data *start,
                         struct car_records *records)
{
    enum recorder_status status;

    memset(start, 0, sizeof(*start));
    memset(records, 0, sizeof(*records));
    records->car_id = car_id;
    start->config = *config;
    start->settings = car_settings_defaults();

    status = load_settings(recorder, car_id, &start->settings);
    if (status == RECORDER_OK)
        status = load_open_state(recorder, car_id, &start->open_state);
    if (status == RECORDER_OK)
        status = load_latest_update(recorder, car_id, &start->latest_update);
    if (status == RECORDER_OK)
        status = load_latest_position(recorder, car_id, &start->latest_position);
    if (status == RECORDER_OK)
        status = load_open_records(recorder, car_id, &start->open_records, records);
    if (status != RECORDER_OK) {
        memset(records, 0, sizeof(*records));
        records->car_id = car_id;
        return false;
    }

    log_resumed(car_id, records);
    return true;
}
