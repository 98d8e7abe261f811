/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hashed timer wheel with 1 ms ticks: O(1) arm and cancel. Nodes live
 * inside the objects they time (a struct timer_node at a fixed offset in
 * an array of fixed stride), so the wheel allocates nothing per timer.
 * Expiries further out than the wheel's span stay in their slot until
 * their tick comes round.
 */
#ifndef TENG_TIMER_H
#define TENG_TIMER_H

#include <stddef.h>
#include <stdint.h>
#include "tcb.h"

struct timer_wheel {
	uint32_t *slot;   /* head node index per slot */
	uint32_t mask;    /* slots - 1 */
	uint32_t now;     /* last tick processed */
	uint32_t armed;   /* nodes in the wheel */
	char *base;       /* first object */
	size_t stride;    /* object size */
	size_t off;       /* offset of the struct timer_node in the object */
};

/* slots must be a power of two. Returns 0, or -1 if out of memory. */
int timer_init(struct timer_wheel *tw, uint32_t slots, void *base,
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
	return timer_node(tw, id)->prev != TCB_NIL;
}

/* Mark a fresh node as not armed. */
static inline void timer_node_init(struct timer_wheel *tw, uint32_t id)
{
	struct timer_node *n = timer_node(tw, id);
	n->next = n->prev = TCB_NIL;
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
 * unlinked). Returns how many; call again while it returns max. */
uint32_t timer_expire(struct timer_wheel *tw, uint32_t now, uint32_t *out,
		      uint32_t max);

#endif
