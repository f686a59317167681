/*
 * Vehicle state machine: robustness cases that TeslaMate's tests do not
 * cover, each a scripted sequence with event times.
 *
 * Case -> test
 *   drive ends where there is no signal    test_no_signal_drive_end_backs_off
 *   charge unreachable for hours           test_unreachable_charge_ends_at_last_sample
 *   charge end hidden by a rate limit      test_rate_limited_charge_ends_at_last_sample
 *   429 with Retry-After 45363             test_rate_limit_stops_data_calls,
 *                                          test_rate_limit_while_asleep
 *   Retry-After missing or invalid         test_rate_limit_default_wait
 *   403 account EXCEEDED_LIMIT             test_account_limit_hook
 *   vehicle_data without location          test_sample_without_location,
 *                                          test_drive_without_location
 *   stale sample                           test_stale_sample_discarded,
 *                                          test_stale_before_open_state
 *   result of a forgotten fetch            test_late_result_after_suspend_dropped
 *   signed out with a drive open           test_not_signed_in_closes_drive
 *   records left open by a previous worker test_open_drive_continued,
 *                                          test_open_drive_closed_when_parked,
 *                                          test_open_charge_continued_or_closed,
 *                                          test_open_update_settled
 */
#include "fsm_script.h"

#define HOUR_S 3600.0

static void test_no_signal_drive_end_backs_off(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_stamped(script, sample_online(0));
    answer_stamped(script, sample_trip(0, 0.1, 30, 20, 200, 0));
    answer_stamped(script, sample_trip(0, 0.1, 30, 20, 200, 0));
    answer_sample(script, sample_state("offline"));
    script_start(script);

    /* The 16 offline answers 5 s apart end at 80 s; then 20 min offline. */
    script_run_for(script, 80.0 + 20 * 60.0);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 5.0, 81.0), 16);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_CLOSE_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_START_STATE), 2);     /* online, offline */
    assert_string_equal(fsm_state_name(script->fsm.state), "offline");
    assert_near(script_interval_after_last_call_s(script), 120.0, 1e-9);

    /* Hours later: still one close and one offline row, polled every 2 min
     * with the light call only. */
    script_run_for(script, 2 * HOUR_S);
    assert_int_equal(script_count(script, FSM_EFFECT_CLOSE_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_START_STATE), 2);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, HOUR_S, 2 * HOUR_S), 30);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, HOUR_S, 3 * HOUR_S), 0);
}

/* The car charges, then answers offline for three hours and comes back
 * with `Complete`: the process ends at the last charging sample. */
static void test_unreachable_charge_ends_at_last_sample(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample charging = sample_charging(0, "Charging", 5.0, 150);
    const struct fsm_effect *effect;
    const struct script_entry *back;

    (void)state;
    charging.charge.charger_power_kw = known_double(50);
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    for (int i = 0; i < 3; i++)
        answer_stamped(script, charging);
    answer_until(script, sample_state("offline"), 25.0 + 3 * HOUR_S);
    answer_stamped(script, sample_charging(0, "Complete", 40.0, 300));
    answer_block(script, sample_online(0));
    script_start(script);
    script_run_for(script, 4 * HOUR_S);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
    script_expect_charge(script, 5.0);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    script_expect_charge(script, 5.0);
    script_expect_charge(script, 5.0);
    /* The 5-minute timer stores the last sample once, not every 5 min. */
    script_expect_position(script, false);
    back = script_expect(script, FSM_EFFECT_INSERT_POSITION);
    assert_true(back->at_s > SCRIPT_T0_S + 3 * HOUR_S);
    /* No final sample dated at the reappearance: the last charge row stays
     * the last charging sample, and so does the end. */
    effect = script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    assert_int_equal(effect->complete_charging_process.end_date_ms, script_ms(25.0));
    assert_int_equal(effect->complete_charging_process.reason, FSM_CHARGE_END_FINISHED);
    script_expect_online_entry(script, back->effect.insert_position.position.date_ms);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_CHARGE), 3);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_CHARGE_END_UNOBSERVED), 1);

    /* Offline polls back off from 10 s to 2 min: about 90 in 3 h, not 1080. */
    assert_true(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 30.0, 3 * HOUR_S) < 100);
    assert_true(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 30.0, 3 * HOUR_S) > 80);
}

static void test_rate_limited_charge_ends_at_last_sample(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_stamped(script, sample_charging(0, "Charging", 5.0, 150));
    answer_rate_limit(script, 2 * HOUR_S);
    answer_stamped(script, sample_charging(0, "Complete", 30.0, 250));
    answer_block(script, sample_online(0));
    script_start(script);
    script_run_for(script, 3 * HOUR_S);

    effect = &script->log[script->log_count - 1].effect;
    for (size_t i = 0; i < script->log_count; i++) {
        if (script->log[i].effect.type == FSM_EFFECT_COMPLETE_CHARGING_PROCESS)
            effect = &script->log[i].effect;
    }
    assert_int_equal(effect->type, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    assert_int_equal(effect->complete_charging_process.end_date_ms, script_ms(15.0));
    assert_int_equal(script_count_notices(script, FSM_NOTICE_CHARGE_END_UNOBSERVED), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_CHARGE), 1);
}

static void test_rate_limit_stops_data_calls(void **state)
{
    struct script *script = script_new();
    const double retry_after_s = 45363.0;
    struct fsm_reply reply;

    (void)state;
    answer_stamped(script, sample_online(0));
    answer_stamped(script, sample_online(0));
    answer_rate_limit(script, retry_after_s);
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_run_for(script, 16.0);

    /* vehicle_data at 15 s answered 429; the light call is not tried. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 15.0, 15.5), 1);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 1.0, 1e12), 0);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_RATE_LIMITED), 1);

    /* User requests inside the window make no call either. */
    script_run_for(script, HOUR_S);
    assert_int_equal(script_resume(script).status, FSM_REPLY_OK);
    reply = script_suspend(script);
    assert_string_equal(fsm_suspend_error_name(reply.error), "too_many_request");
    assert_near(reply.retry_after_s, retry_after_s - HOUR_S - 1.0, 1e-6);

    script_run_until(script, SCRIPT_T0_S + 15.0 + retry_after_s - 0.001);
    assert_int_equal(script->call_count, 3);    /* light + data at 0 s, data at 15 s */
    script_run_for(script, 1.0);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 15.0 + retry_after_s,
                                        15.0 + retry_after_s + 0.5), 1);
}

static void test_rate_limit_while_asleep(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, sample_state("asleep"));
    answer_rate_limit(script, 600.0);
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_run_for(script, 11.0);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 10.0, 10.5), 1);

    /* A resume asks for an immediate poll; it waits for the limit. */
    assert_int_equal(script_resume(script).status, FSM_REPLY_OK);
    script_run_for(script, 598.0);
    assert_int_equal(script->call_count, 2);
    script_run_for(script, 2.0);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 610.0, 610.5), 1);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 610.0, 610.5), 1);
}

/* A Retry-After that is missing or not a positive number (TeslaMate
 * crashes on a non-integer one) waits TeslaMate's default 300 s. */
static void test_rate_limit_default_wait(void **state)
{
    const double retry_after_s[] = { 0.0, -5.0, 0.0 / 0.0 };

    (void)state;
    for (size_t i = 0; i < sizeof(retry_after_s) / sizeof(retry_after_s[0]); i++) {
        struct script *script = script_new();

        answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
        answer_rate_limit(script, retry_after_s[i]);
        script_start(script);
        script_run_for(script, 16.0);
        assert_near(script_interval_after_last_call_s(script), 300.0, 1e-9);
    }
}

/* The tenant-wide 403 EXCEEDED_LIMIT: the car backs off 15 min and the
 * worker is told to stop every billable call of the tenant. */
static void test_account_limit_hook(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect = NULL;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_error(script, FETCH_ERROR_EXCEEDED_LIMIT);
    script_start(script);
    script_run_for(script, 16.0);

    for (size_t i = 0; i < script->log_count; i++) {
        if (script->log[i].effect.type == FSM_EFFECT_ACCOUNT_LIMIT_EXCEEDED)
            effect = &script->log[i].effect;
    }
    assert_non_null(effect);
    assert_near(effect->account_limit.retry_after_s, 900.0, 0);
    assert_near(script_interval_after_last_call_s(script), 900.0, 1e-9);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE, 1.0, 1e12), 0);
}

static struct vehicle_sample without_location(struct vehicle_sample sample)
{
    sample.drive.latitude.known = false;
    sample.drive.longitude.known = false;
    return sample;
}

static void test_sample_without_location(void **state)
{
    const bool stored_position[] = { false, true };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct script *script = script_new();
        const struct fsm_effect *effect;

        script->start.latest_position.known = stored_position[i];
        script->start.latest_position.latitude = 52.5;
        script->start.latest_position.longitude = 13.4;
        answer_sample(script, without_location(sample_online(SCRIPT_T0_MS)));
        answer_sample(script, without_location(sample_online(SCRIPT_T0_MS)));
        answer_sample(script, without_location(sample_charging(SCRIPT_T0_MS + 1, "Charging",
                                                               2.0, 100)));
        answer_block(script, sample_online(SCRIPT_T0_MS + 2));
        script_start(script);
        script_run_for(script, 30.0);

        script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
        script_expect_state(script, FSM_RECORDED_ONLINE, SCRIPT_T0_MS);
        script_expect_summary(script, SUMMARY_STATE_ONLINE);
        effect = script_expect_effect(script, FSM_EFFECT_START_CHARGING_PROCESS);
        assert_int_equal(effect->start_charging_process.position.location_known,
                         stored_position[i]);
        if (stored_position[i])
            assert_near(effect->start_charging_process.position.latitude, 52.5, 0);
        script_expect_charge(script, 2.0);
        script_expect_summary(script, SUMMARY_STATE_CHARGING);
        script_expect_quiet(script);
        assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 0);
        assert_int_equal(script_count_notices(script, FSM_NOTICE_POSITION_WITHOUT_LOCATION), 1);
        assert_int_equal(script_count_notices(script, FSM_NOTICE_CHARGE_WITHOUT_LOCATION), 1);
    }
}

static void test_drive_without_location(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_sample(script, without_location(sample_online(SCRIPT_T0_MS)));
    answer_sample(script, without_location(sample_drive(SCRIPT_T0_MS, "D", 30)));
    answer_sample(script, without_location(sample_drive(SCRIPT_T0_MS + 1, "D", 40)));
    answer_sample(script, without_location(sample_drive(SCRIPT_T0_MS + 2, "P", 0)));
    answer_block(script, sample_online(SCRIPT_T0_MS + 3));
    script_start(script);
    script_run_for(script, 30.0);

    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_CLOSE_DRIVE), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_POSITION), 0);
    assert_int_equal(script_count(script, FSM_EFFECT_START_STATE), 2);
    assert_string_equal(fsm_state_name(script->fsm.state), "online");
}

/* An answer older than the previous one is discarded and the next poll
 * runs at once; its effects never carry the older date. */
static void test_stale_sample_discarded(void **state)
{
    struct script *script = script_new();
    const struct script_entry *notice = NULL;

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS + 10000), 2);
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 5000, "D", 30));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 20000, "P", 0));
    script_start(script);
    script_run_for(script, 20.0);

    for (size_t i = 0; i < script->log_count; i++) {
        if (script->log[i].effect.type == FSM_EFFECT_NOTICE &&
            script->log[i].effect.notice.code == FSM_NOTICE_STALE_SAMPLE_DISCARDED)
            notice = &script->log[i];
    }
    assert_non_null(notice);
    assert_int_equal(notice->effect.notice.value_ms, SCRIPT_T0_MS + 5000);
    assert_int_equal(notice->effect.notice.previous_ms, SCRIPT_T0_MS + 10000);
    /* poll(0): the next answer is fetched at the same instant. */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 15.0, 15.001), 2);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 0);
    for (size_t i = 0; i < script->log_count; i++) {
        const struct fsm_effect *effect = &script->log[i].effect;

        if (effect->type == FSM_EFFECT_INSERT_POSITION)
            assert_true(effect->insert_position.position.date_ms >= SCRIPT_T0_MS + 10000);
    }
}

/* Before any sample, the open states row read at start-up is the limit; a
 * car that keeps sending old data is not polled in a busy loop. */
static void test_stale_before_open_state(void **state)
{
    struct script *script = script_new();
    const int64_t open_ms = SCRIPT_T0_MS + 60000;

    (void)state;
    script->start.open_state = (struct fsm_open_state){ true, FSM_RECORDED_ASLEEP, open_ms };
    answer_until(script, sample_online(SCRIPT_T0_MS + 30000), 100.0);
    answer_stamped(script, sample_online(0));
    script_start(script);
    script_run_for(script, 200.0);

    /* poll(0) once, then the error interval of `start` (30 s). */
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 0.0, 0.001), 2);
    assert_int_equal(script_count_calls(script, FETCH_CALL_VEHICLE_DATA, 0.001, 29.9), 0);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_STALE_SAMPLE_DISCARDED), 5);
    for (size_t i = 0; i < script->log_count; i++) {
        const struct fsm_effect *effect = &script->log[i].effect;

        if (effect->type == FSM_EFFECT_START_STATE)
            assert_true(effect->start_state.date_ms >= open_ms);
        if (effect->type == FSM_EFFECT_INSERT_POSITION)
            assert_true(effect->insert_position.position.date_ms >= open_ms);
    }
    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    script_expect_state(script, FSM_RECORDED_ONLINE, script_ms(120.0));
}

/* A manual suspend forgets the poll in flight; its late result is dropped. */
static void test_late_result_after_suspend_dropped(void **state)
{
    struct script *script = script_new();

    (void)state;
    answer_samples(script, sample_online(SCRIPT_T0_MS), 2);
    answer_block(script, sample_drive(SCRIPT_T0_MS + 1, "D", 30));
    answer_sample(script, sample_online(SCRIPT_T0_MS + 2));
    script_start(script);
    script_run_for(script, 16.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    assert_true(script->blocked);

    assert_int_equal(script_suspend(script).status, FSM_REPLY_OK);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_SUSPENDED);
    script_release(script);
    script_expect_quiet(script);
    assert_string_equal(fsm_state_name(script->fsm.state), "suspended");
}

/* TeslaMate leaves the drive open when polling stops for lack of tokens;
 * tenantmate closes it with its last sample. */
static void test_not_signed_in_closes_drive(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 30));
    answer_error(script, FETCH_ERROR_NOT_SIGNED_IN);
    script_start(script);
    script_run_for(script, 60.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_DRIVE);
    script_expect_position(script, true);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    effect = script_expect_effect(script, FSM_EFFECT_CLOSE_DRIVE);
    assert_int_equal(effect->close_drive.reason, FSM_DRIVE_END_SIGNED_OUT);
    assert_false(script_expect_summary(script, SUMMARY_STATE_START)->healthy);
    script_expect_quiet(script);
    assert_false(script->poll_armed);
}

/* A worker restarted mid-drive continues the open drive: the schema
 * allows one open drive per car, so a second start would fail. */
static void test_open_drive_continued(void **state)
{
    struct script *script = script_new();

    (void)state;
    script->start.open_records.drive = true;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_drive(SCRIPT_T0_MS, "D", 30));
    answer_sample(script, sample_drive(SCRIPT_T0_MS + 1, "P", 0));
    script_start(script);
    script_run_for(script, 10.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_position(script, true);
    script_expect_summary(script, SUMMARY_STATE_DRIVING);
    script_expect_position(script, true);
    assert_int_equal(script_expect_effect(script, FSM_EFFECT_CLOSE_DRIVE)->close_drive.reason,
                     FSM_DRIVE_END_PARKED);
    assert_int_equal(script_count(script, FSM_EFFECT_START_DRIVE), 0);
}

static void test_open_drive_closed_when_parked(void **state)
{
    const char *answers[] = { "online", "asleep", "offline" };

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct script *script = script_new();
        const struct fsm_effect *effect;

        script->start.open_records.drive = true;
        answer_sample(script, i == 0 ? sample_online(SCRIPT_T0_MS) : sample_state(answers[i]));
        script_start(script);
        script_run_for(script, 1.0);

        effect = script_expect_effect(script, FSM_EFFECT_CLOSE_DRIVE);
        assert_int_equal(effect->close_drive.reason, FSM_DRIVE_END_INTERRUPTED);
        if (i == 0)
            script_expect_online_entry(script, SCRIPT_T0_MS);
        else
            script_expect_effect(script, FSM_EFFECT_START_STATE);
        assert_false(script->fsm.drive_open);
    }
}

static void test_open_charge_continued_or_closed(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    script->start.open_records = (struct fsm_open_records){
        .charging_process = true, .has_last_charge = true, .last_charge_ms = SCRIPT_T0_MS - 1000,
    };
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_charging(SCRIPT_T0_MS, "Charging", 3.0, 100));
    answer_block(script, sample_charging(SCRIPT_T0_MS + 1, "Charging", 3.1, 100));
    script_start(script);
    script_run_for(script, 1.0);
    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_charge(script, 3.0);
    script_expect_summary(script, SUMMARY_STATE_CHARGING);
    assert_int_equal(script_count(script, FSM_EFFECT_START_CHARGING_PROCESS), 0);

    script = script_new();
    script->start.open_records = (struct fsm_open_records){
        .charging_process = true, .has_last_charge = true, .last_charge_ms = SCRIPT_T0_MS - 1000,
    };
    answer_sample(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 1.0);
    effect = script_expect_effect(script, FSM_EFFECT_COMPLETE_CHARGING_PROCESS);
    assert_int_equal(effect->complete_charging_process.reason, FSM_CHARGE_END_INTERRUPTED);
    assert_int_equal(effect->complete_charging_process.end_date_ms, SCRIPT_T0_MS - 1000);
    script_expect_state(script, FSM_RECORDED_ASLEEP, SCRIPT_T0_MS);
}

static void test_open_update_settled(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    script->start.open_records.update = true;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 1, "", "2019.8.5 3aaa23d", ""));
    answer_block(script, sample_online(SCRIPT_T0_MS + 2));
    script_start(script);
    script_run_for(script, 20.0);
    assert_int_equal(script_count(script, FSM_EFFECT_START_UPDATE), 0);
    assert_int_equal(script_count(script, FSM_EFFECT_FINISH_UPDATE), 1);

    script = script_new();
    script->start.open_records.update = true;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "", "2019.8.5 3aaa23d", ""));
    script_start(script);
    script_run_for(script, 1.0);
    effect = script_expect_effect(script, FSM_EFFECT_FINISH_UPDATE);
    assert_string_equal(effect->finish_update.version, "2019.8.5 3aaa23d");
    assert_int_equal(effect->finish_update.date_ms, SCRIPT_T0_MS);
    script_expect_online_entry(script, SCRIPT_T0_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_no_signal_drive_end_backs_off),
        SCRIPT_TEST(test_unreachable_charge_ends_at_last_sample),
        SCRIPT_TEST(test_rate_limited_charge_ends_at_last_sample),
        SCRIPT_TEST(test_rate_limit_stops_data_calls),
        SCRIPT_TEST(test_rate_limit_while_asleep),
        SCRIPT_TEST(test_rate_limit_default_wait),
        SCRIPT_TEST(test_account_limit_hook),
        SCRIPT_TEST(test_sample_without_location),
        SCRIPT_TEST(test_drive_without_location),
        SCRIPT_TEST(test_stale_sample_discarded),
        SCRIPT_TEST(test_stale_before_open_state),
        SCRIPT_TEST(test_late_result_after_suspend_dropped),
        SCRIPT_TEST(test_not_signed_in_closes_drive),
        SCRIPT_TEST(test_open_drive_continued),
        SCRIPT_TEST(test_open_drive_closed_when_parked),
        SCRIPT_TEST(test_open_charge_continued_or_closed),
        SCRIPT_TEST(test_open_update_settled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
