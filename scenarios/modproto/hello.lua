-- A scenario whose protocol lives in a module next to it: require finds
-- hello_proto.lua in this file's directory (then teng's own modules, then
-- LUA_PATH), so a protocol can be shared between scenarios without
-- touching package.path. Both roles on the loopback.
--   teng scenarios/modproto/hello.lua cps=10000 reqs=4 duration=30
-- test: loopback
local teng = require "teng"
local hello = require "hello_proto"
local args = teng.args { cps = 5000, duration = 10, reqs = 4 }

return teng.scenario {
  name = "hello",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 4000 },
  client_program = hello.client { reqs = args.reqs },
  server_program = hello.server { reqs = args.reqs },
  phases = {
    { "main", duration = args.duration, cps = args.cps },
  },
}
