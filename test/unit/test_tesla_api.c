/* Tests of worker/tesla_api: configuration, classification of real Tesla
 * answers, and the REST calls with the account layer against a local server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "auth.h"
#include "http_test_support.h"
#include "log.h"
#include "tesla_api.h"
#include "vehicle_parse.h"

/* ---- classification (pure) ---------------------------------------------- */

struct classify_case {
    const char *name;
    long status;
    enum http_transport_error transport;
    const char *retry_after;
    const char *body;
    enum tesla_api_outcome outcome;
    long retry_after_s;
    const char *message;
};

static void classify_table(void **state)
{
    static const struct classify_case cases[] = {
        {"200 with response", 200, HTTP_TRANSPORT_OK, NULL, "{\"response\":{\"id\":1}}",
         TESLA_API_OK, 0, ""},
        {"200 response null", 200, HTTP_TRANSPORT_OK, NULL, "{\"response\":null}", TESLA_API_OK,
         0, ""},
        {"200 not JSON", 200, HTTP_TRANSPORT_OK, NULL, "<html>", TESLA_API_MALFORMED_BODY, 0,
         "<html>"},
        {"200 empty", 200, HTTP_TRANSPORT_OK, NULL, "", TESLA_API_MALFORMED_BODY, 0, ""},
        {"200 without response", 200, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"odd\"}",
         TESLA_API_UNKNOWN, 0, "odd"},
        {"200 array", 200, HTTP_TRANSPORT_OK, NULL, "[1]", TESLA_API_UNKNOWN, 0, "[1]"},
        {"401 any body", 401, HTTP_TRANSPORT_OK, NULL, "nope", TESLA_API_UNAUTHORIZED, 0,
         "nope"},
        {"404 not_found", 404, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"not_found\"}",
         TESLA_API_VEHICLE_NOT_FOUND, 0, "not_found"},
        {"404 other", 404, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"gone\"}", TESLA_API_UNKNOWN, 0,
         "gone"},
        {"405 in service", 405, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"vehicle is currently in service\"}", TESLA_API_VEHICLE_IN_SERVICE, 0,
         "vehicle is currently in service"},
        {"405 other", 405, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"vehicle is in service\"}",
         TESLA_API_UNKNOWN, 0, "vehicle is in service"},
        {"408 unavailable", 408, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"vehicle unavailable: vehicle is offline or asleep\"}",
         TESLA_API_VEHICLE_UNAVAILABLE, 0, "vehicle unavailable: vehicle is offline or asleep"},
        {"408 other", 408, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"timeout\"}", TESLA_API_UNKNOWN,
         0, "timeout"},
        {"429 with Retry-After", 429, HTTP_TRANSPORT_OK, "120", "", TESLA_API_TOO_MANY_REQUESTS,
         120, ""},
        {"429 without Retry-After", 429, HTTP_TRANSPORT_OK, NULL, "{}",
         TESLA_API_TOO_MANY_REQUESTS, 300, "{}"},
        {"429 Retry-After date", 429, HTTP_TRANSPORT_OK, "Wed, 21 Oct 2015 07:28:00 GMT", "",
         TESLA_API_TOO_MANY_REQUESTS, 300, ""},
        {"403 EXCEEDED_LIMIT", 403, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"account disabled: EXCEEDED_LIMIT\"}", TESLA_API_TOO_MANY_REQUESTS, 900,
         "account disabled: EXCEEDED_LIMIT"},
        {"403 EXCEEDED_LIMIT ignores Retry-After", 403, HTTP_TRANSPORT_OK, "5",
         "{\"error\":\"account disabled: EXCEEDED_LIMIT\"}", TESLA_API_TOO_MANY_REQUESTS, 900,
         "account disabled: EXCEEDED_LIMIT"},
        {"403 other", 403, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"Unauthorized missing scopes\"}", TESLA_API_UNKNOWN, 0,
         "Unauthorized missing scopes"},
        {"504", 504, HTTP_TRANSPORT_OK, NULL, "", TESLA_API_TIMEOUT, 0, ""},
        {"503 empty body", 503, HTTP_TRANSPORT_OK, NULL, "", TESLA_API_SERVER_ERROR, 0, ""},
        {"500 with error", 500, HTTP_TRANSPORT_OK, NULL, "{\"error\":\"boom\"}",
         TESLA_API_SERVER_ERROR, 0, "boom"},
        {"540 not responsive", 540, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"vehicle error: it is online but not responsive\"}",
         TESLA_API_SERVER_ERROR, 0, "vehicle error: it is online but not responsive"},
        {"400 too_many_requests text", 400, HTTP_TRANSPORT_OK, NULL,
         "{\"error\":\"too_many_requests\"}", TESLA_API_UNKNOWN, 0, "too_many_requests"},
        {"302", 302, HTTP_TRANSPORT_OK, NULL, "", TESLA_API_UNKNOWN, 0, ""},
        {"control bytes", 400, HTTP_TRANSPORT_OK, NULL, "a\nb\tc", TESLA_API_UNKNOWN, 0,
         "a b c"},
        {"timeout", 0, HTTP_TRANSPORT_TIMEOUT, NULL, NULL, TESLA_API_TIMEOUT, 0, "timeout"},
        {"closed", 0, HTTP_TRANSPORT_CLOSED, NULL, NULL, TESLA_API_CLOSED, 0, "closed"},
        {"refused", 0, HTTP_TRANSPORT_CONNECTION_REFUSED, NULL, NULL,
         TESLA_API_TRANSPORT_ERROR, 0, "connection_refused"},
        {"dns", 0, HTTP_TRANSPORT_DNS, NULL, NULL, TESLA_API_TRANSPORT_ERROR, 0, "dns"},
        {"tls", 0, HTTP_TRANSPORT_TLS, NULL, NULL, TESLA_API_TRANSPORT_ERROR, 0, "tls"},
        {"body too large", 0, HTTP_TRANSPORT_BODY_TOO_LARGE, NULL, NULL,
         TESLA_API_MALFORMED_BODY, 0, "body_too_large"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct classify_case *c = &cases[i];
        struct tesla_api_classification result;

        print_message("case: %s\n", c->name);
        tesla_api_classify(c->status, c->transport, c->retry_after, c->body,
                           c->body != NULL ? strlen(c->body) : 0, &result);
        assert_string_equal(tesla_api_outcome_name(result.outcome),
                            tesla_api_outcome_name(c->outcome));
        assert_int_equal(result.retry_after_s, c->retry_after_s);
        assert_string_equal(result.message, c->message);
        assert_int_equal(result.response != NULL, c->outcome == TESLA_API_OK);
        tesla_api_classification_clear(&result);
        assert_null(result.document);
    }
}

static void classify_ok_exposes_response(void **state)
{
    const char *body = "{\"response\":{\"id\":42,\"state\":\"online\"}}";
    struct tesla_api_classification result;

    (void)state;
    tesla_api_classify(200, HTTP_TRANSPORT_OK, NULL, body, strlen(body), &result);
    assert_int_equal(result.outcome, TESLA_API_OK);
    assert_true(cJSON_IsObject(result.response));
    const cJSON *state_item = cJSON_GetObjectItemCaseSensitive(result.response, "state");
    assert_true(cJSON_IsString(state_item));
    assert_string_equal(state_item->valuestring, "online");
    tesla_api_classification_clear(&result);
}

/* Lengths count: a body without a terminating NUL is read only so far. */
static void classify_respects_body_length(void **state)
{
    const char body[] = "{\"response\":1}garbage";
    struct tesla_api_classification result;

    (void)state;
    tesla_api_classify(200, HTTP_TRANSPORT_OK, NULL, body, 14, &result);
    assert_int_equal(result.outcome, TESLA_API_OK);
    tesla_api_classification_clear(&result);
}

struct envelope_case {
    const char *file;
    enum tesla_api_outcome outcome;
    long retry_after_s;
};

/* The recorded error responses of the Owner and Fleet APIs. */
static void classify_recorded_errors(void **state)
{
    static const struct envelope_case cases[] = {
        {"data/tesla-api/error-401-fleet-token-expired.json", TESLA_API_UNAUTHORIZED, 0},
        {"data/tesla-api/error-401-owner-invalid-token.json", TESLA_API_UNAUTHORIZED, 0},
        {"data/tesla-api/error-408-fleet-asleep.json", TESLA_API_VEHICLE_UNAVAILABLE, 0},
        {"data/tesla-api/error-408-owner-asleep.json", TESLA_API_VEHICLE_UNAVAILABLE, 0},
        {"data/tesla-api/error-408-owner-timeout.json", TESLA_API_UNKNOWN, 0},
        {"data/tesla-api/error-421-fleet-wrong-region.json", TESLA_API_UNKNOWN, 0},
        {"data/tesla-api/error-429-fleet-rate-limited.json", TESLA_API_TOO_MANY_REQUESTS,
         14692},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct canned_response canned;
        struct tesla_api_classification result;
        const char *retry_after = NULL;

        print_message("file: %s\n", cases[i].file);
        assert_true(test_canned_from_envelope(cases[i].file, &canned));
        for (int h = 0; h < 4 && canned.header_names[h] != NULL; h++) {
            if (strcmp(canned.header_names[h], "Retry-After") == 0)
                retry_after = canned.header_values[h];
        }
        tesla_api_classify(canned.status, HTTP_TRANSPORT_OK, retry_after, canned.body,
                           strlen(canned.body), &result);
        assert_string_equal(tesla_api_outcome_name(result.outcome),
                            tesla_api_outcome_name(cases[i].outcome));
        assert_int_equal(result.retry_after_s, cases[i].retry_after_s);
        assert_true(result.message[0] != '\0');
        tesla_api_classification_clear(&result);
    }
}

static void retry_after_parsing(void **state)
{
    (void)state;
    assert_int_equal(tesla_retry_after_s(NULL), 300);
    assert_int_equal(tesla_retry_after_s("0"), 0);
    assert_int_equal(tesla_retry_after_s("14692"), 14692);
    assert_int_equal(tesla_retry_after_s(" 60 "), 60);
    assert_int_equal(tesla_retry_after_s("1.5"), 2);
    assert_int_equal(tesla_retry_after_s("86401"), 86400);
    assert_int_equal(tesla_retry_after_s("99999999999999999999999999999999"), 86400);
    assert_int_equal(tesla_retry_after_s("-5"), 300);
    assert_int_equal(tesla_retry_after_s(""), 300);
    assert_int_equal(tesla_retry_after_s("abc"), 300);
    assert_int_equal(tesla_retry_after_s("12abc"), 300);
    assert_int_equal(tesla_retry_after_s("0x10"), 300);
    assert_int_equal(tesla_retry_after_s("1e5"), 300);
    assert_int_equal(tesla_retry_after_s("1."), 300);
    assert_int_equal(tesla_retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT"), 300);
}

/* Values outside an enum are named, never read out of bounds. */
static void outcome_names(void **state)
{
    (void)state;
    assert_string_equal(tesla_api_outcome_name(TESLA_API_OK), "ok");
    assert_string_equal(tesla_api_outcome_name(TESLA_API_TOO_MANY_REQUESTS), "too_many_requests");
    assert_string_equal(tesla_api_outcome_name(TESLA_API_NOT_SIGNED_IN), "not_signed_in");
    assert_string_equal(tesla_api_outcome_name(TESLA_API_OUTCOME_COUNT), "invalid");
    assert_string_equal(tesla_api_outcome_name((enum tesla_api_outcome)-3), "invalid");
    assert_string_equal(tesla_region_name(TESLA_REGION_CHINA), "china");
    assert_string_equal(tesla_region_name(TESLA_REGION_COUNT), "invalid");
}

/* ---- configuration -------------------------------------------------------- */

static void token_normalisation(void **state)
{
    char out[64];

    (void)state;
    assert_true(tesla_token_normalise("  abc.def  ", out, sizeof(out)));
    assert_string_equal(out, "abc.def");
    assert_true(tesla_token_normalise("?token=xyz", out, sizeof(out)));
    assert_string_equal(out, "xyz");
    assert_true(tesla_token_normalise(" token=xyz\n", out, sizeof(out)));
    assert_string_equal(out, "xyz");
    assert_true(tesla_token_normalise("   ", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_true(tesla_token_normalise("token=", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_true(tesla_token_normalise(NULL, out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(tesla_token_normalise("a b", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(tesla_token_normalise("abcdefgh", out, 8));
    assert_false(tesla_token_normalise("x", out, 0));
}

static void config_defaults(void **state)
{
    struct tesla_api_config config;

    (void)state;
    tesla_api_config_defaults(&config, "1.2.3");
    assert_string_equal(config.api_host, "");
    assert_string_equal(config.auth_host, "");
    assert_string_equal(config.auth_path, "");
    assert_string_equal(config.client_id, "ownerapi");
    assert_string_equal(config.proxy_token, "");
    assert_string_equal(config.user_agent, "tenantmate/1.2.3");
    assert_int_equal(config.rest_timeout_ms, 35000);
    assert_int_equal(config.auth_timeout_ms, 60000);
    assert_string_equal(tesla_api_base_url(&config, TESLA_REGION_GLOBAL),
                        "https://owner-api.teslamotors.com");
    assert_string_equal(tesla_api_base_url(&config, TESLA_REGION_OTHER),
                        "https://owner-api.teslamotors.com");
    assert_string_equal(tesla_api_base_url(&config, TESLA_REGION_CHINA),
                        "https://owner-api.vn.cloud.tesla.cn");
}

static void clear_tesla_env(void)
{
    unsetenv("TESLA_API_HOST");
    unsetenv("TESLA_AUTH_HOST");
    unsetenv("TESLA_AUTH_PATH");
    unsetenv("TESLA_AUTH_CLIENT_ID");
    unsetenv("TOKEN");
}

static void config_from_environment(void **state)
{
    struct tesla_api_config config;

    (void)state;
    clear_tesla_env();
    setenv("TESLA_API_HOST", "https://fleet-api.prd.eu.vn.cloud.tesla.com/", 1);
    setenv("TESLA_AUTH_HOST", "https://api.myteslamate.com", 1);
    setenv("TESLA_AUTH_PATH", "/api/oauth2/v3", 1);
    setenv("TESLA_AUTH_CLIENT_ID", "my-client", 1);
    setenv("TOKEN", " ?token=proxy-secret ", 1);
    assert_true(tesla_api_config_from_env(&config, "9"));

    assert_string_equal(config.api_host, "https://fleet-api.prd.eu.vn.cloud.tesla.com");
    assert_string_equal(config.auth_host, "https://api.myteslamate.com");
    assert_string_equal(config.auth_path, "/api/oauth2/v3");
    assert_string_equal(config.client_id, "my-client");
    assert_string_equal(config.proxy_token, "proxy-secret");
    /* An explicit host wins over the region. */
    assert_string_equal(tesla_api_base_url(&config, TESLA_REGION_CHINA),
                        "https://fleet-api.prd.eu.vn.cloud.tesla.com");

    tesla_api_config_wipe(&config);
    assert_string_equal(config.proxy_token, "");
    clear_tesla_env();
}

static void config_rejects_bad_values(void **state)
{
    struct tesla_api_config config;

    (void)state;
    clear_tesla_env();
    setenv("TESLA_API_HOST", "owner-api.teslamotors.com", 1);
    assert_false(tesla_api_config_from_env(&config, "9"));
    clear_tesla_env();

    setenv("TESLA_AUTH_HOST", "ftp://auth.tesla.com", 1);
    assert_false(tesla_api_config_from_env(&config, "9"));
    clear_tesla_env();

    setenv("TESLA_AUTH_CLIENT_ID", "has space", 1);
    assert_false(tesla_api_config_from_env(&config, "9"));
    clear_tesla_env();

    setenv("TOKEN", "two words", 1);
    assert_false(tesla_api_config_from_env(&config, "9"));
    clear_tesla_env();

    /* Empty values count as unset. */
    setenv("TESLA_API_HOST", "", 1);
    setenv("TOKEN", "", 1);
    assert_true(tesla_api_config_from_env(&config, "9"));
    assert_string_equal(config.api_host, "");
    assert_string_equal(config.proxy_token, "");
    clear_tesla_env();
}

static void region_from_issuer(void **state)
{
    (void)state;
    assert_int_equal(tesla_region_from_issuer("https://auth.tesla.cn/oauth2/v3"),
                     TESLA_REGION_CHINA);
    assert_int_equal(tesla_region_from_issuer("https://auth.tesla.com/oauth2/v3"),
                     TESLA_REGION_GLOBAL);
    assert_int_equal(tesla_region_from_issuer("https://fleet-auth.prd.vn.cloud.tesla.com"),
                     TESLA_REGION_GLOBAL);
    assert_int_equal(tesla_region_from_issuer("https://AUTH.TESLA.CN:443/x"),
                     TESLA_REGION_CHINA);
    assert_int_equal(tesla_region_from_issuer("https://user@auth.tesla.cn/"),
                     TESLA_REGION_CHINA);
    assert_int_equal(tesla_region_from_issuer("http://127.0.0.1:8080"), TESLA_REGION_OTHER);
    assert_int_equal(tesla_region_from_issuer("https://example.org/cn"), TESLA_REGION_OTHER);
    assert_int_equal(tesla_region_from_issuer(""), TESLA_REGION_OTHER);
    assert_int_equal(tesla_region_from_issuer(NULL), TESLA_REGION_OTHER);
}

/* ---- REST calls against the local server ------------------------------------ */

static struct test_server server;

/* The fake Tesla responses; changed by tests under the server lock. */
struct fake_tesla {
    struct canned_response rest;        /* answer to /api/1/... */
    int refresh_count;                  /* POST /token seen */
    bool refresh_fails;
    char valid_bearer[128];             /* when set, other bearers get a 401 */
};

static struct fake_tesla fake;

static void fake_token_answer(struct canned_response *response)
{
    fake.refresh_count++;
    if (fake.refresh_fails) {
        response->status = 500;
        snprintf(response->body, sizeof(response->body), "{\"error\":\"internal\"}");
        return;
    }
    response->status = 200;
    snprintf(response->body, sizeof(response->body),
             "{\"access_token\":\"access-%d\",\"refresh_token\":\"refresh-%d\","
             "\"expires_in\":28800,\"token_type\":\"Bearer\"}",
             fake.refresh_count, fake.refresh_count);
}

static void fake_tesla_route(struct test_server *origin, const struct recorded_request *request,
                             struct canned_response *response)
{
    char wanted[256];

    (void)origin;
    if (strncmp(request->uri, "/token", 6) == 0) {
        fake_token_answer(response);
        return;
    }
    *response = fake.rest;
    snprintf(wanted, sizeof(wanted), "Authorization: Bearer %s", fake.valid_bearer);
    /* No cmocka assertion here: this runs on a server thread. */
    if (fake.valid_bearer[0] != '\0' && !test_has_header(request, wanted) &&
        !test_canned_from_envelope("data/tesla-api/error-401-owner-invalid-token.json",
                                   response))
        response->status = 599;
}

static void set_rest_answer(int status, const char *body)
{
    pthread_mutex_lock(&server.lock);
    memset(&fake.rest, 0, sizeof(fake.rest));
    fake.rest.status = status;
    snprintf(fake.rest.body, sizeof(fake.rest.body), "%s", body);
    pthread_mutex_unlock(&server.lock);
}

static void set_rest_canned(const struct canned_response *canned)
{
    pthread_mutex_lock(&server.lock);
    fake.rest = *canned;
    pthread_mutex_unlock(&server.lock);
}

static void set_rest_envelope(const char *file)
{
    struct canned_response canned;

    assert_true(test_canned_from_envelope(file, &canned));
    set_rest_canned(&canned);
}

static void set_valid_bearer(const char *bearer)
{
    pthread_mutex_lock(&server.lock);
    snprintf(fake.valid_bearer, sizeof(fake.valid_bearer), "%s", bearer);
    pthread_mutex_unlock(&server.lock);
}

static int refresh_count(void)
{
    pthread_mutex_lock(&server.lock);
    int count = fake.refresh_count;
    pthread_mutex_unlock(&server.lock);
    return count;
}

struct account {
    struct ev_loop *loop;
    struct http_client *http;
    struct tesla_api_config config;
    struct auth *auth;
    struct tesla_api *api;
    int saves;
    int refreshes_finished;
    bool refresh_done;
    int signed_out;
    enum auth_sign_out_reason sign_out_reason;
};

static void save_now(void *context, struct auth *auth, const char *access_token,
                     const char *refresh_token)
{
    struct account *account = context;

    (void)access_token;
    (void)refresh_token;
    account->saves++;
    auth_save_finished(auth, true);
}

static void on_signed_out(void *context, enum auth_sign_out_reason reason)
{
    struct account *account = context;

    account->signed_out++;
    account->sign_out_reason = reason;
}

static void on_refresh_finished(void *context, const struct auth_refresh_report *report)
{
    struct account *account = context;

    (void)report;
    account->refreshes_finished++;
    account->refresh_done = true;
}

static const struct auth_callbacks account_callbacks = {
    .save = save_now,
    .signed_out = on_signed_out,
    .refresh_finished = on_refresh_finished,
};

static void wait_for_refresh(struct account *account)
{
    account->refresh_done = false;
    assert_true(test_run_until(account->loop, &account->refresh_done, 10.0));
}

static int account_setup(void **state)
{
    static struct account account;
    char base[128];

    memset(&account, 0, sizeof(account));
    memset(&fake, 0, sizeof(fake));
    fake.rest.status = 200;
    snprintf(fake.rest.body, sizeof(fake.rest.body), "{\"response\":[]}");
    if (!test_server_start(&server))
        return -1;
    test_server_set_route(&server, fake_tesla_route, NULL);

    account.loop = ev_loop_new(EVFLAG_AUTO);
    account.http = http_client_new(account.loop);
    tesla_api_config_defaults(&account.config, "test");
    test_server_url(&server, "", base, sizeof(base));
    snprintf(account.config.api_host, sizeof(account.config.api_host), "%s", base);
    snprintf(account.config.auth_host, sizeof(account.config.auth_host), "%s", base);
    account.auth = auth_new(account.loop, account.http, &account.config, &account_callbacks,
                            &account);
    account.api = tesla_api_new(account.http, &account.config, account.auth);
    if (account.auth == NULL || account.api == NULL)
        return -1;

    assert_true(auth_start(account.auth, "stored-access", "stored-refresh"));
    wait_for_refresh(&account);
    *state = &account;
    return 0;
}

static int account_teardown(void **state)
{
    struct account *account = *state;

    tesla_api_free(account->api);
    auth_free(account->auth);
    http_client_free(account->http);
    ev_loop_destroy(account->loop);
    test_server_stop(&server);
    return 0;
}

struct call_result {
    bool done;
    int calls;
    enum tesla_api_outcome outcome;
    long status;
    long retry_after_s;
    char message[256];
    char body[TEST_SERVER_TEXT_MAX];
    bool has_response;
    int64_t vehicle_id;
};

static void record_result(void *context, const struct tesla_api_result *result)
{
    struct call_result *call = context;

    call->done = true;
    call->calls++;
    call->outcome = result->outcome;
    call->status = result->http_status;
    call->retry_after_s = result->retry_after_s;
    snprintf(call->message, sizeof(call->message), "%s", result->message);
    snprintf(call->body, sizeof(call->body), "%.*s", (int)result->body_length, result->body);
    call->has_response = result->response != NULL;
    call->vehicle_id = result->vehicle_id;
}

enum call_kind { CALL_LIST, CALL_VEHICLE, CALL_VEHICLE_DATA, CALL_KIND_COUNT };

static const char *const call_kind_names[CALL_KIND_COUNT] = {"list", "get", "get-with-state"};

static struct tesla_api_call *start(struct account *account, enum call_kind kind,
                                    int64_t vehicle_id, struct call_result *result)
{
    memset(result, 0, sizeof(*result));
    switch (kind) {
    case CALL_LIST:
        return tesla_api_list_products(account->api, record_result, result);
    case CALL_VEHICLE:
        return tesla_api_get_vehicle(account->api, vehicle_id, 7, record_result, result);
    default:
        return tesla_api_get_vehicle_data(account->api, vehicle_id, 7, record_result, result);
    }
}

static void call_and_wait(struct account *account, enum call_kind kind, int64_t vehicle_id,
                          struct call_result *result)
{
    assert_non_null(start(account, kind, vehicle_id, result));
    assert_false(result->done);
    assert_true(test_run_until(account->loop, &result->done, 10.0));
    assert_int_equal(result->calls, 1);
}

static void last_request(struct recorded_request *request)
{
    size_t count = test_server_request_count(&server);

    assert_true(count > 0);
    assert_true(test_server_request(&server, count - 1, request));
}

/* The product list goes to /api/1/products with the bearer token. */
static void list_products_sends_bearer(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct recorded_request seen;

    set_rest_answer(200, "{\"response\": []}");
    call_and_wait(account, CALL_LIST, 0, &result);

    assert_int_equal(result.outcome, TESLA_API_OK);
    assert_true(result.has_response);
    last_request(&seen);
    assert_string_equal(seen.method, "GET");
    assert_string_equal(seen.uri, "/api/1/products");
    assert_true(test_has_header(&seen, "Authorization: Bearer access-1"));
    assert_true(test_has_header(&seen, "User-Agent: tenantmate/test"));

    struct vehicle_list list;
    struct tesla_parse_error error;
    assert_int_equal(vehicle_parse_list(result.body, strlen(result.body), &list, &error),
                     TESLA_PARSE_OK);
    assert_int_equal(list.count, 0);
    vehicle_list_free(&list);
}

/* vehicle_data requests the endpoints list, with ';' sent as %3B. */
static void vehicle_data_sends_endpoints(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct recorded_request seen;

    set_rest_answer(200, "{\"response\":{\"id\":42,\"state\":\"online\"}}");
    call_and_wait(account, CALL_VEHICLE_DATA, 42, &result);

    assert_int_equal(result.outcome, TESLA_API_OK);
    assert_int_equal(result.vehicle_id, 42);
    last_request(&seen);
    assert_string_equal(seen.uri, "/api/1/vehicles/42/vehicle_data?endpoints=charge_state%3B"
                                  "climate_state%3Bclosures_state%3Bdrive_state%3Bgui_settings"
                                  "%3Blocation_data%3Bvehicle_config%3Bvehicle_state%3B"
                                  "vehicle_data_combo");
    assert_true(test_has_header(&seen, "Authorization: Bearer access-1"));

    struct vehicle_sample sample;
    struct tesla_parse_error error;
    assert_int_equal(vehicle_parse_body(result.body, strlen(result.body), &sample, &error),
                     TESLA_PARSE_OK);
    assert_true(sample.eid.known);
    assert_int_equal(sample.eid.value, 42);
    assert_string_equal(sample.state, "online");
}

/* Ids and results pass through unchanged, with the current token. */
static void vehicle_passes_id_through(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct recorded_request seen;
    size_t length = 0;
    char *body = test_read_shared("data/tesla-api/vehicle-online-owner-2020.json", &length);

    assert_non_null(body);
    assert_true(length < TEST_SERVER_TEXT_MAX);
    set_rest_answer(200, body);
    call_and_wait(account, CALL_VEHICLE, 26000000000000006LL, &result);

    assert_int_equal(result.outcome, TESLA_API_OK);
    assert_string_equal(result.body, body);
    last_request(&seen);
    assert_string_equal(seen.uri, "/api/1/vehicles/26000000000000006");
    free(body);
}

/* A real vehicle_data capture arrives whole and parses as full data. */
static void recorded_vehicle_data_parses(void **state)
{
    struct account *account = *state;
    struct call_result result;
    size_t length = 0;
    char *body = test_read_shared("data/tesla-api/vehicle_data-model3-fleet-2024-parked.json",
                                  &length);
    struct canned_response *canned = calloc(1, sizeof(*canned));

    assert_non_null(body);
    assert_non_null(canned);
    canned->status = 200;
    canned->large_body = body;
    canned->large_body_length = length;
    set_rest_canned(canned);
    call_and_wait(account, CALL_VEHICLE_DATA, 1, &result);
    set_rest_answer(200, "{}");

    assert_int_equal(result.outcome, TESLA_API_OK);
    struct vehicle_sample sample;
    struct tesla_parse_error error;
    assert_int_equal(vehicle_parse_body(body, length, &sample, &error), TESLA_PARSE_OK);
    assert_true(vehicle_sample_is_full(&sample));
    free(body);
    free(canned);
}

/* Without an auth or a token, nothing is sent and the result comes later. */
static void not_signed_in_sends_nothing(void **state)
{
    struct account *account = *state;
    struct tesla_api *api = tesla_api_new(account->http, &account->config, NULL);
    size_t before = test_server_request_count(&server);

    for (int kind = 0; kind < CALL_KIND_COUNT; kind++) {
        struct call_result result = {0};
        struct tesla_api_call *call = NULL;

        print_message("call: %s\n", call_kind_names[kind]);
        if (kind == CALL_LIST)
            call = tesla_api_list_products(api, record_result, &result);
        else if (kind == CALL_VEHICLE)
            call = tesla_api_get_vehicle(api, 1, 7, record_result, &result);
        else
            call = tesla_api_get_vehicle_data(api, 1, 7, record_result, &result);
        assert_non_null(call);
        assert_false(result.done);
        assert_int_equal(tesla_api_in_flight(api), 1);
        assert_true(test_run_until(account->loop, &result.done, 5.0));
        assert_int_equal(result.outcome, TESLA_API_NOT_SIGNED_IN);
        assert_int_equal(tesla_api_in_flight(api), 0);
    }
    assert_int_equal(test_server_request_count(&server), before);
    tesla_api_free(api);
}

static void expect_for_all_calls(struct account *account, enum tesla_api_outcome outcome)
{
    for (int kind = 0; kind < CALL_KIND_COUNT; kind++) {
        struct call_result result;

        print_message("call: %s\n", call_kind_names[kind]);
        call_and_wait(account, (enum call_kind)kind, 1, &result);
        assert_string_equal(tesla_api_outcome_name(result.outcome),
                            tesla_api_outcome_name(outcome));
    }
}

/* A 404 not_found reaches the caller as vehicle_not_found. */
static void vehicle_not_found_passes_through(void **state)
{
    set_rest_answer(404, "{\"response\":null,\"error\":\"not_found\",\"error_description\":\"\"}");
    expect_for_all_calls(*state, TESLA_API_VEHICLE_NOT_FOUND);
}

/* Only a 429 or EXCEEDED_LIMIT is a rate limit, not an error text. */
static void plural_rate_limit_text_is_unknown(void **state)
{
    set_rest_answer(400, "{\"error\":\"too_many_requests\"}");
    expect_for_all_calls(*state, TESLA_API_UNKNOWN);
}

/* TeslaMate calls a 5xx "unknown"; here it is server_error, which the
 * state machine treats the same way. */
static void empty_503_is_server_error(void **state)
{
    set_rest_answer(503, "");
    expect_for_all_calls(*state, TESLA_API_SERVER_ERROR);
}

/* A dropped connection is closed for every call. */
static void closed_connection_is_closed(void **state)
{
    struct canned_response drop = {.status = 200, .mode = SERVE_DROP};

    set_rest_canned(&drop);
    expect_for_all_calls(*state, TESLA_API_CLOSED);
}

static void recorded_408_is_unavailable(void **state)
{
    set_rest_envelope("data/tesla-api/error-408-fleet-asleep.json");
    expect_for_all_calls(*state, TESLA_API_VEHICLE_UNAVAILABLE);
}

static void recorded_429_gives_retry_after(void **state)
{
    struct account *account = *state;
    struct call_result result;

    set_rest_envelope("data/tesla-api/error-429-fleet-rate-limited.json");
    call_and_wait(account, CALL_VEHICLE_DATA, 1, &result);
    assert_int_equal(result.outcome, TESLA_API_TOO_MANY_REQUESTS);
    assert_int_equal(result.status, 429);
    assert_int_equal(result.retry_after_s, 14692);
    assert_string_equal(result.message, "Retry in 14692 seconds");

    set_rest_answer(429, "");
    call_and_wait(account, CALL_VEHICLE_DATA, 1, &result);
    assert_int_equal(result.outcome, TESLA_API_TOO_MANY_REQUESTS);
    assert_int_equal(result.retry_after_s, 300);
}

static void exceeded_limit_backs_off_15_min(void **state)
{
    struct account *account = *state;
    struct call_result result;

    set_rest_answer(403, "{\"response\":null,\"error\":\"account disabled: EXCEEDED_LIMIT\","
                         "\"error_description\":\"\"}");
    call_and_wait(account, CALL_VEHICLE_DATA, 1, &result);
    assert_int_equal(result.outcome, TESLA_API_TOO_MANY_REQUESTS);
    assert_int_equal(result.retry_after_s, 900);
}

static void oversized_answer_is_malformed(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct canned_response big = {.status = 200};

    memset(big.body, ' ', 4000);
    memcpy(big.body + 3990, "{\"x\":1}", 8);
    set_rest_canned(&big);
    account->config.max_body_bytes = 2000;
    call_and_wait(account, CALL_VEHICLE_DATA, 1, &result);
    account->config.max_body_bytes = HTTP_DEFAULT_MAX_BODY_BYTES;

    assert_int_equal(result.outcome, TESLA_API_MALFORMED_BODY);
}

static void slow_answer_times_out(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct canned_response slow = {.status = 200, .delay_s = 2.0};

    set_rest_canned(&slow);
    account->config.rest_timeout_ms = 150;
    call_and_wait(account, CALL_VEHICLE, 1, &result);
    account->config.rest_timeout_ms = TESLA_REST_TIMEOUT_MS;

    assert_int_equal(result.outcome, TESLA_API_TIMEOUT);
    assert_int_equal(result.status, 0);
}

/* A 401 refreshes the tokens; the next call carries the new token and succeeds. */
static void unauthorized_refreshes_then_succeeds(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct recorded_request seen;
    int refreshes = refresh_count();

    set_rest_answer(200, "{\"response\":{\"id\":1,\"state\":\"asleep\"}}");
    set_valid_bearer("access-2");
    call_and_wait(account, CALL_VEHICLE, 1, &result);
    assert_int_equal(result.outcome, TESLA_API_UNAUTHORIZED);
    assert_string_equal(result.message, "invalid bearer token");

    wait_for_refresh(account);
    assert_int_equal(refresh_count(), refreshes + 1);
    assert_string_equal(auth_access_token(account->auth), "access-2");

    call_and_wait(account, CALL_VEHICLE, 1, &result);
    assert_int_equal(result.outcome, TESLA_API_OK);
    last_request(&seen);
    assert_true(test_has_header(&seen, "Authorization: Bearer access-2"));
    assert_int_equal(account->signed_out, 0);
    set_valid_bearer("");
}

struct sign_in_wait {
    bool done;
    enum auth_refresh_result result;
};

static void sign_in_finished(void *context, const struct auth_refresh_report *report)
{
    struct sign_in_wait *wait = context;

    wait->done = true;
    wait->result = report->result;
}

/* Every call that gets a 401 refreshes, until the 6th within 10 min
 * signs the account out; signing in again resets the fuse. */
static void repeated_401_blows_the_fuse(void **state)
{
    struct account *account = *state;

    set_rest_envelope("data/tesla-api/error-401-fleet-token-expired.json");
    for (int kind = 0; kind < CALL_KIND_COUNT; kind++) {
        struct call_result result;

        print_message("call: %s\n", call_kind_names[kind]);
        /* A fresh sign-in starts each round with an empty fuse. */
        if (auth_signed_in(account->auth)) {
            assert_true(auth_sign_out(account->auth));
            assert_int_equal(account->sign_out_reason, AUTH_SIGNED_OUT_REQUESTED);
        }
        {
            struct sign_in_wait wait = {0};
            assert_int_equal(auth_sign_in(account->auth, "user-access", "user-refresh",
                                          sign_in_finished, &wait),
                             AUTH_SIGN_IN_STARTED);
            assert_true(test_run_until(account->loop, &wait.done, 10.0));
            assert_int_equal(wait.result, AUTH_REFRESH_OK);
        }
        int signed_out_before = account->signed_out;

        for (int attempt = 1; attempt <= 5; attempt++) {
            int refreshes = refresh_count();
            call_and_wait(account, (enum call_kind)kind, 1, &result);
            assert_int_equal(result.outcome, TESLA_API_UNAUTHORIZED);
            assert_string_equal(result.message, "token expired (401)");
            wait_for_refresh(account);
            assert_int_equal(refresh_count(), refreshes + 1);
            assert_true(auth_signed_in(account->auth));
        }

        int refreshes = refresh_count();
        call_and_wait(account, (enum call_kind)kind, 1, &result);
        assert_int_equal(result.outcome, TESLA_API_NOT_SIGNED_IN);
        assert_int_equal(result.status, 401);
        assert_false(auth_signed_in(account->auth));
        assert_int_equal(account->signed_out, signed_out_before + 1);
        assert_int_equal(account->sign_out_reason, AUTH_SIGNED_OUT_UNAUTHORIZED_FUSE);
        assert_int_equal(refresh_count(), refreshes);

        size_t requests = test_server_request_count(&server);
        call_and_wait(account, (enum call_kind)kind, 1, &result);
        assert_int_equal(result.outcome, TESLA_API_NOT_SIGNED_IN);
        assert_int_equal(test_server_request_count(&server), requests);
    }
    set_rest_answer(200, "{}");
}

static void proxy_token_replaces_bearer(void **state)
{
    struct account *account = *state;
    struct call_result result;
    struct recorded_request seen;

    if (!auth_signed_in(account->auth)) {
        struct sign_in_wait wait = {0};
        assert_int_equal(auth_sign_in(account->auth, "a", "r", sign_in_finished, &wait),
                         AUTH_SIGN_IN_STARTED);
        assert_true(test_run_until(account->loop, &wait.done, 10.0));
    }
    set_rest_answer(200, "{\"response\":[]}");
    snprintf(account->config.proxy_token, sizeof(account->config.proxy_token), "proxy-secret");
    call_and_wait(account, CALL_LIST, 0, &result);
    tesla_api_config_wipe(&account->config);

    assert_int_equal(result.outcome, TESLA_API_OK);
    last_request(&seen);
    assert_true(test_has_header(&seen, "Authorization: Bearer proxy-secret"));
    assert_null(strstr(seen.headers, auth_access_token(account->auth)));
}

static void never_called(void *context, const struct tesla_api_result *result)
{
    (void)result;
    ((struct call_result *)context)->calls++;
}

static void cancel_and_free_without_callbacks(void **state)
{
    struct account *account = *state;
    struct call_result first = {0};
    struct call_result second = {0};
    struct canned_response slow = {.status = 200, .delay_s = 1.0};

    set_rest_canned(&slow);
    struct tesla_api *api = tesla_api_new(account->http, &account->config, account->auth);
    struct tesla_api_call *call = tesla_api_get_vehicle(api, 1, 7, never_called, &first);
    assert_non_null(call);
    assert_non_null(tesla_api_get_vehicle_data(api, 1, 7, never_called, &second));
    test_run_for(account->loop, 0.1);
    assert_int_equal(tesla_api_in_flight(api), 2);

    tesla_api_cancel(api, call);
    assert_int_equal(tesla_api_in_flight(api), 1);
    tesla_api_free(api);
    test_run_for(account->loop, 0.2);
    assert_int_equal(first.calls, 0);
    assert_int_equal(second.calls, 0);
    assert_int_equal(http_client_in_flight(account->http), 0);
    set_rest_answer(200, "{}");
}

static void bad_arguments_rejected(void **state)
{
    struct account *account = *state;
    struct call_result result = {0};

    assert_null(tesla_api_list_products(account->api, NULL, &result));
    assert_null(tesla_api_get_vehicle(NULL, 1, 7, record_result, &result));
    tesla_api_cancel(account->api, NULL);
    tesla_api_cancel(NULL, NULL);
    assert_int_equal(result.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_table),
        cmocka_unit_test(classify_ok_exposes_response),
        cmocka_unit_test(classify_respects_body_length),
        cmocka_unit_test(classify_recorded_errors),
        cmocka_unit_test(retry_after_parsing),
        cmocka_unit_test(outcome_names),
        cmocka_unit_test(token_normalisation),
        cmocka_unit_test(config_defaults),
        cmocka_unit_test(config_from_environment),
        cmocka_unit_test(config_rejects_bad_values),
        cmocka_unit_test(region_from_issuer),
        cmocka_unit_test(list_products_sends_bearer),
        cmocka_unit_test(vehicle_data_sends_endpoints),
        cmocka_unit_test(vehicle_passes_id_through),
        cmocka_unit_test(recorded_vehicle_data_parses),
        cmocka_unit_test(not_signed_in_sends_nothing),
        cmocka_unit_test(vehicle_not_found_passes_through),
        cmocka_unit_test(plural_rate_limit_text_is_unknown),
        cmocka_unit_test(empty_503_is_server_error),
        cmocka_unit_test(closed_connection_is_closed),
        cmocka_unit_test(recorded_408_is_unavailable),
        cmocka_unit_test(recorded_429_gives_retry_after),
        cmocka_unit_test(exceeded_limit_backs_off_15_min),
        cmocka_unit_test(oversized_answer_is_malformed),
        cmocka_unit_test(slow_answer_times_out),
        cmocka_unit_test(unauthorized_refreshes_then_succeeds),
        cmocka_unit_test(repeated_401_blows_the_fuse),
        cmocka_unit_test(proxy_token_replaces_bearer),
        cmocka_unit_test(cancel_and_free_without_callbacks),
        cmocka_unit_test(bad_arguments_rejected),
    };

    log_init("test_tesla_api", LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
    /* The pure tests ignore the fixture; the client tests share one signed-in account. */
    return cmocka_run_group_tests(tests, account_setup, account_teardown);
}
