/* The Tesla API endpoints: vehicle lists, summary, vehicle_data, token. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "log.h"
#include "row_json.h"
#include "tokens.h"

static cJSON *wrap_response(cJSON *response)
{
    cJSON *body = cJSON_CreateObject();

    cJSON_AddItemToObject(body, "response", response);
    return body;
}

static void reply_list(struct request *request, struct reply *reply)
{
    const struct account *account = request->account;
    enum entry_shape shape = request->route == ROUTE_PRODUCTS ? ENTRY_PRODUCTS : ENTRY_VEHICLES;
    cJSON *vehicles = cJSON_CreateArray();

    for (size_t i = 0; i < account->car_count; i++) {
        struct car *car = account->cars[i];
        struct replay_view view =
            replay_observe(&car->replay, car->trace, car->loop, REPLAY_PEEK, false);
        cJSON_AddItemToArray(vehicles, row_json_entry(car, &view, shape));
    }

    cJSON *body = wrap_response(vehicles);
    cJSON_AddNumberToObject(body, "count", (double)account->car_count);
    reply_json(reply, 200, body);
}

static void reply_summary(struct request *request, bool commit, struct reply *reply)
{
    struct car *car = request->car;
    struct replay_view view =
        replay_observe(&car->replay, car->trace, car->loop, REPLAY_SUMMARY, commit);

    reply_json(reply, 200, wrap_response(row_json_entry(car, &view, ENTRY_SUMMARY)));
}

static void reply_vehicle_data(struct request *request, struct MHD_Connection *connection,
                               bool commit, struct reply *reply)
{
    struct car *car = request->car;
    const char *endpoints =
        MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "endpoints");
    struct data_request data_request;
    char bad[80];

    if (!row_json_parse_endpoints(endpoints, &data_request, bad, sizeof(bad))) {
        char error[160];
        /* NOTE: Tesla's response to an unknown endpoints value was not recorded. */
        snprintf(error, sizeof(error), "invalid_field: unknown endpoints value \"%s\"", bad);
        reply_json(reply, 400, error_envelope(error));
        return;
    }

    struct replay_view view =
        replay_observe(&car->replay, car->trace, car->loop, REPLAY_VEHICLE_DATA, commit);
    if (view.state != VEHICLE_STATE_ONLINE) {
        reply_vehicle_unavailable(reply, request->server->flavor);
        return;
    }
    reply_json(reply, 200, wrap_response(row_json_vehicle_data(car, &view, &data_request)));
}

/* ---- Token endpoint ---------------------------------------------------- */

static void copy_field(char *out, size_t size, const char *data, uint64_t offset, size_t length)
{
    size_t used = strlen(out);

    if (offset != used)
        return;
    if (used + length >= size)
        length = size - used - 1;
    memcpy(out + used, data, length);
    out[used + length] = '\0';
}

static enum MHD_Result collect_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *filename, const char *content_type,
                                          const char *transfer_encoding, const char *data,
                                          uint64_t offset, size_t size)
{
    struct token_request *token_request = cls;

    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
    if (strcmp(key, "grant_type") == 0)
        copy_field(token_request->grant_type, sizeof(token_request->grant_type), data, offset,
                   size);
    else if (strcmp(key, "refresh_token") == 0)
        copy_field(token_request->refresh_token, sizeof(token_request->refresh_token), data,
                   offset, size);
    return MHD_YES;
}

static bool parse_form(struct request *request, struct MHD_Connection *connection,
                       struct token_request *out)
{
    struct MHD_PostProcessor *processor =
        MHD_create_post_processor(connection, 4096, collect_form_field, out);

    if (processor == NULL)
        return false;
    enum MHD_Result result = MHD_post_process(processor, request->body, request->body_length);
    MHD_destroy_post_processor(processor);
    return result == MHD_YES;
}

static void copy_json_string(const cJSON *root, const char *key, char *out, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);

    if (cJSON_IsString(item))
        snprintf(out, size, "%s", item->valuestring);
}

/* Reads grant_type and refresh_token from a JSON body (what TeslaMate
 * sends) or a form body (what the Fleet API documents). */
bool api_parse_token_request(struct request *request, struct MHD_Connection *connection,
                             struct token_request *out)
{
    const char *content_type =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

    *out = (struct token_request){0};
    if (request->body == NULL || request->body_too_large)
        return false;
    if (content_type != NULL &&
        strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0)
        return parse_form(request, connection, out);

    cJSON *root = cJSON_ParseWithLength(request->body, request->body_length);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return false;
    }
    copy_json_string(root, "grant_type", out->grant_type, sizeof(out->grant_type));
    copy_json_string(root, "refresh_token", out->refresh_token, sizeof(out->refresh_token));
    cJSON_Delete(root);
    return true;
}

static void reply_tokens(struct reply *reply, const struct issued_tokens *tokens)
{
    cJSON *body = cJSON_CreateObject();

    /* The key order of auth.tesla.com's refresh response. */
    cJSON_AddStringToObject(body, "access_token", tokens->access_token);
    cJSON_AddStringToObject(body, "refresh_token", tokens->refresh_token);
    cJSON_AddStringToObject(body, "id_token", tokens->id_token);
    cJSON_AddNumberToObject(body, "expires_in", (double)tokens->expires_in_s);
    cJSON_AddStringToObject(body, "token_type", "Bearer");
    reply_json(reply, 200, body);
    reply->content_type = "application/json";
    reply_add_header(reply, "Cache-Control", "no-store");
    reply_add_header(reply, "Pragma", "no-cache");
}

static void reply_token(struct request *request, struct MHD_Connection *connection, bool commit,
                        struct reply *reply)
{
    struct token_request token_request;
    struct issued_tokens issued;
    struct account *account = NULL;

    if (!api_parse_token_request(request, connection, &token_request)) {
        /* NOTE: auth.tesla.com's body for an unreadable request was not recorded. */
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "error", "invalid_request");
        cJSON_AddStringToObject(body, "error_description", "Invalid request");
        reply_json(reply, 400, body);
        return;
    }
    if (strcmp(token_request.grant_type, "refresh_token") != 0) {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "error", "unsupported_grant_type");
        cJSON_AddStringToObject(body, "error_description",
                                "The authorization grant type is not supported by the "
                                "authorization server.");
        reply_json(reply, 400, body);
        return;
    }

    if (!commit) {
        tokens_generate(&issued, request->account != NULL ? request->account->expires_in_s : 0);
        reply_tokens(reply, &issued);
        return;
    }
    if (!token_table_refresh(request->server->tokens, token_request.refresh_token,
                             monotonic_ms(), &issued, &account)) {
        log_info("token refresh rejected: refresh token unknown or already used");
        reply_login_required(reply);
        return;
    }
    log_info("account %s: tokens refreshed, access token valid for %lld s", account->name,
             (long long)issued.expires_in_s);
    reply_tokens(reply, &issued);
}

void api_reply(struct request *request, struct MHD_Connection *connection, bool commit,
               struct reply *reply)
{
    switch (request->route) {
    case ROUTE_PRODUCTS:
    case ROUTE_VEHICLES:
        reply_list(request, reply);
        return;
    case ROUTE_SUMMARY:
        reply_summary(request, commit, reply);
        return;
    case ROUTE_VEHICLE_DATA:
        reply_vehicle_data(request, connection, commit, reply);
        return;
    case ROUTE_TOKEN:
        reply_token(request, connection, commit, reply);
        return;
    case ROUTE_ADMIN:
    case ROUTE_OTHER:
    case ROUTE_COUNT:
        break;
    }
    reply_not_found(reply);
}
