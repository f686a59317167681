/* Firmware updates: start, finish, cancel, missed updates, and lookups. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>
#include <string.h>

/* Runs one statement returning "id" for an update, in its own transaction.
 * No row means the update (or the car) does not exist. */
static enum recorder_status write_update(struct recorder_call *call, const char *sql,
                                         const struct sql_params *params, int64_t *update_id,
                                         int64_t missing_id)
{
    PGresult *result;
    enum recorder_status status;

    if ((status = recorder_begin(call)) != RECORDER_OK)
        return status;

    status = recorder_exec(call, sql, params, &result);
    if (status == RECORDER_OK && PQntuples(result) == 0)
        status = recorder_fail(call, RECORDER_NOT_FOUND, "no update with id %" PRId64, missing_id);
    if (status == RECORDER_OK && update_id != NULL)
        *update_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return recorder_end(call, status);
}

enum recorder_status recorder_start_update(struct recorder *recorder, int64_t car_id,
                                           int64_t start_date_us, int64_t *update_id)
{
    struct recorder_call call;
    struct sql_params params;

    recorder_call_init(&call, recorder, car_id, "start update");
    *update_id = 0;
    if (car_id <= 0)
        return recorder_reject(&call, "missing car_id");

    sql_params_init(&params);
    sql_params_add_time(&params, start_date_us);
    sql_params_add_id(&params, car_id);
    sql_params_add_tenant(&params, recorder);
    return write_update(&call,
                        "INSERT INTO updates (start_date, car_id, tenant_id) VALUES ($1, $2, $3)"
                        " RETURNING id",
                        &params, update_id, 0);
}

enum recorder_status recorder_finish_update(struct recorder *recorder, int64_t update_id,
                                            const char *version, int64_t end_date_us)
{
    struct recorder_call call;
    struct sql_params params;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "finish update %" PRId64, update_id);
    sql_params_init(&params);
    sql_params_add_id(&params, update_id);
    sql_params_add_time(&params, end_date_us);
    sql_params_add_text(&params, version);
    return write_update(&call, "UPDATE updates SET end_date = $2, version = $3 WHERE id = $1 RETURNING id",
                        &params, NULL, update_id);
}

enum recorder_status recorder_cancel_update(struct recorder *recorder, int64_t update_id)
{
    struct recorder_call call;
    struct sql_params params;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "cancel update %" PRId64, update_id);
    sql_params_init(&params);
    sql_params_add_id(&params, update_id);
    return write_update(&call, "DELETE FROM updates WHERE id = $1 RETURNING id", &params, NULL,
                        update_id);
}

enum recorder_status recorder_insert_missed_update(struct recorder *recorder, int64_t car_id,
                                                   const char *version, int64_t date_us,
                                                   int64_t *update_id)
{
    struct recorder_call call;
    struct sql_params params;

    recorder_call_init(&call, recorder, car_id, "insert missed update");
    *update_id = 0;
    if (car_id <= 0)
        return recorder_reject(&call, "missing car_id");

    sql_params_init(&params);
    sql_params_add_time(&params, date_us);
    sql_params_add_text(&params, version);
    sql_params_add_id(&params, car_id);
    sql_params_add_tenant(&params, recorder);
    return write_update(&call,
                        "INSERT INTO updates (start_date, end_date, version, car_id, tenant_id)"
                        " VALUES ($1, $1, $2, $3, $4) RETURNING id",
                        &params, update_id, 0);
}

static enum recorder_status read_update(struct recorder_call *call, const char *sql,
                                        int64_t car_id, struct update_record *update, bool *found)
{
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    memset(update, 0, sizeof(*update));
    *found = false;
    if ((status = recorder_begin(call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    status = recorder_exec(call, sql, &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0) {
        struct opt_int64 end_date = sql_get_time(result, 0, 2);

        *found = true;
        update->id = sql_get_id(result, 0, 0);
        update->start_date_us = sql_get_time(result, 0, 1).value;
        update->has_end_date = end_date.known;
        update->end_date_us = end_date.value;
        sql_get_text(result, 0, 3, update->version, sizeof(update->version));
    }
    PQclear(result);
    return recorder_end(call, status);
}

enum recorder_status recorder_get_latest_update(struct recorder *recorder, int64_t car_id,
                                                struct update_record *update, bool *found)
{
    struct recorder_call call;

    recorder_call_init(&call, recorder, car_id, "get latest update");
    return read_update(&call,
                       "SELECT id, start_date, end_date, version FROM updates WHERE car_id = $1"
                       " ORDER BY start_date DESC, id DESC LIMIT 1",
                       car_id, update, found);
}

enum recorder_status recorder_find_open_update(struct recorder *recorder, int64_t car_id,
                                               struct update_record *update, bool *found)
{
    struct recorder_call call;

    recorder_call_init(&call, recorder, car_id, "find open update");
    return read_update(&call,
                       "SELECT id, start_date, end_date, version FROM updates"
                       " WHERE car_id = $1 AND end_date IS NULL"
                       " ORDER BY start_date DESC, id DESC LIMIT 1",
                       car_id, update, found);
}
