-- Results: the JSON document, the final report, the live line and the
-- --check summary, all from a struct teng_snapshot and the plan.
local ffi = require "ffi"
local json = require "teng.json"
local check = require "teng.check"
local ports = require "teng.ports"
local cdef = require "teng.cdef"
local C = ffi.C

local M = {}
local obj, arr = json.object, json.array
local n = tonumber

local function client(c)
  return obj({ "attempted", "completed", "failed", "bytes_tx", "bytes_rx" }, {
    attempted = n(c.c_attempted), completed = n(c.c_completed), failed = n(c.c_failed),
    bytes_tx = n(c.c_bytes_tx), bytes_rx = n(c.c_bytes_rx) })
end

local function server(c)
  return obj({ "accepted", "completed", "failed", "bytes_tx", "bytes_rx" }, {
    accepted = n(c.s_accepted), completed = n(c.s_completed), failed = n(c.s_failed),
    bytes_tx = n(c.s_bytes_tx), bytes_rx = n(c.s_bytes_rx) })
end

local TCP = { "retransmits", "rst_rx", "rst_tx", "drops_bad_checksum", "drops_bad_header",
  "drops_no_connection", "timeouts" }
local REPORTED = { c_attempted = 1, c_completed = 1, c_failed = 1, c_bytes_tx = 1, c_bytes_rx = 1,
  s_accepted = 1, s_completed = 1, s_failed = 1, s_bytes_tx = 1, s_bytes_rx = 1 }
for _, k in ipairs(TCP) do REPORTED[k] = 1 end

local function latency(h)
  local P = { p50 = 50, p90 = 90, p99 = 99, p999 = 99.9 }
  local t = { max = n(h.max) }
  for k, p in pairs(P) do t[k] = C.teng_hist_percentile(h, p) end
  return obj({ "p50", "p90", "p99", "p999", "max" }, t)
end

function M.phase_kind(kind)
  return ({ [C.TENG_RATE_CPS] = "cps", [C.TENG_RATE_RAMP] = "ramp", [C.TENG_RATE_MAX] = "max",
    [C.TENG_RATE_CONCURRENCY] = "concurrency" })[kind] or "?"
end

-- run: { started_at, run_s (phases actually run), interrupted, per_second,
-- source }; d: the compiler's description of the scenario.
function M.result(plan, d, snap, run)
  local tot = snap.total
  local r = obj({ "scenario", "started_at", "duration_s", "cores", "port", "client", "server",
    "tcp", "phases", "per_second", "extra", "plan" }, {
    scenario = ffi.string(plan.name),
    started_at = run.started_at,
    duration_s = run.run_s,
    elapsed_s = n(snap.elapsed_s),
    interrupted = run.interrupted or false,
    source = ffi.string(plan.source),
    cores = n(plan.cores),
    client = client(tot),
    server = server(tot),
    tcp = obj(TCP, {}),
    phases = arr(),
    per_second = arr(),
    extra = {},
  })
  r.client.cps = run.run_s > 0 and r.client.completed / run.run_s or 0
  r.client.http = obj({ "status_2xx", "other" }, { status_2xx = n(tot.http_2xx), other = n(tot.http_other) })
  r.client.latency_us = obj({ "connect", "transaction" },
    { connect = latency(snap.lat_connect), transaction = latency(snap.lat_txn) })
  for _, k in ipairs(TCP) do r.tcp[k] = n(tot[k]) end
  for _, k in ipairs(cdef.fields.teng_counters) do
    if not REPORTED[k] then r.extra[k] = n(tot[k]) end
  end
  r.extra.c_active, r.extra.s_active = n(snap.c_active), n(snap.s_active)

  local start = 0
  for i = 0, plan.nphases - 1 do
    local ph, pc = plan.phases[i], snap.phase_counters[i]
    local ran = math.max(0, math.min(ph.duration_s, run.run_s - start))
    start = start + ph.duration_s
    r.phases[i + 1] = obj({ "name", "duration_s", "client", "server" }, {
      name = ffi.string(ph.name), duration_s = ran, kind = M.phase_kind(ph.kind),
      client = client(pc), server = server(pc) })
  end
  for i, s in ipairs(run.per_second or {}) do
    r.per_second[i] = obj({ "t", "cps", "active", "completed", "failed" }, s)
  end

  local specs = arr()
  for i = 0, plan.nports - 1 do specs[i + 1] = ffi.string(plan.port[i].spec) end
  local port = obj({ "spec", "specs", "packets_tx", "packets_rx", "devices" },
    { spec = specs[1] or "", specs = specs, packets_tx = 0, packets_rx = 0, devices = arr() })
  for i = 0, snap.ndevs - 1 do
    local v = snap.dev[i]
    local dev = obj({ "name", "ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors" },
      { name = ffi.string(v.name) })
    for _, k in ipairs { "ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors" } do
      dev[k] = n(v[k])
    end
    port.devices[i + 1] = dev
    port.packets_tx, port.packets_rx = port.packets_tx + dev.opackets, port.packets_rx + dev.ipackets
  end
  r.port = port
  r.plan = M.plan_info(plan, d)
  return r
end

-- What the compiler made of the scenario, for --check and the JSON. A
-- role that is off has no program; its keys are left out.
function M.plan_info(plan, d)
  local function prog(role)
    if not d[role] then return nil end
    local ops = arr()
    for i, op in ipairs(d.programs[role]) do ops[i] = op.name end
    return ops
  end
  local ip = check.ip_string
  local roles = d.client and d.server and "client and server" or d.client and "client only" or "server only"
  local info = obj({ "roles", "ports", "client_range", "tuples", "destination", "server", "client_program",
    "server_program", "client_tx_per_conn", "server_tx_per_conn" }, {
    roles = roles, ports = arr(),
    client_program = prog("client"), server_program = prog("server"),
    client_tx_per_conn = d.tx_per_conn.client, server_tx_per_conn = d.tx_per_conn.server,
  })
  for i, p in ipairs(d.ports) do info.ports[i] = ports.format(p) end
  if d.client then
    info.client_range = ip(d.client_ip_lo) .. "-" .. ip(d.client_ip_hi) .. ":" .. d.client_port_lo
      .. "-" .. d.client_port_hi
    info.tuples = (d.client_ip_hi - d.client_ip_lo + 1) * (d.client_port_hi - d.client_port_lo + 1)
    info.destination = ip(d.dst_ip) .. ":" .. d.dst_port
  end
  if d.server then info.server = ip(d.server_ip) .. ":" .. d.server_port end
  return info
end

local function rate_text(ph, core0)
  local k = ph.kind
  if k == C.TENG_RATE_CPS then return ("cps %g"):format(core0.cps_from) end
  if k == C.TENG_RATE_RAMP then return ("cps %g -> %g"):format(core0.cps_from, core0.cps_to) end
  if k == C.TENG_RATE_MAX then return ("cps max, open <= %d"):format(core0.concurrency) end
  return ("concurrency %d"):format(core0.concurrency)
end

function M.summary(plan, d)
  local info = M.plan_info(plan, d)
  local cores = plan.cores
  local L = {}
  local function add(k, fmt, ...) L[#L + 1] = ("%-15s %s"):format(k, fmt:format(...)) end
  add("scenario", "%s (%s)", ffi.string(plan.name), ffi.string(plan.source))
  local np = #info.ports
  for i, spec in ipairs(info.ports) do
    local role = np == 1 and "" or (i == 1 and "  (client role)" or "  (server role)")
    add(np == 1 and "port" or "port " .. i, "%s%s", spec, role)
  end
  add("cores", "%d", cores)
  add("roles", "%s", info.roles)
  if d.client then
    add("client", "%s (%d tuples)", info.client_range, info.tuples)
    add("destination", "%s", info.destination)
    add("client program", "%s; end", table.concat(info.client_program, "; "))
  end
  if d.server then
    add("server", "listens on %s", info.server)
    add("server program", "%s; end", table.concat(info.server_program, "; "))
  end
  add("bytes per conn", "client sends %s, server sends %s", info.client_tx_per_conn or "-",
    info.server_tx_per_conn or "-")
  add("response_bytes", "%s", info.server_tx_per_conn or "- (the peer answers)")
  for i = 0, plan.nphases - 1 do
    local ph = plan.phases[i]
    local total = { cps_from = 0, cps_to = 0, concurrency = 0 }
    for c = 0, cores - 1 do
      local s = plan.core[c].sched[i]
      total.cps_from, total.cps_to = total.cps_from + s.cps_from, total.cps_to + s.cps_to
      total.concurrency = total.concurrency + s.concurrency
    end
    local rate = d.client and rate_text(ph, total) or "serve"
    add("phase " .. (i + 1), "%-10s %6g s  %s%s", ffi.string(ph.name), ph.duration_s, rate,
      d.client and cores > 1 and "  (per core: " .. rate_text(ph, plan.core[0].sched[i]) .. ")" or "")
  end
  add("limits", "conns %s, max open %d per core", d.conns and tostring(d.conns) or "unlimited", plan.max_open)
  add("tcp", "mss %d, wscale %d, rcv_wnd %d, idle_timeout %g s, time_wait %g s, rto %g s, max_retries %d",
    plan.tcp.mss, plan.tcp.wscale, plan.tcp.rcv_wnd, plan.tcp.idle_timeout_ms / 1000,
    plan.tcp.time_wait_ms / 1000, plan.tcp.rto_ms / 1000, plan.tcp.max_retries)
  add("arp_timeout", "%g s", plan.arp_timeout_ms / 1000)
  add("drain", "%g s", plan.drain_s)
  return table.concat(L, "\n") .. "\n"
end

local function bytes(x)
  if x >= 1e9 then return ("%.2f GB"):format(x / 1e9) end
  if x >= 1e6 then return ("%.2f MB"):format(x / 1e6) end
  if x >= 1e3 then return ("%.1f kB"):format(x / 1e3) end
  return ("%d B"):format(x)
end

local function lat(t)
  return ("p50 %g  p90 %g  p99 %g  p99.9 %g  max %g"):format(t.p50, t.p90, t.p99, t.p999, t.max)
end

function M.text(r)
  local L = {}
  local function add(k, fmt, ...) L[#L + 1] = ("%-12s %s"):format(k, fmt:format(...)) end
  local c, s, t = r.client, r.server, r.tcp
  add("scenario", "%s, %.1f s on %s, %d core%s%s", r.scenario, r.duration_s,
    table.concat(r.port.specs or { r.port.spec }, " + "), r.cores,
    r.cores > 1 and "s" or "", r.interrupted and " (interrupted)" or "")
  -- A role that is off has only zeros: leave its lines out.
  local roles = r.plan and r.plan.roles or "client and server"
  local client_on, server_on = roles ~= "server only", roles ~= "client only"
  if client_on then
    add("client", "attempted %d  completed %d  failed %d  cps %.0f  tx %s  rx %s", c.attempted,
      c.completed, c.failed, c.cps, bytes(c.bytes_tx), bytes(c.bytes_rx))
  end
  if c.http and c.http.status_2xx + c.http.other > 0 then
    add("http", "status 2xx %d  other %d", c.http.status_2xx, c.http.other)
  end
  if server_on then
    add("server", "accepted %d  completed %d  failed %d  tx %s  rx %s", s.accepted, s.completed,
      s.failed, bytes(s.bytes_tx), bytes(s.bytes_rx))
  end
  add("tcp", "retransmits %d  rst rx %d tx %d  drops checksum %d header %d no-conn %d  timeouts %d",
    t.retransmits, t.rst_rx, t.rst_tx, t.drops_bad_checksum, t.drops_bad_header,
    t.drops_no_connection, t.timeouts)
  if client_on then
    add("connect us", "%s", lat(c.latency_us.connect))
    add("txn us", "%s", lat(c.latency_us.transaction))
  end
  for _, ph in ipairs(r.phases) do
    add("phase", "%-10s %5.1f s  client attempted %d completed %d failed %d  server completed %d failed %d",
      ph.name, ph.duration_s, ph.client.attempted, ph.client.completed, ph.client.failed,
      ph.server.completed, ph.server.failed)
  end
  add("port", "packets tx %d  rx %d", r.port.packets_tx, r.port.packets_rx)
  for _, dev in ipairs(#r.port.devices > 1 and r.port.devices or {}) do
    add("", "%s: packets tx %d  rx %d  missed %d  errors rx %d tx %d", dev.name, dev.opackets,
      dev.ipackets, dev.imissed, dev.ierrors, dev.oerrors)
  end
  -- Every other counter (ARP, drops, ...), a few to a line.
  local names, line = {}, {}
  for k in pairs(r.extra or {}) do
    if not k:match("^http_") then names[#names + 1] = k end
  end
  table.sort(names)
  local label = "other"
  for i, k in ipairs(names) do
    line[#line + 1] = ("%s %d"):format(k, r.extra[k])
    if #line == 5 or i == #names then
      add(label, "%s", table.concat(line, "  "))
      line, label = {}, ""
    end
  end
  if c.failed + s.failed == 0 then
    add("result", "PASS")
  else
    add("result", "FAIL: %d client and %d server connections failed", c.failed, s.failed)
  end
  return table.concat(L, "\n") .. "\n"
end

-- "[  3s] steady  cps 201345  active 123  completed 603012  failed 0  12.3 Mbit/s"
function M.live(t, phase, sec, mbit)
  return ("[%3ds] %-8s cps %d  active %d  completed %d  failed %d  %.1f Mbit/s"):format(
    t, phase, sec.cps, sec.active, sec.completed, sec.failed, mbit)
end

function M.selftest()
  assert(bytes(999) == "999 B" and bytes(1500) == "1.5 kB" and bytes(2.5e6) == "2.50 MB")
  local l = M.live(3, "steady", { cps = 5, active = 1, completed = 15, failed = 0 }, 1.5)
  assert(l == "[  3s] steady   cps 5  active 1  completed 15  failed 0  1.5 Mbit/s", l)
  local snap = ffi.new("struct teng_snapshot")
  assert(C.teng_hist_percentile(snap.lat_connect, 50) == 0)
  -- A server-only run on a real port: no client lines.
  local teng, compile = require "teng", require "teng.compile"
  local d = compile.validate(teng.scenario { name = "s", port = "tap:t0,gateway=10.0.0.1",
    server = { ip = "10.0.0.2", port = 80 }, server_program = { teng.recv { bytes = 1 }, teng.close() },
    phases = { { "serve", duration = 1 } } }, nil, {})
  local plan = compile.build(d, { cores = 1 })
  snap.total.s_completed, snap.total.pkts_rx = 3, 1
  local r = M.result(plan, d, snap, { started_at = "x", run_s = 1, per_second = {} })
  assert(r.port.spec == "tap:t0" and #r.port.specs == 1 and r.client.http.status_2xx == 0)
  assert(r.plan.roles == "server only" and r.plan.ports[1] == "tap:t0,gateway=10.0.0.1" and not r.plan.client_range)
  local text = M.text(r)
  assert(not text:match("\nclient ") and text:match("\nserver +accepted 0  completed 3"), text)
  assert(text:match("\nother .*pkts_rx 1  "), text)
  assert(M.summary(plan, d):match("response_bytes +0\n"))
end

return M
