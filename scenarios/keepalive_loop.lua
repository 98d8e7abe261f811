-- HTTP keep-alive with both roles on the loopback: each connection carries
-- `reqs` requests; the client reads each response (framed by its
-- Content-Length) before it sends the next, and closes after the last. The
-- server answers the same count and closes too. scenarios/keepalive.lua is
-- the client half against a real server.
--   teng scenarios/keepalive_loop.lua cps=20000 reqs=10 duration=30
-- test: loopback
local teng = require "teng"
local args = teng.args { cps = 10000, duration = 10, reqs = 10, body = 256 }

local request = teng.http.request { method = "GET", path = "/", host = "sut" }
local response = teng.http.response { status = 200, body = teng.bytes(args.body) }

return teng.scenario {
  name = "keepalive_loop",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = {
    teng.loop(args.reqs, { teng.send(request), teng.recv { http = true } }),
    teng.close(),
  },
  server_program = {
    teng.loop(args.reqs, { teng.recv { until_ = "\r\n\r\n" }, teng.send(response) }),
    teng.close(),
  },
  phases = {
    { "ramp", duration = 1, cps = teng.ramp(0, args.cps) },
    { "steady", duration = args.duration, cps = args.cps },
  },
}
