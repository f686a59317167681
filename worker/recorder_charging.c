/* Charging processes and their charge samples: start, insert, and find an
 * open process after a restart. Completion is in
 * recorder_charging_complete.c. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static enum recorder_status insert_process(struct recorder_call *call, int64_t car_id,
                                           int64_t start_date_us,
                                           const struct position_record *position,
                                           struct charging_start *start)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_time(&params, start_date_us);
    sql_params_add_id(&params, car_id);
    sql_params_add_id(&params, start->position_id);
    sql_params_add_tenant(&params, call->recorder);
    sql_params_add_double(&params, "latitude", position->latitude);
    sql_params_add_double(&params, "longitude", position->longitude);

    /* The geofence is matched at the unrounded point, as TeslaMate does
     * with the sample's floats. */
    enum recorder_status status = recorder_exec(
        call,
        "INSERT INTO charging_processes (start_date, car_id, position_id, tenant_id, geofence_id)"
        " VALUES ($1, $2, $3, $4, " SQL_GEOFENCE_AT("$5::float8", "$6::float8") ")"
        " RETURNING id, geofence_id",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    start->charging_process_id = sql_get_id(result, 0, 0);
    start->geofence_id = sql_get_id(result, 0, 1);
    PQclear(result);
    return RECORDER_OK;
}

enum recorder_status recorder_start_charging_process(struct recorder *recorder, int64_t car_id,
                                                     int64_t start_date_us,
                                                     const struct position_record *position,
                                                     struct charging_start *start)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "start charging process");
    memset(start, 0, sizeof(*start));
    if ((status = position_check(&call, car_id, position)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    status = position_insert(&call, car_id, 0, position, &start->position_id);
    if (status == RECORDER_OK)
        status = insert_process(&call, car_id, start_date_us, position, start);
    return recorder_end(&call, status);
}

static void append_problem(char *text, size_t size, const char *problem)
{
    size_t length = strlen(text);

    snprintf(text + length, size - length, "%s%s", length > 0 ? ", " : "", problem);
}

/* TeslaMate's required fields and the positive phase count. */
static enum recorder_status check_charge(struct recorder_call *call, int64_t charging_process_id,
                                         const struct charge_record *charge)
{
    char missing[128] = "";
    bool bad_phases = charge->charger_phases.known && charge->charger_phases.value <= 0;

    if (charging_process_id <= 0)
        append_problem(missing, sizeof(missing), "charging_process_id");
    if (!charge->date_us.known)
        append_problem(missing, sizeof(missing), "date");
    if (!charge->charge_energy_added_kwh.known)
        append_problem(missing, sizeof(missing), "charge_energy_added");
    if (!charge->charger_power_kw.known)
        append_problem(missing, sizeof(missing), "charger_power");
    if (!charge->ideal_battery_range_km.known)
        append_problem(missing, sizeof(missing), "ideal_battery_range_km");

    if (missing[0] == '\0' && !bad_phases)
        return RECORDER_OK;

    char phases[64] = "";
    if (bad_phases)
        snprintf(phases, sizeof(phases), "charger_phases %" PRId64 " is not greater than 0",
                 charge->charger_phases.value);
    return recorder_reject(call, "invalid charge data: %s%s%s%s", phases,
                           bad_phases && missing[0] != '\0' ? "; " : "",
                           missing[0] != '\0' ? "missing " : "", missing);
}

void charge_add_values(struct sql_params *params, const struct charge_record *charge)
{
    sql_params_add_opt_time(params, charge->date_us);
    sql_params_add_double(params, "charge_energy_added", charge->charge_energy_added_kwh);
    sql_params_add_smallint(params, "charger_power", charge->charger_power_kw);
    sql_params_add_double(params, "ideal_battery_range_km", charge->ideal_battery_range_km);
    sql_params_add_double(params, "rated_battery_range_km", charge->rated_battery_range_km);
    sql_params_add_smallint(params, "charger_phases", charge->charger_phases);
    sql_params_add_smallint(params, "charger_actual_current", charge->charger_actual_current_a);
    sql_params_add_smallint(params, "charger_pilot_current", charge->charger_pilot_current_a);
    sql_params_add_smallint(params, "charger_voltage", charge->charger_voltage_v);
    sql_params_add_smallint(params, "battery_level", charge->battery_level);
    sql_params_add_smallint(params, "usable_battery_level", charge->usable_battery_level);
    sql_params_add_double(params, "outside_temp", charge->outside_temp_c);
    sql_params_add_bool(params, charge->battery_heater_on);
    sql_params_add_bool(params, charge->battery_heater);
    sql_params_add_bool(params, charge->battery_heater_no_power);
    sql_params_add_bool(params, charge->fast_charger_present);
    sql_params_add_bool(params, charge->not_enough_power_to_heat);
    sql_params_add_text(params, charge->conn_charge_cable);
    sql_params_add_text(params, charge->fast_charger_brand);
    sql_params_add_text(params, charge->fast_charger_type);
}

enum recorder_status recorder_insert_charge(struct recorder *recorder,
                                            int64_t charging_process_id,
                                            const struct charge_record *charge,
                                            int64_t *charge_id)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "insert charge of charging process %" PRId64,
                       charging_process_id);
    *charge_id = 0;
    if ((status = check_charge(&call, charging_process_id, charge)) != RECORDER_OK)
        return status;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    sql_params_add_tenant(&params, recorder);
    charge_add_values(&params, charge);
    status = recorder_exec(
        &call,
        "INSERT INTO charges (charging_process_id, tenant_id, date, charge_energy_added,"
        " charger_power, ideal_battery_range_km, rated_battery_range_km, charger_phases,"
        " charger_actual_current, charger_pilot_current, charger_voltage, battery_level,"
        " usable_battery_level, outside_temp, battery_heater_on, battery_heater,"
        " battery_heater_no_power, fast_charger_present, not_enough_power_to_heat,"
        " conn_charge_cable, fast_charger_brand, fast_charger_type)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " $18, $19, $20, $21, $22) RETURNING id",
        &params, &result);
    if (status == RECORDER_OK)
        *charge_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return recorder_end(&call, status);
}

enum recorder_status recorder_set_charging_process_address(struct recorder *recorder,
                                                           int64_t charging_process_id,
                                                           int64_t address_id)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "set address of charging process %" PRId64,
                       charging_process_id);
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    sql_params_add_id(&params, address_id);
    status = recorder_exec(&call,
                           "UPDATE charging_processes SET address_id = $2 WHERE id = $1"
                           " RETURNING id",
                           &params, &result);
    if (status == RECORDER_OK && PQntuples(result) == 0)
        status = recorder_fail(&call, RECORDER_NOT_FOUND, "no charging process with id %" PRId64,
                               charging_process_id);
    PQclear(result);
    return recorder_end(&call, status);
}

static void read_open_process(const PGresult *result, struct open_charging_process *process)
{
    struct opt_int64 last_charge = sql_get_time(result, 0, 2);

    process->charging_process_id = sql_get_id(result, 0, 0);
    process->start_date_us = sql_get_time(result, 0, 1).value;
    process->has_last_charge = last_charge.known;
    process->last_charge_date_us = last_charge.value;
    process->charge_count = sql_get_int64(result, 0, 3).value;
    process->position_id = sql_get_id(result, 0, 4);
}

static enum recorder_status read_process_position(struct recorder_call *call,
                                                  struct open_charging_process *process)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, process->position_id);
    enum recorder_status status = recorder_exec(
        call, "SELECT " STORED_POSITION_COLUMNS " FROM positions WHERE id = $1", &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0)
        position_read(result, 0, &process->position);
    PQclear(result);
    return status;
}

enum recorder_status recorder_find_open_charging_process(struct recorder *recorder,
                                                         int64_t car_id,
                                                         struct open_charging_process *process,
                                                         bool *found)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "find open charging process");
    memset(process, 0, sizeof(*process));
    *found = false;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    status = recorder_exec(&call,
                           "SELECT cp.id, cp.start_date,"
                           " (SELECT max(date) FROM charges WHERE charging_process_id = cp.id),"
                           " (SELECT count(*) FROM charges WHERE charging_process_id = cp.id),"
                           " cp.position_id"
                           " FROM charging_processes cp WHERE cp.car_id = $1 AND cp.end_date IS NULL"
                           " ORDER BY cp.start_date DESC, cp.id DESC LIMIT 1",
                           &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0) {
        *found = true;
        read_open_process(result, process);
    }
    PQclear(result);
    if (status == RECORDER_OK && *found)
        status = read_process_position(&call, process);
    return recorder_end(&call, status);
}
