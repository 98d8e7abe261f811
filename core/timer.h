/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hashed timer wheel with 1 ms ticks: O(1) arm and cancel, and an
 * expiry that reads no timed object. Each slot holds the ids of what
 * fires at one tick of the coming round, in chunks of a per-wheel pool
 * (64 bytes, 15 ids); an object records where its id is (struct
 * timer_node, at a fixed offset in an array of fixed stride), so a
 * cancel moves the slot's newest id into the hole and frees a chunk
 * once it is empty. A tick hands out the ids of its slot without
 * loading their objects (the caller loads them all at once, not one
 * miss after another). Expiries further out than the wheel's span wait
 * in a list of their own, placed into the slots once a round.
 *
 * The pool is sized for every object armed at once, so arming never
 * fails; it is taken from the operating system as it is used.
 */
#ifndef TENG_TIMER_H
#define TENG_TIMER_H

#include <stddef.h>
#include <stdint.h>
#include "tcb.h"

#define TIMER_CHUNK_IDS 15

struct timer_chunk {
	uint32_t next;                 /* the list's next (older, full) chunk */
	uint32_t id[TIMER_CHUNK_IDS];
};

/* A slot's ids: the head chunk holds n (1..15), the others are full. */
struct timer_list {
	uint32_t head; /* chunk, or TCB_NIL */
	uint32_t n;
};

struct timer_wheel {
	struct timer_list *slot;
	struct timer_list far;     /* due beyond the span */
	struct timer_chunk *chunk;
	size_t chunk_bytes;
	uint32_t used, free;       /* the pool: chunks taken so far, then the free list */
	uint32_t mask;    /* slots - 1 */
	uint32_t now;     /* last tick processed */
	uint32_t far_tick; /* the round start whose far list was placed */
	uint32_t armed;   /* nodes in the wheel */
	char *base;       /* first object */
	size_t stride;    /* object size */
	size_t off;       /* offset of the struct timer_node in the object */
};

/* Bytes a wheel of `slots` for nobj objects may take (its pool at most). */
size_t timer_bytes(uint32_t slots, uint32_t nobj);
/* slots must be a power of two; nobj objects at base. Returns 0, or -1
 * if out of memory. Each object's node starts idle (timer_node_init) by
 * its owner. */
int timer_init(struct timer_wheel *tw, uint32_t slots, uint32_t nobj, void *base,
	       size_t stride, size_t off, uint32_t now);
void timer_fini(struct timer_wheel *tw);

static inline struct timer_node *timer_node(const struct timer_wheel *tw,
					    uint32_t id)
{
	return (struct timer_node *)(tw->base + (size_t)id * tw->stride +
				     tw->off);
}

static inline int timer_armed(const struct timer_wheel *tw, uint32_t id)
{
	return timer_node(tw, id)->pos != TCB_NIL;
}

/* Mark a fresh node as not armed. */
static inline void timer_node_init(struct timer_wheel *tw, uint32_t id)
{
	timer_node(tw, id)->pos = TCB_NIL;
}

/* (Re)arm node id to fire at tick `expire` (no earlier than now + 1). */
void timer_arm(struct timer_wheel *tw, uint32_t id, uint32_t expire);
/* Node id fires by `expire` at the latest: armed then, unless it is
 * armed to fire earlier already (one timer serves several deadlines). */
static inline void timer_arm_by(struct timer_wheel *tw, uint32_t id, uint32_t expire)
{
	if (!timer_armed(tw, id) || (int32_t)(expire - timer_node(tw, id)->expire) < 0)
		timer_arm(tw, id, expire);
}
void timer_cancel(struct timer_wheel *tw, uint32_t id);
/* Advance to tick `now`; write up to max expired ids to out (they are
 * no longer armed). Returns how many; call again while it returns max. */
uint32_t timer_expire(struct timer_wheel *tw, uint32_t now, uint32_t *out,
		      uint32_t max);

#endif
