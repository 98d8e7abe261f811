/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuple_split (tuple.h): which core owns client tuple t and its slot
 * there, by multiplication instead of t % ncores and t / ncores. It must
 * agree with the division for every core count and tuple.
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
		w->ncores_m = n > 1 ? UINT64_MAX / n + 1 : 0; /* as worker_init */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees_with_division),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
