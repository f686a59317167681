/*
 * vehicle_fsm: the vehicle state machine of one car, as a pure module.
 *
 * Contract: vehicle_fsm_handle() takes one event and the wall-clock event
 * time in epoch seconds, updates the machine and fills a struct fsm_output:
 * the state after the event, what to do with the poll timer, whether to
 * start a fetch (and with which plan), a reply to a suspend or resume
 * request, and a bounded list of effects for the recorder and the log, in
 * the order they must run. The module does no I/O, reads no clock, logs
 * nothing, allocates nothing and keeps no globals: the caller owns the
 * struct vehicle_fsm, executes the output and feeds results back as events.
 * Record ids (drive, charging process, update) stay with the recorder; the
 * machine only knows whether one is open.
 *
 * Behaviour follows TeslaMate's vehicle worker with use_streaming_api off:
 * tenantmate never opens the legacy streaming websocket. FSM_EVENT_PUSH_SOURCE
 * lets a future push source (for example Fleet Telemetry) switch on the
 * parameters TeslaMate uses while a stream is alive (driving poll, idle and
 * suspend times). Deliberate departures from TeslaMate, each explained
 * where it happens:
 * - an offline car's poll keeps doubling up to offline_max_interval_s, and
 *   an offline charging or updating car's poll doubles from 10 s;
 * - a rate limit holds every poll and the suspend check until it ends;
 * - from the second stale sample in a row the error interval applies;
 * - a charge whose end was not seen ends at its last charging sample;
 * - not_signed_in closes an open drive or charging process;
 * - records a previous worker left open are continued or closed;
 * - a suspend request in `start` is rejected, and its vehicle_data check
 *   is a fetch like any other (TeslaMate blocks the worker for it);
 * - the store-position timer does not store the same sample twice;
 * - the cases where TeslaMate's worker crashes have defined outcomes.
 *
 * Times: event times and effect dates are wall-clock UTC (epoch seconds in,
 * epoch milliseconds out); poll delays are relative, in seconds.
 */
#ifndef TENANTMATE_VEHICLE_FSM_H
#define TENANTMATE_VEHICLE_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "car_identity.h"
#include "fuse.h"
#include "vehicle_fsm_records.h"
#include "vehicle_sample.h"

/* ---- configuration ---------------------------------------------------- */

/* Polling intervals in seconds, named after TeslaMate's POLLING_* variables.
 * vehicle_fsm_init() raises each to TeslaMate's floor (the default), as
 * TeslaMate does with max(env, default), unless allow_fast_polling is set;
 * fractions of a second are kept. */
struct fsm_config {
    double asleep_interval_s;       /* POLLING_ASLEEP_INTERVAL, 30 */
    double driving_interval_s;      /* POLLING_DRIVING_INTERVAL, 2.5 */
    double default_interval_s;      /* POLLING_DEFAULT_INTERVAL, 15 */
    double online_interval_s;       /* POLLING_ONLINE_INTERVAL, 60 (in-service back-off) */
    double charging_interval_s;     /* POLLING_CHARGING_INTERVAL, 5 */
    double minimum_interval_s;      /* POLLING_MINIMUM_INTERVAL, 0: floor of poll(n) */
    /* tenantmate: cap of the doubling poll while a car stays offline, and
     * while charging or updating cars are offline. TeslaMate polls an
     * offline car every asleep_interval_s forever; raised to at least
     * asleep_interval_s. */
    double offline_max_interval_s;  /* 120 */
    /* tenantmate, for tests and demos against a replaying fake API
     * (TENANTMATE_ALLOW_FAST_POLLING): true lets the intervals above go
     * below TeslaMate's floors. False by default. */
    bool allow_fast_polling;
    /* tenantmate, honoured only with allow_fast_polling
     * (TENANTMATE_MAX_POLL_INTERVAL): the longest poll delay the machine
     * asks for, the fixed ones included (charging power, error retries,
     * suspend); a rate limit still holds the poll until it ends.
     * 0: no cap. */
    double max_poll_interval_s;
};

/* The car_settings columns the machine reads. */
struct car_settings {
    double suspend_min;             /* 21 (12 for modern cars at creation) */
    double suspend_after_idle_min;  /* 15 */
    bool req_not_unlocked;          /* false */
};

struct fsm_config fsm_config_defaults(void);

/* TeslaMate's floors, to which vehicle_fsm_init() raises each interval
 * unless allow_fast_polling is set. */
struct fsm_config fsm_config_floors(void);
struct car_settings car_settings_defaults(void);

/* Return false and write a message naming the field, the value and the
 * fix into error when a value is not a finite number in its range. */
bool fsm_config_check(const struct fsm_config *config, char *error, size_t error_size);
bool car_settings_check(const struct car_settings *settings, char *error, size_t error_size);

/* ---- states ------------------------------------------------------------ */

enum fsm_state {
    FSM_STATE_START,        /* transient dispatch state */
    FSM_STATE_ONLINE,
    FSM_STATE_DRIVING,
    FSM_STATE_CHARGING,
    FSM_STATE_UPDATING,
    FSM_STATE_SUSPENDED,
    FSM_STATE_ASLEEP,
    FSM_STATE_OFFLINE,
    FSM_STATE_COUNT
};

enum fsm_driving_status {
    FSM_DRIVING_AVAILABLE,
    FSM_DRIVING_UNAVAILABLE,    /* 1 to 16 offline results in a row */
    FSM_DRIVING_OFFLINE,        /* 17 or more: polls every 30 s */
    FSM_DRIVING_STATUS_COUNT
};

/* Values of the states table. */
enum fsm_recorded_state {
    FSM_RECORDED_ONLINE,
    FSM_RECORDED_ASLEEP,
    FSM_RECORDED_OFFLINE,
    FSM_RECORDED_STATE_COUNT
};

/* The summary's state (TeslaMate's mapping of the machine's state). */
enum vehicle_summary_state {
    SUMMARY_STATE_UNAVAILABLE,  /* start, no vehicle data ever received */
    SUMMARY_STATE_START,
    SUMMARY_STATE_ONLINE,
    SUMMARY_STATE_DRIVING,
    SUMMARY_STATE_OFFLINE,      /* also driving while its status is offline */
    SUMMARY_STATE_CHARGING,
    SUMMARY_STATE_UPDATING,
    SUMMARY_STATE_SUSPENDED,
    SUMMARY_STATE_ASLEEP,
    SUMMARY_STATE_COUNT
};

/* ---- fetching ---------------------------------------------------------- */

/* The calls of one poll; the caller runs the chain with fetch_plan_*(). */
enum fetch_plan {
    FETCH_PLAN_REACHABLE,       /* vehicle_data; on vehicle_unavailable the light call */
    FETCH_PLAN_UNREACHABLE,     /* light call; vehicle_data only when it returns online */
    FETCH_PLAN_LIGHT,           /* light call only */
    FETCH_PLAN_VEHICLE_DATA,    /* vehicle_data only (the suspend request's check) */
    FETCH_PLAN_COUNT
};

enum fetch_call {
    FETCH_CALL_NONE,
    FETCH_CALL_VEHICLE,         /* GET /api/1/vehicles/{id}, the light call */
    FETCH_CALL_VEHICLE_DATA,    /* GET /api/1/vehicles/{id}/vehicle_data */
    FETCH_CALL_COUNT
};

/* Classified outcome of one API call. */
enum fetch_error {
    FETCH_OK,
    FETCH_ERROR_UNAUTHORIZED,
    FETCH_ERROR_NOT_SIGNED_IN,
    FETCH_ERROR_VEHICLE_UNAVAILABLE,
    FETCH_ERROR_VEHICLE_NOT_FOUND,
    FETCH_ERROR_VEHICLE_IN_SERVICE,
    FETCH_ERROR_TOO_MANY_REQUESTS,  /* 429, with retry_after_s */
    FETCH_ERROR_EXCEEDED_LIMIT,     /* 403 account disabled: EXCEEDED_LIMIT (whole account) */
    FETCH_ERROR_TIMEOUT,
    FETCH_ERROR_CLOSED,
    FETCH_ERROR_UNKNOWN,            /* any other error, transport errors included */
    FETCH_ERROR_COUNT
};

struct fsm_fetch_result {
    uint64_t fetch_id;              /* from fsm_output.fetch */
    enum fetch_error error;
    double retry_after_s;           /* TOO_MANY_REQUESTS; not positive: 300 */
    const struct vehicle_sample *sample;    /* FETCH_OK only; read during the call */
};

enum fetch_call fetch_plan_first_call(enum fetch_plan plan);

/* The call to make after `done` returned `result`, or FETCH_CALL_NONE when
 * `result` is the plan's result. A rate limit never falls back to the light
 * call. */
enum fetch_call fetch_plan_next_call(enum fetch_plan plan, enum fetch_call done,
                                     const struct fsm_fetch_result *result);

/* ---- events ------------------------------------------------------------ */

enum fsm_event_type {
    FSM_EVENT_FETCH_RESULT,
    FSM_EVENT_POLL_TIMER,
    FSM_EVENT_STORE_POSITION_TIMER,
    FSM_EVENT_SUSPEND_REQUEST,      /* user: suspend logging */
    FSM_EVENT_RESUME_REQUEST,       /* user: resume logging */
    FSM_EVENT_SETTINGS_CHANGED,
    FSM_EVENT_PUSH_SOURCE,          /* a push source connected or went away */
    FSM_EVENT_TYPE_COUNT
};

struct fsm_event {
    enum fsm_event_type type;
    struct fsm_fetch_result fetch;  /* FETCH_RESULT */
    struct car_settings settings;   /* SETTINGS_CHANGED */
    bool push_source_alive;         /* PUSH_SOURCE */
};

/* ---- effects ----------------------------------------------------------- */

enum fsm_effect_type {
    FSM_EFFECT_START_STATE,
    FSM_EFFECT_UPDATE_CAR,
    FSM_EFFECT_INSERT_MISSED_UPDATE,
    FSM_EFFECT_INSERT_POSITION,
    FSM_EFFECT_START_DRIVE,
    FSM_EFFECT_CLOSE_DRIVE,
    FSM_EFFECT_START_CHARGING_PROCESS,
    FSM_EFFECT_INSERT_CHARGE,
    FSM_EFFECT_COMPLETE_CHARGING_PROCESS,
    FSM_EFFECT_START_UPDATE,
    FSM_EFFECT_FINISH_UPDATE,
    FSM_EFFECT_CANCEL_UPDATE,
    FSM_EFFECT_PUBLISH_SUMMARY,
    FSM_EFFECT_RESTART_VEHICLES,        /* vehicle_not_found fuse blew: re-list cars */
    FSM_EFFECT_ACCOUNT_LIMIT_EXCEEDED,  /* stop every billable call of the tenant */
    FSM_EFFECT_NOTICE,                  /* a line for the log */
    FSM_EFFECT_TYPE_COUNT
};

enum fsm_drive_end {
    FSM_DRIVE_END_PARKED,           /* shift P or null */
    FSM_DRIVE_END_OFFLINE_TIMEOUT,  /* offline 15 min after the last sample */
    FSM_DRIVE_END_ASLEEP,
    FSM_DRIVE_END_CHARGED_OFFLINE,  /* back online with range gained */
    FSM_DRIVE_END_LONG_GAP,         /* back online after 15 min or more */
    FSM_DRIVE_END_IN_SERVICE,
    FSM_DRIVE_END_SIGNED_OUT,
    FSM_DRIVE_END_INTERRUPTED,      /* left open by a previous worker */
    FSM_DRIVE_END_COUNT
};

enum fsm_charge_end {
    FSM_CHARGE_END_FINISHED,        /* charging_state left Starting/Charging */
    FSM_CHARGE_END_ASLEEP,          /* aborted: the car fell asleep */
    FSM_CHARGE_END_DETECTED_OFFLINE,/* a charge found after a drive went offline */
    FSM_CHARGE_END_SIGNED_OUT,
    FSM_CHARGE_END_INTERRUPTED,     /* left open by a previous worker */
    FSM_CHARGE_END_COUNT
};

enum fsm_notice {
    FSM_NOTICE_STALE_SAMPLE_DISCARDED,      /* value_ms new, previous_ms kept */
    FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED,
    FSM_NOTICE_UNKNOWN_VEHICLE_STATE,       /* text: the state */
    FSM_NOTICE_SERVICE_MODE_ENTERED,
    FSM_NOTICE_SERVICE_MODE_EXITED,
    FSM_NOTICE_POSITION_WITHOUT_LOCATION,   /* the position was not inserted */
    FSM_NOTICE_CHARGE_WITHOUT_LOCATION,     /* the process has no usable position */
    FSM_NOTICE_DRIVE_STATE_MISSING,
    FSM_NOTICE_OFFLINE_WHILE_CHARGING,
    FSM_NOTICE_OFFLINE_WHILE_UPDATING,
    FSM_NOTICE_UNEXPECTED_UPDATE_STATUS,    /* text: the status */
    FSM_NOTICE_VEHICLE_STATE_MISSING,
    FSM_NOTICE_CAR_VERSION_MISSING,
    FSM_NOTICE_FETCH_FAILED,                /* error, delay_s until the next poll */
    FSM_NOTICE_LATE_RESULT_DROPPED,         /* error of a forgotten fetch's result */
    FSM_NOTICE_CHARGE_END_UNOBSERVED,       /* value_ms reappearance, previous_ms last sample */
    FSM_NOTICE_API_ERROR_FUSE_BLOWN,
    FSM_NOTICE_VEHICLE_NOT_FOUND_FUSE_BLOWN,
    FSM_NOTICE_RATE_LIMITED,                /* delay_s: no call before it ends */
    FSM_NOTICE_INVALID_EVENT,               /* text: what was wrong */
    FSM_NOTICE_COUNT
};

#define FSM_TEXT_SIZE SAMPLE_TEXT_SIZE

struct fsm_effect {
    enum fsm_effect_type type;
    union {
        struct {
            enum fsm_recorded_state state;
            int64_t date_ms;
        } start_state;
        struct {
            char name[FSM_TEXT_SIZE];
            bool identified;            /* false: update the name only */
            struct car_identity identity;
        } update_car;
        struct {
            char version[FSM_TEXT_SIZE];
            int64_t date_ms;
        } missed_update;
        struct {
            bool in_drive;              /* linked to the open drive */
            struct fsm_position position;
        } insert_position;
        struct {
            int64_t date_ms;
        } start_drive;
        struct {
            enum fsm_drive_end reason;  /* the address is always looked up */
        } close_drive;
        struct {
            int64_t date_ms;
            struct fsm_position position;   /* stored as its own positions row */
        } start_charging_process;
        struct {
            struct fsm_charge charge;
        } insert_charge;
        struct {
            enum fsm_charge_end reason;
            /* The date of the last charge sample inserted, which is the
             * end the recorder computes from the charges. */
            int64_t end_date_ms;
        } complete_charging_process;
        struct {
            int64_t date_ms;
            char from_version[FSM_TEXT_SIZE];   /* "" when unknown */
            char to_version[FSM_TEXT_SIZE];
        } start_update;
        struct {
            int64_t date_ms;
            char version[FSM_TEXT_SIZE];        /* "" is stored as NULL */
        } finish_update;
        struct {
            enum vehicle_summary_state state;
            int64_t since_ms;
            bool healthy;
        } publish_summary;
        struct {
            double retry_after_s;
        } account_limit;
        struct {
            enum fsm_notice code;
            enum fetch_error error;
            double delay_s;
            int64_t value_ms;
            int64_t previous_ms;
            char text[FSM_TEXT_SIZE];
        } notice;
    };
};

/* ---- output ------------------------------------------------------------ */

enum fsm_timer_action {
    FSM_TIMER_KEEP,     /* leave the pending poll timer as it is */
    FSM_TIMER_SET,      /* replace it: fire after delay_s */
    FSM_TIMER_CANCEL,   /* no further poll until the worker restarts */
    FSM_TIMER_ACTION_COUNT
};

enum fsm_reply_status {
    FSM_REPLY_NONE,
    FSM_REPLY_OK,
    FSM_REPLY_PENDING,  /* waits for the FETCH_PLAN_VEHICLE_DATA fetch */
    FSM_REPLY_ERROR,
    FSM_REPLY_STATUS_COUNT
};

/* Reasons a suspend request is rejected; the blockers come first, in the
 * order they are checked. */
enum fsm_suspend_error {
    FSM_SUSPEND_OK,
    FSM_SUSPEND_USER_PRESENT,
    FSM_SUSPEND_PRECONDITIONING,
    FSM_SUSPEND_DOG_MODE,
    FSM_SUSPEND_SENTRY_MODE,
    FSM_SUSPEND_DOWNLOADING_UPDATE,
    FSM_SUSPEND_DOORS_OPEN,
    FSM_SUSPEND_TRUNK_OPEN,
    FSM_SUSPEND_UNLOCKED,
    FSM_SUSPEND_POWER_USAGE,
    FSM_SUSPEND_VEHICLE_NOT_PARKED,
    FSM_SUSPEND_UPDATE_IN_PROGRESS,
    FSM_SUSPEND_CHARGING_IN_PROGRESS,
    FSM_SUSPEND_GATEWAY_ERROR,          /* the check returned no vehicle data */
    FSM_SUSPEND_TOO_MANY_REQUESTS,      /* retry_after_s */
    FSM_SUSPEND_FETCH_FAILED,           /* fetch_error */
    FSM_SUSPEND_ALREADY_REQUESTED,
    FSM_SUSPEND_STATE_UNKNOWN,          /* no poll has returned the state yet */
    FSM_SUSPEND_ERROR_COUNT
};

struct fsm_reply {
    enum fsm_reply_status status;
    enum fsm_suspend_error error;
    enum fetch_error fetch_error;
    double retry_after_s;
};

/* One event produces at most about 16 effects (a charge detected after an
 * offline drive, followed by a new drive); the rest is headroom. */
#define FSM_EFFECTS_MAX 32

/* The 5-minute timer that stores a position while online or charging. */
#define FSM_STORE_POSITION_INTERVAL_S 300.0

struct fsm_output {
    enum fsm_state previous_state;
    enum fsm_state state;
    struct {
        enum fsm_timer_action action;
        double delay_s;
    } poll;
    bool arm_store_position_timer;  /* (re)arm for FSM_STORE_POSITION_INTERVAL_S */
    bool start_fetch;
    struct {
        uint64_t id;
        enum fetch_plan plan;
    } fetch;
    struct fsm_reply reply;
    size_t effect_count;
    bool effects_overflow;          /* effects were dropped: a bug, log it */
    struct fsm_effect effects[FSM_EFFECTS_MAX];
    struct fsm_effect dropped;      /* scratch slot for effects past the maximum */
};

/* ---- the machine ------------------------------------------------------- */

/* Read at worker start-up from the database. */
struct fsm_open_state {
    bool known;
    enum fsm_recorded_state state;
    int64_t start_ms;
};

struct fsm_latest_update {
    bool exists;
    char version[FSM_TEXT_SIZE];    /* "" when NULL */
};

/* The latest position with an ideal range, for the summary of a
 * car first seen asleep or offline. Ranges and odometer in km. */
struct fsm_latest_position {
    bool known;
    double latitude;
    double longitude;
    struct opt_double ideal_battery_range_km;
    struct opt_double est_battery_range_km;
    struct opt_double rated_battery_range_km;
    struct opt_double battery_level;
    struct opt_double usable_battery_level;
    struct opt_double outside_temp_c;
    struct opt_double inside_temp_c;
    struct opt_double odometer_km;
};

/* Records a previous worker left open (the recorder's find_open_*). The
 * first observation continues them when the car is still in that activity
 * and closes them otherwise, so a restart never opens a second drive. */
struct fsm_open_records {
    bool drive;
    bool charging_process;
    bool has_last_charge;
    int64_t last_charge_ms;
    bool update;
};

struct fsm_start_data {
    struct fsm_config config;
    struct car_settings settings;
    struct fsm_open_state open_state;
    struct fsm_latest_update latest_update;
    struct fsm_latest_position latest_position;
    struct fsm_open_records open_records;
};

/* Tracks the updates table so that the version check on every entry to
 * online needs no database read. */
struct fsm_update_history {
    struct fsm_latest_update latest;
    bool open;                      /* an update record is in progress */
    struct fsm_latest_update before_open;   /* latest again after a cancel */
    bool finish_pending;            /* the car slept while updating */
    int64_t finish_date_ms;
};

/* Read-only for callers; change it through the functions below. */
struct vehicle_fsm {
    struct fsm_config config;
    struct car_settings settings;
    enum fsm_state state;

    /* driving(status, drive) */
    enum fsm_driving_status driving_status;
    int unavailable_count;
    double unavailable_since_s;             /* when the connection was lost */
    bool drive_open;
    struct vehicle_sample offline_last;     /* the last sample before going offline */

    /* charging(process) */
    bool charging_open;
    bool charge_sampled;
    int64_t last_charge_ms;
    bool charge_unobserved;                 /* offline since the last charge sample */

    /* asleep(n) / offline(n); offline_streak backs off charging/updating polls */
    double sleep_interval_s;
    int offline_streak;

    struct fsm_update_history updates;

    bool has_last_response;
    bool last_response_restored;            /* from latest_position, summary only */
    struct vehicle_sample last_response;
    bool has_location;
    double last_latitude;
    double last_longitude;
    struct fsm_latest_position latest_position;

    bool timer_position_stored;             /* the store-position timer stored */
    int64_t timer_position_ms;              /* ... the sample dated this */

    double last_used_s;                     /* drives the idle clock */
    int64_t last_state_change_ms;           /* the summary's "since" */
    bool since_open_row;                    /* "since" is the open row's start */
    struct fsm_open_state open_state;

    struct fuse api_error_fuse;             /* 3 melts / 10 min, heals in 5 min */
    struct fuse vehicle_not_found_fuse;     /* 8 melts / 20 min, heals in 10 min */

    uint64_t fetch_sequence;
    uint64_t poll_fetch_id;                 /* 0: no poll fetch in flight */
    uint64_t suspend_fetch_id;              /* 0: no suspend check in flight */
    double rate_limited_until_s;
    int stale_streak;
    bool push_source_alive;
};

/* Starts the machine in `start` and requests an immediate poll. */
void vehicle_fsm_init(struct vehicle_fsm *fsm, const struct fsm_start_data *start,
                      double now_s, struct fsm_output *out);

void vehicle_fsm_handle(struct vehicle_fsm *fsm, const struct fsm_event *event, double now_s,
                        struct fsm_output *out);

/* Both fuses OK at now_s (heals them when their time came). */
bool vehicle_fsm_healthy(struct vehicle_fsm *fsm, double now_s);

enum vehicle_summary_state vehicle_fsm_summary_state(const struct vehicle_fsm *fsm);

/* The first condition, in TeslaMate's order, that keeps the car from
 * being suspended: user present, preconditioning, dog mode, sentry mode,
 * update downloading, a door open, a trunk open, unlocked (when the
 * settings require locking), power drawn. FSM_SUSPEND_OK when none. */
enum fsm_suspend_error fsm_suspend_blocker(const struct vehicle_fsm *fsm,
                                           const struct vehicle_sample *sample);

/* Charging poll for a charger power: 5 s when unknown or not positive,
 * otherwise round(250 / kW) capped at 20 s, then floored at
 * config->charging_interval_s. */
double fsm_charging_interval_s(const struct fsm_config *config, struct opt_double power_kw);

const char *fsm_state_name(enum fsm_state state);
const char *fsm_driving_status_name(enum fsm_driving_status status);
const char *fsm_recorded_state_name(enum fsm_recorded_state state);
const char *vehicle_summary_state_name(enum vehicle_summary_state state);
const char *fetch_plan_name(enum fetch_plan plan);
const char *fetch_call_name(enum fetch_call call);
const char *fetch_error_name(enum fetch_error error);
const char *fsm_event_type_name(enum fsm_event_type type);
const char *fsm_effect_type_name(enum fsm_effect_type type);
const char *fsm_drive_end_name(enum fsm_drive_end reason);
const char *fsm_charge_end_name(enum fsm_charge_end reason);
const char *fsm_notice_name(enum fsm_notice code);
const char *fsm_timer_action_name(enum fsm_timer_action action);
const char *fsm_reply_status_name(enum fsm_reply_status status);
const char *fsm_suspend_error_name(enum fsm_suspend_error error);

#endif
