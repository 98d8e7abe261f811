-- The scenario language. Constructors only build tables and remember the
-- script line they were called from; teng.compile checks everything.
-- Errors raised here name the script's line: the first frame outside
-- lua/teng/ (proto modules included), never a line of teng itself.
local M = { http = {}, field = {} }

-- node -> { kind = ..., line = ..., file = ... }, kept aside so the
-- tables stay plain.
local meta = setmetatable({}, { __mode = "k" })

local here = debug.getinfo(1, "S").source
local tengdir = here:match("^@(.*/)[^/]*$") or ""
M.dir = tengdir -- where teng's own modules live ("lua/teng/")

local function ours(src)
  return src:sub(1, 1) == "@" and src:sub(2, #tengdir + 1) == tengdir
end

-- File and line of the script (or user module) that called teng: the
-- first Lua frame outside lua/teng/ (nil when a tail call lost it).
local function caller()
  for level = 3, 40 do
    local i = debug.getinfo(level, "Sl")
    if not i then return nil end
    if i.what ~= "C" and not ours(i.source) then
      -- While a script runs, a frame outside its sandbox means the
      -- script tail-called us and its own frame is gone.
      if M.running and not M.sandboxed[getfenv(debug.getinfo(level, "f").func)] then return nil end
      if i.currentline <= 0 then return nil end
      return i.source:sub(1, 1) == "@" and i.source:sub(2) or nil, i.currentline
    end
  end
end
M.caller = caller
M.sandboxed = setmetatable({}, { __mode = "k" }) -- environments of scripts (teng.sandbox)
M.running = false

local function node(kind, t)
  local file, line = caller()
  meta[t] = { kind = kind, line = line, file = file }
  return t
end

function M.kind(x) return type(x) == "table" and meta[x] and meta[x].kind or nil end
function M.line(x) return type(x) == "table" and meta[x] and meta[x].line or nil end
function M.file(x) return type(x) == "table" and meta[x] and meta[x].file or nil end

-- Scenario errors carry the script line (and the file when it is not the
-- scenario's); the CLI prints "file:line: msg".
local Error = {}
Error.__index = Error
function Error:__tostring() return (self.file and self.file .. ":" or "") .. (self.line or "?") .. ": " .. self.msg end
function M.error(line, fmt, ...)
  error(setmetatable({ line = line, msg = fmt:format(...) }, Error), 0)
end
function M.error_in(file, line, fmt, ...)
  error(setmetatable({ file = file, line = line, msg = fmt:format(...) }, Error), 0)
end
function M.error_object(msg, file, line)
  return setmetatable({ msg = msg, file = file, line = line }, Error)
end
function M.is_error(e) return getmetatable(e) == Error end

-- An error at the line of the script that called the constructor.
local function raise(fmt, ...)
  local file, line = caller()
  M.error_in(file, line, fmt, ...)
end
M.raise = raise

-- key=value pairs from the command line; the CLI sets them before it runs
-- a script and checks afterwards that teng.args consumed them.
M.cli = { values = {}, used = false }

local function parse_arg(key, default, s)
  local t = type(default)
  if t == "number" then
    local n = tonumber(s)
    if not n then raise("argument '%s': expected a number, got '%s'", key, s) end
    return n
  elseif t == "boolean" then
    if s == "true" then return true elseif s == "false" then return false end
    raise("argument '%s': expected true or false, got '%s'", key, s)
  end
  return s
end

function M.args(defaults)
  if type(defaults) ~= "table" then
    raise("teng.args: expected a table of defaults, got %s", type(defaults))
  end
  local known = {}
  for k, v in pairs(defaults) do
    local t = type(v)
    if type(k) ~= "string" or (t ~= "number" and t ~= "string" and t ~= "boolean") then
      raise("teng.args: default for '%s' must be a number, string or boolean", tostring(k))
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
      raise("unknown argument '%s' (this scenario takes: %s)", k,
        #known > 0 and table.concat(known, ", ") or "none")
    end
    values[k] = parse_arg(k, defaults[k], s)
  end
  return setmetatable(values, { __index = function(_, k)
    error(("no argument '%s' in teng.args"):format(tostring(k)), 2)
  end })
end

-- Data files next to the scenario (the only way a script reads files).
M.base = "" -- the scenario's directory with a trailing "/" (teng.source sets it)
local function slurp(what, path)
  if type(path) ~= "string" or path == "" then raise("%s: expected a file name, got %s", what, type(path)) end
  local full = path:sub(1, 1) == "/" and path or M.base .. path
  local f, err = io.open(full, "rb")
  if not f then raise("%s: cannot open '%s': %s", what, path, err) end
  local s = f:read("*a")
  f:close()
  return s
end
function M.read(path) return slurp("teng.read", path) end
function M.lines(path)
  local out = {}
  for l in (slurp("teng.lines", path) .. "\n"):gmatch("([^\n]*)\n") do
    out[#out + 1] = (l:gsub("\r$", ""))
  end
  if out[#out] == "" then out[#out] = nil end
  return out
end

-- Fields: values C fills in at send time; each has a fixed width.
local function opts_of(what, t)
  if t == nil then return {} end
  if type(t) ~= "table" or M.kind(t) then raise("%s: expected a table of options", what) end
  return t
end
local function only(what, t, allowed)
  for k in pairs(t) do
    local ok = false
    for _, a in ipairs(allowed) do ok = ok or a == k end
    if not ok then raise("%s: unknown option '%s'", what, tostring(k)) end
  end
end
local function width_of(what, t, default, max)
  local w = t.width
  if w == nil then w = default end
  if w == nil then raise("%s: needs width = N (1..%d)", what, max) end
  if type(w) ~= "number" or w % 1 ~= 0 or w < 1 or w > max then
    raise("%s: width must be an integer 1..%d, got %s", what, max, tostring(w))
  end
  return w
end
local function pad_of(what, t, default)
  local p = t.pad
  if p == nil then return default end
  if type(p) ~= "string" or #p ~= 1 then raise("%s: pad must be one character, got %s", what, tostring(p)) end
  return p
end

for _, f in ipairs { { "conn", 20 }, { "core_conn", 20 }, { "req", 20 }, { "random_digits", 20 },
    { "random_alnum", 1024 } } do
  local name, max = f[1], f[2]
  M.field[name] = function(t)
    local what = "teng.field." .. name
    t = opts_of(what, t)
    only(what, t, { "width" })
    return node("field", { fkind = name, width = width_of(what, t, nil, max) })
  end
end
function M.field.client_ip(t)
  local what = "teng.field.client_ip"
  t = opts_of(what, t)
  only(what, t, { "pad" })
  return node("field", { fkind = "client_ip", width = 15, pad = pad_of(what, t, " ") })
end
function M.field.client_port(t)
  local what = "teng.field.client_port"
  only(what, opts_of(what, t), {})
  return node("field", { fkind = "client_port", width = 5 })
end
function M.field.list(t)
  local what = "teng.field.list"
  t = opts_of(what, t)
  only(what, t, { "values", "order", "pad" })
  local v = t.values
  if type(v) ~= "table" or #v == 0 then raise("%s: values must be a non-empty list of strings", what) end
  local width, shortest, uneven = 0, math.huge, false
  for i, s in ipairs(v) do
    if type(s) ~= "string" then raise("%s: values[%d] must be a string, got %s", what, i, type(s)) end
    if #s ~= #v[1] then uneven = true end
    width, shortest = math.max(width, #s), math.min(shortest, #s)
  end
  if width == 0 then raise("%s: the values are all empty", what) end
  if width > 1024 then raise("%s: a value is longer than 1024 bytes", what) end
  local pad = pad_of(what, t, nil)
  if uneven and not pad then
    raise("%s: the values differ in length (%d..%d): give pad = \" \" to pad them to %d", what, shortest, width, width)
  end
  local order = t.order or "turn"
  if order ~= "turn" and order ~= "random" then
    raise("%s: order must be \"turn\" or \"random\", got %s", what, tostring(order))
  end
  local values = {}
  for i, s in ipairs(v) do values[i] = s .. (pad or ""):rep(width - #s) end
  return node("field", { fkind = order == "turn" and "list_seq" or "list_rand", width = width,
    values = values })
end

-- Payloads: a list of strings and fields; nested lists and payloads are
-- flattened, adjacent strings joined. data: the bytes when there is no field.
local function flatten(x, parts, what, depth)
  if depth > 20 then raise("%s: lists nested too deep", what) end
  if type(x) == "string" then
    if type(parts[#parts]) == "string" then parts[#parts] = parts[#parts] .. x
    elseif #x > 0 then parts[#parts + 1] = x end
  elseif type(x) == "number" then
    flatten(tostring(x), parts, what, depth)
  elseif M.kind(x) == "payload" then
    for _, p in ipairs(x.parts) do flatten(p, parts, what, depth + 1) end
  elseif M.kind(x) == "field" then
    parts[#parts + 1] = x
  elseif type(x) == "table" and not M.kind(x) then
    for i = 1, #x do flatten(x[i], parts, what, depth + 1) end
  else
    raise("%s: expected strings and teng.field values, got %s", what,
      M.kind(x) and "teng." .. M.kind(x) .. "(...)" or type(x))
  end
  return parts
end
local function make_payload(x, what)
  local parts = flatten(x, {}, what, 0)
  local len, fixed = 0, true
  for _, p in ipairs(parts) do
    if type(p) == "string" then len = len + #p else len = len + p.width; fixed = false end
  end
  return node("payload", { parts = parts, len = len, data = fixed and (parts[1] or "") or nil })
end
M.is_payload = function(x) return M.kind(x) == "payload" end
function M.payload(x) return make_payload(x, "teng.payload") end

local filler = ("abcdefghijklmnopqrstuvwxyz"):rep(40)
function M.bytes(n)
  if type(n) ~= "number" or n < 0 or n % 1 ~= 0 or n > 2 ^ 30 then
    raise("teng.bytes: expected a byte count (integer 0..2^30), got %s", tostring(n))
  end
  local parts = {}
  for _ = 1, math.floor(n / #filler) do parts[#parts + 1] = filler end
  parts[#parts + 1] = filler:sub(1, n % #filler)
  return make_payload(table.concat(parts), "teng.bytes")
end

local reasons = {
  [200] = "OK", [201] = "Created", [204] = "No Content", [301] = "Moved Permanently",
  [302] = "Found", [304] = "Not Modified", [400] = "Bad Request", [403] = "Forbidden",
  [404] = "Not Found", [500] = "Internal Server Error", [502] = "Bad Gateway",
  [503] = "Service Unavailable",
}

local function header_lines(h, what)
  if h == nil then return "" end
  if type(h) ~= "table" then raise("%s: headers must be a table", what) end
  local names, out = {}, {}
  for k, v in pairs(h) do
    if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
      raise("%s: headers must map names to strings", what)
    end
    names[#names + 1] = k
  end
  table.sort(names)
  for _, k in ipairs(names) do out[#out + 1] = k .. ": " .. h[k] .. "\r\n" end
  return table.concat(out)
end

function M.http.response(t)
  local what = "teng.http.response"
  if type(t) ~= "table" then raise("%s: expected a table", what) end
  local status = t.status or 200
  if type(status) ~= "number" or status < 100 or status > 999 or status % 1 ~= 0 then
    raise("%s: status must be a 3-digit number", what)
  end
  local body = make_payload(t.body or "", what .. ": body")
  local head = ("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n"):format(status,
    t.reason or reasons[status] or "Unknown", body.len)
  local p = make_payload({ head, header_lines(t.headers, what), "\r\n", body }, what)
  p.http_status, p.body_len = status, body.len
  return p
end

function M.http.request(t)
  local what = "teng.http.request"
  t = t or {}
  if type(t) ~= "table" then raise("%s: expected a table", what) end
  if t.method ~= nil and type(t.method) ~= "string" then raise("%s: method must be a string", what) end
  for _, k in ipairs { "path", "host" } do
    local v = t[k]
    if v ~= nil and type(v) ~= "string" and type(v) ~= "table" then
      raise("%s: %s must be a string or a list of strings and fields", what, k)
    end
  end
  return make_payload({ t.method or "GET", " ", t.path or "/", " HTTP/1.1\r\nHost: ", t.host or "sut",
    "\r\n", header_lines(t.headers, what), "\r\n" }, what)
end

-- Program ops (checked by the compiler, teng.compile_ops).
local function copy(t)
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  return r
end
function M.send(p)
  if type(p) == "table" and not M.kind(p) and (p.bytes ~= nil or p.echo ~= nil) then
    local r = copy(p)
    r.options = true
    return node("send", r)
  end
  return node("send", { payload = p })
end
function M.echo(...) return node("send", { echo = true, options = true, nargs = select("#", ...) }) end
function M.recv(t)
  local r = type(t) == "table" and not M.kind(t) and copy(t) or { bad = t == nil and "nil" or t }
  return node("recv", r)
end
function M.close(t, ...)
  return node("close", { opts = t, nargs = select("#", ...) + (t == nil and 0 or 1) })
end
function M.think(x) return node("think", { arg = x }) end
function M.loop(count, body) return node("loop", { count = count, body = body }) end
function M.uniform(a, b) return node("uniform", { from = a, to = b }) end
function M.label(name) return node("label", { name = name }) end
function M.jump(name) return node("jump", { name = name }) end
function M.fail(reason) return node("fail", { reason = reason }) end
function M.step(name, body) return node("step", { name = name, body = body }) end

-- Rates, mixes and ports.
function M.ramp(from, to) return node("ramp", { from = from, to = to }) end
function M.max(t)
  if t ~= nil and type(t) ~= "table" then return node("max", { bad = t }) end
  return node("max", { open = t and t.open, bad = nil })
end
function M.mix(list) return node("mix", { list = list }) end

-- Ports: teng.loopback(), teng.af_packet("IFACE", opts), teng.af_xdp("IFACE", opts),
-- teng.tap("NAME", opts), teng.memif("SOCKET_PATH", "server"|"client", opts),
-- teng.pci("BDF", opts); opts = { gateway = "IP", peer_mac = "MAC", queues = N }.
-- teng.ports checks them.
for _, driver in ipairs { "loopback", "af_packet", "af_xdp", "tap", "memif", "pci" } do
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
    raise("expected an address IP:PORT, got %s", type(s) == "string" and "'" .. s .. "'" or type(s))
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
  local key = M.field.conn { width = 4 }
  local t = M.http.request { path = { "/item/", key } }
  assert(not t.data and #t.parts == 3 and t.parts[2] == key and t.len == #"GET /item/ HTTP/1.1\r\nHost: sut\r\n\r\n" + 4, t.len)
  local b = M.http.response { body = { "k=", key } }
  assert(b.parts[1]:match("Content%-Length: 6\r\n\r\nk=$") and b.body_len == 6)
  local p = M.payload { "SET ", key, { " ", M.payload "x" }, 7 }
  assert(#p.parts == 3 and p.parts[3] == " x7" and p.len == 4 + 4 + 3)
  local u = M.field.list { values = { "ann", "bob", "carol" }, pad = " " }
  assert(u.width == 5 and u.values[1] == "ann  " and u.fkind == "list_seq")
  local ok, e = pcall(M.field.list, { values = { "a", "bb" } })
  assert(not ok and M.is_error(e) and e.msg:match("differ in length") and e.line, tostring(e))
  assert(M.field.client_ip().width == 15 and M.field.client_port().width == 5)
  assert(not pcall(M.field.conn, {}) and not pcall(M.field.conn, { width = 0 }))
  local s = M.send("hi")
  assert(M.kind(s) == "send" and s.payload == "hi")
  assert(M.send { bytes = 10 }.bytes == 10 and M.echo().echo)
  assert(M.kind(M.recv { eof = true }) == "recv" and M.kind({}) == nil)
  assert(M.line(s) and not ours("@" .. (M.file(s) or "")))
  M.cli = { values = { { "cps", "5" }, { "on", "false" } }, used = false }
  local a = M.args { cps = 1, on = true, name = "x" }
  assert(a.cps == 5 and a.on == false and a.name == "x" and M.cli.used)
  assert(not pcall(function() return a.nope end))
  M.cli = { values = { { "cpz", "5" } }, used = false }
  ok, e = pcall(M.args, { cps = 1 })
  assert(not ok and M.is_error(e) and e.msg:match("unknown argument 'cpz'"), tostring(e))
  M.cli = { values = { { "cps", "fast" } }, used = false }
  ok, e = pcall(M.args, { cps = 1 })
  assert(not ok and e.msg:match("expected a number, got 'fast'"))
  M.cli = { values = {}, used = false }
  assert(not pcall(M.bytes, -1))
  local pm = M.memif("/tmp/s", "client")
  assert(M.kind(pm) == "port" and pm.driver == "memif" and pm.nargs == 2 and pm.args[2] == "client")
  local ip, port = M.endpoint("198.18.0.1:8080")
  assert(ip == "198.18.0.1" and port == 8080)
  ok, e = pcall(M.endpoint, "198.18.0.1")
  assert(not ok and e.msg:match("expected an address IP:PORT, got '198.18.0.1'"), tostring(e))
  ok, e = pcall(M.lines, "/nonexistent/teng/keys.txt")
  assert(not ok and e.msg:match("^teng.lines: cannot open"), tostring(e))
end

return M
