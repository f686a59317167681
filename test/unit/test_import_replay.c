/*
 * Unit tests of the TeslaFi import's replay, without a database: the
 * recorded fixtures through the row mapper, the real vehicle state machine
 * and the batch, against TeslaMate's import test vectors, plus the
 * consumption and identity rules on small hand-written files.
 */
#include "import_test_support.h"

static const char *const fixture_01[] = {"01_complete/TeslaFi62016.csv",
                                         "01_complete/TeslaFi72016.csv", NULL};

static void fixture_01_matches_teslamate(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct replay_record *record = replay_fixtures("America/Los_Angeles", fixture_01, &options);

    assert_true(record->car_found);
    assert_string_equal(record->car.vin, "1YYSA1YYYFF08YYYY");
    assert_int_equal(record->car.vid, 1111111111);

    /* Row 2 only wakes the car up: online starts at row 3. */
    assert_int_equal(record->state_count, 2);
    assert_int_equal(record->states[0].state, FSM_RECORDED_ONLINE);
    expect_utc(record->states[0].start_ms, "2016-06-26T14:59:31Z");
    assert_int_equal(record->states[1].state, FSM_RECORDED_ASLEEP);
    expect_utc(record->states[1].start_ms, "2016-07-01T07:25:33Z");

    assert_int_equal(record->drive_count, 2);
    expect_utc(record->drives[0].start_ms, "2016-06-26T18:12:28Z");
    assert_true(record->drives[0].closed);
    assert_int_equal(record->drives[0].positions, 7);
    expect_utc(record->drives[1].start_ms, "2016-06-26T19:22:28Z");
    assert_int_equal(record->drives[1].positions, 25);

    /* The distance the recorder computes, bit for bit, from the odometers
     * the state machine rounded to 6 decimals. */
    assert_true(record->drives[0].last_odometer_km - record->drives[0].first_odometer_km ==
                1.2049430000006396);
    assert_true(record->drives[1].last_odometer_km - record->drives[1].first_odometer_km ==
                4.962514999999257);

    assert_int_equal(record->charging_count, 1);
    expect_utc(record->charging[0].start_ms, "2016-06-26T23:04:32Z");
    expect_utc(record->charging[0].end_ms, "2016-06-27T00:14:32Z");
    assert_true(record->charging[0].completed);
    assert_int_equal(record->charging[0].charges, 71);

    assert_int_equal(record->update_count, 1);
    assert_string_equal(record->updates[0].version, "2.20.30");
    expect_utc(record->updates[0].date_ms, "2016-06-26T14:59:31Z");

    assert_int_equal(record->positions, 38);
    assert_int_equal(record->rejection_count, 0);
    assert_int_equal(record->dropped[IMPORT_DROP_NO_STATE], 5);
    assert_int_equal(record->dropped[IMPORT_DROP_NO_LOCATION], 186 + 10);
    replay_record_free(record);
}

static void fixture_01_stops_at_date_limit(void **state)
{
    (void)state;
    /* The car's existing history begins at 19:22:28Z, drive 2's first row. */
    const struct import_replay_options options = {
        .has_date_limit = true,
        .date_limit_ms = INT64_C(1466968948000),
    };
    struct replay_record *record = replay_fixtures("America/Los_Angeles", fixture_01, &options);

    assert_int_equal(record->last_result, IMPORT_REPLAY_LIMIT_REACHED);
    assert_string_equal(record->stopped_file, "01_complete/TeslaFi62016.csv");
    assert_int_equal(record->stopped_row, 268);
    assert_int_equal(record->drive_count, 1);
    assert_true(record->drives[0].closed);
    assert_int_equal(record->charging_count, 0);
    assert_int_equal(record->state_count, 1);
    assert_int_equal(record->update_count, 1);
    replay_record_free(record);
}

static void fixture_03_car_found_later(void **state)
{
    (void)state;
    static const char *const files[] = {"03_empty/TeslaFi52018.csv",
                                        "03_empty/TeslaFi62018.csv", NULL};
    const struct import_replay_options options = {0};
    struct replay_record *record = replay_fixtures("Europe/Berlin", files, &options);

    assert_string_equal(record->car_file, "03_empty/TeslaFi62018.csv");
    assert_int_equal(record->car_row, 447);
    assert_int_equal(record->state_count, 2);
    assert_int_equal(record->states[0].state, FSM_RECORDED_ASLEEP);
    expect_utc(record->states[0].start_ms, "2018-04-30T22:00:14Z");
    assert_int_equal(record->states[1].state, FSM_RECORDED_ONLINE);
    expect_utc(record->states[1].start_ms, "2018-06-01T05:27:14Z");
    assert_int_equal(record->drive_count, 0);
    assert_int_equal(record->charging_count, 0);
    assert_int_equal(record->update_count, 1);
    assert_string_equal(record->updates[0].version, "2018.16 eac88a7");
    replay_record_free(record);
}

static void fixture_07_newer_format(void **state)
{
    (void)state;
    static const char *const files[] = {"07_alternative_variant/112023.csv", NULL};
    const struct import_replay_options options = {0};
    struct replay_record *record = replay_fixtures("America/Los_Angeles", files, &options);
    static const char *const starts[] = {"2023-11-01T10:18:11Z", "2023-11-01T15:55:12Z",
                                         "2023-11-01T22:49:11Z", "2023-11-01T23:34:12Z"};

    assert_int_equal(record->car.vid, 1);       /* every vehicle_id cell is empty */
    assert_string_equal(record->car.vin, "1YYSA1YYYFF08YYYY");
    assert_int_equal(record->state_count, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(record->states[i].state,
                         i % 2 == 0 ? FSM_RECORDED_ASLEEP : FSM_RECORDED_ONLINE);
        expect_utc(record->states[i].start_ms, starts[i]);
    }
    assert_int_equal(record->drive_count, 0);
    assert_int_equal(record->charging_count, 0);
    assert_int_equal(record->rejection_count, 0);
    replay_record_free(record);
}

static void fixture_08_malformed_row(void **state)
{
    (void)state;
    static const char *const files[] = {"08_resilient/TeslaFi12018.csv", NULL};
    const struct import_replay_options options = {0};
    struct replay_record *record = replay_fixtures("Etc/UTC", files, &options);

    assert_int_equal(record->rejection_count, 1);
    assert_int_equal(record->rejections[0].row, 3);
    assert_int_equal(record->rejections[0].reason, IMPORT_REJECT_INVALID_FIELDS);
    assert_int_equal(record->rejections[0].field_count, 2);
    assert_string_equal(record->rejections[0].fields[0], "drive_state.latitude");
    assert_string_equal(record->rejections[0].fields[1], "drive_state.longitude");

    assert_int_equal(record->state_count, 1);
    expect_utc(record->states[0].start_ms, "2018-01-01T10:02:00Z");
    assert_int_equal(record->positions, 2);     /* state entry and drive start */
    assert_int_equal(record->drive_count, 1);
    assert_false(record->drives[0].closed);     /* the data ends mid-drive */
    assert_int_equal(record->update_count, 0);  /* no car_version column */
    replay_record_free(record);
}

static void fixture_04_has_no_car(void **state)
{
    (void)state;
    static const char *const files[] = {"04_error/TeslaFi110017.csv",
                                        "04_error/TeslaFi112017.csv",
                                        "04_error/TeslaFi122017.csv", NULL};
    const struct import_replay_options options = {0};
    struct replay_record *record = replay_fixtures("Europe/Berlin", files, &options);

    assert_false(record->car_found);
    assert_int_equal(record->rejection_count, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(record->rejection_files[i], "04_error/TeslaFi122017.csv");
        assert_int_equal(record->rejections[i].row, (long)i + 2);
        assert_int_equal(record->rejections[i].field_count, 3);
        assert_string_equal(record->rejections[i].fields[0], "charge_state.charge_energy_added");
    }
    replay_record_free(record);
}

/* ---- small files ---------------------------------------------------------- */

#define HEADER "Date,vehicle_id,vin,state,latitude,longitude,shift_state,odometer," \
               "ideal_battery_range,battery_range,car_version\n"

struct small_replay {
    struct import_zone zone;
    struct import_batch batch;
    struct import_replay replay;
    struct import_row row;
    enum import_replay_result results[32];
    size_t result_count;
    struct import_rejection conflict;
};

/* Replays every kept row of `csv` for car 5YJ3E1EA7KF000001 / 42. */
static struct small_replay *replay_text(const char *csv, const struct import_replay_options *options)
{
    struct small_replay *small = calloc(1, sizeof(*small));
    struct import_file_data data = {.bytes = (char *)csv, .size = strlen(csv)};
    struct import_row_options row_options = {.fallback_vehicle_id = 1};
    const struct import_car car = {.vin = "5YJ3E1EA7KF000001", .vid = 42};
    struct import_scan scan;

    assert_non_null(small);
    assert_true(import_zone_init(&small->zone, "Etc/UTC"));
    import_batch_init(&small->batch);
    import_replay_init(&small->replay, &car, options, &small->batch);
    assert_true(import_scan_open(&scan, "small.csv", &data, &small->zone, &row_options));
    while (import_scan_next(&scan, &small->row) == IMPORT_SCAN_ROW && small->result_count < 32) {
        if (small->row.kind == IMPORT_ROW_VEHICLE)
            small->results[small->result_count++] =
                import_replay_row(&small->replay, &small->row, &small->conflict);
    }
    import_scan_close(&scan);
    return small;
}

static void small_replay_free(struct small_replay *small)
{
    import_batch_free(&small->batch);
    free(small);
}

static void wake_up_consumes_two_rows(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:01:00,42,,online,1.0,2.0,,100.0,200.0,190.0,2020.4.1\n"
               "2020-01-01 10:02:00,42,,online,1.0,2.0,,100.0,200.0,190.0,2020.4.1\n",
        &options);

    assert_int_equal(small->batch.state_count, 2);
    assert_int_equal(small->batch.states[0].state, FSM_RECORDED_ASLEEP);
    expect_utc(small->batch.states[0].start_ms, "2020-01-01T10:00:00Z");
    /* The 10:01 row only signals the wake-up. */
    assert_int_equal(small->batch.states[1].state, FSM_RECORDED_ONLINE);
    expect_utc(small->batch.states[1].start_ms, "2020-01-01T10:02:00Z");
    expect_utc(small->batch.updates[0].date_ms, "2020-01-01T10:02:00Z");
    small_replay_free(small);
}

static void one_asleep_row_changes_nothing(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:01:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:02:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:03:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:04:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:05:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:06:00,42,,asleep,,,,,,,\n",
        &options);

    /* One asleep row only leaves online, and the car is back online; two
     * in a row start asleep at the second. */
    assert_int_equal(small->batch.state_count, 2);
    assert_int_equal(small->batch.states[0].state, FSM_RECORDED_ONLINE);
    expect_utc(small->batch.states[0].start_ms, "2020-01-01T10:01:00Z");
    assert_int_equal(small->batch.states[1].state, FSM_RECORDED_ASLEEP);
    expect_utc(small->batch.states[1].start_ms, "2020-01-01T10:06:00Z");
    small_replay_free(small);
}

static void stale_online_row_is_dropped(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:01:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 09:00:00,42,,online,1.0,2.0,D,100.0,200.0,190.0,\n"
               "2020-01-01 10:02:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n",
        &options);

    /* The 09:00 row, older than the last accepted one, starts no drive. */
    assert_int_equal(small->batch.drive_count, 0);
    assert_int_equal(small->result_count, 4);
    assert_int_equal(small->results[2], IMPORT_REPLAY_SERVED);
    small_replay_free(small);
}

static void drive_positions_use_row_times(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:01:00,42,,online,1.0,2.0,,100.0,200.0,190.0,\n"
               "2020-01-01 10:02:00,42,,online,1.0,2.0,D,100.0,200.0,190.0,\n"
               "2020-01-03 10:02:10,42,,online,1.1,2.0,D,101.0,199.0,189.0,\n"
               "2020-01-03 10:02:20,42,,online,1.2,2.0,P,102.0,198.0,188.0,\n",
        &options);

    /* No simulated clock: a gap of two days changes nothing but the dates. */
    assert_int_equal(small->batch.drive_count, 1);
    assert_true(small->batch.drives[0].closed);
    expect_utc(small->batch.drives[0].start_ms, "2020-01-01T10:02:00Z");
    assert_int_equal(small->batch.position_count, 5);
    expect_utc(small->batch.positions[3].position.date_ms, "2020-01-03T10:02:20Z");
    small_replay_free(small);
}

static void other_car_rows(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,5YJ3E1EA7KF000001,asleep,,,,,,,\n"
               "2020-01-01 10:01:00,42,5YJ3E1EA7KF000002,asleep,,,,,,,\n"
               "2020-01-01 10:02:00,,5YJ3E1EA7KF000002,asleep,,,,,,,\n"
               "2020-01-01 10:03:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:04:00,43,5YJ3E1EA7KF000002,asleep,,,,,,,\n",
        &options);

    assert_int_equal(small->result_count, 5);
    assert_int_equal(small->results[0], IMPORT_REPLAY_SERVED);
    /* Another VIN with the car's vehicle id, or with none in the row. */
    assert_int_equal(small->results[1], IMPORT_REPLAY_CONFLICT);
    assert_int_equal(small->results[2], IMPORT_REPLAY_CONFLICT);
    assert_int_equal(small->results[3], IMPORT_REPLAY_SERVED);
    /* Another VIN and another vehicle id: another car. */
    assert_int_equal(small->results[4], IMPORT_REPLAY_VEHICLE_CHANGED);
    small_replay_free(small);
}

static void conflict_is_a_rejection(void **state)
{
    (void)state;
    const struct import_replay_options options = {0};
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:01:00,42,5YJ3E1EA7KF000002,asleep,,,,,,,\n", &options);

    assert_int_equal(small->results[0], IMPORT_REPLAY_CONFLICT);
    assert_int_equal(small->conflict.row, 2);
    assert_int_equal(small->conflict.reason, IMPORT_REJECT_VEHICLE_CONFLICT);
    assert_int_equal(small->conflict.field_count, 0);
    assert_int_equal(small->batch.state_count, 0);
    small_replay_free(small);
}

static void date_limit_is_exclusive(void **state)
{
    (void)state;
    const struct import_replay_options options = {
        .has_date_limit = true,
        .date_limit_ms = INT64_C(1577872860000),    /* 2020-01-01T10:01:00Z */
    };
    struct small_replay *small = replay_text(
        HEADER "2020-01-01 10:00:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:00:59,42,,asleep,,,,,,,\n"
               "2020-01-01 10:01:00,42,,asleep,,,,,,,\n"
               "2020-01-01 10:02:00,42,,asleep,,,,,,,\n",
        &options);

    assert_int_equal(small->results[0], IMPORT_REPLAY_SERVED);
    assert_int_equal(small->results[1], IMPORT_REPLAY_SERVED);
    assert_int_equal(small->results[2], IMPORT_REPLAY_LIMIT_REACHED);
    assert_int_equal(small->results[3], IMPORT_REPLAY_LIMIT_REACHED);
    assert_int_equal(small->replay.served_rows, 2);
    small_replay_free(small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_01_matches_teslamate),
        cmocka_unit_test(fixture_01_stops_at_date_limit),
        cmocka_unit_test(fixture_03_car_found_later),
        cmocka_unit_test(fixture_07_newer_format),
        cmocka_unit_test(fixture_08_malformed_row),
        cmocka_unit_test(fixture_04_has_no_car),
        cmocka_unit_test(wake_up_consumes_two_rows),
        cmocka_unit_test(one_asleep_row_changes_nothing),
        cmocka_unit_test(stale_online_row_is_dropped),
        cmocka_unit_test(drive_positions_use_row_times),
        cmocka_unit_test(other_car_rows),
        cmocka_unit_test(conflict_is_a_rejection),
        cmocka_unit_test(date_limit_is_exclusive),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
