-- Regression: connections held in TIME_WAIT past the end of the run are
-- completed, not reset and counted as failed.
local teng = require "teng"
local args = teng.args { duration = 1, cps = 1000 }
return teng.scenario {
  name = "time_wait",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  tcp = { time_wait = 5 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
