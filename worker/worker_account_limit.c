/*
 * Tesla's 403 "account disabled: EXCEEDED_LIMIT" concerns the whole
 * account, so one car's answer pauses every billable call of the tenant:
 * car polls and vehicle lists. The first pause lasts 15 min (Tesla's
 * advice, and TeslaMate's retry), and each pause that has to follow
 * another without a normal response in between lasts twice as long, up
 * to 4 h. Calls already in flight finish; token refreshes go on, since
 * Tesla does not bill them.
 */
#include "worker_internal.h"

#include "log.h"

#include <math.h>

static void on_pause_end(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct worker *worker = timer->data;

    (void)loop;
    (void)events;
    worker->account_limit.paused = false;
    log_info("account limit pause %u over; billable calls resume",
             worker->account_limit.step);
}

void worker_account_limit_init(struct worker *worker)
{
    struct account_limit *limit = &worker->account_limit;

    limit->paused = false;
    limit->until_s = 0.0;
    limit->step = 0;
    backoff_init(&limit->backoff, ACCOUNT_LIMIT_INITIAL_S, ACCOUNT_LIMIT_MAX_S);
    ev_timer_init(&limit->end_timer, on_pause_end, 0.0, 0.0);
    limit->end_timer.data = worker;
}

void worker_account_limit_stop(struct worker *worker)
{
    ev_timer_stop(worker->loop, &worker->account_limit.end_timer);
}

void worker_account_limit_hit(struct worker *worker, double retry_after_s)
{
    struct account_limit *limit = &worker->account_limit;

    if (limit->paused)
        return;     /* an answer to a call that was in flight when the pause began */

    double pause_s = backoff_next_s(&limit->backoff);
    if (isfinite(retry_after_s) && retry_after_s > pause_s)
        pause_s = retry_after_s;

    limit->step++;
    limit->paused = true;
    limit->until_s = ev_now(worker->loop) + pause_s;
    ev_timer_stop(worker->loop, &limit->end_timer);
    ev_timer_set(&limit->end_timer, pause_s, 0.0);
    ev_timer_start(worker->loop, &limit->end_timer);
    log_error("tesla account limit exceeded (403 EXCEEDED_LIMIT): no billable call for %.0f s "
              "(pause %u)",
              pause_s, limit->step);
}

void worker_account_limit_note_response(struct worker *worker)
{
    struct account_limit *limit = &worker->account_limit;

    if (limit->paused || limit->step == 0)
        return;
    log_info("tesla answers normally again after %u account limit pauses", limit->step);
    limit->step = 0;
    backoff_reset(&limit->backoff);
}

double worker_calls_wait_s(const struct worker *worker)
{
    double wait_s = worker_database_wait_s(worker);

    if (worker->account_limit.paused) {
        double remaining_s = worker->account_limit.until_s - ev_now(worker->loop);
        if (remaining_s < 0.001)
            remaining_s = 0.001;    /* the end timer has not run yet */
        if (remaining_s > wait_s)
            wait_s = remaining_s;
    }
    return wait_s;
}
