#include "row_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_BIT(section) (1u << (section))

#define ALL_SECTIONS                                                                        \
    (SECTION_BIT(TESLAFI_SECTION_CHARGE_STATE) | SECTION_BIT(TESLAFI_SECTION_CLIMATE_STATE) | \
     SECTION_BIT(TESLAFI_SECTION_DRIVE_STATE) | SECTION_BIT(TESLAFI_SECTION_GUI_SETTINGS) |  \
     SECTION_BIT(TESLAFI_SECTION_VEHICLE_CONFIG) | SECTION_BIT(TESLAFI_SECTION_VEHICLE_STATE))

/* The sub-objects in output order (byte order of their keys). */
static const enum teslafi_section output_sections[] = {
    TESLAFI_SECTION_CHARGE_STATE, TESLAFI_SECTION_CLIMATE_STATE, TESLAFI_SECTION_DRIVE_STATE,
    TESLAFI_SECTION_GUI_SETTINGS, TESLAFI_SECTION_VEHICLE_CONFIG, TESLAFI_SECTION_VEHICLE_STATE,
};

struct endpoint_value {
    const char *name;
    unsigned sections;
    bool location;
};

/* The Fleet API's `endpoints` values. closures_state fills the door and
 * window fields, which live in vehicle_state; the schedule objects and
 * vehicle_data_combo add nothing a trace records. */
static const struct endpoint_value endpoint_values[] = {
    {"charge_state", SECTION_BIT(TESLAFI_SECTION_CHARGE_STATE), false},
    {"climate_state", SECTION_BIT(TESLAFI_SECTION_CLIMATE_STATE), false},
    {"closures_state", SECTION_BIT(TESLAFI_SECTION_VEHICLE_STATE), false},
    {"drive_state", SECTION_BIT(TESLAFI_SECTION_DRIVE_STATE), false},
    {"gui_settings", SECTION_BIT(TESLAFI_SECTION_GUI_SETTINGS), false},
    {"location_data", SECTION_BIT(TESLAFI_SECTION_DRIVE_STATE), true},
    {"vehicle_config", SECTION_BIT(TESLAFI_SECTION_VEHICLE_CONFIG), false},
    {"vehicle_state", SECTION_BIT(TESLAFI_SECTION_VEHICLE_STATE), false},
    {"charge_schedule_data", 0, false},
    {"preconditioning_schedule_data", 0, false},
    {"vehicle_data_combo", 0, false},
};

/* drive_state fields sent only when location_data is requested. */
static const char *const location_fields[] = {
    "active_route_destination", "active_route_energy_at_arrival", "active_route_latitude",
    "active_route_longitude", "active_route_miles_to_arrival", "active_route_minutes_to_arrival",
    "corrected_latitude", "corrected_longitude", "gps_as_of", "heading", "latitude",
    "longitude", "native_latitude", "native_location_supported", "native_longitude",
    "native_type",
};

bool row_json_parse_endpoints(const char *text, struct data_request *request, char *bad,
                              size_t bad_size)
{
    *request = (struct data_request){0};
    if (text == NULL) {
        request->sections = ALL_SECTIONS;
        return true;
    }

    for (const char *start = text; *start != '\0';) {
        size_t length = strcspn(start, ";");
        bool known = length == 0;
        for (size_t i = 0; !known && i < sizeof(endpoint_values) / sizeof(endpoint_values[0]);
             i++) {
            const struct endpoint_value *value = &endpoint_values[i];
            if (strlen(value->name) != length || strncmp(start, value->name, length) != 0)
                continue;
            request->sections |= value->sections;
            request->location = request->location || value->location;
            known = true;
        }
        if (!known) {
            snprintf(bad, bad_size, "%.*s", (int)(length < 64 ? length : 64), start);
            return false;
        }
        start += length;
        if (*start == ';')
            start++;
    }
    return true;
}

static bool is_location_field(const char *name)
{
    for (size_t i = 0; i < sizeof(location_fields) / sizeof(location_fields[0]); i++) {
        if (strcmp(name, location_fields[i]) == 0)
            return true;
    }
    return false;
}

static cJSON *raw_integer(int64_t value)
{
    char text[24];

    snprintf(text, sizeof(text), "%" PRId64, value);
    return cJSON_CreateRaw(text);
}

static cJSON *cell_json(const struct trace_cell *cell)
{
    switch (cell->kind) {
    case CELL_BOOLEAN:
        return cJSON_CreateBool(cell->boolean);
    case CELL_NUMBER:
        return cJSON_CreateRaw(cell->text);
    case CELL_TEXT:
        return cJSON_CreateString(cell->text);
    case CELL_NULL:
    case CELL_KIND_COUNT:
        break;
    }
    return cJSON_CreateNull();
}

/* Replaces a member or adds it at the end. */
static void set_member(cJSON *object, const char *key, cJSON *item)
{
    if (item == NULL)
        return;
    if (cJSON_GetObjectItemCaseSensitive(object, key) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(object, key, item);
    else
        cJSON_AddItemToObject(object, key, item);
}

static void apply_vehicle_config(const struct car *car, cJSON *vehicle_config)
{
    const cJSON *member;

    if (car->vehicle_config == NULL || vehicle_config == NULL)
        return;
    cJSON_ArrayForEach(member, car->vehicle_config)
    {
        set_member(vehicle_config, member->string, cJSON_Duplicate(member, true));
    }
}

static cJSON *vehicle_tokens(const struct car *car)
{
    const char *tokens[2] = {car->vehicle_tokens[0], car->vehicle_tokens[1]};

    return cJSON_CreateStringArray(tokens, 2);
}

static cJSON *api_version(const struct car *car)
{
    const struct trace_cell *cell = car->trace->identity.api_version;

    return cell != NULL ? cell_json(cell) : cJSON_CreateNull();
}

/* ---- TeslaFi rows ------------------------------------------------------ */

static void add_shifted_cell(cJSON *object, const struct trace_field *field,
                             const struct trace_cell *cell, int64_t shift_ms)
{
    if (shift_ms != 0 && cell->kind == CELL_NUMBER && strcmp(field->name, "gps_as_of") == 0) {
        int64_t seconds = strtoll(cell->text, NULL, 10) + shift_ms / 1000;
        cJSON_AddItemToObject(object, field->name, raw_integer(seconds));
        return;
    }
    cJSON_AddItemToObject(object, field->name, cell_json(cell));
}

static cJSON *teslafi_section(const struct car *car, const struct replay_view *view,
                              const struct data_request *request, enum teslafi_section section)
{
    const struct trace_row *row = view->row;
    const struct trace_layout *layout = &car->trace->layouts[row->source];
    cJSON *object = cJSON_CreateObject();
    bool timestamp_added = false, name_added = false;

    for (size_t i = 0; object != NULL && i < layout->field_count; i++) {
        const struct trace_field *field = &layout->fields[i];
        if (field->section != section)
            continue;
        if (section == TESLAFI_SECTION_DRIVE_STATE && !request->location &&
            is_location_field(field->name))
            continue;
        if (!timestamp_added && strcmp(field->name, "timestamp") > 0) {
            cJSON_AddItemToObject(object, "timestamp",
                                  raw_integer(row->timestamp_ms + view->shift_ms));
            timestamp_added = true;
        }
        if (section == TESLAFI_SECTION_VEHICLE_STATE && strcmp(field->name, "vehicle_name") == 0) {
            cJSON_AddStringToObject(object, "vehicle_name", car->display_name);
            name_added = true;
            continue;
        }
        add_shifted_cell(object, field, &row->cells[i], view->shift_ms);
    }

    if (!timestamp_added)
        cJSON_AddItemToObject(object, "timestamp", raw_integer(row->timestamp_ms + view->shift_ms));
    if (section == TESLAFI_SECTION_VEHICLE_STATE && !name_added)
        cJSON_AddStringToObject(object, "vehicle_name", car->display_name);
    if (section == TESLAFI_SECTION_VEHICLE_CONFIG)
        apply_vehicle_config(car, object);
    return object;
}

static void add_identity(cJSON *object, const struct car *car, enum vehicle_state state)
{
    cJSON_AddItemToObject(object, "id", cJSON_CreateRaw(car->id_text));
    cJSON_AddNumberToObject(object, "user_id", (double)car->account->user_id);
    cJSON_AddItemToObject(object, "vehicle_id", raw_integer(car->vehicle_id));
    cJSON_AddStringToObject(object, "vin", car->vin);
    cJSON_AddStringToObject(object, "display_name", car->display_name);
    cJSON_AddNullToObject(object, "option_codes");
    cJSON_AddNullToObject(object, "color");
    cJSON_AddStringToObject(object, "access_type", "OWNER");
    cJSON_AddItemToObject(object, "tokens", vehicle_tokens(car));
    cJSON_AddStringToObject(object, "state", vehicle_state_name(state));
    cJSON_AddFalseToObject(object, "in_service");
    cJSON_AddStringToObject(object, "id_s", car->id_text);
    cJSON_AddTrueToObject(object, "calendar_enabled");
    cJSON_AddItemToObject(object, "api_version", api_version(car));
    cJSON_AddNullToObject(object, "backseat_token");
    cJSON_AddNullToObject(object, "backseat_token_updated_at");
}

static cJSON *teslafi_vehicle_data(const struct car *car, const struct replay_view *view,
                                   const struct data_request *request)
{
    cJSON *object = cJSON_CreateObject();

    if (object == NULL)
        return NULL;
    add_identity(object, car, view->state);
    for (size_t i = 0; i < sizeof(output_sections) / sizeof(output_sections[0]); i++) {
        enum teslafi_section section = output_sections[i];
        if (request->sections & SECTION_BIT(section))
            cJSON_AddItemToObject(object, teslafi_section_name(section),
                                  teslafi_section(car, view, request, section));
    }
    return object;
}

/* ---- JSON-lines rows --------------------------------------------------- */

static void shift_timestamps(cJSON *vehicle, int64_t shift_ms)
{
    cJSON *section;

    cJSON_ArrayForEach(section, vehicle)
    {
        cJSON *timestamp = cJSON_GetObjectItemCaseSensitive(section, "timestamp");
        if (cJSON_IsObject(section) && cJSON_IsNumber(timestamp))
            set_member(section, "timestamp",
                       raw_integer((int64_t)timestamp->valuedouble + shift_ms));
    }
    cJSON *drive = cJSON_GetObjectItemCaseSensitive(vehicle, "drive_state");
    cJSON *gps_as_of = cJSON_GetObjectItemCaseSensitive(drive, "gps_as_of");
    if (cJSON_IsNumber(gps_as_of))
        set_member(drive, "gps_as_of", raw_integer((int64_t)gps_as_of->valuedouble +
                                                   shift_ms / 1000));
}

static void filter_sections(cJSON *vehicle, const struct data_request *request)
{
    for (size_t i = 0; i < sizeof(output_sections) / sizeof(output_sections[0]); i++) {
        enum teslafi_section section = output_sections[i];
        if (!(request->sections & SECTION_BIT(section)))
            cJSON_DeleteItemFromObjectCaseSensitive(vehicle, teslafi_section_name(section));
    }
    cJSON *drive = cJSON_GetObjectItemCaseSensitive(vehicle, "drive_state");
    for (size_t i = 0; drive != NULL && !request->location &&
                       i < sizeof(location_fields) / sizeof(location_fields[0]);
         i++)
        cJSON_DeleteItemFromObjectCaseSensitive(drive, location_fields[i]);
}

static cJSON *json_lines_vehicle_data(const struct car *car, const struct replay_view *view,
                                      const struct data_request *request)
{
    cJSON *vehicle = cJSON_Duplicate(view->row->vehicle, true);

    if (vehicle == NULL)
        return NULL;
    set_member(vehicle, "id", cJSON_CreateRaw(car->id_text));
    set_member(vehicle, "vehicle_id", raw_integer(car->vehicle_id));
    set_member(vehicle, "vin", cJSON_CreateString(car->vin));
    set_member(vehicle, "id_s", cJSON_CreateString(car->id_text));
    if (cJSON_GetObjectItemCaseSensitive(vehicle, "display_name") != NULL)
        set_member(vehicle, "display_name", cJSON_CreateString(car->display_name));

    cJSON *vehicle_state = cJSON_GetObjectItemCaseSensitive(vehicle, "vehicle_state");
    if (cJSON_IsObject(vehicle_state))
        set_member(vehicle_state, "vehicle_name", cJSON_CreateString(car->display_name));
    apply_vehicle_config(car, cJSON_GetObjectItemCaseSensitive(vehicle, "vehicle_config"));
    filter_sections(vehicle, request);
    if (view->shift_ms != 0)
        shift_timestamps(vehicle, view->shift_ms);
    return vehicle;
}

cJSON *row_json_vehicle_data(const struct car *car, const struct replay_view *view,
                             const struct data_request *request)
{
    if (view->row == NULL)
        return NULL;
    if (car->trace->format == TRACE_FORMAT_JSON_LINES)
        return json_lines_vehicle_data(car, view, request);
    return teslafi_vehicle_data(car, view, request);
}

/* ---- Vehicle entries --------------------------------------------------- */

/* The vehicle_config of the current online row, or of the trace's first
 * online row when the car is not online. */
static cJSON *entry_vehicle_config(const struct car *car, const struct replay_view *view)
{
    struct replay_view config_view = *view;
    struct data_request request = {.sections = SECTION_BIT(TESLAFI_SECTION_VEHICLE_CONFIG)};

    for (size_t i = 0; config_view.row == NULL || config_view.row->state != VEHICLE_STATE_ONLINE;
         i++) {
        if (i >= car->trace->row_count)
            return cJSON_CreateNull();
        config_view.row = &car->trace->rows[i];
    }

    cJSON *vehicle = row_json_vehicle_data(car, &config_view, &request);
    cJSON *vehicle_config = cJSON_DetachItemFromObjectCaseSensitive(vehicle, "vehicle_config");
    cJSON_Delete(vehicle);
    return vehicle_config != NULL ? vehicle_config : cJSON_CreateNull();
}

static cJSON *products_entry(const struct car *car, const struct replay_view *view)
{
    cJSON *object = cJSON_CreateObject();
    cJSON *granular_access = cJSON_CreateObject();

    /* Keys in byte order, as the 2024 Owner API sends them. */
    cJSON_AddStringToObject(object, "access_type", "OWNER");
    cJSON_AddItemToObject(object, "api_version", api_version(car));
    cJSON_AddNullToObject(object, "backseat_token");
    cJSON_AddNullToObject(object, "backseat_token_updated_at");
    cJSON_AddFalseToObject(object, "ble_autopair_enrolled");
    cJSON_AddStringToObject(object, "cached_data", "");
    cJSON_AddTrueToObject(object, "calendar_enabled");
    cJSON_AddNullToObject(object, "color");
    cJSON_AddStringToObject(object, "command_signing", "off");
    cJSON_AddStringToObject(object, "display_name", car->display_name);
    cJSON_AddFalseToObject(granular_access, "hide_private");
    cJSON_AddItemToObject(object, "granular_access", granular_access);
    cJSON_AddItemToObject(object, "id", cJSON_CreateRaw(car->id_text));
    cJSON_AddStringToObject(object, "id_s", car->id_text);
    cJSON_AddFalseToObject(object, "in_service");
    cJSON_AddNullToObject(object, "option_codes");
    cJSON_AddTrueToObject(object, "release_notes_supported");
    cJSON_AddStringToObject(object, "state", vehicle_state_name(view->state));
    cJSON_AddItemToObject(object, "tokens", vehicle_tokens(car));
    cJSON_AddNumberToObject(object, "user_id", (double)car->account->user_id);
    cJSON_AddItemToObject(object, "vehicle_config", entry_vehicle_config(car, view));
    cJSON_AddItemToObject(object, "vehicle_id", raw_integer(car->vehicle_id));
    cJSON_AddStringToObject(object, "vin", car->vin);
    return object;
}

/* The Fleet API documentation's shape of a list element and of
 * /api/1/vehicles/{id}. */
static cJSON *vehicles_entry(const struct car *car, const struct replay_view *view)
{
    cJSON *object = cJSON_CreateObject();
    cJSON *granular_access = cJSON_CreateObject();

    cJSON_AddItemToObject(object, "id", cJSON_CreateRaw(car->id_text));
    cJSON_AddItemToObject(object, "vehicle_id", raw_integer(car->vehicle_id));
    cJSON_AddStringToObject(object, "vin", car->vin);
    cJSON_AddNullToObject(object, "color");
    cJSON_AddStringToObject(object, "access_type", "OWNER");
    cJSON_AddStringToObject(object, "display_name", car->display_name);
    cJSON_AddNullToObject(object, "option_codes");
    cJSON_AddFalseToObject(granular_access, "hide_private");
    cJSON_AddItemToObject(object, "granular_access", granular_access);
    cJSON_AddItemToObject(object, "tokens", vehicle_tokens(car));
    cJSON_AddStringToObject(object, "state", vehicle_state_name(view->state));
    cJSON_AddFalseToObject(object, "in_service");
    cJSON_AddStringToObject(object, "id_s", car->id_text);
    cJSON_AddTrueToObject(object, "calendar_enabled");
    cJSON_AddItemToObject(object, "api_version", api_version(car));
    cJSON_AddNullToObject(object, "backseat_token");
    cJSON_AddNullToObject(object, "backseat_token_updated_at");
    return object;
}

cJSON *row_json_entry(const struct car *car, const struct replay_view *view,
                      enum entry_shape shape)
{
    if (shape == ENTRY_PRODUCTS)
        return products_entry(car, view);
    return vehicles_entry(car, view);
}
