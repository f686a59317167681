/*
 * vehicle_parse: turns Tesla Owner API, Fleet API and OAuth response bodies
 * into tenantmate's structures.
 *
 * Contract: pure functions with no I/O and no logging, which never block.
 * They are not thread-safe, because cJSON records its last parse error in
 * a process-wide variable. Every body parser takes the body as (text,
 * length), needs no terminating NUL, and accepts exactly one JSON value
 * followed only by whitespace. It returns a status and, on failure, a
 * message naming what is wrong. Output parameters are written only on
 * TESLA_PARSE_OK, so a caller never sees a half-parsed result.
 *
 * Field rules for vehicle samples (see vehicle_sample.h): a key that is
 * missing, null, of the wrong JSON type or "<invalid>" leaves the field
 * unknown, never zero. Unknown keys are ignored, and so is every top-level
 * object other than the five sub-states. Every number is read as a double,
 * because Tesla switches between 22 and 22.0 for the same key, and must be
 * finite. Latitude and longitude must also lie within +-90 and +-180
 * degrees; other ranges are left to the code that stores them. An integer
 * field rounds a fraction half away from zero and is unknown when the
 * value does not fit in int64. A text field is cut to its buffer at a
 * UTF-8 character boundary, except `vin`, which is unknown when it does
 * not fit, because a cut VIN could match another car.
 *
 * Ownership: a struct vehicle_list owns its array (vehicle_list_free), and
 * a struct oauth_tokens owns its strings, which oauth_tokens_free() wipes
 * with sodium_memzero before freeing them. Messages never contain a token.
 */
#ifndef TENANTMATE_VEHICLE_PARSE_H
#define TENANTMATE_VEHICLE_PARSE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vehicle_sample.h"

enum tesla_parse_status {
    TESLA_PARSE_OK,
    TESLA_PARSE_NOT_JSON,       /* empty, truncated, invalid, or data after the value */
    TESLA_PARSE_NO_RESPONSE,    /* no "response" member, or it is null */
    TESLA_PARSE_WRONG_TYPE,     /* the body or "response" has the wrong JSON type */
    TESLA_PARSE_INVALID_FIELD,  /* a required field is missing or invalid (tokens, errors) */
    TESLA_PARSE_NO_MEMORY,
    TESLA_PARSE_STATUS_COUNT
};

/* The failure message; empty after TESLA_PARSE_OK. Every parser accepts a
 * NULL struct tesla_parse_error * when the caller needs no message. */
struct tesla_parse_error {
    char message[256];
};

const char *tesla_parse_status_name(enum tesla_parse_status status);

/* Sets every field of a sample to unknown and `state` to "unknown". */
void vehicle_sample_clear(struct vehicle_sample *sample);

/*
 * Parses one vehicle object: the `response` of /api/1/vehicles/{id} and of
 * /vehicle_data, or one element of a vehicle list. The display name is
 * `vehicle_state.vehicle_name` when it is a non-empty string, otherwise
 * the top-level `display_name`. `state` is "unknown" when missing or null.
 * Returns false, leaving *sample untouched, when `object` is not an object.
 */
bool vehicle_parse_object(const cJSON *object, struct vehicle_sample *sample);

/* Parses a whole body {"response": {...}} into *sample. */
enum tesla_parse_status vehicle_parse_body(const char *body, size_t length,
                                           struct vehicle_sample *sample,
                                           struct tesla_parse_error *error);

struct vehicle_list {
    struct vehicle_sample *vehicles;    /* NULL when count is 0 */
    size_t count;
};

/*
 * Parses the body of /api/1/products or /api/1/vehicles: {"response": [...]}.
 * Keeps only the elements that are objects with a `vehicle_id` member, which
 * drops energy products, in their order in the body.
 */
enum tesla_parse_status vehicle_parse_list(const char *body, size_t length,
                                           struct vehicle_list *list,
                                           struct tesla_parse_error *error);

void vehicle_list_free(struct vehicle_list *list);

/* An OAuth token response. Every string is malloc'd and NUL-terminated. */
struct oauth_tokens {
    char *access_token;
    char *refresh_token;
    char *id_token;         /* NULL when the response has no usable id_token */
    char *token_type;       /* "Bearer", in the server's spelling */
    int64_t expires_in_s;   /* 1 to INT32_MAX */
};

/*
 * Parses a token response (authorization_code or refresh_token grant).
 * access_token, refresh_token, expires_in and token_type are required, and
 * token_type must be Bearer in any case. Tokens must be non-empty visible
 * ASCII, because they are sent in an HTTP header.
 */
enum tesla_parse_status oauth_tokens_parse(const char *body, size_t length,
                                           struct oauth_tokens *tokens,
                                           struct tesla_parse_error *error);

/* Wipes and frees every string and sets the pointers to NULL. Accepts a
 * struct that was zeroed and never filled. */
void oauth_tokens_free(struct oauth_tokens *tokens);

/* An error body: OAuth ({"error": "invalid_grant", "error_description":
 * ...}) or REST ({"response": null, "error": ..., "error_description": ""}). */
struct tesla_error_body {
    char error[512];
    char error_description[512];    /* "" when missing or null */
};

/* Parses an error body; `error` must be a string. Texts are cut to their
 * buffers at a UTF-8 character boundary. */
enum tesla_parse_status tesla_error_body_parse(const char *body, size_t length,
                                               struct tesla_error_body *error_body,
                                               struct tesla_parse_error *error);

#endif
