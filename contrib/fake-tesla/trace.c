#include "trace_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static const char *const vehicle_state_names[VEHICLE_STATE_COUNT] = {
    [VEHICLE_STATE_ONLINE] = "online",
    [VEHICLE_STATE_ASLEEP] = "asleep",
    [VEHICLE_STATE_OFFLINE] = "offline",
};

_Static_assert(sizeof(vehicle_state_names) / sizeof(vehicle_state_names[0]) ==
                   VEHICLE_STATE_COUNT,
               "vehicle_state_names must name every state");

static const char *const trace_format_names[TRACE_FORMAT_COUNT] = {
    [TRACE_FORMAT_TESLAFI] = "teslafi",
    [TRACE_FORMAT_JSON_LINES] = "jsonl",
};

_Static_assert(sizeof(trace_format_names) / sizeof(trace_format_names[0]) == TRACE_FORMAT_COUNT,
               "trace_format_names must name every format");

const char *vehicle_state_name(enum vehicle_state state)
{
    if (state < 0 || state >= VEHICLE_STATE_COUNT)
        return "unknown";
    return vehicle_state_names[state];
}

const char *trace_format_name(enum trace_format format)
{
    if (format < 0 || format >= TRACE_FORMAT_COUNT)
        return "unknown";
    return trace_format_names[format];
}

bool trace_format_parse(const char *text, enum trace_format *format)
{
    for (int i = 0; i < TRACE_FORMAT_COUNT; i++) {
        if (strcmp(text, trace_format_names[i]) == 0) {
            *format = (enum trace_format)i;
            return true;
        }
    }
    return false;
}

static bool has_suffix(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);

    return length >= suffix_length && strcasecmp(text + length - suffix_length, suffix) == 0;
}

bool trace_format_from_path(const char *path, enum trace_format *format)
{
    struct stat info;

    if ((stat(path, &info) == 0 && S_ISDIR(info.st_mode)) || has_suffix(path, ".csv")) {
        *format = TRACE_FORMAT_TESLAFI;
        return true;
    }
    if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson") || has_suffix(path, ".json")) {
        *format = TRACE_FORMAT_JSON_LINES;
        return true;
    }
    return false;
}

void trace_error_set(struct trace_error *error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
}

/* ---- Arena ------------------------------------------------------------- */

struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    _Alignas(16) char data[];
};

void *arena_alloc(struct arena *arena, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (arena->head == NULL || arena->head->size - arena->head->used < size) {
        size_t block_size = size > 65536 ? size : 65536;
        struct arena_block *block = malloc(sizeof(*block) + block_size);
        if (block == NULL)
            return NULL;
        block->next = arena->head;
        block->used = 0;
        block->size = block_size;
        arena->head = block;
    }
    void *memory = arena->head->data + arena->head->used;
    arena->head->used += size;
    return memory;
}

char *arena_strdup(struct arena *arena, const char *text)
{
    size_t length = strlen(text) + 1;
    char *copy = arena_alloc(arena, length);

    if (copy != NULL)
        memcpy(copy, text, length);
    return copy;
}

void arena_free(struct arena *arena)
{
    while (arena->head != NULL) {
        struct arena_block *next = arena->head->next;
        free(arena->head);
        arena->head = next;
    }
}

/* ---- Building ---------------------------------------------------------- */

bool trace_builder_add_row(struct trace_builder *builder, const struct trace_row *row)
{
    struct trace *trace = builder->trace;

    if (trace->row_count == builder->row_capacity) {
        size_t capacity = builder->row_capacity == 0 ? 1024 : builder->row_capacity * 2;
        struct trace_row *rows = realloc(trace->rows, capacity * sizeof(*rows));
        if (rows == NULL)
            return false;
        trace->rows = rows;
        builder->row_capacity = capacity;
    }
    trace->rows[trace->row_count++] = *row;
    return true;
}

void trace_row_source(const struct trace *trace, const struct trace_row *row, char *out,
                      size_t size)
{
    const char *path = row->source < trace->source_count ? trace->sources[row->source] : "?";
    const char *slash = strrchr(path, '/');

    snprintf(out, size, "%s:%ld", slash != NULL ? slash + 1 : path, row->source_line);
}

/* ---- JSON lines -------------------------------------------------------- */

static char *read_text_file(const char *path, size_t *size, struct trace_error *error)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    size_t used = 0, capacity = 0;

    if (file == NULL) {
        trace_error_set(error, "%s: cannot open trace: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (capacity - used < 65536) {
            capacity = capacity == 0 ? 131072 : capacity * 2;
            char *grown = realloc(data, capacity + 1);
            if (grown == NULL) {
                trace_error_set(error, "%s: out of memory", path);
                free(data);
                fclose(file);
                return NULL;
            }
            data = grown;
        }
        size_t count = fread(data + used, 1, capacity - used, file);
        used += count;
        if (count == 0)
            break;
    }
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        trace_error_set(error, "%s: read failed", path);
        free(data);
        return NULL;
    }
    data[used] = '\0';
    *size = used;
    return data;
}

static bool state_from_text(const char *text, enum vehicle_state *state)
{
    for (int i = 0; i < VEHICLE_STATE_COUNT; i++) {
        if (strcmp(text, vehicle_state_names[i]) == 0) {
            *state = (enum vehicle_state)i;
            return true;
        }
    }
    return false;
}

static int64_t json_line_timestamp(const cJSON *vehicle)
{
    static const char *const sections[] = {"drive_state", "charge_state", "climate_state",
                                           "vehicle_state"};

    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        const cJSON *section = cJSON_GetObjectItemCaseSensitive(vehicle, sections[i]);
        const cJSON *timestamp = cJSON_GetObjectItemCaseSensitive(section, "timestamp");
        if (cJSON_IsNumber(timestamp))
            return (int64_t)timestamp->valuedouble;
    }
    return 0;
}

static void remember_json_identity(struct trace *trace, struct arena *arena,
                                   const cJSON *vehicle)
{
    struct trace_identity *identity = &trace->identity;
    const cJSON *vin = cJSON_GetObjectItemCaseSensitive(vehicle, "vin");
    const cJSON *vehicle_id = cJSON_GetObjectItemCaseSensitive(vehicle, "vehicle_id");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(vehicle, "vehicle_state"), "vehicle_name");

    if (!cJSON_IsString(name))
        name = cJSON_GetObjectItemCaseSensitive(vehicle, "display_name");
    if (identity->vin == NULL && cJSON_IsString(vin))
        identity->vin = arena_strdup(arena, vin->valuestring);
    if (!identity->has_vehicle_id && cJSON_IsNumber(vehicle_id)) {
        identity->has_vehicle_id = true;
        identity->vehicle_id = (int64_t)vehicle_id->valuedouble;
    }
    if (identity->display_name == NULL && cJSON_IsString(name))
        identity->display_name = arena_strdup(arena, name->valuestring);
}

/* Parses one line into a row; false with a message on bad input. */
static bool parse_json_line(struct trace_builder *builder, uint32_t source, long line_number,
                            const char *line, size_t length, struct trace_error *error)
{
    const char *path = builder->trace->sources[source];
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(line, length, &end, false);

    if (root == NULL) {
        long column = end != NULL ? (long)(end - line) + 1 : 1;
        trace_error_set(error, "%s:%ld:%ld: invalid JSON", path, line_number, column);
        return false;
    }
    for (; end != NULL && end < line + length; end++) {
        if (!isspace((unsigned char)*end)) {
            trace_error_set(error, "%s:%ld: text after the JSON object", path, line_number);
            cJSON_Delete(root);
            return false;
        }
    }

    cJSON *vehicle = cJSON_DetachItemFromObjectCaseSensitive(root, "response");
    if (vehicle == NULL) {
        vehicle = root;
        root = NULL;
    }
    cJSON_Delete(root);

    const cJSON *state = cJSON_GetObjectItemCaseSensitive(vehicle, "state");
    struct trace_row row = {.source = source, .source_line = line_number, .vehicle = vehicle};
    if (!cJSON_IsObject(vehicle) || !cJSON_IsString(state) ||
        !state_from_text(state->valuestring, &row.state)) {
        trace_error_set(error,
                        "%s:%ld: expected a vehicle object whose \"state\" is online, asleep "
                        "or offline",
                        path, line_number);
        cJSON_Delete(vehicle);
        return false;
    }

    row.timestamp_ms = json_line_timestamp(vehicle);
    remember_json_identity(builder->trace, builder->arena, vehicle);
    if (!trace_builder_add_row(builder, &row)) {
        trace_error_set(error, "%s:%ld: out of memory", path, line_number);
        cJSON_Delete(vehicle);
        return false;
    }
    return true;
}

static bool load_json_lines_file(struct trace_builder *builder, uint32_t source,
                                 struct trace_error *error)
{
    const char *path = builder->trace->sources[source];
    size_t size = 0;
    char *data = read_text_file(path, &size, error);
    long line_number = 0;
    size_t before = builder->trace->row_count;
    bool ok = true;

    if (data == NULL)
        return false;
    for (char *line = data; ok && line < data + size;) {
        char *newline = memchr(line, '\n', (size_t)(data + size - line));
        size_t length = newline != NULL ? (size_t)(newline - line) : (size_t)(data + size - line);

        line_number++;
        bool blank = true;
        for (size_t i = 0; i < length && blank; i++)
            blank = isspace((unsigned char)line[i]);
        if (!blank)
            ok = parse_json_line(builder, source, line_number, line, length, error);
        line = line + length + 1;
    }
    free(data);

    if (ok)
        log_info("trace %s: %zu rows from %ld lines", path, builder->trace->row_count - before,
                 line_number);
    return ok;
}

/* ---- Sources ----------------------------------------------------------- */

struct export_file {
    char *path;
    int year;
    int month;
};

static int compare_export_files(const void *left, const void *right)
{
    const struct export_file *a = left, *b = right;

    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return strcmp(a->path, b->path);
}

static bool append_path(char ***paths, size_t *count, char *path)
{
    char **grown = realloc(*paths, (*count + 1) * sizeof(**paths));

    if (grown == NULL) {
        free(path);
        return false;
    }
    grown[(*count)++] = path;
    *paths = grown;
    return true;
}

static bool add_export_file(struct export_file **files, size_t *count, const char *directory,
                            const char *name, int year, int month)
{
    struct export_file *grown = realloc(*files, (*count + 1) * sizeof(**files));
    struct export_file file = {.year = year, .month = month};

    if (grown == NULL)
        return false;
    *files = grown;
    if (asprintf(&file.path, "%s/%s", directory, name) < 0)
        return false;
    grown[(*count)++] = file;
    return true;
}

/* Appends a directory's TeslaFi exports, oldest month first. */
static bool expand_directory(const char *directory, char ***paths, size_t *count,
                             struct trace_error *error)
{
    DIR *handle = opendir(directory);
    struct export_file *files = NULL;
    size_t file_count = 0;
    struct dirent *entry;
    bool ok = true;

    if (handle == NULL) {
        trace_error_set(error, "%s: cannot open directory: %s", directory, strerror(errno));
        return false;
    }
    while (ok && (entry = readdir(handle)) != NULL) {
        int year, month;
        if (teslafi_file_name_date(entry->d_name, &year, &month))
            ok = add_export_file(&files, &file_count, directory, entry->d_name, year, month);
    }
    closedir(handle);

    if (ok)
        qsort(files, file_count, sizeof(*files), compare_export_files);
    for (size_t i = 0; i < file_count; i++) {
        if (ok)
            ok = append_path(paths, count, files[i].path);
        else
            free(files[i].path);
    }
    free(files);

    if (!ok) {
        trace_error_set(error, "%s: out of memory listing the directory", directory);
        return false;
    }
    if (file_count == 0) {
        trace_error_set(error,
                        "%s: no TeslaFi exports in the directory (expected names like "
                        "TeslaFi62016.csv, TeslaFi102019.csv or 112023.csv)",
                        directory);
        return false;
    }
    return true;
}

static bool expand_sources(char *const *paths, size_t count, enum trace_format format,
                           struct trace *trace, struct trace_error *error)
{
    for (size_t i = 0; i < count; i++) {
        struct stat info;

        if (stat(paths[i], &info) != 0) {
            trace_error_set(error, "%s: cannot read trace: %s", paths[i], strerror(errno));
            return false;
        }
        if (S_ISDIR(info.st_mode) && format == TRACE_FORMAT_TESLAFI) {
            if (!expand_directory(paths[i], &trace->sources, &trace->source_count, error))
                return false;
            continue;
        }
        char *copy = strdup(paths[i]);
        if (copy == NULL || !append_path(&trace->sources, &trace->source_count, copy)) {
            trace_error_set(error, "%s: out of memory", paths[i]);
            return false;
        }
    }
    return true;
}

/* ---- Cache ------------------------------------------------------------- */

struct cached_trace {
    struct cached_trace *next;
    char *key;
    struct trace trace;
    struct arena arena;
};

struct trace_cache {
    struct cached_trace *head;
};

struct trace_cache *trace_cache_new(void)
{
    return calloc(1, sizeof(struct trace_cache));
}

static void free_trace(struct cached_trace *cached)
{
    struct trace *trace = &cached->trace;

    for (size_t i = 0; i < trace->row_count; i++)
        cJSON_Delete(trace->rows[i].vehicle);
    free(trace->rows);
    for (size_t i = 0; i < trace->source_count; i++)
        free(trace->sources[i]);
    free(trace->sources);
    free(trace->layouts);
    arena_free(&cached->arena);
    free(cached->key);
    free(cached);
}

void trace_cache_free(struct trace_cache *cache)
{
    if (cache == NULL)
        return;
    while (cache->head != NULL) {
        struct cached_trace *next = cache->head->next;
        free_trace(cache->head);
        cache->head = next;
    }
    free(cache);
}

static char *make_key(char *const *paths, size_t count, enum trace_format format,
                      const char *zone)
{
    size_t length = strlen(zone) + 32;
    char *key;

    for (size_t i = 0; i < count; i++)
        length += strlen(paths[i]) + 1;
    key = malloc(length);
    if (key == NULL)
        return NULL;

    size_t used = (size_t)snprintf(key, length, "%s\n%s", trace_format_name(format), zone);
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(key + used, length - used, "\n%s", paths[i]);
    return key;
}

static void measure_span(struct trace *trace)
{
    int64_t first = 0, last = 0;

    for (size_t i = 0; i < trace->row_count; i++) {
        int64_t time_ms = trace->rows[i].timestamp_ms;
        if (i == 0 || time_ms < first)
            first = time_ms;
        if (i == 0 || time_ms > last)
            last = time_ms;
    }
    trace->span_ms = last - first;
}

static bool load_sources(struct cached_trace *cached, const char *zone, struct trace_error *error)
{
    struct trace *trace = &cached->trace;
    struct trace_builder builder = {.trace = trace, .arena = &cached->arena};

    if (trace->format == TRACE_FORMAT_TESLAFI) {
        trace->layouts = calloc(trace->source_count, sizeof(*trace->layouts));
        if (trace->layouts == NULL) {
            trace_error_set(error, "out of memory for %zu trace files", trace->source_count);
            return false;
        }
    }
    for (size_t i = 0; i < trace->source_count; i++) {
        bool ok = trace->format == TRACE_FORMAT_TESLAFI
                      ? trace_load_teslafi_file(&builder, (uint32_t)i, zone, error)
                      : load_json_lines_file(&builder, (uint32_t)i, error);
        if (!ok)
            return false;
    }
    measure_span(trace);
    return true;
}

const struct trace *trace_cache_load(struct trace_cache *cache, char *const *paths, size_t count,
                                     enum trace_format format, const char *zone,
                                     struct trace_error *error)
{
    const char *key_zone = format == TRACE_FORMAT_TESLAFI ? zone : "";
    char *key = make_key(paths, count, format, key_zone);

    if (key == NULL) {
        trace_error_set(error, "out of memory");
        return NULL;
    }
    for (struct cached_trace *cached = cache->head; cached != NULL; cached = cached->next) {
        if (strcmp(cached->key, key) == 0) {
            free(key);
            return &cached->trace;
        }
    }

    struct cached_trace *cached = calloc(1, sizeof(*cached));
    if (cached == NULL) {
        free(key);
        trace_error_set(error, "out of memory");
        return NULL;
    }
    cached->key = key;
    cached->trace.format = format;

    if (!expand_sources(paths, count, format, &cached->trace, error) ||
        !load_sources(cached, zone, error)) {
        free_trace(cached);
        return NULL;
    }
    cached->next = cache->head;
    cache->head = cached;
    return &cached->trace;
}
