/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile and malformed frames through the real receive path (RFC 1122
 * 3.2.1.3, RFC 9293 3.10.7, RFC 5961): each is dropped before any
 * connection is looked up, counted under exactly its own counter, its
 * mbuf freed (the fixture's teardown counts the pool), and nothing is
 * sent. SYN cookies under a flood of half-open connections. Then random
 * mutations of valid frames: nothing crashes or reads past the frame
 * (under ASAN the bytes after it are poisoned), and every frame is
 * accounted for.
 */

#include "fsm_util.h"
#include "neigh.h"
#include "syncookie.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static const uint32_t IRS = 0x50000000u;

/* ---- counters: exactly one moves ---- */

_Static_assert(sizeof(struct teng_counters) % sizeof(uint64_t) == 0,
	       "teng_counters is all uint64_t");
#define NCTR (sizeof(struct teng_counters) / sizeof(uint64_t))
#define OFF(field) offsetof(struct teng_counters, field)

static struct teng_counters before;

static void snap(void)
{
	before = *CTR;
}

/* Since snap(): pkts_rx moved by n, pkts_tx by tx, the counter at off
 * by k, every other counter not at all. */
static void expect_only_tx(size_t off, uint64_t k, uint64_t n, uint64_t tx)
{
	const uint64_t *a = (const uint64_t *)&before, *b = (const uint64_t *)CTR;
	for (size_t i = 0; i < NCTR; i++) {
		size_t o = i * sizeof(uint64_t);
		uint64_t want = o == off ? k : o == OFF(pkts_rx) ? n : o == OFF(pkts_tx) ? tx : 0;
		if (b[i] - a[i] != want)
			fail_msg("counter at offset %zu moved by %llu, want %llu (expected offset %zu)",
				 o, (unsigned long long)(b[i] - a[i]),
				 (unsigned long long)want, off);
	}
}

static void expect_only(size_t off, uint64_t k, uint64_t n)
{
	expect_only_tx(off, k, n, 0);
}

/* m arrives on slot: dropped under the counter at off, nothing sent,
 * no connection made. */
static void hostile_at(uint8_t slot, struct rte_mbuf *m, size_t off, int line)
{
	uint64_t s_active = F.w->st->s_active;
	uint32_t nfree = F.w->ct.nfree;
	snap();
	rx_mbuf(slot, m);
	if (out(0) + out(1) != 0)
		fail_msg("line %d: a hostile frame was answered", line);
	expect_only(off, 1, 1);
	assert_int_equal(F.w->st->s_active, s_active);
	assert_int_equal(F.w->ct.nfree, nfree);
}
#define HOSTILE(slot, m, field) hostile_at((slot), (m), OFF(field), __LINE__)

/* ---- frames ---- */

static uint8_t *at(struct rte_mbuf *m, uint32_t off)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

/* A SYN to the worker's listener, with MSS and window scale. */
static struct rte_mbuf *syn_frame(uint32_t sip, uint16_t sport)
{
	uint8_t o[8];
	uint32_t ol = tcp_opt_build_syn(o, 1460, 7);
	struct tseg s = { .sip = sip, .dip = SERVER_IP, .sport = sport,
			  .dport = SERVER_PORT, .seq = IRS, .flags = TH_SYN,
			  .wnd = 1000, .opt = o, .optlen = ol };
	return seg_build(SSLOT, &s);
}

static struct rte_mbuf *syn(void)
{
	return syn_frame(PEER_IP, PEER_PORT);
}

/* A segment to the worker's listener with the given options. */
static struct rte_mbuf *syn_opts_frame(const uint8_t *o, uint32_t ol)
{
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = SERVER_PORT, .seq = IRS, .flags = TH_SYN,
			  .wnd = 1000, .opt = o, .optlen = ol };
	return seg_build(SSLOT, &s);
}

static struct rte_mbuf *flags_frame(uint8_t flags)
{
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = SERVER_PORT, .seq = IRS, .ack = 1, .flags = flags,
			  .wnd = 1000 };
	return seg_build(SSLOT, &s);
}

/* The listener answers a valid SYN: the path still works. */
static void expect_syn_ack(void)
{
	server_syn(IRS, 1460, 7, 1000);
}

static struct tseg to_srv(uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = SERVER_PORT, .seq = seq, .ack = ack,
			  .flags = flags, .wnd = 1000 };
	return s;
}

static struct teng_plan *server_plan(void)
{
	struct teng_plan *p = plan_new();
	PROG_SERVER(p, OP(RECV_BYTES, 5), OP(RECV_BYTES, 5), OP(END, 0));
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	return p;
}

/* ---- IPv4 ---- */

static void test_ip_header(void **state)
{
	(void)state;
	fx_start(server_plan());
	struct rte_mbuf *m;

	m = syn(); /* IHL below 5 */
	at(m, 14)[0] = 0x44;
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* IHL 15: 60 bytes, more than the total length */
	at(m, 14)[0] = 0x4f;
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* IHL 6, frame cut after 22 bytes of IP */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - 14 - 22));
	at(m, 14)[0] = 0x46;
	ip_of(m)->total_length = rte_cpu_to_be_16(22);
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* total length past the frame */
	ip_of(m)->total_length = rte_cpu_to_be_16(
		(uint16_t)(rte_be_to_cpu_16(ip_of(m)->total_length) + 1));
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* total length shorter than the IP header */
	ip_of(m)->total_length = rte_cpu_to_be_16(19);
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* version 6 */
	at(m, 14)[0] = 0x65;
	HOSTILE(SSLOT, m, drop_ip_hdr);
	m = syn(); /* shorter than an IPv4 header */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - 14 - 19));
	HOSTILE(SSLOT, m, drop_ip_hdr);

	m = syn(); /* more fragments */
	ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ip_frag);
	m = syn(); /* the last fragment */
	ip_of(m)->fragment_offset = rte_cpu_to_be_16(185);
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ip_frag);
	m = syn(); /* a fragment that claims DF too */
	ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG | 1);
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ip_frag);

	m = syn();
	ip_of(m)->time_to_live = 0;
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_ttl0);
	/* TTL 1 is fine */
	m = syn();
	ip_of(m)->time_to_live = 1;
	csum_ipv4_set(ip_of(m));
	rx_mbuf(SSLOT, m);
	assert_int_equal(out1(SSLOT)->flags, TH_SYN | TH_ACK);
}

/* ---- sources: RFC 1122 3.2.1.3 ---- */

static void test_sources(void **state)
{
	(void)state;
	fx_start(server_plan());
	const uint32_t bad[] = {
		IP4(255, 255, 255, 255), IP4(0, 0, 0, 0),     IP4(224, 0, 0, 1),
		IP4(239, 255, 255, 250), IP4(127, 0, 0, 1),   IP4(127, 9, 9, 9),
		IP4(240, 0, 0, 1),       IP4(254, 1, 2, 3),   SERVER_IP,
	};
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		HOSTILE(SSLOT, syn_frame(bad[i], PEER_PORT), drop_src_bcast);
	/* under a flood too: a cookie is a reply, and none goes out */
	F.w->syn_rcvd_max = 0;
	HOSTILE(SSLOT, syn_frame(IP4(255, 255, 255, 255), 1), drop_src_bcast);
	HOSTILE(SSLOT, syn_frame(IP4(224, 0, 0, 1), 1), drop_src_bcast);
	F.w->syn_rcvd_max = 64;

	/* the client side: its own address as the source */
	uint32_t iss = client_syn();
	struct tseg s = { .sip = CLIENT_IP, .dip = CLIENT_IP, .sport = SERVER_PORT,
			  .dport = CLIENT_PORT, .seq = IRS, .ack = iss + 1,
			  .flags = TH_SYN | TH_ACK, .wnd = 1000 };
	HOSTILE(CSLOT, seg_build(CSLOT, &s), drop_src_bcast);
	s.sip = IP4(0, 0, 0, 0);
	HOSTILE(CSLOT, seg_build(CSLOT, &s), drop_src_bcast);
	assert_int_equal(client_tcb()->state, TCP_SYN_SENT);
	/* the real peer still gets through */
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	expect_syn_ack();
}

/* ---- Ethernet ---- */

static struct rte_mbuf *arp_request(uint32_t tip, const struct rte_ether_addr *dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);
	assert_non_null(m);
	void *f = rte_pktmbuf_append(m, NEIGH_ARP_LEN);
	assert_non_null(f);
	neigh_arp_request(f, &F.w->port[SSLOT].peer_mac, rte_cpu_to_be_32(PEER_IP),
			  rte_cpu_to_be_32(tip), dst);
	return m;
}

static void set_mac(struct rte_ether_addr *a, uint8_t b0, uint8_t b5)
{
	memset(a->addr_bytes, 0, RTE_ETHER_ADDR_LEN);
	a->addr_bytes[0] = b0;
	a->addr_bytes[5] = b5;
}

static void test_macs(void **state)
{
	(void)state;
	fx_start(server_plan());
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;

	m = syn(); /* broadcast source MAC */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(eth->src_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	HOSTILE(SSLOT, m, drop_mac);
	m = syn(); /* multicast source MAC */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	set_mac(&eth->src_addr, 0x01, 0x01);
	HOSTILE(SSLOT, m, drop_mac);
	m = syn(); /* for another host (af_packet sees those) */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	set_mac(&eth->dst_addr, 0x02, 0x99);
	HOSTILE(SSLOT, m, drop_mac);
	m = syn(); /* IPv4 to the broadcast MAC */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(eth->dst_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	HOSTILE(SSLOT, m, drop_mac);
	m = syn(); /* ... or a multicast one */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	set_mac(&eth->dst_addr, 0x01, 0x05);
	HOSTILE(SSLOT, m, drop_mac);
	/* ARP to another host's MAC: not ours either */
	struct rte_ether_addr other;
	set_mac(&other, 0x02, 0x77);
	HOSTILE(SSLOT, arp_request(SERVER_IP, &other), drop_mac);

	/* ARP may come broadcast: answered */
	struct rte_ether_addr bc;
	memset(bc.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	snap();
	rx_mbuf(SSLOT, arp_request(SERVER_IP, &bc));
	expect_only_tx(OFF(arp_requests), 1, 1, 1);
	struct rte_mbuf *r[4];
	assert_int_equal(rte_eth_rx_burst(g_ps.dev[1 - SSLOT], 0, r, 4), 1);
	eth = rte_pktmbuf_mtod(r[0], struct rte_ether_hdr *);
	assert_int_equal(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	rte_pktmbuf_free(r[0]);
	expect_syn_ack();
}

/* ---- TCP ---- */

static void test_tcp_header(void **state)
{
	(void)state;
	fx_start(server_plan());
	struct rte_mbuf *m;
	m = syn(); /* data offset 4 */
	at(m, 14 + 20 + 12)[0] = 0x40;
	seg_fix_csum(m);
	HOSTILE(SSLOT, m, drop_tcp_hdr);
	m = syn(); /* data offset 0 */
	at(m, 14 + 20 + 12)[0] = 0x00;
	seg_fix_csum(m);
	HOSTILE(SSLOT, m, drop_tcp_hdr);
	m = syn(); /* data offset 15: past the datagram */
	at(m, 14 + 20 + 12)[0] = 0xf0;
	seg_fix_csum(m);
	HOSTILE(SSLOT, m, drop_tcp_hdr);
	m = syn(); /* the datagram ends inside the TCP header */
	ip_of(m)->total_length = rte_cpu_to_be_16(20 + 19);
	csum_ipv4_set(ip_of(m));
	HOSTILE(SSLOT, m, drop_tcp_hdr);
	expect_syn_ack();
}

static void test_tcp_options(void **state)
{
	(void)state;
	fx_start(server_plan());
	/* each padded with NOPs to 4 bytes by seg_build */
	const uint8_t len0[] = { TCPOPT_MSS, 0, 5, 0xb4 };
	const uint8_t len1[] = { 30, 1, 0, 0 };
	const uint8_t len0_unknown[] = { TCPOPT_NOP, 99, 0, 0 };
	const uint8_t over[] = { TCPOPT_NOP, TCPOPT_NOP, 30, 6 };
	const uint8_t over_mss[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS, 4 };
	const uint8_t nolen[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS };
	const uint8_t big[] = { TCPOPT_MSS, 4, 5, 0xb4, TCPOPT_TS, 255, 0, 0 };
	HOSTILE(SSLOT, syn_opts_frame(len0, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(len1, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(len0_unknown, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(over, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(over_mss, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(nolen, 4), drop_tcp_opt);
	HOSTILE(SSLOT, syn_opts_frame(big, 8), drop_tcp_opt);
	assert_null(server_tcb());

	/* unknown options are skipped and what follows is taken; after an
	 * EOL nothing is read */
	const uint8_t unknown[] = { 30, 6, 1, 2, 3, 4, TCPOPT_MSS, 4, 0x02, 0x00,
				    TCPOPT_EOL, 0xff };
	snap();
	rx_mbuf(SSLOT, syn_opts_frame(unknown, sizeof(unknown)));
	struct pkt *p = out1(SSLOT);
	assert_int_equal(p->flags, TH_SYN | TH_ACK);
	expect_only_tx(OFF(pkts_rx), 1, 1, 1);
	assert_int_equal(server_tcb()->mss, 512);

	/* a bad option list on an established connection's data: dropped,
	 * the data not taken */
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	struct tseg s = { .sip = SERVER_IP, .dip = CLIENT_IP, .sport = SERVER_PORT,
			  .dport = CLIENT_PORT, .seq = IRS + 1, .ack = iss + 1,
			  .flags = TH_ACK | TH_PSH, .wnd = 1000, .opt = over, .optlen = 4,
			  .data = "0123456789", .len = 10 };
	HOSTILE(CSLOT, seg_build(CSLOT, &s), drop_tcp_opt);
	assert_int_equal(client_tcb()->rcv_nxt, IRS + 1);
	assert_int_equal(CTR->c_bytes_rx, 0);
}

static void test_bad_flags(void **state)
{
	(void)state;
	fx_start(server_plan());
	HOSTILE(SSLOT, flags_frame(TH_SYN | TH_FIN), drop_bad_flags);
	HOSTILE(SSLOT, flags_frame(TH_SYN | TH_FIN | TH_ACK), drop_bad_flags);
	HOSTILE(SSLOT, flags_frame(TH_SYN | TH_RST), drop_bad_flags);
	HOSTILE(SSLOT, flags_frame(TH_SYN | TH_RST | TH_ACK), drop_bad_flags);
	HOSTILE(SSLOT, flags_frame(0), drop_bad_flags);
	HOSTILE(SSLOT, flags_frame(RTE_TCP_ECE_FLAG | RTE_TCP_CWR_FLAG), drop_bad_flags);
	/* even under a flood: a SYN+FIN is never taken for a SYN */
	F.w->syn_rcvd_max = 0;
	HOSTILE(SSLOT, flags_frame(TH_SYN | TH_FIN), drop_bad_flags);
	F.w->syn_rcvd_max = 64;
	assert_null(server_tcb());

	/* at a live connection: dropped, the connection untouched */
	uint32_t iss2 = server_syn(IRS, 1460, 7, 1000);
	struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT,
			  .dport = SERVER_PORT, .seq = IRS + 1, .ack = iss2 + 1,
			  .flags = TH_SYN | TH_FIN | TH_ACK, .wnd = 1000 };
	HOSTILE(SSLOT, seg_build(SSLOT, &s), drop_bad_flags);
	s.flags = 0;
	HOSTILE(SSLOT, seg_build(SSLOT, &s), drop_bad_flags);
	assert_int_equal(server_tcb()->state, TCP_SYN_RCVD);
	s.flags = TH_ACK;
	inject(SSLOT, &s);
	assert_int_equal(server_tcb()->state, TCP_ESTABLISHED);
	assert_int_equal(out(SSLOT), 0);
}

/* ---- SYN cookies ---- */

static struct pkt cookie_syn(uint32_t sip, uint16_t sport, uint32_t irs, const uint8_t *o,
			     uint32_t ol)
{
	struct tseg s = { .sip = sip, .dip = SERVER_IP, .sport = sport,
			  .dport = SERVER_PORT, .seq = irs, .flags = TH_SYN,
			  .wnd = 1000, .opt = o, .optlen = ol };
	uint64_t n = CTR->syn_cookies;
	inject(SSLOT, &s);
	struct pkt p = *out1(SSLOT);
	assert_int_equal(CTR->syn_cookies, n + 1);
	assert_int_equal(p.flags, TH_SYN | TH_ACK);
	assert_int_equal(p.ack, irs + 1);
	assert_int_equal(p.sip, SERVER_IP);
	assert_int_equal(p.dip, sip);
	/* only what a cookie keeps: MSS, no window scale */
	assert_int_equal(p.optlen, 4);
	assert_true(p.o.has_mss);
	assert_int_equal(p.o.mss, F.plan->tcp.mss);
	assert_false(p.o.has_wscale);
	assert_int_equal(p.wnd, 0xffff);
	return p;
}

static uint32_t ntcbs(void)
{
	return F.w->ct.size - F.w->ct.nfree;
}

static void test_cookies_under_flood(void **state)
{
	(void)state;
	fx_start(server_plan());
	/* the threshold is sized from the table */
	assert_int_equal(F.w->syn_rcvd_max, F.w->ct.size / 4 < SYNCOOKIE_MIN_HALF_OPEN ?
						    SYNCOOKIE_MIN_HALF_OPEN :
						    F.w->ct.size / 4);
	F.w->syn_rcvd_max = 3;
	uint8_t o[8];
	uint32_t ol = syn_opts(o, 1460, 7);
	/* below it: TCBs, as always */
	for (uint16_t i = 0; i < 3; i++) {
		struct tseg s = { .sip = IP4(198, 19, 0, 1 + i), .dip = SERVER_IP,
				  .sport = 1000, .dport = SERVER_PORT, .seq = 7,
				  .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol };
		inject(SSLOT, &s);
		assert_int_equal(out1(SSLOT)->optlen, 8);
	}
	assert_int_equal(F.w->syn_rcvd, 3);
	assert_int_equal(CTR->syn_cookies, 0);
	uint32_t used = ntcbs();
	/* at it: cookies, and no state */
	struct pkt c = cookie_syn(PEER_IP, PEER_PORT, IRS, o, ol);
	struct pkt c2 = cookie_syn(PEER_IP, PEER_PORT + 1, IRS, o, ol);
	assert_int_not_equal(c.seq, c2.seq);
	/* the same SYN again: the same cookie */
	assert_int_equal(cookie_syn(PEER_IP, PEER_PORT, IRS, o, ol).seq, c.seq);
	assert_int_equal(ntcbs(), used);
	assert_null(server_tcb());

	/* a wrong cookie is no connection: RST */
	struct tseg s = to_srv(IRS + 1, c.seq + 2, TH_ACK);
	inject(SSLOT, &s);
	check_seg(out1(SSLOT), TH_RST, c.seq + 2, 0);
	/* nor is the right cookie from another port, or for another ISS */
	s = to_srv(IRS + 1, c.seq + 1, TH_ACK);
	s.sport = PEER_PORT + 2;
	inject(SSLOT, &s);
	assert_int_equal(out1(SSLOT)->flags, TH_RST);
	s = to_srv(IRS + 2, c.seq + 1, TH_ACK);
	inject(SSLOT, &s);
	assert_int_equal(out1(SSLOT)->flags, TH_RST);
	assert_null(server_tcb());
	assert_int_equal(CTR->drops_no_connection, 3);

	/* the ACK with the cookie and the request: the connection, at once
	 * established, its data taken */
	s = to_srv(IRS + 1, c.seq + 1, TH_ACK | TH_PSH);
	s.data = "hello", s.len = 5;
	inject(SSLOT, &s);
	struct tcb *t = server_tcb();
	assert_non_null(t);
	assert_int_equal(t->state, TCP_ESTABLISHED);
	assert_int_equal(t->mss, 1460);
	assert_int_equal(t->snd_wscale, 0);
	assert_int_equal(t->rcv_wscale, 0);
	assert_false(t->flags & TF_WSCALE);
	assert_int_equal(t->snd_una, c.seq + 1);
	assert_int_equal(t->rcv_nxt, IRS + 1 + 5);
	assert_int_equal(CTR->s_accepted, 1);
	assert_int_equal(CTR->s_bytes_rx, 5);
	assert_int_equal(F.w->syn_rcvd, 3);
	uint32_t n = out(SSLOT);
	for (uint32_t i = 0; i < n; i++)
		assert_false(P[i].flags & (TH_RST | TH_SYN));
	/* an unscaled window: the peer's is taken as sent */
	assert_int_equal(t->snd_wnd, 1000);

	/* the half-open count follows the TCBs: an RST frees one */
	struct tseg r = { .sip = IP4(198, 19, 0, 1), .dip = SERVER_IP, .sport = 1000,
			  .dport = SERVER_PORT, .seq = 8, .flags = TH_RST, .wnd = 0 };
	inject(SSLOT, &r);
	assert_int_equal(F.w->syn_rcvd, 2);
	/* below the threshold again: a TCB and a full SYN-ACK */
	struct tseg q = { .sip = PEER_IP, .dip = SERVER_IP, .sport = PEER_PORT + 3,
			  .dport = SERVER_PORT, .seq = 9, .flags = TH_SYN, .wnd = 1000,
			  .opt = o, .optlen = ol };
	inject(SSLOT, &q);
	struct pkt *a = out1(SSLOT);
	assert_int_equal(a->flags, TH_SYN | TH_ACK);
	assert_int_equal(a->optlen, 8);
	assert_true(a->o.has_wscale);
	assert_int_equal(F.w->syn_rcvd, 3);
	assert_int_equal(CTR->syn_cookies, 3);
}

static void test_cookie_mss_and_age(void **state)
{
	(void)state;
	fx_start(server_plan());
	F.w->syn_rcvd_max = 0; /* every SYN gets a cookie */
	const struct {
		uint16_t peer; /* 0: no MSS option */
		uint16_t want;
	} cases[] = { { 0, 536 }, { 500, 536 }, { 1000, 536 }, { 1200, 1200 },
		      { 1399, 1300 }, { 1460, 1460 }, { 9000, 1460 } };
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t o[8];
		uint32_t ol = cases[i].peer ? syn_opts(o, cases[i].peer, -1) : 0;
		uint16_t port = (uint16_t)(PEER_PORT + 10 + i);
		struct pkt c = cookie_syn(PEER_IP, port, IRS, o, ol);
		struct tseg s = to_srv(IRS + 1, c.seq + 1, TH_ACK);
		s.sport = port;
		inject(SSLOT, &s);
		assert_int_equal(out(SSLOT), 0);
		uint32_t id = conn_hash_lookup(&F.w->ct, rte_cpu_to_be_32(PEER_IP),
					       rte_cpu_to_be_16(port),
					       rte_cpu_to_be_32(SERVER_IP),
					       rte_cpu_to_be_16(SERVER_PORT));
		assert_int_not_equal(id, TCB_NIL);
		assert_int_equal(tcb_of(F.w, id)->mss, cases[i].want);
		assert_int_equal(tcb_of(F.w, id)->state, TCP_ESTABLISHED);
	}
	/* a cookie holds for its tick and the next (64 s each) ... */
	struct pkt c1 = cookie_syn(PEER_IP, 5001, IRS, NULL, 0);
	struct pkt c2 = cookie_syn(PEER_IP, 5002, IRS, NULL, 0);
	set_ms(100000);
	struct tseg s = to_srv(IRS + 1, c1.seq + 1, TH_ACK);
	s.sport = 5001;
	inject(SSLOT, &s);
	assert_int_equal(out(SSLOT), 0);
	assert_int_equal(CTR->s_accepted, 8);
	/* ... not longer */
	set_ms(140000);
	s = to_srv(IRS + 1, c2.seq + 1, TH_ACK);
	s.sport = 5002;
	inject(SSLOT, &s);
	assert_int_equal(out1(SSLOT)->flags, TH_RST);
	assert_int_equal(CTR->s_accepted, 8);
	/* the cookie is a function of what it stands for, the ISS too */
	assert_int_equal(syncookie_make(F.w, 1, 2, 3, 4, 5, 6, 7),
			 syncookie_make(F.w, 1, 2, 3, 4, 5, 6, 7));
	assert_int_not_equal(syncookie_make(F.w, 1, 2, 3, 4, 5, 6, 7),
			     syncookie_make(F.w, 1, 2, 3, 4, 6, 6, 7));
}

/* ---- random frames ---- */

static uint64_t rnd_state = 0x1234567887654321ull;
static uint32_t rnd(void)
{
	uint64_t x = rnd_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rnd_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Checksums right again where the headers allow it, so that mutations
 * reach the deeper checks. Reads only within the frame. */
static void fix_sums(struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	if (len < 14 + 20)
		return;
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t ihl = (ip->version_ihl & 15) * 4u, tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < 20 || 14 + ihl > len)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
	if (tot < ihl + 20 || 14 + tot > len)
		return;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	th->cksum = 0;
	uint32_t sum = rte_raw_cksum(th, tot - ihl);
	struct {
		uint32_t s, d;
		uint8_t z, p;
		uint16_t l;
	} __attribute__((packed)) ph = { ip->src_addr, ip->dst_addr, 0, IPPROTO_TCP,
					 rte_cpu_to_be_16((uint16_t)(tot - ihl)) };
	sum += rte_raw_cksum(&ph, sizeof(ph));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	th->cksum = (uint16_t)~sum;
}

/* Poison what follows the frame in its buffer: a read past the frame is
 * an ASAN error (ASAN can poison a granule's tail, so the frame stays
 * where it is, aligned as a device leaves it). */
static void poison_tail(struct rte_mbuf *m, uint8_t **lo, size_t *n)
{
	*lo = rte_pktmbuf_mtod(m, uint8_t *) + rte_pktmbuf_data_len(m);
	*n = (size_t)((uint8_t *)m->buf_addr + m->buf_len - *lo);
	POISON(*lo, *n);
}

static uint64_t dropped(const struct teng_counters *c)
{
	return c->drops_bad_header + c->drops_bad_checksum + c->drops_not_ours +
	       c->drop_ip_hdr + c->drop_ip_frag + c->drop_ttl0 + c->drop_src_bcast +
	       c->drop_mac + c->drop_tcp_hdr + c->drop_tcp_opt + c->drop_bad_flags +
	       c->icmp_echo;
}

static void test_random_frames(void **state)
{
	(void)state;
	struct teng_plan *p = server_plan();
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(IRS, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, IRS + 1);
	const uint8_t full[] = { TCPOPT_MSS, 4, 5, 0xb4, TCPOPT_NOP, TCPOPT_WSCALE, 3, 7,
				 TCPOPT_SACK_OK, 2, TCPOPT_TS, 10, 1, 2, 3, 4, 0, 0, 0, 0 };
	const uint8_t ts[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TS, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct teng_counters c0 = *CTR;
	uint64_t passed = 0, frames = 20000;
	for (uint64_t i = 0; i < frames; i++) {
		uint8_t slot;
		struct rte_mbuf *m;
		uint32_t kind = rnd() % 3;
		if (kind == 0) {
			slot = SSLOT;
			struct tseg s = { .sip = PEER_IP, .dip = SERVER_IP,
					  .sport = (uint16_t)(PEER_PORT + rnd() % 64),
					  .dport = SERVER_PORT, .seq = rnd(), .flags = TH_SYN,
					  .wnd = 1000, .opt = full, .optlen = sizeof(full) };
			m = seg_build(slot, &s);
		} else {
			slot = kind == 1 ? CSLOT : SSLOT;
			struct tseg s = { .sip = kind == 1 ? SERVER_IP : PEER_IP,
					  .dip = kind == 1 ? CLIENT_IP : SERVER_IP,
					  .sport = kind == 1 ? SERVER_PORT : PEER_PORT,
					  .dport = kind == 1 ? CLIENT_PORT : SERVER_PORT,
					  .seq = IRS + 1, .ack = iss + 1,
					  .flags = TH_ACK | TH_PSH, .wnd = 1000,
					  .opt = ts, .optlen = sizeof(ts),
					  .data = "abcdefgh", .len = 8 };
			m = seg_build(slot, &s);
		}
		uint32_t len = rte_pktmbuf_data_len(m);
		/* a few bytes changed, mostly in the headers */
		uint32_t k = 1 + rnd() % 4;
		for (uint32_t j = 0; j < k; j++) {
			uint32_t off = (rnd() & 3) ? 14 + rnd() % 60 : rnd() % len;
			if (off < len)
				at(m, off)[0] = (uint8_t)rnd();
		}
		if (rnd() % 4 == 0) /* cut short anywhere */
			rte_pktmbuf_trim(m, (uint16_t)(rnd() % len));
		/* ARP is counted by its own path; keep to IPv4's */
		if (rte_pktmbuf_data_len(m) >= 14 &&
		    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
			    rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
				rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		if (rnd() & 1)
			fix_sums(m);
		uint8_t *lo;
		size_t n;
		poison_tail(m, &lo, &n);
		passed += (uint64_t)worker_rx(F.w, slot, m);
		UNPOISON(lo, n); /* m is freed, or a reply owns it; in memory still */
		worker_tx_flush(F.w);
		drain_dev(0);
		drain_dev(1);
	}
	uint64_t rx = CTR->pkts_rx - c0.pkts_rx;
	uint64_t drops = dropped(CTR) - dropped(&c0);
	assert_int_equal(rx, frames);
	assert_int_equal(passed + drops, rx);
	/* the mutations reached every layer */
	assert_true(passed > 1000);
	assert_true(CTR->drop_ip_hdr > c0.drop_ip_hdr);
	assert_true(CTR->drop_tcp_hdr > c0.drop_tcp_hdr);
	assert_true(CTR->drop_tcp_opt > c0.drop_tcp_opt);
	assert_true(CTR->drop_bad_flags > c0.drop_bad_flags);
	assert_true(CTR->drop_mac > c0.drop_mac);
	assert_true(CTR->drops_bad_checksum > c0.drops_bad_checksum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FSM_TEST(test_ip_header),
		FSM_TEST(test_sources),
		FSM_TEST(test_macs),
		FSM_TEST(test_tcp_header),
		FSM_TEST(test_tcp_options),
		FSM_TEST(test_bad_flags),
		FSM_TEST(test_cookies_under_flood),
		FSM_TEST(test_cookie_mss_and_age),
		FSM_TEST(test_random_frames),
	};
	FSM_MAIN(tests);
}
