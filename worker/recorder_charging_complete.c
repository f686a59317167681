/* Completing a charging process: the aggregates over its charges, the
 * energy used with phase detection, then the car's efficiency. */
#include "recorder_sql.h"

#include "charging_cost.h"

#include "log.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Below this many samples the phase count is not trusted. */
#define MIN_SAMPLES_FOR_PHASES 16

bool recorder_detect_phases(struct opt_double mean_phase_ratio, struct opt_int64 reported_phases,
                            int64_t sample_count, double *phases)
{
    double p = mean_phase_ratio.value;

    if (!mean_phase_ratio.known || !(p > 0) || sample_count < MIN_SAMPLES_FOR_PHASES)
        return false;

    /* C's round() is half away from zero, like PostgreSQL's numeric round. */
    double rounded = round(p);

    if (reported_phases.known && (double)reported_phases.value == rounded) {
        *phases = rounded;
        return true;
    }
    /* A 127/220 V three-phase network, where the car reports the voltage
     * between phases: the ratio comes out near sqrt(3). */
    if (reported_phases.known && reported_phases.value == 3 && fabs(p / sqrt(3.0) - 1) <= 0.1) {
        *phases = sqrt(3.0);
        return true;
    }
    if (rounded > 0 && fabs(rounded - p) <= 0.3) {
        *phases = rounded;
        return true;
    }
    return false;
}

/* The inputs of phase detection: p, r and the sample count. The current x
 * voltage product is taken as integer because two smallints overflow
 * (155 x 230). */
static enum recorder_status read_phase_inputs(struct recorder_call *call,
                                              int64_t charging_process_id,
                                              struct opt_double *mean_phase_ratio,
                                              struct opt_int64 *reported_phases,
                                              int64_t *sample_count)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    enum recorder_status status = recorder_exec(
        call,
        "SELECT avg(charger_power * 1000.0"
        "   / NULLIF(charger_actual_current::integer * charger_voltage::integer, 0))::float8,"
        " round(avg(charger_phases))::integer, count(*)"
        " FROM charges WHERE charging_process_id = $1",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    *mean_phase_ratio = sql_get_double(result, 0, 0);
    *reported_phases = sql_get_int64(result, 0, 1);
    *sample_count = sql_get_int64(result, 0, 2).value;
    PQclear(result);
    return RECORDER_OK;
}

/*
 * $1 = process id, $2 = the detected phase count or NULL. Each sample's
 * power counts for the interval since the previous sample. Negative terms
 * (an idle charger reporting -1 kW) and the first sample are left out.
 * The sum is a double cast to numeric in PostgreSQL, which keeps 15
 * significant digits, before the column rounds it to 2 decimals.
 * charge_energy_added is the last counter (or the maximum when the last
 * is 0, after a counter reset) minus the first, NULL when negative.
 */
static const char complete_sql[] =
    "WITH samples AS ("
    "  SELECT id, date, charge_energy_added, charger_power, charger_phases,"
    "   charger_actual_current, charger_voltage, ideal_battery_range_km,"
    "   rated_battery_range_km, battery_level, outside_temp, fast_charger_type"
    "  FROM charges WHERE charging_process_id = $1),"
    " totals AS ("
    "  SELECT count(*) OVER w AS charge_count,"
    "   first_value(date) OVER w AS start_date, last_value(date) OVER w AS end_date,"
    "   first_value(ideal_battery_range_km) OVER w AS start_ideal_range_km,"
    "   last_value(ideal_battery_range_km) OVER w AS end_ideal_range_km,"
    "   first_value(rated_battery_range_km) OVER w AS start_rated_range_km,"
    "   last_value(rated_battery_range_km) OVER w AS end_rated_range_km,"
    "   first_value(battery_level) OVER w AS start_battery_level,"
    "   last_value(battery_level) OVER w AS end_battery_level,"
    "   avg(outside_temp) OVER w AS outside_temp_avg,"
    "   CASE WHEN last_value(charge_energy_added) OVER w = 0"
    "    THEN max(charge_energy_added) OVER w"
    "    ELSE last_value(charge_energy_added) OVER w END"
    "   - first_value(charge_energy_added) OVER w AS energy_added"
    "  FROM samples"
    "  WINDOW w AS (ORDER BY date, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
    "  LIMIT 1),"
    " terms AS ("
    "  SELECT CASE WHEN charger_phases IS NULL THEN charger_power::float8"
    "    WHEN $2::float8 IS NOT NULL AND charger_actual_current IS NOT NULL"
    "     AND charger_voltage IS NOT NULL"
    "     THEN $2::float8 * charger_actual_current * charger_voltage / 1000"
    "    ELSE charger_power::float8 END"
    "   * extract(epoch FROM date - lag(date) OVER (ORDER BY date, id)) / 3600 AS energy"
    "  FROM samples),"
    " used AS (SELECT sum(energy)::numeric AS energy_used FROM terms WHERE energy >= 0),"
    " charger AS (SELECT mode() WITHIN GROUP (ORDER BY fast_charger_type) AS fast_charger_type"
    "  FROM samples WHERE charger_power > 0)"
    " UPDATE charging_processes cp SET start_date = t.start_date, end_date = t.end_date,"
    "  start_ideal_range_km = t.start_ideal_range_km, end_ideal_range_km = t.end_ideal_range_km,"
    "  start_rated_range_km = t.start_rated_range_km, end_rated_range_km = t.end_rated_range_km,"
    "  start_battery_level = t.start_battery_level, end_battery_level = t.end_battery_level,"
    "  outside_temp_avg = t.outside_temp_avg,"
    "  charge_energy_added = CASE WHEN t.energy_added < 0 THEN NULL ELSE t.energy_added END,"
    "  duration_min = (extract(epoch FROM t.end_date - t.start_date) / 60)::integer,"
    "  charge_energy_used = u.energy_used"
    " FROM totals t, used u, charger c WHERE cp.id = $1"
    " RETURNING t.charge_count, cp.start_date, cp.end_date, cp.charge_energy_added,"
    "  u.energy_used, cp.duration_min, c.fast_charger_type";

/* Without charges TeslaMate only sets end_date and the energies (NULL);
 * the other columns keep their values. */
static const char complete_without_charges_sql[] =
    "UPDATE charging_processes SET end_date = $2, charge_energy_added = NULL,"
    " charge_energy_used = NULL, cost = NULL WHERE id = $1"
    " RETURNING 0, start_date, end_date, charge_energy_added, charge_energy_used,"
    "  duration_min, NULL";

static void read_summary(const PGresult *result, struct charging_summary *summary)
{
    summary->charge_count = sql_get_int64(result, 0, 0).value;
    summary->start_date_us = sql_get_time(result, 0, 1).value;
    summary->end_date_us = sql_get_time(result, 0, 2).value;
    summary->charge_energy_added_kwh = sql_get_double(result, 0, 3);
    summary->charge_energy_used_kwh = sql_get_double(result, 0, 4);
    summary->duration_min = sql_get_int64(result, 0, 5);
    sql_get_text(result, 0, 6, summary->fast_charger_type, sizeof(summary->fast_charger_type));
}

static enum recorder_status write_aggregates(struct recorder_call *call, int64_t charging_process_id,
                                             int64_t sample_count, int64_t now_us,
                                             struct charging_summary *summary)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    if (sample_count == 0)
        sql_params_add_time(&params, now_us);
    else if (summary->phases_known)
        sql_params_add_double(&params, "phases",
                              (struct opt_double){.known = true, .value = summary->phases});
    else
        sql_params_add_null(&params);

    enum recorder_status status = recorder_exec(
        call, sample_count == 0 ? complete_without_charges_sql : complete_sql, &params, &result);
    if (status == RECORDER_OK)
        read_summary(result, summary);
    PQclear(result);
    return status;
}

static enum recorder_status lock_process(struct recorder_call *call, int64_t charging_process_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    enum recorder_status status = recorder_exec(
        call, "SELECT car_id FROM charging_processes WHERE id = $1 FOR UPDATE", &params, &result);
    if (status != RECORDER_OK)
        return status;

    if (PQntuples(result) == 0)
        status = recorder_fail(call, RECORDER_NOT_FOUND, "no charging process with id %" PRId64,
                               charging_process_id);
    else
        call->car_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return status;
}

/* The cost rules live in SQL (charging_process_cost); they take the
 * unrounded energy used. A process without charges keeps the NULL cost
 * its aggregates wrote. */
static enum recorder_status write_cost(struct recorder_call *call, int64_t charging_process_id,
                                       const struct charging_summary *summary)
{
    struct sql_params params;

    sql_params_init(&params);
    sql_params_add_id(&params, charging_process_id);
    sql_params_add_double(&params, "charge_energy_used", summary->charge_energy_used_kwh);
    sql_params_add_text(&params, summary->fast_charger_type);
    return recorder_exec(call, CHARGING_COST_UPDATE_SQL, &params, NULL);
}

static enum recorder_status complete_in_transaction(struct recorder_call *call,
                                                    int64_t charging_process_id, int64_t now_us,
                                                    struct charging_summary *summary)
{
    struct opt_double mean_phase_ratio;
    struct opt_int64 reported_phases;
    int64_t sample_count = 0;
    enum recorder_status status;

    if ((status = lock_process(call, charging_process_id)) != RECORDER_OK)
        return status;
    summary->car_id = call->car_id;

    status = read_phase_inputs(call, charging_process_id, &mean_phase_ratio, &reported_phases,
                               &sample_count);
    if (status != RECORDER_OK)
        return status;
    summary->phases_known =
        recorder_detect_phases(mean_phase_ratio, reported_phases, sample_count, &summary->phases);

    status = write_aggregates(call, charging_process_id, sample_count, now_us, summary);
    if (status != RECORDER_OK)
        return status;

    if (sample_count > 0 && (status = write_cost(call, charging_process_id, summary)) != RECORDER_OK)
        return status;

    return efficiency_update(call, summary->car_id);
}

enum recorder_status recorder_complete_charging_process(struct recorder *recorder,
                                                        int64_t charging_process_id,
                                                        int64_t now_us,
                                                        struct charging_summary *summary)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, LOG_NO_CAR, "complete charging process %" PRId64,
                       charging_process_id);
    memset(summary, 0, sizeof(*summary));
    summary->charging_process_id = charging_process_id;
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = complete_in_transaction(&call, charging_process_id, now_us, summary);
    return recorder_end(&call, status);
}
