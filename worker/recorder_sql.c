/* Statement execution, failures and transactions of recorder calls. */
#include "recorder_sql.h"

#include "db.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[RECORDER_STATUS_COUNT] = {
    [RECORDER_OK] = "ok",
    [RECORDER_INVALID_INPUT] = "invalid input",
    [RECORDER_NOT_FOUND] = "not found",
    [RECORDER_CONSTRAINT_VIOLATION] = "constraint violation",
    [RECORDER_DATABASE_ERROR] = "database error",
    [RECORDER_CONNECTION_FAILED] = "connection failed",
};

_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == RECORDER_STATUS_COUNT,
               "status_names must name every recorder status");

const char *recorder_status_name(enum recorder_status status)
{
    if (status < 0 || status >= RECORDER_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

bool recorder_init(struct recorder *recorder, PGconn *conn, const char *tenant_id)
{
    memset(recorder, 0, sizeof(*recorder));
    if (tenant_id == NULL || !uuid_normalize(tenant_id, recorder->tenant_id)) {
        log_error("invalid tenant id \"%s\" for the recorder: expected a uuid",
                  tenant_id != NULL ? tenant_id : "");
        return false;
    }
    recorder->conn = conn;
    return true;
}

void recorder_call_init(struct recorder_call *call, struct recorder *recorder, int64_t car_id,
                        const char *format, ...)
{
    va_list args;

    call->recorder = recorder;
    call->car_id = car_id > 0 ? car_id : LOG_NO_CAR;
    va_start(args, format);
    vsnprintf(call->action, sizeof(call->action), format, args);
    va_end(args);
    recorder->message[0] = '\0';
}

/* One line with single spaces: libpq messages may span several lines and
 * indent them with tabs. */
static void flatten_lines(char *text)
{
    char *out = text;

    for (const char *in = text; *in != '\0'; in++) {
        char c = *in == '\n' || *in == '\t' ? ' ' : *in;

        if (c == ' ' && (out == text || out[-1] == ' '))
            continue;
        *out++ = c;
    }
    while (out > text && out[-1] == ' ')
        out--;
    *out = '\0';
}

static enum recorder_status store_failure(struct recorder_call *call, enum recorder_status status,
                                          enum log_level level, const char *detail)
{
    struct recorder *recorder = call->recorder;

    snprintf(recorder->message, sizeof(recorder->message), "%s: %s", call->action, detail);
    flatten_lines(recorder->message);
    log_write(level, call->car_id, "cannot %s", recorder->message);
    return status;
}

enum recorder_status recorder_reject(struct recorder_call *call, const char *format, ...)
{
    char detail[RECORDER_MESSAGE_SIZE];
    va_list args;

    va_start(args, format);
    vsnprintf(detail, sizeof(detail), format, args);
    va_end(args);
    return store_failure(call, RECORDER_INVALID_INPUT, LOG_LEVEL_WARNING, detail);
}

enum recorder_status recorder_fail(struct recorder_call *call, enum recorder_status status,
                                   const char *format, ...)
{
    char detail[RECORDER_MESSAGE_SIZE];
    va_list args;

    va_start(args, format);
    vsnprintf(detail, sizeof(detail), format, args);
    va_end(args);
    return store_failure(call, status, LOG_LEVEL_ERROR, detail);
}

static enum recorder_status connection_status(PGconn *conn, enum recorder_status otherwise)
{
    return PQstatus(conn) == CONNECTION_BAD ? RECORDER_CONNECTION_FAILED : otherwise;
}

/* Classifies a failed result by SQLSTATE and stores its message, with the
 * DETAIL line when there is one (it names the conflicting key). */
static enum recorder_status result_failure(struct recorder_call *call, const PGresult *result)
{
    PGconn *conn = call->recorder->conn;
    char detail[RECORDER_MESSAGE_SIZE];

    if (result == NULL)
        return store_failure(call, connection_status(conn, RECORDER_DATABASE_ERROR),
                             LOG_LEVEL_ERROR, PQerrorMessage(conn));

    const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char *extra = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    enum recorder_status status = RECORDER_DATABASE_ERROR;

    if (state != NULL && strncmp(state, "23", 2) == 0)
        status = RECORDER_CONSTRAINT_VIOLATION;
    status = connection_status(conn, status);

    if (primary == NULL)
        primary = PQresultErrorMessage(result);
    snprintf(detail, sizeof(detail), "%s%s%s%s", primary, extra != NULL ? " (" : "",
             extra != NULL ? extra : "", extra != NULL ? ")" : "");
    return store_failure(call, status, LOG_LEVEL_ERROR, detail);
}

enum recorder_status recorder_exec(struct recorder_call *call, const char *sql,
                                   const struct sql_params *params, PGresult **result)
{
    if (result != NULL)
        *result = NULL;
    if (params != NULL && params->invalid[0] != '\0')
        return recorder_reject(call, "%s", params->invalid);

    PGresult *answer = PQexecParams(call->recorder->conn, sql, params != NULL ? params->count : 0,
                                    NULL, params != NULL ? params->values : NULL, NULL, NULL, 0);
    ExecStatusType state = PQresultStatus(answer);

    if (answer == NULL || (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK)) {
        enum recorder_status status = result_failure(call, answer);
        PQclear(answer);
        return status;
    }

    if (result != NULL)
        *result = answer;
    else
        PQclear(answer);
    return RECORDER_OK;
}

/* A transaction left open (a caller bug or an earlier failure on this
 * connection) is rolled back rather than joined. */
static enum recorder_status ensure_idle(struct recorder_call *call)
{
    PGconn *conn = call->recorder->conn;

    switch (PQtransactionStatus(conn)) {
    case PQTRANS_IDLE:
        return RECORDER_OK;
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
        log_car_warning(call->car_id, "rolling back a transaction left open before %s",
                        call->action);
        db_rollback(conn);
        return RECORDER_OK;
    case PQTRANS_ACTIVE:
        return recorder_fail(call, RECORDER_DATABASE_ERROR,
                             "the connection is busy with another command");
    case PQTRANS_UNKNOWN:
    default:
        return recorder_fail(call, RECORDER_CONNECTION_FAILED, "the connection is broken: %s",
                             PQerrorMessage(conn));
    }
}

enum recorder_status recorder_begin(struct recorder_call *call)
{
    struct recorder *recorder = call->recorder;
    enum recorder_status status;

    if (recorder->in_caller_transaction) {
        if (PQtransactionStatus(recorder->conn) == PQTRANS_INTRANS)
            return RECORDER_OK;
        return recorder_fail(call, RECORDER_DATABASE_ERROR,
                             "the caller's transaction is not open or has failed");
    }

    status = ensure_idle(call);
    if (status != RECORDER_OK)
        return status;

    /* db_begin_tenant() logs the failing statement; this line adds the car.
     * Its rollback after a failed SET may have cleared libpq's message. */
    if (!db_begin_tenant(recorder->conn, recorder->tenant_id)) {
        char detail[RECORDER_MESSAGE_SIZE];

        snprintf(detail, sizeof(detail), "cannot open the tenant transaction: %s",
                 PQerrorMessage(recorder->conn));
        return store_failure(call, connection_status(recorder->conn, RECORDER_DATABASE_ERROR),
                             LOG_LEVEL_ERROR, detail);
    }
    return RECORDER_OK;
}

enum recorder_status recorder_end(struct recorder_call *call, enum recorder_status status)
{
    if (call->recorder->in_caller_transaction)
        return status;
    if (status != RECORDER_OK) {
        db_rollback(call->recorder->conn);
        return status;
    }
    return recorder_exec(call, "COMMIT", NULL, NULL);
}
