-- The server half of net_memif: server role only, over memif (this process
-- is the memif client end). Runs until its duration or SIGINT.
--   teng tests/net/memif_server.lua --port memif:/tmp/S.sock:client duration=120
local teng = require "teng"
local args = teng.args { duration = 120, body = 1024, port = "memif:/tmp/teng-memif.sock:client" }

local response = teng.http.response { status = 200, body = teng.bytes(args.body) }

return teng.scenario {
  name = "memif_server",
  port = args.port,
  server = { ip = "198.18.0.2", port = 80 },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send(response), teng.close() },
  phases = { { "serve", duration = args.duration } },
}
