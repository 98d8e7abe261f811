/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded impairment of what teng transmits (--impair, scenario impair =
 * {...}): loss, duplication, reordering, delay and jitter of TCP
 * segments, on any port (the loopback included). ARP and ICMP frames
 * are never impaired, so bring-up and pings work under any setting.
 *
 * The decision engine (impair_decide) is pure: a frame's fate depends
 * only on the seed, the core's index and the frame's identity: which
 * connection sent it (its role and four-tuple) and how many frames that
 * connection had sent before it (impair_key). It does not depend on how
 * the connections' frames interleave, which varies with timing, so the
 * same seed gives the same decisions for the same connections run after
 * run, at any rate. The rest is the per-core machinery that acts on them
 * (impair.c).
 */
#ifndef TENG_IMPAIR_H
#define TENG_IMPAIR_H

#include <stdint.h>

#include "teng/plan.h"

/* A held-back frame goes out after this many later frames of its flow
 * (its connection's direction), or after IMPAIR_REORDER_US, whichever
 * comes first. Three is what makes a receiver send three duplicate ACKs
 * (fast retransmit). */
#define IMPAIR_REORDER_AFTER 3
#define IMPAIR_REORDER_US 1000
#define IMPAIR_REORDER_SLOTS 64 /* frames held back at once, per core */

enum {
	IMPAIR_LOSE = 1,    /* free the frame */
	IMPAIR_DUP = 2,     /* send it twice */
	IMPAIR_REORDER = 4, /* hold it back behind later frames */
};

/* What the decisions compare against: a probability p as p * 2^32. */
struct impair_cfg {
	uint64_t loss_thr, dup_thr, reorder_thr;
	uint32_t delay_us, jitter_us;
};

/* 1 when the plan asks for any impairment. */
static inline int impair_on(const struct teng_impair *im)
{
	return im->loss_ppm || im->dup_ppm || im->reorder_ppm || im->delay_us ||
	       im->jitter_us;
}

static inline uint64_t impair_thr(uint32_t ppm)
{
	if (ppm >= 1000000)
		return 1ull << 32;
	return ((uint64_t)ppm << 32) / 1000000;
}

static inline void impair_cfg_of(struct impair_cfg *c, const struct teng_impair *im)
{
	c->loss_thr = impair_thr(im->loss_ppm);
	c->dup_thr = impair_thr(im->dup_ppm);
	c->reorder_thr = impair_thr(im->reorder_ppm);
	c->delay_us = im->delay_us;
	c->jitter_us = im->jitter_us;
}

/* The state of core `index`'s decisions under `seed`. */
static inline uint64_t impair_seed(uint64_t seed, uint32_t index)
{
	return seed * 0xD1B54A32D192ED03ull ^ ((uint64_t)index + 1) * 0x9E3779B97F4A7C15ull;
}

/* A frame's identity under a core's seed state: the sender's role and
 * four-tuple (as on the wire) and its frame number within the
 * connection. Distinct identities give independent decisions. */
static inline uint64_t impair_key(uint64_t core_seed, uint32_t role, uint32_t lip,
				  uint32_t rip, uint16_t lport, uint16_t rport, uint32_t n)
{
	uint64_t k = core_seed;
	k ^= ((uint64_t)lip << 32 | rip) * 0xC2B2AE3D27D4EB4Full;
	k = (k ^ (k >> 29)) * 0xBF58476D1CE4E5B9ull;
	k ^= ((uint64_t)lport << 48 | (uint64_t)rport << 32 | (uint64_t)role << 31 | (n & 0x7fffffffu)) *
	     0x165667B19E3779F9ull;
	return k;
}

/* A frame no connection marked (impair.c numbers them per tuple): the
 * base of its tuple and TCP flags, which also picks the tuple's counter
 * (impair_own_slot), and the key of the n-th such frame from it. */
static inline uint64_t impair_own_base(uint64_t core_seed, uint32_t sip, uint32_t dip,
				       uint16_t sport, uint16_t dport, uint8_t flags)
{
	return impair_key(core_seed, 1, sip, dip, sport, dport, 0x40000000u | flags);
}

static inline uint32_t impair_own_slot(uint64_t base, uint32_t slots)
{
	return (uint32_t)(base >> 40) & (slots - 1); /* slots: a power of two */
}

static inline uint64_t impair_own_key(uint64_t base, uint32_t n)
{
	return impair_key(base, 0, 0, 0, 0, 0, n) | 1;
}

/* splitmix64: a counter through a mixer, so a frame takes the same
 * steps whatever was decided before it (one, or two when reordering or
 * jitter is asked: impair_decide). */
static inline uint64_t impair_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* One frame's fate, from its key (impair_key) or a stream state (the
 * unit tests): IMPAIR_* flags, and its delay in *delay_us (the
 * fixed delay plus a uniform 0..jitter). A lost frame is only lost. */
static inline uint32_t impair_decide(uint64_t *s, const struct impair_cfg *c,
				     uint32_t *delay_us)
{
	uint64_t a = impair_next(s);
	uint32_t f = 0;
	*delay_us = c->delay_us;
	if ((uint32_t)a < c->loss_thr)
		return IMPAIR_LOSE;
	if ((a >> 32) < c->dup_thr)
		f |= IMPAIR_DUP;
	if (c->reorder_thr == 0 && c->jitter_us == 0)
		return f; /* the second draw would decide nothing */
	uint64_t b = impair_next(s);
	if ((uint32_t)b < c->reorder_thr)
		f |= IMPAIR_REORDER;
	if (c->jitter_us)
		*delay_us += (uint32_t)(((b >> 32) * ((uint64_t)c->jitter_us + 1)) >> 32);
	return f;
}

/* The per-core machinery (impair.c). */
struct worker;
struct rte_mbuf;

/* Adds the mbufs and table bytes a core needs for the frames it holds
 * back (worker_sizes); nothing when the plan asks for no impairment. */
void impair_size(const struct teng_plan *plan, uint32_t tx_queue, uint32_t ntcb, uint64_t *mbufs,
		 uint64_t *bytes);
/* Sets w->imp when the plan asks for impairment; 0, or -1 (no memory). */
int impair_init(struct worker *w, const struct teng_plan *plan, uint32_t tx_queue,
		uint32_t ntcb);
/* Frees what is still held, then the state. */
void impair_fini(struct worker *w);
/* The next frame impair_tx sees is connection t's next one (seg_send,
 * when w->imp is set): its key is t's role, tuple and frame number. A
 * frame not so marked (a reset answering a stray segment, a SYN
 * cookie) is keyed by its own tuple and flags. When its fate is to go
 * out untouched, it sets w->imp_pass and tx_push skips impair_tx. */
struct tcb;
void impair_mark(struct worker *w, const struct tcb *t);
/* Connection id is about to be worked on (its TCB is prefetched): its
 * frame count too. */
void impair_prefetch(struct worker *w, uint32_t id);
/* TCB id starts a new connection: its frame numbers restart at 0. */
void impair_reset(struct worker *w, uint32_t id);
/* tx_push's path when w->imp is set: decide, then drop, hold or send. */
void impair_tx(struct worker *w, uint8_t slot, struct rte_mbuf *m);
/* Once per loop iteration (worker_tx_flush): send what is due. */
void impair_flush(struct worker *w);
/* 1 when the delay queue is filling: openings and timers should wait. */
int impair_pressed(const struct worker *w);
/* The frames it holds (delay queue and reordering): mbufs the emulated
 * network has in flight, not a backlog of the worker's own. */
uint32_t impair_held(const struct worker *w);
/* Free every held frame (end of the run). */
void impair_discard(struct worker *w);

#endif
