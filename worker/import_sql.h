/*
 * import_sql: PostgreSQL array literals built column by column, so that an
 * import inserts thousands of rows with one statement:
 *   INSERT INTO t (a, b) SELECT * FROM unnest($1::int[], $2::text[])
 *
 * Contract: a struct sql_rows owns one growing array literal per column
 * ("{...}"), freed by sql_rows_free(). Every non-NULL element is quoted
 * and escaped, which PostgreSQL accepts for any element type, so values
 * keep exactly the text the recorder would send as a parameter (the
 * recorder's sql_params formatting is used to make them). COPY is not an
 * option: PostgreSQL refuses COPY FROM into tables with row-level
 * security. A failed allocation sets `out_of_memory`; the literals are
 * then incomplete and must not be sent. Nothing here does I/O.
 */
#ifndef TENANTMATE_IMPORT_SQL_H
#define TENANTMATE_IMPORT_SQL_H

#include <stdbool.h>
#include <stddef.h>

#define SQL_ROWS_COLUMNS_MAX 40

struct sql_array {
    char *text;
    size_t length;
    size_t capacity;
};

struct sql_rows {
    size_t column_count;
    size_t row_count;
    bool out_of_memory;
    struct sql_array columns[SQL_ROWS_COLUMNS_MAX];
};

void sql_rows_init(struct sql_rows *rows, size_t column_count);
void sql_rows_free(struct sql_rows *rows);

/* Appends one row; values[i] NULL is SQL NULL. */
void sql_rows_add(struct sql_rows *rows, const char *const *values);

/* The literal of one column, closed with "}"; valid until the next add
 * or free. */
const char *sql_rows_column(struct sql_rows *rows, size_t column);

#endif
