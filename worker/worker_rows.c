/* The tenant's settings row and its vehicles rows, in tenant transactions. */
#include "worker_rows.h"

#include "db.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const collector_status_names[COLLECTOR_STATUS_COUNT] = {
    [COLLECTOR_STATUS_PENDING] = "pending",
    [COLLECTOR_STATUS_ACTIVE] = "active",
    [COLLECTOR_STATUS_PAUSED] = "paused",
    [COLLECTOR_STATUS_ERROR] = "error",
    [COLLECTOR_STATUS_STOPPED] = "stopped",
};

_Static_assert(sizeof(collector_status_names) / sizeof(collector_status_names[0]) ==
                   COLLECTOR_STATUS_COUNT,
               "collector_status_names must name every status");

const char *collector_status_name(enum collector_status status)
{
    if (status < 0 || status >= COLLECTOR_STATUS_COUNT)
        return "unknown";
    return collector_status_names[status];
}

/* Runs one statement in its own tenant transaction; *rows receives the
 * number of rows it changed when rows is not NULL. */
static bool run_in_tenant(PGconn *conn, const char *tenant_id, const char *sql, int count,
                          const char *const *values, long *rows)
{
    if (!db_begin_tenant(conn, tenant_id))
        return false;

    PGresult *result = db_query(conn, sql, count, values);
    if (result == NULL) {
        db_rollback(conn);
        return false;
    }
    if (rows != NULL)
        *rows = strtol(PQcmdTuples(result), NULL, 10);
    PQclear(result);
    return db_commit(conn);
}

bool worker_rows_ensure_settings(PGconn *conn, const char *tenant_id)
{
    const char *values[] = {tenant_id};

    return run_in_tenant(conn, tenant_id,
                         "INSERT INTO settings (tenant_id, inserted_at, updated_at)"
                         " VALUES ($1, date_trunc('second', now() AT TIME ZONE 'UTC'),"
                         " date_trunc('second', now() AT TIME ZONE 'UTC'))"
                         " ON CONFLICT (tenant_id) DO NOTHING",
                         1, values, NULL);
}

bool worker_rows_upsert_vehicle(PGconn *conn, const char *tenant_id, int64_t tesla_vehicle_id,
                                const char *vin, const char *display_name)
{
    char id_text[24];
    const char *name = display_name != NULL && display_name[0] != '\0' ? display_name : NULL;
    const char *vin_value = vin != NULL && vin[0] != '\0' ? vin : NULL;

    snprintf(id_text, sizeof(id_text), "%" PRId64, tesla_vehicle_id);
    const char *values[] = {tenant_id, id_text, vin_value, name};

    return run_in_tenant(conn, tenant_id,
                         "INSERT INTO vehicles (tenant_id, tesla_vehicle_id, vin, display_name,"
                         " collector_status, last_error, updated_at)"
                         " VALUES ($1, $2, $3, $4, 'active', NULL, now())"
                         " ON CONFLICT (tenant_id, tesla_vehicle_id) DO UPDATE"
                         " SET vin = EXCLUDED.vin, display_name = EXCLUDED.display_name,"
                         " collector_status = 'active', last_error = NULL, updated_at = now()",
                         4, values, NULL);
}

bool worker_rows_set_status(PGconn *conn, const char *tenant_id, enum collector_status status,
                            const char *last_error, long *updated)
{
    const char *values[] = {tenant_id, collector_status_name(status), last_error};

    return run_in_tenant(conn, tenant_id,
                         "UPDATE vehicles SET collector_status = $2, last_error = $3,"
                         " updated_at = now() WHERE tenant_id = $1",
                         3, values, updated);
}

static void read_car(PGresult *result, int row, struct car_info *car)
{
    car->car_id = strtoll(PQgetvalue(result, row, 0), NULL, 10);
    car->vehicle_id = strtoll(PQgetvalue(result, row, 1), NULL, 10);
    car->vid = strtoll(PQgetvalue(result, row, 2), NULL, 10);
    snprintf(car->vin, sizeof(car->vin), "%s", PQgetvalue(result, row, 3));
    snprintf(car->name, sizeof(car->name), "%s", PQgetvalue(result, row, 4));
}

bool worker_rows_list_enabled_cars(PGconn *conn, const char *tenant_id, struct car_info **cars,
                                   size_t *count)
{
    *cars = NULL;
    *count = 0;
    if (!db_begin_tenant(conn, tenant_id))
        return false;

    PGresult *result = db_query(conn,
                                "SELECT c.id, c.eid, c.vid, c.vin, coalesce(c.name, '')"
                                " FROM cars c JOIN car_settings s ON s.id = c.settings_id"
                                " WHERE s.enabled ORDER BY c.id",
                                0, NULL);
    db_rollback(conn);
    if (result == NULL)
        return false;

    int rows = PQntuples(result);
    if (rows > 0) {
        *cars = calloc((size_t)rows, sizeof(**cars));
        if (*cars == NULL) {
            log_error("cannot read the %d stored cars: out of memory", rows);
            PQclear(result);
            return false;
        }
    }
    for (int row = 0; row < rows; row++)
        read_car(result, row, &(*cars)[row]);
    *count = (size_t)rows;
    PQclear(result);
    return true;
}
