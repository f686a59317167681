# Helpers for end-to-end test files in test/e2e/.
#
# test/run-tests starts one PostgreSQL cluster for the whole run and runs
# each test file with bash. A file sources this, defines test_* functions
# and ends with `run_tests`. Each test runs in a subshell with its own
# database (fresh_database) and temporary directory ($TEST_TMP); a failed
# expect_* ends that test only. Processes started with spawn are killed
# when the test ends.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(cd "$ROOT" && cd "${TENANTMATE_BIN:-build/check/bin}" && pwd)
SHARED=$(cd "$ROOT/.." && pwd)/shared
: "${TEST_RESULTS:=/dev/null}"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

expect_eq() {
    local actual=$1 expected=$2 what=$3
    [ "$actual" = "$expected" ] || fail "$what: expected [$expected], got [$actual]"
}

expect_ne() {
    local actual=$1 unexpected=$2 what=$3
    [ "$actual" != "$unexpected" ] || fail "$what: expected anything but [$unexpected]"
}

expect_contains() {
    local haystack=$1 needle=$2 what=$3
    case "$haystack" in
        *"$needle"*) ;;
        *) fail "$what: expected to contain [$needle], got [$haystack]" ;;
    esac
}

expect_not_contains() {
    local haystack=$1 needle=$2 what=$3
    case "$haystack" in
        *"$needle"*) fail "$what: expected not to contain [$needle], got [$haystack]" ;;
    esac
}

# Run a command that must fail; its combined output lands in $OUTPUT.
expect_failure() {
    local what=$1
    shift
    if OUTPUT=$("$@" 2>&1); then
        fail "$what: expected a non-zero exit, output: $OUTPUT"
    fi
}

# Run a command that must succeed; its combined output lands in $OUTPUT.
expect_success() {
    local what=$1
    shift
    if ! OUTPUT=$("$@" 2>&1); then
        fail "$what: exited non-zero, output: $OUTPUT"
    fi
}

# Poll a shell condition every 0.1 s for up to $2 seconds.
wait_for() {
    local condition=$1 timeout_s=$2 what=$3
    local deadline=$((SECONDS + ${timeout_s%.*} + 1))
    while ! eval "$condition" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$what: timed out after ${timeout_s} s"
        sleep 0.1
    done
}

sql() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

fresh_database() {
    local name="t_$(basename "$TEST_FILE" .sh | tr -c 'a-z0-9\n' '_')_${TEST_NAME}"
    name=${name:0:60}
    dropdb --if-exists "$name" >/dev/null 2>&1
    createdb "$name" || fail "createdb $name"
    export PGDATABASE=$name
    if [ "${1:-migrate}" = migrate ]; then
        "$BIN/tenantmate" migrate >"$TEST_TMP/migrate.log" 2>&1 ||
            fail "migrate: $(cat "$TEST_TMP/migrate.log")"
    fi
}

# Start a background process whose output goes to $TEST_TMP/NAME.log; its
# pid is stored in the variable NAME_pid and it is killed when the test ends.
spawn() {
    local name=$1
    shift
    "$@" >"$TEST_TMP/$name.log" 2>&1 &
    local pid=$!
    printf -v "${name}_pid" '%s' "$pid"
    echo "$pid" >>"$TEST_TMP/.pids"
}

kill_spawned() {
    [ -f "$TEST_TMP/.pids" ] || return 0
    local pid
    while read -r pid; do
        kill -TERM "$pid" 2>/dev/null
    done <"$TEST_TMP/.pids"
    sleep 0.2
    while read -r pid; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done <"$TEST_TMP/.pids"
    rm -f "$TEST_TMP/.pids"
}

new_uuid() {
    cat /proc/sys/kernel/random/uuid
}

run_tests() {
    local names name status output
    names=$(declare -F | awk '{print $3}' | grep '^test_' )
    if [ -n "${TEST_FILTER:-}" ]; then
        names=$(echo "$names" | grep -- "$TEST_FILTER")
    fi
    for name in $names; do
        TEST_NAME=${name#test_}
        TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tenantmate-test.XXXXXX")
        chmod 0755 "$TEST_TMP"
        export TEST_NAME TEST_TMP
        output=$( ( trap kill_spawned EXIT; "$name" ) 2>&1 )
        status=$?
        kill_spawned
        if [ "$status" -eq 0 ]; then
            echo "ok - $(basename "$TEST_FILE" .sh): $TEST_NAME"
            echo "pass" >>"$TEST_RESULTS"
        else
            echo "not ok - $(basename "$TEST_FILE" .sh): $TEST_NAME"
            echo "$output" | tail -n 40 | sed 's/^/    /'
            for log in "$TEST_TMP"/*.log; do
                [ -f "$log" ] || continue
                echo "    --- $(basename "$log") (last 15 lines)"
                tail -n 15 "$log" | sed 's/^/    /'
            done
            echo "fail" >>"$TEST_RESULTS"
        fi
        rm -rf "$TEST_TMP"
    done
}

TEST_FILE=${TEST_FILE:-$0}
