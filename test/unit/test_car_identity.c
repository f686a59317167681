/*
 * Tests for car_identity: model, trim and marketing name from
 * vehicle_config, checked on the recorded Tesla API files and on a table of
 * (car_type, trim_badging, VIN) cases covering every marketing-name rule.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "car_identity.h"
#include "tesla_api_files.h"
#include "vehicle_parse.h"

/* A Model 3 VIN pattern with the model-year code at position 10. */
#define VIN_WITH_YEAR(code) "5YJ3E1EA1" code "F000000"

static struct vehicle_sample config_sample(const char *car_type, const char *trim_badging,
                                           const char *vin)
{
    struct vehicle_sample sample;

    vehicle_sample_clear(&sample);
    sample.has_vehicle_config = true;
    snprintf(sample.config.car_type, sizeof(sample.config.car_type), "%s", car_type);
    snprintf(sample.config.trim_badging, sizeof(sample.config.trim_badging), "%s",
             trim_badging);
    snprintf(sample.vin, sizeof(sample.vin), "%s", vin);
    return sample;
}

static struct car_identity identify(const char *car_type, const char *trim_badging,
                                    const char *vin)
{
    struct vehicle_sample sample = config_sample(car_type, trim_badging, vin);
    struct car_identity identity;

    assert_true(car_identity_from_sample(&sample, &identity));
    return identity;
}

struct identity_case {
    const char *car_type;
    const char *trim_badging;       /* "" is null */
    const char *vin;
    enum car_model model;
    const char *expected_trim;
    const char *marketing_name;     /* "" is null */
    int suspend_min;
};

static const struct identity_case identity_cases[] = {
    /* Every marketing-name rule. */
    { "lychee", "100d", "", CAR_MODEL_S, "100D", "LR", 12 },
    { "lychee", "p100d", "", CAR_MODEL_S, "P100D", "Plaid", 12 },
    { "models2", "100d", "", CAR_MODEL_S, "100D", "LR+", 12 },
    { "model3", "p74d", "", CAR_MODEL_3, "P74D", "LR AWD Performance", 12 },
    { "model3", "74d", "", CAR_MODEL_3, "74D", "LR AWD", 12 },
    { "model3", "74", "", CAR_MODEL_3, "74", "LR", 12 },
    { "model3", "62", "", CAR_MODEL_3, "62", "MR", 12 },
    { "tamarind", "100d", "", CAR_MODEL_X, "100D", "LR", 12 },
    { "tamarind", "P100D", "", CAR_MODEL_X, "P100D", "Plaid", 12 },
    { "modely", "p74d", "", CAR_MODEL_Y, "P74D", "LR AWD Performance", 12 },
    { "modely", "74d", "", CAR_MODEL_Y, "74D", "LR AWD", 12 },
    { "modely", "74", "", CAR_MODEL_Y, "74", "LR", 12 },
    { "modely", "50", "", CAR_MODEL_Y, "50", "SR", 12 },
    /* Model 3 "50" by VIN model year. */
    { "model3", "50", "5YJ3E1EA1NF000000", CAR_MODEL_3, "50", "RWD", 12 },
    { "model3", "50", VIN_WITH_YEAR("K"), CAR_MODEL_3, "50", "SR+", 12 },
    { "model3", "50", VIN_WITH_YEAR("L"), CAR_MODEL_3, "50", "SR+", 12 },
    { "model3", "50", VIN_WITH_YEAR("M"), CAR_MODEL_3, "50", "SR+", 12 },
    { "model3", "50", VIN_WITH_YEAR("N"), CAR_MODEL_3, "50", "RWD", 12 },
    { "model3", "50", VIN_WITH_YEAR("P"), CAR_MODEL_3, "50", "RWD", 12 },
    { "model3", "50", VIN_WITH_YEAR("R"), CAR_MODEL_3, "50", "RWD", 12 },
    { "model3", "50", VIN_WITH_YEAR("9"), CAR_MODEL_3, "50", "RWD", 12 },
    { "model3", "50", VIN_WITH_YEAR("Z"), CAR_MODEL_3, "50", "SR+", 12 },
    { "model3", "50", "invalid", CAR_MODEL_3, "50", "SR+", 12 },
    { "model3", "50", "", CAR_MODEL_3, "50", "SR+", 12 },
    /* No marketing name: the rule needs another car_type or trim. */
    { "models", "p100d", "", CAR_MODEL_S, "P100D", "", 21 },
    { "modelx", "p100d", "", CAR_MODEL_X, "P100D", "", 21 },
    { "models2", "p90d", "", CAR_MODEL_S, "P90D", "", 21 },
    { "models", "100d", "", CAR_MODEL_S, "100D", "", 21 },
    { "model3", "99", "", CAR_MODEL_3, "99", "", 12 },
    /* Model S and X without trim badging count as modern. */
    { "models2", "", "", CAR_MODEL_S, "", "", 12 },
    { "tamarind", "", "", CAR_MODEL_X, "", "", 12 },
    { "model3", "", "", CAR_MODEL_3, "", "", 12 },
    { "modely", "", "", CAR_MODEL_Y, "", "", 12 },
    /* Cybertruck: prefix match, trim upper-cased, no marketing name. */
    { "cybertruck", "foundation", "", CAR_MODEL_CYBERTRUCK, "FOUNDATION", "", 12 },
    { "cybertruck2", "foundation", "", CAR_MODEL_CYBERTRUCK, "FOUNDATION", "", 12 },
    /* car_type is matched lower-cased; marketing rules use it as sent. */
    { "Model3", "74D", "", CAR_MODEL_3, "74D", "LR AWD", 12 },
    { "Lychee", "100D", "", CAR_MODEL_S, "100D", "", 21 },
    /* Unknown car types: identified, but with no model. */
    { "roadster", "p", "", CAR_MODEL_UNKNOWN, "P", "", 21 },
    { "lycheeX", "100d", "", CAR_MODEL_UNKNOWN, "100D", "", 21 },
    { "", "", "", CAR_MODEL_UNKNOWN, "", "", 21 },
};

static void test_identity_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(identity_cases) / sizeof(identity_cases[0]); i++) {
        const struct identity_case *c = &identity_cases[i];
        struct car_identity identity = identify(c->car_type, c->trim_badging, c->vin);

        if (identity.model != c->model || strcmp(identity.trim_badging, c->expected_trim) != 0 ||
            strcmp(identity.marketing_name, c->marketing_name) != 0 ||
            car_identity_default_suspend_min(&identity) != c->suspend_min)
            fail_msg("car_type \"%s\" trim \"%s\" vin \"%s\": got model %s trim \"%s\" "
                     "marketing \"%s\" suspend %d, expected %s \"%s\" \"%s\" %d",
                     c->car_type, c->trim_badging, c->vin, car_model_name(identity.model),
                     identity.trim_badging, identity.marketing_name,
                     car_identity_default_suspend_min(&identity), car_model_name(c->model),
                     c->expected_trim, c->marketing_name, c->suspend_min);
    }
}

static void test_no_vehicle_config_fails(void **state)
{
    struct vehicle_sample sample = config_sample("model3", "74d", "");
    struct car_identity identity;

    (void)state;
    sample.has_vehicle_config = false;
    memset(&identity, 0x5A, sizeof(identity));
    assert_false(car_identity_from_sample(&sample, &identity));
    for (size_t i = 0; i < sizeof(identity); i++)
        assert_int_equal(((unsigned char *)&identity)[i], 0x5A);
    assert_int_equal(car_identity_default_suspend_min(NULL), CAR_SUSPEND_MIN_DEFAULT);
}

static void test_identity_copies_car_attributes(void **state)
{
    struct vehicle_sample sample = config_sample("model3", "74d", "");
    struct car_identity identity;

    (void)state;
    snprintf(sample.display_name, sizeof(sample.display_name), "%s", "Car A");
    snprintf(sample.config.exterior_color, sizeof(sample.config.exterior_color), "%s",
             "DeepBlue");
    snprintf(sample.config.wheel_type, sizeof(sample.config.wheel_type), "%s",
             "Pinwheel18CapKit");
    snprintf(sample.config.spoiler_type, sizeof(sample.config.spoiler_type), "%s", "None");
    assert_true(car_identity_from_sample(&sample, &identity));
    assert_string_equal(identity.name, "Car A");
    assert_string_equal(identity.exterior_color, "DeepBlue");
    assert_string_equal(identity.wheel_type, "Pinwheel18CapKit");
    assert_string_equal(identity.spoiler_type, "None");
    /* The sample keeps Tesla's spelling. */
    assert_string_equal(sample.config.trim_badging, "74d");
}

static void test_vin_model_year(void **state)
{
    static const struct {
        const char *vin;
        int year;
    } cases[] = {
        { VIN_WITH_YEAR("A"), 2010 }, { VIN_WITH_YEAR("H"), 2017 },
        { VIN_WITH_YEAR("J"), 2018 }, { VIN_WITH_YEAR("K"), 2019 },
        { VIN_WITH_YEAR("N"), 2022 }, { VIN_WITH_YEAR("P"), 2023 },
        { VIN_WITH_YEAR("R"), 2024 }, { VIN_WITH_YEAR("S"), 2025 },
        { VIN_WITH_YEAR("T"), 2026 }, { VIN_WITH_YEAR("V"), 2027 },
        { VIN_WITH_YEAR("Y"), 2030 }, { VIN_WITH_YEAR("1"), 2031 },
        { VIN_WITH_YEAR("9"), 2039 },
        /* Codes never used for a year, lower case, wrong lengths. */
        { VIN_WITH_YEAR("I"), 0 }, { VIN_WITH_YEAR("O"), 0 }, { VIN_WITH_YEAR("Q"), 0 },
        { VIN_WITH_YEAR("U"), 0 }, { VIN_WITH_YEAR("Z"), 0 }, { VIN_WITH_YEAR("0"), 0 },
        { VIN_WITH_YEAR("n"), 0 }, { VIN_WITH_YEAR("-"), 0 },
        { "5YJ3E1EA1NF00000", 0 }, { "5YJ3E1EA1NF0000000", 0 }, { "", 0 },
        { "19023450213412345F", 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int year = car_vin_model_year(cases[i].vin);

        if (year != cases[i].year)
            fail_msg("VIN \"%s\": year %d, expected %d", cases[i].vin, year, cases[i].year);
    }
    assert_int_equal(car_vin_model_year(NULL), 0);
}

static void test_model_names(void **state)
{
    (void)state;
    assert_string_equal(car_model_name(CAR_MODEL_S), "S");
    assert_string_equal(car_model_name(CAR_MODEL_3), "3");
    assert_string_equal(car_model_name(CAR_MODEL_X), "X");
    assert_string_equal(car_model_name(CAR_MODEL_Y), "Y");
    assert_string_equal(car_model_name(CAR_MODEL_CYBERTRUCK), "Cybertruck");
    assert_string_equal(car_model_name(CAR_MODEL_UNKNOWN), "unknown");
    assert_string_equal(car_model_name(CAR_MODEL_COUNT), "unknown");
    assert_string_equal(car_model_display_name(CAR_MODEL_S), "Model S");
    assert_string_equal(car_model_display_name(CAR_MODEL_3), "Model 3");
    assert_string_equal(car_model_display_name(CAR_MODEL_X), "Model X");
    assert_string_equal(car_model_display_name(CAR_MODEL_Y), "Model Y");
    assert_string_equal(car_model_display_name(CAR_MODEL_CYBERTRUCK), "Cybertruck");
    assert_string_equal(car_model_display_name((enum car_model)-1), "unknown");
}

/* ---- the recorded files ---- */

struct file_case {
    const char *file;
    bool identified;
    enum car_model model;
    const char *trim_badging;
    const char *marketing_name;
    const char *name;
    const char *exterior_color;
    int suspend_min;
};

static const struct file_case file_cases[] = {
    { "vehicle_data-model3-fleet-2024-parked.json", true, CAR_MODEL_3, "74D", "LR AWD",
      "Car A", "DeepBlue", 12 },
    { "vehicle_data-model3-owner-2023-no-location.json", true, CAR_MODEL_3, "74D", "LR AWD",
      "Car B", "MidnightSilver", 12 },
    { "vehicle_data-models-owner-2020-legacy-data-endpoint.json", true, CAR_MODEL_S, "P90D", "",
      "Car F", "White", 21 },
    { "vehicle_data-models-owner-2022-charging.json", true, CAR_MODEL_S, "85D", "", "Car D",
      "White", 21 },
    { "vehicle_data-models-owner-2023-charge-complete.json", true, CAR_MODEL_S, "P85D", "",
      "Car C", "MetallicBlack", 21 },
    { "vehicle_data-modely-fleet-docs-2023.json", true, CAR_MODEL_Y, "74D", "LR AWD", "Car E",
      "MidnightSilver", 12 },
    { "vehicle-asleep-fleet.json", true, CAR_MODEL_3, "74D", "LR AWD", "Car A", "DeepBlue", 12 },
    { "vehicle-online-fleet-docs.json", false, CAR_MODEL_UNKNOWN, "", "", "", "", 21 },
    { "vehicle-online-owner-2020.json", false, CAR_MODEL_UNKNOWN, "", "", "", "", 21 },
};

static void test_recorded_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
        const struct file_case *c = &file_cases[i];
        struct tesla_parse_error error = { "" };
        struct car_identity identity;
        struct vehicle_sample sample;
        size_t length = 0;
        char *body = tesla_api_read(c->file, &length);
        bool identified;

        if (vehicle_parse_body(body, length, &sample, &error) != TESLA_PARSE_OK)
            fail_msg("%s: %s", c->file, error.message);
        free(body);

        identified = car_identity_from_sample(&sample, &identity);
        if (identified != c->identified)
            fail_msg("%s: identified %d, expected %d", c->file, identified, c->identified);
        if (!identified) {
            assert_int_equal(car_identity_default_suspend_min(NULL), c->suspend_min);
            continue;
        }
        assert_int_equal(identity.model, c->model);
        assert_string_equal(identity.trim_badging, c->trim_badging);
        assert_string_equal(identity.marketing_name, c->marketing_name);
        assert_string_equal(identity.name, c->name);
        assert_string_equal(identity.exterior_color, c->exterior_color);
        assert_int_equal(car_identity_default_suspend_min(&identity), c->suspend_min);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_table),
        cmocka_unit_test(test_no_vehicle_config_fails),
        cmocka_unit_test(test_identity_copies_car_attributes),
        cmocka_unit_test(test_vin_model_year),
        cmocka_unit_test(test_model_names),
        cmocka_unit_test(test_recorded_files),
    };

    return cmocka_run_group_tests_name("car_identity", tests, NULL, NULL);
}
