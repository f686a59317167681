/* The asynchronous geocoder: a queue of lookups, one request in flight,
 * paced by a timer, behind the address breaker. */
#include "geocoder.h"

#include "env.h"
#include "fuse.h"
#include "http.h"
#include "log.h"

#include <ev.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEOCODER_CONNECT_TIMEOUT_MS 10000L

static const char *const geocoder_outcome_names[GEOCODER_OUTCOME_COUNT] = {
    [GEOCODER_FOUND] = "found",
    [GEOCODER_FAILED] = "failed",
    [GEOCODER_ERROR] = "error",
    [GEOCODER_UNAVAILABLE] = "unavailable",
};

_Static_assert(sizeof(geocoder_outcome_names) / sizeof(geocoder_outcome_names[0]) ==
                   GEOCODER_OUTCOME_COUNT,
               "geocoder_outcome_names must name every outcome");

const char *geocoder_outcome_name(enum geocoder_outcome outcome)
{
    if (outcome < 0 || outcome >= GEOCODER_OUTCOME_COUNT)
        return "invalid";
    return geocoder_outcome_names[outcome];
}

struct geocoder_lookup {
    struct geocoder *geocoder;
    struct geocoder_lookup *next;
    struct geocoder_lookup *previous;
    double latitude;
    double longitude;
    geocoder_done_fn *done;
    void *context;
    struct http_request *request;
};

struct geocoder {
    struct geocoder_config config;
    struct http_client *http;
    struct ev_loop *loop;
    ev_timer pace_timer;
    struct fuse fuse;
    struct geocoder_lookup *first;      /* waiting, oldest first */
    struct geocoder_lookup *last;
    size_t queued;
    struct geocoder_lookup *in_flight;
    bool started_any;
    double last_start_s;                /* monotonic */
    struct geocoder_counters counters;
};

static double monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* ---- configuration ----------------------------------------------------- */

void geocoder_config_defaults(struct geocoder_config *config, const char *version)
{
    memset(config, 0, sizeof(*config));
    snprintf(config->language, sizeof(config->language), "%s", GEOCODER_DEFAULT_LANGUAGE);
    snprintf(config->user_agent, sizeof(config->user_agent), "tenantmate/%s",
             version != NULL ? version : "unknown");
    config->timeout_s = GEOCODER_DEFAULT_TIMEOUT_S;
    config->interval_s = GEOCODER_DEFAULT_INTERVAL_S;
    config->queue_max = GEOCODER_DEFAULT_QUEUE_MAX;
}

static bool valid_url(const char *url)
{
    return url[0] == '\0' || strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* An Accept-Language value: printable ASCII, so it cannot end the header
 * line early. */
static bool valid_language(const char *language)
{
    if (language[0] == '\0')
        return false;
    for (const char *c = language; *c != '\0'; c++) {
        if (*c < 0x20 || *c > 0x7e)
            return false;
    }
    return true;
}

static bool copy_setting(const char *name, const char *value, char *out, size_t size)
{
    if (strlen(value) >= size) {
        log_error("%s is longer than %zu bytes", name, size - 1);
        return false;
    }
    memmove(out, value, strlen(value) + 1);
    return true;
}

bool geocoder_config_from_env(struct geocoder_config *config)
{
    const char *url;
    const char *language;

    if (!env_string("TENANTMATE_GEOCODER_URL", config->url, &url) ||
        !env_string("TENANTMATE_GEOCODER_LANGUAGE", config->language, &language) ||
        !env_seconds("TENANTMATE_GEOCODER_TIMEOUT", config->timeout_s, 1.0, 300.0,
                     &config->timeout_s) ||
        !env_seconds("TENANTMATE_GEOCODER_INTERVAL", config->interval_s, 0.0, 3600.0,
                     &config->interval_s))
        return false;

    if (!valid_url(url)) {
        log_error("invalid TENANTMATE_GEOCODER_URL \"%s\": expected the http:// or https:// base "
                  "URL of a Nominatim server (\"/reverse\" is appended), or empty to turn "
                  "reverse geocoding off",
                  url);
        return false;
    }
    if (!valid_language(language)) {
        log_error("invalid TENANTMATE_GEOCODER_LANGUAGE \"%s\": expected an Accept-Language "
                  "value such as \"en\" or \"de,en;q=0.8\"",
                  language);
        return false;
    }
    return copy_setting("TENANTMATE_GEOCODER_URL", url, config->url, sizeof(config->url)) &&
           copy_setting("TENANTMATE_GEOCODER_LANGUAGE", language, config->language,
                        sizeof(config->language));
}

/* ---- the queue --------------------------------------------------------- */

static void unlink_lookup(struct geocoder *geocoder, struct geocoder_lookup *lookup)
{
    if (lookup->previous != NULL)
        lookup->previous->next = lookup->next;
    else
        geocoder->first = lookup->next;
    if (lookup->next != NULL)
        lookup->next->previous = lookup->previous;
    else
        geocoder->last = lookup->previous;
    lookup->next = NULL;
    lookup->previous = NULL;
    geocoder->queued--;
}

static void append_lookup(struct geocoder *geocoder, struct geocoder_lookup *lookup)
{
    lookup->previous = geocoder->last;
    if (geocoder->last != NULL)
        geocoder->last->next = lookup;
    else
        geocoder->first = lookup;
    geocoder->last = lookup;
    geocoder->queued++;
}

/* Arms the timer for the next request start, when a lookup waits and
 * nothing is in flight. */
static void schedule_next(struct geocoder *geocoder)
{
    if (geocoder->first == NULL || geocoder->in_flight != NULL ||
        ev_is_active(&geocoder->pace_timer))
        return;

    double delay_s = 0.0;
    if (geocoder->started_any)
        delay_s = geocoder->last_start_s + geocoder->config.interval_s - monotonic_s();
    ev_timer_set(&geocoder->pace_timer, delay_s > 0.0 ? delay_s : 0.0, 0.0);
    ev_timer_start(geocoder->loop, &geocoder->pace_timer);
}

static void count_outcome(struct geocoder *geocoder, enum geocoder_outcome outcome)
{
    switch (outcome) {
    case GEOCODER_FOUND:
        geocoder->counters.found++;
        break;
    case GEOCODER_FAILED:
        geocoder->counters.failed++;
        break;
    case GEOCODER_ERROR:
        geocoder->counters.errors++;
        break;
    default:
        geocoder->counters.unavailable++;
        break;
    }
}

/* Calls back and frees the lookup; the result's address is freed after. */
static void finish(struct geocoder *geocoder, struct geocoder_lookup *lookup,
                   struct geocoder_result *result)
{
    result->latitude = lookup->latitude;
    result->longitude = lookup->longitude;
    count_outcome(geocoder, result->outcome);
    lookup->done(lookup->context, result);
    address_clear(&result->address);
    free(lookup);
}

static void melt(struct geocoder *geocoder, uint64_t request_id, const char *message)
{
    if (fuse_melt(&geocoder->fuse, monotonic_s()))
        log_warning("geocoder request %" PRIu64 " failed: %s; %u failures within %.0f s opened "
                    "the breaker: no request for %.0f s",
                    request_id, message, geocoder->fuse.max_melts + 1, geocoder->fuse.window_s,
                    geocoder->fuse.heal_s);
    else
        log_warning("geocoder request %" PRIu64 " failed: %s", request_id, message);
}

static void describe_transport_error(const struct geocoder *geocoder,
                                     const struct http_response *response,
                                     struct geocoder_result *result)
{
    if (response->transport_error == HTTP_TRANSPORT_TIMEOUT)
        snprintf(result->message, sizeof(result->message), "timed out after %.1f s (%s)",
                 geocoder->config.timeout_s, response->error_detail);
    else
        snprintf(result->message, sizeof(result->message), "%s (%s)",
                 http_transport_error_name(response->transport_error), response->error_detail);
}

static void on_response(void *context, const struct http_response *response)
{
    struct geocoder_lookup *lookup = context;
    struct geocoder *geocoder = lookup->geocoder;
    struct geocoder_result result;

    memset(&result, 0, sizeof(result));
    geocoder->in_flight = NULL;
    lookup->request = NULL;

    if (response->transport_error != HTTP_TRANSPORT_OK) {
        result.outcome = GEOCODER_ERROR;
        describe_transport_error(geocoder, response, &result);
    } else {
        result.outcome = geocoder_parse_reverse(response->status, response->body,
                                                response->body_length, &result.address,
                                                result.message, sizeof(result.message));
    }

    if (result.outcome == GEOCODER_ERROR)
        melt(geocoder, response->request_id, result.message);
    else if (result.outcome == GEOCODER_FAILED)
        log_info("geocoder request %" PRIu64 ": %s", response->request_id, result.message);
    else
        log_debug("geocoder request %" PRIu64 ": found %s %" PRId64 " in %.2f s",
                  response->request_id, result.address.osm_type, result.address.osm_id,
                  response->elapsed_s);

    finish(geocoder, lookup, &result);
    schedule_next(geocoder);
}

static bool start_request(struct geocoder *geocoder, struct geocoder_lookup *lookup,
                          struct geocoder_result *result)
{
    char url[sizeof(geocoder->config.url) + 160];
    char language_header[sizeof(geocoder->config.language) + 32];
    const char *headers[] = {language_header, NULL};

    if (!geocoder_reverse_url(geocoder->config.url, lookup->latitude, lookup->longitude, url,
                              sizeof(url))) {
        snprintf(result->message, sizeof(result->message), "invalid point or URL too long");
        return false;
    }
    snprintf(language_header, sizeof(language_header), "Accept-Language: %s",
             geocoder->config.language);

    const struct http_request_options options = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .connect_timeout_ms = GEOCODER_CONNECT_TIMEOUT_MS,
        .total_timeout_ms = (long)(geocoder->config.timeout_s * 1000.0),
        .user_agent = geocoder->config.user_agent,
        .car_id = LOG_NO_CAR,
    };
    lookup->request = http_submit(geocoder->http, &options, on_response, lookup);
    if (lookup->request == NULL) {
        snprintf(result->message, sizeof(result->message), "the request could not be started");
        return false;
    }
    geocoder->in_flight = lookup;
    geocoder->started_any = true;
    geocoder->last_start_s = monotonic_s();
    geocoder->counters.requests++;
    return true;
}

/* Starts the oldest waiting lookup, or ends it at once when the breaker
 * is open or the request cannot start. */
static void on_pace_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct geocoder *geocoder = timer->data;
    struct geocoder_lookup *lookup = geocoder->first;
    struct geocoder_result result;

    (void)loop;
    (void)events;
    if (lookup == NULL || geocoder->in_flight != NULL)
        return;
    unlink_lookup(geocoder, lookup);
    memset(&result, 0, sizeof(result));

    if (fuse_is_blown(&geocoder->fuse, monotonic_s())) {
        result.outcome = GEOCODER_UNAVAILABLE;
        snprintf(result.message, sizeof(result.message), "the geocoder breaker is open");
    } else if (start_request(geocoder, lookup, &result)) {
        return;
    } else {
        result.outcome = GEOCODER_ERROR;
        log_warning("geocoder lookup failed: %s", result.message);
    }
    finish(geocoder, lookup, &result);
    schedule_next(geocoder);
}

/* ---- public ------------------------------------------------------------ */

struct geocoder *geocoder_new(struct http_client *http, const struct geocoder_config *config)
{
    if (!valid_url(config->url) || !valid_language(config->language) ||
        !(config->timeout_s > 0.0) || !(config->interval_s >= 0.0) || config->queue_max == 0) {
        log_error("invalid geocoder configuration: URL \"%s\", language \"%s\", timeout %.1f s, "
                  "interval %.1f s, queue %zu",
                  config->url, config->language, config->timeout_s, config->interval_s,
                  config->queue_max);
        return NULL;
    }

    struct geocoder *geocoder = calloc(1, sizeof(*geocoder));
    if (geocoder == NULL) {
        log_error("out of memory for the geocoder");
        return NULL;
    }
    geocoder->config = *config;
    geocoder->http = http;
    geocoder->loop = http_client_loop(http);
    fuse_init(&geocoder->fuse, GEOCODER_FUSE_MAX_FAILURES, GEOCODER_FUSE_WINDOW_S,
              GEOCODER_FUSE_HEAL_S);
    ev_timer_init(&geocoder->pace_timer, on_pace_timer, 0.0, 0.0);
    geocoder->pace_timer.data = geocoder;
    return geocoder;
}

void geocoder_free(struct geocoder *geocoder)
{
    if (geocoder == NULL)
        return;
    /* The queue goes first: cancelling the lookup in flight would
     * otherwise arm the timer for the next one. */
    while (geocoder->first != NULL)
        geocoder_cancel(geocoder, geocoder->first);
    if (geocoder->in_flight != NULL)
        geocoder_cancel(geocoder, geocoder->in_flight);
    ev_timer_stop(geocoder->loop, &geocoder->pace_timer);
    free(geocoder);
}

bool geocoder_enabled(const struct geocoder *geocoder)
{
    return geocoder != NULL && geocoder->config.url[0] != '\0';
}

struct geocoder_lookup *geocoder_lookup(struct geocoder *geocoder, double latitude,
                                        double longitude, geocoder_done_fn *done,
                                        void *context)
{
    if (!geocoder_enabled(geocoder))
        return NULL;
    if (geocoder->queued >= geocoder->config.queue_max) {
        geocoder->counters.rejected++;
        log_warning("geocoder queue full (%zu lookups waiting): lookup dropped; the repair "
                    "service fills the address later",
                    geocoder->queued);
        return NULL;
    }

    struct geocoder_lookup *lookup = calloc(1, sizeof(*lookup));
    if (lookup == NULL) {
        log_error("out of memory for a geocoder lookup");
        return NULL;
    }
    lookup->geocoder = geocoder;
    lookup->latitude = latitude;
    lookup->longitude = longitude;
    lookup->done = done;
    lookup->context = context;
    append_lookup(geocoder, lookup);
    schedule_next(geocoder);
    return lookup;
}

void geocoder_cancel(struct geocoder *geocoder, struct geocoder_lookup *lookup)
{
    if (geocoder == NULL || lookup == NULL)
        return;
    if (lookup == geocoder->in_flight) {
        http_cancel(geocoder->http, lookup->request);
        geocoder->in_flight = NULL;
        free(lookup);
        schedule_next(geocoder);
        return;
    }
    unlink_lookup(geocoder, lookup);
    free(lookup);
}

bool geocoder_breaker_open(struct geocoder *geocoder, double *heal_in_s)
{
    double now_s = monotonic_s();
    bool open = fuse_is_blown(&geocoder->fuse, now_s);

    if (heal_in_s != NULL)
        *heal_in_s = open ? fmax(0.0, fuse_heal_at_s(&geocoder->fuse) - now_s) : 0.0;
    return open;
}

size_t geocoder_pending(const struct geocoder *geocoder)
{
    return geocoder->queued + (geocoder->in_flight != NULL ? 1u : 0u);
}

struct geocoder_counters geocoder_counters(const struct geocoder *geocoder)
{
    return geocoder->counters;
}
