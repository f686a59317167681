#include "db_link.h"

#include "db.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[DB_LINK_STATE_COUNT] = {
    [DB_LINK_DISCONNECTED] = "disconnected",
    [DB_LINK_CONNECTING] = "connecting",
    [DB_LINK_READY] = "ready",
};

_Static_assert(ARRAY_SIZE(state_names) == DB_LINK_STATE_COUNT, "name every link state");

const char *db_link_state_name(enum db_link_state state)
{
    if (state < 0 || state >= DB_LINK_STATE_COUNT)
        return "unknown";
    return state_names[state];
}

static void connection_message(PGconn *conn, char *out, size_t size)
{
    snprintf(out, size, "%s", conn != NULL ? PQerrorMessage(conn) : "out of memory");
    for (char *c = out; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    }
    size_t length = strlen(out);
    while (length > 0 && out[length - 1] == ' ')
        out[--length] = '\0';
    if (length == 0)
        snprintf(out, size, "unknown error");
}

static void stop_watchers(struct db_link *link)
{
    ev_io_stop(link->loop, &link->socket_watcher);
    ev_timer_stop(link->loop, &link->connect_timer);
    ev_timer_stop(link->loop, &link->retry_timer);
}

static void schedule_retry(struct db_link *link, const char *failure)
{
    bool was_ready = link->state == DB_LINK_READY;
    double delay_s = backoff_next_s(&link->backoff);

    link->state = DB_LINK_DISCONNECTED;
    link->failed_attempts++;
    stop_watchers(link);

    if (was_ready) {
        link->down_since = ev_now(link->loop);
        log_warning("database connection lost: %s; reconnecting in %.1f s, then with backoff "
                    "up to %.0f s",
                    failure, delay_s, link->settings.retry_max_s);
    } else if (strcmp(failure, link->last_failure) != 0) {
        log_warning("cannot connect to PostgreSQL: %s; retrying in %.1f s, then with backoff "
                    "up to %.0f s",
                    failure, delay_s, link->settings.retry_max_s);
    } else {
        log_debug("connection attempt %d failed: %s; retrying in %.1f s", link->failed_attempts,
                  failure, delay_s);
    }
    snprintf(link->last_failure, sizeof(link->last_failure), "%s", failure);

    ev_timer_set(&link->retry_timer, delay_s, 0.0);
    ev_timer_start(link->loop, &link->retry_timer);

    if (was_ready && link->callbacks.on_lost != NULL)
        link->callbacks.on_lost(link->owner);
}

static void watch_socket(struct db_link *link, int events)
{
    ev_io_stop(link->loop, &link->socket_watcher);
    ev_io_set(&link->socket_watcher, PQsocket(link->conn), events);
    ev_io_start(link->loop, &link->socket_watcher);
}

static void deliver_notifications(struct db_link *link)
{
    PGnotify *notify;

    while (link->conn != NULL && (notify = PQnotifies(link->conn)) != NULL) {
        if (link->callbacks.on_notification != NULL)
            link->callbacks.on_notification(link->owner, notify->relname, notify->extra);
        PQfreemem(notify);
    }
}

/* Session settings and LISTEN, run once the connection is up. */
static bool set_up_session(struct db_link *link)
{
    char sql[160];
    char *channel = PQescapeIdentifier(link->conn, link->settings.listen_channel,
                                       strlen(link->settings.listen_channel));

    if (channel == NULL)
        return false;

    snprintf(sql, sizeof(sql), "SET statement_timeout = %ld",
             (long)(link->settings.statement_timeout_s * 1000.0));
    bool ok = db_command(link->conn, sql);
    if (ok) {
        snprintf(sql, sizeof(sql), "LISTEN %s", channel);
        ok = db_command(link->conn, sql);
    }
    PQfreemem(channel);
    return ok;
}

static void become_ready(struct db_link *link)
{
    char where[256];

    ev_timer_stop(link->loop, &link->connect_timer);
    if (!set_up_session(link)) {
        char failure[256];
        connection_message(link->conn, failure, sizeof(failure));
        schedule_retry(link, failure);
        return;
    }

    db_describe(link->conn, where, sizeof(where));
    if (link->ever_ready && link->failed_attempts > 0)
        log_info("database connection restored after %d failed attempt%s in %.1f s: %s",
                 link->failed_attempts, link->failed_attempts == 1 ? "" : "s",
                 ev_now(link->loop) - link->down_since, where);
    else
        log_info("connected to %s, listening on channel %s", where,
                 link->settings.listen_channel);

    link->state = DB_LINK_READY;
    link->ever_ready = true;
    link->failed_attempts = 0;
    link->last_failure[0] = '\0';
    backoff_reset(&link->backoff);
    watch_socket(link, EV_READ);

    if (link->callbacks.on_ready != NULL)
        link->callbacks.on_ready(link->owner);
    deliver_notifications(link);
}

static void continue_connecting(struct db_link *link)
{
    char failure[256];

    switch (PQconnectPoll(link->conn)) {
    case PGRES_POLLING_READING:
        watch_socket(link, EV_READ);
        return;
    case PGRES_POLLING_WRITING:
        watch_socket(link, EV_WRITE);
        return;
    case PGRES_POLLING_OK:
        become_ready(link);
        return;
    default:
        connection_message(link->conn, failure, sizeof(failure));
        schedule_retry(link, failure);
        return;
    }
}

/* Route server notices (such as the FATAL message before the server
 * closes a terminated connection) to the log instead of raw stderr. */
static void log_notice(void *argument, const char *message)
{
    char text[512];
    size_t length;

    (void)argument;
    snprintf(text, sizeof(text), "%s", message);
    length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
        text[--length] = '\0';
    log_debug("PostgreSQL notice: %s", text);
}

static void start_attempt(struct db_link *link)
{
    /* Our settings come first, so the same keywords in the connection
     * string (expanded from dbname) override them. Keepalives and
     * tcp_user_timeout end a query stuck on a dead network within about
     * 20 s, well inside the lock lease. */
    const char *keywords[] = {"fallback_application_name", "keepalives", "keepalives_idle",
                              "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                              "dbname", NULL};
    const char *values[] = {link->settings.application_name, "1", "5", "5", "3", "20000",
                            link->settings.conninfo, NULL};
    char failure[256];

    PQfinish(link->conn);
    link->conn = PQconnectStartParams(keywords, values, 1);
    link->state = DB_LINK_CONNECTING;
    if (link->conn != NULL)
        PQsetNoticeProcessor(link->conn, log_notice, NULL);
    if (link->conn == NULL || PQstatus(link->conn) == CONNECTION_BAD) {
        connection_message(link->conn, failure, sizeof(failure));
        schedule_retry(link, failure);
        return;
    }

    ev_timer_set(&link->connect_timer, link->settings.connect_timeout_s, 0.0);
    ev_timer_start(link->loop, &link->connect_timer);
    watch_socket(link, EV_WRITE);
}

static void handle_readable(struct db_link *link)
{
    char failure[256];

    if (!PQconsumeInput(link->conn) || PQstatus(link->conn) == CONNECTION_BAD) {
        connection_message(link->conn, failure, sizeof(failure));
        schedule_retry(link, failure);
        return;
    }
    deliver_notifications(link);
}

static void on_socket(struct ev_loop *loop, ev_io *watcher, int events)
{
    struct db_link *link = watcher->data;

    (void)loop;
    (void)events;
    if (link->state == DB_LINK_CONNECTING)
        continue_connecting(link);
    else if (link->state == DB_LINK_READY)
        handle_readable(link);
}

static void on_connect_timeout(struct ev_loop *loop, ev_timer *timer, int events)
{
    struct db_link *link = timer->data;
    char failure[64];

    (void)loop;
    (void)events;
    snprintf(failure, sizeof(failure), "connection timed out after %.0f s",
             link->settings.connect_timeout_s);
    schedule_retry(link, failure);
}

static void on_retry(struct ev_loop *loop, ev_timer *timer, int events)
{
    (void)loop;
    (void)events;
    start_attempt(timer->data);
}

void db_link_init(struct db_link *link, struct ev_loop *loop,
                  const struct db_link_settings *settings,
                  const struct db_link_callbacks *callbacks, void *owner)
{
    memset(link, 0, sizeof(*link));
    link->loop = loop;
    link->settings = *settings;
    link->callbacks = *callbacks;
    link->owner = owner;
    link->state = DB_LINK_DISCONNECTED;
    backoff_init(&link->backoff, settings->retry_initial_s, settings->retry_max_s);

    ev_io_init(&link->socket_watcher, on_socket, -1, EV_READ);
    link->socket_watcher.data = link;
    ev_timer_init(&link->retry_timer, on_retry, 0.0, 0.0);
    link->retry_timer.data = link;
    ev_timer_init(&link->connect_timer, on_connect_timeout, 0.0, 0.0);
    link->connect_timer.data = link;
}

void db_link_start(struct db_link *link)
{
    link->down_since = ev_now(link->loop);
    start_attempt(link);
}

void db_link_close(struct db_link *link)
{
    stop_watchers(link);
    PQfinish(link->conn);
    link->conn = NULL;
    link->state = DB_LINK_DISCONNECTED;
}

bool db_link_ready(const struct db_link *link)
{
    return link->state == DB_LINK_READY;
}

PGresult *db_link_query(struct db_link *link, const char *sql, int count,
                        const char *const *values)
{
    char failure[256];

    if (link->state != DB_LINK_READY)
        return NULL;

    PGresult *result = db_query(link->conn, sql, count, values);
    if (PQstatus(link->conn) == CONNECTION_BAD) {
        connection_message(link->conn, failure, sizeof(failure));
        PQclear(result);
        schedule_retry(link, failure);
        return NULL;
    }
    deliver_notifications(link);
    return result;
}
