/*
 * vehicle_fsm_summary: the car's live summary (TeslaMate's vehicle summary),
 * built from the state machine and its last vehicle sample.
 *
 * Contract: vehicle_fsm_summary() is a pure function of its arguments; it
 * does not change the machine (fuses are checked on a copy). The caller
 * supplies what the machine does not know: the car row's attributes, the
 * geofence of the latest position and its elevation. Units are
 * TeslaMate's: km/h, km with 2 decimals, kW, kWh, degrees Celsius.
 */
#ifndef TENANTMATE_VEHICLE_FSM_SUMMARY_H
#define TENANTMATE_VEHICLE_FSM_SUMMARY_H

#include "vehicle_fsm.h"

/* Known to the caller, not to the machine. */
struct vehicle_summary_car {
    char model[16];                 /* "S", "3", ...; "" when NULL */
    char trim_badging[32];
    char exterior_color[32];
    char wheel_type[32];
    char spoiler_type[32];
    char geofence[FSM_TEXT_SIZE];   /* "" when outside every geofence */
    struct opt_double elevation_m;
};

struct vehicle_summary {
    enum vehicle_summary_state state;
    int64_t since_ms;
    bool healthy;
    struct vehicle_summary_car car;
    /* False in `start` before any vehicle data: only the fields above. */
    bool has_data;
    /* The values come from the latest stored position (a car first seen
     * asleep or offline). Then shift_state is "unknown", and these read
     * "unknown" instead of null: plugged_in, charge_energy_added_kwh,
     * charger_actual_current, charger_phases, charger_power_kw,
     * charger_voltage, charge_port_door_open, scheduled_charging_start_time_s,
     * time_to_full_charge_h. */
    bool values_restored;
    char display_name[FSM_TEXT_SIZE];

    /* drive_state */
    struct opt_double latitude;
    struct opt_double longitude;
    struct opt_int64 heading;
    struct opt_double power_kw;
    struct opt_int64 speed_kmh;
    char shift_state[8];            /* "" when null */
    char active_route_destination[FSM_TEXT_SIZE];
    struct opt_double active_route_latitude;
    struct opt_double active_route_longitude;
    struct opt_double active_route_energy_at_arrival;
    struct opt_double active_route_miles_to_arrival;
    struct opt_double active_route_minutes_to_arrival;
    struct opt_double active_route_traffic_minutes_delay;

    /* charge_state */
    struct opt_double battery_level;
    struct opt_double usable_battery_level;
    char charging_state[24];
    struct opt_double charge_current_request_a;
    struct opt_double charge_current_request_max_a;
    struct opt_double charge_energy_added_kwh;
    struct opt_double charge_limit_soc;
    struct opt_bool charge_port_door_open;
    struct opt_double charger_actual_current;
    struct opt_double charger_phases;
    struct opt_double charger_power_kw;
    struct opt_double charger_voltage;
    struct opt_double time_to_full_charge_h;
    struct opt_double est_battery_range_km;
    struct opt_double ideal_battery_range_km;
    struct opt_double rated_battery_range_km;
    struct opt_int64 scheduled_charging_start_time_s;
    struct opt_bool plugged_in;     /* charging_state is not "Disconnected" */

    /* climate_state */
    struct opt_bool is_climate_on;
    struct opt_bool is_preconditioning;
    char climate_keeper_mode[16];
    struct opt_double outside_temp_c;
    struct opt_double inside_temp_c;

    /* vehicle_state */
    struct opt_double odometer_km;  /* 2 decimals */
    struct opt_bool locked;
    struct opt_bool sentry_mode;
    struct opt_bool service_mode;
    struct opt_bool is_user_present;
    struct opt_bool windows_open;   /* all four known and any open */
    struct opt_bool driver_front_window_open;
    struct opt_bool passenger_front_window_open;
    struct opt_bool driver_rear_window_open;
    struct opt_bool passenger_rear_window_open;
    struct opt_bool doors_open;     /* all four known and any open */
    struct opt_bool driver_front_door_open;
    struct opt_bool passenger_front_door_open;
    struct opt_bool driver_rear_door_open;
    struct opt_bool passenger_rear_door_open;
    struct opt_bool trunk_open;
    struct opt_bool frunk_open;
    char version[FSM_TEXT_SIZE];    /* car_version before the first space */
    struct opt_bool update_available;
    char update_version[FSM_TEXT_SIZE];
    char update_status[32];
    struct opt_double download_percent;
    struct opt_double install_percent;
    struct opt_double tpms_pressure_fl_bar;
    struct opt_double tpms_pressure_fr_bar;
    struct opt_double tpms_pressure_rl_bar;
    struct opt_double tpms_pressure_rr_bar;
    struct opt_bool tpms_soft_warning_fl;
    struct opt_bool tpms_soft_warning_fr;
    struct opt_bool tpms_soft_warning_rl;
    struct opt_bool tpms_soft_warning_rr;
    struct opt_int64 center_display_state;
    char sun_roof_state[16];
    struct opt_bool sun_roof_installed;
    struct opt_double sun_roof_percent_open;
};

/* Fills *summary at now_s; car may be NULL. */
void vehicle_fsm_summary(const struct vehicle_fsm *fsm, double now_s,
                         const struct vehicle_summary_car *car, struct vehicle_summary *summary);

/* True for the statuses that mean an update is on its way: available,
 * downloading, downloading_wifi_wait, scheduled, installing. */
bool vehicle_summary_update_available(const char *status);

#endif
