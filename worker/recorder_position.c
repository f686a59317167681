/* Positions: insert, read back, and the latest one with a range. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Parameters in POSITION_COLUMNS order. */
void position_add_values(struct sql_params *params, const struct position_record *position)
{
    sql_params_add_opt_time(params, position->date_us);
    sql_params_add_double(params, "latitude", position->latitude);
    sql_params_add_double(params, "longitude", position->longitude);
    sql_params_add_smallint(params, "elevation", position->elevation_m);
    sql_params_add_smallint(params, "speed", position->speed_kmh);
    sql_params_add_smallint(params, "power", position->power_kw);
    sql_params_add_double(params, "odometer", position->odometer_km);
    sql_params_add_double(params, "ideal_battery_range_km", position->ideal_battery_range_km);
    sql_params_add_double(params, "est_battery_range_km", position->est_battery_range_km);
    sql_params_add_double(params, "rated_battery_range_km", position->rated_battery_range_km);
    sql_params_add_smallint(params, "battery_level", position->battery_level);
    sql_params_add_smallint(params, "usable_battery_level", position->usable_battery_level);
    sql_params_add_double(params, "outside_temp", position->outside_temp_c);
    sql_params_add_double(params, "inside_temp", position->inside_temp_c);
    sql_params_add_integer(params, "fan_status", position->fan_status);
    sql_params_add_double(params, "driver_temp_setting", position->driver_temp_setting_c);
    sql_params_add_double(params, "passenger_temp_setting", position->passenger_temp_setting_c);
    sql_params_add_bool(params, position->is_climate_on);
    sql_params_add_bool(params, position->is_rear_defroster_on);
    sql_params_add_bool(params, position->is_front_defroster_on);
    sql_params_add_bool(params, position->battery_heater);
    sql_params_add_bool(params, position->battery_heater_on);
    sql_params_add_bool(params, position->battery_heater_no_power);
    sql_params_add_double(params, "tpms_pressure_fl", position->tpms_pressure_fl_bar);
    sql_params_add_double(params, "tpms_pressure_fr", position->tpms_pressure_fr_bar);
    sql_params_add_double(params, "tpms_pressure_rl", position->tpms_pressure_rl_bar);
    sql_params_add_double(params, "tpms_pressure_rr", position->tpms_pressure_rr_bar);
}

void position_read(const PGresult *result, int row, struct stored_position *stored)
{
    struct position_record *position = &stored->record;
    int column = 0;

    memset(stored, 0, sizeof(*stored));
    stored->id = sql_get_id(result, row, column++);
    stored->car_id = sql_get_id(result, row, column++);
    stored->drive_id = sql_get_id(result, row, column++);
    position->date_us = sql_get_time(result, row, column++);
    position->latitude = sql_get_double(result, row, column++);
    position->longitude = sql_get_double(result, row, column++);
    position->elevation_m = sql_get_int64(result, row, column++);
    position->speed_kmh = sql_get_int64(result, row, column++);
    position->power_kw = sql_get_int64(result, row, column++);
    position->odometer_km = sql_get_double(result, row, column++);
    position->ideal_battery_range_km = sql_get_double(result, row, column++);
    position->est_battery_range_km = sql_get_double(result, row, column++);
    position->rated_battery_range_km = sql_get_double(result, row, column++);
    position->battery_level = sql_get_int64(result, row, column++);
    position->usable_battery_level = sql_get_int64(result, row, column++);
    position->outside_temp_c = sql_get_double(result, row, column++);
    position->inside_temp_c = sql_get_double(result, row, column++);
    position->fan_status = sql_get_int64(result, row, column++);
    position->driver_temp_setting_c = sql_get_double(result, row, column++);
    position->passenger_temp_setting_c = sql_get_double(result, row, column++);
    position->is_climate_on = sql_get_bool(result, row, column++);
    position->is_rear_defroster_on = sql_get_bool(result, row, column++);
    position->is_front_defroster_on = sql_get_bool(result, row, column++);
    position->battery_heater = sql_get_bool(result, row, column++);
    position->battery_heater_on = sql_get_bool(result, row, column++);
    position->battery_heater_no_power = sql_get_bool(result, row, column++);
    position->tpms_pressure_fl_bar = sql_get_double(result, row, column++);
    position->tpms_pressure_fr_bar = sql_get_double(result, row, column++);
    position->tpms_pressure_rl_bar = sql_get_double(result, row, column++);
    position->tpms_pressure_rr_bar = sql_get_double(result, row, column++);
}

enum recorder_status position_check(struct recorder_call *call, int64_t car_id,
                                    const struct position_record *position)
{
    char missing[64] = "";
    size_t length = 0;

    if (car_id <= 0)
        length += (size_t)snprintf(missing + length, sizeof(missing) - length, "car_id, ");
    if (!position->date_us.known)
        length += (size_t)snprintf(missing + length, sizeof(missing) - length, "date, ");
    if (!position->latitude.known)
        length += (size_t)snprintf(missing + length, sizeof(missing) - length, "latitude, ");
    if (!position->longitude.known)
        length += (size_t)snprintf(missing + length, sizeof(missing) - length, "longitude, ");

    if (length == 0)
        return RECORDER_OK;
    missing[length - 2] = '\0';
    return recorder_reject(call, "invalid position: missing %s", missing);
}

enum recorder_status position_insert(struct recorder_call *call, int64_t car_id, int64_t drive_id,
                                     const struct position_record *position,
                                     int64_t *position_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    sql_params_add_id(&params, drive_id);
    sql_params_add_tenant(&params, call->recorder);
    position_add_values(&params, position);

    enum recorder_status status = recorder_exec(
        call,
        "INSERT INTO positions (car_id, drive_id, tenant_id, " POSITION_COLUMNS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        " $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"
        " RETURNING id",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    *position_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return RECORDER_OK;
}

enum recorder_status recorder_insert_position(struct recorder *recorder, int64_t car_id,
                                              int64_t drive_id,
                                              const struct position_record *position,
                                              int64_t *position_id)
{
    struct recorder_call call;
    enum recorder_status status;

    if (drive_id > 0)
        recorder_call_init(&call, recorder, car_id, "insert position of drive %" PRId64, drive_id);
    else
        recorder_call_init(&call, recorder, car_id, "insert position");
    *position_id = 0;
    if ((status = position_check(&call, car_id, position)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = position_insert(&call, car_id, drive_id, position, position_id);
    return recorder_end(&call, status);
}

/* Runs a query returning at most one STORED_POSITION_COLUMNS row. */
static enum recorder_status query_position(struct recorder_call *call, const char *sql,
                                           const struct sql_params *params,
                                           struct stored_position *position, bool *found)
{
    PGresult *result;
    enum recorder_status status;

    memset(position, 0, sizeof(*position));
    *found = false;
    if ((status = recorder_begin(call)) != RECORDER_OK)
        return status;

    status = recorder_exec(call, sql, params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0) {
        position_read(result, 0, position);
        *found = true;
    }
    PQclear(result);
    return recorder_end(call, status);
}

enum recorder_status recorder_get_latest_position(struct recorder *recorder, int64_t car_id,
                                                  struct stored_position *position, bool *found)
{
    struct recorder_call call;
    struct sql_params params;

    recorder_call_init(&call, recorder, car_id, "get latest position");
    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    return query_position(&call,
                          "SELECT " STORED_POSITION_COLUMNS " FROM positions"
                          " WHERE car_id = $1 AND ideal_battery_range_km IS NOT NULL"
                          " ORDER BY date DESC, id DESC LIMIT 1",
                          &params, position, found);
}

enum recorder_status recorder_get_last_inserted_position(struct recorder *recorder,
                                                         struct stored_position *position,
                                                         bool *found)
{
    struct recorder_call call;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "get last inserted position");
    return query_position(&call,
                          "SELECT " STORED_POSITION_COLUMNS " FROM positions"
                          " ORDER BY id DESC LIMIT 1",
                          NULL, position, found);
}
