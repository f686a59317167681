/*
 * server: the runtime world of fake-tesla: accounts, their cars, the
 * token table, the fault registry and the request counters.
 *
 * Contract: server_build() turns a parsed configuration into a server,
 * loading every trace; after that the set of accounts and cars never
 * changes, so request threads read it without locks. What changes at run
 * time has its own lock or atomics: a car's replay position (replay.h),
 * tokens (tokens.h), faults (faults.h) and counters (stats.h).
 * server_free() must run after the HTTP daemon is stopped.
 */
#ifndef FAKE_TESLA_SERVER_H
#define FAKE_TESLA_SERVER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay.h"
#include "stats.h"
#include "trace.h"

struct fake_config;
struct fault_registry;
struct token_table;
struct delay_queue;
struct MHD_Daemon;

/* The recorded error bodies to send where the Owner and Fleet APIs differ. */
enum api_flavor {
    API_FLAVOR_FLEET,
    API_FLAVOR_OWNER,
    API_FLAVOR_COUNT
};

const char *api_flavor_name(enum api_flavor flavor);
bool api_flavor_parse(const char *text, enum api_flavor *flavor);

struct account;

struct car {
    size_t index;
    struct account *account;
    int64_t id;                     /* the product id used in paths */
    char id_text[24];
    int64_t vehicle_id;
    char *vin;
    char *display_name;
    cJSON *vehicle_config;          /* members that replace the trace's, or NULL */
    char vehicle_tokens[2][17];     /* the two 16-hex-digit `tokens` of the API */
    const struct trace *trace;
    bool loop;
    struct replay replay;
    struct counters counters[ENDPOINT_COUNT];
};

struct account {
    size_t index;
    char *name;
    int64_t user_id;
    int64_t expires_in_s;           /* lifetime of the access tokens it is issued */
    struct car **cars;
    size_t car_count;
    /* Requests of this account that name no car of it (lists, tokens,
     * unknown car ids). */
    struct counters counters[ENDPOINT_COUNT];
};

struct server {
    enum api_flavor flavor;
    struct account *accounts;
    size_t account_count;
    struct car *cars;
    size_t car_count;
    struct token_table *tokens;
    struct fault_registry *faults;
    struct trace_cache *traces;
    struct delay_queue *delays;
    struct MHD_Daemon *daemon;
    /* Requests with a missing, unknown or expired token. */
    struct counters unauthenticated[ENDPOINT_COUNT];
};

struct server_error {
    char message[600];
};

/* Builds the server; NULL with a message naming the bad value. */
struct server *server_build(const struct fake_config *config, struct server_error *error);
void server_free(struct server *server);

struct account *server_find_account(const struct server *server, const char *name);

/* A car of `account` by product id or VIN (the path segment of
 * /api/1/vehicles/{id}); NULL when the account has no such car. */
struct car *server_find_car(const struct account *account, const char *id_or_vin);

/* Any car of the server by product id or VIN. */
struct car *server_find_any_car(const struct server *server, const char *id_or_vin);

/* Milliseconds of CLOCK_MONOTONIC, the clock of token expiry. */
int64_t monotonic_ms(void);

#endif
