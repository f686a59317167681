/* Vehicle objects, vehicle_data bodies and vehicle lists. */
#include "vehicle_parse.h"

#include <stdlib.h>
#include <string.h>

#include "vehicle_parse_internal.h"

#define STATE_UNKNOWN "unknown"

void vehicle_sample_clear(struct vehicle_sample *sample)
{
    memset(sample, 0, sizeof(*sample));
    tesla_copy_text(sample->state, sizeof(sample->state), STATE_UNKNOWN);
}

static const cJSON *sub_object(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    return cJSON_IsObject(item) ? item : NULL;
}

/* Unlike other text, a VIN that does not fit is unknown rather than cut. */
static void parse_vin(const cJSON *object, char *vin, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, "vin");

    vin[0] = '\0';
    if (cJSON_IsString(item) && item->valuestring != NULL && strlen(item->valuestring) < size)
        tesla_json_text(object, "vin", vin, size);
}

static void parse_identity(const cJSON *object, struct vehicle_sample *sample)
{
    sample->eid = tesla_json_id(object, "id", "id_s");
    sample->vid = tesla_json_id(object, "vehicle_id", NULL);
    parse_vin(object, sample->vin, sizeof(sample->vin));

    if (!tesla_json_text(object, "state", sample->state, sizeof(sample->state)) ||
        sample->state[0] == '\0')
        tesla_copy_text(sample->state, sizeof(sample->state), STATE_UNKNOWN);

    sample->in_service = tesla_json_bool(object, "in_service");
}

/* Absent sub-objects are still parsed, from NULL, so that every field of
 * theirs (software_update included) is explicitly unknown. */
static void parse_sub_objects(const cJSON *object, struct vehicle_sample *sample)
{
    const cJSON *drive = sub_object(object, "drive_state");
    const cJSON *charge = sub_object(object, "charge_state");
    const cJSON *climate = sub_object(object, "climate_state");
    const cJSON *vehicle = sub_object(object, "vehicle_state");
    const cJSON *config = sub_object(object, "vehicle_config");

    sample->has_drive_state = drive != NULL;
    sample->has_charge_state = charge != NULL;
    sample->has_climate_state = climate != NULL;
    sample->has_vehicle_state = vehicle != NULL;
    sample->has_vehicle_config = config != NULL;

    vehicle_parse_drive_state(drive, &sample->drive);
    vehicle_parse_charge_state(charge, &sample->charge);
    vehicle_parse_climate_state(climate, &sample->climate);
    vehicle_parse_vehicle_state(vehicle, &sample->vehicle);
    vehicle_parse_vehicle_config(config, &sample->config);
}

/* vehicle_state.vehicle_name wins: vehicle_data since 2023 carries the
 * name only there. */
static void resolve_display_name(const cJSON *object, struct vehicle_sample *sample)
{
    if (sample->vehicle.vehicle_name[0] != '\0') {
        tesla_copy_text(sample->display_name, sizeof(sample->display_name),
                        sample->vehicle.vehicle_name);
        return;
    }
    tesla_json_text(object, "display_name", sample->display_name, sizeof(sample->display_name));
}

bool vehicle_parse_object(const cJSON *object, struct vehicle_sample *sample)
{
    struct vehicle_sample parsed;

    if (!cJSON_IsObject(object))
        return false;

    vehicle_sample_clear(&parsed);
    parse_identity(object, &parsed);
    parse_sub_objects(object, &parsed);
    resolve_display_name(object, &parsed);

    *sample = parsed;
    return true;
}

enum tesla_parse_status vehicle_parse_body(const char *body, size_t length,
                                           struct vehicle_sample *sample,
                                           struct tesla_parse_error *error)
{
    const cJSON *response = NULL;
    cJSON *root = NULL;
    enum tesla_parse_status status;

    status = tesla_json_parse_document(body, length, &root, error);
    if (status != TESLA_PARSE_OK)
        return status;

    status = tesla_json_response(root, cJSON_Object, &response, error);
    if (status == TESLA_PARSE_OK) {
        vehicle_parse_object(response, sample);
        tesla_parse_error_set(error, "%s", "");
    }
    cJSON_Delete(root);
    return status;
}

static bool is_vehicle_entry(const cJSON *element)
{
    return cJSON_IsObject(element) &&
           cJSON_GetObjectItemCaseSensitive(element, "vehicle_id") != NULL;
}

static size_t count_vehicle_entries(const cJSON *array)
{
    const cJSON *element;
    size_t count = 0;

    cJSON_ArrayForEach(element, array) {
        if (is_vehicle_entry(element))
            count++;
    }
    return count;
}

static enum tesla_parse_status parse_vehicle_entries(const cJSON *array, struct vehicle_list *list,
                                                     struct tesla_parse_error *error)
{
    size_t count = count_vehicle_entries(array);
    struct vehicle_sample *vehicles = NULL;
    const cJSON *element;
    size_t index = 0;

    if (count > 0) {
        vehicles = calloc(count, sizeof(*vehicles));
        if (vehicles == NULL) {
            tesla_parse_error_set(error, "cannot allocate %zu vehicle samples", count);
            return TESLA_PARSE_NO_MEMORY;
        }
    }

    cJSON_ArrayForEach(element, array) {
        if (is_vehicle_entry(element))
            vehicle_parse_object(element, &vehicles[index++]);
    }
    list->vehicles = vehicles;
    list->count = count;
    return TESLA_PARSE_OK;
}

enum tesla_parse_status vehicle_parse_list(const char *body, size_t length,
                                           struct vehicle_list *list,
                                           struct tesla_parse_error *error)
{
    const cJSON *response = NULL;
    cJSON *root = NULL;
    enum tesla_parse_status status;

    status = tesla_json_parse_document(body, length, &root, error);
    if (status != TESLA_PARSE_OK)
        return status;

    status = tesla_json_response(root, cJSON_Array, &response, error);
    if (status == TESLA_PARSE_OK)
        status = parse_vehicle_entries(response, list, error);
    if (status == TESLA_PARSE_OK)
        tesla_parse_error_set(error, "%s", "");
    cJSON_Delete(root);
    return status;
}

void vehicle_list_free(struct vehicle_list *list)
{
    if (list == NULL)
        return;
    free(list->vehicles);
    list->vehicles = NULL;
    list->count = 0;
}
