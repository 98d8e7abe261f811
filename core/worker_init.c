/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's sizes and memory, all from the plan and all before the loop
 * starts: the connection table, the transmit rings, the mbuf pool's
 * share, the side tables each TCP option needs, and the per-run settings
 * the loop reads instead of deciding again.
 */
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "impair.h"
#include "mbuf.h"
#include "numa_place.h"
#include "steer.h"
#include "syncookie.h"
#include "tcp.h"
#include "tcp_ka.h"
#include "tcp_rtx.h"
#include "tuple.h"

static void *zalloc_socket(size_t n, size_t size, int socket)
{
	return numa_zalloc("teng", n * size, socket);
}

static int plan_loopback_only(const struct teng_plan *plan)
{
	for (uint32_t i = 0; i < plan->nports; i++)
		if (strcmp(plan->port[i].spec, "loopback") != 0)
			return 0;
	return plan->nports > 0;
}

/* Connection table entries for a core: the open-connection cap of
 * clients plus room for the server side and connections finishing. */
static uint64_t tcbs_of(const struct teng_plan *plan, uint32_t index)
{
	uint64_t size = 2 * (uint64_t)plan->max_open + 4096;
	for (uint32_t i = 0; i < plan->nphases; i++) {
		const struct teng_sched *sc = &plan->core[index].sched[i];
		uint32_t c = sc->conc_to > sc->conc_from ? sc->conc_to : sc->conc_from;
		if (2 * (uint64_t)c + 4096 > size)
			size = 2 * (uint64_t)c + 4096;
	}
	return size;
}

/* The MSS a worker announces: a segment must fit one mbuf, headers
 * plus MSS within its data room. It is also what a reassembly slot holds. */
static uint16_t mss_of(const struct teng_plan *plan)
{
	uint32_t room = RTE_MBUF_DEFAULT_DATAROOM - HDR_LEN - 8;
	return plan->tcp.mss < room ? plan->tcp.mss : (uint16_t)room;
}

/* TIME_WAIT entries for a core (tw_size): from the plan's fastest rate. */
static uint32_t tw_cap_of(const struct teng_plan *plan, uint32_t index, uint64_t tcbs)
{
	double rate = 0;
	for (uint32_t i = 0; i < plan->nphases; i++) {
		const struct teng_sched *sc = &plan->core[index].sched[i];
		if (sc->cps_from > rate)
			rate = sc->cps_from;
		if (sc->cps_to > rate)
			rate = sc->cps_to;
	}
	return tw_size(plan->tcp.time_wait_ms, rate, tcbs);
}

/* Bytes of one mbuf of the pool (object, header, trailer, its ring slot). */
#define MBUF_BYTES (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE + 64 + 16)

/*
 * Sizes, from the plan alone.
 *
 * The transmit ring holds tx_queue segments per port. New connections
 * and timer work wait once a port's backlog reaches tx_limit; above it
 * only what cannot wait is added in one loop iteration: a receive burst
 * per port (RX_BURST segments, each answered with at most a few: an ACK,
 * data, a FIN, TX_PER_RX together for the request/response programs), one
 * timer round (64 connections) and one opening burst (OPEN_BURST SYNs).
 * That is TX_HEADROOM; tx_limit leaves it free when the ring has room for
 * it. A burst of a bulk send can exceed it: those segments wait in the
 * hold list (tx.c), counted in tx_waits, and are sent in order.
 *
 * The pool holds what can be in flight: both transmit rings full, the
 * devices' own rings (the loopback's 4096 per direction, a NIC's
 * descriptors), and one segment per POOL_TCBS_PER_MBUF connections (both
 * roles) for those active at once; idle connections hold none. What is
 * in flight does not grow with the open connections but with what
 * back-pressure lets through: openings and timer work wait when fewer
 * than pool_reserve (a quarter) are free, when a transmit backlog is at
 * tx_limit, and on the loopback above LOOPBACK_INFLIGHT in flight, so
 * connections already open find an mbuf. Measured (scenarios/
 * concurrent.lua conns=1000000 hold=3): 1,000,000 pairs held open, then
 * all sending within a second, with 0 drops and 0 retransmissions on
 * 35 k mbufs (POOL_TCBS_PER_MBUF 4096), 0.43 GB peak RSS, 252 bytes per
 * pair above a 1000-connection run (240 of them the two TCBs); with one
 * mbuf per 1024 TCBs it was 3.5 bytes more, on 160 k mbufs (one per 16
 * TCBs) 0.96 GB, with one mbuf per pair 4.5 GB.
 */
#define TX_PER_RX 4
#define TX_HEADROOM (TENG_MAX_PORTS * RX_BURST * TX_PER_RX + 64 * 2 + OPEN_BURST)
#define TX_QUEUE_DEFAULT 4096
#define DEV_MBUFS (2 * (4096 + 1024))
#define TIMER_SLOTS 4096 /* the timer wheel: 1 ms ticks, a 4.096 s round */
#define POOL_TCBS_PER_MBUF 4096

int worker_sizes(const struct teng_plan *plan, uint32_t index, struct worker_sizes *out,
		 char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->tcbs = tcbs_of(plan, index);
	if (out->tcbs > (1u << 26)) {
		snprintf(err, errlen, "too many open connections for one core (%llu TCBs)",
			 (unsigned long long)out->tcbs);
		return -1;
	}
	uint32_t q = plan->tx_queue ? plan->tx_queue : TX_QUEUE_DEFAULT;
	if (q > TX_QUEUE_MAX) {
		snprintf(err, errlen, "tx_queue %u is more than %u", q, TX_QUEUE_MAX);
		return -1;
	}
	if (q < TX_QUEUE_MIN)
		q = TX_QUEUE_MIN;
	out->tx_queue = (uint32_t)rte_align32pow2(q);
	out->mbufs = 16384 + DEV_MBUFS + 2 * (uint64_t)out->tx_queue + out->tcbs / POOL_TCBS_PER_MBUF;
	uint64_t tuples = 0;
	for (uint32_t i = 0; i < plan->npools; i++) {
		const struct teng_pool *pp = &plan->pools[i];
		tuples += ((uint64_t)(pp->ip_hi - pp->ip_lo + 1) *
			   ((uint32_t)pp->port_hi - pp->port_lo + 1)) / (plan->cores ? plan->cores : 1) + 1;
	}
	/* the timer wheel's pool: anonymous memory, so among the mapped bytes too */
	uint64_t timer = timer_bytes(TIMER_SLOTS, (uint32_t)out->tcbs);
	out->table_bytes = out->tcbs * (sizeof(struct tcb) + sizeof(struct rte_ether_addr) +
					sizeof(uint32_t) + 8 +
					(plan->tcp.sack ? sizeof(struct sack_sb) : 0) +
					(plan->tcp.keepalive_ms ? sizeof(struct tcp_ka) : 0)) +
			   tuples * 4 + 2 * sizeof(struct rte_mbuf *) * out->tx_queue +
			   (uint64_t)plan->echo_bytes * plan->echo_buffers + sizeof(struct worker_stats) +
			   sizeof(struct worker) + tw_bytes(tw_cap_of(plan, index, out->tcbs)) +
			   reasm_bytes((uint32_t)out->tcbs, plan->tcp.reasm_segs, mss_of(plan)) +
			   prog_side_bytes(plan, out->tcbs) + timer;
	/* --impair: the frames it holds back (delay, reorder) */
	impair_size(plan, out->tx_queue, (uint32_t)out->tcbs, &out->mbufs, &out->table_bytes);
	out->mapped_bytes = out->tcbs * (sizeof(struct tcb) +
					 (plan->tcp.sack ? sizeof(struct sack_sb) : 0) +
					 (plan->tcp.reasm_segs ? sizeof(uint16_t) : 0)) +
			    tuples * 4 + timer;
	out->pool_bytes = out->mbufs * MBUF_BYTES;
	return 0;
}

uint64_t worker_plan_bytes(const struct teng_plan *plan)
{
	uint64_t b = 0;
	char err[128];
	for (uint32_t i = 0; i < plan->cores && i < TENG_MAX_CORES; i++) {
		struct worker_sizes z;
		if (worker_sizes(plan, i, &z, err, sizeof(err)) == 0)
			b += z.pool_bytes + z.table_bytes - z.mapped_bytes;
	}
	return b;
}

int worker_init(struct worker *w, const struct teng_plan *plan, uint32_t index,
		unsigned lcore, struct worker_ctl *ctl, char *err, size_t errlen)
{
	return worker_init_mode(w, plan, index, lcore, -1, ctl, NULL, err, errlen);
}

struct rte_mempool_cache mbuf_no_cache; /* empty, flush threshold 0 */

int worker_init_mode(struct worker *w, const struct teng_plan *plan, uint32_t index,
		     unsigned lcore, int socket, struct worker_ctl *ctl,
		     const struct tuple_mode *mode, char *err, size_t errlen)
{
	w->index = index;
	w->ncores = plan->cores;
	w->ncores_m = fastdiv_m(w->ncores);
	w->lcore = lcore;
	w->mcache = &mbuf_no_cache; /* until the loop binds its own (mbuf.h) */
	/* Its memory comes from its ports' socket (numa_place.h), else its CPU's. */
	w->socket = socket >= 0 ? socket : (int)rte_lcore_to_socket_id(lcore);
	w->ctl = ctl;
	/* Decided before the loop: the clock's multipliers (ctl->hz is the
	 * TSC's rate) and the ISN secret. */
	uint64_t hz = rte_get_tsc_hz();
	w->us_mult = (uint64_t)(((unsigned __int128)1000000 << 64) / hz);
	w->ms_mult = (uint64_t)(((unsigned __int128)1000 << 64) / hz);
	w->isn_key = rte_rand() | 1;
	w->rng = (plan->seed ? plan->seed : 1) * 0x9E3779B97F4A7C15ull + index + 1;
	w->st = numa_zalloc("teng_stats", sizeof(*w->st), w->socket);
	if (w->st == NULL)
		goto nomem;
	w->ctr = &w->st->phase[0];

	w->client_on = plan->client_enabled;
	w->server_on = plan->server_enabled;
	int ntuples = tuple_init(w, plan, mode, zalloc_socket, err, errlen);
	w->listener_hist = plan->nlisteners > 1 || !plan->client_enabled;
	if (ntuples < 0)
		return -1;

	w->mss = mss_of(plan);
	w->wscale = plan->tcp.wscale;
	w->rcv_wnd = plan->tcp.rcv_wnd;
	w->idle_ms = plan->tcp.idle_timeout_ms;
	w->time_wait_ms = plan->tcp.time_wait_ms;
	w->rto_ms = plan->tcp.rto_ms ? plan->tcp.rto_ms : TENG_DEFAULT_RTO_MS;
	w->max_retries = plan->tcp.max_retries;
	w->rto_min_ms = plan->tcp.rto_min_ms ? plan->tcp.rto_min_ms : 1;
	w->rto_max_ms = plan->tcp.rto_max_ms ? plan->tcp.rto_max_ms : TENG_DEFAULT_RTO_MAX_MS;
	if (w->rto_max_ms < w->rto_min_ms)
		w->rto_max_ms = w->rto_min_ms;
	w->syn_retries = plan->tcp.syn_retries;
	w->delack_ms = plan->tcp.delack_ms;
	w->timestamps = plan->tcp.timestamps;
	w->sack = plan->tcp.sack;
	w->ack_with_data = plan->tcp.ack_with_data;
	w->init_cwnd = (uint16_t)(plan->tcp.init_cwnd ? plan->tcp.init_cwnd : TENG_DEFAULT_INIT_CWND);
	w->ka_ms = plan->tcp.keepalive_ms;
	w->ka_intvl_ms = w->ka_ms < TCP_KA_INTVL_MAX_MS ? w->ka_ms : TCP_KA_INTVL_MAX_MS;

	w->nphases = plan->nphases;
	uint32_t end = 0;
	for (uint32_t i = 0; i < plan->nphases; i++) {
		uint32_t ms = plan->phases[i].duration_ms;
		if (ms == 0) /* a plan filled by hand (tests): from the seconds */
			ms = (uint32_t)(plan->phases[i].duration_s * 1000.0 + 0.5);
		end += ms;
		w->phase_end_ms[i] = end;
		w->phase_dur_s[i] = ms / 1000.0;
		w->phase_kind[i] = plan->phases[i].kind;
		w->sched[i] = plan->core[index].sched[i];
	}
	w->conn_limit = plan->core[index].conn_limit;
	w->max_open = plan->max_open; /* already per core */

	struct worker_sizes z;
	if (worker_sizes(plan, index, &z, err, errlen) < 0)
		return -1;
	uint32_t size = (uint32_t)z.tcbs;
	w->pool_mbufs = (uint32_t)z.mbufs;
	/* pool_reserve and inflight_limit are set with the pool (run.c);
	 * 0 and none until then. */
	w->pool_reserve = 0;
	w->inflight_limit = UINT32_MAX;
	w->tx_limit = z.tx_queue > 2 * TX_HEADROOM ? z.tx_queue - TX_HEADROOM : z.tx_queue / 2;
	for (uint32_t s = 0; s < TENG_MAX_PORTS; s++) {
		w->port[s].txq = zalloc_socket(z.tx_queue, sizeof(struct rte_mbuf *), w->socket);
		if (w->port[s].txq == NULL)
			goto nomem;
		w->port[s].tx_mask = z.tx_queue - 1;
	}
	if (impair_init(w, plan, z.tx_queue, size) < 0)
		goto nomem;
	if (conn_init(&w->ct, size, w->client_on ? (uint32_t)ntuples : 0,
		      zalloc_socket, w->socket) < 0)
		goto nomem;
	syncookie_init(w);
	w->tw_pending_id = TCB_NIL;
	/* A server connection's own peer MAC: only where the port has no
	 * fixed peer (never on the loopback). */
	if (!plan_loopback_only(plan)) {
		w->peer_mac_of = zalloc_socket(size, sizeof(struct rte_ether_addr), w->socket);
		if (w->peer_mac_of == NULL)
			goto nomem;
	}
	/* TS.Recent per connection, only when timestamps are offered */
	if (plan->tcp.timestamps) {
		w->ts_recent = zalloc_socket(size, sizeof(uint32_t), w->socket);
		if (w->ts_recent == NULL)
			goto nomem;
	}
	/* SACK scoreboards per connection, only when SACK is offered */
	if (plan->tcp.sack) {
		/* Anonymous memory, zero until written: only the scoreboards
		 * loss recovery writes take pages (tcp_sack_sb_mut). */
		w->sack_sb_bytes = (size_t)size * sizeof(struct sack_sb);
		w->sack_sb = numa_map_zero(w->sack_sb_bytes, w->socket, 0);
		if (w->sack_sb == NULL)
			goto nomem;
	}
	/* Keepalive clocks, only when the plan asks for probes */
	if (plan->tcp.keepalive_ms) {
		w->ka = zalloc_socket(size, sizeof(struct tcp_ka), w->socket);
		if (w->ka == NULL)
			goto nomem;
	}
	if (timer_init(&w->tw, TIMER_SLOTS, size, w->ct.tcb, sizeof(struct tcb),
		       offsetof(struct tcb, tn), 0) < 0)
		goto nomem;
	/* Each TCB's timer node is made idle by conn_alloc, when the TCB is
	 * first used: the table stays untouched until then. */
	if (tw_init(&w->timewait, tw_cap_of(plan, index, size), w->time_wait_ms, numa_zalloc_huge,
		    w->socket) < 0)
		goto nomem;
	if (reasm_init(&w->reasm, size, plan->tcp.reasm_segs, w->mss, zalloc_socket, w->socket) < 0)
		goto nomem;
	if (prog_init(w, plan, size, err, errlen) < 0)
		return -1;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory setting up worker %u", index);
	return -1;
}

void worker_fini(struct worker *w)
{
	tuple_fini(w, rte_free);
	steer_fini(w);
	impair_fini(w);
	prog_fini(w);
	timer_fini(&w->tw);
	tw_fini(&w->timewait, numa_free_huge);
	reasm_fini(&w->reasm, rte_free);
	if (w->ct.tcb)
		conn_fini(&w->ct, rte_free);
	rte_free(w->peer_mac_of);
	rte_free(w->ts_recent);
	rte_free(w->ka);
	w->ka = NULL;
	numa_unmap(w->sack_sb, w->sack_sb_bytes);
	w->sack_sb = NULL;
	rte_free(w->st);
	for (uint32_t s = 0; s < TENG_MAX_PORTS; s++)
		rte_free(w->port[s].txq);
}
