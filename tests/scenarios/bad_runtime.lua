-- Broken on purpose (a Lua runtime error); see tests/integration/expect_error.sh.
local teng = require "teng"

local request = teng.payload "ping"
local response = teng.htp.response { status = 200 } -- expect: attempt to index field 'htp' (a nil value)

return teng.scenario {
  name = "bad_runtime",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send(request), teng.recv { http = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.send(response), teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
