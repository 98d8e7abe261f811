-- Broken on purpose (no server program); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario { -- expect: server_program: missing
  name = "bad_missing_program",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
