-- A line-echo server, server role only: each connection reads a line (up
-- to "\n") and sends it back byte for byte, terminator included, for as
-- many lines as the client sends. When the client closes, the recv that
-- waits for the next line sees its FIN: on_fail jumps to "done" and the
-- server closes its side too, so the connection completes instead of
-- failing with peer_closed.
--   teng scenarios/echo_server.lua listen=198.18.0.2:7 duration=30
--   printf 'hello\n' | nc -q 1 198.18.0.2 7
-- Lines may be up to `line` bytes (the echo buffer of each connection).
local teng = require "teng"
local args = teng.args {
  listen = "198.18.0.2:7", port = "af_packet:teng0", line = 4096,
  cps = 0, duration = 10, -- cps: accepted for symmetry, a server takes what comes
}
local ip, port = teng.endpoint(args.listen)

return teng.scenario {
  name = "echo_server",
  port = args.port,
  server = { ip = ip, port = port },
  server_program = {
    teng.loop("phase", {
      teng.recv { line = true, echo = true, on_fail = "done" },
      teng.echo(),
    }),
    teng.label "done",
    teng.close(),
  },
  echo = { bytes = args.line },
  phases = {
    { "serve", duration = args.duration },
  },
}
