/*
 * elevation: the database side of the elevation back-fill: which positions
 * of a tenant lack an elevation, and storing the values SRTM gives them.
 *
 * Contract:
 * - The selection is TeslaMate's get_positions_without_elevation, per
 *   tenant: positions with id > min_id and no elevation, dated after the
 *   cut-off, that belong to a drive started after the cut-off which has a
 *   position with id > min_id and none with id > min_id that has an
 *   odometer but no ideal range (a streamed position, which carries the
 *   car's own elevation). The cut-off is 10 days ago when min_id is 0,
 *   else 2003-07-01, so the first batch of a pass covers recent drives and
 *   the following batches continue past them. Positions without a drive
 *   are never selected. Ordered by id. A batch examines the first limit
 *   positions after min_id that lack an elevation and belong to a drive,
 *   and returns those whose drive qualifies, so it may return fewer than
 *   limit (even none) while more follow: the caller continues after
 *   *next_min_id until that stays at min_id.
 * - Storing writes only positions whose elevation is still NULL. It then
 *   recomputes ascent and descent of the closed drives those positions
 *   belong to, by the rule used at drive close. Each is the sum of the
 *   rises (or falls) between consecutive positions with an elevation, by
 *   date, and 0 when it does not fit a smallint (32768 m or more).
 *   TeslaMate does not recompute them after its back-fill, so there a
 *   drive closed before its elevations arrived keeps 0 and 0.
 * - Each call is one tenant transaction (db_begin_tenant()); failures are
 *   logged and roll back.
 */
#ifndef TENANTMATE_ELEVATION_H
#define TENANTMATE_ELEVATION_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TeslaMate's batch size for the back-fill. */
#define ELEVATION_BATCH_SIZE 1000

struct elevation_position {
    int64_t id;
    int64_t drive_id;
    double latitude;
    double longitude;
};

/* Fills out with up to limit positions (see the contract); *count gets
 * how many, *next_min_id the last position examined (min_id when none
 * was). */
bool elevation_positions_without(PGconn *conn, const char *tenant_id, int64_t min_id,
                                 size_t limit, struct elevation_position *out, size_t *count,
                                 int64_t *next_min_id);

/* Stores elevations_m[i] for position_ids[i]; *positions_updated and
 * *drives_updated (both may be NULL) get the counts written. */
bool elevation_store(PGconn *conn, const char *tenant_id, const int64_t *position_ids,
                     const int *elevations_m, size_t count, size_t *positions_updated,
                     size_t *drives_updated);

#endif
