/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly (reasm.h): a byte stream cut at random, sent
 * in random order with duplicates and overlaps, comes out byte-exact;
 * the area's bounds, sequence wrap-around, FINs, SACK ranges, and every
 * slot going back to the pool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reasm.h"
#include "seq.h"

static void *t_calloc(size_t n, size_t size, int socket)
{
	(void)socket;
	return calloc(n, size);
}

static uint64_t rng;
static uint32_t rnd(uint32_t n) /* 0 .. n - 1 */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

#define SLOT 1460
#define STREAM 60000

static uint8_t src[STREAM], dst[STREAM];

/* What the area holds for id is sorted, disjoint, at most per_conn
 * segments, and byte for byte the stream's (isn: the stream's first
 * sequence number). Returns the segments held. */
static uint32_t check_conn(const struct reasm *r, uint32_t id, uint32_t isn)
{
	const struct reasm_conn *c = reasm_conn_get(r, id);
	if (c == NULL)
		return 0; /* holds nothing: its context went back */
	uint32_t n = 0, prev_end = 0;
	for (uint16_t i = c->head; i != REASM_NIL; i = r->seg[i].next) {
		const struct reasm_seg *s = &r->seg[i];
		assert_true(s->len > 0 && s->len <= r->slot_bytes);
		if (n)
			assert_true(SEQ_GEQ(s->seq, prev_end));
		uint32_t off = s->seq - isn;
		assert_true(off + s->len <= STREAM);
		assert_memory_equal(r->data + (size_t)i * r->slot_bytes, src + off, s->len);
		prev_end = s->seq + s->len;
		n++;
		assert_true(n <= r->per_conn);
	}
	assert_int_equal(n, c->n);
	return n;
}

/* The program: takes all, or now and then only part (it is busy). */
struct sink {
	uint32_t isn, rcv_nxt; /* of the next byte taken */
	int partial;
};

static uint32_t take(void *arg, const uint8_t *data, uint32_t len)
{
	struct sink *k = arg;
	uint32_t n = len;
	if (k->partial && rnd(8) == 0)
		n = rnd(len + 1);
	memcpy(dst + (k->rcv_nxt - k->isn), data, n);
	k->rcv_nxt += n;
	return n;
}

struct stats {
	uint64_t held, dup, full, reassembled, rounds, fins;
};

/* A receiver over the area: one segment [seq, seq + len) (+ FIN), as
 * tcp_in.c would use it. */
static void receive(struct reasm *r, uint32_t id, struct sink *k, uint32_t seq, uint32_t len,
		    int fin, int *fin_in, struct stats *st)
{
	uint32_t end = seq + len;
	const uint8_t *data = src + (seq - k->isn);
	if (SEQ_LEQ(seq, k->rcv_nxt)) {
		if (SEQ_GT(end, k->rcv_nxt) || (fin && end == k->rcv_nxt)) {
			uint32_t skip = k->rcv_nxt - seq, want = end - k->rcv_nxt;
			uint32_t got = take(k, data + skip, want);
			if (got == want && fin)
				*fin_in = 1;
		}
		uint32_t segs = 0;
		uint32_t before = k->rcv_nxt;
		uint32_t n = reasm_pull(r, id, k->rcv_nxt, take, k, &segs);
		assert_int_equal(k->rcv_nxt - before, n); /* take advanced it */
		st->reassembled += segs;
		if (reasm_fin(r, id, k->rcv_nxt)) {
			*fin_in = 1;
			st->fins++;
		}
	} else {
		int rc = reasm_insert(r, id, k->rcv_nxt, seq, data, len, fin);
		if (rc == REASM_HELD)
			st->held++;
		else if (rc == REASM_DUP)
			st->dup++;
		else
			st->full++;
	}
}

/* The whole stream of conns connections through the area, each cut at
 * random and sent in random order with duplicates and overlaps; a
 * round's loss is sent again from where the receiver stands (as the
 * peer's retransmission would). */
static void run_streams(struct reasm *r, uint32_t conns, uint32_t isn0, uint32_t stream,
			int partial, struct stats *st)
{
	struct sink k[4];
	int fin_in[4] = { 0 };
	assert_true(conns <= 4);
	for (uint32_t c = 0; c < conns; c++) {
		k[c].isn = isn0 + c * 7777;
		k[c].rcv_nxt = k[c].isn;
		k[c].partial = partial;
	}
	memset(dst, 0, sizeof(dst));
	struct { uint32_t c, seq, len; int fin; } segs[512];
	for (int round = 0; round < 1000; round++) {
		uint32_t n = 0;
		int done = 1;
		for (uint32_t c = 0; c < conns; c++) {
			if (fin_in[c])
				continue;
			done = 0;
			/* from what is missing to the end, in random cuts,
			 * with some cuts again overlapping their neighbours */
			uint32_t off = k[c].rcv_nxt - k[c].isn;
			while (off < stream && n < 500) {
				uint32_t len = 1 + rnd(SLOT);
				if (off + len > stream)
					len = stream - off;
				segs[n].c = c;
				segs[n].seq = k[c].isn + off;
				segs[n].len = len;
				segs[n].fin = off + len == stream;
				n++;
				if (rnd(4) == 0 && n < 500) { /* an overlapping one */
					uint32_t a = off >= 700 ? off - rnd(700) : 0;
					uint32_t l = 1 + rnd(2 * SLOT);
					if (a + l > stream)
						l = stream - a;
					segs[n].c = c;
					segs[n].seq = k[c].isn + a;
					segs[n].len = l;
					segs[n].fin = a + l == stream;
					n++;
				}
				off += len;
			}
			if (off == stream && rnd(2) && n < 500) { /* a duplicate */
				segs[n] = segs[rnd(n)];
				n++;
			}
		}
		if (done)
			break;
		st->rounds++;
		for (uint32_t i = n; i > 1; i--) { /* shuffle */
			uint32_t j = rnd(i);
			__typeof__(segs[0]) x = segs[i - 1];
			segs[i - 1] = segs[j];
			segs[j] = x;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t c = segs[i].c;
			if (fin_in[c])
				continue;
			receive(r, c, &k[c], segs[i].seq, segs[i].len, segs[i].fin, &fin_in[c], st);
			check_conn(r, c, k[c].isn);
		}
	}
	for (uint32_t c = 0; c < conns; c++) {
		assert_true(fin_in[c]);
		assert_int_equal(k[c].rcv_nxt - k[c].isn, stream);
		/* byte-exact: every connection sends the same source bytes */
		assert_false(reasm_pending(r, c));
	}
	assert_memory_equal(dst, src, stream);
	assert_int_equal(r->nfree, r->nslots);
	/* every connection context is back on the free list */
	uint32_t nctx = 0;
	for (uint32_t i = r->ctx_free; i != REASM_NIL; i = r->conn[i].recent)
		nctx++;
	assert_int_equal(nctx, r->nctx);
	for (uint32_t c = 0; c < r->nconn; c++)
		assert_int_equal(r->ctx_of[c], 0);
}

static void fill_src(void)
{
	for (uint32_t i = 0; i < STREAM; i++)
		src[i] = (uint8_t)(rnd(256));
}

static void test_random_streams(void **state)
{
	(void)state;
	struct stats st = { 0 };
	for (uint64_t seed = 1; seed <= 60; seed++) {
		rng = seed * 0x9E3779B97F4A7C15ull;
		fill_src();
		struct reasm r;
		assert_int_equal(reasm_init(&r, 16, 64, SLOT, t_calloc, 0), 0);
		/* ISNs anywhere, a third of them just below 2^32 */
		uint32_t isn = seed % 3 == 0 ? UINT32_MAX - rnd(3 * SLOT) : (uint32_t)rng;
		run_streams(&r, 1, isn, STREAM, (int)(seed & 1), &st);
		reasm_fini(&r, free);
	}
	print_message("held %llu dup %llu full %llu reassembled %llu rounds %llu\n",
		      (unsigned long long)st.held, (unsigned long long)st.dup,
		      (unsigned long long)st.full, (unsigned long long)st.reassembled,
		      (unsigned long long)st.rounds);
	assert_true(st.held > 1000);
	assert_true(st.dup > 100);
	assert_true(st.reassembled > 1000);
	assert_true(st.reassembled <= st.held);
	assert_true(st.fins > 0); /* FINs held out of order and delivered */
}

static void test_full_area(void **state)
{
	(void)state;
	/* per connection: 3 segments; the pool: 4 slots for 4 connections
	 * (budget capped by hand): both limits are met and counted, and
	 * the stream still comes out whole */
	struct stats st = { 0 };
	for (uint64_t seed = 100; seed < 120; seed++) {
		rng = seed;
		fill_src();
		struct reasm r;
		assert_int_equal(reasm_init(&r, 4, 3, SLOT, t_calloc, 0), 0);
		assert_int_equal(r.nslots, 12);
		r.nslots = r.nfree = 4; /* the first 4 slots only */
		r.seg[3].next = REASM_NIL;
		run_streams(&r, 3, (uint32_t)(seed << 28), 20000, 0, &st);
		assert_int_equal(r.nfree, 4);
		reasm_fini(&r, free);
	}
	assert_true(st.full > 100);
	assert_true(st.reassembled > 0);
}

static void test_limits(void **state)
{
	(void)state;
	rng = 7;
	fill_src();
	struct reasm r;
	assert_int_equal(reasm_init(&r, 2, 2, 100, t_calloc, 0), 0);
	const uint32_t isn = 0xfffffff0u; /* wraps at byte 16 */
	/* per connection: two, then full; the other connection still holds */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 10, src + 10, 10, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 30, src + 30, 10, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 50, src + 50, 10, 0), REASM_FULL);
	assert_int_equal(reasm_conn_get(&r, 0)->n, 2);
	/* duplicates and what it already has: nothing new, no slot */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 12, src + 12, 5, 0), REASM_DUP);
	/* a segment covering both held ones takes their place: one slot */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 8, src + 8, 40, 0), REASM_HELD);
	assert_int_equal(reasm_conn_get(&r, 0)->n, 1);
	assert_int_equal(r.nfree, 3);
	check_conn(&r, 0, isn);
	assert_int_equal(r.seg[reasm_conn_get(&r, 0)->head].seq, isn + 8);
	assert_int_equal(r.seg[reasm_conn_get(&r, 0)->head].len, 40);
	/* longer than a slot: held up to it, its FIN not */
	assert_int_equal(reasm_insert(&r, 1, isn, isn + 100, src + 100, 150, 1), REASM_HELD);
	assert_int_equal(r.seg[reasm_conn_get(&r, 1)->head].len, 100);
	assert_false(reasm_conn_get(&r, 1)->fin);
	/* below rcv_nxt entirely: duplicate */
	assert_int_equal(reasm_insert(&r, 1, isn + 200, isn + 100, src + 100, 50, 0), REASM_DUP);
	/* reasm_free gives every slot back */
	reasm_free(&r, 0);
	reasm_free(&r, 1);
	assert_int_equal(r.nfree, r.nslots);
	assert_false(reasm_pending(&r, 0));
	assert_false(reasm_pending(&r, 1));
	/* an id past the table, or no area at all: never held, no crash */
	assert_int_equal(reasm_insert(&r, 2, isn, isn + 1, src, 1, 0), REASM_FULL);
	reasm_free(&r, 2);
	reasm_fini(&r, free);
	assert_int_equal(reasm_init(&r, 2, 0, 100, t_calloc, 0), 0);
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 1, src, 1, 0), REASM_FULL);
	assert_false(reasm_pending(&r, 0));
	assert_int_equal(reasm_pull(&r, 0, isn, take, NULL, NULL), 0);
	reasm_free(&r, 0);
	reasm_fini(&r, free);
	/* the budget */
	assert_int_equal(reasm_budget(100, 8), 800);
	assert_int_equal(reasm_budget(1u << 20, 8), REASM_POOL_MAX);
	assert_int_equal(reasm_budget(100, 0), 0);
}

static void test_fin(void **state)
{
	(void)state;
	rng = 9;
	fill_src();
	struct reasm r;
	assert_int_equal(reasm_init(&r, 1, 8, 100, t_calloc, 0), 0);
	const uint32_t isn = 1000;
	/* data held beyond where a FIN then arrives is not data */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 60, src + 60, 20, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 90, src + 90, 20, 0), REASM_HELD);
	/* a bare FIN at 70, out of order */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 70, NULL, 0, 1), REASM_HELD);
	assert_true(reasm_conn_get(&r, 0)->fin);
	assert_int_equal(reasm_conn_get(&r, 0)->fin_seq, isn + 70);
	assert_int_equal(reasm_conn_get(&r, 0)->n, 1);
	assert_int_equal(r.seg[reasm_conn_get(&r, 0)->head].len, 10);
	/* data after the FIN: not held; a FIN again: nothing new */
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 80, src + 80, 5, 0), REASM_DUP);
	assert_int_equal(reasm_insert(&r, 0, isn, isn + 60, src + 60, 10, 1), REASM_DUP);
	assert_true(reasm_pending(&r, 0));
	/* the hole fills: 60 bytes in order, then the held 10, then FIN */
	struct sink k = { .isn = isn, .rcv_nxt = isn + 60 };
	memcpy(dst, src, 60);
	assert_int_equal(reasm_fin(&r, 0, isn + 60), 0);
	uint32_t segs;
	assert_int_equal(reasm_pull(&r, 0, isn + 60, take, &k, &segs), 10);
	assert_int_equal(segs, 1);
	assert_memory_equal(dst, src, 70);
	assert_int_equal(reasm_fin(&r, 0, isn + 70), 1);
	assert_int_equal(reasm_fin(&r, 0, isn + 70), 0); /* counted once */
	assert_false(reasm_pending(&r, 0));
	assert_int_equal(r.nfree, r.nslots);
	reasm_fini(&r, free);
}

static uint32_t take_3(void *arg, const uint8_t *data, uint32_t len)
{
	(void)data;
	uint32_t *left = arg;
	uint32_t n = len < *left ? len : *left;
	*left -= n;
	return n;
}

static void test_pull_partial(void **state)
{
	(void)state;
	rng = 11;
	fill_src();
	struct reasm r;
	assert_int_equal(reasm_init(&r, 1, 8, 100, t_calloc, 0), 0);
	assert_int_equal(reasm_insert(&r, 0, 0, 10, src + 10, 10, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, 0, 20, src + 20, 10, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, 0, 40, src + 40, 10, 0), REASM_HELD);
	/* the program takes 13: the first whole, 3 of the second */
	uint32_t left = 13, segs;
	assert_int_equal(reasm_pull(&r, 0, 10, take_3, &left, &segs), 13);
	assert_int_equal(segs, 1);
	assert_int_equal(reasm_conn_get(&r, 0)->n, 2);
	/* later: the rest of the second from 23, then the hole at 30 */
	left = 100;
	assert_int_equal(reasm_pull(&r, 0, 23, take_3, &left, &segs), 7);
	assert_int_equal(segs, 1);
	assert_int_equal(reasm_conn_get(&r, 0)->n, 1);
	/* in-order data moved rcv_nxt past a held segment: it is dropped */
	assert_int_equal(reasm_pull(&r, 0, 55, take_3, &left, &segs), 0);
	assert_int_equal(segs, 0);
	assert_false(reasm_pending(&r, 0));
	assert_int_equal(r.nfree, r.nslots);
	reasm_fini(&r, free);
}

static void test_ranges(void **state)
{
	(void)state;
	rng = 13;
	fill_src();
	struct reasm r;
	assert_int_equal(reasm_init(&r, 1, 8, 200, t_calloc, 0), 0);
	const uint32_t b = UINT32_MAX - 1200; /* the ranges cross 2^32 */
	uint32_t lo[4], hi[4];
	assert_int_equal(reasm_ranges(&r, 0, b + 1000, lo, hi, 4), 0);
	assert_int_equal(reasm_insert(&r, 0, b + 1000, b + 1100, src, 100, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, b + 1000, b + 1200, src, 100, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, b + 1000, b + 1500, src, 100, 0), REASM_HELD);
	assert_int_equal(reasm_insert(&r, 0, b + 1000, b + 1400, src, 50, 0), REASM_HELD);
	/* the block of the segment held last first, then in order; adjacent
	 * segments are one block */
	assert_int_equal(reasm_ranges(&r, 0, b + 1000, lo, hi, 4), 3);
	assert_int_equal(lo[0], b + 1400);
	assert_int_equal(hi[0], b + 1450);
	assert_int_equal(lo[1], b + 1100);
	assert_int_equal(hi[1], b + 1300);
	assert_int_equal(lo[2], b + 1500);
	assert_int_equal(hi[2], b + 1600);
	/* at most max */
	assert_int_equal(reasm_ranges(&r, 0, b + 1000, lo, hi, 2), 2);
	assert_int_equal(lo[1], b + 1100);
	/* filling 1300..1400 joins three segments into one block, first */
	assert_int_equal(reasm_insert(&r, 0, b + 1000, b + 1300, src, 100, 0), REASM_HELD);
	assert_int_equal(reasm_ranges(&r, 0, b + 1000, lo, hi, 4), 2);
	assert_int_equal(lo[0], b + 1100);
	assert_int_equal(hi[0], b + 1450);
	assert_int_equal(lo[1], b + 1500);
	/* clipped at rcv_nxt */
	assert_int_equal(reasm_ranges(&r, 0, b + 1150, lo, hi, 4), 2);
	assert_int_equal(lo[0], b + 1150);
	reasm_free(&r, 0);
	assert_int_equal(r.nfree, r.nslots);
	reasm_fini(&r, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_streams),
		cmocka_unit_test(test_full_area),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fin),
		cmocka_unit_test(test_pull_partial),
		cmocka_unit_test(test_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
