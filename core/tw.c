/* SPDX-License-Identifier: BSD-3-Clause */
/* TIME_WAIT in a compact per-core table (tw.h). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "hdr.h"
#include "mbuf.h"
#include "seq.h"
#include "tcp.h"
#include "tw.h"

/* ---- the table ---- */

uint32_t tw_size(uint32_t time_wait_ms, double rate_per_core, uint64_t tcbs)
{
	if (time_wait_ms == 0)
		return 0;
	double want = tcbs / 2.0;
	double by_rate = rate_per_core * (time_wait_ms / 1000.0) * 1.25;
	if (by_rate > want)
		want = by_rate;
	if (want > TW_MAX)
		want = TW_MAX;
	uint32_t cap = 64;
	while (cap < want)
		cap <<= 1; /* a power of two: the ring's index is a mask */
	return cap;
}

uint64_t tw_bytes(uint32_t cap)
{
	uint64_t buckets = cap / TW_ENTRIES_PER_BUCKET;
	return (uint64_t)cap * sizeof(struct tw_entry) + buckets * TW_BUCKET_WORDS * sizeof(uint32_t);
}

int tw_init(struct tw_table *tt, uint32_t cap, uint32_t ms, tw_alloc_fn alloc, int socket)
{
	memset(tt, 0, sizeof(*tt));
	if (cap == 0)
		return 0;
	if ((cap & (cap - 1)) || cap < 64 || cap > TW_MAX)
		return -1;
	uint32_t nb = cap / TW_ENTRIES_PER_BUCKET;
	tt->e = alloc(cap, sizeof(struct tw_entry), socket);
	tt->bucket = alloc((size_t)nb * TW_BUCKET_WORDS, sizeof(uint32_t), socket);
	if (tt->e == NULL || tt->bucket == NULL)
		return -1;
	memset(tt->bucket, 0, sizeof(uint32_t) * nb * TW_BUCKET_WORDS);
	for (uint32_t i = 0; i < cap; i++)
		tt->e[i].role = TW_FREE;
	tt->cap = cap;
	tt->bucket_mask = nb - 1;
	tt->ms = ms;
	return 0;
}

void tw_fini(struct tw_table *tt, void (*release)(void *))
{
	if (tt->e) {
		release(tt->e);
		release(tt->bucket);
	}
	memset(tt, 0, sizeof(*tt));
}

/* A slot: the tag (the hash's top 12 bits, never 0) over the index; 0 is
 * an empty slot. The bucket takes the hash's low bits (at most 18). */
#define IDX_MASK (TW_MAX - 1)
static inline uint32_t tag_of(uint32_t h)
{
	uint32_t t = h & ~IDX_MASK;
	return t ? t : 1u << TW_IDX_BITS;
}

static inline uint32_t *bucket_at(struct tw_table *tt, uint32_t h)
{
	return (uint32_t *)tw_bucket(tt, h);
}

/* An entry goes before its time: for one hold, a FIN for no connection
 * gets the ACK it would have had (tw_evicted_fin). */
static inline void evicting(struct tw_table *tt, uint32_t now)
{
	tt->evicting = 1;
	tt->evict_end = now + tt->ms;
}

static inline uint32_t entry_hash(const struct tw_entry *e)
{
	return conn_hash4(e->rip, e->rport, e->lip, e->lport);
}

/* How many buckets from home a search reads: the next ones only when an
 * entry of home overflowed into them (its 16th word). */
static inline uint32_t probes(const uint32_t *home)
{
	return home[TW_BUCKET_SLOTS] ? TW_PROBE : 1;
}

/* Put server entry i (hash h) into the first free slot of its bucket or
 * of the TW_PROBE - 1 after it. 0, or -1 when all are full. */
static int slot_put(struct tw_table *tt, uint32_t h, uint32_t i)
{
	uint32_t v = tag_of(h) | i;
	for (uint32_t k = 0; k < TW_PROBE; k++) {
		uint32_t *bk = bucket_at(tt, h + k);
		for (uint32_t s = 0; s < TW_BUCKET_SLOTS; s++)
			if (bk[s] == 0) {
				bk[s] = v;
				if (k)
					bucket_at(tt, h)[TW_BUCKET_SLOTS]++;
				return 0;
			}
	}
	return -1;
}

/* Take server entry i (hash h) out of its slot, if it has one. */
static void slot_drop(struct tw_table *tt, uint32_t h, uint32_t i)
{
	uint32_t v = tag_of(h) | i;
	uint32_t *home = bucket_at(tt, h);
	for (uint32_t k = 0, n = probes(home); k < n; k++) {
		uint32_t *bk = bucket_at(tt, h + k);
		for (uint32_t s = 0; s < TW_BUCKET_SLOTS; s++)
			if (bk[s] == v) {
				bk[s] = 0;
				if (k)
					home[TW_BUCKET_SLOTS]--;
				return;
			}
	}
}

/* The bucket of the entry TW_PREFETCH_AHEAD places from the tail: it is
 * the next to go (evicted or swept), and its removal reads that bucket,
 * a miss in a large table. */
#define TW_PREFETCH_AHEAD 8
static inline void prefetch_tail(struct tw_table *tt)
{
	const struct tw_entry *e = &tt->e[(tt->tail + TW_PREFETCH_AHEAD) & (tt->cap - 1)];
	if (e->role == ROLE_SERVER)
		rte_prefetch0(tw_bucket(tt, entry_hash(e)));
}

void tw_remove(struct tw_table *tt, struct conn_table *ct, uint32_t i)
{
	struct tw_entry *e = &tt->e[i];
	if (e->role == TW_FREE)
		return;
	if (e->role == ROLE_SERVER) {
		slot_drop(tt, entry_hash(e), i);
		tt->hashed--;
	} else if (conn_tuple_get(ct, e->tuple) == (TW_TAG | i)) {
		conn_tuple_set(ct, e->tuple, TCB_NIL);
	}
	e->role = TW_FREE;
	tt->live--;
}

/* The tail past holes. */
static inline void skip_holes(struct tw_table *tt)
{
	while (tt->tail != tt->head && tt->e[tt->tail & (tt->cap - 1)].role == TW_FREE)
		tt->tail++;
}

uint32_t tw_add(struct tw_table *tt, struct conn_table *ct, const struct tw_entry *src,
		uint32_t now, int *evicted)
{
	*evicted = 0;
	skip_holes(tt);
	if (tt->head - tt->tail == tt->cap) {
		/* full: the oldest goes before its time */
		tw_remove(tt, ct, tt->tail & (tt->cap - 1));
		tt->tail++;
		*evicted = 1;
		evicting(tt, now);
	}
	prefetch_tail(tt);
	uint32_t i = tt->head & (tt->cap - 1);
	if (src->role == ROLE_SERVER) {
		if (unlikely(slot_put(tt, entry_hash(src), i) < 0)) {
			/* no slot: not kept, as if evicted at once */
			*evicted = 1;
			evicting(tt, now);
			return TW_NIL;
		}
		tt->hashed++;
	} else {
		conn_tuple_set(ct, src->tuple, TW_TAG | i);
	}
	tt->head++;
	struct tw_entry *e = &tt->e[i];
	*e = *src;
	e->expire = now + tt->ms;
	tt->live++;
	return i;
}

uint32_t tw_restart(struct tw_table *tt, struct conn_table *ct, uint32_t i, uint32_t now)
{
	if (i == ((tt->head - 1) & (tt->cap - 1))) { /* the newest already */
		tt->e[i].expire = now + tt->ms;
		return i;
	}
	struct tw_entry e = tt->e[i];
	int evicted;
	tw_remove(tt, ct, i);
	return tw_add(tt, ct, &e, now, &evicted);
}

int tw_expired(struct tw_table *tt, struct conn_table *ct, uint32_t i, uint32_t now)
{
	if (tt->e[i].role == TW_FREE)
		return 1;
	if (SEQ_LT(now, tt->e[i].expire))
		return 0;
	tw_remove(tt, ct, i);
	return 1;
}

uint32_t tw_lookup(struct tw_table *tt, struct conn_table *ct, uint32_t h, uint32_t rip,
		   uint16_t rport, uint32_t lip, uint16_t lport, uint32_t now)
{
	if (tt->hashed == 0)
		return TW_NIL;
	uint32_t tag = tag_of(h);
	for (uint32_t k = 0, n = probes(tw_bucket(tt, h)); k < n; k++) {
		const uint32_t *bk = tw_bucket(tt, h + k);
		for (uint32_t s = 0; s < TW_BUCKET_SLOTS; s++) {
			if ((bk[s] & ~IDX_MASK) != tag)
				continue;
			uint32_t i = bk[s] & IDX_MASK;
			const struct tw_entry *e = &tt->e[i];
			if (e->rip == rip && e->lip == lip && e->rport == rport && e->lport == lport)
				return tw_expired(tt, ct, i, now) ? TW_NIL : i;
		}
	}
	return TW_NIL;
}

uint32_t tw_sweep(struct tw_table *tt, struct conn_table *ct, uint32_t now, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t steps = 0; steps < max && tt->tail != tt->head; steps++) {
		uint32_t i = tt->tail & (tt->cap - 1);
		if (tt->e[i].role != TW_FREE) {
			if (SEQ_LT(now, tt->e[i].expire))
				break; /* the rest are younger */
			tw_remove(tt, ct, i);
			n++;
		}
		tt->tail++;
	}
	return n;
}

/* ---- on the worker ---- */

void tw_entry_of(struct tw_entry *e, const struct tcb *t, uint8_t slot)
{
	memset(e, 0, sizeof(*e));
	e->lip = t->lip;
	e->rip = t->rip;
	e->lport = t->lport;
	e->rport = t->rport;
	e->snd_nxt = t->snd_nxt;
	e->rcv_nxt = t->rcv_nxt;
	e->role = t->role;
	e->wscale = t->rcv_wscale;
	e->slot = slot;
	e->tuple = t->role == ROLE_CLIENT ? t->tuple : TW_NIL;
}

void tw_enter(struct worker *w, const struct tw_entry *e)
{
	int evicted;
	tw_add(&w->timewait, &w->ct, e, w->now_ms, &evicted);
	if (evicted)
		w->ctr->tw_evicted++;
}

/* The ACK of a connection in TIME_WAIT, to the segment's sender. */
static void tw_send_ack(struct worker *w, const struct seg *s, const struct tw_entry *e)
{
	struct hdr_fields f;
	f.dst = &s->eth->src_addr;
	f.src = &w->port[s->slot].mac;
	f.sip = e->lip;
	f.dip = e->rip;
	f.sport = e->lport;
	f.dport = e->rport;
	f.seq = rte_cpu_to_be_32(e->snd_nxt);
	f.ack = rte_cpu_to_be_32(e->rcv_nxt);
	f.id = rte_cpu_to_be_16(w->ip_id++);
	uint32_t wnd = (w->rcv_wnd + (1u << e->wscale) - 1) >> e->wscale;
	f.win = rte_cpu_to_be_16((uint16_t)(wnd > 0xffff ? 0xffff : wnd));
	f.flags = TH_ACK;
	f.optlen = 0;
	f.len = 0;
	struct rte_mbuf *m = mbuf_alloc(w);
	if (unlikely(m == NULL)) {
		w->ctr->drops_tx_full++;
		return;
	}
	m->data_len = m->pkt_len = HDR_TCP_OFF + 20;
	struct rte_tcp_hdr *th = hdr_write(rte_pktmbuf_mtod(m, uint8_t *), &f);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)th - 1;
	if (w->port[s->slot].tx_csum) {
		th->cksum = hdr_phdr_csum(&f);
		m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, 20, 20, 0, 0, 0, 0);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	} else {
		ip->hdr_checksum = hdr_ip_csum(&f);
		th->cksum = hdr_tcp_csum(&f, th);
	}
	tx_push(w, s->slot, m);
}

/*
 * A segment in TIME_WAIT (RFC 9293 3.10.7.4, as Linux's
 * tcp_timewait_state_process does):
 * - RST at exactly RCV.NXT ends the wait; any other RST is dropped (RFC
 *   5961 3.2: a blind RST does not shorten it).
 * - SYN to a server tuple with a sequence number above RCV.NXT is a new
 *   incarnation (RFC 9293 3.6.1, RFC 6191 without timestamps): the entry
 *   goes and the SYN is accepted as for no connection. Any other SYN,
 *   and a SYN to a client tuple (we do not listen there), is answered
 *   with an ACK (RFC 5961 4.2).
 * - The peer's FIN again (our last ACK was lost): ACKed, the wait
 *   starts again (RFC 9293 3.10.7.4, TIME-WAIT).
 * - Data or another FIN: ACKed. A bare ACK, or anything without ACK:
 *   dropped (answering ACKs could make the two ends loop).
 */
int tw_input(struct worker *w, const struct seg *s, uint32_t i)
{
	struct tw_table *tt = &w->timewait;
	if (i >= tt->cap)
		return 0;
	struct tw_entry *e = &tt->e[i];
	if (e->role == TW_FREE || e->rip != s->ip->src_addr || e->rport != s->th->src_port ||
	    e->lip != s->ip->dst_addr || e->lport != s->th->dst_port)
		return 0;
	if (tw_expired(tt, &w->ct, i, w->now_ms))
		return 0;
	uint8_t f = s->flags;
	if (f & TH_RST) {
		if (s->seq == e->rcv_nxt) {
			w->ctr->rst_rx++;
			tw_remove(tt, &w->ct, i);
		}
		return 1;
	}
	if (f & TH_SYN) {
		if (!(f & TH_ACK) && e->role == ROLE_SERVER && SEQ_GT(s->seq, e->rcv_nxt)) {
			tw_remove(tt, &w->ct, i);
			return 0;
		}
		tw_send_ack(w, s, e);
		return 1;
	}
	if (!(f & TH_ACK))
		return 1;
	if (f & TH_FIN) {
		if (s->seq + s->len + 1 == e->rcv_nxt) {
			struct tw_entry was = *e;
			uint32_t n = tw_restart(tt, &w->ct, i, w->now_ms);
			/* not kept (tw_add): answered all the same */
			tw_send_ack(w, s, n == TW_NIL ? &was : &tt->e[n]);
			return 1;
		}
		tw_send_ack(w, s, e);
		return 1;
	}
	if (s->len)
		tw_send_ack(w, s, e);
	return 1;
}

int tw_evicted_fin(struct worker *w, const struct seg *s)
{
	struct tw_table *tt = &w->timewait;
	if (!tt->evicting)
		return 0;
	if (!SEQ_LT(w->now_ms, tt->evict_end)) {
		tt->evicting = 0;
		return 0;
	}
	if ((s->flags & (TH_SYN | TH_RST | TH_ACK | TH_FIN)) != (TH_ACK | TH_FIN))
		return 0;
	/* What the entry held: our FIN + 1 is what the peer acknowledges
	 * (its FIN can only come after ours was: we closed first), and we
	 * acknowledge its FIN. The window is sent unscaled, capped. */
	struct tw_entry e;
	memset(&e, 0, sizeof(e));
	e.lip = s->ip->dst_addr;
	e.rip = s->ip->src_addr;
	e.lport = s->th->dst_port;
	e.rport = s->th->src_port;
	e.snd_nxt = s->ack;
	e.rcv_nxt = s->seq + s->len + 1;
	w->ctr->tw_evicted_acks++;
	tw_send_ack(w, s, &e);
	return 1;
}

int tw_tuple_usable(struct worker *w, uint32_t v)
{
	if (v == TCB_NIL)
		return 1;
	if (!tw_tagged(v))
		return 0; /* a live connection */
	uint32_t i = v & ~TW_TAG;
	if (tw_expired(&w->timewait, &w->ct, i, w->now_ms))
		return 1;
	struct tw_entry *e = tw_entry(&w->timewait, i);
	if (!e->refused) {
		e->refused = 1;
		w->ctr->tw_reuse_refused++;
	}
	return 0;
}

void tw_tick(struct worker *w)
{
	if (w->timewait.live)
		tw_sweep(&w->timewait, &w->ct, w->now_ms, TW_SWEEP);
}
