/*
 * advisory_lock: the session-level advisory locks that make a supervisor
 * the only one running a tenant's worker, or the cluster's repair service.
 *
 * Contract: a tenant's key is the bigint tenantmate_worker_lock_key(tenant)
 * from migration 0003. The repair service's key is the pair of integers
 * (ADVISORY_LOCK_REPAIR_KEY1, ADVISORY_LOCK_REPAIR_KEY2). PostgreSQL's
 * lock tag includes the key's form (pg_locks shows objsubid 2 for two
 * integers, 1 for a bigint), so it never equals a tenant's key. Locks live
 * on the db_link connection and vanish with it. Session locks stack in PostgreSQL
 * (two acquisitions need two releases), so callers must take each lock at
 * most once; the supervisor keeps that in worker->lock_held. Every call is
 * one round trip, and db_link logs failures.
 */
#ifndef TENANTMATE_ADVISORY_LOCK_H
#define TENANTMATE_ADVISORY_LOCK_H

#include "db_link.h"

#include <stdbool.h>

/* "tmat" in ASCII, and 1 for the repair service. */
#define ADVISORY_LOCK_REPAIR_KEY1 1953325428
#define ADVISORY_LOCK_REPAIR_KEY2 1

enum advisory_lock_result {
    ADVISORY_LOCK_ACQUIRED,
    ADVISORY_LOCK_BUSY,      /* another session has it */
    ADVISORY_LOCK_FAILED,    /* the query failed or the link is down */
};

enum advisory_lock_result advisory_lock_try(struct db_link *link, const char *tenant_id);

/* Returns false when the lock was not held or the query failed. */
bool advisory_lock_release(struct db_link *link, const char *tenant_id);

enum advisory_lock_result advisory_lock_try_repair(struct db_link *link);
bool advisory_lock_release_repair(struct db_link *link);

#endif
