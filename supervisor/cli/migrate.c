/*
 * `tenantmate migrate [--down N | --status]`: apply, roll back or list the
 * schema migrations. Each migration runs in its own transaction under a
 * transaction-level advisory lock, so two concurrent runs apply each
 * migration once, and a failing statement rolls its whole file back.
 */
#include "cli.h"

#include "db.h"
#include "log.h"
#include "migration_files.h"
#include "sql_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An arbitrary constant naming the migration lock among advisory locks. */
#define MIGRATION_LOCK_KEY "7361726d61747469"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS tenantmate_schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static bool take_migration_lock(PGconn *conn)
{
    return db_command(conn, "SELECT pg_advisory_xact_lock(x'" MIGRATION_LOCK_KEY "'::bigint)");
}

static bool version_applied(PGconn *conn, int version, bool *applied)
{
    char text[16];
    const char *values[] = {text};

    snprintf(text, sizeof(text), "%d", version);
    PGresult *result =
        db_query(conn, "SELECT 1 FROM tenantmate_schema_migrations WHERE version = $1", 1, values);
    if (result == NULL)
        return false;
    *applied = PQntuples(result) > 0;
    PQclear(result);
    return true;
}

static void report_statement_failure(const char *file, const struct sql_statement *statement,
                                     const PGresult *result)
{
    char message[1024];
    char first_line[120];
    size_t length = strcspn(statement->text, "\n");

    db_result_message(result, message, sizeof(message));
    snprintf(first_line, sizeof(first_line), "%.*s%s", (int)(length < 100 ? length : 100),
             statement->text, length > 100 ? "..." : "");
    log_error("%s failed at line %d, statement \"%s\": %s", file, statement->first_line,
              first_line, message);
}

/* Run every statement of a script; the caller owns the transaction. */
static bool run_script(PGconn *conn, const char *file, const char *text, size_t length)
{
    struct sql_script script;
    struct sql_statement statement;

    sql_script_init(&script, text, length);
    while (sql_script_next(&script, &statement)) {
        PGresult *result = PQexec(conn, statement.text);
        ExecStatusType status = PQresultStatus(result);
        bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

        if (!ok)
            report_statement_failure(file, &statement, result);
        PQclear(result);
        sql_statement_free(&statement);
        if (!ok)
            return false;
    }
    return true;
}

static bool record_version(PGconn *conn, const struct migration_file *file, bool up)
{
    char version[16];
    const char *values[] = {version, file->name};

    snprintf(version, sizeof(version), "%d", file->version);
    PGresult *result =
        up ? db_query(conn, "INSERT INTO tenantmate_schema_migrations (version, name) "
                            "VALUES ($1, $2)", 2, values)
           : db_query(conn, "DELETE FROM tenantmate_schema_migrations WHERE version = $1", 1,
                      values);
    PQclear(result);
    return result != NULL;
}

/* Apply one migration in one direction, in its own transaction. *skipped
 * is set when another run already did it. */
static bool apply_migration(PGconn *conn, const struct migration_files *migrations,
                            const struct migration_file *file, bool up, bool *skipped)
{
    const char *direction = up ? "up" : "down";
    char script_name[160];
    size_t length = 0;
    bool applied = false;

    snprintf(script_name, sizeof(script_name), "%s.%s.sql", file->name, direction);
    char *text = migration_read_script(migrations, file, direction, &length);
    if (text == NULL)
        return false;

    bool ok = db_begin(conn) && take_migration_lock(conn) &&
              version_applied(conn, file->version, &applied);
    *skipped = ok && applied == up;
    if (ok && !*skipped)
        ok = run_script(conn, script_name, text, length) && record_version(conn, file, up);
    free(text);

    if (!ok || *skipped) {
        db_rollback(conn);
        if (!ok)
            log_error("rolled back %s: the database is as it was before this migration",
                      script_name);
        return ok;
    }
    return db_commit(conn);
}

static bool load_applied(PGconn *conn, PGresult **applied)
{
    *applied = db_query(conn, "SELECT version, name, applied_at::timestamptz(0)::text "
                              "FROM tenantmate_schema_migrations ORDER BY version", 0, NULL);
    return *applied != NULL;
}

/* Under the lock, so two first runs never race to create the table. */
static bool create_migrations_table(PGconn *conn)
{
    bool ok = db_begin(conn) && take_migration_lock(conn) && db_command(conn, create_table_sql);

    if (!ok) {
        db_rollback(conn);
        return false;
    }
    return db_commit(conn);
}

static int migrate_up(PGconn *conn, const struct migration_files *migrations)
{
    int count = 0;

    for (size_t i = 0; i < migrations->count; i++) {
        bool skipped = false;

        if (!apply_migration(conn, migrations, &migrations->files[i], true, &skipped))
            return 1;
        if (!skipped) {
            printf("applied %s\n", migrations->files[i].name);
            count++;
        }
    }

    if (count == 0)
        printf("database is up to date (%zu migrations)\n", migrations->count);
    return 0;
}

static const struct migration_file *find_file(const struct migration_files *migrations,
                                              int version)
{
    for (size_t i = 0; i < migrations->count; i++) {
        if (migrations->files[i].version == version)
            return &migrations->files[i];
    }
    return NULL;
}

static int migrate_down(PGconn *conn, const struct migration_files *migrations, long steps)
{
    PGresult *applied;

    if (!load_applied(conn, &applied))
        return 1;

    int rows = PQntuples(applied);
    int status = 0;

    if (rows == 0) {
        printf("no migration is applied; nothing to roll back\n");
        PQclear(applied);
        return 0;
    }

    /* Rolling back the first migration drops every tenant's data, so a
     * count beyond what is applied is a mistake rather than "all". */
    if (steps > rows) {
        log_error("invalid --down %ld: only %d migration%s applied; give --down %d to roll "
                  "back all of them, which drops every table and its data",
                  steps, rows, rows == 1 ? " is" : "s are", rows);
        PQclear(applied);
        return 2;
    }

    for (int row = rows - 1; row >= 0 && row >= rows - steps && status == 0; row--) {
        int version = atoi(PQgetvalue(applied, row, 0));
        const struct migration_file *file = find_file(migrations, version);
        bool skipped = false;

        if (file == NULL) {
            log_error("migration %s is applied but its scripts are missing from %s",
                      PQgetvalue(applied, row, 1), migrations->directory);
            status = 1;
        } else if (!apply_migration(conn, migrations, file, false, &skipped)) {
            status = 1;
        } else if (!skipped) {
            printf("rolled back %s\n", file->name);
        }
    }
    PQclear(applied);
    return status;
}

static int migrate_status(PGconn *conn, const struct migration_files *migrations)
{
    PGresult *applied;

    if (!load_applied(conn, &applied))
        return 1;

    int rows = PQntuples(applied);
    for (size_t i = 0; i < migrations->count; i++) {
        const char *applied_at = NULL;

        for (int row = 0; row < rows; row++) {
            if (atoi(PQgetvalue(applied, row, 0)) == migrations->files[i].version)
                applied_at = PQgetvalue(applied, row, 2);
        }
        printf("%-40s %s%s\n", migrations->files[i].name, applied_at ? "applied " : "pending",
               applied_at ? applied_at : "");
    }
    for (int row = 0; row < rows; row++) {
        if (find_file(migrations, atoi(PQgetvalue(applied, row, 0))) == NULL)
            printf("%-40s applied, but no script in %s\n", PQgetvalue(applied, row, 1),
                   migrations->directory);
    }
    PQclear(applied);
    return 0;
}

static bool parse_steps(const char *text, long *steps)
{
    char *end = NULL;

    *steps = strtol(text, &end, 10);
    if (end == text || *end != '\0' || *steps < 1) {
        log_error("invalid --down \"%s\": give the number of migrations to roll back, 1 or more",
                  text);
        return false;
    }
    return true;
}

int command_migrate(int argc, char **argv)
{
    static const char *const with_value[] = {"--down", NULL};
    static const char *const flags[] = {"--status", NULL};
    struct migration_files migrations;
    const char *down = cli_option(argc, argv, "--down");
    bool status_only = argc > 1 && strcmp(argv[1], "--status") == 0;
    long steps = 0;

    if (!cli_check_options(argc, argv, with_value, flags))
        return 2;
    if (down != NULL && !parse_steps(down, &steps))
        return 2;
    if (!migration_files_load(&migrations))
        return 1;

    PGconn *conn = cli_connect();
    int status = 1;
    if (conn != NULL && create_migrations_table(conn)) {
        if (status_only)
            status = migrate_status(conn, &migrations);
        else if (down != NULL)
            status = migrate_down(conn, &migrations, steps);
        else
            status = migrate_up(conn, &migrations);
    }

    PQfinish(conn);
    migration_files_free(&migrations);
    return status;
}
