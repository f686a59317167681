/* OAuth token responses and error bodies. No message may contain a token. */
#include "vehicle_parse.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vehicle_parse_internal.h"

static void wipe_and_free(char **text)
{
    if (*text == NULL)
        return;
    sodium_memzero(*text, strlen(*text));
    free(*text);
    *text = NULL;
}

void oauth_tokens_free(struct oauth_tokens *tokens)
{
    if (tokens == NULL)
        return;
    wipe_and_free(&tokens->access_token);
    wipe_and_free(&tokens->refresh_token);
    wipe_and_free(&tokens->id_token);
    wipe_and_free(&tokens->token_type);
    tokens->expires_in_s = 0;
}

/* Wipes cJSON's copies of the tokens, which cJSON_Delete() would free
 * without clearing. Tokens are top-level members, so one level suffices. */
static void wipe_member_strings(cJSON *root)
{
    cJSON *item;

    cJSON_ArrayForEach(item, root) {
        if (cJSON_IsString(item) && item->valuestring != NULL)
            sodium_memzero(item->valuestring, strlen(item->valuestring));
    }
}

/* Offset of the first byte outside visible ASCII (0x21-0x7E), or the
 * length when there is none. A token goes into an HTTP header, where a
 * space, CR or LF would split or inject a header. */
static size_t invisible_byte_offset(const char *text)
{
    size_t offset = 0;

    while (text[offset] >= 0x21 && text[offset] <= 0x7E)
        offset++;
    return offset;
}

/* Copies a required token member; on failure names the member, never its value. */
static enum tesla_parse_status copy_token(const cJSON *root, const char *key, char **copy,
                                          struct tesla_parse_error *error)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    size_t offset;

    if (item == NULL || cJSON_IsNull(item)) {
        tesla_parse_error_set(error, "%s is missing from the token response", key);
        return TESLA_PARSE_INVALID_FIELD;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        tesla_parse_error_set(error, "%s is a JSON %s, expected a string", key,
                              tesla_json_type_name(item));
        return TESLA_PARSE_INVALID_FIELD;
    }
    if (item->valuestring[0] == '\0') {
        tesla_parse_error_set(error, "%s is empty", key);
        return TESLA_PARSE_INVALID_FIELD;
    }
    offset = invisible_byte_offset(item->valuestring);
    if (item->valuestring[offset] != '\0') {
        tesla_parse_error_set(error, "%s has a byte outside visible ASCII at offset %zu",
                              key, offset);
        return TESLA_PARSE_INVALID_FIELD;
    }

    *copy = strdup(item->valuestring);
    if (*copy == NULL) {
        tesla_parse_error_set(error, "cannot allocate a copy of %s", key);
        return TESLA_PARSE_NO_MEMORY;
    }
    return TESLA_PARSE_OK;
}

static enum tesla_parse_status read_expires_in(const cJSON *root, int64_t *expires_in_s,
                                               struct tesla_parse_error *error)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
    double seconds;

    if (item == NULL || cJSON_IsNull(item)) {
        tesla_parse_error_set(error, "expires_in is missing from the token response");
        return TESLA_PARSE_INVALID_FIELD;
    }
    if (!cJSON_IsNumber(item)) {
        tesla_parse_error_set(error, "expires_in is a JSON %s, expected a number of seconds",
                              tesla_json_type_name(item));
        return TESLA_PARSE_INVALID_FIELD;
    }
    seconds = round(item->valuedouble);
    if (!isfinite(seconds) || seconds < 1 || seconds > INT32_MAX) {
        tesla_parse_error_set(error, "expires_in %g is out of range, expected 1 to %d seconds",
                              item->valuedouble, INT32_MAX);
        return TESLA_PARSE_INVALID_FIELD;
    }
    *expires_in_s = (int64_t)seconds;
    return TESLA_PARSE_OK;
}

static enum tesla_parse_status check_token_type(const char *token_type,
                                                struct tesla_parse_error *error)
{
    if (strcasecmp(token_type, "bearer") == 0)
        return TESLA_PARSE_OK;
    tesla_parse_error_set(error, "token_type \"%.40s\" is not supported, expected Bearer",
                          token_type);
    return TESLA_PARSE_INVALID_FIELD;
}

/* id_token is not used to call Tesla, so a bad one is dropped rather than
 * failing a refresh whose new refresh token must be saved. */
static void copy_optional_id_token(const cJSON *root, char **copy)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "id_token");

    if (!cJSON_IsString(item) || item->valuestring == NULL || item->valuestring[0] == '\0')
        return;
    if (item->valuestring[invisible_byte_offset(item->valuestring)] != '\0')
        return;
    *copy = strdup(item->valuestring);
}

static enum tesla_parse_status read_tokens(const cJSON *root, struct oauth_tokens *tokens,
                                           struct tesla_parse_error *error)
{
    enum tesla_parse_status status;

    status = copy_token(root, "access_token", &tokens->access_token, error);
    if (status == TESLA_PARSE_OK)
        status = copy_token(root, "refresh_token", &tokens->refresh_token, error);
    if (status == TESLA_PARSE_OK)
        status = read_expires_in(root, &tokens->expires_in_s, error);
    if (status == TESLA_PARSE_OK)
        status = copy_token(root, "token_type", &tokens->token_type, error);
    if (status == TESLA_PARSE_OK)
        status = check_token_type(tokens->token_type, error);
    if (status == TESLA_PARSE_OK)
        copy_optional_id_token(root, &tokens->id_token);
    return status;
}

/* Appends the OAuth error of a body that has one, to explain a missing token. */
static void append_oauth_error(const cJSON *root, struct tesla_parse_error *error)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "error");
    size_t used;

    if (error == NULL || !cJSON_IsString(item) || item->valuestring == NULL)
        return;
    used = strlen(error->message);
    snprintf(error->message + used, sizeof(error->message) - used,
             "; the body has error \"%.100s\"", item->valuestring);
}

enum tesla_parse_status oauth_tokens_parse(const char *body, size_t length,
                                           struct oauth_tokens *tokens,
                                           struct tesla_parse_error *error)
{
    struct oauth_tokens parsed = { .access_token = NULL };
    enum tesla_parse_status status;
    cJSON *root = NULL;

    status = tesla_json_parse_document(body, length, &root, error);
    if (status != TESLA_PARSE_OK)
        return status;

    if (!cJSON_IsObject(root)) {
        tesla_parse_error_set(error, "token response is a JSON %s, expected an object",
                              tesla_json_type_name(root));
        status = TESLA_PARSE_WRONG_TYPE;
    } else {
        status = read_tokens(root, &parsed, error);
        if (status == TESLA_PARSE_INVALID_FIELD)
            append_oauth_error(root, error);
    }

    if (status == TESLA_PARSE_OK) {
        *tokens = parsed;
        tesla_parse_error_set(error, "%s", "");
    } else {
        oauth_tokens_free(&parsed);
    }
    wipe_member_strings(root);
    cJSON_Delete(root);
    return status;
}

enum tesla_parse_status tesla_error_body_parse(const char *body, size_t length,
                                               struct tesla_error_body *error_body,
                                               struct tesla_parse_error *error)
{
    struct tesla_error_body parsed;
    enum tesla_parse_status status;
    const cJSON *item;
    cJSON *root = NULL;

    status = tesla_json_parse_document(body, length, &root, error);
    if (status != TESLA_PARSE_OK)
        return status;

    item = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (!cJSON_IsObject(root)) {
        tesla_parse_error_set(error, "error body is a JSON %s, expected an object",
                              tesla_json_type_name(root));
        status = TESLA_PARSE_WRONG_TYPE;
    } else if (item == NULL) {
        tesla_parse_error_set(error, "error body has no \"error\" member");
        status = TESLA_PARSE_INVALID_FIELD;
    } else if (!cJSON_IsString(item) || item->valuestring == NULL) {
        tesla_parse_error_set(error, "\"error\" is a JSON %s, expected a string",
                              tesla_json_type_name(item));
        status = TESLA_PARSE_INVALID_FIELD;
    } else {
        tesla_copy_text(parsed.error, sizeof(parsed.error), item->valuestring);
        tesla_json_text(root, "error_description", parsed.error_description,
                        sizeof(parsed.error_description));
        *error_body = parsed;
        tesla_parse_error_set(error, "%s", "");
    }
    cJSON_Delete(root);
    return status;
}
