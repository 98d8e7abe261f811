/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "seq.h"
#include "timer.h"

/* The slot list's head is marked in prev by this, so cancel can find and
 * fix the slot without a search. */
#define HEAD_MARK 0x80000000u

int timer_init(struct timer_wheel *tw, uint32_t slots, void *base,
	       size_t stride, size_t off, uint32_t now)
{
	tw->slot = malloc(sizeof(uint32_t) * slots);
	if (tw->slot == NULL)
		return -1;
	for (uint32_t i = 0; i < slots; i++)
		tw->slot[i] = TCB_NIL;
	tw->mask = slots - 1;
	tw->now = now;
	tw->armed = 0;
	tw->base = base;
	tw->stride = stride;
	tw->off = off;
	return 0;
}

void timer_fini(struct timer_wheel *tw)
{
	free(tw->slot);
	tw->slot = NULL;
}

void timer_cancel(struct timer_wheel *tw, uint32_t id)
{
	struct timer_node *n = timer_node(tw, id);
	if (n->prev == TCB_NIL)
		return;
	if (n->prev & HEAD_MARK)
		tw->slot[n->prev & ~HEAD_MARK] = n->next;
	else
		timer_node(tw, n->prev)->next = n->next;
	if (n->next != TCB_NIL)
		timer_node(tw, n->next)->prev = n->prev;
	n->next = n->prev = TCB_NIL;
	tw->armed--;
}

void timer_arm(struct timer_wheel *tw, uint32_t id, uint32_t expire)
{
	timer_cancel(tw, id);
	if (SEQ_LEQ(expire, tw->now))
		expire = tw->now + 1;
	struct timer_node *n = timer_node(tw, id);
	uint32_t s = expire & tw->mask;
	n->expire = expire;
	n->next = tw->slot[s];
	n->prev = s | HEAD_MARK;
	if (n->next != TCB_NIL)
		timer_node(tw, n->next)->prev = id;
	tw->slot[s] = id;
	tw->armed++;
}

uint32_t timer_expire(struct timer_wheel *tw, uint32_t now, uint32_t *out,
		      uint32_t max)
{
	uint32_t k = 0;
	/* After a long stall, visiting each slot once is enough. */
	if (SEQ_GT(now - tw->mask - 1, tw->now))
		tw->now = now - tw->mask - 1;
	while (SEQ_LT(tw->now, now)) {
		uint32_t tick = tw->now + 1;
		uint32_t id = tw->slot[tick & tw->mask];
		while (id != TCB_NIL) {
			struct timer_node *n = timer_node(tw, id);
			uint32_t next = n->next;
			if (SEQ_LEQ(n->expire, now)) {
				if (k == max)
					return k; /* this slot is scanned again */
				timer_cancel(tw, id);
				out[k++] = id;
			}
			id = next;
		}
		tw->now = tick;
	}
	return k;
}
