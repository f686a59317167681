/* Typed readers over cJSON and the body envelope shared by every parser. */
#include "vehicle_parse_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Doubles hold every integer below 2^53 exactly. Above it, neighbouring
 * integers share one double, so an id read from a JSON number is wrong. */
#define EXACT_INTEGER_LIMIT 9007199254740992.0

/* 2^63 is exact as a double, and every double below it fits in int64. */
#define INT64_LIMIT 9223372036854775808.0

/* A decimal int64 has at most 19 digits. */
#define INT64_DIGITS_MAX 19

static const char *const status_names[TESLA_PARSE_STATUS_COUNT] = {
    [TESLA_PARSE_OK] = "ok",
    [TESLA_PARSE_NOT_JSON] = "not JSON",
    [TESLA_PARSE_NO_RESPONSE] = "no response object",
    [TESLA_PARSE_WRONG_TYPE] = "wrong type",
    [TESLA_PARSE_INVALID_FIELD] = "invalid field",
    [TESLA_PARSE_NO_MEMORY] = "out of memory",
};

_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == TESLA_PARSE_STATUS_COUNT,
               "status_names must name every parse status");

const char *tesla_parse_status_name(enum tesla_parse_status status)
{
    if (status < 0 || status >= TESLA_PARSE_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

void tesla_parse_error_set(struct tesla_parse_error *error, const char *format, ...)
{
    va_list args;

    if (error == NULL)
        return;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
}

const char *tesla_json_type_name(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return "object";
    if (cJSON_IsArray(item))
        return "array";
    if (cJSON_IsString(item))
        return "string";
    if (cJSON_IsNumber(item))
        return "number";
    if (cJSON_IsBool(item))
        return "boolean";
    if (cJSON_IsNull(item))
        return "null";
    return "invalid value";
}

static bool double_to_int64(double value, int64_t *result)
{
    double rounded;

    if (!isfinite(value))
        return false;
    rounded = round(value);
    if (rounded < -INT64_LIMIT || rounded >= INT64_LIMIT)
        return false;
    *result = (int64_t)rounded;
    return true;
}

struct opt_double tesla_json_double(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    struct opt_double result = { .known = false };

    if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
        result.known = true;
        result.value = item->valuedouble;
    }
    return result;
}

struct opt_double tesla_json_double_in_range(const cJSON *object, const char *key,
                                             double minimum, double maximum)
{
    struct opt_double result = tesla_json_double(object, key);

    if (result.known && (result.value < minimum || result.value > maximum))
        result.known = false;
    return result;
}

struct opt_int64 tesla_json_int64(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    struct opt_int64 result = { .known = false };

    if (cJSON_IsNumber(item))
        result.known = double_to_int64(item->valuedouble, &result.value);
    return result;
}

struct opt_bool tesla_json_bool(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    struct opt_bool result = { .known = false };

    if (cJSON_IsBool(item)) {
        result.known = true;
        result.value = cJSON_IsTrue(item);
    }
    return result;
}

/* Milliseconds from {"seconds": s, "nanos": n}; nanos may be missing. */
static struct opt_int64 timestamp_object_ms(const cJSON *object)
{
    struct opt_int64 seconds = tesla_json_int64(object, "seconds");
    struct opt_int64 nanos = tesla_json_int64(object, "nanos");
    struct opt_int64 result = { .known = false };

    /* Strict bounds leave room for the added milliseconds. */
    if (!seconds.known || seconds.value >= INT64_MAX / 1000 || seconds.value <= INT64_MIN / 1000)
        return result;
    if (!nanos.known)
        nanos.value = 0;
    if (nanos.value < 0 || nanos.value >= 1000000000)
        return result;
    result.known = true;
    result.value = seconds.value * 1000 + nanos.value / 1000000;
    return result;
}

struct opt_int64 tesla_json_timestamp_ms(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    if (cJSON_IsObject(item))
        return timestamp_object_ms(item);
    return tesla_json_int64(object, key);
}

/* A non-negative decimal integer of 1 to 19 digits that fits in int64. */
static bool parse_decimal_id(const char *text, int64_t *result)
{
    size_t length = strlen(text);
    long long value;
    char *end;

    if (length == 0 || length > INT64_DIGITS_MAX || strspn(text, "0123456789") != length)
        return false;
    errno = 0;
    value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *result = value;
    return true;
}

static bool read_id_member(const cJSON *item, int64_t *result)
{
    double value;

    if (cJSON_IsString(item) && item->valuestring != NULL)
        return parse_decimal_id(item->valuestring, result);
    if (!cJSON_IsNumber(item))
        return false;

    /* NOTE: cJSON keeps only the double, not the digits it was parsed
     * from, so an id of 2^53 or more without a string form is unknown:
     * 26000000000000006 would silently become 26000000000000008. */
    value = item->valuedouble;
    if (!isfinite(value) || value < 0 || value >= EXACT_INTEGER_LIMIT || value != floor(value))
        return false;
    *result = (int64_t)value;
    return true;
}

struct opt_int64 tesla_json_id(const cJSON *object, const char *number_key,
                               const char *string_key)
{
    struct opt_int64 result = { .known = false };

    if (string_key != NULL) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(object, string_key);

        if (cJSON_IsString(text) && read_id_member(text, &result.value)) {
            result.known = true;
            return result;
        }
    }
    result.known = read_id_member(cJSON_GetObjectItemCaseSensitive(object, number_key),
                                  &result.value);
    return result;
}

void tesla_copy_text(char *buffer, size_t size, const char *text)
{
    size_t length = strlen(text);

    if (size == 0)
        return;
    if (length >= size) {
        length = size - 1;
        /* Step back over continuation bytes (10xxxxxx) so that the
         * character the cut runs through is dropped whole. */
        while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80)
            length--;
    }
    memcpy(buffer, text, length);
    buffer[length] = '\0';
}

bool tesla_json_text(const cJSON *object, const char *key, char *buffer, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    if (size > 0)
        buffer[0] = '\0';
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return false;
    if (strcmp(item->valuestring, TESLA_INVALID_TEXT) == 0)
        return false;
    tesla_copy_text(buffer, size, item->valuestring);
    return true;
}

static bool is_json_whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_json_whitespace(const char *text, size_t offset, size_t length)
{
    while (offset < length && is_json_whitespace(text[offset]))
        offset++;
    return offset;
}

enum tesla_parse_status tesla_json_parse_document(const char *body, size_t length,
                                                  cJSON **root,
                                                  struct tesla_parse_error *error)
{
    const char *end = NULL;
    cJSON *parsed;
    size_t offset;

    if (body == NULL || skip_json_whitespace(body, 0, length) == length) {
        tesla_parse_error_set(error, "body is empty (%zu bytes)", body == NULL ? 0 : length);
        return TESLA_PARSE_NOT_JSON;
    }

    parsed = cJSON_ParseWithLengthOpts(body, length, &end, false);
    if (parsed == NULL) {
        offset = end != NULL && end >= body ? (size_t)(end - body) : 0;
        tesla_parse_error_set(error,
                              "body is not valid JSON: parsing stopped at byte %zu of %zu "
                              "(truncated or malformed)", offset, length);
        return TESLA_PARSE_NOT_JSON;
    }

    offset = skip_json_whitespace(body, (size_t)(end - body), length);
    if (offset != length) {
        cJSON_Delete(parsed);
        tesla_parse_error_set(error, "body has unexpected data after the JSON value "
                              "at byte %zu of %zu", offset, length);
        return TESLA_PARSE_NOT_JSON;
    }
    *root = parsed;
    return TESLA_PARSE_OK;
}

/* Tesla puts the reason for a missing response in "error". */
static const char *error_member(const cJSON *root)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "error");

    if (cJSON_IsString(item) && item->valuestring != NULL)
        return item->valuestring;
    return NULL;
}

static void set_no_response_error(const cJSON *root, const char *problem,
                                  struct tesla_parse_error *error)
{
    const char *reason = error_member(root);

    if (reason != NULL)
        tesla_parse_error_set(error, "%s; the body has error \"%.160s\"", problem, reason);
    else
        tesla_parse_error_set(error, "%s", problem);
}

enum tesla_parse_status tesla_json_response(const cJSON *root, int expected_type,
                                            const cJSON **response,
                                            struct tesla_parse_error *error)
{
    const char *expected = expected_type == cJSON_Array ? "an array" : "an object";
    const cJSON *item;

    if (!cJSON_IsObject(root)) {
        tesla_parse_error_set(error, "body is a JSON %s, expected an object with a "
                              "\"response\" member", tesla_json_type_name(root));
        return TESLA_PARSE_WRONG_TYPE;
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "response");
    if (item == NULL) {
        set_no_response_error(root, "body has no \"response\" member", error);
        return TESLA_PARSE_NO_RESPONSE;
    }
    if (cJSON_IsNull(item)) {
        set_no_response_error(root, "\"response\" is null", error);
        return TESLA_PARSE_NO_RESPONSE;
    }
    if ((item->type & 0xFF) != expected_type) {
        tesla_parse_error_set(error, "\"response\" is a JSON %s, expected %s",
                              tesla_json_type_name(item), expected);
        return TESLA_PARSE_WRONG_TYPE;
    }
    *response = item;
    return TESLA_PARSE_OK;
}
