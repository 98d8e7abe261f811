-- Client templates (with their address pools) and server listeners: the
-- roles of a scenario. v1's client_program / server_program become one
-- template and one listener, both named "default". These are methods of
-- the compiler's context (teng.compile mixes them in).
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
local check = require "teng.check"
local defaults = require "teng.defaults"
require "teng.cdef"
local C = ffi.C

local Ctx = {}
local describe = source.describe
local parse_ip, parse_port = check.parse_ip, check.parse_port

local function name_ok(v) return type(v) == "string" and #v > 0 and #v < C.TENG_GROUP_NAME_LEN end

-- Templates (client side) ---------------------------------------------------

-- Address fields of a template (or of `client`): ip range, ports, dst.
function Ctx:addresses(t, steps, path, base)
  local r = {}
  if t.ip ~= nil then
    r.ip_lo, r.ip_hi = self:range(t.ip, { unpack(steps), "ip" }, path .. ".ip", "IP range", parse_ip)
  elseif base then
    r.ip_lo, r.ip_hi = base.ip_lo, base.ip_hi
  end
  if t.ports ~= nil or not (base and base.port_lo) then
    r.port_lo, r.port_hi = self:range(t.ports or defaults.client_ports, { unpack(steps), "ports" },
      path .. ".ports", "port range", parse_port)
  else
    r.port_lo, r.port_hi = base.port_lo, base.port_hi
  end
  if t.dst ~= nil then
    r.dst_ip, r.dst_port = self:endpoint(t.dst, { unpack(steps), "dst" }, path .. ".dst")
    r.dst_given = true
  elseif base then
    r.dst_ip, r.dst_port, r.dst_given = base.dst_ip, base.dst_port, base.dst_given
  end
  return r
end

function Ctx:templates(d, scn, client)
  local list = {}
  if scn.client_program ~= nil then
    list[1] = { name = "default", weight = 1, program = scn.client_program, where = { "client_program" },
      path = "client_program", addr = client }
  else
    local mix = scn.clients
    if teng.kind(mix) ~= "mix" then
      self:fail({ "clients" }, "clients", "expected teng.mix { { name = ..., weight = ..., program = {...} }, ... }, got %s",
        describe(mix))
    end
    local l = mix.list
    if type(l) ~= "table" or teng.kind(l) or #l == 0 then
      self:fail(mix, "clients", "teng.mix: expected a list of templates, got %s", describe(l))
    end
    if #l > C.TENG_MAX_TEMPLATES then
      self:fail(mix, "clients", "too many templates (%d, at most %d)", #l, C.TENG_MAX_TEMPLATES)
    end
    local seen = {}
    for i, t in ipairs(l) do
      local path = ("clients[%d]"):format(i)
      self:table(t, mix, path, "a template like { name = ..., weight = ..., program = {...} }")
      self:only(t, { "name", "weight", "program", "ip", "ports", "dst" }, path, mix)
      if not name_ok(t.name) then
        self:fail(mix, path .. ".name", "expected a name of 1..%d characters, got %s", C.TENG_GROUP_NAME_LEN - 1,
          describe(t.name))
      end
      if seen[t.name] then self:fail(mix, path .. ".name", "template '%s' given twice", t.name) end
      seen[t.name] = true
      local w = t.weight == nil and 1 or self:number(t.weight, mix, path .. ".weight", { gt = true, min = 0, max = 1e9 })
      local addr = self:addresses(t, {}, path, client)
      if not addr.ip_lo then
        self:fail(mix, path .. ".ip", "missing (an IP address or range \"A-B\", here or in client)")
      end
      list[i] = { name = t.name, weight = w, program = t.program, where = mix, path = path .. ".program", addr = addr }
    end
  end
  return list
end

-- Listeners (server side) ---------------------------------------------------

function Ctx:listeners(d, scn)
  local list = {}
  if scn.server_program ~= nil then
    list[1] = { name = "default", ip = d.server_ip, port = d.server_port, program = scn.server_program,
      where = { "server_program" }, path = "server_program" }
    return list
  end
  local l = scn.listeners
  local steps = { "listeners" }
  self:table(l, steps, "listeners", "a list of { name = ..., ip = ..., port = ..., program = {...} }")
  if #l == 0 then self:fail(steps, "listeners", "the list is empty") end
  if #l > C.TENG_MAX_LISTENERS then
    self:fail(steps, "listeners", "too many listeners (%d, at most %d)", #l, C.TENG_MAX_LISTENERS)
  end
  local seen, names = {}, {}
  for i, t in ipairs(l) do
    local path, at = ("listeners[%d]"):format(i), { "listeners", i }
    self:table(t, at, path, "a listener like { name = ..., ip = ..., port = ..., program = {...} }")
    self:only(t, { "name", "ip", "port", "program" }, path, at)
    if not name_ok(t.name) then
      self:fail(at, path .. ".name", "expected a name of 1..%d characters, got %s", C.TENG_GROUP_NAME_LEN - 1,
        describe(t.name))
    end
    if names[t.name] then self:fail(at, path .. ".name", "listener '%s' given twice", t.name) end
    names[t.name] = true
    local ip = self:ip(t.ip, { "listeners", i, "ip" }, path .. ".ip")
    if t.port == nil then self:fail(at, path .. ".port", "missing (a port number)") end
    local port = self:number(t.port, { "listeners", i, "port" }, path .. ".port", { int = true, min = 1, max = 65535 })
    local key = ip * 65536 + port
    if seen[key] then self:fail(at, path, "%s:%d is already a listener", t.ip, port) end
    seen[key] = true
    list[i] = { name = t.name, ip = ip, port = port, program = t.program, where = at, path = path .. ".program" }
  end
  return list
end

-- Roles ------------------------------------------------------------------------

-- The client role iff client_program or clients; the server role iff
-- server_program or listeners.
function Ctx:roles(d, scn)
  for _, pair in ipairs { { "clients", "client_program" }, { "listeners", "server_program" } } do
    if scn[pair[1]] ~= nil and scn[pair[2]] ~= nil then
      self:fail({ pair[1] }, pair[1], "give %s or %s, not both", pair[1], pair[2])
    end
  end
  d.client = scn.client_program ~= nil or scn.clients ~= nil
  d.server = scn.server_program ~= nil or scn.listeners ~= nil
  if not d.client and not d.server then
    self:fail(self.line, "scenario", "needs a client_program, a server_program or both"
      .. " (or clients = teng.mix {...}, listeners = {...})")
  end
  local client, server = scn.client, scn.server
  local caddr
  if d.client then
    if client == nil and scn.client_program ~= nil then
      self:fail(self.line, "client", 'missing (a table like { ip = "A-B", ports = "lo-hi" })')
    end
    if client ~= nil then
      self:table(client, { "client" }, "client", "a table")
      self:only(client, { "ip", "ports", "dst" }, "client", { "client" })
      if client.ip == nil and scn.client_program ~= nil then
        self:fail({ "client" }, "client.ip", "missing (an IP address or range \"A-B\")")
      end
      caddr = self:addresses(client, { "client" }, "client")
    end
  elseif client ~= nil then
    self:fail({ "client" }, "client", "there is no client_program (this scenario runs the server role only)")
  end
  local cdst = caddr and caddr.dst_given
  if server == nil and (scn.server_program ~= nil or (scn.client_program ~= nil and not cdst and scn.listeners == nil)) then
    self:fail(self.line, "server", "missing (a table like { ip = A, port = N }%s)",
      d.server and "" or ', or give client.dst = "IP:PORT"')
  end
  if server ~= nil then
    self:table(server, { "server" }, "server", "a table")
    self:only(server, { "ip", "port" }, "server", { "server" })
    d.server_ip = self:ip(server.ip, { "server", "ip" }, "server.ip")
    if server.port == nil then self:fail({ "server" }, "server.port", "missing (a port number)") end
    d.server_port = self:number(server.port, { "server", "port" }, "server.port",
      { int = true, min = 1, max = 65535 })
    if scn.listeners ~= nil then self:fail({ "server" }, "server", "not used: the listeners say where to listen") end
    if not d.server and cdst then
      self:fail({ "server" }, "server", "not used: client.dst is the destination and there is no server_program")
    end
    if caddr and not cdst then caddr.dst_ip, caddr.dst_port = d.server_ip, d.server_port end
  end
  d.listeners_ = d.server and self:listeners(d, scn) or {}
  if caddr and not caddr.dst_ip and d.listeners_[1] then
    caddr.dst_ip, caddr.dst_port = d.listeners_[1].ip, d.listeners_[1].port
  end
  d.templates_ = d.client and self:templates(d, scn, caddr) or {}
  for _, t in ipairs(d.templates_) do
    local l1 = d.listeners_[1]
    if not t.addr.dst_ip and l1 then t.addr.dst_ip, t.addr.dst_port = l1.ip, l1.port end
    if not t.addr.dst_ip then
      self:fail(t.where, t.path:gsub("%.program$", "") .. ".dst", 'missing (where to connect, "IP:PORT")')
    end
  end
end

-- Client address pools: templates with the same range share one; ranges
-- of different pools must not overlap (C finds a tuple's pool by range).
function Ctx:pools(d, cores)
  d.pools = {}
  for _, t in ipairs(d.templates_) do
    local a = t.addr
    local found
    for i, p in ipairs(d.pools) do
      if p.ip_lo == a.ip_lo and p.ip_hi == a.ip_hi and p.port_lo == a.port_lo and p.port_hi == a.port_hi then
        found = i
      elseif a.ip_lo <= p.ip_hi and p.ip_lo <= a.ip_hi and a.port_lo <= p.port_hi and p.port_lo <= a.port_hi then
        self:fail(t.where, t.path:gsub("%.program$", ""), "its client addresses overlap those of template '%s'",
          p.first)
      end
    end
    if not found then
      if #d.pools == C.TENG_MAX_POOLS then self:fail(t.where, t.path, "too many address pools (at most %d)", C.TENG_MAX_POOLS) end
      d.pools[#d.pools + 1] = { ip_lo = a.ip_lo, ip_hi = a.ip_hi, port_lo = a.port_lo, port_hi = a.port_hi, first = t.name }
      found = #d.pools
      -- Each core opens connections from its own share of the pool.
      local n = (a.ip_hi - a.ip_lo + 1) * (a.port_hi - a.port_lo + 1)
      if n < cores then
        self:fail(t.name == "default" and { "client", "ports" } or t.where, t.name == "default" and "client" or t.path,
          "%d address:port pairs are fewer than the %d cores (each core needs one)", n, cores)
      end
    end
    t.pool = found - 1
  end
  local function inside(ip)
    for _, p in ipairs(d.pools) do if ip >= p.ip_lo and ip <= p.ip_hi then return true end end
  end
  for _, l in ipairs(d.listeners_) do
    if inside(l.ip) then
      self:fail(l.name == "default" and { "server", "ip" } or l.where, l.name == "default" and "server.ip" or l.path,
        "%s lies inside the client range", check.ip_string(l.ip))
    end
  end
  for _, t in ipairs(d.templates_) do
    if inside(t.addr.dst_ip) then
      self:fail(t.name == "default" and { "client", "dst" } or t.where, t.name == "default" and "client.dst" or t.path,
        "%s lies inside the client range", check.ip_string(t.addr.dst_ip))
    end
  end
end

function Ctx.selftest()
  local compile = require "teng.compile"
  local function scn(clients)
    return teng.scenario { name = "g", port = "tap:t0",
      client = { ip = "10.0.0.1-10.0.0.9", dst = "10.0.1.1:80" }, clients = teng.mix(clients),
      phases = { { "p", duration = 1, cps = 1 } } }
  end
  local d = compile.validate(scn { { name = "a", weight = 1, program = { teng.close() } },
    { name = "b", weight = 2, ip = "10.0.2.1", ports = "5000-5999", program = { teng.close() } } }, nil, {})
  assert(#d.pools == 2 and d.templates_[2].pool == 1 and d.templates_[2].addr.dst_port == 80)
  assert(d.client and not d.server and #d.listeners == 0 and d.templates[2].tx_per_conn == 0)
  local ok, e = pcall(compile.validate, scn { { name = "a", program = { teng.close() } },
    { name = "b", ip = "10.0.0.5", program = { teng.close() } } }, nil, {})
  assert(not ok and e.msg:match("overlap those of template 'a'"), tostring(e))
  ok, e = pcall(compile.validate, scn { { name = "a", program = { teng.close() } },
    { name = "a", program = { teng.close() } } }, nil, {})
  assert(not ok and e.msg:match("template 'a' given twice"), tostring(e))
end

return Ctx
