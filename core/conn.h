/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-core connection table: a fixed pool of TCBs with a free list;
 * client connections are found by their tuple index (arithmetic over
 * the address range the generator owns), server connections, whose
 * tuples come from outside, by a chained hash on the four-tuple.
 */
#ifndef TENG_CONN_H
#define TENG_CONN_H

#include <stdint.h>
#include "tcb.h"

struct conn_table {
	struct tcb *tcb;      /* pool */
	uint32_t size;
	uint32_t nfree;
	uint32_t free_head;   /* freed TCBs, last freed first */
	uint32_t fresh;       /* TCBs from here on were never used (untouched memory) */
	uint32_t hash_mask;
	uint32_t *hash;       /* bucket heads, chained through tcb.hnext */
	uint32_t ntuples;
	uint32_t *tuple;      /* client tuple slot -> tcb index */
};

/* Pool of `size` TCBs, hash with >= size / 2 buckets, `ntuples` client
 * tuple slots. The hash comes from the allocator given (rte_zmalloc on
 * the worker's socket in the data plane, calloc in tests); the TCBs and
 * the tuple slots are anonymous memory (the caller binds it to a NUMA
 * socket), and neither is written here: a TCB is first touched when
 * conn_alloc hands it out, so memory follows the connections a run opens,
 * not the most it may open. conn_fini unmaps them and gives the hash to
 * release. */
typedef void *(*conn_alloc_fn)(size_t n, size_t size, int socket);
/* Bytes of the mapped TCB and tuple-slot arrays for size TCBs, ntuples
 * slots (at least one entry each). */
static inline size_t conn_tcb_bytes(uint32_t size)
{
	return (size_t)(size ? size : 1) * sizeof(struct tcb);
}
static inline size_t conn_tuple_bytes(uint32_t ntuples)
{
	return (size_t)(ntuples ? ntuples : 1) * sizeof(uint32_t);
}
int conn_init(struct conn_table *ct, uint32_t size, uint32_t ntuples,
	      conn_alloc_fn alloc, int socket);
void conn_fini(struct conn_table *ct, void (*release)(void *));

/* A zeroed TCB, or TCB_NIL when the pool is empty. */
uint32_t conn_alloc(struct conn_table *ct);
void conn_free(struct conn_table *ct, uint32_t id);

static inline struct tcb *conn_tcb(const struct conn_table *ct, uint32_t id)
{
	return &ct->tcb[id];
}

static inline uint32_t conn_hash4(uint32_t rip, uint16_t rport, uint32_t lip,
				  uint16_t lport)
{
	uint64_t k = ((uint64_t)rip << 32 | lip) ^
		     ((uint64_t)rport << 16 | lport) * 0x9E3779B97F4A7C15ull;
	k ^= k >> 29;
	k *= 0xBF58476D1CE4E5B9ull;
	return (uint32_t)(k >> 32);
}

/* Server connections, keyed on the TCB's own four-tuple. */
void conn_hash_insert(struct conn_table *ct, uint32_t id);
void conn_hash_remove(struct conn_table *ct, uint32_t id);
uint32_t conn_hash_lookup(const struct conn_table *ct, uint32_t rip,
			  uint16_t rport, uint32_t lip, uint16_t lport);
/* The same with the tuple's conn_hash4 h already computed. */
uint32_t conn_hash_lookup_h(const struct conn_table *ct, uint32_t h, uint32_t rip,
			    uint16_t rport, uint32_t lip, uint16_t lport);

/* Client connections by tuple slot. A slot holds the complement of
 * its value, so the zeroed memory of a fresh table reads TCB_NIL and a
 * tuple never used never takes a page. */
static inline uint32_t conn_tuple_get(const struct conn_table *ct, uint32_t slot)
{
	return slot < ct->ntuples ? ~ct->tuple[slot] : TCB_NIL;
}
static inline void conn_tuple_set(struct conn_table *ct, uint32_t slot,
				  uint32_t id)
{
	ct->tuple[slot] = ~id;
}

#endif
