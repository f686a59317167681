/*
 * libcurl multi_socket glue for libev, shaped after curl's
 * docs/examples/evhiperfifo.c. libcurl names the sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to wake it (CURLMOPT_TIMERFUNCTION),
 * and libev watchers hand events back through curl_multi_socket_action().
 * Finished transfers are collected after curl_multi_socket_action()
 * returns, so no easy handle is removed inside a libcurl callback.
 */
#include "http.h"

#include "log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_VALUE_MAX 256
#define LOG_URL_MAX 1024

struct http_socket {
    ev_io watcher;
    struct http_client *client;
    struct http_socket *previous;
    struct http_socket *next;
};

struct http_request {
    struct http_client *client;
    struct http_request *previous;
    struct http_request *next;
    uint64_t id;
    CURL *easy;
    http_done_fn *done;
    void *context;
    bool completing;            /* its callback runs: http_cancel() ignores it */

    /* The request, copied from the options; redirects update it. */
    char method[16];
    char *url;
    char **header_lines;
    size_t header_count;
    struct curl_slist *curl_headers;
    char *body;
    size_t body_length;
    long connect_timeout_ms;
    long total_timeout_ms;
    enum http_version_preference version;
    bool tls_1_3_minimum;
    size_t max_body_bytes;
    unsigned max_redirects;
    char *redirect_stop_prefix;
    char *user_agent;
    int64_t car_id;

    /* The response of the current hop. */
    char *response_body;
    size_t response_length;
    size_t response_capacity;
    bool body_too_large;
    bool out_of_memory;
    char retry_after[HEADER_VALUE_MAX];
    bool has_retry_after;
    char content_type[HEADER_VALUE_MAX];
    bool has_content_type;
    char *location;
    char error_buffer[CURL_ERROR_SIZE];
    unsigned redirects_followed;
    double elapsed_s;
};

struct http_client {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer;
    struct http_request *requests;
    struct http_socket *sockets;
    size_t in_flight;
    uint64_t last_request_id;
    struct http_client_stats stats;
};

static const char *const transport_error_names[HTTP_TRANSPORT_COUNT] = {
    [HTTP_TRANSPORT_OK] = "ok",
    [HTTP_TRANSPORT_TIMEOUT] = "timeout",
    [HTTP_TRANSPORT_CONNECTION_REFUSED] = "connection_refused",
    [HTTP_TRANSPORT_CLOSED] = "closed",
    [HTTP_TRANSPORT_DNS] = "dns",
    [HTTP_TRANSPORT_TLS] = "tls",
    [HTTP_TRANSPORT_BODY_TOO_LARGE] = "body_too_large",
    [HTTP_TRANSPORT_TOO_MANY_REDIRECTS] = "too_many_redirects",
    [HTTP_TRANSPORT_OTHER] = "other",
};

_Static_assert(sizeof(transport_error_names) / sizeof(transport_error_names[0]) ==
               HTTP_TRANSPORT_COUNT, "transport_error_names must name every error");

const char *http_transport_error_name(enum http_transport_error error)
{
    if (error < 0 || error >= HTTP_TRANSPORT_COUNT)
        return "invalid";
    return transport_error_names[error];
}

bool http_timer_delay_s(long timeout_ms, double *delay_s)
{
    if (timeout_ms < 0)
        return false;
    *delay_s = (double)timeout_ms / 1000.0;
    return true;
}

enum http_transport_error http_transport_error_from_curl(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return HTTP_TRANSPORT_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_TRANSPORT_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        return HTTP_TRANSPORT_CONNECTION_REFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HTTP_TRANSPORT_DNS;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return HTTP_TRANSPORT_CLOSED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return HTTP_TRANSPORT_TLS;
    case CURLE_FILESIZE_EXCEEDED:
        return HTTP_TRANSPORT_BODY_TOO_LARGE;
    case CURLE_TOO_MANY_REDIRECTS:
        return HTTP_TRANSPORT_TOO_MANY_REDIRECTS;
    default:
        return HTTP_TRANSPORT_OTHER;
    }
}

/* ---- secrets-aware memory ---------------------------------------------- */

static void wipe_string(char *text)
{
    if (text == NULL)
        return;
    sodium_memzero(text, strlen(text));
    free(text);
}

static void free_curl_headers(struct curl_slist *list)
{
    for (struct curl_slist *item = list; item != NULL; item = item->next)
        sodium_memzero(item->data, strlen(item->data));
    curl_slist_free_all(list);
}

static void free_response_body(struct http_request *request)
{
    if (request->response_body != NULL)
        sodium_memzero(request->response_body, request->response_capacity);
    free(request->response_body);
    request->response_body = NULL;
    request->response_length = 0;
    request->response_capacity = 0;
}

static void reset_response(struct http_request *request)
{
    free_response_body(request);
    free(request->location);
    request->location = NULL;
    request->body_too_large = false;
    request->out_of_memory = false;
    request->has_retry_after = false;
    request->has_content_type = false;
    request->error_buffer[0] = '\0';
}

static void request_free(struct http_request *request)
{
    if (request == NULL)
        return;

    reset_response(request);
    wipe_string(request->url);
    for (size_t i = 0; i < request->header_count; i++)
        wipe_string(request->header_lines[i]);
    free(request->header_lines);
    free_curl_headers(request->curl_headers);
    if (request->body != NULL)
        sodium_memzero(request->body, request->body_length);
    free(request->body);
    free(request->redirect_stop_prefix);
    free(request->user_agent);
    free(request);
}

/* ---- copying the options ----------------------------------------------- */

static bool copy_optional(const char *text, char **copy)
{
    *copy = NULL;
    if (text == NULL)
        return true;
    *copy = strdup(text);
    return *copy != NULL;
}

static bool copy_header_lines(struct http_request *request, const char *const *headers)
{
    size_t count = 0;

    while (headers != NULL && headers[count] != NULL)
        count++;
    if (count == 0)
        return true;

    request->header_lines = calloc(count, sizeof(request->header_lines[0]));
    if (request->header_lines == NULL)
        return false;
    for (size_t i = 0; i < count; i++) {
        request->header_lines[i] = strdup(headers[i]);
        if (request->header_lines[i] == NULL)
            return false;
        request->header_count++;
    }
    return true;
}

static bool copy_body(struct http_request *request, const char *body, size_t length)
{
    if (body == NULL)
        return true;

    request->body = malloc(length + 1);
    if (request->body == NULL)
        return false;
    memcpy(request->body, body, length);
    request->body[length] = '\0';
    request->body_length = length;
    return true;
}

static bool copy_options(struct http_request *request, const struct http_request_options *options)
{
    snprintf(request->method, sizeof(request->method), "%s", options->method);
    request->connect_timeout_ms = options->connect_timeout_ms;
    request->total_timeout_ms = options->total_timeout_ms;
    request->version = options->version;
    request->tls_1_3_minimum = options->tls_1_3_minimum;
    request->max_body_bytes = options->max_body_bytes > 0 ? options->max_body_bytes
                                                           : HTTP_DEFAULT_MAX_BODY_BYTES;
    request->max_redirects = options->max_redirects;
    request->car_id = options->car_id;

    return copy_optional(options->url, &request->url) &&
           copy_header_lines(request, options->headers) &&
           copy_body(request, options->body, options->body_length) &&
           copy_optional(options->redirect_stop_prefix, &request->redirect_stop_prefix) &&
           copy_optional(options->user_agent, &request->user_agent);
}

static bool valid_method(const char *method)
{
    size_t length = method != NULL ? strlen(method) : 0;

    if (length == 0 || length >= sizeof(((struct http_request *)NULL)->method))
        return false;
    return strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == length;
}

static bool valid_options(const struct http_request_options *options)
{
    if (options == NULL || options->url == NULL) {
        log_error("http request without a URL: pass options with url set");
        return false;
    }
    if (!valid_method(options->method)) {
        log_error("invalid HTTP method \"%s\": use an upper-case method such as GET or POST",
                  options->method != NULL ? options->method : "(null)");
        return false;
    }
    if (options->version < 0 || options->version >= HTTP_VERSION_COUNT) {
        log_error("invalid HTTP version preference %d", (int)options->version);
        return false;
    }
    return true;
}

/* ---- libcurl data callbacks -------------------------------------------- */

static bool grow_response_body(struct http_request *request, size_t needed)
{
    size_t capacity = request->response_capacity > 0 ? request->response_capacity : 4096;

    while (capacity < needed)
        capacity *= 2;
    if (capacity > request->max_body_bytes + 1)
        capacity = request->max_body_bytes + 1;

    /* Not realloc: the old buffer may hold a token and must be wiped. */
    size_t length = request->response_length;
    char *grown = malloc(capacity);
    if (grown == NULL)
        return false;
    if (length > 0)
        memcpy(grown, request->response_body, length);
    free_response_body(request);
    request->response_body = grown;
    request->response_capacity = capacity;
    request->response_length = length;
    return true;
}

static size_t on_body_data(char *data, size_t size, size_t count, void *user)
{
    struct http_request *request = user;
    size_t length = size * count;
    size_t kept = request->response_length;

    /* Returning less than length makes libcurl abort with CURLE_WRITE_ERROR. */
    if (length > request->max_body_bytes - request->response_length) {
        request->body_too_large = true;
        return 0;
    }
    if (kept + length + 1 > request->response_capacity) {
        if (!grow_response_body(request, kept + length + 1)) {
            request->out_of_memory = true;
            return 0;
        }
    }

    memcpy(request->response_body + kept, data, length);
    request->response_length = kept + length;
    request->response_body[request->response_length] = '\0';
    return length;
}

/* Finds "name: value" in one header line; returns the trimmed value span. */
static bool header_value(const char *line, size_t length, const char *name,
                         const char **value, size_t *value_length)
{
    size_t name_length = strlen(name);

    if (length <= name_length || line[name_length] != ':' ||
        strncasecmp(line, name, name_length) != 0)
        return false;

    const char *start = line + name_length + 1;
    const char *end = line + length;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                           end[-1] == '\t'))
        end--;

    *value = start;
    *value_length = (size_t)(end - start);
    return true;
}

static void copy_value(char *out, size_t size, const char *value, size_t length)
{
    if (length >= size)
        length = size - 1;
    memcpy(out, value, length);
    out[length] = '\0';
}

static size_t on_header_line(char *line, size_t size, size_t count, void *user)
{
    struct http_request *request = user;
    size_t length = size * count;
    const char *value;
    size_t value_length;

    /* A status line starts another response (100 Continue, for one). */
    if (length >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        request->has_retry_after = false;
        request->has_content_type = false;
        free(request->location);
        request->location = NULL;
    } else if (header_value(line, length, "retry-after", &value, &value_length)) {
        copy_value(request->retry_after, sizeof(request->retry_after), value, value_length);
        request->has_retry_after = true;
    } else if (header_value(line, length, "content-type", &value, &value_length)) {
        copy_value(request->content_type, sizeof(request->content_type), value, value_length);
        request->has_content_type = true;
    } else if (header_value(line, length, "location", &value, &value_length)) {
        free(request->location);
        request->location = strndup(value, value_length);
    }
    return length;
}

/* ---- configuring one hop ----------------------------------------------- */

static bool build_curl_headers(struct http_request *request)
{
    free_curl_headers(request->curl_headers);
    request->curl_headers = NULL;

    for (size_t i = 0; i < request->header_count; i++) {
        struct curl_slist *appended = curl_slist_append(request->curl_headers,
                                                        request->header_lines[i]);
        if (appended == NULL)
            return false;
        request->curl_headers = appended;
    }
    return true;
}

static long curl_http_version(enum http_version_preference version)
{
    switch (version) {
    case HTTP_VERSION_1_1:
        return CURL_HTTP_VERSION_1_1;
    case HTTP_VERSION_2_TLS:
        return CURL_HTTP_VERSION_2TLS;
    default:
        return CURL_HTTP_VERSION_NONE;
    }
}

static bool set_method(CURL *easy, struct http_request *request)
{
    bool failed = false;
    bool has_body = request->body != NULL;

    if (strcmp(request->method, "GET") == 0 && !has_body)
        return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L) == CURLE_OK;

    if (strcmp(request->method, "POST") == 0 || has_body) {
        failed |= curl_easy_setopt(easy, CURLOPT_POSTFIELDS,
                                   has_body ? request->body : "") != CURLE_OK;
        failed |= curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                   (curl_off_t)request->body_length) != CURLE_OK;
    }
    if (strcmp(request->method, "POST") != 0)
        failed |= curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request->method) != CURLE_OK;
    return !failed;
}

static bool configure_easy(CURL *easy, struct http_request *request)
{
    bool failed = false;

    failed |= curl_easy_setopt(easy, CURLOPT_URL, request->url) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_PRIVATE, request) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, request->error_buffer) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body_data) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_WRITEDATA, request) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header_line) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_HEADERDATA, request) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_HTTPHEADER, request->curl_headers) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                               request->connect_timeout_ms) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request->total_timeout_ms) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                               curl_http_version(request->version)) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                               request->tls_1_3_minimum ? CURL_SSLVERSION_TLSv1_3
                                                        : CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                               (curl_off_t)request->max_body_bytes) != CURLE_OK;
    failed |= curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    if (request->user_agent != NULL)
        failed |= curl_easy_setopt(easy, CURLOPT_USERAGENT, request->user_agent) != CURLE_OK;
    return !failed && set_method(easy, request);
}

static bool start_hop(struct http_request *request)
{
    struct http_client *client = request->client;

    reset_response(request);
    if (!build_curl_headers(request)) {
        log_error("request #%llu not started: out of memory for its headers",
                  (unsigned long long)request->id);
        return false;
    }

    request->easy = curl_easy_init();
    if (request->easy == NULL || !configure_easy(request->easy, request)) {
        log_error("request #%llu not started: libcurl rejected its options",
                  (unsigned long long)request->id);
        curl_easy_cleanup(request->easy);
        request->easy = NULL;
        return false;
    }

    CURLMcode added = curl_multi_add_handle(client->multi, request->easy);
    if (added != CURLM_OK) {
        log_error("request #%llu not started: curl_multi_add_handle failed: %s",
                  (unsigned long long)request->id, curl_multi_strerror(added));
        curl_easy_cleanup(request->easy);
        request->easy = NULL;
        return false;
    }
    return true;
}

/* ---- the in-flight list ------------------------------------------------ */

static void link_request(struct http_client *client, struct http_request *request)
{
    request->next = client->requests;
    if (client->requests != NULL)
        client->requests->previous = request;
    client->requests = request;
    client->in_flight++;
}

static void unlink_request(struct http_client *client, struct http_request *request)
{
    if (request->previous != NULL)
        request->previous->next = request->next;
    else
        client->requests = request->next;
    if (request->next != NULL)
        request->next->previous = request->previous;
    request->previous = NULL;
    request->next = NULL;
    client->in_flight--;
}

static void detach_easy(struct http_request *request)
{
    if (request->easy == NULL)
        return;
    curl_multi_remove_handle(request->client->multi, request->easy);
    curl_easy_cleanup(request->easy);
    request->easy = NULL;
}

/* ---- logging ----------------------------------------------------------- */

static void log_request_start(const struct http_request *request)
{
    if (!log_enabled(LOG_LEVEL_DEBUG))
        return;

    char url[LOG_URL_MAX];
    char line[LOG_URL_MAX];

    http_redact_url(request->url, url, sizeof(url));
    log_write(LOG_LEVEL_DEBUG, request->car_id, "request #%llu %s %s",
              (unsigned long long)request->id, request->method, url);
    for (size_t i = 0; i < request->header_count; i++) {
        http_redact_header(request->header_lines[i], line, sizeof(line));
        log_write(LOG_LEVEL_DEBUG, request->car_id, "request #%llu header %s",
                  (unsigned long long)request->id, line);
    }
}

static void log_request_end(const struct http_request *request,
                            const struct http_response *response)
{
    char url[LOG_URL_MAX];
    bool too_large = response->transport_error == HTTP_TRANSPORT_BODY_TOO_LARGE;
    enum log_level level = too_large ? LOG_LEVEL_WARNING : LOG_LEVEL_DEBUG;

    if (!log_enabled(level))
        return;

    http_redact_url(request->url, url, sizeof(url));
    if (response->transport_error == HTTP_TRANSPORT_OK) {
        log_write(level, request->car_id, "request #%llu %s %s -> %ld in %.3f s, %zu bytes",
                  (unsigned long long)request->id, request->method, url, response->status,
                  response->elapsed_s, response->body_length);
    } else {
        log_write(level, request->car_id,
                  "request #%llu %s %s failed after %.3f s: %s (%s); "
                  "timeouts: connect %ld ms, total %ld ms, body limit %zu bytes",
                  (unsigned long long)request->id, request->method, url, response->elapsed_s,
                  http_transport_error_name(response->transport_error),
                  response->error_detail, request->connect_timeout_ms,
                  request->total_timeout_ms, request->max_body_bytes);
    }
}

/* ---- finishing --------------------------------------------------------- */

static void complete_request(struct http_request *request, long status,
                             enum http_transport_error error)
{
    struct http_client *client = request->client;
    bool ok = error == HTTP_TRANSPORT_OK;
    struct http_response response = {
        .request_id = request->id,
        .status = ok ? status : 0,
        .transport_error = error,
        .error_detail = request->error_buffer,
        .body = ok && request->response_body != NULL ? request->response_body : "",
        .body_length = ok ? request->response_length : 0,
        .retry_after = ok && request->has_retry_after ? request->retry_after : NULL,
        .content_type = ok && request->has_content_type ? request->content_type : NULL,
        .redirects_followed = request->redirects_followed,
        .elapsed_s = request->elapsed_s,
    };

    log_request_end(request, &response);
    unlink_request(client, request);
    client->stats.requests_finished++;
    request->completing = true;
    request->done(request->context, &response);
    request_free(request);
}

/* Drops Authorization and Host before a request goes to another origin. */
static void drop_origin_headers(struct http_request *request)
{
    size_t kept = 0;

    for (size_t i = 0; i < request->header_count; i++) {
        char *line = request->header_lines[i];
        if (strncasecmp(line, "authorization:", 14) == 0 || strncasecmp(line, "host:", 5) == 0)
            wipe_string(line);
        else
            request->header_lines[kept++] = line;
    }
    request->header_count = kept;
}

static void apply_redirect(struct http_request *request, struct http_redirect *redirect)
{
    char url[LOG_URL_MAX];

    http_redact_url(redirect->url, url, sizeof(url));
    log_write(LOG_LEVEL_DEBUG, request->car_id, "request #%llu redirected to %s %s",
              (unsigned long long)request->id, redirect->method, url);

    if (strcmp(redirect->method, "GET") == 0 && strcmp(request->method, "GET") != 0) {
        if (request->body != NULL)
            sodium_memzero(request->body, request->body_length);
        free(request->body);
        request->body = NULL;
        request->body_length = 0;
    }
    snprintf(request->method, sizeof(request->method), "%s", redirect->method);
    wipe_string(request->url);
    request->url = redirect->url;
    redirect->url = NULL;
    if (redirect->cross_origin)
        drop_origin_headers(request);
    request->redirects_followed++;
}

/* Follows a redirect when the redirect rules require it. Returns true when the request
 * went on to its next hop, false when the caller completes it with *error. */
static bool follow_redirect(struct http_request *request, long status,
                            enum http_transport_error *error)
{
    struct http_redirect redirect;
    enum http_redirect_decision decision = http_redirect_plan(
        request->method, request->url, status, request->location, request->redirects_followed,
        request->max_redirects, request->redirect_stop_prefix, &redirect);

    switch (decision) {
    case HTTP_REDIRECT_FOLLOW:
        apply_redirect(request, &redirect);
        if (start_hop(request))
            return true;
        *error = HTTP_TRANSPORT_OTHER;
        return false;
    case HTTP_REDIRECT_TOO_MANY:
        snprintf(request->error_buffer, sizeof(request->error_buffer),
                 "redirect %u of at most %u", request->redirects_followed + 1,
                 request->max_redirects);
        *error = HTTP_TRANSPORT_TOO_MANY_REDIRECTS;
        return false;
    case HTTP_REDIRECT_INVALID:
        snprintf(request->error_buffer, sizeof(request->error_buffer),
                 "invalid Location in a %ld response", status);
        *error = HTTP_TRANSPORT_OTHER;
        return false;
    default:
        return false;
    }
}

static enum http_transport_error classify_result(const struct http_request *request,
                                                 CURLcode result)
{
    if (request->body_too_large)
        return HTTP_TRANSPORT_BODY_TOO_LARGE;
    if (request->out_of_memory)
        return HTTP_TRANSPORT_OTHER;
    return http_transport_error_from_curl(result);
}

static void finish_hop(struct http_request *request, CURLcode result)
{
    long status = 0;
    curl_off_t hop_time_us = 0;

    curl_easy_getinfo(request->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(request->easy, CURLINFO_TOTAL_TIME_T, &hop_time_us);
    request->elapsed_s += (double)hop_time_us / 1e6;
    if (request->error_buffer[0] == '\0' && result != CURLE_OK)
        snprintf(request->error_buffer, sizeof(request->error_buffer), "%s",
                 curl_easy_strerror(result));
    detach_easy(request);

    enum http_transport_error error = classify_result(request, result);
    if (error == HTTP_TRANSPORT_OK && follow_redirect(request, status, &error))
        return;
    complete_request(request, status, error);
}

/* Runs after curl_multi_socket_action() returned, outside libcurl. */
static void collect_finished(struct http_client *client)
{
    CURLMsg *message;
    int queued;

    while ((message = curl_multi_info_read(client->multi, &queued)) != NULL) {
        if (message->msg != CURLMSG_DONE)
            continue;

        char *private = NULL;
        CURLcode result = message->data.result;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &private);
        if (private != NULL)
            finish_hop((struct http_request *)private, result);
    }
}

/* ---- libev and libcurl event glue -------------------------------------- */

static void hand_to_curl(struct http_client *client, curl_socket_t fd, int action)
{
    int running = 0;
    CURLMcode code = curl_multi_socket_action(client->multi, fd, action, &running);

    if (code != CURLM_OK)
        log_error("curl_multi_socket_action failed: %s", curl_multi_strerror(code));
    collect_finished(client);
}

static void on_socket_event(struct ev_loop *loop, ev_io *watcher, int events)
{
    struct http_socket *socket = watcher->data;
    int action = ((events & EV_READ) ? CURL_CSELECT_IN : 0) |
                 ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0);

    (void)loop;
    socket->client->stats.socket_events++;
    /* The watcher may be freed inside: read the descriptor first. */
    hand_to_curl(socket->client, watcher->fd, action);
}

static void on_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct http_client *client = timer->data;

    (void)loop;
    (void)events;
    client->stats.timer_fires++;
    hand_to_curl(client, CURL_SOCKET_TIMEOUT, 0);
}

static void forget_socket(struct http_client *client, struct http_socket *socket)
{
    ev_io_stop(client->loop, &socket->watcher);
    if (socket->previous != NULL)
        socket->previous->next = socket->next;
    else
        client->sockets = socket->next;
    if (socket->next != NULL)
        socket->next->previous = socket->previous;
    free(socket);
}

static struct http_socket *remember_socket(struct http_client *client, curl_socket_t fd)
{
    struct http_socket *socket = calloc(1, sizeof(*socket));

    if (socket == NULL)
        return NULL;
    socket->client = client;
    socket->next = client->sockets;
    if (client->sockets != NULL)
        client->sockets->previous = socket;
    client->sockets = socket;
    ev_init(&socket->watcher, on_socket_event);
    socket->watcher.data = socket;
    curl_multi_assign(client->multi, fd, socket);
    return socket;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *client_pointer,
                          void *socket_pointer)
{
    struct http_client *client = client_pointer;
    struct http_socket *socket = socket_pointer;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (socket != NULL) {
            curl_multi_assign(client->multi, fd, NULL);
            forget_socket(client, socket);
        }
        return 0;
    }

    if (socket == NULL) {
        socket = remember_socket(client, fd);
        if (socket == NULL) {
            log_error("out of memory watching socket %d", (int)fd);
            return -1;
        }
    } else {
        ev_io_stop(client->loop, &socket->watcher);
    }

    int events = ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    ev_io_set(&socket->watcher, fd, events);
    ev_io_start(client->loop, &socket->watcher);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms the libev timer, as libcurl requires. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *client_pointer)
{
    struct http_client *client = client_pointer;
    double delay_s;

    (void)multi;
    ev_timer_stop(client->loop, &client->timer);
    if (http_timer_delay_s(timeout_ms, &delay_s)) {
        ev_timer_set(&client->timer, delay_s, 0.0);
        ev_timer_start(client->loop, &client->timer);
    }
    return 0;
}

/* ---- public API -------------------------------------------------------- */

struct http_client *http_client_new(struct ev_loop *loop)
{
    CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK) {
        log_error("curl_global_init failed: %s", curl_easy_strerror(global));
        return NULL;
    }

    struct http_client *client = calloc(1, sizeof(*client));
    if (client == NULL || (client->multi = curl_multi_init()) == NULL) {
        log_error("cannot create the HTTP client: out of memory");
        free(client);
        curl_global_cleanup();
        return NULL;
    }

    client->loop = loop;
    ev_init(&client->timer, on_timer);
    client->timer.data = client;
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);
    return client;
}

void http_client_free(struct http_client *client)
{
    if (client == NULL)
        return;

    size_t cancelled = client->in_flight;
    while (client->requests != NULL)
        http_cancel(client, client->requests);
    if (cancelled > 0)
        log_info("http client stopped with %zu requests in flight, cancelled", cancelled);

    curl_multi_cleanup(client->multi);
    ev_timer_stop(client->loop, &client->timer);
    while (client->sockets != NULL)
        forget_socket(client, client->sockets);
    free(client);
    curl_global_cleanup();
}

struct ev_loop *http_client_loop(const struct http_client *client)
{
    return client->loop;
}

size_t http_client_in_flight(const struct http_client *client)
{
    return client->in_flight;
}

struct http_client_stats http_client_stats(const struct http_client *client)
{
    return client->stats;
}

struct http_request *http_submit(struct http_client *client,
                                 const struct http_request_options *options,
                                 http_done_fn *done, void *context)
{
    if (client == NULL || done == NULL || !valid_options(options))
        return NULL;

    struct http_request *request = calloc(1, sizeof(*request));
    if (request == NULL || !copy_options(request, options)) {
        log_error("request not started: out of memory copying its options");
        request_free(request);
        return NULL;
    }

    request->client = client;
    request->id = ++client->last_request_id;
    request->done = done;
    request->context = context;
    log_request_start(request);

    if (!start_hop(request)) {
        request_free(request);
        return NULL;
    }
    link_request(client, request);
    client->stats.requests_started++;
    return request;
}

void http_cancel(struct http_client *client, struct http_request *request)
{
    if (client == NULL || request == NULL || request->completing)
        return;

    log_write(LOG_LEVEL_DEBUG, request->car_id, "request #%llu cancelled",
              (unsigned long long)request->id);
    detach_easy(request);
    unlink_request(client, request);
    client->stats.requests_cancelled++;
    request_free(request);
}
