/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Part of fsm_util.h (include that): building the segments the test
 * injects, decoding and checking the ones teng sends, and opening
 * connections in either role.
 */
#ifndef TENG_TEST_FSM_SEG_H
#define TENG_TEST_FSM_SEG_H

/* ---- segments in ---- */

/* Build a well-formed segment arriving on `slot`. */
static struct rte_mbuf *seg_build(uint8_t slot, const struct tseg *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);
	assert_non_null(m);
	uint32_t optlen = (s->optlen + 3) & ~3u;
	uint32_t l4 = 20 + optlen + s->len;
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 20 + l4));
	assert_non_null(b);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	eth->dst_addr = F.w->port[slot].mac;
	eth->src_addr = F.w->port[slot].peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, 20);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4));
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(s->sip);
	ip->dst_addr = rte_cpu_to_be_32(s->dip);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(s->sport);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	uint8_t *o = (uint8_t *)(th + 1);
	memset(o, TCPOPT_NOP, optlen);
	if (s->optlen)
		memcpy(o, s->opt, s->optlen);
	if (s->len)
		memcpy(o + optlen, s->data, s->len);
	csum_ipv4_set(ip);
	csum_tcp_set(ip, th);
	return m;
}

static void seg_fix_csum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	csum_ipv4_set(ip);
	csum_tcp_set(ip, (struct rte_tcp_hdr *)((uint8_t *)ip + (ip->version_ihl & 15) * 4));
}

static void rx_mbuf(uint8_t slot, struct rte_mbuf *m)
{
	worker_rx(F.w, slot, m);
	worker_tx_flush(F.w);
}

static void inject(uint8_t slot, const struct tseg *s)
{
	rx_mbuf(slot, seg_build(slot, s));
}

/* From the test's server to the worker's client connection. */
#define TO_CLIENT(...)                                                  \
	inject(CSLOT, &(struct tseg){ .sip = SERVER_IP,                 \
				      .dip = CLIENT_IP,                 \
				      .sport = SERVER_PORT,             \
				      .dport = CLIENT_PORT,             \
				      __VA_ARGS__ })
/* From the test's client to the worker's server. */
#define TO_SERVER(...)                                                  \
	inject(SSLOT, &(struct tseg){ .sip = PEER_IP,                   \
				      .dip = SERVER_IP,                 \
				      .sport = PEER_PORT,               \
				      .dport = SERVER_PORT,             \
				      __VA_ARGS__ })

/* ---- segments out ---- */

static void pkt_decode(uint8_t slot, struct rte_mbuf *m, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(m->nb_segs, 1);
	uint32_t dlen = rte_pktmbuf_data_len(m);
	assert_true(dlen >= HDR_LEN);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_int_equal(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &F.w->port[slot].mac));
	assert_true(rte_is_same_ether_addr(&eth->dst_addr,
					   &F.w->port[slot].peer_mac));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), dlen - 14);
	assert_true(csum_ipv4_ok(ip));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	assert_true(csum_tcp_ok(ip, th));
	uint32_t doff = (th->data_off >> 4) * 4u;
	assert_true(doff >= 20 && 20 + doff <= dlen - 14);
	p->sip = rte_be_to_cpu_32(ip->src_addr);
	p->dip = rte_be_to_cpu_32(ip->dst_addr);
	p->sport = rte_be_to_cpu_16(th->src_port);
	p->dport = rte_be_to_cpu_16(th->dst_port);
	p->seq = rte_be_to_cpu_32(th->sent_seq);
	p->ack = rte_be_to_cpu_32(th->recv_ack);
	p->flags = th->tcp_flags;
	p->wnd = rte_be_to_cpu_16(th->rx_win);
	p->optlen = doff - 20;
	memcpy(p->opt, th + 1, p->optlen);
	assert_int_equal(tcp_opt_parse(p->opt, p->optlen, &p->o), 0);
	p->len = dlen - 14 - 20 - doff;
	assert_true(p->len <= sizeof(p->data));
	memcpy(p->data, (uint8_t *)th + doff, p->len);
}

/* Everything the worker has sent on `slot`, in order. */
static uint32_t out(uint8_t slot)
{
	struct rte_mbuf *m[MAXPKT];
	uint32_t n = 0;
	for (;;) {
		uint16_t k = rte_eth_rx_burst(g_ps.dev[1 - slot], 0, m + n,
					      (uint16_t)(MAXPKT - n));
		if (k == 0)
			break;
		n += k;
		assert_true(n < MAXPKT);
	}
	for (uint32_t i = 0; i < n; i++) {
		pkt_decode(slot, m[i], &P[i]);
		rte_pktmbuf_free(m[i]);
	}
	return n;
}

/* Exactly one segment sent on slot (macros, so that a failure names the
 * test's line). */
#define out1(slot) (assert_int_equal(out(slot), 1), &P[0])

#define check_seg(p, fl, sq, ak)                                        \
	do {                                                            \
		const struct pkt *p_ = (p);                             \
		assert_int_equal(p_->flags, (fl));                      \
		assert_int_equal(p_->seq, (uint32_t)(sq));              \
		assert_int_equal(p_->ack, (uint32_t)(ak));              \
	} while (0)

/* A client segment: from CLIENT_IP:CLIENT_PORT to the server. */
static void check_from_client(const struct pkt *p)
{
	assert_int_equal(p->sip, CLIENT_IP);
	assert_int_equal(p->dip, SERVER_IP);
	assert_int_equal(p->sport, CLIENT_PORT);
	assert_int_equal(p->dport, SERVER_PORT);
}

static void check_from_server(const struct pkt *p)
{
	assert_int_equal(p->sip, SERVER_IP);
	assert_int_equal(p->dip, PEER_IP);
	assert_int_equal(p->sport, SERVER_PORT);
	assert_int_equal(p->dport, PEER_PORT);
}

/* ---- connections ---- */

static uint32_t syn_opts(uint8_t *b, uint16_t mss, int ws)
{
	return tcp_opt_build_syn(b, mss, ws);
}

static struct tcb *client_tcb(void)
{
	uint32_t id = conn_tuple_get(&F.w->ct, 0);
	return id == TCB_NIL || tw_tagged(id) ? NULL : tcb_of(F.w, id); /* TIME_WAIT: no TCB */
}

static struct tcb *server_tcb(void)
{
	uint32_t id = conn_hash_lookup(&F.w->ct, rte_cpu_to_be_32(PEER_IP),
				       rte_cpu_to_be_16(PEER_PORT),
				       rte_cpu_to_be_32(SERVER_IP),
				       rte_cpu_to_be_16(SERVER_PORT));
	return id == TCB_NIL ? NULL : tcb_of(F.w, id);
}

/* Open a client connection; check its SYN; return its ISS. */
static uint32_t client_syn(void)
{
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	struct pkt *p = out1(CSLOT);
	check_from_client(p);
	assert_int_equal(p->flags, TH_SYN);
	assert_int_equal(p->ack, 0);
	assert_int_equal(p->wnd, F.plan->tcp.rcv_wnd > 0xffff ? 0xffff :
							       F.plan->tcp.rcv_wnd);
	assert_int_equal(p->optlen, 8);
	assert_true(p->o.has_mss);
	assert_int_equal(p->o.mss, F.plan->tcp.mss);
	assert_true(p->o.has_wscale);
	assert_int_equal(p->o.wscale, F.plan->tcp.wscale);
	assert_int_equal(p->len, 0);
	struct tcb *t = client_tcb();
	assert_non_null(t);
	assert_int_equal(t->state, TCP_SYN_SENT);
	assert_int_equal(t->snd_una, p->seq); /* the ISS until established */
	return p->seq;
}

/* Move a fresh client's ISS (before the SYN-ACK). */
static void client_force_iss(uint32_t iss)
{
	struct tcb *t = client_tcb();
	t->snd_una = iss;
	t->snd_nxt = t->snd_max = t->snd_end = iss + 1;
}

/* SYN-ACK to the client with MSS mss (0: none) and shift ws (-1: none). */
static void client_synack(uint32_t irs, uint32_t iss, uint16_t mss, int ws,
			  uint16_t wnd)
{
	uint8_t o[8];
	uint32_t ol = 0;
	if (mss)
		ol = syn_opts(o, mss, ws);
	else if (ws >= 0) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_WSCALE;
		o[2] = 3;
		o[3] = (uint8_t)ws;
		ol = 4;
	}
	TO_CLIENT(.seq = irs, .ack = iss + 1, .flags = TH_SYN | TH_ACK,
		  .wnd = wnd, .opt = o, .optlen = ol);
}

/* The test's client sends a SYN to the worker's server; check the
 * SYN-ACK; return the server's ISS. */
static uint32_t server_syn(uint32_t irs, uint16_t mss, int ws, uint16_t wnd)
{
	uint8_t o[8];
	uint32_t ol = syn_opts(o, mss, ws);
	TO_SERVER(.seq = irs, .flags = TH_SYN, .wnd = wnd, .opt = o, .optlen = ol);
	struct pkt *p = out1(SSLOT);
	check_from_server(p);
	assert_int_equal(p->flags, TH_SYN | TH_ACK);
	assert_int_equal(p->ack, irs + 1);
	assert_int_equal(p->wnd, 0xffff);
	assert_int_equal(p->optlen, 8);
	assert_true(p->o.has_mss);
	assert_int_equal(p->o.mss, F.plan->tcp.mss);
	assert_int_equal(p->o.has_wscale, ws >= 0);
	if (ws >= 0)
		assert_int_equal(p->o.wscale, F.plan->tcp.wscale);
	struct tcb *t = server_tcb();
	assert_non_null(t);
	assert_int_equal(t->state, TCP_SYN_RCVD);
	assert_int_equal(t->snd_una, p->seq); /* the ISS until established */
	return p->seq;
}

static void server_force_iss(uint32_t iss)
{
	struct tcb *t = server_tcb();
	t->snd_una = iss;
	t->snd_nxt = t->snd_max = t->snd_end = iss + 1;
}

/* A client whose program waits for 10 bytes (so it sends nothing of
 * its own), established with irs; returns its ISS. */
static uint32_t client_quiet(uint32_t irs)
{
	struct teng_plan *p = plan_new();
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	uint32_t iss = client_syn();
	client_synack(irs, iss, 1460, 7, 1000);
	check_seg(out1(CSLOT), TH_ACK, iss + 1, irs + 1);
	assert_int_equal(client_tcb()->state, TCP_ESTABLISHED);
	return iss;
}

/* Place a sent segment's payload at its offset from base in buf. */
static void collect(const struct pkt *p, uint32_t base, uint8_t *buf,
		    uint32_t cap)
{
	uint32_t off = p->seq - base;
	assert_true(off + p->len <= cap);
	memcpy(buf + off, p->data, p->len);
}

#endif
