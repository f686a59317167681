/*
 * vehicle_fsm_internal: what the vehicle_fsm_*.c files share. Not for
 * other modules: use vehicle_fsm.h.
 *
 * Every function here takes the machine, the event time in epoch seconds
 * and the output being filled; none does I/O. Effects are appended in the
 * order the recorder must run them.
 */
#ifndef TENANTMATE_VEHICLE_FSM_INTERNAL_H
#define TENANTMATE_VEHICLE_FSM_INTERNAL_H

#include "vehicle_fsm.h"

/* TeslaMate's fixed numbers (seconds unless named otherwise). */
#define FSM_POLL_DEFAULT_S 10.0             /* poll_default, not floored */
#define FSM_CLOSED_RETRY_S 5.0
#define FSM_NOT_FOUND_RETRY_S 30.0
#define FSM_RETRY_AFTER_DEFAULT_S 300.0
#define FSM_EXCEEDED_LIMIT_RETRY_S 900.0
#define FSM_DRIVING_UNAVAILABLE_POLL_S 5.0
#define FSM_DRIVING_UNAVAILABLE_MAX 15      /* unavailable(15) is the last */
#define FSM_DRIVING_OFFLINE_POLL_S 30.0
#define FSM_DRIVE_OFFLINE_TIMEOUT_MS (15 * 60 * 1000)
#define FSM_OFFLINE_CHARGE_GAP_MS (5 * 60 * 1000)
#define FSM_LONG_GAP_MS (15 * 60 * 1000)
#define FSM_OFFLINE_CHARGE_RANGE_MI 5.0
#define FSM_CHARGING_START_POLL_S 5.0
#define FSM_UPDATING_START_POLL_S 15.0
#define FSM_UPDATING_EMPTY_POLL_S 5.0
#define FSM_RESUME_POLL_S 1.0
#define FSM_BLOCKED_LONG_POLL_S 30.0        /* preconditioning, dog mode, sentry */
#define FSM_PUSH_IDLE_MIN 3.0
#define FSM_PUSH_SUSPEND_MIN 10.0
#define FSM_PUSH_POLL_MULTIPLIER 2.0

/* The activity an online sample starts, in TeslaMate's order of checks. */
enum fsm_activity {
    FSM_ACTIVITY_NONE,
    FSM_ACTIVITY_UPDATE,
    FSM_ACTIVITY_DRIVE,
    FSM_ACTIVITY_CHARGE,
};

enum fsm_observed {
    FSM_OBSERVED_ONLINE,    /* with a full vehicle_data sample */
    FSM_OBSERVED_ASLEEP,
    FSM_OBSERVED_OFFLINE,
};

/* vehicle_fsm_output.c */
void fsm_output_reset(struct fsm_output *out, enum fsm_state state);
struct fsm_effect *fsm_add_effect(struct fsm_output *out, enum fsm_effect_type type);
struct fsm_effect *fsm_add_notice(struct fsm_output *out, enum fsm_notice code);
void fsm_set_state(struct vehicle_fsm *fsm, enum fsm_state state);
int64_t fsm_now_ms(double now_s);
void fsm_poll(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s, double seconds);
void fsm_poll_default(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s);
void fsm_poll_minutes(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                      double minutes);
void fsm_publish_summary(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s);
void fsm_set_since(struct vehicle_fsm *fsm, int64_t since_ms);
void fsm_record_state(struct vehicle_fsm *fsm, struct fsm_output *out,
                      enum fsm_recorded_state state, int64_t date_ms);
void fsm_insert_position(struct fsm_output *out, double now_s,
                         const struct vehicle_sample *sample, bool in_drive);
int64_t fsm_drive_date_ms(const struct vehicle_sample *sample, double now_s);

/* vehicle_fsm_fetch.c: the handling common to every fetch result. */
void fsm_handle_fetch_result(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                             double now_s, struct fsm_output *out);
double fsm_retry_after_s(const struct fsm_fetch_result *result);
void fsm_note_rate_limit(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                         double retry_after_s);
void fsm_remember_sample(struct vehicle_fsm *fsm, const struct vehicle_sample *sample);
void fsm_restore_last_known(struct vehicle_fsm *fsm, const struct vehicle_sample *sample);

/* Per-state handling of an observation (dispatches on fsm->state). */
void fsm_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                 const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
/* Moves to `start` and handles the same observation there. */
void fsm_restart_with(struct vehicle_fsm *fsm, enum fsm_observed observed,
                      const struct vehicle_sample *sample, double now_s, struct fsm_output *out);

/* vehicle_fsm_online.c */
void fsm_start_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                       const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
void fsm_online_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                        const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
enum fsm_activity fsm_activity_of(const struct vehicle_sample *sample);
bool fsm_online_activity(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                         double now_s, struct fsm_output *out);

/* vehicle_fsm_driving.c */
void fsm_driving_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                         const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
void fsm_start_drive(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                     struct fsm_output *out);
void fsm_close_drive(struct vehicle_fsm *fsm, struct fsm_output *out, enum fsm_drive_end reason);
double fsm_driving_interval_s(const struct vehicle_fsm *fsm);

/* vehicle_fsm_charging.c */
void fsm_charging_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                          const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
void fsm_start_charging(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                        struct fsm_output *out);
void fsm_complete_charging(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                           enum fsm_charge_end reason);
void fsm_record_offline_charge(struct vehicle_fsm *fsm, const struct vehicle_sample *before,
                               const struct vehicle_sample *after, double now_s,
                               struct fsm_output *out);
void fsm_offline_backoff(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s);
bool fsm_is_charging_state(const char *charging_state);

/* vehicle_fsm_updating.c */
void fsm_updating_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                          const struct vehicle_sample *sample, double now_s, struct fsm_output *out);
void fsm_start_update(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                      struct fsm_output *out);
void fsm_settle_open_update(struct vehicle_fsm *fsm, enum fsm_observed observed,
                            const struct vehicle_sample *sample, double now_s,
                            struct fsm_output *out);
void fsm_sync_software_version(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                               double now_s, struct fsm_output *out);

/* vehicle_fsm_suspend.c */
void fsm_try_suspend(struct vehicle_fsm *fsm, const struct vehicle_sample *sample, double now_s,
                     struct fsm_output *out);
void fsm_suspended_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                           const struct vehicle_sample *sample, double now_s,
                           struct fsm_output *out);
void fsm_handle_suspend_request(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out);
void fsm_handle_suspend_check(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                              double now_s, struct fsm_output *out);
void fsm_handle_resume_request(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out);

/* vehicle_fsm_sleep.c */
void fsm_sleep_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                       const struct vehicle_sample *sample, double now_s, struct fsm_output *out);

#endif
