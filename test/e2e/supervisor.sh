#!/usr/bin/env bash
# End-to-end tests of tenantmate-supervisor with the real binaries and a
# real PostgreSQL: discovery, restarts with backoff, stops, signals, two
# supervisors on one database, connection loss, and the worker's start-up
# checks. Crash loops use small worker scripts (TENANTMATE_WORKER_PATH), so
# the real worker has no test-only code path.

. "$(dirname "$0")/../lib/e2e.sh"

export ENCRYPTION_KEY="e2e-supervisor-secret-$$"
export TENANTMATE_LOG_LEVEL=info
unset TENANTMATE_WORKER_PATH TENANTMATE_RESCAN_INTERVAL TENANTMATE_STOP_TIMEOUT \
    TENANTMATE_LOCK_LEASE TENANTMATE_LOG_FILE TOKEN
# The tests here count children, starts and workers per supervisor; the
# repair service would add one of each. test/e2e/repair.sh covers it.
export TENANTMATE_REPAIR=false
# The real worker refreshes the tokens and lists the cars at start: point
# it at a local port where nothing listens, so it never contacts Tesla.
export TESLA_API_HOST=http://127.0.0.1:9 TESLA_AUTH_HOST=http://127.0.0.1:9

# ---- helpers ---------------------------------------------------------------

now_s() {
    date +%s.%N
}

# Print a - b with millisecond precision.
elapsed_s() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'
}

# Succeed when value lies within [low, high].
within() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

add_tenant() {
    "$BIN/tenantmate" tenants add --tenant "$1" --name "tenant-${1:0:8}" >/dev/null ||
        fail "tenants add $1"
}

put_tokens() {
    printf 'access-token-%s\nrefresh-token-%s\n' "$RANDOM" "$RANDOM" |
        "$BIN/tenantmate" tokens put --tenant "$1" >/dev/null || fail "tokens put $1"
}

add_active_tenant() {
    add_tenant "$1"
    put_tokens "$1"
}

notify() {
    sql "SELECT pg_notify('tenantmate_tenants', '$1')" >/dev/null
}

# Start a supervisor named $1 (log $TEST_TMP/$1.log, pid in ${1}_pid) and
# wait until it listens.
start_supervisor() {
    local name=${1:-supervisor}
    spawn "$name" "$BIN/tenantmate-supervisor"
    wait_for "grep -q 'listening on channel tenantmate_tenants' '$TEST_TMP/$name.log'" 10 \
        "$name connects and listens"
}

# Worker processes of a tenant among the children of a supervisor pid (or
# of any process when no pid is given), found by process title.
worker_pids() {
    local tenant=$1 parent=${2:-}
    if [ -n "$parent" ]; then
        pgrep -P "$parent" -f "^tenantmate: worker tenant=$tenant" || true
    else
        pgrep -f "^tenantmate: worker tenant=$tenant" || true
    fi
}

worker_count() {
    worker_pids "$@" | grep -c . || true
}

wait_for_worker() {
    local tenant=$1 parent=$2 timeout_s=${3:-5}
    wait_for "[ \"\$(worker_count $tenant $parent)\" -eq 1 ]" "$timeout_s" \
        "a worker for tenant $tenant"
}

wait_for_no_worker() {
    local tenant=$1 parent=$2 timeout_s=${3:-5}
    wait_for "[ \"\$(worker_count $tenant $parent)\" -eq 0 ]" "$timeout_s" \
        "no worker for tenant $tenant"
}

status_state() {
    sql "SELECT state FROM tenantmate_workers WHERE tenant_id = '$1'"
}

count_lines() {
    grep -c -- "$1" "$2" || true
}

# A worker script for TENANTMATE_WORKER_PATH: records each start time in
# $TEST_TMP/starts and runs the given shell body.
write_worker_script() {
    local body=$1
    cat >"$TEST_TMP/worker.sh" <<EOF
#!/bin/sh
date +%s.%N >>"$TEST_TMP/starts"
$body
EOF
    chmod 0755 "$TEST_TMP/worker.sh"
    export TENANTMATE_WORKER_PATH=$TEST_TMP/worker.sh
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

# ---- discovery and start ---------------------------------------------------

test_new_tenant_gets_worker_within_1s() {
    fresh_database
    start_supervisor
    local tenant started_at pid
    tenant=$(new_uuid)
    add_tenant "$tenant"

    started_at=$(now_s)
    put_tokens "$tenant"
    while [ "$(worker_count "$tenant" "$supervisor_pid")" -eq 0 ]; do
        within "$(elapsed_s "$(now_s)" "$started_at")" 0 1.0 ||
            fail "no worker 1 s after tokens put"
        sleep 0.02
    done

    pid=$(worker_pids "$tenant" "$supervisor_pid")
    expect_eq "$(ps -o args= -p "$pid")" "tenantmate: worker tenant=$tenant" "worker title"
    wait_for "[ \"\$(status_state $tenant)\" = up ]" 5 "status row up"
    expect_eq "$(sql "SELECT pid FROM tenantmate_workers WHERE tenant_id = '$tenant'")" \
        "$pid" "status row pid"
    expect_eq "$(ps -o args= -p "$supervisor_pid")" "tenantmate: supervisor (1 tenant)" \
        "supervisor title"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "tenant=$tenant pid=$pid: worker started" \
        "start logged with tenant and pid"
}

test_kill_9_restarts_after_backoff() {
    fresh_database
    local tenant old_pid new_pid killed_at delay_s
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for_worker "$tenant" "$supervisor_pid"
    old_pid=$(worker_pids "$tenant" "$supervisor_pid")

    killed_at=$(now_s)
    kill -9 "$old_pid"
    wait_for "[ -n \"\$(worker_pids $tenant $supervisor_pid)\" ] && \
        [ \"\$(worker_pids $tenant $supervisor_pid)\" != $old_pid ]" 5 "worker restarted"
    delay_s=$(elapsed_s "$(now_s)" "$killed_at")
    new_pid=$(worker_pids "$tenant" "$supervisor_pid")

    within "$delay_s" 0.5 1.8 || fail "restart after $delay_s s, expected about 1 s"
    expect_ne "$new_pid" "$old_pid" "new worker pid"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "tenant=$tenant pid=$old_pid: worker ended after" "exit logged"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "with signal 9 (SIGKILL); restart 1 in 1.0 s" "signal and delay logged"
    wait_for "[ \"\$(sql \"SELECT restarts FROM tenantmate_workers WHERE tenant_id = '$tenant'\")\" = 1 ]" \
        3 "restart counted in the status row"
}

test_crash_loop_backs_off_1_2_4_s() {
    fresh_database
    write_worker_script 'exit 1'
    local tenant
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for "[ \$(wc -l <'$TEST_TMP/starts') -ge 4 ]" 12 "four starts"

    # Fork times from the supervisor's log lines (UTC, milliseconds).
    local starts delays=() expected=(1 2 4) i
    mapfile -t starts < <(grep "tenant=$tenant pid=[0-9]*: worker started" \
        "$TEST_TMP/supervisor.log" | cut -d' ' -f1 | xargs -I{} date -d {} +%s.%N)
    for i in 0 1 2; do
        delays+=("$(elapsed_s "${starts[i + 1]}" "${starts[i]}")")
    done
    for i in 0 1 2; do
        within "${delays[i]}" "$(awk -v e="${expected[i]}" 'BEGIN { print e - 0.5 }')" \
            "$(awk -v e="${expected[i]}" 'BEGIN { print e + 0.5 }')" ||
            fail "delays ${delays[*]} s, expected ${expected[*]} s (within 0.5 s)"
    done

    local log
    log=$(cat "$TEST_TMP/supervisor.log")
    expect_contains "$log" "with exit status 1 (crash); restart 1 in 1.0 s" "first restart"
    expect_contains "$log" "with exit status 1 (crash); restart 2 in 2.0 s" "second restart"
    expect_contains "$log" "with exit status 1 (crash); restart 3 in 4.0 s" "third restart"
    expect_eq "$(sql "SELECT state FROM tenantmate_workers WHERE tenant_id = '$tenant'")" \
        "backoff" "status row during backoff"
}

test_tokens_rejected_holds_until_token_row_changes() {
    fresh_database
    write_worker_script 'exit 41'
    local tenant
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for "[ \"\$(status_state $tenant)\" = held ]" 5 "tenant held"
    sleep 2.5
    expect_eq "$(wc -l <"$TEST_TMP/starts")" 1 "no restart while held"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "exit status 41 (tokens rejected); not restarting until the tenant's token row" \
        "hold logged"

    put_tokens "$tenant"
    wait_for "[ \$(wc -l <'$TEST_TMP/starts') -ge 2 ]" 3 "restart after new tokens"
}

# ---- stops -----------------------------------------------------------------

test_soft_delete_stops_worker() {
    fresh_database
    local tenant pid
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for_worker "$tenant" "$supervisor_pid"
    pid=$(worker_pids "$tenant" "$supervisor_pid")

    "$BIN/tenantmate" tenants delete --tenant "$tenant" >/dev/null || fail "tenants delete"
    wait_for_no_worker "$tenant" "$supervisor_pid" 3
    kill -0 "$pid" 2>/dev/null && fail "worker $pid still running"
    wait_for "[ \"\$(status_state $tenant)\" = stopped ]" 3 "status row stopped"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "tenant=$tenant pid=$pid: stopping worker: tenant no longer active" "stop logged"
    expect_eq "$(ps -o args= -p "$supervisor_pid")" "tenantmate: supervisor (0 tenants)" \
        "supervisor title"
}

test_subscription_expired_stops_active_restarts() {
    fresh_database
    local tenant
    tenant=$(new_uuid)
    add_tenant "$tenant"
    sql "INSERT INTO subscriptions (tenant_id, plan_name, status) VALUES ('$tenant', 'basic', 'Active')"
    put_tokens "$tenant"
    start_supervisor
    wait_for_worker "$tenant" "$supervisor_pid"

    sql "UPDATE subscriptions SET status = 'Expired' WHERE tenant_id = '$tenant'"
    notify "$tenant"
    wait_for_no_worker "$tenant" "$supervisor_pid" 3

    sql "UPDATE subscriptions SET status = 'Active' WHERE tenant_id = '$tenant'"
    notify "$tenant"
    wait_for_worker "$tenant" "$supervisor_pid" 3

    sql "UPDATE subscriptions SET end_date = now() - interval '1 second',
                                  start_date = now() - interval '1 day'
         WHERE tenant_id = '$tenant'"
    notify "$tenant"
    wait_for_no_worker "$tenant" "$supervisor_pid" 3
}

test_sigterm_leaves_no_child() {
    fresh_database
    local first second status
    first=$(new_uuid)
    second=$(new_uuid)
    add_active_tenant "$first"
    add_active_tenant "$second"
    start_supervisor
    wait_for_worker "$first" "$supervisor_pid"
    wait_for_worker "$second" "$supervisor_pid"

    kill -TERM "$supervisor_pid"
    wait "$supervisor_pid"
    status=$?
    expect_eq "$status" 0 "supervisor exit status"
    expect_eq "$(worker_count "$first")" 0 "first tenant's workers"
    expect_eq "$(worker_count "$second")" 0 "second tenant's workers"
    expect_eq "$(pgrep -P "$supervisor_pid" | grep -c . || true)" 0 "children"
    expect_eq "$(sql "SELECT count(*) FROM tenantmate_workers WHERE state <> 'stopped'")" 0 \
        "status rows left running"
    expect_eq "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
                      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" \
        0 "advisory locks left"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "shutting down: stopping 2 workers" \
        "shutdown logged"
    expect_no_sanitizer_report
}

test_sigterm_kills_stubborn_worker_after_timeout() {
    fresh_database
    # The script ignores SIGTERM and execs sleep, which inherits that.
    write_worker_script "trap '' TERM; exec sleep 600"
    export TENANTMATE_STOP_TIMEOUT=1
    local tenant started_at status
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for "[ -s '$TEST_TMP/starts' ] && pgrep -P \$supervisor_pid >/dev/null" 5 "worker running"
    sleep 0.3

    started_at=$(now_s)
    kill -TERM "$supervisor_pid"
    wait "$supervisor_pid"
    status=$?
    expect_eq "$status" 0 "supervisor exit status"
    within "$(elapsed_s "$(now_s)" "$started_at")" 0.8 2.5 || fail "stop did not take ~1 s"
    expect_eq "$(pgrep -f '^sleep 600$' | grep -c . || true)" 0 "stubborn worker left"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "sending SIGKILL" "SIGKILL logged"
}

# ---- signals and status ----------------------------------------------------

test_sigusr1_logs_process_table() {
    fresh_database
    local tenant pid
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for_worker "$tenant" "$supervisor_pid"
    wait_for "[ \"\$(status_state $tenant)\" = up ]" 5 "worker up"
    pid=$(worker_pids "$tenant" "$supervisor_pid")

    kill -USR1 "$supervisor_pid"
    wait_for "grep -q 'process table: 1 tenant' '$TEST_TMP/supervisor.log'" 3 "table header"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" \
        "tenant=$tenant pid=$pid: state=up uptime=" "table line"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "restarts=0 next_restart=-" \
        "restarts and next restart"
}

test_sighup_rescans_and_reopens_log() {
    fresh_database
    export TENANTMATE_LOG_FILE=$TEST_TMP/file.log
    local tenant
    tenant=$(new_uuid)
    spawn supervisor "$BIN/tenantmate-supervisor"
    wait_for "grep -q 'listening on channel' '$TEST_TMP/file.log'" 5 "log file written"

    # A tenant that becomes active without a notification appears only on
    # a rescan.
    add_tenant "$tenant"
    sql "INSERT INTO subscriptions (tenant_id, plan_name, status) VALUES ('$tenant', 'basic', 'Expired')"
    put_tokens "$tenant"
    sleep 0.5   # let the rescans that the notifications triggered finish
    sql "UPDATE subscriptions SET status = 'Active' WHERE tenant_id = '$tenant'"
    sleep 0.5
    expect_not_contains "$(cat "$TEST_TMP/file.log")" "tenant=$tenant" "tenant before SIGHUP"
    mv "$TEST_TMP/file.log" "$TEST_TMP/rotated.log"
    kill -HUP "$supervisor_pid"
    wait_for "grep -q 'SIGHUP: rescanning now' '$TEST_TMP/file.log'" 3 "log reopened"
    wait_for "grep -q 'tenant=$tenant pid=[0-9]*: worker started' '$TEST_TMP/file.log'" 3 \
        "rescan found the tenant"
}

# The tenant ids in tenantmate_workers that the business API's reader role
# sees with its tenant setting at $1.
reader_sees_worker_rows() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 <<EOF
BEGIN;
SET LOCAL ROLE tenantmate_reader;
SELECT set_config('tenantmate.tenant_id', '$1', true) \g /dev/null
SELECT string_agg(tenant_id::text, ',') FROM tenantmate_workers;
ROLLBACK;
EOF
}

test_status_prints_tenant_lines() {
    fresh_database
    local running deleted pid output
    running=$(new_uuid)
    deleted=$(new_uuid)
    add_active_tenant "$running"
    add_tenant "$deleted"
    "$BIN/tenantmate" tenants delete --tenant "$deleted" >/dev/null
    start_supervisor
    wait_for "[ \"\$(status_state $running)\" = up ]" 5 "worker up"
    pid=$(worker_pids "$running" "$supervisor_pid")

    expect_success "tenantmate status" "$BIN/tenantmate" status
    output=$OUTPUT
    expect_eq "$(echo "$output" | grep -c .)" 3 "header and one line per tenant"
    expect_contains "$(echo "$output" | head -n 1)" "TENANT" "header"
    expect_contains "$(echo "$output" | grep "^$running")" " up " "running tenant's state"
    expect_contains "$(echo "$output" | grep "^$running")" " $pid " "running tenant's pid"
    expect_contains "$(echo "$output" | grep "^$deleted")" " deleted " "deleted tenant"

    expect_success "status of one tenant" "$BIN/tenantmate" status --tenant "$running"
    expect_eq "$(echo "$OUTPUT" | grep -c .)" 2 "one tenant's lines"

    expect_eq "$(reader_sees_worker_rows "$running")" "$running" "reader's own row"
    expect_eq "$(reader_sees_worker_rows "$deleted")" "" "reader of another tenant"

    expect_failure "status with a bad tenant id" "$BIN/tenantmate" status --tenant nope
    expect_contains "$OUTPUT" 'invalid tenant id "nope"' "bad tenant id message"
    expect_failure "status with an unknown option" "$BIN/tenantmate" status --verbose
    expect_contains "$OUTPUT" 'unknown argument "--verbose"' "unknown option message"
}

# ---- notifications ---------------------------------------------------------

test_invalid_payload_ignored_with_warning() {
    fresh_database
    start_supervisor
    notify 'not-a-tenant-id'
    wait_for "grep -q 'ignoring notification' '$TEST_TMP/supervisor.log'" 3 "warning logged"
    expect_contains "$(grep 'ignoring notification' "$TEST_TMP/supervisor.log")" \
        'payload "not-a-tenant-id": expected a tenant id (UUID)' "warning names the payload"
    expect_contains "$(grep 'ignoring notification' "$TEST_TMP/supervisor.log")" \
        "warning" "logged as a warning"

    local tenant
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    wait_for_worker "$tenant" "$supervisor_pid" 3
}

test_notification_burst_forks_one_worker() {
    fresh_database
    local tenant script
    tenant=$(new_uuid)
    add_tenant "$tenant"
    sql "INSERT INTO subscriptions (tenant_id, plan_name, status) VALUES ('$tenant', 'basic', 'Expired')"
    put_tokens "$tenant"
    start_supervisor
    sleep 0.3
    expect_eq "$(worker_count "$tenant" "$supervisor_pid")" 0 "no worker while expired"

    # 50 notifications, each in its own transaction (PostgreSQL folds
    # identical notifications of one transaction into one).
    script="UPDATE subscriptions SET status = 'Active' WHERE tenant_id = '$tenant';"
    for _ in $(seq 1 50); do
        script+=$'\n'"SELECT pg_notify('tenantmate_tenants', '$tenant');"
    done
    echo "$script" | psql -X -q -v ON_ERROR_STOP=1 >/dev/null || fail "notification burst"

    wait_for_worker "$tenant" "$supervisor_pid" 3
    sleep 1
    expect_eq "$(worker_count "$tenant")" 1 "worker processes"
    expect_eq "$(count_lines "tenant=$tenant pid=[0-9]*: worker started" \
        "$TEST_TMP/supervisor.log")" 1 "forks"
}

# ---- several supervisors and connection loss --------------------------------

test_two_supervisors_run_each_tenant_once() {
    fresh_database
    export TENANTMATE_RESCAN_INTERVAL=0.5
    local tenants=() tenant i
    for i in 1 2 3 4; do
        tenant=$(new_uuid)
        tenants+=("$tenant")
        add_active_tenant "$tenant"
    done
    start_supervisor first
    start_supervisor second

    for tenant in "${tenants[@]}"; do
        wait_for "[ \"\$(worker_count $tenant)\" -eq 1 ]" 5 "one worker for $tenant"
    done
    # Several rescans of both supervisors later, still one each.
    sleep 2
    for tenant in "${tenants[@]}"; do
        expect_eq "$(worker_count "$tenant")" 1 "workers of $tenant"
    done
    expect_eq "$(( $(pgrep -P "$first_pid" | grep -c . || true) + \
        $(pgrep -P "$second_pid" | grep -c . || true) ))" 4 "workers of both supervisors"

    # A supervisor that stops hands its tenants to the other at once.
    kill -TERM "$first_pid"
    wait "$first_pid"
    for tenant in "${tenants[@]}"; do
        wait_for "[ \"\$(worker_count $tenant $second_pid)\" -eq 1 ]" 5 \
            "second supervisor runs $tenant"
        expect_eq "$(worker_count "$tenant")" 1 "workers of $tenant after the hand-over"
    done
}

test_backend_terminated_reconnects_keeps_workers() {
    fresh_database
    local tenant other pid
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for "[ \"\$(status_state $tenant)\" = up ]" 5 "worker up"
    pid=$(worker_pids "$tenant" "$supervisor_pid")

    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'tenantmate-supervisor' AND datname = current_database()" \
        >/dev/null
    wait_for "grep -q 'database connection restored' '$TEST_TMP/supervisor.log'" 5 "reconnected"
    expect_eq "$(worker_pids "$tenant" "$supervisor_pid")" "$pid" "same worker"
    expect_eq "$(count_lines 'database connection lost' "$TEST_TMP/supervisor.log")" 1 \
        "loss logged once"

    # The new backend holds the tenant's lock again.
    expect_eq "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                      WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
                        AND a.application_name = 'tenantmate-supervisor'
                        AND ((l.classid::bigint << 32) | l.objid::bigint)
                            = tenantmate_worker_lock_key('$tenant')")" 1 "lock retaken"

    # And it listens again.
    other=$(new_uuid)
    add_active_tenant "$other"
    wait_for_worker "$other" "$supervisor_pid" 3
}

# The first supervisor loses its connection for longer than the lock lease
# while the second stays connected. The first stops its worker before the
# lease ends, and only then does the second start one, so no two workers
# run at once.
test_lease_expiry_hands_tenant_over_once() {
    fresh_database
    export TENANTMATE_RESCAN_INTERVAL=0.5 TENANTMATE_STOP_TIMEOUT=0.5 TENANTMATE_LOCK_LEASE=10
    local tenant database=$PGDATABASE most=0 count first_gone=
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    PGAPPNAME=first-supervisor start_supervisor first
    wait_for_worker "$tenant" "$first_pid"
    start_supervisor second
    sleep 1
    expect_eq "$(worker_count "$tenant" "$second_pid")" 0 "second supervisor's workers"

    # New connections to the database fail from now on; the second
    # supervisor keeps the connection it has.
    psql -X -q -d postgres -c "ALTER DATABASE \"$database\" WITH ALLOW_CONNECTIONS false" ||
        fail "disallow connections"
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = '$database' AND application_name = 'first-supervisor'" \
        >/dev/null || fail "terminate the first supervisor's backend"

    for _ in $(seq 1 150); do
        count=$(worker_count "$tenant")
        [ "$count" -gt "$most" ] && most=$count
        if [ -z "$first_gone" ] && [ "$(worker_count "$tenant" "$first_pid")" -eq 0 ]; then
            first_gone=$(now_s)
        fi
        [ "$(worker_count "$tenant" "$second_pid")" -eq 1 ] && break
        sleep 0.1
    done
    psql -X -q -d postgres -c "ALTER DATABASE \"$database\" WITH ALLOW_CONNECTIONS true" ||
        fail "allow connections"

    expect_eq "$most" 1 "most workers at once"
    expect_ne "$first_gone" "" "first supervisor stopped its worker"
    expect_eq "$(worker_count "$tenant" "$second_pid")" 1 "second supervisor took over"
    expect_contains "$(cat "$TEST_TMP/first.log")" \
        "database connection still down: stopping 1 worker before the lock lease ends" \
        "lease stop logged"

    # Once back, the first supervisor leaves the tenant to the second.
    wait_for "grep -q 'database connection restored' '$TEST_TMP/first.log'" 35 "first reconnects"
    sleep 1
    expect_eq "$(worker_count "$tenant")" 1 "workers after the first reconnected"
}

test_lock_held_elsewhere_skips_tenant() {
    fresh_database
    export TENANTMATE_RESCAN_INTERVAL=0.5
    local tenant
    tenant=$(new_uuid)
    add_active_tenant "$tenant"

    # Another session holds the tenant's lock, as a peer supervisor would.
    PGAPPNAME=lock-holder spawn holder psql -X -q -c \
        "SELECT pg_advisory_lock(tenantmate_worker_lock_key('$tenant')); SELECT pg_sleep(600)"
    wait_for "[ \$(sql \"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'\") -eq 1 ]" 3 \
        "lock held by the other session"

    start_supervisor
    sleep 1.5
    expect_eq "$(worker_count "$tenant")" 0 "worker while the lock is held elsewhere"

    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'lock-holder'" >/dev/null
    wait_for_worker "$tenant" "$supervisor_pid" 3
}

test_database_unreachable_at_start_logs_once() {
    fresh_database
    local port=1
    PGPORT=$port spawn supervisor "$BIN/tenantmate-supervisor"
    sleep 3.5
    kill -0 "$supervisor_pid" || fail "supervisor exited without a database"
    expect_eq "$(count_lines 'cannot connect to PostgreSQL' "$TEST_TMP/supervisor.log")" 1 \
        "warnings for three failed attempts"
    expect_contains "$(cat "$TEST_TMP/supervisor.log")" "retrying in 1.0 s, then with backoff" \
        "delay logged"
}

# ---- secrets and limits ----------------------------------------------------

test_no_secret_in_child_cmdline() {
    fresh_database
    export DATABASE_URL="postgresql://postgres:db-password-$$@127.0.0.1:$PGPORT/$PGDATABASE"
    export TENANTMATE_WORKER_MAX_OPEN_FILES=256
    local tenant pid child
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    start_supervisor
    wait_for "[ \"\$(status_state $tenant)\" = up ]" 5 "worker up"
    pid=$(worker_pids "$tenant" "$supervisor_pid")

    for child in $(pgrep -P "$supervisor_pid"); do
        expect_not_contains "$(tr '\0' ' ' <"/proc/$child/cmdline")" "$ENCRYPTION_KEY" \
            "cmdline of $child"
        expect_not_contains "$(tr '\0' ' ' <"/proc/$child/cmdline")" "db-password-$$" \
            "cmdline of $child"
    done
    expect_not_contains "$(tr '\0' ' ' <"/proc/$pid/environ")" "$ENCRYPTION_KEY" \
        "environment area after the title was set"
    expect_eq "$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$pid/limits")" "256/256" \
        "open files limit"
}

# ---- configuration and the worker's own checks -------------------------------

test_invalid_configuration_rejected() {
    fresh_database
    TENANTMATE_RESCAN_INTERVAL=soon expect_failure "bad rescan interval" \
        "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" 'invalid TENANTMATE_RESCAN_INTERVAL "soon"' "rescan message"

    TENANTMATE_WORKER_PATH=/nonexistent/worker expect_failure "missing worker" \
        "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" 'worker program "/nonexistent/worker" is not executable' \
        "worker path message"

    TENANTMATE_LOCK_LEASE=10 expect_failure "lease shorter than the stop timeout allows" \
        "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" "invalid TENANTMATE_LOCK_LEASE" "lease message"

    TENANTMATE_WORKER_MAX_OPEN_FILES=-5 expect_failure "negative open files" \
        "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" "invalid TENANTMATE_WORKER_MAX_OPEN_FILES" "open files message"

    expect_failure "unexpected argument" "$BIN/tenantmate-supervisor" --tenant x
    expect_contains "$OUTPUT" 'unexpected argument "--tenant"' "argument message"

    ENCRYPTION_KEY= expect_failure "no encryption key" "$BIN/tenantmate-supervisor"
    expect_contains "$OUTPUT" "ENCRYPTION_KEY is not set" "encryption key message"
}

# Run the worker directly and print its exit status.
worker_status() {
    "$BIN/tenantmate-worker" "$@" >"$TEST_TMP/worker-direct.log" 2>&1
    echo $?
}

test_worker_start_up_checks_exit_codes() {
    fresh_database
    local active deleted without_tokens unknown
    active=$(new_uuid)
    deleted=$(new_uuid)
    without_tokens=$(new_uuid)
    unknown=$(new_uuid)
    add_active_tenant "$active"
    add_active_tenant "$deleted"
    "$BIN/tenantmate" tenants delete --tenant "$deleted" >/dev/null
    add_tenant "$without_tokens"

    expect_eq "$(worker_status --tenant not-a-uuid)" 43 "invalid tenant id"
    expect_contains "$(cat "$TEST_TMP/worker-direct.log")" 'invalid tenant id "not-a-uuid"' \
        "invalid id message"
    expect_eq "$(worker_status)" 43 "missing --tenant"
    expect_eq "$(worker_status --tenant "$unknown")" 42 "unknown tenant"
    expect_contains "$(cat "$TEST_TMP/worker-direct.log")" "tenant not found" "unknown message"
    expect_eq "$(worker_status --tenant "$without_tokens")" 42 "tenant without tokens"
    expect_eq "$(worker_status --tenant "$deleted")" 40 "deleted tenant"
    expect_eq "$(ENCRYPTION_KEY=another-key worker_status --tenant "$active")" 41 \
        "tokens that do not decrypt"
    expect_contains "$(cat "$TEST_TMP/worker-direct.log")" "cannot decrypt" "decrypt message"
    expect_eq "$(ENCRYPTION_KEY= worker_status --tenant "$active")" 43 "no ENCRYPTION_KEY"
    expect_not_contains "$(cat "$TEST_TMP"/*.log)" "$ENCRYPTION_KEY" "key in any log"
}

test_worker_stops_on_sigterm() {
    fresh_database
    local tenant status
    tenant=$(new_uuid)
    add_active_tenant "$tenant"
    spawn worker "$BIN/tenantmate-worker" --tenant "$tenant"
    wait_for "grep -q 'worker ready' '$TEST_TMP/worker.log'" 5 "worker ready"
    expect_eq "$(ps -o args= -p "$worker_pid")" "tenantmate: worker tenant=$tenant" "title"
    kill -TERM "$worker_pid"
    wait "$worker_pid"
    status=$?
    expect_eq "$status" 0 "exit status after SIGTERM"
    expect_no_sanitizer_report
}

run_tests
