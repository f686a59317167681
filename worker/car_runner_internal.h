/*
 * car_runner_internal: what car_runner.c, car_runner_fetch.c and
 * car_start_data.c share. Not for other modules: use car_runner.h.
 */
#ifndef TENANTMATE_CAR_RUNNER_INTERNAL_H
#define TENANTMATE_CAR_RUNNER_INTERNAL_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "car_runner.h"
#include "effects.h"
#include "recorder.h"
#include "tesla_api.h"
#include "vehicle_fsm.h"

/* The fetch in flight: one chain of calls under one fetch id. */
struct car_fetch {
    struct tesla_api_call *call;    /* NULL between calls */
    uint64_t id;                    /* 0: no fetch */
    enum fetch_plan plan;
    enum fetch_call current;
    ev_timer failure_timer;         /* reports a call that could not start */
};

struct car_runner {
    struct worker *worker;
    struct car_info car;
    bool machine_started;           /* the start data was loaded */
    struct vehicle_fsm fsm;
    struct car_records records;
    struct fsm_output output;       /* of the last event, kept off the stack */
    struct vehicle_sample sample;   /* the sample of the result being delivered */
    enum vehicle_summary_state shown_state;
    ev_timer poll_timer;            /* also retries loading the start data */
    double poll_due_s;              /* ev_now() time the poll timer is due, for poll_stats */
    ev_timer store_position_timer;
    struct car_fetch fetch;
};

/* car_runner.c: feeds one event to the machine and runs its output. */
void car_runner_handle_event(struct car_runner *runner, const struct fsm_event *event);

/* car_runner_fetch.c */
void car_fetch_init(struct car_runner *runner);
void car_fetch_start(struct car_runner *runner, uint64_t fetch_id, enum fetch_plan plan);
void car_fetch_cancel(struct car_runner *runner);

/* The state machine's error for a classified API result (FETCH_OK for
 * TESLA_API_OK): 429 is a rate limit, 403 EXCEEDED_LIMIT the account's;
 * server errors, transport errors and malformed bodies are
 * FETCH_ERROR_UNKNOWN. */
enum fetch_error car_fetch_error_from_api(const struct tesla_api_result *result);

/* car_start_data.c: reads what the machine needs at start and sets the
 * ids of the records left open. Returns false after the recorder logged
 * a failed read. */
bool car_start_data_load(struct recorder *recorder, int64_t car_id,
                         const struct fsm_config *config, struct fsm_start_data *start,
                         struct car_records *records);

#endif
