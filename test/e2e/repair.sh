#!/usr/bin/env bash
# End-to-end tests of the repair service under tenantmate-supervisor, with
# the real binaries and a real PostgreSQL: one repair process per cluster
# under an advisory lock, restarted after kill -9 and after a bad
# configuration, stopped with the supervisor, gone with a killed
# supervisor, none with TENANTMATE_REPAIR=false, and addresses filled
# through fake-nominatim. No tenant needs a worker for any of this.

. "$(dirname "$0")/../lib/e2e.sh"

export TENANTMATE_LOG_LEVEL=info
unset TENANTMATE_WORKER_PATH TENANTMATE_RESCAN_INTERVAL TENANTMATE_STOP_TIMEOUT \
    TENANTMATE_LOCK_LEASE TENANTMATE_LOG_FILE TENANTMATE_REPAIR TOKEN \
    TENANTMATE_GEOCODER_URL TENANTMATE_GEOCODER_LANGUAGE TENANTMATE_GEOCODER_TIMEOUT \
    TENANTMATE_GEOCODER_INTERVAL TENANTMATE_SRTM_URL TENANTMATE_SRTM_TIMEOUT \
    TENANTMATE_REPAIR_INTERVAL TENANTMATE_ELEVATION_INTERVAL TENANTMATE_REPAIR_LIMIT \
    TENANTMATE_ELEVATION
export ENCRYPTION_KEY="e2e-repair-secret-$$"
export TESLA_API_HOST=http://127.0.0.1:9 TESLA_AUTH_HOST=http://127.0.0.1:9

# The repair lock: pg_try_advisory_lock(1953325428, 1), shown in pg_locks
# with objsubid 2.
REPAIR_LOCK="locktype = 'advisory' AND objsubid = 2 AND classid = 1953325428 AND objid = 1"

# ---- helpers ---------------------------------------------------------------

now_s() {
    date +%s.%N
}

elapsed_s() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'
}

within() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# Repair processes among the children of a supervisor pid (or of any
# process when no pid is given), found by process title.
repair_pids() {
    local parent=${1:-}
    if [ -n "$parent" ]; then
        pgrep -P "$parent" -f '^tenantmate: repair' || true
    else
        pgrep -f '^tenantmate: repair' || true
    fi
}

repair_count() {
    repair_pids "$@" | grep -c . || true
}

repair_lock_holders() {
    sql "SELECT count(*) FROM pg_locks WHERE $REPAIR_LOCK AND granted"
}

# Start a supervisor named $1 (log $TEST_TMP/$1.log, pid in ${1}_pid) and
# wait until it listens. SRTM tiles are looked for in the test's directory.
start_supervisor() {
    local name=${1:-supervisor}
    mkdir -p "$TEST_TMP/srtm"
    SRTM_CACHE=$TEST_TMP/srtm spawn "$name" "$BIN/tenantmate-supervisor"
    wait_for "grep -q 'listening on channel tenantmate_tenants' '$TEST_TMP/$name.log'" 10 \
        "$name connects and listens"
}

wait_for_repair() {
    local parent=$1 timeout_s=${2:-5}
    wait_for "[ \"\$(repair_count $parent)\" -eq 1 ]" "$timeout_s" \
        "a repair service under supervisor $parent"
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

# ---- tests -----------------------------------------------------------------

test_supervisor_starts_one_repair_service() {
    fresh_database
    start_supervisor
    wait_for_repair "$supervisor_pid"
    local pid
    pid=$(repair_pids "$supervisor_pid")

    wait_for "ps -o args= -p $pid | grep -q 'elevation=idle'" 10 "the first elevation pass ends"
    expect_eq "$(ps -o args= -p "$pid")" "tenantmate: repair addresses=off elevation=idle" \
        "process title"
    expect_eq "$(repair_lock_holders)" 1 "repair lock holders"
    expect_eq "$(sql "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                      WHERE l.$REPAIR_LOCK")" tenantmate-supervisor "the lock's session"
    expect_eq "$(sql "SELECT count(*) FROM tenantmate_workers")" 0 "status rows"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "service=repair pid=$pid: repair service started" "start logged with its pid"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "repair service starting: addresses off" \
        "the service's own start line"

    kill -USR1 "$supervisor_pid"
    wait_for "grep -q 'service=repair pid=$pid: state=' '$TEST_TMP/supervisor.log'" 3 \
        "process table line"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "process table: 0 tenants, database ready, repair service here" "table header"
    expect_contains "$(grep "service=repair pid=$pid: state=" "$TEST_TMP/supervisor.log")" \
        "state=up uptime=" "the service reported ready"
    expect_contains "$(grep "service=repair pid=$pid: state=" "$TEST_TMP/supervisor.log")" \
        "restarts=0 next_restart=- lock=held" "restarts and lock"
    expect_no_sanitizer_report
}

test_kill_9_restarts_repair_after_backoff() {
    fresh_database
    start_supervisor
    wait_for_repair "$supervisor_pid"
    local old_pid killed_at delay_s
    old_pid=$(repair_pids "$supervisor_pid")

    killed_at=$(now_s)
    kill -9 "$old_pid"
    wait_for "[ -n \"\$(repair_pids $supervisor_pid)\" ] && \
        [ \"\$(repair_pids $supervisor_pid)\" != $old_pid ]" 5 "repair service restarted"
    delay_s=$(elapsed_s "$(now_s)" "$killed_at")
    within "$delay_s" 0.5 2.0 || fail "restart after $delay_s s, expected about 1 s"
    expect_eq "$(repair_count)" 1 "repair processes"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "service=repair pid=$old_pid: repair service ended after" "exit logged"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "with signal 9 (SIGKILL); restart 1 in 1.0 s" "signal and delay logged"
    expect_eq "$(repair_lock_holders)" 1 "the lock stays held across the restart"
}

test_invalid_repair_configuration_backs_off() {
    fresh_database
    TENANTMATE_GEOCODER_URL=ftp://127.0.0.1/ start_supervisor
    wait_for "grep -q 'restart 2 in 2.0 s' '$TEST_TMP/supervisor.log'" 10 "two restarts"
    local log
    log=$(cat "$TEST_TMP/supervisor.log")
    expect_contains "$log" "invalid TENANTMATE_GEOCODER_URL" "the service names the variable"
    expect_contains "$log" \
        "with exit status 43 (invalid configuration); restart 1 in 1.0 s" "backoff 1 s"
    expect_contains "$log" \
        "with exit status 43 (invalid configuration); restart 2 in 2.0 s" "backoff 2 s"
    kill -0 "$supervisor_pid" || fail "the supervisor exited"
}

test_two_supervisors_run_repair_once() {
    fresh_database
    export TENANTMATE_RESCAN_INTERVAL=0.5
    start_supervisor first
    start_supervisor second
    wait_for "[ \"\$(repair_count)\" -eq 1 ]" 5 "one repair service"

    # Several rescans of both supervisors later, still one.
    sleep 2
    expect_eq "$(repair_count)" 1 "repair processes"
    expect_eq "$(repair_lock_holders)" 1 "repair lock holders"

    local runner other
    if [ "$(repair_count "$first_pid")" -eq 1 ]; then
        runner=first other=second
    else
        runner=second other=first
    fi
    local runner_pid_name=${runner}_pid other_pid_name=${other}_pid
    kill -TERM "${!runner_pid_name}"
    wait "${!runner_pid_name}"
    wait_for "[ \"\$(repair_count ${!other_pid_name})\" -eq 1 ]" 5 \
        "the other supervisor takes the repair service over"
    expect_eq "$(repair_count)" 1 "repair processes after the hand-over"
    expect_eq "$(repair_lock_holders)" 1 "repair lock holders after the hand-over"
}

test_sigterm_stops_repair_service() {
    fresh_database
    start_supervisor
    wait_for_repair "$supervisor_pid"
    local pid status
    pid=$(repair_pids "$supervisor_pid")

    kill -TERM "$supervisor_pid"
    wait "$supervisor_pid"
    status=$?
    expect_eq "$status" 0 "supervisor exit status"
    kill -0 "$pid" 2>/dev/null && fail "repair service $pid still running"
    expect_eq "$(repair_count)" 0 "repair processes"
    # Only this test's database: a previous test's backend may still be
    # ending elsewhere in the cluster.
    expect_eq "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
                      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" \
        0 "advisory locks left"
    local log
    log=$(cat "$TEST_TMP/supervisor.log")
    expect_contains "$log" "shutting down: stopping 0 workers and the repair service" \
        "shutdown logged"
    expect_contains "$log" "service=repair pid=$pid: repair service stopped with exit status 0" \
        "clean exit logged"
    expect_contains "$log" "repair service stopped:" "the service's own stop line"
    expect_no_sanitizer_report
}

test_killed_supervisor_takes_repair_along() {
    fresh_database
    start_supervisor
    wait_for_repair "$supervisor_pid"
    local pid
    pid=$(repair_pids "$supervisor_pid")

    kill -9 "$supervisor_pid"
    wait_for "! kill -0 $pid" 5 "repair service exits with its supervisor"
}

test_repair_false_starts_none() {
    fresh_database
    export TENANTMATE_REPAIR=false
    start_supervisor
    sleep 1
    expect_eq "$(repair_count)" 0 "repair processes"
    expect_eq "$(repair_lock_holders)" 0 "repair lock holders"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "repair service off (TENANTMATE_REPAIR=false)" "start line says so"

    TENANTMATE_REPAIR=sometimes expect_failure "a bad TENANTMATE_REPAIR" \
        "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" 'invalid TENANTMATE_REPAIR "sometimes": expected true or false' \
        "names the variable and the accepted values"
}

test_worker_rejects_unknown_service() {
    fresh_database
    local status
    "$BIN/tenantmate-worker" --service backup >"$TEST_TMP/service.log" 2>&1
    status=$?
    expect_eq "$status" 43 "exit status of an unknown service"
    expect_contains "$(cat "$TEST_TMP/service.log")" \
        'invalid service "backup": the only service is "repair"' "names the value"
    expect_failure "--service without a value" "$BIN/tenantmate-worker" --service
    expect_contains "$OUTPUT" "expected --tenant UUID or --service repair" "usage"
}

# The service started by the supervisor gets the environment it needs: a
# drive without addresses gets them through fake-nominatim.
test_supervised_repair_fills_addresses() {
    fresh_database
    spawn fake "$BIN/fake-nominatim" --port 0
    wait_for "grep -q '^listening on' '$TEST_TMP/fake.log'" 5 "fake-nominatim listens"
    local url tenant drive
    url="http://$(sed -n 's/^listening on //p' "$TEST_TMP/fake.log")"
    tenant=$(new_uuid)
    sql "INSERT INTO tenants (id, name) VALUES ('$tenant', 'repair')" >/dev/null
    # A data-modifying WITH cannot update the rows it inserts, so the
    # positions are linked in a second statement.
    drive=$(sql "WITH s AS (INSERT INTO car_settings (tenant_id) VALUES ('$tenant') RETURNING id),
        c AS (INSERT INTO cars (eid, vid, vin, settings_id, inserted_at, updated_at, tenant_id)
              SELECT 1, 1, 'VIN1', s.id, now(), now(), '$tenant' FROM s RETURNING id),
        d AS (INSERT INTO drives (start_date, end_date, car_id, tenant_id)
              SELECT now() - interval '1 hour', now() - interval '50 minutes', c.id, '$tenant'
              FROM c RETURNING id, car_id)
        INSERT INTO positions (date, latitude, longitude, car_id, drive_id, tenant_id)
        SELECT now() - interval '1 hour', 52.514521, 13.350144, d.car_id, d.id, '$tenant'
        FROM d RETURNING drive_id")
    sql "UPDATE drives SET start_position_id = p.id, end_position_id = p.id FROM positions p
         WHERE drives.id = $drive AND p.drive_id = $drive" >/dev/null || fail "link the positions"

    TENANTMATE_GEOCODER_URL=$url TENANTMATE_GEOCODER_INTERVAL=0.1 start_supervisor
    wait_for "[ \"\$(sql \"SELECT count(*) FROM drives WHERE id = $drive
        AND start_address_id IS NOT NULL AND end_address_id IS NOT NULL\")\" -eq 1 ]" 15 \
        "the drive's addresses"
    expect_eq "$(sql "SELECT a.osm_id FROM drives d JOIN addresses a ON a.id = d.start_address_id
                      WHERE d.id = $drive")" 89721012 "the start address (Grosser Stern)"
}

run_tests
