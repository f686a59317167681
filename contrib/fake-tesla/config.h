/*
 * config: the JSON configuration of fake-tesla, and the generator that
 * writes one for load tests.
 *
 *   {
 *     "time_zone": "America/Los_Angeles",   zone of TeslaFi Date columns (default UTC)
 *     "expires_in_s": 28800,                access token lifetime (default 28800)
 *     "api": "fleet",                       "fleet" or "owner" error bodies (default fleet)
 *     "loop": false,                        restart traces when they end (default false)
 *     "faults": [{"account": "a", "car": 1, "kind": "status", "status": 503}],
 *     "accounts": [{
 *       "name": "tenant-a",                 unique
 *       "access_token": "...", "refresh_token": "...",
 *       "user_id": 100001, "expires_in_s": 28800,       optional
 *       "faults": [ ... ],                  for every request of the account
 *       "cars": [{
 *         "trace": "teslafi/01_complete" | ["a.csv", "b.csv"] | "car.jsonl",
 *         "trace_format": "teslafi" | "jsonl",          optional, else from the name
 *         "id": 3744000000000001,           optional; a string for ids above 2^53
 *         "vehicle_id": 1000000001, "vin": "...", "display_name": "...",
 *                                           optional, else from the trace
 *         "vehicle_config": {"car_type": "model3", "trim_badging": "74d"},
 *         "time_zone": "...", "loop": true, "faults": [ ... ]
 *       }]
 *     }]
 *   }
 *
 * Relative trace paths are relative to the configuration file's directory.
 * Unknown keys are errors, so a misspelt key never goes unnoticed.
 *
 * Contract: parsing only checks and copies values; files named in it are
 * opened later by server_build(). Errors name the file, the JSON path of
 * the value (accounts[0].cars[1].trace) or the line and column of a
 * syntax error. The configuration owns everything it points to.
 */
#ifndef FAKE_TESLA_CONFIG_H
#define FAKE_TESLA_CONFIG_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faults.h"
#include "server.h"
#include "trace.h"

#define CONFIG_DEFAULT_EXPIRES_IN_S 28800
#define CONFIG_DEFAULT_TIME_ZONE "UTC"

struct car_config {
    char where[64];                 /* "accounts[0].cars[1]" */
    bool has_id;
    int64_t id;
    bool has_vehicle_id;
    int64_t vehicle_id;
    char *vin;                      /* NULL: from the trace */
    char *display_name;             /* NULL: from the trace */
    cJSON *vehicle_config;          /* NULL: none */
    char **trace_paths;
    size_t trace_path_count;
    bool has_format;
    enum trace_format format;
    char *time_zone;                /* NULL: the configuration's */
    int loop;                       /* -1: the configuration's; else 0 or 1 */
    struct fault_spec *faults;
    size_t fault_count;
};

struct account_config {
    char where[32];
    char *name;
    char *access_token;
    char *refresh_token;
    bool has_user_id;
    int64_t user_id;
    int64_t expires_in_s;           /* 0: the configuration's */
    struct car_config *cars;
    size_t car_count;
    struct fault_spec *faults;
    size_t fault_count;
};

/* A fault of the top-level "faults" list, with its optional target. */
struct targeted_fault {
    char where[32];
    char *account;                  /* NULL: every account */
    char *car;                      /* NULL: every car; else an id or VIN */
    struct fault_spec spec;
};

struct fake_config {
    char *source;                   /* the file name, for messages */
    char *time_zone;
    int64_t expires_in_s;
    enum api_flavor flavor;
    bool loop;
    struct account_config *accounts;
    size_t account_count;
    struct targeted_fault *faults;
    size_t fault_count;
};

struct config_error {
    char message[600];
};

struct fake_config *config_load_file(const char *path, struct config_error *error);

/* Parses a configuration document; `source` names it in messages and
 * `base_directory` anchors relative trace paths ("." for none). */
struct fake_config *config_parse(const char *text, size_t length, const char *source,
                                 const char *base_directory, struct config_error *error);

void config_free(struct fake_config *config);

struct generator_options {
    size_t accounts;
    size_t cars_per_account;
    const char *trace;
    const char *time_zone;          /* NULL: the default */
    int64_t expires_in_s;           /* 0: the default */
    bool loop;
    enum api_flavor flavor;
};

/*
 * Writes the configuration of `accounts` accounts with `cars_per_account`
 * cars each, all replaying `trace`. Account i (from 1) is "account-i" with
 * tokens "fake-access-token-i" and "fake-refresh-token-i"; car n (from 1,
 * across accounts) has id 3744000000000000 + n, vehicle_id 1000000000 + n,
 * VIN "5YJ3E1EA0KF" followed by n in six digits, and name "Car n".
 */
cJSON *config_generate(const struct generator_options *options);

#endif
