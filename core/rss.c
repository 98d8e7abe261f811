/* SPDX-License-Identifier: BSD-3-Clause */
/* RSS steering: software Toeplitz (DPDK's rte_softrss) over the key and
 * RETA a device really uses, and the device set-up that makes them
 * known. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_thash.h>

#include "rss.h"

/* The hash types teng asks for and needs: TCP over IPv4, not fragmented
 * (a fragment has no ports to hash). */
#define RSS_HF RTE_ETH_RSS_NONFRAG_IPV4_TCP
/* IPv4+TCP hashes 12 input bytes; each input bit takes a 32-bit window of
 * the key, so the first 16 key bytes are all that matter. */
#define RSS_KEY_USED 16

const uint8_t rss_key_std[RSS_KEY_LEN] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

const uint8_t rss_key_sym[RSS_KEY_LEN] = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static int is_pow2(uint32_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

int rss_key_fill(struct rss_conf *c, int symmetric, uint32_t len)
{
	if (len < RSS_KEY_USED || len > RSS_KEY_MAX)
		return -1;
	const uint8_t *k = symmetric ? rss_key_sym : rss_key_std;
	memset(c->key, 0, sizeof(c->key));
	for (uint32_t i = 0; i < len; i++)
		c->key[i] = k[i % RSS_KEY_LEN];
	c->key_len = (uint8_t)len;
	return 0;
}

int rss_reta_fill(struct rss_conf *c, uint16_t reta_size, uint16_t nq)
{
	if (!is_pow2(reta_size) || reta_size > RSS_RETA_MAX || nq == 0 ||
	    nq > reta_size)
		return -1;
	for (uint32_t i = 0; i < reta_size; i++)
		c->reta[i] = (uint16_t)(i % nq);
	c->reta_size = reta_size;
	return 0;
}

uint32_t rss_hash_v4(const struct rss_conf *c, uint32_t sip, uint32_t dip,
		     uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_tuple t = {
	    .src_addr = sip,
	    .dst_addr = dip,
	    .sport = sport,
	    .dport = dport,
	};
	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, c->key);
}

uint32_t rss_hash_v4_addr(const struct rss_conf *c, uint32_t sip, uint32_t dip)
{
	struct rte_ipv4_tuple t = {.src_addr = sip, .dst_addr = dip};
	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L3_LEN, c->key);
}

uint16_t rss_owner(const void *ctx, uint32_t cip, uint16_t cport, uint32_t sip,
		   uint16_t sport)
{
	const struct rss_conf *c = ctx;
	/* The reply travels server -> client: that is the direction the
	 * client's NIC hashes. */
	return rss_queue(c, rss_hash_v4(c, sip, cip, sport, cport));
}

static void say(char *buf, size_t len, const char *fmt, ...)
{
	if (buf == NULL || len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void dev_name(uint16_t dev, char name[RTE_ETH_NAME_MAX_LEN])
{
	if (rte_eth_dev_get_name_by_port(dev, name) != 0)
		snprintf(name, RTE_ETH_NAME_MAX_LEN, "port %u", dev);
}

/* The key length to set. A driver that reports none (net_null) gets the
 * 40 bytes ethdev documents; the read-back shows what it kept. */
static uint32_t key_len(const struct rte_eth_dev_info *info)
{
	return info->hash_key_size ? info->hash_key_size : RSS_KEY_LEN;
}

int rss_supported(uint16_t dev, uint16_t nq, char *why, size_t whylen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;

	dev_name(dev, name);
	if (!rte_eth_dev_is_valid_port(dev) ||
	    rte_eth_dev_info_get(dev, &info) != 0) {
		say(why, whylen, "%s: no such device", name);
		return 0;
	}
	if ((info.flow_type_rss_offloads & RSS_HF) != RSS_HF) {
		say(why, whylen,
		    "%s (%s): no RSS hashing of TCP/IPv4 (hash types 0x%" PRIx64
		    ")",
		    name, info.driver_name, info.flow_type_rss_offloads);
		return 0;
	}
	if (!is_pow2(info.reta_size)) {
		say(why, whylen,
		    "%s (%s): RSS redirection table of %u entries (need a "
		    "power of two)",
		    name, info.driver_name, info.reta_size);
		return 0;
	}
	uint32_t klen = key_len(&info);
	if (klen < RSS_KEY_USED || klen > RSS_KEY_MAX) {
		say(why, whylen,
		    "%s (%s): RSS key of %u bytes (need %u..%u to set it)",
		    name, info.driver_name, klen, RSS_KEY_USED, RSS_KEY_MAX);
		return 0;
	}
	if (nq == 0 || nq > info.max_rx_queues || nq > info.reta_size) {
		say(why, whylen,
		    "%s (%s): %u queues asked, the device has %u rx queues "
		    "and %u RETA entries",
		    name, info.driver_name, nq, info.max_rx_queues,
		    info.reta_size);
		return 0;
	}
	return 1;
}

int rss_dev_conf(struct rte_eth_conf *conf, uint16_t dev, uint16_t nq,
		 char *err, size_t errlen)
{
	if (!rss_supported(dev, nq, err, errlen))
		return -1;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = NULL;
	conf->rx_adv_conf.rss_conf.rss_key_len = 0;
	conf->rx_adv_conf.rss_conf.rss_hf = RSS_HF;
	return 0;
}

/* 16-bit periodic over the bytes IPv4+TCP uses: both directions hash
 * alike. */
static int key_symmetric(const uint8_t *k)
{
	for (int i = 2; i < RSS_KEY_USED; i++)
		if (k[i] != k[i - 2])
			return 0;
	return 1;
}

/* Write the RETA (teng's table of t entries repeated over the device's
 * n), read it back into out. */
static int reta_program(uint16_t dev, const char *name, uint16_t n, uint16_t nq,
			const struct rss_conf *want, struct rss_conf *out,
			char *err, size_t errlen)
{
	uint32_t ngrp =
	    (n + RTE_ETH_RETA_GROUP_SIZE - 1u) / RTE_ETH_RETA_GROUP_SIZE;
	struct rte_eth_rss_reta_entry64 *g = calloc(ngrp, sizeof(*g));
	uint16_t t = want->reta_size;
	int rc = -1, r;

	if (g == NULL) {
		say(err, errlen, "%s: out of memory for the RETA", name);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		g[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
		    1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		g[i / RTE_ETH_RETA_GROUP_SIZE]
		    .reta[i % RTE_ETH_RETA_GROUP_SIZE] = want->reta[i % t];
	}
	r = rte_eth_dev_rss_reta_update(dev, g, n);
	if (r < 0) {
		say(err, errlen, "%s refuses an RSS RETA of %u entries: %s",
		    name, n, rte_strerror(-r));
		goto out;
	}
	for (uint32_t i = 0; i < ngrp; i++)
		memset(g[i].reta, 0xff, sizeof(g[i].reta));
	r = rte_eth_dev_rss_reta_query(dev, g, n);
	if (r < 0) {
		say(err, errlen, "%s cannot report its RSS RETA: %s", name,
		    rte_strerror(-r));
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint16_t q = g[i / RTE_ETH_RETA_GROUP_SIZE]
				 .reta[i % RTE_ETH_RETA_GROUP_SIZE];
		if (q >= nq) {
			say(err, errlen,
			    "%s: RSS RETA entry %u is queue %u, past the %u "
			    "queues",
			    name, i, q, nq);
			goto out;
		}
		if (i < t) {
			out->reta[i] = q;
		} else if (q != out->reta[i % t]) {
			say(err, errlen,
			    "%s: its RSS RETA of %u entries does not repeat "
			    "every %u; teng cannot compute queue ownership",
			    name, n, t);
			goto out;
		}
	}
	out->reta_size = t;
	rc = 0;
out:
	free(g);
	return rc;
}

int rss_program(uint16_t dev, uint16_t nq, int symmetric, struct rss_conf *out,
		char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	struct rss_conf want;
	int r;

	if (!rss_supported(dev, nq, err, errlen))
		return -1;
	dev_name(dev, name);
	if (rte_eth_dev_info_get(dev, &info) != 0) {
		say(err, errlen, "%s: no device information", name);
		return -1;
	}
	uint16_t t =
	    info.reta_size < RSS_RETA_MAX ? info.reta_size : RSS_RETA_MAX;
	if (rss_key_fill(&want, symmetric, key_len(&info)) < 0 ||
	    rss_reta_fill(&want, t, nq) < 0) {
		say(err, errlen, "%s: RSS key of %u bytes or RETA of %u", name,
		    key_len(&info), t);
		return -1;
	}

	struct rte_eth_rss_conf rc = {
	    .rss_key = want.key,
	    .rss_key_len = want.key_len,
	    .rss_hf = RSS_HF,
	};
	r = rte_eth_dev_rss_hash_update(dev, &rc);
	if (r < 0) {
		say(err, errlen, "%s refuses the %s RSS key over TCP/IPv4: %s",
		    name, symmetric ? "symmetric" : "standard",
		    rte_strerror(-r));
		return -1;
	}
	if (reta_program(dev, name, info.reta_size, nq, &want, out, err,
			 errlen) < 0)
		return -1;

	/* What the device hashes with now, whatever it did with ours. */
	memset(out->key, 0, sizeof(out->key));
	rc.rss_key = out->key;
	rc.rss_key_len = want.key_len;
	rc.rss_hf = 0;
	r = rte_eth_dev_rss_hash_conf_get(dev, &rc);
	if (r < 0) {
		say(err, errlen, "%s cannot report its RSS key: %s", name,
		    rte_strerror(-r));
		return -1;
	}
	if ((rc.rss_hf & RSS_HF) != RSS_HF) {
		say(err, errlen,
		    "%s does not hash TCP/IPv4 (hash types 0x%" PRIx64 ")",
		    name, rc.rss_hf);
		return -1;
	}
	int zero = 1;
	for (int i = 0; i < RSS_KEY_USED; i++)
		zero &= out->key[i] == 0;
	if (zero) {
		say(err, errlen, "%s reports no RSS key", name);
		return -1;
	}
	if (symmetric && !key_symmetric(out->key)) {
		say(err, errlen,
		    "%s did not keep the symmetric RSS key; both directions "
		    "of a flow would not meet on one queue",
		    name);
		return -1;
	}
	out->key_len = want.key_len;
	return 0;
}
