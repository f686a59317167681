/*
 * import_report: what `tenantmate import` shows while and after it runs.
 *
 * Contract: progress goes to standard error: on a terminal a one-line bar
 * redrawn at most ten times a second (file, rows done, rows per second),
 * otherwise one line per file. The summary goes to standard output. No
 * function allocates; the progress state lives in the caller's struct.
 */
#ifndef TENANTMATE_IMPORT_REPORT_H
#define TENANTMATE_IMPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "import.h"

struct import_report {
    FILE *out;                      /* standard error */
    bool terminal;
    bool dry_run;                   /* files are checked, not imported */
    char file[IMPORT_FILE_NAME_SIZE];
    size_t file_index;
    size_t file_count;
    long estimated_rows;
    long rows;
    double file_started_s;
    double drawn_s;
};

void import_report_init(struct import_report *report, FILE *out);

/* Callbacks for import_execute() that draw into the report. */
struct import_progress import_report_progress(struct import_report *report);

/* Prints the summary of a run (also of a failed one: what was done). */
void import_report_summary(FILE *out, const struct import_options *options,
                           const struct import_summary *summary);

#endif
