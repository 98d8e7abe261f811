/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window edges found in review: a receive window smaller than one scale
 * unit, an old ACK that must not move the send window (RFC 9293
 * 3.10.7.4: only SND.UNA =< SEG.ACK =< SND.NXT updates it), and probing
 * a closed window (3.8.6.1).
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x50000000u;

static void test_tiny_rcv_window_not_zero(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.rcv_wnd = 100; /* below one unit of the shift 7 */
	p->tcp.wscale = 7;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 2, 1000);
	struct pkt *a = out1(CSLOT);
	check_seg(a, TH_ACK, iss + 1, IRS + 1);
	/* 100 bytes rounded up to one unit of 128, not advertised as 0 */
	assert_int_equal(a->wnd, 1);
}

static void test_old_ack_keeps_window(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 300, 3);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 100, 0, 1000);
	assert_int_equal(out(CSLOT), 4); /* ACK + 3 x 100 */
	struct tcb *t = client_tcb();
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 201, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(t->snd_una, iss + 201);
	assert_int_equal(t->snd_wnd, 1000);
	/* data from the peer, then a reordered segment: newer in sequence,
	 * but its ACK is below SND.UNA: the window it names is not taken */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 201, .flags = TH_ACK, .wnd = 1000,
		  .data = "abcde", .len = 5);
	assert_int_equal(t->rcv_nxt, IRS + 6);
	check_seg(out1(CSLOT), TH_ACK, iss + 301, IRS + 6);
	TO_CLIENT(.seq = IRS + 6, .ack = iss + 101, .flags = TH_ACK, .wnd = 0);
	assert_int_equal(t->snd_una, iss + 201);
	assert_int_equal(t->snd_wnd, 1000);
}

static void test_reordered_old_ack_not_answered(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 100), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 0, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000,
		  .data = "0123456789", .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 11);
	/* the peer's bare ACK from before that data, overtaken on the way:
	 * a duplicate, not answered */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	/* a keep-alive or window probe (RCV.NXT - 1) is answered */
	TO_CLIENT(.seq = IRS + 10, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 11);
	/* old data is still answered, so a peer that lost our ACK learns */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000,
		  .data = "0123456789", .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 11);
}

static void test_zero_window_probe(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 300, 5);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	set_ms(0);
	uint32_t iss = client_syn();
	/* the peer's window is closed from the start */
	client_synack(IRS, iss, 100, 0, 0);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1); /* no data */
	struct tcb *t = client_tcb();
	assert_int_equal(t->snd_nxt, iss + 1);
	run_timers_at(199);
	assert_int_equal(out(CSLOT), 0);
	/* one RTO on: a probe with an already acknowledged sequence number */
	run_timers_at(200);
	struct pkt *pr = out1(CSLOT);
	check_seg(pr, TH_ACK, iss, IRS + 1);
	assert_int_equal(pr->len, 0);
	assert_int_equal(CTR->retransmits, 0);
	/* no answer: the next probe backs off (2 x RTO) */
	run_timers_at(599);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(600);
	check_seg(out1(CSLOT), TH_ACK, iss, IRS + 1);
	assert_int_equal(CTR->zero_window, 1);
	assert_int_equal(CTR->persist_probes, 2);
	/* the answer opens the window: the data goes */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 3);
	for (int i = 0; i < 3; i++) {
		check_seg(&P[i], i == 2 ? TH_ACK | TH_PSH : TH_ACK,
			  iss + 1 + 100 * (uint32_t)i, IRS + 1);
		assert_int_equal(P[i].len, 100);
	}
	assert_int_equal(CTR->timeouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_tiny_rcv_window_not_zero),
		FSM_TEST(test_old_ack_keeps_window),
		FSM_TEST(test_zero_window_probe),
		FSM_TEST(test_reordered_old_ack_not_answered),
	};
	FSM_MAIN(tests);
}
