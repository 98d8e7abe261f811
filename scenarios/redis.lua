-- Redis, client role only: each connection sends PING, SETs a key of its
-- own (teng:<connection number>) to a random value, GETs it back and
-- closes. Every reply is checked: +PONG, +OK, then the value that was set
-- (the same field renders the same bytes for the same connection). An
-- error reply (-ERR ...) fails the connection with reason resp_error.
--   teng scenarios/redis.lua dst=198.18.0.1:6379 conns=2000 cps=500
--   teng scenarios/redis.lua cmd=SETX conns=10       (redis refuses: exit 1)
-- With conns=N the run ends once N connections are done; conns=0: no limit.
local teng = require "teng"
local resp = require "teng.proto.resp"
local args = teng.args {
  dst = "198.18.0.1:6379", src = "198.18.0.10-198.18.0.19", conns = 0, cmd = "SET",
  cps = 500, duration = 10, port = "af_packet:teng0",
}

local key = teng.field.conn { width = 8 }
local rnd = teng.field.random_alnum { width = 16 }
local value = teng.payload { "v:", rnd }

return teng.scenario {
  name = "redis",
  port = args.port,
  client = { ip = args.src, ports = "1024-65535", dst = args.dst },
  client_program = {
    teng.send(resp.command { "PING" }),
    resp.reply { expect = "+PONG\r\n" },
    teng.send(resp.command { args.cmd, { "teng:", key }, { "v:", rnd } }),
    resp.reply { expect = "+OK\r\n" },
    teng.send(resp.command { "GET", { "teng:", key } }),
    resp.reply { expect = resp.bulk(value) },
    teng.close(),
  },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
  conns = args.conns > 0 and args.conns or nil,
}
