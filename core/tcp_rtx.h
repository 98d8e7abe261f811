/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retransmission and congestion control: the RTO from RTT samples
 * (RFC 6298, Karn's rule, exponential backoff), slow start, congestion
 * avoidance, fast retransmit and NewReno fast recovery (RFC 5681,
 * RFC 6582), the initial window (RFC 6928). Sent data is never kept:
 * a retransmission is rebuilt from the payload template (tcp_out.c).
 */
#ifndef TENG_TCP_RTX_H
#define TENG_TCP_RTX_H

#include "tcp.h"

/* A new connection: initial window, no RTT sample yet. */
void tcp_cc_init(struct worker *w, struct tcb *t);
/* The retransmission timeout now, backoff included (ms). */
uint32_t tcp_rto(const struct worker *w, const struct tcb *t);
/* Our SYN or SYN-ACK (sent at rtx_ms) was acknowledged by ack. */
void tcp_rtt_handshake(struct worker *w, struct tcb *t, uint32_t ack);
/* New data was sent in this burst, up to snd_max: time it when the
 * retransmission clock started in this ms (so rtx_ms is its send time). */
static inline void tcp_rtt_sent(struct worker *w, struct tcb *t)
{
	if (!t->timing && t->rtx_ms == w->now_ms && t->dupacks != DUPACKS_RECOVERY) {
		t->timing = 1;
		t->rtt_seq = t->snd_max;
	}
}
/* An ACK acknowledged `acked` new bytes (snd_una already moved): RTT
 * sample (the timed segment's, else from the echoed timestamp tsecr,
 * RFC 7323 4; 0: none), backoff reset, window growth, NewReno's
 * partial ACK. */
void tcp_cc_ack(struct worker *w, struct tcb *t, uint32_t acked, uint32_t tsecr);
/* A duplicate ACK (RFC 5681 2): counted; the third starts fast
 * retransmit and recovery, later ones inflate the window. */
void tcp_cc_dupack(struct worker *w, struct tcb *t);
/* The retransmission timer went off with data (or SYN, FIN)
 * outstanding: give up (-1, marked to free) or send again (0). */
int tcp_rtx_expire(struct worker *w, struct tcb *t);

/* What the congestion window lets out beyond snd_una, bytes. */
static inline uint32_t tcp_cwnd_bytes(const struct tcb *t)
{
	return (uint32_t)t->cwnd * t->mss;
}

#endif
