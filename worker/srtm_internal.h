/*
 * srtm_internal: the tile table shared by srtm.c (lookups, mapping) and
 * srtm_download.c (fetching missing tiles). Not for other modules.
 */
#ifndef TENANTMATE_SRTM_INTERNAL_H
#define TENANTMATE_SRTM_INTERNAL_H

#include "fuse.h"
#include "srtm.h"

/* Tiles the table remembers (mapped or not); the least recently used
 * entry that is not downloading makes room for a new one. */
#define SRTM_TABLE_SIZE 256

enum tile_state {
    TILE_UNKNOWN,           /* not looked for yet, or unmapped to make room */
    TILE_MAPPED,
    TILE_MISSING,           /* no file, and nothing to download */
    TILE_INVALID,           /* a file of the wrong size */
    TILE_FETCHING,
    TILE_FETCH_FAILED,      /* the last download failed */
    TILE_STATE_COUNT
};

struct srtm_tile {
    char name[SRTM_TILE_NAME_SIZE];
    int latitude;
    int longitude;
    enum tile_state state;
    enum tile_state logged_state;   /* the last state logged, so each is logged once */
    bool absent_at_source;          /* the download URL returned 404 */
    const uint8_t *data;
    size_t size;
    double checked_at_s;            /* monotonic time of the last disk check or failure */
    uint64_t last_used;
};

struct srtm {
    struct srtm_config config;
    struct http_client *http;
    struct fuse fuse;
    bool breaker_logged;
    struct srtm_tile tiles[SRTM_TABLE_SIZE];
    size_t tile_count;
    size_t mapped_count;
    uint64_t use_clock;
    struct http_request *request;   /* the download in flight, one at a time */
    struct srtm_tile *request_tile;
    srtm_fetched_fn *fetched;
    void *fetched_context;
    struct srtm_counters counters;
};

double srtm_monotonic_s(void);

/* The tile file's path in the cache directory. */
bool srtm_tile_path(const struct srtm *srtm, const char *tile, char *out, size_t size);

/* Maps the tile's file when it exists; sets the state to TILE_MAPPED,
 * TILE_INVALID or TILE_MISSING. */
void srtm_map_tile(struct srtm *srtm, struct srtm_tile *tile);

/* Logs the tile's state once per change. */
void srtm_log_tile_state(struct srtm *srtm, struct srtm_tile *tile);

/* Starts downloading the tile. Returns the status for the lookup:
 * SRTM_FETCHING, or SRTM_UNAVAILABLE when the request cannot start. */
enum srtm_status srtm_start_download(struct srtm *srtm, struct srtm_tile *tile);

#endif
