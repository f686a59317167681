/* Redirect rules of the auth client, with URLs handled by libcurl's URL API. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const decision_names[HTTP_REDIRECT_DECISION_COUNT] = {
    [HTTP_REDIRECT_NONE] = "none",
    [HTTP_REDIRECT_FOLLOW] = "follow",
    [HTTP_REDIRECT_TOO_MANY] = "too_many",
    [HTTP_REDIRECT_INVALID] = "invalid",
};

_Static_assert(sizeof(decision_names) / sizeof(decision_names[0]) ==
               HTTP_REDIRECT_DECISION_COUNT, "decision_names must name every decision");

const char *http_redirect_decision_name(enum http_redirect_decision decision)
{
    if (decision < 0 || decision >= HTTP_REDIRECT_DECISION_COUNT)
        return "invalid";
    return decision_names[decision];
}

static bool is_redirect_status(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Compares one part of two URLs; a missing part equals only a missing part. */
static bool same_part(CURLU *left, CURLU *right, CURLUPart part, unsigned flags)
{
    char *left_text = NULL;
    char *right_text = NULL;

    curl_url_get(left, part, &left_text, flags);
    curl_url_get(right, part, &right_text, flags);

    bool same = (left_text == NULL && right_text == NULL) ||
                (left_text != NULL && right_text != NULL &&
                 strcasecmp(left_text, right_text) == 0);
    curl_free(left_text);
    curl_free(right_text);
    return same;
}

static bool same_origin(CURLU *left, CURLU *right)
{
    return same_part(left, right, CURLUPART_SCHEME, 0) &&
           same_part(left, right, CURLUPART_HOST, 0) &&
           same_part(left, right, CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

/*
 * Resolves location against url into target. The Location keeps its own
 * query. Only a 307 carries the request's query over, and only to a
 * Location without one: TeslaMate's client keeps query parameters apart
 * from the URL and re-sends them on a 307 alone.
 */
static bool resolve_location(const char *url, const char *location, long status,
                             CURLU *source, CURLU *target)
{
    char *query = NULL;
    bool resolved = false;

    if (curl_url_set(source, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_set(target, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_set(target, CURLUPART_URL, location, 0) != CURLUE_OK)
        return false;
    if (status != 307)
        return true;

    if (curl_url_get(target, CURLUPART_QUERY, &query, 0) == CURLUE_NO_QUERY) {
        char *source_query = NULL;
        if (curl_url_get(source, CURLUPART_QUERY, &source_query, 0) == CURLUE_OK)
            resolved = curl_url_set(target, CURLUPART_QUERY, source_query, 0) == CURLUE_OK;
        else
            resolved = true;
        curl_free(source_query);
    } else {
        resolved = true;
    }
    curl_free(query);
    return resolved;
}

static enum http_redirect_decision fill_redirect(const char *method, long status,
                                                 CURLU *source, CURLU *target,
                                                 struct http_redirect *redirect)
{
    char *target_url = NULL;

    if (curl_url_get(target, CURLUPART_URL, &target_url, 0) != CURLUE_OK)
        return HTTP_REDIRECT_INVALID;

    redirect->url = strdup(target_url);
    curl_free(target_url);
    if (redirect->url == NULL)
        return HTTP_REDIRECT_INVALID;

    snprintf(redirect->method, sizeof(redirect->method), "%s", status == 303 ? "GET" : method);
    redirect->cross_origin = !same_origin(source, target);
    return HTTP_REDIRECT_FOLLOW;
}

enum http_redirect_decision http_redirect_plan(const char *method, const char *url, long status,
                                               const char *location, unsigned followed,
                                               unsigned max_redirects, const char *stop_prefix,
                                               struct http_redirect *redirect)
{
    memset(redirect, 0, sizeof(*redirect));

    if (max_redirects == 0 || !is_redirect_status(status) || location == NULL ||
        location[0] == '\0')
        return HTTP_REDIRECT_NONE;
    if (stop_prefix != NULL && stop_prefix[0] != '\0' &&
        strncmp(location, stop_prefix, strlen(stop_prefix)) == 0)
        return HTTP_REDIRECT_NONE;
    if (followed >= max_redirects)
        return HTTP_REDIRECT_TOO_MANY;

    CURLU *source = curl_url();
    CURLU *target = curl_url();
    enum http_redirect_decision decision = HTTP_REDIRECT_INVALID;

    if (source != NULL && target != NULL &&
        resolve_location(url, location, status, source, target))
        decision = fill_redirect(method, status, source, target, redirect);

    curl_url_cleanup(source);
    curl_url_cleanup(target);
    return decision;
}
