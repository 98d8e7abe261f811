/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transmit path: segments queue per port and go to the device in
 * bursts. What the device does not take now stays queued for the next
 * try, so a busy device delays segments instead of losing them.
 */
#include <string.h>

#include <rte_ethdev.h>

#include "tcp.h"

static void tx_send(struct worker *w, struct worker_port *p)
{
	if (unlikely(p->link_down))
		return; /* held; dropped when the queue is full */
	uint16_t n = rte_eth_tx_burst(p->dev, p->queue, p->tx, p->ntx);
	if (n == p->ntx) {
		p->ntx = 0;
		return;
	}
	memmove(p->tx, p->tx + n, sizeof(p->tx[0]) * (p->ntx - n));
	p->ntx = (uint16_t)(p->ntx - n);
}

void tx_push(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct worker_port *p = &w->port[slot];
	if (unlikely(p->ntx == TX_QUEUE)) {
		tx_send(w, p);
		if (p->ntx == TX_QUEUE) {
			w->ctr->drops_tx_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	p->tx[p->ntx++] = m;
	w->ctr->pkts_tx++;
	if (p->ntx >= TX_BURST)
		tx_send(w, p);
}

void worker_tx_flush(struct worker *w)
{
	for (uint8_t s = 0; s < w->nports; s++)
		if (w->port[s].ntx)
			tx_send(w, &w->port[s]);
}

/* Drop what could not be sent (end of the run). */
void worker_tx_discard(struct worker *w)
{
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		if (p->ntx)
			rte_pktmbuf_free_bulk(p->tx, p->ntx);
		p->ntx = 0;
	}
}

