-- HTTP keep-alive against an external server, client role only: each
-- connection sends `reqs` GETs one after the other on the same connection
-- (HTTP/1.1 keeps it open), reads each response (Content-Length or chunked)
-- and closes after the last one. Every response must be a 2xx.
--   teng scenarios/keepalive.lua dst=198.18.0.1:80 reqs=100 conns=1000 cps=200
--   teng scenarios/keepalive.lua --port af_packet:eth1 dst=10.0.0.1:8080 src=10.0.0.50-10.0.0.59
-- With conns=N the run ends once N connections are done, or when the
-- duration is up, whichever comes first; conns=0: no limit. The same
-- exchange with both roles on the loopback: scenarios/keepalive_loop.lua.
local teng = require "teng"
local args = teng.args {
  dst = "198.18.0.1:80", src = "198.18.0.10-198.18.0.19", reqs = 10, conns = 0, path = "/",
  cps = 200, duration = 10, port = "af_packet:teng0",
}
local host = teng.endpoint(args.dst)

return teng.scenario {
  name = "keepalive",
  port = args.port,
  client = { ip = args.src, ports = "1024-65535", dst = args.dst },
  client_program = {
    teng.loop(args.reqs, {
      teng.send(teng.http.request { method = "GET", path = args.path, host = host }),
      teng.recv { http = true },
    }),
    teng.close(),
  },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
  conns = args.conns > 0 and args.conns or nil,
}
