-- An HTTP server, server role only: each connection reads one request (up
-- to the blank line), answers 200 with `body` bytes and closes. The body is
-- the letters a..z repeated (teng.bytes), so a client can check it.
--   teng scenarios/http_server.lua listen=198.18.0.2:80 body=1024 duration=30
--   curl http://198.18.0.2/ | sha256sum
local teng = require "teng"
local args = teng.args {
  listen = "198.18.0.2:80", body = 1024, port = "af_packet:teng0",
  cps = 0, duration = 10, -- cps: accepted for symmetry, a server takes what comes
}
local ip, port = teng.endpoint(args.listen)
local response = teng.http.response {
  status = 200, body = teng.bytes(args.body), headers = { Connection = "close" },
}

return teng.scenario {
  name = "http_server",
  port = args.port,
  server = { ip = ip, port = port },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() },
  phases = {
    { "serve", duration = args.duration },
  },
}
