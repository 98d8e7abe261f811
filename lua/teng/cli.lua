-- The command line: parse options, compile the scenario, run it through
-- the C API, print the live lines and the report, write the JSON.
local ffi = require "ffi"
require "teng.cdef"
local compile = require "teng.compile"
local report = require "teng.report"
local report_live = require "teng.report_live"
local check = require "teng.check"
local json = require "teng.json"
local ports = require "teng.ports"
local C = ffi.C

pcall(ffi.cdef, "int isatty(int fd);")
pcall(ffi.cdef, "char *strerror(int errnum);")

local M = {}
-- The run API (tests of the command line put a fake in its place).
M.api = C

local USAGE = [[
usage: teng [options] SCENARIO.lua [key=value ...]
       teng report RESULTS.json [OTHER.json] -o REPORT.html

Runs a traffic scenario; key=value pairs override the scenario's teng.args.

options:
  --json FILE     write the results as JSON to FILE (opened before the run)
  --html FILE     write the results as an HTML report to FILE (opened
                  before the run); teng report renders one from a --json
                  file later, or two for a comparison
  --port SPEC     port to use instead of the scenario's; repeat it for the
                  second port of a two-port scenario. SPEC is one of
                  loopback, af_packet:IFACE, af_xdp:IFACE, tap:NAME, pci:BDF,
                  memif:SOCKET_PATH:server|client, optionally followed by
                  ,gateway=IP, ,peer_mac=aa:bb:cc:dd:ee:ff and/or
                  ,queues=N (one queue per worker: N is --cores)
  --role ROLE     run only the client or the server role of the scenario
                  (client|server), e.g. one per process over memif
  --cores N       worker cores, 1..16 (default 1); each owns one queue of
                  every port
  --steering MODE how received frames reach the worker that owns them:
                  auto (default), software, rss, port-mask or ip; a mode
                  the port cannot do is refused (exit 3)
  --cpus LIST     CPUs for the workers, e.g. 1 or 2,3 (default: from CPU 1 on,
                  skipping CPUs another teng process holds)
  --quiet         no live display, only the final report
  --check         validate and compile the scenario, print the plan, send nothing
  --eal "ARGS"    extra DPDK EAL arguments
  --impair SPEC   impair what teng transmits, seeded and reproducible:
                  loss=P,dup=P,reorder=P (probabilities 0..1),
                  delay=MS,jitter=MS, seed=N (over the scenario's impair)
  --sw-csum       compute and verify checksums in software even where the
                  port offers offload (the loopback, a NIC): what they cost
  --capture       let dpdk-dumpcap capture teng's ports while it runs (DPDK
                  runs as a multi-process primary; needs hugepages)
  --metrics [ADDR:]PORT
                  serve live figures at http://ADDR:PORT/metrics in the
                  OpenMetrics text format (Prometheus); ADDR is 127.0.0.1
                  unless named (an IPv4 address, e.g. 0.0.0.0 for every one)
  --metrics-linger SECS
                  after the run, keep serving its final figures SECS
                  seconds (default 0), so a scraper sees the end of a run
  --records FILE  write one JSON line per connection to FILE (opened before
                  the run): four-tuple, template or listener, the time of
                  each step, outcome and reason
  --records-cap N at most N records in the run (default 100000; 0: no cap)
  --records-sample N
                  record 1 in N connections of each role (default 1: all);
                  the cap counts the sampled ones
  --help          this text
  --version       print the version

exit codes: 0 the pass criteria were met, 1 a criterion was missed (by
default: a failed connection, or a role that completed nothing), 2 usage
or scenario error (nothing sent), 3 environment error (DPDK, port,
memory, writing the --json file)
]]

local VALUED = { json = true, html = true, port = true, cores = true, eal = true, role = true, cpus = true,
  impair = true, steering = true, records = true, ["records-cap"] = true, ["records-sample"] = true,
  metrics = true, ["metrics-linger"] = true }
-- --records-cap when not given (records.h REC_DEFAULT_CAP)
M.RECORDS_CAP = 100000
-- --steering NAME -> enum teng_steering
M.STEERING = { auto = C.TENG_STEER_AUTO, rss = C.TENG_STEER_RSS, ["port-mask"] = C.TENG_STEER_PORT_MASK,
  ip = C.TENG_STEER_IP, software = C.TENG_STEER_SOFTWARE }
local FLAGS = { quiet = true, check = true, help = true, version = true, ["sw-csum"] = true, capture = true }

-- --metrics PORT or ADDR:PORT -> { addr, port }, or nil and a message.
-- ADDR is an IPv4 address (or localhost); without one, 127.0.0.1.
function M.parse_listen(s)
  local addr, port = tostring(s):match("^(.*):([^:]*)$")
  if not addr then addr, port = "127.0.0.1", tostring(s) end
  if addr == "localhost" then addr = "127.0.0.1" end
  local p = tonumber(port:match("^%d+$") and port or nil)
  if not p or p < 1 or p > 65535 then
    return nil, ("--metrics: expected PORT or ADDR:PORT with a port 1..65535, got '%s'"):format(s)
  end
  if not check.parse_ip(addr) then
    return nil, ("--metrics: '%s' is not an IPv4 address (expected PORT or ADDR:PORT, e.g. 9100 or 127.0.0.1:9100)")
      :format(addr)
  end
  return { addr = addr, port = p, loopback = addr:match("^127%.") ~= nil }
end

-- Returns the options, or nil and a usage error message.
function M.parse(argv)
  local o = { args = {}, cores = 1, ports = {} }
  local i, only_args = 1, false
  while i <= #argv do
    local a = argv[i]
    if a == "--" and not only_args then
      only_args = true
    elseif a == "-h" and not only_args then
      o.help = true
    elseif a:match("^%-.") and not only_args then
      local name, value = a:match("^%-%-([%w-]+)=(.*)$")
      name = name or a:match("^%-%-([%w-]+)$")
      if name and VALUED[name] then
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then return nil, ("option --%s needs a value"):format(name) end
        end
        if name == "port" then
          local p, perr = ports.parse(value)
          if not p then return nil, ("--port '%s': %s"):format(value, perr) end
          o.ports[#o.ports + 1] = p
        else
          o[name] = value
        end
      elseif name and FLAGS[name] and not value then
        o[name] = true
      else
        return nil, ("unknown option '%s'"):format(a)
      end
    elseif not o.scenario and not a:match("^[%a_][%w_]*=") then
      o.scenario = a
    else
      local k, v = a:match("^([%a_][%w_]*)=(.*)$")
      if not k then return nil, ("unexpected argument '%s' (expected key=value)"):format(a) end
      for _, prev in ipairs(o.args) do
        if prev[1] == k then
          return nil, ("argument '%s' given twice (%s=%s and %s=%s)"):format(k, k, prev[2], k, v)
        end
      end
      o.args[#o.args + 1] = { k, v }
    end
    i = i + 1
  end
  if o.help or o.version then return o end
  local cores = tonumber(o.cores)
  if not cores or cores % 1 ~= 0 or cores < 1 or cores > C.TENG_MAX_CORES then
    return nil, ("--cores: expected a whole number 1..%d, got '%s'"):format(C.TENG_MAX_CORES, o.cores)
  end
  o.cores = cores
  if o.steering ~= nil then
    local mode = M.STEERING[o.steering]
    if not mode then
      return nil, ("--steering: expected auto, rss, port-mask, ip or software, got '%s'"):format(o.steering)
    end
  end
  if o.cpus then
    local list = {}
    for c in tostring(o.cpus):gmatch("[^,]+") do
      local n = tonumber(c)
      if not n or n % 1 ~= 0 or n < 0 or n > 1023 then
        return nil, ("--cpus: expected CPU numbers like 1 or 2,3, got '%s'"):format(o.cpus)
      end
      list[#list + 1] = n
    end
    if #list == 0 or #list > C.TENG_MAX_CORES then
      return nil, ("--cpus: expected 1..%d CPU numbers, got '%s'"):format(C.TENG_MAX_CORES, o.cpus)
    end
    o.cpus = list
  end
  if o.impair then
    local im = {}
    for kv in tostring(o.impair):gmatch("[^,]+") do
      local k, v = kv:match("^%s*([%a_]+)%s*=%s*(.-)%s*$")
      if not k or v == "" then
        return nil, ("--impair: expected key=value pairs like loss=0.05,seed=1, got '%s'"):format(kv)
      end
      if not ({ loss = 1, dup = 1, reorder = 1, delay = 1, jitter = 1, seed = 1 })[k] then
        return nil, ("--impair: unknown key '%s' (loss, dup, reorder, delay, jitter, seed)"):format(k)
      end
      if im[k] ~= nil then return nil, ("--impair: '%s' given twice"):format(k) end
      im[k] = v
    end
    o.impair = im
  end
  for _, k in ipairs { "records-cap", "records-sample" } do
    if o[k] ~= nil then
      if not o.records then return nil, ("--%s needs --records FILE"):format(k) end
      local v, lo = tonumber(o[k]), k == "records-cap" and 0 or 1
      if not v or v % 1 ~= 0 or v < lo or v > 2 ^ 32 - 1 then
        return nil, ("--%s: expected a whole number %d..4294967295, got '%s'"):format(k, lo, o[k])
      end
      o[k] = v
    end
  end
  if o.records then
    o["records-cap"] = o["records-cap"] or M.RECORDS_CAP
    o["records-sample"] = o["records-sample"] or 1
  end
  if o.metrics then
    local l, lerr = M.parse_listen(o.metrics)
    if not l then return nil, lerr end
    o.metrics = l
  end
  if o["metrics-linger"] ~= nil then
    local v = tonumber(o["metrics-linger"])
    if not v or v < 0 or v > 86400 then
      return nil, ("--metrics-linger: expected seconds 0..86400, got '%s'"):format(o["metrics-linger"])
    end
    if not o.metrics then return nil, "--metrics-linger needs --metrics" end
    o["metrics-linger"] = v
  end
  if o.role and o.role ~= "client" and o.role ~= "server" then
    return nil, ("--role: expected client or server, got '%s'"):format(o.role)
  end
  if not o.scenario then return nil, "no scenario given" end
  return o
end

-- teng --lua FILE [args...]: run a Lua file inside the binary (tests).
local function run_lua(argv)
  local file = argv[2]
  if not file then io.stderr:write("teng: --lua needs a file\n"); return 2 end
  local fargs = { [0] = file }
  for i = 3, #argv do fargs[#fargs + 1] = argv[i] end
  _G.arg = fargs
  local chunk, err = loadfile(file)
  if not chunk then io.stderr:write(err, "\n"); return 1 end
  local ok, rc = xpcall(function() return chunk(unpack(fargs)) end, debug.traceback)
  if not ok then io.stderr:write(tostring(rc), "\n"); return 1 end
  return type(rc) == "number" and rc or 0
end

local END_MARGIN_S = 0.02
-- The scenario's text the results keep, at most (bytes).
M.SOURCE_TEXT_MAX = 65536

-- The live output on a terminal: a display redrawn in place once a
-- second (report_text.display), or with TERM=dumb one plain line a
-- second. finish() erases the display, so the final report follows
-- clean.
function M.display(plan, d, total_s, out)
  out = out or io.stdout
  local text = require "teng.report_text"
  local phases = {}
  for i = 0, plan.nphases - 1 do phases[i + 1] = ffi.string(plan.phases[i].name) end
  local plain = (os.getenv("TERM") or "dumb") == "dumb"
  local shown = 0
  local self = {}
  function self.update(_, sec)
    if plain then
      out:write(text.live(sec.t, sec.phase, sec, sec.mbps or 0), "\n")
    else
      local L = text.display(sec, total_s, phases)
      -- Back to the first line of the last drawing; each line cleared.
      if shown > 0 then out:write(("\27[%dA"):format(shown)) end
      for _, l in ipairs(L) do out:write("\r\27[2K", l, "\n") end
      shown = #L
    end
    out:flush()
  end
  function self.finish()
    if shown > 0 then out:write(("\27[%dA\r\27[J"):format(shown)) end
    shown = 0
    out:flush()
  end
  return self
end

-- With a connection limit the run is over once every client connection
-- has finished: completed + failed reached the limit and none is open.
local function done_with(tot, c_active, conns)
  return conns > 0 and tonumber(tot.c_completed + tot.c_failed) >= conns and tonumber(c_active) == 0
end

-- Sum of the per-core connection limits (0: no limit).
local function conn_limit(plan)
  local n = 0
  for c = 0, plan.cores - 1 do n = n + tonumber(plan.core[c].conn_limit) end
  return n
end

-- Runs the compiled plan; returns the final snapshot and the run record,
-- or nil, an error and an exit code. each(snap, sec) runs once a second
-- on this (the main) lcore: it returns "stop" to end the run, or nil and
-- an error message to abort it. publish(snap, sec) runs at the start and
-- once a second before it (the live outputs).
local function run_plan(plan, d, o, each, publish)
  local api = M.api
  local err = ffi.new("char[256]")
  local run = api.teng_run_start(plan, err, 256)
  if run == nil then return nil, ffi.string(err), 3 end
  local snap = ffi.new("struct teng_snapshot")
  -- The steering mode, chosen at start-up: said when it matters.
  if not o.quiet and (plan.cores > 1 or plan.steering ~= C.TENG_STEER_AUTO) then
    api.teng_run_snapshot(run, snap)
    io.stdout:write("steering: ", ffi.string(snap.steering_why), "\n")
    io.stdout:flush()
  end
  if publish then
    api.teng_run_snapshot(run, snap)
    publish(snap, report.second(plan, d, snap, 0, {}))
  end
  -- Where DPDK's telemetry client finds this run (/teng/stats ...).
  local sock = ffi.string(api.teng_live_telemetry_socket())
  if not o.quiet and sock ~= "" then
    local prefix = sock:match("/([^/]+)/dpdk_telemetry%.v2$")
    io.stdout:write("telemetry: ", sock, prefix and ("  (dpdk-telemetry.py -f " .. prefix .. ")") or "", "\n")
    io.stdout:flush()
  end
  local started_at = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local total = 0
  for i = 0, plan.nphases - 1 do total = total + plan.phases[i].duration_s end
  local conns = conn_limit(plan)
  local live = not o.quiet and api.isatty(1) == 1 and M.display(plan, d, total)
  local per_second, state, prev_t = {}, {}, 0
  local k, t, intr, done, stopped = 0, 0, false, false, nil
  -- The last wait runs a little past the end, so that every worker has
  -- passed its last phase's planned end (and opened what was due by it)
  -- before the drain begins.
  local function until_(x) return x >= total and x + END_MARGIN_S or x end
  repeat
    k = k + 1
    t = math.min(k, total)
    if conns > 0 then
      -- Look ten times a second whether every connection has finished.
      local step = prev_t
      repeat
        step = math.min(step + 0.1, t)
        intr = api.teng_run_wait(run, until_(step)) ~= 0
        api.teng_run_snapshot(run, snap)
        done = done_with(snap.total, snap.c_active, conns)
      until step >= t or intr or done
      if done then t = math.max(prev_t, math.min(tonumber(snap.elapsed_s), t)) end
    else
      intr = api.teng_run_wait(run, until_(t)) ~= 0
      api.teng_run_snapshot(run, snap)
    end
    local sec = report.second(plan, d, snap, t, state)
    per_second[#per_second + 1] = sec
    if live then live:update(sec) end
    prev_t = t
    if publish then publish(snap, sec) end
    if each and not intr then
      local what, herr = each(snap, sec)
      if herr then
        api.teng_run_finish(run, 0)
        if live then live:finish() end
        api.teng_run_free(run)
        return nil, herr, 2
      end
      if what == "stop" then stopped = "hook" end
    end
  until t >= total or intr or done or stopped
  local run_s = (intr or done or stopped) and math.min(tonumber(snap.elapsed_s), total) or total
  api.teng_run_finish(run, plan.drain_s)
  if live then live:finish() end
  api.teng_run_snapshot(run, snap)
  local records
  if plan.records_on ~= 0 then
    local rs = ffi.new("struct teng_records_stats")
    api.teng_run_records(run, rs)
    records = { file = o.records, written = tonumber(rs.written), dropped = tonumber(rs.dropped),
      sample = tonumber(rs.sample), cap = tonumber(rs.cap), error = rs.error ~= 0 and rs.error or nil }
  end
  api.teng_run_free(run)
  return snap, { started_at = started_at, run_s = run_s, interrupted = intr, per_second = per_second,
    conns_done = done, stopped = stopped, records = records }
end

local HERE = debug.getinfo(1, "S").short_src

-- A hook error with "file:line:" in front: when the message has none
-- (error(x, 0), an error object), the first Lua frame of the traceback
-- outside this file.
local function with_position(msg, tb)
  msg = tostring(msg)
  if msg:match("^[^\n]-:%d+:") then return msg end
  for frame in (tb or ""):gmatch("\n\t([^\n]+)") do
    local pos = frame:match("^([^%[][^:]*:%d+):")
    if pos and not frame:find(HERE, 1, true) then return pos .. ": " .. msg end
  end
  return msg
end

-- Seconds a hook call may take before it is stopped (the script limit).
local function hook_limit()
  local v = tonumber(os.getenv("TENG_SCRIPT_TIMEOUT") or "")
  return v and v > 0 and v or 10
end

-- The per-second hook (the scenario's on_second, d.hook): called with a
-- plain table of the snapshot; "stop" or true ends the run. It runs with
-- the JIT off so that the count hook bounding it fires.
function M.call_hook(fn, view)
  local limit, t0 = hook_limit(), os.time()
  local jit_on = jit.status()
  jit.off()
  local tb
  local function over()
    -- Never in this file: the message handler, or call_hook after xpcall.
    if os.time() - t0 > limit and debug.getinfo(2, "S").short_src ~= HERE then
      -- From now on at every instruction, so that a pcall in the hook
      -- cannot swallow the error for good.
      debug.sethook(over, "", 1)
      error(("the on_second hook did not return within %g s"):format(limit), 2)
    end
  end
  local function handler(e)
    tb = debug.traceback("", 2)
    return e
  end
  debug.sethook(over, "", 100000)
  local ok, res = xpcall(fn, handler, view)
  debug.sethook()
  if jit_on then jit.on() end
  if not ok then return nil, "on_second: " .. with_position(res, tb) end
  if res == "stop" or res == true then return "stop" end
  return nil
end

local function usage_error(msg)
  io.stderr:write("teng: ", msg, "\ntry teng --help\n")
  return 2
end

-- Writes the results document; false and a message when any write, the
-- flush or the close fails (a full disk, /dev/full).
local function write_json(f, path, r)
  local ok, err = json.save(f, path, json.encode(r, "  ") .. "\n", "the results")
  return ok, err and "teng: " .. err
end

function M.main(argv)
  argv = argv or {}
  if argv[1] == "--lua" then return run_lua(argv) end
  if argv[1] == "report" then return require("teng.report_html").command(argv) end
  local o, err = M.parse(argv)
  if not o then return usage_error(err) end
  if o.help then io.stdout:write(USAGE); return 0 end
  if o.version then
    print(("teng %s (lua: %s)"):format(ffi.string(C.teng_version()), rawget(_G, "TENG_LUA_DIR") or "?"))
    return 0
  end

  local ok, plan, d = pcall(compile.compile_file, o.scenario,
    { cores = o.cores, ports = o.ports, eal = o.eal, args = o.args, role = o.role, cpus = o.cpus,
      impair = o.impair })
  if not ok then io.stderr:write(tostring(plan), "\n"); return 2 end
  plan.sw_csum = o["sw-csum"] and 1 or 0
  plan.capture = o.capture and 1 or 0
  plan.steering = M.STEERING[o.steering or "auto"]
  if o.check then io.stdout:write(report.summary(plan, d)); return 0 end

  -- The results files are opened before anything is sent: a path that
  -- cannot be written is a usage error, not a lost run.
  local out, html
  -- On a way out before the results are written.
  local function close_files()
    if out then out:close() end
    if html then html:close() end
  end
  if o.json then
    local f, ferr = io.open(o.json, "w")
    if not f then
      io.stderr:write("teng: --json: cannot write the results: ", tostring(ferr), " (nothing was sent)\n")
      return 2
    end
    out = f
  end
  if o.html then
    local f, ferr = io.open(o.html, "w")
    if not f then
      close_files()
      io.stderr:write("teng: --html: cannot write the report: ", tostring(ferr), " (nothing was sent)\n")
      return 2
    end
    html = f
  end
  -- The live outputs: telemetry always (DPDK's telemetry thread asks
  -- for it), /metrics with --metrics. Its server starts before the run, so
  -- a port in use is said before anything is sent.
  local api, metrics = M.api, o.metrics
  if metrics then
    local merr = ffi.new("char[256]")
    if api.teng_live_metrics_start(metrics.addr, metrics.port, merr, 256) ~= 0 then
      close_files()
      io.stderr:write(("teng: --metrics %s:%d: %s (nothing was sent)\n"):format(metrics.addr, metrics.port,
        ffi.string(merr)))
      return 3
    end
    if not metrics.loopback then
      io.stderr:write(("teng: --metrics: serving on %s:%d, not only on loopback: whoever reaches this host there can read the figures\n")
        :format(metrics.addr, metrics.port))
    end
    if not o.quiet then
      io.stdout:write(("metrics: http://%s:%d/metrics\n"):format(metrics.addr, metrics.port))
      io.stdout:flush()
    end
  end
  local function done(rc)
    if metrics then api.teng_live_metrics_stop() end
    return rc
  end
  -- So is the records file; the run takes its descriptor over.
  if o.records then
    local rerr = ffi.new("char[256]")
    local fd = M.api.teng_records_open(o.records, rerr, 256)
    if fd < 0 then
      close_files()
      io.stderr:write("teng: --records: cannot write the records: ", ffi.string(rerr), " (nothing was sent)\n")
      return done(2)
    end
    plan.records_on, plan.records_fd = 1, fd
    plan.records_cap, plan.records_sample = o["records-cap"], o["records-sample"]
  end

  -- Once a second the moment's view (report.view) goes to the live
  -- outputs, and the same view to the scenario's hook.
  local view
  local function publish(snap, sec)
    view = report.view(plan, d, snap, sec)
    report_live.publish(api, view, metrics ~= nil)
  end
  local each = d.hook and function() return M.call_hook(d.hook, view) end
  local snap, run, code = run_plan(plan, d, o, each, publish)
  if not snap then
    close_files()
    io.stderr:write("teng: ", run, "\n")
    return done(code)
  end
  -- What was asked, for a reader of the results: the command line, the
  -- key=value arguments in their order, and the scenario's text.
  run.command = "teng " .. table.concat(argv, " ")
  local keys, vals = {}, {}
  for i, kv in ipairs(o.args or {}) do keys[i], vals[kv[1]] = kv[1], kv[2] end
  run.args = json.object(keys, vals)
  local sf = io.open(o.scenario, "r")
  if sf then
    local text = sf:read(M.SOURCE_TEXT_MAX + 1)
    if text and #text > M.SOURCE_TEXT_MAX then
      text, run.source_truncated = text:sub(1, M.SOURCE_TEXT_MAX), true
    end
    run.source_text = text
    sf:close()
  end
  local r = report.result(plan, d, snap, run)
  -- The final figures, from the final snapshot: what a scrape after the
  -- run (--metrics-linger) sees.
  report_live.publish(api, report.view(plan, d, snap, report.final_second(r)), metrics ~= nil)
  io.stdout:write(report.text(r))
  io.stdout:flush()
  local failed
  if out then
    local wok, werr = write_json(out, o.json, r)
    if not wok then io.stderr:write(werr, "\n"); failed = true end
  end
  if html then
    local wok, werr = require("teng.report_html").write(html, o.html, { { label = o.json or o.scenario, r = r } })
    if not wok then io.stderr:write("teng: ", werr, "\n"); failed = true end
  end
  if run.records and run.records.error then
    io.stderr:write(("teng: writing the records to %s failed: %s\n"):format(o.records,
      ffi.string(C.strerror(run.records.error))))
    failed = true
  end
  local linger = o["metrics-linger"] or 0
  if metrics and linger > 0 then
    io.stderr:write(("teng: metrics: serving the final figures at http://%s:%d/metrics for %g s (--metrics-linger; Ctrl-C ends it)\n")
      :format(metrics.addr, metrics.port, linger))
    api.teng_live_linger(linger)
  end
  if failed then return done(3) end
  return done(r.verdict.pass and 0 or 1)
end

function M.selftest()
  local l = assert(M.parse_listen("9100"))
  assert(l.addr == "127.0.0.1" and l.port == 9100 and l.loopback)
  l = assert(M.parse_listen("0.0.0.0:80"))
  assert(l.addr == "0.0.0.0" and l.port == 80 and not l.loopback)
  assert(M.parse_listen("localhost:1").addr == "127.0.0.1" and not M.parse_listen("[::1]:80"))
  assert(M.parse { "x.lua", "--metrics", "9100", "--metrics-linger=1.5" }["metrics-linger"] == 1.5)
  local o = assert(M.parse { "--json", "r.json", "x.lua", "cps=5", "--quiet", "--cores=2", "a=b=c" })
  assert(o.json == "r.json" and o.scenario == "x.lua" and o.quiet and o.cores == 2)
  assert(M.parse { "--html", "r.html", "x.lua" }.html == "r.html")
  assert(M.parse { "--sw-csum", "x.lua" }["sw-csum"] and not o["sw-csum"])
  assert(o.args[1][1] == "cps" and o.args[1][2] == "5" and o.args[2][2] == "b=c")
  o = assert(M.parse { "x.lua", "--port", "af_packet:a,gateway=1.2.3.4", "--port=memif:/s:server" })
  assert(#o.ports == 2 and o.ports[1].spec == "af_packet:a" and o.ports[2].driver == "memif")
  assert(select(2, M.parse { "x.lua", "--port", "af_packet:" })
    :match("^%-%-port 'af_packet:': af_packet: the interface name must be"))
  assert(select(2, M.parse { "x.lua", "--port", "bogus:x" }):match("unknown port spec 'bogus:x'"))
  assert(M.parse { "x.lua", "--cores", "2", "--port", "tap:t" })
  assert(M.parse { "x.lua", "--cores", "2", "--port", "af_packet:teng0,queues=2" }.ports[1].queues == 2)
  assert(M.parse { "x.lua", "--cores=2", "--port", "memif:/tmp/m.sock:client,queues=2" })
  assert(M.parse { "x.lua", "--steering", "software" }.steering == "software")
  assert(M.parse { "x.lua", "--steering=port-mask" }.steering == "port-mask")
  assert(select(2, M.parse { "x.lua", "--steering", "fanout" }):match("^%-%-steering: expected auto, rss, port%-mask, ip or software, got 'fanout'"))
  assert(M.parse { "x.lua", "--cores", "2", "--port", "loopback" })
  o = assert(M.parse { "x.lua", "--records", "r.jsonl" })
  assert(o.records == "r.jsonl" and o["records-cap"] == M.RECORDS_CAP and o["records-sample"] == 1)
  o = assert(M.parse { "x.lua", "--records=r.jsonl", "--records-cap", "0", "--records-sample=7" })
  assert(o["records-cap"] == 0 and o["records-sample"] == 7)
  assert(select(2, M.parse { "x.lua", "--records-cap", "5" }) == "--records-cap needs --records FILE")
  assert(select(2, M.parse { "x.lua", "--records", "r", "--records-sample", "0" })
    :match("^%-%-records%-sample: expected a whole number 1%.%.4294967295, got '0'"))
  assert(select(2, M.parse { "x.lua", "--records", "r", "--records-cap", "1.5" }):match("^%-%-records%-cap: expected"))
  assert(done_with({ c_completed = 3, c_failed = 1 }, 0, 4) and not done_with({ c_completed = 3, c_failed = 1 }, 1, 4))
  assert(not done_with({ c_completed = 9, c_failed = 0 }, 0, 0))
  assert(select(2, M.parse { "x.lua", "--cores", "17" }):match("^%-%-cores"))
  assert(select(2, M.parse { "x.lua", "--bogus" }) == "unknown option '--bogus'")
  assert(select(2, M.parse { "x.lua", "y.lua" }):match("expected key=value"))
  assert(select(2, M.parse { "--json" }) == "option --json needs a value")
  assert(select(2, M.parse {}) == "no scenario given")
  assert(M.parse({ "--help" }).help and M.parse({ "--version" }).version)
  assert(M.parse({ "--", "--odd.lua" }).scenario == "--odd.lua")
  assert(select(2, M.parse { "x.lua", "cps=10", "cps=20" }) == "argument 'cps' given twice (cps=10 and cps=20)")
  assert(M.call_hook(function() return "stop" end, {}) == "stop" and M.call_hook(function() end, {}) == nil)
  local _, herr = M.call_hook(function(s) return s.x.y end, {})
  assert(herr:match("^on_second: .*cli%.lua:%d+: attempt to index"), herr)
  _, herr = M.call_hook(function() error({}) end, {})
  assert(herr:match("^on_second: .*table: "), herr)
  local f = assert(io.open("/dev/full", "w"))
  local wok, werr = write_json(f, "/dev/full", { a = 1 })
  assert(not wok and werr:match("^teng: writing the results to /dev/full failed: "), werr)
end

return M
