-- Through a TCP/HTTP proxy, two ports: the client role on the first port
-- connects to the proxy; the server role on the second port answers what
-- the proxy forwards (200 with a 1024-byte body) and closes.
--   teng scenarios/through_proxy.lua proxy=198.18.0.1:8080 listen=198.18.1.2:80 conns=10000
--   teng scenarios/through_proxy.lua --port af_packet:eth1 --port af_packet:eth2
-- With conns=N the run ends once N client connections are done, or when
-- the duration is up; conns=0: no limit.
local teng = require "teng"
local args = teng.args {
  proxy = "198.18.0.1:8080", listen = "198.18.1.2:80", src = "198.18.0.10-198.18.0.19",
  conns = 0, cps = 1000, duration = 10, port = "af_packet:teng0", port2 = "af_packet:teng1",
}
local proxy_host = teng.endpoint(args.proxy)
local ip, port = teng.endpoint(args.listen)
local request = teng.http.request { method = "GET", path = "/", host = proxy_host }
local response = teng.http.response {
  status = 200, body = teng.bytes(1024), headers = { Connection = "close" },
}

return teng.scenario {
  name = "through_proxy",
  port = { args.port, args.port2 },
  client = { ip = args.src, ports = "1024-65535", dst = args.proxy },
  server = { ip = ip, port = port },
  client_program = { teng.send(request), teng.recv { http = true }, teng.close() },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
  conns = args.conns > 0 and args.conns or nil,
}
