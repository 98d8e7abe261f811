-- HTTP GET against an external server, client role only: each connection
-- sends "GET path HTTP/1.1" (Host: the destination's IP), reads the
-- response (framed by Content-Length) and closes.
--   teng scenarios/http_client.lua dst=198.18.0.1:80 conns=20000 cps=2000
--   teng scenarios/http_client.lua --port af_packet:eth1 dst=10.0.0.1:8080 src=10.0.0.50-10.0.0.59
-- With conns=N the run ends once N connections are done, or when the
-- duration is up, whichever comes first; conns=0: no limit.
local teng = require "teng"
local args = teng.args {
  dst = "198.18.0.1:80", src = "198.18.0.10-198.18.0.19", conns = 0, path = "/",
  cps = 1000, duration = 10, port = "af_packet:teng0",
}
local host = teng.endpoint(args.dst)

return teng.scenario {
  name = "http_client",
  port = args.port,
  client = { ip = args.src, ports = "1024-65535", dst = args.dst },
  client_program = {
    teng.send(teng.http.request { method = "GET", path = args.path, host = host }),
    teng.recv { http = true },
    teng.close(),
  },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
  conns = args.conns > 0 and args.conns or nil,
}
