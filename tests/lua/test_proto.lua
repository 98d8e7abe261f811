-- selftest() of the protocol modules in lua/teng/proto/ (run_selftests.lua
-- covers lua/teng/*.lua only).
--   teng --lua tests/lua/test_proto.lua
local failed = 0
for _, name in ipairs { "teng.proto.http", "teng.proto.resp", "teng.proto.line" } do
  local ok, err = xpcall(function() require(name).selftest() end, debug.traceback)
  print(("%-18s %s"):format(name, ok and "ok" or "FAILED"))
  if not ok then print(err); failed = failed + 1 end
end
return failed == 0 and 0 or 1
