/*
 * effects: carries out the effects of a vehicle state machine's output
 * through the recorder, for one car.
 *
 * Contract: the state machine only tracks whether a drive, a charging
 * process or an update is open; struct car_records keeps their ids.
 * effects_apply() runs the effects in order, each as the recorder's own
 * short transaction, and blocks for them. A failed write is logged by the
 * recorder with the car id, counted, and skipped: later effects still run,
 * and an id whose record could not be opened stays 0 so nothing is written
 * against it. Effects that are not rows (the summary, the account limit,
 * re-listing cars, places lookups) go to the optional hooks; a NULL hook
 * ignores them. position_elevation is the one hook asked for a value: it
 * runs before each positions row (a position of its own, or a charging
 * process's) is written, and without it positions get no elevation.
 * Hooks must return without waiting on the network, since they run
 * between writes. Notices are logged here with the car id. Nothing is
 * allocated; both the live worker and the TeslaFi import use this module.
 */
#ifndef TENANTMATE_EFFECTS_H
#define TENANTMATE_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"
#include "vehicle_fsm.h"

struct car_records {
    int64_t car_id;
    int64_t drive_id;               /* 0: no open drive */
    int64_t charging_process_id;    /* 0: no open charging process */
    int64_t update_id;              /* 0: no open update */
};

struct effects_hooks {
    void *context;
    void (*drive_closed)(void *context, const struct car_records *records,
                         const struct drive_summary *summary);
    void (*charging_started)(void *context, const struct car_records *records,
                             const struct charging_start *start, double latitude,
                             double longitude);
    void (*charging_completed)(void *context, const struct car_records *records,
                               const struct charging_summary *summary);
    void (*summary)(void *context, const struct car_records *records,
                    enum vehicle_summary_state state, int64_t since_ms, bool healthy);
    void (*account_limit)(void *context, double retry_after_s);
    void (*restart_vehicles)(void *context);
    /* Stores the terrain elevation at the point in *elevation_m and
     * returns true, or returns false when it is unknown. */
    bool (*position_elevation)(void *context, double latitude, double longitude,
                               int64_t *elevation_m);
};

struct effects_result {
    size_t applied;
    size_t failed;
    bool connection_lost;           /* a write failed with RECORDER_CONNECTION_FAILED */
};

void effects_apply(struct recorder *recorder, struct car_records *records,
                   const struct fsm_output *output, const struct effects_hooks *hooks,
                   struct effects_result *result);

/* The recorder's rows built from the machine's, rounding the columns that
 * are integers half away from zero. Exposed for tests. */
void effects_position_record(const struct fsm_position *position,
                             struct position_record *record);
void effects_charge_record(const struct fsm_charge *charge, struct charge_record *record);

/* The car columns an identification writes: every detail when the sample
 * had a vehicle_config, otherwise the name only. The record points into
 * name and identity. */
void effects_car_record(const char *name, bool identified, const struct car_identity *identity,
                        struct car_record *car, unsigned *columns);

#endif
