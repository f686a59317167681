/* The `asleep(n)` and `offline(n)` states: n is the poll back-off. */
#include "vehicle_fsm_internal.h"

#include <math.h>

/*
 * TeslaMate polls a sleeping or offline car every POLLING_ASLEEP_INTERVAL
 * (after a resume: 1, 2, 4, 8, 16 s, then that interval). tenantmate keeps
 * that for asleep, where a wake-up must be seen quickly, but lets the poll
 * of an offline car, which has no connection (an underground car park),
 * keep doubling up to offline_max_interval_s.
 */
static double interval_cap_s(const struct vehicle_fsm *fsm)
{
    if (fsm->state == FSM_STATE_ASLEEP)
        return fsm->config.asleep_interval_s;
    return fsm->config.offline_max_interval_s;
}

static void observed_again(struct vehicle_fsm *fsm, double now_s, struct fsm_output *out)
{
    double cap_s = interval_cap_s(fsm);
    double interval_s = fsm->sleep_interval_s;

    if (interval_s >= cap_s) {
        fsm->sleep_interval_s = cap_s;
        fsm_publish_summary(fsm, out, now_s);
        fsm_poll(fsm, out, now_s, cap_s);
        return;
    }
    fsm->sleep_interval_s = fmin(2.0 * interval_s, cap_s);
    fsm_poll(fsm, out, now_s, interval_s);
}

void fsm_sleep_observe(struct vehicle_fsm *fsm, enum fsm_observed observed,
                       const struct vehicle_sample *sample, double now_s, struct fsm_output *out)
{
    bool in_asleep = fsm->state == FSM_STATE_ASLEEP;

    if (observed == FSM_OBSERVED_ONLINE) {
        fsm->last_used_s = now_s;
        fsm_restart_with(fsm, observed, sample, now_s, out);
        return;
    }
    if ((observed == FSM_OBSERVED_ASLEEP) != in_asleep) {
        /* asleep seen while offline or the reverse: the next fetch records it */
        fsm_set_state(fsm, FSM_STATE_START);
        fsm_poll_default(fsm, out, now_s);
        return;
    }
    observed_again(fsm, now_s, out);
}
