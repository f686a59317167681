/* Writing a charging process's cost with charging_process_cost(). */
#include "charging_cost.h"

#include "db.h"
#include "log.h"
#include "numeric_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

bool charging_cost_update(PGconn *conn, int64_t charging_process_id,
                          struct opt_double energy_used_kwh, const char *fast_charger_type,
                          struct opt_double *cost)
{
    char id_text[24];
    char energy_text[NUMERIC_TEXT_SIZE];
    const char *values[3] = {id_text, NULL, NULL};

    *cost = (struct opt_double){0};
    snprintf(id_text, sizeof(id_text), "%" PRId64, charging_process_id);
    if (energy_used_kwh.known && numeric_text_format(energy_used_kwh.value, energy_text))
        values[1] = energy_text;
    if (fast_charger_type != NULL && fast_charger_type[0] != '\0')
        values[2] = fast_charger_type;

    PGresult *result = db_query(conn, CHARGING_COST_UPDATE_SQL, 3, values);
    if (result == NULL)
        return false;
    bool found = PQntuples(result) == 1;
    if (!found)
        log_warning("cost of charging process %" PRId64 " not written: no such process",
                    charging_process_id);
    else if (!PQgetisnull(result, 0, 0))
        *cost = (struct opt_double){.known = true, .value = strtod(PQgetvalue(result, 0, 0), NULL)};
    PQclear(result);
    return found;
}
