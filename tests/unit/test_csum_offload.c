/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loopback's checksum offload: without --sw-csum the in-memory
 * loopback offers offload like a NIC. Every frame teng sends is marked
 * for the device (IPv4, IP and TCP checksum to fill, the lengths set,
 * the pseudo-header sum in th->cksum, the IP checksum 0) and nothing is
 * computed; the receiving end trusts the frames (rx_trusted), so a whole
 * connection runs through frames whose checksums were never filled. A
 * NIC finishing those frames produces the right checksums.
 */
#define FSM_SW_CSUM 0
#include "fsm_util.h"

/* Checks one frame teng sent as a device would see it. */
static void check_marked(struct rte_mbuf *m)
{
	const uint64_t want = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			      RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(m->ol_flags & want, want);
	assert_int_equal(m->l2_len, RTE_ETHER_HDR_LEN);
	assert_int_equal(m->l3_len, 20);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	assert_int_equal(m->l4_len, (th->data_off >> 4) * 4u);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length),
			 rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN);
	/* nothing computed: the IP checksum is left 0, the TCP field holds
	 * the pseudo-header sum a NIC starts from */
	assert_int_equal(ip->hdr_checksum, 0);
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ip, m->ol_flags));

	/* What a NIC does with it: fill the IP checksum; sum the segment
	 * with the seeded field and complement. Both equal a full software
	 * recomputation. */
	uint8_t copy[2048];
	uint32_t dlen = rte_pktmbuf_data_len(m);
	memcpy(copy, rte_pktmbuf_mtod(m, void *), dlen);
	struct rte_ipv4_hdr *cip = (struct rte_ipv4_hdr *)(copy + 14);
	struct rte_tcp_hdr *cth = (struct rte_tcp_hdr *)(cip + 1);
	uint32_t l4 = dlen - 14 - 20;
	uint16_t nic_tcp = (uint16_t)~rte_raw_cksum(cth, l4);
	cip->hdr_checksum = rte_ipv4_cksum(cip);
	cth->cksum = 0;
	assert_int_equal(nic_tcp, rte_ipv4_udptcp_cksum(cip, cth));
	cth->cksum = nic_tcp;
	assert_true(csum_ipv4_ok(cip));
	assert_true(csum_tcp_ok(cip, cth));
}

/* Moves what each side sent to the other, checking every frame; returns
 * the number of frames moved. */
static uint32_t pump(void)
{
	uint32_t moved = 0;
	for (uint32_t d = 0; d < 2; d++) {
		struct rte_mbuf *m[32];
		/* what slot d sent arrives on the other device */
		uint16_t n = rte_eth_rx_burst(g_ps.dev[1 - d], 0, m, 32);
		for (uint16_t i = 0; i < n; i++) {
			check_marked(m[i]);
			rx_mbuf((uint8_t)(1 - d), m[i]);
		}
		moved += n;
	}
	return moved;
}

static void test_offload_marks_and_trust(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	assert_int_equal(p->sw_csum, 0);
	uint32_t req = plan_bytes(p, 301, 1);  /* odd */
	uint32_t resp = plan_bytes(p, 1800, 2); /* two segments */
	PROG_CLIENT(p, OP(SEND, req), OP(RECV_BYTES, 1800), OP(END, 0));
	PROG_SERVER(p, OP(RECV_BYTES, 301), OP(SEND, resp), OP(END, 0));
	fx_start(p);
	/* the worker's ports as teng_run_start sets them */
	assert_int_equal(F.w->port[CSLOT].tx_csum, 1);
	assert_int_equal(F.w->port[SSLOT].tx_csum, 1);
	assert_int_equal(F.w->port[CSLOT].rx_csum, CSUM_RX_TRUSTED);
	assert_int_equal(F.w->port[SSLOT].rx_csum, CSUM_RX_TRUSTED);

	/* the worker's client connects to its own server over the loopback */
	for (int c = 0; c < 3; c++) {
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
		worker_tx_flush(F.w);
		uint32_t frames = 0, k;
		while ((k = pump()) > 0)
			frames += k;
		/* SYN, SYN-ACK, ACK, request, its ACK, 2 response segments,
		 * FINs and ACKs: at least 9 */
		assert_true(frames >= 9);
	}
	assert_int_equal(CTR->c_completed, 3);
	assert_int_equal(CTR->s_completed, 3);
	assert_int_equal(CTR->c_failed, 0);
	assert_int_equal(CTR->s_failed, 0);
	assert_int_equal(CTR->drops_bad_checksum, 0);
	assert_int_equal(CTR->retransmits, 0);
	assert_int_equal(CTR->c_bytes_rx, 3 * 1800);
	assert_int_equal(CTR->s_bytes_rx, 3 * 301);
}

/* A reset teng answers with (no connection) is marked the same way. */
static void test_offload_reply_rst(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	fx_start(p);
	TO_SERVER(.seq = 1000, .flags = TH_ACK, .ack = 5, .wnd = 1000);
	struct rte_mbuf *m[4];
	uint16_t n = rte_eth_rx_burst(g_ps.dev[1 - SSLOT], 0, m, 4);
	assert_int_equal(n, 1);
	check_marked(m[0]);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m[0], struct rte_tcp_hdr *, 34);
	assert_int_equal(th->tcp_flags, TH_RST);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 5);
	rte_pktmbuf_free(m[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_offload_marks_and_trust),
		FSM_TEST(test_offload_reply_rst),
	};
	FSM_MAIN(tests);
}
