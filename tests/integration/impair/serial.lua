-- One connection at a time (crr's exchange), a fixed number of them: the
-- frames teng sends come in the same order run after run, so under the
-- same --impair seed the impairment counters must come out the same.
-- (Under a rate, which frame is the n-th to go out depends on timing:
-- when a retransmission fires against the next opening.)
-- test: impair.sh (not run on its own)
local teng = require "teng"
local args = teng.args { conns = 300, duration = 30 }

return teng.scenario {
  name = "serial",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = { { "main", duration = args.duration, cps = teng.max { open = 1 } } },
  conns = args.conns,
  -- No delayed ACKs: whether an ACK goes alone or rides on data would
  -- depend on timing, and with it the sequence of frames the seed decides.
  tcp = { time_wait = 4, rto = 0.05, delayed_ack = 0 },
  drain = 8,
}
