-- Memory per connection: opens `conns` connections (both roles on the
-- loopback), as fast as the workers can, holds each one idle for `hold`
-- seconds, then closes it. The client sends `size` bytes, thinks `hold`
-- seconds, sends `size` bytes again and waits for the server's FIN; the
-- server reads both and closes. The run ends once every connection is
-- done; `duration` bounds the opening (whatever is still open then gets
-- `hold` + 5 s of drain). The JSON's client.peak_active and
-- memory.peak_rss_bytes give the cost per connection pair, measured
-- against a small run (tests/bench/run does it with conns=1000000).
--   teng scenarios/concurrent.lua conns=1000000 hold=5 duration=60 --json c.json
-- test: loopback
local teng = require "teng"
local args = teng.args { conns = 1000, hold = 2.5, size = 16, cps = "max", duration = 30 }

local n = math.floor(args.conns)
if n < 1 or n > 16777216 then error("conns: 1 .. 16777216, got " .. args.conns) end
local rate = args.cps == "max" and teng.max { open = n }
  or tonumber(args.cps) or error("cps: expected a number or 'max', got '" .. args.cps .. "'")

return teng.scenario {
  name = "concurrent",
  port = teng.loopback(),
  -- 64 addresses x 64512 ports: room for 4 M tuples.
  client = { ip = "198.18.0.1-198.18.0.64", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = {
    teng.send(teng.bytes(args.size)),
    teng.think(args.hold),
    teng.send(teng.bytes(args.size)),
    teng.recv { eof = true },
    teng.close(),
  },
  server_program = { teng.recv { bytes = args.size }, teng.recv { bytes = args.size }, teng.close() },
  phases = {
    { "open", duration = args.duration, cps = rate },
  },
  conns = n,
  max_open = n,
  drain = args.hold + 5,
  -- A held connection is not idle (thinking is not idleness), but the
  -- opening of a million takes a while under load.
  tcp = { idle_timeout = 30 },
}
