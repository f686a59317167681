/*
 * fsm_script_samples: canned vehicle samples for the state machine's
 * scenario tests, after TeslaMate's test helpers (online, drive, charging,
 * update), modifiers that switch on one suspend blocker each, and
 * assert_near(). Header-only and static inline, like fsm_script.h, which
 * includes it.
 */
#ifndef TENANTMATE_FSM_SCRIPT_SAMPLES_H
#define TENANTMATE_FSM_SCRIPT_SAMPLES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vehicle_fsm.h"

/* The virtual clock starts here; canned timestamps are offsets from it. */
#define SCRIPT_T0_S 1700000000.0
#define SCRIPT_T0_MS INT64_C(1700000000000)
#define SCRIPT_MINUTE_MS INT64_C(60000)

/* cmocka 1.1.5 has no assert_double_equal; this checks |a - b| <= epsilon
 * and prints both values. */
#define assert_near(a, b, epsilon) assert_near_at((a), (b), (epsilon), #a, __FILE__, __LINE__)

static inline void assert_near_at(double a, double b, double epsilon, const char *expression,
                                  const char *file, int line)
{
    if (!(a - b <= epsilon && b - a <= epsilon))
        fail_msg("%s:%d: %s is %.9g, expected %.9g", file, line, expression, a, b);
}

/* ---- canned observations (TeslaMate's test helpers) -------------------- */

static inline struct vehicle_sample sample_state(const char *state)
{
    struct vehicle_sample sample;

    memset(&sample, 0, sizeof(sample));
    snprintf(sample.state, sizeof(sample.state), "%s", state);
    snprintf(sample.vin, sizeof(sample.vin), "1000");
    sample.vid = (struct opt_int64){ true, 1000 };
    return sample;
}

static inline struct opt_double known_double(double value)
{
    return (struct opt_double){ .known = true, .value = value };
}

static inline struct opt_int64 known_int(int64_t value)
{
    return (struct opt_int64){ .known = true, .value = value };
}

static inline struct opt_bool known_bool(bool value)
{
    return (struct opt_bool){ .known = true, .value = value };
}

/* online(ts): all five sub-objects, drive_state at (0.0, 0.0). */
static inline struct vehicle_sample sample_online(int64_t ts_ms)
{
    struct vehicle_sample sample = sample_state("online");

    sample.has_drive_state = true;
    sample.has_charge_state = true;
    sample.has_climate_state = true;
    sample.has_vehicle_state = true;
    sample.has_vehicle_config = true;
    sample.drive.timestamp_ms = known_int(ts_ms);
    sample.drive.latitude = known_double(0.0);
    sample.drive.longitude = known_double(0.0);
    sample.charge.timestamp_ms = known_int(0);
    sample.climate.timestamp_ms = known_int(0);
    sample.vehicle.timestamp_ms = known_int(0);
    snprintf(sample.config.car_type, sizeof(sample.config.car_type), "model3");
    return sample;
}

static inline struct vehicle_sample sample_drive(int64_t ts_ms, const char *shift, double mph)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.drive.latitude = known_double(0.1);
    sample.drive.longitude = known_double(0.1);
    snprintf(sample.drive.shift_state, sizeof(sample.drive.shift_state), "%s", shift);
    sample.drive.speed_mph = known_double(mph);
    return sample;
}

static inline struct vehicle_sample sample_charging(int64_t ts_ms, const char *charging_state,
                                                    double kwh_added, double range_mi)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.charge.timestamp_ms = known_int(ts_ms);
    snprintf(sample.charge.charging_state, sizeof(sample.charge.charging_state), "%s",
             charging_state);
    sample.charge.charge_energy_added_kwh = known_double(kwh_added);
    sample.charge.ideal_battery_range_mi = known_double(range_mi);
    sample.charge.battery_range_mi = known_double(range_mi);
    return sample;
}

static inline struct vehicle_sample sample_update(int64_t ts_ms, const char *status,
                                                  const char *car_version,
                                                  const char *update_version)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.vehicle.timestamp_ms = known_int(ts_ms);
    snprintf(sample.vehicle.car_version, sizeof(sample.vehicle.car_version), "%s", car_version);
    snprintf(sample.vehicle.software_update.status, sizeof(sample.vehicle.software_update.status),
             "%s", status);
    snprintf(sample.vehicle.software_update.version,
             sizeof(sample.vehicle.software_update.version), "%s", update_version);
    sample.vehicle.software_update.expected_duration_s = known_int(2700);
    return sample;
}

/* A drive sample of the offline-drive scenarios: position, speed, SOC and
 * ideal range, with the charge counter at kwh_added. */
static inline struct vehicle_sample sample_trip(int64_t ts_ms, double position, double mph,
                                                double soc, double range_mi, double kwh_added)
{
    struct vehicle_sample sample = sample_drive(ts_ms, "D", mph);

    sample.drive.latitude = known_double(position);
    sample.drive.longitude = known_double(position);
    sample.charge.timestamp_ms = known_int(ts_ms);
    sample.charge.battery_level = known_double(soc);
    sample.charge.ideal_battery_range_mi = known_double(range_mi);
    sample.charge.charge_energy_added_kwh = known_double(kwh_added);
    return sample;
}

/* ---- sample modifiers (the suspend blockers and their opposites) ------ */

static inline void set_preconditioning(struct vehicle_sample *sample)
{
    sample->climate.is_preconditioning = known_bool(true);
}

static inline void set_dog_mode(struct vehicle_sample *sample)
{
    snprintf(sample->climate.climate_keeper_mode, sizeof(sample->climate.climate_keeper_mode),
             "dog");
}

static inline void set_user_present(struct vehicle_sample *sample)
{
    sample->vehicle.is_user_present = known_bool(true);
}

static inline void set_sentry_on(struct vehicle_sample *sample)
{
    sample->vehicle.sentry_mode = known_bool(true);
}

static inline void set_sentry_off(struct vehicle_sample *sample)
{
    sample->vehicle.sentry_mode = known_bool(false);
}

static inline void set_unlocked(struct vehicle_sample *sample)
{
    sample->vehicle.locked = known_bool(false);
}

static inline void set_locked(struct vehicle_sample *sample)
{
    sample->vehicle.locked = known_bool(true);
}

static inline void set_power_usage(struct vehicle_sample *sample)
{
    sample->drive.power_kw = known_double(2.0);
}

static inline void set_downloading(struct vehicle_sample *sample)
{
    snprintf(sample->vehicle.software_update.status,
             sizeof(sample->vehicle.software_update.status), "downloading");
    sample->vehicle.software_update.download_percent = known_double(10);
}

static inline void set_door_open(struct vehicle_sample *sample)
{
    sample->vehicle.door_driver_front = known_int(0);
    sample->vehicle.door_driver_rear = known_int(0);
    sample->vehicle.door_passenger_front = known_int(1);
    sample->vehicle.door_passenger_rear = known_int(0);
}

static inline void set_frunk_open(struct vehicle_sample *sample)
{
    sample->vehicle.trunk_rear = known_int(0);
    sample->vehicle.trunk_front = known_int(1);
}

static inline void set_trunks_open(struct vehicle_sample *sample)
{
    sample->vehicle.trunk_rear = known_int(1);
    sample->vehicle.trunk_front = known_int(1);
}

/* online(ts) changed by one of the modifiers above. */
static inline struct vehicle_sample sample_with(void (*apply)(struct vehicle_sample *),
                                                int64_t ts_ms)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    apply(&sample);
    return sample;
}

/* The test car's settings with other idle and suspend minutes. */
static inline struct car_settings quick_settings(double idle_min, double suspend_min)
{
    struct car_settings settings = car_settings_defaults();

    settings.suspend_after_idle_min = idle_min;
    settings.suspend_min = suspend_min;
    settings.req_not_unlocked = true;
    return settings;
}

#endif
