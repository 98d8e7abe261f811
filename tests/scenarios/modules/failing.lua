-- A protocol module next to tests/scenarios/module_error.lua with a bug:
-- the error must name this file and line (tests/integration/module_error.sh).
local teng = require "teng"
local M = {}
function M.hello() return teng.send "hello" end
local broken = nil
M.size = broken.size -- line 7: attempt to index a nil value
return M
