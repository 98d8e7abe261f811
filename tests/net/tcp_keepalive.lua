-- net_tcp_keepalive (tests/net/tcp_keepalive.sh): client connections to a
-- server that never sends, each sending one line, then thinking `think`
-- seconds with tcp.keepalive = `keepalive`, then closing.
local teng = require "teng"
local args = teng.args {
  dst = "198.18.0.1:9000", src = "198.18.0.10", conns = 2, think = 4.5, keepalive = 1,
  cps = 10, duration = 1, drain = 30, port = "af_packet:teng0",
}
return teng.scenario {
  name = "tcp_keepalive",
  port = args.port,
  client = { ip = args.src, ports = "20000-20999", dst = args.dst },
  client_program = { teng.send "hello\n", teng.think(args.think), teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
  conns = args.conns,
  drain = args.drain,
  tcp = { keepalive = args.keepalive },
}
