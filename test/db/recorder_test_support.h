/*
 * Shared fixture of the recorder's database tests. It connects with
 * PQconnectdb("") to the database test/run-tests names in the PG*
 * variables, empties two tenants before every test and gives each a
 * recorder. Its helpers read stored values back as PostgreSQL prints them.
 *
 * Header-only (static functions), because each test/db/dbtest_*.c file is
 * linked on its own.
 */
#ifndef TENANTMATE_RECORDER_TEST_SUPPORT_H
#define TENANTMATE_RECORDER_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "recorder.h"

#define TENANT_A "aaaaaaaa-0000-4000-8000-0000000000a1"
#define TENANT_B "bbbbbbbb-0000-4000-8000-0000000000b2"

#define TEXT_SIZE 256

struct fixture {
    PGconn *conn;
    struct recorder tenant_a;
    struct recorder tenant_b;
};

static inline void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *result = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(result);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(result);
}

/* The first field of the first row as text ("NULL" for a NULL field,
 * "<no row>" without a row), read as the superuser. */
static inline void query_text(PGconn *conn, char out[TEXT_SIZE], const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static inline void query_text(PGconn *conn, char out[TEXT_SIZE], const char *format, ...)
{
    char sql[4096];
    va_list args;

    va_start(args, format);
    vsnprintf(sql, sizeof(sql), format, args);
    va_end(args);

    PGresult *result = PQexec(conn, sql);
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    if (PQntuples(result) == 0)
        snprintf(out, TEXT_SIZE, "<no row>");
    else if (PQgetisnull(result, 0, 0))
        snprintf(out, TEXT_SIZE, "NULL");
    else
        snprintf(out, TEXT_SIZE, "%s", PQgetvalue(result, 0, 0));
    PQclear(result);
}

/* Asserts that a query's first field prints as expected. */
#define assert_query(fixture, expected, ...)                      \
    do {                                                          \
        char actual_[TEXT_SIZE];                                  \
        query_text((fixture)->conn, actual_, __VA_ARGS__);        \
        assert_string_equal(actual_, (expected));                 \
    } while (0)

static inline int64_t query_int(PGconn *conn, const char *sql)
{
    char text[TEXT_SIZE];

    query_text(conn, text, "%s", sql);
    return strtoll(text, NULL, 10);
}

static inline int fixture_setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof(*fixture));

    /* Quiet unless TENANTMATE_TEST_LOG is set, to read the recorder's lines. */
    log_init("dbtest_recorder", LOG_FORMAT_TEXT,
             getenv("TENANTMATE_TEST_LOG") != NULL ? LOG_LEVEL_DEBUG : LOG_LEVEL_COUNT);
    if (fixture == NULL)
        return -1;
    fixture->conn = PQconnectdb("");
    if (PQstatus(fixture->conn) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(fixture->conn));
        return -1;
    }

    exec_ok(fixture->conn, "SET client_min_messages = warning");
    exec_ok(fixture->conn, "TRUNCATE tenants CASCADE");
    exec_ok(fixture->conn, "TRUNCATE addresses CASCADE");
    exec_ok(fixture->conn, "INSERT INTO tenants (id, name) VALUES ('" TENANT_A "', 'A'), ('" TENANT_B
                           "', 'B')");
    exec_ok(fixture->conn,
            "INSERT INTO settings (tenant_id, inserted_at, updated_at) VALUES"
            " ('" TENANT_A "', now(), now()), ('" TENANT_B "', now(), now())");
    if (!recorder_init(&fixture->tenant_a, fixture->conn, TENANT_A) ||
        !recorder_init(&fixture->tenant_b, fixture->conn, TENANT_B))
        return -1;
    *state = fixture;
    return 0;
}

static inline int fixture_teardown(void **state)
{
    struct fixture *fixture = *state;

    PQfinish(fixture->conn);
    free(fixture);
    return 0;
}

/* "2019-04-06 10:19:02[.fff]" (UTC) as microseconds. */
static inline int64_t at(const char *text)
{
    int64_t date_us = 0;

    if (!recorder_time_parse(text, &date_us))
        fail_msg("bad test date \"%s\"", text);
    return date_us;
}

static inline struct opt_double known_double(double value)
{
    return (struct opt_double){.known = true, .value = value};
}

static inline struct opt_int64 known_int(int64_t value)
{
    return (struct opt_int64){.known = true, .value = value};
}

static inline struct opt_bool known_bool(bool value)
{
    return (struct opt_bool){.known = true, .value = value};
}

static const struct opt_int64 unknown_int = {0};

/* A car with the identity of TeslaMate's tests, created for tenant. */
static inline int64_t create_car(struct recorder *recorder, int64_t eid, int64_t vid,
                                 const char *vin)
{
    struct car_record car = {
        .eid = known_int(eid),
        .vid = known_int(vid),
        .vin = vin,
        .model = "M3",
        .efficiency = known_double(0.153),
    };
    int64_t car_id = 0;

    assert_int_equal(recorder_create_car(recorder, &car, unknown_int, &car_id), RECORDER_OK);
    assert_true(car_id > 0);
    return car_id;
}

/* A position at (latitude, longitude) at date; the rest unknown. */
static inline struct position_record position_at(const char *date, double latitude,
                                                 double longitude)
{
    struct position_record position = {
        .date_us = known_int(at(date)),
        .latitude = known_double(latitude),
        .longitude = known_double(longitude),
    };
    return position;
}

#endif
