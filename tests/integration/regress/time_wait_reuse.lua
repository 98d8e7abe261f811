-- TIME_WAIT with a tiny client range (4 tuples), so tuples come round
-- again while still waiting: the allocator skips them (tw_reuse_refused)
-- rather than reuse one, and no connection fails or is reset.
--   first=client: the client closes first and holds TIME_WAIT;
--   first=server: the server does, and the client's next SYN on the
--   tuple (a higher sequence number) takes it over (RFC 6191).
local teng = require "teng"
local args = teng.args { duration = 2, cps = 40, first = "client" }
local req, resp = teng.bytes(64), teng.bytes(64)
local client, server
if args.first == "client" then
  client = { teng.send(req), teng.recv { bytes = 64 }, teng.close() }
  server = { teng.recv { bytes = 64 }, teng.send(resp), teng.recv { eof = true }, teng.close() }
else
  client = { teng.send(req), teng.recv { bytes = 64 }, teng.recv { eof = true }, teng.close() }
  server = { teng.recv { bytes = 64 }, teng.send(resp), teng.close() }
end
return teng.scenario {
  name = "time_wait_reuse",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "5000-5003" },
  server = { ip = "198.18.1.1", port = 80 },
  tcp = { time_wait = 0.5 },
  client_program = client,
  server_program = server,
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
