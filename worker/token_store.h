/*
 * token_store: a worker's access to its tenant's row in private.tokens.
 *
 * Contract: both calls run one short tenant-scoped transaction on the
 * given connection (row-level security limits them to the tenant's own
 * row) and block for that one round trip. token_store_load() returns the
 * decrypted pair in malloc'd strings that token_store_pair_free() wipes;
 * token_store_save() encrypts and updates the row, then notifies the
 * supervisor's channel so it rescans the tenant. Nothing here logs
 * a token; errors are logged with the tenant id.
 */
#ifndef TENANTMATE_TOKEN_STORE_H
#define TENANTMATE_TOKEN_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "vault.h"

enum token_store_status {
    TOKEN_STORE_OK,
    TOKEN_STORE_NO_ROW,
    TOKEN_STORE_UNDECRYPTABLE,
    TOKEN_STORE_DATABASE_ERROR,
    TOKEN_STORE_STATUS_COUNT
};

struct stored_tokens {
    char *access;
    char *refresh;
};

const char *token_store_status_name(enum token_store_status status);

enum token_store_status token_store_load(PGconn *conn, const char *tenant_id,
                                         const struct vault_key *key,
                                         struct stored_tokens *tokens);

enum token_store_status token_store_save(PGconn *conn, const char *tenant_id,
                                         const struct vault_key *key, const char *access,
                                         const char *refresh);

void stored_tokens_free(struct stored_tokens *tokens);

#endif
