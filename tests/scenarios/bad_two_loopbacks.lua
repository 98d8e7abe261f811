-- Broken on purpose (the loopback as one of two ports); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_two_loopbacks",
  port = { teng.loopback(), teng.loopback() }, -- expect: port: loopback makes both ends by itself
  client = { ip = "198.18.0.10" },
  server = { ip = "198.18.1.2", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
