/*
 * Tests for vehicle_parse: every recorded Tesla API file in the shared data
 * folder, with specific field values, and one case per known trap, built
 * from inline JSON. Inline JSON is written with single quotes, which
 * quoted_body() turns into double quotes in a buffer of exactly the body's
 * length with no NUL after it, so AddressSanitizer catches any read past
 * the length.
 */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tesla_api_files.h"
#include "vehicle_parse.h"

/* ---- assertion helpers: each failure names the field and both values ---- */

static void check_double(struct opt_double actual, double expected, const char *field,
                         const char *file, int line)
{
    if (!actual.known) {
        print_error("%s is unknown, expected %.17g\n", field, expected);
        _fail(file, line);
    }
    if (actual.value != expected) {
        print_error("%s is %.17g, expected %.17g\n", field, actual.value, expected);
        _fail(file, line);
    }
}

static void check_int64(struct opt_int64 actual, int64_t expected, const char *field,
                        const char *file, int line)
{
    if (!actual.known) {
        print_error("%s is unknown, expected %lld\n", field, (long long)expected);
        _fail(file, line);
    }
    if (actual.value != expected) {
        print_error("%s is %lld, expected %lld\n", field, (long long)actual.value,
                    (long long)expected);
        _fail(file, line);
    }
}

static void check_bool(struct opt_bool actual, bool expected, const char *field,
                       const char *file, int line)
{
    if (!actual.known) {
        print_error("%s is unknown, expected %s\n", field, expected ? "true" : "false");
        _fail(file, line);
    }
    if (actual.value != expected) {
        print_error("%s is %s, expected %s\n", field, actual.value ? "true" : "false",
                    expected ? "true" : "false");
        _fail(file, line);
    }
}

static void check_unknown(bool known, const char *field, const char *file, int line)
{
    if (known) {
        print_error("%s is known, expected unknown\n", field);
        _fail(file, line);
    }
}

#define assert_double_known(opt, expected) check_double((opt), (expected), #opt, __FILE__, __LINE__)
#define assert_int64_known(opt, expected) check_int64((opt), (expected), #opt, __FILE__, __LINE__)
#define assert_bool_known(opt, expected) check_bool((opt), (expected), #opt, __FILE__, __LINE__)
#define assert_unknown(opt) check_unknown((opt).known, #opt, __FILE__, __LINE__)

/* ---- body helpers ---- */

/* Copies `quoted` with ' turned into ", into a buffer without a NUL. */
static char *quoted_body(const char *quoted, size_t *length)
{
    size_t size = strlen(quoted);
    char *body = malloc(size > 0 ? size : 1);

    assert_non_null(body);
    for (size_t i = 0; i < size; i++)
        body[i] = quoted[i] == '\'' ? '"' : quoted[i];
    *length = size;
    return body;
}

static enum tesla_parse_status parse_quoted(const char *quoted, struct vehicle_sample *sample,
                                            struct tesla_parse_error *error)
{
    size_t length;
    char *body = quoted_body(quoted, &length);
    enum tesla_parse_status status = vehicle_parse_body(body, length, sample, error);

    free(body);
    return status;
}

/* Parses an inline body that must succeed. */
static struct vehicle_sample sample_from(const char *quoted)
{
    struct tesla_parse_error error = { "" };
    struct vehicle_sample sample;
    enum tesla_parse_status status = parse_quoted(quoted, &sample, &error);

    if (status != TESLA_PARSE_OK)
        fail_msg("parse failed (%s): %s", tesla_parse_status_name(status), error.message);
    return sample;
}

static void parse_file_body(const char *body, size_t length, struct vehicle_sample *sample)
{
    struct tesla_parse_error error = { "stale" };
    enum tesla_parse_status status = vehicle_parse_body(body, length, sample, &error);

    if (status != TESLA_PARSE_OK)
        fail_msg("parse failed (%s): %s", tesla_parse_status_name(status), error.message);
    assert_string_equal(error.message, "");
}

static void parse_file_list(const char *body, size_t length, struct vehicle_list *list)
{
    struct tesla_parse_error error = { "" };
    enum tesla_parse_status status = vehicle_parse_list(body, length, list, &error);

    if (status != TESLA_PARSE_OK)
        fail_msg("list parse failed (%s): %s", tesla_parse_status_name(status), error.message);
}

/* A sample filled with a byte pattern, to prove that a failed parse
 * leaves the caller's sample untouched. */
static void fill_sentinel(struct vehicle_sample *sample)
{
    memset(sample, 0xA5, sizeof(*sample));
}

static void assert_sentinel(const struct vehicle_sample *sample)
{
    struct vehicle_sample sentinel;

    fill_sentinel(&sentinel);
    assert_memory_equal(sample, &sentinel, sizeof(sentinel));
}

/* Extracts the body of an error envelope {status, headers, body}: a JSON
 * body is printed back to text, a string body is its text. */
static char *envelope_body(const char *envelope, size_t length, size_t *body_length,
                           int *http_status)
{
    cJSON *root = cJSON_ParseWithLength(envelope, length);
    const cJSON *body;
    char *text;

    assert_non_null(root);
    body = cJSON_GetObjectItemCaseSensitive(root, "body");
    *http_status = cJSON_GetObjectItemCaseSensitive(root, "status")->valueint;
    if (cJSON_IsString(body))
        text = strdup(body->valuestring);
    else
        text = cJSON_PrintUnformatted(body);
    assert_non_null(text);
    *body_length = strlen(text);
    cJSON_Delete(root);
    return text;
}

/* ---- recorded vehicle_data bodies ---- */

static void check_model3_fleet_parked(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 3744000000000001);
    assert_int64_known(s.vid, 1000000001);
    assert_string_equal(s.vin, "5YJ3E1EA0KF000001");
    assert_string_equal(s.state, "online");
    assert_string_equal(s.display_name, "Car A");
    assert_bool_known(s.in_service, false);
    assert_true(vehicle_sample_is_full(&s));

    assert_int64_known(s.drive.timestamp_ms, 1705707520649);
    assert_double_known(s.drive.latitude, 52.520008);
    assert_double_known(s.drive.longitude, 13.404954);
    assert_int64_known(s.drive.heading, 185);
    assert_unknown(s.drive.speed_mph);
    assert_double_known(s.drive.power_kw, -7);
    assert_string_equal(s.drive.shift_state, "");
    assert_int64_known(s.drive.gps_as_of_s, 1701129612);

    assert_string_equal(s.charge.charging_state, "Stopped");
    assert_double_known(s.charge.battery_level, 77);
    assert_double_known(s.charge.battery_range_mi, 266.87);
    assert_double_known(s.charge.est_battery_range_mi, 275.04);
    assert_double_known(s.charge.charger_voltage, 2);
    assert_unknown(s.charge.charger_phases);
    assert_unknown(s.charge.not_enough_power_to_heat);
    assert_unknown(s.charge.scheduled_charging_start_time_s);
    assert_bool_known(s.charge.charge_port_door_open, true);
    assert_string_equal(s.charge.conn_charge_cable, "IEC");
    assert_string_equal(s.charge.fast_charger_brand, "");   /* "<invalid>" */
    assert_string_equal(s.charge.fast_charger_type, "ACSingleWireCAN");

    assert_double_known(s.climate.inside_temp_c, 29.8);
    assert_double_known(s.climate.outside_temp_c, 30);
    assert_bool_known(s.climate.is_climate_on, true);
    assert_unknown(s.climate.battery_heater_no_power);
    assert_string_equal(s.climate.climate_keeper_mode, "keep");

    assert_string_equal(s.vehicle.car_version, "2023.44.30.8 06f534d46010");
    assert_double_known(s.vehicle.odometer_mi, 6481.019282);
    assert_bool_known(s.vehicle.locked, false);
    assert_bool_known(s.vehicle.service_mode, false);
    assert_double_known(s.vehicle.tpms_pressure_fr_bar, 2.8);
    assert_string_equal(s.vehicle.software_update.status, "available");
    assert_string_equal(s.vehicle.software_update.version, "2024.12.0.0");
    assert_double_known(s.vehicle.software_update.download_percent, 100);
    assert_double_known(s.vehicle.software_update.install_percent, 1);
    assert_int64_known(s.vehicle.software_update.expected_duration_s, 2700);
    assert_unknown(s.vehicle.software_update.scheduled_time_ms);

    assert_string_equal(s.config.car_type, "model3");
    assert_string_equal(s.config.trim_badging, "74d");
    assert_bool_known(s.config.rhd, true);
}

static void check_model3_fleet_driving(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_true(vehicle_sample_is_full(&s));
    assert_string_equal(s.drive.shift_state, "D");
    assert_double_known(s.drive.speed_mph, 27);
    assert_double_known(s.drive.power_kw, 14);
    assert_int64_known(s.drive.heading, 192);
    assert_double_known(s.drive.latitude, 52.531502);
    assert_int64_known(s.drive.timestamp_ms, 1705744812345);
    assert_string_equal(s.charge.charging_state, "Disconnected");
    assert_string_equal(s.charge.conn_charge_cable, "");
    assert_unknown(s.charge.charger_phases);
    assert_double_known(s.climate.outside_temp_c, 6.5);
    assert_double_known(s.climate.fan_status, 3);
    assert_bool_known(s.vehicle.is_user_present, true);
    assert_bool_known(s.vehicle.locked, true);
    assert_double_known(s.vehicle.odometer_mi, 6519.402881);
}

static void check_model3_fleet_driving_no_location(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_true(s.has_drive_state);
    assert_unknown(s.drive.latitude);
    assert_unknown(s.drive.longitude);
    assert_unknown(s.drive.heading);
    assert_unknown(s.drive.gps_as_of_s);
    assert_double_known(s.drive.speed_mph, 27);
    assert_string_equal(s.drive.shift_state, "D");
    assert_int64_known(s.drive.timestamp_ms, 1705744812345);
    assert_string_equal(s.display_name, "Car A");
}

static void check_model3_owner_no_location(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 3744000000000002);
    assert_string_equal(s.display_name, "Car B");
    assert_unknown(s.drive.latitude);
    assert_unknown(s.drive.speed_mph);
    assert_double_known(s.drive.power_kw, 0);
    assert_string_equal(s.charge.charging_state, "Complete");
    assert_double_known(s.charge.charger_phases, 2);
    assert_double_known(s.charge.charge_energy_added_kwh, 0.13);
    assert_double_known(s.charge.time_to_full_charge_h, 0);
    assert_string_equal(s.charge.fast_charger_brand, "");
    assert_double_known(s.climate.driver_temp_setting_c, 22);
    assert_bool_known(s.vehicle.sentry_mode, true);
    assert_string_equal(s.vehicle.software_update.status, "");
    assert_string_equal(s.vehicle.software_update.version, " ");
    assert_string_equal(s.config.exterior_color, "MidnightSilver");
}

static void check_models_owner_legacy(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    /* The id is above 2^53: only id_s gives it exactly. */
    assert_int64_known(s.eid, 26000000000000006);
    assert_int64_known(s.vid, 1000000006);
    assert_string_equal(s.display_name, "Car F");
    assert_true(vehicle_sample_is_full(&s));
    assert_string_equal(s.vehicle.car_version, "2020.36.16 3e9e4e8dd287");
    assert_double_known(s.vehicle.odometer_mi, 57509.856033);
    /* Keys this 2020 firmware does not send. */
    assert_unknown(s.vehicle.service_mode);
    assert_unknown(s.vehicle.window_driver_front);
    assert_unknown(s.vehicle.tpms_pressure_fl_bar);
    assert_int64_known(s.vehicle.door_driver_front, 0);
    assert_int64_known(s.vehicle.software_update.expected_duration_s, 2700);
    assert_string_equal(s.vehicle.software_update.version, "");
    assert_double_known(s.charge.ideal_battery_range_mi, 281.02);
    assert_double_known(s.charge.charge_energy_added_kwh, 29.41);
    assert_string_equal(s.charge.fast_charger_type, "");
    assert_double_known(s.climate.driver_temp_setting_c, 22.8);
    assert_string_equal(s.config.car_type, "models2");
    assert_string_equal(s.config.trim_badging, "p90d");
    assert_bool_known(s.config.rhd, false);
}

static void check_models_owner_charging(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 12000000000000004);
    assert_string_equal(s.display_name, "Car D");
    assert_string_equal(s.charge.charging_state, "Charging");
    assert_double_known(s.charge.charger_power_kw, 7);
    assert_double_known(s.charge.charger_voltage, 242);
    assert_double_known(s.charge.charger_actual_current, 32);
    assert_double_known(s.charge.charger_phases, 1);
    assert_double_known(s.charge.time_to_full_charge_h, 0.25);
    assert_double_known(s.charge.battery_level, 78);
    assert_double_known(s.charge.usable_battery_level, 77);
    assert_string_equal(s.charge.fast_charger_type, "MCSingleWireCAN");
    assert_unknown(s.vehicle.tpms_pressure_rr_bar);   /* null */
    assert_unknown(s.vehicle.sentry_mode);            /* missing */
    assert_double_known(s.drive.power_kw, -7);
    assert_string_equal(s.config.car_type, "models");
}

static void check_models_owner_charge_complete(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 1492000000000003);
    assert_string_equal(s.display_name, "Car C");
    assert_string_equal(s.charge.charging_state, "Complete");
    assert_int64_known(s.charge.scheduled_charging_start_time_s, 1695087005);
    assert_int64_known(s.drive.timestamp_ms, 1695129645307);
    assert_int64_known(s.climate.timestamp_ms, 1695129645306);
    assert_string_equal(s.vehicle.software_update.version, "EU-2023.20-14615");
    assert_double_known(s.vehicle.odometer_mi, 104374.713449);
    assert_string_equal(s.config.spoiler_type, "Passive");
    assert_bool_known(s.config.eu_vehicle, true);
}

static void check_models_owner_disconnected_nulls(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_string_equal(s.charge.charging_state, "Disconnected");
    assert_unknown(s.climate.inside_temp_c);
    assert_unknown(s.climate.outside_temp_c);
    assert_unknown(s.charge.charger_power_kw);
    assert_unknown(s.charge.charger_voltage);
    assert_unknown(s.charge.charger_actual_current);
    assert_unknown(s.charge.charger_pilot_current);
    assert_unknown(s.charge.charge_port_door_open);
    assert_unknown(s.charge.fast_charger_present);
    assert_double_known(s.charge.charge_energy_added_kwh, 6.57);
    assert_double_known(s.climate.driver_temp_setting_c, 22);
    assert_double_known(s.climate.passenger_temp_setting_c, 23);
    assert_string_equal(s.charge.conn_charge_cable, "");
    assert_double_known(s.vehicle.odometer_mi, 105531.786131);
}

static void check_modely_fleet_docs(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 100021);
    assert_int64_known(s.vid, 99999);
    assert_string_equal(s.state, "unknown");    /* null in the docs example */
    assert_string_equal(s.display_name, "Car E");
    assert_double_known(s.drive.power_kw, 1);
    assert_int64_known(s.drive.gps_as_of_s, 1692137422);
    assert_double_known(s.vehicle.tpms_pressure_rr_bar, 3);
    assert_double_known(s.vehicle.tpms_pressure_rl_bar, 3.15);
    assert_string_equal(s.vehicle.car_version, "2023.7.20 7910d26d5c64");
    assert_string_equal(s.config.car_type, "modely");
    assert_string_equal(s.config.wheel_type, "Apollo19");
}

/* ---- recorded /api/1/vehicles/{id} bodies ---- */

static void check_vehicle_asleep_fleet(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 3744000000000001);
    assert_string_equal(s.state, "asleep");
    assert_string_equal(s.display_name, "Car A");
    assert_true(s.has_vehicle_config);
    assert_false(s.has_drive_state);
    assert_false(vehicle_sample_is_full(&s));
    assert_string_equal(s.config.car_type, "model3");
    assert_unknown(s.drive.timestamp_ms);
    assert_string_equal(s.vehicle.software_update.status, "");
    assert_unknown(s.vehicle.software_update.download_percent);
}

static void check_vehicle_asleep_owner(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 1492000000000003);
    assert_int64_known(s.vid, 1000000003);
    assert_string_equal(s.vin, "5YJSA7E20FF000003");
    assert_string_equal(s.state, "asleep");
    assert_string_equal(s.display_name, "");
    assert_bool_known(s.in_service, false);
    assert_false(s.has_vehicle_config);
}

static void check_vehicle_online_fleet_docs(const char *body, size_t length)
{
    struct vehicle_sample s;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 100021);
    assert_string_equal(s.state, "online");
    assert_string_equal(s.display_name, "Car E");
    assert_false(s.has_vehicle_state);
    assert_false(s.has_vehicle_config);
}

static void check_vehicle_online_owner(const char *body, size_t length)
{
    struct vehicle_sample s;
    cJSON *root;

    parse_file_body(body, length, &s);
    assert_int64_known(s.eid, 26000000000000006);
    assert_string_equal(s.state, "online");
    assert_false(s.has_vehicle_config);     /* "vehicle_config": null */

    /* Without id_s the same id, above 2^53, cannot be trusted. */
    root = cJSON_ParseWithLength(body, length);
    assert_non_null(root);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(root, "response"), "id_s");
    assert_true(vehicle_parse_object(cJSON_GetObjectItem(root, "response"), &s));
    assert_unknown(s.eid);
    assert_int64_known(s.vid, 1000000006);
    cJSON_Delete(root);
}

/* ---- recorded lists ---- */

static void check_products_fleet(const char *body, size_t length)
{
    struct vehicle_list list;

    parse_file_list(body, length, &list);
    assert_int_equal(list.count, 1);        /* two energy sites dropped */
    assert_int64_known(list.vehicles[0].eid, 3744000000000001);
    assert_int64_known(list.vehicles[0].vid, 1000000001);
    assert_string_equal(list.vehicles[0].state, "asleep");
    assert_string_equal(list.vehicles[0].display_name, "Car A");
    assert_true(list.vehicles[0].has_vehicle_config);
    assert_string_equal(list.vehicles[0].config.trim_badging, "74d");
    vehicle_list_free(&list);
}

static void check_products_owner_asleep(const char *body, size_t length)
{
    struct vehicle_list list;

    parse_file_list(body, length, &list);
    assert_int_equal(list.count, 2);
    assert_int64_known(list.vehicles[0].eid, 1492000000000007);
    assert_string_equal(list.vehicles[0].vin, "5YJSA1E20DF000007");
    assert_int64_known(list.vehicles[1].eid, 1492000000000003);
    assert_int64_known(list.vehicles[1].vid, 1000000003);
    assert_string_equal(list.vehicles[1].state, "asleep");
    assert_string_equal(list.vehicles[1].display_name, "");
    vehicle_list_free(&list);
}

static void check_products_owner_powerwall(const char *body, size_t length)
{
    struct vehicle_list list;

    parse_file_list(body, length, &list);
    assert_int_equal(list.count, 1);        /* the Powerwall has no vehicle_id */
    assert_int64_known(list.vehicles[0].eid, 3744000000000002);
    assert_string_equal(list.vehicles[0].state, "online");
    assert_string_equal(list.vehicles[0].display_name, "Car B");
    assert_string_equal(list.vehicles[0].config.exterior_color, "MidnightSilver");
    assert_string_equal(list.vehicles[0].config.wheel_type, "StilettoRefresh19");
    vehicle_list_free(&list);
}

static void check_vehicles_fleet_docs(const char *body, size_t length)
{
    struct vehicle_list list;

    parse_file_list(body, length, &list);
    assert_int_equal(list.count, 1);
    assert_int64_known(list.vehicles[0].eid, 100021);
    assert_int64_known(list.vehicles[0].vid, 99999);
    assert_string_equal(list.vehicles[0].vin, "5YJYGDEE0MF000005");
    assert_string_equal(list.vehicles[0].state, "unknown");
    assert_false(list.vehicles[0].has_vehicle_config);
    vehicle_list_free(&list);
}

static void check_vehicles_owner(const char *body, size_t length)
{
    struct vehicle_list list;

    parse_file_list(body, length, &list);
    assert_int_equal(list.count, 1);
    assert_int64_known(list.vehicles[0].eid, 26000000000000006);
    assert_string_equal(list.vehicles[0].display_name, "Car F");
    assert_string_equal(list.vehicles[0].state, "online");
    vehicle_list_free(&list);
}

/* ---- recorded tokens ---- */

static void check_token(const char *body, size_t length, const char *access,
                        const char *refresh, const char *id)
{
    struct tesla_parse_error error = { "" };
    struct oauth_tokens tokens = { NULL };
    struct vehicle_sample sample;
    enum tesla_parse_status status = oauth_tokens_parse(body, length, &tokens, &error);

    if (status != TESLA_PARSE_OK)
        fail_msg("token parse failed (%s): %s", tesla_parse_status_name(status), error.message);
    assert_string_equal(tokens.access_token, access);
    assert_string_equal(tokens.refresh_token, refresh);
    assert_string_equal(tokens.id_token, id);
    assert_string_equal(tokens.token_type, "Bearer");
    assert_int_equal(tokens.expires_in_s, 28800);
    oauth_tokens_free(&tokens);
    assert_null(tokens.access_token);

    /* A token response is not a vehicle body. */
    assert_int_equal(vehicle_parse_body(body, length, &sample, &error), TESLA_PARSE_NO_RESPONSE);
}

static void check_token_refresh(const char *body, size_t length)
{
    check_token(body, length, "fake-access-token-0001", "fake-refresh-token-0001",
                "fake-id-token-0001");
}

static void check_token_refresh_fleet(const char *body, size_t length)
{
    check_token(body, length, "fake-access-token-0002", "EU_fake-refresh-token-0002",
                "fake-id-token-0002");
}

static void check_token_authorization_code(const char *body, size_t length)
{
    check_token(body, length, "fake-access-token-0003", "EU_fake-refresh-token-0003",
                "fake-id-token-0003");
}

/* ---- recorded error envelopes ---- */

static void check_error_envelope(const char *envelope, size_t length, int expected_http_status,
                                 const char *expected_error)
{
    struct tesla_parse_error error = { "" };
    struct tesla_error_body error_body;
    struct vehicle_sample sample;
    size_t body_length;
    int http_status;
    char *body = envelope_body(envelope, length, &body_length, &http_status);

    assert_int_equal(http_status, expected_http_status);
    fill_sentinel(&sample);
    assert_int_equal(vehicle_parse_body(body, body_length, &sample, &error),
                     TESLA_PARSE_NO_RESPONSE);
    assert_sentinel(&sample);
    assert_non_null(strstr(error.message, expected_error));

    assert_int_equal(tesla_error_body_parse(body, body_length, &error_body, &error),
                     TESLA_PARSE_OK);
    assert_string_equal(error_body.error, expected_error);
    assert_string_equal(error_body.error_description, "");
    free(body);
}

static void check_error_401_fleet(const char *body, size_t length)
{
    check_error_envelope(body, length, 401, "token expired (401)");
}

static void check_error_401_owner(const char *body, size_t length)
{
    check_error_envelope(body, length, 401, "invalid bearer token");
}

static void check_error_408_fleet(const char *body, size_t length)
{
    check_error_envelope(body, length, 408, "vehicle unavailable: vehicle is offline or asleep");
}

static void check_error_408_owner_asleep(const char *body, size_t length)
{
    check_error_envelope(body, length, 408,
                         "vehicle unavailable: {:error=>\"vehicle unavailable:\"}");
}

static void check_error_408_owner_timeout(const char *body, size_t length)
{
    check_error_envelope(body, length, 408, "{\"error\": \"timeout\"}");
}

static void check_error_421(const char *body, size_t length)
{
    check_error_envelope(body, length, 421,
                         "user out of region, use base URL: "
                         "https://fleet-api.prd.eu.vn.cloud.tesla.com, see https://...");
}

static void check_error_429(const char *envelope, size_t length)
{
    struct tesla_parse_error error = { "" };
    struct tesla_error_body error_body;
    struct vehicle_sample sample;
    size_t body_length;
    int http_status;
    char *body = envelope_body(envelope, length, &body_length, &http_status);

    /* The 429 body is plain text. */
    assert_int_equal(http_status, 429);
    assert_string_equal(body, "Retry in 14692 seconds");
    fill_sentinel(&sample);
    assert_int_equal(vehicle_parse_body(body, body_length, &sample, &error),
                     TESLA_PARSE_NOT_JSON);
    assert_sentinel(&sample);
    assert_non_null(strstr(error.message, "not valid JSON"));
    assert_int_equal(tesla_error_body_parse(body, body_length, &error_body, &error),
                     TESLA_PARSE_NOT_JSON);
    free(body);
}

/* ---- the index and the notes: not vehicle bodies ---- */

static void check_index(const char *body, size_t length)
{
    struct tesla_parse_error error = { "" };
    struct vehicle_list list = { NULL, 0 };
    struct vehicle_sample sample;

    /* A real body that is a JSON array. */
    fill_sentinel(&sample);
    assert_int_equal(vehicle_parse_body(body, length, &sample, &error), TESLA_PARSE_WRONG_TYPE);
    assert_string_equal(error.message,
                        "body is a JSON array, expected an object with a \"response\" member");
    assert_sentinel(&sample);
    assert_int_equal(vehicle_parse_list(body, length, &list, &error), TESLA_PARSE_WRONG_TYPE);
    assert_null(list.vehicles);
}

static void check_sources_notes(const char *body, size_t length)
{
    struct tesla_parse_error error = { "" };
    struct oauth_tokens tokens = { NULL };
    struct vehicle_sample sample;

    fill_sentinel(&sample);
    assert_int_equal(vehicle_parse_body(body, length, &sample, &error), TESLA_PARSE_NOT_JSON);
    assert_sentinel(&sample);
    assert_int_equal(oauth_tokens_parse(body, length, &tokens, &error), TESLA_PARSE_NOT_JSON);
    assert_null(tokens.access_token);
}

/* ---- the table of every file in the data folder ---- */

struct data_case {
    const char *file;
    void (*check)(const char *body, size_t length);
};

static const struct data_case data_cases[] = {
    { "SOURCES.md", check_sources_notes },
    { "index.json", check_index },
    { "error-401-fleet-token-expired.json", check_error_401_fleet },
    { "error-401-owner-invalid-token.json", check_error_401_owner },
    { "error-408-fleet-asleep.json", check_error_408_fleet },
    { "error-408-owner-asleep.json", check_error_408_owner_asleep },
    { "error-408-owner-timeout.json", check_error_408_owner_timeout },
    { "error-421-fleet-wrong-region.json", check_error_421 },
    { "error-429-fleet-rate-limited.json", check_error_429 },
    { "products-fleet-2024.json", check_products_fleet },
    { "products-owner-2024-asleep.json", check_products_owner_asleep },
    { "products-owner-2024-online-with-powerwall.json", check_products_owner_powerwall },
    { "token-authorization-code.json", check_token_authorization_code },
    { "token-refresh-fleet.json", check_token_refresh_fleet },
    { "token-refresh.json", check_token_refresh },
    { "vehicle-asleep-fleet.json", check_vehicle_asleep_fleet },
    { "vehicle-asleep-owner-2024.json", check_vehicle_asleep_owner },
    { "vehicle-online-fleet-docs.json", check_vehicle_online_fleet_docs },
    { "vehicle-online-owner-2020.json", check_vehicle_online_owner },
    { "vehicle_data-model3-fleet-2024-driving-SYNTHETIC.json", check_model3_fleet_driving },
    { "vehicle_data-model3-fleet-2024-driving-no-location-SYNTHETIC.json",
      check_model3_fleet_driving_no_location },
    { "vehicle_data-model3-fleet-2024-parked.json", check_model3_fleet_parked },
    { "vehicle_data-model3-owner-2023-no-location.json", check_model3_owner_no_location },
    { "vehicle_data-models-owner-2020-legacy-data-endpoint.json", check_models_owner_legacy },
    { "vehicle_data-models-owner-2022-charging.json", check_models_owner_charging },
    { "vehicle_data-models-owner-2023-charge-complete.json",
      check_models_owner_charge_complete },
    { "vehicle_data-models-owner-2023-disconnected-nulls.json",
      check_models_owner_disconnected_nulls },
    { "vehicle_data-modely-fleet-docs-2023.json", check_modely_fleet_docs },
    { "vehicles-fleet-docs-2023.json", check_vehicles_fleet_docs },
    { "vehicles-owner-2020.json", check_vehicles_owner },
};

#define DATA_CASE_COUNT (sizeof(data_cases) / sizeof(data_cases[0]))

static const struct data_case *find_data_case(const char *file)
{
    for (size_t i = 0; i < DATA_CASE_COUNT; i++) {
        if (strcmp(data_cases[i].file, file) == 0)
            return &data_cases[i];
    }
    return NULL;
}

static void test_data_file(void **state)
{
    const struct data_case *data = *state;
    size_t length = 0;
    char *body = tesla_api_read(data->file, &length);

    data->check(body, length);

    /* The same body parsed again from an unterminated copy. */
    char *copy = malloc(length);
    assert_non_null(copy);
    memcpy(copy, body, length);
    data->check(copy, length);
    free(copy);
    free(body);
}

static void test_data_folder_fully_covered(void **state)
{
    char dir_path[TESLA_API_PATH_MAX];
    struct dirent *entry;
    size_t files = 0;
    DIR *dir;

    (void)state;
    tesla_api_dir(dir_path, sizeof(dir_path));
    dir = opendir(dir_path);
    if (dir == NULL)
        fail_msg("cannot open %s; run from the repository root or set TENANTMATE_SHARED",
                 dir_path);
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (find_data_case(entry->d_name) == NULL)
            fail_msg("data file %s has no case in data_cases", entry->d_name);
        files++;
    }
    closedir(dir);
    assert_int_equal(files, DATA_CASE_COUNT);
}

static void test_index_entries_covered(void **state)
{
    size_t length = 0;
    char *text = tesla_api_read("index.json", &length);
    cJSON *index = cJSON_ParseWithLength(text, length);
    const cJSON *entry;
    int entries = 0;

    (void)state;
    assert_true(cJSON_IsArray(index));
    cJSON_ArrayForEach(entry, index) {
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(entry, "file");

        assert_true(cJSON_IsString(file));
        if (find_data_case(file->valuestring) == NULL)
            fail_msg("index.json lists %s, which has no case", file->valuestring);
        entries++;
    }
    assert_true(entries > 0);
    cJSON_Delete(index);
    free(text);
}

/* ---- traps: ids ---- */

static void test_summary_only_fields(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'state': 'online',"
        " 'drive_state': {'active_route_destination': 'Home', 'active_route_latitude': 48.1,"
        "   'active_route_longitude': 11.5, 'active_route_miles_to_arrival': 12.5,"
        "   'active_route_minutes_to_arrival': 20, 'active_route_energy_at_arrival': 61,"
        "   'active_route_traffic_minutes_delay': 0},"
        " 'charge_state': {'charge_current_request': 16, 'charge_current_request_max': 32},"
        " 'vehicle_state': {'tpms_soft_warning_fl': true, 'tpms_soft_warning_rr': false,"
        "   'center_display_state': 2, 'sun_roof_state': 'vent', 'sun_roof_percent_open': 15},"
        " 'vehicle_config': {'sun_roof_installed': 2}}}");

    (void)state;
    assert_string_equal(s.drive.active_route_destination, "Home");
    assert_double_known(s.drive.active_route_latitude, 48.1);
    assert_double_known(s.drive.active_route_longitude, 11.5);
    assert_double_known(s.drive.active_route_miles_to_arrival, 12.5);
    assert_double_known(s.drive.active_route_minutes_to_arrival, 20);
    assert_double_known(s.drive.active_route_energy_at_arrival, 61);
    assert_double_known(s.drive.active_route_traffic_minutes_delay, 0);
    assert_double_known(s.charge.charge_current_request_a, 16);
    assert_double_known(s.charge.charge_current_request_max_a, 32);
    assert_bool_known(s.vehicle.tpms_soft_warning_fl, true);
    assert_bool_known(s.vehicle.tpms_soft_warning_rr, false);
    assert_unknown(s.vehicle.tpms_soft_warning_fr);
    assert_int64_known(s.vehicle.center_display_state, 2);
    assert_string_equal(s.vehicle.sun_roof_state, "vent");
    assert_double_known(s.vehicle.sun_roof_percent_open, 15);
    assert_int64_known(s.config.sun_roof_installed, 2);
}

static void test_id_above_2_53_uses_id_s(void **state)
{
    struct vehicle_sample s =
        sample_from("{'response': {'id': 26000000000000006, 'id_s': '26000000000000006'}}");

    (void)state;
    assert_int64_known(s.eid, 26000000000000006);
}

static void test_id_above_2_53_without_id_s_unknown(void **state)
{
    struct vehicle_sample s =
        sample_from("{'response': {'id': 26000000000000006, 'vehicle_id': 1000000006}}");

    (void)state;
    assert_unknown(s.eid);
    assert_int64_known(s.vid, 1000000006);

    /* 2^53 itself is ambiguous too: 2^53 + 1 parses to the same double. */
    s = sample_from("{'response': {'id': 9007199254740993}}");
    assert_unknown(s.eid);
    s = sample_from("{'response': {'id': 9007199254740991}}");
    assert_int64_known(s.eid, 9007199254740991);
}

static void test_id_small_without_id_s(void **state)
{
    struct vehicle_sample s = sample_from("{'response': {'id': 100021, 'vehicle_id': 99999.0}}");

    (void)state;
    assert_int64_known(s.eid, 100021);
    assert_int64_known(s.vid, 99999);
}

static void test_id_s_invalid_falls_back_to_id(void **state)
{
    static const char *const bodies[] = {
        "{'response': {'id': 42, 'id_s': 'abc'}}",
        "{'response': {'id': 42, 'id_s': ''}}",
        "{'response': {'id': 42, 'id_s': '-5'}}",
        "{'response': {'id': 42, 'id_s': ' 42'}}",
        "{'response': {'id': 42, 'id_s': '99999999999999999999'}}",
        "{'response': {'id': 42, 'id_s': 12}}",
        "{'response': {'id': 42, 'id_s': null}}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct vehicle_sample s = sample_from(bodies[i]);

        assert_int64_known(s.eid, 42);
    }
}

static void test_id_invalid_is_unknown(void **state)
{
    static const char *const bodies[] = {
        "{'response': {'id': 1.5}}",
        "{'response': {'id': -7}}",
        "{'response': {'id': 1e300}}",
        "{'response': {'id': true}}",
        "{'response': {'id': '<invalid>'}}",
        "{'response': {'id_s': '9223372036854775808'}}",    /* INT64_MAX + 1 */
        "{'response': {}}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct vehicle_sample s = sample_from(bodies[i]);

        assert_unknown(s.eid);
    }
}

static void test_id_as_decimal_string(void **state)
{
    struct vehicle_sample s =
        sample_from("{'response': {'id': '9223372036854775807', 'vehicle_id': '7'}}");

    (void)state;
    assert_int64_known(s.eid, INT64_MAX);
    assert_int64_known(s.vid, 7);
}

/* ---- traps: numbers ---- */

static void test_integer_and_float_forms_agree(void **state)
{
    struct vehicle_sample a = sample_from(
        "{'response': {'charge_state': {'battery_level': 77, 'charger_power': 0},"
        " 'drive_state': {'heading': 185, 'timestamp': 1705707520649}}}");
    struct vehicle_sample b = sample_from(
        "{'response': {'charge_state': {'battery_level': 77.0, 'charger_power': 0.0},"
        " 'drive_state': {'heading': 185.0, 'timestamp': 1705707520649.0}}}");

    (void)state;
    assert_double_known(a.charge.battery_level, 77);
    assert_double_known(b.charge.battery_level, 77);
    assert_double_known(b.charge.charger_power_kw, 0);
    assert_int64_known(a.drive.heading, 185);
    assert_int64_known(b.drive.heading, 185);
    assert_int64_known(b.drive.timestamp_ms, 1705707520649);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_integer_field_rounds_fraction(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'drive_state': {'heading': 185.4, 'gps_as_of': 1701129612.5},"
        " 'vehicle_state': {'df': -0.5, 'pf': 2e0}}}");

    (void)state;
    assert_int64_known(s.drive.heading, 185);
    assert_int64_known(s.drive.gps_as_of_s, 1701129613);
    assert_int64_known(s.vehicle.door_driver_front, -1);
    assert_int64_known(s.vehicle.door_passenger_front, 2);
}

static void test_absurd_numbers_unknown(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'drive_state': {'timestamp': 1e30, 'heading': -1e300,"
        " 'gps_as_of': 9223372036854775807, 'speed': 1e999, 'power': -1e999,"
        " 'latitude': 90.5, 'longitude': -181},"
        " 'charge_state': {'timestamp': 9223372036854774784, 'battery_level': 1e308}}}");

    (void)state;
    assert_true(s.has_drive_state);
    assert_unknown(s.drive.timestamp_ms);
    assert_unknown(s.drive.heading);
    /* 2^63 - 1 becomes the double 2^63, one past INT64_MAX. */
    assert_unknown(s.drive.gps_as_of_s);
    assert_unknown(s.drive.speed_mph);       /* overflows to infinity */
    assert_unknown(s.drive.power_kw);
    assert_unknown(s.drive.latitude);
    assert_unknown(s.drive.longitude);
    /* The largest double below 2^63 still fits. */
    assert_int64_known(s.charge.timestamp_ms, INT64_C(9223372036854774784));
    /* Finite and not range-checked here. */
    assert_double_known(s.charge.battery_level, 1e308);
}

static void test_coordinate_limits_known(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'drive_state': {'latitude': -90, 'longitude': 180}}}");

    (void)state;
    assert_double_known(s.drive.latitude, -90);
    assert_double_known(s.drive.longitude, 180);
}

static void test_timestamp_seconds_nanos_object(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'drive_state': {'timestamp': {'seconds': 1705707520, 'nanos': 649000000}},"
        " 'charge_state': {'timestamp': {'seconds': 1705707520}},"
        " 'climate_state': {'timestamp': {'seconds': 1, 'nanos': 1000000000}},"
        " 'vehicle_state': {'timestamp': {'seconds': 1e300}}}}");

    (void)state;
    assert_int64_known(s.drive.timestamp_ms, 1705707520649);
    assert_int64_known(s.charge.timestamp_ms, 1705707520000);
    assert_unknown(s.climate.timestamp_ms);     /* nanos out of range */
    assert_unknown(s.vehicle.timestamp_ms);

    s = sample_from(
        "{'response': {'drive_state': {'timestamp': {'seconds': 9223372036854774,"
        " 'nanos': 999999999}}, 'charge_state': {'timestamp': {'seconds': -1,"
        " 'nanos': 500000000}}, 'climate_state': {'timestamp': {'nanos': 5}}}}");
    assert_int64_known(s.drive.timestamp_ms, INT64_C(9223372036854774999));
    assert_int64_known(s.charge.timestamp_ms, -500);
    assert_unknown(s.climate.timestamp_ms);     /* no seconds */
}

/* ---- traps: wrong types, "<invalid>", null, missing ---- */

static void test_wrong_types_unknown(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'state': 5, 'in_service': 'false', 'vin': 17,"
        " 'charge_state': {'battery_level': '77', 'charging_state': 3,"
        "  'charge_port_door_open': 1, 'charger_phases': '<invalid>',"
        "  'conn_charge_cable': '<invalid>', 'fast_charger_type': ['a']},"
        " 'vehicle_state': {'locked': 'true', 'df': false, 'odometer': {},"
        "  'car_version': null, 'software_update': 'available'},"
        " 'climate_state': {'climate_keeper_mode': true, 'inside_temp': [21.5]}}}");

    (void)state;
    assert_string_equal(s.state, "unknown");
    assert_unknown(s.in_service);
    assert_string_equal(s.vin, "");
    assert_unknown(s.charge.battery_level);
    assert_string_equal(s.charge.charging_state, "");
    assert_unknown(s.charge.charge_port_door_open);
    assert_unknown(s.charge.charger_phases);
    assert_string_equal(s.charge.conn_charge_cable, "");
    assert_string_equal(s.charge.fast_charger_type, "");
    assert_unknown(s.vehicle.locked);
    assert_unknown(s.vehicle.door_driver_front);
    assert_unknown(s.vehicle.odometer_mi);
    assert_string_equal(s.vehicle.car_version, "");
    assert_string_equal(s.vehicle.software_update.status, "");
    assert_string_equal(s.climate.climate_keeper_mode, "");
    assert_unknown(s.climate.inside_temp_c);
}

static void test_sub_objects_of_wrong_type_absent(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'state': 'online', 'drive_state': [], 'charge_state': 'x',"
        " 'climate_state': 1, 'vehicle_state': true, 'vehicle_config': null}}");

    (void)state;
    assert_false(s.has_drive_state);
    assert_false(s.has_charge_state);
    assert_false(s.has_climate_state);
    assert_false(s.has_vehicle_state);
    assert_false(s.has_vehicle_config);
}

static void test_every_sub_object_optional(void **state)
{
    struct vehicle_sample s = sample_from("{'response': {'id_s': '5', 'state': 'online'}}");

    (void)state;
    assert_string_equal(s.state, "online");
    assert_false(s.has_drive_state);
    assert_false(s.has_charge_state);
    assert_false(s.has_climate_state);
    assert_false(s.has_vehicle_state);
    assert_false(s.has_vehicle_config);
    assert_false(vehicle_sample_is_full(&s));
    assert_unknown(s.vid);
    assert_unknown(s.in_service);
    assert_unknown(s.drive.timestamp_ms);
    assert_unknown(s.drive.latitude);
    assert_unknown(s.charge.battery_level);
    assert_unknown(s.climate.is_preconditioning);
    assert_unknown(s.vehicle.is_user_present);
    assert_unknown(s.vehicle.software_update.download_percent);
    assert_unknown(s.config.rhd);
    assert_string_equal(s.display_name, "");
}

static void test_null_everywhere(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'id': null, 'id_s': null, 'vehicle_id': null, 'vin': null,"
        " 'state': null, 'display_name': null, 'in_service': null,"
        " 'drive_state': {'timestamp': null, 'latitude': null, 'longitude': null,"
        "  'heading': null, 'speed': null, 'power': null, 'shift_state': null},"
        " 'charge_state': {'charging_state': null, 'battery_level': null},"
        " 'climate_state': {'is_climate_on': null, 'climate_keeper_mode': null},"
        " 'vehicle_state': {'vehicle_name': null, 'software_update': null, 'locked': null},"
        " 'vehicle_config': {'car_type': null, 'rhd': null}}}");

    (void)state;
    assert_unknown(s.eid);
    assert_unknown(s.vid);
    assert_string_equal(s.vin, "");
    assert_string_equal(s.state, "unknown");
    assert_string_equal(s.display_name, "");
    assert_unknown(s.in_service);
    assert_true(vehicle_sample_is_full(&s));
    assert_unknown(s.drive.timestamp_ms);
    assert_unknown(s.drive.speed_mph);
    assert_unknown(s.drive.power_kw);
    assert_string_equal(s.drive.shift_state, "");
    assert_string_equal(s.charge.charging_state, "");
    assert_unknown(s.charge.battery_level);
    assert_unknown(s.climate.is_climate_on);
    assert_unknown(s.vehicle.locked);
    assert_string_equal(s.vehicle.software_update.status, "");
    assert_unknown(s.vehicle.software_update.install_percent);
    assert_string_equal(s.config.car_type, "");
    assert_unknown(s.config.rhd);
}

static void test_unknown_keys_ignored(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'state': 'online', 'future_key': {'nested': [1, {'x': null}]},"
        " 'gui_settings': {'gui_distance_units': 'km/hr'}, 'Speed': 99,"
        " 'drive_state': {'new_thing': 1, 'speed': 5, 'SPEED': 6}},"
        " 'count': 1, 'messages': {}}");

    (void)state;
    assert_string_equal(s.state, "online");
    assert_double_known(s.drive.speed_mph, 5);
}

static void test_state_missing_is_unknown(void **state)
{
    (void)state;
    assert_string_equal(sample_from("{'response': {}}").state, "unknown");
    assert_string_equal(sample_from("{'response': {'state': null}}").state, "unknown");
    assert_string_equal(sample_from("{'response': {'state': ''}}").state, "unknown");
    assert_string_equal(sample_from("{'response': {'state': 'offline'}}").state, "offline");
    assert_string_equal(sample_from("{'response': {'state': 'asleep'}}").state, "asleep");
}

static void test_vehicle_name_over_display_name(void **state)
{
    (void)state;
    assert_string_equal(sample_from("{'response': {'display_name': 'Old',"
                                    " 'vehicle_state': {'vehicle_name': 'New'}}}").display_name,
                        "New");
    assert_string_equal(sample_from("{'response': {'display_name': 'Old',"
                                    " 'vehicle_state': {'vehicle_name': null}}}").display_name,
                        "Old");
    assert_string_equal(sample_from("{'response': {'display_name': 'Old',"
                                    " 'vehicle_state': {'vehicle_name': ''}}}").display_name,
                        "Old");
    assert_string_equal(sample_from("{'response': {'display_name': 'Old',"
                                    " 'vehicle_state': {'vehicle_name': '<invalid>'}}}")
                            .display_name,
                        "Old");
    assert_string_equal(sample_from("{'response': {'display_name': 'Old'}}").display_name, "Old");
    assert_string_equal(sample_from("{'response': {'vehicle_state': {'vehicle_name': 'New'}}}")
                            .display_name,
                        "New");
}

static void test_software_update_missing_all_unknown(void **state)
{
    static const char *const bodies[] = {
        "{'response': {'vehicle_state': {'car_version': '2024.2.7'}}}",
        "{'response': {'vehicle_state': {'software_update': null}}}",
        "{'response': {'vehicle_state': {'software_update': []}}}",
        "{'response': {'vehicle_state': {'software_update': {}}}}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct vehicle_sample s = sample_from(bodies[i]);

        assert_true(s.has_vehicle_state);
        assert_string_equal(s.vehicle.software_update.status, "");
        assert_string_equal(s.vehicle.software_update.version, "");
        assert_unknown(s.vehicle.software_update.download_percent);
        assert_unknown(s.vehicle.software_update.install_percent);
        assert_unknown(s.vehicle.software_update.expected_duration_s);
        assert_unknown(s.vehicle.software_update.scheduled_time_ms);
    }
}

static void test_software_update_fields(void **state)
{
    struct vehicle_sample s = sample_from(
        "{'response': {'vehicle_state': {'software_update': {'status': 'installing',"
        " 'version': '2024.8.9', 'download_perc': 100, 'install_perc': 42.5,"
        " 'expected_duration_sec': 2700, 'scheduled_time_ms': 1705707520649}}}}");

    (void)state;
    assert_string_equal(s.vehicle.software_update.status, "installing");
    assert_string_equal(s.vehicle.software_update.version, "2024.8.9");
    assert_double_known(s.vehicle.software_update.download_percent, 100);
    assert_double_known(s.vehicle.software_update.install_percent, 42.5);
    assert_int64_known(s.vehicle.software_update.expected_duration_s, 2700);
    assert_int64_known(s.vehicle.software_update.scheduled_time_ms, 1705707520649);
}

/* ---- traps: text ---- */

static void test_text_cut_at_utf8_boundary(void **state)
{
    /* 62 ASCII bytes, then a 3-byte en dash across the 63-byte limit. */
    char quoted[160];
    struct vehicle_sample s;

    (void)state;
    snprintf(quoted, sizeof(quoted), "{'response': {'display_name': '%.62s\xE2\x80\x93x'}}",
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    s = sample_from(quoted);
    assert_int_equal(strlen(s.display_name), 62);
    assert_int_equal(strncmp(s.display_name, "ABCDEFGHIJ", 10), 0);

    /* A name that fits keeps its multi-byte characters. */
    s = sample_from("{'response': {'display_name': 'Caf\xC3\xA9 \xE2\x80\x93 1'}}");
    assert_string_equal(s.display_name, "Caf\xC3\xA9 \xE2\x80\x93 1");
}

static void test_vin_too_long_unknown(void **state)
{
    struct vehicle_sample s;

    (void)state;
    s = sample_from("{'response': {'vin': '5YJ3E1EA0KF000001'}}");
    assert_string_equal(s.vin, "5YJ3E1EA0KF000001");
    s = sample_from("{'response': {'vin': '5YJ3E1EA0KF0000015YJ3E1EA0KF000001'}}");
    assert_string_equal(s.vin, "");
}

/* ---- traps: whole bodies ---- */

static void test_failed_parse_leaves_sample_untouched(void **state)
{
    static const struct {
        const char *quoted;
        enum tesla_parse_status status;
        const char *message;
    } cases[] = {
        { "", TESLA_PARSE_NOT_JSON, "body is empty (0 bytes)" },
        { " \r\n\t ", TESLA_PARSE_NOT_JSON, "body is empty (5 bytes)" },
        { "{'response': {'state': 'onl", TESLA_PARSE_NOT_JSON, "not valid JSON" },
        { "{'response': {}}}", TESLA_PARSE_NOT_JSON, "unexpected data after the JSON value" },
        { "{'response': {}} x", TESLA_PARSE_NOT_JSON, "at byte 17 of 18" },
        { "<html>502 Bad Gateway</html>", TESLA_PARSE_NOT_JSON, "not valid JSON" },
        { "[{'response': {}}]", TESLA_PARSE_WRONG_TYPE, "body is a JSON array" },
        { "'response'", TESLA_PARSE_WRONG_TYPE, "body is a JSON string" },
        { "null", TESLA_PARSE_WRONG_TYPE, "body is a JSON null" },
        { "{}", TESLA_PARSE_NO_RESPONSE, "body has no \"response\" member" },
        { "{'response': null}", TESLA_PARSE_NO_RESPONSE, "\"response\" is null" },
        { "{'response': null, 'error': 'vehicle unavailable: asleep'}",
          TESLA_PARSE_NO_RESPONSE, "the body has error \"vehicle unavailable: asleep\"" },
        { "{'Response': {}}", TESLA_PARSE_NO_RESPONSE, "no \"response\" member" },
        { "{'response': []}", TESLA_PARSE_WRONG_TYPE,
          "\"response\" is a JSON array, expected an object" },
        { "{'response': 'online'}", TESLA_PARSE_WRONG_TYPE, "\"response\" is a JSON string" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tesla_parse_error error = { "" };
        struct vehicle_sample s;
        enum tesla_parse_status status;

        fill_sentinel(&s);
        status = parse_quoted(cases[i].quoted, &s, &error);
        if (status != cases[i].status)
            fail_msg("body %s: status %s, expected %s", cases[i].quoted,
                     tesla_parse_status_name(status), tesla_parse_status_name(cases[i].status));
        if (strstr(error.message, cases[i].message) == NULL)
            fail_msg("body %s: message \"%s\" lacks \"%s\"", cases[i].quoted, error.message,
                     cases[i].message);
        assert_sentinel(&s);
    }
}

static void test_null_body_not_json(void **state)
{
    struct tesla_parse_error error = { "" };
    struct vehicle_sample s;

    (void)state;
    fill_sentinel(&s);
    assert_int_equal(vehicle_parse_body(NULL, 0, &s, &error), TESLA_PARSE_NOT_JSON);
    assert_string_equal(error.message, "body is empty (0 bytes)");
    assert_sentinel(&s);
    /* A NULL error is allowed. */
    assert_int_equal(vehicle_parse_body("{", 1, &s, NULL), TESLA_PARSE_NOT_JSON);
}

static void test_nul_inside_body_not_json(void **state)
{
    static const char body[] = "{\"response\": {}}\0{}";
    struct tesla_parse_error error = { "" };
    struct vehicle_sample s;

    (void)state;
    fill_sentinel(&s);
    assert_int_equal(vehicle_parse_body(body, sizeof(body) - 1, &s, &error),
                     TESLA_PARSE_NOT_JSON);
    assert_sentinel(&s);
}

static void test_deep_nesting_not_json(void **state)
{
    enum { DEPTH = 5000 };
    struct tesla_parse_error error = { "" };
    char *body = malloc(DEPTH * 2);
    struct vehicle_sample s;

    (void)state;
    assert_non_null(body);
    memset(body, '[', DEPTH);
    memset(body + DEPTH, ']', DEPTH);
    fill_sentinel(&s);
    assert_int_equal(vehicle_parse_body(body, DEPTH * 2, &s, &error), TESLA_PARSE_NOT_JSON);
    assert_sentinel(&s);
    free(body);
}

/* Every proper prefix of a real body is rejected, and never half-filled. */
static void test_truncated_real_body_rejected(void **state)
{
    size_t length = 0;
    char *body = tesla_api_read("vehicle_data-model3-fleet-2024-parked.json", &length);
    struct tesla_parse_error error;
    struct vehicle_sample s;

    (void)state;
    for (size_t cut = 0; cut < length - 1; cut++) {
        char *prefix = malloc(cut > 0 ? cut : 1);

        assert_non_null(prefix);
        memcpy(prefix, body, cut);
        fill_sentinel(&s);
        if (vehicle_parse_body(prefix, cut, &s, &error) != TESLA_PARSE_NOT_JSON)
            fail_msg("prefix of %zu bytes was not rejected as not JSON", cut);
        assert_sentinel(&s);
        free(prefix);
    }
    free(body);
}

static void test_parse_object_rejects_non_object(void **state)
{
    cJSON *array = cJSON_CreateArray();
    struct vehicle_sample s;

    (void)state;
    fill_sentinel(&s);
    assert_false(vehicle_parse_object(array, &s));
    assert_false(vehicle_parse_object(NULL, &s));
    assert_sentinel(&s);
    cJSON_Delete(array);
}

static void test_sample_clear(void **state)
{
    struct vehicle_sample s;

    (void)state;
    fill_sentinel(&s);
    vehicle_sample_clear(&s);
    assert_string_equal(s.state, "unknown");
    assert_unknown(s.eid);
    assert_false(s.has_drive_state);
    assert_unknown(s.vehicle.software_update.download_percent);
}

/* ---- traps: lists ---- */

static void test_list_keeps_only_vehicle_entries(void **state)
{
    size_t length;
    char *body = quoted_body(
        "{'response': [{'energy_site_id': 1}, 5, null, 'x', [1],"
        " {'id_s': '11', 'vehicle_id': 21, 'state': 'asleep'},"
        " {'id_s': '12', 'vehicle_id': null},"
        " {'id_s': '13', 'Vehicle_id': 23}], 'count': 8}", &length);
    struct tesla_parse_error error = { "" };
    struct vehicle_list list = { NULL, 0 };

    (void)state;
    assert_int_equal(vehicle_parse_list(body, length, &list, &error), TESLA_PARSE_OK);
    assert_int_equal(list.count, 2);
    assert_int64_known(list.vehicles[0].eid, 11);
    assert_int64_known(list.vehicles[0].vid, 21);
    assert_string_equal(list.vehicles[0].state, "asleep");
    assert_int64_known(list.vehicles[1].eid, 12);
    assert_unknown(list.vehicles[1].vid);
    assert_string_equal(list.vehicles[1].state, "unknown");
    vehicle_list_free(&list);
    assert_null(list.vehicles);
    assert_int_equal(list.count, 0);
    vehicle_list_free(&list);
    free(body);
}

static void test_list_empty(void **state)
{
    size_t length;
    char *body = quoted_body("{'response': [], 'count': 0}", &length);
    struct tesla_parse_error error = { "" };
    struct vehicle_sample marker;
    struct vehicle_list list = { &marker, 99 };

    (void)state;
    assert_int_equal(vehicle_parse_list(body, length, &list, &error), TESLA_PARSE_OK);
    assert_null(list.vehicles);
    assert_int_equal(list.count, 0);
    free(body);
}

static void test_list_failure_leaves_list_untouched(void **state)
{
    static const struct {
        const char *quoted;
        enum tesla_parse_status status;
    } cases[] = {
        { "{'response': {'id': 1}}", TESLA_PARSE_WRONG_TYPE },
        { "{'response': null}", TESLA_PARSE_NO_RESPONSE },
        { "{'response': [{'vehicle_id': 1}", TESLA_PARSE_NOT_JSON },
        { "[]", TESLA_PARSE_WRONG_TYPE },
        { "", TESLA_PARSE_NOT_JSON },
    };
    struct vehicle_sample marker;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tesla_parse_error error = { "" };
        struct vehicle_list list = { &marker, 7 };
        size_t length;
        char *body = quoted_body(cases[i].quoted, &length);

        assert_int_equal(vehicle_parse_list(body, length, &list, &error), cases[i].status);
        assert_ptr_equal(list.vehicles, &marker);
        assert_int_equal(list.count, 7);
        assert_true(error.message[0] != '\0');
        free(body);
    }
}

/* ---- traps: OAuth ---- */

static enum tesla_parse_status parse_tokens_quoted(const char *quoted,
                                                   struct oauth_tokens *tokens,
                                                   struct tesla_parse_error *error)
{
    size_t length;
    char *body = quoted_body(quoted, &length);
    enum tesla_parse_status status = oauth_tokens_parse(body, length, tokens, error);

    free(body);
    return status;
}

static void test_tokens_minimal_and_lenient_forms(void **state)
{
    struct tesla_parse_error error = { "" };
    struct oauth_tokens tokens = { NULL };

    (void)state;
    assert_int_equal(parse_tokens_quoted("{'access_token': 'a.b.c', 'refresh_token': 'r',"
                                         " 'expires_in': 28800.0, 'token_type': 'bearer',"
                                         " 'id_token': 5}", &tokens, &error),
                     TESLA_PARSE_OK);
    assert_string_equal(tokens.access_token, "a.b.c");
    assert_string_equal(tokens.refresh_token, "r");
    assert_string_equal(tokens.token_type, "bearer");
    assert_null(tokens.id_token);               /* wrong type: dropped */
    assert_int_equal(tokens.expires_in_s, 28800);
    oauth_tokens_free(&tokens);
    assert_null(tokens.access_token);
    assert_null(tokens.refresh_token);
    assert_null(tokens.token_type);
    oauth_tokens_free(&tokens);                 /* twice is harmless */
    oauth_tokens_free(NULL);
}

static void test_tokens_invalid_rejected(void **state)
{
    static const struct {
        const char *quoted;
        enum tesla_parse_status status;
        const char *message;
    } cases[] = {
        { "{'refresh_token': 'secret-r', 'expires_in': 1, 'token_type': 'Bearer'}",
          TESLA_PARSE_INVALID_FIELD, "access_token is missing" },
        { "{'access_token': 'secret-a', 'expires_in': 1, 'token_type': 'Bearer'}",
          TESLA_PARSE_INVALID_FIELD, "refresh_token is missing" },
        { "{'access_token': 'secret-a', 'refresh_token': null, 'expires_in': 1,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "refresh_token is missing" },
        { "{'access_token': 7, 'refresh_token': 'secret-r', 'expires_in': 1,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD,
          "access_token is a JSON number" },
        { "{'access_token': '', 'refresh_token': 'secret-r', 'expires_in': 1,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "access_token is empty" },
        { "{'access_token': 'secret-a\\r\\nX-Injected: 1', 'refresh_token': 'secret-r',"
          " 'expires_in': 1, 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD,
          "access_token has a byte outside visible ASCII at offset 8" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret r', 'expires_in': 1,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "refresh_token has a byte outside visible ASCII at offset 6" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'token_type': 'Bearer'}",
          TESLA_PARSE_INVALID_FIELD, "expires_in is missing" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': '28800',"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "expires_in is a JSON string" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': 0,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "expires_in 0 is out of range" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': -5,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "out of range" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': 1e20,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "out of range" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': 1e999,"
          " 'token_type': 'Bearer'}", TESLA_PARSE_INVALID_FIELD, "out of range" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': 1}",
          TESLA_PARSE_INVALID_FIELD, "token_type is missing" },
        { "{'access_token': 'secret-a', 'refresh_token': 'secret-r', 'expires_in': 1,"
          " 'token_type': 'mac'}", TESLA_PARSE_INVALID_FIELD,
          "token_type \"mac\" is not supported" },
        { "{'error': 'invalid_grant', 'error_description': 'The refresh_token is invalid'}",
          TESLA_PARSE_INVALID_FIELD, "the body has error \"invalid_grant\"" },
        { "['secret-a']", TESLA_PARSE_WRONG_TYPE, "token response is a JSON array" },
        { "{'access_token': 'secret-a'", TESLA_PARSE_NOT_JSON, "not valid JSON" },
        { "", TESLA_PARSE_NOT_JSON, "body is empty" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tesla_parse_error error = { "" };
        struct oauth_tokens tokens = { (char *)"untouched", NULL, NULL, NULL, 3 };
        enum tesla_parse_status status = parse_tokens_quoted(cases[i].quoted, &tokens, &error);

        if (status != cases[i].status)
            fail_msg("body %s: status %s, expected %s", cases[i].quoted,
                     tesla_parse_status_name(status), tesla_parse_status_name(cases[i].status));
        if (strstr(error.message, cases[i].message) == NULL)
            fail_msg("body %s: message \"%s\" lacks \"%s\"", cases[i].quoted, error.message,
                     cases[i].message);
        /* No token value may reach a message, which callers log. */
        assert_null(strstr(error.message, "secret"));
        assert_string_equal(tokens.access_token, "untouched");
        assert_int_equal(tokens.expires_in_s, 3);
    }
}

static void test_error_body_forms(void **state)
{
    struct tesla_parse_error error = { "" };
    struct tesla_error_body error_body;
    size_t length;
    char *body;

    (void)state;
    body = quoted_body("{'error': 'invalid_grant', 'error_description': 'The refresh_token"
                       " is invalid'}", &length);
    assert_int_equal(tesla_error_body_parse(body, length, &error_body, &error), TESLA_PARSE_OK);
    assert_string_equal(error_body.error, "invalid_grant");
    assert_string_equal(error_body.error_description, "The refresh_token is invalid");
    free(body);

    body = quoted_body("{'error': 'login_required', 'error_description': null}", &length);
    assert_int_equal(tesla_error_body_parse(body, length, &error_body, &error), TESLA_PARSE_OK);
    assert_string_equal(error_body.error, "login_required");
    assert_string_equal(error_body.error_description, "");
    free(body);

    body = quoted_body("{'error': {'code': 5}}", &length);
    assert_int_equal(tesla_error_body_parse(body, length, &error_body, &error),
                     TESLA_PARSE_INVALID_FIELD);
    assert_string_equal(error.message, "\"error\" is a JSON object, expected a string");
    free(body);

    body = quoted_body("{'response': null}", &length);
    assert_int_equal(tesla_error_body_parse(body, length, &error_body, &error),
                     TESLA_PARSE_INVALID_FIELD);
    assert_string_equal(error.message, "error body has no \"error\" member");
    free(body);

    body = quoted_body("['invalid_grant']", &length);
    assert_int_equal(tesla_error_body_parse(body, length, &error_body, &error),
                     TESLA_PARSE_WRONG_TYPE);
    free(body);

    /* An empty 401 body. */
    assert_int_equal(tesla_error_body_parse("", 0, &error_body, &error), TESLA_PARSE_NOT_JSON);
}

static void test_status_names(void **state)
{
    (void)state;
    for (int i = 0; i < TESLA_PARSE_STATUS_COUNT; i++) {
        const char *name = tesla_parse_status_name((enum tesla_parse_status)i);

        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, tesla_parse_status_name((enum tesla_parse_status)j));
    }
    assert_string_equal(tesla_parse_status_name(TESLA_PARSE_STATUS_COUNT), "unknown");
    assert_string_equal(tesla_parse_status_name(TESLA_PARSE_NO_RESPONSE), "no response object");
}

static const struct CMUnitTest trap_tests[] = {
    cmocka_unit_test(test_data_folder_fully_covered),
    cmocka_unit_test(test_index_entries_covered),
    cmocka_unit_test(test_summary_only_fields),
    cmocka_unit_test(test_id_above_2_53_uses_id_s),
    cmocka_unit_test(test_id_above_2_53_without_id_s_unknown),
    cmocka_unit_test(test_id_small_without_id_s),
    cmocka_unit_test(test_id_s_invalid_falls_back_to_id),
    cmocka_unit_test(test_id_invalid_is_unknown),
    cmocka_unit_test(test_id_as_decimal_string),
    cmocka_unit_test(test_integer_and_float_forms_agree),
    cmocka_unit_test(test_integer_field_rounds_fraction),
    cmocka_unit_test(test_absurd_numbers_unknown),
    cmocka_unit_test(test_coordinate_limits_known),
    cmocka_unit_test(test_timestamp_seconds_nanos_object),
    cmocka_unit_test(test_wrong_types_unknown),
    cmocka_unit_test(test_sub_objects_of_wrong_type_absent),
    cmocka_unit_test(test_every_sub_object_optional),
    cmocka_unit_test(test_null_everywhere),
    cmocka_unit_test(test_unknown_keys_ignored),
    cmocka_unit_test(test_state_missing_is_unknown),
    cmocka_unit_test(test_vehicle_name_over_display_name),
    cmocka_unit_test(test_software_update_missing_all_unknown),
    cmocka_unit_test(test_software_update_fields),
    cmocka_unit_test(test_text_cut_at_utf8_boundary),
    cmocka_unit_test(test_vin_too_long_unknown),
    cmocka_unit_test(test_failed_parse_leaves_sample_untouched),
    cmocka_unit_test(test_null_body_not_json),
    cmocka_unit_test(test_nul_inside_body_not_json),
    cmocka_unit_test(test_deep_nesting_not_json),
    cmocka_unit_test(test_truncated_real_body_rejected),
    cmocka_unit_test(test_parse_object_rejects_non_object),
    cmocka_unit_test(test_sample_clear),
    cmocka_unit_test(test_list_keeps_only_vehicle_entries),
    cmocka_unit_test(test_list_empty),
    cmocka_unit_test(test_list_failure_leaves_list_untouched),
    cmocka_unit_test(test_tokens_minimal_and_lenient_forms),
    cmocka_unit_test(test_tokens_invalid_rejected),
    cmocka_unit_test(test_error_body_forms),
    cmocka_unit_test(test_status_names),
};

#define TRAP_TEST_COUNT (sizeof(trap_tests) / sizeof(trap_tests[0]))

int main(void)
{
    struct CMUnitTest tests[DATA_CASE_COUNT + TRAP_TEST_COUNT];

    /* One test per data file, named after the file. */
    for (size_t i = 0; i < DATA_CASE_COUNT; i++) {
        tests[i] = (struct CMUnitTest){
            .name = data_cases[i].file,
            .test_func = test_data_file,
            .initial_state = (void *)&data_cases[i],
        };
    }
    memcpy(&tests[DATA_CASE_COUNT], trap_tests, sizeof(trap_tests));
    return _cmocka_run_group_tests("vehicle_parse", tests, DATA_CASE_COUNT + TRAP_TEST_COUNT,
                                   NULL, NULL);
}
