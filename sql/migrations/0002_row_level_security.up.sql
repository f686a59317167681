-- Tenant isolation enforced by PostgreSQL: two roles and row-level
-- security on every tenant-owned table.
--
--   tenantmate_collector  the workers. Reads and writes its tenant's rows,
--                         reads, inserts and updates the shared addresses,
--                         reads its tenant, subscriptions and vehicles, and
--                         reports vehicles' collector_status.
--   tenantmate_reader     the read side of the business API: SELECT only.
--
-- Both roles see only the rows whose tenant_id equals the setting
-- tenantmate.tenant_id. A worker opens each transaction with
--   BEGIN
--   SET LOCAL ROLE tenantmate_collector
--   SELECT set_config('tenantmate.tenant_id', '<tenant uuid>', true)
-- Without the setting (or with it empty, as it is after a transaction that
-- set it locally) the roles see no row and cannot write any.
--
-- The owner of the tables (the login that runs the migrations, which the
-- supervisor and the tenantmate command also use) and superusers bypass
-- row-level security. That is intended: they work across tenants. Neither
-- role owns a table, so the policies apply to them whatever login
-- switched to them.
--
-- Roles are shared by every database of the cluster, so they are created
-- only if missing, and 0002's down script leaves them (and memberships) in
-- place. Creating them needs CREATEROLE, or a superuser creates them first:
--   CREATE ROLE tenantmate_collector NOLOGIN
--   CREATE ROLE tenantmate_reader NOLOGIN
-- A login the workers use other than the migrating one must be a member:
--   GRANT tenantmate_collector TO <worker login>
-- and the business API's login likewise of tenantmate_reader. This script
-- makes the migrating login a member of tenantmate_collector, which is all
-- the default single-login setup needs.

DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['tenantmate_collector', 'tenantmate_reader'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION
                -- Another database of the cluster migrating at the same time
                -- created it first.
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
            END;
        END IF;
    END LOOP;
END
$roles$;

DO $membership$
BEGIN
    -- True for superusers, who may switch to any role anyway.
    IF pg_has_role(current_user, 'tenantmate_collector', 'MEMBER') THEN
        RETURN;
    END IF;

    EXECUTE format('GRANT tenantmate_collector TO %I', current_user);
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role % may not grant itself membership in tenantmate_collector', current_user
            USING HINT = format('As a superuser run: GRANT tenantmate_collector TO %I, then migrate again.',
                                current_user);
END
$membership$;


-- Privileges

GRANT USAGE ON SCHEMA public TO tenantmate_collector, tenantmate_reader;

GRANT USAGE ON SCHEMA private TO tenantmate_collector;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    car_settings, cars, settings, geofences, drives, positions,
    charging_processes, charges, states, updates,
    import_runs, import_file_checkpoints, import_rejections, private.tokens
    TO tenantmate_collector;

GRANT SELECT, INSERT, UPDATE ON addresses, vehicles TO tenantmate_collector;

GRANT SELECT ON tenants, subscriptions TO tenantmate_collector;

GRANT USAGE ON SEQUENCE
    car_settings_id_seq, cars_id_seq, settings_id_seq, addresses_id_seq,
    geofences_id_seq, trips_id_seq, positions_id_seq,
    charging_processes_id_seq, charges_id_seq, states_id_seq, updates_id_seq,
    import_runs_id_seq, import_file_checkpoints_id_seq, import_rejections_id_seq,
    private.tokens_id_seq
    TO tenantmate_collector;

-- The reader gets no access to the encrypted tokens.
GRANT SELECT ON
    tenants, subscriptions, vehicles,
    car_settings, cars, settings, geofences, drives, positions,
    charging_processes, charges, states, updates, addresses,
    import_runs, import_file_checkpoints, import_rejections
    TO tenantmate_reader;


-- Row-level security. tenants has no tenant_id: a tenant sees its own row.

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON tenants
    TO tenantmate_collector, tenantmate_reader
    USING (id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON subscriptions
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE vehicles ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON vehicles
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE car_settings ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON car_settings
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE cars ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON cars
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE settings ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON settings
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE geofences ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON geofences
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE drives ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON drives
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE positions ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON positions
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE charging_processes ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON charging_processes
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE charges ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON charges
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE states ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON states
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE updates ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON updates
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE import_runs ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON import_runs
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE import_file_checkpoints ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON import_file_checkpoints
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE import_rejections ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON import_rejections
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);

ALTER TABLE private.tokens ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON private.tokens
    TO tenantmate_collector, tenantmate_reader
    USING (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('tenantmate.tenant_id', true), '')::uuid);
