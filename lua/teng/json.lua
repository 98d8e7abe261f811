-- A small JSON encoder for the results file. Objects print their keys in
-- the order given by json.object(keys, t) or else sorted; json.array marks
-- a table (possibly empty) as a list. uint64_t cdata become numbers.
local ffi = require "ffi"

local M = {}

local ARRAY = {}
function M.array(t) return setmetatable(t or {}, ARRAY) end
function M.object(keys, t) return setmetatable(t, { order = keys }) end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function string_(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function number(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  if x % 1 == 0 and math.abs(x) < 2 ^ 53 then return ("%d"):format(x) end
  local s = ("%.15g"):format(x)
  return tonumber(s) == x and s or ("%.17g"):format(x)
end

local function is_array(t)
  if getmetatable(t) == ARRAY then return true end
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return false end
  end
  return true
end

local function keys_of(t)
  local mt = getmetatable(t)
  local keys, seen = {}, {}
  for _, k in ipairs(mt and mt.order or {}) do
    if t[k] ~= nil then keys[#keys + 1] = k; seen[k] = true end
  end
  local rest = {}
  for k in pairs(t) do
    if not seen[k] then rest[#rest + 1] = tostring(k) end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  return keys
end

local function encode(v, indent, depth, out)
  local t = type(v)
  if t == "nil" then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "number" then out[#out + 1] = number(v)
  elseif t == "string" then out[#out + 1] = string_(v)
  elseif t == "cdata" then out[#out + 1] = number(tonumber(v))
  elseif t == "table" then
    local pad = indent and "\n" .. indent:rep(depth + 1) or ""
    local close = indent and "\n" .. indent:rep(depth) or ""
    local sep = indent and ": " or ":"
    if is_array(v) then
      if #v == 0 then out[#out + 1] = "[]"; return end
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        out[#out + 1] = (i > 1 and "," or "") .. pad
        encode(x, indent, depth + 1, out)
      end
      out[#out + 1] = close .. "]"
    else
      local keys = keys_of(v)
      if #keys == 0 then out[#out + 1] = "{}"; return end
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        out[#out + 1] = (i > 1 and "," or "") .. pad .. string_(k) .. sep
        encode(v[k], indent, depth + 1, out)
      end
      out[#out + 1] = close .. "}"
    end
  else
    error("json: cannot encode a " .. t)
  end
end

-- indent: nil for compact output, or a string such as "  ".
function M.encode(v, indent)
  local out = {}
  encode(v, indent, 0, out)
  return table.concat(out)
end

function M.selftest()
  assert(M.encode { a = 1, b = { 1, 2.5, "x" } } == '{"a":1,"b":[1,2.5,"x"]}')
  assert(M.encode(M.object({ "z", "a" }, { a = true, z = false, m = 0 })) == '{"z":false,"a":true,"m":0}')
  assert(M.encode { e = M.array(), o = {} } == '{"e":[],"o":{}}')
  assert(M.encode("a\"\\\n\1") == '"a\\"\\\\\\n\\u0001"')
  assert(M.encode(ffi.new("uint64_t", 12345678901)) == "12345678901")
  assert(M.encode(0 / 0) == "null" and M.encode(1e300) == "1e+300" and M.encode(9.9) == "9.9")
  assert(M.encode({ 1, { a = 2 } }, "  ") == '[\n  1,\n  {\n    "a": 2\n  }\n]')
end

return M
