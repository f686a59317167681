/* The repair service's lifecycle: configuration, schedules, the tenant
 * list, the connection, and the process's main loop. The passes are in
 * repair_addresses.c and repair_elevation.c. */
#include "repair_internal.h"

#include "db.h"
#include "env.h"
#include "exit_codes.h"
#include "http.h"
#include "log.h"
#include "process_title.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double repair_monotonic_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* ---- configuration ----------------------------------------------------- */

void repair_config_defaults(struct repair_config *config, const char *version)
{
    memset(config, 0, sizeof(*config));
    geocoder_config_defaults(&config->geocoder, version);
    srtm_config_defaults(&config->srtm);
    config->address_interval_s = REPAIR_DEFAULT_ADDRESS_INTERVAL_S;
    config->elevation_interval_s = REPAIR_DEFAULT_ELEVATION_INTERVAL_S;
    config->address_limit = REPAIR_DEFAULT_ADDRESS_LIMIT;
    config->elevation_enabled = true;
}

bool repair_config_from_env(struct repair_config *config)
{
    return geocoder_config_from_env(&config->geocoder) &&
           srtm_config_from_env(&config->srtm) &&
           env_seconds("TENANTMATE_REPAIR_INTERVAL", config->address_interval_s, 1.0, 604800.0,
                       &config->address_interval_s) &&
           env_seconds("TENANTMATE_ELEVATION_INTERVAL", config->elevation_interval_s, 1.0,
                       604800.0, &config->elevation_interval_s) &&
           env_integer("TENANTMATE_REPAIR_LIMIT", config->address_limit, 1, 1000000,
                       &config->address_limit) &&
           env_boolean("TENANTMATE_ELEVATION", config->elevation_enabled,
                       &config->elevation_enabled);
}

/* ---- shared steps ------------------------------------------------------ */

static const char *address_state(const struct repair_service *service)
{
    if (service->config.geocoder.url[0] == '\0')
        return "off";
    if (!service->addresses.running)
        return "idle";
    return ev_is_active(&service->address_resume) ? "paused" : "running";
}

static const char *elevation_state(const struct repair_service *service)
{
    if (!service->config.elevation_enabled)
        return "off";
    if (!service->elevation.running)
        return "idle";
    return service->elevation.waiting_for_tile ? "downloading" : "running";
}

void repair_update_title(const struct repair_service *service)
{
    process_title_set("tenantmate: repair addresses=%s elevation=%s", address_state(service),
                      elevation_state(service));
}

bool repair_connection_ready(struct repair_service *service)
{
    if (PQstatus(service->conn) == CONNECTION_OK)
        return true;

    log_warning("the database connection is broken; reconnecting");
    PQreset(service->conn);
    if (PQstatus(service->conn) == CONNECTION_OK) {
        log_info("reconnected to the database");
        return true;
    }
    service->stats.database_errors++;
    log_error("cannot reconnect to the database: %s", PQerrorMessage(service->conn));
    return false;
}

bool repair_list_tenants(struct repair_service *service, char (**ids)[UUID_TEXT_SIZE],
                         size_t *count)
{
    *ids = NULL;
    *count = 0;
    PGresult *result = db_query(service->conn,
                                "SELECT id FROM tenants WHERE deleted_at IS NULL"
                                " ORDER BY created_at, id",
                                0, NULL);
    if (result == NULL) {
        service->stats.database_errors++;
        return false;
    }

    int rows = PQntuples(result);
    *ids = calloc((size_t)rows + 1, sizeof(**ids));
    if (*ids == NULL) {
        PQclear(result);
        log_error("out of memory for %d tenant ids", rows);
        return false;
    }
    for (int row = 0; row < rows; row++)
        snprintf((*ids)[row], UUID_TEXT_SIZE, "%s", PQgetvalue(result, row, 0));
    *count = (size_t)rows;
    PQclear(result);
    return true;
}

/* ---- lifecycle --------------------------------------------------------- */

static void on_address_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct repair_service *service = timer->data;

    (void)loop;
    (void)events;
    repair_addresses_start_pass(service);
}

static bool valid_config(const struct repair_config *config)
{
    if (!(config->address_interval_s > 0.0) || !(config->elevation_interval_s > 0.0) ||
        config->address_limit <= 0) {
        log_error("invalid repair configuration: address interval %.1f s, elevation interval "
                  "%.1f s, address limit %ld",
                  config->address_interval_s, config->elevation_interval_s,
                  config->address_limit);
        return false;
    }
    return true;
}

struct repair_service *repair_service_new(struct ev_loop *loop, PGconn *conn,
                                          const struct repair_config *config)
{
    if (!valid_config(config))
        return NULL;

    struct repair_service *service = calloc(1, sizeof(*service));
    if (service == NULL) {
        log_error("out of memory for the repair service");
        return NULL;
    }
    service->loop = loop;
    service->conn = conn;
    service->config = *config;
    service->http = http_client_new(loop);
    if (service->http != NULL) {
        service->geocoder = geocoder_new(service->http, &config->geocoder);
        service->srtm = srtm_new(&config->srtm, service->http);
    }
    if (service->geocoder == NULL || service->srtm == NULL) {
        repair_service_free(service);
        return NULL;
    }

    ev_timer_init(&service->address_timer, on_address_timer, 0.0, config->address_interval_s);
    service->address_timer.data = service;
    repair_addresses_init(service);
    repair_elevation_init(service);
    return service;
}

void repair_service_start(struct repair_service *service)
{
    const struct repair_config *config = &service->config;
    char addresses[96];
    char elevation[PATH_MAX + 96];

    if (config->geocoder.url[0] != '\0')
        snprintf(addresses, sizeof(addresses), "every %.0f s", config->address_interval_s);
    else
        snprintf(addresses, sizeof(addresses), "off (TENANTMATE_GEOCODER_URL is empty)");
    if (config->elevation_enabled)
        snprintf(elevation, sizeof(elevation), "every %.0f s, tiles in %s, downloads %s",
                 config->elevation_interval_s, config->srtm.cache_dir,
                 config->srtm.download_url[0] != '\0' ? "on" : "off");
    else
        snprintf(elevation, sizeof(elevation), "off");
    log_info("repair service starting: addresses %s; elevation %s", addresses, elevation);

    if (config->geocoder.url[0] != '\0')
        ev_timer_start(service->loop, &service->address_timer);
    if (config->elevation_enabled)
        repair_elevation_start_pass(service);
    repair_update_title(service);
}

void repair_service_free(struct repair_service *service)
{
    if (service == NULL)
        return;
    ev_timer_stop(service->loop, &service->address_timer);
    repair_addresses_stop(service);
    repair_elevation_stop(service);
    geocoder_free(service->geocoder);
    srtm_free(service->srtm);
    http_client_free(service->http);
    free(service);
}

bool repair_service_idle(const struct repair_service *service)
{
    return !service->addresses.running && !service->addresses.queued &&
           !service->elevation.running;
}

struct repair_stats repair_service_stats(const struct repair_service *service)
{
    return service->stats;
}

/* ---- the process ------------------------------------------------------- */

static void on_stop_signal(struct ev_loop *loop, ev_signal *watcher, int events)
{
    (void)events;
    log_info("repair service stopping on signal %d", watcher->signum);
    ev_break(loop, EVBREAK_ALL);
}

static void on_reopen_signal(struct ev_loop *loop, ev_signal *watcher, int events)
{
    (void)loop;
    (void)watcher;
    (void)events;
    if (!log_reopen())
        log_error("cannot reopen the log file");
}

int repair_service_run(struct ev_loop *loop, const struct repair_config *config)
{
    const struct db_retry retry = {.max_attempts = 0, .initial_delay_s = 1.0, .max_delay_s = 30.0};
    const char *conninfo = NULL;
    ev_signal terminate;
    ev_signal interrupt;
    ev_signal hangup;

    if (!db_conninfo_from_env(&conninfo))
        return WORKER_EXIT_CONFIG;
    PGconn *conn = db_connect(conninfo, &retry);
    if (conn == NULL)
        return WORKER_EXIT_CONFIG;

    struct repair_service *service = repair_service_new(loop, conn, config);
    if (service == NULL) {
        PQfinish(conn);
        return WORKER_EXIT_CONFIG;
    }

    ev_signal_init(&terminate, on_stop_signal, SIGTERM);
    ev_signal_init(&interrupt, on_stop_signal, SIGINT);
    ev_signal_init(&hangup, on_reopen_signal, SIGHUP);
    ev_signal_start(loop, &terminate);
    ev_signal_start(loop, &interrupt);
    ev_signal_start(loop, &hangup);

    repair_service_start(service);
    ev_run(loop, 0);

    struct repair_stats stats = repair_service_stats(service);
    log_info("repair service stopped: %llu address passes, %llu lookups, %llu addresses "
             "linked, %llu elevation passes, %llu positions updated",
             (unsigned long long)stats.address_passes, (unsigned long long)stats.address_lookups,
             (unsigned long long)stats.addresses_linked,
             (unsigned long long)stats.elevation_passes,
             (unsigned long long)stats.positions_updated);
    ev_signal_stop(loop, &terminate);
    ev_signal_stop(loop, &interrupt);
    ev_signal_stop(loop, &hangup);
    repair_service_free(service);
    PQfinish(conn);
    return WORKER_EXIT_STOPPED;
}
