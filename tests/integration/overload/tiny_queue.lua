-- A deliberately tiny transmit queue (tx_queue = 64 entries per port)
-- under a load that overfills it: as fast as the worker can, each
-- connection sending 32 KB (23 segments in one go, a third of the ring:
-- init_cwnd = 32 lets the whole send out before the first ACK) and
-- getting 16 KB back. Nothing may be dropped: what does not fit
-- waits (tx_waits), and openings wait for the backlog (open_deferred).
local teng = require "teng"
return teng.scenario {
  name = "tiny_queue",
  port = teng.loopback(),
  tx_queue = 64,
  tcp = { init_cwnd = 32 },
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(32768)), teng.recv { bytes = 16384 }, teng.close() },
  server_program = { teng.recv { bytes = 32768 }, teng.send(teng.bytes(16384)), teng.recv { eof = true }, teng.close() },
  phases = { { "main", duration = 3, cps = teng.max { open = 256 } } },
}
