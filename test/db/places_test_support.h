/*
 * Shared fixture of the places database tests (geofences, costs,
 * addresses, repair, elevation), on top of the recorder's fixture (two
 * emptied tenants with a recorder each).
 *
 * - SQL run inside a tenant transaction as tenantmate_collector, so the
 *   statements meet row-level security and the triggers as a worker or
 *   the business API would.
 * - Drives and charging processes made with the recorder.
 * - The fake-nominatim program from $TENANTMATE_BIN (default build/bin),
 *   started on a free port of 127.0.0.1 and stopped again, with its
 *   modes switched over HTTP.
 *
 * Header-only (static functions), because each test/db/dbtest_*.c file is
 * linked on its own.
 */
#ifndef TENANTMATE_PLACES_TEST_SUPPORT_H
#define TENANTMATE_PLACES_TEST_SUPPORT_H

#include "recorder_test_support.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"

/* ---- SQL in a tenant transaction ----------------------------------------- */

struct sql_outcome {
    bool ok;
    char sqlstate[6];
    char message[512];
    char value[TEXT_SIZE];      /* first field of the first row, "NULL" or "<no row>" */
};

/* Runs sql as tenantmate_collector for tenant in its own transaction,
 * committing on success. */
static inline struct sql_outcome tenant_sql(PGconn *conn, const char *tenant, const char *format,
                                            ...) __attribute__((format(printf, 3, 4)));

static inline struct sql_outcome tenant_sql(PGconn *conn, const char *tenant, const char *format,
                                            ...)
{
    struct sql_outcome outcome = {.ok = false};
    char sql[4096];
    va_list args;

    va_start(args, format);
    vsnprintf(sql, sizeof(sql), format, args);
    va_end(args);

    if (!db_begin_tenant(conn, tenant))
        fail_msg("cannot begin a transaction for tenant %s", tenant);
    PGresult *result = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(result);
    outcome.ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (outcome.ok) {
        if (status == PGRES_TUPLES_OK && PQntuples(result) > 0)
            snprintf(outcome.value, sizeof(outcome.value), "%s",
                     PQgetisnull(result, 0, 0) ? "NULL" : PQgetvalue(result, 0, 0));
        else
            snprintf(outcome.value, sizeof(outcome.value), "<no row>");
        outcome.ok = db_commit(conn);
    } else {
        const char *sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        snprintf(outcome.sqlstate, sizeof(outcome.sqlstate), "%s", sqlstate ? sqlstate : "");
        snprintf(outcome.message, sizeof(outcome.message), "%s", message ? message : "");
        db_rollback(conn);
    }
    PQclear(result);
    return outcome;
}

/* Like tenant_sql, failing the test unless the statement succeeds. */
static inline void tenant_sql_ok(PGconn *conn, const char *tenant, const char *sql,
                                 char value[TEXT_SIZE])
{
    struct sql_outcome outcome = tenant_sql(conn, tenant, "%s", sql);

    if (!outcome.ok)
        fail_msg("%s: %s (%s)", sql, outcome.message, outcome.sqlstate);
    if (value != NULL)
        snprintf(value, TEXT_SIZE, "%s", outcome.value);
}

/* A geofence of tenant with the given columns after the circle, e.g.
 * ", billing_type, cost_per_unit" and ", 'per_minute', 0.33" (both may be
 * ""). Returns its id. */
static inline int64_t create_geofence_with(PGconn *conn, const char *tenant, const char *name,
                                           double latitude, double longitude, int radius_m,
                                           const char *columns, const char *values)
{
    struct sql_outcome outcome = tenant_sql(
        conn, tenant,
        "INSERT INTO geofences (name, latitude, longitude, radius, tenant_id, inserted_at,"
        " updated_at%s) VALUES ('%s', %.6f, %.6f, %d, '%s', now(), now()%s) RETURNING id",
        columns, name, latitude, longitude, radius_m, tenant, values);

    if (!outcome.ok)
        fail_msg("create geofence %s: %s", name, outcome.message);
    return strtoll(outcome.value, NULL, 10);
}

static inline int64_t create_geofence(PGconn *conn, const char *tenant, const char *name,
                                      double latitude, double longitude, int radius_m)
{
    return create_geofence_with(conn, tenant, name, latitude, longitude, radius_m, "", "");
}

/* ---- drives and charging processes with the recorder ---------------- */

/* A kept drive of two positions: start and end points, odometers and
 * ranges so the keep rule passes. Returns the drive id. */
static inline int64_t make_drive(struct recorder *recorder, int64_t car_id,
                                 double start_latitude, double start_longitude,
                                 double end_latitude, double end_longitude)
{
    int64_t drive_id = 0;
    int64_t position_id = 0;
    struct drive_summary summary;
    struct position_record first = position_at("2019-04-06 10:19:02", start_latitude,
                                               start_longitude);
    struct position_record last = position_at("2019-04-06 10:23:25", end_latitude,
                                              end_longitude);

    first.odometer_km = known_double(284.85156);
    first.ideal_battery_range_km = known_double(338.8);
    first.rated_battery_range_km = known_double(308.8);
    last.odometer_km = known_double(288.045561);
    last.ideal_battery_range_km = known_double(334.8);
    last.rated_battery_range_km = known_double(304.8);

    assert_int_equal(recorder_start_drive(recorder, car_id, at("2019-04-06 10:18:00"), &drive_id),
                     RECORDER_OK);
    assert_int_equal(recorder_insert_position(recorder, car_id, drive_id, &first, &position_id),
                     RECORDER_OK);
    assert_int_equal(recorder_insert_position(recorder, car_id, drive_id, &last, &position_id),
                     RECORDER_OK);
    assert_int_equal(recorder_close_drive(recorder, drive_id, &summary), RECORDER_OK);
    assert_true(summary.kept);
    return drive_id;
}

/* A charging process started at the point. Returns its id. */
static inline int64_t make_process(struct recorder *recorder, int64_t car_id, double latitude,
                                   double longitude)
{
    struct position_record position = position_at("2019-04-05 16:01:00", latitude, longitude);
    struct charging_start start;

    assert_int_equal(recorder_start_charging_process(recorder, car_id, at("2019-04-05 16:01:00"),
                                                     &position, &start),
                     RECORDER_OK);
    return start.charging_process_id;
}

/* ---- fake-nominatim ------------------------------------------------------ */

struct fake_nominatim {
    pid_t pid;
    unsigned port;
    char url[64];
};

/* Starts $TENANTMATE_BIN/fake-nominatim serving the given SRTM tiles
 * ("N00E000,N01E001", or NULL for none) and waits for its "listening on"
 * line. */
static inline void fake_nominatim_start(struct fake_nominatim *fake, const char *tiles)
{
    const char *bin = getenv("TENANTMATE_BIN");
    char program[1024];
    int pipe_fds[2];

    snprintf(program, sizeof(program), "%s/fake-nominatim",
             bin != NULL && *bin != '\0' ? bin : "build/bin");
    if (access(program, X_OK) != 0)
        fail_msg("%s is missing: build it first (make ... bin/fake-nominatim)", program);
    assert_int_equal(pipe(pipe_fds), 0);

    fake->pid = fork();
    assert_true(fake->pid >= 0);
    if (fake->pid == 0) {
        /* Its log lines only with TENANTMATE_TEST_LOG, like the others. */
        if (getenv("TENANTMATE_TEST_LOG") == NULL)
            freopen("/dev/null", "w", stderr);
        dup2(pipe_fds[1], STDOUT_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        execl(program, program, "--port", "0", "--stall", "60", "--tiles",
              tiles != NULL ? tiles : "", (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);

    FILE *out = fdopen(pipe_fds[0], "r");
    char line[128] = "";
    if (out == NULL || fgets(line, sizeof(line), out) == NULL ||
        sscanf(line, "listening on 127.0.0.1:%u", &fake->port) != 1)
        fail_msg("fake-nominatim did not start: \"%s\"", line);
    fclose(out);
    snprintf(fake->url, sizeof(fake->url), "http://127.0.0.1:%u", fake->port);
}

static inline void fake_nominatim_stop(struct fake_nominatim *fake)
{
    int status;

    if (fake->pid <= 0)
        return;
    kill(fake->pid, SIGTERM);
    waitpid(fake->pid, &status, 0);
    fake->pid = 0;
}

static inline size_t fake_collect(char *data, size_t size, size_t count, void *context)
{
    char *out = context;
    size_t used = strlen(out);
    size_t length = size * count;

    if (used + length >= 65536)
        length = 65535 - used;
    memcpy(out + used, data, length);
    out[used + length] = '\0';
    return size * count;
}

/* A blocking request to the fake's admin interface; *out (64 KiB) gets
 * the body. */
static inline void fake_nominatim_call(const struct fake_nominatim *fake, const char *method,
                                       const char *path, char *out)
{
    char url[256];
    CURL *curl = curl_easy_init();
    long status = 0;

    out[0] = '\0';
    snprintf(url, sizeof(url), "%s%s", fake->url, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fake_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    if (curl_easy_perform(curl) != CURLE_OK ||
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
        fail_msg("fake-nominatim %s %s failed (HTTP %ld): %s", method, path, status, out);
    curl_easy_cleanup(curl);
}

static inline void fake_nominatim_mode(const struct fake_nominatim *fake, const char *mode)
{
    char path[128];
    static char body[65536];

    snprintf(path, sizeof(path), "/admin/mode?mode=%s", mode);
    fake_nominatim_call(fake, "POST", path, body);
}

/* The /reverse requests so far as JSON text (static storage). */
static inline const char *fake_nominatim_requests(const struct fake_nominatim *fake)
{
    static char body[65536];

    fake_nominatim_call(fake, "GET", "/admin/requests", body);
    return body;
}

#endif
