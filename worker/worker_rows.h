/*
 * worker_rows: the rows a live worker keeps besides TeslaMate's tables:
 * the tenant's settings row, and the vehicles rows it shares with the
 * business API, with their collector_status and last_error.
 *
 * Contract: each call is one short db_begin_tenant() transaction on the
 * given connection (row-level security confines it to the tenant), blocks
 * for its round trips, keeps no session state, and returns false after
 * db.h has logged the failure. Nothing here exits or retries.
 */
#ifndef TENANTMATE_WORKER_ROWS_H
#define TENANTMATE_WORKER_ROWS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vehicle_sample.h"

/* The values of vehicles.collector_status (a CHECK constraint). */
enum collector_status {
    COLLECTOR_STATUS_PENDING,   /* registered by the business API, not seen yet */
    COLLECTOR_STATUS_ACTIVE,    /* a worker collects the vehicle */
    COLLECTOR_STATUS_PAUSED,
    COLLECTOR_STATUS_ERROR,     /* see last_error */
    COLLECTOR_STATUS_STOPPED,   /* the worker stopped */
    COLLECTOR_STATUS_COUNT
};

const char *collector_status_name(enum collector_status status);

/* vehicles.last_error when the stored tokens do not decrypt. */
#define WORKER_TOKENS_UNDECRYPTABLE_ERROR                                                 \
    "the stored Tesla tokens do not decrypt with ENCRYPTION_KEY: store the tokens again " \
    "or set the key they were stored with"

/* A car to collect: its cars row and the id the API paths use. */
struct car_info {
    int64_t car_id;
    int64_t vehicle_id;             /* the API's id (cars.eid) */
    int64_t vid;                    /* the API's vehicle_id */
    char vin[24];
    char name[SAMPLE_TEXT_SIZE];    /* "" when NULL */
};

/* Inserts the tenant's settings row with TeslaMate's defaults unless it
 * has one. */
bool worker_rows_ensure_settings(PGconn *conn, const char *tenant_id);

/* Inserts or updates the vehicles row of a listed vehicle (tesla_vehicle_id
 * is the API's id): vin, display_name, collector_status 'active', no
 * last_error. display_name may be NULL or "". */
bool worker_rows_upsert_vehicle(PGconn *conn, const char *tenant_id, int64_t tesla_vehicle_id,
                                const char *vin, const char *display_name);

/* Sets collector_status and last_error (NULL clears it) on every vehicles
 * row of the tenant. *updated, when not NULL, receives the row count. */
bool worker_rows_set_status(PGconn *conn, const char *tenant_id, enum collector_status status,
                            const char *last_error, long *updated);

/* The tenant's cars whose settings have enabled = true, by id, in a
 * malloc'd array (NULL when there is none) for the caller to free. */
bool worker_rows_list_enabled_cars(PGconn *conn, const char *tenant_id, struct car_info **cars,
                                   size_t *count);

#endif
