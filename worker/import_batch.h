/*
 * import_batch: the rows one imported file produces, collected from the
 * vehicle state machine's effects so that they can be written in one
 * transaction.
 *
 * Contract: pure bookkeeping in memory, with no I/O and no logging. A batch
 * lives for a whole import run. import_batch_apply() appends one state
 * machine output; import_batch_next_file() drops the rows of the file just
 * written and keeps what continues into the next file: the state in
 * progress, and the drive or charging process still open, with the
 * database ids the writer gave them. Arrays grow with realloc(); a failed
 * allocation sets `out_of_memory` and later rows are not recorded, so the
 * caller must check it before writing. import_batch_free() releases
 * everything.
 *
 * What the state machine asks for and the batch does not keep: summaries,
 * notices, and the update-in-progress effects, which cannot occur in an
 * import because TeslaFi rows carry no software_update object (they are
 * counted in `unsupported_effects`).
 */
#ifndef TENANTMATE_IMPORT_BATCH_H
#define TENANTMATE_IMPORT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "car_identity.h"
#include "vehicle_fsm.h"

#define IMPORT_NO_REF ((size_t)-1)

/* A states row started in this file. */
struct import_state {
    enum fsm_recorded_state state;
    int64_t start_ms;
};

/* The state in progress when the previous file ended. */
struct import_current_state {
    bool known;
    enum fsm_recorded_state state;
    int64_t start_ms;
    int64_t state_id;               /* its row; 0 until written */
};

struct import_drive {
    int64_t drive_id;               /* 0 until written */
    int64_t start_ms;
    bool closed;                    /* the state machine closed it in this file */
    bool continued;                 /* started in an earlier file */
};

struct import_position {
    size_t drive;                   /* index into drives, or IMPORT_NO_REF */
    struct fsm_position position;
};

struct import_charging_process {
    int64_t charging_process_id;    /* 0 until written, or when it cannot be stored */
    int64_t position_id;
    int64_t start_ms;
    struct fsm_position position;   /* stored as its own positions row */
    bool completed;                 /* the state machine completed it in this file */
    int64_t end_ms;
    bool continued;                 /* started in an earlier file */
};

struct import_charge {
    size_t charging_process;        /* index into charging_processes */
    struct fsm_charge charge;
};

struct import_update {
    char version[FSM_TEXT_SIZE];
    int64_t date_ms;
};

struct import_car_details {
    bool known;                     /* an UPDATE_CAR effect was seen in this file */
    char name[FSM_TEXT_SIZE];
    bool identified;
    struct car_identity identity;
};

struct import_batch {
    struct import_current_state current;    /* before this file's states */

    struct import_state *states;
    size_t state_count, state_capacity;

    struct import_drive *drives;
    size_t drive_count, drive_capacity;
    size_t open_drive;              /* index, or IMPORT_NO_REF */

    struct import_position *positions;
    size_t position_count, position_capacity;

    struct import_charging_process *charging_processes;
    size_t charging_process_count, charging_process_capacity;
    size_t open_charging_process;   /* index, or IMPORT_NO_REF */

    struct import_charge *charges;
    size_t charge_count, charge_capacity;

    struct import_update *updates;
    size_t update_count, update_capacity;

    struct import_car_details car;

    size_t unsupported_effects;
    size_t positions_without_location;
    bool effects_overflow;
    bool out_of_memory;
};

void import_batch_init(struct import_batch *batch);
void import_batch_free(struct import_batch *batch);

/* Records the effects of one state machine output, in their order. */
void import_batch_apply(struct import_batch *batch, const struct fsm_output *output);

/* After the file's rows were written: the last state becomes `current`,
 * an open drive or charging process is carried over as `continued`, and
 * everything else is dropped. */
void import_batch_next_file(struct import_batch *batch);

/* The state the run is in after this file's states (current when none). */
bool import_batch_last_state(const struct import_batch *batch, enum fsm_recorded_state *state,
                             int64_t *start_ms);

#endif
