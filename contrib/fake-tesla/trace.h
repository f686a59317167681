/*
 * trace: recorded car data loaded into memory for replay.
 *
 * A trace is an ordered list of rows, each one recorded API observation:
 * its state (online, asleep or offline), its time in UTC epoch
 * milliseconds and, for an online row, the field values of a vehicle_data
 * response. Two sources are read:
 *
 *   - TeslaFi CSV exports (one file, a list of files, or a directory of
 *     monthly exports sorted by the month in their names). Rows are
 *     converted with TeslaMate's import rules (common/teslafi.h); the local
 *     Date column is resolved in the trace's time zone. Rows the importer
 *     would reject (bad date, repeated or skipped DST hour, a field of the
 *     wrong type, a wrong field count) are logged with file, row and field
 *     and skipped; rows it drops silently (state missing or unknown, online
 *     without coordinates) are counted and skipped.
 *   - JSON lines: one vehicle object per line, bare or as {"response": ...},
 *     each with a "state" of online, asleep or offline.
 *
 * Contract: traces are loaded before the server starts and are immutable
 * afterwards, so any thread may read them without locks. A trace cache
 * shares one loaded trace between all cars that name the same files in
 * the same format and zone; it owns the traces and frees them. Loading
 * logs one summary line per file and returns NULL with a message naming
 * the file, line or field when the input cannot be used.
 */
#ifndef FAKE_TESLA_TRACE_H
#define FAKE_TESLA_TRACE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teslafi.h"

enum vehicle_state {
    VEHICLE_STATE_ONLINE,
    VEHICLE_STATE_ASLEEP,
    VEHICLE_STATE_OFFLINE,
    VEHICLE_STATE_COUNT
};

const char *vehicle_state_name(enum vehicle_state state);

enum trace_format {
    TRACE_FORMAT_TESLAFI,
    TRACE_FORMAT_JSON_LINES,
    TRACE_FORMAT_COUNT
};

const char *trace_format_name(enum trace_format format);
bool trace_format_parse(const char *text, enum trace_format *format);

/* The format a path implies: a directory or *.csv is TeslaFi, *.jsonl,
 * *.ndjson or *.json is JSON lines. False when the name matches neither. */
bool trace_format_from_path(const char *path, enum trace_format *format);

enum cell_kind {
    CELL_NULL,
    CELL_BOOLEAN,
    CELL_NUMBER,    /* text is a valid JSON number literal */
    CELL_TEXT,
    CELL_KIND_COUNT
};

struct trace_cell {
    enum cell_kind kind;
    bool boolean;
    const char *text;
};

/* One API field that a TeslaFi file provides, in output order: by
 * section, then by name (the Owner API sorts keys the same way). */
struct trace_field {
    const char *name;
    enum teslafi_section section;
};

/* The fields of one TeslaFi source file; rows of that file have one cell
 * per field, in the same order. */
struct trace_layout {
    struct trace_field *fields;
    size_t field_count;
};

struct trace_row {
    enum vehicle_state state;
    int64_t timestamp_ms;
    uint32_t source;                    /* index into trace->sources */
    long source_line;                   /* CSV row number (header = 1) or JSON line number */
    const struct trace_cell *cells;     /* TeslaFi online rows; NULL otherwise */
    cJSON *vehicle;                     /* JSON-lines rows: the vehicle object */
};

/* Values read from the first rows that carry them; unset when none does. */
struct trace_identity {
    const char *vin;
    bool has_vehicle_id;
    int64_t vehicle_id;
    const char *display_name;
    const struct trace_cell *api_version;
};

struct trace {
    enum trace_format format;
    char **sources;                     /* file paths, in replay order */
    struct trace_layout *layouts;       /* one per source (TeslaFi only) */
    size_t source_count;
    struct trace_row *rows;
    size_t row_count;
    int64_t span_ms;                    /* last row time - first row time */
    struct trace_identity identity;
};

struct trace_cache;

struct trace_error {
    char message[512];
};

struct trace_cache *trace_cache_new(void);
void trace_cache_free(struct trace_cache *cache);

/*
 * Loads (or finds in the cache) the trace made of `paths` in order. A path
 * that is a directory expands to its TeslaFi-named files sorted by year,
 * month and name. `zone` (a tz database name) is required for TeslaFi
 * files and ignored for JSON lines.
 */
const struct trace *trace_cache_load(struct trace_cache *cache, char *const *paths, size_t count,
                                     enum trace_format format, const char *zone,
                                     struct trace_error *error);

/* "TeslaFi62016.csv:196": the base name and line of a row, for messages. */
void trace_row_source(const struct trace *trace, const struct trace_row *row, char *out,
                      size_t size);

#endif
