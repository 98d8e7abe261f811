-- The scenario script as text: loading and running it, and finding the
-- line that a field of the scenario comes from, so errors can name it.
local teng = require "teng"
local sandbox = require "teng.sandbox"

local M = {}

local Ctx = {}
Ctx.__index = Ctx
M.Ctx = Ctx

local function line_of(text, pos)
  local _, n = text:sub(1, pos - 1):gsub("\n", "")
  return n + 1
end

-- The scenario's table constructor bounds the search for field names.
function M.context(text, scn)
  local ctx = setmetatable({ text = text or "", lo = 1 }, Ctx)
  ctx.hi = #ctx.text
  local from, known = 1, teng.line(scn)
  if known then
    for _ = 2, known do from = (ctx.text:find("\n", from, true) or #ctx.text) + 1 end
  end
  local s = ctx.text:find("scenario%s*%(?%s*{", from)
  local bs, be
  if s then bs, be = ctx.text:find("%b{}", s) end
  if bs then
    ctx.lo, ctx.hi, ctx.braced, ctx.line = bs + 1, be - 1, true, known or line_of(ctx.text, s)
  else
    ctx.lo, ctx.line = from, known or 1
  end
  return ctx
end

local function depth(text, lo, pos)
  local seg = text:sub(lo, pos - 1)
  local _, open = seg:gsub("{", "")
  local _, close = seg:gsub("}", "")
  return open - close
end

-- Line of a field path: steps are field names or list positions, each
-- searched inside the table constructor the previous step found.
function Ctx:locate(steps)
  local text, lo, hi, top, line = self.text, self.lo, self.hi, self.braced, self.line
  for _, step in ipairs(steps) do
    local s, e
    if type(step) == "number" then
      local n = 0
      for p, blk in text:sub(lo, hi):gmatch("()(%b{})") do
        n = n + 1
        if n == step then s = lo + p - 1; e = s + #blk - 1; break end
      end
      if not s then break end
      line, lo, hi, top = line_of(text, s), s + 1, e - 1, true
    else
      local at = lo
      repeat
        s, e = text:find("%f[%w_]" .. step .. "%s*=%f[^=]", at)
        at = s and e + 1
      until not s or s > hi or not top or depth(text, lo, s) == 0
      if not s or s > hi then break end
      line = line_of(text, s)
      local bs, be = text:find("^%s*%b{}", e + 1)
      if not bs then break end
      lo, hi, top = text:find("{", bs, true) + 1, be - 1, true
    end
  end
  return line
end

-- `at` is a line, a node (its recorded line) or a list of steps.
function Ctx:fail(at, path, fmt, ...)
  local msg = fmt:format(...)
  if path and path ~= "" then msg = path .. ": " .. msg end
  if teng.kind(at) and teng.line(at) then
    local file = teng.file(at)
    teng.error_in(file ~= self.path and file or nil, teng.line(at), "%s", msg)
  end
  local line = type(at) == "number" and at
    or (type(at) == "table" and not teng.kind(at) and self:locate(at)) or self.line
  teng.error(line, "%s", msg)
end

function M.describe(v)
  if type(v) == "string" then return ("string '%s'"):format(v) end
  if type(v) == "table" then return teng.kind(v) and "teng." .. teng.kind(v) .. "(...)" or "table" end
  return type(v) .. (v == nil and "" or " " .. tostring(v))
end

function M.lines(text)
  local out = {}
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do out[#out + 1] = l end
  return out
end

-- LuaJIT shortens long chunk names to "...tail"; put the whole path back.
local function full_path(msg, path)
  local tail, rest = msg:match("^%.%.%.(.-)(:%d+:.*)$")
  if tail and path:sub(-#tail) == tail then return path .. rest end
  return msg
end

-- Turns any error from loading or compiling into "FILE:LINE: message".
-- A teng error names its file when it is not the scenario (a module).
function M.error_text(path, e)
  if teng.is_error(e) then return ("%s:%d: %s"):format(e.file or path, e.line or 1, e.msg) end
  local msg = tostring(e):gsub("\nstack traceback:.*", "")
  if not msg:match("^.-:%d+: ") then msg = path .. ":1: " .. msg end
  msg = full_path(msg, path)
  for _, f in ipairs(sandbox.files) do msg = full_path(msg, f) end
  return msg
end

-- Runs the script with the CLI's key=value pairs ({ {key, value}, ... })
-- in the sandbox (teng.sandbox), bounded in time; returns the scenario and
-- its context. Errors are "FILE:LINE: message".
function M.load(path, args)
  local f, err = io.open(path, "rb")
  if not f then error(("teng: cannot open scenario: %s"):format(err), 0) end
  local text = f:read("*a")
  f:close()
  local dir = path:match("^(.*/)[^/]*$") or "./"
  teng.base = dir
  teng.cli = { values = args or {}, used = false }
  local env = sandbox.env(dir)
  local chunk, serr = sandbox.compile(text:gsub("^#[^\n]*", ""), path, env)
  if not chunk then error(M.error_text(path, serr), 0) end
  local ok, scn = sandbox.run(chunk, sandbox.timeout())
  if not ok then error(M.error_text(path, scn), 0) end
  if #teng.cli.values > 0 and not teng.cli.used then
    error(("%s:1: unknown argument '%s' (this scenario takes no key=value arguments)")
      :format(path, teng.cli.values[1][1]), 0)
  end
  if teng.kind(scn) ~= "scenario" then
    local last = 1
    for n, l in ipairs(M.lines(text)) do if l:match("%S") then last = n end end
    error(("%s:%d: the script must return teng.scenario{...}, it returned %s")
      :format(path, last, M.describe(scn)), 0)
  end
  local ctx = M.context(text, scn)
  ctx.path = path
  return scn, ctx
end

function M.selftest()
  local text = 'local x = { port = 1 }\nreturn teng.scenario {\n  server = { ip = "a",\n    port = 80 },\n' ..
    '  port = "x",\n  phases = {\n    { "a", cps = 1 },\n    { "b",\n      cps = -1 },\n  },\n}\n'
  local ctx = M.context(text, {})
  assert(ctx.line == 2, ctx.line)
  assert(ctx:locate { "port" } == 5)
  assert(ctx:locate { "server", "port" } == 4)
  assert(ctx:locate { "server", "ip" } == 3)
  assert(ctx:locate { "phases", 2, "cps" } == 9)
  assert(ctx:locate { "phases", 1, "duration" } == 7)
  assert(ctx:locate { "nothing" } == 2)
  local ok, e = pcall(ctx.fail, ctx, { "server", "ip" }, "server.ip", "bad %s", "x")
  assert(not ok and e.line == 3 and e.msg == "server.ip: bad x", tostring(e))
  assert(M.error_text("a.lua", "a.lua:3: boom\nstack traceback:\n x") == "a.lua:3: boom")
  assert(M.error_text("/very/long/path/a.lua", "...g/path/a.lua:3: x") == "/very/long/path/a.lua:3: x")
  assert(M.error_text("a.lua", "oops") == "a.lua:1: oops")
  assert(#M.lines("a\nb\n") == 3 and M.describe("x") == "string 'x'")
end

return M
