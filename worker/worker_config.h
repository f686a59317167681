/*
 * worker_config: the live worker's settings from the environment.
 *
 * Polling intervals come from TeslaMate's POLLING_*_INTERVAL variables, in
 * seconds with fractions allowed; TENANTMATE_OFFLINE_MAX_INTERVAL caps the
 * doubling poll of an offline car. The state machine raises each to
 * TeslaMate's floor unless TENANTMATE_ALLOW_FAST_POLLING=1, which tests
 * and demos against fake-tesla set; TENANTMATE_MAX_POLL_INTERVAL, only
 * accepted with it, caps every poll delay. The Tesla hosts and the TOKEN
 * proxy secret come through tesla_api_config_from_env().
 *
 * Contract: worker_config_from_env() reads everything once and returns
 * false after logging one error that names the variable, the value and
 * the accepted form (never TOKEN's value). The config holds a secret:
 * wipe it with worker_config_wipe().
 */
#ifndef TENANTMATE_WORKER_CONFIG_H
#define TENANTMATE_WORKER_CONFIG_H

#include <stdbool.h>

#include "tesla_api.h"
#include "vehicle_fsm.h"

struct worker_config {
    struct fsm_config polling;
    struct tesla_api_config tesla;
};

bool worker_config_from_env(struct worker_config *config, const char *version);
void worker_config_wipe(struct worker_config *config);

#endif
