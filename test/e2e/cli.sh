# End-to-end tests of the `tenantmate` command: migrations, the token
# vault and tenants, against the harness's PostgreSQL.
. "$(dirname "$0")/../lib/e2e.sh"

export ENCRYPTION_KEY=e2e-encryption-key

ACCESS_A=eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2F1dGgudGVzbGEuY29tL29hdXRoMi92MyIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln
REFRESH_A=refresh-token-of-tenant-a-0123456789
ACCESS_B=qts-access-token-of-tenant-b-abcdef
REFRESH_B=refresh-token-of-tenant-b-abcdef

migration_count() {
    ls "$ROOT"/sql/migrations/*.up.sql | wc -l
}

table_count() {
    sql "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'private')"
}

test_migrate_up_down_up() {
    fresh_database none
    local total
    total=$(migration_count)

    expect_success "first migrate" "$BIN/tenantmate" migrate
    expect_contains "$OUTPUT" "applied 0001_" "first migrate output"
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations')" "$total" "applied count"

    expect_success "second migrate" "$BIN/tenantmate" migrate
    expect_contains "$OUTPUT" "up to date" "re-running is a no-op"

    expect_success "status" "$BIN/tenantmate" migrate --status
    expect_not_contains "$OUTPUT" "pending" "nothing pending after migrate"

    expect_success "down to zero" "$BIN/tenantmate" migrate --down "$total"
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations')" 0 "nothing applied"
    expect_eq "$(table_count)" 1 "only the migrations table is left"

    expect_success "status after down" "$BIN/tenantmate" migrate --status
    expect_contains "$OUTPUT" "pending" "everything pending"

    expect_success "up again" "$BIN/tenantmate" migrate
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations')" "$total" "applied again"
    expect_success "tables exist" sql "SELECT count(*) FROM drives, positions, private.tokens"
}

test_migrate_down_one_step() {
    fresh_database
    local total last
    total=$(migration_count)
    last=$(ls "$ROOT"/sql/migrations/*.up.sql | sort | tail -n 1 | xargs basename)

    expect_success "down 1" "$BIN/tenantmate" migrate --down 1
    expect_contains "$OUTPUT" "rolled back ${last%.up.sql}" "names the rolled back migration"
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations')" "$((total - 1))" "one fewer"
}

test_migrate_down_beyond_applied_refused() {
    fresh_database
    local total
    total=$(migration_count)

    expect_failure "down too many" "$BIN/tenantmate" migrate --down $((total + 5))
    expect_contains "$OUTPUT" "invalid --down $((total + 5))" "names the value"
    expect_contains "$OUTPUT" "give --down $total" "says what to give"
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations')" "$total" "nothing rolled back"

    expect_success "down all" "$BIN/tenantmate" migrate --down "$total"
    expect_success "down on empty" "$BIN/tenantmate" migrate --down 1
    expect_contains "$OUTPUT" "nothing to roll back" "says so"
}

test_help_indents_every_line() {
    expect_success "help" "$BIN/tenantmate" help
    expect_contains "$OUTPUT" "
  tokens check --tenant UUID" "second line of the tokens entry"
    expect_contains "$OUTPUT" "
  tenants list" "last line of the tenants entry"
    expect_eq "$(echo "$OUTPUT" | sed -n '/^commands:/,/^$/p' | grep -c '^[^ c]')" 0 \
        "command lines start indented"
}

test_failing_migration_rolls_back() {
    fresh_database
    local dir="$TEST_TMP/migrations"
    mkdir -p "$dir"
    cp "$ROOT"/sql/migrations/*.sql "$dir/"
    cat >"$dir/9999_broken.up.sql" <<'SQL'
CREATE TABLE broken_first (id int);
-- the next statement fails
INSERT INTO broken_first VALUES (1);
SELECT no_such_function();
SQL
    echo "DROP TABLE broken_first;" >"$dir/9999_broken.down.sql"

    TENANTMATE_MIGRATIONS_DIR=$dir expect_failure "broken migration" "$BIN/tenantmate" migrate
    expect_contains "$OUTPUT" "9999_broken.up.sql failed at line 4" "names file and line"
    expect_contains "$OUTPUT" "no_such_function" "quotes the statement"
    expect_eq "$(sql "SELECT to_regclass('broken_first') IS NULL")" t "first statement rolled back"
    expect_eq "$(sql 'SELECT count(*) FROM tenantmate_schema_migrations WHERE version = 9999')" 0 \
        "not recorded"
}

test_migrate_bad_input() {
    fresh_database none
    expect_failure "bad --down" "$BIN/tenantmate" migrate --down zero
    expect_contains "$OUTPUT" 'invalid --down "zero"' "names the value"

    expect_failure "unknown option" "$BIN/tenantmate" migrate --sideways
    expect_contains "$OUTPUT" '"--sideways"' "names the option"

    PGPORT=1 expect_failure "unreachable database" "$BIN/tenantmate" migrate
    expect_contains "$OUTPUT" "cannot connect to PostgreSQL" "says what failed"
    expect_contains "$OUTPUT" "PGHOST" "says what to check"

    TENANTMATE_MIGRATIONS_DIR=/nonexistent expect_failure "missing dir" "$BIN/tenantmate" migrate
    expect_contains "$OUTPUT" "/nonexistent" "names the directory"
}

put_tokens() {
    local tenant=$1 access=$2 refresh=$3
    printf '%s\n%s\n' "$access" "$refresh" | "$BIN/tenantmate" tokens put --tenant "$tenant"
}

test_tokens_put_and_check_two_tenants() {
    fresh_database
    local tenant_a tenant_b
    tenant_a=$(new_uuid)
    tenant_b=$(new_uuid)
    expect_success "add a" "$BIN/tenantmate" tenants add --tenant "$tenant_a" --name "Tenant A"
    expect_success "add b" "$BIN/tenantmate" tenants add --tenant "$tenant_b" --name "Tenant B"

    expect_success "put a" put_tokens "$tenant_a" "$ACCESS_A" "$REFRESH_A"
    expect_success "put b" put_tokens "$tenant_b" "$ACCESS_B" "$REFRESH_B"
    expect_eq "$(sql 'SELECT count(*) FROM private.tokens')" 2 "one row per tenant"

    expect_success "check a" "$BIN/tenantmate" tokens check --tenant "$tenant_a"
    expect_contains "$OUTPUT" "decrypt: ok" "a decrypts"
    expect_contains "$OUTPUT" "2100-01-01T00:00:00Z" "a's expiry from the JWT"
    expect_not_contains "$OUTPUT" "$ACCESS_A" "no token in output"
    expect_not_contains "$OUTPUT" "$REFRESH_A" "no refresh token in output"

    expect_success "check b" "$BIN/tenantmate" tokens check --tenant "$tenant_b"
    expect_contains "$OUTPUT" "not a JWT" "opaque token has no expiry"

    # The stored bytes are the vault layout, not the token.
    expect_eq "$(sql "SELECT encode(substr(access, 1, 12), 'hex') FROM private.tokens WHERE tenant_id = '$tenant_a'")" \
        "010a4145532e47434d2e5631" "vault header"
    expect_eq "$(sql "SELECT position(convert_to('$REFRESH_B', 'UTF8') in refresh) FROM private.tokens WHERE tenant_id = '$tenant_b'")" \
        0 "refresh token not stored in clear"

    # Putting again replaces the pair: still one row.
    expect_success "put a again" put_tokens "$tenant_a" "$ACCESS_B" "$REFRESH_B"
    expect_eq "$(sql "SELECT count(*) FROM private.tokens WHERE tenant_id = '$tenant_a'")" 1 "upsert"

    ENCRYPTION_KEY=another-key expect_failure "wrong key" \
        "$BIN/tenantmate" tokens check --tenant "$tenant_a"
    expect_contains "$OUTPUT" "wrong ENCRYPTION_KEY" "explains the failure"
}

test_tokens_put_notifies() {
    fresh_database
    local tenant
    tenant=$(new_uuid)
    "$BIN/tenantmate" tenants add --tenant "$tenant" --name N >/dev/null || fail "add"

    # psql prints notifications received while it waits.
    spawn listener psql -X -q -c "LISTEN tenantmate_tenants" -c "SELECT pg_sleep(3)"
    sleep 0.5
    expect_success "put" put_tokens "$tenant" "$ACCESS_B" "$REFRESH_B"
    wait "$listener_pid"
    expect_contains "$(cat "$TEST_TMP/listener.log")" "payload \"$tenant\"" "notification payload"
}

test_tokens_bad_input() {
    fresh_database
    local tenant before
    tenant=$(new_uuid)
    "$BIN/tenantmate" tenants add --tenant "$tenant" --name N >/dev/null || fail "add"
    put_tokens "$tenant" "$ACCESS_A" "$REFRESH_A" >/dev/null || fail "first put"
    before=$(sql "SELECT md5(access || refresh) FROM private.tokens")

    expect_failure "one line" sh -c "printf 'only-one-line\n' | '$BIN/tenantmate' tokens put --tenant $tenant"
    expect_contains "$OUTPUT" "missing refresh token" "names the missing line"

    expect_failure "three lines" sh -c "printf 'a\nb\nc\n' | '$BIN/tenantmate' tokens put --tenant $tenant"
    expect_contains "$OUTPUT" "more than two lines" "rejects extra lines"

    expect_failure "empty stdin" sh -c "'$BIN/tenantmate' tokens put --tenant $tenant </dev/null"
    expect_contains "$OUTPUT" "missing access token" "names the missing line"

    expect_failure "bad uuid" sh -c "printf 'a\nb\n' | '$BIN/tenantmate' tokens put --tenant tenant-1"
    expect_contains "$OUTPUT" 'invalid tenant id "tenant-1"' "names the value"

    expect_failure "no key" sh -c "printf 'a\nb\n' | ENCRYPTION_KEY= '$BIN/tenantmate' tokens put --tenant $tenant"
    expect_contains "$OUTPUT" "ENCRYPTION_KEY is not set" "names the variable"

    expect_failure "unknown tenant" sh -c "printf 'a\nb\n' | '$BIN/tenantmate' tokens put --tenant $(new_uuid)"
    expect_contains "$OUTPUT" "not found" "unknown tenant"

    expect_failure "unreachable" sh -c "printf 'a\nb\n' | PGPORT=1 '$BIN/tenantmate' tokens put --tenant $tenant"
    expect_contains "$OUTPUT" "cannot connect" "unreachable database"

    expect_eq "$(sql "SELECT md5(access || refresh) FROM private.tokens")" "$before" "stored pair unchanged"

    expect_failure "check without row" "$BIN/tenantmate" tokens check --tenant "$(new_uuid)"
    expect_contains "$OUTPUT" "no stored tokens" "check names the problem"
}

test_tenants_add_delete_list() {
    fresh_database
    local tenant
    tenant=$(new_uuid)
    expect_success "add" "$BIN/tenantmate" tenants add --tenant "$tenant" --name "Fleet One"
    expect_success "list" "$BIN/tenantmate" tenants list
    expect_contains "$OUTPUT" "Fleet One" "listed"
    expect_success "delete" "$BIN/tenantmate" tenants delete --tenant "$tenant"
    expect_eq "$(sql "SELECT deleted_at IS NOT NULL FROM tenants WHERE id = '$tenant'")" t "soft-deleted"
    expect_failure "add without name" "$BIN/tenantmate" tenants add --tenant "$tenant"
    expect_contains "$OUTPUT" "missing --name" "names the option"
}

test_row_without_tenant_fails() {
    fresh_database
    expect_failure "insert without tenant_id" sql \
        "INSERT INTO geofences (name, latitude, longitude, radius, inserted_at, updated_at) VALUES ('x', 1, 2, 20, now(), now())"
    expect_contains "$OUTPUT" "tenant_id" "names the column"
}

run_tests
