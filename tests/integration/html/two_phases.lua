-- Two phases (a ramp, then a steady rate) and criteria, for the HTML
-- report's test (tests/integration/html.sh): a few seconds on the loopback.
-- refused=W adds a client template of weight W (against 10) whose
-- listener closes at once, before the answer the client waits for: those
-- connections fail.
local teng = require "teng"
local args = teng.args { cps = 400, ramp = 2, steady = 2, min_cps = 1, refused = 0, think = 0.05 }
-- The client waits `think` seconds before it sends: connections stay open
-- that long, so the open-connection counts are not all 0.
local think = teng.think(tonumber(args.think))
local templates = {
  { name = "echo", weight = 10, dst = "198.18.1.1:5001",
    program = { think, teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() } },
}
if tonumber(args.refused) > 0 then
  templates[2] = { name = "refused", weight = tonumber(args.refused), dst = "198.18.1.1:5002",
    program = { teng.send(teng.bytes(64)), teng.recv { bytes = 64 }, teng.close() } }
end
return teng.scenario {
  name = "html_two_phases",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  clients = teng.mix(templates),
  listeners = {
    { name = "echo", ip = "198.18.1.1", port = 5001, program = { teng.recv { bytes = 64 }, teng.close() } },
    { name = "closer", ip = "198.18.1.1", port = 5002, program = { teng.close() } },
  },
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
