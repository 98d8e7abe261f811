-- The verdict (lua/teng/verdict.lua): every criterion kind, for a phase and
-- for the run, met and missed; the default criteria; a role that ran and
-- completed nothing.
--   teng --lua tests/lua/test_verdict.lua
local verdict = require "teng.verdict"

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

local function lat(p99, extra)
  local t = { p50 = p99 / 2, p90 = p99 * 0.8, p99 = p99, p999 = p99 * 1.5, max = p99 * 2, mean = p99 / 2, count = 10 }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function side(completed, failed, fails)
  return { attempted = completed + failed, accepted = completed + failed, completed = completed, failed = failed,
    failures = fails or {} }
end

-- A run of two phases: "ramp" clean and fast, "steady" with failures and slow.
local function model()
  return {
    duration_s = 12,
    client = { completed = 5000, failed = 50, cps = 5000 / 12, failures = { mismatch = 40, reset = 10 },
      latency_us = { connect = lat(3000), transaction = lat(20000) } },
    server = side(5040, 2, { reset = 2 }),
    steps = { login = lat(1500, { p95 = 1200 }) },
    phases = {
      { name = "ramp", duration_s = 2, cps = 250, client = side(500, 0), server = side(500, 0),
        latency_us = { connect = lat(1000), transaction = lat(5000) } },
      { name = "steady", duration_s = 10, cps = 450, client = side(4500, 50, { mismatch = 40, reset = 10 }),
        server = side(4540, 2, { reset = 2 }), latency_us = { connect = lat(7200), transaction = lat(30000) } },
    },
  }
end

local function run(list, d)
  d = d or {}
  d.client = d.client == nil and true or d.client
  d.server = d.server == nil and true or d.server
  if list then d.criteria = { list = list, default = d.default } end
  return verdict.evaluate(d, d.model or model())
end

-- The one entry of a criterion (not the "completed" ones always added).
local function only(v, label)
  local found
  for _, e in ipairs(v.criteria) do
    if e.label == label then
      check(found == nil or label == "max_fail_ratio", "one entry for " .. label)
      found = found or e
    end
  end
  return found
end

local function case(name, c, want_ok, want_text)
  local v = run({ c })
  local e = only(v, c.label)
  check(e ~= nil, name .. ": entry present")
  if not e then return end
  check(e.ok == want_ok, ("%s: ok %s, want %s"):format(name, tostring(e.ok), tostring(want_ok)))
  check(v.pass == want_ok, name .. ": pass follows")
  if want_text then
    local got = verdict.describe(e)
    check(got == want_text, ("%s: describe\n  got  %s\n  want %s"):format(name, got, want_text))
  end
end

-- max_latency: connect / transaction, per phase and for the run, and a step.
case("latency phase missed", { kind = "max_latency", label = "max_latency.connect.p99", phase = 2,
  metric = "connect", pct = 99, limit = 5000 }, false, "max_latency.connect.p99 (phase steady): 7.20 ms > 5 ms")
case("latency phase met", { kind = "max_latency", label = "max_latency.connect.p99", phase = 1,
  metric = "connect", pct = 99, limit = 5000 }, true, "max_latency.connect.p99 (phase ramp): 1.00 ms <= 5 ms")
case("latency phase by name", { kind = "max_latency", label = "max_latency.connect.p99", phase = "steady",
  metric = "connect", pct = "p99", limit = 5000 }, false)
case("latency run met", { kind = "max_latency", label = "max_latency.transaction.p999", metric = "transaction",
  pct = 99.9, limit = 50000 }, true, "max_latency.transaction.p999 (run): 30.0 ms <= 50 ms")
case("latency run missed", { kind = "max_latency", label = "max_latency.transaction.max", metric = "transaction",
  pct = "max", limit = 30000 }, false, "max_latency.transaction.max (run): 40.0 ms > 30 ms")
case("max as 100", { kind = "max_latency", label = "max_latency.transaction.max", metric = "transaction",
  pct = 100, limit = 30000 }, false, "max_latency.transaction.max (run): 40.0 ms > 30 ms")
case("step met", { kind = "max_latency", label = "max_latency.login.p95", metric = "login", pct = 95,
  limit = 1500 }, true, "max_latency.login.p95 (run): 1.20 ms <= 1.5 ms")
case("step missed", { kind = "max_latency", label = "max_latency.login.p99", metric = "login", pct = 99,
  limit = 250 }, false, "max_latency.login.p99 (run): 1.50 ms > 250 µs")
case("unknown step", { kind = "max_latency", label = "max_latency.nope.p99", metric = "nope", pct = 99,
  limit = 250 }, false, "max_latency.nope.p99 (run): no latency 'nope' was measured")

case("step in a phase", { kind = "max_latency", label = "max_latency.login.p99", phase = 1, metric = "login",
  pct = 99, limit = 250 }, false,
  "max_latency.login.p99 (phase ramp): step 'login': step latency is kept for the whole run only")

-- max_fail_ratio: per role that runs.
do
  local c = { kind = "max_fail_ratio", label = "max_fail_ratio", limit = 0.005 }
  local v = run({ c })
  local roles = {}
  for _, e in ipairs(v.criteria) do if e.label == "max_fail_ratio" then roles[e.role] = e end end
  check(roles.client and not roles.client.ok, "fail ratio client missed (50 / 5050)")
  check(roles.server and roles.server.ok, "fail ratio server met (2 / 5042)")
  check(verdict.describe(roles.client) == "max_fail_ratio (client, run): 0.99% > 0.5%", verdict.describe(roles.client))
  check(not v.pass, "fail ratio: run fails")
  v = run({ { kind = "max_fail_ratio", label = "max_fail_ratio", phase = 1, limit = 0 } })
  check(v.pass, "fail ratio in a clean phase met")
  v = run({ { kind = "max_fail_ratio", label = "max_fail_ratio", limit = 0.5 } }, { server = false })
  check(#v.criteria == 2 and v.pass, "fail ratio: client only")
end

-- max_failures: total (both roles) or one reason, per phase and run.
case("failures total missed", { kind = "max_failures", label = "max_failures.total", limit = 10 }, false,
  "max_failures.total (run): 52 > 10")
case("failures total met", { kind = "max_failures", label = "max_failures.total", limit = 52 }, true)
case("failures reason missed", { kind = "max_failures", label = "max_failures.reset", reason = "reset", limit = 11 },
  false, "max_failures.reset (run): 12 > 11")
case("failures reason met", { kind = "max_failures", label = "max_failures.http_status", reason = "http_status",
  limit = 0 }, true, "max_failures.http_status (run): 0 <= 0")
case("failures phase met", { kind = "max_failures", label = "max_failures.total", phase = 1, limit = 0 }, true,
  "max_failures.total (phase ramp): 0 <= 0")
case("failures phase missed", { kind = "max_failures", label = "max_failures.mismatch", phase = 2,
  reason = "mismatch", limit = 0 }, false, "max_failures.mismatch (phase steady): 40 > 0")

-- min_cps and min_completed.
case("min_cps run missed", { kind = "min_cps", label = "min_cps", limit = 1000 }, false,
  "min_cps (run): 417 cps < 1000 cps")
case("min_cps run met", { kind = "min_cps", label = "min_cps", limit = 400 }, true)
case("min_cps phase missed", { kind = "min_cps", label = "min_cps", phase = 2, limit = 500 }, false,
  "min_cps (phase steady): 450 cps < 500 cps")
case("min_cps phase met", { kind = "min_cps", label = "min_cps", phase = 1, limit = 250 }, true)
case("min_completed run met", { kind = "min_completed", label = "min_completed", limit = 5000 }, true,
  "min_completed (client, run): 5000 >= 5000")
case("min_completed run missed", { kind = "min_completed", label = "min_completed", limit = 5001 }, false)
case("min_completed phase missed", { kind = "min_completed", label = "min_completed", phase = 1, limit = 1000 },
  false, "min_completed (client, phase ramp): 500 < 1000")
case("min_completed server", { kind = "min_completed", label = "min_completed", metric = "server", limit = 5040 }, true)
case("no such phase", { kind = "min_cps", label = "min_cps", phase = 7, limit = 1 }, false)

-- Default criteria: no failed connection in any role, and completed >= 1.
do
  local v = verdict.evaluate({ client = true, server = true }, model())
  check(not v.pass and #v.criteria == 4, "default: 4 entries, fails")
  local failed = {}
  for _, e in ipairs(v.criteria) do if e.label == "failed" then failed[e.role] = e end end
  check(verdict.describe(failed.client) == "failed (client, run): 50 > 0", verdict.describe(failed.client))
  check(not failed.server.ok, "default: server failures too")
  local clean = model()
  clean.client.failed, clean.server.failed = 0, 0
  v = verdict.evaluate({ client = true, server = true }, clean)
  check(v.pass, "default: a clean run passes")
  v = verdict.evaluate({ client = true, server = true, criteria = { default = true, list = {
    { kind = "min_cps", label = "min_cps", limit = 1e6 } } } }, clean)
  check(not v.pass and #v.criteria == 5, "default = true adds to a list")
  v = verdict.evaluate({ client = true, server = true, criteria = { list = {} } }, model())
  check(v.pass and #v.criteria == 2, "criteria given without default: failures alone do not fail")
end

-- A role that ran and completed nothing fails, even with criteria that pass.
do
  local m = model()
  m.server = side(0, 0)
  local v = verdict.evaluate({ client = false, server = true,
    criteria = { list = { { kind = "max_failures", label = "max_failures.total", limit = 1000 } } } }, m)
  check(not v.pass, "server-only that accepted nothing fails")
  local last = v.criteria[#v.criteria]
  check(verdict.describe(last) == "completed (server, run): 0 < 1 (the server ran and completed no connection)",
    verdict.describe(last))
  m.client = { completed = 0, failed = 0, cps = 0, failures = {}, latency_us = {} }
  v = verdict.evaluate({ client = true, server = false }, m)
  check(not v.pass and v.criteria[#v.criteria].role == "client", "a client that did nothing fails")
  v = verdict.evaluate({ client = false, server = false }, m)
  check(v.pass and #v.criteria == 0, "no role: nothing to check")
end

print(("test_verdict: %d checks, %d failed"):format(checks, failures))
if failures > 0 then os.exit(1) end
return 0
