/* The worker's environment: polling intervals and the Tesla API settings. */
#include "worker_config.h"

#include "env.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The longest interval any POLLING_* variable accepts: one day. */
#define POLLING_MAX_S 86400.0

struct polling_variable {
    const char *name;
    size_t offset;      /* of the double in struct fsm_config */
};

static const struct polling_variable polling_variables[] = {
    { "POLLING_ASLEEP_INTERVAL", offsetof(struct fsm_config, asleep_interval_s) },
    { "POLLING_DRIVING_INTERVAL", offsetof(struct fsm_config, driving_interval_s) },
    { "POLLING_DEFAULT_INTERVAL", offsetof(struct fsm_config, default_interval_s) },
    { "POLLING_ONLINE_INTERVAL", offsetof(struct fsm_config, online_interval_s) },
    { "POLLING_CHARGING_INTERVAL", offsetof(struct fsm_config, charging_interval_s) },
    { "POLLING_MINIMUM_INTERVAL", offsetof(struct fsm_config, minimum_interval_s) },
    { "TENANTMATE_OFFLINE_MAX_INTERVAL", offsetof(struct fsm_config, offline_max_interval_s) },
};

static double *interval_field(struct fsm_config *config, const struct polling_variable *variable)
{
    return (double *)((char *)config + variable->offset);
}

/* A value below TeslaMate's floor is raised by the state machine unless
 * fast polling is allowed; say so once, at start. */
static void warn_below_floor(const struct polling_variable *variable, double value_s,
                             double floor_s)
{
    log_warning("%s=%g is below TeslaMate's floor of %g s, so %g s applies; set "
                "TENANTMATE_ALLOW_FAST_POLLING=1 to poll faster (tests and fake-tesla only: "
                "Tesla bills every Fleet API call)",
                variable->name, value_s, floor_s, floor_s);
}

static bool read_intervals(struct fsm_config *polling)
{
    struct fsm_config defaults = fsm_config_defaults();
    struct fsm_config floors = fsm_config_floors();
    size_t count = sizeof(polling_variables) / sizeof(polling_variables[0]);

    for (size_t i = 0; i < count; i++) {
        const struct polling_variable *variable = &polling_variables[i];
        double *value = interval_field(polling, variable);

        if (!env_seconds(variable->name, *interval_field(&defaults, variable), 0.0,
                         POLLING_MAX_S, value))
            return false;
        double floor_s = *interval_field(&floors, variable);
        if (!polling->allow_fast_polling && *value < floor_s)
            warn_below_floor(variable, *value, floor_s);
    }
    return true;
}

static bool read_fast_polling(struct fsm_config *polling)
{
    const char *cap_text = NULL;

    if (!env_boolean("TENANTMATE_ALLOW_FAST_POLLING", false, &polling->allow_fast_polling))
        return false;
    if (!env_seconds("TENANTMATE_MAX_POLL_INTERVAL", 0.0, 0.0, POLLING_MAX_S,
                     &polling->max_poll_interval_s))
        return false;

    if (polling->max_poll_interval_s > 0.0 && !polling->allow_fast_polling) {
        env_string("TENANTMATE_MAX_POLL_INTERVAL", "", &cap_text);
        log_error("invalid TENANTMATE_MAX_POLL_INTERVAL \"%s\": it needs "
                  "TENANTMATE_ALLOW_FAST_POLLING=1 (tests and fake-tesla only); unset it "
                  "for TeslaMate's intervals",
                  cap_text);
        return false;
    }
    return true;
}

static void log_polling(const struct fsm_config *polling)
{
    log_info("polling intervals (s): asleep %g, driving %g, default %g, online %g, charging %g, "
             "minimum %g, offline max %g%s",
             polling->asleep_interval_s, polling->driving_interval_s,
             polling->default_interval_s, polling->online_interval_s,
             polling->charging_interval_s, polling->minimum_interval_s,
             polling->offline_max_interval_s,
             polling->allow_fast_polling ? " (fast polling allowed)" : "");
    if (polling->max_poll_interval_s > 0.0)
        log_info("every poll delay capped at %g s (TENANTMATE_MAX_POLL_INTERVAL)",
                 polling->max_poll_interval_s);
}

bool worker_config_from_env(struct worker_config *config, const char *version)
{
    char error[256];

    memset(config, 0, sizeof(*config));
    config->polling = fsm_config_defaults();

    if (!read_fast_polling(&config->polling) || !read_intervals(&config->polling))
        return false;
    if (!fsm_config_check(&config->polling, error, sizeof(error))) {
        log_error("%s", error);
        return false;
    }
    if (!tesla_api_config_from_env(&config->tesla, version))
        return false;

    log_polling(&config->polling);
    return true;
}

void worker_config_wipe(struct worker_config *config)
{
    tesla_api_config_wipe(&config->tesla);
}
