/* The fields read from each of the five vehicle sub-states, by JSON key. */
#include "vehicle_parse_internal.h"

#include <string.h>

/* Navigation fields, shown only in the summary. */
static void parse_active_route(const cJSON *object, struct drive_state_sample *drive)
{
    tesla_json_text(object, "active_route_destination", drive->active_route_destination,
                    sizeof(drive->active_route_destination));
    drive->active_route_energy_at_arrival =
        tesla_json_double(object, "active_route_energy_at_arrival");
    drive->active_route_latitude =
        tesla_json_double_in_range(object, "active_route_latitude", -90, 90);
    drive->active_route_longitude =
        tesla_json_double_in_range(object, "active_route_longitude", -180, 180);
    drive->active_route_miles_to_arrival =
        tesla_json_double(object, "active_route_miles_to_arrival");
    drive->active_route_minutes_to_arrival =
        tesla_json_double(object, "active_route_minutes_to_arrival");
    drive->active_route_traffic_minutes_delay =
        tesla_json_double(object, "active_route_traffic_minutes_delay");
}

void vehicle_parse_drive_state(const cJSON *object, struct drive_state_sample *drive)
{
    memset(drive, 0, sizeof(*drive));

    drive->timestamp_ms = tesla_json_timestamp_ms(object, "timestamp");
    drive->latitude = tesla_json_double_in_range(object, "latitude", -90, 90);
    drive->longitude = tesla_json_double_in_range(object, "longitude", -180, 180);
    drive->heading = tesla_json_int64(object, "heading");
    drive->speed_mph = tesla_json_double(object, "speed");
    drive->power_kw = tesla_json_double(object, "power");
    tesla_json_text(object, "shift_state", drive->shift_state, sizeof(drive->shift_state));
    drive->gps_as_of_s = tesla_json_int64(object, "gps_as_of");
    parse_active_route(object, drive);
}

static void parse_charge_numbers(const cJSON *object, struct charge_state_sample *charge)
{
    charge->battery_level = tesla_json_double(object, "battery_level");
    charge->usable_battery_level = tesla_json_double(object, "usable_battery_level");
    charge->battery_range_mi = tesla_json_double(object, "battery_range");
    charge->est_battery_range_mi = tesla_json_double(object, "est_battery_range");
    charge->ideal_battery_range_mi = tesla_json_double(object, "ideal_battery_range");
    charge->charge_energy_added_kwh = tesla_json_double(object, "charge_energy_added");
    charge->charger_power_kw = tesla_json_double(object, "charger_power");
    charge->charger_voltage = tesla_json_double(object, "charger_voltage");
    charge->charger_actual_current = tesla_json_double(object, "charger_actual_current");
    charge->charger_pilot_current = tesla_json_double(object, "charger_pilot_current");
    charge->charger_phases = tesla_json_double(object, "charger_phases");
    charge->charge_limit_soc = tesla_json_double(object, "charge_limit_soc");
    charge->time_to_full_charge_h = tesla_json_double(object, "time_to_full_charge");
    charge->charge_current_request_a = tesla_json_double(object, "charge_current_request");
    charge->charge_current_request_max_a =
        tesla_json_double(object, "charge_current_request_max");
    charge->scheduled_charging_start_time_s =
        tesla_json_int64(object, "scheduled_charging_start_time");
}

void vehicle_parse_charge_state(const cJSON *object, struct charge_state_sample *charge)
{
    memset(charge, 0, sizeof(*charge));

    charge->timestamp_ms = tesla_json_timestamp_ms(object, "timestamp");
    tesla_json_text(object, "charging_state", charge->charging_state,
                    sizeof(charge->charging_state));
    parse_charge_numbers(object, charge);

    charge->charge_port_door_open = tesla_json_bool(object, "charge_port_door_open");
    charge->fast_charger_present = tesla_json_bool(object, "fast_charger_present");
    charge->battery_heater_on = tesla_json_bool(object, "battery_heater_on");
    charge->not_enough_power_to_heat = tesla_json_bool(object, "not_enough_power_to_heat");

    tesla_json_text(object, "conn_charge_cable", charge->conn_charge_cable,
                    sizeof(charge->conn_charge_cable));
    tesla_json_text(object, "fast_charger_brand", charge->fast_charger_brand,
                    sizeof(charge->fast_charger_brand));
    tesla_json_text(object, "fast_charger_type", charge->fast_charger_type,
                    sizeof(charge->fast_charger_type));
}

void vehicle_parse_climate_state(const cJSON *object, struct climate_state_sample *climate)
{
    memset(climate, 0, sizeof(*climate));

    climate->timestamp_ms = tesla_json_timestamp_ms(object, "timestamp");
    climate->inside_temp_c = tesla_json_double(object, "inside_temp");
    climate->outside_temp_c = tesla_json_double(object, "outside_temp");
    climate->driver_temp_setting_c = tesla_json_double(object, "driver_temp_setting");
    climate->passenger_temp_setting_c = tesla_json_double(object, "passenger_temp_setting");
    climate->fan_status = tesla_json_double(object, "fan_status");

    climate->is_climate_on = tesla_json_bool(object, "is_climate_on");
    climate->is_preconditioning = tesla_json_bool(object, "is_preconditioning");
    climate->is_front_defroster_on = tesla_json_bool(object, "is_front_defroster_on");
    climate->is_rear_defroster_on = tesla_json_bool(object, "is_rear_defroster_on");
    climate->battery_heater = tesla_json_bool(object, "battery_heater");
    climate->battery_heater_no_power = tesla_json_bool(object, "battery_heater_no_power");

    tesla_json_text(object, "climate_keeper_mode", climate->climate_keeper_mode,
                    sizeof(climate->climate_keeper_mode));
}

/* A missing or non-object software_update leaves every field unknown. */
static void parse_software_update(const cJSON *object, struct software_update_sample *update)
{
    memset(update, 0, sizeof(*update));
    if (!cJSON_IsObject(object))
        return;

    tesla_json_text(object, "status", update->status, sizeof(update->status));
    tesla_json_text(object, "version", update->version, sizeof(update->version));
    update->download_percent = tesla_json_double(object, "download_perc");
    update->install_percent = tesla_json_double(object, "install_perc");
    update->expected_duration_s = tesla_json_int64(object, "expected_duration_sec");
    update->scheduled_time_ms = tesla_json_timestamp_ms(object, "scheduled_time_ms");
}

static void parse_closures(const cJSON *object, struct vehicle_state_sample *vehicle)
{
    vehicle->door_driver_front = tesla_json_int64(object, "df");
    vehicle->door_driver_rear = tesla_json_int64(object, "dr");
    vehicle->door_passenger_front = tesla_json_int64(object, "pf");
    vehicle->door_passenger_rear = tesla_json_int64(object, "pr");
    vehicle->trunk_front = tesla_json_int64(object, "ft");
    vehicle->trunk_rear = tesla_json_int64(object, "rt");
    vehicle->window_driver_front = tesla_json_int64(object, "fd_window");
    vehicle->window_passenger_front = tesla_json_int64(object, "fp_window");
    vehicle->window_driver_rear = tesla_json_int64(object, "rd_window");
    vehicle->window_passenger_rear = tesla_json_int64(object, "rp_window");
}

void vehicle_parse_vehicle_state(const cJSON *object, struct vehicle_state_sample *vehicle)
{
    memset(vehicle, 0, sizeof(*vehicle));

    vehicle->timestamp_ms = tesla_json_timestamp_ms(object, "timestamp");
    tesla_json_text(object, "car_version", vehicle->car_version, sizeof(vehicle->car_version));
    tesla_json_text(object, "vehicle_name", vehicle->vehicle_name,
                    sizeof(vehicle->vehicle_name));
    vehicle->odometer_mi = tesla_json_double(object, "odometer");

    vehicle->locked = tesla_json_bool(object, "locked");
    vehicle->sentry_mode = tesla_json_bool(object, "sentry_mode");
    vehicle->is_user_present = tesla_json_bool(object, "is_user_present");
    vehicle->service_mode = tesla_json_bool(object, "service_mode");

    parse_closures(object, vehicle);

    vehicle->tpms_pressure_fl_bar = tesla_json_double(object, "tpms_pressure_fl");
    vehicle->tpms_pressure_fr_bar = tesla_json_double(object, "tpms_pressure_fr");
    vehicle->tpms_pressure_rl_bar = tesla_json_double(object, "tpms_pressure_rl");
    vehicle->tpms_pressure_rr_bar = tesla_json_double(object, "tpms_pressure_rr");
    vehicle->tpms_soft_warning_fl = tesla_json_bool(object, "tpms_soft_warning_fl");
    vehicle->tpms_soft_warning_fr = tesla_json_bool(object, "tpms_soft_warning_fr");
    vehicle->tpms_soft_warning_rl = tesla_json_bool(object, "tpms_soft_warning_rl");
    vehicle->tpms_soft_warning_rr = tesla_json_bool(object, "tpms_soft_warning_rr");
    vehicle->center_display_state = tesla_json_int64(object, "center_display_state");
    tesla_json_text(object, "sun_roof_state", vehicle->sun_roof_state,
                    sizeof(vehicle->sun_roof_state));
    vehicle->sun_roof_percent_open = tesla_json_double(object, "sun_roof_percent_open");

    parse_software_update(cJSON_GetObjectItemCaseSensitive(object, "software_update"),
                          &vehicle->software_update);
}

void vehicle_parse_vehicle_config(const cJSON *object, struct vehicle_config_sample *config)
{
    memset(config, 0, sizeof(*config));

    tesla_json_text(object, "car_type", config->car_type, sizeof(config->car_type));
    tesla_json_text(object, "trim_badging", config->trim_badging, sizeof(config->trim_badging));
    tesla_json_text(object, "exterior_color", config->exterior_color,
                    sizeof(config->exterior_color));
    tesla_json_text(object, "wheel_type", config->wheel_type, sizeof(config->wheel_type));
    tesla_json_text(object, "spoiler_type", config->spoiler_type, sizeof(config->spoiler_type));
    tesla_json_text(object, "car_special_type", config->car_special_type,
                    sizeof(config->car_special_type));
    config->rhd = tesla_json_bool(object, "rhd");
    config->eu_vehicle = tesla_json_bool(object, "eu_vehicle");
    config->sun_roof_installed = tesla_json_int64(object, "sun_roof_installed");
}
