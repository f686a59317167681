/* SRTM tiles: naming, the grid lookup, memory mapping and the table of
 * known tiles. Downloads are in srtm_download.c. */
#include "srtm_internal.h"

#include "env.h"
#include "http.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A sample equal to this is a void in the SRTM data. */
#define SRTM_VOID_SAMPLE (-32768)
#define SRTM_MIN_ELEVATION_M (-1000)
#define SRTM_MAX_ELEVATION_M 10000

static const char *const srtm_status_names[SRTM_STATUS_COUNT] = {
    [SRTM_FOUND] = "found",
    [SRTM_VOID] = "void",
    [SRTM_NO_TILE] = "no tile",
    [SRTM_INVALID_TILE] = "invalid tile",
    [SRTM_FETCHING] = "fetching",
    [SRTM_UNAVAILABLE] = "unavailable",
    [SRTM_INVALID_POINT] = "invalid point",
};

_Static_assert(sizeof(srtm_status_names) / sizeof(srtm_status_names[0]) == SRTM_STATUS_COUNT,
               "srtm_status_names must name every status");

const char *srtm_status_name(enum srtm_status status)
{
    if (status < 0 || status >= SRTM_STATUS_COUNT)
        return "invalid";
    return srtm_status_names[status];
}

double srtm_monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* ---- pure helpers ------------------------------------------------------ */

bool srtm_tile_name(double latitude, double longitude, char name[SRTM_TILE_NAME_SIZE],
                    int *tile_latitude, int *tile_longitude)
{
    if (!isfinite(latitude) || !isfinite(longitude) || latitude < -90.0 || latitude > 90.0 ||
        longitude < -180.0 || longitude > 180.0)
        return false;

    int south_west_latitude = (int)floor(latitude);
    int south_west_longitude = (int)floor(longitude);

    snprintf(name, SRTM_TILE_NAME_SIZE, "%c%02d%c%03d", south_west_latitude >= 0 ? 'N' : 'S',
             abs(south_west_latitude) % 100, south_west_longitude >= 0 ? 'E' : 'W',
             abs(south_west_longitude) % 1000);
    *tile_latitude = south_west_latitude;
    *tile_longitude = south_west_longitude;
    return true;
}

int srtm_points_per_side(size_t size)
{
    if (size == (size_t)SRTM_3_ARC_SECOND_POINTS * SRTM_3_ARC_SECOND_POINTS * 2)
        return SRTM_3_ARC_SECOND_POINTS;
    if (size == (size_t)SRTM_1_ARC_SECOND_POINTS * SRTM_1_ARC_SECOND_POINTS * 2)
        return SRTM_1_ARC_SECOND_POINTS;
    return 0;
}

enum srtm_status srtm_sample(const uint8_t *data, size_t size, int tile_latitude,
                             int tile_longitude, double latitude, double longitude,
                             int *elevation_m)
{
    int points = srtm_points_per_side(size);

    if (points == 0)
        return SRTM_INVALID_TILE;

    double row = trunc((tile_latitude + 1 - latitude) * (points - 1));
    double column = trunc((longitude - tile_longitude) * (points - 1));
    if (row < 0 || column < 0 || row >= points || column >= points)
        return SRTM_VOID;

    size_t offset = ((size_t)row * (size_t)points + (size_t)column) * 2;
    if (offset + 2 > size)
        return SRTM_VOID;

    int sample = (int16_t)(uint16_t)((unsigned)data[offset] << 8 | data[offset + 1]);
    if (sample == SRTM_VOID_SAMPLE || sample < SRTM_MIN_ELEVATION_M ||
        sample > SRTM_MAX_ELEVATION_M)
        return SRTM_VOID;
    *elevation_m = sample;
    return SRTM_FOUND;
}

/* Copies text into out at *used; false when it does not fit. */
static bool append_text(char *out, size_t size, size_t *used, const char *text, size_t length)
{
    if (*used + length >= size)
        return false;
    memcpy(out + *used, text, length);
    *used += length;
    out[*used] = '\0';
    return true;
}

bool srtm_tile_url(const char *url_template, const char *tile, char *out, size_t size)
{
    size_t used = 0;
    bool fits = size > 0;

    if (fits)
        out[0] = '\0';
    for (const char *c = url_template; fits && *c != '\0';) {
        if (strncmp(c, "{tile}", 6) == 0) {
            fits = append_text(out, size, &used, tile, strlen(tile));
            c += 6;
        } else if (strncmp(c, "{dir}", 5) == 0) {
            fits = append_text(out, size, &used, tile, 3);
            c += 5;
        } else {
            fits = append_text(out, size, &used, c, 1);
            c++;
        }
    }
    return fits;
}

/* ---- configuration ----------------------------------------------------- */

void srtm_config_defaults(struct srtm_config *config)
{
    memset(config, 0, sizeof(*config));
    snprintf(config->cache_dir, sizeof(config->cache_dir), "%s", SRTM_DEFAULT_CACHE_DIR);
    config->download_timeout_s = SRTM_DEFAULT_DOWNLOAD_TIMEOUT_S;
    snprintf(config->user_agent, sizeof(config->user_agent), "tenantmate");
}

static bool valid_download_url(const char *url)
{
    return url[0] == '\0' || strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

bool srtm_config_from_env(struct srtm_config *config)
{
    const char *cache_dir;
    const char *url;

    if (!env_string("SRTM_CACHE", config->cache_dir, &cache_dir) ||
        !env_string("TENANTMATE_SRTM_URL", config->download_url, &url) ||
        !env_seconds("TENANTMATE_SRTM_TIMEOUT", config->download_timeout_s, 1.0, 600.0,
                     &config->download_timeout_s))
        return false;

    if (strlen(cache_dir) >= sizeof(config->cache_dir)) {
        log_error("SRTM_CACHE is longer than %zu bytes: use a shorter directory path",
                  sizeof(config->cache_dir) - 1);
        return false;
    }
    if (!valid_download_url(url) || strlen(url) >= sizeof(config->download_url)) {
        log_error("invalid TENANTMATE_SRTM_URL \"%s\": expected an http:// or https:// URL of "
                  "an uncompressed .hgt file with {tile} for the tile name, or empty for no "
                  "downloads",
                  url);
        return false;
    }
    memmove(config->cache_dir, cache_dir, strlen(cache_dir) + 1);
    memmove(config->download_url, url, strlen(url) + 1);
    return true;
}

/* ---- the tile table ---------------------------------------------------- */

struct srtm *srtm_new(const struct srtm_config *config, struct http_client *http)
{
    if (config->cache_dir[0] == '\0' || !valid_download_url(config->download_url)) {
        log_error("invalid SRTM configuration: cache directory \"%s\", download URL \"%s\"",
                  config->cache_dir, config->download_url);
        return NULL;
    }

    struct srtm *srtm = calloc(1, sizeof(*srtm));
    if (srtm == NULL) {
        log_error("out of memory for the SRTM tile table");
        return NULL;
    }
    srtm->config = *config;
    srtm->http = config->download_url[0] != '\0' ? http : NULL;
    fuse_init(&srtm->fuse, SRTM_FUSE_MAX_FAILURES, SRTM_FUSE_WINDOW_S, SRTM_FUSE_HEAL_S);
    return srtm;
}

static void unmap_tile(struct srtm *srtm, struct srtm_tile *tile)
{
    if (tile->data != NULL) {
        munmap((void *)tile->data, tile->size);
        srtm->mapped_count--;
    }
    tile->data = NULL;
    tile->size = 0;
    tile->state = TILE_UNKNOWN;
}

void srtm_free(struct srtm *srtm)
{
    if (srtm == NULL)
        return;
    if (srtm->request != NULL)
        http_cancel(srtm->http, srtm->request);
    for (size_t i = 0; i < srtm->tile_count; i++)
        unmap_tile(srtm, &srtm->tiles[i]);
    free(srtm);
}

void srtm_set_fetched_callback(struct srtm *srtm, srtm_fetched_fn *fetched, void *context)
{
    srtm->fetched = fetched;
    srtm->fetched_context = context;
}

struct srtm_counters srtm_counters(const struct srtm *srtm)
{
    return srtm->counters;
}

bool srtm_tile_path(const struct srtm *srtm, const char *tile, char *out, size_t size)
{
    int length = snprintf(out, size, "%s/%s.hgt", srtm->config.cache_dir, tile);

    return length > 0 && (size_t)length < size;
}

/* The least recently used entry for which pick() holds, or NULL. */
static struct srtm_tile *least_recently_used(struct srtm *srtm, bool mapped_only)
{
    struct srtm_tile *oldest = NULL;

    for (size_t i = 0; i < srtm->tile_count; i++) {
        struct srtm_tile *tile = &srtm->tiles[i];
        if (tile->state == TILE_FETCHING || (mapped_only && tile->state != TILE_MAPPED))
            continue;
        if (oldest == NULL || tile->last_used < oldest->last_used)
            oldest = tile;
    }
    return oldest;
}

static struct srtm_tile *find_or_add_tile(struct srtm *srtm, const char *name, int latitude,
                                          int longitude)
{
    for (size_t i = 0; i < srtm->tile_count; i++) {
        if (strcmp(srtm->tiles[i].name, name) == 0)
            return &srtm->tiles[i];
    }

    struct srtm_tile *tile;
    if (srtm->tile_count < SRTM_TABLE_SIZE) {
        tile = &srtm->tiles[srtm->tile_count++];
    } else {
        tile = least_recently_used(srtm, false);
        if (tile == NULL)
            return NULL;
        unmap_tile(srtm, tile);
    }
    memset(tile, 0, sizeof(*tile));
    snprintf(tile->name, sizeof(tile->name), "%s", name);
    tile->latitude = latitude;
    tile->longitude = longitude;
    return tile;
}

void srtm_log_tile_state(struct srtm *srtm, struct srtm_tile *tile)
{
    if (tile->state == tile->logged_state)
        return;
    tile->logged_state = tile->state;

    switch (tile->state) {
    case TILE_MISSING:
        log_info("no SRTM tile %s in %s%s: positions in it get no elevation", tile->name,
                 srtm->config.cache_dir,
                 tile->absent_at_source ? " (the download URL has none either)" : "");
        break;
    case TILE_INVALID:
        log_warning("invalid SRTM tile %s/%s.hgt: %zu bytes, expected %d or %d; positions in "
                    "it get no elevation until the file is replaced",
                    srtm->config.cache_dir, tile->name, tile->size,
                    SRTM_3_ARC_SECOND_POINTS * SRTM_3_ARC_SECOND_POINTS * 2,
                    SRTM_1_ARC_SECOND_POINTS * SRTM_1_ARC_SECOND_POINTS * 2);
        break;
    case TILE_MAPPED:
        log_debug("mapped SRTM tile %s (%zu bytes)", tile->name, tile->size);
        break;
    default:
        break;
    }
}

/* Keeps at most SRTM_MAPPED_TILES_MAX tiles mapped. */
static void make_room_for_mapping(struct srtm *srtm)
{
    while (srtm->mapped_count >= SRTM_MAPPED_TILES_MAX) {
        struct srtm_tile *oldest = least_recently_used(srtm, true);
        if (oldest == NULL)
            return;
        unmap_tile(srtm, oldest);
    }
}

static void map_open_file(struct srtm *srtm, struct srtm_tile *tile, int fd, size_t size)
{
    make_room_for_mapping(srtm);
    void *data = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (data == MAP_FAILED) {
        log_warning("cannot map SRTM tile %s: mmap failed: %s", tile->name, strerror(errno));
        tile->state = TILE_INVALID;
        return;
    }
    tile->data = data;
    tile->state = TILE_MAPPED;
    srtm->mapped_count++;
    srtm->counters.tiles_mapped++;
}

void srtm_map_tile(struct srtm *srtm, struct srtm_tile *tile)
{
    char path[PATH_MAX + 16];
    struct stat status;

    tile->checked_at_s = srtm_monotonic_s();
    tile->size = 0;
    if (!srtm_tile_path(srtm, tile->name, path, sizeof(path))) {
        tile->state = TILE_MISSING;
        return;
    }

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            log_warning("cannot open SRTM tile %s: %s", path, strerror(errno));
        tile->state = TILE_MISSING;
        return;
    }
    if (fstat(fd, &status) != 0 || status.st_size < 0) {
        log_warning("cannot read SRTM tile %s: fstat failed: %s", path, strerror(errno));
        tile->state = TILE_INVALID;
    } else if (srtm_points_per_side((size_t)status.st_size) == 0) {
        tile->size = (size_t)status.st_size;
        tile->state = TILE_INVALID;
    } else {
        tile->size = (size_t)status.st_size;
        map_open_file(srtm, tile, fd, tile->size);
    }
    close(fd);
}

static bool recheck_due(const struct srtm_tile *tile, double now_s)
{
    return now_s - tile->checked_at_s >= SRTM_RECHECK_INTERVAL_S;
}

/* A tile that is not on disk: download it when possible. */
static enum srtm_status resolve_missing(struct srtm *srtm, struct srtm_tile *tile, double now_s)
{
    if (srtm->http == NULL || tile->absent_at_source) {
        tile->state = TILE_MISSING;
        srtm_log_tile_state(srtm, tile);
        return SRTM_NO_TILE;
    }
    if (fuse_is_blown(&srtm->fuse, now_s)) {
        if (!srtm->breaker_logged)
            log_warning("SRTM downloads are paused until the breaker heals in %.0f s: "
                        "positions in missing tiles get no elevation meanwhile",
                        fuse_heal_at_s(&srtm->fuse) - now_s);
        srtm->breaker_logged = true;
        tile->state = TILE_FETCH_FAILED;
        return SRTM_UNAVAILABLE;
    }
    srtm->breaker_logged = false;
    if (srtm->request != NULL) {
        tile->state = TILE_UNKNOWN;
        return SRTM_FETCHING;
    }
    return srtm_start_download(srtm, tile);
}

/* Brings the tile to a state that decides the lookup. */
static enum srtm_status resolve_tile(struct srtm *srtm, struct srtm_tile *tile)
{
    double now_s = srtm_monotonic_s();

    switch (tile->state) {
    case TILE_MAPPED:
        return SRTM_FOUND;
    case TILE_FETCHING:
        return SRTM_FETCHING;
    case TILE_MISSING:
    case TILE_INVALID:
    case TILE_FETCH_FAILED:
        if (!recheck_due(tile, now_s))
            return tile->state == TILE_MISSING   ? SRTM_NO_TILE
                   : tile->state == TILE_INVALID ? SRTM_INVALID_TILE
                                                 : SRTM_UNAVAILABLE;
        break;
    default:
        break;
    }

    srtm_map_tile(srtm, tile);
    if (tile->state == TILE_MAPPED) {
        srtm_log_tile_state(srtm, tile);
        return SRTM_FOUND;
    }
    if (tile->state == TILE_INVALID) {
        srtm_log_tile_state(srtm, tile);
        return SRTM_INVALID_TILE;
    }
    return resolve_missing(srtm, tile, now_s);
}

enum srtm_status srtm_lookup(struct srtm *srtm, double latitude, double longitude,
                             int *elevation_m)
{
    char name[SRTM_TILE_NAME_SIZE];
    int tile_latitude;
    int tile_longitude;

    srtm->counters.lookups++;
    if (!srtm_tile_name(latitude, longitude, name, &tile_latitude, &tile_longitude))
        return SRTM_INVALID_POINT;

    struct srtm_tile *tile = find_or_add_tile(srtm, name, tile_latitude, tile_longitude);
    if (tile == NULL)
        return SRTM_UNAVAILABLE;
    tile->last_used = ++srtm->use_clock;

    enum srtm_status status = resolve_tile(srtm, tile);
    if (status != SRTM_FOUND)
        return status;
    return srtm_sample(tile->data, tile->size, tile->latitude, tile->longitude, latitude,
                       longitude, elevation_m);
}
