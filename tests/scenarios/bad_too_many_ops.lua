-- Broken on purpose (more ops than TENG_MAX_OPS); see tests/integration/expect_error.sh.
local teng = require "teng"
local many = {}
for i = 1, 1100 do many[i] = teng.send "ping" end
return teng.scenario {
  name = "bad_too_many_ops",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = many, -- expect: client_program: too many ops (the programs need more than 1024 in all)
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
