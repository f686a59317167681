/*
 * repair_internal: the repair service's state, shared by repair_service.c
 * (lifecycle, schedules, tenant list), repair_addresses.c and
 * repair_elevation.c. Not for other modules.
 */
#ifndef TENANTMATE_REPAIR_INTERNAL_H
#define TENANTMATE_REPAIR_INTERNAL_H

#include "address_cache.h"
#include "elevation.h"
#include "repair_service.h"
#include "uuid.h"

struct http_client;

/* Rows read per tenant and query while repairing addresses. */
#define REPAIR_PAGE_SIZE 25

struct address_job {
    enum address_target target;
    int64_t row_id;
    double latitude;
    double longitude;
};

struct address_tenant {
    char id[UUID_TEXT_SIZE];
    int64_t drive_cursor;           /* the next drives have smaller ids; INT64_MAX at first */
    int64_t process_cursor;
    long drives_read;
    long processes_read;
    bool drives_exhausted;
    bool processes_exhausted;
    struct address_job jobs[REPAIR_PAGE_SIZE * 2];
    size_t job_count;
    size_t job_next;
    bool done;
};

struct address_pass {
    bool running;
    bool queued;                    /* a tick came during the pass */
    struct address_tenant *tenants;
    size_t tenant_count;
    size_t turn;                    /* the tenant whose job comes next */
    struct geocoder_lookup *lookup; /* the job in flight */
    size_t lookup_tenant;
    struct address_job lookup_job;
    double started_s;
    uint64_t lookups;
    uint64_t linked;
};

struct elevation_tenant {
    char id[UUID_TEXT_SIZE];
    int64_t min_id;
    bool done;
};

struct elevation_pass {
    bool running;
    bool waiting_for_tile;
    struct elevation_tenant *tenants;
    size_t tenant_count;
    size_t turn;
    struct elevation_position *batch;   /* ELEVATION_BATCH_SIZE entries */
    double started_s;
    uint64_t positions;
};

struct repair_service {
    struct ev_loop *loop;
    PGconn *conn;
    struct repair_config config;
    struct http_client *http;
    struct geocoder *geocoder;
    struct srtm *srtm;
    ev_timer address_timer;         /* repeating: queues address passes */
    ev_timer address_resume;        /* one-shot: next job, after a pause or a retry */
    ev_timer elevation_timer;       /* one-shot: the next pass, or the next batch */
    struct address_pass addresses;
    struct elevation_pass elevation;
    struct repair_stats stats;
};

double repair_monotonic_s(void);

/* The ids of the tenants that are not deleted, oldest first; the caller
 * frees *ids. Returns false after logging a database error. */
bool repair_list_tenants(struct repair_service *service, char (**ids)[UUID_TEXT_SIZE],
                         size_t *count);

/* Sets the process title from the passes' states:
 * "tenantmate: repair addresses=running elevation=idle". */
void repair_update_title(const struct repair_service *service);

/* Reconnects a broken connection. Returns false when it stays broken. */
bool repair_connection_ready(struct repair_service *service);

void repair_addresses_init(struct repair_service *service);
void repair_addresses_start_pass(struct repair_service *service);
void repair_addresses_stop(struct repair_service *service);

void repair_elevation_init(struct repair_service *service);
void repair_elevation_start_pass(struct repair_service *service);
void repair_elevation_stop(struct repair_service *service);

#endif
