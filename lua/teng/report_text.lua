-- Text renderers of the results model (report.result): the final report,
-- the live line and the --check summary. Times print in human units
-- (units.lua); nothing here computes what the model already holds.
local ffi = require "ffi"
local check = require "teng.check"
local units = require "teng.units"
local verdict = require "teng.verdict"
local C = ffi.C

local M = {}
local us, count, rate = units.us, units.count, units.rate

-- max_open: the cap a CPS or RAMP phase has anyway (not worth a word).
local function rate_text(kind, s, max_open)
  local cap = s.conc_to > 0 and s.conc_to < max_open and (", open <= %d"):format(s.conc_to) or ""
  if kind == C.TENG_RATE_CPS then return ("cps %g%s"):format(s.cps_from, cap) end
  if kind == C.TENG_RATE_RAMP then return ("cps %g -> %g%s"):format(s.cps_from, s.cps_to, cap) end
  if kind == C.TENG_RATE_MAX then return ("cps max, open <= %d"):format(s.conc_to) end
  if s.conc_from == s.conc_to then return ("concurrency %d"):format(s.conc_to) end
  return ("concurrency %d -> %d"):format(s.conc_from, s.conc_to)
end

local LIMIT = {
  max_latency = units.us_limit, max_fail_ratio = units.ratio_limit, max_failures = count,
  min_cps = function(v) return units.rate_limit(v) .. " cps" end, min_completed = count,
}
local OP = { max_latency = "<=", max_fail_ratio = "<=", max_failures = "<=", min_cps = ">=", min_completed = ">=" }

-- "max_latency.connect.p99 <= 5 ms (phase steady)"
local function criterion_text(c, plan)
  local where = "run"
  if type(c.phase) == "number" and c.phase >= 1 and c.phase <= plan.nphases then
    where = "phase " .. ffi.string(plan.phases[c.phase - 1].name)
  elseif c.phase ~= nil then
    where = "phase " .. tostring(c.phase)
  end
  local lim = LIMIT[c.kind] and c.limit and LIMIT[c.kind](c.limit) or tostring(c.limit)
  local label = c.label or (c.kind .. (c.metric and "." .. c.metric or "") .. (c.reason and "." .. c.reason or ""))
  return ("%s %s %s (%s)"):format(label, OP[c.kind] or "?", lim, where)
end

-- The --check text; info is report.plan_info(plan, d).
function M.summary(plan, d, info)
  local cores = plan.cores
  local L = {}
  local function add(k, fmt, ...) L[#L + 1] = ("%-15s %s"):format(k, fmt:format(...)) end
  local ip = check.ip_string
  add("scenario", "%s (%s)", ffi.string(plan.name), ffi.string(plan.source))
  local np = #info.ports
  for i, spec in ipairs(info.ports) do
    local role = np == 1 and "" or (i == 1 and "  (client role)" or "  (server role)")
    add(np == 1 and "port" or "port " .. i, "%s%s", spec, role)
  end
  add("cores", "%d", cores)
  add("roles", "%s", info.roles)
  if d.client and info.client_range then
    add("client", "%s (%d tuples)", info.client_range, info.tuples)
    add("destination", "%s", info.destination)
  end
  if info.client_program then add("client program", "%s; end", table.concat(info.client_program, "; ")) end
  if d.server and info.server then add("server", "listens on %s", info.server) end
  if info.server_program then add("server program", "%s; end", table.concat(info.server_program, "; ")) end
  -- Templates and listeners, unless there is just v1's one "default".
  local nt, nl = d.client and plan.ntemplates or 0, d.server and plan.nlisteners or 0
  local function named(list, i, cname)
    local g = list and list[i + 1]
    return g and g.name or ffi.string(cname)
  end
  if nt > 1 or nt == 1 and named(d.templates, 0, plan.templates[0].name) ~= "default" then
    for i = 0, nt - 1 do
      local t = plan.templates[i]
      local p = plan.pools[t.pool]
      local w = d.templates and d.templates[i + 1] and d.templates[i + 1].weight
      add("template " .. (i + 1), "%-10s weight %s  %s-%s:%d-%d -> %s:%d", named(d.templates, i, t.name),
        w and ("%g"):format(w) or "?", ip(p.ip_lo), ip(p.ip_hi), p.port_lo, p.port_hi, ip(t.dst_ip), t.dst_port)
    end
  end
  if nl > 1 or nl == 1 and named(d.listeners, 0, plan.listeners[0].name) ~= "default" then
    for i = 0, nl - 1 do
      local l = plan.listeners[i]
      add("listener " .. (i + 1), "%-10s %s:%d", named(d.listeners, i, l.name), ip(l.ip), l.port)
    end
  end
  for i = 0, plan.nsteps - 1 do
    add("step " .. (i + 1), "%s", d.steps and d.steps[i + 1] or ffi.string(plan.step_names[i]))
  end
  add("bytes per conn", "client sends %s, server sends %s", info.client_tx_per_conn or "-",
    info.server_tx_per_conn or "-")
  add("response_bytes", "%s", info.server_tx_per_conn or "- (the peer answers)")
  for i = 0, plan.nphases - 1 do
    local ph = plan.phases[i]
    local total = { cps_from = 0, cps_to = 0, conc_from = 0, conc_to = 0 }
    for c = 0, cores - 1 do
      local s = plan.core[c].sched[i]
      for k in pairs(total) do total[k] = total[k] + s[k] end
    end
    local rate_ = d.client and rate_text(ph.kind, total, plan.max_open * cores) or "serve"
    add("phase " .. (i + 1), "%-10s %6g s  %s%s", ffi.string(ph.name), ph.duration_s, rate_,
      d.client and cores > 1 and "  (per core: " .. rate_text(ph.kind, plan.core[0].sched[i], plan.max_open) .. ")"
      or "")
  end
  local crit = d.criteria
  for _, c in ipairs(crit and crit.list or {}) do add("criterion", "%s", criterion_text(c, plan)) end
  if crit == nil or crit.default then add("criterion", "no failed connection, server handshakes excepted (default)") end
  add("criterion", "every role that runs completes a connection")
  add("limits", "conns %s, max open %d per core", d.conns and count(d.conns) or "unlimited", plan.max_open)
  add("tcp", "mss %d, wscale %d, rcv_wnd %d, idle_timeout %g s, time_wait %g s, rto %g s, max_retries %d",
    plan.tcp.mss, plan.tcp.wscale, plan.tcp.rcv_wnd, plan.tcp.idle_timeout_ms / 1000,
    plan.tcp.time_wait_ms / 1000, plan.tcp.rto_ms / 1000, plan.tcp.max_retries)
  local tp = plan.tcp
  add("tcp", "rto %g..%g s, syn_retries %d, init_cwnd %d, delayed_ack %g s, keepalive %s, reasm_segs %d, sack %s, timestamps %s, ack_with_data %s",
    tp.rto_min_ms / 1000, tp.rto_max_ms / 1000, tp.syn_retries, tp.init_cwnd, tp.delack_ms / 1000,
    tp.keepalive_ms > 0 and ("%g s"):format(tp.keepalive_ms / 1000) or "off", tp.reasm_segs,
    tp.sack ~= 0 and "on" or "off", tp.timestamps ~= 0 and "on" or "off", tp.ack_with_data ~= 0 and "on" or "off")
  local im = plan.impair
  if im.loss_ppm + im.dup_ppm + im.reorder_ppm + im.delay_us + im.jitter_us > 0 then
    add("impair", "loss %g, dup %g, reorder %g, delay %g ms, jitter %g ms, seed %s",
      im.loss_ppm / 1e6, im.dup_ppm / 1e6, im.reorder_ppm / 1e6, im.delay_us / 1000, im.jitter_us / 1000,
      tostring(im.seed):gsub("ULL$", ""))
  end
  add("arp_timeout", "%g s", plan.arp_timeout_ms / 1000)
  add("drain", "%g s", plan.drain_s)
  return table.concat(L, "\n") .. "\n"
end

local function lat(t)
  return ("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s"):format(us(t.p50), us(t.p90), us(t.p99),
    us(t.p999), us(t.max), us(t.mean))
end

local function failures_text(f)
  local t = {}
  for _, k in ipairs(getmetatable(f) and getmetatable(f).order or {}) do
    t[#t + 1] = ("%s %s"):format(k, count(f[k]))
  end
  -- Keys added without an order (phases sum both roles): sorted.
  local rest = {}
  for k in pairs(f) do
    local seen = false
    for _, o in ipairs(getmetatable(f) and getmetatable(f).order or {}) do seen = seen or o == k end
    if not seen then rest[#rest + 1] = k end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do t[#t + 1] = ("%s %s"):format(k, count(f[k])) end
  return table.concat(t, "  ")
end

function M.text(r)
  local L = {}
  local function add(k, fmt, ...) L[#L + 1] = ("%-12s %s"):format(k, fmt:format(...)) end
  local c, s, t = r.client, r.server, r.tcp
  add("scenario", "%s, %s on %s, %d core%s%s", r.scenario, units.seconds(r.duration_s),
    table.concat(r.port.specs or { r.port.spec }, " + "), r.cores,
    r.cores > 1 and "s" or "", r.interrupted and " (interrupted)" or r.stopped and " (stopped by the hook)" or "")
  -- A role that is off has only zeros: leave its lines out.
  local roles = r.plan and r.plan.roles or "client and server"
  local client_on, server_on = roles ~= "server only", roles ~= "client only"
  if client_on then
    add("client", "attempted %s  completed %s  failed %s  cps %s  requests %s  tx %s  rx %s", count(c.attempted),
      count(c.completed), count(c.failed), rate(c.cps), count(c.requests or 0), units.bytes(c.bytes_tx),
      units.bytes(c.bytes_rx))
    if next(c.failures or {}) then add("  failures", "%s", failures_text(c.failures)) end
  end
  if c.http and c.http.status_2xx + c.http.other > 0 then
    add("http", "status 2xx %s  other %s", count(c.http.status_2xx), count(c.http.other))
  end
  if server_on then
    add("server", "accepted %s  completed %s  failed %s  requests %s  tx %s  rx %s", count(s.accepted),
      count(s.completed), count(s.failed), count(s.requests or 0), units.bytes(s.bytes_tx), units.bytes(s.bytes_rx))
    if next(s.failures or {}) then add("  failures", "%s", failures_text(s.failures)) end
  end
  add("tcp", "retransmits %s  rst rx %s tx %s  drops checksum %s header %s no-conn %s  timeouts %s",
    count(t.retransmits), count(t.rst_rx), count(t.rst_tx), count(t.drops_bad_checksum),
    count(t.drops_bad_header), count(t.drops_no_connection), count(t.timeouts))
  if client_on then
    add("connect", "%s", lat(c.latency_us.connect))
    add("transaction", "%s", lat(c.latency_us.transaction))
  end
  if #(r.templates or {}) > 1 then
    for _, g in ipairs(r.templates) do
      add("template", "%-10s attempted %s  completed %s  failed %s  cps %s  txn p99 %s%s", g.name,
        count(g.attempted), count(g.completed), count(g.failed), rate(g.cps), g.latency_us.transaction.count > 0 and us(g.latency_us.transaction.p99) or "-",
        next(g.failures) and "  failures: " .. failures_text(g.failures) or "")
    end
  end
  if #(r.listeners or {}) > 1 then
    for _, g in ipairs(r.listeners) do
      add("listener", "%-10s %s  accepted %s  completed %s  failed %s  requests %s%s", g.name, g.ip or "",
        count(g.accepted), count(g.completed), count(g.failed), count(g.requests),
        next(g.failures) and "  failures: " .. failures_text(g.failures) or "")
    end
  end
  for _, name in ipairs(getmetatable(r.steps or {}) and getmetatable(r.steps).order or {}) do
    add("step", "%-10s %s", name, lat(r.steps[name]))
  end
  for _, ph in ipairs(r.phases) do
    local cps = ph.cps_asked and ("asked %s cps  achieved %s cps"):format(rate(ph.cps_asked), rate(ph.cps))
      or ("cps %s"):format(rate(ph.cps))
    local line = ("%-10s %6s  %s"):format(ph.name, units.seconds(ph.duration_s), cps)
    if client_on then
      line = line .. ("  client attempted %s completed %s failed %s"):format(count(ph.client.attempted),
        count(ph.client.completed), count(ph.client.failed))
    end
    if server_on then
      line = line .. ("  server completed %s failed %s"):format(count(ph.server.completed), count(ph.server.failed))
    end
    if client_on and ph.latency_us and ph.latency_us.transaction.count > 0 then
      line = line .. ("  txn p99 %s"):format(us(ph.latency_us.transaction.p99))
    end
    if (ph.lag_us or 0) > 0 then line = line .. ("  lag %s"):format(us(ph.lag_us)) end
    if next(ph.failures or {}) then line = line .. "  failures: " .. failures_text(ph.failures) end
    add("phase", "%s", line)
  end
  local dr = r.drain
  if dr and dr.client.completed + dr.client.failed + dr.server.completed + dr.server.failed > 0 then
    local line = ""
    if client_on then
      line = ("client completed %s failed %s"):format(count(dr.client.completed), count(dr.client.failed))
    end
    if server_on then
      line = line .. (line ~= "" and "  " or "") .. ("server completed %s failed %s"):format(
        count(dr.server.completed), count(dr.server.failed))
    end
    if next(dr.failures) then line = line .. "  failures: " .. failures_text(dr.failures) end
    add("drain", "%s", line)
  end
  -- Several workers: how the load fell on each (its share of the
  -- connections and packets), where it ran, and what steering moved.
  local ws = r.workers or {}
  if #ws > 1 then
    local st = r.steering or {}
    add("steering", "%s  redirected %s  redirect drops %s  not owner %s", st.mode or "?",
      count(st.redirected or 0), count(st.redirect_drops or 0), count(st.not_owner or 0))
    local tot = { c = 0, s = 0, p = 0 }
    for _, w in ipairs(ws) do
      tot.c, tot.s = tot.c + w.client.completed, tot.s + w.server.completed
      tot.p = tot.p + w.pkts_rx + w.pkts_tx
    end
    local function share(x, all) return all > 0 and ("%.0f%%"):format(100 * x / all) or "-" end
    for _, w in ipairs(ws) do
      local line = ("%d  CPU %d%s  queue %d"):format(w.index, w.cpu,
        w.socket >= 0 and (" (socket %d)"):format(w.socket) or "", w.queue)
      if client_on then
        line = line .. ("  client completed %s (%s)"):format(count(w.client.completed), share(w.client.completed, tot.c))
      end
      if server_on then
        line = line .. ("  server completed %s (%s)"):format(count(w.server.completed), share(w.server.completed, tot.s))
      end
      line = line .. ("  packets %s (%s)  redirected %s"):format(count(w.pkts_rx + w.pkts_tx),
        share(w.pkts_rx + w.pkts_tx, tot.p), count(w.redirected))
      add("worker", "%s", line)
    end
  end
  add("port", "packets tx %s  rx %s", count(r.port.packets_tx), count(r.port.packets_rx))
  for _, dev in ipairs(#r.port.devices > 1 and r.port.devices or {}) do
    add("", "%s: packets tx %s  rx %s  missed %s  errors rx %s tx %s", dev.name, count(dev.opackets),
      count(dev.ipackets), count(dev.imissed), count(dev.ierrors), count(dev.oerrors))
  end
  -- Every other counter (ARP, drops, ...), a few to a line.
  local names, line = {}, {}
  for k in pairs(r.extra or {}) do
    if not k:match("^http_") then names[#names + 1] = k end
  end
  table.sort(names)
  local label = "other"
  for i, k in ipairs(names) do
    line[#line + 1] = ("%s %s"):format(k, count(r.extra[k]))
    if #line == 5 or i == #names then
      add(label, "%s", table.concat(line, "  "))
      line, label = {}, ""
    end
  end
  if r.records then
    local rc = r.records
    add("records", "%s written to %s  dropped %s  sample 1 in %d  cap %s", count(rc.written), rc.file,
      count(rc.dropped), rc.sample, rc.cap > 0 and count(rc.cap) or "none")
  end
  for _, w in ipairs(r.warnings or {}) do add("warning", "%s", w) end
  -- The verdict last: each missed criterion on its own line.
  local v = r.verdict or { pass = true, criteria = {} }
  local missed = {}
  for _, e in ipairs(v.criteria) do
    if not e.ok then missed[#missed + 1] = e end
  end
  if v.pass then
    add("result", "PASS (%d criteria met)", #v.criteria)
  else
    add("result", "FAIL: %d of %d criteria missed", #missed, #v.criteria)
    for _, e in ipairs(missed) do L[#L + 1] = "FAIL: " .. verdict.describe(e) end
  end
  return table.concat(L, "\n") .. "\n"
end

-- The saturation mark: the model's judgement of the second
-- (report.saturated, the final warning's rule).
local function saturated(sec) return sec.saturated == true end

local function active_text(sec)
  if sec.client_active and sec.server_active then
    return ("client %d server %d"):format(sec.client_active, sec.server_active)
  end
  return ("%d"):format(sec.client_active or sec.server_active or sec.active)
end

-- "[  3s] steady   cps 201345  active 123  completed 603012  failed 0  12.3 Mbit/s";
-- with both roles running, "active client 12 server 12".
function M.live(t, phase, sec, mbit)
  local sat = saturated(sec) and ("  SATURATED: asked %d cps, lag %s"):format(sec.cps_asked, us(sec.lag_us)) or ""
  return ("[%3ds] %-8s cps %d  active %s  completed %d  failed %d  %.1f Mbit/s%s"):format(
    t, phase, sec.cps, active_text(sec), sec.completed, sec.failed, mbit, sat)
end

M.DISPLAY_LINES = 6
local BAR = 30

-- The terminal display (M.DISPLAY_LINES lines, each short enough for an
-- 80-column terminal): sec is the model's per_second entry, total_s the
-- phases' length, phases the plan's phase names in order.
function M.display(sec, total_s, phases)
  -- The model's index (from 0; the drain's is the number of phases).
  local idx = sec.phase_index and sec.phase_index < #phases and sec.phase_index + 1 or 0
  local f = total_s > 0 and math.min(sec.t / total_s, 1) or 1
  local fill = math.floor(f * BAR + 0.5)
  local where = idx > 0 and ("%s (%d/%d)"):format(sec.phase, idx, #phases) or sec.phase
  local L = {}
  L[1] = ("phase    %-22s [%s%s] %5.1f / %.0f s"):format(where, ("#"):rep(fill), ("."):rep(BAR - fill),
    math.min(sec.t, total_s), total_s)
  L[2] = sec.cps_asked and ("cps      asked %s  achieved %s"):format(rate(sec.cps_asked), rate(sec.cps))
    or ("cps      achieved %s"):format(rate(sec.cps))
  L[3] = ("active   %s   completed %s"):format(active_text(sec), count(sec.completed))
  local now, parts, keys = 0, {}, {}
  for k, v in pairs(sec.failures or {}) do now = now + v; keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return sec.failures[a] > sec.failures[b] or sec.failures[a] == sec.failures[b] and a < b end)
  for i = 1, math.min(#keys, 3) do parts[i] = ("%s %d"):format(keys[i], sec.failures[keys[i]]) end
  if #keys > 3 then parts[4] = "..." end
  L[4] = ("failed   %d this second%s, %d in all"):format(now,
    #parts > 0 and " (" .. table.concat(parts, ", ") .. ")" or "", sec.failed)
  local p99 = sec.latency_us and sec.latency_us.connect and sec.latency_us.connect.p99
  L[5] = ("traffic  %.1f Mbit/s   connect p99 %s (last second)"):format(sec.mbps or 0,
    p99 and p99 > 0 and us(p99) or "-")
  L[6] = saturated(sec) and ("SATURATED: asked %s cps, opened %s; openings %s behind schedule")
    :format(rate(sec.cps_asked), rate(sec.opened or sec.cps), us(sec.lag_us)) or ""
  return L
end

function M.selftest()
  local l = M.live(3, "steady", { cps = 5, active = 1, completed = 15, failed = 0 }, 1.5)
  assert(l == "[  3s] steady   cps 5  active 1  completed 15  failed 0  1.5 Mbit/s", l)
  l = M.live(3, "steady", { cps = 5, client_active = 1, server_active = 2, completed = 15, failed = 0 }, 1.5)
  assert(l:match("active client 1 server 2  completed"), l)
  l = M.live(3, "main", { cps = 500000, active = 1, completed = 15, failed = 0, cps_asked = 3000000,
    lag_us = 2000000, saturated = true }, 1.5)
  assert(l:match("SATURATED: asked 3000000 cps, lag "), l)
  l = M.live(3, "main", { cps = 19990, active = 1, completed = 15, failed = 0, cps_asked = 20000,
    lag_us = 12000 }, 1.5)
  assert(not l:match("SATURATED"), l)
  local sec = { t = 12, phase = "steady", phase_index = 1, cps = 500000, cps_asked = 3000000, lag_us = 2000000, saturated = true, active = 3,
    client_active = 2, server_active = 1, completed = 1500, failed = 7, failures = { reset = 2, refused = 5 },
    mbps = 12.34, latency_us = { connect = { p50 = 10, p90 = 20, p99 = 1500 } } }
  local D = M.display(sec, 30, { "ramp", "steady" })
  assert(#D == M.DISPLAY_LINES)
  assert(D[1]:match("^phase    steady %(2/2%) +%[############..................%]  12.0 / 30 s$"), D[1])
  assert(D[2] == "cps      asked 3000000  achieved 500000", D[2])
  assert(D[3]:match("active   client 2 server 1"), D[3])
  assert(D[4] == "failed   7 this second (refused 5, reset 2), 7 in all", D[4])
  assert(D[5]:match("^traffic  12%.3 Mbit/s   connect p99 1%.50? ms"), D[5])
  assert(D[6]:match("^SATURATED: asked "), D[6])
  for _, l in ipairs(D) do assert(#l <= 80, l) end
  sec.cps, sec.failures, sec.latency_us, sec.saturated = 3000000, {}, nil, nil
  D = M.display(sec, 30, { "ramp", "steady" })
  assert(D[6] == "" and D[4] == "failed   0 this second, 7 in all" and D[5]:match("p99 %- "), D[4] .. D[5])
end

return M
