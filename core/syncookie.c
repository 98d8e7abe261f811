/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_byteorder.h>
#include <rte_random.h>

#include "hdr.h"
#include "mbuf.h"
#include "syncookie.h"
#include "tcp.h"
#include "tcp_opt.h"

#define TICK_SHIFT 16 /* ms: a tick is 65.5 s */
#define HASH_BITS 27
#define HASH_MASK ((1u << HASH_BITS) - 1)

/* The MSS a cookie can say, ascending: the common Ethernet, tunnel and
 * jumbo values. Index 0 is also what a SYN without MSS gets. */
static const uint16_t cookie_mss[8] = {536,  1200, 1300, 1400,
				       1440, 1460, 4312, 8960};

void syncookie_init(struct worker *w)
{
	w->cookie_key[0] = rte_rand();
	w->cookie_key[1] = rte_rand() | 1;
	uint64_t m = w->ct.size / 4;
	if (m < SYNCOOKIE_MIN_HALF_OPEN)
		m = SYNCOOKIE_MIN_HALF_OPEN;
	if (m > SYNCOOKIE_MAX_HALF_OPEN)
		m = SYNCOOKIE_MAX_HALF_OPEN;
	w->syn_rcvd_max = (uint32_t)m;
	w->cookie_tick = UINT32_MAX;
}

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

uint32_t syncookie_make(const struct worker *w, uint32_t sip, uint32_t dip,
			uint16_t sport, uint16_t dport, uint32_t irs,
			uint32_t tick, uint32_t mss_index)
{
	/* Two keyed rounds over everything the cookie stands for. */
	uint64_t h = mix(((uint64_t)sip << 32 | dip) ^ w->cookie_key[0]);
	h = mix(h ^ ((uint64_t)sport << 48 | (uint64_t)dport << 32 | irs) ^
		w->cookie_key[1]);
	h = mix(h ^ ((uint64_t)tick << 8 | mss_index) ^ w->cookie_key[0] >> 1);
	return (tick & 3) << 30 | (mss_index & 7) << HASH_BITS |
	       ((uint32_t)h & HASH_MASK);
}

static uint32_t mss_index_of(const struct seg *s)
{
	struct tcp_opts o;
	if (tcp_opt_parse(s->opt, s->optlen, &o) < 0 || !o.has_mss)
		return 0;
	uint32_t i = 7;
	while (i > 0 && cookie_mss[i] > o.mss)
		i--;
	return i;
}

void syncookie_send(struct worker *w, const struct seg *s)
{
	uint32_t tick = w->now_ms >> TICK_SHIFT;
	uint32_t cookie =
	    syncookie_make(w, s->ip->src_addr, s->ip->dst_addr, s->th->src_port,
			   s->th->dst_port, s->seq, tick, mss_index_of(s));
	const struct worker_port *p = &w->port[s->slot];
	struct hdr_fields f;
	/* The MAC a TCB would answer (tcp_accept). */
	f.dst = (!p->peer_fixed && p->nexthop_ip == 0) ? &s->eth->src_addr
						       : &p->peer_mac;
	f.src = &p->mac;
	f.sip = s->ip->dst_addr;
	f.dip = s->ip->src_addr;
	f.sport = s->th->dst_port;
	f.dport = s->th->src_port;
	f.seq = rte_cpu_to_be_32(cookie);
	f.ack = rte_cpu_to_be_32(s->seq + 1);
	f.id = rte_cpu_to_be_16(w->ip_id++);
	f.win = rte_cpu_to_be_16(
	    (uint16_t)(w->rcv_wnd > 0xffff ? 0xffff : w->rcv_wnd));
	f.flags = TH_SYN | TH_ACK;
	f.optlen = 4;
	f.len = 0;
	struct rte_mbuf *m = mbuf_alloc(w);
	if (unlikely(m == NULL)) {
		w->ctr->drops_tx_full++;
		return;
	}
	uint16_t total = (uint16_t)(HDR_TCP_OFF + 20 + f.optlen);
	m->data_len = total;
	m->pkt_len = total;
	struct rte_tcp_hdr *th = hdr_write(rte_pktmbuf_mtod(m, uint8_t *), &f);
	tcp_opt_build_syn((uint8_t *)(th + 1), w->mss, -1); /* MSS only */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)th - 1;
	if (p->tx_csum) {
		th->cksum = hdr_phdr_csum(&f);
		m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, 20,
						    20u + f.optlen, 0, 0, 0, 0);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_CKSUM;
	} else {
		ip->hdr_checksum = hdr_ip_csum(&f);
		th->cksum = hdr_tcp_csum(&f, th);
	}
	w->cookie_tick = tick;
	w->ctr->syn_cookies++;
	tx_push(w, s->slot, m);
}

int syncookie_check(struct worker *w, const struct seg *s, uint16_t *mss)
{
	uint32_t tick = w->now_ms >> TICK_SHIFT;
	if (w->cookie_tick == UINT32_MAX || tick - w->cookie_tick > 1)
		return 0;
	uint32_t c = s->ack - 1;
	uint32_t age = (tick - (c >> 30)) & 3;
	if (age > 1)
		return 0;
	uint32_t idx = (c >> HASH_BITS) & 7;
	if (syncookie_make(w, s->ip->src_addr, s->ip->dst_addr, s->th->src_port,
			   s->th->dst_port, s->seq - 1, tick - age, idx) != c)
		return 0;
	*mss = cookie_mss[idx] < w->mss ? cookie_mss[idx] : w->mss;
	return 1;
}
