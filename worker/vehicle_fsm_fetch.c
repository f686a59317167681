/* Handling a fetch result before the per-state logic: stale samples,
 * incomplete results, unknown states, API errors, fuses and rate limits. */
#include "vehicle_fsm_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void observe_handler(struct vehicle_fsm *fsm, enum fsm_observed observed,
                             const struct vehicle_sample *sample, double now_s,
                             struct fsm_output *out);

static observe_handler *const observers[FSM_STATE_COUNT] = {
    [FSM_STATE_START] = fsm_start_observe,
    [FSM_STATE_ONLINE] = fsm_online_observe,
    [FSM_STATE_DRIVING] = fsm_driving_observe,
    [FSM_STATE_CHARGING] = fsm_charging_observe,
    [FSM_STATE_UPDATING] = fsm_updating_observe,
    [FSM_STATE_SUSPENDED] = fsm_suspended_observe,
    [FSM_STATE_ASLEEP] = fsm_sleep_observe,
    [FSM_STATE_OFFLINE] = fsm_sleep_observe,
};

_Static_assert(sizeof(observers) / sizeof(observers[0]) == FSM_STATE_COUNT,
               "every state needs an observation handler");

void fsm_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                 const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    observers[fsm->state](fsm, observed, sample, now_s, out);
}

void fsm_restart_with(struct vehicle_fsm *fsm, enum fsm_observed observed,
                      const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    fsm_set_state(fsm, FSM_STATE_START);
    fsm_start_observe(fsm, observed, sample, now_s, out);
}

/* ---- restoring the last known values ------------------------------------ */

static struct opt_double miles_from_km(struct opt_double km)
{
    struct opt_double miles = { .known = km.known };

    if (km.known)
        miles.value = fsm_round_decimals(km.value * FSM_MILES_PER_KM, 2);
    return miles;
}

/* Fills the sub-states of a sample from the latest stored position so that
 * the summary of a car first seen asleep or offline is not empty. The
 * summary then shows "unknown" for the values a position does not hold. */
void fsm_restore_last_known(struct vehicle_fsm *fsm, const struct vehicle_sample *sample)
{
    const struct fsm_latest_position *latest = &fsm->latest_position;
    struct vehicle_sample *restored = &fsm->last_response;

    *restored = *sample;
    fsm->has_last_response = true;
    if (!latest->known || sample->has_drive_state || sample->has_charge_state ||
        sample->has_climate_state)
        return;

    restored->has_drive_state = true;
    restored->drive.latitude = (struct opt_double){ .known = true, .value = latest->latitude };
    restored->drive.longitude = (struct opt_double){ .known = true, .value = latest->longitude };

    restored->has_charge_state = true;
    restored->charge.ideal_battery_range_mi = miles_from_km(latest->ideal_battery_range_km);
    restored->charge.est_battery_range_mi = miles_from_km(latest->est_battery_range_km);
    restored->charge.battery_range_mi = miles_from_km(latest->rated_battery_range_km);
    restored->charge.battery_level = latest->battery_level;
    restored->charge.usable_battery_level = latest->usable_battery_level;

    restored->has_climate_state = true;
    restored->climate.outside_temp_c = latest->outside_temp_c;
    restored->climate.inside_temp_c = latest->inside_temp_c;

    restored->has_vehicle_state = true;
    restored->vehicle.odometer_mi.known = latest->odometer_km.known;
    if (latest->odometer_km.known)
        restored->vehicle.odometer_mi.value =
            fsm_round_decimals(latest->odometer_km.value * FSM_MILES_PER_KM, 6);
    if (fsm->updates.latest.exists)
        snprintf(restored->vehicle.car_version, sizeof(restored->vehicle.car_version), "%s",
                 fsm->updates.latest.version);
    fsm->last_response_restored = true;
}

/* ---- API errors ----------------------------------------------------------- */

static void note_fetch_failed(struct fsm_output *out, enum fetch_error error)
{
    struct fsm_effect *notice = fsm_add_notice(out, FSM_NOTICE_FETCH_FAILED);

    notice->notice.error = error;
    notice->notice.delay_s = out->poll.delay_s;
}

static bool melt(struct fuse *fuse, double now_s)
{
    bool was_blown = fuse_is_blown(fuse, now_s);

    return fuse_melt(fuse, now_s) && !was_blown;
}

static void melt_api_error(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s)
{
    if (melt(&fsm->api_error_fuse, now_s))
        fsm_add_notice(out, FSM_NOTICE_API_ERROR_FUSE_BLOWN);
}

/* Closes what is open when polling stops for good. TeslaMate leaves the
 * drive or charging process open here, but a user expects it closed with
 * its last sample rather than open until someone edits the database. */
static void abandon_activity(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s)
{
    if (fsm->drive_open)
        fsm_close_drive(fsm, out, FSM_DRIVE_END_SIGNED_OUT);
    if (fsm->charging_open)
        fsm_complete_charging(fsm, out, now_s, FSM_CHARGE_END_SIGNED_OUT);
}

void fsm_note_rate_limit(struct vehicle_fsm *fsm, struct fsm_output *out, double now_s,
                         double retry_after_s)
{
    struct fsm_effect *notice = fsm_add_notice(out, FSM_NOTICE_RATE_LIMITED);

    if (now_s + retry_after_s > fsm->rate_limited_until_s)
        fsm->rate_limited_until_s = now_s + retry_after_s;
    notice->notice.delay_s = fsm->rate_limited_until_s - now_s;
}

/* The wait after a rate-limited result: its Retry-After when that is a
 * positive number, else TeslaMate's 300 s, and 900 s for EXCEEDED_LIMIT. */
double fsm_retry_after_s(const struct fsm_fetch_result *result)
{
    if (result->error == FETCH_ERROR_EXCEEDED_LIMIT)
        return FSM_EXCEEDED_LIMIT_RETRY_S;
    if (isfinite(result->retry_after_s) && result->retry_after_s > 0.0)
        return result->retry_after_s;
    return FSM_RETRY_AFTER_DEFAULT_S;
}

static void handle_rate_limit(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                              double now_s, struct fsm_output *out)
{
    double delay_s = fsm_retry_after_s(result);

    fsm_note_rate_limit(fsm, out, now_s, delay_s);
    if (result->error == FETCH_ERROR_EXCEEDED_LIMIT) {
        struct fsm_effect *effect = fsm_add_effect(out, FSM_EFFECT_ACCOUNT_LIMIT_EXCEEDED);

        effect->account_limit.retry_after_s = delay_s;
    }
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, delay_s);
}

static void handle_in_service(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    if (fsm->state == FSM_STATE_DRIVING && fsm->drive_open) {
        fsm_close_drive(fsm, out, FSM_DRIVE_END_IN_SERVICE);
        fsm->last_used_s = now_s;
        fsm_set_state(fsm, FSM_STATE_START);
        fsm_publish_summary(fsm, out, now_s);
    }
    fsm_poll(fsm, out, now_s, fsm->config.online_interval_s);
}

static void handle_not_signed_in(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    fuse_disable(&fsm->api_error_fuse);
    abandon_activity(fsm, out, now_s);
    fsm_set_state(fsm, FSM_STATE_START);
    fsm_publish_summary(fsm, out, now_s);
    out->poll.action = FSM_TIMER_CANCEL;
}

static void handle_not_found(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    melt_api_error(fsm, out, now_s);
    if (melt(&fsm->vehicle_not_found_fuse, now_s)) {
        fsm_add_notice(out, FSM_NOTICE_VEHICLE_NOT_FOUND_FUSE_BLOWN);
        fsm_add_effect(out, FSM_EFFECT_RESTART_VEHICLES);
    }
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, FSM_NOT_FOUND_RETRY_S);
}

/* TeslaMate's retry interval after an error, also used for repeated stale
 * samples. */
static double error_retry_s(const struct vehicle_fsm *fsm)
{
    switch (fsm->state) {
    case FSM_STATE_DRIVING:
        return 10.0;
    case FSM_STATE_CHARGING:
        return 15.0;
    case FSM_STATE_ONLINE:
        return 20.0;
    default:
        return 30.0;
    }
}

static void handle_other_error(struct vehicle_fsm *fsm, enum fetch_error error, double now_s,
                               struct fsm_output *out)
{
    if (error != FETCH_ERROR_TIMEOUT && error != FETCH_ERROR_UNAUTHORIZED)
        melt_api_error(fsm, out, now_s);
    fsm_publish_summary(fsm, out, now_s);
    fsm_poll(fsm, out, now_s, error_retry_s(fsm));
}

static void handle_error(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                         double now_s, struct fsm_output *out)
{
    switch (result->error) {
    case FETCH_ERROR_CLOSED:
        fsm_poll(fsm, out, now_s, FSM_CLOSED_RETRY_S);
        break;
    case FETCH_ERROR_VEHICLE_IN_SERVICE:
        handle_in_service(fsm, now_s, out);
        break;
    case FETCH_ERROR_NOT_SIGNED_IN:
        handle_not_signed_in(fsm, now_s, out);
        break;
    case FETCH_ERROR_VEHICLE_NOT_FOUND:
        handle_not_found(fsm, now_s, out);
        break;
    case FETCH_ERROR_TOO_MANY_REQUESTS:
    case FETCH_ERROR_EXCEEDED_LIMIT:
        handle_rate_limit(fsm, result, now_s, out);
        return;     /* the RATE_LIMITED notice covers it */
    default:
        handle_other_error(fsm, result->error, now_s, out);
        break;
    }
    note_fetch_failed(out, result->error);
}

/* ---- samples ------------------------------------------------------------- */

/* The timestamp a new sample must not be older than: the previous sample's
 * and the start of the open states row, whichever is later (so that no
 * effect is ever dated before that row). Returns false when neither is
 * known. */
static bool previous_timestamp(const struct vehicle_fsm *fsm, int64_t *previous_ms)
{
    const struct vehicle_sample *last = &fsm->last_response;
    bool known = false;

    if (fsm->has_last_response && last->has_drive_state && last->drive.timestamp_ms.known) {
        *previous_ms = last->drive.timestamp_ms.value;
        known = true;
    }
    if (fsm->open_state.known && (!known || fsm->open_state.start_ms > *previous_ms)) {
        *previous_ms = fsm->open_state.start_ms;
        known = true;
    }
    return known;
}

/* TeslaMate polls again at once after a stale sample (a response overtaken
 * by a newer one). A car that keeps returning old data would make that a
 * busy loop of billable calls, so from the second stale sample in a row
 * the error retry interval applies. */
static bool discard_if_stale(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                             double now_s, struct fsm_output *out)
{
    int64_t previous_ms;
    struct fsm_effect *notice;

    if (!sample->drive.timestamp_ms.known || !previous_timestamp(fsm, &previous_ms) ||
        sample->drive.timestamp_ms.value >= previous_ms)
        return false;

    notice = fsm_add_notice(out, FSM_NOTICE_STALE_SAMPLE_DISCARDED);
    notice->notice.value_ms = sample->drive.timestamp_ms.value;
    notice->notice.previous_ms = previous_ms;
    fsm->stale_streak++;
    fsm_poll(fsm, out, now_s, fsm->stale_streak == 1 ? 0.0 : error_retry_s(fsm));
    return true;
}

static void note_service_mode(const struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                              struct fsm_output *out)
{
    struct opt_bool before = fsm->last_response.vehicle.service_mode;
    struct opt_bool after = sample->vehicle.service_mode;
    bool was_in_service = fsm->has_last_response && before.known && before.value;
    bool is_in_service = after.known && after.value;

    if (!was_in_service && is_in_service)
        fsm_add_notice(out, FSM_NOTICE_SERVICE_MODE_ENTERED);
    else if (was_in_service && after.known && !after.value)
        fsm_add_notice(out, FSM_NOTICE_SERVICE_MODE_EXITED);
}

void fsm_remember_sample(struct vehicle_fsm *fsm, const struct vehicle_sample *sample)
{
    fsm->last_response = *sample;
    fsm->has_last_response = true;
    fsm->last_response_restored = false;
    fsm->stale_streak = 0;
    if (sample->drive.latitude.known && sample->drive.longitude.known) {
        fsm->has_location = true;
        fsm->last_latitude = sample->drive.latitude.value;
        fsm->last_longitude = sample->drive.longitude.value;
    }
}

static void handle_online_sample(struct vehicle_fsm *fsm, const struct vehicle_sample *sample,
                                 double now_s, struct fsm_output *out)
{
    if (!vehicle_sample_is_full(sample)) {
        /* With streaming off a partial result is only logged. */
        fsm_add_notice(out, FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED);
        fsm_poll_default(fsm, out, now_s);
        return;
    }
    if (discard_if_stale(fsm, sample, now_s, out))
        return;

    note_service_mode(fsm, sample, out);
    fsm_remember_sample(fsm, sample);
    fsm_observe(fsm, FSM_OBSERVED_ONLINE, sample, now_s, out);
}

static void handle_sleep_sample(struct vehicle_fsm *fsm, enum fsm_observed observed,
                                const struct vehicle_sample *sample, double now_s,
                                struct fsm_output *out)
{
    if (!fsm->has_last_response)
        fsm_restore_last_known(fsm, sample);
    fsm_observe(fsm, observed, sample, now_s, out);
}

void fsm_handle_fetch_result(struct vehicle_fsm *fsm, const struct fsm_fetch_result *result,
                             double now_s, struct fsm_output *out)
{
    const struct vehicle_sample *sample = result->sample;
    struct fsm_effect *notice;

    if (result->error != FETCH_OK) {
        handle_error(fsm, result, now_s, out);
        return;
    }

    if (strcmp(sample->state, "online") == 0) {
        handle_online_sample(fsm, sample, now_s, out);
    } else if (strcmp(sample->state, "asleep") == 0) {
        handle_sleep_sample(fsm, FSM_OBSERVED_ASLEEP, sample, now_s, out);
    } else if (strcmp(sample->state, "offline") == 0) {
        handle_sleep_sample(fsm, FSM_OBSERVED_OFFLINE, sample, now_s, out);
    } else {
        notice = fsm_add_notice(out, FSM_NOTICE_UNKNOWN_VEHICLE_STATE);
        snprintf(notice->notice.text, sizeof(notice->notice.text), "%s", sample->state);
        fsm_poll_default(fsm, out, now_s);
    }
}
