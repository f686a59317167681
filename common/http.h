/*
 * http: an asynchronous HTTP client on libcurl's multi_socket interface,
 * driven by a libev loop.
 *
 * Contract:
 * - One http_client per event loop, used from that loop's thread only.
 *   Nothing here blocks: name resolution runs in libcurl's resolver
 *   thread, everything else in the loop.
 * - http_submit() copies what it is given (URL, header lines, body) and
 *   returns a handle, or NULL after logging why the request could not be
 *   started (then the callback is never called).
 * - The completion callback runs exactly once per submitted request that
 *   is not cancelled, always from the event loop after libcurl returned,
 *   never from inside http_submit() or http_cancel(). The response and
 *   everything it points to belong to the client and are valid only
 *   during the callback. The handle is invalid once the callback starts.
 *   A callback may submit requests and cancel other requests; it must not
 *   free the client.
 * - http_cancel() stops a request at once; its callback is not called.
 *   http_client_free() cancels every request still in flight the same way,
 *   so owners of requests (tesla_api, auth) are freed first.
 * - Easy handles are removed from the multi handle only outside libcurl's
 *   own callbacks: an oversized body aborts the transfer from the write
 *   callback and the removal happens when libcurl reports it done.
 * - Secrets: request bodies, header lines and response bodies are wiped
 *   before they are freed. Log lines show URLs through http_redact_url()
 *   and header lines through http_redact_header(), and never a body.
 */
#ifndef TENANTMATE_HTTP_H
#define TENANTMATE_HTTP_H

#include <curl/curl.h>
#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default cap on a response body (after decompression). */
#define HTTP_DEFAULT_MAX_BODY_BYTES ((size_t)4 * 1024 * 1024)

/* Transport failure class: the reason no HTTP response reached the caller. */
enum http_transport_error {
    HTTP_TRANSPORT_OK,                  /* a response arrived, whatever its status */
    HTTP_TRANSPORT_TIMEOUT,             /* connect or total timeout */
    HTTP_TRANSPORT_CONNECTION_REFUSED,  /* the connection could not be established */
    HTTP_TRANSPORT_CLOSED,              /* closed early: nothing or a partial response */
    HTTP_TRANSPORT_DNS,                 /* the host name did not resolve */
    HTTP_TRANSPORT_TLS,                 /* TLS handshake or certificate failure */
    HTTP_TRANSPORT_BODY_TOO_LARGE,      /* the body exceeded max_body_bytes */
    HTTP_TRANSPORT_TOO_MANY_REDIRECTS,  /* one more redirect than max_redirects */
    HTTP_TRANSPORT_OTHER,
    HTTP_TRANSPORT_COUNT
};

enum http_version_preference {
    HTTP_VERSION_DEFAULT,   /* libcurl's: HTTP/2 when the TLS server offers it, else 1.1 */
    HTTP_VERSION_1_1,
    HTTP_VERSION_2_TLS,     /* HTTP/2 over TLS, HTTP/1.1 over plain TCP */
    HTTP_VERSION_COUNT
};

struct http_request_options {
    const char *method;                 /* "GET", "POST", ... */
    const char *url;                    /* http:// or https:// only */
    const char *const *headers;         /* "Name: value" lines ending in NULL; may be NULL */
    const char *body;                   /* NULL for none */
    size_t body_length;
    long connect_timeout_ms;            /* 0: libcurl's default */
    long total_timeout_ms;              /* per hop; 0: no limit */
    enum http_version_preference version;
    bool tls_1_3_minimum;               /* otherwise TLS 1.2 is the minimum */
    size_t max_body_bytes;              /* 0: HTTP_DEFAULT_MAX_BODY_BYTES */
    unsigned max_redirects;             /* 0: hand 3xx responses to the caller */
    const char *redirect_stop_prefix;   /* a Location starting with this is not followed */
    const char *user_agent;             /* NULL: no User-Agent header */
    int64_t car_id;                     /* for log lines; LOG_NO_CAR when none */
};

struct http_response {
    uint64_t request_id;                /* sequential per client, shown in log lines */
    long status;                        /* 0 unless transport_error is HTTP_TRANSPORT_OK */
    enum http_transport_error transport_error;
    const char *error_detail;           /* libcurl's message, "" when none */
    const char *body;                   /* NUL-terminated, "" when empty */
    size_t body_length;
    const char *retry_after;            /* Retry-After header value, NULL when absent */
    const char *content_type;           /* NULL when absent */
    unsigned redirects_followed;
    double elapsed_s;                   /* all hops, from libcurl's timers */
};

typedef void http_done_fn(void *context, const struct http_response *response);

struct http_client_stats {
    uint64_t requests_started;
    uint64_t requests_finished;
    uint64_t requests_cancelled;
    uint64_t timer_fires;               /* libcurl timeouts handled */
    uint64_t socket_events;             /* libev I/O events handed to libcurl */
};

struct http_client;
struct http_request;

/* Returns NULL, after logging why, when libcurl cannot be set up. */
struct http_client *http_client_new(struct ev_loop *loop);

/* Cancels every request in flight without calling back, then frees. */
void http_client_free(struct http_client *client);

struct ev_loop *http_client_loop(const struct http_client *client);
size_t http_client_in_flight(const struct http_client *client);
struct http_client_stats http_client_stats(const struct http_client *client);

struct http_request *http_submit(struct http_client *client,
                                 const struct http_request_options *options,
                                 http_done_fn *done, void *context);

/* Stops a request in flight; its callback is not called. NULL is ignored. */
void http_cancel(struct http_client *client, struct http_request *request);

/*
 * Converts libcurl's timer request (CURLMOPT_TIMERFUNCTION, milliseconds)
 * into a libev delay in seconds: 1 ms is 0.001 s and 0 fires on the next
 * loop iteration. Returns false for a negative value, which means no timer.
 */
bool http_timer_delay_s(long timeout_ms, double *delay_s);

enum http_transport_error http_transport_error_from_curl(CURLcode code);
const char *http_transport_error_name(enum http_transport_error error);

/*
 * Copies url into out (always NUL-terminated, cut to size) with the values
 * of the query parameters access_token, refresh_token and token (any
 * case) and any user:password part replaced by "[redacted]".
 */
void http_redact_url(const char *url, char *out, size_t size);

/* Copies a "Name: value" header line into out; the value of Authorization
 * and Proxy-Authorization (any case) becomes "[FILTERED]". */
void http_redact_header(const char *line, char *out, size_t size);

/* Decision on a 3xx response under TeslaMate's auth client rules. */
enum http_redirect_decision {
    HTTP_REDIRECT_NONE,         /* not a redirect to follow: return it as it is */
    HTTP_REDIRECT_FOLLOW,
    HTTP_REDIRECT_TOO_MANY,     /* followed max_redirects already: an error */
    HTTP_REDIRECT_INVALID,      /* the Location cannot be resolved against the URL */
    HTTP_REDIRECT_DECISION_COUNT
};

struct http_redirect {
    char method[16];
    char *url;                  /* malloc'd, free with free() */
    bool cross_origin;          /* scheme, host or port differ: drop Authorization and Host */
};

/*
 * Decides how to follow a response: 301, 302, 303, 307 and 308 with a
 * Location are followed unless the Location starts with stop_prefix
 * (may be NULL). 303 switches to GET without a body; the others keep the
 * method and the body. The new URL is the Location resolved against url.
 * A 307 to a Location without a query keeps the request's query, and
 * other statuses drop it. `followed` counts the redirects already
 * followed for this request.
 * On HTTP_REDIRECT_FOLLOW the caller frees redirect->url.
 */
enum http_redirect_decision http_redirect_plan(const char *method, const char *url, long status,
                                               const char *location, unsigned followed,
                                               unsigned max_redirects, const char *stop_prefix,
                                               struct http_redirect *redirect);

const char *http_redirect_decision_name(enum http_redirect_decision decision);

#endif
