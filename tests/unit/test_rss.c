/* SPDX-License-Identifier: BSD-3-Clause */
/* RSS (rss.h): the Toeplitz hash against Microsoft's published
 * verification vectors and against a plain bit-by-bit Toeplitz written
 * here; queue ownership of client tuples over a key and RETA; the
 * symmetric key; the device set-up on net_null (which keeps a key and a
 * RETA) and its refusal on net_ring (which has no RSS). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "rss.h"

/* core/tuple.h's owner callback; rss_owner must be one. */
typedef uint16_t (*tuple_owner_fn)(const void *ctx, uint32_t cip,
				   uint16_t cport, uint32_t sip,
				   uint16_t sport);

#define IP4(a, b, c, d)                                                        \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |      \
	 (uint32_t)(d))

/* The key of Microsoft's "Verifying the RSS Hash Calculation". */
static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Its IPv4 table: destination, source, the IPv4-only hash, the IPv4 with
 * TCP ports hash. */
static const struct {
	uint32_t dip;
	uint16_t dport;
	uint32_t sip;
	uint16_t sport;
	uint32_t h_ip, h_tcp;
} ms_v4[] = {
    {IP4(161, 142, 100, 80), 1766, IP4(66, 9, 149, 187), 2794, 0x323e8fc2,
     0x51ccc178},
    {IP4(65, 69, 140, 83), 4739, IP4(199, 92, 111, 2), 14230, 0xd718262a,
     0xc626b0ea},
    {IP4(12, 22, 207, 184), 38024, IP4(24, 19, 198, 95), 12898, 0xd2d0a5de,
     0x5c2b394a},
    {IP4(209, 142, 163, 6), 2217, IP4(38, 27, 205, 30), 48228, 0x82989176,
     0xafc7327f},
    {IP4(202, 188, 127, 2), 1303, IP4(153, 39, 163, 191), 44251, 0x5d1809c5,
     0x10e828a2},
};

/* Toeplitz from its definition: for every set bit of the input, most
 * significant first, XOR in the 32 key bits that start at that bit. */
static uint32_t ref_toeplitz(const uint8_t *key, const uint8_t *in, int n)
{
	uint32_t h = 0;
	for (int i = 0; i < n * 8; i++) {
		if (!(in[i / 8] >> (7 - i % 8) & 1))
			continue;
		uint32_t w = 0;
		for (int b = 0; b < 32; b++) {
			int k = i + b;
			w = w << 1 | (key[k / 8] >> (7 - k % 8) & 1);
		}
		h ^= w;
	}
	return h;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The input as it is on the wire: source and destination address, source
 * and destination port. */
static uint32_t ref_hash(const uint8_t *key, uint32_t sip, uint32_t dip,
			 uint16_t sport, uint16_t dport, int ports)
{
	uint8_t in[12];
	put32(in, sip);
	put32(in + 4, dip);
	put32(in + 8, (uint32_t)sport << 16 | dport);
	return ref_toeplitz(key, in, ports ? 12 : 8);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void test_keys(void **state)
{
	(void)state;
	assert_memory_equal(rss_key_std, ms_key, sizeof(ms_key));
	for (int i = 0; i < RSS_KEY_LEN; i++)
		assert_int_equal(rss_key_sym[i], i % 2 ? 0x5a : 0x6d);

	struct rss_conf c;
	assert_int_equal(rss_key_fill(&c, 0, 40), 0);
	assert_int_equal(c.key_len, 40);
	assert_memory_equal(c.key, ms_key, 40);
	/* A device's longer key (i40e: 52 bytes): the pattern goes on. */
	assert_int_equal(rss_key_fill(&c, 1, 52), 0);
	assert_int_equal(c.key_len, 52);
	for (int i = 0; i < 52; i++)
		assert_int_equal(c.key[i], i % 2 ? 0x5a : 0x6d);
	assert_int_equal(rss_key_fill(&c, 0, 15), -1);
	assert_int_equal(rss_key_fill(&c, 0, RSS_KEY_MAX + 1), -1);
}

static void test_ms_vectors(void **state)
{
	(void)state;
	struct rss_conf c;
	assert_int_equal(rss_key_fill(&c, 0, RSS_KEY_LEN), 0);
	for (size_t i = 0; i < sizeof(ms_v4) / sizeof(ms_v4[0]); i++) {
		/* The reference must itself agree with Microsoft. */
		assert_int_equal(ref_hash(ms_key, ms_v4[i].sip, ms_v4[i].dip,
					  ms_v4[i].sport, ms_v4[i].dport, 1),
				 ms_v4[i].h_tcp);
		assert_int_equal(
		    ref_hash(ms_key, ms_v4[i].sip, ms_v4[i].dip, 0, 0, 0),
		    ms_v4[i].h_ip);
		assert_int_equal(rss_hash_v4(&c, ms_v4[i].sip, ms_v4[i].dip,
					     ms_v4[i].sport, ms_v4[i].dport),
				 ms_v4[i].h_tcp);
		assert_int_equal(
		    rss_hash_v4_addr(&c, ms_v4[i].sip, ms_v4[i].dip),
		    ms_v4[i].h_ip);
	}
}

/* Random tuples, both keys, every bit of the hash. */
static void test_hash_vs_reference(void **state)
{
	(void)state;
	for (int sym = 0; sym < 2; sym++) {
		struct rss_conf c;
		assert_int_equal(rss_key_fill(&c, sym, RSS_KEY_LEN), 0);
		const uint8_t *key = sym ? rss_key_sym : ms_key;
		for (int i = 0; i < 20000; i++) {
			uint32_t s = rnd() << 16 ^ rnd(),
				 d = rnd() << 16 ^ rnd();
			uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();
			assert_int_equal(rss_hash_v4(&c, s, d, sp, dp),
					 ref_hash(key, s, d, sp, dp, 1));
		}
	}
}

static void test_queue_low_bits(void **state)
{
	(void)state;
	struct rss_conf c;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < RSS_RETA_MAX; i++)
		c.reta[i] = (uint16_t)i;
	c.reta_size = 512;
	assert_int_equal(rss_queue(&c, 0xabcdef12u), 0x112);
	c.reta_size = 128;
	assert_int_equal(rss_queue(&c, 0xabcdef12u), 0x12);
	c.reta_size = 64;
	assert_int_equal(rss_queue(&c, 0xabcdefd3u), 0x13);
}

static void test_reta_fill(void **state)
{
	(void)state;
	struct rss_conf c;
	assert_int_equal(rss_reta_fill(&c, 128, 3), 0);
	assert_int_equal(c.reta_size, 128);
	for (int i = 0; i < 128; i++)
		assert_int_equal(c.reta[i], i % 3);
	assert_int_equal(rss_reta_fill(&c, 512, 4), 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(c.reta[i], i % 4);
	assert_int_equal(rss_reta_fill(&c, 0, 1), -1);
	assert_int_equal(rss_reta_fill(&c, 100, 2), -1);
	assert_int_equal(rss_reta_fill(&c, 1024, 2), -1);
	assert_int_equal(rss_reta_fill(&c, 64, 0), -1);
	assert_int_equal(rss_reta_fill(&c, 64, 65), -1);
}

/* Worker w keeps the client tuples rss_owner gives it; each must come
 * back, by the reference hash and a RETA built here, to w. Every tuple
 * has one owner, and no worker is starved. */
#define NTUPLES 10000
static void check_owners(int sym, uint16_t nq, uint16_t reta_size)
{
	struct rss_conf c;
	uint16_t reta[RSS_RETA_MAX];
	const uint8_t *key = sym ? rss_key_sym : ms_key;
	const uint32_t sip = IP4(198, 19, 0, 1);
	const uint16_t sport = 80;
	tuple_owner_fn owner = rss_owner;

	assert_int_equal(rss_key_fill(&c, sym, RSS_KEY_LEN), 0);
	assert_int_equal(rss_reta_fill(&c, reta_size, nq), 0);
	for (int i = 0; i < reta_size; i++)
		reta[i] = (uint16_t)(i % nq);

	uint32_t total = 0;
	for (uint16_t w = 0; w < nq; w++) {
		uint32_t owned = 0;
		for (uint32_t i = 0; i < NTUPLES; i++) {
			uint32_t cip = IP4(198, 18, 0, 1) + i % 16;
			uint16_t cport = (uint16_t)(1024 + i / 16);
			if (owner(&c, cip, cport, sip, sport) != w)
				continue;
			owned++;
			uint32_t h = ref_hash(key, sip, cip, sport, cport, 1);
			if (reta[h & (reta_size - 1u)] != w)
				fail_msg("sym %d nq %u reta %u: "
					 "%08x:%u owned by %u returns to %u",
					 sym, nq, reta_size, cip, cport, w,
					 reta[h & (reta_size - 1u)]);
		}
		if (owned < NTUPLES / (2u * nq))
			fail_msg("sym %d nq %u reta %u: worker %u owns %u of "
				 "%u",
				 sym, nq, reta_size, w, owned, NTUPLES);
		total += owned;
	}
	assert_int_equal(total, NTUPLES);
}

static void test_owner_return_path(void **state)
{
	(void)state;
	const uint16_t sizes[] = {64, 128, 512};
	for (int sym = 0; sym < 2; sym++)
		for (uint16_t nq = 2; nq <= 4; nq++)
			for (int s = 0; s < 3; s++)
				check_owners(sym, nq, sizes[s]);
}

/* With the standard key the owner is the return path's queue, which is
 * not the forward path's: a swapped argument would show here. */
static void test_owner_not_forward(void **state)
{
	(void)state;
	struct rss_conf c;
	assert_int_equal(rss_key_fill(&c, 0, RSS_KEY_LEN), 0);
	assert_int_equal(rss_reta_fill(&c, 128, 4), 0);
	uint32_t differ = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t cip = IP4(198, 18, 0, 1), sip = IP4(198, 19, 0, 1);
		uint16_t cport = (uint16_t)(20000 + i);
		uint16_t fwd =
		    rss_queue(&c, rss_hash_v4(&c, cip, sip, cport, 80));
		differ += rss_owner(&c, cip, cport, sip, 80) != fwd;
	}
	assert_true(differ > 500);
}

static void test_symmetric(void **state)
{
	(void)state;
	struct rss_conf sym, std;
	assert_int_equal(rss_key_fill(&sym, 1, RSS_KEY_LEN), 0);
	assert_int_equal(rss_key_fill(&std, 0, RSS_KEY_LEN), 0);
	uint32_t asym = 0, n = 100000;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = rnd() << 16 ^ rnd(), b = rnd() << 16 ^ rnd();
		uint16_t pa = (uint16_t)rnd(), pb = (uint16_t)rnd();
		assert_int_equal(rss_hash_v4(&sym, a, b, pa, pb),
				 rss_hash_v4(&sym, b, a, pb, pa));
		asym += rss_hash_v4(&std, a, b, pa, pb) !=
			rss_hash_v4(&std, b, a, pb, pa);
	}
	assert_true(asym > n / 100 * 99);
}

/* ---- devices: net_null keeps an RSS key and RETA, net_ring has none */

static int g_eal;

static int eal_up(void)
{
	static char args[16][64];
	const char *a[] = {"test_rss",
			   "--no-huge",
			   "-m",
			   "64",
			   "--no-pci",
			   "--no-telemetry",
			   "--file-prefix",
			   "--no-shconf",
			   "-l",
			   "0",
			   "--log-level=*:error",
			   "--vdev=net_null0",
			   "--vdev=net_ring0"};
	char *argv[17];
	int argc = (int)(sizeof(a) / sizeof(a[0]));
	for (int i = 0; i < argc; i++) {
		snprintf(args[i], sizeof(args[i]), "%s", a[i]);
		argv[i] = args[i];
	}
	snprintf(args[6], sizeof(args[6]), "--file-prefix=trss%d",
		 (int)getpid());
	argv[argc] = NULL;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

static uint16_t port_of(const char *name)
{
	uint16_t p;
	if (rte_eth_dev_get_port_by_name(name, &p) != 0)
		fail_msg("no device %s", name);
	return p;
}

static void test_dev_null(void **state)
{
	(void)state;
	assert_int_equal(g_eal, 0);
	uint16_t dev = port_of("net_null0");
	char err[256] = "";
	struct rte_eth_dev_info info;
	assert_int_equal(rte_eth_dev_info_get(dev, &info), 0);

	if (rss_supported(dev, 3, err, sizeof(err)) != 1)
		fail_msg("rss_supported: %s", err);
	/* net_null reports no key size; ethdev's documented 40 is used. */
	uint32_t klen = info.hash_key_size ? info.hash_key_size : 40;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rss_dev_conf(&conf, dev, 3, err, sizeof(err)), 0);
	assert_int_equal(conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS);
	assert_true(conf.rx_adv_conf.rss_conf.rss_hf &
		    RTE_ETH_RSS_NONFRAG_IPV4_TCP);
	assert_int_equal(rte_eth_dev_configure(dev, 3, 3, &conf), 0);

	for (int sym = 1; sym >= 0; sym--) {
		struct rss_conf out;
		memset(&out, 0xee, sizeof(out));
		if (rss_program(dev, 3, sym, &out, err, sizeof(err)) != 0)
			fail_msg("rss_program: %s", err);
		assert_int_equal(out.reta_size, info.reta_size);
		assert_int_equal(out.key_len, klen);
		assert_memory_equal(out.key, sym ? rss_key_sym : ms_key, 16);
		for (int i = 0; i < out.reta_size; i++)
			assert_int_equal(out.reta[i], i % 3);

		/* The device holds it: ask it directly. */
		struct rte_eth_rss_reta_entry64 g[RSS_RETA_MAX / 64];
		memset(g, 0, sizeof(g));
		for (int i = 0; i < info.reta_size; i++)
			g[i / 64].mask |= 1ull << (i % 64);
		assert_int_equal(
		    rte_eth_dev_rss_reta_query(dev, g, info.reta_size), 0);
		for (int i = 0; i < info.reta_size; i++)
			assert_int_equal(g[i / 64].reta[i % 64], i % 3);
		uint8_t key[RSS_KEY_MAX] = {0};
		struct rte_eth_rss_conf rc = {.rss_key = key,
					      .rss_key_len = (uint8_t)klen};
		assert_int_equal(rte_eth_dev_rss_hash_conf_get(dev, &rc), 0);
		assert_memory_equal(key, sym ? rss_key_sym : ms_key,
				    klen < 40 ? klen : 40);

		/* Ownership over the read-back copy, by the reference. */
		for (uint32_t i = 0; i < 3000; i++) {
			uint32_t cip = IP4(198, 18, 0, 1) + i % 7;
			uint16_t cport = (uint16_t)(1024 + i);
			uint32_t h =
			    ref_hash(sym ? rss_key_sym : ms_key,
				     IP4(198, 19, 0, 1), cip, 80, cport, 1);
			assert_int_equal(
			    rss_owner(&out, cip, cport, IP4(198, 19, 0, 1), 80),
			    (h & (info.reta_size - 1u)) % 3);
		}
	}

	/* More queues than the device has. */
	struct rss_conf out;
	err[0] = 0;
	assert_int_equal(rss_program(dev, 200, 0, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "net_null0"));
	/* More queues than were configured: the device refuses the RETA. */
	err[0] = 0;
	assert_int_equal(rss_program(dev, 4, 0, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "net_null0"));
	assert_non_null(strstr(err, "RETA"));
}

static void test_dev_ring(void **state)
{
	(void)state;
	assert_int_equal(g_eal, 0);
	uint16_t dev = port_of("net_ring0");
	char err[256] = "";
	assert_int_equal(rss_supported(dev, 2, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "net_ring0"));
	assert_non_null(strstr(err, "TCP/IPv4"));

	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	err[0] = 0;
	assert_int_equal(rss_dev_conf(&conf, dev, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "net_ring0"));
	assert_int_equal(conf.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);

	struct rss_conf out;
	err[0] = 0;
	assert_int_equal(rss_program(dev, 2, 1, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "net_ring0"));

	/* A port that does not exist. */
	err[0] = 0;
	assert_int_equal(
	    rss_supported(RTE_MAX_ETHPORTS - 1, 2, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no such device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_ms_vectors),
	    cmocka_unit_test(test_hash_vs_reference),
	    cmocka_unit_test(test_queue_low_bits),
	    cmocka_unit_test(test_reta_fill),
	    cmocka_unit_test(test_owner_return_path),
	    cmocka_unit_test(test_owner_not_forward),
	    cmocka_unit_test(test_symmetric),
	    cmocka_unit_test(test_dev_null),
	    cmocka_unit_test(test_dev_ring),
	};
	g_eal = eal_up();
	if (g_eal != 0)
		fprintf(stderr, "rte_eal_init failed\n");
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (g_eal == 0)
		rte_eal_cleanup();
	return rc;
}
