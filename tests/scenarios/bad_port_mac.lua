-- Broken on purpose (a peer MAC with five bytes); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_port_mac",
  port = teng.af_packet("teng0", { -- expect: teng.af_packet: peer_mac: malformed MAC address '02:00:00:00:01'
    gateway = "198.18.0.1",
    peer_mac = "02:00:00:00:01",
  }),
  client = { ip = "198.18.0.10", dst = "198.18.5.1:80" },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
