-- Pass criteria for the whole run and for a phase; min_cps= makes the run
-- criterion impossible (tests/integration/results.sh criteria_*).
local teng = require "teng"
local args = teng.args { cps = 200, duration = 2, min_cps = 1 }
return teng.scenario {
  name = "criteria",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = {
    { "steady", duration = args.duration, cps = args.cps, criteria = { min_completed = 1 } },
  },
  criteria = {
    min_cps = args.min_cps,
    max_failures = 0,
    max_latency = { transaction = { p99 = "10s" } },
  },
}
