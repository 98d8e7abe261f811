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
	if (timer_init(&tw, 8, NOBJ, objs, sizeof(struct obj),
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
	assert_int_equal(timer_init(&tw, 8, NOBJ, objs, sizeof(struct obj),
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

/* Against a model: random arms (near, in the round, many rounds out),
 * re-arms and cancels of many objects in a 16-slot wheel, the clock
 * moving by random steps (now and then a stall past the round) and
 * expiries taken in random batch sizes. Each armed object fires once,
 * at the first call whose now reaches its expire, never before; the
 * chunks are all back in the pool once nothing is armed. */
#define NBIG 2000
struct big {
	struct timer_node tn;
	uint32_t pad[3];
};
static struct big bigs[NBIG];
static uint32_t want[NBIG]; /* expire, or 0: not armed */

static uint64_t rnd_state = 0x1234567;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rnd_state >> 33) % n;
}

static void test_model(void **state)
{
	(void)state;
	struct timer_wheel w;
	uint32_t now = 0xffff0000u; /* the tick counter wraps on the way */
	assert_int_equal(timer_init(&w, 16, NBIG, bigs, sizeof(struct big),
				    offsetof(struct big, tn), now), 0);
	for (uint32_t i = 0; i < NBIG; i++)
		timer_node_init(&w, i);
	memset(want, 0, sizeof(want));
	uint32_t armed = 0, fired = 0, out[NBIG];
	for (uint32_t round = 0; round < 3000; round++) {
		for (uint32_t j = rnd(40); j > 0; j--) {
			uint32_t id = rnd(NBIG);
			if (rnd(4) == 0) {
				timer_cancel(&w, id);
				armed -= want[id] != 0;
				want[id] = 0;
				continue;
			}
			uint32_t d = rnd(3) == 0 ? rnd(200) : rnd(20);
			uint32_t e = w.now + d; /* d == 0: fires at the next tick */
			timer_arm(&w, id, e);
			armed += want[id] == 0;
			want[id] = d ? e : w.now + 1;
			assert_int_equal(timer_node(&w, id)->expire, want[id]);
		}
		assert_int_equal(w.armed, armed);
		now += rnd(50) == 0 ? 17 + rnd(60) : rnd(3);
		uint32_t n, max = 1 + rnd(20);
		do {
			n = timer_expire(&w, now, out, max);
			for (uint32_t i = 0; i < n; i++) {
				uint32_t id = out[i];
				assert_int_not_equal(want[id], 0);
				assert_true((int32_t)(want[id] - now) <= 0); /* due */
				assert_false(timer_armed(&w, id));
				want[id] = 0;
				armed--;
				fired++;
			}
		} while (n == max);
		assert_int_equal(w.now, now);
		for (uint32_t id = 0; id < NBIG; id++) /* nothing due is left */
			if (want[id])
				assert_true((int32_t)(want[id] - now) > 0);
	}
	assert_true(fired > 10000);
	/* drain: every chunk goes back to the pool */
	now += 400;
	uint32_t n;
	do {
		n = timer_expire(&w, now, out, NBIG);
		armed -= n;
	} while (n == NBIG);
	assert_int_equal(armed, 0);
	assert_int_equal(w.armed, 0);
	uint32_t nfree = 0;
	for (uint32_t c = w.free; c != TCB_NIL; c = w.chunk[c].next)
		nfree++;
	assert_int_equal(nfree, w.used);
	timer_fini(&w);
}

/* One slot's ids over many chunks: cancelled in a scattered order, the
 * rest still fire, each once; an emptied wheel has every chunk free. */
static void test_many_in_a_slot(void **state)
{
	(void)state;
	struct timer_wheel w;
	assert_int_equal(timer_init(&w, 8, NBIG, bigs, sizeof(struct big),
				    offsetof(struct big, tn), 100), 0);
	for (uint32_t i = 0; i < 100; i++) {
		timer_node_init(&w, i);
		timer_arm(&w, i, 105);
	}
	assert_int_equal(w.used, 7); /* 100 ids, 15 a chunk */
	for (uint32_t i = 0; i < 100; i += 3)
		timer_cancel(&w, (i * 37) % 100);
	uint32_t left = 100 - 34;
	assert_int_equal(w.armed, left);
	uint32_t out[NBIG], seen[100] = { 0 };
	assert_int_equal(timer_expire(&w, 104, out, NBIG), 0);
	assert_int_equal(timer_expire(&w, 105, out, NBIG), left);
	for (uint32_t i = 0; i < left; i++)
		seen[out[i]]++;
	for (uint32_t i = 0; i < 100; i += 3)
		assert_int_equal(seen[(i * 37) % 100], 0);
	uint32_t total = 0;
	for (uint32_t i = 0; i < 100; i++) {
		assert_true(seen[i] <= 1);
		total += seen[i];
	}
	assert_int_equal(total, left);
	uint32_t nfree = 0;
	for (uint32_t c = w.free; c != TCB_NIL; c = w.chunk[c].next)
		nfree++;
	assert_int_equal(nfree, w.used);
	timer_fini(&w);
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
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_many_in_a_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
