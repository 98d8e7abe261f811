-- Broken on purpose (a negative rate); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_negative_rate",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "ramp", duration = 1, cps = teng.ramp(0, 100) },
    { "steady", duration = 2,
      cps = -100 }, -- expect: phases[2].cps: rate must be >= 0, got -100
  },
}
