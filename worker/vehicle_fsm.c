/* The vehicle state machine's entry points: configuration, start-up, event
 * dispatch, timers and fetch plans. */
#include "vehicle_fsm_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct config_field {
    const char *name;           /* the environment variable */
    size_t offset;
    double floor_s;             /* TeslaMate's max(env, default) */
};

static const struct config_field config_fields[] = {
    { "POLLING_ASLEEP_INTERVAL", offsetof(struct fsm_config, asleep_interval_s), 30.0 },
    { "POLLING_DRIVING_INTERVAL", offsetof(struct fsm_config, driving_interval_s), 2.5 },
    { "POLLING_DEFAULT_INTERVAL", offsetof(struct fsm_config, default_interval_s), 15.0 },
    { "POLLING_ONLINE_INTERVAL", offsetof(struct fsm_config, online_interval_s), 60.0 },
    { "POLLING_CHARGING_INTERVAL", offsetof(struct fsm_config, charging_interval_s), 5.0 },
    { "POLLING_MINIMUM_INTERVAL", offsetof(struct fsm_config, minimum_interval_s), 0.0 },
    { "TENANTMATE_OFFLINE_MAX_INTERVAL", offsetof(struct fsm_config, offline_max_interval_s),
      30.0 },
};

/* The maximum interval accepted: one day. */
#define FSM_INTERVAL_MAX_S 86400.0
/* The maximum idle or suspend time accepted. TeslaMate's tests use
 * 999 999 999 minutes to mean "never". */
#define FSM_SETTING_MAX_MIN 1e12

static double *config_value(struct fsm_config *config, const struct config_field *field)
{
    return (double *)((char *)config + field->offset);
}

static double config_read(const struct fsm_config *config, const struct config_field *field)
{
    return *(const double *)((const char *)config + field->offset);
}

struct fsm_config fsm_config_defaults(void)
{
    return (struct fsm_config){
        .asleep_interval_s = 30.0,
        .driving_interval_s = 2.5,
        .default_interval_s = 15.0,
        .online_interval_s = 60.0,
        .charging_interval_s = 5.0,
        .minimum_interval_s = 0.0,
        .offline_max_interval_s = 120.0,
    };
}

struct fsm_config fsm_config_floors(void)
{
    struct fsm_config floors = { .allow_fast_polling = false };

    for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++)
        *config_value(&floors, &config_fields[i]) = config_fields[i].floor_s;
    return floors;
}

struct car_settings car_settings_defaults(void)
{
    return (struct car_settings){
        .suspend_min = 21.0,
        .suspend_after_idle_min = 15.0,
        .req_not_unlocked = false,
    };
}

bool fsm_config_check(const struct fsm_config *config, char *error, size_t error_size)
{
    for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
        double value = config_read(config, &config_fields[i]);

        if (isfinite(value) && value >= 0.0 && value <= FSM_INTERVAL_MAX_S)
            continue;
        snprintf(error, error_size, "invalid %s: %g; use a number of seconds from 0 to %g",
                 config_fields[i].name, value, FSM_INTERVAL_MAX_S);
        return false;
    }
    if (!isfinite(config->max_poll_interval_s) || config->max_poll_interval_s < 0.0 ||
        config->max_poll_interval_s > FSM_INTERVAL_MAX_S) {
        snprintf(error, error_size,
                 "invalid TENANTMATE_MAX_POLL_INTERVAL: %g; use a number of seconds from 0 "
                 "to %g",
                 config->max_poll_interval_s, FSM_INTERVAL_MAX_S);
        return false;
    }
    return true;
}

static bool setting_valid(double minutes)
{
    return isfinite(minutes) && minutes >= 0.0 && minutes <= FSM_SETTING_MAX_MIN;
}

bool car_settings_check(const struct car_settings *settings, char *error, size_t error_size)
{
    if (!setting_valid(settings->suspend_min)) {
        snprintf(error, error_size, "invalid suspend_min: %g; use a number of minutes >= 0",
                 settings->suspend_min);
        return false;
    }
    if (!setting_valid(settings->suspend_after_idle_min)) {
        snprintf(error, error_size,
                 "invalid suspend_after_idle_min: %g; use a number of minutes >= 0",
                 settings->suspend_after_idle_min);
        return false;
    }
    return true;
}

/* Raises each interval to its floor unless fast polling is allowed; an
 * invalid value (which fsm_config_check() reports) falls back to the
 * default. The cap on poll delays applies only with fast polling. */
static struct fsm_config effective_config(const struct fsm_config *requested)
{
    struct fsm_config config = *requested;
    struct fsm_config defaults = fsm_config_defaults();

    for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
        double *value = config_value(&config, &config_fields[i]);

        if (!isfinite(*value) || *value < 0.0 || *value > FSM_INTERVAL_MAX_S)
            *value = config_read(&defaults, &config_fields[i]);
        if (!config.allow_fast_polling)
            *value = fmax(*value, config_fields[i].floor_s);
    }
    if (!config.allow_fast_polling || !isfinite(config.max_poll_interval_s) ||
        config.max_poll_interval_s < 0.0)
        config.max_poll_interval_s = 0.0;
    config.offline_max_interval_s = fmax(config.offline_max_interval_s, config.asleep_interval_s);
    return config;
}

static struct car_settings effective_settings(const struct car_settings *requested)
{
    struct car_settings settings = *requested;
    struct car_settings defaults = car_settings_defaults();

    if (!setting_valid(settings.suspend_min))
        settings.suspend_min = defaults.suspend_min;
    if (!setting_valid(settings.suspend_after_idle_min))
        settings.suspend_after_idle_min = defaults.suspend_after_idle_min;
    return settings;
}

/* ---- fetch plans (TeslaMate's with use_streaming_api off) ------------- */

static enum fetch_plan plan_for_state(enum fsm_state state)
{
    switch (state) {
    case FSM_STATE_ONLINE:
    case FSM_STATE_DRIVING:
    case FSM_STATE_CHARGING:
    case FSM_STATE_UPDATING:
        return FETCH_PLAN_REACHABLE;
    default:
        return FETCH_PLAN_UNREACHABLE;
    }
}

enum fetch_call fetch_plan_first_call(enum fetch_plan plan)
{
    if (plan == FETCH_PLAN_REACHABLE || plan == FETCH_PLAN_VEHICLE_DATA)
        return FETCH_CALL_VEHICLE_DATA;
    if (plan == FETCH_PLAN_UNREACHABLE || plan == FETCH_PLAN_LIGHT)
        return FETCH_CALL_VEHICLE;
    return FETCH_CALL_NONE;
}

enum fetch_call fetch_plan_next_call(enum fetch_plan plan, enum fetch_call done,
                                     const struct fsm_fetch_result *result)
{
    if (plan == FETCH_PLAN_REACHABLE && done == FETCH_CALL_VEHICLE_DATA &&
        result->error == FETCH_ERROR_VEHICLE_UNAVAILABLE)
        return FETCH_CALL_VEHICLE;

    if (plan == FETCH_PLAN_UNREACHABLE && done == FETCH_CALL_VEHICLE &&
        result->error == FETCH_OK && result->sample != NULL &&
        strcmp(result->sample->state, "online") == 0)
        return FETCH_CALL_VEHICLE_DATA;

    return FETCH_CALL_NONE;
}

/* ---- start-up ---------------------------------------------------------- */

void vehicle_fsm_init(struct vehicle_fsm *fsm, const struct fsm_start_data *start,
                      double now_s, struct fsm_output *out)
{
    memset(fsm, 0, sizeof(*fsm));
    fsm->config = effective_config(&start->config);
    fsm->settings = effective_settings(&start->settings);
    fsm->state = FSM_STATE_START;
    fsm->sleep_interval_s = fsm->config.asleep_interval_s;

    fsm->open_state = start->open_state;
    fsm->last_state_change_ms = start->open_state.known ? start->open_state.start_ms
                                                        : fsm_now_ms(now_s);
    fsm->since_open_row = start->open_state.known;
    fsm->last_used_s = now_s;
    fsm->updates.latest = start->latest_update;
    fsm->latest_position = start->latest_position;
    fsm->drive_open = start->open_records.drive;
    fsm->charging_open = start->open_records.charging_process;
    fsm->charge_sampled = start->open_records.has_last_charge;
    fsm->last_charge_ms = start->open_records.last_charge_ms;
    if (start->open_records.update) {
        fsm->updates.open = true;
        fsm->updates.before_open = fsm->updates.latest;
    }

    /* api_error: blows on the 4th melt in 10 min, heals after 5 min;
     * vehicle_not_found: 9th in 20 min, heals after 10 min. */
    fuse_init(&fsm->api_error_fuse, 3, 600.0, 300.0);
    fuse_init(&fsm->vehicle_not_found_fuse, 8, 1200.0, 600.0);

    fsm_output_reset(out, fsm->state);
    out->poll.action = FSM_TIMER_SET;
    out->poll.delay_s = 0.0;
}

/* ---- events ------------------------------------------------------------ */

/* A result with FETCH_OK but no sample is a caller bug: it ends the fetch
 * like an unknown error would, so polling goes on. */
static bool reject_result_without_sample(struct fsm_fetch_result *result,
                                         struct fsm_output *out)
{
    struct fsm_effect *notice;

    if (result->error != FETCH_OK || result->sample != NULL)
        return false;
    notice = fsm_add_notice(out, FSM_NOTICE_INVALID_EVENT);
    snprintf(notice->notice.text, sizeof(notice->notice.text), "fetch result without sample");
    result->error = FETCH_ERROR_UNKNOWN;
    return true;
}

static void handle_fetch_result(struct vehicle_fsm *fsm, const struct fsm_event *event,
                                double now_s, struct fsm_output *out)
{
    struct fsm_fetch_result result = event->fetch;
    struct fsm_effect *notice;

    reject_result_without_sample(&result, out);
    if (result.fetch_id != 0 && result.fetch_id == fsm->suspend_fetch_id) {
        fsm->suspend_fetch_id = 0;
        fsm_handle_suspend_check(fsm, &result, now_s, out);
        return;
    }
    if (result.fetch_id == 0 || result.fetch_id != fsm->poll_fetch_id) {
        /* Forgotten by a manual suspend, or never started. */
        if (result.error != FETCH_OK) {
            notice = fsm_add_notice(out, FSM_NOTICE_LATE_RESULT_DROPPED);
            notice->notice.error = result.error;
        }
        return;
    }
    fsm->poll_fetch_id = 0;
    fsm_handle_fetch_result(fsm, &result, now_s, out);
}

static void handle_poll_timer(struct vehicle_fsm *fsm, const struct fsm_event *event,
                              double now_s, struct fsm_output *out)
{
    (void)event;
    if (fsm->poll_fetch_id != 0)
        return;     /* the result handler schedules the next poll */

    if (now_s < fsm->rate_limited_until_s) {
        fsm_poll(fsm, out, now_s, 0.0);     /* re-armed for the end of the limit */
        return;
    }

    fsm->poll_fetch_id = ++fsm->fetch_sequence;
    out->start_fetch = true;
    out->fetch.id = fsm->poll_fetch_id;
    out->fetch.plan = plan_for_state(fsm->state);
}

/* A position every 5 minutes while online or charging, from the last
 * sample. TeslaMate stores it even when that sample has not changed, so a
 * charging car offline for hours gives a copy every 5 minutes. Here a
 * sample already stored by this timer is not stored again. */
static void handle_store_position_timer(struct vehicle_fsm *fsm, const struct fsm_event *event,
                                        double now_s, struct fsm_output *out)
{
    int64_t sample_ms = fsm_drive_date_ms(&fsm->last_response, now_s);

    (void)event;
    if (fsm->state != FSM_STATE_ONLINE && fsm->state != FSM_STATE_CHARGING)
        return;     /* dropped, not re-armed */

    out->arm_store_position_timer = true;
    if (!fsm->has_last_response || fsm->last_response_restored ||
        (fsm->timer_position_stored && fsm->timer_position_ms == sample_ms))
        return;

    fsm_insert_position(out, now_s, &fsm->last_response, false);
    fsm->timer_position_stored = true;
    fsm->timer_position_ms = sample_ms;
}

static void handle_suspend_request(struct vehicle_fsm *fsm, const struct fsm_event *event,
                                   double now_s, struct fsm_output *out)
{
    (void)event;
    fsm_handle_suspend_request(fsm, now_s, out);
}

static void handle_resume_request(struct vehicle_fsm *fsm, const struct fsm_event *event,
                                  double now_s, struct fsm_output *out)
{
    (void)event;
    fsm_handle_resume_request(fsm, now_s, out);
}

/* New idle and suspend times apply at the next evaluation, as in
 * TeslaMate. */
static void handle_settings_changed(struct vehicle_fsm *fsm, const struct fsm_event *event,
                                    double now_s, struct fsm_output *out)
{
    struct fsm_effect *notice;

    (void)now_s;
    if (!car_settings_check(&event->settings, NULL, 0)) {
        notice = fsm_add_notice(out, FSM_NOTICE_INVALID_EVENT);
        snprintf(notice->notice.text, sizeof(notice->notice.text), "invalid car settings");
        return;
    }
    fsm->settings = event->settings;
}

static void handle_push_source(struct vehicle_fsm *fsm, const struct fsm_event *event,
                               double now_s, struct fsm_output *out)
{
    (void)now_s;
    (void)out;
    fsm->push_source_alive = event->push_source_alive;
}

typedef void event_handler(struct vehicle_fsm *fsm, const struct fsm_event *event, double now_s,
                           struct fsm_output *out);

static event_handler *const event_handlers[FSM_EVENT_TYPE_COUNT] = {
    [FSM_EVENT_FETCH_RESULT] = handle_fetch_result,
    [FSM_EVENT_POLL_TIMER] = handle_poll_timer,
    [FSM_EVENT_STORE_POSITION_TIMER] = handle_store_position_timer,
    [FSM_EVENT_SUSPEND_REQUEST] = handle_suspend_request,
    [FSM_EVENT_RESUME_REQUEST] = handle_resume_request,
    [FSM_EVENT_SETTINGS_CHANGED] = handle_settings_changed,
    [FSM_EVENT_PUSH_SOURCE] = handle_push_source,
};

_Static_assert(sizeof(event_handlers) / sizeof(event_handlers[0]) == FSM_EVENT_TYPE_COUNT,
               "every event type needs a handler");

void vehicle_fsm_handle(struct vehicle_fsm *fsm, const struct fsm_event *event, double now_s,
                        struct fsm_output *out)
{
    fsm_output_reset(out, fsm->state);

    if (event == NULL || event->type < 0 || event->type >= FSM_EVENT_TYPE_COUNT ||
        !isfinite(now_s)) {
        struct fsm_effect *notice = fsm_add_notice(out, FSM_NOTICE_INVALID_EVENT);

        snprintf(notice->notice.text, sizeof(notice->notice.text), "%s",
                 event == NULL ? "no event" : !isfinite(now_s) ? "event time not finite"
                                                              : "unknown event type");
        return;
    }

    event_handlers[event->type](fsm, event, now_s, out);
    out->state = fsm->state;
}

/* ---- queries ----------------------------------------------------------- */

bool vehicle_fsm_healthy(struct vehicle_fsm *fsm, double now_s)
{
    bool api_error_blown = fuse_is_blown(&fsm->api_error_fuse, now_s);
    bool not_found_blown = fuse_is_blown(&fsm->vehicle_not_found_fuse, now_s);

    return !api_error_blown && !not_found_blown;
}

enum vehicle_summary_state vehicle_fsm_summary_state(const struct vehicle_fsm *fsm)
{
    static const enum vehicle_summary_state by_state[FSM_STATE_COUNT] = {
        [FSM_STATE_START] = SUMMARY_STATE_START,
        [FSM_STATE_ONLINE] = SUMMARY_STATE_ONLINE,
        [FSM_STATE_DRIVING] = SUMMARY_STATE_DRIVING,
        [FSM_STATE_CHARGING] = SUMMARY_STATE_CHARGING,
        [FSM_STATE_UPDATING] = SUMMARY_STATE_UPDATING,
        [FSM_STATE_SUSPENDED] = SUMMARY_STATE_SUSPENDED,
        [FSM_STATE_ASLEEP] = SUMMARY_STATE_ASLEEP,
        [FSM_STATE_OFFLINE] = SUMMARY_STATE_OFFLINE,
    };

    if (fsm->state == FSM_STATE_START && !fsm->has_last_response)
        return SUMMARY_STATE_UNAVAILABLE;
    if (fsm->state == FSM_STATE_DRIVING && fsm->driving_status == FSM_DRIVING_OFFLINE)
        return SUMMARY_STATE_OFFLINE;
    return by_state[fsm->state];
}

double fsm_charging_interval_s(const struct fsm_config *config, struct opt_double power_kw)
{
    double interval_s;

    if (!power_kw.known || !(power_kw.value > 0.0))
        return FSM_CHARGING_START_POLL_S;

    interval_s = round(250.0 / power_kw.value);
    if (interval_s > 20.0)
        interval_s = 20.0;
    return fmax(interval_s, config->charging_interval_s);
}
