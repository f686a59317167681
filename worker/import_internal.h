/*
 * import_internal: the state of one import_execute() call, shared by
 * import.c (the run) and import_discover.c (finding the car). Not for
 * other modules: use import.h.
 */
#ifndef TENANTMATE_IMPORT_INTERNAL_H
#define TENANTMATE_IMPORT_INTERNAL_H

#include "import.h"
#include "import_batch.h"
#include "import_file.h"
#include "import_replay.h"
#include "import_scan.h"
#include "import_store.h"
#include "import_time.h"

/* The rejections of the file being read, in row order. */
struct import_rejection_list {
    struct import_rejection *items;
    size_t count;
    size_t capacity;
};

struct import_job {
    const struct import_options *options;
    const struct import_progress *progress;
    struct import_summary *summary;

    struct import_file_list files;
    struct import_zone zone;
    struct import_row_options row_options;
    bool has_store;
    struct import_store store;

    struct import_car car;
    struct import_batch batch;
    struct import_replay replay;
    struct import_row row;
    struct import_rejection_list rejections;
};

/* Sets the outcome and the message (printf-style) and returns false. */
bool import_fail(struct import_job *job, enum import_outcome outcome, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads a file into data, adding the time to the summary. */
bool import_load(struct import_job *job, const struct import_file *file,
                 struct import_file_data *data);

/* Appends a rejection to the list; false when out of memory. */
bool import_rejection_list_add(struct import_rejection_list *list,
                               const struct import_rejection *rejection);

/* Counts a rejection in the summary, with the first examples per reason. */
void import_count_rejection(struct import_summary *summary, const char *file_name,
                            const struct import_rejection *rejection);

/* Finds the car: the run's own on a resumed run, else the first row with
 * a VIN and a vehicle id, in file order. Sets job->car (and, with a
 * database, attaches the car to the run). */
bool import_discover_car(struct import_job *job);

#endif
