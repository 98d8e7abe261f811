-- A valid scenario run with an unknown key=value; see tests/integration/expect_error.sh.
-- args: cps=10 rate=5
local teng = require "teng"
local args = teng.args { cps = 10, duration = 1 } -- expect: unknown argument 'rate' (this scenario takes: cps, duration)

return teng.scenario {
  name = "bad_cli_key",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
