-- HTTP/1.1, built only from teng's public constructors: the worked
-- example of adding a protocol without recompiling.
--   local http = require "teng.proto.http"
--   client_program = { teng.loop(10, { teng.send(http.get { path = { "/item/", key } }),
--     http.expect { status = "2xx" } }), teng.close() }
local teng = require "teng"

local M = {}

-- A request; path and host may be lists of strings and fields.
function M.request(t) return teng.http.request(t) end
function M.get(t)
  local r = { method = "GET" }
  for k, v in pairs(t or {}) do r[k] = v end
  return teng.http.request(r)
end
function M.head(t)
  local r = { method = "HEAD" }
  for k, v in pairs(t or {}) do r[k] = v end
  return teng.http.request(r)
end

-- A response payload (status, body, headers).
function M.response(t) return teng.http.response(t) end

-- Receive one response: status (200, "2xx", {200, 299}, "any"; default
-- 2xx), head = true after a HEAD request, and timeout, on_fail, reason.
function M.expect(t)
  local r = { http = true }
  for k, v in pairs(t or {}) do r[k] = v end
  return teng.recv(r)
end

-- Server side: read a request up to its blank line (no body) and answer.
function M.serve(response)
  return { teng.recv { until_ = "\r\n\r\n" }, teng.send(response) }
end

function M.selftest()
  local g = M.get { path = "/a", host = "h" }
  assert(g.data == "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", g.data)
  assert(M.head().data:match("^HEAD / HTTP/1.1\r\n"))
  local e = M.expect { status = 404 }
  assert(e.http and e.status == 404 and M.expect().status == nil)
  local s = M.serve(M.response { status = 204 })
  assert(#s == 2 and s[2].payload.http_status == 204)
end

return M
