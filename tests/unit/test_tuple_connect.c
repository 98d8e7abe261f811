/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table kind (tuple.h) under the real worker: worker 0 of 2 keeps the
 * tuples a fake owner puts on queue 0, and only those. tcp_connect takes
 * them in slot order; a connection's segments find it through the
 * tuple -> slot array; a tuple in TIME_WAIT is not reused until its wait
 * is over (the TIME_WAIT and reuse paths work on slots, as with the
 * modulo kind); a segment to another worker's tuple is no connection of
 * this one's and is counted (not_owner).
 */
#include <stdlib.h>
#include "fsm_util.h"
#include "tuple.h"
#include "tw.h"

static const uint32_t IRS = 0x70000000u;

/* Queue 0 gets ports +0, +3, +5, +6 of the pool's eight; queue 1 the rest. */
static uint16_t fake_owner(const void *ctx, uint32_t cip, uint16_t cport, uint32_t sip,
			   uint16_t sport)
{
	(void)ctx;
	assert_int_equal(cip, CLIENT_IP);
	assert_int_equal(sip, SERVER_IP);
	assert_int_equal(sport, SERVER_PORT);
	uint16_t k = (uint16_t)(cport - CLIENT_PORT);
	return (k == 0 || k == 3 || k == 5 || k == 6) ? 0 : 1;
}
static const struct tuple_mode TABLE = { .kind = TUPLE_TABLE, .owner = fake_owner };

static int connect_now(void)
{
	int rc = tcp_connect(F.w, F.w->now_us);
	worker_tx_flush(F.w);
	return rc;
}

static void test_table_connect_time_wait(void **state)
{
	(void)state;
	static const uint8_t resp[50] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM";
	struct teng_plan *p = plan_new();
	p->cores = 2;
	p->pools[0].port_hi = CLIENT_PORT + 7;
	p->tcp.time_wait_ms = 1000;
	uint32_t req = plan_bytes(p, 30, 21);
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 50), OP(CLOSE, 0), OP(END, 0));
	FX_MODE = &TABLE;
	fx_start(p);
	FX_MODE = NULL;
	const struct worker_pool *wp = &F.w->pools[0];
	assert_non_null(wp->tuples);
	assert_int_equal(wp->nslots, 4);
	assert_int_equal(wp->tuples[0], 0);
	assert_int_equal(wp->tuples[3], 6);
	assert_int_equal(wp->slot_of[1], TUPLE_NONE);

	/* slot 0 (port +0) to TIME_WAIT, through the receive path */
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	assert_int_equal(out(CSLOT), 2);
	TO_CLIENT(.seq = IRS + 1, .ack = iss + 31, .flags = TH_ACK | TH_PSH, .wnd = 1000,
		  .data = resp, .len = 50);
	check_seg(out1(CSLOT), TH_ACK | TH_FIN, iss + 31, IRS + 51);
	TO_CLIENT(.seq = IRS + 51, .ack = iss + 32, .flags = TH_ACK | TH_FIN, .wnd = 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 32, IRS + 52);
	assert_true(tw_tagged(conn_tuple_get(&F.w->ct, 0)));
	assert_int_equal(CTR->c_completed, 1);
	assert_int_equal(CTR->not_owner, 0);

	/* the other three tuples this worker owns, in slot order */
	for (int k = 0; k < 3; k++)
		assert_int_equal(connect_now(), 0);
	assert_int_equal(out(CSLOT), 3);
	assert_int_equal(P[0].sport, CLIENT_PORT + 3);
	assert_int_equal(P[1].sport, CLIENT_PORT + 5);
	assert_int_equal(P[2].sport, CLIENT_PORT + 6);
	/* the only free one is in TIME_WAIT: refused, never another's */
	assert_int_equal(connect_now(), -1);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->tw_reuse_refused, 1);
	set_ms(1000);
	assert_int_equal(connect_now(), 0);
	struct pkt *syn = out1(CSLOT);
	assert_int_equal(syn->flags, TH_SYN);
	assert_int_equal(syn->sport, CLIENT_PORT);

	/* a SYN-ACK to port +1 (queue 1's): not this worker's, counted */
	uint64_t before = CTR->not_owner;
	inject(CSLOT, &(struct tseg){ .sip = SERVER_IP, .dip = CLIENT_IP, .sport = SERVER_PORT,
				      .dport = CLIENT_PORT + 1, .seq = IRS, .ack = 1,
				      .flags = TH_SYN | TH_ACK, .wnd = 1000 });
	assert_int_equal(CTR->not_owner, before + 1);
	/* answered as no connection's: a RST, and no TCB for it */
	struct pkt *rst = out1(CSLOT);
	assert_true(rst->flags & TH_RST);
	assert_int_equal(rst->sport, CLIENT_PORT + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_table_connect_time_wait),
	};
	FSM_MAIN(tests);
}
