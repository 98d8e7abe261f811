/* SPDX-License-Identifier: BSD-3-Clause */
#include "csum.h"

int csum_ipv4_ok(const struct rte_ipv4_hdr *ip)
{
	/* Summing a header with its checksum in place gives 0xffff. */
	uint16_t s = rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));
	return s == 0xffff;
}

int csum_tcp_ok(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th)
{
	return rte_ipv4_udptcp_cksum_verify(ip, th) == 0;
}

uint16_t csum_update16(uint16_t c, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~c + (uint16_t)~old + (uint32_t)new_;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
