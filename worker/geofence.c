/* earthdistance's sphere maths (PostgreSQL contrib, version 1.1) and the
 * geofence rule. Each function follows the extension's SQL definition
 * step by step, so the doubles come out the same. */
#include "geofence.h"

#include <math.h>

/* PostgreSQL's radians(): degrees times RADIANS_PER_DEGREE. */
static double radians(double degrees)
{
    return degrees * (M_PI / 180.0);
}

struct earth_point earth_point_from_degrees(double latitude, double longitude)
{
    double phi = radians(latitude);
    double lambda = radians(longitude);

    return (struct earth_point){
        .x_m = EARTH_RADIUS_M * cos(phi) * cos(lambda),
        .y_m = EARTH_RADIUS_M * cos(phi) * sin(lambda),
        .z_m = EARTH_RADIUS_M * sin(phi),
    };
}

/* cube_distance(): the straight-line distance between two points. */
static double chord_m(struct earth_point a, struct earth_point b)
{
    double dx = a.x_m - b.x_m;
    double dy = a.y_m - b.y_m;
    double dz = a.z_m - b.z_m;

    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* sec_to_gc(): a chord to the great-circle distance. */
static double chord_to_great_circle_m(double chord)
{
    if (chord < 0)
        return 0.0;
    if (chord / (2 * EARTH_RADIUS_M) > 1)
        return M_PI * EARTH_RADIUS_M;
    return 2 * EARTH_RADIUS_M * asin(chord / (2 * EARTH_RADIUS_M));
}

/* gc_to_sec(): a great-circle distance to the chord. */
static double great_circle_to_chord_m(double distance_m)
{
    if (distance_m < 0)
        return 0.0;
    if (distance_m / EARTH_RADIUS_M > M_PI)
        return 2 * EARTH_RADIUS_M;
    return 2 * EARTH_RADIUS_M * sin(distance_m / (2 * EARTH_RADIUS_M));
}

double earth_distance_m(struct earth_point a, struct earth_point b)
{
    return chord_to_great_circle_m(chord_m(a, b));
}

/* cube_enlarge(centre, chord, 3) @> point, with cube's inclusive bounds. */
bool earth_box_contains(struct earth_point centre, double radius_m, struct earth_point point)
{
    double half_edge_m = great_circle_to_chord_m(radius_m);

    return centre.x_m - half_edge_m <= point.x_m && point.x_m <= centre.x_m + half_edge_m &&
           centre.y_m - half_edge_m <= point.y_m && point.y_m <= centre.y_m + half_edge_m &&
           centre.z_m - half_edge_m <= point.z_m && point.z_m <= centre.z_m + half_edge_m;
}

bool geofence_contains(const struct geofence_circle *circle, double latitude, double longitude,
                       double *distance_m)
{
    struct earth_point centre = earth_point_from_degrees(circle->latitude, circle->longitude);
    struct earth_point point = earth_point_from_degrees(latitude, longitude);
    double distance = earth_distance_m(centre, point);

    if (distance_m != NULL)
        *distance_m = distance;
    return earth_box_contains(centre, circle->radius_m, point) && distance < circle->radius_m;
}

long geofence_find_nearest(const struct geofence_circle *circles, size_t count, double latitude,
                           double longitude)
{
    long best = -1;
    double best_distance_m = 0.0;

    for (size_t i = 0; i < count; i++) {
        double distance_m;

        if (!geofence_contains(&circles[i], latitude, longitude, &distance_m))
            continue;
        bool nearer = best < 0 || distance_m < best_distance_m ||
                      (distance_m == best_distance_m && circles[i].id < circles[best].id);
        if (nearer) {
            best = (long)i;
            best_distance_m = distance_m;
        }
    }
    return best;
}
