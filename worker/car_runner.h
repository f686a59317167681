/*
 * car_runner: one car of a live worker. It owns the car's vehicle state
 * machine, its poll timer and store-position timer (ev_timer), and the
 * chain of Tesla calls of the fetch in flight. It feeds each result back
 * to the machine as an event and runs the machine's output: the effects
 * through effects_apply(), then the timers and the next fetch. The effects
 * hooks hand closed drives and started charging processes to the
 * worker's places module for address lookups, which return at once, and
 * take each new position's elevation from it. Every firing of the poll
 * timer is recorded in the worker's poll_stats.
 *
 * Start-up resumes what a killed worker left: the open state, the latest
 * update and position, and the open drive, charging process and update
 * are read from the database (car_start_data.c), so the first
 * observation continues or closes them and a restart never opens a
 * second drive. Until that read succeeds the runner retries it with the
 * database's backoff.
 *
 * Contract: car_runner_new() starts the runner on the worker's loop and
 * returns NULL, after logging, when out of memory. car_runner_free()
 * cancels the call in flight and stops the timers without calling back;
 * records left open stay open for the next runner. Polls wait while
 * worker_calls_wait_s() says so (account limit pause, database down).
 * Every log line carries the car id.
 */
#ifndef TENANTMATE_CAR_RUNNER_H
#define TENANTMATE_CAR_RUNNER_H

#include <stdint.h>

#include "vehicle_fsm.h"
#include "worker_internal.h"
#include "worker_rows.h"

struct car_runner *car_runner_new(struct worker *worker, const struct car_info *car);
void car_runner_free(struct car_runner *runner, const char *reason);

int64_t car_runner_car_id(const struct car_runner *runner);
const struct car_info *car_runner_info(const struct car_runner *runner);
int64_t car_runner_vehicle_id(const struct car_runner *runner);   /* the API's id */

/* The summary state shown in the process title; "start" until the start
 * data is loaded. */
enum vehicle_summary_state car_runner_state(const struct car_runner *runner);

#endif
