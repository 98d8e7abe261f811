-- Results: one model (report.result) built from a struct teng_snapshot,
-- the plan and the compiler's description d; every renderer (the text
-- report, the JSON, the per-second hook) only renders it.
local ffi = require "ffi"
local json = require "teng.json"
local check = require "teng.check"
local ports = require "teng.ports"
local cdef = require "teng.cdef"
local units = require "teng.units"
local verdict = require "teng.verdict"
local C = ffi.C

local M = {}
local obj, arr = json.object, json.array
local n = tonumber

-- 3: per_second's phase/asked/failures/mbps/latency, command, args and
-- source_text (docs/results.md).
M.SCHEMA_VERSION = 3
-- A phase whose openings fell this far behind the schedule while it
-- opened fewer than 90% of what it asked saturated the generator; so
-- did one that fell SATURATION_FAR_US behind, whatever it opened (a few
-- percent short, second after second: memif at 94% of 900,000 cps with
-- 250 ms of lag).
M.SATURATION_LAG_US = 10000
M.SATURATION_FAR_US = 100000

-- The C percentile, bound when first used so that this module loads in
-- plain luajit too (tests there replace it with a Lua version).
function M.hist_percentile(h, p)
  M.hist_percentile = C.teng_hist_percentile
  return M.hist_percentile(h, p)
end

local LAT_KEYS = { "p50", "p90", "p99", "p999", "max", "mean", "count" }
local LAT_PCT = { p50 = 50, p90 = 90, p99 = 99, p999 = 99.9 }

-- { p50, p90, p99, p999, max, mean, count } in microseconds, and any
-- other percentile the criteria ask for (extra: key -> percentile).
function M.latency(h, extra)
  local total = n(h.total)
  local t = { max = n(h.max), count = total, mean = total > 0 and n(h.sum) / total or 0 }
  for k, p in pairs(LAT_PCT) do t[k] = total > 0 and M.hist_percentile(h, p) or 0 end
  for k, p in pairs(extra or {}) do
    t[k] = p == "max" and t.max or p == "mean" and t.mean or total > 0 and M.hist_percentile(h, p) or 0
  end
  return obj(LAT_KEYS, t)
end

-- Failure counts by reason name, only the reasons that occurred.
local function failures(arr_, names)
  local keys, t = {}, {}
  for i = 0, C.TENG_MAX_REASONS - 1 do
    local v = n(arr_[i])
    if v > 0 then
      local k = names[i + 1] or ("reason" .. i)
      keys[#keys + 1] = k
      t[k] = (t[k] or 0) + v
    end
  end
  return obj(keys, t)
end

local function client(c, names)
  return obj({ "attempted", "completed", "failed", "requests", "bytes_tx", "bytes_rx", "failures" }, {
    attempted = n(c.c_attempted), completed = n(c.c_completed), failed = n(c.c_failed),
    requests = n(c.requests), bytes_tx = n(c.c_bytes_tx), bytes_rx = n(c.c_bytes_rx),
    failures = failures(c.c_fail, names) })
end

local function server(c, names)
  return obj({ "accepted", "completed", "failed", "requests", "bytes_tx", "bytes_rx", "failures" }, {
    accepted = n(c.s_accepted), completed = n(c.s_completed), failed = n(c.s_failed),
    requests = n(c.s_requests), bytes_tx = n(c.s_bytes_tx), bytes_rx = n(c.s_bytes_rx),
    failures = failures(c.s_fail, names) })
end

local TCP = { "retransmits", "rst_rx", "rst_tx", "drops_bad_checksum", "drops_bad_header",
  "drops_no_connection", "timeouts",
  "rtx_syn", "rtx_synack", "rtx_data", "rtx_fin", "fast_retransmits", "rto_timeouts", "dupacks_rx",
  "ooo_rx", "reassembled", "reasm_full", "zero_window", "persist_probes", "challenge_acks",
  "challenge_acks_limited", "keepalives", "syn_cookies", "tw_reuse_refused",
  "drop_ip_hdr", "drop_ip_frag", "drop_ttl0", "drop_src_bcast", "drop_mac", "drop_tcp_hdr",
  "drop_tcp_opt", "drop_bad_flags", "drop_out_of_window", "drop_old_ack", "drop_ack_unsent",
  "drop_rst_window", "drop_syn_window", "tw_evicted", "tw_evicted_acks",
  "close_unacked",
  "impair_lost", "impair_dup", "impair_reordered", "impair_delayed", "impair_delay_full" }
-- Counters the model holds elsewhere; the rest go to "extra".
local REPORTED = { c_attempted = 1, c_completed = 1, c_failed = 1, c_bytes_tx = 1, c_bytes_rx = 1,
  s_accepted = 1, s_completed = 1, s_failed = 1, s_bytes_tx = 1, s_bytes_rx = 1, requests = 1,
  s_requests = 1, sched_lag_us = 1, c_fail = 1, s_fail = 1,
  redirected = 1, redirect_drops = 1, not_owner = 1 }
for _, k in ipairs(TCP) do REPORTED[k] = 1 end

M.STEERING = { [0] = "auto", "rss", "port-mask", "ip", "software", "paired" }

-- The steering mode in force and its counters, and each worker's share
-- (snapshot.worker[]): completed and failed per role, frames received,
-- and the frames it handed to their owners (redirected).
function M.steering(snap)
  local tot = snap.total
  return obj({ "mode", "why", "redirected", "redirect_drops", "not_owner" }, {
    mode = M.STEERING[n(snap.steering)] or "?", why = ffi.string(snap.steering_why),
    redirected = n(tot.redirected), redirect_drops = n(tot.redirect_drops), not_owner = n(tot.not_owner) })
end

function M.workers(snap)
  local list = arr()
  for i = 0, n(snap.nworkers) - 1 do
    local w = snap.worker[i]
    list[i + 1] = obj({ "index", "cpu", "socket", "queue", "client", "server", "pkts_rx", "pkts_tx",
      "redirected", "redirect_drops", "not_owner" }, {
      index = i, cpu = n(w.cpu), socket = n(w.socket), queue = i,
      client = obj({ "completed", "failed" }, { completed = n(w.c_completed), failed = n(w.c_failed) }),
      server = obj({ "completed", "failed" }, { completed = n(w.s_completed), failed = n(w.s_failed) }),
      pkts_rx = n(w.pkts_rx), pkts_tx = n(w.pkts_tx), redirected = n(w.redirected),
      redirect_drops = n(w.redirect_drops), not_owner = n(w.not_owner) })
  end
  return list
end

function M.phase_kind(kind)
  return ({ [C.TENG_RATE_CPS] = "cps", [C.TENG_RATE_RAMP] = "ramp", [C.TENG_RATE_MAX] = "max",
    [C.TENG_RATE_CONCURRENCY] = "concurrency" })[n(kind)] or "?"
end

-- The rate phase i (0-based) asked for over its first `ran` seconds,
-- all cores together (the compiler's d.phases, before the per-core
-- split); nil when it asked for no rate (max, concurrency).
function M.cps_asked(plan, d, i, ran)
  local start = M.phase_start(plan, i)
  local from = M.asked_at(plan, d, i, start)
  if from == nil then return nil end
  -- A ramp's rate is linear in time: its mean is the mean of the ends.
  return (from + M.asked_at(plan, d, i, start + math.min(ran, plan.phases[i].duration_s))) / 2
end

-- The built-in reason names (enum teng_reason), for a d without reasons.
M.REASONS = { "none", "refused", "reset", "idle_timeout", "retries", "recv_timeout", "peer_closed",
  "mismatch", "http_status", "framing", "echo_overflow", "no_buffer", "aborted", "handshake", "resp_error",
  "keepalive" }

-- Name of reason id i-1, of step i-1: from d, else from the plan, else
-- the built-in name or "reasonN".
local function names_of(d_list, plan_names, count, builtin, prefix)
  local t = {}
  for i = 1, count do
    local name = d_list and d_list[i]
    if not name or name == "" then name = ffi.string(plan_names[i - 1]) end
    if name == "" then name = builtin and builtin[i] or ((prefix or "reason") .. (i - 1)) end
    t[i] = name
  end
  return t
end

local function group_name(d_list, i, cname)
  local g = d_list and d_list[i + 1]
  if g and g.name then return g.name end
  return ffi.string(cname)
end

-- Where phase i (0-based) starts, in seconds since the first phase.
function M.phase_start(plan, i)
  local start = 0
  for k = 0, i - 1 do start = start + plan.phases[k].duration_s end
  return start
end

-- The phase running at time t (seconds since the first phase): its
-- index (0-based; nphases for the drain) and name.
function M.phase_at(plan, t)
  for i = 0, plan.nphases - 1 do
    if t < M.phase_start(plan, i + 1) then return i, ffi.string(plan.phases[i].name) end
  end
  return n(plan.nphases), "drain"
end

-- The rate the schedule asks for at time t in phase p (0-based), all
-- cores; nil for a phase with no rate (max, concurrency) and the drain.
function M.asked_at(plan, d, p, t)
  if p >= plan.nphases then return nil end
  local ph, dp = plan.phases[p], d.phases and d.phases[p + 1]
  local k = n(ph.kind)
  if not dp or k ~= C.TENG_RATE_CPS and k ~= C.TENG_RATE_RAMP then return nil end
  local from, to = dp.from or 0, dp.to or dp.from or 0
  if k == C.TENG_RATE_CPS then return from end
  local f = ph.duration_s > 0 and math.min(math.max((t - M.phase_start(plan, p)) / ph.duration_s, 0), 1) or 1
  return from + (to - from) * f
end

-- Bytes on the wire if the port counts them (ring ports do not), else
-- payload bytes sent by both roles.
function M.tx_bytes(snap)
  local s = 0
  for i = 0, snap.ndevs - 1 do s = s + n(snap.dev[i].obytes) end
  if s > 0 then return s end
  return n(snap.total.c_bytes_tx + snap.total.s_bytes_tx)
end

local PER_SECOND = { "t", "phase", "phase_index", "cps_asked", "opened", "cps", "lag_us", "saturated", "active",
  "client_active", "server_active", "completed", "failed", "failures", "mbps", "latency_us" }

-- The generator fell behind: over a span in which the schedule asked
-- for `asked` openings a second, its openings lagged the schedule by
-- SATURATION_LAG_US or more while it opened fewer than 90% of them, or
-- (a whole phase: `phase` set) by SATURATION_FAR_US or more. The rule of
-- the final warning, and without `phase` of the per-second record and
-- the display: a second's lag_us is the phase's worst so far, so the far
-- rule there would mark every second after one stall.
function M.saturated(asked, opened, lag_us, phase)
  return asked ~= nil and asked > 0 and lag_us ~= nil and lag_us >= M.SATURATION_LAG_US
    and (opened < 0.9 * asked or (phase == true and lag_us >= M.SATURATION_FAR_US))
end
local SEC_PCT = { "p50", "p90", "p99" }

-- The percentiles of what histogram h gained since its copy `old`, which
-- then becomes h. scratch: a struct teng_hist to compute in.
local function since(h, old, scratch)
  for i = 0, C.TENG_HIST_BUCKETS - 1 do scratch.count[i] = h.count[i] - old.count[i] end
  scratch.total, scratch.sum, scratch.max = h.total - old.total, h.sum - old.sum, h.max
  local t, total = {}, n(scratch.total)
  for _, k in ipairs(SEC_PCT) do t[k] = total > 0 and M.hist_percentile(scratch, LAT_PCT[k]) or 0 end
  ffi.copy(old, h, ffi.sizeof(old))
  return obj(SEC_PCT, t)
end

-- The run loop's record of one second (the model's per_second entry):
-- what changed between the previous call's snapshot and snap, taken t
-- seconds after the first phase began. state is the caller's table,
-- empty at the first call; it keeps what the next call subtracts.
function M.second(plan, d, snap, t, state)
  local tot = snap.total
  if not state.t then
    state.t, state.completed, state.opened, state.bytes, state.fail = 0, 0, 0, 0, {}
    state.connect, state.txn = ffi.new("struct teng_hist"), ffi.new("struct teng_hist")
    state.scratch = ffi.new("struct teng_hist")
    state.reasons = M.reason_names(plan, d)
  end
  -- The role that opens counts; a server-only run counts what it
  -- completed, and nothing is asked of it.
  local completed = d.client and n(tot.c_completed) or n(tot.s_completed)
  local span = math.max(t - state.t, 1e-3)
  -- The phase of this second: the one running at its middle.
  local p, name = M.phase_at(plan, (t + state.t) / 2)
  p = math.min(p, C.TENG_MAX_PHASES)
  local sec = obj(PER_SECOND, {
    t = t, phase = name, phase_index = p, cps = completed - state.completed,
    active = n(snap.c_active + snap.s_active),
    client_active = d.client and n(snap.c_active) or nil,
    server_active = d.server and n(snap.s_active) or nil,
    completed = completed, failed = n(tot.c_failed + tot.s_failed), failures = obj({}, {}) })
  sec.cps_asked = d.client and M.asked_at(plan, d, p, t) or nil
  local opened = n(tot.c_attempted)
  sec.opened = d.client and opened - state.opened or nil
  -- How far behind its schedule this phase's openings fell at worst.
  sec.lag_us = sec.cps_asked and n(snap.phase_counters[p].sched_lag_us) or nil
  -- Judged against what the schedule asked over the second (its middle,
  -- for a ramp), per second of the span.
  if sec.cps_asked and sec.opened then
    sec.saturated = M.saturated(M.asked_at(plan, d, p, (t + state.t) / 2), sec.opened / span, sec.lag_us)
  end
  local keys = getmetatable(sec.failures).order
  for i = 0, C.TENG_MAX_REASONS - 1 do
    local v = n(tot.c_fail[i] + tot.s_fail[i])
    local dv = v - (state.fail[i] or 0)
    state.fail[i] = v
    if dv > 0 then
      local k = state.reasons[i + 1]
      if not sec.failures[k] then keys[#keys + 1] = k end
      sec.failures[k] = (sec.failures[k] or 0) + dv
    end
  end
  local bytes = M.tx_bytes(snap)
  sec.mbps = (bytes - state.bytes) * 8 / 1e6 / span
  sec.latency_us = obj({ "connect", "transaction" }, {
    connect = since(snap.lat_connect, state.connect, state.scratch),
    transaction = since(snap.lat_txn, state.txn, state.scratch) })
  state.t, state.completed, state.opened, state.bytes = t, completed, opened, bytes
  return sec
end

-- The last second's record with the run's final totals, from the model
-- r: what the final live view (a scrape after the run) shows.
function M.final_second(r)
  local last = {}
  for k, v in pairs(r.per_second[#r.per_second] or {}) do last[k] = v end
  last.t, last.active = r.duration_s, r.extra.c_active + r.extra.s_active
  last.completed, last.failed = r.client.completed, r.client.failed + r.server.failed
  return last
end

-- run: { started_at, run_s (phases actually run), interrupted, stopped
-- (nil or "hook"), per_second, conns_done }; d: the compiler's description.
-- The process's peak resident set (VmHWM), bytes; nil where there is no
-- /proc/self/status. Read at the end of the run, so it covers the run.
function M.peak_rss_bytes(path)
  local f = io.open(path or "/proc/self/status", "r")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  local kb = s:match("VmHWM:%s*(%d+)%s*kB")
  return kb and n(kb) * 1024 or nil
end

-- Open connections at most, client and server role: the workers' own
-- peaks (snap.c_peak_active, snap.s_peak_active) where the snapshot has
-- them, else the most the once-a-second samples saw (a lower bound).
function M.peak_active(snap, per_second)
  local function field(k)
    local ok, v = pcall(function() return snap[k] end)
    return ok and v ~= nil and n(v) or nil
  end
  local c, s = field("c_peak_active"), field("s_peak_active")
  if c == nil or s == nil then
    local sc, ss = n(snap.c_active) or 0, n(snap.s_active) or 0
    for _, sec in ipairs(per_second or {}) do
      sc = math.max(sc, sec.client_active or 0)
      ss = math.max(ss, sec.server_active or 0)
    end
    c, s = c or sc, s or ss
  end
  return c, s
end

-- Reason names of the run, by id + 1.
function M.reason_names(plan, d)
  return names_of(d.reasons, plan.reason_names, C.TENG_MAX_REASONS, M.REASONS)
end

-- The "tcp" counters and the "extra" ones (counters the model holds
-- nowhere else) of a teng_counters.
function M.tcp(tot)
  local t = obj(TCP, {})
  for _, k in ipairs(TCP) do t[k] = n(tot[k]) end
  return t
end

function M.extra(snap)
  local t = {}
  for _, k in ipairs(cdef.fields.teng_counters) do
    if not REPORTED[k] then t[k] = n(snap.total[k]) end
  end
  t.c_active, t.s_active = n(snap.c_active), n(snap.s_active)
  return t
end

function M.result(plan, d, snap, run)
  local tot = snap.total
  local reasons = M.reason_names(plan, d)
  local extra_pct = verdict.extra_pcts(d)
  local function lat(h) return M.latency(h, extra_pct) end
  local r = obj({ "schema_version", "scenario", "started_at", "duration_s", "cores", "steering", "workers",
    "port", "client",
    "server", "tcp", "phases", "drain", "templates", "listeners", "steps", "per_second", "warnings",
    "verdict", "memory", "records", "extra", "plan" }, {
    schema_version = M.SCHEMA_VERSION,
    scenario = ffi.string(plan.name),
    started_at = run.started_at,
    duration_s = run.run_s,
    elapsed_s = n(snap.elapsed_s),
    interrupted = run.interrupted or false,
    stopped = run.stopped,
    source = ffi.string(plan.source),
    command = run.command, args = run.args, source_text = run.source_text,
    source_truncated = run.source_truncated,
    cores = n(plan.cores),
    steering = M.steering(snap),
    workers = M.workers(snap),
    client = client(tot, reasons),
    server = server(tot, reasons),
    tcp = M.tcp(tot),
    phases = arr(), templates = arr(), listeners = arr(), steps = obj({}, {}),
    per_second = arr(), warnings = arr(),
    extra = M.extra(snap),
  })
  r.client.cps = run.run_s > 0 and r.client.completed / run.run_s or 0
  r.client.lag_us = n(tot.sched_lag_us)
  r.client.http = obj({ "status_2xx", "other" }, { status_2xx = n(tot.http_2xx), other = n(tot.http_other) })
  r.client.latency_us = obj({ "connect", "transaction" },
    { connect = lat(snap.lat_connect), transaction = lat(snap.lat_txn) })
  r.client.peak_active, r.server.peak_active = M.peak_active(snap, run.per_second)
  r.memory = obj({ "peak_rss_bytes" }, { peak_rss_bytes = M.peak_rss_bytes() })
  -- --records: what the writer did (run.records from teng_run_records).
  if run.records then
    local rc = run.records
    r.records = obj({ "file", "written", "dropped", "sample", "cap" },
      { file = rc.file, written = rc.written, dropped = rc.dropped, sample = rc.sample, cap = rc.cap })
  end

  for i = 0, plan.nphases - 1 do
    local ph, pc = plan.phases[i], snap.phase_counters[i]
    local ran = math.max(0, math.min(ph.duration_s, run.run_s - M.phase_start(plan, i)))
    local p = obj({ "name", "duration_s", "kind", "cps_asked", "cps", "lag_us", "client", "server",
      "failures", "latency_us" }, {
      name = ffi.string(ph.name), duration_s = ran, kind = M.phase_kind(ph.kind),
      cps_asked = d.client and M.cps_asked(plan, d, i, ran) or nil, lag_us = n(pc.sched_lag_us),
      client = client(pc, reasons), server = server(pc, reasons),
      latency_us = obj({ "connect", "transaction" },
        { connect = lat(snap.phase_connect[i]), transaction = lat(snap.phase_txn[i]) }) })
    -- Achieved by the role that opens; a server-only run's own rate.
    p.cps = ran > 0 and (d.client and p.client.completed or p.server.completed) / ran or 0
    p.failures = obj({}, {})
    for _, side in ipairs { p.client.failures, p.server.failures } do
      for k, v in pairs(side) do p.failures[k] = (p.failures[k] or 0) + v end
    end
    r.phases[i + 1] = p
  end

  -- What happened after the last phase, while open connections drained.
  local dc = snap.phase_counters[plan.nphases]
  r.drain = obj({ "client", "server", "failures" }, { client = client(dc, reasons), server = server(dc, reasons) })
  r.drain.failures = obj({}, {})
  for _, side in ipairs { r.drain.client.failures, r.drain.server.failures } do
    for k, v in pairs(side) do r.drain.failures[k] = (r.drain.failures[k] or 0) + v end
  end

  if d.client then
    for i = 0, plan.ntemplates - 1 do
      local g, tpl = snap.group_counters[i], d.templates and d.templates[i + 1] or {}
      local t = client(g, reasons)
      t.name = group_name(d.templates, i, plan.templates[i].name)
      t.weight = tpl.weight
      t.cps = run.run_s > 0 and t.completed / run.run_s or 0
      t.latency_us = obj({ "connect", "transaction" },
        { connect = lat(snap.group_connect[i]), transaction = lat(snap.group_txn[i]) })
      getmetatable(t).order = { "name", "weight", "attempted", "completed", "failed", "cps", "requests",
        "bytes_tx", "bytes_rx", "failures", "latency_us" }
      r.templates[i + 1] = t
    end
  end
  if d.server then
    for i = 0, plan.nlisteners - 1 do
      local k = C.TENG_MAX_TEMPLATES + i
      local l = server(snap.group_counters[k], reasons)
      local ld = d.listeners and d.listeners[i + 1] or {}
      l.name = group_name(d.listeners, i, plan.listeners[i].name)
      l.ip = ld.ip or (check.ip_string(plan.listeners[i].ip) .. ":" .. plan.listeners[i].port)
      l.latency_us = obj({ "connect", "transaction" },
        { connect = lat(snap.group_connect[k]), transaction = lat(snap.group_txn[k]) })
      getmetatable(l).order = { "name", "ip", "accepted", "completed", "failed", "requests", "bytes_tx",
        "bytes_rx", "failures", "latency_us" }
      r.listeners[i + 1] = l
    end
  end
  local steps = names_of(d.steps, plan.step_names, n(plan.nsteps), nil, "step")
  for i, name in ipairs(steps) do
    r.steps[name] = lat(snap.step[i - 1])
    getmetatable(r.steps).order[i] = name
  end

  for i, s in ipairs(run.per_second or {}) do
    r.per_second[i] = getmetatable(s) and s or obj(PER_SECOND, s)
  end
  r.port = M.port(plan, snap)
  r.plan = M.plan_info(plan, d)
  M.warn(r, plan, d, run)
  r.verdict = obj({ "pass", "criteria" }, verdict.evaluate(d, r))
  for i, e in ipairs(r.verdict.criteria) do
    r.verdict.criteria[i] = obj({ "label", "kind", "phase", "role", "measured", "limit", "ok", "unit", "note" }, e)
  end
  r.verdict.criteria = arr(r.verdict.criteria)
  return r
end

function M.port(plan, snap)
  local specs = arr()
  for i = 0, plan.nports - 1 do specs[i + 1] = ffi.string(plan.port[i].spec) end
  local port = obj({ "spec", "specs", "packets_tx", "packets_rx", "devices" },
    { spec = specs[1] or "", specs = specs, packets_tx = 0, packets_rx = 0, devices = arr() })
  local DEV = { "ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors" }
  for i = 0, snap.ndevs - 1 do
    local v = snap.dev[i]
    local dev = obj({ "name", unpack(DEV) }, { name = ffi.string(v.name) })
    for _, k in ipairs(DEV) do dev[k] = n(v[k]) end
    port.devices[i + 1] = dev
    port.packets_tx, port.packets_rx = port.packets_tx + dev.opackets, port.packets_rx + dev.ipackets
  end
  return port
end

-- Things a reader should know although no criterion looks at them.
function M.warn(r, plan, d, run)
  local W = r.warnings
  if r.records and r.records.dropped > 0 then
    W[#W + 1] = ("records: %d dropped (a worker's record ring was full)"):format(r.records.dropped)
  end
  local limited = d.conns and r.client.attempted >= d.conns
  for i, p in ipairs(r.phases) do
    local asked = p.cps_asked
    if d.client and asked and asked > 0 and p.duration_s > 0 and not limited then
      local opened = p.client.attempted / p.duration_s
      if M.saturated(asked, opened, p.lag_us, true) then
        -- A cap the phase set itself (max_open: every phase has it).
        local dp = d.phases and d.phases[i] or {}
        local cap = dp.open and (not d.max_open or dp.open < d.max_open) and dp.open or 0
        -- Back-pressure (the transmit path, the packet buffers) held
        -- openings back: the generator, not the network, was the limit.
        local held = r.extra.open_deferred or 0
        W[#W + 1] = ("generator saturated in phase %s: asked %s cps, achieved %s (openings up to %s behind schedule%s%s)")
          :format(p.name, units.rate(asked), units.rate(opened), units.us(p.lag_us),
            cap > 0 and ("; open connections capped at %d"):format(cap) or "",
            held > 0 and ("; back-pressure held openings back in %d loops%s"):format(held,
              (r.extra.drops_tx_full or 0) == 0 and ", nothing dropped" or "") or "")
      end
    end
  end
  local no_tcb = r.extra.no_tcb or 0
  if no_tcb > 0 then
    W[#W + 1] = ("the connection pool was exhausted %d times (max_open %d per core): openings were skipped")
      :format(no_tcb, n(plan.max_open))
  end
  -- The neighbour table (core/neigh.h): claims it refused, and what it
  -- learned or could not confirm at run time.
  local conflicts = r.extra.arp_conflicts or 0
  if conflicts > 0 then
    W[#W + 1] = ("ARP conflict: %d ARP frames claimed the next hop's address with another MAC while TCP confirmed the one in use (or peer_mac= pinned it); not applied (a forged or misconfigured host on the link?)")
      :format(conflicts)
  end
  local changes = r.extra.arp_changes or 0
  if changes > 0 then
    W[#W + 1] = ("the next hop's MAC changed %d times during the run (taken while unconfirmed)"):format(changes)
  end
  local unanswered = r.extra.arp_unanswered or 0
  if unanswered > 0 then
    W[#W + 1] = ("the next hop went unconfirmed and %d rounds of ARP probes were unanswered; its last MAC was kept")
      :format(unanswered)
  end
  if run.stopped == "hook" then W[#W + 1] = "the on_second hook stopped the run" end
end

-- The run's state (enum teng_run_state) by name.
M.RUN_STATE = { [0] = "running", "draining", "done" }

-- The bounds (microseconds) of the latency histograms the live outputs
-- export (/metrics): 50 us .. 10 s.
M.LIVE_BOUNDS_US = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
  500000, 1000000, 2500000, 5000000, 10000000 }

-- Cumulative counts of h at the rising bounds (teng_hist_cumulative).
function M.hist_cumulative(h, bounds)
  local nb = #bounds
  local out = ffi.new("uint64_t[?]", nb)
  C.teng_hist_cumulative(h, ffi.new("double[?]", nb, bounds), nb, out)
  local t = {}
  for i = 1, nb do t[i] = n(out[i - 1]) end
  return t
end

-- A copy without metatables (the views are plain data).
local function plain(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = plain(x) end
  return t
end

-- The run at this moment, as plain Lua tables (no cdata, no JSON
-- metatables), built from the snapshot with the helpers report.result
-- uses: the per-second hook (on_second) sees it, and the live outputs
-- (report_live: /metrics, telemetry) render it, during the run and from
-- the final snapshot. sec is this second's record (report.second); the
-- view keeps it as `second`.
function M.view(plan, d, snap, sec)
  local tot = snap.total
  local reasons = M.reason_names(plan, d)
  local function lat(h)
    local l = plain(M.latency(h))
    l.sum = n(h.sum)
    l.buckets = M.hist_cumulative(h, M.LIVE_BOUNDS_US)
    return l
  end
  local c = plain(client(tot, reasons))
  c.active, c.cps, c.lag_us = n(snap.c_active), d.client and sec.cps or 0, n(tot.sched_lag_us)
  c.latency_us = { connect = lat(snap.lat_connect), transaction = lat(snap.lat_txn) }
  local s = plain(server(tot, reasons))
  s.active = n(snap.s_active)
  local state = M.RUN_STATE[n(snap.state)] or "running"
  local idx = math.min(n(snap.phase), n(plan.nphases))
  local v = { t = sec.t, phase = "drain", cps = sec.cps, active = sec.active, completed = sec.completed,
    failed = sec.failed, elapsed_s = n(snap.elapsed_s), client = c, server = s,
    scenario = ffi.string(plan.name), state = state, phase_index = idx, cps_asked = sec.cps_asked,
    tcp = plain(M.tcp(tot)), extra = M.extra(snap), packets_tx = n(tot.pkts_tx), packets_rx = n(tot.pkts_rx),
    steering = plain(M.steering(snap)), workers = plain(M.workers(snap)), port = plain(M.port(plan, snap)),
    latency_bounds_us = plain(M.LIVE_BOUNDS_US), phases = {}, second = plain(sec) }
  for i = 0, plan.nphases - 1 do v.phases[i + 1] = ffi.string(plan.phases[i].name) end
  if state == "done" then
    v.phase, v.phase_index = "done", n(plan.nphases)
  end
  if idx >= plan.nphases or state == "done" then
    v.cps_asked = nil -- nothing is asked while draining
  else
    v.phase = v.phases[idx + 1]
    v.phase_duration_s = plan.phases[idx].duration_s
    v.phase_elapsed_s = math.max(0, math.min(v.elapsed_s - M.phase_start(plan, idx), v.phase_duration_s))
  end
  return v
end
M.hook_view = M.view

-- What the compiler made of the scenario, for --check and the JSON. A
-- role that is off has no program; its keys are left out.
function M.plan_info(plan, d)
  local function prog(role)
    local p = d[role] and d.programs and d.programs[role]
    if not p then return nil end
    local ops = arr()
    for i, op in ipairs(p) do ops[i] = type(op) == "table" and (op.name or "?") or tostring(op) end
    return ops
  end
  local ip = check.ip_string
  local roles = d.client and d.server and "client and server" or d.client and "client only" or "server only"
  local tx = d.tx_per_conn or {}
  local info = obj({ "roles", "ports", "client_range", "tuples", "destination", "server", "client_program",
    "server_program", "client_tx_per_conn", "server_tx_per_conn" }, {
    roles = roles, ports = arr(),
    client_program = prog("client"), server_program = prog("server"),
    client_tx_per_conn = tx.client, server_tx_per_conn = tx.server,
  })
  for i, p in ipairs(d.ports or {}) do info.ports[i] = ports.format(p) end
  if d.client and d.client_ip_lo then
    info.client_range = ip(d.client_ip_lo) .. "-" .. ip(d.client_ip_hi) .. ":" .. d.client_port_lo
      .. "-" .. d.client_port_hi
    info.tuples = (d.client_ip_hi - d.client_ip_lo + 1) * (d.client_port_hi - d.client_port_lo + 1)
    info.destination = ip(d.dst_ip) .. ":" .. d.dst_port
  end
  if d.server and d.server_ip then info.server = ip(d.server_ip) .. ":" .. d.server_port end
  return info
end

-- The --check text, the final report and the live line.
local text = require "teng.report_text"
M.text, M.live = text.text, text.live
function M.summary(plan, d) return text.summary(plan, d, M.plan_info(plan, d)) end

function M.selftest()
  text.selftest()
end

return M
