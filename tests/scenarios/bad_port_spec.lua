-- Broken on purpose (a port spec without its interface); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_port_spec",
  port = "af_packet:", -- expect: port: af_packet: the interface name must be 1..15 characters
  client = { ip = "198.18.0.10", dst = "198.18.0.1:80" },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
