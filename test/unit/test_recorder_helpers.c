/* Unit tests for the recorder's pure helpers: phase detection, timestamp
 * text, and the names of its enums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "recorder.h"

static const struct opt_double no_ratio = {0};
static const struct opt_int64 no_phases = {0};

static struct opt_double ratio(double value)
{
    return (struct opt_double){.known = true, .value = value};
}

static struct opt_int64 phases(int64_t value)
{
    return (struct opt_int64){.known = true, .value = value};
}

struct phase_case {
    const char *name;
    struct opt_double ratio;
    struct opt_int64 reported;
    int64_t samples;
    bool expected_known;
    double expected;
};

static void test_detect_phases_table(void **state)
{
    (void)state;
    const double sqrt3 = 1.7320508075688772;
    const struct phase_case cases[] = {
        {"reported matches ratio", ratio(2.974954588992651), phases(3), 92, true, 3},
        {"phase correction 2 to 3", ratio(2.8545401683818064), phases(2), 139, true, 3},
        {"phase correction 2 to 1", ratio(0.7739640864029136), phases(2), 159, true, 1},
        {"voltage correction", ratio(1.67599044983154), phases(3), 109, true, sqrt3},
        {"voltage correction p2", ratio(1.6358144901527794), phases(3), 151, true, sqrt3},
        {"ratio rounds to 0", ratio(0.2729), phases(3), 20, false, 0},
        {"no rule matches", ratio(2.4359), phases(1), 20, false, 0},
        {"15 samples are too few", ratio(2.0), phases(2), 15, false, 0},
        {"16 samples are enough", ratio(2.0), phases(2), 16, true, 2},
        {"no ratio (current 0)", no_ratio, no_phases, 200, false, 0},
        {"zero ratio", ratio(0.0), phases(1), 200, false, 0},
        {"negative ratio", ratio(-1.0), phases(1), 200, false, 0},
        {"no reported phases, near integer", ratio(2.8), no_phases, 50, true, 3},
        {"no reported phases, far from integer", ratio(2.5), no_phases, 50, false, 0},
        {"half rounds away from zero", ratio(2.5), phases(3), 50, true, 3},
        {"within 0.3 of an integer", ratio(1.25), phases(3), 50, true, 1},
        {"beyond 0.3 of an integer", ratio(1.35), phases(3), 50, false, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double detected = -1;
        bool known = recorder_detect_phases(cases[i].ratio, cases[i].reported, cases[i].samples,
                                            &detected);

        if (known != cases[i].expected_known || (known && detected != cases[i].expected))
            fail_msg("%s: expected %s %.17g, got %s %.17g", cases[i].name,
                     cases[i].expected_known ? "phases" : "none", cases[i].expected,
                     known ? "phases" : "none", detected);
    }
}

static void test_sqrt3_phases_exact(void **state)
{
    (void)state;
    double detected = 0;

    assert_true(recorder_detect_phases(ratio(1.7), phases(3), 20, &detected));
    assert_true(detected == sqrt(3.0));
    assert_true(detected == 1.7320508075688772);
}

static void test_time_format(void **state)
{
    (void)state;
    char text[RECORDER_TIME_TEXT_SIZE];

    recorder_time_format(0, text);
    assert_string_equal(text, "1970-01-01 00:00:00.000000");
    recorder_time_format(INT64_C(1554545942) * 1000000 + 123456, text);
    assert_string_equal(text, "2019-04-06 10:19:02.123456");
    recorder_time_format(-1, text);
    assert_string_equal(text, "1969-12-31 23:59:59.999999");
}

static void test_time_parse(void **state)
{
    (void)state;
    int64_t date_us = 0;

    assert_true(recorder_time_parse("2019-04-06 10:19:02", &date_us));
    assert_int_equal(date_us, INT64_C(1554545942) * 1000000);
    assert_true(recorder_time_parse("2019-10-24 06:43:48.022", &date_us));
    assert_int_equal(date_us % 1000000, 22000);
    assert_true(recorder_time_parse("2019-04-06 10:19:02.123456", &date_us));
    assert_int_equal(date_us, INT64_C(1554545942) * 1000000 + 123456);
    assert_true(recorder_time_parse("1969-12-31 23:59:59.5", &date_us));
    assert_int_equal(date_us, -500000);
}

static void test_time_parse_rejects(void **state)
{
    (void)state;
    const char *const bad[] = {
        "", "2019-04-06", "2019-04-06T10:19:02Z", "2019-04-06 10:19:02.", "2019-04-06 10:19:02.1234567",
        "2019-04-06 10:19:02 BC", "infinity", "2019-04-06 10:19:02+00",
    };
    int64_t date_us = 0;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (recorder_time_parse(bad[i], &date_us))
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void test_time_round_trip(void **state)
{
    (void)state;
    char text[RECORDER_TIME_TEXT_SIZE];
    int64_t read_back = 0;

    for (int64_t date_us = -INT64_C(2000000000000000); date_us < INT64_C(4000000000000000);
         date_us += INT64_C(123456789012345)) {
        recorder_time_format(date_us, text);
        assert_true(recorder_time_parse(text, &read_back));
        assert_int_equal(read_back, date_us);
    }
}

static void test_enum_names(void **state)
{
    (void)state;
    enum state_status status;

    assert_string_equal(recorder_status_name(RECORDER_OK), "ok");
    assert_string_equal(recorder_status_name(RECORDER_CONSTRAINT_VIOLATION), "constraint violation");
    assert_string_equal(recorder_status_name(RECORDER_STATUS_COUNT), "unknown");
    assert_string_equal(state_status_name(STATE_STATUS_ASLEEP), "asleep");
    assert_true(state_status_parse("offline", &status));
    assert_int_equal(status, STATE_STATUS_OFFLINE);
    assert_false(state_status_parse("driving", &status));
    assert_string_equal(car_column_name(CAR_COLUMN_TRIM_BADGING), "trim_badging");
    assert_string_equal(car_column_name(CAR_COLUMN_COUNT), "unknown");
    assert_int_equal(CAR_COLUMNS_ALL, (1u << CAR_COLUMN_COUNT) - 1u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_phases_table),
        cmocka_unit_test(test_sqrt3_phases_exact),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_parse_rejects),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_enum_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
