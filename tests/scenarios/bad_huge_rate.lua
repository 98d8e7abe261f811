-- Broken on purpose (a rate of 1e300 from the command line); see tests/integration/expect_error.sh.
-- args: cps=1e300
local teng = require "teng"
local args = teng.args { cps = 10 }
return teng.scenario {
  name = "bad_huge_rate",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 1, cps = args.cps }, -- expect: phases[1].cps: rate 1e+300 is above the 100000000 connections per second
  },
}
