-- Broken on purpose (a malformed IP range); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_ip_range",
  port = teng.loopback(),
  client = {
    ports = "1024-2047",
    ip = "198.18.0.1-198.18.0.x", -- expect: client.ip: malformed IP range '198.18.0.1-198.18.0.x'
  },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
