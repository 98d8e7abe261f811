-- Plots for the HTML report: inline SVG written here, nothing fetched.
-- A plot draws series of (t, v) points over time, with the phases of
-- each run shaded and named. Every point is a <circle data-t data-v> and
-- every series a <g class="series" data-run data-key data-points>, so a
-- test (or a reader's script) can count what was drawn.
local M = {}

local W, H = 920, 250
local LEFT, RIGHT, BOTTOM, BAND = 64, 12, 34, 15

-- Colours of the runs in a comparison, and of the series of one run.
M.RUN_COLORS = { "#1f6fb4", "#d9531e" }
M.RUN_NAMES = { "A", "B" }
M.SERIES_COLORS = { "#1f6fb4", "#d9531e", "#2a9d47", "#8e44ad", "#b8860b", "#c0392b", "#16a0a0", "#7f7f7f" }
local DASHES = { "", "6 3", "2 3", "8 3 2 3", "1 2", "10 4" }

function M.esc(s)
  return (tostring(s):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
    ["'"] = "&#39;" }))
end
local esc = M.esc

-- A round step for about n ticks over 0..span: 1, 2 or 5 times a power of 10.
local function nice_step(span, n)
  if span <= 0 then return 1 end
  local raw = span / n
  local p = 10 ^ math.floor(math.log10(raw))
  for _, m in ipairs { 1, 2, 5, 10 } do
    if m * p >= raw then return m * p end
  end
  return 10 * p
end

local function num(x)
  if x % 1 == 0 then return ("%d"):format(x) end
  return (("%.2f"):format(x):gsub("0+$", ""):gsub("%.$", ""))
end

-- A value as data-v holds it: whole numbers whole, others to 15 digits.
local function exact(x)
  if x % 1 == 0 and math.abs(x) < 2 ^ 53 then return ("%d"):format(x) end
  return ("%.15g"):format(x)
end

-- The phases of a run as bands over time, from its per-second records:
-- second i covers (t[i-1], t[i]] and belongs to per_second[i].phase.
function M.bands(per_second)
  local out, prev = {}, 0
  for _, s in ipairs(per_second or {}) do
    local t = tonumber(s.t)
    if t then
      local last = out[#out]
      if last and last.name == s.phase then
        last.to = t
      else
        out[#out + 1] = { name = tostring(s.phase or "?"), from = prev, to = t }
      end
      prev = t
    end
  end
  return out
end

-- p: { id, title, unit, log (a log scale: latencies), whole (counts:
-- ticks 1 apart at least), fmt (value ->
-- text), bands = { [run] = bands }, run_labels, compare, series = { { run,
-- key, name, points = { { t, v } } } } }. Returns the SVG text.
function M.plot(p)
  local out = {}
  local function add(fmt, ...) out[#out + 1] = select("#", ...) > 0 and fmt:format(...) or fmt end
  local nruns = 0
  for run in pairs(p.bands or {}) do nruns = math.max(nruns, run) end
  local top = 8 + BAND * math.max(nruns, 1)
  local pw, ph = W - LEFT - RIGHT, H - top - BOTTOM
  local xmax, vmin, vmax = 1, math.huge, 0
  for _, b in pairs(p.bands or {}) do
    for _, x in ipairs(b) do xmax = math.max(xmax, x.to) end
  end
  for _, s in ipairs(p.series) do
    for _, pt in ipairs(s.points) do
      xmax = math.max(xmax, pt[1])
      vmax = math.max(vmax, pt[2])
      if pt[2] > 0 then vmin = math.min(vmin, pt[2]) end
    end
  end
  local fmt = p.fmt or num
  -- y: linear from 0, or log10 over whole decades.
  local ylo, yhi, yticks = 0, 1, {}
  if p.log then
    if vmin == math.huge then vmin, vmax = 1, 10 end
    ylo, yhi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
    if yhi <= ylo then yhi = ylo + 1 end
    for e = ylo, yhi do
      yticks[#yticks + 1] = 10 ^ e
      -- Over one or two decades, 2x and 5x too.
      if yhi - ylo <= 2 and e < yhi then
        yticks[#yticks + 1] = 2 * 10 ^ e
        yticks[#yticks + 1] = 5 * 10 ^ e
      end
    end
  else
    local step = nice_step(vmax > 0 and vmax or 1, 5)
    if p.whole then step = math.max(step, 1) end
    yhi = math.max(step, math.ceil(vmax / step) * step)
    for v = 0, yhi + step / 2, step do yticks[#yticks + 1] = v end
  end
  local function X(t) return LEFT + t / xmax * pw end
  local function Y(v)
    local f
    if p.log then
      f = v > 0 and (math.log10(v) - ylo) / (yhi - ylo) or 0
      f = math.max(f, 0)
    else
      f = v / yhi
    end
    return top + ph - f * ph
  end
  add('<svg class="plot" id="plot-%s" data-plot="%s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" '
    .. 'width="%d" height="%d" role="img" aria-label="%s">', esc(p.id), esc(p.id), W, H, W, H, esc(p.title))
  add('<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>', LEFT, top, pw, ph)
  -- The phases: shaded across the plot for the first run, named in one
  -- strip per run above it.
  for run = 1, nruns do
    for i, b in ipairs(p.bands[run] or {}) do
      local x0, x1 = X(b.from), X(b.to)
      if run == 1 then
        add('<rect class="phase phase%d" x="%.1f" y="%d" width="%.1f" height="%d"/>', i % 2, x0, top, x1 - x0, ph)
      end
      local y = 4 + BAND * (run - 1)
      add('<g class="band" data-run="%d" data-phase="%s"><title>%s%s: %s to %s s</title>', run - 1, esc(b.name),
        p.compare and M.RUN_NAMES[run] .. " " or "", esc(b.name), num(b.from), num(b.to))
      add('<rect class="band%d" x="%.1f" y="%d" width="%.1f" height="%d" style="fill:%s"/>', i % 2, x0, y,
        math.max(x1 - x0 - 1, 1), BAND - 3, p.compare and M.RUN_COLORS[run] or "#888")
      if x1 - x0 > 7 * #b.name then
        add('<text class="bandname" x="%.1f" y="%d">%s</text>', x0 + 3, y + BAND - 6, esc(b.name))
      end
      add("</g>")
    end
  end
  for _, v in ipairs(yticks) do
    local y = Y(v)
    add('<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>', LEFT, LEFT + pw, y, y)
    add('<text class="ytick" x="%d" y="%.1f">%s</text>', LEFT - 4, y + 4, esc(fmt(v)))
  end
  local xstep = math.max(1, nice_step(xmax, 10))
  for t = 0, xmax + 1e-9, xstep do
    add('<text class="xtick" x="%.1f" y="%d">%s</text>', X(t), top + ph + 14, num(t))
  end
  add('<text class="xlabel" x="%d" y="%d">seconds</text>', LEFT + pw, H - 4)
  add('<text class="ylabel" x="12" y="%d" transform="rotate(-90 12 %d)">%s</text>', top + ph / 2, top + ph / 2,
    esc(p.unit or ""))
  -- The series: colour by run in a comparison, else by series.
  for i, s in ipairs(p.series) do
    local color = p.compare and M.RUN_COLORS[s.run] or M.SERIES_COLORS[((s.index or i) - 1) % #M.SERIES_COLORS + 1]
    local dash = p.compare and DASHES[((s.index or 1) - 1) % #DASHES + 1] or ""
    s.color, s.dash = color, dash
    add('<g class="series" data-run="%d" data-key="%s" data-points="%d" style="stroke:%s;fill:%s">',
      s.run - 1, esc(s.key), #s.points, color, color)
    local xy = {}
    for j, pt in ipairs(s.points) do xy[j] = ("%.1f,%.1f"):format(X(pt[1]), Y(pt[2])) end
    if #xy > 1 then
      add('<polyline points="%s" style="fill:none%s"/>', table.concat(xy, " "),
        dash ~= "" and ";stroke-dasharray:" .. dash or "")
    end
    for j, pt in ipairs(s.points) do
      local cx, cy = xy[j]:match("^(.-),(.*)$")
      add('<circle class="pt" cx="%s" cy="%s" r="2.5" data-t="%s" data-v="%s"><title>%s%s, t=%s s: %s</title></circle>',
        cx, cy, num(pt[1]), exact(pt[2]),
        p.compare and M.RUN_NAMES[s.run] .. " " or "", esc(s.name), num(pt[1]), esc(fmt(pt[2])))
    end
    add("</g>")
  end
  if #p.series == 0 then
    add('<text class="empty" x="%d" y="%d">%s</text>', LEFT + pw / 2, top + ph / 2, esc(p.empty or "no data"))
  end
  add("</svg>")
  return table.concat(out, "\n")
end

-- The legend under a plot: each series' swatch (colour and dash) and name.
function M.legend(p)
  local out = { '<div class="legend">' }
  if p.compare then
    for i, label in ipairs(p.run_labels) do
      out[#out + 1] = ('<span class="run" style="color:%s">%s: %s</span>'):format(M.RUN_COLORS[i], M.RUN_NAMES[i],
        esc(label))
    end
    out[#out + 1] = "<br>"
  end
  for _, s in ipairs(p.series) do
    local label = p.compare and M.RUN_NAMES[s.run] .. " " .. s.name or s.name
    out[#out + 1] = ('<span class="key" data-run="%d" data-key="%s"><svg width="28" height="10" '
      .. 'xmlns="http://www.w3.org/2000/svg"><line x1="1" y1="5" x2="27" y2="5" style="stroke:%s;'
      .. 'stroke-width:2%s"/></svg>%s</span>'):format(s.run - 1, esc(s.key), s.color,
      s.dash ~= "" and ";stroke-dasharray:" .. s.dash or "", esc(label))
  end
  out[#out + 1] = "</div>"
  return table.concat(out)
end

function M.selftest()
  assert(nice_step(100, 5) == 20 and nice_step(7, 10) == 1 and nice_step(0.3, 5) == 0.1)
  assert(M.esc([[<a href="x">&'</a>]]) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
  local b = M.bands { { t = 1, phase = "ramp" }, { t = 2, phase = "ramp" }, { t = 3, phase = "steady" },
    { t = 3.5, phase = "drain" } }
  assert(#b == 3 and b[1].to == 2 and b[2].from == 2 and b[2].to == 3 and b[3].name == "drain" and b[3].to == 3.5)
  local p = { id = "x", title = "X", bands = { b }, run_labels = { "a.json" },
    series = { { run = 1, key = "cps", name = "cps", points = { { 1, 10 }, { 2, 20 }, { 3, 0 } } } } }
  local svg = M.plot(p)
  local n = 0
  for _ in svg:gmatch("<circle ") do n = n + 1 end
  assert(n == 3 and svg:find('data-points="3"', 1, true) and svg:find('data-phase="steady"', 1, true))
  assert(svg:find('data-t="2" data-v="20"', 1, true) and svg:find('data-t="3" data-v="0"', 1, true) and M.legend(p):find(">cps</span>", 1, true))
  p.log, p.series[1].points = true, { { 1, 5 }, { 2, 5000 } }
  svg = M.plot(p)
  assert(svg:find(">1000<", 1, true) and svg:find(">1<", 1, true) and not svg:find(">200<", 1, true), "decade ticks")
  p.series[1].points = { { 1, 15 }, { 2, 50 } }
  svg = M.plot(p)
  assert(svg:find(">20<", 1, true) and svg:find(">50<", 1, true) and svg:find(">100<", 1, true), "2 and 5 ticks")
  p.series = {}
  assert(M.plot(p):find("no data", 1, true))
end

return M
