/*
 * car_identity: the car's model, trim badging and marketing name, derived
 * from a parsed vehicle sample's vehicle_config the way TeslaMate does.
 *
 * Contract: pure functions of their arguments, with no I/O, no logging and
 * no globals. struct car_identity is a plain value type owned by the
 * caller. Text fields are "" where TeslaMate stores NULL.
 */
#ifndef TENANTMATE_CAR_IDENTITY_H
#define TENANTMATE_CAR_IDENTITY_H

#include <stdbool.h>

#include "vehicle_sample.h"

enum car_model {
    CAR_MODEL_UNKNOWN,      /* stored as NULL */
    CAR_MODEL_S,
    CAR_MODEL_3,
    CAR_MODEL_X,
    CAR_MODEL_Y,
    CAR_MODEL_CYBERTRUCK,
    CAR_MODEL_COUNT
};

/* Default car_settings.suspend_min for a new car, in minutes. */
#define CAR_SUSPEND_MIN_DEFAULT 21
#define CAR_SUSPEND_MIN_MODERN 12

struct car_identity {
    enum car_model model;
    char trim_badging[32];          /* upper-cased vehicle_config.trim_badging */
    char marketing_name[24];        /* "LR AWD", "Plaid", ...; "" when none applies */
    char name[SAMPLE_TEXT_SIZE];    /* the sample's display name */
    char exterior_color[32];
    char wheel_type[32];
    char spoiler_type[32];
};

/* The value of cars.model: "S", "3", "X", "Y", "Cybertruck", or "unknown"
 * for CAR_MODEL_UNKNOWN, which callers store as NULL. */
const char *car_model_name(enum car_model model);

/* "Model S", "Model 3", "Model X", "Model Y", "Cybertruck" or "unknown". */
const char *car_model_display_name(enum car_model model);

/*
 * Fills *identity from the sample. Returns false, leaving *identity
 * untouched, when the sample has no vehicle_config: identification then
 * fails and the car keeps its stored attributes.
 */
bool car_identity_from_sample(const struct vehicle_sample *sample,
                              struct car_identity *identity);

/* Model year from the 10th character of a 17-character VIN (A = 2010 ...
 * Y = 2030, 1 = 2031 ... 9 = 2039); 0 when the VIN or its code is not valid. */
int car_vin_model_year(const char *vin);

/*
 * suspend_min for a newly created car: CAR_SUSPEND_MIN_MODERN for models
 * 3, Y and Cybertruck, and for S and X without trim badging or with a
 * marketing name; CAR_SUSPEND_MIN_DEFAULT otherwise, and when identity is
 * NULL because identification failed.
 */
int car_identity_default_suspend_min(const struct car_identity *identity);

#endif
