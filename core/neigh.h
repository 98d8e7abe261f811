/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: one entry per port, the next hop's MAC. Bring-up
 * (bringup.c) fills it before the workers start; afterwards every worker
 * reads it, and only the worker owning the port's queue 0 writes it,
 * publishing each change under a sequence count (a seqlock without a
 * lock: the writer makes the count odd, writes, makes it even; a reader
 * copies and retries while the count was odd or moved).
 *
 * The entry is not silently poisoned (Linux's neighbour state machine is
 * the model): it stays REACHABLE while TCP progress from its MAC confirms
 * it (each worker stamps its own slot in by[]); an ARP answer claiming
 * the next hop's address with another MAC meanwhile is a conflict,
 * counted and not applied. Unconfirmed for NEIGH_REACHABLE_MS, the entry
 * is probed: ARP requests to its MAC, then broadcast; the answer, from
 * any MAC, is taken. A pinned entry (peer_mac=) never changes.
 *
 * Nothing here knows a worker: frames in, decisions and frames out, the
 * clock an argument (ms on the run's clock).
 */
#ifndef TENG_NEIGH_H
#define TENG_NEIGH_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_pause.h>

#include "teng/plan.h"
#include "teng/stats.h"

#define NEIGH_REACHABLE_MS 5000 /* no confirmation for this long: probe */
#define NEIGH_RETRANS_MS 1000   /* between probes */
#define NEIGH_UCAST_PROBES 3    /* to the current MAC first (Linux ucast_solicit) */
#define NEIGH_BCAST_PROBES 3    /* then broadcast (mcast_solicit) */
#define NEIGH_ARP_LEN (RTE_ETHER_HDR_LEN + 28)

enum neigh_state {
	NEIGH_NONE = 0,   /* not resolved yet (bring-up) */
	NEIGH_REACHABLE,  /* confirmed within NEIGH_REACHABLE_MS */
	NEIGH_PROBE,      /* unconfirmed: probing */
	NEIGH_UNANSWERED, /* a probe round went unanswered: the MAC is kept,
			   * a new round starts NEIGH_REACHABLE_MS later */
};

/* One worker's last TCP confirmation of the entry (ms): written by that
 * worker alone, on its own cache line. */
struct neigh_stamp {
	volatile uint32_t ms;
} __rte_cache_aligned;

struct neigh_entry {
	/* published: the owner writes, every worker reads (neigh_read) */
	uint32_t seq;
	struct rte_ether_addr mac;
	/* fixed once bring-up is over */
	uint32_t ip;        /* next hop, network order; 0: the port has none */
	uint32_t sip;       /* our address the probes come from, network order */
	uint8_t pinned;     /* peer_mac= given: never changed */
	uint8_t known;      /* mac holds an answer (or the pinned MAC) */
	/* the owner's state machine */
	uint8_t state;      /* enum neigh_state */
	uint8_t probes;     /* sent in this round */
	uint32_t confirmed_ms; /* last confirmation seen (ARP or TCP) */
	uint32_t next_ms;   /* the next probe (round) is due */
	uint32_t tick_ms;   /* neigh_tick last ran */
	uint32_t nstamps;   /* workers: by[0 .. nstamps - 1] */
	struct neigh_stamp by[TENG_MAX_CORES];
} __rte_cache_aligned;

struct neigh_table {
	struct neigh_entry port[TENG_MAX_PORTS];
};

/* What an ARP frame was, for the caller (worker or bring-up). */
enum neigh_arp {
	NEIGH_ARP_BAD = 0, /* malformed (counted in drops_bad_header) */
	NEIGH_ARP_REPLY,   /* a reply, taken in (counted) */
	NEIGH_ARP_REQUEST, /* a request for *tip: answer it if tip is ours */
	NEIGH_ARP_OTHER,   /* another opcode (drops_not_ours) */
};

/* Set entry e up for a next hop (ip network order, 0: none) asked from
 * our address sip, pinned to mac when mac is not NULL, with nstamps
 * workers' stamps. */
void neigh_entry_init(struct neigh_entry *e, uint32_t ip, uint32_t sip, const uint8_t *mac,
		      uint32_t nstamps);

/* An ARP frame of len bytes on e's port (e NULL: a port without a next
 * hop). owner: the caller owns queue 0 and may learn; others only count.
 * The sender's claim is weighed against e at now_ms (conflicts in
 * ctr->arp_conflicts, changes in ctr->arp_changes); *tip gets a
 * request's target address (network order). */
enum neigh_arp neigh_arp_input(struct neigh_entry *e, const void *frame, uint32_t len,
			       int owner, uint32_t now_ms, struct teng_counters *ctr,
			       uint32_t *tip);

/* Turn a request frame (neigh_arp_input said NEIGH_ARP_REQUEST) into
 * the reply from mac, in place. */
void neigh_arp_answer(void *frame, const struct rte_ether_addr *mac);

/* Write an ARP request for tip from (mac, sip) to dst (NULL: broadcast)
 * into frame (NEIGH_ARP_LEN bytes); sip == tip is a gratuitous ARP. */
void neigh_arp_request(void *frame, const struct rte_ether_addr *mac, uint32_t sip,
		       uint32_t tip, const struct rte_ether_addr *dst);

/* The owner, now and then (once a ms is enough; more often returns at
 * once): fold the workers' TCP confirmations in, move the state, and
 * when a probe is due, write it into frame (from mac) and return 1
 * (counted in arp_probes; a round unanswered in arp_unanswered). */
int neigh_tick(struct neigh_entry *e, uint32_t now_ms, const struct rte_ether_addr *mac,
	       struct teng_counters *ctr, uint8_t frame[NEIGH_ARP_LEN]);

/* 1 while e counts as confirmed at now_ms (after neigh_tick or input). */
static inline int neigh_reachable(const struct neigh_entry *e, uint32_t now_ms)
{
	return e->known && (int32_t)(now_ms - e->confirmed_ms) <= NEIGH_REACHABLE_MS;
}

/* Bring-up is over: the run's clock starts at 0 and the entry counts as
 * confirmed then (it was just resolved). */
void neigh_epoch(struct neigh_entry *e);

/* The owner publishes a new MAC. */
void neigh_publish(struct neigh_entry *e, const struct rte_ether_addr *mac);

/* The count a reader compares with its copy's (cheap, once a loop). */
static inline uint32_t neigh_seq(const struct neigh_entry *e)
{
	return __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
}

/* A consistent copy of the published MAC; returns the count it goes with. */
static inline uint32_t neigh_read(const struct neigh_entry *e, struct rte_ether_addr *mac)
{
	uint32_t s0, s1;
	do {
		s0 = neigh_seq(e);
		while (unlikely(s0 & 1)) {
			rte_pause();
			s0 = neigh_seq(e);
		}
		for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
			mac->addr_bytes[i] = __atomic_load_n(&e->mac.addr_bytes[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	} while (unlikely(s0 != s1));
	return s0;
}

/* A worker saw TCP progress (an acceptable SYN-ACK, an ACK advancing
 * SND.UNA) from src on a port whose next hop it copied into cur: stamp
 * its slot, at most once a millisecond. */
static inline void neigh_confirm(struct neigh_stamp *slot, const struct rte_ether_addr *cur,
				 const struct rte_ether_addr *src, uint32_t now_ms)
{
	if (slot != NULL && slot->ms != now_ms && rte_is_same_ether_addr(src, cur))
		slot->ms = now_ms;
}

#endif
