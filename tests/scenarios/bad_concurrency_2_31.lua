-- Broken on purpose (concurrency = 2^31); see tests/integration/expect_error.sh.

local teng = require "teng"

return teng.scenario {
  name = "bad_concurrency_2_31",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", duration = 1, concurrency = 2 ^ 31 }, -- expect: phases[1].concurrency: concurrency 2147483648 is above the 16777216 open connections
  },
}
