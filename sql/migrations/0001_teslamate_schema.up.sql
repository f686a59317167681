-- TeslaMate's collection schema (the final state after TeslaMate's 105
-- migrations, TeslaMate 4.2.0-dev) plus the tenants that own its rows.
--
-- TeslaMate's tables keep its names of columns, types, defaults, indexes,
-- sequences and constraints, so its Grafana dashboards and tools keep
-- working. The numeric(p,s) precisions are part of the contract:
-- PostgreSQL rounds every written value to them (half away from zero).
--
-- Changes for multi-tenancy:
--   * Every tenant-owned table has tenant_id uuid NOT NULL, as its last
--     column (where converting an existing TeslaMate database puts it too),
--     referencing tenants(id) ON DELETE CASCADE and indexed.
--   * Uniqueness that TeslaMate has per database is per tenant: cars
--     (eid, vid, vin, under TeslaMate's index names), settings (one row per
--     tenant), private.tokens (one row per tenant) and the running import
--     per source key.
--   * Foreign keys between tenant-owned tables include tenant_id, so a row
--     can only reference a row of its own tenant. Foreign key checks bypass
--     row-level security, so without this a worker could link its rows to
--     another tenant's car. The constraint names and delete rules stay
--     TeslaMate's. ON DELETE SET NULL names the one column to clear,
--     because tenant_id is NOT NULL. Such column lists need PostgreSQL 15
--     or newer. Each referenced table has a unique (tenant_id, id) index
--     for these keys, which is also its tenant_id index.
--   * addresses stays one cache shared by all tenants: an address row says
--     nothing about who was there.
--   * At most one open drive and one open charging process per car, like
--     the open state TeslaMate already limits. The workers rely on these
--     indexes to resume sessions safely after a crash.
--   * The tenants, subscriptions and vehicles tables shared with the
--     business API.
--
-- Left out: TeslaMate's Ecto bookkeeping table schema_migrations. TeslaMate
-- itself cannot write to this schema (it leaves tenant_id empty), and
-- without that table it fails at once on its first CREATE TABLE instead of
-- later on an insert.
--
-- Id columns: TeslaMate created every id as bigserial and later narrowed
-- most of them to integer or smallint, but the sequences stayed bigint.
-- The explicit CREATE SEQUENCE statements below reproduce that. drives was
-- created as trips, so its sequence and primary key keep the trips_ names.


-- Extensions. cube is a trusted extension. earthdistance is not (in
-- PostgreSQL 15), so either the migrating login is a superuser or a
-- superuser creates both extensions beforehand.

CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;

CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public;


-- Enum types

CREATE TYPE states_status AS ENUM ('online', 'offline', 'asleep');

CREATE TYPE unit_of_length AS ENUM ('km', 'mi');

CREATE TYPE unit_of_temperature AS ENUM ('C', 'F');

CREATE TYPE unit_of_pressure AS ENUM ('bar', 'psi');

CREATE TYPE range AS ENUM ('ideal', 'rated');

CREATE TYPE billing_type AS ENUM ('per_kwh', 'per_minute');


-- Tables shared with the business API. It registers tenants, their
-- subscriptions and vehicles. The supervisor reads them to decide which
-- tenants get a worker, and workers report each vehicle's collector_status.

CREATE TABLE tenants (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT tenants_pkey PRIMARY KEY (id)
);

-- A tenant without any subscription row is treated as subscribed. With
-- rows, the tenant is active while one of them is Active or Trial and its
-- end_date (NULL: open-ended) has not passed.
CREATE TABLE subscriptions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    plan_name text NOT NULL,
    max_vehicles integer,
    data_retention_days integer,
    status text NOT NULL,
    start_date timestamptz NOT NULL DEFAULT now(),
    end_date timestamptz,
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id),
    CONSTRAINT subscriptions_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT subscriptions_status_check
        CHECK (status IN ('Active', 'Trial', 'PastDue', 'Canceled', 'Expired')),
    CONSTRAINT subscriptions_max_vehicles_check CHECK (max_vehicles >= 0),
    CONSTRAINT subscriptions_data_retention_days_check CHECK (data_retention_days > 0),
    CONSTRAINT subscriptions_end_after_start CHECK (end_date >= start_date)
);

CREATE INDEX subscriptions_tenant_id_index ON subscriptions (tenant_id);

-- tesla_vehicle_id is the vehicle id the business API registered from the
-- Tesla account. collector_status is written by the workers.
CREATE TABLE vehicles (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    tesla_vehicle_id bigint NOT NULL,
    vin text,
    display_name text,
    collector_status text NOT NULL DEFAULT 'pending',
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT vehicles_pkey PRIMARY KEY (id),
    CONSTRAINT vehicles_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT vehicles_collector_status_check
        CHECK (collector_status IN ('pending', 'active', 'paused', 'error', 'stopped'))
);

-- Also the tenant_id index (its leading column).
CREATE UNIQUE INDEX vehicles_tenant_id_tesla_vehicle_id_index
    ON vehicles (tenant_id, tesla_vehicle_id);


-- car_settings: one row per car, created just before the car.

CREATE TABLE car_settings (
    id bigserial NOT NULL,
    suspend_min integer NOT NULL DEFAULT 21,
    suspend_after_idle_min integer NOT NULL DEFAULT 15,
    req_not_unlocked boolean NOT NULL DEFAULT false,
    free_supercharging boolean NOT NULL DEFAULT false,
    use_streaming_api boolean NOT NULL DEFAULT true,
    enabled boolean NOT NULL DEFAULT true,
    lfp_battery boolean NOT NULL DEFAULT false,
    tenant_id uuid NOT NULL,
    CONSTRAINT car_settings_pkey PRIMARY KEY (id),
    CONSTRAINT car_settings_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX car_settings_tenant_id_id_index ON car_settings (tenant_id, id);


-- cars

-- NOTE: cars.id stays TeslaMate's smallint, and all tenants share one id
-- sequence, so the whole database holds at most 32767 cars ever created.
CREATE SEQUENCE cars_id_seq;

CREATE TABLE cars (
    id smallint NOT NULL DEFAULT nextval('cars_id_seq'),
    eid bigint NOT NULL,
    vid bigint NOT NULL,
    model varchar(255),
    efficiency double precision,
    inserted_at timestamp(0) NOT NULL,
    updated_at timestamp(0) NOT NULL,
    vin text NOT NULL,
    name text,
    trim_badging text,
    settings_id bigint NOT NULL,
    exterior_color text,
    spoiler_type text,
    wheel_type text,
    display_priority smallint NOT NULL DEFAULT 1,
    marketing_name varchar(255),
    tenant_id uuid NOT NULL,
    CONSTRAINT cars_pkey PRIMARY KEY (id),
    CONSTRAINT cars_settings_id_fkey FOREIGN KEY (tenant_id, settings_id)
        REFERENCES car_settings (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT cars_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE cars_id_seq OWNED BY cars.id;

CREATE UNIQUE INDEX cars_eid_index ON cars (tenant_id, eid);

CREATE UNIQUE INDEX cars_vid_index ON cars (tenant_id, vid);

CREATE UNIQUE INDEX cars_vin_index ON cars (tenant_id, vin);

CREATE UNIQUE INDEX cars_settings_id_index ON cars (settings_id);

CREATE UNIQUE INDEX cars_tenant_id_id_index ON cars (tenant_id, id);


-- settings: one row per tenant (TeslaMate has exactly one per database).
-- Whoever sets up a tenant inserts its row, TeslaMate's defaults apply.

CREATE TABLE settings (
    id bigserial NOT NULL,
    inserted_at timestamp(0) NOT NULL,
    updated_at timestamp(0) NOT NULL,
    unit_of_length unit_of_length NOT NULL DEFAULT 'km',
    unit_of_temperature unit_of_temperature NOT NULL DEFAULT 'C',
    preferred_range range NOT NULL DEFAULT 'rated',
    base_url varchar(255),
    grafana_url varchar(255),
    language text NOT NULL DEFAULT 'en',
    unit_of_pressure unit_of_pressure NOT NULL DEFAULT 'bar',
    theme_mode text NOT NULL DEFAULT 'system',
    tenant_id uuid NOT NULL,
    CONSTRAINT settings_pkey PRIMARY KEY (id),
    CONSTRAINT settings_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX settings_tenant_id_index ON settings (tenant_id);


-- addresses: reverse-geocoding results, shared by all tenants. Every
-- column is nullable in the database. TeslaMate requires display_name,
-- latitude, longitude, raw, osm_id and osm_type in the application.

CREATE SEQUENCE addresses_id_seq;

CREATE TABLE addresses (
    id integer NOT NULL DEFAULT nextval('addresses_id_seq'),
    display_name varchar(512),
    latitude numeric(8,6),
    longitude numeric(9,6),
    name varchar(255),
    house_number varchar(255),
    road varchar(255),
    neighbourhood varchar(255),
    city varchar(255),
    county varchar(255),
    postcode varchar(255),
    state varchar(255),
    state_district varchar(255),
    country varchar(255),
    raw jsonb,
    inserted_at timestamp(0) NOT NULL,
    updated_at timestamp(0) NOT NULL,
    osm_id bigint,
    osm_type text,
    CONSTRAINT addresses_pkey PRIMARY KEY (id)
);

ALTER SEQUENCE addresses_id_seq OWNED BY addresses.id;

CREATE UNIQUE INDEX addresses_osm_id_osm_type_index ON addresses (osm_id, osm_type);


-- geofences

CREATE SEQUENCE geofences_id_seq;

CREATE TABLE geofences (
    id integer NOT NULL DEFAULT nextval('geofences_id_seq'),
    name varchar(255) NOT NULL,
    latitude numeric(8,6) NOT NULL,
    longitude numeric(9,6) NOT NULL,
    radius smallint NOT NULL DEFAULT 25,
    inserted_at timestamp(0) NOT NULL,
    updated_at timestamp(0) NOT NULL,
    cost_per_unit numeric(9,4),
    session_fee numeric(14,2),
    billing_type billing_type NOT NULL DEFAULT 'per_kwh',
    tenant_id uuid NOT NULL,
    CONSTRAINT geofences_pkey PRIMARY KEY (id),
    CONSTRAINT geofences_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE geofences_id_seq OWNED BY geofences.id;

CREATE UNIQUE INDEX geofences_tenant_id_id_index ON geofences (tenant_id, id);


-- drives (created as trips). The foreign keys to positions are added after
-- positions exists, because positions also references drives.

CREATE SEQUENCE trips_id_seq;

CREATE TABLE drives (
    id integer NOT NULL DEFAULT nextval('trips_id_seq'),
    start_date timestamp NOT NULL,
    end_date timestamp,
    outside_temp_avg numeric(4,1),
    speed_max smallint,
    power_max smallint,
    power_min smallint,
    start_ideal_range_km numeric(6,2),
    end_ideal_range_km numeric(6,2),
    start_km double precision,
    end_km double precision,
    distance double precision,
    duration_min smallint,
    car_id smallint NOT NULL,
    inside_temp_avg numeric(4,1),
    start_address_id integer,
    end_address_id integer,
    start_rated_range_km numeric(6,2),
    end_rated_range_km numeric(6,2),
    start_position_id integer,
    end_position_id integer,
    start_geofence_id integer,
    end_geofence_id integer,
    ascent smallint,
    descent smallint,
    tenant_id uuid NOT NULL,
    CONSTRAINT trips_pkey PRIMARY KEY (id),
    CONSTRAINT drives_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT drives_start_address_id_fkey FOREIGN KEY (start_address_id)
        REFERENCES addresses (id) ON DELETE SET NULL,
    CONSTRAINT drives_end_address_id_fkey FOREIGN KEY (end_address_id)
        REFERENCES addresses (id) ON DELETE SET NULL,
    CONSTRAINT drives_start_geofence_id_fkey FOREIGN KEY (tenant_id, start_geofence_id)
        REFERENCES geofences (tenant_id, id) ON DELETE SET NULL (start_geofence_id),
    CONSTRAINT drives_end_geofence_id_fkey FOREIGN KEY (tenant_id, end_geofence_id)
        REFERENCES geofences (tenant_id, id) ON DELETE SET NULL (end_geofence_id),
    CONSTRAINT drives_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE trips_id_seq OWNED BY drives.id;

CREATE INDEX trips_car_id_index ON drives (car_id);

CREATE INDEX trips_start_address_id_index ON drives (start_address_id);

CREATE INDEX trips_end_address_id_index ON drives (end_address_id);

CREATE INDEX drives_start_position_id_index ON drives (start_position_id);

CREATE INDEX drives_end_position_id_index ON drives (end_position_id);

CREATE INDEX drives_start_geofence_id_index ON drives (start_geofence_id);

CREATE INDEX drives_end_geofence_id_index ON drives (end_geofence_id);

CREATE UNIQUE INDEX drives_tenant_id_id_index ON drives (tenant_id, id);

CREATE UNIQUE INDEX drives_one_open_per_car_index ON drives (car_id) WHERE end_date IS NULL;


-- positions

-- NOTE: positions.id stays TeslaMate's integer, and all tenants share one
-- id sequence. An hour of driving a day with a position every 1 to 2.5 s
-- makes an estimated 0.5 to 1.3 million positions per car and year, so
-- 1000 cars exhaust the 2147483647 ids in about 2 to 4 years. Widening it
-- to bigint means widening drives.start_position_id, end_position_id and
-- charging_processes.position_id with it.
CREATE SEQUENCE positions_id_seq;

CREATE TABLE positions (
    id integer NOT NULL DEFAULT nextval('positions_id_seq'),
    date timestamp NOT NULL,
    latitude numeric(8,6) NOT NULL,
    longitude numeric(9,6) NOT NULL,
    speed smallint,
    power smallint,
    odometer double precision,
    ideal_battery_range_km numeric(6,2),
    battery_level smallint,
    outside_temp numeric(4,1),
    elevation smallint,
    fan_status integer,
    driver_temp_setting numeric(4,1),
    passenger_temp_setting numeric(4,1),
    is_climate_on boolean,
    is_rear_defroster_on boolean,
    is_front_defroster_on boolean,
    car_id smallint NOT NULL,
    drive_id integer,
    inside_temp numeric(4,1),
    battery_heater boolean,
    battery_heater_on boolean,
    battery_heater_no_power boolean,
    est_battery_range_km numeric(6,2),
    rated_battery_range_km numeric(6,2),
    usable_battery_level smallint,
    tpms_pressure_fl numeric(4,1),
    tpms_pressure_fr numeric(4,1),
    tpms_pressure_rl numeric(4,1),
    tpms_pressure_rr numeric(4,1),
    tenant_id uuid NOT NULL,
    CONSTRAINT positions_pkey PRIMARY KEY (id),
    CONSTRAINT positions_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT positions_drive_id_fkey FOREIGN KEY (tenant_id, drive_id)
        REFERENCES drives (tenant_id, id) ON DELETE SET NULL (drive_id),
    CONSTRAINT positions_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE positions_id_seq OWNED BY positions.id;

CREATE INDEX positions_car_id_index ON positions (car_id);

-- This name is exactly 63 characters, PostgreSQL's identifier limit.
CREATE INDEX "positions_car_id_date__ideal_battery_range_km_IS_NOT_NULL_index"
    ON positions (car_id, date, (ideal_battery_range_km IS NOT NULL))
    WHERE ideal_battery_range_km IS NOT NULL;

CREATE INDEX positions_date_timestamp_minmax_multi_ops_index
    ON positions USING brin (date timestamp_minmax_multi_ops)
    WITH (autosummarize = true, pages_per_range = 64);

CREATE INDEX positions_drive_id_date_timestamp_minmax_multi_ops_index
    ON positions USING brin (drive_id, date timestamp_minmax_multi_ops)
    WITH (autosummarize = true, pages_per_range = 64);

CREATE UNIQUE INDEX positions_tenant_id_id_index ON positions (tenant_id, id);

ALTER TABLE drives
    ADD CONSTRAINT drives_start_position_id_fkey FOREIGN KEY (tenant_id, start_position_id)
        REFERENCES positions (tenant_id, id) ON DELETE SET NULL (start_position_id);

ALTER TABLE drives
    ADD CONSTRAINT drives_end_position_id_fkey FOREIGN KEY (tenant_id, end_position_id)
        REFERENCES positions (tenant_id, id) ON DELETE SET NULL (end_position_id);


-- charging_processes. position_id has no ON DELETE action, as in TeslaMate.

CREATE SEQUENCE charging_processes_id_seq;

CREATE TABLE charging_processes (
    id integer NOT NULL DEFAULT nextval('charging_processes_id_seq'),
    start_date timestamp NOT NULL,
    end_date timestamp,
    charge_energy_added numeric(8,2),
    start_ideal_range_km numeric(6,2),
    end_ideal_range_km numeric(6,2),
    start_battery_level smallint,
    end_battery_level smallint,
    duration_min smallint,
    outside_temp_avg numeric(4,1),
    car_id smallint NOT NULL,
    position_id integer NOT NULL,
    address_id integer,
    start_rated_range_km numeric(6,2),
    end_rated_range_km numeric(6,2),
    geofence_id integer,
    charge_energy_used numeric(8,2),
    cost numeric(14,2),
    tenant_id uuid NOT NULL,
    CONSTRAINT charging_processes_pkey PRIMARY KEY (id),
    CONSTRAINT charging_processes_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT charging_processes_position_id_fkey FOREIGN KEY (tenant_id, position_id)
        REFERENCES positions (tenant_id, id),
    CONSTRAINT charging_processes_address_id_fkey FOREIGN KEY (address_id)
        REFERENCES addresses (id) ON DELETE SET NULL,
    CONSTRAINT charging_processes_geofence_id_fkey FOREIGN KEY (tenant_id, geofence_id)
        REFERENCES geofences (tenant_id, id) ON DELETE SET NULL (geofence_id),
    CONSTRAINT charging_processes_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE charging_processes_id_seq OWNED BY charging_processes.id;

CREATE INDEX charging_processes_car_id_index ON charging_processes (car_id);

CREATE INDEX charging_processes_position_id_index ON charging_processes (position_id);

CREATE INDEX charging_processes_address_id_index ON charging_processes (address_id);

CREATE UNIQUE INDEX charging_processes_tenant_id_id_index ON charging_processes (tenant_id, id);

CREATE UNIQUE INDEX charging_processes_one_open_per_car_index
    ON charging_processes (car_id) WHERE end_date IS NULL;


-- charges: the samples of a charging process

CREATE SEQUENCE charges_id_seq;

CREATE TABLE charges (
    id integer NOT NULL DEFAULT nextval('charges_id_seq'),
    date timestamp NOT NULL,
    battery_heater_on boolean,
    battery_level smallint,
    charge_energy_added numeric(8,2) NOT NULL,
    charger_actual_current smallint,
    charger_phases smallint,
    charger_pilot_current smallint,
    charger_power smallint NOT NULL,
    charger_voltage smallint,
    fast_charger_present boolean,
    conn_charge_cable varchar(255),
    fast_charger_brand varchar(255),
    fast_charger_type varchar(255),
    ideal_battery_range_km numeric(6,2) NOT NULL,
    not_enough_power_to_heat boolean,
    outside_temp numeric(4,1),
    charging_process_id integer NOT NULL,
    battery_heater boolean,
    battery_heater_no_power boolean,
    rated_battery_range_km numeric(6,2),
    usable_battery_level smallint,
    tenant_id uuid NOT NULL,
    CONSTRAINT charges_pkey PRIMARY KEY (id),
    CONSTRAINT positive_charger_phases CHECK (charger_phases > 0),
    CONSTRAINT charges_charging_process_id_fkey FOREIGN KEY (tenant_id, charging_process_id)
        REFERENCES charging_processes (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT charges_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE charges_id_seq OWNED BY charges.id;

CREATE INDEX charges_date_index ON charges (date);

CREATE INDEX charges_charging_process_id_index ON charges (charging_process_id);

CREATE INDEX charges_tenant_id_index ON charges (tenant_id);


-- states: online / offline / asleep periods, at most one open per car

CREATE SEQUENCE states_id_seq;

CREATE TABLE states (
    id integer NOT NULL DEFAULT nextval('states_id_seq'),
    state states_status NOT NULL,
    start_date timestamp NOT NULL,
    end_date timestamp,
    car_id smallint NOT NULL,
    tenant_id uuid NOT NULL,
    CONSTRAINT states_pkey PRIMARY KEY (id),
    CONSTRAINT positive_duration CHECK (end_date >= start_date),
    CONSTRAINT states_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT states_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE states_id_seq OWNED BY states.id;

CREATE INDEX states_car_id_index ON states (car_id);

CREATE UNIQUE INDEX "states_car_id__end_date_IS_NULL_index"
    ON states (car_id, (end_date IS NULL)) WHERE end_date IS NULL;

CREATE INDEX states_tenant_id_index ON states (tenant_id);


-- updates: firmware updates

CREATE SEQUENCE updates_id_seq;

CREATE TABLE updates (
    id integer NOT NULL DEFAULT nextval('updates_id_seq'),
    start_date timestamp NOT NULL,
    end_date timestamp,
    version varchar(255),
    car_id smallint NOT NULL,
    tenant_id uuid NOT NULL,
    CONSTRAINT updates_pkey PRIMARY KEY (id),
    CONSTRAINT positive_duration CHECK (end_date >= start_date),
    CONSTRAINT updates_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT updates_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE updates_id_seq OWNED BY updates.id;

CREATE INDEX updates_car_id_index ON updates (car_id);

CREATE INDEX updates_tenant_id_index ON updates (tenant_id);


-- private.tokens: the tenant's Tesla tokens, encrypted (TeslaMate's vault
-- format). One row per tenant.

CREATE SCHEMA private;

CREATE SEQUENCE private.tokens_id_seq;

CREATE TABLE private.tokens (
    id integer NOT NULL DEFAULT nextval('private.tokens_id_seq'),
    inserted_at timestamp(0) NOT NULL,
    updated_at timestamp(0) NOT NULL,
    refresh bytea,
    access bytea,
    tenant_id uuid NOT NULL,
    CONSTRAINT tokens_pkey PRIMARY KEY (id),
    CONSTRAINT tokens_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES public.tenants (id) ON DELETE CASCADE
);

ALTER SEQUENCE private.tokens_id_seq OWNED BY private.tokens.id;

CREATE UNIQUE INDEX tokens_tenant_id_index ON private.tokens (tenant_id);


-- CSV import bookkeeping. The application sets import_runs.status to
-- running, complete or abandoned. One import runs at a time per source
-- key and tenant.

CREATE TABLE import_runs (
    id bigserial NOT NULL,
    source_key varchar(255) NOT NULL,
    status varchar(255) NOT NULL,
    timezone varchar(255) NOT NULL,
    date_limit timestamp,
    date_limit_captured boolean NOT NULL DEFAULT false,
    car_id bigint,
    inserted_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    tenant_id uuid NOT NULL,
    CONSTRAINT import_runs_pkey PRIMARY KEY (id),
    CONSTRAINT import_runs_car_id_fkey FOREIGN KEY (tenant_id, car_id)
        REFERENCES cars (tenant_id, id) ON DELETE SET NULL (car_id),
    CONSTRAINT import_runs_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX import_runs_one_running_per_source
    ON import_runs (tenant_id, source_key) WHERE status = 'running';

CREATE UNIQUE INDEX import_runs_tenant_id_id_index ON import_runs (tenant_id, id);

CREATE TABLE import_file_checkpoints (
    id bigserial NOT NULL,
    run_id bigint NOT NULL,
    file_name varchar(255) NOT NULL,
    file_fingerprint varchar(255) NOT NULL,
    completed_at timestamp NOT NULL,
    inserted_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    tenant_id uuid NOT NULL,
    CONSTRAINT import_file_checkpoints_pkey PRIMARY KEY (id),
    CONSTRAINT import_file_checkpoints_run_id_fkey FOREIGN KEY (tenant_id, run_id)
        REFERENCES import_runs (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT import_file_checkpoints_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX import_file_checkpoints_identity
    ON import_file_checkpoints (run_id, file_name, file_fingerprint);

CREATE INDEX import_file_checkpoints_tenant_id_index ON import_file_checkpoints (tenant_id);

CREATE TABLE import_rejections (
    id bigserial NOT NULL,
    run_id bigint NOT NULL,
    file_name varchar(255) NOT NULL,
    file_fingerprint varchar(255) NOT NULL,
    "row" integer NOT NULL,
    reason varchar(255) NOT NULL,
    fields varchar(255)[] NOT NULL DEFAULT '{}',
    inserted_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    tenant_id uuid NOT NULL,
    CONSTRAINT import_rejections_pkey PRIMARY KEY (id),
    CONSTRAINT import_rejections_run_id_fkey FOREIGN KEY (tenant_id, run_id)
        REFERENCES import_runs (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT import_rejections_tenant_id_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX import_rejections_row_identity
    ON import_rejections (run_id, file_name, file_fingerprint, "row");

CREATE INDEX import_rejections_tenant_id_index ON import_rejections (tenant_id);


-- Unit conversion helpers for the Grafana dashboards (the collector does
-- not call them). TeslaMate declares numeric(6,2) and numeric(4,1) here,
-- but PostgreSQL drops the precision of function arguments and results,
-- so the results are not rounded. The declarations below say so plainly.

CREATE FUNCTION convert_km(n numeric, unit text) RETURNS numeric
    LANGUAGE sql VOLATILE COST 100
    AS $body$
        SELECT CASE $2 WHEN 'km' THEN $1
                       WHEN 'mi' THEN $1 / 1.60934
               END
    $body$;

CREATE FUNCTION convert_celsius(n numeric, unit text) RETURNS numeric
    LANGUAGE sql VOLATILE COST 100
    AS $body$
        SELECT CASE $2 WHEN 'C' THEN $1
                       WHEN 'F' THEN ($1 * 9 / 5) + 32
               END
    $body$;

CREATE FUNCTION convert_m(n double precision, unit text) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT
    AS $body$
        SELECT CASE WHEN $2 = 'm' THEN $1
                    WHEN $2 = 'ft' THEN $1 * 3.28084
               END
    $body$;

CREATE FUNCTION convert_tire_pressure(n numeric, varchar) RETURNS numeric
    LANGUAGE sql VOLATILE COST 100
    AS $body$
        SELECT CASE $2 WHEN 'bar' THEN $1
                       WHEN 'psi' THEN $1 * 14.503773773
               END
    $body$;
