-- Broken on purpose (returns a plain table); see tests/integration/expect_error.sh.
local teng = require "teng"

return {
  name = "bad_return",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
} -- expect: the script must return teng.scenario{...}, it returned table
