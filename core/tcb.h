/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transmission control block: one per connection, fixed size, kept
 * in a per-core array. No buffers: sent data is rebuilt from the
 * payload template, received data is consumed by the program as it
 * arrives. State only some connections need (echo buffers, step clocks,
 * a server connection's peer MAC) lives in per-core side arrays keyed
 * by the TCB's index.
 */
#ifndef TENG_TCB_H
#define TENG_TCB_H

#include <stdint.h>

#define TCB_NIL UINT32_MAX

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_NSTATES
};

enum tcb_role { ROLE_CLIENT = 0, ROLE_SERVER = 1 };

/* tcb.flags */
#define TF_ACK_NOW 0x01     /* an ACK is owed */
#define TF_FIN_QUEUED 0x02  /* close(): FIN follows the queued data */
#define TF_FIN_SENT 0x04
#define TF_PEER_FIN 0x08    /* the peer's FIN arrived in order */
#define TF_WSCALE 0x10      /* both sides sent window scale */
#define TF_PROG_DONE 0x20   /* the program reached its end */
#define TF_FREE 0x40        /* done: tcp_reap frees it when the input or timer returns */
#define TF_COUNTED 0x80     /* outcome counted (TIME_WAIT holds it on) */

/* tcb.flags2 */
#define TF2_OWN_MAC 0x01    /* reply to the side table's peer MAC, not the port's */
#define TF2_THINKING 0x02   /* THINK: the program waits for wake_ms */
#define TF2_DEADLINE 0x04   /* RECV with a timeout: fail at wake_ms */
#define TF2_ECHO 0x08       /* holds an echo buffer (side table) */
#define TF2_RESET 0x10      /* close{reset}: send RST, count completed */
#define TF2_FAILED 0x20     /* the program failed: reason holds why */
#define TF2_STEP 0x40       /* a step clock runs (side table) */
#define TF2_HTTP_CLEN 0x80  /* RECV http: a Content-Length was seen */

/* tcb.tpl beyond payload ids */
#define TPL_NONE 0xffff
#define TPL_BULK 0xfffe     /* the generated pattern */
#define TPL_ECHO 0xfffd     /* the echo buffer */

struct timer_node {
	uint32_t expire; /* ms tick */
	uint32_t pos;    /* where its id is in the wheel (timer.c), or TCB_NIL: not armed */
};

struct tcb {
	/* 0: identity, network byte order, as on the wire */
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint8_t state : 4;    /* enum tcp_state */
	uint8_t delack : 1;   /* an ACK is owed but delayed (tcp.delayed_ack) */
	uint8_t ts_ok : 1;    /* both sides sent timestamps (RFC 7323): every
			       * segment carries them; TS.Recent is w->ts_recent[id] */
	uint8_t sack_ok : 1;  /* both SYNs carried SACK-permitted (RFC 2018): we
			       * send SACK blocks and keep a scoreboard (w->sack_sb[id]) */
	uint8_t sb_used : 1;  /* its SACK scoreboard was written (tcp_sack_sb_mut) */
	uint8_t role : 1;     /* enum tcb_role */
	uint8_t dupacks : 2;  /* duplicate ACKs in a row, 0-2; DUPACKS_RECOVERY: in fast recovery */
	uint8_t wnd_log : 5;  /* log2 of the largest window the peer offered, rounded up
			       * (RFC 5961 5.2's MAX.SND.WND, as a power of two) */
	uint8_t flags;        /* TF_* */
	uint8_t flags2;       /* TF2_* */

	/* 16: send side. Before ESTABLISHED snd_una is our ISS. */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_end;  /* one past the last queued data byte */
	uint32_t snd_max;  /* highest sequence number sent + 1 */
	uint32_t snd_wl1;  /* seq of the segment that last moved the window */
	uint32_t tpl_seq;  /* sequence number of the sending template's first byte */
	uint32_t snd_wnd;  /* peer's window, bytes */
	/* With timing set: the timed segment ends here; it was sent at
	 * rtx_ms (timing starts only on a send in the ms the retransmission
	 * clock restarted, and holds rtx_ms until its ACK), so its ACK gives
	 * the RTT sample (RFC 6298; Karn: a retransmission clears timing). In fast recovery (dupacks
	 * == DUPACKS_RECOVERY, timing clear) it holds NewReno's `recover`:
	 * snd_max when recovery began (RFC 6582). */
	uint32_t rtt_seq;

	/* 48: congestion control and RTT (RFC 5681, 6582, 6298) */
	uint16_t cwnd;     /* congestion window, segments of mss */
	uint16_t ssthresh; /* slow-start threshold, segments */
	uint16_t srtt;     /* smoothed RTT, ms << 3 (at least 1); 0: no sample yet */
	uint16_t rttvar;   /* RTT variation, ms << 2 (so 4 * RTTVAR in ms) */

	/* 56: receive side. In SYN_RCVD the peer's ISS is rcv_nxt - 1. */
	uint32_t rcv_nxt;
	uint16_t mss;      /* what we may send per segment */
	uint8_t snd_wscale : 4, rcv_wscale : 4;
	uint8_t retries : 7; /* retransmissions since the last progress (RTO backoff) */
	uint8_t timing : 1;  /* an RTT sample runs (rtt_seq) */
	uint16_t tpl;      /* payload id being sent, or TPL_* */
	uint16_t tpl_req;  /* the request number it renders with */

	/* 68: program (prog.c). Its loop counters and connection number
	 * are side tables (prog_core.loops, .conn_no), there only when the
	 * plan has loops or fields. */
	uint16_t pc;       /* absolute op index */
	uint16_t req;      /* request number: LOOP_NEXTs passed */
	uint16_t match;    /* delimiter bytes matched; check offset */
	uint8_t rx_state;  /* framing state of the current recv */
	uint8_t group : 3; /* client template or listener index */
	uint8_t phase : 5; /* phase the connection opened in */
	uint32_t rx_count; /* bytes of the current message so far */
	uint32_t rx_left;  /* bytes still expected (length, body, chunk) */
	uint16_t http_status;
	uint8_t xmask;     /* expectation alternatives still matching */
	uint8_t reason;    /* failure reason (TF2_FAILED) */

	/* 88: timers, tables, latency */
	struct timer_node tn;
	uint32_t last_ms;   /* last progress, ms tick */
	uint32_t rtx_ms;    /* when the retransmission clock last restarted */
	uint32_t wake_ms;   /* THINK end or RECV deadline (TF2_THINKING/DEADLINE) */
	uint32_t t_open_us; /* intended start (the schedule's), us tick */
	union {
		uint32_t hnext; /* server hash chain, or the free list */
		uint32_t tuple; /* client: tuple slot in its pool's table */
	};
};

#define DUPACKS_RECOVERY 3 /* tcb.dupacks: in fast recovery (RFC 6582) */

/* Two per connection pair on the loopback: the TCB is most of what a
 * held connection costs (docs/performance.md, memory per pair). */
_Static_assert(sizeof(struct tcb) <= 116, "tcb must stay within 116 bytes");

#endif
