/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuple_split (tuple.h): which core owns client tuple t and its slot
 * there, by multiplication instead of t % ncores and t / ncores; and
 * tuple_addr, the IP and port of a tuple, by multiplication instead of
 * t / port_n and t % port_n. Both must agree with the division for every
 * divisor and tuple.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tuple.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check(struct worker *w, uint64_t t)
{
	uint32_t slot;
	uint32_t core = tuple_split(w, t, &slot);
	assert_int_equal(core, t % w->ncores);
	assert_int_equal(slot, (uint32_t)(t / w->ncores)); /* a slot is 32 bits */
}

static void test_agrees_with_division(void **state)
{
	(void)state;
	struct worker *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	for (uint32_t n = 1; n <= 128; n++) {
		w->ncores = n;
		w->ncores_m = fastdiv_m(n); /* as worker_init */
		/* the edges: 0, around multiples of n, the top of 32 bits,
		 * and past it (the slow path) */
		const uint64_t edges[] = { 0, 1, n - 1, n, n + 1, 2ull * n - 1, UINT32_MAX - 1,
					   UINT32_MAX, (uint64_t)UINT32_MAX + 1, 1ull << 40 };
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			check(w, edges[i]);
		for (uint64_t t = 0; t < 5000; t++)
			check(w, t);
		for (int i = 0; i < 20000; i++)
			check(w, (uint32_t)next());
	}
	free(w);
}

static void check_addr(const struct worker_pool *wp, uint64_t t)
{
	uint32_t ip;
	uint16_t port;
	tuple_addr(wp, t, &ip, &port);
	assert_int_equal(ip, (uint32_t)(wp->ip_lo + t / wp->port_n));
	assert_int_equal(port, (uint16_t)(wp->port_lo + t % wp->port_n));
}

static void test_addr_agrees_with_division(void **state)
{
	(void)state;
	struct worker_pool wp = { .ip_lo = 0xc6120001u, .port_lo = 1024 };
	/* every port count up to 600, then the common ranges and the top */
	uint32_t counts[600 + 4];
	uint32_t nc = 0;
	for (uint32_t n = 1; n <= 600; n++)
		counts[nc++] = n;
	counts[nc++] = 64512; /* 1024-65535 */
	counts[nc++] = 28232; /* Linux's 32768-60999 */
	counts[nc++] = 65535;
	counts[nc++] = 65536;
	for (uint32_t c = 0; c < nc; c++) {
		uint32_t n = counts[c];
		wp.port_n = n;
		wp.port_n_m = fastdiv_m(n); /* as tuple_init */
		const uint64_t edges[] = { 0, 1, n - 1, n, n + 1, 2ull * n - 1, UINT32_MAX - 1,
					   UINT32_MAX, (uint64_t)UINT32_MAX + 1, 1ull << 40 };
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			check_addr(&wp, edges[i]);
		for (uint64_t t = 0; t < 3000; t++)
			check_addr(&wp, t);
		for (int i = 0; i < 3000; i++)
			check_addr(&wp, (uint32_t)next());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees_with_division),
		cmocka_unit_test(test_addr_agrees_with_division),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
