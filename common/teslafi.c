#include "teslafi.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct teslafi_reader {
    char name[256];
    char *data;
    size_t size;
    size_t position;

    char *header_storage;
    const char **columns;
    size_t column_count;

    /* The current record: fields are NUL-terminated strings in `record`. */
    char *record;
    size_t record_length;
    size_t record_capacity;
    size_t *field_offsets;
    const char **fields;
    size_t field_count;
    size_t field_capacity;

    long row_number;
    bool failed;
};

static const char *const read_status_names[TESLAFI_READ_STATUS_COUNT] = {
    [TESLAFI_READ_ROW] = "row",
    [TESLAFI_READ_END] = "end",
    [TESLAFI_READ_COLUMN_MISMATCH] = "column count mismatch",
    [TESLAFI_READ_SYNTAX_ERROR] = "syntax error",
};

_Static_assert(sizeof(read_status_names) / sizeof(read_status_names[0]) ==
                   TESLAFI_READ_STATUS_COUNT,
               "read_status_names must name every read status");

static const char *const value_kind_names[TESLAFI_VALUE_KIND_COUNT] = {
    [TESLAFI_VALUE_NULL] = "null",
    [TESLAFI_VALUE_BOOLEAN] = "boolean",
    [TESLAFI_VALUE_INTEGER] = "integer",
    [TESLAFI_VALUE_FLOAT] = "float",
    [TESLAFI_VALUE_TEXT] = "text",
};

_Static_assert(sizeof(value_kind_names) / sizeof(value_kind_names[0]) ==
                   TESLAFI_VALUE_KIND_COUNT,
               "value_kind_names must name every value kind");

static const char *const time_status_names[TESLAFI_TIME_STATUS_COUNT] = {
    [TESLAFI_TIME_OK] = "ok",
    [TESLAFI_TIME_AMBIGUOUS] = "ambiguous local time",
    [TESLAFI_TIME_NONEXISTENT] = "nonexistent local time",
    [TESLAFI_TIME_INVALID_ZONE] = "invalid time zone",
};

_Static_assert(sizeof(time_status_names) / sizeof(time_status_names[0]) ==
                   TESLAFI_TIME_STATUS_COUNT,
               "time_status_names must name every time status");

const char *teslafi_read_status_name(enum teslafi_read_status status)
{
    if (status < 0 || status >= TESLAFI_READ_STATUS_COUNT)
        return "unknown";
    return read_status_names[status];
}

const char *teslafi_value_kind_name(enum teslafi_value_kind kind)
{
    if (kind < 0 || kind >= TESLAFI_VALUE_KIND_COUNT)
        return "unknown";
    return value_kind_names[kind];
}

const char *teslafi_time_status_name(enum teslafi_time_status status)
{
    if (status < 0 || status >= TESLAFI_TIME_STATUS_COUNT)
        return "unknown";
    return time_status_names[status];
}

static void set_error(struct teslafi_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct teslafi_error *error, const char *format, ...)
{
    va_list args;

    if (error == NULL)
        return;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
}

/* ---- Records ----------------------------------------------------------- */

enum record_result {
    RECORD_FIELDS,
    RECORD_BLANK,
    RECORD_END,
    RECORD_SYNTAX_ERROR,
    RECORD_NO_MEMORY,
};

static bool append_byte(struct teslafi_reader *reader, char byte)
{
    if (reader->record_length == reader->record_capacity) {
        size_t capacity = reader->record_capacity == 0 ? 4096 : reader->record_capacity * 2;
        char *grown = realloc(reader->record, capacity);
        if (grown == NULL)
            return false;
        reader->record = grown;
        reader->record_capacity = capacity;
    }
    reader->record[reader->record_length++] = byte;
    return true;
}

static bool start_field(struct teslafi_reader *reader)
{
    if (reader->field_count == reader->field_capacity) {
        size_t capacity = reader->field_capacity == 0 ? 64 : reader->field_capacity * 2;
        size_t *offsets = realloc(reader->field_offsets, capacity * sizeof(*offsets));
        if (offsets == NULL)
            return false;
        reader->field_offsets = offsets;
        const char **fields = realloc(reader->fields, capacity * sizeof(*fields));
        if (fields == NULL)
            return false;
        reader->fields = fields;
        reader->field_capacity = capacity;
    }
    reader->field_offsets[reader->field_count++] = reader->record_length;
    return true;
}

static bool at_line_end(const struct teslafi_reader *reader)
{
    size_t position = reader->position;

    if (position >= reader->size || reader->data[position] == '\n')
        return true;
    return reader->data[position] == '\r' && position + 1 < reader->size &&
           reader->data[position + 1] == '\n';
}

/* Reads a quoted field after its opening quote. */
static enum record_result read_quoted(struct teslafi_reader *reader, struct teslafi_error *error)
{
    for (;;) {
        if (reader->position >= reader->size) {
            set_error(error, "%s: row %ld: a quoted field is not terminated", reader->name,
                      reader->row_number);
            return RECORD_SYNTAX_ERROR;
        }
        char byte = reader->data[reader->position++];
        if (byte == '"') {
            if (reader->position < reader->size && reader->data[reader->position] == '"') {
                reader->position++;
            } else {
                break;
            }
        }
        if (!append_byte(reader, byte))
            return RECORD_NO_MEMORY;
    }

    if (!at_line_end(reader) && reader->data[reader->position] != ',') {
        set_error(error, "%s: row %ld: text follows a closing quote", reader->name,
                  reader->row_number);
        return RECORD_SYNTAX_ERROR;
    }
    return RECORD_FIELDS;
}

static enum record_result read_unquoted(struct teslafi_reader *reader)
{
    while (!at_line_end(reader) && reader->data[reader->position] != ',') {
        if (!append_byte(reader, reader->data[reader->position++]))
            return RECORD_NO_MEMORY;
    }
    return RECORD_FIELDS;
}

static void skip_line_end(struct teslafi_reader *reader)
{
    if (reader->position < reader->size && reader->data[reader->position] == '\r')
        reader->position++;
    if (reader->position < reader->size && reader->data[reader->position] == '\n')
        reader->position++;
}

static void publish_fields(struct teslafi_reader *reader)
{
    for (size_t i = 0; i < reader->field_count; i++)
        reader->fields[i] = reader->record + reader->field_offsets[i];
}

static enum record_result read_record(struct teslafi_reader *reader, struct teslafi_error *error)
{
    bool quoted_seen = false;

    if (reader->position >= reader->size)
        return RECORD_END;

    reader->row_number++;
    reader->record_length = 0;
    reader->field_count = 0;

    for (;;) {
        enum record_result result;

        if (!start_field(reader))
            return RECORD_NO_MEMORY;
        if (reader->position < reader->size && reader->data[reader->position] == '"') {
            reader->position++;
            quoted_seen = true;
            result = read_quoted(reader, error);
        } else {
            result = read_unquoted(reader);
        }
        if (result != RECORD_FIELDS)
            return result;
        if (!append_byte(reader, '\0'))
            return RECORD_NO_MEMORY;

        if (reader->position < reader->size && reader->data[reader->position] == ',') {
            reader->position++;
            continue;
        }
        skip_line_end(reader);
        break;
    }

    publish_fields(reader);
    if (reader->field_count == 1 && reader->fields[0][0] == '\0' && !quoted_seen)
        return RECORD_BLANK;
    return RECORD_FIELDS;
}

/* ---- Opening ----------------------------------------------------------- */

static bool copy_header(struct teslafi_reader *reader)
{
    reader->column_count = reader->field_count;
    reader->header_storage = malloc(reader->record_length + 1);
    reader->columns = calloc(reader->column_count + 1, sizeof(*reader->columns));
    if (reader->header_storage == NULL || reader->columns == NULL)
        return false;

    memcpy(reader->header_storage, reader->record, reader->record_length);
    for (size_t i = 0; i < reader->column_count; i++)
        reader->columns[i] = reader->header_storage + reader->field_offsets[i];
    return true;
}

static bool read_header(struct teslafi_reader *reader, struct teslafi_error *error)
{
    enum record_result result = read_record(reader, error);

    if (result == RECORD_END)
        return true;
    if (result == RECORD_SYNTAX_ERROR)
        return false;
    if (result == RECORD_NO_MEMORY || !copy_header(reader)) {
        set_error(error, "%s: out of memory reading the header", reader->name);
        return false;
    }

    if (reader->column_count == 1 && reader->position < reader->size) {
        set_error(error,
                  "%s: the header has a single column but data rows follow; "
                  "expected a comma-separated TeslaFi export (was it saved with ';'?)",
                  reader->name);
        return false;
    }
    return true;
}

struct teslafi_reader *teslafi_open_buffer(const char *name, const char *data, size_t size,
                                           struct teslafi_error *error)
{
    static const char bom[] = "\xEF\xBB\xBF";
    struct teslafi_reader *reader = calloc(1, sizeof(*reader));

    if (reader == NULL) {
        set_error(error, "%s: out of memory", name);
        return NULL;
    }
    snprintf(reader->name, sizeof(reader->name), "%s", name);

    if (size >= 3 && memcmp(data, bom, 3) == 0) {
        data += 3;
        size -= 3;
    }
    reader->data = malloc(size + 1);
    if (reader->data == NULL) {
        set_error(error, "%s: out of memory for %zu bytes", name, size);
        teslafi_close(reader);
        return NULL;
    }
    memcpy(reader->data, data, size);
    reader->data[size] = '\0';
    reader->size = size;

    if (!read_header(reader, error)) {
        teslafi_close(reader);
        return NULL;
    }
    return reader;
}

static char *read_whole_file(const char *path, size_t *size, struct teslafi_error *error)
{
    struct stat info;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        set_error(error, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        set_error(error, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }

    char *data = malloc((size_t)info.st_size + 1);
    size_t used = 0;
    while (data != NULL && used < (size_t)info.st_size) {
        ssize_t count = read(fd, data + used, (size_t)info.st_size - used);
        if (count <= 0) {
            set_error(error, "%s: read failed: %s", path, count < 0 ? strerror(errno) : "file shrank");
            free(data);
            close(fd);
            return NULL;
        }
        used += (size_t)count;
    }
    close(fd);
    if (data == NULL)
        set_error(error, "%s: out of memory", path);
    *size = used;
    return data;
}

struct teslafi_reader *teslafi_open_file(const char *path, struct teslafi_error *error)
{
    size_t size = 0;
    char *data = read_whole_file(path, &size, error);

    if (data == NULL)
        return NULL;

    struct teslafi_reader *reader = teslafi_open_buffer(path, data, size, error);
    free(data);
    return reader;
}

void teslafi_close(struct teslafi_reader *reader)
{
    if (reader == NULL)
        return;
    free(reader->data);
    free(reader->header_storage);
    free(reader->columns);
    free(reader->record);
    free(reader->field_offsets);
    free(reader->fields);
    free(reader);
}

enum teslafi_read_status teslafi_next_row(struct teslafi_reader *reader,
                                          struct teslafi_error *error)
{
    if (reader->failed) {
        set_error(error, "%s: reading stopped at an earlier syntax error", reader->name);
        return TESLAFI_READ_SYNTAX_ERROR;
    }

    for (;;) {
        enum record_result result = read_record(reader, error);

        switch (result) {
        case RECORD_BLANK:
            continue;
        case RECORD_END:
            return TESLAFI_READ_END;
        case RECORD_NO_MEMORY:
            set_error(error, "%s: row %ld: out of memory", reader->name, reader->row_number);
            reader->failed = true;
            return TESLAFI_READ_SYNTAX_ERROR;
        case RECORD_SYNTAX_ERROR:
            reader->failed = true;
            return TESLAFI_READ_SYNTAX_ERROR;
        case RECORD_FIELDS:
            break;
        }
        if (reader->field_count != reader->column_count) {
            set_error(error, "%s: row %ld has %zu fields, the header has %zu", reader->name,
                      reader->row_number, reader->field_count, reader->column_count);
            return TESLAFI_READ_COLUMN_MISMATCH;
        }
        return TESLAFI_READ_ROW;
    }
}

long teslafi_row_number(const struct teslafi_reader *reader)
{
    return reader->row_number;
}

size_t teslafi_row_field_count(const struct teslafi_reader *reader)
{
    return reader->field_count;
}

size_t teslafi_column_count(const struct teslafi_reader *reader)
{
    return reader->column_count;
}

const char *teslafi_column_name(const struct teslafi_reader *reader, size_t column)
{
    return column < reader->column_count ? reader->columns[column] : NULL;
}

int teslafi_column_index(const struct teslafi_reader *reader, const char *name)
{
    for (size_t i = reader->column_count; i > 0; i--) {
        if (strcmp(reader->columns[i - 1], name) == 0)
            return (int)(i - 1);
    }
    return -1;
}

bool teslafi_column_is_effective(const struct teslafi_reader *reader, size_t column)
{
    if (column >= reader->column_count)
        return false;
    return teslafi_column_index(reader, reader->columns[column]) == (int)column;
}

const char *teslafi_cell(const struct teslafi_reader *reader, int column)
{
    if (column < 0 || (size_t)column >= reader->column_count ||
        (size_t)column >= reader->field_count)
        return NULL;
    return reader->fields[column];
}

/* ---- Values ------------------------------------------------------------ */

static bool is_null_text(const char *text)
{
    return text[0] == '\0' || strcmp(text, "None") == 0 || strcmp(text, "none") == 0;
}

/* 1 for true, 0 for false, -1 for neither. */
static int boolean_text(const char *text)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0)
        return 1;
    if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0)
        return 0;
    return -1;
}

static const char *skip_digits(const char *p)
{
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

/* A whole-string integer with an optional sign. */
static bool is_integer_text(const char *text)
{
    const char *p = text;

    if (*p == '+' || *p == '-')
        p++;
    const char *digits = p;
    p = skip_digits(p);
    return p > digits && *p == '\0';
}

/* A whole-string decimal or exponent literal: sign, digits, then a
 * fraction, an exponent or both. A leading "." is not a number. */
static bool is_float_text(const char *text)
{
    const char *p = text;
    bool fraction = false, exponent = false;

    if (*p == '+' || *p == '-')
        p++;
    const char *digits = p;
    p = skip_digits(p);
    if (p == digits)
        return false;
    if (*p == '.') {
        const char *fraction_digits = ++p;
        p = skip_digits(p);
        if (p == fraction_digits)
            return false;
        fraction = true;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        const char *exponent_digits = p;
        p = skip_digits(p);
        if (p == exponent_digits)
            return false;
        exponent = true;
    }
    return *p == '\0' && (fraction || exponent);
}

static struct teslafi_value make_null(void)
{
    return (struct teslafi_value){.kind = TESLAFI_VALUE_NULL};
}

static struct teslafi_value make_text(const char *text)
{
    return (struct teslafi_value){.kind = TESLAFI_VALUE_TEXT, .text = text};
}

static struct teslafi_value make_boolean(bool value, const char *text)
{
    return (struct teslafi_value){.kind = TESLAFI_VALUE_BOOLEAN, .boolean = value, .text = text};
}

static struct teslafi_value make_integer(int64_t value, const char *text)
{
    return (struct teslafi_value){
        .kind = TESLAFI_VALUE_INTEGER, .integer = value, .number = (double)value, .text = text};
}

static struct teslafi_value make_float(const char *text)
{
    return (struct teslafi_value){
        .kind = TESLAFI_VALUE_FLOAT, .number = strtod(text, NULL), .text = text};
}

/* Rule 8: integer, float literal or text. An integer too large for int64
 * is kept as a float. */
static struct teslafi_value convert_generic(const char *text)
{
    if (is_integer_text(text)) {
        errno = 0;
        long long value = strtoll(text, NULL, 10);
        if (errno == ERANGE)
            return make_float(text);
        return make_integer(value, text);
    }
    if (is_float_text(text))
        return make_float(text);
    return make_text(text);
}

static bool is_boolean_column(const char *column)
{
    static const char *const names[] = {
        "battery_heater_on", "fast_charger_present", "not_enough_power_to_heat",
        "battery_heater", "battery_heater_no_power", "is_climate_on",
        "is_front_defroster_on", "is_rear_defroster_on",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(column, names[i]) == 0)
            return true;
    }
    return false;
}

static bool is_level_column(const char *column)
{
    return strcmp(column, "battery_level") == 0 || strcmp(column, "usable_battery_level") == 0;
}

static struct teslafi_value convert_level(const char *text)
{
    if (is_integer_text(text) || is_float_text(text)) {
        double value = strtod(text, NULL);
        if (value > -9.0e18 && value < 9.0e18)
            return make_integer((int64_t)llround(value), text);
    }
    return make_text(text);
}

struct teslafi_value teslafi_convert(const char *column, const char *cell)
{
    if (cell == NULL || strcmp(column, "scheduled_charging_start_time") == 0)
        return make_null();
    if (is_null_text(cell))
        return make_null();

    int boolean = boolean_text(cell);
    if (boolean >= 0)
        return make_boolean(boolean == 1, cell);

    if (strcmp(column, "display_name") == 0 || strcmp(column, "vehicle_name") == 0)
        return make_text(cell);
    if (strcmp(column, "state") == 0 &&
        (strcmp(cell, "waking") == 0 || strcmp(cell, "shutdown") == 0))
        return make_text("online");
    if (is_level_column(column))
        return convert_level(cell);
    if (is_boolean_column(column) && is_integer_text(cell))
        return make_boolean(strtoll(cell, NULL, 10) != 0, cell);
    return convert_generic(cell);
}

struct teslafi_value teslafi_value(const struct teslafi_reader *reader, const char *column)
{
    return teslafi_convert(column, teslafi_cell(reader, teslafi_column_index(reader, column)));
}

bool teslafi_get_text(const struct teslafi_reader *reader, const char *column, const char **out)
{
    struct teslafi_value value = teslafi_value(reader, column);

    if (value.kind != TESLAFI_VALUE_TEXT)
        return false;
    *out = value.text;
    return true;
}

bool teslafi_get_int64(const struct teslafi_reader *reader, const char *column, int64_t *out)
{
    struct teslafi_value value = teslafi_value(reader, column);

    if (value.kind != TESLAFI_VALUE_INTEGER)
        return false;
    *out = value.integer;
    return true;
}

bool teslafi_get_double(const struct teslafi_reader *reader, const char *column, double *out)
{
    struct teslafi_value value = teslafi_value(reader, column);

    if (value.kind != TESLAFI_VALUE_INTEGER && value.kind != TESLAFI_VALUE_FLOAT)
        return false;
    *out = value.number;
    return true;
}

bool teslafi_get_bool(const struct teslafi_reader *reader, const char *column, bool *out)
{
    struct teslafi_value value = teslafi_value(reader, column);

    if (value.kind != TESLAFI_VALUE_BOOLEAN)
        return false;
    *out = value.boolean;
    return true;
}

/* ---- Dates ------------------------------------------------------------- */

/* Reads min..max decimal digits. */
static bool scan_number(const char **cursor, int min_digits, int max_digits, int *out)
{
    const char *p = *cursor;
    int value = 0, digits = 0;

    while (*p >= '0' && *p <= '9' && digits < max_digits) {
        value = value * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits < min_digits || (*p >= '0' && *p <= '9'))
        return false;
    *out = value;
    *cursor = p;
    return true;
}

static bool scan_literal(const char **cursor, const char *literal)
{
    size_t length = strlen(literal);

    if (strncmp(*cursor, literal, length) != 0)
        return false;
    *cursor += length;
    return true;
}

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month == 2 && is_leap_year(year))
        return 29;
    return days[month - 1];
}

static bool local_time_is_valid(const struct teslafi_local_time *time)
{
    if (time->month < 1 || time->month > 12 || time->day < 1)
        return false;
    if (time->day > days_in_month(time->year, time->month))
        return false;
    return time->hour <= 23 && time->minute <= 59 && time->second <= 59;
}

/* "YYYY-M-D H:M:S" */
static bool parse_iso_shape(const char *p, struct teslafi_local_time *out)
{
    return scan_number(&p, 4, 4, &out->year) && scan_literal(&p, "-") &&
           scan_number(&p, 1, 2, &out->month) && scan_literal(&p, "-") &&
           scan_number(&p, 1, 2, &out->day) && scan_literal(&p, " ") &&
           scan_number(&p, 1, 2, &out->hour) && scan_literal(&p, ":") &&
           scan_number(&p, 1, 2, &out->minute) && scan_literal(&p, ":") &&
           scan_number(&p, 1, 2, &out->second) && *p == '\0';
}

/* "M/D/YYYY h:M:S AM" or "... PM" */
static bool parse_us_12_hour_shape(const char *p, struct teslafi_local_time *out)
{
    bool pm;

    if (!(scan_number(&p, 1, 2, &out->month) && scan_literal(&p, "/") &&
          scan_number(&p, 1, 2, &out->day) && scan_literal(&p, "/") &&
          scan_number(&p, 4, 4, &out->year) && scan_literal(&p, " ") &&
          scan_number(&p, 1, 2, &out->hour) && scan_literal(&p, ":") &&
          scan_number(&p, 1, 2, &out->minute) && scan_literal(&p, ":") &&
          scan_number(&p, 1, 2, &out->second) && scan_literal(&p, " ")))
        return false;

    if (scan_literal(&p, "AM"))
        pm = false;
    else if (scan_literal(&p, "PM"))
        pm = true;
    else
        return false;
    if (*p != '\0' || out->hour < 1 || out->hour > 12)
        return false;

    out->hour = out->hour % 12 + (pm ? 12 : 0);
    return true;
}

/* "M/D/YYYY H:M" */
static bool parse_us_24_hour_shape(const char *p, struct teslafi_local_time *out)
{
    out->second = 0;
    return scan_number(&p, 1, 2, &out->month) && scan_literal(&p, "/") &&
           scan_number(&p, 1, 2, &out->day) && scan_literal(&p, "/") &&
           scan_number(&p, 4, 4, &out->year) && scan_literal(&p, " ") &&
           scan_number(&p, 1, 2, &out->hour) && scan_literal(&p, ":") &&
           scan_number(&p, 1, 2, &out->minute) && *p == '\0';
}

bool teslafi_parse_date(const char *text, struct teslafi_local_time *out)
{
    struct teslafi_local_time parsed = {0};

    if (text == NULL)
        return false;
    if (!parse_iso_shape(text, &parsed) && !parse_us_12_hour_shape(text, &parsed) &&
        !parse_us_24_hour_shape(text, &parsed))
        return false;
    if (!local_time_is_valid(&parsed))
        return false;
    *out = parsed;
    return true;
}

/* ---- Time zones -------------------------------------------------------- */

bool teslafi_zone_is_known(const char *zone)
{
    const char *directory = getenv("TZDIR");
    char path[1024];
    char magic[4];

    if (zone == NULL || zone[0] == '\0' || zone[0] == '/' || strstr(zone, "..") != NULL)
        return false;
    if (directory == NULL || directory[0] == '\0')
        directory = "/usr/share/zoneinfo";
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", directory, zone) >= sizeof(path))
        return false;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t count = read(fd, magic, sizeof(magic));
    close(fd);
    return count == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static int64_t days_from_civil(int year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

    return era * 146097 + day_of_era - 719468;
}

static long offset_at(time_t instant)
{
    struct tm local;

    if (localtime_r(&instant, &local) == NULL)
        return 0;
    return local.tm_gmtoff;
}

/*
 * With TZ already set: every UTC offset the zone uses within two days of
 * the wall-clock time is a candidate; an offset is a solution when the
 * instant it gives has that offset itself.
 */
static enum teslafi_time_status resolve_in_current_zone(const struct teslafi_local_time *local,
                                                        int64_t *utc_ms)
{
    int64_t wall_s = days_from_civil(local->year, local->month, local->day) * 86400 +
                     local->hour * 3600 + local->minute * 60 + local->second;
    long offsets[5];
    size_t offset_count = 0;
    int64_t solution = 0;
    int solutions = 0;

    for (int day = -2; day <= 2; day++) {
        long offset = offset_at((time_t)(wall_s + day * 86400));
        bool seen = false;
        for (size_t i = 0; i < offset_count; i++)
            seen = seen || offsets[i] == offset;
        if (!seen)
            offsets[offset_count++] = offset;
    }

    for (size_t i = 0; i < offset_count; i++) {
        int64_t instant = wall_s - offsets[i];
        if (offset_at((time_t)instant) == offsets[i]) {
            solution = instant;
            solutions++;
        }
    }

    if (solutions == 0)
        return TESLAFI_TIME_NONEXISTENT;
    if (solutions > 1)
        return TESLAFI_TIME_AMBIGUOUS;
    *utc_ms = solution * 1000;
    return TESLAFI_TIME_OK;
}

void teslafi_local_times_to_utc_ms(const char *zone, const struct teslafi_local_time *locals,
                                   size_t count, int64_t *utc_ms,
                                   enum teslafi_time_status *statuses)
{
    char setting[1024];
    const char *previous = getenv("TZ");
    char *saved = previous != NULL ? strdup(previous) : NULL;

    if (!teslafi_zone_is_known(zone) || (previous != NULL && saved == NULL)) {
        for (size_t i = 0; i < count; i++)
            statuses[i] = TESLAFI_TIME_INVALID_ZONE;
        free(saved);
        return;
    }

    /* A leading ':' makes the C library read the zone file, never a POSIX rule. */
    snprintf(setting, sizeof(setting), ":%s", zone);
    setenv("TZ", setting, 1);
    tzset();

    for (size_t i = 0; i < count; i++)
        statuses[i] = resolve_in_current_zone(&locals[i], &utc_ms[i]);

    if (saved != NULL)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

enum teslafi_time_status teslafi_local_time_to_utc_ms(const struct teslafi_local_time *local,
                                                      const char *zone, int64_t *utc_ms)
{
    enum teslafi_time_status status;

    teslafi_local_times_to_utc_ms(zone, local, 1, utc_ms, &status);
    return status;
}

/* ---- File names -------------------------------------------------------- */

static bool parse_digits(const char *text, size_t length, int *out)
{
    int value = 0;

    if (length == 0)
        return false;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

bool teslafi_file_name_date(const char *name, int *year, int *month)
{
    static const char suffix[] = ".csv";
    static const char prefix[] = "TeslaFi";
    size_t length = strlen(name);
    int parsed_year, parsed_month;

    if (length < sizeof(suffix) - 1 || strcmp(name + length - 4, suffix) != 0)
        return false;

    const char *digits = name;
    size_t digit_count = length - 4;
    size_t month_digits = 2;
    if (strncmp(name, prefix, sizeof(prefix) - 1) == 0) {
        digits += sizeof(prefix) - 1;
        digit_count -= sizeof(prefix) - 1;
        month_digits = digit_count == 6 ? 2 : 1;
    }
    if (digit_count != month_digits + 4)
        return false;

    if (!parse_digits(digits, month_digits, &parsed_month) ||
        !parse_digits(digits + month_digits, 4, &parsed_year))
        return false;
    *year = parsed_year;
    *month = parsed_month;
    return true;
}
