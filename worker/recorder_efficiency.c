/* The car's efficiency factor (kWh per km of range) from its charging
 * processes. */
#include "recorder_sql.h"

#include "log.h"

#include <inttypes.h>

/*
 * $1 = car id. The candidates are the car's processes of more than 10
 * minutes ending at 95 % or below that added energy and have both ends of
 * the preferred range. Each is given the factor energy / range added,
 * rounded to 5, 4, 3 and then 2 decimals. At each precision the largest
 * group of equal factors wins if it has a positive factor and at least 8,
 * 5, 3 or 2 members. Equal counts, which TeslaMate leaves to chance, go to
 * the smaller factor. Nothing is written when no precision succeeds or
 * the factor is already stored.
 */
static const char efficiency_sql[] =
    "WITH preferred AS ("
    "  SELECT coalesce((SELECT preferred_range FROM settings LIMIT 1), 'rated') AS range_kind),"
    " candidates AS ("
    "  SELECT cp.charge_energy_added,"
    "   CASE p.range_kind WHEN 'ideal' THEN cp.end_ideal_range_km - cp.start_ideal_range_km"
    "    ELSE cp.end_rated_range_km - cp.start_rated_range_km END AS range_added"
    "  FROM charging_processes cp CROSS JOIN preferred p"
    "  WHERE cp.car_id = $1 AND cp.duration_min > 10 AND cp.end_battery_level <= 95"
    "   AND cp.charge_energy_added > 0"
    "   AND CASE p.range_kind"
    "    WHEN 'ideal' THEN cp.start_ideal_range_km IS NOT NULL"
    "     AND cp.end_ideal_range_km IS NOT NULL"
    "    ELSE cp.start_rated_range_km IS NOT NULL AND cp.end_rated_range_km IS NOT NULL END),"
    " steps (decimals, threshold) AS (VALUES (5, 8), (4, 5), (3, 3), (2, 2)),"
    " best AS ("
    "  SELECT top.factor FROM steps s CROSS JOIN LATERAL ("
    "    SELECT round(c.charge_energy_added / NULLIF(c.range_added, 0), s.decimals)::float8"
    "     AS factor, count(*) AS members"
    "    FROM candidates c GROUP BY 1 ORDER BY members DESC, factor LIMIT 1) top"
    "  WHERE top.members >= s.threshold AND top.factor > 0"
    "  ORDER BY s.decimals DESC LIMIT 1)"
    " UPDATE cars SET efficiency = best.factor, updated_at = " SQL_NOW_SECONDS
    " FROM best WHERE cars.id = $1 AND cars.efficiency IS DISTINCT FROM best.factor"
    " RETURNING cars.efficiency";

enum recorder_status efficiency_update(struct recorder_call *call, int64_t car_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, car_id);
    enum recorder_status status = recorder_exec(call, efficiency_sql, &params, &result);
    if (status != RECORDER_OK)
        return status;

    if (PQntuples(result) > 0)
        log_car_info(car_id, "efficiency is now %s kWh/km", PQgetvalue(result, 0, 0));
    PQclear(result);
    return RECORDER_OK;
}

enum recorder_status recorder_update_car_efficiency(struct recorder *recorder, int64_t car_id)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "update efficiency of car %" PRId64, car_id);
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = efficiency_update(&call, car_id);
    return recorder_end(&call, status);
}
