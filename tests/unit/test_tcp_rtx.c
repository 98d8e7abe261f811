/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retransmission timeout (RFC 6298, RFC 9293 3.8.1): lost SYN, SYN-ACK,
 * data and FIN are sent again at rto_ms, 2 * rto_ms, 4 * rto_ms ... from
 * the last send (go-back-N from snd_una), an ACK that advances snd_una
 * restarts the clock at rto_ms, max_retries and the idle timeout abort,
 * and the counters (retransmits, bytes_tx, timeouts) stay exact.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x60000000u;

/* Nothing on slot up to ms - 1; then the timers at ms. */
#define FIRES_AT(slot, ms)                                              \
	do {                                                            \
		SILENT(slot, (ms) - 1);                                 \
		run_timers_at(ms);                                      \
	} while (0)

/* A data segment: flags, seq, ack, and len bytes of payload pl taken
 * from offset seq - base. */
#define check_data(p, fl, sq, ak, ln, pl, base)                          \
	do {                                                             \
		const struct pkt *d_ = (p);                              \
		check_seg(d_, (fl), (sq), (ak));                         \
		assert_int_equal(d_->len, (ln));                         \
		assert_memory_equal(d_->data,                            \
				    payload_of(pl) + ((sq) - (base)), (ln)); \
	} while (0)

/* P[0..n): the client's request from iss + 1 + from, MSS 100, the
 * segment ending at iss + 1 + len with PSH. */
static void check_train(uint32_t n, uint32_t iss, uint32_t from,
			uint32_t len, uint32_t req)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = from + 100 * i;
		uint8_t fl = off + 100 >= len ? TH_ACK | TH_PSH : TH_ACK;
		check_from_client(&P[i]);
		check_data(&P[i], fl, iss + 1 + off, IRS + 1, 100, req, iss + 1);
	}
}

/* Client {SEND len pattern bytes, RECV_BYTES rx, CLOSE, END}. */
static struct teng_plan *client_plan(uint32_t len, uint32_t rx, uint32_t *req)
{
	struct teng_plan *p = plan_new();
	*req = plan_bytes(p, len, 31);
	PROG_CLIENT(p, OP(SEND, *req), OP(RECV_BYTES, rx), OP(CLOSE, 0),
	     OP(END, 0));
	return p;
}

/* Established client with a 30-byte request in flight (sent at 0). */
static uint32_t client_30(uint32_t max_retries, uint32_t idle_ms,
			  uint32_t rx, uint32_t *req)
{
	struct teng_plan *p = client_plan(30, rx, req);
	p->tcp.max_retries = max_retries;
	if (idle_ms)
		p->tcp.idle_timeout_ms = idle_ms;
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	check_data(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1, 30, *req, iss + 1);
	return iss;
}

/* A client whose program only waits (SYN_SENT tests). */
static uint32_t client_waiting(uint32_t rto_ms, uint32_t max_retries,
			       uint32_t idle_ms)
{
	struct teng_plan *p = plan_new();
	p->tcp.rto_ms = rto_ms;
	p->tcp.max_retries = max_retries;
	p->tcp.syn_retries = max_retries; /* a SYN's limit */
	p->tcp.idle_timeout_ms = idle_ms;
	PROG_CLIENT(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	return client_syn();
}

static void test_syn_lost(void **state)
{
	(void)state;
	uint32_t req;
	fx_start(client_plan(30, 10, &req));
	uint32_t iss = client_syn();
	FIRES_AT(CSLOT, 200);
	struct pkt *s = out1(CSLOT);
	check_from_client(s);
	check_seg(s, TH_SYN, iss, 0); /* the same ISS, the same options */
	assert_int_equal(s->len, 0);
	assert_true(s->o.has_mss && s->o.has_wscale);
	assert_int_equal(CTR->retransmits, 1);
	FIRES_AT(CSLOT, 600); /* backed off: 400 ms after the resend */
	check_seg(out1(CSLOT), TH_SYN, iss, 0);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->rtx_syn, 2);
	assert_int_equal(CTR->rto_timeouts, 2);
	/* the SYN-ACK at 700: the connection goes on as usual */
	set_ms(700);
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	check_data(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1, 30, req, iss + 1);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->retries, 0);
	assert_int_equal(CTR->c_connected, 1);
	assert_int_equal(F.w->st->phase_connect[0].total, 1);
	/* the request's clock starts afresh at rto_ms, not at 800 */
	FIRES_AT(CSLOT, 900);
	check_data(out1(CSLOT), TH_ACK | TH_PSH, iss + 1, IRS + 1, 30, req, iss + 1);
	assert_int_equal(CTR->retransmits, 3);
	set_ms(950);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	SILENT(CSLOT, 5000);
	assert_int_equal(CTR->retransmits, 3);
	assert_int_equal(CTR->c_bytes_tx, 30);
	assert_int_equal(CTR->c_failed + CTR->timeouts, 0);
	assert_int_equal(t->state, TCP_ESTABLISHED);
}

static void test_synack_lost(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	const uint32_t irs = 9000;
	uint32_t iss = server_syn(irs, 1460, 7, 1000);
	FIRES_AT(SSLOT, 200);
	struct pkt *r = out1(SSLOT);
	check_from_server(r);
	check_seg(r, TH_SYN | TH_ACK, iss, irs + 1);
	assert_int_equal(r->len, 0);
	assert_true(r->o.has_mss && r->o.has_wscale);
	assert_int_equal(CTR->retransmits, 1);
	FIRES_AT(SSLOT, 600);
	check_seg(out1(SSLOT), TH_SYN | TH_ACK, iss, irs + 1);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->rtx_synack, 2);
	assert_int_equal(CTR->rtx_syn, 0);
	set_ms(650);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->retries, 0);
	assert_int_equal(CTR->s_accepted, 1);
	SILENT(SSLOT, 3000);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->s_failed + CTR->timeouts, 0);
}

static void test_data_lost_go_back_n(void **state)
{
	(void)state;
	uint32_t req;
	fx_start(client_plan(300, 10, &req));
	uint32_t iss = client_syn();
	set_ms(10);
	client_synack(IRS, iss, 100, -1, 1000);
	assert_int_equal(out(CSLOT), 4);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	memmove(P, P + 1, 3 * sizeof(P[0]));
	check_train(3, iss, 0, 300, req);
	assert_int_equal(CTR->c_bytes_tx, 300);
	/* the connect timer (200) finds the request's clock (10) not due */
	SILENT(CSLOT, 200);
	FIRES_AT(CSLOT, 210);
	/* go-back-N from snd_una, but the RTO leaves cwnd 1 (RFC 5681 3.1) */
	assert_int_equal(out(CSLOT), 1);
	check_train(1, iss, 0, 300, req);
	assert_int_equal(CTR->retransmits, 1);
	assert_int_equal(CTR->rtx_data, 1);
	assert_int_equal(CTR->rto_timeouts, 1);
	assert_int_equal(CTR->c_bytes_tx, 300);
	struct tcb *t = client_tcb();
	assert_int_equal(t->retries, 1);
	assert_int_equal(t->cwnd, 1);
	assert_int_equal(t->ssthresh, 2); /* max(flight / 2, 2) */
	/* the first segment acknowledged: slow start, two go; the clock
	 * restarts at rto_ms (450, not 610 nor 650) */
	set_ms(250);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 2);
	check_train(2, iss, 100, 300, req);
	assert_int_equal(t->retries, 0);
	assert_int_equal(t->cwnd, 2);
	/* Karn: a resent segment gives no sample; SRTT is still the
	 * handshake's (10 ms: SRTT = R, RTTVAR = R / 2, RFC 6298 2.2) */
	assert_int_equal(t->srtt, 10 << 3);
	assert_int_equal(t->rttvar, 5 << 2);
	FIRES_AT(CSLOT, 450);
	assert_int_equal(out(CSLOT), 1); /* again from snd_una, cwnd 1 */
	check_train(1, iss, 100, 300, req);
	assert_int_equal(CTR->retransmits, 4);
	assert_int_equal(CTR->rto_timeouts, 2);
	/* all acknowledged: nothing more, ever */
	set_ms(460);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 301, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	SILENT(CSLOT, 850);
	SILENT(CSLOT, 3000);
	assert_int_equal(CTR->retransmits, 4);
	assert_int_equal(CTR->rtx_data, 4);
	assert_int_equal(CTR->c_bytes_tx, 300);
	assert_int_equal(CTR->pkts_tx, 9); /* SYN, ACK, 3, 1, 2, 1 */
	assert_int_equal(t->state, TCP_ESTABLISHED);
}

static void test_late_ack_after_resend(void **state)
{
	(void)state;
	uint32_t req;
	fx_start(client_plan(300, 10, &req));
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 100, -1, 1000);
	assert_int_equal(out(CSLOT), 4);
	/* a duplicate ACK narrows the window to one segment */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 100);
	assert_int_equal(out(CSLOT), 0);
	struct tcb *t = client_tcb();
	assert_int_equal(t->snd_wnd, 100);
	/* go-back-N resends what the window takes */
	FIRES_AT(CSLOT, 200);
	assert_int_equal(out(CSLOT), 1);
	check_train(1, iss, 0, 300, req);
	assert_int_equal(t->snd_nxt, iss + 101);
	assert_int_equal(t->snd_max, iss + 301);
	assert_int_equal(CTR->retransmits, 1);
	/* the ACK of the first two segments as first sent: beyond snd_nxt,
	 * not beyond snd_max: taken, not answered as unsent data; the third
	 * segment (sent before) goes again */
	set_ms(210);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 201, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 1);
	check_train(1, iss, 200, 300, req);
	assert_int_equal(t->snd_una, iss + 201);
	assert_int_equal(t->snd_nxt, iss + 301);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->c_bytes_tx, 300);
	/* beyond snd_max is still unsent data: an ACK, nothing counted */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 302, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 301, IRS + 1);
	assert_int_equal(P[0].len, 0);
	assert_int_equal(t->snd_una, iss + 201);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 301, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	SILENT(CSLOT, 410);
	SILENT(CSLOT, 2000);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->c_bytes_tx, 300);
}

static void test_fin_lost_fin_wait_1(void **state)
{
	(void)state;
	uint32_t req, iss = client_30(8, 0, 50, &req);
	struct tcb *t = client_tcb();
	/* the response at 100 acknowledges the request; the FIN goes */
	uint8_t resp[50];
	fill_pattern(resp, 50, 5);
	run_timers_at(100);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = resp, .len = 50);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	SILENT(CSLOT, 200);
	FIRES_AT(CSLOT, 300);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	assert_int_equal(P[0].len, 0);
	assert_int_equal(CTR->retransmits, 1);
	FIRES_AT(CSLOT, 700);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	assert_int_equal(CTR->retransmits, 2);
	set_ms(750);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->state, TCP_FIN_WAIT_2);
	SILENT(CSLOT, 1500);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_failed + CTR->timeouts, 0);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->rtx_fin, 2); /* by kind: the FIN alone */
	assert_int_equal(CTR->rtx_data + CTR->rtx_syn + CTR->rtx_synack, 0);
	assert_int_equal(CTR->rto_timeouts, 2);
	assert_int_equal(CTR->c_bytes_tx, 30);
}

static void test_fin_lost_last_ack(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 40, 23);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(RECV_EOF, 0),
	     OP(SEND, resp), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	const uint32_t irs = 777;
	uint32_t iss = server_syn(irs, 1460, 7, 65535);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512,
		  .data = "0123456789", .len = 10);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, irs + 11);
	/* the client's FIN at 50: the response and our FIN in one segment */
	run_timers_at(50);
	TO_SERVER(.seq = irs + 11, .ack = iss + 1, .flags = TH_ACK | TH_FIN,
		  .wnd = 512);
	check_data(out1(SSLOT), TH_ACK | TH_PSH | TH_FIN, iss + 1, irs + 12, 40,
		   resp, iss + 1);
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_LAST_ACK);
	FIRES_AT(SSLOT, 250);
	check_data(out1(SSLOT), TH_ACK | TH_PSH | TH_FIN, iss + 1, irs + 12, 40,
		   resp, iss + 1);
	assert_int_equal(CTR->retransmits, 1);
	/* the data acknowledged, not the FIN: the FIN alone, rto_ms later */
	set_ms(300);
	TO_SERVER(.seq = irs + 12, .ack = iss + 41, .flags = TH_ACK, .wnd = 512);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(t->state, TCP_LAST_ACK);
	FIRES_AT(SSLOT, 500);
	check_seg(out1(SSLOT), TH_ACK | TH_FIN, iss + 41, irs + 12);
	assert_int_equal(P[0].len, 0);
	assert_int_equal(CTR->retransmits, 2);
	set_ms(510);
	TO_SERVER(.seq = irs + 12, .ack = iss + 42, .flags = TH_ACK, .wnd = 512);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed + CTR->timeouts, 0);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->s_bytes_tx, 40);
}

static void test_abort_syn_sent(void **state)
{
	(void)state;
	uint32_t iss = client_waiting(200, 2, 10000);
	const uint32_t at[] = { 200, 600 };
	for (int i = 0; i < 2; i++) {
		FIRES_AT(CSLOT, at[i]);
		check_seg(out1(CSLOT), TH_SYN, iss, 0);
	}
	SILENT(CSLOT, 1399);
	assert_non_null(client_tcb());
	/* out of retries at 600 + 800: no RST for an unanswered SYN */
	SILENT(CSLOT, 1400);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->rst_tx, 0);
	assert_int_equal(F.w->st->c_active, 0);
	assert_int_equal(F.w->tw.armed, 0);
}

static void test_abort_established(void **state)
{
	(void)state;
	uint32_t req, iss = client_30(2, 0, 10, &req);
	const uint32_t at[] = { 200, 600 };
	for (int i = 0; i < 2; i++) {
		FIRES_AT(CSLOT, at[i]);
		check_data(out1(CSLOT), TH_ACK | TH_PSH, iss + 1, IRS + 1, 30,
			   req, iss + 1);
	}
	FIRES_AT(CSLOT, 1400); /* out of retries at 600 + 800 */
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 31, IRS + 1);
	assert_int_equal(P[0].len, 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->rst_tx, 1);
	assert_int_equal(CTR->retransmits, 2); /* not the RST */
	assert_int_equal(CTR->c_bytes_tx, 30);
	assert_int_equal(F.w->tw.armed, 0);
}

static void test_abort_syn_rcvd(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.syn_retries = 2;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	const uint32_t irs = 4242;
	uint32_t iss = server_syn(irs, 1460, -1, 1000);
	const uint32_t at[] = { 200, 600 };
	for (int i = 0; i < 2; i++) {
		FIRES_AT(SSLOT, at[i]);
		struct pkt *r = out1(SSLOT);
		check_seg(r, TH_SYN | TH_ACK, iss, irs + 1);
		assert_false(r->o.has_wscale); /* still only an answer */
	}
	FIRES_AT(SSLOT, 1400);
	check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 1, irs + 1);
	assert_null(server_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->s_failed, 1);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(F.w->st->s_active, 0);
}

static void test_backoff_cap(void **state)
{
	(void)state;
	/* 20 s, 40 s, then 60 s (not 80 s), 60 s */
	uint32_t iss = client_waiting(20000, 8, 1000000);
	const uint32_t at[] = { 20000, 60000, 120000, 180000 };
	for (int i = 0; i < 4; i++) {
		FIRES_AT(CSLOT, at[i]);
		check_seg(out1(CSLOT), TH_SYN, iss, 0);
		assert_int_equal(CTR->retransmits, (uint64_t)i + 1);
	}
}

static void test_idle_before_retries(void **state)
{
	(void)state;
	/* idle 500 ms, RTO 200 ms: one resend (200), the next would be at
	 * 600; the idle timer aborts at 500 */
	uint32_t req, iss = client_30(8, 500, 10, &req);
	FIRES_AT(CSLOT, 200);
	check_data(out1(CSLOT), TH_ACK | TH_PSH, iss + 1, IRS + 1, 30, req,
		   iss + 1);
	FIRES_AT(CSLOT, 500);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 31, IRS + 1);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->retransmits, 1);
}

static void test_no_spurious_retransmission(void **state)
{
	(void)state;
	uint32_t req, iss = client_30(8, 1000, 100, &req);
	/* acknowledged at 199, one tick before the RTO, with data: the
	 * client's ACK for it is no retransmission */
	SILENT(CSLOT, 199);
	uint8_t resp[50];
	fill_pattern(resp, 50, 9);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK, .wnd = 1000,
		  .data = resp, .len = 50);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 51);
	SILENT(CSLOT, 200);
	SILENT(CSLOT, 400);
	/* a duplicate ACK: nothing (no fast retransmit); an ACK of unsent
	 * data: a pure ACK back */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 31, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 99, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 51);
	SILENT(CSLOT, 1000);
	assert_int_equal(CTR->retransmits, 0);
	/* idle since 199: the RST is no retransmission either */
	FIRES_AT(CSLOT, 1199);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 31, IRS + 51);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->rst_tx, 1);
	assert_int_equal(CTR->retransmits, 0);
	assert_int_equal(CTR->c_bytes_tx, 30);
	assert_int_equal(CTR->pkts_tx, 6); /* SYN, ACK, data, ACK, ACK, RST */
}

static void test_backoff_many_retries(void **state)
{
	(void)state;
	/* The most the scenario compiler accepts (lua/teng/compile.lua:
	 * max_retries <= 100, idle_timeout <= 3600 s), RTO 0.2 s: every wait
	 * from the 9th on is the 60 s cap, up to the 67th resend at 3582.2 s,
	 * then the idle limit. (rto_of() shifts before it caps: 200 << 61
	 * wraps to 0 in 64 bits, and a shift by 64 or more is undefined.) */
	uint32_t iss = client_waiting(200, 100, 3600000);
	uint32_t at = 0;
	for (uint32_t k = 0; k < 67; k++) {
		at += k >= 9 ? 60000u : 200u << k;
		run_timers_at(at - 1);
		if (out(CSLOT) != 0)
			fail_msg("resend %u came before %u ms: the RTO after %u "
				 "retries was not the 60 s cap",
				 k + 1, at, k);
		run_timers_at(at);
		check_seg(out1(CSLOT), TH_SYN, iss, 0);
	}
	assert_int_equal(at, 3582200);
	assert_int_equal(CTR->retransmits, 67);
	SILENT(CSLOT, 3599999);
	SILENT(CSLOT, 3600000); /* idle: no RST in SYN_SENT */
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_syn_lost),
		FSM_TEST(test_synack_lost),
		FSM_TEST(test_data_lost_go_back_n),
		FSM_TEST(test_late_ack_after_resend),
		FSM_TEST(test_fin_lost_fin_wait_1),
		FSM_TEST(test_fin_lost_last_ack),
		FSM_TEST(test_abort_syn_sent),
		FSM_TEST(test_abort_established),
		FSM_TEST(test_abort_syn_rcvd),
		FSM_TEST(test_backoff_cap),
		FSM_TEST(test_idle_before_retries),
		FSM_TEST(test_no_spurious_retransmission),
		FSM_TEST(test_backoff_many_retries),
	};
	FSM_MAIN(tests);
}
