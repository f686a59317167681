-- Undo 0002_row_level_security.up.sql in this database: drop its policies,
-- disable row-level security and revoke the privileges it granted.
--
-- The roles tenantmate_collector and tenantmate_reader, and the migrating
-- login's membership in tenantmate_collector, stay: they belong to the
-- whole cluster, and other databases in it may still use them. Drop them
-- by hand once no database needs them.

DROP POLICY tenant_isolation ON private.tokens;

ALTER TABLE private.tokens DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON import_rejections;

ALTER TABLE import_rejections DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON import_file_checkpoints;

ALTER TABLE import_file_checkpoints DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON import_runs;

ALTER TABLE import_runs DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON updates;

ALTER TABLE updates DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON states;

ALTER TABLE states DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON charges;

ALTER TABLE charges DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON charging_processes;

ALTER TABLE charging_processes DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON positions;

ALTER TABLE positions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON drives;

ALTER TABLE drives DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON geofences;

ALTER TABLE geofences DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON settings;

ALTER TABLE settings DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON cars;

ALTER TABLE cars DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON car_settings;

ALTER TABLE car_settings DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON vehicles;

ALTER TABLE vehicles DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON subscriptions;

ALTER TABLE subscriptions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON tenants;

ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON
    tenants, subscriptions, vehicles,
    car_settings, cars, settings, geofences, drives, positions,
    charging_processes, charges, states, updates, addresses,
    import_runs, import_file_checkpoints, import_rejections
    FROM tenantmate_reader;

REVOKE USAGE ON SEQUENCE
    car_settings_id_seq, cars_id_seq, settings_id_seq, addresses_id_seq,
    geofences_id_seq, trips_id_seq, positions_id_seq,
    charging_processes_id_seq, charges_id_seq, states_id_seq, updates_id_seq,
    import_runs_id_seq, import_file_checkpoints_id_seq, import_rejections_id_seq,
    private.tokens_id_seq
    FROM tenantmate_collector;

REVOKE SELECT ON tenants, subscriptions FROM tenantmate_collector;

REVOKE SELECT, INSERT, UPDATE ON addresses, vehicles FROM tenantmate_collector;

REVOKE SELECT, INSERT, UPDATE, DELETE ON
    car_settings, cars, settings, geofences, drives, positions,
    charging_processes, charges, states, updates,
    import_runs, import_file_checkpoints, import_rejections, private.tokens
    FROM tenantmate_collector;

REVOKE USAGE ON SCHEMA private FROM tenantmate_collector;

REVOKE USAGE ON SCHEMA public FROM tenantmate_collector, tenantmate_reader;
