-- Connect-request-close, the original TrafficEngine benchmark: the client
-- sends a small payload, the server closes once it has it. 6 packets per
-- connection: SYN, SYN-ACK, the payload with the handshake's ACK, FIN,
-- FIN, ACK (7 with tcp = { ack_with_data = false }, as TrafficEngine).
-- By default as fast as the workers can, with at most `open` connections
-- open at once.
--   teng scenarios/crr.lua duration=30          (cps=max)
--   teng scenarios/crr.lua cps=200000 duration=30
-- test: loopback
local teng = require "teng"
local args = teng.args { cps = "max", duration = 10, open = 256, size = 64, drain = "default" }

local rate = args.cps == "max" and teng.max { open = args.open }
  or tonumber(args.cps) or error("cps: expected a number or 'max', got '" .. args.cps .. "'")

return teng.scenario {
  name = "crr",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  server = { ip = "198.18.1.1", port = 5001 },
  client_program = { teng.send(teng.bytes(args.size)), teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = args.size }, teng.close() },
  phases = {
    { "main", duration = args.duration, cps = rate },
  },
  -- Seconds open connections get to finish after the phases: teng's
  -- default unless given (2 s; 15 s under --impair, where a segment lost
  -- several times in a row is still being retransmitted).
  drain = args.drain ~= "default" and (tonumber(args.drain) or args.drain) or nil,
}
