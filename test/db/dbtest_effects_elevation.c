/* Database tests of effects' position_elevation hook. Positions of their
 * own and charging processes' positions take the hook's elevation, an
 * unknown elevation or a missing hook stores NULL, and a position without
 * a location never calls the hook. */
#include "recorder_test_support.h"

#include "effects.h"

/* What the hook returns and what it was asked. */
struct elevation_source {
    bool known;
    int64_t elevation_m;
    unsigned calls;
    double latitude;
    double longitude;
};

static bool lookup_elevation(void *context, double latitude, double longitude,
                             int64_t *elevation_m)
{
    struct elevation_source *source = context;

    source->calls++;
    source->latitude = latitude;
    source->longitude = longitude;
    *elevation_m = source->elevation_m;
    return source->known;
}

static struct fsm_position fsm_position_at(int64_t date_ms, double latitude, double longitude)
{
    return (struct fsm_position){
        .date_ms = date_ms,
        .location_known = true,
        .latitude = latitude,
        .longitude = longitude,
    };
}

/* An output with one effect; freed by the caller. */
static struct fsm_output *output_with(const struct fsm_effect *effect)
{
    struct fsm_output *output = calloc(1, sizeof(*output));

    assert_non_null(output);
    output->effects[0] = *effect;
    output->effect_count = 1;
    return output;
}

static void apply_one(struct fixture *fixture, struct car_records *records,
                      const struct fsm_effect *effect, const struct effects_hooks *hooks)
{
    struct fsm_output *output = output_with(effect);
    struct effects_result result;

    effects_apply(&fixture->tenant_a, records, output, hooks, &result);
    free(output);
    assert_int_equal(result.failed, 0);
    assert_int_equal(result.applied, 1);
}

static struct fsm_effect insert_position_effect(double latitude, double longitude)
{
    struct fsm_effect effect = {.type = FSM_EFFECT_INSERT_POSITION};

    effect.insert_position.position =
        fsm_position_at(INT64_C(1554545942000), latitude, longitude);
    return effect;
}

static void test_position_takes_hook_elevation(void **state)
{
    struct fixture *fixture = *state;
    struct car_records records = {.car_id = create_car(&fixture->tenant_a, 1, 1, "VIN1")};
    struct elevation_source source = {.known = true, .elevation_m = 412};
    const struct effects_hooks hooks = {.context = &source,
                                        .position_elevation = lookup_elevation};
    const struct fsm_effect effect = insert_position_effect(52.514521, 13.350144);

    apply_one(fixture, &records, &effect, &hooks);
    assert_int_equal(source.calls, 1);
    assert_true(source.latitude == 52.514521);
    assert_true(source.longitude == 13.350144);
    assert_query(fixture, "412", "SELECT elevation FROM positions WHERE tenant_id = '%s'",
                 TENANT_A);
}

static void test_unknown_elevation_stores_null(void **state)
{
    struct fixture *fixture = *state;
    struct car_records records = {.car_id = create_car(&fixture->tenant_a, 1, 1, "VIN1")};
    struct elevation_source source = {.known = false, .elevation_m = 999};
    const struct effects_hooks hooks = {.context = &source,
                                        .position_elevation = lookup_elevation};
    const struct fsm_effect effect = insert_position_effect(0.0, 0.0);

    apply_one(fixture, &records, &effect, &hooks);
    assert_int_equal(source.calls, 1);
    assert_query(fixture, "NULL", "SELECT elevation FROM positions WHERE tenant_id = '%s'",
                 TENANT_A);
}

static void test_without_hooks_stores_null(void **state)
{
    struct fixture *fixture = *state;
    struct car_records records = {.car_id = create_car(&fixture->tenant_a, 1, 1, "VIN1")};
    const struct effects_hooks no_elevation_hook = {.context = NULL};
    const struct fsm_effect effect = insert_position_effect(48.1, 11.5);

    apply_one(fixture, &records, &effect, NULL);
    apply_one(fixture, &records, &effect, &no_elevation_hook);
    assert_query(fixture, "2", "SELECT count(*) FROM positions WHERE tenant_id = '%s'"
                               " AND elevation IS NULL", TENANT_A);
}

static void test_unknown_location_never_asks(void **state)
{
    struct fixture *fixture = *state;
    struct car_records records = {.car_id = create_car(&fixture->tenant_a, 1, 1, "VIN1")};
    struct elevation_source source = {.known = true, .elevation_m = 7};
    const struct effects_hooks hooks = {.context = &source,
                                        .position_elevation = lookup_elevation};
    struct fsm_effect effect = insert_position_effect(48.1, 11.5);

    effect.insert_position.position.location_known = false;
    apply_one(fixture, &records, &effect, &hooks);
    assert_int_equal(source.calls, 0);
    assert_query(fixture, "0", "SELECT count(*) FROM positions WHERE tenant_id = '%s'",
                 TENANT_A);
}

static void test_charging_position_takes_hook_elevation(void **state)
{
    struct fixture *fixture = *state;
    struct car_records records = {.car_id = create_car(&fixture->tenant_a, 1, 1, "VIN1")};
    struct elevation_source source = {.known = true, .elevation_m = -12};
    const struct effects_hooks hooks = {.context = &source,
                                        .position_elevation = lookup_elevation};
    struct fsm_effect effect = {.type = FSM_EFFECT_START_CHARGING_PROCESS};

    effect.start_charging_process.date_ms = INT64_C(1554545942000);
    effect.start_charging_process.position =
        fsm_position_at(INT64_C(1554545942000), 52.394246, 13.542552);
    apply_one(fixture, &records, &effect, &hooks);
    assert_true(records.charging_process_id > 0);
    assert_int_equal(source.calls, 1);
    assert_query(fixture, "-12",
                 "SELECT p.elevation FROM charging_processes c JOIN positions p"
                 " ON p.id = c.position_id WHERE c.id = %" PRId64,
                 records.charging_process_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_position_takes_hook_elevation, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_elevation_stores_null, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_without_hooks_stores_null, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_location_never_asks, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_charging_position_takes_hook_elevation,
                                        fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
