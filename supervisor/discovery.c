#include "discovery.h"

#include "db.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const char active_tenants_sql[] =
    "SELECT a.tenant_id::text, k.xmin::text,"
    " EXISTS (SELECT FROM tenantmate_workers w"
    "         WHERE w.tenant_id = a.tenant_id AND w.state <> 'stopped'"
    "           AND (w.host, w.supervisor_pid) <> ($1, $2::integer)"
    "           AND w.updated_at > now() - make_interval(secs => $3::double precision))"
    " FROM tenantmate_active_tenants a"
    " JOIN private.tokens k ON k.tenant_id = a.tenant_id";

PGresult *discovery_query(struct db_link *link, const struct supervisor_identity *identity,
                          double lock_lease_s)
{
    char supervisor_pid[16], lease[32];
    const char *values[] = {identity->host, supervisor_pid, lease};

    snprintf(supervisor_pid, sizeof(supervisor_pid), "%d", (int)identity->pid);
    snprintf(lease, sizeof(lease), "%.3f", lock_lease_s);
    return db_link_query(link, active_tenants_sql, 3, values);
}

bool discovery_row(const PGresult *result, int index, struct active_tenant *tenant)
{
    const char *tenant_id = PQgetvalue(result, index, 0);
    const char *version = PQgetvalue(result, index, 1);

    if (!uuid_normalize(tenant_id, tenant->tenant_id)) {
        log_error("active tenant query returned \"%s\", which is not a tenant id", tenant_id);
        return false;
    }
    snprintf(tenant->token_version, sizeof(tenant->token_version), "%s", version);
    tenant->claimed_elsewhere = strcmp(PQgetvalue(result, index, 2), "t") == 0;
    return true;
}

/* Copy at most 64 bytes with control characters replaced, so a payload
 * cannot flood the log or forge log lines. */
static void printable_excerpt(const char *text, char *out, size_t size)
{
    size_t length = 0;

    for (; text[length] != '\0' && length < 64 && length + 4 < size; length++) {
        unsigned char c = (unsigned char)text[length];
        out[length] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    snprintf(out + length, size - length, "%s", text[length] != '\0' ? "..." : "");
}

bool discovery_parse_payload(const char *payload, char tenant_id[UUID_TEXT_SIZE])
{
    char excerpt[80];

    if (uuid_normalize(payload, tenant_id))
        return true;

    printable_excerpt(payload, excerpt, sizeof(excerpt));
    log_warning("ignoring notification on channel %s with payload \"%s\": expected a tenant "
                "id (UUID); the sender should run SELECT pg_notify('%s', tenant_id::text)",
                DB_TENANT_CHANNEL, excerpt, DB_TENANT_CHANNEL);
    return false;
}
