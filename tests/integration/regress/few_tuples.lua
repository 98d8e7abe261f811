-- Regression: with fewer client address:port pairs than cores, a core
-- owned none and wrote past its tuple table. Now the compiler refuses it
-- (and the data plane opens nothing on such a core).
local teng = require "teng"
local args = teng.args { duration = 1, cps = 200 }
return teng.scenario {
  name = "few_tuples",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "5000" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { teng.send "ping", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.close() },
  phases = { { "main", duration = args.duration, cps = args.cps } },
}
