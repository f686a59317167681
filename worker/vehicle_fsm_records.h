/*
 * vehicle_fsm_records: the rows the vehicle state machine requests the
 * recorder to write (positions and charge samples), and the unit
 * conversions that build them from a vehicle sample with TeslaMate's
 * rounding.
 *
 * Contract: pure functions of their arguments; no I/O, no clock, no
 * logging, no globals. Every rounding is half away from zero. Miles become
 * kilometres by dividing by 0.62137119223733: ranges keep 2 decimals, the
 * odometer 6; mph become integer km/h the same way.
 */
#ifndef TENANTMATE_VEHICLE_FSM_RECORDS_H
#define TENANTMATE_VEHICLE_FSM_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vehicle_sample.h"

#define FSM_MILES_PER_KM 0.62137119223733

/* A positions row from a vehicle_data sample. The recorder adds the
 * elevation (terrain lookup), because tenantmate never streams. */
struct fsm_position {
    int64_t date_ms;                /* drive_state.timestamp, else the event time */
    bool location_known;            /* false: latitude/longitude are not usable */
    double latitude;
    double longitude;
    struct opt_int64 speed_kmh;
    struct opt_double power_kw;
    struct opt_double battery_level;
    struct opt_double usable_battery_level;
    struct opt_double outside_temp_c;
    struct opt_double inside_temp_c;
    struct opt_double odometer_km;
    struct opt_double ideal_battery_range_km;
    struct opt_double est_battery_range_km;
    struct opt_double rated_battery_range_km;
    struct opt_double fan_status;
    struct opt_bool is_climate_on;
    struct opt_double driver_temp_setting_c;
    struct opt_double passenger_temp_setting_c;
    struct opt_bool is_rear_defroster_on;
    struct opt_bool is_front_defroster_on;
    struct opt_bool battery_heater_on;          /* charge_state */
    struct opt_bool battery_heater;             /* climate_state */
    struct opt_bool battery_heater_no_power;    /* climate_state */
    struct opt_double tpms_pressure_fl_bar;
    struct opt_double tpms_pressure_fr_bar;
    struct opt_double tpms_pressure_rl_bar;
    struct opt_double tpms_pressure_rr_bar;
};

/* A charges row. charger_power_kw is 0 when the API reports null, as in
 * TeslaMate; the storage layer requires date, charge_energy_added,
 * charger_power and ideal_battery_range_km. */
struct fsm_charge {
    int64_t date_ms;                /* charge_state.timestamp, else the event time */
    struct opt_bool battery_heater_on;
    struct opt_bool battery_heater;
    struct opt_bool battery_heater_no_power;
    struct opt_double battery_level;
    struct opt_double usable_battery_level;
    struct opt_double charge_energy_added_kwh;
    struct opt_double charger_actual_current;
    struct opt_double charger_phases;
    struct opt_double charger_pilot_current;
    double charger_power_kw;
    struct opt_double charger_voltage;
    char conn_charge_cable[32];
    struct opt_bool fast_charger_present;
    char fast_charger_brand[32];
    char fast_charger_type[32];
    struct opt_double ideal_battery_range_km;
    struct opt_double rated_battery_range_km;
    struct opt_bool not_enough_power_to_heat;
    struct opt_double outside_temp_c;
};

/* Rounds half away from zero to the given number of decimals (0 to 9). */
double fsm_round_decimals(double value, int decimals);

/* Integer km/h from mph (60 -> 97, -5 -> -8). */
int64_t fsm_kmh_from_mph(double speed_mph);

/* Kilometres from miles with 2 decimals (ranges) or 6 (odometer). */
double fsm_range_km_from_miles(double miles);
double fsm_odometer_km_from_miles(double miles);

/* Epoch milliseconds from epoch seconds, rounded to the millisecond. */
int64_t fsm_ms_from_s(double seconds);

/* Builds a position; date_ms is the drive timestamp or fallback_date_ms. */
void fsm_position_from_sample(const struct vehicle_sample *sample, int64_t fallback_date_ms,
                              struct fsm_position *position);

/* Builds a charge sample; date_ms is the charge timestamp or fallback_date_ms.
 * With zero_missing_energy a null charge_energy_added becomes 0 (used for
 * the two samples of a charge detected after an offline gap). */
void fsm_charge_from_sample(const struct vehicle_sample *sample, int64_t fallback_date_ms,
                            bool zero_missing_energy, struct fsm_charge *charge);

/*
 * Compares two firmware versions the way TeslaMate orders them: the text
 * before the first space, split on ".", each part left-padded with "0" to
 * 4 characters and compared as text; a list that is a prefix of the other
 * is smaller. Returns <0, 0 or >0 like strcmp. "2019.40.10.7" is newer
 * than "2019.40.9".
 */
int fsm_software_version_compare(const char *a, const char *b);

/* Copies the version text before the first space ("2024.3.1 abc" ->
 * "2024.3.1"), cut to size. */
void fsm_software_version_short(const char *version, char *out, size_t size);

#endif
