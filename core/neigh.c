/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "neigh.h"

void neigh_entry_init(struct neigh_entry *e, uint32_t ip, uint32_t sip, const uint8_t *mac,
		      uint32_t nstamps)
{
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->sip = sip;
	e->nstamps = nstamps < TENG_MAX_CORES ? nstamps : TENG_MAX_CORES;
	if (mac != NULL) {
		memcpy(e->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
		e->pinned = e->known = 1;
		e->state = NEIGH_REACHABLE;
	}
}

void neigh_publish(struct neigh_entry *e, const struct rte_ether_addr *mac)
{
	uint32_t s = e->seq;
	__atomic_store_n(&e->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		__atomic_store_n(&e->mac.addr_bytes[i], mac->addr_bytes[i], __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, s + 2, __ATOMIC_RELEASE);
}

void neigh_epoch(struct neigh_entry *e)
{
	e->confirmed_ms = e->next_ms = e->tick_ms = 0;
	e->probes = 0;
	e->state = e->known ? NEIGH_REACHABLE : NEIGH_NONE;
	for (uint32_t i = 0; i < TENG_MAX_CORES; i++)
		e->by[i].ms = 0;
}

/* The workers' TCP confirmations, newest first. */
static void fold(struct neigh_entry *e)
{
	for (uint32_t i = 0; i < e->nstamps; i++) {
		uint32_t c = e->by[i].ms;
		if ((int32_t)(c - e->confirmed_ms) > 0)
			e->confirmed_ms = c;
	}
}

static void take(struct neigh_entry *e, const struct rte_ether_addr *mac, uint32_t now_ms)
{
	neigh_publish(e, mac);
	e->known = 1;
	e->confirmed_ms = now_ms;
	e->state = NEIGH_REACHABLE;
	e->probes = 0;
}

/* A frame says sip is at sha. Linux's model, stricter where TCP knows
 * better: a confirmed entry is not overridden (Linux overrides after its
 * 1 s locktime, which is how one forged reply poisons it). */
static void claim(struct neigh_entry *e, uint32_t sip, const struct rte_ether_addr *sha,
		  int reply, int owner, uint32_t now_ms, struct teng_counters *ctr)
{
	if (e == NULL || e->ip == 0 || sip != e->ip || !rte_is_unicast_ether_addr(sha) ||
	    rte_is_zero_ether_addr(sha))
		return;
	int same = e->known && rte_is_same_ether_addr(sha, &e->mac);
	if (e->pinned) {
		if (!same)
			ctr->arp_conflicts++;
		return;
	}
	if (!owner) /* only the owner of queue 0 learns (and weighs) */
		return;
	fold(e);
	if (!e->known) {
		take(e, sha, now_ms); /* the first answer resolves */
		return;
	}
	if (same) {
		if (reply) { /* our probe's answer, or the peer repeating itself */
			e->confirmed_ms = now_ms;
			e->state = NEIGH_REACHABLE;
			e->probes = 0;
		}
		return;
	}
	if (neigh_reachable(e, now_ms)) {
		ctr->arp_conflicts++; /* TCP vouches for the MAC in use: not applied */
		return;
	}
	take(e, sha, now_ms);
	ctr->arp_changes++;
}

enum neigh_arp neigh_arp_input(struct neigh_entry *e, const void *frame, uint32_t len,
			       int owner, uint32_t now_ms, struct teng_counters *ctr,
			       uint32_t *tip)
{
	const struct rte_ether_hdr *eth = frame;
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);
	if (len < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
		ctr->drops_bad_header++;
		return NEIGH_ARP_BAD;
	}
	struct rte_ether_addr sha = a->arp_data.arp_sha;
	uint32_t sip = a->arp_data.arp_sip;
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		ctr->arp_replies++;
		claim(e, sip, &sha, 1, owner, now_ms, ctr);
		return NEIGH_ARP_REPLY;
	}
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		ctr->drops_not_ours++;
		return NEIGH_ARP_OTHER;
	}
	ctr->arp_requests++;
	/* A request claims its sender's address too, whomever it asks. */
	claim(e, sip, &sha, 0, owner, now_ms, ctr);
	*tip = a->arp_data.arp_tip;
	return NEIGH_ARP_REQUEST;
}

void neigh_arp_answer(void *frame, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = frame;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip = a->arp_data.arp_sip;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_data.arp_sha, &a->arp_data.arp_tha);
	rte_ether_addr_copy(mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = a->arp_data.arp_tip;
	a->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
}

void neigh_arp_request(void *frame, const struct rte_ether_addr *mac, uint32_t sip,
		       uint32_t tip, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth = frame;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	if (dst != NULL)
		rte_ether_addr_copy(dst, &eth->dst_addr);
	else
		memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = sip;
	memset(&a->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_tip = tip;
}

int neigh_tick(struct neigh_entry *e, uint32_t now_ms, const struct rte_ether_addr *mac,
	       struct teng_counters *ctr, uint8_t frame[NEIGH_ARP_LEN])
{
	if (e == NULL || e->ip == 0 || e->pinned || !e->known || now_ms == e->tick_ms)
		return 0;
	e->tick_ms = now_ms;
	fold(e);
	if (neigh_reachable(e, now_ms)) {
		e->state = NEIGH_REACHABLE;
		e->probes = 0;
		return 0;
	}
	if (e->state == NEIGH_REACHABLE) { /* Linux: STALE, then PROBE */
		e->state = NEIGH_PROBE;
		e->probes = 0;
		e->next_ms = now_ms;
	}
	if ((int32_t)(now_ms - e->next_ms) < 0)
		return 0;
	if (e->state == NEIGH_UNANSWERED) {
		/* a new round, broadcast: the MAC in use did not answer */
		e->state = NEIGH_PROBE;
		e->probes = NEIGH_UCAST_PROBES;
	}
	if (e->probes >= NEIGH_UCAST_PROBES + NEIGH_BCAST_PROBES) {
		e->state = NEIGH_UNANSWERED;
		e->next_ms = now_ms + NEIGH_REACHABLE_MS;
		ctr->arp_unanswered++;
		return 0;
	}
	neigh_arp_request(frame, mac, e->sip, e->ip,
			  e->probes < NEIGH_UCAST_PROBES ? &e->mac : NULL);
	e->probes++;
	e->next_ms = now_ms + NEIGH_RETRANS_MS;
	ctr->arp_probes++;
	return 1;
}
