/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP for both roles, split as lwIP does: tcp.c (lifecycle, timers),
 * tcp_in.c (segment arrival and the state switch), tcp_out.c (segment
 * output). prog.c runs the scenario program on top.
 */
#ifndef TENG_TCP_H
#define TENG_TCP_H

#include <stdint.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "prog.h"
#include "worker.h"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG


#define TCP_TS_LEN 12 /* NOP, NOP, timestamps (10): on every segment once agreed */

/* A parsed, checksum-verified segment. */
struct seg {
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	const uint8_t *data;
	uint32_t len;   /* payload bytes */
	uint32_t seq, ack;
	uint32_t wnd;   /* raw window field */
	uint8_t flags;
	uint8_t slot;   /* port slot it came in on */
	const uint8_t *opt;
	uint32_t optlen;
	uint32_t tslot; /* client role: its tuple's slot, or UINT32_MAX (rx_locate) */
	uint32_t hidx;  /* else the server hash bucket, or UINT32_MAX */
	uint32_t hash;  /* with hidx: the four-tuple's conn_hash4 */
};

static inline struct tcb *tcb_of(struct worker *w, uint32_t id)
{
	return conn_tcb(&w->ct, id);
}
static inline uint32_t tcb_id(const struct worker *w, const struct tcb *t)
{
	return (uint32_t)(t - w->ct.tcb);
}

/* The per-template or per-listener counters of a connection. */
static inline struct teng_counters *tcb_group(struct worker *w, const struct tcb *t)
{
	return &w->st->group[t->group + (t->role == ROLE_SERVER ? TENG_MAX_TEMPLATES : 0)];
}

/* tcp.c */
uint32_t tcp_iss(struct worker *w, const struct tcb *t);
/* Open a client connection on the next free tuple of a template chosen
 * by weight, intended to start at t0_us: 0, or -1 if none is free. */
int tcp_connect(struct worker *w, uint32_t t0_us);
/* A SYN for listener l: make a TCB in SYN_RCVD, answer. */
void tcp_accept(struct worker *w, const struct seg *s, uint32_t l);
/* An ACK for listener l with a valid SYN cookie (syncookie.h): make the
 * TCB in SYN_RCVD as the cookie describes, sending nothing; the caller
 * then hands it s (tcp_input). The TCB's id, or -1 (pool empty). */
int tcp_accept_cookie(struct worker *w, const struct seg *s, uint32_t l, uint16_t mss);
/* A TCB is freed in one place: tcp_reap, which tcp_input, tcp_timer
 * and tcp_abort call on their way out. Everything below them only marks
 * it TF_FREE (and stops touching it). */
void tcp_reap(struct worker *w, struct tcb *t);
/* Reached the end of the connection's life: count, mark to free. */
void tcp_finish(struct worker *w, struct tcb *t, int ok);
/* Count as failed for `reason`, mark to free, sending nothing. */
void tcp_drop(struct worker *w, struct tcb *t, uint8_t reason);
/* Send RST (not in SYN_SENT), count as failed for `reason` (enum
 * teng_reason), mark to free. */
void tcp_fail(struct worker *w, struct tcb *t, uint8_t reason);
/* A connection's retries or idle time ran out (counted in timeouts):
 * tcp_fail, except in LAST_ACK or CLOSING once the program has
 * finished and all our data is acknowledged, where only the ACK of our
 * FIN is missing: the peer is reset and the connection counts as
 * completed, in close_unacked. */
void tcp_give_up(struct worker *w, struct tcb *t, uint8_t reason);
/* The same without counting a timeout, and freed now (for callers
 * outside TCP: the end of the drain). Returns 1 when the connection
 * counted as completed (close_unacked). */
int tcp_abort(struct worker *w, struct tcb *t, uint8_t reason);
/* What a prog_* call returned: fail, reset or go on. Returns 0 while
 * the connection lives, -1 once it is marked to free. */
int tcp_prog_result(struct worker *w, struct tcb *t, int rc);
void tcp_timer(struct worker *w, uint32_t id);
/* An ACK is owed but delayed: the timer fires by delack_ms. */
void tcp_delack_arm(struct worker *w, struct tcb *t);
/* Something new is outstanding: (re)start the retransmission clock. */
void tcp_rtx_start(struct worker *w, struct tcb *t);
void tcp_progress(struct worker *w, struct tcb *t);
void tcp_established(struct worker *w, struct tcb *t);
/* The client's SYN was answered: take the peer's options. */
void tcp_synack_options(struct worker *w, struct tcb *t, const struct seg *s);
/* Enter TIME_WAIT, or finish at once when the plan holds none. */
void tcp_time_wait(struct worker *w, struct tcb *t);

/* CLOSING or LAST_ACK with the program finished: both FINs have passed,
 * so what the program expected has arrived; only the ACK of our FIN may
 * be missing (a reset at RCV.NXT, tcp_give_up). */
static inline int tcp_fins_passed(const struct tcb *t)
{
	return (t->state == TCP_LAST_ACK || t->state == TCP_CLOSING) &&
	       (t->flags & TF_PROG_DONE);
}

/* The peer offered a window of raw (unscaled field): keep the largest,
 * as a power of two, for RFC 5961 5.2's MAX.SND.WND. */
static inline void tcp_wnd_seen(struct tcb *t, uint32_t raw)
{
	uint32_t wnd = raw << t->snd_wscale;
	uint32_t lg = wnd > 1 ? 32u - (uint32_t)__builtin_clz(wnd - 1) : 0;
	if (lg > 31)
		lg = 31;
	if (lg > t->wnd_log)
		t->wnd_log = (uint8_t)lg;
}

/* tcp_in.c */
void tcp_input(struct worker *w, struct tcb *t, const struct seg *s);

/* tcp_out.c */
void tcp_output(struct worker *w, struct tcb *t);
void tcp_send_syn(struct worker *w, struct tcb *t);
void tcp_send_ack(struct worker *w, struct tcb *t);
/* One segment again from snd_una (fast retransmit, NewReno). */
void tcp_send_una(struct worker *w, struct tcb *t);
void tcp_send_rst(struct worker *w, struct tcb *t);
/* A zero-window probe. */
void tcp_send_probe(struct worker *w, struct tcb *t);
/* RST for a segment that matches no connection (RFC 9293 3.10.7.1). */
void tcp_reply_rst(struct worker *w, const struct seg *s);

/* tx.c */
void tx_push(struct worker *w, uint8_t slot, struct rte_mbuf *m);

#endif
