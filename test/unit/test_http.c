/* Tests of common/http: the libcurl + libev client against a local server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "http.h"
#include "http_test_support.h"
#include "log.h"

static struct test_server server;

struct outcome {
    bool done;
    int calls;
    long status;
    enum http_transport_error error;
    char body[TEST_SERVER_TEXT_MAX];
    size_t body_length;
    char retry_after[64];
    bool has_retry_after;
    char content_type[128];
    unsigned redirects;
    double elapsed_s;
};

static void record_outcome(void *context, const struct http_response *response)
{
    struct outcome *outcome = context;

    outcome->done = true;
    outcome->calls++;
    outcome->status = response->status;
    outcome->error = response->transport_error;
    snprintf(outcome->body, sizeof(outcome->body), "%s", response->body);
    outcome->body_length = response->body_length;
    outcome->has_retry_after = response->retry_after != NULL;
    snprintf(outcome->retry_after, sizeof(outcome->retry_after), "%s",
             response->retry_after != NULL ? response->retry_after : "");
    snprintf(outcome->content_type, sizeof(outcome->content_type), "%s",
             response->content_type != NULL ? response->content_type : "");
    outcome->redirects = response->redirects_followed;
    outcome->elapsed_s = response->elapsed_s;
}

struct fixture {
    struct ev_loop *loop;
    struct http_client *client;
};

static int setup(void **state)
{
    static struct fixture fixture;

    fixture.loop = ev_loop_new(EVFLAG_AUTO);
    fixture.client = http_client_new(fixture.loop);
    if (fixture.loop == NULL || fixture.client == NULL || !test_server_start(&server))
        return -1;
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fixture = *state;

    http_client_free(fixture->client);
    ev_loop_destroy(fixture->loop);
    test_server_stop(&server);
    return 0;
}

static struct http_request_options get_options(const char *url)
{
    return (struct http_request_options){
        .method = "GET",
        .url = url,
        .connect_timeout_ms = 2000,
        .total_timeout_ms = 5000,
        .car_id = LOG_NO_CAR,
    };
}

static void serve(int status, const char *body)
{
    struct canned_response response = {.status = status};

    snprintf(response.body, sizeof(response.body), "%s", body);
    test_server_set_fixed(&server, &response);
}

static void run_request(struct fixture *fixture, const struct http_request_options *options,
                        struct outcome *outcome)
{
    memset(outcome, 0, sizeof(*outcome));
    struct http_request *request = http_submit(fixture->client, options, record_outcome, outcome);
    assert_non_null(request);
    assert_true(test_run_until(fixture->loop, &outcome->done, 10.0));
    assert_int_equal(outcome->calls, 1);
}

/* ---- pure helpers ------------------------------------------------------- */

static void timer_delay_converts_milliseconds(void **state)
{
    double delay_s = -1.0;

    (void)state;
    assert_true(http_timer_delay_s(1, &delay_s));
    assert_true(delay_s == 0.001);
    assert_true(http_timer_delay_s(0, &delay_s));
    assert_true(delay_s == 0.0);
    assert_true(http_timer_delay_s(999, &delay_s));
    assert_true(delay_s == 0.999);
    assert_true(http_timer_delay_s(1500, &delay_s));
    assert_true(delay_s == 1.5);

    delay_s = 7.0;
    assert_false(http_timer_delay_s(-1, &delay_s));
    assert_true(delay_s == 7.0);
}

static void transport_errors_from_curl_codes(void **state)
{
    (void)state;
    assert_int_equal(http_transport_error_from_curl(CURLE_OK), HTTP_TRANSPORT_OK);
    assert_int_equal(http_transport_error_from_curl(CURLE_OPERATION_TIMEDOUT),
                     HTTP_TRANSPORT_TIMEOUT);
    assert_int_equal(http_transport_error_from_curl(CURLE_COULDNT_CONNECT),
                     HTTP_TRANSPORT_CONNECTION_REFUSED);
    assert_int_equal(http_transport_error_from_curl(CURLE_COULDNT_RESOLVE_HOST),
                     HTTP_TRANSPORT_DNS);
    assert_int_equal(http_transport_error_from_curl(CURLE_PARTIAL_FILE), HTTP_TRANSPORT_CLOSED);
    assert_int_equal(http_transport_error_from_curl(CURLE_GOT_NOTHING), HTTP_TRANSPORT_CLOSED);
    assert_int_equal(http_transport_error_from_curl(CURLE_RECV_ERROR), HTTP_TRANSPORT_CLOSED);
    assert_int_equal(http_transport_error_from_curl(CURLE_SSL_CONNECT_ERROR), HTTP_TRANSPORT_TLS);
    assert_int_equal(http_transport_error_from_curl(CURLE_PEER_FAILED_VERIFICATION),
                     HTTP_TRANSPORT_TLS);
    assert_int_equal(http_transport_error_from_curl(CURLE_FILESIZE_EXCEEDED),
                     HTTP_TRANSPORT_BODY_TOO_LARGE);
    assert_int_equal(http_transport_error_from_curl(CURLE_UNSUPPORTED_PROTOCOL),
                     HTTP_TRANSPORT_OTHER);

    assert_string_equal(http_transport_error_name(HTTP_TRANSPORT_TIMEOUT), "timeout");
    assert_string_equal(http_transport_error_name(HTTP_TRANSPORT_CLOSED), "closed");
    assert_string_equal(http_transport_error_name(HTTP_TRANSPORT_COUNT), "invalid");
    assert_string_equal(http_transport_error_name((enum http_transport_error)-1), "invalid");
}

/* Tokens in the query never reach a log line; other parameters do. */
static void redact_url_hides_token_parameters(void **state)
{
    char out[512];

    (void)state;
    http_redact_url("https://owner-api.teslamotors.com/api/1/vehicles/1/vehicle_data"
                    "?token=secret-one&endpoints=charge_state%3Bclimate_state",
                    out, sizeof(out));
    assert_string_equal(out, "https://owner-api.teslamotors.com/api/1/vehicles/1/vehicle_data"
                             "?token=[redacted]&endpoints=charge_state%3Bclimate_state");

    http_redact_url("http://h/p?Access_Token=a1&x=1&REFRESH_TOKEN=r1&tokens=keep", out,
                    sizeof(out));
    assert_string_equal(out, "http://h/p?Access_Token=[redacted]&x=1&REFRESH_TOKEN=[redacted]"
                             "&tokens=keep");

    http_redact_url("https://user:password@host:8443/p?q=1#access_token=frag", out, sizeof(out));
    assert_string_equal(out, "https://[redacted]@host:8443/p?q=1#access_token=[redacted]");

    http_redact_url("http://h/no-query", out, sizeof(out));
    assert_string_equal(out, "http://h/no-query");

    http_redact_url("http://h/p?token", out, sizeof(out));
    assert_string_equal(out, "http://h/p?token");
}

static void redact_url_cuts_to_buffer(void **state)
{
    char out[16];

    (void)state;
    memset(out, 'x', sizeof(out));
    http_redact_url("http://host/path?token=abcdefghijklmnop", out, sizeof(out));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_null(strstr(out, "abcdef"));

    http_redact_url(NULL, out, sizeof(out));
    assert_string_equal(out, "");
}

/* Authorization shows as [FILTERED] whatever its case. */
static void redact_header_filters_authorization(void **state)
{
    char out[256];

    (void)state;
    http_redact_header("Authorization: Bearer secret", out, sizeof(out));
    assert_string_equal(out, "Authorization: [FILTERED]");
    http_redact_header("authorization: Bearer secret", out, sizeof(out));
    assert_string_equal(out, "authorization: [FILTERED]");
    http_redact_header("Proxy-Authorization: Basic c2VjcmV0", out, sizeof(out));
    assert_string_equal(out, "Proxy-Authorization: [FILTERED]");
    http_redact_header("x-request-id: 1234", out, sizeof(out));
    assert_string_equal(out, "x-request-id: 1234");
    http_redact_header("no colon here", out, sizeof(out));
    assert_string_equal(out, "no colon here");
}

struct redirect_case {
    const char *method;
    const char *url;
    long status;
    const char *location;
    unsigned followed;
    enum http_redirect_decision decision;
    const char *new_method;
    const char *new_url;
    bool cross_origin;
};

static void redirect_plan_follows_auth_rules(void **state)
{
    static const struct redirect_case cases[] = {
        {"GET", "https://owner-api.teslamotors.com/start", 302,
         "https://fleet-api.prd.na.vn.cloud.tesla.com/next", 0, HTTP_REDIRECT_FOLLOW, "GET",
         "https://fleet-api.prd.na.vn.cloud.tesla.com/next", true},
        {"POST", "https://a.example/token?x=1", 303, "/other?y=2", 0, HTTP_REDIRECT_FOLLOW,
         "GET", "https://a.example/other?y=2", false},
        {"POST", "https://a.example/token?x=1", 307, "/other", 0, HTTP_REDIRECT_FOLLOW, "POST",
         "https://a.example/other?x=1", false},
        {"POST", "https://a.example/token?x=1", 301, "/other", 0, HTTP_REDIRECT_FOLLOW, "POST",
         "https://a.example/other", false},
        {"GET", "https://a.example/", 308, "https://a.example:8443/", 0, HTTP_REDIRECT_FOLLOW,
         "GET", "https://a.example:8443/", true},
        {"GET", "https://a.example/", 302, "http://a.example/", 0, HTTP_REDIRECT_FOLLOW, "GET",
         "http://a.example/", true},
        {"GET", "https://auth.tesla.com/authorize", 302,
         "https://auth.tesla.com/void/callback?code=1", 0, HTTP_REDIRECT_NONE, NULL, NULL, false},
        {"GET", "https://a.example/", 302, "/again", 3, HTTP_REDIRECT_TOO_MANY, NULL, NULL,
         false},
        {"GET", "https://a.example/", 302, NULL, 0, HTTP_REDIRECT_NONE, NULL, NULL, false},
        {"GET", "https://a.example/", 304, "/x", 0, HTTP_REDIRECT_NONE, NULL, NULL, false},
        {"GET", "https://a.example/", 200, "/x", 0, HTTP_REDIRECT_NONE, NULL, NULL, false},
        {"GET", "https://a.example/", 302, "http://[::1", 0, HTTP_REDIRECT_INVALID, NULL,
         NULL, false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct redirect_case *c = &cases[i];
        struct http_redirect redirect;
        enum http_redirect_decision decision = http_redirect_plan(
            c->method, c->url, c->status, c->location, c->followed, 3,
            "https://auth.tesla.com/void/callback", &redirect);

        print_message("case %zu: %s\n", i, http_redirect_decision_name(decision));
        assert_int_equal(decision, c->decision);
        if (decision != HTTP_REDIRECT_FOLLOW)
            continue;
        assert_string_equal(redirect.method, c->new_method);
        assert_string_equal(redirect.url, c->new_url);
        assert_int_equal(redirect.cross_origin, c->cross_origin);
        free(redirect.url);
    }
}

static void redirect_plan_off_without_limit(void **state)
{
    struct http_redirect redirect;

    (void)state;
    assert_int_equal(http_redirect_plan("GET", "https://a.example/", 302, "/x", 0, 0, NULL,
                                        &redirect),
                     HTTP_REDIRECT_NONE);
    assert_string_equal(http_redirect_decision_name(HTTP_REDIRECT_DECISION_COUNT), "invalid");
}

/* ---- requests against the local server ---------------------------------- */

static void get_returns_status_body_headers(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    struct recorded_request seen;
    char url[256];
    const char *headers[] = {"Authorization: Bearer abc", "x-request-id: 42", NULL};
    struct canned_response response = {.status = 200, .header_names = {"Retry-After"}};

    snprintf(response.body, sizeof(response.body), "{\"response\":{\"id\":42}}");
    snprintf(response.header_values[0], sizeof(response.header_values[0]), "120");
    test_server_set_fixed(&server, &response);
    test_server_url(&server, "/api/1/vehicles/42?endpoints=a%3Bb", url, sizeof(url));
    size_t before = test_server_request_count(&server);

    struct http_request_options options = get_options(url);
    options.headers = headers;
    options.user_agent = "tenantmate/test";
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_OK);
    assert_int_equal(outcome.status, 200);
    assert_string_equal(outcome.body, "{\"response\":{\"id\":42}}");
    assert_int_equal(outcome.body_length, strlen(outcome.body));
    assert_true(outcome.has_retry_after);
    assert_string_equal(outcome.retry_after, "120");
    assert_string_equal(outcome.content_type, "application/json; charset=utf-8");

    assert_true(test_server_request(&server, before, &seen));
    assert_string_equal(seen.method, "GET");
    assert_string_equal(seen.uri, "/api/1/vehicles/42?endpoints=a%3Bb");
    assert_true(test_has_header(&seen, "Authorization: Bearer abc"));
    assert_true(test_has_header(&seen, "x-request-id: 42"));
    assert_true(test_has_header(&seen, "User-Agent: tenantmate/test"));
    assert_int_equal(http_client_in_flight(fixture->client), 0);
}

static void post_sends_body(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    struct recorded_request seen;
    char url[256];
    const char *headers[] = {"Content-Type: application/json", NULL};
    const char *body = "{\"grant_type\":\"refresh_token\"}";

    serve(200, "{}");
    test_server_url(&server, "/oauth2/v3/token", url, sizeof(url));
    size_t before = test_server_request_count(&server);

    struct http_request_options options = get_options(url);
    options.method = "POST";
    options.headers = headers;
    options.body = body;
    options.body_length = strlen(body);
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.status, 200);
    assert_true(test_server_request(&server, before, &seen));
    assert_string_equal(seen.method, "POST");
    assert_string_equal(seen.body, body);
    assert_true(test_has_header(&seen, "Content-Type: application/json"));
}

static void status_without_body(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];

    serve(503, "");
    test_server_url(&server, "/x", url, sizeof(url));
    struct http_request_options options = get_options(url);
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_OK);
    assert_int_equal(outcome.status, 503);
    assert_string_equal(outcome.body, "");
    assert_int_equal(outcome.body_length, 0);
    assert_false(outcome.has_retry_after);
}

/* A 200 ms total timeout must fire after about 200 ms, with few wake-ups:
 * a timer rounded down to 0 s would spin through thousands of them. */
static void subsecond_total_timeout_fires(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    struct canned_response slow = {.status = 200, .delay_s = 3.0};

    test_server_set_fixed(&server, &slow);
    test_server_url(&server, "/slow", url, sizeof(url));
    struct http_client_stats before = http_client_stats(fixture->client);

    struct http_request_options options = get_options(url);
    options.total_timeout_ms = 200;
    double started_s = test_monotonic_s();
    run_request(fixture, &options, &outcome);
    double waited_s = test_monotonic_s() - started_s;

    struct http_client_stats after = http_client_stats(fixture->client);
    print_message("timeout after %.3f s with %llu timer wake-ups\n", waited_s,
                  (unsigned long long)(after.timer_fires - before.timer_fires));
    assert_int_equal(outcome.error, HTTP_TRANSPORT_TIMEOUT);
    assert_int_equal(outcome.status, 0);
    assert_true(waited_s >= 0.18);
    assert_true(waited_s < 1.5);
    assert_true(after.timer_fires - before.timer_fires < 50);
}

static void connection_refused_is_classified(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    uint16_t port = test_closed_port();

    assert_int_not_equal(port, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/refused", (unsigned)port);
    struct http_request_options options = get_options(url);
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_CONNECTION_REFUSED);
    assert_int_equal(outcome.status, 0);
}

static void connection_closed_mid_body(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    struct canned_response partial = {.status = 200, .mode = SERVE_CLOSE_MID_BODY};

    snprintf(partial.body, sizeof(partial.body), "{\"response\":{\"id\":1,");
    test_server_set_fixed(&server, &partial);
    test_server_url(&server, "/partial", url, sizeof(url));
    struct http_request_options options = get_options(url);
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_CLOSED);
    assert_int_equal(outcome.status, 0);
    assert_string_equal(outcome.body, "");
}

static void connection_dropped_without_response(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    struct canned_response drop = {.status = 200, .mode = SERVE_DROP};

    test_server_set_fixed(&server, &drop);
    test_server_url(&server, "/drop", url, sizeof(url));
    struct http_request_options options = get_options(url);
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_CLOSED);
}

/* Content-Length above the limit: libcurl refuses before reading. */
static void oversized_declared_body_rejected(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    struct canned_response big = {.status = 200};

    memset(big.body, 'a', 5000);
    big.body[5000] = '\0';
    test_server_set_fixed(&server, &big);
    test_server_url(&server, "/big", url, sizeof(url));
    struct http_request_options options = get_options(url);
    options.max_body_bytes = 1000;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_BODY_TOO_LARGE);
    assert_int_equal(outcome.body_length, 0);
}

/* Without Content-Length the write callback stops at the limit. */
static void oversized_streamed_body_rejected(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    size_t length = 3 * 1024 * 1024;
    struct canned_response *big = calloc(1, sizeof(*big));

    assert_non_null(big);
    big->status = 200;
    big->mode = SERVE_CHUNKED;
    big->large_body = malloc(length);
    assert_non_null(big->large_body);
    memset(big->large_body, 'b', length);
    big->large_body_length = length;
    test_server_set_fixed(&server, big);
    test_server_url(&server, "/stream", url, sizeof(url));

    struct http_request_options options = get_options(url);
    options.max_body_bytes = 64 * 1024;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_BODY_TOO_LARGE);
    serve(200, "{}");
    free(big->large_body);
    free(big);
}

static void body_at_limit_accepted(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    struct canned_response exact = {.status = 200};

    memset(exact.body, 'c', 1000);
    exact.body[1000] = '\0';
    test_server_set_fixed(&server, &exact);
    test_server_url(&server, "/exact", url, sizeof(url));
    struct http_request_options options = get_options(url);
    options.max_body_bytes = 1000;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_OK);
    assert_int_equal(outcome.body_length, 1000);
}

/* https:// to a plain HTTP port fails in the TLS handshake. */
static void tls_handshake_failure_classified(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];

    serve(200, "{}");
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/tls", (unsigned)server.port);
    struct http_request_options options = get_options(url);
    options.version = HTTP_VERSION_2_TLS;
    options.tls_1_3_minimum = true;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_TLS);
}

static void never_called(void *context, const struct http_response *response)
{
    (void)response;
    ((struct outcome *)context)->calls++;
}

static void cancel_stops_without_callback(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome = {0};
    char url[256];
    struct canned_response slow = {.status = 200, .delay_s = 1.0};

    test_server_set_fixed(&server, &slow);
    test_server_url(&server, "/cancel", url, sizeof(url));
    struct http_request_options options = get_options(url);
    struct http_request *request = http_submit(fixture->client, &options, never_called, &outcome);
    assert_non_null(request);
    test_run_for(fixture->loop, 0.1);
    assert_int_equal(http_client_in_flight(fixture->client), 1);

    http_cancel(fixture->client, request);
    assert_int_equal(http_client_in_flight(fixture->client), 0);
    test_run_for(fixture->loop, 0.2);
    assert_int_equal(outcome.calls, 0);
    http_cancel(fixture->client, NULL);
}

static void free_cancels_in_flight_requests(void **state)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct http_client *client = http_client_new(loop);
    struct outcome outcome = {0};
    char url[256];
    struct canned_response slow = {.status = 200, .delay_s = 1.0};

    (void)state;
    test_server_set_fixed(&server, &slow);
    test_server_url(&server, "/free", url, sizeof(url));
    struct http_request_options options = get_options(url);
    assert_non_null(http_submit(client, &options, never_called, &outcome));
    assert_non_null(http_submit(client, &options, never_called, &outcome));
    test_run_for(loop, 0.1);
    assert_int_equal(http_client_in_flight(client), 2);

    http_client_free(client);
    ev_loop_destroy(loop);
    assert_int_equal(outcome.calls, 0);
}

static void bad_options_rejected(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome = {0};
    struct http_request_options options = get_options("http://127.0.0.1:1/");

    options.method = "get";
    assert_null(http_submit(fixture->client, &options, never_called, &outcome));
    options.method = "";
    assert_null(http_submit(fixture->client, &options, never_called, &outcome));
    options.method = NULL;
    assert_null(http_submit(fixture->client, &options, never_called, &outcome));
    options = get_options(NULL);
    assert_null(http_submit(fixture->client, &options, never_called, &outcome));
    options = get_options("http://127.0.0.1:1/");
    assert_null(http_submit(fixture->client, &options, NULL, &outcome));
    assert_null(http_submit(fixture->client, NULL, never_called, &outcome));
    options.version = HTTP_VERSION_COUNT;
    assert_null(http_submit(fixture->client, &options, never_called, &outcome));
    options = get_options("ftp://127.0.0.1:1/");
    struct outcome refused = {0};
    assert_non_null(http_submit(fixture->client, &options, record_outcome, &refused));
    assert_true(test_run_until(fixture->loop, &refused.done, 5.0));
    assert_int_equal(refused.error, HTTP_TRANSPORT_OTHER);
    assert_int_equal(outcome.calls, 0);
}

/* Completion callbacks may start new requests. */
struct chain {
    struct http_client *client;
    char url[256];
    int remaining;
    int completed;
    bool done;
};

static void chain_next(void *context, const struct http_response *response)
{
    struct chain *chain = context;
    struct http_request_options options = get_options(chain->url);

    assert_int_equal(response->status, 200);
    chain->completed++;
    if (chain->remaining-- > 0)
        assert_non_null(http_submit(chain->client, &options, chain_next, chain));
    else
        chain->done = true;
}

static void callbacks_may_submit_requests(void **state)
{
    struct fixture *fixture = *state;
    struct chain chain = {.client = fixture->client, .remaining = 4};

    serve(200, "{}");
    test_server_url(&server, "/chain", chain.url, sizeof(chain.url));
    struct http_request_options options = get_options(chain.url);
    assert_non_null(http_submit(fixture->client, &options, chain_next, &chain));
    assert_true(test_run_until(fixture->loop, &chain.done, 10.0));
    assert_int_equal(chain.completed, 5);
}

struct parallel {
    int completed;
    int expected;
    bool done;
};

static void parallel_done(void *context, const struct http_response *response)
{
    struct parallel *parallel = context;

    assert_int_equal(response->status, 200);
    if (++parallel->completed == parallel->expected)
        parallel->done = true;
}

static void parallel_requests_complete(void **state)
{
    struct fixture *fixture = *state;
    struct parallel parallel = {.expected = 20};
    char url[256];
    struct canned_response slow = {.status = 200, .delay_s = 0.2};

    snprintf(slow.body, sizeof(slow.body), "{}");
    test_server_set_fixed(&server, &slow);
    test_server_url(&server, "/parallel", url, sizeof(url));
    struct http_request_options options = get_options(url);
    double started_s = test_monotonic_s();
    for (int i = 0; i < parallel.expected; i++)
        assert_non_null(http_submit(fixture->client, &options, parallel_done, &parallel));
    assert_true(test_run_until(fixture->loop, &parallel.done, 10.0));
    double waited_s = test_monotonic_s() - started_s;

    print_message("20 requests of 0.2 s each took %.3f s\n", waited_s);
    assert_true(waited_s < 2.0);
}

/* A cross-origin redirect drops Authorization and Host, keeps the rest. */
static struct test_server second_server;

static void redirect_to_second(struct test_server *origin, const struct recorded_request *request,
                               struct canned_response *response)
{
    (void)origin;
    (void)request;
    response->status = 302;
    response->header_names[0] = "Location";
    snprintf(response->header_values[0], sizeof(response->header_values[0]),
             "http://127.0.0.1:%u/next", (unsigned)second_server.port);
}

static void redirect_across_origins_drops_credentials(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    struct recorded_request seen;
    char url[256];
    const char *headers[] = {"Authorization: Bearer secret", "authorization: Bearer other",
                             "Host: owner-api.teslamotors.com", "x-request-id: 7", NULL};

    assert_true(test_server_start(&second_server));
    serve(200, "{}");
    snprintf(second_server.fixed.body, sizeof(second_server.fixed.body), "{\"ok\":true}");
    test_server_set_route(&server, redirect_to_second, NULL);
    test_server_url(&server, "/start", url, sizeof(url));

    struct http_request_options options = get_options(url);
    options.headers = headers;
    options.max_redirects = 3;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.status, 200);
    assert_int_equal(outcome.redirects, 1);
    assert_string_equal(outcome.body, "{\"ok\":true}");
    assert_true(test_server_request(&second_server, 0, &seen));
    assert_string_equal(seen.uri, "/next");
    assert_false(test_has_header_name(&seen, "Authorization"));
    assert_null(strstr(seen.headers, "owner-api.teslamotors.com"));
    assert_true(test_has_header(&seen, "x-request-id: 7"));
    test_server_stop(&second_server);
    serve(200, "{}");
}

static void redirect_to_self(struct test_server *origin, const struct recorded_request *request,
                             struct canned_response *response)
{
    (void)request;
    response->status = 307;
    response->header_names[0] = "Location";
    snprintf(response->header_values[0], sizeof(response->header_values[0]),
             "http://127.0.0.1:%u/loop", (unsigned)origin->port);
}

static void redirect_limit_is_an_error(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    const char *headers[] = {"Authorization: Bearer kept", NULL};

    test_server_set_route(&server, redirect_to_self, NULL);
    test_server_url(&server, "/loop", url, sizeof(url));
    size_t before = test_server_request_count(&server);

    struct http_request_options options = get_options(url);
    options.headers = headers;
    options.max_redirects = 3;
    run_request(fixture, &options, &outcome);

    assert_int_equal(outcome.error, HTTP_TRANSPORT_TOO_MANY_REDIRECTS);
    assert_int_equal(test_server_request_count(&server) - before, 4);

    /* Same origin: Authorization stays on every hop. */
    struct recorded_request seen;
    assert_true(test_server_request(&server, before + 3, &seen));
    assert_true(test_has_header(&seen, "Authorization: Bearer kept"));

    /* Without max_redirects the 307 goes back to the caller. */
    options.max_redirects = 0;
    run_request(fixture, &options, &outcome);
    assert_int_equal(outcome.error, HTTP_TRANSPORT_OK);
    assert_int_equal(outcome.status, 307);
    serve(200, "{}");
}

/* The request log names method, URL and status, never a secret. */
static void log_lines_never_show_secrets(void **state)
{
    struct fixture *fixture = *state;
    struct outcome outcome;
    char url[256];
    char log_path[] = "/tmp/tenantmate-test-http-XXXXXX";
    int fd = mkstemp(log_path);
    const char *headers[] = {"Authorization: Bearer header-secret",
                             "authorization: Bearer lower-secret", "x-request-id: 99", NULL};

    assert_true(fd >= 0);
    close(fd);
    assert_true(log_open_file(log_path));
    log_init("test_http", LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG);

    serve(408, "{\"response\":null,\"error\":\"vehicle unavailable: asleep\"}");
    test_server_url(&server, "/api/1/vehicles/1/vehicle_data?token=query-secret&endpoints="
                    "charge_state%3Bclimate_state", url, sizeof(url));
    struct http_request_options options = get_options(url);
    options.headers = headers;
    run_request(fixture, &options, &outcome);
    assert_int_equal(outcome.status, 408);

    uint16_t port = test_closed_port();
    char refused_url[256];
    snprintf(refused_url, sizeof(refused_url),
             "http://127.0.0.1:%u/api/1/products?access_token=refused-secret", (unsigned)port);
    options = get_options(refused_url);
    options.total_timeout_ms = 35000;
    run_request(fixture, &options, &outcome);

    log_init("test_http", LOG_FORMAT_TEXT, LOG_LEVEL_WARNING);
    assert_true(log_open_file("/dev/null"));
    char *log = test_read_file(log_path);
    unlink(log_path);
    assert_non_null(log);
    print_message("%s", log != NULL ? log : "");

    assert_non_null(strstr(log, "GET http://127.0.0.1:"));
    assert_non_null(strstr(log, "-> 408"));
    assert_non_null(strstr(log, "token=[redacted]"));
    assert_non_null(strstr(log, "endpoints=charge_state%3Bclimate_state"));
    assert_non_null(strstr(log, "Authorization: [FILTERED]"));
    assert_non_null(strstr(log, "authorization: [FILTERED]"));
    assert_non_null(strstr(log, "x-request-id: 99"));
    assert_non_null(strstr(log, "access_token=[redacted]"));
    assert_non_null(strstr(log, "connection_refused"));
    assert_non_null(strstr(log, "total 35000 ms"));
    assert_null(strstr(log, "secret"));
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timer_delay_converts_milliseconds),
        cmocka_unit_test(transport_errors_from_curl_codes),
        cmocka_unit_test(redact_url_hides_token_parameters),
        cmocka_unit_test(redact_url_cuts_to_buffer),
        cmocka_unit_test(redact_header_filters_authorization),
        cmocka_unit_test(redirect_plan_follows_auth_rules),
        cmocka_unit_test(redirect_plan_off_without_limit),
        cmocka_unit_test(get_returns_status_body_headers),
        cmocka_unit_test(post_sends_body),
        cmocka_unit_test(status_without_body),
        cmocka_unit_test(subsecond_total_timeout_fires),
        cmocka_unit_test(connection_refused_is_classified),
        cmocka_unit_test(connection_closed_mid_body),
        cmocka_unit_test(connection_dropped_without_response),
        cmocka_unit_test(oversized_declared_body_rejected),
        cmocka_unit_test(oversized_streamed_body_rejected),
        cmocka_unit_test(body_at_limit_accepted),
        cmocka_unit_test(tls_handshake_failure_classified),
        cmocka_unit_test(cancel_stops_without_callback),
        cmocka_unit_test(free_cancels_in_flight_requests),
        cmocka_unit_test(bad_options_rejected),
        cmocka_unit_test(callbacks_may_submit_requests),
        cmocka_unit_test(parallel_requests_complete),
        cmocka_unit_test(redirect_across_origins_drops_credentials),
        cmocka_unit_test(redirect_limit_is_an_error),
        cmocka_unit_test(log_lines_never_show_secrets),
    };

    log_init("test_http", LOG_FORMAT_TEXT, LOG_LEVEL_WARNING);
    return cmocka_run_group_tests(tests, setup, teardown);
}
