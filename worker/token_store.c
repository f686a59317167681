#include "token_store.h"

#include "db.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[TOKEN_STORE_STATUS_COUNT] = {
    [TOKEN_STORE_OK] = "ok",
    [TOKEN_STORE_NO_ROW] = "no token row",
    [TOKEN_STORE_UNDECRYPTABLE] = "tokens cannot be decrypted",
    [TOKEN_STORE_DATABASE_ERROR] = "database error",
};

_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == TOKEN_STORE_STATUS_COUNT,
               "status_names must name every status");

const char *token_store_status_name(enum token_store_status status)
{
    if (status < 0 || status >= TOKEN_STORE_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

static bool decrypt_value(const struct vault_key *key, PGresult *result, int column,
                          const char *what, char **plaintext)
{
    size_t length = 0;

    if (PQgetisnull(result, 0, column)) {
        log_error("stored %s token is NULL: store the pair again", what);
        return false;
    }

    enum vault_status status =
        vault_decrypt(key, (const unsigned char *)PQgetvalue(result, 0, column),
                      (size_t)PQgetlength(result, 0, column), plaintext, &length);
    if (status != VAULT_OK) {
        log_error("cannot decrypt the stored %s token: %s", what, vault_status_message(status));
        return false;
    }
    return true;
}

enum token_store_status token_store_load(PGconn *conn, const char *tenant_id,
                                         const struct vault_key *key,
                                         struct stored_tokens *tokens)
{
    memset(tokens, 0, sizeof(*tokens));
    if (!db_begin_tenant(conn, tenant_id))
        return TOKEN_STORE_DATABASE_ERROR;

    /* Binary results hand back the bytea bytes as they are stored. */
    PGresult *result = PQexecParams(conn, "SELECT access, refresh FROM private.tokens", 0, NULL,
                                    NULL, NULL, NULL, 1);
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        log_error("cannot read the tenant's tokens: %s", PQerrorMessage(conn));
        PQclear(result);
        db_rollback(conn);
        return TOKEN_STORE_DATABASE_ERROR;
    }

    enum token_store_status status = TOKEN_STORE_OK;
    if (PQntuples(result) == 0)
        status = TOKEN_STORE_NO_ROW;
    else if (!decrypt_value(key, result, 0, "access", &tokens->access) ||
             !decrypt_value(key, result, 1, "refresh", &tokens->refresh))
        status = TOKEN_STORE_UNDECRYPTABLE;

    PQclear(result);
    db_rollback(conn);
    if (status != TOKEN_STORE_OK)
        stored_tokens_free(tokens);
    return status;
}

static bool update_row(PGconn *conn, const char *tenant_id, const unsigned char *access,
                       size_t access_length, const unsigned char *refresh, size_t refresh_length)
{
    const char *values[] = {(const char *)access, (const char *)refresh, tenant_id};
    const int lengths[] = {(int)access_length, (int)refresh_length, 0};
    const int formats[] = {1, 1, 0};

    PGresult *result = PQexecParams(conn,
                                    "UPDATE private.tokens SET access = $1, refresh = $2, "
                                    "updated_at = timezone('UTC', now())::timestamp(0) "
                                    "WHERE tenant_id = $3",
                                    3, NULL, values, lengths, formats, 0);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(result), "1") == 0;

    if (!ok)
        log_error("cannot save the refreshed tokens: %s",
                  PQresultStatus(result) == PGRES_COMMAND_OK ? "the token row is gone"
                                                              : PQerrorMessage(conn));
    PQclear(result);
    return ok;
}

static bool notify_supervisor(PGconn *conn, const char *tenant_id)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_query(conn, "SELECT pg_notify('" DB_TENANT_CHANNEL "', $1)", 1, values);

    PQclear(result);
    return result != NULL;
}

enum token_store_status token_store_save(PGconn *conn, const char *tenant_id,
                                         const struct vault_key *key, const char *access,
                                         const char *refresh)
{
    unsigned char *access_blob = NULL;
    unsigned char *refresh_blob = NULL;
    size_t access_length = 0;
    size_t refresh_length = 0;

    if (vault_encrypt(key, access, strlen(access), &access_blob, &access_length) != VAULT_OK ||
        vault_encrypt(key, refresh, strlen(refresh), &refresh_blob, &refresh_length) != VAULT_OK) {
        log_error("cannot encrypt the refreshed tokens: out of memory");
        free(access_blob);
        return TOKEN_STORE_DATABASE_ERROR;
    }

    bool ok = db_begin_tenant(conn, tenant_id) &&
              update_row(conn, tenant_id, access_blob, access_length, refresh_blob,
                         refresh_length) &&
              notify_supervisor(conn, tenant_id) && db_commit(conn);
    if (!ok)
        db_rollback(conn);

    free(access_blob);
    free(refresh_blob);
    return ok ? TOKEN_STORE_OK : TOKEN_STORE_DATABASE_ERROR;
}

void stored_tokens_free(struct stored_tokens *tokens)
{
    if (tokens->access != NULL)
        vault_free_secret(tokens->access, strlen(tokens->access));
    if (tokens->refresh != NULL)
        vault_free_secret(tokens->refresh, strlen(tokens->refresh));
    tokens->access = NULL;
    tokens->refresh = NULL;
}
