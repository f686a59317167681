/* One TeslaFi file's rows in order, and the checks on the file as a whole. */
#include "import_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const file_error_names[IMPORT_FILE_ERROR_COUNT] = {
    [IMPORT_FILE_OK] = "ok",
    [IMPORT_FILE_UNREADABLE] = "unreadable",
    [IMPORT_FILE_EMPTY] = "empty",
    [IMPORT_FILE_NOT_CSV] = "not_csv",
    [IMPORT_FILE_UNKNOWN_HEADER] = "unknown_header",
    [IMPORT_FILE_MALFORMED] = "malformed_csv",
    [IMPORT_FILE_TRUNCATED] = "truncated",
    [IMPORT_FILE_MIXED_DATE_FORMATS] = "mixed_date_formats",
};

_Static_assert(sizeof(file_error_names) / sizeof(file_error_names[0]) == IMPORT_FILE_ERROR_COUNT,
               "file_error_names must name every file error");

const char *import_file_error_name(enum import_file_error error)
{
    return error >= 0 && error < IMPORT_FILE_ERROR_COUNT ? file_error_names[error] : "unknown";
}

static bool fail(struct import_scan *scan, enum import_file_error error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct import_scan *scan, enum import_file_error error, const char *format, ...)
{
    va_list args;

    scan->error = error;
    va_start(args, format);
    vsnprintf(scan->message, sizeof(scan->message), format, args);
    va_end(args);
    return false;
}

static long count_line_breaks(const char *bytes, size_t size)
{
    long count = 0;
    const char *end = bytes + size;

    for (const char *p = bytes; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        count++;
    return count;
}

static bool check_kind(struct import_scan *scan)
{
    const struct import_file_data *data = scan->data;

    if (data->size == 0)
        return fail(scan, IMPORT_FILE_EMPTY,
                    "%s is empty (0 bytes): download the month again from TeslaFi", scan->name);
    if (memchr(data->bytes, '\0', data->size) != NULL)
        return fail(scan, IMPORT_FILE_NOT_CSV,
                    "%s is not a CSV text file (it contains NUL bytes): give the CSV file "
                    "TeslaFi exports, not an archive or spreadsheet",
                    scan->name);
    return true;
}

static bool check_header(struct import_scan *scan)
{
    const char *missing = NULL;

    if (scan->columns->date < 0)
        missing = "Date";
    else if (scan->columns->state < 0)
        missing = "state";
    if (missing == NULL)
        return true;

    return fail(scan, IMPORT_FILE_UNKNOWN_HEADER,
                "%s has an unknown header: no %s column (first column \"%s\", %zu columns); "
                "a TeslaFi export has Date and state columns",
                scan->name, missing, teslafi_column_name(scan->reader, 0),
                teslafi_column_count(scan->reader));
}

bool import_scan_open(struct import_scan *scan, const char *name,
                      const struct import_file_data *data, struct import_zone *zone,
                      const struct import_row_options *options)
{
    struct teslafi_error error;

    memset(scan, 0, sizeof(*scan));
    scan->name = name;
    scan->data = data;
    scan->zone = zone;
    scan->options = *options;
    if (!check_kind(scan))
        return false;

    scan->reader = teslafi_open_buffer(name, data->bytes, data->size, &error);
    if (scan->reader == NULL)
        return fail(scan, IMPORT_FILE_NOT_CSV, "%s is not a TeslaFi CSV export: %s", name,
                    error.message);

    scan->columns = malloc(sizeof(*scan->columns));
    if (scan->columns == NULL) {
        teslafi_close(scan->reader);
        return fail(scan, IMPORT_FILE_UNREADABLE, "out of memory reading %s", name);
    }
    import_columns_init(scan->columns, scan->reader);
    if (!check_header(scan)) {
        import_scan_close(scan);
        return false;
    }

    scan->ends_with_line_break = data->bytes[data->size - 1] == '\n';
    scan->estimated_rows = count_line_breaks(data->bytes, data->size) -
                           (scan->ends_with_line_break ? 1 : 0);
    return true;
}

void import_scan_close(struct import_scan *scan)
{
    if (scan->reader != NULL)
        teslafi_close(scan->reader);
    free(scan->columns);
    scan->reader = NULL;
    scan->columns = NULL;
}

bool import_date_is_day_first(const char *text)
{
    int first = 0, second = 0, year = 0;
    char after = '\0';

    if (sscanf(text, "%2d/%2d/%4d%c", &first, &second, &year, &after) != 4 || after != ' ')
        return false;
    return first >= 13 && first <= 31 && second >= 1 && second <= 12;
}

static enum import_scan_status report_pending_mismatch(struct import_scan *scan,
                                                       struct import_row *row)
{
    scan->pending_mismatch = false;
    import_row_column_mismatch(scan->pending_row, row);
    return IMPORT_SCAN_ROW;
}

static enum import_scan_status end_of_file(struct import_scan *scan, struct import_row *row)
{
    if (!scan->pending_mismatch)
        return IMPORT_SCAN_END;
    if (!scan->ends_with_line_break) {
        fail(scan, IMPORT_FILE_TRUNCATED,
             "%s ends in the middle of row %ld (no line break after a row with the wrong "
             "number of fields): the file was cut short; download it again",
             scan->name, scan->pending_row);
        return IMPORT_SCAN_FAILED;
    }
    return report_pending_mismatch(scan, row);
}

static enum import_scan_status syntax_error(struct import_scan *scan,
                                            const struct teslafi_error *error)
{
    if (!scan->ends_with_line_break)
        fail(scan, IMPORT_FILE_TRUNCATED,
             "%s ends in the middle of a row (%s): the file was cut short; download it again",
             scan->name, error->message);
    else
        fail(scan, IMPORT_FILE_MALFORMED, "%s is not valid CSV: %s", scan->name,
             error->message);
    return IMPORT_SCAN_FAILED;
}

static bool check_day_first(struct import_scan *scan, const struct import_row *row)
{
    const char *date;

    if (row->kind != IMPORT_ROW_REJECTED || row->rejection.reason != IMPORT_REJECT_INVALID_DATE)
        return true;
    date = teslafi_cell(scan->reader, scan->columns->date);
    if (date == NULL || !import_date_is_day_first(date))
        return true;
    return fail(scan, IMPORT_FILE_MIXED_DATE_FORMATS,
                "%s mixes date formats: row %ld has the day first (\"%s\") but TeslaFi writes "
                "month/day/year, so the file's other dates cannot be trusted; export the "
                "month again from TeslaFi",
                scan->name, row->row, date);
}

static enum import_scan_status map_current(struct import_scan *scan, struct import_row *row)
{
    import_row_read(scan->columns, scan->reader, scan->zone, &scan->options, row);
    if (!check_day_first(scan, row))
        return IMPORT_SCAN_FAILED;
    return IMPORT_SCAN_ROW;
}

/* A record with the wrong field count is held back until the next record
 * shows that the file goes on; a good record that follows one is mapped on
 * the next call (its cells stay valid until the reader advances). */
enum import_scan_status import_scan_next(struct import_scan *scan, struct import_row *row)
{
    struct teslafi_error error;

    if (scan->error != IMPORT_FILE_OK)
        return IMPORT_SCAN_FAILED;
    if (scan->holding_row) {
        scan->holding_row = false;
        return map_current(scan, row);
    }

    for (;;) {
        enum teslafi_read_status status = teslafi_next_row(scan->reader, &error);

        if (status == TESLAFI_READ_END)
            return end_of_file(scan, row);
        if (status == TESLAFI_READ_SYNTAX_ERROR)
            return syntax_error(scan, &error);

        scan->rows++;
        if (status == TESLAFI_READ_COLUMN_MISMATCH) {
            bool had_pending = scan->pending_mismatch;
            long previous_row = scan->pending_row;

            scan->pending_mismatch = true;
            scan->pending_row = teslafi_row_number(scan->reader);
            if (!had_pending)
                continue;
            import_row_column_mismatch(previous_row, row);
            return IMPORT_SCAN_ROW;
        }

        if (scan->pending_mismatch) {
            scan->holding_row = true;
            return report_pending_mismatch(scan, row);
        }
        return map_current(scan, row);
    }
}
