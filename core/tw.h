/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT (RFC 9293 3.6) without a TCB: a connection that reaches it
 * is counted and its TCB freed at once; what TIME_WAIT needs (the
 * four-tuple, the sequence numbers to ACK a retransmitted FIN with, the
 * expiry) goes into a compact per-core table of 32-byte entries.
 *
 * The table is a ring in order of expiry: every entry lives time_wait_ms,
 * and an entry whose wait restarts (a retransmitted FIN) moves to the
 * head, so the tail is always the oldest. Expired entries are swept from
 * the tail a few per loop iteration (tw_sweep), and checked lazily where
 * they are met (lookup, the tuple allocator). Entries removed early (a
 * RST, a reused tuple, a restarted wait) leave holes the tail passes
 * over; a hole counts against the ring until the tail reaches it. When
 * the ring is full the oldest entry is evicted before its time (counted,
 * tw_evicted). Its peer may still send its FIN again (our last ACK was
 * lost): for one hold after an eviction, a FIN (with ACK) that matches
 * no connection and no entry is answered with the ACK its entry would
 * have sent (SEQ = its ACK, ACK = its FIN + 1; tw_evicted_fin, counted
 * in tw_evicted_acks), never a RST, so teng does not reset a connection
 * it closed normally even when it closes more than the table holds.
 *
 * Finding an entry: a server-role entry through buckets of one cache
 * line each, picked by its four-tuple's hash: a bucket's 15 slots each
 * hold an entry index and 12 more bits of that hash (its tag), so a
 * lookup reads one line and touches an entry only when a tag matches
 * (a tuple not waiting, every new SYN, touches none about 99.9% of the
 * time in a full table), and a removal finds its slot without walking
 * a chain. An entry whose bucket is full goes into one of the next
 * TW_PROBE - 1, counted in its own bucket's 16th word, so a lookup
 * reads further only where something did overflow. A client-role entry is found by its tuple
 * slot, which holds TW_TAG | entry instead of a TCB index while the
 * tuple waits (so the tuple allocator sees the wait, and skips the
 * tuple: tw_reuse_refused).
 */
#ifndef TENG_TW_H
#define TENG_TW_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/* A client tuple slot (conn_tuple_get) holding TW_TAG | entry: TIME_WAIT.
 * TCB indices stay below 2^26 (worker_sizes). */
#define TW_TAG 0x80000000u
#define TW_NIL UINT32_MAX
/* Entries per core at most: 48 MB with the buckets. A slot holds the
 * entry index in its low TW_IDX_BITS bits. */
#define TW_IDX_BITS 20
#define TW_MAX (1u << TW_IDX_BITS)
/* A bucket: TW_BUCKET_SLOTS slots, then the count of entries of this
 * bucket that sit in a later one; 64 bytes. */
#define TW_BUCKET_WORDS 16
#define TW_BUCKET_SLOTS 15
/* Entries per bucket: with 4, a full table fills its buckets to about a
 * quarter, and about 5 buckets in a million overflow. */
#define TW_ENTRIES_PER_BUCKET 4
/* Buckets an entry may sit in: its own and the next three; when all are
 * full (practically never) the entry is not kept, as if evicted. */
#define TW_PROBE 4
/* Entries swept per loop iteration at most. */
#define TW_SWEEP 32

static inline int tw_tagged(uint32_t v)
{
	return v != TW_NIL && (v & TW_TAG);
}

struct tw_entry {
	uint32_t lip, rip;   /* network order */
	uint16_t lport, rport;
	uint32_t expire;     /* ms tick */
	uint32_t snd_nxt;    /* our FIN + 1: the ACK's sequence number */
	uint32_t rcv_nxt;    /* the peer's FIN + 1: what we ACK */
	uint32_t tuple;      /* client role: the tuple slot */
	uint8_t role;        /* enum tcb_role; TW_FREE: a hole */
	uint8_t wscale;      /* our window scale, for the ACK's window */
	uint8_t slot;        /* port slot the connection used */
	uint8_t refused;     /* the tuple allocator met it (counted once) */
};

#define TW_FREE 0xff

_Static_assert(sizeof(struct tw_entry) == 32, "tw_entry is 32 bytes");

struct tw_table {
	struct tw_entry *e; /* ring of cap entries */
	uint32_t *bucket;   /* server entries: TW_BUCKET_WORDS words a bucket */
	uint32_t cap, bucket_mask;
	uint32_t head, tail; /* free-running: entries tail .. head - 1 */
	uint32_t live;       /* entries not holes */
	uint32_t hashed;     /* of them server entries (in the buckets) */
	uint32_t ms;         /* the hold, ms */
	uint32_t evict_end;  /* with evicting: FINs owed the evicted ACK until this tick */
	uint8_t evicting;    /* an entry was evicted (tw_evicted_fin) */
};

/* Entries a core's table gets: 0 without TIME_WAIT; else room for what
 * the plan's fastest rate phase puts into TIME_WAIT during one hold
 * (both roles may hold: x 1.25), at least half the connection table, at
 * most TW_MAX. rate_per_core 0: no rate known (concurrency or max
 * phases), half the connection table. */
uint32_t tw_size(uint32_t time_wait_ms, double rate_per_core, uint64_t tcbs);
/* Bytes tw_init takes for cap entries. */
uint64_t tw_bytes(uint32_t cap);

typedef void *(*tw_alloc_fn)(size_t n, size_t size, int socket);
/* A table of cap entries (0: none, TIME_WAIT off) holding each ms. 0, -1. */
int tw_init(struct tw_table *tt, uint32_t cap, uint32_t ms, tw_alloc_fn alloc, int socket);
void tw_fini(struct tw_table *tt, void (*release)(void *));

/* Add e (role, tuple, sequence numbers, and for a client its tuple
 * slot, set by the caller) to wait until now + ms. A client's tuple slot
 * is marked. Returns the entry's index; *evicted is set when the oldest
 * entry had to go early, or when a server entry found its buckets full
 * (then it is not kept: TW_NIL). */
uint32_t tw_add(struct tw_table *tt, struct conn_table *ct, const struct tw_entry *e,
		uint32_t now, int *evicted);
/* Remove entry i (a client's tuple slot is freed). */
void tw_remove(struct tw_table *tt, struct conn_table *ct, uint32_t i);
/* The wait of entry i starts again (a retransmitted FIN): it moves to the
 * head. Returns its new index. */
uint32_t tw_restart(struct tw_table *tt, struct conn_table *ct, uint32_t i, uint32_t now);
/* The server-role entry of a four-tuple (network order), TW_NIL if none;
 * an expired one is removed and not returned. h is the tuple's
 * conn_hash4 (the connection table's too: computed once per segment). */
uint32_t tw_lookup(struct tw_table *tt, struct conn_table *ct, uint32_t h, uint32_t rip,
		   uint16_t rport, uint32_t lip, uint16_t lport, uint32_t now);
/* The bucket tw_lookup starts from, to prefetch. */
static inline const uint32_t *tw_bucket(const struct tw_table *tt, uint32_t h)
{
	return &tt->bucket[(h & tt->bucket_mask) * TW_BUCKET_WORDS];
}
/* Entry i has expired (it is removed then): 1, else 0. */
int tw_expired(struct tw_table *tt, struct conn_table *ct, uint32_t i, uint32_t now);
/* Remove up to max expired entries from the tail; returns how many. */
uint32_t tw_sweep(struct tw_table *tt, struct conn_table *ct, uint32_t now, uint32_t max);

static inline struct tw_entry *tw_entry(const struct tw_table *tt, uint32_t i)
{
	return &tt->e[i];
}

/* ---- on the worker (tw.c) ---- */
struct worker;
struct seg;
struct tcb;
/* t enters TIME_WAIT: copy what the wait needs into e, before the TCB is
 * freed. */
void tw_entry_of(struct tw_entry *e, const struct tcb *t, uint8_t slot);
/* After the TCB is freed: add e to the worker's table (counts
 * tw_evicted). */
void tw_enter(struct worker *w, const struct tw_entry *e);
/* A segment for entry i (TW_TAG stripped; a client's is checked against
 * the segment's remote end). Returns 1 when the segment was handled
 * here, 0 when it is to go on as for no connection (no such entry, an
 * expired one, or a SYN that may reuse the tuple: the entry is gone). */
int tw_input(struct worker *w, const struct seg *s, uint32_t i);
/* Client tuple slot value v is usable for a new connection: free, or in
 * a TIME_WAIT that has expired (then removed). A wait still running is
 * counted in tw_reuse_refused once per wait, not per try: the schedule
 * tries again every loop iteration, and the count is meant to say how
 * many tuples came round while still waiting. */
int tw_tuple_usable(struct worker *w, uint32_t v);
/* The loop's bounded sweep. */
void tw_tick(struct worker *w);

/* A segment that matched no connection and no entry: when it is a FIN
 * (with ACK, no SYN or RST) within one hold after an eviction, answer it
 * as its evicted entry would have and return 1 (tw_evicted_acks); else
 * 0, and the caller resets it as usual. */
int tw_evicted_fin(struct worker *w, const struct seg *s);

#endif
