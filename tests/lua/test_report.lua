-- The results model, its JSON and its text from a synthetic snapshot.
--   teng --lua tests/lua/test_report.lua
--   (or plain luajit: LUA_PATH="lua/?.lua;lua/?/init.lua;build/lua/?.lua;;" luajit tests/lua/test_report.lua)
local ffi = require "ffi"
require "teng.cdef"
local report = require "teng.report"
local json = require "teng.json"
local ports = require "teng.ports"
local C = ffi.C

local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "tests/lua"
local hist = dofile(dir .. "/hist_lua.lua")
local record, percentile, which = hist.use_c_or_lua()
report.hist_percentile = percentile

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

-- A plan by hand: two phases, two templates, one listener, one step.
local function make_plan()
  local plan = ffi.new("struct teng_plan")
  plan.name, plan.source = "synthetic", "tests/synthetic.lua"
  plan.nports, plan.port[0].spec = 1, "loopback"
  plan.cores, plan.nphases, plan.max_open = 1, 2, 20000
  plan.phases[0].name, plan.phases[0].duration_s, plan.phases[0].kind = "ramp", 2, C.TENG_RATE_RAMP
  plan.phases[1].name, plan.phases[1].duration_s, plan.phases[1].kind = "steady", 10, C.TENG_RATE_CPS
  plan.core[0].sched[0].cps_from, plan.core[0].sched[0].cps_to = 0, 1000
  plan.core[0].sched[1].cps_from, plan.core[0].sched[1].cps_to = 1000, 1000
  plan.ntemplates, plan.nlisteners, plan.nsteps = 2, 1, 1
  plan.templates[0].name, plan.templates[1].name = "get", "set"
  plan.listeners[0].name, plan.listeners[0].ip, plan.listeners[0].port = "web", 0xc6120101, 80
  plan.step_names[0] = "login"
  plan.reason_names[C.TENG_REASON_MISMATCH] = "mismatch"
  return plan
end

local REASONS = { "none", "refused", "reset", "idle_timeout", "retries", "recv_timeout", "peer_closed",
  "mismatch", "http_status", "framing", "echo_overflow", "no_buffer", "aborted", "handshake", "resp_error" }
REASONS[16] = "keepalive"
REASONS[17] = "bad_key"

local function make_d(criteria)
  return { client = true, server = true, reasons = REASONS,
    templates = { { name = "get", weight = 9 }, { name = "set", weight = 1 } },
    listeners = { { name = "web", ip = "198.18.1.1:80" } }, steps = { "login" },
    tx_per_conn = { client = 10, server = 20 },
    programs = { client = { { name = "send 10 B" } }, server = { { name = "recv 10 B" } } },
    ports = { assert(ports.parse("loopback")) }, criteria = criteria,
    phases = { { name = "ramp", kind = C.TENG_RATE_RAMP, from = 0, to = 1000 },
      { name = "steady", kind = C.TENG_RATE_CPS, from = 1000, to = 1000 } } }
end

local function fill(snap)
  local t, p1 = snap.total, snap.phase_counters[1]
  t.c_attempted, t.c_completed, t.c_failed = 6000, 5990, 3
  t.requests, t.s_requests = 5990, 5990
  t.s_accepted, t.s_completed, t.s_failed = 5993, 5993, 0
  t.c_bytes_tx, t.c_bytes_rx, t.s_bytes_tx, t.s_bytes_rx = 59930, 119860, 119860, 59930
  t.c_fail[C.TENG_REASON_MISMATCH], t.c_fail[C.TENG_REASON_USER] = 2, 1
  t.sched_lag_us, t.no_tcb = 3145730, 0
  snap.phase_counters[0].c_attempted, snap.phase_counters[0].c_completed = 1000, 1000
  snap.phase_counters[0].s_completed = 1000
  p1.c_attempted, p1.c_completed, p1.c_failed, p1.s_completed = 5000, 4990, 3, 4993
  p1.c_fail[C.TENG_REASON_MISMATCH], p1.c_fail[C.TENG_REASON_USER] = 2, 1
  p1.sched_lag_us = 3145730
  local g0, g1 = snap.group_counters[0], snap.group_counters[1]
  g0.c_attempted, g0.c_completed, g0.c_failed, g0.c_fail[C.TENG_REASON_MISMATCH] = 5400, 5398, 2, 2
  g1.c_attempted, g1.c_completed, g1.c_failed, g1.c_fail[C.TENG_REASON_USER] = 600, 592, 1, 1
  local l0 = snap.group_counters[C.TENG_MAX_TEMPLATES]
  l0.s_accepted, l0.s_completed, l0.s_requests = 5993, 5993, 5993
  for i = 1, 1000 do
    record(snap.lat_connect, 100 + i)     -- 101 .. 1100 us
    record(snap.lat_txn, 3000 + 10 * i)   -- 3.01 .. 13 ms
    record(snap.phase_connect[1], 7000 + i)
    record(snap.phase_txn[1], 9000 + i)
    record(snap.group_txn[0], 2000 + i)
    record(snap.group_txn[C.TENG_MAX_TEMPLATES], 50 + i)
    record(snap.step[0], 500 + i)
  end
  record(snap.lat_txn, 3145730) -- one slow transaction: 3.15 s
  local dr = snap.phase_counters[2] -- the drain of the two-phase plan
  dr.c_completed, dr.s_completed, dr.c_failed, dr.c_fail[C.TENG_REASON_ABORTED] = 0, 0, 0, 0
  snap.ndevs = 0
end

local function near(a, b, rel) return math.abs(a - b) <= rel * math.abs(b) end

local plan = make_plan()
local snap = ffi.new("struct teng_snapshot")
fill(snap)
local crit = { list = {
  { kind = "max_latency", label = "max_latency.connect.p99", phase = 2, metric = "connect", pct = 99, limit = 5000 },
  { kind = "max_latency", label = "max_latency.login.p95", metric = "login", pct = 95, limit = 10000 },
  { kind = "min_cps", label = "min_cps", limit = 100 },
} }
local d = make_d(crit)
local per_second = { { t = 1, phase = "ramp", cps = 250, active = 4, client_active = 2, server_active = 2,
  completed = 250, failed = 0 } }
local r = report.result(plan, d, snap, { started_at = "2026-12-01T10:00:00Z", run_s = 12, per_second = per_second })

-- The model ----------------------------------------------------------------
check(r.schema_version == 3 and r.scenario == "synthetic" and r.duration_s == 12, "header")
check(r.client.completed == 5990 and r.client.requests == 5990 and r.server.requests == 5990, "counts, requests")
check(near(r.client.cps, 5990 / 12, 1e-9), "client.cps")
check(r.client.failures.mismatch == 2 and r.client.failures.bad_key == 1, "client.failures by name")
check(r.client.failures.none == nil and next(r.server.failures) == nil, "only non-zero reasons")
check(r.client.lag_us == 3145730, "client.lag_us")
local cl = r.client.latency_us.connect
check(near(cl.p50, 600, 0.01) and near(cl.p99, 1090, 0.01) and cl.max == 1100, "connect percentiles " .. cl.p50)
check(near(cl.mean, 600.5, 1e-9) and cl.count == 1000, "connect mean from sum/total")
check(r.client.latency_us.transaction.max == 3145730, "transaction max")
check(#r.templates == 2 and r.templates[1].name == "get" and r.templates[1].weight == 9, "templates")
check(r.templates[1].attempted == 5400 and r.templates[1].failed == 2 and r.templates[1].failures.mismatch == 2,
  "template counts")
check(r.templates[2].failures.bad_key == 1 and r.templates[2].failures.mismatch == nil, "template 2 failures")
check(near(r.templates[1].latency_us.transaction.p50, 2500, 0.01), "template latency from group_txn[0]")
check(r.templates[1].latency_us.connect.count == 0 and r.templates[1].latency_us.connect.p99 == 0, "empty hist")
check(#r.listeners == 1 and r.listeners[1].name == "web" and r.listeners[1].ip == "198.18.1.1:80", "listeners")
check(r.listeners[1].accepted == 5993 and r.listeners[1].requests == 5993, "listener counts")
check(near(r.listeners[1].latency_us.transaction.p50, 550, 0.01), "listener latency at TENG_MAX_TEMPLATES")
check(r.steps.login and near(r.steps.login.p50, 1000, 0.01), "steps by name")
check(r.steps.login.p95 and near(r.steps.login.p95, 1450, 0.01), "p95 added for a criterion")
local ramp, steady = r.phases[1], r.phases[2]
check(ramp.cps_asked == 500 and steady.cps_asked == 1000, "cps_asked (a ramp: its mean)")
check(near(steady.cps, 499, 1e-9) and ramp.cps == 500, "phase cps achieved")
check(steady.lag_us == 3145730 and ramp.lag_us == 0, "phase lag_us")
check(steady.failures.mismatch == 2 and steady.failures.bad_key == 1, "phase failures")
check(steady.client.failures.mismatch == 2, "phase client failures")
check(near(steady.latency_us.connect.p99, 7990, 0.01), "phase latency")
check(#r.warnings == 1 and r.warnings[1]:match("^generator saturated in phase steady: asked 1000 cps, achieved 500"),
  "saturation warning: " .. tostring(r.warnings[1]))
check(r.per_second[1].client_active == 2, "per_second")
-- The rule: 10 ms behind with under 90% opened, or (a phase) 100 ms behind at all.
check(report.saturated(1000, 800, 20000) and not report.saturated(1000, 800, 5000), "saturated: 80% opened")
check(not report.saturated(1000, 950, 20000, true) and report.saturated(1000, 950, 200000, true),
  "saturated phase: 95% opened, 20 ms or 200 ms behind")
check(not report.saturated(1000, 950, 200000), "a second at 95% opened, the phase's lag 200 ms: not saturated")
check(not report.saturated(1000, 1000, 0) and not report.saturated(nil, 10, 500000), "saturated: on schedule, no rate")

check(r.drain and r.drain.client.completed == 0 and next(r.drain.failures) == nil, "drain: nothing")
check(not report.text(r):find("\ndrain "), "no drain line when nothing happened in it")
do
  local sd = ffi.new("struct teng_snapshot")
  fill(sd)
  local dr = sd.phase_counters[2]
  dr.c_completed, dr.c_failed, dr.c_fail[C.TENG_REASON_ABORTED] = 7, 2, 2
  local rd = report.result(plan, d, sd, { started_at = "x", run_s = 12 })
  check(rd.drain.client.completed == 7 and rd.drain.failures.aborted == 2, "drain counters")
  check(report.text(rd):find("\ndrain +client completed 7 failed 2  server completed 0 failed 0  failures: aborted 2\n"),
    "drain line:\n" .. report.text(rd))
end

-- The neighbour table's counters: in extra, and a warning for a conflict
-- (a forged ARP refused), a change learned, unanswered probes.
do
  check(r.extra.arp_conflicts == 0 and r.extra.arp_probes == 0, "arp counters in extra")
  check(not report.text(r):find("ARP conflict"), "no ARP warning without a conflict")
  local sa = ffi.new("struct teng_snapshot")
  fill(sa)
  sa.total.arp_conflicts, sa.total.arp_changes, sa.total.arp_unanswered = 4, 1, 2
  local ra = report.result(plan, d, sa, { started_at = "x", run_s = 12 })
  local found = {}
  for _, w in ipairs(ra.warnings) do
    if w:match("^ARP conflict: 4 ARP frames claimed the next hop's address") then found.conflict = true end
    if w:match("MAC changed 1 times") then found.change = true end
    if w:match("2 rounds of ARP probes were unanswered") then found.unanswered = true end
  end
  check(found.conflict and found.change and found.unanswered, "ARP warnings: " .. table.concat(ra.warnings, " | "))
  check(ra.extra.arp_conflicts == 4, "arp_conflicts in the JSON's extra")
  check(report.text(ra):find("\nwarning +ARP conflict: 4 ARP frames"), "ARP conflict in the text report")
end

-- The verdict in the model
local v = r.verdict
check(v.pass == false, "verdict fails")
local by = {}
for _, e in ipairs(v.criteria) do by[e.label .. "/" .. (e.role or "")] = e end
check(by["max_latency.connect.p99/"] and not by["max_latency.connect.p99/"].ok
  and by["max_latency.connect.p99/"].phase == "steady", "phase latency criterion missed")
check(by["max_latency.login.p95/"].ok and by["min_cps/"].ok, "met criteria")
check(by["completed/client"].ok and by["completed/server"].ok, "roles completed")
check(by["failed/client"] == nil, "no default criteria when criteria are given")

-- JSON ----------------------------------------------------------------------
local doc = json.encode(r, "  ")
for _, k in ipairs { "scenario", "started_at", "duration_s", "cores", "port", "client", "server", "tcp",
  "phases", "per_second", "templates", "listeners", "steps", "warnings", "verdict", "schema_version", "drain" } do
  check(doc:find('\n  "' .. k .. '": ', 1, true), "JSON top-level key " .. k)
end
for _, k in ipairs { "attempted", "completed", "failed", "cps", "bytes_tx", "bytes_rx", "latency_us",
  "failures", "requests" } do
  check(doc:find('\n    "' .. k .. '": ', 1, true), "JSON client." .. k)
end
for _, k in ipairs { "p50", "p90", "p99", "p999", "max", "mean" } do
  check(doc:find('"' .. k .. '": ', 1, true), "JSON latency " .. k)
end
for _, k in ipairs { "cps_asked", "lag_us", "label", "measured", "limit", "ok", "pass" } do
  check(doc:find('"' .. k .. '": ', 1, true), "JSON key " .. k)
end
check(not doc:find("e%+%d"), "JSON without exponents")
check(doc:find('"failures": {}', 1, true), "empty failures are an object")

-- Text ----------------------------------------------------------------------
local text = report.text(r)
check(not text:find("%d[eE][+-]%d"), "text without exponents:\n" .. text)
check(text:find("max 3.15 s", 1, true), "a 3.15 s max in seconds")
check(text:find("\nconnect +p50 6%d%d µs"), "connect in µs")
check(text:find("\n  failures +mismatch 2  bad_key 1\n"), "client failures by reason")
check(text:find("\ntemplate +get "), "a line per template")
check(not text:find("\nlistener"), "no listener line with one listener")
check(text:find("\nstep +login +p50 1.00 ms"), "step line")
check(text:find("\nphase +steady +10.0 s  asked 1000 cps  achieved 499 cps"), "phase line with asked and achieved")
check(text:find("\nwarning +generator saturated in phase steady"), "warning line")
local last = text:match("([^\n]*)\n$")
check(last:match("^FAIL: max_latency.connect.p99 %(phase steady%): 7.9%d ms > 5 ms$"), "last line: " .. last)
check(text:find("\nresult +FAIL: 1 of 5 criteria missed\n"), "result line")

-- Default criteria, a met run: PASS -------------------------------------------
local snap2 = ffi.new("struct teng_snapshot")
fill(snap2)
for _, c in ipairs { snap2.total, snap2.phase_counters[1] } do
  c.c_failed, c.c_fail[C.TENG_REASON_MISMATCH], c.c_fail[C.TENG_REASON_USER] = 0, 0, 0
end
local r2 = report.result(plan, make_d(nil), snap2, { started_at = "x", run_s = 12, per_second = {} })
check(r2.verdict.pass, "default criteria met")
check(report.text(r2):match("\nresult +PASS %(4 criteria met%)\n$"), "PASS last:\n" .. report.text(r2))
-- The same with a failed connection: the default criterion names it.
snap2.total.c_failed, snap2.total.c_fail[C.TENG_REASON_RESET] = 1, 1
local r3 = report.result(plan, make_d({ default = true, list = {} }), snap2, { started_at = "x", run_s = 12 })
check(not r3.verdict.pass and report.text(r3):match("\nFAIL: failed %(client, run%): 1 > 0\n$"),
  "default criterion failed:\n" .. report.text(r3))

-- Server only, nothing accepted: FAIL -------------------------------------------
local d4 = make_d(nil)
d4.client = false
local r4 = report.result(plan, d4, ffi.new("struct teng_snapshot"), { started_at = "x", run_s = 1 })
local t4 = report.text(r4)
check(not r4.verdict.pass and #r4.templates == 0, "server-only: no templates, fails")
check(t4:match("\nFAIL: completed %(server, run%): 0 < 1 %(the server ran and completed no connection%)\n$"), t4)
check(not t4:find("\nclient "), "server-only: no client line")
-- A server-only run that completed connections: its phases and seconds
-- count the server's completions, and ask for no rate.
local snap5 = ffi.new("struct teng_snapshot")
snap5.total.s_accepted, snap5.total.s_completed = 5000, 5000
snap5.phase_counters[1].s_accepted, snap5.phase_counters[1].s_completed = 4000, 4000
local r5 = report.result(plan, d4, snap5, { started_at = "x", run_s = 12, per_second = {} })
check(r5.phases[2].cps == 400 and r5.phases[2].cps_asked == nil, "server-only phase cps " .. r5.phases[2].cps)
local t5 = report.text(r5)
check(t5:find("\nphase +steady +10.0 s  cps 400  server completed 4000 failed 0"), t5)
check(not t5:find("asked"), "server-only: nothing asked")
local sec5 = report.second(plan, d4, snap5, 3, {})
check(sec5.cps == 5000 and sec5.cps_asked == nil and sec5.opened == nil, "server-only second cps " .. sec5.cps)
check(report.view(plan, d4, snap5, sec5).client.cps == 0, "server-only view: the client opened nothing")

-- --check summary ---------------------------------------------------------------
local sum = report.summary(plan, d)
check(sum:find("\ntemplate 1 +get +weight 9"), "summary templates:\n" .. sum)
check(sum:find("\nlistener 1 +web +198.18.1.1:80"), "summary listeners")
check(sum:find("\nstep 1 +login"), "summary steps")
check(sum:find("\ncriterion +max_latency.connect.p99 <= 5 ms %(phase steady%)"), "summary criteria")
check(sum:find("\nresponse_bytes +20\n"), "summary response_bytes")
check(sum:find("\nphase 1 +ramp +2 s  cps 0 %-> 1000"), "summary phases")

print(("test_report: %d checks, %d failed (histogram: %s)"):format(checks, failures, which))
if failures > 0 then os.exit(1) end
return 0
