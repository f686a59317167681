# End-to-end tests of fake-tesla, the local Tesla API stand-in: tokens,
# replay of recorded TeslaFi data, the 408 of sleeping cars, request
# counters, every fault kind and bad input. Driven with curl; no database.
. "$(dirname "$0")/../lib/e2e.sh"

COMPLETE="$SHARED/data/teslafi/01_complete"
JUNE="$COMPLETE/TeslaFi62016.csv"
JULY="$COMPLETE/TeslaFi72016.csv"
RESILIENT="$SHARED/data/teslafi/08_resilient/TeslaFi12018.csv"
ALL_ENDPOINTS="charge_state%3Bclimate_state%3Bclosures_state%3Bdrive_state%3Bgui_settings%3Blocation_data%3Bvehicle_config%3Bvehicle_state%3Bvehicle_data_combo"

# One account "acme" (tokens access-1/refresh-1) with car 42 replaying
# the given trace (JSON array or string); extra top-level members follow.
write_config() {
    local trace=$1 extra=${2:-}
    cat >"$TEST_TMP/config.json" <<EOF
{
  "time_zone": "America/Los_Angeles",
  $extra
  "accounts": [
    {"name": "acme", "access_token": "access-1", "refresh_token": "refresh-1",
     "cars": [{"id": 42, "trace": $trace}]}
  ]
}
EOF
}

# Starts fake-tesla on a free port and sets FAKE_URL.
start_fake() {
    spawn fake "$BIN/fake-tesla" --port 0 "$@"
    wait_for 'grep -q "^listening on 127.0.0.1:" "$TEST_TMP/fake.log"' 15 "fake-tesla listening"
    FAKE_URL="http://$(sed -n 's/^listening on //p' "$TEST_TMP/fake.log")"
}

TOKEN=access-1

# GET with the current token; prints the body.
api() {
    curl -s -H "Authorization: Bearer $TOKEN" "$FAKE_URL$1"
}

# GET with the current token; prints the status code only.
api_status() {
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$FAKE_URL$1"
}

vehicle_data() {
    api "/api/1/vehicles/42/vehicle_data?endpoints=$ALL_ENDPOINTS"
}

refresh() {
    curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "{\"grant_type\":\"refresh_token\",\"client_id\":\"ownerapi\",\"refresh_token\":\"$1\",\"scope\":\"openid email offline_access\"}" \
        "$FAKE_URL/oauth2/v3/token"
}

add_fault() {
    curl -s -X POST -d "$1" "$FAKE_URL/_fake/faults"
}

car_row() {
    curl -s "$FAKE_URL/_fake/state" | jq -r '.cars[0].row'
}

# ---- Tokens ---------------------------------------------------------------

test_token_refresh_rotates() {
    write_config "\"$JULY\""
    start_fake --config "$TEST_TMP/config.json"

    local output body status
    output=$(refresh refresh-1)
    body=$(echo "$output" | head -n 1)
    status=$(echo "$output" | tail -n 1)
    expect_eq "$status" 200 "refresh status"
    expect_eq "$(echo "$body" | jq -r '.token_type')" Bearer "token_type"
    expect_eq "$(echo "$body" | jq -r '.expires_in')" 28800 "expires_in"
    expect_eq "$(echo "$body" | jq -r 'keys_unsorted | join(",")')" \
        "access_token,refresh_token,id_token,expires_in,token_type" "token response keys"
    local access refresh_token
    access=$(echo "$body" | jq -r '.access_token')
    refresh_token=$(echo "$body" | jq -r '.refresh_token')
    expect_contains "$access" "qts-" "access token prefix"
    expect_ne "$refresh_token" refresh-1 "refresh token rotated"

    TOKEN=$access
    expect_eq "$(api_status /api/1/products)" 200 "new access token works"
    TOKEN=access-1
    expect_eq "$(api_status /api/1/products)" 200 "old access token valid until it expires"

    output=$(refresh refresh-1)
    expect_eq "$(echo "$output" | tail -n 1)" 401 "reused refresh token status"
    expect_eq "$(echo "$output" | head -n 1 | jq -r '.error')" login_required "reused refresh token error"

    output=$(curl -s -w '\n%{http_code}' -X POST \
        --data-urlencode grant_type=refresh_token --data-urlencode client_id=ownerapi \
        --data-urlencode "refresh_token=$refresh_token" "$FAKE_URL/oauth2/v3/token")
    expect_eq "$(echo "$output" | tail -n 1)" 200 "form-encoded refresh with the new token"
    expect_eq "$(refresh "$refresh_token" | tail -n 1)" 401 "second use of the new refresh token"

    output=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d '{"grant_type":"password","refresh_token":"x"}' "$FAKE_URL/oauth2/v3/token")
    expect_eq "$(echo "$output" | tail -n 1)" 400 "unsupported grant status"
    expect_eq "$(echo "$output" | head -n 1 | jq -r '.error')" unsupported_grant_type "unsupported grant error"
    expect_not_contains "$(cat "$TEST_TMP/fake.log")" "$refresh_token" "no token in the log"
}

test_bad_token_gets_401() {
    write_config "\"$JULY\"" '"expires_in_s": 2,'
    start_fake --config "$TEST_TMP/config.json"

    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$FAKE_URL/api/1/products")" 401 "no token"
    TOKEN=not-a-token
    expect_eq "$(api_status /api/1/products)" 401 "unknown token status"
    expect_eq "$(api /api/1/products)" '{"error":"invalid bearer token"}' "unknown token body"

    TOKEN=access-1
    sleep 2.1
    expect_eq "$(api_status /api/1/vehicles/42)" 401 "expired token status"
    expect_eq "$(api /api/1/vehicles/42)" '{"error":"token expired (401)"}' "expired token body"

    TOKEN=$(refresh refresh-1 | head -n 1 | jq -r '.access_token')
    expect_eq "$(api_status /api/1/vehicles/42)" 200 "refreshed token works"
    curl -s -X POST -d '{"account":"acme"}' "$FAKE_URL/_fake/expire" >/dev/null
    expect_eq "$(api /api/1/vehicles/42 | jq -r '.error')" "token expired (401)" "expired by the admin API"
}

# ---- Replay ---------------------------------------------------------------

test_replay_first_drive_row() {
    write_config "\"$COMPLETE\""
    start_fake --config "$TEST_TMP/config.json"

    local response="" count=0
    while [ "$count" -lt 300 ]; do
        response=$(vehicle_data)
        count=$((count + 1))
        [ "$(echo "$response" | jq -r '.response.drive_state.shift_state')" = D ] && break
    done
    # June rows 2-195 hold 148 online rows with coordinates before row 196.
    expect_eq "$count" 149 "responses up to the first drive row"

    local r=".response"
    expect_eq "$(echo "$response" | jq -r "$r.state")" online "state"
    expect_eq "$(echo "$response" | jq -r "$r.id_s")" 42 "id_s"
    expect_eq "$(echo "$response" | jq -r "$r.vin")" 1YYSA1YYYFF08YYYY "vin from the trace"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_id")" 1111111111 "vehicle_id from the trace"
    expect_contains "$response" \
        '"drive_state":{"gps_as_of":1466964754,"heading":90,"latitude":0.0,"longitude":0.0,"power":null,"shift_state":"D","speed":15,"timestamp":1466964748000}' \
        "drive_state of row 196 (11:12:28 PDT = 18:12:28Z), literals as recorded"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_state.odometer")" 13927.469928 "odometer in miles"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_state.timestamp")" 1466964748000 "vehicle_state timestamp"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_state.vehicle_name")" 82420 "vehicle_name"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_state.car_version")" 2.20.30 "car_version"
    expect_eq "$(echo "$response" | jq -c "[$r.charge_state | .battery_level, .usable_battery_level, .battery_range, .ideal_battery_range, .est_battery_range, .charging_state, .charger_power, .charger_phases, .charge_energy_added]")" \
        '[59,59,153.63,193.7,134.99,"Disconnected",0,null,17.69]' "charge_state values"
    expect_eq "$(echo "$response" | jq -c "[$r.climate_state | .inside_temp, .outside_temp, .driver_temp_setting, .fan_status, .is_climate_on]")" \
        '[25.9,20,20.3,0,null]' "climate_state values in degrees Celsius"
    expect_eq "$(echo "$response" | jq -r "$r.vehicle_config.car_type")" s "vehicle_config from the row"
    expect_eq "$(echo "$response" | jq -r '[.response | keys[] | select(endswith("_state") or . == "vehicle_config")] | length')" 5 "all five sub-objects"

    local next
    next=$(api "/api/1/vehicles/42/vehicle_data")
    expect_eq "$(echo "$next" | jq -c '.response.drive_state | keys')" \
        '["power","shift_state","speed","timestamp"]' "no location without location_data"
    expect_eq "$(echo "$next" | jq -r '.response.drive_state.timestamp')" 1466964809000 "next row follows (11:13:29)"
    expect_eq "$(echo "$next" | jq -r '.response.drive_state.speed')" 34 "next row speed"
}

# The online rows of 01_complete, fetched one by one as a poller in
# "online" does, give the drives and the charging session that TeslaMate's
# importer records from these files. Distances match bit for bit (each
# odometer rounded to 6 decimals in km, then subtracted).
test_replay_reproduces_import_drives_and_charge() {
    write_config "\"$COMPLETE\""
    start_fake --config "$TEST_TMP/config.json"

    local status count=0
    : >"$TEST_TMP/responses.jsonl"
    while [ "$count" -lt 2000 ]; do
        status=$(curl -s -o "$TEST_TMP/body.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
            "$FAKE_URL/api/1/vehicles/42/vehicle_data?endpoints=$ALL_ENDPOINTS")
        [ "$status" = 200 ] || break
        cat "$TEST_TMP/body.json" >>"$TEST_TMP/responses.jsonl"
        echo >>"$TEST_TMP/responses.jsonl"
        count=$((count + 1))
    done
    expect_eq "$status" 408 "the replay ends with the asleep rows"
    expect_eq "$count" 822 "online rows with coordinates (808 June, 14 July)"

    local result
    result=$(jq -n -c '
        def km: (. / 0.62137119223733 * 1000000 | round) / 1000000;
        [inputs | .response | {shift: .drive_state.shift_state, odometer: .vehicle_state.odometer,
                               charging: .charge_state.charging_state,
                               energy: .charge_state.charge_energy_added}] as $rows
        | ($rows | reduce .[] as $row ({start: null, drives: []};
            if ($row.shift == "D" or $row.shift == "N" or $row.shift == "R") then
                (if .start == null then .start = $row.odometer else . end)
            elif .start != null then
                .drives += [($row.odometer | km) - (.start | km)] | .start = null
            else . end) | .drives) as $drives
        | ($rows | reduce .[] as $row ({samples: null, charges: []};
            if ($row.charging == "Charging" or $row.charging == "Starting") then
                .samples += [$row.energy]
            elif .samples != null then
                (.samples += [$row.energy])
                | .charges += [(.samples | map(select(. != null and . != 0)) | last) - .samples[0]]
                | .samples = null
            else . end) | .charges) as $charges
        | {drives: $drives, charges: $charges}' "$TEST_TMP/responses.jsonl")
    expect_eq "$result" '{"drives":[1.2049430000006396,4.962514999999257],"charges":[10.11]}' \
        "drives and charge energy of the import vectors"
}

test_asleep_rows_answer_408() {
    write_config "\"$JULY\""
    start_fake --config "$TEST_TMP/config.json"

    local i
    for i in $(seq 14); do
        expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 200 "online row $i"
    done
    local output
    output=$(curl -s -i -H "Authorization: Bearer $TOKEN" "$FAKE_URL/api/1/vehicles/42/vehicle_data")
    expect_contains "$output" "HTTP/1.1 408" "asleep row status"
    expect_contains "$output" '{"response":null,"error":"vehicle unavailable: vehicle is offline or asleep","error_description":""}' "recorded 408 body"
    expect_eq "$(car_row)" 14 "a 408 does not advance"
    expect_eq "$(api /api/1/vehicles | jq -r '.response[0].state')" asleep "list shows asleep"
    expect_eq "$(car_row)" 14 "the list does not advance"

    for i in $(seq 75); do
        expect_eq "$(api /api/1/vehicles/42 | jq -r '.response.state')" asleep "summary of asleep row $i"
    done
    expect_eq "$(curl -s "$FAKE_URL/_fake/state" | jq -c '.cars[0] | [.row, .rows, .done]')" '[89,89,true]' "replay done"
    expect_eq "$(api /api/1/vehicles/42 | jq -r '.response.state')" asleep "stays asleep after the end"
    expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 408 "408 after the end"
    expect_eq "$(curl -s "$FAKE_URL/_fake/state" | jq -r '.done')" true "all cars done"
}

# A poller that calls the summary while asleep or offline and vehicle_data
# while online receives every row of a mixed trace exactly once.
test_poller_sees_each_row_once() {
    local trace="$TEST_TMP/car.jsonl" i
    : >"$trace"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        local state=online
        case $i in 3 | 4) state=asleep ;; 6) state=offline ;; 8 | 9) state=asleep ;; esac
        echo "{\"response\":{\"id\":1,\"state\":\"$state\",\"drive_state\":{\"timestamp\":${i}000,\"latitude\":1.5,\"longitude\":2.5,\"speed\":$i},\"charge_state\":{\"timestamp\":${i}000},\"climate_state\":{},\"vehicle_state\":{\"vehicle_name\":\"old\"},\"vehicle_config\":{\"car_type\":\"model3\"},\"gui_settings\":{}}}" >>"$trace"
    done
    write_config "\"$trace\""
    start_fake --config "$TEST_TMP/config.json"

    local seen="" state=start body
    for i in $(seq 30); do
        [ "$(curl -s "$FAKE_URL/_fake/state" | jq -r '.done')" = true ] && break
        if [ "$state" = online ]; then
            body=$(vehicle_data)
            if [ "$(echo "$body" | jq -r '.response.state // empty')" = online ]; then
                seen="$seen $(echo "$body" | jq -r '.response.drive_state.speed')"
                continue
            fi
        fi
        state=$(api /api/1/vehicles/42 | jq -r '.response.state')
        [ "$state" = online ] || seen="$seen $state"
    done
    expect_eq "$seen" " 1 2 asleep asleep 5 offline 7 asleep asleep 10" "rows in order, each once"
}

test_json_lines_identity_and_loop() {
    local trace="$TEST_TMP/loop.jsonl"
    printf '%s\n' \
        '{"id":7,"vin":"OLD","state":"online","drive_state":{"timestamp":1000000,"gps_as_of":1000,"latitude":1.0,"longitude":2.0},"vehicle_state":{"vehicle_name":"old"},"vehicle_config":{"car_type":"models"}}' \
        '' \
        '{"id":7,"vin":"OLD","state":"online","drive_state":{"timestamp":1060000,"gps_as_of":1060,"latitude":1.0,"longitude":2.0},"vehicle_state":{"vehicle_name":"old"},"vehicle_config":{"car_type":"models"}}' \
        >"$trace"
    cat >"$TEST_TMP/config.json" <<EOF
{"loop": true, "accounts": [{"name": "acme", "access_token": "access-1", "refresh_token": "refresh-1",
  "cars": [{"id": "26000000000000006", "vin": "5YJSA1E40GF000006", "display_name": "Car F",
            "vehicle_config": {"car_type": "model3", "trim_badging": "74d"}, "trace": "$trace"}]}]}
EOF
    start_fake --config "$TEST_TMP/config.json"

    local first
    first=$(api "/api/1/vehicles/26000000000000006/vehicle_data?endpoints=$ALL_ENDPOINTS")
    expect_contains "$first" '"id":26000000000000006' "id above 2^53 kept exactly"
    expect_eq "$(echo "$first" | jq -r '.response.vin')" 5YJSA1E40GF000006 "configured VIN"
    expect_eq "$(echo "$first" | jq -r '.response.vehicle_state.vehicle_name')" "Car F" "configured name"
    expect_eq "$(echo "$first" | jq -c '.response.vehicle_config')" '{"car_type":"model3","trim_badging":"74d"}' "vehicle_config override"
    expect_eq "$(api "/api/1/vehicles/5YJSA1E40GF000006/vehicle_data?endpoints=drive_state" | jq -r '.response.drive_state.timestamp')" 1060000 "by VIN, second row"
    local third
    third=$(api "/api/1/vehicles/26000000000000006/vehicle_data?endpoints=location_data")
    # One loop later every time moves by the span (60 s) plus one minute.
    expect_eq "$(echo "$third" | jq -r '.response.drive_state.timestamp')" 1120000 "looped timestamp"
    expect_eq "$(echo "$third" | jq -r '.response.drive_state.gps_as_of')" 1120 "looped gps_as_of"
    expect_eq "$(echo "$third" | jq -r '.response | has("vehicle_config")')" false "only requested objects"
    expect_eq "$(curl -s "$FAKE_URL/_fake/state" | jq -c '.cars[0] | [.loops, .done]')" '[1,false]' "loop count"
    expect_eq "$(api_status '/api/1/vehicles/26000000000000006/vehicle_data?endpoints=bogus')" 400 "unknown endpoints value"
}

test_lists_and_unknown_car() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    local products
    products=$(api /api/1/products)
    expect_eq "$(echo "$products" | jq -r '.count')" 1 "products count"
    expect_eq "$(echo "$products" | jq -r '.response[0].state')" online "products state"
    expect_eq "$(echo "$products" | jq -r '.response[0].vehicle_config.car_type')" s "products vehicle_config"
    expect_eq "$(echo "$products" | jq -r '.response[0].id_s')" 42 "products id_s"
    expect_eq "$(api /api/1/vehicles | jq -r '.response[0] | has("vehicle_config")')" false "vehicles list entry"
    expect_eq "$(api_status /api/1/vehicles/43)" 404 "unknown car"
    expect_eq "$(api /api/1/vehicles/43/vehicle_data)" '{"response":null,"error":"not_found","error_description":""}' "not_found body"
    expect_eq "$(api_status /api/1/users/me)" 404 "unknown path"
    expect_eq "$(car_row)" 0 "nothing advanced"
}

# ---- Stats ----------------------------------------------------------------

test_stats_count_responses() {
    write_config "\"$JULY\""
    start_fake --config "$TEST_TMP/config.json"

    local i
    for i in 1 2 3; do api_status /api/1/vehicles/42/vehicle_data >/dev/null; done
    api_status /api/1/products >/dev/null
    add_fault '{"kind":"status","status":503,"endpoint":"vehicle_data","count":1}' >/dev/null
    api_status /api/1/vehicles/42/vehicle_data >/dev/null
    TOKEN=wrong api_status /api/1/products >/dev/null
    refresh refresh-1 >/dev/null

    local stats
    stats=$(curl -s "$FAKE_URL/_fake/stats")
    expect_eq "$(echo "$stats" | jq -c '.accounts[0].cars[0].endpoints.vehicle_data | [.requests, ."2xx", ."5xx", .billable]')" '[4,3,1,3]' "vehicle_data counters"
    expect_eq "$(echo "$stats" | jq -c '.accounts[0].endpoints.list | [.requests, ."2xx", .billable]')" '[1,1,1]' "list counters"
    expect_eq "$(echo "$stats" | jq -c '.accounts[0].endpoints.token | [.requests, ."2xx", .billable]')" '[1,1,0]' "token refresh is not billed"
    expect_eq "$(echo "$stats" | jq -c '.unauthenticated.endpoints.list | [.requests, ."4xx", .billable]')" '[1,1,1]' "401 is billed"
    expect_eq "$(echo "$stats" | jq -c '.totals | [.requests, .billable]')" '[7,5]' "totals"

    kill -TERM "$fake_pid"
    wait "$fake_pid"
    expect_eq "$?" 0 "exit status after SIGTERM"
    expect_contains "$(cat "$TEST_TMP/fake.log")" "vehicle_data" "counters printed at exit"
    expect_contains "$(grep '^total' "$TEST_TMP/fake.log")" "7" "total printed at exit"
}

# ---- Faults ---------------------------------------------------------------

test_fault_status_answers() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    local status
    for status in 401 403 408 500 503; do
        add_fault "{\"kind\":\"status\",\"status\":$status,\"car\":42,\"count\":1}" >/dev/null
        expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" "$status" "fault $status"
    done
    expect_eq "$(car_row)" 0 "faults do not advance the trace"

    add_fault '{"kind":"status","status":403,"account":"acme","count":1}' >/dev/null
    expect_eq "$(api /api/1/products)" '{"response":null,"error":"account disabled: EXCEEDED_LIMIT","error_description":""}' "403 body"

    add_fault '{"kind":"status","status":429,"retry_after_s":120,"endpoint":"summary","count":1}' >/dev/null
    local output
    output=$(curl -s -i -H "Authorization: Bearer $TOKEN" "$FAKE_URL/api/1/vehicles/42")
    expect_contains "$output" "HTTP/1.1 429" "429 status"
    expect_contains "$output" "Retry-After: 120" "Retry-After header"
    expect_contains "$output" "Retry in 120 seconds" "429 body"

    add_fault '{"kind":"status","status":408,"variant":"timeout","count":1}' >/dev/null
    expect_eq "$(api /api/1/vehicles/42/vehicle_data | jq -r '.error')" '{"error": "timeout"}' "408 timeout body"
    add_fault '{"kind":"status","status":401,"count":1,"endpoint":"token"}' >/dev/null
    expect_eq "$(refresh refresh-1 | tail -n 1)" 401 "401 on the token endpoint"
    expect_eq "$(refresh refresh-1 | tail -n 1)" 200 "refresh token not consumed by the fault"
    expect_eq "$(curl -s "$FAKE_URL/_fake/faults" | jq -r '.faults | length')" 0 "faults used up"
}

test_fault_latency() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    local id
    id=$(add_fault '{"kind":"latency","latency_ms":800,"endpoint":"vehicle_data"}' | jq -r '.id')
    local started=$SECONDS elapsed
    elapsed=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" \
        "$FAKE_URL/api/1/vehicles/42/vehicle_data")
    expect_eq "$(awk -v t="$elapsed" 'BEGIN { print (t >= 0.8) }')" 1 "delayed by 800 ms (took $elapsed s)"
    expect_eq "$(car_row)" 1 "a delayed answer still advances"

    # While one request waits, the server responds to others at once.
    curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$FAKE_URL/api/1/vehicles/42/vehicle_data" &
    local waiting=$!
    sleep 0.2
    elapsed=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$FAKE_URL/api/1/products")
    expect_eq "$(awk -v t="$elapsed" 'BEGIN { print (t < 0.5) }')" 1 "other requests not blocked (took $elapsed s)"
    wait "$waiting"

    curl -s -X DELETE "$FAKE_URL/_fake/faults/$id" >/dev/null
    elapsed=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" \
        "$FAKE_URL/api/1/vehicles/42/vehicle_data")
    expect_eq "$(awk -v t="$elapsed" 'BEGIN { print (t < 0.5) }')" 1 "no delay after removal"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$FAKE_URL/_fake/faults/$id")" 404 "removed fault is gone"
}

test_fault_close_mid_body() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    add_fault '{"kind":"close","count":1}' >/dev/null
    local status=0
    curl -s -o "$TEST_TMP/partial" -H "Authorization: Bearer $TOKEN" \
        "$FAKE_URL/api/1/vehicles/42/vehicle_data" || status=$?
    expect_eq "$status" 18 "curl reports a partial transfer"
    expect_ne "$(stat -c %s "$TEST_TMP/partial")" 0 "part of the body arrived"
    expect_failure "partial body is not JSON" jq . "$TEST_TMP/partial"
    expect_eq "$(car_row)" 0 "a cut answer does not advance"
    expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 200 "next request is whole"
}

test_fault_malformed_json() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    add_fault '{"kind":"malformed","endpoint":"vehicle_data","count":1}' >/dev/null
    local status
    status=$(curl -s -o "$TEST_TMP/malformed" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        "$FAKE_URL/api/1/vehicles/42/vehicle_data")
    expect_eq "$status" 200 "malformed answer status"
    expect_contains "$(head -c 12 "$TEST_TMP/malformed")" '{"response":' "starts like a real body"
    expect_failure "malformed body is not JSON" jq . "$TEST_TMP/malformed"
    expect_eq "$(car_row)" 0 "a malformed answer does not advance"
}

test_fault_oversized_body() {
    write_config "\"$JUNE\""
    start_fake --config "$TEST_TMP/config.json"

    add_fault '{"kind":"oversized","size_bytes":3000000,"count":1}' >/dev/null
    local size
    size=$(curl -s -o "$TEST_TMP/big" -w '%{size_download}' -H "Authorization: Bearer $TOKEN" \
        "$FAKE_URL/api/1/vehicles/42/vehicle_data")
    expect_eq "$size" 3000000 "body size"
    expect_eq "$(jq -r '.response.state' "$TEST_TMP/big")" online "still valid JSON"
    expect_eq "$(car_row)" 0 "an oversized answer does not advance"
}

test_faults_from_config() {
    write_config "\"$JUNE\"" '"faults": [{"account": "acme", "kind": "status", "status": 503, "endpoint": "list", "count": 1}],'
    sed -i 's|"cars": \[{"id": 42,|"cars": [{"id": 42, "faults": [{"kind": "status", "status": 408, "endpoint": "vehicle_data", "count": 2}],|' "$TEST_TMP/config.json"
    start_fake --config "$TEST_TMP/config.json"

    expect_eq "$(curl -s "$FAKE_URL/_fake/faults" | jq -r '.faults | length')" 2 "configured faults registered"
    expect_eq "$(api_status /api/1/products)" 503 "account fault"
    expect_eq "$(api_status /api/1/products)" 200 "account fault used up"
    expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 408 "car fault 1"
    expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 408 "car fault 2"
    expect_eq "$(api_status /api/1/vehicles/42/vehicle_data)" 200 "car fault used up"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"kind":"status","status":418}' "$FAKE_URL/_fake/faults")" 400 "unsupported status"
    expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"kind":"close","car":99}' "$FAKE_URL/_fake/faults")" 404 "unknown car"
}

# ---- Generator and bad input -----------------------------------------------

test_generator_serves_many_accounts() {
    expect_success "print config" "$BIN/fake-tesla" --accounts 3 --cars-per-account 2 --trace "$JULY" --print-config
    expect_eq "$(echo "$OUTPUT" | jq -r '[.accounts[].cars[]] | length')" 6 "generated cars"
    expect_eq "$(echo "$OUTPUT" | jq -r '.accounts[2].access_token')" fake-access-token-3 "generated token"

    start_fake --accounts 3 --cars-per-account 2 --trace "$JULY" --time-zone America/Los_Angeles
    TOKEN=fake-access-token-2
    expect_eq "$(api /api/1/vehicles | jq -r '[.response[].display_name] | join(",")')" "Car 3,Car 4" "second account's cars"
    expect_eq "$(api_status /api/1/vehicles/3744000000000001)" 404 "first account's car is not visible"
    expect_eq "$(api_status /api/1/vehicles/3744000000000003/vehicle_data)" 200 "own car"
    expect_eq "$(curl -s "$FAKE_URL/_fake/state" | jq -c '[.cars[].row]')" '[0,0,1,0,0,0]' "cars replay independently"
    # /proc/net/tcp lists listening sockets (state 0A) as hex address:port.
    local port_hex
    port_hex=$(printf '%04X' "${FAKE_URL##*:}")
    expect_eq "$(awk -v port=":$port_hex" '$4 == "0A" && substr($2, 9) == port { print $2 }' /proc/net/tcp /proc/net/tcp6)" \
        "0100007F:$port_hex" "listens on 127.0.0.1 only"
}

test_bad_input_is_reported() {
    echo '{"accounts": [ {"name": "a",, }]}' >"$TEST_TMP/broken.json"
    expect_failure "invalid JSON" "$BIN/fake-tesla" --config "$TEST_TMP/broken.json" --port 0
    expect_contains "$OUTPUT" "broken.json:1:" "names file and line"
    expect_contains "$OUTPUT" "invalid JSON" "says what is wrong"

    write_config "\"$TEST_TMP/missing.csv\""
    expect_failure "missing trace" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 0
    expect_contains "$OUTPUT" "missing.csv" "names the missing trace"
    expect_contains "$OUTPUT" "accounts[0].cars[0].trace" "names the field"

    printf 'foo,bar\n1,2\n' >"$TEST_TMP/other.csv"
    write_config "\"$TEST_TMP/other.csv\""
    expect_failure "no TeslaFi header" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 0
    expect_contains "$OUTPUT" "other.csv: not a TeslaFi export" "names the file"
    expect_contains "$OUTPUT" '"Date"' "names the missing column"

    printf 'Date;state\n2018-01-01 10:00:00;online\n' >"$TEST_TMP/semicolon.csv"
    write_config "\"$TEST_TMP/semicolon.csv\""
    expect_failure "semicolon export" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 0
    expect_contains "$OUTPUT" "semicolon.csv" "names the file"

    write_config "\"$JULY\""
    sed -i 's|America/Los_Angeles|America/Atlantis|' "$TEST_TMP/config.json"
    expect_failure "unknown zone" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 0
    expect_contains "$OUTPUT" 'unknown time zone "America/Atlantis"' "names the zone"
    expect_contains "$OUTPUT" "accounts[0].cars[0]" "names the car"

    write_config "\"$JULY\"" '"expires_in": 5,'
    expect_failure "unknown key" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 0
    expect_contains "$OUTPUT" 'unknown key "expires_in"' "names the key"

    expect_failure "bad port" "$BIN/fake-tesla" --config "$TEST_TMP/config.json" --port 70000
    expect_contains "$OUTPUT" "--port" "names the option"
    expect_failure "no config" "$BIN/fake-tesla" --port 0
    expect_failure "bad address" "$BIN/fake-tesla" --accounts 1 --trace "$JULY" --listen localhost --port 0
    expect_contains "$OUTPUT" "invalid listen address" "explains the address"
}

test_rejected_rows_are_skipped() {
    write_config "\"$RESILIENT\""
    start_fake --config "$TEST_TMP/config.json" --time-zone UTC

    expect_contains "$(cat "$TEST_TMP/fake.log")" "row 3 skipped: invalid field types: drive_state.latitude, drive_state.longitude" "rejection names row and fields"
    expect_not_contains "$(cat "$TEST_TMP/fake.log")" "PRIVATE_COORDINATE_SENTINEL" "no raw value logged"
    expect_eq "$(curl -s "$FAKE_URL/_fake/state" | jq -r '.cars[0].rows')" 2 "two rows kept"
    expect_eq "$(vehicle_data | jq -r '.response.drive_state.timestamp')" 1514800800000 "10:00:00 UTC"
    expect_eq "$(vehicle_data | jq -r '.response.drive_state.timestamp')" 1514800920000 "10:02:00 UTC"
}

run_tests
