/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071) for IPv4 and TCP (csum_raw sums bytes), and
 * the incremental parts the transmit path adds up (RFC 1624 style): a
 * header checksum is the sum of its constant fields, known at compile
 * time, plus the few that vary, each added as the 16- or 32-bit word it
 * is in memory. One's complement addition does not care about byte
 * order as long as words are added as they lie in memory, so every part
 * here is a sum of network-order values.
 */
#ifndef TENG_CSUM_H
#define TENG_CSUM_H

#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

/* worker_port.rx_csum: who vouches for a received frame's checksums. */
enum {
	CSUM_RX_SW = 0,      /* nobody: verify in software */
	CSUM_RX_HW = 1,      /* the device verified them: its mbuf flags say */
	CSUM_RX_TRUSTED = 2, /* rx_trusted: the in-memory loopback, whose frames
			      * never left memory (teng's own, marked for
			      * offload and never filled): nothing to verify */
};

/* A sum of 16- and 32-bit words folded to 16 bits, end-around carry. */
static inline uint16_t csum_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The raw sum of len bytes at buf (16-bit words in memory order, an odd
 * last byte padded with zero), folded and not complemented: what
 * rte_raw_cksum gives. Summed 8 bytes at a time into two 64-bit
 * accumulators (a 32-bit word's halves each count once, and 2^16 is 1
 * modulo 0xffff, so the fold equals the 16-bit sum): DPDK's inline sums
 * 2 bytes a step, which the compiler does not vectorize at -O2, and on
 * memif and af_packet every segment is summed once each way. */
static inline uint16_t csum_raw(const void *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t s0 = 0, s1 = 0;
	for (; len >= 16; p += 16, len -= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		s0 += (a & 0xffffffffu) + (a >> 32);
		s1 += (b & 0xffffffffu) + (b >> 32);
	}
	s0 += s1;
	for (; len >= 4; p += 4, len -= 4) { /* at most 3 */
		uint32_t a;
		memcpy(&a, p, 4);
		s0 += a;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		s0 += a;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t a = 0;
		memcpy(&a, p, 1);
		s0 += a;
	}
	return csum_fold(s0);
}

/* The constant words of teng's IPv4 header (csum_ip_parts): version and
 * IHL with TOS 0, DF, TTL 64 with protocol TCP. */
static inline uint32_t csum_ip_const(void)
{
	return (uint32_t)rte_cpu_to_be_16(0x4500) + rte_cpu_to_be_16(0x4000) +
	       rte_cpu_to_be_16(0x4000 | IPPROTO_TCP);
}

/* The IPv4 header checksum of teng's header (IHL 5, the constant fields
 * of csum_ip_const) from the varying fields, all network order. */
static inline uint16_t csum_ip_hdr(uint16_t tot_be, uint16_t id_be,
				   uint32_t sip, uint32_t dip)
{
	uint64_t s = (uint64_t)csum_ip_const() + tot_be + id_be + sip + dip;
	return (uint16_t)~csum_fold(s);
}

/* The pseudo-header's part of a TCP checksum, not folded: addresses and
 * protocol (constant per connection) plus the TCP length. */
static inline uint64_t csum_tcp_phdr(uint32_t sip, uint32_t dip, uint32_t l4len)
{
	return (uint64_t)sip + dip + rte_cpu_to_be_16(IPPROTO_TCP) +
	       rte_cpu_to_be_16((uint16_t)l4len);
}

/* A raw sum (as rte_raw_cksum gives, over a whole buffer) after n bytes
 * at offset off change from old to new: the payload of a template
 * segment, summed once, with a field patched in. Bytes at an odd offset
 * are the other half of their words: their sums are byte-swapped. */
static inline uint16_t csum_raw_patch(uint16_t sum, uint32_t off, const void *old,
				      const void *new_, uint32_t n)
{
	uint16_t o = csum_raw(old, n), nw = csum_raw(new_, n);
	if (off & 1) {
		o = (uint16_t)(o << 8 | o >> 8);
		nw = (uint16_t)(nw << 8 | nw >> 8);
	}
	return csum_fold((uint64_t)sum + (uint16_t)~o + nw);
}

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
static inline int csum_ipv4_ok(const struct rte_ipv4_hdr *ip)
{
	/* Summing a header with its checksum in place gives 0xffff. */
	return csum_raw(ip, rte_ipv4_hdr_len(ip)) == 0xffff;
}

/* 1 when the TCP checksum verifies (pseudo-header included); the
 * segment is ip->total_length - IHL bytes at th. */
static inline int csum_tcp_ok(const struct rte_ipv4_hdr *ip,
			      const struct rte_tcp_hdr *th)
{
	uint32_t l4 = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
	uint64_t s = csum_tcp_phdr(ip->src_addr, ip->dst_addr, l4) +
		     csum_raw(th, l4);
	return csum_fold(s) == 0xffff;
}
/* RFC 1624 incremental update of checksum `c` when a 16-bit field
 * changes from old to new (all in network byte order). */
uint16_t csum_update16(uint16_t c, uint16_t old, uint16_t new_);

#endif
