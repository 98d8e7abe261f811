/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuple.c's table kind: an owner callback (a fake RSS) says which queue
 * each client tuple's return path lands on, and worker i keeps exactly
 * the tuples of queue i. Index -> tuple -> index round trips, every
 * tuple is kept by exactly one worker (none when its queue has no
 * worker), pools follow each other in the connection table's tuple
 * array, and a pool sent to two destinations is refused. The modulo
 * kind stays what it was (t % ncores at slot t / ncores).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tuple.h"

#define IP0 0xC6120010u /* 198.18.0.16 */

static void *zalloc(size_t n, size_t size, int socket)
{
	(void)socket;
	return calloc(n, size);
}

/* The fake owner: a mix of all four fields, onto ctx's queue count
 * (which may be more than the workers: those tuples are nobody's). */
struct fake {
	uint16_t nq;
	uint32_t calls;
	uint32_t sip;
	uint16_t sport;
};
static uint16_t fake_owner(const void *ctx, uint32_t cip, uint16_t cport, uint32_t sip,
			   uint16_t sport)
{
	struct fake *f = (struct fake *)ctx;
	f->calls++;
	assert_int_equal(sip, f->sip);
	assert_int_equal(sport, f->sport);
	uint32_t h = (cip * 2654435761u) ^ (cport * 40503u) ^ (sip + sport);
	h ^= h >> 13;
	return (uint16_t)(h % f->nq);
}

static struct teng_plan *plan_of(uint32_t npools)
{
	struct teng_plan *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->npools = npools;
	p->ntemplates = npools;
	for (uint32_t i = 0; i < npools; i++) {
		p->pools[i].ip_lo = IP0 + 16 * i;
		p->pools[i].ip_hi = IP0 + 16 * i + 2; /* 3 addresses */
		p->pools[i].port_lo = 1024;
		p->pools[i].port_hi = 1024 + 999; /* 1000 ports */
		p->templates[i].pool = (uint8_t)i;
		p->templates[i].dst_ip = 0xC6120101u; /* 198.18.1.1 */
		p->templates[i].dst_port = 80;
	}
	return p;
}

static struct worker *worker_of(uint32_t ncores, uint32_t index)
{
	struct worker *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->ncores = ncores;
	w->index = index;
	w->ncores_m = fastdiv_m(ncores); /* as worker_init */
	return w;
}

static void check_table(uint32_t ncores, uint16_t nq, uint32_t npools)
{
	struct teng_plan *p = plan_of(npools);
	struct fake f = { .nq = nq, .sip = 0xC6120101u, .sport = 80 };
	struct tuple_mode mode = { .kind = TUPLE_TABLE, .owner = fake_owner, .ctx = &f };
	struct worker *w[8];
	char err[256];
	uint64_t per_pool = 3 * 1000;
	for (uint32_t i = 0; i < ncores; i++) {
		w[i] = worker_of(ncores, i);
		int n = tuple_init(w[i], p, &mode, zalloc, err, sizeof(err));
		assert_true(n >= 0);
		uint32_t sum = 0;
		for (uint32_t k = 0; k < npools; k++) {
			const struct worker_pool *wp = &w[i]->pools[k];
			assert_int_equal(wp->ntuples, per_pool);
			assert_int_equal(wp->base, sum); /* pools follow each other */
			sum += wp->nslots;
			/* slot -> tuple -> slot, and the tuple is this worker's */
			for (uint32_t s = 0; s < wp->nslots; s++) {
				uint64_t t = tuple_at(w[i], wp, s);
				assert_true(t < per_pool);
				assert_int_equal(tuple_slot(w[i], wp, t), s);
				uint32_t ip = wp->ip_lo + (uint32_t)(t / wp->port_n);
				uint16_t port = (uint16_t)(wp->port_lo + t % wp->port_n);
				assert_int_equal(fake_owner(&f, ip, port, f.sip, f.sport), i);
				/* the receive path's lookup finds the same pool and tuple */
				uint64_t t2;
				assert_int_equal(tuple_find(w[i], ip, port, &t2), (int)k);
				assert_int_equal(t2, t);
			}
		}
		assert_int_equal((uint32_t)n, sum);
	}
	/* every tuple: kept by exactly the worker of its queue, or by none
	 * when its queue has no worker */
	for (uint32_t k = 0; k < npools; k++) {
		uint64_t kept = 0, want = 0;
		for (uint64_t t = 0; t < per_pool; t++) {
			const struct worker_pool *wp0 = &w[0]->pools[k];
			uint32_t ip = wp0->ip_lo + (uint32_t)(t / wp0->port_n);
			uint16_t port = (uint16_t)(wp0->port_lo + t % wp0->port_n);
			uint16_t q = fake_owner(&f, ip, port, f.sip, f.sport);
			uint32_t holders = 0;
			for (uint32_t i = 0; i < ncores; i++) {
				uint32_t s = tuple_slot(w[i], &w[i]->pools[k], t);
				if (s != TUPLE_NONE) {
					holders++;
					assert_int_equal(q, i);
					assert_int_equal(tuple_at(w[i], &w[i]->pools[k], s), t);
				}
			}
			assert_int_equal(holders, q < ncores ? 1 : 0);
			kept += holders;
			want += q < ncores;
		}
		assert_int_equal(kept, want);
		assert_true(kept > 0);
	}
	for (uint32_t i = 0; i < ncores; i++) {
		tuple_fini(w[i], free);
		for (uint32_t k = 0; k < TENG_MAX_POOLS; k++)
			assert_null(w[i]->pools[k].tuples);
		free(w[i]);
	}
	free(p);
}

static void test_table_two_workers(void **state)
{
	(void)state;
	check_table(2, 2, 1);
}

static void test_table_three_workers_two_pools(void **state)
{
	(void)state;
	check_table(3, 3, 2);
}

/* A RETA naming more queues than workers: those tuples are nobody's. */
static void test_table_queue_without_worker(void **state)
{
	(void)state;
	check_table(2, 3, 1);
}

static void test_table_one_worker(void **state)
{
	(void)state;
	check_table(1, 1, 1);
}

static void test_table_two_destinations_refused(void **state)
{
	(void)state;
	struct teng_plan *p = plan_of(1);
	p->ntemplates = 2;
	p->templates[1] = p->templates[0];
	p->templates[1].dst_port = 8080;
	struct fake f = { .nq = 2, .sip = 0xC6120101u, .sport = 80 };
	struct tuple_mode mode = { .kind = TUPLE_TABLE, .owner = fake_owner, .ctx = &f };
	struct worker *w = worker_of(2, 0);
	char err[256] = "";
	assert_int_equal(tuple_init(w, p, &mode, zalloc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "client pool 0 is used toward two destinations"));
	tuple_fini(w, free);
	/* the same destination twice is one destination */
	p->templates[1].dst_port = 80;
	assert_true(tuple_init(w, p, &mode, zalloc, err, sizeof(err)) > 0);
	tuple_fini(w, free);
	/* the modulo kind does not care */
	p->templates[1].dst_port = 8080;
	assert_int_equal(tuple_init(w, p, NULL, zalloc, err, sizeof(err)), 1500);
	tuple_fini(w, free);
	free(w);
	free(p);
}

/* The modulo kind: tuple t at worker t % n, slot t / n, no arrays. */
static void test_modulo(void **state)
{
	(void)state;
	struct teng_plan *p = plan_of(1);
	char err[256];
	for (uint32_t n = 1; n <= 5; n++) {
		uint32_t total = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct worker *w = worker_of(n, i);
			int got = tuple_init(w, p, NULL, zalloc, err, sizeof(err));
			const struct worker_pool *wp = &w->pools[0];
			assert_null(wp->tuples);
			assert_null(wp->slot_of);
			assert_int_equal(got, (3000 - i + n - 1) / n);
			for (uint32_t s = 0; s < wp->nslots; s++) {
				uint64_t t = tuple_at(w, wp, s);
				assert_int_equal(t, (uint64_t)s * n + i);
				assert_int_equal(tuple_slot(w, wp, t), s);
				assert_int_equal(tuple_owner(w, t), i);
				if (n > 1)
					assert_int_equal(tuple_slot(w, wp, t + 1), TUPLE_NONE);
			}
			total += wp->nslots;
			tuple_fini(w, free);
			free(w);
		}
		assert_int_equal(total, 3000);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_two_workers),
		cmocka_unit_test(test_table_three_workers_two_pools),
		cmocka_unit_test(test_table_queue_without_worker),
		cmocka_unit_test(test_table_one_worker),
		cmocka_unit_test(test_table_two_destinations_refused),
		cmocka_unit_test(test_modulo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
