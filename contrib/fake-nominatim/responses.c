/* The fixed /reverse responses of fake-nominatim. */
#include "responses.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* Points are matched to 1e-7 degrees, so "52.515" and "52.515000" (and
 * any float text of the same value) select the same response. */
#define POINT_TOLERANCE 1e-7

static const char induced_error[] = "{\"error\":\"induced error\"}";

static const char unable_to_geocode[] = "{\"error\":\"Unable to geocode\"}";

static const char grosser_stern[] =
    "{\"place_id\":101,\"licence\":\"fake-nominatim\",\"osm_type\":\"way\",\"osm_id\":89721012,"
    "\"lat\":\"52.5145069\",\"lon\":\"13.3501101\",\"category\":\"highway\","
    "\"type\":\"primary\",\"addresstype\":\"road\",\"name\":null,"
    "\"display_name\":\"1, Gro\xc3\x9f\x65r Stern, Tiergarten, Mitte, Berlin, 10787, Germany\","
    "\"address\":{\"house_number\":\"1\",\"road\":\"Gro\xc3\x9f\x65r Stern\","
    "\"neighbourhood\":\"Tiergarten\",\"state\":\"Berlin\",\"postcode\":\"10787\","
    "\"country\":\"Germany\",\"country_code\":\"de\"},\"extratags\":{},\"namedetails\":{}}";

static const char tesla_service_centre[] =
    "{\"place_id\":102,\"licence\":\"fake-nominatim\",\"osm_type\":\"way\",\"osm_id\":64445009,"
    "\"lat\":\"52.3941049\",\"lon\":\"13.5425707\",\"category\":\"shop\",\"type\":\"car\","
    "\"name\":\"Tesla Store & Service Center Berlin\","
    "\"display_name\":\"Tesla Store & Service Center Berlin, 24-26, "
    "Alexander-Mei\xc3\x9fner-Stra\xc3\x9f\x65, Altglienicke, Treptow-K\xc3\xb6penick, Berlin, "
    "12526, Germany\","
    "\"address\":{\"shop\":\"Tesla Store & Service Center Berlin\",\"house_number\":\"24-26\","
    "\"road\":\"Alexander-Mei\xc3\x9fner-Stra\xc3\x9f\x65\",\"suburb\":\"Altglienicke\","
    "\"city_district\":\"Treptow-K\xc3\xb6penick\",\"city\":\"Berlin\",\"state\":\"Berlin\","
    "\"postcode\":\"12526\",\"country\":\"Germany\",\"country_code\":\"de\"},"
    "\"extratags\":{},\"namedetails\":{\"name\":\"Tesla Store & Service Center Berlin\"}}";

static const char adamstown[] =
    "{\"place_id\":103,\"licence\":\"fake-nominatim\",\"osm_type\":\"way\",\"osm_id\":246879822,"
    "\"lat\":\"-25.0661235097694\",\"lon\":\"-130.100512324384\",\"category\":\"place\","
    "\"type\":\"town\",\"display_name\":\"Adamstown, Pitcairn Islands\","
    "\"address\":{\"town\":\"Adamstown\",\"country\":\"Pitcairn Islands\","
    "\"country_code\":\"pn\"},\"extratags\":{},\"namedetails\":{}}";

static const char bielefeld[] =
    "{\"place_id\":104,\"licence\":\"fake-nominatim\",\"osm_type\":\"way\","
    "\"osm_id\":103619766,\"lat\":\"52.0196010141104\",\"lon\":\"8.52631835353143\","
    "\"category\":\"highway\",\"type\":\"residential\","
    "\"name\":\"Von-der-Recke-Stra\xc3\x9f\x65\","
    "\"display_name\":\"Von-der-Recke-Stra\xc3\x9f\x65, Mitte, Bielefeld, Regierungsbezirk "
    "Detmold, Nordrhein-Westfalen, 33602, Deutschland\","
    "\"address\":{\"road\":\"Von-der-Recke-Stra\xc3\x9f\x65\",\"suburb\":\"Mitte\","
    "\"city\":\"Bielefeld\",\"state_district\":\"Regierungsbezirk Detmold\","
    "\"state\":\"Nordrhein-Westfalen\",\"postcode\":\"33602\",\"country\":\"Deutschland\","
    "\"country_code\":\"de\"},\"extratags\":{},"
    "\"namedetails\":{\"name\":\"Von-der-Recke-Stra\xc3\x9f\x65\"}}";

static const char without_osm_id[] =
    "{\"place_id\":105,\"licence\":\"fake-nominatim\",\"osm_type\":\"way\","
    "\"lat\":\"52.0196010141104\",\"lon\":\"8.52631835353143\","
    "\"display_name\":\"Somewhere without an OSM id\",\"address\":{}}";

static bool near(double value, double expected)
{
    return fabs(value - expected) < POINT_TOLERANCE;
}

static bool one_of(double value, const double *candidates, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (near(value, candidates[i]))
            return true;
    }
    return false;
}

static bool in_tiergarten_grid(double latitude, double longitude)
{
    static const double latitudes[] = {52.51599, 52.515, 52.514521};
    static const double longitudes[] = {13.35199, 13.351, 13.350144};

    return one_of(latitude, latitudes, 3) && one_of(longitude, longitudes, 3);
}

struct reverse_response response_for_point(double latitude, double longitude)
{
    if (near(latitude, 99.9) && near(longitude, 99.9))
        return (struct reverse_response){500, induced_error};
    if (near(latitude, -99.9) && near(longitude, -99.9))
        return (struct reverse_response){200, unable_to_geocode};
    if (in_tiergarten_grid(latitude, longitude))
        return (struct reverse_response){200, grosser_stern};
    if (near(latitude, 52.394246) && near(longitude, 13.542552))
        return (struct reverse_response){200, tesla_service_centre};
    if (near(latitude, -25.066188) && near(longitude, -130.100502))
        return (struct reverse_response){200, adamstown};
    return (struct reverse_response){200, bielefeld};
}

const char *response_without_osm_id(void)
{
    return without_osm_id;
}
