-- Runs selftest() of every module in lua/teng/ (Snabb style).
--   teng --lua tests/lua/run_selftests.lua
local init = assert(package.searchpath("teng", package.path), "teng not on package.path")
local dir = init:match("^(.*)/[^/]*$")
local names = {}
local ls = assert(io.popen('ls "' .. dir .. '"'))
for f in ls:lines() do
  local m = f:match("^([%w_]+)%.lua$")
  if m then names[#names + 1] = m == "init" and "teng" or "teng." .. m end
end
ls:close()
table.sort(names)
assert(#names >= 5, "found only " .. #names .. " modules in " .. dir)

local failed = 0
for _, name in ipairs(names) do
  local mod = require(name)
  if type(mod) == "table" and mod.selftest then
    local ok, err = xpcall(mod.selftest, debug.traceback)
    print(("%-16s %s"):format(name, ok and "ok" or "FAILED"))
    if not ok then print(err); failed = failed + 1 end
  else
    print(("%-16s (no selftest)"):format(name))
  end
end
return failed == 0 and 0 or 1
