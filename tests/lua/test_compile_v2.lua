-- The v2 language: templates, listeners, ops, payload fields, phases,
-- criteria, limits and the sandbox, checked on the plan and on d.
--   teng --lua tests/lua/test_compile_v2.lua
local ffi = require "ffi"
local compile = require "teng.compile"
local C = ffi.C

if not pcall(function() return C.teng_plan_new end) then
  local keep = {}
  compile.new_plan = function() return ffi.new("struct teng_plan") end
  compile.plan_blob = function(plan, len)
    local b = ffi.new("uint8_t[?]", len)
    keep[#keep + 1] = b
    plan.blob, plan.blob_len = b, len
    return b
  end
end

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir .. "/proto") == 0 or true)
local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "w"))
  f:write(text)
  f:close()
end
local function compile_text(text, opts)
  write("s.lua", text)
  return pcall(compile.compile_file, dir .. "/s.lua", opts or {})
end

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

write("keys.txt", "alpha\nbeta\r\ngamma\n")
write("mykv.lua", [[
local teng = require "teng"
local M = {}
function M.set(key) return teng.send(teng.payload { "SET ", key, "\r\n" }) end
return M
]])

local V2 = [[
local teng = require "teng"
local resp = require "teng.proto.resp"
local kv = require "mykv"
local key = teng.field.conn { width = 8 }
local rnd = teng.field.random_digits { width = 6 }
local user = teng.field.list { values = teng.lines("keys.txt"), pad = " ", order = "random" }
return teng.scenario {
  name = "v2",
  client = { ip = "198.18.0.1-198.18.0.8", ports = "1024-2047" },
  clients = teng.mix {
    { name = "get", weight = 3, program = {
      teng.step("get", { teng.send(teng.http.request { path = { "/item/", key } }), teng.recv { http = true } }),
      teng.loop(teng.uniform(1, 5), { teng.send { bytes = 100 }, teng.think { exp = 0.001, max = 0.01 } }),
      teng.close() } },
    { name = "set", weight = 1, ip = "198.18.2.1", program = {
      kv.set(key), teng.send(resp.command { "SET", { "k:", key }, { rnd, user } }),
      teng.recv { resp = true, expect = { "+OK\r\n", "+QUEUED\r\n" }, on_fail = "bad", reason = "not_ok" },
      teng.loop(2, { teng.loop("phase", { teng.send "x", teng.recv { line = true, timeout = 0.5 } }) }),
      teng.close { reset = true },
      teng.label "bad", teng.fail "not_ok" } },
  },
  listeners = {
    { name = "web", ip = "198.18.1.1", port = 80, program = { teng.recv { until_ = "\r\n\r\n" },
      teng.send(teng.http.response { status = 200, body = "ok" }), teng.close { half = true } } },
    { name = "echo", ip = "198.18.1.1", port = 7, program = {
      teng.loop("phase", { teng.recv { line = true, echo = true }, teng.echo() }) } },
  },
  phases = {
    { "ramp", duration = 1.0004, cps = teng.ramp(0, 1000) },
    { "hold", duration = 2, cps = 1000, concurrency = 501 },
    { "soak", duration = 1, concurrency = teng.ramp(0, 2001), criteria = { max_failures = 0 } },
    { "burst", duration = 1, cps = teng.max { open = 10 } },
  },
  criteria = { max_fail_ratio = 0.01, max_failures = { total = 10, not_ok = 0 },
    max_latency = { connect = { p99 = "5ms" }, get = { p999 = 0.05 } }, min_cps = 100, min_completed = 1 },
  seed = 42,
  echo = { bytes = 1024, buffers = 64 },
  on_second = function(s) end,
}
]]

local ok, plan, d = compile_text(V2, { cores = 2 })
check(ok, "v2 scenario compiles: " .. tostring(plan))
if ok then
  -- templates and pools
  check(plan.ntemplates == 2 and ffi.string(plan.templates[0].name) == "get", "templates")
  check(plan.templates[0].cum_weight == math.floor(0.75 * 4294967295) and plan.templates[1].cum_weight == 4294967295,
    "cum_weight scaled to 2^32-1")
  check(plan.npools == 2 and plan.templates[0].pool == 0 and plan.templates[1].pool == 1, "two pools")
  check(plan.pools[1].ip_lo == 0xc6120201 and plan.pools[1].port_lo == 1024, "pool ports default to client's")
  check(plan.templates[1].dst_ip == 0xc6120101 and plan.templates[1].dst_port == 80, "dst defaults to the first listener")
  -- listeners
  check(plan.nlisteners == 2 and plan.listeners[1].port == 7 and ffi.string(plan.listeners[1].name) == "echo", "listeners")
  -- ops: absolute indices, programs end with END
  local o = plan.ops
  local p0, p1 = plan.templates[0].prog, plan.templates[1].prog
  check(p0 == 0 and o[0].code == C.TENG_OP_STEP_BEGIN and o[0].a == 0, "step begin")
  check(o[2].code == C.TENG_OP_RECV and o[2].mode == C.TENG_RECV_HTTP and o[2].expect == C.TENG_EXPECT_STATUS
    and o[2].n == 200 and o[2].m == 299, "http recv expects 2xx by default")
  check(o[3].code == C.TENG_OP_STEP_END and o[4].code == C.TENG_OP_LOOP_INIT and o[4].mode == C.TENG_LOOP_UNIFORM
    and o[4].n == 1 and o[4].m == 5 and o[4].a == 0, "loop uniform")
  check(o[5].code == C.TENG_OP_SEND_BULK and o[5].n == 100, "send bulk")
  check(o[6].code == C.TENG_OP_THINK and o[6].mode == C.TENG_DIST_EXP and o[6].n == 1000 and o[6].m == 10000, "think exp")
  check(o[7].code == C.TENG_OP_LOOP_NEXT and o[7].jump == 5 and o[4].jump == 8, "loop jumps")
  check(o[8].code == C.TENG_OP_CLOSE and o[9].code == C.TENG_OP_END and p1 == 10, "close, end")
  local r = o[p1 + 2]
  check(r.mode == C.TENG_RECV_RESP and r.expect == C.TENG_EXPECT_EXACT and r.b == 2 and r.reason == 16, "resp expect alts")
  local fail_at = p1 + 10 -- recv, loop(2) { loop phase { send, recv } }: 6 ops, close reset
  check(o[fail_at].code == C.TENG_OP_FAIL and r.jump == fail_at and o[fail_at].reason == 16, "on_fail jumps to the label")
  check(o[p1 + 3].code == C.TENG_OP_LOOP_INIT and o[p1 + 4].a == 1 and o[p1 + 4].mode == C.TENG_LOOP_PHASE,
    "nested loops use slots 0 and 1")
  check(o[p1 + 6].timeout_ms == 500, "recv timeout")
  check(o[fail_at - 1].code == C.TENG_OP_CLOSE and o[fail_at - 1].mode == C.TENG_CLOSE_RESET, "close reset")
  -- expected alternatives are consecutive payloads
  local function pl(i) return ffi.string(plan.blob + plan.payloads[i].off, plan.payloads[i].len) end
  check(pl(r.a) == "+OK\r\n" and pl(r.a + 1) == "+QUEUED\r\n", "alternatives consecutive")
  -- fields
  local send_set = o[p1 + 1]
  local sp = plan.payloads[send_set.a]
  check(sp.nfields == 3, "resp SET has 3 fields")
  local f0, f1, f2 = plan.fields[sp.field0], plan.fields[sp.field0 + 1], plan.fields[sp.field0 + 2]
  check(f0.kind == C.TENG_FIELD_CONN and f0.width == 8 and f1.kind == C.TENG_FIELD_RAND_DIGITS and f1.salt >= 1
    and f2.kind == C.TENG_FIELD_LIST_RAND and f2.count == 3 and f2.width == 5, "field kinds")
  check(f0.off < f1.off and f1.off + 6 == f2.off, "fields sorted by offset")
  check(pl(f2.arg) == "alpha" and pl(f2.arg + 1) == "beta " and pl(f2.arg + 2) == "gamma", "list values padded, lines read")
  check(pl(send_set.a):match("^%*3\r\n%$3\r\nSET\r\n%$10\r\nk:00000000\r\n%$11\r\n"), "resp command template " .. pl(send_set.a))
  -- listeners' programs
  local lw = plan.listeners[0].prog
  check(o[lw + 2].code == C.TENG_OP_CLOSE and o[lw + 3].code == C.TENG_OP_RECV and o[lw + 3].mode == C.TENG_RECV_EOF,
    "close half = FIN then recv eof")
  local le = plan.listeners[1].prog
  check(o[le + 1].flags == 1 and o[le + 2].code == C.TENG_OP_SEND_ECHO, "echo")
  -- phases
  check(plan.nphases == 4 and plan.phases[0].duration_ms == 1000 and plan.phases[0].kind == C.TENG_RATE_RAMP, "ramp ms")
  local s0, s1 = plan.core[0].sched, plan.core[1].sched
  check(s0[0].cps_to == 500 and s0[0].conc_to == 10000, "ramp: per-core rate, max_open cap")
  check(plan.phases[1].kind == C.TENG_RATE_CPS and s0[1].conc_to == 251 and s1[1].conc_to == 250, "cps + concurrency")
  check(plan.phases[2].kind == C.TENG_RATE_CONCURRENCY and s0[2].conc_from == 0 and s0[2].conc_to == 1001
    and s1[2].conc_to == 1000, "concurrency ramp")
  check(plan.phases[3].kind == C.TENG_RATE_MAX and s0[3].conc_to == 5, "max open")
  -- the rest of the plan
  check(plan.seed == 42 and plan.echo_bytes == 1024 and plan.echo_buffers == 64, "seed, echo")
  check(plan.nsteps == 1 and ffi.string(plan.step_names[0]) == "get", "steps")
  check(plan.nreasons == 17 and ffi.string(plan.reason_names[14]) == "resp_error"
    and ffi.string(plan.reason_names[15]) == "keepalive" and ffi.string(plan.reason_names[16]) == "not_ok", "reasons")
  -- d
  check(d.client and d.server and #d.templates == 2 and d.templates[1].name == "get" and d.templates[1].weight == 3
    and d.templates[1].tx_per_conn == nil and d.templates[2].tx_per_conn == nil, "d.templates")
  check(#d.listeners == 2 and d.listeners[1].ip == "198.18.1.1:80" and d.listeners[2].tx_per_conn == nil, "d.listeners")
  check(d.steps[1] == "get" and d.reasons[17] == "not_ok" and #d.reasons == 17, "d.steps, d.reasons")
  check(type(d.hook) == "function" and d.criteria.default == false, "d.hook, criteria")
  local l = d.criteria.list
  check(#l == 8 and l[1].kind == "max_failures" and l[1].phase == 3 and l[2].kind == "max_fail_ratio"
    and l[2].phase == nil, "criteria: phase first, then run")
  local lat = {}
  for _, c in ipairs(l) do if c.kind == "max_latency" then lat[c.label] = c end end
  check(lat["max_latency.connect.p99"].limit == 5000 and lat["max_latency.get.p999"].pct == 99.9, "latency limits in us")
  check(d.programs.client and d.programs.client[1].name == "step get" and d.dst_port == 80, "d.programs for today's report")
end

-- Limits and errors: { line, message pattern, phases or extra field }
local BASE = [[
local teng = require "teng"
return teng.scenario {
  name = "t",
  client = { ip = "198.18.0.1-198.18.0.2", ports = "1000-2000" },
  server = { ip = "198.18.1.1", port = 80 },
  client_program = { %s },
  server_program = { teng.recv { bytes = 1 }, teng.close() },
  phases = { %s },
  %s
}
]]
local P = '{ "main", duration = 1, cps = 10 }'
local PROG = 'teng.send "x", teng.close()'
local bad = {
  { 8, "phases%[1%].cps: rate 1e%+300 is above the 100000000", PROG, '{ "m", duration = 1, cps = 1e300 }', "" },
  { 8, "phases%[1%].cps: rate 1e%+20 is above", PROG, '{ "m", duration = 1, cps = 1e20 }', "" },
  { 8, "phases%[1%].cps: teng.ramp end 1e%+300 is above", PROG, '{ "m", duration = 1, cps = teng.ramp(0, 1e300) }', "" },
  { 8, "phases%[1%].duration: 4.29497e%+06 s is longer than a phase can last", PROG, '{ "m", duration = 2^32 / 1000, cps = 1 }', "" },
  { 8, "phases%[1%].duration: 9.0072e%+15 s is longer", PROG, '{ "m", duration = 2^53, cps = 1 }', "" },
  { 8, "phases%[1%].duration: 0.0009 s is shorter than 1 ms", PROG, '{ "m", duration = 0.0009, cps = 1 }', "" },
  { 8, "phases%[1%].concurrency: concurrency 2147483648 is above the 16777216", PROG, '{ "m", duration = 1, concurrency = 2^31 }', "" },
  { 8, "phases%[1%].concurrency: teng.ramp end 2147483648 is above", PROG, '{ "m", duration = 1, concurrency = teng.ramp(0, 2^31) }', "" },
  { 8, "phases%[1%].cps.open: teng.max open 2147483648 is above", PROG, '{ "m", duration = 1, cps = teng.max { open = 2^31 } }', "" },
  { 9, "max_open: max_open 2147483648 is above the 16777216", PROG, P, "max_open = 2^31," },
  { 9, "conns: must be <= 1099511627776", PROG, P, "conns = 2^41," },
  { 6, "client_program%[1%]: loop count must be <= 65535, got 65536", 'teng.loop(65536, { teng.send "x" })', P, "" },
  { 6, "client_program%[1%]: think time must be <= 3600, got 3601", 'teng.think(3601)', P, "" },
  { 6, "client_program%[1%].timeout: timeout must be <= 3600, got 4000", 'teng.recv { line = true, timeout = 4000 }', P, "" },
  { 6, "client_program%[2%]: unknown label 'x'", 'teng.send "a", teng.jump "x"', P, "" },
  { 6, "client_program%[1%]%[1%]%[1%]: loops nest at most 2 deep", 'teng.loop(1, { teng.loop(1, { teng.loop(1, { teng.close() }) }) })', P, "" },
  { 6, "client_program%[1%].status: expected 200", 'teng.recv { http = true, status = "ok" }', P, "" },
  { 6, "client_program%[1%].expect: too many alternatives %(9, at most 8%)", 'teng.recv { line = true, expect = { "1","2","3","4","5","6","7","8","9" } }', P, "" },
  { 6, "client_program%[1%].echo: not with eof = true", 'teng.recv { eof = true, echo = true }', P, "" },
  { 6, "client_program%[1%]: teng.close takes nothing", 'teng.close "now"', P, "" },
  { 6, "teng.field.conn: needs width = N", 'teng.send { "a", teng.field.conn {} }', P, "" },
  { 6, "teng.lines: cannot open 'nope.txt'", 'teng.send(teng.lines("nope.txt")[1])', P, "" },
  { 6, "client_program%[1%]: teng.recv needs exactly one of", 'teng.recv { line = true, bytes = 3 }', P, "" },
  { 6, "client_program%[1%].trailer: only with length", 'teng.recv { line = true, trailer = 2 }', P, "" },
  { 6, "client_program%[1%]: teng.close: give reset = true or half = true, not both", 'teng.close { reset = true, half = true }', P, "" },
  { 6, "client_program%[1%]: teng.loop: the body is empty", 'teng.loop(2, {})', P, "" },
  { 6, "client_program%[2%]: teng.label: label 'a' is already defined", 'teng.label "a", teng.label "a"', P, "" },
  { 6, "client_program%[1%]: teng.send: expected a string or a payload, got number 5", 'teng.send(5)', P, "" },
  { 9, "criteria.max_latency.put: unknown latency 'put'", PROG, P, 'criteria = { max_latency = { put = { p99 = 1 } } },' },
  { 9, "criteria.max_failures.bogus: unknown failure reason 'bogus'", PROG, P, 'criteria = { max_failures = { bogus = 1 } },' },
  { 9, "seed: expected an integer", PROG, P, 'seed = 1.5,' },
  { 9, "echo.bytes: must be <= 65536", PROG, P, 'echo = { bytes = 65537 },' },
  { 9, "on_second: expected a function", PROG, P, 'on_second = 1,' },
  { 9, "clients: give clients or client_program, not both", PROG, P, 'clients = teng.mix { { name = "a", program = { teng.close() } } },' },
}
for i, c in ipairs(bad) do
  local okc, err = compile_text(BASE:format(c[3], c[4], c[5]))
  local want = "^" .. (dir .. "/s.lua"):gsub("%p", "%%%0") .. ":" .. c[1] .. ": " .. c[2]
  check(not okc and type(err) == "string" and err:match(want),
    ("limit case %d: want %d: %s\n  got %s"):format(i, c[1], c[2], tostring(err)))
end

-- The drain teng gives a scenario that sets none: longer while impairment
-- loses segments (retransmissions still run when the phases end), the
-- scenario's own value always.
do
  local cases = {
    { "", nil, 2 },
    { "impair = { loss = 0.05 },", nil, 15 },
    { "impair = { loss = 0.05 }, drain = 1,", nil, 1 },
    { "", { impair = { delay = 5 } }, 15 },
    { "impair = { seed = 3 },", nil, 2 }, -- a seed alone impairs nothing
  }
  for i, c in ipairs(cases) do
    local okc, plan = compile_text(BASE:format(PROG, P, c[1]), c[2])
    check(okc and math.abs(plan.drain_s - c[3]) < 1e-9,
      ("drain case %d: want %g, got %s"):format(i, c[3], okc and tostring(plan.drain_s) or tostring(plan)))
  end
end

-- Sandbox and modules.
local function script(body) return 'local teng = require "teng"\n' .. body .. "\n" .. BASE:format(PROG, P, ""):gsub("^[^\n]*\n", "") end
local sandboxed = {
  { 2, "os.exit is not available in a scenario script", "os.exit(0)" },
  { 2, "os.execute is not available", "os.execute('true')" },
  { 2, "io.popen is not available", "io.popen('id')" },
  { 2, "io.open is not available", "io.open('/etc/passwd')" },
  { 2, "module 'ffi' is not available", "require 'ffi'" },
  { 2, "module 'debug' is not available", "require 'debug'" },
  { 2, "loadfile is not available", "loadfile('x')" },
  { 2, "dofile is not available", "dofile('x')" },
  { 2, "package.loadlib is not available", "package.loadlib('x', 'y')" },
  { 2, "module 'teng.compile' is internal to teng", "require 'teng.compile'" },
  { 3, "the script did not return within 0.2 s", "local n = 0\nwhile true do n = n + 1 end" },
}
local old_getenv = os.getenv
os.getenv = function(k) if k == "TENG_SCRIPT_TIMEOUT" then return "0.2" end return old_getenv(k) end
for i, c in ipairs(sandboxed) do
  local okc, err = compile_text(script(c[3]))
  local want = "^" .. (dir .. "/s.lua"):gsub("%p", "%%%0") .. ":" .. c[1] .. ": " .. c[2]
  check(not okc and type(err) == "string" and err:match(want),
    ("sandbox case %d: want %d: %s\n  got %s"):format(i, c[1], c[2], tostring(err)))
end
os.getenv = old_getenv
check(jit.status(), "the JIT is back on after the script")

-- A constructor error inside a proto module names the script's line.
local okc, err = compile_text(script('local resp = require "teng.proto.resp"\nlocal c = resp.command {}'))
check(not okc and err:match("^" .. (dir .. "/s.lua"):gsub("%p", "%%%0") .. ":3: resp.command: expected a list"),
  "proto module errors name the script: " .. tostring(err))

write("broken.lua", "local M = {}\n\nM.x = nil + 1\nreturn M\n")
okc, err = compile_text(script('local b = require "broken"'))
check(not okc and err:match("^" .. (dir .. "/broken.lua"):gsub("%p", "%%%0") .. ":3: attempt to perform arithmetic"),
  "an error in a module names the module: " .. tostring(err))
write("usesteng.lua", "local teng = require 'teng'\nlocal M = {}\n\nM.p = teng.bytes(-1)\nreturn M\n")
okc, err = compile_text(script('local b = require "usesteng"'))
check(not okc and err:match("^" .. (dir .. "/usesteng.lua"):gsub("%p", "%%%0") .. ":4: teng.bytes: expected a byte count"),
  "a constructor error in a module names the module's line: " .. tostring(err))
write("proto/init.lua", "return { v = 7 }\n")
okc, err = compile_text(script('assert(require("proto").v == 7)'))
check(okc, "DIR/?/init.lua is found: " .. tostring(err))

os.execute("rm -rf " .. dir)
print(("%d checks, %d failures"):format(checks, failures))
return failures == 0 and 0 or 1
