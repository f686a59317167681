#include "advisory_lock.h"

#include "log.h"

#include <string.h>

#define STRINGIFY(value) #value
#define TEXT(value) STRINGIFY(value)

/* The repair service's key in SQL: "1953325428, 1". */
#define REPAIR_KEY_SQL TEXT(ADVISORY_LOCK_REPAIR_KEY1) ", " TEXT(ADVISORY_LOCK_REPAIR_KEY2)

/* Runs a query returning one boolean, with tenant_id as $1 unless NULL. */
static int single_boolean(struct db_link *link, const char *sql, const char *tenant_id)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_link_query(link, sql, tenant_id != NULL ? 1 : 0,
                                     tenant_id != NULL ? values : NULL);

    if (result == NULL)
        return -1;

    int value = PQntuples(result) == 1 && strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    PQclear(result);
    return value;
}

enum advisory_lock_result advisory_lock_try(struct db_link *link, const char *tenant_id)
{
    int acquired = single_boolean(
        link, "SELECT pg_try_advisory_lock(tenantmate_worker_lock_key($1::uuid))", tenant_id);

    if (acquired < 0)
        return ADVISORY_LOCK_FAILED;
    return acquired ? ADVISORY_LOCK_ACQUIRED : ADVISORY_LOCK_BUSY;
}

bool advisory_lock_release(struct db_link *link, const char *tenant_id)
{
    int released = single_boolean(
        link, "SELECT pg_advisory_unlock(tenantmate_worker_lock_key($1::uuid))", tenant_id);

    if (released == 0)
        log_warning("tenant=%s: advisory lock was not held when releasing it", tenant_id);
    return released == 1;
}

enum advisory_lock_result advisory_lock_try_repair(struct db_link *link)
{
    int acquired = single_boolean(link, "SELECT pg_try_advisory_lock(" REPAIR_KEY_SQL ")", NULL);

    if (acquired < 0)
        return ADVISORY_LOCK_FAILED;
    return acquired ? ADVISORY_LOCK_ACQUIRED : ADVISORY_LOCK_BUSY;
}

bool advisory_lock_release_repair(struct db_link *link)
{
    int released = single_boolean(link, "SELECT pg_advisory_unlock(" REPAIR_KEY_SQL ")", NULL);

    if (released == 0)
        log_warning("the repair service's advisory lock was not held when releasing it");
    return released == 1;
}
