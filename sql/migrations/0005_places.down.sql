-- Undo 0005_places.up.sql. Links and costs written while it was applied
-- stay as they are.

DROP INDEX charging_processes_missing_address_index;

DROP INDEX drives_missing_address_index;

DROP FUNCTION geofence_count_charging_processes_without_costs(integer);

DROP FUNCTION geofence_calculate_charge_costs(integer);

DROP FUNCTION charging_process_cost(integer, numeric, text);

DROP TRIGGER geofences_relink_deleted ON geofences;

DROP TRIGGER geofences_relink_updated ON geofences;

DROP TRIGGER geofences_relink_inserted ON geofences;

DROP TRIGGER geofences_check ON geofences;

DROP FUNCTION geofences_relink_deleted();

DROP FUNCTION geofences_relink_updated();

DROP FUNCTION geofences_relink_inserted();

DROP FUNCTION geofences_check();

DROP FUNCTION geofence_relink(uuid, double precision, double precision, double precision, integer);

DROP FUNCTION geofence_at(uuid, double precision, double precision, integer);

ALTER TABLE geofences
    DROP CONSTRAINT geofences_session_fee_check,
    DROP CONSTRAINT geofences_radius_check,
    DROP CONSTRAINT geofences_name_check;
