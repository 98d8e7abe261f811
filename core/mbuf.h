/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mbufs of the per-packet path, taken from and given back to the
 * worker's own cache of its pool (the mempool's per-lcore cache, as
 * rte_pktmbuf_alloc and rte_pktmbuf_free use it) inline, in the same
 * last-in first-out order: the frame just freed is the next one built,
 * still in the cache. Only when that cache is empty or at its flush
 * threshold, or the mbuf is not a plain one of the worker's pool, do
 * DPDK's functions run. A worker that is not on its lcore yet (unit
 * tests) has an empty cache of threshold 0 (mbuf_no_cache): always
 * DPDK's functions.
 */
#ifndef TENG_MBUF_H
#define TENG_MBUF_H

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "worker.h"

extern struct rte_mempool_cache mbuf_no_cache;

/* On the worker's lcore, before the loop. */
static inline void mbuf_cache_bind(struct worker *w)
{
	struct rte_mempool_cache *c = rte_mempool_default_cache(w->pool, rte_lcore_id());
	w->mcache = c != NULL ? c : &mbuf_no_cache;
}

static inline struct rte_mbuf *mbuf_alloc(struct worker *w)
{
	struct rte_mempool_cache *c = w->mcache;
	if (likely(c->len > 0)) {
		struct rte_mbuf *m = (struct rte_mbuf *)c->objs[--c->len];
		rte_pktmbuf_reset(m);
		return m;
	}
	return rte_pktmbuf_alloc(w->pool);
}

static inline void mbuf_free(struct worker *w, struct rte_mbuf *m)
{
	struct rte_mempool_cache *c = w->mcache;
	/* what rte_pktmbuf_prefree_seg lets go as it is */
	if (likely(c->len < c->flushthresh && m->pool == w->pool &&
		   rte_mbuf_refcnt_read(m) == 1 && m->next == NULL && RTE_MBUF_DIRECT(m))) {
		c->objs[c->len++] = m;
		return;
	}
	rte_pktmbuf_free(m);
}

#endif
