/* SPDX-License-Identifier: BSD-3-Clause */
/* The client tuple space at start-up (tuple.h). */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "tuple.h"

/* The destination a pool's connections go to: its first template's.
 * -1 when the pool goes to two destinations (the table kind needs one
 * destination per tuple), 0 when no template uses it. */
static int pool_dst(const struct teng_plan *plan, uint32_t pool, uint32_t *ip, uint16_t *port)
{
	int found = 0;
	for (uint32_t k = 0; k < plan->ntemplates; k++) {
		const struct teng_template *pt = &plan->templates[k];
		if (pt->pool != pool)
			continue;
		if (!found) {
			*ip = pt->dst_ip;
			*port = pt->dst_port;
			found = 1;
		} else if (pt->dst_ip != *ip || pt->dst_port != *port) {
			return -1;
		}
	}
	return found;
}

/* The table kind for pool i: ask the owner of every tuple. */
static int table_build(struct worker *w, const struct teng_plan *plan, uint32_t i,
		       const struct tuple_mode *mode,
		       void *(*zalloc)(size_t n, size_t size, int socket), char *err,
		       size_t errlen)
{
	struct worker_pool *wp = &w->pools[i];
	uint32_t dip = 0;
	uint16_t dport = 0;
	int d = pool_dst(plan, i, &dip, &dport);
	if (d < 0) {
		snprintf(err, errlen,
			 "client pool %u is used toward two destinations: this steering mode needs one destination per client address range (give each template its own client range)",
			 i);
		return -1;
	}
	if (wp->ntuples > TUPLE_TABLE_MAX) {
		snprintf(err, errlen,
			 "client range too large for this steering mode: %llu address:port pairs (at most %u)",
			 (unsigned long long)wp->ntuples, TUPLE_TABLE_MAX);
		return -1;
	}
	uint32_t n = (uint32_t)wp->ntuples;
	wp->slot_of = zalloc(n ? n : 1, sizeof(uint32_t), w->socket);
	if (wp->slot_of == NULL)
		goto nomem;
	uint32_t mine = 0;
	for (uint32_t t = 0; t < n; t++) {
		uint32_t ip;
		uint16_t port;
		tuple_addr(wp, t, &ip, &port);
		uint16_t q = d ? mode->owner(mode->ctx, ip, port, dip, dport) : UINT16_MAX;
		wp->slot_of[t] = q == w->index ? mine++ : TUPLE_NONE;
	}
	wp->tuples = zalloc(mine ? mine : 1, sizeof(uint32_t), w->socket);
	if (wp->tuples == NULL)
		goto nomem;
	for (uint32_t t = 0; t < n; t++)
		if (wp->slot_of[t] != TUPLE_NONE)
			wp->tuples[wp->slot_of[t]] = t;
	wp->nslots = mine;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the client tuple table");
	return -1;
}

int tuple_init(struct worker *w, const struct teng_plan *plan, const struct tuple_mode *mode,
	       void *(*zalloc)(size_t n, size_t size, int socket), char *err, size_t errlen)
{
	uint32_t base = 0;
	int table = mode != NULL && mode->kind == TUPLE_TABLE;
	w->npools = plan->npools;
	for (uint32_t i = 0; i < plan->npools; i++) {
		const struct teng_pool *pp = &plan->pools[i];
		struct worker_pool *wp = &w->pools[i];
		memset(wp, 0, sizeof(*wp));
		wp->ip_lo = pp->ip_lo;
		wp->ip_hi = pp->ip_hi;
		wp->port_lo = pp->port_lo;
		wp->port_n = (uint32_t)pp->port_hi - pp->port_lo + 1;
		wp->port_n_m = fastdiv_m(wp->port_n);
		wp->ntuples = (uint64_t)(pp->ip_hi - pp->ip_lo + 1) * wp->port_n;
		uint64_t nslots;
		if (table) {
			if (table_build(w, plan, i, mode, zalloc, err, errlen) < 0)
				return -1;
			nslots = wp->nslots;
		} else {
			/* every ncores-th tuple, from the worker's index on */
			nslots = wp->ntuples > w->index ?
					 (wp->ntuples - w->index + w->ncores - 1) / w->ncores : 0;
		}
		if (nslots + base > (1u << 24)) {
			snprintf(err, errlen,
				 "client range too large: %llu address:port pairs per core (at most %u)",
				 (unsigned long long)(nslots + base), 1u << 24);
			return -1;
		}
		wp->base = base;
		wp->nslots = (uint32_t)nslots;
		base += (uint32_t)nslots;
	}
	w->ntemplates = plan->ntemplates;
	for (uint32_t i = 0; i < plan->ntemplates; i++) {
		const struct teng_template *pt = &plan->templates[i];
		struct worker_template *wt = &w->templates[i];
		wt->cum_weight = pt->cum_weight;
		wt->prog = pt->prog;
		wt->pool = pt->pool;
		wt->dst_ip = rte_cpu_to_be_32(pt->dst_ip);
		wt->dst_port = rte_cpu_to_be_16(pt->dst_port);
	}
	w->nlisteners = plan->nlisteners;
	for (uint32_t i = 0; i < plan->nlisteners; i++) {
		w->listeners[i].ip = rte_cpu_to_be_32(plan->listeners[i].ip);
		w->listeners[i].port = rte_cpu_to_be_16(plan->listeners[i].port);
		w->listeners[i].prog = plan->listeners[i].prog;
	}
	return (int)base;
}

void tuple_fini(struct worker *w, void (*release)(void *))
{
	for (uint32_t i = 0; i < TENG_MAX_POOLS; i++) {
		release(w->pools[i].tuples);
		release(w->pools[i].slot_of);
		w->pools[i].tuples = w->pools[i].slot_of = NULL;
	}
}
