-- The scenario compiler: checks the scenario a script returns against the
-- spec and fills a struct teng_plan for the data plane. Every problem is
-- an error naming the script line (teng.error; see teng.source).
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
require "teng.cdef"
local C = ffi.C

local M = {}

local MAX_OPS, MAX_PAYLOADS = C.TENG_MAX_OPS, C.TENG_MAX_PAYLOADS
local MAX_PHASES, MAX_CORES = C.TENG_MAX_PHASES, C.TENG_MAX_CORES
local MAX_BLOB = 64 * 1024 * 1024
local TCP_DEFAULTS = { mss = 1460, wscale = 7, rcv_wnd = 262144, idle_timeout = 5, time_wait = 0 }

-- Plan memory comes from C; tests without the teng binary swap these.
function M.new_plan()
  local p = C.teng_plan_new()
  if p == nil then error("teng_plan_new: out of memory") end
  return ffi.gc(p, C.teng_plan_free)
end
function M.plan_blob(plan, len) return C.teng_plan_blob(plan, len) end

-- The checks below are methods of the source context (teng.source), so
-- they can blame the right line.
local Ctx = setmetatable({}, { __index = source.Ctx })
Ctx.__index = Ctx
local describe = source.describe

-- Checking values --------------------------------------------------------

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

-- Rejects keys not in `allowed` (positional keys listed as numbers); `at`
-- is where the table is: steps (extended by the key), a line or a node.
function Ctx:only(t, allowed, path, at)
  local set, bad = {}, {}
  for _, k in ipairs(allowed) do set[k] = true end
  for k in pairs(t) do if not set[k] then bad[#bad + 1] = tostring(k) end end
  if #bad == 0 then return end
  table.sort(bad)
  local k, hint = bad[1], ""
  for _, a in ipairs(allowed) do
    if type(a) == "string" and edit_distance(k, a) <= 2 then
      hint = (" (did you mean '%s'?)"):format(a)
    end
  end
  local where = at
  if type(at) == "table" and not teng.kind(at) then
    where = {}
    for i, s in ipairs(at) do where[i] = s end
    where[#where + 1] = k
  end
  self:fail(where, path == "" and "scenario" or path, "unknown field '%s'%s", k, hint)
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

local function parse_ip(s)
  local q = { s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  if #q ~= 4 then return nil end
  local n = 0
  for _, x in ipairs(q) do
    if #x > 3 or tonumber(x) > 255 then return nil end
    n = n * 256 + tonumber(x)
  end
  return n
end
M.parse_ip = parse_ip

local function ip_string(n)
  return ("%d.%d.%d.%d"):format(math.floor(n / 2 ^ 24), math.floor(n / 2 ^ 16) % 256,
    math.floor(n / 2 ^ 8) % 256, n % 256)
end
M.ip_string = ip_string

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

local function parse_port(s)
  local n = tonumber(s)
  return n and n % 1 == 0 and n >= 1 and n <= 65535 and n or nil
end

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
    else
      self:fail(at, path, "needs cps = N or concurrency = N")
    end
    d.phases[i] = p
  end
end

local FIELDS = { "name", "port", "client", "server", "client_program", "server_program",
  "phases", "conns", "tcp", "drain", "max_open" }

-- Checks the scenario; returns a plain description of it (d).
function M.validate(scn, ctx, opts)
  opts = opts or {}
  ctx = setmetatable(ctx or source.context("", scn), Ctx)
  local d = { payloads = {}, payload_ids = {}, blob_len = 0, programs = {}, tx_per_conn = {}, phases = {} }
  ctx:only(scn, FIELDS, "", {})
  local function need(k, what)
    if scn[k] == nil then ctx:fail(ctx.line, k, "missing (%s)", what) end
    return scn[k]
  end
  local name = need("name", "a string")
  if type(name) ~= "string" or #name == 0 or #name >= C.TENG_NAME_LEN then
    ctx:fail({ "name" }, "name", "expected a string of 1..%d characters, got %s",
      C.TENG_NAME_LEN - 1, describe(name))
  end
  d.name = name
  local port = scn.port == nil and "loopback" or scn.port
  if teng.kind(port) == "port" then port = port.spec end
  if type(port) ~= "string" then
    ctx:fail({ "port" }, "port", "expected teng.loopback() or a port spec, got %s", describe(port))
  end
  if port ~= "loopback" and not opts.port then
    ctx:fail({ "port" }, "port", "unsupported port spec '%s' (only 'loopback' for now)", port)
  end
  d.port = opts.port or port

  local client = need("client", 'a table like { ip = "A-B", ports = "lo-hi" }')
  ctx:table(client, { "client" }, "client", "a table")
  ctx:only(client, { "ip", "ports" }, "client", { "client" })
  if client.ip == nil then
    ctx:fail({ "client" }, "client.ip", "missing (an IP address or range \"A-B\")")
  end
  d.client_ip_lo, d.client_ip_hi = ctx:range(client.ip, { "client", "ip" }, "client.ip", "IP range", parse_ip)
  d.client_port_lo, d.client_port_hi = ctx:range(client.ports or "1024-65535", { "client", "ports" },
    "client.ports", "port range", parse_port)

  local server = need("server", "a table like { ip = A, port = N }")
  ctx:table(server, { "server" }, "server", "a table")
  ctx:only(server, { "ip", "port" }, "server", { "server" })
  if type(server.ip) ~= "string" then
    ctx:fail({ "server", "ip" }, "server.ip", "expected an IP address string, got %s", describe(server.ip))
  end
  d.server_ip = parse_ip(server.ip)
  if not d.server_ip then
    ctx:fail({ "server", "ip" }, "server.ip", "malformed IP address '%s'", server.ip)
  end
  if d.server_ip >= d.client_ip_lo and d.server_ip <= d.client_ip_hi then
    ctx:fail({ "server", "ip" }, "server.ip", "%s lies inside the client range", server.ip)
  end
  if server.port == nil then ctx:fail({ "server" }, "server.port", "missing (a port number)") end
  d.server_port = ctx:number(server.port, { "server", "port" }, "server.port",
    { int = true, min = 1, max = 65535 })

  ctx:program(d, "client", scn.client_program)
  ctx:program(d, "server", scn.server_program)
  ctx:phases(d, scn.phases)

  if scn.conns ~= nil then
    d.conns = ctx:number(scn.conns, { "conns" }, "conns", { int = true, min = 1, max = 2 ^ 53 })
    if d.conns < (opts.cores or 1) then
      ctx:fail({ "conns" }, "conns", "%d is fewer than the %d cores (each core needs one)", d.conns, opts.cores)
    end
  end
  d.drain = scn.drain == nil and 2 or ctx:number(scn.drain, { "drain" }, "drain", { min = 0, max = 3600 })
  d.max_open = scn.max_open == nil and 20000
    or ctx:number(scn.max_open, { "max_open" }, "max_open", { int = true, min = 1, max = 2 ^ 32 - 1 })

  local tcp = scn.tcp == nil and {} or ctx:table(scn.tcp, { "tcp" }, "tcp", "a table")
  ctx:only(tcp, { "mss", "wscale", "rcv_wnd", "idle_timeout", "time_wait" }, "tcp", { "tcp" })
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
  put_string(plan.ports[0], C.TENG_SPEC_LEN, d.port, "port spec")
  plan.nports = 1
  plan.cores = cores
  plan.client_enabled, plan.server_enabled = 1, 1
  plan.client_ip_lo, plan.client_ip_hi = d.client_ip_lo, d.client_ip_hi
  plan.client_port_lo, plan.client_port_hi = d.client_port_lo, d.client_port_hi
  plan.server_ip, plan.server_port = d.server_ip, d.server_port

  for role, prog in pairs { client = plan.client_prog, server = plan.server_prog } do
    local ops = d.programs[role]
    for i, op in ipairs(ops) do
      prog.ops[i - 1].code, prog.ops[i - 1].arg = op.code, op.arg
    end
    prog.ops[#ops].code, prog.ops[#ops].arg = C.TENG_OP_END, 0
    prog.nops = #ops + 1
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
  plan.drain_s = d.drain
  put_string(plan.eal_args, C.TENG_SPEC_LEN, opts.eal or "", "--eal arguments")
  plan.quiet_eal = opts.verbose_eal and 0 or 1
  return plan
end

-- Entry point ------------------------------------------------------------
-- Compiles a scenario file; returns the plan and its description.
-- opts: cores, port, eal, args = { {key, value}, ... } from the CLI.
function M.compile_file(path, opts)
  local scn, ctx = source.load(path, opts.args)
  local ok, d = pcall(M.validate, scn, ctx, opts)
  if not ok then error(source.error_text(path, d), 0) end
  local ok2, plan = pcall(M.build, d, { cores = opts.cores, source = path, eal = opts.eal })
  if not ok2 then error(source.error_text(path, plan), 0) end
  return plan, d
end

function M.selftest()
  assert(parse_ip("198.18.0.1") == 198 * 2 ^ 24 + 18 * 2 ^ 16 + 1)
  assert(not parse_ip("198.18.0.x") and not parse_ip("1.2.3.256") and not parse_ip("1.2.3"))
  assert(ip_string(parse_ip("10.0.255.7")) == "10.0.255.7")
  assert(split(10, 3, 0) == 4 and split(10, 3, 1) == 3 and split(10, 3, 2) == 3)
  assert(edit_distance("clinet", "client") == 2 and edit_distance("a", "a") == 0)
  local ctx = setmetatable(source.context('return teng.scenario {\n  client = { ip = "x" },\n}\n', {}), Ctx)
  local ok, e = pcall(ctx.range, ctx, "198.18.0.x", { "client", "ip" }, "client.ip", "IP range", parse_ip)
  assert(not ok and e.line == 2 and e.msg == "client.ip: malformed IP range '198.18.0.x'", tostring(e))
  assert(select(2, ctx:range("1.0.0.1 - 1.0.0.9", {}, "x", "IP range", parse_ip)) == 2 ^ 24 + 9)
  assert(not pcall(ctx.range, ctx, "1.0.0.9-1.0.0.1", {}, "x", "IP range", parse_ip))
  assert(select(2, ctx:range(80, {}, "x", "port range", parse_port)) == 80)
  assert(M.quote("a\r\n\"") == [["a\r\n\""]])
end

return M
