#include "worker.h"

#include "exit_codes.h"
#include "spawn.h"
#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void worker_log(enum log_level level, const struct worker *worker, const char *format, ...)
{
    char message[1024];
    char pid[16] = "-";
    va_list args;

    if (!log_enabled(level))
        return;

    pid_t logged_pid = worker->pid > 0 ? worker->pid : worker->last_pid;
    if (logged_pid > 0)
        snprintf(pid, sizeof(pid), "%d", (int)logged_pid);

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (worker->kind == WORKER_KIND_TENANT)
        log_write(level, LOG_NO_CAR, "tenant=%s pid=%s: %s", worker->tenant_id, pid, message);
    else
        log_write(level, LOG_NO_CAR, "service=%s pid=%s: %s", worker_kind_name(worker->kind),
                  pid, message);
}

/* The process in log messages: "worker" or "repair service". */
static const char *process_name(const struct worker *worker)
{
    return worker->kind == WORKER_KIND_TENANT ? "worker" : "repair service";
}

static void close_ready_pipe(struct worker *worker)
{
    ev_io_stop(worker->owner->loop, &worker->ready_watcher);
    if (worker->ready_fd >= 0)
        close(worker->ready_fd);
    worker->ready_fd = -1;
}

/* ---- exit statuses ---------------------------------------------------- */

static void describe_exit(int status, char *out, size_t size)
{
    if (WIFEXITED(status)) {
        snprintf(out, size, "exit status %d (%s)", WEXITSTATUS(status),
                 worker_exit_name(WEXITSTATUS(status)));
    } else if (WIFSIGNALED(status)) {
        snprintf(out, size, "signal %d (SIG%s)%s", WTERMSIG(status),
                 sigabbrev_np(WTERMSIG(status)) != NULL ? sigabbrev_np(WTERMSIG(status)) : "?",
                 WCOREDUMP(status) ? ", core dumped" : "");
    } else {
        snprintf(out, size, "wait status 0x%x", (unsigned)status);
    }
}

/* ---- watchers --------------------------------------------------------- */

static void on_child(struct ev_loop *loop, ev_child *watcher, int events)
{
    struct worker *worker = watcher->data;
    double ran_s = ev_now(loop) - worker->spawned_at;

    (void)events;
    ev_child_stop(loop, watcher);
    close_ready_pipe(worker);
    describe_exit(watcher->rstatus, worker->last_exit, sizeof(worker->last_exit));
    worker->pid = 0;

    if (ran_s >= worker->owner->config.restart_stable_after_s)
        backoff_reset(&worker->restart_backoff);

    worker_dispatch(worker, worker_fsm_exit_event(worker->kind, watcher->rstatus), NULL);
}

static void on_ready_pipe(struct ev_loop *loop, ev_io *watcher, int events)
{
    struct worker *worker = watcher->data;
    char buffer[64];
    ssize_t length = read(worker->ready_fd, buffer, sizeof(buffer));

    (void)loop;
    (void)events;
    if (length < 0 && (errno == EAGAIN || errno == EINTR))
        return;

    bool ready = length > 0 && memchr(buffer, '\n', (size_t)length) != NULL;
    if (length > 0 && !ready)
        return;

    close_ready_pipe(worker);
    if (ready)
        worker_dispatch(worker, WORKER_EVENT_READY, NULL);
}

static void on_timer(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)loop;
    (void)events;
    worker_dispatch(timer->data, WORKER_EVENT_TIMER, NULL);
}

/* ---- actions ---------------------------------------------------------- */

static enum worker_event spawn(struct worker *worker)
{
    const struct supervisor_config *config = &worker->owner->config;
    const struct spawn_settings settings = {
        .worker_path = config->worker_path,
        .max_address_space_mb = config->worker_max_address_space_mb,
        .max_open_files = config->worker_max_open_files,
    };
    struct spawned_worker spawned;
    char error[160];
    bool tenant = worker->kind == WORKER_KIND_TENANT;

    worker->next_restart_at_s = 0;
    if (!spawn_worker(&settings, tenant ? "--tenant" : "--service",
                      tenant ? worker->tenant_id : worker_kind_name(worker->kind), &spawned,
                      error, sizeof(error))) {
        snprintf(worker->last_error, sizeof(worker->last_error), "%s", error);
        return WORKER_EVENT_SPAWN_FAILED;
    }

    if (worker->spawns++ > 0)
        worker->restarts++;
    worker->pid = spawned.pid;
    worker->last_pid = spawned.pid;
    worker->ready_fd = spawned.ready_fd;
    worker->spawned_at = ev_now(worker->owner->loop);
    worker->started_at_s = ev_time();
    worker->last_error[0] = '\0';

    ev_child_set(&worker->child_watcher, spawned.pid, 0);
    ev_child_start(worker->owner->loop, &worker->child_watcher);
    ev_io_set(&worker->ready_watcher, spawned.ready_fd, EV_READ);
    ev_io_start(worker->owner->loop, &worker->ready_watcher);

    if (worker->restarts > 0)
        worker_log(LOG_LEVEL_INFO, worker, "%s started: %s (restart %u)", process_name(worker),
                   config->worker_path, worker->restarts);
    else
        worker_log(LOG_LEVEL_INFO, worker, "%s started: %s", process_name(worker),
                   config->worker_path);
    return WORKER_EVENT_COUNT;
}

static void terminate(struct worker *worker, const char *reason)
{
    double timeout_s = worker->owner->config.stop_timeout_s;

    snprintf(worker->last_error, sizeof(worker->last_error), "%s", reason);
    worker_log(LOG_LEVEL_INFO, worker, "stopping %s: %s; sending SIGTERM, SIGKILL in %.1f s",
               process_name(worker), reason, timeout_s);
    if (kill(worker->pid, SIGTERM) != 0)
        worker_log(LOG_LEVEL_ERROR, worker, "kill(SIGTERM) failed: %s", strerror(errno));
    ev_timer_set(&worker->stop_timer, timeout_s, 0.0);
    ev_timer_start(worker->owner->loop, &worker->stop_timer);
}

static void kill_hard(struct worker *worker)
{
    worker_log(LOG_LEVEL_WARNING, worker, "%s still running %.1f s after SIGTERM; sending SIGKILL",
               process_name(worker), worker->owner->config.stop_timeout_s);
    if (kill(worker->pid, SIGKILL) != 0)
        worker_log(LOG_LEVEL_ERROR, worker, "kill(SIGKILL) failed: %s", strerror(errno));
}

static void schedule_restart(struct worker *worker, enum worker_action action,
                             enum worker_event event)
{
    double delay_s = backoff_next_s(&worker->restart_backoff);
    double ran_s = ev_now(worker->owner->loop) - worker->spawned_at;

    worker->next_restart_at_s = ev_time() + delay_s;
    ev_timer_set(&worker->restart_timer, delay_s, 0.0);
    ev_timer_start(worker->owner->loop, &worker->restart_timer);

    if (event == WORKER_EVENT_SPAWN_FAILED) {
        worker_log(LOG_LEVEL_ERROR, worker, "cannot start the %s: %s; retrying in %.1f s",
                   process_name(worker), worker->last_error, delay_s);
        return;
    }

    snprintf(worker->last_error, sizeof(worker->last_error), "exited unexpectedly");
    if (action == WORKER_ACTION_RECHECK_RESTART) {
        snprintf(worker->last_error, sizeof(worker->last_error),
                 "worker found the tenant inactive");
        worker_log(LOG_LEVEL_WARNING, worker,
                   "worker ended after %.1f s with %s; rescanning now, restart %u in %.1f s "
                   "if the tenant is still active",
                   ran_s, worker->last_exit, worker->restarts + 1, delay_s);
        supervisor_request_rescan(worker->owner);
        return;
    }
    worker_log(LOG_LEVEL_WARNING, worker, "%s ended after %.1f s with %s; restart %u in %.1f s",
               process_name(worker), ran_s, worker->last_exit, worker->restarts + 1, delay_s);
}

static void hold(struct worker *worker)
{
    double ran_s = ev_now(worker->owner->loop) - worker->spawned_at;

    snprintf(worker->last_error, sizeof(worker->last_error),
             "waiting for the tenant's token row to change");
    worker_log(LOG_LEVEL_WARNING, worker,
               "worker ended after %.1f s with %s; not restarting until the tenant's token "
               "row in private.tokens changes",
               ran_s, worker->last_exit);
}

/* Logs why supervision of the entry ends. */
static void log_release(const struct worker *worker)
{
    bool exited = worker->last_exit[0] != '\0' && worker->spawns > 0;
    bool tenant = worker->kind == WORKER_KIND_TENANT;

    if (tenant && exited)
        worker_log(LOG_LEVEL_INFO, worker, "worker stopped with %s; tenant released: %s",
                   worker->last_exit, worker->last_error);
    else if (tenant)
        worker_log(LOG_LEVEL_INFO, worker, "tenant released: %s", worker->last_error);
    else if (exited)
        worker_log(LOG_LEVEL_INFO, worker, "%s stopped with %s: %s", process_name(worker),
                   worker->last_exit, worker->last_error);
    else
        worker_log(LOG_LEVEL_INFO, worker, "%s not running: %s", process_name(worker),
                   worker->last_error);
}

static void release(struct worker *worker)
{
    log_release(worker);
    supervisor_remove_worker(worker->owner, worker);
}

/* ---- dispatch --------------------------------------------------------- */

static void set_state(struct worker *worker, enum worker_state next, enum worker_event event)
{
    enum worker_state previous = worker->state;

    if (next == previous)
        return;

    worker->state = next;
    worker_log(LOG_LEVEL_DEBUG, worker, "%s -> %s on %s", worker_state_name(previous),
               worker_state_name(next), worker_event_name(event));
    supervisor_publish(worker->owner, worker);
}

/* Carry out an action; returns a follow-up event, or WORKER_EVENT_COUNT. */
static enum worker_event perform(struct worker *worker, enum worker_action action,
                                 enum worker_event event, const char *reason)
{
    switch (action) {
    case WORKER_ACTION_SPAWN_FRESH:
        backoff_reset(&worker->restart_backoff);
        ev_timer_stop(worker->owner->loop, &worker->restart_timer);
        worker_log(LOG_LEVEL_INFO, worker, "token row changed; starting the worker now");
        return spawn(worker);
    case WORKER_ACTION_SPAWN:
        return spawn(worker);
    case WORKER_ACTION_TERMINATE:
        terminate(worker, reason != NULL ? reason : "stop requested");
        break;
    case WORKER_ACTION_KILL:
        kill_hard(worker);
        break;
    case WORKER_ACTION_SCHEDULE_RESTART:
    case WORKER_ACTION_RECHECK_RESTART:
        schedule_restart(worker, action, event);
        break;
    case WORKER_ACTION_HOLD:
        hold(worker);
        break;
    case WORKER_ACTION_NONE:
    case WORKER_ACTION_RELEASE:
    case WORKER_ACTION_COUNT:
        break;
    }
    return WORKER_EVENT_COUNT;
}

void worker_dispatch(struct worker *worker, enum worker_event event, const char *reason)
{
    struct worker_transition transition;

    if (!worker_fsm_step(worker->state, event, &transition)) {
        worker_log(LOG_LEVEL_DEBUG, worker, "ignoring %s in state %s", worker_event_name(event),
                   worker_state_name(worker->state));
        return;
    }

    if (transition.action == WORKER_ACTION_RELEASE) {
        if (reason != NULL)
            snprintf(worker->last_error, sizeof(worker->last_error), "%s", reason);
        worker->next_restart_at_s = 0;
        set_state(worker, transition.next, event);
        release(worker);
        return;
    }

    enum worker_event follow_up = perform(worker, transition.action, event, reason);
    set_state(worker, transition.next, event);
    if (follow_up != WORKER_EVENT_COUNT)
        worker_dispatch(worker, follow_up, NULL);
}

/* ---- entry ------------------------------------------------------------ */

static struct worker *new_entry(struct supervisor *owner, enum worker_kind kind)
{
    struct worker *worker = calloc(1, sizeof(*worker));

    if (worker == NULL)
        return NULL;

    worker->owner = owner;
    worker->kind = kind;
    worker->state = WORKER_DOWN;
    worker->ready_fd = -1;
    backoff_init(&worker->restart_backoff, owner->config.restart_delay_initial_s,
                 owner->config.restart_delay_max_s);

    ev_child_init(&worker->child_watcher, on_child, 0, 0);
    worker->child_watcher.data = worker;
    ev_io_init(&worker->ready_watcher, on_ready_pipe, -1, EV_READ);
    worker->ready_watcher.data = worker;
    ev_timer_init(&worker->restart_timer, on_timer, 0.0, 0.0);
    worker->restart_timer.data = worker;
    ev_timer_init(&worker->stop_timer, on_timer, 0.0, 0.0);
    worker->stop_timer.data = worker;
    return worker;
}

struct worker *worker_new(struct supervisor *owner, const char *tenant_id,
                          const char *token_version)
{
    struct worker *worker = new_entry(owner, WORKER_KIND_TENANT);

    if (worker == NULL)
        return NULL;
    snprintf(worker->tenant_id, sizeof(worker->tenant_id), "%s", tenant_id);
    snprintf(worker->token_version, sizeof(worker->token_version), "%s", token_version);
    return worker;
}

struct worker *worker_new_repair(struct supervisor *owner)
{
    return new_entry(owner, WORKER_KIND_REPAIR);
}

void worker_free(struct worker *worker)
{
    if (worker == NULL)
        return;

    struct ev_loop *loop = worker->owner->loop;
    ev_child_stop(loop, &worker->child_watcher);
    ev_timer_stop(loop, &worker->restart_timer);
    ev_timer_stop(loop, &worker->stop_timer);
    close_ready_pipe(worker);
    free(worker);
}

void worker_signal(const struct worker *worker, int signal_number)
{
    if (worker->pid > 0 && kill(worker->pid, signal_number) != 0)
        worker_log(LOG_LEVEL_WARNING, worker, "kill(%s) failed: %s",
                   sigabbrev_np(signal_number), strerror(errno));
}

double worker_uptime_s(const struct worker *worker, ev_tstamp now)
{
    return worker->pid > 0 ? now - worker->spawned_at : 0.0;
}

double worker_restart_in_s(const struct worker *worker, struct ev_loop *loop)
{
    if (!ev_is_active(&worker->restart_timer))
        return -1.0;
    return ev_timer_remaining(loop, (ev_timer *)&worker->restart_timer);
}
