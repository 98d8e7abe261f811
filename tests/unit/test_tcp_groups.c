/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several kinds of traffic in one plan, as the TCP side sees them:
 * weighted client templates over their own address pools and
 * destinations, several listeners with their own programs, failures
 * counted by reason and per group, latency from the intended start.
 */
#include "fsm_util.h"

#define CLIENT2_IP IP4(10, 0, 2, 1)
#define SERVER2_PORT 81

static struct teng_counters *group(uint32_t g)
{
	return &F.w->st->group[g];
}

/* Two templates, 1:3 by weight, each with its own pool and destination. */
static struct teng_plan *two_templates(void)
{
	struct teng_plan *p = plan_new();
	p->npools = 2;
	p->pools[1].ip_lo = p->pools[1].ip_hi = CLIENT2_IP;
	p->pools[1].port_lo = 20000;
	p->pools[1].port_hi = 20999;
	p->pools[0].port_hi = CLIENT_PORT + 999;
	p->ntemplates = 2;
	p->templates[0].cum_weight = UINT32_MAX / 4;
	p->templates[1] = p->templates[0];
	p->templates[1].cum_weight = UINT32_MAX;
	p->templates[1].pool = 1;
	p->templates[1].dst_port = SERVER2_PORT;
	p->max_open = 1000;
	return p;
}

static void test_weighted_templates(void **state)
{
	(void)state;
	fx_start(two_templates());
	uint32_t from[2] = { 0, 0 };
	for (int i = 0; i < 400; i++) {
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
		worker_tx_flush(F.w);
		struct pkt *s = out1(CSLOT);
		assert_int_equal(s->flags, TH_SYN);
		int second = s->sip == CLIENT2_IP;
		assert_true(second || s->sip == CLIENT_IP);
		/* each template's own destination and port range */
		assert_int_equal(s->dport, second ? SERVER2_PORT : SERVER_PORT);
		assert_true(second ? s->sport >= 20000 && s->sport <= 20999 :
				     s->sport >= CLIENT_PORT && s->sport < CLIENT_PORT + 1000);
		from[second]++;
	}
	assert_int_equal(group(0)->c_attempted, from[0]);
	assert_int_equal(group(1)->c_attempted, from[1]);
	assert_int_equal(CTR->c_attempted, 400);
	/* 1 in 4 from the first: 100 expected; a seeded run is exact, a
	 * loose band keeps the test about the weights, not the seed */
	assert_in_range(from[0], 60, 140);
	/* the same seed gives the same split */
	uint32_t first = from[0];
	fx_teardown(NULL);
	fx_start(two_templates());
	/* answers find their connection in either pool (arithmetic lookup):
	 * each refused, counted in its own group */
	uint32_t n = 0;
	for (int i = 0; i < 400; i++) {
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
		worker_tx_flush(F.w);
		struct pkt *s = out1(CSLOT);
		struct tseg r = { .sip = s->dip, .dip = s->sip, .sport = s->dport,
				  .dport = s->sport, .seq = 0, .ack = s->seq + 1,
				  .flags = TH_RST | TH_ACK };
		inject(CSLOT, &r);
		n++;
	}
	assert_int_equal(group(0)->c_attempted, first);
	assert_int_equal(n, 400);
	assert_int_equal(CTR->c_failed, 400);
	assert_int_equal(CTR->c_fail[TENG_REASON_REFUSED], 400);
	assert_int_equal(group(0)->c_fail[TENG_REASON_REFUSED], first);
	assert_int_equal(group(1)->c_fail[TENG_REASON_REFUSED], 400 - first);
	assert_int_equal(F.w->st->c_active, 0);
	assert_int_equal(CTR->drops_no_connection, 0);
}

static void to_port(uint16_t port, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct tseg t = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = port, .seq = seq, .ack = ack, .flags = flags,
			  .wnd = 1000 };
	inject(SSLOT, &t);
}

/* Each listener runs its own program; the TCB knows its listener. */
static void test_listeners(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	uint32_t a = plan_str(p, "AAAA"), b = plan_str(p, "BB");
	PROG_SERVER(p, OP(SEND, a), OP(CLOSE, 0), OP(END, 0));
	p->nlisteners = 2;
	p->listeners[1] = p->listeners[0];
	p->listeners[1].port = SERVER2_PORT;
	const struct teng_op o2[] = { OP(SEND, b), OP(CLOSE, 0), OP(END, 0) };
	p->listeners[1].prog = (uint16_t)plan_ops(p, o2, 3);
	fx_start(p);
	for (int l = 0; l < 2; l++) {
		uint16_t port = l ? SERVER2_PORT : SERVER_PORT;
		to_port(port, 100, 0, TH_SYN);
		struct pkt *s = out1(SSLOT);
		assert_int_equal(s->flags, TH_SYN | TH_ACK);
		assert_int_equal(s->sport, port);
		uint32_t iss = s->seq;
		to_port(port, 101, iss + 1, TH_ACK);
		/* the listener's own payload, then its FIN */
		uint32_t n = out(SSLOT);
		assert_true(n >= 1);
		assert_int_equal(P[0].len, l ? 2 : 4);
		assert_memory_equal(P[0].data, l ? "BB" : "AAAA", P[0].len);
		uint32_t id = conn_hash_lookup(&F.w->ct, rte_cpu_to_be_32(PEER_IP),
					       rte_cpu_to_be_16(PEER_PORT),
					       rte_cpu_to_be_32(SERVER_IP),
					       rte_cpu_to_be_16(port));
		assert_int_not_equal(id, TCB_NIL);
		assert_int_equal(tcb_of(F.w, id)->group, l);
		assert_int_equal(group(TENG_MAX_TEMPLATES + l)->s_accepted, 1);
		/* the peer resets: a failure of that listener, by reason */
		to_port(port, 101, 0, TH_RST);
		assert_int_equal(group(TENG_MAX_TEMPLATES + l)->s_fail[TENG_REASON_RESET], 1);
	}
	/* a port nobody listens on: no connection, answered with RST */
	to_port(82, 100, 0, TH_SYN);
	struct pkt *r = out1(SSLOT);
	assert_int_equal(r->flags, TH_RST | TH_ACK);
	assert_int_equal(CTR->s_fail[TENG_REASON_RESET], 2);
	assert_int_equal(CTR->s_failed, 2);
}

/* Connect latency counts from the intended start the schedule gives. */
static void test_intended_start(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_EOF, 0), OP(END, 0));
	fx_start(p);
	set_ms(50);
	/* the schedule wanted this one 30 ms ago */
	assert_int_equal(tcp_connect(F.w, F.w->now_us - 30000), 0);
	worker_tx_flush(F.w);
	uint32_t iss = out1(CSLOT)->seq;
	set_ms(52);
	client_synack(7000, iss, 1460, 7, 65535);
	out(CSLOT);
	const struct teng_hist *h = &F.w->st->phase_connect[0];
	assert_int_equal(h->total, 1);
	assert_in_range(h->max, 31900, 32100);
	/* one template: its latency is the run's, not recorded twice */
	assert_int_equal(F.w->st->group_connect[0].total, 0);
	tcp_abort(F.w, client_tcb(), TENG_REASON_ABORTED);
	worker_tx_flush(F.w);
	assert_int_equal(out1(CSLOT)->flags, TH_RST | TH_ACK);
	assert_int_equal(CTR->c_fail[TENG_REASON_ABORTED], 1);
}

/* No progress for the idle time: failed, with that reason. */
static void test_idle_reason(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.idle_timeout_ms = 300;
	p->tcp.rto_ms = 100;
	p->tcp.max_retries = 50;
	fx_start(p);
	client_syn();
	run_timers_at(100); /* the SYN again */
	assert_int_equal(out1(CSLOT)->flags, TH_SYN);
	run_timers_at(301); /* 300 ms without progress */
	assert_int_equal(out(CSLOT), 0);
	assert_null(client_tcb());
	assert_int_equal(CTR->c_fail[TENG_REASON_IDLE_TIMEOUT], 1);
	assert_int_equal(CTR->c_failed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_weighted_templates),
		FSM_TEST(test_listeners),
		FSM_TEST(test_intended_start),
		FSM_TEST(test_idle_reason),
	};
	FSM_MAIN(tests);
}
