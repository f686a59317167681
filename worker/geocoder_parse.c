/* Nominatim's /reverse response mapped to an addresses row, by TeslaMate's
 * rules (lib/teslamate/locations/geocoder.ex in 4.2.0-dev). */
#include "geocoder.h"

#include "numeric_text.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNABLE_TO_GEOCODE "Unable to geocode"

/* Each address column and the keys of Nominatim's address object it is
 * taken from, the first present one winning. */
static const char *const house_number_keys[] = {"house_number", "street_number", NULL};
static const char *const road_keys[] = {
    "road",           "footway", "street",         "street_name",         "residential",
    "path",           "pedestrian", "road_reference", "road_reference_intl", "square",
    "place",          NULL,
};
static const char *const neighbourhood_keys[] = {
    "neighbourhood", "suburb",  "city_district", "district",    "quarter",
    "borough",       "city_block", "residential", "commercial", "houses",
    "subdistrict",   "subdivision", "ward",      NULL,
};
static const char *const city_keys[] = {
    "city",     "town",     "township", "village", "municipality", "hamlet",
    "locality", "croft",    "municipality", "local_administrative_area", "subcounty",
    NULL,
};
static const char *const county_keys[] = {"county", "county_code", "department", NULL};
static const char *const postcode_keys[] = {"postcode", NULL};
static const char *const state_keys[] = {"state", "province", "territory", "state_code", NULL};
static const char *const state_district_keys[] = {"state_district", NULL};
static const char *const country_keys[] = {"country", "country_name", NULL};

void address_clear(struct address *address)
{
    char **fields[] = {
        &address->display_name, &address->name,     &address->house_number,
        &address->road,         &address->neighbourhood, &address->city,
        &address->county,       &address->postcode, &address->state,
        &address->state_district, &address->country, &address->raw,
    };

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(*fields[i]);
    memset(address, 0, sizeof(*address));
}

/* A JSON value that counts as present: not missing and not null. */
static bool present(const cJSON *item)
{
    return item != NULL && !cJSON_IsNull(item);
}

/* A string or number as text (malloc'd); NULL for other types. */
static char *value_text(const cJSON *item)
{
    char number[NUMERIC_TEXT_SIZE];

    if (cJSON_IsString(item))
        return strdup(item->valuestring);
    if (cJSON_IsNumber(item) && numeric_text_format(item->valuedouble, number))
        return strdup(number);
    if (cJSON_IsBool(item))
        return strdup(cJSON_IsTrue(item) ? "true" : "false");
    return NULL;
}

static char *first_of(const cJSON *object, const char *const keys[])
{
    for (size_t i = 0; keys[i] != NULL; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, keys[i]);
        if (present(item))
            return value_text(item);
    }
    return NULL;
}

/* name: the top-level name, else namedetails.name, else
 * namedetails.alt_name. An empty string is present and ends the search. */
static char *place_name(const cJSON *root)
{
    static const char *const name_keys[] = {"name", NULL};
    static const char *const detail_keys[] = {"name", "alt_name", NULL};

    if (present(cJSON_GetObjectItemCaseSensitive(root, "name")))
        return first_of(root, name_keys);
    return first_of(cJSON_GetObjectItemCaseSensitive(root, "namedetails"), detail_keys);
}

/* A coordinate as decimal text: a numeric string as given, or a number.
 * Returns false when it is missing, not a number or out of range. */
static bool coordinate_text(const cJSON *item, double limit, char *out, size_t size)
{
    char *end = NULL;
    double value;

    if (cJSON_IsString(item)) {
        value = strtod(item->valuestring, &end);
        if (end == item->valuestring || *end != '\0' || !isfinite(value) || fabs(value) > limit ||
            strlen(item->valuestring) >= size)
            return false;
        snprintf(out, size, "%s", item->valuestring);
        return true;
    }
    if (cJSON_IsNumber(item) && isfinite(item->valuedouble) && fabs(item->valuedouble) <= limit) {
        char number[NUMERIC_TEXT_SIZE];
        if (!numeric_text_format(item->valuedouble, number))
            return false;
        snprintf(out, size, "%s", number);
        return true;
    }
    return false;
}

/* osm_id: an integral number or a string of digits. */
static bool osm_id_value(const cJSON *item, int64_t *osm_id)
{
    char *end = NULL;

    if (cJSON_IsNumber(item) && item->valuedouble == floor(item->valuedouble) &&
        fabs(item->valuedouble) < 9.0e15) {
        *osm_id = (int64_t)item->valuedouble;
        return true;
    }
    if (cJSON_IsString(item) && item->valuestring[0] != '\0') {
        long long value = strtoll(item->valuestring, &end, 10);
        if (*end == '\0') {
            *osm_id = (int64_t)value;
            return true;
        }
    }
    return false;
}

static bool blank(const char *text)
{
    if (text == NULL)
        return true;
    for (; *text != '\0'; text++) {
        if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r')
            return false;
    }
    return true;
}

/* The identity and point: what TeslaMate requires besides raw. */
static bool map_identity(const cJSON *root, struct address *address, char *message,
                         size_t message_size)
{
    const cJSON *osm_type = cJSON_GetObjectItemCaseSensitive(root, "osm_type");

    address->display_name = value_text(cJSON_GetObjectItemCaseSensitive(root, "display_name"));
    if (blank(address->display_name)) {
        snprintf(message, message_size, "invalid response: no display_name");
        return false;
    }
    if (!osm_id_value(cJSON_GetObjectItemCaseSensitive(root, "osm_id"), &address->osm_id)) {
        snprintf(message, message_size, "invalid response: no osm_id");
        return false;
    }
    if (!cJSON_IsString(osm_type) || blank(osm_type->valuestring) ||
        strlen(osm_type->valuestring) >= sizeof(address->osm_type)) {
        snprintf(message, message_size, "invalid response: no osm_type");
        return false;
    }
    snprintf(address->osm_type, sizeof(address->osm_type), "%s", osm_type->valuestring);
    if (!coordinate_text(cJSON_GetObjectItemCaseSensitive(root, "lat"), 90.0, address->latitude,
                         sizeof(address->latitude)) ||
        !coordinate_text(cJSON_GetObjectItemCaseSensitive(root, "lon"), 180.0,
                         address->longitude, sizeof(address->longitude))) {
        snprintf(message, message_size, "invalid response: no valid lat and lon");
        return false;
    }
    return true;
}

static void map_details(const cJSON *root, struct address *address)
{
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(root, "address");

    address->name = place_name(root);
    address->house_number = first_of(details, house_number_keys);
    address->road = first_of(details, road_keys);
    address->neighbourhood = first_of(details, neighbourhood_keys);
    address->city = first_of(details, city_keys);
    address->county = first_of(details, county_keys);
    address->postcode = first_of(details, postcode_keys);
    address->state = first_of(details, state_keys);
    address->state_district = first_of(details, state_district_keys);
    address->country = first_of(details, country_keys);
}

static void make_dummy(struct address *address, const char *body, size_t length)
{
    address->display_name = strdup("Unknown");
    snprintf(address->osm_type, sizeof(address->osm_type), "unknown");
    address->osm_id = 0;
    snprintf(address->latitude, sizeof(address->latitude), "0.0");
    snprintf(address->longitude, sizeof(address->longitude), "0.0");
    address->raw = strndup(body, length);
}

/* The text of an "error" member: a string as is, anything else as JSON. */
static void error_text(const cJSON *error, char *out, size_t size)
{
    if (cJSON_IsString(error)) {
        snprintf(out, size, "%s", error->valuestring);
        return;
    }
    char *printed = cJSON_PrintUnformatted(error);
    snprintf(out, size, "%s", printed != NULL ? printed : "?");
    free(printed);
}

static enum geocoder_outcome parse_error_status(long status, const cJSON *root, char *message,
                                                size_t message_size)
{
    const cJSON *error = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "error")
                                              : NULL;
    char text[200];

    if (present(error)) {
        error_text(error, text, sizeof(text));
        snprintf(message, message_size, "HTTP status %ld: %s", status, text);
    } else {
        snprintf(message, message_size, "unexpected response: HTTP status %ld", status);
    }
    return GEOCODER_ERROR;
}

static enum geocoder_outcome parse_ok(const cJSON *root, const char *body, size_t length,
                                      struct address *address, char *message, size_t message_size)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
    char text[200];

    if (present(error)) {
        if (cJSON_IsString(error) && strcmp(error->valuestring, UNABLE_TO_GEOCODE) == 0) {
            make_dummy(address, body, length);
            return GEOCODER_FOUND;
        }
        error_text(error, text, sizeof(text));
        snprintf(message, message_size, "geocoding failed: %s", text);
        return GEOCODER_FAILED;
    }
    if (!map_identity(root, address, message, message_size)) {
        address_clear(address);
        return GEOCODER_ERROR;
    }
    map_details(root, address);
    address->raw = strndup(body, length);
    return GEOCODER_FOUND;
}

enum geocoder_outcome geocoder_parse_reverse(long status, const char *body, size_t length,
                                             struct address *address, char *message,
                                             size_t message_size)
{
    cJSON *root = cJSON_ParseWithLength(body, length);
    enum geocoder_outcome outcome;

    memset(address, 0, sizeof(*address));
    message[0] = '\0';
    if (status != 200) {
        outcome = parse_error_status(status, root, message, message_size);
    } else if (!cJSON_IsObject(root)) {
        snprintf(message, message_size, "invalid response: %s",
                 root == NULL ? "not JSON" : "not a JSON object");
        outcome = GEOCODER_ERROR;
    } else {
        outcome = parse_ok(root, body, length, address, message, message_size);
    }
    cJSON_Delete(root);
    return outcome;
}

bool geocoder_reverse_url(const char *base_url, double latitude, double longitude, char *out,
                          size_t size)
{
    char latitude_text[NUMERIC_TEXT_SIZE];
    char longitude_text[NUMERIC_TEXT_SIZE];
    size_t base_length = strlen(base_url);

    while (base_length > 0 && base_url[base_length - 1] == '/')
        base_length--;
    if (!numeric_text_format(latitude, latitude_text) ||
        !numeric_text_format(longitude, longitude_text))
        return false;

    int length = snprintf(out, size,
                          "%.*s/reverse?format=jsonv2&addressdetails=1&extratags=1&namedetails=1"
                          "&zoom=19&lat=%s&lon=%s",
                          (int)base_length, base_url, latitude_text, longitude_text);
    return length > 0 && (size_t)length < size;
}
