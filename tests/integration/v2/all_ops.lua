-- Most of the v2 language in one loopback run (run by run_scenario.sh):
-- three weighted templates to three listeners, every field kind, a named
-- step, loops of a drawn count and until the phase ends, think times,
-- expectations with alternatives and prefixes, on_fail jumps (a failed
-- check, and the client's FIN between lines), named failure reasons, echo,
-- a half-close, HTTP status ranges, and per-phase and run criteria. Every
-- connection must complete.
local teng = require "teng"
local http = require "teng.proto.http"
local line = require "teng.proto.line"
local args = teng.args { cps = 1000, duration = 3 }

local user = teng.field.list { values = { "ann", "bob", "carol" }, order = "random", pad = " " }
local turn = teng.field.list { values = { "red", "green" }, pad = "." }
local req = teng.field.req { width = 4 }
local me = teng.field.client_ip { pad = " " }
local port = teng.field.client_port {}
local token = teng.field.random_alnum { width = 16 }
local pin = teng.field.random_digits { width = 6 }
local n = teng.field.core_conn { width = 6 }
local conn = teng.field.conn { width = 10 }

return teng.scenario {
  name = "all_ops",
  port = teng.loopback(),
  client = { ip = "198.18.0.1-198.18.0.16", ports = "1024-65535" },
  clients = teng.mix {
    { name = "login", weight = 2, dst = "198.18.1.1:25", program = {
      teng.step("login", {
        line.send { "LOGIN ", user, " ", turn, " ", me, " ", port, " ", pin, " ", n },
        line.expect("+OK", { reason = "login_refused" }),
      }),
      teng.loop(teng.uniform(1, 3), {
        teng.send(teng.payload { "ECHO ", req, " ", token, "\r\n" }),
        teng.recv { line = true, expect = teng.payload { "ECHO ", req, " ", token }, timeout = 2, reason = "bad_echo" },
        teng.think { exp = 0.001, max = 0.005 },
      }),
      teng.send "QUIT\r\n",
      teng.recv { line = true, expect = { "+BYE", "+OK" }, on_fail = "refused" },
      teng.jump "done",
      teng.label "refused",
      teng.fail "quit_refused",
      teng.label "done",
      teng.close { half = true },
    } },
    { name = "web", weight = 1, dst = "198.18.1.2:80", program = {
      teng.send(http.get { path = { "/item/", conn }, host = "shop" }),
      http.expect { status = { 200, 299 }, timeout = 2 },
      teng.think { uniform = { 0.001, 0.002 } },
      teng.send(http.head { path = "/" }),
      http.expect { head = true, status = "2xx" },
      teng.close(),
    } },
    { name = "lines", weight = 1, dst = "198.18.1.3:7", program = {
      teng.loop(teng.uniform(1, 5), {
        teng.send(teng.payload { "line ", conn, " ", req, "\n" }),
        teng.recv { line = true, expect = teng.payload { "line ", conn, " ", req } },
      }),
      teng.think(0.001),
      teng.close(),
    } },
  },
  listeners = {
    { name = "smtp", ip = "198.18.1.1", port = 25, program = {
      teng.recv { line = true, prefix = "LOGIN " }, teng.send "+OK\r\n",
      teng.label "next",
      teng.recv { line = true, prefix = "ECHO ", echo = true, on_fail = "quit" },
      teng.echo(),
      teng.jump "next",
      teng.label "quit",
      teng.send "+BYE\r\n", teng.recv { eof = true }, teng.close(),
    } },
    { name = "web", ip = "198.18.1.2", port = 80, program = {
      http.serve(http.response { status = 200, body = teng.bytes(100) }),
      teng.recv { until_ = "\r\n\r\n" }, teng.send "HTTP/1.1 204 No Content\r\n\r\n",
      teng.close(),
    } },
    { name = "echo", ip = "198.18.1.3", port = 7, program = {
      teng.loop("phase", { teng.recv { line = true, echo = true, on_fail = "done" }, teng.echo() }),
      teng.label "done",
      teng.close(),
    } },
  },
  phases = {
    { "up", duration = 0.5, cps = teng.ramp(0, args.cps) },
    { "hold", duration = args.duration, cps = args.cps, concurrency = 2000,
      criteria = { max_fail_ratio = 0 } },
  },
  criteria = {
    max_failures = { total = 0, mismatch = 0, bad_echo = 0 },
    max_latency = { connect = { p99 = "1s" }, transaction = { p999 = 5 }, login = { p99 = "1s" } },
    min_completed = 1,
  },
  seed = 7, echo = { bytes = 8192, buffers = 4096 }, drain = 1, max_open = 5000, arp_timeout = 5,
  tcp = { mss = 1400, idle_timeout = 3, time_wait = 0, rto = 0.05, max_retries = 6 },
}
