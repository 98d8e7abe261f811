-- Broken on purpose (a ramp to 1e300); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_ramp_huge",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 1, cps = teng.ramp(0, 1e300) }, -- expect: phases[1].cps: teng.ramp end 1e+300 is above
  },
}
