/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Templated headers (hdr.h) and incrementally built checksums against a
 * full recomputation (DPDK's rte_ipv4_cksum, rte_ipv4_udptcp_cksum) and
 * a plain RFC 1071 reference, over many random headers, options, payload
 * lengths (0..1460, odd and even) and patched payload fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"
#include "hdr.h"

/* RFC 1071 the obvious way: big-endian words, an odd byte padded. */
static uint32_t ref_add(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Host-order TCP checksum of the segment after the 20-byte IPv4 header
 * at ip, with the checksum field taken as 0. */
static uint16_t ref_tcp(const uint8_t *ip)
{
	size_t l4 = ((size_t)ip[2] << 8 | ip[3]) - 20;
	static uint8_t seg[2048];
	memcpy(seg, ip + 20, l4);
	seg[16] = seg[17] = 0;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = (uint8_t)(l4 >> 8);
	ph[11] = (uint8_t)l4;
	return (uint16_t)~ref_fold(ref_add(ref_add(0, ph, 12), seg, l4));
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* Corner values as well as random ones: all-zero and all-one fields make
 * the carries and the 0 / 0xffff cases. */
static uint32_t rnd32(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	default: return rnd() ^ (rnd() << 16);
	}
}

static uint16_t rnd16(void)
{
	return (uint16_t)rnd32();
}

struct frame {
	uint8_t b[2048] __rte_aligned(64);
};

/* A segment built the way tcp_out.c builds it: template, fields, options,
 * payload, checksums from their parts. */
static struct rte_tcp_hdr *build(struct frame *fr, const struct hdr_fields *f,
				 const uint8_t *opt, const uint8_t *pay)
{
	memset(fr->b, 0xa5, sizeof(fr->b)); /* stale bytes everywhere */
	struct rte_tcp_hdr *th = hdr_write(fr->b, f);
	memcpy(th + 1, opt, f->optlen);
	memcpy((uint8_t *)(th + 1) + f->optlen, pay, f->len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)th - 1;
	ip->hdr_checksum = hdr_ip_csum(f);
	th->cksum = hdr_tcp_csum(f, th);
	return th;
}

static void rnd_fields(struct hdr_fields *f, struct rte_ether_addr *dst,
		       struct rte_ether_addr *src, uint32_t len)
{
	rnd_bytes(dst->addr_bytes, 6);
	rnd_bytes(src->addr_bytes, 6);
	f->dst = dst;
	f->src = src;
	f->sip = rnd32();
	f->dip = rnd32();
	f->sport = rnd16();
	f->dport = rnd16();
	f->seq = rnd32();
	f->ack = rnd32();
	f->id = rnd16();
	f->win = rnd16();
	f->flags = (uint8_t)rnd();
	f->optlen = (uint8_t)(4 * (rnd() % 11));
	f->len = (uint16_t)len;
}

/* Every header byte is what the fields say, and both checksums equal
 * DPDK's full recomputation and the reference. */
static void check_frame(struct frame *fr, const struct hdr_fields *f,
			const uint8_t *opt, const uint8_t *pay)
{
	const uint8_t *b = fr->b;
	assert_memory_equal(b, f->dst->addr_bytes, 6);
	assert_memory_equal(b + 6, f->src->addr_bytes, 6);
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x00);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(fr->b + 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(ip->type_of_service, 0);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 40u + f->optlen + f->len);
	assert_int_equal(ip->packet_id, f->id);
	assert_int_equal(ip->fragment_offset, rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(ip->src_addr, f->sip);
	assert_int_equal(ip->dst_addr, f->dip);
	assert_int_equal(th->src_port, f->sport);
	assert_int_equal(th->dst_port, f->dport);
	assert_int_equal(th->sent_seq, f->seq);
	assert_int_equal(th->recv_ack, f->ack);
	assert_int_equal(th->data_off, ((20 + f->optlen) / 4) << 4);
	assert_int_equal(th->tcp_flags, f->flags);
	assert_int_equal(th->rx_win, f->win);
	assert_int_equal(th->tcp_urp, 0);
	assert_memory_equal(th + 1, opt, f->optlen);
	if (f->len)
		assert_memory_equal((uint8_t *)(th + 1) + f->optlen, pay, f->len);

	/* the pseudo-header sum an offloading device wants */
	assert_int_equal(hdr_phdr_csum(f), rte_ipv4_phdr_cksum(ip, 0));

	uint16_t ipc = ip->hdr_checksum, tc = th->cksum;
	assert_true(csum_ipv4_ok(ip));
	assert_true(csum_tcp_ok(ip, th));
	ip->hdr_checksum = 0;
	assert_int_equal(ipc, rte_ipv4_cksum(ip));
	ip->hdr_checksum = ipc;
	th->cksum = 0;
	assert_int_equal(tc, rte_ipv4_udptcp_cksum(ip, th));
	assert_int_equal(rte_be_to_cpu_16(tc), ref_tcp((const uint8_t *)ip));
	th->cksum = tc;
}

static void test_tpl_random(void **state)
{
	(void)state;
	static struct frame fr;
	static uint8_t pay[1460], opt[40];
	struct rte_ether_addr dst, src;
	struct hdr_fields f;
	/* every payload length, several random headers each */
	for (uint32_t len = 0; len <= 1460; len++) {
		for (int k = 0; k < 6; k++) {
			rnd_fields(&f, &dst, &src, len);
			rnd_bytes(opt, sizeof(opt));
			if (k == 0)
				memset(pay, 0, len); /* all-zero payload */
			else if (k == 1)
				memset(pay, 0xff, len);
			else
				rnd_bytes(pay, len);
			build(&fr, &f, opt, pay);
			check_frame(&fr, &f, opt, pay);
		}
	}
}

/* csum_raw, the sum under every checksum here, against DPDK's
 * rte_raw_cksum and the RFC 1071 reference: every length to past a
 * jumbo-free frame, every alignment, random, all-zero and all-one bytes
 * (the carries, and 0 against 0xffff). */
static void test_csum_raw(void **state)
{
	(void)state;
	static uint8_t buf[2048 + 8];
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			rnd_bytes(buf, sizeof(buf));
		else
			memset(buf, k == 1 ? 0 : 0xff, sizeof(buf));
		for (uint32_t len = 0; len <= 2048; len++) {
			for (uint32_t a = 0; a < 8; a++) {
				const uint8_t *p = buf + a;
				uint16_t got = csum_raw(p, len);
				assert_int_equal(got, rte_raw_cksum(p, len));
				/* memory-order words: the big-endian sum swapped */
				assert_int_equal(rte_be_to_cpu_16(got), ref_fold(ref_add(0, p, len)));
			}
		}
	}
}

/* teng's own shapes: a SYN with 8 bytes of options, a segment without. */
static void test_tpl_teng_shapes(void **state)
{
	(void)state;
	static struct frame fr;
	static uint8_t pay[1460];
	struct rte_ether_addr dst, src;
	struct hdr_fields f;
	const uint8_t syn_opt[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	for (int i = 0; i < 20000; i++) {
		uint32_t len = rnd() % 1461;
		rnd_fields(&f, &dst, &src, len);
		if (i & 1) {
			f.optlen = 8;
			f.len = 0;
			f.flags = (i & 2) ? 0x02 : 0x12;
		} else {
			f.optlen = 0;
			f.flags = 0x10 | (uint8_t)(rnd() & 0x0d); /* ACK, FIN/RST/PSH */
			rnd_bytes(pay, len);
		}
		build(&fr, &f, syn_opt, pay);
		check_frame(&fr, &f, syn_opt, pay);
	}
}

/* A flipped bit anywhere in the segment or its pseudo-header fails the
 * verification of an incrementally built checksum. */
static void test_tpl_flip(void **state)
{
	(void)state;
	static struct frame fr;
	static uint8_t pay[64], opt[40];
	struct rte_ether_addr dst, src;
	struct hdr_fields f;
	for (uint32_t len = 0; len < 64; len++) {
		rnd_fields(&f, &dst, &src, len);
		rnd_bytes(opt, sizeof(opt));
		rnd_bytes(pay, len);
		build(&fr, &f, opt, pay);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(fr.b + 14);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint8_t *seg = (uint8_t *)th;
		uint32_t l4 = 20u + f.optlen + len;
		for (uint32_t i = 0; i < l4; i++) {
			uint8_t bit = (uint8_t)(1u << (rnd() % 8));
			seg[i] ^= bit;
			assert_false(csum_tcp_ok(ip, th));
			seg[i] ^= bit;
		}
		for (uint32_t i = 0; i < 20; i++) {
			uint8_t *h = (uint8_t *)ip;
			if (i == 0 || i == 2 || i == 3)
				continue; /* IHL and length move the header's or the
					   * segment's end */
			uint8_t bit = (uint8_t)(1u << (rnd() % 8));
			h[i] ^= bit;
			assert_false(csum_ipv4_ok(ip));
			h[i] ^= bit;
		}
		assert_true(csum_ipv4_ok(ip));
		assert_true(csum_tcp_ok(ip, th));
	}
}

/* A payload summed once, then fields patched in at any offset (odd or
 * even) and width: the checksum from the patched sum equals a full
 * recomputation of the patched segment. */
static void test_payload_fields(void **state)
{
	(void)state;
	static struct frame fr;
	static uint8_t pay[1460], opt[40];
	struct rte_ether_addr dst, src;
	struct hdr_fields f;
	for (int i = 0; i < 20000; i++) {
		uint32_t len = 1 + rnd() % 1460;
		rnd_fields(&f, &dst, &src, len);
		f.optlen = (i & 1) ? 8 : 0;
		rnd_bytes(opt, sizeof(opt));
		rnd_bytes(pay, len);
		uint16_t sum = rte_raw_cksum(pay, len);
		/* up to 4 fields: a request number, a connection id... */
		int nf = 1 + (int)(rnd() % 4);
		for (int k = 0; k < nf; k++) {
			uint32_t off = rnd() % len;
			uint32_t n = 1 + rnd() % 20;
			if (n > len - off)
				n = len - off;
			uint8_t val[20];
			if (rnd() % 4 == 0)
				memset(val, (rnd() & 1) ? 0 : 0xff, n);
			else
				rnd_bytes(val, n);
			sum = csum_raw_patch(sum, off, pay + off, val, n);
			memcpy(pay + off, val, n);
		}
		/* the same one's complement value as summing it all again (0
		 * and 0xffff are both zero) */
		assert_int_equal(sum % 0xffff, rte_raw_cksum(pay, len) % 0xffff);
		/* the TCP checksum from the patched sum */
		build(&fr, &f, opt, pay);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(fr.b + 14);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint16_t off_flags = rte_cpu_to_be_16((uint16_t)(((20u + f.optlen) << 10) | f.flags));
		uint64_t s = csum_tcp_phdr(f.sip, f.dip, 20u + f.optlen + len) + f.sport +
			     f.dport + f.seq + f.ack + off_flags + f.win +
			     (f.optlen ? rte_raw_cksum(opt, f.optlen) : 0) + sum;
		uint16_t inc = (uint16_t)~csum_fold(s);
		th->cksum = 0;
		assert_int_equal(inc, rte_ipv4_udptcp_cksum(ip, th));
		th->cksum = inc;
		assert_true(csum_tcp_ok(ip, th));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_raw),
		cmocka_unit_test(test_tpl_random),
		cmocka_unit_test(test_tpl_teng_shapes),
		cmocka_unit_test(test_tpl_flip),
		cmocka_unit_test(test_payload_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
