/* Imported rows through the vehicle state machine, one poll at a time. */
#include "import_replay.h"

#include <string.h>

/* TeslaMate forces the car's suspend-after-idle time to 99999 minutes
 * during an import and compares it with the wall clock, so an imported
 * car is never suspended. On row time 99999 minutes (69 days) can pass
 * between two monthly files, so the idle time is made effectively
 * infinite instead. */
#define IMPORT_IDLE_NEVER_MIN 1e9

static const char *const result_names[IMPORT_REPLAY_RESULT_COUNT] = {
    [IMPORT_REPLAY_SERVED] = "served",
    [IMPORT_REPLAY_CONFLICT] = "conflict",
    [IMPORT_REPLAY_VEHICLE_CHANGED] = "vehicle_changed",
    [IMPORT_REPLAY_LIMIT_REACHED] = "limit_reached",
};

_Static_assert(sizeof(result_names) / sizeof(result_names[0]) == IMPORT_REPLAY_RESULT_COUNT,
               "result_names must name every replay result");

const char *import_replay_result_name(enum import_replay_result result)
{
    return result >= 0 && result < IMPORT_REPLAY_RESULT_COUNT ? result_names[result] : "unknown";
}

void import_replay_init(struct import_replay *replay, const struct import_car *car,
                        const struct import_replay_options *options, struct import_batch *batch)
{
    memset(replay, 0, sizeof(*replay));
    replay->car = *car;
    replay->options = *options;
    replay->batch = batch;
}

static double seconds_from_ms(int64_t ms)
{
    return (double)ms / 1000.0;
}

/* Records the output's effects and remembers a fetch it started. */
static void take_output(struct import_replay *replay)
{
    const struct fsm_output *output = &replay->output;

    import_batch_apply(replay->batch, output);
    if (output->start_fetch) {
        replay->fetch_id = output->fetch.id;
        replay->plan = output->fetch.plan;
        replay->call = fetch_plan_first_call(output->fetch.plan);
    }
}

/* Every poll the state machine schedules fires at once. */
static void poll_now(struct import_replay *replay)
{
    const struct fsm_event event = { .type = FSM_EVENT_POLL_TIMER };

    if (replay->fetch_id != 0)
        return;
    vehicle_fsm_handle(&replay->fsm, &event, seconds_from_ms(replay->last_row_ms),
                       &replay->output);
    take_output(replay);
}

static void start(struct import_replay *replay, int64_t first_row_ms)
{
    struct fsm_start_data start = {
        .config = fsm_config_defaults(),
        .settings = car_settings_defaults(),
        .latest_update = replay->options.latest_update,
    };

    start.settings.suspend_after_idle_min = IMPORT_IDLE_NEVER_MIN;
    replay->last_row_ms = first_row_ms;
    vehicle_fsm_init(&replay->fsm, &start, seconds_from_ms(first_row_ms), &replay->output);
    take_output(replay);
    poll_now(replay);
    replay->started = true;
}

/* The row is the response to the call in progress. The state machine
 * gets the result only when the fetch plan needs no further call. */
static void serve(struct import_replay *replay, const struct import_row *row)
{
    struct fsm_event event = {
        .type = FSM_EVENT_FETCH_RESULT,
        .fetch = { .fetch_id = replay->fetch_id, .error = FETCH_OK, .sample = &row->sample },
    };
    enum fetch_call next = fetch_plan_next_call(replay->plan, replay->call, &event.fetch);

    replay->last_row_ms = row->date_ms;
    replay->served_rows++;
    if (next != FETCH_CALL_NONE) {
        replay->call = next;
        return;
    }

    replay->fetch_id = 0;
    vehicle_fsm_handle(&replay->fsm, &event, seconds_from_ms(row->date_ms), &replay->output);
    take_output(replay);
    poll_now(replay);
}

static bool is_other_car(const struct import_replay *replay, const struct import_row *row)
{
    return row->identity.has_vin && strcmp(row->sample.vin, replay->car.vin) != 0;
}

enum import_replay_result import_replay_row(struct import_replay *replay,
                                            const struct import_row *row,
                                            struct import_rejection *rejection)
{
    if (replay->finished)
        return IMPORT_REPLAY_LIMIT_REACHED;

    if (is_other_car(replay, row)) {
        const struct import_row_identity *identity = &row->identity;

        if (identity->has_vid && identity->vid_from_row && identity->vid != replay->car.vid)
            return IMPORT_REPLAY_VEHICLE_CHANGED;
        memset(rejection, 0, sizeof(*rejection));
        rejection->row = row->row;
        rejection->reason = IMPORT_REJECT_VEHICLE_CONFLICT;
        return IMPORT_REPLAY_CONFLICT;
    }

    if (replay->options.has_date_limit && row->date_ms >= replay->options.date_limit_ms) {
        replay->finished = true;
        return IMPORT_REPLAY_LIMIT_REACHED;
    }

    if (!replay->started)
        start(replay, row->date_ms);
    serve(replay, row);
    return IMPORT_REPLAY_SERVED;
}
