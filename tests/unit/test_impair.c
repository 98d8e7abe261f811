/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --impair: the decision engine (rates, reproducibility, seeds, jitter)
 * and the transmit path acting on it (loss, duplication, reordering,
 * delay, the full delay queue, teardown), through the real tx_push and
 * the loopback device. The fixture fails a test that leaks an mbuf.
 */
#include "fsm_util.h"
#include "impair.h"

#define N 100000

static struct impair_cfg cfg(double loss, double dup, double reorder, uint32_t delay_us,
			     uint32_t jitter_us)
{
	struct teng_impair im = {
		.loss_ppm = (uint32_t)(loss * 1e6 + 0.5),
		.dup_ppm = (uint32_t)(dup * 1e6 + 0.5),
		.reorder_ppm = (uint32_t)(reorder * 1e6 + 0.5),
		.delay_us = delay_us,
		.jitter_us = jitter_us,
	};
	struct impair_cfg c;
	impair_cfg_of(&c, &im);
	return c;
}

/* N decisions of core `index` under `seed`, as flags | delay << 8. */
static uint64_t *run(const struct impair_cfg *c, uint64_t seed, uint32_t index)
{
	uint64_t *v = malloc(N * sizeof(*v));
	assert_non_null(v);
	uint64_t s = impair_seed(seed, index);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t d;
		uint32_t f = impair_decide(&s, c, &d);
		v[i] = f | (uint64_t)d << 8;
	}
	return v;
}

static uint32_t count(const uint64_t *v, uint32_t flag)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < N; i++)
		n += (v[i] & flag) != 0;
	return n;
}

/* ---- the decision engine ---- */

static void t_thresholds(void **state)
{
	(void)state;
	assert_true(impair_thr(0) == 0);
	assert_true(impair_thr(1000000) == 1ull << 32);
	assert_true(impair_thr(500000) == 1ull << 31);
	struct impair_cfg all = cfg(1, 0, 0, 0, 0), none = cfg(0, 0, 0, 0, 0);
	uint64_t *a = run(&all, 7, 0), *b = run(&none, 7, 0);
	assert_int_equal(count(a, IMPAIR_LOSE), N);
	assert_int_equal(count(b, IMPAIR_LOSE | IMPAIR_DUP | IMPAIR_REORDER), 0);
	free(a);
	free(b);
}

static void t_loss_rate(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0.05, 0, 0, 0, 0);
	uint64_t *v = run(&c, 1, 0);
	uint32_t lost = count(v, IMPAIR_LOSE);
	/* 5000 expected, sd 69: +-300 is over 4 sd */
	assert_in_range(lost, 4700, 5300);
	assert_int_equal(count(v, IMPAIR_DUP | IMPAIR_REORDER), 0);
	free(v);
}

static void t_dup_reorder_rates(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0, 0.01, 0.02, 0, 0);
	uint64_t *v = run(&c, 3, 0);
	assert_in_range(count(v, IMPAIR_DUP), 1000 - 150, 1000 + 150);     /* sd 31 */
	assert_in_range(count(v, IMPAIR_REORDER), 2000 - 200, 2000 + 200); /* sd 44 */
	assert_int_equal(count(v, IMPAIR_LOSE), 0);
	free(v);
	/* With loss: a lost frame is only lost, the rest are decided as
	 * before (dup of the 95% kept: 950). */
	c = cfg(0.05, 0.01, 0.02, 0, 0);
	v = run(&c, 3, 0);
	uint32_t both = 0;
	for (uint32_t i = 0; i < N; i++)
		both += (v[i] & IMPAIR_LOSE) && (v[i] & (IMPAIR_DUP | IMPAIR_REORDER));
	assert_int_equal(both, 0);
	assert_in_range(count(v, IMPAIR_LOSE), 4700, 5300);
	assert_in_range(count(v, IMPAIR_DUP), 950 - 150, 950 + 150);
	assert_in_range(count(v, IMPAIR_REORDER), 1900 - 200, 1900 + 200);
	free(v);
}

static uint32_t differing(const uint64_t *a, const uint64_t *b)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < N; i++)
		n += a[i] != b[i];
	return n;
}

static void t_seeds(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0.05, 0.01, 0.02, 100, 50);
	uint64_t *a = run(&c, 1, 0), *b = run(&c, 1, 0);
	uint64_t *s2 = run(&c, 2, 0), *c1 = run(&c, 1, 1), *z = run(&c, 0, 0);
	/* the same seed and core: the same sequence, frame by frame */
	assert_memory_equal(a, b, N * sizeof(*a));
	/* another seed, another core, seed 0: other sequences (the delay
	 * field alone differs almost everywhere) */
	assert_true(differing(a, s2) > N / 2);
	assert_true(differing(a, c1) > N / 2);
	assert_true(differing(a, z) > N / 2);
	/* ... with the same rates */
	assert_in_range(count(s2, IMPAIR_LOSE), 4700, 5300);
	assert_in_range(count(c1, IMPAIR_LOSE), 4700, 5300);
	free(a);
	free(b);
	free(s2);
	free(c1);
	free(z);
}

static void t_jitter(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0, 0, 0, 5000, 2000);
	uint64_t *v = run(&c, 9, 0);
	uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
	for (uint32_t i = 0; i < N; i++) {
		uint64_t d = v[i] >> 8;
		sum += d;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo >= 5000 && lo < 5020);
	assert_true(hi <= 7000 && hi > 6980);
	/* uniform 0..2000 on top: mean 6000, sd of the mean 1.8 */
	assert_in_range(sum / N, 5990, 6010);
	free(v);
	c = cfg(0, 0, 0, 3000, 0);
	v = run(&c, 9, 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(v[i] >> 8, 3000);
	free(v);
}

/* ---- the transmit path ---- */

static void start(double loss, double dup, double reorder, double delay_ms, double jitter_ms,
		  uint64_t seed)
{
	struct teng_plan *p = plan_new();
	p->impair.loss_ppm = (uint32_t)(loss * 1e6 + 0.5);
	p->impair.dup_ppm = (uint32_t)(dup * 1e6 + 0.5);
	p->impair.reorder_ppm = (uint32_t)(reorder * 1e6 + 0.5);
	p->impair.delay_us = (uint32_t)(delay_ms * 1000 + 0.5);
	p->impair.jitter_us = (uint32_t)(jitter_ms * 1000 + 0.5);
	p->impair.seed = seed;
	p->tx_queue = 64; /* a delay queue of 128, and one per us of delay + jitter */
	fx_start(p);
	assert_non_null(F.w->imp);
}

/* A TCP frame numbered id (its sequence number). */
static struct rte_mbuf *frame(uint32_t id)
{
	return seg_build(CSLOT, &(struct tseg){ .sip = CLIENT_IP, .dip = SERVER_IP,
						.sport = CLIENT_PORT, .dport = SERVER_PORT,
						.seq = id, .flags = TH_ACK, .wnd = 1000,
						.data = "abcd", .len = 4 });
}

static void send_frames(uint32_t from, uint32_t n)
{
	for (uint32_t i = from; i < from + n; i++)
		tx_push(F.w, CSLOT, frame(i));
}

/* The ids of what went out on CSLOT, in order (frames freed). */
static uint32_t got(uint32_t *ids, uint32_t max)
{
	worker_tx_flush(F.w);
	struct rte_mbuf *m[32];
	uint32_t n = 0;
	uint16_t k;
	while ((k = rte_eth_rx_burst(g_ps.dev[1 - CSLOT], 0, m, 32)) > 0) {
		for (uint16_t i = 0; i < k; i++) {
			const struct rte_tcp_hdr *th =
				rte_pktmbuf_mtod_offset(m[i], const struct rte_tcp_hdr *, 34);
			assert_true(n < max);
			ids[n++] = rte_be_to_cpu_32(th->sent_seq);
		}
		rte_pktmbuf_free_bulk(m, k);
	}
	return n;
}

static void t_tx_loss(void **state)
{
	(void)state;
	start(1, 0, 0, 0, 0, 1);
	uint32_t ids[64];
	send_frames(0, 10);
	assert_int_equal(got(ids, 64), 0);
	assert_int_equal(CTR->impair_lost, 10);
	assert_int_equal(CTR->pkts_tx, 0);
	assert_int_equal(CTR->drops_tx_full, 0);
	/* not TCP (ARP): never impaired */
	struct rte_mbuf *m = frame(99);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	tx_push(F.w, CSLOT, m);
	assert_int_equal(got(ids, 64), 1);
	assert_int_equal(ids[0], 99);
	assert_int_equal(CTR->impair_lost, 10);
	assert_int_equal(CTR->pkts_tx, 1);
}

static void t_tx_dup(void **state)
{
	(void)state;
	start(0, 1, 0, 0, 0, 1);
	/* A frame marked for checksum offload: the copy carries the marks. */
	struct rte_mbuf *m = frame(5);
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, 20, 20, 0, 0, 0, 0);
	uint8_t bytes[128];
	uint32_t len = rte_pktmbuf_data_len(m);
	memcpy(bytes, rte_pktmbuf_mtod(m, void *), len);
	tx_push(F.w, CSLOT, m);
	worker_tx_flush(F.w);
	struct rte_mbuf *r[4];
	uint16_t k = rte_eth_rx_burst(g_ps.dev[1 - CSLOT], 0, r, 4);
	assert_int_equal(k, 2);
	assert_true(r[0] != r[1]); /* two buffers: the receiver owns each */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rte_pktmbuf_data_len(r[i]), len);
		assert_memory_equal(rte_pktmbuf_mtod(r[i], void *), bytes, len);
		assert_true(r[i]->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
		assert_true(r[i]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
		assert_int_equal(r[i]->l2_len, RTE_ETHER_HDR_LEN);
		assert_int_equal(r[i]->l3_len, 20);
		assert_int_equal(r[i]->l4_len, 20);
		assert_int_equal(rte_mbuf_refcnt_read(r[i]), 1);
	}
	rte_pktmbuf_free_bulk(r, k);
	assert_int_equal(CTR->impair_dup, 1);
	assert_int_equal(CTR->pkts_tx, 2);
	/* A real SYN, sent twice, both with good checksums (out() checks). */
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	assert_int_equal(out(CSLOT), 2);
	assert_int_equal(P[0].flags, TH_SYN);
	assert_int_equal(P[1].flags, TH_SYN);
	assert_int_equal(P[0].seq, P[1].seq);
	assert_int_equal(CTR->impair_dup, 2);
}

/* How frame(i) is decided under seed on core 0: no connection sent it,
 * so by its tuple and flags, numbered per tuple (impair.h). */
static uint32_t frame_fate(uint64_t seed, const struct impair_cfg *c, uint32_t i, uint32_t *d)
{
	uint64_t k = impair_own_key(impair_own_base(impair_seed(seed, 0), rte_cpu_to_be_32(CLIENT_IP),
						    rte_cpu_to_be_32(SERVER_IP),
						    rte_cpu_to_be_16(CLIENT_PORT),
						    rte_cpu_to_be_16(SERVER_PORT), TH_ACK),
				    i);
	return impair_decide(&k, c, d);
}

/* A seed whose first frames (core 0) decide as `want` (flags each). */
static uint64_t seed_for(const struct impair_cfg *c, const uint32_t *want, uint32_t n)
{
	for (uint64_t seed = 1; seed < 100000; seed++) {
		uint32_t i, d;
		for (i = 0; i < n && frame_fate(seed, c, i, &d) == want[i]; i++)
			;
		if (i == n)
			return seed;
	}
	fail_msg("no seed found");
	return 0;
}

static void t_tx_reorder(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0, 0, 0.25, 0, 0);
	const uint32_t want[6] = { IMPAIR_REORDER, 0, 0, 0, 0, 0 };
	start(0, 0, 0.25, 0, 0, seed_for(&c, want, 6));
	uint32_t ids[64];
	send_frames(0, 6);
	/* frame 0 held until 3 later frames went out on its port */
	assert_int_equal(got(ids, 64), 6);
	const uint32_t order[6] = { 1, 2, 3, 0, 4, 5 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(ids[i], order[i]);
	assert_int_equal(CTR->impair_reordered, 1);
	assert_int_equal(CTR->pkts_tx, 6);
}

static void t_tx_reorder_timeout(void **state)
{
	(void)state;
	struct impair_cfg c = cfg(0, 0, 0.25, 0, 0);
	const uint32_t want[1] = { IMPAIR_REORDER };
	start(0, 0, 0.25, 0, 0, seed_for(&c, want, 1));
	uint32_t ids[64];
	send_frames(0, 1);
	assert_int_equal(got(ids, 64), 0); /* held */
	assert_int_equal(got(ids, 64), 0); /* not yet due (sent at 0.5 ms) */
	set_ms(IMPAIR_REORDER_US / 1000 + 1); /* no later frame came: out anyway */
	assert_int_equal(got(ids, 64), 1);
	assert_int_equal(ids[0], 0);
}

static void t_tx_delay(void **state)
{
	(void)state;
	start(0, 0, 0, 5, 0, 1);
	uint32_t ids[64];
	send_frames(0, 10);
	set_ms(4);
	assert_int_equal(got(ids, 64), 0);
	assert_int_equal(CTR->impair_delayed, 10);
	set_ms(5); /* sent at 0.5 ms into the ms: due at 5.5, now 5.5 */
	assert_int_equal(got(ids, 64), 10);
	for (uint32_t i = 0; i < 10; i++) /* no jitter: in order */
		assert_int_equal(ids[i], i);
	assert_int_equal(CTR->impair_delay_full, 0);
}

static void t_tx_jitter_order(void **state)
{
	(void)state;
	const uint32_t n = 40;
	start(0, 0, 0, 0, 10, 42);
	uint32_t ids[64], delay[64];
	/* what the decisions will be: each frame's delay */
	struct impair_cfg c = cfg(0, 0, 0, 0, 10000);
	for (uint32_t i = 0; i < n; i++)
		frame_fate(42, &c, i, &delay[i]);
	send_frames(0, n);
	set_ms(11);
	assert_int_equal(got(ids, 64), n);
	/* out by release time, ties in send order: a stable sort by delay */
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = i + 1; j < n; j++)
			assert_true(ids[i] != ids[j]);
		if (i > 0) {
			uint32_t a = ids[i - 1], b = ids[i];
			assert_true(delay[a] < delay[b] || (delay[a] == delay[b] && a < b));
		}
	}
	/* and not the send order: jitter reorders */
	uint32_t moved = 0;
	for (uint32_t i = 0; i < n; i++)
		moved += ids[i] != i;
	assert_true(moved > n / 2);
}

static void t_tx_delay_full(void **state)
{
	(void)state;
	/* 64 us, and the clock stands still: nothing comes due here. The
	 * queue: 2 x 64 (the transmit ring's twice) + 64 (one per us). */
	start(0, 0, 0, 0.064, 0, 1);
	uint32_t ids[64];
	assert_int_equal(worker_pressure(F.w), 0);
	send_frames(0, 143);
	assert_int_equal(worker_pressure(F.w), 0);
	send_frames(143, 1); /* 144 of 192: three quarters, openings wait */
	assert_int_equal(worker_pressure(F.w), 1);
	send_frames(144, 48 + 2); /* two more than fit: sent undelayed */
	assert_int_equal(got(ids, 64), 2);
	assert_int_equal(ids[0], 192);
	assert_int_equal(ids[1], 193);
	assert_int_equal(CTR->impair_delay_full, 2);
	assert_int_equal(CTR->impair_delayed, 192);
	/* the end of the run frees what is held (the fixture then finds
	 * every mbuf back) */
	unsigned before = rte_mempool_avail_count(g_pool);
	worker_tx_discard(F.w);
	assert_int_equal(rte_mempool_avail_count(g_pool), before + 192);
	assert_int_equal(worker_pressure(F.w), 0);
}

/* The frames the delay holds are the emulated network's, not a backlog
 * of the worker's: the loopback's limit on mbufs in flight
 * (LOOPBACK_INFLIGHT) does not count them, or a longer delay would cap
 * the rate lower. What the worker itself has out still counts. */
static void t_tx_delay_not_inflight(void **state)
{
	(void)state;
	start(0, 0, 0, 0.064, 0, 1); /* 192 slots, pressure from 144 */
	F.w->pool_mbufs = g_pool->size;
	F.w->pool_reserve = 1;
	uint32_t used = g_pool->size - rte_mempool_avail_count(g_pool);
	F.w->inflight_limit = used + 16;
	assert_int_equal(worker_pressure(F.w), 0);
	send_frames(0, 100); /* held by the delay: 100 mbufs out of the pool */
	assert_int_equal(rte_mempool_avail_count(g_pool), g_pool->size - used - 100);
	assert_int_equal(worker_pressure(F.w), 0);
	struct rte_mbuf *m[17];
	assert_int_equal(rte_pktmbuf_alloc_bulk(g_pool, m, 17), 0); /* the worker's own */
	assert_int_equal(worker_pressure(F.w), 1);
	rte_pktmbuf_free_bulk(m, 17);
	assert_int_equal(worker_pressure(F.w), 0);
	worker_tx_discard(F.w);
}

static void t_tx_teardown_held(void **state)
{
	(void)state;
	/* held in both places (delayed, then reordered); worker_fini in
	 * the fixture's teardown must free them all */
	start(0, 0.5, 0.5, 50, 0, 3);
	send_frames(0, 50);
	set_ms(50);
	uint32_t ids[128];
	uint32_t n = got(ids, 128);
	assert_true(n > 0 && n < 50 + CTR->impair_dup);
	assert_true(CTR->impair_reordered > 10);
	assert_true(CTR->impair_dup > 10);
}

/* The fast path's switch: no impairment asked, no state. */
static void t_off(void **state)
{
	(void)state;
	fx_start(plan_new());
	assert_null(F.w->imp);
	uint32_t ids[64];
	send_frames(0, 3);
	assert_int_equal(got(ids, 64), 3);
	assert_int_equal(CTR->impair_lost + CTR->impair_dup + CTR->impair_reordered +
				 CTR->impair_delayed + CTR->impair_delay_full,
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_thresholds),
		cmocka_unit_test(t_loss_rate),
		cmocka_unit_test(t_dup_reorder_rates),
		cmocka_unit_test(t_seeds),
		cmocka_unit_test(t_jitter),
		FSM_TEST(t_tx_loss),
		FSM_TEST(t_tx_dup),
		FSM_TEST(t_tx_reorder),
		FSM_TEST(t_tx_reorder_timeout),
		FSM_TEST(t_tx_delay),
		FSM_TEST(t_tx_jitter_order),
		FSM_TEST(t_tx_delay_full),
		FSM_TEST(t_tx_delay_not_inflight),
		FSM_TEST(t_tx_teardown_held),
		FSM_TEST(t_off),
	};
	FSM_MAIN(tests);
}
