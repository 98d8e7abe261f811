-- Broken on purpose (loops nested three deep); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario {
  name = "bad_loop_too_deep",
  client = { ip = "198.18.0.1-198.18.0.4", ports = "1024-2047" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = {
    teng.loop(2, {
      teng.loop(2, {
        teng.loop(2, { teng.send "ping" }), -- expect: client_program[1][1][1]: loops nest at most 2 deep
      }),
    }),
    teng.close(),
  },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
