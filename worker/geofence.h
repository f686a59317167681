/*
 * geofence: the sphere maths of PostgreSQL's earthdistance extension and
 * TeslaMate's geofence rule, in C.
 *
 * Contract: pure functions on plain values, no allocation, no I/O. The
 * database matches geofences in SQL (geofence_at() in migration
 * 0005_places and the recorder's queries); this module computes the same
 * results in C, down to the last bit of the double arithmetic, for tools
 * and tests that match without a round trip:
 * - a point is the cube coordinate ll_to_earth() makes of a latitude and
 *   longitude in degrees on a sphere of EARTH_RADIUS_M;
 * - earth_distance_m() is the great-circle distance derived from the
 *   chord, as earth_distance() computes it;
 * - a geofence contains a point when earth_box() of its centre and
 *   radius contains the point and the distance is strictly below the
 *   radius; among the geofences containing a point the nearest centre
 *   wins, then the lower id.
 */
#ifndef TENANTMATE_GEOFENCE_H
#define TENANTMATE_GEOFENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* earthdistance's earth(): the sphere radius in metres. */
#define EARTH_RADIUS_M 6378168.0

/* TeslaMate's accepted radii: more than 0 and less than this, in metres. */
#define GEOFENCE_RADIUS_LIMIT_M 5000

struct earth_point {
    double x_m;
    double y_m;
    double z_m;
};

/* ll_to_earth(latitude, longitude), both in degrees. */
struct earth_point earth_point_from_degrees(double latitude, double longitude);

/* earth_distance(a, b): metres along the sphere. */
double earth_distance_m(struct earth_point a, struct earth_point b);

/* earth_box(centre, radius_m) @> point: the prefilter cube, whose
 * half-edge is the chord of radius_m. */
bool earth_box_contains(struct earth_point centre, double radius_m, struct earth_point point);

struct geofence_circle {
    int64_t id;
    double latitude;
    double longitude;
    double radius_m;
};

/* True when the circle contains the point; *distance_m (may be NULL) gets
 * the distance from the centre either way. */
bool geofence_contains(const struct geofence_circle *circle, double latitude, double longitude,
                       double *distance_m);

/* The index of the circle that contains the point with the nearest centre
 * (ties: the lower id), or -1 when none does. */
long geofence_find_nearest(const struct geofence_circle *circles, size_t count, double latitude,
                           double longitude);

#endif
