/* One imported file's rows in one transaction, as multi-row inserts. */
#include "import_store_internal.h"

#include "effects.h"
#include "import_sql.h"
#include "log.h"
#include "numeric_text.h"
#include "recorder_sql.h"
#include "vehicle_fsm_records.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_TEXT_SIZE 24

static void id_text(int64_t id, char out[ID_TEXT_SIZE])
{
    snprintf(out, ID_TEXT_SIZE, "%" PRId64, id);
}

static bool out_of_memory(struct import_store *store, const char *action)
{
    snprintf(store->message, sizeof(store->message), "%s: out of memory", action);
    return false;
}

/* Takes `count` values of a sequence, the way the column default would. */
static bool allocate_ids(struct import_store *store, const char *sequence, size_t count,
                         int64_t *ids)
{
    char sql[128], count_text[ID_TEXT_SIZE];
    const char *values[] = {count_text};
    PGresult *result;

    if (count == 0)
        return true;
    snprintf(sql, sizeof(sql), "SELECT nextval('%s') FROM generate_series(1, $1::integer)",
             sequence);
    id_text((int64_t)count, count_text);
    if ((result = store_query(store, "allocate row ids", sql, 1, values)) == NULL)
        return false;
    for (size_t i = 0; i < count; i++)
        ids[i] = strtoll(PQgetvalue(result, (int)i, 0), NULL, 10);
    PQclear(result);
    return true;
}

/* Runs an unnest() insert whose first parameters are the columns of `rows`
 * and whose last two are the car id and the tenant id. */
static bool insert_rows(struct import_store *store, const char *action, const char *sql,
                        struct sql_rows *rows)
{
    const char *values[SQL_ROWS_COLUMNS_MAX + 2];
    char car_id[ID_TEXT_SIZE];
    size_t count = rows->column_count;

    if (rows->row_count == 0)
        return true;
    for (size_t i = 0; i < count; i++)
        values[i] = sql_rows_column(rows, i);
    if (rows->out_of_memory)
        return out_of_memory(store, action);

    id_text(store->car_id, car_id);
    values[count] = car_id;
    values[count + 1] = store->tenant_id;
    return store_command(store, action, sql, (int)count + 2, values);
}

/* ---- values a column cannot take ------------------------------------------ */

/* Whether a value fits numeric(precision, scale) once rounded to scale. */
static bool numeric_fits(struct opt_double value, int precision, int scale)
{
    return !value.known ||
           (isfinite(value.value) &&
            fabs(fsm_round_decimals(value.value, scale)) < pow(10.0, precision - scale));
}

struct numeric_column {
    const char *name;
    size_t offset;          /* of a struct opt_double in the record */
    int precision;
    int scale;
};

/* The first numeric column of a record that its value does not fit, or
 * NULL when all fit. */
static const char *misfit_column(const void *record, const struct numeric_column *columns,
                                 size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct opt_double *value =
            (const struct opt_double *)((const char *)record + columns[i].offset);

        if (!numeric_fits(*value, columns[i].precision, columns[i].scale))
            return columns[i].name;
    }
    return NULL;
}

#define POSITION_NUMERIC(name, field, precision, scale) \
    { name, offsetof(struct position_record, field), precision, scale }

static const struct numeric_column position_numerics[] = {
    POSITION_NUMERIC("latitude", latitude, 8, 6),
    POSITION_NUMERIC("longitude", longitude, 9, 6),
    POSITION_NUMERIC("ideal_battery_range_km", ideal_battery_range_km, 6, 2),
    POSITION_NUMERIC("est_battery_range_km", est_battery_range_km, 6, 2),
    POSITION_NUMERIC("rated_battery_range_km", rated_battery_range_km, 6, 2),
    POSITION_NUMERIC("outside_temp", outside_temp_c, 4, 1),
    POSITION_NUMERIC("inside_temp", inside_temp_c, 4, 1),
    POSITION_NUMERIC("driver_temp_setting", driver_temp_setting_c, 4, 1),
    POSITION_NUMERIC("passenger_temp_setting", passenger_temp_setting_c, 4, 1),
    POSITION_NUMERIC("tpms_pressure_fl", tpms_pressure_fl_bar, 4, 1),
    POSITION_NUMERIC("tpms_pressure_fr", tpms_pressure_fr_bar, 4, 1),
    POSITION_NUMERIC("tpms_pressure_rl", tpms_pressure_rl_bar, 4, 1),
    POSITION_NUMERIC("tpms_pressure_rr", tpms_pressure_rr_bar, 4, 1),
};

#define CHARGE_NUMERIC(name, field, precision, scale) \
    { name, offsetof(struct charge_record, field), precision, scale }

static const struct numeric_column charge_numerics[] = {
    CHARGE_NUMERIC("charge_energy_added", charge_energy_added_kwh, 8, 2),
    CHARGE_NUMERIC("ideal_battery_range_km", ideal_battery_range_km, 6, 2),
    CHARGE_NUMERIC("rated_battery_range_km", rated_battery_range_km, 6, 2),
    CHARGE_NUMERIC("outside_temp", outside_temp_c, 4, 1),
};

/* A row the database would refuse costs only that row, as in the live
 * recorder: it is logged and counted. */
static void skip_value(struct import_store *store, struct import_write_counts *counts,
                       const char *table, int64_t date_ms, const char *problem)
{
    char date[RECORDER_TIME_TEXT_SIZE];

    store_time_text(date_ms, date);
    log_car_warning(store->car_id, "skipped an imported %s row dated %s: %s", table, date,
                    problem);
    counts->skipped_values++;
}

/* ---- positions ------------------------------------------------------------- */

#define POSITION_ARRAYS 29      /* id, drive_id and the 27 POSITION_COLUMNS */

static const char insert_positions_sql[] =
    "INSERT INTO positions (id, drive_id, " POSITION_COLUMNS ", car_id, tenant_id)"
    " SELECT coalesce(u.id, nextval('positions_id_seq')), u.drive_id, u.date, u.latitude,"
    "  u.longitude, u.elevation, u.speed, u.power, u.odometer, u.ideal_battery_range_km,"
    "  u.est_battery_range_km, u.rated_battery_range_km, u.battery_level,"
    "  u.usable_battery_level, u.outside_temp, u.inside_temp, u.fan_status,"
    "  u.driver_temp_setting, u.passenger_temp_setting, u.is_climate_on,"
    "  u.is_rear_defroster_on, u.is_front_defroster_on, u.battery_heater,"
    "  u.battery_heater_on, u.battery_heater_no_power, u.tpms_pressure_fl,"
    "  u.tpms_pressure_fr, u.tpms_pressure_rl, u.tpms_pressure_rr, $30, $31"
    " FROM unnest($1::integer[], $2::integer[], $3::timestamp[], $4::numeric[],"
    "  $5::numeric[], $6::smallint[], $7::smallint[], $8::smallint[], $9::float8[],"
    "  $10::numeric[], $11::numeric[], $12::numeric[], $13::smallint[], $14::smallint[],"
    "  $15::numeric[], $16::numeric[], $17::integer[], $18::numeric[], $19::numeric[],"
    "  $20::boolean[], $21::boolean[], $22::boolean[], $23::boolean[], $24::boolean[],"
    "  $25::boolean[], $26::numeric[], $27::numeric[], $28::numeric[], $29::numeric[])"
    " AS u(id, drive_id, date, latitude, longitude, elevation, speed, power, odometer,"
    "  ideal_battery_range_km, est_battery_range_km, rated_battery_range_km, battery_level,"
    "  usable_battery_level, outside_temp, inside_temp, fan_status, driver_temp_setting,"
    "  passenger_temp_setting, is_climate_on, is_rear_defroster_on, is_front_defroster_on,"
    "  battery_heater, battery_heater_on, battery_heater_no_power, tpms_pressure_fl,"
    "  tpms_pressure_fr, tpms_pressure_rl, tpms_pressure_rr)";


/* Appends one position; false when the database could not take it. */
static bool add_position(struct import_store *store, struct sql_rows *rows,
                         const struct fsm_position *position, int64_t id, int64_t drive_id,
                         struct import_write_counts *counts)
{
    struct position_record record;
    struct sql_params params;
    const char *misfit;

    if (!position->location_known) {
        skip_value(store, counts, "positions", position->date_ms, "no latitude and longitude");
        return false;
    }
    effects_position_record(position, &record);
    sql_params_init(&params);
    sql_params_add_id(&params, id);
    sql_params_add_id(&params, drive_id);
    position_add_values(&params, &record);

    if ((misfit = misfit_column(&record, position_numerics,
                                sizeof(position_numerics) / sizeof(position_numerics[0]))) !=
        NULL) {
        char problem[96];

        snprintf(problem, sizeof(problem), "%s is out of the column's range", misfit);
        skip_value(store, counts, "positions", position->date_ms, problem);
        return false;
    }
    if (params.invalid[0] != '\0') {
        skip_value(store, counts, "positions", position->date_ms, params.invalid);
        return false;
    }
    sql_rows_add(rows, params.values);
    counts->positions++;
    return true;
}

/* ---- drives and charging processes ----------------------------------------- */

/* Placeholders, closed at their start: the recorder's aggregates set the
 * real dates when the drive ends. */
static bool insert_drives(struct import_store *store, struct import_batch *batch)
{
    size_t count = 0;
    int64_t *ids = calloc(batch->drive_count + 1, sizeof(*ids));
    struct sql_rows rows;
    bool ok;

    if (ids == NULL)
        return out_of_memory(store, "insert drives");
    for (size_t i = 0; i < batch->drive_count; i++)
        count += batch->drives[i].drive_id == 0 ? 1 : 0;
    ok = allocate_ids(store, "trips_id_seq", count, ids);

    sql_rows_init(&rows, 2);
    for (size_t i = 0, next = 0; ok && i < batch->drive_count; i++) {
        struct import_drive *drive = &batch->drives[i];
        char id[ID_TEXT_SIZE], date[RECORDER_TIME_TEXT_SIZE];
        const char *values[] = {id, date};

        if (drive->drive_id != 0)
            continue;
        drive->drive_id = ids[next++];
        id_text(drive->drive_id, id);
        store_time_text(drive->start_ms, date);
        sql_rows_add(&rows, values);
    }
    ok = ok && insert_rows(store, "insert drives",
                           "INSERT INTO drives (id, start_date, end_date, car_id, tenant_id)"
                           " SELECT u.id, u.start_date, u.start_date, $3, $4"
                           " FROM unnest($1::integer[], $2::timestamp[]) AS u(id, start_date)",
                           &rows);
    sql_rows_free(&rows);
    free(ids);
    return ok;
}

/* Gives the new charging processes and their positions ids, and adds the
 * positions to `positions`. A process without a usable position cannot be
 * stored (charging_processes.position_id is required) and is left out with
 * its charges. */
static bool prepare_charging_processes(struct import_store *store, struct import_batch *batch,
                                       struct sql_rows *positions,
                                       struct import_write_counts *counts)
{
    size_t count = 0;
    int64_t *ids = calloc(2 * batch->charging_process_count + 1, sizeof(*ids));
    bool ok;

    if (ids == NULL)
        return out_of_memory(store, "insert charging processes");
    for (size_t i = 0; i < batch->charging_process_count; i++)
        count += batch->charging_processes[i].continued ? 0 : 1;
    ok = allocate_ids(store, "charging_processes_id_seq", count, ids) &&
         allocate_ids(store, "positions_id_seq", count, ids + count);

    for (size_t i = 0, next = 0; ok && i < batch->charging_process_count; i++) {
        struct import_charging_process *process = &batch->charging_processes[i];

        if (process->continued)
            continue;
        process->position_id = ids[count + next];
        if (add_position(store, positions, &process->position, process->position_id, 0, counts))
            process->charging_process_id = ids[next];
        next++;
    }
    free(ids);
    return ok;
}

static bool insert_charging_processes(struct import_store *store,
                                      const struct import_batch *batch)
{
    struct sql_rows rows;
    bool ok;

    sql_rows_init(&rows, 5);
    for (size_t i = 0; i < batch->charging_process_count; i++) {
        const struct import_charging_process *process = &batch->charging_processes[i];
        char id[ID_TEXT_SIZE], position_id[ID_TEXT_SIZE], date[RECORDER_TIME_TEXT_SIZE];
        char latitude[NUMERIC_TEXT_SIZE], longitude[NUMERIC_TEXT_SIZE];
        const char *values[] = {id, date, position_id, latitude, longitude};

        if (process->continued || process->charging_process_id == 0)
            continue;
        id_text(process->charging_process_id, id);
        id_text(process->position_id, position_id);
        store_time_text(process->start_ms, date);
        numeric_text_format(process->position.latitude, latitude);
        numeric_text_format(process->position.longitude, longitude);
        sql_rows_add(&rows, values);
    }

    /* The geofence is matched at the unrounded point, as the recorder does. */
    ok = insert_rows(store, "insert charging processes",
                     "INSERT INTO charging_processes (id, start_date, end_date, position_id,"
                     " geofence_id, car_id, tenant_id)"
                     " SELECT u.id, u.start_date, u.start_date, u.position_id,"
                     " " SQL_GEOFENCE_AT("u.latitude", "u.longitude") ", $6, $7"
                     " FROM unnest($1::integer[], $2::timestamp[], $3::integer[],"
                     "  $4::float8[], $5::float8[])"
                     " AS u(id, start_date, position_id, latitude, longitude)",
                     &rows);
    sql_rows_free(&rows);
    return ok;
}

/* ---- charges --------------------------------------------------------------- */

#define CHARGE_ARRAYS 21        /* charging_process_id and 20 columns */

static const char insert_charges_sql[] =
    "INSERT INTO charges (charging_process_id, date, charge_energy_added, charger_power,"
    " ideal_battery_range_km, rated_battery_range_km, charger_phases,"
    " charger_actual_current, charger_pilot_current, charger_voltage, battery_level,"
    " usable_battery_level, outside_temp, battery_heater_on, battery_heater,"
    " battery_heater_no_power, fast_charger_present, not_enough_power_to_heat,"
    " conn_charge_cable, fast_charger_brand, fast_charger_type, tenant_id)"
    " SELECT u.*, $22 FROM unnest($1::integer[], $2::timestamp[], $3::numeric[],"
    "  $4::smallint[], $5::numeric[], $6::numeric[], $7::smallint[], $8::smallint[],"
    "  $9::smallint[], $10::smallint[], $11::smallint[], $12::smallint[], $13::numeric[],"
    "  $14::boolean[], $15::boolean[], $16::boolean[], $17::boolean[], $18::boolean[],"
    "  $19::text[], $20::text[], $21::text[]) AS u";

/* The recorder's required columns and its positive phase count. */
static const char *charge_problem(const struct charge_record *charge)
{
    if (!charge->charge_energy_added_kwh.known)
        return "missing charge_energy_added";
    if (!charge->charger_power_kw.known)
        return "missing charger_power";
    if (!charge->ideal_battery_range_km.known)
        return "missing ideal_battery_range_km";
    if (charge->charger_phases.known && charge->charger_phases.value <= 0)
        return "charger_phases is not greater than 0";
    return NULL;
}


static void add_charge(struct import_store *store, struct sql_rows *rows,
                       const struct import_charge *charge, int64_t charging_process_id,
                       struct import_write_counts *counts)
{
    struct charge_record record;
    struct sql_params params;
    const char *problem;

    effects_charge_record(&charge->charge, &record);
    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    charge_add_values(&params, &record);

    problem = charge_problem(&record);
    if (problem == NULL)
        problem = misfit_column(&record, charge_numerics,
                                sizeof(charge_numerics) / sizeof(charge_numerics[0]));
    if (problem == NULL && params.invalid[0] != '\0')
        problem = params.invalid;
    if (problem != NULL) {
        skip_value(store, counts, "charges", charge->charge.date_ms, problem);
        return;
    }
    sql_rows_add(rows, params.values);
    counts->charges++;
}

static bool insert_charges(struct import_store *store, const struct import_batch *batch,
                           struct import_write_counts *counts)
{
    struct sql_rows rows;
    const char *values[CHARGE_ARRAYS + 1];
    bool ok = true;

    sql_rows_init(&rows, CHARGE_ARRAYS);
    for (size_t i = 0; i < batch->charge_count; i++) {
        const struct import_charge *charge = &batch->charges[i];
        int64_t process_id = batch->charging_processes[charge->charging_process].charging_process_id;

        if (process_id != 0)
            add_charge(store, &rows, charge, process_id, counts);
    }

    if (rows.row_count > 0) {
        for (size_t i = 0; i < CHARGE_ARRAYS; i++)
            values[i] = sql_rows_column(&rows, i);
        values[CHARGE_ARRAYS] = store->tenant_id;
        ok = rows.out_of_memory
                 ? out_of_memory(store, "insert charges")
                 : store_command(store, "insert charges", insert_charges_sql, CHARGE_ARRAYS + 1,
                                 values);
    }
    sql_rows_free(&rows);
    return ok;
}

/* ---- positions, states, updates, the car ------------------------------------ */

static bool insert_positions(struct import_store *store, struct import_batch *batch,
                             struct import_write_counts *counts)
{
    struct sql_rows rows;
    bool ok;

    sql_rows_init(&rows, POSITION_ARRAYS);
    ok = prepare_charging_processes(store, batch, &rows, counts);
    for (size_t i = 0; ok && i < batch->position_count; i++) {
        const struct import_position *position = &batch->positions[i];
        int64_t drive_id = position->drive != IMPORT_NO_REF
                               ? batch->drives[position->drive].drive_id
                               : 0;

        add_position(store, &rows, &position->position, 0, drive_id, counts);
    }
    ok = ok && insert_rows(store, "insert positions", insert_positions_sql, &rows);
    sql_rows_free(&rows);
    return ok;
}

static const char *state_name(enum fsm_recorded_state state)
{
    switch (state) {
    case FSM_RECORDED_ASLEEP:
        return "asleep";
    case FSM_RECORDED_OFFLINE:
        return "offline";
    default:
        return "online";
    }
}

/* Ends the state the previous file ended in where this file's first state
 * starts. */
static bool end_previous_state(struct import_store *store, const struct import_batch *batch)
{
    char id[ID_TEXT_SIZE], date[RECORDER_TIME_TEXT_SIZE];
    const char *values[] = {id, date};

    if (batch->state_count == 0 || batch->current.state_id == 0)
        return true;
    id_text(batch->current.state_id, id);
    store_time_text(batch->states[0].start_ms, date);
    return store_command(store, "end the previous imported state",
                         "UPDATE states SET end_date = $2 WHERE id = $1", 2, values);
}

/* Each state ends where the next one starts; the file's last one ends at
 * its own start until a later file or the end of the import moves it. */
static bool insert_states(struct import_store *store, struct import_batch *batch,
                          struct import_write_counts *counts)
{
    int64_t *ids = calloc(batch->state_count + 1, sizeof(*ids));
    struct sql_rows rows;
    bool ok;

    if (ids == NULL)
        return out_of_memory(store, "insert states");
    ok = end_previous_state(store, batch) &&
         allocate_ids(store, "states_id_seq", batch->state_count, ids);

    sql_rows_init(&rows, 4);
    for (size_t i = 0; ok && i < batch->state_count; i++) {
        const struct import_state *state = &batch->states[i];
        int64_t end_ms = i + 1 < batch->state_count ? batch->states[i + 1].start_ms
                                                    : state->start_ms;
        char id[ID_TEXT_SIZE], start[RECORDER_TIME_TEXT_SIZE], end[RECORDER_TIME_TEXT_SIZE];
        const char *values[] = {id, state_name(state->state), start, end};

        id_text(ids[i], id);
        store_time_text(state->start_ms, start);
        store_time_text(end_ms, end);
        sql_rows_add(&rows, values);
    }
    ok = ok && insert_rows(store, "insert states",
                           "INSERT INTO states (id, state, start_date, end_date, car_id,"
                           " tenant_id) SELECT u.id, u.state::states_status, u.start_date,"
                           " u.end_date, $5, $6 FROM unnest($1::integer[], $2::text[],"
                           " $3::timestamp[], $4::timestamp[]) AS u(id, state, start_date,"
                           " end_date)",
                           &rows);
    if (ok && batch->state_count > 0) {
        batch->current.state_id = ids[batch->state_count - 1];
        counts->states += (long)batch->state_count;
    }
    sql_rows_free(&rows);
    free(ids);
    return ok;
}

static bool insert_updates(struct import_store *store, const struct import_batch *batch,
                           struct import_write_counts *counts)
{
    struct sql_rows rows;
    bool ok;

    sql_rows_init(&rows, 2);
    for (size_t i = 0; i < batch->update_count; i++) {
        char date[RECORDER_TIME_TEXT_SIZE];
        const char *values[] = {date, batch->updates[i].version};

        store_time_text(batch->updates[i].date_ms, date);
        sql_rows_add(&rows, values);
    }
    ok = insert_rows(store, "insert updates",
                     "INSERT INTO updates (start_date, end_date, version, car_id, tenant_id)"
                     " SELECT u.date, u.date, u.version, $3, $4"
                     " FROM unnest($1::timestamp[], $2::text[]) AS u(date, version)",
                     &rows);
    if (ok)
        counts->updates += (long)batch->update_count;
    sql_rows_free(&rows);
    return ok;
}

/* The name and model from the rows, only for a car without newer history:
 * an old export must not rename a car the live worker keeps up to date. */
static bool update_car(struct import_store *store, const struct import_batch *batch)
{
    const struct import_car_details *details = &batch->car;
    struct car_record car;
    unsigned columns = 0;
    bool changed = false;
    double started_s;
    enum recorder_status status;

    if (!details->known || !store->update_car_details)
        return true;

    effects_car_record(details->name, details->identified, &details->identity, &car, &columns);
    started_s = store_wall_s();
    status = recorder_update_car(&store->recorder, store->car_id, &car, columns, &changed);
    store->database_s += store_wall_s() - started_s;
    if (status != RECORDER_OK)
        return store_recorder_failed(store, "update the car");
    return true;
}

/* ---- aggregates, rejections, checkpoint -------------------------------------- */

static bool close_records(struct import_store *store, const struct import_batch *batch,
                          struct import_write_counts *counts)
{
    for (size_t i = 0; i < batch->drive_count; i++) {
        const struct import_drive *drive = &batch->drives[i];

        if (drive->closed && !store_close_drive(store, drive->drive_id, counts))
            return false;
    }
    for (size_t i = 0; i < batch->charging_process_count; i++) {
        const struct import_charging_process *process = &batch->charging_processes[i];

        if (process->completed && process->charging_process_id != 0 &&
            !store_complete_charging_process(store, process->charging_process_id,
                                             process->end_ms, counts))
            return false;
    }
    return true;
}

/* "{a,b}": a field list as an array literal (names hold no quotes). */
static void fields_literal(const struct import_rejection *rejection, char *out, size_t size)
{
    size_t length = (size_t)snprintf(out, size, "{");

    for (size_t i = 0; i < rejection->field_count && length < size; i++)
        length += (size_t)snprintf(out + length, size - length, "%s\"%s\"", i > 0 ? "," : "",
                                   rejection->fields[i]);
    if (length < size)
        snprintf(out + length, size - length, "}");
}

bool store_insert_rejections(struct import_store *store, const char *file_name,
                             const char *fingerprint, const struct import_rejection *rejections,
                             size_t count, struct import_write_counts *counts)
{
    struct sql_rows rows;
    const char *values[6];
    char run_id[ID_TEXT_SIZE];
    PGresult *result;

    if (count == 0)
        return true;
    sql_rows_init(&rows, 3);
    for (size_t i = 0; i < count; i++) {
        char row[ID_TEXT_SIZE], fields[IMPORT_REJECTION_FIELDS_MAX * (IMPORT_FIELD_NAME_SIZE + 3) + 3];
        const char *row_values[] = {row, import_rejection_reason_name(rejections[i].reason),
                                    fields};

        id_text(rejections[i].row, row);
        fields_literal(&rejections[i], fields, sizeof(fields));
        sql_rows_add(&rows, row_values);
    }
    for (size_t i = 0; i < 3; i++)
        values[i] = sql_rows_column(&rows, i);
    if (rows.out_of_memory) {
        sql_rows_free(&rows);
        return out_of_memory(store, "insert rejections");
    }
    id_text(store->run_id, run_id);
    values[3] = run_id;
    values[4] = file_name;
    values[5] = fingerprint;

    result = store_query(
        store, "insert rejections",
        "INSERT INTO import_rejections (run_id, file_name, file_fingerprint, \"row\", reason,"
        " fields, inserted_at, updated_at, tenant_id)"
        " SELECT $4, $5, $6, u.row, u.reason, u.fields::varchar(255)[],"
        " now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',"
        " current_setting('tenantmate.tenant_id')::uuid"
        " FROM unnest($1::integer[], $2::text[], $3::text[]) AS u(row, reason, fields)"
        " ON CONFLICT DO NOTHING",
        6, values);
    sql_rows_free(&rows);
    if (result == NULL)
        return false;
    counts->rejections += strtol(PQcmdTuples(result), NULL, 10);
    PQclear(result);
    return true;
}

static bool insert_checkpoint(struct import_store *store, const char *file_name,
                              const char *fingerprint)
{
    char run_id[ID_TEXT_SIZE];
    const char *values[] = {run_id, file_name, fingerprint, store->tenant_id};

    id_text(store->run_id, run_id);
    return store_command(
        store, "record the file checkpoint",
        "INSERT INTO import_file_checkpoints (run_id, file_name, file_fingerprint,"
        " completed_at, inserted_at, updated_at, tenant_id)"
        " VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',"
        " now() AT TIME ZONE 'UTC', $4) ON CONFLICT DO NOTHING",
        4, values);
}

static bool write_rows(struct import_store *store, struct import_batch *batch,
                       struct import_write_counts *counts)
{
    return insert_drives(store, batch) && insert_positions(store, batch, counts) &&
           insert_charging_processes(store, batch) && insert_charges(store, batch, counts) &&
           insert_states(store, batch, counts) && insert_updates(store, batch, counts) &&
           update_car(store, batch) && close_records(store, batch, counts);
}

bool import_store_write_file(struct import_store *store, struct import_batch *batch,
                             const char *file_name, const char *fingerprint,
                             const struct import_rejection *rejections, size_t rejection_count,
                             struct import_write_counts *counts)
{
    struct import_write_counts file_counts = {0};

    if (batch->out_of_memory)
        return out_of_memory(store, "collect the file's rows");
    if (!store_begin(store, "write the file"))
        return false;
    if (!write_rows(store, batch, &file_counts) ||
        !store_insert_rejections(store, file_name, fingerprint, rejections, rejection_count,
                                 &file_counts) ||
        !insert_checkpoint(store, file_name, fingerprint) ||
        !store_commit(store, "write the file")) {
        store_rollback(store);
        return false;
    }

    counts->states += file_counts.states;
    counts->drives += file_counts.drives;
    counts->drives_discarded += file_counts.drives_discarded;
    counts->charging_processes += file_counts.charging_processes;
    counts->positions += file_counts.positions;
    counts->charges += file_counts.charges;
    counts->updates += file_counts.updates;
    counts->rejections += file_counts.rejections;
    counts->skipped_values += file_counts.skipped_values;
    return true;
}

bool import_store_save_rejections(struct import_store *store, const char *file_name,
                                  const char *fingerprint,
                                  const struct import_rejection *rejections, size_t count,
                                  struct import_write_counts *counts)
{
    if (!store_begin(store, "save rejections"))
        return false;
    if (!store_insert_rejections(store, file_name, fingerprint, rejections, count, counts)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "save rejections");
}
