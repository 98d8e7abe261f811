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

/*
 * SACK on the send side (RFC 2018, RFC 6675 simplified), for a
 * connection with tcb.sack_ok. The scoreboard, one per TCB index
 * (w->sack_sb, allocated when the plan offers SACK), holds the ranges
 * the peer has SACKed above snd_una, sorted and merged; a block is taken
 * only within snd_una..snd_max (others ignored), and what snd_una passes
 * is let go, so it empties when everything is acknowledged. At most
 * SACK_SB_MAX ranges: a new one beyond is forgotten (that data may be
 * resent, never skipped wrongly).
 *
 * Use: in fast recovery (entered on the third duplicate ACK, RFC 5681)
 * and on a partial ACK, the segment sent is NextSeg, the first un-SACKed
 * byte at or above high_rxt (where the last retransmission ended) and
 * below the highest SACKed byte (RFC 6675 4, rule 1 with every such
 * hole taken as lost); each later duplicate ACK sends the next hole
 * instead of inflating the window for new data. The pipe is not kept:
 * NewReno's window inflation and deflation (tcp_cc_dupack, tcp_cc_ack)
 * stand for it, so one segment goes per duplicate ACK as before, a hole
 * first. After an RTO, the go-back-N resend (tcp_output) skips the
 * SACKed ranges and does not count them against the window (the
 * receiver is assumed not to renege: teng's own never does).
 *
 * Recovery starts on the third duplicate ACK or, with SACK, as soon as
 * more than two segments above snd_una are SACKed (RFC 6675 IsLost: one
 * of the duplicates was lost, or too few segments were in flight to draw
 * three); limited transmit (RFC 3042, tcp_output) sends a new segment on
 * each of the first two. A resend of snd_una's segment that is lost too
 * is found, as RACK finds it (RFC 8985), by what was sent after it: once
 * three segments' worth above the fence (snd_max at that resend) is
 * SACKed and snd_una has not moved, it goes again, rather than waiting
 * out the RTO.
 */
#define SACK_SB_MAX 6
struct sack_sb {
	uint32_t lo[SACK_SB_MAX], hi[SACK_SB_MAX]; /* SACKed [lo, hi), ascending, disjoint */
	uint32_t high_rxt; /* holes below it were resent in this recovery (valid) */
	uint32_t fence;    /* snd_max when snd_una's segment was last resent in
			    * this recovery (tcp_cc_dupack) */
	uint8_t n;
	uint8_t valid;     /* high_rxt set; 0: as if snd_una */
	uint8_t pad[2];
};

/* A connection's scoreboard, to read: an empty one until it was first
 * written (tcb.sb_used), so the side table is touched only by
 * connections that met loss (a TCB is zero when allocated). */
extern const struct sack_sb tcp_sack_none;
static inline const struct sack_sb *tcp_sack_sb(struct worker *w, const struct tcb *t)
{
	return t->sb_used ? &w->sack_sb[tcb_id(w, t)] : &tcp_sack_none;
}
/* ... and to write: emptied on its first write. */
static inline struct sack_sb *tcp_sack_sb_mut(struct worker *w, struct tcb *t)
{
	struct sack_sb *sb = &w->sack_sb[tcb_id(w, t)];
	if (!t->sb_used) {
		*sb = tcp_sack_none;
		t->sb_used = 1;
	}
	return sb;
}
/* A new SACK connection (both SYNs offered it): an empty scoreboard. */
void tcp_sack_reset(struct worker *w, struct tcb *t);
/* An acceptable ACK (s->ack, before tcp_ack) carried these blocks. */
void tcp_sack_input(struct worker *w, struct tcb *t, uint32_t ack, const uint32_t *lo,
		    const uint32_t *hi, uint32_t n);
/* Go-back-N after an RTO: seq moved past a SACKed range it is in; *gap
 * gets the bytes from there to the next SACKed range (UINT32_MAX: none). */
uint32_t tcp_sack_skip(struct worker *w, const struct tcb *t, uint32_t seq, uint32_t *gap);
/* Resend [seq, seq + len) of the queued data (a SACK hole; tcp_out.c). */
void tcp_send_range(struct worker *w, struct tcb *t, uint32_t seq, uint32_t len);
/* Bytes SACKed above snd_una. */
uint32_t tcp_sack_bytes(struct worker *w, const struct tcb *t);

/* What the congestion window lets out beyond snd_una, bytes. */
static inline uint32_t tcp_cwnd_bytes(const struct tcb *t)
{
	return (uint32_t)t->cwnd * t->mss;
}

#endif
