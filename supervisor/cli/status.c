/*
 * `tenantmate status [--tenant UUID]`: one line per tenant with whether it
 * is active and what its worker is doing, from the supervisors' status
 * table (tenantmate_workers). A row that no supervisor refreshed within
 * the lock lease (TENANTMATE_LOCK_LEASE, default 60 s) is marked stale:
 * its supervisor died or lost its database connection.
 */
#include "cli.h"

#include "db.h"
#include "env.h"
#include "log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum status_column {
    COLUMN_TENANT,
    COLUMN_NAME,
    COLUMN_ACTIVITY,
    COLUMN_STATE,
    COLUMN_HOST,
    COLUMN_PID,
    COLUMN_UPTIME_S,
    COLUMN_RESTARTS,
    COLUMN_LAST_EXIT,
    COLUMN_LAST_ERROR,
    COLUMN_RESTART_IN_S,
    COLUMN_AGE_S,
    COLUMN_COUNT
};

static const char status_sql[] =
    "SELECT t.id::text, coalesce(t.name, ''),"
    " CASE WHEN t.deleted_at IS NOT NULL THEN 'deleted'"
    "      WHEN tenantmate_tenant_is_active(t.id) THEN 'yes' ELSE 'no' END,"
    " coalesce(w.state, '-'), coalesce(w.host, '-'), coalesce(w.pid::text, '-'),"
    " extract(epoch FROM now() - w.started_at),"
    " coalesce(w.restarts::text, '-'), coalesce(w.last_exit, '-'), coalesce(w.last_error, ''),"
    " extract(epoch FROM w.next_restart_at - now()),"
    " extract(epoch FROM now() - w.updated_at)"
    " FROM tenants t LEFT JOIN tenantmate_workers w ON w.tenant_id = t.id"
    " WHERE $1::uuid IS NULL OR t.id = $1::uuid"
    " ORDER BY t.id";

static void format_duration(const char *seconds_text, char *out, size_t size)
{
    double seconds = seconds_text[0] != '\0' ? strtod(seconds_text, NULL) : NAN;

    if (isnan(seconds) || seconds < 0)
        snprintf(out, size, "-");
    else if (seconds < 120)
        snprintf(out, size, "%.0fs", seconds);
    else if (seconds < 7200)
        snprintf(out, size, "%.0fm", seconds / 60);
    else if (seconds < 172800)
        snprintf(out, size, "%.0fh", seconds / 3600);
    else
        snprintf(out, size, "%.0fd", seconds / 86400);
}

/* The state, with the restart countdown or a stale marker appended. */
static void format_state(const PGresult *result, int row, double lease_s, char *out,
                         size_t size)
{
    const char *state = PQgetvalue(result, row, COLUMN_STATE);
    const char *age_text = PQgetvalue(result, row, COLUMN_AGE_S);
    char restart_in[16];

    format_duration(PQgetvalue(result, row, COLUMN_RESTART_IN_S), restart_in, sizeof(restart_in));
    if (strcmp(state, "-") != 0 && strcmp(state, "stopped") != 0 && age_text[0] != '\0' &&
        strtod(age_text, NULL) > lease_s)
        snprintf(out, size, "%s (stale)", state);
    else if (strcmp(state, "backoff") == 0)
        snprintf(out, size, "backoff (%s)", restart_in);
    else
        snprintf(out, size, "%s", state);
}

static void print_row(const PGresult *result, int row, double lease_s)
{
    const char *state = PQgetvalue(result, row, COLUMN_STATE);
    bool running = strcmp(state, "starting") == 0 || strcmp(state, "up") == 0 ||
                   strcmp(state, "stopping") == 0;
    char state_text[48], uptime[16];

    format_state(result, row, lease_s, state_text, sizeof(state_text));
    if (running)
        format_duration(PQgetvalue(result, row, COLUMN_UPTIME_S), uptime, sizeof(uptime));
    else
        snprintf(uptime, sizeof(uptime), "-");

    printf("%-36s  %-16.16s  %-7s  %-16s  %-16.16s  %7s  %6s  %8s  %s%s%s\n",
           PQgetvalue(result, row, COLUMN_TENANT), PQgetvalue(result, row, COLUMN_NAME),
           PQgetvalue(result, row, COLUMN_ACTIVITY), state_text,
           PQgetvalue(result, row, COLUMN_HOST), PQgetvalue(result, row, COLUMN_PID), uptime,
           PQgetvalue(result, row, COLUMN_RESTARTS), PQgetvalue(result, row, COLUMN_LAST_EXIT),
           PQgetvalue(result, row, COLUMN_LAST_ERROR)[0] != '\0' ? "; " : "",
           PQgetvalue(result, row, COLUMN_LAST_ERROR));
}

static int print_status(PGconn *conn, const char *tenant_id, double lease_s)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_query(conn, status_sql, 1, values);

    if (result == NULL)
        return 1;
    if (PQnfields(result) != COLUMN_COUNT) {
        log_error("status query returned %d columns, expected %d", PQnfields(result),
                  COLUMN_COUNT);
        PQclear(result);
        return 1;
    }

    printf("%-36s  %-16s  %-7s  %-16s  %-16s  %7s  %6s  %8s  %s\n", "TENANT", "NAME", "ACTIVE",
           "STATE", "HOST", "PID", "UPTIME", "RESTARTS", "LAST EXIT");
    for (int row = 0; row < PQntuples(result); row++)
        print_row(result, row, lease_s);
    if (tenant_id != NULL && PQntuples(result) == 0)
        log_error("tenant %s not found", tenant_id);

    int status = tenant_id != NULL && PQntuples(result) == 0 ? 1 : 0;
    PQclear(result);
    return status;
}

int command_status(int argc, char **argv)
{
    static const char *const with_value[] = {"--tenant", NULL};
    const char *tenant_text = cli_option(argc, argv, "--tenant");
    char tenant_id[UUID_TEXT_SIZE];
    double lease_s;

    if (!cli_check_options(argc, argv, with_value, NULL))
        return 2;
    if (tenant_text != NULL && !cli_parse_tenant(tenant_text, tenant_id))
        return 2;
    if (!env_seconds("TENANTMATE_LOCK_LEASE", 60.0, 1.0, 86400.0, &lease_s))
        return 2;

    PGconn *conn = cli_connect();
    if (conn == NULL)
        return 1;

    int status = print_status(conn, tenant_text != NULL ? tenant_id : NULL, lease_s);
    PQfinish(conn);
    return status;
}
