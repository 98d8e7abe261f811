-- Broken on purpose (a missing comma); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_syntax",
  client = { ip = "198.18.0.1" ports = "1024-2047" }, -- expect: '}' expected near 'ports'
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
