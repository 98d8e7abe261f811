/* SPDX-License-Identifier: BSD-3-Clause */
/* The connection table (conn.h): pool, free list, hash, tuple map. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conn.h"

static int allocs, fail_at;

static void *tc_calloc(size_t n, size_t size, int socket)
{
	assert_int_equal(socket, 3); /* the socket is passed through */
	if (++allocs == fail_at)
		return NULL;
	return calloc(n, size);
}

static void init(struct conn_table *ct, uint32_t size, uint32_t ntuples)
{
	allocs = 0;
	fail_at = 0;
	assert_int_equal(conn_init(ct, size, ntuples, tc_calloc, 3), 0);
}

static int is_zero_tcb(const struct tcb *t)
{
	/* All zero except the "none" markers conn_alloc sets. */
	struct tcb z;
	memset(&z, 0, sizeof(z));
	z.hnext = TCB_NIL;
	z.tuple = TCB_NIL;
	z.tn.pos = TCB_NIL;
	return memcmp(t, &z, sizeof(z)) == 0;
}

static void test_init_shape(void **state)
{
	(void)state;
	struct conn_table ct;
	init(&ct, 100, 10);
	assert_int_equal(allocs, 1); /* the hash; the TCBs and tuple slots are mapped */
	assert_int_equal(ct.size, 100);
	assert_int_equal(ct.nfree, 100);
	assert_int_equal(ct.hash_mask, 63); /* >= size / 2 buckets, power of 2 */
	assert_int_equal(ct.ntuples, 10);
	for (uint32_t i = 0; i <= ct.hash_mask; i++)
		assert_int_equal(ct.hash[i], TCB_NIL);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(conn_tuple_get(&ct, i), TCB_NIL);
	conn_fini(&ct, free);
	assert_null(ct.tcb);

	init(&ct, 64, 0);
	assert_int_equal(ct.hash_mask, 31);
	assert_int_equal(ct.ntuples, 0);
	assert_int_equal(conn_tuple_get(&ct, 0), TCB_NIL);
	conn_fini(&ct, free);
}

static void test_init_nomem(void **state)
{
	(void)state;
	struct conn_table ct;
	for (int k = 1; k <= 1; k++) { /* the hash; the TCBs and tuples are mapped */
		allocs = 0;
		fail_at = k;
		assert_int_equal(conn_init(&ct, 16, 4, tc_calloc, 3), -1);
		conn_fini(&ct, free); /* releases what was allocated */
	}
}

static void test_alloc_exhaust(void **state)
{
	(void)state;
	struct conn_table ct;
	init(&ct, 5, 0);
	/* in index order */
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t id = conn_alloc(&ct);
		assert_int_equal(id, i);
		assert_true(is_zero_tcb(conn_tcb(&ct, id)));
		assert_int_equal(ct.nfree, 4 - i);
	}
	assert_int_equal(conn_alloc(&ct), TCB_NIL);
	assert_int_equal(conn_alloc(&ct), TCB_NIL);
	assert_int_equal(ct.nfree, 0);

	/* dirty two, free them: they come back zeroed, last freed first */
	memset(conn_tcb(&ct, 1), 0xab, sizeof(struct tcb));
	conn_tcb(&ct, 1)->state = TCP_ESTABLISHED;
	memset(conn_tcb(&ct, 3), 0xcd, sizeof(struct tcb));
	conn_free(&ct, 1);
	assert_int_equal(conn_tcb(&ct, 1)->state, TCP_CLOSED);
	conn_free(&ct, 3);
	assert_int_equal(ct.nfree, 2);
	uint32_t a = conn_alloc(&ct), b = conn_alloc(&ct);
	assert_int_equal(a, 3);
	assert_int_equal(b, 1);
	assert_true(is_zero_tcb(conn_tcb(&ct, a)));
	assert_true(is_zero_tcb(conn_tcb(&ct, b)));
	assert_int_equal(conn_alloc(&ct), TCB_NIL);

	/* the rest of the pool was not touched by the reuse */
	for (uint32_t i = 0; i < 5; i++)
		conn_free(&ct, i);
	assert_int_equal(ct.nfree, 5);
	uint32_t seen = 0;
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t id = conn_alloc(&ct);
		assert_true(id < 5);
		assert_false(seen & (1u << id));
		seen |= 1u << id;
	}
	assert_int_equal(seen, 0x1f);
	assert_int_equal(conn_alloc(&ct), TCB_NIL);
	conn_fini(&ct, free);
}

static uint32_t add(struct conn_table *ct, uint32_t rip, uint16_t rport,
		    uint32_t lip, uint16_t lport)
{
	uint32_t id = conn_alloc(ct);
	assert_int_not_equal(id, TCB_NIL);
	struct tcb *t = conn_tcb(ct, id);
	t->rip = rip;
	t->rport = rport;
	t->lip = lip;
	t->lport = lport;
	conn_hash_insert(ct, id);
	return id;
}

static uint32_t bucket(const struct conn_table *ct, uint32_t rip,
		       uint16_t rport, uint32_t lip, uint16_t lport)
{
	return conn_hash4(rip, rport, lip, lport) & ct->hash_mask;
}

static void test_hash_collisions(void **state)
{
	(void)state;
	struct conn_table ct;
	init(&ct, 16, 0);
	assert_int_equal(ct.hash_mask, 7);
	const uint32_t lip = 0x0a000001, rip = 0xc0a80001;
	const uint16_t lport = 80;
	/* four remote ports that share one bucket */
	uint16_t rp[4];
	uint32_t b0 = bucket(&ct, rip, 1000, lip, lport);
	int n = 0;
	for (uint16_t p = 1000; n < 4; p++)
		if (bucket(&ct, rip, p, lip, lport) == b0)
			rp[n++] = p;
	/* and one in another bucket */
	uint16_t other = 1001;
	while (bucket(&ct, rip, other, lip, lport) == b0)
		other++;

	uint32_t id[4];
	for (int i = 0; i < 4; i++)
		id[i] = add(&ct, rip, rp[i], lip, lport);
	uint32_t ido = add(&ct, rip, other, lip, lport);
	/* chained: all four hang off one bucket */
	uint32_t chain = 0;
	for (uint32_t x = ct.hash[b0]; x != TCB_NIL; x = conn_tcb(&ct, x)->hnext)
		chain++;
	assert_int_equal(chain, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(conn_hash_lookup(&ct, rip, rp[i], lip, lport), id[i]);
	assert_int_equal(conn_hash_lookup(&ct, rip, other, lip, lport), ido);

	/* misses: another remote port, remote IP, local IP, local port */
	uint16_t miss = 1000;
	while (miss == rp[0] || miss == rp[1] || miss == rp[2] || miss == rp[3] ||
	       miss == other)
		miss++;
	assert_int_equal(conn_hash_lookup(&ct, rip, miss, lip, lport), TCB_NIL);
	assert_int_equal(conn_hash_lookup(&ct, rip + 1, rp[0], lip, lport), TCB_NIL);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[0], lip + 1, lport), TCB_NIL);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[0], lip, 81), TCB_NIL);
	/* swapped ends are another connection */
	assert_int_equal(conn_hash_lookup(&ct, lip, lport, rip, rp[0]), TCB_NIL);

	/* remove from the middle, the head, the tail of the chain */
	conn_hash_remove(&ct, id[1]);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[1], lip, lport), TCB_NIL);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[0], lip, lport), id[0]);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[2], lip, lport), id[2]);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[3], lip, lport), id[3]);
	uint32_t head = ct.hash[b0];
	conn_hash_remove(&ct, head);
	assert_int_equal(conn_hash_lookup(&ct, conn_tcb(&ct, head)->rip,
					  conn_tcb(&ct, head)->rport, lip, lport),
			 TCB_NIL);
	uint32_t left = 0;
	for (uint32_t x = ct.hash[b0]; x != TCB_NIL; x = conn_tcb(&ct, x)->hnext) {
		assert_int_equal(conn_hash_lookup(&ct, rip, conn_tcb(&ct, x)->rport,
						  lip, lport),
				 x);
		left++;
	}
	assert_int_equal(left, 2);
	/* removing what is not in the table changes nothing */
	conn_hash_remove(&ct, id[1]);
	for (uint32_t x = ct.hash[b0], k = 0; k < 2; k++) {
		assert_int_not_equal(x, TCB_NIL);
		conn_hash_remove(&ct, x);
		x = ct.hash[b0];
	}
	assert_int_equal(ct.hash[b0], TCB_NIL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(conn_hash_lookup(&ct, rip, rp[i], lip, lport),
				 TCB_NIL);
	assert_int_equal(conn_hash_lookup(&ct, rip, other, lip, lport), ido);

	/* a freed and reused TCB can go back in */
	conn_free(&ct, id[2]);
	uint32_t again = add(&ct, rip, rp[2], lip, lport);
	assert_int_equal(again, id[2]);
	assert_int_equal(conn_hash_lookup(&ct, rip, rp[2], lip, lport), again);
	conn_fini(&ct, free);
}

static void test_hash_many(void **state)
{
	(void)state;
	struct conn_table ct;
	init(&ct, 1000, 0);
	uint32_t id[1000];
	for (uint32_t i = 0; i < 1000; i++)
		id[i] = add(&ct, 0x0a000000 + i / 7, (uint16_t)(1024 + i % 7),
			    0x0a640001, 443);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(conn_hash_lookup(&ct, 0x0a000000 + i / 7,
						  (uint16_t)(1024 + i % 7),
						  0x0a640001, 443),
				 id[i]);
	for (uint32_t i = 0; i < 1000; i += 2)
		conn_hash_remove(&ct, id[i]);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(conn_hash_lookup(&ct, 0x0a000000 + i / 7,
						  (uint16_t)(1024 + i % 7),
						  0x0a640001, 443),
				 i % 2 ? id[i] : TCB_NIL);
	conn_fini(&ct, free);
}

static void test_tuple_map(void **state)
{
	(void)state;
	struct conn_table ct;
	init(&ct, 4, 6);
	for (uint32_t s = 0; s < 6; s++)
		assert_int_equal(conn_tuple_get(&ct, s), TCB_NIL);
	conn_tuple_set(&ct, 0, 3);
	conn_tuple_set(&ct, 5, 0);
	assert_int_equal(conn_tuple_get(&ct, 0), 3);
	assert_int_equal(conn_tuple_get(&ct, 5), 0);
	assert_int_equal(conn_tuple_get(&ct, 1), TCB_NIL);
	/* out of range */
	assert_int_equal(conn_tuple_get(&ct, 6), TCB_NIL);
	assert_int_equal(conn_tuple_get(&ct, 1000000), TCB_NIL);
	assert_int_equal(conn_tuple_get(&ct, TCB_NIL), TCB_NIL);
	conn_tuple_set(&ct, 0, TCB_NIL);
	assert_int_equal(conn_tuple_get(&ct, 0), TCB_NIL);
	conn_fini(&ct, free);
}

static void test_hash_spread(void **state)
{
	(void)state;
	/* Sequential client ports against one server: the hash should use
	 * most buckets, not pile them into a few. */
	uint32_t mask = 1023, used = 0;
	static uint8_t hit[1024];
	memset(hit, 0, sizeof(hit));
	for (uint32_t p = 0; p < 1024; p++) {
		uint32_t b = conn_hash4(0x0a000001, (uint16_t)(10000 + p), 0x0a000002,
					80) &
			     mask;
		used += !hit[b];
		hit[b] = 1;
	}
	/* random placement would fill about 1 - 1/e = 63% */
	assert_true(used > 550);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_shape),
		cmocka_unit_test(test_init_nomem),
		cmocka_unit_test(test_alloc_exhaust),
		cmocka_unit_test(test_hash_collisions),
		cmocka_unit_test(test_hash_many),
		cmocka_unit_test(test_tuple_map),
		cmocka_unit_test(test_hash_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
