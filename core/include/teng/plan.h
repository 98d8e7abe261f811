/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plan: the only thing that crosses from Lua into the data plane.
 * Lua fills it through the FFI (bindings/ generates the cdef from this
 * file); C copies what each worker needs before the workers start.
 * Plain data only: fixed arrays, no pointers except the payload blob,
 * which C allocates (teng_plan_blob).
 */
#ifndef TENG_PLAN_H
#define TENG_PLAN_H

#include <stdint.h>

enum {
	TENG_MAX_CORES = 16,
	TENG_MAX_OPS = 32,
	TENG_MAX_PAYLOADS = 32,
	TENG_MAX_PHASES = 16,
	TENG_MAX_PORTS = 2,
	TENG_NAME_LEN = 64,
	TENG_SPEC_LEN = 256,
	TENG_DELIM_MAX = 32,
};

/* Program opcodes; a connection keeps its program counter in the TCB. */
enum teng_opcode {
	TENG_OP_END = 0,     /* program finished (implicit close) */
	TENG_OP_SEND,        /* arg: payload id */
	TENG_OP_RECV_BYTES,  /* arg: byte count */
	TENG_OP_RECV_UNTIL,  /* arg: payload id of the delimiter */
	TENG_OP_RECV_HTTP,   /* HTTP/1.1 response framed by Content-Length */
	TENG_OP_RECV_EOF,    /* wait for the peer's FIN */
	TENG_OP_CLOSE,       /* send FIN after everything queued before it */
};

struct teng_op {
	uint8_t code; /* enum teng_opcode */
	uint8_t pad[3];
	uint32_t arg;
};

/* A payload is a byte range of the plan's blob. */
struct teng_payload {
	uint32_t off;
	uint32_t len;
};

struct teng_program {
	struct teng_op ops[TENG_MAX_OPS];
	uint32_t nops;
	uint32_t pad;
};

enum teng_rate_kind {
	TENG_RATE_CPS = 0,     /* constant: cps_from */
	TENG_RATE_RAMP,        /* linear from cps_from to cps_to over the phase */
	TENG_RATE_MAX,         /* as fast as possible, open connections capped */
	TENG_RATE_CONCURRENCY, /* keep `concurrency` connections open */
};

struct teng_phase {
	char name[32];
	double duration_s;
	uint32_t kind; /* enum teng_rate_kind */
	uint32_t pad;
};

/* One phase's schedule for one core; the compiler splits rates. */
struct teng_sched {
	double cps_from;
	double cps_to;
	uint32_t concurrency; /* RATE_CONCURRENCY target, or RATE_MAX cap */
	uint32_t pad;
};

struct teng_core_plan {
	struct teng_sched sched[TENG_MAX_PHASES];
	uint64_t conn_limit; /* stop opening after this many; 0 = no limit */
};

/* A port: its spec, and how to reach the next hop on it. */
struct teng_port_plan {
	char spec[TENG_SPEC_LEN];
	uint32_t gateway;    /* next hop to resolve (host order); 0: the peer */
	uint8_t peer_mac[6]; /* static next-hop MAC, used when has_peer_mac */
	uint8_t has_peer_mac;
	uint8_t pad;
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
	uint32_t pad_a;

	uint8_t client_enabled;
	uint8_t server_enabled;
	uint8_t pad0[2];

	/* Client side: source addresses, host byte order, inclusive. */
	uint32_t client_ip_lo, client_ip_hi;
	uint16_t client_port_lo, client_port_hi;
	/* Where the client role connects (host order). */
	uint32_t dst_ip;
	uint16_t dst_port;
	uint16_t pad1;
	/* Where the server role listens (host order). */
	uint32_t server_ip;
	uint16_t server_port;
	uint16_t pad3;

	struct teng_program client_prog;
	struct teng_program server_prog;

	struct teng_payload payloads[TENG_MAX_PAYLOADS];
	uint32_t npayloads;
	uint32_t blob_len;
	uint8_t *blob; /* owned by C: teng_plan_blob() */

	struct teng_phase phases[TENG_MAX_PHASES];
	uint32_t nphases;
	uint32_t max_open; /* cap on open client connections per core */
	struct teng_core_plan core[TENG_MAX_CORES];

	struct teng_tcp_params tcp;
	double drain_s; /* after the last phase: let open connections finish */
	char eal_args[TENG_SPEC_LEN]; /* extra EAL arguments, space separated */
	uint16_t cpus[TENG_MAX_CORES]; /* CPU of each worker (ncpus > 0) */
	uint32_t ncpus;                /* 0: workers from CPU 1 on */
	uint32_t quiet_eal; /* keep DPDK's log quiet */
	uint32_t pad2;
};

#endif
