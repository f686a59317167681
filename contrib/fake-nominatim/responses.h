/*
 * responses: the places fake-nominatim serves, as Nominatim /reverse JSON.
 *
 * The table is the one TeslaMate's tests geocode against: a few fixed
 * points (an induced error, "Unable to geocode", Berlin, a Tesla service
 * centre, Adamstown) and Bielefeld for every other point. Pure functions
 * over static data.
 */
#ifndef FAKE_NOMINATIM_RESPONSES_H
#define FAKE_NOMINATIM_RESPONSES_H

struct reverse_response {
    unsigned status;        /* HTTP status */
    const char *body;       /* JSON */
};

/* The response for a point in degrees. */
struct reverse_response response_for_point(double latitude, double longitude);

/* A 200 response without osm_id, for the "no-osm-id" mode. */
const char *response_without_osm_id(void);

#endif
