/*
 * fsm_script: a scripted Tesla API and a virtual clock around one
 * vehicle_fsm, for scenario tests ported from TeslaMate's test suite.
 *
 * Like TeslaMate's harness, the script is an ordered list of answers; every
 * API call (the light call or vehicle_data) consumes the next one and the
 * last answer repeats forever. With use_streaming_api off, `start`,
 * `asleep`, `offline` and `suspended` make the light call first and, when it
 * says online, vehicle_data: one observation consumes two answers. A BLOCK
 * answer keeps its call in flight until script_release().
 *
 * Time is virtual: timers fire in order as script_run_until() advances the
 * clock, so TeslaMate's real minutes are real minutes here. Every output is
 * logged with its time; PUBLISH_SUMMARY entries carry the full summary and
 * consecutive identical summaries are marked as duplicates (TeslaMate's
 * mock suppresses them too). Tests read the log in order with
 * script_expect() and friends; notices and duplicates are skipped there.
 *
 * Header-only, because the Makefile builds every test/unit/test_*.c as its
 * own program; every function is static inline.
 */
#ifndef TENANTMATE_FSM_SCRIPT_H
#define TENANTMATE_FSM_SCRIPT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsm_script_samples.h"
#include "vehicle_fsm.h"
#include "vehicle_fsm_summary.h"

#define SCRIPT_MAX_ANSWERS 256
#define SCRIPT_MAX_LOG 4096
#define SCRIPT_MAX_CALLS 8192
#define SCRIPT_MAX_EVENTS 100000

enum script_answer_kind {
    ANSWER_SAMPLE,
    ANSWER_ERROR,
    ANSWER_BLOCK,       /* returns `released` when script_release() is called */
};

struct script_answer {
    enum script_answer_kind kind;
    struct vehicle_sample sample;
    enum fetch_error error;
    double retry_after_s;
    bool stamp_now;     /* timestamps set to the call time */
    double repeat_until_s;  /* answers every call before this time */
};

struct script_entry {
    double at_s;
    struct fsm_effect effect;
    struct vehicle_summary summary;     /* PUBLISH_SUMMARY only */
    bool duplicate;                     /* same summary as the previous one */
};

struct script_call {
    double at_s;
    enum fetch_call call;
};

typedef const char *script_geofence_lookup(double latitude, double longitude);

struct script {
    struct fsm_start_data start;
    struct vehicle_fsm fsm;
    struct vehicle_summary_car car;
    script_geofence_lookup *geofence_of;
    double now_s;

    struct script_answer answers[SCRIPT_MAX_ANSWERS];
    size_t answer_count;
    size_t next_answer;

    bool poll_armed;
    double poll_due_s;
    bool store_armed;
    double store_due_s;

    bool blocked;
    uint64_t blocked_id;
    enum fetch_plan blocked_plan;
    enum fetch_call blocked_call;
    struct script_answer released;

    struct fsm_output out;
    struct fsm_reply reply;
    struct script_entry log[SCRIPT_MAX_LOG];
    size_t log_count;
    size_t cursor;
    struct vehicle_summary last_summary;
    bool has_summary;
    struct script_call calls[SCRIPT_MAX_CALLS];
    size_t call_count;
    size_t events;
};

/* ---- building the script ------------------------------------------------ */

/* Scripts of the running test, freed by script_teardown() even when the
 * test fails half-way. */
#define SCRIPT_MAX_OPEN 16
static struct script *script_open[SCRIPT_MAX_OPEN];

static inline int script_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < SCRIPT_MAX_OPEN; i++) {
        free(script_open[i]);
        script_open[i] = NULL;
    }
    return 0;
}

/* Registers a test that gets its scripts freed after it ends. */
#define SCRIPT_TEST(function) cmocka_unit_test_teardown(function, script_teardown)

/* A script with TeslaMate's default test car: default settings except
 * req_not_unlocked, and a previous update "9999.99.99.0 lasjas234". */
static inline struct script *script_new(void)
{
    struct script *script = calloc(1, sizeof(*script));
    size_t slot = 0;

    assert_non_null(script);
    while (slot < SCRIPT_MAX_OPEN && script_open[slot] != NULL)
        slot++;
    assert_true(slot < SCRIPT_MAX_OPEN);
    script_open[slot] = script;
    script->start.config = fsm_config_defaults();
    script->start.settings = car_settings_defaults();
    script->start.settings.req_not_unlocked = true;
    script->start.latest_update.exists = true;
    snprintf(script->start.latest_update.version, sizeof(script->start.latest_update.version),
             "9999.99.99.0 lasjas234");
    script->now_s = SCRIPT_T0_S;
    return script;
}

static inline struct script_answer *script_add(struct script *script,
                                               enum script_answer_kind kind)
{
    struct script_answer *answer;

    assert_true(script->answer_count < SCRIPT_MAX_ANSWERS);
    answer = &script->answers[script->answer_count++];
    memset(answer, 0, sizeof(*answer));
    answer->kind = kind;
    return answer;
}

static inline void answer_sample(struct script *script, struct vehicle_sample sample)
{
    script_add(script, ANSWER_SAMPLE)->sample = sample;
}

/* The same sample `count` times. */
static inline void answer_samples(struct script *script, struct vehicle_sample sample, int count)
{
    for (int i = 0; i < count; i++)
        answer_sample(script, sample);
}

/* A sample whose timestamps are set to the time of the call. */
static inline void answer_stamped(struct script *script, struct vehicle_sample sample)
{
    struct script_answer *answer = script_add(script, ANSWER_SAMPLE);

    answer->sample = sample;
    answer->stamp_now = true;
}

/* A sample that answers every call made before until_s (seconds after
 * SCRIPT_T0_S). */
static inline void answer_until(struct script *script, struct vehicle_sample sample,
                                double until_s)
{
    struct script_answer *answer = script_add(script, ANSWER_SAMPLE);

    answer->sample = sample;
    answer->repeat_until_s = SCRIPT_T0_S + until_s;
}

static inline void answer_error(struct script *script, enum fetch_error error)
{
    script_add(script, ANSWER_ERROR)->error = error;
}

static inline void answer_rate_limit(struct script *script, double retry_after_s)
{
    struct script_answer *answer = script_add(script, ANSWER_ERROR);

    answer->error = FETCH_ERROR_TOO_MANY_REQUESTS;
    answer->retry_after_s = retry_after_s;
}

/* A call that stays in flight; script_release() answers it with `sample`. */
static inline void answer_block(struct script *script, struct vehicle_sample sample)
{
    script_add(script, ANSWER_BLOCK)->sample = sample;
}

/* ---- running it ---------------------------------------------------------- */

static inline void script_apply(struct script *script);

static inline void script_log(struct script *script, const struct fsm_effect *effect)
{
    struct script_entry *entry;

    assert_true(script->log_count < SCRIPT_MAX_LOG);
    entry = &script->log[script->log_count++];
    entry->at_s = script->now_s;
    entry->effect = *effect;
    entry->duplicate = false;

    if (script->geofence_of != NULL && effect->type == FSM_EFFECT_INSERT_POSITION) {
        const struct fsm_position *position = &effect->insert_position.position;

        snprintf(script->car.geofence, sizeof(script->car.geofence), "%s",
                 script->geofence_of(position->latitude, position->longitude));
    }
    if (effect->type != FSM_EFFECT_PUBLISH_SUMMARY)
        return;

    vehicle_fsm_summary(&script->fsm, script->now_s, &script->car, &entry->summary);
    entry->summary.state = effect->publish_summary.state;
    entry->summary.since_ms = effect->publish_summary.since_ms;
    entry->summary.healthy = effect->publish_summary.healthy;
    entry->duplicate = script->has_summary &&
                       memcmp(&entry->summary, &script->last_summary, sizeof(entry->summary)) == 0;
    script->last_summary = entry->summary;
    script->has_summary = true;
}

static inline void script_handle(struct script *script, const struct fsm_event *event)
{
    assert_true(++script->events < SCRIPT_MAX_EVENTS);
    vehicle_fsm_handle(&script->fsm, event, script->now_s, &script->out);
    script_apply(script);
}

static inline void script_stamp(struct vehicle_sample *sample, int64_t now_ms)
{
    if (sample->drive.timestamp_ms.known)
        sample->drive.timestamp_ms.value = now_ms;
    if (sample->charge.timestamp_ms.known)
        sample->charge.timestamp_ms.value = now_ms;
    if (sample->vehicle.timestamp_ms.known)
        sample->vehicle.timestamp_ms.value = now_ms;
}

/* Runs the calls of a fetch plan from `call` on, consuming answers. */
static inline void script_fetch(struct script *script, uint64_t id, enum fetch_plan plan,
                                enum fetch_call call)
{
    for (;;) {
        size_t index = script->next_answer < script->answer_count ? script->next_answer
                                                                  : script->answer_count - 1;
        struct script_answer answer;
        struct fsm_event event = { .type = FSM_EVENT_FETCH_RESULT };

        assert_true(script->answer_count > 0);
        assert_true(script->call_count < SCRIPT_MAX_CALLS);
        script->calls[script->call_count++] = (struct script_call){ script->now_s, call };
        answer = script->answers[index];
        if (script->next_answer < script->answer_count &&
            !(answer.repeat_until_s > script->now_s))
            script->next_answer++;

        if (answer.kind == ANSWER_BLOCK) {
            script->blocked = true;
            script->blocked_id = id;
            script->blocked_plan = plan;
            script->blocked_call = call;
            script->released = answer;
            script->released.kind = ANSWER_SAMPLE;
            return;
        }
        if (answer.stamp_now)
            script_stamp(&answer.sample, fsm_ms_from_s(script->now_s));

        event.fetch.fetch_id = id;
        event.fetch.error = answer.kind == ANSWER_ERROR ? answer.error : FETCH_OK;
        event.fetch.retry_after_s = answer.retry_after_s;
        event.fetch.sample = answer.kind == ANSWER_SAMPLE ? &answer.sample : NULL;

        call = fetch_plan_next_call(plan, call, &event.fetch);
        if (call == FETCH_CALL_NONE) {
            script_handle(script, &event);
            return;
        }
    }
}

static inline void script_apply(struct script *script)
{
    struct fsm_output *out = &script->out;
    uint64_t fetch_id = out->fetch.id;
    enum fetch_plan plan = out->fetch.plan;
    bool start_fetch = out->start_fetch;

    assert_false(out->effects_overflow);
    for (size_t i = 0; i < out->effect_count; i++)
        script_log(script, &out->effects[i]);

    if (out->poll.action == FSM_TIMER_SET) {
        assert_true(out->poll.delay_s >= 0.0);
        script->poll_armed = true;
        script->poll_due_s = script->now_s + out->poll.delay_s;
    } else if (out->poll.action == FSM_TIMER_CANCEL) {
        script->poll_armed = false;
    }
    if (out->arm_store_position_timer) {
        script->store_armed = true;
        script->store_due_s = script->now_s + FSM_STORE_POSITION_INTERVAL_S;
    }
    if (out->reply.status != FSM_REPLY_NONE)
        script->reply = out->reply;

    if (start_fetch)
        script_fetch(script, fetch_id, plan, fetch_plan_first_call(plan));
}

static inline void script_start(struct script *script)
{
    vehicle_fsm_init(&script->fsm, &script->start, script->now_s, &script->out);
    script_apply(script);
}

/* Fires every timer due until t_s (polls first on a tie), then sets the
 * clock to t_s. */
static inline void script_run_until(struct script *script, double t_s)
{
    for (;;) {
        bool poll_next = script->poll_armed &&
                         (!script->store_armed || script->poll_due_s <= script->store_due_s);
        double due_s = poll_next ? script->poll_due_s : script->store_due_s;
        struct fsm_event event = { .type = FSM_EVENT_POLL_TIMER };

        if ((!script->poll_armed && !script->store_armed) || due_s > t_s)
            break;
        script->now_s = due_s;
        if (poll_next) {
            script->poll_armed = false;
        } else {
            script->store_armed = false;
            event.type = FSM_EVENT_STORE_POSITION_TIMER;
        }
        script_handle(script, &event);
    }
    script->now_s = t_s;
}

static inline void script_run_for(struct script *script, double seconds)
{
    script_run_until(script, script->now_s + seconds);
}

/* Answers the blocked call with its BLOCK answer's sample. */
static inline void script_release(struct script *script)
{
    struct fsm_event event = { .type = FSM_EVENT_FETCH_RESULT };
    enum fetch_call next;

    assert_true(script->blocked);
    script->blocked = false;
    if (script->released.stamp_now)
        script_stamp(&script->released.sample, fsm_ms_from_s(script->now_s));
    event.fetch.fetch_id = script->blocked_id;
    event.fetch.sample = &script->released.sample;
    next = fetch_plan_next_call(script->blocked_plan, script->blocked_call, &event.fetch);
    if (next == FETCH_CALL_NONE)
        script_handle(script, &event);
    else
        script_fetch(script, script->blocked_id, script->blocked_plan, next);
}

static inline struct fsm_reply script_user_event(struct script *script, enum fsm_event_type type)
{
    struct fsm_event event = { .type = type };

    memset(&script->reply, 0, sizeof(script->reply));
    script_handle(script, &event);
    return script->reply;
}

static inline struct fsm_reply script_suspend(struct script *script)
{
    return script_user_event(script, FSM_EVENT_SUSPEND_REQUEST);
}

static inline struct fsm_reply script_resume(struct script *script)
{
    return script_user_event(script, FSM_EVENT_RESUME_REQUEST);
}

static inline void script_settings(struct script *script, struct car_settings settings)
{
    struct fsm_event event = { .type = FSM_EVENT_SETTINGS_CHANGED, .settings = settings };

    script_handle(script, &event);
}

/* ---- reading the log ----------------------------------------------------- */

static inline bool script_entry_skipped(const struct script_entry *entry)
{
    return entry->effect.type == FSM_EFFECT_NOTICE || entry->duplicate;
}

static inline void script_dump(const struct script *script, size_t from)
{
    for (size_t i = from; i < script->log_count; i++) {
        const struct script_entry *entry = &script->log[i];

        print_message("  [%zu] +%.1f s %s%s %s\n", i, entry->at_s - SCRIPT_T0_S,
                      fsm_effect_type_name(entry->effect.type), entry->duplicate ? " (dup)" : "",
                      entry->effect.type == FSM_EFFECT_PUBLISH_SUMMARY
                          ? vehicle_summary_state_name(entry->summary.state)
                      : entry->effect.type == FSM_EFFECT_NOTICE
                          ? fsm_notice_name(entry->effect.notice.code)
                          : "");
    }
}

/* The next entry that is not a notice or a duplicate summary, or NULL. */
static inline const struct script_entry *script_next(struct script *script)
{
    while (script->cursor < script->log_count) {
        const struct script_entry *entry = &script->log[script->cursor++];

        if (!script_entry_skipped(entry))
            return entry;
    }
    return NULL;
}

static inline const struct script_entry *script_expect(struct script *script,
                                                       enum fsm_effect_type type)
{
    size_t from = script->cursor;
    const struct script_entry *entry = script_next(script);

    if (entry == NULL || entry->effect.type != type) {
        print_message("expected %s, log from entry %zu:\n", fsm_effect_type_name(type), from);
        script_dump(script, from);
        fail_msg("expected %s, got %s", fsm_effect_type_name(type),
                 entry == NULL ? "nothing" : fsm_effect_type_name(entry->effect.type));
    }
    return entry;
}

static inline const struct fsm_effect *script_expect_effect(struct script *script,
                                                            enum fsm_effect_type type)
{
    return &script_expect(script, type)->effect;
}

static inline const struct vehicle_summary *script_expect_summary(struct script *script,
                                                                  enum vehicle_summary_state state)
{
    const struct script_entry *entry = script_expect(script, FSM_EFFECT_PUBLISH_SUMMARY);

    if (entry->summary.state != state) {
        script_dump(script, script->cursor - 1);
        fail_msg("expected summary %s, got %s", vehicle_summary_state_name(state),
                 vehicle_summary_state_name(entry->summary.state));
    }
    return &entry->summary;
}

static inline void script_expect_state(struct script *script, enum fsm_recorded_state state,
                                       int64_t date_ms)
{
    const struct fsm_effect *effect = script_expect_effect(script, FSM_EFFECT_START_STATE);

    assert_string_equal(fsm_recorded_state_name(effect->start_state.state),
                        fsm_recorded_state_name(state));
    assert_int_equal(effect->start_state.date_ms, date_ms);
}

static inline const struct fsm_position *script_expect_position(struct script *script,
                                                                bool in_drive)
{
    const struct fsm_effect *effect = script_expect_effect(script, FSM_EFFECT_INSERT_POSITION);

    assert_int_equal(effect->insert_position.in_drive, in_drive);
    return &effect->insert_position.position;
}

static inline const struct fsm_charge *script_expect_charge(struct script *script,
                                                            double kwh_added)
{
    const struct fsm_effect *effect = script_expect_effect(script, FSM_EFFECT_INSERT_CHARGE);

    assert_true(effect->insert_charge.charge.charge_energy_added_kwh.known);
    assert_near(effect->insert_charge.charge.charge_energy_added_kwh.value, kwh_added,
                        1e-9);
    return &effect->insert_charge.charge;
}

/* Consumes the online entry of a car seen online at `start`: update_car,
 * the state row dated date_ms, a car position and the online summary. */
static inline const struct vehicle_summary *script_expect_online_entry(struct script *script,
                                                                       int64_t date_ms)
{
    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    script_expect_state(script, FSM_RECORDED_ONLINE, date_ms);
    script_expect_position(script, false);
    return script_expect_summary(script, SUMMARY_STATE_ONLINE);
}

static inline void script_expect_quiet(struct script *script)
{
    size_t from = script->cursor;
    const struct script_entry *entry = script_next(script);

    if (entry != NULL) {
        script_dump(script, from);
        fail_msg("expected nothing else, got %s", fsm_effect_type_name(entry->effect.type));
    }
}

static inline size_t script_count(const struct script *script, enum fsm_effect_type type)
{
    size_t count = 0;

    for (size_t i = 0; i < script->log_count; i++)
        count += script->log[i].effect.type == type;
    return count;
}

static inline size_t script_count_notices(const struct script *script, enum fsm_notice code)
{
    size_t count = 0;

    for (size_t i = 0; i < script->log_count; i++) {
        const struct fsm_effect *effect = &script->log[i].effect;

        count += effect->type == FSM_EFFECT_NOTICE && effect->notice.code == code;
    }
    return count;
}

/* Calls made from from_s to before to_s, in seconds after SCRIPT_T0_S. */
static inline size_t script_count_calls(const struct script *script, enum fetch_call call,
                                        double from_s, double to_s)
{
    size_t count = 0;

    for (size_t i = 0; i < script->call_count; i++) {
        const struct script_call *entry = &script->calls[i];

        double offset_s = entry->at_s - SCRIPT_T0_S;

        count += entry->call == call && offset_s >= from_s && offset_s < to_s;
    }
    return count;
}

/* Seconds between the last two API calls (the chain of one poll counts
 * once: calls at the same instant are skipped). */
static inline double script_last_poll_gap_s(const struct script *script)
{
    size_t i = script->call_count;
    double last_s;

    assert_true(i >= 2);
    last_s = script->calls[i - 1].at_s;
    while (i > 0 && script->calls[i - 1].at_s == last_s)
        i--;
    assert_true(i > 0);
    return last_s - script->calls[i - 1].at_s;
}

/* The interval from the last API call to the next poll. */
static inline double script_interval_after_last_call_s(const struct script *script)
{
    assert_true(script->poll_armed);
    assert_true(script->call_count > 0);
    return script->poll_due_s - script->calls[script->call_count - 1].at_s;
}

/* Time left until the next poll. */
static inline double script_poll_delay_s(const struct script *script)
{
    assert_true(script->poll_armed);
    return script->poll_due_s - script->now_s;
}

static inline int64_t script_ms(double offset_s)
{
    return SCRIPT_T0_MS + (int64_t)(offset_s * 1000.0);
}

#endif
