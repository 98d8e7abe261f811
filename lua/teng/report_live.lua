-- Live renderers of the run at a moment (report.view, the results model
-- of that moment): the OpenMetrics text /metrics serves (--metrics) and
-- the values of the DPDK telemetry commands /teng/stats, /teng/phase and
-- /teng/workers. They only render the view; publish hands both to C
-- (core/live.c), which keeps the latest copy for the HTTP server and the
-- telemetry thread.
local ffi = require "ffi"
local json = require "teng.json"
local C = ffi.C

local M = {}

-- OpenMetrics text ------------------------------------------------------

local function number(v)
  if v ~= v then return "NaN" end
  if v == math.huge then return "+Inf" end
  if v == -math.huge then return "-Inf" end
  return json.number_text(v)
end
M.number = number

local LABEL_ESC = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n" }
local function label_value(s) return (tostring(s):gsub('[\\"\n]', LABEL_ESC)) end
local function help_text(s) return (s:gsub("[\\\n]", { ["\\"] = "\\\\", ["\n"] = "\\n" })) end

-- Collects families; each family's metadata comes first, then its samples.
local function exposition()
  local out, e = {}, {}
  -- name: the family (a counter's without _total); unit: its last word.
  function e.family(name, typ, help, unit)
    out[#out + 1] = ("# TYPE %s %s\n"):format(name, typ)
    if unit then out[#out + 1] = ("# UNIT %s %s\n"):format(name, unit) end
    out[#out + 1] = ("# HELP %s %s\n"):format(name, help_text(help))
  end
  -- labels: { name, value, name, value ... } in order.
  function e.sample(name, labels, value)
    local l = ""
    if labels and #labels > 0 then
      local parts = {}
      for i = 1, #labels, 2 do parts[#parts + 1] = ('%s="%s"'):format(labels[i], label_value(labels[i + 1])) end
      l = "{" .. table.concat(parts, ",") .. "}"
    end
    out[#out + 1] = ("%s%s %s\n"):format(name, l, number(value))
  end
  function e.counter(name, help, value, labels)
    e.family(name, "counter", help)
    e.sample(name .. "_total", labels, value)
  end
  function e.gauge(name, help, value, labels, unit)
    e.family(name, "gauge", help, unit)
    e.sample(name, labels, value)
  end
  -- A counter family with one sample per label value.
  function e.counters(name, help, label, list)
    e.family(name, "counter", help)
    for _, kv in ipairs(list) do e.sample(name .. "_total", { label, kv[1] }, kv[2]) end
  end
  function e.text()
    out[#out + 1] = "# EOF\n"
    return table.concat(out)
  end
  return e
end

-- { {name, count}, ... } of a failures map, by name.
local function sorted_pairs(t)
  local list = {}
  for k, v in pairs(t or {}) do list[#list + 1] = { k, v } end
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end

-- Drop counters of the view: the JSON's tcp drops_* and drop_* keys and
-- the transmit path's drops_tx_full, each under the name after its prefix.
local function drops(v)
  local list = {}
  for k, x in pairs(v.tcp) do
    local r = k:match("^drops?_(.+)$")
    if r then list[#list + 1] = { r, x } end
  end
  for _, k in ipairs { "drops_tx_full", "drops_not_ours" } do
    if v.extra[k] then list[#list + 1] = { k:match("^drops_(.+)$"), v.extra[k] } end
  end
  list[#list + 1] = { "redirect_ring_full", v.steering.redirect_drops }
  list[#list + 1] = { "not_owner", v.steering.not_owner }
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end

local function histogram(e, name, help, bounds, l)
  e.family(name, "histogram", help, "seconds")
  for i, b in ipairs(bounds) do
    e.sample(name .. "_bucket", { "le", number(b / 1e6) }, l.buckets[i])
  end
  e.sample(name .. "_bucket", { "le", "+Inf" }, l.count)
  e.sample(name .. "_count", nil, l.count)
  e.sample(name .. "_sum", nil, l.sum / 1e6)
end

-- The /metrics body of view v (report.view).
function M.metrics(v)
  local e = exposition()
  local c, s = v.client, v.server
  e.family("teng_run", "info", "The scenario teng runs.")
  e.sample("teng_run_info", { "scenario", v.scenario }, 1)
  -- The phase as a state set: one series per phase, 1 for the current one.
  e.family("teng_phase", "stateset", "The phase running (drain: open connections finish; done: the run is over).")
  local seen = {}
  for _, name in ipairs(v.phases) do
    if not seen[name] then
      seen[name] = true
      e.sample("teng_phase", { "teng_phase", name }, name == v.phase and 1 or 0)
    end
  end
  for _, name in ipairs { "drain", "done" } do
    if not seen[name] then e.sample("teng_phase", { "teng_phase", name }, name == v.phase and 1 or 0) end
  end
  e.gauge("teng_phase_index", "Index of the phase running, from 0; the number of phases while draining and after.",
    v.phase_index)
  e.gauge("teng_elapsed_seconds", "Seconds since the first phase started.", v.elapsed_s, nil, "seconds")
  if v.phase_duration_s then
    e.gauge("teng_phase_elapsed_seconds", "Seconds into the phase running.", v.phase_elapsed_s, nil, "seconds")
    e.gauge("teng_phase_duration_seconds", "Planned length of the phase running.", v.phase_duration_s, nil, "seconds")
  end
  if v.cps_asked then
    e.gauge("teng_cps_asked", "Client connections a second the phase's schedule asks for now.", v.cps_asked)
  end
  e.gauge("teng_cps", "Client connections completed over the last second.", v.cps or 0)
  e.gauge("teng_schedule_lag_seconds", "Worst lag of an opening behind its schedule so far.", c.lag_us / 1e6, nil,
    "seconds")
  e.family("teng_active_connections", "gauge", "Open connections, per role.")
  e.sample("teng_active_connections", { "role", "client" }, c.active)
  e.sample("teng_active_connections", { "role", "server" }, s.active)

  e.counter("teng_client_connections_attempted", "Client connections opened (SYN sent).", c.attempted)
  e.counter("teng_client_connections_completed", "Client connections whose program ran to its end.", c.completed)
  e.counter("teng_client_connections_failed", "Client connections that failed, for any reason.", c.failed)
  e.counters("teng_client_failures", "Failed client connections by reason.", "reason", sorted_pairs(c.failures))
  e.counter("teng_client_requests", "Receive steps completed by client connections.", c.requests)
  e.counter("teng_server_connections_accepted", "Server connections accepted.", s.accepted)
  e.counter("teng_server_connections_completed", "Server connections whose program ran to its end.", s.completed)
  e.counter("teng_server_connections_failed", "Server connections that failed, for any reason.", s.failed)
  e.counters("teng_server_failures", "Failed server connections by reason.", "reason", sorted_pairs(s.failures))
  e.counter("teng_server_requests", "Receive steps completed by server connections.", s.requests)
  e.counters("teng_bytes_sent", "Payload bytes sent, per role.", "role",
    { { "client", c.bytes_tx }, { "server", s.bytes_tx } })
  e.counters("teng_bytes_received", "Payload bytes received, per role.", "role",
    { { "client", c.bytes_rx }, { "server", s.bytes_rx } })
  e.counter("teng_packets_sent", "Frames the workers sent.", v.packets_tx)
  e.counter("teng_packets_received", "Frames the workers received.", v.packets_rx)
  e.counters("teng_packets_dropped", "Frames dropped, by reason (the JSON's tcp drop counters).", "reason", drops(v))

  local t = v.tcp
  e.counter("teng_tcp_retransmits", "TCP segments retransmitted (all kinds).", t.retransmits)
  e.counters("teng_tcp_retransmits_by_kind", "TCP segments retransmitted, by kind.", "kind",
    { { "syn", t.rtx_syn }, { "synack", t.rtx_synack }, { "data", t.rtx_data }, { "fin", t.rtx_fin } })
  e.counter("teng_tcp_resets_received", "TCP resets received.", t.rst_rx)
  e.counter("teng_tcp_resets_sent", "TCP resets sent.", t.rst_tx)
  e.counter("teng_tcp_timeouts", "Connections ended by a timer (idle, receive, retries).", t.timeouts)

  local bounds = v.latency_bounds_us
  histogram(e, "teng_client_connect_latency_seconds",
    "Client connect latency (SYN to established), from the intended start.", bounds, c.latency_us.connect)
  histogram(e, "teng_client_transaction_latency_seconds",
    "Client transaction latency (to the program's end), from the intended start.", bounds,
    c.latency_us.transaction)

  local devs = v.port.devices
  if #devs > 0 then
    local function per_dev(name, help, key)
      e.family(name, "counter", help)
      for _, dv in ipairs(devs) do e.sample(name .. "_total", { "device", dv.name }, dv[key]) end
    end
    per_dev("teng_port_packets_sent", "Packets the port sent.", "opackets")
    per_dev("teng_port_packets_received", "Packets the port received.", "ipackets")
    per_dev("teng_port_bytes_sent", "Bytes the port sent (0 where the device does not count them).", "obytes")
    per_dev("teng_port_bytes_received", "Bytes the port received (0 where the device does not count them).",
      "ibytes")
    per_dev("teng_port_rx_missed", "Packets the port missed (receive queue full).", "imissed")
    per_dev("teng_port_rx_errors", "Receive errors of the port.", "ierrors")
    per_dev("teng_port_tx_errors", "Transmit errors of the port.", "oerrors")
  end

  local ws = v.workers
  local function per_worker(name, help, get)
    e.family(name, "counter", help)
    for _, w in ipairs(ws) do e.sample(name .. "_total", { "worker", tostring(w.index) }, get(w)) end
  end
  per_worker("teng_worker_packets_received", "Frames each worker received.", function(w) return w.pkts_rx end)
  per_worker("teng_worker_packets_sent", "Frames each worker sent.", function(w) return w.pkts_tx end)
  per_worker("teng_worker_frames_redirected", "Frames each worker handed to the worker that owns them.",
    function(w) return w.redirected end)
  for _, kind in ipairs { "completed", "failed" } do
    local name = "teng_worker_connections_" .. kind
    e.family(name, "counter", ("Connections each worker %s, per role."):format(kind))
    for _, w in ipairs(ws) do
      for _, role in ipairs { "client", "server" } do
        e.sample(name .. "_total", { "worker", tostring(w.index), "role", role }, w[role][kind])
      end
    end
  end
  return e.text()
end

-- Telemetry -------------------------------------------------------------

-- Items { key, value } in order; a table value nests ("a/b").
local function flatten(list, prefix, fields)
  for _, f in ipairs(fields) do
    local k, x = f[1], f[2]
    if type(x) == "table" then
      flatten(list, prefix .. k .. "/", x)
    elseif x ~= nil then
      list[#list + 1] = { key = prefix .. k, value = x }
    end
  end
  return list
end

local function lat_fields(l)
  return { { "p50", l.p50 }, { "p90", l.p90 }, { "p99", l.p99 }, { "p999", l.p999 }, { "max", l.max },
    { "mean", l.mean }, { "count", l.count } }
end

-- This second's record (report.second): rates and percentiles a
-- telemetry client cannot work out from one read.
local function second_fields(sec)
  local l = sec.latency_us or {}
  local function p(x, k) return x and x[k] end
  return { { "t", sec.t }, { "cps", sec.cps }, { "cps_asked", sec.cps_asked }, { "kbps", sec.mbps and sec.mbps * 1000 },
    { "failures", sorted_pairs(sec.failures) },
    { "connect_p50_us", p(l.connect, "p50") }, { "connect_p99_us", p(l.connect, "p99") },
    { "transaction_p50_us", p(l.transaction, "p50") }, { "transaction_p99_us", p(l.transaction, "p99") } }
end

-- The three commands' items: { [cmd] = { {key, value}, ... } }, cmd an
-- enum teng_live_cmd. Numbers go out as integers (seconds as
-- milliseconds, latency in whole microseconds). /teng/workers is a dict
-- by worker index (DPDK 22.11 takes no dicts inside an array).
function M.telemetry(v)
  local c, s, t = v.client, v.server, v.tcp
  local function ms(x) return x and math.floor(x * 1000 + 0.5) or nil end
  local stats = flatten({}, "", {
    { "scenario", v.scenario }, { "state", v.state }, { "phase", v.phase }, { "elapsed_ms", ms(v.elapsed_s) },
    { "cps", v.cps or 0 }, { "cps_asked", v.cps_asked },
    { "client", { { "attempted", c.attempted }, { "completed", c.completed }, { "failed", c.failed },
      { "requests", c.requests }, { "bytes_tx", c.bytes_tx }, { "bytes_rx", c.bytes_rx }, { "active", c.active },
      { "lag_us", c.lag_us }, { "failures", sorted_pairs(c.failures) },
      { "latency_us", { { "connect", lat_fields(c.latency_us.connect) },
        { "transaction", lat_fields(c.latency_us.transaction) } } } } },
    { "server", { { "accepted", s.accepted }, { "completed", s.completed }, { "failed", s.failed },
      { "requests", s.requests }, { "bytes_tx", s.bytes_tx }, { "bytes_rx", s.bytes_rx }, { "active", s.active },
      { "failures", sorted_pairs(s.failures) } } },
    { "tcp", { { "retransmits", t.retransmits }, { "rst_rx", t.rst_rx }, { "rst_tx", t.rst_tx },
      { "timeouts", t.timeouts }, { "drops", drops(v) } } },
    { "packets", { { "tx", v.packets_tx }, { "rx", v.packets_rx } } },
    { "last_second", second_fields(v.second) },
  })
  local phase = flatten({}, "", {
    { "name", v.phase }, { "index", v.phase_index }, { "phases", #v.phases }, { "state", v.state },
    { "elapsed_ms", ms(v.elapsed_s) }, { "phase_elapsed_ms", ms(v.phase_elapsed_s) },
    { "duration_ms", ms(v.phase_duration_s) }, { "cps_asked", v.cps_asked }, { "cps", v.cps or 0 },
  })
  local workers = {}
  for _, w in ipairs(v.workers) do
    flatten(workers, w.index .. "/", {
      { "index", w.index }, { "cpu", w.cpu }, { "socket", w.socket }, { "queue", w.queue },
      { "client", { { "completed", w.client.completed }, { "failed", w.client.failed } } },
      { "server", { { "completed", w.server.completed }, { "failed", w.server.failed } } },
      { "pkts_rx", w.pkts_rx }, { "pkts_tx", w.pkts_tx }, { "redirected", w.redirected },
      { "redirect_drops", w.redirect_drops }, { "not_owner", w.not_owner },
    })
  end
  return { [C.TENG_LIVE_STATS] = stats, [C.TENG_LIVE_PHASE] = phase, [C.TENG_LIVE_WORKERS] = workers }
end

-- Hands the view's renderings to C (api: ffi.C or a test's fake).
-- metrics: render /metrics too (only when it is served).
function M.publish(api, v, metrics)
  if metrics then
    local text = M.metrics(v)
    api.teng_live_publish_metrics(text, #text)
  end
  for cmd, items in pairs(M.telemetry(v)) do
    local a = ffi.new("struct teng_live_item[?]", math.max(#items, 1))
    for i, it in ipairs(items) do
      local e = a[i - 1]
      -- DPDK takes names of letters, digits, '_' and '/' only.
      e.key = it.key:gsub("[^%w_/]", "_"):sub(1, ffi.sizeof(e.key) - 1)
      if type(it.value) == "string" then
        e.is_str, e.str = 1, it.value:sub(1, ffi.sizeof(e.str) - 1)
      else
        e.num = tonumber(it.value) or 0
      end
    end
    if api.teng_live_publish_telemetry(cmd, a, #items) ~= 0 and not M.refused then
      M.refused = true
      io.stderr:write(("teng: telemetry: %d items are more than command %d takes; it keeps older figures\n")
        :format(#items, cmd))
    end
  end
end

function M.selftest()
  assert(number(3) == "3" and number(0.25) == "0.25" and number(1e-05) == "1e-05" and number(1 / 0) == "+Inf")
  assert(label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd')
  local e = exposition()
  e.counter("x", "h", 2)
  e.counters("y", "h", "reason", { { "a", 1 } })
  assert(e.text() == '# TYPE x counter\n# HELP x h\nx_total 2\n# TYPE y counter\n# HELP y h\ny_total{reason="a"} 1\n# EOF\n')
  local items = flatten({}, "", { { "a", 1 }, { "b", { { "c", "x" }, { "d", { { "e", 2 } } } } }, { "z", nil } })
  assert(#items == 3 and items[2].key == "b/c" and items[3].key == "b/d/e" and items[3].value == 2)
end

return M
