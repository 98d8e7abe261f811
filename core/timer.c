/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <sys/mman.h>

#include "seq.h"
#include "timer.h"

/* timer_node.pos: the chunk and the index in it, and whether the list
 * is the far one (else the slot of the node's expire). */
#define POS_FAR 0x80000000u
#define POS_SHIFT 4
#define POS_CHUNK_MAX (POS_FAR >> POS_SHIFT)

static inline uint32_t pos_of(uint32_t chunk, uint32_t i, uint32_t far)
{
	return far | chunk << POS_SHIFT | i;
}

static uint32_t nchunk_of(uint32_t slots, uint32_t nobj)
{
	/* Only a list's head chunk may be part-full: the slots' lists, the
	 * far one and, while far_place moves it, the far list taken off,
	 * each with a part-full head, and nobj ids at most in full ones. */
	return slots + 2 + nobj / TIMER_CHUNK_IDS;
}

size_t timer_bytes(uint32_t slots, uint32_t nobj)
{
	return (size_t)slots * sizeof(struct timer_list) +
	       (size_t)nchunk_of(slots, nobj) * sizeof(struct timer_chunk);
}

int timer_init(struct timer_wheel *tw, uint32_t slots, uint32_t nobj, void *base,
	       size_t stride, size_t off, uint32_t now)
{
	uint32_t nchunk = nchunk_of(slots, nobj);
	if (nchunk >= POS_CHUNK_MAX)
		return -1;
	tw->slot = malloc(sizeof(struct timer_list) * slots);
	if (tw->slot == NULL)
		return -1;
	/* Anonymous memory: pages of chunks never used are never touched. */
	tw->chunk_bytes = (size_t)nchunk * sizeof(struct timer_chunk);
	tw->chunk = mmap(NULL, tw->chunk_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tw->chunk == MAP_FAILED) {
		free(tw->slot);
		tw->slot = NULL;
		tw->chunk = NULL;
		return -1;
	}
	for (uint32_t i = 0; i < slots; i++)
		tw->slot[i] = (struct timer_list){ TCB_NIL, 0 };
	tw->far = (struct timer_list){ TCB_NIL, 0 };
	tw->used = 0;
	tw->free = TCB_NIL;
	tw->mask = slots - 1;
	tw->now = now;
	tw->far_tick = now;
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
	if (tw->chunk)
		munmap(tw->chunk, tw->chunk_bytes);
	tw->chunk = NULL;
}

/* The pool holds a chunk for every list's part-full head and every 15
 * armed ids, so it cannot run dry. */
static inline uint32_t chunk_get(struct timer_wheel *tw)
{
	uint32_t c = tw->free;
	if (c != TCB_NIL) {
		tw->free = tw->chunk[c].next;
		return c;
	}
	return tw->used++;
}

static inline void chunk_put(struct timer_wheel *tw, uint32_t c)
{
	tw->chunk[c].next = tw->free;
	tw->free = c;
}

static inline void list_push(struct timer_wheel *tw, struct timer_list *l, uint32_t id,
			     uint32_t far)
{
	if (l->head == TCB_NIL || l->n == TIMER_CHUNK_IDS) {
		uint32_t c = chunk_get(tw);
		tw->chunk[c].next = l->head;
		l->head = c;
		l->n = 0;
	}
	tw->chunk[l->head].id[l->n] = id;
	timer_node(tw, id)->pos = pos_of(l->head, l->n, far);
	l->n++;
}

/* The head chunk's last id, taken off; an emptied head chunk is freed. */
static inline uint32_t list_pop(struct timer_wheel *tw, struct timer_list *l)
{
	uint32_t h = l->head;
	uint32_t id = tw->chunk[h].id[--l->n];
	if (l->n == 0) {
		l->head = tw->chunk[h].next;
		l->n = l->head == TCB_NIL ? 0 : TIMER_CHUNK_IDS;
		chunk_put(tw, h);
	}
	return id;
}

static inline struct timer_list *list_of(struct timer_wheel *tw, const struct timer_node *n)
{
	return n->pos & POS_FAR ? &tw->far : &tw->slot[n->expire & tw->mask];
}

void timer_cancel(struct timer_wheel *tw, uint32_t id)
{
	struct timer_node *n = timer_node(tw, id);
	uint32_t pos = n->pos;
	if (pos == TCB_NIL)
		return;
	struct timer_list *l = list_of(tw, n);
	uint32_t c = (pos & ~POS_FAR) >> POS_SHIFT, i = pos & ((1u << POS_SHIFT) - 1);
	uint32_t h = l->head, last = l->n - 1;
	uint32_t moved = list_pop(tw, l);
	if (c != h || i != last) { /* the newest id fills the hole */
		tw->chunk[c].id[i] = moved;
		timer_node(tw, moved)->pos = pos_of(c, i, pos & POS_FAR);
	}
	n->pos = TCB_NIL;
	tw->armed--;
}

/* Into the slot of tick `expire` when that comes within the round from
 * `now`, else into the far list. */
static inline void place(struct timer_wheel *tw, uint32_t id, uint32_t expire, uint32_t now)
{
	if (expire - now > tw->mask + 1)
		list_push(tw, &tw->far, id, POS_FAR);
	else
		list_push(tw, &tw->slot[expire & tw->mask], id, 0);
}

void timer_arm(struct timer_wheel *tw, uint32_t id, uint32_t expire)
{
	timer_cancel(tw, id);
	if (SEQ_LEQ(expire, tw->now))
		expire = tw->now + 1;
	timer_node(tw, id)->expire = expire;
	place(tw, id, expire, tw->now);
	tw->armed++;
}

/* A round starts at tick: what the far list holds that falls due in it
 * goes into its slot (what is overdue, after a stall, into this tick's). */
static void far_place(struct timer_wheel *tw, uint32_t tick)
{
	struct timer_list l = tw->far;
	tw->far = (struct timer_list){ TCB_NIL, 0 };
	while (l.head != TCB_NIL) {
		uint32_t id = list_pop(tw, &l);
		struct timer_node *n = timer_node(tw, id);
		if (SEQ_LT(n->expire, tick))
			n->expire = tick;
		/* place() takes tick - 1 as now: [tick, tick + mask] go to slots */
		place(tw, id, n->expire, tick - 1);
	}
}

/* The ids handed out are not armed any more: their nodes say so, all
 * prefetched first so that the stores do not wait one after another. */
static uint32_t handed(struct timer_wheel *tw, const uint32_t *out, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		__builtin_prefetch(timer_node(tw, out[i]), 1);
	for (uint32_t i = 0; i < k; i++)
		timer_node(tw, out[i])->pos = TCB_NIL;
	tw->armed -= k;
	return k;
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
		if ((tick & tw->mask) == 0 && tw->far_tick != tick) {
			far_place(tw, tick);
			tw->far_tick = tick;
		}
		/* every id in the slot fires at this tick */
		struct timer_list *l = &tw->slot[tick & tw->mask];
		while (l->head != TCB_NIL) {
			if (k == max)
				return handed(tw, out, k); /* this slot is taken up again */
			out[k++] = list_pop(tw, l);
		}
		tw->now = tick;
	}
	return handed(tw, out, k);
}
