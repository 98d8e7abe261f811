-- Broken on purpose (a jump to a label that does not exist); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_unknown_label",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = {
    teng.label "top",
    teng.send "ping",
    teng.jump "nowhere", -- expect: client_program[3]: unknown label 'nowhere'
  },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
