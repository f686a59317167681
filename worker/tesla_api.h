/*
 * tesla_api: the REST client of one tenant for the Tesla Owner API and
 * Fleet API (the paths are the same, and TESLA_API_HOST picks the
 * service), with the classification of every response.
 *
 * Contract:
 * - tesla_api_config_from_env() reads the configuration once; the config
 *   holds the TOKEN proxy secret, so wipe it with tesla_api_config_wipe().
 * - tesla_api_classify() is pure: no I/O, no clock, no logging.
 * - A struct tesla_api borrows its http_client, config and auth, which
 *   must outlive it. Each call returns a handle, or NULL after logging why
 *   it could not start. Its done callback runs exactly once unless the
 *   call is cancelled, always from the event loop and never from inside
 *   the function that started it: without an access token the
 *   not_signed_in result comes on the next loop iteration, with no HTTP
 *   request. The result and everything it points to (body, parsed
 *   response) are valid only during the callback; the handle is invalid
 *   once the callback starts.
 * - A 401 goes to auth_report_unauthorized() before the callback runs,
 *   which melts the unauthorized fuse and starts a refresh, or signs the
 *   account out (the auth signed_out callback then runs first, and the
 *   result is not_signed_in).
 * - Callbacks may start and cancel calls; they must not free the
 *   tesla_api. tesla_api_free() cancels the calls in flight without
 *   calling back; free it before the auth and the http_client.
 * - Log lines carry the car id; URLs are redacted by common/http, and no
 *   token is ever logged.
 */
#ifndef TENANTMATE_TESLA_API_H
#define TENANTMATE_TESLA_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define TESLA_URL_MAX 512
#define TESLA_TOKEN_MAX 8192
#define TESLA_CLIENT_ID_MAX 256

#define TESLA_GLOBAL_API_HOST "https://owner-api.teslamotors.com"
#define TESLA_CHINA_API_HOST "https://owner-api.vn.cloud.tesla.cn"
#define TESLA_DEFAULT_AUTH_HOST "https://auth.tesla.com"
#define TESLA_DEFAULT_AUTH_PATH "/oauth2/v3"
#define TESLA_DEFAULT_CLIENT_ID "ownerapi"

/* The endpoints list of vehicle_data, sent www-form encoded (';' as %3B). */
#define TESLA_VEHICLE_DATA_ENDPOINTS                                                   \
    "charge_state;climate_state;closures_state;drive_state;gui_settings;location_data;" \
    "vehicle_config;vehicle_state;vehicle_data_combo"

#define TESLA_REST_TIMEOUT_MS 35000L
#define TESLA_AUTH_TIMEOUT_MS 60000L
/* tenantmate's choice; TeslaMate leaves the connect timeout to its pool. */
#define TESLA_CONNECT_TIMEOUT_MS 15000L

/* 429 without a usable Retry-After, and the limits on one. */
#define TESLA_DEFAULT_RETRY_AFTER_S 300L
#define TESLA_EXCEEDED_LIMIT_RETRY_AFTER_S 900L
#define TESLA_MAX_RETRY_AFTER_S 86400L

enum tesla_region {
    TESLA_REGION_GLOBAL,
    TESLA_REGION_CHINA,
    TESLA_REGION_OTHER,         /* treated like global */
    TESLA_REGION_COUNT
};

struct tesla_api_config {
    char api_host[TESLA_URL_MAX];       /* TESLA_API_HOST; "" when unset: the region decides */
    char auth_host[TESLA_URL_MAX];      /* TESLA_AUTH_HOST; "" when unset */
    char auth_path[TESLA_URL_MAX];      /* TESLA_AUTH_PATH; "" when unset */
    char client_id[TESLA_CLIENT_ID_MAX];/* TESLA_AUTH_CLIENT_ID or "ownerapi" */
    char proxy_token[TESLA_TOKEN_MAX];  /* TOKEN, normalised; "" when unset. A secret. */
    char user_agent[64];                /* "tenantmate/<version>" */
    long rest_timeout_ms;
    long auth_timeout_ms;
    long connect_timeout_ms;
    size_t max_body_bytes;
};

/* Fills the defaults: global hosts, client id "ownerapi", no TOKEN. */
void tesla_api_config_defaults(struct tesla_api_config *config, const char *version);

/* Reads TESLA_API_HOST, TESLA_AUTH_HOST, TESLA_AUTH_PATH,
 * TESLA_AUTH_CLIENT_ID and TOKEN over the defaults. Returns false after
 * logging which variable is invalid (a host that is not an http:// or
 * https:// URL, a value too long), never printing TOKEN. */
bool tesla_api_config_from_env(struct tesla_api_config *config, const char *version);

void tesla_api_config_wipe(struct tesla_api_config *config);

/*
 * Normalises a TOKEN value: trims white space and strips a leading
 * "?token=" or "token=" (the legacy format). Writes "" when nothing is
 * left, which means unset. Returns false when the result does not fit or
 * contains a byte outside visible ASCII, since it goes into a header.
 */
bool tesla_token_normalise(const char *value, char *out, size_t size);

/* The region of an issuer URL: host ending in ".cn" is China, ".com" global. */
enum tesla_region tesla_region_from_issuer(const char *issuer_url);
const char *tesla_region_name(enum tesla_region region);

/* TESLA_API_HOST when set, else the region's Owner API host. */
const char *tesla_api_base_url(const struct tesla_api_config *config, enum tesla_region region);

enum tesla_api_outcome {
    TESLA_API_OK,                       /* 2xx with a "response" member */
    TESLA_API_UNAUTHORIZED,             /* 401 */
    TESLA_API_VEHICLE_NOT_FOUND,        /* 404 {"error":"not_found"} */
    TESLA_API_VEHICLE_IN_SERVICE,       /* 405 "vehicle is currently in service" */
    TESLA_API_VEHICLE_UNAVAILABLE,      /* 408 "vehicle unavailable: ..." */
    TESLA_API_TOO_MANY_REQUESTS,        /* 429, or 403 "account disabled: EXCEEDED_LIMIT" */
    TESLA_API_TIMEOUT,                  /* 504, or the request timed out */
    TESLA_API_SERVER_ERROR,             /* other 5xx (TeslaMate: unknown) */
    TESLA_API_CLOSED,                   /* connection closed, nothing or part received */
    TESLA_API_TRANSPORT_ERROR,          /* refused, DNS, TLS, redirects, other */
    TESLA_API_MALFORMED_BODY,           /* 2xx that is not JSON, or a body over the cap */
    TESLA_API_UNKNOWN,                  /* any other status or body */
    TESLA_API_NOT_SIGNED_IN,            /* no access token: no request was sent */
    TESLA_API_OUTCOME_COUNT
};

const char *tesla_api_outcome_name(enum tesla_api_outcome outcome);

struct tesla_api_classification {
    enum tesla_api_outcome outcome;
    long retry_after_s;                 /* TESLA_API_TOO_MANY_REQUESTS only, else 0 */
    char message[256];                  /* the body's "error", or its start; "" when none */
    cJSON *document;                    /* the parsed body, NULL when it is not JSON */
    const cJSON *response;              /* the "response" member on TESLA_API_OK */
};

/*
 * Classifies one response of the REST endpoints, in TeslaMate's order: 2xx
 * with "response", 401, 404 not_found, 405 in service, 408 unavailable,
 * 429, 403 EXCEEDED_LIMIT, 504, other 5xx, anything else. retry_after is
 * the Retry-After header or NULL. The message is cut to its buffer and has
 * control characters replaced, so it can be logged.
 * Free with tesla_api_classification_clear().
 */
void tesla_api_classify(long status, enum http_transport_error transport_error,
                        const char *retry_after, const char *body, size_t body_length,
                        struct tesla_api_classification *classification);

void tesla_api_classification_clear(struct tesla_api_classification *classification);

/* Seconds to wait from a Retry-After value: whole (or fractional, rounded
 * up) seconds, at most TESLA_MAX_RETRY_AFTER_S; TESLA_DEFAULT_RETRY_AFTER_S
 * when NULL or not a non-negative number (an HTTP date, for one). */
long tesla_retry_after_s(const char *retry_after);

struct tesla_api_result {
    enum tesla_api_outcome outcome;
    long http_status;                   /* 0 without a response */
    enum http_transport_error transport_error;
    long retry_after_s;
    const char *message;                /* never NULL */
    const char *body;                   /* the raw body, "" when none */
    size_t body_length;
    const cJSON *response;              /* the "response" member on TESLA_API_OK */
    int64_t vehicle_id;                 /* the id asked for; 0 for the product list */
    double elapsed_s;
};

typedef void tesla_api_done_fn(void *context, const struct tesla_api_result *result);

struct auth;
struct tesla_api;
struct tesla_api_call;

/* auth may be NULL: every call is then not_signed_in. */
struct tesla_api *tesla_api_new(struct http_client *http, const struct tesla_api_config *config,
                                struct auth *auth);
void tesla_api_free(struct tesla_api *api);

/* GET /api/1/products. The body is the vehicle list for vehicle_parse_list(). */
struct tesla_api_call *tesla_api_list_products(struct tesla_api *api, tesla_api_done_fn *done,
                                               void *context);

/* GET /api/1/vehicles/{vehicle_id}: the state without waking the car.
 * car_id only labels log lines (LOG_NO_CAR when there is no car yet). */
struct tesla_api_call *tesla_api_get_vehicle(struct tesla_api *api, int64_t vehicle_id,
                                             int64_t car_id, tesla_api_done_fn *done,
                                             void *context);

/* GET /api/1/vehicles/{vehicle_id}/vehicle_data?endpoints=... */
struct tesla_api_call *tesla_api_get_vehicle_data(struct tesla_api *api, int64_t vehicle_id,
                                                  int64_t car_id, tesla_api_done_fn *done,
                                                  void *context);

/* Stops a call; its callback is not called. NULL is ignored. */
void tesla_api_cancel(struct tesla_api *api, struct tesla_api_call *call);

size_t tesla_api_in_flight(const struct tesla_api *api);

#endif
