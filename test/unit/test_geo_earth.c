/* Geofence maths in C: earthdistance's sphere and the nearest-centre rule,
 * checked against TeslaMate's geofence test points and their distances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "geofence.h"

static double distance_between(double lat_a, double lng_a, double lat_b, double lng_b)
{
    return earth_distance_m(earth_point_from_degrees(lat_a, lng_a),
                            earth_point_from_degrees(lat_b, lng_b));
}

/* Within 0.05 m: the distances below are given to 1 or 2 decimals. */
static void assert_metres(double actual, double expected)
{
    if (fabs(actual - expected) > 0.05)
        fail_msg("distance %.3f m, expected %.2f m", actual, expected);
}

static void test_distance_drive_ends(void **state)
{
    (void)state;
    assert_metres(distance_between(50.1121, 11.597, 50.112198, 11.597669), 48.99);
    assert_metres(distance_between(49.11161, 11.222, 49.11196, 11.222), 38.96);
}

static void test_distance_berlin_points(void **state)
{
    (void)state;
    assert_metres(distance_between(52.514521, 13.350144, 52.514521, 13.350144), 0.0);
    assert_metres(distance_between(52.514521, 13.350144, 52.51599, 13.35199), 205.87);
    assert_metres(distance_between(52.514521, 13.350144, 52.51500, 13.35100), 78.78);
    assert_metres(distance_between(52.514521, 13.350144, 52.5, 13.3), 3762.5);
    assert_metres(distance_between(51.2201, 13.9501, 51.22, 13.95), 13.14);
}

static void test_distance_tiergarten(void **state)
{
    (void)state;
    /* tiergarten and straße centres to pos, charger_0 and charger_1 */
    assert_metres(distance_between(52.514549, 13.350019, 52.513619, 13.335633), 980.1);
    assert_metres(distance_between(52.513361, 13.332489, 52.513619, 13.335633), 214.9);
    assert_metres(distance_between(52.514549, 13.350019, 52.512955, 13.329694), 1388.3);
    assert_metres(distance_between(52.513361, 13.332489, 52.512955, 13.329694), 194.7);
    assert_metres(distance_between(52.514549, 13.350019, 52.520344, 13.345496), 714.2);
    assert_metres(distance_between(52.513361, 13.332489, 52.520344, 13.345496), 1175.0);
}

static void test_contains_strict(void **state)
{
    struct geofence_circle circle = {.id = 1, .latitude = 50.1121, .longitude = 11.597};
    double distance_m = 0.0;

    (void)state;
    circle.radius_m = 50;
    assert_true(geofence_contains(&circle, 50.112198, 11.597669, &distance_m));
    assert_metres(distance_m, 48.99);

    /* The comparison is strict: a radius equal to the distance excludes. */
    circle.radius_m = distance_m;
    assert_false(geofence_contains(&circle, 50.112198, 11.597669, NULL));

    circle.radius_m = 48;
    assert_false(geofence_contains(&circle, 50.112198, 11.597669, NULL));
}

static void test_box_prefilter(void **state)
{
    struct earth_point centre = earth_point_from_degrees(52.514521, 13.350144);

    (void)state;
    assert_true(earth_box_contains(centre, 250, earth_point_from_degrees(52.51599, 13.35199)));
    assert_false(earth_box_contains(centre, 250, earth_point_from_degrees(52.5, 13.3)));
    /* A negative radius is a box of no size, containing only the centre. */
    assert_true(earth_box_contains(centre, -1, centre));
}

static void test_find_single_fence(void **state)
{
    const struct geofence_circle fences[] = {
        {.id = 7, .latitude = 52.514521, .longitude = 13.350144, .radius_m = 250},
    };

    (void)state;
    assert_int_equal(geofence_find_nearest(fences, 1, 52.514521, 13.350144), 0);
    assert_int_equal(geofence_find_nearest(fences, 1, 52.51599, 13.35199), 0);
    assert_int_equal(geofence_find_nearest(fences, 1, 52.51500, 13.35100), 0);
    assert_int_equal(geofence_find_nearest(fences, 1, 52.5, 13.3), -1);
    assert_int_equal(geofence_find_nearest(fences, 0, 52.514521, 13.350144), -1);
}

enum manhattan_fence { HUGE_FENCE, TOP_FENCE, MIDDLE_FENCE, BOTTOM_FENCE, NO_FENCE = -1 };

static void test_find_overlapping_fences(void **state)
{
    const struct geofence_circle fences[] = {
        [HUGE_FENCE] = {.id = 1, .latitude = 40.725633, .longitude = -73.994207, .radius_m = 1658},
        [TOP_FENCE] = {.id = 2, .latitude = 40.734413, .longitude = -73.983865, .radius_m = 544},
        [MIDDLE_FENCE] = {.id = 3, .latitude = 40.724982, .longitude = -73.999057, .radius_m = 359},
        [BOTTOM_FENCE] = {.id = 4, .latitude = 40.713728, .longitude = -74.001288, .radius_m = 614},
    };
    const struct {
        double latitude;
        double longitude;
        long expected;
    } cases[] = {
        {40.725307, -73.995838, HUGE_FENCE},    /* inside middle too, huge is nearer */
        {40.717534, -73.978589, HUGE_FENCE},
        {40.737047, -73.980817, TOP_FENCE},
        {40.731324, -73.988155, TOP_FENCE},     /* inside huge too, top is nearer */
        {40.723551, -74.000687, MIDDLE_FENCE},
        {40.722608, -73.997211, MIDDLE_FENCE},
        {40.709532, -74.00502, BOTTOM_FENCE},
        {40.715289, -74.007682, BOTTOM_FENCE},
        {40.714737, -74.009142, NO_FENCE},      /* bottom is 672.2 m away, radius 614 */
        {40.715062, -73.976703, NO_FENCE},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long found = geofence_find_nearest(fences, 4, cases[i].latitude, cases[i].longitude);
        if (found != cases[i].expected)
            fail_msg("point %.6f %.6f: fence %ld, expected %ld", cases[i].latitude,
                     cases[i].longitude, found, cases[i].expected);
    }
    assert_metres(distance_between(40.725633, -73.994207, 40.725307, -73.995838), 142.3);
    assert_metres(distance_between(40.724982, -73.999057, 40.725307, -73.995838), 274.0);
    assert_metres(distance_between(40.713728, -74.001288, 40.714737, -74.009142), 672.2);
}

static void test_find_equal_distance_lower_id(void **state)
{
    const struct geofence_circle fences[] = {
        {.id = 9, .latitude = 10.0, .longitude = 10.0, .radius_m = 100},
        {.id = 4, .latitude = 10.0, .longitude = 10.0, .radius_m = 300},
    };

    (void)state;
    assert_int_equal(geofence_find_nearest(fences, 2, 10.0001, 10.0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_drive_ends),
        cmocka_unit_test(test_distance_berlin_points),
        cmocka_unit_test(test_distance_tiergarten),
        cmocka_unit_test(test_contains_strict),
        cmocka_unit_test(test_box_prefilter),
        cmocka_unit_test(test_find_single_fence),
        cmocka_unit_test(test_find_overlapping_fences),
        cmocka_unit_test(test_find_equal_distance_lower_id),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
