/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM driven directly, below TCP: a worker set up from a plan (DPDK's
 * EAL, --no-huge, no ports), TCBs made by hand, prog_step / prog_input /
 * prog_wake called as the TCP side would, and what the connection would
 * send read back through prog_render.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "teng/api.h"
#include "payload.h"
#include "tcp.h"

#define O(c, ...) { .code = TENG_OP_##c, __VA_ARGS__ }
/* a recv that fails (no jump) */
#define R(m, ...) { .code = TENG_OP_RECV, .mode = TENG_RECV_##m, .jump = TENG_NO_JUMP, __VA_ARGS__ }
#define NOJ .jump = TENG_NO_JUMP

static struct teng_plan *P;
static struct worker *W;
static struct worker_ctl CTL;

static uint32_t pl_payload(const void *s, uint32_t len)
{
	uint32_t off = P->blob_len;
	uint8_t *b = teng_plan_blob(P, off + len);
	assert_non_null(b);
	memcpy(b + off, s, len);
	P->payloads[P->npayloads].off = off;
	P->payloads[P->npayloads].len = len;
	return P->npayloads++;
}

static uint32_t pl_str(const char *s)
{
	return pl_payload(s, (uint32_t)strlen(s));
}

static void pl_field(uint32_t id, uint32_t off, uint8_t kind, uint16_t width)
{
	struct teng_payload *p = &P->payloads[id];
	if (p->nfields == 0)
		p->field0 = (uint16_t)P->nfields;
	struct teng_field *f = &P->fields[P->nfields++];
	f->off = off;
	f->kind = kind;
	f->width = width;
	p->nfields++;
}

static uint16_t pl_ops(const struct teng_op *ops, uint32_t n)
{
	uint32_t first = P->nops;
	memcpy(&P->ops[first], ops, n * sizeof(*ops));
	P->nops += n;
	return (uint16_t)first;
}
#define PROG(...)                                                       \
	({                                                              \
		const struct teng_op o_[] = { __VA_ARGS__ };            \
		pl_ops(o_, sizeof(o_) / sizeof(o_[0]));                 \
	})

static void plan_begin(void)
{
	P = teng_plan_new();
	assert_non_null(P);
	P->cores = 2; /* connection numbers in the run: conn * 2 */
	P->max_open = 16;
	P->client_enabled = P->server_enabled = 0;
}

static void vm_up(void)
{
	char err[160];
	W = rte_zmalloc("test_worker", sizeof(*W), RTE_CACHE_LINE_SIZE);
	assert_non_null(W);
	memset(&CTL, 0, sizeof(CTL));
	CTL.hz = rte_get_tsc_hz();
	W->ctl = &CTL;
	if (worker_init(W, P, 1, rte_lcore_id(), &CTL, err, sizeof(err)) < 0)
		fail_msg("worker_init: %s", err);
	W->now_ms = 1000;
	W->now_us = 1000000;
}

/* A plan worker_init must refuse, with a message containing what. */
static void vm_refused(const char *what)
{
	char err[160] = "";
	W = rte_zmalloc("test_worker", sizeof(*W), RTE_CACHE_LINE_SIZE);
	assert_non_null(W);
	CTL.hz = rte_get_tsc_hz();
	assert_int_equal(worker_init(W, P, 0, rte_lcore_id(), &CTL, err, sizeof(err)), -1);
	if (strstr(err, what) == NULL)
		fail_msg("'%s' does not say '%s'", err, what);
	worker_fini(W);
	rte_free(W);
	W = NULL;
	teng_plan_free(P);
	P = NULL;
}

static struct tcb *conn_new(uint8_t role, uint16_t pc, uint32_t conn)
{
	uint32_t id = conn_alloc(&W->ct);
	assert_int_not_equal(id, TCB_NIL);
	struct tcb *t = tcb_of(W, id);
	t->role = role;
	t->state = TCP_ESTABLISHED;
	t->lip = htonl(0x0a000001);
	t->lport = htons(1234);
	t->rip = htonl(0x0a000102);
	t->rport = htons(80);
	t->snd_una = t->snd_nxt = t->snd_max = t->snd_end = 5000;
	t->conn = conn;
	prog_start(W, t, pc);
	return t;
}

static void conn_end(struct tcb *t)
{
	uint32_t id = tcb_id(W, t);
	timer_cancel(&W->tw, id);
	prog_release(W, t);
	conn_free(&W->ct, id);
}

static void vm_down(void)
{
	worker_fini(W);
	rte_free(W);
	W = NULL;
	teng_plan_free(P);
	P = NULL;
}

static int input(struct tcb *t, const char *s)
{
	return prog_input(W, t, (const uint8_t *)s, (uint32_t)strlen(s));
}

/* What the connection has queued and not yet had acknowledged. */
static uint32_t queued(struct tcb *t, char *out)
{
	uint32_t n = t->snd_end - t->snd_una;
	prog_render(W, t, t->snd_una - t->tpl_seq, n, (uint8_t *)out);
	out[n] = 0;
	return n;
}

static void ack(struct tcb *t)
{
	t->snd_una = t->snd_nxt = t->snd_max = t->snd_end;
}

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
	assert_int_equal(W->st->group_txn[0].total, 1); /* tcp_prog_done */
	/* done: what comes now is nobody's */
	assert_int_equal(input(t, "xyz"), PROG_OK);
	assert_int_equal(W->ctr->rx_unexpected, 3);
	assert_int_equal(W->prog.rx_taken, 0);
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
	struct tcb *t = conn_new(ROLE_SERVER, pc, 0);
	t->phase = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_int_equal(input(t, "abcdef"), PROG_OK);
	assert_int_equal(t->req, 3);
	assert_int_equal(t->pc, 1);
	W->phase = 2; /* the phase it opened in ended */
	assert_int_equal(input(t, "gh"), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	assert_int_equal(W->ctr->s_requests, 4);
	conn_end(t);
	/* opened in a phase already over: the body never runs; draining too */
	t = conn_new(ROLE_SERVER, pc, 1);
	t->phase = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	conn_end(t);
	t = conn_new(ROLE_SERVER, pc, 2);
	t->phase = 2;
	CTL.draining = 1;
	assert_int_equal(prog_step(W, t), PROG_OK);
	assert_true(t->flags & TF_PROG_DONE);
	CTL.draining = 0;
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
	PROG(R(DELIM, .a = (uint16_t)d), O(END));
	vm_refused("delimiter");
	plan_begin();
	d = pl_str("\r\n");
	PROG(R(DELIM, .a = (uint16_t)d, .expect = TENG_EXPECT_EXACT, .b = 1), O(END));
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

static int eal_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=tvm%d", (int)getpid());
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-telemetry", prefix, "--no-shconf", "-l", "0",
			 "--log-level=*:error", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_fields_and_ack),
		cmocka_unit_test(test_loop_count),
		cmocka_unit_test(test_loop_uniform_nested),
		cmocka_unit_test(test_loop_phase),
		cmocka_unit_test(test_think),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_check_fail_jump),
		cmocka_unit_test(test_resp_http_checks),
		cmocka_unit_test(test_peer_fin),
		cmocka_unit_test(test_close_reset_fail),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_plan_checks),
	};
	if (eal_init() < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
