/* Array literals for multi-row inserts. */
#include "import_sql.h"

#include <stdlib.h>
#include <string.h>

void sql_rows_init(struct sql_rows *rows, size_t column_count)
{
    memset(rows, 0, sizeof(*rows));
    rows->column_count = column_count < SQL_ROWS_COLUMNS_MAX ? column_count : SQL_ROWS_COLUMNS_MAX;
}

void sql_rows_free(struct sql_rows *rows)
{
    for (size_t i = 0; i < SQL_ROWS_COLUMNS_MAX; i++)
        free(rows->columns[i].text);
    memset(rows, 0, sizeof(*rows));
}

/* Room for `extra` more bytes plus the closing "}" and NUL. */
static bool reserve(struct sql_rows *rows, struct sql_array *array, size_t extra)
{
    size_t needed = array->length + extra + 2;

    if (needed <= array->capacity)
        return true;

    size_t capacity = array->capacity == 0 ? 256 : array->capacity;
    while (capacity < needed)
        capacity *= 2;

    char *text = realloc(array->text, capacity);
    if (text == NULL) {
        rows->out_of_memory = true;
        return false;
    }
    array->text = text;
    array->capacity = capacity;
    return true;
}

static void append_element(struct sql_rows *rows, struct sql_array *array, const char *value)
{
    size_t worst = value == NULL ? 5 : 2 * strlen(value) + 3;

    if (!reserve(rows, array, worst))
        return;
    char separator = array->length == 0 ? '{' : ',';

    array->text[array->length++] = separator;
    if (value == NULL) {
        memcpy(array->text + array->length, "NULL", 4);
        array->length += 4;
        return;
    }

    array->text[array->length++] = '"';
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            array->text[array->length++] = '\\';
        array->text[array->length++] = *p;
    }
    array->text[array->length++] = '"';
}

void sql_rows_add(struct sql_rows *rows, const char *const *values)
{
    if (rows->out_of_memory)
        return;
    for (size_t i = 0; i < rows->column_count; i++)
        append_element(rows, &rows->columns[i], values[i]);
    rows->row_count++;
}

const char *sql_rows_column(struct sql_rows *rows, size_t column)
{
    struct sql_array *array = &rows->columns[column];

    if (rows->out_of_memory || !reserve(rows, array, 1))
        return NULL;
    if (array->length == 0) {
        array->text[0] = '{';
        array->text[1] = '}';
        array->text[2] = '\0';
        return array->text;
    }
    array->text[array->length] = '}';
    array->text[array->length + 1] = '\0';
    return array->text;
}
