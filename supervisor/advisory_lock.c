#include "advisory_lock.h"

#include "log.h"

#include <string.h>

static int single_boolean(struct db_link *link, const char *sql, const char *tenant_id)
{
    const char *values[] = {tenant_id};
    PGresult *result = db_link_query(link, sql, 1, values);

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
