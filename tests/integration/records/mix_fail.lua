-- Connections that end in known ways, for --records (tests/integration/
-- records.sh): a weighted mix of four client templates on the loopback.
--   ok        GET from "web": 200, completed
--   notfound  GET from "gone": 404 where 2xx is expected: http_status
--   wrong     a line to "echo", which sends it back, but the client
--             expects another: mismatch
--   mute      a line to "mute", which closes without a word: peer_closed
-- conns bounds the run, so every connection has finished before the end.
local teng = require "teng"
local args = teng.args { cps = 2000, conns = 600, seed = 3 }

local request = teng.http.request { method = "GET", path = "/", host = "sut" }

return teng.scenario {
  name = "records_mix",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "2000-2999" },
  clients = teng.mix {
    { name = "ok", weight = 4, dst = "198.18.1.1:80",
      program = { teng.send(request), teng.recv { http = true }, teng.close() } },
    { name = "notfound", weight = 2, dst = "198.18.1.2:80",
      program = { teng.send(request), teng.recv { http = true }, teng.close() } },
    { name = "wrong", weight = 2, dst = "198.18.1.3:7",
      program = {
        teng.send("hello\n"), teng.recv { line = true, expect = "goodbye" }, teng.close(),
      } },
    { name = "mute", weight = 1, dst = "198.18.1.4:7",
      program = { teng.send("hello\n"), teng.recv { line = true }, teng.close() } },
  },
  listeners = {
    { name = "web", ip = "198.18.1.1", port = 80,
      program = { teng.recv { until_ = "\r\n\r\n" },
        teng.send(teng.http.response { status = 200, body = teng.bytes(100) }), teng.close() } },
    { name = "gone", ip = "198.18.1.2", port = 80,
      program = { teng.recv { until_ = "\r\n\r\n" },
        teng.send(teng.http.response { status = 404, body = "not here\n" }), teng.close() } },
    { name = "echo", ip = "198.18.1.3", port = 7,
      program = { teng.recv { line = true, echo = true }, teng.echo(), teng.close() } },
    { name = "mute", ip = "198.18.1.4", port = 7,
      program = { teng.recv { line = true }, teng.close() } },
  },
  seed = args.seed,
  conns = args.conns,
  phases = { { "main", duration = 2, cps = args.cps } },
  drain = 1,
}
