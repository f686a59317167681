/*
 * import_scan: reads the rows of one loaded TeslaFi file in order and
 * decides whether the file as a whole can be imported.
 *
 * Contract: pure apart from the zone resolution (import_time.h); no
 * logging. A scan borrows the file data and the zone for its lifetime and
 * owns its CSV reader and column plan (import_scan_close() frees them).
 *
 * A file is refused as a whole, with a reason and a message naming the
 * row, when it:
 * - is empty (zero bytes: a header-only file is a valid month without
 *   data);
 * - is not CSV text: it has a NUL byte, or its header is one column
 *   wide while data rows follow (another delimiter, such as ';');
 * - has a header without the Date or the state column;
 * - has a CSV syntax error inside (an unterminated quote, text after a
 *   closing quote);
 * - ends in the middle of a row: the last record has no line break and
 *   a wrong field count or an open quote (a download cut short);
 * - writes some dates day-first ("25/11/2017 ..."): TeslaFi writes
 *   month-first, so such a file was re-saved with another date format and
 *   its other day/month dates cannot be trusted either.
 * Everything else is decided per row (import_row.h). Dates in different
 * accepted shapes within one file are fine (TeslaMate's tests mix them).
 */
#ifndef TENANTMATE_IMPORT_SCAN_H
#define TENANTMATE_IMPORT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "import_file.h"
#include "import_row.h"
#include "import_time.h"
#include "teslafi.h"

enum import_file_error {
    IMPORT_FILE_OK,
    IMPORT_FILE_UNREADABLE,
    IMPORT_FILE_EMPTY,
    IMPORT_FILE_NOT_CSV,
    IMPORT_FILE_UNKNOWN_HEADER,
    IMPORT_FILE_MALFORMED,
    IMPORT_FILE_TRUNCATED,
    IMPORT_FILE_MIXED_DATE_FORMATS,
    IMPORT_FILE_ERROR_COUNT
};

const char *import_file_error_name(enum import_file_error error);

enum import_scan_status {
    IMPORT_SCAN_ROW,        /* *row is the next row */
    IMPORT_SCAN_END,
    IMPORT_SCAN_FAILED,     /* see scan->error and scan->message */
    IMPORT_SCAN_STATUS_COUNT
};

struct import_scan {
    const char *name;
    const struct import_file_data *data;
    struct import_zone *zone;
    struct import_row_options options;
    struct teslafi_reader *reader;
    struct import_columns *columns;
    bool ends_with_line_break;
    bool pending_mismatch;          /* a short or long record not yet reported */
    long pending_row;
    bool holding_row;               /* the reader's record is mapped on the next call */
    long rows;                      /* records read, blank lines excluded */
    long estimated_rows;            /* line breaks after the header */
    enum import_file_error error;
    char message[IMPORT_MESSAGE_SIZE];
};

/* Opens the reader and checks the file's kind and header. Returns false
 * with scan->error and scan->message set (the scan needs no close then). */
bool import_scan_open(struct import_scan *scan, const char *name,
                      const struct import_file_data *data, struct import_zone *zone,
                      const struct import_row_options *options);

enum import_scan_status import_scan_next(struct import_scan *scan, struct import_row *row);

void import_scan_close(struct import_scan *scan);

/* Whether a Date value is written day-first: "D/M/YYYY ..." with a first
 * number from 13 to 31 and a second from 1 to 12. */
bool import_date_is_day_first(const char *text);

#endif
