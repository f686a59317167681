#include "http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "delay.h"
#include "http_internal.h"
#include "log.h"
#include "tokens.h"

/* Idle keep-alive connections are closed after this long. */
#define CONNECTION_TIMEOUT_S 120u
#define CONNECTION_LIMIT 20000u
#define LISTEN_BACKLOG 1024u

static const enum endpoint route_endpoints[ROUTE_COUNT] = {
    [ROUTE_ADMIN] = ENDPOINT_OTHER,
    [ROUTE_PRODUCTS] = ENDPOINT_LIST,
    [ROUTE_VEHICLES] = ENDPOINT_LIST,
    [ROUTE_SUMMARY] = ENDPOINT_SUMMARY,
    [ROUTE_VEHICLE_DATA] = ENDPOINT_VEHICLE_DATA,
    [ROUTE_TOKEN] = ENDPOINT_TOKEN,
    [ROUTE_OTHER] = ENDPOINT_OTHER,
};

/* ---- Routing ----------------------------------------------------------- */

static bool has_suffix(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);

    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

/* Routes /api/1/vehicles/{id}[/vehicle_data|/data] and copies {id}. */
static enum route route_vehicle_path(const char *rest, char *id, size_t id_size)
{
    size_t id_length = strcspn(rest, "/");

    if (id_length == 0 || id_length >= id_size)
        return ROUTE_OTHER;
    memcpy(id, rest, id_length);
    id[id_length] = '\0';

    const char *tail = rest + id_length;
    if (strcmp(tail, "") == 0 || strcmp(tail, "/") == 0)
        return ROUTE_SUMMARY;
    if (strcmp(tail, "/vehicle_data") == 0 || strcmp(tail, "/data") == 0)
        return ROUTE_VEHICLE_DATA;
    return ROUTE_OTHER;
}

static enum route route_request(const char *url, const char *method, char *id, size_t id_size)
{
    static const char vehicles_prefix[] = "/api/1/vehicles/";
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

    if (strncmp(url, "/_fake/", 7) == 0)
        return ROUTE_ADMIN;
    /* The token path is the auth host's /oauth2/v3/token, or /token when a
     * client sets the auth host with an empty path, or a proxy's prefix. */
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 &&
        (strcmp(url, "/token") == 0 || has_suffix(url, "/oauth2/v3/token")))
        return ROUTE_TOKEN;
    if (get && strcmp(url, "/api/1/products") == 0)
        return ROUTE_PRODUCTS;
    if (get && strcmp(url, "/api/1/vehicles") == 0)
        return ROUTE_VEHICLES;
    if (get && strncmp(url, vehicles_prefix, sizeof(vehicles_prefix) - 1) == 0)
        return route_vehicle_path(url + sizeof(vehicles_prefix) - 1, id, id_size);
    return ROUTE_OTHER;
}

/* ---- Sending ----------------------------------------------------------- */

struct partial_body {
    char *text;
    size_t limit;
};

/* Serves the first `limit` bytes, then makes libmicrohttpd close the
 * connection with the rest of the announced length unsent. */
static ssize_t read_partial_body(void *cls, uint64_t position, char *buffer, size_t max)
{
    struct partial_body *body = cls;

    if (position >= body->limit)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t count = body->limit - (size_t)position;
    if (count > max)
        count = max;
    memcpy(buffer, body->text + position, count);
    return (ssize_t)count;
}

static void free_partial_body(void *cls)
{
    struct partial_body *body = cls;

    free(body->text);
    free(body);
}

/* Adds a "padding" member so that the printed body is `size` bytes long. */
static void pad_json(cJSON *json, size_t size)
{
    static const char member_overhead[] = ",\"padding\":\"\"";
    char *printed = cJSON_PrintUnformatted(json);
    size_t base = printed != NULL ? strlen(printed) : 0;

    free(printed);
    size_t padding = size > base + sizeof(member_overhead) - 1
                         ? size - base - (sizeof(member_overhead) - 1)
                         : 0;
    char *filler = malloc(padding + 1);
    if (filler == NULL)
        return;
    memset(filler, 'x', padding);
    filler[padding] = '\0';
    cJSON_AddStringToObject(json, "padding", filler);
    free(filler);
}

static char *render_body(struct reply *reply, const struct fault_spec *damage, size_t *length)
{
    char *text;

    if (reply->json != NULL) {
        if (damage != NULL && damage->kind == FAULT_OVERSIZED && cJSON_IsObject(reply->json))
            pad_json(reply->json, damage->size_bytes);
        text = cJSON_PrintUnformatted(reply->json);
    } else {
        text = reply->text;
        reply->text = NULL;
    }
    if (text == NULL)
        text = strdup("");
    *length = text != NULL ? strlen(text) : 0;
    if (damage != NULL && damage->kind == FAULT_MALFORMED)
        *length /= 2;
    return text;
}

static struct MHD_Response *create_response(char *text, size_t length,
                                            const struct fault_spec *damage)
{
    if (damage == NULL || damage->kind != FAULT_CLOSE)
        return MHD_create_response_from_buffer(length, text, MHD_RESPMEM_MUST_FREE);

    struct partial_body *body = malloc(sizeof(*body));
    if (body == NULL) {
        free(text);
        return NULL;
    }
    *body = (struct partial_body){.text = text, .limit = length / 2};
    return MHD_create_response_from_callback(length, 4096, read_partial_body, body,
                                             free_partial_body);
}

/* Sends a reply, damaged by a close, malformed or oversized fault when
 * `damage` is not NULL, and counts it. */
static enum MHD_Result send_reply(struct request *request, struct MHD_Connection *connection,
                                  struct reply *reply, const struct fault_spec *damage)
{
    size_t length = 0;
    char *text = render_body(reply, damage, &length);
    struct MHD_Response *response = text != NULL ? create_response(text, length, damage) : NULL;

    reply_free(reply);
    if (response == NULL) {
        log_error("cannot create a response of %zu bytes: out of memory", length);
        return MHD_NO;
    }
    if (reply->content_type != NULL)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    for (size_t i = 0; i < reply->header_count; i++)
        MHD_add_response_header(response, reply->headers[i].name, reply->headers[i].value);

    enum MHD_Result result = MHD_queue_response(connection, reply->status, response);
    MHD_destroy_response(response);
    if (request->counters != NULL)
        counters_count_response(request->counters, request->endpoint, reply->status);
    return result;
}

/* ---- Requests ---------------------------------------------------------- */

static void append_body(struct request *request, const char *data, size_t size)
{
    if (request->body_too_large || request->body_length + size > REQUEST_BODY_MAX) {
        request->body_too_large = true;
        return;
    }
    char *grown = realloc(request->body, request->body_length + size + 1);
    if (grown == NULL) {
        request->body_too_large = true;
        return;
    }
    memcpy(grown + request->body_length, data, size);
    request->body = grown;
    request->body_length += size;
    request->body[request->body_length] = '\0';
}

static bool authenticate(struct request *request, struct MHD_Connection *connection,
                         struct reply *reply)
{
    const char *header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_AUTHORIZATION);
    struct account *account = NULL;

    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0) {
        reply_invalid_token(reply);
        return false;
    }
    switch (token_table_check_access(request->server->tokens, header + 7, monotonic_ms(),
                                     &account)) {
    case TOKEN_VALID:
        request->account = account;
        return true;
    case TOKEN_EXPIRED:
        reply_expired_token(reply);
        return false;
    case TOKEN_UNKNOWN:
    case TOKEN_CHECK_COUNT:
        break;
    }
    reply_invalid_token(reply);
    return false;
}

/* The account whose refresh token the body presents, if any; the token
 * is not consumed. */
static struct account *token_account(struct request *request, struct MHD_Connection *connection)
{
    struct token_request token_request;

    if (!api_parse_token_request(request, connection, &token_request))
        return NULL;
    return token_table_find_refresh(request->server->tokens, token_request.refresh_token);
}

/* Authenticates a routed request, finds its car and picks its counters.
 * Returns false when `reply` already contains the response (401, 404). */
static bool prepare(struct request *request, struct MHD_Connection *connection, const char *id,
                    struct reply *reply)
{
    struct server *server = request->server;
    enum endpoint endpoint = request->endpoint;
    bool proceed = true;

    if (request->route == ROUTE_TOKEN) {
        request->account = token_account(request, connection);
    } else if (!authenticate(request, connection, reply)) {
        proceed = false;
    } else if (request->route == ROUTE_SUMMARY || request->route == ROUTE_VEHICLE_DATA) {
        request->car = server_find_car(request->account, id);
        if (request->car == NULL) {
            reply_not_found(reply);
            proceed = false;
        }
    } else if (request->route == ROUTE_OTHER) {
        reply_not_found(reply);
        proceed = false;
    }

    if (request->car != NULL)
        request->counters = &request->car->counters[endpoint];
    else if (request->account != NULL)
        request->counters = &request->account->counters[endpoint];
    else
        request->counters = &server->unauthenticated[endpoint];
    counters_count_request(request->counters);
    return proceed;
}

static enum MHD_Result finish(struct request *request, struct MHD_Connection *connection)
{
    struct reply reply = {0};
    const struct fault_spec *fault = request->action.has_fault ? &request->action.fault : NULL;

    if (fault != NULL && fault->kind == FAULT_STATUS) {
        reply_fault_status(&reply, fault, request->server->flavor, request->endpoint);
        return send_reply(request, connection, &reply, NULL);
    }
    api_reply(request, connection, fault == NULL, &reply);
    return send_reply(request, connection, &reply, fault);
}

static enum MHD_Result start(struct request *request, struct MHD_Connection *connection,
                             const char *url, const char *method)
{
    struct server *server = request->server;
    struct reply reply = {0};
    char id[64] = "";

    request->started = true;
    request->route = route_request(url, method, id, sizeof(id));
    request->endpoint = route_endpoints[request->route];
    if (request->route == ROUTE_ADMIN) {
        admin_reply(server, connection, url, method, request->body, request->body_length,
                    &reply);
        return send_reply(request, connection, &reply, NULL);
    }
    if (!prepare(request, connection, id, &reply))
        return send_reply(request, connection, &reply, NULL);

    fault_registry_match(server->faults, request->endpoint, request->account, request->car,
                         &request->action);
    if (request->action.latency_ms > 0) {
        request->suspended = true;
        MHD_suspend_connection(connection);
        if (!delay_queue_add(server->delays, connection, request->action.latency_ms))
            MHD_resume_connection(connection);
        return MHD_YES;
    }
    return finish(request, connection);
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **context)
{
    struct request *request = *context;

    (void)version;
    if (request == NULL) {
        request = calloc(1, sizeof(*request));
        if (request == NULL)
            return MHD_NO;
        request->server = cls;
        *context = request;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        append_body(request, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (request->suspended) {
        request->suspended = false;
        return finish(request, connection);
    }
    if (request->started)
        return MHD_YES;
    return start(request, connection, url, method);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **context,
                              enum MHD_RequestTerminationCode code)
{
    struct request *request = *context;

    (void)cls, (void)connection, (void)code;
    if (request == NULL)
        return;
    free(request->body);
    free(request);
    *context = NULL;
}

static void log_daemon_message(void *cls, const char *format, va_list args)
{
    char message[512];

    (void)cls;
    vsnprintf(message, sizeof(message), format, args);
    message[strcspn(message, "\n")] = '\0';
    log_warning("libmicrohttpd: %s", message);
}

/* ---- Daemon ------------------------------------------------------------ */

static bool parse_address(const char *address, unsigned port, struct sockaddr_storage *out,
                          bool *ipv6)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;

    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *ipv6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *ipv6 = true;
        return true;
    }
    return false;
}

bool http_start(struct server *server, const struct http_options *options, char *bound,
                size_t bound_size)
{
    struct sockaddr_storage address;
    bool ipv6 = false;

    if (!parse_address(options->address, options->port, &address, &ipv6)) {
        log_error("invalid listen address \"%s\": use a numeric IPv4 or IPv6 address such as "
                  "127.0.0.1 or ::1",
                  options->address);
        return false;
    }
    server->delays = delay_queue_start();
    if (server->delays == NULL)
        return false;

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    server->daemon = MHD_start_daemon(
        flags, (uint16_t)options->port, NULL, NULL, handle_request, server,
        MHD_OPTION_EXTERNAL_LOGGER, log_daemon_message, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_THREAD_POOL_SIZE, options->threads,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, server,
        MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, LISTEN_BACKLOG,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        log_error("cannot listen on %s port %u (address in use or not local?)", options->address,
                  options->port);
        delay_queue_stop(server->delays);
        server->delays = NULL;
        return false;
    }

    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info != NULL ? info->port : options->port;
    snprintf(bound, bound_size, ipv6 ? "[%s]:%u" : "%s:%u", options->address, port);
    return true;
}

void http_stop(struct server *server)
{
    delay_queue_stop(server->delays);
    server->delays = NULL;
    if (server->daemon != NULL)
        MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
}
