#!/usr/bin/env bash
# End-to-end tests of places with the real binaries and a real PostgreSQL:
# the repair service (tenantmate-worker --service repair) fills addresses
# through fake-nominatim and elevations from tiles it downloads from it,
# recovers when the geocoder comes back, stops on SIGTERM; geofence rules
# reject bad values with clear messages; fake-nominatim's own interface.
# Nothing here contacts a host other than 127.0.0.1.

. "$(dirname "$0")/../lib/e2e.sh"

export TENANTMATE_LOG_LEVEL=info
unset TENANTMATE_GEOCODER_URL TENANTMATE_GEOCODER_LANGUAGE TENANTMATE_GEOCODER_TIMEOUT \
    TENANTMATE_GEOCODER_INTERVAL TENANTMATE_SRTM_URL TENANTMATE_SRTM_TIMEOUT SRTM_CACHE \
    TENANTMATE_REPAIR_INTERVAL TENANTMATE_ELEVATION_INTERVAL TENANTMATE_REPAIR_LIMIT \
    TENANTMATE_ELEVATION TENANTMATE_LOG_FILE

TENANT_A=aaaaaaaa-1111-4000-8000-00000000000a
TENANT_B=bbbbbbbb-2222-4000-8000-00000000000b

# ---- helpers ---------------------------------------------------------------

# Start fake-nominatim on a free port (log $TEST_TMP/fake.log) with extra
# arguments and set FAKE_PORT and FAKE_URL from its "listening on" line.
start_fake() {
    spawn fake "$BIN/fake-nominatim" --port 0 "$@"
    wait_for "grep -q '^listening on' '$TEST_TMP/fake.log'" 5 "fake-nominatim listens"
    FAKE_PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$TEST_TMP/fake.log")
    FAKE_URL=http://127.0.0.1:$FAKE_PORT
}

stop_fake() {
    kill -TERM "$fake_pid" 2>/dev/null
    wait "$fake_pid" 2>/dev/null
}

# A tenant with one car (id printed).
add_tenant_with_car() {
    local tenant=$1 eid=$2
    sql "INSERT INTO tenants (id, name) VALUES ('$tenant', 'places-$eid')" >/dev/null
    sql "WITH s AS (INSERT INTO car_settings (tenant_id) VALUES ('$tenant') RETURNING id)
         INSERT INTO cars (eid, vid, vin, settings_id, inserted_at, updated_at, tenant_id)
         SELECT $eid, $eid, 'VIN$eid', s.id, now(), now(), '$tenant' FROM s RETURNING id"
}

# A closed drive of the car through the points "lat lng;lat lng;...",
# dated an hour ago, one position a second, every position with an
# odometer and an ideal range. Prints the drive id.
add_drive() {
    local tenant=$1 car=$2 points=$3
    sql "DO \$\$
DECLARE
    drive integer;
    first_position integer;
    last_position integer;
    point text;
    i integer := 0;
    started timestamp := (now() AT TIME ZONE 'UTC') - interval '1 hour';
BEGIN
    INSERT INTO drives (start_date, car_id, tenant_id) VALUES (started, $car, '$tenant')
        RETURNING id INTO drive;
    FOREACH point IN ARRAY string_to_array('$points', ';') LOOP
        INSERT INTO positions (date, latitude, longitude, car_id, drive_id, odometer,
                               ideal_battery_range_km, tenant_id)
        VALUES (started + i * interval '1 second', split_part(point, ' ', 1)::numeric,
                split_part(point, ' ', 2)::numeric, $car, drive, 100 + i, 300, '$tenant')
        RETURNING id INTO last_position;
        IF i = 0 THEN first_position := last_position; END IF;
        i := i + 1;
    END LOOP;
    UPDATE drives SET end_date = started + (i - 1) * interval '1 second',
        start_position_id = first_position, end_position_id = last_position,
        ascent = 0, descent = 0
    WHERE id = drive;
END
\$\$" >/dev/null || fail "add a drive for tenant $tenant"
    sql "SELECT max(id) FROM drives WHERE tenant_id = '$tenant'"
}

# Start the repair service (log $TEST_TMP/repair.log) on the fake.
start_repair() {
    mkdir -p "$TEST_TMP/srtm"
    spawn repair env TENANTMATE_GEOCODER_URL="$FAKE_URL" TENANTMATE_GEOCODER_INTERVAL=0.1 \
        TENANTMATE_GEOCODER_TIMEOUT=2 SRTM_CACHE="$TEST_TMP/srtm" \
        TENANTMATE_SRTM_URL="$FAKE_URL/srtm/{tile}.hgt" "$@" \
        "$BIN/tenantmate-worker" --service repair
}

missing_addresses() {
    sql "SELECT count(*) FROM drives WHERE start_address_id IS NULL OR end_address_id IS NULL"
}

# ---- tests -----------------------------------------------------------------

test_repair_fills_addresses_and_elevations() {
    fresh_database
    start_fake --tiles N00E000,N01E001
    local car_a car_b drive_a drive_b
    car_a=$(add_tenant_with_car $TENANT_A 1)
    car_b=$(add_tenant_with_car $TENANT_B 2)
    drive_a=$(add_drive $TENANT_A "$car_a" "0.5 0.5;1.5 1.5;7.5 7.5;7.6 7.6;0.5 0.5")
    add_drive $TENANT_A "$car_a" "52.515 13.351;52.394246 13.542552" >/dev/null
    drive_b=$(add_drive $TENANT_B "$car_b" "-25.066188 -130.100502;0.5 0.5")

    start_repair
    wait_for "[ \"\$(missing_addresses)\" -eq 0 ]" 15 "every drive end has an address"
    wait_for "grep -q 'elevation pass done' '$TEST_TMP/repair.log'" 15 "the elevation pass ends"

    expect_eq "$(sql "SELECT string_agg(coalesce(elevation::text, 'NULL'), ',' ORDER BY id)
                      FROM positions WHERE drive_id = $drive_a")" \
        "2400,2448,NULL,NULL,2400" "elevations from the downloaded tiles, NULL outside them"
    expect_eq "$(sql "SELECT ascent || '|' || descent FROM drives WHERE id = $drive_a")" \
        "48|48" "ascent and descent follow the new elevations"
    expect_eq "$(sql "SELECT a.city FROM drives d JOIN addresses a ON a.id = d.start_address_id
                      WHERE d.id = $drive_b")" "Adamstown" "tenant B's drive start"
    expect_eq "$(sql "SELECT count(*) FROM addresses")" 4 \
        "one row per place: Bielefeld, Grosser Stern, the service centre, Adamstown"
    expect_eq "$(grep -c 'no SRTM tile N07E007' "$TEST_TMP/repair.log")" 1 \
        "one log line for the missing tile, not one per position"
    expect_eq "$(ls "$TEST_TMP/srtm")" "$(printf 'N00E000.hgt\nN01E001.hgt')" \
        "downloaded tiles are cached"

    kill -TERM "$repair_pid"
    wait "$repair_pid"
    expect_eq "$?" 0 "the repair service exits 0 on SIGTERM"
    expect_contains "$(cat "$TEST_TMP/repair.log")" "repair service stopped" "logs its stop"
}

# The geocoder is down when the service starts: the pass ends without
# addresses, and the next pass fills them once the geocoder is back.
test_repair_recovers_when_geocoder_returns() {
    fresh_database
    start_fake
    stop_fake
    local car drive
    car=$(add_tenant_with_car $TENANT_A 3)
    drive=$(add_drive $TENANT_A "$car" "48.1 11.5;48.2 11.6")

    start_repair TENANTMATE_REPAIR_INTERVAL=2 TENANTMATE_ELEVATION=false
    wait_for "grep -q 'address repair pass done: 1 tenants, 2 lookups, 0 addresses' \
        '$TEST_TMP/repair.log'" 10 "a pass without the geocoder"
    expect_contains "$(cat "$TEST_TMP/repair.log")" "failed: connection_refused" "logs why lookups fail"
    expect_eq "$(missing_addresses)" 1 "the drive still misses its addresses"

    spawn fake "$BIN/fake-nominatim" --port "$FAKE_PORT"
    wait_for "[ \"\$(missing_addresses)\" -eq 0 ]" 10 "addresses once the geocoder is back"
    expect_eq "$(sql "SELECT a.city FROM drives d JOIN addresses a ON a.id = d.end_address_id
                      WHERE d.id = $drive")" "Bielefeld" "the end address"
}

test_repair_rejects_invalid_configuration() {
    fresh_database
    expect_failure "an ftp geocoder URL" env TENANTMATE_GEOCODER_URL=ftp://127.0.0.1/ \
        "$BIN/tenantmate-worker" --service repair
    expect_contains "$OUTPUT" "invalid TENANTMATE_GEOCODER_URL" "names the variable"
    env TENANTMATE_GEOCODER_INTERVAL=soon "$BIN/tenantmate-worker" --service repair \
        >"$TEST_TMP/interval.log" 2>&1
    expect_eq "$?" 43 "exits with the configuration status"
    expect_contains "$(cat "$TEST_TMP/interval.log")" "TENANTMATE_GEOCODER_INTERVAL" \
        "names the variable"
}

test_geofence_rules_reject_bad_values() {
    fresh_database
    sql "INSERT INTO tenants (id) VALUES ('$TENANT_A')" >/dev/null
    local insert="INSERT INTO geofences (name, latitude, longitude, radius, session_fee,
        tenant_id, inserted_at, updated_at) VALUES"

    expect_failure "radius 0" sql "$insert ('home', 52.5, 13.4, 0, NULL, '$TENANT_A', now(), now())"
    expect_contains "$OUTPUT" "invalid geofence radius 0 m: it must be greater than 0 and less than 5000" \
        "explains the radius"
    expect_failure "negative fee" sql "$insert ('home', 52.5, 13.4, 50, -1, '$TENANT_A', now(), now())"
    expect_contains "$OUTPUT" "invalid geofence session_fee -1.00" "explains the fee"
    expect_eq "$(sql "$insert ('  home ', 52.5, 13.4, 50, 0, '$TENANT_A', now(), now()) RETURNING name")" \
        "home" "a valid geofence is stored, its name trimmed"
}

test_fake_nominatim_interface() {
    start_fake --tiles S01W001
    expect_contains "$(curl -s "$FAKE_URL/reverse?format=jsonv2&lat=52.514521&lon=13.350144")" \
        '"osm_id":89721012' "the Berlin grid response"
    expect_contains "$(curl -s "$FAKE_URL/reverse?lat=-99.9&lon=-99.9")" "Unable to geocode" \
        "the unable-to-geocode point"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$FAKE_URL/srtm/S01W001.hgt")" \
        "200 2884802" "a generated 3 arc-second tile"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$FAKE_URL/srtm/N10E010.hgt")" 404 \
        "no other tile"

    curl -s -X POST "$FAKE_URL/admin/mode?mode=stall&stall=1" >/dev/null
    local took
    took=$(curl -s -o /dev/null -w '%{time_total}' "$FAKE_URL/reverse?lat=1&lon=2")
    awk -v t="$took" 'BEGIN { exit !(t >= 0.9) }' || fail "stall mode responded after $took s"
    curl -s -X POST "$FAKE_URL/admin/mode?mode=not-json" >/dev/null
    expect_contains "$(curl -s "$FAKE_URL/reverse?lat=1&lon=2")" "<html>" "not-json mode"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$FAKE_URL/admin/mode?mode=later")" \
        400 "an unknown mode is rejected"
    expect_contains "$(curl -s "$FAKE_URL/admin/requests")" '"lat":"52.514521"' \
        "requests are listed"

    expect_failure "a bad option" "$BIN/fake-nominatim" --mode sometimes
    expect_contains "$OUTPUT" 'invalid --mode "sometimes"' "names the option"
}

run_tests
