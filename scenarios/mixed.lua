-- Two kinds of traffic in one run, both roles on the loopback: a weighted
-- mix of client templates, each with its own program and destination, and
-- two listeners, each with its own server program. By default 9 in 10
-- connections are HTTP GETs to the "web" listener and 1 in 10 sends a
-- numbered line to the "echo" listener and checks that the same line comes
-- back. The choice is drawn per connection from the seed, so two runs
-- with the same seed pick the same sequence. Results are reported per
-- template and per listener as well as in total.
--   teng scenarios/mixed.lua cps=20000 duration=30
--   teng scenarios/mixed.lua get=1 line=1 seed=7
-- test: loopback
local teng = require "teng"
local args = teng.args { cps = 10000, duration = 10, get = 9, line = 1, seed = 1 }

local n = teng.field.conn { width = 10 }
local request = teng.http.request { method = "GET", path = "/", host = "sut" }
local response = teng.http.response { status = 200, body = teng.bytes(512) }

return teng.scenario {
  name = "mixed",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  clients = teng.mix {
    { name = "get", weight = args.get, dst = "198.18.1.1:80",
      program = { teng.send(request), teng.recv { http = true }, teng.close() } },
    { name = "line", weight = args.line, dst = "198.18.1.2:7",
      program = {
        teng.send(teng.payload { "line ", n, "\n" }),
        teng.recv { line = true, expect = teng.payload { "line ", n } },
        teng.close(),
      } },
  },
  listeners = {
    { name = "web", ip = "198.18.1.1", port = 80,
      program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() } },
    { name = "echo", ip = "198.18.1.2", port = 7,
      program = { teng.recv { line = true, echo = true }, teng.echo(), teng.close() } },
  },
  seed = args.seed,
  phases = {
    { "ramp", duration = 1, cps = teng.ramp(0, args.cps) },
    { "steady", duration = args.duration, cps = args.cps },
  },
}
