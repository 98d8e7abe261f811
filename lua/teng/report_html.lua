-- The HTML report: one self-contained page rendered from one results
-- model (report.result, or a --json file read back), or two for a
-- comparison. Plots are inline SVG (report_svg.lua), the style is inline,
-- and the page fetches nothing. It only renders what the model holds; a
-- key an older file lacks is left out or said to be missing.
local json = require "teng.json"
local svg = require "teng.report_svg"
local units = require "teng.units"

local M = {}
local esc = svg.esc

-- t[k1][k2]... or nil, whatever is missing on the way.
local function get(t, ...)
  for i = 1, select("#", ...) do
    if type(t) ~= "table" then return nil end
    t = t[select(i, ...)]
  end
  if t == json.null then return nil end
  return t
end

local function number(v) return type(v) == "number" and v or nil end
local function list(v) return type(v) == "table" and v or {} end

local function count(v) return number(v) and units.count(v) or "-" end
local function rate(v) return number(v) and units.rate(v) or "-" end
local function us(v) return number(v) and units.us(v) or "-" end
local function bytes(v) return number(v) and units.bytes(v) or "-" end
local function seconds(v) return number(v) and units.seconds(v) or "-" end

-- A criterion's value in its unit.
local function in_unit(v, unit)
  if not number(v) then return v == nil and "-" or tostring(v) end
  if unit == "us" then return units.us(v) end
  if unit == "cps" then return units.rate(v) .. " cps" end
  if unit == "ratio" then return units.ratio(v) end
  if unit == "count" then return units.count(v) end
  return tostring(v) .. (unit and " " .. unit or "")
end

local function failures_text(f)
  local parts = {}
  for _, k in ipairs(json.keys(f)) do parts[#parts + 1] = ("%s %s"):format(k, count(f[k])) end
  return #parts > 0 and table.concat(parts, ", ") or "none"
end

-- A table: head = { "a", "b" }, rows = { { cells = { ... }, attrs = "..." } };
-- cells are HTML already escaped.
local function table_(caption, head, rows, class)
  local out = { ('<table class="%s">'):format(class or "data") }
  if caption then out[#out + 1] = "<caption>" .. caption .. "</caption>" end
  out[#out + 1] = "<thead><tr>"
  for _, h in ipairs(head) do out[#out + 1] = "<th>" .. esc(h) .. "</th>" end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, r in ipairs(rows) do
    out[#out + 1] = ("<tr%s>"):format(r.attrs and " " .. r.attrs or "")
    for _, c in ipairs(r.cells) do out[#out + 1] = "<td>" .. c .. "</td>" end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
  return table.concat(out)
end

local function row(...)
  local cells = { ... }
  for i, c in ipairs(cells) do cells[i] = esc(c) end
  return { cells = cells }
end

-- The per-second series of one run for each plot: { key, name, points }.
local function series_of(r)
  local ps = list(get(r, "per_second"))
  local function pick(key, name, f)
    local pts = {}
    for _, s in ipairs(ps) do
      local t, v = number(get(s, "t")), number(f(s))
      if t and v then pts[#pts + 1] = { t, v } end
    end
    return { key = key, name = name, points = pts }
  end
  local has = {}
  for _, s in ipairs(ps) do
    for _, k in ipairs { "cps_asked", "client_active", "server_active", "failures", "mbps", "latency_us" } do
      if get(s, k) ~= nil then has[k] = true end
    end
  end
  local out = { cps = {}, active = {}, failures = {}, connect = {}, transaction = {}, mbps = {} }
  out.cps[1] = pick("cps", "achieved", function(s) return get(s, "cps") end)
  if has.cps_asked then out.cps[2] = pick("cps_asked", "asked", function(s) return get(s, "cps_asked") end) end
  if has.client_active then
    out.active[#out.active + 1] = pick("client_active", "client", function(s) return get(s, "client_active") end)
  end
  if has.server_active then
    out.active[#out.active + 1] = pick("server_active", "server", function(s) return get(s, "server_active") end)
  end
  if #out.active == 0 then out.active[1] = pick("active", "open", function(s) return get(s, "active") end) end
  if has.failures then
    -- One series per reason that occurred in any second (0 in the others).
    local reasons, seen = {}, {}
    for _, s in ipairs(ps) do
      for _, k in ipairs(json.keys(get(s, "failures") or {})) do
        if not seen[k] then seen[k] = true; reasons[#reasons + 1] = k end
      end
    end
    for _, k in ipairs(reasons) do
      out.failures[#out.failures + 1] = pick("failures." .. k, k,
        function(s) return get(s, "failures") and (number(get(s, "failures", k)) or 0) end)
    end
    if #reasons == 0 then
      out.failures[1] = pick("failures", "no failure", function(s) return get(s, "failures") and 0 end)
    end
  else
    -- Older files: only the running total of failed connections.
    out.failures[1] = pick("failed", "failed so far (all reasons)", function(s) return get(s, "failed") end)
  end
  if has.latency_us then
    for _, which in ipairs { "connect", "transaction" } do
      for _, pct in ipairs { "p50", "p90", "p99" } do
        out[which][#out[which] + 1] = pick(which .. "." .. pct, pct,
          function(s) return get(s, "latency_us", which, pct) end)
      end
    end
  end
  if has.mbps then out.mbps[1] = pick("mbps", "Mbit/s", function(s) return get(s, "mbps") end) end
  return out
end

local PLOTS = {
  { id = "cps", title = "Connections per second (asked and achieved)", unit = "cps", fmt = units.rate },
  { id = "active", title = "Open connections, per role", unit = "open", fmt = units.count, whole = true },
  { id = "failures", title = "Failures by reason, per second", unit = "failures", fmt = units.count, whole = true },
  { id = "connect", title = "Connect latency per second (p50, p90, p99)", unit = "latency", log = true,
    fmt = units.us, empty = "no per-second latency in this results file" },
  { id = "transaction", title = "Transaction latency per second (p50, p90, p99)", unit = "latency", log = true,
    fmt = units.us, empty = "no per-second latency in this results file" },
  { id = "mbps", title = "Throughput, Mbit/s", unit = "Mbit/s", fmt = units.rate, optional = true },
}

local function plots(runs)
  local out = {}
  local per = {}
  for i, run in ipairs(runs) do per[i] = series_of(run.r) end
  for _, spec in ipairs(PLOTS) do
    local p = { id = spec.id, title = spec.title, unit = spec.unit, log = spec.log, fmt = spec.fmt, whole = spec.whole,
      empty = spec.empty, compare = #runs > 1, bands = {}, run_labels = {}, series = {} }
    for i, run in ipairs(runs) do
      p.bands[i] = svg.bands(list(get(run.r, "per_second")))
      p.run_labels[i] = run.label
      for j, s in ipairs(per[i][spec.id]) do
        s.run, s.index = i, j
        p.series[#p.series + 1] = s
      end
    end
    if not (spec.optional and #p.series == 0) then
      out[#out + 1] = ('<figure class="plot" data-plot="%s"><figcaption>%s</figcaption>%s%s</figure>')
        :format(esc(spec.id), esc(spec.title), svg.plot(p), svg.legend(p))
    end
  end
  return table.concat(out, "\n")
end

local function pass_text(v)
  if v == true then return "PASS" end
  if v == false then return "FAIL" end
  return "no verdict"
end

local function verdict(run, i)
  local v = get(run.r, "verdict") or {}
  local pass = get(v, "pass")
  local crit = list(get(v, "criteria"))
  local missed = 0
  for _, c in ipairs(crit) do if get(c, "ok") == false then missed = missed + 1 end end
  local out = { ('<div class="verdict %s" id="verdict-%d" data-run="%d" data-pass="%s">%s</div>'):format(
    pass == true and "pass" or "fail", i - 1, i - 1, tostring(pass),
    pass == true and ("PASS (%d criteria met)"):format(#crit)
      or pass == false and ("FAIL: %d of %d criteria missed"):format(missed, #crit) or "no verdict in this file") }
  local rows, notes = {}, false
  for _, c in ipairs(crit) do notes = notes or get(c, "note") ~= nil end
  for j, c in ipairs(crit) do
    local ok = get(c, "ok")
    local r = row(get(c, "label") or "?", get(c, "phase") or "run", get(c, "role") or "",
      in_unit(get(c, "measured"), get(c, "unit")), in_unit(get(c, "limit"), get(c, "unit")),
      ok == true and "met" or ok == false and "MISSED" or "?")
    if notes then r.cells[#r.cells + 1] = esc(get(c, "note") or "") end
    r.attrs = ('class="criterion %s" data-run="%d" data-index="%d" data-ok="%s"'):format(
      ok == true and "ok" or "missed", i - 1, j - 1, tostring(ok))
    rows[#rows + 1] = r
  end
  out[#out + 1] = table_(nil, { "criterion", "phase", "role", "measured", "limit", "", notes and "note" or nil },
    rows)
  local w = list(get(run.r, "warnings"))
  if #w > 0 then
    out[#out + 1] = '<ul class="warnings">'
    for _, line in ipairs(w) do out[#out + 1] = ('<li class="warning">%s</li>'):format(esc(line)) end
    out[#out + 1] = "</ul>"
  end
  return table.concat(out)
end

-- The figures a comparison puts side by side, with B - A.
local KEY_FIGURES = {
  { "duration", { "duration_s" }, seconds },
  { "client attempted", { "client", "attempted" }, count },
  { "client completed", { "client", "completed" }, count },
  { "client failed", { "client", "failed" }, count },
  { "client cps", { "client", "cps" }, rate },
  { "server completed", { "server", "completed" }, count },
  { "server failed", { "server", "failed" }, count },
  { "client peak open", { "client", "peak_active" }, count },
  { "connect p50", { "client", "latency_us", "connect", "p50" }, us },
  { "connect p99", { "client", "latency_us", "connect", "p99" }, us },
  { "transaction p50", { "client", "latency_us", "transaction", "p50" }, us },
  { "transaction p99", { "client", "latency_us", "transaction", "p99" }, us },
  { "retransmits", { "tcp", "retransmits" }, count },
  { "packets tx", { "port", "packets_tx" }, count },
  { "packets rx", { "port", "packets_rx" }, count },
}

local function delta(a, b, fmt)
  if not (number(a) and number(b)) then return "" end
  local d = b - a
  local s = (d > 0 and "+" or d < 0 and "-" or "") .. fmt(math.abs(d))
  if a ~= 0 then s = s .. (" (%+.1f%%)"):format(d / a * 100) end
  return s
end

local function overview(runs)
  local head = { "" }
  for _, run in ipairs(runs) do head[#head + 1] = run.label end
  if #runs > 1 then head[#head + 1] = "B - A" end
  local rows = {}
  local function text_row(name, f)
    local r = { cells = { esc(name) } }
    for _, run in ipairs(runs) do r.cells[#r.cells + 1] = esc(f(run.r)) end
    if #runs > 1 then r.cells[#r.cells + 1] = "" end
    rows[#rows + 1] = r
  end
  text_row("scenario", function(r) return get(r, "scenario") or "?" end)
  text_row("started", function(r) return get(r, "started_at") or "?" end)
  text_row("cores", function(r) return count(get(r, "cores")) end)
  text_row("port", function(r) return get(r, "port", "spec") or "?" end)
  text_row("steering", function(r) return get(r, "steering", "mode") or "-" end)
  text_row("result", function(r) return pass_text(get(r, "verdict", "pass")) end)
  for _, k in ipairs(KEY_FIGURES) do
    local r = { cells = { esc(k[1]) } }
    local vals = {}
    for i, run in ipairs(runs) do
      vals[i] = get(run.r, unpack(k[2]))
      r.cells[#r.cells + 1] = esc(k[3](vals[i]))
    end
    if #runs > 1 then r.cells[#r.cells + 1] = esc(delta(vals[1], vals[2], k[3])) end
    rows[#rows + 1] = r
  end
  -- Per phase, by name, in the first run's order.
  for _, ph in ipairs(list(get(runs[1].r, "phases"))) do
    local name = get(ph, "name")
    for _, f in ipairs { { "cps", { "cps" }, rate }, { "transaction p99", { "latency_us", "transaction", "p99" }, us } } do
      local r = { cells = { esc(("phase %s: %s"):format(tostring(name), f[1])) } }
      local vals = {}
      for i, run in ipairs(runs) do
        local other
        for _, p in ipairs(list(get(run.r, "phases"))) do
          if get(p, "name") == name then other = p; break end
        end
        vals[i] = other and get(other, unpack(f[2]))
        r.cells[#r.cells + 1] = esc(f[3](vals[i]))
      end
      if #runs > 1 then r.cells[#r.cells + 1] = esc(delta(vals[1], vals[2], f[3])) end
      rows[#rows + 1] = r
    end
  end
  return table_(nil, head, rows, "data overview")
end

local function phases(r)
  local rows = {}
  for _, p in ipairs(list(get(r, "phases"))) do
    rows[#rows + 1] = row(get(p, "name") or "?", get(p, "kind") or "", seconds(get(p, "duration_s")),
      rate(get(p, "cps_asked")), rate(get(p, "cps")), us(get(p, "lag_us")),
      count(get(p, "client", "attempted")), count(get(p, "client", "completed")), count(get(p, "client", "failed")),
      count(get(p, "server", "completed")), count(get(p, "server", "failed")), failures_text(get(p, "failures") or {}),
      us(get(p, "latency_us", "connect", "p50")), us(get(p, "latency_us", "connect", "p99")),
      us(get(p, "latency_us", "transaction", "p50")), us(get(p, "latency_us", "transaction", "p99")))
  end
  local dr = get(r, "drain")
  if dr then
    rows[#rows + 1] = row("drain", "", "", "", "", "", "", count(get(dr, "client", "completed")),
      count(get(dr, "client", "failed")), count(get(dr, "server", "completed")), count(get(dr, "server", "failed")),
      failures_text(get(dr, "failures") or {}), "", "", "", "")
  end
  return table_("Phases", { "phase", "kind", "ran", "asked cps", "cps", "lag", "client attempted", "completed",
    "failed", "server completed", "failed", "failures", "connect p50", "p99", "transaction p50", "p99" }, rows)
end

local function groups(r)
  local out = {}
  local rows = {}
  for _, t in ipairs(list(get(r, "templates"))) do
    rows[#rows + 1] = row(get(t, "name") or "?", get(t, "weight") or "", count(get(t, "attempted")),
      count(get(t, "completed")), count(get(t, "failed")), rate(get(t, "cps")), count(get(t, "requests")),
      bytes(get(t, "bytes_tx")), bytes(get(t, "bytes_rx")), failures_text(get(t, "failures") or {}),
      us(get(t, "latency_us", "connect", "p99")), us(get(t, "latency_us", "transaction", "p99")))
  end
  if #rows > 0 then
    out[#out + 1] = table_("Templates (client)", { "template", "weight", "attempted", "completed", "failed",
      "cps", "requests", "tx", "rx", "failures", "connect p99", "transaction p99" }, rows)
  end
  rows = {}
  for _, l in ipairs(list(get(r, "listeners"))) do
    rows[#rows + 1] = row(get(l, "name") or "?", get(l, "ip") or "", count(get(l, "accepted")),
      count(get(l, "completed")), count(get(l, "failed")), count(get(l, "requests")), bytes(get(l, "bytes_tx")),
      bytes(get(l, "bytes_rx")), failures_text(get(l, "failures") or {}),
      us(get(l, "latency_us", "transaction", "p99")))
  end
  if #rows > 0 then
    out[#out + 1] = table_("Listeners (server)", { "listener", "address", "accepted", "completed", "failed",
      "requests", "tx", "rx", "failures", "transaction p99" }, rows)
  end
  rows = {}
  local steps = get(r, "steps") or {}
  for _, name in ipairs(json.keys(steps)) do
    local s = steps[name]
    rows[#rows + 1] = row(name, count(get(s, "count")), us(get(s, "p50")), us(get(s, "p90")), us(get(s, "p99")),
      us(get(s, "max")))
  end
  if #rows > 0 then
    out[#out + 1] = table_("Steps", { "step", "count", "p50", "p90", "p99", "max" }, rows)
  end
  return table.concat(out)
end

local function nonzero(t)
  local rows = {}
  for _, k in ipairs(json.keys(t or {})) do
    if number(t[k]) and t[k] ~= 0 then rows[#rows + 1] = row(k, count(t[k])) end
  end
  return rows
end

local function port(r)
  local out = {}
  local rows = {}
  for _, d in ipairs(list(get(r, "port", "devices"))) do
    rows[#rows + 1] = row(get(d, "name") or "?", count(get(d, "opackets")), count(get(d, "ipackets")),
      bytes(get(d, "obytes")), bytes(get(d, "ibytes")), count(get(d, "imissed")), count(get(d, "ierrors")),
      count(get(d, "oerrors")))
  end
  out[#out + 1] = table_(("Port %s: packets tx %s, rx %s"):format(esc(get(r, "port", "spec") or "?"),
    count(get(r, "port", "packets_tx")), count(get(r, "port", "packets_rx"))),
    { "device", "packets tx", "packets rx", "bytes tx", "bytes rx", "missed", "errors rx", "errors tx" }, rows)
  rows = nonzero(get(r, "tcp"))
  out[#out + 1] = #rows > 0 and table_("TCP counters (non-zero)", { "counter", "count" }, rows, "data narrow")
    or '<p class="note">TCP counters: all zero.</p>'
  rows = nonzero(get(r, "extra"))
  if #rows > 0 then out[#out + 1] = table_("Other counters (non-zero)", { "counter", "count" }, rows, "data narrow") end
  rows = {}
  for _, w in ipairs(list(get(r, "workers"))) do
    rows[#rows + 1] = row(count(get(w, "index")), count(get(w, "cpu")), count(get(w, "socket")),
      count(get(w, "client", "completed")), count(get(w, "client", "failed")), count(get(w, "server", "completed")),
      count(get(w, "server", "failed")), count(get(w, "pkts_rx")), count(get(w, "pkts_tx")),
      count(get(w, "redirected")))
  end
  if #rows > 0 then
    out[#out + 1] = table_("Workers", { "worker", "cpu", "socket", "client completed", "failed",
      "server completed", "failed", "packets rx", "packets tx", "redirected" }, rows)
  end
  return table.concat(out)
end

local function scenario(r)
  local rows = { row("source", get(r, "source") or "?") }
  if get(r, "command") then rows[#rows + 1] = row("command", get(r, "command")) end
  local args = get(r, "args")
  if type(args) == "table" then
    local parts = {}
    if #args > 0 then
      for _, a in ipairs(args) do
        parts[#parts + 1] = type(a) == "table" and ("%s=%s"):format(tostring(a[1]), tostring(a[2])) or tostring(a)
      end
    else
      for _, k in ipairs(json.keys(args)) do parts[#parts + 1] = ("%s=%s"):format(k, tostring(args[k])) end
    end
    rows[#rows + 1] = row("arguments", #parts > 0 and table.concat(parts, " ") or "(none)")
  else
    rows[#rows + 1] = row("arguments", "(not in this results file)")
  end
  local plan = get(r, "plan") or {}
  for _, k in ipairs(json.keys(plan)) do
    local v = plan[k]
    if type(v) == "table" then
      local parts = {}
      for _, x in ipairs(v) do parts[#parts + 1] = tostring(x) end
      v = table.concat(parts, type(k) == "string" and k:match("program$") and " → " or ", ")
    end
    rows[#rows + 1] = row(k:gsub("_", " "), tostring(v))
  end
  local text = get(r, "source_text")
  local src = type(text) == "string" and ('<details class="source"><summary>the scenario\'s text</summary><pre>%s</pre></details>')
    :format(esc(text)) or ""
  return table_("Scenario", { "", "" }, rows, "data narrow") .. src
end

local CSS = [[
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 6px;border-bottom:1px solid #ccc}
table.data{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
table.data td,table.data th{border:1px solid #ddd;padding:2px 6px;text-align:right;white-space:nowrap}
table.data td:first-child,table.data th:first-child{text-align:left}
table.data caption{text-align:left;font-weight:600;padding:2px 0}
thead th{background:#f3f3f3}
.verdict{font-weight:700;padding:6px 10px;margin:6px 0;border-radius:4px}
.verdict.pass{background:#e3f4e6;color:#1b6b2a}.verdict.fail{background:#fbe3e0;color:#a32012}
tr.missed td{background:#fbe3e0}
.warning{color:#8a5a00}
.runs{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:0 24px}
.runs.narrow{grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}
.runs.narrow td:first-child{white-space:normal;overflow-wrap:anywhere}
thead th{white-space:normal!important;vertical-align:bottom}
.run{min-width:0;overflow-x:auto}.run h3{font-size:14px;margin:8px 0 2px}
figure.plot{margin:8px 0 14px}figcaption{font-weight:600}
svg.plot{max-width:100%;height:auto;font-size:11px}
svg.plot .frame{fill:none;stroke:#999}svg.plot .grid{stroke:#eee}
svg.plot .phase0{fill:#f4f4f4}svg.plot .phase1{fill:#e9eef6}
svg.plot .band0{opacity:.55}svg.plot .band1{opacity:.8}
svg.plot .bandname{fill:#fff;font-weight:600}
svg.plot .ytick{text-anchor:end;fill:#555}svg.plot .xtick{text-anchor:middle;fill:#555}
svg.plot .xlabel{text-anchor:end;fill:#555}svg.plot .ylabel{fill:#555;text-anchor:middle}
svg.plot .empty{text-anchor:middle;fill:#999}
svg.plot polyline{stroke-width:1.6}svg.plot circle.pt{stroke:none}
.legend{font-size:12px}.legend .key,.legend .run{margin-right:14px;white-space:nowrap}.legend svg{vertical-align:middle}
.note{color:#666}
]]

-- runs: { { label = "a.json", r = model }, ... } (one or two). The page.
function M.render(runs)
  assert(#runs >= 1 and #runs <= 2, "one or two runs")
  local out = {}
  local function add(s) out[#out + 1] = s end
  local title = #runs == 1 and ("teng report: %s"):format(get(runs[1].r, "scenario") or runs[1].label)
    or ("teng comparison: %s (A) and %s (B)"):format(runs[1].label, runs[2].label)
  add("<!DOCTYPE html>")
  add('<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">')
  add("<title>" .. esc(title) .. "</title>")
  add("<style>" .. CSS .. "</style></head><body>")
  add(('<h1 data-runs="%d">%s</h1>'):format(#runs, esc(title)))
  local function per_run(heading, f, class)
    add(("<h2>%s</h2><div class=\"%s\">"):format(esc(heading), class or "runs"))
    for i, run in ipairs(runs) do
      add(('<div class="run" data-run="%d">'):format(i - 1))
      if #runs > 1 then
        add(('<h3 style="color:%s">%s: %s</h3>'):format(svg.RUN_COLORS[i], i == 1 and "A" or "B", esc(run.label)))
      end
      add(f(run.r, run, i))
      add("</div>")
    end
    add("</div>")
  end
  per_run("Verdict", function(_, run, i) return verdict(run, i) end, "runs narrow")
  add('<h2>Over time</h2><section id="plots">')
  add(plots(runs))
  add("</section><h2>Overview</h2>")
  add(overview(runs))
  per_run("Phases", phases)
  per_run("Templates and listeners", groups)
  per_run("Port and counters", port)
  per_run("Scenario", scenario)
  add(('<p class="note">Written by teng report from results schema_version %s.</p>'):format(
    esc(table.concat((function()
      local v = {}
      for i, run in ipairs(runs) do v[i] = tostring(get(run.r, "schema_version")) end
      return v
    end)(), ", "))))
  add("</body></html>\n")
  return table.concat(out, "\n")
end

-- A results file read back: the model, or nil and why it is not one.
function M.load(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, ("cannot read %s"):format(tostring(err)) end
  local text, rerr = f:read("*a")
  f:close()
  if not text then return nil, ("cannot read %s: %s"):format(path, tostring(rerr)) end
  local r, jerr = json.decode(text)
  if r == nil then return nil, ("%s: not valid JSON: %s"):format(path, jerr) end
  if type(r) ~= "table" or getmetatable(r) == getmetatable(json.array()) then
    return nil, ("%s: not a teng results file (the JSON is not an object)"):format(path)
  end
  local v = r.schema_version
  if type(v) ~= "number" then
    return nil, ("%s: not a teng results file (no schema_version)"):format(path)
  end
  if v < 2 then
    return nil, ("%s: schema_version %s is too old for the HTML report (2 or later)"):format(path, tostring(v))
  end
  return r
end

-- Writes the page to path; false and a message when a write fails.
function M.write(f, path, runs)
  return json.save(f, path, M.render(runs), "the HTML report")
end

M.USAGE = [[
usage: teng report RESULTS.json [OTHER.json] -o REPORT.html

Renders a results file written by --json as one self-contained HTML page
(plots over time, the phases, the verdict, the counters, the scenario).
With two files the page overlays both runs (A and B) for a comparison.

exit codes: 0 written, 2 a file missing, unreadable, not JSON or not a
results file, or the output cannot be opened, 3 writing the output failed
]]

-- teng report ...: argv[1] is "report". Returns the exit code.
function M.command(argv)
  local inputs, output = {}, nil
  local i = 2
  while i <= #argv do
    local a = argv[i]
    if a == "-o" or a == "--output" then
      i = i + 1
      output = argv[i]
      if not output then io.stderr:write("teng report: ", a, " needs a file\n"); return 2 end
    elseif a:match("^%-%-output=") then
      output = a:match("^%-%-output=(.*)$")
    elseif a == "-h" or a == "--help" then
      io.stdout:write(M.USAGE)
      return 0
    elseif a:match("^%-.") then
      io.stderr:write(("teng report: unknown option '%s'\n%s"):format(a, M.USAGE))
      return 2
    else
      inputs[#inputs + 1] = a
    end
    i = i + 1
  end
  if #inputs == 0 or #inputs > 2 then
    io.stderr:write(("teng report: expected one or two results files, got %d\n%s"):format(#inputs, M.USAGE))
    return 2
  end
  if not output or output == "" then
    io.stderr:write("teng report: no output file (-o REPORT.html)\n", M.USAGE)
    return 2
  end
  local runs = {}
  for k, path in ipairs(inputs) do
    local r, err = M.load(path)
    if not r then io.stderr:write("teng report: ", err, "\n"); return 2 end
    runs[k] = { label = path, r = r }
  end
  local f, ferr = io.open(output, "w")
  if not f then io.stderr:write("teng report: -o: cannot write the report: ", tostring(ferr), "\n"); return 2 end
  local ok, werr = M.write(f, output, runs)
  if not ok then io.stderr:write("teng report: ", werr, "\n"); return 3 end
  return 0
end

function M.selftest()
  svg.selftest()
  local r = json.decode([[{"schema_version":2,"scenario":"s<1>","duration_s":2,"source":"x.lua",
    "per_second":[{"t":1,"phase":"a","cps":5,"client_active":2,"server_active":1,"failed":0,"cps_asked":10,
      "failures":{"reset":1},"latency_us":{"connect":{"p50":3,"p90":4,"p99":5},"transaction":{"p50":6,"p90":7,"p99":8}}},
     {"t":2,"phase":"b","cps":7,"client_active":0,"server_active":0,"failed":1,"cps_asked":null,"failures":{}}],
    "verdict":{"pass":false,"criteria":[{"label":"min_cps","measured":6,"limit":10,"ok":false,"unit":"cps"}]},
    "phases":[{"name":"a","cps":5}],"tcp":{"rst_rx":2,"rst_tx":0},"port":{"spec":"loopback","devices":[]}}]])
  local page = M.render { { label = "a.json", r = r } }
  local function n(pat)
    local k = 0
    for _ in page:gmatch(pat) do k = k + 1 end
    return k
  end
  assert(page:find("s&lt;1&gt;", 1, true) and not page:find("s<1>", 1, true), "escaped")
  assert(n('data%-key="cps" data%-points="2"') == 1 and n('data%-key="cps_asked" data%-points="1"') == 1)
  assert(n('data%-key="failures.reset" data%-points="2"') == 1 and n('data%-key="connect.p99" data%-points="1"') == 1)
  assert(page:find('id="verdict-0" data-run="0" data-pass="false"', 1, true) and n('data%-ok="false"') == 1)
  assert(page:find("<td>rst_rx</td><td>2</td>", 1, true) and not page:find("<td>rst_tx</td>", 1, true))
  assert(page:find("(not in this results file)", 1, true) and not page:find("https?://[^w]"), "no URL but the SVG namespace")
  local r3 = json.decode([[{"schema_version":3,"command":"teng x.lua n=1","args":{"n":"1"},
    "source_text":"return teng.scenario { name = \"<x>\" }","per_second":[]}]])
  local p3 = M.render { { label = "c.json", r = r3 } }
  assert(p3:find("<td>teng x.lua n=1</td>", 1, true) and p3:find("<td>n=1</td>", 1, true), "command and args")
  assert(p3:find("name = &quot;&lt;x&gt;&quot;", 1, true) or p3:find('name = "&lt;x&gt;"', 1, true), "the scenario's text, escaped")
  local cmp = M.render { { label = "a.json", r = r }, { label = "b.json", r = r } }
  assert(cmp:find('data-run="1" data-key="cps" data-points="2"', 1, true) and cmp:find("B achieved", 1, true))
  assert(cmp:find(">B: b.json</span>", 1, true))
  -- An older file: no per-second failures or latency, no verdict.
  page = M.render { { label = "old", r = { schema_version = 2, per_second = { { t = 1, phase = "m", cps = 3, failed = 2 } } } } }
  assert(page:find('data-key="failed" data-points="1"', 1, true) and page:find("no per-second latency", 1, true))
  assert(page:find("no verdict in this file", 1, true))
  assert(select(2, M.load("/nonexistent/r.json")):match("^cannot read /nonexistent/r.json: No such file"))
end

return M
