-- Compares the layout the C compiler gives the shared structs (printed by
-- the generated layout_check program) with the layout the FFI computes
-- from teng.cdef.   teng --lua tests/lua/test_layout.lua LAYOUT_CHECK
local ffi = require "ffi"
local bit = require "bit"
local cdef = require "teng.cdef"

local prog = assert(arg[1], "usage: test_layout.lua PATH_TO_layout_check")

-- Size of a field's type, walking LuaJIT's ctype table (ffi.typeinfo):
-- struct -> chain of fields (sib) -> child type, through typedefs.
local CT_TYPEDEF, CT_ATTRIB = 7, 8
local function type_size(id)
  while true do
    local t = ffi.typeinfo(id)
    local kind = bit.rshift(t.info, 28)
    if kind ~= CT_TYPEDEF and kind ~= CT_ATTRIB then return t.size end
    id = bit.band(t.info, 0xffff)
  end
end

local function field_size(sname, fname)
  local f = ffi.typeinfo(tonumber(ffi.typeof("struct " .. sname))).sib
  while f do
    local t = ffi.typeinfo(f)
    if t.name == fname then return type_size(bit.band(t.info, 0xffff)) end
    f = t.sib
  end
end

local p = assert(io.popen(prog, "r"))
local failures, checked, seen = 0, 0, {}
local function check(what, c_val, lua_val)
  checked = checked + 1
  if c_val ~= lua_val then
    failures = failures + 1
    print(string.format("MISMATCH %s: C %s, FFI %s", what, tostring(c_val), tostring(lua_val)))
  end
end

for line in p:lines() do
  local e, v = line:match("^enum (%S+) (%-?%d+)$")
  local s, n = line:match("^(%S+) sizeof (%d+)$")
  local fs, f, off, size = line:match("^(%S+) (%S+) (%d+) (%d+)$")
  if e then
    check("enum " .. e, tonumber(v), tonumber(ffi.C[e]))
  elseif s then
    check("sizeof struct " .. s, tonumber(n), ffi.sizeof("struct " .. s))
  elseif fs then
    seen[fs] = (seen[fs] or 0) + 1
    check(fs .. "." .. f .. " offset", tonumber(off), ffi.offsetof("struct " .. fs, f))
    check(fs .. "." .. f .. " size", tonumber(size), field_size(fs, f))
  else
    error("unexpected line from layout_check: " .. line)
  end
end
assert(p:close(), "layout_check failed")

-- The field lists teng.cdef exports must cover the same fields.
for sname, list in pairs(cdef.fields) do
  check("field count of " .. sname, seen[sname], #list)
end
assert(checked > 100, "too few layout lines: " .. checked)
print(string.format("%d layout checks, %d mismatches", checked, failures))
return failures == 0 and 0 or 1
