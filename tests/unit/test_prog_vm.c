/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM below TCP: sends with fields and their ACKs, loops (counted,
 * drawn, to the end of the phase), yields, think, recv deadlines, resets.
 */
#include "prog_vm_util.h"

static void test_send_fields_and_ack(void **state)
{
	(void)state;
	plan_begin();
	uint32_t a = pl_str("SET k:______ r=__\r\n");
	pl_field(a, 6, TENG_FIELD_CONN, 6);
	pl_field(a, 15, TENG_FIELD_REQ, 2);
	uint32_t b = pl_str("PING\r\n");
	uint16_t pc = PROG(O(SEND, .a = (uint16_t)a), O(SEND, .a = (uint16_t)b), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 21);
	char out[256];
	assert_int_equal(prog_step(W, t), PROG_OK);
	/* the second send waits for the first to be acknowledged */
	assert_int_equal(t->pc, pc + 1);
	assert_int_equal(queued(t, out), 19);
	assert_string_equal(out, "SET k:000043 r=00\r\n"); /* 21 * 2 cores + core 1 */
	/* a retransmission of any part renders the same bytes */
	prog_render(W, t, 7, 5, (uint8_t *)out);
	assert_memory_equal(out, "00043", 5);
	ack(t);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(queued(t, out), 6);
	assert_string_equal(out, "PING\r\n");
	assert_true(t->flags & TF_PROG_DONE);
	assert_true(t->flags & TF_FIN_QUEUED);
	assert_int_equal(W->st->phase_txn[0].total, 1); /* tcp_prog_done */
	/* done: what comes now is nobody's */
	assert_int_equal(input(t, "xyz"), PROG_OK);
	assert_int_equal(W->ctr->rx_unexpected, 3);
	assert_int_equal(W->prog.rx_taken, 0);
	conn_end(t);
	vm_down();
}

/* The software checksum's shortcut: a segment that carries a whole
 * payload without fields gets its raw sum from the table, the one a full
 * summing gives; a part of it, or a payload with fields, is summed. */
static void test_render_sum(void **state)
{
	(void)state;
	plan_begin();
	uint32_t a = pl_str("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"); /* odd length */
	uint32_t b = pl_str("id=______\n");
	pl_field(b, 3, TENG_FIELD_CONN, 6);
	uint16_t pc = PROG(O(SEND, .a = (uint16_t)a), O(SEND, .a = (uint16_t)b), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 5);
	assert_int_equal(prog_step(W, t), PROG_OK);
	uint32_t n = t->snd_end - t->tpl_seq;
	uint8_t out[256];
	uint16_t sum = 0;
	assert_int_equal(prog_render_sum(W, t, 0, n, out, &sum), 1);
	assert_int_equal(sum, rte_raw_cksum(out, n));
	assert_memory_equal(out, "GET /index.html", 15);
	sum = 7;
	assert_int_equal(prog_render_sum(W, t, 0, n - 1, out, &sum), 0); /* a part */
	assert_int_equal(prog_render_sum(W, t, 1, n - 1, out, &sum), 0);
	assert_int_equal(sum, 7);
	ack(t);
	assert_int_equal(prog_step(W, t), PROG_OK);
	n = t->snd_end - t->tpl_seq;
	assert_int_equal(prog_render_sum(W, t, 0, n, out, &sum), 0); /* fields */
	assert_memory_equal(out, "id=", 3);
	conn_end(t);
	vm_down();
}

/* loop(3, { send(req field), recv line }) with the request number */
static void test_loop_count(void **state)
{
	(void)state;
	plan_begin();
	uint32_t a = pl_str("GET _\n");
	pl_field(a, 4, TENG_FIELD_REQ, 1);
	uint32_t ok = pl_str("OK _");
	pl_field(ok, 3, TENG_FIELD_REQ, 1);
	uint16_t pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 3, .jump = 4),
			   O(SEND, .a = (uint16_t)a),
			   R(LINE, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)ok, .b = 1),
			   O(LOOP_NEXT, .jump = 1), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	char out[64];
	assert_int_equal(prog_step(W, t), PROG_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t->pc, 2);
		queued(t, out);
		char want[16];
		snprintf(want, sizeof(want), "GET %d\n", i);
		assert_string_equal(out, want);
		ack(t);
		snprintf(want, sizeof(want), "OK %d\r\n", i);
		assert_int_equal(input(t, want), PROG_OK);
	}
	assert_int_equal(t->req, 3);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(W->ctr->requests, 3);
	assert_int_equal(W->st->group[0].requests, 3);
	conn_end(t);

	/* a count of 0 skips the body */
	vm_down();
	plan_begin();
	pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 0, .jump = 3),
		  O(FAIL, .reason = 20), O(LOOP_NEXT, .jump = 1), O(END));
	vm_up();
	t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	vm_down();
}

/* Nested loops, a count drawn per connection, and a long loop of ops
 * that never wait: it yields instead of spinning. */
static void test_loop_uniform_nested(void **state)
{
	(void)state;
	plan_begin();
	uint16_t pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_UNIFORM, .n = 2, .m = 5, .jump = 6),
			   O(LOOP_INIT, .a = 1, .mode = TENG_LOOP_COUNT, .n = 10, .jump = 5),
			   O(STEP_BEGIN, .a = 0), O(STEP_END, .a = 0),
			   O(LOOP_NEXT, .a = 1, .jump = 2), O(LOOP_NEXT, .a = 0, .jump = 1),
			   O(END));
	vm_up();
	int seen[6] = { 0 };
	for (int k = 0; k < 64; k++) {
		struct tcb *t = conn_new(ROLE_CLIENT, pc, (uint32_t)k);
		assert_int_equal(prog_step(W, t), PROG_OK);
		assert_true(t->flags & TF_PROG_DONE);
		/* each outer iteration: 10 inner ones, one LOOP_NEXT more */
		uint32_t outer = t->req / 11;
		assert_int_equal(t->req % 11, 0);
		assert_true(outer >= 2 && outer <= 5);
		seen[outer]++;
		conn_end(t);
	}
	for (int i = 2; i <= 5; i++)
		assert_true(seen[i] > 0);
	assert_true(W->st->step[0].total > 64 * 20);
	vm_down();

	plan_begin();
	pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 60000, .jump = 4),
		  O(STEP_BEGIN, .a = 1), O(STEP_END, .a = 1), O(LOOP_NEXT, .jump = 1),
		  O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_false(t->flags & TF_PROG_DONE);
	assert_true(t->flags2 & TF2_THINKING); /* yielded */
	assert_int_equal(prog_step(W, t), PROG_OK); /* an ACK: still yielding */
	int rounds = 0;
	while (!(t->flags & TF_PROG_DONE)) {
		assert_true(rounds++ < 100);
		W->now_ms = t->wake_ms;
		assert_int_equal(prog_wake(W, t), PROG_OK);
	}
	assert_int_equal(t->req, 60000);
	assert_int_equal(W->st->step[1].total, 60000);
	conn_end(t);
	vm_down();
}

static void test_loop_phase(void **state)
{
	(void)state;
	plan_begin();
	uint16_t pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_PHASE, .jump = 3),
			   R(BYTES, .n = 2), O(LOOP_NEXT, .jump = 1), O(END));
	vm_up();
	W->phase = 1;
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	t->phase = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "abcdef"), PROG_OK);
	assert_int_equal(t->req, 3);
	assert_int_equal(t->pc, 1);
	W->phase = 2; /* the phase it opened in ended */
	assert_int_equal(input(t, "gh"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(W->ctr->requests, 4);
	conn_end(t);
	/* opened in a phase already over: the body never runs; draining too */
	t = conn_new(ROLE_CLIENT, pc, 1);
	t->phase = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc, 2);
	t->phase = 2;
	CTL.draining = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	CTL.draining = 0;
	conn_end(t);
	/* a server follows its clients: a new phase does not end its loop,
	 * the drain does */
	W->phase = 1;
	t = conn_new(ROLE_SERVER, pc, 3);
	t->phase = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "ab"), PROG_OK);
	W->phase = 2;
	assert_int_equal(input(t, "cd"), PROG_OK);
	assert_false(t->flags & TF_PROG_DONE);
	assert_int_equal(t->pc, 1);
	CTL.draining = 1;
	assert_int_equal(input(t, "ef"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	CTL.draining = 0;
	assert_int_equal(W->ctr->s_requests, 3);
	conn_end(t);
	vm_down();
}

static void test_think(void **state)
{
	(void)state;
	plan_begin();
	uint32_t a = pl_str("x");
	uint16_t pc = PROG(O(THINK, .mode = TENG_DIST_FIXED, .n = 2500), O(SEND, .a = (uint16_t)a),
			   O(THINK, .mode = TENG_DIST_UNIFORM, .n = 1000, .m = 9000),
			   O(THINK, .mode = TENG_DIST_EXP, .n = 3000, .m = 20000),
			   O(THINK, .mode = TENG_DIST_FIXED, .n = 0), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags2 & TF2_THINKING);
	assert_int_equal(t->wake_ms, 1003); /* 2.5 ms, rounded up */
	assert_true(timer_armed(&W->tw, tcb_id(W, t)));
	/* data and ACKs while thinking change nothing */
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(t->pc, pc);
	W->now_ms = 1002;
	assert_int_equal(prog_wake(W, t), PROG_OK); /* early: still thinking */
	assert_true(t->flags2 & TF2_THINKING);
	W->now_ms = 1003;
	assert_int_equal(prog_wake(W, t), PROG_OK);
	assert_int_equal(t->snd_end - t->snd_una, 1); /* the send went */
	assert_true(t->flags2 & TF2_THINKING);
	uint32_t d = t->wake_ms - W->now_ms;
	assert_true(d >= 1 && d <= 9);
	W->now_ms = t->wake_ms;
	assert_int_equal(prog_wake(W, t), PROG_OK);
	d = t->wake_ms - W->now_ms;
	assert_true(d >= 1 && d <= 20);
	W->now_ms = t->wake_ms;
	assert_int_equal(prog_wake(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE); /* a think of 0 takes no time */
	assert_false(t->flags2 & TF2_THINKING);
	conn_end(t);
	vm_down();
}

static void test_recv_timeout(void **state)
{
	(void)state;
	plan_begin();
	uint16_t pc = PROG(R(LINE, .timeout_ms = 50), R(LINE, .timeout_ms = 50), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags2 & TF2_DEADLINE);
	assert_int_equal(t->wake_ms, 1050);
	W->now_ms = 1040;
	assert_int_equal(input(t, "hi\n"), PROG_OK);
	/* the next recv's deadline starts when the program reaches it */
	assert_int_equal(t->wake_ms, 1090);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(t->wake_ms, 1090);
	W->now_ms = 1090;
	assert_int_equal(prog_wake(W, t), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_RECV_TIMEOUT);
	assert_true(t->flags2 & TF2_FAILED);
	conn_end(t);
	vm_down();
}

static void test_close_reset_fail(void **state)
{
	(void)state;
	plan_begin();
	uint16_t pc = PROG(O(CLOSE, .mode = TENG_CLOSE_RESET), O(END));
	uint16_t pc2 = PROG(O(FAIL, .reason = TENG_REASON_USER));
	uint16_t pc3 = PROG(O(SEND_BULK, .n = 3000), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_RESET);
	assert_true(t->flags2 & TF2_RESET);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc2, 0);
	assert_int_equal(prog_step(W, t), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_USER);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc3, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	static char out[4000];
	assert_int_equal(queued(t, out), 3000);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(out[i], 'a' + i % 26);
	prog_render(W, t, 2999, 1, (uint8_t *)out);
	assert_int_equal(out[0], 'a' + 2999 % 26);
	conn_end(t);
	vm_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_fields_and_ack),
		cmocka_unit_test(test_loop_count),
		cmocka_unit_test(test_loop_uniform_nested),
		cmocka_unit_test(test_loop_phase),
		cmocka_unit_test(test_render_sum),
		cmocka_unit_test(test_think),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_close_reset_fail),
	};
	VM_MAIN(tests);
}
