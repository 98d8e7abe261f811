-- Think time between requests, both roles on the loopback: each connection
-- sends `reqs` HTTP requests on one connection and, after each response,
-- waits a think time drawn uniformly from [think/2, 3*think/2] seconds
-- (seeded: the same run gives the same times). The server answers each
-- request and closes after the last. Connections stay open about
-- reqs x think, so many are open at once: the rate times that.
--   teng scenarios/think.lua cps=2000 think=0.01 reqs=5 duration=30
-- test: loopback
local teng = require "teng"
local args = teng.args { cps = 2000, duration = 10, reqs = 5, think = 0.005 }

local request = teng.http.request { method = "GET", path = "/", host = "sut" }
local response = teng.http.response { status = 200, body = teng.bytes(128) }

return teng.scenario {
  name = "think",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = {
    teng.loop(args.reqs, {
      teng.send(request),
      teng.recv { http = true },
      teng.think { uniform = { args.think / 2, args.think * 3 / 2 } },
    }),
    teng.close(),
  },
  server_program = {
    teng.loop(args.reqs, { teng.recv { until_ = "\r\n\r\n" }, teng.send(response) }),
    teng.close(),
  },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
}
