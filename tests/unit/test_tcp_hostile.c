/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile segments at a live connection (RFC 5961, RFC 9293 3.10.7.4):
 * data with an ACK older than the peer's largest window (the forged
 * response of issue 8), an ACK of what was never sent, out-of-window
 * segments, in-window RSTs and SYNs answered with challenge ACKs, and
 * the per-core challenge ACK limit. Each is counted, answered as the
 * RFC says, and leaves the connection as it was.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x40000000u;
static const uint8_t RESP[10] = "0123456789";

/* Client {SEND 30, RECV_BYTES 10, CLOSE, END}, established (peer window
 * 1000, so MAX.SND.WND rounds to 1024), the request sent; returns iss. */
static uint32_t client_req(void)
{
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 30, 5);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, -1, 1000);
	assert_int_equal(out(CSLOT), 2);
	return iss;
}

/* The real response completes the exchange: the client's FIN follows. */
static void real_response(uint32_t iss)
{
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 11);
	assert_int_equal(CTR->c_bytes_rx, 10);
	assert_int_equal(CTR->rx_unexpected, 0);
}

static void test_old_ack_forged_data(void **state)
{
	(void)state;
	uint32_t iss = client_req();
	struct tcb *t = client_tcb();
	/* in-window data whose ACK is far behind snd_una: a blind forgery */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1 - 5000, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = "HTTP/1.1 2", .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 1); /* answered with an ACK */
	assert_int_equal(CTR->drop_old_ack, 1);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(t->snd_una, iss + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
	/* just past MAX.SND.WND (1024) still counts as old */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1 - 1025, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = "HTTP/1.1 2", .len = 10);
	assert_int_equal(out(CSLOT), 1);
	assert_int_equal(CTR->drop_old_ack, 2);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	real_response(iss);
	assert_int_equal(CTR->drop_ack_unsent + CTR->drop_out_of_window, 0);
	assert_int_equal(CTR->c_failed, 0);
}

/* The same at a server connection: the forged request is dropped, the
 * real one answered. */
static void test_old_ack_forged_data_server(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 20, 7);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, resp), OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(7000, 1460, -1, 1000);
	TO_SERVER(.seq = 7001, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(SSLOT), 0);
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	TO_SERVER(.seq = 7001, .ack = iss + 1 - 100000, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = "FORGED....", .len = 10);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, 7001);
	assert_int_equal(CTR->drop_old_ack, 1);
	assert_int_equal(t->rcv_nxt, 7001);
	assert_int_equal(CTR->s_bytes_rx, 0);
	assert_int_equal(CTR->s_bytes_tx, 0);
	TO_SERVER(.seq = 7001, .ack = iss + 1, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = RESP, .len = 10);
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH, iss + 1, 7011);
	assert_int_equal(r->len, 20);
	assert_int_equal(CTR->s_bytes_rx, 10);
	assert_int_equal(CTR->s_bytes_tx, 20);
	assert_int_equal(CTR->s_failed, 0);
}

static void test_ack_of_unsent(void **state)
{
	(void)state;
	uint32_t iss = client_req();
	struct tcb *t = client_tcb();
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31 + 100, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 1);
	assert_int_equal(CTR->drop_ack_unsent, 1);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(t->snd_una, iss + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
	real_response(iss);
	assert_int_equal(CTR->drop_old_ack, 0);
}

static void test_out_of_window(void **state)
{
	(void)state;
	uint32_t iss = client_req();
	struct tcb *t = client_tcb();
	/* far beyond RCV.NXT + RCV.WND: an ACK, nothing taken */
	TO_CLIENT(.seq = IRS + 1 + (1u << 24), .ack = iss + 31, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 1);
	/* an out-of-window RST: dropped silently */
	TO_CLIENT(.seq = IRS + 1 + (1u << 24), .flags = TH_RST);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->drop_out_of_window, 2);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(t->snd_una, iss + 1); /* its ACK was not taken */
	assert_int_equal(CTR->rst_rx, 0);
	real_response(iss);
}

static void test_challenge_acks(void **state)
{
	(void)state;
	uint32_t iss = client_quiet(IRS);
	struct tcb *t = client_tcb();
	/* RST in the window, not at RCV.NXT: a challenge ACK (5961 3.2) */
	TO_CLIENT(.seq = IRS + 100, .flags = TH_RST);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(CTR->drop_rst_window, 1);
	/* SYN in a synchronized state (5961 4.2) */
	TO_CLIENT(.seq = IRS + 50, .flags = TH_SYN);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(CTR->drop_syn_window, 1);
	assert_int_equal(CTR->challenge_acks, 2);
	/* at most 1000 a second on this core */
	for (uint32_t i = 2; i < 1000; i++) {
		TO_CLIENT(.seq = IRS + 100 + i, .flags = TH_RST);
		assert_int_equal(out(CSLOT), 1);
	}
	assert_int_equal(CTR->challenge_acks, 1000);
	TO_CLIENT(.seq = IRS + 7, .flags = TH_RST);
	TO_CLIENT(.seq = IRS + 8, .flags = TH_SYN);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->challenge_acks_limited, 2);
	assert_int_equal(CTR->drop_rst_window, 1000);
	assert_int_equal(CTR->drop_syn_window, 2);
	/* the next second: answered again */
	set_ms(1000);
	TO_CLIENT(.seq = IRS + 9, .flags = TH_RST);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(CTR->challenge_acks, 1001);
	assert_int_equal(CTR->challenge_acks_limited, 2);
	/* none of it touched the connection; the exact RST still works */
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->rst_rx, 0);
	TO_CLIENT(.seq = IRS + 1, .flags = TH_RST);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->rst_rx, 1);
	assert_int_equal(CTR->c_fail[TENG_REASON_RESET], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_old_ack_forged_data),
		FSM_TEST(test_old_ack_forged_data_server),
		FSM_TEST(test_ack_of_unsent),
		FSM_TEST(test_out_of_window),
		FSM_TEST(test_challenge_acks),
	};
	FSM_MAIN(tests);
}
