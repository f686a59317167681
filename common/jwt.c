#include "jwt.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Tesla's tokens use base64url, but some issuers pad or use the standard
 * alphabet: try the variants libsodium knows, ignoring '=' padding. */
static unsigned char *decode_part(const char *part, size_t length, size_t *decoded_length)
{
    static const int variants[] = {
        sodium_base64_VARIANT_URLSAFE_NO_PADDING,
        sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
    };
    unsigned char *out = malloc(length + 1);

    if (out == NULL)
        return NULL;

    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        if (sodium_base642bin(out, length, part, length, "=", decoded_length, NULL,
                              variants[i]) == 0) {
            out[*decoded_length] = '\0';
            return out;
        }
    }
    free(out);
    return NULL;
}

cJSON *jwt_claims(const char *token)
{
    const char *first_dot = strchr(token, '.');
    if (first_dot == NULL)
        return NULL;

    const char *payload = first_dot + 1;
    const char *second_dot = strchr(payload, '.');
    if (second_dot == NULL || second_dot == payload)
        return NULL;

    size_t decoded_length = 0;
    unsigned char *decoded = decode_part(payload, (size_t)(second_dot - payload), &decoded_length);
    if (decoded == NULL)
        return NULL;

    cJSON *claims = cJSON_ParseWithLength((const char *)decoded, decoded_length);
    sodium_memzero(decoded, decoded_length);
    free(decoded);

    if (claims != NULL && !cJSON_IsObject(claims)) {
        cJSON_Delete(claims);
        return NULL;
    }
    return claims;
}

bool jwt_expiry(const char *token, int64_t *expires_at_s)
{
    cJSON *claims = jwt_claims(token);
    if (claims == NULL)
        return false;

    const cJSON *expiry = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    bool found = cJSON_IsNumber(expiry) && expiry->valuedouble > 0 && expiry->valuedouble < 1e15;
    if (found)
        *expires_at_s = (int64_t)expiry->valuedouble;
    cJSON_Delete(claims);
    return found;
}
