-- tcp.keepalive is in the language but not yet in the engine: refused,
-- rather than a run without the probes asked for.
local teng = require "teng"
return teng.scenario {
  name = "ka", port = teng.loopback(),
  client = { ip = "198.18.0.1" }, server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "x", teng.close() },
  server_program = { teng.recv { bytes = 1 }, teng.close() },
  phases = { { "m", duration = 1, cps = 10 } },
  tcp = { keepalive = 10 }, -- expect: tcp.keepalive: keepalive probes are not implemented yet
}
