/*
 * Unit tests of the TeslaFi row mapper: TeslaMate's row validator and line
 * parser cases (conversion, type checks, dates and zones, dropped rows,
 * identity) and the rejection field lists.
 */
#include "import_test_support.h"

/* TeslaMate's base row: the 25-column synthetic layout. */
#define BASE_HEADER                                                                     \
    "Date,vehicle_id,display_name,vin,id,state,latitude,longitude,shift_state,speed,"  \
    "power,odometer,battery_level,usable_battery_level,ideal_battery_range,"           \
    "est_battery_range,battery_range"
#define BASE_VALUES                                                                     \
    "1111111111,Resilient,1YYSA1YYYFF08YYYY,42,online,51.5000,-0.1200,D,10.5,1,1000.0," \
    "60,60,200.0,195.0,198.0"

static struct mapped_row *map_base(const char *date, const char *zone)
{
    char csv[1024];

    snprintf(csv, sizeof(csv), BASE_HEADER "\n%s," BASE_VALUES "\n", date);
    return map_row_in(csv, zone, 1);
}

/* The base row with one column replaced by `value`. */
static struct mapped_row *map_base_with(const char *column, const char *value)
{
    char csv[1024];

    snprintf(csv, sizeof(csv), BASE_HEADER ",%s\n2018-01-01 10:00:00," BASE_VALUES ",%s\n",
             column, value);
    return map_row_in(csv, "Etc/UTC", 1);
}

static void expect_fields(const struct import_row *row, const char *const *fields, size_t count)
{
    assert_int_equal(row->kind, IMPORT_ROW_REJECTED);
    assert_int_equal(row->rejection.field_count, count);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(row->rejection.fields[i], fields[i]);
}

static void base_row_is_accepted(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_base("2018-01-01 10:00:00", "Etc/UTC");
    const struct import_row *row = &mapped->row;

    assert_int_equal(row->kind, IMPORT_ROW_VEHICLE);
    assert_int_equal(row->row, 2);
    expect_utc(row->date_ms, "2018-01-01T10:00:00Z");
    assert_true(vehicle_sample_is_full(&row->sample));
    assert_int_equal(row->sample.drive.timestamp_ms.value, row->date_ms);
    assert_int_equal(row->sample.vehicle.timestamp_ms.value, row->date_ms);
    assert_string_equal(row->sample.state, "online");
    assert_string_equal(row->sample.vin, "1YYSA1YYYFF08YYYY");
    assert_string_equal(row->sample.display_name, "Resilient");
    assert_true(row->identity.has_vin);
    assert_true(row->identity.vid_from_row);
    assert_int_equal(row->identity.vid, 1111111111);
    assert_true(row->sample.drive.latitude.value == 51.5);
    assert_true(row->sample.drive.speed_mph.value == 10.5);
    assert_string_equal(row->sample.drive.shift_state, "D");
    assert_true(row->sample.vehicle.odometer_mi.value == 1000.0);
    assert_true(row->sample.charge.battery_range_mi.value == 198.0);
    mapped_row_free(mapped);
}

static void battery_levels_are_rounded(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,battery_level,usable_battery_level\n2018-01-01 10:00:00,asleep,28.01,28.5\n",
        "Etc/UTC", 1);

    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    assert_true(mapped->row.sample.charge.battery_level.value == 28.0);
    assert_true(mapped->row.sample.charge.usable_battery_level.value == 29.0);
    mapped_row_free(mapped);
}

static void text_coordinates_are_rejected(void **state)
{
    (void)state;
    static const char *const fields[] = {"drive_state.latitude", "drive_state.longitude"};
    struct mapped_row *mapped = map_row_in(
        "Date,state,latitude,longitude\n2018-01-01 10:00:00,online,SECRET_LAT,SECRET_LON\n",
        "Etc/UTC", 1);

    expect_fields(&mapped->row, fields, 2);
    assert_int_equal(mapped->row.rejection.reason, IMPORT_REJECT_INVALID_FIELDS);
    assert_int_equal(mapped->row.rejection.row, 2);
    for (size_t i = 0; i < mapped->row.rejection.field_count; i++)
        assert_null(strstr(mapped->row.rejection.fields[i], "SECRET"));
    mapped_row_free(mapped);
}

static void garbage_date_is_invalid_date(void **state)
{
    (void)state;
    static const char *const fields[] = {"Date"};
    struct mapped_row *mapped = map_base("not a date", "Etc/UTC");

    expect_fields(&mapped->row, fields, 1);
    assert_int_equal(mapped->row.rejection.reason, IMPORT_REJECT_INVALID_DATE);
    mapped_row_free(mapped);
}

static void non_boolean_heater_is_rejected(void **state)
{
    (void)state;
    static const char *const fields[] = {"charge_state.battery_heater_on"};
    struct mapped_row *mapped = map_base_with("battery_heater_on", "maybe");

    expect_fields(&mapped->row, fields, 1);
    mapped_row_free(mapped);
}

static void integer_booleans(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        BASE_HEADER ",is_front_defroster_on,battery_heater,battery_heater_no_power\n"
                    "2018-01-01 10:00:00," BASE_VALUES ",3,1,0\n",
        "Etc/UTC", 1);
    const struct climate_state_sample *climate = &mapped->row.sample.climate;

    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    assert_true(climate->is_front_defroster_on.known && climate->is_front_defroster_on.value);
    assert_true(climate->battery_heater.known && climate->battery_heater.value);
    assert_true(climate->battery_heater_no_power.known && !climate->battery_heater_no_power.value);
    mapped_row_free(mapped);

    /* "1.0" is not an integer, so it is not a boolean either. */
    mapped = map_base_with("battery_heater", "1.0");
    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    mapped_row_free(mapped);
}

static void repeated_hour_is_ambiguous(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_base("2018-10-28 02:30:00", "Europe/Berlin");

    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    assert_int_equal(mapped->row.rejection.reason, IMPORT_REJECT_AMBIGUOUS_LOCAL_TIME);
    assert_string_equal(mapped->row.rejection.fields[0], "Date");
    mapped_row_free(mapped);
}

static void skipped_hour_does_not_exist(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_base("2018-03-25 02:30:00", "Europe/Berlin");

    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    assert_int_equal(mapped->row.rejection.reason, IMPORT_REJECT_NONEXISTENT_LOCAL_TIME);
    mapped_row_free(mapped);

    mapped = map_base("2018-03-25 03:00:00", "Europe/Berlin");
    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    expect_utc(mapped->row.date_ms, "2018-03-25T01:00:00Z");
    mapped_row_free(mapped);
}

static void unknown_column_is_accepted(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_base_with("no_such_column", "lol");

    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    mapped_row_free(mapped);

    /* A column without a type rule passes whatever its text. */
    mapped = map_base_with("time_to_full_charge", "lol");
    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    assert_false(mapped->row.sample.charge.time_to_full_charge_h.known);
    mapped_row_free(mapped);
}

static void three_date_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        const char *utc;
    } cases[] = {
        {"2017-11-01 00:00:17", "2017-10-31T23:00:17Z"},
        {"11/01/2017 00:01", "2017-10-31T23:01:00Z"},
        {"11/01/2017 11:02:16 AM", "2017-11-01T10:02:16Z"},
        {"11/01/2017 1:02:16 PM", "2017-11-01T12:02:16Z"},
        {"2017-11-1 7:5:3", "2017-11-01T06:05:03Z"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mapped_row *mapped = map_base(cases[i].date, "Europe/Berlin");

        assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
        expect_utc(mapped->row.date_ms, cases[i].utc);
        mapped_row_free(mapped);
    }
}

static void date_shapes_are_whole_strings(void **state)
{
    (void)state;
    static const char *const dates[] = {"2017-11-01 00:00:17 extra", "2017-11-01",
                                        "2017-11-01T00:00:17Z", "11/01/2017", "", "13/01/2017 10:00"};

    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        struct mapped_row *mapped = map_base(dates[i], "Etc/UTC");

        assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
        assert_int_equal(mapped->row.rejection.reason, IMPORT_REJECT_INVALID_DATE);
        mapped_row_free(mapped);
    }
}

static void rows_without_state_are_dropped(void **state)
{
    (void)state;
    static const char *const states[] = {"", "unknown", "None"};

    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        char csv[512];

        snprintf(csv, sizeof(csv), "Date,state,latitude,longitude\n2018-01-01 10:00:00,%s,1,2\n",
                 states[i]);
        struct mapped_row *mapped = map_row_in(csv, "Etc/UTC", 1);

        assert_int_equal(mapped->row.kind, IMPORT_ROW_DROPPED);
        assert_int_equal(mapped->row.drop_reason, IMPORT_DROP_NO_STATE);
        mapped_row_free(mapped);
    }
}

static void online_without_coordinates_is_dropped(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,latitude,longitude\n2018-01-01 10:00:00,online,,2\n", "Etc/UTC", 1);

    assert_int_equal(mapped->row.kind, IMPORT_ROW_DROPPED);
    assert_int_equal(mapped->row.drop_reason, IMPORT_DROP_NO_LOCATION);
    mapped_row_free(mapped);

    /* Asleep rows need no position; 0.0/0.0 is a valid coordinate. */
    mapped = map_row_in("Date,state,latitude,longitude\n2018-01-01 10:00:00,asleep,,\n",
                        "Etc/UTC", 1);
    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    mapped_row_free(mapped);
    mapped = map_row_in("Date,state,latitude,longitude\n2018-01-01 10:00:00,online,0.0,0.0\n",
                        "Etc/UTC", 1);
    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    mapped_row_free(mapped);
}

static void waking_and_shutdown_are_online(void **state)
{
    (void)state;
    static const char *const states[] = {"waking", "shutdown"};

    for (size_t i = 0; i < 2; i++) {
        char csv[512];

        snprintf(csv, sizeof(csv), "Date,state,latitude,longitude\n2018-01-01 10:00:00,%s,1,2\n",
                 states[i]);
        struct mapped_row *mapped = map_row_in(csv, "Etc/UTC", 1);

        assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
        assert_string_equal(mapped->row.sample.state, "online");
        mapped_row_free(mapped);
    }
}

static void vehicle_id_fallback(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,vehicle_id,vin\n2018-01-01 10:00:00,asleep,,1YYSA1YYYFF08YYYY\n", "Etc/UTC",
        77);

    assert_true(mapped->row.identity.has_vid);
    assert_false(mapped->row.identity.vid_from_row);
    assert_int_equal(mapped->row.identity.vid, 77);
    mapped_row_free(mapped);

    /* "None" is null, not empty: no vehicle id at all. */
    mapped = map_row_in("Date,state,vehicle_id\n2018-01-01 10:00:00,asleep,None\n", "Etc/UTC", 77);
    assert_false(mapped->row.identity.has_vid);
    mapped_row_free(mapped);

    /* A vehicle id must be an integer. */
    mapped = map_row_in("Date,state,vehicle_id\n2018-01-01 10:00:00,asleep,1.5\n", "Etc/UTC", 77);
    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    assert_string_equal(mapped->row.rejection.fields[0], "vehicle_id");
    mapped_row_free(mapped);
}

static void vehicle_name_wins(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,display_name,vehicle_name\n2018-01-01 10:00:00,asleep,Old,New\n", "Etc/UTC",
        1);

    assert_string_equal(mapped->row.sample.display_name, "New");
    mapped_row_free(mapped);
    mapped = map_row_in("Date,state,display_name,vehicle_name\n2018-01-01 10:00:00,asleep,Old,\n",
                        "Etc/UTC", 1);
    assert_string_equal(mapped->row.sample.display_name, "Old");
    mapped_row_free(mapped);
}

static void numeric_text_types(void **state)
{
    (void)state;
    /* A purely numeric trim badge becomes a number and fails the text check. */
    struct mapped_row *mapped = map_base_with("trim_badging", "75");

    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    assert_string_equal(mapped->row.rejection.fields[0], "vehicle_config.trim_badging");
    mapped_row_free(mapped);

    /* A fractional charger power rejects the whole row. */
    mapped = map_base_with("charger_power", "7.2");
    assert_string_equal(mapped->row.rejection.fields[0], "charge_state.charger_power");
    mapped_row_free(mapped);

    /* The product id is never checked: TeslaMate replaces it. */
    mapped = map_base_with("id", "not-a-number");
    assert_int_equal(mapped->row.kind, IMPORT_ROW_VEHICLE);
    mapped_row_free(mapped);
}

static void out_of_range_coordinates(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,latitude,longitude\n2018-01-01 10:00:00,online,91.0,181.5\n", "Etc/UTC", 1);

    assert_int_equal(mapped->row.kind, IMPORT_ROW_REJECTED);
    assert_int_equal(mapped->row.rejection.field_count, 2);
    mapped_row_free(mapped);
}

static void invalid_text_is_unknown(void **state)
{
    (void)state;
    struct mapped_row *mapped = map_row_in(
        "Date,state,fast_charger_type,charging_state\n2018-01-01 10:00:00,asleep,<invalid>,Charging\n",
        "Etc/UTC", 1);

    assert_string_equal(mapped->row.sample.charge.fast_charger_type, "");
    assert_string_equal(mapped->row.sample.charge.charging_state, "Charging");
    mapped_row_free(mapped);
}

static void rejection_fields_sorted_and_capped(void **state)
{
    (void)state;
    struct import_rejection rejection = {0};
    static const char *const expected[] = {"field.1", "field.10", "field.11", "field.12",
                                           "field.2", "field.3",  "field.4",  "field.5"};

    for (int i = 12; i >= 1; i--) {
        char name[32];

        snprintf(name, sizeof(name), "field.%d", i);
        import_rejection_add_field(&rejection, name);
    }
    import_rejection_add_field(&rejection, "field.1");

    assert_int_equal(rejection.field_count, 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(rejection.fields[i], expected[i]);
}

static void names_of_reasons(void **state)
{
    (void)state;
    assert_string_equal(import_rejection_reason_name(IMPORT_REJECT_INVALID_FIELDS),
                        "invalid_fields");
    assert_string_equal(import_rejection_reason_name(IMPORT_REJECT_COLUMN_COUNT_MISMATCH),
                        "column_count_mismatch");
    assert_string_equal(import_rejection_reason_name(IMPORT_REJECT_VEHICLE_CONFLICT),
                        "vehicle_conflict");
    assert_string_equal(import_rejection_reason_name(IMPORT_REJECT_REASON_COUNT), "unknown");
    assert_string_equal(import_drop_reason_name(IMPORT_DROP_NO_LOCATION), "no_location");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_row_is_accepted),
        cmocka_unit_test(battery_levels_are_rounded),
        cmocka_unit_test(text_coordinates_are_rejected),
        cmocka_unit_test(garbage_date_is_invalid_date),
        cmocka_unit_test(non_boolean_heater_is_rejected),
        cmocka_unit_test(integer_booleans),
        cmocka_unit_test(repeated_hour_is_ambiguous),
        cmocka_unit_test(skipped_hour_does_not_exist),
        cmocka_unit_test(unknown_column_is_accepted),
        cmocka_unit_test(three_date_shapes),
        cmocka_unit_test(date_shapes_are_whole_strings),
        cmocka_unit_test(rows_without_state_are_dropped),
        cmocka_unit_test(online_without_coordinates_is_dropped),
        cmocka_unit_test(waking_and_shutdown_are_online),
        cmocka_unit_test(vehicle_id_fallback),
        cmocka_unit_test(vehicle_name_wins),
        cmocka_unit_test(numeric_text_types),
        cmocka_unit_test(out_of_range_coordinates),
        cmocka_unit_test(invalid_text_is_unknown),
        cmocka_unit_test(rejection_fields_sorted_and_capped),
        cmocka_unit_test(names_of_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
