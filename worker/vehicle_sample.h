/*
 * vehicle_sample: one parsed Tesla API vehicle object (the `response` of
 * /api/1/vehicles/{id} or /vehicle_data), in the API's own units.
 *
 * Contract: a plain value type owned by the caller, with no pointers, so
 * it can be copied, compared and kept as "last response". Every field
 * carries whether it is known: a key that is missing, null, of the wrong
 * JSON type or "<invalid>" is unknown, never zero. Text fields are empty
 * when unknown and cut to their buffer size. Units are Tesla's: miles,
 * mph, kW, kWh, degrees Celsius, epoch milliseconds for `timestamp`.
 * Conversions to TeslaMate's units live with the code that stores them.
 */
#ifndef TENANTMATE_VEHICLE_SAMPLE_H
#define TENANTMATE_VEHICLE_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

struct opt_double {
    bool known;
    double value;
};

struct opt_int64 {
    bool known;
    int64_t value;
};

struct opt_bool {
    bool known;
    bool value;
};

#define SAMPLE_TEXT_SIZE 64

struct drive_state_sample {
    struct opt_int64 timestamp_ms;
    struct opt_double latitude;
    struct opt_double longitude;
    struct opt_int64 heading;
    struct opt_double speed_mph;
    struct opt_double power_kw;
    char shift_state[4];            /* "", "P", "D", "N" or "R"; "" is null */
    struct opt_int64 gps_as_of_s;
    /* Navigation, for the summary only. */
    char active_route_destination[SAMPLE_TEXT_SIZE];
    struct opt_double active_route_energy_at_arrival;   /* percent of battery */
    struct opt_double active_route_latitude;
    struct opt_double active_route_longitude;
    struct opt_double active_route_miles_to_arrival;
    struct opt_double active_route_minutes_to_arrival;
    struct opt_double active_route_traffic_minutes_delay;
};

struct charge_state_sample {
    struct opt_int64 timestamp_ms;
    char charging_state[24];        /* Charging, Complete, Disconnected, Stopped, ... */
    struct opt_double battery_level;
    struct opt_double usable_battery_level;
    struct opt_double battery_range_mi;       /* rated */
    struct opt_double est_battery_range_mi;
    struct opt_double ideal_battery_range_mi;
    struct opt_double charge_energy_added_kwh;
    struct opt_double charger_power_kw;
    struct opt_double charger_voltage;
    struct opt_double charger_actual_current;
    struct opt_double charger_pilot_current;
    struct opt_double charger_phases;
    struct opt_double charge_limit_soc;
    struct opt_double time_to_full_charge_h;
    struct opt_int64 scheduled_charging_start_time_s;
    struct opt_bool charge_port_door_open;
    struct opt_bool fast_charger_present;
    struct opt_bool battery_heater_on;
    struct opt_bool not_enough_power_to_heat;
    char conn_charge_cable[32];
    char fast_charger_brand[32];
    char fast_charger_type[32];
    struct opt_double charge_current_request_a;      /* summary only */
    struct opt_double charge_current_request_max_a;  /* summary only */
};

struct climate_state_sample {
    struct opt_int64 timestamp_ms;
    struct opt_double inside_temp_c;
    struct opt_double outside_temp_c;
    struct opt_double driver_temp_setting_c;
    struct opt_double passenger_temp_setting_c;
    struct opt_double fan_status;
    struct opt_bool is_climate_on;
    struct opt_bool is_preconditioning;
    struct opt_bool is_front_defroster_on;
    struct opt_bool is_rear_defroster_on;
    struct opt_bool battery_heater;
    struct opt_bool battery_heater_no_power;
    char climate_keeper_mode[16];   /* "off", "on", "dog", "camp" */
};

struct software_update_sample {
    char status[32];                /* "", "available", "scheduled", "downloading", "installing", ... */
    char version[SAMPLE_TEXT_SIZE];
    struct opt_double download_percent;
    struct opt_double install_percent;
    struct opt_int64 expected_duration_s;
    struct opt_int64 scheduled_time_ms;
};

struct vehicle_state_sample {
    struct opt_int64 timestamp_ms;
    char car_version[SAMPLE_TEXT_SIZE];
    char vehicle_name[SAMPLE_TEXT_SIZE];
    struct opt_double odometer_mi;
    struct opt_bool locked;
    struct opt_bool sentry_mode;
    struct opt_bool is_user_present;
    struct opt_bool service_mode;
    /* Doors and trunks: non-zero is open. */
    struct opt_int64 door_driver_front;     /* df */
    struct opt_int64 door_driver_rear;      /* dr */
    struct opt_int64 door_passenger_front;  /* pf */
    struct opt_int64 door_passenger_rear;   /* pr */
    struct opt_int64 trunk_front;           /* ft */
    struct opt_int64 trunk_rear;            /* rt */
    struct opt_int64 window_driver_front;   /* fd_window */
    struct opt_int64 window_passenger_front;/* fp_window */
    struct opt_int64 window_driver_rear;    /* rd_window */
    struct opt_int64 window_passenger_rear; /* rp_window */
    struct opt_double tpms_pressure_fl_bar;
    struct opt_double tpms_pressure_fr_bar;
    struct opt_double tpms_pressure_rl_bar;
    struct opt_double tpms_pressure_rr_bar;
    /* Always filled: all fields unknown when the key is missing. */
    struct software_update_sample software_update;
    /* For the summary only. */
    struct opt_bool tpms_soft_warning_fl;
    struct opt_bool tpms_soft_warning_fr;
    struct opt_bool tpms_soft_warning_rl;
    struct opt_bool tpms_soft_warning_rr;
    struct opt_int64 center_display_state;
    char sun_roof_state[16];
    struct opt_double sun_roof_percent_open;
};

struct vehicle_config_sample {
    char car_type[32];
    char trim_badging[32];
    char exterior_color[32];
    char wheel_type[32];
    char spoiler_type[32];
    char car_special_type[32];
    struct opt_bool rhd;
    struct opt_bool eu_vehicle;
    struct opt_int64 sun_roof_installed;    /* summary: installed when > 0 */
};

struct vehicle_sample {
    /* Identity: eid is the `id` (use `id_s` when present, since the
     * number may exceed 2^53); vid is `vehicle_id`. */
    struct opt_int64 eid;
    struct opt_int64 vid;
    char vin[24];
    char state[16];                 /* "online", "asleep", "offline"; "unknown" when missing */
    char display_name[SAMPLE_TEXT_SIZE];
    struct opt_bool in_service;

    bool has_drive_state;
    bool has_charge_state;
    bool has_climate_state;
    bool has_vehicle_state;
    bool has_vehicle_config;

    struct drive_state_sample drive;
    struct charge_state_sample charge;
    struct climate_state_sample climate;
    struct vehicle_state_sample vehicle;
    struct vehicle_config_sample config;
};

/* A full vehicle_data response: all five sub-objects present. Anything else
 * with state "online" is a partial (summary) result. */
static inline bool vehicle_sample_is_full(const struct vehicle_sample *sample)
{
    return sample->has_drive_state && sample->has_charge_state && sample->has_climate_state &&
           sample->has_vehicle_state && sample->has_vehicle_config;
}

#endif
