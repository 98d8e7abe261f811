/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receiving: a burst of frames is parsed and checked (ARP, ICMP echo and
 * the IPv4 and TCP headers; what is malformed or not ours is counted and
 * dropped), each segment's connection is located and its state
 * prefetched, then TCP runs on each in order.
 */
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "csum.h"
#include "icmp.h"
#include "impair.h"
#include "mbuf.h"
#include "neigh.h"
#include "port.h"
#include "syncookie.h"
#include "tcp.h"
#include "tcp_opt.h"
#include "tuple.h"

/* 1 when ip (network order) is one of teng's addresses on port slot. */
static inline int addr_local(const struct worker *w, uint8_t slot, uint32_t ip)
{
	if (w->client_on && slot == w->role_port[ROLE_CLIENT]) {
		uint32_t h = rte_be_to_cpu_32(ip);
		for (uint32_t i = 0; i < w->npools; i++)
			if (h >= w->pools[i].ip_lo && h <= w->pools[i].ip_hi)
				return 1;
	}
	if (w->server_on && slot == w->role_port[ROLE_SERVER])
		for (uint32_t i = 0; i < w->nlisteners; i++)
			if (ip == w->listeners[i].ip)
				return 1;
	return 0;
}

/* An ARP frame: the neighbour table weighs its claim (only queue 0's
 * owner learns); any worker answers a request for our addresses, in m.
 * 1 when m went out as the answer. */
static int arp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct worker_port *p = &w->port[slot];
	void *f = rte_pktmbuf_mtod(m, void *);
	uint32_t tip;
	if (neigh_arp_input(p->nb, f, rte_pktmbuf_data_len(m), p->queue == 0, w->now_ms, w->ctr,
			    &tip) != NEIGH_ARP_REQUEST)
		return 0;
	if (!addr_local(w, slot, tip)) {
		w->ctr->drops_not_ours++;
		return 0;
	}
	neigh_arp_answer(f, &p->mac);
	tx_push(w, slot, m);
	return 1;
}

static int icmp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m,
		      struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot)
{
	if (!icmp_echo(m, ip, ihl, tot, &w->port[slot].mac, w->ctr))
		return 0;
	tx_push(w, slot, m);
	return 1;
}

/* IPv4 header checks; tot and ihl out. 0, or -1 (counted). */
static int parse_ip(struct worker *w, struct rte_mbuf *m, struct seg *s,
		    uint32_t *ihlp, uint32_t *totp)
{
	uint32_t dlen = rte_pktmbuf_data_len(m);
	if (unlikely(dlen < RTE_ETHER_HDR_LEN + 20))
		goto bad;
	s->ip = (struct rte_ipv4_hdr *)(s->eth + 1);
	uint32_t ihl = (s->ip->version_ihl & 0x0f) * 4u;
	uint32_t tot = rte_be_to_cpu_16(s->ip->total_length);
	/* IHL below 5 or past the frame, a total length shorter than the
	 * header or longer than the frame (Ethernet padding may follow). */
	if (unlikely((s->ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl ||
		     tot > dlen - RTE_ETHER_HDR_LEN))
		goto bad;
	/* rx_trusted (the loopback): teng's own frames, never filled */
	if (w->port[s->slot].rx_csum != CSUM_RX_TRUSTED) {
		uint64_t ol = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		if (ol == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		    (ol != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !csum_ipv4_ok(s->ip))) {
			w->ctr->drops_bad_checksum++;
			return -1;
		}
	}
	/* No reassembly: a fragment is never a whole segment. */
	if (unlikely(s->ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		w->ctr->drop_ip_frag++;
		return -1;
	}
	if (unlikely(s->ip->time_to_live == 0)) {
		w->ctr->drop_ttl0++;
		return -1;
	}
	*ihlp = ihl;
	*totp = tot;
	return 0;
bad:
	w->ctr->drop_ip_hdr++;
	return -1;
}

static inline int listener_ip(const struct worker *w, uint32_t ip)
{
	for (uint32_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].ip == ip)
			return 1;
	return 0;
}

static inline int client_ip(const struct worker *w, uint32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip);
	for (uint32_t i = 0; i < w->npools; i++)
		if (h >= w->pools[i].ip_lo && h <= w->pools[i].ip_hi)
			return 1;
	return 0;
}

/* A source no host may send from (RFC 1122 3.2.1.3): 0.0.0.0 (this
 * host, only while it learns its address), 127/8, broadcast, multicast
 * (224/4) and class E (240/4), or an address of the very role the
 * packet is for (its destination's): teng's own, spoofed. The other
 * role's addresses stay allowed, so that teng's client may reach teng's
 * server through a router on one port. */
static inline int src_invalid(const struct worker *w, uint32_t src, uint32_t dst)
{
	uint32_t h = rte_be_to_cpu_32(src);
	if (h == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe || src == dst)
		return 1;
	return (listener_ip(w, src) && listener_ip(w, dst)) ||
	       (client_ip(w, src) && client_ip(w, dst));
}

/* A segment whose flags no stack sends (RFC 9293 3.10.7, RFC 5961):
 * SYN with FIN or RST, or none of SYN, ACK, RST, FIN, PSH, URG. Dropped
 * before any lookup, so a SYN+FIN is never taken for a SYN. */
static inline int flags_invalid(uint8_t f)
{
	return (f & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	       (f & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	       (f & (TH_SYN | TH_ACK | TH_RST | TH_FIN | TH_PSH | RTE_TCP_URG_FLAG)) == 0;
}

static int parse_tcp(struct worker *w, struct rte_mbuf *m, struct seg *s,
		     uint32_t ihl, uint32_t tot)
{
	if (unlikely(tot < ihl + 20))
		goto bad;
	s->th = (struct rte_tcp_hdr *)((uint8_t *)s->ip + ihl);
	uint32_t doff = (s->th->data_off >> 4) * 4u;
	if (unlikely(doff < 20 || ihl + doff > tot))
		goto bad;
	if (w->port[s->slot].rx_csum != CSUM_RX_TRUSTED) {
		uint64_t ol = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
		if (ol == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		    (ol != RTE_MBUF_F_RX_L4_CKSUM_GOOD && !csum_tcp_ok(s->ip, s->th))) {
			w->ctr->drops_bad_checksum++;
			return -1;
		}
	}
	s->flags = s->th->tcp_flags;
	if (unlikely(flags_invalid(s->flags))) {
		w->ctr->drop_bad_flags++;
		return -1;
	}
	s->opt = (const uint8_t *)(s->th + 1);
	s->optlen = doff - 20;
	/* Options are read only within the header: a list that does not
	 * fit it is dropped here, so no later reader meets one. */
	if (s->optlen && unlikely(tcp_opt_check_fast(s->opt, s->optlen) < 0)) {
		w->ctr->drop_tcp_opt++;
		return -1;
	}
	s->data = (const uint8_t *)s->th + doff;
	s->len = tot - ihl - doff;
	s->seq = rte_be_to_cpu_32(s->th->sent_seq);
	s->ack = rte_be_to_cpu_32(s->th->recv_ack);
	s->wnd = rte_be_to_cpu_16(s->th->rx_win);
	return 0;
bad:
	w->ctr->drop_tcp_hdr++;
	return -1;
}

#define TSLOT_NONE UINT32_MAX

/* The slot in the connection table's tuple array of the client tuple a
 * segment is addressed to, or TSLOT_NONE (not one of this core's). */
static uint32_t client_slot(struct worker *w, const struct seg *s)
{
	uint64_t t;
	int i = tuple_find(w, rte_be_to_cpu_32(s->ip->dst_addr), rte_be_to_cpu_16(s->th->dst_port), &t);
	if (i < 0)
		return TSLOT_NONE;
	const struct worker_pool *wp = &w->pools[i];
	uint32_t slot = tuple_slot(w, wp, t);
	if (unlikely(slot == TUPLE_NONE)) {
		/* another worker's tuple: steering did not bring it there */
		w->ctr->not_owner++;
		return TSLOT_NONE;
	}
	return wp->base + slot;
}

/* The client TCB a segment is for, or its tuple's TIME_WAIT (TW_TAG).
 * s->tslot is the tuple's slot, found by rx_locate. */
static uint32_t client_lookup(struct worker *w, const struct seg *s)
{
	if (s->tslot == TSLOT_NONE)
		return TCB_NIL;
	uint32_t id = conn_tuple_get(&w->ct, s->tslot);
	if (id == TCB_NIL || tw_tagged(id))
		return id;
	const struct tcb *t = tcb_of(w, id);
	if (t->rip != s->ip->src_addr || t->rport != s->th->src_port)
		return TCB_NIL;
	return id;
}

/* The listener a segment is for, or -1. */
static int listener_of(const struct worker *w, const struct seg *s)
{
	for (uint32_t i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].ip == s->ip->dst_addr &&
		    w->listeners[i].port == s->th->dst_port)
			return (int)i;
	return -1;
}

/* The first half of a received frame's work: checks and parsing, and
 * everything that is not a TCP segment for us (ARP, ICMP, drops). 1: a
 * segment in s to hand to rx_segment; 0: m is done with (freed or kept). */
static int rx_parse(struct worker *w, uint8_t slot, struct rte_mbuf *m, struct seg *s)
{
	uint32_t ihl, tot;
	w->ctr->pkts_rx++;
	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN || m->nb_segs != 1)) {
		w->ctr->drops_bad_header++;
		goto out;
	}
	s->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	s->slot = slot;
	/* Ethernet: a broadcast or multicast source is no sender, and a
	 * frame for another host (af_packet sees those) is not ours; only
	 * ARP may come broadcast. */
	int arp = s->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	if (unlikely(rte_is_multicast_ether_addr(&s->eth->src_addr) ||
		     (!rte_is_same_ether_addr(&s->eth->dst_addr, &w->port[slot].mac) &&
		      !(arp && rte_is_broadcast_ether_addr(&s->eth->dst_addr))))) {
		if (s->eth->ether_type == rte_cpu_to_be_16(PORT_BYE_ETHERTYPE) &&
		    w->port[slot].watch_link) {
			/* the memif peer is leaving: poll this port no more */
			w->port[slot].peer_gone = w->port[slot].link_down = 1;
			goto out;
		}
		w->ctr->drop_mac++;
		goto out;
	}
	if (s->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		if (arp) {
			if (arp_input(w, slot, m))
				return 0;
		} else {
			w->ctr->drops_not_ours++;
		}
		goto out;
	}
	if (parse_ip(w, m, s, &ihl, &tot) < 0)
		goto out;
	if (!addr_local(w, slot, s->ip->dst_addr)) {
		w->ctr->drops_not_ours++;
		goto out;
	}
	if (unlikely(src_invalid(w, s->ip->src_addr, s->ip->dst_addr))) {
		w->ctr->drop_src_bcast++;
		goto out;
	}
	if (s->ip->next_proto_id == IPPROTO_ICMP) {
		if (icmp_input(w, slot, m, s->ip, ihl, tot))
			return 0;
		goto out;
	}
	if (s->ip->next_proto_id != IPPROTO_TCP) {
		w->ctr->drops_not_ours++;
		goto out;
	}
	if (parse_tcp(w, m, s, ihl, tot) < 0)
		goto out;
	return 1;
out:
	rte_pktmbuf_free(m);
	return 0;
}

/* The TCB a parsed segment is for (TCB_NIL: none; TW_TAG | entry: a
 * tuple in TIME_WAIT); l gets the listener for a segment to a server
 * address, else -1. */
static uint32_t rx_lookup(struct worker *w, struct seg *s, int *l)
{
	*l = -1;
	if (w->server_on && s->slot == w->role_port[ROLE_SERVER] &&
	    (*l = listener_of(w, s)) >= 0) {
		if (unlikely(s->hidx == TSLOT_NONE)) /* rx_locate took it for a client's */
			s->hash = conn_hash4(s->ip->src_addr, s->th->src_port, s->ip->dst_addr,
					     s->th->dst_port);
		uint32_t id = conn_hash_lookup_h(&w->ct, s->hash, s->ip->src_addr, s->th->src_port,
						 s->ip->dst_addr, s->th->dst_port);
		if (id == TCB_NIL && unlikely(w->timewait.hashed)) {
			uint32_t i = tw_lookup(&w->timewait, &w->ct, s->hash, s->ip->src_addr,
					       s->th->src_port, s->ip->dst_addr, s->th->dst_port,
					       w->now_ms);
			if (i != TW_NIL)
				id = TW_TAG | i;
		}
		return id;
	}
	if (w->client_on && s->slot == w->role_port[ROLE_CLIENT])
		return client_lookup(w, s);
	return TCB_NIL;
}

/* Where the TCB a segment is most likely for is found: for the client
 * role its tuple's slot (s->tslot, kept for rx_lookup), else the server
 * hash bucket (s->hidx); the entry is prefetched (rx_prefetch loads it
 * once it has arrived). */
static inline void rx_locate(struct worker *w, struct seg *s)
{
	s->tslot = TSLOT_NONE;
	s->hidx = TSLOT_NONE;
	if (w->client_on && s->slot == w->role_port[ROLE_CLIENT])
		s->tslot = client_slot(w, s);
	if (s->tslot != TSLOT_NONE) {
		if (s->tslot < w->ct.ntuples)
			rte_prefetch0(&w->ct.tuple[s->tslot]);
	} else if (w->server_on && s->slot == w->role_port[ROLE_SERVER]) {
		s->hash = conn_hash4(s->ip->src_addr, s->th->src_port, s->ip->dst_addr,
				     s->th->dst_port);
		s->hidx = s->hash & w->ct.hash_mask;
		rte_prefetch0(&w->ct.hash[s->hidx]);
		/* a SYN of a new connection is looked up in TIME_WAIT too,
		 * and a FIN may take its connection there (an entry put in
		 * that bucket) */
		if (((s->flags & TH_SYN) && unlikely(w->timewait.hashed)) ||
		    ((s->flags & TH_FIN) && w->timewait.cap))
			rte_prefetch0(tw_bucket(&w->timewait, s->hash));
	}
}

/* Start loading the TCB a located segment is most likely for (the
 * tuple slot's, or the hash bucket's first entry). */
static inline void rx_prefetch(struct worker *w, const struct seg *s)
{
	uint32_t id = TCB_NIL;
	if (s->tslot != TSLOT_NONE)
		id = conn_tuple_get(&w->ct, s->tslot);
	else if (s->hidx != TSLOT_NONE)
		id = w->ct.hash[s->hidx];
	if (!(id & TW_TAG)) { /* neither TCB_NIL nor TIME_WAIT */
		rte_prefetch0(tcb_of(w, id));
		if (unlikely(w->imp != NULL))
			impair_prefetch(w, id);
	}
}

/* The second half: the connection, then TCP. The lookup is made again
 * here, because an earlier segment of the same burst may have opened or
 * closed this connection; after rx_prefetch it hits the cache. */
static void rx_segment(struct worker *w, struct seg *s)
{
	int l;
	uint32_t id = rx_lookup(w, s, &l);
	if (unlikely(tw_tagged(id))) {
		if (tw_input(w, s, id & ~TW_TAG))
			return;
		id = TCB_NIL; /* gone, or a SYN reusing the tuple */
	}
	if (id == TCB_NIL) {
		uint8_t f = s->flags & (TH_SYN | TH_ACK | TH_RST);
		uint16_t mss;
		if (l >= 0 && f == TH_SYN) {
			/* Too many half-open (a flood) or no TCB left: a
			 * cookie, and no state. */
			if (syncookie_wanted(w) || w->ct.nfree == 0)
				syncookie_send(w, s);
			else
				tcp_accept(w, s, (uint32_t)l);
		} else if (l >= 0 && f == TH_ACK && syncookie_check(w, s, &mss)) {
			int cid = tcp_accept_cookie(w, s, (uint32_t)l, mss);
			if (cid >= 0)
				tcp_input(w, tcb_of(w, (uint32_t)cid), s);
			/* else counted in no_tcb; the peer sends again */
		} else if (!unlikely(tw_evicted_fin(w, s))) {
			w->ctr->drops_no_connection++;
			tcp_reply_rst(w, s);
		}
	} else {
		tcp_input(w, tcb_of(w, id), s);
	}
}

int worker_rx(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct seg s;
	if (!rx_parse(w, slot, m, &s))
		return 0;
	rx_locate(w, &s);
	rx_segment(w, &s);
	mbuf_free(w, m);
	return 1;
}

/* A burst in three passes, so the cache misses of its frames overlap:
 * parse every frame and prefetch its table entry (rx_locate), then load
 * the entries and prefetch the TCBs, then run TCP on each in order. Each
 * frame is freed as soon as TCP is done with it: the next segment sent
 * takes that mbuf back from the pool's cache while it is still hot (a
 * bulk free at the end of the burst measured slower). */
void worker_rx_burst(struct worker *w, uint8_t slot, struct rte_mbuf **pkts, uint16_t n)
{
	struct seg segs[RX_BURST];
	struct rte_mbuf *ms[RX_BURST];
	uint16_t k = 0;
	for (uint16_t i = 0; i < n && i < 3; i++)
		rte_prefetch0(pkts[i]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 3 < n)
			rte_prefetch0(pkts[i + 3]);
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (!rx_parse(w, slot, pkts[i], &segs[k]))
			continue;
		rx_locate(w, &segs[k]);
		ms[k++] = pkts[i];
	}
	for (uint16_t i = 0; i < k; i++)
		rx_prefetch(w, &segs[i]);
	for (uint16_t i = 0; i < k; i++) {
		rx_segment(w, &segs[i]);
		mbuf_free(w, ms[i]);
	}
}
