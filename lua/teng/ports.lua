-- Port specs: "loopback", "af_packet:IFACE", "af_xdp:IFACE", "tap:NAME",
-- "memif:SOCKET_PATH:server|client", "pci:BDF", each optionally followed
-- by ",gateway=IP", ",peer_mac=MAC" and/or ",queues=N"; or the same built by
-- teng.af_packet("IFACE", { gateway = ..., peer_mac = ... }) and friends.
-- A parsed port is { driver, spec (the bare spec), gateway (host-order
-- number or nil), peer_mac ({ 6 bytes } or nil), queues (number or nil:
-- one per worker) }.
local teng = require "teng"
local check = require "teng.check"
local source = require "teng.source"

local M = {}

local SPEC_LEN = 256 -- TENG_SPEC_LEN, including the terminating NUL
local SUN_PATH = 107 -- a memif socket path must fit sockaddr_un
M.OPTIONS = { "gateway", "peer_mac", "queues" }
M.FORMS = "loopback, af_packet:IFACE, af_xdp:IFACE, tap:NAME, memif:SOCKET_PATH:server|client or pci:BDF"
local MAX_QUEUES = 16 -- TENG_MAX_CORES: a worker owns one queue of each port

local function iface(driver, name)
  if #name < 1 or #name > 15 or name:find("[^%w_%.%-]") then
    return ("%s: the interface name must be 1..15 characters of A-Z a-z 0-9 _ . -, got '%s'")
      :format(driver, name)
  end
end

local CHECK = {
  af_packet = iface,
  af_xdp = iface,
  tap = iface,
  memif = function(_, rest)
    local path, role = rest:match("^(.*):([^:]*)$")
    if not path then return ("memif: expected memif:SOCKET_PATH:server|client, got 'memif:%s'"):format(rest) end
    if path == "" then return "memif: the socket path is empty" end
    if #path > SUN_PATH then return ("memif: the socket path is longer than %d bytes"):format(SUN_PATH) end
    if role ~= "server" and role ~= "client" then
      return ("memif: the role must be server or client, got '%s'"):format(role)
    end
  end,
  pci = function(_, bdf)
    local ok = bdf:match("^%x%x%x%x:%x%x:[01]%x%.[0-7]$") or bdf:match("^%x%x:[01]%x%.[0-7]$")
    if not ok then return ("pci: expected a PCI address DDDD:BB:DD.F or BB:DD.F, got '%s'"):format(bdf) end
  end,
}

-- The spec without options -> port, or nil and a message.
local function bare(s)
  if s == "loopback" then return { driver = "loopback", spec = s } end
  local driver, rest = s:match("^([%w_]+):(.*)$")
  if not driver or not CHECK[driver] then
    return nil, ("unknown port spec '%s' (expected %s)"):format(s, M.FORMS)
  end
  local err = CHECK[driver](driver, rest)
  if err then return nil, err end
  if #s >= SPEC_LEN then return nil, ("port spec '%s' is too long (at most %d bytes)"):format(s, SPEC_LEN - 1) end
  return { driver = driver, spec = s }
end

-- Sets option k of port p from the string v; returns a message if bad.
local function option(p, k, v)
  if k == "gateway" then
    local ip = check.parse_ip(v)
    if not ip then return ("gateway: malformed IP address '%s'"):format(tostring(v)) end
    if ip == 0 or ip >= 0xe0000000 then return ("gateway: %s is not a unicast address"):format(v) end
    p.gateway = ip
  elseif k == "peer_mac" then
    local mac = check.parse_mac(v)
    if not mac then return ("peer_mac: malformed MAC address '%s' (expected aa:bb:cc:dd:ee:ff)"):format(tostring(v)) end
    if mac[1] % 2 == 1 or (mac[1] + mac[2] + mac[3] + mac[4] + mac[5] + mac[6]) == 0 then
      return ("peer_mac: %s is not a unicast MAC address"):format(v)
    end
    p.peer_mac = mac
  elseif k == "queues" then
    local n = type(v) == "number" and v or type(v) == "string" and v:match("^%d+$") and tonumber(v)
    if not n or n % 1 ~= 0 or n < 1 or n > MAX_QUEUES then
      return ("queues: expected a whole number 1..%d, got '%s'"):format(MAX_QUEUES, tostring(v))
    end
    p.queues = n
  else
    return ("unknown port option '%s'%s (options: %s)"):format(k, check.hint(k, M.OPTIONS),
      table.concat(M.OPTIONS, ", "))
  end
end

local function no_options(p)
  if p.driver == "loopback" and (p.gateway or p.peer_mac or p.queues) then
    return "loopback takes no options (it has one queue pair per worker)"
  end
end

-- A string spec -> port, or nil and a message.
function M.parse(s)
  if type(s) ~= "string" then return nil, "expected a port spec string, got " .. source.describe(s) end
  local parts = {}
  for piece in (s .. ","):gmatch("([^,]*),") do parts[#parts + 1] = piece end
  local p, err = bare(parts[1])
  if not p then return nil, err end
  local seen = {}
  for i = 2, #parts do
    local k, v = parts[i]:match("^([%w_]+)=(.*)$")
    if not k then return nil, ("malformed port option '%s' (expected KEY=VALUE)"):format(parts[i]) end
    if seen[k] then return nil, ("port option '%s' given twice"):format(k) end
    seen[k] = true
    err = option(p, k, v)
    if err then return nil, err end
  end
  err = no_options(p)
  if err then return nil, err end
  return p
end

-- A teng.af_packet(...)-style node -> port, or nil and a message.
local NARGS = { loopback = 0, af_packet = 1, af_xdp = 1, tap = 1, memif = 2, pci = 1 }
function M.from_node(n)
  local d, args, want = n.driver, n.args, NARGS[n.driver]
  local name = "teng." .. d
  for i = 1, want do
    if type(args[i]) ~= "string" then
      return nil, ("%s: argument %d must be a string, got %s"):format(name, i, source.describe(args[i]))
    end
  end
  local opts = args[want + 1]
  if n.nargs > want + 1 or (d == "loopback" and n.nargs > 0) then
    return nil, ("%s: too many arguments"):format(name)
  end
  local p, err = bare(want == 0 and d or d .. ":" .. table.concat(args, ":", 1, want))
  if not p then return nil, err end
  if opts ~= nil then
    if type(opts) ~= "table" or teng.kind(opts) then
      return nil, ("%s: options must be a table like { gateway = IP, peer_mac = MAC }, got %s")
        :format(name, source.describe(opts))
    end
    local keys = {}
    for k in pairs(opts) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      err = option(p, k, opts[k])
      if err then return nil, name .. ": " .. err end
    end
  end
  return p
end

-- A spec string or a port node -> port, or nil and a message.
function M.check(x)
  if teng.kind(x) == "port" then return M.from_node(x) end
  if type(x) == "string" then return M.parse(x) end
  return nil, ("expected a port (teng.loopback(), teng.af_packet(...), ... or a spec string), got %s")
    :format(source.describe(x))
end

-- The spec with its options, as one would write it on the command line.
function M.format(p)
  local s = p.spec
  if p.gateway then s = s .. ",gateway=" .. check.ip_string(p.gateway) end
  if p.peer_mac then s = s .. ",peer_mac=" .. check.mac_string(p.peer_mac) end
  if p.queues then s = s .. ",queues=" .. p.queues end
  return s
end

-- The scenario's ports with the command line's --port replacing them one
-- by one; checks they suit the roles and the core count. ctx: check.Ctx;
-- opts.ports: parsed ports (or spec strings) from --port; roles: client,
-- server booleans. Returns the list of ports.
function M.resolve(ctx, v, opts, roles)
  if v == nil then v = "loopback" end
  local list, steps = v, { "port" }
  if type(v) ~= "table" or teng.kind(v) then list = { v } end
  ctx:only(list, { 1, 2 }, "port", steps)
  if #list == 0 then ctx:fail(steps, "port", "expected a port or a list of 1 or 2 ports, got an empty list") end
  local out = {}
  for i, x in ipairs(list) do
    local p, err = M.check(x)
    if not p then ctx:fail(teng.line(x) and x or steps, #list > 1 and ("port[%d]"):format(i) or "port", "%s", err) end
    out[i] = p
  end
  local over = opts.ports or (opts.port and { opts.port }) or {}
  if #over > #out then
    ctx:fail(steps, "port", "--port given %d times, but the scenario has %d port%s", #over, #out,
      #out > 1 and "s" or "")
  end
  for i, x in ipairs(over) do
    local p, err = x
    if type(x) == "string" then p, err = M.parse(x) end
    if not p then ctx:fail(steps, "port", "--port %s: %s", x, err) end
    out[i] = p
  end
  local loop = false
  for _, p in ipairs(out) do loop = loop or p.driver == "loopback" end
  if loop and #out > 1 then
    ctx:fail(steps, "port", "loopback makes both ends by itself; it cannot be one of two ports")
  end
  for _, role in ipairs { "client", "server" } do
    if not roles[role] and (loop or #out == 2) then
      ctx:fail(ctx.line, role .. "_program", "missing (%s)", loop
        and "the loopback port runs both roles; give a " .. role .. "_program, or name another port"
        or "with two ports the client role runs on the first and the server role on the second")
    end
  end
  -- A worker owns one queue of each port: queues=N is the core count.
  for _, p in ipairs(out) do
    local err = M.queues_fit(p, opts.cores or 1)
    if err then ctx:fail(steps, "port", "%s", err) end
  end
  return out
end

-- A worker owns one queue of each port: queues=N must match the workers.
-- A message, or nil when the port's queues suit `cores` workers.
function M.queues_fit(p, cores)
  if p.queues and p.queues ~= cores then
    return ("%s: queues=%d, but there %s %d core%s (a worker owns one queue of each port; give --cores %d)")
      :format(p.spec, p.queues, cores == 1 and "is" or "are", cores, cores == 1 and "" or "s", p.queues)
  end
end

function M.selftest()
  local p = assert(M.parse("af_packet:teng0,gateway=198.18.0.1,peer_mac=02:00:00:00:00:01"))
  assert(p.driver == "af_packet" and p.spec == "af_packet:teng0" and p.gateway == check.parse_ip("198.18.0.1"))
  assert(p.peer_mac[6] == 1 and M.format(p) == "af_packet:teng0,gateway=198.18.0.1,peer_mac=02:00:00:00:00:01")
  assert(M.parse("loopback").driver == "loopback" and M.parse("tap:tap-0.a").spec == "tap:tap-0.a")
  local m = assert(M.parse("memif:/run/a:b.sock:client"))
  assert(m.driver == "memif" and m.spec == "memif:/run/a:b.sock:client")
  assert(M.parse("pci:0000:01:00.0") and M.parse("pci:af:1f.7"))
  local function bad(s, want)
    local q, err = M.parse(s)
    assert(not q and err:find(want, 1, true), s .. ": " .. tostring(err))
  end
  bad("af_packet:", "interface name must be 1..15")
  bad("af_packet:abcdefghijklmnop", "interface name")
  bad("tap:a b", "interface name")
  bad("bogus:x", "unknown port spec 'bogus:x'")
  bad("eth0", "unknown port spec")
  bad("memif::server", "socket path is empty")
  bad("memif:/tmp/s", "expected memif:SOCKET_PATH:server|client, got 'memif:/tmp/s'")
  bad("memif:/tmp/s:", "role must be server or client, got ''")
  bad("memif:/tmp/s:master", "got 'master'")
  bad("pci:0000:01:00.8", "PCI address")
  bad("pci:1:00.0", "PCI address")
  bad("af_packet:e,peer_mac=02:00:00:00:00", "malformed MAC address")
  bad("af_packet:e,peer_mac=01:00:5e:00:00:01", "not a unicast MAC")
  bad("af_packet:e,gateway=10.0.0", "gateway: malformed IP address '10.0.0'")
  bad("af_packet:e,gateway=0.0.0.0", "not a unicast address")
  bad("af_packet:e,gatway=1.2.3.4", "unknown port option 'gatway' (did you mean 'gateway'?)")
  bad("af_packet:e,gateway", "malformed port option 'gateway'")
  bad("af_packet:e,gateway=1.1.1.1,gateway=1.1.1.2", "given twice")
  bad("loopback,gateway=1.1.1.1", "loopback takes no options")
  bad("loopback,queues=2", "loopback takes no options")
  bad("af_packet:e,queues=0", "queues: expected a whole number 1..16, got '0'")
  bad("af_packet:e,queues=17", "got '17'")
  bad("af_packet:e,queues=1.5", "got '1.5'")
  bad("memif:/tmp/s:client,queues=", "queues: expected a whole number")
  bad("pci:01:00.0,queues=two", "got 'two'")
  bad("af_packet:e,queues=2,queues=2", "given twice")
  local q = assert(M.parse("memif:/tmp/s:client,queues=2"))
  assert(q.queues == 2 and q.spec == "memif:/tmp/s:client" and M.format(q) == "memif:/tmp/s:client,queues=2")
  assert(M.parse("af_packet:e,queues=16").queues == 16 and M.parse("af_packet:e").queues == nil)
  assert(M.check(teng.af_packet("teng0", { queues = 2 })).queues == 2)
  -- af_xdp: the af_packet options, and queues=N.
  local x = assert(M.parse("af_xdp:teng0,queues=1,gateway=198.18.0.1,peer_mac=02:00:00:00:00:03"))
  assert(x.driver == "af_xdp" and x.spec == "af_xdp:teng0" and x.queues == 1 and x.peer_mac[6] == 3)
  assert(M.format(x) == "af_xdp:teng0,gateway=198.18.0.1,peer_mac=02:00:00:00:00:03,queues=1", M.format(x))
  assert(M.parse("af_xdp:eth0.100").queues == nil and M.parse("af_xdp:e,queues=16").queues == 16)
  bad("af_xdp:", "af_xdp: the interface name must be 1..15")
  bad("af_xdp:abcdefghijklmnop", "af_xdp: the interface name")
  bad("af_xdp:a/b", "got 'a/b'")
  bad("af_xdp:e,queues=0", "queues: expected a whole number 1..16, got '0'")
  bad("af_xdp:e,queues=17", "got '17'")
  bad("af_xdp:e,queues=1.5", "got '1.5'")
  bad("af_xdp:e,queues=0x2", "got '0x2'")
  bad("af_xdp:e,queues=", "got ''")
  bad("af_xdp:e,queue=2", "unknown port option 'queue' (did you mean 'queues'?)")
  bad("af_xdp:e,queues=1,queues=1", "given twice")
  bad("af_xdp:e,gateway=224.0.0.1", "not a unicast address")
  bad("af_xdp:e,peer_mac=ff:ff:ff:ff:ff:ff", "not a unicast MAC")
  bad("afxdp:e", "unknown port spec 'afxdp:e' (expected loopback, af_packet:IFACE, af_xdp:IFACE,")
  assert(M.queues_fit(x, 1) == nil)
  local two = assert(M.parse("af_xdp:teng0,queues=2"))
  local qerr = M.queues_fit(two, 1)
  assert(qerr and qerr:find("af_xdp:teng0: queues=2, but there is 1 core (", 1, true)
    and qerr:find("give --cores 2", 1, true), tostring(qerr))
  assert(M.queues_fit(two, 2) == nil)
  local n = assert(M.check(teng.af_packet("teng0", { peer_mac = "02:00:00:00:00:02" })))
  assert(n.spec == "af_packet:teng0" and n.peer_mac[6] == 2)
  assert(M.check(teng.memif("/tmp/m.sock", "server")).spec == "memif:/tmp/m.sock:server")
  assert(M.check(teng.loopback()).spec == "loopback")
  local xn = assert(M.check(teng.af_xdp("teng0", { queues = 1, gateway = "198.18.0.1" })))
  assert(xn.spec == "af_xdp:teng0" and xn.queues == 1 and xn.gateway == check.parse_ip("198.18.0.1"))
  local function badn(x, want)
    local q, err = M.check(x)
    assert(not q and err:find(want, 1, true), tostring(err))
  end
  badn(teng.af_packet(), "teng.af_packet: argument 1 must be a string, got nil")
  badn(teng.af_xdp(), "teng.af_xdp: argument 1 must be a string, got nil")
  badn(teng.af_xdp("teng0", { queues = 0 }), "teng.af_xdp: queues: expected a whole number 1..16, got '0'")
  badn(teng.af_xdp("teng0", {}, 1), "teng.af_xdp: too many arguments")
  badn(teng.pci("0000:01:00.0", { gw = "1.2.3.4" }), "teng.pci: unknown port option 'gw'")
  badn(teng.tap("t0", "x"), "options must be a table")
  badn(teng.loopback("x"), "teng.loopback: too many arguments")
  badn(42, "expected a port")
end

return M
