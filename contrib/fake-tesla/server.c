#include "server.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "faults.h"
#include "log.h"
#include "tokens.h"

/* Identity given to a car that neither the configuration nor its trace
 * names: the shape of the recorded Fleet ids. */
#define DEFAULT_ID_BASE INT64_C(3744000000000000)
#define DEFAULT_VEHICLE_ID_BASE INT64_C(1000000000)
#define DEFAULT_USER_ID_BASE INT64_C(100000)

static const char *const api_flavor_names[API_FLAVOR_COUNT] = {
    [API_FLAVOR_FLEET] = "fleet",
    [API_FLAVOR_OWNER] = "owner",
};

_Static_assert(sizeof(api_flavor_names) / sizeof(api_flavor_names[0]) == API_FLAVOR_COUNT,
               "api_flavor_names must name every flavor");

const char *api_flavor_name(enum api_flavor flavor)
{
    if (flavor < 0 || flavor >= API_FLAVOR_COUNT)
        return "unknown";
    return api_flavor_names[flavor];
}

bool api_flavor_parse(const char *text, enum api_flavor *flavor)
{
    for (int i = 0; i < API_FLAVOR_COUNT; i++) {
        if (strcmp(text, api_flavor_names[i]) == 0) {
            *flavor = (enum api_flavor)i;
            return true;
        }
    }
    return false;
}

int64_t monotonic_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static bool fail(struct server_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static bool fail(struct server_error *error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
    return false;
}

struct account *server_find_account(const struct server *server, const char *name)
{
    for (size_t i = 0; i < server->account_count; i++) {
        if (strcmp(server->accounts[i].name, name) == 0)
            return &server->accounts[i];
    }
    return NULL;
}

struct car *server_find_car(const struct account *account, const char *id_or_vin)
{
    for (size_t i = 0; i < account->car_count; i++) {
        struct car *car = account->cars[i];
        if (strcmp(car->id_text, id_or_vin) == 0 || strcmp(car->vin, id_or_vin) == 0)
            return car;
    }
    return NULL;
}

struct car *server_find_any_car(const struct server *server, const char *id_or_vin)
{
    for (size_t i = 0; i < server->car_count; i++) {
        if (strcmp(server->cars[i].id_text, id_or_vin) == 0)
            return &server->cars[i];
    }
    for (size_t i = 0; i < server->car_count; i++) {
        if (strcmp(server->cars[i].vin, id_or_vin) == 0)
            return &server->cars[i];
    }
    return NULL;
}

/* ---- Cars -------------------------------------------------------------- */

static bool load_car_trace(struct server *server, const struct fake_config *config,
                           const struct car_config *car_config, struct car *car,
                           struct server_error *error)
{
    enum trace_format format = car_config->format;
    const char *zone = car_config->time_zone != NULL ? car_config->time_zone : config->time_zone;
    struct trace_error trace_error;

    if (!car_config->has_format && !trace_format_from_path(car_config->trace_paths[0], &format))
        return fail(error,
                    "%s: %s.trace: cannot tell the format of \"%s\"; name it *.csv or *.jsonl "
                    "or set \"trace_format\"",
                    config->source, car_config->where, car_config->trace_paths[0]);
    if (format == TRACE_FORMAT_TESLAFI && !teslafi_zone_is_known(zone))
        return fail(error,
                    "%s: %s: unknown time zone \"%s\"; use a tz database name such as "
                    "America/Los_Angeles or UTC",
                    config->source, car_config->where, zone);

    car->trace = trace_cache_load(server->traces, car_config->trace_paths,
                                  car_config->trace_path_count, format, zone, &trace_error);
    if (car->trace == NULL)
        return fail(error, "%s: %s.trace: %s", config->source, car_config->where,
                    trace_error.message);
    return true;
}

static void random_vehicle_token(char out[17])
{
    unsigned char bytes[8];

    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2hex(out, 17, bytes, sizeof(bytes));
}

static bool set_car_identity(const struct car_config *car_config, struct car *car)
{
    const struct trace_identity *identity = &car->trace->identity;
    size_t number = car->index + 1;
    char text[64];

    car->id = car_config->has_id ? car_config->id : DEFAULT_ID_BASE + (int64_t)number;
    snprintf(car->id_text, sizeof(car->id_text), "%lld", (long long)car->id);
    car->vehicle_id = car_config->has_vehicle_id ? car_config->vehicle_id
                      : identity->has_vehicle_id ? identity->vehicle_id
                                                 : DEFAULT_VEHICLE_ID_BASE + (int64_t)number;

    snprintf(text, sizeof(text), "5YJ3E1EA0KF%06zu", number % 1000000);
    car->vin = strdup(car_config->vin != NULL ? car_config->vin
                      : identity->vin != NULL ? identity->vin
                                              : text);
    snprintf(text, sizeof(text), "Car %zu", number);
    car->display_name = strdup(car_config->display_name != NULL ? car_config->display_name
                               : identity->display_name != NULL ? identity->display_name
                                                                : text);
    random_vehicle_token(car->vehicle_tokens[0]);
    random_vehicle_token(car->vehicle_tokens[1]);
    return car->vin != NULL && car->display_name != NULL;
}

static bool build_car(struct server *server, const struct fake_config *config,
                      const struct car_config *car_config, struct account *account,
                      struct car *car, struct server_error *error)
{
    car->account = account;
    replay_init(&car->replay);
    if (!load_car_trace(server, config, car_config, car, error))
        return false;
    if (!set_car_identity(car_config, car))
        return fail(error, "out of memory");

    car->loop = car_config->loop >= 0 ? car_config->loop == 1 : config->loop;
    if (car_config->vehicle_config != NULL) {
        car->vehicle_config = cJSON_Duplicate(car_config->vehicle_config, true);
        if (car->vehicle_config == NULL)
            return fail(error, "out of memory");
    }

    for (size_t i = 0; i < account->car_count; i++) {
        if (strcmp(account->cars[i]->vin, car->vin) == 0)
            return fail(error,
                        "%s: %s: VIN %s is already used by another car of account %s; set "
                        "\"vin\" to tell the cars apart",
                        config->source, car_config->where, car->vin, account->name);
    }
    account->cars[account->car_count++] = car;
    return true;
}

/* ---- Accounts ---------------------------------------------------------- */

static bool build_account(struct server *server, const struct fake_config *config,
                          const struct account_config *account_config, struct account *account,
                          size_t *next_car, struct server_error *error)
{
    account->name = strdup(account_config->name);
    account->user_id = account_config->has_user_id
                           ? account_config->user_id
                           : DEFAULT_USER_ID_BASE + (int64_t)account->index + 1;
    account->expires_in_s =
        account_config->expires_in_s > 0 ? account_config->expires_in_s : config->expires_in_s;
    account->cars = calloc(account_config->car_count, sizeof(*account->cars));
    if (account->name == NULL || account->cars == NULL)
        return fail(error, "out of memory");

    if (server_find_account(server, account->name) != account)
        return fail(error, "%s: %s: account name \"%s\" is used twice", config->source,
                    account_config->where, account->name);

    for (size_t i = 0; i < account_config->car_count; i++) {
        struct car *car = &server->cars[*next_car];
        car->index = (*next_car)++;
        server->car_count = *next_car;
        if (!build_car(server, config, &account_config->cars[i], account, car, error))
            return false;
    }

    if (!token_table_add_pair(server->tokens, account, account_config->access_token,
                              account_config->refresh_token,
                              monotonic_ms() + account->expires_in_s * 1000))
        return fail(error, "%s: %s: a token of this account is already used by another one",
                    config->source, account_config->where);
    return true;
}

static bool check_unique_ids(const struct server *server, const struct fake_config *config,
                             struct server_error *error)
{
    for (size_t i = 0; i < server->car_count; i++) {
        for (size_t j = i + 1; j < server->car_count; j++) {
            if (server->cars[i].id == server->cars[j].id)
                return fail(error, "%s: car id %s is used by two cars; give each car its own "
                                   "\"id\"",
                            config->source, server->cars[i].id_text);
        }
    }
    return true;
}

/* ---- Faults ------------------------------------------------------------ */

static bool register_faults(struct server *server, const struct fake_config *config,
                            struct server_error *error)
{
    for (size_t a = 0; a < config->account_count; a++) {
        const struct account_config *account_config = &config->accounts[a];
        struct account *account = &server->accounts[a];
        for (size_t f = 0; f < account_config->fault_count; f++)
            fault_registry_add(server->faults, &account_config->faults[f], account, NULL);
        for (size_t c = 0; c < account_config->car_count; c++) {
            const struct car_config *car_config = &account_config->cars[c];
            for (size_t f = 0; f < car_config->fault_count; f++)
                fault_registry_add(server->faults, &car_config->faults[f], account,
                                   account->cars[c]);
        }
    }

    for (size_t i = 0; i < config->fault_count; i++) {
        const struct targeted_fault *fault = &config->faults[i];
        struct account *account = NULL;
        struct car *car = NULL;
        if (fault->account != NULL &&
            (account = server_find_account(server, fault->account)) == NULL)
            return fail(error, "%s: %s: \"account\" \"%s\" is not a configured account",
                        config->source, fault->where, fault->account);
        if (fault->car != NULL) {
            car = account != NULL ? server_find_car(account, fault->car)
                                  : server_find_any_car(server, fault->car);
            if (car == NULL)
                return fail(error, "%s: %s: \"car\" \"%s\" is not the id or VIN of a "
                                   "configured car",
                            config->source, fault->where, fault->car);
        }
        fault_registry_add(server->faults, &fault->spec, account, car);
    }
    return true;
}

/* ---- Server ------------------------------------------------------------ */

struct server *server_build(const struct fake_config *config, struct server_error *error)
{
    struct server *server = calloc(1, sizeof(*server));
    size_t car_total = 0, next_car = 0;
    bool ok = server != NULL;

    for (size_t i = 0; i < config->account_count; i++)
        car_total += config->accounts[i].car_count;
    if (ok) {
        server->flavor = config->flavor;
        server->accounts = calloc(config->account_count, sizeof(*server->accounts));
        server->cars = calloc(car_total, sizeof(*server->cars));
        server->tokens = token_table_new(config->account_count);
        server->faults = fault_registry_new();
        server->traces = trace_cache_new();
        ok = server->accounts != NULL && server->cars != NULL && server->tokens != NULL &&
             server->faults != NULL && server->traces != NULL;
    }
    if (!ok) {
        fail(error, "out of memory building %zu accounts", config->account_count);
        server_free(server);
        return NULL;
    }

    for (size_t i = 0; ok && i < config->account_count; i++) {
        server->accounts[i].index = i;
        server->account_count = i + 1;
        ok = build_account(server, config, &config->accounts[i], &server->accounts[i],
                           &next_car, error);
    }
    ok = ok && check_unique_ids(server, config, error) && register_faults(server, config, error);
    if (!ok) {
        server_free(server);
        return NULL;
    }
    log_info("configured %zu accounts with %zu cars (%s API error bodies)",
             server->account_count, server->car_count, api_flavor_name(server->flavor));
    return server;
}

void server_free(struct server *server)
{
    if (server == NULL)
        return;
    for (size_t i = 0; i < server->car_count; i++) {
        struct car *car = &server->cars[i];
        replay_destroy(&car->replay);
        free(car->vin);
        free(car->display_name);
        cJSON_Delete(car->vehicle_config);
    }
    for (size_t i = 0; i < server->account_count; i++) {
        free(server->accounts[i].name);
        free(server->accounts[i].cars);
    }
    free(server->cars);
    free(server->accounts);
    token_table_free(server->tokens);
    fault_registry_free(server->faults);
    trace_cache_free(server->traces);
    free(server);
}
