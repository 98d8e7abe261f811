/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment headers from a template. Every segment teng sends has the same
 * Ethernet + IPv4 + TCP layout: the constant fields (EtherType, version
 * and IHL, TOS, DF, TTL, protocol, urgent pointer, zeroed checksums) are
 * one 64-byte template, copied with a few vector stores; the fields that
 * vary are then stored over it (MACs, lengths, id, addresses, ports,
 * sequence numbers, flags, window). The destination MAC is per
 * connection on a server facing several routers, and learnt at run time
 * by ARP, so both MACs are stored per segment rather than templated.
 *
 * Checksums, without reading the header back: the IPv4 one is the
 * compile-time sum of the constant fields plus the varying ones
 * (csum_ip_hdr); the TCP one is the pseudo-header part plus the header's
 * varying words, summed from the values being stored, plus the options'
 * and the payload's raw sums (hdr_tcp_csum).
 */
#ifndef TENG_HDR_H
#define TENG_HDR_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>

#include "csum.h"

#define HDR_TPL_LEN 64 /* bytes copied: 54 of headers, options overwrite the rest */

/* Offsets in the frame. */
#define HDR_IP_OFF RTE_ETHER_HDR_LEN
#define HDR_TCP_OFF (RTE_ETHER_HDR_LEN + 20)

static const uint8_t hdr_tpl[HDR_TPL_LEN] __rte_aligned(64) = {
	/* Ethernet: dst, src (stored per segment), IPv4 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
	/* IPv4: version 4, IHL 5, TOS 0; total length; id; DF; TTL 64, TCP;
	 * checksum; addresses */
	0x45, 0x00, 0, 0, 0, 0, 0x40, 0x00, 64, IPPROTO_TCP, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	/* TCP: ports; seq; ack; data offset 5, flags; window; checksum;
	 * urgent pointer */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0, 0, 0, 0, 0, 0,
	/* options / payload start: overwritten */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The varying fields of one segment, network order. */
struct hdr_fields {
	const struct rte_ether_addr *dst, *src;
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t id;
	uint16_t win;
	uint8_t flags;
	uint8_t optlen; /* a multiple of 4, at most 40 */
	uint16_t len;   /* payload bytes after the options */
};

/* Write the headers of a segment at b (room for HDR_TPL_LEN bytes and
 * more); options and payload are the caller's. Returns the TCP header. */
static inline struct rte_tcp_hdr *hdr_write(uint8_t *b, const struct hdr_fields *f)
{
	rte_mov64(b, hdr_tpl);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	rte_ether_addr_copy(f->dst, &eth->dst_addr);
	rte_ether_addr_copy(f->src, &eth->src_addr);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + HDR_IP_OFF);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + f->optlen + f->len));
	ip->packet_id = f->id;
	ip->src_addr = f->sip;
	ip->dst_addr = f->dip;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(b + HDR_TCP_OFF);
	th->src_port = f->sport;
	th->dst_port = f->dport;
	th->sent_seq = f->seq;
	th->recv_ack = f->ack;
	th->data_off = (uint8_t)((20 + f->optlen) << 2);
	th->tcp_flags = f->flags;
	th->rx_win = f->win;
	return th;
}

/* The IPv4 header checksum of hdr_write's header. */
static inline uint16_t hdr_ip_csum(const struct hdr_fields *f)
{
	return csum_ip_hdr(rte_cpu_to_be_16((uint16_t)(40 + f->optlen + f->len)),
			   f->id, f->sip, f->dip);
}

/* The pseudo-header sum a device with TCP checksum offload wants in the
 * checksum field (folded, not complemented). */
static inline uint16_t hdr_phdr_csum(const struct hdr_fields *f)
{
	return csum_fold(csum_tcp_phdr(f->sip, f->dip, 20u + f->optlen + f->len));
}

/* The raw sum of the pseudo-header and the TCP header's fields (the
 * checksum field counted as 0). */
static inline uint64_t hdr_tcp_fields_sum(const struct hdr_fields *f)
{
	/* data offset and flags: the 16-bit word as it lies in memory */
	uint16_t off_flags = rte_cpu_to_be_16((uint16_t)(((20u + f->optlen) << 10) |
							 f->flags));
	return csum_tcp_phdr(f->sip, f->dip, 20u + f->optlen + f->len) +
	       f->sport + f->dport + f->seq + f->ack + off_flags + f->win;
}

/* The TCP checksum of hdr_write's segment: th's options and payload
 * written (opt: optlen bytes, the payload: len bytes after them). */
static inline uint16_t hdr_tcp_csum(const struct hdr_fields *f,
				    const struct rte_tcp_hdr *th)
{
	uint64_t s = hdr_tcp_fields_sum(f);
	/* Options and payload follow the header at an even offset: their
	 * raw sum lines up with the header's words. */
	if (f->optlen | f->len)
		s += csum_raw(th + 1, (size_t)f->optlen + f->len);
	return (uint16_t)~csum_fold(s);
}

/* hdr_tcp_csum with the payload's raw sum known (psum): only the
 * options are summed. They are a multiple of 4 bytes, so the payload's
 * words line up as they do on their own. */
static inline uint16_t hdr_tcp_csum_psum(const struct hdr_fields *f,
					 const struct rte_tcp_hdr *th, uint16_t psum)
{
	uint64_t s = hdr_tcp_fields_sum(f) + psum;
	if (f->optlen)
		s += csum_raw(th + 1, f->optlen);
	return (uint16_t)~csum_fold(s);
}

#endif
