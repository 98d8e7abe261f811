-- The client half of net_memif: client role only, over memif (this process
-- is the memif server end). The test passes --port with its own socket.
--   teng tests/net/memif_client.lua --port memif:/tmp/S.sock:server conns=50000
local teng = require "teng"
local args = teng.args { conns = 50000, cps = 10000, duration = 60,
  port = "memif:/tmp/teng-memif.sock:server" }

local request = teng.http.request { method = "GET", path = "/", host = "198.18.0.2" }

return teng.scenario {
  name = "memif_client",
  port = args.port,
  client = { ip = "198.18.0.10-198.18.0.19", ports = "1024-65535", dst = "198.18.0.2:80" },
  client_program = { teng.send(request), teng.recv { http = true }, teng.close() },
  conns = args.conns,
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
