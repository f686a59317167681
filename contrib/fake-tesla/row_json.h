/*
 * row_json: trace rows as the JSON the Tesla API sends.
 *
 * A vehicle_data response is a vehicle object with the car's identity at
 * the top (id, vehicle_id, vin, display_name, tokens, ... from the
 * configuration) and the sub-objects charge_state, climate_state,
 * drive_state, gui_settings, vehicle_config and vehicle_state. For a
 * TeslaFi row each sub-object holds the row's columns that the API puts
 * there, in the API's units (miles, mph, degrees Celsius, kW, kWh), keys in
 * byte order as the Owner API sends them, plus "timestamp": the row time
 * in UTC epoch milliseconds. vehicle_state.vehicle_name is the car's
 * display name; members of the car's configured vehicle_config replace
 * or extend the row's. For a JSON-lines row the recorded object is sent
 * with the same identity and vehicle_config changes.
 *
 * The `endpoints` query parameter selects sub-objects as the Fleet API
 * does: without it every sub-object comes back but drive_state has no
 * location (firmware 2023.38 and later); "location_data" adds latitude,
 * longitude, heading, gps_as_of, native_* and the route location to
 * drive_state. When the trace loops, every timestamp (and gps_as_of) is
 * shifted by the view's shift.
 *
 * Contract: pure functions of immutable inputs, safe from any thread;
 * the caller owns and deletes the returned cJSON tree (NULL when out of
 * memory).
 */
#ifndef FAKE_TESLA_ROW_JSON_H
#define FAKE_TESLA_ROW_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "replay.h"
#include "server.h"

struct data_request {
    unsigned sections;      /* bit (1 << enum teslafi_section) per requested object */
    bool location;
};

/* Parses the `endpoints` value (already URL-decoded, ';'-separated); NULL
 * means the parameter is absent. False with the unknown name in `bad`. */
bool row_json_parse_endpoints(const char *text, struct data_request *request, char *bad,
                              size_t bad_size);

enum entry_shape {
    ENTRY_PRODUCTS,     /* an element of /api/1/products, with vehicle_config */
    ENTRY_VEHICLES,     /* an element of /api/1/vehicles */
    ENTRY_SUMMARY,      /* the response of /api/1/vehicles/{id} */
    ENTRY_SHAPE_COUNT
};

/* A vehicle entry with the given state and no sub-objects (but
 * vehicle_config for ENTRY_PRODUCTS). */
cJSON *row_json_entry(const struct car *car, const struct replay_view *view,
                      enum entry_shape shape);

/* The vehicle_data response object for an online row. */
cJSON *row_json_vehicle_data(const struct car *car, const struct replay_view *view,
                             const struct data_request *request);

#endif
