/* The token lifecycle: refresh, save, schedule, retry, reject, sign out. */
#include "auth.h"

#include "fuse.h"
#include "log.h"
#include "vehicle_parse.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum auth_timer_purpose {
    AUTH_TIMER_REFRESH,
    AUTH_TIMER_SAVE_RETRY,
};

struct auth {
    struct ev_loop *loop;
    struct http_client *http;
    const struct tesla_api_config *config;
    struct auth_callbacks callbacks;
    void *context;

    /* The pair in use; both NULL when signed out. */
    char *access_token;
    char *refresh_token;

    /* The refresh in flight and what started it. */
    struct http_request *refresh_request;
    enum auth_refresh_trigger trigger;
    auth_sign_in_done_fn *sign_in_done;
    void *sign_in_context;

    /* A refreshed pair waiting for the save callback's result. */
    bool save_pending;
    char *pending_access_token;
    char *pending_refresh_token;
    long pending_expires_in_s;

    ev_timer timer;
    enum auth_timer_purpose timer_purpose;
    double timer_delay_s;

    struct fuse unauthorized_fuse;
};

static const char *const trigger_names[AUTH_REFRESH_TRIGGER_COUNT] = {
    [AUTH_REFRESH_AT_START] = "at start",
    [AUTH_REFRESH_SCHEDULED] = "scheduled",
    [AUTH_REFRESH_UNAUTHORIZED] = "after a 401",
    [AUTH_REFRESH_SIGN_IN] = "sign-in",
};

static const char *const result_names[AUTH_REFRESH_RESULT_COUNT] = {
    [AUTH_REFRESH_OK] = "ok",
    [AUTH_REFRESH_FAILED] = "failed",
    [AUTH_REFRESH_REJECTED] = "rejected",
    [AUTH_REFRESH_SAVE_FAILED] = "save_failed",
};

static const char *const sign_out_reason_names[AUTH_SIGN_OUT_REASON_COUNT] = {
    [AUTH_SIGNED_OUT_TOKENS_REJECTED] = "tokens rejected",
    [AUTH_SIGNED_OUT_UNAUTHORIZED_FUSE] = "unauthorized fuse blown",
    [AUTH_SIGNED_OUT_REQUESTED] = "sign-out requested",
};

static const char *const sign_in_status_names[AUTH_SIGN_IN_STATUS_COUNT] = {
    [AUTH_SIGN_IN_STARTED] = "started",
    [AUTH_SIGN_IN_ALREADY_SIGNED_IN] = "already_signed_in",
    [AUTH_SIGN_IN_BUSY] = "busy",
    [AUTH_SIGN_IN_INVALID_TOKENS] = "invalid_tokens",
    [AUTH_SIGN_IN_NOT_STARTED] = "not_started",
};

_Static_assert(sizeof(trigger_names) / sizeof(trigger_names[0]) == AUTH_REFRESH_TRIGGER_COUNT,
               "trigger_names must name every trigger");
_Static_assert(sizeof(result_names) / sizeof(result_names[0]) == AUTH_REFRESH_RESULT_COUNT,
               "result_names must name every result");
_Static_assert(sizeof(sign_out_reason_names) / sizeof(sign_out_reason_names[0]) ==
               AUTH_SIGN_OUT_REASON_COUNT, "sign_out_reason_names must name every reason");
_Static_assert(sizeof(sign_in_status_names) / sizeof(sign_in_status_names[0]) ==
               AUTH_SIGN_IN_STATUS_COUNT, "sign_in_status_names must name every status");

#define NAME_OR_INVALID(table, value, count) \
    ((int)(value) >= 0 && (int)(value) < (count) ? (table)[(value)] : "invalid")

const char *auth_refresh_trigger_name(enum auth_refresh_trigger trigger)
{
    return NAME_OR_INVALID(trigger_names, trigger, AUTH_REFRESH_TRIGGER_COUNT);
}

const char *auth_refresh_result_name(enum auth_refresh_result result)
{
    return NAME_OR_INVALID(result_names, result, AUTH_REFRESH_RESULT_COUNT);
}

const char *auth_sign_out_reason_name(enum auth_sign_out_reason reason)
{
    return NAME_OR_INVALID(sign_out_reason_names, reason, AUTH_SIGN_OUT_REASON_COUNT);
}

const char *auth_sign_in_status_name(enum auth_sign_in_status status)
{
    return NAME_OR_INVALID(sign_in_status_names, status, AUTH_SIGN_IN_STATUS_COUNT);
}

double auth_refresh_delay_s(long expires_in_s)
{
    return round(0.75 * (double)expires_in_s);
}

static double monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* ---- secrets ------------------------------------------------------------- */

static void wipe_token(char **token)
{
    if (*token == NULL)
        return;
    sodium_memzero(*token, strlen(*token));
    free(*token);
    *token = NULL;
}

static void drop_pending_pair(struct auth *auth)
{
    wipe_token(&auth->pending_access_token);
    wipe_token(&auth->pending_refresh_token);
    auth->save_pending = false;
}

static void forget_tokens(struct auth *auth)
{
    wipe_token(&auth->access_token);
    wipe_token(&auth->refresh_token);
    drop_pending_pair(auth);
    http_cancel(auth->http, auth->refresh_request);
    auth->refresh_request = NULL;
    ev_timer_stop(auth->loop, &auth->timer);
}

/* Non-empty, shorter than TESLA_TOKEN_MAX, visible ASCII: it goes into a header or body. */
static bool valid_token(const char *token)
{
    size_t length = token != NULL ? strlen(token) : 0;

    if (length == 0 || length >= TESLA_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        if (token[i] < 0x21 || token[i] > 0x7E)
            return false;
    }
    return true;
}

/* ---- timer ---------------------------------------------------------------- */

static void arm_timer(struct auth *auth, enum auth_timer_purpose purpose, double delay_s)
{
    ev_timer_stop(auth->loop, &auth->timer);
    ev_timer_set(&auth->timer, delay_s, 0.0);
    ev_timer_start(auth->loop, &auth->timer);
    auth->timer_purpose = purpose;
    auth->timer_delay_s = delay_s;
}

bool auth_refresh_scheduled(const struct auth *auth, double *delay_s)
{
    if (!ev_is_active(&auth->timer) || auth->timer_purpose != AUTH_TIMER_REFRESH)
        return false;
    *delay_s = auth->timer_delay_s;
    return true;
}

/* ---- the refresh request ------------------------------------------------- */

/*
 * Builds the refresh request's JSON body into a buffer of our own, which the
 * caller wipes and frees: cJSON_PrintUnformatted() would leave copies of the
 * refresh token in the memory it reallocates. cJSON's copy in the tree is
 * wiped before the tree is freed.
 */
static char *build_refresh_body(const char *client_id, const char *refresh_token)
{
    /* Escaping at most doubles a string; 128 bytes cover the keys and fixed values. */
    size_t size = 2 * (strlen(client_id) + strlen(refresh_token)) + 128;
    cJSON *body = cJSON_CreateObject();
    char *text = malloc(size);
    bool built = false;

    if (body != NULL && text != NULL &&
        cJSON_AddStringToObject(body, "grant_type", "refresh_token") != NULL &&
        cJSON_AddStringToObject(body, "scope", "openid email offline_access") != NULL &&
        cJSON_AddStringToObject(body, "client_id", client_id) != NULL &&
        cJSON_AddStringToObject(body, "refresh_token", refresh_token) != NULL)
        built = cJSON_PrintPreallocated(body, text, (int)size, false);

    cJSON *copy = cJSON_GetObjectItemCaseSensitive(body, "refresh_token");
    if (cJSON_IsString(copy) && copy->valuestring != NULL)
        sodium_memzero(copy->valuestring, strlen(copy->valuestring));
    cJSON_Delete(body);
    if (!built && text != NULL) {
        sodium_memzero(text, size);
        free(text);
        text = NULL;
    }
    return text;
}

static void on_refresh_done(void *context, const struct http_response *response);

static struct http_request *send_refresh(struct auth *auth, const char *access_token,
                                         const char *refresh_token)
{
    const struct tesla_api_config *config = auth->config;
    char issuer[TESLA_URL_MAX];
    char url[TESLA_URL_MAX + 16];
    char authorization[TESLA_TOKEN_MAX + 32] = "";
    const char *headers[] = {
        "Content-Type: application/json",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
        "Accept-Language: en-US,de-DE;q=0.5",
        config->proxy_token[0] != '\0' ? authorization : NULL,
        NULL,
    };

    auth_issuer_for_token(config, access_token, issuer, sizeof(issuer));
    snprintf(url, sizeof(url), "%s/token", issuer);
    if (config->proxy_token[0] != '\0')
        snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s",
                 config->proxy_token);

    char *body = build_refresh_body(config->client_id, refresh_token);
    if (body == NULL) {
        log_error("token refresh not started: out of memory building the request body");
        return NULL;
    }

    struct http_request_options options = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .body_length = strlen(body),
        .connect_timeout_ms = config->connect_timeout_ms,
        .total_timeout_ms = config->auth_timeout_ms,
        .version = HTTP_VERSION_2_TLS,
        .tls_1_3_minimum = true,
        .max_body_bytes = 64 * 1024,
        .max_redirects = 3,
        .redirect_stop_prefix = AUTH_VOID_CALLBACK_URL,
        .user_agent = config->user_agent,
        .car_id = LOG_NO_CAR,
    };
    log_info("refreshing the tokens (%s) at %s", trigger_names[auth->trigger], url);
    struct http_request *request = http_submit(auth->http, &options, on_refresh_done, auth);

    sodium_memzero(body, strlen(body));
    free(body);
    sodium_memzero(authorization, sizeof(authorization));
    return request;
}

/* Starts a refresh of the pair in use unless one runs or a save is pending. */
static bool start_refresh(struct auth *auth, enum auth_refresh_trigger trigger)
{
    if (auth->access_token == NULL)
        return false;
    if (auth->refresh_request != NULL || auth->save_pending) {
        log_debug("token refresh (%s) skipped: one is already running",
                  trigger_names[trigger]);
        return true;
    }

    ev_timer_stop(auth->loop, &auth->timer);
    auth->trigger = trigger;
    auth->refresh_request = send_refresh(auth, auth->access_token, auth->refresh_token);
    if (auth->refresh_request == NULL) {
        log_error("token refresh (%s) could not start; retrying in %.0f s",
                  trigger_names[trigger], AUTH_RETRY_DELAY_S);
        arm_timer(auth, AUTH_TIMER_REFRESH, AUTH_RETRY_DELAY_S);
    }
    return true;
}

/* ---- finishing a refresh -------------------------------------------------- */

static void sign_out(struct auth *auth, enum auth_sign_out_reason reason)
{
    forget_tokens(auth);
    log_warning("signed out: %s", sign_out_reason_names[reason]);
    auth->callbacks.signed_out(auth->context, reason);
}

/* Schedules what follows a failed or rejected refresh. */
static void handle_failure(struct auth *auth, struct auth_refresh_report *report)
{
    if (auth->trigger == AUTH_REFRESH_SIGN_IN) {
        log_warning("sign-in failed: token refresh %s (status %ld, %s): %s",
                    result_names[report->result], report->http_status,
                    http_transport_error_name(report->transport_error), report->error);
        return;
    }
    if (report->result == AUTH_REFRESH_REJECTED) {
        log_error("tesla rejected the refresh token (status %ld): %s; the tenant must sign "
                  "in again", report->http_status, report->error);
        return;
    }

    /* At start the stored pair stays in use, assumed to expire in 600 s. */
    double delay_s = auth->trigger == AUTH_REFRESH_AT_START
                         ? auth_refresh_delay_s(AUTH_ASSUMED_EXPIRES_IN_S)
                         : AUTH_RETRY_DELAY_S;
    arm_timer(auth, AUTH_TIMER_REFRESH, delay_s);
    log_warning("token refresh (%s) failed (status %ld, %s): %s; retrying in %.0f s",
                trigger_names[auth->trigger], report->http_status,
                http_transport_error_name(report->transport_error), report->error, delay_s);
}

/* Reports a finished attempt; runs signed_out last when the tokens were rejected. */
static void finish_refresh(struct auth *auth, struct auth_refresh_report *report)
{
    enum auth_refresh_trigger trigger = auth->trigger;
    auth_sign_in_done_fn *sign_in_done = auth->sign_in_done;
    void *sign_in_context = auth->sign_in_context;

    if (report->result == AUTH_REFRESH_FAILED || report->result == AUTH_REFRESH_REJECTED)
        handle_failure(auth, report);
    if (report->result == AUTH_REFRESH_REJECTED && trigger != AUTH_REFRESH_SIGN_IN)
        forget_tokens(auth);
    report->next_refresh_scheduled = auth_refresh_scheduled(auth, &report->next_refresh_delay_s);

    if (trigger == AUTH_REFRESH_SIGN_IN) {
        auth->sign_in_done = NULL;
        auth->sign_in_context = NULL;
        sign_in_done(sign_in_context, report);
    }
    if (auth->callbacks.refresh_finished != NULL)
        auth->callbacks.refresh_finished(auth->context, report);
    if (report->result == AUTH_REFRESH_REJECTED && trigger != AUTH_REFRESH_SIGN_IN) {
        log_warning("signed out: %s", sign_out_reason_names[AUTH_SIGNED_OUT_TOKENS_REJECTED]);
        auth->callbacks.signed_out(auth->context, AUTH_SIGNED_OUT_TOKENS_REJECTED);
    }
}

/* Takes the new pair out of *tokens and hands it to the save callback. */
static void begin_save(struct auth *auth, struct oauth_tokens *tokens)
{
    auth->pending_access_token = tokens->access_token;
    auth->pending_refresh_token = tokens->refresh_token;
    auth->pending_expires_in_s = (long)tokens->expires_in_s;
    tokens->access_token = NULL;
    tokens->refresh_token = NULL;
    oauth_tokens_free(tokens);

    auth->save_pending = true;
    auth->callbacks.save(auth->context, auth, auth->pending_access_token,
                         auth->pending_refresh_token);
}

/* 400 or 401 with an OAuth error that no retry can fix. */
static bool is_rejection(long status, const struct tesla_error_body *error_body)
{
    return (status == 400 || status == 401) &&
           (strcmp(error_body->error, "invalid_grant") == 0 ||
            strcmp(error_body->error, "login_required") == 0);
}

static void on_refresh_done(void *context, const struct http_response *response)
{
    struct auth *auth = context;
    struct auth_refresh_report report = {
        .trigger = auth->trigger,
        .result = AUTH_REFRESH_FAILED,
        .http_status = response->status,
        .transport_error = response->transport_error,
    };
    struct tesla_parse_error parse_error = {.message = ""};
    struct tesla_error_body error_body = {.error = ""};

    auth->refresh_request = NULL;
    if (response->transport_error != HTTP_TRANSPORT_OK) {
        snprintf(report.error, sizeof(report.error), "%s: %s",
                 http_transport_error_name(response->transport_error), response->error_detail);
    } else if (response->status == 200) {
        struct oauth_tokens tokens = {.access_token = NULL};
        if (oauth_tokens_parse(response->body, response->body_length, &tokens, &parse_error) ==
            TESLA_PARSE_OK) {
            begin_save(auth, &tokens);
            return;
        }
        snprintf(report.error, sizeof(report.error), "%.200s", parse_error.message);
    } else if (tesla_error_body_parse(response->body, response->body_length, &error_body,
                                      &parse_error) == TESLA_PARSE_OK) {
        snprintf(report.error, sizeof(report.error), "%.200s", error_body.error);
        if (is_rejection(response->status, &error_body))
            report.result = AUTH_REFRESH_REJECTED;
    } else {
        snprintf(report.error, sizeof(report.error), "HTTP %ld without an OAuth error body",
                 response->status);
    }
    finish_refresh(auth, &report);
}

/* ---- saving ---------------------------------------------------------------- */

static void adopt_pending_pair(struct auth *auth)
{
    wipe_token(&auth->access_token);
    wipe_token(&auth->refresh_token);
    auth->access_token = auth->pending_access_token;
    auth->refresh_token = auth->pending_refresh_token;
    auth->pending_access_token = NULL;
    auth->pending_refresh_token = NULL;
    auth->save_pending = false;
}

void auth_save_finished(struct auth *auth, bool saved)
{
    struct auth_refresh_report report = {.trigger = auth->trigger};

    if (!auth->save_pending) {
        log_error("token save result reported while no save is pending; ignored");
        return;
    }

    if (saved) {
        double delay_s = auth_refresh_delay_s(auth->pending_expires_in_s);
        adopt_pending_pair(auth);
        arm_timer(auth, AUTH_TIMER_REFRESH, delay_s);
        if (auth->trigger != AUTH_REFRESH_UNAUTHORIZED)
            fuse_reset(&auth->unauthorized_fuse);
        log_info("tokens refreshed (%s) and saved; next refresh in %.0f s (%.1f h)",
                 trigger_names[auth->trigger], delay_s, delay_s / 3600.0);
        report.result = AUTH_REFRESH_OK;
    } else if (auth->trigger == AUTH_REFRESH_SIGN_IN) {
        drop_pending_pair(auth);
        log_error("sign-in failed: the refreshed tokens could not be saved; sign in again");
        report.result = AUTH_REFRESH_SAVE_FAILED;
    } else {
        /* The stored refresh token is spent: keep the new pair and retry the save. */
        arm_timer(auth, AUTH_TIMER_SAVE_RETRY, AUTH_RETRY_DELAY_S);
        log_error("tokens refreshed but not saved; still using the old access token; "
                  "retrying the save in %.0f s", AUTH_RETRY_DELAY_S);
        report.result = AUTH_REFRESH_SAVE_FAILED;
    }
    snprintf(report.error, sizeof(report.error), "%s", saved ? "" : "save failed");
    finish_refresh(auth, &report);
}

static void on_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct auth *auth = timer->data;

    (void)loop;
    (void)events;
    if (auth->timer_purpose == AUTH_TIMER_SAVE_RETRY) {
        if (auth->save_pending) {
            log_info("retrying the save of the refreshed tokens");
            auth->callbacks.save(auth->context, auth, auth->pending_access_token,
                                 auth->pending_refresh_token);
        }
        return;
    }
    if (auth->access_token == NULL) {
        log_info("scheduled token refresh skipped: signed out");
        return;
    }
    start_refresh(auth, AUTH_REFRESH_SCHEDULED);
}

/* ---- public API ------------------------------------------------------------ */

struct auth *auth_new(struct ev_loop *loop, struct http_client *http,
                      const struct tesla_api_config *config,
                      const struct auth_callbacks *callbacks, void *context)
{
    if (callbacks == NULL || callbacks->save == NULL || callbacks->signed_out == NULL) {
        log_error("auth needs save and signed_out callbacks");
        return NULL;
    }

    struct auth *auth = calloc(1, sizeof(*auth));
    if (auth == NULL) {
        log_error("cannot create the auth state: out of memory");
        return NULL;
    }
    auth->loop = loop;
    auth->http = http;
    auth->config = config;
    auth->callbacks = *callbacks;
    auth->context = context;
    ev_init(&auth->timer, on_timer);
    auth->timer.data = auth;
    fuse_init(&auth->unauthorized_fuse, AUTH_UNAUTHORIZED_MAX_MELTS, AUTH_UNAUTHORIZED_WINDOW_S,
              AUTH_UNAUTHORIZED_HEAL_S);
    return auth;
}

void auth_free(struct auth *auth)
{
    if (auth == NULL)
        return;
    forget_tokens(auth);
    free(auth);
}

static bool copy_pair(struct auth *auth, const char *access_token, const char *refresh_token)
{
    auth->access_token = strdup(access_token);
    auth->refresh_token = strdup(refresh_token);
    if (auth->access_token != NULL && auth->refresh_token != NULL)
        return true;
    wipe_token(&auth->access_token);
    wipe_token(&auth->refresh_token);
    return false;
}

bool auth_start(struct auth *auth, const char *access_token, const char *refresh_token)
{
    char issuer[TESLA_URL_MAX];

    if (auth->access_token != NULL || auth->refresh_request != NULL) {
        log_error("auth_start called twice; ignored");
        return false;
    }
    if (!valid_token(access_token) || !valid_token(refresh_token)) {
        log_error("stored tokens are empty, too long or not visible ASCII: store a valid "
                  "token pair for this tenant");
        return false;
    }
    if (!copy_pair(auth, access_token, refresh_token)) {
        log_error("cannot keep the stored tokens: out of memory");
        return false;
    }

    auth_issuer_for_token(auth->config, auth->access_token, issuer, sizeof(issuer));
    log_info("signed in with the stored tokens (issuer %s, region %s)", issuer,
             tesla_region_name(tesla_region_from_issuer(issuer)));
    start_refresh(auth, AUTH_REFRESH_AT_START);
    return true;
}

enum auth_sign_in_status auth_sign_in(struct auth *auth, const char *access_token,
                                      const char *refresh_token, auth_sign_in_done_fn *done,
                                      void *context)
{
    if (auth->access_token != NULL)
        return AUTH_SIGN_IN_ALREADY_SIGNED_IN;
    if (auth->refresh_request != NULL || auth->save_pending)
        return AUTH_SIGN_IN_BUSY;
    if (done == NULL || !valid_token(access_token) || !valid_token(refresh_token))
        return AUTH_SIGN_IN_INVALID_TOKENS;

    auth->trigger = AUTH_REFRESH_SIGN_IN;
    auth->refresh_request = send_refresh(auth, access_token, refresh_token);
    if (auth->refresh_request == NULL)
        return AUTH_SIGN_IN_NOT_STARTED;
    auth->sign_in_done = done;
    auth->sign_in_context = context;
    return AUTH_SIGN_IN_STARTED;
}

bool auth_sign_out(struct auth *auth)
{
    if (auth->access_token == NULL)
        return false;
    sign_out(auth, AUTH_SIGNED_OUT_REQUESTED);
    return true;
}

bool auth_report_unauthorized(struct auth *auth)
{
    if (auth->access_token == NULL)
        return false;

    if (fuse_melt(&auth->unauthorized_fuse, monotonic_s())) {
        log_error("tesla returned 401 %d times within %.0f s: giving up on these tokens",
                  AUTH_UNAUTHORIZED_MAX_MELTS + 1, AUTH_UNAUTHORIZED_WINDOW_S);
        sign_out(auth, AUTH_SIGNED_OUT_UNAUTHORIZED_FUSE);
        return false;
    }
    log_info("tesla returned 401: refreshing the tokens now");
    return start_refresh(auth, AUTH_REFRESH_UNAUTHORIZED);
}

bool auth_refresh_now(struct auth *auth)
{
    return start_refresh(auth, AUTH_REFRESH_SCHEDULED);
}

bool auth_signed_in(const struct auth *auth)
{
    return auth != NULL && auth->access_token != NULL;
}

const char *auth_access_token(const struct auth *auth)
{
    return auth != NULL ? auth->access_token : NULL;
}

bool auth_issuer(const struct auth *auth, char *out, size_t size)
{
    if (auth->access_token == NULL)
        return false;
    auth_issuer_for_token(auth->config, auth->access_token, out, size);
    return true;
}

enum tesla_region auth_region(const struct auth *auth)
{
    char issuer[TESLA_URL_MAX];

    if (!auth_issuer(auth, issuer, sizeof(issuer)))
        return TESLA_REGION_GLOBAL;
    return tesla_region_from_issuer(issuer);
}
