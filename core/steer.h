/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-core steering: how a received frame reaches the worker that owns
 * its connection. The mode is chosen once at start-up (steer_resolve):
 *
 *   paired:   queue i of one end reaches queue i of the other (the
 *             loopback, memif): nothing to do;
 *   software: the device spreads frames as it likes (af_packet's fanout,
 *             tap, a NIC's default RSS); each worker looks at what it
 *             received and hands a frame it does not own to its owner
 *             over a single-producer single-consumer ring per (from, to)
 *             pair, counted as redirected;
 *   rss, port-mask, ip: the device steers (refused until teng programs
 *             the key and RETA, or rte_flow rules).
 *
 * Ownership in software mode: a segment to a client tuple belongs to the
 * tuple's owner (tuple.h, modulo); any other TCP/IPv4 segment to the
 * worker a symmetric hash of its four-tuple names (both directions, every
 * packet of a flow agree); ARP and everything else to worker 0, which
 * owns queue 0 and does the ARP learning.
 */
#ifndef TENG_STEER_H
#define TENG_STEER_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_ring.h>

#include "tuple.h"
#include "worker.h"

/* Frames a ring holds: far more than a worker takes per loop from its
 * receive bursts (RX_BURST per port), so that it does not fill while
 * its owner is briefly off its CPU (a shared machine); the owner takes
 * up to STEER_DRAIN bursts from each ring per loop, so it catches up. */
#define STEER_RING 8192
#define STEER_DRAIN 4

struct steer_choice {
	uint8_t mode; /* enum teng_steering, never AUTO */
	char why[128]; /* "software (af_packet has no usable hash), 2 workers" */
	/* How the client tuples are spread (tuple.h): modulo for paired and
	 * software; the table kind with the device's hash for rss. */
	struct tuple_mode tuples;
};

/* The mode for a plan's ports and --steering, from the plan alone
 * (before EAL). 0, or -1 with a message naming the mode and the device
 * that cannot do it (an environment error: exit 3). */
int steer_resolve(const struct teng_plan *plan, struct steer_choice *out, char *err,
		  size_t errlen);
const char *steer_name(uint8_t mode);

struct steer {
	uint32_t n;                            /* workers */
	struct rte_ring *out[TENG_MAX_CORES]; /* this -> j; NULL for itself */
	struct rte_ring *in[TENG_MAX_CORES];  /* j -> this; NULL for itself */
};

/* Rings between n workers for software steering. 0 or -1 (message). */
int steer_setup(struct worker **w, uint32_t n, char *err, size_t errlen);
/* Frees the rings w receives on (each ring is one worker's in). */
void steer_fini(struct worker *w);

/* The worker that owns frame m received on port slot. */
static inline uint32_t steer_owner(const struct worker *w, uint8_t slot, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	if (unlikely(len < RTE_ETHER_HDR_LEN + 20 + 4))
		return 0;
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return 0;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	if (unlikely(ip->next_proto_id != IPPROTO_TCP || ihl < 20 ||
		     len < RTE_ETHER_HDR_LEN + ihl + 4 ||
		     (ip->fragment_offset & rte_cpu_to_be_16(0x3fff)) != 0))
		return 0; /* worker 0 answers or drops it */
	const uint16_t *ports = (const uint16_t *)((const uint8_t *)ip + ihl);
	uint32_t sip = rte_be_to_cpu_32(ip->src_addr), dip = rte_be_to_cpu_32(ip->dst_addr);
	uint16_t sport = rte_be_to_cpu_16(ports[0]), dport = rte_be_to_cpu_16(ports[1]);
	uint64_t t;
	if (w->client_on && slot == w->role_port[ROLE_CLIENT] && tuple_find(w, dip, dport, &t) >= 0)
		return tuple_owner(w, t);
	/* symmetric: the same for a->b and b->a */
	uint64_t k = ((uint64_t)(sip ^ dip) << 16 | (uint16_t)(sport ^ dport)) + (sip + dip);
	uint64_t h = (k * 0x9E3779B97F4A7C15ull) >> 32;
	return (uint32_t)((h * w->ncores) >> 32);
}

/* Keeps in pkts the frames this worker owns (returns how many) and
 * hands the others to their owners. */
static inline uint16_t steer_burst(struct worker *w, uint8_t slot, struct rte_mbuf **pkts,
				   uint16_t n)
{
	uint16_t k = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t o = steer_owner(w, slot, m);
		if (o == w->index) {
			pkts[k++] = m;
			continue;
		}
		m->port = slot; /* the owner's port slot, read back by steer_drain */
		if (likely(rte_ring_sp_enqueue(w->steer->out[o], m) == 0)) {
			w->ctr->redirected++;
		} else {
			w->ctr->redirect_drops++;
			rte_pktmbuf_free(m);
		}
	}
	return k;
}

/* Take in what the other workers handed over (worker.c). */
void steer_drain(struct worker *w);

#endif
