/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT without a TCB (tw.h): the table alone (insert, lookup,
 * expiry, sweep, eviction, restart), then through the real receive path
 * (a retransmitted FIN answered and the wait restarted, RSTs, SYNs
 * reusing a server tuple, the client tuple allocator refusing a waiting
 * tuple and taking it once the wait is over).
 */
#include <stdlib.h>

#include "fsm_util.h"
#include "tw.h"

/* ---- the table ---- */

static void *t_calloc(size_t n, size_t size, int socket)
{
	(void)socket;
	return calloc(n, size);
}

static struct tw_entry server_entry(uint32_t k)
{
	struct tw_entry e;
	memset(&e, 0, sizeof(e));
	e.lip = 0x01010101;
	e.rip = 0x02000000 + k;
	e.lport = 80;
	e.rport = (uint16_t)(1000 + k);
	e.snd_nxt = 100 + k;
	e.rcv_nxt = 200 + k;
	e.role = ROLE_SERVER;
	return e;
}

static struct tw_entry client_entry(uint32_t slot)
{
	struct tw_entry e = server_entry(slot);
	e.role = ROLE_CLIENT;
	e.tuple = slot;
	return e;
}

static uint32_t find(struct tw_table *tt, struct conn_table *ct, uint32_t k, uint32_t now)
{
	struct tw_entry e = server_entry(k);
	return tw_lookup(tt, ct, conn_hash4(e.rip, e.rport, e.lip, e.lport), e.rip, e.rport, e.lip,
			 e.lport, now);
}

static void test_table(void **state)
{
	(void)state;
	struct conn_table ct;
	struct tw_table tt;
	assert_int_equal(conn_init(&ct, 16, 64, t_calloc, 0), 0);
	assert_int_equal(tw_init(&tt, 64, 500, t_calloc, 0), 0);
	assert_int_equal(tw_init(&(struct tw_table){ 0 }, 48, 500, t_calloc, 0), -1); /* not 2^k */
	int ev;
	/* server entries at 0, 10, .. 90 ms; client ones in tuple slots */
	for (uint32_t k = 0; k < 10; k++) {
		struct tw_entry e = server_entry(k);
		tw_add(&tt, &ct, &e, k * 10, &ev);
		assert_false(ev);
	}
	for (uint32_t s = 0; s < 3; s++) {
		struct tw_entry e = client_entry(s);
		uint32_t i = tw_add(&tt, &ct, &e, 100, &ev);
		assert_int_equal(conn_tuple_get(&ct, s), TW_TAG | i);
	}
	assert_int_equal(tt.live, 13);
	uint32_t i3 = find(&tt, &ct, 3, 200);
	assert_int_not_equal(i3, TW_NIL);
	assert_int_equal(tw_entry(&tt, i3)->rcv_nxt, 203);
	assert_int_equal(tw_entry(&tt, i3)->expire, 530);
	assert_int_equal(find(&tt, &ct, 42, 200), TW_NIL);
	/* lazy expiry: at 535 entry 3 has expired, a lookup removes it */
	assert_int_equal(find(&tt, &ct, 3, 535), TW_NIL);
	assert_int_equal(tt.live, 12);
	assert_int_not_equal(find(&tt, &ct, 4, 535), TW_NIL);
	/* the sweep, bounded, from the oldest: at 555, 0..5 are due (3 gone) */
	assert_int_equal(tw_sweep(&tt, &ct, 555, 2), 2);
	assert_int_equal(tw_sweep(&tt, &ct, 555, 100), 3);
	assert_int_equal(tw_sweep(&tt, &ct, 555, 100), 0);
	assert_int_equal(tt.live, 7);
	assert_int_equal(find(&tt, &ct, 5, 555), TW_NIL);
	assert_int_not_equal(find(&tt, &ct, 6, 555), TW_NIL);
	/* remove a client entry: its tuple slot is free again */
	tw_remove(&tt, &ct, conn_tuple_get(&ct, 1) & ~TW_TAG);
	assert_int_equal(conn_tuple_get(&ct, 1), TCB_NIL);
	/* everything is due at 600 */
	assert_int_equal(tw_sweep(&tt, &ct, 600, 100), 6);
	assert_int_equal(tt.live, 0);
	assert_int_equal(tt.tail, tt.head);
	assert_int_equal(conn_tuple_get(&ct, 0), TCB_NIL);
	assert_int_equal(conn_tuple_get(&ct, 2), TCB_NIL);
	assert_int_equal(tt.hashed, 0);
	for (uint32_t w = 0; w < (tt.bucket_mask + 1) * TW_BUCKET_WORDS; w++)
		assert_int_equal(tt.bucket[w], 0);
	tw_fini(&tt, free);
	conn_fini(&ct, free);
}

static void test_eviction_restart(void **state)
{
	(void)state;
	struct conn_table ct;
	struct tw_table tt;
	assert_int_equal(conn_init(&ct, 16, 64, t_calloc, 0), 0);
	assert_int_equal(tw_init(&tt, 64, 1000, t_calloc, 0), 0);
	int ev, evicted = 0;
	/* entry 0 a client's (tuple slot 5), then 63 server entries: full */
	struct tw_entry c = client_entry(5);
	tw_add(&tt, &ct, &c, 0, &ev);
	for (uint32_t k = 1; k < 64; k++) {
		struct tw_entry e = server_entry(k);
		tw_add(&tt, &ct, &e, k, &ev);
		evicted += ev;
	}
	assert_int_equal(evicted, 0);
	assert_int_equal(tt.live, 64);
	/* entry 1's wait restarts: it moves to the newest place */
	uint32_t i1 = find(&tt, &ct, 1, 100);
	uint32_t n1 = tw_restart(&tt, &ct, i1, 500);
	assert_int_not_equal(n1, i1);
	assert_int_equal(tw_entry(&tt, n1)->expire, 1500);
	assert_int_equal(find(&tt, &ct, 1, 600), n1);
	/* ... which took a place while its old one is still a hole in the
	 * ring: the oldest (the client's) was evicted, its tuple freed */
	assert_int_equal(tt.live, 63);
	assert_int_equal(conn_tuple_get(&ct, 5), TCB_NIL);
	/* the tail passes the hole: one more fits, the next evicts the
	 * oldest, entry 2 (entry 1 was moved) */
	struct tw_entry e = server_entry(100);
	tw_add(&tt, &ct, &e, 600, &ev);
	assert_false(ev);
	e = server_entry(101);
	tw_add(&tt, &ct, &e, 600, &ev);
	assert_true(ev);
	assert_int_equal(tt.live, 64);
	assert_int_equal(find(&tt, &ct, 2, 600), TW_NIL);
	assert_int_not_equal(find(&tt, &ct, 3, 600), TW_NIL);
	assert_int_not_equal(find(&tt, &ct, 101, 600), TW_NIL);
	/* at 1100 all but entry 1 (1500), 100 and 101 (1600) are due; the
	 * sweep stops at entry 1, in order of expiry */
	assert_int_equal(tw_sweep(&tt, &ct, 1100, 1000), 61);
	assert_int_equal(tt.live, 3);
	assert_int_equal(tw_sweep(&tt, &ct, 1499, 1000), 0);
	assert_int_equal(tw_sweep(&tt, &ct, 1500, 1000), 1);
	assert_int_equal(tw_sweep(&tt, &ct, 1600, 1000), 2);
	assert_int_equal(tt.live, 0);
	/* the restart of the newest entry keeps its place */
	e = server_entry(7);
	uint32_t i7 = tw_add(&tt, &ct, &e, 2000, &ev);
	assert_int_equal(tw_restart(&tt, &ct, i7, 2100), i7);
	assert_int_equal(tw_entry(&tt, i7)->expire, 3100);
	tw_fini(&tt, free);
	conn_fini(&ct, free);
}

/* Server entries whose tuples all hash to one bucket: the first 15 fill
 * it, the next go to the following buckets (counted in the first), all
 * are found, and once the TW_PROBE buckets are full one more is not kept
 * (as if evicted: TW_NIL) while the rest stay found. Removed in a
 * scattered order, they leave every bucket empty. */
static void test_bucket_overflow(void **state)
{
	(void)state;
	struct conn_table ct;
	struct tw_table tt;
	assert_int_equal(conn_init(&ct, 16, 64, t_calloc, 0), 0);
	assert_int_equal(tw_init(&tt, 128, 1000, t_calloc, 0), 0); /* 32 buckets */
	uint32_t keys[TW_PROBE * TW_BUCKET_SLOTS + 1], n = 0, home = UINT32_MAX;
	for (uint32_t k = 0; n < TW_PROBE * TW_BUCKET_SLOTS + 1 && k < 10000000; k++) {
		struct tw_entry e = server_entry(k);
		uint32_t b = conn_hash4(e.rip, e.rport, e.lip, e.lport) & tt.bucket_mask;
		if (home == UINT32_MAX)
			home = b;
		if (b == home)
			keys[n++] = k;
	}
	assert_int_equal(n, TW_PROBE * TW_BUCKET_SLOTS + 1);
	int ev;
	uint32_t idx[TW_PROBE * TW_BUCKET_SLOTS];
	for (uint32_t j = 0; j < TW_PROBE * TW_BUCKET_SLOTS; j++) {
		struct tw_entry e = server_entry(keys[j]);
		idx[j] = tw_add(&tt, &ct, &e, 0, &ev);
		assert_false(ev);
		assert_int_not_equal(idx[j], TW_NIL);
	}
	assert_int_equal(tt.bucket[home * TW_BUCKET_WORDS + TW_BUCKET_SLOTS],
			 (TW_PROBE - 1) * TW_BUCKET_SLOTS);
	struct tw_entry last = server_entry(keys[TW_PROBE * TW_BUCKET_SLOTS]);
	assert_int_equal(tw_add(&tt, &ct, &last, 0, &ev), TW_NIL);
	assert_true(ev);
	assert_int_equal(tt.live, TW_PROBE * TW_BUCKET_SLOTS);
	assert_int_equal(find(&tt, &ct, keys[TW_PROBE * TW_BUCKET_SLOTS], 10), TW_NIL);
	for (uint32_t j = 0; j < TW_PROBE * TW_BUCKET_SLOTS; j++)
		assert_int_equal(find(&tt, &ct, keys[j], 10), idx[j]);
	/* a tuple never added is not found */
	assert_int_equal(find(&tt, &ct, 10000001, 10), TW_NIL);
	for (uint32_t j = 0; j < TW_PROBE * TW_BUCKET_SLOTS; j++) {
		uint32_t r = (j * 37) % (TW_PROBE * TW_BUCKET_SLOTS); /* 37 is prime to 60 */
		tw_remove(&tt, &ct, idx[r]);
		assert_int_equal(find(&tt, &ct, keys[r], 10), TW_NIL);
	}
	assert_int_equal(tt.live, 0);
	assert_int_equal(tt.hashed, 0);
	for (uint32_t w = 0; w < (tt.bucket_mask + 1) * TW_BUCKET_WORDS; w++)
		assert_int_equal(tt.bucket[w], 0);
	tw_fini(&tt, free);
	conn_fini(&ct, free);
}

static void test_size(void **state)
{
	(void)state;
	assert_int_equal(tw_size(0, 1e6, 1u << 20), 0);       /* off */
	assert_int_equal(tw_size(1000, 0, 4608), 4096);        /* half the TCBs, 2^k */
	assert_int_equal(tw_size(1000, 100000, 4608), 131072); /* 125,000 in one hold */
	assert_int_equal(tw_size(60000, 1e6, 4608), TW_MAX);
	assert_int_equal(tw_size(10, 0, 10), 64);
}

/* ---- through the receive path ---- */

static const uint32_t IRS = 0x70000000u;

/* A server {RECV_BYTES 10, CLOSE}: it closes first, the client's FIN
 * takes it to TIME_WAIT (time_wait ms). Returns the server's ISS. */
static uint32_t server_to_time_wait(uint32_t time_wait)
{
	struct teng_plan *p = plan_new();
	p->tcp.time_wait_ms = time_wait;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = server_syn(IRS, 1460, 7, 65535);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512);
	TO_SERVER(.seq = IRS + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 512,
		  .data = "0123456789", .len = 10);
	uint32_t n = out(SSLOT);
	assert_true(n >= 1);
	check_seg(&P[n - 1], TH_ACK | TH_FIN, iss + 1, IRS + 11);
	TO_SERVER(.seq = IRS + 11, .ack = iss + 2, .flags = TH_ACK | TH_FIN, .wnd = 512);
	check_seg(out1(SSLOT), TH_ACK, iss + 2, IRS + 12);
	assert_null(server_tcb());
	assert_int_equal(F.w->ct.nfree, F.w->ct.size);
	assert_int_equal(F.w->timewait.live, 1);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(F.w->st->s_active, 0);
	return iss;
}

static void test_server_fin_again(void **state)
{
	(void)state;
	uint32_t iss = server_to_time_wait(1000);
	/* their FIN again at 600 (our ACK was lost): ACKed, wait restarted */
	set_ms(600);
	TO_SERVER(.seq = IRS + 11, .ack = iss + 2, .flags = TH_ACK | TH_FIN, .wnd = 512);
	struct pkt *a = out1(SSLOT);
	check_seg(a, TH_ACK, iss + 2, IRS + 12);
	assert_int_equal(a->wnd, (F.plan->tcp.rcv_wnd + 127) >> 7); /* scaled as agreed */
	/* a bare ACK: nothing; data: ACKed; a RST out of place: dropped */
	TO_SERVER(.seq = IRS + 12, .ack = iss + 2, .flags = TH_ACK, .wnd = 512);
	assert_int_equal(out(SSLOT), 0);
	TO_SERVER(.seq = IRS + 12, .ack = iss + 2, .flags = TH_ACK, .wnd = 512,
		  .data = "abc", .len = 3);
	check_seg(out1(SSLOT), TH_ACK, iss + 2, IRS + 12);
	TO_SERVER(.seq = IRS + 500, .flags = TH_RST);
	assert_int_equal(out(SSLOT), 0);
	/* a SYN not above RCV.NXT: an ACK, no new connection */
	TO_SERVER(.seq = IRS + 5, .flags = TH_SYN, .wnd = 512);
	check_seg(out1(SSLOT), TH_ACK, iss + 2, IRS + 12);
	assert_null(server_tcb());
	assert_int_equal(F.w->timewait.live, 1);
	/* the wait counts from 600 now: held at 1599, gone at 1600 */
	run_timers_at(1010);
	assert_int_equal(F.w->timewait.live, 1);
	run_timers_at(1599);
	assert_int_equal(F.w->timewait.live, 1);
	run_timers_at(1600);
	assert_int_equal(F.w->timewait.live, 0);
	/* no TIME_WAIT now: as for any segment of no connection, a RST */
	TO_SERVER(.seq = IRS + 12, .ack = iss + 2, .flags = TH_ACK | TH_FIN, .wnd = 512);
	check_seg(out1(SSLOT), TH_RST, iss + 2, 0);
	assert_int_equal(CTR->drops_no_connection, 1);
	assert_int_equal(CTR->s_completed, 1);
	assert_int_equal(CTR->s_failed, 0);
	assert_int_equal(CTR->rst_rx, 0);
	assert_int_equal(CTR->rst_tx, 1);
}

static void test_server_rst_and_reuse(void **state)
{
	(void)state;
	uint32_t iss = server_to_time_wait(1000);
	/* a RST at RCV.NXT ends the wait */
	TO_SERVER(.seq = IRS + 12, .flags = TH_RST);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(CTR->rst_rx, 1);
	/* again in TIME_WAIT (a new connection on the same tuple, closed the
	 * same way), then a SYN above RCV.NXT takes the tuple over */
	uint32_t irs2 = IRS + 100000;
	uint32_t iss2 = server_syn(irs2, 1460, 7, 65535);
	TO_SERVER(.seq = irs2 + 1, .ack = iss2 + 1, .flags = TH_ACK, .wnd = 512,
		  .data = "0123456789", .len = 10);
	uint32_t n = out(SSLOT);
	check_seg(&P[n - 1], TH_ACK | TH_FIN, iss2 + 1, irs2 + 11);
	TO_SERVER(.seq = irs2 + 11, .ack = iss2 + 2, .flags = TH_ACK | TH_FIN, .wnd = 512);
	check_seg(out1(SSLOT), TH_ACK, iss2 + 2, irs2 + 12);
	assert_int_equal(F.w->timewait.live, 1);
	assert_int_equal(CTR->s_completed, 2);
	uint32_t irs3 = irs2 + 50000;
	server_syn(irs3, 1460, 7, 65535); /* checks the SYN-ACK and the TCB */
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(CTR->s_failed, 0);
	assert_int_equal(CTR->rst_tx, 0);
	(void)iss;
}

/* Client {SEND 30, RECV_BYTES 50, CLOSE}: it closes first and holds
 * TIME_WAIT on its first tuple (slot 0). */
static void client_to_time_wait(uint32_t time_wait)
{
	static const uint8_t resp[50] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM";
	struct teng_plan *p = plan_new();
	p->tcp.time_wait_ms = time_wait;
	uint32_t req = plan_bytes(p, 30, 21);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 50), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = resp, .len = 50);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	assert_null(client_tcb());
	assert_true(tw_tagged(conn_tuple_get(&F.w->ct, 0)));
	assert_int_equal(CTR->c_completed, 1);
	/* the FIN again: ACKed from the table */
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	/* a segment from another remote end to this tuple is no connection's */
	inject(CSLOT, &(struct tseg){ .sip = SERVER_IP + 1, .dip = CLIENT_IP,
				      .sport = SERVER_PORT, .dport = CLIENT_PORT,
				      .seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK });
	check_seg(out1(CSLOT), TH_RST, iss + 32, 0);
	assert_true(tw_tagged(conn_tuple_get(&F.w->ct, 0)));
}

static int connect_now(void)
{
	int rc = tcp_connect(F.w, F.w->now_us);
	worker_tx_flush(F.w);
	return rc;
}

static void test_client_tuple_refused(void **state)
{
	(void)state;
	client_to_time_wait(1000);
	/* the other three tuples of the pool (ports +1..+3) */
	for (int k = 0; k < 3; k++)
		assert_int_equal(connect_now(), 0);
	assert_int_equal(out(CSLOT), 3);
	for (int k = 0; k < 3; k++)
		assert_int_equal(P[k].sport, CLIENT_PORT + 1 + k);
	assert_int_equal(CTR->tw_reuse_refused, 0);
	/* the pool's only free tuple waits: none to take, refused once */
	assert_int_equal(connect_now(), -1);
	assert_int_equal(connect_now(), -1);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->tw_reuse_refused, 1);
	assert_int_equal(CTR->c_attempted, 4);
	/* at 1000 the wait is over: taken (found expired, no sweep ran) */
	set_ms(999);
	assert_int_equal(connect_now(), -1);
	set_ms(1000);
	assert_int_equal(connect_now(), 0);
	struct pkt *syn = out1(CSLOT);
	assert_int_equal(syn->flags, TH_SYN);
	assert_int_equal(syn->sport, CLIENT_PORT);
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(CTR->tw_reuse_refused, 1);
	struct tcb *t = client_tcb();
	assert_non_null(t);
	assert_int_equal(t->state, TCP_SYN_SENT);
	assert_int_equal(CTR->c_attempted, 5);
}

static void test_client_rst_ends_wait(void **state)
{
	(void)state;
	client_to_time_wait(1000);
	/* out of place: kept; exact: gone, the tuple free */
	TO_CLIENT(.seq = IRS + 60, .flags = TH_RST);
	assert_true(tw_tagged(conn_tuple_get(&F.w->ct, 0)));
	TO_CLIENT(.seq = IRS + 52, .flags = TH_RST);
	assert_int_equal(conn_tuple_get(&F.w->ct, 0), TCB_NIL);
	assert_int_equal(F.w->timewait.live, 0);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->rst_rx, 1);
}

static void test_time_wait_off(void **state)
{
	(void)state;
	/* time_wait 0: no table, the tuple free at once */
	struct teng_plan *p = plan_new();
	p->tcp.time_wait_ms = 0;
	fx_start(p);
	assert_int_equal(F.w->timewait.cap, 0);
	assert_int_equal(F.w->timewait.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_eviction_restart),
		cmocka_unit_test(test_bucket_overflow),
		cmocka_unit_test(test_size),
		FSM_TEST(test_server_fin_again),
		FSM_TEST(test_server_rst_and_reuse),
		FSM_TEST(test_client_tuple_refused),
		FSM_TEST(test_client_rst_ends_wait),
		FSM_TEST(test_time_wait_off),
	};
	FSM_MAIN(tests);
}
