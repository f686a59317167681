#!/usr/bin/env bash
# The schema migrations: TeslaMate's tables, columns, types, indexes and
# constraints with tenant_id added, exact rollback, row-level security
# between tenants, the open-session indexes and atomic migrations.

. "$(dirname "$0")/../lib/e2e.sh"

# Tables with a tenant_id column, each under row-level security.
TENANT_TABLES="car_settings cars charges charging_processes drives geofences
    import_file_checkpoints import_rejections import_runs positions
    private.tokens settings states subscriptions updates vehicles"

# Every table 0001 creates. Later migrations may add more, which the
# checks below leave alone.
SCHEMA_TABLES="addresses car_settings cars charges charging_processes drives geofences
    import_file_checkpoints import_rejections import_runs positions private.tokens
    settings states subscriptions tenants updates vehicles"

# The scripts under test, for the runner (fresh_database included) and for
# the tests that copy some of them.
export TENANTMATE_MIGRATIONS_DIR=${TENANTMATE_MIGRATIONS_DIR:-$ROOT/sql/migrations}
MIGRATIONS=$TENANTMATE_MIGRATIONS_DIR

# An SQL array of the tables above, for "c.oid = ANY ($(schema_tables_sql))".
schema_tables_sql() {
    local list="" table
    for table in $SCHEMA_TABLES; do
        list+="${list:+, }'$table'"
    done
    echo "ARRAY[$list]::regclass[]"
}

migrate() {
    "$BIN/tenantmate" migrate "$@" >>"$TEST_TMP/migrate.log" 2>&1
}

# Run psql on a script from standard input, stopping at the first error.
psql_script() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# The schema as pg_dump prints it (tables, indexes, constraints, functions,
# grants, policies), without the migration runner's own table and without
# comments and pg_dump's random \restrict key.
schema_dump() {
    pg_dump --schema-only --exclude-table=public.tenantmate_schema_migrations "$@" |
        grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^$'
}

# Every column of the tables 0001 creates, in column order:
# "schema.table.column|type|NULL or NOT NULL".
column_list() {
    sql "SELECT n.nspname || '.' || c.relname || '.' || a.attname || '|'
                || format_type(a.atttypid, a.atttypmod) || '|'
                || CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = ANY ($(schema_tables_sql))
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY n.nspname, c.relname, a.attnum"
}

# Insert one row into every tenant-owned table for tenant $1, as the table
# owner. Every tenant's car gets the same eid, vid and VIN, which
# per-tenant uniqueness allows.
seed_tenant() {
    psql_script -v tenant="$1" <<'SQL'
INSERT INTO tenants (id, name) VALUES (:'tenant', 'tenant ' || :'tenant');
WITH s AS (INSERT INTO car_settings (tenant_id) VALUES (:'tenant') RETURNING id)
INSERT INTO cars (tenant_id, eid, vid, vin, settings_id, inserted_at, updated_at)
    SELECT :'tenant', 1001, 2001, '5YJ3E7EB0KF000001', id, now(), now() FROM s;
INSERT INTO settings (tenant_id, inserted_at, updated_at) VALUES (:'tenant', now(), now());
INSERT INTO geofences (tenant_id, name, latitude, longitude, inserted_at, updated_at)
    VALUES (:'tenant', 'Home', 52.5, 13.4, now(), now());
INSERT INTO positions (tenant_id, car_id, date, latitude, longitude)
    SELECT :'tenant', id, '2024-05-01 10:00:00', 52.5, 13.4 FROM cars WHERE tenant_id = :'tenant';
INSERT INTO drives (tenant_id, car_id, start_date, end_date, start_position_id, start_geofence_id)
    SELECT :'tenant', c.id, '2024-05-01 10:00:00', '2024-05-01 10:30:00', p.id, g.id
    FROM cars c, positions p, geofences g
    WHERE c.tenant_id = :'tenant' AND p.tenant_id = :'tenant' AND g.tenant_id = :'tenant';
UPDATE positions SET drive_id = (SELECT id FROM drives WHERE tenant_id = :'tenant')
    WHERE tenant_id = :'tenant';
INSERT INTO charging_processes (tenant_id, car_id, position_id, start_date, end_date)
    SELECT :'tenant', car_id, id, '2024-05-01 12:00:00', '2024-05-01 13:00:00' FROM positions
    WHERE tenant_id = :'tenant';
INSERT INTO charges (tenant_id, charging_process_id, date, charge_energy_added,
                     charger_power, ideal_battery_range_km)
    SELECT :'tenant', id, '2024-05-01 12:01:00', 0.5, 11, 300 FROM charging_processes
    WHERE tenant_id = :'tenant';
INSERT INTO states (tenant_id, car_id, state, start_date, end_date)
    SELECT :'tenant', id, 'online', '2024-05-01 09:00:00', '2024-05-01 14:00:00' FROM cars
    WHERE tenant_id = :'tenant';
INSERT INTO updates (tenant_id, car_id, start_date, version)
    SELECT :'tenant', id, '2024-05-02 03:00:00', '2024.14.9' FROM cars WHERE tenant_id = :'tenant';
INSERT INTO private.tokens (tenant_id, inserted_at, updated_at, refresh, access)
    VALUES (:'tenant', now(), now(), '\x01'::bytea, '\x02'::bytea);
INSERT INTO subscriptions (tenant_id, plan_name, status) VALUES (:'tenant', 'basic', 'Active');
INSERT INTO vehicles (tenant_id, tesla_vehicle_id, vin) VALUES (:'tenant', 1001, '5YJ3E7EB0KF000001');
INSERT INTO import_runs (tenant_id, source_key, status, timezone, inserted_at, updated_at)
    VALUES (:'tenant', 'upload-1', 'running', 'Europe/Berlin', now(), now());
INSERT INTO import_file_checkpoints (tenant_id, run_id, file_name, file_fingerprint,
                                     completed_at, inserted_at, updated_at)
    SELECT :'tenant', id, 'a.csv', 'f1', now(), now(), now() FROM import_runs
    WHERE tenant_id = :'tenant';
INSERT INTO import_rejections (tenant_id, run_id, file_name, file_fingerprint, "row", reason,
                               inserted_at, updated_at)
    SELECT :'tenant', id, 'a.csv', 'f1', 7, 'bad date', now(), now() FROM import_runs
    WHERE tenant_id = :'tenant';
SQL
}

# A query returning "table=rows ..." for tenants, addresses and every
# tenant-owned table, in the order given.
COUNTED_TABLES="tenants addresses $TENANT_TABLES"
count_rows_query() {
    local query="" table
    for table in $COUNTED_TABLES; do
        query+="${query:+ UNION ALL }SELECT '$table' AS name, count(*) AS n FROM $table"
    done
    echo "SELECT string_agg(name || '=' || n, ' ') FROM ($query) counted"
}

# "table=N" for every counted table, with addresses=$2.
expected_counts() {
    local n=$1 addresses=$2 out="" table
    for table in $COUNTED_TABLES; do
        if [ "$table" = addresses ]; then
            out+="${out:+ }$table=$addresses"
        else
            out+="${out:+ }$table=$n"
        fi
    done
    echo "$out"
}

# Run SQL in one transaction as role $1 with tenantmate.tenant_id set to $2
# (no setting when $2 is empty), the way workers do.
as_role() {
    local role=$1 tenant=$2 query=$3 setting=""
    [ -n "$tenant" ] && setting="SELECT set_config('tenantmate.tenant_id', '$tenant', true) \\gset"
    psql_script <<SQL
BEGIN;
SET LOCAL ROLE $role;
$setting
$query;
COMMIT;
SQL
}

test_columns_match_teslamate() {
    fresh_database
    local expected
    expected=$(cat <<'EOF'
private.tokens.id|integer|NOT NULL
private.tokens.inserted_at|timestamp(0) without time zone|NOT NULL
private.tokens.updated_at|timestamp(0) without time zone|NOT NULL
private.tokens.refresh|bytea|NULL
private.tokens.access|bytea|NULL
private.tokens.tenant_id|uuid|NOT NULL
public.addresses.id|integer|NOT NULL
public.addresses.display_name|character varying(512)|NULL
public.addresses.latitude|numeric(8,6)|NULL
public.addresses.longitude|numeric(9,6)|NULL
public.addresses.name|character varying(255)|NULL
public.addresses.house_number|character varying(255)|NULL
public.addresses.road|character varying(255)|NULL
public.addresses.neighbourhood|character varying(255)|NULL
public.addresses.city|character varying(255)|NULL
public.addresses.county|character varying(255)|NULL
public.addresses.postcode|character varying(255)|NULL
public.addresses.state|character varying(255)|NULL
public.addresses.state_district|character varying(255)|NULL
public.addresses.country|character varying(255)|NULL
public.addresses.raw|jsonb|NULL
public.addresses.inserted_at|timestamp(0) without time zone|NOT NULL
public.addresses.updated_at|timestamp(0) without time zone|NOT NULL
public.addresses.osm_id|bigint|NULL
public.addresses.osm_type|text|NULL
public.car_settings.id|bigint|NOT NULL
public.car_settings.suspend_min|integer|NOT NULL
public.car_settings.suspend_after_idle_min|integer|NOT NULL
public.car_settings.req_not_unlocked|boolean|NOT NULL
public.car_settings.free_supercharging|boolean|NOT NULL
public.car_settings.use_streaming_api|boolean|NOT NULL
public.car_settings.enabled|boolean|NOT NULL
public.car_settings.lfp_battery|boolean|NOT NULL
public.car_settings.tenant_id|uuid|NOT NULL
public.cars.id|smallint|NOT NULL
public.cars.eid|bigint|NOT NULL
public.cars.vid|bigint|NOT NULL
public.cars.model|character varying(255)|NULL
public.cars.efficiency|double precision|NULL
public.cars.inserted_at|timestamp(0) without time zone|NOT NULL
public.cars.updated_at|timestamp(0) without time zone|NOT NULL
public.cars.vin|text|NOT NULL
public.cars.name|text|NULL
public.cars.trim_badging|text|NULL
public.cars.settings_id|bigint|NOT NULL
public.cars.exterior_color|text|NULL
public.cars.spoiler_type|text|NULL
public.cars.wheel_type|text|NULL
public.cars.display_priority|smallint|NOT NULL
public.cars.marketing_name|character varying(255)|NULL
public.cars.tenant_id|uuid|NOT NULL
public.charges.id|integer|NOT NULL
public.charges.date|timestamp without time zone|NOT NULL
public.charges.battery_heater_on|boolean|NULL
public.charges.battery_level|smallint|NULL
public.charges.charge_energy_added|numeric(8,2)|NOT NULL
public.charges.charger_actual_current|smallint|NULL
public.charges.charger_phases|smallint|NULL
public.charges.charger_pilot_current|smallint|NULL
public.charges.charger_power|smallint|NOT NULL
public.charges.charger_voltage|smallint|NULL
public.charges.fast_charger_present|boolean|NULL
public.charges.conn_charge_cable|character varying(255)|NULL
public.charges.fast_charger_brand|character varying(255)|NULL
public.charges.fast_charger_type|character varying(255)|NULL
public.charges.ideal_battery_range_km|numeric(6,2)|NOT NULL
public.charges.not_enough_power_to_heat|boolean|NULL
public.charges.outside_temp|numeric(4,1)|NULL
public.charges.charging_process_id|integer|NOT NULL
public.charges.battery_heater|boolean|NULL
public.charges.battery_heater_no_power|boolean|NULL
public.charges.rated_battery_range_km|numeric(6,2)|NULL
public.charges.usable_battery_level|smallint|NULL
public.charges.tenant_id|uuid|NOT NULL
public.charging_processes.id|integer|NOT NULL
public.charging_processes.start_date|timestamp without time zone|NOT NULL
public.charging_processes.end_date|timestamp without time zone|NULL
public.charging_processes.charge_energy_added|numeric(8,2)|NULL
public.charging_processes.start_ideal_range_km|numeric(6,2)|NULL
public.charging_processes.end_ideal_range_km|numeric(6,2)|NULL
public.charging_processes.start_battery_level|smallint|NULL
public.charging_processes.end_battery_level|smallint|NULL
public.charging_processes.duration_min|smallint|NULL
public.charging_processes.outside_temp_avg|numeric(4,1)|NULL
public.charging_processes.car_id|smallint|NOT NULL
public.charging_processes.position_id|integer|NOT NULL
public.charging_processes.address_id|integer|NULL
public.charging_processes.start_rated_range_km|numeric(6,2)|NULL
public.charging_processes.end_rated_range_km|numeric(6,2)|NULL
public.charging_processes.geofence_id|integer|NULL
public.charging_processes.charge_energy_used|numeric(8,2)|NULL
public.charging_processes.cost|numeric(14,2)|NULL
public.charging_processes.tenant_id|uuid|NOT NULL
public.drives.id|integer|NOT NULL
public.drives.start_date|timestamp without time zone|NOT NULL
public.drives.end_date|timestamp without time zone|NULL
public.drives.outside_temp_avg|numeric(4,1)|NULL
public.drives.speed_max|smallint|NULL
public.drives.power_max|smallint|NULL
public.drives.power_min|smallint|NULL
public.drives.start_ideal_range_km|numeric(6,2)|NULL
public.drives.end_ideal_range_km|numeric(6,2)|NULL
public.drives.start_km|double precision|NULL
public.drives.end_km|double precision|NULL
public.drives.distance|double precision|NULL
public.drives.duration_min|smallint|NULL
public.drives.car_id|smallint|NOT NULL
public.drives.inside_temp_avg|numeric(4,1)|NULL
public.drives.start_address_id|integer|NULL
public.drives.end_address_id|integer|NULL
public.drives.start_rated_range_km|numeric(6,2)|NULL
public.drives.end_rated_range_km|numeric(6,2)|NULL
public.drives.start_position_id|integer|NULL
public.drives.end_position_id|integer|NULL
public.drives.start_geofence_id|integer|NULL
public.drives.end_geofence_id|integer|NULL
public.drives.ascent|smallint|NULL
public.drives.descent|smallint|NULL
public.drives.tenant_id|uuid|NOT NULL
public.geofences.id|integer|NOT NULL
public.geofences.name|character varying(255)|NOT NULL
public.geofences.latitude|numeric(8,6)|NOT NULL
public.geofences.longitude|numeric(9,6)|NOT NULL
public.geofences.radius|smallint|NOT NULL
public.geofences.inserted_at|timestamp(0) without time zone|NOT NULL
public.geofences.updated_at|timestamp(0) without time zone|NOT NULL
public.geofences.cost_per_unit|numeric(9,4)|NULL
public.geofences.session_fee|numeric(14,2)|NULL
public.geofences.billing_type|billing_type|NOT NULL
public.geofences.tenant_id|uuid|NOT NULL
public.import_file_checkpoints.id|bigint|NOT NULL
public.import_file_checkpoints.run_id|bigint|NOT NULL
public.import_file_checkpoints.file_name|character varying(255)|NOT NULL
public.import_file_checkpoints.file_fingerprint|character varying(255)|NOT NULL
public.import_file_checkpoints.completed_at|timestamp without time zone|NOT NULL
public.import_file_checkpoints.inserted_at|timestamp without time zone|NOT NULL
public.import_file_checkpoints.updated_at|timestamp without time zone|NOT NULL
public.import_file_checkpoints.tenant_id|uuid|NOT NULL
public.import_rejections.id|bigint|NOT NULL
public.import_rejections.run_id|bigint|NOT NULL
public.import_rejections.file_name|character varying(255)|NOT NULL
public.import_rejections.file_fingerprint|character varying(255)|NOT NULL
public.import_rejections.row|integer|NOT NULL
public.import_rejections.reason|character varying(255)|NOT NULL
public.import_rejections.fields|character varying(255)[]|NOT NULL
public.import_rejections.inserted_at|timestamp without time zone|NOT NULL
public.import_rejections.updated_at|timestamp without time zone|NOT NULL
public.import_rejections.tenant_id|uuid|NOT NULL
public.import_runs.id|bigint|NOT NULL
public.import_runs.source_key|character varying(255)|NOT NULL
public.import_runs.status|character varying(255)|NOT NULL
public.import_runs.timezone|character varying(255)|NOT NULL
public.import_runs.date_limit|timestamp without time zone|NULL
public.import_runs.date_limit_captured|boolean|NOT NULL
public.import_runs.car_id|bigint|NULL
public.import_runs.inserted_at|timestamp without time zone|NOT NULL
public.import_runs.updated_at|timestamp without time zone|NOT NULL
public.import_runs.tenant_id|uuid|NOT NULL
public.positions.id|integer|NOT NULL
public.positions.date|timestamp without time zone|NOT NULL
public.positions.latitude|numeric(8,6)|NOT NULL
public.positions.longitude|numeric(9,6)|NOT NULL
public.positions.speed|smallint|NULL
public.positions.power|smallint|NULL
public.positions.odometer|double precision|NULL
public.positions.ideal_battery_range_km|numeric(6,2)|NULL
public.positions.battery_level|smallint|NULL
public.positions.outside_temp|numeric(4,1)|NULL
public.positions.elevation|smallint|NULL
public.positions.fan_status|integer|NULL
public.positions.driver_temp_setting|numeric(4,1)|NULL
public.positions.passenger_temp_setting|numeric(4,1)|NULL
public.positions.is_climate_on|boolean|NULL
public.positions.is_rear_defroster_on|boolean|NULL
public.positions.is_front_defroster_on|boolean|NULL
public.positions.car_id|smallint|NOT NULL
public.positions.drive_id|integer|NULL
public.positions.inside_temp|numeric(4,1)|NULL
public.positions.battery_heater|boolean|NULL
public.positions.battery_heater_on|boolean|NULL
public.positions.battery_heater_no_power|boolean|NULL
public.positions.est_battery_range_km|numeric(6,2)|NULL
public.positions.rated_battery_range_km|numeric(6,2)|NULL
public.positions.usable_battery_level|smallint|NULL
public.positions.tpms_pressure_fl|numeric(4,1)|NULL
public.positions.tpms_pressure_fr|numeric(4,1)|NULL
public.positions.tpms_pressure_rl|numeric(4,1)|NULL
public.positions.tpms_pressure_rr|numeric(4,1)|NULL
public.positions.tenant_id|uuid|NOT NULL
public.settings.id|bigint|NOT NULL
public.settings.inserted_at|timestamp(0) without time zone|NOT NULL
public.settings.updated_at|timestamp(0) without time zone|NOT NULL
public.settings.unit_of_length|unit_of_length|NOT NULL
public.settings.unit_of_temperature|unit_of_temperature|NOT NULL
public.settings.preferred_range|range|NOT NULL
public.settings.base_url|character varying(255)|NULL
public.settings.grafana_url|character varying(255)|NULL
public.settings.language|text|NOT NULL
public.settings.unit_of_pressure|unit_of_pressure|NOT NULL
public.settings.theme_mode|text|NOT NULL
public.settings.tenant_id|uuid|NOT NULL
public.states.id|integer|NOT NULL
public.states.state|states_status|NOT NULL
public.states.start_date|timestamp without time zone|NOT NULL
public.states.end_date|timestamp without time zone|NULL
public.states.car_id|smallint|NOT NULL
public.states.tenant_id|uuid|NOT NULL
public.subscriptions.id|uuid|NOT NULL
public.subscriptions.tenant_id|uuid|NOT NULL
public.subscriptions.plan_name|text|NOT NULL
public.subscriptions.max_vehicles|integer|NULL
public.subscriptions.data_retention_days|integer|NULL
public.subscriptions.status|text|NOT NULL
public.subscriptions.start_date|timestamp with time zone|NOT NULL
public.subscriptions.end_date|timestamp with time zone|NULL
public.tenants.id|uuid|NOT NULL
public.tenants.name|text|NULL
public.tenants.created_at|timestamp with time zone|NOT NULL
public.tenants.deleted_at|timestamp with time zone|NULL
public.updates.id|integer|NOT NULL
public.updates.start_date|timestamp without time zone|NOT NULL
public.updates.end_date|timestamp without time zone|NULL
public.updates.version|character varying(255)|NULL
public.updates.car_id|smallint|NOT NULL
public.updates.tenant_id|uuid|NOT NULL
public.vehicles.id|uuid|NOT NULL
public.vehicles.tenant_id|uuid|NOT NULL
public.vehicles.tesla_vehicle_id|bigint|NOT NULL
public.vehicles.vin|text|NULL
public.vehicles.display_name|text|NULL
public.vehicles.collector_status|text|NOT NULL
public.vehicles.last_error|text|NULL
public.vehicles.updated_at|timestamp with time zone|NOT NULL
EOF
)
    local actual
    actual=$(column_list)
    if [ "$actual" != "$expected" ]; then
        diff <(echo "$expected") <(echo "$actual") >&2
        fail "columns differ from the expected schema (diff: < expected, > actual)"
    fi

    # The same precision as information_schema reports it to clients.
    expect_eq "$(sql "SELECT data_type || ' ' || numeric_precision || ',' || numeric_scale
                      FROM information_schema.columns
                      WHERE table_name = 'drives' AND column_name = 'outside_temp_avg'")" \
        "numeric 4,1" "drives.outside_temp_avg in information_schema"
    expect_eq "$(sql "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                      FROM pg_enum WHERE enumtypid = 'states_status'::regtype")" \
        "online,offline,asleep" "states_status labels"
    expect_eq "$(sql "SELECT string_agg(t.typname || '=' || (SELECT string_agg(enumlabel, ','
                                ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), ' '
                             ORDER BY t.typname)
                      FROM pg_type t WHERE t.typtype = 'e'
                        AND t.typnamespace = 'public'::regnamespace")" \
        "billing_type=per_kwh,per_minute range=ideal,rated states_status=online,offline,asleep unit_of_length=km,mi unit_of_pressure=bar,psi unit_of_temperature=C,F" \
        "enum types"
}

test_defaults_and_sequences() {
    fresh_database
    local expected actual
    expected=$(cat <<'EOF'
addresses.id = nextval('addresses_id_seq'::regclass)
car_settings.enabled = true
car_settings.free_supercharging = false
car_settings.id = nextval('car_settings_id_seq'::regclass)
car_settings.lfp_battery = false
car_settings.req_not_unlocked = false
car_settings.suspend_after_idle_min = 15
car_settings.suspend_min = 21
car_settings.use_streaming_api = true
cars.display_priority = 1
cars.id = nextval('cars_id_seq'::regclass)
charges.id = nextval('charges_id_seq'::regclass)
charging_processes.id = nextval('charging_processes_id_seq'::regclass)
drives.id = nextval('trips_id_seq'::regclass)
geofences.billing_type = 'per_kwh'::billing_type
geofences.id = nextval('geofences_id_seq'::regclass)
geofences.radius = 25
import_file_checkpoints.id = nextval('import_file_checkpoints_id_seq'::regclass)
import_rejections.fields = '{}'::character varying[]
import_rejections.id = nextval('import_rejections_id_seq'::regclass)
import_runs.date_limit_captured = false
import_runs.id = nextval('import_runs_id_seq'::regclass)
positions.id = nextval('positions_id_seq'::regclass)
settings.id = nextval('settings_id_seq'::regclass)
settings.language = 'en'::text
settings.preferred_range = 'rated'::range
settings.theme_mode = 'system'::text
settings.unit_of_length = 'km'::unit_of_length
settings.unit_of_pressure = 'bar'::unit_of_pressure
settings.unit_of_temperature = 'C'::unit_of_temperature
states.id = nextval('states_id_seq'::regclass)
subscriptions.id = gen_random_uuid()
subscriptions.start_date = now()
tenants.created_at = now()
tenants.id = gen_random_uuid()
tokens.id = nextval('private.tokens_id_seq'::regclass)
updates.id = nextval('updates_id_seq'::regclass)
vehicles.collector_status = 'pending'::text
vehicles.id = gen_random_uuid()
vehicles.updated_at = now()
EOF
)
    actual=$(sql "SELECT c.relname || '.' || a.attname || ' = ' || pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_attrdef d
                  JOIN pg_class c ON c.oid = d.adrelid
                  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                  WHERE c.oid = ANY ($(schema_tables_sql))
                  ORDER BY 1")
    if [ "$actual" != "$expected" ]; then
        diff <(echo "$expected") <(echo "$actual") >&2
        fail "column defaults differ (diff: < expected, > actual)"
    fi

    # TeslaMate's ids began as bigserial: the sequences stayed bigint when
    # the columns were narrowed. drives keeps the names it had as trips.
    expect_eq "$(sql "SELECT string_agg(sequence || '=' || data_type, ' ' ORDER BY sequence)
                      FROM (SELECT pg_get_serial_sequence(t::text, 'id') AS sequence
                            FROM unnest($(schema_tables_sql)) t) owned
                      JOIN pg_sequences s
                        ON format('%I.%I', s.schemaname, s.sequencename) = owned.sequence")" \
        "private.tokens_id_seq=bigint public.addresses_id_seq=bigint public.car_settings_id_seq=bigint public.cars_id_seq=bigint public.charges_id_seq=bigint public.charging_processes_id_seq=bigint public.geofences_id_seq=bigint public.import_file_checkpoints_id_seq=bigint public.import_rejections_id_seq=bigint public.import_runs_id_seq=bigint public.positions_id_seq=bigint public.settings_id_seq=bigint public.states_id_seq=bigint public.trips_id_seq=bigint public.updates_id_seq=bigint" \
        "sequences"
    expect_eq "$(sql "SELECT pg_get_serial_sequence('drives', 'id')")" "public.trips_id_seq" \
        "sequence owned by drives.id"
    expect_eq "$(sql "SELECT conname FROM pg_constraint
                      WHERE conrelid = 'drives'::regclass AND contype = 'p'")" \
        "trips_pkey" "drives primary key name"
    expect_eq "$(sql "SELECT pg_get_serial_sequence('private.tokens', 'id')")" \
        "private.tokens_id_seq" "sequence owned by private.tokens.id"
}

test_indexes_match_teslamate() {
    # TeslaMate's schema is 0001 and 0002; later migrations add tenantmate's
    # own constraints and indexes, which other tests cover.
    fresh_database none
    fresh_database_from "$(schema_migrations_dir 0002)"
    local expected actual
    expected=$(cat <<'EOF'
addresses_osm_id_osm_type_index | UNIQUE public.addresses USING btree (osm_id, osm_type)
addresses_pkey | UNIQUE public.addresses USING btree (id)
car_settings_pkey | UNIQUE public.car_settings USING btree (id)
car_settings_tenant_id_id_index | UNIQUE public.car_settings USING btree (tenant_id, id)
cars_eid_index | UNIQUE public.cars USING btree (tenant_id, eid)
cars_pkey | UNIQUE public.cars USING btree (id)
cars_settings_id_index | UNIQUE public.cars USING btree (settings_id)
cars_tenant_id_id_index | UNIQUE public.cars USING btree (tenant_id, id)
cars_vid_index | UNIQUE public.cars USING btree (tenant_id, vid)
cars_vin_index | UNIQUE public.cars USING btree (tenant_id, vin)
charges_charging_process_id_index | public.charges USING btree (charging_process_id)
charges_date_index | public.charges USING btree (date)
charges_pkey | UNIQUE public.charges USING btree (id)
charges_tenant_id_index | public.charges USING btree (tenant_id)
charging_processes_address_id_index | public.charging_processes USING btree (address_id)
charging_processes_car_id_index | public.charging_processes USING btree (car_id)
charging_processes_one_open_per_car_index | UNIQUE public.charging_processes USING btree (car_id) WHERE (end_date IS NULL)
charging_processes_pkey | UNIQUE public.charging_processes USING btree (id)
charging_processes_position_id_index | public.charging_processes USING btree (position_id)
charging_processes_tenant_id_id_index | UNIQUE public.charging_processes USING btree (tenant_id, id)
drives_end_geofence_id_index | public.drives USING btree (end_geofence_id)
drives_end_position_id_index | public.drives USING btree (end_position_id)
drives_one_open_per_car_index | UNIQUE public.drives USING btree (car_id) WHERE (end_date IS NULL)
drives_start_geofence_id_index | public.drives USING btree (start_geofence_id)
drives_start_position_id_index | public.drives USING btree (start_position_id)
drives_tenant_id_id_index | UNIQUE public.drives USING btree (tenant_id, id)
trips_car_id_index | public.drives USING btree (car_id)
trips_end_address_id_index | public.drives USING btree (end_address_id)
trips_pkey | UNIQUE public.drives USING btree (id)
trips_start_address_id_index | public.drives USING btree (start_address_id)
geofences_pkey | UNIQUE public.geofences USING btree (id)
geofences_tenant_id_id_index | UNIQUE public.geofences USING btree (tenant_id, id)
import_file_checkpoints_identity | UNIQUE public.import_file_checkpoints USING btree (run_id, file_name, file_fingerprint)
import_file_checkpoints_pkey | UNIQUE public.import_file_checkpoints USING btree (id)
import_file_checkpoints_tenant_id_index | public.import_file_checkpoints USING btree (tenant_id)
import_rejections_pkey | UNIQUE public.import_rejections USING btree (id)
import_rejections_row_identity | UNIQUE public.import_rejections USING btree (run_id, file_name, file_fingerprint, "row")
import_rejections_tenant_id_index | public.import_rejections USING btree (tenant_id)
import_runs_one_running_per_source | UNIQUE public.import_runs USING btree (tenant_id, source_key) WHERE ((status)::text = 'running'::text)
import_runs_pkey | UNIQUE public.import_runs USING btree (id)
import_runs_tenant_id_id_index | UNIQUE public.import_runs USING btree (tenant_id, id)
positions_car_id_date__ideal_battery_range_km_IS_NOT_NULL_index | public.positions USING btree (car_id, date, ((ideal_battery_range_km IS NOT NULL))) WHERE (ideal_battery_range_km IS NOT NULL)
positions_car_id_index | public.positions USING btree (car_id)
positions_date_timestamp_minmax_multi_ops_index | public.positions USING brin (date timestamp_minmax_multi_ops) WITH (autosummarize='true', pages_per_range='64')
positions_drive_id_date_timestamp_minmax_multi_ops_index | public.positions USING brin (drive_id, date timestamp_minmax_multi_ops) WITH (autosummarize='true', pages_per_range='64')
positions_pkey | UNIQUE public.positions USING btree (id)
positions_tenant_id_id_index | UNIQUE public.positions USING btree (tenant_id, id)
settings_pkey | UNIQUE public.settings USING btree (id)
settings_tenant_id_index | UNIQUE public.settings USING btree (tenant_id)
states_car_id__end_date_IS_NULL_index | UNIQUE public.states USING btree (car_id, ((end_date IS NULL))) WHERE (end_date IS NULL)
states_car_id_index | public.states USING btree (car_id)
states_pkey | UNIQUE public.states USING btree (id)
states_tenant_id_index | public.states USING btree (tenant_id)
subscriptions_pkey | UNIQUE public.subscriptions USING btree (id)
subscriptions_tenant_id_index | public.subscriptions USING btree (tenant_id)
tenants_pkey | UNIQUE public.tenants USING btree (id)
tokens_pkey | UNIQUE private.tokens USING btree (id)
tokens_tenant_id_index | UNIQUE private.tokens USING btree (tenant_id)
updates_car_id_index | public.updates USING btree (car_id)
updates_pkey | UNIQUE public.updates USING btree (id)
updates_tenant_id_index | public.updates USING btree (tenant_id)
vehicles_pkey | UNIQUE public.vehicles USING btree (id)
vehicles_tenant_id_tesla_vehicle_id_index | UNIQUE public.vehicles USING btree (tenant_id, tesla_vehicle_id)
EOF
)
    actual=$(sql "SELECT indexname || ' | '
                         || regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \S+ ON ', '\1')
                  FROM pg_indexes
                  WHERE format('%I.%I', schemaname, tablename)::regclass = ANY ($(schema_tables_sql))
                  ORDER BY tablename, indexname")
    if [ "$actual" != "$expected" ]; then
        diff <(echo "$expected") <(echo "$actual") >&2
        fail "indexes differ (diff: < expected, > actual)"
    fi
}

test_constraints_match_teslamate() {
    # TeslaMate's schema is 0001 and 0002; later migrations add tenantmate's
    # own constraints and indexes, which other tests cover.
    fresh_database none
    fresh_database_from "$(schema_migrations_dir 0002)"
    local expected actual
    # TeslaMate's names and delete rules. Foreign keys between
    # tenant-owned tables also match tenant_id.
    expected=$(cat <<'EOF'
car_settings | car_settings_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
cars | cars_settings_id_fkey | FOREIGN KEY (tenant_id, settings_id) REFERENCES car_settings(tenant_id, id) ON DELETE CASCADE
cars | cars_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
charges | charges_charging_process_id_fkey | FOREIGN KEY (tenant_id, charging_process_id) REFERENCES charging_processes(tenant_id, id) ON DELETE CASCADE
charges | charges_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
charges | positive_charger_phases | CHECK ((charger_phases > 0))
charging_processes | charging_processes_address_id_fkey | FOREIGN KEY (address_id) REFERENCES addresses(id) ON DELETE SET NULL
charging_processes | charging_processes_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE CASCADE
charging_processes | charging_processes_geofence_id_fkey | FOREIGN KEY (tenant_id, geofence_id) REFERENCES geofences(tenant_id, id) ON DELETE SET NULL (geofence_id)
charging_processes | charging_processes_position_id_fkey | FOREIGN KEY (tenant_id, position_id) REFERENCES positions(tenant_id, id)
charging_processes | charging_processes_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
drives | drives_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE CASCADE
drives | drives_end_address_id_fkey | FOREIGN KEY (end_address_id) REFERENCES addresses(id) ON DELETE SET NULL
drives | drives_end_geofence_id_fkey | FOREIGN KEY (tenant_id, end_geofence_id) REFERENCES geofences(tenant_id, id) ON DELETE SET NULL (end_geofence_id)
drives | drives_end_position_id_fkey | FOREIGN KEY (tenant_id, end_position_id) REFERENCES positions(tenant_id, id) ON DELETE SET NULL (end_position_id)
drives | drives_start_address_id_fkey | FOREIGN KEY (start_address_id) REFERENCES addresses(id) ON DELETE SET NULL
drives | drives_start_geofence_id_fkey | FOREIGN KEY (tenant_id, start_geofence_id) REFERENCES geofences(tenant_id, id) ON DELETE SET NULL (start_geofence_id)
drives | drives_start_position_id_fkey | FOREIGN KEY (tenant_id, start_position_id) REFERENCES positions(tenant_id, id) ON DELETE SET NULL (start_position_id)
drives | drives_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
geofences | geofences_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
import_file_checkpoints | import_file_checkpoints_run_id_fkey | FOREIGN KEY (tenant_id, run_id) REFERENCES import_runs(tenant_id, id) ON DELETE CASCADE
import_file_checkpoints | import_file_checkpoints_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
import_rejections | import_rejections_run_id_fkey | FOREIGN KEY (tenant_id, run_id) REFERENCES import_runs(tenant_id, id) ON DELETE CASCADE
import_rejections | import_rejections_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
import_runs | import_runs_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE SET NULL (car_id)
import_runs | import_runs_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
positions | positions_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE CASCADE
positions | positions_drive_id_fkey | FOREIGN KEY (tenant_id, drive_id) REFERENCES drives(tenant_id, id) ON DELETE SET NULL (drive_id)
positions | positions_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
settings | settings_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
states | positive_duration | CHECK ((end_date >= start_date))
states | states_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE CASCADE
states | states_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
subscriptions | subscriptions_data_retention_days_check | CHECK ((data_retention_days > 0))
subscriptions | subscriptions_end_after_start | CHECK ((end_date >= start_date))
subscriptions | subscriptions_max_vehicles_check | CHECK ((max_vehicles >= 0))
subscriptions | subscriptions_status_check | CHECK ((status = ANY (ARRAY['Active'::text, 'Trial'::text, 'PastDue'::text, 'Canceled'::text, 'Expired'::text])))
subscriptions | subscriptions_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
tokens | tokens_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
updates | positive_duration | CHECK ((end_date >= start_date))
updates | updates_car_id_fkey | FOREIGN KEY (tenant_id, car_id) REFERENCES cars(tenant_id, id) ON DELETE CASCADE
updates | updates_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
vehicles | vehicles_collector_status_check | CHECK ((collector_status = ANY (ARRAY['pending'::text, 'active'::text, 'paused'::text, 'error'::text, 'stopped'::text])))
vehicles | vehicles_tenant_id_fkey | FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE
EOF
)
    actual=$(sql "SELECT c.relname || ' | ' || con.conname || ' | ' || pg_get_constraintdef(con.oid)
                  FROM pg_constraint con
                  JOIN pg_class c ON c.oid = con.conrelid
                  WHERE c.oid = ANY ($(schema_tables_sql)) AND con.contype IN ('f', 'c')
                  ORDER BY 1")
    if [ "$actual" != "$expected" ]; then
        diff <(echo "$expected") <(echo "$actual") >&2
        fail "constraints differ (diff: < expected, > actual)"
    fi
    expect_eq "$(sql "SELECT count(*) FROM pg_trigger
                      WHERE tgrelid = ANY ($(schema_tables_sql)) AND NOT tgisinternal")" \
        "0" "user-defined triggers"
}

test_every_tenant_table_isolated() {
    fresh_database
    local table
    for table in $TENANT_TABLES; do
        expect_eq "$(sql "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull
                          FROM pg_attribute
                          WHERE attrelid = '$table'::regclass AND attname = 'tenant_id'")" \
            "uuid true" "$table.tenant_id type and NOT NULL"
        expect_eq "$(sql "SELECT count(*) FROM pg_constraint
                          WHERE conrelid = '$table'::regclass AND contype = 'f'
                            AND confrelid = 'tenants'::regclass")" \
            "1" "$table foreign key to tenants"
        expect_ne "$(sql "SELECT count(*) FROM pg_index
                          WHERE indrelid = '$table'::regclass
                            AND indkey[0] = (SELECT attnum FROM pg_attribute
                                             WHERE attrelid = '$table'::regclass
                                               AND attname = 'tenant_id')")" \
            "0" "$table index leading with tenant_id"
        expect_eq "$(sql "SELECT relrowsecurity || ' ' || relforcerowsecurity FROM pg_class
                          WHERE oid = '$table'::regclass")" \
            "true false" "$table row-level security enabled, owner exempt"
        expect_eq "$(sql "SELECT qual || ' | ' || with_check || ' | ' || array_to_string(roles, ',')
                          FROM pg_policies
                          WHERE format('%I.%I', schemaname, tablename)::regclass = '$table'::regclass")" \
            "(tenant_id = (NULLIF(current_setting('tenantmate.tenant_id'::text, true), ''::text))::uuid) | (tenant_id = (NULLIF(current_setting('tenantmate.tenant_id'::text, true), ''::text))::uuid) | tenantmate_collector,tenantmate_reader" \
            "$table policy"
    done

    # No other table of 0001 has a tenant_id column.
    expect_eq "$(sql "SELECT string_agg(c.oid::regclass::text, ' ' ORDER BY c.oid::regclass::text)
                      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                      WHERE c.oid = ANY ($(schema_tables_sql)) AND a.attname = 'tenant_id'")" \
        "$(echo $TENANT_TABLES | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
        "tables with tenant_id"
    expect_eq "$(sql "SELECT relrowsecurity FROM pg_class WHERE oid = 'addresses'::regclass")" \
        "f" "addresses shared without row-level security"
}

test_insert_without_tenant_rejected() {
    fresh_database
    local tenant
    tenant=$(new_uuid)
    sql "INSERT INTO tenants (id) VALUES ('$tenant')" || fail "insert tenant"

    expect_failure "car_settings without tenant_id" \
        sql "INSERT INTO car_settings DEFAULT VALUES"
    expect_contains "$OUTPUT" 'null value in column "tenant_id"' "car_settings error"
    expect_failure "geofence without tenant_id" \
        sql "INSERT INTO geofences (name, latitude, longitude, inserted_at, updated_at)
             VALUES ('Home', 52.5, 13.4, now(), now())"
    expect_contains "$OUTPUT" 'null value in column "tenant_id"' "geofences error"
    expect_failure "token without tenant_id" \
        sql "INSERT INTO private.tokens (inserted_at, updated_at) VALUES (now(), now())"
    expect_contains "$OUTPUT" 'null value in column "tenant_id"' "tokens error"
    expect_failure "geofence of an unknown tenant" \
        sql "INSERT INTO geofences (tenant_id, name, latitude, longitude, inserted_at, updated_at)
             VALUES ('$(new_uuid)', 'Home', 52.5, 13.4, now(), now())"
    expect_contains "$OUTPUT" "geofences_tenant_id_fkey" "unknown tenant error"
    expect_failure "subscription with an unknown status" \
        sql "INSERT INTO subscriptions (tenant_id, plan_name, status) VALUES ('$tenant', 'x', 'active')"
    expect_contains "$OUTPUT" "subscriptions_status_check" "subscription status error"
    expect_failure "vehicle with an unknown collector_status" \
        sql "INSERT INTO vehicles (tenant_id, tesla_vehicle_id, collector_status)
             VALUES ('$tenant', 1, 'running')"
    expect_contains "$OUTPUT" "vehicles_collector_status_check" "collector_status error"

    sql "INSERT INTO geofences (tenant_id, name, latitude, longitude, inserted_at, updated_at)
         VALUES ('$tenant', 'Home', 52.5, 13.4, now(), now())" || fail "insert with tenant_id"
    expect_eq "$(sql "SELECT count(*) FROM geofences")" "1" "geofence rows"
}

test_uniqueness_is_per_tenant() {
    fresh_database
    local a b
    a=$(new_uuid)
    b=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    # Same eid, vid and VIN as tenant A's car: allowed for another tenant.
    seed_tenant "$b" >/dev/null || fail "seed tenant B"
    expect_eq "$(sql "SELECT count(DISTINCT id) || ' ' || count(DISTINCT eid) FROM cars")" "2 1" \
        "two cars sharing an eid"

    expect_failure "second car with tenant A's eid" \
        sql "WITH s AS (INSERT INTO car_settings (tenant_id) VALUES ('$a') RETURNING id)
             INSERT INTO cars (tenant_id, eid, vid, vin, settings_id, inserted_at, updated_at)
             SELECT '$a', 1001, 9, 'OTHERVIN', id, now(), now() FROM s"
    expect_contains "$OUTPUT" "cars_eid_index" "duplicate eid error"
    expect_failure "second settings row for tenant A" \
        sql "INSERT INTO settings (tenant_id, inserted_at, updated_at) VALUES ('$a', now(), now())"
    expect_contains "$OUTPUT" "settings_tenant_id_index" "duplicate settings error"
    expect_failure "second token row for tenant A" \
        sql "INSERT INTO private.tokens (tenant_id, inserted_at, updated_at) VALUES ('$a', now(), now())"
    expect_contains "$OUTPUT" "tokens_tenant_id_index" "duplicate token error"
    expect_failure "second running import of one source for tenant A" \
        sql "INSERT INTO import_runs (tenant_id, source_key, status, timezone, inserted_at, updated_at)
             VALUES ('$a', 'upload-1', 'running', 'UTC', now(), now())"
    expect_contains "$OUTPUT" "import_runs_one_running_per_source" "duplicate import error"
    expect_failure "second vehicle with one Tesla id for tenant A" \
        sql "INSERT INTO vehicles (tenant_id, tesla_vehicle_id) VALUES ('$a', 1001)"
    expect_contains "$OUTPUT" "vehicles_tenant_id_tesla_vehicle_id_index" "duplicate vehicle error"

    # Addresses stay one shared cache.
    sql "INSERT INTO addresses (osm_id, osm_type, inserted_at, updated_at)
         VALUES (42, 'way', now(), now())" || fail "insert address"
    expect_failure "duplicate address" \
        sql "INSERT INTO addresses (osm_id, osm_type, inserted_at, updated_at)
             VALUES (42, 'way', now(), now())"
    expect_contains "$OUTPUT" "addresses_osm_id_osm_type_index" "duplicate address error"
}

test_collector_sees_only_its_tenant() {
    fresh_database
    local a b query
    a=$(new_uuid)
    b=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    seed_tenant "$b" >/dev/null || fail "seed tenant B"
    sql "INSERT INTO addresses (osm_id, osm_type, inserted_at, updated_at)
         VALUES (1, 'node', now(), now()), (2, 'node', now(), now())" || fail "insert addresses"
    query=$(count_rows_query)

    expect_eq "$(sql "$query")" "$(expected_counts 2 2)" "rows as the table owner"
    expect_eq "$(as_role tenantmate_collector "$a" "$query")" "$(expected_counts 1 2)" \
        "rows the collector sees for tenant A"
    expect_eq "$(as_role tenantmate_collector "$a" \
                 "SELECT count(*) FROM cars WHERE tenant_id <> '$a'")" "0" \
        "tenant B's car by its tenant_id"
    expect_eq "$(as_role tenantmate_collector "" "$query")" "$(expected_counts 0 2)" \
        "rows the collector sees without a tenant"
    expect_eq "$(as_role tenantmate_collector "" \
                 "SELECT current_setting('tenantmate.tenant_id', true) IS NULL")" "t" \
        "setting absent"
}

test_collector_cannot_write_other_tenant() {
    fresh_database
    local a b car_b
    a=$(new_uuid)
    b=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    seed_tenant "$b" >/dev/null || fail "seed tenant B"
    car_b=$(sql "SELECT id FROM cars WHERE tenant_id = '$b'")

    expect_failure "insert a geofence for tenant B" \
        as_role tenantmate_collector "$a" \
        "INSERT INTO geofences (tenant_id, name, latitude, longitude, inserted_at, updated_at)
         VALUES ('$b', 'Work', 52.5, 13.4, now(), now())"
    expect_contains "$OUTPUT" 'violates row-level security policy for table "geofences"' \
        "insert for tenant B"
    expect_failure "move tenant A's car to tenant B" \
        as_role tenantmate_collector "$a" "UPDATE car_settings SET tenant_id = '$b'"
    expect_contains "$OUTPUT" "row-level security" "update to tenant B"
    expect_failure "insert without a tenant" \
        as_role tenantmate_collector "" \
        "INSERT INTO states (tenant_id, car_id, state, start_date)
         VALUES ('$a', (SELECT 1), 'asleep', now())"
    expect_contains "$OUTPUT" "row-level security" "insert without a tenant"
    expect_failure "invalid tenant setting" \
        as_role tenantmate_collector "not-a-uuid" "SELECT count(*) FROM cars"
    expect_contains "$OUTPUT" 'invalid input syntax for type uuid: "not-a-uuid"' \
        "invalid tenant setting error"

    # Tenant A's own row pointing at tenant B's car: the composite foreign
    # key rejects it, although the check itself bypasses row-level security.
    expect_failure "drive of tenant A on tenant B's car" \
        as_role tenantmate_collector "$a" \
        "INSERT INTO drives (tenant_id, car_id, start_date) VALUES ('$a', $car_b, now())"
    expect_contains "$OUTPUT" "drives_car_id_fkey" "cross-tenant reference"

    as_role tenantmate_collector "$a" "UPDATE cars SET name = 'renamed'" >/dev/null ||
        fail "update tenant A's cars as tenant A"
    as_role tenantmate_collector "$a" "DELETE FROM positions WHERE tenant_id = '$b'" >/dev/null ||
        fail "delete tenant B's positions as tenant A"
    expect_eq "$(sql "SELECT tenant_id = '$a' FROM cars WHERE name = 'renamed'")" "t" \
        "only tenant A's car renamed"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$b'")" "1" \
        "tenant B's position survives"

    # The shared address cache: read, insert, update, never delete.
    as_role tenantmate_collector "$a" \
        "INSERT INTO addresses (osm_id, osm_type, inserted_at, updated_at)
         VALUES (7, 'way', now(), now())" >/dev/null || fail "collector inserts an address"
    expect_eq "$(as_role tenantmate_collector "$b" "SELECT count(*) FROM addresses")" "1" \
        "tenant B sees tenant A's address"
    expect_failure "collector deletes an address" \
        as_role tenantmate_collector "$a" "DELETE FROM addresses"
    expect_contains "$OUTPUT" "permission denied for table addresses" "address delete error"
}

test_setting_does_not_outlive_transaction() {
    fresh_database
    local a
    a=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    expect_eq "$(psql_script <<SQL
BEGIN;
SET LOCAL ROLE tenantmate_collector;
SELECT set_config('tenantmate.tenant_id', '$a', true) \\gset
SELECT 'first=' || count(*) FROM cars;
COMMIT;
BEGIN;
SET LOCAL ROLE tenantmate_collector;
SELECT 'second=' || count(*) FROM cars;
COMMIT;
SQL
)" "first=1
second=0" "cars seen in the transaction that set the tenant and in the next"
}

test_reader_only_reads() {
    fresh_database
    local a b query
    a=$(new_uuid)
    b=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    seed_tenant "$b" >/dev/null || fail "seed tenant B"

    COUNTED_TABLES="tenants addresses ${TENANT_TABLES/private.tokens/}"
    query=$(count_rows_query)
    expect_eq "$(as_role tenantmate_reader "$b" "$query")" "$(expected_counts 1 0)" \
        "rows the reader sees for tenant B"
    expect_failure "reader reads tokens" \
        as_role tenantmate_reader "$b" "SELECT count(*) FROM private.tokens"
    expect_contains "$OUTPUT" "permission denied" "reader tokens error"
    expect_failure "reader inserts a geofence" \
        as_role tenantmate_reader "$b" \
        "INSERT INTO geofences (tenant_id, name, latitude, longitude, inserted_at, updated_at)
         VALUES ('$b', 'Work', 52.5, 13.4, now(), now())"
    expect_contains "$OUTPUT" "permission denied for table geofences" "reader insert error"
    expect_failure "reader updates a car" \
        as_role tenantmate_reader "$b" "UPDATE cars SET name = 'x'"
    expect_contains "$OUTPUT" "permission denied for table cars" "reader update error"
}

test_open_session_indexes() {
    fresh_database
    local a car other
    a=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    car=$(sql "SELECT id FROM cars")
    other=$(sql "WITH s AS (INSERT INTO car_settings (tenant_id) VALUES ('$a') RETURNING id)
                 INSERT INTO cars (tenant_id, eid, vid, vin, settings_id, inserted_at, updated_at)
                 SELECT '$a', 3, 4, 'SECONDVIN', id, now(), now() FROM s RETURNING id" | head -n 1)
    local position
    position=$(sql "SELECT id FROM positions")

    sql "INSERT INTO drives (tenant_id, car_id, start_date) VALUES ('$a', $car, now())" ||
        fail "first open drive"
    expect_failure "second open drive for one car" \
        sql "INSERT INTO drives (tenant_id, car_id, start_date) VALUES ('$a', $car, now())"
    expect_contains "$OUTPUT" "drives_one_open_per_car_index" "second open drive error"
    sql "INSERT INTO drives (tenant_id, car_id, start_date) VALUES ('$a', $other, now())" ||
        fail "open drive for another car"
    sql "INSERT INTO drives (tenant_id, car_id, start_date, end_date)
         VALUES ('$a', $car, now(), now()), ('$a', $car, now(), now())" ||
        fail "closed drives for a car with an open one"

    sql "INSERT INTO charging_processes (tenant_id, car_id, position_id, start_date)
         VALUES ('$a', $car, $position, now())" || fail "first open charging process"
    expect_failure "second open charging process for one car" \
        sql "INSERT INTO charging_processes (tenant_id, car_id, position_id, start_date)
             VALUES ('$a', $car, $position, now())"
    expect_contains "$OUTPUT" "charging_processes_one_open_per_car_index" \
        "second open charging process error"

    sql "INSERT INTO states (tenant_id, car_id, state, start_date) VALUES ('$a', $car, 'online', now())" ||
        fail "first open state"
    expect_failure "second open state for one car" \
        sql "INSERT INTO states (tenant_id, car_id, state, start_date) VALUES ('$a', $car, 'asleep', now())"
    expect_contains "$OUTPUT" "states_car_id__end_date_IS_NULL_index" "second open state error"
    expect_failure "state ending before it starts" \
        sql "INSERT INTO states (tenant_id, car_id, state, start_date, end_date)
             VALUES ('$a', $car, 'asleep', '2024-05-02', '2024-05-01')"
    expect_contains "$OUTPUT" "positive_duration" "negative state duration error"
    expect_failure "charge with zero phases" \
        sql "INSERT INTO charges (tenant_id, charging_process_id, date, charge_energy_added,
                                  charger_power, ideal_battery_range_km, charger_phases)
             SELECT '$a', id, now(), 1, 11, 300, 0 FROM charging_processes LIMIT 1"
    expect_contains "$OUTPUT" "positive_charger_phases" "zero phases error"
}

test_numeric_columns_round() {
    fresh_database
    local a car
    a=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    car=$(sql "SELECT id FROM cars")

    expect_eq "$(sql "INSERT INTO positions (tenant_id, car_id, date, latitude, longitude,
                                             outside_temp, ideal_battery_range_km, tpms_pressure_fl)
                      VALUES ('$a', $car, now(), 52.1234565, -13.4000005, 12.35, 300.125, 2.95)
                      RETURNING latitude || ' ' || longitude || ' ' || outside_temp || ' '
                                || ideal_battery_range_km || ' ' || tpms_pressure_fl" | head -n 1)" \
        "52.123457 -13.400001 12.4 300.13 3.0" "positions values rounded half away from zero"
    expect_eq "$(sql "UPDATE charging_processes SET cost = 123456789012.345, charge_energy_added = 12.345
                      RETURNING cost || ' ' || charge_energy_added" | head -n 1)" \
        "123456789012.35 12.35" "charging_processes cost and energy rounded"
    expect_eq "$(sql "UPDATE geofences SET cost_per_unit = -0.12345, session_fee = 1.005
                      RETURNING cost_per_unit || ' ' || session_fee" | head -n 1)" \
        "-0.1235 1.01" "geofence prices rounded"
    expect_failure "temperature beyond numeric(4,1)" \
        sql "UPDATE drives SET outside_temp_avg = 1000"
    expect_contains "$OUTPUT" "numeric field overflow" "temperature overflow error"
    expect_failure "latitude beyond numeric(8,6)" \
        sql "UPDATE positions SET latitude = 100"
    expect_contains "$OUTPUT" "numeric field overflow" "latitude overflow error"
    expect_failure "speed beyond smallint" \
        sql "UPDATE positions SET speed = 40000"
    expect_contains "$OUTPUT" "smallint out of range" "smallint overflow error"
}

test_delete_rules() {
    fresh_database
    local a b
    a=$(new_uuid)
    b=$(new_uuid)
    seed_tenant "$a" >/dev/null || fail "seed tenant A"
    seed_tenant "$b" >/dev/null || fail "seed tenant B"

    # A position that a charging process uses cannot be deleted (no ON
    # DELETE action).
    expect_failure "delete a charging process's position" \
        sql "DELETE FROM positions WHERE tenant_id = '$a'"
    expect_contains "$OUTPUT" "charging_processes_position_id_fkey" "position delete error"

    # Deleting a drive clears positions.drive_id but keeps their tenant_id.
    sql "DELETE FROM drives WHERE tenant_id = '$a'" || fail "delete drive"
    expect_eq "$(sql "SELECT coalesce(drive_id::text, 'null') || ' ' || tenant_id
                      FROM positions WHERE tenant_id = '$a'")" "null $a" "position after drive delete"

    # Deleting a geofence clears the reference only.
    sql "DELETE FROM geofences WHERE tenant_id = '$b'" || fail "delete geofence"
    expect_eq "$(sql "SELECT coalesce(start_geofence_id::text, 'null') || ' ' || tenant_id
                      FROM drives WHERE tenant_id = '$b'")" "null $b" "drive after geofence delete"

    # Deleting a tenant removes all of its rows and nothing of the other's.
    sql "DELETE FROM tenants WHERE id = '$a'" || fail "delete tenant A"
    local left_of_a="" table
    for table in $TENANT_TABLES; do
        left_of_a+="$(sql "SELECT count(*) FROM $table WHERE tenant_id = '$a'")"
    done
    expect_eq "$left_of_a" "0000000000000000" "rows of the deleted tenant"
    expect_eq "$(sql "SELECT count(*) FROM cars WHERE tenant_id = '$b'")" "1" \
        "the other tenant's car"

    # Deleting a car cascades to its data but keeps its car_settings row.
    sql "DELETE FROM cars WHERE tenant_id = '$b'" || fail "delete tenant B's car"
    expect_eq "$(sql "SELECT (SELECT count(*) FROM positions) + (SELECT count(*) FROM drives)
                             + (SELECT count(*) FROM charging_processes)
                             + (SELECT count(*) FROM charges) + (SELECT count(*) FROM states)
                             + (SELECT count(*) FROM updates)")" "0" "rows left after car delete"
    expect_eq "$(sql "SELECT count(*) FROM car_settings")" "1" "car_settings after car delete"
    expect_eq "$(sql "SELECT count(*) || ' ' || count(car_id) FROM import_runs")" "1 0" \
        "import run kept without its car"
}

test_sql_helper_functions() {
    fresh_database
    expect_eq "$(sql "SELECT round(earth_distance(ll_to_earth(0, 0), ll_to_earth(0, 1))::numeric, 3)")" \
        "111320.032" "one degree of longitude on the equator in metres"
    expect_eq "$(sql "SELECT round(earth_distance(ll_to_earth(52.5, 13.4), ll_to_earth(48.1, 11.6))::numeric)")" \
        "506212" "Berlin to Munich in metres"
    expect_eq "$(sql "SELECT earth_box(ll_to_earth(52.5, 13.4), 100) @> ll_to_earth(52.5005, 13.4)")" \
        "t" "point 56 m away inside a 100 m box"
    expect_eq "$(sql "SELECT earth_box(ll_to_earth(52.5, 13.4), 100) @> ll_to_earth(52.502, 13.4)")" \
        "f" "point 222 m away outside a 100 m box"

    expect_eq "$(sql "SELECT round(convert_km(100, 'mi'), 4) || ' ' || convert_km(12.5, 'km') || ' '
                             || coalesce(convert_km(1, 'ft')::text, 'null')")" \
        "62.1373 12.5 null" "convert_km"
    expect_eq "$(sql "SELECT convert_celsius(20, 'F') || ' ' || convert_celsius(-3.5, 'C') || ' '
                             || coalesce(convert_celsius(1, 'K')::text, 'null')")" \
        "68.0000000000000000 -3.5 null" "convert_celsius, unrounded like TeslaMate's"
    expect_eq "$(sql "SELECT convert_m(10, 'ft') || ' ' || convert_m(10, 'm') || ' '
                             || coalesce(convert_m(NULL, 'ft')::text, 'null')")" \
        "32.8084 10 null" "convert_m"
    expect_eq "$(sql "SELECT convert_tire_pressure(2.9, 'psi') || ' ' || convert_tire_pressure(2.9, 'bar')
                             || ' ' || coalesce(convert_tire_pressure(2.9, 'kPa')::text, 'null')")" \
        "42.0609439417 2.9 null" "convert_tire_pressure"
    expect_eq "$(sql "SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid)
                                        || ') ' || pg_get_function_result(p.oid) || ' '
                                        || p.provolatile::text
                                        || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END
                                        || ' cost ' || p.procost, ', ' ORDER BY p.proname)
                      FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                        AND p.proname LIKE 'convert%'")" \
        "convert_celsius(n numeric, unit text) numeric v cost 100, convert_km(n numeric, unit text) numeric v cost 100, convert_m(n double precision, unit text) double precision i strict cost 100, convert_tire_pressure(n numeric, character varying) numeric v cost 100" \
        "helper signatures, volatility (v: volatile, i: immutable), strictness and cost"
}

# Check that public contains no relation but the runner's table, and that the
# private schema, the extensions, enum types and functions are gone.
expect_empty_schema() {
    local when=$1
    expect_eq "$(sql "SELECT count(*) FROM pg_class
                      WHERE relnamespace = 'public'::regnamespace
                        AND relname NOT LIKE 'tenantmate_schema_migrations%'")" "0" \
        "relations in public $when"
    expect_eq "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'private'")" "0" \
        "private schema $when"
    expect_eq "$(sql "SELECT string_agg(extname, ',') FROM pg_extension")" "plpgsql" \
        "extensions $when"
    expect_eq "$(sql "SELECT count(*) FROM pg_type
                      WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'")" "0" \
        "enum types $when"
    expect_eq "$(sql "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace")" \
        "0" "functions $when"
}

# Print a temporary directory with copies of migration 0001 and, unless $1
# is 0001, of 0002, so that later migrations do not change what the tests
# compare.
schema_migrations_dir() {
    local dir="$TEST_TMP/migrations-$1"
    mkdir -p "$dir"
    cp "$MIGRATIONS"/0001_* "$dir"/
    [ "$1" = 0001 ] || cp "$MIGRATIONS"/0002_* "$dir"/
    echo "$dir"
}

# Create database $PGDATABASE and apply the migrations in directory $1.
fresh_database_from() {
    dropdb --if-exists "$PGDATABASE" >/dev/null 2>&1
    createdb "$PGDATABASE" || fail "createdb $PGDATABASE"
    TENANTMATE_MIGRATIONS_DIR=$1 migrate || fail "migrate $1: $(cat "$TEST_TMP/migrate.log")"
}

test_up_down_up_restores_exactly() {
    fresh_database none
    local pristine both only_first dir
    dir=$(schema_migrations_dir 0002)
    pristine=$(schema_dump) || fail "pg_dump of the empty database"

    TENANTMATE_MIGRATIONS_DIR=$dir migrate || fail "migrate: $(cat "$TEST_TMP/migrate.log")"
    both=$(schema_dump)
    TENANTMATE_MIGRATIONS_DIR=$dir migrate --down 1 ||
        fail "migrate --down 1: $(cat "$TEST_TMP/migrate.log")"
    only_first=$(schema_dump)
    expect_eq "$(sql "SELECT count(*) FROM pg_policies")" "0" "policies after 0002 down"
    expect_eq "$(sql "SELECT count(*) FROM pg_class WHERE relrowsecurity")" "0" \
        "tables under row-level security after 0002 down"
    expect_eq "$(sql "SELECT count(*) FROM pg_roles
                      WHERE rolname IN ('tenantmate_collector', 'tenantmate_reader')")" "2" \
        "roles left for the other databases after 0002 down"

    TENANTMATE_MIGRATIONS_DIR=$dir migrate --down 1 ||
        fail "migrate --down 1 again: $(cat "$TEST_TMP/migrate.log")"
    expect_empty_schema "after rolling back 0002 and 0001"
    expect_eq "$(sql "SELECT count(*) FROM tenantmate_schema_migrations")" "0" "applied versions"
    if [ "$(schema_dump)" != "$pristine" ]; then
        diff <(echo "$pristine") <(schema_dump) >&2
        fail "schema after up and down differs from the empty database"
    fi

    TENANTMATE_MIGRATIONS_DIR=$dir migrate || fail "migrate again: $(cat "$TEST_TMP/migrate.log")"
    if [ "$(schema_dump)" != "$both" ]; then
        diff <(echo "$both") <(schema_dump) >&2
        fail "schema after up, down and up differs from the first up"
    fi

    # 0002 down leaves exactly what 0001 alone creates.
    PGDATABASE=${PGDATABASE}_1 fresh_database_from "$(schema_migrations_dir 0001)"
    if [ "$(PGDATABASE=${PGDATABASE}_1 schema_dump)" != "$only_first" ]; then
        diff <(echo "$only_first") <(PGDATABASE=${PGDATABASE}_1 schema_dump) >&2
        fail "schema after 0002 down differs from 0001 alone"
    fi
}

test_all_migrations_down_to_zero() {
    fresh_database
    local count
    count=$(ls "$MIGRATIONS"/*.up.sql | wc -l)
    migrate --down "$count" || fail "migrate --down $count: $(cat "$TEST_TMP/migrate.log")"
    expect_empty_schema "after rolling back all $count migrations"
    migrate || fail "migrate after rolling back: $(cat "$TEST_TMP/migrate.log")"
    expect_eq "$(sql "SELECT count(*) FROM tenantmate_schema_migrations")" "$count" \
        "applied versions after migrating again"
}

test_failed_migration_changes_nothing() {
    fresh_database none
    local pristine broken="$TEST_TMP/broken"
    pristine=$(schema_dump) || fail "pg_dump of the empty database"

    # At the SQL level: the whole first migration and then a bad statement
    # in one transaction.
    { cat "$MIGRATIONS/0001_teslamate_schema.up.sql"; echo "SELECT 1 / 0;"; } >"$TEST_TMP/bad.sql"
    expect_failure "psql applying a migration with a bad statement" \
        psql -X -q -v ON_ERROR_STOP=1 -1 -f "$TEST_TMP/bad.sql"
    expect_contains "$OUTPUT" "division by zero" "psql error"
    expect_empty_schema "after the failed transaction"
    expect_eq "$(schema_dump)" "$pristine" "schema after the failed transaction"

    # Through the runner: 0001 applies, a broken 0002 leaves no trace.
    mkdir -p "$broken"
    cp "$MIGRATIONS"/0001_* "$MIGRATIONS"/0002_row_level_security.down.sql "$broken"/
    { cat "$MIGRATIONS/0002_row_level_security.up.sql"
      echo "CREATE TABLE cars (id integer);"; } >"$broken/0002_row_level_security.up.sql"
    if TENANTMATE_MIGRATIONS_DIR=$broken migrate; then
        fail "migrate with a broken 0002 succeeded"
    fi
    expect_contains "$(cat "$TEST_TMP/migrate.log")" 'relation "cars" already exists' \
        "runner error"
    expect_eq "$(sql "SELECT string_agg(version::text, ',') FROM tenantmate_schema_migrations")" \
        "1" "applied versions"
    expect_eq "$(sql "SELECT count(*) FROM pg_policies")" "0" "policies after the failed 0002"
    expect_eq "$(sql "SELECT count(*) FROM pg_class WHERE relrowsecurity")" "0" \
        "tables under row-level security after the failed 0002"
    expect_eq "$(sql "SELECT has_table_privilege('tenantmate_collector', 'cars', 'SELECT')")" "f" \
        "collector privileges after the failed 0002"
}

test_non_superuser_owner() {
    # The production shape: the tables belong to an ordinary login, which
    # switches to the collector role. A superuser prepares the database
    # and the extensions the login may not create.
    local owner="tm_owner_$$" database="t_schema_owner_$$"
    sql "CREATE ROLE $owner LOGIN CREATEROLE" >/dev/null || fail "create role $owner"
    createdb -O "$owner" "$database" || fail "createdb $database"
    PGDATABASE=$database sql "CREATE EXTENSION cube; CREATE EXTENSION earthdistance" ||
        fail "create extensions"

    (
        export PGDATABASE=$database PGUSER=$owner
        local a b
        a=$(new_uuid)
        b=$(new_uuid)
        migrate || fail "migrate as $owner: $(cat "$TEST_TMP/migrate.log")"
        expect_eq "$(sql "SELECT pg_has_role('$owner', 'tenantmate_collector', 'MEMBER')")" "t" \
            "$owner member of tenantmate_collector"
        seed_tenant "$a" >/dev/null || fail "seed tenant A as $owner"
        seed_tenant "$b" >/dev/null || fail "seed tenant B as $owner"
        expect_eq "$(sql "SELECT count(*) FROM cars")" "2" "cars the owner sees"
        expect_eq "$(as_role tenantmate_collector "$a" "SELECT count(*) FROM cars")" "1" \
            "cars $owner sees as the collector for tenant A"
        expect_failure "insert for tenant B as tenant A" \
            as_role tenantmate_collector "$a" "INSERT INTO car_settings (tenant_id) VALUES ('$b')"
        expect_contains "$OUTPUT" "row-level security" "insert for tenant B"

        local count
        count=$(ls "$MIGRATIONS"/*.up.sql | wc -l)
        migrate --down "$count" ||
            fail "migrate --down $count as $owner: $(cat "$TEST_TMP/migrate.log")"
        expect_eq "$(sql "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension")" \
            "cube,earthdistance,plpgsql" "extensions the superuser created stay"
        expect_eq "$(sql "SELECT count(*) FROM pg_class
                          WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
                            AND relname <> 'tenantmate_schema_migrations'")" "0" "tables after down"
    )
    local status=$?

    dropdb "$database" || fail "dropdb $database"
    sql "DROP ROLE $owner" || fail "drop role $owner"
    return "$status"
}

run_tests
