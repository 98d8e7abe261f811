-- crr.lua's exchange (64 bytes up, the server closes) with a TIME_WAIT
-- long enough for today's TCP under --impair loss: with time_wait = 0
-- (the default) a lost last ACK leaves the peer retransmitting its FIN to
-- a connection that is gone, and the RST it gets fails the connection.
-- test: impair.sh (not run on its own)
local teng = require "teng"
local args = teng.args { cps = 5000, duration = 2, size = 64 }

return teng.scenario {
  name = "crr_tw",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(args.size)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = args.size }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
  tcp = { time_wait = 4 },
  drain = 8,
}
