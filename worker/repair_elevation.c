/* The elevation back-fill pass: round robin over tenants, one batch per
 * turn, waiting while a missing tile downloads. */
#include "repair_internal.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum batch_result {
    BATCH_STORED,           /* the batch was looked up and stored */
    BATCH_WAITING,          /* stopped at a position whose tile is downloading */
    BATCH_EMPTY,            /* the tenant has nothing left */
    BATCH_FAILED,           /* a database error */
};

static void schedule(struct repair_service *service, double delay_s)
{
    ev_timer_stop(service->loop, &service->elevation_timer);
    ev_timer_set(&service->elevation_timer, delay_s, 0.0);
    ev_timer_start(service->loop, &service->elevation_timer);
}

static void free_pass(struct elevation_pass *pass)
{
    free(pass->tenants);
    free(pass->batch);
    pass->tenants = NULL;
    pass->batch = NULL;
    pass->tenant_count = 0;
}

static void finish_pass(struct repair_service *service)
{
    struct elevation_pass *pass = &service->elevation;

    log_info("elevation pass done: %zu tenants, %" PRIu64 " positions updated in %.1f s; next "
             "pass in %.0f s",
             pass->tenant_count, pass->positions, repair_monotonic_s() - pass->started_s,
             service->config.elevation_interval_s);
    free_pass(pass);
    pass->running = false;
    service->stats.elevation_passes++;
    repair_update_title(service);
    schedule(service, service->config.elevation_interval_s);
}

/* Looks the positions up in order. Stops at the first one whose tile is
 * downloading; *looked_up gets how many were handled before it. */
static bool look_up_batch(struct repair_service *service, size_t count, int64_t *ids,
                          int *elevations_m, size_t *found, size_t *looked_up)
{
    const struct elevation_position *batch = service->elevation.batch;

    *found = 0;
    for (*looked_up = 0; *looked_up < count; (*looked_up)++) {
        const struct elevation_position *position = &batch[*looked_up];
        int elevation_m = 0;
        enum srtm_status status =
            srtm_lookup(service->srtm, position->latitude, position->longitude, &elevation_m);

        if (status == SRTM_FETCHING)
            return false;
        if (status == SRTM_FOUND) {
            ids[*found] = position->id;
            elevations_m[*found] = elevation_m;
            (*found)++;
        }
    }
    return true;
}

static enum batch_result run_batch(struct repair_service *service,
                                   struct elevation_tenant *tenant)
{
    struct elevation_pass *pass = &service->elevation;
    size_t count = 0;
    size_t found = 0;
    size_t looked_up = 0;
    size_t positions = 0;
    size_t drives = 0;
    int64_t next_min_id = 0;

    if (!elevation_positions_without(service->conn, tenant->id, tenant->min_id,
                                     ELEVATION_BATCH_SIZE, pass->batch, &count, &next_min_id))
        return BATCH_FAILED;
    if (next_min_id == tenant->min_id)
        return BATCH_EMPTY;
    if (count == 0) {
        tenant->min_id = next_min_id;
        return BATCH_STORED;
    }

    int64_t *ids = calloc(count, sizeof(*ids));
    int *elevations_m = calloc(count, sizeof(*elevations_m));
    if (ids == NULL || elevations_m == NULL) {
        free(ids);
        free(elevations_m);
        log_error("out of memory for %zu elevations", count);
        return BATCH_FAILED;
    }
    bool complete = look_up_batch(service, count, ids, elevations_m, &found, &looked_up);
    bool stored = elevation_store(service->conn, tenant->id, ids, elevations_m, found,
                                  &positions, &drives);
    free(ids);
    free(elevations_m);
    if (!stored)
        return BATCH_FAILED;

    if (complete)
        tenant->min_id = next_min_id;
    else if (looked_up > 0)
        tenant->min_id = pass->batch[looked_up - 1].id;
    pass->positions += positions;
    service->stats.positions_updated += positions;
    service->stats.drives_updated += drives;
    if (positions > 0)
        log_debug("tenant %s: %zu elevations stored, %zu drives' ascent and descent updated",
                  tenant->id, positions, drives);
    return complete ? BATCH_STORED : BATCH_WAITING;
}

/* One batch of the next tenant in turn. */
static void step(struct repair_service *service)
{
    struct elevation_pass *pass = &service->elevation;

    for (size_t tried = 0; tried < pass->tenant_count; tried++) {
        size_t index = (pass->turn + tried) % pass->tenant_count;
        struct elevation_tenant *tenant = &pass->tenants[index];
        if (tenant->done)
            continue;

        enum batch_result result = run_batch(service, tenant);
        if (result == BATCH_WAITING) {
            pass->turn = index;
            pass->waiting_for_tile = true;
            repair_update_title(service);
            return;
        }
        if (result == BATCH_FAILED) {
            service->stats.database_errors++;
            log_warning("elevation back-fill of tenant %s skipped until the next pass after a "
                        "database error",
                        tenant->id);
        }
        tenant->done = result != BATCH_STORED;
        pass->turn = (index + 1) % pass->tenant_count;
        schedule(service, 0.0);
        return;
    }
    finish_pass(service);
}

static void on_elevation_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct repair_service *service = timer->data;

    (void)loop;
    (void)events;
    if (service->elevation.running)
        step(service);
    else
        repair_elevation_start_pass(service);
}

static void on_tile_fetched(void *context, const char *tile, enum srtm_status status)
{
    struct repair_service *service = context;

    log_debug("SRTM tile %s: %s", tile, srtm_status_name(status));
    if (!service->elevation.running || !service->elevation.waiting_for_tile)
        return;
    service->elevation.waiting_for_tile = false;
    repair_update_title(service);
    schedule(service, 0.0);
}

void repair_elevation_init(struct repair_service *service)
{
    ev_timer_init(&service->elevation_timer, on_elevation_timer, 0.0, 0.0);
    service->elevation_timer.data = service;
    srtm_set_fetched_callback(service->srtm, on_tile_fetched, service);
}

static bool load_tenants(struct repair_service *service)
{
    struct elevation_pass *pass = &service->elevation;
    char (*ids)[UUID_TEXT_SIZE] = NULL;
    size_t count = 0;

    if (!repair_connection_ready(service) || !repair_list_tenants(service, &ids, &count))
        return false;
    pass->tenants = calloc(count + 1, sizeof(*pass->tenants));
    pass->batch = calloc(ELEVATION_BATCH_SIZE, sizeof(*pass->batch));
    if (pass->tenants == NULL || pass->batch == NULL) {
        free(ids);
        free_pass(pass);
        log_error("out of memory for the elevation pass over %zu tenants", count);
        return false;
    }
    for (size_t i = 0; i < count; i++)
        snprintf(pass->tenants[i].id, sizeof(pass->tenants[i].id), "%s", ids[i]);
    pass->tenant_count = count;
    free(ids);
    return true;
}

void repair_elevation_start_pass(struct repair_service *service)
{
    struct elevation_pass *pass = &service->elevation;

    if (pass->running)
        return;
    if (!load_tenants(service)) {
        log_warning("elevation pass not started; will retry in %.0f s", REPAIR_RETRY_DELAY_S);
        schedule(service, REPAIR_RETRY_DELAY_S);
        return;
    }
    pass->running = true;
    pass->waiting_for_tile = false;
    pass->turn = 0;
    pass->positions = 0;
    pass->started_s = repair_monotonic_s();
    log_info("elevation pass started for %zu tenants", pass->tenant_count);
    repair_update_title(service);
    schedule(service, 0.0);
}

void repair_elevation_stop(struct repair_service *service)
{
    ev_timer_stop(service->loop, &service->elevation_timer);
    free_pass(&service->elevation);
    service->elevation.running = false;
}
