/*
 * The error bodies and headers Tesla sends, as recorded from the Owner
 * API, the Fleet API and auth.tesla.com (401, 403, 404, 405, 408, 421,
 * 429 and the token endpoint's login_required), and reply helpers.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

const char *const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

void reply_json(struct reply *reply, unsigned status, cJSON *json)
{
    reply->status = status;
    reply->json = json;
    reply->content_type = JSON_CONTENT_TYPE;
}

void reply_add_header(struct reply *reply, const char *name, const char *format, ...)
{
    va_list args;

    if (reply->header_count >= REPLY_HEADERS_MAX)
        return;
    struct reply_header *header = &reply->headers[reply->header_count++];
    header->name = name;
    va_start(args, format);
    vsnprintf(header->value, sizeof(header->value), format, args);
    va_end(args);
}

void reply_free(struct reply *reply)
{
    cJSON_Delete(reply->json);
    free(reply->text);
    reply->json = NULL;
    reply->text = NULL;
}

cJSON *error_envelope(const char *error)
{
    cJSON *body = cJSON_CreateObject();

    cJSON_AddNullToObject(body, "response");
    cJSON_AddStringToObject(body, "error", error);
    cJSON_AddStringToObject(body, "error_description", "");
    return body;
}

static cJSON *bare_error(const char *error)
{
    cJSON *body = cJSON_CreateObject();

    cJSON_AddStringToObject(body, "error", error);
    return body;
}

void reply_invalid_token(struct reply *reply)
{
    reply_json(reply, 401, bare_error("invalid bearer token"));
}

void reply_expired_token(struct reply *reply)
{
    reply_json(reply, 401, bare_error("token expired (401)"));
}

void reply_not_found(struct reply *reply)
{
    reply_json(reply, 404, error_envelope("not_found"));
}

void reply_login_required(struct reply *reply)
{
    cJSON *body = cJSON_CreateObject();
    unsigned char random[16];
    char reference[sizeof(random) * 2 + 1];

    randombytes_buf(random, sizeof(random));
    sodium_bin2hex(reference, sizeof(reference), random, sizeof(random));
    cJSON_AddStringToObject(body, "error", "login_required");
    cJSON_AddStringToObject(body, "error_description", "Login required");
    cJSON_AddStringToObject(body, "referenceID", reference);
    reply_json(reply, 401, body);
}

void reply_vehicle_unavailable(struct reply *reply, enum api_flavor flavor)
{
    /* The Owner API embeds a Ruby hash in the message; the Fleet API does not. */
    const char *error = flavor == API_FLAVOR_OWNER
                            ? "vehicle unavailable: {:error=>\"vehicle unavailable:\"}"
                            : "vehicle unavailable: vehicle is offline or asleep";

    reply_json(reply, 408, error_envelope(error));
}

static void reply_rate_limited(struct reply *reply, long retry_after_s)
{
    char text[64];

    /* Tesla sends the 429 body as plain text and no Content-Type. */
    snprintf(text, sizeof(text), "Retry in %ld seconds", retry_after_s);
    reply->status = 429;
    reply->text = strdup(text);
    reply->content_type = NULL;
    reply_add_header(reply, "RateLimit-Limit", "%d", 200);
    reply_add_header(reply, "RateLimit-Remaining", "%d", 0);
    reply_add_header(reply, "RateLimit-Reset", "%ld", retry_after_s);
    reply_add_header(reply, "Retry-After", "%ld", retry_after_s);
}

void reply_fault_status(struct reply *reply, const struct fault_spec *fault,
                        enum api_flavor flavor, enum endpoint endpoint)
{
    switch (fault->status) {
    case 401:
        if (endpoint == ENDPOINT_TOKEN)
            reply_login_required(reply);
        else
            reply_expired_token(reply);
        return;
    case 403:
        reply_json(reply, 403, error_envelope("account disabled: EXCEEDED_LIMIT"));
        return;
    case 404:
        reply_not_found(reply);
        return;
    case 405:
        reply_json(reply, 405, error_envelope("vehicle is currently in service"));
        return;
    case 408:
        if (fault->timeout_body)
            reply_json(reply, 408, error_envelope("{\"error\": \"timeout\"}"));
        else
            reply_vehicle_unavailable(reply, flavor);
        return;
    case 421:
        reply_json(reply, 421,
                   error_envelope("user out of region, use base URL: "
                                  "https://fleet-api.prd.eu.vn.cloud.tesla.com, see https://..."));
        return;
    case 429:
        reply_rate_limited(reply, fault->retry_after_s);
        return;
    default:
        break;
    }
    /* NOTE: no 500 or 503 body was recorded; the Fleet API has been seen
     * sending the "vehicle unavailable" body with both, so that is sent. */
    reply_json(reply, fault->status,
               error_envelope("vehicle unavailable: vehicle is offline or asleep"));
}
