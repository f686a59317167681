/* The address repair pass: round robin over tenants, one lookup at a
 * time. */
#include "repair_internal.h"

#include "db.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 = the cursor (ids below it), $2 = the page size. Newest first. */
static const char missing_drives_sql[] =
    "SELECT d.id, d.start_address_id IS NULL, d.end_address_id IS NULL,"
    " sp.latitude, sp.longitude, ep.latitude, ep.longitude"
    " FROM drives d"
    " JOIN positions sp ON sp.id = d.start_position_id"
    " JOIN positions ep ON ep.id = d.end_position_id"
    " WHERE (d.start_address_id IS NULL OR d.end_address_id IS NULL) AND d.id < $1::bigint"
    " ORDER BY d.id DESC LIMIT $2::integer";

static const char missing_processes_sql[] =
    "SELECT cp.id, p.latitude, p.longitude"
    " FROM charging_processes cp"
    " JOIN positions p ON p.id = cp.position_id"
    " WHERE cp.address_id IS NULL AND cp.id < $1::bigint"
    " ORDER BY cp.id DESC LIMIT $2::integer";

static void next_job(struct repair_service *service);

static void add_job(struct address_tenant *tenant, enum address_target target, int64_t row_id,
                    const char *latitude, const char *longitude)
{
    tenant->jobs[tenant->job_count++] = (struct address_job){
        .target = target,
        .row_id = row_id,
        .latitude = strtod(latitude, NULL),
        .longitude = strtod(longitude, NULL),
    };
}

/* Runs one page query for the tenant. Returns NULL after a failure. */
static PGresult *read_page(struct repair_service *service, struct address_tenant *tenant,
                           const char *sql, int64_t cursor, long read_so_far)
{
    char cursor_text[24];
    char size_text[24];
    const char *values[] = {cursor_text, size_text};
    long size = service->config.address_limit - read_so_far;

    if (size > REPAIR_PAGE_SIZE)
        size = REPAIR_PAGE_SIZE;
    snprintf(cursor_text, sizeof(cursor_text), "%" PRId64, cursor);
    snprintf(size_text, sizeof(size_text), "%ld", size);

    if (!db_begin_tenant(service->conn, tenant->id))
        return NULL;
    PGresult *result = db_query(service->conn, sql, 2, values);
    if (result == NULL || !db_commit(service->conn)) {
        db_rollback(service->conn);
        PQclear(result);
        return NULL;
    }
    return result;
}

static bool read_drives(struct repair_service *service, struct address_tenant *tenant)
{
    PGresult *result = read_page(service, tenant, missing_drives_sql, tenant->drive_cursor,
                                 tenant->drives_read);
    if (result == NULL)
        return false;

    int rows = PQntuples(result);
    for (int row = 0; row < rows; row++) {
        int64_t drive_id = strtoll(PQgetvalue(result, row, 0), NULL, 10);
        if (strcmp(PQgetvalue(result, row, 1), "t") == 0)
            add_job(tenant, ADDRESS_TARGET_DRIVE_START, drive_id, PQgetvalue(result, row, 3),
                    PQgetvalue(result, row, 4));
        if (strcmp(PQgetvalue(result, row, 2), "t") == 0)
            add_job(tenant, ADDRESS_TARGET_DRIVE_END, drive_id, PQgetvalue(result, row, 5),
                    PQgetvalue(result, row, 6));
        tenant->drive_cursor = drive_id;
    }
    tenant->drives_read += rows;
    tenant->drives_exhausted = rows < REPAIR_PAGE_SIZE ||
                               tenant->drives_read >= service->config.address_limit;
    PQclear(result);
    return true;
}

static bool read_processes(struct repair_service *service, struct address_tenant *tenant)
{
    PGresult *result = read_page(service, tenant, missing_processes_sql, tenant->process_cursor,
                                 tenant->processes_read);
    if (result == NULL)
        return false;

    int rows = PQntuples(result);
    for (int row = 0; row < rows; row++) {
        int64_t process_id = strtoll(PQgetvalue(result, row, 0), NULL, 10);
        add_job(tenant, ADDRESS_TARGET_CHARGING_PROCESS, process_id, PQgetvalue(result, row, 1),
                PQgetvalue(result, row, 2));
        tenant->process_cursor = process_id;
    }
    tenant->processes_read += rows;
    tenant->processes_exhausted = rows < REPAIR_PAGE_SIZE ||
                                  tenant->processes_read >= service->config.address_limit;
    PQclear(result);
    return true;
}

/* Reads the tenant's next rows until there is a job or nothing is left:
 * drives first, then charging processes. A database failure ends the
 * tenant's share of this pass. */
static bool refill(struct repair_service *service, struct address_tenant *tenant)
{
    tenant->job_count = 0;
    tenant->job_next = 0;
    while (tenant->job_count == 0) {
        bool ok;
        if (!tenant->drives_exhausted)
            ok = read_drives(service, tenant);
        else if (!tenant->processes_exhausted)
            ok = read_processes(service, tenant);
        else
            return false;

        if (!ok) {
            service->stats.database_errors++;
            log_warning("address repair of tenant %s skipped until the next pass after a "
                        "database error",
                        tenant->id);
            return false;
        }
    }
    return true;
}

/* The next job in round robin: one of each tenant with work in turn. */
static bool take_job(struct repair_service *service, struct address_job *job,
                     size_t *tenant_index)
{
    struct address_pass *pass = &service->addresses;

    for (size_t tried = 0; tried < pass->tenant_count; tried++) {
        size_t index = (pass->turn + tried) % pass->tenant_count;
        struct address_tenant *tenant = &pass->tenants[index];

        if (tenant->done)
            continue;
        if (tenant->job_next == tenant->job_count && !refill(service, tenant)) {
            tenant->done = true;
            continue;
        }
        *job = tenant->jobs[tenant->job_next++];
        *tenant_index = index;
        pass->turn = (index + 1) % pass->tenant_count;
        return true;
    }
    return false;
}

static void free_tenants(struct address_pass *pass)
{
    free(pass->tenants);
    pass->tenants = NULL;
    pass->tenant_count = 0;
}

static void finish_pass(struct repair_service *service)
{
    struct address_pass *pass = &service->addresses;

    log_info("address repair pass done: %zu tenants, %" PRIu64 " lookups, %" PRIu64
             " addresses linked in %.1f s",
             pass->tenant_count, pass->lookups, pass->linked,
             repair_monotonic_s() - pass->started_s);
    free_tenants(pass);
    pass->running = false;
    service->stats.address_passes++;
    repair_update_title(service);
    if (pass->queued) {
        pass->queued = false;
        repair_addresses_start_pass(service);
    }
}

static void store_result(struct repair_service *service, struct address_tenant *tenant,
                         const struct address_job *job, const struct geocoder_result *result)
{
    int64_t address_id = 0;
    bool linked = false;

    if (result->outcome != GEOCODER_FOUND) {
        service->stats.addresses_not_found++;
        log_debug("tenant %s %s %" PRId64 ": no address (%s: %s)", tenant->id,
                  address_target_name(job->target), job->row_id,
                  geocoder_outcome_name(result->outcome), result->message);
        return;
    }
    if (!address_cache_store_and_link(service->conn, tenant->id, &result->address, job->target,
                                      job->row_id, &address_id, &linked)) {
        service->stats.database_errors++;
        return;
    }
    if (linked) {
        service->addresses.linked++;
        service->stats.addresses_linked++;
        log_debug("tenant %s %s %" PRId64 ": address %" PRId64, tenant->id,
                  address_target_name(job->target), job->row_id, address_id);
    }
}

static void on_lookup_done(void *context, const struct geocoder_result *result)
{
    struct repair_service *service = context;
    struct address_pass *pass = &service->addresses;
    struct address_tenant *tenant = &pass->tenants[pass->lookup_tenant];

    pass->lookup = NULL;
    if (result->outcome == GEOCODER_UNAVAILABLE) {
        /* The breaker opened meanwhile: the job waits for it to heal. */
        tenant->job_next--;
        pass->turn = pass->lookup_tenant;
    } else {
        store_result(service, tenant, &pass->lookup_job, result);
    }
    next_job(service);
}

static void pause_for_breaker(struct repair_service *service, double heal_in_s)
{
    log_info("address repair paused for %.0f s: the geocoder breaker is open", heal_in_s);
    ev_timer_set(&service->address_resume, heal_in_s + 1.0, 0.0);
    ev_timer_start(service->loop, &service->address_resume);
    repair_update_title(service);
}

static void next_job(struct repair_service *service)
{
    struct address_pass *pass = &service->addresses;
    struct address_job job;
    size_t tenant_index = 0;
    double heal_in_s = 0.0;

    if (pass->lookup != NULL || ev_is_active(&service->address_resume))
        return;
    if (geocoder_breaker_open(service->geocoder, &heal_in_s)) {
        pause_for_breaker(service, heal_in_s);
        return;
    }
    if (!take_job(service, &job, &tenant_index)) {
        finish_pass(service);
        return;
    }

    pass->lookup_job = job;
    pass->lookup_tenant = tenant_index;
    pass->lookup = geocoder_lookup(service->geocoder, job.latitude, job.longitude,
                                   on_lookup_done, service);
    if (pass->lookup == NULL) {
        log_error("address repair pass ended: the geocoder rejected a lookup");
        finish_pass(service);
        return;
    }
    pass->lookups++;
    service->stats.address_lookups++;
}

/* After a pause or a failed start: go on with the pass, or start it. */
static void on_resume(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct repair_service *service = timer->data;

    (void)loop;
    (void)events;
    if (service->addresses.running) {
        repair_update_title(service);
        next_job(service);
    } else {
        repair_addresses_start_pass(service);
    }
}

void repair_addresses_init(struct repair_service *service)
{
    ev_timer_init(&service->address_resume, on_resume, 0.0, 0.0);
    service->address_resume.data = service;
}

static bool load_tenants(struct repair_service *service)
{
    struct address_pass *pass = &service->addresses;
    char (*ids)[UUID_TEXT_SIZE] = NULL;
    size_t count = 0;

    if (!repair_connection_ready(service) || !repair_list_tenants(service, &ids, &count))
        return false;
    pass->tenants = calloc(count + 1, sizeof(*pass->tenants));
    if (pass->tenants == NULL) {
        free(ids);
        log_error("out of memory for %zu tenants", count);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        snprintf(pass->tenants[i].id, sizeof(pass->tenants[i].id), "%s", ids[i]);
        pass->tenants[i].drive_cursor = INT64_MAX;
        pass->tenants[i].process_cursor = INT64_MAX;
    }
    pass->tenant_count = count;
    free(ids);
    return true;
}

void repair_addresses_start_pass(struct repair_service *service)
{
    struct address_pass *pass = &service->addresses;

    if (pass->running) {
        pass->queued = true;
        return;
    }
    if (ev_is_active(&service->address_resume))
        return;
    if (!load_tenants(service)) {
        log_warning("address repair pass not started; will retry in %.0f s",
                    REPAIR_RETRY_DELAY_S);
        ev_timer_set(&service->address_resume, REPAIR_RETRY_DELAY_S, 0.0);
        ev_timer_start(service->loop, &service->address_resume);
        return;
    }

    pass->running = true;
    pass->turn = 0;
    pass->lookups = 0;
    pass->linked = 0;
    pass->started_s = repair_monotonic_s();
    log_info("address repair pass started for %zu tenants", pass->tenant_count);
    repair_update_title(service);
    next_job(service);
}

void repair_addresses_stop(struct repair_service *service)
{
    struct address_pass *pass = &service->addresses;

    ev_timer_stop(service->loop, &service->address_resume);
    if (pass->lookup != NULL)
        geocoder_cancel(service->geocoder, pass->lookup);
    pass->lookup = NULL;
    free_tenants(pass);
    pass->running = false;
    pass->queued = false;
}
