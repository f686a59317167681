#include "tokens.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const char *const token_check_names[TOKEN_CHECK_COUNT] = {
    [TOKEN_VALID] = "valid",
    [TOKEN_EXPIRED] = "expired",
    [TOKEN_UNKNOWN] = "unknown",
};

_Static_assert(sizeof(token_check_names) / sizeof(token_check_names[0]) == TOKEN_CHECK_COUNT,
               "token_check_names must name every result");

const char *token_check_name(enum token_check check)
{
    if (check < 0 || check >= TOKEN_CHECK_COUNT)
        return "unknown";
    return token_check_names[check];
}

enum token_kind {
    TOKEN_KIND_ACCESS,
    TOKEN_KIND_REFRESH,
};

/* One slot of an open-addressing table with linear probing; an empty
 * slot has token == NULL. */
struct slot {
    char *token;
    uint64_t hash;
    struct account *account;
    int64_t expires_at_ms;
    enum token_kind kind;
};

/* The access tokens issued to one account, to expire or purge them. */
struct account_tokens {
    char **access;
    size_t count;
    size_t capacity;
};

struct token_table {
    pthread_rwlock_t lock;
    struct slot *slots;
    size_t capacity;        /* a power of two */
    size_t used;
    unsigned char key[crypto_shorthash_KEYBYTES];
    struct account_tokens *accounts;
    size_t account_count;
};

struct token_table *token_table_new(size_t account_count)
{
    struct token_table *table = calloc(1, sizeof(*table));

    if (table == NULL)
        return NULL;
    table->capacity = 1024;
    table->slots = calloc(table->capacity, sizeof(*table->slots));
    table->accounts = calloc(account_count + 1, sizeof(*table->accounts));
    if (table->slots == NULL || table->accounts == NULL) {
        free(table->slots);
        free(table->accounts);
        free(table);
        return NULL;
    }
    table->account_count = account_count;
    crypto_shorthash_keygen(table->key);
    pthread_rwlock_init(&table->lock, NULL);
    return table;
}

void token_table_free(struct token_table *table)
{
    if (table == NULL)
        return;
    for (size_t i = 0; i < table->capacity; i++)
        free(table->slots[i].token);
    for (size_t i = 0; i < table->account_count; i++) {
        for (size_t j = 0; j < table->accounts[i].count; j++)
            free(table->accounts[i].access[j]);
        free(table->accounts[i].access);
    }
    pthread_rwlock_destroy(&table->lock);
    free(table->accounts);
    free(table->slots);
    free(table);
}

static uint64_t hash_token(const struct token_table *table, const char *token)
{
    unsigned char digest[crypto_shorthash_BYTES];
    uint64_t hash;

    crypto_shorthash(digest, (const unsigned char *)token, strlen(token), table->key);
    memcpy(&hash, digest, sizeof(hash));
    return hash;
}

/* The slot holding `token`, or SIZE_MAX. */
static size_t find_slot(const struct token_table *table, const char *token)
{
    uint64_t hash = hash_token(table, token);
    size_t mask = table->capacity - 1;

    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const struct slot *slot = &table->slots[i];
        if (slot->token == NULL)
            return SIZE_MAX;
        if (slot->hash == hash && strcmp(slot->token, token) == 0)
            return i;
    }
}

static void place(struct slot *slots, size_t capacity, const struct slot *entry)
{
    size_t mask = capacity - 1;
    size_t i = entry->hash & mask;

    while (slots[i].token != NULL)
        i = (i + 1) & mask;
    slots[i] = *entry;
}

static bool grow(struct token_table *table)
{
    size_t capacity = table->capacity * 2;
    struct slot *slots = calloc(capacity, sizeof(*slots));

    if (slots == NULL)
        return false;
    for (size_t i = 0; i < table->capacity; i++) {
        if (table->slots[i].token != NULL)
            place(slots, capacity, &table->slots[i]);
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return true;
}

static bool insert(struct token_table *table, const char *token, enum token_kind kind,
                   struct account *account, int64_t expires_at_ms)
{
    if (find_slot(table, token) != SIZE_MAX)
        return false;
    if ((table->used + 1) * 2 > table->capacity && !grow(table))
        return false;

    struct slot entry = {
        .token = strdup(token),
        .hash = hash_token(table, token),
        .account = account,
        .expires_at_ms = expires_at_ms,
        .kind = kind,
    };
    if (entry.token == NULL)
        return false;
    place(table->slots, table->capacity, &entry);
    table->used++;
    return true;
}

/* Removes a slot and shifts later entries of its probe run back, so that
 * every lookup still finds them without tombstones. */
static void remove_at(struct token_table *table, size_t hole)
{
    size_t mask = table->capacity - 1;

    free(table->slots[hole].token);
    table->slots[hole].token = NULL;
    table->used--;

    for (size_t next = (hole + 1) & mask; table->slots[next].token != NULL;
         next = (next + 1) & mask) {
        size_t home = table->slots[next].hash & mask;
        /* The entry may move into the hole unless its home lies after the
         * hole on the way to its current slot (cyclically). */
        bool home_between = hole <= next ? (home > hole && home <= next)
                                         : (home > hole || home <= next);
        if (home_between)
            continue;
        table->slots[hole] = table->slots[next];
        table->slots[next].token = NULL;
        hole = next;
    }
}

static bool remember_access(struct token_table *table, const struct account *account,
                            const char *token)
{
    struct account_tokens *tokens = &table->accounts[account->index];

    if (tokens->count == tokens->capacity) {
        size_t capacity = tokens->capacity == 0 ? 4 : tokens->capacity * 2;
        char **grown = realloc(tokens->access, capacity * sizeof(*grown));
        if (grown == NULL)
            return false;
        tokens->access = grown;
        tokens->capacity = capacity;
    }
    tokens->access[tokens->count] = strdup(token);
    if (tokens->access[tokens->count] == NULL)
        return false;
    tokens->count++;
    return true;
}

/* Forgets the account's access tokens that have expired. */
static void purge_expired(struct token_table *table, const struct account *account, int64_t now_ms)
{
    struct account_tokens *tokens = &table->accounts[account->index];
    size_t kept = 0;

    for (size_t i = 0; i < tokens->count; i++) {
        size_t slot = find_slot(table, tokens->access[i]);
        if (slot != SIZE_MAX && table->slots[slot].expires_at_ms > now_ms) {
            tokens->access[kept++] = tokens->access[i];
            continue;
        }
        if (slot != SIZE_MAX)
            remove_at(table, slot);
        free(tokens->access[i]);
    }
    tokens->count = kept;
}

bool token_table_add_pair(struct token_table *table, struct account *account,
                          const char *access_token, const char *refresh_token,
                          int64_t expires_at_ms)
{
    bool ok;

    pthread_rwlock_wrlock(&table->lock);
    ok = insert(table, access_token, TOKEN_KIND_ACCESS, account, expires_at_ms) &&
         remember_access(table, account, access_token) &&
         insert(table, refresh_token, TOKEN_KIND_REFRESH, account, INT64_MAX);
    pthread_rwlock_unlock(&table->lock);
    return ok;
}

enum token_check token_table_check_access(struct token_table *table, const char *token,
                                          int64_t now_ms, struct account **account)
{
    enum token_check check = TOKEN_UNKNOWN;

    pthread_rwlock_rdlock(&table->lock);
    size_t index = find_slot(table, token);
    if (index != SIZE_MAX && table->slots[index].kind == TOKEN_KIND_ACCESS) {
        *account = table->slots[index].account;
        check = now_ms < table->slots[index].expires_at_ms ? TOKEN_VALID : TOKEN_EXPIRED;
    }
    pthread_rwlock_unlock(&table->lock);
    return check;
}

struct account *token_table_find_refresh(struct token_table *table, const char *token)
{
    struct account *account = NULL;

    pthread_rwlock_rdlock(&table->lock);
    size_t index = find_slot(table, token);
    if (index != SIZE_MAX && table->slots[index].kind == TOKEN_KIND_REFRESH)
        account = table->slots[index].account;
    pthread_rwlock_unlock(&table->lock);
    return account;
}

static void random_hex(char *out, size_t size, const char *prefix, size_t random_bytes)
{
    unsigned char bytes[32];
    char hex[sizeof(bytes) * 2 + 1];

    if (random_bytes > sizeof(bytes))
        random_bytes = sizeof(bytes);
    randombytes_buf(bytes, random_bytes);
    sodium_bin2hex(hex, sizeof(hex), bytes, random_bytes);
    snprintf(out, size, "%s%s", prefix, hex);
}

void tokens_generate(struct issued_tokens *out, int64_t expires_in_s)
{
    random_hex(out->access_token, sizeof(out->access_token), "qts-", 32);
    random_hex(out->refresh_token, sizeof(out->refresh_token), "NA_", 32);
    random_hex(out->id_token, sizeof(out->id_token), "id-", 32);
    out->expires_in_s = expires_in_s;
}

bool token_table_refresh(struct token_table *table, const char *refresh_token, int64_t now_ms,
                         struct issued_tokens *issued, struct account **account_out)
{
    bool ok = false;

    pthread_rwlock_wrlock(&table->lock);
    size_t index = find_slot(table, refresh_token);
    if (index != SIZE_MAX && table->slots[index].kind == TOKEN_KIND_REFRESH) {
        struct account *account = table->slots[index].account;
        remove_at(table, index);
        purge_expired(table, account, now_ms);

        tokens_generate(issued, account->expires_in_s);
        int64_t expires_at_ms = now_ms + account->expires_in_s * 1000;
        ok = insert(table, issued->access_token, TOKEN_KIND_ACCESS, account, expires_at_ms) &&
             remember_access(table, account, issued->access_token) &&
             insert(table, issued->refresh_token, TOKEN_KIND_REFRESH, account, INT64_MAX);
        *account_out = account;
    }
    pthread_rwlock_unlock(&table->lock);
    return ok;
}

void token_table_expire_account(struct token_table *table, const struct account *account,
                                int64_t now_ms)
{
    pthread_rwlock_wrlock(&table->lock);
    struct account_tokens *tokens = &table->accounts[account->index];
    for (size_t i = 0; i < tokens->count; i++) {
        size_t slot = find_slot(table, tokens->access[i]);
        if (slot != SIZE_MAX && table->slots[slot].expires_at_ms > now_ms)
            table->slots[slot].expires_at_ms = now_ms;
    }
    pthread_rwlock_unlock(&table->lock);
}
