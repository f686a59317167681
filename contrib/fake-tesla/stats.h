/*
 * stats: request accounting per account, car and endpoint.
 *
 * Every API request is counted once when it is routed, and its response
 * once by status class (1xx to 5xx) when it is queued. "billable" counts
 * what Tesla would bill: every response below 500 of a REST endpoint;
 * the OAuth token endpoint is not billed. A response that a fault cuts
 * off mid-body is counted by the status it started with. Admin requests
 * (/_fake/...) are not counted.
 *
 * Contract: counters are atomics, safe to bump from any thread without a
 * lock; a report taken while requests run is a consistent-enough snapshot
 * of each counter, not of the whole set.
 */
#ifndef FAKE_TESLA_STATS_H
#define FAKE_TESLA_STATS_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum endpoint {
    ENDPOINT_LIST,          /* GET /api/1/products, GET /api/1/vehicles */
    ENDPOINT_SUMMARY,       /* GET /api/1/vehicles/{id} */
    ENDPOINT_VEHICLE_DATA,  /* GET /api/1/vehicles/{id}/vehicle_data */
    ENDPOINT_TOKEN,         /* POST .../oauth2/v3/token */
    ENDPOINT_OTHER,         /* any other path or method */
    ENDPOINT_COUNT
};

const char *endpoint_name(enum endpoint endpoint);
bool endpoint_parse(const char *text, enum endpoint *endpoint);

#define STATUS_CLASS_COUNT 5

struct counters {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t by_class[STATUS_CLASS_COUNT];  /* [0] = 1xx ... [4] = 5xx */
    atomic_uint_fast64_t billable;
};

void counters_count_request(struct counters *counters);
void counters_count_response(struct counters *counters, enum endpoint endpoint, unsigned status);

struct server;

/* The whole report: per account its own endpoints, its cars' endpoints
 * and totals; the unauthenticated requests; the grand totals. */
cJSON *stats_report(const struct server *server);

/* Prints the non-zero counters as a table. */
void stats_print(const struct server *server, FILE *out);

#endif
