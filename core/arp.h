/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addressing on real ports: ARP (answer for every local address, learn
 * and resolve the next hop, gratuitous ARP at start) and ICMP echo, so a
 * user can ping teng.
 */
#ifndef TENG_ARP_H
#define TENG_ARP_H

#include <stddef.h>
#include <rte_ip.h>

#include "teng/plan.h"
#include "worker.h"

/* 1 when ip (network order) is one of teng's addresses on port slot. */
static inline int addr_local(const struct worker *w, uint8_t slot, uint32_t ip)
{
	if (w->client_on && slot == w->role_port[0]) {
		uint32_t h = rte_be_to_cpu_32(ip);
		for (uint32_t i = 0; i < w->npools; i++)
			if (h >= w->pools[i].ip_lo && h <= w->pools[i].ip_hi)
				return 1;
	}
	if (w->server_on && slot == w->role_port[1])
		for (uint32_t i = 0; i < w->nlisteners; i++)
			if (ip == w->listeners[i].ip)
				return 1;
	return 0;
}

/* An ARP frame arrived. Returns 1 when m was reused for the answer. */
int arp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m);
/* An ICMP packet for a local address. Returns 1 when m was reused. */
int icmp_input(struct worker *w, uint8_t slot, struct rte_mbuf *m,
	       struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot);

/* Before the workers start, on the main lcore: gratuitous ARPs, then
 * resolve each port's next hop through worker w (queue 0) within the
 * plan's time. 0, or -1 with the unresolved address named in err. */
int arp_start(struct worker *w, const struct teng_plan *plan,
	      const char (*names)[TENG_SPEC_LEN], char *err, size_t errlen);

#endif
