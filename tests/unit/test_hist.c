/* SPDX-License-Identifier: BSD-3-Clause */
/* The log-linear latency histogram (hist.h, teng_hist_percentile). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "teng/api.h"
#include "hist.h"

static struct teng_hist h;

static int clear(void **state)
{
	(void)state;
	memset(&h, 0, sizeof(h));
	return 0;
}

/* low(b) <= v < low(b + 1), or v >= low(last) for the last bucket */
static void check_value(uint64_t v)
{
	uint32_t b = hist_bucket(v);
	assert_true(b < TENG_HIST_BUCKETS);
	assert_true(hist_bucket_low(b) <= v);
	if (b + 1 < TENG_HIST_BUCKETS)
		assert_true(v < hist_bucket_low(b + 1));
}

static void test_bucket_bounds(void **state)
{
	(void)state;
	/* every value up to 2^21, exhaustively */
	for (uint64_t v = 0; v < (1u << 21); v++)
		check_value(v);
	/* around every power of two, and big values */
	for (uint32_t e = 0; e < 64; e++) {
		uint64_t p = 1ull << e;
		check_value(p);
		check_value(p - 1);
		check_value(p + 1);
		check_value(p | (p >> 1));
	}
	check_value(UINT64_MAX);
	srand(3);
	for (int i = 0; i < 100000; i++)
		check_value(((uint64_t)rand() << 31 | (uint64_t)rand()) >>
			    (rand() % 40));
}

static void test_bucket_shape(void **state)
{
	(void)state;
	/* one bucket per value below 128 */
	for (uint32_t v = 0; v < 128; v++) {
		assert_int_equal(hist_bucket(v), v);
		assert_int_equal(hist_bucket_low(v), v);
	}
	/* then 64 per power of two */
	assert_int_equal(hist_bucket(128), 128);
	assert_int_equal(hist_bucket(129), 128);
	assert_int_equal(hist_bucket(130), 129);
	assert_int_equal(hist_bucket(255), 191);
	assert_int_equal(hist_bucket(256), 192);
	assert_int_equal(hist_bucket_low(192), 256);
	assert_int_equal(hist_bucket_low(193), 260);
	/* bucket lows strictly increase, each bucket reachable */
	for (uint32_t b = 1; b < TENG_HIST_BUCKETS; b++) {
		assert_true(hist_bucket_low(b) > hist_bucket_low(b - 1));
		assert_int_equal(hist_bucket(hist_bucket_low(b)), b);
	}
	/* relative width stays within 1/64 above 128 */
	for (uint32_t b = 128; b + 1 < TENG_HIST_BUCKETS; b++) {
		uint64_t lo = hist_bucket_low(b), w = hist_bucket_low(b + 1) - lo;
		assert_true(w * 64 <= lo);
	}
	/* 100 s still has its own buckets; huge values land in the last */
	assert_true(hist_bucket(100000000) < TENG_HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(UINT64_MAX), TENG_HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(1ull << 40), TENG_HIST_BUCKETS - 1);
}

static void test_add_max(void **state)
{
	(void)state;
	hist_add(&h, 7);
	hist_add(&h, 1000000);
	hist_add(&h, 3);
	hist_add(&h, UINT32_MAX);
	assert_int_equal(h.total, 4);
	assert_int_equal(h.max, UINT32_MAX);
	assert_int_equal(h.sum, 7 + 1000000 + 3 + (uint64_t)UINT32_MAX);
	assert_int_equal(h.count[7], 1);
	assert_int_equal(h.count[3], 1);
	assert_int_equal(h.count[hist_bucket(1000000)], 1);
	assert_int_equal(h.count[hist_bucket(UINT32_MAX)], 1);
	assert_int_equal(teng_hist_percentile(&h, 100), (double)UINT32_MAX);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Log-uniform random samples from 1 us to 100 s: every percentile is
 * within 1% of the exact one from a sort of the same samples. */
static void test_percentile_vs_sort(void **state)
{
	(void)state;
	enum { N = 100000 };
	static uint64_t v[N];
	srand(11);
	for (int i = 0; i < N; i++) {
		double u = (double)rand() / RAND_MAX;
		v[i] = (uint64_t)(exp(u * log(1e8)));
		hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	const double ps[] = { 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99 };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t rank = (uint64_t)(ps[i] / 100.0 * N + 0.999999);
		double exact = (double)v[rank - 1];
		double got = teng_hist_percentile(&h, ps[i]);
		assert_true(fabs(got - exact) <= 0.01 * exact);
	}
	assert_int_equal(teng_hist_percentile(&h, 100), v[N - 1]);
}

static void test_percentile_edges(void **state)
{
	(void)state;
	/* empty */
	assert_int_equal(teng_hist_percentile(&h, 50), 0);
	/* one value */
	hist_add(&h, 12345);
	for (double p = 0; p <= 100; p += 25)
		assert_int_equal(teng_hist_percentile(&h, p), 12345);
	/* all equal */
	clear(NULL);
	for (int i = 0; i < 10; i++)
		hist_add(&h, 42);
	assert_int_equal(teng_hist_percentile(&h, 1), 42);
	assert_int_equal(teng_hist_percentile(&h, 99.9), 42);
	/* 99 fast, 1 slow: p99 fast, p99.5 slow */
	clear(NULL);
	for (int i = 0; i < 99; i++)
		hist_add(&h, 10);
	hist_add(&h, 5000);
	assert_int_equal(teng_hist_percentile(&h, 99), 10);
	assert_int_equal(teng_hist_percentile(&h, 99.5), 5000);
	assert_int_equal(teng_hist_percentile(&h, 100), 5000);
	/* monotone in p */
	clear(NULL);
	for (uint32_t i = 0; i < 1000; i++)
		hist_add(&h, 1 + (i * 617) % 100000);
	double prev = 0;
	for (double p = 0; p <= 100; p += 0.5) {
		double x = teng_hist_percentile(&h, p);
		assert_true(x >= prev);
		prev = x;
	}
}

static void test_merge(void **state)
{
	(void)state;
	struct teng_hist a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (uint32_t v = 1; v <= 500; v++)
		hist_add(&a, v);
	for (uint32_t v = 501; v <= 1000; v++)
		hist_add(&b, v);
	hist_merge(&h, &a);
	hist_merge(&h, &b);
	assert_int_equal(h.total, 1000);
	assert_int_equal(h.max, 1000);
	assert_true(fabs(teng_hist_percentile(&h, 50) - 500) <= 5);
	hist_merge(&a, &b);
	assert_memory_equal(&a, &h, sizeof(h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_bucket_shape),
		cmocka_unit_test_setup(test_add_max, clear),
		cmocka_unit_test_setup(test_percentile_vs_sort, clear),
		cmocka_unit_test_setup(test_percentile_edges, clear),
		cmocka_unit_test_setup(test_merge, clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
