/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP state machine, opening: both roles' handshakes with their
 * options, and the segments that must be refused on the way (RFC 9293
 * 3.10.7, RFC 5961 challenge ACKs).
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x10000000u;

static void test_client_handshake_options(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 1000, 1);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	assert_int_equal(CTR->c_attempted, 1);
	assert_int_equal(F.w->st->c_active, 1);
	assert_int_equal(CTR->c_connected, 0);

	/* peer: MSS 100, shift 2, window 250 (a SYN's is never scaled) */
	client_synack(IRS, iss, 100, 2, 250);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->c_connected, 1);
	assert_int_equal(t->mss, 100);
	assert_int_equal(t->snd_wscale, 2);
	assert_int_equal(t->rcv_wscale, 7);
	assert_true(t->flags & TF_WSCALE);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(t->snd_una, iss + 1);
	assert_int_equal(t->snd_wnd, 250);

	/* the handshake's ACK, then data cut by MSS and by the window */
	uint8_t got[1000];
	memset(got, 0, sizeof(got));
	assert_int_equal(out(CSLOT), 4);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[0].len, 0);
	assert_int_equal(P[0].optlen, 0);
	const uint32_t lens[] = { 100, 100, 50 };
	for (int i = 1; i < 4; i++) {
		check_from_client(&P[i]);
		check_seg(&P[i], TH_ACK, iss + 1 + 100 * (uint32_t)(i - 1), IRS + 1);
		assert_int_equal(P[i].len, lens[i - 1]);
		collect(&P[i], iss + 1, got, sizeof(got));
	}
	/* our window, scaled by our shift 7: 2^20 >> 7 */
	for (int i = 0; i < 4; i++)
		assert_int_equal(P[i].wnd, 8192);

	/* window 100 << 2 = 400 from the acknowledged 100 */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 100);
	assert_int_equal(t->snd_una, iss + 101);
	assert_int_equal(t->snd_wnd, 400);
	assert_int_equal(out(CSLOT), 3);
	for (int i = 0; i < 3; i++) {
		check_seg(&P[i], TH_ACK, iss + 251 + 100 * (uint32_t)i, IRS + 1);
		assert_int_equal(P[i].len, lens[i]);
		collect(&P[i], iss + 1, got, sizeof(got));
	}
	/* the rest; the last segment of the payload carries PSH */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 501, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(t->snd_wnd, 4000);
	assert_int_equal(out(CSLOT), 5);
	for (int i = 0; i < 5; i++) {
		check_seg(&P[i], i == 4 ? TH_ACK | TH_PSH : TH_ACK,
			  iss + 501 + 100 * (uint32_t)i, IRS + 1);
		assert_int_equal(P[i].len, 100);
		collect(&P[i], iss + 1, got, sizeof(got));
	}
	assert_memory_equal(got, payload_of(req), 1000);
	assert_int_equal(CTR->c_bytes_tx, 1000);
	assert_int_equal(t->snd_nxt, iss + 1001);
	assert_int_equal(CTR->pkts_tx, 1 + 4 + 3 + 5);
	assert_int_equal(CTR->pkts_rx, 3);
}

static void test_client_no_options(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 700, 2);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* no MSS: 536 (RFC 9293 3.7.1); no window scale on either side */
	client_synack(IRS, iss, 0, -1, 600);
	struct tcb *t = client_tcb();
	assert_int_equal(t->mss, 536);
	assert_false(t->flags & TF_WSCALE);
	assert_int_equal(t->snd_wscale, 0);
	assert_int_equal(t->rcv_wscale, 0);
	assert_int_equal(out(CSLOT), 3);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	check_seg(&P[1], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 536);
	check_seg(&P[2], TH_ACK, iss + 537, IRS + 1);
	assert_int_equal(P[2].len, 64);
	/* our 2^20 window, unscaled, is capped at 65535 */
	for (int i = 0; i < 3; i++)
		assert_int_equal(P[i].wnd, 65535);
	/* the peer's later windows are not scaled: 100 means 100 */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 537, .flags = TH_ACK, .wnd = 100);
	assert_int_equal(t->snd_wnd, 100);
	struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK, iss + 601, IRS + 1);
	assert_int_equal(d->len, 36);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 637, .flags = TH_ACK, .wnd = 600);
	d = out1(CSLOT);
	check_seg(d, TH_ACK | TH_PSH, iss + 637, IRS + 1);
	assert_int_equal(d->len, 64);
	assert_memory_equal(d->data, payload_of(req) + 636, 64);
}

static void test_client_mss_clamps(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.mss = 500; /* ours, announced in the SYN */
	uint32_t req = plan_bytes(p, 1200, 3);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* the peer allows 1460, we send at most our own 500 */
	client_synack(IRS, iss, 1460, 0, 65535);
	assert_int_equal(client_tcb()->mss, 500);
	assert_int_equal(out(CSLOT), 4);
	assert_int_equal(P[1].len, 500);
	assert_int_equal(P[2].len, 500);
	assert_int_equal(P[3].len, 200);
	assert_int_equal(P[3].flags, TH_ACK | TH_PSH);
	assert_int_equal(P[3].seq, iss + 1001);
	/* shift 0 is a real option: windows are taken as they are */
	assert_true(client_tcb()->flags & TF_WSCALE);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1);
	assert_int_equal(client_tcb()->snd_wnd, 1);
}

static void test_client_tiny_mss(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 150, 4);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* MSS 10 is raised to the 64-byte floor; shift 15 clamps to 14 */
	client_synack(IRS, iss, 10, 15, 1000);
	struct tcb *t = client_tcb();
	assert_int_equal(t->mss, 64);
	assert_int_equal(t->snd_wscale, 14);
	assert_int_equal(out(CSLOT), 4);
	assert_int_equal(P[1].len, 64);
	assert_int_equal(P[2].len, 64);
	assert_int_equal(P[3].len, 22);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 151, .flags = TH_ACK, .wnd = 3);
	assert_int_equal(t->snd_wnd, 3u << 14);
}

static void test_syn_sent_rst(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* RST without ACK: dropped (RFC 9293 3.10.7.3) */
	TO_CLIENT(.seq = 5, .flags = TH_RST);
	/* RST with an unacceptable ACK: dropped, never answered */
	TO_CLIENT(.seq = 5, .ack = iss + 2, .flags = TH_RST | TH_ACK);
	TO_CLIENT(.seq = 5, .ack = iss, .flags = TH_RST | TH_ACK);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(client_tcb()->state, TCP_SYN_SENT);
	assert_int_equal(CTR->rst_rx, 0);
	/* RST with our SYN acknowledged: refused, the attempt failed */
	TO_CLIENT(.seq = 0, .ack = iss + 1, .flags = TH_RST | TH_ACK);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->rst_rx, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_connected, 0);
	assert_int_equal(CTR->c_completed, 0);
	assert_int_equal(CTR->rst_tx, 0);
	assert_int_equal(F.w->st->c_active, 0);
	assert_int_equal(F.w->ct.nfree, F.w->ct.size);
}

static void test_syn_sent_bad_ack(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* ACK of our ISS itself: <SEQ=SEG.ACK><CTL=RST> */
	TO_CLIENT(.seq = 777, .ack = iss, .flags = TH_ACK, .wnd = 100);
	struct pkt *r = out1(CSLOT);
	check_from_client(r);
	check_seg(r, TH_RST, iss, 0);
	assert_int_equal(r->wnd, 0);
	assert_int_equal(r->len, 0);
	/* a SYN-ACK acknowledging more than we sent */
	client_synack(IRS, iss + 1, 1460, 7, 1000); /* acks iss + 2 */
	r = out1(CSLOT);
	check_seg(r, TH_RST, iss + 2, 0);
	assert_int_equal(CTR->rst_tx, 2);
	/* an acceptable ACK without SYN: dropped silently */
	TO_CLIENT(.seq = 777, .ack = iss + 1, .flags = TH_ACK, .wnd = 100);
	assert_int_equal(out(CSLOT), 0);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_SYN_SENT);
	assert_int_equal(CTR->drops_no_connection, 0);
	/* the connection still opens */
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->c_connected, 1);
}

static void test_simultaneous_open(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	uint8_t o[8];
	uint32_t ol = syn_opts(o, 1200, 5);
	TO_CLIENT(.seq = IRS, .flags = TH_SYN, .wnd = 3000, .opt = o, .optlen = ol);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_SYN_RCVD);
	struct pkt *s = out1(CSLOT);
	check_seg(s, TH_SYN | TH_ACK, iss, IRS + 1);
	assert_int_equal(s->o.mss, 1460);
	assert_int_equal(s->o.wscale, 7);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 10);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->mss, 1200);
	assert_int_equal(t->snd_wnd, 10u << 5);
	assert_int_equal(CTR->c_connected, 1);
}

static void test_simultaneous_open_no_wscale(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	uint8_t o[4];
	uint32_t ol = syn_opts(o, 1200, -1);
	TO_CLIENT(.seq = IRS, .flags = TH_SYN, .wnd = 3000, .opt = o, .optlen = ol);
	struct pkt *s = out1(CSLOT);
	check_seg(s, TH_SYN | TH_ACK, iss, IRS + 1);
	assert_int_equal(client_tcb()->rcv_wscale, 0);
	/* RFC 7323 2.2: a SYN-ACK carries Window Scale only if the SYN it
	 * answers did */
	assert_false(s->o.has_wscale);
}

static void test_server_handshake(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 20, 5);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, resp), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	const uint32_t irs = 0x20000000u;
	uint32_t iss = server_syn(irs, 1000, 3, 5000);
	struct tcb *t = server_tcb();
	assert_int_equal(t->role, ROLE_SERVER);
	assert_int_equal(t->rcv_nxt, irs + 1);
	assert_int_equal(t->snd_wnd, 5000);
	assert_int_equal(t->mss, 1000);
	assert_int_equal(t->snd_wscale, 3);
	assert_int_equal(t->rcv_wscale, 7);
	assert_int_equal(F.w->st->s_active, 1);
	assert_int_equal(CTR->s_accepted, 0);
	/* the handshake's ACK: established, the window now scaled */
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 100);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->s_accepted, 1);
	assert_int_equal(t->snd_una, iss + 1);
	assert_int_equal(t->snd_wnd, 800);
	/* the request: the answer goes out with our scaled window */
	uint8_t rq[10];
	fill_pattern(rq, 10, 9);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH,
		  .wnd = 100, .data = rq, .len = 10);
	struct pkt *r = out1(SSLOT);
	check_from_server(r);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, irs + 11);
	assert_int_equal(r->wnd, 8192);
	assert_int_equal(r->len, 20);
	assert_memory_equal(r->data, payload_of(resp), 20);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	assert_int_equal(CTR->s_bytes_rx, 10);
	assert_int_equal(CTR->s_bytes_tx, 20);
}

static void test_server_no_wscale(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 5, 6);
	PROG_SERVER(p, OP(RECV_BYTES, 1), OP(SEND, resp), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(7, 1460, -1, 4000);
	/* MSS, then NOP padding instead of window scale */
	const uint8_t want[8] = { 2, 4, 0x05, 0xb4, 1, 1, 1, 1 };
	assert_memory_equal(P[0].opt, want, 8);
	struct tcb *t = server_tcb();
	assert_false(t->flags & TF_WSCALE);
	assert_int_equal(t->rcv_wscale, 0);
	TO_SERVER(.seq = 8, .ack = iss + 1, .flags = TH_ACK, .wnd = 4000,
		  .data = "x", .len = 1);
	assert_int_equal(t->snd_wnd, 4000);
	struct pkt *r = out1(SSLOT);
	assert_int_equal(r->wnd, 65535);
	assert_int_equal(r->len, 5);
}

static void test_server_syn_retransmit(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(500, 1460, 7, 1000);
	uint8_t o[8];
	uint32_t ol = syn_opts(o, 1460, 7);
	/* a copy of the SYN right behind it: our SYN-ACK is on its way
	 * and answers it (less than half an RTO since it went out) */
	TO_SERVER(.seq = 500, .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(CTR->rtx_synack, 0);
	/* our SYN-ACK was lost: the client sends its SYN again after its
	 * timeout (1 s before any RTT sample) */
	set_ms(F.w->now_ms + 1000);
	TO_SERVER(.seq = 500, .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol);
	assert_int_equal(F.w->st->s_active, 1); /* no second connection */
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_SYN_RCVD);
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_SYN | TH_ACK, iss, 501);
	assert_true(r->o.has_mss);
	/* answered as our timer would have: one retry, the clock restarted
	 * (no second SYN-ACK when our own timer comes due next) */
	assert_int_equal(CTR->rtx_synack, 1);
	assert_int_equal(t->retries, 1);
	assert_int_equal(t->rtx_ms, F.w->now_ms);
	run_timers_at(F.w->now_ms + 1);
	assert_int_equal(out(SSLOT), 0);
	/* ... but at its restarted clock (RTO doubled: 2 s) */
	run_timers_at(t->rtx_ms + 2000);
	check_seg(out1(SSLOT), TH_SYN | TH_ACK, iss, 501);
	assert_int_equal(CTR->rtx_synack, 2);
}

static void test_server_syn_rcvd_bad_ack(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(500, 1460, 7, 1000);
	TO_SERVER(.seq = 501, .ack = iss + 5, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(SSLOT), TH_RST, iss + 5, 0);
	TO_SERVER(.seq = 501, .ack = iss, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(SSLOT), TH_RST, iss, 0);
	assert_int_equal(server_tcb()->state, TCP_SYN_RCVD);
	assert_int_equal(CTR->rst_tx, 2);
	TO_SERVER(.seq = 501, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(server_tcb()->state, TCP_ESTABLISHED);
}

static void test_server_syn_rcvd_rst(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(500, 1460, 7, 1000);
	/* in the window, not exact: challenge ACK */
	TO_SERVER(.seq = 600, .flags = TH_RST);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, 501);
	TO_SERVER(.seq = 501, .flags = TH_RST);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(CTR->rst_rx, 1);
	assert_int_equal(CTR->s_failed, 1);
	assert_int_equal(F.w->st->s_active, 0);
}

static void test_rst_established(void **state)
{
	(void)state;
	const uint32_t irs = IRS;
	uint32_t iss = client_quiet(irs);
	struct tcb *t = client_tcb();
	/* in the window but not rcv_nxt: challenge ACK (RFC 5961 3.2) */
	TO_CLIENT(.seq = irs + 100, .flags = TH_RST);
	struct pkt *a = out1(CSLOT);
	check_seg(a, TH_ACK, iss + 1, irs + 1);
	assert_int_equal(a->wnd, 8192);
	/* outside the window: dropped without a word */
	TO_CLIENT(.seq = irs, .flags = TH_RST | TH_ACK, .ack = iss + 1);
	TO_CLIENT(.seq = irs + 1 + (1u << 20), .flags = TH_RST);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->rst_rx, 0);
	/* exact: the connection is reset */
	TO_CLIENT(.seq = irs + 1, .ack = iss + 1, .flags = TH_RST | TH_ACK);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->rst_rx, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_completed, 0);
	assert_int_equal(CTR->rst_tx, 0);
	assert_int_equal(F.w->st->c_active, 0);
}

static void test_syn_established(void **state)
{
	(void)state;
	const uint32_t irs = IRS;
	uint32_t iss = client_quiet(irs);
	/* a SYN in the window: challenge ACK (RFC 5961 4.2) */
	TO_CLIENT(.seq = irs + 1000, .flags = TH_SYN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, irs + 1);
	/* at rcv_nxt exactly */
	TO_CLIENT(.seq = irs + 1, .flags = TH_SYN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, irs + 1);
	/* a retransmitted SYN-ACK: old, answered with an ACK */
	client_synack(irs, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, irs + 1);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->rcv_nxt, irs + 1);
	assert_int_equal(CTR->rst_tx, 0);
	assert_int_equal(CTR->c_failed, 0);
}

/* tcp.ack_with_data: the handshake's ACK rides on the client's first
 * data when its program sends at once; one segment, not two. Lost, the
 * data (with its ACK) is what the timer sends again. */
static void test_client_ack_with_data(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.ack_with_data = 1;
	uint32_t req = plan_bytes(p, 64, 3);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	struct pkt *d = out1(CSLOT);
	check_from_client(d);
	check_seg(d, TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(d->len, 64);
	assert_memory_equal(d->data, payload_of(req), 64);
	assert_int_equal(CTR->pkts_tx, 2); /* the SYN and this one */
	assert_false(t->flags & TF_ACK_NOW);
	/* lost: the retransmission timer sends the data again, ACK set */
	run_timers_at(F.w->now_ms + 1000);
	d = out1(CSLOT);
	check_seg(d, TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(d->len, 64);
	assert_memory_equal(d->data, payload_of(req), 64);
	assert_int_equal(CTR->rtx_data, 1);
	/* the server's SYN-ACK again (it never saw our ACK): an ACK */
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 65, IRS + 1);
	assert_int_equal(CTR->c_failed, 0);
}

/* ... and goes alone when the program has nothing to send yet, when
 * tcp.ack_with_data is off, or when the first flight is more than one
 * segment. */
static void test_client_ack_alone(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.ack_with_data = 1;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	struct pkt *a = out1(CSLOT);
	check_seg(a, TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(a->len, 0);
	fx_teardown(NULL);

	p = plan_new();
	p->tcp.ack_with_data = 0;
	uint32_t req = plan_bytes(p, 64, 3);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[0].len, 0);
	check_seg(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 64);
	assert_memory_equal(P[1].data, payload_of(req), 64);
	fx_teardown(NULL);

	/* a first flight of more than one segment: the ACK alone first (a
	 * SYN cookie server takes the handshake only from ISS + 1) */
	p = plan_new();
	p->tcp.ack_with_data = 1;
	req = plan_bytes(p, 250, 4);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_EOF, 0), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	iss = client_syn();
	client_synack(IRS, iss, 100, 7, 1000);
	assert_int_equal(out(CSLOT), 4);
	check_seg(&P[0], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[0].len, 0);
	for (uint32_t i = 1; i < 4; i++) {
		check_seg(&P[i], i == 3 ? TH_ACK | TH_PSH : TH_ACK, iss + 1 + 100 * (i - 1), IRS + 1);
		assert_int_equal(P[i].len, i == 3 ? 50 : 100);
	}
}

/* A server in SYN_RCVD takes data on the ACK that completes the
 * handshake, from a TCB and from a SYN cookie alike. */
static void test_server_data_on_handshake_ack(void **state)
{
	(void)state;
	for (int cookie = 0; cookie < 2; cookie++) {
		struct teng_plan *p = plan_new();
		uint32_t resp = plan_bytes(p, 20, 5);
		PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, resp), OP(CLOSE, 0),
			    OP(END, 0));
		fx_start(p);
		const uint32_t irs = 0x20000000u;
		uint32_t iss;
		if (cookie) {
			F.w->syn_rcvd_max = 0; /* as if flooded: cookies only */
			uint8_t o[8];
			uint32_t ol = syn_opts(o, 1000, 3);
			TO_SERVER(.seq = irs, .flags = TH_SYN, .wnd = 5000, .opt = o,
				  .optlen = ol);
			struct pkt *c = out1(SSLOT);
			check_seg(c, TH_SYN | TH_ACK, c->seq, irs + 1);
			assert_null(server_tcb());
			assert_int_equal(CTR->syn_cookies, 1);
			iss = c->seq;
		} else {
			iss = server_syn(irs, 1000, 3, 5000);
		}
		uint8_t rq[10];
		fill_pattern(rq, 10, 9);
		TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH,
			  .wnd = 100, .data = rq, .len = 10);
		struct tcb *t = server_tcb();
		assert_non_null(t);
		assert_int_equal(CTR->s_accepted, 1);
		assert_int_equal(CTR->s_bytes_rx, 10);
		struct pkt *r = out1(SSLOT);
		check_from_server(r);
		check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, irs + 11);
		assert_int_equal(r->len, 20);
		assert_memory_equal(r->data, payload_of(resp), 20);
		assert_int_equal(t->state, TCP_FIN_WAIT_1);
		fx_teardown(NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_client_handshake_options),
		FSM_TEST(test_client_no_options),
		FSM_TEST(test_client_mss_clamps),
		FSM_TEST(test_client_tiny_mss),
		FSM_TEST(test_syn_sent_rst),
		FSM_TEST(test_syn_sent_bad_ack),
		FSM_TEST(test_simultaneous_open),
		FSM_TEST(test_simultaneous_open_no_wscale),
		FSM_TEST(test_server_handshake),
		FSM_TEST(test_server_no_wscale),
		FSM_TEST(test_server_syn_retransmit),
		FSM_TEST(test_server_syn_rcvd_bad_ack),
		FSM_TEST(test_server_syn_rcvd_rst),
		FSM_TEST(test_rst_established),
		FSM_TEST(test_syn_established),
		FSM_TEST(test_client_ack_with_data),
		FSM_TEST(test_client_ack_alone),
		FSM_TEST(test_server_data_on_handshake_ack),
	};
	FSM_MAIN(tests);
}
