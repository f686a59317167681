/*
 * Tests of the worker's token store against PostgreSQL: load and save go
 * through row-level security, so a worker reads and rotates only its own
 * tenant's pair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "token_store.h"
#include "vault.h"

#define TENANT_A "aaaaaaaa-0000-4000-8000-000000000001"
#define TENANT_B "bbbbbbbb-0000-4000-8000-000000000002"

struct fixture {
    PGconn *conn;
    struct vault_key key;
};

static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *result = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(result);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(result);
}

static void insert_tenant(PGconn *conn, const char *tenant_id, const char *name)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "INSERT INTO tenants (id, name) VALUES ('%s', '%s')", tenant_id,
             name);
    exec_ok(conn, sql);
}

static int setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof(*fixture));

    log_init("dbtest_token_store", LOG_FORMAT_TEXT, LOG_LEVEL_COUNT);
    if (fixture == NULL || vault_init() != VAULT_OK)
        return -1;
    fixture->conn = PQconnectdb("");
    if (PQstatus(fixture->conn) != CONNECTION_OK)
        return -1;

    exec_ok(fixture->conn, "TRUNCATE tenants CASCADE");
    insert_tenant(fixture->conn, TENANT_A, "A");
    insert_tenant(fixture->conn, TENANT_B, "B");
    vault_key_derive("store-key", strlen("store-key"), &fixture->key);
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fixture = *state;

    PQfinish(fixture->conn);
    free(fixture);
    return 0;
}

/* Insert a row as the supervisor-side login would, bypassing the store. */
static void insert_tokens(struct fixture *fixture, const char *tenant_id, const char *access,
                          const char *refresh)
{
    unsigned char *blobs[2];
    size_t lengths[2];

    assert_int_equal(vault_encrypt(&fixture->key, access, strlen(access), &blobs[0], &lengths[0]),
                     VAULT_OK);
    assert_int_equal(
        vault_encrypt(&fixture->key, refresh, strlen(refresh), &blobs[1], &lengths[1]),
        VAULT_OK);

    const char *values[] = {tenant_id, (const char *)blobs[0], (const char *)blobs[1]};
    const int value_lengths[] = {0, (int)lengths[0], (int)lengths[1]};
    const int formats[] = {0, 1, 1};
    PGresult *result = PQexecParams(
        fixture->conn,
        "INSERT INTO private.tokens (tenant_id, access, refresh, inserted_at, updated_at) "
        "VALUES ($1, $2, $3, now(), now()) ON CONFLICT (tenant_id) DO UPDATE "
        "SET access = EXCLUDED.access, refresh = EXCLUDED.refresh",
        3, NULL, values, value_lengths, formats, 0);
    assert_int_equal(PQresultStatus(result), PGRES_COMMAND_OK);
    PQclear(result);
    free(blobs[0]);
    free(blobs[1]);
}

static void load_returns_own_pair(void **state)
{
    struct fixture *fixture = *state;
    struct stored_tokens tokens;

    insert_tokens(fixture, TENANT_A, "access-a", "refresh-a");
    insert_tokens(fixture, TENANT_B, "access-b", "refresh-b");

    assert_int_equal(token_store_load(fixture->conn, TENANT_A, &fixture->key, &tokens),
                     TOKEN_STORE_OK);
    assert_string_equal(tokens.access, "access-a");
    assert_string_equal(tokens.refresh, "refresh-a");
    stored_tokens_free(&tokens);

    assert_int_equal(token_store_load(fixture->conn, TENANT_B, &fixture->key, &tokens),
                     TOKEN_STORE_OK);
    assert_string_equal(tokens.access, "access-b");
    stored_tokens_free(&tokens);
}

static void save_rotates_only_own_row(void **state)
{
    struct fixture *fixture = *state;
    struct stored_tokens tokens;

    insert_tokens(fixture, TENANT_A, "access-a", "refresh-a");
    insert_tokens(fixture, TENANT_B, "access-b", "refresh-b");

    assert_int_equal(token_store_save(fixture->conn, TENANT_A, &fixture->key, "access-a2",
                                      "refresh-a2"),
                     TOKEN_STORE_OK);

    assert_int_equal(token_store_load(fixture->conn, TENANT_A, &fixture->key, &tokens),
                     TOKEN_STORE_OK);
    assert_string_equal(tokens.refresh, "refresh-a2");
    stored_tokens_free(&tokens);

    assert_int_equal(token_store_load(fixture->conn, TENANT_B, &fixture->key, &tokens),
                     TOKEN_STORE_OK);
    assert_string_equal(tokens.refresh, "refresh-b");
    stored_tokens_free(&tokens);
}

static void missing_row_is_reported(void **state)
{
    struct fixture *fixture = *state;
    struct stored_tokens tokens;

    exec_ok(fixture->conn, "DELETE FROM private.tokens");
    assert_int_equal(token_store_load(fixture->conn, TENANT_A, &fixture->key, &tokens),
                     TOKEN_STORE_NO_ROW);
    assert_null(tokens.access);
    assert_int_equal(token_store_save(fixture->conn, TENANT_A, &fixture->key, "x", "y"),
                     TOKEN_STORE_DATABASE_ERROR);
}

static void wrong_key_is_undecryptable(void **state)
{
    struct fixture *fixture = *state;
    struct stored_tokens tokens;
    struct vault_key other;

    insert_tokens(fixture, TENANT_A, "access-a", "refresh-a");
    vault_key_derive("other-key", strlen("other-key"), &other);
    assert_int_equal(token_store_load(fixture->conn, TENANT_A, &other, &tokens),
                     TOKEN_STORE_UNDECRYPTABLE);
    assert_null(tokens.access);
    assert_null(tokens.refresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_returns_own_pair),
        cmocka_unit_test(save_rotates_only_own_row),
        cmocka_unit_test(missing_row_is_reported),
        cmocka_unit_test(wrong_key_is_undecryptable),
    };

    return cmocka_run_group_tests_name("token_store", tests, setup, teardown);
}
