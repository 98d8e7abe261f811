/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Programs on top of TCP: RECV_HTTP framing, RECV_UNTIL delimiters split
 * across segments, sends that wait for their ACK, bytes nobody asked
 * for; and a worker talking to itself over the loopback.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x60000000u;
static const char REQ[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
#define REQ_LEN ((uint32_t)sizeof(REQ) - 1)
/* first op of the client's and the server's program (pc is absolute) */
#define CPC (F.w->templates[0].prog)
#define SPC (F.w->listeners[0].prog)

/* Client {SEND REQ, <ops>...}, established, REQ sent; returns iss. */
#define HTTP_CLIENT(...)                                                \
	({                                                              \
		struct teng_plan *p_ = plan_new();                      \
		uint32_t r_ = plan_str(p_, REQ);                        \
		(void)r_;                                               \
		PROG_CLIENT(p_, __VA_ARGS__);                    \
		fx_start(p_);                                           \
		uint32_t iss_ = client_syn();                           \
		client_synack(IRS, iss_, 1460, 7, 65535);               \
		assert_int_equal(out(CSLOT), 2);                        \
		assert_int_equal(P[1].len, REQ_LEN);                    \
		iss_;                                                   \
	})

/* Response bytes from the test's server, at offset off of its stream. */
static void respond(uint32_t iss, uint32_t off, const char *s, uint8_t fl)
{
	TO_CLIENT(.seq = IRS + 1 + off, .ack = iss + 1 + REQ_LEN,
		  .flags = TH_ACK | fl, .wnd = 1000, .data = s,
		  .len = (uint32_t)strlen(s));
}

static void test_recv_http_split(void **state)
{
	(void)state;
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), OP(RECV_HTTP, 0), OP(CLOSE, 0),
				   OP(END, 0));
	const char *parts[] = { "HTTP/1.1 2", "00 OK\r\nContent-Type: text/plain\r\nConte",
				"nt-LEN", "GTH: 1", "2\r\n\r", "\nhello ", "world!" };
	uint32_t off = 0;
	struct tcb *t = client_tcb();
	for (int i = 0; i < 7; i++) {
		respond(iss, off, parts[i], 0);
		off += (uint32_t)strlen(parts[i]);
		if (i < 6) {
			/* not complete yet: only ACKs */
			check_seg(out1(CSLOT), TH_ACK, iss + 1 + REQ_LEN, IRS + 1 + off);
			assert_int_equal(t->pc, CPC + 1);
			assert_int_equal(CTR->http_2xx, 0);
		}
	}
	/* the last byte of the 12-byte body: done, CLOSE sends the FIN */
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1 + REQ_LEN, IRS + 1 + off);
	assert_int_equal(t->http_status, 200);
	assert_int_equal(CTR->http_2xx, 1);
	assert_int_equal(CTR->http_other, 0);
	assert_int_equal(CTR->rx_unexpected, 0);
	TO_CLIENT(.seq = IRS + 1 + off, .ack = iss + 2 + REQ_LEN,
		  .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 2 + REQ_LEN, IRS + 2 + off);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
}

static void test_recv_http_404_empty(void **state)
{
	(void)state;
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), OP(RECV_HTTP, 0), OP(CLOSE, 0),
				   OP(END, 0));
	const char *r = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	respond(iss, 0, r, TH_PSH);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1 + REQ_LEN,
		  IRS + 1 + (uint32_t)strlen(r));
	assert_int_equal(client_tcb()->http_status, 404);
	assert_int_equal(CTR->http_2xx, 0);
	assert_int_equal(CTR->http_other, 1);
}

static void test_recv_http_to_eof(void **state)
{
	(void)state;
	/* no Content-Length: the body runs to the FIN */
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), OP(RECV_HTTP, 0), OP(CLOSE, 0),
				   OP(END, 0));
	const char *a = "HTTP/1.0 200 OK\r\nServer: t\r\n\r\nbody ";
	const char *b = "more body";
	respond(iss, 0, a, 0);
	uint32_t off = (uint32_t)strlen(a);
	check_seg(out1(CSLOT), TH_ACK, iss + 1 + REQ_LEN, IRS + 1 + off);
	respond(iss, off, b, TH_FIN);
	off += (uint32_t)strlen(b);
	/* their FIN ends the response; our FIN acknowledges it */
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1 + REQ_LEN, IRS + 2 + off);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_LAST_ACK);
	assert_int_equal(CTR->http_2xx, 1);
	assert_int_equal(CTR->c_bytes_rx, off);
	TO_CLIENT(.seq = IRS + 2 + off, .ack = iss + 2 + REQ_LEN, .flags = TH_ACK,
		  .wnd = 1000);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
}

static void test_recv_http_twice(void **state)
{
	(void)state;
	/* two requests on one connection, both answered 200 */
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), OP(RECV_HTTP, 0), OP(SEND, 0),
				   OP(RECV_HTTP, 0), OP(CLOSE, 0), OP(END, 0));
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	uint32_t rl = (uint32_t)strlen(r);
	respond(iss, 0, r, TH_PSH);
	/* the second request goes out, carrying the ACK */
	struct pkt *q = out1(CSLOT);
	check_seg(q, TH_ACK | TH_PSH, iss + 1 + REQ_LEN, IRS + 1 + rl);
	assert_int_equal(q->len, REQ_LEN);
	assert_memory_equal(q->data, REQ, REQ_LEN);
	assert_int_equal(CTR->http_2xx, 1);
	TO_CLIENT(.seq = IRS + 1 + rl, .ack = iss + 1 + 2 * REQ_LEN,
		  .flags = TH_ACK | TH_PSH, .wnd = 1000, .data = r, .len = rl);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1 + 2 * REQ_LEN,
		  IRS + 1 + 2 * rl);
	/* each response is its own: status 200 both times */
	assert_int_equal(CTR->http_other, 0);
	assert_int_equal(CTR->http_2xx, 2);
}

/* Server {RECV_UNTIL delim, <ops>}; handshake done; returns iss. */
static uint32_t until_server(const char *delim, uint32_t *resp, int twice)
{
	struct teng_plan *p = plan_new();
	uint32_t d = plan_str(p, delim);
	*resp = plan_bytes(p, 25, 31);
	if (twice)
		PROG_SERVER(p, OP(RECV_UNTIL, d), OP(RECV_UNTIL, d),
		     OP(SEND, *resp), OP(CLOSE, 0), OP(END, 0));
	else
		PROG_SERVER(p, OP(RECV_UNTIL, d), OP(SEND, *resp),
		     OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	return iss;
}

static void request(uint32_t iss, uint32_t off, const char *s)
{
	TO_SERVER(.seq = IRS + 1 + off, .ack = iss + 1, .flags = TH_ACK,
		  .wnd = 1000, .data = s, .len = (uint32_t)strlen(s));
}

static void test_recv_until_split(void **state)
{
	(void)state;
	uint32_t resp, iss = until_server("\r\n\r\n", &resp, 0);
	struct tcb *t = server_tcb();
	/* a false start "\r\n\r" + "X", then the delimiter split 3 + 1 */
	const char *parts[] = { "GET / HTTP/1.1\r\nHost: a\r\n", "\rX\r\n\r", "\n" };
	uint32_t off = 0;
	for (int i = 0; i < 2; i++) {
		request(iss, off, parts[i]);
		off += (uint32_t)strlen(parts[i]);
		check_seg(out1(SSLOT), TH_ACK, iss + 1, IRS + 1 + off);
		assert_int_equal(t->pc, SPC);
	}
	assert_int_equal(t->match, 3);
	request(iss, off, parts[2]);
	off += 1;
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, IRS + 1 + off);
	assert_int_equal(r->len, 25);
	assert_memory_equal(r->data, payload_of(resp), 25);
	assert_int_equal(CTR->s_bytes_rx, off);
	assert_int_equal(CTR->rx_unexpected, 0);
}

static void test_recv_until_overlap(void **state)
{
	(void)state;
	/* delimiter "aab": "aa" + "ab" must match across the split (the
	 * third 'a' falls back to a 2-byte prefix, not to nothing) */
	uint32_t resp, iss = until_server("aab", &resp, 1);
	struct tcb *t = server_tcb();
	request(iss, 0, "aa");
	check_seg(out1(SSLOT), TH_ACK, iss + 1, IRS + 3);
	request(iss, 2, "ab");
	check_seg(out1(SSLOT), TH_ACK, iss + 1, IRS + 5);
	assert_int_equal(t->pc, SPC + 1); /* the first RECV_UNTIL is done */
	assert_int_equal(t->match, 0);
	/* the second, in one segment with a near miss before it */
	request(iss, 4, "abaaaab");
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, IRS + 12);
	assert_int_equal(r->len, 25);
}

static void test_sends_pipelined(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t a = plan_bytes(p, 50, 41), b = plan_bytes(p, 30, 42);
	PROG_CLIENT(p, OP(SEND, a), OP(SEND, b), OP(RECV_BYTES, 10),
	     OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	/* the second send does not wait for the first one's ACK: both go
	 * in one segment (tests/unit/test_prog_pipe.c has more) */
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 80);
	assert_memory_equal(P[1].data, payload_of(a), 50);
	assert_memory_equal(P[1].data + 50, payload_of(b), 30);
	assert_int_equal(client_tcb()->pc, CPC + 2);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 81, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->c_bytes_tx, 80);
}

static void test_rx_unexpected(void **state)
{
	(void)state;
	uint32_t iss = client_quiet(IRS); /* RECV_BYTES 10, CLOSE, END */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000,
		  .data = "0123456789abcde", .len = 15);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 1, IRS + 16);
	assert_int_equal(CTR->c_bytes_rx, 15);
	assert_int_equal(CTR->rx_unexpected, 5);
}

static void test_self_exchange(void **state)
{
	(void)state;
	/* the worker's client talks to its own server, as in a run */
	struct teng_plan *p = plan_new();
	uint32_t req = plan_str(p, REQ);
	uint32_t resp = plan_bytes(p, 4000, 51);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 4000), OP(CLOSE, 0),
	     OP(END, 0));
	PROG_SERVER(p, OP(RECV_UNTIL, req), OP(SEND, resp), OP(CLOSE, 0),
	     OP(END, 0));
	/* The fixture's pool has 4 client tuples and its clock stands
	 * still: the fifth connection below reuses the first tuple while
	 * the server still holds it in TIME_WAIT, with the same ISS, and
	 * would wait for a SYN retransmission (test_tw covers that path). */
	p->tcp.time_wait_ms = 0;
	fx_start(p);
	/* one small exchange: SYN, SYN-ACK, ACK, request, response+FIN...
	 * with 4000 bytes at MSS 1460: three response segments */
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	uint32_t n = loopback_pump();
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->s_completed, 1);
	/* SYN, SYN-ACK, ACK, req, 3 x resp (FIN on the last), the client's
	 * ACKs of the first two, FIN|ACK, ACK */
	assert_int_equal(n, 11);
	assert_int_equal(CTR->pkts_tx, 11);
	assert_int_equal(CTR->pkts_rx, 11);
	/* four at once, on four tuples */
	for (int i = 0; i < 4; i++)
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	assert_int_equal(F.w->st->c_active, 4);
	worker_tx_flush(F.w);
	loopback_pump();
	assert_int_equal(CTR->c_completed, 5);
	assert_int_equal(CTR->s_completed, 5);
	assert_int_equal(CTR->c_failed + CTR->s_failed, 0);
	assert_int_equal(CTR->c_bytes_rx, 5 * 4000);
	assert_int_equal(CTR->s_bytes_rx, 5 * REQ_LEN);
	assert_int_equal(CTR->drops_no_connection + CTR->drops_out_of_order +
				 CTR->drops_bad_checksum + CTR->rx_unexpected,
			 0);
	assert_int_equal(F.w->st->c_active + F.w->st->s_active, 0);
	assert_int_equal(F.w->ct.nfree, F.w->ct.size);
}

/* ---- language v2 ops on top of TCP ---- */

#define R_OP(md, ...)                                                   \
	{ .code = TENG_OP_RECV, .mode = TENG_RECV_##md,                  \
	  .jump = TENG_NO_JUMP, __VA_ARGS__ }
#define X_OP(c, ...) { .code = TENG_OP_##c, __VA_ARGS__ }

/* A payload with one field at off. */
static uint32_t plan_field(struct teng_plan *p, const char *s, uint32_t off,
			   uint8_t kind, uint16_t width)
{
	uint32_t id = plan_str(p, s);
	p->payloads[id].field0 = (uint16_t)p->nfields;
	p->payloads[id].nfields = 1;
	struct teng_field *f = &p->fields[p->nfields++];
	f->off = off;
	f->kind = kind;
	f->width = width;
	return id;
}

static void test_echo_fields_self(void **state)
{
	(void)state;
	/* the client sends its connection number, an echo server sends it
	 * back, the client checks it against the same template */
	struct teng_plan *p = plan_new();
	uint32_t set = plan_field(p, "SET k:______\r\n", 6, TENG_FIELD_CONN, 6);
	uint32_t want = plan_field(p, "SET k:______", 6, TENG_FIELD_CONN, 6);
	PROG_CLIENT(p, OP(SEND, set),
		    R_OP(LINE, .expect = TENG_EXPECT_EXACT, .a = (uint16_t)want, .b = 1),
		    OP(CLOSE, 0), OP(END, 0));
	PROG_SERVER(p, R_OP(LINE, .flags = TENG_OPF_ECHO), X_OP(SEND_ECHO),
		    OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	p->echo_buffers = 3;
	p->echo_bytes = 64;
	fx_start(p);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	loopback_pump();
	assert_int_equal(CTR->c_completed, 3);
	assert_int_equal(CTR->s_completed, 3);
	assert_int_equal(CTR->c_failed + CTR->s_failed, 0);
	assert_int_equal(CTR->requests, 3);
	assert_int_equal(CTR->s_requests, 6); /* the line, the FIN */
	assert_int_equal(CTR->rx_unexpected, 0);
	assert_int_equal(F.w->prog.echo_nfree, 3);
	/* a client template that expects something else fails by reason */
	uint32_t base = F.w->ct.nfree;
	struct teng_op *op = &F.w->prog.ops[F.w->templates[0].prog + 1];
	op->a = (uint16_t)set; /* with its "\r\n": never equal to the line */
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	loopback_pump();
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_MISMATCH], 1);
	assert_int_equal(F.w->st->group[0].c_fail[TENG_REASON_MISMATCH], 1);
	assert_int_equal(F.w->ct.nfree, base);
}

/* Echoed bytes are sent again, the same, when they are not acknowledged. */
static void test_echo_retransmit(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, R_OP(LINE, .flags = TENG_OPF_ECHO), X_OP(SEND_ECHO),
		    OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	request(iss, 0, "hel");
	check_seg(out1(SSLOT), TH_ACK, iss + 1, IRS + 4);
	request(iss, 3, "lo\r\n");
	struct pkt *e = out1(SSLOT);
	check_seg(e, TH_ACK | TH_PSH, iss + 1, IRS + 8);
	assert_int_equal(e->len, 7);
	assert_memory_equal(e->data, "hello\r\n", 7);
	run_timers_at(F.w->rto_ms);
	e = out1(SSLOT);
	check_seg(e, TH_ACK | TH_PSH, iss + 1, IRS + 8);
	assert_int_equal(e->len, 7);
	assert_memory_equal(e->data, "hello\r\n", 7);
	assert_int_equal(CTR->retransmits, 1);
	/* acknowledged: the buffer goes back to the pool */
	TO_SERVER(.seq = IRS + 8, .ack = iss + 8, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	assert_false(server_tcb()->flags2 & TF2_ECHO);
	assert_int_equal(F.w->prog.echo_nfree, F.w->prog.echo_buffers);
	TO_SERVER(.seq = IRS + 8, .ack = iss + 8, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(SSLOT), TH_ACK | TH_FIN, iss + 8, IRS + 9);
	TO_SERVER(.seq = IRS + 9, .ack = iss + 9, .flags = TH_ACK, .wnd = 1000);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_requests, 2);
}

static void test_recv_timeout(void **state)
{
	(void)state;
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), R_OP(LINE, .timeout_ms = 30),
				   OP(CLOSE, 0), OP(END, 0));
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1 + REQ_LEN, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(29);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(30);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 1 + REQ_LEN, IRS + 1);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_RECV_TIMEOUT], 1);
}

static void test_think(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t a = plan_str(p, "first"), b = plan_str(p, "second");
	PROG_CLIENT(p, OP(SEND, a), X_OP(THINK, .mode = TENG_DIST_FIXED, .n = 20000),
		    OP(SEND, b), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 65535);
	assert_int_equal(out(CSLOT), 2);
	assert_int_equal(P[1].len, 5);
	/* thinking from the moment the first send is queued: 0 .. 20 ms */
	run_timers_at(5);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 6, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(19);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(20);
	struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK | TH_PSH, iss + 6, IRS + 1);
	assert_int_equal(d->len, 6);
	assert_memory_equal(d->data, "second", 6);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 12, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 12, IRS + 2);
	TO_CLIENT(.seq = IRS + 2, .ack = iss + 13, .flags = TH_ACK, .wnd = 1000);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
}

/* Keep-alive: loop(3, { send, recv http 2xx }); then one answered 404. */
static void test_keepalive_loop(void **state)
{
	(void)state;
	uint32_t iss = HTTP_CLIENT(
		X_OP(LOOP_INIT, .mode = TENG_LOOP_COUNT, .n = 3, .jump = 5),
		OP(SEND, 0),
		R_OP(HTTP, .expect = TENG_EXPECT_STATUS, .n = 200, .m = 299),
		X_OP(LOOP_NEXT, .jump = 2), X_OP(END));
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	uint32_t rl = (uint32_t)strlen(r);
	for (uint32_t i = 0; i < 3; i++) {
		TO_CLIENT(.seq = IRS + 1 + i * rl, .ack = iss + 1 + (i + 1) * REQ_LEN,
			  .flags = TH_ACK | TH_PSH, .wnd = 1000, .data = r, .len = rl);
		struct pkt *q = out1(CSLOT);
		if (i < 2) {
			check_seg(q, TH_ACK | TH_PSH, iss + 1 + (i + 1) * REQ_LEN,
				  IRS + 1 + (i + 1) * rl);
			assert_memory_equal(q->data, REQ, REQ_LEN);
		} else { /* the end: FIN */
			check_seg(q, TH_ACK | TH_FIN, iss + 1 + 3 * REQ_LEN, IRS + 1 + 3 * rl);
		}
	}
	assert_int_equal(CTR->requests, 3);
	assert_int_equal(CTR->http_2xx, 3);
	assert_int_equal(client_tcb()->req, 3);
	/* an unexpected status fails the connection with its reason */
	struct tcb *t = client_tcb();
	t->flags &= (uint8_t)~TF_PROG_DONE;
	t->pc = (uint16_t)(F.w->templates[0].prog + 2);
	const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	TO_CLIENT(.seq = IRS + 1 + 3 * rl, .ack = iss + 1 + 3 * REQ_LEN,
		  .flags = TH_ACK, .wnd = 1000, .data = nf, .len = (uint32_t)strlen(nf));
	assert_int_equal(out(CSLOT), 1);
	assert_true(P[0].flags & TH_RST);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_fail[TENG_REASON_HTTP_STATUS], 1);
	assert_int_equal(CTR->http_other, 1);
}

static void test_close_reset(void **state)
{
	(void)state;
	uint32_t iss = HTTP_CLIENT(OP(SEND, 0), OP(RECV_HTTP, 0),
				   X_OP(CLOSE, .mode = TENG_CLOSE_RESET), OP(END, 0));
	respond(iss, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
	assert_int_equal(out(CSLOT), 1);
	assert_true(P[0].flags & TH_RST);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_failed, 0);
}

/* An echo server in a keep-alive loop: two lines in one segment go back
 * in one; the client's FIN between lines ends the loop, not in failure. */
static void test_echo_loop_close(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint16_t b0 = (uint16_t)p->nops;
	PROG_SERVER(p, X_OP(LOOP_INIT, .mode = TENG_LOOP_PHASE, .jump = (uint16_t)(b0 + 4)),
		    R_OP(LINE, .flags = TENG_OPF_ECHO), X_OP(SEND_ECHO),
		    X_OP(LOOP_NEXT, .jump = (uint16_t)(b0 + 1)), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	request(iss, 0, "one\ntwo\r\nth");
	struct pkt *e = out1(SSLOT);
	check_seg(e, TH_ACK | TH_PSH, iss + 1, IRS + 12);
	assert_int_equal(e->len, 9);
	assert_memory_equal(e->data, "one\ntwo\r\n", 9);
	request(iss, 11, "ree\n");
	e = out1(SSLOT);
	check_seg(e, TH_ACK | TH_PSH, iss + 10, IRS + 16);
	assert_memory_equal(e->data, "three\n", 6);
	TO_SERVER(.seq = IRS + 16, .ack = iss + 16, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(SSLOT), TH_ACK | TH_FIN, iss + 16, IRS + 17);
	TO_SERVER(.seq = IRS + 17, .ack = iss + 17, .flags = TH_ACK, .wnd = 1000);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed, 0);
	assert_int_equal(CTR->s_requests, 3);
	assert_int_equal(CTR->s_bytes_tx, 15);
	assert_int_equal(F.w->prog.echo_nfree, F.w->prog.echo_buffers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_recv_http_split),
		FSM_TEST(test_recv_http_404_empty),
		FSM_TEST(test_recv_http_to_eof),
		FSM_TEST(test_recv_http_twice),
		FSM_TEST(test_recv_until_split),
		FSM_TEST(test_recv_until_overlap),
		FSM_TEST(test_sends_pipelined),
		FSM_TEST(test_rx_unexpected),
		FSM_TEST(test_self_exchange),
		FSM_TEST(test_echo_fields_self),
		FSM_TEST(test_echo_retransmit),
		FSM_TEST(test_recv_timeout),
		FSM_TEST(test_think),
		FSM_TEST(test_keepalive_loop),
		FSM_TEST(test_close_reset),
		FSM_TEST(test_echo_loop_close),
	};
	FSM_MAIN(tests);
}
