/* SPDX-License-Identifier: BSD-3-Clause */
/* RSS steering: the Toeplitz hash a NIC computes on receive for IPv4+TCP,
 * its redirection table (RETA), and the device set-up that makes the two
 * known. The client role keeps only the source tuples whose return path
 * (server -> client) lands on its own queue; the server role uses a
 * symmetric key so both directions of a flow meet on one queue.
 *
 * Device set-up, in this order (port.c):
 *   1. rss_dev_conf(&conf, dev, ...) before rte_eth_dev_configure(): it
 *      sets rxmode.mq_mode = RTE_ETH_MQ_RX_RSS and
 *      rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP (key
 *      NULL: the driver's default until step 3). Without these ethdev
 *      refuses rte_eth_dev_rss_hash_update().
 *   2. rte_eth_dev_configure() with nq rx queues, queue set-up, start.
 *   3. rss_program(dev, nq, symmetric, &conf, ...) after start (some PMDs
 *      apply a RETA only to a started port): it sets the key and a
 *      round-robin RETA, then reads back what the device uses. Ownership
 *      (rss_owner) is computed over that read-back copy, never over what
 *      teng asked for.
 * Only the Toeplitz function is assumed (DPDK 22.11 has no way to ask a
 * device which hash function it runs; every NIC's default is Toeplitz).
 * Other IPv4 traffic (ARP, ICMP, fragments) is not hashed and goes to
 * queue 0.
 */
#ifndef TENG_RSS_H
#define TENG_RSS_H

#include <stddef.h>
#include <stdint.h>

struct rte_eth_conf;

/* The standard keys are 40 bytes; a device may use a longer one (i40e and
 * ice: 52 bytes), and one that reports no key size (net_null) is given 40.
 * IPv4+TCP hashing reads only the first 16 bytes. */
#define RSS_KEY_LEN 40
#define RSS_KEY_MAX 64
/* RETA entries teng keeps. A device with a larger table (ice: 2048) is
 * programmed with this table repeated, so a lookup by the low 9 bits is
 * still exact. */
#define RSS_RETA_MAX 512

/* Microsoft's verification key (the default of most NICs). */
extern const uint8_t rss_key_std[RSS_KEY_LEN];
/* 0x6d,0x5a repeated: the key is periodic in 16 bits, so swapping the
 * addresses (32 bits) and the ports (16 bits) leaves the hash unchanged:
 * hash(a->b) == hash(b->a). */
extern const uint8_t rss_key_sym[RSS_KEY_LEN];

struct rss_conf {
	/* Read as 32-bit words by rte_softrss. */
	_Alignas(4) uint8_t key[RSS_KEY_MAX];
	uint8_t key_len;
	/* A power of two, 1..RSS_RETA_MAX; queue = reta[hash & (size-1)]. */
	uint16_t reta_size;
	uint16_t reta[RSS_RETA_MAX];
};

/* Fill conf's key with the standard (symmetric = 0) or symmetric key,
 * len bytes (RSS_KEY_LEN, or a device's longer key: the pattern
 * continues). 0, or -1 for a len outside 16..RSS_KEY_MAX. */
int rss_key_fill(struct rss_conf *c, int symmetric, uint32_t len);

/* A round-robin RETA: entry i = i % nq. 0, or -1 when reta_size is not a
 * power of two in 1..RSS_RETA_MAX, or nq is 0 or above reta_size. */
int rss_reta_fill(struct rss_conf *c, uint16_t reta_size, uint16_t nq);

/* The Toeplitz hash of IPv4+TCP (src ip, dst ip, src port, dst port),
 * all in host order, as the NIC computes it on receive. */
uint32_t rss_hash_v4(const struct rss_conf *c, uint32_t sip, uint32_t dip,
		     uint16_t sport, uint16_t dport);
/* The same over the addresses only (the device's IPv4 hash type). */
uint32_t rss_hash_v4_addr(const struct rss_conf *c, uint32_t sip, uint32_t dip);

/* The queue a hash lands on: the RETA indexed by the hash's low bits. */
static inline uint16_t rss_queue(const struct rss_conf *c, uint32_t hash)
{
	return c->reta[hash & (uint32_t)(c->reta_size - 1)];
}

/* A tuple_owner_fn (core/tuple.h), ctx = const struct rss_conf *: the
 * queue that receives the server -> client direction of the client tuple
 * cip:cport -> sip:sport (host order). */
uint16_t rss_owner(const void *ctx, uint32_t cip, uint16_t cport, uint32_t sip,
		   uint16_t sport);

/* 1 when device dev can steer nq queues by RSS over IPv4+TCP (a TCP/IPv4
 * hash type, a RETA whose size is a power of two, at least nq queues, a
 * settable key); 0 with the reason, naming the device, in why. Changes
 * nothing. */
int rss_supported(uint16_t dev, uint16_t nq, char *why, size_t whylen);

/* Fill conf's rxmode.mq_mode and rx_adv_conf.rss_conf for RSS over
 * TCP/IPv4 (see the top of this file). 0, or -1 with a message naming the
 * device when it cannot do RSS. */
int rss_dev_conf(struct rte_eth_conf *conf, uint16_t dev, uint16_t nq,
		 char *err, size_t errlen);

/* Program device dev (configured by rss_dev_conf, nq rx queues): the
 * standard or symmetric key, TCP/IPv4 hashing, a round-robin RETA over
 * nq queues. Then read the key and RETA back from the device into out.
 * 0, or -1 with a message naming the device when it has no RSS, refuses
 * the key or the RETA, or reports a set-up teng cannot compute over (a
 * symmetric key not kept, a RETA pointing past nq). */
int rss_program(uint16_t dev, uint16_t nq, int symmetric, struct rss_conf *out,
		char *err, size_t errlen);

#endif
