/* Statement parameters as text, and result fields read back. */
#include "recorder_sql.h"

#include "numeric_text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sql_params_init(struct sql_params *params)
{
    params->count = 0;
    params->invalid[0] = '\0';
}

static char *next_slot(struct sql_params *params)
{
    if (params->count >= SQL_PARAMS_MAX) {
        snprintf(params->invalid, sizeof(params->invalid), "more than %d statement parameters",
                 SQL_PARAMS_MAX);
        return NULL;
    }
    return params->text[params->count];
}

static void mark_invalid(struct sql_params *params, const char *column, const char *reason)
{
    if (params->invalid[0] == '\0')
        snprintf(params->invalid, sizeof(params->invalid), "%s %s", column, reason);
}

void sql_params_add_null(struct sql_params *params)
{
    if (next_slot(params) == NULL)
        return;
    params->values[params->count++] = NULL;
}

bool sql_text_is_blank(const char *text)
{
    if (text == NULL)
        return true;
    for (; *text != '\0'; text++) {
        if (!isspace((unsigned char)*text))
            return false;
    }
    return true;
}

void sql_params_add_text(struct sql_params *params, const char *text)
{
    if (next_slot(params) == NULL)
        return;
    params->values[params->count++] = sql_text_is_blank(text) ? NULL : text;
}

void sql_params_add_int64(struct sql_params *params, int64_t value)
{
    char *slot = next_slot(params);

    if (slot == NULL)
        return;
    snprintf(slot, SQL_PARAM_TEXT_SIZE, "%" PRId64, value);
    params->values[params->count++] = slot;
}

void sql_params_add_id(struct sql_params *params, int64_t id)
{
    if (id <= 0)
        sql_params_add_null(params);
    else
        sql_params_add_int64(params, id);
}

void sql_params_add_tenant(struct sql_params *params, const struct recorder *recorder)
{
    sql_params_add_text(params, recorder->tenant_id);
}

static void add_ranged(struct sql_params *params, const char *column, struct opt_int64 value,
                       int64_t min, int64_t max)
{
    char reason[96];

    if (!value.known) {
        sql_params_add_null(params);
        return;
    }
    if (value.value < min || value.value > max) {
        snprintf(reason, sizeof(reason), "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
                 value.value, min, max);
        mark_invalid(params, column, reason);
    }
    sql_params_add_int64(params, value.value);
}

void sql_params_add_smallint(struct sql_params *params, const char *column,
                             struct opt_int64 value)
{
    add_ranged(params, column, value, INT16_MIN, INT16_MAX);
}

void sql_params_add_integer(struct sql_params *params, const char *column,
                            struct opt_int64 value)
{
    add_ranged(params, column, value, INT32_MIN, INT32_MAX);
}

void sql_params_add_bigint(struct sql_params *params, struct opt_int64 value)
{
    if (value.known)
        sql_params_add_int64(params, value.value);
    else
        sql_params_add_null(params);
}

void sql_params_add_double(struct sql_params *params, const char *column,
                           struct opt_double value)
{
    char *slot;

    if (!value.known) {
        sql_params_add_null(params);
        return;
    }
    slot = next_slot(params);
    if (slot == NULL)
        return;
    if (!numeric_text_format(value.value, slot))
        mark_invalid(params, column, "is not a finite number");
    params->values[params->count++] = slot;
}

void sql_params_add_bool(struct sql_params *params, struct opt_bool value)
{
    if (!value.known) {
        sql_params_add_null(params);
        return;
    }
    if (next_slot(params) == NULL)
        return;
    params->values[params->count++] = value.value ? "true" : "false";
}

void sql_params_add_time(struct sql_params *params, int64_t date_us)
{
    char *slot = next_slot(params);

    if (slot == NULL)
        return;
    recorder_time_format(date_us, slot);
    params->values[params->count++] = slot;
}

void sql_params_add_opt_time(struct sql_params *params, struct opt_int64 date_us)
{
    if (date_us.known)
        sql_params_add_time(params, date_us.value);
    else
        sql_params_add_null(params);
}

/* ---- result fields ------------------------------------------------- */

int64_t sql_get_id(const PGresult *result, int row, int column)
{
    struct opt_int64 value = sql_get_int64(result, row, column);

    return value.known ? value.value : 0;
}

struct opt_int64 sql_get_int64(const PGresult *result, int row, int column)
{
    struct opt_int64 value = {0};

    if (!PQgetisnull(result, row, column)) {
        value.known = true;
        value.value = strtoll(PQgetvalue(result, row, column), NULL, 10);
    }
    return value;
}

struct opt_double sql_get_double(const PGresult *result, int row, int column)
{
    struct opt_double value = {0};

    if (!PQgetisnull(result, row, column)) {
        value.known = true;
        value.value = strtod(PQgetvalue(result, row, column), NULL);
    }
    return value;
}

struct opt_bool sql_get_bool(const PGresult *result, int row, int column)
{
    struct opt_bool value = {0};

    if (!PQgetisnull(result, row, column)) {
        value.known = true;
        value.value = PQgetvalue(result, row, column)[0] == 't';
    }
    return value;
}

struct opt_int64 sql_get_time(const PGresult *result, int row, int column)
{
    struct opt_int64 value = {0};

    if (!PQgetisnull(result, row, column))
        value.known = recorder_time_parse(PQgetvalue(result, row, column), &value.value);
    return value;
}

void sql_get_text(const PGresult *result, int row, int column, char *out, size_t size)
{
    snprintf(out, size, "%s", PQgetisnull(result, row, column) ? "" : PQgetvalue(result, row, column));
}
