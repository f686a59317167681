-- Drop everything 0001_teslamate_schema.up.sql created: the functions,
-- the tables (children before the tables they reference), the private
-- schema, the types and the extensions.
--
-- Nothing uses CASCADE, so an object that a later migration still depends
-- on stops the rollback with PostgreSQL's error. Dropping a table drops its
-- indexes, constraints and owned sequence.

DROP FUNCTION convert_tire_pressure(numeric, varchar);

DROP FUNCTION convert_m(double precision, text);

DROP FUNCTION convert_celsius(numeric, text);

DROP FUNCTION convert_km(numeric, text);

DROP TABLE import_rejections;

DROP TABLE import_file_checkpoints;

DROP TABLE import_runs;

DROP TABLE private.tokens;

DROP SCHEMA private;

DROP TABLE updates;

DROP TABLE states;

DROP TABLE charges;

DROP TABLE charging_processes;

-- drives and positions reference each other.
ALTER TABLE drives DROP CONSTRAINT drives_start_position_id_fkey;

ALTER TABLE drives DROP CONSTRAINT drives_end_position_id_fkey;

DROP TABLE positions;

DROP TABLE drives;

DROP TABLE geofences;

DROP TABLE addresses;

DROP TABLE settings;

DROP TABLE cars;

DROP TABLE car_settings;

DROP TABLE vehicles;

DROP TABLE subscriptions;

DROP TABLE tenants;

DROP TYPE billing_type;

DROP TYPE range;

DROP TYPE unit_of_pressure;

DROP TYPE unit_of_temperature;

DROP TYPE unit_of_length;

DROP TYPE states_status;

-- 0001 creates the extensions only if missing. When another role owns
-- them (typically a superuser created them because the migrating login may
-- not), they existed before 0001 and stay.
DO $extensions$
DECLARE
    extension_name text;
    owner oid;
BEGIN
    FOREACH extension_name IN ARRAY ARRAY['earthdistance', 'cube'] LOOP
        SELECT extowner INTO owner FROM pg_extension WHERE extname = extension_name;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;

        IF pg_has_role(owner, 'MEMBER') THEN
            EXECUTE format('DROP EXTENSION %I', extension_name);
        ELSE
            RAISE NOTICE 'extension % is left in place: role % does not own it',
                extension_name, current_user;
        END IF;
    END LOOP;
END
$extensions$;
