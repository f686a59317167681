#include "replay.h"

static const char *const replay_request_names[REPLAY_REQUEST_COUNT] = {
    [REPLAY_PEEK] = "peek",
    [REPLAY_SUMMARY] = "summary",
    [REPLAY_VEHICLE_DATA] = "vehicle_data",
};

_Static_assert(sizeof(replay_request_names) / sizeof(replay_request_names[0]) ==
                   REPLAY_REQUEST_COUNT,
               "replay_request_names must name every request");

const char *replay_request_name(enum replay_request request)
{
    if (request < 0 || request >= REPLAY_REQUEST_COUNT)
        return "unknown";
    return replay_request_names[request];
}

void replay_init(struct replay *replay)
{
    pthread_mutex_init(&replay->lock, NULL);
    replay->position = 0;
    replay->loops = 0;
}

void replay_destroy(struct replay *replay)
{
    pthread_mutex_destroy(&replay->lock);
}

static struct replay_view current_view(const struct replay *replay, const struct trace *trace)
{
    struct replay_view view = {
        .position = replay->position,
        .loops = replay->loops,
        .shift_ms = (int64_t)replay->loops * (trace->span_ms + REPLAY_LOOP_GAP_MS),
    };

    if (replay->position >= trace->row_count) {
        view.done = true;
        view.state = VEHICLE_STATE_ASLEEP;
        return view;
    }
    view.row = &trace->rows[replay->position];
    view.state = view.row->state;
    return view;
}

static bool request_consumes(enum replay_request request, enum vehicle_state state)
{
    switch (request) {
    case REPLAY_SUMMARY:
        return state != VEHICLE_STATE_ONLINE;
    case REPLAY_VEHICLE_DATA:
        return state == VEHICLE_STATE_ONLINE;
    case REPLAY_PEEK:
    case REPLAY_REQUEST_COUNT:
        break;
    }
    return false;
}

static void advance(struct replay *replay, const struct trace *trace, bool loop)
{
    replay->position++;
    if (replay->position >= trace->row_count && loop && trace->row_count > 0) {
        replay->position = 0;
        replay->loops++;
    }
}

struct replay_view replay_observe(struct replay *replay, const struct trace *trace, bool loop,
                                  enum replay_request request, bool commit)
{
    pthread_mutex_lock(&replay->lock);
    struct replay_view view = current_view(replay, trace);
    if (commit && !view.done && request_consumes(request, view.state))
        advance(replay, trace, loop);
    pthread_mutex_unlock(&replay->lock);
    return view;
}
