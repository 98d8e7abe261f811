/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keepalive (tcp.keepalive, core/tcp_ka.h; RFC 9293 3.8.4, RFC 1122
 * 4.2.3.6): a quiet ESTABLISHED connection sends a probe (SND.UNA - 1,
 * ACK, no data) keepalive_ms after it last heard its peer; an answer
 * restarts the clock; nine unanswered probes, one interval apart, fail
 * it with the keepalive reason. Never while data is unacknowledged.
 * Under keepalive a quiet connection whose peer answers is not failed by
 * idle_timeout. teng answers a peer's probe at RCV.NXT - 1 with an ACK.
 */
#include "fsm_util.h"
#include "tcp_ka.h"

static const uint32_t IRS = 0x70000000u;

/* Nothing on slot from `from` to ms - 1 (each ms); then the timers at ms. */
#define FIRES_AT(slot, from, ms)                                        \
	do {                                                            \
		for (uint32_t ms_ = (from); ms_ < (ms); ms_++)          \
			SILENT(slot, ms_);                              \
		run_timers_at(ms);                                      \
	} while (0)

/* A client with keepalive ka_ms whose program waits for 10 bytes (so it
 * sends nothing of its own), established at 0; returns its ISS. */
static uint32_t ka_client(uint32_t ka_ms, uint32_t idle_ms)
{
	struct teng_plan *p = plan_new();
	p->tcp.keepalive_ms = ka_ms;
	p->tcp.idle_timeout_ms = idle_ms;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(client_tcb()->state, TCP_ESTABLISHED);
	return iss;
}

/* One keepalive probe from the client: SND.UNA - 1, ACK, no data. */
#define check_client_probe(iss)                                         \
	do {                                                            \
		const struct pkt *k_ = out1(CSLOT);                     \
		check_from_client(k_);                                  \
		check_seg(k_, TH_ACK, (iss), IRS + 1);                  \
		assert_int_equal(k_->len, 0);                           \
	} while (0)

/* The peer's answer to a probe: an ACK of what it has. */
#define ANSWER(iss) TO_CLIENT(.seq = IRS + 1, .ack = (iss) + 1, .flags = TH_ACK, .wnd = 1000)

static void test_probe_answer_then_dead(void **state)
{
	(void)state;
	/* idle_timeout 3 s, shorter than the 14 s the probes below span */
	uint32_t iss = ka_client(1000, 3000);
	assert_non_null(F.w->ka);
	assert_int_equal(F.w->ka_intvl_ms, 1000);
	/* quiet since 0: the first probe at 1000, not before */
	FIRES_AT(CSLOT, 1, 1000);
	check_client_probe(iss);
	assert_int_equal(CTR->keepalives, 1);
	/* answered at 1003: the clock restarts there */
	set_ms(1003);
	ANSWER(iss);
	assert_int_equal(out(CSLOT), 0); /* an ACK is not answered */
	FIRES_AT(CSLOT, 1004, 2003);
	check_client_probe(iss);
	/* answered each time, well past idle_timeout: still open */
	for (uint32_t at = 2003; at < 5003; at += 1000) {
		ANSWER(iss);
		FIRES_AT(CSLOT, at + 1, at + 1000);
		check_client_probe(iss);
	}
	assert_int_equal(CTR->keepalives, 5);
	struct tcb *t = client_tcb();
	assert_non_null(t);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->timeouts, 0);
	assert_int_equal(CTR->c_failed, 0);
	/* the probe at 5003 is not answered, nor the 8 after it, 1 s apart */
	for (uint32_t i = 1; i < TCP_KA_PROBES; i++) {
		FIRES_AT(CSLOT, 5003 + 1000 * (i - 1) + 1, 5003 + 1000 * i);
		check_client_probe(iss);
	}
	assert_int_equal(CTR->keepalives, 4 + TCP_KA_PROBES);
	assert_non_null(client_tcb());
	/* one interval after the ninth: failed, with a RST, as Linux does */
	FIRES_AT(CSLOT, 13004, 14003);
	struct pkt *r = out1(CSLOT);
	check_seg(r, TH_RST | TH_ACK, iss + 1, IRS + 1);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_KEEPALIVE], 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_IDLE_TIMEOUT], 0);
	assert_int_equal(CTR->timeouts, 0);
	assert_int_equal(CTR->keepalives, 4 + TCP_KA_PROBES);
	assert_int_equal(CTR->retransmits, 0);
}

/* Data from the peer (any acceptable segment) restarts the clock too,
 * and a probe's late answer takes the count back to 0. */
static void test_data_restarts_clock(void **state)
{
	(void)state;
	uint32_t iss = ka_client(500, 30000);
	FIRES_AT(CSLOT, 1, 500);
	check_client_probe(iss);
	FIRES_AT(CSLOT, 501, 1000);
	check_client_probe(iss);
	assert_int_equal(F.w->ka[tcb_id(F.w, client_tcb())].probes, 2);
	/* 4 of the 10 bytes the program waits for, at 1200 */
	set_ms(1200);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = "abcd", .len = 4);
	assert_int_equal(F.w->ka[tcb_id(F.w, client_tcb())].probes, 0);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 5);
	/* quiet again: the next probe at 1700 */
	FIRES_AT(CSLOT, 1201, 1700);
	const struct pkt *k = out1(CSLOT);
	check_seg(k, TH_ACK, iss, IRS + 5);
	assert_int_equal(k->len, 0);
	assert_int_equal(CTR->keepalives, 3);
}

/* Nothing is probed while data waits for its ACK: the retransmission
 * clock watches it. Once all is acknowledged, the probe follows
 * keepalive_ms later, though the backed-off timer stood later still. */
static void test_no_probe_in_flight(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 30, 11);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	p->tcp.keepalive_ms = 1000;
	p->tcp.rto_ms = p->tcp.rto_min_ms = 3000; /* longer than keepalive */
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2); /* the handshake's ACK, the request */
	assert_int_equal(P[1].len, 30);
	/* unacknowledged since 0, nothing heard: no probe at 1000 or 2000 */
	FIRES_AT(CSLOT, 1, 3000);
	const struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(d->len, 30);
	assert_int_equal(CTR->rtx_data, 1);
	assert_int_equal(CTR->keepalives, 0);
	/* acknowledged at 3500 (the next resend would be at 9000) */
	set_ms(3500);
	ANSWER(iss + 30);
	assert_int_equal(out(CSLOT), 0);
	FIRES_AT(CSLOT, 3501, 4500);
	const struct pkt *k = out1(CSLOT);
	check_seg(k, TH_ACK, iss + 30, IRS + 1); /* SND.UNA - 1 */
	assert_int_equal(k->len, 0);
	assert_int_equal(CTR->keepalives, 1);
	assert_int_equal(CTR->rtx_data, 1);
}

/* The server role probes too; keepalive off probes nothing and the
 * quiet connection fails as idle, as before. */
static void test_server_probe(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.keepalive_ms = 2000;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t irs = 0x1000;
	uint32_t iss = server_syn(irs, 1460, 7, 1000);
	set_ms(10);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(server_tcb()->state, TCP_ESTABLISHED);
	FIRES_AT(SSLOT, 11, 2010);
	const struct pkt *k = out1(SSLOT);
	check_from_server(k);
	check_seg(k, TH_ACK, iss, irs + 1);
	assert_int_equal(k->len, 0);
	assert_int_equal(CTR->keepalives, 1);
}

static void test_off_idle_as_before(void **state)
{
	(void)state;
	uint32_t iss = ka_client(0, 3000);
	assert_null(F.w->ka);
	for (uint32_t ms = 100; ms < 3000; ms += 100)
		SILENT(CSLOT, ms);
	run_timers_at(3000);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(CTR->keepalives, 0);
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_IDLE_TIMEOUT], 1);
}

/* teng as the receiver: a peer's probe at RCV.NXT - 1, bare or with one
 * byte of garbage (BSD), gets an ACK of RCV.NXT and delivers nothing. */
static void test_answers_peer_probe(void **state)
{
	(void)state;
	uint32_t iss = ka_client(0, 30000);
	struct tcb *t = client_tcb();
	TO_CLIENT(.seq = IRS, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	TO_CLIENT(.seq = IRS, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = "z", .len = 1);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(t->rx_count, 0);
	assert_int_equal(CTR->c_bytes_rx, 0);
}

static void test_server_answers_peer_probe(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t irs = 0x2000;
	uint32_t iss = server_syn(irs, 1460, 7, 1000);
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000,
		  .data = "abc", .len = 3);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, irs + 4);
	TO_SERVER(.seq = irs + 3, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, irs + 4);
	TO_SERVER(.seq = irs + 3, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = "c", .len = 1);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, irs + 4);
	assert_int_equal(server_tcb()->rcv_nxt, irs + 4);
	assert_int_equal(CTR->s_bytes_rx, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_probe_answer_then_dead),
		FSM_TEST(test_data_restarts_clock),
		FSM_TEST(test_no_probe_in_flight),
		FSM_TEST(test_server_probe),
		FSM_TEST(test_off_idle_as_before),
		FSM_TEST(test_answers_peer_probe),
		FSM_TEST(test_server_answers_peer_probe),
	};
	FSM_MAIN(tests);
}
