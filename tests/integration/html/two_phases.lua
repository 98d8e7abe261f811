-- Two phases (a ramp, then a steady rate) and criteria, for the HTML
-- report's test (tests/integration/html.sh): a few seconds on the loopback.
local teng = require "teng"
local args = teng.args { cps = 400, ramp = 2, steady = 2, min_cps = 1 }
return teng.scenario {
  name = "html_two_phases",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = {
    { "ramp", duration = args.ramp, cps = teng.ramp(0, args.cps) },
    { "steady", duration = args.steady, cps = args.cps, criteria = { min_completed = 1 } },
  },
  criteria = {
    min_cps = args.min_cps,
    max_failures = 0,
    max_latency = { transaction = { p99 = "10s" } },
  },
}
