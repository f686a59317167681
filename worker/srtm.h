/*
 * srtm: terrain elevation from SRTM tiles (.hgt files) in a cache
 * directory, the way TeslaMate's `srtm` library (0.8.0) reads them.
 *
 * Contract:
 * - A tile covers one degree: N52E013.hgt holds latitudes 52..53 and
 *   longitudes 13..14, as big-endian signed 16-bit metres on a grid of
 *   1201 x 1201 (3 arc-seconds) or 3601 x 3601 (1 arc-second) points.
 *   Any other file size is an invalid tile. The sample at a point is the
 *   grid point at trunc((tile_lat + 1 - lat) x (n - 1)) rows and
 *   trunc((lng - tile_lng) x (n - 1)) columns, without interpolation; the
 *   void value -32768 and values outside -1000..10000 m are no data.
 * - Tiles are memory-mapped read-only and shared (MAP_SHARED), so every
 *   process reading the same file shares its pages. At most
 *   SRTM_MAPPED_TILES_MAX stay mapped per struct srtm, least recently
 *   used first out. A file must not be truncated in place while mapped
 *   (reading it would raise SIGBUS); downloads here replace files with
 *   rename(2).
 * - srtm_lookup() never blocks on the network and never waits. It returns
 *   the sample from the mapped tile or from the disk, or reports the tile
 *   missing. With a download URL and an HTTP client it then starts a
 *   download of the missing tile in the background and returns
 *   SRTM_FETCHING. One download runs at a time: meanwhile a lookup in
 *   another missing tile returns SRTM_FETCHING too and starts its own
 *   download on a later lookup. A download is written to the cache
 *   directory under a temporary name and renamed into place. An HTTP 404
 *   means there is no such tile (open sea): the tile stays missing without
 *   counting as a failure. Other download errors count on a circuit
 *   breaker, TeslaMate's SRTM fuse: 2 failures in 3 minutes are tolerated,
 *   the 3rd opens it for 15 minutes. While it is open, or for
 *   SRTM_RECHECK_INTERVAL_S after a failed download of the tile, a missing
 *   tile is SRTM_UNAVAILABLE at once, without a request.
 * - A missing, invalid or unavailable tile is logged once per tile (again
 *   only when its state changes), never once per lookup. Missing and
 *   invalid tiles are looked for on disk again after
 *   SRTM_RECHECK_INTERVAL_S, so tiles another process adds are picked up.
 * - One struct srtm per event loop thread. The fetched callback runs from
 *   the loop after a download ends; it may look tiles up again but must
 *   not free the struct srtm.
 */
#ifndef TENANTMATE_SRTM_H
#define TENANTMATE_SRTM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_client;

/* "N52E013" and its terminating NUL. */
#define SRTM_TILE_NAME_SIZE 8

#define SRTM_3_ARC_SECOND_POINTS 1201
#define SRTM_1_ARC_SECOND_POINTS 3601

#define SRTM_MAPPED_TILES_MAX 64
#define SRTM_RECHECK_INTERVAL_S 60.0

/* SRTM_CACHE's default, as TeslaMate's: relative to the working directory. */
#define SRTM_DEFAULT_CACHE_DIR ".srtm_cache"
#define SRTM_DEFAULT_DOWNLOAD_TIMEOUT_S 60.0

/* TeslaMate's SRTM fuse. */
#define SRTM_FUSE_MAX_FAILURES 2
#define SRTM_FUSE_WINDOW_S 180.0
#define SRTM_FUSE_HEAL_S 900.0

enum srtm_status {
    SRTM_FOUND,             /* *elevation_m is set */
    SRTM_VOID,              /* the tile has no data at the point */
    SRTM_NO_TILE,           /* no tile here, and none can be downloaded */
    SRTM_INVALID_TILE,      /* the tile file has a size no SRTM tile has */
    SRTM_FETCHING,          /* the tile is being downloaded: look again later */
    SRTM_UNAVAILABLE,       /* breaker open, or the last download failed */
    SRTM_INVALID_POINT,     /* not a finite latitude and longitude */
    SRTM_STATUS_COUNT
};

const char *srtm_status_name(enum srtm_status status);

struct srtm_config {
    char cache_dir[PATH_MAX];
    /* "" turns downloads off. Otherwise an http:// or https:// URL of an
     * uncompressed .hgt file in which "{tile}" is replaced by the tile name
     * (N52E013) and "{dir}" by its first three characters (N52). */
    char download_url[1024];
    double download_timeout_s;
    char user_agent[128];
};

/* Defaults: SRTM_DEFAULT_CACHE_DIR, no download, 60 s, "tenantmate". */
void srtm_config_defaults(struct srtm_config *config);

/* Reads SRTM_CACHE, TENANTMATE_SRTM_URL and TENANTMATE_SRTM_TIMEOUT over
 * the defaults. Returns false, after logging which variable is invalid,
 * when one of them is. */
bool srtm_config_from_env(struct srtm_config *config);

/* Called from the loop when a download ends, whatever its result. */
typedef void srtm_fetched_fn(void *context, const char *tile, enum srtm_status status);

struct srtm_counters {
    uint64_t lookups;
    uint64_t downloads_started;
    uint64_t downloads_failed;
    uint64_t tiles_mapped;
};

struct srtm;

/* http may be NULL: then nothing is downloaded. Returns NULL, after
 * logging why, when the configuration is invalid. */
struct srtm *srtm_new(const struct srtm_config *config, struct http_client *http);

/* Cancels a download in flight (its callback is not called) and unmaps
 * every tile. NULL is ignored. */
void srtm_free(struct srtm *srtm);

void srtm_set_fetched_callback(struct srtm *srtm, srtm_fetched_fn *fetched, void *context);

enum srtm_status srtm_lookup(struct srtm *srtm, double latitude, double longitude,
                             int *elevation_m);

struct srtm_counters srtm_counters(const struct srtm *srtm);

/* ---- pure helpers ------------------------------------------------------ */

/* The tile containing the point and its south-west corner. Returns false
 * for a latitude outside -90..90, a longitude outside -180..180 or a value
 * that is not finite. */
bool srtm_tile_name(double latitude, double longitude, char name[SRTM_TILE_NAME_SIZE],
                    int *tile_latitude, int *tile_longitude);

/* Points per side for a file of size bytes: 1201, 3601, or 0 when no SRTM
 * tile has that size. */
int srtm_points_per_side(size_t size);

/* The sample at the point from a tile's bytes (SRTM_FOUND, SRTM_VOID or
 * SRTM_INVALID_TILE). */
enum srtm_status srtm_sample(const uint8_t *data, size_t size, int tile_latitude,
                             int tile_longitude, double latitude, double longitude,
                             int *elevation_m);

/* Writes the download URL of a tile into out. Returns false when it does
 * not fit. */
bool srtm_tile_url(const char *url_template, const char *tile, char *out, size_t size);

#endif
