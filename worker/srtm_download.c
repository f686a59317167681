/* Downloading a missing SRTM tile into the cache directory, one at a time,
 * behind the SRTM breaker. */
#include "srtm_internal.h"

#include "http.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRTM_CONNECT_TIMEOUT_MS 10000L
#define SRTM_MAX_REDIRECTS 3u

static bool write_all(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        bytes += written;
        length -= (size_t)written;
    }
    return true;
}

/* Writes the tile under a temporary name and renames it into place, so no
 * reader ever maps a partly written file. */
static bool store_tile(struct srtm *srtm, const char *tile, const char *bytes, size_t length,
                       char *error, size_t error_size)
{
    char path[PATH_MAX + 16];
    char temporary[PATH_MAX + 48];

    if (mkdir(srtm->config.cache_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(error, error_size, "mkdir %.300s: %s", srtm->config.cache_dir, strerror(errno));
        return false;
    }
    if (!srtm_tile_path(srtm, tile, path, sizeof(path)) ||
        snprintf(temporary, sizeof(temporary), "%s/.%s.hgt.%ld.tmp", srtm->config.cache_dir, tile,
                 (long)getpid()) >= (int)sizeof(temporary)) {
        snprintf(error, error_size, "the cache directory path is too long");
        return false;
    }

    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(error, error_size, "open %.300s: %s", temporary, strerror(errno));
        return false;
    }
    bool written = write_all(fd, bytes, length);
    int saved_errno = errno;
    if (close(fd) != 0 && written) {
        written = false;
        saved_errno = errno;
    }
    if (!written || rename(temporary, path) != 0) {
        snprintf(error, error_size, "%s %.300s: %s", written ? "rename to" : "write",
                 written ? path : temporary, strerror(written ? errno : saved_errno));
        unlink(temporary);
        return false;
    }
    return true;
}

static void download_failed(struct srtm *srtm, struct srtm_tile *tile, const char *reason)
{
    double now_s = srtm_monotonic_s();
    bool blown = fuse_melt(&srtm->fuse, now_s);

    srtm->counters.downloads_failed++;
    tile->state = TILE_FETCH_FAILED;
    tile->checked_at_s = now_s;
    tile->logged_state = TILE_FETCH_FAILED;
    if (blown)
        log_warning("download of SRTM tile %s failed: %s; %u failures within %.0f s opened the "
                    "breaker, so no tile is downloaded for %.0f s",
                    tile->name, reason, srtm->fuse.max_melts + 1, srtm->fuse.window_s,
                    srtm->fuse.heal_s);
    else
        log_warning("download of SRTM tile %s failed: %s; will retry on a lookup after %.0f s",
                    tile->name, reason, SRTM_RECHECK_INTERVAL_S);
}

/* Decides what a finished download means for its tile. */
static enum srtm_status finish_download(struct srtm *srtm, struct srtm_tile *tile,
                                        const struct http_response *response)
{
    char reason[512];

    if (response->transport_error != HTTP_TRANSPORT_OK) {
        snprintf(reason, sizeof(reason), "%s (%s)",
                 http_transport_error_name(response->transport_error), response->error_detail);
        download_failed(srtm, tile, reason);
        return SRTM_UNAVAILABLE;
    }
    if (response->status == 404) {
        tile->absent_at_source = true;
        tile->state = TILE_MISSING;
        tile->checked_at_s = srtm_monotonic_s();
        srtm_log_tile_state(srtm, tile);
        return SRTM_NO_TILE;
    }
    if (response->status != 200) {
        snprintf(reason, sizeof(reason), "HTTP status %ld", response->status);
        download_failed(srtm, tile, reason);
        return SRTM_UNAVAILABLE;
    }
    if (srtm_points_per_side(response->body_length) == 0) {
        snprintf(reason, sizeof(reason), "%zu bytes is no SRTM tile size (an uncompressed .hgt "
                 "file is expected)", response->body_length);
        download_failed(srtm, tile, reason);
        return SRTM_UNAVAILABLE;
    }
    if (!store_tile(srtm, tile->name, response->body, response->body_length, reason,
                    sizeof(reason))) {
        download_failed(srtm, tile, reason);
        return SRTM_UNAVAILABLE;
    }

    log_info("downloaded SRTM tile %s (%zu bytes in %.1f s)", tile->name, response->body_length,
             response->elapsed_s);
    srtm_map_tile(srtm, tile);
    srtm_log_tile_state(srtm, tile);
    return tile->state == TILE_MAPPED ? SRTM_FOUND : SRTM_INVALID_TILE;
}

static void on_downloaded(void *context, const struct http_response *response)
{
    struct srtm *srtm = context;
    struct srtm_tile *tile = srtm->request_tile;

    srtm->request = NULL;
    srtm->request_tile = NULL;
    enum srtm_status status = finish_download(srtm, tile, response);
    if (srtm->fetched != NULL)
        srtm->fetched(srtm->fetched_context, tile->name, status);
}

enum srtm_status srtm_start_download(struct srtm *srtm, struct srtm_tile *tile)
{
    char url[sizeof(srtm->config.download_url) + 64];
    char shown[sizeof(url)];

    if (!srtm_tile_url(srtm->config.download_url, tile->name, url, sizeof(url))) {
        download_failed(srtm, tile, "the download URL is too long");
        return SRTM_UNAVAILABLE;
    }

    const struct http_request_options options = {
        .method = "GET",
        .url = url,
        .connect_timeout_ms = SRTM_CONNECT_TIMEOUT_MS,
        .total_timeout_ms = (long)(srtm->config.download_timeout_s * 1000.0),
        .max_body_bytes = (size_t)SRTM_1_ARC_SECOND_POINTS * SRTM_1_ARC_SECOND_POINTS * 2 + 1,
        .max_redirects = SRTM_MAX_REDIRECTS,
        .user_agent = srtm->config.user_agent,
        .car_id = LOG_NO_CAR,
    };
    srtm->request = http_submit(srtm->http, &options, on_downloaded, srtm);
    if (srtm->request == NULL) {
        download_failed(srtm, tile, "the request could not be started");
        return SRTM_UNAVAILABLE;
    }

    http_redact_url(url, shown, sizeof(shown));
    log_info("downloading SRTM tile %s from %s", tile->name, shown);
    srtm->request_tile = tile;
    srtm->counters.downloads_started++;
    tile->state = TILE_FETCHING;
    return SRTM_FETCHING;
}
