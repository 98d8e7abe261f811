-- Programs -> ops: one function per op kind. All programs share d.ops
-- (absolute, 0-based indices as plan.h wants); labels are per program and
-- jumps are resolved when the program ends. tx: payload bytes a program
-- sends, or false when that is not fixed (echo, jumps, drawn counts).
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
local payload = require "teng.compile_payload"
local defaults = require "teng.defaults"
require "teng.cdef"
local C = ffi.C

local M = {}
local describe = source.describe
local MAX_OPS, NO_JUMP = C.TENG_MAX_OPS, C.TENG_NO_JUMP
local OPF_ECHO, OPF_HEAD = 0x01, 0x02 -- TENG_OPF_* (#defines: not in the cdef)

-- Failure reasons: the built-ins of enum teng_reason, then named ones.
M.BUILTIN_REASONS = { "none", "refused", "reset", "idle_timeout", "retries", "recv_timeout",
  "peer_closed", "mismatch", "http_status", "framing", "echo_overflow", "no_buffer", "aborted",
  "handshake", "resp_error", "keepalive" }

function M.init(d)
  d.ops, d.steps, d.step_ids, d.reasons, d.reason_ids = {}, {}, {}, {}, {}
  for i = 1, C.TENG_REASON_USER do
    local name = M.BUILTIN_REASONS[i] or "reason" .. (i - 1)
    d.reasons[i], d.reason_ids[name] = name, i - 1
  end
end

-- A reason name -> its id, adding a named one.
function M.reason(ctx, d, name, at, path)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") or #name >= C.TENG_GROUP_NAME_LEN then
    ctx:fail(at, path, "a reason is a name of 1..%d letters, digits and _, got %s",
      C.TENG_GROUP_NAME_LEN - 1, describe(name))
  end
  if d.reason_ids[name] then return d.reason_ids[name] end
  if #d.reasons == C.TENG_MAX_REASONS then
    ctx:fail(at, path, "too many named reasons (at most %d)", C.TENG_MAX_REASONS - C.TENG_REASON_USER)
  end
  d.reasons[#d.reasons + 1] = name
  d.reason_ids[name] = #d.reasons - 1
  return #d.reasons - 1
end

local function emit(st, at, op)
  local d = st.d
  if #d.ops >= MAX_OPS then
    st.ctx:fail(st.where, st.root, "too many ops (the programs need more than %d in all)", MAX_OPS)
  end
  for _, k in ipairs { "mode", "expect", "flags", "a", "b", "n", "m", "reason", "timeout_ms" } do
    op[k] = op[k] or 0
  end
  op.jump = op.jump or NO_JUMP
  op.at = at
  d.ops[#d.ops + 1] = op
  if op.name then st.names[#st.names + 1] = { name = op.name } end
  return #d.ops - 1
end

local function pending(st, index, label, at, path)
  st.pending[#st.pending + 1] = { index = index, label = label, at = at, path = path }
end

local function seconds(st, v, at, path, what, min)
  st.ctx:number(v, at, path, { min = min or 0, max = defaults.limit.time_s, what = what })
  return math.floor(v * 1e6 + 0.5)
end

local OPS = {}

function OPS.send(st, op, at, path)
  local ctx, d = st.ctx, st.d
  if op.options then
    ctx:only(op, { "options", "bytes", "echo", "nargs" }, path, at)
    if op.echo ~= nil then
      if op.bytes ~= nil then ctx:fail(at, path, "teng.send: give bytes = N or echo = true, not both") end
      if op.echo ~= true then ctx:fail(at, path .. ".echo", "expected true, got %s", describe(op.echo)) end
      if (op.nargs or 0) > 0 then ctx:fail(at, path, "teng.echo takes no arguments") end
      st.tx = false
      return emit(st, at, { code = C.TENG_OP_SEND_ECHO, name = "echo" })
    end
    ctx:number(op.bytes, at, path .. ".bytes", { int = true, min = 1, max = 2 ^ 32 - 1 })
    if st.tx then st.tx = st.tx + op.bytes end
    return emit(st, at, { code = C.TENG_OP_SEND_BULK, n = op.bytes, name = ("send %d B"):format(op.bytes) })
  end
  local parts, len = payload.parts_of(op.payload)
  if not parts then
    ctx:fail(at, path, "teng.send: expected a string or a payload, got %s", describe(op.payload))
  end
  if len == 0 then ctx:fail(at, path, "teng.send: the payload is empty") end
  local id = payload.id(ctx, d, op.payload, at, path)
  if st.tx then st.tx = st.tx + len end
  return emit(st, at, { code = C.TENG_OP_SEND, a = id, name = ("send %d B"):format(len) })
end

local MODES = { "bytes", "until_", "line", "length", "resp", "http", "eof" }
local RECV_KEYS = { "bytes", "until_", "line", "length", "resp", "http", "eof", "trailer", "expect",
  "prefix", "echo", "timeout", "on_fail", "reason", "status", "head", "pattern" }

-- HTTP status option -> lo, hi (nil: any).
local function status_range(ctx, v, at, path)
  if v == nil then return 200, 299 end
  if v == "any" then return nil end
  if type(v) == "number" then
    ctx:number(v, at, path, { int = true, min = 100, max = 999 })
    return v, v
  elseif type(v) == "string" and v:match("^[1-9]xx$") then
    local c = tonumber(v:sub(1, 1)) * 100
    return c, c + 99
  elseif type(v) == "table" and not teng.kind(v) and #v == 2 then
    ctx:number(v[1], at, path, { int = true, min = 100, max = 999 })
    ctx:number(v[2], at, path, { int = true, min = v[1], max = 999 })
    return v[1], v[2]
  end
  ctx:fail(at, path, 'expected 200, "2xx", {200, 299} or "any", got %s', describe(v))
end

function OPS.recv(st, op, at, path)
  local ctx, d = st.ctx, st.d
  if op.bad ~= nil then ctx:fail(at, path, "teng.recv: expected a table, got %s", describe(op.bad)) end
  ctx:only(op, RECV_KEYS, path, at)
  local mode
  for _, m in ipairs(MODES) do
    if op[m] ~= nil then
      if mode then mode = false break end
      mode = m
    end
  end
  if not mode then
    ctx:fail(at, path, "teng.recv needs exactly one of bytes=N, until_=DELIM, line=true, length=\"$\", "
      .. "resp=true, http=true, eof=true")
  end
  local r = { code = C.TENG_OP_RECV }
  local function flag(k)
    if op[k] ~= nil and op[k] ~= true then ctx:fail(at, path .. "." .. k, "expected true, got %s", describe(op[k])) end
    return op[k] == true
  end
  local function only_with(k, m)
    if op[k] ~= nil and mode ~= m then ctx:fail(at, path .. "." .. k, "only with %s", m == "http" and "http = true" or m) end
  end
  only_with("trailer", "length"); only_with("status", "http"); only_with("head", "http")
  only_with("pattern", "bytes")
  if mode == "bytes" then
    r.mode, r.n = C.TENG_RECV_BYTES, ctx:number(op.bytes, at, path .. ".bytes", { int = true, min = 1, max = 2 ^ 32 - 1 })
    r.name = "recv bytes=" .. op.bytes
  elseif mode == "until_" then
    local delim = op.until_
    if type(delim) ~= "string" then ctx:fail(at, path .. ".until_", "expected a string, got %s", describe(delim)) end
    if #delim < 1 or #delim > C.TENG_DELIM_MAX then
      ctx:fail(at, path .. ".until_", "the delimiter must be 1..%d bytes, got %d", C.TENG_DELIM_MAX, #delim)
    end
    r.mode, r.n = C.TENG_RECV_DELIM, payload.plain(ctx, d, delim, at, path)
    r.name = "recv until=" .. M.quote(delim)
  elseif mode == "length" then
    local c = op.length
    if type(c) ~= "string" or #c ~= 1 then
      ctx:fail(at, path .. ".length", "expected the byte before the length, like \"$\", got %s", describe(c))
    end
    r.mode, r.n = C.TENG_RECV_LENGTH, c:byte()
    r.m = op.trailer == nil and 0 or ctx:number(op.trailer, at, path .. ".trailer", { int = true, min = 0, max = 65535 })
    r.name = ("recv length=%s trailer=%d"):format(M.quote(c), r.m)
  else
    flag(mode)
    if op[mode] ~= true then ctx:fail(at, path .. "." .. mode, "expected true, got %s", describe(op[mode])) end
    r.mode = ({ line = C.TENG_RECV_LINE, resp = C.TENG_RECV_RESP, http = C.TENG_RECV_HTTP,
      eof = C.TENG_RECV_EOF })[mode]
    r.name = "recv " .. mode
  end
  if mode == "eof" or mode == "http" then
    for _, k in ipairs { "expect", "prefix", "echo" } do
      if op[k] ~= nil then
        ctx:fail(at, path .. "." .. k, "not with %s%s", mode == "eof" and "eof = true" or "http = true",
          mode == "http" and k ~= "echo" and " (check the status with status =)" or "")
      end
    end
  end
  if mode == "http" then
    if flag("head") then r.flags = OPF_HEAD end
    local lo, hi = status_range(ctx, op.status, at, path .. ".status")
    if lo then r.expect, r.n, r.m = C.TENG_EXPECT_STATUS, lo, hi end
  end
  if op.expect ~= nil and op.prefix ~= nil then ctx:fail(at, path, "give expect = or prefix =, not both") end
  if op.pattern ~= nil and (op.expect ~= nil or op.prefix ~= nil) then
    ctx:fail(at, path .. ".pattern", "not with expect = or prefix =")
  end
  if flag("pattern") then r.expect = C.TENG_EXPECT_PATTERN end
  for _, k in ipairs { "expect", "prefix" } do
    if op[k] ~= nil then
      r.a, r.b = payload.alternatives(ctx, d, op[k], at, path .. "." .. k)
      r.expect = k == "expect" and C.TENG_EXPECT_EXACT or C.TENG_EXPECT_PREFIX
    end
  end
  if flag("echo") then r.flags = r.flags and bit.bor(r.flags, OPF_ECHO) or OPF_ECHO; st.echo = true end
  if op.timeout ~= nil then
    local us = seconds(st, op.timeout, at, path .. ".timeout", "timeout", 0.001)
    r.timeout_ms = math.max(1, math.floor(us / 1000 + 0.5))
  end
  if op.reason ~= nil then r.reason = M.reason(ctx, d, op.reason, at, path .. ".reason") end
  local i = emit(st, at, r)
  if op.on_fail ~= nil then
    pending(st, i, op.on_fail, at, path .. ".on_fail")
    st.tx = false
  end
  return i
end

function OPS.close(st, op, at, path)
  local ctx = st.ctx
  local t = op.opts
  if op.nargs > 1 or (t ~= nil and (type(t) ~= "table" or teng.kind(t))) then
    ctx:fail(at, path, "teng.close takes nothing or one of { reset = true }, { half = true }")
  end
  t = t or {}
  ctx:only(t, { "reset", "half" }, path, at)
  for _, k in ipairs { "reset", "half" } do
    if t[k] ~= nil and t[k] ~= true then ctx:fail(at, path .. "." .. k, "expected true, got %s", describe(t[k])) end
  end
  if t.reset and t.half then ctx:fail(at, path, "teng.close: give reset = true or half = true, not both") end
  if t.reset then return emit(st, at, { code = C.TENG_OP_CLOSE, mode = C.TENG_CLOSE_RESET, name = "close reset" }) end
  local i = emit(st, at, { code = C.TENG_OP_CLOSE, mode = C.TENG_CLOSE_FIN, name = t.half and "close half" or "close" })
  if t.half then emit(st, at, { code = C.TENG_OP_RECV, mode = C.TENG_RECV_EOF }) end
  return i
end

function OPS.think(st, op, at, path)
  local ctx, x = st.ctx, op.arg
  local r = { code = C.TENG_OP_THINK }
  if type(x) == "number" then
    r.mode, r.n = C.TENG_DIST_FIXED, seconds(st, x, at, path, "think time")
    r.name = ("think %g s"):format(x)
  elseif type(x) == "table" and not teng.kind(x) then
    ctx:only(x, { "uniform", "exp", "max" }, path, at)
    if x.uniform ~= nil then
      if x.exp ~= nil or x.max ~= nil then ctx:fail(at, path, "teng.think: uniform = {a, b} takes no exp or max") end
      local u = x.uniform
      if type(u) ~= "table" or #u ~= 2 then
        ctx:fail(at, path .. ".uniform", "expected { min, max } in seconds, got %s", describe(u))
      end
      r.mode, r.n = C.TENG_DIST_UNIFORM, seconds(st, u[1], at, path .. ".uniform[1]", "think time")
      r.m = seconds(st, u[2], at, path .. ".uniform[2]", "think time", u[1])
      r.name = ("think uniform %g..%g s"):format(u[1], u[2])
    elseif x.exp ~= nil then
      r.mode, r.n = C.TENG_DIST_EXP, seconds(st, x.exp, at, path .. ".exp", "think time")
      r.m = x.max and seconds(st, x.max, at, path .. ".max", "think time", x.exp) or 0
      if not x.max and r.n * 100 > defaults.limit.time_s * 1e6 then
        ctx:fail(at, path .. ".exp", "give max = S: 100 times the mean is over %d s", defaults.limit.time_s)
      end
      r.name = ("think exp %g s"):format(x.exp)
    else
      ctx:fail(at, path, "teng.think: expected seconds, { uniform = {a, b} } or { exp = mean, max = cap }")
    end
  else
    ctx:fail(at, path, "teng.think: expected seconds or a table, got %s", describe(x))
  end
  return emit(st, at, r)
end

local walk

local function body_of(st, body, at, path, what)
  if teng.kind(body) and OPS[teng.kind(body)] then body = { body } end
  if type(body) ~= "table" or teng.kind(body) then
    st.ctx:fail(at, path, "%s: expected a list of ops, got %s", what, describe(body))
  end
  if #body == 0 then st.ctx:fail(at, path, "%s: the body is empty", what) end
  return body
end

function OPS.loop(st, op, at, path)
  local ctx, c = st.ctx, op.count
  local body = body_of(st, op.body, at, path, "teng.loop")
  if st.depth >= C.TENG_MAX_LOOP_DEPTH then
    ctx:fail(at, path, "loops nest at most %d deep", C.TENG_MAX_LOOP_DEPTH)
  end
  local r = { code = C.TENG_OP_LOOP_INIT, a = st.depth }
  local fixed
  if type(c) == "number" then
    r.mode, r.n = C.TENG_LOOP_COUNT, ctx:number(c, at, path, { int = true, min = 0, max = defaults.limit.loop,
      what = "loop count" })
    fixed, r.name = c, "loop " .. c
  elseif teng.kind(c) == "uniform" then
    r.mode = C.TENG_LOOP_UNIFORM
    r.n = ctx:number(c.from, c, path, { int = true, min = 0, max = defaults.limit.loop, what = "teng.uniform start" })
    r.m = ctx:number(c.to, c, path, { int = true, min = c.from, max = defaults.limit.loop, what = "teng.uniform end" })
    r.name = ("loop %d..%d"):format(c.from, c.to)
  elseif c == "phase" then
    r.mode, r.name = C.TENG_LOOP_PHASE, "loop phase"
  else
    ctx:fail(at, path, 'teng.loop: expected a count 0..%d, teng.uniform(a, b) or "phase", got %s',
      defaults.limit.loop, describe(c))
  end
  local init = emit(st, at, r)
  local outer = st.tx
  st.tx, st.depth = outer and 0, st.depth + 1
  walk(st, body, path)
  st.depth = st.depth - 1
  st.tx = outer and st.tx and fixed and outer + st.tx * fixed or false
  local nxt = emit(st, at, { code = C.TENG_OP_LOOP_NEXT, a = st.depth, jump = init + 1 })
  st.d.ops[init + 1].jump = nxt + 1
  return init
end

local function name_of(st, v, at, path, what)
  if type(v) ~= "string" or #v == 0 or #v >= C.TENG_GROUP_NAME_LEN then
    st.ctx:fail(at, path, "%s: expected a name of 1..%d characters, got %s", what, C.TENG_GROUP_NAME_LEN - 1,
      describe(v))
  end
  return v
end

function OPS.label(st, op, at, path)
  local name = name_of(st, op.name, at, path, "teng.label")
  if st.labels[name] then st.ctx:fail(at, path, "teng.label: label '%s' is already defined", name) end
  st.labels[name] = #st.d.ops
end

function OPS.jump(st, op, at, path)
  local name = name_of(st, op.name, at, path, "teng.jump")
  st.tx = false
  local i = emit(st, at, { code = C.TENG_OP_JUMP, name = "jump " .. name })
  pending(st, i, name, at, path)
  return i
end

function OPS.fail(st, op, at, path)
  local id = M.reason(st.ctx, st.d, op.reason, at, path)
  st.tx = false
  return emit(st, at, { code = C.TENG_OP_FAIL, reason = id, name = "fail " .. op.reason })
end

function OPS.step(st, op, at, path)
  local d = st.d
  local name = name_of(st, op.name, at, path, "teng.step")
  local body = body_of(st, op.body, at, path, "teng.step")
  local id = d.step_ids[name]
  if not id then
    if #d.steps == C.TENG_MAX_STEPS then st.ctx:fail(at, path, "too many steps (at most %d)", C.TENG_MAX_STEPS) end
    d.steps[#d.steps + 1] = name
    id = #d.steps - 1
    d.step_ids[name] = id
  end
  local i = emit(st, at, { code = C.TENG_OP_STEP_BEGIN, a = id, name = "step " .. name })
  walk(st, body, path)
  emit(st, at, { code = C.TENG_OP_STEP_END, a = id })
  return i
end

function walk(st, list, path)
  for i = 1, #list do
    local op, p = list[i], ("%s[%d]"):format(path, i)
    local kind = teng.kind(op)
    if type(op) == "table" and not kind then
      walk(st, op, p)
    elseif OPS[kind] then
      OPS[kind](st, op, teng.line(op) and op or st.where, p)
    else
      st.ctx:fail(teng.line(op) and op or st.where, p, "expected an op (teng.send, teng.recv, teng.close, "
        .. "teng.think, teng.loop, ...), got %s", describe(op))
    end
  end
  local n = 0
  for k in pairs(list) do
    if type(k) ~= "number" or k < 1 or k > #list or k % 1 ~= 0 then
      st.ctx:fail(st.where, path, "unknown field '%s' (a program is a list of ops)", tostring(k))
    end
    n = n + 1
  end
end

-- Compiles one program (path names it, where locates it); returns its
-- first op, the bytes it sends (nil when not fixed) and its op names.
function M.program(ctx, d, prog, where, path)
  if prog == nil then ctx:fail(where, path, "missing (a list of teng.send/recv/close ops)") end
  if type(prog) ~= "table" or teng.kind(prog) then
    ctx:fail(where, path, "expected a list of teng.send/recv/close ops, got %s", describe(prog))
  end
  if #prog == 0 then ctx:fail(where, path, "the program is empty") end
  local st = { ctx = ctx, d = d, where = where, root = path, labels = {}, pending = {}, depth = 0,
    tx = 0, names = {} }
  local first = #d.ops
  walk(st, prog, path)
  emit(st, where, { code = C.TENG_OP_END })
  for _, j in ipairs(st.pending) do
    local target = st.labels[j.label]
    if type(j.label) ~= "string" or not target then
      ctx:fail(j.at, j.path, "unknown label %s", type(j.label) == "string" and "'" .. j.label .. "'" or describe(j.label))
    end
    d.ops[j.index + 1].jump = target
  end
  return first, st.tx or nil, st.names, st.echo
end

local escapes = { ["\r"] = "\\r", ["\n"] = "\\n", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }
function M.quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    return escapes[c] or ("\\%03d"):format(c:byte())
  end) .. '"'
end

function M.selftest()
  local d = {}
  payload.init(d)
  M.init(d)
  assert(d.reasons[1] == "none" and d.reasons[15] == "resp_error" and d.reasons[16] == "keepalive")
  local ctx = setmetatable(source.context("", {}), require("teng.check").Ctx)
  local first, tx = M.program(ctx, d, { teng.send "ab", teng.loop(3, { teng.send "cde", teng.recv { line = true } }),
    teng.close() }, 1, "p")
  assert(first == 0 and tx == 2 + 3 * 3, tx)
  local o = d.ops
  assert(#o == 7 and o[2].code == C.TENG_OP_LOOP_INIT and o[2].jump == 5 and o[5].code == C.TENG_OP_LOOP_NEXT
    and o[5].jump == 2 and o[7].code == C.TENG_OP_END, #o)
  first, tx = M.program(ctx, d, { teng.label "top", teng.recv { line = true, expect = "x", on_fail = "out" },
    teng.jump "top", teng.label "out", teng.fail "bad_line" }, 1, "q")
  assert(first == 7 and tx == nil and o[8].jump == 9 and o[9].jump == 7 and o[10].reason == 16)
  assert(d.reasons[17] == "bad_line" and o[8].expect == C.TENG_EXPECT_EXACT)
  local ok, e = pcall(M.program, ctx, d, { teng.jump "nowhere" }, 1, "r")
  assert(not ok and e.msg:match("unknown label 'nowhere'"), tostring(e))
  ok, e = pcall(M.program, ctx, d, { teng.loop(1, { teng.loop(1, { teng.loop(1, { teng.close() }) }) }) }, 1, "r")
  assert(not ok and e.msg:match("loops nest at most 2 deep"), tostring(e))
  assert(M.quote("a\r\n\"") == [["a\r\n\""]])
end

return M
