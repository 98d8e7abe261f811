-- Broken on purpose (require of raw ffi); see tests/integration/expect_error.sh.

local teng = require "teng"
local ffi = require "ffi" -- expect: module 'ffi' is not available in a scenario script
return teng.scenario {
  name = "bad_require_ffi",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
