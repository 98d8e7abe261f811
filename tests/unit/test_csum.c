/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 and TCP checksums (csum.h) against a plain reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"

/* RFC 1071, the obvious way: 16-bit big-endian words, an odd byte padded
 * with zero, carries folded back, then complemented. */
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

/* Checksum of a buffer, host order value, with its checksum field taken
 * as zero. */
static uint16_t ref_ip(const uint8_t *ip)
{
	uint8_t h[60];
	size_t n = (ip[0] & 0x0f) * 4u;
	memcpy(h, ip, n);
	h[10] = h[11] = 0;
	return (uint16_t)~ref_fold(ref_add(0, h, n));
}

static uint16_t ref_tcp(const uint8_t *ip)
{
	size_t ihl = (ip[0] & 0x0f) * 4u;
	size_t tot = (size_t)ip[2] << 8 | ip[3];
	size_t l4 = tot - ihl;
	uint8_t seg[2048];
	memcpy(seg, ip + ihl, l4);
	seg[16] = seg[17] = 0;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8); /* source and destination addresses */
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = (uint8_t)(l4 >> 8);
	ph[11] = (uint8_t)l4;
	return (uint16_t)~ref_fold(ref_add(ref_add(0, ph, 12), seg, l4));
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* IPv4 header + TCP header + payload of plen bytes in buf. */
static size_t build(uint8_t *buf, size_t plen, uint32_t seed)
{
	static const uint8_t hdr[40] = {
		/* IPv4: 4500 len 1c46 4000 4006 csum, 192.168.0.1 -> 10.1.2.3 */
		0x45, 0x00, 0x00, 0x00, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0x0a, 0x01, 0x02, 0x03,
		/* TCP: 51000 -> 80, seq, ack, doff 5, PSH|ACK, wnd 502 */
		0xc7, 0x38, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
		0xde, 0xf0, 0x50, 0x18, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x00,
	};
	memcpy(buf, hdr, sizeof(hdr));
	size_t tot = 40 + plen;
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < plen; i++) {
		x = x * 1103515245u + 12345u;
		buf[40 + i] = (uint8_t)(x >> 16);
	}
	return tot;
}

static void test_ipv4_known(void **state)
{
	(void)state;
	/* The classic example header, checksum 0xb861 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
	assert_int_equal(ref_ip(h), 0xb861);
	assert_false(csum_ipv4_ok(ip));
	h[10] = 0x12; /* garbage in the field is overwritten */
	csum_ipv4_set(ip);
	assert_int_equal(h[10], 0xb8);
	assert_int_equal(h[11], 0x61);
	assert_true(csum_ipv4_ok(ip));
	for (size_t i = 0; i < 20; i++) {
		h[i] ^= 0x01;
		assert_false(csum_ipv4_ok(ip));
		h[i] ^= 0x01;
	}
	assert_true(csum_ipv4_ok(ip));
}

static void test_ipv4_options(void **state)
{
	(void)state;
	/* ihl 6: the option word is covered */
	uint8_t h[24] = { 0x46, 0x00, 0x00, 0x18, 0xab, 0xcd, 0x00, 0x00, 0x01, 0x02,
			  0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
			  0x94, 0x04, 0x00, 0x00 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
	csum_ipv4_set(ip);
	assert_int_equal(be16(h + 10), ref_ip(h));
	assert_true(csum_ipv4_ok(ip));
	h[22] = 0x01;
	assert_false(csum_ipv4_ok(ip));
}

static void test_tcp_even_odd(void **state)
{
	(void)state;
	uint8_t buf[2048];
	for (size_t plen = 0; plen <= 41; plen++) {
		size_t tot = build(buf, plen, (uint32_t)plen);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(buf + 20);
		buf[36] = 0x55; /* stale checksum */
		csum_ipv4_set(ip);
		csum_tcp_set(ip, th);
		assert_int_equal(be16(buf + 10), ref_ip(buf));
		assert_int_equal(be16(buf + 36), ref_tcp(buf));
		assert_true(csum_ipv4_ok(ip));
		assert_true(csum_tcp_ok(ip, th));
		/* any flipped byte of the segment is caught, the last (odd)
		 * byte included */
		for (size_t i = 20; i < tot; i++) {
			buf[i] ^= 0x80;
			assert_false(csum_tcp_ok(ip, th));
			buf[i] ^= 0x80;
		}
		/* and of the pseudo-header's addresses */
		for (size_t i = 12; i < 20; i++) {
			buf[i] ^= 0x04;
			assert_false(csum_tcp_ok(ip, th));
			buf[i] ^= 0x04;
		}
		assert_true(csum_tcp_ok(ip, th));
	}
}

static void test_tcp_known(void **state)
{
	(void)state;
	/* A hand-made SYN: 10.0.0.1:40000 -> 10.0.0.2:80, seq 1,
	 * window 65535, MSS 1460; checksum worked out by hand below. */
	uint8_t p[44] = { 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06,
			  0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
			  0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
			  0x00, 0x00, 0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			  0x02, 0x04, 0x05, 0xb4 };
	/* pseudo: 0a00+0001+0a00+0002+0006+0018 = 0x1421
	 * tcp: 9c40+0050+0000+0001+0000+0000+6002+ffff+0000+0000+0204+05b4
	 *    = 0x2044a -> fold 0x044c
	 * total 0x1421 + 0x044c = 0x186d, checksum ~ = 0xe792 */
	assert_int_equal(ref_tcp(p), 0xe792);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(p + 20);
	csum_tcp_set(ip, th);
	assert_int_equal(p[36], 0xe7);
	assert_int_equal(p[37], 0x92);
	assert_true(csum_tcp_ok(ip, th));
	/* a checksum of zero where it belongs is not "no checksum" in TCP */
	p[36] = p[37] = 0;
	assert_false(csum_tcp_ok(ip, th));
}

static void test_update16_ip(void **state)
{
	(void)state;
	uint8_t h[20];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
	srand(7);
	for (int iter = 0; iter < 20000; iter++) {
		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)rand();
		h[0] = 0x45;
		csum_ipv4_set(ip);
		/* change one 16-bit word other than the checksum and the
		 * version/length byte's word (which would resize the header) */
		int wi;
		do
			wi = 1 + rand() % 9;
		while (wi == 5);
		uint16_t old, new_ = (uint16_t)rand();
		memcpy(&old, h + 2 * wi, 2);
		if (iter % 7 == 0)
			new_ = (uint16_t)~old; /* large swings */
		if (iter % 11 == 0)
			new_ = old; /* no change at all */
		memcpy(h + 2 * wi, &new_, 2);
		uint16_t inc = csum_update16(ip->hdr_checksum, old, new_);
		csum_ipv4_set(ip);
		assert_int_equal(inc, ip->hdr_checksum);
		assert_int_equal(rte_be_to_cpu_16(inc), ref_ip(h));
	}
}

static void test_update16_tcp(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(buf + 20);
	srand(11);
	for (int iter = 0; iter < 2000; iter++) {
		build(buf, (size_t)(iter % 97), (uint32_t)iter);
		csum_ipv4_set(ip);
		csum_tcp_set(ip, th);
		/* the port, the window, or half of a pseudo-header address */
		static const size_t at[] = { 20, 22, 34, 14 };
		uint8_t *f = buf + at[iter % 4];
		uint16_t old, new_ = (uint16_t)rand();
		memcpy(&old, f, 2);
		memcpy(f, &new_, 2);
		uint16_t inc = csum_update16(th->cksum, old, new_);
		csum_tcp_set(ip, th);
		assert_int_equal(inc, th->cksum);
		th->cksum = inc;
		assert_true(csum_tcp_ok(ip, th));
	}
}

static void test_update16_rfc1624(void **state)
{
	(void)state;
	/* RFC 1624 section 4's example: HC 0xdd2f, m 0x5555 -> 0x3285 */
	assert_int_equal(csum_update16(rte_cpu_to_be_16(0xdd2f),
				       rte_cpu_to_be_16(0x5555),
				       rte_cpu_to_be_16(0x3285)),
			 rte_cpu_to_be_16(0x0000));
	/* the same in host-independent form: a field going back and forth
	 * gives the checksum it started with */
	uint16_t c = 0x1234;
	uint16_t c2 = csum_update16(c, 0xaaaa, 0x0001);
	assert_int_equal(csum_update16(c2, 0x0001, 0xaaaa), c);
}

static void test_update16_carry(void **state)
{
	(void)state;
	/* ~HC + ~m + m' = 0xffff + 0xffff + 1 = 0x1ffff: the first fold
	 * leaves a carry that a second fold must add back. A header whose
	 * checksum is 0x0000 (its words sum to 0xffff) and whose ID field
	 * goes from 0 to the 16-bit word 1 (as stored, either byte order). */
	uint8_t h[20] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0,
			  10, 0, 0, 1, 10, 0, 0, 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
	uint32_t w;
	for (w = 0; w <= 0xffff; w++) {
		h[18] = (uint8_t)(w >> 8);
		h[19] = (uint8_t)w;
		csum_ipv4_set(ip);
		if (ip->hdr_checksum == 0)
			break;
	}
	assert_true(w <= 0xffff);
	assert_int_equal(ref_ip(h), 0);
	uint16_t old = ip->packet_id, new_ = 1;
	assert_int_equal(old, 0);
	ip->packet_id = new_;
	uint16_t inc = csum_update16(0, old, new_);
	csum_ipv4_set(ip);
	assert_int_equal(ip->hdr_checksum, 0xfffe);
	assert_int_equal(inc, ip->hdr_checksum);
	assert_int_equal(rte_be_to_cpu_16(inc), ref_ip(h));
	ip->hdr_checksum = inc;
	assert_true(csum_ipv4_ok(ip));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_known),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_tcp_known),
		cmocka_unit_test(test_tcp_even_odd),
		cmocka_unit_test(test_update16_ip),
		cmocka_unit_test(test_update16_tcp),
		cmocka_unit_test(test_update16_rfc1624),
		cmocka_unit_test(test_update16_carry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
