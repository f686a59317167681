/*
 * trace_internal: the pieces trace.c and trace_teslafi.c share while a
 * trace is being built. Not for use outside the trace module.
 */
#ifndef FAKE_TESLA_TRACE_INTERNAL_H
#define FAKE_TESLA_TRACE_INTERNAL_H

#include <stdarg.h>

#include "trace.h"

/* A bump allocator: everything a trace points to lives in its arena and
 * is freed at once. */
struct arena_block;

struct arena {
    struct arena_block *head;
};

void *arena_alloc(struct arena *arena, size_t size);
char *arena_strdup(struct arena *arena, const char *text);
void arena_free(struct arena *arena);

struct trace_builder {
    struct trace *trace;
    struct arena *arena;
    size_t row_capacity;
};

/* Appends a row (copied); false when out of memory. */
bool trace_builder_add_row(struct trace_builder *builder, const struct trace_row *row);

void trace_error_set(struct trace_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Loads one TeslaFi file as source number `source` of the trace. */
bool trace_load_teslafi_file(struct trace_builder *builder, uint32_t source, const char *zone,
                             struct trace_error *error);

#endif
