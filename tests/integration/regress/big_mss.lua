-- Regression: an MSS above what one packet buffer holds must be capped,
-- not crash (a 9000-byte MSS with a 20 kB body segfaulted).
local teng = require "teng"
local args = teng.args { duration = 1, cps = 2000 }
return teng.scenario {
  name = "big_mss",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 80 },
  tcp = { mss = 9000 },
  client_program = { teng.send "GET / HTTP/1.1\r\n\r\n", teng.recv { http = true }, teng.close() },
  server_program = { teng.recv { until_ = "\r\n\r\n" },
    teng.send(teng.http.response { body = teng.bytes(20000) }), teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
