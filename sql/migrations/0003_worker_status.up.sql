-- The supervisor's side of the schema: which tenants are active, the
-- advisory lock key of a tenant's worker, and the status of every worker.
--
-- A tenant is active when it is not soft-deleted, has a row in
-- private.tokens, and either has no subscription row or has one that is
-- Active or Trial with an end_date that is NULL or in the future. The
-- supervisor starts a worker for each active tenant and stops the workers
-- of the others; the business API can ask the same question with
--   SELECT tenant_id FROM tenantmate_active_tenants
--   SELECT tenantmate_tenant_is_active($1)
-- and must, in the transaction that changes a tenant's tokens, tenant row
-- or subscriptions, run
--   SELECT pg_notify('tenantmate_tenants', $1::text)   -- $1: the tenant id
-- so the supervisor rescans at once instead of at its next timed rescan.

-- Runs with the caller's rights, so under tenantmate_collector (row-level
-- security) a worker can only learn whether its own tenant is active.
CREATE FUNCTION tenantmate_tenant_is_active(tenant uuid) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT FROM public.tenants t
                   WHERE t.id = tenant AND t.deleted_at IS NULL)
       AND EXISTS (SELECT FROM private.tokens k WHERE k.tenant_id = tenant)
       AND (NOT EXISTS (SELECT FROM public.subscriptions s WHERE s.tenant_id = tenant)
            OR EXISTS (SELECT FROM public.subscriptions s
                       WHERE s.tenant_id = tenant
                         AND s.status IN ('Active', 'Trial')
                         AND (s.end_date IS NULL OR s.end_date > now())))
$$;

-- Every active tenant. The view runs with its owner's rights and so sees
-- all tenants: it is granted to no tenant-scoped role.
CREATE VIEW tenantmate_active_tenants AS
    SELECT t.id AS tenant_id
    FROM public.tenants t
    WHERE tenantmate_tenant_is_active(t.id);

-- The key of the session-level advisory lock a supervisor holds while it
-- supervises a tenant's worker: 64 bits of an MD5 of the tenant id, so
-- tenant ids that share a prefix (UUIDv7) still get distinct keys. To see
-- which backend holds a tenant:
--   SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
--     AND ((classid::bigint << 32) | objid::bigint) = tenantmate_worker_lock_key($1)
CREATE FUNCTION tenantmate_worker_lock_key(tenant uuid) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT ('x' || left(md5('tenantmate-worker:' || tenant::text), 16))::bit(64)::bigint
$$;

-- One row per tenant that a supervisor has supervised, written by the
-- supervisor that holds the tenant's lock. host and supervisor_pid name
-- that supervisor; pid is the worker's process id (NULL when no process
-- runs). updated_at is refreshed at least every quarter of the lock lease
-- (TENANTMATE_LOCK_LEASE) while the supervisor is connected: a row in a
-- state other than 'stopped' whose updated_at is older than the lease
-- belongs to a supervisor that died or lost its connection.
CREATE TABLE tenantmate_workers (
    tenant_id uuid NOT NULL,
    host text NOT NULL,
    supervisor_pid integer NOT NULL,
    pid integer,
    state text NOT NULL,
    started_at timestamptz,
    restarts integer NOT NULL DEFAULT 0,
    last_exit text,
    last_error text,
    next_restart_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenantmate_workers_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT tenantmate_workers_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES public.tenants (id) ON DELETE CASCADE,
    CONSTRAINT tenantmate_workers_state_check
        CHECK (state IN ('down', 'starting', 'up', 'stopping', 'backoff', 'held', 'stopped')),
    CONSTRAINT tenantmate_workers_restarts_check CHECK (restarts >= 0)
);

CREATE INDEX tenantmate_workers_supervisor_index ON tenantmate_workers (host, supervisor_pid);

-- The business API's reader sees its own tenant's row.
GRANT SELECT ON tenantmate_workers TO tenantmate_reader;

ALTER TABLE tenantmate_workers ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON tenantmate_workers
    TO tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);
