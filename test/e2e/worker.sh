#!/usr/bin/env bash
# End-to-end tests of the live collector (tenantmate-worker), with a real
# PostgreSQL, fake-tesla replaying recorded TeslaFi data, and the real
# supervisor where a test kills workers. They cover the three-tenant demo,
# token rotation, a 401, a car asleep all along, bad bodies, bad tokens,
# the account limit, a lost database connection, bad configuration, and
# kill -9 in a drive and in a charge. Others cover addresses and elevation
# through fake-nominatim, a stalled geocoder, and the poll statistics line.
# Polling runs fast (TENANTMATE_ALLOW_FAST_POLLING); fake-tesla replays by
# request count, so the rows come out as at TeslaMate's speed.

. "$(dirname "$0")/../lib/e2e.sh"

export ENCRYPTION_KEY="e2e-worker-secret-$$"
export TENANTMATE_LOG_LEVEL=info
unset TOKEN TENANTMATE_LOG_FILE TENANTMATE_WORKER_PATH TENANTMATE_MAX_POLL_INTERVAL \
    POLLING_ASLEEP_INTERVAL POLLING_DRIVING_INTERVAL POLLING_DEFAULT_INTERVAL \
    POLLING_ONLINE_INTERVAL POLLING_CHARGING_INTERVAL POLLING_MINIMUM_INTERVAL \
    TENANTMATE_GEOCODER_URL TENANTMATE_GEOCODER_LANGUAGE TENANTMATE_GEOCODER_TIMEOUT \
    TENANTMATE_GEOCODER_INTERVAL TENANTMATE_SRTM_URL TENANTMATE_SRTM_TIMEOUT SRTM_CACHE \
    TENANTMATE_REPAIR

COMPLETE="$SHARED/data/teslafi/01_complete"
JUNE="$COMPLETE/TeslaFi62016.csv"
JULY="$COMPLETE/TeslaFi72016.csv"

# The tables that hold a tenant's collected rows.
TENANT_TABLES="cars car_settings settings vehicles states positions drives
    charging_processes charges updates"

# Poll every 10 ms; every fixed delay of the state machine (charging
# power, error retries) is capped at 50 ms.
fast_polling() {
    export TENANTMATE_ALLOW_FAST_POLLING=1
    export TENANTMATE_MAX_POLL_INTERVAL=${1:-0.05}
    export POLLING_DEFAULT_INTERVAL=0.01 POLLING_DRIVING_INTERVAL=0.01 \
        POLLING_CHARGING_INTERVAL=0.01 POLLING_ASLEEP_INTERVAL=0.05 \
        POLLING_ONLINE_INTERVAL=0.05 TENANTMATE_OFFLINE_MAX_INTERVAL=0.05
}

# ---- helpers ---------------------------------------------------------------

# Starts fake-tesla on a free port with the given arguments and points the
# worker at it.
start_fake() {
    spawn fake "$BIN/fake-tesla" --port 0 --threads 2 "$@"
    wait_for 'grep -q "^listening on 127.0.0.1:" "$TEST_TMP/fake.log"' 15 "fake-tesla listening"
    FAKE_URL="http://$(sed -n 's/^listening on //p' "$TEST_TMP/fake.log")"
    export TESLA_API_HOST=$FAKE_URL TESLA_AUTH_HOST=$FAKE_URL
}

# One account "acme" (tokens access-1 / refresh-1) with car 42 replaying
# $1 (a JSON string or array); $2: extra members of the account.
start_fake_with_car() {
    local trace=$1 extra=${2:-}
    cat >"$TEST_TMP/config.json" <<EOF
{
  "time_zone": "America/Los_Angeles",
  "accounts": [
    {"name": "acme", "access_token": "access-1", "refresh_token": "refresh-1",
     $extra
     "cars": [{"id": 42, "vin": "5YJSA1E40GF000042", "display_name": "Car A",
               "vehicle_config": {"car_type": "models2", "trim_badging": "p90d"},
               "trace": $trace}]}
  ]
}
EOF
    start_fake --config "$TEST_TMP/config.json"
}

fake_done() {
    [ "$(curl -s "$FAKE_URL/_fake/state" | jq -r '.done')" = true ]
}

fake_row() {
    curl -s "$FAKE_URL/_fake/state" | jq -r '.cars[0].row'
}

fake_requests() {
    curl -s "$FAKE_URL/_fake/stats" | jq -r '.totals.requests'
}

add_fault() {
    curl -s -X POST -d "$1" "$FAKE_URL/_fake/faults" >/dev/null
}

add_tenant() {
    "$BIN/tenantmate" tenants add --tenant "$1" --name "tenant-${1:0:8}" >/dev/null ||
        fail "tenants add $1"
}

# add_tenant_with_tokens TENANT ACCESS REFRESH
add_tenant_with_tokens() {
    add_tenant "$1"
    printf '%s\n%s\n' "$2" "$3" | "$BIN/tenantmate" tokens put --tenant "$1" >/dev/null ||
        fail "tokens put $1"
}

stored_refresh_md5() {
    sql "SELECT md5(refresh) FROM private.tokens WHERE tenant_id = '$1'"
}

# count TABLE TENANT [CONDITION]
count() {
    sql "SELECT count(*) FROM $1 WHERE tenant_id = '$2' ${3:+AND $3}"
}

start_worker() {
    spawn worker "$BIN/tenantmate-worker" --tenant "$1"
    wait_for "grep -q 'collector started' '$TEST_TMP/worker.log'" 10 "worker started"
}

# Stops the spawned worker with SIGTERM and checks its exit status.
stop_worker() {
    kill -TERM "$worker_pid"
    wait "$worker_pid"
    local status=$?
    expect_eq "$status" 0 "worker exit status after SIGTERM"
}

# The stopped worker logged exactly one poll statistics line, with polls
# and every field `make bench` and the docs name.
expect_poll_statistics() {
    local lines line polls
    lines=$(grep -c 'poll statistics: ' "$TEST_TMP/worker.log")
    expect_eq "$lines" 1 "poll statistics lines"
    line=$(grep -o 'poll statistics: .*' "$TEST_TMP/worker.log")
    [[ $line =~ ^poll\ statistics:\ polls=([0-9]+)\ lateness_p50_ms=[0-9.]+\ lateness_p99_ms=[0-9.]+\ lateness_max_ms=[0-9.]+\ cpu_user_s=[0-9.]+\ cpu_system_s=[0-9.]+$ ]] ||
        fail "poll statistics line not in the documented form: $line"
    polls=${BASH_REMATCH[1]}
    [ "$polls" -gt 0 ] || fail "poll statistics with no poll: $line"
}

# Starts fake-nominatim (log $TEST_TMP/nominatim.log) with the given
# arguments and points the worker's geocoder at it.
start_nominatim() {
    spawn nominatim "$BIN/fake-nominatim" --port 0 "$@"
    wait_for "grep -q '^listening on' '$TEST_TMP/nominatim.log'" 5 "fake-nominatim listening"
    NOMINATIM_URL="http://$(sed -n 's/^listening on //p' "$TEST_TMP/nominatim.log")"
    export TENANTMATE_GEOCODER_URL=$NOMINATIM_URL TENANTMATE_GEOCODER_INTERVAL=0
}

nominatim_requests() {
    curl -s "$NOMINATIM_URL/admin/requests" | jq -r 'length'
}

expect_no_sanitizer_report() {
    local log
    for log in "$TEST_TMP"/*.log; do
        [ -f "$log" ] || continue
        if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
                -e 'runtime error:' "$log"; then
            fail "sanitizer report in $(basename "$log")"
        fi
    done
}

# The pid of the worker of a tenant, found by its process title.
worker_pid_of() {
    pgrep -f "^tenantmate: worker tenant=$1" || true
}

# Both drives and the charging session of TeslaFi62016.csv, as TeslaMate's
# importer records them.
expect_june_aggregates() {
    local tenant=$1
    expect_eq "$(count drives "$tenant")" 2 "drives of $tenant"
    expect_eq "$(sql "SELECT string_agg(distance::text, ' ' ORDER BY start_date) FROM drives
                      WHERE tenant_id = '$tenant'")" \
        "1.2049430000006396 4.962514999999257" "drive distances of $tenant"
    expect_eq "$(sql "SELECT string_agg(start_date || '-' || end_date::time, ' '
                                        ORDER BY start_date)
                      FROM drives WHERE tenant_id = '$tenant'")" \
        "2016-06-26 18:12:28-18:15:28 2016-06-26 19:22:28-19:34:09" "drive times of $tenant"
    expect_eq "$(sql "SELECT string_agg(duration_min::text, ' ' ORDER BY start_date) FROM drives
                      WHERE tenant_id = '$tenant'")" "3 12" "drive durations of $tenant"
    expect_eq "$(count charging_processes "$tenant")" 1 "charging sessions of $tenant"
    expect_eq "$(sql "SELECT charge_energy_added FROM charging_processes
                      WHERE tenant_id = '$tenant'")" 10.11 "energy added for $tenant"
    expect_eq "$(sql "SELECT start_battery_level || '-' || end_battery_level
                      FROM charging_processes WHERE tenant_id = '$tenant'")" "57-70" \
        "battery levels of $tenant's charge"
    expect_eq "$(sql "SELECT start_date || ' ' || end_date || ' ' || duration_min
                      FROM charging_processes WHERE tenant_id = '$tenant'")" \
        "2016-06-26 23:04:32 2016-06-27 00:14:32 70" "charge times of $tenant"
    expect_eq "$(count drives "$tenant" 'end_date IS NULL')" 0 "open drives of $tenant"
    expect_eq "$(count charging_processes "$tenant" 'end_date IS NULL')" 0 \
        "open charging sessions of $tenant"
}

wait_for_june_rows() {
    local tenant=$1 timeout_s=$2
    wait_for "[ \"\$(count drives $tenant 'end_date IS NOT NULL')\" -ge 2 ] &&
        [ \"\$(count charging_processes $tenant 'end_date IS NOT NULL')\" -ge 1 ] &&
        [ \"\$(count states $tenant \"state = 'asleep'\")\" -ge 1 ]" "$timeout_s" \
        "drives, charge and sleep of $tenant"
}

# ---- the demo: three tenants ------------------------------------------------

test_three_tenants_replay_june() {
    fresh_database
    fast_polling
    start_fake --accounts 3 --trace "$JUNE" --time-zone America/Los_Angeles
    local tenants=() i tenant outsider
    for i in 1 2 3; do
        tenant=$(new_uuid)
        tenants+=("$tenant")
        add_tenant_with_tokens "$tenant" "fake-access-token-$i" "fake-refresh-token-$i"
    done
    outsider=$(new_uuid)
    add_tenant "$outsider"

    spawn supervisor "$BIN/tenantmate-supervisor"
    wait_for fake_done 240 "every trace replayed"
    for tenant in "${tenants[@]}"; do
        wait_for_june_rows "$tenant" 30
    done

    for tenant in "${tenants[@]}"; do
        expect_june_aggregates "$tenant"
        expect_eq "$(count cars "$tenant")" 1 "cars of $tenant"
        expect_eq "$(count vehicles "$tenant" "collector_status = 'active'")" 1 \
            "active vehicles row of $tenant"
        expect_eq "$(count settings "$tenant")" 1 "settings row of $tenant"
        expect_eq "$(sql "SELECT string_agg(state::text, ',' ORDER BY start_date) FROM states
                          WHERE tenant_id = '$tenant'")" "online,asleep" "states of $tenant"
        expect_eq "$(count positions "$tenant" 'drive_id IS NOT NULL')" 32 \
            "drive positions of $tenant"
        expect_eq "$(count charges "$tenant")" 71 "charge samples of $tenant"
        expect_eq "$(sql "SELECT charge_energy_used FROM charging_processes
                          WHERE tenant_id = '$tenant'")" 10.65 "energy used by $tenant"
        wait_for "ps -o args= -p \$(worker_pid_of $tenant) | grep -q 'cars=1 asleep$'" 5 \
            "title of $tenant's worker"
    done

    local table known
    known="'${tenants[0]}', '${tenants[1]}', '${tenants[2]}'"
    for table in $TENANT_TABLES; do
        expect_eq "$(sql "SELECT count(*) FROM $table WHERE tenant_id NOT IN ($known)")" 0 \
            "$table rows of other tenants"
        expect_eq "$(count "$table" "$outsider")" 0 "$table rows of the tenant without tokens"
    done
    expect_not_contains "$(cat "$TEST_TMP"/*.log)" "fake-refresh-token" "token in a log"
    expect_not_contains "$(cat "$TEST_TMP"/*.log)" "$ENCRYPTION_KEY" "key in a log"

    kill -TERM "$supervisor_pid"
    wait "$supervisor_pid"
    expect_eq "$(sql "SELECT count(*) FROM vehicles WHERE collector_status = 'stopped'")" 3 \
        "vehicles stopped after the shutdown"
    expect_no_sanitizer_report
}

# ---- tokens ------------------------------------------------------------------

test_token_rotation_saved_before_use() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JULY\""
    local tenant before
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1
    before=$(stored_refresh_md5 "$tenant")

    start_worker "$tenant"
    wait_for "grep -q 'tokens refreshed (at start) and saved' '$TEST_TMP/worker.log'" 10 \
        "start-up refresh"
    expect_ne "$(stored_refresh_md5 "$tenant")" "$before" "stored refresh token"
    expect_success "tokens check" "$BIN/tenantmate" tokens check --tenant "$tenant"
    # The old refresh token is spent: fake-tesla rejects it.
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' \
        -d '{"grant_type":"refresh_token","client_id":"ownerapi","refresh_token":"refresh-1"}' \
        "$FAKE_URL/oauth2/v3/token")" 401 "old refresh token"

    wait_for fake_done 60 "trace replayed"
    wait_for "[ \"\$(count states $tenant \"state = 'asleep'\")\" -eq 1 ]" 10 "asleep state"
    expect_eq "$(count cars "$tenant")" 1 "cars"
    expect_eq "$(sql "SELECT model || ' ' || trim_badging FROM cars WHERE tenant_id = '$tenant'")" \
        "S P90D" "identification from vehicle_config"
    expect_not_contains "$(cat "$TEST_TMP/worker.log")" "refresh-1" "token in the log"
    expect_not_contains "$(cat "$TEST_TMP/worker.log")" "NA_" "new refresh token in the log"
    stop_worker
    expect_poll_statistics
    expect_no_sanitizer_report
}

test_401_refreshes_and_recovers() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JULY\"" \
        '"faults": [{"kind": "status", "status": 401, "endpoint": "vehicle_data", "count": 1}],'
    local tenant after_start
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for "grep -q 'tokens refreshed (after a 401) and saved' '$TEST_TMP/worker.log'" 10 \
        "refresh after the 401"
    after_start=$(stored_refresh_md5 "$tenant")
    wait_for fake_done 60 "trace replayed after the 401"
    wait_for "[ \"\$(count states $tenant \"state = 'asleep'\")\" -eq 1 ]" 10 "asleep state"

    local log
    log=$(cat "$TEST_TMP/worker.log")
    expect_contains "$log" "vehicle_data: unauthorized (status 401" "401 logged"
    expect_eq "$(grep -c 'tokens refreshed' "$TEST_TMP/worker.log")" 2 \
        "refreshes: at start and after the 401"
    expect_eq "$(stored_refresh_md5 "$tenant")" "$after_start" "no refresh after recovery"
    expect_success "tokens check" "$BIN/tenantmate" tokens check --tenant "$tenant"
    expect_eq "$(sql "SELECT string_agg(state::text, ',' ORDER BY start_date) FROM states
                      WHERE tenant_id = '$tenant'")" "online,asleep" "states"
    stop_worker
    expect_no_sanitizer_report
}

test_rejected_refresh_token_exits_41() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JULY\""
    local tenant status
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-unknown-to-tesla
    sql "INSERT INTO vehicles (tenant_id, tesla_vehicle_id, vin) VALUES ('$tenant', 42, 'x')" \
        >/dev/null

    "$BIN/tenantmate-worker" --tenant "$tenant" >"$TEST_TMP/worker.log" 2>&1
    status=$?
    expect_eq "$status" 41 "exit status"
    expect_eq "$(sql "SELECT collector_status FROM vehicles WHERE tenant_id = '$tenant'")" \
        error "collector_status"
    expect_contains "$(sql "SELECT last_error FROM vehicles WHERE tenant_id = '$tenant'")" \
        "Tesla rejected the refresh token" "last_error"
    expect_eq "$(curl -s "$FAKE_URL/_fake/stats" | jq -r '.totals.billable')" 0 \
        "billable calls after the rejection"
    expect_no_sanitizer_report
}

test_undecryptable_tokens_exit_42_and_mark_error() {
    fresh_database
    local tenant status
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1
    sql "INSERT INTO vehicles (tenant_id, tesla_vehicle_id, vin) VALUES ('$tenant', 42, 'x')" \
        >/dev/null
    export TESLA_API_HOST=http://127.0.0.1:9 TESLA_AUTH_HOST=http://127.0.0.1:9

    ENCRYPTION_KEY=another-key "$BIN/tenantmate-worker" --tenant "$tenant" \
        >"$TEST_TMP/worker.log" 2>&1
    status=$?
    expect_eq "$status" 41 "exit status (tokens rejected)"
    expect_eq "$(sql "SELECT collector_status FROM vehicles WHERE tenant_id = '$tenant'")" \
        error "collector_status"
    expect_contains "$(sql "SELECT last_error FROM vehicles WHERE tenant_id = '$tenant'")" \
        "do not decrypt with ENCRYPTION_KEY" "last_error"
    expect_eq "$(grep -c 'cannot decrypt' "$TEST_TMP/worker.log")" 1 "decrypt errors logged"
    expect_not_contains "$(cat "$TEST_TMP/worker.log")" "collector started" "collector started"
    expect_no_sanitizer_report
}

# ---- cars --------------------------------------------------------------------

test_car_asleep_all_along() {
    fresh_database
    fast_polling
    for _ in 1 2 3 4 5; do echo '{"state": "asleep"}'; done >"$TEST_TMP/asleep.jsonl"
    start_fake_with_car "\"$TEST_TMP/asleep.jsonl\""
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for fake_done 20 "trace replayed"
    wait_for "[ \"\$(count states $tenant)\" -ge 1 ]" 10 "a state row"
    # More polls of the sleeping car after the trace ended.
    local requests
    requests=$(fake_requests)
    wait_for "[ \$(fake_requests) -ge $((requests + 10)) ]" 10 "more polls"
    expect_eq "$(sql "SELECT string_agg(state::text, ',') FROM states WHERE tenant_id = '$tenant'")" \
        asleep "states"
    expect_eq "$(count positions "$tenant")" 0 "positions"
    expect_eq "$(curl -s "$FAKE_URL/_fake/stats" |
        jq -r '.accounts[0].endpoints.vehicle_data.requests // 0')" 0 "vehicle_data calls"
    expect_eq "$(count vehicles "$tenant" "collector_status = 'active' AND tesla_vehicle_id = 42")" 1 \
        "vehicles row"
    expect_eq "$(ps -o args= -p "$worker_pid")" "tenantmate: worker tenant=$tenant cars=1 asleep" \
        "process title"
    stop_worker
    expect_no_sanitizer_report
}

test_malformed_bodies_skipped() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JULY\"" \
        '"faults": [{"kind": "malformed", "endpoint": "vehicle_data", "count": 2},
                    {"kind": "close", "endpoint": "vehicle_data", "count": 1}],'
    local tenant car
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for fake_done 60 "trace replayed despite bad bodies"
    wait_for "[ \"\$(count states $tenant \"state = 'asleep'\")\" -eq 1 ]" 10 "asleep state"
    car=$(sql "SELECT id FROM cars WHERE tenant_id = '$tenant'")
    expect_eq "$(grep -c "tenant=$tenant car=$car.*vehicle_data: malformed_body" \
        "$TEST_TMP/worker.log")" 2 "malformed bodies logged with ids"
    expect_contains "$(cat "$TEST_TMP/worker.log")" "fetch failed: closed" "closed connection"
    # A damaged answer never advances the replay, so no row is lost.
    expect_eq "$(sql "SELECT string_agg(state::text, ',' ORDER BY start_date) FROM states
                      WHERE tenant_id = '$tenant'")" "online,asleep" "states"
    expect_eq "$(count positions "$tenant")" 1 "position at the start of the online state"
    kill -0 "$worker_pid" || fail "worker died"
    stop_worker
    expect_no_sanitizer_report
}

test_exceeded_limit_stops_calls() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JUNE\""
    local tenant before after
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for "[ \$(fake_row) -ge 20 ]" 20 "replay under way"
    add_fault '{"kind": "status", "status": 403}'
    wait_for "grep -q 'account limit exceeded' '$TEST_TMP/worker.log'" 10 "limit logged"
    before=$(fake_requests)
    sleep 1.5   # polls run every 10 ms: any call would show
    after=$(fake_requests)
    expect_eq "$after" "$before" "requests during the pause"
    expect_eq "$(grep -c 'account limit exceeded' "$TEST_TMP/worker.log")" 1 "logged once"
    expect_contains "$(grep 'account limit exceeded' "$TEST_TMP/worker.log")" \
        "no billable call for 900 s (pause 1)" "pause length"
    kill -0 "$worker_pid" || fail "worker died"
    stop_worker
    expect_no_sanitizer_report
}

test_vehicle_not_found_fuse_relists_cars() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JULY\"" \
        '"faults": [{"kind": "status", "status": 404, "endpoint": "summary", "count": 9}],'
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for "grep -q 'restarting every car and listing the vehicles again' \
        '$TEST_TMP/worker.log'" 10 "cars restarted"
    wait_for fake_done 60 "trace replayed after the restart"
    wait_for "[ \"\$(count states $tenant \"state = 'asleep'\")\" -eq 1 ]" 10 "asleep state"
    expect_eq "$(grep -c 'vehicle_not_found fuse blown' "$TEST_TMP/worker.log")" 1 \
        "fuse blown once"
    expect_eq "$(curl -s "$FAKE_URL/_fake/stats" | jq -r '.accounts[0].endpoints.list.requests')" 2 \
        "vehicle lists"
    expect_eq "$(count cars "$tenant")" 1 "cars"
    stop_worker
    expect_no_sanitizer_report
}

# ---- places ------------------------------------------------------------------------

# The recorded June trace has every position at 0.0, 0.0 (personal values
# removed): tile N00E000, whose generated sample there is 3600 m, and
# fake-nominatim's Bielefeld response (way 103619766) for the addresses.
test_replay_stores_addresses_and_elevation() {
    fresh_database
    fast_polling
    start_nominatim --tiles N00E000
    mkdir -p "$TEST_TMP/srtm"
    curl -s -f -o "$TEST_TMP/srtm/N00E000.hgt" "$NOMINATIM_URL/srtm/N00E000.hgt" ||
        fail "download the tile from fake-nominatim"
    export SRTM_CACHE=$TEST_TMP/srtm
    start_fake_with_car "\"$JUNE\""
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for fake_done 60 "trace replayed"
    wait_for_june_rows "$tenant" 30
    wait_for "[ \"\$(count drives $tenant 'start_address_id IS NOT NULL AND end_address_id IS NOT NULL')\" -eq 2 ] &&
        [ \"\$(count charging_processes $tenant 'address_id IS NOT NULL')\" -eq 1 ]" 10 \
        "addresses of both drives and the charge"

    expect_june_aggregates "$tenant"
    expect_eq "$(sql "SELECT string_agg(DISTINCT a.osm_id::text, ',') FROM addresses a
                      WHERE a.id IN (SELECT start_address_id FROM drives
                                     UNION SELECT end_address_id FROM drives
                                     UNION SELECT address_id FROM charging_processes)")" \
        103619766 "the linked address"
    expect_eq "$(nominatim_requests)" 5 "lookups: two ends of two drives and the charge"
    expect_ne "$(count positions "$tenant")" 0 "positions"
    expect_eq "$(count positions "$tenant" 'elevation IS DISTINCT FROM 3600')" 0 \
        "positions without the tile's elevation"
    stop_worker
    expect_poll_statistics
    expect_no_sanitizer_report
}

# Every lookup stalls for a minute (longer than the whole replay): the
# drives and the charge close, the trace finishes, the worker stops at
# once, and the addresses stay NULL for the repair service.
test_stalled_geocoder_never_delays_replay() {
    fresh_database
    fast_polling
    start_nominatim --mode stall --stall 60
    export TENANTMATE_GEOCODER_TIMEOUT=60
    start_fake_with_car "\"$JUNE\""
    local tenant started_s stopped_s status
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    started_s=$SECONDS
    wait_for fake_done 50 "trace replayed while the geocoder stalls"
    wait_for_june_rows "$tenant" 5
    expect_june_aggregates "$tenant"
    [ $((SECONDS - started_s)) -lt 55 ] || fail "the replay waited for the geocoder"
    expect_eq "$(count drives "$tenant" 'start_address_id IS NOT NULL OR end_address_id IS NOT NULL')" \
        0 "drives with an address"
    expect_eq "$(count charging_processes "$tenant" 'address_id IS NOT NULL')" 0 \
        "charges with an address"
    expect_eq "$(nominatim_requests)" 1 "lookups started: one at a time, the first still stalled"

    stopped_s=$(date +%s.%N)
    kill -TERM "$worker_pid"
    wait "$worker_pid"
    status=$?
    expect_eq "$status" 0 "worker exit status after SIGTERM"
    awk -v a="$(date +%s.%N)" -v b="$stopped_s" 'BEGIN { exit !(a - b < 2.0) }' ||
        fail "the worker took more than 2 s to stop with a lookup in flight"
    expect_contains "$(cat "$TEST_TMP/worker.log")" "dropping 5 address lookups still waiting" \
        "dropped lookups logged"
    expect_poll_statistics
    expect_no_sanitizer_report
}

# ---- the database ---------------------------------------------------------------

# Runs SQL in the maintenance database, for statements about the test's own.
sql_maintenance() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres -c "$1"
}

test_database_connection_lost_reconnects() {
    fresh_database
    fast_polling
    start_fake_with_car "\"$JUNE\""
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    start_worker "$tenant"
    wait_for "[ \$(fake_row) -ge 20 ]" 20 "replay under way"
    # No connection is possible until allowed again: the first reconnect
    # fails, the second succeeds.
    sql_maintenance "ALTER DATABASE $PGDATABASE ALLOW_CONNECTIONS false" >/dev/null
    sql_maintenance "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = '$PGDATABASE'" >/dev/null
    wait_for "grep -q 'database reconnect attempt 1 failed' '$TEST_TMP/worker.log'" 10 \
        "failed reconnect"
    sql_maintenance "ALTER DATABASE $PGDATABASE ALLOW_CONNECTIONS true" >/dev/null
    wait_for "grep -q 'database connection restored after 2 attempts' '$TEST_TMP/worker.log'" \
        10 "reconnect"

    local log
    log=$(cat "$TEST_TMP/worker.log")
    expect_contains "$log" "database connection lost" "loss logged"
    expect_contains "$log" "reconnecting in 1.0 s" "first delay logged"
    expect_contains "$log" "retrying in 2.0 s" "second delay logged"
    wait_for fake_done 120 "trace replayed after the reconnect"
    wait_for_june_rows "$tenant" 30
    expect_june_aggregates "$tenant"
    kill -0 "$worker_pid" || fail "worker died"
    stop_worker
    expect_no_sanitizer_report
}

# ---- configuration -------------------------------------------------------------

test_invalid_configuration_exits_43() {
    fresh_database
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1

    POLLING_DRIVING_INTERVAL=fast expect_failure "non-numeric interval" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" 'invalid POLLING_DRIVING_INTERVAL "fast"' "interval message"
    expect_contains "$OUTPUT" "exiting with status 43" "exit status logged"

    POLLING_ASLEEP_INTERVAL=-1 expect_failure "negative interval" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" 'invalid POLLING_ASLEEP_INTERVAL "-1"' "negative message"

    TENANTMATE_MAX_POLL_INTERVAL=0.1 expect_failure "cap without fast polling" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" "it needs TENANTMATE_ALLOW_FAST_POLLING=1" "cap message"

    TENANTMATE_ALLOW_FAST_POLLING=maybe expect_failure "bad boolean" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" "TENANTMATE_ALLOW_FAST_POLLING" "boolean message"

    TESLA_API_HOST=ftp://127.0.0.1 expect_failure "bad API host" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" "TESLA_API_HOST" "host message"

    TENANTMATE_GEOCODER_URL=ftp://127.0.0.1 expect_failure "bad geocoder URL" \
        "$BIN/tenantmate-worker" --tenant "$tenant"
    expect_contains "$OUTPUT" "invalid TENANTMATE_GEOCODER_URL" "geocoder message"
    expect_contains "$OUTPUT" "exiting with status 43" "places variables are configuration"
}

test_fast_interval_needs_opt_in() {
    fresh_database
    start_fake_with_car "\"$JULY\""
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" access-1 refresh-1
    export POLLING_DRIVING_INTERVAL=0.5

    start_worker "$tenant"
    expect_contains "$(cat "$TEST_TMP/worker.log")" \
        "POLLING_DRIVING_INTERVAL=0.5 is below TeslaMate's floor of 2.5 s, so 2.5 s applies" \
        "floor warning"
    stop_worker
}

# ---- restarts ------------------------------------------------------------------

# kill_worker_when TENANT CONDITION WHAT: waits for the SQL condition to
# hold, kills the tenant's worker with SIGKILL and waits for its successor.
kill_worker_when() {
    local tenant=$1 condition=$2 what=$3 old_pid
    wait_for "[ \"\$(sql \"SELECT $condition\")\" = t ]" 120 "$what"
    old_pid=$(worker_pid_of "$tenant")
    [ -n "$old_pid" ] || fail "no worker for $tenant"
    kill -KILL "$old_pid"
    wait_for "[ -n \"\$(worker_pid_of $tenant)\" ] && [ \"\$(worker_pid_of $tenant)\" != $old_pid ]" \
        10 "worker restarted after kill -9 $what"
}

test_kill_9_in_drive_and_charge() {
    fresh_database
    # Drives and charges polled every 0.3 s leave time to kill the worker
    # in the middle of them.
    fast_polling 0.3
    export POLLING_DRIVING_INTERVAL=0.3 POLLING_CHARGING_INTERVAL=0.3
    start_fake --accounts 1 --trace "$JUNE" --time-zone America/Los_Angeles
    local tenant
    tenant=$(new_uuid)
    add_tenant_with_tokens "$tenant" fake-access-token-1 fake-refresh-token-1
    spawn supervisor "$BIN/tenantmate-supervisor"

    kill_worker_when "$tenant" "count(*) >= 3 FROM positions p JOIN drives d ON d.id = p.drive_id
        WHERE d.tenant_id = '$tenant' AND d.end_date IS NULL
          AND (SELECT count(*) FROM drives WHERE tenant_id = '$tenant') = 2" "in drive 2"
    kill_worker_when "$tenant" "count(*) >= 5 FROM charges c JOIN charging_processes p
        ON p.id = c.charging_process_id WHERE p.tenant_id = '$tenant' AND p.end_date IS NULL" \
        "in the charge"

    wait_for fake_done 240 "trace replayed"
    wait_for_june_rows "$tenant" 30
    expect_june_aggregates "$tenant"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "with signal 9 (SIGKILL)" \
        "kill logged by the supervisor"
    expect_eq "$(grep -c 'left open: it is continued' "$TEST_TMP/supervisor.log")" 2 \
        "open drive and charge resumed"
}

run_tests
