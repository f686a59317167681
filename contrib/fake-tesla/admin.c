/*
 * The admin API on the server's own port, for tests and operators:
 *
 *   GET    /_fake/state        each car's replay position and whether it is done
 *   GET    /_fake/stats        request counters (see stats.h)
 *   GET    /_fake/faults       the registered faults
 *   POST   /_fake/faults       add a fault: a fault object (faults.h) plus
 *                              optional "account" (name) and "car" (id or VIN)
 *   DELETE /_fake/faults       remove every fault
 *   DELETE /_fake/faults/{id}  remove one fault
 *   POST   /_fake/expire       {"account": NAME}: expire its access tokens now
 *
 * Admin requests need no token and are not counted.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "log.h"
#include "tokens.h"

static void reply_admin_error(struct reply *reply, unsigned status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_admin_error(struct reply *reply, unsigned status, const char *format, ...)
{
    char message[300];
    va_list args;
    cJSON *body = cJSON_CreateObject();

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    cJSON_AddStringToObject(body, "error", message);
    reply_json(reply, status, body);
}

static cJSON *car_state(struct car *car, bool *all_done)
{
    struct replay_view view =
        replay_observe(&car->replay, car->trace, car->loop, REPLAY_PEEK, false);
    cJSON *object = cJSON_CreateObject();
    char source[300];

    cJSON_AddStringToObject(object, "account", car->account->name);
    cJSON_AddItemToObject(object, "id", cJSON_CreateRaw(car->id_text));
    cJSON_AddStringToObject(object, "vin", car->vin);
    cJSON_AddNumberToObject(object, "row", (double)view.position);
    cJSON_AddNumberToObject(object, "rows", (double)car->trace->row_count);
    cJSON_AddNumberToObject(object, "loops", view.loops);
    cJSON_AddBoolToObject(object, "done", view.done);
    cJSON_AddStringToObject(object, "state", vehicle_state_name(view.state));
    if (view.row != NULL) {
        trace_row_source(car->trace, view.row, source, sizeof(source));
        cJSON_AddStringToObject(object, "source", source);
    } else {
        cJSON_AddNullToObject(object, "source");
    }
    *all_done = *all_done && view.done;
    return object;
}

static void reply_state(struct server *server, struct reply *reply)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *cars = cJSON_CreateArray();
    bool all_done = true;

    for (size_t i = 0; i < server->car_count; i++)
        cJSON_AddItemToArray(cars, car_state(&server->cars[i], &all_done));
    cJSON_AddItemToObject(body, "cars", cars);
    cJSON_AddBoolToObject(body, "done", all_done);
    reply_json(reply, 200, body);
}

/* The car named by a JSON id (number or text) or VIN. */
static struct car *find_car(struct server *server, const struct account *account,
                            const cJSON *item)
{
    char text[64];

    if (cJSON_IsString(item))
        snprintf(text, sizeof(text), "%s", item->valuestring);
    else if (cJSON_IsNumber(item) && item->valuedouble == floor(item->valuedouble))
        snprintf(text, sizeof(text), "%.0f", item->valuedouble);
    else
        return NULL;
    return account != NULL ? server_find_car(account, text) : server_find_any_car(server, text);
}

static void add_fault(struct server *server, const cJSON *json, struct reply *reply)
{
    static const char *const target_keys[] = {"account", "car", NULL};
    const cJSON *account_item = cJSON_GetObjectItemCaseSensitive(json, "account");
    const cJSON *car_item = cJSON_GetObjectItemCaseSensitive(json, "car");
    struct account *account = NULL;
    struct car *car = NULL;
    struct fault_spec spec;
    char error[200];

    if (!fault_spec_parse(json, target_keys, &spec, error, sizeof(error))) {
        reply_admin_error(reply, 400, "invalid fault: %s", error);
        return;
    }
    if (account_item != NULL) {
        account = cJSON_IsString(account_item)
                      ? server_find_account(server, account_item->valuestring)
                      : NULL;
        if (account == NULL) {
            reply_admin_error(reply, 404, "\"account\" names no configured account");
            return;
        }
    }
    if (car_item != NULL && (car = find_car(server, account, car_item)) == NULL) {
        reply_admin_error(reply, 404, "\"car\" is not the id or VIN of a configured car%s",
                          account != NULL ? " of that account" : "");
        return;
    }

    unsigned id = fault_registry_add(server->faults, &spec, account, car);
    if (id == 0) {
        reply_admin_error(reply, 500, "out of memory");
        return;
    }
    if (car != NULL)
        log_info("fault %u added: %s for car %s", id, fault_kind_name(spec.kind), car->id_text);
    else if (account != NULL)
        log_info("fault %u added: %s for account %s", id, fault_kind_name(spec.kind),
                 account->name);
    else
        log_info("fault %u added: %s for every request", id, fault_kind_name(spec.kind));
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "id", id);
    reply_json(reply, 201, body);
}

static void remove_fault(struct server *server, const char *id_text, struct reply *reply)
{
    char *end = NULL;
    unsigned long id = strtoul(id_text, &end, 10);

    if (end == id_text || *end != '\0' || !fault_registry_remove(server->faults, (unsigned)id)) {
        reply_admin_error(reply, 404, "no fault with id \"%s\"", id_text);
        return;
    }
    log_info("fault %lu removed", id);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "removed", (double)id);
    reply_json(reply, 200, body);
}

static void expire_tokens(struct server *server, const cJSON *json, struct reply *reply)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(json, "account");
    struct account *account =
        cJSON_IsString(name) ? server_find_account(server, name->valuestring) : NULL;

    if (account == NULL) {
        reply_admin_error(reply, 404, "expected {\"account\": NAME} naming a configured account");
        return;
    }
    token_table_expire_account(server->tokens, account, monotonic_ms());
    log_info("account %s: access tokens expired by the admin API", account->name);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "expired", account->name);
    reply_json(reply, 200, body);
}

/* Parses a JSON object body; NULL after filling `reply` with a 400. */
static cJSON *parse_body(const char *body, size_t length, struct reply *reply)
{
    cJSON *json = body != NULL ? cJSON_ParseWithLength(body, length) : NULL;

    if (!cJSON_IsObject(json)) {
        reply_admin_error(reply, 400, "the body must be a JSON object");
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

void admin_reply(struct server *server, struct MHD_Connection *connection, const char *url,
                 const char *method, const char *body, size_t body_length, struct reply *reply)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    cJSON *json = NULL;

    (void)connection;
    if (get && strcmp(url, "/_fake/state") == 0) {
        reply_state(server, reply);
    } else if (get && strcmp(url, "/_fake/stats") == 0) {
        reply_json(reply, 200, stats_report(server));
    } else if (get && strcmp(url, "/_fake/faults") == 0) {
        cJSON *list = cJSON_CreateObject();
        cJSON_AddItemToObject(list, "faults", fault_registry_list(server->faults));
        reply_json(reply, 200, list);
    } else if (post && strcmp(url, "/_fake/faults") == 0) {
        if ((json = parse_body(body, body_length, reply)) != NULL)
            add_fault(server, json, reply);
    } else if (strcmp(method, "DELETE") == 0 && strcmp(url, "/_fake/faults") == 0) {
        fault_registry_clear(server->faults);
        log_info("all faults removed");
        reply_json(reply, 200, cJSON_CreateObject());
    } else if (strcmp(method, "DELETE") == 0 && strncmp(url, "/_fake/faults/", 14) == 0) {
        remove_fault(server, url + 14, reply);
    } else if (post && strcmp(url, "/_fake/expire") == 0) {
        if ((json = parse_body(body, body_length, reply)) != NULL)
            expire_tokens(server, json, reply);
    } else {
        reply_admin_error(reply, 404, "no admin endpoint %s %s", method, url);
    }
    cJSON_Delete(json);
}
