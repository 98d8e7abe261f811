-- Keepalive on the loopback (tests/integration/keepalive.sh): the client
-- sends one byte, thinks `think` seconds, sends another and waits for the
-- answer; the server waits for both bytes. During the think both
-- connections are quiet: with keepalive = 1 each probes its peer about
-- once a second and is answered; the server, which only waits, is not
-- failed by idle_timeout (2 s) as it is without keepalive.
local teng = require "teng"
local args = teng.args { keepalive = 1, idle = 2, think = 3.5, cps = 20, duration = 1 }
return teng.scenario {
  name = "keepalive_think",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 7 },
  client_program = { teng.send "x", teng.think(args.think), teng.send "y", teng.recv { bytes = 1 }, teng.close() },
  server_program = { teng.recv { bytes = 2 }, teng.send "z", teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
  tcp = { keepalive = args.keepalive, idle_timeout = args.idle },
  drain = 10,
}
