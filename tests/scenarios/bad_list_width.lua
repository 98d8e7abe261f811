-- Broken on purpose (list values of unequal width without pad); see tests/integration/expect_error.sh.
local teng = require "teng"
local user = teng.field.list { values = { "ann", "carol" } } -- expect: teng.field.list: the values differ in length (3..5): give pad
return teng.scenario {
  name = "bad_list_width",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send { "user ", user }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
