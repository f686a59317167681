/* Unit tests for numeric_text: shortest round-trip decimal text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numeric_text.h"

struct format_case {
    double value;
    const char *expected;
};

static void assert_formats(double value, const char *expected)
{
    char text[NUMERIC_TEXT_SIZE];

    assert_true(numeric_text_format(value, text));
    assert_string_equal(text, expected);
}

static void test_format_shortest_decimals(void **state)
{
    (void)state;
    static const struct format_case cases[] = {
        {1.005, "1.005"},
        {0.1, "0.1"},
        {0.160, "0.16"},
        {15.25, "15.25"},
        {-1.9155, "-1.9155"},
        {284.85156, "284.85156"},
        {288.045561, "288.045561"},
        {12.454999999999998, "12.454999999999998"},
        {1.7320508075688772, "1.7320508075688772"},
        {0.153, "0.153"},
        {99999.9999, "99999.9999"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_formats(cases[i].value, cases[i].expected);
}

static void test_format_arithmetic_results(void **state)
{
    (void)state;

    assert_formats(0.1 + 0.2, "0.30000000000000004");
    assert_formats(288.045561 - 284.85156, "3.1940010000000143");
}

static void test_format_integers_without_point(void **state)
{
    (void)state;

    assert_formats(15.0, "15");
    assert_formats(100.0, "100");
    assert_formats(-7.0, "-7");
    assert_formats(32767.0, "32767");
    assert_formats(1e20, "100000000000000000000");
}

static void test_format_zero_and_negative_zero(void **state)
{
    (void)state;

    assert_formats(0.0, "0");
    assert_formats(-0.0, "-0");
}

static void test_format_exponent_outside_range(void **state)
{
    (void)state;

    assert_formats(1e-7, "0.0000001");
    assert_formats(2.5e-5, "0.000025");
    assert_formats(1e-8, "1e-08");
    assert_formats(1e21, "1e+21");
    assert_formats(1.5e21, "1.5e+21");
    assert_formats(5e-324, "5e-324");
    assert_formats(DBL_MAX, "1.7976931348623157e+308");
    assert_formats(-DBL_MIN, "-2.2250738585072014e-308");
}

static void test_format_rejects_non_finite(void **state)
{
    (void)state;
    char text[NUMERIC_TEXT_SIZE] = "x";

    assert_false(numeric_text_format(NAN, text));
    assert_string_equal(text, "");
    assert_false(numeric_text_format(INFINITY, text));
    assert_false(numeric_text_format(-INFINITY, text));
}

/* xorshift64: a fixed pseudo-random sequence, so failures reproduce. */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

static double random_double(uint64_t *seed)
{
    uint64_t bits = next_random(seed);
    double value;

    memcpy(&value, &bits, sizeof(value));
    return value;
}

/* Digits from the first to the last non-zero one, before any exponent. */
static int significant_digits(const char *text)
{
    int first = -1;
    int last = -1;
    int position = 0;

    for (const char *c = text; *c != '\0' && *c != 'e'; c++) {
        if (*c < '0' || *c > '9')
            continue;
        if (*c != '0') {
            if (first < 0)
                first = position;
            last = position;
        }
        position++;
    }
    return first < 0 ? 1 : last - first + 1;
}

/* Every finite double reads back bit for bit, and one digit fewer
 * would not have done so. */
static void test_format_round_trips_random_doubles(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    int checked = 0;

    while (checked < 100000) {
        double value = random_double(&seed);
        char text[NUMERIC_TEXT_SIZE];
        char shorter[400];

        if (!isfinite(value))
            continue;
        assert_true(numeric_text_format(value, text));

        double read_back = strtod(text, NULL);
        assert_memory_equal(&read_back, &value, sizeof(value));

        int significant = significant_digits(text);
        if (significant > 1) {
            snprintf(shorter, sizeof(shorter), "%.*e", significant - 2, value);
            assert_true(strtod(shorter, NULL) != value);
        }
        checked++;
    }
}

/* Values of the kind the collector stores: ranges and odometers read back
 * from decimal inputs, in the magnitudes that occur. */
static void test_format_decimal_inputs_unchanged(void **state)
{
    (void)state;
    char input[32];
    char text[NUMERIC_TEXT_SIZE];

    for (int hundredths = -100000; hundredths <= 100000; hundredths += 7) {
        snprintf(input, sizeof(input), "%d.%02d", hundredths / 100, abs(hundredths % 100));
        if (hundredths < 0 && hundredths > -100)
            snprintf(input, sizeof(input), "-0.%02d", -hundredths);
        double value = strtod(input, NULL);

        assert_true(numeric_text_format(value, text));
        assert_true(strtod(text, NULL) == value);
        assert_true(strlen(text) <= strlen(input));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_shortest_decimals),
        cmocka_unit_test(test_format_arithmetic_results),
        cmocka_unit_test(test_format_integers_without_point),
        cmocka_unit_test(test_format_zero_and_negative_zero),
        cmocka_unit_test(test_format_exponent_outside_range),
        cmocka_unit_test(test_format_rejects_non_finite),
        cmocka_unit_test(test_format_round_trips_random_doubles),
        cmocka_unit_test(test_format_decimal_inputs_unchanged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
