/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: one per lcore, run to completion, sharing nothing with the
 * others. Everything the fast path touches hangs off struct worker.
 */
#ifndef TENG_WORKER_H
#define TENG_WORKER_H

#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "teng/plan.h"
#include "teng/stats.h"
#include "conn.h"
#include "prog.h"
#include "reasm.h"
#include "tcb.h"
#include "timer.h"
#include "tw.h"

#define RX_BURST 32
#define TX_BURST 32
#define TX_QUEUE_MIN 64 /* smallest transmit ring (plan tx_queue is rounded up to 2^k) */
#define TX_QUEUE_MAX (1u << 24)
#define OPEN_BURST 32   /* new connections per loop iteration at most */
/* The loopback: one worker is both ends, so a segment in flight is only
 * queued, never on a wire; more than this many in flight only costs cache
 * (measured: crr at 3x capacity completes 0.5-0.6 M/s with 1024, 0.17 M/s
 * with 20000 connections' worth), so openings wait above it. With 256
 * rather than 1024 (tests/bench/run --only loopback, one sitting): crr
 * 754 k/s vs 684 k/s on one worker, http_like 687 k vs 593 k, two workers
 * no worse; under --impair loss=0.05 crr 398 k vs 338 k (fewer mbufs and
 * connections in flight stay in cache), and the connect p50 that teng's
 * own queueing adds drops from 260-900 us to 70-200 us. */
#define LOOPBACK_INFLIGHT 256
#define TIMERS_PRESSED 8 /* timers run per loop under back-pressure */
#define HDR_LEN (RTE_ETHER_HDR_LEN + 20 + 20)

struct impair; /* impair.c: NULL unless the plan asks for impairment */
struct rec_worker; /* records.h: NULL unless --records */
struct sack_sb; /* tcp_rtx.h */
struct tcp_ka; /* tcp_ka.h */
struct neigh_entry; /* neigh.h */
struct neigh_stamp; /* neigh.h */
struct steer; /* steer.h */
struct tuple_mode; /* tuple.h */

/* What the main lcore tells the workers; each field has one writer. */
struct worker_ctl {
	volatile uint8_t draining; /* main: open no new connections */
	volatile uint8_t abort;    /* main: reset what is open, then return */
	uint64_t tsc0;             /* run start */
	uint64_t hz;
};

struct worker_port {
	uint16_t dev;        /* ethdev port id */
	uint16_t queue;
	uint16_t nqueues;    /* of the device (one per worker) */
	uint8_t tx_csum;     /* the device fills IPv4/TCP checksums (the loopback
			      * too: offered, never computed) */
	uint8_t rx_csum;     /* CSUM_RX_*: software verifies, the device did
			      * (its flags say), or rx_trusted (the loopback) */
	struct rte_ether_addr mac, peer_mac; /* peer_mac: nb's, copied once a loop */
	uint32_t nexthop_ip; /* network order; 0: none (server replies go to each SYN's MAC) */
	uint8_t peer_known;  /* peer_mac holds an answer */
	uint8_t peer_fixed;  /* peer_mac was given: never relearn */
	/* The port's entry in the shared neighbour table (NULL: no next
	 * hop to keep, as on the loopback), the count peer_mac was copied
	 * at, and this worker's slot for TCP's confirmations. */
	struct neigh_entry *nb;
	struct neigh_stamp *nb_stamp;
	uint32_t nb_seq;
	uint8_t is_loopback;
	uint8_t watch_link;  /* memif: stop polling once the peer is gone */
	uint8_t link_down;   /* seen down at this loop's start */
	uint8_t peer_gone;   /* the memif peer said it leaves (PORT_BYE_ETHERTYPE) */
	/* memif: what the device took and gave on this queue, counted from
	 * the bursts (the driver's own counters are cleared when the peer
	 * leaves, possibly before the main lcore read them last) */
	uint64_t dev_ipackets, dev_opackets, dev_ibytes, dev_obytes;
	/* The transmit ring: entries tx_head .. tx_tail - 1 (free-running
	 * counters, index & tx_mask) wait for the device. What does not fit
	 * waits in the hold list behind them, chained through m->next, so a
	 * segment built is never dropped (tx.c). */
	struct rte_mbuf **txq;
	uint32_t tx_head, tx_tail, tx_mask;
	uint32_t nhold;
	struct rte_mbuf *hold_head, *hold_tail;
};

/* Segments waiting on port p: in the ring and held behind it. */
static inline uint32_t tx_backlog(const struct worker_port *p)
{
	return p->tx_tail - p->tx_head + p->nhold;
}

/* Per-worker statistics: written by this worker alone. Whole-run
 * histograms are merged from the per-phase ones when a snapshot is
 * taken, so a connection records each latency twice, not three times. */
struct worker_stats {
	struct teng_counters phase[TENG_MAX_PHASES + 1];
	struct teng_counters group[TENG_MAX_GROUPS];
	uint64_t c_active;
	uint64_t s_active;
	uint64_t c_peak_active, s_peak_active; /* most open at once */
	uint32_t phase_now;
	struct teng_hist phase_connect[TENG_MAX_PHASES + 1];
	struct teng_hist phase_txn[TENG_MAX_PHASES + 1];
	struct teng_hist group_connect[TENG_MAX_GROUPS];
	struct teng_hist group_txn[TENG_MAX_GROUPS];
	struct teng_hist step[TENG_MAX_STEPS];
} __rte_cache_aligned;

/* A client address pool at run time (tuple.h owns it): tuple t of the
 * pool is ip index x port_n + port index; this worker keeps nslots of
 * them at slots base .. base + nslots - 1 of the connection table's
 * tuple array. */
struct worker_pool {
	uint32_t ip_lo, ip_hi;  /* host order */
	uint16_t port_lo;       /* host order */
	uint32_t port_n;        /* ports per IP */
	uint64_t port_n_m;      /* fastdiv_m(port_n): tuple_addr */
	uint32_t base;          /* first slot in ct.tuple */
	uint32_t nslots;        /* tuples owned here */
	uint32_t next_slot;     /* cursor, 0 .. nslots - 1 */
	uint64_t ntuples;       /* of the pool, all workers */
	/* the table kind (tuple.h); NULL: modulo */
	uint32_t *tuples;       /* slot -> tuple */
	uint32_t *slot_of;      /* tuple -> slot here, TUPLE_NONE: another's */
};

struct worker_template {
	uint32_t cum_weight;
	uint16_t prog;
	uint8_t pool;
	uint32_t dst_ip;   /* network order */
	uint16_t dst_port; /* network order */
};

struct worker_listener {
	uint32_t ip;   /* network order */
	uint16_t port; /* network order */
	uint16_t prog;
};

struct worker {
	/* hot: per packet */
	struct conn_table ct;
	struct timer_wheel tw;
	struct rte_mempool *pool;
	struct rte_mempool_cache *mcache; /* pool's cache of this lcore (mbuf.h) */
	struct teng_counters *ctr;   /* counters of the current phase */
	struct impair *imp;          /* --impair: every transmit goes through it
				      * (next to ctr: tx_push reads both) */
	uint8_t imp_pass;            /* impair_mark: the next frame goes out as it
				      * is, so tx_push need not hand it over */
	struct rec_worker *rec;      /* --records: per-connection records (records.h) */
	uint64_t now_tsc;
	uint64_t us_mult, ms_mult; /* tsc -> us, ms, 0.64 fixed point */
	uint64_t isn_key;          /* secret of the ISN hash */
	uint64_t rng;              /* worker_rand() state */
	uint32_t now_ms, now_us;
	uint16_t ip_id;
	uint8_t nports;
	uint8_t role_port[2];        /* port slot per tcb_role */
	struct worker_port port[TENG_MAX_PORTS];
	struct rte_ether_addr *peer_mac_of; /* TCB index -> MAC (TF2_OWN_MAC) */

	/* addresses and programs */
	uint8_t client_on, server_on;
	/* Latency per listener is kept when it tells something the client
	 * side's does not: several listeners, or no client role here. */
	uint8_t listener_hist;
	uint32_t npools, ntemplates, nlisteners;
	struct worker_pool pools[TENG_MAX_POOLS];
	struct worker_template templates[TENG_MAX_TEMPLATES];
	struct worker_listener listeners[TENG_MAX_LISTENERS];
	uint32_t ncores, index;      /* workers, and this one's (= its queue) */
	uint64_t ncores_m;           /* fastdiv_m(ncores): tuple_split without a division */
	struct steer *steer;         /* software steering (steer.h); NULL: none */
	uint32_t nconn;              /* connections opened here: the next's number */

	/* SYN cookies (syncookie.h): server connections in SYN_RCVD, the
	 * count at which SYNs get cookies instead, the cookie key, and the
	 * tick the last cookie was sent in (UINT32_MAX: none yet) */
	uint32_t syn_rcvd, syn_rcvd_max;
	uint32_t cookie_tick;
	uint64_t cookie_key[2];

	/* tcp parameters */
	uint16_t mss;
	uint8_t wscale;
	uint32_t rcv_wnd;
	uint32_t idle_ms, time_wait_ms;
	uint32_t rto_ms, max_retries;
	struct tw_table timewait; /* TIME_WAIT, without TCBs (tw.h) */
	struct tw_entry tw_pending; /* entering TIME_WAIT once tcp_reap frees the TCB */
	uint32_t tw_pending_id;     /* its TCB, TCB_NIL: none */
	struct reasm reasm;       /* out-of-order segments held (reasm.h) */
	uint32_t rto_min_ms, rto_max_ms, syn_retries; /* RFC 6298 bounds (tcp_rtx.c) */
	uint16_t init_cwnd;          /* segments (RFC 6928) */
	uint32_t delack_ms;          /* delayed ACK; 0: every segment at once */
	uint8_t timestamps;          /* offer timestamps (RFC 7323) */
	uint32_t *ts_recent;         /* TCB index -> TS.Recent (tcb.ts_ok) */
	uint8_t sack;                /* offer SACK (RFC 2018) */
	uint8_t ack_with_data;       /* tcp.ack_with_data: no lone ACK before the first data */
	struct sack_sb *sack_sb;     /* TCB index -> SACK scoreboard (tcb.sack_ok, tcp_rtx.h) */
	size_t sack_sb_bytes;        /* its mapping (anonymous memory) */
	uint32_t chal_ms, chal_n;    /* challenge ACKs: this second's start, sent in it */
	struct tcp_ka *ka;           /* TCB index -> keepalive clock (tcp_ka.h); NULL: keepalive off */
	uint32_t ka_ms, ka_intvl_ms; /* quiet time before the first probe, between probes */

	/* schedule */
	uint32_t nphases, phase;
	uint32_t phase_end_ms[TENG_MAX_PHASES];
	double phase_dur_s[TENG_MAX_PHASES];
	uint32_t phase_kind[TENG_MAX_PHASES];
	struct teng_sched sched[TENG_MAX_PHASES];
	double phase_start_s;          /* planned start of the current phase */
	uint64_t opened_phase, opened_total, conn_limit;
	uint32_t max_open;

	/* back-pressure (tx.c, schedule()): new connections and timer
	 * work wait while a port's backlog is at tx_limit or fewer than
	 * pool_reserve mbufs are free */
	uint32_t tx_limit;
	uint32_t pool_reserve;
	uint32_t pool_mbufs;   /* the pool's size (worker_sizes) */
	uint32_t inflight_limit; /* mbufs in use (in flight) above which openings wait */
	uint8_t pressed;       /* set by worker_pressure() this iteration */
	uint8_t rx_busy;       /* a device's receive burst came back full this
				* iteration (not the loopback's: LOOPBACK_INFLIGHT
				* bounds what waits there) */

	struct worker_ctl *ctl;
	struct worker_stats *st;
	unsigned lcore;
	int socket;
	/* Set (release) once the worker has seen ctl->draining: from then on
	 * it opens nothing, so every connection it opened is in its
	 * c_active, and the main lcore may end the drain on an open count of
	 * 0 (teng_run_finish). */
	uint8_t drain_seen;

	/* the program runner's own state (prog.h) */
	struct prog_core prog;
};

/* xorshift64*: think times, loop counts, the template mix; seeded per
 * core from the plan's seed, so a run is reproducible. */
static inline uint64_t worker_rand(struct worker *w)
{
	uint64_t x = w->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* What a worker needs, from the plan alone (before EAL starts). */
struct worker_sizes {
	uint64_t tcbs;       /* connection table entries, both roles */
	uint64_t mbufs;      /* packet buffers of its pool */
	uint32_t tx_queue;   /* transmit ring entries per port (2^k) */
	uint64_t pool_bytes; /* memory of the mbuf pool */
	uint64_t table_bytes; /* TCBs, tables, rings, timers */
	uint64_t mapped_bytes; /* ... of which anonymous memory, not DPDK's: the TCBs,
				* the tuple slots, the SACK scoreboards, the reassembly
				* index (touched as used) */
};
int worker_sizes(const struct teng_plan *plan, uint32_t index, struct worker_sizes *out,
		 char *err, size_t errlen);
/* Bytes of DPDK memory the whole plan needs (all workers): pools and
 * tables but the mapped ones. */
uint64_t worker_plan_bytes(const struct teng_plan *plan);

/* Set up a worker's tables from the plan; 0 or -1 (message in err). */
int worker_init(struct worker *w, const struct teng_plan *plan, uint32_t index,
		unsigned lcore, struct worker_ctl *ctl, char *err, size_t errlen);
/* The same with its memory from NUMA socket `socket` (-1: its lcore's;
 * numa_place.h) and the client tuples built for a tuple mode (tuple.h; NULL:
 * modulo, as worker_init). */
int worker_init_mode(struct worker *w, const struct teng_plan *plan, uint32_t index,
		     unsigned lcore, int socket, struct worker_ctl *ctl,
		     const struct tuple_mode *mode, char *err, size_t errlen);
void worker_fini(struct worker *w);
/* The lcore entry point: runs until ctl->abort. */
int worker_main(void *arg);

/* Per-packet entry: parse, find the connection, run TCP. Frees m (or
 * reuses it for an ARP or ICMP answer). 1 when m was a TCP segment that
 * went to TCP, 0 when it was dropped (counted) or answered. */
int worker_rx(struct worker *w, uint8_t slot, struct rte_mbuf *m);
/* A burst of frames received on port slot (worker_rx, with prefetching). */
void worker_rx_burst(struct worker *w, uint8_t slot, struct rte_mbuf **pkts, uint16_t n);
/* Advance the clock once per loop iteration. */
void worker_clock(struct worker *w, uint64_t tsc);
void worker_timers(struct worker *w);
/* Once a loop: copy a next-hop MAC the neighbour table published; on
 * the owner of a port's queue 0, also run its entry (neigh_tick). */
void worker_neigh(struct worker *w);
void worker_tx_flush(struct worker *w);
/* A frame into port slot's transmit ring, past impairment (tx.c). */
void tx_ring_push(struct worker *w, uint8_t slot, struct rte_mbuf *m);
/* 1 when new work (openings, timers) should wait: a transmit backlog
 * at its limit or the mbuf pool running low. */
int worker_pressure(struct worker *w);
void worker_tx_discard(struct worker *w);

#endif
