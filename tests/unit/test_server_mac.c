/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A server port with no next hop (no gateway, no static MAC) answers
 * each connection at the MAC its SYN came from, so clients behind
 * different MACs are all served, not just the first one seen.
 */
#include "fsm_util.h"

/* SYN from (sport, src MAC last byte); returns the dst MAC's last byte
 * of the SYN-ACK teng sent. */
static uint8_t syn_from(uint16_t sport, uint8_t mac_last)
{
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = sport,
			  .dport = SERVER_PORT, .seq = 1000u * sport,
			  .flags = TH_SYN, .wnd = 1000 };
	struct rte_mbuf *m = seg_build(SSLOT, &s);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, mac_last };
	memcpy(eth->src_addr.addr_bytes, mac, 6);
	rx_mbuf(SSLOT, m);
	worker_tx_flush(F.w);
	struct rte_mbuf *o[4];
	uint16_t n = rte_eth_rx_burst(g_ps.dev[1 - SSLOT], 0, o, 4);
	assert_int_equal(n, 1);
	struct rte_ether_hdr *oe = rte_pktmbuf_mtod(o[0], struct rte_ether_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)(oe + 1) + 20);
	assert_int_equal(th->tcp_flags, TH_SYN | TH_ACK);
	assert_int_equal(oe->dst_addr.addr_bytes[0], 0x02);
	uint8_t last = oe->dst_addr.addr_bytes[5];
	rte_pktmbuf_free(o[0]);
	return last;
}

static void test_reply_to_each_client_mac(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	/* a real port learning its peers: no static MAC, no next hop */
	F.w->port[SSLOT].peer_fixed = 0;
	F.w->port[SSLOT].nexthop_ip = 0;
	assert_int_equal(syn_from(4000, 0xa1), 0xa1);
	assert_int_equal(syn_from(4001, 0xb2), 0xb2);
	/* the first client's connection still answers its own MAC: its SYN
	 * again, after its timeout, gets the SYN-ACK again, to 0xa1 */
	set_ms(F.w->now_ms + 1000);
	assert_int_equal(syn_from(4000, 0xa1), 0xa1);
	assert_int_equal(CTR->drops_no_connection, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_reply_to_each_client_mac),
	};
	FSM_MAIN(tests);
}
