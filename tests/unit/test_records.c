/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-connection records (records.h): sampling 1 in N per role, the cap
 * shared by workers (with sampling: the cap counts the sampled), a full
 * ring dropping and counting, the step times, and the JSON line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>

#include "records.h"

#define LIVE 16

struct fix {
	struct rte_ring *ring;
	struct rec_live live[LIVE];
	struct rec_shared shared;
	struct rec_worker w;
};

/* A ring of `count` slots (count - 1 usable), in plain memory: no EAL. */
static struct rte_ring *ring_new(unsigned count)
{
	ssize_t sz = rte_ring_get_memsize_elem(sizeof(struct rec_entry), count);
	assert_true(sz > 0);
	struct rte_ring *r = aligned_alloc(64, ((size_t)sz + 63) & ~(size_t)63);
	assert_non_null(r);
	assert_int_equal(rte_ring_init(r, "rec_test", count, RING_F_SP_ENQ | RING_F_SC_DEQ), 0);
	return r;
}

static struct fix *fix_new(unsigned ring_count, uint64_t cap, uint32_t sample)
{
	struct fix *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->ring = ring_new(ring_count);
	rec_worker_setup(&f->w, f->live, LIVE, f->ring, &f->shared, cap, sample, 3);
	return f;
}

static void fix_free(struct fix *f)
{
	free(f->ring);
	free(f);
}

static struct tcb tcb_client(uint32_t conn)
{
	struct tcb t;
	memset(&t, 0, sizeof(t));
	t.lip = rte_cpu_to_be_32(0xc6120001); /* 198.18.0.1 */
	t.rip = rte_cpu_to_be_32(0xc6120101); /* 198.18.1.1 */
	t.lport = rte_cpu_to_be_16((uint16_t)(1024 + conn));
	t.rport = rte_cpu_to_be_16(80);
	t.role = ROLE_CLIENT;
	return t;
}

static void test_sample_per_role(void **state)
{
	(void)state;
	struct fix *f = fix_new(64, 0, 3);
	int taken[2][10];
	for (int i = 0; i < 10; i++) {
		taken[ROLE_CLIENT][i] = rec_take(&f->w, ROLE_CLIENT);
		taken[ROLE_SERVER][i] = rec_take(&f->w, ROLE_SERVER);
	}
	/* 1 in 3 of each role, from each role's first: 0, 3, 6, 9 */
	for (int role = 0; role < 2; role++)
		for (int i = 0; i < 10; i++)
			assert_int_equal(taken[role][i], i % 3 == 0);
	/* no cap: the shared count is not touched */
	assert_int_equal(f->shared.taken, 0);
	fix_free(f);
}

static void test_sample_one_is_all(void **state)
{
	(void)state;
	struct fix *f = fix_new(64, 0, 0); /* 0 means 1: every connection */
	for (int i = 0; i < 100; i++)
		assert_true(rec_take(&f->w, i & 1));
	fix_free(f);
}

static void test_cap_shared(void **state)
{
	(void)state;
	/* two workers, one count: exactly the cap in total */
	struct fix *a = fix_new(64, 5, 1), *b = fix_new(64, 5, 1);
	b->w.shared = &a->shared;
	int n = 0;
	for (int i = 0; i < 20; i++) {
		n += rec_take(&a->w, ROLE_CLIENT);
		n += rec_take(&b->w, ROLE_SERVER);
	}
	assert_int_equal(n, 5);
	/* past the cap the count is only read, not raised */
	assert_int_equal(a->shared.taken, 5);
	fix_free(a);
	fix_free(b);
}

static void test_cap_counts_sampled(void **state)
{
	(void)state;
	struct fix *f = fix_new(64, 3, 2);
	int got[10];
	for (int i = 0; i < 10; i++)
		got[i] = rec_take(&f->w, ROLE_CLIENT);
	/* sampled: 0, 2, 4, 6, 8; the cap keeps the first 3 of them */
	int want[10] = { 1, 0, 1, 0, 1, 0, 0, 0, 0, 0 };
	for (int i = 0; i < 10; i++)
		assert_int_equal(got[i], want[i]);
	fix_free(f);
}

static void test_full_ring_drops(void **state)
{
	(void)state;
	struct fix *f = fix_new(8, 0, 1); /* 7 records fit */
	for (uint32_t i = 0; i < 10; i++) {
		struct tcb t = tcb_client(i);
		rec_open(&f->w, i, ROLE_CLIENT, 100 + i, i);
		rec_close(&f->w, i, &t, 1, TENG_REASON_NONE, 200 + i);
	}
	assert_int_equal(f->w.enqueued, 7);
	assert_int_equal(f->w.dropped, 3);
	struct rec_entry e[16];
	unsigned n = rte_ring_sc_dequeue_burst_elem(f->ring, e, sizeof(e[0]), 16, NULL);
	assert_int_equal(n, 7);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(e[i].conn, i); /* in order, the first ones */
		assert_int_equal(e[i].t_open, 100 + i);
		assert_int_equal(e[i].end, 100);
		assert_int_equal(e[i].worker, 3);
	}
	/* drained: room again */
	struct tcb t = tcb_client(11);
	rec_open(&f->w, 11, ROLE_CLIENT, 5, 11);
	rec_close(&f->w, 11, &t, 0, TENG_REASON_RESET, 6);
	assert_int_equal(f->w.enqueued, 8);
	assert_int_equal(f->w.dropped, 3);
	fix_free(f);
}

static void test_steps(void **state)
{
	(void)state;
	struct fix *f = fix_new(8, 0, 1);
	/* past 2^32 us: steps are taken from the low 32 bits, wrap-safe */
	uint64_t t0 = (1ull << 32) - 3;
	uint32_t now = (uint32_t)t0;
	rec_open(&f->w, 2, ROLE_CLIENT, t0, 2);
	rec_step(&f->w, 2, REC_EST, now + 5);
	rec_step(&f->w, 2, REC_EST, now + 50); /* the first time counts */
	rec_step(&f->w, 2, REC_SENT, now + 6);
	rec_step(&f->w, 2, REC_RCVD, now + 9);
	struct tcb t = tcb_client(2);
	t.group = 1;
	t.phase = 2;
	rec_close(&f->w, 2, &t, 0, TENG_REASON_HTTP_STATUS, now + 12);
	/* closed: a later step or close of the same slot is nothing */
	rec_step(&f->w, 2, REC_DONE, now + 13);
	rec_close(&f->w, 2, &t, 0, TENG_REASON_HTTP_STATUS, now + 14);
	struct rec_entry e[4];
	assert_int_equal(rte_ring_sc_dequeue_burst_elem(f->ring, e, sizeof(e[0]), 4, NULL), 1);
	assert_int_equal(e[0].t_open, t0);
	assert_int_equal(e[0].est, 5);
	assert_int_equal(e[0].sent, 6);
	assert_int_equal(e[0].rcvd, 9);
	assert_int_equal(e[0].done, REC_NONE);
	assert_int_equal(e[0].end, 12);
	assert_int_equal(e[0].ok, 0);
	assert_int_equal(e[0].reason, TENG_REASON_HTTP_STATUS);
	assert_int_equal(e[0].group, 1);
	assert_int_equal(e[0].phase, 2);
	fix_free(f);
}

static void test_not_sampled_is_nothing(void **state)
{
	(void)state;
	struct fix *f = fix_new(8, 1, 1);
	struct tcb t = tcb_client(0);
	rec_open(&f->w, 0, ROLE_CLIENT, 1, 0); /* takes the one record */
	rec_open(&f->w, 1, ROLE_CLIENT, 1, 1); /* over the cap */
	rec_step(&f->w, 1, REC_EST, 2);
	rec_close(&f->w, 1, &t, 1, 0, 3);
	assert_int_equal(f->w.enqueued + f->w.dropped, 0);
	rec_close(&f->w, 0, &t, 1, 0, 3);
	assert_int_equal(f->w.enqueued, 1);
	fix_free(f);
}

static void test_format(void **state)
{
	(void)state;
	struct teng_plan *plan = calloc(1, sizeof(*plan));
	assert_non_null(plan);
	plan->nphases = 1;
	strcpy(plan->phases[0].name, "main");
	strcpy(plan->templates[0].name, "get");
	strcpy(plan->listeners[1].name, "we\"b\\");
	strcpy(plan->reason_names[TENG_REASON_USER], "bad_greeting");
	/* reason_names[0 .. USER - 1] left empty: the built-in names */
	struct rec_writer *wr = calloc(1, sizeof(*wr));
	assert_non_null(wr);
	rec_writer_names(wr, plan);

	struct tcb t = tcb_client(7);
	struct rec_entry e;
	memset(&e, 0, sizeof(e));
	e.t_open = 1000;
	e.est = 20;
	e.sent = 21;
	e.rcvd = 40;
	e.done = 41;
	e.end = 45;
	e.lip = t.lip;
	e.rip = t.rip;
	e.lport = t.lport;
	e.rport = t.rport;
	e.conn = 7;
	e.role = ROLE_CLIENT;
	e.ok = 1;
	e.worker = 1;
	char buf[1024];
	size_t n = rec_format(wr, &e, buf, sizeof(buf));
	const char *want =
		"{\"role\":\"client\",\"src\":\"198.18.0.1:1031\",\"dst\":\"198.18.1.1:80\","
		"\"template\":\"get\",\"phase\":\"main\",\"worker\":1,\"conn\":7,\"opened_us\":1000,"
		"\"established_us\":1020,\"first_sent_us\":1021,\"first_received_us\":1040,"
		"\"done_us\":1041,\"finished_us\":1045,\"duration_us\":45,\"outcome\":\"completed\","
		"\"reason\":null}\n";
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));

	/* a server's failed record: src is the client's end; steps not
	 * reached are null; names escaped; a phase past the plan's: drain */
	e.role = ROLE_SERVER;
	e.group = 1;
	e.phase = 1;
	e.lip = t.rip;
	e.lport = t.rport;
	e.rip = t.lip;
	e.rport = t.lport;
	e.est = e.sent = e.done = REC_NONE;
	e.ok = 0;
	e.reason = TENG_REASON_HANDSHAKE;
	rec_format(wr, &e, buf, sizeof(buf));
	want = "{\"role\":\"server\",\"src\":\"198.18.0.1:1031\",\"dst\":\"198.18.1.1:80\","
	       "\"listener\":\"we\\\"b\\\\\",\"phase\":\"drain\",\"worker\":1,\"conn\":7,"
	       "\"opened_us\":1000,\"established_us\":null,\"first_sent_us\":null,"
	       "\"first_received_us\":1040,\"done_us\":null,\"finished_us\":1045,\"duration_us\":45,"
	       "\"outcome\":\"failed\",\"reason\":\"handshake\"}\n";
	assert_string_equal(buf, want);
	e.reason = TENG_REASON_USER;
	rec_format(wr, &e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"reason\":\"bad_greeting\"}\n"));
	e.reason = TENG_REASON_USER + 1; /* no name at all */
	rec_format(wr, &e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"reason\":\"reason17\"}\n"));
	/* a buffer too small is cut, never overrun */
	memset(buf, 'x', sizeof(buf));
	n = rec_format(wr, &e, buf, 16);
	assert_int_equal(n, 15);
	assert_int_equal(buf[15], 0);
	assert_int_equal(buf[16], 'x');
	free(wr);
	free(plan);
}

/* rec_drain writes what the ring holds, in batches, and counts it. */
static void test_drain(void **state)
{
	(void)state;
	struct fix *f = fix_new(256, 0, 1);
	for (uint32_t i = 0; i < 150; i++) {
		struct tcb t = tcb_client(i);
		rec_open(&f->w, i % LIVE, ROLE_CLIENT, i, i);
		rec_close(&f->w, i % LIVE, &t, 1, 0, i + 1);
	}
	struct teng_plan *plan = calloc(1, sizeof(*plan));
	struct rec_writer *wr = calloc(1, sizeof(*wr));
	assert_non_null(plan);
	assert_non_null(wr);
	rec_writer_names(wr, plan);
	wr->f = tmpfile();
	assert_non_null(wr->f);
	assert_int_equal(rec_drain(wr, f->ring), 150); /* more than one batch */
	assert_int_equal(wr->written, 150);
	assert_int_equal(rec_drain(wr, f->ring), 0);
	rewind(wr->f);
	char line[1024];
	int lines = 0;
	while (fgets(line, sizeof(line), wr->f)) {
		char want[32];
		snprintf(want, sizeof(want), "\"conn\":%d,", lines);
		assert_non_null(strstr(line, want));
		lines++;
	}
	assert_int_equal(lines, 150);
	fclose(wr->f);
	free(wr);
	free(plan);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_per_role),
		cmocka_unit_test(test_sample_one_is_all),
		cmocka_unit_test(test_cap_shared),
		cmocka_unit_test(test_cap_counts_sampled),
		cmocka_unit_test(test_full_ring_drops),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_not_sampled_is_nothing),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_drain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
