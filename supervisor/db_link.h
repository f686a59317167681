/*
 * db_link: the supervisor's one direct PostgreSQL connection, kept alive
 * across outages.
 *
 * The connection LISTENs on the tenant channel and holds the session-level
 * advisory locks of the supervised tenants, so losing it loses every lock.
 * Connecting never blocks the loop (PQconnectStartParams and PQconnectPoll
 * driven by an ev_io, with a timeout); a failed attempt is retried after a
 * backoff (reconnect delays in the config). Queries through db_link_query()
 * are synchronous, bounded by statement_timeout and TCP keepalives.
 *
 * Callbacks run from the loop: on_ready after a connection and its LISTEN
 * succeeded, on_lost when a ready connection fails (possibly from inside
 * db_link_query(), so on_lost must not free anything its caller uses), and
 * on_notification for each notification. Logging follows state changes:
 * one warning when the connection is lost or an attempt fails differently
 * from the last one, debug lines for repeated failures, one info line when
 * it is back. The connection string is never logged.
 */
#ifndef TENANTMATE_DB_LINK_H
#define TENANTMATE_DB_LINK_H

#include "backoff.h"

#include <ev.h>
#include <libpq-fe.h>
#include <stdbool.h>

enum db_link_state {
    DB_LINK_DISCONNECTED,
    DB_LINK_CONNECTING,
    DB_LINK_READY,
    DB_LINK_STATE_COUNT
};

struct db_link_callbacks {
    void (*on_ready)(void *owner);
    void (*on_lost)(void *owner);
    void (*on_notification)(void *owner, const char *channel, const char *payload);
};

struct db_link_settings {
    const char *conninfo;
    const char *application_name;
    const char *listen_channel;
    double connect_timeout_s;
    double statement_timeout_s;
    double retry_initial_s;
    double retry_max_s;
};

struct db_link {
    struct ev_loop *loop;
    struct db_link_settings settings;
    struct db_link_callbacks callbacks;
    void *owner;

    enum db_link_state state;
    PGconn *conn;
    ev_io socket_watcher;
    ev_timer retry_timer;
    ev_timer connect_timer;
    struct backoff backoff;

    int failed_attempts;      /* since the last ready connection */
    bool ever_ready;
    ev_tstamp down_since;
    char last_failure[256];
};

void db_link_init(struct db_link *link, struct ev_loop *loop,
                  const struct db_link_settings *settings,
                  const struct db_link_callbacks *callbacks, void *owner);

/* Start the first connection attempt. */
void db_link_start(struct db_link *link);

/* Close the connection and stop every watcher; no callback runs after. */
void db_link_close(struct db_link *link);

bool db_link_ready(const struct db_link *link);

/* Run one statement on the ready connection. Returns NULL, after logging,
 * when not ready or on failure; a failure that broke the connection also
 * runs on_lost. Notifications that arrived meanwhile are delivered before
 * this returns. The result is the caller's to PQclear(). */
PGresult *db_link_query(struct db_link *link, const char *sql, int count,
                        const char *const *values);

const char *db_link_state_name(enum db_link_state state);

#endif
