/*
 * The worker's one PostgreSQL connection: noticing that it broke and
 * reconnecting with backoff.
 *
 * A connection the server closes while the worker is idle (a restart,
 * pg_terminate_backend, a pooler closing it) makes the socket readable,
 * so the watcher notices at once instead of at the next write. Any failed
 * call also checks the connection. While it is down, car runners delay
 * their polls (worker_calls_wait_s) and skip the effects of results
 * already in flight. After the reconnect every runner starts again from
 * the database, as after a crash, so that the state machines agree with
 * the rows that were actually written.
 */
#include "worker_internal.h"

#include "log.h"

#include <string.h>

/* PQerrorMessage() without its trailing newline, cut to size. */
static void connection_message(PGconn *conn, char *out, size_t size)
{
    const char *message = PQerrorMessage(conn);
    size_t length = strcspn(message, "\n");

    if (length >= size)
        length = size - 1;
    memcpy(out, message, length);
    out[length] = '\0';
}

static void arm_retry(struct worker *worker, double delay_s)
{
    ev_timer_stop(worker->loop, &worker->database.retry_timer);
    ev_timer_set(&worker->database.retry_timer, delay_s, 0.0);
    ev_timer_start(worker->loop, &worker->database.retry_timer);
}

static void watch_socket(struct worker *worker)
{
    int socket = PQsocket(worker->conn);

    ev_io_stop(worker->loop, &worker->database.socket_watcher);
    if (socket < 0)
        return;
    ev_io_set(&worker->database.socket_watcher, socket, EV_READ);
    ev_io_start(worker->loop, &worker->database.socket_watcher);
}

/*
 * Reconnects with PQreset(), which blocks the loop while it connects.
 * NOTE: against an address that drops packets this waits for libpq's
 * connect_timeout (PGCONNECT_TIMEOUT), which is unlimited unless set.
 */
static void on_retry(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct worker *worker = timer->data;
    char message[256];

    (void)loop;
    (void)events;
    worker->database.attempts++;
    PQreset(worker->conn);
    if (PQstatus(worker->conn) == CONNECTION_OK) {
        log_info("database connection restored after %u attempts",
                 worker->database.attempts);
        worker->database.down = false;
        worker->database.attempts = 0;
        backoff_reset(&worker->database.backoff);
        watch_socket(worker);
        car_discovery_restart_runners(worker, "the database connection was restored");
        return;
    }

    double delay_s = backoff_next_s(&worker->database.backoff);
    connection_message(worker->conn, message, sizeof(message));
    log_warning("database reconnect attempt %u failed: %s; retrying in %.1f s",
                worker->database.attempts, message, delay_s);
    arm_retry(worker, delay_s);
}

/* Data on an idle connection: a notice, or the server closing it. */
static void on_readable(struct ev_loop *loop, ev_io *watcher, int events)
{
    struct worker *worker = watcher->data;
    PGnotify *notification;

    (void)loop;
    (void)events;
    if (PQconsumeInput(worker->conn) == 0 || PQstatus(worker->conn) != CONNECTION_OK) {
        ev_io_stop(worker->loop, watcher);
        worker_database_check(worker);
        return;
    }
    while ((notification = PQnotifies(worker->conn)) != NULL)
        PQfreemem(notification);
}

void worker_database_init(struct worker *worker)
{
    memset(&worker->database, 0, sizeof(worker->database));
    backoff_init(&worker->database.backoff, DATABASE_RETRY_INITIAL_S, DATABASE_RETRY_MAX_S);
    ev_timer_init(&worker->database.retry_timer, on_retry, 0.0, 0.0);
    worker->database.retry_timer.data = worker;
    ev_io_init(&worker->database.socket_watcher, on_readable, 0, EV_READ);
    worker->database.socket_watcher.data = worker;
    watch_socket(worker);
}

void worker_database_stop(struct worker *worker)
{
    ev_timer_stop(worker->loop, &worker->database.retry_timer);
    ev_io_stop(worker->loop, &worker->database.socket_watcher);
}

void worker_database_check(struct worker *worker)
{
    char message[256];

    if (worker->database.down || PQstatus(worker->conn) == CONNECTION_OK)
        return;

    double delay_s = backoff_next_s(&worker->database.backoff);
    connection_message(worker->conn, message, sizeof(message));
    log_error("database connection lost: %s; polling paused, reconnecting in %.1f s", message,
              delay_s);
    worker->database.down = true;
    worker->database.attempts = 0;
    ev_io_stop(worker->loop, &worker->database.socket_watcher);
    arm_retry(worker, delay_s);
}

double worker_database_wait_s(const struct worker *worker)
{
    if (!worker->database.down)
        return 0.0;

    double remaining_s = ev_timer_remaining(worker->loop,
                                            (ev_timer *)&worker->database.retry_timer);
    return remaining_s > 0.0 ? remaining_s : 0.001;
}
