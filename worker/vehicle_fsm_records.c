/* Positions and charge samples from vehicle samples; unit conversions;
 * firmware version order. */
#include "vehicle_fsm_records.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double fsm_round_decimals(double value, int decimals)
{
    double scale = 1.0;

    for (int i = 0; i < decimals && i < 9; i++)
        scale *= 10.0;
    /* round() is half away from zero; the scaled product of a value like
     * 1.005 may land just below the half, as in TeslaMate's float maths. */
    return round(value * scale) / scale;
}

int64_t fsm_kmh_from_mph(double speed_mph)
{
    return (int64_t)llround(speed_mph / FSM_MILES_PER_KM);
}

double fsm_range_km_from_miles(double miles)
{
    return fsm_round_decimals(miles / FSM_MILES_PER_KM, 2);
}

double fsm_odometer_km_from_miles(double miles)
{
    return fsm_round_decimals(miles / FSM_MILES_PER_KM, 6);
}

int64_t fsm_ms_from_s(double seconds)
{
    return (int64_t)llround(seconds * 1000.0);
}

static struct opt_double range_km(struct opt_double miles)
{
    struct opt_double km = { .known = miles.known };

    if (miles.known)
        km.value = fsm_range_km_from_miles(miles.value);
    return km;
}

static void copy_text(char *to, size_t size, const char *from)
{
    snprintf(to, size, "%s", from);
}

static void position_climate(const struct climate_state_sample *climate,
                             struct fsm_position *position)
{
    position->outside_temp_c = climate->outside_temp_c;
    position->inside_temp_c = climate->inside_temp_c;
    position->fan_status = climate->fan_status;
    position->is_climate_on = climate->is_climate_on;
    position->driver_temp_setting_c = climate->driver_temp_setting_c;
    position->passenger_temp_setting_c = climate->passenger_temp_setting_c;
    position->is_rear_defroster_on = climate->is_rear_defroster_on;
    position->is_front_defroster_on = climate->is_front_defroster_on;
    position->battery_heater = climate->battery_heater;
    position->battery_heater_no_power = climate->battery_heater_no_power;
}

static void position_charge(const struct charge_state_sample *charge,
                            struct fsm_position *position)
{
    position->battery_level = charge->battery_level;
    position->usable_battery_level = charge->usable_battery_level;
    position->ideal_battery_range_km = range_km(charge->ideal_battery_range_mi);
    position->est_battery_range_km = range_km(charge->est_battery_range_mi);
    position->rated_battery_range_km = range_km(charge->battery_range_mi);
    position->battery_heater_on = charge->battery_heater_on;
}

static void position_vehicle(const struct vehicle_state_sample *vehicle,
                             struct fsm_position *position)
{
    position->odometer_km.known = vehicle->odometer_mi.known;
    if (vehicle->odometer_mi.known)
        position->odometer_km.value = fsm_odometer_km_from_miles(vehicle->odometer_mi.value);
    position->tpms_pressure_fl_bar = vehicle->tpms_pressure_fl_bar;
    position->tpms_pressure_fr_bar = vehicle->tpms_pressure_fr_bar;
    position->tpms_pressure_rl_bar = vehicle->tpms_pressure_rl_bar;
    position->tpms_pressure_rr_bar = vehicle->tpms_pressure_rr_bar;
}

static void position_drive(const struct drive_state_sample *drive, int64_t fallback_date_ms,
                           struct fsm_position *position)
{
    position->date_ms = drive->timestamp_ms.known ? drive->timestamp_ms.value : fallback_date_ms;
    position->location_known = drive->latitude.known && drive->longitude.known;
    position->latitude = drive->latitude.value;
    position->longitude = drive->longitude.value;
    position->speed_kmh.known = drive->speed_mph.known;
    if (drive->speed_mph.known)
        position->speed_kmh.value = fsm_kmh_from_mph(drive->speed_mph.value);
    position->power_kw = drive->power_kw;
}

void fsm_position_from_sample(const struct vehicle_sample *sample, int64_t fallback_date_ms,
                              struct fsm_position *position)
{
    memset(position, 0, sizeof(*position));
    position->date_ms = fallback_date_ms;

    if (sample->has_drive_state)
        position_drive(&sample->drive, fallback_date_ms, position);
    if (sample->has_charge_state)
        position_charge(&sample->charge, position);
    if (sample->has_climate_state)
        position_climate(&sample->climate, position);
    if (sample->has_vehicle_state)
        position_vehicle(&sample->vehicle, position);
}

static void charge_texts(const struct charge_state_sample *state, struct fsm_charge *charge)
{
    copy_text(charge->conn_charge_cable, sizeof(charge->conn_charge_cable),
              state->conn_charge_cable);
    copy_text(charge->fast_charger_brand, sizeof(charge->fast_charger_brand),
              state->fast_charger_brand);
    copy_text(charge->fast_charger_type, sizeof(charge->fast_charger_type),
              state->fast_charger_type);
}

static void charge_state_fields(const struct charge_state_sample *state,
                                bool zero_missing_energy, struct fsm_charge *charge)
{
    charge->battery_heater_on = state->battery_heater_on;
    charge->battery_level = state->battery_level;
    charge->usable_battery_level = state->usable_battery_level;
    charge->charge_energy_added_kwh = state->charge_energy_added_kwh;
    if (zero_missing_energy && !state->charge_energy_added_kwh.known)
        charge->charge_energy_added_kwh = (struct opt_double){ .known = true, .value = 0.0 };
    charge->charger_actual_current = state->charger_actual_current;
    charge->charger_phases = state->charger_phases;
    charge->charger_pilot_current = state->charger_pilot_current;
    charge->charger_power_kw = state->charger_power_kw.known ? state->charger_power_kw.value : 0.0;
    charge->charger_voltage = state->charger_voltage;
    charge->fast_charger_present = state->fast_charger_present;
    charge->ideal_battery_range_km = range_km(state->ideal_battery_range_mi);
    charge->rated_battery_range_km = range_km(state->battery_range_mi);
    charge->not_enough_power_to_heat = state->not_enough_power_to_heat;
    charge_texts(state, charge);
}

void fsm_charge_from_sample(const struct vehicle_sample *sample, int64_t fallback_date_ms,
                            bool zero_missing_energy, struct fsm_charge *charge)
{
    memset(charge, 0, sizeof(*charge));
    charge->date_ms = fallback_date_ms;

    if (sample->has_charge_state) {
        if (sample->charge.timestamp_ms.known)
            charge->date_ms = sample->charge.timestamp_ms.value;
        charge_state_fields(&sample->charge, zero_missing_energy, charge);
    } else if (zero_missing_energy) {
        charge->charge_energy_added_kwh = (struct opt_double){ .known = true, .value = 0.0 };
    }
    if (sample->has_climate_state) {
        charge->battery_heater = sample->climate.battery_heater;
        charge->battery_heater_no_power = sample->climate.battery_heater_no_power;
        charge->outside_temp_c = sample->climate.outside_temp_c;
    }
}

/* Length of the version part: the text before the first space. */
static size_t version_length(const char *version)
{
    return strcspn(version, " ");
}

/* Compares one "."-separated part of each version, both left-padded with
 * "0" to at least 4 characters. */
static int compare_parts(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t width = a_length > b_length ? a_length : b_length;

    if (width < 4)
        width = 4;
    for (size_t i = 0; i < width; i++) {
        char a_char = i < width - a_length ? '0' : a[i - (width - a_length)];
        char b_char = i < width - b_length ? '0' : b[i - (width - b_length)];

        if (a_char != b_char)
            return (unsigned char)a_char < (unsigned char)b_char ? -1 : 1;
    }
    return 0;
}

int fsm_software_version_compare(const char *a, const char *b)
{
    const char *a_end = a + version_length(a);
    const char *b_end = b + version_length(b);

    for (;;) {
        size_t a_part = strcspn(a, ". ");
        size_t b_part = strcspn(b, ". ");
        int order = compare_parts(a, a_part, b, b_part);

        if (order != 0)
            return order;
        a += a_part;
        b += b_part;
        if (a >= a_end || b >= b_end)
            return (a < a_end) - (b < b_end);
        a++;    /* skip the "." */
        b++;
    }
}

void fsm_software_version_short(const char *version, char *out, size_t size)
{
    size_t length = version_length(version);

    if (size == 0)
        return;
    if (length >= size)
        length = size - 1;
    memcpy(out, version, length);
    out[length] = '\0';
}
