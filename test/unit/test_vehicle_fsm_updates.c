/*
 * Vehicle state machine: software updates, ported from TeslaMate's
 * updating_test.exs and the firmware cases of vehicle_test.exs (scenario
 * sections U and V20-V23).
 *
 * Scenario -> test
 *   U1  full update cycle              test_full_update_cycle
 *   U2  unexpected status finishes     test_unexpected_status_finishes
 *   U3  update cancelled               test_update_cancelled (the record in
 *                                      progress is deleted, which TeslaMate
 *                                      meant but got wrong)
 *   V20 first start records firmware   test_first_start_records_firmware
 *   V21 missed firmware recorded       test_missed_firmware_recorded
 *   V22 older or equal not recorded    test_older_firmware_not_recorded
 *   V23 null car_version               test_null_car_version_warns
 *   asleep while updating              test_asleep_while_updating_finishes
 *                                      (TeslaMate crashes)
 * All run with use_streaming_api off, as in TeslaMate's updating tests.
 */
#include "fsm_script.h"

static struct vehicle_sample version_sample(int64_t ts_ms, const char *car_version)
{
    struct vehicle_sample sample = sample_online(ts_ms);

    sample.vehicle.timestamp_ms = known_int(ts_ms);
    snprintf(sample.vehicle.car_version, sizeof(sample.vehicle.car_version), "%s", car_version);
    return sample;
}

static void test_full_update_cycle(void **state)
{
    struct script *script = script_new();
    struct vehicle_sample no_vehicle_state = sample_online(SCRIPT_T0_MS + 3);
    const struct vehicle_summary *online;
    const struct vehicle_summary *updating;
    const struct fsm_effect *effect;

    (void)state;
    no_vehicle_state.has_vehicle_state = false;
    answer_samples(script, sample_update(SCRIPT_T0_MS - 1, "available", "", "2019.8.5 3aaa23d"),
                   2);
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 1, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 2, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, no_vehicle_state);
    answer_error(script, FETCH_ERROR_VEHICLE_UNAVAILABLE);
    answer_sample(script, sample_state("offline"));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 5, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 6, "", "2019.8.5 3aaa23d", ""));
    answer_block(script, sample_update(SCRIPT_T0_MS + 7, "", "2019.8.5 3aaa23d", ""));
    script_start(script);
    script_run_for(script, 200.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS - 1);
    assert_true(online->update_available.value);
    assert_string_equal(online->update_version, "2019.8.5");
    effect = script_expect_effect(script, FSM_EFFECT_START_UPDATE);
    assert_int_equal(effect->start_update.date_ms, SCRIPT_T0_MS);
    assert_string_equal(effect->start_update.from_version, "2019.8.4 530d1d3");
    updating = script_expect_summary(script, SUMMARY_STATE_UPDATING);
    assert_string_equal(updating->version, "2019.8.4");
    assert_true(updating->since_ms > online->since_ms);
    effect = script_expect_effect(script, FSM_EFFECT_FINISH_UPDATE);
    assert_string_equal(effect->finish_update.version, "2019.8.5 3aaa23d");
    assert_int_equal(effect->finish_update.date_ms, SCRIPT_T0_MS + 6);
    online = script_expect_online_entry(script, SCRIPT_T0_MS + 6);
    assert_string_equal(online->version, "2019.8.5");
    assert_int_equal(online->since_ms, SCRIPT_T0_MS + 6);  /* the new state row */
    script_expect_quiet(script);

    /* The partial result is discarded, and offline keeps the update open. */
    assert_int_equal(script_count_notices(script, FSM_NOTICE_INCOMPLETE_RESULT_DISCARDED), 1);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_OFFLINE_WHILE_UPDATING), 1);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_MISSED_UPDATE), 0);
}

static void test_unexpected_status_finishes(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;
    const struct vehicle_summary *online;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 2));
    answer_sample(script, sample_update(SCRIPT_T0_MS - 1, "available", "", "2019.8.5 3aaa23d"));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3", ""));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 1, "foo", "2019.8.5 3aaa23d", ""));
    answer_block(script, sample_update(SCRIPT_T0_MS + 2, "", "2019.8.5 3aaa23d", ""));
    script_start(script);
    script_run_for(script, 60.0);

    online = script_expect_online_entry(script, SCRIPT_T0_MS - 1);
    assert_true(online->update_available.value);
    assert_string_equal(online->update_version, "2019.8.5");
    assert_int_equal(script_expect_effect(script, FSM_EFFECT_START_UPDATE)->start_update.date_ms,
                     SCRIPT_T0_MS);
    script_expect_summary(script, SUMMARY_STATE_UPDATING);
    effect = script_expect_effect(script, FSM_EFFECT_FINISH_UPDATE);
    assert_string_equal(effect->finish_update.version, "2019.8.5 3aaa23d");
    assert_int_equal(effect->finish_update.date_ms, SCRIPT_T0_MS + 1);
    script_expect_online_entry(script, SCRIPT_T0_MS + 1);
    script_expect_quiet(script);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_UNEXPECTED_UPDATE_STATUS), 1);
}

static void test_update_cancelled(void **state)
{
    struct script *script = script_new();
    const struct vehicle_summary *summary;

    (void)state;
    script->start.latest_update.exists = false;
    answer_sample(script, sample_online(SCRIPT_T0_MS - 2));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3",
                                        "2019.8.5 3aaa23d"));
    answer_sample(script, sample_update(SCRIPT_T0_MS + 10, "available", "2019.8.4 530d1d3",
                                        "2019.8.5 3aaa23d"));
    answer_block(script, sample_online(SCRIPT_T0_MS + 11));
    script_start(script);
    script_run_for(script, 60.0);

    /* No update record yet: the running firmware is recorded first. */
    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    assert_string_equal(script_expect_effect(script, FSM_EFFECT_INSERT_MISSED_UPDATE)
                            ->missed_update.version,
                        "2019.8.4 530d1d3");
    script_expect_state(script, FSM_RECORDED_ONLINE, SCRIPT_T0_MS);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_effect(script, FSM_EFFECT_START_UPDATE);
    summary = script_expect_summary(script, SUMMARY_STATE_UPDATING);
    assert_string_equal(summary->version, "2019.8.4");
    assert_string_equal(summary->update_version, "2019.8.5");
    script_expect_effect(script, FSM_EFFECT_CANCEL_UPDATE);
    /* After the cancel, the missed update is the latest again: no insert. */
    summary = script_expect_online_entry(script, SCRIPT_T0_MS + 10);
    assert_string_equal(summary->version, "2019.8.4");
    assert_string_equal(summary->update_version, "2019.8.5");
    script_expect_quiet(script);
    assert_false(script->fsm.updates.open);
}

static void test_first_start_records_firmware(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    script->start.latest_update.exists = false;
    answer_sample(script, version_sample(SCRIPT_T0_MS, "42.42.42.0 b2ab650"));
    script_start(script);
    script_run_for(script, 1.0);

    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    effect = script_expect_effect(script, FSM_EFFECT_INSERT_MISSED_UPDATE);
    assert_string_equal(effect->missed_update.version, "42.42.42.0 b2ab650");
    assert_int_equal(effect->missed_update.date_ms, SCRIPT_T0_MS);
    script_expect_state(script, FSM_RECORDED_ONLINE, SCRIPT_T0_MS);
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_quiet(script);
}

static void test_missed_firmware_recorded(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    snprintf(script->start.latest_update.version, sizeof(script->start.latest_update.version),
             "2020.12.5 e2179e0650f0");
    answer_sample(script, version_sample(SCRIPT_T0_MS, "2020.12.10 e0ccfda3d911"));
    script_start(script);
    script_run_for(script, 1.0);

    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    effect = script_expect_effect(script, FSM_EFFECT_INSERT_MISSED_UPDATE);
    assert_string_equal(effect->missed_update.version, "2020.12.10 e0ccfda3d911");
    assert_int_equal(effect->missed_update.date_ms, SCRIPT_T0_MS);
}

static void test_older_firmware_not_recorded(void **state)
{
    struct script *script = script_new();
    const char *versions[] = { "2019.40.10.7 ad132c7b057e", "2019.40.10.6", "2019.40.2.6",
                               "2019.40.9" };
    const size_t count = sizeof(versions) / sizeof(versions[0]);

    (void)state;
    snprintf(script->start.latest_update.version, sizeof(script->start.latest_update.version),
             "2019.40.10.7 ad132c7b057e");
    for (size_t i = 0; i < count; i++) {
        answer_stamped(script, sample_online(0));
        answer_stamped(script, version_sample(0, versions[i]));
        answer_sample(script, sample_state("asleep"));
        answer_sample(script, sample_state("asleep"));
    }
    answer_block(script, sample_state("asleep"));
    script_start(script);
    script_run_for(script, 600.0);

    /* Each cycle: online at 35 i s, asleep seen 15 s later, recorded 10 s
     * after that, and online again at the next asleep poll. */
    for (size_t i = 0; i < count; i++) {
        char version[FSM_TEXT_SIZE];

        fsm_software_version_short(versions[i], version, sizeof(version));
        assert_string_equal(script_expect_online_entry(script, script_ms(35.0 * i))->version,
                            version);
        script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(35.0 * i + 25));
        script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    }
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_MISSED_UPDATE), 0);
}

static void test_null_car_version_warns(void **state)
{
    struct script *script = script_new();

    (void)state;
    script->start.latest_update.exists = false;
    answer_sample(script, version_sample(SCRIPT_T0_MS, ""));
    script_start(script);
    script_run_for(script, 1.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_MISSED_UPDATE), 0);
    assert_int_equal(script_count_notices(script, FSM_NOTICE_CAR_VERSION_MISSING), 1);
}

/*
 * TeslaMate has no handler for asleep while updating: the worker crashes
 * and the record stays open. Here the update is finished when the car is
 * next online, with the version it then reports, dated when it fell
 * asleep. That version is then not recorded again as a missed update.
 */
static void test_asleep_while_updating_finishes(void **state)
{
    struct script *script = script_new();
    const struct fsm_effect *effect;

    (void)state;
    answer_sample(script, sample_online(SCRIPT_T0_MS));
    answer_sample(script, sample_update(SCRIPT_T0_MS, "installing", "2019.8.4 530d1d3",
                                        "2019.8.5 3aaa23d"));
    answer_sample(script, sample_state("asleep"));
    answer_sample(script, sample_state("asleep"));
    answer_stamped(script, sample_online(0));
    answer_stamped(script, version_sample(0, "2019.8.5 3aaa23d"));
    answer_block(script, sample_online(SCRIPT_T0_MS + 1));
    script_start(script);
    script_run_for(script, 120.0);

    script_expect_online_entry(script, SCRIPT_T0_MS);
    script_expect_effect(script, FSM_EFFECT_START_UPDATE);
    script_expect_summary(script, SUMMARY_STATE_UPDATING);
    script_expect_state(script, FSM_RECORDED_ASLEEP, script_ms(15.0));
    script_expect_summary(script, SUMMARY_STATE_ASLEEP);
    script_expect_effect(script, FSM_EFFECT_UPDATE_CAR);
    effect = script_expect_effect(script, FSM_EFFECT_FINISH_UPDATE);
    assert_string_equal(effect->finish_update.version, "2019.8.5 3aaa23d");
    assert_int_equal(effect->finish_update.date_ms, script_ms(15.0));
    /* The asleep poll 10 s later, then every 30 s: online at 55 s. */
    script_expect_state(script, FSM_RECORDED_ONLINE, script_ms(55.0));
    script_expect_position(script, false);
    script_expect_summary(script, SUMMARY_STATE_ONLINE);
    script_expect_quiet(script);
    assert_int_equal(script_count(script, FSM_EFFECT_INSERT_MISSED_UPDATE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRIPT_TEST(test_full_update_cycle),
        SCRIPT_TEST(test_unexpected_status_finishes),
        SCRIPT_TEST(test_update_cancelled),
        SCRIPT_TEST(test_first_start_records_firmware),
        SCRIPT_TEST(test_missed_firmware_recorded),
        SCRIPT_TEST(test_older_firmware_not_recorded),
        SCRIPT_TEST(test_null_car_version_warns),
        SCRIPT_TEST(test_asleep_while_updating_finishes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
