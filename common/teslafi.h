/*
 * teslafi: reader for TeslaFi CSV exports and the value rules TeslaMate's
 * importer applies to them.
 *
 * Contract: a reader owns a copy of the whole file and yields one record at
 * a time; a cell pointer stays valid until the next teslafi_next_row() or
 * teslafi_close(). Columns are addressed by header name; when a name
 * appears twice the later column wins. The dialect is comma-separated with
 * double-quote quoting (a doubled quote is a literal quote, a quoted field
 * may hold commas and newlines), lines end in LF or CRLF, and a leading
 * UTF-8 byte order mark is stripped. The header is row 1; every record,
 * blank lines included, takes the next row number. Blank lines are skipped
 * silently, and a record whose field count differs from the header's is
 * reported and skipped.
 *
 * The value rules (teslafi_convert) turn a cell into null, boolean,
 * integer, float or text, with the column-specific rules of TeslaMate's
 * import (battery levels rounded, 0/1 booleans, "None" as null, ...). No
 * function logs, and nothing here knows about any caller.
 *
 * Thread safety: readers are independent. teslafi_local_time_to_utc_ms()
 * sets the TZ environment variable for the duration of the call and
 * restores it afterwards, so call it only while no other thread uses the
 * C library's local-time functions (for example before starting threads).
 */
#ifndef TENANTMATE_TESLAFI_H
#define TENANTMATE_TESLAFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct teslafi_reader;

struct teslafi_error {
    char message[256];
};

/*
 * Opens a file and reads its header. A zero-byte or header-only file opens
 * and yields no rows. Returns NULL with a message naming the file when it
 * cannot be read, when the header is one column wide but data rows follow
 * (another delimiter, such as a semicolon export), or when the header
 * record has a syntax error.
 */
struct teslafi_reader *teslafi_open_file(const char *path, struct teslafi_error *error);

/* The same for a buffer; `name` is used in messages only. The data is copied. */
struct teslafi_reader *teslafi_open_buffer(const char *name, const char *data, size_t size,
                                           struct teslafi_error *error);

void teslafi_close(struct teslafi_reader *reader);

enum teslafi_read_status {
    TESLAFI_READ_ROW,              /* a record with the header's field count */
    TESLAFI_READ_END,              /* no more records */
    TESLAFI_READ_COLUMN_MISMATCH,  /* a record with too few or too many fields; skip it */
    TESLAFI_READ_SYNTAX_ERROR,     /* an unterminated quote or text after a closing quote */
    TESLAFI_READ_STATUS_COUNT
};

const char *teslafi_read_status_name(enum teslafi_read_status status);

/* Moves to the next non-blank record. On TESLAFI_READ_SYNTAX_ERROR the
 * message names the row, and every later call returns the same status. */
enum teslafi_read_status teslafi_next_row(struct teslafi_reader *reader,
                                          struct teslafi_error *error);

/* The row number of the current record (header = 1). */
long teslafi_row_number(const struct teslafi_reader *reader);

/* The number of fields in the current record (for a column mismatch). */
size_t teslafi_row_field_count(const struct teslafi_reader *reader);

size_t teslafi_column_count(const struct teslafi_reader *reader);
const char *teslafi_column_name(const struct teslafi_reader *reader, size_t column);

/* The index of a column by exact name, or -1 when the header lacks it. */
int teslafi_column_index(const struct teslafi_reader *reader, const char *name);

/* Whether `column` is the index of the later copy of a repeated name (or
 * of a name that appears once), so iterating all columns sees each name once. */
bool teslafi_column_is_effective(const struct teslafi_reader *reader, size_t column);

/* The raw text of a cell of the current row, unquoted; NULL when the
 * column index is out of range. */
const char *teslafi_cell(const struct teslafi_reader *reader, int column);

/* ---- Values ---------------------------------------------------------- */

enum teslafi_value_kind {
    TESLAFI_VALUE_NULL,
    TESLAFI_VALUE_BOOLEAN,
    TESLAFI_VALUE_INTEGER,
    TESLAFI_VALUE_FLOAT,
    TESLAFI_VALUE_TEXT,
    TESLAFI_VALUE_KIND_COUNT
};

const char *teslafi_value_kind_name(enum teslafi_value_kind kind);

struct teslafi_value {
    enum teslafi_value_kind kind;
    bool boolean;
    int64_t integer;
    double number;          /* set for INTEGER and FLOAT */
    const char *text;       /* the cell text (for FLOAT also the literal); NULL for NULL */
};

/*
 * Converts one cell of `column` with TeslaMate's import rules, in order:
 * empty, "None" and "none" are null; True/False in any of three spellings
 * are booleans; display_name and vehicle_name stay text; state "waking"
 * and "shutdown" become "online"; scheduled_charging_start_time is always
 * null; battery_level and usable_battery_level round a number half away
 * from zero; the eight boolean columns read an integer as 0 = false and
 * anything else = true; otherwise a whole-string integer is an integer, a
 * decimal or exponent literal is a float, and anything else is text.
 * `text` points into `cell` (or at a static "online"), so it lives as long
 * as the cell does.
 */
struct teslafi_value teslafi_convert(const char *column, const char *cell);

/* Converts the current row's cell of a column; null when the header lacks it. */
struct teslafi_value teslafi_value(const struct teslafi_reader *reader, const char *column);

/* Typed accessors for the current row. Each returns false, leaving *out
 * unchanged, when the column is missing, the value is null or its kind
 * does not fit. An integer fits a double; a float does not fit an int64. */
bool teslafi_get_text(const struct teslafi_reader *reader, const char *column, const char **out);
bool teslafi_get_int64(const struct teslafi_reader *reader, const char *column, int64_t *out);
bool teslafi_get_double(const struct teslafi_reader *reader, const char *column, double *out);
bool teslafi_get_bool(const struct teslafi_reader *reader, const char *column, bool *out);

/* ---- Where a column lives in the Tesla API vehicle_data response ------- */

enum teslafi_section {
    TESLAFI_SECTION_NONE,           /* TeslaFi's own column, not an API field */
    TESLAFI_SECTION_TOP,            /* a member of `response` itself */
    TESLAFI_SECTION_CHARGE_STATE,
    TESLAFI_SECTION_CLIMATE_STATE,
    TESLAFI_SECTION_DRIVE_STATE,
    TESLAFI_SECTION_GUI_SETTINGS,
    TESLAFI_SECTION_VEHICLE_CONFIG,
    TESLAFI_SECTION_VEHICLE_STATE,
    TESLAFI_SECTION_COUNT
};

/* The JSON key of a section ("charge_state", ...); "" for NONE and TOP. */
const char *teslafi_section_name(enum teslafi_section section);

/* The API object that holds a column of that name. A name that the API
 * puts in several objects goes to the first in the order charge_state,
 * climate_state, drive_state, vehicle_config, vehicle_state, top level,
 * the order TeslaMate's importer uses. */
enum teslafi_section teslafi_column_section(const char *column);

/* Whether a converted value has the JSON type TeslaMate's importer
 * requires for that column (a null always passes; columns without a rule
 * accept anything). A failing column rejects the whole row there. */
bool teslafi_value_type_is_valid(const char *column, const struct teslafi_value *value);

/* ---- Dates and file names -------------------------------------------- */

struct teslafi_local_time {
    int year, month, day, hour, minute, second;
};

/*
 * Parses the Date column. Three whole-string shapes are accepted, tried in
 * this order: "YYYY-M-D H:M:S" (24 h), "M/D/YYYY h:M:S AM|PM" (12 h) and
 * "M/D/YYYY H:M" (24 h, seconds 0). Returns false for anything else,
 * including an empty value and an impossible calendar date.
 */
bool teslafi_parse_date(const char *text, struct teslafi_local_time *out);

enum teslafi_time_status {
    TESLAFI_TIME_OK,
    TESLAFI_TIME_AMBIGUOUS,       /* the repeated hour when daylight saving time ends */
    TESLAFI_TIME_NONEXISTENT,     /* the skipped hour when daylight saving time starts */
    TESLAFI_TIME_INVALID_ZONE,    /* not a zone of the tz database */
    TESLAFI_TIME_STATUS_COUNT
};

const char *teslafi_time_status_name(enum teslafi_time_status status);

/* Whether `zone` names a zone file of the tz database (TZDIR or
 * /usr/share/zoneinfo), such as "America/Los_Angeles" or "UTC". */
bool teslafi_zone_is_known(const char *zone);

/* Resolves a local wall-clock time in `zone` to UTC epoch milliseconds.
 * A time that maps to two instants or to none is not resolved. */
enum teslafi_time_status teslafi_local_time_to_utc_ms(const struct teslafi_local_time *local,
                                                      const char *zone, int64_t *utc_ms);

/* The same for `count` times in one zone, switching TZ once: writes
 * statuses[i], and utc_ms[i] when statuses[i] is TESLAFI_TIME_OK. */
void teslafi_local_times_to_utc_ms(const char *zone, const struct teslafi_local_time *locals,
                                   size_t count, int64_t *utc_ms,
                                   enum teslafi_time_status *statuses);

/* Reads the month and year from a TeslaFi export's file name (a base
 * name): "MMYYYY.csv", "TeslaFiMMYYYY.csv" or "TeslaFiMYYYY.csv". The
 * month is not range-checked, as in TeslaMate. False for other names. */
bool teslafi_file_name_date(const char *name, int *year, int *month);

#endif
