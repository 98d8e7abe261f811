-- Bulk transfer, for throughput and loss tests: each connection moves
-- `bytes` bytes from the server to the client (and `up` bytes the other
-- way first, when up > 0), the a..z pattern of teng.send { bytes = N },
-- and the receiver checks every byte of it (recv { pattern = true }): a
-- connection completes only if what arrived is byte-exact. `conns`
-- connections (0: as many as `duration` allows), `open` at most at once,
-- opened as fast as they can be (cps=max) or at `cps`.
--   teng scenarios/bulk.lua bytes=10000000 conns=1
--   teng scenarios/bulk.lua bytes=10000000 --impair loss=0.02,seed=1
-- test: loopback
local teng = require "teng"
local args = teng.args { bytes = 1000000, up = 0, conns = 0, open = 4, duration = 10, request = 16, cps = "max" }

local function int(k, min)
  local v = tonumber(args[k])
  if not v or v % 1 ~= 0 or v < min then error(("%s: expected a whole number >= %d, got '%s'"):format(k, min, tostring(args[k]))) end
  return v
end
local down, up, conns, open = int("bytes", 1), int("up", 0), int("conns", 0), int("open", 1)
local rate = args.cps == "max" and teng.max { open = open }
  or tonumber(args.cps) or error("cps: expected a number or 'max', got '" .. args.cps .. "'")
-- The client asks first (a request of `request` bytes, or `up` bytes of
-- upload), then reads the download to the end.
local ask = up > 0 and up or int("request", 1)

return teng.scenario {
  name = "bulk",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = {
    teng.send { bytes = ask },
    teng.recv { bytes = down, pattern = true },
    teng.recv { eof = true },
    teng.close(),
  },
  server_program = {
    teng.recv { bytes = ask, pattern = true },
    teng.send { bytes = down },
    teng.close(),
  },
  phases = {
    { "main", duration = args.duration, cps = rate },
  },
  conns = conns > 0 and conns or nil,
  max_open = open,
  drain = 10,
}
