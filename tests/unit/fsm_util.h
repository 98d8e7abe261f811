/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for driving the TCP state machine with crafted segments,
 * through the real code: DPDK's EAL (--no-huge), a mempool, the loopback
 * port, and a worker set up from a plan as core/run.c does it. The test
 * plays the other end of each connection: it injects segments with
 * worker_rx() and reads what teng sent from the other loopback device.
 *
 * Client tests: the test is the server (SERVER_IP:SERVER_PORT) talking to
 * the worker's first client tuple (CLIENT_IP:CLIENT_PORT), on slot CSLOT.
 * Server tests: the test is a client (PEER_IP:PEER_PORT) talking to the
 * worker's server address, on slot SSLOT.
 */
#ifndef TENG_TEST_FSM_UTIL_H
#define TENG_TEST_FSM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "teng/api.h"
#include "csum.h"
#include "mbuf.h"
#include "port.h"
#include "seq.h"
#include "tcp.h"
#include "tcp_opt.h"
#include "worker.h"

/* Each test file uses a different subset of these helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* host byte order; not RTE_IPV4, which shifts a signed int (UB for
 * first octets >= 128 under UBSan) */
#define IP4(a, b, c, d)                                                 \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define CLIENT_IP IP4(10, 0, 0, 1)
#define CLIENT_PORT 10000 /* the first tuple tcp_connect() takes */
#define SERVER_IP IP4(10, 0, 1, 1)
#define SERVER_PORT 80
#define PEER_IP IP4(192, 168, 7, 7)
#define PEER_PORT 40000

/* Software checksums on the loopback (plan.sw_csum), so that the frames
 * teng sends carry real checksums for pkt_decode to check; a test of the
 * offload path defines it 0 before including this file. */
#ifndef FSM_SW_CSUM
#define FSM_SW_CSUM 1
#endif

#define CSLOT 0 /* the worker's slot facing its client role */
#define SSLOT 1 /* ... and its server role */

#define POOL_N 4095
#define MAXPKT 64

/* Ops in the v1 shorthand the tests were written in: OP(SEND, payload),
 * OP(RECV_BYTES, n), OP(RECV_UNTIL, delimiter payload), OP(RECV_HTTP, 0)
 * (any status), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0). */
#define OP_SEND(x) { .code = TENG_OP_SEND, .a = (x), .jump = TENG_NO_JUMP }
#define OP_RECV_BYTES(x)                                                \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_BYTES, .n = (x),       \
	  .jump = TENG_NO_JUMP }
#define OP_RECV_UNTIL(x)                                                \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_DELIM, .n = (x),       \
	  .jump = TENG_NO_JUMP }
#define OP_RECV_HTTP(x)                                                 \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_HTTP, .jump = TENG_NO_JUMP }
#define OP_RECV_EOF(x)                                                  \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_EOF, .jump = TENG_NO_JUMP }
#define OP_CLOSE(x) { .code = TENG_OP_CLOSE, .mode = TENG_CLOSE_FIN, .jump = TENG_NO_JUMP }
#define OP_END(x) { .code = TENG_OP_END, .jump = TENG_NO_JUMP }
#define OP(c, a) OP_##c(a)
/* The program of the plan's one client template / one listener. */
#define PROG_CLIENT(p, ...)                                             \
	do {                                                            \
		const struct teng_op o_[] = { __VA_ARGS__ };            \
		(p)->templates[0].prog = (uint16_t)plan_ops((p), o_,    \
			sizeof(o_) / sizeof(o_[0]));                    \
	} while (0)
#define PROG_SERVER(p, ...)                                             \
	do {                                                            \
		const struct teng_op o_[] = { __VA_ARGS__ };            \
		(p)->listeners[0].prog = (uint16_t)plan_ops((p), o_,    \
			sizeof(o_) / sizeof(o_[0]));                    \
	} while (0)

struct fx {
	struct teng_plan *plan;
	struct worker *w;
	struct worker_ctl ctl;
};

/* A segment to inject; addresses and ports in host order. */
struct tseg {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opt;
	uint32_t optlen;
	const void *data;
	uint32_t len;
};

/* A segment teng sent, checked and decoded. */
struct pkt {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint32_t optlen;
	uint8_t opt[40];
	struct tcp_opts o;
	uint32_t len;
	uint8_t data[2048];
};

static struct port_set g_ps;
static struct rte_mempool *g_pool;
static struct fx F;
static struct pkt P[MAXPKT];

static int fsm_eal_init(void)
{
	static char args[12][64];
	const char *a[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			    "--no-telemetry", "--file-prefix=tfsm", "--no-shconf",
			    "-l", "0", "--log-level=*:error" };
	char *argv[13];
	int argc = (int)(sizeof(a) / sizeof(a[0]));
	for (int i = 0; i < argc; i++) {
		snprintf(args[i], sizeof(args[i]), "%s", a[i]);
		argv[i] = args[i];
	}
	snprintf(args[6], sizeof(args[6]), "--file-prefix=tfsm%d", (int)getpid());
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	g_pool = rte_pktmbuf_pool_create("tfsm_pool", POOL_N, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	if (g_pool == NULL) {
		fprintf(stderr, "cannot create mbuf pool\n");
		return -1;
	}
	char err[128];
	struct rte_mempool *pools[1] = { g_pool };
	struct teng_plan lp;
	memset(&lp, 0, sizeof(lp));
	snprintf(lp.port[0].spec, sizeof(lp.port[0].spec), "loopback");
	lp.nports = 1;
	lp.sw_csum = FSM_SW_CSUM;
	if (port_open(&g_ps, &lp, 1, pools, err, sizeof(err)) < 0) {
		fprintf(stderr, "port_open: %s\n", err);
		return -1;
	}
	/* With sw_csum the loopback offers no checksum offload: teng fills
	 * checksums in software, and the tests check them. Without, it
	 * offers offload and trusts what it receives (test_csum). */
	if (g_ps.ndevs != 2 || g_ps.tx_csum[0] != !FSM_SW_CSUM ||
	    g_ps.tx_csum[1] != !FSM_SW_CSUM ||
	    g_ps.rx_csum[0] != (FSM_SW_CSUM ? CSUM_RX_SW : CSUM_RX_TRUSTED)) {
		fprintf(stderr, "unexpected loopback port shape\n");
		return -1;
	}
	return 0;
}

static void fsm_eal_fini(void)
{
	port_close(&g_ps);
	rte_mempool_free(g_pool);
	rte_eal_cleanup();
}

/* main(): EAL and port once for the process, then the tests. */
#define FSM_MAIN(tests)                                                 \
	do {                                                            \
		if (fsm_eal_init() < 0)                                 \
			return 1;                                       \
		int rc_ = cmocka_run_group_tests(tests, NULL, NULL);    \
		fsm_eal_fini();                                         \
		return rc_;                                             \
	} while (0)

/* ---- plans ---- */

static struct teng_plan *plan_new(void)
{
	struct teng_plan *p = teng_plan_new();
	assert_non_null(p);
	p->npools = 1;
	p->pools[0].ip_lo = p->pools[0].ip_hi = CLIENT_IP;
	p->pools[0].port_lo = CLIENT_PORT;
	p->pools[0].port_hi = CLIENT_PORT + 3;
	p->ntemplates = 1;
	p->templates[0].cum_weight = UINT32_MAX;
	p->templates[0].dst_ip = SERVER_IP;
	p->templates[0].dst_port = SERVER_PORT;
	p->nlisteners = 1;
	p->listeners[0].ip = SERVER_IP;
	p->listeners[0].port = SERVER_PORT;
	/* both programs start as an immediate END until a test sets one */
	p->ops[0].code = TENG_OP_END;
	p->ops[0].jump = TENG_NO_JUMP;
	p->nops = 1;
	p->max_open = 16;
	p->tcp.rcv_wnd = 1 << 20; /* the window the tests were written for */
	p->sw_csum = FSM_SW_CSUM; /* real checksums, which pkt_decode checks */
	return p;
}

static void fill_pattern(uint8_t *b, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)('a' + (i * 7 + seed) % 26);
}

static uint32_t plan_payload(struct teng_plan *p, const void *data, uint32_t len)
{
	uint32_t off = p->blob_len;
	uint8_t *b = teng_plan_blob(p, off + len);
	assert_non_null(b);
	memcpy(b + off, data, len);
	p->payloads[p->npayloads].off = off;
	p->payloads[p->npayloads].len = len;
	return p->npayloads++;
}

static uint32_t plan_str(struct teng_plan *p, const char *s)
{
	return plan_payload(p, s, (uint32_t)strlen(s));
}

/* A payload of len pattern bytes. */
static uint32_t plan_bytes(struct teng_plan *p, uint32_t len, uint32_t seed)
{
	uint8_t b[8192];
	assert_true(len <= sizeof(b));
	fill_pattern(b, len, seed);
	return plan_payload(p, b, len);
}

static const uint8_t *payload_of(uint32_t id)
{
	return F.plan->blob + F.plan->payloads[id].off;
}

/* Appends ops to the plan's program space; returns the first one's index. */
static uint32_t plan_ops(struct teng_plan *p, const struct teng_op *ops, uint32_t n)
{
	uint32_t first = p->nops;
	assert_true(first + n <= TENG_MAX_OPS);
	memcpy(&p->ops[first], ops, n * sizeof(*ops));
	p->nops += n;
	return first;
}

/* ---- the fixture ---- */

static uint32_t drain_dev(uint32_t d)
{
	struct rte_mbuf *m[32];
	uint32_t total = 0;
	uint16_t n;
	while ((n = rte_eth_rx_burst(g_ps.dev[d], 0, m, 32)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

/* Clock: ms since the fixture started, exactly. */
static void set_ms(uint32_t ms)
{
	uint64_t hz = F.ctl.hz;
	worker_clock(F.w, F.ctl.tsc0 + (uint64_t)ms * hz / 1000 + hz / 2000);
	assert_int_equal(F.w->now_ms, ms);
}

/* Advance to ms and run the timers, as the worker loop does. */
static void run_timers_at(uint32_t ms)
{
	set_ms(ms);
	worker_timers(F.w);
	worker_tx_flush(F.w);
}

/* The client tuples' kind (tuple.h) fx_start builds; NULL: modulo. */
static const struct tuple_mode *FX_MODE;

static void fx_start(struct teng_plan *p)
{
	char err[128];
	drain_dev(0);
	drain_dev(1);
	memset(&F, 0, sizeof(F));
	F.plan = p;
	F.w = rte_zmalloc("test_worker", sizeof(struct worker), RTE_CACHE_LINE_SIZE);
	assert_non_null(F.w);
	struct worker *w = F.w;
	assert_int_equal(worker_init_mode(w, p, 0, rte_lcore_id(), -1, &F.ctl, FX_MODE, err,
					  sizeof(err)),
			 0);
	/* as teng_run_start does */
	w->pool = g_pool;
	mbuf_cache_bind(w); /* as worker_main does */
	w->nports = (uint8_t)g_ps.ndevs;
	for (uint32_t d = 0; d < g_ps.ndevs; d++) {
		w->port[d].dev = g_ps.dev[d];
		w->port[d].queue = 0;
		w->port[d].mac = g_ps.mac[d];
		w->port[d].tx_csum = g_ps.tx_csum[d];
		w->port[d].rx_csum = g_ps.rx_csum[d];
	}
	for (int role = 0; role < 2; role++) {
		uint32_t d = g_ps.role_dev[role];
		w->role_port[role] = (uint8_t)d;
		w->port[d].peer_mac = g_ps.role_peer_mac[role];
		w->port[d].peer_known = w->port[d].peer_fixed = 1;
		w->port[d].is_loopback = 1;
	}
	assert_int_equal(w->role_port[ROLE_CLIENT], CSLOT);
	assert_int_equal(w->role_port[ROLE_SERVER], SSLOT);
	F.ctl.hz = rte_get_tsc_hz();
	F.ctl.tsc0 = rte_rdtsc();
	worker_clock(w, rte_rdtsc());
	set_ms(0);
	w->tw.now = w->now_ms;
}

static int fx_teardown(void **state)
{
	(void)state;
	if (F.w == NULL)
		return 0;
	uint32_t left = drain_dev(0) + drain_dev(1);
	worker_fini(F.w);
	rte_free(F.w);
	teng_plan_free(F.plan);
	memset(&F, 0, sizeof(F));
	if (left) {
		fprintf(stderr, "teardown: %u unread packets\n", left);
		return -1;
	}
	/* every mbuf is back: nothing leaked on any path */
	if (rte_mempool_avail_count(g_pool) != POOL_N) {
		fprintf(stderr, "teardown: %u mbufs missing\n",
			POOL_N - rte_mempool_avail_count(g_pool));
		return -1;
	}
	return 0;
}
#define FSM_TEST(f) cmocka_unit_test_teardown(f, fx_teardown)

#define CTR (F.w->ctr)

/* Segments in and out, and connection set-up. */
#include "fsm_seg.h"

/* The worker's client and server over the loopback: feed what each
 * side sent to the other until it is quiet. Returns the frames moved. */
static inline uint32_t loopback_pump(void)
{
	uint32_t total = 0, n;
	do {
		n = 0;
		for (uint8_t s = 0; s < 2; s++) {
			struct rte_mbuf *m[32];
			uint16_t k = rte_eth_rx_burst(g_ps.dev[s], 0, m, 32);
			for (uint16_t i = 0; i < k; i++)
				worker_rx(F.w, s, m[i]);
			n += k;
		}
		worker_tx_flush(F.w);
		total += n;
	} while (n > 0);
	return total;
}

/* Run the timers at ms: nothing is sent on slot. */
#define SILENT(slot, ms)                                                \
	do {                                                            \
		run_timers_at(ms);                                      \
		assert_int_equal(out(slot), 0);                         \
	} while (0)

#endif
