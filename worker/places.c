/* A worker's asynchronous address lookups and elevation lookups. */
#include "places.h"

#include "address_cache.h"
#include "log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* One lookup waiting for the geocoder. */
struct pending_lookup {
    struct pending_lookup *next;
    struct pending_lookup *previous;
    struct places *places;
    struct geocoder_lookup *lookup;
    enum address_target target;
    int64_t row_id;
    int64_t car_id;
};

struct places {
    PGconn *conn;
    char tenant_id[UUID_TEXT_SIZE];
    struct geocoder *geocoder;
    struct srtm *srtm;
    struct pending_lookup *pending;
    size_t pending_count;
    struct places_counters counters;
};

bool places_config_from_env(struct places_config *config, const char *version)
{
    geocoder_config_defaults(&config->geocoder, version);
    srtm_config_defaults(&config->srtm);
    return geocoder_config_from_env(&config->geocoder) && srtm_config_from_env(&config->srtm);
}

struct places *places_new(struct http_client *http, PGconn *conn, const char *tenant_id,
                          const struct places_config *config)
{
    struct places *places = calloc(1, sizeof(*places));

    if (places == NULL) {
        log_error("out of memory for the places module");
        return NULL;
    }
    if (!uuid_normalize(tenant_id, places->tenant_id)) {
        log_error("invalid tenant id \"%s\" for the places module", tenant_id);
        free(places);
        return NULL;
    }
    places->conn = conn;
    places->geocoder = geocoder_new(http, &config->geocoder);
    places->srtm = srtm_new(&config->srtm, NULL);
    if (places->geocoder == NULL || places->srtm == NULL) {
        places_free(places);
        return NULL;
    }
    return places;
}

static void unlink_pending(struct places *places, struct pending_lookup *pending)
{
    if (pending->previous != NULL)
        pending->previous->next = pending->next;
    else
        places->pending = pending->next;
    if (pending->next != NULL)
        pending->next->previous = pending->previous;
    places->pending_count--;
}

void places_free(struct places *places)
{
    if (places == NULL)
        return;
    while (places->pending != NULL) {
        struct pending_lookup *pending = places->pending;
        geocoder_cancel(places->geocoder, pending->lookup);
        unlink_pending(places, pending);
        free(pending);
    }
    geocoder_free(places->geocoder);
    srtm_free(places->srtm);
    free(places);
}

static void store_found(struct places *places, const struct pending_lookup *pending,
                        const struct address *address)
{
    int64_t address_id = 0;
    bool linked = false;

    if (!address_cache_store_and_link(places->conn, places->tenant_id, address, pending->target,
                                      pending->row_id, &address_id, &linked))
        return;
    if (linked) {
        places->counters.addresses_linked++;
        log_car_debug(pending->car_id, "%s %" PRId64 ": address %" PRId64,
                      address_target_name(pending->target), pending->row_id, address_id);
    }
}

static void on_lookup_done(void *context, const struct geocoder_result *result)
{
    struct pending_lookup *pending = context;
    struct places *places = pending->places;

    unlink_pending(places, pending);
    if (result->outcome == GEOCODER_FOUND) {
        store_found(places, pending, &result->address);
    } else {
        places->counters.lookups_without_address++;
        log_car_info(pending->car_id, "%s %" PRId64 " has no address for now (%s: %s); the "
                     "repair service retries it",
                     address_target_name(pending->target), pending->row_id,
                     geocoder_outcome_name(result->outcome), result->message);
    }
    free(pending);
}

static void queue_lookup(struct places *places, int64_t car_id, enum address_target target,
                         int64_t row_id, double latitude, double longitude)
{
    if (!geocoder_enabled(places->geocoder) || row_id <= 0)
        return;

    struct pending_lookup *pending = calloc(1, sizeof(*pending));
    if (pending == NULL) {
        log_error("out of memory for an address lookup");
        return;
    }
    pending->places = places;
    pending->target = target;
    pending->row_id = row_id;
    pending->car_id = car_id;
    pending->lookup = geocoder_lookup(places->geocoder, latitude, longitude, on_lookup_done,
                                      pending);
    if (pending->lookup == NULL) {
        free(pending);
        return;
    }

    pending->next = places->pending;
    if (places->pending != NULL)
        places->pending->previous = pending;
    places->pending = pending;
    places->pending_count++;
    places->counters.lookups_queued++;
}

void places_drive_closed(struct places *places, int64_t car_id, int64_t drive_id,
                         double start_latitude, double start_longitude, double end_latitude,
                         double end_longitude)
{
    queue_lookup(places, car_id, ADDRESS_TARGET_DRIVE_START, drive_id, start_latitude,
                 start_longitude);
    queue_lookup(places, car_id, ADDRESS_TARGET_DRIVE_END, drive_id, end_latitude,
                 end_longitude);
}

void places_charging_started(struct places *places, int64_t car_id,
                             int64_t charging_process_id, double latitude, double longitude)
{
    queue_lookup(places, car_id, ADDRESS_TARGET_CHARGING_PROCESS, charging_process_id, latitude,
                 longitude);
}

struct opt_int64 places_elevation(struct places *places, double latitude, double longitude)
{
    int elevation_m = 0;

    if (srtm_lookup(places->srtm, latitude, longitude, &elevation_m) != SRTM_FOUND) {
        places->counters.elevations_missing++;
        return (struct opt_int64){0};
    }
    places->counters.elevations_found++;
    return (struct opt_int64){.known = true, .value = elevation_m};
}

size_t places_pending(const struct places *places)
{
    return places->pending_count;
}

struct places_counters places_counters(const struct places *places)
{
    return places->counters;
}
