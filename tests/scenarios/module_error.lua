-- A scenario whose protocol module (modules/failing.lua) raises an error
-- while it loads; tests/integration/module_error.sh checks that the error
-- names the module's file and line, not this script.
local teng = require "teng"
local proto = require "modules.failing"

return teng.scenario {
  name = "module_error",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { proto.hello(), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 5 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
