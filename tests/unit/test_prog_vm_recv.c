/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM below TCP: checks that fail or jump, RESP errors, HTTP status,
 * the peer's FIN, the echo pool, plans it refuses.
 */
#include "prog_vm_util.h"

/* A failed check fails with the op's reason or the built-in one, or
 * jumps to on_fail. */
static void test_check_fail_jump(void **state)
{
	(void)state;
	plan_begin();
	uint32_t pong = pl_str("PONG");
	uint16_t pc = PROG(R(LINE, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)pong, .b = 1),
			   O(END));
	uint16_t pc2 = PROG(R(LINE, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)pong, .b = 1,
			      .reason = TENG_REASON_USER + 1),
			    O(END));
	uint16_t pc3 = PROG({ .code = TENG_OP_RECV, .mode = TENG_RECV_LINE,
			      .expect = TENG_EXPECT_EXACT, .a = (uint16_t)pong, .b = 1,
			      .jump = (uint16_t)(P->nops + 2) },
			    O(END), O(FAIL, .reason = TENG_REASON_USER + 2));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "PONG\r\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "NOPE\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_MISMATCH);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc2, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "PONG!\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_USER + 1);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc3, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "PONG\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc3, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "PING\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_USER + 2);
	assert_int_equal(W->ctr->requests, 2);
	conn_end(t);
	vm_down();
}

/* Expectations on delimiter and length framing: the mode's own
 * parameters (delimiter, type byte, trailer) sit in n and m. */
static void test_check_delim_length(void **state)
{
	(void)state;
	plan_begin();
	uint32_t crlf = pl_str("\r\n\r\n");
	uint32_t want = pl_str("HTTP/1.1 200 OK\r\n\r\n");
	uint32_t bulk = pl_str("$5\r\nhello\r\n");
	uint16_t pc = PROG(R(DELIM, .n = crlf, .expect = TENG_EXPECT_EXACT,
			     .a = (uint16_t)want, .b = 1),
			   O(END));
	uint16_t pc2 = PROG(R(LENGTH, .n = '$', .m = 2, .expect = TENG_EXPECT_EXACT,
			      .a = (uint16_t)bulk, .b = 1),
			    O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "HTTP/1.1 200 OK\r\n\r\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "HTTP/1.1 404 No\r\n\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_MISMATCH);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc2, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "$5\r\nhello\r\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, pc2, 0);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "$5\r\nworld\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_MISMATCH);
	conn_end(t);
	vm_down();
}

static void test_resp_http_checks(void **state)
{
	(void)state;
	plan_begin();
	uint32_t okr = pl_str("+OK\r\n");
	uint16_t any = PROG(R(RESP), O(END));
	uint16_t ok = PROG(R(RESP, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)okr, .b = 1), O(END));
	uint16_t err = PROG(R(RESP, .expect = TENG_EXPECT_PREFIX, .a = (uint16_t)pl_str("-ERR"), .b = 1),
			    O(END));
	uint16_t http = PROG(R(HTTP, .expect = TENG_EXPECT_STATUS, .n = 200, .m = 299), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_CLIENT, any, 0);
	prog_step(W, t);
	assert_int_equal(input(t, ":12\r\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, any, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "-ERR unknown command\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_RESP_ERROR);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, ok, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "-ERR wrong\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_RESP_ERROR);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, ok, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "+OKAY\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_MISMATCH);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, err, 0); /* an error that was expected */
	prog_step(W, t);
	assert_int_equal(input(t, "-ERR x\r\n"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, ok, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "$3\r\nabcd"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_FRAMING);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, http, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_HTTP_STATUS);
	assert_int_equal(W->ctr->http_other, 1);
	conn_end(t);
	t = conn_new(ROLE_CLIENT, http, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "HTTP/1.1 200 OK\r\n\r\nbody"), PROG_OK);
	assert_false(t->flags & TF_PROG_DONE); /* to the FIN */
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(W->ctr->http_2xx, 1);
	conn_end(t);
	vm_down();
}

static void test_peer_fin(void **state)
{
	(void)state;
	plan_begin();
	uint16_t pc = PROG(R(BYTES, .n = 4), R(EOF), O(CLOSE), O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_SERVER, pc, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "ab"), PROG_OK);
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_PEER_CLOSED);
	conn_end(t);
	t = conn_new(ROLE_SERVER, pc, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "abcd"), PROG_OK);
	assert_int_equal(t->pc, pc + 1);
	assert_int_equal(prog_step(W, t), PROG_OK);
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(W->ctr->s_requests, 2);
	conn_end(t);
	vm_down();

	/* a server's loop ends when its client closes between messages */
	plan_begin();
	pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 100, .jump = 4),
		  R(LINE), R(BYTES, .n = 2), O(LOOP_NEXT, .jump = 1), O(CLOSE), O(END));
	vm_up();
	t = conn_new(ROLE_SERVER, pc, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "a\nbbc\ndd"), PROG_OK);
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(t->req, 2);
	conn_end(t);
	/* ... not in the middle of one */
	t = conn_new(ROLE_SERVER, pc, 0);
	prog_step(W, t);
	assert_int_equal(input(t, "a\nb"), PROG_OK);
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_PEER_CLOSED);
	conn_end(t);
	/* ... and a client's never: it expected more */
	t = conn_new(ROLE_CLIENT, pc, 0);
	prog_step(W, t);
	t->flags |= TF_PEER_FIN;
	assert_int_equal(prog_step(W, t), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_PEER_CLOSED);
	conn_end(t);
	vm_down();
}

/* A line echo server: lines that arrive together go back together,
 * the buffer goes back to the pool when they are acknowledged. */
static void test_echo(void **state)
{
	(void)state;
	plan_begin();
	P->echo_buffers = 1;
	P->echo_bytes = 16;
	uint16_t pc = PROG(O(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 3, .jump = 4),
			   R(LINE, .flags = TENG_OPF_ECHO), O(SEND_ECHO), O(LOOP_NEXT, .jump = 1),
			   O(END));
	vm_up();
	struct tcb *t = conn_new(ROLE_SERVER, pc, 0);
	char out[64];
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "one\r\ntw"), PROG_OK);
	assert_true(t->flags2 & TF2_ECHO);
	assert_int_equal(W->prog.echo_nfree, 0);
	assert_int_equal(queued(t, out), 5);
	assert_string_equal(out, "one\r\n");
	/* the second line follows the first, still unacknowledged */
	assert_int_equal(input(t, "o\n"), PROG_OK);
	assert_int_equal(queued(t, out), 9);
	assert_string_equal(out, "one\r\ntwo\n");
	assert_int_equal(t->tpl, TPL_ECHO);
	ack(t);
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_false(t->flags2 & TF2_ECHO); /* acknowledged: given back */
	assert_int_equal(W->prog.echo_nfree, 1);
	/* a second connection takes the one buffer... */
	struct tcb *u = conn_new(ROLE_SERVER, pc, 1);
	prog_step(W, u);
	assert_int_equal(input(u, "x\n"), PROG_OK);
	/* ...so the first finds none */
	assert_int_equal(input(t, "three\n"), PROG_FAIL);
	assert_int_equal(t->reason, TENG_REASON_NO_BUFFER);
	conn_end(t);
	/* more than the buffer holds */
	assert_int_equal(input(u, "0123456789abcdef\n"), PROG_FAIL);
	assert_int_equal(u->reason, TENG_REASON_ECHO_OVERFLOW);
	conn_end(u);
	assert_int_equal(W->prog.echo_nfree, 1);
	vm_down();
}

static void test_plan_checks(void **state)
{
	(void)state;
	plan_begin();
	PROG(O(JUMP, .jump = 7), O(END));
	vm_refused("jump");
	plan_begin();
	PROG(O(SEND, .a = 3), O(END));
	vm_refused("payload");
	plan_begin();
	PROG(O(SEND, .a = 0));
	pl_str("x");
	vm_refused("past its end");
	plan_begin();
	uint32_t d = pl_str("");
	PROG(R(DELIM, .n = d), O(END));
	vm_refused("delimiter");
	plan_begin();
	d = pl_str("\r\n");
	PROG(R(DELIM, .n = d, .expect = TENG_EXPECT_EXACT, .a = 5, .b = 1), O(END));
	vm_refused("expectation");
	plan_begin();
	P->echo_buffers = 0;
	PROG(R(LINE, .flags = TENG_OPF_ECHO), O(END));
	vm_refused("echo");
	plan_begin();
	d = pl_str("abc");
	pl_field(d, 2, TENG_FIELD_CONN, 2);
	PROG(O(SEND, .a = (uint16_t)d), O(END));
	vm_refused("field");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_fail_jump),
		cmocka_unit_test(test_check_delim_length),
		cmocka_unit_test(test_resp_http_checks),
		cmocka_unit_test(test_peer_fin),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_plan_checks),
	};
	VM_MAIN(tests);
}
