/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipelined sends, through the real TCP path: consecutive sends go out
 * without waiting for ACKs, byte-exact with their fields across template
 * and segment boundaries; a retransmission rebuilds the same bytes from
 * the templates; a server loop answers pipelined requests; the send
 * queue's limit (PROG_SENDQ); data the program is not ready for (it is
 * thinking, or waiting at a full send queue) is not acknowledged and is
 * taken when it comes again.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x60000000u;
/* op k of the client's program */
#define CPC_OF(k) ((uint16_t)(F.w->templates[0].prog + (k)))

/* A payload of len pattern bytes with one field at off. */
static uint32_t plan_fbytes(struct teng_plan *p, uint32_t len, uint32_t seed,
			    uint32_t off, uint8_t kind, uint16_t width)
{
	uint32_t id = plan_bytes(p, len, seed);
	struct teng_payload *pl = &p->payloads[id];
	pl->field0 = (uint16_t)p->nfields;
	pl->nfields = 1;
	struct teng_field *f = &p->fields[p->nfields++];
	f->off = off;
	f->kind = kind;
	f->width = width;
	f->pad = ' ';
	return id;
}

#define R_OP(md, ...)                                                   \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_##md,                  \
	  .jump = TENG_NO_JUMP, __VA_ARGS__ }
#define X_OP(c, ...) { .code = TENG_OP_##c, __VA_ARGS__ }

/* Three sends of 1000 bytes: a ends with the client port, b starts with
 * the client address and has the port across the first segment's end
 * (offset 460 of b at MSS 1460), c starts with the port. */
#define TPL_LEN 1000u
static uint32_t ta, tb, tc;
static uint8_t want[3 * TPL_LEN];

static uint32_t three_sends_client(void)
{
	struct teng_plan *p = plan_new();
	ta = plan_fbytes(p, TPL_LEN, 1, 995, TENG_FIELD_CLIENT_PORT, 5);
	tb = plan_fbytes(p, TPL_LEN, 2, 0, TENG_FIELD_CLIENT_IP, 9);
	/* a second field of b */
	p->payloads[tb].nfields = 2;
	struct teng_field *f = &p->fields[p->nfields++];
	f->off = 457;
	f->kind = TENG_FIELD_CLIENT_PORT;
	f->width = 5;
	tc = plan_fbytes(p, TPL_LEN, 3, 0, TENG_FIELD_CLIENT_PORT, 5);
	PROG_CLIENT(p, OP(SEND, ta), OP(SEND, tb), OP(SEND, tc), OP(RECV_BYTES, 10),
		    OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	/* what must go out: the pattern with the fields written by hand */
	memcpy(want, payload_of(ta), TPL_LEN);
	memcpy(want + TPL_LEN, payload_of(tb), TPL_LEN);
	memcpy(want + 2 * TPL_LEN, payload_of(tc), TPL_LEN);
	memcpy(want + 995, "10000", 5);
	memcpy(want + TPL_LEN, "10.0.0.1 ", 9);
	memcpy(want + TPL_LEN + 457, "10000", 5);
	memcpy(want + 2 * TPL_LEN, "10000", 5);

	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	return iss;
}

/* The n segments of P from its first: data from iss + 1 + off0 on,
 * byte-exact against want. */
static void check_data(uint32_t iss, uint32_t first, uint32_t n, uint32_t off0,
		       uint32_t total)
{
	uint8_t got[3 * TPL_LEN];
	memset(got, 0, sizeof(got));
	uint32_t off = off0;
	for (uint32_t i = first; i < first + n; i++) {
		assert_int_equal(P[i].seq, iss + 1 + off);
		assert_int_equal(P[i].ack, IRS + 1);
		assert_true(P[i].flags & TH_ACK);
		collect(&P[i], iss + 1, got, sizeof(got));
		off += P[i].len;
	}
	assert_int_equal(off, total);
	assert_memory_equal(got + off0, want + off0, total - off0);
}

static void test_three_sends(void **state)
{
	(void)state;
	uint32_t iss = three_sends_client();
	/* the handshake's ACK, then all three templates in three segments
	 * (1460, 1460, 80) before any ACK came */
	assert_int_equal(out(CSLOT), 4);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[0].len, 0);
	assert_int_equal(P[1].len, 1460);
	assert_int_equal(P[2].len, 1460);
	assert_int_equal(P[3].len, 80);
	assert_true(P[3].flags & TH_PSH);
	check_data(iss, 1, 3, 0, 3 * TPL_LEN);
	struct tcb *t = client_tcb();
	assert_int_equal(t->pc, CPC_OF(3));
	assert_int_equal(t->snd_end, iss + 1 + 3 * TPL_LEN);
	assert_int_equal(CTR->c_bytes_tx, 3 * TPL_LEN);
	assert_int_equal(CTR->retransmits, 0);
	assert_non_null(F.w->prog.sendq);

	/* the ACKs are lost: go-back-N rebuilds the same bytes, one
	 * segment at first (the RTO leaves cwnd 1, RFC 5681 3.1) */
	run_timers_at(F.w->rto_ms);
	assert_int_equal(out(CSLOT), 1);
	check_data(iss, 0, 1, 0, 1460);
	assert_int_equal(CTR->retransmits, 1);
	assert_int_equal(CTR->c_bytes_tx, 3 * TPL_LEN);

	/* part of b acknowledged: slow start sends two, where the resend
	 * was (1460) to the end; lost again, the resend starts inside b
	 * and runs across b's end into c */
	uint32_t acked = TPL_LEN + 100;
	set_ms(F.w->rto_ms + 1);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1 + acked, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 2);
	assert_int_equal(P[0].len, 1460);
	assert_int_equal(P[1].len, 80);
	check_data(iss, 0, 2, 1460, 3 * TPL_LEN);
	run_timers_at(2 * F.w->rto_ms + 1);
	assert_int_equal(out(CSLOT), 1);
	check_data(iss, 0, 1, acked, acked + 1460);
	assert_int_equal(CTR->retransmits, 4);

	/* everything acknowledged, the response: done */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1 + 3 * TPL_LEN, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = "0123456789", .len = 10);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1 + 3 * TPL_LEN, IRS + 11);
	assert_int_equal(CTR->rx_unexpected, 0);
}

/* The retransmission of a range that starts in a and ends in c. */
static void test_render_across(void **state)
{
	(void)state;
	uint32_t iss = three_sends_client();
	assert_int_equal(out(CSLOT), 4);
	struct tcb *t = client_tcb();
	uint8_t got[3 * TPL_LEN];
	for (uint32_t from = 0; from < 3 * TPL_LEN; from += 97) {
		uint32_t len = 3 * TPL_LEN - from;
		uint32_t seq = iss + 1 + from;
		memset(got, 0, sizeof(got));
		prog_render(F.w, t, seq - t->tpl_seq, len, got);
		assert_memory_equal(got, want + from, len);
		/* a short range inside */
		uint32_t k = len < 13 ? len : 13;
		prog_render(F.w, t, seq - t->tpl_seq, k, got);
		assert_memory_equal(got, want + from, k);
	}
}

/* Server loop(n, { recv line, send "OK ___\r\n" with the request number }). */
static uint32_t loop_server(uint32_t n)
{
	struct teng_plan *p = plan_new();
	uint32_t ok = plan_str(p, "OK ___\r\n");
	p->payloads[ok].field0 = (uint16_t)p->nfields;
	p->payloads[ok].nfields = 1;
	struct teng_field *f = &p->fields[p->nfields++];
	f->off = 3;
	f->kind = TENG_FIELD_REQ;
	f->width = 3;
	uint16_t b0 = (uint16_t)p->nops;
	PROG_SERVER(p, X_OP(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = n,
			    .jump = (uint16_t)(b0 + 4)),
		    R_OP(LINE), OP(SEND, ok),
		    X_OP(LOOP_NEXT, .jump = (uint16_t)(b0 + 1)), OP(CLOSE, 0),
		    OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	return iss;
}

static void test_server_pipelined_requests(void **state)
{
	(void)state;
	uint32_t iss = loop_server(5);
	const char *req = "r0\nr1\nr2\nr3\nr4\n";
	uint32_t rl = (uint32_t)strlen(req);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = req, .len = rl);
	/* all five answers at once, the FIN of the CLOSE after the loop */
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, IRS + 1 + rl);
	const char *ans = "OK 000\r\nOK 001\r\nOK 002\r\nOK 003\r\nOK 004\r\n";
	assert_int_equal(r->len, strlen(ans));
	assert_memory_equal(r->data, ans, strlen(ans));
	assert_int_equal(CTR->s_requests, 5);
	assert_int_equal(CTR->s_bytes_rx, rl);
	assert_int_equal(CTR->s_bytes_tx, strlen(ans));
	assert_int_equal(CTR->rx_unexpected, 0);
	/* lost: the resend is the same five answers */
	run_timers_at(F.w->rto_ms);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, IRS + 1 + rl);
	assert_memory_equal(r->data, ans, strlen(ans));
	uint32_t al = (uint32_t)strlen(ans);
	TO_SERVER(.seq = IRS + 1 + rl, .ack = iss + 2 + al, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(SSLOT), TH_ACK, iss + 2 + al, IRS + 2 + rl);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed, 0);
}

/* More pipelined requests than PROG_SENDQ answers in flight: the server
 * takes requests up to the one whose answer finds the queue full, and
 * does not acknowledge the rest; they are taken when they come again. */
static void test_server_queue_full(void **state)
{
	(void)state;
	const uint32_t n = PROG_SENDQ + 2;
	uint32_t iss = loop_server(n);
	char req[64] = "";
	for (uint32_t i = 0; i < n; i++)
		strcat(req, "rq\n");
	uint32_t rl = (uint32_t)strlen(req);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = req, .len = rl);
	struct pkt *r = out1(SSLOT);
	/* PROG_SENDQ answers; the next request is taken, its answer waits */
	uint32_t taken = 3 * (PROG_SENDQ + 1);
	check_seg(r, TH_ACK | TH_PSH, iss + 1, IRS + 1 + taken);
	assert_int_equal(r->len, 8 * PROG_SENDQ);
	for (uint32_t i = 0; i < PROG_SENDQ; i++) {
		char a[16];
		snprintf(a, sizeof(a), "OK %03u\r\n", i);
		assert_memory_equal(r->data + 8 * i, a, 8);
	}
	assert_int_equal(CTR->s_bytes_rx, taken);
	assert_int_equal(CTR->rx_unexpected, 0);
	struct tcb *t = server_tcb();
	assert_int_equal(t->rcv_nxt, IRS + 1 + taken);
	/* the first two answers acknowledged: the waiting one goes */
	TO_SERVER(.seq = IRS + 1 + taken, .ack = iss + 1 + 16, .flags = TH_ACK,
		  .wnd = 1000);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH, iss + 1 + 8 * PROG_SENDQ, IRS + 1 + taken);
	char a[16];
	snprintf(a, sizeof(a), "OK %03u\r\n", PROG_SENDQ);
	assert_int_equal(r->len, 8);
	assert_memory_equal(r->data, a, 8);
	/* the last request, sent again: answered, then the FIN */
	TO_SERVER(.seq = IRS + 1 + taken, .ack = iss + 1 + 16, .flags = TH_ACK,
		  .wnd = 1000, .data = req + taken, .len = rl - taken);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1 + 8 * (PROG_SENDQ + 1),
		  IRS + 1 + rl);
	snprintf(a, sizeof(a), "OK %03u\r\n", PROG_SENDQ + 1);
	assert_memory_equal(r->data, a, 8);
	/* a retransmission of everything unacknowledged, across the nine
	 * templates still queued */
	run_timers_at(F.w->rto_ms);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1 + 16, IRS + 1 + rl);
	assert_int_equal(r->len, 8 * (n - 2));
	for (uint32_t i = 2; i < n; i++) {
		snprintf(a, sizeof(a), "OK %03u\r\n", i);
		assert_memory_equal(r->data + 8 * (i - 2), a, 8);
	}
	assert_int_equal(CTR->s_requests, n);
	assert_int_equal(CTR->s_bytes_rx, rl);
	assert_int_equal(CTR->rx_unexpected, 0);
}

/* Data that comes while the program thinks is not acknowledged; it is
 * taken when it comes again, after the think. */
static void test_think_data_not_acked(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t a = plan_str(p, "hello");
	PROG_CLIENT(p, OP(SEND, a), X_OP(THINK, .mode = TENG_DIST_FIXED, .n = 20000),
		    OP(RECV_BYTES, 5), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	assert_int_equal(out(CSLOT), 2);
	struct tcb *t = client_tcb();
	assert_true(t->flags2 & TF2_THINKING);
	run_timers_at(5);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 6, .flags = TH_ACK, .wnd = 1000,
		  .data = "world", .len = 5);
	/* nothing acknowledges it */
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
	assert_int_equal(CTR->rx_unexpected, 0);
	assert_int_equal(t->pc, CPC_OF(1));
	run_timers_at(20);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->pc, CPC_OF(2));
	/* it comes again: taken, and the CLOSE's FIN acknowledges it */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 6, .flags = TH_ACK, .wnd = 1000,
		  .data = "world", .len = 5);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 6, IRS + 6);
	assert_int_equal(CTR->c_bytes_rx, 5);
	assert_int_equal(CTR->requests, 1);
	assert_int_equal(CTR->rx_unexpected, 0);
}

/* Data after the program's end is acknowledged and counted, as before. */
static void test_after_end_acked(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 3), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000,
		  .data = "abcdefg", .len = 7);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1, IRS + 8);
	assert_int_equal(CTR->rx_unexpected, 4);
	assert_int_equal(CTR->c_bytes_rx, 7);
}

/* The worker's client pipelines 5 requests (loop of sends, then loop
 * of recvs) to its own server loop: byte-exact, no retransmission. */
static void test_self_pipelined(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t rq = plan_str(p, "GET ___\n");
	p->payloads[rq].field0 = (uint16_t)p->nfields;
	p->payloads[rq].nfields = 1;
	struct teng_field *f = &p->fields[p->nfields++];
	f->off = 4;
	f->kind = TENG_FIELD_REQ;
	f->width = 3;
	uint32_t all = plan_str(p, "OK 000\nOK 001\nOK 002\nOK 003\nOK 004\n");
	uint32_t okl = plan_str(p, "OK ___\n");
	p->payloads[okl].field0 = (uint16_t)p->nfields;
	p->payloads[okl].nfields = 1;
	f = &p->fields[p->nfields++];
	f->off = 3;
	f->kind = TENG_FIELD_REQ;
	f->width = 3;
	uint16_t c0 = (uint16_t)p->nops;
	PROG_CLIENT(p, X_OP(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 5,
			    .jump = (uint16_t)(c0 + 3)),
		    OP(SEND, rq), X_OP(LOOP_NEXT, .jump = (uint16_t)(c0 + 1)),
		    /* c0 + 3: the five answers, byte-exact */
		    R_OP(BYTES, .n = 35, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)all, .b = 1),
		    OP(CLOSE, 0), OP(END, 0));
	uint16_t s0 = (uint16_t)p->nops;
	PROG_SERVER(p, X_OP(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 5,
			    .jump = (uint16_t)(s0 + 4)),
		    R_OP(LINE), OP(SEND, okl),
		    X_OP(LOOP_NEXT, .jump = (uint16_t)(s0 + 1)), OP(RECV_EOF, 0),
		    OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	loopback_pump();
	assert_int_equal(CTR->s_requests, 6); /* 5 lines and the FIN */
	assert_int_equal(CTR->s_bytes_rx, 5 * 8);
	assert_int_equal(CTR->c_bytes_rx, 5 * 7);
	assert_int_equal(CTR->requests, 1);
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->c_failed + CTR->s_failed, 0);
	assert_int_equal(CTR->retransmits, 0);
	assert_int_equal(CTR->rx_unexpected + CTR->drops_out_of_order, 0);
}

/* An echo queued before another send stays as it was sent until it is
 * acknowledged; the next echo waits for that (one echo in flight). */
static void test_echo_then_send(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t bang = plan_str(p, "!\n");
	uint16_t b0 = (uint16_t)p->nops;
	PROG_SERVER(p, X_OP(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 2,
			    .jump = (uint16_t)(b0 + 5)),
		    R_OP(LINE, .flags = TENG_OPF_ECHO), X_OP(SEND_ECHO), OP(SEND, bang),
		    X_OP(LOOP_NEXT, .jump = (uint16_t)(b0 + 1)), OP(CLOSE, 0),
		    OP(END, 0));
	p->echo_buffers = 2;
	p->echo_bytes = 64;
	fx_start(p);
	assert_non_null(F.w->prog.sendq);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = "a\nb\n", .len = 4);
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH, iss + 1, IRS + 5);
	assert_int_equal(r->len, 4);
	assert_memory_equal(r->data, "a\n!\n", 4);
	/* lost: the same bytes again, the echo from its buffer */
	run_timers_at(F.w->rto_ms);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH, iss + 1, IRS + 5);
	assert_memory_equal(r->data, "a\n!\n", 4);
	/* acknowledged: the second echo and its "!" go, then the FIN */
	TO_SERVER(.seq = IRS + 5, .ack = iss + 5, .flags = TH_ACK, .wnd = 1000);
	r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 5, IRS + 5);
	assert_int_equal(r->len, 4);
	assert_memory_equal(r->data, "b\n!\n", 4);
	TO_SERVER(.seq = IRS + 5, .ack = iss + 10, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(SSLOT), TH_ACK, iss + 10, IRS + 6);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(F.w->prog.echo_nfree, F.w->prog.echo_buffers);
}

/* The send queue exists only for plans that can pipeline: a send after
 * a THINK (concurrent.lua) does not need it, and waits for the ACK of
 * what is in flight, as before. */
static void test_sendq_only_when_needed(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t a = plan_str(p, "first"), b = plan_str(p, "second");
	PROG_CLIENT(p, OP(SEND, a), X_OP(THINK, .mode = TENG_DIST_FIXED, .n = 1000),
		    OP(SEND, b), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	PROG_SERVER(p, OP(RECV_BYTES, 5), OP(RECV_BYTES, 6), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	assert_null(F.w->prog.sendq);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	assert_int_equal(out(CSLOT), 2);
	assert_int_equal(P[1].len, 5);
	/* the think ends before the ACK: the second send waits for it */
	run_timers_at(1);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(client_tcb()->pc, CPC_OF(2));
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 6, .flags = TH_ACK, .wnd = 1000);
	struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK | TH_PSH, iss + 6, IRS + 1);
	assert_memory_equal(d->data, "second", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_three_sends),
		FSM_TEST(test_render_across),
		FSM_TEST(test_server_pipelined_requests),
		FSM_TEST(test_server_queue_full),
		FSM_TEST(test_think_data_not_acked),
		FSM_TEST(test_after_end_acked),
		FSM_TEST(test_self_pipelined),
		FSM_TEST(test_echo_then_send),
		FSM_TEST(test_sendq_only_when_needed),
	};
	FSM_MAIN(tests);
}
