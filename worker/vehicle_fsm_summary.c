/* The car's live summary from the machine and its last sample. */
#include "vehicle_fsm_summary.h"

#include <stdio.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

static void copy_text(char *to, size_t size, const char *from)
{
    snprintf(to, size, "%s", from);
}

static struct opt_double range_km(struct opt_double miles)
{
    struct opt_double km = { .known = miles.known };

    if (miles.known)
        km.value = fsm_range_km_from_miles(miles.value);
    return km;
}

static struct opt_bool is_open(struct opt_int64 value)
{
    return (struct opt_bool){ .known = value.known, .value = value.known && value.value > 0 };
}

/* Known only when every value is known; then true when any is open. */
static struct opt_bool any_open(const struct opt_int64 *values, size_t count)
{
    struct opt_bool open = { .known = true, .value = false };

    for (size_t i = 0; i < count; i++) {
        if (!values[i].known)
            return (struct opt_bool){ .known = false };
        open.value = open.value || values[i].value > 0;
    }
    return open;
}

bool vehicle_summary_update_available(const char *status)
{
    static const char *const pending[] = {
        "available", "downloading", "downloading_wifi_wait", "scheduled", "installing",
    };

    for (size_t i = 0; i < COUNT_OF(pending); i++) {
        if (strcmp(status, pending[i]) == 0)
            return true;
    }
    return false;
}

static void summary_drive(const struct drive_state_sample *drive, struct vehicle_summary *summary)
{
    summary->latitude = drive->latitude;
    summary->longitude = drive->longitude;
    summary->heading = drive->heading;
    summary->power_kw = drive->power_kw;
    summary->speed_kmh.known = drive->speed_mph.known;
    if (drive->speed_mph.known)
        summary->speed_kmh.value = fsm_kmh_from_mph(drive->speed_mph.value);
    copy_text(summary->shift_state, sizeof(summary->shift_state), drive->shift_state);
    copy_text(summary->active_route_destination, sizeof(summary->active_route_destination),
              drive->active_route_destination);
    summary->active_route_latitude = drive->active_route_latitude;
    summary->active_route_longitude = drive->active_route_longitude;
    summary->active_route_energy_at_arrival = drive->active_route_energy_at_arrival;
    summary->active_route_miles_to_arrival = drive->active_route_miles_to_arrival;
    summary->active_route_minutes_to_arrival = drive->active_route_minutes_to_arrival;
    summary->active_route_traffic_minutes_delay = drive->active_route_traffic_minutes_delay;
}

static void summary_charge(const struct charge_state_sample *charge,
                           struct vehicle_summary *summary)
{
    summary->battery_level = charge->battery_level;
    summary->usable_battery_level = charge->usable_battery_level;
    copy_text(summary->charging_state, sizeof(summary->charging_state), charge->charging_state);
    summary->charge_current_request_a = charge->charge_current_request_a;
    summary->charge_current_request_max_a = charge->charge_current_request_max_a;
    summary->charge_energy_added_kwh = charge->charge_energy_added_kwh;
    summary->charge_limit_soc = charge->charge_limit_soc;
    summary->charge_port_door_open = charge->charge_port_door_open;
    summary->charger_actual_current = charge->charger_actual_current;
    summary->charger_phases = charge->charger_phases;
    summary->charger_power_kw = charge->charger_power_kw;
    summary->charger_voltage = charge->charger_voltage;
    summary->time_to_full_charge_h = charge->time_to_full_charge_h;
    summary->est_battery_range_km = range_km(charge->est_battery_range_mi);
    summary->ideal_battery_range_km = range_km(charge->ideal_battery_range_mi);
    summary->rated_battery_range_km = range_km(charge->battery_range_mi);
    summary->scheduled_charging_start_time_s = charge->scheduled_charging_start_time_s;
    summary->plugged_in.known = true;
    summary->plugged_in.value = strcmp(charge->charging_state, "Disconnected") != 0;
}

static void summary_climate(const struct climate_state_sample *climate,
                            struct vehicle_summary *summary)
{
    summary->is_climate_on = climate->is_climate_on;
    summary->is_preconditioning = climate->is_preconditioning;
    copy_text(summary->climate_keeper_mode, sizeof(summary->climate_keeper_mode),
              climate->climate_keeper_mode);
    summary->outside_temp_c = climate->outside_temp_c;
    summary->inside_temp_c = climate->inside_temp_c;
}

static void summary_closures(const struct vehicle_state_sample *vehicle,
                             struct vehicle_summary *summary)
{
    const struct opt_int64 windows[] = { vehicle->window_driver_front,
                                         vehicle->window_passenger_front,
                                         vehicle->window_driver_rear,
                                         vehicle->window_passenger_rear };
    const struct opt_int64 doors[] = { vehicle->door_driver_front, vehicle->door_passenger_front,
                                       vehicle->door_driver_rear, vehicle->door_passenger_rear };

    summary->windows_open = any_open(windows, COUNT_OF(windows));
    summary->driver_front_window_open = is_open(vehicle->window_driver_front);
    summary->passenger_front_window_open = is_open(vehicle->window_passenger_front);
    summary->driver_rear_window_open = is_open(vehicle->window_driver_rear);
    summary->passenger_rear_window_open = is_open(vehicle->window_passenger_rear);
    summary->doors_open = any_open(doors, COUNT_OF(doors));
    summary->driver_front_door_open = is_open(vehicle->door_driver_front);
    summary->passenger_front_door_open = is_open(vehicle->door_passenger_front);
    summary->driver_rear_door_open = is_open(vehicle->door_driver_rear);
    summary->passenger_rear_door_open = is_open(vehicle->door_passenger_rear);
    summary->trunk_open = is_open(vehicle->trunk_rear);
    summary->frunk_open = is_open(vehicle->trunk_front);
}

static void summary_software(const struct vehicle_state_sample *vehicle,
                             struct vehicle_summary *summary)
{
    const struct software_update_sample *update = &vehicle->software_update;

    fsm_software_version_short(vehicle->car_version, summary->version, sizeof(summary->version));
    /* The parser always fills software_update, so a null status reads "",
     * which gives false (TeslaMate: null only without software_update). */
    summary->update_available.known = true;
    summary->update_available.value = vehicle_summary_update_available(update->status);
    fsm_software_version_short(update->version, summary->update_version,
                               sizeof(summary->update_version));
    copy_text(summary->update_status, sizeof(summary->update_status), update->status);
    summary->download_percent = update->download_percent;
    summary->install_percent = update->install_percent;
}

static void summary_vehicle(const struct vehicle_state_sample *vehicle,
                            struct vehicle_summary *summary)
{
    summary->odometer_km.known = vehicle->odometer_mi.known;
    if (vehicle->odometer_mi.known)
        summary->odometer_km.value =
            fsm_round_decimals(vehicle->odometer_mi.value / FSM_MILES_PER_KM, 2);
    summary->locked = vehicle->locked;
    summary->sentry_mode = vehicle->sentry_mode;
    summary->service_mode = vehicle->service_mode;
    summary->is_user_present = vehicle->is_user_present;
    summary_closures(vehicle, summary);
    summary_software(vehicle, summary);
    summary->tpms_pressure_fl_bar = vehicle->tpms_pressure_fl_bar;
    summary->tpms_pressure_fr_bar = vehicle->tpms_pressure_fr_bar;
    summary->tpms_pressure_rl_bar = vehicle->tpms_pressure_rl_bar;
    summary->tpms_pressure_rr_bar = vehicle->tpms_pressure_rr_bar;
    summary->tpms_soft_warning_fl = vehicle->tpms_soft_warning_fl;
    summary->tpms_soft_warning_fr = vehicle->tpms_soft_warning_fr;
    summary->tpms_soft_warning_rl = vehicle->tpms_soft_warning_rl;
    summary->tpms_soft_warning_rr = vehicle->tpms_soft_warning_rr;
    summary->center_display_state = vehicle->center_display_state;
    copy_text(summary->sun_roof_state, sizeof(summary->sun_roof_state), vehicle->sun_roof_state);
    summary->sun_roof_percent_open = vehicle->sun_roof_percent_open;
}

static void summary_sample(const struct vehicle_sample *sample, bool restored,
                           struct vehicle_summary *summary)
{
    copy_text(summary->display_name, sizeof(summary->display_name), sample->display_name);
    if (sample->has_drive_state)
        summary_drive(&sample->drive, summary);
    if (sample->has_charge_state)
        summary_charge(&sample->charge, summary);
    if (sample->has_climate_state)
        summary_climate(&sample->climate, summary);
    if (sample->has_vehicle_state)
        summary_vehicle(&sample->vehicle, summary);
    if (sample->has_vehicle_config) {
        summary->sun_roof_installed.known = sample->config.sun_roof_installed.known;
        summary->sun_roof_installed.value = sample->config.sun_roof_installed.known &&
                                            sample->config.sun_roof_installed.value > 0;
    }
    if (restored) {
        copy_text(summary->shift_state, sizeof(summary->shift_state), "unknown");
        summary->plugged_in.known = false;
        summary->update_available.known = false;   /* no software_update restored */
    }
}

void vehicle_fsm_summary(const struct vehicle_fsm *fsm, double now_s,
                         const struct vehicle_summary_car *car, struct vehicle_summary *summary)
{
    struct fuse api_error = fsm->api_error_fuse;
    struct fuse not_found = fsm->vehicle_not_found_fuse;

    memset(summary, 0, sizeof(*summary));
    summary->state = vehicle_fsm_summary_state(fsm);
    summary->since_ms = fsm->last_state_change_ms;
    summary->healthy = !fuse_is_blown(&api_error, now_s) && !fuse_is_blown(&not_found, now_s);
    if (car != NULL)
        summary->car = *car;
    if (summary->state == SUMMARY_STATE_UNAVAILABLE || !fsm->has_last_response)
        return;

    summary->has_data = true;
    summary->values_restored = fsm->last_response_restored;
    summary_sample(&fsm->last_response, fsm->last_response_restored, summary);
}
