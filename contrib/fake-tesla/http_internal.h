/*
 * http_internal: what the HTTP front end (http.c), the Tesla API handlers
 * (api.c), the admin handlers (admin.c) and the recorded error bodies
 * (responses.c) share. Not for use outside the HTTP layer.
 *
 * A handler fills a struct reply; http.c applies any fault to it, sends
 * it and counts it. Replies own their body (JSON tree or text).
 */
#ifndef FAKE_TESLA_HTTP_INTERNAL_H
#define FAKE_TESLA_HTTP_INTERNAL_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "faults.h"
#include "server.h"

#define REPLY_HEADERS_MAX 6

struct reply_header {
    const char *name;
    char value[48];
};

struct reply {
    unsigned status;
    cJSON *json;                    /* the body as JSON, or */
    char *text;                     /* the body as text (malloc'd) */
    const char *content_type;       /* NULL: no Content-Type header */
    struct reply_header headers[REPLY_HEADERS_MAX];
    size_t header_count;
};

enum route {
    ROUTE_ADMIN,
    ROUTE_PRODUCTS,
    ROUTE_VEHICLES,
    ROUTE_SUMMARY,
    ROUTE_VEHICLE_DATA,
    ROUTE_TOKEN,
    ROUTE_OTHER,
    ROUTE_COUNT
};

/* One HTTP request, from its first header to its completion. */
struct request {
    struct server *server;
    enum route route;
    enum endpoint endpoint;
    char *body;
    size_t body_length;
    bool body_too_large;
    bool started;                   /* routed, authenticated and counted */
    bool suspended;                 /* waiting for a latency fault */
    struct account *account;
    struct car *car;
    struct counters *counters;      /* NULL for admin requests */
    struct fault_action action;
};

#define REQUEST_BODY_MAX (64 * 1024)

extern const char *const JSON_CONTENT_TYPE;

void reply_json(struct reply *reply, unsigned status, cJSON *json);
void reply_add_header(struct reply *reply, const char *name, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void reply_free(struct reply *reply);

/* {"response": null, "error": error, "error_description": ""} */
cJSON *error_envelope(const char *error);

/* Fills the reply with the body and headers Tesla sends with the fault's
 * status (see faults.h), for an API endpoint or the token endpoint. */
void reply_fault_status(struct reply *reply, const struct fault_spec *fault,
                        enum api_flavor flavor, enum endpoint endpoint);

/* 408 for vehicle_data on a car that is asleep or offline. */
void reply_vehicle_unavailable(struct reply *reply, enum api_flavor flavor);

/* 401 for a missing or unknown access token, and for an expired one. */
void reply_invalid_token(struct reply *reply);
void reply_expired_token(struct reply *reply);

/* 401 login_required from the token endpoint (reused or unknown refresh token). */
void reply_login_required(struct reply *reply);

void reply_not_found(struct reply *reply);

/* Fills the reply of a routed API request. Without `commit` nothing
 * changes (no trace advance, no token rotation): the reply is only the
 * body a fault will damage. */
void api_reply(struct request *request, struct MHD_Connection *connection, bool commit,
               struct reply *reply);

struct token_request {
    char grant_type[32];
    char refresh_token[512];
};

/* Reads grant_type and refresh_token from the request body, JSON or
 * form-encoded; false when the body is neither. */
bool api_parse_token_request(struct request *request, struct MHD_Connection *connection,
                             struct token_request *out);

/* Fills the reply to a /_fake/... request. */
void admin_reply(struct server *server, struct MHD_Connection *connection, const char *url,
                 const char *method, const char *body, size_t body_length, struct reply *reply);

#endif
