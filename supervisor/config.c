#include "config.h"

#include "db.h"
#include "env.h"
#include "log.h"

#include <errno.h>
#include <libgen.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_BINARY "tenantmate-worker"

/* Default worker path: tenantmate-worker beside the supervisor binary. */
static bool default_worker_path(char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (length < 0) {
        log_error("cannot find the supervisor's own path (readlink /proc/self/exe: %s): "
                  "set TENANTMATE_WORKER_PATH",
                  strerror(errno));
        return false;
    }
    self[length] = '\0';
    int written = snprintf(out, size, "%s/" WORKER_BINARY, dirname(self));
    return written > 0 && (size_t)written < size;
}

static bool read_worker_path(struct supervisor_config *config)
{
    const char *path = NULL;

    env_string("TENANTMATE_WORKER_PATH", NULL, &path);
    if (path == NULL) {
        if (!default_worker_path(config->worker_path, sizeof(config->worker_path)))
            return false;
    } else if ((size_t)snprintf(config->worker_path, sizeof(config->worker_path), "%s", path) >=
               sizeof(config->worker_path)) {
        log_error("invalid TENANTMATE_WORKER_PATH: longer than %zu bytes",
                  sizeof(config->worker_path) - 1);
        return false;
    }

    if (access(config->worker_path, X_OK) != 0) {
        log_error("worker program \"%s\" is not executable (%s): set TENANTMATE_WORKER_PATH "
                  "to the tenantmate-worker binary",
                  config->worker_path, strerror(errno));
        return false;
    }
    return true;
}

static bool read_host(struct supervisor_config *config)
{
    const char *host = NULL;

    env_string("TENANTMATE_HOST", NULL, &host);
    if (host != NULL) {
        snprintf(config->host, sizeof(config->host), "%s", host);
        return true;
    }

    if (gethostname(config->host, sizeof(config->host)) != 0) {
        log_error("gethostname failed (%s): set TENANTMATE_HOST to a name for this host",
                  strerror(errno));
        return false;
    }
    config->host[sizeof(config->host) - 1] = '\0';
    return true;
}

/* The supervisor needs a direct connection (session-level advisory locks
 * and LISTEN), so it may use another URL than the workers, which can go
 * through PgBouncer. */
static bool read_conninfo(struct supervisor_config *config)
{
    const char *url = getenv("TENANTMATE_SUPERVISOR_DATABASE_URL");
    char *error = NULL;

    if (url == NULL || *url == '\0')
        return db_conninfo_from_env(&config->conninfo);

    PQconninfoOption *options = PQconninfoParse(url, &error);
    if (options == NULL) {
        log_error("invalid TENANTMATE_SUPERVISOR_DATABASE_URL: %s; expected "
                  "postgresql://user@host:port/database",
                  error != NULL ? error : "cannot parse");
        PQfreemem(error);
        return false;
    }
    PQconninfoFree(options);
    config->conninfo = url;
    return true;
}

static bool read_durations(struct supervisor_config *config)
{
    if (!env_seconds("TENANTMATE_RESCAN_INTERVAL", 30.0, 0.1, 86400.0,
                     &config->rescan_interval_s))
        return false;
    if (!env_seconds("TENANTMATE_STOP_TIMEOUT", 10.0, 0.1, 3600.0, &config->stop_timeout_s))
        return false;
    if (!env_seconds("TENANTMATE_LOCK_LEASE", 60.0, 1.0, 86400.0, &config->lock_lease_s))
        return false;

    /* After losing its connection the supervisor stops its workers (TERM,
     * then KILL after the stop timeout) so they are gone a margin before
     * the lease ends. It refreshes the lease every quarter of it. Both must
     * fit in the lease. */
    double minimum_lease_s = 4.0 * (config->stop_timeout_s + CONFIG_LEASE_MARGIN_S);
    if (config->lock_lease_s < minimum_lease_s) {
        log_error("invalid TENANTMATE_LOCK_LEASE \"%g\": must be at least %g s, four times "
                  "TENANTMATE_STOP_TIMEOUT (%g s) plus %g s",
                  config->lock_lease_s, minimum_lease_s, config->stop_timeout_s,
                  4.0 * CONFIG_LEASE_MARGIN_S);
        return false;
    }
    return true;
}

static bool read_limits(struct supervisor_config *config)
{
    if (!env_integer("TENANTMATE_WORKER_MAX_ADDRESS_SPACE_MB", 0, 0, 1L << 30,
                     &config->worker_max_address_space_mb))
        return false;
    return env_integer("TENANTMATE_WORKER_MAX_OPEN_FILES", 0, 0, 1L << 30,
                       &config->worker_max_open_files);
}

bool config_from_env(struct supervisor_config *config)
{
    memset(config, 0, sizeof(*config));
    config->restart_delay_initial_s = 1.0;
    config->restart_delay_max_s = 300.0;
    config->restart_stable_after_s = 600.0;
    config->reconnect_delay_initial_s = 1.0;
    config->reconnect_delay_max_s = 30.0;
    config->connect_timeout_s = 10.0;
    config->statement_timeout_s = 10.0;

    /* Workers need the key to decrypt their tenant's tokens; without it
     * each would exit at once and be restarted forever. Its value is only
     * passed on, never read here. */
    const char *encryption_key;

    return read_worker_path(config) && read_host(config) && read_conninfo(config) &&
           read_durations(config) && read_limits(config) &&
           env_boolean("TENANTMATE_REPAIR", true, &config->repair_enabled) &&
           env_secret("ENCRYPTION_KEY", &encryption_key);
}

double config_heartbeat_interval_s(const struct supervisor_config *config)
{
    return config->lock_lease_s / 4.0;
}
