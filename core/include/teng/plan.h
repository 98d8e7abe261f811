/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plan: the only thing that crosses from Lua into the data plane.
 * Lua fills it through the FFI (bindings/ generates the cdef from this
 * file); C copies what each worker needs before the workers start.
 * Plain data only: fixed arrays, no pointers except the payload blob,
 * which C allocates (teng_plan_blob).
 *
 * Language v2: programs are a small compiled state machine. All programs
 * (one per client template, one per listener) live in one op array; each
 * template or listener names its first op. A connection keeps its
 * program counter (an absolute op index) in its TCB.
 */
#ifndef TENG_PLAN_H
#define TENG_PLAN_H

#include <stdint.h>

enum {
	TENG_MAX_CORES = 16,
	TENG_MAX_OPS = 1024,      /* ops of all programs together */
	TENG_MAX_PAYLOADS = 512,  /* payload templates, delimiters, expected bytes, list values */
	TENG_MAX_FIELDS = 256,    /* payload fields of all templates together */
	TENG_MAX_PHASES = 16,
	TENG_MAX_PORTS = 2,
	TENG_MAX_TEMPLATES = 8,   /* client templates (a weighted mix) */
	TENG_MAX_LISTENERS = 8,   /* server IP:port, each with its program */
	TENG_MAX_POOLS = 8,       /* distinct client address:port ranges */
	TENG_MAX_STEPS = 16,      /* named steps with their own latency */
	TENG_MAX_REASONS = 32,    /* failure reasons: built-in, then named */
	TENG_MAX_LOOP_DEPTH = 2,  /* nested loops */
	TENG_MAX_LOOP_COUNT = 65535,
	TENG_MAX_ALTS = 8,        /* alternatives of one expectation */
	TENG_DELIM_MAX = 1024,    /* bytes of a recv delimiter */
	TENG_ECHO_MAX = 65536,    /* bytes one connection may hold to echo */
	TENG_NAME_LEN = 64,
	TENG_SPEC_LEN = 256,
	TENG_GROUP_NAME_LEN = 32,
	TENG_NO_JUMP = 0xffff,    /* teng_op.jump: none */
};

/* Defaults, in one place: the compiler (through the FFI) and C's
 * teng_plan_new both take them from here. */
enum {
	TENG_DEFAULT_MSS = 1460,
	TENG_DEFAULT_WSCALE = 7,
	TENG_DEFAULT_RCV_WND = 262144,
	TENG_DEFAULT_IDLE_TIMEOUT_MS = 30000,
	TENG_DEFAULT_TIME_WAIT_MS = 8000,
	TENG_DEFAULT_RTO_MS = 200,
	TENG_DEFAULT_MAX_RETRIES = 8,
	TENG_DEFAULT_RTO_MIN_MS = 200,   /* RFC 6298 2.4 says 1 s; kernels use 200 ms */
	TENG_DEFAULT_RTO_MAX_MS = 60000,
	TENG_DEFAULT_SYN_RETRIES = 6,
	TENG_DEFAULT_INIT_CWND = 10,     /* segments, RFC 6928 */
	TENG_DEFAULT_DELACK_MS = 40,     /* 0: ACK every segment at once */
	TENG_DEFAULT_SACK = 1,
	TENG_DEFAULT_TIMESTAMPS = 1,
	TENG_DEFAULT_ACK_WITH_DATA = 1,
	TENG_DEFAULT_KEEPALIVE_MS = 0,   /* 0: no keepalive probes */
	TENG_DEFAULT_REASM_SEGS = 32,    /* out-of-order segments held per connection */
	TENG_DEFAULT_ARP_TIMEOUT_MS = 3000,
	TENG_DEFAULT_MAX_OPEN = 20000,
	TENG_DEFAULT_DRAIN_MS = 2000,
	/* ... with impairment: room for one segment lost six times in a row
	 * (200 ms + 400 + ... + 6.4 s of retransmission timeouts) */
	TENG_DEFAULT_DRAIN_IMPAIRED_MS = 15000,
	TENG_DEFAULT_ECHO_BYTES = 4096,
	TENG_DEFAULT_ECHO_BUFFERS = 1024,
	TENG_DEFAULT_SEED = 1,
	/* What the C side can hold; the compiler refuses more. */
	TENG_LIMIT_OPEN = 1 << 24,          /* max_open, concurrency (whole run) */
	TENG_LIMIT_PHASE_MS = 1000000000,   /* one phase: about 11.5 days */
	TENG_LIMIT_CPS = 100000000,         /* one phase's rate */
};

/* Program opcodes. Fields of struct teng_op not named are 0. */
enum teng_opcode {
	TENG_OP_END = 0,    /* program finished: FIN after what is queued; the
			     * connection completes when both sides closed */
	TENG_OP_SEND,       /* a: payload id (a template, fields filled at send
			     * time from connection, request, core) */
	TENG_OP_SEND_BULK,  /* n: bytes of the generated pattern: byte i of the
			     * send is "abcdefghijklmnopqrstuvwxyz"[i % 26] */
	TENG_OP_SEND_ECHO,  /* send back what echoing recvs held */
	TENG_OP_RECV,       /* mode: enum teng_recv_mode; see the modes for a, b,
			     * n; expect: enum teng_expect; flags: TENG_OPF_*;
			     * jump: on a failed check go there instead of
			     * failing; reason: failure reason of a failed check
			     * (0: the mode's built-in reason); timeout_ms: 0 none */
	TENG_OP_CLOSE,      /* mode: enum teng_close_kind */
	TENG_OP_THINK,      /* mode: enum teng_dist; n, m in microseconds */
	TENG_OP_LOOP_INIT,  /* a: loop slot (0..TENG_MAX_LOOP_DEPTH-1); mode:
			     * enum teng_loop_kind; n (, m): the count; jump: the
			     * op after the loop's LOOP_NEXT, taken for a count of 0 */
	TENG_OP_LOOP_NEXT,  /* a: loop slot; jump: first op of the body. Each
			     * LOOP_NEXT adds one to the connection's request number */
	TENG_OP_JUMP,       /* jump: target */
	TENG_OP_STEP_BEGIN, /* a: step id: its latency clock starts */
	TENG_OP_STEP_END,   /* a: step id: latency since STEP_BEGIN recorded */
	TENG_OP_FAIL,       /* reason: fail the connection with this reason */
};

enum teng_recv_mode {
	TENG_RECV_BYTES = 0, /* n bytes */
	TENG_RECV_DELIM,     /* up to and including payload n (the delimiter) */
	TENG_RECV_LINE,      /* up to "\n"; checks see the line without "\r\n" / "\n" */
	TENG_RECV_LENGTH,    /* byte n (e.g. '$'), a decimal length N, "\r\n", N
			      * bytes, then m trailer bytes (RESP bulk: n='$', m=2).
			      * A length of -1 is a null: nothing follows */
	TENG_RECV_RESP,      /* one RESP2 value: +simple, -error, :integer,
			      * $bulk, *array (of non-array values) */
	TENG_RECV_HTTP,      /* one HTTP/1.1 response: Content-Length, chunked,
			      * no body (TENG_OPF_HEAD, 1xx, 204, 304), or to
			      * the FIN */
	TENG_RECV_EOF,       /* the peer's FIN */
};

enum teng_expect {
	TENG_EXPECT_NONE = 0,
	TENG_EXPECT_EXACT,   /* the framed message is one of payloads a .. a+b-1 */
	TENG_EXPECT_PREFIX,  /* the framed message starts with one of them */
	TENG_EXPECT_STATUS,  /* HTTP: status within n .. m (inclusive) */
	TENG_EXPECT_PATTERN, /* bytes: the a..z pattern of send { bytes = N }, from 'a' */
};

/* teng_op.flags */
#define TENG_OPF_ECHO 0x01 /* recv: hold the framed bytes for SEND_ECHO */
#define TENG_OPF_HEAD 0x02 /* recv http: the request was HEAD: no body */

enum teng_close_kind {
	TENG_CLOSE_FIN = 0, /* FIN after what is queued; the program goes on */
	TENG_CLOSE_RESET,   /* abortive: RST now; the connection completes */
};

enum teng_dist {
	TENG_DIST_FIXED = 0, /* n */
	TENG_DIST_UNIFORM,   /* uniform in n .. m */
	TENG_DIST_EXP,       /* exponential with mean n, capped at m (0: 100 n) */
};

enum teng_loop_kind {
	TENG_LOOP_COUNT = 0, /* n times */
	TENG_LOOP_UNIFORM,   /* a count drawn per connection, uniform in n .. m */
	TENG_LOOP_PHASE,     /* client: until the phase the connection opened
			      * in ends or the run drains; server: until the
			      * run drains */
};

/* 24 bytes; the compiler fills every field. */
struct teng_op {
	uint8_t code;   /* enum teng_opcode */
	uint8_t mode;   /* per opcode */
	uint8_t expect; /* recv: enum teng_expect */
	uint8_t flags;  /* TENG_OPF_* */
	uint16_t a, b;
	uint32_t n, m;
	uint16_t jump;  /* op index, or TENG_NO_JUMP */
	uint8_t reason; /* enum teng_reason or a named one */
	uint8_t pad;
	uint32_t timeout_ms;
};

/* A payload is a byte range of the plan's blob, with fields patched in
 * at send (or check) time: fields[field0 .. field0 + nfields), sorted by
 * offset, not overlapping, each inside the payload. */
struct teng_payload {
	uint32_t off;
	uint32_t len;
	uint16_t field0;
	uint16_t nfields;
};

enum teng_field_kind {
	TENG_FIELD_CONN = 0,    /* connection number in the run, all cores */
	TENG_FIELD_CORE_CONN,   /* connection number on this core */
	TENG_FIELD_REQ,         /* request number inside the connection */
	TENG_FIELD_RAND_DIGITS, /* random decimal digits */
	TENG_FIELD_RAND_ALNUM,  /* random letters and digits */
	TENG_FIELD_LIST_SEQ,    /* one of list payloads arg .. arg+count-1, in turn */
	TENG_FIELD_LIST_RAND,   /* one of them at random */
	TENG_FIELD_CLIENT_IP,   /* dotted quad, padded on the right with `pad` */
	TENG_FIELD_CLIENT_PORT, /* decimal, zero-padded */
};

/* Numbers are decimal, zero-padded to width, taken modulo 10^width.
 * Random values are a hash of (plan seed, connection number in the run,
 * request number, salt): the same for a retransmission, and the same
 * for a recv's expectation that uses the same field (same salt). A list
 * value i is payload arg + i, each exactly width bytes (the compiler pads).
 * LIST_SEQ takes value (connection number + request number) % count. */
struct teng_field {
	uint32_t off;   /* in the payload */
	uint16_t width;
	uint8_t kind;   /* enum teng_field_kind */
	uint8_t pad;    /* padding byte (CLIENT_IP) */
	uint32_t arg;   /* LIST_*: first value's payload id */
	uint32_t count; /* LIST_*: number of values */
	uint32_t salt;  /* RAND_*, LIST_RAND */
};

/* Built-in failure reasons; a scenario's named reasons follow from
 * TENG_REASON_USER on (plan.reason_names has all names). */
enum teng_reason {
	TENG_REASON_NONE = 0,
	TENG_REASON_REFUSED,       /* our SYN was answered with a RST */
	TENG_REASON_RESET,         /* the peer reset the connection */
	TENG_REASON_IDLE_TIMEOUT,  /* no progress for tcp.idle_timeout */
	TENG_REASON_RETRIES,       /* retransmissions exhausted */
	TENG_REASON_RECV_TIMEOUT,  /* a recv's own timeout */
	TENG_REASON_PEER_CLOSED,   /* FIN before a recv completed */
	TENG_REASON_MISMATCH,      /* the reply differs from the expectation */
	TENG_REASON_HTTP_STATUS,   /* HTTP status outside the expected ones */
	TENG_REASON_FRAMING,       /* malformed framing (length, HTTP, RESP) */
	TENG_REASON_ECHO_OVERFLOW, /* more to echo than the echo buffer holds */
	TENG_REASON_NO_BUFFER,     /* no echo buffer free on this core */
	TENG_REASON_ABORTED,       /* still open at the end of the drain */
	TENG_REASON_HANDSHAKE,     /* server: the handshake never completed */
	TENG_REASON_RESP_ERROR,    /* a RESP error reply (-ERR ...) where none was expected */
	TENG_REASON_KEEPALIVE,     /* keepalive probes went unanswered (tcp.keepalive) */
	TENG_REASON_USER = 16,
};

/* A client address:port range; templates with the same range share it. */
struct teng_pool {
	uint32_t ip_lo, ip_hi;     /* host order, inclusive */
	uint16_t port_lo, port_hi; /* host order, inclusive */
};

/* A client template: a connection opened by the schedule picks one by
 * weight (cum_weight: cumulative, scaled so the last is 2^32 - 1). */
struct teng_template {
	char name[TENG_GROUP_NAME_LEN];
	uint32_t cum_weight;
	uint16_t prog;     /* first op */
	uint8_t pool;      /* address pool */
	uint8_t pad;
	uint32_t dst_ip;   /* host order */
	uint16_t dst_port; /* host order */
	uint16_t pad2;
};

/* A server listener: connections to ip:port run the program at prog. */
struct teng_listener {
	char name[TENG_GROUP_NAME_LEN];
	uint32_t ip;   /* host order */
	uint16_t port; /* host order */
	uint16_t prog; /* first op */
};

enum teng_rate_kind {
	TENG_RATE_CPS = 0,     /* constant: cps_from; open capped at conc_to */
	TENG_RATE_RAMP,        /* linear from cps_from to cps_to; capped at conc_to */
	TENG_RATE_MAX,         /* as fast as possible, open connections capped at conc_to */
	TENG_RATE_CONCURRENCY, /* keep open: linear from conc_from to conc_to */
};

struct teng_phase {
	char name[32];
	double duration_s;
	uint32_t kind;        /* enum teng_rate_kind */
	uint32_t duration_ms; /* the compiler's: >= 1, < 2^31 */
};

/* One phase's schedule for one core; the compiler splits rates. */
struct teng_sched {
	double cps_from;
	double cps_to;
	uint32_t conc_from; /* CONCURRENCY: the target at the phase start */
	uint32_t conc_to;   /* CONCURRENCY: at its end; others: the open cap */
};

struct teng_core_plan {
	struct teng_sched sched[TENG_MAX_PHASES];
	uint64_t conn_limit; /* stop opening after this many; 0 = no limit */
};

/* How received frames reach the worker that owns their connection
 * (--steering, steer.h). TENG_STEER_PAIRED is never asked: auto picks
 * it where queue i of one end reaches queue i of the other. */
enum teng_steering {
	TENG_STEER_AUTO = 0,
	TENG_STEER_RSS,
	TENG_STEER_PORT_MASK,
	TENG_STEER_IP,
	TENG_STEER_SOFTWARE,
	TENG_STEER_PAIRED,
};

/* A port: its spec, and how to reach the next hop on it. */
struct teng_port_plan {
	char spec[TENG_SPEC_LEN];
	uint32_t gateway;    /* next hop to resolve (host order); 0: the peer */
	uint8_t peer_mac[6]; /* static next-hop MAC, used when has_peer_mac */
	uint8_t has_peer_mac;
	uint8_t queues;      /* queue pairs asked (queues=N); 0: one per worker */
};

struct teng_tcp_params {
	uint16_t mss;          /* the MSS we announce */
	uint8_t wscale;        /* the window shift we announce */
	uint8_t pad;
	uint32_t rcv_wnd;      /* receive window we offer, bytes */
	uint32_t idle_timeout_ms; /* no progress for this long: abort, failed */
	uint32_t time_wait_ms; /* TIME_WAIT hold; 0 frees at once */
	uint32_t rto_ms;       /* first retransmission timeout */
	uint32_t max_retries;  /* retransmissions before giving up */
	/* Full TCP (RFC 6298, 5681, 6582, 6928, 7323, 2018/6675). */
	uint32_t rto_min_ms;   /* RTO floor */
	uint32_t rto_max_ms;   /* RTO ceiling (backoff stops there) */
	uint32_t syn_retries;  /* SYN / SYN-ACK retransmissions before giving up */
	uint32_t init_cwnd;    /* initial congestion window, segments */
	uint32_t delack_ms;    /* delayed-ACK timer; 0 = ACK at once */
	uint32_t keepalive_ms; /* quiet time before keepalive probes (tcp_ka.h); 0 = off */
	uint32_t reasm_segs;   /* out-of-order segments held per connection */
	uint8_t sack;          /* offer and use SACK */
	uint8_t timestamps;    /* offer and use timestamps */
	uint8_t ack_with_data; /* the handshake's ACK rides on the client's first data */
	uint8_t pad2;
};

/* Seeded impairment of what teng transmits (--impair, scenario impair =
 * {...}): probabilities in parts per million, times in microseconds.
 * All zero: off. The same seed gives the same decisions. */
struct teng_impair {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint32_t delay_us;
	uint32_t jitter_us;
	uint32_t pad;
	uint64_t seed;
};

struct teng_plan {
	char name[TENG_NAME_LEN];
	char source[TENG_SPEC_LEN]; /* scenario file, for reports */
	/* The client role uses port[0], the server role port[nports - 1];
	 * "loopback" is one spec that makes both ends. */
	struct teng_port_plan port[TENG_MAX_PORTS];
	uint32_t nports;
	uint32_t cores; /* workers */
	uint32_t arp_timeout_ms; /* give up resolving the next hop after this */
	uint32_t tx_queue; /* per-port transmit ring entries; 0: default */

	uint8_t client_enabled;
	uint8_t server_enabled;
	uint8_t steering; /* enum teng_steering asked (--steering) */
	uint8_t pad0;
	uint32_t pad1;
	uint64_t seed; /* random fields, think times, loop counts, the mix */

	/* Programs: ops of every template and listener. */
	struct teng_op ops[TENG_MAX_OPS];
	uint32_t nops;
	uint32_t ntemplates;
	struct teng_template templates[TENG_MAX_TEMPLATES];
	uint32_t npools;
	uint32_t nlisteners;
	struct teng_pool pools[TENG_MAX_POOLS];
	struct teng_listener listeners[TENG_MAX_LISTENERS];

	struct teng_payload payloads[TENG_MAX_PAYLOADS];
	struct teng_field fields[TENG_MAX_FIELDS];
	uint32_t npayloads;
	uint32_t nfields;
	uint32_t blob_len;
	uint32_t echo_bytes;   /* echo buffer per connection */
	uint32_t echo_buffers; /* echo buffers per core */
	uint32_t pad4;
	uint8_t *blob; /* owned by C: teng_plan_blob() */

	uint32_t nsteps;
	uint32_t nreasons; /* TENG_REASON_USER + named ones */
	char step_names[TENG_MAX_STEPS][TENG_GROUP_NAME_LEN];
	char reason_names[TENG_MAX_REASONS][TENG_GROUP_NAME_LEN];

	struct teng_phase phases[TENG_MAX_PHASES];
	uint32_t nphases;
	uint32_t max_open; /* cap on open client connections per core */
	struct teng_core_plan core[TENG_MAX_CORES];

	struct teng_tcp_params tcp;
	struct teng_impair impair;
	double drain_s; /* after the last phase: let open connections finish */
	char eal_args[TENG_SPEC_LEN]; /* extra EAL arguments, space separated */
	uint16_t cpus[TENG_MAX_CORES]; /* CPU of each worker (ncpus > 0) */
	uint32_t ncpus;                /* 0: workers from CPU 1 on */
	uint32_t quiet_eal; /* keep DPDK's log quiet */
	uint32_t sw_csum; /* force software checksums (measure their cost) */
	uint32_t capture; /* a multi-process primary dpdk-dumpcap can attach to */
	/* --records FILE: one JSON line per connection (core/records.h).
	 * records_fd is the file teng_records_open opened (the run takes it
	 * over); at most records_cap records in the run (0: no cap), of 1
	 * in records_sample connections of each role (0 or 1: every one). */
	uint32_t records_on;
	int32_t records_fd;
	uint64_t records_cap;
	uint32_t records_sample;
	uint32_t pad5;
};

#endif
