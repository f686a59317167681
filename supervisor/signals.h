/*
 * signals: the supervisor's signal handling, through libev only.
 *
 * Contract: the ev_signal callbacks only record a request; an ev_prepare
 * watcher carries the requests out once per loop iteration, shutdown
 * before anything else: SIGTERM and SIGINT shut down gracefully, SIGHUP
 * rescans and reopens the log file, SIGUSR1 logs the process table.
 * Children are reaped by libev's ev_child watchers (worker.c).
 */
#ifndef TENANTMATE_SIGNALS_H
#define TENANTMATE_SIGNALS_H

#include <ev.h>
#include <stdbool.h>

struct supervisor;

struct signal_requests {
    struct supervisor *owner;
    ev_signal terminate_watcher;
    ev_signal interrupt_watcher;
    ev_signal hangup_watcher;
    ev_signal report_watcher;
    ev_prepare prepare_watcher;
    bool shutdown_requested;
    bool reload_requested;
    bool report_requested;
};

void signals_start(struct signal_requests *signals, struct supervisor *owner,
                   struct ev_loop *loop);
void signals_stop(struct signal_requests *signals, struct ev_loop *loop);

#endif
