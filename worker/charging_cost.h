/*
 * charging_cost: writes the cost of a completed charging process.
 *
 * The rules live in SQL, in charging_process_cost() of migration
 * 0005_places, so they run in decimal arithmetic on the stored values:
 *   1. fast_charger_type starting with "Tesla" and the car's
 *      free_supercharging: 0.00, whatever the geofence;
 *   2. a per_kwh geofence: session_fee + max(charge_energy_added, energy
 *      used) x cost_per_unit, NULL when both energies are unknown;
 *   3. a per_minute geofence with a duration: session_fee + duration_min x
 *      cost_per_unit;
 *   4. otherwise NULL.
 * In 2 and 3 a missing price or fee counts as 0, and the cost is NULL
 * when both are missing. So a per_minute geofence without cost_per_unit
 * costs its session fee, where TeslaMate crashes.
 *
 * Contract: charging_cost_update() runs inside the caller's open tenant
 * transaction, after the process's aggregates (charge_energy_added,
 * duration_min) are written, and overwrites the cost as TeslaMate does on
 * every completion. It blocks for one round trip and logs a failure.
 * A process without charges keeps the NULL cost its completion wrote:
 * call this only when it has charges.
 */
#ifndef TENANTMATE_CHARGING_COST_H
#define TENANTMATE_CHARGING_COST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "vehicle_sample.h"

/* $1 = process id, $2 = energy used (numeric text or NULL), $3 = the most
 * frequent fast_charger_type while charging (NULL when none). For callers
 * that run their own statements, such as the recorder. */
#define CHARGING_COST_UPDATE_SQL                                                       \
    "UPDATE charging_processes SET cost = charging_process_cost($1::integer, $2::numeric, $3)" \
    " WHERE id = $1::integer RETURNING cost"

/*
 * Computes and stores the cost. energy_used_kwh is the unrounded energy
 * used as PostgreSQL's float-to-numeric cast keeps it (15 significant
 * digits); fast_charger_type may be NULL or "". *cost gets the stored,
 * rounded value (unknown for NULL). Returns false when the statement
 * fails or the process does not exist for this tenant.
 */
bool charging_cost_update(PGconn *conn, int64_t charging_process_id,
                          struct opt_double energy_used_kwh, const char *fast_charger_type,
                          struct opt_double *cost);

#endif
