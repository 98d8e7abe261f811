-- HTTP-like exchange: the client sends an HTTP/1.1 GET, the server answers
-- 200 with a body and closes; the client closes after the response.
--   teng scenarios/http_like.lua cps=200000 duration=30
--   teng scenarios/http_like.lua open=256    (as fast as possible, 256 open)
-- test: loopback
local teng = require "teng"
local args = teng.args { cps = 100000, duration = 10, body = 1024, open = 0, drain = "default" }
local rate = args.open > 0 and teng.max { open = args.open } or args.cps

local request = teng.http.request { method = "GET", path = "/", host = "sut" }
local response = teng.http.response { status = 200, body = teng.bytes(args.body) }

return teng.scenario {
  name = "http_like",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send(request), teng.recv { http = true }, teng.close() },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() },
  phases = {
    { "ramp", duration = 1, cps = args.open > 0 and rate or teng.ramp(0, args.cps) },
    { "steady", duration = args.duration, cps = rate },
  },
  -- Seconds open connections get to finish after the phases: teng's
  -- default unless given (2 s; 15 s under --impair, where a segment lost
  -- several times in a row is still being retransmitted).
  drain = args.drain ~= "default" and (tonumber(args.drain) or args.drain) or nil,
}
