#include "stats.h"

#include <string.h>

#include "server.h"

static const char *const endpoint_names[ENDPOINT_COUNT] = {
    [ENDPOINT_LIST] = "list",
    [ENDPOINT_SUMMARY] = "summary",
    [ENDPOINT_VEHICLE_DATA] = "vehicle_data",
    [ENDPOINT_TOKEN] = "token",
    [ENDPOINT_OTHER] = "other",
};

_Static_assert(sizeof(endpoint_names) / sizeof(endpoint_names[0]) == ENDPOINT_COUNT,
               "endpoint_names must name every endpoint");

static const char *const class_names[STATUS_CLASS_COUNT] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

const char *endpoint_name(enum endpoint endpoint)
{
    if (endpoint < 0 || endpoint >= ENDPOINT_COUNT)
        return "unknown";
    return endpoint_names[endpoint];
}

bool endpoint_parse(const char *text, enum endpoint *endpoint)
{
    for (int i = 0; i < ENDPOINT_COUNT; i++) {
        if (strcmp(text, endpoint_names[i]) == 0) {
            *endpoint = (enum endpoint)i;
            return true;
        }
    }
    return false;
}

void counters_count_request(struct counters *counters)
{
    atomic_fetch_add_explicit(&counters->requests, 1, memory_order_relaxed);
}

void counters_count_response(struct counters *counters, enum endpoint endpoint, unsigned status)
{
    unsigned class_index = status / 100 - 1;

    if (status >= 100 && class_index < STATUS_CLASS_COUNT)
        atomic_fetch_add_explicit(&counters->by_class[class_index], 1, memory_order_relaxed);
    if (status < 500 && endpoint != ENDPOINT_TOKEN)
        atomic_fetch_add_explicit(&counters->billable, 1, memory_order_relaxed);
}

/* A plain copy of a counter set, for sums and printing. */
struct snapshot {
    uint64_t requests;
    uint64_t by_class[STATUS_CLASS_COUNT];
    uint64_t billable;
};

static void add_counters(struct snapshot *sum, const struct counters *counters)
{
    sum->requests += atomic_load_explicit(&counters->requests, memory_order_relaxed);
    for (int i = 0; i < STATUS_CLASS_COUNT; i++)
        sum->by_class[i] += atomic_load_explicit(&counters->by_class[i], memory_order_relaxed);
    sum->billable += atomic_load_explicit(&counters->billable, memory_order_relaxed);
}

static void add_snapshot(struct snapshot *sum, const struct snapshot *part)
{
    sum->requests += part->requests;
    for (int i = 0; i < STATUS_CLASS_COUNT; i++)
        sum->by_class[i] += part->by_class[i];
    sum->billable += part->billable;
}

static cJSON *snapshot_json(const struct snapshot *snapshot)
{
    cJSON *object = cJSON_CreateObject();

    cJSON_AddNumberToObject(object, "requests", (double)snapshot->requests);
    for (int i = 0; i < STATUS_CLASS_COUNT; i++)
        cJSON_AddNumberToObject(object, class_names[i], (double)snapshot->by_class[i]);
    cJSON_AddNumberToObject(object, "billable", (double)snapshot->billable);
    return object;
}

/* {"list": {...}, "summary": {...}, ...}; adds the set to *total. */
static cJSON *endpoints_json(const struct counters *set, struct snapshot *total)
{
    cJSON *object = cJSON_CreateObject();

    for (int i = 0; i < ENDPOINT_COUNT; i++) {
        struct snapshot snapshot = {0};
        add_counters(&snapshot, &set[i]);
        add_snapshot(total, &snapshot);
        cJSON_AddItemToObject(object, endpoint_names[i], snapshot_json(&snapshot));
    }
    return object;
}

static cJSON *car_json(const struct car *car, struct snapshot *account_total)
{
    cJSON *object = cJSON_CreateObject();
    struct snapshot total = {0};

    cJSON_AddItemToObject(object, "id", cJSON_CreateRaw(car->id_text));
    cJSON_AddStringToObject(object, "vin", car->vin);
    cJSON_AddItemToObject(object, "endpoints", endpoints_json(car->counters, &total));
    cJSON_AddItemToObject(object, "totals", snapshot_json(&total));
    add_snapshot(account_total, &total);
    return object;
}

static cJSON *account_json(const struct account *account, struct snapshot *grand_total)
{
    cJSON *object = cJSON_CreateObject();
    cJSON *cars = cJSON_CreateArray();
    struct snapshot total = {0};

    cJSON_AddStringToObject(object, "name", account->name);
    cJSON_AddItemToObject(object, "endpoints", endpoints_json(account->counters, &total));
    for (size_t i = 0; i < account->car_count; i++)
        cJSON_AddItemToArray(cars, car_json(account->cars[i], &total));
    cJSON_AddItemToObject(object, "cars", cars);
    cJSON_AddItemToObject(object, "totals", snapshot_json(&total));
    add_snapshot(grand_total, &total);
    return object;
}

cJSON *stats_report(const struct server *server)
{
    cJSON *report = cJSON_CreateObject();
    cJSON *accounts = cJSON_CreateArray();
    cJSON *unauthenticated = cJSON_CreateObject();
    struct snapshot total = {0};

    for (size_t i = 0; i < server->account_count; i++)
        cJSON_AddItemToArray(accounts, account_json(&server->accounts[i], &total));
    cJSON_AddItemToObject(report, "accounts", accounts);

    struct snapshot unauthenticated_total = {0};
    cJSON_AddItemToObject(unauthenticated, "endpoints",
                          endpoints_json(server->unauthenticated, &unauthenticated_total));
    cJSON_AddItemToObject(unauthenticated, "totals", snapshot_json(&unauthenticated_total));
    cJSON_AddItemToObject(report, "unauthenticated", unauthenticated);
    add_snapshot(&total, &unauthenticated_total);

    cJSON_AddItemToObject(report, "totals", snapshot_json(&total));
    return report;
}

static void print_row(FILE *out, const char *account, const char *car, enum endpoint endpoint,
                      const struct counters *counters, struct snapshot *total)
{
    struct snapshot snapshot = {0};

    add_counters(&snapshot, counters);
    add_snapshot(total, &snapshot);
    if (snapshot.requests == 0)
        return;
    fprintf(out, "%-20.20s %-20.20s %-13s %9llu %9llu %9llu %9llu %9llu\n", account, car,
            endpoint_names[endpoint], (unsigned long long)snapshot.requests,
            (unsigned long long)snapshot.by_class[1], (unsigned long long)snapshot.by_class[3],
            (unsigned long long)snapshot.by_class[4], (unsigned long long)snapshot.billable);
}

void stats_print(const struct server *server, FILE *out)
{
    struct snapshot total = {0};

    fprintf(out, "%-20s %-20s %-13s %9s %9s %9s %9s %9s\n", "account", "car", "endpoint",
            "requests", "2xx", "4xx", "5xx", "billable");
    for (size_t a = 0; a < server->account_count; a++) {
        const struct account *account = &server->accounts[a];
        for (int e = 0; e < ENDPOINT_COUNT; e++)
            print_row(out, account->name, "-", (enum endpoint)e, &account->counters[e], &total);
        for (size_t c = 0; c < account->car_count; c++) {
            for (int e = 0; e < ENDPOINT_COUNT; e++)
                print_row(out, account->name, account->cars[c]->id_text, (enum endpoint)e,
                          &account->cars[c]->counters[e], &total);
        }
    }
    for (int e = 0; e < ENDPOINT_COUNT; e++)
        print_row(out, "(unauthenticated)", "-", (enum endpoint)e, &server->unauthenticated[e],
                  &total);
    fprintf(out, "%-20s %-20s %-13s %9llu %9llu %9llu %9llu %9llu\n", "total", "", "",
            (unsigned long long)total.requests, (unsigned long long)total.by_class[1],
            (unsigned long long)total.by_class[3], (unsigned long long)total.by_class[4],
            (unsigned long long)total.billable);
    fflush(out);
}
