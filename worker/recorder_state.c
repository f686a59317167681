/* States: online, offline and asleep periods, at most one open per car. */
#include "recorder_sql.h"

#include <inttypes.h>
#include <string.h>

static const char *const state_status_names[STATE_STATUS_COUNT] = {
    [STATE_STATUS_ONLINE] = "online",
    [STATE_STATUS_OFFLINE] = "offline",
    [STATE_STATUS_ASLEEP] = "asleep",
};

_Static_assert(sizeof(state_status_names) / sizeof(state_status_names[0]) == STATE_STATUS_COUNT,
               "state_status_names must name every state status");

const char *state_status_name(enum state_status status)
{
    if (status < 0 || status >= STATE_STATUS_COUNT)
        return "unknown";
    return state_status_names[status];
}

bool state_status_parse(const char *text, enum state_status *status)
{
    for (int i = 0; i < STATE_STATUS_COUNT; i++) {
        if (strcmp(text, state_status_names[i]) == 0) {
            *status = (enum state_status)i;
            return true;
        }
    }
    return false;
}

/* The open state row, locked until the transaction ends. */
static enum recorder_status read_open_state(struct recorder_call *call, int64_t car_id,
                                            struct state_record *state, bool *found)
{
    struct sql_params params;
    PGresult *result;

    memset(state, 0, sizeof(*state));
    sql_params_init(&params);
    sql_params_add_id(&params, car_id);

    enum recorder_status status = recorder_exec(
        call,
        "SELECT id, state, start_date, end_date FROM states"
        " WHERE car_id = $1 AND end_date IS NULL FOR UPDATE",
        &params, &result);
    if (status != RECORDER_OK)
        return status;

    *found = PQntuples(result) > 0;
    if (*found) {
        state->id = sql_get_id(result, 0, 0);
        if (!state_status_parse(PQgetvalue(result, 0, 1), &state->status))
            status = recorder_fail(call, RECORDER_DATABASE_ERROR, "unknown state \"%s\" in row %" PRId64,
                                   PQgetvalue(result, 0, 1), state->id);
        state->start_date_us = sql_get_time(result, 0, 2).value;
    }
    PQclear(result);
    return status;
}

static enum recorder_status close_state(struct recorder_call *call, int64_t state_id,
                                        int64_t end_date_us)
{
    struct sql_params params;

    sql_params_init(&params);
    sql_params_add_id(&params, state_id);
    sql_params_add_time(&params, end_date_us);
    return recorder_exec(call, "UPDATE states SET end_date = $2 WHERE id = $1", &params, NULL);
}

static enum recorder_status open_state(struct recorder_call *call, int64_t car_id,
                                       enum state_status state, int64_t start_date_us,
                                       int64_t *state_id)
{
    struct sql_params params;
    PGresult *result;

    sql_params_init(&params);
    sql_params_add_text(&params, state_status_name(state));
    sql_params_add_time(&params, start_date_us);
    sql_params_add_id(&params, car_id);
    sql_params_add_tenant(&params, call->recorder);

    enum recorder_status status = recorder_exec(
        call,
        "INSERT INTO states (state, start_date, car_id, tenant_id) VALUES ($1, $2, $3, $4)"
        " RETURNING id",
        &params, &result);
    if (status != RECORDER_OK)
        return status;
    *state_id = sql_get_id(result, 0, 0);
    PQclear(result);
    return RECORDER_OK;
}

enum recorder_status recorder_start_state(struct recorder *recorder, int64_t car_id,
                                          enum state_status state, int64_t date_us,
                                          int64_t *state_id)
{
    struct recorder_call call;
    struct state_record open;
    bool found = false;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "start state %s", state_status_name(state));
    *state_id = 0;
    if (state < 0 || state >= STATE_STATUS_COUNT)
        return recorder_reject(&call, "invalid state %d: expected online, offline or asleep",
                               (int)state);
    if (car_id <= 0)
        return recorder_reject(&call, "missing car_id");
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;

    status = read_open_state(&call, car_id, &open, &found);
    if (status == RECORDER_OK && found && open.status == state) {
        *state_id = open.id;
        return recorder_end(&call, RECORDER_OK);
    }
    if (status == RECORDER_OK && found)
        status = close_state(&call, open.id, date_us);
    if (status == RECORDER_OK)
        status = open_state(&call, car_id, state, date_us, state_id);
    return recorder_end(&call, status);
}

enum recorder_status recorder_get_current_state(struct recorder *recorder, int64_t car_id,
                                                struct state_record *state, bool *found)
{
    struct recorder_call call;
    enum recorder_status status;

    recorder_call_init(&call, recorder, car_id, "get current state");
    *found = false;
    memset(state, 0, sizeof(*state));
    if ((status = recorder_begin(&call)) != RECORDER_OK)
        return status;
    status = read_open_state(&call, car_id, state, found);
    return recorder_end(&call, status);
}
