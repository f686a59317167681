#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole numbers up to 2^53 are exact in a JSON number (a double). */
#define EXACT_INTEGER_MAX 9007199254740992.0

/* The generator's ids: the shape of the recorded Fleet ids. */
#define GENERATED_ID_BASE INT64_C(3744000000000000)
#define GENERATED_VEHICLE_ID_BASE INT64_C(1000000000)
#define GENERATED_VIN_PREFIX "5YJ3E1EA0KF"
#define GENERATED_CARS_MAX 999999u

/* The source names and error buffer of one parse. */
struct parse_context {
    const char *source;
    const char *base_directory;
    struct config_error *error;
};

static bool fail(struct parse_context *context, const char *where, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct parse_context *context, const char *where, const char *format, ...)
{
    char message[400];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    snprintf(context->error->message, sizeof(context->error->message), "%s: %s%s%s",
             context->source, where, where[0] != '\0' ? ": " : "", message);
    return false;
}

static bool check_keys(struct parse_context *context, const cJSON *object, const char *where,
                       const char *const *keys)
{
    const cJSON *member;

    if (!cJSON_IsObject(object))
        return fail(context, where, "expected a JSON object");
    cJSON_ArrayForEach(member, object)
    {
        bool known = false;
        for (size_t i = 0; keys[i] != NULL && !known; i++)
            known = strcmp(member->string, keys[i]) == 0;
        if (!known)
            return fail(context, where, "unknown key \"%s\"", member->string);
    }
    return true;
}

/* Copies an optional string member; `required` makes a missing one an error. */
static bool read_string(struct parse_context *context, const cJSON *object, const char *where,
                        const char *key, bool required, char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    if (item == NULL) {
        if (required)
            return fail(context, where, "\"%s\" is missing", key);
        return true;
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return fail(context, where, "\"%s\" must be a non-empty string", key);
    *out = strdup(item->valuestring);
    if (*out == NULL)
        return fail(context, where, "out of memory");
    return true;
}

/* Reads an optional integer: a JSON number up to 2^53, or a string of
 * digits for larger ids. */
static bool read_integer(struct parse_context *context, const cJSON *object, const char *where,
                         const char *key, int64_t min, bool *has, int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    char *end = NULL;

    if (item == NULL)
        return true;
    if (cJSON_IsNumber(item) && item->valuedouble == floor(item->valuedouble) &&
        fabs(item->valuedouble) <= EXACT_INTEGER_MAX && item->valuedouble >= (double)min) {
        *out = (int64_t)item->valuedouble;
        *has = true;
        return true;
    }
    if (cJSON_IsString(item)) {
        errno = 0;
        long long value = strtoll(item->valuestring, &end, 10);
        if (errno == 0 && end != item->valuestring && *end == '\0' && value >= min) {
            *out = value;
            *has = true;
            return true;
        }
    }
    return fail(context, where,
                "\"%s\" must be a whole number of at least %lld (as a string above 2^53)", key,
                (long long)min);
}

static bool read_boolean(struct parse_context *context, const cJSON *object, const char *where,
                         const char *key, int *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    if (item == NULL)
        return true;
    if (!cJSON_IsBool(item))
        return fail(context, where, "\"%s\" must be true or false", key);
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return true;
}

static bool read_faults(struct parse_context *context, const cJSON *object, const char *where,
                        struct fault_spec **faults, size_t *count)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(object, "faults");
    char error[200], item_where[96];
    size_t index = 0;
    const cJSON *item;

    if (list == NULL)
        return true;
    if (!cJSON_IsArray(list))
        return fail(context, where, "\"faults\" must be an array");
    *faults = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(**faults));
    if (*faults == NULL)
        return fail(context, where, "out of memory");
    cJSON_ArrayForEach(item, list)
    {
        snprintf(item_where, sizeof(item_where), "%s%sfaults[%zu]", where,
                 where[0] != '\0' ? "." : "", index);
        if (!fault_spec_parse(item, NULL, &(*faults)[index], error, sizeof(error)))
            return fail(context, item_where, "%s", error);
        index++;
        *count = index;
    }
    return true;
}

/* ---- Cars -------------------------------------------------------------- */

static bool add_trace_path(struct parse_context *context, struct car_config *car,
                           const char *path)
{
    char *full = NULL;

    if (path[0] == '/' || strcmp(context->base_directory, ".") == 0)
        full = strdup(path);
    else if (asprintf(&full, "%s/%s", context->base_directory, path) < 0)
        full = NULL;
    if (full == NULL)
        return fail(context, car->where, "out of memory");
    car->trace_paths[car->trace_path_count++] = full;
    return true;
}

static bool read_trace(struct parse_context *context, const cJSON *object, struct car_config *car)
{
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(object, "trace");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(object, "trace_format");
    const cJSON *item;

    if (format != NULL) {
        if (!cJSON_IsString(format) || !trace_format_parse(format->valuestring, &car->format))
            return fail(context, car->where, "\"trace_format\" must be teslafi or jsonl");
        car->has_format = true;
    }
    if (cJSON_IsString(trace) && trace->valuestring[0] != '\0') {
        car->trace_paths = calloc(1, sizeof(*car->trace_paths));
        return car->trace_paths != NULL ? add_trace_path(context, car, trace->valuestring)
                                        : fail(context, car->where, "out of memory");
    }
    if (!cJSON_IsArray(trace) || cJSON_GetArraySize(trace) == 0)
        return fail(context, car->where,
                    "\"trace\" must name a TeslaFi CSV file or directory, a JSON-lines file, "
                    "or be a non-empty array of files");
    car->trace_paths = calloc((size_t)cJSON_GetArraySize(trace), sizeof(*car->trace_paths));
    if (car->trace_paths == NULL)
        return fail(context, car->where, "out of memory");
    cJSON_ArrayForEach(item, trace)
    {
        if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
            return fail(context, car->where, "every element of \"trace\" must be a file name");
        if (!add_trace_path(context, car, item->valuestring))
            return false;
    }
    return true;
}

static bool parse_car(struct parse_context *context, const cJSON *object, struct car_config *car)
{
    static const char *const keys[] = {"id",         "vehicle_id", "vin",   "display_name",
                                       "vehicle_config", "trace", "trace_format", "time_zone",
                                       "loop",       "faults",     NULL};
    const cJSON *vehicle_config = cJSON_GetObjectItemCaseSensitive(object, "vehicle_config");

    car->loop = -1;
    if (!check_keys(context, object, car->where, keys) ||
        !read_integer(context, object, car->where, "id", 1, &car->has_id, &car->id) ||
        !read_integer(context, object, car->where, "vehicle_id", 1, &car->has_vehicle_id,
                      &car->vehicle_id) ||
        !read_string(context, object, car->where, "vin", false, &car->vin) ||
        !read_string(context, object, car->where, "display_name", false, &car->display_name) ||
        !read_string(context, object, car->where, "time_zone", false, &car->time_zone) ||
        !read_boolean(context, object, car->where, "loop", &car->loop) ||
        !read_trace(context, object, car) ||
        !read_faults(context, object, car->where, &car->faults, &car->fault_count))
        return false;

    if (vehicle_config != NULL) {
        if (!cJSON_IsObject(vehicle_config))
            return fail(context, car->where, "\"vehicle_config\" must be an object");
        car->vehicle_config = cJSON_Duplicate(vehicle_config, true);
    }
    return true;
}

/* ---- Accounts ---------------------------------------------------------- */

static bool parse_account(struct parse_context *context, const cJSON *object,
                          struct account_config *account)
{
    static const char *const keys[] = {"name",    "access_token", "refresh_token", "user_id",
                                       "expires_in_s", "cars",    "faults",        NULL};
    const cJSON *cars = cJSON_GetObjectItemCaseSensitive(object, "cars");
    bool has_expiry = false;
    const cJSON *item;

    if (!check_keys(context, object, account->where, keys) ||
        !read_string(context, object, account->where, "name", true, &account->name) ||
        !read_string(context, object, account->where, "access_token", true,
                     &account->access_token) ||
        !read_string(context, object, account->where, "refresh_token", true,
                     &account->refresh_token) ||
        !read_integer(context, object, account->where, "user_id", 1, &account->has_user_id,
                      &account->user_id) ||
        !read_integer(context, object, account->where, "expires_in_s", 1, &has_expiry,
                      &account->expires_in_s) ||
        !read_faults(context, object, account->where, &account->faults, &account->fault_count))
        return false;

    if (!cJSON_IsArray(cars) || cJSON_GetArraySize(cars) == 0)
        return fail(context, account->where, "\"cars\" must be a non-empty array");
    account->cars = calloc((size_t)cJSON_GetArraySize(cars), sizeof(*account->cars));
    if (account->cars == NULL)
        return fail(context, account->where, "out of memory");
    cJSON_ArrayForEach(item, cars)
    {
        struct car_config *car = &account->cars[account->car_count++];
        snprintf(car->where, sizeof(car->where), "%s.cars[%zu]", account->where,
                 account->car_count - 1);
        if (!parse_car(context, item, car))
            return false;
    }
    return true;
}

static bool parse_targeted_faults(struct parse_context *context, const cJSON *root,
                                  struct fake_config *config)
{
    static const char *const target_keys[] = {"account", "car", NULL};
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "faults");
    const cJSON *item;
    char error[200];

    if (list == NULL)
        return true;
    if (!cJSON_IsArray(list))
        return fail(context, "", "\"faults\" must be an array");
    config->faults = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*config->faults));
    if (config->faults == NULL)
        return fail(context, "", "out of memory");
    cJSON_ArrayForEach(item, list)
    {
        struct targeted_fault *fault = &config->faults[config->fault_count++];
        const cJSON *car = cJSON_GetObjectItemCaseSensitive(item, "car");
        snprintf(fault->where, sizeof(fault->where), "faults[%zu]", config->fault_count - 1);
        if (!fault_spec_parse(item, target_keys, &fault->spec, error, sizeof(error)))
            return fail(context, fault->where, "%s", error);
        if (!read_string(context, item, fault->where, "account", false, &fault->account))
            return false;
        if (cJSON_IsNumber(car) && car->valuedouble == floor(car->valuedouble)) {
            if (asprintf(&fault->car, "%.0f", car->valuedouble) < 0) {
                fault->car = NULL;
                return fail(context, fault->where, "out of memory");
            }
        } else if (!read_string(context, item, fault->where, "car", false, &fault->car)) {
            return false;
        }
    }
    return true;
}

static bool parse_root(struct parse_context *context, const cJSON *root,
                       struct fake_config *config)
{
    static const char *const keys[] = {"time_zone", "expires_in_s", "api", "loop",
                                       "faults",    "accounts",     NULL};
    const cJSON *api = cJSON_GetObjectItemCaseSensitive(root, "api");
    const cJSON *accounts = cJSON_GetObjectItemCaseSensitive(root, "accounts");
    bool has_expiry = false;
    int loop = 0;
    const cJSON *item;

    if (!check_keys(context, root, "", keys) ||
        !read_string(context, root, "", "time_zone", false, &config->time_zone) ||
        !read_integer(context, root, "", "expires_in_s", 1, &has_expiry, &config->expires_in_s) ||
        !read_boolean(context, root, "", "loop", &loop) ||
        !parse_targeted_faults(context, root, config))
        return false;
    config->loop = loop == 1;
    if (api != NULL && !(cJSON_IsString(api) && api_flavor_parse(api->valuestring,
                                                                  &config->flavor)))
        return fail(context, "", "\"api\" must be fleet or owner");

    if (!cJSON_IsArray(accounts) || cJSON_GetArraySize(accounts) == 0)
        return fail(context, "", "\"accounts\" must be a non-empty array");
    config->accounts = calloc((size_t)cJSON_GetArraySize(accounts), sizeof(*config->accounts));
    if (config->accounts == NULL)
        return fail(context, "", "out of memory");
    cJSON_ArrayForEach(item, accounts)
    {
        struct account_config *account = &config->accounts[config->account_count++];
        snprintf(account->where, sizeof(account->where), "accounts[%zu]",
                 config->account_count - 1);
        if (!parse_account(context, item, account))
            return false;
    }
    return true;
}

/* Line and column of a byte offset, both from 1. */
static void locate(const char *text, size_t offset, long *line, long *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && text[i] != '\0'; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}

struct fake_config *config_parse(const char *text, size_t length, const char *source,
                                 const char *base_directory, struct config_error *error)
{
    struct parse_context context = {
        .source = source, .base_directory = base_directory, .error = error};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, length, &end, false);
    struct fake_config *config;

    if (root == NULL) {
        long line, column;
        locate(text, end != NULL ? (size_t)(end - text) : 0, &line, &column);
        snprintf(error->message, sizeof(error->message),
                 "%s:%ld:%ld: invalid JSON (check for a missing comma, quote or bracket)",
                 source, line, column);
        return NULL;
    }

    config = calloc(1, sizeof(*config));
    if (config == NULL || (config->source = strdup(source)) == NULL) {
        snprintf(error->message, sizeof(error->message), "%s: out of memory", source);
        free(config);
        cJSON_Delete(root);
        return NULL;
    }
    config->expires_in_s = CONFIG_DEFAULT_EXPIRES_IN_S;
    config->flavor = API_FLAVOR_FLEET;

    bool ok = parse_root(&context, root, config);
    cJSON_Delete(root);
    if (ok && config->time_zone == NULL && (config->time_zone = strdup(CONFIG_DEFAULT_TIME_ZONE)) == NULL)
        ok = fail(&context, "", "out of memory");
    if (!ok) {
        config_free(config);
        return NULL;
    }
    return config;
}

struct fake_config *config_load_file(const char *path, struct config_error *error)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL, *directory = NULL;
    size_t length = 0;

    if (file == NULL) {
        snprintf(error->message, sizeof(error->message), "%s: cannot open the configuration: %s",
                 path, strerror(errno));
        return NULL;
    }
    FILE *memory = open_memstream(&text, &length);
    char buffer[65536];
    size_t count;
    while (memory != NULL && (count = fread(buffer, 1, sizeof(buffer), file)) > 0)
        fwrite(buffer, 1, count, memory);
    bool failed = ferror(file) || memory == NULL;
    fclose(file);
    if (memory != NULL)
        fclose(memory);
    if (failed || text == NULL) {
        snprintf(error->message, sizeof(error->message), "%s: cannot read the configuration",
                 path);
        free(text);
        return NULL;
    }

    const char *slash = strrchr(path, '/');
    directory = slash != NULL ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (directory != NULL && directory[0] == '\0') {
        free(directory);
        directory = strdup("/");
    }
    struct fake_config *config =
        directory != NULL ? config_parse(text, length, path, directory, error) : NULL;
    if (directory == NULL)
        snprintf(error->message, sizeof(error->message), "%s: out of memory", path);
    free(directory);
    free(text);
    return config;
}

static void free_car(struct car_config *car)
{
    free(car->vin);
    free(car->display_name);
    cJSON_Delete(car->vehicle_config);
    for (size_t i = 0; i < car->trace_path_count; i++)
        free(car->trace_paths[i]);
    free(car->trace_paths);
    free(car->time_zone);
    free(car->faults);
}

void config_free(struct fake_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; i < config->account_count; i++) {
        struct account_config *account = &config->accounts[i];
        free(account->name);
        free(account->access_token);
        free(account->refresh_token);
        for (size_t j = 0; j < account->car_count; j++)
            free_car(&account->cars[j]);
        free(account->cars);
        free(account->faults);
    }
    for (size_t i = 0; i < config->fault_count; i++) {
        free(config->faults[i].account);
        free(config->faults[i].car);
    }
    free(config->faults);
    free(config->accounts);
    free(config->time_zone);
    free(config->source);
    free(config);
}

/* ---- Generator --------------------------------------------------------- */

static cJSON *generated_car(size_t number, const char *trace)
{
    cJSON *car = cJSON_CreateObject();
    char text[64];

    snprintf(text, sizeof(text), "%lld", (long long)(GENERATED_ID_BASE + (int64_t)number));
    cJSON_AddStringToObject(car, "id", text);
    cJSON_AddNumberToObject(car, "vehicle_id",
                            (double)(GENERATED_VEHICLE_ID_BASE + (int64_t)number));
    snprintf(text, sizeof(text), "%s%06zu", GENERATED_VIN_PREFIX, number);
    cJSON_AddStringToObject(car, "vin", text);
    snprintf(text, sizeof(text), "Car %zu", number);
    cJSON_AddStringToObject(car, "display_name", text);
    cJSON_AddStringToObject(car, "trace", trace);
    return car;
}

static cJSON *generated_account(size_t index, const struct generator_options *options)
{
    cJSON *account = cJSON_CreateObject();
    cJSON *cars = cJSON_CreateArray();
    char text[64];

    snprintf(text, sizeof(text), "account-%zu", index);
    cJSON_AddStringToObject(account, "name", text);
    snprintf(text, sizeof(text), "fake-access-token-%zu", index);
    cJSON_AddStringToObject(account, "access_token", text);
    snprintf(text, sizeof(text), "fake-refresh-token-%zu", index);
    cJSON_AddStringToObject(account, "refresh_token", text);
    cJSON_AddNumberToObject(account, "user_id", (double)(100000 + index));
    for (size_t j = 0; j < options->cars_per_account; j++) {
        size_t number = (index - 1) * options->cars_per_account + j + 1;
        cJSON_AddItemToArray(cars, generated_car(number, options->trace));
    }
    cJSON_AddItemToObject(account, "cars", cars);
    return account;
}

cJSON *config_generate(const struct generator_options *options)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *accounts = cJSON_CreateArray();

    if (options->accounts * options->cars_per_account > GENERATED_CARS_MAX) {
        cJSON_Delete(root);
        cJSON_Delete(accounts);
        return NULL;
    }
    cJSON_AddStringToObject(root, "time_zone", options->time_zone != NULL
                                                   ? options->time_zone
                                                   : CONFIG_DEFAULT_TIME_ZONE);
    cJSON_AddNumberToObject(root, "expires_in_s", (double)(options->expires_in_s > 0
                                                               ? options->expires_in_s
                                                               : CONFIG_DEFAULT_EXPIRES_IN_S));
    cJSON_AddStringToObject(root, "api", api_flavor_name(options->flavor));
    cJSON_AddBoolToObject(root, "loop", options->loop);
    for (size_t i = 1; i <= options->accounts; i++)
        cJSON_AddItemToArray(accounts, generated_account(i, options));
    cJSON_AddItemToObject(root, "accounts", accounts);
    return root;
}
