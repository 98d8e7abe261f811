/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP state machine, data transfer: segmentation by MSS, the peer's
 * window, cumulative ACKs, in-order receive, out-of-order drops, and
 * sequence numbers across 2^32.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x40000000u;

/* A client that sends payload `req` (len bytes) then waits for rx bytes. */
static uint32_t client_sender(uint32_t len, uint32_t rx, uint32_t *req)
{
	struct teng_plan *p = plan_new();
	*req = plan_bytes(p, len, 17);
	PROG_CLIENT(p, OP(SEND, *req), OP(RECV_BYTES, rx), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	return client_syn();
}

static void test_window_limits_output(void **state)
{
	(void)state;
	uint32_t req, iss = client_sender(600, 10, &req);
	uint8_t got[600];
	/* MSS 100, window 150, no scaling */
	client_synack(IRS, iss, 100, 0, 150);
	assert_int_equal(out(CSLOT), 3);
	check_seg(&P[1], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 100);
	check_seg(&P[2], TH_ACK, iss + 101, IRS + 1);
	assert_int_equal(P[2].len, 50);
	collect(&P[1], iss + 1, got, 600);
	collect(&P[2], iss + 1, got, 600);
	struct tcb *t = client_tcb();
	assert_int_equal(t->snd_nxt, iss + 151);
	/* 100 acknowledged, window still 150: room for 100 more */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 150);
	struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK, iss + 151, IRS + 1);
	assert_int_equal(d->len, 100);
	collect(d, iss + 1, got, 600);
	/* the same ACK again: the window is full, nothing goes */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 150);
	assert_int_equal(out(CSLOT), 0);
	/* everything acknowledged, window closed: still nothing */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 251, .flags = TH_ACK, .wnd = 0);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->snd_una, iss + 251);
	assert_int_equal(t->snd_wnd, 0);
	/* a window update opens it */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 251, .flags = TH_ACK, .wnd = 200);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 251, IRS + 1);
	check_seg(&P[1], TH_ACK, iss + 351, IRS + 1);
	collect(&P[0], iss + 1, got, 600);
	collect(&P[1], iss + 1, got, 600);
	/* an ACK for data never sent is answered, and changes nothing */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 5000, .flags = TH_ACK, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 451, IRS + 1);
	assert_int_equal(t->snd_una, iss + 251);
	assert_int_equal(t->snd_wnd, 200);
	/* an old duplicate ACK changes nothing either */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 200);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->snd_una, iss + 251);
	/* the rest */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 451, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 451, IRS + 1);
	check_seg(&P[1], TH_ACK | TH_PSH, iss + 551, IRS + 1);
	assert_int_equal(P[1].len, 50);
	collect(&P[0], iss + 1, got, 600);
	collect(&P[1], iss + 1, got, 600);
	assert_memory_equal(got, payload_of(req), 600);
	assert_int_equal(CTR->c_bytes_tx, 600);
	assert_int_equal(t->state, TCP_ESTABLISHED);
}

static void test_reordered_ack_keeps_window(void **state)
{
	(void)state;
	/* RFC 9293 3.10.7.4: the window is taken only from a segment at
	 * least as new as the last one used (SND.WL1, SND.WL2) */
	uint32_t req, iss = client_sender(400, 10, &req);
	client_synack(IRS, iss, 100, 0, 200);
	assert_int_equal(out(CSLOT), 3); /* ACK, 100, 100 */
	struct tcb *t = client_tcb();
	/* all acknowledged, window closed */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 201, .flags = TH_ACK, .wnd = 0);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->snd_wnd, 0);
	/* an earlier ACK, overtaken on the way, with a wide window: its
	 * window is stale and must not reopen ours */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 101, .flags = TH_ACK, .wnd = 5000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->snd_wnd, 0);
	assert_int_equal(t->snd_una, iss + 201);
	/* the real update does */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 201, .flags = TH_ACK, .wnd = 100);
	struct pkt *d = out1(CSLOT);
	check_seg(d, TH_ACK, iss + 201, IRS + 1);
	assert_int_equal(d->len, 100);
}

static void test_receive_in_order(void **state)
{
	(void)state;
	uint32_t req, iss = client_sender(20, 300, &req);
	client_synack(IRS, iss, 1460, 7, 65535);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 20);
	struct tcb *t = client_tcb();
	uint8_t resp[300];
	fill_pattern(resp, 300, 3);
	for (uint32_t i = 0; i < 2; i++) {
		TO_CLIENT(.seq = IRS + 1 + 100 * i, .ack = iss + 21,
			  .flags = TH_ACK, .wnd = 1000, .data = resp + 100 * i,
			  .len = 100);
		struct pkt *a = out1(CSLOT);
		check_seg(a, TH_ACK, iss + 21, IRS + 101 + 100 * i);
		assert_int_equal(a->wnd, 8192);
		assert_int_equal(a->len, 0);
		assert_int_equal(t->rcv_nxt, IRS + 101 + 100 * i);
		assert_int_equal(t->rx_count, 100 * (i + 1));
		assert_int_equal(CTR->c_bytes_rx, 100 * (i + 1));
	}
	/* the last piece completes RECV_BYTES; CLOSE follows: the FIN
	 * carries the ACK */
	TO_CLIENT(.seq = IRS + 201, .ack = iss + 21, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = resp + 200, .len = 100);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 21, IRS + 301);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	assert_int_equal(CTR->c_bytes_rx, 300);
	assert_int_equal(CTR->drops_out_of_order, 0);
	assert_int_equal(CTR->rx_unexpected, 0);
}

static void test_out_of_order(void **state)
{
	(void)state;
	uint32_t req, iss = client_sender(20, 300, &req);
	client_synack(IRS, iss, 1460, 7, 65535);
	assert_int_equal(out(CSLOT), 2);
	struct tcb *t = client_tcb();
	uint8_t resp[300];
	fill_pattern(resp, 300, 4);
#define SEG(i, fl)                                                      \
	TO_CLIENT(.seq = IRS + 1 + 100 * (i), .ack = iss + 21,          \
		  .flags = TH_ACK | (fl), .wnd = 1000,                  \
		  .data = resp + 100 * (i), .len = 100)
	/* the second and third first: dropped, each with a duplicate ACK */
	SEG(1, 0);
	check_seg(out1(CSLOT), TH_ACK, iss + 21, IRS + 1);
	SEG(2, TH_FIN); /* a FIN out of order is not taken either */
	check_seg(out1(CSLOT), TH_ACK, iss + 21, IRS + 1);
	assert_int_equal(CTR->drops_out_of_order, 2);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
	assert_false(t->flags & TF_PEER_FIN);
	/* in order */
	SEG(0, 0);
	check_seg(out1(CSLOT), TH_ACK, iss + 21, IRS + 101);
	/* a full duplicate: outside the window, ACKed, not counted */
	SEG(0, 0);
	check_seg(out1(CSLOT), TH_ACK, iss + 21, IRS + 101);
	assert_int_equal(CTR->c_bytes_rx, 100);
	assert_int_equal(CTR->drops_out_of_order, 2);
	/* a partial overlap [50, 150): the new half is taken */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 21, .flags = TH_ACK, .wnd = 1000,
		  .data = resp + 50, .len = 100);
	check_seg(out1(CSLOT), TH_ACK, iss + 21, IRS + 151);
	assert_int_equal(CTR->c_bytes_rx, 150);
	assert_int_equal(t->rx_count, 150);
	/* the rest, with the FIN */
	TO_CLIENT(.seq = IRS + 151, .ack = iss + 21, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000, .data = resp + 150, .len = 150);
	/* program complete and the peer's FIN: our FIN acks theirs */
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 21, IRS + 302);
	assert_int_equal(t->state, TCP_LAST_ACK);
	assert_int_equal(CTR->c_bytes_rx, 300);
	assert_int_equal(CTR->drops_out_of_order, 2);
#undef SEG
}

static void test_client_wraparound(void **state)
{
	(void)state;
	uint32_t req, iss = client_sender(300, 200, &req);
	(void)iss;
	/* both sequence spaces cross 2^32 during the exchange */
	const uint32_t ciss = 0xffffff80u, sirs = 0xffffffa0u;
	client_force_iss(ciss);
	client_synack(sirs, ciss, 100, -1, 65535);
	assert_int_equal(out(CSLOT), 4);
	check_seg(&P[0], TH_ACK, 0xffffff81u, 0xffffffa1u);
	check_seg(&P[1], TH_ACK, 0xffffff81u, 0xffffffa1u);
	check_seg(&P[2], TH_ACK, 0xffffffe5u, 0xffffffa1u);
	check_seg(&P[3], TH_ACK | TH_PSH, 0x00000049u, 0xffffffa1u);
	uint8_t got[300];
	for (int i = 1; i < 4; i++) {
		assert_int_equal(P[i].len, 100);
		collect(&P[i], ciss + 1, got, 300);
	}
	assert_memory_equal(got, payload_of(req), 300);
	struct tcb *t = client_tcb();
	assert_int_equal(t->snd_nxt, 0xadu);
	/* acknowledge across the wrap, answer in two pieces */
	uint8_t resp[200];
	fill_pattern(resp, 200, 5);
	TO_CLIENT(.seq = 0xffffffa1u, .ack = 0xadu, .flags = TH_ACK, .wnd = 1000,
		  .data = resp, .len = 100);
	check_seg(out1(CSLOT), TH_ACK, 0xadu, 0x05u);
	assert_int_equal(t->snd_una, 0xadu);
	TO_CLIENT(.seq = 0x05u, .ack = 0xadu, .flags = TH_ACK, .wnd = 1000,
		  .data = resp + 100, .len = 100);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, 0xadu, 0x69u);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	TO_CLIENT(.seq = 0x69u, .ack = 0xaeu, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(t->state, TCP_FIN_WAIT_2);
	TO_CLIENT(.seq = 0x69u, .ack = 0xaeu, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, 0xaeu, 0x6au);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_failed, 0);
	assert_int_equal(CTR->c_bytes_rx, 200);
	assert_int_equal(CTR->c_bytes_tx, 300);
	assert_int_equal(CTR->drops_out_of_order, 0);
}

static void test_server_wraparound(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 300, 6);
	PROG_SERVER(p, OP(RECV_BYTES, 100), OP(SEND, resp), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	const uint32_t cirs = 0xfffffff0u, siss = 0xffffffe0u;
	server_syn(cirs, 100, -1, 65535);
	server_force_iss(siss);
	TO_SERVER(.seq = 0xfffffff1u, .ack = 0xffffffe1u, .flags = TH_ACK,
		  .wnd = 65535);
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	/* a 100-byte request across the wrap, in two pieces */
	uint8_t rq[100];
	fill_pattern(rq, 100, 7);
	TO_SERVER(.seq = 0xfffffff1u, .ack = 0xffffffe1u, .flags = TH_ACK,
		  .wnd = 65535, .data = rq, .len = 40);
	check_seg(out1(SSLOT), TH_ACK, 0xffffffe1u, 0x19u);
	TO_SERVER(.seq = 0x19u, .ack = 0xffffffe1u, .flags = TH_ACK | TH_PSH,
		  .wnd = 65535, .data = rq + 40, .len = 60);
	/* the response, MSS 100, its FIN on the last piece */
	assert_int_equal(out(SSLOT), 3);
	check_seg(&P[0], TH_ACK, 0xffffffe1u, 0x55u);
	check_seg(&P[1], TH_ACK, 0x45u, 0x55u);
	check_seg(&P[2], TH_ACK | TH_PSH | TH_FIN, 0xa9u, 0x55u);
	uint8_t got[300];
	for (int i = 0; i < 3; i++) {
		check_from_server(&P[i]);
		assert_int_equal(P[i].len, 100);
		collect(&P[i], siss + 1, got, 300);
	}
	assert_memory_equal(got, payload_of(resp), 300);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	/* ACK of everything and the FIN; then the client's FIN */
	TO_SERVER(.seq = 0x55u, .ack = 0x10eu, .flags = TH_ACK, .wnd = 65535);
	assert_int_equal(t->state, TCP_FIN_WAIT_2);
	assert_int_equal(out(SSLOT), 0);
	TO_SERVER(.seq = 0x55u, .ack = 0x10eu, .flags = TH_ACK | TH_FIN,
		  .wnd = 65535);
	check_seg(out1(SSLOT), TH_ACK, 0x10eu, 0x56u);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_bytes_rx, 100);
	assert_int_equal(CTR->s_bytes_tx, 300);
}

static void test_server_segments_response(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t resp = plan_bytes(p, 3000, 8);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, resp), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	const uint32_t irs = 12345;
	uint32_t iss = server_syn(irs, 1000, 1, 65535);
	/* window 1200 << 1 = 2400: two full segments and 400 bytes */
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1200,
		  .data = "0123456789", .len = 10);
	assert_int_equal(out(SSLOT), 3);
	check_seg(&P[0], TH_ACK, iss + 1, irs + 11);
	check_seg(&P[1], TH_ACK, iss + 1001, irs + 11);
	check_seg(&P[2], TH_ACK, iss + 2001, irs + 11);
	assert_int_equal(P[0].len, 1000);
	assert_int_equal(P[1].len, 1000);
	assert_int_equal(P[2].len, 400);
	uint8_t got[3000];
	for (int i = 0; i < 3; i++)
		collect(&P[i], iss + 1, got, 3000);
	struct tcb *t = server_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED); /* FIN not yet sent */
	TO_SERVER(.seq = irs + 11, .ack = iss + 2401, .flags = TH_ACK, .wnd = 1200);
	assert_int_equal(out(SSLOT), 1);
	check_seg(&P[0], TH_ACK | TH_PSH | TH_FIN, iss + 2401, irs + 11);
	assert_int_equal(P[0].len, 600);
	collect(&P[0], iss + 1, got, 3000);
	assert_memory_equal(got, payload_of(resp), 3000);
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	assert_int_equal(t->snd_nxt, iss + 3002);
	assert_int_equal(CTR->s_bytes_tx, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_window_limits_output),
		FSM_TEST(test_reordered_ack_keeps_window),
		FSM_TEST(test_receive_in_order),
		FSM_TEST(test_out_of_order),
		FSM_TEST(test_client_wraparound),
		FSM_TEST(test_server_wraparound),
		FSM_TEST(test_server_segments_response),
	};
	FSM_MAIN(tests);
}
