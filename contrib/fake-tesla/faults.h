/*
 * faults: failures injected into answers, per account, per car or for all.
 *
 * Kinds:
 *   status     answer with a fixed status and the body Tesla sends with it
 *              (401, 403 EXCEEDED_LIMIT, 404, 405, 408, 421, 429 with
 *              Retry-After, 500, 503)
 *   latency    delay the answer by latency_ms, then answer normally (or
 *              with another fault)
 *   close      send the headers and half of the normal body, then close
 *              the connection
 *   malformed  send the normal body cut in half as a complete 200 response
 *   oversized  send the normal body with a "padding" member that makes it
 *              size_bytes long
 * A fault matches requests to one endpoint or to all, and stops after
 * `count` matches (unlimited when absent). A request answered by a fault
 * other than latency never advances the car's trace.
 *
 * JSON form (configuration and POST /_fake/faults):
 *   {"kind": "status", "status": 429, "retry_after_s": 120,
 *    "endpoint": "vehicle_data", "count": 3}
 *   {"kind": "latency", "latency_ms": 2000}
 *   {"kind": "oversized", "size_bytes": 8388608}
 *
 * Contract: the registry is safe from any thread (one mutex, skipped
 * entirely while no fault is registered). Matching picks, per request,
 * the sum of all matching latency faults and the first matching other
 * fault, preferring car faults over account faults over global ones, and
 * counts each chosen fault down.
 */
#ifndef FAKE_TESLA_FAULTS_H
#define FAKE_TESLA_FAULTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

enum fault_kind {
    FAULT_STATUS,
    FAULT_LATENCY,
    FAULT_CLOSE,
    FAULT_MALFORMED,
    FAULT_OVERSIZED,
    FAULT_KIND_COUNT
};

const char *fault_kind_name(enum fault_kind kind);

/* The default Retry-After of a 429 fault, TeslaMate's own default. */
#define FAULT_DEFAULT_RETRY_AFTER_S 300
#define FAULT_DEFAULT_OVERSIZED_BYTES ((size_t)8 * 1024 * 1024)
#define FAULT_MAX_OVERSIZED_BYTES ((size_t)256 * 1024 * 1024)

struct fault_spec {
    enum fault_kind kind;
    unsigned status;
    bool timeout_body;          /* 408 with the "timeout" body instead of "asleep" */
    long retry_after_s;
    long latency_ms;
    size_t size_bytes;
    bool any_endpoint;
    enum endpoint endpoint;
    long count;                 /* matches left; -1 = unlimited */
};

/* Whether a status has a recorded fault body. */
bool fault_status_is_supported(unsigned status);

/*
 * Parses one fault object. Keys listed in `extra_keys` (NULL-terminated,
 * may be NULL) are allowed and ignored, any other unknown key is an
 * error. On failure `error` names the key and the accepted values.
 */
bool fault_spec_parse(const cJSON *json, const char *const *extra_keys, struct fault_spec *out,
                      char *error, size_t error_size);

struct account;
struct car;
struct fault_registry;

struct fault_registry *fault_registry_new(void);
void fault_registry_free(struct fault_registry *registry);

/* Adds a fault for a car, an account (car NULL) or all (both NULL);
 * returns its id (> 0), or 0 when out of memory. */
unsigned fault_registry_add(struct fault_registry *registry, const struct fault_spec *spec,
                            const struct account *account, const struct car *car);
bool fault_registry_remove(struct fault_registry *registry, unsigned id);
void fault_registry_clear(struct fault_registry *registry);

/* [{"id": 1, "account": "a", "car": 123, "kind": ..., "remaining": 2}, ...] */
cJSON *fault_registry_list(struct fault_registry *registry);

struct fault_action {
    long latency_ms;
    bool has_fault;
    struct fault_spec fault;    /* the chosen non-latency fault */
};

void fault_registry_match(struct fault_registry *registry, enum endpoint endpoint,
                          const struct account *account, const struct car *car,
                          struct fault_action *action);

#endif
