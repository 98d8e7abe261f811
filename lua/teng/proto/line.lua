-- A line protocol, built only from teng's public constructors: the worked
-- example of adding a protocol without recompiling.
--   local line = require "teng.proto.line"
--   client_program = { line.send("PING"), line.expect("PONG"), teng.close() }
--   server_program = { teng.loop("phase", { line.echo() }) }
local teng = require "teng"

local M = {}

-- One line: a string, a teng.payload or a list of strings and fields, + "\r\n".
function M.send(x) return teng.send(teng.payload { x, "\r\n" }) end

-- Receive a line (the check sees it without "\r\n"); x: expected text or
-- a list of alternatives; opts: further teng.recv options.
function M.expect(x, opts)
  local t = { line = true, expect = x }
  for k, v in pairs(opts or {}) do t[k] = v end
  return teng.recv(t)
end

-- Receive any line.
function M.recv(opts)
  local t = { line = true }
  for k, v in pairs(opts or {}) do t[k] = v end
  return teng.recv(t)
end

-- Receive a line and send it back as it came.
function M.echo() return { teng.recv { line = true, echo = true }, teng.echo() } end

function M.selftest()
  local s = M.send { "PING ", teng.field.req { width = 3 } }
  assert(teng.kind(s) == "send" and s.payload.len == 10)
  local r = M.expect("PONG", { timeout = 1 })
  assert(r.line and r.expect == "PONG" and r.timeout == 1)
  local e = M.echo()
  assert(#e == 2 and e[1].echo and teng.kind(e[2]) == "send" and e[2].echo)
end

return M
