-- The scenario compiler: checks the scenario a script returns against the
-- spec and fills a struct teng_plan for the data plane. Every problem is
-- an error naming the script line (teng.error; see teng.source).
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
local check = require "teng.check"
local ports = require "teng.ports"
require "teng.cdef"
local C = ffi.C

local M = {}

local MAX_OPS, MAX_PAYLOADS = C.TENG_MAX_OPS, C.TENG_MAX_PAYLOADS
local MAX_PHASES, MAX_CORES = C.TENG_MAX_PHASES, C.TENG_MAX_CORES
local MAX_BLOB = 64 * 1024 * 1024
local TCP_DEFAULTS = { mss = 1460, wscale = 7, rcv_wnd = 262144, idle_timeout = 5, time_wait = 0,
  rto = 0.2, max_retries = 8 }

-- Plan memory comes from C; tests without the teng binary swap these.
function M.new_plan()
  local p = C.teng_plan_new()
  if p == nil then error("teng_plan_new: out of memory") end
  return ffi.gc(p, C.teng_plan_free)
end
function M.plan_blob(plan, len) return C.teng_plan_blob(plan, len) end

-- The checks are methods of the source context (teng.check, teng.source),
-- so they can blame the right line.
local Ctx = setmetatable({}, { __index = check.Ctx })
Ctx.__index = Ctx
local describe = source.describe
local parse_ip, parse_port = check.parse_ip, check.parse_port
M.parse_ip, M.ip_string = check.parse_ip, check.ip_string

-- Parts of the scenario --------------------------------------------------

local escapes = { ["\r"] = "\\r", ["\n"] = "\\n", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }
function M.quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    return escapes[c] or ("\\%03d"):format(c:byte())
  end) .. '"'
end

local function payload_of(x)
  if type(x) == "string" then return x end
  if teng.kind(x) == "payload" then return x.data end
end

local RECV_MODES = { "bytes", "until_", "http", "eof" }

function Ctx:program(d, role, prog)
  local path, steps = role .. "_program", { role .. "_program" }
  if prog == nil then self:fail(self.line, path, "missing (a list of teng.send/recv/close ops)") end
  self:table(prog, steps, path, "a list of teng.send/recv/close ops")
  if #prog == 0 then self:fail(steps, path, "the program is empty") end
  local allowed = {}
  for i = 1, #prog do allowed[i] = i end
  self:only(prog, allowed, path, steps)
  if #prog > MAX_OPS - 1 then
    self:fail(steps, path, "too many ops (%d, at most %d)", #prog, MAX_OPS - 1)
  end
  local ops, tx = {}, 0
  for i, op in ipairs(prog) do
    local p, kind = ("%s[%d]"):format(path, i), teng.kind(op)
    local at = teng.line(op) or steps
    local function id(data)
      if not d.payload_ids[data] then
        if #d.payloads == MAX_PAYLOADS then
          self:fail(at, p, "too many distinct payloads (at most %d)", MAX_PAYLOADS)
        end
        d.payloads[#d.payloads + 1] = data
        d.payload_ids[data] = #d.payloads - 1
        d.blob_len = d.blob_len + #data
        if d.blob_len > MAX_BLOB then
          self:fail(at, p, "payloads exceed %d bytes in total", MAX_BLOB)
        end
      end
      return d.payload_ids[data]
    end
    if kind == "send" then
      local data = payload_of(op.payload)
      if not data then
        self:fail(at, p, "teng.send: expected a string or a payload, got %s", describe(op.payload))
      end
      if #data == 0 then self:fail(at, p, "teng.send: the payload is empty") end
      ops[i] = { code = C.TENG_OP_SEND, arg = id(data), name = ("send %d B"):format(#data) }
      tx = tx + #data
    elseif kind == "recv" then
      if op.bad ~= nil then
        self:fail(at, p, "teng.recv: expected a table, got %s", describe(op.bad))
      end
      self:only(op, RECV_MODES, p, at)
      local n = 0
      for _, m in ipairs(RECV_MODES) do if op[m] ~= nil then n = n + 1 end end
      if n ~= 1 then
        self:fail(at, p, "teng.recv needs exactly one of bytes=N, until_=DELIM, http=true, eof=true")
      end
      if op.bytes ~= nil then
        self:number(op.bytes, at, p .. ".bytes", { int = true, min = 1, max = 2 ^ 32 - 1 })
        ops[i] = { code = C.TENG_OP_RECV_BYTES, arg = op.bytes, name = "recv bytes=" .. op.bytes }
      elseif op.until_ ~= nil then
        local delim = op.until_
        if type(delim) ~= "string" then
          self:fail(at, p .. ".until_", "expected a string, got %s", describe(delim))
        end
        if #delim < 1 or #delim > C.TENG_DELIM_MAX then
          self:fail(at, p .. ".until_", "the delimiter must be 1..%d bytes, got %d", C.TENG_DELIM_MAX, #delim)
        end
        ops[i] = { code = C.TENG_OP_RECV_UNTIL, arg = id(delim), name = "recv until=" .. M.quote(delim) }
      else
        local m = op.http ~= nil and "http" or "eof"
        if op[m] ~= true then
          self:fail(at, p .. "." .. m, "expected true, got %s", describe(op[m]))
        end
        local code = m == "http" and C.TENG_OP_RECV_HTTP or C.TENG_OP_RECV_EOF
        ops[i] = { code = code, arg = 0, name = "recv " .. m }
      end
    elseif kind == "close" then
      if op.nargs > 0 then self:fail(at, p, "teng.close takes no arguments") end
      ops[i] = { code = C.TENG_OP_CLOSE, arg = 0, name = "close" }
    else
      self:fail(at, p, "expected teng.send, teng.recv or teng.close, got %s", describe(op))
    end
  end
  d.programs[role] = ops
  d.tx_per_conn[role] = tx
end

function Ctx:rate(v, at, path)
  local kind = teng.kind(v)
  if type(v) == "number" then
    self:number(v, at, path, { min = 0, what = "rate" })
    return C.TENG_RATE_CPS, v, v
  elseif kind == "ramp" then
    self:number(v.from, v, path, { min = 0, what = "teng.ramp start" })
    self:number(v.to, v, path, { min = 0, what = "teng.ramp end" })
    return C.TENG_RATE_RAMP, v.from, v.to
  elseif kind == "max" or v == "max" then
    if kind and v.bad ~= nil then
      self:fail(v, path, "teng.max: expected a table like { open = N }")
    end
    local open = kind and v.open
    if open ~= nil then
      self:number(open, v, path .. ".open", { int = true, min = 1, max = 2 ^ 32 - 1 })
    end
    return C.TENG_RATE_MAX, 0, 0, open
  end
  self:fail(at, path, "expected a rate (a number, teng.ramp(a, b) or teng.max{open = N}), got %s",
    describe(v))
end

function Ctx:phases(d, phases)
  local steps = { "phases" }
  if phases == nil then
    self:fail(self.line, "phases", "missing (a list of { \"name\", duration = S, cps = N })")
  end
  self:table(phases, steps, "phases", "a list of phases")
  if #phases == 0 then self:fail(steps, "phases", "no phases") end
  if #phases > MAX_PHASES then
    self:fail(steps, "phases", "too many phases (%d, at most %d)", #phases, MAX_PHASES)
  end
  local allowed = {}
  for i = 1, #phases do allowed[i] = i end
  self:only(phases, allowed, "phases", steps)
  for i, ph in ipairs(phases) do
    local path, at = ("phases[%d]"):format(i), { "phases", i }
    self:table(ph, at, path, 'a phase like { "name", duration = S, cps = N }')
    self:only(ph, { 1, "duration", "cps", "concurrency" }, path, at)
    local name = ph[1]
    if type(name) ~= "string" or #name == 0 or #name > 31 then
      self:fail(at, path, "the first element must be the phase name (1..31 characters), got %s",
        describe(name))
    end
    local function f(k) return { "phases", i, k } end
    if ph.duration == nil then self:fail(at, path, "missing duration = seconds") end
    self:number(ph.duration, f("duration"), path .. ".duration", { gt = true, min = 0, what = "duration" })
    local p = { name = name, duration = ph.duration }
    if ph.cps ~= nil and ph.concurrency ~= nil then
      self:fail(at, path, "give either cps= or concurrency=, not both")
    elseif ph.cps ~= nil then
      p.kind, p.from, p.to, p.open = self:rate(ph.cps, f("cps"), path .. ".cps")
    elseif ph.concurrency ~= nil then
      p.kind = C.TENG_RATE_CONCURRENCY
      p.open = self:number(ph.concurrency, f("concurrency"), path .. ".concurrency",
        { int = true, min = 0, max = 2 ^ 32 - 1 })
    elseif d.client then
      self:fail(at, path, "needs cps = N or concurrency = N")
    else -- server role only: nothing to open
      p.kind, p.from, p.to = C.TENG_RATE_CPS, 0, 0
    end
    d.phases[i] = p
  end
end

local FIELDS = { "name", "port", "client", "server", "client_program", "server_program",
  "phases", "conns", "tcp", "drain", "max_open", "arp_timeout" }

-- The roles: the client role iff client_program, the server role iff
-- server_program; where the client connects and the server listens.
function Ctx:roles(d, scn)
  d.client, d.server = scn.client_program ~= nil, scn.server_program ~= nil
  if not d.client and not d.server then
    self:fail(self.line, "scenario", "needs a client_program, a server_program or both")
  end
  local client, server = scn.client, scn.server
  if d.client then
    if client == nil then self:fail(self.line, "client", 'missing (a table like { ip = "A-B", ports = "lo-hi" })') end
    self:table(client, { "client" }, "client", "a table")
    self:only(client, { "ip", "ports", "dst" }, "client", { "client" })
    if client.ip == nil then
      self:fail({ "client" }, "client.ip", "missing (an IP address or range \"A-B\")")
    end
    d.client_ip_lo, d.client_ip_hi = self:range(client.ip, { "client", "ip" }, "client.ip", "IP range", parse_ip)
    d.client_port_lo, d.client_port_hi = self:range(client.ports or "1024-65535", { "client", "ports" },
      "client.ports", "port range", parse_port)
  elseif client ~= nil then
    self:fail({ "client" }, "client", "there is no client_program (this scenario runs the server role only)")
  end
  if server == nil and (d.server or client.dst == nil) then
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
    if not d.server and client.dst ~= nil then
      self:fail({ "server" }, "server", "not used: client.dst is the destination and there is no server_program")
    end
  end
  if d.client then
    if client.dst ~= nil then
      d.dst_ip, d.dst_port = self:endpoint(client.dst, { "client", "dst" }, "client.dst")
    else
      d.dst_ip, d.dst_port = d.server_ip, d.server_port
    end
    local function inside(ip) return ip >= d.client_ip_lo and ip <= d.client_ip_hi end
    if d.server and inside(d.server_ip) then
      self:fail({ "server", "ip" }, "server.ip", "%s lies inside the client range", server.ip)
    end
    if inside(d.dst_ip) then
      self:fail({ "client", "dst" }, "client.dst", "%s lies inside the client range", check.ip_string(d.dst_ip))
    end
  end
end

-- Checks the scenario; returns a plain description of it (d).
-- opts: cores, ports (or port): --port overrides.
function M.validate(scn, ctx, opts)
  opts = opts or {}
  ctx = setmetatable(ctx or source.context("", scn), Ctx)
  local d = { payloads = {}, payload_ids = {}, blob_len = 0, programs = {}, tx_per_conn = {}, phases = {} }
  ctx:only(scn, FIELDS, "", {})
  if scn.name == nil then ctx:fail(ctx.line, "name", "missing (a string)") end
  local name = scn.name
  if type(name) ~= "string" or #name == 0 or #name >= C.TENG_NAME_LEN then
    ctx:fail({ "name" }, "name", "expected a string of 1..%d characters, got %s",
      C.TENG_NAME_LEN - 1, describe(name))
  end
  d.name = name
  ctx:roles(d, scn)
  d.ports = ports.resolve(ctx, scn.port, opts, d)
  if d.ports[1].driver == "loopback" and d.client and scn.client.dst ~= nil
      and (d.dst_ip ~= d.server_ip or d.dst_port ~= d.server_port) then
    ctx:fail({ "client", "dst" }, "client.dst", "on the loopback the client connects to its own server; leave dst out")
  end

  for _, role in ipairs { "client", "server" } do
    if d[role] then ctx:program(d, role, scn[role .. "_program"]) end
  end
  ctx:phases(d, scn.phases)

  if scn.conns ~= nil then
    if not d.client then ctx:fail({ "conns" }, "conns", "there is no client_program to count connections of") end
    d.conns = ctx:number(scn.conns, { "conns" }, "conns", { int = true, min = 1, max = 2 ^ 53 })
    if d.conns < (opts.cores or 1) then
      ctx:fail({ "conns" }, "conns", "%d is fewer than the %d cores (each core needs one)", d.conns, opts.cores)
    end
  end
  if d.client then
    -- Each core opens connections from its own share of the client's
    -- address:port pairs, so there must be one per core at least.
    local pairs_ = (d.client_ip_hi - d.client_ip_lo + 1) * (d.client_port_hi - d.client_port_lo + 1)
    if pairs_ < (opts.cores or 1) then
      ctx:fail({ "client", "ports" }, "client",
        "%d address:port pairs are fewer than the %d cores (each core needs one)", pairs_, opts.cores)
    end
  end
  d.drain = scn.drain == nil and 2 or ctx:number(scn.drain, { "drain" }, "drain", { min = 0, max = 3600 })
  d.max_open = scn.max_open == nil and 20000
    or ctx:number(scn.max_open, { "max_open" }, "max_open", { int = true, min = 1, max = 2 ^ 32 - 1 })
  d.arp_timeout = scn.arp_timeout == nil and 3
    or ctx:number(scn.arp_timeout, { "arp_timeout" }, "arp_timeout", { gt = true, min = 0, max = 3600 })

  local tcp = scn.tcp == nil and {} or ctx:table(scn.tcp, { "tcp" }, "tcp", "a table")
  ctx:only(tcp, { "mss", "wscale", "rcv_wnd", "idle_timeout", "time_wait", "rto", "max_retries" }, "tcp", { "tcp" })
  d.tcp = {}
  local function t(k, o)
    local v = tcp[k]
    if v == nil then v = TCP_DEFAULTS[k] end
    d.tcp[k] = ctx:number(v, { "tcp", k }, "tcp." .. k, o)
  end
  t("mss", { int = true, min = 64, max = 9000 })
  t("wscale", { int = true, min = 0, max = 14 })
  t("rcv_wnd", { int = true, min = 1, max = 65535 * 2 ^ d.tcp.wscale })
  t("idle_timeout", { gt = true, min = 0, max = 3600 })
  t("time_wait", { min = 0, max = 3600 })
  t("rto", { min = 0.001, max = 60 })
  t("max_retries", { int = true, min = 0, max = 100 })
  return d
end

-- Filling the plan -------------------------------------------------------

local function split(n, cores, c)
  return math.floor(n / cores) + (c < n % cores and 1 or 0)
end
M.split = split

local function put_string(dst, size, s, what)
  if #s >= size then error(("%s is too long (at most %d bytes)"):format(what, size - 1), 0) end
  ffi.copy(dst, s)
end

function M.build(d, opts)
  local cores = opts.cores or 1
  assert(cores >= 1 and cores <= MAX_CORES and cores % 1 == 0, "cores out of range")
  local plan = M.new_plan()
  put_string(plan.name, C.TENG_NAME_LEN, d.name, "name")
  ffi.copy(plan.source, (opts.source or ""):sub(-(C.TENG_SPEC_LEN - 1)))
  for i, p in ipairs(d.ports) do
    local pp = plan.port[i - 1]
    put_string(pp.spec, C.TENG_SPEC_LEN, p.spec, "port spec")
    pp.gateway = p.gateway or 0
    if p.peer_mac then
      for j = 1, 6 do pp.peer_mac[j - 1] = p.peer_mac[j] end
      pp.has_peer_mac = 1
    end
  end
  plan.nports = #d.ports
  plan.cores = cores
  plan.arp_timeout_ms = math.floor(d.arp_timeout * 1000 + 0.5)
  plan.client_enabled, plan.server_enabled = d.client and 1 or 0, d.server and 1 or 0
  if d.client then
    plan.client_ip_lo, plan.client_ip_hi = d.client_ip_lo, d.client_ip_hi
    plan.client_port_lo, plan.client_port_hi = d.client_port_lo, d.client_port_hi
    plan.dst_ip, plan.dst_port = d.dst_ip, d.dst_port
  end
  -- Only a server role listens: server_ip is a local address then.
  if d.server then plan.server_ip, plan.server_port = d.server_ip, d.server_port end

  for role, prog in pairs { client = plan.client_prog, server = plan.server_prog } do
    local ops = d.programs[role] or {}
    for i, op in ipairs(ops) do
      prog.ops[i - 1].code, prog.ops[i - 1].arg = op.code, op.arg
    end
    prog.ops[#ops].code, prog.ops[#ops].arg = C.TENG_OP_END, 0
    prog.nops = d[role] and #ops + 1 or 0
  end

  local blob = d.blob_len > 0 and M.plan_blob(plan, d.blob_len)
  if d.blob_len > 0 and blob == nil then error("teng_plan_blob: out of memory", 0) end
  local off = 0
  for i, data in ipairs(d.payloads) do
    plan.payloads[i - 1].off, plan.payloads[i - 1].len = off, #data
    ffi.copy(blob + off, data, #data)
    off = off + #data
  end
  plan.npayloads, plan.blob_len = #d.payloads, d.blob_len

  for i, p in ipairs(d.phases) do
    local ph = plan.phases[i - 1]
    ffi.copy(ph.name, p.name)
    ph.duration_s, ph.kind = p.duration, p.kind
    local open = p.open or (p.kind == C.TENG_RATE_MAX and d.max_open) or 0
    for c = 0, cores - 1 do
      local s = plan.core[c].sched[i - 1]
      s.cps_from, s.cps_to = (p.from or 0) / cores, (p.to or 0) / cores
      s.concurrency = split(open, cores, c)
    end
  end
  plan.nphases = #d.phases
  for c = 0, cores - 1 do plan.core[c].conn_limit = d.conns and split(d.conns, cores, c) or 0 end
  plan.max_open = math.ceil(d.max_open / cores)

  plan.tcp.mss, plan.tcp.wscale, plan.tcp.rcv_wnd = d.tcp.mss, d.tcp.wscale, d.tcp.rcv_wnd
  plan.tcp.idle_timeout_ms = math.floor(d.tcp.idle_timeout * 1000 + 0.5)
  plan.tcp.time_wait_ms = math.floor(d.tcp.time_wait * 1000 + 0.5)
  plan.tcp.rto_ms = math.floor(d.tcp.rto * 1000 + 0.5)
  plan.tcp.max_retries = d.tcp.max_retries
  plan.drain_s = d.drain
  put_string(plan.eal_args, C.TENG_SPEC_LEN, opts.eal or "", "--eal arguments")
  for i, cpu in ipairs(opts.cpus or {}) do plan.cpus[i - 1] = cpu end
  plan.ncpus = #(opts.cpus or {})
  plan.quiet_eal = opts.verbose_eal and 0 or 1
  return plan
end

-- Entry point ------------------------------------------------------------
-- Compiles a scenario file; returns the plan and its description.
-- opts: cores, ports (list of --port specs), eal, args = { {key, value}, ... }
-- from the CLI.
-- --role client|server keeps one role of a two-role scenario, so one
-- scenario serves both processes of a two-instance run (memif).
local function keep_role(scn, role)
  if not role or type(scn) ~= "table" then return end
  if role == "client" then
    scn.server_program = nil
  elseif role == "server" then
    scn.client_program, scn.client, scn.conns = nil, nil, nil
  end
end

function M.compile_file(path, opts)
  local scn, ctx = source.load(path, opts.args)
  keep_role(scn, opts.role)
  local ok, d = pcall(M.validate, scn, ctx, opts)
  if not ok then error(source.error_text(path, d), 0) end
  local ok2, plan = pcall(M.build, d, { cores = opts.cores, source = path, eal = opts.eal, cpus = opts.cpus })
  if not ok2 then error(source.error_text(path, plan), 0) end
  return plan, d
end

function M.selftest()
  assert(split(10, 3, 0) == 4 and split(10, 3, 1) == 3 and split(10, 3, 2) == 3)
  assert(M.quote("a\r\n\"") == [["a\r\n\""]])
  local function server_only(port)
    return teng.scenario { name = "s", port = port, server = { ip = "10.0.0.2", port = 80 },
      server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send "x", teng.close() },
      phases = { { "serve", duration = 1 } } }
  end
  local d = M.validate(server_only(teng.tap("t0", { gateway = "10.0.0.1" })), nil, {})
  assert(not d.client and d.server and d.ports[1].spec == "tap:t0" and d.ports[1].gateway == 0x0a000001)
  assert(d.phases[1].kind == C.TENG_RATE_CPS and d.phases[1].from == 0 and d.server_port == 80)
  local ok, e = pcall(M.validate, server_only(), nil, {})
  assert(not ok and e.msg:match("^client_program: missing %(the loopback port runs both roles"), tostring(e))
  ok, e = pcall(M.validate, server_only("af_packet:x"), nil, { cores = 2 })
  assert(not ok and e.msg:match("^port: %-%-cores > 1 needs the loopback port"), tostring(e))
  ok, e = pcall(M.validate, server_only("af_packet:x"), nil, { ports = { "tap:a", "tap:b" } })
  assert(not ok and e.msg == "port: --port given 2 times, but the scenario has 1 port", tostring(e))
end

return M
