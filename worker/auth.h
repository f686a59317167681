/*
 * auth: the Tesla token lifecycle of one tenant, on libev timers.
 *
 * Lifecycle: auth_start() takes the stored pair (decrypted by the caller),
 * assumes it expires in 600 s and refreshes at once. A refreshed pair is
 * handed to the save callback and used only after auth_save_finished()
 * reports it stored, because refresh tokens are single-use: the old one
 * is already spent. The next refresh is scheduled at round(0.75 *
 * expires_in). A failed refresh is retried after 5 min, or after 450 s
 * when the start-up refresh fails (75 % of the assumed 600 s). A 401 on
 * any REST call (auth_report_unauthorized) melts the unauthorized fuse
 * and refreshes at once. The fuse allows 5 melts in 10 min, so the 6th
 * signs the account out. A 400 or 401 response with error invalid_grant
 * or login_required rejects the tokens for good.
 *
 * Refresh request: POST {issuer}/token with a JSON body (grant_type
 * refresh_token, scope "openid email offline_access", client_id,
 * refresh_token), over HTTP/2 and at least TLS 1.3 where the host speaks
 * TLS, timeout 60 s, at most 3 redirects (none to
 * https://auth.tesla.com/void/callback).
 *
 * Contract:
 * - The auth borrows loop, http client and config, which must outlive it.
 *   Only one refresh runs at a time: a refresh asked for while another
 *   runs or while a save is pending is dropped, since two refreshes of one
 *   refresh token would spend it twice.
 * - Callbacks run from the event loop, never from inside auth_new(),
 *   auth_start() or auth_sign_in(). signed_out may also run from inside
 *   auth_report_unauthorized() and auth_sign_out(), and refresh_finished
 *   and the sign-in callback from inside auth_save_finished(). No callback
 *   may free the auth; to stop, break the loop and free it afterwards.
 * - Strings passed in are copied; token strings handed to callbacks are
 *   owned by the auth and valid only during the callback.
 * - Tokens are kept in memory only while in use and wiped with
 *   sodium_memzero when replaced or freed. Nothing is logged about a token
 *   except its issuer host and region.
 * - auth_free() cancels the refresh in flight and the timer, with no
 *   callback. Free the tesla_api that uses this auth first.
 */
#ifndef TENANTMATE_AUTH_H
#define TENANTMATE_AUTH_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "tesla_api.h"

#define AUTH_ASSUMED_EXPIRES_IN_S 600L
#define AUTH_RETRY_DELAY_S 300.0
#define AUTH_UNAUTHORIZED_MAX_MELTS 5
#define AUTH_UNAUTHORIZED_WINDOW_S 600.0
/* TeslaMate's 9999 h: in practice only a successful refresh heals it. */
#define AUTH_UNAUTHORIZED_HEAL_S (9999.0 * 3600.0)

#define AUTH_VOID_CALLBACK_URL "https://auth.tesla.com/void/callback"

enum auth_refresh_trigger {
    AUTH_REFRESH_AT_START,
    AUTH_REFRESH_SCHEDULED,
    AUTH_REFRESH_UNAUTHORIZED,   /* a REST call got a 401 response */
    AUTH_REFRESH_SIGN_IN,
    AUTH_REFRESH_TRIGGER_COUNT
};

enum auth_refresh_result {
    AUTH_REFRESH_OK,             /* refreshed and saved: the new pair is in use */
    AUTH_REFRESH_FAILED,         /* transport error, other status, bad body: retried */
    AUTH_REFRESH_REJECTED,       /* invalid_grant or login_required: permanent */
    AUTH_REFRESH_SAVE_FAILED,    /* refreshed, but the save failed: the save is retried */
    AUTH_REFRESH_RESULT_COUNT
};

enum auth_sign_out_reason {
    AUTH_SIGNED_OUT_TOKENS_REJECTED,     /* exit with WORKER_EXIT_TOKENS_REJECTED */
    AUTH_SIGNED_OUT_UNAUTHORIZED_FUSE,   /* 401 six times within 10 min */
    AUTH_SIGNED_OUT_REQUESTED,           /* auth_sign_out(): delete the stored tokens */
    AUTH_SIGN_OUT_REASON_COUNT
};

enum auth_sign_in_status {
    AUTH_SIGN_IN_STARTED,                /* the done callback reports the result */
    AUTH_SIGN_IN_ALREADY_SIGNED_IN,
    AUTH_SIGN_IN_BUSY,                   /* another sign-in is running */
    AUTH_SIGN_IN_INVALID_TOKENS,         /* empty, or not visible ASCII */
    AUTH_SIGN_IN_NOT_STARTED,            /* the request could not be started (logged) */
    AUTH_SIGN_IN_STATUS_COUNT
};

struct auth_refresh_report {
    enum auth_refresh_trigger trigger;
    enum auth_refresh_result result;
    long http_status;                    /* 0 without a response */
    enum http_transport_error transport_error;
    char error[256];                     /* OAuth error or parse message; never a token */
    bool next_refresh_scheduled;
    double next_refresh_delay_s;
};

struct auth;

struct auth_callbacks {
    /* Required. Store the pair (encrypted), then call auth_save_finished()
     * once, from inside this callback or later from the loop. */
    void (*save)(void *context, struct auth *auth, const char *access_token,
                 const char *refresh_token);

    /* Required. The account is signed out; the in-memory tokens are gone. */
    void (*signed_out)(void *context, enum auth_sign_out_reason reason);

    /* Optional. Runs after every refresh attempt has ended (after the
     * save when there was one), for logs, tests and start-up sequencing. */
    void (*refresh_finished)(void *context, const struct auth_refresh_report *report);
};

typedef void auth_sign_in_done_fn(void *context, const struct auth_refresh_report *report);

/* Returns NULL, after logging, when out of memory or a callback is missing. */
struct auth *auth_new(struct ev_loop *loop, struct http_client *http,
                      const struct tesla_api_config *config,
                      const struct auth_callbacks *callbacks, void *context);
void auth_free(struct auth *auth);

/* Signs in with the stored pair and refreshes it at once. Returns false,
 * after logging, when already started or the tokens are empty or invalid. */
bool auth_start(struct auth *auth, const char *access_token, const char *refresh_token);

/* Reports the outcome of the save callback. Ignored, with an error logged,
 * when no save is pending. */
void auth_save_finished(struct auth *auth, bool saved);

/* Signs in with a pair from the user while signed out: refreshes it, saves
 * the new pair and resets the unauthorized fuse. Nothing is kept or saved
 * when the refresh fails; done gets the report either way. */
enum auth_sign_in_status auth_sign_in(struct auth *auth, const char *access_token,
                                      const char *refresh_token, auth_sign_in_done_fn *done,
                                      void *context);

/* Forgets the tokens, cancels the refresh and calls signed_out with
 * AUTH_SIGNED_OUT_REQUESTED. Returns false when not signed in. */
bool auth_sign_out(struct auth *auth);

/* Reports a 401 response to a REST call. Returns true while still signed in (a refresh
 * is then started or already running), false when signed out. */
bool auth_report_unauthorized(struct auth *auth);

/* Starts a refresh now unless one runs; returns false when signed out. */
bool auth_refresh_now(struct auth *auth);

bool auth_signed_in(const struct auth *auth);

/* The access token in use, NULL when signed out. Valid until the next
 * return to the loop. */
const char *auth_access_token(const struct auth *auth);

/* The issuer URL and region of the access token in use. */
bool auth_issuer(const struct auth *auth, char *out, size_t size);
enum tesla_region auth_region(const struct auth *auth);

/* The delay the refresh timer was last armed with; false when it is not armed. */
bool auth_refresh_scheduled(const struct auth *auth, double *delay_s);

/*
 * The issuer URL for an access token (no trailing slash):
 * 1. TESLA_AUTH_HOST set: that host + TESLA_AUTH_PATH (empty by default);
 * 2. opaque tokens starting "qts-", "eu-" or "cn-": https://auth.tesla.com
 *    + TESLA_AUTH_PATH, default /oauth2/v3;
 * 3. a JWT: its "iss" claim, decoded with standard base64 (padding
 *    optional, base64url accepted as well). The claim counts only as an
 *    https URL on a Tesla domain (tesla.com, tesla.cn, teslamotors.com or
 *    a subdomain), so a forged token cannot send the refresh token elsewhere;
 * 4. otherwise https://auth.tesla.com/oauth2/v3.
 */
void auth_issuer_for_token(const struct tesla_api_config *config, const char *access_token,
                           char *out, size_t size);

/* Rounds 0.75 * expires_in_s to whole seconds (TeslaMate's schedule). */
double auth_refresh_delay_s(long expires_in_s);

const char *auth_refresh_trigger_name(enum auth_refresh_trigger trigger);
const char *auth_refresh_result_name(enum auth_refresh_result result);
const char *auth_sign_out_reason_name(enum auth_sign_out_reason reason);
const char *auth_sign_in_status_name(enum auth_sign_in_status status);

#endif
