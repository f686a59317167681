/*
 * geocoder: reverse geocoding through a Nominatim-compatible /reverse
 * endpoint, and the mapping of its response to an addresses row.
 *
 * Contract:
 * - Asynchronous and never blocking: geocoder_lookup() queues a lookup and
 *   returns; its callback runs later from the event loop (never inside
 *   geocoder_lookup() or geocoder_cancel()), exactly once unless the
 *   lookup is cancelled or the geocoder freed first. A callback may queue
 *   and cancel other lookups but must not free the geocoder.
 * - One request per lookup and one request in flight at a time; request
 *   starts are at least interval_s apart (Nominatim's usage policy allows
 *   one request per second on the public server). A request that takes
 *   longer than timeout_s fails.
 * - The circuit breaker is TeslaMate's addr_fuse: 5 failures within 3
 *   minutes are tolerated, the 6th opens it for 15 minutes. Failures are
 *   transport errors, timeouts, HTTP statuses other than 200 and responses
 *   that are not a usable JSON object. A 200 response {"error": "..."} is
 *   Nominatim's "geocoding failed" and no failure; {"error": "Unable to
 *   geocode"} is a success carrying TeslaMate's dummy address "Unknown"
 *   (osm_type "unknown", osm_id 0). While the breaker is open a lookup
 *   ends GEOCODER_UNAVAILABLE without a request.
 * - An empty URL disables the geocoder: geocoder_lookup() then returns
 *   NULL and nothing is ever sent.
 * - Log lines name the request and the error, never the coordinates.
 */
#ifndef TENANTMATE_GEOCODER_H
#define TENANTMATE_GEOCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_client;

#define GEOCODER_DEFAULT_LANGUAGE "en"
#define GEOCODER_DEFAULT_TIMEOUT_S 30.0
#define GEOCODER_DEFAULT_INTERVAL_S 1.5
#define GEOCODER_DEFAULT_QUEUE_MAX 256u

#define GEOCODER_FUSE_MAX_FAILURES 5
#define GEOCODER_FUSE_WINDOW_S 180.0
#define GEOCODER_FUSE_HEAL_S 900.0

/* The columns of an addresses row. Text fields are malloc'd and NULL when
 * absent; blank text is stored as NULL by address_cache. latitude and
 * longitude are the decimal text Nominatim returned (the place's point,
 * not the car's). raw is the whole JSON response. */
struct address {
    char *display_name;
    char *name;
    char *house_number;
    char *road;
    char *neighbourhood;
    char *city;
    char *county;
    char *postcode;
    char *state;
    char *state_district;
    char *country;
    char latitude[40];
    char longitude[40];
    int64_t osm_id;
    char osm_type[32];
    char *raw;
};

/* Frees the text fields and zeroes the struct. */
void address_clear(struct address *address);

enum geocoder_outcome {
    GEOCODER_FOUND,         /* result->address is set, the dummy "Unknown" included */
    GEOCODER_FAILED,        /* Nominatim returned {"error": ...}; not a breaker failure */
    GEOCODER_ERROR,         /* transport, HTTP status or invalid response; a breaker failure */
    GEOCODER_UNAVAILABLE,   /* the breaker was open: no request was sent */
    GEOCODER_OUTCOME_COUNT
};

const char *geocoder_outcome_name(enum geocoder_outcome outcome);

struct geocoder_result {
    enum geocoder_outcome outcome;
    struct address address;     /* owned by the geocoder, valid during the callback */
    char message[256];          /* why, when not GEOCODER_FOUND */
    double latitude;            /* the point looked up */
    double longitude;
};

/* ---- pure helpers ------------------------------------------------------ */

/*
 * Maps one /reverse response (HTTP status and body) to an address, by
 * TeslaMate's rules: "first of" lists of address keys, top-level name
 * before namedetails. GEOCODER_FOUND fills *address (the caller clears
 * it); GEOCODER_FAILED and GEOCODER_ERROR write the reason into message.
 * Never returns GEOCODER_UNAVAILABLE.
 */
enum geocoder_outcome geocoder_parse_reverse(long status, const char *body, size_t length,
                                             struct address *address, char *message,
                                             size_t message_size);

/* <base_url>/reverse?format=jsonv2&addressdetails=1&extratags=1&
 * namedetails=1&zoom=19&lat=<lat>&lon=<lon>, with each coordinate as its
 * shortest decimal text. Returns false when it does not fit. */
bool geocoder_reverse_url(const char *base_url, double latitude, double longitude, char *out,
                          size_t size);

/* ---- configuration ----------------------------------------------------- */

struct geocoder_config {
    char url[512];              /* the base URL; "" disables geocoding */
    char language[64];          /* the Accept-Language header */
    char user_agent[128];
    double timeout_s;
    double interval_s;          /* the minimum time between two request starts */
    size_t queue_max;           /* lookups waiting beyond this are rejected */
};

/* Defaults: disabled, "en", 30 s, 1.5 s, 256 lookups, user agent
 * "tenantmate/<version>". */
void geocoder_config_defaults(struct geocoder_config *config, const char *version);

/* Reads TENANTMATE_GEOCODER_URL, TENANTMATE_GEOCODER_LANGUAGE,
 * TENANTMATE_GEOCODER_TIMEOUT and TENANTMATE_GEOCODER_INTERVAL over the
 * values in *config. Returns false, after logging which variable is
 * invalid, when one of them is. */
bool geocoder_config_from_env(struct geocoder_config *config);

/* ---- the client -------------------------------------------------------- */

typedef void geocoder_done_fn(void *context, const struct geocoder_result *result);

struct geocoder_counters {
    uint64_t requests;
    uint64_t found;
    uint64_t failed;
    uint64_t errors;
    uint64_t unavailable;
    uint64_t rejected;          /* queue full */
};

struct geocoder;
struct geocoder_lookup;

/* Borrows http (and its loop) for the geocoder's lifetime. Returns NULL,
 * after logging why, when the configuration is invalid. */
struct geocoder *geocoder_new(struct http_client *http, const struct geocoder_config *config);

/* Cancels every lookup without calling back. NULL is ignored. */
void geocoder_free(struct geocoder *geocoder);

bool geocoder_enabled(const struct geocoder *geocoder);

/* Queues a lookup of (latitude, longitude). Returns NULL, and the callback
 * is never called, when the geocoder is disabled or config.queue_max
 * lookups are waiting already (logged). */
struct geocoder_lookup *geocoder_lookup(struct geocoder *geocoder, double latitude,
                                        double longitude, geocoder_done_fn *done,
                                        void *context);

/* Drops a queued or running lookup; its callback is not called. NULL is
 * ignored. */
void geocoder_cancel(struct geocoder *geocoder, struct geocoder_lookup *lookup);

/* True while the breaker is open; *heal_in_s (may be NULL) gets the
 * seconds until it closes. */
bool geocoder_breaker_open(struct geocoder *geocoder, double *heal_in_s);

/* Lookups queued or in flight. */
size_t geocoder_pending(const struct geocoder *geocoder);

struct geocoder_counters geocoder_counters(const struct geocoder *geocoder);

#endif
