-- crr.lua's exchange as fast as the core can, under --impair loss, with
-- more connections closing per TIME_WAIT hold than the table holds: its
-- oldest entries go early (tcp.tw_evicted). A peer whose last ACK from
-- us was lost sends its FIN again after an entry is gone; it must get
-- the ACK the entry would have sent (tcp.tw_evicted_acks), never a RST.
-- The backoff is capped (rto_max) so that, at this loss, every
-- connection ends well within the drain.
-- test: impair.sh (not run on its own)
local teng = require "teng"
local args = teng.args { open = 40000, duration = 1.5, size = 64 }

return teng.scenario {
  name = "crr_tw_full",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(args.size)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = args.size }, teng.close() },
  phases = { { "main", duration = args.duration, cps = teng.max { open = args.open } } },
  tcp = { time_wait = 8, rto_max = 0.4, max_retries = 20, syn_retries = 20 },
  drain = 20,
}
