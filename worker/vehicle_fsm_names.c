/* Names of the vehicle state machine's enums, for logs and tests. */
#include "vehicle_fsm.h"

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Declares the table, checks its size against the enum and defines the
 * lookup, which returns "invalid" for a value out of range. */
#define NAME_TABLE(function, type, count, ...)                                      \
    static const char *const function##_table[] = { __VA_ARGS__ };                \
    _Static_assert(COUNT_OF(function##_table) == (count),                          \
                   #function " must name every value");                            \
    const char *function(type value)                                                \
    {                                                                               \
        if ((int)value < 0 || (int)value >= (int)(count) || !function##_table[value]) \
            return "invalid";                                                       \
        return function##_table[value];                                             \
    }

NAME_TABLE(fsm_state_name, enum fsm_state, FSM_STATE_COUNT,
           [FSM_STATE_START] = "start",
           [FSM_STATE_ONLINE] = "online",
           [FSM_STATE_DRIVING] = "driving",
           [FSM_STATE_CHARGING] = "charging",
           [FSM_STATE_UPDATING] = "updating",
           [FSM_STATE_SUSPENDED] = "suspended",
           [FSM_STATE_ASLEEP] = "asleep",
           [FSM_STATE_OFFLINE] = "offline")

NAME_TABLE(fsm_driving_status_name, enum fsm_driving_status, FSM_DRIVING_STATUS_COUNT,
           [FSM_DRIVING_AVAILABLE] = "available",
           [FSM_DRIVING_UNAVAILABLE] = "unavailable",
           [FSM_DRIVING_OFFLINE] = "offline")

NAME_TABLE(fsm_recorded_state_name, enum fsm_recorded_state, FSM_RECORDED_STATE_COUNT,
           [FSM_RECORDED_ONLINE] = "online",
           [FSM_RECORDED_ASLEEP] = "asleep",
           [FSM_RECORDED_OFFLINE] = "offline")

NAME_TABLE(vehicle_summary_state_name, enum vehicle_summary_state, SUMMARY_STATE_COUNT,
           [SUMMARY_STATE_UNAVAILABLE] = "unavailable",
           [SUMMARY_STATE_START] = "start",
           [SUMMARY_STATE_ONLINE] = "online",
           [SUMMARY_STATE_DRIVING] = "driving",
           [SUMMARY_STATE_OFFLINE] = "offline",
           [SUMMARY_STATE_CHARGING] = "charging",
           [SUMMARY_STATE_UPDATING] = "updating",
           [SUMMARY_STATE_SUSPENDED] = "suspended",
           [SUMMARY_STATE_ASLEEP] = "asleep")

NAME_TABLE(fetch_plan_name, enum fetch_plan, FETCH_PLAN_COUNT,
           [FETCH_PLAN_REACHABLE] = "reachable",
           [FETCH_PLAN_UNREACHABLE] = "unreachable",
           [FETCH_PLAN_LIGHT] = "light",
           [FETCH_PLAN_VEHICLE_DATA] = "vehicle_data")

NAME_TABLE(fetch_call_name, enum fetch_call, FETCH_CALL_COUNT,
           [FETCH_CALL_NONE] = "none",
           [FETCH_CALL_VEHICLE] = "vehicle",
           [FETCH_CALL_VEHICLE_DATA] = "vehicle_data")

NAME_TABLE(fetch_error_name, enum fetch_error, FETCH_ERROR_COUNT,
           [FETCH_OK] = "ok",
           [FETCH_ERROR_UNAUTHORIZED] = "unauthorized",
           [FETCH_ERROR_NOT_SIGNED_IN] = "not_signed_in",
           [FETCH_ERROR_VEHICLE_UNAVAILABLE] = "vehicle_unavailable",
           [FETCH_ERROR_VEHICLE_NOT_FOUND] = "vehicle_not_found",
           [FETCH_ERROR_VEHICLE_IN_SERVICE] = "vehicle_in_service",
           [FETCH_ERROR_TOO_MANY_REQUESTS] = "too_many_requests",
           [FETCH_ERROR_EXCEEDED_LIMIT] = "exceeded_limit",
           [FETCH_ERROR_TIMEOUT] = "timeout",
           [FETCH_ERROR_CLOSED] = "closed",
           [FETCH_ERROR_UNKNOWN] = "unknown")

NAME_TABLE(fsm_event_type_name, enum fsm_event_type, FSM_EVENT_TYPE_COUNT,
           [FSM_EVENT_FETCH_RESULT] = "fetch_result",
           [FSM_EVENT_POLL_TIMER] = "poll_timer",
           [FSM_EVENT_STORE_POSITION_TIMER] = "store_position_timer",
           [FSM_EVENT_SUSPEND_REQUEST] = "suspend_request",
           [FSM_EVENT_RESUME_REQUEST] = "resume_request",
           [FSM_EVENT_SETTINGS_CHANGED] = "settings_changed",
           [FSM_EVENT_PUSH_SOURCE] = "push_source")

NAME_TABLE(fsm_effect_type_name, enum fsm_effect_type, FSM_EFFECT_TYPE_COUNT,
           [FSM_EFFECT_START_STATE] = "start_state",
           [FSM_EFFECT_UPDATE_CAR] = "update_car",
           [FSM_EFFECT_INSERT_MISSED_UPDATE] = "insert_missed_update",
           [FSM_EFFECT_INSERT_POSITION] = "insert_position",
           [FSM_EFFECT_START_DRIVE] = "start_drive",
           [FSM_EFFECT_CLOSE_DRIVE] = "close_drive",
           [FSM_EFFECT_START_CHARGING_PROCESS] = "start_charging_process",
           [FSM_EFFECT_INSERT_CHARGE] = "insert_charge",
           [FSM_EFFECT_COMPLETE_CHARGING_PROCESS] = "complete_charging_process",
           [FSM_EFFECT_START_UPDATE] = "start_update",
           [FSM_EFFECT_FINISH_UPDATE] = "finish_update",
           [FSM_EFFECT_CANCEL_UPDATE] = "cancel_update",
           [FSM_EFFECT_PUBLISH_SUMMARY] = "publish_summary",
           [FSM_EFFECT_RESTART_VEHICLES] = "restart_vehicles",
           [FSM_EFFECT_ACCOUNT_LIMIT_EXCEEDED] = "account_limit_exceeded",
           [FSM_EFFECT_NOTICE] = "notice")

NAME_TABLE(fsm_drive_end_name, enum fsm_drive_end, FSM_DRIVE_END_COUNT,
           [FSM_DRIVE_END_PARKED] = "parked",
           [FSM_DRIVE_END_OFFLINE_TIMEOUT] = "offline_timeout",
           [FSM_DRIVE_END_ASLEEP] = "asleep",
           [FSM_DRIVE_END_CHARGED_OFFLINE] = "charged_offline",
           [FSM_DRIVE_END_LONG_GAP] = "long_gap",
           [FSM_DRIVE_END_IN_SERVICE] = "in_service",
           [FSM_DRIVE_END_SIGNED_OUT] = "signed_out",
           [FSM_DRIVE_END_INTERRUPTED] = "interrupted")

NAME_TABLE(fsm_charge_end_name, enum fsm_charge_end, FSM_CHARGE_END_COUNT,
           [FSM_CHARGE_END_FINISHED] = "finished",
           [FSM_CHARGE_END_ASLEEP] = "asleep",
           [FSM_CHARGE_END_DETECTED_OFFLINE] = "detected_offline",
           [FSM_CHARGE_END_SIGNED_OUT] = "signed_out",
           [FSM_CHARGE_END_INTERRUPTED] = "interrupted")

NAME_TABLE(fsm_notice_name, enum fsm_notice, FSM_NOTICE_COUNT,
           [FSM_NOTICE_STALE_SAMPLE_DISCARDED] = "discarded stale fetch result",
           [FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED] = "discarded incomplete fetch result",
           [FSM_NOTICE_UNKNOWN_VEHICLE_STATE] = "unknown vehicle state",
           [FSM_NOTICE_SERVICE_MODE_ENTERED] = "vehicle entered service mode",
           [FSM_NOTICE_SERVICE_MODE_EXITED] = "vehicle left service mode",
           [FSM_NOTICE_POSITION_WITHOUT_LOCATION] = "position without location not stored",
           [FSM_NOTICE_CHARGE_WITHOUT_LOCATION] = "charge sample without location",
           [FSM_NOTICE_DRIVE_STATE_MISSING] = "drive sample without drive_state",
           [FSM_NOTICE_OFFLINE_WHILE_CHARGING] = "vehicle offline while charging",
           [FSM_NOTICE_OFFLINE_WHILE_UPDATING] = "vehicle offline while updating",
           [FSM_NOTICE_UNEXPECTED_UPDATE_STATUS] = "unexpected software update status",
           [FSM_NOTICE_VEHICLE_STATE_MISSING] = "update sample without vehicle_state",
           [FSM_NOTICE_CAR_VERSION_MISSING] = "vehicle reported no car_version",
           [FSM_NOTICE_FETCH_FAILED] = "fetch failed",
           [FSM_NOTICE_LATE_RESULT_DROPPED] = "dropped result of a forgotten fetch",
           [FSM_NOTICE_CHARGE_END_UNOBSERVED] = "charge ended while the vehicle was unreachable",
           [FSM_NOTICE_API_ERROR_FUSE_BLOWN] = "api_error fuse blown",
           [FSM_NOTICE_VEHICLE_NOT_FOUND_FUSE_BLOWN] = "vehicle_not_found fuse blown",
           [FSM_NOTICE_RATE_LIMITED] = "rate limited",
           [FSM_NOTICE_INVALID_EVENT] = "invalid event")

NAME_TABLE(fsm_timer_action_name, enum fsm_timer_action, FSM_TIMER_ACTION_COUNT,
           [FSM_TIMER_KEEP] = "keep",
           [FSM_TIMER_SET] = "set",
           [FSM_TIMER_CANCEL] = "cancel")

NAME_TABLE(fsm_reply_status_name, enum fsm_reply_status, FSM_REPLY_STATUS_COUNT,
           [FSM_REPLY_NONE] = "none",
           [FSM_REPLY_OK] = "ok",
           [FSM_REPLY_PENDING] = "pending",
           [FSM_REPLY_ERROR] = "error")

NAME_TABLE(fsm_suspend_error_name, enum fsm_suspend_error, FSM_SUSPEND_ERROR_COUNT,
           [FSM_SUSPEND_OK] = "ok",
           [FSM_SUSPEND_USER_PRESENT] = "user_present",
           [FSM_SUSPEND_PRECONDITIONING] = "preconditioning",
           [FSM_SUSPEND_DOG_MODE] = "dogmode",
           [FSM_SUSPEND_SENTRY_MODE] = "sentry_mode",
           [FSM_SUSPEND_DOWNLOADING_UPDATE] = "downloading_update",
           [FSM_SUSPEND_DOORS_OPEN] = "doors_open",
           [FSM_SUSPEND_TRUNK_OPEN] = "trunk_open",
           [FSM_SUSPEND_UNLOCKED] = "unlocked",
           [FSM_SUSPEND_POWER_USAGE] = "power_usage",
           [FSM_SUSPEND_VEHICLE_NOT_PARKED] = "vehicle_not_parked",
           [FSM_SUSPEND_UPDATE_IN_PROGRESS] = "update_in_progress",
           [FSM_SUSPEND_CHARGING_IN_PROGRESS] = "charging_in_progress",
           [FSM_SUSPEND_GATEWAY_ERROR] = "gateway_error",
           [FSM_SUSPEND_TOO_MANY_REQUESTS] = "too_many_request",
           [FSM_SUSPEND_FETCH_FAILED] = "fetch_failed",
           [FSM_SUSPEND_ALREADY_REQUESTED] = "suspend_already_requested",
           [FSM_SUSPEND_STATE_UNKNOWN] = "state_unknown")
