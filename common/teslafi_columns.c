/* The Tesla API object of each TeslaFi column, and the JSON
 * types TeslaMate's importer requires of some of them. */
#include "teslafi.h"

#include <stdlib.h>
#include <string.h>

struct column_section {
    const char *column;
    enum teslafi_section section;
};

/*
 * Every scalar field of the vehicle_data responses recorded from the Owner
 * and Fleet APIs (2020 to 2024 firmware), by the object that contains it,
 * plus the older fields TeslaMate's API structs still declare
 * (smart_preconditioning, the rear "back" seat heaters, perf_config,
 * autopark_state_v3). Sorted by name in byte order for bsearch.
 */
static const struct column_section column_sections[] = {
    {"access_type", TESLAFI_SECTION_TOP},
    {"active_route_destination", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_energy_at_arrival", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_latitude", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_longitude", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_miles_to_arrival", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_minutes_to_arrival", TESLAFI_SECTION_DRIVE_STATE},
    {"active_route_traffic_minutes_delay", TESLAFI_SECTION_DRIVE_STATE},
    {"allow_cabin_overheat_protection", TESLAFI_SECTION_CLIMATE_STATE},
    {"api_version", TESLAFI_SECTION_VEHICLE_STATE},
    {"auto_seat_climate_left", TESLAFI_SECTION_CLIMATE_STATE},
    {"auto_seat_climate_right", TESLAFI_SECTION_CLIMATE_STATE},
    {"auto_steering_wheel_heat", TESLAFI_SECTION_CLIMATE_STATE},
    {"autopark_state_v2", TESLAFI_SECTION_VEHICLE_STATE},
    {"autopark_state_v3", TESLAFI_SECTION_VEHICLE_STATE},
    {"autopark_style", TESLAFI_SECTION_VEHICLE_STATE},
    {"aux_park_lamps", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"backseat_token", TESLAFI_SECTION_TOP},
    {"backseat_token_updated_at", TESLAFI_SECTION_TOP},
    {"badge_version", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"battery_heater", TESLAFI_SECTION_CLIMATE_STATE},
    {"battery_heater_no_power", TESLAFI_SECTION_CLIMATE_STATE},
    {"battery_heater_on", TESLAFI_SECTION_CHARGE_STATE},
    {"battery_level", TESLAFI_SECTION_CHARGE_STATE},
    {"battery_range", TESLAFI_SECTION_CHARGE_STATE},
    {"bioweapon_mode", TESLAFI_SECTION_CLIMATE_STATE},
    {"ble_autopair_enrolled", TESLAFI_SECTION_TOP},
    {"cabin_overheat_protection", TESLAFI_SECTION_CLIMATE_STATE},
    {"cabin_overheat_protection_actively_cooling", TESLAFI_SECTION_CLIMATE_STATE},
    {"calendar_enabled", TESLAFI_SECTION_TOP},
    {"calendar_supported", TESLAFI_SECTION_VEHICLE_STATE},
    {"can_accept_navigation_requests", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"can_actuate_trunks", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"car_special_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"car_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"car_version", TESLAFI_SECTION_VEHICLE_STATE},
    {"center_display_state", TESLAFI_SECTION_VEHICLE_STATE},
    {"charge_amps", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_current_request", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_current_request_max", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_enable_request", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_energy_added", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_limit_soc", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_limit_soc_max", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_limit_soc_min", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_limit_soc_std", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_miles_added_ideal", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_miles_added_rated", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_port_cold_weather_mode", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_port_color", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_port_door_open", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_port_latch", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_port_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"charge_rate", TESLAFI_SECTION_CHARGE_STATE},
    {"charge_to_max_range", TESLAFI_SECTION_CHARGE_STATE},
    {"charger_actual_current", TESLAFI_SECTION_CHARGE_STATE},
    {"charger_phases", TESLAFI_SECTION_CHARGE_STATE},
    {"charger_pilot_current", TESLAFI_SECTION_CHARGE_STATE},
    {"charger_power", TESLAFI_SECTION_CHARGE_STATE},
    {"charger_voltage", TESLAFI_SECTION_CHARGE_STATE},
    {"charging_schedule_override", TESLAFI_SECTION_CHARGE_STATE},
    {"charging_state", TESLAFI_SECTION_CHARGE_STATE},
    {"climate_keeper_mode", TESLAFI_SECTION_CLIMATE_STATE},
    {"color", TESLAFI_SECTION_TOP},
    {"conn_charge_cable", TESLAFI_SECTION_CHARGE_STATE},
    {"cop_activation_temperature", TESLAFI_SECTION_CLIMATE_STATE},
    {"cop_user_set_temp_supported", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"dashcam_clip_save_available", TESLAFI_SECTION_VEHICLE_STATE},
    {"dashcam_clip_save_supported", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"dashcam_state", TESLAFI_SECTION_VEHICLE_STATE},
    {"default_charge_to_max", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"defrost_mode", TESLAFI_SECTION_CLIMATE_STATE},
    {"df", TESLAFI_SECTION_VEHICLE_STATE},
    {"display_name", TESLAFI_SECTION_TOP},
    {"dr", TESLAFI_SECTION_VEHICLE_STATE},
    {"driver_assist", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"driver_temp_setting", TESLAFI_SECTION_CLIMATE_STATE},
    {"ece_restrictions", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"efficiency_package", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"energy_remaining", TESLAFI_SECTION_CHARGE_STATE},
    {"est_battery_range", TESLAFI_SECTION_CHARGE_STATE},
    {"eu_vehicle", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"exterior_color", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"exterior_trim", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"exterior_trim_override", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"fan_status", TESLAFI_SECTION_CLIMATE_STATE},
    {"fast_charger_brand", TESLAFI_SECTION_CHARGE_STATE},
    {"fast_charger_present", TESLAFI_SECTION_CHARGE_STATE},
    {"fast_charger_type", TESLAFI_SECTION_CHARGE_STATE},
    {"fd_window", TESLAFI_SECTION_VEHICLE_STATE},
    {"feature_bitmask", TESLAFI_SECTION_VEHICLE_STATE},
    {"fp_window", TESLAFI_SECTION_VEHICLE_STATE},
    {"front_drive_unit", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"ft", TESLAFI_SECTION_VEHICLE_STATE},
    {"gps_as_of", TESLAFI_SECTION_DRIVE_STATE},
    {"gui_24_hour_time", TESLAFI_SECTION_GUI_SETTINGS},
    {"gui_charge_rate_units", TESLAFI_SECTION_GUI_SETTINGS},
    {"gui_distance_units", TESLAFI_SECTION_GUI_SETTINGS},
    {"gui_range_display", TESLAFI_SECTION_GUI_SETTINGS},
    {"gui_temperature_units", TESLAFI_SECTION_GUI_SETTINGS},
    {"gui_tirepressure_units", TESLAFI_SECTION_GUI_SETTINGS},
    {"has_air_suspension", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"has_ludicrous_mode", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"has_seat_cooling", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"heading", TESLAFI_SECTION_DRIVE_STATE},
    {"headlamp_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"homelink_device_count", TESLAFI_SECTION_VEHICLE_STATE},
    {"homelink_nearby", TESLAFI_SECTION_VEHICLE_STATE},
    {"hvac_auto_request", TESLAFI_SECTION_CLIMATE_STATE},
    {"id", TESLAFI_SECTION_TOP},
    {"id_s", TESLAFI_SECTION_TOP},
    {"ideal_battery_range", TESLAFI_SECTION_CHARGE_STATE},
    {"in_service", TESLAFI_SECTION_TOP},
    {"inside_temp", TESLAFI_SECTION_CLIMATE_STATE},
    {"interior_trim_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"is_auto_conditioning_on", TESLAFI_SECTION_CLIMATE_STATE},
    {"is_climate_on", TESLAFI_SECTION_CLIMATE_STATE},
    {"is_front_defroster_on", TESLAFI_SECTION_CLIMATE_STATE},
    {"is_preconditioning", TESLAFI_SECTION_CLIMATE_STATE},
    {"is_rear_defroster_on", TESLAFI_SECTION_CLIMATE_STATE},
    {"is_user_present", TESLAFI_SECTION_VEHICLE_STATE},
    {"key_version", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"last_autopark_error", TESLAFI_SECTION_VEHICLE_STATE},
    {"latitude", TESLAFI_SECTION_DRIVE_STATE},
    {"left_temp_direction", TESLAFI_SECTION_CLIMATE_STATE},
    {"lifetime_energy_used", TESLAFI_SECTION_CHARGE_STATE},
    {"locked", TESLAFI_SECTION_VEHICLE_STATE},
    {"longitude", TESLAFI_SECTION_DRIVE_STATE},
    {"managed_charging_active", TESLAFI_SECTION_CHARGE_STATE},
    {"managed_charging_start_time", TESLAFI_SECTION_CHARGE_STATE},
    {"managed_charging_user_canceled", TESLAFI_SECTION_CHARGE_STATE},
    {"max_avail_temp", TESLAFI_SECTION_CLIMATE_STATE},
    {"max_range_charge_counter", TESLAFI_SECTION_CHARGE_STATE},
    {"min_avail_temp", TESLAFI_SECTION_CLIMATE_STATE},
    {"minutes_to_full_charge", TESLAFI_SECTION_CHARGE_STATE},
    {"module_temp_max", TESLAFI_SECTION_CHARGE_STATE},
    {"module_temp_min", TESLAFI_SECTION_CHARGE_STATE},
    {"motorized_charge_port", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"native_latitude", TESLAFI_SECTION_DRIVE_STATE},
    {"native_location_supported", TESLAFI_SECTION_DRIVE_STATE},
    {"native_longitude", TESLAFI_SECTION_DRIVE_STATE},
    {"native_type", TESLAFI_SECTION_DRIVE_STATE},
    {"not_enough_power_to_heat", TESLAFI_SECTION_CHARGE_STATE},
    {"notifications_supported", TESLAFI_SECTION_VEHICLE_STATE},
    {"odometer", TESLAFI_SECTION_VEHICLE_STATE},
    {"off_peak_charging_enabled", TESLAFI_SECTION_CHARGE_STATE},
    {"off_peak_charging_times", TESLAFI_SECTION_CHARGE_STATE},
    {"off_peak_hours_end_time", TESLAFI_SECTION_CHARGE_STATE},
    {"option_codes", TESLAFI_SECTION_TOP},
    {"outside_temp", TESLAFI_SECTION_CLIMATE_STATE},
    {"paint_color_override", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"parsed_calendar_supported", TESLAFI_SECTION_VEHICLE_STATE},
    {"passenger_temp_setting", TESLAFI_SECTION_CLIMATE_STATE},
    {"perf_config", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"performance_package", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"pf", TESLAFI_SECTION_VEHICLE_STATE},
    {"plg", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"power", TESLAFI_SECTION_DRIVE_STATE},
    {"pr", TESLAFI_SECTION_VEHICLE_STATE},
    {"preconditioning_enabled", TESLAFI_SECTION_CHARGE_STATE},
    {"preconditioning_times", TESLAFI_SECTION_CHARGE_STATE},
    {"pws", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"rd_window", TESLAFI_SECTION_VEHICLE_STATE},
    {"rear_drive_unit", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"rear_seat_heaters", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"rear_seat_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"remote_heater_control_enabled", TESLAFI_SECTION_CLIMATE_STATE},
    {"remote_start", TESLAFI_SECTION_VEHICLE_STATE},
    {"remote_start_enabled", TESLAFI_SECTION_VEHICLE_STATE},
    {"remote_start_supported", TESLAFI_SECTION_VEHICLE_STATE},
    {"rhd", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"right_temp_direction", TESLAFI_SECTION_CLIMATE_STATE},
    {"roof_color", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"rp_window", TESLAFI_SECTION_VEHICLE_STATE},
    {"rt", TESLAFI_SECTION_VEHICLE_STATE},
    {"santa_mode", TESLAFI_SECTION_VEHICLE_STATE},
    {"scheduled_charging_mode", TESLAFI_SECTION_CHARGE_STATE},
    {"scheduled_charging_pending", TESLAFI_SECTION_CHARGE_STATE},
    {"scheduled_charging_start_time", TESLAFI_SECTION_CHARGE_STATE},
    {"scheduled_charging_start_time_app", TESLAFI_SECTION_CHARGE_STATE},
    {"scheduled_departure_time", TESLAFI_SECTION_CHARGE_STATE},
    {"scheduled_departure_time_minutes", TESLAFI_SECTION_CHARGE_STATE},
    {"seat_heater_left", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_rear_center", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_rear_left", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_rear_left_back", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_rear_right", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_rear_right_back", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_heater_right", TESLAFI_SECTION_CLIMATE_STATE},
    {"seat_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"sentry_mode", TESLAFI_SECTION_VEHICLE_STATE},
    {"sentry_mode_available", TESLAFI_SECTION_VEHICLE_STATE},
    {"service_mode", TESLAFI_SECTION_VEHICLE_STATE},
    {"service_mode_plus", TESLAFI_SECTION_VEHICLE_STATE},
    {"shift_state", TESLAFI_SECTION_DRIVE_STATE},
    {"show_range_units", TESLAFI_SECTION_GUI_SETTINGS},
    {"side_mirror_heaters", TESLAFI_SECTION_CLIMATE_STATE},
    {"smart_preconditioning", TESLAFI_SECTION_CLIMATE_STATE},
    {"smart_summon_available", TESLAFI_SECTION_VEHICLE_STATE},
    {"speed", TESLAFI_SECTION_DRIVE_STATE},
    {"spoiler_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"state", TESLAFI_SECTION_TOP},
    {"steering_wheel_heat_level", TESLAFI_SECTION_CLIMATE_STATE},
    {"steering_wheel_heater", TESLAFI_SECTION_CLIMATE_STATE},
    {"summon_standby_mode_enabled", TESLAFI_SECTION_VEHICLE_STATE},
    {"sun_roof_installed", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"sun_roof_percent_open", TESLAFI_SECTION_VEHICLE_STATE},
    {"sun_roof_state", TESLAFI_SECTION_VEHICLE_STATE},
    {"supercharger_session_trip_planner", TESLAFI_SECTION_CHARGE_STATE},
    {"supports_fan_only_cabin_overheat_protection", TESLAFI_SECTION_CLIMATE_STATE},
    {"supports_qr_pairing", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"third_row_seats", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"time_to_full_charge", TESLAFI_SECTION_CHARGE_STATE},
    {"tokens", TESLAFI_SECTION_TOP},
    {"tpms_hard_warning_fl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_hard_warning_fr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_hard_warning_rl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_hard_warning_rr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_last_seen_pressure_time_fl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_last_seen_pressure_time_fr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_last_seen_pressure_time_rl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_last_seen_pressure_time_rr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_pressure_fl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_pressure_fr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_pressure_rl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_pressure_rr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_rcp_front_value", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_rcp_rear_value", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_soft_warning_fl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_soft_warning_fr", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_soft_warning_rl", TESLAFI_SECTION_VEHICLE_STATE},
    {"tpms_soft_warning_rr", TESLAFI_SECTION_VEHICLE_STATE},
    {"trim_badging", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"trip_charging", TESLAFI_SECTION_CHARGE_STATE},
    {"usable_battery_level", TESLAFI_SECTION_CHARGE_STATE},
    {"use_range_badging", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"user_charge_enable_request", TESLAFI_SECTION_CHARGE_STATE},
    {"user_id", TESLAFI_SECTION_TOP},
    {"utc_offset", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"valet_mode", TESLAFI_SECTION_VEHICLE_STATE},
    {"valet_pin_needed", TESLAFI_SECTION_VEHICLE_STATE},
    {"vehicle_id", TESLAFI_SECTION_TOP},
    {"vehicle_name", TESLAFI_SECTION_VEHICLE_STATE},
    {"vehicle_self_test_progress", TESLAFI_SECTION_VEHICLE_STATE},
    {"vehicle_self_test_requested", TESLAFI_SECTION_VEHICLE_STATE},
    {"vehicle_state_sun_roof_percent_open", TESLAFI_SECTION_VEHICLE_STATE},
    {"vin", TESLAFI_SECTION_TOP},
    {"webcam_available", TESLAFI_SECTION_VEHICLE_STATE},
    {"webcam_selfie_supported", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"webcam_supported", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"wheel_type", TESLAFI_SECTION_VEHICLE_CONFIG},
    {"wiper_blade_heater", TESLAFI_SECTION_CLIMATE_STATE},
};

static const char *const section_names[TESLAFI_SECTION_COUNT] = {
    [TESLAFI_SECTION_NONE] = "",
    [TESLAFI_SECTION_TOP] = "",
    [TESLAFI_SECTION_CHARGE_STATE] = "charge_state",
    [TESLAFI_SECTION_CLIMATE_STATE] = "climate_state",
    [TESLAFI_SECTION_DRIVE_STATE] = "drive_state",
    [TESLAFI_SECTION_GUI_SETTINGS] = "gui_settings",
    [TESLAFI_SECTION_VEHICLE_CONFIG] = "vehicle_config",
    [TESLAFI_SECTION_VEHICLE_STATE] = "vehicle_state",
};

_Static_assert(sizeof(section_names) / sizeof(section_names[0]) == TESLAFI_SECTION_COUNT,
               "section_names must name every section");

const char *teslafi_section_name(enum teslafi_section section)
{
    if (section < 0 || section >= TESLAFI_SECTION_COUNT)
        return "";
    return section_names[section];
}

static int compare_column(const void *key, const void *element)
{
    const struct column_section *entry = element;

    return strcmp(key, entry->column);
}

enum teslafi_section teslafi_column_section(const char *column)
{
    const struct column_section *entry =
        bsearch(column, column_sections, sizeof(column_sections) / sizeof(column_sections[0]),
                sizeof(column_sections[0]), compare_column);

    return entry != NULL ? entry->section : TESLAFI_SECTION_NONE;
}

enum required_type {
    REQUIRED_INTEGER,
    REQUIRED_INTEGER_OR_INTEGER_TEXT,
    REQUIRED_NUMBER,
    REQUIRED_TEXT,
    REQUIRED_BOOLEAN,
};

struct column_type {
    const char *column;
    enum required_type type;
};

/* The importer's type check after conversion (timestamps and the product
 * id are generated, so they never fail). */
static const struct column_type column_types[] = {
    {"power", REQUIRED_INTEGER},
    {"battery_level", REQUIRED_INTEGER},
    {"usable_battery_level", REQUIRED_INTEGER},
    {"charger_actual_current", REQUIRED_INTEGER},
    {"charger_phases", REQUIRED_INTEGER},
    {"charger_pilot_current", REQUIRED_INTEGER},
    {"charger_power", REQUIRED_INTEGER},
    {"charger_voltage", REQUIRED_INTEGER},
    {"fan_status", REQUIRED_INTEGER},
    {"vehicle_id", REQUIRED_INTEGER_OR_INTEGER_TEXT},
    {"latitude", REQUIRED_NUMBER},
    {"longitude", REQUIRED_NUMBER},
    {"speed", REQUIRED_NUMBER},
    {"battery_range", REQUIRED_NUMBER},
    {"ideal_battery_range", REQUIRED_NUMBER},
    {"est_battery_range", REQUIRED_NUMBER},
    {"charge_energy_added", REQUIRED_NUMBER},
    {"outside_temp", REQUIRED_NUMBER},
    {"inside_temp", REQUIRED_NUMBER},
    {"driver_temp_setting", REQUIRED_NUMBER},
    {"passenger_temp_setting", REQUIRED_NUMBER},
    {"odometer", REQUIRED_NUMBER},
    {"tpms_pressure_fl", REQUIRED_NUMBER},
    {"tpms_pressure_fr", REQUIRED_NUMBER},
    {"tpms_pressure_rl", REQUIRED_NUMBER},
    {"tpms_pressure_rr", REQUIRED_NUMBER},
    {"vin", REQUIRED_TEXT},
    {"state", REQUIRED_TEXT},
    {"display_name", REQUIRED_TEXT},
    {"car_type", REQUIRED_TEXT},
    {"trim_badging", REQUIRED_TEXT},
    {"exterior_color", REQUIRED_TEXT},
    {"wheel_type", REQUIRED_TEXT},
    {"spoiler_type", REQUIRED_TEXT},
    {"shift_state", REQUIRED_TEXT},
    {"conn_charge_cable", REQUIRED_TEXT},
    {"fast_charger_brand", REQUIRED_TEXT},
    {"fast_charger_type", REQUIRED_TEXT},
    {"charging_state", REQUIRED_TEXT},
    {"battery_heater_on", REQUIRED_BOOLEAN},
    {"fast_charger_present", REQUIRED_BOOLEAN},
    {"not_enough_power_to_heat", REQUIRED_BOOLEAN},
    {"battery_heater", REQUIRED_BOOLEAN},
    {"battery_heater_no_power", REQUIRED_BOOLEAN},
    {"is_climate_on", REQUIRED_BOOLEAN},
    {"is_front_defroster_on", REQUIRED_BOOLEAN},
    {"is_rear_defroster_on", REQUIRED_BOOLEAN},
};

static bool text_is_integer(const char *text)
{
    const char *p = text;

    if (*p == '+' || *p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '\0';
}

static bool value_has_type(const struct teslafi_value *value, enum required_type type)
{
    switch (type) {
    case REQUIRED_INTEGER:
        return value->kind == TESLAFI_VALUE_INTEGER;
    case REQUIRED_INTEGER_OR_INTEGER_TEXT:
        return value->kind == TESLAFI_VALUE_INTEGER ||
               (value->kind == TESLAFI_VALUE_TEXT && text_is_integer(value->text));
    case REQUIRED_NUMBER:
        return value->kind == TESLAFI_VALUE_INTEGER || value->kind == TESLAFI_VALUE_FLOAT;
    case REQUIRED_TEXT:
        return value->kind == TESLAFI_VALUE_TEXT;
    case REQUIRED_BOOLEAN:
        return value->kind == TESLAFI_VALUE_BOOLEAN;
    }
    return false;
}

bool teslafi_value_type_is_valid(const char *column, const struct teslafi_value *value)
{
    if (value->kind == TESLAFI_VALUE_NULL)
        return true;
    for (size_t i = 0; i < sizeof(column_types) / sizeof(column_types[0]); i++) {
        if (strcmp(column, column_types[i].column) == 0)
            return value_has_type(value, column_types[i].type);
    }
    return true;
}
