/* The issuer URL a refresh goes to, from the configuration and the access token. */
#include "auth.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JWT_PAYLOAD_MAX 8192

static const char *const opaque_prefixes[] = {"qts-", "eu-", "cn-"};

static const char *const tesla_domains[] = {"tesla.com", "tesla.cn", "teslamotors.com"};

static bool has_opaque_prefix(const char *token)
{
    for (size_t i = 0; i < sizeof(opaque_prefixes) / sizeof(opaque_prefixes[0]); i++) {
        if (strncmp(token, opaque_prefixes[i], strlen(opaque_prefixes[i])) == 0)
            return true;
    }
    return false;
}

/* Decodes base64 with the standard alphabet, padding optional, and falls
 * back to base64url, which is what RFC 7519 JWTs use. */
static bool decode_base64(const char *text, size_t length, unsigned char *out, size_t size,
                          size_t *decoded)
{
    while (length > 0 && text[length - 1] == '=')
        length--;
    if (sodium_base642bin(out, size, text, length, NULL, decoded, NULL,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0)
        return true;
    return sodium_base642bin(out, size, text, length, NULL, decoded, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0;
}

/* True for an https URL whose host is a Tesla domain or a subdomain of one. */
static bool is_tesla_https_url(const char *url)
{
    if (strncasecmp(url, "https://", 8) != 0)
        return false;

    const char *host = url + 8;
    size_t length = strcspn(host, "/?#:");
    if (memchr(host, '@', length) != NULL)
        return false;

    for (size_t i = 0; i < sizeof(tesla_domains) / sizeof(tesla_domains[0]); i++) {
        size_t domain_length = strlen(tesla_domains[i]);
        if (length < domain_length ||
            strncasecmp(host + length - domain_length, tesla_domains[i], domain_length) != 0)
            continue;
        if (length == domain_length || host[length - domain_length - 1] == '.')
            return true;
    }
    return false;
}

/* Copies the "iss" claim of a JWT access token; false when there is none. */
static bool jwt_issuer(const char *token, char *out, size_t size)
{
    const char *payload = strchr(token, '.');
    if (payload == NULL)
        return false;
    payload++;
    const char *end = strchr(payload, '.');
    size_t length = end != NULL ? (size_t)(end - payload) : strlen(payload);

    unsigned char decoded[JWT_PAYLOAD_MAX];
    size_t decoded_length = 0;
    if (length == 0 || !decode_base64(payload, length, decoded, sizeof(decoded),
                                      &decoded_length))
        return false;

    cJSON *claims = cJSON_ParseWithLength((const char *)decoded, decoded_length);
    sodium_memzero(decoded, sizeof(decoded));
    const cJSON *issuer = cJSON_GetObjectItemCaseSensitive(claims, "iss");
    bool found = cJSON_IsString(issuer) && is_tesla_https_url(issuer->valuestring) &&
                 strlen(issuer->valuestring) < size;
    if (found)
        snprintf(out, size, "%s", issuer->valuestring);
    cJSON_Delete(claims);
    return found;
}

static void strip_trailing_slashes(char *url)
{
    size_t length = strlen(url);

    while (length > 0 && url[length - 1] == '/')
        url[--length] = '\0';
}

void auth_issuer_for_token(const struct tesla_api_config *config, const char *access_token,
                           char *out, size_t size)
{
    const char *path = config->auth_path[0] != '\0' ? config->auth_path : TESLA_DEFAULT_AUTH_PATH;

    if (config->auth_host[0] != '\0')
        snprintf(out, size, "%s%s", config->auth_host, config->auth_path);
    else if (access_token != NULL && has_opaque_prefix(access_token))
        snprintf(out, size, "%s%s", TESLA_DEFAULT_AUTH_HOST, path);
    else if (access_token == NULL || !jwt_issuer(access_token, out, size))
        snprintf(out, size, "%s%s", TESLA_DEFAULT_AUTH_HOST, TESLA_DEFAULT_AUTH_PATH);
    strip_trailing_slashes(out);
}
