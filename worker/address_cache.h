/*
 * address_cache: the addresses table as one reverse-geocoding cache shared
 * by all tenants, and the links from a tenant's drives and charging
 * processes to it.
 *
 * Contract:
 * - An address row contains nothing about who was there, so any tenant may
 *   reuse it; the drives and charging processes pointing to it stay
 *   tenant-private under row-level security.
 * - A row is found by (osm_id, osm_type), the table's unique key, and a
 *   row found is reused unchanged, even when the new response's text
 *   differs (TeslaMate does the same). Concurrent inserts of one place by
 *   several workers end with one row (INSERT ... ON CONFLICT DO NOTHING).
 * - Text that is empty or only whitespace is stored as NULL. Text longer
 *   than its column (display_name 512 characters, the others 255) is cut
 *   to the column's length, where TeslaMate fails the insert and leaves
 *   the position without an address.
 * - Links are written only where the column is NULL, so a late result
 *   never replaces an address set meanwhile.
 * - Each function is one short tenant transaction (db_begin_tenant()),
 *   blocks for its few round trips, logs failures (never coordinates) and
 *   returns false after rolling back.
 */
#ifndef TENANTMATE_ADDRESS_CACHE_H
#define TENANTMATE_ADDRESS_CACHE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "geocoder.h"

enum address_target {
    ADDRESS_TARGET_DRIVE_START,         /* drives.start_address_id */
    ADDRESS_TARGET_DRIVE_END,           /* drives.end_address_id */
    ADDRESS_TARGET_CHARGING_PROCESS,    /* charging_processes.address_id */
    ADDRESS_TARGET_COUNT
};

const char *address_target_name(enum address_target target);

/* Finds or inserts the address inside the caller's open transaction. */
bool address_cache_store_in_transaction(PGconn *conn, const struct address *address,
                                        int64_t *address_id);

/* Finds or inserts the address, then sets the target column of row_id (a
 * drive or charging process of tenant_id) to it when that column is NULL.
 * *linked is false when the row does not exist (for this tenant) or had an
 * address already. One transaction. */
bool address_cache_store_and_link(PGconn *conn, const char *tenant_id,
                                  const struct address *address, enum address_target target,
                                  int64_t row_id, int64_t *address_id, bool *linked);

#endif
