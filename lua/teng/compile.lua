-- The scenario compiler: checks the scenario a script returns and fills a
-- struct teng_plan for the data plane. Every problem is an error naming
-- the script line (teng.error; see teng.source). Here: the scenario, its
-- templates and listeners, phases and criteria; ops are compiled by
-- teng.compile_ops, payloads by teng.compile_payload.
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
local check = require "teng.check"
local ports = require "teng.ports"
local defaults = require "teng.defaults"
local ops = require "teng.compile_ops"
local payload = require "teng.compile_payload"
local criteria = require "teng.compile_criteria"
require "teng.cdef"
local C = ffi.C

local M = {}

local MAX_PHASES, MAX_CORES = C.TENG_MAX_PHASES, C.TENG_MAX_CORES
local LIMIT = defaults.limit

-- Plan memory comes from C; tests without the teng binary swap these.
function M.new_plan()
  local p = C.teng_plan_new()
  if p == nil then error("teng_plan_new: out of memory") end
  return ffi.gc(p, C.teng_plan_free)
end
function M.plan_blob(plan, len) return C.teng_plan_blob(plan, len) end

local Ctx = setmetatable({}, { __index = check.Ctx })
Ctx.__index = Ctx
local describe = source.describe
M.parse_ip, M.ip_string, M.quote = check.parse_ip, check.ip_string, ops.quote

for k, f in pairs(require "teng.compile_groups") do Ctx[k] = f end

-- Phases -------------------------------------------------------------------

local function rate_number(self, v, at, path, what)
  self:number(v, at, path, { min = 0, what = what })
  if v > LIMIT.cps then
    self:fail(at, path, "%s %g is above the %d connections per second a phase can hold", what, v, LIMIT.cps)
  end
  return v
end

local function open_number(self, v, at, path, what, min)
  self:number(v, at, path, { int = true, min = min or 0, what = what })
  if v > LIMIT.open then
    self:fail(at, path, "%s %.0f is above the %d open connections C can hold", what, v, LIMIT.open)
  end
  return v
end

function Ctx:rate(v, at, path)
  local kind = teng.kind(v)
  if type(v) == "number" then
    rate_number(self, v, at, path, "rate")
    return C.TENG_RATE_CPS, v, v
  elseif kind == "ramp" then
    rate_number(self, v.from, v, path, "teng.ramp start")
    rate_number(self, v.to, v, path, "teng.ramp end")
    return C.TENG_RATE_RAMP, v.from, v.to
  elseif kind == "max" or v == "max" then
    if kind and v.bad ~= nil then
      self:fail(v, path, "teng.max: expected a table like { open = N }")
    end
    local open = kind and v.open
    if open ~= nil then open_number(self, open, v, path .. ".open", "teng.max open", 1) end
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
    self:only(ph, { 1, "duration", "cps", "concurrency", "criteria" }, path, at)
    local name = ph[1]
    if type(name) ~= "string" or #name == 0 or #name > 31 then
      self:fail(at, path, "the first element must be the phase name (1..31 characters), got %s",
        describe(name))
    end
    local function f(k) return { "phases", i, k } end
    if ph.duration == nil then self:fail(at, path, "missing duration = seconds") end
    local dur = self:number(ph.duration, f("duration"), path .. ".duration", { gt = true, min = 0, what = "duration" })
    if dur < 0.001 then
      self:fail(f("duration"), path .. ".duration", "%g s is shorter than 1 ms (phases last whole milliseconds)", dur)
    end
    if dur > LIMIT.phase_s then
      self:fail(f("duration"), path .. ".duration", "%g s is longer than a phase can last (%d s)", dur, LIMIT.phase_s)
    end
    local p = { name = name, duration = dur, duration_ms = math.floor(dur * 1000 + 0.5) }
    local conc = ph.concurrency
    if ph.cps ~= nil then
      p.kind, p.from, p.to, p.open = self:rate(ph.cps, f("cps"), path .. ".cps")
      if conc ~= nil then
        if teng.kind(conc) == "ramp" then
          self:fail(f("concurrency"), path .. ".concurrency", "a concurrency ramp takes no cps= (give a number to cap a rate)")
        end
        if p.kind == C.TENG_RATE_MAX then
          self:fail(at, path, "teng.max caps open connections itself; give concurrency = N without cps, or teng.max { open = N }")
        end
        p.open = open_number(self, conc, f("concurrency"), path .. ".concurrency", "concurrency", 1)
      end
    elseif conc ~= nil then
      p.kind = C.TENG_RATE_CONCURRENCY
      if teng.kind(conc) == "ramp" then
        p.conc_from = open_number(self, conc.from, conc, path .. ".concurrency", "teng.ramp start")
        p.conc_to = open_number(self, conc.to, conc, path .. ".concurrency", "teng.ramp end")
      else
        p.conc_from = open_number(self, conc, f("concurrency"), path .. ".concurrency", "concurrency")
        p.conc_to = p.conc_from
      end
    elseif d.client then
      self:fail(at, path, "needs cps = N or concurrency = N")
    else -- server role only: nothing to open
      p.kind, p.from, p.to = C.TENG_RATE_CPS, 0, 0
    end
    p.criteria = ph.criteria
    d.phases[i] = p
  end
end

function Ctx:all_criteria(d, scn)
  d.criteria = { list = {} }
  for i, p in ipairs(d.phases) do
    if p.criteria ~= nil then
      criteria.add(self, d, p.criteria, { "phases", i, "criteria" }, ("phases[%d].criteria"):format(i), i)
    end
  end
  if scn.criteria ~= nil then criteria.add(self, d, scn.criteria, { "criteria" }, "criteria", nil) end
  d.criteria.default = scn.criteria == nil and #d.criteria.list == 0
end

-- The scenario -------------------------------------------------------------

local FIELDS = { "name", "port", "client", "server", "client_program", "server_program",
  "clients", "listeners", "phases", "criteria", "seed", "echo", "on_second",
  "conns", "tcp", "drain", "max_open", "arp_timeout", "tx_queue", "impair" }

local function loopback_dst(self, d)
  for _, t in ipairs(d.templates_) do
    local ok = false
    for _, l in ipairs(d.listeners_) do ok = ok or (l.ip == t.addr.dst_ip and l.port == t.addr.dst_port) end
    if not ok then
      if t.name == "default" then
        self:fail({ "client", "dst" }, "client.dst", "on the loopback the client connects to its own server; leave dst out")
      end
      self:fail(t.where, t.path:gsub("%.program$", "") .. ".dst", "on the loopback a template connects to one of the listeners")
    end
  end
end

-- Checks the scenario; returns a plain description of it (d).
-- opts: cores, ports (or port): --port overrides.
function M.validate(scn, ctx, opts)
  opts = opts or {}
  local cores = opts.cores or 1
  ctx = setmetatable(ctx or source.context("", scn), Ctx)
  local d = { programs = {}, tx_per_conn = {}, phases = {} }
  payload.init(d)
  ops.init(d)
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
  if d.ports[1].driver == "loopback" and d.client and d.server then loopback_dst(ctx, d) end

  d.echo_used = false
  local function program(g, role)
    local first, tx, names, echo = ops.program(ctx, d, g.program, g.where, g.path)
    g.prog, g.tx = first, tx
    d.echo_used = d.echo_used or echo or false
    if not d.programs[role] then d.programs[role], d.tx_per_conn[role] = names, tx end
  end
  for _, t in ipairs(d.templates_) do program(t, "client") end
  for _, l in ipairs(d.listeners_) do program(l, "server") end
  ctx:phases(d, scn.phases)
  ctx:pools(d, cores)

  d.templates, d.listeners = {}, {}
  for i, t in ipairs(d.templates_) do d.templates[i] = { name = t.name, weight = t.weight, tx_per_conn = t.tx } end
  for i, l in ipairs(d.listeners_) do
    d.listeners[i] = { name = l.name, ip = check.ip_string(l.ip) .. ":" .. l.port, tx_per_conn = l.tx }
  end
  -- Today's report reads the first template and listener.
  local t1, l1 = d.templates_[1], d.listeners_[1]
  if t1 then
    local p = d.pools[t1.pool + 1]
    d.client_ip_lo, d.client_ip_hi, d.client_port_lo, d.client_port_hi = p.ip_lo, p.ip_hi, p.port_lo, p.port_hi
    d.dst_ip, d.dst_port = t1.addr.dst_ip, t1.addr.dst_port
  end
  if l1 then d.server_ip, d.server_port = l1.ip, l1.port end

  ctx:all_criteria(d, scn)
  if scn.on_second ~= nil and type(scn.on_second) ~= "function" then
    ctx:fail({ "on_second" }, "on_second", "expected a function (called each second with the stats), got %s",
      describe(scn.on_second))
  end
  d.hook = scn.on_second
  d.seed = scn.seed == nil and defaults.seed
    or ctx:number(scn.seed, { "seed" }, "seed", { int = true, min = 0, max = 2 ^ 53 })
  local echo = scn.echo == nil and {} or ctx:table(scn.echo, { "echo" }, "echo", "a table like { bytes = N, buffers = N }")
  ctx:only(echo, { "bytes", "buffers" }, "echo", { "echo" })
  d.echo_bytes = echo.bytes == nil and defaults.echo_bytes
    or ctx:number(echo.bytes, { "echo", "bytes" }, "echo.bytes", { int = true, min = 1, max = C.TENG_ECHO_MAX })
  d.echo_buffers = echo.buffers == nil and defaults.echo_buffers
    or ctx:number(echo.buffers, { "echo", "buffers" }, "echo.buffers", { int = true, min = 1, max = LIMIT.open })

  if scn.conns ~= nil then
    if not d.client then ctx:fail({ "conns" }, "conns", "there is no client_program to count connections of") end
    d.conns = ctx:number(scn.conns, { "conns" }, "conns", { int = true, min = 1, max = LIMIT.conns })
    if d.conns < cores then
      ctx:fail({ "conns" }, "conns", "%d is fewer than the %d cores (each core needs one)", d.conns, cores)
    end
  end
  d.drain = scn.drain == nil and defaults.drain or ctx:number(scn.drain, { "drain" }, "drain", { min = 0, max = 3600 })
  d.max_open = scn.max_open == nil and defaults.max_open
    or open_number(ctx, scn.max_open, { "max_open" }, "max_open", "max_open", 1)
  d.arp_timeout = scn.arp_timeout == nil and defaults.arp_timeout
    or ctx:number(scn.arp_timeout, { "arp_timeout" }, "arp_timeout", { gt = true, min = 0, max = 3600 })
  d.tx_queue = scn.tx_queue == nil and 0
    or ctx:number(scn.tx_queue, { "tx_queue" }, "tx_queue", { int = true, min = 64, max = 2 ^ 24 })

  local tcp = scn.tcp == nil and {} or ctx:table(scn.tcp, { "tcp" }, "tcp", "a table")
  ctx:only(tcp, { "mss", "wscale", "rcv_wnd", "idle_timeout", "time_wait", "rto", "max_retries",
    "rto_min", "rto_max", "syn_retries", "init_cwnd", "delayed_ack", "keepalive", "reasm_segs",
    "sack", "timestamps", "ack_with_data" }, "tcp", { "tcp" })
  d.tcp = {}
  local function t(k, o)
    local v = tcp[k]
    if v == nil then v = defaults.tcp[k] end
    d.tcp[k] = ctx:number(v, { "tcp", k }, "tcp." .. k, o)
  end
  t("mss", { int = true, min = 64, max = 9000 })
  t("wscale", { int = true, min = 0, max = 14 })
  t("rcv_wnd", { int = true, min = 1, max = 65535 * 2 ^ d.tcp.wscale })
  t("idle_timeout", { gt = true, min = 0, max = 3600 })
  t("time_wait", { min = 0, max = 3600 })
  t("rto", { min = 0.001, max = 60 })
  t("max_retries", { int = true, min = 0, max = 100 })
  t("rto_min", { min = 0.001, max = 60 })
  t("rto_max", { min = d.tcp.rto_min, max = 600, what = "(at least tcp.rto_min)" })
  t("syn_retries", { int = true, min = 0, max = 100 })
  t("init_cwnd", { int = true, min = 1, max = 1000 })
  t("delayed_ack", { min = 0, max = 0.5 })
  t("keepalive", { min = 0, max = 3600 })
  if d.tcp.keepalive ~= 0 and d.tcp.keepalive < 0.001 then
    -- it would round to 0 ms: off, which is not what was asked
    ctx:fail({ "tcp", "keepalive" }, "tcp.keepalive", "must be 0 (off) or at least 0.001 s, got %s",
      d.tcp.keepalive)
  end
  t("reasm_segs", { int = true, min = 0, max = 64 })
  for _, k in ipairs { "sack", "timestamps", "ack_with_data" } do
    local v = tcp[k]
    if v == nil then v = defaults.tcp[k] end
    if type(v) ~= "boolean" then ctx:fail({ "tcp", k }, "tcp." .. k, "expected true or false, got %s", tostring(v)) end
    d.tcp[k] = v
  end
  d.impair = M.impair(ctx, scn.impair, opts.impair)
  -- A drain the scenario leaves to teng waits longer when segments are
  -- lost on purpose: a connection whose segment was lost several times
  -- in a row is still retrying, and cutting it off would count teng's
  -- own impairment as its failure. The drain ends as soon as nothing is
  -- open, so a longer one costs nothing otherwise.
  if scn.drain == nil and d.impair.on then d.drain = defaults.drain_impaired end
  -- TIME_WAIT, timestamps and SACK guard against what a network does: a
  -- lost last ACK, an old duplicate, a path's round trip, losses in a
  -- window. The in-process loopback loses, duplicates and delays nothing
  -- (teng never drops a frame it built), so there, unless impaired, what
  -- the scenario did not ask for is left out: it would only cost time.
  if not d.impair.on then
    local all_loopback = #d.ports > 0
    for _, p in ipairs(d.ports) do all_loopback = all_loopback and p.driver == "loopback" end
    if all_loopback then
      if tcp.time_wait == nil then d.tcp.time_wait = 0 end
      if tcp.timestamps == nil then d.tcp.timestamps = false end
      if tcp.sack == nil then d.tcp.sack = false end
    end
  end
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

local OP_FIELDS = { "code", "mode", "expect", "flags", "a", "b", "n", "m", "jump", "reason", "timeout_ms" }

local function fill_groups(plan, d)
  for i, op in ipairs(d.ops) do
    local o = plan.ops[i - 1]
    for _, k in ipairs(OP_FIELDS) do o[k] = op[k] end
  end
  plan.nops = #d.ops
  local total = 0
  for _, t in ipairs(d.templates_) do total = total + t.weight end
  local cum = 0
  for i, t in ipairs(d.templates_) do
    local pt = plan.templates[i - 1]
    put_string(pt.name, C.TENG_GROUP_NAME_LEN, t.name, "template name")
    cum = cum + t.weight
    pt.cum_weight = i == #d.templates_ and 4294967295 or math.floor(cum / total * 4294967295)
    pt.prog, pt.pool = t.prog, t.pool
    pt.dst_ip, pt.dst_port = t.addr.dst_ip, t.addr.dst_port
  end
  plan.ntemplates = #d.templates_
  for i, p in ipairs(d.pools or {}) do
    local pp = plan.pools[i - 1]
    pp.ip_lo, pp.ip_hi, pp.port_lo, pp.port_hi = p.ip_lo, p.ip_hi, p.port_lo, p.port_hi
  end
  plan.npools = #(d.pools or {})
  for i, l in ipairs(d.listeners_) do
    local pl = plan.listeners[i - 1]
    put_string(pl.name, C.TENG_GROUP_NAME_LEN, l.name, "listener name")
    pl.ip, pl.port, pl.prog = l.ip, l.port, l.prog
  end
  plan.nlisteners = #d.listeners_
  for i, s in ipairs(d.steps) do put_string(plan.step_names[i - 1], C.TENG_GROUP_NAME_LEN, s, "step name") end
  plan.nsteps = #d.steps
  for i, s in ipairs(d.reasons) do put_string(plan.reason_names[i - 1], C.TENG_GROUP_NAME_LEN, s, "reason") end
  plan.nreasons = #d.reasons
end

local function fill_phases(plan, d, cores)
  for i, p in ipairs(d.phases) do
    local ph = plan.phases[i - 1]
    ffi.copy(ph.name, p.name)
    ph.duration_s, ph.kind, ph.duration_ms = p.duration, p.kind, p.duration_ms
    for c = 0, cores - 1 do
      local s = plan.core[c].sched[i - 1]
      s.cps_from, s.cps_to = (p.from or 0) / cores, (p.to or 0) / cores
      if p.kind == C.TENG_RATE_CONCURRENCY then
        s.conc_from, s.conc_to = split(p.conc_from, cores, c), split(p.conc_to, cores, c)
      else
        s.conc_from, s.conc_to = 0, split(p.open or d.max_open, cores, c)
      end
    end
  end
  plan.nphases = #d.phases
  for c = 0, cores - 1 do plan.core[c].conn_limit = d.conns and split(d.conns, cores, c) or 0 end
  plan.max_open = math.ceil(d.max_open / cores)
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
    pp.queues = p.queues or 0
    if p.peer_mac then
      for j = 1, 6 do pp.peer_mac[j - 1] = p.peer_mac[j] end
      pp.has_peer_mac = 1
    end
  end
  plan.nports = #d.ports
  plan.cores = cores
  plan.arp_timeout_ms = math.floor(d.arp_timeout * 1000 + 0.5)
  plan.client_enabled, plan.server_enabled = d.client and 1 or 0, d.server and 1 or 0
  plan.seed = d.seed
  fill_groups(plan, d)

  local blob = d.blob_len > 0 and M.plan_blob(plan, d.blob_len)
  if d.blob_len > 0 and blob == nil then error("teng_plan_blob: out of memory", 0) end
  payload.fill(plan, d, blob)
  plan.echo_bytes, plan.echo_buffers = d.echo_bytes, d.echo_buffers

  fill_phases(plan, d, cores)
  plan.tcp.mss, plan.tcp.wscale, plan.tcp.rcv_wnd = d.tcp.mss, d.tcp.wscale, d.tcp.rcv_wnd
  plan.tcp.idle_timeout_ms = math.floor(d.tcp.idle_timeout * 1000 + 0.5)
  plan.tcp.time_wait_ms = math.floor(d.tcp.time_wait * 1000 + 0.5)
  plan.tcp.rto_ms = math.floor(d.tcp.rto * 1000 + 0.5)
  plan.tcp.max_retries = d.tcp.max_retries
  local function ms(v) return math.floor(v * 1000 + 0.5) end
  plan.tcp.rto_min_ms, plan.tcp.rto_max_ms = ms(d.tcp.rto_min), ms(d.tcp.rto_max)
  plan.tcp.syn_retries, plan.tcp.init_cwnd = d.tcp.syn_retries, d.tcp.init_cwnd
  plan.tcp.delack_ms, plan.tcp.keepalive_ms = ms(d.tcp.delayed_ack), ms(d.tcp.keepalive)
  plan.tcp.reasm_segs = d.tcp.reasm_segs
  plan.tcp.sack, plan.tcp.timestamps = d.tcp.sack and 1 or 0, d.tcp.timestamps and 1 or 0
  plan.tcp.ack_with_data = d.tcp.ack_with_data and 1 or 0
  local im = d.impair
  plan.impair.loss_ppm, plan.impair.dup_ppm = math.floor(im.loss * 1e6 + 0.5), math.floor(im.dup * 1e6 + 0.5)
  plan.impair.reorder_ppm = math.floor(im.reorder * 1e6 + 0.5)
  plan.impair.delay_us, plan.impair.jitter_us = math.floor(im.delay * 1000 + 0.5), math.floor(im.jitter * 1000 + 0.5)
  plan.impair.seed = im.seed
  plan.drain_s = d.drain
  plan.tx_queue = d.tx_queue
  put_string(plan.eal_args, C.TENG_SPEC_LEN, opts.eal or "", "--eal arguments")
  for i, cpu in ipairs(opts.cpus or {}) do plan.cpus[i - 1] = cpu end
  plan.ncpus = #(opts.cpus or {})
  plan.quiet_eal = opts.verbose_eal and 0 or 1
  return plan
end

-- Impairment ---------------------------------------------------------------
-- impair = { loss, dup, reorder (probabilities 0..1), delay, jitter (ms),
-- seed }; the CLI's --impair (a table of strings, already split) is laid
-- over the scenario's, key by key.
local IMPAIR = { "loss", "dup", "reorder", "delay", "jitter", "seed" }
function M.impair(ctx, scn_im, cli_im)
  local t = {}
  if scn_im ~= nil then
    ctx:table(scn_im, { "impair" }, "impair", "a table")
    ctx:only(scn_im, IMPAIR, "impair", { "impair" })
    for k, v in pairs(scn_im) do t[k] = v end
  end
  for k, v in pairs(cli_im or {}) do t[k] = v end
  local im = {}
  for _, k in ipairs(IMPAIR) do
    local v = t[k]
    if v == nil then v = k == "seed" and 1 or 0 end
    local src = cli_im and cli_im[k] ~= nil and "--impair " .. k or "impair." .. k
    local num = tonumber(v)
    if num == nil then ctx:fail({ "impair", k }, src, "expected a number, got %s", tostring(v)) end
    local o = ({ loss = { min = 0, max = 1 }, dup = { min = 0, max = 1 }, reorder = { min = 0, max = 1 },
      delay = { min = 0, max = 10000 }, jitter = { min = 0, max = 10000 },
      seed = { int = true, min = 0, max = 2 ^ 52 } })[k]
    im[k] = ctx:number(num, { "impair", k }, src, o)
  end
  im.on = im.loss > 0 or im.dup > 0 or im.reorder > 0 or im.delay > 0 or im.jitter > 0
  return im
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
    scn.server_program, scn.listeners = nil, nil
  elseif role == "server" then
    scn.client_program, scn.clients, scn.client, scn.conns = nil, nil, nil, nil
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
  assert(#d.listeners == 1 and d.listeners[1].ip == "10.0.0.2:80" and d.listeners[1].tx_per_conn == 1)
  assert(#d.ops == 4 and d.criteria.default and #d.reasons == 16 and #d.templates == 0)
  local ok, e = pcall(M.validate, server_only(), nil, {})
  assert(not ok and e.msg:match("^client_program: missing %(the loopback port runs both roles"), tostring(e))
  assert(M.validate(server_only("af_packet:x"), nil, { cores = 2 }).ports[1].spec == "af_packet:x")
  ok, e = pcall(M.validate, server_only("af_packet:x,queues=2"), nil, { cores = 1 })
  assert(not ok and e.msg:match("^port: af_packet:x: queues=2, but there is 1 core "), tostring(e))
  ok, e = pcall(M.validate, server_only("af_packet:x"), nil, { ports = { "tap:a", "tap:b" } })
  assert(not ok and e.msg == "port: --port given 2 times, but the scenario has 1 port", tostring(e))
end

return M
