-- The restricted environment scenario scripts and the modules they
-- require run in, and the time limit on running them. A script describes
-- traffic; it has no business ending the process, running commands,
-- touching files (teng.lines / teng.read read data files) or reaching C.
local ffi = require "ffi"
local teng = require "teng"

local M = { files = {} } -- files: user modules loaded, for error_text

pcall(ffi.cdef, "struct teng_timespec { long tv_sec; long tv_nsec; };"
  .. "int clock_gettime(int clk, struct teng_timespec *ts);")
local ts = ffi.new("struct teng_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- Seconds a script may run: TENG_SCRIPT_TIMEOUT or 10.
function M.timeout()
  local v = tonumber(os.getenv("TENG_SCRIPT_TIMEOUT") or "")
  return v and v > 0 and v or 10
end

local function blocked(name, hint)
  return function()
    error(("%s is not available in a scenario script%s"):format(name, hint or ""), 2)
  end
end
local NO_FILES = " (read data files with teng.lines or teng.read)"
local function blocked_table(prefix, hint, keep)
  return setmetatable(keep or {}, { __index = function(_, k)
    return blocked(prefix .. "." .. tostring(k), hint)
  end })
end

local function copy(t, without)
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  for _, k in ipairs(without or {}) do r[k] = nil end
  return r
end

-- Modules teng keeps to itself: they reach C or the process.
local INTERNAL = { cdef = true, compile = true, compile_ops = true, compile_payload = true,
  compile_criteria = true, source = true, sandbox = true, cli = true, report = true, verdict = true }
local UNAVAILABLE = { ffi = true, jit = true, debug = true, io = true, os = true, package = true }

local state -- the running script: { deadline, expired, limit }

local function is_timeout(e) return teng.is_error(e) and e.timeout end

-- The hook that stops a script past its deadline, naming where it was:
-- the first frame outside teng itself.
local function hook()
  if not state or now() < state.deadline then return end
  state.expired = true
  for level = 2, 40 do
    local i = debug.getinfo(level, "Sl")
    if not i then break end
    if i.what ~= "C" and i.currentline > 0 and i.source:sub(1, 1) == "@"
        and i.source:sub(2, #teng.dir + 1) ~= teng.dir then
      local e = teng.error_object(("the script did not return within %g s"):format(state.limit),
        i.source:sub(2), i.currentline)
      e.timeout = true
      error(e, 0)
    end
  end
  local e = teng.error_object(("the script did not return within %g s"):format(state.limit))
  e.timeout = true
  error(e, 0)
end
local COUNT = 10000

-- loadstring for the sandbox: text only (no bytecode), run in env.
function M.compile(text, name, env)
  if text:sub(1, 1) == "\27" then return nil, name .. ":1: precompiled chunks are not allowed" end
  local chunk, err = loadstring(text, "@" .. name)
  if not chunk then return nil, err end
  return setfenv(chunk, env)
end

-- A fresh environment for a script in directory dir.
function M.env(dir)
  local env, loaded = {}, {}
  for _, k in ipairs { "assert", "error", "ipairs", "next", "pairs", "print", "rawequal", "rawget",
      "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "unpack",
      "collectgarbage", "_VERSION" } do
    env[k] = _G[k]
  end
  -- A pcall must not swallow the time limit.
  env.pcall = function(f, ...)
    local r = { pcall(f, ...) }
    if not r[1] and is_timeout(r[2]) then error(r[2], 0) end
    return unpack(r, 1, table.maxn(r))
  end
  env.xpcall = function(f, h)
    local r = { xpcall(f, function(e) if is_timeout(e) then return e end return h(e) end) }
    if not r[1] and is_timeout(r[2]) then error(r[2], 0) end
    return unpack(r, 1, table.maxn(r))
  end
  env.string = copy(string, { "dump" })
  env.table, env.math, env.bit = copy(table), copy(math), copy(bit)
  local co = copy(coroutine)
  co.create = function(f)
    local c = coroutine.create(f)
    if state then debug.sethook(c, hook, "", COUNT) end
    return c
  end
  co.wrap = function(f)
    local c = co.create(f)
    return function(...)
      local r = { coroutine.resume(c, ...) }
      if not r[1] then error(r[2], 0) end
      return unpack(r, 2, table.maxn(r))
    end
  end
  env.coroutine = co
  env.os = blocked_table("os", nil, { time = os.time, clock = os.clock, date = os.date,
    difftime = os.difftime, getenv = os.getenv,
    exit = blocked("os.exit", " (teng ends the run itself)") })
  env.io = blocked_table("io", NO_FILES)
  env.debug = blocked_table("debug", nil, { traceback = debug.traceback })
  env.loadfile = blocked("loadfile", NO_FILES)
  env.dofile = blocked("dofile", NO_FILES)
  env.package = { path = package.path, config = package.config, loaded = loaded,
    loadlib = blocked("package.loadlib") }
  env.loadstring = function(s, name)
    if type(s) ~= "string" then error("loadstring: expected a string", 2) end
    return M.compile(s, name or "=(loadstring)", env)
  end
  env.load = function(x, name)
    if type(x) == "function" then
      local parts = {}
      for piece in x do if piece == "" then break end parts[#parts + 1] = piece end
      x = table.concat(parts)
    end
    return env.loadstring(x, name)
  end
  env._G = env
  teng.sandboxed[env] = true
  for _, k in ipairs { "string", "table", "math", "bit", "coroutine" } do loaded[k] = env[k] end

  -- require: teng and teng.* (teng's own modules, run outside the
  -- sandbox), then modules next to the scenario, then LUA_PATH.
  local path = dir .. "?.lua;" .. dir .. "?/init.lua;" .. package.path
  env.require = function(name)
    if type(name) ~= "string" then error("require: expected a module name", 2) end
    if loaded[name] ~= nil then return loaded[name] end
    local top = name:match("^[^.]+")
    if UNAVAILABLE[top] then
      error(("module '%s' is not available in a scenario script"):format(name), 2)
    end
    if top == "teng" then
      local sub = name:match("^teng%.([^.]+)$")
      if sub and INTERNAL[sub] then
        error(("module '%s' is internal to teng"):format(name), 2)
      end
      local mod = require(name)
      loaded[name] = mod
      return mod
    end
    local file, err = package.searchpath(name, path)
    if not file then error(("module '%s' not found:%s"):format(name, err), 2) end
    local f = assert(io.open(file, "rb"))
    local text = f:read("*a")
    f:close()
    local chunk, cerr = M.compile(text:gsub("^#[^\n]*", ""), file, env)
    if not chunk then error(cerr, 0) end
    M.files[#M.files + 1] = file
    loaded[name] = true -- a cycle sees true, as with Lua's require
    local mod = chunk(name, file)
    if mod ~= nil then loaded[name] = mod end
    return loaded[name]
  end
  return env
end

-- Runs fn with the JIT off (count hooks do not fire in compiled code) and
-- a count hook that stops it after limit seconds; restores both after.
function M.run(fn, limit)
  local was_on = jit.status()
  jit.off()
  jit.flush()
  state = { deadline = now() + limit, limit = limit }
  teng.running = true
  debug.sethook(hook, "", COUNT)
  local ok, r = pcall(fn)
  debug.sethook()
  state, teng.running = nil, false
  if was_on then jit.on() end
  return ok, r
end

function M.selftest()
  local env = M.env("/nonexistent/")
  local function run(text, limit)
    local chunk = assert(M.compile(text, "t.lua", env))
    return M.run(chunk, limit or 5)
  end
  local ok, e = run("os.exit(0)")
  assert(not ok and e:match("^t.lua:1: os.exit is not available in a scenario script"), e)
  ok, e = run("\nio.popen('ls')")
  assert(not ok and e:match("^t.lua:2: io.popen is not available"), e)
  ok, e = run("require 'ffi'")
  assert(not ok and e:match("^t.lua:1: module 'ffi' is not available"), e)
  ok, e = run("require 'teng.compile'")
  assert(not ok and e:match("internal to teng"), e)
  ok, e = run("return require('teng').kind, os.time() > 0, getfenv")
  assert(ok and type(e) == "function", tostring(e))
  ok, e = run("return loadstring('return io')()")
  assert(ok and e == env.io)
  ok, e = run("return require 'nosuchmodule'")
  assert(not ok and e:match("module 'nosuchmodule' not found"), e)
  ok, e = run("local x = 0\nwhile true do x = x + 1 end", 0.05)
  assert(not ok and teng.is_error(e) and e.file == "t.lua" and e.line == 2
    and e.msg == "the script did not return within 0.05 s", tostring(e))
  ok, e = run("while true do pcall(function() while true do end end) end", 0.05)
  assert(not ok and teng.is_error(e) and e.timeout, tostring(e))
  ok, e = run("local f = coroutine.wrap(function() while true do end end)\nf()", 0.05)
  assert(not ok and teng.is_error(e) and e.timeout, tostring(e))
  assert(jit.status() and debug.gethook() == nil)
end

return M
