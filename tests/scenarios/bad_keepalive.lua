-- tcp.keepalive below a millisecond would round to 0 (off): refused,
-- rather than a run without the probes asked for.
local teng = require "teng"
return teng.scenario {
  name = "ka", port = teng.loopback(),
  client = { ip = "198.18.0.1" }, server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "x", teng.close() },
  server_program = { teng.recv { bytes = 1 }, teng.close() },
  phases = { { "m", duration = 1, cps = 10 } },
  tcp = { keepalive = 0.0002 }, -- expect: tcp.keepalive: must be 0 (off) or at least 0.001 s, got 0.0002
}
