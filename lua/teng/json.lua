-- A small JSON encoder for the results file, and a strict decoder for
-- reading one back (teng report). Objects print their keys in the order
-- given by json.object(keys, t) or else sorted; json.array marks a table
-- (possibly empty) as a list. uint64_t cdata become numbers. Decoded
-- objects keep their key order; a null is left out of an object and is
-- json.null in an array.
local ffi = require "ffi"

local M = {}

local ARRAY = {}
M.null = setmetatable({}, { __tostring = function() return "null" end })
function M.array(t) return setmetatable(t or {}, ARRAY) end
function M.object(keys, t) return setmetatable(t, { order = keys }) end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
-- s with every byte that is not part of a well-formed UTF-8 sequence
-- (RFC 3629: no overlongs, surrogates or code points past U+10FFFF)
-- replaced by U+FFFD, so that what teng writes is always JSON (RFC 8259
-- 8.1): a scenario's text, a name or an argument may be any bytes.
function M.utf8_clean(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:byte(i)
    local len, lo, hi = 0, 0x80, 0xbf
    if c < 0x80 then len = 1
    elseif c >= 0xc2 and c <= 0xdf then len = 2
    elseif c >= 0xe0 and c <= 0xef then
      len = 3
      if c == 0xe0 then lo = 0xa0 elseif c == 0xed then hi = 0x9f end
    elseif c >= 0xf0 and c <= 0xf4 then
      len = 4
      if c == 0xf0 then lo = 0x90 elseif c == 0xf4 then hi = 0x8f end
    end
    local ok = len > 0 and i + len - 1 <= n
    for k = 1, len - 1 do
      if not ok then break end
      local b = s:byte(i + k)
      if k == 1 then ok = b >= lo and b <= hi else ok = b >= 0x80 and b <= 0xbf end
    end
    if ok then
      out[#out + 1] = s:sub(i, i + len - 1)
      i = i + len
    else
      out[#out + 1] = "\239\191\189"
      i = i + 1
    end
  end
  return table.concat(out)
end

local function string_(s)
  s = M.utf8_clean(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

-- A finite number as the shortest text that reads back exact: an
-- integer without a point, else 15 significant digits when they are
-- enough, else 17. (report_live's OpenMetrics numbers use it too.)
function M.number_text(x)
  if x % 1 == 0 and math.abs(x) < 2 ^ 53 then return ("%d"):format(x) end
  local s = ("%.15g"):format(x)
  return tonumber(s) == x and s or ("%.17g"):format(x)
end

local function number(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return M.number_text(x)
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

-- The keys of an object in the order it prints them.
M.keys = keys_of

local function encode(v, indent, depth, out)
  local t = type(v)
  if t == "nil" or v == M.null then out[#out + 1] = "null"
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
-- Writes text to the open file f and closes it: true, or false and
-- "writing WHAT to PATH failed: ..." when the write, the flush or the
-- close fails (a full disk, /dev/full). The results' writers (the JSON,
-- the HTML report) share it.
function M.save(f, path, text, what)
  local ok, err = f:write(text)
  if ok then ok, err = f:flush() end
  local cok, cerr = f:close()
  if ok and not cok then ok, err = cok, cerr end
  if not ok then return false, ("writing %s to %s failed: %s"):format(what, path, tostring(err)) end
  return true
end

function M.encode(v, indent)
  local out = {}
  encode(v, indent, 0, out)
  return table.concat(out)
end


-- The decoder (RFC 8259, strict): no comments, no trailing commas, no
-- leading zeros, no control characters in strings, no duplicate keys, no
-- text after the value. Errors name the line and column.
local MAX_DEPTH = 200
local unescape = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function utf8(c)
  if c < 0x80 then return string.char(c) end
  if c < 0x800 then return string.char(0xc0 + math.floor(c / 64), 0x80 + c % 64) end
  if c < 0x10000 then
    return string.char(0xe0 + math.floor(c / 4096), 0x80 + math.floor(c / 64) % 64, 0x80 + c % 64)
  end
  return string.char(0xf0 + math.floor(c / 262144), 0x80 + math.floor(c / 4096) % 64,
    0x80 + math.floor(c / 64) % 64, 0x80 + c % 64)
end

local function decoder(s)
  local pos = 1
  local function fail(msg, at)
    at = at or pos
    local before = s:sub(1, at - 1)
    local line = select(2, before:gsub("\n", "")) + 1
    local col = at - (before:match(".*\n()") or 1) + 1
    error({ json = ("line %d column %d: %s"):format(line, col, msg) }, 0)
  end
  local function skip() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = s:find('["\\%z\1-\31]', i) -- DEL (0x7f) may stand as it is
      if not j then fail("unterminated string", pos) end
      out[#out + 1] = s:sub(i, j - 1)
      local c = s:sub(j, j)
      if c == '"' then
        local v = table.concat(out)
        if M.utf8_clean(v) ~= v then fail("invalid UTF-8 in a string", pos) end
        pos = j + 1
        return v
      end
      if c ~= "\\" then fail("control character in a string", j) end
      local e = s:sub(j + 1, j + 1)
      if e == "u" then
        local hex = s:match("^%x%x%x%x", j + 2)
        if not hex then fail("bad \\u escape", j) end
        local cp, nxt = tonumber(hex, 16), j + 6
        if cp >= 0xd800 and cp <= 0xdbff then
          local lo = s:match("^\\u(%x%x%x%x)", nxt)
          lo = lo and tonumber(lo, 16)
          if not lo or lo < 0xdc00 or lo > 0xdfff then fail("unpaired surrogate", j) end
          cp, nxt = 0x10000 + (cp - 0xd800) * 1024 + (lo - 0xdc00), nxt + 6
        elseif cp >= 0xdc00 and cp <= 0xdfff then
          fail("unpaired surrogate", j)
        end
        out[#out + 1] = utf8(cp)
        i = nxt
      elseif unescape[e] then
        out[#out + 1] = unescape[e]
        i = j + 2
      else
        fail("bad escape", j)
      end
    end
  end
  local function num()
    local m = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not m or not (m:match("^-?0$") or m:match("^-?0[.eE]") or m:match("^-?[1-9]"))
      or not (m:match("^-?%d+$") or m:match("^-?%d+%.%d+$") or m:match("^-?%d+%.%d+[eE][-+]?%d+$")
        or m:match("^-?%d+[eE][-+]?%d+$")) then
      fail("bad number")
    end
    pos = pos + #m
    return tonumber(m)
  end
  local function list(depth)
    local t, i = M.array(), 0
    pos = pos + 1
    skip()
    if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
    while true do
      local v = value(depth)
      i = i + 1
      t[i] = v == nil and M.null or v
      skip()
      local c = s:sub(pos, pos)
      pos = pos + 1
      if c == "]" then return t end
      if c ~= "," then fail("expected ',' or ']'", pos - 1) end
    end
  end
  local function object(depth)
    local keys, t, seen = {}, {}, {}
    pos = pos + 1
    skip()
    if s:sub(pos, pos) == "}" then pos = pos + 1; return M.object(keys, t) end
    while true do
      skip()
      if s:sub(pos, pos) ~= '"' then fail("expected a key in double quotes") end
      local at = pos
      local k = str()
      if seen[k] then fail(("duplicate key '%s'"):format(k), at) end
      seen[k] = true
      skip()
      if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
      pos = pos + 1
      local v = value(depth)
      if v ~= nil then keys[#keys + 1] = k; t[k] = v end
      skip()
      local c = s:sub(pos, pos)
      pos = pos + 1
      if c == "}" then return M.object(keys, t) end
      if c ~= "," then fail("expected ',' or '}'", pos - 1) end
    end
  end
  local WORDS = { t = { "true", true }, f = { "false", false }, n = { "null", nil } }
  function value(depth)
    if depth > MAX_DEPTH then fail("nested too deeply") end
    skip()
    local c = s:sub(pos, pos)
    if c == "{" then return object(depth + 1) end
    if c == "[" then return list(depth + 1) end
    if c == '"' then return str() end
    if c == "-" or c:match("%d") then return num() end
    local w = WORDS[c]
    if w and s:sub(pos, pos + #w[1] - 1) == w[1] then pos = pos + #w[1]; return w[2] end
    if c == "" then fail("unexpected end of input") end
    fail("unexpected character '" .. c .. "'")
  end
  return function()
    local v = value(0)
    skip()
    if pos <= #s then fail("text after the value") end
    return v
  end
end

-- The value of the JSON text s; or nil and "line L column C: message".
function M.decode(s)
  if type(s) ~= "string" then return nil, "expected a string" end
  local ok, v = pcall(decoder(s))
  if ok then return v end
  if type(v) == "table" and v.json then return nil, v.json end
  error(v, 0)
end

function M.selftest()
  assert(M.encode { a = 1, b = { 1, 2.5, "x" } } == '{"a":1,"b":[1,2.5,"x"]}')
  assert(M.encode(M.object({ "z", "a" }, { a = true, z = false, m = 0 })) == '{"z":false,"a":true,"m":0}')
  assert(M.encode { e = M.array(), o = {} } == '{"e":[],"o":{}}')
  assert(M.encode("a\"\\\n\1") == '"a\\"\\\\\\n\\u0001"')
  assert(M.encode(ffi.new("uint64_t", 12345678901)) == "12345678901")
  assert(M.encode(0 / 0) == "null" and M.encode(1e300) == "1e+300" and M.encode(9.9) == "9.9")
  assert(M.encode({ 1, { a = 2 } }, "  ") == '[\n  1,\n  {\n    "a": 2\n  }\n]')
  -- Decoding: what the encoder writes comes back the same, key order kept.
  local doc = '{"z":1,"a":[true,false,null,-0.5,1e3,"x\\u00e9\\ud83d\\ude00\\n"],"e":[],"o":{},"n":null}'
  local v = assert(M.decode(doc))
  assert(v.z == 1 and v.a[1] == true and v.a[2] == false and v.a[3] == M.null and v.a[4] == -0.5)
  assert(v.a[5] == 1000 and v.a[6] == "x\195\169\240\159\152\128\n" and v.n == nil and #v.e == 0)
  assert(M.encode(v) == '{"z":1,"a":[true,false,null,-0.5,1000,"x\195\169\240\159\152\128\\n"],"e":[],"o":{}}')
  assert(M.decode(" 42 ") == 42 and M.decode('"\\/"') == "/" and M.decode("[0]")[1] == 0)
  -- Bytes that are not UTF-8 are written as U+FFFD; a cut sequence too.
  assert(M.encode("a\255b\195") == '"a\239\191\189b\239\191\189"')
  assert(M.encode("\237\160\128") == '"' .. ("\239\191\189"):rep(3) .. '"', "a surrogate")
  assert(M.encode("\195\169\240\159\152\128") == '"\195\169\240\159\152\128"', "good UTF-8 kept")
  assert(M.decode('"a\127"') == "a\127", "DEL is not a control character in JSON")
  assert(select(2, M.decode('"\255"')):match("invalid UTF%-8"), "invalid UTF-8 refused")
  local bad = {
    ["{\"a\":1,}"] = "line 1 column 8: expected a key in double quotes",
    ["[1,2"] = "line 1 column 5: expected ',' or ']'",
    ["{\"a\":1}x"] = "line 1 column 8: text after the value",
    ["{\n \"a\":01}"] = "line 2 column 6: bad number",
    ["{\"a\":1,\"a\":2}"] = "line 1 column 8: duplicate key 'a'",
    ['"a\tb"'] = "control character",
    ['"\\x"'] = "bad escape",
    ['"\\ud800"'] = "unpaired surrogate",
    ["nul"] = "unexpected character 'n'",
    [""] = "unexpected end of input",
    ["-"] = "bad number", ["1."] = "bad number", [".5"] = "unexpected character '.'",
    ["'a'"] = "unexpected character",
    [("["):rep(300)] = "nested too deeply",
  }
  for text, want in pairs(bad) do
    local r, err = M.decode(text)
    assert(r == nil and err and err:find(want, 1, true), text .. " -> " .. tostring(err))
  end
end

return M
