-- Undo 0003_worker_status.up.sql.

DROP TABLE tenantmate_workers;

DROP FUNCTION tenantmate_worker_lock_key(uuid);

DROP VIEW tenantmate_active_tenants;

DROP FUNCTION tenantmate_tenant_is_active(uuid);
