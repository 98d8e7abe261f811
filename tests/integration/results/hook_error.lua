-- The per-second hook fails at line 13: the run ends with exit 2 naming
-- that line (tests/integration/results.sh hook_error).
local teng = require "teng"
return teng.scenario {
  name = "hook_error",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = { { "main", duration = 20, cps = 100 } },
  on_second = function(s)
    return s.nope.field
  end,
}
