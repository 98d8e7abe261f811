-- Broken on purpose (max_open = 2^31); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_max_open_2_31",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
  max_open = 2 ^ 31, -- expect: max_open: max_open 2147483648 is above the 16777216 open connections
}
