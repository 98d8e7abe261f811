-- Broken on purpose (a phase of 2^32 ms); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_phase_2_32_ms",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 2 ^ 32 / 1000, cps = 10 }, -- expect: phases[1].duration: 4.29497e+06 s is longer than a phase can last (1000000 s)
  },
}
