-- Pass criteria, per phase and for the whole run, normalized for the
-- verdict (teng.verdict): d.criteria = { default = bool, list = { { kind,
-- label, phase (1-based index or nil), metric, pct, limit, reason } } };
-- latency limits in microseconds.
local teng = require "teng"
local source = require "teng.source"

local M = {}
local describe = source.describe

local KEYS = { "max_fail_ratio", "max_failures", "max_latency", "min_cps", "min_completed" }
local UNITS = { us = 1, ["µs"] = 1, ms = 1e3, s = 1e6 }

-- 0.005 (seconds) or "5ms" / "250us" / "1.5 s" -> microseconds, or nil.
function M.time_us(v)
  if type(v) == "number" then return v * 1e6 end
  if type(v) ~= "string" then return nil end
  local n, u = v:match("^%s*([%d.]+)%s*(%S+)%s*$")
  n = tonumber(n)
  if n and UNITS[u] then return n * UNITS[u] end
end

-- "p99" -> 99, "p999" -> 99.9, "p50" -> 50, "max" / "p100" -> 100.
function M.percentile(k)
  if k == "max" or k == "p100" then return 100 end
  local s = type(k) == "string" and k:match("^p(%d+)$")
  if not s then return nil end
  local p = #s <= 2 and tonumber(s) or tonumber(s:sub(1, 2) .. "." .. s:sub(3))
  if p > 0 and p < 100 then return p end
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

-- Adds the criteria of table t (path names it; phase: index or nil).
function M.add(ctx, d, t, at, path, phase)
  ctx:table(t, at, path, "a table of criteria")
  ctx:only(t, KEYS, path, at)
  local list = d.criteria.list
  local function add(c)
    c.phase = phase
    list[#list + 1] = c
  end
  local function num(v, p, o) return ctx:number(v, at, p, o) end
  if t.max_fail_ratio ~= nil then
    add { kind = "max_fail_ratio", label = "max_fail_ratio",
      limit = num(t.max_fail_ratio, path .. ".max_fail_ratio", { min = 0, max = 1 }) }
  end
  local mf = t.max_failures
  if type(mf) == "table" and not teng.kind(mf) then
    for _, k in ipairs(sorted_keys(mf)) do
      local p = path .. ".max_failures." .. tostring(k)
      if k ~= "total" and (type(k) ~= "string" or not d.reason_ids[k]) then
        ctx:fail(at, p, "unknown failure reason '%s' (reasons: total, %s)", tostring(k),
          table.concat(d.reasons, ", "))
      end
      add { kind = "max_failures", label = "max_failures." .. k, reason = k ~= "total" and k or nil,
        limit = num(mf[k], p, { int = true, min = 0, max = 2 ^ 53 }) }
    end
  elseif mf ~= nil then
    add { kind = "max_failures", label = "max_failures",
      limit = num(mf, path .. ".max_failures", { int = true, min = 0, max = 2 ^ 53 }) }
  end
  local ml = t.max_latency
  if ml ~= nil then
    ctx:table(ml, at, path .. ".max_latency", "a table like { connect = { p99 = \"5ms\" } }")
    for _, metric in ipairs(sorted_keys(ml)) do
      local p = path .. ".max_latency." .. tostring(metric)
      if metric ~= "connect" and metric ~= "transaction" and not d.step_ids[metric] then
        ctx:fail(at, p, "unknown latency '%s' (connect, transaction or a step name%s)", tostring(metric),
          #d.steps > 0 and ": " .. table.concat(d.steps, ", ") or "")
      end
      local pcts = ctx:table(ml[metric], at, p, "a table like { p99 = \"5ms\" }")
      for _, k in ipairs(sorted_keys(pcts)) do
        local pct = M.percentile(k)
        if not pct then ctx:fail(at, p, "unknown percentile '%s' (p50, p90, p99, p999, max, ...)", tostring(k)) end
        local us = M.time_us(pcts[k])
        if not us or us <= 0 or us ~= us or us == math.huge then
          ctx:fail(at, p .. "." .. k, "expected a time (seconds, or a string like \"5ms\", \"250us\"), got %s",
            describe(pcts[k]))
        end
        add { kind = "max_latency", label = ("max_latency.%s.%s"):format(metric, k), metric = metric,
          pct = pct, limit = us }
      end
    end
  end
  if t.min_cps ~= nil then
    add { kind = "min_cps", label = "min_cps", limit = num(t.min_cps, path .. ".min_cps", { min = 0, max = 1e12 }) }
  end
  if t.min_completed ~= nil then
    add { kind = "min_completed", label = "min_completed",
      limit = num(t.min_completed, path .. ".min_completed", { int = true, min = 0, max = 2 ^ 53 }) }
  end
end

function M.selftest()
  assert(M.time_us("5ms") == 5000 and M.time_us(0.05) == 50000 and M.time_us("250 us") == 250)
  assert(M.time_us("1.5s") == 1.5e6 and not M.time_us("5 min") and not M.time_us({}))
  assert(M.percentile("p99") == 99 and M.percentile("p999") == 99.9 and M.percentile("p50") == 50)
  assert(M.percentile("max") == 100 and M.percentile("p9999") == 99.99 and not M.percentile("x"))
  local d = { criteria = { list = {} }, reason_ids = { mismatch = 7 }, reasons = { "mismatch" },
    step_ids = { get = 0 }, steps = { "get" } }
  local ctx = setmetatable(source.context("", {}), require("teng.check").Ctx)
  M.add(ctx, d, { max_fail_ratio = 0.01, max_failures = { total = 10, mismatch = 2 },
    max_latency = { connect = { p99 = "5ms" }, get = { p999 = 0.01 } }, min_cps = 5 }, 1, "criteria", 2)
  local l = d.criteria.list
  assert(#l == 6 and l[1].kind == "max_fail_ratio" and l[1].phase == 2)
  assert(l[2].label == "max_failures.mismatch" and l[2].reason == "mismatch" and l[3].reason == nil)
  assert(l[4].label == "max_latency.connect.p99" and l[4].limit == 5000 and l[4].pct == 99)
  assert(l[5].metric == "get" and l[5].pct == 99.9 and l[5].limit == 10000 and l[6].kind == "min_cps")
  local ok, e = pcall(M.add, ctx, d, { max_latency = { put = { p99 = 1 } } }, 1, "criteria")
  assert(not ok and e.msg:match("unknown latency 'put'"), tostring(e))
end

return M
