-- Broken on purpose (a string where a number belongs); see
-- tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_wrong_type",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = {
    { "main", cps = 10,
      duration = "ten" }, -- expect: phases[1].duration: expected a number, got string 'ten'
  },
}
