/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transmit path: segments queue per port in a ring (2^k entries,
 * free-running head and tail, no memmove) and go to the device in
 * bursts. A segment teng built is never dropped here:
 *
 *  - what the device does not take now stays in the ring for the next
 *    try (the loop flushes every iteration, and whenever TX_BURST wait);
 *  - when the ring is full, it is flushed; if it is still full, the
 *    segment is held behind it in a list chained through the mbufs
 *    themselves (m->next, unused by a one-segment mbuf), so holding
 *    needs no memory of its own and is bounded by the mbuf pool;
 *  - the ring is sized (worker_sizes) so that holding is the exception:
 *    new connections and timer work stop at tx_limit (worker_pressure),
 *    and what is above the limit is what one loop iteration's receive
 *    bursts, one timer round and one opening burst make (see
 *    worker_sizes for the figure). Each held segment counts in tx_waits.
 *
 * Receiving never waits on transmitting: on the loopback one worker is
 * both ends, so it keeps polling while its segments wait.
 *
 * With --impair, tx_push hands each frame to impair.c, which drops,
 * holds or duplicates it and puts what goes out into the ring with
 * tx_ring_push (a connection's frame that impair_mark found is to go
 * out untouched goes into the ring here); without, the one test of
 * w->imp is all it costs.
 */
#include <string.h>

#include <rte_ethdev.h>

#include "impair.h"
#include "port.h"
#include "tcp.h"

/* Move held segments into the ring while it has room. */
static void hold_to_ring(struct worker_port *p)
{
	while (p->hold_head && p->tx_tail - p->tx_head <= p->tx_mask) {
		struct rte_mbuf *m = p->hold_head;
		p->hold_head = m->next;
		m->next = NULL;
		p->nhold--;
		p->txq[p->tx_tail++ & p->tx_mask] = m;
	}
	if (p->hold_head == NULL)
		p->hold_tail = NULL;
}

static void tx_send(struct worker_port *p)
{
	/* memif: the driver unmaps its rings once the peer is gone, which
	 * may happen between the loop's link check and this send (a peer
	 * that ends first while we flush resets): ask again right here. */
	if (unlikely(p->watch_link) && !p->link_down)
		p->link_down = !port_link_up(p->dev);
	if (unlikely(p->link_down))
		return; /* held until the link is back or the run ends */
	for (;;) {
		uint32_t queued = p->tx_tail - p->tx_head;
		if (queued == 0)
			break;
		/* The part up to the ring's end in one burst; a wrapped
		 * rest goes in the next turn. */
		uint32_t i = p->tx_head & p->tx_mask;
		uint32_t n = p->tx_mask + 1 - i;
		if (n > queued)
			n = queued;
		if (n > 0xffff)
			n = 0xffff;
		uint16_t sent = rte_eth_tx_burst(p->dev, p->queue, &p->txq[i], (uint16_t)n);
		if (unlikely(p->watch_link))
			port_count_burst(&p->dev_opackets, &p->dev_obytes, &p->txq[i], sent);
		p->tx_head += sent;
		if (p->nhold)
			hold_to_ring(p);
		if (sent < n)
			break; /* the device is busy: the rest waits */
	}
}

static __rte_always_inline void ring_push(struct worker *w, uint8_t slot,
					       struct rte_mbuf *m)
{
	struct worker_port *p = &w->port[slot];
	w->ctr->pkts_tx++;
	if (unlikely(p->nhold || p->tx_tail - p->tx_head > p->tx_mask)) {
		/* The device is asked again once a burst more waits, not
		 * for every segment: a full device stays full meanwhile. */
		if ((p->nhold & (TX_BURST - 1)) == 0)
			tx_send(p);
		if (p->nhold || p->tx_tail - p->tx_head > p->tx_mask) {
			/* Still full: hold it, in order, behind the ring. */
			m->next = NULL;
			if (p->hold_tail)
				p->hold_tail->next = m;
			else
				p->hold_head = m;
			p->hold_tail = m;
			p->nhold++;
			w->ctr->tx_waits++;
			return;
		}
	}
	p->txq[p->tx_tail++ & p->tx_mask] = m;
	if (p->tx_tail - p->tx_head >= TX_BURST)
		tx_send(p);
}

void tx_ring_push(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	ring_push(w, slot, m);
}

void tx_push(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	if (unlikely(w->imp != NULL)) {
		if (!w->imp_pass) {
			impair_tx(w, slot, m);
			return;
		}
		w->imp_pass = 0;
	}
	ring_push(w, slot, m);
}

void worker_tx_flush(struct worker *w)
{
	if (unlikely(w->imp != NULL))
		impair_flush(w); /* what is due joins the rings */
	for (uint8_t s = 0; s < w->nports; s++)
		if (tx_backlog(&w->port[s]))
			tx_send(&w->port[s]);
}

/* Free mbufs in the pool, as this worker sees them: the pool's common
 * store plus this lcore's cache (no other lcore takes from it). */
static uint32_t pool_free(const struct worker *w)
{
	uint32_t n = rte_mempool_get_ops(w->pool->ops_index)->get_count(w->pool);
	struct rte_mempool_cache *c = rte_mempool_default_cache(w->pool, rte_lcore_id());
	if (c)
		n += c->len;
	return n;
}

int worker_pressure(struct worker *w)
{
	if (unlikely(w->imp != NULL) && impair_pressed(w))
		return 1;
	for (uint8_t s = 0; s < w->nports; s++)
		if (tx_backlog(&w->port[s]) >= w->tx_limit)
			return 1;
	if (w->pool_reserve == 0)
		return 0;
	uint32_t free = pool_free(w);
	/* In flight: what the worker has sent and not seen back, less what
	 * --impair holds for its delay or reordering (the network's share,
	 * bounded by its own queue: with those counted, the loopback's
	 * LOOPBACK_INFLIGHT capped a delayed run at 256 frames a delay). */
	uint32_t used = w->pool_mbufs - free;
	if (unlikely(w->imp != NULL)) {
		uint32_t held = impair_held(w);
		used = used > held ? used - held : 0;
	}
	return free < w->pool_reserve || used > w->inflight_limit;
}

/* Drop what could not be sent (end of the run), and what impairment
 * still holds back. */
void worker_tx_discard(struct worker *w)
{
	impair_discard(w);
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		for (; p->tx_head != p->tx_tail; p->tx_head++)
			rte_pktmbuf_free(p->txq[p->tx_head & p->tx_mask]);
		while (p->hold_head) {
			struct rte_mbuf *m = p->hold_head;
			p->hold_head = m->next;
			m->next = NULL;
			rte_pktmbuf_free(m);
		}
		p->hold_tail = NULL;
		p->nhold = 0;
	}
}
