/* The shared addresses cache and the links to it. */
#include "address_cache.h"

#include "db.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const address_target_names[ADDRESS_TARGET_COUNT] = {
    [ADDRESS_TARGET_DRIVE_START] = "drive start",
    [ADDRESS_TARGET_DRIVE_END] = "drive end",
    [ADDRESS_TARGET_CHARGING_PROCESS] = "charging process",
};

_Static_assert(sizeof(address_target_names) / sizeof(address_target_names[0]) ==
                   ADDRESS_TARGET_COUNT,
               "address_target_names must name every target");

/* Each target's statement: $1 = row id, $2 = address id. */
static const char *const link_statements[ADDRESS_TARGET_COUNT] = {
    [ADDRESS_TARGET_DRIVE_START] =
        "UPDATE drives SET start_address_id = $2 WHERE id = $1 AND start_address_id IS NULL",
    [ADDRESS_TARGET_DRIVE_END] =
        "UPDATE drives SET end_address_id = $2 WHERE id = $1 AND end_address_id IS NULL",
    [ADDRESS_TARGET_CHARGING_PROCESS] =
        "UPDATE charging_processes SET address_id = $2 WHERE id = $1 AND address_id IS NULL",
};

_Static_assert(sizeof(link_statements) / sizeof(link_statements[0]) == ADDRESS_TARGET_COUNT,
               "link_statements must cover every target");

const char *address_target_name(enum address_target target)
{
    if (target < 0 || target >= ADDRESS_TARGET_COUNT)
        return "invalid";
    return address_target_names[target];
}

/* Inserts unless (osm_id, osm_type) exists. Text columns are cut to their
 * varchar length; $1..$11 are NULL for blank text. */
static const char insert_sql[] =
    "INSERT INTO addresses (display_name, name, house_number, road, neighbourhood, city,"
    " county, postcode, state, state_district, country, latitude, longitude, raw, osm_id,"
    " osm_type, inserted_at, updated_at)"
    " VALUES (left($1, 512), left($2, 255), left($3, 255), left($4, 255), left($5, 255),"
    "  left($6, 255), left($7, 255), left($8, 255), left($9, 255), left($10, 255),"
    "  left($11, 255), $12::numeric, $13::numeric, $14::jsonb, $15::bigint, $16,"
    "  date_trunc('second', now() AT TIME ZONE 'UTC'),"
    "  date_trunc('second', now() AT TIME ZONE 'UTC'))"
    " ON CONFLICT (osm_id, osm_type) DO NOTHING RETURNING id";

/* A separate statement, so its snapshot sees a row another transaction
 * committed while the insert waited on it. */
static const char find_sql[] = "SELECT id FROM addresses WHERE osm_id = $1 AND osm_type = $2";

static bool blank(const char *text)
{
    if (text == NULL)
        return true;
    for (; *text != '\0'; text++) {
        if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r' && *text != '\f' &&
            *text != '\v')
            return false;
    }
    return true;
}

static const char *text_or_null(const char *text)
{
    return blank(text) ? NULL : text;
}

static bool run_insert(PGconn *conn, const struct address *address, const char *osm_id,
                       int64_t *address_id, bool *inserted)
{
    const char *values[] = {
        text_or_null(address->display_name), text_or_null(address->name),
        text_or_null(address->house_number), text_or_null(address->road),
        text_or_null(address->neighbourhood), text_or_null(address->city),
        text_or_null(address->county),       text_or_null(address->postcode),
        text_or_null(address->state),        text_or_null(address->state_district),
        text_or_null(address->country),      address->latitude,
        address->longitude,                  address->raw,
        osm_id,                              address->osm_type,
    };
    PGresult *result = db_query(conn, insert_sql, 16, values);

    if (result == NULL)
        return false;
    *inserted = PQntuples(result) == 1;
    if (*inserted)
        *address_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    PQclear(result);
    return true;
}

bool address_cache_store_in_transaction(PGconn *conn, const struct address *address,
                                        int64_t *address_id)
{
    char osm_id[24];
    bool inserted = false;

    if (blank(address->display_name) || address->raw == NULL || address->osm_type[0] == '\0') {
        log_warning("address not stored: display_name, raw and osm_type are required");
        return false;
    }
    snprintf(osm_id, sizeof(osm_id), "%" PRId64, address->osm_id);
    if (!run_insert(conn, address, osm_id, address_id, &inserted))
        return false;
    if (inserted) {
        log_debug("stored address %" PRId64 " (%s %s)", *address_id, address->osm_type, osm_id);
        return true;
    }

    const char *values[] = {osm_id, address->osm_type};
    PGresult *result = db_query(conn, find_sql, 2, values);
    if (result == NULL)
        return false;
    bool found = PQntuples(result) == 1;
    if (found)
        *address_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    else
        log_error("address %s %s neither inserted nor found", address->osm_type, osm_id);
    PQclear(result);
    return found;
}

static bool link_row(PGconn *conn, enum address_target target, int64_t row_id,
                     int64_t address_id, bool *linked)
{
    char row_text[24];
    char address_text[24];
    const char *values[] = {row_text, address_text};

    snprintf(row_text, sizeof(row_text), "%" PRId64, row_id);
    snprintf(address_text, sizeof(address_text), "%" PRId64, address_id);
    PGresult *result = db_query(conn, link_statements[target], 2, values);
    if (result == NULL)
        return false;
    *linked = strcmp(PQcmdTuples(result), "1") == 0;
    PQclear(result);
    return true;
}

bool address_cache_store_and_link(PGconn *conn, const char *tenant_id,
                                  const struct address *address, enum address_target target,
                                  int64_t row_id, int64_t *address_id, bool *linked)
{
    *linked = false;
    if (target < 0 || target >= ADDRESS_TARGET_COUNT)
        return false;
    if (!db_begin_tenant(conn, tenant_id))
        return false;

    bool ok = address_cache_store_in_transaction(conn, address, address_id) &&
              link_row(conn, target, row_id, *address_id, linked);
    if (!ok) {
        db_rollback(conn);
        log_warning("address of %s %" PRId64 " not stored; the repair service retries it",
                    address_target_name(target), row_id);
        return false;
    }
    return db_commit(conn);
}
