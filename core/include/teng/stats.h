/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics shared with Lua. Each worker writes its own counters alone;
 * the main lcore sums snapshots into struct teng_snapshot.
 */
#ifndef TENG_STATS_H
#define TENG_STATS_H

#include <stdint.h>
#include "teng/plan.h"

/* Log-bucketed (HDR-style) latency histogram in microseconds, on TSC
 * time: values below 128 have a bucket each; above, each power of two
 * has 64 buckets, so a bucket spans at most 1/64 of its value and its
 * midpoint is within 0.8% of any value in it. The last bucket starts at
 * 2^27 us (134 s) and takes everything above. */
enum {
	TENG_HIST_LINEAR = 128,
	TENG_HIST_SUB_BITS = 6,
	TENG_HIST_BUCKETS = 128 + 20 * 64, /* 1408 */
	TENG_PORT_DEVS = 4,
	TENG_MAX_GROUPS = TENG_MAX_TEMPLATES + TENG_MAX_LISTENERS,
};

struct teng_hist {
	uint64_t count[TENG_HIST_BUCKETS];
	uint64_t max;
	uint64_t total;
	uint64_t sum; /* of all values, for the mean */
};

struct teng_counters {
	/* client role */
	uint64_t c_attempted;
	uint64_t c_connected;
	uint64_t c_completed;
	uint64_t c_failed;
	uint64_t c_bytes_tx;
	uint64_t c_bytes_rx;
	/* server role */
	uint64_t s_accepted;
	uint64_t s_completed;
	uint64_t s_failed;
	uint64_t s_bytes_tx;
	uint64_t s_bytes_rx;
	/* tcp */
	uint64_t retransmits;
	uint64_t rst_rx;
	uint64_t rst_tx;
	uint64_t drops_bad_checksum;
	uint64_t drops_bad_header;
	uint64_t drops_no_connection;
	uint64_t timeouts;
	/* packets and the rest */
	uint64_t pkts_rx;
	uint64_t pkts_tx;
	uint64_t drops_tx_full;    /* tx queue full: packet freed */
	uint64_t drops_not_ours;   /* not IPv4/TCP for a local address */
	uint64_t drops_out_of_order;
	uint64_t rx_unexpected;    /* payload bytes no recv op wanted */
	uint64_t no_tcb;           /* connection pool exhausted */
	uint64_t http_2xx;
	uint64_t http_other;
	uint64_t aborted;          /* reset at the end of the drain */
	uint64_t arp_requests;     /* ARP requests received */
	uint64_t arp_replies;      /* ARP replies received */
	uint64_t icmp_echo;        /* pings answered */
	uint64_t requests;         /* recv ops completed (client role) */
	uint64_t s_requests;       /* recv ops completed (server role) */
	uint64_t sched_lag_us;     /* worst lag of an opening behind its schedule */
	/* failed connections by reason (enum teng_reason, then named ones) */
	uint64_t c_fail[TENG_MAX_REASONS];
	uint64_t s_fail[TENG_MAX_REASONS];
	/* back-pressure: nothing is dropped, work waits instead */
	uint64_t tx_waits;         /* segments held behind a full transmit ring */
	uint64_t open_deferred;    /* loop iterations whose openings back-pressure cut */
	uint64_t timers_deferred;  /* timer rounds put off to the next loop */
	/* Full TCP (JSON "tcp"). retransmits above is the sum of rtx_*. */
	uint64_t rtx_syn, rtx_synack, rtx_data, rtx_fin;
	uint64_t fast_retransmits;  /* third duplicate ACK / SACK loss */
	uint64_t rto_timeouts;      /* retransmission timer expiries */
	uint64_t dupacks_rx;
	uint64_t ooo_rx;            /* out-of-order segments received */
	uint64_t reassembled;       /* ... later delivered in order */
	uint64_t reasm_full;        /* ... dropped: reassembly area full */
	uint64_t zero_window;       /* peer's window went to zero */
	uint64_t persist_probes;
	uint64_t challenge_acks;
	uint64_t challenge_acks_limited; /* not sent: over the rate limit */
	uint64_t keepalives;
	uint64_t syn_cookies;       /* SYN-ACKs sent as cookies (SYN queue full) */
	uint64_t tw_reuse_refused;  /* a tuple skipped: still in TIME_WAIT */
	/* Hostile and malformed segments, each dropped and counted. */
	uint64_t drop_ip_hdr;       /* IHL < 5, past the packet, bad total length */
	uint64_t drop_ip_frag;      /* fragment */
	uint64_t drop_ttl0;
	uint64_t drop_src_bcast;    /* source broadcast, multicast, 0.0.0.0, ours */
	uint64_t drop_mac;          /* destination MAC not ours nor broadcast; bcast/mcast source MAC */
	uint64_t drop_tcp_hdr;      /* data offset < 5 or past the end */
	uint64_t drop_tcp_opt;      /* option length 0, 1 or overrunning */
	uint64_t drop_bad_flags;    /* SYN+FIN, SYN+RST, no flags */
	uint64_t drop_out_of_window;
	uint64_t drop_old_ack;      /* ACK too far behind (RFC 5961 5.2) */
	uint64_t drop_ack_unsent;   /* ACK of data never sent */
	uint64_t drop_rst_window;   /* RST in window, not exact: challenged */
	uint64_t drop_syn_window;   /* SYN in a synchronized state: challenged */
	uint64_t tw_evicted;        /* TIME_WAIT entries let go early: the table was full */
	uint64_t tw_evicted_acks;   /* FINs after evictions for no connection: ACKed as TIME_WAIT would, not reset */
	uint64_t close_unacked;     /* LAST_ACK/CLOSING, program done, data ACKed, FIN never: given up, completed */
	/* --impair: what teng did to its own frames on purpose (not drops) */
	uint64_t impair_lost;       /* frames freed instead of sent */
	uint64_t impair_dup;        /* frames sent twice (the copies) */
	uint64_t impair_reordered;  /* frames held back behind later ones */
	uint64_t impair_delayed;    /* frames through the delay queue */
	uint64_t impair_delay_full; /* ... sent undelayed: the queue was full */
	/* The neighbour table (neigh.h): ARP claims to the next hop's
	 * address with another MAC while TCP confirmed the one in use (or
	 * it was pinned), not applied; probes sent while unconfirmed;
	 * next-hop MACs taken at run time; probe rounds unanswered. */
	uint64_t arp_conflicts;
	uint64_t arp_probes;
	uint64_t arp_changes;
	uint64_t arp_unanswered;
	/* multi-core steering (steer.h) */
	uint64_t redirected;        /* frames handed to the worker that owns them (software) */
	uint64_t redirect_drops;    /* ... dropped: that worker's ring was full */
	uint64_t not_owner;         /* client segments for a tuple another worker owns, dropped */
};

/* One worker's share of the run (the snapshot's worker[]). */
struct teng_worker_counts {
	uint64_t c_completed, c_failed;
	uint64_t s_completed, s_failed;
	uint64_t pkts_rx;
	uint64_t redirected, redirect_drops, not_owner;
	uint64_t pkts_tx;
	int32_t cpu;    /* the CPU it ran on */
	int32_t socket; /* the NUMA socket its memory came from (-1: any) */
};

/* What the main lcore hands to Lua once a second and at the end. */
struct teng_snapshot {
	double elapsed_s;      /* since the first phase started */
	uint32_t phase;        /* current phase index; nphases = draining */
	uint32_t state;        /* enum teng_run_state */
	uint64_t c_active;     /* open client connections */
	uint64_t s_active;     /* open server connections */
	struct teng_counters total;
	struct teng_counters phase_counters[TENG_MAX_PHASES + 1];
	/* per client template (0 ..), then per listener (TENG_MAX_TEMPLATES ..) */
	struct teng_counters group_counters[TENG_MAX_GROUPS];
	/* Latency: connect (SYN to established) and transaction (to the
	 * program's end), both measured from the connection's intended start
	 * under a rate schedule, so a generator that falls behind shows it. */
	struct teng_hist lat_connect;
	struct teng_hist lat_txn;
	struct teng_hist phase_connect[TENG_MAX_PHASES + 1];
	struct teng_hist phase_txn[TENG_MAX_PHASES + 1];
	struct teng_hist group_connect[TENG_MAX_GROUPS];
	struct teng_hist group_txn[TENG_MAX_GROUPS];
	struct teng_hist step[TENG_MAX_STEPS];
	uint32_t ndevs;
	uint32_t pad;
	struct {
		char name[TENG_SPEC_LEN];
		uint64_t ipackets, opackets, ibytes, obytes;
		uint64_t imissed, ierrors, oerrors;
	} dev[TENG_PORT_DEVS];
	uint64_t c_peak_active; /* sum of the workers' most open client connections */
	uint64_t s_peak_active; /* the same, server */
	/* Steering in force (enum teng_steering) and why, and each worker's
	 * share. */
	uint32_t steering;
	uint32_t nworkers;
	char steering_why[128];
	struct teng_worker_counts worker[TENG_MAX_CORES];
};

/* What the --records writer did (teng_run_records; final once the run
 * finished). Records taken = written + dropped (+ lines lost with a
 * failed write: error). */
struct teng_records_stats {
	uint64_t written;  /* JSON lines written */
	uint64_t dropped;  /* records a worker's full ring refused, all workers */
	uint64_t cap;      /* the cap asked (0: none) */
	uint32_t sample;   /* 1 in sample connections of each role */
	int32_t error;     /* errno of the first failed write, 0: none */
};

enum teng_run_state {
	TENG_RUN_RUNNING = 0,
	TENG_RUN_DRAINING,
	TENG_RUN_DONE,
};

#endif
