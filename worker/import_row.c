/* One TeslaFi CSV row to a vehicle sample, a rejection or nothing. */
#include "import_row.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[IMPORT_ROW_KIND_COUNT] = {
    [IMPORT_ROW_VEHICLE] = "vehicle",
    [IMPORT_ROW_DROPPED] = "dropped",
    [IMPORT_ROW_REJECTED] = "rejected",
};

static const char *const drop_reason_names[IMPORT_DROP_REASON_COUNT] = {
    [IMPORT_DROP_NONE] = "none",
    [IMPORT_DROP_NO_STATE] = "no_state",
    [IMPORT_DROP_NO_LOCATION] = "no_location",
};

static const char *const rejection_reason_names[IMPORT_REJECT_REASON_COUNT] = {
    [IMPORT_REJECT_INVALID_FIELDS] = "invalid_fields",
    [IMPORT_REJECT_PARSE_ERROR] = "parse_error",
    [IMPORT_REJECT_INVALID_DATE] = "invalid_date",
    [IMPORT_REJECT_AMBIGUOUS_LOCAL_TIME] = "ambiguous_local_time",
    [IMPORT_REJECT_NONEXISTENT_LOCAL_TIME] = "nonexistent_local_time",
    [IMPORT_REJECT_INVALID_TIMEZONE] = "invalid_timezone",
    [IMPORT_REJECT_COLUMN_COUNT_MISMATCH] = "column_count_mismatch",
    [IMPORT_REJECT_VEHICLE_CONFLICT] = "vehicle_conflict",
};

_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == IMPORT_ROW_KIND_COUNT,
               "kind_names must name every row kind");
_Static_assert(sizeof(drop_reason_names) / sizeof(drop_reason_names[0]) ==
                   IMPORT_DROP_REASON_COUNT,
               "drop_reason_names must name every drop reason");
_Static_assert(sizeof(rejection_reason_names) / sizeof(rejection_reason_names[0]) ==
                   IMPORT_REJECT_REASON_COUNT,
               "rejection_reason_names must name every rejection reason");

const char *import_row_kind_name(enum import_row_kind kind)
{
    return kind >= 0 && kind < IMPORT_ROW_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *import_drop_reason_name(enum import_drop_reason reason)
{
    return reason >= 0 && reason < IMPORT_DROP_REASON_COUNT ? drop_reason_names[reason]
                                                             : "unknown";
}

const char *import_rejection_reason_name(enum import_rejection_reason reason)
{
    return reason >= 0 && reason < IMPORT_REJECT_REASON_COUNT ? rejection_reason_names[reason]
                                                               : "unknown";
}

/* ---- where each column goes in the sample ------------------------------ */

enum binding_type {
    BIND_DOUBLE,
    BIND_INT64,
    BIND_BOOL,
    BIND_TEXT,
    BIND_VIN,           /* text, unknown when it does not fit */
    BIND_VEHICLE_ID,    /* the identity's vid, with the empty-cell fallback */
    BIND_TYPE_COUNT
};

struct binding {
    const char *column;
    enum binding_type type;
    size_t offset;
    size_t size;        /* text buffer size */
};

#define FIELD(member) offsetof(struct vehicle_sample, member)
#define DOUBLE(column, member) { column, BIND_DOUBLE, FIELD(member), 0 }
#define INT64(column, member) { column, BIND_INT64, FIELD(member), 0 }
#define BOOL(column, member) { column, BIND_BOOL, FIELD(member), 0 }
#define TEXT(column, member) \
    { column, BIND_TEXT, FIELD(member), sizeof(((struct vehicle_sample *)0)->member) }

/* The sample fields the state machine, the recorder and the car identity
 * read, by the API field name TeslaFi uses as the column name. */
static const struct binding bindings[] = {
    { "vin", BIND_VIN, FIELD(vin), sizeof(((struct vehicle_sample *)0)->vin) },
    { "vehicle_id", BIND_VEHICLE_ID, 0, 0 },
    TEXT("state", state),
    TEXT("display_name", display_name),
    BOOL("in_service", in_service),

    DOUBLE("latitude", drive.latitude),
    DOUBLE("longitude", drive.longitude),
    INT64("heading", drive.heading),
    DOUBLE("speed", drive.speed_mph),
    DOUBLE("power", drive.power_kw),
    TEXT("shift_state", drive.shift_state),
    INT64("gps_as_of", drive.gps_as_of_s),

    TEXT("charging_state", charge.charging_state),
    DOUBLE("battery_level", charge.battery_level),
    DOUBLE("usable_battery_level", charge.usable_battery_level),
    DOUBLE("battery_range", charge.battery_range_mi),
    DOUBLE("est_battery_range", charge.est_battery_range_mi),
    DOUBLE("ideal_battery_range", charge.ideal_battery_range_mi),
    DOUBLE("charge_energy_added", charge.charge_energy_added_kwh),
    DOUBLE("charger_power", charge.charger_power_kw),
    DOUBLE("charger_voltage", charge.charger_voltage),
    DOUBLE("charger_actual_current", charge.charger_actual_current),
    DOUBLE("charger_pilot_current", charge.charger_pilot_current),
    DOUBLE("charger_phases", charge.charger_phases),
    DOUBLE("charge_limit_soc", charge.charge_limit_soc),
    DOUBLE("time_to_full_charge", charge.time_to_full_charge_h),
    BOOL("charge_port_door_open", charge.charge_port_door_open),
    BOOL("fast_charger_present", charge.fast_charger_present),
    BOOL("battery_heater_on", charge.battery_heater_on),
    BOOL("not_enough_power_to_heat", charge.not_enough_power_to_heat),
    TEXT("conn_charge_cable", charge.conn_charge_cable),
    TEXT("fast_charger_brand", charge.fast_charger_brand),
    TEXT("fast_charger_type", charge.fast_charger_type),
    DOUBLE("charge_current_request", charge.charge_current_request_a),
    DOUBLE("charge_current_request_max", charge.charge_current_request_max_a),

    DOUBLE("inside_temp", climate.inside_temp_c),
    DOUBLE("outside_temp", climate.outside_temp_c),
    DOUBLE("driver_temp_setting", climate.driver_temp_setting_c),
    DOUBLE("passenger_temp_setting", climate.passenger_temp_setting_c),
    DOUBLE("fan_status", climate.fan_status),
    BOOL("is_climate_on", climate.is_climate_on),
    BOOL("is_preconditioning", climate.is_preconditioning),
    BOOL("is_front_defroster_on", climate.is_front_defroster_on),
    BOOL("is_rear_defroster_on", climate.is_rear_defroster_on),
    BOOL("battery_heater", climate.battery_heater),
    BOOL("battery_heater_no_power", climate.battery_heater_no_power),
    TEXT("climate_keeper_mode", climate.climate_keeper_mode),

    TEXT("car_version", vehicle.car_version),
    TEXT("vehicle_name", vehicle.vehicle_name),
    DOUBLE("odometer", vehicle.odometer_mi),
    BOOL("locked", vehicle.locked),
    BOOL("sentry_mode", vehicle.sentry_mode),
    BOOL("is_user_present", vehicle.is_user_present),
    BOOL("service_mode", vehicle.service_mode),
    INT64("df", vehicle.door_driver_front),
    INT64("dr", vehicle.door_driver_rear),
    INT64("pf", vehicle.door_passenger_front),
    INT64("pr", vehicle.door_passenger_rear),
    INT64("ft", vehicle.trunk_front),
    INT64("rt", vehicle.trunk_rear),
    INT64("fd_window", vehicle.window_driver_front),
    INT64("fp_window", vehicle.window_passenger_front),
    INT64("rd_window", vehicle.window_driver_rear),
    INT64("rp_window", vehicle.window_passenger_rear),
    DOUBLE("tpms_pressure_fl", vehicle.tpms_pressure_fl_bar),
    DOUBLE("tpms_pressure_fr", vehicle.tpms_pressure_fr_bar),
    DOUBLE("tpms_pressure_rl", vehicle.tpms_pressure_rl_bar),
    DOUBLE("tpms_pressure_rr", vehicle.tpms_pressure_rr_bar),
    INT64("center_display_state", vehicle.center_display_state),
    TEXT("sun_roof_state", vehicle.sun_roof_state),
    DOUBLE("sun_roof_percent_open", vehicle.sun_roof_percent_open),

    TEXT("car_type", config.car_type),
    TEXT("trim_badging", config.trim_badging),
    TEXT("exterior_color", config.exterior_color),
    TEXT("wheel_type", config.wheel_type),
    TEXT("spoiler_type", config.spoiler_type),
    TEXT("car_special_type", config.car_special_type),
    BOOL("rhd", config.rhd),
    BOOL("eu_vehicle", config.eu_vehicle),
    INT64("sun_roof_installed", config.sun_roof_installed),
};

#define BINDING_COUNT (sizeof(bindings) / sizeof(bindings[0]))

static int binding_for(const char *column)
{
    for (size_t i = 0; i < BINDING_COUNT; i++) {
        if (strcmp(bindings[i].column, column) == 0)
            return (int)i;
    }
    return -1;
}

static unsigned kind_bit(enum teslafi_value_kind kind)
{
    return 1u << kind;
}

/*
 * The value kinds the type check accepts for a column, learnt by asking
 * teslafi_value_type_is_valid() once per kind; 0 when every kind passes.
 * `id` is never checked because TeslaMate replaces its value.
 */
static unsigned accepted_kinds(const char *column)
{
    const struct teslafi_value probes[] = {
        { .kind = TESLAFI_VALUE_BOOLEAN, .boolean = true, .text = "true" },
        { .kind = TESLAFI_VALUE_INTEGER, .integer = 1, .number = 1.0, .text = "1" },
        { .kind = TESLAFI_VALUE_FLOAT, .number = 1.5, .text = "1.5" },
        { .kind = TESLAFI_VALUE_TEXT, .text = "x" },
    };
    unsigned accepted = 0, all = 0;

    if (strcmp(column, "id") == 0)
        return 0;
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        all |= kind_bit(probes[i].kind);
        if (teslafi_value_type_is_valid(column, &probes[i]))
            accepted |= kind_bit(probes[i].kind);
    }
    return accepted == all ? 0 : accepted;
}

/* "drive_state.latitude" for an API sub-object field, the bare name for a
 * top-level one. */
static void dotted_name(const char *column, char *out, size_t size)
{
    enum teslafi_section section = teslafi_column_section(column);
    const char *section_name = teslafi_section_name(section);

    if (section_name[0] == '\0')
        snprintf(out, size, "%s", column);
    else
        snprintf(out, size, "%s.%s", section_name, column);
}

void import_columns_init(struct import_columns *columns, const struct teslafi_reader *reader)
{
    size_t header_count = teslafi_column_count(reader);

    columns->date = teslafi_column_index(reader, "Date");
    columns->state = teslafi_column_index(reader, "state");
    columns->count = 0;
    columns->ignored_count = 0;

    for (size_t i = 0; i < header_count; i++) {
        const char *name = teslafi_column_name(reader, i);

        if (!teslafi_column_is_effective(reader, i) || strcmp(name, "Date") == 0)
            continue;

        int binding = binding_for(name);
        unsigned accepted = accepted_kinds(name);

        if (binding < 0 && accepted == 0)
            continue;
        if (columns->count == IMPORT_COLUMNS_MAX) {
            columns->ignored_count++;
            continue;
        }

        struct import_column *column = &columns->columns[columns->count++];
        column->index = (int)i;
        column->binding = binding;
        column->accepted_kinds = accepted;
        dotted_name(name, column->field_name, sizeof(column->field_name));
    }
}

/* ---- rejections --------------------------------------------------------- */

void import_rejection_add_field(struct import_rejection *rejection, const char *field)
{
    size_t position = 0;

    while (position < rejection->field_count) {
        int order = strcmp(field, rejection->fields[position]);

        if (order == 0)
            return;
        if (order < 0)
            break;
        position++;
    }
    if (position == IMPORT_REJECTION_FIELDS_MAX)
        return;     /* sorts after the 8 kept names */

    size_t last = rejection->field_count < IMPORT_REJECTION_FIELDS_MAX
                      ? rejection->field_count
                      : IMPORT_REJECTION_FIELDS_MAX - 1;
    for (size_t i = last; i > position; i--)
        memcpy(rejection->fields[i], rejection->fields[i - 1], IMPORT_FIELD_NAME_SIZE);
    snprintf(rejection->fields[position], IMPORT_FIELD_NAME_SIZE, "%s", field);
    if (rejection->field_count < IMPORT_REJECTION_FIELDS_MAX)
        rejection->field_count++;
}

static void reject(struct import_row *out, enum import_rejection_reason reason,
                   const char *field)
{
    out->kind = IMPORT_ROW_REJECTED;
    out->rejection.row = out->row;
    out->rejection.reason = reason;
    out->rejection.field_count = 0;
    if (field != NULL)
        import_rejection_add_field(&out->rejection, field);
}

void import_row_column_mismatch(long row, struct import_row *out)
{
    memset(&out->identity, 0, sizeof(out->identity));
    out->row = row;
    out->drop_reason = IMPORT_DROP_NONE;
    out->date_ms = 0;
    reject(out, IMPORT_REJECT_COLUMN_COUNT_MISMATCH, "columns");
}

/* ---- values -------------------------------------------------------------- */

/* Copies text cut to the buffer at a UTF-8 character boundary. */
static void copy_text(char *to, size_t size, const char *from)
{
    size_t length = strlen(from);

    if (length >= size) {
        length = size - 1;
        while (length > 0 && ((unsigned char)from[length] & 0xC0) == 0x80)
            length--;
    }
    memcpy(to, from, length);
    to[length] = '\0';
}

/* The text a text field receives: "" for null and for "<invalid>", the
 * cell itself for a number or boolean in an unchecked column. */
static const char *value_text(const struct teslafi_value *value, const char *cell)
{
    if (value->kind == TESLAFI_VALUE_NULL)
        return "";
    if (value->kind == TESLAFI_VALUE_TEXT)
        return strcmp(value->text, "<invalid>") == 0 ? "" : value->text;
    return cell;
}

static bool value_int64(const struct teslafi_value *value, int64_t *out)
{
    if (value->kind == TESLAFI_VALUE_INTEGER) {
        *out = value->integer;
        return true;
    }
    if (value->kind == TESLAFI_VALUE_FLOAT && isfinite(value->number) &&
        fabs(value->number) < 9.0e18) {
        *out = (int64_t)llround(value->number);
        return true;
    }
    return false;
}

static void bind_vehicle_id(const struct teslafi_value *value, const char *cell,
                            const struct import_row_options *options,
                            struct import_row_identity *identity)
{
    if (value->kind == TESLAFI_VALUE_INTEGER) {
        identity->has_vid = true;
        identity->vid_from_row = true;
        identity->vid = value->integer;
    } else if (cell[0] == '\0') {
        identity->has_vid = true;
        identity->vid_from_row = false;
        identity->vid = options->fallback_vehicle_id;
    }
}

static void bind_value(const struct binding *binding, const struct teslafi_value *value,
                       const char *cell, const struct import_row_options *options,
                       struct import_row *out)
{
    char *field = (char *)&out->sample + binding->offset;
    const char *text;

    switch (binding->type) {
    case BIND_DOUBLE: {
        struct opt_double *target = (struct opt_double *)field;
        bool number = value->kind == TESLAFI_VALUE_INTEGER || value->kind == TESLAFI_VALUE_FLOAT;

        target->known = number && isfinite(value->number);
        target->value = target->known ? value->number : 0.0;
        break;
    }
    case BIND_INT64: {
        struct opt_int64 *target = (struct opt_int64 *)field;

        target->known = value_int64(value, &target->value);
        break;
    }
    case BIND_BOOL: {
        struct opt_bool *target = (struct opt_bool *)field;

        target->known = value->kind == TESLAFI_VALUE_BOOLEAN;
        target->value = target->known && value->boolean;
        break;
    }
    case BIND_TEXT:
        copy_text(field, binding->size, value_text(value, cell));
        break;
    case BIND_VIN:
        text = value_text(value, cell);
        if (strlen(text) < binding->size)
            copy_text(field, binding->size, text);
        break;
    case BIND_VEHICLE_ID:
        bind_vehicle_id(value, cell, options, &out->identity);
        break;
    default:
        break;
    }
}

/* ---- the row ------------------------------------------------------------- */

static bool read_date(const struct import_columns *columns, const struct teslafi_reader *reader,
                      struct import_zone *zone, struct import_row *out)
{
    const char *cell = teslafi_cell(reader, columns->date);
    struct teslafi_local_time local;

    if (cell == NULL || !teslafi_parse_date(cell, &local)) {
        reject(out, IMPORT_REJECT_INVALID_DATE, "Date");
        return false;
    }

    switch (import_zone_resolve(zone, &local, &out->date_ms)) {
    case TESLAFI_TIME_OK:
        return true;
    case TESLAFI_TIME_AMBIGUOUS:
        reject(out, IMPORT_REJECT_AMBIGUOUS_LOCAL_TIME, "Date");
        return false;
    case TESLAFI_TIME_NONEXISTENT:
        reject(out, IMPORT_REJECT_NONEXISTENT_LOCAL_TIME, "Date");
        return false;
    default:
        reject(out, IMPORT_REJECT_INVALID_TIMEZONE, "Date");
        return false;
    }
}

static void stamp_sample(struct vehicle_sample *sample, int64_t date_ms)
{
    const struct opt_int64 stamp = { .known = true, .value = date_ms };

    memset(sample, 0, sizeof(*sample));
    sample->has_drive_state = true;
    sample->has_charge_state = true;
    sample->has_climate_state = true;
    sample->has_vehicle_state = true;
    sample->has_vehicle_config = true;
    sample->drive.timestamp_ms = stamp;
    sample->charge.timestamp_ms = stamp;
    sample->climate.timestamp_ms = stamp;
    sample->vehicle.timestamp_ms = stamp;
}

/* Converts every planned cell; type-check failures go into the rejection. */
static void read_cells(const struct import_columns *columns, const struct teslafi_reader *reader,
                       const struct import_row_options *options, struct import_row *out)
{
    out->rejection.field_count = 0;

    for (size_t i = 0; i < columns->count; i++) {
        const struct import_column *column = &columns->columns[i];
        const char *cell = teslafi_cell(reader, column->index);
        const char *name = teslafi_column_name(reader, (size_t)column->index);

        if (cell == NULL)
            continue;
        struct teslafi_value value = teslafi_convert(name, cell);

        if (column->accepted_kinds != 0 && value.kind != TESLAFI_VALUE_NULL &&
            (column->accepted_kinds & kind_bit(value.kind)) == 0) {
            import_rejection_add_field(&out->rejection, column->field_name);
            continue;
        }
        if (column->binding >= 0)
            bind_value(&bindings[column->binding], &value, cell, options, out);
    }
}

/* Latitude and longitude must be usable as a position. */
static void check_coordinates(struct import_row *out)
{
    const struct drive_state_sample *drive = &out->sample.drive;

    if (drive->latitude.known && fabs(drive->latitude.value) > 90.0)
        import_rejection_add_field(&out->rejection, "drive_state.latitude");
    if (drive->longitude.known && fabs(drive->longitude.value) > 180.0)
        import_rejection_add_field(&out->rejection, "drive_state.longitude");
}

static void finish_sample(struct import_row *out)
{
    struct vehicle_sample *sample = &out->sample;

    /* vehicle_name wins over display_name when present. */
    if (sample->vehicle.vehicle_name[0] != '\0')
        memcpy(sample->display_name, sample->vehicle.vehicle_name, sizeof(sample->display_name));

    out->identity.has_vin = sample->vin[0] != '\0';
    if (out->identity.has_vid)
        sample->vid = (struct opt_int64){ .known = true, .value = out->identity.vid };
}

static void classify(struct import_row *out)
{
    const struct vehicle_sample *sample = &out->sample;

    if (sample->state[0] == '\0' || strcmp(sample->state, "unknown") == 0) {
        out->kind = IMPORT_ROW_DROPPED;
        out->drop_reason = IMPORT_DROP_NO_STATE;
    } else if (strcmp(sample->state, "online") == 0 &&
               (!sample->drive.latitude.known || !sample->drive.longitude.known)) {
        out->kind = IMPORT_ROW_DROPPED;
        out->drop_reason = IMPORT_DROP_NO_LOCATION;
    } else {
        out->kind = IMPORT_ROW_VEHICLE;
    }
}

void import_row_read(const struct import_columns *columns, const struct teslafi_reader *reader,
                     struct import_zone *zone, const struct import_row_options *options,
                     struct import_row *out)
{
    out->row = teslafi_row_number(reader);
    out->drop_reason = IMPORT_DROP_NONE;
    out->date_ms = 0;
    memset(&out->identity, 0, sizeof(out->identity));

    if (!read_date(columns, reader, zone, out))
        return;

    stamp_sample(&out->sample, out->date_ms);
    read_cells(columns, reader, options, out);
    check_coordinates(out);
    if (out->rejection.field_count > 0) {
        out->kind = IMPORT_ROW_REJECTED;
        out->rejection.row = out->row;
        out->rejection.reason = IMPORT_REJECT_INVALID_FIELDS;
        return;
    }

    finish_sample(out);
    classify(out);
}
