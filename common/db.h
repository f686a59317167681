/*
 * db: libpq helpers shared by the command, the supervisor and the workers.
 *
 * Contract: every function that fails logs one error naming the failing
 * call and PostgreSQL's message (never the connection string, which may
 * hold a password) and returns false or NULL; results returned to the
 * caller are the caller's to PQclear(). db_connect() blocks, sleeping
 * between attempts; everything else is one round trip. Tenant-scoped work
 * runs in db_begin_tenant() transactions, which switch to the collector
 * role and set the tenant with SET LOCAL and set_config(..., is_local =>
 * true), so row-level security confines the transaction to that tenant, no
 * session state survives it, and a PgBouncer in transaction pooling mode
 * can sit between.
 */
#ifndef TENANTMATE_DB_H
#define TENANTMATE_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

/* The custom setting that row-level security policies compare tenant_id to. */
#define DB_TENANT_SETTING "tenantmate.tenant_id"

/* The role tenant-scoped transactions switch to with SET LOCAL ROLE. It owns
 * no table, so row-level security applies to it even when the login role
 * owns the tables or is a superuser. */
#define DB_COLLECTOR_ROLE "tenantmate_collector"

/* The channel `tenantmate tokens put` and the business API notify after a
 * change to tokens, tenants, subscriptions or vehicles. The payload is the
 * tenant id. */
#define DB_TENANT_CHANNEL "tenantmate_tenants"

struct db_retry {
    int max_attempts;     /* 0: retry until connected */
    double initial_delay_s;
    double max_delay_s;
};

/* Read the connection string: DATABASE_URL when set, otherwise "" so that
 * libpq uses PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD and the rest.
 * Returns false with a clear error when DATABASE_URL does not parse. */
bool db_conninfo_from_env(const char **conninfo);

PGconn *db_connect(const char *conninfo, const struct db_retry *retry);

/* A one-line description of where the connection points, for logs. */
void db_describe(PGconn *conn, char *out, size_t size);

bool db_command(PGconn *conn, const char *sql);
PGresult *db_query(PGconn *conn, const char *sql, int count, const char *const *values);

bool db_begin(PGconn *conn);
bool db_begin_tenant(PGconn *conn, const char *tenant_id);
bool db_commit(PGconn *conn);
void db_rollback(PGconn *conn);

/* PostgreSQL's message for a failed result, without the trailing newline. */
void db_result_message(const PGresult *result, char *out, size_t size);

#endif
