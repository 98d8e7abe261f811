/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf.h: the per-packet path takes mbufs from, and gives them back to,
 * its lcore's cache of the pool inline. It must behave as
 * rte_pktmbuf_alloc and rte_pktmbuf_free do: the frame freed last is the
 * next one handed out, reset; every mbuf gets back to its own pool;
 * one still referenced elsewhere, or part of a chain, is left to DPDK;
 * and without a cache (a worker not bound yet) DPDK does all of it.
 */
#include "fsm_util.h"

#define N 1023
#define CACHE 64

static struct rte_mempool *pa, *pb;

static int setup(void **state)
{
	(void)state;
	if (fsm_eal_init() < 0)
		return -1;
	pa = rte_pktmbuf_pool_create("tmbuf_a", N, CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	pb = rte_pktmbuf_pool_create("tmbuf_b", N, CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	return pa != NULL && pb != NULL ? 0 : -1;
}

static struct worker *bound(struct rte_mempool *p)
{
	static struct worker w;
	memset(&w, 0, sizeof(w));
	w.pool = p;
	mbuf_cache_bind(&w);
	return &w;
}

/* What a segment built on it leaves behind. */
static void dirty(struct rte_mbuf *m)
{
	m->data_off = 10;
	m->data_len = m->pkt_len = 700;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	m->tx_offload = 12345;
	m->packet_type = 7;
	m->port = 3;
	m->vlan_tci = 9;
}

static void assert_reset(const struct rte_mbuf *m)
{
	assert_int_equal(m->data_off, RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len));
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->ol_flags & ~RTE_MBUF_F_EXTERNAL, 0);
	assert_int_equal(m->tx_offload, 0);
	assert_int_equal(m->packet_type, 0);
	assert_int_equal(m->vlan_tci, 0);
	assert_int_equal(m->nb_segs, 1);
	assert_null(m->next);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
}

static void test_last_freed_comes_back_reset(void **state)
{
	(void)state;
	struct worker *w = bound(pa);
	assert_ptr_not_equal(w->mcache, &mbuf_no_cache);
	struct rte_mbuf *m = mbuf_alloc(w);
	assert_non_null(m);
	assert_ptr_equal(m->pool, pa);
	dirty(m);
	uint32_t len = w->mcache->len;
	mbuf_free(w, m);
	assert_int_equal(w->mcache->len, len + 1); /* into the cache, inline */
	struct rte_mbuf *again = mbuf_alloc(w);
	assert_ptr_equal(again, m);
	assert_reset(again);
	mbuf_free(w, again);
	assert_int_equal(rte_mempool_avail_count(pa), N);
}

static void test_all_come_back_past_the_cache(void **state)
{
	(void)state;
	struct worker *w = bound(pa);
	static struct rte_mbuf *ms[N];
	/* more than the cache holds both ways: the refill and the flush are
	 * DPDK's */
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < N; i++) {
			ms[i] = mbuf_alloc(w);
			assert_non_null(ms[i]);
			assert_reset(ms[i]);
			dirty(ms[i]);
		}
		assert_null(mbuf_alloc(w)); /* the pool is empty */
		assert_int_equal(rte_mempool_avail_count(pa), 0);
		for (uint32_t i = 0; i < N; i++)
			mbuf_free(w, ms[i]);
		assert_true(w->mcache->len <= w->mcache->flushthresh);
		assert_int_equal(rte_mempool_avail_count(pa), N);
	}
}

static void test_another_pool_goes_home(void **state)
{
	(void)state;
	struct worker *w = bound(pa);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pb);
	assert_non_null(m);
	uint32_t len = w->mcache->len;
	mbuf_free(w, m);
	assert_int_equal(w->mcache->len, len); /* not into pa's cache */
	assert_int_equal(rte_mempool_avail_count(pb), N);
	assert_int_equal(rte_mempool_avail_count(pa), N);
}

static void test_shared_and_chained_are_dpdks(void **state)
{
	(void)state;
	struct worker *w = bound(pa);
	/* held twice (a copy in flight elsewhere): the first free only
	 * lets go of one reference */
	struct rte_mbuf *m = mbuf_alloc(w);
	assert_non_null(m);
	rte_mbuf_refcnt_update(m, 1);
	mbuf_free(w, m);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(rte_mempool_avail_count(pa), N - 1);
	mbuf_free(w, m);
	assert_int_equal(rte_mempool_avail_count(pa), N);
	/* a chain: every segment back */
	struct rte_mbuf *a = mbuf_alloc(w), *b = mbuf_alloc(w);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	mbuf_free(w, a);
	assert_int_equal(rte_mempool_avail_count(pa), N);
	/* an indirect mbuf (attached to another's data): both back */
	struct rte_mbuf *d = mbuf_alloc(w), *ind = mbuf_alloc(w);
	rte_pktmbuf_attach(ind, d);
	mbuf_free(w, d); /* d still referenced by ind */
	assert_int_equal(rte_mempool_avail_count(pa), N - 2);
	mbuf_free(w, ind);
	assert_int_equal(rte_mempool_avail_count(pa), N);
}

static void test_unbound_is_all_dpdk(void **state)
{
	(void)state;
	struct worker w;
	memset(&w, 0, sizeof(w));
	w.pool = pa;
	w.mcache = &mbuf_no_cache; /* as worker_init_mode leaves it */
	struct rte_mbuf *m = mbuf_alloc(&w);
	assert_non_null(m);
	assert_ptr_equal(m->pool, pa);
	assert_reset(m);
	dirty(m);
	mbuf_free(&w, m);
	assert_int_equal(mbuf_no_cache.len, 0);
	assert_int_equal(rte_mempool_avail_count(pa), N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_freed_comes_back_reset),
		cmocka_unit_test(test_all_come_back_past_the_cache),
		cmocka_unit_test(test_another_pool_goes_home),
		cmocka_unit_test(test_shared_and_chained_are_dpdks),
		cmocka_unit_test(test_unbound_is_all_dpdk),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
