-- The latency histogram agrees with an exact sort within 1% (issue 6,
-- "no coordinated omission"): 100,000 random samples spread log-uniformly
-- over 1 us .. 100 s go through teng_hist_record (C, via the FFI) and
-- teng_hist_percentile is compared with the sorted samples at p50, p90,
-- p99 and p99.9, and at a few more ranks.
--   teng --lua tests/lua/test_hist.lua
-- In plain luajit (no C functions) it checks the Lua model in
-- tests/lua/hist_lua.lua instead, and says so.
local ffi = require "ffi"
require "teng.cdef"

local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "tests/lua"
local hist = dofile(dir .. "/hist_lua.lua")
local record, percentile, which = hist.use_c_or_lua()

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

local N = 100000
local LO, HI = 1, 100e6 -- microseconds
math.randomseed(6)
local h = ffi.new("struct teng_hist")
local samples, sum, max = {}, 0, 0
for i = 1, N do
  -- log-uniform: exp of a uniform between log(LO) and log(HI)
  local v = math.floor(math.exp(math.log(LO) + math.random() * (math.log(HI) - math.log(LO))))
  samples[i] = v
  sum, max = sum + v, math.max(max, v)
  record(h, v)
end
table.sort(samples)

-- The exact percentile: the sample at rank ceil(p% of N).
local function exact(p) return samples[math.max(1, math.ceil(p / 100 * N))] end

check(tonumber(h.total) == N, "total " .. tostring(h.total))
check(tonumber(h.max) == max, ("max %s, want %d"):format(tostring(h.max), max))
check(tonumber(h.sum) == sum, ("sum %s, want %d"):format(tostring(h.sum), sum))
for _, p in ipairs { 50, 90, 99, 99.9, 10, 25, 75, 95, 99.99, 1 } do
  local got, want = percentile(h, p), exact(p)
  local err = math.abs(got - want) / want
  check(err <= 0.01, ("p%g: histogram %.1f us, exact %d us, error %.2f%%"):format(p, got, want, err * 100))
end
check(percentile(h, 100) <= max, "p100 never above the max")

-- Small values are exact; an empty histogram gives 0.
local small = ffi.new("struct teng_hist")
for v = 0, 99 do record(small, v) end
local p50 = percentile(small, 50)
check(p50 == 49 or p50 == 50, "small values exact: p50 " .. p50)
check(percentile(ffi.new("struct teng_hist"), 99) == 0, "empty histogram: 0")

print(("test_hist: %d checks, %d failed (%s)"):format(checks, failures, which))
if failures > 0 then os.exit(1) end
return 0
