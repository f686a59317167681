/*
 * replay: a car's position in its trace, and the rule that moves it.
 *
 * The trace advances by requests, never by the clock. A row is consumed by
 * the one request that can show it completely:
 *
 *   - vehicle_data on an online row returns the row and advances;
 *   - vehicle_data on an asleep or offline row answers 408 and stays;
 *   - the summary (/api/1/vehicles/{id}) on an asleep or offline row
 *     reports that state and advances;
 *   - the summary on an online row reports "online" and stays;
 *   - the vehicle list never advances.
 *
 * So a TeslaMate-like poller observes each row exactly once, whatever
 * state it is in: "reachable" polls (vehicle_data, then the summary after
 * a 408) and "unreachable" or "light" polls (the summary, then
 * vehicle_data once it says online) each take one row per cycle. After
 * the last row the car stays asleep, unless the trace loops: then it
 * starts over, with every timestamp shifted by the trace's span plus one
 * minute per completed loop so that time keeps moving forward.
 *
 * Contract: one replay per car, safe to call from any thread (one mutex
 * per car, held only to read and move the position). A view stays valid
 * as long as the trace, which is immutable.
 */
#ifndef FAKE_TESLA_REPLAY_H
#define FAKE_TESLA_REPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* The gap between the end of one loop and the start of the next. */
#define REPLAY_LOOP_GAP_MS INT64_C(60000)

struct replay {
    pthread_mutex_t lock;
    size_t position;
    uint32_t loops;
};

/* What a request sees: the current row (NULL when the trace is done),
 * its state (asleep when done) and the time shift of the current loop. */
struct replay_view {
    const struct trace_row *row;
    enum vehicle_state state;
    int64_t shift_ms;
    size_t position;
    uint32_t loops;
    bool done;
};

enum replay_request {
    REPLAY_PEEK,            /* look only (vehicle list, admin state) */
    REPLAY_SUMMARY,         /* GET /api/1/vehicles/{id} */
    REPLAY_VEHICLE_DATA,    /* GET /api/1/vehicles/{id}/vehicle_data */
    REPLAY_REQUEST_COUNT
};

const char *replay_request_name(enum replay_request request);

void replay_init(struct replay *replay);
void replay_destroy(struct replay *replay);

/*
 * Returns the view a request sees. With `commit` the position advances
 * when the rule says so; without it (a fault replaces the answer, so the
 * client never gets the row) nothing moves.
 */
struct replay_view replay_observe(struct replay *replay, const struct trace *trace, bool loop,
                                  enum replay_request request, bool commit);

#endif
