/*
 * http_test_support: helpers for unit tests of the HTTP client and the
 * modules built on it (tesla_api, auth).
 *
 * - A local HTTP server (libmicrohttpd, one thread per connection) bound
 *   to 127.0.0.1 on a port chosen by the kernel. It records every request
 *   (method, raw URI with its query, headers, body) and answers through a
 *   route function that tests supply, called under the server's lock.
 * - Loading the recorded Tesla API files from the shared data folder, in
 *   place: $TENANTMATE_SHARED, else "<repository root>/../shared", where
 *   the root is found by walking up from /proc/self/exe or the working
 *   directory to the folder that contains common/http.h.
 * - Running an ev loop until a flag is set or a time limit passes.
 *
 * Every function is static inline so each test includes what it uses.
 * Nothing here contacts any address but 127.0.0.1.
 */
#ifndef TENANTMATE_HTTP_TEST_SUPPORT_H
#define TENANTMATE_HTTP_TEST_SUPPORT_H

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ev.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEST_SERVER_MAX_REQUESTS 128
#define TEST_SERVER_TEXT_MAX 8192

enum serve_mode {
    SERVE_NORMAL,
    SERVE_CLOSE_MID_BODY,   /* announce body_length + 1000 bytes, send body, then close */
    SERVE_DROP,             /* close the connection without any response */
    SERVE_CHUNKED,          /* send the body chunked, without Content-Length */
};

struct canned_response {
    int status;
    char body[TEST_SERVER_TEXT_MAX];
    size_t body_length;                 /* 0: strlen(body) */
    char *large_body;                   /* when set, sent instead of body (test owns it) */
    size_t large_body_length;
    const char *content_type;           /* NULL: application/json */
    const char *header_names[4];
    char header_values[4][128];
    double delay_s;                     /* wait before responding */
    enum serve_mode mode;
};

struct recorded_request {
    char method[16];
    char uri[TEST_SERVER_TEXT_MAX];     /* raw, with the query as sent */
    char headers[TEST_SERVER_TEXT_MAX]; /* "name: value\n" lines */
    char body[TEST_SERVER_TEXT_MAX];
};

struct test_server;

/* Fills *response for *request; runs on a server thread under the lock. */
typedef void test_route_fn(struct test_server *server, const struct recorded_request *request,
                           struct canned_response *response);

struct test_server {
    struct MHD_Daemon *daemon;
    uint16_t port;
    pthread_mutex_t lock;
    volatile bool stopping;
    test_route_fn *route;
    void *context;
    struct canned_response fixed;       /* response when route is NULL */
    struct recorded_request requests[TEST_SERVER_MAX_REQUESTS];
    size_t request_count;
};

struct test_exchange {
    struct recorded_request request;
    size_t body_length;
    bool answered;
};

static inline void test_append(char *out, size_t size, const char *text, size_t length)
{
    size_t used = strlen(out);

    if (used + 1 >= size)
        return;
    if (length > size - 1 - used)
        length = size - 1 - used;
    memcpy(out + used, text, length);
    out[used + length] = '\0';
}

static inline void *test_server_uri_logged(void *cls, const char *uri,
                                           struct MHD_Connection *connection)
{
    struct test_exchange *exchange = calloc(1, sizeof(*exchange));

    (void)cls;
    (void)connection;
    if (exchange != NULL)
        snprintf(exchange->request.uri, sizeof(exchange->request.uri), "%s", uri);
    return exchange;
}

static inline enum MHD_Result test_server_header(void *cls, enum MHD_ValueKind kind,
                                                 const char *key, const char *value)
{
    struct recorded_request *request = cls;

    (void)kind;
    test_append(request->headers, sizeof(request->headers), key, strlen(key));
    test_append(request->headers, sizeof(request->headers), ": ", 2);
    test_append(request->headers, sizeof(request->headers), value, value != NULL ? strlen(value) : 0);
    test_append(request->headers, sizeof(request->headers), "\n", 1);
    return MHD_YES;
}

static inline void test_server_completed(void *cls, struct MHD_Connection *connection,
                                         void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    free(*con_cls);
    *con_cls = NULL;
}

struct test_partial_body {
    char *bytes;
    size_t length;
    bool chunked;
};

static inline ssize_t test_server_read_partial(void *cls, uint64_t position, char *buffer,
                                               size_t max)
{
    struct test_partial_body *partial = cls;

    if (position >= partial->length)
        return partial->chunked ? MHD_CONTENT_READER_END_OF_STREAM
                                : MHD_CONTENT_READER_END_WITH_ERROR;
    size_t count = partial->length - (size_t)position;
    if (count > max)
        count = max;
    memcpy(buffer, partial->bytes + position, count);
    return (ssize_t)count;
}

static inline void test_server_free_partial(void *cls)
{
    struct test_partial_body *partial = cls;

    free(partial->bytes);
    free(partial);
}

static inline void test_server_wait(struct test_server *server, double seconds)
{
    struct timespec slice = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};

    for (double waited = 0.0; waited < seconds && !server->stopping; waited += 0.01)
        nanosleep(&slice, NULL);
}

static inline struct MHD_Response *test_server_build(const struct canned_response *canned)
{
    const char *body = canned->large_body != NULL ? canned->large_body : canned->body;
    size_t length = canned->large_body != NULL ? canned->large_body_length
                    : canned->body_length > 0   ? canned->body_length
                                                : strlen(canned->body);

    if (canned->mode == SERVE_CLOSE_MID_BODY || canned->mode == SERVE_CHUNKED) {
        struct test_partial_body *partial = calloc(1, sizeof(*partial));
        partial->bytes = malloc(length + 1);
        memcpy(partial->bytes, body, length);
        partial->length = length;
        partial->chunked = canned->mode == SERVE_CHUNKED;
        return MHD_create_response_from_callback(
            partial->chunked ? MHD_SIZE_UNKNOWN : length + 1000, 16 * 1024,
            test_server_read_partial, partial, test_server_free_partial);
    }
    return MHD_create_response_from_buffer(length, (void *)body, MHD_RESPMEM_MUST_COPY);
}

static inline enum MHD_Result test_server_answer(struct test_server *server,
                                                 struct MHD_Connection *connection,
                                                 struct test_exchange *exchange)
{
    struct canned_response canned;

    pthread_mutex_lock(&server->lock);
    if (server->request_count < TEST_SERVER_MAX_REQUESTS)
        server->requests[server->request_count++] = exchange->request;
    canned = server->fixed;
    if (server->route != NULL)
        server->route(server, &exchange->request, &canned);
    pthread_mutex_unlock(&server->lock);

    test_server_wait(server, canned.delay_s);
    if (canned.mode == SERVE_DROP || server->stopping)
        return MHD_NO;

    struct MHD_Response *response = test_server_build(&canned);
    MHD_add_response_header(response, "Content-Type",
                            canned.content_type != NULL ? canned.content_type
                                                        : "application/json; charset=utf-8");
    for (int i = 0; i < 4 && canned.header_names[i] != NULL; i++)
        MHD_add_response_header(response, canned.header_names[i], canned.header_values[i]);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned)canned.status, response);
    MHD_destroy_response(response);
    return queued;
}

static inline enum MHD_Result test_server_access(void *cls, struct MHD_Connection *connection,
                                                 const char *url, const char *method,
                                                 const char *version, const char *upload_data,
                                                 size_t *upload_data_size, void **con_cls)
{
    struct test_server *server = cls;
    struct test_exchange *exchange = *con_cls;

    (void)url;
    (void)version;
    if (exchange == NULL)
        return MHD_NO;
    if (exchange->request.method[0] == '\0') {
        snprintf(exchange->request.method, sizeof(exchange->request.method), "%s", method);
        MHD_get_connection_values(connection, MHD_HEADER_KIND, test_server_header,
                                  &exchange->request);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        test_append(exchange->request.body, sizeof(exchange->request.body), upload_data,
                    *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (exchange->answered)
        return MHD_YES;
    exchange->answered = true;
    return test_server_answer(server, connection, exchange);
}

/* Starts the server; returns false when libmicrohttpd cannot bind. */
static inline bool test_server_start(struct test_server *server)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};

    memset(server, 0, sizeof(*server));
    server->fixed.status = 200;
    snprintf(server->fixed.body, sizeof(server->fixed.body), "{\"response\":[]}");
    pthread_mutex_init(&server->lock, NULL);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    server->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
        test_server_access, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_URI_LOG_CALLBACK, test_server_uri_logged, server,
        MHD_OPTION_NOTIFY_COMPLETED, test_server_completed, server, MHD_OPTION_END);
    if (server->daemon == NULL)
        return false;

    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    server->port = info != NULL ? info->port : 0;
    return server->port != 0;
}

static inline void test_server_stop(struct test_server *server)
{
    server->stopping = true;
    if (server->daemon != NULL)
        MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
    pthread_mutex_destroy(&server->lock);
}

static inline void test_server_set_route(struct test_server *server, test_route_fn *route,
                                         void *context)
{
    pthread_mutex_lock(&server->lock);
    server->route = route;
    server->context = context;
    pthread_mutex_unlock(&server->lock);
}

static inline void test_server_set_fixed(struct test_server *server,
                                         const struct canned_response *response)
{
    pthread_mutex_lock(&server->lock);
    server->fixed = *response;
    server->route = NULL;
    pthread_mutex_unlock(&server->lock);
}

static inline size_t test_server_request_count(struct test_server *server)
{
    pthread_mutex_lock(&server->lock);
    size_t count = server->request_count;
    pthread_mutex_unlock(&server->lock);
    return count;
}

/* Copies request number index (0 = first) into *request. */
static inline bool test_server_request(struct test_server *server, size_t index,
                                       struct recorded_request *request)
{
    pthread_mutex_lock(&server->lock);
    bool found = index < server->request_count;
    if (found)
        *request = server->requests[index];
    pthread_mutex_unlock(&server->lock);
    return found;
}

static inline void test_server_url(const struct test_server *server, const char *path,
                                   char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%u%s", (unsigned)server->port, path);
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static inline uint16_t test_closed_port(void)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t length = sizeof(address);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return ntohs(address.sin_port);
}

/* Case-insensitive: does the "name: value\n" list hold this header line? */
static inline bool test_has_header(const struct recorded_request *request, const char *line)
{
    char wanted[TEST_SERVER_TEXT_MAX];

    snprintf(wanted, sizeof(wanted), "%s\n", line);
    return strcasestr(request->headers, wanted) != NULL;
}

static inline bool test_has_header_name(const struct recorded_request *request, const char *name)
{
    char wanted[256];

    snprintf(wanted, sizeof(wanted), "%s: ", name);
    if (strncasecmp(request->headers, wanted, strlen(wanted)) == 0)
        return true;
    snprintf(wanted, sizeof(wanted), "\n%s: ", name);
    return strcasestr(request->headers, wanted) != NULL;
}

/* ---- shared data files -------------------------------------------------- */

static inline bool test_is_repository_root(const char *directory)
{
    char path[PATH_MAX];
    struct stat status;

    int length = snprintf(path, sizeof(path), "%s/common/http.h", directory);
    return length > 0 && (size_t)length < sizeof(path) && stat(path, &status) == 0;
}

/* Walks up from start (a file or folder) to the repository root. */
static inline bool test_find_root_from(const char *start, char *root, size_t size)
{
    char directory[PATH_MAX];

    if (realpath(start, directory) == NULL)
        return false;
    while (directory[0] != '\0') {
        if (test_is_repository_root(directory)) {
            snprintf(root, size, "%s", directory);
            return true;
        }
        char *slash = strrchr(directory, '/');
        if (slash == NULL || slash == directory)
            return false;
        *slash = '\0';
    }
    return false;
}

/* Writes the path of a file under the shared folder into out. */
static inline bool test_shared_path(const char *relative, char *out, size_t size)
{
    const char *shared = getenv("TENANTMATE_SHARED");
    char root[PATH_MAX];

    int length;

    if (shared != NULL && shared[0] != '\0') {
        length = snprintf(out, size, "%s/%s", shared, relative);
        return length > 0 && (size_t)length < size;
    }
    if (!test_find_root_from("/proc/self/exe", root, sizeof(root)) &&
        !test_find_root_from(".", root, sizeof(root)))
        return false;
    length = snprintf(out, size, "%s/../shared/%s", root, relative);
    return length > 0 && (size_t)length < size;
}

/* Reads a whole shared file; the caller frees the result. NULL on failure. */
static inline char *test_read_shared(const char *relative, size_t *length)
{
    char path[PATH_MAX];

    if (!test_shared_path(relative, path, sizeof(path)))
        return NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;

    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (text != NULL && fread(text, 1, (size_t)size, file) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(file);
    if (text != NULL) {
        text[size] = '\0';
        if (length != NULL)
            *length = (size_t)size;
    }
    return text;
}

/* Turns a recorded error envelope {"status", "headers", "body"} into a
 * canned response: a JSON body is sent as JSON, a string body as is. */
static inline bool test_canned_from_envelope(const char *relative, struct canned_response *out)
{
    char *text = test_read_shared(relative, NULL);
    cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(root, "headers");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(root, "body");
    const cJSON *header;
    int count = 0;

    free(text);
    if (!cJSON_IsNumber(status) || body == NULL) {
        cJSON_Delete(root);
        return false;
    }

    memset(out, 0, sizeof(*out));
    out->status = status->valueint;
    if (cJSON_IsString(body)) {
        snprintf(out->body, sizeof(out->body), "%s", body->valuestring);
        out->content_type = "text/plain";
    } else {
        char *printed = cJSON_PrintUnformatted(body);
        snprintf(out->body, sizeof(out->body), "%s", printed != NULL ? printed : "");
        free(printed);
    }
    cJSON_ArrayForEach(header, headers) {
        if (count >= 4 || !cJSON_IsString(header))
            continue;
        if (strcasecmp(header->string, "Content-Type") == 0)
            continue;
        /* Names point into static storage: the envelope's few header names. */
        static const char *const known[] = {"RateLimit-Limit", "RateLimit-Remaining",
                                            "RateLimit-Reset", "Retry-After"};
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            if (strcasecmp(header->string, known[i]) == 0) {
                out->header_names[count] = known[i];
                snprintf(out->header_values[count], sizeof(out->header_values[count]), "%s",
                         header->valuestring);
                count++;
            }
        }
    }
    cJSON_Delete(root);
    return true;
}

/* ---- the event loop ------------------------------------------------------ */

static inline void test_loop_deadline(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)events;
    *(bool *)timer->data = true;
    ev_break(loop, EVBREAK_ONE);
}

/* Runs the loop until *flag is true or limit_s passes; returns *flag. */
static inline bool test_run_until(struct ev_loop *loop, const bool *flag, double limit_s)
{
    bool expired = false;
    ev_timer deadline;

    ev_timer_init(&deadline, test_loop_deadline, limit_s, 0.0);
    deadline.data = &expired;
    ev_timer_start(loop, &deadline);
    while (!*flag && !expired)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &deadline);
    return *flag;
}

/* Runs the loop for seconds, whatever happens. */
static inline void test_run_for(struct ev_loop *loop, double seconds)
{
    bool never = false;

    test_run_until(loop, &never, seconds);
}

static inline double test_monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Reads a whole file (a captured log); the caller frees the result. */
static inline char *test_read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;

    size_t capacity = 4096;
    size_t length = 0;
    char *text = malloc(capacity);
    size_t count;
    while (text != NULL && (count = fread(text + length, 1, capacity - length - 1, file)) > 0) {
        length += count;
        if (capacity - length - 1 == 0) {
            char *grown = realloc(text, capacity * 2);
            if (grown == NULL) {
                free(text);
                text = NULL;
                break;
            }
            text = grown;
            capacity *= 2;
        }
    }
    fclose(file);
    if (text != NULL)
        text[length] = '\0';
    return text;
}

#endif
