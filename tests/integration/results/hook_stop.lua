-- The per-second hook stops the run after two seconds of twenty
-- (tests/integration/results.sh hook_stop).
local teng = require "teng"
return teng.scenario {
  name = "hook_stop",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(64)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 64 }, teng.close() },
  phases = { { "main", duration = 20, cps = 100 } },
  on_second = function(s)
    print(("hook t=%d phase=%s completed=%d client.active=%d server.active=%d"):format(
      s.t, s.phase, s.completed, s.client.active, s.server.active))
    if s.t >= 2 then return "stop" end
  end,
}
