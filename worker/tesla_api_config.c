/* Configuration of the Tesla API client: hosts, client id, TOKEN, region. */
#include "tesla_api.h"

#include "env.h"
#include "log.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const region_names[TESLA_REGION_COUNT] = {
    [TESLA_REGION_GLOBAL] = "global",
    [TESLA_REGION_CHINA] = "china",
    [TESLA_REGION_OTHER] = "other",
};

_Static_assert(sizeof(region_names) / sizeof(region_names[0]) == TESLA_REGION_COUNT,
               "region_names must name every region");

const char *tesla_region_name(enum tesla_region region)
{
    if (region < 0 || region >= TESLA_REGION_COUNT)
        return "invalid";
    return region_names[region];
}

void tesla_api_config_defaults(struct tesla_api_config *config, const char *version)
{
    memset(config, 0, sizeof(*config));
    snprintf(config->client_id, sizeof(config->client_id), "%s", TESLA_DEFAULT_CLIENT_ID);
    snprintf(config->user_agent, sizeof(config->user_agent), "tenantmate/%s",
             version != NULL ? version : "unknown");
    config->rest_timeout_ms = TESLA_REST_TIMEOUT_MS;
    config->auth_timeout_ms = TESLA_AUTH_TIMEOUT_MS;
    config->connect_timeout_ms = TESLA_CONNECT_TIMEOUT_MS;
    config->max_body_bytes = HTTP_DEFAULT_MAX_BODY_BYTES;
}

void tesla_api_config_wipe(struct tesla_api_config *config)
{
    sodium_memzero(config->proxy_token, sizeof(config->proxy_token));
}

static bool visible_ascii(const char *text)
{
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < 0x21 || *c > 0x7E)
            return false;
    }
    return true;
}

bool tesla_token_normalise(const char *value, char *out, size_t size)
{
    if (size == 0)
        return false;
    out[0] = '\0';
    if (value == NULL)
        return true;

    const char *start = value;
    while (isspace((unsigned char)*start))
        start++;
    size_t length = strlen(start);
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;

    if (length >= 7 && strncmp(start, "?token=", 7) == 0) {
        start += 7;
        length -= 7;
    } else if (length >= 6 && strncmp(start, "token=", 6) == 0) {
        start += 6;
        length -= 6;
    }
    if (length >= size)
        return false;

    memcpy(out, start, length);
    out[length] = '\0';
    if (!visible_ascii(out)) {
        sodium_memzero(out, size);
        return false;
    }
    return true;
}

/* Copies an http(s) URL without its trailing slashes. */
static bool read_host(const char *name, char *out, size_t size)
{
    const char *value;

    env_string(name, "", &value);
    if (value[0] == '\0')
        return true;

    size_t length = strlen(value);
    while (length > 0 && value[length - 1] == '/')
        length--;
    bool http = strncasecmp(value, "http://", 7) == 0 || strncasecmp(value, "https://", 8) == 0;
    if (!http || length >= size || !visible_ascii(value)) {
        log_error("invalid %s \"%.200s\": use an http:// or https:// URL of at most %zu "
                  "characters, such as https://fleet-api.prd.eu.vn.cloud.tesla.com",
                  name, value, size - 1);
        return false;
    }
    memcpy(out, value, length);
    out[length] = '\0';
    return true;
}

static bool read_text(const char *name, const char *fallback, char *out, size_t size)
{
    const char *value;

    env_string(name, fallback, &value);
    if (strlen(value) >= size || !visible_ascii(value)) {
        log_error("invalid %s \"%.200s\": use at most %zu visible ASCII characters", name,
                  value, size - 1);
        return false;
    }
    snprintf(out, size, "%s", value);
    return true;
}

bool tesla_api_config_from_env(struct tesla_api_config *config, const char *version)
{
    const char *token;

    tesla_api_config_defaults(config, version);
    if (!read_host("TESLA_API_HOST", config->api_host, sizeof(config->api_host)) ||
        !read_host("TESLA_AUTH_HOST", config->auth_host, sizeof(config->auth_host)) ||
        !read_text("TESLA_AUTH_PATH", "", config->auth_path, sizeof(config->auth_path)) ||
        !read_text("TESLA_AUTH_CLIENT_ID", TESLA_DEFAULT_CLIENT_ID, config->client_id,
                   sizeof(config->client_id)))
        return false;

    env_string("TOKEN", "", &token);
    if (!tesla_token_normalise(token, config->proxy_token, sizeof(config->proxy_token))) {
        log_error("invalid TOKEN: use the proxy token alone, at most %zu visible ASCII "
                  "characters (a leading \"token=\" is removed)",
                  sizeof(config->proxy_token) - 1);
        return false;
    }

    log_info("tesla api: host %s, auth host %s, client id %s, proxy token %s",
             config->api_host[0] != '\0' ? config->api_host : "(from the token's region)",
             config->auth_host[0] != '\0' ? config->auth_host : "(from the token's issuer)",
             config->client_id, config->proxy_token[0] != '\0' ? "set" : "unset");
    return true;
}

/* The host of a URL: between "://" (or the start) and the next '/', ':', '?' or '#'. */
static size_t host_span(const char *url, const char **host)
{
    const char *start = strstr(url, "://");

    start = start != NULL ? start + 3 : url;
    const char *at = strchr(start, '@');
    size_t authority_length = strcspn(start, "/?#");
    if (at != NULL && (size_t)(at - start) < authority_length)
        start = at + 1;
    *host = start;
    return strcspn(start, "/:?#");
}

static bool host_has_suffix(const char *host, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);

    return length >= suffix_length &&
           strncasecmp(host + length - suffix_length, suffix, suffix_length) == 0;
}

enum tesla_region tesla_region_from_issuer(const char *issuer_url)
{
    const char *host;

    if (issuer_url == NULL)
        return TESLA_REGION_OTHER;
    size_t length = host_span(issuer_url, &host);
    while (length > 0 && host[length - 1] == '.')
        length--;
    if (host_has_suffix(host, length, ".cn"))
        return TESLA_REGION_CHINA;
    if (host_has_suffix(host, length, ".com"))
        return TESLA_REGION_GLOBAL;
    return TESLA_REGION_OTHER;
}

const char *tesla_api_base_url(const struct tesla_api_config *config, enum tesla_region region)
{
    if (config->api_host[0] != '\0')
        return config->api_host;
    return region == TESLA_REGION_CHINA ? TESLA_CHINA_API_HOST : TESLA_GLOBAL_API_HOST;
}
