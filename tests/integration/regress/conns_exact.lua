-- conns = N opens exactly N connections: the last one of a rate phase is
-- due at its very end (issue 11: conns=5000 at cps=500 gave 4999 and PASS).
local teng = require "teng"
local args = teng.args { cps = 500, duration = 10, conns = 5000 }
return teng.scenario {
  name = "conns_exact", port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "x", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 1 }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
  conns = args.conns,
}
