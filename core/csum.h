/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksums (RFC 1071) for IPv4 and TCP, built on DPDK's. */
#ifndef TENG_CSUM_H
#define TENG_CSUM_H

#include <stdint.h>
#include <rte_ip.h>
#include <rte_tcp.h>

/* Fill in the IPv4 header checksum. */
static inline void csum_ipv4_set(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Fill in the TCP checksum; the TCP header and payload follow ip
 * contiguously and ip->total_length is set. */
static inline void csum_tcp_set(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th)
{
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

/* 1 when the IPv4 header checksum verifies. */
int csum_ipv4_ok(const struct rte_ipv4_hdr *ip);
/* 1 when the TCP checksum verifies (pseudo-header included). */
int csum_tcp_ok(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th);
/* RFC 1624 incremental update of checksum `c` when a 16-bit field
 * changes from old to new (all in network byte order). */
uint16_t csum_update16(uint16_t c, uint16_t old, uint16_t new_);

#endif
