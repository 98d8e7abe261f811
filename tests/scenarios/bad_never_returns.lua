-- Broken on purpose (a script that never returns: stopped after 10 s); see tests/integration/expect_error.sh.

local teng = require "teng"
local n = 0
while true do n = n + 1 end -- expect: the script did not return within 10 s
return teng.scenario {
  name = "bad_never_returns",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
