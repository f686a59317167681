/*
 * tokens: the OAuth tokens of every account.
 *
 * Access tokens are valid until their expiry (CLOCK_MONOTONIC), including
 * after a refresh has issued newer ones, as Tesla's are. Refresh tokens
 * work once: a refresh consumes the presented refresh token and issues a
 * new access token, refresh token and id token, like Tesla's rotation. New
 * tokens are random (libsodium): access tokens "qts-" plus 64 hex digits
 * (the opaque Owner API form, which clients map to auth.tesla.com),
 * refresh tokens "NA_" plus 64 hex digits (the Fleet API form).
 *
 * Contract: one table per server, safe from any thread (a read-write
 * lock). The table copies the token strings it is given; functions never
 * log, so no token can reach a log line.
 */
#ifndef FAKE_TESLA_TOKENS_H
#define FAKE_TESLA_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct account;
struct token_table;

#define TOKEN_TEXT_SIZE 72

struct issued_tokens {
    char access_token[TOKEN_TEXT_SIZE];
    char refresh_token[TOKEN_TEXT_SIZE];
    char id_token[TOKEN_TEXT_SIZE];
    int64_t expires_in_s;
};

enum token_check {
    TOKEN_VALID,
    TOKEN_EXPIRED,
    TOKEN_UNKNOWN,
    TOKEN_CHECK_COUNT
};

const char *token_check_name(enum token_check check);

/* `account_count` sizes the per-account bookkeeping; accounts are
 * identified by their index. Needs sodium_init() first. */
struct token_table *token_table_new(size_t account_count);
void token_table_free(struct token_table *table);

/* Registers a configured pair; false when a token is already taken or
 * memory runs out. */
bool token_table_add_pair(struct token_table *table, struct account *account,
                          const char *access_token, const char *refresh_token,
                          int64_t expires_at_ms);

enum token_check token_table_check_access(struct token_table *table, const char *token,
                                          int64_t now_ms, struct account **account);

/* The account a refresh token would refresh, without consuming it; NULL
 * when the token is unknown or already used. */
struct account *token_table_find_refresh(struct token_table *table, const char *token);

/* Consumes a refresh token and issues a new set for its account; false
 * when the token is unknown or already used. */
bool token_table_refresh(struct token_table *table, const char *refresh_token, int64_t now_ms,
                         struct issued_tokens *issued, struct account **account);

/* Makes every access token of an account expire now. */
void token_table_expire_account(struct token_table *table, const struct account *account,
                                int64_t now_ms);

/* Fills `out` with random tokens of the issued shape, registering nothing. */
void tokens_generate(struct issued_tokens *out, int64_t expires_in_s);

#endif
