/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "arp.h"
#include "csum.h"
#include "tcp.h"

/* Keep the next hop's MAC fresh. A port without a next hop needs none:
 * its server connections answer the MAC their SYN came from. */
static void learn(struct worker_port *p, uint32_t sip,
		  const struct rte_ether_addr *mac)
{
	if (p->peer_fixed)
		return;
	if (p->nexthop_ip != 0 && sip == p->nexthop_ip) {
		rte_ether_addr_copy(mac, &p->peer_mac);
		p->peer_known = 1;
	}
}

int arp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m)
{
	struct worker_port *p = &w->port[slot];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
		w->ctr->drops_bad_header++;
		return 0;
	}
	uint32_t sip = a->arp_data.arp_sip, tip = a->arp_data.arp_tip;
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		w->ctr->arp_replies++;
		learn(p, sip, &a->arp_data.arp_sha);
		return 0;
	}
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		w->ctr->drops_not_ours++;
		return 0;
	}
	w->ctr->arp_requests++;
	if (!addr_local(w, slot, tip)) {
		w->ctr->drops_not_ours++;
		return 0;
	}
	learn(p, sip, &a->arp_data.arp_sha);
	/* Answer in place. */
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_data.arp_sha, &a->arp_data.arp_tha);
	rte_ether_addr_copy(&p->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_tip = sip;
	a->arp_data.arp_sip = tip;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	tx_push(w, slot, m);
	return 1;
}

int icmp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m,
	       struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot)
{
	uint8_t *icmp = (uint8_t *)ip + ihl;
	uint32_t len = tot - ihl;
	if (len < 8) {
		w->ctr->drops_bad_header++;
		return 0;
	}
	if (icmp[0] != 8 || icmp[1] != 0) { /* only echo requests */
		w->ctr->drops_not_ours++;
		return 0;
	}
	if (rte_raw_cksum(icmp, len) != 0xffff) {
		w->ctr->drops_bad_checksum++;
		return 0;
	}
	icmp[0] = 0; /* echo reply */
	icmp[2] = icmp[3] = 0;
	uint16_t c = (uint16_t)~rte_raw_cksum(icmp, len);
	memcpy(icmp + 2, &c, 2);
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	csum_ipv4_set(ip);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->port[slot].mac, &eth->src_addr);
	/* Trim Ethernet padding beyond the IP packet. */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN - tot));
	m->ol_flags = 0;
	w->ctr->icmp_echo++;
	tx_push(w, slot, m);
	return 1;
}

static void arp_send(struct worker *w, uint8_t slot, uint16_t op, uint32_t sip,
		     uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(
		m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	struct worker_port *p = &w->port[slot];
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&p->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = sip;
	memset(&a->arp_data.arp_tha, op == RTE_ARP_OP_REPLY ? 0xff : 0,
	       RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_tip = tip;
	tx_push(w, slot, m);
}

/* Only ARP before the run: a TCP segment now would start a connection
 * on a clock not yet running; its sender will try again. */
static void arp_only(struct worker *w, uint8_t s, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (rte_pktmbuf_data_len(m) >= sizeof(*eth) &&
	    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		worker_rx(w, s, m);
	else
		rte_pktmbuf_free(m);
}

/* Take in what arrived on the queues for a while: ARP answers and requests
 * go through the data plane's own handling. */
static void poll_for(struct worker *w, double seconds)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	do {
		worker_clock(w, rte_rdtsc());
		for (uint8_t s = 0; s < w->nports; s++) {
			/* every queue: a device that spreads frames (af_packet's
			 * fanout) may put the answer on any */
			uint16_t nq = w->port[s].nqueues ? w->port[s].nqueues : 1;
			for (uint16_t q = 0; q < nq; q++) {
				uint16_t n = rte_eth_rx_burst(w->port[s].dev, q, pkts, RX_BURST);
				for (uint16_t i = 0; i < n; i++)
					arp_only(w, s, pkts[i]);
			}
		}
		worker_tx_flush(w);
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	} while (rte_rdtsc() < end);
}

static void ip_str(uint32_t be, char *buf, size_t len)
{
	uint32_t h = rte_be_to_cpu_32(be);
	snprintf(buf, len, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255,
		 h & 255);
}

int arp_start(struct worker *w, const struct teng_plan *plan,
	      const char (*names)[TENG_SPEC_LEN], char *err, size_t errlen)
{
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		if (p->is_loopback)
			continue;
		const struct teng_port_plan *pp = &plan->port[s < plan->nports ? s : 0];
		/* Gratuitous ARP for each local address (a range is capped). */
		if (w->client_on && s == w->role_port[ROLE_CLIENT]) {
			for (uint32_t k = 0; k < w->npools; k++) {
				const struct worker_pool *wp = &w->pools[k];
				for (uint32_t ip = wp->ip_lo; ip <= wp->ip_hi && ip - wp->ip_lo < 256; ip++)
					arp_send(w, s, RTE_ARP_OP_REQUEST, rte_cpu_to_be_32(ip),
						 rte_cpu_to_be_32(ip));
			}
		}
		if (w->server_on && s == w->role_port[ROLE_SERVER]) {
			for (uint32_t k = 0; k < w->nlisteners; k++) {
				uint32_t ip = w->listeners[k].ip;
				int seen = 0; /* listeners may share an address */
				for (uint32_t j = 0; j < k; j++)
					seen |= w->listeners[j].ip == ip;
				if (!seen)
					arp_send(w, s, RTE_ARP_OP_REQUEST, ip, ip);
			}
		}
		if (pp->gateway)
			p->nexthop_ip = rte_cpu_to_be_32(pp->gateway);
		else if (w->client_on && s == w->role_port[ROLE_CLIENT] && w->ntemplates)
			p->nexthop_ip = w->templates[0].dst_ip;
		if (pp->has_peer_mac) {
			memcpy(p->peer_mac.addr_bytes, pp->peer_mac, RTE_ETHER_ADDR_LEN);
			p->peer_known = p->peer_fixed = 1;
		}
		worker_tx_flush(w);
	}
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		if (p->is_loopback || p->peer_fixed || p->nexthop_ip == 0)
			continue;
		uint32_t sip = (w->client_on && s == w->role_port[ROLE_CLIENT] && w->npools) ?
				       rte_cpu_to_be_32(w->pools[0].ip_lo) :
				       (w->nlisteners ? w->listeners[0].ip : 0);
		double waited = 0, limit = plan->arp_timeout_ms / 1000.0;
		while (!p->peer_known && waited < limit) {
			arp_send(w, s, RTE_ARP_OP_REQUEST, sip, p->nexthop_ip);
			worker_tx_flush(w);
			double step = limit - waited < 0.25 ? limit - waited : 0.25;
			for (double t = 0; t < step && !p->peer_known; t += 0.01)
				poll_for(w, 0.01);
			waited += step;
		}
		if (!p->peer_known) {
			char a[16];
			ip_str(p->nexthop_ip, a, sizeof(a));
			snprintf(err, errlen,
				 "cannot resolve %s on %s: no ARP reply within %.1f s",
				 a, names[s], limit);
			return -1;
		}
	}
	return 0;
}
