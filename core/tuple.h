/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client tuple space: which worker owns which client address:port
 * of each pool, and where it keeps it. Tuple t of a pool is its ip
 * index x port_n + port index. Built once at start-up (tuple_init) for
 * the steering mode in force, in one of two kinds:
 *
 *   modulo: tuple t belongs to worker t % ncores, at slot t / ncores
 *     (the loopback, memif, software steering): arithmetic only;
 *   table: an owner callback says which queue the server->client
 *     direction of each tuple lands on (RSS: the device's hash), and
 *     worker i keeps the tuples of queue i: an array of them (slot ->
 *     tuple) and, per pool, tuple -> slot (TUPLE_NONE: another's).
 *
 * Either way index -> tuple and tuple -> index are an array lookup or a
 * multiplication, never a hash.
 */
#ifndef TENG_TUPLE_H
#define TENG_TUPLE_H

#include <stddef.h>
#include <stdint.h>

#include "worker.h"

#define TUPLE_NONE UINT32_MAX

/* The queue that receives the server->client direction of client
 * cip:cport talking to sip:sport (all host order). */
typedef uint16_t (*tuple_owner_fn)(const void *ctx, uint32_t cip, uint16_t cport, uint32_t sip,
				   uint16_t sport);

enum tuple_kind { TUPLE_MODULO = 0, TUPLE_TABLE = 1 };

struct tuple_mode {
	enum tuple_kind kind;
	tuple_owner_fn owner; /* TUPLE_TABLE */
	const void *ctx;
};

/* Tables with more tuples than this per pool are refused (4 bytes per
 * tuple per worker). */
#define TUPLE_TABLE_MAX (1u << 24)

/* Fill w->pools (and templates and listeners) from the plan for the
 * mode (NULL: modulo). w->ncores and w->index are set. Returns the
 * number of tuple slots of this worker, or -1 with a message. zalloc
 * allocates the table kind's arrays (conn_init's allocator). */
int tuple_init(struct worker *w, const struct teng_plan *plan, const struct tuple_mode *mode,
	       void *(*zalloc)(size_t n, size_t size, int socket), char *err, size_t errlen);
void tuple_fini(struct worker *w, void (*release)(void *));

/* t / d and t % d by a multiplication (Lemire's fastmod, exact for
 * every 32-bit t; a division past that): m is fastdiv_m(d), made once
 * at start-up, for a d fixed for the run. */
static inline uint64_t fastdiv_m(uint32_t d)
{
	return d > 1 ? UINT64_MAX / d + 1 : 0;
}

static inline uint32_t fastdivmod(uint64_t t, uint32_t d, uint64_t m, uint32_t *q)
{
	if (d == 1) {
		*q = (uint32_t)t;
		return 0;
	}
	if (unlikely(t > UINT32_MAX)) {
		*q = (uint32_t)(t / d);
		return (uint32_t)(t % d);
	}
	uint64_t frac = m * t;
	*q = (uint32_t)(((unsigned __int128)m * t) >> 64);
	return (uint32_t)(((unsigned __int128)frac * d) >> 64);
}

/* Tuple t of a pool: the core that owns it under the modulo kind
 * (returned) and its slot on that core (t / ncores), by fastdivmod:
 * this runs on every received client segment. */
static inline uint32_t tuple_split(const struct worker *w, uint64_t t, uint32_t *slot)
{
	return fastdivmod(t, w->ncores, w->ncores_m, slot);
}

/* The pool holding client address ip:port (host order), its tuple in
 * *t; -1: none. */
static inline int tuple_find(const struct worker *w, uint32_t ip, uint32_t port, uint64_t *t)
{
	for (uint32_t i = 0; i < w->npools; i++) {
		const struct worker_pool *wp = &w->pools[i];
		if (ip < wp->ip_lo || ip > wp->ip_hi || port < wp->port_lo ||
		    port - wp->port_lo >= wp->port_n)
			continue;
		*t = (uint64_t)(ip - wp->ip_lo) * wp->port_n + (port - wp->port_lo);
		return (int)i;
	}
	return -1;
}

/* This worker's slot (within the pool, add wp->base for the connection
 * table) of tuple t, or TUPLE_NONE when another worker owns it. */
static inline uint32_t tuple_slot(const struct worker *w, const struct worker_pool *wp, uint64_t t)
{
	if (likely(wp->slot_of == NULL)) {
		uint32_t slot;
		return tuple_split(w, t, &slot) == w->index ? slot : TUPLE_NONE;
	}
	return t < wp->ntuples ? wp->slot_of[t] : TUPLE_NONE;
}

/* The tuple at this worker's slot of a pool. */
static inline uint64_t tuple_at(const struct worker *w, const struct worker_pool *wp, uint32_t slot)
{
	if (likely(wp->tuples == NULL))
		return (uint64_t)slot * w->ncores + w->index;
	return wp->tuples[slot];
}

/* Tuple t of pool wp as its IP and port (host order): t / port_n and
 * t % port_n by fastdivmod, once per opened connection. */
static inline void tuple_addr(const struct worker_pool *wp, uint64_t t, uint32_t *ip,
			      uint16_t *port)
{
	uint32_t q, r = fastdivmod(t, wp->port_n, wp->port_n_m, &q);
	*ip = wp->ip_lo + q;
	*port = (uint16_t)(wp->port_lo + r);
}

/* The worker owning tuple t under the modulo kind (software steering). */
static inline uint32_t tuple_owner(const struct worker *w, uint64_t t)
{
	uint32_t slot;
	return tuple_split(w, t, &slot);
}

#endif
