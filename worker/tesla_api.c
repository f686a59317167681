/* The Tesla REST calls of one tenant and TeslaMate's account layer over them. */
#include "tesla_api.h"

#include "auth.h"
#include "log.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tesla_api_endpoint {
    TESLA_ENDPOINT_PRODUCTS,
    TESLA_ENDPOINT_VEHICLE,
    TESLA_ENDPOINT_VEHICLE_DATA,
    TESLA_ENDPOINT_COUNT
};

static const char *const endpoint_names[TESLA_ENDPOINT_COUNT] = {
    [TESLA_ENDPOINT_PRODUCTS] = "products",
    [TESLA_ENDPOINT_VEHICLE] = "vehicle",
    [TESLA_ENDPOINT_VEHICLE_DATA] = "vehicle_data",
};

_Static_assert(sizeof(endpoint_names) / sizeof(endpoint_names[0]) == TESLA_ENDPOINT_COUNT,
               "endpoint_names must name every endpoint");

struct tesla_api_call {
    struct tesla_api *api;
    struct tesla_api_call *previous;
    struct tesla_api_call *next;
    enum tesla_api_endpoint endpoint;
    int64_t vehicle_id;
    int64_t car_id;
    tesla_api_done_fn *done;
    void *context;
    struct http_request *request;       /* NULL while not_signed_in waits for the loop */
    ev_timer not_signed_in_timer;
};

struct tesla_api {
    struct http_client *http;
    const struct tesla_api_config *config;
    struct auth *auth;
    struct tesla_api_call *calls;
    size_t in_flight;
};

struct tesla_api *tesla_api_new(struct http_client *http, const struct tesla_api_config *config,
                                struct auth *auth)
{
    struct tesla_api *api = calloc(1, sizeof(*api));

    if (api == NULL) {
        log_error("cannot create the tesla api client: out of memory");
        return NULL;
    }
    api->http = http;
    api->config = config;
    api->auth = auth;
    return api;
}

void tesla_api_free(struct tesla_api *api)
{
    if (api == NULL)
        return;
    while (api->calls != NULL)
        tesla_api_cancel(api, api->calls);
    free(api);
}

size_t tesla_api_in_flight(const struct tesla_api *api)
{
    return api->in_flight;
}

static void link_call(struct tesla_api *api, struct tesla_api_call *call)
{
    call->next = api->calls;
    if (api->calls != NULL)
        api->calls->previous = call;
    api->calls = call;
    api->in_flight++;
}

static void unlink_call(struct tesla_api *api, struct tesla_api_call *call)
{
    if (call->previous != NULL)
        call->previous->next = call->next;
    else
        api->calls = call->next;
    if (call->next != NULL)
        call->next->previous = call->previous;
    call->previous = NULL;
    call->next = NULL;
    api->in_flight--;
}

void tesla_api_cancel(struct tesla_api *api, struct tesla_api_call *call)
{
    if (api == NULL || call == NULL)
        return;

    http_cancel(api->http, call->request);
    ev_timer_stop(http_client_loop(api->http), &call->not_signed_in_timer);
    unlink_call(api, call);
    free(call);
}

/* ---- finishing a call ---------------------------------------------------- */

static void deliver(struct tesla_api_call *call, const struct tesla_api_result *result)
{
    struct tesla_api *api = call->api;

    unlink_call(api, call);
    call->done(call->context, result);
    free(call);
}

static void log_outcome(const struct tesla_api_call *call, const struct tesla_api_result *result)
{
    const char *endpoint = endpoint_names[call->endpoint];
    const char *outcome = tesla_api_outcome_name(result->outcome);

    switch (result->outcome) {
    case TESLA_API_TOO_MANY_REQUESTS:
        log_car_warning(call->car_id, "%s: rate limited (%ld), retry after %ld s: %s", endpoint,
                        result->http_status, result->retry_after_s, result->message);
        break;
    case TESLA_API_UNAUTHORIZED:
    case TESLA_API_SERVER_ERROR:
    case TESLA_API_MALFORMED_BODY:
    case TESLA_API_UNKNOWN:
    case TESLA_API_TRANSPORT_ERROR:
        log_car_warning(call->car_id, "%s: %s (status %ld, %s): %s", endpoint, outcome,
                        result->http_status, http_transport_error_name(result->transport_error),
                        result->message);
        break;
    default:
        log_car_debug(call->car_id, "%s: %s (status %ld) in %.3f s", endpoint, outcome,
                      result->http_status, result->elapsed_s);
        break;
    }
}

static void on_http_done(void *context, const struct http_response *response)
{
    struct tesla_api_call *call = context;
    struct tesla_api *api = call->api;
    struct tesla_api_classification classification;

    call->request = NULL;
    tesla_api_classify(response->status, response->transport_error, response->retry_after,
                       response->body, response->body_length, &classification);

    struct tesla_api_result result = {
        .outcome = classification.outcome,
        .http_status = response->status,
        .transport_error = response->transport_error,
        .retry_after_s = classification.retry_after_s,
        .message = classification.message,
        .body = response->body,
        .body_length = response->body_length,
        .response = classification.response,
        .vehicle_id = call->vehicle_id,
        .elapsed_s = response->elapsed_s,
    };
    log_outcome(call, &result);

    /* TeslaMate's account layer: a 401 melts the fuse and refreshes, or signs out. */
    if (result.outcome == TESLA_API_UNAUTHORIZED &&
        (api->auth == NULL || !auth_report_unauthorized(api->auth)))
        result.outcome = TESLA_API_NOT_SIGNED_IN;

    deliver(call, &result);
    tesla_api_classification_clear(&classification);
}

static void on_not_signed_in(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct tesla_api_call *call = timer->data;
    struct tesla_api_result result = {
        .outcome = TESLA_API_NOT_SIGNED_IN,
        .transport_error = HTTP_TRANSPORT_OK,
        .message = "not signed in",
        .body = "",
        .vehicle_id = call->vehicle_id,
    };

    (void)loop;
    (void)events;
    log_car_debug(call->car_id, "%s: not signed in, no request sent",
                  endpoint_names[call->endpoint]);
    deliver(call, &result);
}

/* ---- starting a call ----------------------------------------------------- */

/* Writes the URL of an endpoint; false when it does not fit. */
static bool build_url(const struct tesla_api *api, enum tesla_api_endpoint endpoint,
                      int64_t vehicle_id, char *out, size_t size)
{
    enum tesla_region region = api->auth != NULL ? auth_region(api->auth) : TESLA_REGION_GLOBAL;
    const char *base = tesla_api_base_url(api->config, region);
    int length;

    switch (endpoint) {
    case TESLA_ENDPOINT_PRODUCTS:
        length = snprintf(out, size, "%s/api/1/products", base);
        break;
    case TESLA_ENDPOINT_VEHICLE:
        length = snprintf(out, size, "%s/api/1/vehicles/%" PRId64, base, vehicle_id);
        break;
    default: {
        char *endpoints = curl_easy_escape(NULL, TESLA_VEHICLE_DATA_ENDPOINTS, 0);
        if (endpoints == NULL)
            return false;
        length = snprintf(out, size, "%s/api/1/vehicles/%" PRId64 "/vehicle_data?endpoints=%s",
                          base, vehicle_id, endpoints);
        curl_free(endpoints);
        break;
    }
    }
    return length > 0 && (size_t)length < size;
}

static bool send_request(struct tesla_api_call *call, const char *access_token)
{
    const struct tesla_api *api = call->api;
    const struct tesla_api_config *config = api->config;
    const char *bearer = config->proxy_token[0] != '\0' ? config->proxy_token : access_token;
    char url[TESLA_URL_MAX + 512];
    char authorization[TESLA_TOKEN_MAX + 32];
    const char *headers[] = {authorization, "Accept: application/json", NULL};

    if (!build_url(api, call->endpoint, call->vehicle_id, url, sizeof(url))) {
        log_car_error(call->car_id, "%s: URL too long for host \"%s\"",
                      endpoint_names[call->endpoint], tesla_api_base_url(config, TESLA_REGION_GLOBAL));
        return false;
    }
    snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s", bearer);

    struct http_request_options options = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .connect_timeout_ms = config->connect_timeout_ms,
        .total_timeout_ms = config->rest_timeout_ms,
        .max_body_bytes = config->max_body_bytes,
        .user_agent = config->user_agent,
        .car_id = call->car_id,
    };
    call->request = http_submit(api->http, &options, on_http_done, call);
    sodium_memzero(authorization, sizeof(authorization));
    return call->request != NULL;
}

static struct tesla_api_call *start_call(struct tesla_api *api, enum tesla_api_endpoint endpoint,
                                         int64_t vehicle_id, int64_t car_id,
                                         tesla_api_done_fn *done, void *context)
{
    if (api == NULL || done == NULL) {
        log_car_error(car_id, "%s: no client or no callback given", endpoint_names[endpoint]);
        return NULL;
    }

    struct tesla_api_call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        log_car_error(car_id, "%s: out of memory", endpoint_names[endpoint]);
        return NULL;
    }
    *call = (struct tesla_api_call){.api = api, .endpoint = endpoint, .vehicle_id = vehicle_id,
                                    .car_id = car_id, .done = done, .context = context};
    ev_timer_init(&call->not_signed_in_timer, on_not_signed_in, 0.0, 0.0);
    call->not_signed_in_timer.data = call;

    const char *access_token = api->auth != NULL ? auth_access_token(api->auth) : NULL;
    if (access_token == NULL) {
        ev_timer_start(http_client_loop(api->http), &call->not_signed_in_timer);
    } else if (!send_request(call, access_token)) {
        free(call);
        return NULL;
    }
    link_call(api, call);
    return call;
}

struct tesla_api_call *tesla_api_list_products(struct tesla_api *api, tesla_api_done_fn *done,
                                               void *context)
{
    return start_call(api, TESLA_ENDPOINT_PRODUCTS, 0, LOG_NO_CAR, done, context);
}

struct tesla_api_call *tesla_api_get_vehicle(struct tesla_api *api, int64_t vehicle_id,
                                             int64_t car_id, tesla_api_done_fn *done,
                                             void *context)
{
    return start_call(api, TESLA_ENDPOINT_VEHICLE, vehicle_id, car_id, done, context);
}

struct tesla_api_call *tesla_api_get_vehicle_data(struct tesla_api *api, int64_t vehicle_id,
                                                  int64_t car_id, tesla_api_done_fn *done,
                                                  void *context)
{
    return start_call(api, TESLA_ENDPOINT_VEHICLE_DATA, vehicle_id, car_id, done, context);
}
