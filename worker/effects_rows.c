/* Conversion of the state machine's rows into the recorder's. */
#include "effects.h"

#include <math.h>

static struct opt_int64 rounded(struct opt_double value)
{
    struct opt_int64 out = {.known = false};

    if (value.known && isfinite(value.value) && fabs(value.value) < 9e15) {
        out.known = true;
        out.value = (int64_t)llround(value.value);
    }
    return out;
}

static struct opt_int64 known_int64(int64_t value)
{
    return (struct opt_int64){.known = true, .value = value};
}

static struct opt_double known_double(double value)
{
    return (struct opt_double){.known = true, .value = value};
}

void effects_position_record(const struct fsm_position *position,
                             struct position_record *record)
{
    *record = (struct position_record){
        .date_us = known_int64(position->date_ms * 1000),
        .latitude = {.known = position->location_known, .value = position->latitude},
        .longitude = {.known = position->location_known, .value = position->longitude},
        .speed_kmh = position->speed_kmh,
        .power_kw = rounded(position->power_kw),
        .odometer_km = position->odometer_km,
        .ideal_battery_range_km = position->ideal_battery_range_km,
        .est_battery_range_km = position->est_battery_range_km,
        .rated_battery_range_km = position->rated_battery_range_km,
        .battery_level = rounded(position->battery_level),
        .usable_battery_level = rounded(position->usable_battery_level),
        .outside_temp_c = position->outside_temp_c,
        .inside_temp_c = position->inside_temp_c,
        .fan_status = rounded(position->fan_status),
        .driver_temp_setting_c = position->driver_temp_setting_c,
        .passenger_temp_setting_c = position->passenger_temp_setting_c,
        .is_climate_on = position->is_climate_on,
        .is_rear_defroster_on = position->is_rear_defroster_on,
        .is_front_defroster_on = position->is_front_defroster_on,
        .battery_heater = position->battery_heater,
        .battery_heater_on = position->battery_heater_on,
        .battery_heater_no_power = position->battery_heater_no_power,
        .tpms_pressure_fl_bar = position->tpms_pressure_fl_bar,
        .tpms_pressure_fr_bar = position->tpms_pressure_fr_bar,
        .tpms_pressure_rl_bar = position->tpms_pressure_rl_bar,
        .tpms_pressure_rr_bar = position->tpms_pressure_rr_bar,
    };
}

void effects_charge_record(const struct fsm_charge *charge, struct charge_record *record)
{
    *record = (struct charge_record){
        .date_us = known_int64(charge->date_ms * 1000),
        .charge_energy_added_kwh = charge->charge_energy_added_kwh,
        .charger_power_kw = rounded(known_double(charge->charger_power_kw)),
        .ideal_battery_range_km = charge->ideal_battery_range_km,
        .rated_battery_range_km = charge->rated_battery_range_km,
        .charger_phases = rounded(charge->charger_phases),
        .charger_actual_current_a = rounded(charge->charger_actual_current),
        .charger_pilot_current_a = rounded(charge->charger_pilot_current),
        .charger_voltage_v = rounded(charge->charger_voltage),
        .battery_level = rounded(charge->battery_level),
        .usable_battery_level = rounded(charge->usable_battery_level),
        .outside_temp_c = charge->outside_temp_c,
        .battery_heater_on = charge->battery_heater_on,
        .battery_heater = charge->battery_heater,
        .battery_heater_no_power = charge->battery_heater_no_power,
        .fast_charger_present = charge->fast_charger_present,
        .not_enough_power_to_heat = charge->not_enough_power_to_heat,
        .conn_charge_cable = charge->conn_charge_cable,
        .fast_charger_brand = charge->fast_charger_brand,
        .fast_charger_type = charge->fast_charger_type,
    };
}

void effects_car_record(const char *name, bool identified, const struct car_identity *identity,
                        struct car_record *car, unsigned *columns)
{
    *car = (struct car_record){
        .name = name,
        .model = identified && identity->model != CAR_MODEL_UNKNOWN
                     ? car_model_name(identity->model)
                     : NULL,
        .trim_badging = identity->trim_badging,
        .marketing_name = identity->marketing_name,
        .exterior_color = identity->exterior_color,
        .wheel_type = identity->wheel_type,
        .spoiler_type = identity->spoiler_type,
    };
    *columns = identified ? CAR_COLUMNS_DETAILS : CAR_COLUMN_BIT(CAR_COLUMN_NAME);
}
