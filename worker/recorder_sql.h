/*
 * recorder_sql: plumbing shared by the recorder's files. Formats statement
 * parameters as text, runs one statement with PQexecParams (no named
 * prepared statement), reads result fields, and wraps each recorder call in
 * one tenant transaction.
 *
 * Contract: internal to the recorder. A struct recorder_call names the
 * call for messages ("close drive 12") and carries the car id for logs.
 * recorder_exec() and recorder_begin() store and log every failure.
 * recorder_end() commits after success and rolls back otherwise, so each
 * public function reads: check input, begin, statements, end. Parameter text
 * lives in struct sql_params itself, except text values, which point to
 * the caller's strings and must outlive the statement.
 */
#ifndef TENANTMATE_RECORDER_SQL_H
#define TENANTMATE_RECORDER_SQL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

#define SQL_PARAMS_MAX 40
#define SQL_PARAM_TEXT_SIZE 40

/* The current UTC time in whole seconds, as Ecto fills inserted_at and
 * updated_at. */
#define SQL_NOW_SECONDS "date_trunc('second', now() AT TIME ZONE 'UTC')"

struct sql_params {
    int count;
    const char *values[SQL_PARAMS_MAX];
    char text[SQL_PARAMS_MAX][SQL_PARAM_TEXT_SIZE];
    /* The first value that no column can take (NaN, out of a smallint's
     * range, too many parameters): recorder_exec() rejects the statement. */
    char invalid[RECORDER_MESSAGE_SIZE / 2];
};

struct recorder_call {
    struct recorder *recorder;
    int64_t car_id;                 /* LOG_NO_CAR until known */
    char action[96];
};

void recorder_call_init(struct recorder_call *call, struct recorder *recorder, int64_t car_id,
                        const char *format, ...) __attribute__((format(printf, 4, 5)));

/* Stores and logs (as a warning) input rejected before any SQL. Returns
 * RECORDER_INVALID_INPUT. */
enum recorder_status recorder_reject(struct recorder_call *call, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Stores and logs a failure found by the caller in a successful result
 * (a row that does not exist). */
enum recorder_status recorder_fail(struct recorder_call *call, enum recorder_status status,
                                   const char *format, ...)
    __attribute__((format(printf, 3, 4)));

enum recorder_status recorder_begin(struct recorder_call *call);

/* Runs one statement. On success *result (when result is not NULL) is the
 * caller's to PQclear(). */
enum recorder_status recorder_exec(struct recorder_call *call, const char *sql,
                                   const struct sql_params *params, PGresult **result);

/* Commits when status is RECORDER_OK, rolls back otherwise; returns the
 * final status. */
enum recorder_status recorder_end(struct recorder_call *call, enum recorder_status status);

void sql_params_init(struct sql_params *params);
void sql_params_add_null(struct sql_params *params);
void sql_params_add_text(struct sql_params *params, const char *text);
void sql_params_add_int64(struct sql_params *params, int64_t value);
void sql_params_add_id(struct sql_params *params, int64_t id);
void sql_params_add_tenant(struct sql_params *params, const struct recorder *recorder);
void sql_params_add_smallint(struct sql_params *params, const char *column,
                             struct opt_int64 value);
void sql_params_add_integer(struct sql_params *params, const char *column,
                            struct opt_int64 value);
void sql_params_add_bigint(struct sql_params *params, struct opt_int64 value);
void sql_params_add_double(struct sql_params *params, const char *column,
                           struct opt_double value);
void sql_params_add_bool(struct sql_params *params, struct opt_bool value);
void sql_params_add_time(struct sql_params *params, int64_t date_us);
void sql_params_add_opt_time(struct sql_params *params, struct opt_int64 date_us);

/* Result fields; a NULL field is "unknown" (or 0 for an id). */
int64_t sql_get_id(const PGresult *result, int row, int column);
struct opt_int64 sql_get_int64(const PGresult *result, int row, int column);
struct opt_double sql_get_double(const PGresult *result, int row, int column);
struct opt_bool sql_get_bool(const PGresult *result, int row, int column);
struct opt_int64 sql_get_time(const PGresult *result, int row, int column);
void sql_get_text(const PGresult *result, int row, int column, char *out, size_t size);

/* True when text is NULL, empty or only whitespace: stored as NULL. */
bool sql_text_is_blank(const char *text);

/* ---- steps shared between the recorder's files, run inside a call's
 * transaction ---------------------------------------------------------- */

/* The positions columns a position_record holds, in its field order. */
#define POSITION_COLUMNS                                                              \
    "date, latitude, longitude, elevation, speed, power, odometer,"                   \
    " ideal_battery_range_km, est_battery_range_km, rated_battery_range_km,"          \
    " battery_level, usable_battery_level, outside_temp, inside_temp, fan_status,"    \
    " driver_temp_setting, passenger_temp_setting, is_climate_on,"                    \
    " is_rear_defroster_on, is_front_defroster_on, battery_heater, battery_heater_on," \
    " battery_heater_no_power, tpms_pressure_fl, tpms_pressure_fr, tpms_pressure_rl," \
    " tpms_pressure_rr"

/* "id, car_id, drive_id, " POSITION_COLUMNS: what position_read() expects. */
#define STORED_POSITION_COLUMNS "id, car_id, drive_id, " POSITION_COLUMNS

/* The geofence whose circle contains the point (lat, lng), nearest centre
 * first: an earth_box prefilter, then a great-circle distance strictly
 * below the radius, in metres on earthdistance's sphere. */
#define SQL_GEOFENCE_AT(lat, lng)                                                     \
    "(SELECT g.id FROM geofences g"                                                   \
    " WHERE earth_box(ll_to_earth(g.latitude, g.longitude), g.radius)"                \
    "   @> ll_to_earth(" lat ", " lng ")"                                             \
    " AND earth_distance(ll_to_earth(g.latitude, g.longitude), ll_to_earth(" lat ", " lng "))" \
    "   < g.radius"                                                                   \
    " ORDER BY earth_distance(ll_to_earth(g.latitude, g.longitude),"                  \
    "   ll_to_earth(" lat ", " lng ")), g.id LIMIT 1)"

/* Rejects a position without car, date, latitude or longitude. */
enum recorder_status position_check(struct recorder_call *call, int64_t car_id,
                                    const struct position_record *position);
enum recorder_status position_insert(struct recorder_call *call, int64_t car_id, int64_t drive_id,
                                     const struct position_record *position,
                                     int64_t *position_id);
/* Append a position's or a charge's values, in POSITION_COLUMNS order or
 * the charges insert's column order, as the recorder and the import's
 * batched inserts both send them. */
void position_add_values(struct sql_params *params, const struct position_record *position);
void charge_add_values(struct sql_params *params, const struct charge_record *charge);

/* Reads STORED_POSITION_COLUMNS starting at column 0 of the row. */
void position_read(const PGresult *result, int row, struct stored_position *position);

/* Recomputes one car's efficiency inside the call's transaction. */
enum recorder_status efficiency_update(struct recorder_call *call, int64_t car_id);

#endif
