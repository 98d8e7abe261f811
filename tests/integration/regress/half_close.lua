-- Regression: a client that half-closes (FIN, then waits for the peer's
-- FIN) against a server that waits for that FIN before it closes. The
-- peer's FIN reaches the client in FIN_WAIT_2; the client's recv{eof}
-- must complete there, not be counted as peer_closed.
local teng = require "teng"
local args = teng.args { duration = 1, cps = 1000 }
return teng.scenario {
  name = "half_close",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 7 },
  client_program = { teng.send "x\n", teng.recv { line = true }, teng.close { half = true } },
  server_program = { teng.recv { line = true }, teng.send "y\n", teng.recv { eof = true }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
