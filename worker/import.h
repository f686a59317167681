/*
 * import: a TeslaFi import for one tenant, from export files to rows.
 *
 * Contract: import_execute() runs a whole import and blocks until it ends.
 * It reads the files in month order, finds the car (the first row with a
 * VIN and a vehicle id), replays every row through the vehicle state
 * machine with the row's time as the event time (import_replay.h), and
 * writes each file in one transaction with a checkpoint (import_store.h).
 * With dry_run it does all of that except the database: conn may then be
 * NULL, and the summary counts what the state machine produced.
 *
 * A run is identified by the tenant and the source key (the arguments'
 * paths). Running the same command again after a failure or an interrupt
 * resumes the run: files with a checkpoint are skipped, the interrupted
 * file is imported from its first row (it left nothing behind), and the
 * run's saved time zone is used even when another one is given. One
 * import per tenant runs at a time (a session-level advisory lock on
 * conn, so conn must be a direct connection).
 *
 * The time zone is set process-wide for the duration (see import_time.h):
 * call this only from a single-threaded program. Progress callbacks are
 * optional and run on the caller's thread. Logging: one line for the start,
 * the car, each failure and the end.
 */
#ifndef TENANTMATE_IMPORT_H
#define TENANTMATE_IMPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import_row.h"
#include "import_store.h"

struct import_options {
    const char *tenant_id;
    const char *time_zone;
    char *const *paths;             /* files or directories */
    size_t path_count;
    bool dry_run;
    int64_t fallback_vehicle_id;    /* for rows with an empty vehicle_id; TeslaMate uses 1 */
};

enum import_outcome {
    IMPORT_OUTCOME_COMPLETE,
    IMPORT_OUTCOME_INVALID_ARGUMENTS,       /* a path, the zone or the tenant */
    IMPORT_OUTCOME_BUSY,                    /* another import of the tenant runs */
    IMPORT_OUTCOME_VEHICLE_DATA_INCOMPLETE, /* no row names the car */
    IMPORT_OUTCOME_VEHICLE_CHANGED,         /* a file has rows of another car */
    IMPORT_OUTCOME_FILE_ERROR,              /* a file cannot be imported as a whole */
    IMPORT_OUTCOME_DATABASE_ERROR,
    IMPORT_OUTCOME_COUNT
};

#define IMPORT_EXAMPLES_MAX 5
#define IMPORT_FILE_NAME_SIZE 256

struct import_rejection_example {
    char file[IMPORT_FILE_NAME_SIZE];
    long row;
};

struct import_reason_summary {
    long count;
    size_t example_count;
    struct import_rejection_example examples[IMPORT_EXAMPLES_MAX];
};

struct import_summary {
    enum import_outcome outcome;
    char message[IMPORT_MESSAGE_SIZE];      /* what failed and what to do; "" when complete */
    bool resumed;
    char time_zone[128];                    /* the zone the rows were read in */

    bool car_known;
    struct import_car_found car;
    bool car_created;

    size_t files;
    size_t files_imported;
    size_t files_already_imported;
    size_t files_not_reached;               /* after the date limit */
    bool date_limit_reached;
    bool has_date_limit;
    int64_t date_limit_ms;

    long rows;                              /* records read, blank lines excluded */
    long rows_replayed;
    long rows_dropped;
    long rows_rejected;
    struct import_reason_summary rejections[IMPORT_REJECT_REASON_COUNT];

    /* Rows stored. With dry_run, the rows the state machine produced
     * (drives and charging processes before the recorder's keep rule). */
    struct import_write_counts written;

    double read_s;                          /* reading and fingerprinting the files */
    double replay_cpu_s;                    /* CPU time parsing, checking and replaying */
    double database_s;                      /* wall time in database calls */
    double elapsed_s;
};

struct import_progress {
    void *context;
    void (*file_started)(void *context, const char *name, size_t index, size_t count,
                         long estimated_rows);
    void (*rows_read)(void *context, long rows);
    /* outcome: "imported", "already imported", "not reached", "failed" */
    void (*file_finished)(void *context, const char *name, const char *outcome);
};

enum import_outcome import_execute(PGconn *conn, const struct import_options *options,
                                   const struct import_progress *progress,
                                   struct import_summary *summary);

/* Marks the running run of these paths abandoned, so the next import
 * starts afresh (and may use another time zone). Rows already imported
 * stay. */
enum import_outcome import_discard(PGconn *conn, const struct import_options *options,
                                   struct import_summary *summary);

const char *import_outcome_name(enum import_outcome outcome);

#endif
