/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly (RFC 9293 3.10.7.4, seventh step): segments
 * that arrive above RCV.NXT are held per connection until the hole
 * before them fills, then handed to the program in order, byte-exact.
 *
 * The area is one per core, sized once from the plan: a pool of fixed
 * slots, each holding one segment's payload (copied: the mbuf goes back
 * to the pool at once, so the mbuf pool, its back-pressure and the
 * loopback's in-flight bound are unaffected; the copy is paid only on the
 * out-of-order path). A connection's held segments are a list sorted by
 * sequence number, its head in a side array keyed by TCB index (the TCB
 * has no room). Held segments never overlap: an arriving one is trimmed
 * against what is below RCV.NXT and what is already held, and held ones
 * it covers entirely are let go. Nothing allocates after reasm_init.
 *
 * How the receive path uses it (tcp_in.c), seq/len the segment's payload:
 *
 *   if (seq != rcv_nxt) {                   // out of order
 *       int rc = reasm_insert(r, id, rcv_nxt, seq, data, len, fin);
 *       if (rc == REASM_HELD) ctr->ooo_rx++;
 *       else if (rc == REASM_FULL) ctr->reasm_full++;  // dropped
 *       send an immediate (duplicate) ACK, never delayed;
 *   } else {
 *       deliver data; rcv_nxt += what the program took;
 *       if (reasm_pending(r, id)) {
 *           uint32_t segs;
 *           rcv_nxt += reasm_pull(r, id, rcv_nxt, take, arg, &segs);
 *           ctr->reassembled += segs;
 *           if (reasm_fin(r, id, rcv_nxt)) the peer's FIN is in: as a FIN
 *       }
 *   }
 *   reasm_free(r, id) when the TCB is freed (tcb_release does it).
 *
 * take() is where the program gets the bytes: prog_input(w, t, data, len)
 * then len - w->prog.rx_keep taken (what the program keeps for later is
 * not acknowledged, so the peer sends it again); on a program result
 * other than PROG_OK, keep the result and return what was taken, less
 * than len, so that the pull stops there. Held payload is copied, so no
 * mbuf is held: the mbuf pool needs no room for it.
 */
#ifndef TENG_REASM_H
#define TENG_REASM_H

#include <stddef.h>
#include <stdint.h>

/* Slots per core at most, whatever the plan asks (see reasm_budget). */
#define REASM_POOL_MAX 8192u

enum reasm_rc {
	REASM_HELD = 0, /* held (perhaps trimmed) */
	REASM_DUP = 1,  /* nothing new: below RCV.NXT or already held */
	REASM_FULL = 2, /* not held: the connection's share or the pool is used up */
};

/* Slot indices fit 16 bits (REASM_POOL_MAX): the side array costs 12
 * bytes per TCB, a slot's header 8. */
#define REASM_NIL 0xffffu

/* One held segment: payload bytes [seq, seq + len) in its slot's data. */
struct reasm_seg {
	uint16_t next; /* next held segment of the connection, or the free list */
	uint16_t len;
	uint32_t seq;
};

/* A connection's held segments. */
struct reasm_conn {
	uint32_t fin_seq; /* sequence number of a held FIN (fin set) */
	uint16_t head;    /* lowest held segment, REASM_NIL: none */
	uint16_t recent;  /* the slot held last (SACK, RFC 2018 4) */
	uint8_t n;        /* segments held */
	uint8_t fin;      /* a FIN arrived out of order, at fin_seq */
	uint8_t pad[2];
};

struct reasm {
	/* Per TCB index: 0, or 1 + the index of the connection's context.
	 * Only connections holding something have a context (at most one
	 * per slot), so an idle connection costs two bytes, not twelve. */
	uint16_t *ctx_of;
	struct reasm_conn *conn; /* contexts; a free one links by recent */
	uint32_t nctx;
	uint32_t ctx_free;       /* free context list, REASM_NIL: none */
	struct reasm_seg *seg;   /* per slot */
	uint8_t *data;           /* slot i: data + i * slot_bytes */
	uint32_t nconn;
	uint32_t nslots;
	uint32_t nfree;          /* slots free: nslots when nothing is held */
	uint32_t free_head;
	uint32_t slot_bytes;     /* payload bytes a slot holds */
	uint32_t per_conn;       /* segments one connection may hold */
};

/* The pool's size for nconn connections of segs each: min(nconn x
 * segs, REASM_POOL_MAX). Out-of-order segments need loss or reordering
 * and come a window at a time from the connections hit, not from all
 * connections at once; a per-core total bounds the memory
 * (REASM_POOL_MAX slots of an MSS each: 12 MB at the default MSS). */
uint32_t reasm_budget(uint64_t nconn, uint32_t segs);

/* Slots for nconn connections of per_conn segments each (budget as
 * above), each holding slot_bytes of payload (the MSS we advertise: a
 * longer segment is held up to that and its tail dropped). per_conn 0
 * holds nothing (every insert is REASM_FULL). The allocator's memory is
 * zeroed (rte_zmalloc on the worker's socket, calloc in tests). 0, -1. */
typedef void *(*reasm_alloc_fn)(size_t n, size_t size, int socket);
int reasm_init(struct reasm *r, uint32_t nconn, uint32_t per_conn, uint32_t slot_bytes,
	       reasm_alloc_fn alloc, int socket);
void reasm_fini(struct reasm *r, void (*release)(void *));
/* Bytes reasm_init takes for these sizes. */
uint64_t reasm_bytes(uint32_t nconn, uint32_t per_conn, uint32_t slot_bytes);

/* Hold the payload [seq, seq + len) of connection id (copied), with a
 * FIN after it if fin. What is below rcv_nxt or already held is trimmed
 * off; held segments the new one covers are replaced by it. The caller
 * has checked the window. A FIN is remembered (reasm_fin) once; data
 * beyond a held FIN is not held. */
int reasm_insert(struct reasm *r, uint32_t id, uint32_t rcv_nxt, uint32_t seq,
		 const uint8_t *data, uint32_t len, int fin);

/* Takes len bytes of in-order data; returns how many it took. Fewer
 * than len stops the pull: the rest stays held. */
typedef uint32_t (*reasm_take_fn)(void *arg, const uint8_t *data, uint32_t len);

/* Hand the held data that starts at rcv_nxt to take, in order, chunk
 * by chunk (one per held segment), until a hole or take stops; held data
 * below rcv_nxt is dropped first. Returns the bytes taken (rcv_nxt
 * advances by that); *segs (may be NULL) gets how many held segments
 * were delivered whole. Delivered slots go back to the pool. */
uint32_t reasm_pull(struct reasm *r, uint32_t id, uint32_t rcv_nxt, reasm_take_fn take,
		    void *arg, uint32_t *segs);

/* 1 when the FIN held for id sits at rcv_nxt, that is, everything before
 * it has been pulled; the FIN is forgotten then (count it once). */
int reasm_fin(struct reasm *r, uint32_t id, uint32_t rcv_nxt);

/* Anything held for id (data or a FIN)? */
/* The context of connection id, or NULL when it holds nothing. */
static inline struct reasm_conn *reasm_conn_get(const struct reasm *r, uint32_t id)
{
	if (id >= r->nconn || r->ctx_of[id] == 0)
		return NULL;
	return &r->conn[r->ctx_of[id] - 1];
}

static inline int reasm_pending(const struct reasm *r, uint32_t id)
{
	return r->nconn && r->ctx_of[id] != 0;
}

/* The held ranges of id above rcv_nxt, for SACK blocks (RFC 2018): up
 * to max ranges [lo[i], hi[i]) of contiguous held bytes, the one holding
 * the segment held last first (RFC 2018 4), then the others in sequence
 * order. Returns how many. */
uint32_t reasm_ranges(const struct reasm *r, uint32_t id, uint32_t rcv_nxt, uint32_t *lo,
		      uint32_t *hi, uint32_t max);

/* Let go of everything held for id (its TCB is freed). */
void reasm_free(struct reasm *r, uint32_t id);

#endif
