/*
 * status_table: the rows of tenantmate_workers that show each worker's
 * state to the business API and to `tenantmate status`.
 *
 * Contract: every call is one round trip on the db_link connection and
 * returns false (db_link has logged why) when the link is down or the
 * statement failed. The caller writes a tenant's row only while it holds
 * the tenant's advisory lock, so two supervisors never write one row.
 * Times are wall-clock seconds since the epoch; 0 means NULL.
 */
#ifndef TENANTMATE_STATUS_TABLE_H
#define TENANTMATE_STATUS_TABLE_H

#include "db_link.h"

#include <stdbool.h>
#include <sys/types.h>

struct supervisor_identity {
    const char *host;
    pid_t pid;
};

struct status_row {
    const char *tenant_id;
    const char *state;
    pid_t pid;                   /* 0: no process */
    double started_at_s;
    unsigned restarts;
    const char *last_exit;       /* "" or NULL: none */
    const char *last_error;
    double next_restart_at_s;
};

bool status_table_write(struct db_link *link, const struct supervisor_identity *identity,
                        const struct status_row *row);

/* Refresh updated_at on every row of this supervisor: the lease. */
bool status_table_heartbeat(struct db_link *link, const struct supervisor_identity *identity);

/* Mark this supervisor's rows of tenants outside tenant_ids (a PostgreSQL
 * array literal such as "{uuid,uuid}") as stopped. */
bool status_table_stop_others(struct db_link *link, const struct supervisor_identity *identity,
                              const char *tenant_ids);

#endif
