/*
 * config: the supervisor's settings, read once from the environment.
 *
 * Contract: config_from_env() fills every field from its variable or its
 * default, validates ranges and the relations between them, and logs one
 * error naming the variable and the accepted values for the first invalid
 * one. Strings point into the environment or into the struct; nothing is
 * allocated. The connection string may contain a password: never log it.
 */
#ifndef TENANTMATE_SUPERVISOR_CONFIG_H
#define TENANTMATE_SUPERVISOR_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#define CONFIG_HOST_SIZE 256

struct supervisor_config {
    char worker_path[PATH_MAX];        /* TENANTMATE_WORKER_PATH */
    char host[CONFIG_HOST_SIZE];       /* TENANTMATE_HOST, default: host name */
    const char *conninfo;              /* TENANTMATE_SUPERVISOR_DATABASE_URL or DATABASE_URL */
    double rescan_interval_s;          /* TENANTMATE_RESCAN_INTERVAL */
    double stop_timeout_s;             /* TENANTMATE_STOP_TIMEOUT */
    double lock_lease_s;               /* TENANTMATE_LOCK_LEASE */
    long worker_max_address_space_mb;  /* TENANTMATE_WORKER_MAX_ADDRESS_SPACE_MB, 0: no limit */
    long worker_max_open_files;        /* TENANTMATE_WORKER_MAX_OPEN_FILES, 0: inherited */
    bool repair_enabled;               /* TENANTMATE_REPAIR, default true */

    /* Fixed policy, kept here so every module reads one place. */
    double restart_delay_initial_s;
    double restart_delay_max_s;
    double restart_stable_after_s;     /* running this long resets the restart delay */
    double reconnect_delay_initial_s;
    double reconnect_delay_max_s;
    double connect_timeout_s;
    double statement_timeout_s;
};

/* The margin kept between the supervisor's own lease deadline and the one
 * the peers apply, for clock rate differences and scheduling delays. */
#define CONFIG_LEASE_MARGIN_S 2.0

bool config_from_env(struct supervisor_config *config);

/* How often the supervisor refreshes updated_at on its status rows. */
double config_heartbeat_interval_s(const struct supervisor_config *config);

#endif
