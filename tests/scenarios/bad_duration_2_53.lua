-- Broken on purpose (duration = 2^53); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_duration_2_53",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 2 ^ 53, cps = 10 }, -- expect: phases[1].duration: 9.0072e+15 s is longer than a phase can last
  },
}
