#include "car_identity.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* VIN position 10 (index 9) is the model year; the letters I, O, Q, U, Z
 * and the digit 0 are never used. */
#define VIN_LENGTH 17
#define VIN_YEAR_INDEX 9
#define VIN_YEAR_CODES "ABCDEFGHJKLMNPRSTVWXY123456789"
#define VIN_YEAR_FIRST 2010

/* Model 3 "50" is named RWD from model year 2022 and SR+ before it, when
 * Tesla renamed the Standard Range Plus. */
#define MODEL_3_RWD_FIRST_YEAR 2022

struct model_name {
    const char *name;
    const char *display_name;
};

static const struct model_name model_names[CAR_MODEL_COUNT] = {
    [CAR_MODEL_UNKNOWN] = { "unknown", "unknown" },
    [CAR_MODEL_S] = { "S", "Model S" },
    [CAR_MODEL_3] = { "3", "Model 3" },
    [CAR_MODEL_X] = { "X", "Model X" },
    [CAR_MODEL_Y] = { "Y", "Model Y" },
    [CAR_MODEL_CYBERTRUCK] = { "Cybertruck", "Cybertruck" },
};

_Static_assert(sizeof(model_names) / sizeof(model_names[0]) == CAR_MODEL_COUNT,
               "model_names must name every car model");

/* car_type (lower-cased) to model: a prefix, or an exact code name. */
struct car_type_rule {
    const char *car_type;
    bool prefix;
    enum car_model model;
};

static const struct car_type_rule car_type_rules[] = {
    { "models", true, CAR_MODEL_S },        /* also "models2" */
    { "model3", true, CAR_MODEL_3 },
    { "modelx", true, CAR_MODEL_X },
    { "modely", true, CAR_MODEL_Y },
    { "cybertruck", true, CAR_MODEL_CYBERTRUCK },
    { "lychee", false, CAR_MODEL_S },       /* refreshed Model S, 2021 on */
    { "tamarind", false, CAR_MODEL_X },     /* refreshed Model X, 2021 on */
};

/* (model, upper-cased trim, exact car_type or NULL for any) to marketing
 * name. Model 3 "50" depends on the model year and is handled apart. */
struct marketing_rule {
    enum car_model model;
    const char *trim_badging;
    const char *car_type;
    const char *marketing_name;
};

static const struct marketing_rule marketing_rules[] = {
    { CAR_MODEL_S, "100D", "lychee", "LR" },
    { CAR_MODEL_S, "P100D", "lychee", "Plaid" },
    { CAR_MODEL_S, "100D", "models2", "LR+" },
    { CAR_MODEL_3, "P74D", NULL, "LR AWD Performance" },
    { CAR_MODEL_3, "74D", NULL, "LR AWD" },
    { CAR_MODEL_3, "74", NULL, "LR" },
    { CAR_MODEL_3, "62", NULL, "MR" },
    { CAR_MODEL_X, "100D", "tamarind", "LR" },
    { CAR_MODEL_X, "P100D", "tamarind", "Plaid" },
    { CAR_MODEL_Y, "P74D", NULL, "LR AWD Performance" },
    { CAR_MODEL_Y, "74D", NULL, "LR AWD" },
    { CAR_MODEL_Y, "74", NULL, "LR" },
    { CAR_MODEL_Y, "50", NULL, "SR" },
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

const char *car_model_name(enum car_model model)
{
    if (model < 0 || model >= CAR_MODEL_COUNT)
        return model_names[CAR_MODEL_UNKNOWN].name;
    return model_names[model].name;
}

const char *car_model_display_name(enum car_model model)
{
    if (model < 0 || model >= CAR_MODEL_COUNT)
        return model_names[CAR_MODEL_UNKNOWN].display_name;
    return model_names[model].display_name;
}

static void copy_case(char *buffer, size_t size, const char *text, int (*convert)(int))
{
    size_t i;

    for (i = 0; i + 1 < size && text[i] != '\0'; i++)
        buffer[i] = (char)convert((unsigned char)text[i]);
    buffer[i] = '\0';
}

static bool car_type_matches(const struct car_type_rule *rule, const char *car_type)
{
    if (rule->prefix)
        return strncmp(car_type, rule->car_type, strlen(rule->car_type)) == 0;
    return strcmp(car_type, rule->car_type) == 0;
}

static enum car_model model_from_car_type(const struct vehicle_config_sample *config)
{
    char lower[sizeof(config->car_type)];

    copy_case(lower, sizeof(lower), config->car_type, tolower);
    for (size_t i = 0; i < COUNT_OF(car_type_rules); i++) {
        if (car_type_matches(&car_type_rules[i], lower))
            return car_type_rules[i].model;
    }
    return CAR_MODEL_UNKNOWN;
}

int car_vin_model_year(const char *vin)
{
    const char *code;

    if (vin == NULL || strlen(vin) != VIN_LENGTH)
        return 0;
    code = strchr(VIN_YEAR_CODES, vin[VIN_YEAR_INDEX]);
    if (code == NULL)
        return 0;
    return VIN_YEAR_FIRST + (int)(code - VIN_YEAR_CODES);
}

static const char *marketing_name(enum car_model model, const char *trim_badging,
                                  const char *car_type, const char *vin)
{
    if (model == CAR_MODEL_3 && strcmp(trim_badging, "50") == 0)
        return car_vin_model_year(vin) >= MODEL_3_RWD_FIRST_YEAR ? "RWD" : "SR+";

    for (size_t i = 0; i < COUNT_OF(marketing_rules); i++) {
        const struct marketing_rule *rule = &marketing_rules[i];

        if (rule->model != model || strcmp(rule->trim_badging, trim_badging) != 0)
            continue;
        if (rule->car_type == NULL || strcmp(rule->car_type, car_type) == 0)
            return rule->marketing_name;
    }
    return "";
}

bool car_identity_from_sample(const struct vehicle_sample *sample,
                              struct car_identity *identity)
{
    const struct vehicle_config_sample *config = &sample->config;
    struct car_identity result;

    if (!sample->has_vehicle_config)
        return false;

    memset(&result, 0, sizeof(result));
    result.model = model_from_car_type(config);
    copy_case(result.trim_badging, sizeof(result.trim_badging), config->trim_badging, toupper);
    snprintf(result.marketing_name, sizeof(result.marketing_name), "%s",
             marketing_name(result.model, result.trim_badging, config->car_type, sample->vin));
    snprintf(result.name, sizeof(result.name), "%s", sample->display_name);
    snprintf(result.exterior_color, sizeof(result.exterior_color), "%s", config->exterior_color);
    snprintf(result.wheel_type, sizeof(result.wheel_type), "%s", config->wheel_type);
    snprintf(result.spoiler_type, sizeof(result.spoiler_type), "%s", config->spoiler_type);

    *identity = result;
    return true;
}

int car_identity_default_suspend_min(const struct car_identity *identity)
{
    if (identity == NULL)
        return CAR_SUSPEND_MIN_DEFAULT;

    switch (identity->model) {
    case CAR_MODEL_3:
    case CAR_MODEL_Y:
    case CAR_MODEL_CYBERTRUCK:
        return CAR_SUSPEND_MIN_MODERN;
    case CAR_MODEL_S:
    case CAR_MODEL_X:
        if (identity->trim_badging[0] == '\0' || identity->marketing_name[0] != '\0')
            return CAR_SUSPEND_MIN_MODERN;
        return CAR_SUSPEND_MIN_DEFAULT;
    default:
        return CAR_SUSPEND_MIN_DEFAULT;
    }
}
