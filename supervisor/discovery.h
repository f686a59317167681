/*
 * discovery: which tenants should have a worker, and what the tenant
 * channel's notifications mean.
 *
 * Contract: discovery_query() runs one query on the db_link connection
 * and returns every active tenant (as defined by the view
 * tenantmate_active_tenants) with the version of its token row and
 * whether another supervisor still claims it. Claimed means the tenant's
 * status row names another supervisor, is not 'stopped', and was
 * refreshed within the lock lease: that supervisor may have lost its
 * connection (and so its advisory lock) while its worker still runs. The
 * result is the caller's to PQclear().
 */
#ifndef TENANTMATE_DISCOVERY_H
#define TENANTMATE_DISCOVERY_H

#include "db_link.h"
#include "status_table.h"
#include "uuid.h"

#include <stdbool.h>

/* xmin of the token row as text: changes with every update of the row. */
#define DISCOVERY_VERSION_SIZE 24

struct active_tenant {
    char tenant_id[UUID_TEXT_SIZE];
    char token_version[DISCOVERY_VERSION_SIZE];
    bool claimed_elsewhere;
};

PGresult *discovery_query(struct db_link *link, const struct supervisor_identity *identity,
                          double lock_lease_s);

/* Read row `index` of a discovery_query() result. Returns false, after
 * logging, for a row that does not parse. */
bool discovery_row(const PGresult *result, int index, struct active_tenant *tenant);

/* Validate a notification payload as a tenant id. Returns false, after
 * logging a warning naming the payload, when it is not one. */
bool discovery_parse_payload(const char *payload, char tenant_id[UUID_TEXT_SIZE]);

#endif
