/*
 * http: the HTTP server of fake-tesla, on libmicrohttpd.
 *
 * One daemon with an internal pool of epoll threads serves the Tesla API
 * paths and the admin paths (/_fake/...) on one listening address.
 * Keep-alive connections are kept open; a latency fault suspends its
 * connection instead of blocking a thread.
 *
 * Contract: http_start() listens only on the given numeric IPv4 or IPv6
 * address; port 0 lets the kernel pick a free port, and `bound` receives
 * "ADDRESS:PORT" of the socket actually bound. http_stop() resumes every
 * delayed connection, then stops the daemon and its threads; no request
 * runs after it returns.
 */
#ifndef FAKE_TESLA_HTTP_H
#define FAKE_TESLA_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct server;

struct http_options {
    const char *address;
    unsigned port;
    unsigned threads;
};

bool http_start(struct server *server, const struct http_options *options, char *bound,
                size_t bound_size);
void http_stop(struct server *server);

#endif
