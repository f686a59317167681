/* Cars and their settings: create, update, and find an existing car. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct car_column_info {
    const char *name;
    const char *type;       /* the cast that gives the parameter its column type */
};

static const struct car_column_info car_columns[CAR_COLUMN_COUNT] = {
    [CAR_COLUMN_EID] = {"eid", "bigint"},
    [CAR_COLUMN_VID] = {"vid", "bigint"},
    [CAR_COLUMN_VIN] = {"vin", "text"},
    [CAR_COLUMN_NAME] = {"name", "text"},
    [CAR_COLUMN_MODEL] = {"model", "varchar"},
    [CAR_COLUMN_EFFICIENCY] = {"efficiency", "double precision"},
    [CAR_COLUMN_TRIM_BADGING] = {"trim_badging", "text"},
    [CAR_COLUMN_MARKETING_NAME] = {"marketing_name", "varchar"},
    [CAR_COLUMN_EXTERIOR_COLOR] = {"exterior_color", "text"},
    [CAR_COLUMN_WHEEL_TYPE] = {"wheel_type", "text"},
    [CAR_COLUMN_SPOILER_TYPE] = {"spoiler_type", "text"},
    [CAR_COLUMN_DISPLAY_PRIORITY] = {"display_priority", "smallint"},
};

_Static_assert(sizeof(car_columns) / sizeof(car_columns[0]) == CAR_COLUMN_COUNT,
               "car_columns must describe every car column");

const char *car_column_name(enum car_column column)
{
    if (column < 0 || column >= CAR_COLUMN_COUNT)
        return "unknown";
    return car_columns[column].name;
}

static void add_car_value(struct sql_params *params, const struct car_record *car,
                          enum car_column column)
{
    switch (column) {
    case CAR_COLUMN_EID: sql_params_add_bigint(params, car->eid); break;
    case CAR_COLUMN_VID: sql_params_add_bigint(params, car->vid); break;
    case CAR_COLUMN_VIN: sql_params_add_text(params, car->vin); break;
    case CAR_COLUMN_NAME: sql_params_add_text(params, car->name); break;
    case CAR_COLUMN_MODEL: sql_params_add_text(params, car->model); break;
    case CAR_COLUMN_EFFICIENCY: sql_params_add_double(params, "efficiency", car->efficiency); break;
    case CAR_COLUMN_TRIM_BADGING: sql_params_add_text(params, car->trim_badging); break;
    case CAR_COLUMN_MARKETING_NAME: sql_params_add_text(params, car->marketing_name); break;
    case CAR_COLUMN_EXTERIOR_COLOR: sql_params_add_text(params, car->exterior_color); break;
    case CAR_COLUMN_WHEEL_TYPE: sql_params_add_text(params, car->wheel_type); break;
    case CAR_COLUMN_SPOILER_TYPE: sql_params_add_text(params, car->spoiler_type); break;
    case CAR_COLUMN_DISPLAY_PRIORITY:
        sql_params_add_smallint(params, "display_priority", car->display_priority);
        break;
    case CAR_COLUMN_COUNT: break;
    }
}

static void append(char *sql, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *sql, size_t size, const char *format, ...)
{
    size_t length = strlen(sql);
    va_list args;

    va_start(args, format);
    vsnprintf(sql + length, size - length, format, args);
    va_end(args);
}

/* eid, vid and vin: what TeslaMate requires of every car, checked where
 * the mask of columns to write includes them. */
static enum recorder_status check_identity(struct recorder_call *call, const struct car_record *car,
                                           unsigned columns)
{
    char missing[64] = "";

    if ((columns & CAR_COLUMN_BIT(CAR_COLUMN_EID)) != 0 && !car->eid.known)
        append(missing, sizeof(missing), "%seid", missing[0] != '\0' ? ", " : "");
    if ((columns & CAR_COLUMN_BIT(CAR_COLUMN_VID)) != 0 && !car->vid.known)
        append(missing, sizeof(missing), "%svid", missing[0] != '\0' ? ", " : "");
    if ((columns & CAR_COLUMN_BIT(CAR_COLUMN_VIN)) != 0 && sql_text_is_blank(car->vin))
        append(missing, sizeof(missing), "%svin", missing[0] != '\0' ? ", " : "");

    if (missing[0] != '\0')
        return recorder_reject(call, "missing %s", missing);
    return RECORDER_OK;
}

static enum recorder_status insert_settings(struct recorder_call *call,
                                            struct opt_int64 suspend_min, int64_t *settings_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_tenant(&params, call->recorder);
    if (suspend_min.known)
        sql_params_add_integer(&params, "suspend_min", suspend_min);

    enum recorder_status status = recorder_exec(
        call,
        suspend_min.known
            ? "INSERT INTO car_settings (tenant_id, suspend_min) VALUES ($1, $2) RETURNING id"
            : "INSERT INTO car_settings (tenant_id) VALUES ($1) RETURNING id",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    *settings_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return RECORDER_OK;
}

/* The car row with every column of the record; an unknown display
 * priority takes the column default. */
static enum recorder_status insert_car_row(struct recorder_call *call, const struct car_record *car,
                                           int64_t settings_id, int64_t *car_id)
{
    struct sql_params params;
    char columns[512] = "";
    char values[512] = "";
    char sql[1400];
    PGresult *result;

    sql_params_init(&params);
    for (int column = 0; column < CAR_COLUMN_COUNT; column++) {
        if (column == CAR_COLUMN_DISPLAY_PRIORITY && !car->display_priority.known)
            continue;
        add_car_value(&params, car, (enum car_column)column);
        append(columns, sizeof(columns), "%s, ", car_columns[column].name);
        append(values, sizeof(values), "$%d, ", params.count);
    }
    sql_params_add_id(&params, settings_id);
    sql_params_add_tenant(&params, call->recorder);
    snprintf(sql, sizeof(sql),
             "INSERT INTO cars (%ssettings_id, tenant_id, inserted_at, updated_at)"
             " VALUES (%s$%d, $%d, " SQL_NOW_SECONDS ", " SQL_NOW_SECONDS ") RETURNING id",
             columns, values, params.count - 1, params.count);

    enum recorder_status status = recorder_exec(call, sql, &params, &result);
    if (status != RECORDER_OK)
        return status;
    *car_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return RECORDER_OK;
}

static enum recorder_status insert_car(struct recorder_call *call, const struct car_record *car,
                                       struct opt_int64 suspend_min, int64_t *car_id)
{
    int64_t settings_id = 0;
    enum recorder_status status = insert_settings(call, suspend_min, &settings_id);

    if (status != RECORDER_OK)
        return status;
    status = insert_car_row(call, car, settings_id, car_id);
    if (status == RECORDER_OK)
        log_car_info(*car_id, "created car (vin %s, eid %" PRId64 ", vid %" PRId64 ")", car->vin,
                     car->eid.value, car->vid.value);
    return status;
}

enum recorder_status recorder_create_car(struct recorder *recorder, const struct car_record *car,
                                         struct opt_int64 suspend_min, int64_t *car_id)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "create car");
    *car_id = 0;
    if ((status = check_identity(&call, car, CAR_COLUMNS_ALL)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = insert_car(&call, car, suspend_min, car_id);
    return recorder_end(&call, status);
}

/* One UPDATE that writes only when a value differs (IS DISTINCT FROM), so
 * an unchanged car keeps its updated_at, as Ecto skips empty changesets. */
static void build_update(const struct car_record *car, unsigned columns, struct sql_params *params,
                         char *sql, size_t size)
{
    char assignments[1024] = "";
    char stored[512] = "";
    char given[768] = "";

    for (int column = 0; column < CAR_COLUMN_COUNT; column++) {
        if ((columns & CAR_COLUMN_BIT(column)) == 0)
            continue;
        add_car_value(params, car, (enum car_column)column);
        append(assignments, sizeof(assignments), "%s = $%d::%s, ", car_columns[column].name,
               params->count, car_columns[column].type);
        append(stored, sizeof(stored), "%s%s", stored[0] != '\0' ? ", " : "",
               car_columns[column].name);
        append(given, sizeof(given), "%s$%d::%s", given[0] != '\0' ? ", " : "", params->count,
               car_columns[column].type);
    }
    snprintf(sql, size,
             "WITH target AS (SELECT id FROM cars WHERE id = $1),"
             " changed AS (UPDATE cars SET %supdated_at = " SQL_NOW_SECONDS
             "   WHERE id = $1 AND ROW(%s) IS DISTINCT FROM ROW(%s) RETURNING id)"
             " SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM changed)",
             assignments, stored, given);
}

static enum recorder_status update_car_columns(struct recorder_call *call, int64_t car_id,
                                               const struct car_record *car, unsigned columns,
                                               bool *changed)
{
    struct sql_params params;
    char sql[3000];
    PGresult *result;

    *changed = false;
    columns &= CAR_COLUMNS_ALL;
    if (columns == 0)
        return RECORDER_OK;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    build_update(car, columns, &params, sql, sizeof(sql));

    enum recorder_status status = recorder_exec(call, sql, &params, &result);
    if (status != RECORDER_OK)
        return status;

    bool found = sql_get_id(result, 0, 0) > 0;
    *changed = sql_get_id(result, 0, 1) > 0;
    PQclear(result);
    if (!found)
        return recorder_fail(call, RECORDER_NOT_FOUND, "no car with id %" PRId64, car_id);
    return RECORDER_OK;
}

enum recorder_status recorder_update_car(struct recorder *recorder, int64_t car_id,
                                         const struct car_record *car, unsigned columns,
                                         bool *changed)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "update car");
    *changed = false;
    if ((status = check_identity(&call, car, columns)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = update_car_columns(&call, car_id, car, columns, changed);
    return recorder_end(&call, status);
}

/* TeslaMate's lookup order: vin, then vid, then eid. A NULL parameter
 * matches nothing, which skips that step. */
static enum recorder_status find_car(struct recorder_call *call, const struct car_record *car,
                                     int64_t *car_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_text(&params, car->vin);
    sql_params_add_bigint(&params, car->vid);
    sql_params_add_bigint(&params, car->eid);

    enum recorder_status status = recorder_exec(
        call,
        "SELECT id FROM (SELECT id, 1 AS step FROM cars WHERE vin = $1"
        " UNION ALL SELECT id, 2 FROM cars WHERE vid = $2::bigint"
        " UNION ALL SELECT id, 3 FROM cars WHERE eid = $3::bigint) matches"
        " ORDER BY step LIMIT 1",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    *car_id = PQntuples(result) > 0 ? sql_get_id(result, 0, 0) : 0;
    PQclear(result);
    return RECORDER_OK;
}

enum recorder_status recorder_create_or_update_car(struct recorder *recorder,
                                                   const struct car_record *car,
                                                   struct opt_int64 suspend_min, int64_t *car_id,
                                                   bool *created)
{
    struct recorder_call call;
    enum recorder_status status;
    bool changed;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "create or update car");
    *car_id = 0;
    *created = false;
    if ((status = check_identity(&call, car, CAR_COLUMNS_ALL)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    status = find_car(&call, car, car_id);
    if (status == RECORDER_OK && *car_id > 0) {
        call.car_id = *car_id;
        status = update_car_columns(&call, *car_id, car, CAR_COLUMNS_IDENTITY, &changed);
    } else if (status == RECORDER_OK) {
        status = insert_car(&call, car, suspend_min, car_id);
        *created = status == RECORDER_OK;
    }
    return recorder_end(&call, status);
}

enum recorder_status recorder_load_car_settings(struct recorder *recorder, int64_t car_id,
                                                struct car_settings_record *settings)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "load car settings");
    memset(settings, 0, sizeof(*settings));
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    status = recorder_exec(&call,
                           "SELECT s.id, s.suspend_min, s.suspend_after_idle_min,"
                           " s.req_not_unlocked, s.free_supercharging, s.use_streaming_api,"
                           " s.enabled, s.lfp_battery"
                           " FROM cars c JOIN car_settings s ON s.id = c.settings_id"
                           " WHERE c.id = $1",
                           &params, &result);
    if (status == RECORDER_OK && PQntuples(result) == 0)
        status = recorder_fail(&call, RECORDER_NOT_FOUND, "no car with id %" PRId64, car_id);
    if (status == RECORDER_OK) {
        settings->id = sql_get_id(result, 0, 0);
        settings->suspend_min = (int)sql_get_int64(result, 0, 1).value;
        settings->suspend_after_idle_min = (int)sql_get_int64(result, 0, 2).value;
        settings->req_not_unlocked = sql_get_bool(result, 0, 3).value;
        settings->free_supercharging = sql_get_bool(result, 0, 4).value;
        settings->use_streaming_api = sql_get_bool(result, 0, 5).value;
        settings->enabled = sql_get_bool(result, 0, 6).value;
        settings->lfp_battery = sql_get_bool(result, 0, 7).value;
    }
    PQclear(result);
    return recorder_end(&call, status);
}
