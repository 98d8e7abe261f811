/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "csum.h"
#include "icmp.h"

int icmp_echo(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot,
	      const struct rte_ether_addr *mac, struct teng_counters *ctr)
{
	uint8_t *icmp = (uint8_t *)ip + ihl;
	uint32_t len = tot - ihl;
	if (len < 8) {
		ctr->drops_bad_header++;
		return 0;
	}
	if (icmp[0] != 8 || icmp[1] != 0) { /* only echo requests */
		ctr->drops_not_ours++;
		return 0;
	}
	if (csum_raw(icmp, len) != 0xffff) {
		ctr->drops_bad_checksum++;
		return 0;
	}
	icmp[0] = 0; /* echo reply */
	icmp[2] = icmp[3] = 0;
	uint16_t c = (uint16_t)~csum_raw(icmp, len);
	memcpy(icmp + 2, &c, 2);
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	csum_ipv4_set(ip);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	/* Trim Ethernet padding beyond the IP packet. */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN - tot));
	m->ol_flags = 0;
	ctr->icmp_echo++;
	return 1;
}
