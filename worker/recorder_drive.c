/* Drives: open, close with TeslaMate's aggregates or delete, find an open
 * drive after a restart. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>
#include <string.h>

/*
 * Aggregates of the drive's positions ($1 = drive id), in one row, or no
 * row when the drive fails TeslaMate's keep rule:
 * - first and last are by date (then id, where TeslaMate leaves equal dates
 *   unordered), over the whole partition;
 * - ranges come from the positions having both an ideal range and an
 *   odometer, and the inner join drops the drive when there is none;
 * - ascent and descent sum the rises and falls between consecutive
 *   positions with an elevation; a sum that does not fit a smallint is 0;
 * - at least 2 positions and a distance of at least 0.01 km, where an
 *   unknown distance (an end without odometer) passes.
 */
#define DRIVE_AGGREGATES                                                                  \
    "WITH drive_positions AS ("                                                           \
    "  SELECT id, date, latitude, longitude, speed, power, odometer,"                     \
    "   ideal_battery_range_km, rated_battery_range_km, outside_temp, inside_temp,"       \
    "   elevation FROM positions WHERE drive_id = $1),"                                   \
    " totals AS ("                                                                        \
    "  SELECT count(*) OVER w AS position_count,"                                         \
    "   first_value(id) OVER w AS start_position_id,"                                     \
    "   last_value(id) OVER w AS end_position_id,"                                        \
    "   first_value(date) OVER w AS start_date, last_value(date) OVER w AS end_date,"     \
    "   avg(outside_temp) OVER w AS outside_temp_avg,"                                    \
    "   avg(inside_temp) OVER w AS inside_temp_avg,"                                      \
    "   max(speed) OVER w AS speed_max, max(power) OVER w AS power_max,"                  \
    "   min(power) OVER w AS power_min,"                                                  \
    "   first_value(odometer) OVER w AS start_km, last_value(odometer) OVER w AS end_km"  \
    "  FROM drive_positions"                                                              \
    "  WINDOW w AS (ORDER BY date, id"                                                    \
    "   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"                        \
    "  LIMIT 1),"                                                                         \
    " ranges AS ("                                                                        \
    "  SELECT first_value(ideal_battery_range_km) OVER w AS start_ideal_range_km,"        \
    "   last_value(ideal_battery_range_km) OVER w AS end_ideal_range_km,"                 \
    "   first_value(rated_battery_range_km) OVER w AS start_rated_range_km,"              \
    "   last_value(rated_battery_range_km) OVER w AS end_rated_range_km"                  \
    "  FROM drive_positions"                                                              \
    "  WHERE ideal_battery_range_km IS NOT NULL AND odometer IS NOT NULL"                 \
    "  WINDOW w AS (ORDER BY date, id"                                                    \
    "   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"                        \
    "  LIMIT 1),"                                                                         \
    " elevation_steps AS ("                                                               \
    "  SELECT elevation - lag(elevation) OVER (ORDER BY date, id) AS step"                \
    "  FROM drive_positions WHERE elevation IS NOT NULL),"                                \
    " climb AS ("                                                                         \
    "  SELECT coalesce(sum(step) FILTER (WHERE step > 0), 0) AS ascent,"                  \
    "   coalesce(sum(-step) FILTER (WHERE step < 0), 0) AS descent"                       \
    "  FROM elevation_steps),"                                                            \
    " result AS ("                                                                        \
    "  SELECT t.*, r.*, t.end_km - t.start_km AS distance,"                               \
    "   round(extract(epoch FROM t.end_date - t.start_date) / 60)::integer AS duration_min," \
    "   CASE WHEN c.ascent < 32768 THEN c.ascent ELSE 0 END AS ascent,"                   \
    "   CASE WHEN c.descent < 32768 THEN c.descent ELSE 0 END AS descent,"                \
    "   sp.latitude AS start_latitude, sp.longitude AS start_longitude,"                  \
    "   ep.latitude AS end_latitude, ep.longitude AS end_longitude"                       \
    "  FROM totals t CROSS JOIN ranges r CROSS JOIN climb c"                              \
    "  JOIN positions sp ON sp.id = t.start_position_id"                                  \
    "  JOIN positions ep ON ep.id = t.end_position_id"                                    \
    "  WHERE t.position_count >= 2"                                                       \
    "   AND (t.end_km - t.start_km IS NULL OR t.end_km - t.start_km >= 0.01))"

static const char close_drive_sql[] =
    DRIVE_AGGREGATES
    " UPDATE drives d SET start_date = r.start_date, end_date = r.end_date,"
    "  start_position_id = r.start_position_id, end_position_id = r.end_position_id,"
    "  outside_temp_avg = r.outside_temp_avg, inside_temp_avg = r.inside_temp_avg,"
    "  speed_max = r.speed_max, power_max = r.power_max, power_min = r.power_min,"
    "  start_ideal_range_km = r.start_ideal_range_km, end_ideal_range_km = r.end_ideal_range_km,"
    "  start_rated_range_km = r.start_rated_range_km, end_rated_range_km = r.end_rated_range_km,"
    "  start_km = r.start_km, end_km = r.end_km, distance = r.distance,"
    "  duration_min = r.duration_min, ascent = r.ascent, descent = r.descent,"
    "  start_geofence_id = " SQL_GEOFENCE_AT("r.start_latitude", "r.start_longitude") ","
    "  end_geofence_id = " SQL_GEOFENCE_AT("r.end_latitude", "r.end_longitude")
    " FROM result r WHERE d.id = $1"
    " RETURNING d.distance, d.duration_min, d.start_date, d.end_date,"
    "  d.start_position_id, d.end_position_id, r.start_latitude, r.start_longitude,"
    "  r.end_latitude, r.end_longitude, d.start_geofence_id, d.end_geofence_id";

enum recorder_status recorder_start_drive(struct recorder *recorder, int64_t car_id,
                                          int64_t start_date_us, int64_t *drive_id)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "start drive");
    *drive_id = 0;
    if (car_id <= 0)
        return recorder_reject(&call, "missing car_id");
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    sql_params_add_time(&params, start_date_us);
    sql_params_add_tenant(&params, recorder);
    status = recorder_exec(&call,
                           "INSERT INTO drives (car_id, start_date, tenant_id) VALUES ($1, $2, $3)"
                           " RETURNING id",
                           &params, &result);
    if (status == RECORDER_OK)
        *drive_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return recorder_end(&call, status);
}

/* Locks the drive and learns its car, for the logs. */
static enum recorder_status lock_drive(struct recorder_call *call, int64_t drive_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, drive_id);
    enum recorder_status status =
        recorder_exec(call, "SELECT car_id FROM drives WHERE id = $1 FOR UPDATE", &params, &result);
    if (status != RECORDER_OK)
        return status;

    if (PQntuples(result) == 0)
        status = recorder_fail(call, RECORDER_NOT_FOUND, "no drive with id %" PRId64, drive_id);
    else
        call->car_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return status;
}

static void read_summary(const PGresult *result, struct drive_summary *summary)
{
    summary->kept = true;
    summary->distance_km = sql_get_double(result, 0, 0);
    summary->duration_min = sql_get_int64(result, 0, 1).value;
    summary->start_date_us = sql_get_time(result, 0, 2).value;
    summary->end_date_us = sql_get_time(result, 0, 3).value;
    summary->start_position_id = sql_get_id(result, 0, 4);
    summary->end_position_id = sql_get_id(result, 0, 5);
    summary->start_latitude = sql_get_double(result, 0, 6).value;
    summary->start_longitude = sql_get_double(result, 0, 7).value;
    summary->end_latitude = sql_get_double(result, 0, 8).value;
    summary->end_longitude = sql_get_double(result, 0, 9).value;
    summary->start_geofence_id = sql_get_id(result, 0, 10);
    summary->end_geofence_id = sql_get_id(result, 0, 11);
}

/* Without a result row the drive failed the keep rule: TeslaMate deletes
 * it and reports distance 0 and duration 0. */
static enum recorder_status delete_drive(struct recorder_call *call, int64_t drive_id,
                                         struct drive_summary *summary)
{
    struct sql_params params;

    sql_params_init(&params);
    sql_params_add_id(&params, drive_id);
    summary->kept = false;
    summary->distance_km = (struct opt_double){.known = true, .value = 0};
    summary->duration_min = 0;
    return recorder_exec(call, "DELETE FROM drives WHERE id = $1", &params, NULL);
}

enum recorder_status recorder_close_drive(struct recorder *recorder, int64_t drive_id,
                                          struct drive_summary *summary)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "close drive %" PRId64, drive_id);
    memset(summary, 0, sizeof(*summary));
    summary->drive_id = drive_id;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    if ((status = lock_drive(&call, drive_id)) != RECORDER_OK)
        return recorder_end(&call, status);
    summary->car_id = call.car_id;

    sql_params_init(&params);
    sql_params_add_id(&params, drive_id);
    status = recorder_exec(&call, close_drive_sql, &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0)
        read_summary(result, summary);
    else if (status == RECORDER_OK)
        status = delete_drive(&call, drive_id, summary);
    PQclear(result);

    status = recorder_end(&call, status);
    if (status == RECORDER_OK && !summary->kept)
        log_car_info(call.car_id, "discarded drive %" PRId64 ": too few positions or too short",
                     drive_id);
    return status;
}

enum recorder_status recorder_set_drive_addresses(struct recorder *recorder, int64_t drive_id,
                                                  int64_t start_address_id,
                                                  int64_t end_address_id)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "set addresses of drive %" PRId64, drive_id);
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, drive_id);
    sql_params_add_id(&params, start_address_id);
    sql_params_add_id(&params, end_address_id);
    status = recorder_exec(&call,
                           "UPDATE drives SET start_address_id = coalesce($2, start_address_id),"
                           " end_address_id = coalesce($3, end_address_id)"
                           " WHERE id = $1 RETURNING car_id",
                           &params, &result);
    if (status == RECORDER_OK && PQntuples(result) == 0)
        status = recorder_fail(&call, RECORDER_NOT_FOUND, "no drive with id %" PRId64, drive_id);
    PQclear(result);
    return recorder_end(&call, status);
}

static enum recorder_status read_last_drive_position(struct recorder_call *call,
                                                     struct open_drive *drive)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, drive->drive_id);
    enum recorder_status status = recorder_exec(
        call,
        "SELECT " STORED_POSITION_COLUMNS ", count(*) OVER () FROM positions"
        " WHERE drive_id = $1 ORDER BY date DESC, id DESC LIMIT 1",
        &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0) {
        position_read(result, 0, &drive->last_position);
        drive->position_count = sql_get_int64(result, 0, PQnfields(result) - 1).value;
        drive->has_last_position = true;
    }
    PQclear(result);
    return status;
}

enum recorder_status recorder_find_open_drive(struct recorder *recorder, int64_t car_id,
                                              struct open_drive *drive, bool *found)
{
    struct recorder_call call;
    struct sql_params params;
    PGresult *result;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "find open drive");
    memset(drive, 0, sizeof(*drive));
    *found = false;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    status = recorder_exec(&call,
                           "SELECT id, start_date FROM drives WHERE car_id = $1 AND end_date IS NULL"
                           " ORDER BY start_date DESC, id DESC LIMIT 1",
                           &params, &result);
    if (status == RECORDER_OK && PQntuples(result) > 0) {
        *found = true;
        drive->drive_id = sql_get_id(result, 0, 0);
        drive->start_date_us = sql_get_time(result, 0, 1).value;
    }
    PQclear(result);
    if (status == RECORDER_OK && *found)
        status = read_last_drive_position(&call, drive);
    return recorder_end(&call, status);
}
