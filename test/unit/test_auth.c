/* Tests of worker/auth: issuer rules, and the token lifecycle against a
 * local token endpoint (refresh, save, schedule, retry, reject, sign in/out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <sodium.h>

#include "auth.h"
#include "http_test_support.h"
#include "log.h"

/* ---- issuer rules (pure) --------------------------------------------------- */

/* A JWT "header.payload.signature" whose payload is claims in base64 variant. */
static void make_jwt(const char *claims, int variant, char *out, size_t size)
{
    char payload[1024];

    sodium_bin2base64(payload, sizeof(payload), (const unsigned char *)claims, strlen(claims),
                      variant);
    snprintf(out, size, "eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl", payload);
}

static void issuer_for(const struct tesla_api_config *config, const char *token, char *out)
{
    auth_issuer_for_token(config, token, out, TESLA_URL_MAX);
}

static void issuer_from_configured_host(void **state)
{
    struct tesla_api_config config;
    char issuer[TESLA_URL_MAX];

    (void)state;
    tesla_api_config_defaults(&config, "test");
    snprintf(config.auth_host, sizeof(config.auth_host), "https://api.myteslamate.com");
    issuer_for(&config, "qts-anything", issuer);
    assert_string_equal(issuer, "https://api.myteslamate.com");

    snprintf(config.auth_path, sizeof(config.auth_path), "/api/oauth2/v3");
    issuer_for(&config, "eyJ.whatever.sig", issuer);
    assert_string_equal(issuer, "https://api.myteslamate.com/api/oauth2/v3");
    issuer_for(&config, NULL, issuer);
    assert_string_equal(issuer, "https://api.myteslamate.com/api/oauth2/v3");
}

static void issuer_for_opaque_tokens(void **state)
{
    struct tesla_api_config config;
    char issuer[TESLA_URL_MAX];

    (void)state;
    tesla_api_config_defaults(&config, "test");
    issuer_for(&config, "qts-0123", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, "eu-0123", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, "cn-0123", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");

    snprintf(config.auth_path, sizeof(config.auth_path), "/other/v9/");
    issuer_for(&config, "qts-0123", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/other/v9");
}

struct jwt_case {
    const char *claims;
    int variant;
    const char *issuer;
};

static void issuer_from_jwt_claim(void **state)
{
    static const struct jwt_case cases[] = {
        {"{\"iss\":\"https://auth.tesla.cn/oauth2/v3\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.cn/oauth2/v3"},
        {"{\"iss\":\"https://auth.tesla.cn/oauth2/v3\"}",
         sodium_base64_VARIANT_ORIGINAL_NO_PADDING, "https://auth.tesla.cn/oauth2/v3"},
        /* "~~~" encodes to "fn5+" in the standard alphabet and "fn5-" in base64url. */
        {"{\"a\":\"~~~~~~\",\"iss\":\"https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/\"}",
         sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
         "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3"},
        {"{\"a\":\"~~~~~~\",\"iss\":\"https://auth.tesla.cn/oauth2/v3\"}",
         sodium_base64_VARIANT_URLSAFE_NO_PADDING, "https://auth.tesla.cn/oauth2/v3"},
        {"{\"iss\":\"https://auth.teslamotors.com/oauth2/v3\"}",
         sodium_base64_VARIANT_ORIGINAL, "https://auth.teslamotors.com/oauth2/v3"},
        /* Not Tesla, not https, look-alike hosts, no claim: the default issuer. */
        {"{\"iss\":\"https://evil.example/oauth2/v3\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.com/oauth2/v3"},
        {"{\"iss\":\"http://auth.tesla.cn/oauth2/v3\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.com/oauth2/v3"},
        {"{\"iss\":\"https://auth.tesla.com.evil.io/x\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.com/oauth2/v3"},
        {"{\"iss\":\"https://eviltesla.com/x\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.com/oauth2/v3"},
        {"{\"iss\":\"https://user@auth.tesla.cn/x\"}", sodium_base64_VARIANT_ORIGINAL,
         "https://auth.tesla.com/oauth2/v3"},
        {"{\"iss\":42}", sodium_base64_VARIANT_ORIGINAL, "https://auth.tesla.com/oauth2/v3"},
        {"{\"sub\":\"x\"}", sodium_base64_VARIANT_ORIGINAL, "https://auth.tesla.com/oauth2/v3"},
        {"not json", sodium_base64_VARIANT_ORIGINAL, "https://auth.tesla.com/oauth2/v3"},
    };
    struct tesla_api_config config;
    char token[2048];
    char issuer[TESLA_URL_MAX];

    (void)state;
    tesla_api_config_defaults(&config, "test");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_jwt(cases[i].claims, cases[i].variant, token, sizeof(token));
        print_message("claims %s as %s\n", cases[i].claims, token);
        if (strstr(cases[i].claims, "~~~") != NULL)
            assert_non_null(strpbrk(token, "+-"));
        issuer_for(&config, token, issuer);
        assert_string_equal(issuer, cases[i].issuer);
    }

    assert_int_equal(tesla_region_from_issuer("https://auth.tesla.cn/oauth2/v3"),
                     TESLA_REGION_CHINA);
}

static void issuer_fallbacks(void **state)
{
    struct tesla_api_config config;
    char issuer[TESLA_URL_MAX];

    (void)state;
    tesla_api_config_defaults(&config, "test");
    issuer_for(&config, "opaque", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, "a.!!!not-base64!!!.c", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, "a..c", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, "", issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
    issuer_for(&config, NULL, issuer);
    assert_string_equal(issuer, "https://auth.tesla.com/oauth2/v3");
}

static void refresh_delay_is_three_quarters(void **state)
{
    (void)state;
    assert_true(auth_refresh_delay_s(28800) == 21600.0);
    assert_true(auth_refresh_delay_s(600) == 450.0);
    assert_true(auth_refresh_delay_s(10000000) == 7500000.0);
    assert_true(auth_refresh_delay_s(1) == 1.0);
    assert_true(auth_refresh_delay_s(2) == 2.0);
    assert_true(auth_refresh_delay_s(3) == 2.0);
}

/* Values outside an enum are named, never read out of bounds. */
static void enum_names(void **state)
{
    (void)state;
    assert_string_equal(auth_refresh_result_name(AUTH_REFRESH_REJECTED), "rejected");
    assert_string_equal(auth_refresh_result_name(AUTH_REFRESH_RESULT_COUNT), "invalid");
    assert_string_equal(auth_refresh_trigger_name(AUTH_REFRESH_SCHEDULED), "scheduled");
    assert_string_equal(auth_refresh_trigger_name((enum auth_refresh_trigger)-1), "invalid");
    assert_string_equal(auth_sign_out_reason_name(AUTH_SIGNED_OUT_TOKENS_REJECTED),
                        "tokens rejected");
    assert_string_equal(auth_sign_out_reason_name(AUTH_SIGN_OUT_REASON_COUNT), "invalid");
    assert_string_equal(auth_sign_in_status_name(AUTH_SIGN_IN_ALREADY_SIGNED_IN),
                        "already_signed_in");
    assert_string_equal(auth_sign_in_status_name(AUTH_SIGN_IN_STATUS_COUNT), "invalid");
}

/* ---- the lifecycle against a local token endpoint ------------------------------ */

enum token_answer {
    ANSWER_TOKENS,          /* 200 with access-N / refresh-N */
    ANSWER_SERVER_ERROR,    /* 500 */
    ANSWER_INVALID_GRANT_400,
    ANSWER_INVALID_GRANT_401,
    ANSWER_LOGIN_REQUIRED_401,
    ANSWER_UNAUTHORIZED_401,
    ANSWER_INVALID_REQUEST_400,
    ANSWER_NOT_JSON,
};

struct token_endpoint {
    enum token_answer answer;
    long expires_in_s;
    int issued;                 /* token pairs handed out */
    int requests;               /* POST /token seen */
    double delay_s;
};

static struct test_server server;
static struct token_endpoint endpoint;

static void answer_error(struct canned_response *response, int status, const char *error)
{
    response->status = status;
    snprintf(response->body, sizeof(response->body),
             "{\"error\":\"%s\",\"error_description\":\"test\"}", error);
}

static void token_route(struct test_server *origin, const struct recorded_request *request,
                        struct canned_response *response)
{
    (void)origin;
    if (strcmp(request->uri, "/moved/token") == 0) {
        response->status = 307;
        response->header_names[0] = "Location";
        snprintf(response->header_values[0], sizeof(response->header_values[0]), "/token");
        return;
    }
    endpoint.requests++;
    response->delay_s = endpoint.delay_s;
    switch (endpoint.answer) {
    case ANSWER_TOKENS:
        endpoint.issued++;
        response->status = 200;
        snprintf(response->body, sizeof(response->body),
                 "{\"access_token\":\"access-%d\",\"refresh_token\":\"refresh-%d\","
                 "\"id_token\":\"id-%d\",\"expires_in\":%ld,\"token_type\":\"Bearer\"}",
                 endpoint.issued, endpoint.issued, endpoint.issued, endpoint.expires_in_s);
        break;
    case ANSWER_SERVER_ERROR:
        answer_error(response, 500, "internal_error");
        break;
    case ANSWER_INVALID_GRANT_400:
        answer_error(response, 400, "invalid_grant");
        break;
    case ANSWER_INVALID_GRANT_401:
        answer_error(response, 401, "invalid_grant");
        break;
    case ANSWER_LOGIN_REQUIRED_401:
        answer_error(response, 401, "login_required");
        break;
    case ANSWER_UNAUTHORIZED_401:
        answer_error(response, 401, "unauthorized");
        break;
    case ANSWER_INVALID_REQUEST_400:
        answer_error(response, 400, "invalid_request");
        break;
    case ANSWER_NOT_JSON:
        response->status = 200;
        snprintf(response->body, sizeof(response->body), "<html>maintenance</html>");
        response->content_type = "text/html";
        break;
    }
}

static void set_answer(enum token_answer answer, long expires_in_s)
{
    pthread_mutex_lock(&server.lock);
    endpoint.answer = answer;
    endpoint.expires_in_s = expires_in_s;
    pthread_mutex_unlock(&server.lock);
}

static int token_requests(void)
{
    pthread_mutex_lock(&server.lock);
    int requests = endpoint.requests;
    pthread_mutex_unlock(&server.lock);
    return requests;
}

/* What the callbacks saw. */
struct harness {
    struct ev_loop *loop;
    struct http_client *http;
    struct tesla_api_config config;
    struct auth *auth;

    bool save_synchronously;
    bool save_succeeds;
    int saves;
    char saved_access[64];
    char saved_refresh[64];
    char access_in_use_during_save[64];

    int signed_out;
    enum auth_sign_out_reason sign_out_reason;

    int refreshes_finished;
    bool refresh_done;
    struct auth_refresh_report last_report;
};

static struct harness harness;

static void on_save(void *context, struct auth *auth, const char *access_token,
                    const char *refresh_token)
{
    struct harness *h = context;
    const char *in_use = auth_access_token(auth);

    h->saves++;
    snprintf(h->saved_access, sizeof(h->saved_access), "%s", access_token);
    snprintf(h->saved_refresh, sizeof(h->saved_refresh), "%s", refresh_token);
    snprintf(h->access_in_use_during_save, sizeof(h->access_in_use_during_save), "%s",
             in_use != NULL ? in_use : "(none)");
    if (h->save_synchronously)
        auth_save_finished(auth, h->save_succeeds);
}

static void on_signed_out(void *context, enum auth_sign_out_reason reason)
{
    struct harness *h = context;

    h->signed_out++;
    h->sign_out_reason = reason;
}

static void on_refresh_finished(void *context, const struct auth_refresh_report *report)
{
    struct harness *h = context;

    h->refreshes_finished++;
    h->refresh_done = true;
    h->last_report = *report;
}

static const struct auth_callbacks callbacks = {
    .save = on_save,
    .signed_out = on_signed_out,
    .refresh_finished = on_refresh_finished,
};

static int group_setup(void **state)
{
    (void)state;
    if (!test_server_start(&server))
        return -1;
    test_server_set_route(&server, token_route, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&server);
    return 0;
}

static int auth_setup(void **state)
{
    memset(&harness, 0, sizeof(harness));
    harness.save_synchronously = true;
    harness.save_succeeds = true;
    set_answer(ANSWER_TOKENS, 28800);
    pthread_mutex_lock(&server.lock);
    endpoint.issued = 0;
    pthread_mutex_unlock(&server.lock);

    harness.loop = ev_loop_new(EVFLAG_AUTO);
    harness.http = http_client_new(harness.loop);
    tesla_api_config_defaults(&harness.config, "test");
    test_server_url(&server, "", harness.config.auth_host, sizeof(harness.config.auth_host));
    harness.auth = auth_new(harness.loop, harness.http, &harness.config, &callbacks, &harness);
    *state = &harness;
    return harness.auth != NULL ? 0 : -1;
}

static int auth_teardown(void **state)
{
    struct harness *h = *state;

    auth_free(h->auth);
    http_client_free(h->http);
    ev_loop_destroy(h->loop);
    pthread_mutex_lock(&server.lock);
    endpoint.delay_s = 0.0;
    pthread_mutex_unlock(&server.lock);
    return 0;
}

static void wait_for_refresh(struct harness *h)
{
    h->refresh_done = false;
    assert_true(test_run_until(h->loop, &h->refresh_done, 10.0));
}

static void last_token_request(struct recorded_request *request)
{
    size_t count = test_server_request_count(&server);

    assert_true(count > 0);
    assert_true(test_server_request(&server, count - 1, request));
}

static double scheduled_delay(const struct harness *h)
{
    double delay_s = -1.0;

    assert_true(auth_refresh_scheduled(h->auth, &delay_s));
    return delay_s;
}

/* The start-up refresh posts the stored refresh token as JSON,
 * saves the new pair, then uses it; next refresh at 75 % of expires_in. */
static void start_refreshes_saves_and_schedules(void **state)
{
    struct harness *h = *state;
    struct recorded_request seen;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    assert_true(auth_signed_in(h->auth));
    assert_string_equal(auth_access_token(h->auth), "stored-access");
    assert_int_equal(h->refreshes_finished, 0);
    wait_for_refresh(h);

    last_token_request(&seen);
    assert_string_equal(seen.method, "POST");
    assert_string_equal(seen.uri, "/token");
    assert_true(test_has_header(&seen, "Content-Type: application/json"));
    assert_true(test_has_header(&seen, "Accept: text/html,application/xhtml+xml,"
                                       "application/xml;q=0.9,image/webp,*/*;q=0.8"));
    assert_true(test_has_header(&seen, "Accept-Language: en-US,de-DE;q=0.5"));
    assert_true(test_has_header(&seen, "User-Agent: tenantmate/test"));
    assert_false(test_has_header_name(&seen, "Authorization"));

    cJSON *body = cJSON_Parse(seen.body);
    assert_non_null(body);
    assert_int_equal(cJSON_GetArraySize(body), 4);
    assert_string_equal(cJSON_GetObjectItem(body, "grant_type")->valuestring, "refresh_token");
    assert_string_equal(cJSON_GetObjectItem(body, "scope")->valuestring,
                        "openid email offline_access");
    assert_string_equal(cJSON_GetObjectItem(body, "client_id")->valuestring, "ownerapi");
    assert_string_equal(cJSON_GetObjectItem(body, "refresh_token")->valuestring,
                        "stored-refresh");
    cJSON_Delete(body);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_OK);
    assert_int_equal(h->last_report.trigger, AUTH_REFRESH_AT_START);
    assert_int_equal(h->saves, 1);
    assert_string_equal(h->saved_access, "access-1");
    assert_string_equal(h->saved_refresh, "refresh-1");
    assert_string_equal(auth_access_token(h->auth), "access-1");
    assert_true(scheduled_delay(h) == 21600.0);
    assert_true(h->last_report.next_refresh_scheduled);
    assert_true(h->last_report.next_refresh_delay_s == 21600.0);
    assert_int_equal(h->signed_out, 0);
}

/* Refresh tokens are single-use: the new pair reaches the save callback
 * while the old one is still in use, and is used only once saved. */
static void rotation_uses_pair_only_after_save(void **state)
{
    struct harness *h = *state;

    h->save_synchronously = false;
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    test_run_for(h->loop, 0.3);

    assert_int_equal(h->saves, 1);
    assert_string_equal(h->saved_access, "access-1");
    assert_string_equal(h->access_in_use_during_save, "stored-access");
    assert_string_equal(auth_access_token(h->auth), "stored-access");
    assert_int_equal(h->refreshes_finished, 0);

    /* While the save is pending no second refresh may spend the new token. */
    int requests = token_requests();
    assert_true(auth_refresh_now(h->auth));
    assert_true(auth_report_unauthorized(h->auth));
    test_run_for(h->loop, 0.2);
    assert_int_equal(token_requests(), requests);

    auth_save_finished(h->auth, true);
    assert_string_equal(auth_access_token(h->auth), "access-1");
    assert_int_equal(h->refreshes_finished, 1);
    assert_int_equal(h->last_report.result, AUTH_REFRESH_OK);

    /* A second report has nothing to finish. */
    auth_save_finished(h->auth, true);
    assert_int_equal(h->refreshes_finished, 1);
}

/* A failed save keeps the old pair in use and retries the save later. */
static void failed_save_keeps_old_pair(void **state)
{
    struct harness *h = *state;

    h->save_succeeds = false;
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_SAVE_FAILED);
    assert_string_equal(auth_access_token(h->auth), "stored-access");
    assert_true(auth_signed_in(h->auth));
    double delay_s;
    assert_false(auth_refresh_scheduled(h->auth, &delay_s));

    int requests = token_requests();
    assert_true(auth_refresh_now(h->auth));
    test_run_for(h->loop, 0.2);
    assert_int_equal(token_requests(), requests);
}

/* A failed start-up refresh keeps the stored pair, saves nothing and
 * retries after 450 s (75 % of the assumed 600 s). */
static void start_failure_keeps_stored_pair(void **state)
{
    struct harness *h = *state;

    set_answer(ANSWER_SERVER_ERROR, 0);
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_FAILED);
    assert_int_equal(h->last_report.http_status, 500);
    assert_string_equal(h->last_report.error, "internal_error");
    assert_true(auth_signed_in(h->auth));
    assert_string_equal(auth_access_token(h->auth), "stored-access");
    assert_int_equal(h->saves, 0);
    assert_true(scheduled_delay(h) == 450.0);
}

/* A failed later refresh is retried after 5 min. */
static void scheduled_failure_retries_in_300_s(void **state)
{
    struct harness *h = *state;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    set_answer(ANSWER_NOT_JSON, 0);
    assert_true(auth_refresh_now(h->auth));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_FAILED);
    assert_int_equal(h->last_report.trigger, AUTH_REFRESH_SCHEDULED);
    assert_true(scheduled_delay(h) == 300.0);
    assert_string_equal(auth_access_token(h->auth), "access-1");

    set_answer(ANSWER_INVALID_REQUEST_400, 0);
    assert_true(auth_refresh_now(h->auth));
    wait_for_refresh(h);
    assert_int_equal(h->last_report.result, AUTH_REFRESH_FAILED);
    assert_string_equal(h->last_report.error, "invalid_request");
    assert_true(scheduled_delay(h) == 300.0);
    assert_int_equal(h->signed_out, 0);
}

static void unreachable_endpoint_fails_softly(void **state)
{
    struct harness *h = *state;

    snprintf(h->config.auth_host, sizeof(h->config.auth_host), "http://127.0.0.1:%u",
             (unsigned)test_closed_port());
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_FAILED);
    assert_int_equal(h->last_report.transport_error, HTTP_TRANSPORT_CONNECTION_REFUSED);
    assert_true(scheduled_delay(h) == 450.0);
}

/* The scheduled refresh fires and saves again (expires_in 1 s: after 1 s). */
static void scheduled_refresh_fires(void **state)
{
    struct harness *h = *state;

    set_answer(ANSWER_TOKENS, 1);
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    assert_true(scheduled_delay(h) == 1.0);

    double started_s = test_monotonic_s();
    wait_for_refresh(h);
    double waited_s = test_monotonic_s() - started_s;

    print_message("scheduled refresh after %.3f s\n", waited_s);
    assert_true(waited_s >= 0.9);
    assert_int_equal(h->last_report.trigger, AUTH_REFRESH_SCHEDULED);
    assert_int_equal(h->last_report.result, AUTH_REFRESH_OK);
    assert_int_equal(h->saves, 2);
    assert_string_equal(auth_access_token(h->auth), "access-2");
}

static void expect_rejection(struct harness *h, enum token_answer answer, long status,
                             const char *error)
{
    set_answer(answer, 0);
    assert_true(auth_refresh_now(h->auth));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_REJECTED);
    assert_int_equal(h->last_report.http_status, status);
    assert_string_equal(h->last_report.error, error);
    assert_false(h->last_report.next_refresh_scheduled);
    assert_false(auth_signed_in(h->auth));
    assert_null(auth_access_token(h->auth));
    assert_int_equal(h->signed_out, 1);
    assert_int_equal(h->sign_out_reason, AUTH_SIGNED_OUT_TOKENS_REJECTED);
}

/* invalid_grant: a permanent rejection, reported through signed_out. */
static void invalid_grant_rejects_tokens(void **state)
{
    struct harness *h = *state;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    expect_rejection(h, ANSWER_INVALID_GRANT_400, 400, "invalid_grant");

    /* Signed out: no more refreshes. */
    int requests = token_requests();
    assert_false(auth_refresh_now(h->auth));
    assert_false(auth_report_unauthorized(h->auth));
    test_run_for(h->loop, 0.1);
    assert_int_equal(token_requests(), requests);
}

static void invalid_grant_401_rejects_tokens(void **state)
{
    struct harness *h = *state;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    expect_rejection(h, ANSWER_INVALID_GRANT_401, 401, "invalid_grant");
}

static void login_required_rejects_tokens(void **state)
{
    struct harness *h = *state;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    expect_rejection(h, ANSWER_LOGIN_REQUIRED_401, 401, "login_required");
}

/* A plain 401 from the token endpoint is a failure to retry, not a rejection. */
static void plain_401_is_retried(void **state)
{
    struct harness *h = *state;

    set_answer(ANSWER_UNAUTHORIZED_401, 0);
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    assert_int_equal(h->last_report.result, AUTH_REFRESH_FAILED);
    assert_true(auth_signed_in(h->auth));
    assert_int_equal(h->signed_out, 0);
}

/* A 401 on a REST call refreshes at once; refreshes asked for while one
 * runs are dropped, so a refresh token is never spent twice. */
static void unauthorized_refreshes_once(void **state)
{
    struct harness *h = *state;

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    pthread_mutex_lock(&server.lock);
    endpoint.delay_s = 0.3;
    pthread_mutex_unlock(&server.lock);

    int requests = token_requests();
    assert_true(auth_report_unauthorized(h->auth));
    assert_true(auth_report_unauthorized(h->auth));
    assert_true(auth_refresh_now(h->auth));
    wait_for_refresh(h);
    test_run_for(h->loop, 0.1);

    assert_int_equal(token_requests(), requests + 1);
    assert_int_equal(h->last_report.trigger, AUTH_REFRESH_UNAUTHORIZED);
    assert_string_equal(auth_access_token(h->auth), "access-2");
}

struct sign_in_wait {
    bool done;
    struct auth_refresh_report report;
};

static void sign_in_done(void *context, const struct auth_refresh_report *report)
{
    struct sign_in_wait *wait = context;

    wait->done = true;
    wait->report = *report;
}

/* Sign-in works only while signed out, and one at a time. */
static void sign_in_while_signed_out(void **state)
{
    struct harness *h = *state;
    struct sign_in_wait wait = {0};

    assert_int_equal(auth_sign_in(h->auth, "user-access", "user-refresh", sign_in_done, &wait),
                     AUTH_SIGN_IN_STARTED);
    assert_false(wait.done);
    assert_false(auth_signed_in(h->auth));
    assert_int_equal(auth_sign_in(h->auth, "user-access", "user-refresh", sign_in_done, &wait),
                     AUTH_SIGN_IN_BUSY);
    assert_true(test_run_until(h->loop, &wait.done, 10.0));

    assert_int_equal(wait.report.result, AUTH_REFRESH_OK);
    assert_int_equal(wait.report.trigger, AUTH_REFRESH_SIGN_IN);
    assert_true(auth_signed_in(h->auth));
    assert_string_equal(auth_access_token(h->auth), "access-1");
    assert_int_equal(h->saves, 1);
    assert_string_equal(h->access_in_use_during_save, "(none)");
    assert_true(scheduled_delay(h) == 21600.0);

    assert_int_equal(auth_sign_in(h->auth, "a", "b", sign_in_done, &wait),
                     AUTH_SIGN_IN_ALREADY_SIGNED_IN);
}

/* A failed sign-in returns the refresh error; nothing is kept or saved. */
static void sign_in_refresh_failure_returned(void **state)
{
    struct harness *h = *state;
    struct sign_in_wait wait = {0};

    set_answer(ANSWER_UNAUTHORIZED_401, 0);
    assert_int_equal(auth_sign_in(h->auth, "user-access", "user-refresh", sign_in_done, &wait),
                     AUTH_SIGN_IN_STARTED);
    assert_true(test_run_until(h->loop, &wait.done, 10.0));

    assert_int_equal(wait.report.result, AUTH_REFRESH_FAILED);
    assert_int_equal(wait.report.http_status, 401);
    assert_string_equal(wait.report.error, "unauthorized");
    assert_false(auth_signed_in(h->auth));
    assert_int_equal(h->saves, 0);
    assert_int_equal(h->signed_out, 0);
    double delay_s;
    assert_false(auth_refresh_scheduled(h->auth, &delay_s));

    /* An invalid grant at sign-in is returned too, without signed_out. */
    wait.done = false;
    set_answer(ANSWER_INVALID_GRANT_400, 0);
    assert_int_equal(auth_sign_in(h->auth, "user-access", "user-refresh", sign_in_done, &wait),
                     AUTH_SIGN_IN_STARTED);
    assert_true(test_run_until(h->loop, &wait.done, 10.0));
    assert_int_equal(wait.report.result, AUTH_REFRESH_REJECTED);
    assert_int_equal(h->signed_out, 0);

    /* A save that fails at sign-in leaves the account signed out. */
    wait.done = false;
    h->save_succeeds = false;
    set_answer(ANSWER_TOKENS, 28800);
    assert_int_equal(auth_sign_in(h->auth, "user-access", "user-refresh", sign_in_done, &wait),
                     AUTH_SIGN_IN_STARTED);
    assert_true(test_run_until(h->loop, &wait.done, 10.0));
    assert_int_equal(wait.report.result, AUTH_REFRESH_SAVE_FAILED);
    assert_false(auth_signed_in(h->auth));
}

/* Sign-out drops the tokens, and a second sign-out returns false. */
static void sign_out_forgets_tokens(void **state)
{
    struct harness *h = *state;
    double delay_s;

    assert_false(auth_sign_out(h->auth));
    assert_int_equal(h->signed_out, 0);

    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);
    assert_true(auth_sign_out(h->auth));
    assert_int_equal(h->signed_out, 1);
    assert_int_equal(h->sign_out_reason, AUTH_SIGNED_OUT_REQUESTED);
    assert_false(auth_signed_in(h->auth));
    assert_null(auth_access_token(h->auth));
    assert_false(auth_refresh_scheduled(h->auth, &delay_s));
    assert_false(auth_sign_out(h->auth));
}

static void bad_tokens_rejected(void **state)
{
    struct harness *h = *state;
    struct sign_in_wait wait = {0};

    assert_false(auth_start(h->auth, "", "refresh"));
    assert_false(auth_start(h->auth, "access", NULL));
    assert_false(auth_start(h->auth, "acc ess", "refresh"));
    assert_false(auth_start(h->auth, "access", "refresh\r\nX-Injected: 1"));
    assert_false(auth_signed_in(h->auth));
    assert_int_equal(auth_sign_in(h->auth, "", "r", sign_in_done, &wait),
                     AUTH_SIGN_IN_INVALID_TOKENS);
    assert_int_equal(auth_sign_in(h->auth, "a", "r", NULL, &wait), AUTH_SIGN_IN_INVALID_TOKENS);

    assert_true(auth_start(h->auth, "access", "refresh"));
    assert_false(auth_start(h->auth, "access", "refresh"));
    assert_int_equal(token_requests() > 0, 1);

    struct auth_callbacks incomplete = {.save = on_save};
    assert_null(auth_new(h->loop, h->http, &h->config, &incomplete, h));
    assert_null(auth_new(h->loop, h->http, &h->config, NULL, h));
}

/* With TOKEN set the refresh carries it as the bearer, and a
 * 307 on the token endpoint keeps the POST and its body. */
static void proxy_token_and_redirect(void **state)
{
    struct harness *h = *state;
    struct recorded_request seen;

    snprintf(h->config.proxy_token, sizeof(h->config.proxy_token), "proxy-secret");
    size_t length = strlen(h->config.auth_host);
    snprintf(h->config.auth_host + length, sizeof(h->config.auth_host) - length, "/moved");
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    wait_for_refresh(h);

    assert_int_equal(h->last_report.result, AUTH_REFRESH_OK);
    size_t count = test_server_request_count(&server);
    assert_true(test_server_request(&server, count - 2, &seen));
    assert_string_equal(seen.uri, "/moved/token");
    last_token_request(&seen);
    assert_string_equal(seen.uri, "/token");
    assert_string_equal(seen.method, "POST");
    assert_true(test_has_header(&seen, "Authorization: Bearer proxy-secret"));
    assert_non_null(strstr(seen.body, "\"refresh_token\":\"stored-refresh\""));
}

/* No token, refresh token or proxy token reaches the log, even at debug. */
static void log_never_shows_tokens(void **state)
{
    struct harness *h = *state;
    char log_path[] = "/tmp/tenantmate-test-auth-XXXXXX";
    int fd = mkstemp(log_path);

    assert_true(fd >= 0);
    close(fd);
    assert_true(log_open_file(log_path));
    log_init("test_auth", LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG);

    snprintf(h->config.proxy_token, sizeof(h->config.proxy_token), "proxy-secret");
    assert_true(auth_start(h->auth, "stored-secret-access", "stored-secret-refresh"));
    wait_for_refresh(h);
    set_answer(ANSWER_INVALID_GRANT_400, 0);
    assert_true(auth_refresh_now(h->auth));
    wait_for_refresh(h);

    log_init("test_auth", LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
    assert_true(log_open_file("/dev/null"));
    char *log = test_read_file(log_path);
    unlink(log_path);
    assert_non_null(log);
    print_message("%s", log != NULL ? log : "");

    assert_non_null(strstr(log, "refreshing the tokens"));
    assert_non_null(strstr(log, "Authorization: [FILTERED]"));
    assert_non_null(strstr(log, "invalid_grant"));
    assert_null(strstr(log, "secret"));
    assert_null(strstr(log, "access-1"));
    assert_null(strstr(log, "refresh-1"));
    free(log);
}

/* Freeing with a refresh in flight calls nothing back and leaks nothing. */
static void free_during_refresh(void **state)
{
    struct harness *h = *state;

    pthread_mutex_lock(&server.lock);
    endpoint.delay_s = 0.5;
    pthread_mutex_unlock(&server.lock);
    assert_true(auth_start(h->auth, "stored-access", "stored-refresh"));
    test_run_for(h->loop, 0.1);
    assert_int_equal(http_client_in_flight(h->http), 1);

    auth_free(h->auth);
    h->auth = NULL;
    assert_int_equal(http_client_in_flight(h->http), 0);
    test_run_for(h->loop, 0.1);
    assert_int_equal(h->refreshes_finished, 0);
    assert_int_equal(h->saves, 0);
}

#define AUTH_TEST(name) cmocka_unit_test_setup_teardown(name, auth_setup, auth_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issuer_from_configured_host),
        cmocka_unit_test(issuer_for_opaque_tokens),
        cmocka_unit_test(issuer_from_jwt_claim),
        cmocka_unit_test(issuer_fallbacks),
        cmocka_unit_test(refresh_delay_is_three_quarters),
        cmocka_unit_test(enum_names),
        AUTH_TEST(start_refreshes_saves_and_schedules),
        AUTH_TEST(rotation_uses_pair_only_after_save),
        AUTH_TEST(failed_save_keeps_old_pair),
        AUTH_TEST(start_failure_keeps_stored_pair),
        AUTH_TEST(scheduled_failure_retries_in_300_s),
        AUTH_TEST(unreachable_endpoint_fails_softly),
        AUTH_TEST(scheduled_refresh_fires),
        AUTH_TEST(invalid_grant_rejects_tokens),
        AUTH_TEST(invalid_grant_401_rejects_tokens),
        AUTH_TEST(login_required_rejects_tokens),
        AUTH_TEST(plain_401_is_retried),
        AUTH_TEST(unauthorized_refreshes_once),
        AUTH_TEST(sign_in_while_signed_out),
        AUTH_TEST(sign_in_refresh_failure_returned),
        AUTH_TEST(sign_out_forgets_tokens),
        AUTH_TEST(bad_tokens_rejected),
        AUTH_TEST(proxy_token_and_redirect),
        AUTH_TEST(log_never_shows_tokens),
        AUTH_TEST(free_during_refresh),
    };

    if (sodium_init() < 0)
        return 1;
    log_init("test_auth", LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
