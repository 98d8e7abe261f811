-- The verdict: the ONE place that decides whether a run passed. It reads
-- the results model (report.result) and the compiler's criteria
-- (d.criteria, spec section 3) and returns every criterion with what was
-- measured, its limit and whether it was met.
--
-- Criteria (d.criteria.list entries: kind, label, phase, metric, pct,
-- limit, reason; phase is an index into the phase list (1-based) or a
-- phase name, nil for the whole run; latency limits in microseconds):
--   max_fail_ratio  failed / (completed + failed), per role that runs
--                   (metric "client" or "server" picks one)
--   max_failures    failed connections of both roles (reason nil or
--                   "total"), or those failed with one reason
--   max_latency     metric connect | transaction (client) | a step name
--                   (whole run only); pct 99, 99.9, "p99", "max", "mean"
--   min_cps         completed client connections per second
--   min_completed   completed connections (the client's; metric "server"
--                   or a server-only run: the server's)
-- Default criteria (no d.criteria, or d.criteria.default): no failed
-- connection in a role that runs; server connections that failed in the
-- handshake (reason "handshake") do not count. Always: a role that runs and completed
-- nothing fails the run.
local units = require "teng.units"

local M = {}

local STANDARD = { p50 = true, p90 = true, p99 = true, p999 = true, max = true, mean = true }

-- A criterion's pct -> the latency model's key and the percentile:
-- 99 -> "p99", 99.9 -> "p999", "p99.9" -> "p999", "max" -> "max".
function M.pct_key(pct)
  if pct == nil then return "p99", 99 end
  if pct == "max" or pct == "mean" then return pct, pct end
  local p = type(pct) == "number" and pct or tonumber((tostring(pct):gsub("^p", "")))
  if not p then return nil end
  if type(pct) == "string" and p > 100 and not pct:find("%.") then
    -- "p999" means 99.9, "p9999" 99.99: digits after the first two are decimals.
    local digits = pct:gsub("^p", "")
    p = tonumber(digits:sub(1, 2) .. "." .. digits:sub(3))
  end
  if p < 0 or p > 100 then return nil end
  if p == 100 then return "max", "max" end -- the compiler gives "max" as 100
  local key = "p" .. (("%g"):format(p):gsub("%.", ""))
  return key, p
end

-- Percentiles the criteria ask for beyond the ones the model always has.
function M.extra_pcts(d)
  local want = {}
  for _, c in ipairs(d.criteria and d.criteria.list or {}) do
    if c.kind == "max_latency" then
      local key, p = M.pct_key(c.pct)
      if key and not STANDARD[key] then want[key] = p end
    end
  end
  return want
end

local function sum_failures(...)
  local t = {}
  for _, f in ipairs { ... } do
    for k, v in pairs(f or {}) do t[k] = (t[k] or 0) + v end
  end
  return t
end

-- The part of the model a criterion looks at: the whole run or one phase.
local function scope_of(r, phase)
  if phase == nil then
    return { name = nil, client = r.client, server = r.server, latency = r.client.latency_us,
      cps = r.client.cps, duration_s = r.duration_s }
  end
  local ph
  if type(phase) == "number" then ph = r.phases[phase]
  else
    for _, p in ipairs(r.phases) do if p.name == phase then ph = p end end
  end
  if not ph then return nil end
  -- min_cps counts client connections, also where ph.cps (a server-only
  -- run's) counts the server's.
  local cps = ph.cps
  if (ph.duration_s or 0) > 0 then cps = (ph.client.completed or 0) / ph.duration_s end
  return { name = ph.name, client = ph.client, server = ph.server, latency = ph.latency_us,
    cps = cps, duration_s = ph.duration_s }
end

local function roles_of(d, metric)
  if metric == "client" or metric == "server" then return { metric } end
  local t = {}
  if d.client then t[#t + 1] = "client" end
  if d.server then t[#t + 1] = "server" end
  return t
end

local function completed(side) return side.completed or 0 end
local function failed(side) return side.failed or 0 end

local function default_label(c)
  local parts = { c.kind }
  if c.kind == "max_failures" then parts[2] = c.reason or "total" end
  if c.kind == "max_latency" then parts[2] = c.metric; parts[3] = (M.pct_key(c.pct)) end
  return table.concat(parts, ".")
end

-- One entry of the verdict.
local function entry(c, s, role, measured, limit, ok, unit, note)
  return { label = c.label or default_label(c), kind = c.kind, phase = s and s.name, role = role,
    measured = measured, limit = limit, ok = ok, unit = unit, note = note }
end

local EVAL = {}

function EVAL.max_fail_ratio(c, s, d, out)
  for _, role in ipairs(roles_of(d, c.metric)) do
    local side = s[role]
    local n = completed(side) + failed(side)
    local ratio = n > 0 and failed(side) / n or 0
    out[#out + 1] = entry(c, s, role, ratio, c.limit, ratio <= c.limit, "ratio")
  end
end

function EVAL.max_failures(c, s, d, out)
  local n
  if c.reason == nil or c.reason == "total" then
    n = (d.client and failed(s.client) or 0) + (d.server and failed(s.server) or 0)
  else
    n = sum_failures(s.client.failures, s.server.failures)[c.reason] or 0
  end
  out[#out + 1] = entry(c, s, nil, n, c.limit, n <= c.limit, "count")
end

function EVAL.max_latency(c, s, d, out, r)
  local key = M.pct_key(c.pct)
  local lat
  if c.metric == "connect" or c.metric == "transaction" then
    lat = s.latency and s.latency[c.metric]
  elseif s.name then
    out[#out + 1] = entry(c, s, nil, nil, c.limit, false, "us",
      ("step '%s': step latency is kept for the whole run only"):format(tostring(c.metric)))
    return
  else
    lat = r.steps and r.steps[c.metric]
  end
  if not lat then
    out[#out + 1] = entry(c, s, nil, nil, c.limit, false, "us",
      ("no latency '%s' was measured"):format(tostring(c.metric)))
    return
  end
  local v = lat[key] or 0
  out[#out + 1] = entry(c, s, nil, v, c.limit, v <= c.limit, "us")
end

function EVAL.min_cps(c, s, d, out)
  local v = s.cps or 0
  out[#out + 1] = entry(c, s, nil, v, c.limit, v >= c.limit, "cps")
end

function EVAL.min_completed(c, s, d, out)
  local role = c.metric or (d.client and "client" or "server")
  local v = completed(s[role])
  out[#out + 1] = entry(c, s, role, v, c.limit, v >= c.limit, "count")
end

-- d: the compiler's description (client, server, criteria); r: the
-- results model. Returns { pass, criteria = { entries } }.
function M.evaluate(d, r)
  local out = {}
  local crit = d.criteria
  for _, c in ipairs(crit and crit.list or {}) do
    local s = scope_of(r, c.phase)
    local fn = EVAL[c.kind]
    if not fn then
      out[#out + 1] = entry(c, nil, nil, nil, c.limit, false, nil, "unknown criterion " .. tostring(c.kind))
    elseif not s then
      out[#out + 1] = entry(c, { name = tostring(c.phase) }, nil, nil, c.limit, false, nil, "no such phase")
    else
      fn(c, s, d, out, r)
    end
  end
  local run = scope_of(r, nil)
  if crit == nil or crit.default then
    for _, role in ipairs(roles_of(d)) do
      local side = run[role] or {}
      local n, note = failed(side), nil
      -- A server handshake that never reached ESTABLISHED (an outsider's
      -- SYN that its sender resets, or a SYN-ACK never answered) says
      -- nothing about the peer under test: it is counted under its own
      -- reason but does not fail the run. A client's still does.
      local hs = role == "server" and side.failures and side.failures.handshake or 0
      if hs > 0 then
        n = n - hs
        note = ("%d server handshake%s never completed, not counted"):format(hs, hs == 1 and "" or "s")
      end
      out[#out + 1] = entry({ label = "failed", kind = "default" }, nil, role, n, 0, n == 0, "count", note)
    end
  end
  -- conns = N: exactly N connections opened and each one counted as
  -- completed or failed; a count not reached fails the run.
  if d.conns and d.client then
    local c = run.client or {}
    local n = c.attempted or 0
    local counted = completed(c) + failed(c)
    out[#out + 1] = entry({ label = "conns", kind = "conns" }, nil, "client", n, d.conns,
      n == d.conns and counted == d.conns, "count",
      n ~= d.conns and ("opened %d of the %d connections asked"):format(n, d.conns)
        or counted ~= d.conns and ("%d of them not counted as completed or failed"):format(d.conns - counted)
        or nil)
  end
  for _, role in ipairs(roles_of(d)) do
    local n = completed(run[role])
    out[#out + 1] = entry({ label = "completed", kind = "always" }, nil, role, n, 1, n >= 1, "count",
      n == 0 and ("the %s ran and completed no connection"):format(role) or nil)
  end
  local pass = true
  for _, e in ipairs(out) do pass = pass and e.ok end
  return { pass = pass, criteria = out }
end

local FMT = {
  us = function(v) return units.us(v) end, us_limit = units.us_limit,
  ratio = units.ratio, ratio_limit = units.ratio_limit,
  cps = function(v) return units.rate(v) .. " cps" end,
  cps_limit = function(v) return units.rate_limit(v) .. " cps" end,
  count = units.count, count_limit = units.count,
}

-- "max_latency.connect.p99 (phase steady): 7.20 ms > 5 ms"
function M.describe(e)
  local where = {}
  if e.role then where[#where + 1] = e.role end
  where[#where + 1] = e.phase and "phase " .. e.phase or "run"
  local s = ("%s (%s)"):format(e.label, table.concat(where, ", "))
  if e.measured ~= nil and e.unit then
    local min = e.kind == "min_cps" or e.kind == "min_completed" or e.kind == "always"
      or e.kind == "conns"
    local op = e.ok and (min and ">=" or "<=") or (min and "<" or ">")
    s = ("%s: %s %s %s"):format(s, FMT[e.unit](e.measured), op, FMT[e.unit .. "_limit"](e.limit))
  end
  if e.note then s = s .. (e.measured ~= nil and " (" .. e.note .. ")" or ": " .. e.note) end
  return s
end

function M.selftest()
  assert(M.pct_key(99) == "p99" and M.pct_key(99.9) == "p999" and M.pct_key("p999") == "p999")
  assert(M.pct_key("p99.9") == "p999" and M.pct_key("max") == "max" and M.pct_key(95) == "p95")
  assert(M.pct_key(100) == "max" and M.pct_key("p100") == "max" and M.pct_key(99.99) == "p9999")
  assert(select(2, M.pct_key("p9999")) == 99.99 and select(2, M.pct_key("p999")) == 99.9)
  local lat = { p50 = 1, p90 = 2, p99 = 7200, p999 = 9000, max = 9000, mean = 3 }
  local side = { completed = 10, failed = 0, failures = {} }
  local r = { duration_s = 1, client = { completed = 10, failed = 0, cps = 10, failures = {}, latency_us = { connect = lat } },
    server = side, steps = {},
    phases = { { name = "steady", client = side, server = side, cps = 10, latency_us = { connect = lat } } } }
  local d = { client = true, server = true, criteria = { list = {
    { kind = "max_latency", label = "max_latency.connect.p99", phase = 1, metric = "connect", pct = 99, limit = 5000 } } } }
  local v = M.evaluate(d, r)
  assert(not v.pass and #v.criteria == 3, #v.criteria)
  assert(M.describe(v.criteria[1]) == "max_latency.connect.p99 (phase steady): 7.20 ms > 5 ms", M.describe(v.criteria[1]))
  assert(M.describe(v.criteria[2]) == "completed (client, run): 10 >= 1", M.describe(v.criteria[2]))
  -- the default: a server handshake failure does not fail the run, a
  -- client's does
  local srv = { completed = 10, failed = 1, failures = { handshake = 1 } }
  r = { duration_s = 1, client = { completed = 10, failed = 0, failures = {} }, server = srv, phases = {} }
  v = M.evaluate({ client = true, server = true }, r)
  assert(v.pass, "a server handshake failure failed the run")
  assert(v.criteria[2].role == "server" and v.criteria[2].measured == 0)
  assert(M.describe(v.criteria[2]) == "failed (server, run): 0 <= 0 (1 server handshake never completed, not counted)",
    M.describe(v.criteria[2]))
  srv.failed, srv.failures.reset = 2, 1
  assert(not M.evaluate({ client = true, server = true }, r).pass, "a server reset must still fail the run")
  srv.failed, srv.failures.reset = 1, nil
  r.client = { completed = 10, failed = 1, failures = { handshake = 1 } }
  assert(not M.evaluate({ client = true, server = true }, r).pass, "a client handshake failure must fail the run")
end

return M
