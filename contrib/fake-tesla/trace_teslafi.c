/* Loading TeslaFi CSV exports into trace rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "trace_internal.h"

/* Rejected rows logged one by one per file; the rest are only counted. */
#define REJECTIONS_LOGGED_PER_FILE 20

/* At most this many field names in one rejection message, as TeslaMate's
 * rejection records keep. */
#define REJECTED_FIELDS_MAX 8

struct file_counts {
    size_t kept[VEHICLE_STATE_COUNT];
    size_t unknown_state;
    size_t without_coordinates;
    size_t rejected;
};

/* A row read from the file whose local Date is not resolved yet. */
struct pending_row {
    struct teslafi_local_time local;
    struct trace_row row;
};

struct file_load {
    struct trace_builder *builder;
    struct teslafi_reader *reader;
    const char *path;
    uint32_t source;
    int date_column;
    int state_column;
    int latitude_column;
    int longitude_column;
    int *field_columns;             /* reader column of each layout field */
    struct pending_row *pending;
    size_t pending_count;
    size_t pending_capacity;
    struct file_counts counts;
};

/* ---- Layout ------------------------------------------------------------ */

struct layout_entry {
    struct trace_field field;
    int column;
};

static int compare_layout_entries(const void *left, const void *right)
{
    const struct layout_entry *a = left, *b = right;

    if (a->field.section != b->field.section)
        return a->field.section < b->field.section ? -1 : 1;
    return strcmp(a->field.name, b->field.name);
}

/* The API fields this file provides (top-level identity fields come from
 * the configuration, so they are left out), sorted for output. */
static bool build_layout(struct file_load *load, struct trace_error *error)
{
    size_t columns = teslafi_column_count(load->reader);
    struct layout_entry *entries = calloc(columns + 1, sizeof(*entries));
    struct trace_layout *layout = &load->builder->trace->layouts[load->source];
    size_t count = 0;

    load->field_columns = calloc(columns + 1, sizeof(*load->field_columns));
    if (entries == NULL || load->field_columns == NULL) {
        free(entries);
        trace_error_set(error, "%s: out of memory", load->path);
        return false;
    }
    for (size_t i = 0; i < columns; i++) {
        const char *name = teslafi_column_name(load->reader, i);
        enum teslafi_section section = teslafi_column_section(name);
        if (!teslafi_column_is_effective(load->reader, i) || section == TESLAFI_SECTION_NONE ||
            section == TESLAFI_SECTION_TOP)
            continue;
        entries[count++] = (struct layout_entry){
            .field = {.name = arena_strdup(load->builder->arena, name), .section = section},
            .column = (int)i};
    }
    qsort(entries, count, sizeof(*entries), compare_layout_entries);

    layout->fields = arena_alloc(load->builder->arena, (count + 1) * sizeof(*layout->fields));
    bool ok = layout->fields != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        ok = entries[i].field.name != NULL;
        layout->fields[i] = entries[i].field;
        load->field_columns[i] = entries[i].column;
    }
    layout->field_count = count;
    free(entries);
    if (!ok)
        trace_error_set(error, "%s: out of memory", load->path);
    return ok;
}

static bool find_required_columns(struct file_load *load, struct trace_error *error)
{
    load->date_column = teslafi_column_index(load->reader, "Date");
    load->state_column = teslafi_column_index(load->reader, "state");
    load->latitude_column = teslafi_column_index(load->reader, "latitude");
    load->longitude_column = teslafi_column_index(load->reader, "longitude");

    if (load->date_column < 0 || load->state_column < 0) {
        trace_error_set(error,
                        "%s: not a TeslaFi export: the header (line 1) has no \"%s\" column; "
                        "expected a header naming the columns, such as Date,state,latitude,...",
                        load->path, load->date_column < 0 ? "Date" : "state");
        return false;
    }
    return true;
}

/* ---- Cells ------------------------------------------------------------- */

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *text)
{
    const char *p = text;

    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        if (*++p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static bool make_cell(struct arena *arena, const struct teslafi_value *value,
                      struct trace_cell *cell)
{
    char number[40];

    switch (value->kind) {
    case TESLAFI_VALUE_NULL:
        *cell = (struct trace_cell){.kind = CELL_NULL};
        return true;
    case TESLAFI_VALUE_BOOLEAN:
        *cell = (struct trace_cell){.kind = CELL_BOOLEAN, .boolean = value->boolean};
        return true;
    case TESLAFI_VALUE_INTEGER:
        snprintf(number, sizeof(number), "%lld", (long long)value->integer);
        *cell = (struct trace_cell){.kind = CELL_NUMBER, .text = arena_strdup(arena, number)};
        return cell->text != NULL;
    case TESLAFI_VALUE_FLOAT:
        /* Keep the recorded literal ("0.0", "13927.07505") when JSON accepts it. */
        if (is_json_number(value->text))
            snprintf(number, sizeof(number), "%s", value->text);
        else
            snprintf(number, sizeof(number), "%.17g", value->number);
        *cell = (struct trace_cell){.kind = CELL_NUMBER, .text = arena_strdup(arena, number)};
        return cell->text != NULL;
    case TESLAFI_VALUE_TEXT:
    case TESLAFI_VALUE_KIND_COUNT:
        break;
    }
    *cell = (struct trace_cell){.kind = CELL_TEXT, .text = arena_strdup(arena, value->text)};
    return cell->text != NULL;
}

static const struct trace_cell *copy_cells(struct file_load *load)
{
    const struct trace_layout *layout = &load->builder->trace->layouts[load->source];
    struct trace_cell *cells =
        arena_alloc(load->builder->arena, (layout->field_count + 1) * sizeof(*cells));

    for (size_t i = 0; cells != NULL && i < layout->field_count; i++) {
        const char *cell = teslafi_cell(load->reader, load->field_columns[i]);
        struct teslafi_value value = teslafi_convert(layout->fields[i].name, cell);
        if (!make_cell(load->builder->arena, &value, &cells[i]))
            return NULL;
    }
    return cells;
}

/* ---- Row checks -------------------------------------------------------- */

static void log_rejection(struct file_load *load, const char *reason)
{
    load->counts.rejected++;
    if (load->counts.rejected <= REJECTIONS_LOGGED_PER_FILE)
        log_warning("trace %s: row %ld skipped: %s", load->path,
                    teslafi_row_number(load->reader), reason);
    if (load->counts.rejected == REJECTIONS_LOGGED_PER_FILE + 1)
        log_warning("trace %s: more rows skipped; only the total is reported from here on",
                    load->path);
}

static int compare_names(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

/* Lists the fields whose values have the wrong type, by their API path
 * ("drive_state.latitude"), sorted; an empty list means the row passes. */
static void invalid_fields(struct file_load *load, char *out, size_t size)
{
    char names[REJECTED_FIELDS_MAX][96];
    char *sorted[REJECTED_FIELDS_MAX];
    size_t count = 0, used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < teslafi_column_count(load->reader) && count < REJECTED_FIELDS_MAX;
         i++) {
        const char *column = teslafi_column_name(load->reader, i);
        struct teslafi_value value = teslafi_convert(column, teslafi_cell(load->reader, (int)i));
        if (!teslafi_column_is_effective(load->reader, i) ||
            teslafi_value_type_is_valid(column, &value))
            continue;
        const char *section = teslafi_section_name(teslafi_column_section(column));
        snprintf(names[count], sizeof(names[count]), "%s%s%s", section,
                 section[0] != '\0' ? "." : "", column);
        sorted[count] = names[count];
        count++;
    }
    qsort(sorted, count, sizeof(sorted[0]), compare_names);
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "", sorted[i]);
}

static bool cell_is_null(struct file_load *load, int column, const char *name)
{
    return teslafi_convert(name, teslafi_cell(load->reader, column)).kind == TESLAFI_VALUE_NULL;
}

/* Decides the state of a row: false when the row is dropped. */
static bool row_state(struct file_load *load, enum vehicle_state *state)
{
    struct teslafi_value value =
        teslafi_convert("state", teslafi_cell(load->reader, load->state_column));

    if (value.kind != TESLAFI_VALUE_TEXT || strcmp(value.text, "unknown") == 0) {
        load->counts.unknown_state++;
        return false;
    }
    for (int i = 0; i < VEHICLE_STATE_COUNT; i++) {
        if (strcmp(value.text, vehicle_state_name((enum vehicle_state)i)) == 0)
            *state = (enum vehicle_state)i;
        else
            continue;
        if (*state == VEHICLE_STATE_ONLINE &&
            (cell_is_null(load, load->latitude_column, "latitude") ||
             cell_is_null(load, load->longitude_column, "longitude"))) {
            load->counts.without_coordinates++;
            return false;
        }
        return true;
    }
    load->counts.unknown_state++;
    return false;
}

/* ---- Identity ---------------------------------------------------------- */

static void remember_identity(struct file_load *load)
{
    struct trace_identity *identity = &load->builder->trace->identity;
    struct arena *arena = load->builder->arena;
    const char *text;
    int64_t number;

    if (identity->vin == NULL && teslafi_get_text(load->reader, "vin", &text))
        identity->vin = arena_strdup(arena, text);
    if (!identity->has_vehicle_id && teslafi_get_int64(load->reader, "vehicle_id", &number)) {
        identity->has_vehicle_id = true;
        identity->vehicle_id = number;
    }
    if (identity->display_name == NULL &&
        (teslafi_get_text(load->reader, "vehicle_name", &text) ||
         teslafi_get_text(load->reader, "display_name", &text)))
        identity->display_name = arena_strdup(arena, text);

    struct teslafi_value api_version = teslafi_value(load->reader, "api_version");
    if (identity->api_version == NULL && api_version.kind != TESLAFI_VALUE_NULL) {
        struct trace_cell *cell = arena_alloc(arena, sizeof(*cell));
        if (cell != NULL && make_cell(arena, &api_version, cell))
            identity->api_version = cell;
    }
}

/* ---- Rows -------------------------------------------------------------- */

static bool add_pending(struct file_load *load, const struct pending_row *row)
{
    if (load->pending_count == load->pending_capacity) {
        size_t capacity = load->pending_capacity == 0 ? 1024 : load->pending_capacity * 2;
        struct pending_row *grown = realloc(load->pending, capacity * sizeof(*grown));
        if (grown == NULL)
            return false;
        load->pending = grown;
        load->pending_capacity = capacity;
    }
    load->pending[load->pending_count++] = *row;
    return true;
}

/* Checks and converts the current record; false only on out of memory. */
static bool read_row(struct file_load *load, struct trace_error *error)
{
    struct pending_row pending = {
        .row = {.source = load->source, .source_line = teslafi_row_number(load->reader)}};
    char fields[512];

    if (!teslafi_parse_date(teslafi_cell(load->reader, load->date_column), &pending.local)) {
        log_rejection(load, "invalid Date (expected YYYY-M-D H:M:S, M/D/YYYY h:M:S AM|PM or "
                            "M/D/YYYY H:M)");
        return true;
    }
    invalid_fields(load, fields, sizeof(fields));
    if (fields[0] != '\0') {
        char reason[600];
        snprintf(reason, sizeof(reason), "invalid field types: %s", fields);
        log_rejection(load, reason);
        return true;
    }
    if (!row_state(load, &pending.row.state))
        return true;

    remember_identity(load);
    if (pending.row.state == VEHICLE_STATE_ONLINE) {
        pending.row.cells = copy_cells(load);
        if (pending.row.cells == NULL) {
            trace_error_set(error, "%s: row %ld: out of memory", load->path,
                            pending.row.source_line);
            return false;
        }
    }
    if (!add_pending(load, &pending)) {
        trace_error_set(error, "%s: out of memory", load->path);
        return false;
    }
    return true;
}

static bool read_rows(struct file_load *load, struct trace_error *error)
{
    struct teslafi_error read_error;

    for (;;) {
        switch (teslafi_next_row(load->reader, &read_error)) {
        case TESLAFI_READ_ROW:
            if (!read_row(load, error))
                return false;
            break;
        case TESLAFI_READ_COLUMN_MISMATCH:
            log_rejection(load, read_error.message);
            break;
        case TESLAFI_READ_SYNTAX_ERROR:
            trace_error_set(error, "%s", read_error.message);
            return false;
        case TESLAFI_READ_END:
        case TESLAFI_READ_STATUS_COUNT:
            return true;
        }
    }
}

/* Resolves the local dates in one pass and appends the rows that have a
 * single UTC instant. */
static bool resolve_and_add(struct file_load *load, const char *zone, struct trace_error *error)
{
    size_t count = load->pending_count;
    struct teslafi_local_time *locals = calloc(count + 1, sizeof(*locals));
    int64_t *times_ms = calloc(count + 1, sizeof(*times_ms));
    enum teslafi_time_status *statuses = calloc(count + 1, sizeof(*statuses));
    bool ok = locals != NULL && times_ms != NULL && statuses != NULL;

    for (size_t i = 0; ok && i < count; i++)
        locals[i] = load->pending[i].local;
    if (ok)
        teslafi_local_times_to_utc_ms(zone, locals, count, times_ms, statuses);

    for (size_t i = 0; ok && i < count; i++) {
        struct trace_row *row = &load->pending[i].row;
        if (statuses[i] != TESLAFI_TIME_OK) {
            load->counts.rejected++;
            log_warning("trace %s: row %ld skipped: %s in %s", load->path, row->source_line,
                        teslafi_time_status_name(statuses[i]), zone);
            continue;
        }
        row->timestamp_ms = times_ms[i];
        load->counts.kept[row->state]++;
        ok = trace_builder_add_row(load->builder, row);
    }
    if (!ok)
        trace_error_set(error, "%s: out of memory", load->path);
    free(locals);
    free(times_ms);
    free(statuses);
    return ok;
}

static void log_counts(const struct file_load *load, const char *zone)
{
    const struct file_counts *counts = &load->counts;
    size_t kept = counts->kept[VEHICLE_STATE_ONLINE] + counts->kept[VEHICLE_STATE_ASLEEP] +
                  counts->kept[VEHICLE_STATE_OFFLINE];

    log_info("trace %s (Date in %s): %zu rows kept (%zu online, %zu asleep, %zu offline); "
             "dropped %zu with no known state and %zu online without coordinates; skipped %zu "
             "invalid",
             load->path, zone, kept, counts->kept[VEHICLE_STATE_ONLINE],
             counts->kept[VEHICLE_STATE_ASLEEP], counts->kept[VEHICLE_STATE_OFFLINE],
             counts->unknown_state, counts->without_coordinates, counts->rejected);
}

bool trace_load_teslafi_file(struct trace_builder *builder, uint32_t source, const char *zone,
                             struct trace_error *error)
{
    struct file_load load = {
        .builder = builder, .source = source, .path = builder->trace->sources[source]};
    struct teslafi_error open_error;
    bool ok;

    if (!teslafi_zone_is_known(zone)) {
        trace_error_set(error, "%s: unknown time zone \"%s\"; use a tz database name such as "
                               "America/Los_Angeles or UTC", load.path, zone);
        return false;
    }
    load.reader = teslafi_open_file(load.path, &open_error);
    if (load.reader == NULL) {
        trace_error_set(error, "%s", open_error.message);
        return false;
    }

    ok = find_required_columns(&load, error) && build_layout(&load, error) &&
         read_rows(&load, error) && resolve_and_add(&load, zone, error);
    if (ok)
        log_counts(&load, zone);

    teslafi_close(load.reader);
    free(load.field_columns);
    free(load.pending);
    return ok;
}
