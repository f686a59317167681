/*
 * import_store: the database side of a TeslaFi import for one tenant: the
 * per-tenant import lock, the run record, the car, and one transaction per
 * imported file.
 *
 * Contract:
 * - A store borrows one direct libpq connection (not through PgBouncer:
 *   the import lock is a session-level advisory lock) and never closes it.
 *   Every write runs in a db_begin_tenant() transaction, so row-level
 *   security confines it to the tenant and every row carries its id.
 *   Calls block. Failures return false with store->message set, after
 *   rolling their transaction back. Only two things log: the recorder (its
 *   own failures) and a skipped row whose value no column can take.
 * - import_store_write_file() writes everything one file produced in one
 *   transaction: its states, drives, positions, charging processes,
 *   charges and updates as multi-row inserts, the drives and charging
 *   processes the state machine closed (aggregated by the recorder inside
 *   the same transaction), the file's rejections and its checkpoint. A
 *   failure leaves nothing of the file behind, and a file with a
 *   checkpoint is never imported again for this tenant.
 * - Imported rows never touch the live worker's. Every imported states,
 *   drives and charging_processes row is written closed, so the
 *   one-open-row-per-car indexes and the live worker's open rows are never
 *   involved. A drive or charging process still going on at the end of a
 *   file is a placeholder whose end equals its start, until a later file
 *   or import_store_finish() completes it. All imported rows are dated
 *   before the run's date limit (see import_store_attach_car()).
 */
#ifndef TENANTMATE_IMPORT_STORE_H
#define TENANTMATE_IMPORT_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "import_batch.h"
#include "import_file.h"
#include "import_row.h"
#include "recorder.h"
#include "uuid.h"

struct import_store {
    PGconn *conn;
    struct recorder recorder;
    char tenant_id[UUID_TEXT_SIZE];

    int64_t run_id;
    bool resumed;                   /* the run existed before this invocation */
    bool tenant_unusable;           /* open_run failed: no such tenant, or deleted */
    char time_zone[128];            /* the run's zone (a resumed run keeps its own) */

    int64_t car_id;
    bool car_created;
    bool has_date_limit;
    int64_t date_limit_ms;
    bool update_car_details;        /* the car has no history at or after the limit */

    double database_s;              /* wall time spent in database calls */
    char message[IMPORT_MESSAGE_SIZE];
};

/* The car's identity, from the first row with a VIN and a vehicle id. */
struct import_car_found {
    char vin[24];
    int64_t vid;
    char name[64];
};

/* Counts of what the writes stored, for the summary. */
struct import_write_counts {
    long states;
    long drives;                    /* closed and kept */
    long drives_discarded;          /* closed and deleted by the keep rule */
    long charging_processes;        /* completed */
    long positions;
    long charges;
    long updates;
    long rejections;
    long skipped_values;            /* rows a column could not take (logged) */
};

bool import_store_init(struct import_store *store, PGconn *conn, const char *tenant_id);

enum import_lock_result {
    IMPORT_LOCK_ACQUIRED,
    IMPORT_LOCK_BUSY,               /* another import of this tenant has it */
    IMPORT_LOCK_FAILED,
    IMPORT_LOCK_RESULT_COUNT
};

/* The session-level advisory lock that allows one import per tenant. */
enum import_lock_result import_store_lock(struct import_store *store);
void import_store_unlock(struct import_store *store);

/* Resumes the running run of this source (its saved zone wins) or starts
 * a new one. Fails when the tenant does not exist. */
bool import_store_open_run(struct import_store *store, const char *source_key,
                           const char *time_zone);

/* Marks the running run of this source abandoned, with *found false when
 * there is none. Imported rows stay. */
bool import_store_abandon_run(struct import_store *store, const char *source_key, bool *found);

/* Whether the tenant has a checkpoint for this file identity. */
bool import_store_file_is_done(struct import_store *store, const char *name,
                               const char *fingerprint, bool *done);

/*
 * Finds the car by VIN, then by vehicle id, or creates it (with a random
 * eid, as TeslaMate does) and records it in the run. The first time, it
 * also captures the run's date limit: the start of the car's earliest
 * state, or the current time when the car has none, so the import never
 * writes into a period the live worker covers.
 */
bool import_store_attach_car(struct import_store *store, const struct import_car_found *found);

/* The run's car when it was attached by an earlier invocation: *attached
 * is false when the run has none yet. */
bool import_store_run_car(struct import_store *store, struct import_car_found *car,
                          bool *attached);

/*
 * Prepares a replay. It completes the placeholder drives and charging
 * processes an interrupted invocation left. Then it reads the latest
 * update and the latest state before the date limit (the import's own, on
 * a resumed run), which the replay continues from.
 */
bool import_store_prepare_replay(struct import_store *store, struct fsm_latest_update *latest,
                                 struct import_current_state *current);

/* Writes one file in one transaction; see the header comment. Sets the
 * batch's database ids for what continues into the next file. */
bool import_store_write_file(struct import_store *store, struct import_batch *batch,
                             const char *file_name, const char *fingerprint,
                             const struct import_rejection *rejections, size_t rejection_count,
                             struct import_write_counts *counts);

/* Stores rejections without a checkpoint (a run that could not find its
 * car), in their own transaction. */
bool import_store_save_rejections(struct import_store *store, const char *file_name,
                                  const char *fingerprint,
                                  const struct import_rejection *rejections, size_t count,
                                  struct import_write_counts *counts);

/*
 * Ends the run. It completes the drive and charging process the data ended
 * in (TeslaMate leaves them open with a wall-clock start date). It ends
 * the import's last state where the car's next state starts, or leaves it
 * open when the car has no later state and none is open. Then it marks the
 * run complete.
 */
bool import_store_finish(struct import_store *store, struct import_batch *batch,
                         struct import_write_counts *counts);

const char *import_lock_result_name(enum import_lock_result result);

#endif
