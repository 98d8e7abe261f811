-- The server sends 26 bytes that are not the a..z pattern (one byte off):
-- the client's recv { pattern = true } must fail every connection with
-- `mismatch`, never count it as completed.
local teng = require "teng"
return teng.scenario {
  name = "bulk_mismatch",
  port = teng.loopback(),
  client = { ip = "198.18.0.1", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send "GET\n", teng.recv { bytes = 26, pattern = true }, teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 4 }, teng.send "abcdefghijklmnopqrstuvwxyZ", teng.close() },
  phases = { { "main", duration = 5, cps = teng.max { open = 4 } } },
  conns = 20,
}
