-- Defaults and limits of the scenario language, read through the FFI from
-- plan.h's TENG_DEFAULT_* and TENG_LIMIT_*: one source of truth that the
-- C side (teng_plan_new) uses too. Times here are in seconds.
local ffi = require "ffi"
require "teng.cdef"
local C = ffi.C

local M = {
  tcp = {
    mss = C.TENG_DEFAULT_MSS,
    wscale = C.TENG_DEFAULT_WSCALE,
    rcv_wnd = C.TENG_DEFAULT_RCV_WND,
    idle_timeout = C.TENG_DEFAULT_IDLE_TIMEOUT_MS / 1000,
    time_wait = C.TENG_DEFAULT_TIME_WAIT_MS / 1000,
    rto = C.TENG_DEFAULT_RTO_MS / 1000,
    max_retries = C.TENG_DEFAULT_MAX_RETRIES,
    rto_min = C.TENG_DEFAULT_RTO_MIN_MS / 1000,
    rto_max = C.TENG_DEFAULT_RTO_MAX_MS / 1000,
    syn_retries = C.TENG_DEFAULT_SYN_RETRIES,
    init_cwnd = C.TENG_DEFAULT_INIT_CWND,
    delayed_ack = C.TENG_DEFAULT_DELACK_MS / 1000,
    keepalive = C.TENG_DEFAULT_KEEPALIVE_MS / 1000,
    reasm_segs = C.TENG_DEFAULT_REASM_SEGS,
    sack = C.TENG_DEFAULT_SACK ~= 0,
    timestamps = C.TENG_DEFAULT_TIMESTAMPS ~= 0,
    ack_with_data = C.TENG_DEFAULT_ACK_WITH_DATA ~= 0,
  },
  arp_timeout = C.TENG_DEFAULT_ARP_TIMEOUT_MS / 1000,
  max_open = C.TENG_DEFAULT_MAX_OPEN,
  drain = C.TENG_DEFAULT_DRAIN_MS / 1000,
  drain_impaired = C.TENG_DEFAULT_DRAIN_IMPAIRED_MS / 1000,
  echo_bytes = C.TENG_DEFAULT_ECHO_BYTES,
  echo_buffers = C.TENG_DEFAULT_ECHO_BUFFERS,
  seed = C.TENG_DEFAULT_SEED,
  client_ports = "1024-65535",
  script_timeout = 10, -- seconds a script may run (env TENG_SCRIPT_TIMEOUT)
}

-- What C can hold.
M.limit = {
  open = C.TENG_LIMIT_OPEN,              -- max_open, concurrency
  phase_s = C.TENG_LIMIT_PHASE_MS / 1000, -- one phase
  cps = C.TENG_LIMIT_CPS,                -- one phase's rate
  conns = 2 ^ 40,
  loop = C.TENG_MAX_LOOP_COUNT,
  time_s = 3600,                         -- think times and timeouts
}

function M.selftest()
  assert(M.tcp.mss == 1460 and M.tcp.rto == 0.2 and M.drain == 2 and M.arp_timeout == 3)
  assert(M.limit.cps == 1e8 and M.limit.open == 2 ^ 24 and M.limit.phase_s == 1e6)
end

return M
