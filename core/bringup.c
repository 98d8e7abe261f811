/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bringup.h"

#define LINK_WAIT_MS 10000
#define RESOLVE_EVERY_MS 250 /* an ARP request this often while unanswered */
#define GARP_RANGE_CAP 256   /* gratuitous ARPs per client address range */
#define BURST 32

struct bu {
	const struct teng_plan *plan;
	struct port_set *ps;
	uint16_t nq;
	struct rte_mempool *pool;
	struct neigh_table *nt;
	struct teng_counters *ctr;
	uint64_t tsc0, hz;
};

static uint32_t now_ms(const struct bu *b)
{
	return (uint32_t)((rte_rdtsc() - b->tsc0) * 1000 / b->hz);
}

static int client_dev(const struct bu *b, uint32_t d)
{
	return b->plan->client_enabled && d == b->ps->role_dev[0];
}

static int server_dev(const struct bu *b, uint32_t d)
{
	return b->plan->server_enabled && d == b->ps->role_dev[1];
}

/* 1 when ip (network order) is one of teng's addresses on device d:
 * the plan's view of what the workers answer (addr_local). */
static int local(const struct bu *b, uint32_t d, uint32_t ip)
{
	const struct teng_plan *p = b->plan;
	uint32_t h = rte_be_to_cpu_32(ip);
	if (client_dev(b, d))
		for (uint32_t i = 0; i < p->npools; i++)
			if (h >= p->pools[i].ip_lo && h <= p->pools[i].ip_hi)
				return 1;
	if (server_dev(b, d))
		for (uint32_t i = 0; i < p->nlisteners; i++)
			if (h == p->listeners[i].ip)
				return 1;
	return 0;
}

static void send_frame(const struct bu *b, uint32_t d, const void *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	if (m == NULL)
		return;
	void *p = rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(p, frame, len);
	if (rte_eth_tx_burst(b->ps->dev[d], 0, &m, 1) == 0) {
		rte_pktmbuf_free(m);
	} else {
		b->ctr->pkts_tx++; /* the device counts it: so do we */
		port_count_burst(&b->ps->bu_opackets[d], &b->ps->bu_obytes[d], &m, 1);
	}
}

static void request(const struct bu *b, uint32_t d, uint32_t sip, uint32_t tip)
{
	uint8_t f[NEIGH_ARP_LEN];
	neigh_arp_request(f, &b->ps->mac[d], sip, tip, NULL);
	send_frame(b, d, f, sizeof(f));
}

/* Every queue of every port, once: ARP goes to the neighbour table (and
 * requests for our addresses are answered); anything else is dropped,
 * as a TCP segment now would meet no connection and its sender will
 * try again. */
static void poll_once(const struct bu *b)
{
	struct rte_mbuf *pkts[BURST];
	for (uint32_t d = 0; d < b->ps->ndevs; d++) {
		for (uint16_t q = 0; q < b->nq; q++) {
			uint16_t n = rte_eth_rx_burst(b->ps->dev[d], q, pkts, BURST);
			b->ctr->pkts_rx += n;
			port_count_burst(&b->ps->bu_ipackets[d], &b->ps->bu_ibytes[d], pkts, n);
			for (uint16_t i = 0; i < n; i++) {
				struct rte_mbuf *m = pkts[i];
				struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
				uint32_t tip;
				if (rte_pktmbuf_data_len(m) >= sizeof(*eth) && m->nb_segs == 1 &&
				    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
				    neigh_arp_input(&b->nt->port[d], eth, rte_pktmbuf_data_len(m), 1,
						    now_ms(b), b->ctr, &tip) == NEIGH_ARP_REQUEST &&
				    local(b, d, tip)) {
					neigh_arp_answer(eth, &b->ps->mac[d]);
					send_frame(b, d, eth, NEIGH_ARP_LEN);
				}
				rte_pktmbuf_free(m);
			}
		}
	}
}

/* The next hop of device d and our address asking for it. */
static void entry_of(struct bu *b, uint32_t d, uint32_t nworkers)
{
	const struct teng_plan *p = b->plan;
	const struct teng_port_plan *pp = &p->port[d < p->nports ? d : 0];
	uint32_t ip = 0, sip = 0;
	if (pp->gateway)
		ip = rte_cpu_to_be_32(pp->gateway);
	else if (client_dev(b, d) && p->ntemplates)
		ip = rte_cpu_to_be_32(p->templates[0].dst_ip);
	if (client_dev(b, d) && p->npools)
		sip = rte_cpu_to_be_32(p->pools[0].ip_lo);
	else if (server_dev(b, d) && p->nlisteners)
		sip = rte_cpu_to_be_32(p->listeners[0].ip);
	neigh_entry_init(&b->nt->port[d], ip, sip, pp->has_peer_mac ? pp->peer_mac : NULL,
			 nworkers);
}

/* Gratuitous ARP for each of our addresses on d (a range is capped). */
static void announce(const struct bu *b, uint32_t d)
{
	const struct teng_plan *p = b->plan;
	if (client_dev(b, d))
		for (uint32_t k = 0; k < p->npools; k++)
			for (uint32_t ip = p->pools[k].ip_lo;
			     ip <= p->pools[k].ip_hi && ip - p->pools[k].ip_lo < GARP_RANGE_CAP; ip++)
				request(b, d, rte_cpu_to_be_32(ip), rte_cpu_to_be_32(ip));
	if (server_dev(b, d))
		for (uint32_t k = 0; k < p->nlisteners; k++) {
			int seen = 0; /* listeners may share an address */
			for (uint32_t j = 0; j < k; j++)
				seen |= p->listeners[j].ip == p->listeners[k].ip;
			if (!seen)
				request(b, d, rte_cpu_to_be_32(p->listeners[k].ip),
					rte_cpu_to_be_32(p->listeners[k].ip));
		}
}

static void ip_str(uint32_t be, char *buf, size_t len)
{
	uint32_t h = rte_be_to_cpu_32(be);
	snprintf(buf, len, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
}

int bringup_run(const struct teng_plan *plan, struct port_set *ps, uint16_t nq,
		struct rte_mempool *pool, struct neigh_table *nt, uint32_t nworkers,
		struct teng_counters *ctr, char *err, size_t errlen)
{
	struct bu b = { .plan = plan, .ps = ps, .nq = nq ? nq : 1, .pool = pool, .nt = nt,
			.ctr = ctr, .tsc0 = rte_rdtsc(), .hz = rte_get_tsc_hz() };
	if (port_wait_link(ps, LINK_WAIT_MS, err, errlen) < 0)
		return -1;
	for (uint32_t d = 0; d < ps->ndevs && d < TENG_MAX_PORTS; d++) {
		entry_of(&b, d, nworkers);
		announce(&b, d);
	}
	uint32_t limit = plan->arp_timeout_ms;
	for (uint32_t d = 0; d < ps->ndevs && d < TENG_MAX_PORTS; d++) {
		struct neigh_entry *e = &nt->port[d];
		if (e->ip == 0 || e->known)
			continue;
		uint32_t start = now_ms(&b), sent = 0;
		for (;;) {
			uint32_t el = now_ms(&b) - start;
			if (e->known || el >= limit)
				break;
			if (el >= sent * RESOLVE_EVERY_MS) {
				request(&b, d, e->sip, e->ip);
				sent++;
			}
			poll_once(&b);
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
		}
		if (!e->known) {
			char a[16];
			ip_str(e->ip, a, sizeof(a));
			snprintf(err, errlen,
				 "cannot resolve %s on %s: no ARP reply to %u requests within %.1f s",
				 a, ps->name[d], sent, limit / 1000.0);
			return -1;
		}
	}
	for (uint32_t d = 0; d < ps->ndevs && d < TENG_MAX_PORTS; d++)
		neigh_epoch(&nt->port[d]);
	return 0;
}
