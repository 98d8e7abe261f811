-- Not in the default suite (a figure for issue 7): a concurrency phase
-- of N connections (default 1,000,000) on the loopback, both roles, each
-- connection thinking `think` seconds, then one small request and reply.
--   teng tests/integration/overload/hold_1m.lua [conns=N] [think=S] [duration=S]
local teng = require "teng"
local args = teng.args { conns = 1000000, think = 4, duration = 10, idle = 30 }
return teng.scenario {
  name = "hold_1m",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.32", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.think(tonumber(args.think)), teng.send(teng.bytes(64)), teng.recv { bytes = 64 }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  phases = { { "hold", duration = tonumber(args.duration), concurrency = tonumber(args.conns) } },
  drain = 10,
  tcp = { idle_timeout = tonumber(args.idle) },
}
