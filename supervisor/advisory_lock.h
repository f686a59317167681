/*
 * advisory_lock: the session-level advisory lock that makes a supervisor
 * the only one running a tenant's worker.
 *
 * Contract: the key is tenantmate_worker_lock_key(tenant) from migration
 * 0003. Locks live on the db_link connection and vanish with it. Session
 * locks stack in PostgreSQL (two acquisitions need two releases), so
 * callers must take each tenant's lock at most once; the supervisor keeps
 * that in worker->lock_held. Both calls are one round trip, and db_link
 * logs failures.
 */
#ifndef TENANTMATE_ADVISORY_LOCK_H
#define TENANTMATE_ADVISORY_LOCK_H

#include "db_link.h"

#include <stdbool.h>

enum advisory_lock_result {
    ADVISORY_LOCK_ACQUIRED,
    ADVISORY_LOCK_BUSY,      /* another session has it */
    ADVISORY_LOCK_FAILED,    /* the query failed or the link is down */
};

enum advisory_lock_result advisory_lock_try(struct db_link *link, const char *tenant_id);

/* Returns false when the lock was not held or the query failed. */
bool advisory_lock_release(struct db_link *link, const char *tenant_id);

#endif
