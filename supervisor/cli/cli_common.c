#include "cli.h"

#include "db.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

PGconn *cli_connect(void)
{
    const struct db_retry retry = {
        .max_attempts = 3,
        .initial_delay_s = 0.5,
        .max_delay_s = 1.0,
    };
    const char *conninfo;

    if (!db_conninfo_from_env(&conninfo))
        return NULL;

    PGconn *conn = db_connect(conninfo, &retry);
    if (conn == NULL) {
        log_error("check DATABASE_URL or PGHOST, PGPORT, PGDATABASE and PGUSER, "
                  "and that PostgreSQL is running");
        return NULL;
    }

    /* Keep notices (e.g. "relation already exists, skipping") out of the
     * command's output unless debugging. */
    if (!log_enabled(LOG_LEVEL_DEBUG))
        db_command(conn, "SET client_min_messages = warning");
    return conn;
}

bool cli_parse_tenant(const char *text, char tenant_id[UUID_TEXT_SIZE])
{
    if (text == NULL) {
        log_error("missing --tenant: give the tenant's id, a UUID such as "
                  "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13");
        return false;
    }
    if (!uuid_normalize(text, tenant_id)) {
        log_error("invalid tenant id \"%s\": expected a UUID such as "
                  "3f2b8c1e-6d4a-4e8b-9a1f-2c7d5e9b0a13",
                  text);
        return false;
    }
    return true;
}

const char *cli_option(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return NULL;
}

static bool listed(const char *argument, const char *const *names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcmp(argument, names[i]) == 0)
            return true;
    }
    return false;
}

bool cli_check_options(int argc, char **argv, const char *const *with_value,
                       const char *const *flags)
{
    for (int i = 1; i < argc; i++) {
        if (listed(argv[i], flags))
            continue;
        if (listed(argv[i], with_value) && i + 1 < argc) {
            i++;
            continue;
        }
        if (listed(argv[i], with_value))
            log_error("%s %s: missing value for %s", argv[0], argv[i], argv[i]);
        else
            log_error("%s: unknown argument \"%s\"; see tenantmate help", argv[0], argv[i]);
        return false;
    }
    return true;
}
