-- The command line around a run, with a fake run API (cli.api) and a
-- fake compiler, so it needs no DPDK: --json opened before the run
-- (unwritable: 2, nothing started), a failed write (/dev/full: 3), --html
-- (the same: and the page is the one teng report renders from the JSON), the
-- per-second hook (stop, error naming the script line), the exit code
-- from the verdict, a duplicate key=value.
--   teng --lua tests/lua/test_cli.lua
local ffi = require "ffi"
require "teng.cdef"
local cli = require "teng.cli"
local compile = require "teng.compile"
local report = require "teng.report"
local C = ffi.C

local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "tests/lua"
local hist = dofile(dir .. "/hist_lua.lua")
if not hist.have_c() then report.hist_percentile = hist.percentile end

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

-- A 3-second, one-phase plan; the fake run completes 100 connections a
-- second on both roles.
local function make_plan()
  local plan = ffi.new("struct teng_plan")
  plan.name, plan.nports, plan.port[0].spec, plan.cores = "fake", 1, "loopback", 1
  plan.nphases, plan.phases[0].name, plan.phases[0].duration_s = 1, "steady", 3
  plan.phases[0].kind, plan.core[0].sched[0].cps_from = C.TENG_RATE_CPS, 100
  plan.ntemplates, plan.nlisteners = 1, 1
  plan.templates[0].name, plan.listeners[0].name = "default", "default"
  return plan
end

local state
local fake = {
  isatty = function() return 0 end,
  teng_run_start = function() state.started = true; return state end,
  teng_run_wait = function(run, t) run.t = t; return 0 end,
  teng_run_snapshot = function(run, snap)
    local done = math.floor(run.t * 100)
    snap.elapsed_s = run.t
    snap.total.c_attempted, snap.total.c_completed = done, done
    snap.total.s_accepted, snap.total.s_completed = done, done
    snap.phase_counters[0].c_attempted, snap.phase_counters[0].c_completed = done, done
    snap.phase_counters[0].s_completed = done
    snap.total.c_failed = run.fail or 0
    snap.total.c_fail[C.TENG_REASON_RESET] = run.fail or 0
    snap.nworkers, snap.worker[0].c_completed = 1, done
    snap.state = run.finished and C.TENG_RUN_DONE or C.TENG_RUN_RUNNING
    run.completed = done
  end,
  -- --records: the real open (a file descriptor), the writer's figures faked
  teng_records_open = function(path, err, len)
    state.rec_path = path
    if path:match("^/nonexistent/") then ffi.copy(err, path .. ": No such file or directory"); return -1 end
    return 99
  end,
  teng_run_records = function(run, rs)
    run.rec_asked = true
    rs.written, rs.dropped, rs.cap, rs.sample, rs.error = 40, 2, 42, 3, run.rec_error or 0
  end,
  teng_run_finish = function(run) run.finished = true end,
  teng_run_free = function(run) run.freed = true end,
  -- The live outputs (core/live.c): what was published, last.
  teng_live_telemetry_socket = function() return "/var/run/dpdk/teng1/dpdk_telemetry.v2" end,
  teng_live_metrics_start = function(addr, port, err)
    if state.busy then ffi.copy(err, "cannot listen: Address already in use"); return -1 end
    state.listen = addr .. ":" .. port
    return 0
  end,
  teng_live_metrics_stop = function() state.stopped = true end,
  teng_live_publish_metrics = function(text, len) state.metrics, state.nmetrics = text, (state.nmetrics or 0) + 1 end,
  teng_live_publish_telemetry = function(cmd, items, n)
    state.tel = state.tel or {}
    local t = {}
    for i = 0, n - 1 do
      t[ffi.string(items[i].key)] = items[i].is_str == 1 and ffi.string(items[i].str) or items[i].num
    end
    state.tel[tonumber(cmd)] = t
  end,
  teng_live_linger = function(sec) state.lingered = sec; return 0 end,
}
cli.api = fake

local d_now
compile.compile_file = function() return make_plan(), d_now end
local function make_d(extra)
  local d = { client = true, server = true, tx_per_conn = {}, ports = {},
    templates = { { name = "default", weight = 1 } }, listeners = { { name = "default", ip = "198.18.0.1:80" } } }
  for k, v in pairs(extra or {}) do d[k] = v end
  return d
end

-- Runs cli.main with stdout and stderr captured.
local function main(argv, d, fail)
  state, d_now = { t = 0, fail = fail }, d or make_d()
  local out, err = {}, {}
  local so, se = io.stdout, io.stderr
  io.stdout = { write = function(self, ...) for _, s in ipairs { ... } do out[#out + 1] = s end; return self end,
    flush = function() return true end }
  io.stderr = { write = function(self, ...) for _, s in ipairs { ... } do err[#err + 1] = s end; return self end }
  local ok, rc = pcall(cli.main, argv)
  io.stdout, io.stderr = so, se
  if not ok then print("cli.main raised: " .. tostring(rc)) end
  return rc, table.concat(out), table.concat(err)
end

local tmp = os.tmpname()

-- A clean run: exit 0, JSON written, PASS last.
local rc, out, err = main({ "x.lua", "--json", tmp })
check(rc == 0, "clean run: exit " .. tostring(rc) .. " " .. err)
check(out:match("\nresult +PASS"), "PASS in the report:\n" .. out)
local f = io.open(tmp)
local doc = f and f:read("*a") or ""
if f then f:close() end
check(doc:match('"verdict"') and doc:match('"pass": true'), "JSON written with the verdict")

-- A failed connection with the default criteria: exit 1, named.
rc, out = main({ "x.lua" }, nil, 2)
check(rc == 1, "failed connections: exit " .. tostring(rc))
check(out:match("\nFAIL: failed %(client, run%): 2 > 0\n$"), "default criterion named last:\n" .. out)
check(out:match("\n  failures +reset 2\n"), "failures by reason in the report")

-- --json to a path that cannot be opened: exit 2 before anything starts.
rc, out, err = main({ "x.lua", "--json", "/nonexistent/dir/x.json" })
check(rc == 2 and not state.started, "unwritable --json: exit 2, nothing started (" .. tostring(rc) .. ")")
check(err:match("^teng: %-%-json: cannot write the results: /nonexistent/dir/x.json: No such file or directory"),
  "unwritable --json message: " .. err)

-- --json /dev/full: the write fails at the flush: exit 3, never 0.
rc, out, err = main({ "x.lua", "--json", "/dev/full" })
check(rc == 3, "--json /dev/full: exit " .. tostring(rc))
check(err:match("writing the results to /dev/full failed: No space left on device"), "/dev/full message: " .. err)
check(out:match("\nresult "), "the report is printed anyway")

-- --html: opened before the run like --json (unwritable: 2, nothing
-- started), written from the same model (teng report on the JSON writes
-- the same page), a failed write is 3 and the JSON is still written.
local function slurp(path)
  local h = io.open(path)
  local s = h and h:read("*a") or ""
  if h then h:close() end
  return s
end
rc, out, err = main({ "x.lua", "--json", tmp, "--html", "/nonexistent/dir/x.html" })
check(rc == 2 and not state.started, "unwritable --html: exit 2, nothing started (" .. tostring(rc) .. ")")
check(err:match("^teng: %-%-html: cannot write the report: /nonexistent/dir/x.html: No such file or directory"),
  "unwritable --html message: " .. err)
local page_run, page_cmd = os.tmpname(), os.tmpname()
rc, out, err = main({ "x.lua", "--json", tmp, "--html", page_run })
check(rc == 0, "--html: exit " .. tostring(rc) .. " " .. err)
local page = slurp(page_run)
check(page:match('^<!DOCTYPE html>') and page:find('data-key="cps" data-points="3"', 1, true),
  "--html page with 3 per-second points")
check(page:find('id="verdict-0" data-run="0" data-pass="true"', 1, true), "--html page shows PASS")
rc, out, err = main({ "report", tmp, "-o", page_cmd })
check(rc == 0 and slurp(page_cmd) == page, "teng report on the JSON writes the --html page (" .. tostring(rc) .. err .. ")")
rc, out, err = main({ "x.lua", "--json", tmp, "--html", "/dev/full" })
check(rc == 3 and err:match("teng: writing the HTML report to /dev/full failed: No space left on device"),
  "--html /dev/full: exit " .. tostring(rc) .. " " .. err)
check(slurp(tmp):match('"verdict"'), "--html /dev/full: the JSON is written all the same")
os.remove(page_run)
os.remove(page_cmd)

-- The hook: sees a plain snapshot once a second; "stop" ends the run.
local seen = {}
local d = make_d { hook = function(s)
  seen[#seen + 1] = s
  if s.t >= 1 then return "stop" end
end }
rc, out = main({ "x.lua", "--json", tmp }, d)
check(rc == 0 and #seen == 1, ("hook stop: exit %s, %d calls"):format(tostring(rc), #seen))
local s1 = seen[1] or { client = {}, server = {} }
check(s1.t == 1 and s1.phase == "steady" and s1.cps == 100 and s1.completed == 100, "hook table top level")
check(s1.client.completed == 100 and s1.server.completed == 100 and type(s1.client.failures) == "table",
  "hook table roles")
check(s1.client.latency_us and s1.client.latency_us.connect.p99 == 0, "hook latency")
check(type(s1.active) == "number" and s1.client.active ~= nil and s1.server.active ~= nil, "per-role active")
check(state.finished and state.freed, "the run is finished after a stop")
check(out:match("stopped by the hook"), "the report says the hook stopped it")
f = io.open(tmp)
doc = f and f:read("*a") or ""
if f then f:close() end
check(doc:match('"stopped": "hook"') and doc:match('"duration_s": 1,'), "JSON: stopped by the hook after 1 s")

-- true stops too; any other value goes on.
rc = main({ "x.lua" }, make_d { hook = function() return true end })
check(rc == 0 and state.t == 1, "hook true stops")
local calls = 0
rc = main({ "x.lua" }, make_d { hook = function() calls = calls + 1; return "go on" end })
check(rc == 0 and calls == 3 and state.t >= 3 and state.t < 3.1, ("hook goes on: %d calls, t %s"):format(calls, tostring(state.t)))

-- A hook error ends the run: exit 2, naming the script line.
local chunk = assert(loadstring("return function(s)\n  local x = nil\n  return x.y\nend", "@scenarios/hooked.lua"))
rc, out, err = main({ "x.lua" }, make_d { hook = chunk() })
check(rc == 2, "hook error: exit " .. tostring(rc))
check(err:match("^teng: on_second: scenarios/hooked.lua:3: attempt to index local 'x'"), "hook error names the line: " .. err)
check(state.finished and state.freed and not out:match("result"), "hook error: run finished, no report")
chunk = assert(loadstring("return function(s)\n  error('too slow', 0)\nend", "@scenarios/hooked.lua"))
rc, out, err = main({ "x.lua" }, make_d { hook = chunk() })
check(rc == 2 and err:match("^teng: on_second: scenarios/hooked.lua:2: too slow"), "error(msg, 0) gets a line: " .. err)

-- A hook that never returns is stopped.
local env = os.getenv("TENG_SCRIPT_TIMEOUT")
if env == nil then
  chunk = assert(loadstring("return function(s)\n  while true do end\nend", "@scenarios/spin.lua"))
  -- Not the default 10 s: cli reads the variable through os.getenv.
  local getenv = os.getenv
  os.getenv = function(k) if k == "TENG_SCRIPT_TIMEOUT" then return "1" end return getenv(k) end
  rc, out, err = main({ "x.lua" }, make_d { hook = chunk() })
  check(rc == 2 and err:match("scenarios/spin.lua:2: the on_second hook did not return within 1 s"),
    "spinning hook stopped: " .. tostring(rc) .. " " .. err)
  -- A pcall in the hook does not swallow the stop for good.
  chunk = assert(loadstring("return function(s)\n  while true do pcall(function() while true do end end) end\nend",
    "@scenarios/spin.lua"))
  rc, out, err = main({ "x.lua" }, make_d { hook = chunk() })
  os.getenv = getenv
  check(rc == 2 and err:match("the on_second hook did not return within 1 s"), "pcall spin stopped: " .. err)
end

-- --records: the plan carries the file and the options; the model gets
-- the writer's figures (JSON records, a text line, a warning for drops).
local plan_seen
local cc = compile.compile_file
compile.compile_file = function(...) plan_seen = cc(...); return plan_seen, d_now end
rc, out, err = main({ "x.lua", "--records", "/tmp/r.jsonl", "--records-cap=42", "--records-sample", "3",
  "--json", tmp })
compile.compile_file = cc
check(rc == 0 and state.rec_asked and state.rec_path == "/tmp/r.jsonl", "records run: exit " .. tostring(rc) .. err)
check(plan_seen.records_on == 1 and plan_seen.records_fd == 99 and plan_seen.records_cap == 42
  and plan_seen.records_sample == 3, "records options in the plan")
check(out:match("\nrecords +40 written to /tmp/r.jsonl  dropped 2  sample 1 in 3  cap 42\n"), "records line:\n" .. out)
check(out:match("\nwarning +records: 2 dropped"), "records drops warned")
f = io.open(tmp)
doc = f and f:read("*a") or ""
if f then f:close() end
check(doc:match('"records": {%s*"file": "/tmp/r.jsonl",%s*"written": 40,%s*"dropped": 2,%s*"sample": 3,%s*"cap": 42%s*}'),
  "JSON records object: " .. (doc:match('"records": %b{}') or "none"))
rc, out, err = main({ "x.lua", "--json", tmp })
f = io.open(tmp)
doc = f and f:read("*a") or ""
if f then f:close() end
check(rc == 0 and not state.rec_asked and not doc:match('"records"') and not out:match("\nrecords "),
  "no --records: no records in the model")
-- Unwritable: exit 2 before anything starts.
rc, out, err = main({ "x.lua", "--records", "/nonexistent/dir/r.jsonl" })
check(rc == 2 and not state.started, "unwritable --records: exit 2, nothing started (" .. tostring(rc) .. ")")
check(err:match("^teng: %-%-records: cannot write the records: /nonexistent/dir/r.jsonl: No such file or directory %(nothing was sent%)"),
  "unwritable --records message: " .. err)

-- The live outputs: telemetry every second and at the end; /metrics only
-- with --metrics, its server started before the run, stopped after.
rc, out = main({ "x.lua" })
check(rc == 0 and state.tel and not state.metrics and not state.listen, "telemetry without --metrics")
local st = state.tel and state.tel[C.TENG_LIVE_STATS] or {}
check(st["client/completed"] == state.completed and st["server/completed"] == state.completed and st.state == "done",
  "final /teng/stats: " .. tostring(st["client/completed"]) .. " " .. tostring(st.state))
check(out:match("telemetry: /var/run/dpdk/teng1/dpdk_telemetry.v2  %(dpdk%-telemetry.py %-f teng1%)"),
  "the telemetry socket is named:\n" .. out)
local ph = state.tel and state.tel[C.TENG_LIVE_PHASE] or {}
check(ph.name == "done" and ph.index == 1 and ph.phases == 1, "final /teng/phase")
local ws = state.tel and state.tel[C.TENG_LIVE_WORKERS] or {}
check(ws["0/index"] == 0 and ws["0/client/completed"] == state.completed, "/teng/workers by index")
rc, out, err = main({ "x.lua", "--metrics", "9100", "--metrics-linger", "2" })
check(rc == 0 and state.listen == "127.0.0.1:9100" and state.stopped, "--metrics PORT listens on 127.0.0.1")
check(state.nmetrics == 5, "/metrics published at the start, each second and at the end: " .. tostring(state.nmetrics))
check((state.metrics or ""):match("\nteng_client_connections_completed_total " .. state.completed .. "\n")
  and state.metrics:match("\n# EOF\n$"),
  "the final /metrics has the final totals:\n" .. tostring(state.metrics))
check(state.lingered == 2 and err:match("serving the final figures at http://127.0.0.1:9100/metrics for 2 s"),
  "--metrics-linger: " .. err)
check(not err:match("not only on loopback") and out:match("metrics: http://127.0.0.1:9100/metrics"), "loopback said")
rc, out, err = main({ "x.lua", "--metrics=0.0.0.0:9100" })
check(rc == 0 and state.listen == "0.0.0.0:9100" and err:match("not only on loopback"), "a named 0.0.0.0: " .. err)
state = { t = 0, busy = true }
local so, se = io.stdout, io.stderr
io.stderr = { write = function(self, ...) err = table.concat { ... }; return self end }
d_now = make_d()
rc = cli.main { "x.lua", "--metrics", "127.0.0.1:9100" }
io.stdout, io.stderr = so, se
check(rc == 3 and not state.started and err:match("^teng: %-%-metrics 127.0.0.1:9100: cannot listen: Address already in use %(nothing was sent%)"),
  "port in use: exit 3 before the run: " .. tostring(rc) .. " " .. tostring(err))
for _, bad in ipairs { { "--metrics", "x" }, { "--metrics", "0" }, { "--metrics", "65536" }, { "--metrics", "1.2.3:80" },
  { "--metrics", "::1:80" }, { "--metrics", "127.0.0.1:" }, { "--metrics-linger", "3" },
  { "--metrics", "9100", "--metrics-linger", "-1" } } do
  rc, out, err = main({ "x.lua", unpack(bad) })
  check(rc == 2 and not state.started and err:match("^teng: %-%-metrics"), table.concat(bad, " ") .. ": " .. err)
end

-- Duplicate key=value: exit 2 naming the key, before compiling.
rc, out, err = main({ "x.lua", "cps=10", "cps=20" })
check(rc == 2 and err:match("argument 'cps' given twice %(cps=10 and cps=20%)"), "duplicate key: " .. err)

os.remove(tmp)
print(("test_cli: %d checks, %d failed"):format(checks, failures))
if failures > 0 then os.exit(1) end
return 0
