-- Broken on purpose (a phase shorter than 1 ms); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_sub_ms_phase",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 0.0004, cps = 10 }, -- expect: phases[1].duration: 0.0004 s is shorter than 1 ms
  },
}
