/*
 * vehicle_parse_internal: helpers shared by the vehicle_parse*.c files.
 * Not for use outside them; the public interface is vehicle_parse.h.
 *
 * Contract: the typed readers take an object and a key and return the
 * value with `known` false when the key is missing, null, of the wrong
 * JSON type, "<invalid>" or out of range. They never allocate.
 */
#ifndef TENANTMATE_VEHICLE_PARSE_INTERNAL_H
#define TENANTMATE_VEHICLE_PARSE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "vehicle_parse.h"
#include "vehicle_sample.h"

/* The text Tesla sends for a string value the car could not read. */
#define TESLA_INVALID_TEXT "<invalid>"

struct opt_double tesla_json_double(const cJSON *object, const char *key);
struct opt_double tesla_json_double_in_range(const cJSON *object, const char *key,
                                             double minimum, double maximum);
struct opt_int64 tesla_json_int64(const cJSON *object, const char *key);
struct opt_bool tesla_json_bool(const cJSON *object, const char *key);

/* Epoch milliseconds from a number, or from a protobuf-style object
 * {"seconds": s, "nanos": n} that some Fleet-era sections send instead. */
struct opt_int64 tesla_json_timestamp_ms(const cJSON *object, const char *key);

/* A vehicle id: the decimal string `string_key` (e.g. "id_s") when valid,
 * else `number_key` as a number below 2^53 or as a decimal string. */
struct opt_int64 tesla_json_id(const cJSON *object, const char *number_key,
                               const char *string_key);

/* Copies a string member into buffer, cut at a UTF-8 character boundary;
 * "" when unknown. Returns whether the value was known. */
bool tesla_json_text(const cJSON *object, const char *key, char *buffer, size_t size);

/* Copies text into buffer, cut at a UTF-8 character boundary. */
void tesla_copy_text(char *buffer, size_t size, const char *text);

/* "object", "array", "string", "number", "boolean" or "null". */
const char *tesla_json_type_name(const cJSON *item);

/* Parses `length` bytes as one JSON value followed only by whitespace. */
enum tesla_parse_status tesla_json_parse_document(const char *body, size_t length,
                                                  cJSON **root,
                                                  struct tesla_parse_error *error);

/* Finds the "response" member of a parsed body and checks that it is of
 * `expected_type` (cJSON_Object or cJSON_Array). */
enum tesla_parse_status tesla_json_response(const cJSON *root, int expected_type,
                                            const cJSON **response,
                                            struct tesla_parse_error *error);

void tesla_parse_error_set(struct tesla_parse_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Sub-state parsers: each fills its whole struct, all unknown first. */
void vehicle_parse_drive_state(const cJSON *object, struct drive_state_sample *drive);
void vehicle_parse_charge_state(const cJSON *object, struct charge_state_sample *charge);
void vehicle_parse_climate_state(const cJSON *object, struct climate_state_sample *climate);
void vehicle_parse_vehicle_state(const cJSON *object, struct vehicle_state_sample *vehicle);
void vehicle_parse_vehicle_config(const cJSON *object, struct vehicle_config_sample *config);

#endif
