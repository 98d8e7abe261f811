/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retransmission and congestion control as scripted segment sequences
 * (in the spirit of packetdrill): RFC 6298's RTO from RTT samples,
 * Karn's rule, backoff and its clamp, SYN and SYN-ACK retry limits,
 * slow start and congestion avoidance (RFC 5681), fast retransmit and
 * NewReno's partial ACK (RFC 6582), the server's handshake failures
 * under their own reason, delayed ACKs, and timestamps (RFC 7323).
 */
#include "fsm_util.h"
#include "tcp_rtx.h"

static const uint32_t IRS = 0x70000000u;

#define FIRES_AT(slot, ms)                                              \
	do {                                                            \
		SILENT(slot, (ms) - 1);                                 \
		run_timers_at(ms);                                      \
	} while (0)

static const uint8_t RESP[10] = "0123456789";

static void test_rtt_karn_backoff(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.rto_min_ms = 1; /* the estimator's own figures, unclamped */
	uint32_t a = plan_bytes(p, 30, 3), b = plan_bytes(p, 30, 4);
	PROG_CLIENT(p, OP(SEND, a), OP(RECV_BYTES, 10), OP(SEND, b), OP(RECV_BYTES, 10),
		    OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	struct tcb *t = client_tcb();
	assert_int_equal(t->srtt, 0);
	assert_int_equal(tcp_rto(F.w, t), p->tcp.rto_ms); /* before any sample */
	/* the SYN was timed: R = 10, SRTT = R, RTTVAR = R / 2 (2.2) */
	set_ms(10);
	client_synack(IRS, iss, 1460, -1, 1000);
	assert_int_equal(out(CSLOT), 2); /* ACK, a */
	assert_int_equal(t->srtt, 10 << 3);
	assert_int_equal(t->rttvar, 5 << 2);
	assert_int_equal(tcp_rto(F.w, t), 10 + 20); /* SRTT + 4 RTTVAR */
	/* a's ACK with the reply at 50: R = 40 (2.3): RTTVAR = 3/4 * 5 +
	 * 1/4 * 30 = 11.25, SRTT = 7/8 * 10 + 1/8 * 40 = 13.75 */
	set_ms(50);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	struct pkt *d = out1(CSLOT); /* b, carrying the ACK */
	check_seg(d, TH_ACK | TH_PSH, iss + 31, IRS + 11);
	assert_int_equal(d->len, 30);
	assert_int_equal(t->srtt, 110);  /* 13.75 << 3 */
	assert_int_equal(t->rttvar, 45); /* 11.25 << 2 */
	assert_int_equal(tcp_rto(F.w, t), 13 + 45);
	/* b is lost: resent at 50 + 58, then backed off to 116 */
	FIRES_AT(CSLOT, 108);
	check_seg(out1(CSLOT), TH_ACK | TH_PSH, iss + 31, IRS + 11);
	assert_int_equal(t->retries, 1);
	assert_int_equal(tcp_rto(F.w, t), 116);
	FIRES_AT(CSLOT, 224);
	check_seg(out1(CSLOT), TH_ACK | TH_PSH, iss + 31, IRS + 11);
	assert_int_equal(tcp_rto(F.w, t), 232);
	assert_int_equal(CTR->rto_timeouts, 2);
	assert_int_equal(CTR->rtx_data, 2);
	assert_int_equal(CTR->retransmits, 2);
	/* its ACK: no sample (Karn), the backoff ends (5.7) */
	set_ms(230);
	TO_CLIENT(.seq = IRS + 11, .ack = iss + 61, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 61, IRS + 21);
	assert_int_equal(t->srtt, 110);
	assert_int_equal(t->rttvar, 45);
	assert_int_equal(t->retries, 0);
	assert_int_equal(tcp_rto(F.w, t), 58);
	assert_int_equal(CTR->c_bytes_tx, 60);
	assert_int_equal(CTR->rtx_syn + CTR->rtx_fin + CTR->fast_retransmits, 0);
	/* the FIN is timed too: its ACK at 240 (R = 10) */
	set_ms(240);
	TO_CLIENT(.seq = IRS + 21, .ack = iss + 62, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 62, IRS + 22);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
}

static void test_syn_retries_clamp(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.rto_ms = 40;
	p->tcp.rto_min_ms = 10;
	p->tcp.rto_max_ms = 100;
	p->tcp.syn_retries = 4;
	p->tcp.max_retries = 8; /* not the SYN's limit */
	p->tcp.idle_timeout_ms = 100000;
	PROG_CLIENT(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	/* 40, then 80, then the 100 ms ceiling */
	const uint32_t at[] = { 40, 120, 220, 320 };
	for (uint32_t i = 0; i < 4; i++) {
		FIRES_AT(CSLOT, at[i]);
		check_seg(out1(CSLOT), TH_SYN, iss, 0);
		assert_int_equal(CTR->rtx_syn, i + 1);
	}
	SILENT(CSLOT, 419);
	assert_non_null(client_tcb());
	SILENT(CSLOT, 420); /* retries exhausted; no RST for an unanswered SYN */
	assert_null(client_tcb());
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_RETRIES], 1);
	assert_int_equal(CTR->rtx_syn, 4);
	assert_int_equal(CTR->rtx_synack, 0);
	assert_int_equal(CTR->retransmits, 4);
	assert_int_equal(CTR->rto_timeouts, 4);
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->rst_tx, 0);
	assert_int_equal(F.w->tw.armed, 0);
}

static void test_server_handshake_failures(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.syn_retries = 1;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	/* the SYN-ACK goes unanswered: resent once, then given up */
	uint32_t iss = server_syn(5000, 1460, -1, 1000);
	FIRES_AT(SSLOT, 200);
	check_seg(out1(SSLOT), TH_SYN | TH_ACK, iss, 5001);
	assert_int_equal(CTR->rtx_synack, 1);
	FIRES_AT(SSLOT, 600);
	check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 1, 5001);
	assert_null(server_tcb());
	/* a SYN the peer resets */
	iss = server_syn(9000, 1460, -1, 1000);
	TO_SERVER(.seq = 9001, .flags = TH_RST);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	/* both under the handshake's reason, not retries or reset */
	assert_int_equal(CTR->s_failed, 2);
	assert_int_equal(CTR->s_fail[TENG_REASON_HANDSHAKE], 2);
	assert_int_equal(CTR->s_fail[TENG_REASON_RETRIES], 0);
	assert_int_equal(CTR->s_fail[TENG_REASON_RESET], 0);
	assert_int_equal(CTR->s_accepted, 0);
	assert_int_equal(CTR->rtx_synack, 1);
	assert_int_equal(CTR->retransmits, 1);
	assert_int_equal(F.w->st->s_active, 0);
}

/* A client sending len pattern bytes at MSS 100 with init_cwnd segments;
 * established at 0; returns its ISS (P holds what went out). */
static uint32_t client_bulk(uint32_t len, uint32_t init_cwnd, uint32_t *req, uint32_t *n)
{
	struct teng_plan *p = plan_new();
	p->tcp.init_cwnd = init_cwnd;
	*req = plan_bytes(p, len, 9);
	PROG_CLIENT(p, OP(SEND, *req), OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 100, -1, 60000);
	*n = out(CSLOT);
	return iss;
}

/* Segments k.. of P: n consecutive 100-byte data segments from seq. */
static void check_run(uint32_t k, uint32_t n, uint32_t seq)
{
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(P[k + i].seq, seq + 100 * i);
		assert_int_equal(P[k + i].len, 100);
	}
}

#define ACK_CLIENT(a, w) TO_CLIENT(.seq = IRS + 1, .ack = (a), .flags = TH_ACK, .wnd = (w))

static void test_slow_start_and_avoidance(void **state)
{
	(void)state;
	uint32_t req, n;
	uint32_t iss = client_bulk(3000, 2, &req, &n);
	struct tcb *t = client_tcb();
	assert_int_equal(n, 3); /* the ACK, then the initial window: 2 */
	check_run(1, 2, iss + 1);
	assert_int_equal(t->cwnd, 2);
	assert_int_equal(t->ssthresh, 0xffff);
	/* slow start: one more segment per ACK, so each ACK lets two go */
	ACK_CLIENT(iss + 101, 60000);
	assert_int_equal(out(CSLOT), 2);
	check_run(0, 2, iss + 201);
	assert_int_equal(t->cwnd, 3);
	ACK_CLIENT(iss + 201, 60000);
	assert_int_equal(out(CSLOT), 2);
	check_run(0, 2, iss + 401);
	assert_int_equal(t->cwnd, 4);
	/* congestion avoidance: one segment per round trip, at the ACK of
	 * the timed segment (the last one sent when 201 came: 601) */
	t->ssthresh = 4;
	ACK_CLIENT(iss + 301, 60000);
	assert_int_equal(out(CSLOT), 1);
	check_run(0, 1, iss + 601);
	assert_int_equal(t->cwnd, 4);
	ACK_CLIENT(iss + 401, 60000);
	assert_int_equal(out(CSLOT), 1);
	assert_int_equal(t->cwnd, 4);
	ACK_CLIENT(iss + 601, 60000);
	assert_int_equal(t->cwnd, 5);
	assert_int_equal(out(CSLOT), 3); /* 801 .. 1101: five in flight */
	check_run(0, 3, iss + 801);
	/* the peer's window binds below cwnd: 200 bytes past snd_una */
	ACK_CLIENT(iss + 701, 200);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->snd_nxt, iss + 1101);
	ACK_CLIENT(iss + 1001, 200);
	assert_int_equal(out(CSLOT), 1); /* up to 1201 */
	check_run(0, 1, iss + 1101);
	assert_int_equal(CTR->retransmits, 0);
	assert_int_equal(CTR->dupacks_rx, 0);
	assert_int_equal(CTR->c_bytes_tx, 1200);
}

/* r resends the 100 bytes at off of the client's request req. */
static void check_resent(const struct pkt *r, uint32_t iss, uint32_t off, uint32_t req)
{
	check_seg(r, TH_ACK, iss + 1 + off, IRS + 1);
	assert_int_equal(r->len, 100);
	assert_memory_equal(r->data, payload_of(req) + off, 100);
}

static void test_fast_retransmit_newreno(void **state)
{
	(void)state;
	uint32_t req, n;
	uint32_t iss = client_bulk(1000, 10, &req, &n);
	struct tcb *t = client_tcb();
	assert_int_equal(n, 11); /* the ACK and ten segments: all of it */
	check_run(1, 10, iss + 1);
	/* the first is lost: the peer repeats its ACK */
	ACK_CLIENT(iss + 1, 60000);
	ACK_CLIENT(iss + 1, 60000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->dupacks, 2);
	ACK_CLIENT(iss + 1, 60000);
	check_resent(out1(CSLOT), iss, 0, req); /* the third: fast retransmit */
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	assert_int_equal(t->ssthresh, 5); /* flight 10 / 2 */
	assert_int_equal(t->cwnd, 5 + 3);
	assert_int_equal(t->rtt_seq, iss + 1001); /* recover */
	assert_int_equal(CTR->fast_retransmits, 1);
	assert_int_equal(CTR->dupacks_rx, 3);
	/* a fourth inflates the window */
	ACK_CLIENT(iss + 1, 60000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->cwnd, 9);
	/* a partial ACK (the fourth segment was lost too): it goes at
	 * once, recovery goes on (RFC 6582 3.2 (5)) */
	ACK_CLIENT(iss + 301, 60000);
	check_resent(out1(CSLOT), iss, 300, req);
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	assert_int_equal(t->cwnd, 9 - 3 + 1);
	/* the full ACK ends recovery: cwnd = ssthresh */
	ACK_CLIENT(iss + 1001, 60000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->dupacks, 0);
	assert_int_equal(t->cwnd, 5);
	assert_int_equal(t->snd_una, iss + 1001);
	assert_int_equal(CTR->fast_retransmits, 1);
	assert_int_equal(CTR->rtx_data, 2);
	assert_int_equal(CTR->retransmits, 2);
	assert_int_equal(CTR->rto_timeouts, 0);
	assert_int_equal(CTR->dupacks_rx, 4);
	assert_int_equal(CTR->c_bytes_tx, 1000);
	assert_int_equal(t->state, TCP_ESTABLISHED);
}

static void test_delayed_ack(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.delack_ms = 40;
	PROG_CLIENT(p, OP(RECV_BYTES, 100), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, -1, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	struct tcb *t = client_tcb();
	/* one segment: its ACK waits 40 ms */
	set_ms(5);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->delack, 1);
	FIRES_AT(CSLOT, 45);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 11);
	assert_int_equal(t->delack, 0);
	/* two segments: the second is acknowledged at once */
	set_ms(50);
	TO_CLIENT(.seq = IRS + 11, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	assert_int_equal(out(CSLOT), 0);
	TO_CLIENT(.seq = IRS + 21, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 31);
	SILENT(CSLOT, 95); /* nothing owed any more */
	/* out of order: a duplicate ACK at once, never delayed */
	TO_CLIENT(.seq = IRS + 41, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 31);
	/* a FIN: at once (the program then fails: closed before 100 bytes) */
	TO_CLIENT(.seq = IRS + 31, .ack = iss + 1, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	assert_true(out(CSLOT) >= 1);
	assert_int_equal(P[0].ack, IRS + 32);
	assert_int_equal(CTR->c_bytes_rx, 30);
}

/* Data after a silence as long as the RTO floor is acknowledged at
 * once: its sender has likely timed out and resends with a window of one
 * segment, which a delayed ACK would hold up by delack_ms. */
static void test_delayed_ack_after_silence(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.delack_ms = 40;
	PROG_CLIENT(p, OP(RECV_BYTES, 100), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, -1, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	struct tcb *t = client_tcb();
	set_ms(5); /* soon after the handshake: delayed */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	assert_int_equal(out(CSLOT), 0);
	FIRES_AT(CSLOT, 45);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 11);
	/* one ms short of the floor since the last data: still delayed */
	uint32_t quiet = t->last_ms + F.w->rto_min_ms;
	set_ms(quiet - 1);
	TO_CLIENT(.seq = IRS + 11, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->delack, 1);
	FIRES_AT(CSLOT, quiet - 1 + 40);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 21);
	/* the floor itself: at once */
	set_ms(t->last_ms + F.w->rto_min_ms);
	TO_CLIENT(.seq = IRS + 21, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 31);
	assert_int_equal(t->delack, 0);
	assert_int_equal(CTR->c_bytes_rx, 30);
}

/* Limited transmit (RFC 3042): with four segments in flight and the
 * first lost, each of the first two duplicate ACKs sends one new
 * segment (cwnd unchanged), so the third duplicate comes and fast
 * retransmit repairs the loss without an RTO. */
static void test_limited_transmit(void **state)
{
	(void)state;
	uint32_t req, n;
	uint32_t iss = client_bulk(3000, 4, &req, &n);
	struct tcb *t = client_tcb();
	assert_int_equal(n, 5); /* the ACK and four segments */
	check_run(1, 4, iss + 1);
	ACK_CLIENT(iss + 1, 60000);
	assert_int_equal(out(CSLOT), 1);
	check_run(0, 1, iss + 401);
	assert_int_equal(t->cwnd, 4);
	ACK_CLIENT(iss + 1, 60000);
	assert_int_equal(out(CSLOT), 1);
	check_run(0, 1, iss + 501);
	assert_int_equal(t->cwnd, 4);
	assert_int_equal(t->dupacks, 2);
	ACK_CLIENT(iss + 1, 60000); /* the third: fast retransmit */
	check_resent(out1(CSLOT), iss, 0, req);
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	assert_int_equal(t->ssthresh, 3); /* flight 6 / 2 */
	assert_int_equal(CTR->fast_retransmits, 1);
	ACK_CLIENT(iss + 601, 60000); /* full ACK: recovery ends */
	assert_int_equal(t->dupacks, 0);
	assert_int_equal(t->cwnd, 3);
	assert_int_equal(out(CSLOT), 3); /* cwnd 3 of new data */
	check_run(0, 3, iss + 601);
	assert_int_equal(CTR->rto_timeouts, 0);
}

/* The request/response path: the response carries the ACK, and no
 * ACK of its own follows. */
static void test_delayed_ack_piggyback(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.delack_ms = 40;
	uint32_t resp = plan_bytes(p, 20, 6);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, resp), OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(3000, 1460, -1, 1000);
	TO_SERVER(.seq = 3001, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	TO_SERVER(.seq = 3001, .ack = iss + 1, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH, iss + 1, 3011);
	assert_int_equal(r->len, 20);
	assert_int_equal(server_tcb()->delack, 0);
	SILENT(SSLOT, 100); /* no lone ACK at 40 */
	assert_int_equal(CTR->pkts_tx, 2); /* SYN-ACK, response */
}

/* Options of a segment the test sends: MSS (0: none), then NOP, NOP,
 * timestamps val / ecr. Returns the length. */
static uint32_t ts_opts(uint8_t *o, uint16_t mss, uint32_t val, uint32_t ecr)
{
	uint32_t n = 0;
	if (mss) {
		o[0] = TCPOPT_MSS, o[1] = 4, o[2] = (uint8_t)(mss >> 8), o[3] = (uint8_t)mss;
		n = 4;
	}
	o[n] = TCPOPT_NOP, o[n + 1] = TCPOPT_NOP, o[n + 2] = TCPOPT_TS, o[n + 3] = 10;
	for (int i = 0; i < 4; i++) {
		o[n + 4 + i] = (uint8_t)(val >> (24 - 8 * i));
		o[n + 8 + i] = (uint8_t)(ecr >> (24 - 8 * i));
	}
	return n + 12;
}

static void test_timestamps(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.timestamps = 1;
	uint32_t req = plan_bytes(p, 30, 8);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	set_ms(5);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	struct pkt *syn = out1(CSLOT);
	assert_int_equal(syn->flags, TH_SYN);
	assert_int_equal(syn->optlen, 20); /* MSS, window scale, timestamps */
	assert_true(syn->o.has_mss && syn->o.has_wscale && syn->o.has_ts);
	assert_int_equal(syn->o.ts_val, 5);
	assert_int_equal(syn->o.ts_ecr, 0);
	uint32_t iss = syn->seq;
	/* the SYN-ACK agrees at 25 */
	set_ms(25);
	uint8_t o[16];
	uint32_t ol = ts_opts(o, 1000, 777, 5);
	TO_CLIENT(.seq = IRS, .ack = iss + 1, .flags = TH_SYN | TH_ACK, .wnd = 5000, .opt = o,
		  .optlen = ol);
	assert_int_equal(out(CSLOT), 2); /* ACK, request */
	struct tcb *t = client_tcb();
	assert_true(t->ts_ok);
	assert_int_equal(t->mss, 1000 - 12); /* the option comes out of the MSS */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(P[i].optlen, 12);
		assert_true(P[i].o.has_ts);
		assert_int_equal(P[i].o.ts_val, 25);
		assert_int_equal(P[i].o.ts_ecr, 777);
	}
	assert_int_equal(P[1].len, 30);
	assert_int_equal(t->srtt, 20 << 3); /* the timed SYN */
	assert_int_equal(t->rttvar, 10 << 2);
	/* the request is lost: resent at 225 (Karn: not timed) */
	FIRES_AT(CSLOT, 225);
	struct pkt *r = out1(CSLOT);
	assert_int_equal(r->len, 30);
	assert_int_equal(r->o.ts_val, 225);
	assert_int_equal(r->o.ts_ecr, 777);
	/* its ACK at 245 echoes 225: a sample of 20 ms all the same
	 * (RTTVAR = 3/4 * 10 + 1/4 * 0) */
	set_ms(245);
	ol = ts_opts(o, 0, 800, 225);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK, .wnd = 5000, .opt = o,
		  .optlen = ol);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->srtt, 20 << 3);
	assert_int_equal(t->rttvar, 30);
	/* TS.Recent moved to 800: the next segment echoes it */
	set_ms(250);
	ol = ts_opts(o, 0, 810, 225);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH, .wnd = 5000,
		  .opt = o, .optlen = ol, .data = RESP, .len = 10);
	r = out1(CSLOT); /* FIN, carrying the ACK */
	check_seg(r, TH_ACK | TH_FIN, iss + 31, IRS + 11);
	assert_int_equal(r->o.ts_val, 250);
	assert_int_equal(r->o.ts_ecr, 810);
	assert_int_equal(CTR->c_bytes_rx, 10);
}

/* A peer that sends no timestamps: none are sent either. */
static void test_timestamps_refused(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.timestamps = 1;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(100, 1460, 7, 1000); /* no TS: a plain SYN-ACK */
	struct tcb *t = server_tcb();
	assert_false(t->ts_ok);
	assert_int_equal(t->mss, 1460);
	TO_SERVER(.seq = 101, .ack = iss + 1, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	assert_int_equal(out(SSLOT), 1);
	assert_int_equal(P[0].optlen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_rtt_karn_backoff),
		FSM_TEST(test_syn_retries_clamp),
		FSM_TEST(test_server_handshake_failures),
		FSM_TEST(test_slow_start_and_avoidance),
		FSM_TEST(test_fast_retransmit_newreno),
		FSM_TEST(test_delayed_ack),
		FSM_TEST(test_delayed_ack_piggyback),
		FSM_TEST(test_delayed_ack_after_silence),
		FSM_TEST(test_limited_transmit),
		FSM_TEST(test_timestamps),
		FSM_TEST(test_timestamps_refused),
	};
	FSM_MAIN(tests);
}
