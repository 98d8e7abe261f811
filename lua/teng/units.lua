-- Human units for the reports: times given in microseconds print as µs,
-- ms or s with three significant digits, never as 3.14573e+06; limits
-- print as short as they are exact ("5 ms"). parse_time reads "5ms",
-- "250us", "0.5s" or a number of seconds.
local M = {}

-- Three significant digits: 7.2 -> "7.20", 12.34 -> "12.3", 123.4 -> "123".
local function sig3(x)
  local a = math.abs(x)
  if a >= 99.95 then return ("%.0f"):format(x) end
  if a >= 9.995 then return ("%.1f"):format(x) end
  return ("%.2f"):format(x)
end

-- As short as exact: 5 -> "5", 2.5 -> "2.5", 0.125 -> "0.125".
local function short(x)
  local s = ("%.6f"):format(x):gsub("0+$", ""):gsub("%.$", "")
  return s
end

local function scale(us)
  local a = math.abs(us)
  if a < 1e3 then return us, "µs" end
  if a < 1e6 then return us / 1e3, "ms" end
  return us / 1e6, "s"
end

-- A time in microseconds: "850 µs", "7.20 ms", "1.50 s". Below 10 µs
-- whole microseconds are printed as they are ("3 µs").
function M.us(us)
  if us == nil then return "-" end
  us = tonumber(us)
  if us ~= us then return "-" end
  if us % 1 == 0 and math.abs(us) < 1e3 then return ("%d µs"):format(us) end
  local v, u = scale(us)
  -- 999.96 ms rounds to "1000 ms": say "1.00 s" instead.
  if math.abs(v) >= 999.95 and u ~= "s" then v, u = v / 1e3, u == "µs" and "ms" or "s" end
  return sig3(v) .. " " .. u
end

-- A limit in microseconds, as short as exact: "5 ms", "250 µs", "1.5 s".
function M.us_limit(us)
  local v, u = scale(tonumber(us))
  return short(v) .. " " .. u
end

-- Seconds (durations of phases and runs): "2.0 s", "850 ms".
function M.seconds(s)
  s = tonumber(s)
  if s >= 1 or s == 0 then return ("%.1f s"):format(s) end
  return M.us(s * 1e6)
end

-- A count: always whole, never an exponent.
function M.count(x)
  return ("%d"):format(tonumber(x) or 0)
end

-- A rate per second: "812", "99.8", "0.50".
function M.rate(x)
  x = tonumber(x) or 0
  if x >= 100 or x == 0 then return ("%.0f"):format(x) end
  return sig3(x)
end

-- A rate given as a limit, as short as exact: "10", "2.5", "1000000".
function M.rate_limit(x)
  return short(tonumber(x) or 0)
end

-- A ratio as a percentage: 0.0123 -> "1.23%", limits as short as exact.
function M.ratio(x)
  return sig3(x * 100) .. "%"
end
function M.ratio_limit(x)
  return short(x * 100) .. "%"
end

function M.bytes(x)
  if x >= 1e9 then return ("%.2f GB"):format(x / 1e9) end
  if x >= 1e6 then return ("%.2f MB"):format(x / 1e6) end
  if x >= 1e3 then return ("%.1f kB"):format(x / 1e3) end
  return ("%d B"):format(x)
end

local TIME_UNITS = { us = 1, ["µs"] = 1, ms = 1e3, s = 1e6 }

-- "5ms", "5 ms", "250us", "1.5s" or a number of seconds -> microseconds;
-- nil and a message for anything else.
function M.parse_time(v)
  if type(v) == "number" then
    if v ~= v or v < 0 or v == math.huge then return nil, "expected a time >= 0" end
    return v * 1e6
  end
  if type(v) ~= "string" then return nil, "expected a number of seconds or a string such as \"5ms\"" end
  local num, unit = v:match("^%s*([%d%.eE+]+)%s*(%S*)%s*$")
  local x = tonumber(num or "")
  local mul = TIME_UNITS[unit]
  if not x or not mul then
    return nil, ("malformed time '%s' (expected a number and us, ms or s, e.g. \"5ms\")"):format(v)
  end
  return x * mul
end

function M.selftest()
  assert(M.us(3) == "3 µs" and M.us(850) == "850 µs" and M.us(12.345) == "12.3 µs")
  assert(M.us(7200) == "7.20 ms" and M.us(3145730) == "3.15 s" and M.us(999960) == "1.00 s", M.us(999960))
  assert(M.us(123456) == "123 ms" and M.us(1.5) == "1.50 µs" and M.us(nil) == "-")
  assert(M.us_limit(5000) == "5 ms" and M.us_limit(250) == "250 µs" and M.us_limit(1.5e6) == "1.5 s")
  assert(M.seconds(2) == "2.0 s" and M.seconds(0.25) == "250 ms")
  assert(M.count(3e12) == "3000000000000" and M.rate(812.4) == "812" and M.rate(99.84) == "99.8")
  assert(M.rate_limit(10) == "10" and M.rate_limit(2.5) == "2.5" and M.rate_limit(1e7) == "10000000")
  assert(M.ratio(0.0123) == "1.23%" and M.ratio_limit(0.01) == "1%" and M.ratio_limit(0.005) == "0.5%")
  assert(M.bytes(999) == "999 B" and M.bytes(1500) == "1.5 kB" and M.bytes(2.5e6) == "2.50 MB")
  assert(M.parse_time("5ms") == 5000 and M.parse_time("250 us") == 250 and M.parse_time(0.05) == 50000)
  assert(M.parse_time("2s") == 2e6 and not M.parse_time("5 parsecs") and not M.parse_time(-1))
  for _, x in ipairs { 0.001, 0.5, 1, 999.4, 1e3, 1e5, 9.99e5, 1e6, 3e7, 1e8 } do
    assert(not M.us(x):match("e[+-]"), M.us(x))
  end
end

return M
