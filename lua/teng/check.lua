-- Checking values of a scenario: addresses (plain functions returning nil
-- when malformed) and methods of the source context (teng.source) that
-- fail with the line of the offending field.
local teng = require "teng"
local source = require "teng.source"

local M = {}

-- Addresses ----------------------------------------------------------------

-- "a.b.c.d" -> host-order number, or nil.
function M.parse_ip(s)
  if type(s) ~= "string" then return nil end
  local q = { s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  if #q ~= 4 then return nil end
  local n = 0
  for _, x in ipairs(q) do
    if #x > 3 or tonumber(x) > 255 then return nil end
    n = n * 256 + tonumber(x)
  end
  return n
end

function M.ip_string(n)
  return ("%d.%d.%d.%d"):format(math.floor(n / 2 ^ 24), math.floor(n / 2 ^ 16) % 256,
    math.floor(n / 2 ^ 8) % 256, n % 256)
end

-- A TCP port number 1..65535 (string or number), or nil.
function M.parse_port(s)
  local n = tonumber(s)
  return n and n % 1 == 0 and n >= 1 and n <= 65535 and n or nil
end

-- "IP:PORT" -> ip, port (host order), or nil.
function M.parse_endpoint(s)
  if type(s) ~= "string" then return nil end
  local ip, port = s:match("^%s*([%d.]+):(%d+)%s*$")
  ip, port = M.parse_ip(ip), M.parse_port(port)
  if ip and port then return ip, port end
end

-- "aa:bb:cc:dd:ee:ff" -> { 6 bytes }, or nil.
function M.parse_mac(s)
  if type(s) ~= "string" then return nil end
  local b = { s:match("^(%x%x):(%x%x):(%x%x):(%x%x):(%x%x):(%x%x)$") }
  if #b ~= 6 then return nil end
  for i = 1, 6 do b[i] = tonumber(b[i], 16) end
  return b
end

function M.mac_string(b)
  return ("%02x:%02x:%02x:%02x:%02x:%02x"):format(b[1], b[2], b[3], b[4], b[5], b[6])
end

-- Checks on the source context -----------------------------------------------

local Ctx = setmetatable({}, { __index = source.Ctx })
Ctx.__index = Ctx
M.Ctx = Ctx
local describe = source.describe

local function edit_distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1,
        prev[j - 1] + (a:byte(i) == b:byte(j) and 0 or 1))
    end
    prev = cur
  end
  return prev[#b]
end
M.edit_distance = edit_distance

-- " (did you mean 'x'?)" when k is close to one of the allowed names.
function M.hint(k, allowed)
  for _, a in ipairs(allowed) do
    if type(a) == "string" and edit_distance(k, a) <= 2 then
      return (" (did you mean '%s'?)"):format(a)
    end
  end
  return ""
end

-- Rejects keys not in `allowed` (positional keys listed as numbers); `at`
-- is where the table is: steps (extended by the key), a line or a node.
function Ctx:only(t, allowed, path, at)
  local set, bad = {}, {}
  for _, k in ipairs(allowed) do set[k] = true end
  for k in pairs(t) do if not set[k] then bad[#bad + 1] = tostring(k) end end
  if #bad == 0 then return end
  table.sort(bad)
  local k = bad[1]
  local where = at
  if type(at) == "table" and not teng.kind(at) then
    where = {}
    for i, s in ipairs(at) do where[i] = s end
    where[#where + 1] = k
  end
  self:fail(where, path == "" and "scenario" or path, "unknown field '%s'%s", k, M.hint(k, allowed))
end

-- A number within [min, max]; `int` asks for an integer, `gt` for > min.
function Ctx:number(v, at, path, o)
  if type(v) ~= "number" then self:fail(at, path, "expected a number, got %s", describe(v)) end
  if v ~= v or v == math.huge or v == -math.huge then
    self:fail(at, path, "expected a finite number, got %s", v)
  end
  if o.int and v % 1 ~= 0 then self:fail(at, path, "expected an integer, got %s", v) end
  local what = o.what and o.what .. " " or ""
  if o.gt and v <= o.min then self:fail(at, path, "%smust be > %s, got %s", what, o.min, v) end
  if o.min and v < o.min then self:fail(at, path, "%smust be >= %s, got %s", what, o.min, v) end
  if o.max and v > o.max then self:fail(at, path, "%smust be <= %s, got %s", what, o.max, v) end
  return v
end

function Ctx:table(v, at, path, what)
  if type(v) ~= "table" or teng.kind(v) then
    self:fail(at, path, "expected %s, got %s", what, describe(v))
  end
  return v
end

-- "A-B" or "A" (IPs) and "lo-hi" or N (ports) -> lo, hi.
function Ctx:range(v, at, path, what, parse)
  local a, b
  if type(v) == "number" and what == "port range" then
    a, b = v, v
  elseif type(v) == "string" then
    local x, y = v:match("^%s*([^%s%-]+)%s*%-%s*([^%s%-]+)%s*$")
    if not x then x = v:match("^%s*([^%s%-]+)%s*$"); y = x end
    a, b = x and parse(x), y and parse(y)
  else
    self:fail(at, path, "expected a %s string, got %s", what, describe(v))
  end
  if not a or not b then self:fail(at, path, "malformed %s '%s'", what, tostring(v)) end
  if a > b then self:fail(at, path, "%s '%s' starts above its end", what, v) end
  return a, b
end

-- An IP address string -> host-order number.
function Ctx:ip(v, at, path)
  if type(v) ~= "string" then self:fail(at, path, "expected an IP address string, got %s", describe(v)) end
  return M.parse_ip(v) or self:fail(at, path, "malformed IP address '%s'", v)
end

-- "IP:PORT" -> ip, port.
function Ctx:endpoint(v, at, path)
  if type(v) ~= "string" then self:fail(at, path, 'expected "IP:PORT", got %s', describe(v)) end
  local ip, port = M.parse_endpoint(v)
  if not ip then self:fail(at, path, "malformed address '%s' (expected IP:PORT)", v) end
  return ip, port
end

function M.selftest()
  local ip = M.parse_ip
  assert(ip("198.18.0.1") == 198 * 2 ^ 24 + 18 * 2 ^ 16 + 1)
  assert(not ip("198.18.0.x") and not ip("1.2.3.256") and not ip("1.2.3") and not ip(nil))
  assert(M.ip_string(ip("10.0.255.7")) == "10.0.255.7")
  assert(M.parse_port("80") == 80 and not M.parse_port("0") and not M.parse_port("1.5"))
  local a, p = M.parse_endpoint("198.18.0.1:8080")
  assert(a == ip("198.18.0.1") and p == 8080)
  assert(not M.parse_endpoint("198.18.0.1") and not M.parse_endpoint("x:80")
    and not M.parse_endpoint("1.2.3.4:70000"))
  local mac = M.parse_mac("02:00:0A:bb:cc:0d")
  assert(mac and mac[1] == 2 and mac[3] == 10 and M.mac_string(mac) == "02:00:0a:bb:cc:0d")
  assert(not M.parse_mac("02:00:0a:bb:cc") and not M.parse_mac("02-00-0a-bb-cc-0d")
    and not M.parse_mac("02:00:0a:bb:cc:0g"))
  assert(edit_distance("clinet", "client") == 2 and edit_distance("a", "a") == 0)
  assert(M.hint("gatway", { "gateway", "peer_mac" }) == " (did you mean 'gateway'?)")
  local ctx = setmetatable(source.context('return teng.scenario {\n  client = { ip = "x" },\n}\n', {}), Ctx)
  local ok, e = pcall(ctx.range, ctx, "198.18.0.x", { "client", "ip" }, "client.ip", "IP range", ip)
  assert(not ok and e.line == 2 and e.msg == "client.ip: malformed IP range '198.18.0.x'", tostring(e))
  assert(select(2, ctx:range("1.0.0.1 - 1.0.0.9", {}, "x", "IP range", ip)) == 2 ^ 24 + 9)
  assert(not pcall(ctx.range, ctx, "1.0.0.9-1.0.0.1", {}, "x", "IP range", ip))
  assert(select(2, ctx:range(80, {}, "x", "port range", M.parse_port)) == 80)
  ok, e = pcall(ctx.endpoint, ctx, "1.2.3.4", { "client", "dst" }, "client.dst")
  assert(not ok and e.msg == "client.dst: malformed address '1.2.3.4' (expected IP:PORT)", tostring(e))
end

return M
