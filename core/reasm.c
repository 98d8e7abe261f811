/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order reassembly: a per-core pool of slots, a sorted list per
 * connection (reasm.h). */
#include <string.h>

#include "numa_place.h"
#include "reasm.h"
#include "seq.h"

uint32_t reasm_budget(uint64_t nconn, uint32_t segs)
{
	uint64_t n = nconn * segs;
	return n > REASM_POOL_MAX ? REASM_POOL_MAX : (uint32_t)n;
}

uint64_t reasm_bytes(uint32_t nconn, uint32_t per_conn, uint32_t slot_bytes)
{
	if (per_conn == 0)
		return 0;
	uint64_t slots = reasm_budget(nconn, per_conn);
	uint64_t nctx = slots < nconn ? slots : nconn;
	return (uint64_t)nconn * sizeof(uint16_t) + nctx * sizeof(struct reasm_conn) +
	       slots * (sizeof(struct reasm_seg) + slot_bytes);
}

int reasm_init(struct reasm *r, uint32_t nconn, uint32_t per_conn, uint32_t slot_bytes,
	       reasm_alloc_fn alloc, int socket)
{
	memset(r, 0, sizeof(*r));
	if (per_conn == 0 || nconn == 0 || slot_bytes == 0)
		return 0; /* holds nothing */
	if (per_conn > 255)
		per_conn = 255; /* reasm_conn.n */
	if (slot_bytes > 0xffff)
		slot_bytes = 0xffff; /* reasm_seg.len */
	uint32_t slots = reasm_budget(nconn, per_conn);
	uint32_t nctx = slots < nconn ? slots : nconn;
	/* Zero (no context) until written: only the connections that
	 * reassemble take its pages. */
	r->ctx_of = numa_map_zero((size_t)nconn * sizeof(uint16_t), socket, 0);
	r->nconn = nconn;
	r->conn = alloc(nctx, sizeof(struct reasm_conn), socket);
	r->seg = alloc(slots, sizeof(struct reasm_seg), socket);
	r->data = alloc(slots, slot_bytes, socket);
	if (r->ctx_of == NULL || r->conn == NULL || r->seg == NULL || r->data == NULL)
		return -1;
	for (uint32_t i = 0; i < nctx; i++) {
		r->conn[i].head = REASM_NIL;
		r->conn[i].recent = (uint16_t)(i + 1 < nctx ? i + 1 : REASM_NIL);
	}
	r->nctx = nctx;
	r->ctx_free = 0;
	for (uint32_t i = 0; i < slots; i++)
		r->seg[i].next = (uint16_t)(i + 1 < slots ? i + 1 : REASM_NIL);
	r->free_head = 0;
	r->nslots = slots;
	r->nfree = slots;
	r->slot_bytes = slot_bytes;
	r->per_conn = per_conn;
	return 0;
}

void reasm_fini(struct reasm *r, void (*release)(void *))
{
	numa_unmap(r->ctx_of, (size_t)r->nconn * sizeof(uint16_t));
	if (r->conn) {
		release(r->conn);
		release(r->seg);
		release(r->data);
	}
	memset(r, 0, sizeof(*r));
}

static inline uint8_t *slot_data(const struct reasm *r, uint32_t i)
{
	return r->data + (size_t)i * r->slot_bytes;
}

static inline void slot_put(struct reasm *r, uint16_t i)
{
	r->seg[i].next = (uint16_t)r->free_head;
	r->free_head = i;
	r->nfree++;
}

static inline uint16_t slot_get(struct reasm *r)
{
	uint16_t i = (uint16_t)r->free_head;
	r->free_head = r->seg[i].next;
	r->nfree--;
	return i;
}

/* A context for connection id, taken from the free list; NULL if none. */
static struct reasm_conn *ctx_take(struct reasm *r, uint32_t id)
{
	if (r->ctx_free == REASM_NIL)
		return NULL;
	uint32_t k = r->ctx_free;
	struct reasm_conn *c = &r->conn[k];
	r->ctx_free = c->recent;
	memset(c, 0, sizeof(*c));
	c->head = c->recent = REASM_NIL;
	r->ctx_of[id] = (uint16_t)(k + 1);
	return c;
}

/* Connection id holds nothing any more: its context goes back. */
static void ctx_release_if_empty(struct reasm *r, uint32_t id, struct reasm_conn *c)
{
	if (c->head != REASM_NIL || c->fin)
		return;
	uint32_t k = r->ctx_of[id] - 1u;
	c->recent = (uint16_t)r->ctx_free;
	r->ctx_free = k;
	r->ctx_of[id] = 0;
}

/* A FIN at fin_seq: nothing beyond it is data (RFC 9293 3.10.7.4). */
static void drop_above(struct reasm *r, struct reasm_conn *c, uint32_t fin_seq)
{
	uint16_t *link = &c->head;
	while (*link != REASM_NIL) {
		struct reasm_seg *s = &r->seg[*link];
		if (SEQ_GEQ(s->seq, fin_seq)) {
			uint16_t i = *link;
			*link = s->next;
			slot_put(r, i);
			c->n--;
			continue;
		}
		if (SEQ_GT(s->seq + s->len, fin_seq))
			s->len = (uint16_t)(fin_seq - s->seq);
		link = &s->next;
	}
}

static int insert(struct reasm *r, struct reasm_conn *c, uint32_t rcv_nxt, uint32_t seq,
		  const uint8_t *data, uint32_t len, int fin);

int reasm_insert(struct reasm *r, uint32_t id, uint32_t rcv_nxt, uint32_t seq,
		 const uint8_t *data, uint32_t len, int fin)
{
	if (r->per_conn == 0 || id >= r->nconn)
		return REASM_FULL;
	struct reasm_conn *c = reasm_conn_get(r, id);
	if (c == NULL && (c = ctx_take(r, id)) == NULL)
		return REASM_FULL;
	int rc = insert(r, c, rcv_nxt, seq, data, len, fin);
	ctx_release_if_empty(r, id, c);
	return rc;
}

static int insert(struct reasm *r, struct reasm_conn *c, uint32_t rcv_nxt, uint32_t seq,
		  const uint8_t *data, uint32_t len, int fin)
{
	int fin_new = 0;
	if (len > r->slot_bytes) { /* held up to a slot; the tail comes again */
		len = r->slot_bytes;
		fin = 0;
	}
	uint32_t end = seq + len;
	if (fin && !c->fin && SEQ_GEQ(end, rcv_nxt)) {
		c->fin = 1;
		c->fin_seq = end;
		drop_above(r, c, end);
		fin_new = 1;
	}
	int none = fin_new ? REASM_HELD : REASM_DUP;
	if (c->fin && SEQ_GT(end, c->fin_seq))
		end = c->fin_seq;
	if (SEQ_LT(seq, rcv_nxt)) {
		if (SEQ_LEQ(end, rcv_nxt))
			return none;
		data += rcv_nxt - seq;
		seq = rcv_nxt;
	}
	if (!SEQ_LT(seq, end))
		return none;

	/* the last held segment starting at or before seq: trim against it */
	uint16_t *link = &c->head, i = c->head, prev = REASM_NIL;
	while (i != REASM_NIL && SEQ_LEQ(r->seg[i].seq, seq)) {
		prev = i;
		link = &r->seg[i].next;
		i = r->seg[i].next;
	}
	if (prev != REASM_NIL) {
		uint32_t pend = r->seg[prev].seq + r->seg[prev].len;
		if (SEQ_GEQ(pend, end))
			return none;
		if (SEQ_GT(pend, seq)) {
			data += pend - seq;
			seq = pend;
		}
	}
	/* held segments the new one covers whole, then one it overlaps */
	uint16_t j = i;
	uint32_t covered = 0;
	while (j != REASM_NIL && SEQ_LT(r->seg[j].seq, end) &&
	       SEQ_LEQ(r->seg[j].seq + r->seg[j].len, end)) {
		covered++;
		j = r->seg[j].next;
	}
	if (j != REASM_NIL && SEQ_LT(r->seg[j].seq, end))
		end = r->seg[j].seq;
	if (!SEQ_LT(seq, end))
		return none;

	uint16_t k;
	if (covered) {
		/* the first covered slot takes the new segment; the others go */
		k = i;
		for (uint16_t x = r->seg[i].next; x != j;) {
			uint16_t nx = r->seg[x].next;
			slot_put(r, x);
			x = nx;
		}
		c->n = (uint8_t)(c->n - (covered - 1));
	} else {
		if (c->n >= r->per_conn || r->nfree == 0)
			return REASM_FULL;
		k = slot_get(r);
		c->n++;
	}
	struct reasm_seg *s = &r->seg[k];
	s->seq = seq;
	s->len = (uint16_t)(end - seq);
	s->next = j;
	*link = k;
	memcpy(slot_data(r, k), data, end - seq);
	c->recent = k;
	return REASM_HELD;
}

uint32_t reasm_pull(struct reasm *r, uint32_t id, uint32_t rcv_nxt, reasm_take_fn take,
		    void *arg, uint32_t *segs)
{
	uint32_t total = 0, whole = 0;
	struct reasm_conn *c = reasm_conn_get(r, id);
	if (c != NULL) {
		uint16_t i;
		while ((i = c->head) != REASM_NIL) {
			struct reasm_seg *s = &r->seg[i];
			uint32_t send = s->seq + s->len;
			if (SEQ_GT(s->seq, rcv_nxt))
				break; /* a hole */
			if (SEQ_GT(send, rcv_nxt)) {
				/* A held segment the program took only part
				 * of stays whole, its start below rcv_nxt. */
				uint32_t off = rcv_nxt - s->seq, n = s->len - off;
				uint32_t got = take(arg, slot_data(r, i) + off, n);
				if (got > n)
					got = n;
				total += got;
				rcv_nxt += got;
				if (got < n)
					break;
				whole++;
			}
			/* delivered, or below rcv_nxt already */
			c->head = s->next;
			slot_put(r, i);
			c->n--;
		}
		ctx_release_if_empty(r, id, c);
	}
	if (segs)
		*segs = whole;
	return total;
}

int reasm_fin(struct reasm *r, uint32_t id, uint32_t rcv_nxt)
{
	struct reasm_conn *c = reasm_conn_get(r, id);
	if (c == NULL || !c->fin || c->fin_seq != rcv_nxt)
		return 0;
	c->fin = 0;
	ctx_release_if_empty(r, id, c);
	return 1;
}

/* The next contiguous run of held bytes from slot i, clipped below at
 * from: [*lo, *hi). Returns the slot after it; *has_recent says whether
 * the run holds the slot held last. */
static uint16_t run_of(const struct reasm *r, const struct reasm_conn *c, uint16_t i,
		       uint32_t from, uint32_t *lo, uint32_t *hi, int *has_recent)
{
	*lo = r->seg[i].seq;
	*hi = *lo + r->seg[i].len;
	*has_recent = i == c->recent;
	for (i = r->seg[i].next; i != REASM_NIL && r->seg[i].seq == *hi; i = r->seg[i].next) {
		*hi += r->seg[i].len;
		*has_recent |= i == c->recent;
	}
	if (SEQ_LT(*lo, from))
		*lo = from;
	return i;
}

uint32_t reasm_ranges(const struct reasm *r, uint32_t id, uint32_t rcv_nxt, uint32_t *lo,
		      uint32_t *hi, uint32_t max)
{
	const struct reasm_conn *c = reasm_conn_get(r, id);
	if (c == NULL || max == 0)
		return 0;
	uint32_t n = 0, a, b;
	int rec;
	/* first the run holding the segment held last */
	for (uint16_t i = c->head; i != REASM_NIL;) {
		i = run_of(r, c, i, rcv_nxt, &a, &b, &rec);
		if (rec && SEQ_LT(a, b)) {
			lo[n] = a;
			hi[n++] = b;
			break;
		}
	}
	for (uint16_t i = c->head; i != REASM_NIL && n < max;) {
		i = run_of(r, c, i, rcv_nxt, &a, &b, &rec);
		if (!SEQ_LT(a, b) || (n && lo[0] == a && hi[0] == b))
			continue;
		lo[n] = a;
		hi[n++] = b;
	}
	return n;
}

void reasm_free(struct reasm *r, uint32_t id)
{
	struct reasm_conn *c = reasm_conn_get(r, id);
	if (c == NULL)
		return;
	uint16_t i = c->head;
	while (i != REASM_NIL) {
		uint16_t nx = r->seg[i].next;
		slot_put(r, i);
		i = nx;
	}
	c->head = c->recent = REASM_NIL;
	c->n = 0;
	c->fin = 0;
	ctx_release_if_empty(r, id, c);
}
