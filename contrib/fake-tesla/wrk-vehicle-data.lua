-- wrk script for benchmarking fake-tesla: each request asks for the full
-- vehicle_data of a random car of a configuration made by
--   fake-tesla --accounts N --cars-per-account 1 --trace FILE --loop
-- (account i has token fake-access-token-i and car 3744000000000000 + i).
--   ACCOUNTS=N wrk -t2 -c64 -d10s -s wrk-vehicle-data.lua http://127.0.0.1:PORT
local accounts = tonumber(os.getenv("ACCOUNTS") or "100")
local endpoints = "charge_state%3Bclimate_state%3Bclosures_state%3Bdrive_state%3B" ..
    "gui_settings%3Blocation_data%3Bvehicle_config%3Bvehicle_state%3Bvehicle_data_combo"

request = function()
    local account = math.random(accounts)
    local path = string.format("/api/1/vehicles/%d/vehicle_data?endpoints=%s",
        3744000000000000 + account, endpoints)
    return wrk.format("GET", path,
        { ["Authorization"] = "Bearer fake-access-token-" .. account })
end

done = function(summary, latency, requests)
    io.write(string.format("p50 %.2f ms, p99 %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
