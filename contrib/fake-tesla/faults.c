#include "faults.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const char *const fault_kind_names[FAULT_KIND_COUNT] = {
    [FAULT_STATUS] = "status",
    [FAULT_LATENCY] = "latency",
    [FAULT_CLOSE] = "close",
    [FAULT_MALFORMED] = "malformed",
    [FAULT_OVERSIZED] = "oversized",
};

_Static_assert(sizeof(fault_kind_names) / sizeof(fault_kind_names[0]) == FAULT_KIND_COUNT,
               "fault_kind_names must name every kind");

static const unsigned supported_statuses[] = {401, 403, 404, 405, 408, 421, 429, 500, 503};

const char *fault_kind_name(enum fault_kind kind)
{
    if (kind < 0 || kind >= FAULT_KIND_COUNT)
        return "unknown";
    return fault_kind_names[kind];
}

bool fault_status_is_supported(unsigned status)
{
    for (size_t i = 0; i < sizeof(supported_statuses) / sizeof(supported_statuses[0]); i++) {
        if (supported_statuses[i] == status)
            return true;
    }
    return false;
}

/* ---- Parsing ----------------------------------------------------------- */

static bool key_is_known(const char *key, const char *const *extra_keys)
{
    static const char *const keys[] = {"kind", "status", "variant", "retry_after_s",
                                       "latency_ms", "size_bytes", "endpoint", "count"};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i]) == 0)
            return true;
    }
    for (size_t i = 0; extra_keys != NULL && extra_keys[i] != NULL; i++) {
        if (strcmp(key, extra_keys[i]) == 0)
            return true;
    }
    return false;
}

/* Reads an optional whole number in [min, max]; false with a message
 * when present but invalid. */
static bool read_whole(const cJSON *json, const char *key, double min, double max, double *out,
                       char *error, size_t error_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, key);

    if (item == NULL)
        return true;
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        item->valuedouble < min || item->valuedouble > max) {
        snprintf(error, error_size, "\"%s\" must be a whole number from %.0f to %.0f", key, min,
                 max);
        return false;
    }
    *out = item->valuedouble;
    return true;
}

static bool parse_kind(const cJSON *json, struct fault_spec *out, char *error, size_t error_size)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(json, "kind");

    if (kind == NULL && cJSON_GetObjectItemCaseSensitive(json, "status") != NULL) {
        out->kind = FAULT_STATUS;
        return true;
    }
    if (cJSON_IsString(kind)) {
        for (int i = 0; i < FAULT_KIND_COUNT; i++) {
            if (strcmp(kind->valuestring, fault_kind_names[i]) == 0) {
                out->kind = (enum fault_kind)i;
                return true;
            }
        }
    }
    snprintf(error, error_size,
             "\"kind\" must be one of status, latency, close, malformed, oversized");
    return false;
}

static bool parse_endpoint(const cJSON *json, struct fault_spec *out, char *error,
                           size_t error_size)
{
    const cJSON *endpoint = cJSON_GetObjectItemCaseSensitive(json, "endpoint");

    out->any_endpoint = true;
    if (endpoint == NULL)
        return true;
    if (cJSON_IsString(endpoint) && strcmp(endpoint->valuestring, "any") == 0)
        return true;
    if (cJSON_IsString(endpoint) && endpoint_parse(endpoint->valuestring, &out->endpoint)) {
        out->any_endpoint = false;
        return true;
    }
    snprintf(error, error_size,
             "\"endpoint\" must be one of any, list, summary, vehicle_data, token, other");
    return false;
}

static bool parse_status(const cJSON *json, struct fault_spec *out, char *error,
                         size_t error_size)
{
    double status = 0, retry_after_s = FAULT_DEFAULT_RETRY_AFTER_S;
    const cJSON *variant = cJSON_GetObjectItemCaseSensitive(json, "variant");

    if (!read_whole(json, "status", 100, 599, &status, error, error_size))
        return false;
    if (!fault_status_is_supported((unsigned)status)) {
        snprintf(error, error_size,
                 "\"status\" must be one of 401, 403, 404, 405, 408, 421, 429, 500, 503");
        return false;
    }
    if (!read_whole(json, "retry_after_s", 0, 10000000, &retry_after_s, error, error_size))
        return false;
    if (variant != NULL &&
        !(cJSON_IsString(variant) && (strcmp(variant->valuestring, "timeout") == 0 ||
                                      strcmp(variant->valuestring, "asleep") == 0))) {
        snprintf(error, error_size, "\"variant\" must be asleep or timeout (408 bodies)");
        return false;
    }
    out->status = (unsigned)status;
    out->retry_after_s = (long)retry_after_s;
    out->timeout_body = variant != NULL && strcmp(variant->valuestring, "timeout") == 0;
    return true;
}

static bool parse_kind_values(const cJSON *json, struct fault_spec *out, char *error,
                              size_t error_size)
{
    double latency_ms = 0, size_bytes = (double)FAULT_DEFAULT_OVERSIZED_BYTES;

    switch (out->kind) {
    case FAULT_STATUS:
        return parse_status(json, out, error, error_size);
    case FAULT_LATENCY:
        if (!read_whole(json, "latency_ms", 1, 600000, &latency_ms, error, error_size))
            return false;
        if (latency_ms == 0) {
            snprintf(error, error_size, "a latency fault needs \"latency_ms\" (1 to 600000)");
            return false;
        }
        out->latency_ms = (long)latency_ms;
        return true;
    case FAULT_OVERSIZED:
        if (!read_whole(json, "size_bytes", 1024, (double)FAULT_MAX_OVERSIZED_BYTES,
                        &size_bytes, error, error_size))
            return false;
        out->size_bytes = (size_t)size_bytes;
        return true;
    case FAULT_CLOSE:
    case FAULT_MALFORMED:
    case FAULT_KIND_COUNT:
        break;
    }
    return true;
}

bool fault_spec_parse(const cJSON *json, const char *const *extra_keys, struct fault_spec *out,
                      char *error, size_t error_size)
{
    struct fault_spec spec = {.count = -1};
    double count = -1;
    const cJSON *member;

    if (!cJSON_IsObject(json)) {
        snprintf(error, error_size, "a fault must be a JSON object");
        return false;
    }
    cJSON_ArrayForEach(member, json)
    {
        if (!key_is_known(member->string, extra_keys)) {
            snprintf(error, error_size, "unknown key \"%s\" in a fault", member->string);
            return false;
        }
    }
    if (!parse_kind(json, &spec, error, error_size) ||
        !parse_endpoint(json, &spec, error, error_size) ||
        !read_whole(json, "count", 1, 1e15, &count, error, error_size) ||
        !parse_kind_values(json, &spec, error, error_size))
        return false;

    spec.count = (long)count;
    *out = spec;
    return true;
}

/* ---- Registry ---------------------------------------------------------- */

struct registered_fault {
    unsigned id;
    struct fault_spec spec;
    const struct account *account;
    const struct car *car;
};

struct fault_registry {
    pthread_mutex_t lock;
    atomic_size_t active;
    struct registered_fault *faults;
    size_t count;
    size_t capacity;
    unsigned next_id;
};

struct fault_registry *fault_registry_new(void)
{
    struct fault_registry *registry = calloc(1, sizeof(*registry));

    if (registry == NULL)
        return NULL;
    pthread_mutex_init(&registry->lock, NULL);
    registry->next_id = 1;
    return registry;
}

void fault_registry_free(struct fault_registry *registry)
{
    if (registry == NULL)
        return;
    pthread_mutex_destroy(&registry->lock);
    free(registry->faults);
    free(registry);
}

unsigned fault_registry_add(struct fault_registry *registry, const struct fault_spec *spec,
                            const struct account *account, const struct car *car)
{
    unsigned id = 0;

    pthread_mutex_lock(&registry->lock);
    if (registry->count == registry->capacity) {
        size_t capacity = registry->capacity == 0 ? 8 : registry->capacity * 2;
        struct registered_fault *grown =
            realloc(registry->faults, capacity * sizeof(*registry->faults));
        if (grown != NULL) {
            registry->faults = grown;
            registry->capacity = capacity;
        }
    }
    if (registry->count < registry->capacity) {
        id = registry->next_id++;
        registry->faults[registry->count++] = (struct registered_fault){
            .id = id, .spec = *spec, .account = car != NULL ? car->account : account, .car = car};
        atomic_store(&registry->active, registry->count);
    }
    pthread_mutex_unlock(&registry->lock);
    return id;
}

static void remove_index(struct fault_registry *registry, size_t index)
{
    memmove(&registry->faults[index], &registry->faults[index + 1],
            (registry->count - index - 1) * sizeof(*registry->faults));
    registry->count--;
    atomic_store(&registry->active, registry->count);
}

bool fault_registry_remove(struct fault_registry *registry, unsigned id)
{
    bool found = false;

    pthread_mutex_lock(&registry->lock);
    for (size_t i = 0; i < registry->count && !found; i++) {
        if (registry->faults[i].id == id) {
            remove_index(registry, i);
            found = true;
        }
    }
    pthread_mutex_unlock(&registry->lock);
    return found;
}

void fault_registry_clear(struct fault_registry *registry)
{
    pthread_mutex_lock(&registry->lock);
    registry->count = 0;
    atomic_store(&registry->active, 0);
    pthread_mutex_unlock(&registry->lock);
}

static cJSON *fault_json(const struct registered_fault *entry)
{
    const struct fault_spec *spec = &entry->spec;
    cJSON *object = cJSON_CreateObject();

    cJSON_AddNumberToObject(object, "id", entry->id);
    if (entry->account != NULL)
        cJSON_AddStringToObject(object, "account", entry->account->name);
    else
        cJSON_AddNullToObject(object, "account");
    if (entry->car != NULL)
        cJSON_AddItemToObject(object, "car", cJSON_CreateRaw(entry->car->id_text));
    else
        cJSON_AddNullToObject(object, "car");
    cJSON_AddStringToObject(object, "kind", fault_kind_names[spec->kind]);
    if (spec->kind == FAULT_STATUS) {
        cJSON_AddNumberToObject(object, "status", spec->status);
        if (spec->status == 429)
            cJSON_AddNumberToObject(object, "retry_after_s", (double)spec->retry_after_s);
        if (spec->status == 408)
            cJSON_AddStringToObject(object, "variant", spec->timeout_body ? "timeout" : "asleep");
    }
    if (spec->kind == FAULT_LATENCY)
        cJSON_AddNumberToObject(object, "latency_ms", (double)spec->latency_ms);
    if (spec->kind == FAULT_OVERSIZED)
        cJSON_AddNumberToObject(object, "size_bytes", (double)spec->size_bytes);
    cJSON_AddStringToObject(object, "endpoint",
                            spec->any_endpoint ? "any" : endpoint_name(spec->endpoint));
    if (spec->count < 0)
        cJSON_AddNullToObject(object, "remaining");
    else
        cJSON_AddNumberToObject(object, "remaining", (double)spec->count);
    return object;
}

cJSON *fault_registry_list(struct fault_registry *registry)
{
    cJSON *list = cJSON_CreateArray();

    pthread_mutex_lock(&registry->lock);
    for (size_t i = 0; i < registry->count; i++)
        cJSON_AddItemToArray(list, fault_json(&registry->faults[i]));
    pthread_mutex_unlock(&registry->lock);
    return list;
}

enum fault_scope {
    SCOPE_CAR,
    SCOPE_ACCOUNT,
    SCOPE_GLOBAL,
    SCOPE_COUNT
};

static bool entry_matches(const struct registered_fault *entry, enum fault_scope scope,
                          enum endpoint endpoint, const struct account *account,
                          const struct car *car)
{
    if (!entry->spec.any_endpoint && entry->spec.endpoint != endpoint)
        return false;
    switch (scope) {
    case SCOPE_CAR:
        return entry->car != NULL && entry->car == car;
    case SCOPE_ACCOUNT:
        return entry->car == NULL && entry->account != NULL && entry->account == account;
    case SCOPE_GLOBAL:
    case SCOPE_COUNT:
        break;
    }
    return entry->car == NULL && entry->account == NULL;
}

/* Counts a chosen fault down; true when it is used up. */
static bool use_entry(struct registered_fault *entry)
{
    if (entry->spec.count < 0)
        return false;
    entry->spec.count--;
    return entry->spec.count == 0;
}

void fault_registry_match(struct fault_registry *registry, enum endpoint endpoint,
                          const struct account *account, const struct car *car,
                          struct fault_action *action)
{
    *action = (struct fault_action){0};
    if (atomic_load_explicit(&registry->active, memory_order_relaxed) == 0)
        return;

    pthread_mutex_lock(&registry->lock);
    for (int scope = 0; scope < SCOPE_COUNT; scope++) {
        for (size_t i = 0; i < registry->count; i++) {
            struct registered_fault *entry = &registry->faults[i];
            bool latency = entry->spec.kind == FAULT_LATENCY;
            if (!entry_matches(entry, (enum fault_scope)scope, endpoint, account, car) ||
                (!latency && action->has_fault))
                continue;
            if (latency) {
                action->latency_ms += entry->spec.latency_ms;
            } else {
                action->has_fault = true;
                action->fault = entry->spec;
            }
            if (use_entry(entry))
                remove_index(registry, i--);
        }
    }
    pthread_mutex_unlock(&registry->lock);
}
