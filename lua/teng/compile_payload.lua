-- Payload templates and their fields: the plan's blob layout. A payload
-- is { data = bytes (fields hold placeholders), fields = { ... } } in
-- d.payloads (index i is payload id i-1). Plain payloads are shared by
-- their bytes; list values and expectation alternatives take consecutive
-- ids, as plan.h wants.
local ffi = require "ffi"
local teng = require "teng"
local source = require "teng.source"
require "teng.cdef"
local C = ffi.C

local M = {}

local MAX_PAYLOADS, MAX_FIELDS = C.TENG_MAX_PAYLOADS, C.TENG_MAX_FIELDS
M.MAX_BLOB = 64 * 1024 * 1024

local KIND = {
  conn = C.TENG_FIELD_CONN, core_conn = C.TENG_FIELD_CORE_CONN, req = C.TENG_FIELD_REQ,
  random_digits = C.TENG_FIELD_RAND_DIGITS, random_alnum = C.TENG_FIELD_RAND_ALNUM,
  list_seq = C.TENG_FIELD_LIST_SEQ, list_rand = C.TENG_FIELD_LIST_RAND,
  client_ip = C.TENG_FIELD_CLIENT_IP, client_port = C.TENG_FIELD_CLIENT_PORT,
}
local SALTED = { random_digits = true, random_alnum = true, list_rand = true }

function M.init(d)
  d.payloads, d.payload_ids, d.blob_len, d.nfields = {}, {}, 0, 0
  d.salts, d.nsalts, d.lists = {}, 0, {}
end

local function add(ctx, d, data, fields, at, path)
  if #d.payloads == MAX_PAYLOADS then
    ctx:fail(at, path, "too many payloads (at most %d, list values and expectations included)", MAX_PAYLOADS)
  end
  if d.nfields + #fields > MAX_FIELDS then
    ctx:fail(at, path, "too many payload fields (at most %d in all payloads)", MAX_FIELDS)
  end
  d.blob_len = d.blob_len + #data
  if d.blob_len > M.MAX_BLOB then ctx:fail(at, path, "payloads exceed %d bytes in total", M.MAX_BLOB) end
  d.nfields = d.nfields + #fields
  d.payloads[#d.payloads + 1] = { data = data, fields = fields }
  return #d.payloads - 1
end

-- A plain byte string's id (shared).
function M.plain(ctx, d, data, at, path)
  local id = d.payload_ids[data]
  if not id then
    id = add(ctx, d, data, {}, at, path)
    d.payload_ids[data] = id
  end
  return id
end

-- The payload of a field's list values: consecutive ids, once per field.
local function list_arg(ctx, d, f, at, path)
  if not d.lists[f] then
    local first
    for i, v in ipairs(f.values) do
      local id = add(ctx, d, v, {}, at, path)
      if i == 1 then first = id end
    end
    d.lists[f] = first
  end
  return d.lists[f]
end

-- A string, a teng.payload or a plain list of strings and fields -> the
-- parts and the length; nil when x is none of these.
local function parts_of(x)
  if type(x) == "string" then return { x }, #x end
  if teng.kind(x) == "payload" then return x.parts, x.len end
  if type(x) == "table" and not teng.kind(x) and #x > 0 then
    local ok, p = pcall(teng.payload, x)
    if ok then return p.parts, p.len end
  end
end
M.parts_of = parts_of

-- Payload x -> id, length; nil when x is not a payload. `fresh` gives it
-- a new id even when the bytes are known (consecutive alternatives).
function M.id(ctx, d, x, at, path, fresh)
  local parts, len = parts_of(x)
  if not parts then return nil end
  local bytes, fields, off = {}, {}, 0
  for _, p in ipairs(parts) do
    if type(p) == "string" then
      bytes[#bytes + 1] = p
      off = off + #p
    else
      local salt = 0
      if SALTED[p.fkind] then
        if not d.salts[p] then d.nsalts = d.nsalts + 1; d.salts[p] = d.nsalts end
        salt = d.salts[p]
      end
      local arg, count = 0, 0
      if p.values then arg, count = list_arg(ctx, d, p, at, path), #p.values end
      fields[#fields + 1] = { off = off, width = p.width, kind = KIND[p.fkind],
        pad = p.pad and p.pad:byte() or 0, arg = arg, count = count, salt = salt }
      bytes[#bytes + 1] = ("0"):rep(p.width)
      off = off + p.width
    end
  end
  local data = table.concat(bytes)
  if #fields == 0 and not fresh then return M.plain(ctx, d, data, at, path), len end
  return add(ctx, d, data, fields, at, path), len
end

-- A list of alternatives (<= TENG_MAX_ALTS) -> first id, count.
function M.alternatives(ctx, d, x, at, path)
  local list = x
  if type(x) == "string" or teng.kind(x) == "payload" then list = { x } end
  if type(list) ~= "table" or teng.kind(list) or #list == 0 then
    ctx:fail(at, path, "expected a payload or a list of 1..%d payloads, got %s", C.TENG_MAX_ALTS,
      source.describe(x))
  end
  if #list > C.TENG_MAX_ALTS then
    ctx:fail(at, path, "too many alternatives (%d, at most %d)", #list, C.TENG_MAX_ALTS)
  end
  for i, alt in ipairs(list) do
    if not parts_of(alt) then
      ctx:fail(at, ("%s[%d]"):format(path, i), "expected a string or a payload, got %s", source.describe(alt))
    end
  end
  if #list == 1 then return (M.id(ctx, d, list[1], at, path)), 1 end
  local first
  for i, alt in ipairs(list) do
    local id = M.id(ctx, d, alt, at, path, true)
    if i == 1 then first = id end
  end
  return first, #list
end

-- Writes the payloads and fields into the plan (blob from plan_blob).
function M.fill(plan, d, blob)
  local off, nf = 0, 0
  for i, p in ipairs(d.payloads) do
    local pp = plan.payloads[i - 1]
    pp.off, pp.len, pp.field0, pp.nfields = off, #p.data, nf, #p.fields
    ffi.copy(blob + off, p.data, #p.data)
    off = off + #p.data
    for _, f in ipairs(p.fields) do
      local pf = plan.fields[nf]
      pf.off, pf.width, pf.kind, pf.pad = f.off, f.width, f.kind, f.pad
      pf.arg, pf.count, pf.salt = f.arg, f.count, f.salt
      nf = nf + 1
    end
  end
  plan.npayloads, plan.nfields, plan.blob_len = #d.payloads, nf, off
end

function M.selftest()
  local d = {}
  M.init(d)
  local ctx = setmetatable(source.context("", {}), source.Ctx)
  local key = teng.field.conn { width = 4 }
  local user = teng.field.list { values = { "ann", "bo" }, pad = " " }
  local rnd = teng.field.random_digits { width = 3 }
  local a = M.id(ctx, d, "hello", 1, "x")
  assert(a == 0 and M.id(ctx, d, teng.payload "hello", 1, "x") == 0)
  local id, len = M.id(ctx, d, teng.payload { "k:", key, " ", user, rnd }, 1, "x")
  assert(id == 3 and len == 2 + 4 + 1 + 3 + 3, id) -- the list's values are 1 and 2
  assert(d.payloads[2].data == "ann" and d.payloads[3].data == "bo ")
  local p = d.payloads[4]
  assert(p.data == "k:0000 000000" and #p.fields == 3)
  assert(p.fields[1].off == 2 and p.fields[1].kind == C.TENG_FIELD_CONN and p.fields[1].salt == 0)
  assert(p.fields[2].off == 7 and p.fields[2].arg == 1 and p.fields[2].count == 2)
  assert(p.fields[3].off == 10 and p.fields[3].salt == 1)
  -- The same field in another payload keeps its salt and list.
  local id2 = M.id(ctx, d, { rnd, user }, 1, "x")
  assert(id2 == 4 and d.payloads[5].fields[1].salt == 1 and d.payloads[5].fields[2].arg == 1)
  local first, n = M.alternatives(ctx, d, { "hello", "bye" }, 1, "x")
  assert(first == 5 and n == 2 and d.payloads[6].data == "hello" and d.payloads[7].data == "bye")
  assert(M.alternatives(ctx, d, "hello", 1, "x") == 0)
  local ok, e = pcall(M.alternatives, ctx, d, { 1 }, 1, "x")
  assert(not ok and e.msg:match("x%[1%]: expected a string or a payload"), tostring(e))
  assert(d.nfields == 5)
end

return M
