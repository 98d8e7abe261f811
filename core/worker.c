/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop, run to completion: rx burst -> parse -> connection ->
 * TCP; then timers; then new connections as the schedule allows; then
 * tx flush. No locks, no atomics, no malloc on this path.
 */
#include <stdio.h>
#include <math.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "csum.h"
#include "icmp.h"
#include "impair.h"
#include "neigh.h"
#include "numa_place.h"
#include "port.h"
#include "syncookie.h"
#include "tcp.h"
#include "tcp_opt.h"
#include "tcp_rtx.h"
#include "tcp_ka.h"
#include "tuple.h"
#include "steer.h"

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

int worker_init_mode(struct worker *w, const struct teng_plan *plan, uint32_t index,
		     unsigned lcore, int socket, struct worker_ctl *ctl,
		     const struct tuple_mode *mode, char *err, size_t errlen)
{
	w->index = index;
	w->ncores = plan->cores;
	w->ncores_m = w->ncores > 1 ? UINT64_MAX / w->ncores + 1 : 0;
	w->lcore = lcore;
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
	if (tw_init(&w->timewait, tw_cap_of(plan, index, size), w->time_wait_ms, zalloc_socket,
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
	tw_fini(&w->timewait, rte_free);
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

void worker_clock(struct worker *w, uint64_t tsc)
{
	/* ms and us per tick as 0.64 fixed point; the product is taken in
	 * 128 bits, so it neither wraps nor drifts in a long run. */
	/* Set by worker_init; a worker made by hand (tests) gets them
	 * here, from its ctl. Once per loop iteration, not per packet. */
	if (unlikely(w->us_mult == 0)) {
		w->us_mult = (uint64_t)(((unsigned __int128)1000000 << 64) / w->ctl->hz);
		w->ms_mult = (uint64_t)(((unsigned __int128)1000 << 64) / w->ctl->hz);
	}
	uint64_t d = tsc - w->ctl->tsc0;
	w->now_tsc = tsc;
	w->now_ms = (uint32_t)(((unsigned __int128)d * w->ms_mult) >> 64);
	w->now_us = (uint32_t)(((unsigned __int128)d * w->us_mult) >> 64);
}

void worker_timers(struct worker *w)
{
	/* Under back-pressure a few timers a loop, fewer segments than one
	 * receive burst takes off the queues, so the backlog cannot grow
	 * from timers; the rest wait in the wheel for the next loop: late,
	 * not lost. */
	uint32_t ids[64], n, max = worker_pressure(w) ? TIMERS_PRESSED : 64;
	do {
		n = timer_expire(&w->tw, w->now_ms, ids, max);
		/* The wheel hands out ids without reading their TCBs (it
		 * only wrote each timer node, all prefetched first): the TCBs'
		 * first lines, and the frame counts under --impair, are loaded
		 * for all of them at once, not one miss after another. */
		for (uint32_t i = 0; i < n; i++) {
			rte_prefetch0(tcb_of(w, ids[i]));
			if (w->imp)
				impair_prefetch(w, ids[i]);
		}
		for (uint32_t i = 0; i < n; i++)
			tcp_timer(w, ids[i]);
		if (n == max && (max < 64 || worker_pressure(w))) {
			w->ctr->timers_deferred++;
			break;
		}
	} while (n == max);
	tw_tick(w);
}

/* 1 when ip (network order) is one of teng's addresses on port slot. */
static inline int addr_local(const struct worker *w, uint8_t slot, uint32_t ip)
{
	if (w->client_on && slot == w->role_port[ROLE_CLIENT]) {
		uint32_t h = rte_be_to_cpu_32(ip);
		for (uint32_t i = 0; i < w->npools; i++)
			if (h >= w->pools[i].ip_lo && h <= w->pools[i].ip_hi)
				return 1;
	}
	if (w->server_on && slot == w->role_port[ROLE_SERVER])
		for (uint32_t i = 0; i < w->nlisteners; i++)
			if (ip == w->listeners[i].ip)
				return 1;
	return 0;
}

/* An ARP frame: the neighbour table weighs its claim (only queue 0's
 * owner learns); any worker answers a request for our addresses, in m.
 * 1 when m went out as the answer. */
static int arp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct worker_port *p = &w->port[slot];
	void *f = rte_pktmbuf_mtod(m, void *);
	uint32_t tip;
	if (neigh_arp_input(p->nb, f, rte_pktmbuf_data_len(m), p->queue == 0, w->now_ms, w->ctr,
			    &tip) != NEIGH_ARP_REQUEST)
		return 0;
	if (!addr_local(w, slot, tip)) {
		w->ctr->drops_not_ours++;
		return 0;
	}
	neigh_arp_answer(f, &p->mac);
	tx_push(w, slot, m);
	return 1;
}

static int icmp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m,
		      struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot)
{
	if (!icmp_echo(m, ip, ihl, tot, &w->port[slot].mac, w->ctr))
		return 0;
	tx_push(w, slot, m);
	return 1;
}

/* Once a loop: take the next hop's MAC when the owner published a new
 * one (a cheap compare of its count); the owner of queue 0 also runs
 * the entry's state machine, which may want a probe sent. */
void worker_neigh(struct worker *w)
{
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		if (likely(p->nb == NULL))
			continue;
		uint8_t f[NEIGH_ARP_LEN];
		if (p->queue == 0 && neigh_tick(p->nb, w->now_ms, &p->mac, w->ctr, f)) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
			if (m != NULL) {
				memcpy(rte_pktmbuf_append(m, NEIGH_ARP_LEN), f, NEIGH_ARP_LEN);
				tx_push(w, s, m);
			}
		}
		if (unlikely(neigh_seq(p->nb) != p->nb_seq))
			p->nb_seq = neigh_read(p->nb, &p->peer_mac);
	}
}

/* IPv4 header checks; tot and ihl out. 0, or -1 (counted). */
static int parse_ip(struct worker *w, struct rte_mbuf *m, struct seg *s,
		    uint32_t *ihlp, uint32_t *totp)
{
	uint32_t dlen = rte_pktmbuf_data_len(m);
	if (unlikely(dlen < RTE_ETHER_HDR_LEN + 20))
		goto bad;
	s->ip = (struct rte_ipv4_hdr *)(s->eth + 1);
	uint32_t ihl = (s->ip->version_ihl & 0x0f) * 4u;
	uint32_t tot = rte_be_to_cpu_16(s->ip->total_length);
	/* IHL below 5 or past the frame, a total length shorter than the
	 * header or longer than the frame (Ethernet padding may follow). */
	if (unlikely((s->ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl ||
		     tot > dlen - RTE_ETHER_HDR_LEN))
		goto bad;
	/* rx_trusted (the loopback): teng's own frames, never filled */
	if (w->port[s->slot].rx_csum != CSUM_RX_TRUSTED) {
		uint64_t ol = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		if (ol == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		    (ol != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !csum_ipv4_ok(s->ip))) {
			w->ctr->drops_bad_checksum++;
			return -1;
		}
	}
	/* No reassembly: a fragment is never a whole segment. */
	if (unlikely(s->ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		w->ctr->drop_ip_frag++;
		return -1;
	}
	if (unlikely(s->ip->time_to_live == 0)) {
		w->ctr->drop_ttl0++;
		return -1;
	}
	*ihlp = ihl;
	*totp = tot;
	return 0;
bad:
	w->ctr->drop_ip_hdr++;
	return -1;
}

static inline int listener_ip(const struct worker *w, uint32_t ip)
{
	for (uint32_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].ip == ip)
			return 1;
	return 0;
}

static inline int client_ip(const struct worker *w, uint32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip);
	for (uint32_t i = 0; i < w->npools; i++)
		if (h >= w->pools[i].ip_lo && h <= w->pools[i].ip_hi)
			return 1;
	return 0;
}

/* A source no host may send from (RFC 1122 3.2.1.3): 0.0.0.0 (this
 * host, only while it learns its address), 127/8, broadcast, multicast
 * (224/4) and class E (240/4), or an address of the very role the
 * packet is for (its destination's): teng's own, spoofed. The other
 * role's addresses stay allowed, so that teng's client may reach teng's
 * server through a router on one port. */
static inline int src_invalid(const struct worker *w, uint32_t src, uint32_t dst)
{
	uint32_t h = rte_be_to_cpu_32(src);
	if (h == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe || src == dst)
		return 1;
	return (listener_ip(w, src) && listener_ip(w, dst)) ||
	       (client_ip(w, src) && client_ip(w, dst));
}

/* A segment whose flags no stack sends (RFC 9293 3.10.7, RFC 5961):
 * SYN with FIN or RST, or none of SYN, ACK, RST, FIN, PSH, URG. Dropped
 * before any lookup, so a SYN+FIN is never taken for a SYN. */
static inline int flags_invalid(uint8_t f)
{
	return (f & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	       (f & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	       (f & (TH_SYN | TH_ACK | TH_RST | TH_FIN | TH_PSH | RTE_TCP_URG_FLAG)) == 0;
}

static int parse_tcp(struct worker *w, struct rte_mbuf *m, struct seg *s,
		     uint32_t ihl, uint32_t tot)
{
	if (unlikely(tot < ihl + 20))
		goto bad;
	s->th = (struct rte_tcp_hdr *)((uint8_t *)s->ip + ihl);
	uint32_t doff = (s->th->data_off >> 4) * 4u;
	if (unlikely(doff < 20 || ihl + doff > tot))
		goto bad;
	if (w->port[s->slot].rx_csum != CSUM_RX_TRUSTED) {
		uint64_t ol = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
		if (ol == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		    (ol != RTE_MBUF_F_RX_L4_CKSUM_GOOD && !csum_tcp_ok(s->ip, s->th))) {
			w->ctr->drops_bad_checksum++;
			return -1;
		}
	}
	s->flags = s->th->tcp_flags;
	if (unlikely(flags_invalid(s->flags))) {
		w->ctr->drop_bad_flags++;
		return -1;
	}
	s->opt = (const uint8_t *)(s->th + 1);
	s->optlen = doff - 20;
	/* Options are read only within the header: a list that does not
	 * fit it is dropped here, so no later reader meets one. */
	if (s->optlen && unlikely(tcp_opt_check_fast(s->opt, s->optlen) < 0)) {
		w->ctr->drop_tcp_opt++;
		return -1;
	}
	s->data = (const uint8_t *)s->th + doff;
	s->len = tot - ihl - doff;
	s->seq = rte_be_to_cpu_32(s->th->sent_seq);
	s->ack = rte_be_to_cpu_32(s->th->recv_ack);
	s->wnd = rte_be_to_cpu_16(s->th->rx_win);
	return 0;
bad:
	w->ctr->drop_tcp_hdr++;
	return -1;
}

#define TSLOT_NONE UINT32_MAX

/* The slot in the connection table's tuple array of the client tuple a
 * segment is addressed to, or TSLOT_NONE (not one of this core's). */
static uint32_t client_slot(struct worker *w, const struct seg *s)
{
	uint64_t t;
	int i = tuple_find(w, rte_be_to_cpu_32(s->ip->dst_addr), rte_be_to_cpu_16(s->th->dst_port), &t);
	if (i < 0)
		return TSLOT_NONE;
	const struct worker_pool *wp = &w->pools[i];
	uint32_t slot = tuple_slot(w, wp, t);
	if (unlikely(slot == TUPLE_NONE)) {
		/* another worker's tuple: steering did not bring it there */
		w->ctr->not_owner++;
		return TSLOT_NONE;
	}
	return wp->base + slot;
}

/* The client TCB a segment is for, or its tuple's TIME_WAIT (TW_TAG).
 * s->tslot is the tuple's slot, found by rx_locate. */
static uint32_t client_lookup(struct worker *w, const struct seg *s)
{
	if (s->tslot == TSLOT_NONE)
		return TCB_NIL;
	uint32_t id = conn_tuple_get(&w->ct, s->tslot);
	if (id == TCB_NIL || tw_tagged(id))
		return id;
	const struct tcb *t = tcb_of(w, id);
	if (t->rip != s->ip->src_addr || t->rport != s->th->src_port)
		return TCB_NIL;
	return id;
}

/* The listener a segment is for, or -1. */
static int listener_of(const struct worker *w, const struct seg *s)
{
	for (uint32_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].ip == s->ip->dst_addr &&
		    w->listeners[i].port == s->th->dst_port)
			return (int)i;
	return -1;
}

/* The first half of a received frame's work: checks and parsing, and
 * everything that is not a TCP segment for us (ARP, ICMP, drops). 1: a
 * segment in s to hand to rx_segment; 0: m is done with (freed or kept). */
static int rx_parse(struct worker *w, uint8_t slot, struct rte_mbuf *m, struct seg *s)
{
	uint32_t ihl, tot;
	w->ctr->pkts_rx++;
	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN || m->nb_segs != 1)) {
		w->ctr->drops_bad_header++;
		goto out;
	}
	s->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	s->slot = slot;
	/* Ethernet: a broadcast or multicast source is no sender, and a
	 * frame for another host (af_packet sees those) is not ours; only
	 * ARP may come broadcast. */
	int arp = s->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	if (unlikely(rte_is_multicast_ether_addr(&s->eth->src_addr) ||
		     (!rte_is_same_ether_addr(&s->eth->dst_addr, &w->port[slot].mac) &&
		      !(arp && rte_is_broadcast_ether_addr(&s->eth->dst_addr))))) {
		if (s->eth->ether_type == rte_cpu_to_be_16(PORT_BYE_ETHERTYPE) &&
		    w->port[slot].watch_link) {
			/* the memif peer is leaving: poll this port no more */
			w->port[slot].peer_gone = w->port[slot].link_down = 1;
			goto out;
		}
		w->ctr->drop_mac++;
		goto out;
	}
	if (s->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		if (arp) {
			if (arp_input(w, slot, m))
				return 0;
		} else {
			w->ctr->drops_not_ours++;
		}
		goto out;
	}
	if (parse_ip(w, m, s, &ihl, &tot) < 0)
		goto out;
	if (!addr_local(w, slot, s->ip->dst_addr)) {
		w->ctr->drops_not_ours++;
		goto out;
	}
	if (unlikely(src_invalid(w, s->ip->src_addr, s->ip->dst_addr))) {
		w->ctr->drop_src_bcast++;
		goto out;
	}
	if (s->ip->next_proto_id == IPPROTO_ICMP) {
		if (icmp_input(w, slot, m, s->ip, ihl, tot))
			return 0;
		goto out;
	}
	if (s->ip->next_proto_id != IPPROTO_TCP) {
		w->ctr->drops_not_ours++;
		goto out;
	}
	if (parse_tcp(w, m, s, ihl, tot) < 0)
		goto out;
	return 1;
out:
	rte_pktmbuf_free(m);
	return 0;
}

/* The TCB a parsed segment is for (TCB_NIL: none; TW_TAG | entry: a
 * tuple in TIME_WAIT); l gets the listener for a segment to a server
 * address, else -1. */
static uint32_t rx_lookup(struct worker *w, struct seg *s, int *l)
{
	*l = -1;
	if (w->server_on && s->slot == w->role_port[ROLE_SERVER] &&
	    (*l = listener_of(w, s)) >= 0) {
		if (unlikely(s->hidx == TSLOT_NONE)) /* rx_locate took it for a client's */
			s->hash = conn_hash4(s->ip->src_addr, s->th->src_port, s->ip->dst_addr,
					     s->th->dst_port);
		uint32_t id = conn_hash_lookup_h(&w->ct, s->hash, s->ip->src_addr, s->th->src_port,
						 s->ip->dst_addr, s->th->dst_port);
		if (id == TCB_NIL && unlikely(w->timewait.hashed)) {
			uint32_t i = tw_lookup(&w->timewait, &w->ct, s->hash, s->ip->src_addr,
					       s->th->src_port, s->ip->dst_addr, s->th->dst_port,
					       w->now_ms);
			if (i != TW_NIL)
				id = TW_TAG | i;
		}
		return id;
	}
	if (w->client_on && s->slot == w->role_port[ROLE_CLIENT])
		return client_lookup(w, s);
	return TCB_NIL;
}

/* Where the TCB a segment is most likely for is found: for the client
 * role its tuple's slot (s->tslot, kept for rx_lookup), else the server
 * hash bucket (s->hidx); the entry is prefetched (rx_prefetch loads it
 * once it has arrived). */
static inline void rx_locate(struct worker *w, struct seg *s)
{
	s->tslot = TSLOT_NONE;
	s->hidx = TSLOT_NONE;
	if (w->client_on && s->slot == w->role_port[ROLE_CLIENT])
		s->tslot = client_slot(w, s);
	if (s->tslot != TSLOT_NONE) {
		if (s->tslot < w->ct.ntuples)
			rte_prefetch0(&w->ct.tuple[s->tslot]);
	} else if (w->server_on && s->slot == w->role_port[ROLE_SERVER]) {
		s->hash = conn_hash4(s->ip->src_addr, s->th->src_port, s->ip->dst_addr,
				     s->th->dst_port);
		s->hidx = s->hash & w->ct.hash_mask;
		rte_prefetch0(&w->ct.hash[s->hidx]);
		/* a SYN of a new connection is looked up in TIME_WAIT too,
		 * and a FIN may take its connection there (an entry put in
		 * that bucket) */
		if (((s->flags & TH_SYN) && unlikely(w->timewait.hashed)) ||
		    ((s->flags & TH_FIN) && w->timewait.cap))
			rte_prefetch0(tw_bucket(&w->timewait, s->hash));
	}
}

/* Start loading the TCB a located segment is most likely for (the
 * tuple slot's, or the hash bucket's first entry). */
static inline void rx_prefetch(struct worker *w, const struct seg *s)
{
	uint32_t id = TCB_NIL;
	if (s->tslot != TSLOT_NONE)
		id = conn_tuple_get(&w->ct, s->tslot);
	else if (s->hidx != TSLOT_NONE)
		id = w->ct.hash[s->hidx];
	if (!(id & TW_TAG)) { /* neither TCB_NIL nor TIME_WAIT */
		rte_prefetch0(tcb_of(w, id));
		if (unlikely(w->imp != NULL))
			impair_prefetch(w, id);
	}
}

/* The second half: the connection, then TCP. The lookup is made again
 * here, because an earlier segment of the same burst may have opened or
 * closed this connection; after rx_prefetch it hits the cache. */
static void rx_segment(struct worker *w, struct seg *s)
{
	int l;
	uint32_t id = rx_lookup(w, s, &l);
	if (unlikely(tw_tagged(id))) {
		if (tw_input(w, s, id & ~TW_TAG))
			return;
		id = TCB_NIL; /* gone, or a SYN reusing the tuple */
	}
	if (id == TCB_NIL) {
		uint8_t f = s->flags & (TH_SYN | TH_ACK | TH_RST);
		uint16_t mss;
		if (l >= 0 && f == TH_SYN) {
			/* Too many half-open (a flood) or no TCB left: a
			 * cookie, and no state. */
			if (syncookie_wanted(w) || w->ct.nfree == 0)
				syncookie_send(w, s);
			else
				tcp_accept(w, s, (uint32_t)l);
		} else if (l >= 0 && f == TH_ACK && syncookie_check(w, s, &mss)) {
			int cid = tcp_accept_cookie(w, s, (uint32_t)l, mss);
			if (cid >= 0)
				tcp_input(w, tcb_of(w, (uint32_t)cid), s);
			/* else counted in no_tcb; the peer sends again */
		} else if (!unlikely(tw_evicted_fin(w, s))) {
			w->ctr->drops_no_connection++;
			tcp_reply_rst(w, s);
		}
	} else {
		tcp_input(w, tcb_of(w, id), s);
	}
}

int worker_rx(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct seg s;
	if (!rx_parse(w, slot, m, &s))
		return 0;
	rx_locate(w, &s);
	rx_segment(w, &s);
	rte_pktmbuf_free(m);
	return 1;
}

/* A burst in three passes, so the cache misses of its frames overlap:
 * parse every frame and prefetch its table entry (rx_locate), then load
 * the entries and prefetch the TCBs, then run TCP on each in order. Each
 * frame is freed as soon as TCP is done with it: the next segment sent
 * takes that mbuf back from the pool's cache while it is still hot (a
 * bulk free at the end of the burst measured slower). */
void worker_rx_burst(struct worker *w, uint8_t slot, struct rte_mbuf **pkts, uint16_t n)
{
	struct seg segs[RX_BURST];
	struct rte_mbuf *ms[RX_BURST];
	uint16_t k = 0;
	for (uint16_t i = 0; i < n && i < 3; i++)
		rte_prefetch0(pkts[i]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 3 < n)
			rte_prefetch0(pkts[i + 3]);
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (!rx_parse(w, slot, pkts[i], &segs[k]))
			continue;
		rx_locate(w, &segs[k]);
		ms[k++] = pkts[i];
	}
	for (uint16_t i = 0; i < k; i++)
		rx_prefetch(w, &segs[i]);
	for (uint16_t i = 0; i < k; i++) {
		rx_segment(w, &segs[i]);
		rte_pktmbuf_free(ms[i]);
	}
}

static double phase_elapsed(const struct worker *w)
{
	double el = (double)(w->now_tsc - w->ctl->tsc0) / (double)w->ctl->hz -
		    w->phase_start_s;
	return el > 0 ? el : 0;
}

/* Connections the rate schedule wants opened by el seconds into the phase. */
static double rate_due(const struct worker *w, double el)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	double d = sc->cps_from * el;
	if (w->phase_kind[w->phase] == TENG_RATE_RAMP && w->phase_dur_s[w->phase] > 0)
		d += (sc->cps_to - sc->cps_from) * el * el / (2 * w->phase_dur_s[w->phase]);
	return d;
}

/* When the schedule wanted opening number k (0-based) of the phase, in
 * seconds into it: the inverse of rate_due at k + 1. */
static double rate_intended(const struct worker *w, uint64_t k)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	double n = (double)(k + 1), a = sc->cps_from, D = w->phase_dur_s[w->phase];
	if (w->phase_kind[w->phase] != TENG_RATE_RAMP || D <= 0 || sc->cps_to == a)
		return a > 0 ? n / a : 0;
	double c = (sc->cps_to - a) / (2 * D);
	double disc = a * a + 4 * c * n;
	if (disc < 0)
		disc = 0;
	return (-a + sqrt(disc)) / (2 * c);
}

/* How many connections the schedule wants opened now. */
static uint32_t due(struct worker *w)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	uint64_t limit = OPEN_BURST;
	uint64_t open = w->st->c_active;
	uint64_t cap = sc->conc_to ? sc->conc_to : w->max_open;
	switch (w->phase_kind[w->phase]) {
	case TENG_RATE_CPS:
	case TENG_RATE_RAMP: {
		uint64_t want = (uint64_t)rate_due(w, phase_elapsed(w));
		limit = want > w->opened_phase ? want - w->opened_phase : 0;
		break;
	}
	case TENG_RATE_MAX:
		break;
	case TENG_RATE_CONCURRENCY: {
		double D = w->phase_dur_s[w->phase];
		double f = D > 0 ? phase_elapsed(w) / D : 1;
		if (f > 1)
			f = 1;
		cap = (uint64_t)(sc->conc_from + ((double)sc->conc_to - sc->conc_from) * f + 0.5);
		break;
	}
	}
	if (limit > OPEN_BURST)
		limit = OPEN_BURST;
	if (open >= cap)
		return 0;
	if (limit > cap - open)
		limit = cap - open;
	if (w->conn_limit && limit > w->conn_limit - w->opened_total)
		limit = w->conn_limit - w->opened_total;
	return (uint32_t)limit;
}

static void set_phase(struct worker *w, uint32_t p)
{
	w->phase = p;
	w->st->phase_now = p;
	w->ctr = &w->st->phase[p];
	w->opened_phase = 0;
	/* The planned start, not when this worker noticed: the schedule
	 * (and the intended start of each opening) runs on plan time. */
	w->phase_start_s = p == 0 ? 0 : w->phase_end_ms[p - 1 < w->nphases ? p - 1 : 0] / 1000.0;
}

/* One opening of the schedule, counted: 0, or -1 when none was free. */
static int open_one(struct worker *w, uint32_t t0_us)
{
	if (tcp_connect(w, t0_us) < 0)
		return -1;
	w->opened_phase++;
	w->opened_total++;
	return 0;
}

/* A rate phase is over: open what its schedule wanted by its planned
 * end and the loop has not reached yet (the last opening of a phase is
 * due at its very end: without this, conns = cps x duration came out
 * one short). */
static void open_phase_rest(struct worker *w)
{
	uint32_t k = w->phase_kind[w->phase];
	if (!w->client_on || (k != TENG_RATE_CPS && k != TENG_RATE_RAMP))
		return;
	uint64_t want = (uint64_t)(rate_due(w, w->phase_dur_s[w->phase]) + 1e-6);
	/* Only the remainder of a phase on schedule: a saturated one is
	 * behind by more, which its lag already reports. */
	if (want > w->opened_phase + OPEN_BURST || worker_pressure(w))
		return;
	uint64_t cap = w->sched[w->phase].conc_to ? w->sched[w->phase].conc_to : w->max_open;
	while (w->opened_phase < want && w->st->c_active < cap &&
	       (!w->conn_limit || w->opened_total < w->conn_limit) &&
	       open_one(w, w->now_us) == 0)
		;
}

static void schedule(struct worker *w)
{
	while (w->phase < w->nphases && w->now_ms >= w->phase_end_ms[w->phase]) {
		open_phase_rest(w);
		set_phase(w, w->phase + 1);
	}
	if (unlikely(w->ctl->draining)) {
		if (w->phase < w->nphases)
			set_phase(w, w->nphases);
		if (!w->drain_seen)
			__atomic_store_n(&w->drain_seen, 1, __ATOMIC_RELEASE);
	}
	if (w->phase >= w->nphases || !w->client_on)
		return;
	uint32_t n = due(w);
	if (n == 0)
		return;
	/* Back-pressure: while a transmit backlog is at its limit or the
	 * mbuf pool runs low, open fewer now (none); the schedule's debt is
	 * paid when the pressure goes, and its lag shows as saturation.
	 * Behind a fixed rate, a full receive burst from a device (rx_busy)
	 * means frames wait for this worker: it answers them before it opens
	 * more. Opening anyway only lengthens the queues, up to the open
	 * cap, and a worker whose working set outgrows the cache completes
	 * fewer: over memif, http_like cps=900000 completed 0.46 M/s with
	 * 20,000 open, 0.65 M/s with this (medians of 4, one sitting). */
	int rated = w->phase_kind[w->phase] == TENG_RATE_CPS ||
		    w->phase_kind[w->phase] == TENG_RATE_RAMP;
	if (worker_pressure(w) || (rated && w->rx_busy)) {
		w->ctr->open_deferred++;
		return;
	}
	uint32_t room = w->tx_limit;
	for (uint8_t s = 0; s < w->nports; s++) {
		uint32_t b = tx_backlog(&w->port[s]);
		if (w->tx_limit - b < room)
			room = w->tx_limit - b;
	}
	if (n > room) {
		w->ctr->open_deferred++;
		n = room;
	}
	for (; n > 0; n--) {
		/* Latency counts from when the schedule wanted the
		 * connection, so falling behind shows (no coordinated
		 * omission). */
		uint32_t t0 = w->now_us;
		if (rated) {
			double at = w->phase_start_s + rate_intended(w, w->opened_phase);
			uint32_t want = (uint32_t)(uint64_t)(at * 1e6);
			int32_t lag = (int32_t)(w->now_us - want);
			if (lag > 0) {
				t0 = want;
				if ((uint64_t)lag > w->ctr->sched_lag_us)
					w->ctr->sched_lag_us = (uint64_t)lag;
			}
		}
		if (open_one(w, t0) < 0)
			break;
	}
}

static void abort_all(struct worker *w)
{
	for (uint32_t i = 0; i < w->ct.fresh; i++) { /* the rest were never used */
		struct tcb *t = tcb_of(w, i);
		if (t->state == TCP_CLOSED)
			continue;
		if (t->state != TCP_TIME_WAIT)
			w->ctr->aborted++;
		tcp_abort(w, t, TENG_REASON_ABORTED);
	}
	/* Give the device a moment to take the resets, then let go. */
	uint64_t until = rte_rdtsc() + w->ctl->hz / 100;
	do
		worker_tx_flush(w);
	while (rte_rdtsc() < until &&
	       (tx_backlog(&w->port[0]) || tx_backlog(&w->port[w->nports - 1])));
	worker_tx_discard(w);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[RX_BURST];
	worker_clock(w, rte_rdtsc());
	w->tw.now = w->now_ms;
	set_phase(w, 0);
	while (!w->ctl->abort) {
		worker_clock(w, rte_rdtsc());
		w->rx_busy = 0;
		for (uint8_t s = 0; s < w->nports; s++) {
			struct worker_port *p = &w->port[s];
			if (unlikely(p->watch_link)) {
				/* DPDK's memif driver unmaps its rings when
				 * the peer goes away, while a poll may be
				 * running: checking the link first narrows
				 * that window to the poll itself. */
				p->link_down = p->peer_gone || !port_link_up(p->dev);
				if (p->link_down)
					continue;
			}
			uint16_t n = rte_eth_rx_burst(p->dev, p->queue, pkts, RX_BURST);
			if (unlikely(p->watch_link))
				port_count_burst(&p->dev_ipackets, &p->dev_ibytes, pkts, n);
			/* software steering: frames of other workers' connections
			 * go to them (none with one worker: w->steer is NULL) */
			if (unlikely(w->steer != NULL) && n)
				n = steer_burst(w, s, pkts, n);
			if (n == RX_BURST && !p->is_loopback)
				w->rx_busy = 1; /* more wait (schedule) */
			if (n)
				worker_rx_burst(w, s, pkts, n);
		}
		if (unlikely(w->steer != NULL))
			steer_drain(w);
		worker_timers(w);
		worker_neigh(w);
		schedule(w);
		worker_tx_flush(w);
	}
	abort_all(w);
	return 0;
}
