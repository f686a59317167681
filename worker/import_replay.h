/*
 * import_replay: feeds imported rows to the vehicle state machine the way
 * TeslaMate's import serves them to its vehicle process, with row times
 * as event times.
 *
 * Contract: pure, like the state machine: no I/O, no clock, no logging.
 * The caller owns the struct (about 16 KiB: keep it off small stacks) and
 * hands it the kept rows of every file in order; every effect goes into
 * the import_batch given at init.
 *
 * How rows are consumed, as in TeslaMate:
 * - each poll answers with the next row, whatever the state machine asked
 *   for; the poll kind depends on the state, so in start, asleep and
 *   offline an online row only signals the wake-up and the *next* row is
 *   the vehicle_data answer that gets recorded;
 * - every "poll again in N seconds" is "poll now": there is no simulated
 *   clock, and the 5-minute position timer is never armed, so every event
 *   time (state starts, positions, charges, updates) is a row's time;
 * - the first row dated at or after the date limit is not delivered and
 *   ends the replay (the overlap rule: an import stops where the car's
 *   existing history begins);
 * - the car identity is checked on every row before it is served: a row
 *   without VIN or with the car's VIN passes; another VIN with another
 *   vehicle id means another car (IMPORT_REPLAY_VEHICLE_CHANGED); another
 *   VIN with the car's vehicle id, or with no vehicle id in the row, is
 *   rejected as vehicle_conflict. Vehicle ids are compared as integers,
 *   and an empty vehicle_id cell (whose fallback value is an assumption)
 *   counts as "no vehicle id".
 */
#ifndef TENANTMATE_IMPORT_REPLAY_H
#define TENANTMATE_IMPORT_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "import_batch.h"
#include "import_row.h"
#include "vehicle_fsm.h"

struct import_car {
    char vin[24];
    int64_t vid;
};

struct import_replay_options {
    bool has_date_limit;
    int64_t date_limit_ms;
    /* The latest update before the imported period, which decides whether
     * the first firmware seen is recorded as an update. */
    struct fsm_latest_update latest_update;
};

enum import_replay_result {
    IMPORT_REPLAY_SERVED,           /* the row went to the state machine */
    IMPORT_REPLAY_CONFLICT,         /* rejected as vehicle_conflict (see *rejection) */
    IMPORT_REPLAY_VEHICLE_CHANGED,  /* another car: abort the import */
    IMPORT_REPLAY_LIMIT_REACHED,    /* at or after the date limit: stop */
    IMPORT_REPLAY_RESULT_COUNT
};

struct import_replay {
    struct import_car car;
    struct import_replay_options options;
    struct import_batch *batch;

    struct vehicle_fsm fsm;
    struct fsm_output output;
    bool started;
    bool finished;                  /* the date limit was reached */

    /* The poll in progress: the call the next row is the response to. */
    uint64_t fetch_id;
    enum fetch_plan plan;
    enum fetch_call call;

    int64_t last_row_ms;
    long served_rows;
};

void import_replay_init(struct import_replay *replay, const struct import_car *car,
                        const struct import_replay_options *options, struct import_batch *batch);

/* Offers one IMPORT_ROW_VEHICLE row. On IMPORT_REPLAY_CONFLICT the
 * rejection is written to *rejection. */
enum import_replay_result import_replay_row(struct import_replay *replay,
                                            const struct import_row *row,
                                            struct import_rejection *rejection);

const char *import_replay_result_name(enum import_replay_result result);

#endif
