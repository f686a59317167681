/*
 * Unit tests of the TeslaFi CSV reader: dialect variants, row numbering,
 * TeslaMate's value rules, dates and time zones, file names, API sections
 * and type checks, and one real export from the shared data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "teslafi.h"

static struct teslafi_reader *open_text(const char *text)
{
    struct teslafi_error error = {{0}};
    struct teslafi_reader *reader = teslafi_open_buffer("test.csv", text, strlen(text), &error);

    if (reader == NULL)
        fail_msg("open failed: %s", error.message);
    return reader;
}

static enum teslafi_read_status next(struct teslafi_reader *reader)
{
    struct teslafi_error error;

    return teslafi_next_row(reader, &error);
}

static const char *cell(struct teslafi_reader *reader, const char *column)
{
    return teslafi_cell(reader, teslafi_column_index(reader, column));
}

/* ---- Dialect ----------------------------------------------------------- */

static void reader_reads_plain_rows(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("Date,state,speed\n"
                                              "2018-01-01 10:00:00,online,10\n"
                                              "2018-01-01 10:01:00,asleep,\n");

    assert_int_equal(teslafi_column_count(reader), 3);
    assert_string_equal(teslafi_column_name(reader, 2), "speed");
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_row_number(reader), 2);
    assert_string_equal(cell(reader, "state"), "online");
    assert_string_equal(cell(reader, "speed"), "10");
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_row_number(reader), 3);
    assert_string_equal(cell(reader, "speed"), "");
    assert_int_equal(next(reader), TESLAFI_READ_END);
    assert_int_equal(next(reader), TESLAFI_READ_END);
    teslafi_close(reader);
}

static void reader_strips_bom_and_unquotes(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("\xEF\xBB\xBF"
                                              "data_id,Date,display_name\r\n"
                                              "1,\"2016-06-26 07:58:31\",\"a, \"\"quoted\"\"\r\nname\"\r\n"
                                              "2,\"\",plain\r\n");

    assert_string_equal(teslafi_column_name(reader, 0), "data_id");
    assert_int_equal(teslafi_column_index(reader, "data_id"), 0);
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_string_equal(cell(reader, "Date"), "2016-06-26 07:58:31");
    assert_string_equal(cell(reader, "display_name"), "a, \"quoted\"\r\nname");
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_string_equal(cell(reader, "Date"), "");
    assert_string_equal(cell(reader, "display_name"), "plain");
    assert_int_equal(next(reader), TESLAFI_READ_END);
    teslafi_close(reader);
}

static void reader_counts_blank_lines(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("Date,state\n\na,b\n\r\n\nc,d");

    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_row_number(reader), 3);
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_row_number(reader), 6);
    assert_string_equal(cell(reader, "state"), "d");
    assert_int_equal(next(reader), TESLAFI_READ_END);
    teslafi_close(reader);
}

static void reader_reports_field_count_mismatch(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("a,b,c\n1,2\n1,2,3,4\n1,2,3\n");
    struct teslafi_error error;

    assert_int_equal(teslafi_next_row(reader, &error), TESLAFI_READ_COLUMN_MISMATCH);
    assert_int_equal(teslafi_row_number(reader), 2);
    assert_int_equal(teslafi_row_field_count(reader), 2);
    assert_non_null(strstr(error.message, "row 2"));
    assert_int_equal(next(reader), TESLAFI_READ_COLUMN_MISMATCH);
    assert_int_equal(teslafi_row_field_count(reader), 4);
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_row_number(reader), 4);
    teslafi_close(reader);
}

static void reader_stops_at_unterminated_quote(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("a,b\n1,2\n3,\"open\n4,5\n");
    struct teslafi_error error;

    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_int_equal(teslafi_next_row(reader, &error), TESLAFI_READ_SYNTAX_ERROR);
    assert_non_null(strstr(error.message, "row 3"));
    assert_int_equal(next(reader), TESLAFI_READ_SYNTAX_ERROR);
    teslafi_close(reader);
}

static void reader_rejects_text_after_quote(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("a,b\n\"1\"x,2\n");

    assert_int_equal(next(reader), TESLAFI_READ_SYNTAX_ERROR);
    teslafi_close(reader);
}

static void reader_rejects_other_delimiter(void **state)
{
    (void)state;
    const char *text = "Date;state;speed\n2018-01-01 10:00:00;online;10\n";
    struct teslafi_error error = {{0}};

    assert_null(teslafi_open_buffer("semicolon.csv", text, strlen(text), &error));
    assert_non_null(strstr(error.message, "semicolon.csv"));
    assert_non_null(strstr(error.message, "single column"));
}

static void reader_accepts_empty_and_header_only(void **state)
{
    (void)state;
    struct teslafi_reader *empty = open_text("");
    struct teslafi_reader *header = open_text("\xEF\xBB\xBF" "Date,state\n");
    struct teslafi_reader *one_column = open_text("Date\n");

    assert_int_equal(teslafi_column_count(empty), 0);
    assert_int_equal(next(empty), TESLAFI_READ_END);
    assert_int_equal(teslafi_column_count(header), 2);
    assert_int_equal(next(header), TESLAFI_READ_END);
    assert_int_equal(teslafi_column_count(one_column), 1);
    teslafi_close(empty);
    teslafi_close(header);
    teslafi_close(one_column);
}

static void reader_later_duplicate_column_wins(void **state)
{
    (void)state;
    struct teslafi_reader *reader = open_text("speed,state,speed\n1,online,2\n");

    assert_int_equal(teslafi_column_index(reader, "speed"), 2);
    assert_false(teslafi_column_is_effective(reader, 0));
    assert_true(teslafi_column_is_effective(reader, 1));
    assert_true(teslafi_column_is_effective(reader, 2));
    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_string_equal(cell(reader, "speed"), "2");
    assert_null(cell(reader, "missing"));
    teslafi_close(reader);
}

static void reader_names_missing_file(void **state)
{
    (void)state;
    struct teslafi_error error = {{0}};

    assert_null(teslafi_open_file("/nonexistent/TeslaFi62016.csv", &error));
    assert_non_null(strstr(error.message, "/nonexistent/TeslaFi62016.csv"));
}

/* ---- Values ------------------------------------------------------------ */

struct conversion_case {
    const char *column;
    const char *cell;
    enum teslafi_value_kind kind;
    int64_t integer;
    double number;
    bool boolean;
    const char *text;
};

static void convert_applies_import_rules(void **state)
{
    (void)state;
    const struct conversion_case cases[] = {
        {"speed", "", TESLAFI_VALUE_NULL, 0, 0, false, NULL},
        {"speed", "None", TESLAFI_VALUE_NULL, 0, 0, false, NULL},
        {"speed", "none", TESLAFI_VALUE_NULL, 0, 0, false, NULL},
        {"locked", "True", TESLAFI_VALUE_BOOLEAN, 0, 0, true, NULL},
        {"locked", "FALSE", TESLAFI_VALUE_BOOLEAN, 0, 0, false, NULL},
        {"speed", "15", TESLAFI_VALUE_INTEGER, 15, 15, false, NULL},
        {"power", "-7", TESLAFI_VALUE_INTEGER, -7, -7, false, NULL},
        {"odometer", "13927.469928", TESLAFI_VALUE_FLOAT, 0, 13927.469928, false, NULL},
        {"odometer", "1e3", TESLAFI_VALUE_FLOAT, 0, 1000, false, NULL},
        {"latitude", ".5", TESLAFI_VALUE_TEXT, 0, 0, false, ".5"},
        {"latitude", "1.", TESLAFI_VALUE_TEXT, 0, 0, false, "1."},
        {"shift_state", "D", TESLAFI_VALUE_TEXT, 0, 0, false, "D"},
        {"trim_badging", "74D", TESLAFI_VALUE_TEXT, 0, 0, false, "74D"},
        {"car_version", "2.20.30", TESLAFI_VALUE_TEXT, 0, 0, false, "2.20.30"},
        {"battery_level", "28.01", TESLAFI_VALUE_INTEGER, 28, 28, false, NULL},
        {"battery_level", "28.5", TESLAFI_VALUE_INTEGER, 29, 29, false, NULL},
        {"usable_battery_level", "-2.5", TESLAFI_VALUE_INTEGER, -3, -3, false, NULL},
        {"battery_level", "full", TESLAFI_VALUE_TEXT, 0, 0, false, "full"},
        {"battery_heater_on", "0", TESLAFI_VALUE_BOOLEAN, 0, 0, false, NULL},
        {"is_climate_on", "3", TESLAFI_VALUE_BOOLEAN, 0, 0, true, NULL},
        {"is_climate_on", "1.0", TESLAFI_VALUE_FLOAT, 0, 1, false, NULL},
        {"display_name", "82420", TESLAFI_VALUE_TEXT, 0, 0, false, "82420"},
        {"vehicle_name", "007", TESLAFI_VALUE_TEXT, 0, 0, false, "007"},
        {"display_name", "True", TESLAFI_VALUE_BOOLEAN, 0, 0, true, NULL},
        {"state", "waking", TESLAFI_VALUE_TEXT, 0, 0, false, "online"},
        {"state", "shutdown", TESLAFI_VALUE_TEXT, 0, 0, false, "online"},
        {"state", "asleep", TESLAFI_VALUE_TEXT, 0, 0, false, "asleep"},
        {"scheduled_charging_start_time", "1467014400", TESLAFI_VALUE_NULL, 0, 0, false, NULL},
        {"vehicle_id", "1111111111", TESLAFI_VALUE_INTEGER, 1111111111, 1111111111, false, NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct conversion_case *expected = &cases[i];
        struct teslafi_value value = teslafi_convert(expected->column, expected->cell);

        if (value.kind != expected->kind)
            fail_msg("%s=\"%s\": kind %s, expected %s", expected->column, expected->cell,
                     teslafi_value_kind_name(value.kind), teslafi_value_kind_name(expected->kind));
        if (expected->kind == TESLAFI_VALUE_INTEGER)
            assert_int_equal(value.integer, expected->integer);
        if (expected->kind == TESLAFI_VALUE_INTEGER || expected->kind == TESLAFI_VALUE_FLOAT)
            assert_true(value.number == expected->number);
        if (expected->kind == TESLAFI_VALUE_BOOLEAN)
            assert_int_equal(value.boolean, expected->boolean);
        if (expected->kind == TESLAFI_VALUE_TEXT)
            assert_string_equal(value.text, expected->text);
    }
    assert_int_equal(teslafi_convert("speed", NULL).kind, TESLAFI_VALUE_NULL);
}

static void accessors_return_typed_values(void **state)
{
    (void)state;
    struct teslafi_reader *reader =
        open_text("vin,odometer,speed,locked,shift_state,power\n"
                  "1YYSA1YYYFF08YYYY,13927.07505,15,True,None,\n");
    const char *text = "unchanged";
    int64_t integer = -1;
    double number = -1;
    bool boolean = false;

    assert_int_equal(next(reader), TESLAFI_READ_ROW);
    assert_true(teslafi_get_text(reader, "vin", &text));
    assert_string_equal(text, "1YYSA1YYYFF08YYYY");
    assert_true(teslafi_get_double(reader, "odometer", &number));
    assert_true(number == 13927.07505);
    assert_true(teslafi_get_int64(reader, "speed", &integer));
    assert_int_equal(integer, 15);
    assert_true(teslafi_get_double(reader, "speed", &number));
    assert_true(number == 15.0);
    assert_true(teslafi_get_bool(reader, "locked", &boolean));
    assert_true(boolean);

    integer = -1;
    assert_false(teslafi_get_int64(reader, "odometer", &integer));
    assert_false(teslafi_get_text(reader, "shift_state", &text));
    assert_false(teslafi_get_int64(reader, "power", &integer));
    assert_false(teslafi_get_double(reader, "missing", &number));
    assert_int_equal(integer, -1);
    teslafi_close(reader);
}

/* ---- Dates and zones --------------------------------------------------- */

static void parse_date_accepts_three_shapes(void **state)
{
    (void)state;
    struct teslafi_local_time time;

    assert_true(teslafi_parse_date("2016-06-26 07:58:31", &time));
    assert_int_equal(time.year, 2016);
    assert_int_equal(time.month, 6);
    assert_int_equal(time.day, 26);
    assert_int_equal(time.hour, 7);
    assert_int_equal(time.minute, 58);
    assert_int_equal(time.second, 31);

    assert_true(teslafi_parse_date("2018-1-2 3:4:5", &time));
    assert_int_equal(time.month, 1);
    assert_int_equal(time.second, 5);

    assert_true(teslafi_parse_date("11/01/2017 11:02:16 AM", &time));
    assert_int_equal(time.month, 11);
    assert_int_equal(time.day, 1);
    assert_int_equal(time.hour, 11);
    assert_true(teslafi_parse_date("11/01/2017 12:02:16 AM", &time));
    assert_int_equal(time.hour, 0);
    assert_true(teslafi_parse_date("11/01/2017 12:02:16 PM", &time));
    assert_int_equal(time.hour, 12);
    assert_true(teslafi_parse_date("2/3/2017 1:02:16 PM", &time));
    assert_int_equal(time.hour, 13);

    assert_true(teslafi_parse_date("11/01/2017 00:01", &time));
    assert_int_equal(time.hour, 0);
    assert_int_equal(time.minute, 1);
    assert_int_equal(time.second, 0);
}

static void parse_date_rejects_other_text(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "2016-06-26", "2016-06-26T07:58:31", "2016-06-26 07:58:31Z",
        "2016-06-26 07:58:31 ", "2016-13-01 00:00:00", "2016-02-30 00:00:00",
        "2016-06-26 24:00:00", "11/01/2017 13:02:16 PM", "11/01/2017 11:02:16 am",
        "11/01/2017 11:02:16", "11/01/17 11:02", "16-06-26 07:58:31", "PRIVATE",
    };
    struct teslafi_local_time time;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (teslafi_parse_date(bad[i], &time))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_false(teslafi_parse_date(NULL, &time));
    assert_true(teslafi_parse_date("2016-02-29 00:00:00", &time));
}

static void local_time_resolves_in_zone(void **state)
{
    (void)state;
    struct teslafi_local_time drive_start = {2016, 6, 26, 11, 12, 28};
    struct teslafi_local_time winter = {2016, 1, 15, 12, 0, 0};
    int64_t utc_ms = 0;

    assert_int_equal(teslafi_local_time_to_utc_ms(&drive_start, "America/Los_Angeles", &utc_ms),
                     TESLAFI_TIME_OK);
    assert_true(utc_ms == INT64_C(1466964748000)); /* 2016-06-26T18:12:28Z */
    assert_int_equal(teslafi_local_time_to_utc_ms(&winter, "America/Los_Angeles", &utc_ms),
                     TESLAFI_TIME_OK);
    assert_true(utc_ms == INT64_C(1452888000000)); /* 2016-01-15T20:00:00Z */
    assert_int_equal(teslafi_local_time_to_utc_ms(&drive_start, "UTC", &utc_ms),
                     TESLAFI_TIME_OK);
    assert_true(utc_ms == INT64_C(1466939548000));
}

static void local_time_rejects_dst_gaps_and_bad_zones(void **state)
{
    (void)state;
    struct teslafi_local_time repeated = {2019, 10, 27, 2, 30, 0};
    struct teslafi_local_time skipped = {2019, 3, 31, 2, 30, 0};
    struct teslafi_local_time after = {2019, 10, 27, 3, 0, 0};
    int64_t utc_ms = 0;

    assert_int_equal(teslafi_local_time_to_utc_ms(&repeated, "Europe/Berlin", &utc_ms),
                     TESLAFI_TIME_AMBIGUOUS);
    assert_int_equal(teslafi_local_time_to_utc_ms(&skipped, "Europe/Berlin", &utc_ms),
                     TESLAFI_TIME_NONEXISTENT);
    assert_int_equal(teslafi_local_time_to_utc_ms(&after, "Europe/Berlin", &utc_ms),
                     TESLAFI_TIME_OK);
    assert_true(utc_ms == INT64_C(1572141600000)); /* 2019-10-27T02:00:00Z */

    assert_int_equal(teslafi_local_time_to_utc_ms(&after, "Mars/Olympus_Mons", &utc_ms),
                     TESLAFI_TIME_INVALID_ZONE);
    assert_int_equal(teslafi_local_time_to_utc_ms(&after, "../../etc/passwd", &utc_ms),
                     TESLAFI_TIME_INVALID_ZONE);
    assert_int_equal(teslafi_local_time_to_utc_ms(&after, "", &utc_ms),
                     TESLAFI_TIME_INVALID_ZONE);
    assert_false(teslafi_zone_is_known("PST8PDT8"));
    assert_true(teslafi_zone_is_known("Europe/Berlin"));
}

static void local_times_restore_tz(void **state)
{
    (void)state;
    struct teslafi_local_time times[2] = {{2016, 6, 26, 7, 58, 31}, {2019, 10, 27, 2, 30, 0}};
    enum teslafi_time_status statuses[2];
    int64_t utc_ms[2] = {0, 0};

    setenv("TZ", "Asia/Tokyo", 1);
    teslafi_local_times_to_utc_ms("Europe/Berlin", times, 2, utc_ms, statuses);
    assert_int_equal(statuses[0], TESLAFI_TIME_OK);
    assert_true(utc_ms[0] == INT64_C(1466920711000)); /* 05:58:31Z */
    assert_int_equal(statuses[1], TESLAFI_TIME_AMBIGUOUS);
    assert_string_equal(getenv("TZ"), "Asia/Tokyo");

    unsetenv("TZ");
    teslafi_local_times_to_utc_ms("UTC", times, 1, utc_ms, statuses);
    assert_null(getenv("TZ"));
}

static void file_name_date_reads_three_forms(void **state)
{
    (void)state;
    int year = 0, month = 0;

    assert_true(teslafi_file_name_date("TeslaFi62016.csv", &year, &month));
    assert_int_equal(year, 2016);
    assert_int_equal(month, 6);
    assert_true(teslafi_file_name_date("TeslaFi102019.csv", &year, &month));
    assert_int_equal(year, 2019);
    assert_int_equal(month, 10);
    assert_true(teslafi_file_name_date("TeslaFi110017.csv", &year, &month));
    assert_int_equal(year, 17);
    assert_int_equal(month, 11);
    assert_true(teslafi_file_name_date("112023.csv", &year, &month));
    assert_int_equal(year, 2023);
    assert_int_equal(month, 11);

    const char *bad[] = {"TeslaFi2016.csv", "TeslaFi1234567.csv", "12023.csv", "TeslaFi62016.CSV",
                         "TeslaFiA2016.csv", "notes.txt", "TeslaFi62016.csv.bak", ".csv"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (teslafi_file_name_date(bad[i], &year, &month))
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

/* ---- Sections and types ------------------------------------------------ */

static void column_sections_follow_the_api(void **state)
{
    (void)state;

    assert_int_equal(teslafi_column_section("latitude"), TESLAFI_SECTION_DRIVE_STATE);
    assert_int_equal(teslafi_column_section("shift_state"), TESLAFI_SECTION_DRIVE_STATE);
    assert_int_equal(teslafi_column_section("battery_range"), TESLAFI_SECTION_CHARGE_STATE);
    assert_int_equal(teslafi_column_section("inside_temp"), TESLAFI_SECTION_CLIMATE_STATE);
    assert_int_equal(teslafi_column_section("odometer"), TESLAFI_SECTION_VEHICLE_STATE);
    assert_int_equal(teslafi_column_section("api_version"), TESLAFI_SECTION_VEHICLE_STATE);
    assert_int_equal(teslafi_column_section("car_type"), TESLAFI_SECTION_VEHICLE_CONFIG);
    assert_int_equal(teslafi_column_section("eu_vehicle"), TESLAFI_SECTION_VEHICLE_CONFIG);
    assert_int_equal(teslafi_column_section("gui_distance_units"),
                     TESLAFI_SECTION_GUI_SETTINGS);
    assert_int_equal(teslafi_column_section("vin"), TESLAFI_SECTION_TOP);
    assert_int_equal(teslafi_column_section("data_id"), TESLAFI_SECTION_NONE);
    assert_int_equal(teslafi_column_section("odometerF"), TESLAFI_SECTION_NONE);
    assert_string_equal(teslafi_section_name(TESLAFI_SECTION_DRIVE_STATE), "drive_state");
    assert_string_equal(teslafi_section_name(TESLAFI_SECTION_TOP), "");
}

static void type_check_matches_importer(void **state)
{
    (void)state;
    struct teslafi_value value;

    value = teslafi_convert("latitude", "PRIVATE_COORDINATE_SENTINEL");
    assert_false(teslafi_value_type_is_valid("latitude", &value));
    value = teslafi_convert("latitude", "51.5");
    assert_true(teslafi_value_type_is_valid("latitude", &value));
    value = teslafi_convert("vin", "12345678901234567");
    assert_false(teslafi_value_type_is_valid("vin", &value));
    value = teslafi_convert("charger_power", "7.2");
    assert_false(teslafi_value_type_is_valid("charger_power", &value));
    value = teslafi_convert("is_climate_on", "1.0");
    assert_false(teslafi_value_type_is_valid("is_climate_on", &value));
    value = teslafi_convert("vehicle_id", "1111111111");
    assert_true(teslafi_value_type_is_valid("vehicle_id", &value));
    value = teslafi_convert("speed", "None");
    assert_true(teslafi_value_type_is_valid("speed", &value));
    value = teslafi_convert("time_to_full_charge", "lol");
    assert_true(teslafi_value_type_is_valid("time_to_full_charge", &value));
}

/* ---- A real export ----------------------------------------------------- */

static void reads_real_export(void **state)
{
    (void)state;
    const char *shared = getenv("SHARED");
    char path[1024];
    struct teslafi_error error = {{0}};
    size_t rows = 0;
    int64_t odometer_row = 0;

    snprintf(path, sizeof(path), "%s/data/teslafi/01_complete/TeslaFi62016.csv",
             shared != NULL ? shared : "../shared");
    if (access(path, R_OK) != 0)
        skip();

    struct teslafi_reader *reader = teslafi_open_file(path, &error);
    assert_non_null(reader);
    assert_int_equal(teslafi_column_count(reader), 145);
    assert_string_equal(teslafi_column_name(reader, 0), "data_id");

    while (next(reader) == TESLAFI_READ_ROW) {
        rows++;
        if (teslafi_row_number(reader) != 196)
            continue;
        struct teslafi_local_time time;
        double odometer = 0;
        const char *shift = NULL;
        int64_t speed = 0;
        assert_true(teslafi_parse_date(cell(reader, "Date"), &time));
        assert_int_equal(time.hour, 11);
        assert_true(teslafi_get_text(reader, "shift_state", &shift));
        assert_string_equal(shift, "D");
        assert_true(teslafi_get_int64(reader, "speed", &speed));
        assert_int_equal(speed, 15);
        assert_true(teslafi_get_double(reader, "odometer", &odometer));
        assert_true(odometer == 13927.469928);
        odometer_row = teslafi_row_number(reader);
    }
    assert_int_equal(rows, 999);
    assert_int_equal(odometer_row, 196);
    teslafi_close(reader);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_plain_rows),
        cmocka_unit_test(reader_strips_bom_and_unquotes),
        cmocka_unit_test(reader_counts_blank_lines),
        cmocka_unit_test(reader_reports_field_count_mismatch),
        cmocka_unit_test(reader_stops_at_unterminated_quote),
        cmocka_unit_test(reader_rejects_text_after_quote),
        cmocka_unit_test(reader_rejects_other_delimiter),
        cmocka_unit_test(reader_accepts_empty_and_header_only),
        cmocka_unit_test(reader_later_duplicate_column_wins),
        cmocka_unit_test(reader_names_missing_file),
        cmocka_unit_test(convert_applies_import_rules),
        cmocka_unit_test(accessors_return_typed_values),
        cmocka_unit_test(parse_date_accepts_three_shapes),
        cmocka_unit_test(parse_date_rejects_other_text),
        cmocka_unit_test(local_time_resolves_in_zone),
        cmocka_unit_test(local_time_rejects_dst_gaps_and_bad_zones),
        cmocka_unit_test(local_times_restore_tz),
        cmocka_unit_test(file_name_date_reads_three_forms),
        cmocka_unit_test(column_sections_follow_the_api),
        cmocka_unit_test(type_check_matches_importer),
        cmocka_unit_test(reads_real_export),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
