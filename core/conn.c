/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "conn.h"
#include "numa_place.h"

int conn_init(struct conn_table *ct, uint32_t size, uint32_t ntuples,
	      conn_alloc_fn alloc, int socket)
{
	/* Only server connections are hashed (clients are found by tuple),
	 * and they are at most about half the table (worker_init.c tcbs_of):
	 * a bucket for every two TCBs keeps the chains at one on average. */
	uint32_t buckets = 1;
	while (buckets < size / 2)
		buckets <<= 1;
	memset(ct, 0, sizeof(*ct));
	ct->size = size;
	ct->ntuples = ntuples;
	/* The TCBs and the tuple slots: zero until written (a tuple slot
	 * holds the complement of its value), so only what a run uses takes
	 * pages. Huge pages: both are walked at random. */
	ct->tcb = numa_map_zero(conn_tcb_bytes(size), socket, 1);
	ct->hash = alloc(buckets, sizeof(uint32_t), socket);
	ct->tuple = numa_map_zero(conn_tuple_bytes(ntuples), socket, 1);
	if (ct->tcb == NULL || ct->hash == NULL || ct->tuple == NULL)
		return -1;
	ct->hash_mask = buckets - 1;
	memset(ct->hash, 0xff, sizeof(uint32_t) * buckets);
	/* Freed TCBs first (last freed, warm in cache), then never-used ones
	 * in index order. */
	ct->free_head = TCB_NIL;
	ct->fresh = 0;
	ct->nfree = size;
	return 0;
}

void conn_fini(struct conn_table *ct, void (*release)(void *))
{
	numa_unmap(ct->tcb, conn_tcb_bytes(ct->size));
	release(ct->hash);
	numa_unmap(ct->tuple, conn_tuple_bytes(ct->ntuples));
	memset(ct, 0, sizeof(*ct));
}

/* A TCB zeroed by 16-byte stores. GCC compiles a memset of its size to
 * `rep stos`, whose start-up cost each allocation pays: in a crr
 * profile 82% of conn_alloc sat on that one instruction, and these
 * stores made crr 6% faster (docs/performance.md). */
typedef uint64_t tcb_v16 __attribute__((vector_size(16), aligned(1), may_alias));
static inline void tcb_zero(struct tcb *t)
{
	tcb_v16 *v = (tcb_v16 *)(void *)t;
	size_t n = sizeof(*t) / sizeof(*v);
	for (size_t i = 0; i < n; i++)
		v[i] = (tcb_v16){0, 0};
	memset((char *)t + n * sizeof(*v), 0, sizeof(*t) % sizeof(*v));
}

/* GCC would turn tcb_zero's loop back into the memset. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
uint32_t conn_alloc(struct conn_table *ct)
{
	uint32_t id = ct->free_head;
	struct tcb *t;
	if (id != TCB_NIL) {
		t = &ct->tcb[id];
		ct->free_head = t->hnext;
	} else if (ct->fresh < ct->size) {
		id = ct->fresh++;
		t = &ct->tcb[id];
	} else {
		return TCB_NIL;
	}
	ct->nfree--;
	tcb_zero(t);
	t->hnext = TCB_NIL;
	t->tuple = TCB_NIL;
	t->tn.pos = TCB_NIL; /* not armed (timer.h) */
	return id;
}

void conn_free(struct conn_table *ct, uint32_t id)
{
	struct tcb *t = &ct->tcb[id];
	t->state = TCP_CLOSED;
	t->hnext = ct->free_head;
	ct->free_head = id;
	ct->nfree++;
}

void conn_hash_insert(struct conn_table *ct, uint32_t id)
{
	struct tcb *t = &ct->tcb[id];
	uint32_t b = conn_hash4(t->rip, t->rport, t->lip, t->lport) &
		     ct->hash_mask;
	t->hnext = ct->hash[b];
	ct->hash[b] = id;
}

void conn_hash_remove(struct conn_table *ct, uint32_t id)
{
	struct tcb *t = &ct->tcb[id];
	uint32_t *p = &ct->hash[conn_hash4(t->rip, t->rport, t->lip,
					   t->lport) & ct->hash_mask];
	while (*p != TCB_NIL) {
		if (*p == id) {
			*p = t->hnext;
			t->hnext = TCB_NIL;
			return;
		}
		p = &ct->tcb[*p].hnext;
	}
}

uint32_t conn_hash_lookup(const struct conn_table *ct, uint32_t rip,
			  uint16_t rport, uint32_t lip, uint16_t lport)
{
	return conn_hash_lookup_h(ct, conn_hash4(rip, rport, lip, lport), rip, rport, lip, lport);
}

uint32_t conn_hash_lookup_h(const struct conn_table *ct, uint32_t h, uint32_t rip,
			    uint16_t rport, uint32_t lip, uint16_t lport)
{
	uint32_t id = ct->hash[h & ct->hash_mask];
	while (id != TCB_NIL) {
		const struct tcb *t = &ct->tcb[id];
		if (t->rip == rip && t->lip == lip && t->rport == rport &&
		    t->lport == lport)
			return id;
		id = t->hnext;
	}
	return TCB_NIL;
}
