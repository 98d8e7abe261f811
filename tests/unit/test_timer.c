/* SPDX-License-Identifier: BSD-3-Clause */
/* The hashed timer wheel (timer.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "timer.h"

/* Objects that carry their node at an offset, like struct tcb. */
struct obj {
	uint64_t before;
	struct timer_node tn;
	uint32_t after;
};

#define NOBJ 64
static struct obj objs[NOBJ];
static struct timer_wheel tw;

static int setup8(void **state)
{
	(void)state;
	memset(objs, 0x5a, sizeof(objs));
	if (timer_init(&tw, 8, objs, sizeof(struct obj),
		       offsetof(struct obj, tn), 100) < 0)
		return -1;
	for (uint32_t i = 0; i < NOBJ; i++)
		timer_node_init(&tw, i);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	timer_fini(&tw);
	return 0;
}

/* Advance one tick at a time up to `to`; record at which tick each id
 * fired in fired_at[]. */
static uint32_t fired_at[NOBJ];
static uint32_t step_to(uint32_t to)
{
	uint32_t out[NOBJ], total = 0;
	while (tw.now != to) {
		uint32_t now = tw.now + 1;
		uint32_t n = timer_expire(&tw, now, out, NOBJ);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(fired_at[out[i]], 0);
			fired_at[out[i]] = now;
		}
		total += n;
	}
	return total;
}

static void test_arm_cancel(void **state)
{
	(void)state;
	assert_false(timer_armed(&tw, 3));
	timer_arm(&tw, 3, 105);
	assert_true(timer_armed(&tw, 3));
	assert_int_equal(tw.armed, 1);
	assert_int_equal(timer_node(&tw, 3)->expire, 105);
	/* the object around the node is untouched */
	assert_int_equal(objs[3].before, 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(objs[3].after, 0x5a5a5a5au);
	timer_arm(&tw, 4, 105); /* same slot */
	timer_arm(&tw, 5, 105);
	assert_int_equal(tw.armed, 3);
	/* cancel the middle, head and tail of one slot's list */
	timer_cancel(&tw, 4);
	assert_false(timer_armed(&tw, 4));
	assert_int_equal(tw.armed, 2);
	timer_cancel(&tw, 5);
	timer_cancel(&tw, 3);
	assert_int_equal(tw.armed, 0);
	uint32_t out[8];
	assert_int_equal(timer_expire(&tw, 200, out, 8), 0);
	/* cancelling something not armed is harmless */
	timer_cancel(&tw, 3);
	timer_cancel(&tw, 60);
	assert_int_equal(tw.armed, 0);
	assert_int_equal(timer_expire(&tw, 300, out, 8), 0);
}

static void test_exact_tick_and_order(void **state)
{
	(void)state;
	memset(fired_at, 0, sizeof(fired_at));
	timer_arm(&tw, 0, 103);
	timer_arm(&tw, 1, 101);
	timer_arm(&tw, 2, 107);
	timer_arm(&tw, 3, 103);
	timer_arm(&tw, 4, 108); /* wraps to slot 0 */
	/* an expiry at or before now fires at the next tick */
	timer_arm(&tw, 5, 100);
	timer_arm(&tw, 6, 50);
	assert_int_equal(timer_node(&tw, 6)->expire, 101);
	assert_int_equal(step_to(102), 3);
	assert_int_equal(fired_at[1], 101);
	assert_int_equal(fired_at[5], 101);
	assert_int_equal(fired_at[6], 101);
	assert_int_equal(fired_at[0], 0);
	assert_int_equal(step_to(110), 4);
	assert_int_equal(fired_at[0], 103);
	assert_int_equal(fired_at[3], 103);
	assert_int_equal(fired_at[2], 107);
	assert_int_equal(fired_at[4], 108);
	assert_int_equal(tw.armed, 0);
	for (uint32_t i = 0; i < 7; i++)
		assert_false(timer_armed(&tw, i));
}

static void test_beyond_span(void **state)
{
	(void)state;
	memset(fired_at, 0, sizeof(fired_at));
	/* 8 slots; expire now + 20 shares a slot with now + 4 and now + 12 */
	timer_arm(&tw, 7, 120);
	timer_arm(&tw, 8, 104);
	timer_arm(&tw, 9, 1100); /* many rounds away */
	assert_int_equal(step_to(119), 1);
	assert_int_equal(fired_at[8], 104);
	assert_int_equal(fired_at[7], 0);
	assert_true(timer_armed(&tw, 7));
	assert_int_equal(step_to(120), 1);
	assert_int_equal(fired_at[7], 120);
	assert_int_equal(step_to(1099), 0);
	assert_true(timer_armed(&tw, 9));
	assert_int_equal(step_to(1100), 1);
	assert_int_equal(fired_at[9], 1100);
}

static void test_rearm_moves(void **state)
{
	(void)state;
	memset(fired_at, 0, sizeof(fired_at));
	timer_arm(&tw, 10, 103);
	timer_arm(&tw, 11, 103);
	timer_arm(&tw, 10, 106); /* later */
	timer_arm(&tw, 11, 102); /* earlier */
	assert_int_equal(tw.armed, 2);
	timer_arm(&tw, 12, 110);
	timer_arm(&tw, 12, 110); /* same again: still one entry */
	assert_int_equal(tw.armed, 3);
	assert_int_equal(step_to(120), 3);
	assert_int_equal(fired_at[11], 102);
	assert_int_equal(fired_at[10], 106);
	assert_int_equal(fired_at[12], 110);
}

static void test_batch_limit(void **state)
{
	(void)state;
	/* 10 timers in one slot, 5 in the next; collect 3 at a time */
	for (uint32_t i = 0; i < 10; i++)
		timer_arm(&tw, i, 102);
	for (uint32_t i = 10; i < 15; i++)
		timer_arm(&tw, i, 103);
	timer_arm(&tw, 15, 104);
	uint32_t out[3], n, calls = 0, got = 0, seen = 0;
	do {
		n = timer_expire(&tw, 103, out, 3);
		for (uint32_t i = 0; i < n; i++) {
			assert_true(out[i] < 15);
			assert_false(seen & (1u << out[i]));
			seen |= 1u << out[i];
			/* all of slot 102 before any of 103 */
			if (got < 10)
				assert_true(out[i] < 10);
			got++;
		}
		calls++;
	} while (n == 3);
	assert_int_equal(got, 15);
	assert_int_equal(seen, 0x7fff);
	assert_int_equal(calls, 6); /* 3+3+3+3+3, then 0 */
	assert_int_equal(tw.now, 103);
	assert_true(timer_armed(&tw, 15));
	assert_int_equal(tw.armed, 1);
	assert_int_equal(timer_expire(&tw, 104, out, 3), 1);
	assert_int_equal(out[0], 15);
}

static void test_long_stall(void **state)
{
	(void)state;
	/* timers in every slot, some many rounds out; now jumps far past
	 * all of them: each fires exactly once, the far one too */
	for (uint32_t i = 0; i < 40; i++)
		timer_arm(&tw, i, 101 + i * 3);
	timer_arm(&tw, 40, 100 + 5000);
	timer_arm(&tw, 41, 100 + 100000); /* not yet due */
	uint32_t out[NOBJ], n, total = 0, seen[NOBJ] = { 0 };
	do {
		n = timer_expire(&tw, 100 + 50000, out, 16);
		for (uint32_t i = 0; i < n; i++)
			seen[out[i]]++;
		total += n;
	} while (n == 16);
	assert_int_equal(total, 41);
	for (uint32_t i = 0; i <= 40; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(seen[41], 0);
	assert_true(timer_armed(&tw, 41));
	assert_int_equal(tw.now, 100 + 50000);
	assert_int_equal(timer_expire(&tw, 100 + 99999, out, 16), 0);
	assert_int_equal(timer_expire(&tw, 100 + 100000, out, 16), 1);
	assert_int_equal(out[0], 41);
}

static void test_tick_wraparound(void **state)
{
	(void)state;
	/* the ms tick counter itself wraps after 49.7 days */
	timer_fini(&tw);
	assert_int_equal(timer_init(&tw, 8, objs, sizeof(struct obj),
				    offsetof(struct obj, tn), 0xfffffffau),
			 0);
	for (uint32_t i = 0; i < NOBJ; i++)
		timer_node_init(&tw, i);
	memset(fired_at, 0, sizeof(fired_at));
	timer_arm(&tw, 1, 0xfffffffeu);
	timer_arm(&tw, 2, 3);  /* after the wrap */
	timer_arm(&tw, 3, 20); /* after the wrap, beyond the span */
	uint32_t out[4];
	assert_int_equal(timer_expire(&tw, 0xfffffffdu, out, 4), 0);
	assert_int_equal(timer_expire(&tw, 0xfffffffeu, out, 4), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(timer_expire(&tw, 2, out, 4), 0);
	assert_int_equal(timer_expire(&tw, 3, out, 4), 1);
	assert_int_equal(out[0], 2);
	assert_int_equal(timer_expire(&tw, 19, out, 4), 0);
	assert_int_equal(timer_expire(&tw, 20, out, 4), 1);
	assert_int_equal(out[0], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arm_cancel, setup8, teardown),
		cmocka_unit_test_setup_teardown(test_exact_tick_and_order, setup8,
						teardown),
		cmocka_unit_test_setup_teardown(test_beyond_span, setup8, teardown),
		cmocka_unit_test_setup_teardown(test_rearm_moves, setup8, teardown),
		cmocka_unit_test_setup_teardown(test_batch_limit, setup8, teardown),
		cmocka_unit_test_setup_teardown(test_long_stall, setup8, teardown),
		cmocka_unit_test_setup_teardown(test_tick_wraparound, setup8,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
