/*
 * import_test_support: helpers for the TeslaFi import's unit tests: the
 * shared fixture paths, rows mapped from CSV text, and a pure replay of
 * whole fixture folders that keeps every file's records.
 *
 * The fixtures are read in place from $TENANTMATE_SHARED/data/teslafi, or
 * ../shared/data/teslafi relative to the working directory (the repository
 * root, where test/run-tests runs the tests).
 */
#ifndef TENANTMATE_TEST_IMPORT_TEST_SUPPORT_H
#define TENANTMATE_TEST_IMPORT_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_file.h"
#include "import_replay.h"
#include "import_row.h"
#include "import_scan.h"
#include "import_time.h"

#define FIXTURE_PATH_MAX 1024

static inline void fixture_path(const char *relative, char *path, size_t size)
{
    const char *shared = getenv("TENANTMATE_SHARED");

    if (shared == NULL || shared[0] == '\0')
        shared = "../shared";
    if ((size_t)snprintf(path, size, "%s/data/teslafi/%s", shared, relative) >= size)
        fail_msg("fixture path too long");
}

/* "2016-06-26T14:59:31Z" for epoch milliseconds. */
static inline const char *utc_text(int64_t ms, char out[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&seconds, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

static inline void expect_utc(int64_t ms, const char *expected)
{
    char text[32];

    assert_string_equal(utc_text(ms, text), expected);
}

/* ---- one row from CSV text ---------------------------------------------- */

struct mapped_row {
    struct import_zone zone;
    struct teslafi_reader *reader;
    struct import_columns columns;
    struct import_row row;
};

/* Maps the first data row of `csv` in `zone_name`; the struct is large, so
 * it is allocated. Free with mapped_row_free(). */
static inline struct mapped_row *map_row_in(const char *csv, const char *zone_name,
                                            int64_t fallback_vehicle_id)
{
    struct mapped_row *mapped = calloc(1, sizeof(*mapped));
    struct teslafi_error error;
    struct import_row_options options = {.fallback_vehicle_id = fallback_vehicle_id};

    assert_non_null(mapped);
    assert_true(import_zone_init(&mapped->zone, zone_name));
    mapped->reader = teslafi_open_buffer("test.csv", csv, strlen(csv), &error);
    if (mapped->reader == NULL)
        fail_msg("open failed: %s", error.message);
    assert_int_equal(teslafi_next_row(mapped->reader, &error), TESLAFI_READ_ROW);
    import_columns_init(&mapped->columns, mapped->reader);
    import_row_read(&mapped->columns, mapped->reader, &mapped->zone, &options, &mapped->row);
    return mapped;
}

static inline void mapped_row_free(struct mapped_row *mapped)
{
    teslafi_close(mapped->reader);
    free(mapped);
}

/* ---- a pure replay of fixture files ------------------------------------- */

#define RECORDED_MAX 64

struct recorded_drive {
    int64_t start_ms;
    bool closed;
    size_t positions;
    double first_odometer_km;
    double last_odometer_km;
};

struct recorded_charging {
    int64_t start_ms;
    int64_t end_ms;
    bool completed;
    size_t charges;
};

struct replay_record {
    struct import_zone zone;
    struct import_batch batch;
    struct import_replay replay;
    struct import_row row;
    bool car_found;
    struct import_car car;
    const char *car_file;
    long car_row;

    struct import_state states[RECORDED_MAX];
    size_t state_count;
    struct recorded_drive drives[RECORDED_MAX];
    size_t drive_count;
    struct recorded_charging charging[RECORDED_MAX];
    size_t charging_count;
    struct import_update updates[RECORDED_MAX];
    size_t update_count;
    size_t positions;
    long dropped[IMPORT_DROP_REASON_COUNT];
    struct import_rejection rejections[RECORDED_MAX];
    const char *rejection_files[RECORDED_MAX];
    size_t rejection_count;
    enum import_replay_result last_result;
    const char *stopped_file;
    long stopped_row;
};

static inline void record_rejection(struct replay_record *record, const char *file,
                                    const struct import_rejection *rejection)
{
    if (record->rejection_count < RECORDED_MAX) {
        record->rejection_files[record->rejection_count] = file;
        record->rejections[record->rejection_count++] = *rejection;
    }
}

static inline void record_drive_position(struct recorded_drive *drive,
                                         const struct fsm_position *position)
{
    if (drive->positions == 0)
        drive->first_odometer_km = position->odometer_km.value;
    drive->last_odometer_km = position->odometer_km.value;
    drive->positions++;
}

/* Copies what a file produced before the batch moves to the next file. A
 * drive or charging process carried over keeps its entry. */
static inline void record_file(struct replay_record *record, size_t drive_base,
                               size_t charging_base)
{
    struct import_batch *batch = &record->batch;

    for (size_t i = 0; i < batch->state_count && record->state_count < RECORDED_MAX; i++)
        record->states[record->state_count++] = batch->states[i];
    for (size_t i = 0; i < batch->drive_count; i++) {
        size_t index = batch->drives[i].continued ? drive_base - 1 : record->drive_count++;

        record->drives[index].start_ms = batch->drives[i].start_ms;
        record->drives[index].closed = batch->drives[i].closed;
    }
    for (size_t i = 0; i < batch->position_count; i++) {
        const struct import_position *position = &batch->positions[i];

        if (position->drive != IMPORT_NO_REF) {
            size_t index = batch->drives[0].continued ? drive_base - 1 + position->drive
                                                      : drive_base + position->drive;
            record_drive_position(&record->drives[index], &position->position);
        }
    }
    for (size_t i = 0; i < batch->charging_process_count; i++) {
        const struct import_charging_process *process = &batch->charging_processes[i];
        size_t index = process->continued ? charging_base - 1 : record->charging_count++;

        record->charging[index].start_ms = process->start_ms;
        record->charging[index].end_ms = process->end_ms;
        record->charging[index].completed = process->completed;
        record->positions += process->continued ? 0 : 1;
    }
    for (size_t i = 0; i < batch->charge_count; i++) {
        size_t process = batch->charges[i].charging_process;
        size_t index = batch->charging_processes[0].continued ? charging_base - 1 + process
                                                              : charging_base + process;
        record->charging[index].charges++;
    }
    for (size_t i = 0; i < batch->update_count && record->update_count < RECORDED_MAX; i++)
        record->updates[record->update_count++] = batch->updates[i];
    record->positions += batch->position_count;
}

static inline void load_fixture(const char *relative, struct import_file_data *data)
{
    char path[FIXTURE_PATH_MAX], message[IMPORT_MESSAGE_SIZE];
    struct import_file file = {.path = path, .name = relative};

    fixture_path(relative, path, sizeof(path));
    if (!import_file_load(&file, data, message, sizeof(message)))
        fail_msg("%s", message);
}

/* Finds the car like the import does: the first kept row with a VIN and a
 * vehicle id. */
static inline void discover(struct replay_record *record, const char *const *files,
                            const struct import_row_options *options)
{
    for (size_t f = 0; files[f] != NULL && !record->car_found; f++) {
        struct import_file_data data;
        struct import_scan scan;

        load_fixture(files[f], &data);
        assert_true(import_scan_open(&scan, files[f], &data, &record->zone, options));
        while (import_scan_next(&scan, &record->row) == IMPORT_SCAN_ROW) {
            const struct import_row *row = &record->row;

            if (row->kind == IMPORT_ROW_VEHICLE && row->identity.has_vin &&
                row->identity.has_vid) {
                snprintf(record->car.vin, sizeof(record->car.vin), "%s", row->sample.vin);
                record->car.vid = row->identity.vid;
                record->car_found = true;
                record->car_file = files[f];
                record->car_row = row->row;
                break;
            }
        }
        import_scan_close(&scan);
        import_file_data_free(&data);
    }
}

/* Replays one file; returns false when the replay stopped in it. */
static inline bool replay_fixture_file(struct replay_record *record, const char *name,
                                       const struct import_row_options *options)
{
    struct import_file_data data;
    struct import_scan scan;
    struct import_rejection conflict;
    size_t drive_base = record->drive_count, charging_base = record->charging_count;
    bool going = true;

    load_fixture(name, &data);
    assert_true(import_scan_open(&scan, name, &data, &record->zone, options));
    while (going && import_scan_next(&scan, &record->row) == IMPORT_SCAN_ROW) {
        const struct import_row *row = &record->row;

        if (row->kind == IMPORT_ROW_REJECTED) {
            record_rejection(record, name, &row->rejection);
            continue;
        }
        if (row->kind == IMPORT_ROW_DROPPED) {
            record->dropped[row->drop_reason]++;
            continue;
        }
        record->last_result = import_replay_row(&record->replay, row, &conflict);
        if (record->last_result == IMPORT_REPLAY_CONFLICT)
            record_rejection(record, name, &conflict);
        if (record->last_result == IMPORT_REPLAY_LIMIT_REACHED ||
            record->last_result == IMPORT_REPLAY_VEHICLE_CHANGED) {
            record->stopped_file = name;
            record->stopped_row = row->row;
            going = false;
        }
    }
    assert_int_equal(scan.error, IMPORT_FILE_OK);
    import_scan_close(&scan);
    import_file_data_free(&data);
    record_file(record, drive_base, charging_base);
    import_batch_next_file(&record->batch);
    return going;
}

/* Discovers the car, then replays the files (NULL-terminated) in order. */
static inline struct replay_record *replay_fixtures(const char *zone_name,
                                                    const char *const *files,
                                                    const struct import_replay_options *options)
{
    struct replay_record *record = calloc(1, sizeof(*record));
    struct import_row_options row_options = {.fallback_vehicle_id = 1};

    assert_non_null(record);
    assert_true(import_zone_init(&record->zone, zone_name));
    import_zone_activate(&record->zone);
    import_batch_init(&record->batch);
    discover(record, files, &row_options);
    import_replay_init(&record->replay, &record->car, options, &record->batch);
    for (size_t i = 0; files[i] != NULL; i++) {
        if (!replay_fixture_file(record, files[i], &row_options))
            break;
    }
    import_zone_deactivate(&record->zone);
    return record;
}

static inline void replay_record_free(struct replay_record *record)
{
    import_batch_free(&record->batch);
    free(record);
}

#endif
