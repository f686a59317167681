/* The database side of an import: lock, run, car, placeholders, finish. */
#include "import_store_internal.h"

#include "db.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The import's own advisory lock key per tenant, apart from the worker's
 * (tenantmate_worker_lock_key), so an import runs beside the live worker. */
#define IMPORT_LOCK_KEY \
    "('x' || left(md5('tenantmate-import:' || $1::uuid::text), 16))::bit(64)::bigint"

/* Attempts at creating the car when its random eid is taken. */
#define CAR_CREATE_ATTEMPTS 8

static const char *const lock_result_names[IMPORT_LOCK_RESULT_COUNT] = {
    [IMPORT_LOCK_ACQUIRED] = "acquired",
    [IMPORT_LOCK_BUSY] = "busy",
    [IMPORT_LOCK_FAILED] = "failed",
};

_Static_assert(sizeof(lock_result_names) / sizeof(lock_result_names[0]) ==
                   IMPORT_LOCK_RESULT_COUNT,
               "lock_result_names must name every lock result");

const char *import_lock_result_name(enum import_lock_result result)
{
    return result >= 0 && result < IMPORT_LOCK_RESULT_COUNT ? lock_result_names[result]
                                                             : "unknown";
}

/* ---- helpers shared with import_store_write.c -------------------------- */

double store_wall_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void set_message(struct import_store *store, const char *action, const char *detail)
{
    char *end;

    snprintf(store->message, sizeof(store->message), "%s: %s", action, detail);
    end = store->message + strlen(store->message);
    while (end > store->message && (end[-1] == '\n' || end[-1] == ' '))
        *--end = '\0';
}

PGresult *store_query(struct import_store *store, const char *action, const char *sql,
                      int count, const char *const *values)
{
    double started_s = store_wall_s();
    PGresult *result = PQexecParams(store->conn, sql, count, NULL, values, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(result);

    store->database_s += store_wall_s() - started_s;
    if (result != NULL && (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK))
        return result;

    char detail[IMPORT_MESSAGE_SIZE];
    if (result != NULL)
        db_result_message(result, detail, sizeof(detail));
    else
        snprintf(detail, sizeof(detail), "%s", PQerrorMessage(store->conn));
    set_message(store, action, detail);
    PQclear(result);
    return NULL;
}

bool store_command(struct import_store *store, const char *action, const char *sql, int count,
                   const char *const *values)
{
    PGresult *result = store_query(store, action, sql, count, values);

    PQclear(result);
    return result != NULL;
}

bool store_recorder_failed(struct import_store *store, const char *action)
{
    set_message(store, action, store->recorder.message);
    return false;
}

bool store_begin(struct import_store *store, const char *action)
{
    double started_s = store_wall_s();
    bool ok = db_begin_tenant(store->conn, store->tenant_id);

    store->database_s += store_wall_s() - started_s;
    if (!ok) {
        set_message(store, action, PQerrorMessage(store->conn));
        return false;
    }
    store->recorder.in_caller_transaction = true;
    return true;
}

bool store_commit(struct import_store *store, const char *action)
{
    bool ok = store_command(store, action, "COMMIT", 0, NULL);

    store->recorder.in_caller_transaction = false;
    if (!ok && PQtransactionStatus(store->conn) != PQTRANS_IDLE)
        db_rollback(store->conn);
    return ok;
}

void store_rollback(struct import_store *store)
{
    double started_s = store_wall_s();

    store->recorder.in_caller_transaction = false;
    if (PQtransactionStatus(store->conn) != PQTRANS_IDLE)
        db_rollback(store->conn);
    store->database_s += store_wall_s() - started_s;
}

bool store_time_ms(const char *text, int64_t *ms)
{
    int64_t us;

    if (!recorder_time_parse(text, &us))
        return false;
    *ms = us / 1000 + (us % 1000 > 0 ? 1 : 0);
    return true;
}

void store_time_text(int64_t ms, char out[RECORDER_TIME_TEXT_SIZE])
{
    recorder_time_format(ms * 1000, out);
}

/* ---- lock and run -------------------------------------------------------- */

bool import_store_init(struct import_store *store, PGconn *conn, const char *tenant_id)
{
    memset(store, 0, sizeof(*store));
    store->conn = conn;
    if (!recorder_init(&store->recorder, conn, tenant_id))
        return false;
    snprintf(store->tenant_id, sizeof(store->tenant_id), "%s", store->recorder.tenant_id);
    return sodium_init() >= 0;
}

enum import_lock_result import_store_lock(struct import_store *store)
{
    const char *values[] = {store->tenant_id};
    PGresult *result = store_query(store, "take the import lock",
                                   "SELECT pg_try_advisory_lock(" IMPORT_LOCK_KEY ")", 1, values);
    bool acquired;

    if (result == NULL)
        return IMPORT_LOCK_FAILED;
    acquired = strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    PQclear(result);
    return acquired ? IMPORT_LOCK_ACQUIRED : IMPORT_LOCK_BUSY;
}

void import_store_unlock(struct import_store *store)
{
    const char *values[] = {store->tenant_id};

    store_command(store, "release the import lock",
                  "SELECT pg_advisory_unlock(" IMPORT_LOCK_KEY ")", 1, values);
}

static bool check_tenant(struct import_store *store)
{
    PGresult *result = store_query(store, "read the tenant",
                                   "SELECT deleted_at IS NOT NULL FROM tenants", 0, NULL);
    bool ok = false;

    if (result == NULL)
        return false;
    if (PQntuples(result) == 0)
        snprintf(store->message, sizeof(store->message),
                 "tenant %s not found: add it first with tenantmate tenants add", store->tenant_id);
    else if (strcmp(PQgetvalue(result, 0, 0), "t") == 0)
        snprintf(store->message, sizeof(store->message),
                 "tenant %s is deleted: an import needs an active tenant", store->tenant_id);
    else
        ok = true;
    store->tenant_unusable = !ok;
    PQclear(result);
    return ok;
}

/* Reads the running run of the source into the store; *found is false
 * when there is none. */
static bool find_running_run(struct import_store *store, const char *source_key, bool *found)
{
    const char *values[] = {source_key};
    PGresult *result = store_query(store, "read the running import run",
                                   "SELECT id, timezone FROM import_runs"
                                   " WHERE source_key = $1 AND status = 'running' FOR UPDATE",
                                   1, values);

    if (result == NULL)
        return false;
    *found = PQntuples(result) > 0;
    if (*found) {
        store->run_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
        snprintf(store->time_zone, sizeof(store->time_zone), "%s", PQgetvalue(result, 0, 1));
    }
    PQclear(result);
    return true;
}

static bool insert_run(struct import_store *store, const char *source_key,
                       const char *time_zone)
{
    const char *values[] = {source_key, time_zone, store->tenant_id};
    PGresult *result = store_query(
        store, "start an import run",
        "INSERT INTO import_runs (source_key, status, timezone, inserted_at, updated_at,"
        " tenant_id) VALUES ($1, 'running', $2, now() AT TIME ZONE 'UTC',"
        " now() AT TIME ZONE 'UTC', $3) RETURNING id",
        3, values);

    if (result == NULL)
        return false;
    store->run_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    snprintf(store->time_zone, sizeof(store->time_zone), "%s", time_zone);
    PQclear(result);
    return true;
}

bool import_store_open_run(struct import_store *store, const char *source_key,
                           const char *time_zone)
{
    bool found = false;

    if (!store_begin(store, "start an import run"))
        return false;
    if (!check_tenant(store) || !find_running_run(store, source_key, &found) ||
        (!found && !insert_run(store, source_key, time_zone))) {
        store_rollback(store);
        return false;
    }
    store->resumed = found;
    return store_commit(store, "start an import run");
}

bool import_store_abandon_run(struct import_store *store, const char *source_key, bool *found)
{
    const char *values[] = {source_key};
    PGresult *result;

    if (!store_begin(store, "discard the import run"))
        return false;
    result = store_query(store, "discard the import run",
                         "UPDATE import_runs SET status = 'abandoned',"
                         " updated_at = now() AT TIME ZONE 'UTC'"
                         " WHERE source_key = $1 AND status = 'running' RETURNING id",
                         1, values);
    if (result == NULL) {
        store_rollback(store);
        return false;
    }
    *found = PQntuples(result) > 0;
    PQclear(result);
    return store_commit(store, "discard the import run");
}

bool import_store_file_is_done(struct import_store *store, const char *name,
                               const char *fingerprint, bool *done)
{
    const char *values[] = {name, fingerprint};
    PGresult *result;

    if (!store_begin(store, "read the file checkpoints"))
        return false;
    result = store_query(store, "read the file checkpoints",
                         "SELECT 1 FROM import_file_checkpoints"
                         " WHERE file_name = $1 AND file_fingerprint = $2 LIMIT 1",
                         2, values);
    if (result == NULL) {
        store_rollback(store);
        return false;
    }
    *done = PQntuples(result) > 0;
    PQclear(result);
    return store_commit(store, "read the file checkpoints");
}

/* ---- the car ------------------------------------------------------------- */

/* The car with this VIN, else with this vehicle id; 0 when none. */
static bool find_car(struct import_store *store, const struct import_car_found *found,
                     int64_t *car_id)
{
    char vid[24];
    const char *values[] = {found->vin, vid};
    PGresult *result;

    snprintf(vid, sizeof(vid), "%" PRId64, found->vid);
    result = store_query(store, "find the car",
                         "SELECT id FROM cars WHERE vin = $1 OR vid = $2::bigint"
                         " ORDER BY vin = $1 DESC, id LIMIT 1",
                         2, values);
    if (result == NULL)
        return false;
    *car_id = PQntuples(result) > 0 ? strtoll(PQgetvalue(result, 0, 0), NULL, 10) : 0;
    PQclear(result);
    return true;
}

static bool find_car_in_transaction(struct import_store *store,
                                    const struct import_car_found *found, int64_t *car_id)
{
    if (!store_begin(store, "find the car"))
        return false;
    if (!find_car(store, found, car_id)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "find the car");
}

/* TeslaMate gives an imported car a random product id (eid) in 1..65536;
 * the live worker replaces it with the real one when it lists the car. */
static bool create_car(struct import_store *store, const struct import_car_found *found,
                       bool *eid_taken)
{
    struct car_record car = {
        .eid = {.known = true, .value = (int64_t)randombytes_uniform(65536) + 1},
        .vid = {.known = true, .value = found->vid},
        .vin = found->vin,
        .name = found->name,
    };
    double started_s = store_wall_s();
    enum recorder_status status =
        recorder_create_car(&store->recorder, &car, (struct opt_int64){0}, &store->car_id);

    store->database_s += store_wall_s() - started_s;

    *eid_taken = status == RECORDER_CONSTRAINT_VIOLATION;
    if (status == RECORDER_OK)
        store->car_created = true;
    return status == RECORDER_OK || *eid_taken;
}

/* Records the car in the run and, once per run, the date limit. */
static bool record_car(struct import_store *store)
{
    char run_id[24], car_id[24];
    const char *values[] = {run_id, car_id};
    PGresult *result;

    snprintf(run_id, sizeof(run_id), "%" PRId64, store->run_id);
    snprintf(car_id, sizeof(car_id), "%" PRId64, store->car_id);
    result = store_query(
        store, "record the import's car",
        "UPDATE import_runs SET car_id = $2, updated_at = now() AT TIME ZONE 'UTC',"
        " date_limit = CASE WHEN date_limit_captured THEN date_limit ELSE coalesce("
        "  (SELECT min(start_date) FROM states WHERE car_id = $2),"
        "  date_trunc('second', now() AT TIME ZONE 'UTC')) END,"
        " date_limit_captured = true"
        " WHERE id = $1 RETURNING date_limit,"
        " NOT EXISTS (SELECT 1 FROM states WHERE car_id = $2 AND start_date >= date_limit)",
        2, values);
    if (result == NULL)
        return false;

    store->has_date_limit = !PQgetisnull(result, 0, 0) &&
                            store_time_ms(PQgetvalue(result, 0, 0), &store->date_limit_ms);
    store->update_car_details = strcmp(PQgetvalue(result, 0, 1), "t") == 0;
    PQclear(result);
    return true;
}

bool import_store_attach_car(struct import_store *store, const struct import_car_found *found)
{
    for (int attempt = 0; attempt < CAR_CREATE_ATTEMPTS && store->car_id == 0; attempt++) {
        bool eid_taken = false;

        /* A taken eid, or a car the live worker created meanwhile: look
         * again, then try another eid. */
        if (!find_car_in_transaction(store, found, &store->car_id))
            return false;
        if (store->car_id == 0 && !create_car(store, found, &eid_taken))
            return store_recorder_failed(store, "create the car");
    }
    if (store->car_id == 0) {
        snprintf(store->message, sizeof(store->message),
                 "create the car: no free product id after %d attempts", CAR_CREATE_ATTEMPTS);
        return false;
    }

    if (!store_begin(store, "record the import's car"))
        return false;
    if (!record_car(store)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "record the import's car");
}

bool import_store_run_car(struct import_store *store, struct import_car_found *car,
                          bool *attached)
{
    char run_id[24];
    const char *values[] = {run_id};
    PGresult *result;

    snprintf(run_id, sizeof(run_id), "%" PRId64, store->run_id);
    if (!store_begin(store, "read the import's car"))
        return false;
    result = store_query(store, "read the import's car",
                         "SELECT c.id, c.vin, c.vid, coalesce(c.name, '') FROM import_runs r"
                         " JOIN cars c ON c.id = r.car_id WHERE r.id = $1",
                         1, values);
    if (result == NULL) {
        store_rollback(store);
        return false;
    }
    *attached = PQntuples(result) > 0;
    if (*attached) {
        store->car_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
        snprintf(car->vin, sizeof(car->vin), "%s", PQgetvalue(result, 0, 1));
        car->vid = strtoll(PQgetvalue(result, 0, 2), NULL, 10);
        snprintf(car->name, sizeof(car->name), "%s", PQgetvalue(result, 0, 3));
    }
    PQclear(result);
    if (*attached && !record_car(store)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "read the import's car");
}

/* ---- replay start and finish -------------------------------------------- */

static void id_text(int64_t id, char out[24])
{
    snprintf(out, 24, "%" PRId64, id);
}

bool store_close_drive(struct import_store *store, int64_t drive_id,
                       struct import_write_counts *counts)
{
    struct drive_summary summary;
    double started_s = store_wall_s();
    enum recorder_status status = recorder_close_drive(&store->recorder, drive_id, &summary);

    store->database_s += store_wall_s() - started_s;
    if (status != RECORDER_OK)
        return store_recorder_failed(store, "close an imported drive");
    if (summary.kept)
        counts->drives++;
    else
        counts->drives_discarded++;
    return true;
}

bool store_complete_charging_process(struct import_store *store, int64_t charging_process_id,
                                     int64_t end_ms, struct import_write_counts *counts)
{
    struct charging_summary summary;
    double started_s = store_wall_s();
    enum recorder_status status = recorder_complete_charging_process(
        &store->recorder, charging_process_id, end_ms * 1000, &summary);

    store->database_s += store_wall_s() - started_s;
    if (status != RECORDER_OK)
        return store_recorder_failed(store, "complete an imported charging process");
    counts->charging_processes++;
    return true;
}

/* Ids (and a date) of placeholder rows: end equals start, no aggregates. */
static PGresult *placeholders(struct import_store *store, const char *sql)
{
    char car_id[24], limit[RECORDER_TIME_TEXT_SIZE];
    const char *values[] = {car_id, store->has_date_limit ? limit : NULL};

    id_text(store->car_id, car_id);
    store_time_text(store->date_limit_ms, limit);
    return store_query(store, "find unfinished imported rows", sql, 2, values);
}

bool store_complete_placeholders(struct import_store *store, struct import_write_counts *counts)
{
    PGresult *drives = placeholders(
        store, "SELECT id FROM drives WHERE car_id = $1 AND end_date = start_date"
               " AND start_position_id IS NULL AND distance IS NULL"
               " AND ($2::timestamp IS NULL OR start_date < $2) ORDER BY start_date");
    bool ok = drives != NULL;

    for (int i = 0; ok && i < PQntuples(drives); i++)
        ok = store_close_drive(store, strtoll(PQgetvalue(drives, i, 0), NULL, 10), counts);
    PQclear(drives);
    if (!ok)
        return false;

    PGresult *processes = placeholders(
        store, "SELECT p.id, coalesce(max(c.date), p.start_date) FROM charging_processes p"
               " LEFT JOIN charges c ON c.charging_process_id = p.id"
               " WHERE p.car_id = $1 AND p.end_date = p.start_date AND p.duration_min IS NULL"
               " AND p.charge_energy_used IS NULL"
               " AND ($2::timestamp IS NULL OR p.start_date < $2)"
               " GROUP BY p.id ORDER BY p.start_date");
    ok = processes != NULL;
    for (int i = 0; ok && i < PQntuples(processes); i++) {
        int64_t end_ms = 0;

        store_time_ms(PQgetvalue(processes, i, 1), &end_ms);
        ok = store_complete_charging_process(
            store, strtoll(PQgetvalue(processes, i, 0), NULL, 10), end_ms, counts);
    }
    PQclear(processes);
    return ok;
}

static bool read_latest_update(struct import_store *store, struct fsm_latest_update *latest)
{
    PGresult *result = placeholders(
        store, "SELECT coalesce(version, '') FROM updates WHERE car_id = $1"
               " AND ($2::timestamp IS NULL OR start_date < $2)"
               " ORDER BY start_date DESC, id DESC LIMIT 1");

    if (result == NULL)
        return false;
    memset(latest, 0, sizeof(*latest));
    latest->exists = PQntuples(result) > 0;
    if (latest->exists)
        snprintf(latest->version, sizeof(latest->version), "%s", PQgetvalue(result, 0, 0));
    PQclear(result);
    return true;
}

static bool read_last_state(struct import_store *store, struct import_current_state *current)
{
    PGresult *result = placeholders(
        store, "SELECT id, state, start_date FROM states WHERE car_id = $1"
               " AND ($2::timestamp IS NULL OR start_date < $2)"
               " ORDER BY start_date DESC, id DESC LIMIT 1");
    enum state_status status;

    if (result == NULL)
        return false;
    memset(current, 0, sizeof(*current));
    if (PQntuples(result) > 0 && state_status_parse(PQgetvalue(result, 0, 1), &status)) {
        current->known = true;
        current->state_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
        current->state = status == STATE_STATUS_ASLEEP    ? FSM_RECORDED_ASLEEP
                         : status == STATE_STATUS_OFFLINE ? FSM_RECORDED_OFFLINE
                                                          : FSM_RECORDED_ONLINE;
        store_time_ms(PQgetvalue(result, 0, 2), &current->start_ms);
    }
    PQclear(result);
    return true;
}

bool import_store_prepare_replay(struct import_store *store, struct fsm_latest_update *latest,
                                 struct import_current_state *current)
{
    struct import_write_counts ignored = {0};

    if (!store_begin(store, "prepare the replay"))
        return false;
    if (!store_complete_placeholders(store, &ignored) || !read_latest_update(store, latest) ||
        !read_last_state(store, current)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "prepare the replay");
}

/* Ends the import's last state where the car's next state starts, or
 * reopens it when the car has no later state and no open one. */
static bool end_last_state(struct import_store *store, const struct import_current_state *last)
{
    char state_id[24], car_id[24];
    const char *values[] = {state_id, car_id};

    if (!last->known || last->state_id == 0)
        return true;
    id_text(last->state_id, state_id);
    id_text(store->car_id, car_id);
    return store_command(
        store, "end the import's last state",
        "UPDATE states s SET end_date = CASE"
        "  WHEN n.next_start IS NOT NULL THEN n.next_start"
        "  WHEN NOT EXISTS (SELECT 1 FROM states o WHERE o.car_id = $2 AND o.end_date IS NULL)"
        "   THEN NULL"
        "  ELSE s.end_date END"
        " FROM (SELECT min(start_date) AS next_start FROM states"
        "  WHERE car_id = $2 AND start_date > (SELECT start_date FROM states WHERE id = $1)) n"
        " WHERE s.id = $1",
        2, values);
}

static bool complete_run(struct import_store *store)
{
    char run_id[24];
    const char *values[] = {run_id};

    id_text(store->run_id, run_id);
    return store_command(store, "complete the import run",
                         "UPDATE import_runs SET status = 'complete',"
                         " updated_at = now() AT TIME ZONE 'UTC' WHERE id = $1",
                         1, values);
}

/* Completes what the data ended in, then the placeholders an earlier
 * invocation may have left. */
static bool complete_open_records(struct import_store *store, struct import_batch *batch,
                                  struct import_write_counts *counts)
{
    if (batch->open_drive != IMPORT_NO_REF) {
        int64_t drive_id = batch->drives[batch->open_drive].drive_id;

        batch->open_drive = IMPORT_NO_REF;
        if (drive_id != 0 && !store_close_drive(store, drive_id, counts))
            return false;
    }
    if (batch->open_charging_process != IMPORT_NO_REF) {
        const struct import_charging_process *process =
            &batch->charging_processes[batch->open_charging_process];

        batch->open_charging_process = IMPORT_NO_REF;
        if (process->charging_process_id != 0 &&
            !store_complete_charging_process(store, process->charging_process_id,
                                             process->start_ms, counts))
            return false;
    }
    return store_complete_placeholders(store, counts);
}

bool import_store_finish(struct import_store *store, struct import_batch *batch,
                         struct import_write_counts *counts)
{
    struct import_current_state last = batch->current;

    if (!store_begin(store, "finish the import"))
        return false;
    if (!last.known && !read_last_state(store, &last)) {
        store_rollback(store);
        return false;
    }
    if (!complete_open_records(store, batch, counts) || !end_last_state(store, &last) ||
        !complete_run(store)) {
        store_rollback(store);
        return false;
    }
    return store_commit(store, "finish the import");
}
