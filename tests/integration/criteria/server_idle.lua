-- Server role only, over memif, with nothing ever connecting: the role ran
-- and completed nothing, which fails the run even though no connection
-- failed (tests/integration/criteria.sh runs two of these, one per memif end).
local teng = require "teng"
local args = teng.args { duration = 1, port = "memif:/tmp/teng-idle.sock:server" }

return teng.scenario {
  name = "server_idle",
  port = args.port,
  server = { ip = "198.18.0.2", port = 80 },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send "HTTP/1.1 204 No Content\r\n\r\n", teng.close() },
  phases = { { "serve", duration = args.duration } },
  drain = 0.5,
}
