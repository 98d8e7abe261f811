-- Broken on purpose (a server role with nowhere to listen); see tests/integration/expect_error.sh.
local teng = require "teng"

return teng.scenario { -- expect: server: missing (a table like { ip = A, port = N })
  name = "bad_server_only_no_server",
  port = "af_packet:teng0",
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send "HTTP/1.1 204 No Content\r\n\r\n", teng.close() },
  phases = { { "serve", duration = 1 } },
}
