/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window edges found in review: a receive window smaller than one scale
 * unit, and an old ACK that must not move the send window
 * (RFC 9293 3.10.7.4: only SND.UNA =< SEG.ACK =< SND.NXT updates it).
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x50000000u;

static void test_tiny_rcv_window_not_zero(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.rcv_wnd = 100; /* below one unit of the shift 7 */
	p->tcp.wscale = 7;
	PROG(&p->client_prog, OP(RECV_BYTES, 10), OP(END, 0));
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
	PROG(&p->client_prog, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0),
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_tiny_rcv_window_not_zero),
		FSM_TEST(test_old_ack_keeps_window),
	};
	FSM_MAIN(tests);
}
