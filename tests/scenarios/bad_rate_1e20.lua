-- Broken on purpose (a rate of 1e20); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_rate_1e20",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 1, cps = 1e20 }, -- expect: phases[1].cps: rate 1e+20 is above the 100000000 connections per second
  },
}
