/*
 * `tenantmate tokens put|check --tenant UUID`: store a tenant's Tesla
 * token pair encrypted in private.tokens, or check that the stored pair
 * decrypts. Neither ever prints a token.
 */
#include "cli.h"

#include "db.h"
#include "jwt.h"
#include "log.h"
#include "token_input.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct encrypted_pair {
    unsigned char *access;
    size_t access_length;
    unsigned char *refresh;
    size_t refresh_length;
};

static bool load_key(struct vault_key *key)
{
    enum vault_status status = vault_init();

    if (status != VAULT_OK) {
        log_error("%s", vault_status_message(status));
        return false;
    }
    return vault_key_from_env(key);
}

static bool tenant_exists(PGconn *conn, const char *tenant_id, bool *deleted)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_query(conn, "SELECT deleted_at IS NOT NULL FROM tenants WHERE id = $1",
                                1, values);

    if (result == NULL)
        return false;

    bool found = PQntuples(result) == 1;
    if (found)
        *deleted = strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    else
        log_error("tenant %s not found: create it first (tenantmate tenants add --tenant %s "
                  "--name NAME, or through the business API)", tenant_id, tenant_id);
    PQclear(result);
    return found;
}

static bool encrypt_pair(const struct vault_key *key, const struct token_pair *pair,
                         struct encrypted_pair *out)
{
    memset(out, 0, sizeof(*out));
    if (vault_encrypt(key, pair->access, strlen(pair->access), &out->access,
                      &out->access_length) != VAULT_OK ||
        vault_encrypt(key, pair->refresh, strlen(pair->refresh), &out->refresh,
                      &out->refresh_length) != VAULT_OK) {
        log_error("cannot encrypt the tokens: out of memory");
        free(out->access);
        return false;
    }
    return true;
}

/* Upsert the row and notify the supervisor in one transaction, so a
 * listener that wakes up always finds the new row. */
static bool store_pair(PGconn *conn, const char *tenant_id, const struct encrypted_pair *pair)
{
    const char *values[] = {tenant_id, (const char *)pair->access, (const char *)pair->refresh};
    const int lengths[] = {0, (int)pair->access_length, (int)pair->refresh_length};
    const int formats[] = {0, 1, 1};
    const char *notify_values[] = {tenant_id};

    if (!db_begin(conn))
        return false;

    PGresult *result = PQexecParams(
        conn,
        "INSERT INTO private.tokens (tenant_id, access, refresh, inserted_at, updated_at) "
        "VALUES ($1, $2, $3, timezone('UTC', now())::timestamp(0), "
        "timezone('UTC', now())::timestamp(0)) "
        "ON CONFLICT (tenant_id) DO UPDATE SET access = EXCLUDED.access, "
        "refresh = EXCLUDED.refresh, updated_at = EXCLUDED.updated_at",
        3, NULL, values, lengths, formats, 0);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) {
        char message[512];

        db_result_message(result, message, sizeof(message));
        log_error("cannot store the tokens of tenant %s: %s", tenant_id, message);
    }
    PQclear(result);

    if (ok) {
        result = db_query(conn, "SELECT pg_notify('" DB_TENANT_CHANNEL "', $1)", 1,
                          notify_values);
        ok = result != NULL;
        PQclear(result);
    }
    if (!ok) {
        db_rollback(conn);
        return false;
    }
    return db_commit(conn);
}

static int tokens_put(const char *tenant_id)
{
    struct vault_key key;
    struct token_pair pair;
    struct encrypted_pair encrypted;
    bool deleted = false;

    if (!load_key(&key))
        return 1;
    if (!token_pair_read(stdin, &pair)) {
        vault_key_wipe(&key);
        return 1;
    }

    bool ok = encrypt_pair(&key, &pair, &encrypted);
    token_pair_free(&pair);
    vault_key_wipe(&key);
    if (!ok)
        return 1;

    PGconn *conn = cli_connect();
    ok = conn != NULL && tenant_exists(conn, tenant_id, &deleted) &&
         store_pair(conn, tenant_id, &encrypted);
    PQfinish(conn);
    free(encrypted.access);
    free(encrypted.refresh);

    if (!ok)
        return 1;
    printf("stored the tokens of tenant %s%s\n", tenant_id,
           deleted ? " (the tenant is deleted: no worker will use them)" : "");
    return 0;
}

static void describe_expiry(const char *access, char *out, size_t size)
{
    int64_t expires_at_s;

    if (!jwt_expiry(access, &expires_at_s)) {
        snprintf(out, size, "unknown (not a JWT with exp)");
        return;
    }

    time_t expiry = (time_t)expires_at_s;
    struct tm utc;
    char when[32];

    gmtime_r(&expiry, &utc);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc);
    snprintf(out, size, "%s (%s)", when, expiry < time(NULL) ? "expired" : "valid");
}

static bool decrypt_column(const struct vault_key *key, PGresult *result, int column,
                           const char *what, char **plaintext)
{
    size_t length = 0;
    enum vault_status status;

    if (PQgetisnull(result, 0, column)) {
        log_error("the stored %s token is NULL: store the pair again with tenantmate tokens put",
                  what);
        return false;
    }

    status = vault_decrypt(key, (const unsigned char *)PQgetvalue(result, 0, column),
                           (size_t)PQgetlength(result, 0, column), plaintext, &length);
    if (status != VAULT_OK) {
        log_error("cannot decrypt the stored %s token: %s", what, vault_status_message(status));
        return false;
    }
    return true;
}

static int tokens_check(const char *tenant_id)
{
    struct vault_key key;
    const char *values[] = {tenant_id};
    char *access = NULL;
    char *refresh = NULL;
    char expiry[96];

    if (!load_key(&key))
        return 1;

    PGconn *conn = cli_connect();
    PGresult *result = conn == NULL ? NULL
                                    : PQexecParams(conn,
                                                   "SELECT access, refresh, updated_at::text "
                                                   "FROM private.tokens WHERE tenant_id = $1",
                                                   1, NULL, values, NULL, NULL, 1);
    bool ok = result != NULL && PQresultStatus(result) == PGRES_TUPLES_OK;
    if (conn != NULL && !ok)
        log_error("cannot read the tokens of tenant %s: %s", tenant_id, PQerrorMessage(conn));
    if (ok && PQntuples(result) == 0) {
        log_error("tenant %s has no stored tokens: store them with tenantmate tokens put",
                  tenant_id);
        ok = false;
    }

    ok = ok && decrypt_column(&key, result, 0, "access", &access) &&
         decrypt_column(&key, result, 1, "refresh", &refresh);
    if (ok) {
        describe_expiry(access, expiry, sizeof(expiry));
        printf("tokens of tenant %s decrypt: ok\n", tenant_id);
        printf("access token expires: %s\n", expiry);
        printf("stored (UTC): %s\n", PQgetvalue(result, 0, 2));
    }

    vault_free_secret(access, access ? strlen(access) : 0);
    vault_free_secret(refresh, refresh ? strlen(refresh) : 0);
    vault_key_wipe(&key);
    PQclear(result);
    PQfinish(conn);
    return ok ? 0 : 1;
}

int command_tokens(int argc, char **argv)
{
    static const char *const with_value[] = {"--tenant", NULL};
    char tenant_id[UUID_TEXT_SIZE];

    if (argc < 2 || (strcmp(argv[1], "put") != 0 && strcmp(argv[1], "check") != 0)) {
        log_error("usage: tenantmate tokens put|check --tenant UUID");
        return 2;
    }
    if (!cli_check_options(argc - 1, argv + 1, with_value, NULL))
        return 2;
    if (!cli_parse_tenant(cli_option(argc, argv, "--tenant"), tenant_id))
        return 2;

    if (strcmp(argv[1], "put") == 0)
        return tokens_put(tenant_id);
    return tokens_check(tenant_id);
}
