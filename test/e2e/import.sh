# End-to-end tests of `tenantmate import`: TeslaMate's TeslaFi import
# vectors against the recorded TeslaFi exports, and the import's own
# guarantees (checkpoints, resume, bad input, one import per tenant,
# tenant isolation).
. "$(dirname "$0")/../lib/e2e.sh"

TESLAFI=$SHARED/data/teslafi

new_tenant() {
    local tenant
    tenant=$(new_uuid)
    "$BIN/tenantmate" tenants add --tenant "$tenant" --name "import test" >/dev/null ||
        fail "tenants add"
    echo "$tenant"
}

import() {
    "$BIN/tenantmate" import "$@"
}

# Rows of one tenant (the test connects as the owner, which bypasses
# row-level security, so every query names the tenant).
states_of() {
    sql "SELECT state || ' ' || to_char(start_date, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ' ' ||
                coalesce(to_char(end_date, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'open')
         FROM states WHERE tenant_id = '$1' ORDER BY id"
}

count_of() {
    sql "SELECT count(*) FROM $2 WHERE tenant_id = '$1'"
}

# A copy of the 01 fixture whose July file is replaced by the given text.
with_bad_july() {
    local dir=$TEST_TMP/bad
    mkdir -p "$dir"
    cp "$TESLAFI/01_complete/TeslaFi62016.csv" "$dir/"
    cat >"$dir/TeslaFi72016.csv"
    echo "$dir"
}

expect_june_only() {
    local tenant=$1 what=$2
    expect_eq "$(sql "SELECT count(*) FROM import_file_checkpoints WHERE tenant_id = '$tenant'")" 1 \
        "$what: June keeps its checkpoint"
    expect_eq "$(sql "SELECT file_name FROM import_file_checkpoints WHERE tenant_id = '$tenant'")" \
        TeslaFi62016.csv "$what: the checkpoint is June's"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$tenant' AND date >= '2016-07-01'")" 0 \
        "$what: no July position"
    expect_eq "$(sql "SELECT count(*) FROM states WHERE tenant_id = '$tenant' AND start_date >= '2016-07-01'")" 0 \
        "$what: no July state"
    expect_eq "$(count_of "$tenant" drives)" 2 "$what: June's drives stay"
    expect_eq "$(sql "SELECT status FROM import_runs WHERE tenant_id = '$tenant'")" running \
        "$what: the run can be resumed"
}

# ---- TeslaMate's vectors ------------------------------------------------------

test_complete_drives_charges_states_updates() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_success "import 01" import --tenant "$tenant" --time-zone America/Los_Angeles \
        "$TESLAFI/01_complete"
    expect_contains "$OUTPUT" "TeslaFi62016.csv: imported" "progress names June"
    expect_contains "$OUTPUT" "states 2, drives 2, charging sessions 1, updates 1" "summary counts"

    expect_eq "$(sql "SELECT name, vid, vin, efficiency IS NULL, model IS NULL, trim_badging IS NULL
                      FROM cars WHERE tenant_id = '$tenant'")" \
        "82420|1111111111|1YYSA1YYYFF08YYYY|t|t|t" "exactly one car"

    expect_eq "$(sql "SELECT start_date, end_date, duration_min, distance, start_km, end_km,
                        start_ideal_range_km, end_ideal_range_km, start_rated_range_km,
                        end_rated_range_km, inside_temp_avg, outside_temp_avg, speed_max,
                        power_max IS NULL, power_min IS NULL, start_address_id IS NULL,
                        end_address_id IS NULL, start_geofence_id IS NULL, end_geofence_id IS NULL
                      FROM drives WHERE tenant_id = '$tenant' ORDER BY id")" \
"2016-06-26 18:12:28|2016-06-26 18:15:28|3|1.2049430000006396|22414.090164|22415.295107|311.73|311.73|247.24|247.24|26.5|19.3|55|t|t|t|t|t|t
2016-06-26 19:22:28|2016-06-26 19:34:09|12|4.962514999999257|22415.344102|22420.306617|310.27|301.41|246.07|239.05|28.8|20.1|58|t|t|t|t|t|t" \
        "the two drives, distances bit-exact"

    expect_eq "$(sql "SELECT start_date, end_date, duration_min, charge_energy_added,
                        charge_energy_used, start_battery_level, end_battery_level,
                        start_ideal_range_km, end_ideal_range_km, start_rated_range_km,
                        end_rated_range_km, outside_temp_avg, address_id IS NULL,
                        geofence_id IS NULL, cost IS NULL
                      FROM charging_processes WHERE tenant_id = '$tenant'")" \
        "2016-06-26 23:04:32|2016-06-27 00:14:32|70|10.11|10.65|57|70|298.44|369.17|236.69|292.79|23.5|t|t|t" \
        "the charging session"
    expect_eq "$(sql "SELECT count(*) FROM charges WHERE tenant_id = '$tenant'")" 71 "71 charge samples"

    expect_eq "$(sql "SELECT version, start_date, end_date FROM updates WHERE tenant_id = '$tenant'")" \
        "2.20.30|2016-06-26 14:59:31|2016-06-26 14:59:31" "one update"
    expect_eq "$(states_of "$tenant")" \
"online 2016-06-26T14:59:31Z 2016-07-01T07:25:33Z
asleep 2016-07-01T07:25:33Z open" "two states, the last open"

    expect_eq "$(sql "SELECT file_name FROM import_file_checkpoints WHERE tenant_id = '$tenant' ORDER BY id" | tr '\n' ' ')" \
        "TeslaFi62016.csv TeslaFi72016.csv " "both files complete"
    expect_eq "$(sql "SELECT status, timezone FROM import_runs WHERE tenant_id = '$tenant'")" \
        "complete|America/Los_Angeles" "run complete"
    expect_eq "$(count_of "$tenant" import_rejections)" 0 "no rejection"
}

test_overlap_stops_at_existing_history() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    # The car as the live worker stored it: history from 19:22:28 on, an
    # open drive and an open charging process.
    sql "INSERT INTO car_settings (id, tenant_id) VALUES (100, '$tenant');
         INSERT INTO cars (id, eid, vid, vin, name, settings_id, inserted_at, updated_at, tenant_id)
           VALUES (10, 42, 1111111111, '1YYSA1YYYFF08YYYY', '82420', 100, now(), now(), '$tenant');
         INSERT INTO states (state, start_date, end_date, car_id, tenant_id) VALUES
           ('asleep', '2016-06-26 19:22:28', '2016-06-26 20:00:10', 10, '$tenant'),
           ('online', '2016-06-26 20:00:10', NULL, 10, '$tenant');
         INSERT INTO drives (id, car_id, start_date, tenant_id) VALUES (900, 10, '2016-06-26 21:00:00', '$tenant');
         INSERT INTO positions (id, car_id, date, latitude, longitude, tenant_id)
           VALUES (900, 10, '2016-06-26 21:30:00', 1, 1, '$tenant');
         INSERT INTO charging_processes (id, car_id, start_date, position_id, tenant_id)
           VALUES (900, 10, '2016-06-26 21:30:00', 900, '$tenant');" >/dev/null ||
        fail "existing history"

    expect_success "import 01" import --tenant "$tenant" --time-zone America/Los_Angeles \
        "$TESLAFI/01_complete"
    expect_contains "$OUTPUT" "TeslaFi72016.csv: not reached" "July is never processed"

    expect_eq "$(sql "SELECT start_date, end_date, duration_min FROM drives
                      WHERE tenant_id = '$tenant' AND id <> 900")" \
        "2016-06-26 18:12:28|2016-06-26 18:15:28|3" "exactly the first drive"
    expect_eq "$(sql "SELECT count(*) FROM charging_processes WHERE tenant_id = '$tenant' AND id <> 900")" 0 \
        "no charging session"
    expect_eq "$(sql "SELECT version, start_date, end_date FROM updates WHERE tenant_id = '$tenant'")" \
        "2.20.30|2016-06-26 14:59:31|2016-06-26 14:59:31" "one update"
    expect_eq "$(states_of "$tenant")" \
"asleep 2016-06-26T19:22:28Z 2016-06-26T20:00:10Z
online 2016-06-26T20:00:10Z open
online 2016-06-26T14:59:31Z 2016-06-26T19:22:28Z" "imported state ends where the history begins"
    expect_eq "$(sql "SELECT end_date IS NULL FROM drives WHERE id = 900")" t "live drive still open"
    expect_eq "$(sql "SELECT end_date IS NULL FROM charging_processes WHERE id = 900")" t \
        "live charging process still open"
    expect_eq "$(sql "SELECT eid, name FROM cars WHERE tenant_id = '$tenant'")" "42|82420" \
        "the live car keeps its eid"
    expect_eq "$(sql "SELECT file_name FROM import_file_checkpoints WHERE tenant_id = '$tenant'")" \
        TeslaFi62016.csv "only June is complete"
    expect_eq "$(sql "SELECT status FROM import_runs WHERE tenant_id = '$tenant'")" complete "run complete"
}

test_car_discovered_in_a_later_file() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_success "import 03" import --tenant "$tenant" --time-zone Europe/Berlin "$TESLAFI/03_empty"
    expect_eq "$(states_of "$tenant")" \
"asleep 2018-04-30T22:00:14Z 2018-06-01T05:27:14Z
online 2018-06-01T05:27:14Z open" "asleep from the identity-less May file, then online"
    expect_eq "$(count_of "$tenant" drives)" 0 "no drive"
    expect_eq "$(count_of "$tenant" charging_processes)" 0 "no charging session"
    expect_eq "$(sql "SELECT version, start_date FROM updates WHERE tenant_id = '$tenant'")" \
        "2018.16 eac88a7|2018-06-01 05:27:14" "the firmware seen when online"
    expect_eq "$(count_of "$tenant" import_file_checkpoints)" 2 "both files complete"
}

test_newer_format_without_vehicle_id() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_success "import 07" import --tenant "$tenant" --time-zone America/Los_Angeles \
        "$TESLAFI/07_alternative_variant"
    expect_eq "$(sql "SELECT vid, vin, name FROM cars WHERE tenant_id = '$tenant'")" \
        "1|1YYSA1YYYFF08YYYY|82420" "car with the fallback vehicle id"
    expect_eq "$(states_of "$tenant")" \
"asleep 2023-11-01T10:18:11Z 2023-11-01T15:55:12Z
online 2023-11-01T15:55:12Z 2023-11-01T22:49:11Z
asleep 2023-11-01T22:49:11Z 2023-11-01T23:34:12Z
online 2023-11-01T23:34:12Z open" "four states"
    expect_eq "$(count_of "$tenant" drives)" 0 "no drive"
    expect_eq "$(count_of "$tenant" charging_processes)" 0 "no charging session"
    expect_eq "$(count_of "$tenant" import_rejections)" 0 "no rejection"
    expect_eq "$(sql "SELECT file_name FROM import_file_checkpoints WHERE tenant_id = '$tenant'")" \
        112023.csv "the bare MMYYYY.csv name is complete"
}

test_malformed_row_rejected_once() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_success "import 08" import --tenant "$tenant" --time-zone Etc/UTC "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" "invalid_fields" "summary names the reason"
    expect_contains "$OUTPUT" "TeslaFi12018.csv row 3" "summary names the example row"
    expect_not_contains "$OUTPUT" "PRIVATE" "no raw value in the output"

    expect_eq "$(sql "SELECT file_name, file_fingerprint, row, reason, array_to_string(fields, ',')
                      FROM import_rejections WHERE tenant_id = '$tenant'")" \
        "TeslaFi12018.csv|3b08ea92735f10d353daa82d05fdee1d4b143204c04365f27f9fa7b50aad202e|3|invalid_fields|drive_state.latitude,drive_state.longitude" \
        "exactly one stored rejection"
    expect_eq "$(sql "SELECT count(*) FROM import_rejections WHERE tenant_id = '$tenant'
                      AND (fields::text LIKE '%PRIVATE%' OR file_name LIKE '%/%')")" 0 \
        "no raw value and no directory stored"
    expect_eq "$(sql "SELECT file_name, file_fingerprint FROM import_file_checkpoints WHERE tenant_id = '$tenant'")" \
        "TeslaFi12018.csv|3b08ea92735f10d353daa82d05fdee1d4b143204c04365f27f9fa7b50aad202e" \
        "exactly one checkpoint"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$tenant' AND date = '2018-01-01 10:02:00'")" 2 \
        "state entry and drive start at 10:02"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$tenant' AND date = '2018-01-01 10:01:00'")" 0 \
        "nothing from the rejected row"
    expect_eq "$(sql "SELECT name, vid FROM cars WHERE tenant_id = '$tenant'")" "Resilient|1111111111" "car"
    expect_eq "$(states_of "$tenant")" "online 2018-01-01T10:02:00Z open" "online from 10:02"
    expect_eq "$(count_of "$tenant" updates)" 0 "no car_version column, no update"
    # The drive the data ends in is closed at the end of the import; with
    # one odometer reading it is too short to keep.
    expect_eq "$(count_of "$tenant" drives)" 0 "the unfinished zero-length drive is discarded"
}

test_no_complete_vehicle_row() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_failure "import 04" import --tenant "$tenant" --time-zone Europe/Berlin "$TESLAFI/04_error"
    expect_contains "$OUTPUT" "vehicle_data_incomplete" "names the error"
    expect_contains "$OUTPUT" "invalid_fields           4" "four rejected rows"
    expect_eq "$(sql "SELECT file_name || ':' || row || ':' || reason || ':' || array_to_string(fields, ',')
                      FROM import_rejections WHERE tenant_id = '$tenant' ORDER BY row" | tr '\n' ' ')" \
        "TeslaFi122017.csv:2:invalid_fields:charge_state.charge_energy_added,drive_state.latitude,drive_state.longitude TeslaFi122017.csv:3:invalid_fields:charge_state.charge_energy_added,drive_state.latitude,drive_state.longitude TeslaFi122017.csv:4:invalid_fields:charge_state.charge_energy_added,drive_state.latitude,drive_state.longitude TeslaFi122017.csv:5:invalid_fields:charge_state.charge_energy_added,drive_state.latitude,drive_state.longitude " \
        "rows 2 to 5 of the December file, none for the mixed date shapes"
    expect_eq "$(count_of "$tenant" import_file_checkpoints)" 0 "no file complete"
    expect_eq "$(count_of "$tenant" cars)" 0 "no car"
    expect_eq "$(count_of "$tenant" states)" 0 "no state"
}

test_resume_keeps_saved_time_zone() {
    fresh_database
    local tenant dir=$TEST_TMP/resume
    tenant=$(new_tenant)
    mkdir -p "$dir"
    cp "$TESLAFI"/01_complete/*.csv "$dir/"
    local source_key june_fingerprint
    source_key=$(realpath "$dir" | sha256sum | cut -d' ' -f1)
    june_fingerprint=$(sha256sum "$dir/TeslaFi62016.csv" | cut -d' ' -f1)
    sql "INSERT INTO import_runs (id, source_key, status, timezone, inserted_at, updated_at, tenant_id)
           VALUES (50, '$source_key', 'running', 'America/Los_Angeles', now(), now(), '$tenant');
         INSERT INTO import_file_checkpoints (run_id, file_name, file_fingerprint, completed_at,
           inserted_at, updated_at, tenant_id)
           VALUES (50, 'TeslaFi62016.csv', '$june_fingerprint', now(), now(), now(), '$tenant')" >/dev/null ||
        fail "interrupted run"

    expect_success "resume" import --tenant "$tenant" --time-zone Europe/Berlin "$dir"
    expect_contains "$OUTPUT" "resuming the interrupted import in its time zone America/Los_Angeles" \
        "warns about the zone"
    expect_contains "$OUTPUT" "TeslaFi62016.csv: already imported" "June is skipped"
    expect_eq "$(sql "SELECT id, status, timezone FROM import_runs WHERE tenant_id = '$tenant'")" \
        "50|complete|America/Los_Angeles" "one run, the saved zone"
    expect_eq "$(states_of "$tenant")" \
"online 2016-07-01T07:01:33Z 2016-07-01T07:25:33Z
asleep 2016-07-01T07:25:33Z open" "only July replayed"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$tenant' AND date < '2016-07-01'")" 0 \
        "no position before July"
    expect_eq "$(sql "SELECT date FROM positions WHERE tenant_id = '$tenant'")" "2016-07-01 07:01:33" \
        "one position when July goes online"
}

test_changed_file_is_imported_again() {
    fresh_database
    local tenant dir=$TEST_TMP/changed
    tenant=$(new_tenant)
    mkdir -p "$dir"
    cp "$TESLAFI/08_resilient/TeslaFi12018.csv" "$dir/"
    expect_success "first" import --tenant "$tenant" --time-zone Etc/UTC "$dir"

    expect_success "same file again" import --tenant "$tenant" --time-zone Etc/UTC "$dir"
    expect_contains "$OUTPUT" "TeslaFi12018.csv: already imported" "a completed file is skipped"
    expect_eq "$(count_of "$tenant" positions)" 2 "nothing imported twice"

    echo >>"$dir/TeslaFi12018.csv"
    expect_success "changed file" import --tenant "$tenant" --time-zone Etc/UTC "$dir"
    expect_contains "$OUTPUT" "TeslaFi12018.csv: imported" "a new fingerprint is a new file"
    expect_eq "$(count_of "$tenant" import_file_checkpoints)" 2 "two file identities"
    expect_eq "$(count_of "$tenant" positions)" 2 "the overlap rule keeps rows from doubling"
}

# ---- tenants ---------------------------------------------------------------------

test_two_tenants_same_file() {
    fresh_database
    local tenant_a tenant_b
    tenant_a=$(new_tenant)
    tenant_b=$(new_tenant)
    expect_success "import a" import --tenant "$tenant_a" --time-zone America/Los_Angeles \
        "$TESLAFI/01_complete"
    expect_success "import b" import --tenant "$tenant_b" --time-zone America/Los_Angeles \
        "$TESLAFI/01_complete"

    local table query
    for table in drives charging_processes states updates charges positions; do
        case $table in
            drives) query="start_date, end_date, distance, start_km, end_km, duration_min" ;;
            charging_processes) query="start_date, end_date, charge_energy_added, charge_energy_used" ;;
            states) query="state, start_date, end_date" ;;
            updates) query="version, start_date" ;;
            charges) query="date, charge_energy_added, charger_power" ;;
            positions) query="date, latitude, longitude, odometer, drive_id IS NULL" ;;
        esac
        expect_eq "$(sql "SELECT $query FROM $table WHERE tenant_id = '$tenant_a' ORDER BY 1, 2")" \
            "$(sql "SELECT $query FROM $table WHERE tenant_id = '$tenant_b' ORDER BY 1, 2")" \
            "$table identical for both tenants"
    done
    expect_eq "$(count_of "$tenant_a" drives) $(count_of "$tenant_b" drives)" "2 2" "separate drives"
    expect_eq "$(sql "SELECT count(DISTINCT car_id) FROM drives")" 2 "each tenant has its own car"

    # Row-level security: the collector role with tenant a's id reads only a's rows.
    expect_eq "$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c "BEGIN" -c "SET LOCAL ROLE tenantmate_collector" \
        -c "SELECT set_config('tenantmate.tenant_id', '$tenant_a', true)" \
        -c "SELECT count(*) FROM drives" -c "COMMIT" | tail -n 1)" 2 "a sees only its drives"
}

test_one_import_per_tenant() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    spawn holder psql -X -q -c "SELECT pg_advisory_lock(('x' || left(md5('tenantmate-import:' || '$tenant'), 16))::bit(64)::bigint)" \
        -c "SELECT pg_sleep(30)"
    wait_for "[ \$(sql \"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted\") -ge 1 ]" 10 \
        "lock held"
    expect_failure "second import" import --tenant "$tenant" --time-zone Etc/UTC "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" "another import for tenant $tenant is running" "says why"
    expect_eq "$(count_of "$tenant" import_runs)" 0 "nothing started"

    local other
    other=$(new_tenant)
    expect_success "another tenant is not blocked" import --tenant "$other" --time-zone Etc/UTC \
        "$TESLAFI/08_resilient"
}

# ---- bad input ----------------------------------------------------------------------

test_truncated_file_then_resume() {
    fresh_database
    local tenant dir size
    tenant=$(new_tenant)
    size=$(stat -c %s "$TESLAFI/01_complete/TeslaFi72016.csv")
    dir=$(head -c $((size - 40)) "$TESLAFI/01_complete/TeslaFi72016.csv" | with_bad_july)

    expect_failure "truncated July" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv ends in the middle of row 100" "names file and row"
    expect_contains "$OUTPUT" "TeslaFi72016.csv: failed" "progress marks the file"
    expect_june_only "$tenant" "truncated"

    cp "$TESLAFI/01_complete/TeslaFi72016.csv" "$dir/"
    expect_success "resume with the fixed file" import --tenant "$tenant" \
        --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi62016.csv: already imported" "June is not imported twice"
    expect_eq "$(states_of "$tenant")" \
"online 2016-06-26T14:59:31Z 2016-07-01T07:25:33Z
asleep 2016-07-01T07:25:33Z open" "the same states as one import"
    # The resumed file starts with a fresh state machine, as a restarted
    # TeslaMate import does: its first online row stores a state-entry
    # position that the uninterrupted import does not have.
    expect_eq "$(count_of "$tenant" positions)" 39 "one position more than one import"
    expect_eq "$(sql "SELECT count(*) FROM positions WHERE tenant_id = '$tenant' AND date = '2016-07-01 07:01:33'")" 1 \
        "the extra position is July's state entry"
    expect_eq "$(count_of "$tenant" updates)" 1 "the firmware is not recorded again"
    expect_eq "$(count_of "$tenant" drives) $(count_of "$tenant" charging_processes)" "2 1" \
        "the same drives and charging session"
}

test_file_that_is_not_csv() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(gzip -c "$TESLAFI/01_complete/TeslaFi72016.csv" | with_bad_july)
    expect_failure "gzip as July" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv is not a CSV text file" "says what is wrong"
    expect_june_only "$tenant" "not CSV"

    fresh_database
    tenant=$(new_tenant)
    dir=$(printf 'Date;state\n2016-07-01 00:00:35;online\n' | with_bad_july)
    expect_failure "semicolons" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv is not a TeslaFi CSV export" "another delimiter"
    expect_june_only "$tenant" "semicolons"
}

test_unknown_header() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(sed '1s/,Date,/,Datum,/' "$TESLAFI/01_complete/TeslaFi72016.csv" | with_bad_july)
    expect_failure "no Date column" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv has an unknown header: no Date column" "names the column"
    expect_june_only "$tenant" "unknown header"
}

test_mixed_date_formats() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(sed '50s/"2016-07-01 \([0-9:]*\)"/"13\/07\/2016 \1"/' "$TESLAFI/01_complete/TeslaFi72016.csv" |
        with_bad_july)
    grep -q '13/07/2016' "$dir/TeslaFi72016.csv" || fail "fixture edit"
    expect_failure "day-first date" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv mixes date formats: row 50" "names file and row"
    expect_june_only "$tenant" "mixed dates"
}

test_empty_file() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(with_bad_july </dev/null)
    expect_failure "zero bytes" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "TeslaFi72016.csv is empty (0 bytes)" "says it is empty"
    expect_june_only "$tenant" "empty"
}

test_second_car_aborts_file() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(sed '80s/1YYSA1YYYFF08YYYY/5YJSA1E2XHF000001/; 80s/,1111111111,/,2222222222,/' \
        "$TESLAFI/01_complete/TeslaFi72016.csv" | with_bad_july)
    grep -q 5YJSA1E2XHF000001 "$dir/TeslaFi72016.csv" || fail "fixture edit"
    expect_failure "second car" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_contains "$OUTPUT" "vehicle_changed: TeslaFi72016.csv row 80 belongs to another car" \
        "names file and row"
    expect_not_contains "$OUTPUT" 5YJSA1E2XHF000001 "does not print the other car's VIN"
    expect_june_only "$tenant" "second car"
}

test_dry_run_writes_nothing() {
    fresh_database
    local tenant table
    tenant=$(new_tenant)
    expect_success "dry run" import --tenant "$tenant" --time-zone America/Los_Angeles --dry-run \
        "$TESLAFI/01_complete"
    expect_contains "$OUTPUT" "dry run: nothing written" "says so"
    expect_contains "$OUTPUT" "TeslaFi62016.csv: checked (dry run)" "files are checked, not imported"
    expect_not_contains "$OUTPUT" "csv: imported" "no file claims to be imported"
    expect_contains "$OUTPUT" "states 2, drives 2, charging sessions 1, updates 1" "what would be written"
    for table in cars states drives positions charging_processes updates import_runs \
        import_file_checkpoints; do
        expect_eq "$(sql "SELECT count(*) FROM $table")" 0 "no $table row"
    done

    local dir
    dir=$(with_bad_july </dev/null)
    expect_failure "dry run of a bad file" import --tenant "$tenant" --time-zone Etc/UTC --dry-run "$dir"
    expect_contains "$OUTPUT" "is empty" "validates the files"
}

test_bad_arguments() {
    fresh_database
    local tenant
    tenant=$(new_tenant)
    expect_failure "unknown zone" import --tenant "$tenant" --time-zone Mars/Olympus "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" 'unknown time zone "Mars/Olympus"' "names the zone"

    expect_failure "missing zone" import --tenant "$tenant" "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" "missing --time-zone" "asks for the zone"

    expect_failure "unknown tenant" import --tenant "$(new_uuid)" --time-zone Etc/UTC "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" "not found: add it first with tenantmate tenants add" "says what to do"

    expect_failure "no files" import --tenant "$tenant" --time-zone Etc/UTC "$TEST_TMP"
    expect_contains "$OUTPUT" "no TeslaFi export found" "empty directory"

    echo "x" >"$TEST_TMP/export.csv"
    expect_failure "unnamed month" import --tenant "$tenant" --time-zone Etc/UTC "$TEST_TMP/export.csv"
    expect_contains "$OUTPUT" "cannot tell the month of $TEST_TMP/export.csv" "explains the naming rule"

    expect_failure "bad vehicle id" import --tenant "$tenant" --time-zone Etc/UTC --vehicle-id x \
        "$TESLAFI/08_resilient"
    expect_contains "$OUTPUT" 'invalid --vehicle-id "x"' "names the value"
    expect_eq "$(sql "SELECT count(*) FROM import_runs")" 0 "no run started"
}

test_discard_interrupted_run() {
    fresh_database
    local tenant dir
    tenant=$(new_tenant)
    dir=$(with_bad_july </dev/null)
    expect_failure "failing import" import --tenant "$tenant" --time-zone America/Los_Angeles "$dir"
    expect_success "discard" import --tenant "$tenant" --discard "$dir"
    expect_contains "$OUTPUT" "discarded" "confirms"
    expect_eq "$(sql "SELECT status FROM import_runs WHERE tenant_id = '$tenant'")" abandoned "abandoned"
    expect_eq "$(count_of "$tenant" drives)" 2 "imported rows stay"
}

run_tests
