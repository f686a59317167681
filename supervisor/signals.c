#include "signals.h"

#include "log.h"
#include "supervisor.h"

#include <signal.h>

static void on_signal(struct ev_loop *loop, ev_signal *watcher, int events)
{
    struct signal_requests *signals = watcher->data;

    (void)loop;
    (void)events;
    switch (watcher->signum) {
    case SIGTERM:
    case SIGINT:
        signals->shutdown_requested = true;
        break;
    case SIGHUP:
        signals->reload_requested = true;
        break;
    case SIGUSR1:
        signals->report_requested = true;
        break;
    default:
        break;
    }
}

/* Runs once per loop iteration, before the loop blocks again. */
static void on_prepare(struct ev_loop *loop, ev_prepare *watcher, int events)
{
    struct signal_requests *signals = watcher->data;

    (void)loop;
    (void)events;
    if (signals->shutdown_requested) {
        signals->shutdown_requested = false;
        signals->reload_requested = false;
        supervisor_shutdown(signals->owner);
    }
    if (signals->reload_requested) {
        signals->reload_requested = false;
        supervisor_reload(signals->owner);
    }
    if (signals->report_requested) {
        signals->report_requested = false;
        supervisor_report(signals->owner);
    }
}

static void start_signal(struct signal_requests *signals, struct ev_loop *loop,
                         ev_signal *watcher, int signal_number)
{
    ev_signal_init(watcher, on_signal, signal_number);
    watcher->data = signals;
    ev_signal_start(loop, watcher);
}

void signals_start(struct signal_requests *signals, struct supervisor *owner,
                   struct ev_loop *loop)
{
    signals->owner = owner;
    signals->shutdown_requested = false;
    signals->reload_requested = false;
    signals->report_requested = false;

    start_signal(signals, loop, &signals->terminate_watcher, SIGTERM);
    start_signal(signals, loop, &signals->interrupt_watcher, SIGINT);
    start_signal(signals, loop, &signals->hangup_watcher, SIGHUP);
    start_signal(signals, loop, &signals->report_watcher, SIGUSR1);

    ev_prepare_init(&signals->prepare_watcher, on_prepare);
    signals->prepare_watcher.data = signals;
    ev_prepare_start(loop, &signals->prepare_watcher);
}

void signals_stop(struct signal_requests *signals, struct ev_loop *loop)
{
    ev_signal_stop(loop, &signals->terminate_watcher);
    ev_signal_stop(loop, &signals->interrupt_watcher);
    ev_signal_stop(loop, &signals->hangup_watcher);
    ev_signal_stop(loop, &signals->report_watcher);
    ev_prepare_stop(loop, &signals->prepare_watcher);
}
