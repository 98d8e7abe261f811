/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP state machine, closing: active, passive and simultaneous
 * close, TIME_WAIT, aborts, and the idle timeout.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x50000000u;

/* Client {SEND 30, RECV_BYTES 50, CLOSE, END}, established, request
 * sent; returns iss. */
static uint32_t client_txn(uint32_t time_wait_ms, uint32_t idle_ms)
{
	struct teng_plan *p = plan_new();
	p->tcp.time_wait_ms = time_wait_ms;
	if (idle_ms)
		p->tcp.idle_timeout_ms = idle_ms;
	uint32_t req = plan_bytes(p, 30, 21);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 50), OP(CLOSE, 0),
	     OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[1], TH_ACK | TH_PSH, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 30);
	return iss;
}

static const uint8_t RESP[50] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM";

/* The response: the client's program ends and it sends its FIN. */
static void client_gets_response(uint32_t iss)
{
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH,
		  .wnd = 1000, .data = RESP, .len = 50);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_FIN_WAIT_1);
	assert_true(t->flags & TF_PROG_DONE);
	assert_true(t->flags & TF_FIN_SENT);
}

static void test_active_close(void **state)
{
	(void)state;
	uint32_t iss = client_txn(0, 0);
	client_gets_response(iss);
	struct tcb *t = client_tcb();
	/* FIN_WAIT_1 -> FIN_WAIT_2 on the ACK of our FIN */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->state, TCP_FIN_WAIT_2);
	assert_int_equal(CTR->c_completed, 0);
	/* their FIN: ACKed, TIME_WAIT, freed at once (time_wait_ms 0) */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_attempted, 1);
	assert_int_equal(CTR->c_connected, 1);
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_failed, 0);
	assert_int_equal(CTR->c_bytes_tx, 30);
	assert_int_equal(CTR->c_bytes_rx, 50);
	assert_int_equal(CTR->rst_tx + CTR->rst_rx, 0);
	assert_int_equal(CTR->pkts_tx, 5); /* SYN, ACK, data, FIN, ACK */
	assert_int_equal(CTR->pkts_rx, 4);
	assert_int_equal(F.w->st->c_active, 0);
	assert_int_equal(F.w->st->phase_connect[0].total, 1);
	assert_int_equal(F.w->st->phase_txn[0].total, 1);
	assert_int_equal(F.w->ct.nfree, F.w->ct.size);
	assert_int_equal(F.w->tw.armed, 0);
}

static void test_time_wait_held(void **state)
{
	(void)state;
	uint32_t iss = client_txn(1000, 0);
	client_gets_response(iss);
	struct tcb *t = client_tcb();
	set_ms(10);
	/* FIN and ACK of our FIN together: straight to TIME_WAIT */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	(void)t;
	/* the exchange is over: counted now, no longer open, its TCB freed,
	 * while the tuple stays held in the TIME_WAIT table (tw.h) */
	assert_null(client_tcb());
	assert_true(tw_tagged(conn_tuple_get(&F.w->ct, 0)));
	assert_int_equal(F.w->timewait.live, 1);
	assert_int_equal(F.w->ct.nfree, F.w->ct.size);
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(F.w->st->c_active, 0);
	/* their FIN again (our ACK was lost): ACKed, the wait restarts */
	set_ms(500);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	run_timers_at(1010);
	assert_int_equal(F.w->timewait.live, 1);
	run_timers_at(1499);
	assert_int_equal(F.w->timewait.live, 1);
	assert_int_equal(CTR->c_completed, 1);
	run_timers_at(1500);
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(conn_tuple_get(&F.w->ct, 0), TCB_NIL);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->timeouts, 0);
	assert_int_equal(F.w->st->c_active, 0);
}

static void test_simultaneous_close(void **state)
{
	(void)state;
	uint32_t iss = client_txn(300, 0);
	client_gets_response(iss);
	struct tcb *t = client_tcb();
	/* their FIN crosses ours: it does not acknowledge our FIN */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 31, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	assert_int_equal(t->state, TCP_CLOSING);
	/* the ACK of our FIN: TIME_WAIT */
	set_ms(5);
	TO_CLIENT(.seq = IRS + 52, .ack = iss + 32, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb()); /* TIME_WAIT, in the table */
	assert_int_equal(F.w->timewait.live, 1);
	run_timers_at(304);
	assert_int_equal(F.w->timewait.live, 1);
	run_timers_at(305);
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(conn_tuple_get(&F.w->ct, 0), TCB_NIL);
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_failed, 0);
}

static void test_passive_close(void **state)
{
	(void)state;
	/* ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED, the client's
	 * last data held back by the window meanwhile */
	struct teng_plan *p = plan_new();
	uint32_t req = plan_bytes(p, 300, 22);
	PROG_CLIENT(p, OP(SEND, req), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 100, -1, 100);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[1], TH_ACK, iss + 1, IRS + 1);
	assert_int_equal(P[1].len, 100);
	struct tcb *t = client_tcb();
	/* their FIN, acknowledging nothing of ours */
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_FIN,
		  .wnd = 100);
	check_seg(out1(CSLOT), TH_ACK, iss + 101, IRS + 2);
	assert_int_equal(t->state, TCP_CLOSE_WAIT);
	assert_true(t->flags & TF_PEER_FIN);
	/* the window opens: the rest, and our FIN on its last segment */
	TO_CLIENT(.seq = IRS + 2, .ack = iss + 101, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 2);
	check_seg(&P[0], TH_ACK, iss + 101, IRS + 2);
	check_seg(&P[1], TH_ACK | TH_PSH | TH_FIN, iss + 201, IRS + 2);
	assert_int_equal(P[1].len, 100);
	assert_int_equal(t->state, TCP_LAST_ACK);
	/* an ACK short of the FIN keeps LAST_ACK */
	TO_CLIENT(.seq = IRS + 2, .ack = iss + 301, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->state, TCP_LAST_ACK);
	TO_CLIENT(.seq = IRS + 2, .ack = iss + 302, .flags = TH_ACK, .wnd = 1000);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->c_bytes_tx, 300);
}

/* A server {RECV_BYTES 10, RECV_EOF, SEND 40, CLOSE} driven to LAST_ACK:
 * the client sends 10 bytes and half-closes, the server answers and
 * closes. The peer's ISS is LA_IRS; returns our ISS, *resp the response. */
#define LA_IRS 777u
static uint32_t server_to_last_ack(uint32_t *resp)
{
	struct teng_plan *p = plan_new();
	*resp = plan_bytes(p, 40, 23);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(RECV_EOF, 0),
	     OP(SEND, *resp), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(LA_IRS, 1460, 7, 65535);
	TO_SERVER(.seq = LA_IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512);
	struct tcb *t = server_tcb();
	TO_SERVER(.seq = LA_IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512,
		  .data = "0123456789", .len = 10);
	check_seg(out1(SSLOT), TH_ACK, iss + 1, LA_IRS + 11);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	TO_SERVER(.seq = LA_IRS + 11, .ack = iss + 1, .flags = TH_ACK | TH_FIN,
		  .wnd = 512);
	struct pkt *r = out1(SSLOT);
	check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, LA_IRS + 12);
	assert_int_equal(r->len, 40);
	assert_memory_equal(r->data, payload_of(*resp), 40);
	assert_int_equal(t->state, TCP_LAST_ACK);
	return iss;
}

static void test_server_close_paths(void **state)
{
	(void)state;
	uint32_t resp, iss = server_to_last_ack(&resp);
	TO_SERVER(.seq = LA_IRS + 12, .ack = iss + 42, .flags = TH_ACK, .wnd = 512);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_accepted, 1);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed, 0);
	assert_int_equal(F.w->st->s_active, 0);
}

static void test_last_ack_reset(void **state)
{
	(void)state;
	/* LAST_ACK, our FIN's ACK lost, and the peer has forgotten the
	 * connection (its TIME_WAIT over or never kept): its RST answers our
	 * FIN. Both FINs passed and the program got all it expected, so
	 * the connection is closed without an error (RFC 9293 3.10.7.4) and
	 * counts as completed; before LAST_ACK the same RST is a failure. */
	uint32_t resp, iss = server_to_last_ack(&resp);
	struct tcb *t = server_tcb();
	/* not at RCV.NXT: a challenge ACK, still LAST_ACK */
	TO_SERVER(.seq = LA_IRS + 13, .flags = TH_RST);
	check_seg(out1(SSLOT), TH_ACK, iss + 42, LA_IRS + 12);
	assert_int_equal(t->state, TCP_LAST_ACK);
	TO_SERVER(.seq = LA_IRS + 12, .flags = TH_RST);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(CTR->rst_rx, 1);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed, 0);
	/* a second connection reset while the program still waits: failed */
	uint32_t iss2 = server_syn(LA_IRS + 5000, 1460, 7, 65535);
	TO_SERVER(.seq = LA_IRS + 5001, .ack = iss2 + 1, .flags = TH_ACK, .wnd = 512);
	TO_SERVER(.seq = LA_IRS + 5001, .flags = TH_RST);
	assert_int_equal(CTR->s_failed, 1);
	assert_int_equal(CTR->s_fail[TENG_REASON_RESET], 1);
	assert_int_equal(CTR->s_completed, 1);
}

/* server_to_last_ack, then, when data_acked, the peer acknowledges the
 * response but not the FIN. */
static uint32_t server_last_ack_fin_out(int data_acked)
{
	uint32_t resp, iss = server_to_last_ack(&resp);
	if (data_acked) {
		TO_SERVER(.seq = LA_IRS + 12, .ack = iss + 41, .flags = TH_ACK, .wnd = 512);
		assert_int_equal(out(SSLOT), 0);
	}
	return iss;
}

/* LAST_ACK, the program done, our data acknowledged and our FIN never:
 * after max_retries the peer is reset and the connection counts as
 * completed (close_unacked), as a reset there would. With the data
 * itself unacknowledged it fails (the peer may never have had it); so
 * does a connection that closed first (FIN_WAIT_1) and gives up the
 * same way: it has not seen the peer's FIN. */
static void test_last_ack_unacked(void **state)
{
	(void)state;
	for (int data_acked = 1; data_acked >= 0; data_acked--) {
		uint32_t iss = server_last_ack_fin_out(data_acked);
		F.w->max_retries = 2;
		uint32_t now = F.w->now_ms;
		for (int i = 1; i <= 2; i++) {
			now += 10000;
			run_timers_at(now);
			struct pkt *r = out1(SSLOT);
			if (data_acked) {
				check_seg(r, TH_ACK | TH_FIN, iss + 41, LA_IRS + 12);
				assert_int_equal(r->len, 0);
			} else {
				check_seg(r, TH_ACK | TH_PSH | TH_FIN, iss + 1, LA_IRS + 12);
				assert_int_equal(r->len, 40);
			}
			assert_int_equal(CTR->rtx_fin + CTR->rtx_data, (uint64_t)i);
		}
		assert_non_null(server_tcb());
		now += 60000;
		run_timers_at(now);
		check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 42, LA_IRS + 12);
		assert_null(server_tcb());
		assert_int_equal(CTR->s_completed, (uint64_t)data_acked);
		assert_int_equal(CTR->s_failed, (uint64_t)!data_acked);
		assert_int_equal(CTR->close_unacked, (uint64_t)data_acked);
		assert_int_equal(CTR->timeouts, 1);
		assert_int_equal(F.w->st->s_active, 0);
		fx_teardown(NULL);
	}

	struct teng_plan *p = plan_new();
	uint32_t r20 = plan_bytes(p, 20, 5);
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(SEND, r20), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(LA_IRS, 1460, 7, 65535);
	TO_SERVER(.seq = LA_IRS + 1, .ack = iss + 1, .flags = TH_ACK | TH_PSH, .wnd = 512,
		  .data = "0123456789", .len = 10);
	check_seg(out1(SSLOT), TH_ACK | TH_PSH | TH_FIN, iss + 1, LA_IRS + 11);
	assert_int_equal(server_tcb()->state, TCP_FIN_WAIT_1);
	F.w->max_retries = 0;
	run_timers_at(F.w->now_ms + 1000);
	check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 22, LA_IRS + 11);
	assert_null(server_tcb());
	assert_int_equal(CTR->s_completed, 0);
	assert_int_equal(CTR->s_failed, 1);
	assert_int_equal(CTR->s_fail[TENG_REASON_RETRIES], 1);
	assert_int_equal(CTR->close_unacked, 0);
}

/* The drain ends (tcp_abort) with a connection in LAST_ACK, its program
 * done: with its data acknowledged only the ACK of its FIN is missing,
 * its FIN's retransmissions backed off past the drain (under loss), so
 * it is reset and counts as completed (close_unacked, no timeout); with
 * its data unacknowledged it fails, reason aborted. */
static void test_drain_end_last_ack(void **state)
{
	(void)state;
	for (int data_acked = 1; data_acked >= 0; data_acked--) {
		uint32_t iss = server_last_ack_fin_out(data_acked);
		assert_int_equal(tcp_abort(F.w, server_tcb(), TENG_REASON_ABORTED), data_acked);
		worker_tx_flush(F.w);
		check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 42, LA_IRS + 12);
		assert_null(server_tcb());
		assert_int_equal(CTR->s_completed, (uint64_t)data_acked);
		assert_int_equal(CTR->s_failed, (uint64_t)!data_acked);
		assert_int_equal(CTR->s_fail[TENG_REASON_ABORTED], (uint64_t)!data_acked);
		assert_int_equal(CTR->close_unacked, (uint64_t)data_acked);
		assert_int_equal(CTR->timeouts, 0);
		assert_int_equal(F.w->st->s_active, 0);
		fx_teardown(NULL);
	}
}

static void test_fin_before_recv_done(void **state)
{
	(void)state;
	/* the peer closes before RECV_BYTES 50 is satisfied: abort */
	uint32_t iss = client_txn(0, 0);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_FIN,
		  .wnd = 1000, .data = RESP, .len = 20);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 31, IRS + 22);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_completed, 0);
	assert_int_equal(CTR->rst_tx, 1);
	assert_int_equal(CTR->c_bytes_rx, 20);
}

static void test_idle_timeout_established(void **state)
{
	(void)state;
	/* idle limit 200 ms; the timer armed at connect (0 ms) is due at
	 * 200 */
	uint32_t iss = client_txn(0, 200);
	struct tcb *t = client_tcb();
	/* progress at 1 ms: part of the response */
	run_timers_at(1);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK, .wnd = 1000,
		  .data = RESP, .len = 10);
	check_seg(out1(CSLOT), TH_ACK, iss + 31, IRS + 11);
	assert_int_equal(t->last_ms, 1);
	run_timers_at(199);
	assert_int_equal(out(CSLOT), 0);
	/* at 200 the connection has been idle 199 ms, one short of the
	 * limit: the timer waits for the rest */
	run_timers_at(200);
	assert_int_equal(out(CSLOT), 0);
	assert_ptr_equal(client_tcb(), t);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(CTR->timeouts, 0);
	/* 200 ms without progress: RST, failed */
	run_timers_at(201);
	check_seg(out1(CSLOT), TH_RST | TH_ACK, iss + 31, IRS + 11);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->c_completed, 0);
	assert_int_equal(CTR->rst_tx, 1);
	assert_int_equal(F.w->st->c_active, 0);
	assert_int_equal(F.w->tw.armed, 0);
}

static void test_idle_timeout_syn_sent(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.idle_timeout_ms = 200;
	PROG_CLIENT(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	client_syn();
	run_timers_at(199);
	assert_non_null(client_tcb());
	/* no RST for a SYN never answered */
	run_timers_at(200);
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->c_failed, 1);
	assert_int_equal(CTR->rst_tx, 0);
}

static void test_idle_timeout_long_stall(void **state)
{
	(void)state;
	/* SYN_RCVD on the server, then the clock jumps 60 s, well past the
	 * 4096-slot wheel: one RST, one timeout */
	struct teng_plan *p = plan_new();
	p->tcp.idle_timeout_ms = 300;
	PROG_SERVER(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	const uint32_t irs = 4242;
	uint32_t iss = server_syn(irs, 1460, 7, 65535);
	run_timers_at(60000);
	check_seg(out1(SSLOT), TH_RST | TH_ACK, iss + 1, irs + 1);
	assert_null(server_tcb());
	assert_int_equal(CTR->timeouts, 1);
	assert_int_equal(CTR->s_failed, 1);
	assert_int_equal(F.w->st->s_active, 0);
	run_timers_at(120000);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(CTR->timeouts, 1);
}

static void test_clock_continuity(void **state)
{
	(void)state;
	/* now_us and now_ms are used modulo 2^32 (latency and idle time
	 * are differences), so 1 ms of TSC must advance them by 1 ms at
	 * every instant of a run, including where tsc * 10^6 (or * 10^3)
	 * passes 2^64: with a 2.5 GHz TSC that is 2 h 3 min into a run
	 * for now_us (85 days for now_ms). */
	static struct worker w;
	struct worker_ctl ctl = { .tsc0 = 1000, .hz = 2500000000ull };
	w.ctl = &ctl;
	const uint64_t ms = ctl.hz / 1000;
	const uint64_t at[] = {
		3600 * ctl.hz,            /* 1 h: no overflow anywhere */
		UINT64_MAX / 1000000 + 7, /* d * 10^6 wraps within the step */
		UINT64_MAX / 1000 + 7,    /* d * 10^3 wraps within the step */
	};
	for (int i = 0; i < 3; i++) {
		worker_clock(&w, ctl.tsc0 + at[i] - ms / 2);
		uint32_t us0 = w.now_us, ms0 = w.now_ms;
		worker_clock(&w, ctl.tsc0 + at[i] + ms / 2);
		print_message("at %.0f s: +%u us, +%u ms\n",
			      (double)at[i] / (double)ctl.hz, w.now_us - us0,
			      w.now_ms - ms0);
		assert_in_range(w.now_us - us0, 999, 1001);
		assert_in_range(w.now_ms - ms0, 0, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_active_close),
		FSM_TEST(test_time_wait_held),
		FSM_TEST(test_simultaneous_close),
		FSM_TEST(test_passive_close),
		FSM_TEST(test_server_close_paths),
		FSM_TEST(test_last_ack_reset),
		FSM_TEST(test_last_ack_unacked),
		FSM_TEST(test_drain_end_last_ack),
		FSM_TEST(test_fin_before_recv_done),
		FSM_TEST(test_idle_timeout_established),
		FSM_TEST(test_idle_timeout_syn_sent),
		FSM_TEST(test_idle_timeout_long_stall),
		cmocka_unit_test(test_clock_continuity),
	};
	FSM_MAIN(tests);
}
