/* The elevation back-fill's queries. */
#include "elevation.h"

#include "db.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 = min_id, $2 = limit. The first $2 positions after min_id that lack
 * an elevation and belong to a drive, each with whether its drive
 * qualifies. Checking only the drives of these candidates keeps a batch's
 * cost proportional to the batch, where testing every drive of the tenant
 * would cost a scan of all its later positions per batch. */
static const char positions_without_sql[] =
    "WITH bounds AS ("
    "  SELECT CASE WHEN $1::integer = 0"
    "   THEN (now() AT TIME ZONE 'UTC') - interval '10 days'"
    "   ELSE timestamp '2003-07-01 00:00:00' END AS cutoff),"
    " candidates AS ("
    "  SELECT p.id, p.drive_id, p.latitude, p.longitude FROM positions p, bounds b"
    "  WHERE p.id > $1::integer AND p.elevation IS NULL AND p.date > b.cutoff"
    "   AND p.drive_id IS NOT NULL"
    "  ORDER BY p.id LIMIT $2::integer),"
    " qualifying AS ("
    "  SELECT d.id FROM drives d, bounds b"
    "  WHERE d.id IN (SELECT drive_id FROM candidates) AND d.start_date > b.cutoff"
    "   AND NOT EXISTS (SELECT FROM positions s WHERE s.drive_id = d.id AND s.id > $1::integer"
    "    AND s.odometer IS NOT NULL AND s.ideal_battery_range_km IS NULL))"
    " SELECT c.id, c.drive_id, c.latitude, c.longitude,"
    "  c.drive_id IN (SELECT id FROM qualifying)"
    " FROM candidates c ORDER BY c.id";

/* $1 = position ids, $2 = elevations (arrays of the same length). Returns
 * the drives touched. */
static const char store_sql[] =
    "UPDATE positions p SET elevation = v.elevation"
    " FROM unnest($1::integer[], $2::smallint[]) AS v(id, elevation)"
    " WHERE p.id = v.id AND p.elevation IS NULL"
    " RETURNING p.drive_id";

/* $1 = drive ids. The same rule as at drive close. */
static const char climb_sql[] =
    "WITH steps AS ("
    "  SELECT drive_id, elevation - lag(elevation) OVER (PARTITION BY drive_id"
    "   ORDER BY date, id) AS step"
    "  FROM positions WHERE drive_id = ANY($1::integer[]) AND elevation IS NOT NULL),"
    " climb AS ("
    "  SELECT drive_id, coalesce(sum(step) FILTER (WHERE step > 0), 0) AS ascent,"
    "   coalesce(sum(-step) FILTER (WHERE step < 0), 0) AS descent"
    "  FROM steps GROUP BY drive_id),"
    " capped AS ("
    "  SELECT drive_id, CASE WHEN ascent < 32768 THEN ascent ELSE 0 END AS ascent,"
    "   CASE WHEN descent < 32768 THEN descent ELSE 0 END AS descent FROM climb)"
    " UPDATE drives d SET ascent = c.ascent, descent = c.descent FROM capped c"
    " WHERE d.id = c.drive_id AND d.end_date IS NOT NULL"
    "  AND (d.ascent IS DISTINCT FROM c.ascent OR d.descent IS DISTINCT FROM c.descent)";

bool elevation_positions_without(PGconn *conn, const char *tenant_id, int64_t min_id,
                                 size_t limit, struct elevation_position *out, size_t *count,
                                 int64_t *next_min_id)
{
    char min_text[24];
    char limit_text[24];
    const char *values[] = {min_text, limit_text};

    *count = 0;
    *next_min_id = min_id;
    snprintf(min_text, sizeof(min_text), "%" PRId64, min_id);
    snprintf(limit_text, sizeof(limit_text), "%zu", limit);
    if (!db_begin_tenant(conn, tenant_id))
        return false;

    PGresult *result = db_query(conn, positions_without_sql, 2, values);
    if (result == NULL) {
        db_rollback(conn);
        return false;
    }
    for (int row = 0; row < PQntuples(result) && (size_t)row < limit; row++) {
        *next_min_id = strtoll(PQgetvalue(result, row, 0), NULL, 10);
        if (strcmp(PQgetvalue(result, row, 4), "t") != 0)
            continue;
        out[(*count)++] = (struct elevation_position){
            .id = *next_min_id,
            .drive_id = strtoll(PQgetvalue(result, row, 1), NULL, 10),
            .latitude = strtod(PQgetvalue(result, row, 2), NULL),
            .longitude = strtod(PQgetvalue(result, row, 3), NULL),
        };
    }
    PQclear(result);
    return db_commit(conn);
}

/* "{1,2,3}" from count values; the caller frees it. */
static char *array_text(const int64_t *ids, const int *values, size_t count)
{
    size_t size = 3 + count * 22;
    char *text = malloc(size);
    size_t used = 0;

    if (text == NULL)
        return NULL;
    text[used++] = '{';
    for (size_t i = 0; i < count; i++) {
        int written = ids != NULL ? snprintf(text + used, size - used, "%s%" PRId64,
                                             i > 0 ? "," : "", ids[i])
                                  : snprintf(text + used, size - used, "%s%d", i > 0 ? "," : "",
                                             values[i]);
        used += (size_t)written;
    }
    snprintf(text + used, size - used, "}");
    return text;
}

/* The distinct drive ids of the RETURNING rows, as an array literal. */
static char *touched_drives(const PGresult *result)
{
    int rows = PQntuples(result);
    int64_t *drives = calloc((size_t)rows + 1, sizeof(*drives));
    size_t count = 0;

    if (drives == NULL)
        return NULL;
    for (int row = 0; row < rows; row++) {
        int64_t drive_id = strtoll(PQgetvalue(result, row, 0), NULL, 10);
        bool seen = false;
        for (size_t i = 0; i < count && !seen; i++)
            seen = drives[i] == drive_id;
        if (!seen && !PQgetisnull(result, row, 0))
            drives[count++] = drive_id;
    }
    char *text = array_text(drives, NULL, count);
    free(drives);
    return text;
}

static bool store_in_transaction(PGconn *conn, const char *ids, const char *elevations,
                                 size_t *positions_updated, size_t *drives_updated)
{
    const char *store_values[] = {ids, elevations};
    PGresult *result = db_query(conn, store_sql, 2, store_values);

    if (result == NULL)
        return false;
    *positions_updated = (size_t)PQntuples(result);
    char *drives = touched_drives(result);
    PQclear(result);
    if (drives == NULL)
        return false;

    const char *climb_values[] = {drives};
    result = db_query(conn, climb_sql, 1, climb_values);
    free(drives);
    if (result == NULL)
        return false;
    *drives_updated = strtoul(PQcmdTuples(result), NULL, 10);
    PQclear(result);
    return true;
}

bool elevation_store(PGconn *conn, const char *tenant_id, const int64_t *position_ids,
                     const int *elevations_m, size_t count, size_t *positions_updated,
                     size_t *drives_updated)
{
    size_t positions = 0;
    size_t drives = 0;

    if (count == 0)
        return true;
    char *ids = array_text(position_ids, NULL, count);
    char *elevations = array_text(NULL, elevations_m, count);
    bool ok = ids != NULL && elevations != NULL && db_begin_tenant(conn, tenant_id);

    if (ok) {
        ok = store_in_transaction(conn, ids, elevations, &positions, &drives);
        if (ok)
            ok = db_commit(conn);
        else
            db_rollback(conn);
    }
    free(ids);
    free(elevations);
    if (positions_updated != NULL)
        *positions_updated = positions;
    if (drives_updated != NULL)
        *drives_updated = drives;
    return ok;
}
