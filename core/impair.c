/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Impairment of what a core transmits (impair.h has the decisions).
 * tx_push hands every frame here when the plan asks for impairment;
 * otherwise w->imp is NULL and this file is never entered.
 *
 * A TCP frame is decided once, by its identity (impair.h, impair_key:
 * the connection that sent it and its number there, counted per TCB in
 * nsent), then:
 *  - lost: freed, counted in impair_lost;
 *  - duplicated: a copy (rte_pktmbuf_copy, from the core's pool) goes
 *    right behind it, treated as it is. A copy, not a second reference:
 *    the receiver owns what it receives and may change it in place (the
 *    loopback hands the very mbuf to the other end), and the copy keeps
 *    ol_flags and tx_offload, so checksum offload works on both;
 *  - delayed (delay or jitter set): every frame goes through a per-core
 *    queue ordered by release time (a binary heap over a fixed array,
 *    FIFO among equal times), so with jitter frames may overtake each
 *    other. The worker loop sends what is due each iteration
 *    (worker_tx_flush). From three quarters full, openings and timer
 *    work wait (worker_pressure); a frame that finds it full anyway is
 *    sent at once, undelayed, and counted in impair_delay_full;
 *  - reordered: held back until IMPAIR_REORDER_AFTER later frames of
 *    its flow (its direction of its connection) went out on its port, or
 *    IMPAIR_REORDER_US passed (after its delay, if
 *    any). With IMPAIR_REORDER_SLOTS held, the oldest goes out early.
 * Frames still held at the end of the run are freed (impair_discard).
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "impair.h"
#include "mbuf.h"
#include "numa_place.h"
#include "tcp.h"
#include "worker.h"

#define IMPAIR_OWN_SLOTS 65536

struct impair_frame {
	struct rte_mbuf *m;
	uint32_t due_us;  /* w->now_us it goes out at */
	uint32_t seq;     /* delay queue: FIFO among equal due times */
	uint8_t slot;
	uint8_t reorder;  /* delay queue: hold back once due */
	uint16_t left;    /* reorder: later frames of its flow still to pass it */
	uint32_t flow;    /* its direction of its connection (flow_of) */
};

struct impair {
	struct impair_cfg cfg;
	uint64_t rng;     /* this core's seed state, the base of every key */
	uint64_t key;     /* the next frame's (impair_mark), or 0 */
	uint16_t *nsent;  /* TCB index -> frames it sent (its key's number) */
	uint16_t own_n[IMPAIR_OWN_SLOTS]; /* own_key's numbers */
	uint8_t delayed;  /* delay or jitter: every frame through the queue */
	uint32_t seq;
	uint32_t n, cap;  /* the delay queue */
	uint32_t press;   /* n from which worker_pressure says wait */
	uint32_t nro;     /* held back, oldest first */
	struct impair_frame ro[IMPAIR_REORDER_SLOTS];
	struct impair_frame heap[]; /* cap entries */
};

/* What a core can have in flight before back-pressure, held for the
 * delay: twice a port's transmit ring, plus a frame a microsecond of
 * the longest delay (1 M frames/s a core; up to DELAY_SLOTS_US of it),
 * so a longer delay does not cap the rate lower: with the ring alone,
 * keepalive_loop.lua cps=10000 under delay=5 held 2.3 k/s. */
#define DELAY_SLOTS_US 250000
static uint32_t delay_slots(const struct teng_plan *plan, uint32_t tx_queue)
{
	uint32_t d = plan->impair.delay_us + plan->impair.jitter_us;
	if (d == 0)
		return 0;
	return 2 * tx_queue + (d < DELAY_SLOTS_US ? d : DELAY_SLOTS_US);
}

void impair_size(const struct teng_plan *plan, uint32_t tx_queue, uint32_t ntcb, uint64_t *mbufs,
		 uint64_t *bytes)
{
	if (!impair_on(&plan->impair))
		return;
	uint32_t d = delay_slots(plan, tx_queue);
	*mbufs += d + IMPAIR_REORDER_SLOTS;
	*bytes += sizeof(struct impair) + (uint64_t)d * sizeof(struct impair_frame) +
		  (uint64_t)ntcb * sizeof(uint16_t);
}

int impair_init(struct worker *w, const struct teng_plan *plan, uint32_t tx_queue,
		uint32_t ntcb)
{
	w->imp = NULL;
	if (!impair_on(&plan->impair))
		return 0;
	uint32_t cap = delay_slots(plan, tx_queue);
	struct impair *im = numa_zalloc("teng_impair",
					sizeof(*im) + cap * sizeof(struct impair_frame), w->socket);
	if (im == NULL)
		return -1;
	impair_cfg_of(&im->cfg, &plan->impair);
	im->rng = impair_seed(plan->impair.seed, w->index);
	im->nsent = numa_zalloc("teng_impair_n", (size_t)ntcb * sizeof(uint16_t) + 2, w->socket);
	if (im->nsent == NULL) {
		rte_free(im);
		return -1;
	}
	im->delayed = cap > 0;
	im->cap = cap;
	im->press = cap - cap / 4;
	w->imp = im;
	return 0;
}

void impair_discard(struct worker *w)
{
	struct impair *im = w->imp;
	if (im == NULL)
		return;
	for (uint32_t i = 0; i < im->n; i++)
		rte_pktmbuf_free(im->heap[i].m);
	for (uint32_t i = 0; i < im->nro; i++)
		rte_pktmbuf_free(im->ro[i].m);
	im->n = im->nro = 0;
}

void impair_fini(struct worker *w)
{
	impair_discard(w);
	if (w->imp)
		rte_free(w->imp->nsent);
	rte_free(w->imp);
	w->imp = NULL;
}

int impair_pressed(const struct worker *w)
{
	return w->imp->n >= w->imp->press && w->imp->delayed;
}

uint32_t impair_held(const struct worker *w)
{
	return w->imp->n + w->imp->nro;
}

/* ---- the delay queue: a min-heap on (due_us, seq) ---- */

static inline int frame_before(const struct impair_frame *a, const struct impair_frame *b)
{
	int32_t d = (int32_t)(a->due_us - b->due_us);
	return d < 0 || (d == 0 && (int32_t)(a->seq - b->seq) < 0);
}

static void heap_push(struct impair *im, const struct impair_frame *f)
{
	uint32_t i = im->n++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!frame_before(f, &im->heap[up]))
			break;
		im->heap[i] = im->heap[up];
		i = up;
	}
	im->heap[i] = *f;
}

static struct impair_frame heap_pop(struct impair *im)
{
	struct impair_frame top = im->heap[0];
	struct impair_frame last = im->heap[--im->n];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= im->n)
			break;
		if (c + 1 < im->n && frame_before(&im->heap[c + 1], &im->heap[c]))
			c++;
		if (!frame_before(&im->heap[c], &last))
			break;
		im->heap[i] = im->heap[c];
		i = c;
	}
	if (im->n)
		im->heap[i] = last;
	return top;
}

/* ---- reordering ---- */

/* Send held frame i and close the gap (oldest first stays). */
static void ro_release(struct worker *w, uint32_t i)
{
	struct impair *im = w->imp;
	tx_ring_push(w, im->ro[i].slot, im->ro[i].m);
	memmove(&im->ro[i], &im->ro[i + 1], (im->nro - i - 1) * sizeof(im->ro[0]));
	im->nro--;
}

/* A frame of flow goes out on slot; frames of the same flow held there
 * that it was the last of their IMPAIR_REORDER_AFTER to wait for go
 * right behind it. Only the flow's own frames count: how other
 * connections' frames interleave varies with timing, a connection's own
 * order does not. */
static void out(struct worker *w, uint8_t slot, struct rte_mbuf *m, uint32_t flow)
{
	struct impair *im = w->imp;
	tx_ring_push(w, slot, m);
	for (uint32_t i = 0; i < im->nro;) {
		struct impair_frame *f = &im->ro[i];
		if (f->slot == slot && f->flow == flow && --f->left == 0)
			ro_release(w, i);
		else
			i++;
	}
}

/* After its delay: held back, or out. */
static void hand(struct worker *w, uint8_t slot, struct rte_mbuf *m, int reorder,
		 uint32_t flow)
{
	struct impair *im = w->imp;
	if (!reorder) {
		out(w, slot, m, flow);
		return;
	}
	if (im->nro == IMPAIR_REORDER_SLOTS)
		ro_release(w, 0);
	struct impair_frame *f = &im->ro[im->nro++];
	f->m = m;
	f->slot = slot;
	f->left = IMPAIR_REORDER_AFTER;
	f->flow = flow;
	f->due_us = w->now_us + IMPAIR_REORDER_US;
}

static void stage(struct worker *w, uint8_t slot, struct rte_mbuf *m, int reorder,
		  uint32_t delay_us, uint32_t flow)
{
	struct impair *im = w->imp;
	if (!im->delayed) {
		hand(w, slot, m, reorder, flow);
		return;
	}
	if (unlikely(im->n == im->cap)) {
		w->ctr->impair_delay_full++;
		hand(w, slot, m, reorder, flow);
		return;
	}
	struct impair_frame f = {
		.m = m, .due_us = w->now_us + delay_us, .seq = im->seq++,
		.slot = slot, .reorder = (uint8_t)reorder, .flow = flow,
	};
	heap_push(im, &f);
	w->ctr->impair_delayed++;
}

void impair_mark(struct worker *w, const struct tcb *t)
{
	struct impair *im = w->imp;
	uint32_t n = im->nsent[tcb_id(w, t)]++;
	uint64_t key = impair_key(im->rng, t->role, t->lip, t->rip, t->lport, t->rport, n) | 1;
	/* Decided here already: a frame that is neither lost, copied nor
	 * held, with nothing held that it would pass (out), goes straight
	 * into the ring (tx_push, w->imp_pass). impair_tx decides the others
	 * again from the same key, so the same frames meet the same fate. */
	if (!im->delayed && im->nro == 0) {
		uint64_t k = key;
		uint32_t delay_us;
		if (impair_decide(&k, &im->cfg, &delay_us) == 0) {
			w->imp_pass = 1;
			im->key = 0;
			return;
		}
	}
	im->key = key;
}

void impair_prefetch(struct worker *w, uint32_t id)
{
	rte_prefetch0(&w->imp->nsent[id]);
}

void impair_reset(struct worker *w, uint32_t id)
{
	w->imp->nsent[id] = 0;
}

/* The IPv4 header of a TCP frame, else NULL. */
static inline const struct rte_ipv4_hdr *tcp_ip(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + 20)
		return NULL;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	return ip->next_proto_id == IPPROTO_TCP ? ip : NULL;
}

/* One direction of one connection, as a number (collisions only make
 * two flows' frames count for each other's reordering). */
static inline uint32_t flow_of(const struct rte_ipv4_hdr *ip)
{
	const struct rte_tcp_hdr *th =
		(const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	uint64_t k = ((uint64_t)ip->src_addr << 32 | ip->dst_addr) * 0x9E3779B97F4A7C15ull;
	k ^= ((uint64_t)th->src_port << 16 | th->dst_port) * 0xC2B2AE3D27D4EB4Full;
	return (uint32_t)(k >> 32);
}

/* A frame no connection marked (a TIME_WAIT entry's ACK, a reset, a
 * SYN cookie): keyed by its tuple and flags (impair_own_base), and
 * numbered per tuple in a table (a hash of the tuple picks the
 * counter), so that a repeated answer (the ACK of each retransmitted
 * FIN) is decided anew each time. */
static uint64_t own_key(struct impair *im, const struct rte_ipv4_hdr *ip)
{
	const struct rte_tcp_hdr *th =
		(const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	uint64_t base = impair_own_base(im->rng, ip->src_addr, ip->dst_addr, th->src_port,
					th->dst_port, th->tcp_flags);
	uint32_t n = im->own_n[impair_own_slot(base, IMPAIR_OWN_SLOTS)]++;
	return impair_own_key(base, n);
}

void impair_tx(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct impair *im = w->imp;
	uint64_t key = im->key;
	im->key = 0;
	const struct rte_ipv4_hdr *ip = tcp_ip(m);
	if (ip == NULL) { /* ARP, ICMP: never impaired */
		tx_ring_push(w, slot, m);
		return;
	}
	if (key == 0)
		key = own_key(im, ip);
	uint32_t delay_us;
	uint32_t f = impair_decide(&key, &im->cfg, &delay_us);
	if (f & IMPAIR_LOSE) {
		w->ctr->impair_lost++;
		mbuf_free(w, m);
		return;
	}
	struct rte_mbuf *d = NULL;
	if (f & IMPAIR_DUP) {
		d = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (d) /* none when the pool is empty: then not sent twice */
			w->ctr->impair_dup++;
	}
	int reorder = (f & IMPAIR_REORDER) != 0;
	if (reorder)
		w->ctr->impair_reordered++;
	/* Only held-back frames count a flow's frames (out): without
	 * reordering none is ever held. */
	uint32_t flow = im->cfg.reorder_thr ? flow_of(ip) : 0;
	stage(w, slot, m, reorder, delay_us, flow);
	if (d)
		stage(w, slot, d, reorder, delay_us, flow);
}

void impair_flush(struct worker *w)
{
	struct impair *im = w->imp;
	uint32_t now = w->now_us;
	while (im->n && (int32_t)(now - im->heap[0].due_us) >= 0) {
		struct impair_frame f = heap_pop(im);
		hand(w, f.slot, f.m, f.reorder, f.flow);
	}
	for (uint32_t i = 0; i < im->nro;) {
		if ((int32_t)(now - im->ro[i].due_us) >= 0)
			ro_release(w, i);
		else
			i++;
	}
}
