-- docs/scenarios.md documents every constructor lua/teng exports: each
-- function of the teng table as `teng.NAME`, each function of a subtable
-- (teng.http, teng.field, ...) as `teng.SUB.NAME`, and each function of a
-- protocol module lua/teng/proto/X.lua as `X.NAME`. Limits the page quotes
-- as `TENG_NAME` = N must equal plan.h's (when the FFI cdef is at hand).
--   teng --lua tests/lua/test_docs.lua [docs/scenarios.md]
--   LUA_PATH="lua/?.lua;lua/?/init.lua;build/lua/?.lua;;" luajit tests/lua/test_docs.lua
local path = (arg and arg[1]) or "docs/scenarios.md"
local f = assert(io.open(path, "rb"), "cannot open " .. path)
local doc = f:read("*a")
f:close()

local missing, checked = {}, 0
-- A name counts as documented when it appears as a whole word: followed
-- by something that cannot continue an identifier.
local function documented(name)
  checked = checked + 1
  local s = 1
  while true do
    local a, b = doc:find(name, s, true)
    if not a then return false end
    local after = doc:sub(b + 1, b + 1)
    local before = a > 1 and doc:sub(a - 1, a - 1) or ""
    if not after:match("[%w_]") and not before:match("[%w_.]") then return true end
    s = b + 1
  end
end

-- selftest() is every module's test hook (Snabb style), not part of the language.
local SKIP = { selftest = true }

local function sorted_keys(t)
  local k = {}
  for name in pairs(t) do if type(name) == "string" then k[#k + 1] = name end end
  table.sort(k)
  return k
end

local teng = require "teng"
local subtables = {}
for _, name in ipairs(sorted_keys(teng)) do
  local v = teng[name]
  if type(v) == "function" and not SKIP[name] and not name:match("^_") then
    if not documented("teng." .. name) then missing[#missing + 1] = "teng." .. name end
  elseif type(v) == "table" then
    subtables[#subtables + 1] = name
  end
end
for _, sub in ipairs(subtables) do
  for _, name in ipairs(sorted_keys(teng[sub])) do
    if type(teng[sub][name]) == "function" and not SKIP[name] and not name:match("^_") then
      local full = ("teng.%s.%s"):format(sub, name)
      if not documented(full) then missing[#missing + 1] = full end
    end
  end
end

-- Protocol modules: every lua/teng/proto/*.lua next to teng's init.lua.
local init = package.searchpath("teng", package.path)
local dir = init and init:match("^(.*)/[^/]*$")
local protos = {}
if dir then
  local ls = io.popen('ls "' .. dir .. '/proto" 2>/dev/null')
  if ls then
    for file in ls:lines() do
      local m = file:match("^([%w_]+)%.lua$")
      if m then protos[#protos + 1] = m end
    end
    ls:close()
  end
end
table.sort(protos)
for _, p in ipairs(protos) do
  local ok, mod = pcall(require, "teng.proto." .. p)
  if not ok then
    missing[#missing + 1] = ("teng.proto.%s (does not load: %s)"):format(p, tostring(mod))
  elseif type(mod) == "table" then
    if not documented("teng.proto." .. p) then missing[#missing + 1] = "teng.proto." .. p end
    for _, name in ipairs(sorted_keys(mod)) do
      if type(mod[name]) == "function" and not SKIP[name] and not name:match("^_") then
        if not documented(p .. "." .. name) then missing[#missing + 1] = p .. "." .. name end
      end
    end
  end
end

-- Limits quoted as `TENG_X` = N (or `TENG_X` (N)) agree with plan.h.
local wrong = {}
local ffi_ok, ffi = pcall(require, "ffi")
local cdef_ok = ffi_ok and pcall(require, "teng.cdef")
local limits = 0
if cdef_ok then
  for name, n in doc:gmatch("`(TENG_[%u%d_]+)`%s*[=(]%s*([%d]+)") do
    local ok, v = pcall(function() return ffi.C[name] end)
    limits = limits + 1
    if not ok then
      wrong[#wrong + 1] = ("%s: no such constant in plan.h"):format(name)
    elseif tonumber(v) ~= tonumber(n) then
      wrong[#wrong + 1] = ("%s: the page says %s, plan.h says %s"):format(name, n, tostring(v))
    end
  end
end

for _, m in ipairs(missing) do print("MISSING from " .. path .. ": " .. m) end
for _, w in ipairs(wrong) do print("WRONG in " .. path .. ": " .. w) end
print(("%d names checked (%d protocol modules), %d missing; %d limits checked%s, %d wrong"):format(
  checked, #protos, #missing, limits, cdef_ok and "" or " (no teng.cdef: skipped)", #wrong))
local rc = (#missing == 0 and #wrong == 0) and 0 or 1
-- Inside teng (--lua) the chunk's return value is the exit code; plain
-- luajit ignores it.
if not pcall(function() return ffi.C.teng_run_start end) then os.exit(rc) end
return rc
