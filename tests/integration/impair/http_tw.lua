-- http_like.lua's exchange (a GET, a 200 with a 1 kB body, the server
-- closes) with the TIME_WAIT today's TCP needs under --impair loss (see
-- crr_tw.lua).
-- test: impair.sh (not run on its own)
local teng = require "teng"
local args = teng.args { cps = 5000, duration = 2, body = 1024 }

local request = teng.http.request { method = "GET", path = "/", host = "sut" }
local response = teng.http.response { status = 200, body = teng.bytes(args.body) }

return teng.scenario {
  name = "http_tw",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send(request), teng.recv { http = true }, teng.close() },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
  tcp = { time_wait = 4 },
  drain = 8,
}
