/* A TeslaFi import run: files in month order, replay, one write per file. */
#include "import_internal.h"

#include "log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often the row count goes to the progress callback. */
#define PROGRESS_ROWS 8192

static const char *const outcome_names[IMPORT_OUTCOME_COUNT] = {
    [IMPORT_OUTCOME_COMPLETE] = "complete",
    [IMPORT_OUTCOME_INVALID_ARGUMENTS] = "invalid_arguments",
    [IMPORT_OUTCOME_BUSY] = "busy",
    [IMPORT_OUTCOME_VEHICLE_DATA_INCOMPLETE] = "vehicle_data_incomplete",
    [IMPORT_OUTCOME_VEHICLE_CHANGED] = "vehicle_changed",
    [IMPORT_OUTCOME_FILE_ERROR] = "file_error",
    [IMPORT_OUTCOME_DATABASE_ERROR] = "database_error",
};

_Static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == IMPORT_OUTCOME_COUNT,
               "outcome_names must name every outcome");

const char *import_outcome_name(enum import_outcome outcome)
{
    return outcome >= 0 && outcome < IMPORT_OUTCOME_COUNT ? outcome_names[outcome] : "unknown";
}

static double clock_s(clockid_t clock)
{
    struct timespec now;

    clock_gettime(clock, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

bool import_fail(struct import_job *job, enum import_outcome outcome, const char *format, ...)
{
    va_list args;

    job->summary->outcome = outcome;
    va_start(args, format);
    vsnprintf(job->summary->message, sizeof(job->summary->message), format, args);
    va_end(args);
    return false;
}

bool import_load(struct import_job *job, const struct import_file *file,
                 struct import_file_data *data)
{
    char message[IMPORT_MESSAGE_SIZE];
    double started_s = clock_s(CLOCK_MONOTONIC);
    bool ok = import_file_load(file, data, message, sizeof(message));

    job->summary->read_s += clock_s(CLOCK_MONOTONIC) - started_s;
    if (!ok)
        return import_fail(job, IMPORT_OUTCOME_FILE_ERROR, "%s", message);
    return true;
}

bool import_rejection_list_add(struct import_rejection_list *list,
                               const struct import_rejection *rejection)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 32 : 2 * list->capacity;
        struct import_rejection *items = realloc(list->items, capacity * sizeof(*items));

        if (items == NULL)
            return false;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = *rejection;
    return true;
}

void import_count_rejection(struct import_summary *summary, const char *file_name,
                            const struct import_rejection *rejection)
{
    struct import_reason_summary *reason = &summary->rejections[rejection->reason];

    summary->rows_rejected++;
    reason->count++;
    if (reason->example_count < IMPORT_EXAMPLES_MAX) {
        struct import_rejection_example *example = &reason->examples[reason->example_count++];

        snprintf(example->file, sizeof(example->file), "%s", file_name);
        example->row = rejection->row;
    }
}

/* ---- one file ------------------------------------------------------------ */

static void report_rows(struct import_job *job, long rows)
{
    if (job->progress != NULL && job->progress->rows_read != NULL)
        job->progress->rows_read(job->progress->context, rows);
}

static void report_finished(struct import_job *job, const char *name, const char *outcome)
{
    if (job->progress != NULL && job->progress->file_finished != NULL)
        job->progress->file_finished(job->progress->context, name, outcome);
}

static bool reject(struct import_job *job, const struct import_rejection *rejection)
{
    if (!import_rejection_list_add(&job->rejections, rejection))
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "out of memory");
    return true;
}

/* Hands one mapped row on. Returns false to stop reading the file: on a
 * failure, or at the date limit (then *limit_reached). */
static bool take_row(struct import_job *job, const struct import_file *file, bool *limit_reached)
{
    struct import_row *row = &job->row;
    struct import_rejection conflict;

    switch (row->kind) {
    case IMPORT_ROW_REJECTED:
        return reject(job, &row->rejection);
    case IMPORT_ROW_DROPPED:
        job->summary->rows_dropped++;
        return true;
    default:
        break;
    }

    switch (import_replay_row(&job->replay, row, &conflict)) {
    case IMPORT_REPLAY_SERVED:
        job->summary->rows_replayed++;
        return true;
    case IMPORT_REPLAY_CONFLICT:
        return reject(job, &conflict);
    case IMPORT_REPLAY_LIMIT_REACHED:
        *limit_reached = true;
        return false;
    default:
        return import_fail(job, IMPORT_OUTCOME_VEHICLE_CHANGED,
                           "vehicle_changed: %s row %ld belongs to another car (its VIN and "
                           "vehicle id differ from those of the import's car); import one car "
                           "at a time. Nothing of %s was written",
                           file->name, row->row, file->name);
    }
}

/* Reads and replays one loaded file. */
static bool replay_file(struct import_job *job, const struct import_file *file,
                        const struct import_file_data *data, bool *limit_reached)
{
    struct import_scan scan;
    enum import_scan_status status = IMPORT_SCAN_END;
    double started_s = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    bool ok = true;

    job->rejections.count = 0;
    if (!import_scan_open(&scan, file->name, data, &job->zone, &job->row_options))
        return import_fail(job, IMPORT_OUTCOME_FILE_ERROR, "%s", scan.message);
    if (job->progress != NULL && job->progress->file_started != NULL)
        job->progress->file_started(job->progress->context, file->name,
                                    (size_t)(file - job->files.files), job->files.count,
                                    scan.estimated_rows);

    while (ok && (status = import_scan_next(&scan, &job->row)) == IMPORT_SCAN_ROW) {
        ok = take_row(job, file, limit_reached);
        if (scan.rows % PROGRESS_ROWS == 0)
            report_rows(job, scan.rows);
    }
    if (ok && status == IMPORT_SCAN_FAILED)
        ok = import_fail(job, IMPORT_OUTCOME_FILE_ERROR, "%s", scan.message);
    report_rows(job, scan.rows);
    job->summary->rows += scan.rows;
    import_scan_close(&scan);

    job->summary->replay_cpu_s += clock_s(CLOCK_PROCESS_CPUTIME_ID) - started_s;
    return ok || *limit_reached;
}

/* The dry run's counts: the state machine's records, before the
 * database's keep rule. */
static void count_batch(struct import_summary *summary, const struct import_batch *batch)
{
    struct import_write_counts *counts = &summary->written;

    counts->states += (long)batch->state_count;
    counts->positions += (long)batch->position_count;
    counts->charges += (long)batch->charge_count;
    counts->updates += (long)batch->update_count;
    for (size_t i = 0; i < batch->drive_count; i++)
        counts->drives += batch->drives[i].closed ? 1 : 0;
    for (size_t i = 0; i < batch->charging_process_count; i++) {
        counts->charging_processes += batch->charging_processes[i].completed ? 1 : 0;
        counts->positions += batch->charging_processes[i].continued ? 0 : 1;
    }
}

static bool write_file(struct import_job *job, const struct import_file *file,
                       const struct import_file_data *data)
{
    for (size_t i = 0; i < job->rejections.count; i++)
        import_count_rejection(job->summary, file->name, &job->rejections.items[i]);

    if (!job->has_store) {
        count_batch(job->summary, &job->batch);
        import_batch_next_file(&job->batch);
        return true;
    }
    if (!import_store_write_file(&job->store, &job->batch, file->name, data->fingerprint,
                                 job->rejections.items, job->rejections.count,
                                 &job->summary->written))
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR,
                           "%s was not imported (nothing of it was written): %s", file->name,
                           job->store.message);
    import_batch_next_file(&job->batch);
    return true;
}

static bool already_imported(struct import_job *job, const struct import_file *file,
                             const struct import_file_data *data, bool *done)
{
    *done = false;
    if (job->has_store &&
        !import_store_file_is_done(&job->store, file->name, data->fingerprint, done))
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
    return true;
}

/* Loads, checks, replays and writes one file. */
static bool import_file(struct import_job *job, const struct import_file *file,
                        bool *limit_reached)
{
    struct import_file_data data;
    bool done = false, ok;

    if (!import_load(job, file, &data))
        return false;
    ok = already_imported(job, file, &data, &done);
    if (ok && done) {
        job->summary->files_already_imported++;
        report_finished(job, file->name, "already imported");
        import_file_data_free(&data);
        return true;
    }

    ok = ok && replay_file(job, file, &data, limit_reached) && write_file(job, file, &data);
    import_file_data_free(&data);
    if (!ok) {
        report_finished(job, file->name, "failed");
        return false;
    }
    job->summary->files_imported++;
    report_finished(job, file->name, "imported");
    return true;
}

/* ---- the run ------------------------------------------------------------- */

static bool open_run(struct import_job *job, PGconn *conn, const char *source_key)
{
    struct import_summary *summary = job->summary;

    if (!import_store_init(&job->store, conn, job->options->tenant_id))
        return import_fail(job, IMPORT_OUTCOME_INVALID_ARGUMENTS, "invalid tenant id %s",
                           job->options->tenant_id);
    job->has_store = true;

    switch (import_store_lock(&job->store)) {
    case IMPORT_LOCK_ACQUIRED:
        break;
    case IMPORT_LOCK_BUSY:
        job->has_store = false;
        return import_fail(job, IMPORT_OUTCOME_BUSY,
                           "another import for tenant %s is running; wait for it to finish",
                           job->options->tenant_id);
    default:
        job->has_store = false;
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
    }

    if (!import_store_open_run(&job->store, source_key, job->options->time_zone)) {
        enum import_outcome outcome = job->store.tenant_unusable
                                          ? IMPORT_OUTCOME_INVALID_ARGUMENTS
                                          : IMPORT_OUTCOME_DATABASE_ERROR;
        return import_fail(job, outcome, "%s", job->store.message);
    }
    summary->resumed = job->store.resumed;
    snprintf(summary->time_zone, sizeof(summary->time_zone), "%s", job->store.time_zone);
    if (summary->resumed && strcmp(job->store.time_zone, job->options->time_zone) != 0)
        log_warning("resuming the interrupted import in its time zone %s, not %s; discard the "
                    "run with --discard to start over in another zone",
                    job->store.time_zone, job->options->time_zone);
    return true;
}

static bool start(struct import_job *job, PGconn *conn)
{
    const struct import_options *options = job->options;
    char message[IMPORT_MESSAGE_SIZE], source_key[IMPORT_FINGERPRINT_SIZE];

    snprintf(job->summary->time_zone, sizeof(job->summary->time_zone), "%s",
             options->time_zone != NULL ? options->time_zone : "");
    if (!import_zone_init(&job->zone, options->time_zone))
        return import_fail(job, IMPORT_OUTCOME_INVALID_ARGUMENTS,
                           "unknown time zone \"%s\": give the IANA zone of the car's home, "
                           "such as Europe/Berlin or America/Los_Angeles",
                           options->time_zone != NULL ? options->time_zone : "");
    if (!import_file_list_build(options->paths, options->path_count, &job->files, message,
                                sizeof(message)) ||
        !import_source_key(options->paths, options->path_count, source_key, message,
                           sizeof(message)))
        return import_fail(job, IMPORT_OUTCOME_INVALID_ARGUMENTS, "%s", message);
    job->summary->files = job->files.count;

    if (!options->dry_run && !open_run(job, conn, source_key))
        return false;
    if (!import_zone_init(&job->zone, job->summary->time_zone))
        return import_fail(job, IMPORT_OUTCOME_INVALID_ARGUMENTS,
                           "the run's saved time zone \"%s\" is unknown here; discard the run "
                           "with --discard",
                           job->summary->time_zone);
    import_zone_activate(&job->zone);
    return true;
}

static bool prepare_replay(struct import_job *job)
{
    struct import_replay_options replay_options = {0};

    if (job->has_store) {
        if (!import_store_prepare_replay(&job->store, &replay_options.latest_update,
                                         &job->batch.current))
            return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR, "%s", job->store.message);
        replay_options.has_date_limit = job->store.has_date_limit;
        replay_options.date_limit_ms = job->store.date_limit_ms;
        job->summary->has_date_limit = job->store.has_date_limit;
        job->summary->date_limit_ms = job->store.date_limit_ms;
    }
    import_replay_init(&job->replay, &job->car, &replay_options, &job->batch);
    return true;
}

static bool import_files(struct import_job *job)
{
    bool limit_reached = false;
    size_t i;

    for (i = 0; i < job->files.count && !limit_reached; i++) {
        if (!import_file(job, &job->files.files[i], &limit_reached))
            return false;
    }
    job->summary->date_limit_reached = limit_reached;
    for (; i < job->files.count; i++) {
        job->summary->files_not_reached++;
        report_finished(job, job->files.files[i].name, "not reached");
    }
    return true;
}

static bool finish(struct import_job *job)
{
    if (!job->has_store) {
        /* The state machine leaves these open; the real run completes them. */
        job->summary->written.drives += job->batch.open_drive != IMPORT_NO_REF ? 1 : 0;
        job->summary->written.charging_processes +=
            job->batch.open_charging_process != IMPORT_NO_REF ? 1 : 0;
        return true;
    }
    if (!import_store_finish(&job->store, &job->batch, &job->summary->written))
        return import_fail(job, IMPORT_OUTCOME_DATABASE_ERROR,
                           "the files are imported but finishing the run failed (run the same "
                           "command again to finish it): %s",
                           job->store.message);
    return true;
}

static void log_end(const struct import_job *job)
{
    const struct import_summary *summary = job->summary;

    if (summary->outcome == IMPORT_OUTCOME_COMPLETE)
        log_info("import %s: %zu files imported, %zu already imported, %ld rows, %ld rejected",
                 job->options->dry_run ? "checked (dry run)" : "complete",
                 summary->files_imported, summary->files_already_imported, summary->rows,
                 summary->rows_rejected);
    else
        log_error("import failed (%s): %s", import_outcome_name(summary->outcome),
                  summary->message);
}

static void release(struct import_job *job)
{
    if (job->has_store)
        import_store_unlock(&job->store);
    import_zone_deactivate(&job->zone);
    import_file_list_free(&job->files);
    import_batch_free(&job->batch);
    free(job->rejections.items);
}

enum import_outcome import_execute(PGconn *conn, const struct import_options *options,
                                   const struct import_progress *progress,
                                   struct import_summary *summary)
{
    double started_s = clock_s(CLOCK_MONOTONIC);
    struct import_job *job = calloc(1, sizeof(*job));

    memset(summary, 0, sizeof(*summary));
    if (job == NULL) {
        summary->outcome = IMPORT_OUTCOME_DATABASE_ERROR;
        snprintf(summary->message, sizeof(summary->message), "out of memory");
        return summary->outcome;
    }
    job->options = options;
    job->progress = progress;
    job->summary = summary;
    job->row_options.fallback_vehicle_id = options->fallback_vehicle_id;
    import_batch_init(&job->batch);

    log_info("import %s: tenant %s, %zu path%s, time zone %s",
             options->dry_run ? "dry run started" : "started", options->tenant_id,
             options->path_count, options->path_count == 1 ? "" : "s", options->time_zone);
    if (start(job, conn) && import_discover_car(job) && prepare_replay(job) &&
        import_files(job) && finish(job))
        summary->outcome = IMPORT_OUTCOME_COMPLETE;

    if (job->has_store)
        summary->database_s = job->store.database_s;
    summary->elapsed_s = clock_s(CLOCK_MONOTONIC) - started_s;
    log_end(job);
    release(job);
    free(job);
    return summary->outcome;
}

enum import_outcome import_discard(PGconn *conn, const struct import_options *options,
                                   struct import_summary *summary)
{
    struct import_store store;
    char message[IMPORT_MESSAGE_SIZE], source_key[IMPORT_FINGERPRINT_SIZE];
    bool found = false;

    memset(summary, 0, sizeof(*summary));
    summary->outcome = IMPORT_OUTCOME_INVALID_ARGUMENTS;
    if (!import_source_key(options->paths, options->path_count, source_key, message,
                           sizeof(message))) {
        snprintf(summary->message, sizeof(summary->message), "%s", message);
        return summary->outcome;
    }
    if (!import_store_init(&store, conn, options->tenant_id)) {
        snprintf(summary->message, sizeof(summary->message), "invalid tenant id %s",
                 options->tenant_id);
        return summary->outcome;
    }

    summary->outcome = IMPORT_OUTCOME_DATABASE_ERROR;
    if (import_store_lock(&store) != IMPORT_LOCK_ACQUIRED) {
        snprintf(summary->message, sizeof(summary->message),
                 "cannot discard while another import for tenant %s runs", options->tenant_id);
        summary->outcome = IMPORT_OUTCOME_BUSY;
        return summary->outcome;
    }
    if (import_store_abandon_run(&store, source_key, &found)) {
        summary->outcome = IMPORT_OUTCOME_COMPLETE;
        snprintf(summary->message, sizeof(summary->message), "%s",
                 found ? "the interrupted import run was discarded"
                       : "no interrupted import run of these paths");
        log_info("%s", summary->message);
    } else {
        snprintf(summary->message, sizeof(summary->message), "%s", store.message);
    }
    import_store_unlock(&store);
    return summary->outcome;
}
