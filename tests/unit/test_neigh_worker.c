/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table seen from a worker, through the real rx path
 * (worker_rx) on the loopback with a next-hop entry attached as run.c
 * attaches it: TCP progress from the next hop's MAC stamps the worker's
 * slot (from another MAC it does not); a forged ARP reply is counted as
 * a conflict and changes nothing; a change taken while unconfirmed
 * reaches the worker's headers through worker_neigh; the owner of queue
 * 0 probes an unconfirmed entry, another worker does not.
 */
#include "fsm_util.h"
#include <rte_arp.h>

#include "neigh.h"

static struct neigh_entry E;
static const struct rte_ether_addr FORGED = { { 0x02, 0xee, 0xee, 0xee, 0xee, 0xee } };
static const struct rte_ether_addr MOVED = { { 0x02, 0, 0, 0, 0, 0x77 } };

/* The client slot's next hop is the test's server, at the MAC the
 * loopback gives it, resolved at bring-up; the run's clock at 0. */
static void attach(void)
{
	struct worker_port *p = &F.w->port[CSLOT];
	neigh_entry_init(&E, rte_cpu_to_be_32(SERVER_IP), rte_cpu_to_be_32(CLIENT_IP), NULL, 1);
	neigh_publish(&E, &p->peer_mac);
	E.known = 1;
	neigh_epoch(&E);
	p->peer_fixed = 0;
	p->nexthop_ip = E.ip;
	p->nb = &E;
	p->nb_stamp = &E.by[0];
	p->nb_seq = neigh_read(&E, &p->peer_mac);
}

static void start_client(void)
{
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	attach();
}

/* An ARP reply claiming the test server's address at sha, to the worker. */
static void arp_reply_from(const struct rte_ether_addr *sha)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);
	assert_non_null(m);
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 60);
	memset(f, 0, 60);
	neigh_arp_request(f, sha, rte_cpu_to_be_32(SERVER_IP), rte_cpu_to_be_32(CLIENT_IP),
			  &F.w->port[CSLOT].mac);
	((struct rte_arp_hdr *)(f + RTE_ETHER_HDR_LEN))->arp_opcode =
		rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rx_mbuf(CSLOT, m);
}

/* A SYN-ACK to the worker's client from src (NULL: the next hop's MAC). */
static void synack_from(const struct rte_ether_addr *src, uint32_t iss)
{
	uint8_t o[8];
	uint32_t ol = syn_opts(o, 1460, 7);
	struct tseg s = { .sip = SERVER_IP, .dip = CLIENT_IP, .sport = SERVER_PORT,
			  .dport = CLIENT_PORT, .seq = 5000, .ack = iss + 1,
			  .flags = TH_SYN | TH_ACK, .wnd = 1000, .opt = o, .optlen = ol };
	struct rte_mbuf *m = seg_build(CSLOT, &s);
	if (src != NULL)
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = *src;
	rx_mbuf(CSLOT, m);
}

static void test_tcp_progress_stamps(void **state)
{
	(void)state;
	start_client();
	set_ms(700);
	uint32_t iss = client_syn();
	synack_from(NULL, iss);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, 5001);
	assert_int_equal(client_tcb()->state, TCP_ESTABLISHED);
	assert_int_equal(E.by[0].ms, 700);
	/* data acknowledged later (SND.UNA does not move: nothing sent):
	 * no new stamp */
	set_ms(900);
	TO_CLIENT(.seq = 5001, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = "0123456789",
		  .len = 10);
	out(CSLOT);
	assert_int_equal(E.by[0].ms, 700);
}

static void test_progress_from_other_mac_does_not_stamp(void **state)
{
	(void)state;
	start_client();
	set_ms(700);
	uint32_t iss = client_syn();
	synack_from(&FORGED, iss);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, 5001);
	assert_int_equal(client_tcb()->state, TCP_ESTABLISHED);
	assert_int_equal(E.by[0].ms, 0);
}

static void test_forged_reply_is_a_conflict(void **state)
{
	(void)state;
	start_client();
	struct rte_ether_addr real = F.w->port[CSLOT].peer_mac;
	set_ms(1000);
	arp_reply_from(&FORGED);
	assert_int_equal(CTR->arp_conflicts, 1);
	assert_int_equal(CTR->arp_replies, 1);
	worker_neigh(F.w);
	worker_tx_flush(F.w);
	assert_true(rte_is_same_ether_addr(&F.w->port[CSLOT].peer_mac, &real));
	/* the connection still goes to the real next hop (pkt_decode
	 * checks the destination MAC against the worker's copy) */
	client_syn();
}

static void test_change_reaches_headers(void **state)
{
	(void)state;
	start_client();
	uint32_t seq = F.w->port[CSLOT].nb_seq;
	set_ms(NEIGH_REACHABLE_MS + 1000); /* nothing confirmed it */
	arp_reply_from(&MOVED);
	assert_int_equal(CTR->arp_changes, 1);
	assert_int_equal(CTR->arp_conflicts, 0);
	worker_neigh(F.w);
	worker_tx_flush(F.w);
	assert_int_equal(F.w->port[CSLOT].nb_seq, seq + 2);
	assert_true(rte_is_same_ether_addr(&F.w->port[CSLOT].peer_mac, &MOVED));
	client_syn(); /* its SYN goes to MOVED */
}

/* The frames the worker sent on slot that are ARP; other frames fail. */
static uint32_t arp_out(const struct rte_ether_addr *dst)
{
	struct rte_mbuf *m[8];
	uint16_t n = rte_eth_rx_burst(g_ps.dev[1 - CSLOT], 0, m, 8);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
		assert_int_equal(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
		assert_true(rte_is_same_ether_addr(&eth->dst_addr, dst));
		assert_int_equal(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
		assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(SERVER_IP));
		assert_int_equal(a->arp_data.arp_sip, rte_cpu_to_be_32(CLIENT_IP));
		rte_pktmbuf_free(m[i]);
	}
	return n;
}

static void test_owner_probes(void **state)
{
	(void)state;
	start_client();
	struct rte_ether_addr real = F.w->port[CSLOT].peer_mac;
	set_ms(NEIGH_REACHABLE_MS);
	worker_neigh(F.w);
	worker_tx_flush(F.w);
	assert_int_equal(arp_out(&real), 0); /* still confirmed */
	set_ms(NEIGH_REACHABLE_MS + 1);
	worker_neigh(F.w);
	worker_tx_flush(F.w);
	assert_int_equal(arp_out(&real), 1); /* unicast, to the MAC in use */
	assert_int_equal(CTR->arp_probes, 1);
	/* a worker not owning queue 0 neither probes nor learns */
	F.w->port[CSLOT].queue = 1;
	set_ms(NEIGH_REACHABLE_MS + 1 + NEIGH_RETRANS_MS);
	worker_neigh(F.w);
	arp_reply_from(&MOVED);
	assert_int_equal(CTR->arp_probes, 1);
	assert_int_equal(CTR->arp_changes, 0);
	F.w->port[CSLOT].queue = 0;
	worker_tx_flush(F.w);
	assert_int_equal(arp_out(&real), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_tcp_progress_stamps),
		FSM_TEST(test_progress_from_other_mac_does_not_stamp),
		FSM_TEST(test_forged_reply_is_a_conflict),
		FSM_TEST(test_change_reaches_headers),
		FSM_TEST(test_owner_probes),
	};
	FSM_MAIN(tests);
}
