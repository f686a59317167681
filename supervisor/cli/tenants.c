/*
 * `tenantmate tenants add|delete|list`: manage tenant rows for demos,
 * tests and small deployments. In production the business API owns the
 * tenants table; these commands write the same rows and send the same
 * notification it is asked to send.
 */
#include "cli.h"

#include "db.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static bool notify_tenant(PGconn *conn, const char *tenant_id)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_query(conn, "SELECT pg_notify('" DB_TENANT_CHANNEL "', $1)", 1, values);

    PQclear(result);
    return result != NULL;
}

static int run_in_transaction(PGconn *conn, const char *sql, const char *tenant_id,
                              const char *name, const char *done_message)
{
    const char *values[] = {tenant_id, name};
    int count = name != NULL ? 2 : 1;

    if (!db_begin(conn))
        return 1;

    PGresult *result = db_query(conn, sql, count, values);
    if (result == NULL) {
        db_rollback(conn);
        return 1;
    }

    bool changed = strcmp(PQcmdTuples(result), "0") != 0;
    PQclear(result);
    if (!notify_tenant(conn, tenant_id) || !db_commit(conn)) {
        db_rollback(conn);
        return 1;
    }

    printf("%s %s%s\n", done_message, tenant_id, changed ? "" : " (no change)");
    return 0;
}

static int tenants_list(PGconn *conn)
{
    PGresult *result = db_query(
        conn,
        "SELECT t.id, t.name, coalesce(t.deleted_at::text, '-'), "
        "       EXISTS (SELECT 1 FROM private.tokens k WHERE k.tenant_id = t.id) "
        "FROM tenants t ORDER BY t.created_at, t.id",
        0, NULL);

    if (result == NULL)
        return 1;
    printf("%-36s  %-24s  %-6s  %s\n", "tenant", "name", "tokens", "deleted at");
    for (int row = 0; row < PQntuples(result); row++) {
        printf("%-36s  %-24s  %-6s  %s\n", PQgetvalue(result, row, 0),
               PQgetvalue(result, row, 1),
               strcmp(PQgetvalue(result, row, 3), "t") == 0 ? "yes" : "no",
               PQgetvalue(result, row, 2));
    }
    PQclear(result);
    return 0;
}

int command_tenants(int argc, char **argv)
{
    static const char *const with_value[] = {"--tenant", "--name", NULL};
    const char *action = argc >= 2 ? argv[1] : "";
    char tenant_id[UUID_TEXT_SIZE];

    if (strcmp(action, "add") != 0 && strcmp(action, "delete") != 0 &&
        strcmp(action, "list") != 0) {
        log_error("usage: tenantmate tenants add --tenant UUID --name NAME | "
                  "delete --tenant UUID | list");
        return 2;
    }
    if (!cli_check_options(argc - 1, argv + 1, with_value, NULL))
        return 2;

    const char *name = cli_option(argc, argv, "--name");
    if (strcmp(action, "list") != 0 &&
        !cli_parse_tenant(cli_option(argc, argv, "--tenant"), tenant_id))
        return 2;
    if (strcmp(action, "add") == 0 && (name == NULL || *name == '\0')) {
        log_error("missing --name: give the tenant a display name");
        return 2;
    }

    PGconn *conn = cli_connect();
    if (conn == NULL)
        return 1;

    int status;
    if (strcmp(action, "add") == 0)
        status = run_in_transaction(conn,
                                    "INSERT INTO tenants (id, name) VALUES ($1, $2) "
                                    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
                                    "deleted_at = NULL",
                                    tenant_id, name, "added tenant");
    else if (strcmp(action, "delete") == 0)
        status = run_in_transaction(conn,
                                    "UPDATE tenants SET deleted_at = now() "
                                    "WHERE id = $1 AND deleted_at IS NULL",
                                    tenant_id, NULL, "deleted tenant");
    else
        status = tenants_list(conn);

    PQfinish(conn);
    return status;
}
