#include "status_table.h"

#include <stdio.h>

static const char upsert_sql[] =
    "INSERT INTO tenantmate_workers AS w (tenant_id, host, supervisor_pid, pid, state,"
    " started_at, restarts, last_exit, last_error, next_restart_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, to_timestamp($6::double precision), $7, $8, $9,"
    " to_timestamp($10::double precision), now())"
    " ON CONFLICT (tenant_id) DO UPDATE SET host = excluded.host,"
    " supervisor_pid = excluded.supervisor_pid, pid = excluded.pid, state = excluded.state,"
    " started_at = excluded.started_at, restarts = excluded.restarts,"
    " last_exit = excluded.last_exit, last_error = excluded.last_error,"
    " next_restart_at = excluded.next_restart_at, updated_at = excluded.updated_at";

static const char *optional_text(const char *text)
{
    return text != NULL && *text != '\0' ? text : NULL;
}

bool status_table_write(struct db_link *link, const struct supervisor_identity *identity,
                        const struct status_row *row)
{
    char supervisor_pid[16], pid[16], started_at[32], restarts[16], next_restart_at[32];

    snprintf(supervisor_pid, sizeof(supervisor_pid), "%d", (int)identity->pid);
    snprintf(pid, sizeof(pid), "%d", (int)row->pid);
    snprintf(restarts, sizeof(restarts), "%u", row->restarts);
    snprintf(started_at, sizeof(started_at), "%.3f", row->started_at_s);
    snprintf(next_restart_at, sizeof(next_restart_at), "%.3f", row->next_restart_at_s);

    const char *values[] = {
        row->tenant_id,
        identity->host,
        supervisor_pid,
        row->pid > 0 ? pid : NULL,
        row->state,
        row->started_at_s > 0 ? started_at : NULL,
        restarts,
        optional_text(row->last_exit),
        optional_text(row->last_error),
        row->next_restart_at_s > 0 ? next_restart_at : NULL,
    };

    PGresult *result = db_link_query(link, upsert_sql, 10, values);
    PQclear(result);
    return result != NULL;
}

bool status_table_heartbeat(struct db_link *link, const struct supervisor_identity *identity)
{
    char supervisor_pid[16];
    const char *values[] = {identity->host, supervisor_pid};

    snprintf(supervisor_pid, sizeof(supervisor_pid), "%d", (int)identity->pid);
    PGresult *result = db_link_query(link,
                                     "UPDATE tenantmate_workers SET updated_at = now()"
                                     " WHERE host = $1 AND supervisor_pid = $2",
                                     2, values);
    PQclear(result);
    return result != NULL;
}

bool status_table_stop_others(struct db_link *link, const struct supervisor_identity *identity,
                              const char *tenant_ids)
{
    char supervisor_pid[16];
    const char *values[] = {identity->host, supervisor_pid, tenant_ids};

    snprintf(supervisor_pid, sizeof(supervisor_pid), "%d", (int)identity->pid);
    PGresult *result = db_link_query(
        link,
        "UPDATE tenantmate_workers SET state = 'stopped', pid = NULL, next_restart_at = NULL,"
        " updated_at = now()"
        " WHERE host = $1 AND supervisor_pid = $2 AND state <> 'stopped'"
        " AND NOT (tenant_id = ANY ($3::uuid[]))",
        3, values);
    PQclear(result);
    return result != NULL;
}
