-- A Lua model of the C histogram (stats.h: 128 linear buckets, then 64
-- per power of two; the last bucket takes everything above). Tests use it
-- in plain luajit, where teng_hist_record/teng_hist_percentile (C, inside
-- the teng binary) are missing.
--   local hist = dofile(dir .. "/hist_lua.lua")
local ffi = require "ffi"
local C = ffi.C

local M = {}
local LIN, SUB = 128, 64
local LAST = 128 + 20 * 64 - 1

-- True when the C functions are there (inside the teng binary).
function M.have_c()
  return pcall(function() return C.teng_hist_percentile end)
end

function M.index(v)
  if v < LIN then return v end
  local e = math.floor(math.log(v) / math.log(2))
  while 2 ^ (e + 1) <= v do e = e + 1 end
  while 2 ^ e > v do e = e - 1 end
  local idx = LIN + (e - 7) * SUB + math.floor(v / 2 ^ (e - 6)) - SUB
  return math.min(idx, LAST)
end

-- Lowest value of bucket i and its width.
function M.bucket(i)
  if i < LIN then return i, 1 end
  local e, sub = 7 + math.floor((i - LIN) / SUB), (i - LIN) % SUB
  return (SUB + sub) * 2 ^ (e - 6), 2 ^ (e - 6)
end

function M.record(h, us)
  us = math.floor(tonumber(us))
  local i = M.index(us)
  h.count[i] = h.count[i] + 1
  h.total = h.total + 1
  h.sum = h.sum + us
  if us > tonumber(h.max) then h.max = us end
end

-- The midpoint of the bucket holding rank ceil(p% of total), never above the max.
function M.percentile(h, p)
  local total = tonumber(h.total)
  if total == 0 then return 0 end
  local rank = math.max(1, math.ceil(p / 100 * total))
  local seen = 0
  for i = 0, LAST do
    seen = seen + tonumber(h.count[i])
    if seen >= rank then
      -- As core/hist.c: exact below 128, else the middle of the bucket's
      -- first and last value; the last bucket: the max.
      local lo, w = M.bucket(i)
      local mid = w == 1 and lo or i == LAST and tonumber(h.max) or lo + (w - 1) / 2
      return math.min(mid, tonumber(h.max))
    end
  end
  return tonumber(h.max)
end

-- Use C when it is there, else this model.
function M.use_c_or_lua()
  if M.have_c() then
    return function(h, us) C.teng_hist_record(h, us) end, function(h, p) return C.teng_hist_percentile(h, p) end, "C"
  end
  return M.record, M.percentile, "Lua model"
end

return M
