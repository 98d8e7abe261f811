-- The live view (report.view) and its renderers (report_live): /metrics
-- and the telemetry items, from a synthetic snapshot. The text parses with
-- the strict OpenMetrics parser (Debian's python3-prometheus-client) where
-- it is installed; the histogram buckets agree with the recorded values;
-- the view holds the model's totals.
--   teng --lua tests/lua/test_live.lua
local ffi = require "ffi"
require "teng.cdef"
local report = require "teng.report"
local live = require "teng.report_live"
local C = ffi.C

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

local plan = ffi.new("struct teng_plan")
plan.name, plan.nports, plan.port[0].spec, plan.cores = 'odd "name"', 1, "loopback", 2
plan.nphases = 2
plan.phases[0].name, plan.phases[0].duration_s, plan.phases[0].kind = "ramp", 2, C.TENG_RATE_RAMP
plan.phases[1].name, plan.phases[1].duration_s, plan.phases[1].kind = "steady", 10, C.TENG_RATE_CPS
local d = { client = true, server = true }

local snap = ffi.new("struct teng_snapshot")
local t = snap.total
t.c_attempted, t.c_completed, t.c_failed = 1000, 990, 7
t.s_accepted, t.s_completed, t.s_failed = 995, 990, 2
t.c_fail[C.TENG_REASON_RESET], t.c_fail[C.TENG_REASON_IDLE_TIMEOUT] = 5, 2
t.s_fail[C.TENG_REASON_ABORTED] = 2
t.c_bytes_tx, t.s_bytes_rx, t.retransmits, t.rtx_syn, t.rtx_data = 64000, 64000, 9, 4, 5
t.pkts_tx, t.pkts_rx, t.drops_bad_checksum, t.drops_tx_full = 7000, 6990, 3, 1
snap.c_active, snap.s_active, snap.elapsed_s, snap.phase = 3, 5, 5.5, 1
snap.state = C.TENG_RUN_RUNNING
snap.nworkers = 2
snap.worker[0].c_completed, snap.worker[1].c_completed, snap.worker[1].pkts_rx = 500, 490, 3500
snap.ndevs, snap.dev[0].name, snap.dev[0].opackets = 1, "loopback.client", 4000
-- Values at bucket edges and inside buckets: 10 us (exact), 100 us (exact),
-- 999 us, 1000 us (a bucket of 8 from 1000), 30 ms, 20 s (past the bounds).
local values = { 10, 10, 100, 999, 1000, 1003, 30000, 20e6 }
for _, v in ipairs(values) do C.teng_hist_record(snap.lat_connect, v) end
for i = 1, 100 do C.teng_hist_record(snap.lat_txn, 200 * i) end

local sec = { t = 5, phase = "steady", cps = 120, cps_asked = 1000, active = 8, completed = 990, failed = 9,
  mbps = 1.5, failures = { reset = 1 }, latency_us = { connect = { p50 = 10, p90 = 20, p99 = 30 } } }
local v = report.view(plan, d, snap, sec)
check(v.phase == "steady" and v.phase_index == 1 and v.phase_duration_s == 10 and v.phase_elapsed_s == 3.5,
  ("phase from the snapshot: %s %s %s"):format(v.phase, v.phase_index, v.phase_elapsed_s))
check(v.state == "running" and v.cps_asked == 1000 and v.second.mbps == 1.5, "state, asked, this second")
check(v.client.completed == 990 and v.client.failures.reset == 5 and v.client.failures.idle_timeout == 2,
  "client totals and failures by reason")
check(v.server.failures.aborted == 2 and v.client.active == 3 and v.server.active == 5, "server, active per role")
check(getmetatable(v.client) == nil and getmetatable(v.client.failures) == nil and getmetatable(v.workers[1]) == nil,
  "plain tables")
local lc = v.client.latency_us.connect
check(lc.count == #values and lc.sum == 20e6 + 33122, "connect count and sum: " .. lc.count .. " " .. lc.sum)
-- Buckets at the bounds 50, 100, 250, 500, 1000, ... us: exact below 128
-- us; the bucket holding 1000 (1000..1007) counts whole under 1000.
local want = { [50] = 2, [100] = 3, [250] = 3, [500] = 3, [1000] = 6, [2500] = 6, [25000] = 6, [50000] = 7,
  [10000000] = 7 }
for i, b in ipairs(v.latency_bounds_us) do
  if want[b] then check(lc.buckets[i] == want[b], ("le %d us: %d, want %d"):format(b, lc.buckets[i], want[b])) end
end
-- The model's totals are the view's: the same helpers.
local r = report.result(plan, d, snap, { started_at = "x", run_s = 5, per_second = {} })
check(r.client.completed == v.client.completed and r.tcp.retransmits == v.tcp.retransmits
  and r.client.latency_us.connect.p99 == v.client.latency_us.connect.p99, "the view holds the model's figures")

local text = live.metrics(v)
check(text:match("\n# EOF\n$"), "ends with # EOF")
check(text:match('\nteng_run_info{scenario="odd \\"name\\""} 1\n'), "label escaped")
check(text:match('\nteng_phase{teng_phase="steady"} 1\n') and text:match('\nteng_phase{teng_phase="ramp"} 0\n'),
  "phase state set")
check(text:match("\nteng_client_connections_completed_total 990\n"), "completed")
check(text:match('\nteng_client_failures_total{reason="reset"} 5\n'), "failures by reason")
check(text:match('\nteng_active_connections{role="server"} 5\n'), "active per role")
check(text:match('\nteng_client_connect_latency_seconds_bucket{le="0.001"} 6\n')
  and text:match('\nteng_client_connect_latency_seconds_bucket{le="%+Inf"} 8\n')
  and text:match("\nteng_client_connect_latency_seconds_count 8\n"), "histogram in seconds")
check(text:match('\nteng_packets_dropped_total{reason="bad_checksum"} 3\n')
  and text:match('\nteng_packets_dropped_total{reason="tx_full"} 1\n'), "drops by reason")
check(text:match('\nteng_worker_connections_completed_total{worker="1",role="client"} 490\n'), "per worker")
check(text:match('\nteng_port_packets_sent_total{device="loopback.client"} 4000\n'), "per device")
check(text:match("\nteng_cps_asked 1000\n") and text:match("\nteng_phase_elapsed_seconds 3.5\n"), "gauges")

-- The strict parser, where Debian's python has it.
local py = io.open("/usr/bin/python3") and "/usr/bin/python3" or "python3"
local has = os.execute(py .. " -c 'import prometheus_client.openmetrics.parser' 2>/dev/null")
if has == 0 or has == true then
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  local p = io.popen(py .. [[ -c "
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse
fams = list(parse(open(sys.argv[1]).read()))
print(len(fams), sum(len(f.samples) for f in fams))
" ]] .. path .. " 2>&1")
  local out = p:read("*a")
  p:close()
  os.remove(path)
  check(out:match("^%d+ %d+\n$"), "the strict OpenMetrics parser takes it: " .. out)
else
  print("(python3-prometheus-client not installed: the strict parse is skipped)")
end

-- Telemetry items: nested by "/", workers by index.
local items = live.telemetry(v)
local function find(list, key)
  for _, it in ipairs(list) do if it.key == key then return it.value end end
end
local st = items[C.TENG_LIVE_STATS]
check(find(st, "client/completed") == 990 and find(st, "client/failures/reset") == 5, "/teng/stats")
check(find(st, "tcp/drops/bad_checksum") == 3 and find(st, "last_second/kbps") == 1500, "drops, this second")
check(find(st, "elapsed_ms") == 5500 and find(st, "scenario") == 'odd "name"', "elapsed in ms, strings")
local ph = items[C.TENG_LIVE_PHASE]
check(find(ph, "name") == "steady" and find(ph, "index") == 1 and find(ph, "duration_ms") == 10000, "/teng/phase")
local ws = items[C.TENG_LIVE_WORKERS]
check(find(ws, "1/client/completed") == 490 and find(ws, "1/pkts_rx") == 3500 and find(ws, "0/index") == 0,
  "/teng/workers")
-- A nested dict's items come one after another (core/live.c relies on it).
local span = {}
for i, it in ipairs(st) do
  local p = ""
  for seg in it.key:gmatch("([^/]+)/") do
    p = p .. seg .. "/"
    local sp = span[p] or { first = i, n = 0 }
    sp.last, sp.n = i, sp.n + 1
    span[p] = sp
  end
end
check(span["client/failures/"] and span["last_second/"], "nested dicts there")
for p, sp in pairs(span) do check(sp.last - sp.first + 1 == sp.n, "items of " .. p .. " are together") end

-- Draining: no phase, nothing asked.
snap.phase, snap.state = 2, C.TENG_RUN_DRAINING
local dv = report.view(plan, d, snap, sec)
check(dv.phase == "drain" and dv.phase_index == 2 and dv.cps_asked == nil and dv.state == "draining", "draining")

-- The final view: done, no phase running.
snap.state, snap.phase = C.TENG_RUN_DONE, 2
local fv = report.view(plan, d, snap, sec)
check(fv.phase == "done" and fv.phase_index == 2 and fv.cps_asked == nil and fv.phase_duration_s == nil, "done")
local ft = live.metrics(fv)
check(ft:match('\nteng_phase{teng_phase="done"} 1\n') and not ft:match("teng_cps_asked")
  and not ft:match("teng_phase_elapsed_seconds"), "done in /metrics")

-- publish packs the items for C (a fake api records them).
local got = {}
live.publish({ teng_live_publish_metrics = function(s, n) got.text = s; got.n = n end,
  teng_live_publish_telemetry = function(cmd, a, n) got[tonumber(cmd)] = { a = a, n = n } end }, v, true)
check(got.text == text and got.n == #text, "metrics published")
local sp = got[C.TENG_LIVE_STATS]
check(sp and sp.n == #st and ffi.string(sp.a[0].key) == "scenario" and sp.a[0].is_str == 1, "telemetry packed")

print(("test_live: %d checks, %d failed"):format(checks, failures))
if failures > 0 then os.exit(1) end
return 0
