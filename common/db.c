#include "db.h"

#include "backoff.h"
#include "log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void trim_newline(char *text)
{
    size_t length = strlen(text);

    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r'))
        text[--length] = '\0';
}

void db_result_message(const PGresult *result, char *out, size_t size)
{
    const char *message = result != NULL ? PQresultErrorMessage(result) : "no result";

    snprintf(out, size, "%s", message);
    trim_newline(out);
}

static void connection_message(PGconn *conn, char *out, size_t size)
{
    snprintf(out, size, "%s", conn != NULL ? PQerrorMessage(conn) : "out of memory");
    trim_newline(out);
    for (char *c = out; *c != '\0'; c++) {
        if (*c == '\n')
            *c = ' ';
    }
}

bool db_conninfo_from_env(const char **conninfo)
{
    const char *url = getenv("DATABASE_URL");
    char *error = NULL;

    if (url == NULL || *url == '\0') {
        *conninfo = "";
        return true;
    }

    PQconninfoOption *options = PQconninfoParse(url, &error);
    if (options == NULL) {
        /* The URL may carry a password, so name the variable, not the value. */
        log_error("invalid DATABASE_URL: %s; expected postgresql://user@host:port/database",
                  error != NULL ? error : "cannot parse");
        PQfreemem(error);
        return false;
    }
    PQconninfoFree(options);
    *conninfo = url;
    return true;
}

static void sleep_seconds(double seconds)
{
    struct timespec delay = {
        .tv_sec = (time_t)seconds,
        .tv_nsec = (long)((seconds - floor(seconds)) * 1e9),
    };

    while (nanosleep(&delay, &delay) != 0) {
    }
}

PGconn *db_connect(const char *conninfo, const struct db_retry *retry)
{
    struct backoff backoff;
    char message[512];

    backoff_init(&backoff, retry->initial_delay_s, retry->max_delay_s);

    for (int attempt = 1;; attempt++) {
        PGconn *conn = PQconnectdb(conninfo);

        if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
            return conn;

        connection_message(conn, message, sizeof(message));
        PQfinish(conn);

        if (retry->max_attempts > 0 && attempt >= retry->max_attempts) {
            log_error("cannot connect to PostgreSQL after %d attempt%s: %s", attempt,
                      attempt == 1 ? "" : "s", message);
            return NULL;
        }

        double delay_s = backoff_next_s(&backoff);
        log_warning("cannot connect to PostgreSQL (attempt %d), retrying in %.1f s: %s",
                    attempt, delay_s, message);
        sleep_seconds(delay_s);
    }
}

void db_describe(PGconn *conn, char *out, size_t size)
{
    const char *host = PQhost(conn);

    snprintf(out, size, "database \"%s\" as \"%s\" on %s:%s", PQdb(conn), PQuser(conn),
             host != NULL && *host != '\0' ? host : "local socket", PQport(conn));
}

static bool result_ok(PGconn *conn, PGresult *result, const char *what)
{
    ExecStatusType status = PQresultStatus(result);
    char message[512];

    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return true;

    if (result != NULL)
        db_result_message(result, message, sizeof(message));
    else
        connection_message(conn, message, sizeof(message));
    log_error("%s failed: %s", what, message);
    return false;
}

bool db_command(PGconn *conn, const char *sql)
{
    PGresult *result = PQexec(conn, sql);
    bool ok = result_ok(conn, result, sql);

    PQclear(result);
    return ok;
}

PGresult *db_query(PGconn *conn, const char *sql, int count, const char *const *values)
{
    PGresult *result = PQexecParams(conn, sql, count, NULL, values, NULL, NULL, 0);

    if (!result_ok(conn, result, sql)) {
        PQclear(result);
        return NULL;
    }
    return result;
}

bool db_begin(PGconn *conn)
{
    return db_command(conn, "BEGIN");
}

bool db_begin_tenant(PGconn *conn, const char *tenant_id)
{
    const char *values[] = {tenant_id};

    if (!db_begin(conn))
        return false;

    if (!db_command(conn, "SET LOCAL ROLE " DB_COLLECTOR_ROLE)) {
        db_rollback(conn);
        return false;
    }

    PGresult *result =
        db_query(conn, "SELECT set_config('" DB_TENANT_SETTING "', $1, true)", 1, values);
    if (result == NULL) {
        db_rollback(conn);
        return false;
    }
    PQclear(result);
    return true;
}

bool db_commit(PGconn *conn)
{
    return db_command(conn, "COMMIT");
}

void db_rollback(PGconn *conn)
{
    PGresult *result = PQexec(conn, "ROLLBACK");

    PQclear(result);
}
