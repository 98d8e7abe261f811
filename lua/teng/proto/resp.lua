-- Redis RESP2, built only from teng's public constructors: the worked
-- example of adding a protocol without recompiling.
--   local resp = require "teng.proto.resp"
--   teng.send(resp.command { "SET", { "key:", key }, "v" })
--   resp.reply { expect = "+OK\r\n" }
--   resp.reply { expect = resp.bulk { "v" } }
local teng = require "teng"

local M = {}

local function len_of(x)
  return teng.payload(x).len -- fields have fixed widths, so this is fixed too
end

-- "$N\r\n<value>\r\n": a bulk string of a fixed-length template.
function M.bulk(x)
  return teng.payload { "$", tostring(len_of(x)), "\r\n", x, "\r\n" }
end

-- A command: an array of bulk strings ("*3\r\n$3\r\nSET\r\n...").
function M.command(args)
  if type(args) ~= "table" or teng.kind(args) or #args == 0 then
    teng.raise("resp.command: expected a list of arguments")
  end
  local parts = { "*" .. #args .. "\r\n" }
  for i = 1, #args do parts[#parts + 1] = M.bulk(args[i]) end
  return teng.payload(parts)
end

-- One reply: recv{ resp = true } with the given checks (expect, prefix,
-- on_fail, reason, timeout). An error reply fails with resp_error unless
-- the expectation accepts it.
function M.reply(opts)
  local t = { resp = true }
  for k, v in pairs(opts or {}) do t[k] = v end
  return teng.recv(t)
end

M.OK = "+OK\r\n"
M.PONG = "+PONG\r\n"
function M.ping() return { teng.send(M.command { "PING" }), M.reply { expect = M.PONG } } end

function M.selftest()
  local c = M.command { "SET", "k", "vv" }
  assert(c.data == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n", c.data)
  local key = teng.field.conn { width = 6 }
  local g = M.command { "GET", { "key:", key } }
  assert(not g.data and g.len == #"*2\r\n$3\r\nGET\r\n$10\r\nkey:\r\n" + 6, g.len)
  assert(M.bulk "abc".data == "$3\r\nabc\r\n")
  local r = M.reply { expect = M.OK }
  assert(r.resp and r.expect == "+OK\r\n")
  assert(#M.ping() == 2 and not pcall(M.command, {}))
end

return M
