-- crr with pass criteria set from the command line (tests/integration/
-- criteria.sh): the defaults are easily met on the loopback; each test
-- makes one of them impossible and expects exit 1 naming it. A think
-- time before the client closes makes the transaction latency at least
-- `think` seconds, so a limit below it cannot be met on any machine
-- (connect latency on the loopback can be under 1 us).
local teng = require "teng"
local args = teng.args {
  cps = 2000, duration = 1, think = 0, min_cps = 10, connect_p50 = "1s", txn_p50 = "10s",
  txn_p99 = "10s", fail_ratio = 0,
}

return teng.scenario {
  name = "crr_criteria",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = {
    teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.think(args.think), teng.close(),
  },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = {
    { "main", duration = args.duration, cps = args.cps,
      criteria = { max_latency = { transaction = { p99 = args.txn_p99 } } } },
  },
  criteria = {
    max_fail_ratio = args.fail_ratio,
    min_completed = 1,
    min_cps = args.min_cps,
    max_latency = { connect = { p50 = args.connect_p50 }, transaction = { p50 = args.txn_p50 } },
  },
  drain = 0.5,
}
