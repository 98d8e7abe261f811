-- The scenario compiler with valid and invalid input.
--   teng --lua tests/lua/test_compile.lua
local ffi = require "ffi"
local teng = require "teng"
local compile = require "teng.compile"
local C = ffi.C

-- Outside the teng binary (plain luajit) plan memory comes from the FFI.
if not pcall(function() return C.teng_plan_new end) then
  local keep = {}
  compile.new_plan = function() return ffi.new("struct teng_plan") end
  compile.plan_blob = function(plan, len)
    local b = ffi.new("uint8_t[?]", len)
    keep[#keep + 1] = b
    plan.blob, plan.blob_len = b, len
    return b
  end
end

local tmp = os.tmpname()
local function compile_text(text, opts)
  local f = assert(io.open(tmp, "w"))
  f:write(text)
  f:close()
  return pcall(compile.compile_file, tmp, opts or {})
end

local checks, failures = 0, 0
local function check(cond, what)
  checks = checks + 1
  if not cond then failures = failures + 1; print("FAIL " .. what) end
end

-- Valid input ------------------------------------------------------------

local GOOD = [[
local teng = require "teng"
local args = teng.args { cps = 900, duration = 5, big = false }
local hello = teng.payload "hello"
return teng.scenario {
  name = "good",
  client = { ip = "10.0.0.1-10.0.0.4", ports = "2000-2999" },
  server = { ip = "10.0.1.1", port = 8080 },
  client_program = { teng.send(hello), teng.recv { until_ = "\r\n" }, teng.recv { bytes = 7 }, teng.close() },
  server_program = { teng.recv { bytes = 5 }, teng.send "hello", teng.send "ok\r\n1234567",
                     teng.recv { eof = true }, teng.close() },
  phases = {
    { "ramp", duration = 1.5, cps = teng.ramp(0, args.cps) },
    { "steady", duration = args.duration, cps = args.cps },
    { "burst", duration = 1, cps = teng.max { open = 10 } },
    { "hold", duration = 2, concurrency = 10 },
  },
  conns = 100,
  tcp = { mss = 1400, idle_timeout = 1.5 },
  drain = 0.5,
}
]]

local ok, plan, d = compile_text(GOOD, { cores = 3, args = { { "cps", "1200" }, { "duration", "2.5" } } })
check(ok, "good scenario compiles: " .. tostring(plan))
if ok then
  check(ffi.string(plan.name) == "good", "name")
  check(ffi.string(plan.port[0].spec) == "loopback" and plan.nports == 1, "port defaults to loopback")
  check(plan.port[0].gateway == 0 and plan.port[0].has_peer_mac == 0, "loopback has no next hop")
  check(plan.client_enabled == 1 and plan.server_enabled == 1, "both roles")
  check(plan.ntemplates == 1 and plan.templates[0].dst_ip == 0x0a000101 and plan.templates[0].dst_port == 8080,
    "dst defaults to the server")
  check(ffi.string(plan.templates[0].name) == "default" and plan.templates[0].cum_weight == 2 ^ 32 - 1
    and plan.templates[0].pool == 0 and plan.templates[0].prog == 0, "v1: one template 'default'")
  check(plan.arp_timeout_ms == 3000 and plan.tcp.rto_ms == 200 and plan.tcp.max_retries == 8,
    "arp_timeout, rto, max_retries defaults")
  check(plan.cores == 3, "cores")
  check(plan.npools == 1 and plan.pools[0].ip_lo == 0x0a000001 and plan.pools[0].ip_hi == 0x0a000004,
    "client IPs in host order")
  check(plan.pools[0].port_lo == 2000 and plan.pools[0].port_hi == 2999, "client ports")
  check(plan.nlisteners == 1 and plan.listeners[0].ip == 0x0a000101 and plan.listeners[0].port == 8080
    and ffi.string(plan.listeners[0].name) == "default" and plan.listeners[0].prog == 5, "v1: one listener 'default'")
  -- code:mode:a:n per op, all programs in one array
  local function ops(from, to)
    local t = {}
    for i = from, to do
      local o = plan.ops[i]
      t[#t + 1] = ("%d:%d:%d:%d"):format(o.code, o.mode, o.a, o.n)
    end
    return table.concat(t, " ")
  end
  local S, R, X = C.TENG_OP_SEND, C.TENG_OP_RECV, C.TENG_OP_CLOSE
  local RB, RD, RE = C.TENG_RECV_BYTES, C.TENG_RECV_DELIM, C.TENG_RECV_EOF
  -- payloads: 0 "hello", 1 "\r\n", 2 "ok\r\n1234567" ("hello" deduplicated)
  check(plan.nops == 11, "nops " .. plan.nops)
  check(ops(0, 4) == ("%d:0:0:0 %d:%d:0:1 %d:%d:0:7 %d:0:0:0 0:0:0:0"):format(S, R, RD, R, RB, X), "client ops " .. ops(0, 4))
  check(ops(5, 10) == ("%d:%d:0:5 %d:0:0:0 %d:0:2:0 %d:%d:0:0 %d:0:0:0 0:0:0:0"):format(R, RB, S, S, R, RE, X),
    "server ops " .. ops(5, 10))
  check(plan.ops[0].jump == C.TENG_NO_JUMP and plan.ops[1].expect == C.TENG_EXPECT_NONE, "no jumps, no checks")
  check(plan.npayloads == 3 and plan.blob_len == 5 + 2 + 11, "payloads deduplicated")
  local function payload(i)
    return ffi.string(plan.blob + plan.payloads[i].off, plan.payloads[i].len)
  end
  check(payload(0) == "hello" and payload(1) == "\r\n" and payload(2) == "ok\r\n1234567", "payload bytes")
  check(plan.nphases == 4, "phases")
  check(plan.phases[0].kind == C.TENG_RATE_RAMP and plan.phases[0].duration_s == 1.5, "ramp phase")
  check(ffi.string(plan.phases[1].name) == "steady" and plan.phases[1].duration_s == 2.5, "args override duration")
  check(plan.phases[2].kind == C.TENG_RATE_MAX and plan.phases[3].kind == C.TENG_RATE_CONCURRENCY, "max, concurrency")
  for c = 0, 2 do
    local s = plan.core[c].sched
    check(s[0].cps_from == 0 and s[0].cps_to == 400, "ramp split on core " .. c)
    check(s[1].cps_from == 400 and s[1].cps_to == 400, "cps split on core " .. c)
    check(s[0].conc_to == (c == 2 and 6666 or 6667) and s[1].conc_to == s[0].conc_to, "rate phases capped by max_open on core " .. c)
    check(s[2].conc_to == (c == 0 and 4 or 3), "max open split on core " .. c)
    check(s[3].conc_from == (c == 0 and 4 or 3) and s[3].conc_to == s[3].conc_from, "concurrency split on core " .. c)
    check(plan.core[c].conn_limit == (c == 0 and 34 or 33), "conn_limit split on core " .. c)
  end
  check(plan.max_open == 6667, "max_open per core")
  check(plan.tcp.mss == 1400 and plan.tcp.wscale == 7 and plan.tcp.idle_timeout_ms == 1500, "tcp")
  check(plan.tcp.ack_with_data == 1, "tcp.ack_with_data: on unless the scenario says false")
  check(plan.drain_s == 0.5 and plan.quiet_eal == 1, "drain, quiet eal")
  check(d.tx_per_conn.client == 5 and d.tx_per_conn.server == 16, "bytes per connection")
end

-- The shipped scenarios compile (real ports: one core).
for name, cores in pairs { http_like = 2, crr = 2, http_client = 1, http_server = 1, through_proxy = 1 } do
  local okc, err = pcall(compile.compile_file, "scenarios/" .. name .. ".lua", { cores = cores })
  check(okc, "scenarios/" .. name .. ".lua compiles: " .. tostring(err))
end

-- Roles and ports ----------------------------------------------------------

local err

local SERVER_ONLY = [[
local teng = require "teng"
return teng.scenario {
  name = "srv",
  port = teng.af_packet("teng0", { gateway = "198.18.0.1" }),
  server = { ip = "198.18.0.2", port = 80 },
  server_program = { teng.recv { until_ = "\r\n\r\n" }, teng.send "HTTP/1.1 200 OK\r\n\r\n", teng.close() },
  phases = { { "serve", duration = 3 } },
  arp_timeout = 0.5,
  tcp = { rto = 0.05, max_retries = 3 },
}
]]
ok, plan, d = compile_text(SERVER_ONLY)
check(ok, "server-only scenario compiles: " .. tostring(plan))
if ok then
  check(plan.client_enabled == 0 and plan.server_enabled == 1, "server role only")
  check(plan.ntemplates == 0 and plan.nops == 4 and plan.nlisteners == 1, "programs")
  check(plan.listeners[0].ip == 0xc6120002 and plan.listeners[0].port == 80 and plan.npools == 0, "server address")
  check(ffi.string(plan.port[0].spec) == "af_packet:teng0" and plan.nports == 1, "af_packet spec")
  check(plan.port[0].gateway == 0xc6120001 and plan.port[0].has_peer_mac == 0, "gateway")
  check(plan.nphases == 1 and plan.phases[0].kind == C.TENG_RATE_CPS and plan.core[0].sched[0].cps_from == 0,
    "a server-only phase needs no rate")
  check(plan.core[0].conn_limit == 0, "no conn limit")
  check(plan.arp_timeout_ms == 500 and plan.tcp.rto_ms == 50 and plan.tcp.max_retries == 3, "arp, rto, retries")
end
ok, plan = compile_text((SERVER_ONLY:gsub("max_retries = 3", "max_retries = 3, ack_with_data = false")))
check(ok and plan.tcp.ack_with_data == 0, "tcp.ack_with_data = false: " .. tostring(plan))

local CLIENT_ONLY = [[
local teng = require "teng"
return teng.scenario {
  name = "cli",
  port = "tap:tap0,peer_mac=02:aa:bb:cc:dd:0e",
  client = { ip = "198.18.0.10-198.18.0.19", dst = "198.18.0.1:8080" },
  client_program = { teng.send "GET / HTTP/1.1\r\nHost: x\r\n\r\n", teng.recv { http = true }, teng.close() },
  phases = { { "main", duration = 3, cps = 100 } },
  conns = 250,
}
]]
ok, plan, d = compile_text(CLIENT_ONLY)
check(ok, "client-only scenario compiles: " .. tostring(plan))
if ok then
  check(plan.client_enabled == 1 and plan.server_enabled == 0, "client role only")
  check(plan.templates[0].dst_ip == 0xc6120001 and plan.templates[0].dst_port == 8080, "dst from client.dst")
  check(plan.nlisteners == 0, "no listener without a server role")
  check(plan.pools[0].port_lo == 1024 and plan.pools[0].port_hi == 65535, "default client ports")
  check(ffi.string(plan.port[0].spec) == "tap:tap0" and plan.port[0].has_peer_mac == 1, "tap spec, peer mac")
  local mac = {}
  for i = 0, 5 do mac[#mac + 1] = ("%02x"):format(plan.port[0].peer_mac[i]) end
  check(table.concat(mac, ":") == "02:aa:bb:cc:dd:0e", "peer mac bytes " .. table.concat(mac, ":"))
  check(plan.core[0].conn_limit == 250, "conns")
end

local TWO_PORTS = [[
local teng = require "teng"
return teng.scenario {
  name = "two",
  port = { teng.memif("/run/teng/a.sock", "client", { peer_mac = "02:00:00:00:00:01" }), "pci:0000:3b:00.1,gateway=10.9.0.1" },
  client = { ip = "10.0.0.1", dst = "10.0.0.100:8080" },
  server = { ip = "10.1.0.2", port = 80 },
  client_program = { teng.send "x", teng.recv { eof = true }, teng.close() },
  server_program = { teng.recv { bytes = 1 }, teng.close() },
  phases = { { "main", duration = 1, cps = 10 } },
}
]]
ok, plan, d = compile_text(TWO_PORTS)
check(ok, "two-port scenario compiles: " .. tostring(plan))
if ok then
  check(plan.nports == 2 and ffi.string(plan.port[0].spec) == "memif:/run/teng/a.sock:client"
    and ffi.string(plan.port[1].spec) == "pci:0000:3b:00.1", "two specs")
  check(plan.port[0].has_peer_mac == 1 and plan.port[0].peer_mac[5] == 1 and plan.port[0].gateway == 0, "port 1 options")
  check(plan.port[1].has_peer_mac == 0 and plan.port[1].gateway == 0x0a090001, "port 2 options")
  check(plan.templates[0].dst_ip == 0x0a000064 and plan.listeners[0].ip == 0x0a010002, "dst and server differ")
end
-- --port replaces the scenario's ports one by one.
ok, plan = compile_text(TWO_PORTS, { ports = { "af_packet:veth9,gateway=10.0.0.254" } })
check(ok and ffi.string(plan.port[0].spec) == "af_packet:veth9" and plan.port[0].gateway == 0x0a0000fe
  and plan.port[0].has_peer_mac == 0 and ffi.string(plan.port[1].spec) == "pci:0000:3b:00.1",
  "--port replaces the first port: " .. tostring(plan))
ok, plan = compile_text(TWO_PORTS, { ports = { "tap:a", "tap:b" } })
check(ok and ffi.string(plan.port[0].spec) == "tap:a" and ffi.string(plan.port[1].spec) == "tap:b",
  "--port twice replaces both: " .. tostring(plan))
ok, err = compile_text(TWO_PORTS, { ports = { "tap:a", "tap:b", "tap:c" } })
check(not ok and err:match(":4: port: %-%-port given 3 times, but the scenario has 2 ports"), "too many --port: " .. tostring(err))
ok, plan = compile_text(TWO_PORTS, { cores = 2 })
check(ok and plan.cores == 2 and plan.port[0].queues == 0, "cores with real ports: " .. tostring(plan))
ok, plan = compile_text(TWO_PORTS, { cores = 2, ports = { "memif:/run/teng/a.sock:client,queues=2" } })
check(ok and plan.port[0].queues == 2 and plan.port[1].queues == 0, "queues=2 with 2 cores: " .. tostring(plan))
ok, err = compile_text(TWO_PORTS, { cores = 2, ports = { "memif:/run/teng/a.sock:client,queues=3" } })
check(not ok and err:match(":4: port: memif:/run/teng/a.sock:client: queues=3, but there are 2 cores"), "queues ~= cores: " .. tostring(err))
ok, err = compile_text(SERVER_ONLY, { ports = { "loopback" } })
check(not ok and err:match(":2: client_program: missing %(the loopback port runs both roles"), "loopback needs both roles: " .. tostring(err))

-- Invalid input: { expected line, message pattern, script, cli args } -----

local HEAD = 'local teng = require "teng"\n'
local function scenario(fields)
  return HEAD .. "return teng.scenario {\n" .. fields .. "\n}\n"
end
local BASE = {
  name = '  name = "t",',
  client = '  client = { ip = "10.0.0.1-10.0.0.2", ports = "1000-2000" },',
  server = '  server = { ip = "10.0.1.1", port = 80 },',
  client_program = '  client_program = { teng.send "x", teng.recv { eof = true }, teng.close() },',
  server_program = '  server_program = { teng.recv { bytes = 1 }, teng.close() },',
  phases = '  phases = { { "main", duration = 1, cps = 10 } },',
}
local ORDER = { "name", "client", "server", "client_program", "server_program", "phases" }
-- Replace (or with false, drop) some of the base fields; line 3 is `name`.
local function with(t)
  local out = {}
  for _, k in ipairs(ORDER) do
    if t[k] ~= false then out[#out + 1] = t[k] or BASE[k] end
  end
  if t.extra then out[#out + 1] = t.extra end
  return scenario(table.concat(out, "\n"))
end

local bad = {
  { 4, "client: unknown field 'port' %(did you mean 'ports'%?%)", with { client = '  client = { ip = "10.0.0.1", port = 1 },' } },
  { 9, "scenario: unknown field 'clinet' %(did you mean 'client'%?%)", with { extra = '  clinet = {},' } },
  { 4, "client.ip: malformed IP range '10.0.0.x'", with { client = '  client = { ip = "10.0.0.x" },' } },
  { 4, "client.ip: IP range '10.0.0.9%-10.0.0.1' starts above its end", with { client = '  client = { ip = "10.0.0.9-10.0.0.1" },' } },
  { 4, "client.ports: malformed port range '0%-10'", with { client = '  client = { ip = "10.0.0.1", ports = "0-10" },' } },
  { 4, "client.ports: malformed port range '1%-70000'", with { client = '  client = { ip = "10.0.0.1", ports = "1-70000" },' } },
  { 5, "server.ip: malformed IP address '10.0.1'", with { server = '  server = { ip = "10.0.1", port = 80 },' } },
  { 5, "server.ip: 10.0.0.2 lies inside the client range", with { server = '  server = { ip = "10.0.0.2", port = 80 },' } },
  { 5, "server.port: must be <= 65535, got 70000", with { server = '  server = { ip = "10.0.1.1", port = 70000 },' } },
  { 2, "server_program: missing", with { server_program = false } },
  { 2, "client: missing", with { client = false } },
  { 7, "server_program: the program is empty", with { server_program = '  server_program = {},' } },
  { 6, "client_program%[1%]: expected an op %(teng.send, teng.recv, teng.close, teng.think, teng.loop, ...%), got teng.payload", with { client_program = '  client_program = { teng.payload "x" },' } },
  { 6, "client_program%[2%]: teng.recv needs exactly one of", with { client_program = '  client_program = { teng.send "x", teng.recv { bytes = 1, eof = true } },' } },
  { 6, "client_program%[1%]: teng.recv needs exactly one of", with { client_program = '  client_program = { teng.recv {} },' } },
  { 6, "client_program%[1%]: unknown field 'byte'", with { client_program = '  client_program = { teng.recv { byte = 1 } },' } },
  { 6, "client_program%[1%].until_: the delimiter must be 1..1024 bytes, got 1025", with { client_program = '  client_program = { teng.recv { until_ = ("x"):rep(1025) } },' } },
  { 6, "client_program%[1%].until_: the delimiter must be 1..1024 bytes, got 0", with { client_program = '  client_program = { teng.recv { until_ = "" } },' } },
  { 6, "client_program%[1%]: teng.send: the payload is empty", with { client_program = '  client_program = { teng.send "" },' } },
  { 6, "client_program%[1%]: teng.send: expected a string or a payload, got number 5", with { client_program = '  client_program = { teng.send(5) },' } },
  { 6, "client_program: too many ops %(the programs need more than 1024 in all%)", with { client_program = '  client_program = { ' .. ("teng.close(), "):rep(1024) .. '},' } },
  { 8, "phases%[1%].cps: rate must be >= 0, got %-5", with { phases = '  phases = { { "main", duration = 1, cps = -5 } },' } },
  { 10, "phases%[2%].cps: teng.ramp end must be >= 0, got %-1", with { phases = '  phases = {\n { "a", duration = 1, cps = 1 },\n { "b", duration = 1, cps = teng.ramp(0, -1) } },' } },
  { 8, "phases%[1%].duration: expected a number, got string 'ten'", with { phases = '  phases = { { "main", duration = "ten", cps = 1 } },' } },
  { 8, "phases%[1%].duration: duration must be > 0, got 0", with { phases = '  phases = { { "main", duration = 0, cps = 1 } },' } },
  { 8, "phases%[1%].concurrency: a concurrency ramp takes no cps=", with { phases = '  phases = { { "main", duration = 1, cps = 1, concurrency = teng.ramp(1, 2) } },' } },
  { 8, "phases%[1%]: needs cps = N or concurrency = N", with { phases = '  phases = { { "main", duration = 1 } },' } },
  { 8, "phases%[1%]: unknown field 'cpss'", with { phases = '  phases = { { "main", duration = 1, cpss = 1 } },' } },
  { 8, "phases%[1%].concurrency: expected an integer, got 1.5", with { phases = '  phases = { { "main", duration = 1, concurrency = 1.5 } },' } },
  { 8, "phases%[1%]: the first element must be the phase name", with { phases = '  phases = { { duration = 1, cps = 1 } },' } },
  { 8, "phases: no phases", with { phases = '  phases = {},' } },
  { 9, "port: pci: expected a PCI address DDDD:BB:DD.F or BB:DD.F, got '0000:01:00.8'", with { extra = '  port = "pci:0000:01:00.8",' } },
  { 9, "port: af_packet: the interface name must be 1..15 characters", with { extra = '  port = "af_packet:",' } },
  { 9, "port: unknown port spec 'bogus:x'", with { extra = '  port = "bogus:x",' } },
  { 9, "port: peer_mac: malformed MAC address '02:00:00:00:00'", with { extra = '  port = "af_packet:e,peer_mac=02:00:00:00:00",' } },
  { 9, "port: teng.tap: peer_mac: malformed MAC address 'x'", with { extra = '  port = teng.tap("t", { peer_mac = "x" }),' } },
  { 9, "port: teng.memif: argument 2 must be a string, got nil", with { extra = '  port = teng.memif("/s"),' } },
  { 9, "port: loopback makes both ends by itself; it cannot be one of two ports", with { extra = '  port = { teng.loopback(), teng.loopback() },' } },
  { 9, "port%[2%]: tap: the interface name", with { extra = '  port = { "tap:a", "tap:" },' } },
  { 9, "port: unknown field '3'", with { extra = '  port = { "tap:a", "tap:b", "tap:c" },' } },
  { 2, "server_program: missing %(with two ports", with { server_program = false, extra = '  port = { "tap:a", "tap:b" },' } },
  { 2, "scenario: needs a client_program, a server_program or both", with { client_program = false, server_program = false } },
  { 2, "server: missing %(a table like { ip = A, port = N }%)", with { client = false, server = false, client_program = false, extra = '  port = "tap:a",' } },
  { 4, "client: there is no client_program", with { client_program = false, extra = '  port = "tap:a",' } },
  { 4, "client.dst: malformed address '10.0.1.1' %(expected IP:PORT%)", with { server = false, server_program = false,
    client = '  client = { ip = "10.0.0.1", dst = "10.0.1.1" },', extra = '  port = "tap:a",' } },
  { 4, "client.dst: on the loopback the client connects to its own server", with { client = '  client = { ip = "10.0.0.1", dst = "10.0.9.9:80" },' } },
  { 4, "client.dst: 10.0.0.1 lies inside the client range", with { client = '  client = { ip = "10.0.0.1-10.0.0.5", dst = "10.0.0.1:80" },', server = false, server_program = false, extra = '  port = "tap:a",' } },
  { 5, "server: not used: client.dst is the destination", with { client = '  client = { ip = "10.0.0.1", dst = "10.0.9.9:80" },', server_program = false, extra = '  port = "tap:a",' } },
  { 7, "conns: there is no client_program", with { client = false, client_program = false, extra = '  port = "tap:a", conns = 5,' } },
  { 9, "tcp.rto: must be >= 0.001, got 0", with { extra = '  tcp = { rto = 0 },' } },
  { 9, "arp_timeout: must be > 0, got 0", with { extra = '  arp_timeout = 0,' } },
  { 9, "tcp.wscale: must be <= 14, got 15", with { extra = '  tcp = { wscale = 15 },' } },
  { 9, "tcp.ack_with_data: expected true or false, got 1", with { extra = '  tcp = { ack_with_data = 1 },' } },
  { 9, "tcp: unknown field 'mms' %(did you mean 'mss'%?%)", with { extra = '  tcp = { mms = 1 },' } },
  { 9, "conns: expected a number, got string 'many'", with { extra = '  conns = "many",' } },
  { 3, "name: expected a string", with { name = '  name = 42,' } },
  { 3, "'}' expected %(to close '{' at line 2%) near", HEAD .. "return teng.scenario {\n  name = \"x\" client = {}\n}\n" },
  { 2, "attempt to call field 'nosuch'", HEAD .. "teng.nosuch()\nreturn 1\n" },
  { 3, "the script must return teng.scenario{...}, it returned table", HEAD .. "\nreturn { name = 'x' }\n\n" },
  { 2, "teng.bytes: expected a byte count", HEAD .. "local x = teng.bytes(-3)\n" },
  { 2, "unknown argument 'cpz' %(this scenario takes: cps, duration%)",
    HEAD .. "local a = teng.args { cps = 1, duration = 2 }\n" .. with {}:sub(#HEAD + 1), { { "cpz", "3" } } },
  { 2, "argument 'cps': expected a number, got 'fast'",
    HEAD .. "local a = teng.args { cps = 1 }\n" .. with {}:sub(#HEAD + 1), { { "cps", "fast" } } },
  { 1, "unknown argument 'cps' %(this scenario takes no key=value arguments%)", with {}, { { "cps", "1" } } },
}

for i, case in ipairs(bad) do
  local line, pattern, text, args = case[1], case[2], case[3], case[4]
  local okc, err = compile_text(text, { cores = 1, args = args })
  local want = "^" .. tmp:gsub("%p", "%%%0") .. ":" .. line .. ": " .. pattern
  check(not okc and type(err) == "string" and err:match(want),
    ("bad case %d: want %d: %s\n  got %s"):format(i, line, pattern, tostring(err)))
end

-- conns below the core count cannot be split.
local okc
okc, err = compile_text(with { extra = "  conns = 2," }, { cores = 4 })
check(not okc and err:match(":9: conns: 2 is fewer than the 4 cores"), "conns < cores: " .. tostring(err))

os.remove(tmp)
print(("%d checks, %d failures"):format(checks, failures))
return failures == 0 and 0 or 1
