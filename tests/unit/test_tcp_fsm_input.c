/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment input before the state machine: segments that match no
 * connection (RFC 9293 3.10.7.1, reset generation), bad checksums,
 * malformed headers, frames that are not ours.
 */
#include "fsm_util.h"

static const uint32_t IRS = 0x30000000u;

/* Inject s on slot; expect the RST reply described, from s's
 * destination back to its source. */
static void expect_reset(uint8_t slot, const struct tseg *s, uint8_t flags,
			 uint32_t seq, uint32_t ack)
{
	inject(slot, s);
	struct pkt *r = out1(slot);
	assert_int_equal(r->sip, s->dip);
	assert_int_equal(r->dip, s->sip);
	assert_int_equal(r->sport, s->dport);
	assert_int_equal(r->dport, s->sport);
	check_seg(r, flags, seq, ack);
	assert_int_equal(r->wnd, 0);
	assert_int_equal(r->len, 0);
	assert_int_equal(r->optlen, 0);
}

static struct tseg to_client_port(uint16_t port)
{
	struct tseg s = { .sip = SERVER_IP, .dip = CLIENT_IP,
			  .sport = SERVER_PORT, .dport = port };
	return s;
}

static void test_no_connection_client_side(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn(); /* a live tuple at CLIENT_PORT */
	struct tseg s;

	/* ACK set: <SEQ=SEG.ACK><CTL=RST> */
	s = to_client_port(CLIENT_PORT + 1);
	s.seq = 1000, s.ack = 5000, s.flags = TH_ACK, s.wnd = 100;
	expect_reset(CSLOT, &s, TH_RST, 5000, 0);
	/* no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	s = to_client_port(CLIENT_PORT + 1);
	s.seq = 7000, s.flags = TH_PSH, s.data = "0123456789", s.len = 10;
	expect_reset(CSLOT, &s, TH_RST | TH_ACK, 0, 7010);
	/* SYN and FIN count in SEG.LEN */
	s = to_client_port(CLIENT_PORT + 2);
	s.seq = 100, s.flags = TH_FIN;
	expect_reset(CSLOT, &s, TH_RST | TH_ACK, 0, 101);
	s = to_client_port(CLIENT_PORT + 2);
	s.seq = 10, s.flags = TH_SYN, s.data = "abc", s.len = 3;
	expect_reset(CSLOT, &s, TH_RST | TH_ACK, 0, 14);
	/* SYN+FIN is no segment at all: dropped, not answered */
	s.flags = TH_SYN | TH_FIN;
	inject(CSLOT, &s);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->drop_bad_flags, 1);
	/* ... modulo 2^32 */
	s = to_client_port(CLIENT_PORT + 3);
	s.seq = 0xffffffffu, s.flags = TH_SYN;
	expect_reset(CSLOT, &s, TH_RST | TH_ACK, 0, 0);
	/* outside every address we own: not ours, no reset on its behalf */
	s = to_client_port(1234);
	s.dip = IP4(10, 9, 9, 9);
	s.seq = 1, s.ack = 0xdeadbeefu, s.flags = TH_ACK;
	uint64_t not_ours = CTR->drops_not_ours;
	inject(CSLOT, &s);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->drops_not_ours, not_ours + 1);
	/* the live tuple, but from another remote port: not that one */
	s = to_client_port(CLIENT_PORT);
	s.sport = SERVER_PORT + 1;
	s.seq = IRS, s.ack = iss + 1, s.flags = TH_SYN | TH_ACK;
	expect_reset(CSLOT, &s, TH_RST, iss + 1, 0);
	/* ... or another remote address */
	s = to_client_port(CLIENT_PORT);
	s.sip = SERVER_IP + 1;
	s.seq = IRS, s.ack = iss + 1, s.flags = TH_SYN | TH_ACK;
	expect_reset(CSLOT, &s, TH_RST, iss + 1, 0);
	assert_int_equal(client_tcb()->state, TCP_SYN_SENT);
	/* a RST is never answered */
	s = to_client_port(CLIENT_PORT + 1);
	s.seq = 1, s.flags = TH_RST;
	inject(CSLOT, &s);
	s.ack = 9, s.flags = TH_RST | TH_ACK;
	inject(CSLOT, &s);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->drops_no_connection, 9);
	assert_int_equal(CTR->rst_tx, 7);
	assert_int_equal(CTR->rst_rx, 0);
	assert_int_equal(CTR->pkts_rx, 11);
	/* the live connection was not disturbed */
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
}

static struct tseg to_server(uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = SERVER_PORT, .seq = seq, .ack = ack,
			  .flags = flags, .wnd = 1000 };
	return s;
}

static void test_no_connection_server_side(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	struct tseg s = to_server(50, 60, TH_ACK);
	expect_reset(SSLOT, &s, TH_RST, 60, 0);
	/* SYN-ACK to a listener: not a connection request */
	s = to_server(50, 61, TH_SYN | TH_ACK);
	expect_reset(SSLOT, &s, TH_RST, 61, 0);
	s = to_server(50, 0, TH_FIN);
	expect_reset(SSLOT, &s, TH_RST | TH_ACK, 0, 51);
	s = to_server(50, 0, TH_PSH);
	s.data = "hello", s.len = 5;
	expect_reset(SSLOT, &s, TH_RST | TH_ACK, 0, 55);
	/* the server address, another port */
	s = to_server(70, 0, TH_SYN);
	s.dport = SERVER_PORT + 1;
	expect_reset(SSLOT, &s, TH_RST | TH_ACK, 0, 71);
	/* SYN|RST, SYN|FIN and no flags are not connection requests
	 * either: dropped before any lookup, never answered */
	s = to_server(80, 0, TH_SYN | TH_RST);
	inject(SSLOT, &s);
	s = to_server(80, 0, TH_SYN | TH_FIN);
	inject(SSLOT, &s);
	s = to_server(80, 0, 0);
	s.data = "hello", s.len = 5;
	inject(SSLOT, &s);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(F.w->st->s_active, 0);
	assert_int_equal(CTR->drop_bad_flags, 3);
	assert_int_equal(CTR->drops_no_connection, 5);
	assert_int_equal(CTR->rst_tx, 5);
}

static void test_server_disabled(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->server_enabled = 0;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	/* With the server role off its address is not teng's: dropped,
	 * counted, and no reset sent on its behalf. */
	struct tseg s = to_server(90, 0, TH_SYN);
	inject(SSLOT, &s);
	assert_int_equal(out(SSLOT), 0);
	assert_null(server_tcb());
	assert_int_equal(CTR->drops_not_ours, 1);
	assert_int_equal(CTR->s_accepted, 0);
}

/* A data segment for the established client connection. */
static struct rte_mbuf *client_data(uint32_t iss, const char *data)
{
	struct tseg s = to_client_port(CLIENT_PORT);
	s.seq = IRS + 1, s.ack = iss + 1, s.flags = TH_ACK | TH_PSH;
	s.wnd = 1000, s.data = data, s.len = (uint32_t)strlen(data);
	return seg_build(CSLOT, &s);
}

static uint8_t *at(struct rte_mbuf *m, uint32_t off)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

static void test_bad_checksum(void **state)
{
	(void)state;
	uint32_t iss = client_quiet(IRS);
	struct tcb *t = client_tcb();
	struct rte_mbuf *m = client_data(iss, "abcdef");
	at(m, 14 + 20 + 16)[1] ^= 0x01; /* TCP checksum */
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "abcdef");
	at(m, 14 + 10)[0] ^= 0x40; /* IPv4 checksum */
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "abcdef");
	at(m, 14 + 20 + 20)[5] = 'F'; /* payload changed in flight */
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "abcdef");
	at(m, 14 + 15)[0] ^= 0x02; /* source address: pseudo-header */
	seg_fix_csum(m);
	at(m, 14 + 15)[0] ^= 0x02;
	csum_ipv4_set(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14));
	rx_mbuf(CSLOT, m);
	/* nor is a bad segment for no connection answered */
	struct tseg s = to_client_port(CLIENT_PORT + 1);
	s.seq = 1, s.ack = 2, s.flags = TH_ACK;
	m = seg_build(CSLOT, &s);
	at(m, 14 + 20 + 16)[0] ^= 0xff;
	rx_mbuf(CSLOT, m);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->drops_bad_checksum, 5);
	assert_int_equal(CTR->drops_no_connection, 0);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
	/* the same segment intact is taken */
	rx_mbuf(CSLOT, client_data(iss, "abcdef"));
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 7);
	assert_int_equal(CTR->c_bytes_rx, 6);
	assert_int_equal(CTR->drops_bad_header, 0);
}

static void test_bad_header(void **state)
{
	(void)state;
	uint32_t iss = client_quiet(IRS);
	struct rte_mbuf *m;
	uint64_t rx0 = CTR->pkts_rx;
	/* shorter than Ethernet + IPv4 */
	m = client_data(iss, "");
	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - 33);
	rx_mbuf(CSLOT, m);
	/* IP version 6 in an IPv4 frame */
	m = client_data(iss, "x");
	at(m, 14)[0] = 0x65;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	/* IHL below 5 */
	m = client_data(iss, "x");
	at(m, 14)[0] = 0x44;
	rx_mbuf(CSLOT, m);
	/* total length beyond the frame */
	m = client_data(iss, "xyz");
	at(m, 14 + 3)[0] += 1;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	/* total length too short for a TCP header */
	m = client_data(iss, "xyz");
	at(m, 14 + 2)[0] = 0, at(m, 14 + 3)[0] = 39;
	csum_ipv4_set(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14));
	rx_mbuf(CSLOT, m);
	/* TCP data offset below 5 */
	m = client_data(iss, "xyzw");
	at(m, 14 + 20 + 12)[0] = 0x40;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	/* TCP data offset past the end of the datagram */
	m = client_data(iss, "xyzw");
	at(m, 14 + 20 + 12)[0] = 0xf0;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	/* the TCP header cut short */
	m = client_data(iss, "");
	rte_pktmbuf_trim(m, 10);
	at(m, 14 + 2)[0] = 0, at(m, 14 + 3)[0] = 30;
	csum_ipv4_set(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14));
	rx_mbuf(CSLOT, m);
	/* a chained (multi-segment) mbuf */
	m = client_data(iss, "x");
	struct rte_mbuf *m2 = rte_pktmbuf_alloc(g_pool);
	assert_non_null(rte_pktmbuf_append(m2, 4));
	assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
	rx_mbuf(CSLOT, m);
	/* each under its own counter: 4 IPv4, 4 TCP (room for no TCP
	 * header is a TCP header past the end), 1 the frame */
	assert_int_equal(CTR->drop_ip_hdr, 4);
	assert_int_equal(CTR->drop_tcp_hdr, 4);
	assert_int_equal(CTR->drops_bad_header, 1);

	/* not IPv4/TCP: not ours; fragments: their own counter */
	m = client_data(iss, "x");
	at(m, 12)[0] = 0x86, at(m, 13)[0] = 0xdd; /* IPv6 */
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "x");
	at(m, 14 + 9)[0] = IPPROTO_UDP;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "x");
	at(m, 14 + 6)[0] = 0x20; /* more fragments */
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	m = client_data(iss, "x");
	at(m, 14 + 6)[0] = 0x00, at(m, 14 + 7)[0] = 0x10; /* offset 128 */
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	assert_int_equal(CTR->drops_not_ours, 2);
	assert_int_equal(CTR->drop_ip_frag, 2);

	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(CTR->pkts_rx - rx0, 13);
	assert_int_equal(CTR->drops_bad_checksum, 0);
	assert_int_equal(CTR->drops_no_connection, 0);
	struct tcb *t = client_tcb();
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
}

static void test_ethernet_padding(void **state)
{
	(void)state;
	/* A short frame padded to 60 bytes: the padding is not payload. */
	uint32_t iss = client_quiet(IRS);
	struct rte_mbuf *m = client_data(iss, "ab");
	assert_int_equal(rte_pktmbuf_data_len(m), 56);
	memset(rte_pktmbuf_append(m, 4), 0xee, 4);
	rx_mbuf(CSLOT, m);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 3);
	assert_int_equal(CTR->c_bytes_rx, 2);
	assert_int_equal(client_tcb()->rx_count, 2);
	assert_int_equal(CTR->drops_bad_header, 0);
	/* IP options before the TCP header are skipped */
	struct tseg s = to_client_port(CLIENT_PORT);
	s.seq = IRS + 3, s.ack = iss + 1, s.flags = TH_ACK, s.wnd = 1000;
	s.data = "cd", s.len = 2;
	m = seg_build(CSLOT, &s);
	uint8_t *ip = at(m, 14);
	uint32_t l3 = rte_pktmbuf_data_len(m) - 14;
	assert_non_null(rte_pktmbuf_append(m, 4));
	memmove(ip + 24, ip + 20, l3 - 20);
	memset(ip + 20, 1, 4); /* four IP NOP options */
	ip[0] = 0x46;
	ip[3] += 4;
	seg_fix_csum(m);
	rx_mbuf(CSLOT, m);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 5);
	assert_int_equal(CTR->c_bytes_rx, 4);
}

static void test_tuples_and_pool_exhausted(void **state)
{
	(void)state;
	/* 4 client tuples: the fifth connect finds none free */
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), -1);
	worker_tx_flush(F.w);
	assert_int_equal(out(CSLOT), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(P[i].sport, CLIENT_PORT + i);
		assert_int_equal(P[i].flags, TH_SYN);
	}
	assert_int_equal(CTR->c_attempted, 4);
	assert_int_equal(CTR->no_tcb, 0);
	fx_teardown(NULL);

	/* more tuples than TCBs: the pool runs out first */
	p = plan_new();
	p->pools[0].port_hi = CLIENT_PORT + 4999;
	PROG_CLIENT(p, OP(RECV_BYTES, 1), OP(END, 0));
	fx_start(p);
	uint32_t size = F.w->ct.size, opened = 0;
	assert_true(size < 5000);
	while (tcp_connect(F.w, F.w->now_us) == 0) {
		opened++;
		if (opened % 32 == 0) {
			worker_tx_flush(F.w);
			drain_dev(1);
		}
	}
	worker_tx_flush(F.w);
	drain_dev(1);
	assert_int_equal(opened, size);
	assert_int_equal(F.w->ct.nfree, 0);
	assert_int_equal(CTR->no_tcb, 1);
	/* a SYN for the server now finds no TCB either: it gets a SYN
	 * cookie, which keeps no state */
	struct tseg s = to_server(1, 0, TH_SYN);
	inject(SSLOT, &s);
	struct pkt *c = out1(SSLOT);
	assert_int_equal(c->flags, TH_SYN | TH_ACK);
	assert_int_equal(c->ack, 2);
	assert_int_equal(CTR->syn_cookies, 1);
	assert_int_equal(CTR->no_tcb, 1);
	/* its ACK is a valid cookie, but no TCB is free yet: counted, no
	 * answer (the peer sends again) */
	s = to_server(2, c->seq + 1, TH_ACK);
	inject(SSLOT, &s);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(CTR->no_tcb, 2);
	assert_int_equal(CTR->drops_no_connection, 0);
	assert_int_equal(F.w->st->s_active, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_no_connection_client_side),
		FSM_TEST(test_no_connection_server_side),
		FSM_TEST(test_server_disabled),
		FSM_TEST(test_bad_checksum),
		FSM_TEST(test_bad_header),
		FSM_TEST(test_ethernet_padding),
		FSM_TEST(test_tuples_and_pool_exhausted),
	};
	FSM_MAIN(tests);
}
