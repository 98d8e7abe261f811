-- A small line protocol as a Lua module next to the scenario that uses it
-- (scenarios/modproto/hello.lua: `require "hello_proto"`). Built only from
-- teng's public constructors, so it runs as compiled ops like any program:
--   client: HELLO <name>\r\n          server: WELCOME\r\n
--   client: ECHO <n>\r\n  (n times)   server: the same line back
--   client: BYE\r\n                   server: closes
local teng = require "teng"

local M = {}

-- HELLO with the connection number as the name.
local name = teng.field.conn { width = 8 }
-- The request number inside the connection: 0, 1, ... per loop turn.
local seq = teng.field.req { width = 5 }

function M.client(t)
  return {
    teng.send(teng.payload { "HELLO teng-", name, "\r\n" }),
    teng.recv { line = true, expect = "WELCOME", reason = "no_welcome" },
    teng.loop(t.reqs, {
      teng.send(teng.payload { "ECHO ", seq, "\r\n" }),
      teng.recv { line = true, expect = teng.payload { "ECHO ", seq }, reason = "bad_echo" },
    }),
    teng.send "BYE\r\n",
    teng.recv { eof = true },
    teng.close(),
  }
end

function M.server(t)
  return {
    teng.recv { line = true, prefix = "HELLO ", reason = "no_hello" },
    teng.send "WELCOME\r\n",
    teng.loop(t.reqs, {
      teng.recv { line = true, prefix = "ECHO ", echo = true },
      teng.echo(),
    }),
    teng.recv { line = true, expect = "BYE" },
    teng.close(),
  }
end

return M
