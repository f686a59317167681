/* Classification of Tesla REST responses, after TeslaMate's TeslaApi error rules. */
#include "tesla_api.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcome_names[TESLA_API_OUTCOME_COUNT] = {
    [TESLA_API_OK] = "ok",
    [TESLA_API_UNAUTHORIZED] = "unauthorized",
    [TESLA_API_VEHICLE_NOT_FOUND] = "vehicle_not_found",
    [TESLA_API_VEHICLE_IN_SERVICE] = "vehicle_in_service",
    [TESLA_API_VEHICLE_UNAVAILABLE] = "vehicle_unavailable",
    [TESLA_API_TOO_MANY_REQUESTS] = "too_many_requests",
    [TESLA_API_TIMEOUT] = "timeout",
    [TESLA_API_SERVER_ERROR] = "server_error",
    [TESLA_API_CLOSED] = "closed",
    [TESLA_API_TRANSPORT_ERROR] = "transport_error",
    [TESLA_API_MALFORMED_BODY] = "malformed_body",
    [TESLA_API_UNKNOWN] = "unknown",
    [TESLA_API_NOT_SIGNED_IN] = "not_signed_in",
};

_Static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == TESLA_API_OUTCOME_COUNT,
               "outcome_names must name every outcome");

const char *tesla_api_outcome_name(enum tesla_api_outcome outcome)
{
    if (outcome < 0 || outcome >= TESLA_API_OUTCOME_COUNT)
        return "invalid";
    return outcome_names[outcome];
}

/* Length of "digits[.digits]" at the start of text, 0 when it is not one. */
static size_t decimal_length(const char *text)
{
    size_t length = strspn(text, "0123456789");

    if (length == 0)
        return 0;
    if (text[length] == '.') {
        size_t fraction = strspn(text + length + 1, "0123456789");
        if (fraction == 0)
            return 0;
        length += 1 + fraction;
    }
    return length;
}

long tesla_retry_after_s(const char *retry_after)
{
    if (retry_after == NULL)
        return TESLA_DEFAULT_RETRY_AFTER_S;
    while (isspace((unsigned char)*retry_after))
        retry_after++;

    size_t length = decimal_length(retry_after);
    const char *rest = retry_after + length;
    while (isspace((unsigned char)*rest))
        rest++;
    if (length == 0 || *rest != '\0')
        return TESLA_DEFAULT_RETRY_AFTER_S;

    /* Only digits and one dot: strtod() cannot fail, at worst it overflows to HUGE_VAL. */
    double seconds = strtod(retry_after, NULL);
    if (!(seconds <= (double)TESLA_MAX_RETRY_AFTER_S))
        return TESLA_MAX_RETRY_AFTER_S;
    return (long)ceil(seconds);
}

/* Copies text for a log line: cut to the buffer, control bytes as spaces. */
static void copy_message(char *out, size_t size, const char *text, size_t length)
{
    if (length >= size)
        length = size - 1;
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)text[i];
        out[i] = byte < 0x20 || byte == 0x7F ? ' ' : (char)byte;
    }
    out[length] = '\0';
}

/* The body's "error" string, or NULL. */
static const char *error_text(const cJSON *document)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(document, "error");

    return cJSON_IsString(error) ? error->valuestring : NULL;
}

static bool error_equals(const cJSON *document, const char *expected)
{
    const char *error = error_text(document);

    return error != NULL && strcmp(error, expected) == 0;
}

static bool error_starts_with(const cJSON *document, const char *prefix)
{
    const char *error = error_text(document);

    return error != NULL && strncmp(error, prefix, strlen(prefix)) == 0;
}

static enum tesla_api_outcome classify_transport(enum http_transport_error error)
{
    switch (error) {
    case HTTP_TRANSPORT_TIMEOUT:
        return TESLA_API_TIMEOUT;
    case HTTP_TRANSPORT_CLOSED:
        return TESLA_API_CLOSED;
    case HTTP_TRANSPORT_BODY_TOO_LARGE:
        return TESLA_API_MALFORMED_BODY;
    default:
        return TESLA_API_TRANSPORT_ERROR;
    }
}

static enum tesla_api_outcome classify_success(struct tesla_api_classification *classification)
{
    const cJSON *document = classification->document;

    if (document == NULL)
        return TESLA_API_MALFORMED_BODY;
    if (!cJSON_IsObject(document) ||
        !cJSON_HasObjectItem(document, "response"))
        return TESLA_API_UNKNOWN;
    classification->response = cJSON_GetObjectItemCaseSensitive(document, "response");
    return TESLA_API_OK;
}

/* The statuses with a meaning of their own, in TeslaMate's order. */
static enum tesla_api_outcome classify_status(long status, const char *retry_after,
                                              struct tesla_api_classification *classification)
{
    const cJSON *document = classification->document;

    if (status >= 200 && status < 300)
        return classify_success(classification);
    if (status == 401)
        return TESLA_API_UNAUTHORIZED;
    if (status == 404 && error_equals(document, "not_found"))
        return TESLA_API_VEHICLE_NOT_FOUND;
    if (status == 405 && error_equals(document, "vehicle is currently in service"))
        return TESLA_API_VEHICLE_IN_SERVICE;
    if (status == 408 && error_starts_with(document, "vehicle unavailable:"))
        return TESLA_API_VEHICLE_UNAVAILABLE;
    if (status == 429) {
        classification->retry_after_s = tesla_retry_after_s(retry_after);
        return TESLA_API_TOO_MANY_REQUESTS;
    }
    if (status == 403 && error_equals(document, "account disabled: EXCEEDED_LIMIT")) {
        classification->retry_after_s = TESLA_EXCEEDED_LIMIT_RETRY_AFTER_S;
        return TESLA_API_TOO_MANY_REQUESTS;
    }
    if (status == 504)
        return TESLA_API_TIMEOUT;
    if (status >= 500)
        return TESLA_API_SERVER_ERROR;
    return TESLA_API_UNKNOWN;
}

void tesla_api_classify(long status, enum http_transport_error transport_error,
                        const char *retry_after, const char *body, size_t body_length,
                        struct tesla_api_classification *classification)
{
    memset(classification, 0, sizeof(*classification));
    if (body == NULL)
        body_length = 0;

    if (transport_error != HTTP_TRANSPORT_OK) {
        classification->outcome = classify_transport(transport_error);
        copy_message(classification->message, sizeof(classification->message),
                     http_transport_error_name(transport_error),
                     strlen(http_transport_error_name(transport_error)));
        return;
    }

    if (body_length > 0)
        classification->document = cJSON_ParseWithLength(body, body_length);
    classification->outcome = classify_status(status, retry_after, classification);

    if (classification->outcome == TESLA_API_OK)
        return;
    const char *error = error_text(classification->document);
    if (error != NULL)
        copy_message(classification->message, sizeof(classification->message), error,
                     strlen(error));
    else if (body_length > 0)
        copy_message(classification->message, sizeof(classification->message), body,
                     body_length);
}

void tesla_api_classification_clear(struct tesla_api_classification *classification)
{
    cJSON_Delete(classification->document);
    classification->document = NULL;
    classification->response = NULL;
}
