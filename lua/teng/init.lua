-- The scenario language. Constructors only build tables and remember the
-- script line they were called from; teng.compile checks everything.
local M = { http = {} }

-- node -> { kind = ..., line = ... }, kept aside so the tables stay plain.
local meta = setmetatable({}, { __mode = "k" })

-- Line in the script that called the constructor: the first frame outside
-- this file (nil when the script tail-called us and its frame is gone).
local here = debug.getinfo(1, "S").source
local function caller_line()
  for level = 3, 12 do
    local i = debug.getinfo(level, "Sl")
    if not i then return nil end
    if i.source ~= here then
      return i.what ~= "C" and i.currentline > 0 and i.currentline or nil
    end
  end
end

local function node(kind, t)
  meta[t] = { kind = kind, line = caller_line() }
  return t
end

function M.kind(x) return type(x) == "table" and meta[x] and meta[x].kind or nil end
function M.line(x) return type(x) == "table" and meta[x] and meta[x].line or nil end

-- Scenario errors carry the script line; the CLI prints "file:line: msg".
local Error = {}
Error.__index = Error
function Error:__tostring() return (self.line or "?") .. ": " .. self.msg end
function M.error(line, fmt, ...)
  error(setmetatable({ line = line, msg = fmt:format(...) }, Error), 0)
end
function M.is_error(e) return getmetatable(e) == Error end

-- key=value pairs from the command line; the CLI sets them before it runs
-- a script and checks afterwards that teng.args consumed them.
M.cli = { values = {}, used = false }

local function parse_arg(key, default, s, line)
  local t = type(default)
  if t == "number" then
    local n = tonumber(s)
    if not n then M.error(line, "argument '%s': expected a number, got '%s'", key, s) end
    return n
  elseif t == "boolean" then
    if s == "true" then return true elseif s == "false" then return false end
    M.error(line, "argument '%s': expected true or false, got '%s'", key, s)
  end
  return s
end

function M.args(defaults)
  local line = caller_line() or 1
  if type(defaults) ~= "table" then
    M.error(line, "teng.args: expected a table of defaults, got %s", type(defaults))
  end
  local known = {}
  for k, v in pairs(defaults) do
    local t = type(v)
    if type(k) ~= "string" or (t ~= "number" and t ~= "string" and t ~= "boolean") then
      M.error(line, "teng.args: default for '%s' must be a number, string or boolean", tostring(k))
    end
    known[#known + 1] = k
  end
  table.sort(known)
  local values = {}
  for k, v in pairs(defaults) do values[k] = v end
  M.cli.used = true
  for _, kv in ipairs(M.cli.values) do
    local k, s = kv[1], kv[2]
    if defaults[k] == nil then
      M.error(line, "unknown argument '%s' (this scenario takes: %s)", k,
        #known > 0 and table.concat(known, ", ") or "none")
    end
    values[k] = parse_arg(k, defaults[k], s, line)
  end
  return setmetatable(values, { __index = function(_, k)
    error(("no argument '%s' in teng.args"):format(tostring(k)), 2)
  end })
end

-- Payloads. teng.bytes and teng.http build their bytes now, so they check
-- their own arguments and blame the caller's line.
local function data_of(x, what)
  if type(x) == "string" then return x end
  if M.kind(x) == "payload" then return x.data end
  error(("%s: expected a string or a payload, got %s"):format(what, type(x)), 3)
end

function M.payload(x) return node("payload", { data = data_of(x, "teng.payload") }) end

local filler = ("abcdefghijklmnopqrstuvwxyz"):rep(40)
function M.bytes(n)
  if type(n) ~= "number" or n < 0 or n % 1 ~= 0 or n > 2 ^ 30 then
    error("teng.bytes: expected a byte count (integer >= 0), got " .. tostring(n), 2)
  end
  local parts = {}
  for _ = 1, math.floor(n / #filler) do parts[#parts + 1] = filler end
  parts[#parts + 1] = filler:sub(1, n % #filler)
  return node("payload", { data = table.concat(parts) })
end

local reasons = {
  [200] = "OK", [201] = "Created", [204] = "No Content", [301] = "Moved Permanently",
  [302] = "Found", [304] = "Not Modified", [400] = "Bad Request", [403] = "Forbidden",
  [404] = "Not Found", [500] = "Internal Server Error", [502] = "Bad Gateway",
  [503] = "Service Unavailable",
}

local function header_lines(h, what)
  if h == nil then return "" end
  if type(h) ~= "table" then error(what .. ": headers must be a table", 3) end
  local names, out = {}, {}
  for k, v in pairs(h) do
    if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
      error(what .. ": headers must map names to strings", 3)
    end
    names[#names + 1] = k
  end
  table.sort(names)
  for _, k in ipairs(names) do out[#out + 1] = k .. ": " .. h[k] .. "\r\n" end
  return table.concat(out)
end

function M.http.response(t)
  if type(t) ~= "table" then error("teng.http.response: expected a table", 2) end
  local status = t.status or 200
  if type(status) ~= "number" or status < 100 or status > 999 or status % 1 ~= 0 then
    error("teng.http.response: status must be a 3-digit number", 2)
  end
  local body = data_of(t.body or "", "teng.http.response: body")
  local head = ("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n"):format(status,
    t.reason or reasons[status] or "Unknown", #body)
  return node("payload", { data = head .. header_lines(t.headers, "teng.http.response")
    .. "\r\n" .. body, http_status = status, body_len = #body })
end

function M.http.request(t)
  t = t or {}
  if type(t) ~= "table" then error("teng.http.request: expected a table", 2) end
  for _, k in ipairs { "method", "path", "host" } do
    if t[k] ~= nil and type(t[k]) ~= "string" then
      error("teng.http.request: " .. k .. " must be a string", 2)
    end
  end
  local data = ("%s %s HTTP/1.1\r\nHost: %s\r\n"):format(t.method or "GET",
    t.path or "/", t.host or "sut") .. header_lines(t.headers, "teng.http.request") .. "\r\n"
  return node("payload", { data = data })
end

-- Program ops.
function M.send(p) return node("send", { payload = p }) end
function M.close(...) return node("close", { nargs = select("#", ...) }) end
function M.recv(t)
  local r = {}
  if type(t) == "table" then for k, v in pairs(t) do r[k] = v end else r.bad = t end
  return node("recv", r)
end

-- Rates and ports.
function M.ramp(from, to) return node("ramp", { from = from, to = to }) end
function M.max(t)
  if t ~= nil and type(t) ~= "table" then return node("max", { bad = t }) end
  return node("max", { open = t and t.open, bad = nil })
end

-- Ports: teng.loopback(), teng.af_packet("IFACE", opts), teng.tap("NAME", opts),
-- teng.memif("SOCKET_PATH", "server"|"client", opts), teng.pci("BDF", opts);
-- opts = { gateway = "IP", peer_mac = "MAC" }. teng.ports checks them.
for _, driver in ipairs { "loopback", "af_packet", "tap", "memif", "pci" } do
  M[driver] = function(...)
    return node("port", { driver = driver, args = { ... }, nargs = select("#", ...) })
  end
end

-- "IP:PORT" -> "IP", PORT, for scenarios that take an address argument.
function M.endpoint(s)
  local ip, port
  if type(s) == "string" then ip, port = s:match("^%s*([%d.]+):(%d+)%s*$") end
  port = tonumber(port)
  if not ip or not port or port < 1 or port > 65535 then
    error(("expected an address IP:PORT, got %s"):format(type(s) == "string" and "'" .. s .. "'" or type(s)), 2)
  end
  return ip, port
end
function M.scenario(t) return node("scenario", t) end

function M.selftest()
  local r = M.http.response { status = 200, body = M.bytes(30) }
  assert(M.kind(r) == "payload" and r.body_len == 30)
  assert(r.data == "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"
    .. "abcdefghijklmnopqrstuvwxyzabcd", r.data)
  assert(#M.bytes(2000).data == 2000 and M.bytes(0).data == "")
  local q = M.http.request { path = "/x", headers = { Accept = "*/*" } }
  assert(q.data == "GET /x HTTP/1.1\r\nHost: sut\r\nAccept: */*\r\n\r\n", q.data)
  local s = M.send("hi")
  assert(M.kind(s) == "send" and s.payload == "hi")
  assert(M.kind(M.recv { eof = true }) == "recv" and M.kind({}) == nil)
  M.cli = { values = { { "cps", "5" }, { "on", "false" } }, used = false }
  local a = M.args { cps = 1, on = true, name = "x" }
  assert(a.cps == 5 and a.on == false and a.name == "x" and M.cli.used)
  assert(not pcall(function() return a.nope end))
  M.cli = { values = { { "cpz", "5" } }, used = false }
  local ok, e = pcall(M.args, { cps = 1 })
  assert(not ok and M.is_error(e) and e.msg:match("unknown argument 'cpz'"), tostring(e))
  M.cli = { values = { { "cps", "fast" } }, used = false }
  ok, e = pcall(M.args, { cps = 1 })
  assert(not ok and e.msg:match("expected a number, got 'fast'"))
  M.cli = { values = {}, used = false }
  assert(not pcall(M.bytes, -1))
  local p = M.memif("/tmp/s", "client")
  assert(M.kind(p) == "port" and p.driver == "memif" and p.nargs == 2 and p.args[2] == "client")
  local ip, port = M.endpoint("198.18.0.1:8080")
  assert(ip == "198.18.0.1" and port == 8080)
  ok, e = pcall(M.endpoint, "198.18.0.1")
  assert(not ok and e:match("expected an address IP:PORT, got '198.18.0.1'"), e)
end

return M
