/* SPDX-License-Identifier: BSD-3-Clause */
/* Retransmission timeout and congestion control (tcp_rtx.h). */
#include <string.h>

#include "seq.h"
#include "tcp_rtx.h"

#define RTT_MAX_MS 8000   /* samples above are taken as this (srtt is ms << 3 in 16 bits) */
#define CWND_MAX 0xffff

void tcp_cc_init(struct worker *w, struct tcb *t)
{
	t->cwnd = w->init_cwnd;
	t->ssthresh = CWND_MAX; /* "arbitrarily high" (RFC 5681 3.1) */
	t->srtt = 0;
	t->rttvar = 0;
	t->dupacks = 0;
	t->timing = 0;
}

uint32_t tcp_rto(const struct worker *w, const struct tcb *t)
{
	uint32_t base;
	if (t->srtt == 0) {
		base = w->rto_ms; /* RFC 6298 2.1: before any sample */
	} else {
		/* RTO = SRTT + max(G, 4 * RTTVAR), G = 1 ms (2.3) */
		base = (uint32_t)(t->srtt >> 3) + (t->rttvar > 1 ? t->rttvar : 1u);
		if (base < w->rto_min_ms)
			base = w->rto_min_ms;
	}
	if (base > w->rto_max_ms)
		base = w->rto_max_ms;
	if (t->retries >= 20) /* doubling stops at the cap; no shift overflow */
		return w->rto_max_ms;
	uint64_t r = (uint64_t)base << t->retries; /* 5.5: back off */
	return r > w->rto_max_ms ? w->rto_max_ms : (uint32_t)r;
}

/* RFC 6298 2.2, 2.3 with Jacobson's scaled integers: srtt is SRTT << 3,
 * rttvar is RTTVAR << 2; shifts only. */
static void rtt_sample(struct tcb *t, uint32_t r)
{
	if (r > RTT_MAX_MS)
		r = RTT_MAX_MS;
	if (t->srtt == 0) {
		t->srtt = (uint16_t)(r << 3);
		t->rttvar = (uint16_t)(r << 1); /* R / 2, << 2 */
	} else {
		int32_t err = (int32_t)r - (int32_t)(t->srtt >> 3);
		int32_t srtt = (int32_t)t->srtt + err; /* += (R - SRTT) / 8, << 3 */
		if (err < 0)
			err = -err;
		int32_t var = (int32_t)t->rttvar + err - (int32_t)(t->rttvar >> 2);
		t->srtt = (uint16_t)(srtt > 0xffff ? 0xffff : srtt);
		t->rttvar = (uint16_t)(var > 0xffff ? 0xffff : var);
	}
	if (t->srtt == 0)
		t->srtt = 1; /* 0 means no sample */
}

/* The timed segment's ACK: a sample. Returns 1 when one was taken. */
static int rtt_ack(struct worker *w, struct tcb *t, uint32_t ack)
{
	if (!t->timing || SEQ_LT(ack, t->rtt_seq))
		return 0;
	rtt_sample(t, w->now_ms - t->rtx_ms);
	t->timing = 0;
	return 1;
}

void tcp_rtt_handshake(struct worker *w, struct tcb *t, uint32_t ack)
{
	rtt_ack(w, t, ack);
	t->retries = 0;
}

static inline void cwnd_add(struct tcb *t, uint32_t n)
{
	uint32_t c = t->cwnd + n;
	t->cwnd = (uint16_t)(c > CWND_MAX ? CWND_MAX : c);
}

/* ssthresh = max(FlightSize / 2, 2 * SMSS) (RFC 5681 (4)), segments.
 * A division, but only on loss. */
static void halve(struct tcb *t)
{
	uint32_t segs = (t->snd_max - t->snd_una) / t->mss / 2;
	t->ssthresh = (uint16_t)(segs < 2 ? 2 : segs > CWND_MAX ? CWND_MAX : segs);
}

/* SACK scoreboard (tcp_rtx.h). */

const struct sack_sb tcp_sack_none;

void tcp_sack_reset(struct worker *w, struct tcb *t)
{
	/* Nothing is touched: the scoreboard is emptied when first written
	 * (tcp_sack_sb_mut). The table's pages are anonymous memory
	 * (worker_init.c), so a connection that meets no loss costs neither a
	 * cache miss nor a page for it. */
	(void)w;
	t->sb_used = 0;
}

static inline void sb_set_high(struct sack_sb *sb, uint32_t seq)
{
	sb->high_rxt = seq;
	sb->valid = 1;
}

/* Let go of what is below base. */
static void sb_trim(struct sack_sb *sb, uint32_t base)
{
	if (sb->n == 0)
		return; /* nothing written: the page stays untouched */
	uint32_t j = 0;
	for (uint32_t k = 0; k < sb->n; k++) {
		if (SEQ_LEQ(sb->hi[k], base))
			continue;
		sb->lo[j] = SEQ_LT(sb->lo[k], base) ? base : sb->lo[k];
		sb->hi[j] = sb->hi[k];
		j++;
	}
	sb->n = (uint8_t)j;
}

/* Add [lo, hi), merged with the ranges it overlaps or touches. */
static void sb_add(struct sack_sb *sb, uint32_t lo, uint32_t hi)
{
	uint32_t k = 0;
	while (k < sb->n && SEQ_LT(sb->hi[k], lo))
		k++;
	uint32_t m = k;
	while (m < sb->n && SEQ_LEQ(sb->lo[m], hi)) {
		if (SEQ_LT(sb->lo[m], lo))
			lo = sb->lo[m];
		if (SEQ_GT(sb->hi[m], hi))
			hi = sb->hi[m];
		m++;
	}
	if (m == k) { /* a new range at k */
		if (sb->n == SACK_SB_MAX) {
			if (k == SACK_SB_MAX)
				return; /* above all, and no room: forgotten */
			sb->n--;    /* the highest goes */
		}
		memmove(&sb->lo[k + 1], &sb->lo[k], (sb->n - k) * sizeof(uint32_t));
		memmove(&sb->hi[k + 1], &sb->hi[k], (sb->n - k) * sizeof(uint32_t));
		sb->n++;
	} else if (m > k + 1) { /* ranges k..m-1 become one */
		memmove(&sb->lo[k + 1], &sb->lo[m], (sb->n - m) * sizeof(uint32_t));
		memmove(&sb->hi[k + 1], &sb->hi[m], (sb->n - m) * sizeof(uint32_t));
		sb->n = (uint8_t)(sb->n - (m - k - 1));
	}
	sb->lo[k] = lo;
	sb->hi[k] = hi;
}

void tcp_sack_input(struct worker *w, struct tcb *t, uint32_t ack, const uint32_t *lo,
		    const uint32_t *hi, uint32_t n)
{
	struct sack_sb *sb = tcp_sack_sb_mut(w, t);
	uint32_t base = SEQ_GT(ack, t->snd_una) ? ack : t->snd_una;
	sb_trim(sb, base);
	for (uint32_t k = 0; k < n; k++) {
		/* within snd_una (as this ACK moves it) .. snd_max, else
		 * ignored: a D-SACK (RFC 2883), stale, or forged */
		uint32_t l = lo[k], h = hi[k];
		if (!SEQ_LT(l, h) || SEQ_LT(l, base) || SEQ_GT(h, t->snd_max))
			continue;
		if (SEQ_GT(h, t->snd_end))
			h = t->snd_end; /* data only: a FIN is never skipped */
		if (SEQ_LT(l, h))
			sb_add(sb, l, h);
	}
}

uint32_t tcp_sack_skip(struct worker *w, const struct tcb *t, uint32_t seq, uint32_t *gap)
{
	const struct sack_sb *sb = tcp_sack_sb(w, t);
	*gap = UINT32_MAX;
	for (uint32_t k = 0; k < sb->n; k++) {
		if (SEQ_LEQ(sb->hi[k], seq))
			continue;
		if (SEQ_LEQ(sb->lo[k], seq)) {
			seq = sb->hi[k]; /* SACKed: not sent again */
			continue;
		}
		*gap = sb->lo[k] - seq;
		break;
	}
	return seq;
}

uint32_t tcp_sack_bytes(struct worker *w, const struct tcb *t)
{
	const struct sack_sb *sb = tcp_sack_sb(w, t);
	uint32_t b = 0;
	for (uint32_t k = 0; k < sb->n; k++)
		b += sb->hi[k] - sb->lo[k];
	return b;
}

/* NextSeg (RFC 6675 4, rule 1): the first un-SACKed bytes at or above
 * high_rxt and snd_una, below the highest SACKed byte, at most an MSS,
 * resent. 0 when there is no such hole. */
static int sack_rtx_hole(struct worker *w, struct tcb *t)
{
	const struct sack_sb *sb = tcp_sack_sb(w, t);
	uint32_t start = sb->valid && SEQ_GT(sb->high_rxt, t->snd_una) ? sb->high_rxt : t->snd_una;
	for (uint32_t k = 0; k < sb->n; k++) {
		if (SEQ_LEQ(sb->hi[k], start))
			continue;
		if (SEQ_LT(start, sb->lo[k])) {
			uint32_t len = sb->lo[k] - start;
			if (len > t->mss)
				len = t->mss;
			sb_set_high(tcp_sack_sb_mut(w, t), start + len);
			tcp_send_range(w, t, start, len);
			return 1;
		}
		start = sb->hi[k];
	}
	return 0;
}

/* A partial ACK in SACK recovery: the next hole not yet resent goes,
 * or nothing when every hole was (the RTO guards those). 0: no SACK
 * information, NewReno's resend of snd_una applies. */
static int sack_partial(struct worker *w, struct tcb *t)
{
	const struct sack_sb *sb = tcp_sack_sb(w, t);
	if (sb->n == 0 && (!sb->valid || SEQ_LEQ(sb->high_rxt, t->snd_una)))
		return 0;
	if (sack_rtx_hole(w, t))
		w->ctr->fast_retransmits++;
	return 1;
}

void tcp_cc_ack(struct worker *w, struct tcb *t, uint32_t acked, uint32_t tsecr)
{
	int sampled = rtt_ack(w, t, t->snd_una);
	/* An echoed timestamp times what it acknowledges, resent or not
	 * (no Karn ambiguity); it feeds the estimator only, the timed
	 * segment stays the round-trip clock of congestion avoidance. */
	if (!sampled && tsecr && (int32_t)(w->now_ms - tsecr) >= 0)
		rtt_sample(t, w->now_ms - tsecr);
	t->retries = 0; /* RFC 6298 5.7 */
	if (t->sb_used) /* empty once all is acknowledged */
		sb_trim(&w->sack_sb[tcb_id(w, t)], t->snd_una);
	if (t->dupacks == DUPACKS_RECOVERY) {
		if (SEQ_GEQ(t->snd_una, t->rtt_seq)) {
			/* full ACK: recovery ends, the window deflates (RFC 6582 3.2 (3)) */
			t->cwnd = t->ssthresh;
			t->dupacks = 0;
		} else {
			/* partial ACK: the next hole goes at once; deflate by
			 * what was acknowledged, add back one (3.2 (5)) */
			uint32_t segs = acked / t->mss;
			t->cwnd = (uint16_t)(t->cwnd > segs + 1 ? t->cwnd - segs : 1);
			cwnd_add(t, 1);
			/* the new snd_una's segment, resent now or before:
			 * lost again only once what follows this is SACKed */
			if (t->sack_ok && t->sb_used)
				w->sack_sb[tcb_id(w, t)].fence = t->snd_max;
			if (!(t->sack_ok && sack_partial(w, t)))
				tcp_send_una(w, t);
		}
		return;
	}
	t->dupacks = 0;
	if (t->cwnd < t->ssthresh)
		cwnd_add(t, 1); /* slow start: one segment per ACK (RFC 5681 3.1) */
	else if (sampled)
		cwnd_add(t, 1); /* congestion avoidance: one per round trip (the timed segment) */
}

void tcp_cc_dupack(struct worker *w, struct tcb *t)
{
	w->ctr->dupacks_rx++;
	if (t->dupacks == DUPACKS_RECOVERY) {
		/* snd_una's resend was lost too: what was sent after it is
		 * SACKed (tcp_rtx.h) */
		if (t->sack_ok && t->sb_used) {
			struct sack_sb *sb = &w->sack_sb[tcb_id(w, t)];
			if (sb->n && SEQ_GEQ(sb->hi[sb->n - 1], sb->fence + 3u * t->mss)) {
				sb->fence = t->snd_max;
				tcp_send_una(w, t);
				w->ctr->fast_retransmits++;
				return;
			}
		}
		/* With SACK, the segment that left the network makes room
		 * for the next hole first; else for new data (RFC 5681 3.2 (4)). */
		if (t->sack_ok && sack_rtx_hole(w, t)) {
			w->ctr->fast_retransmits++;
			return;
		}
		cwnd_add(t, 1);
		return;
	}
	/* Not during a go-back-N resend after an RTO: its duplicates
	 * say nothing new. */
	if (t->snd_nxt != t->snd_max)
		return;
	/* The third, or with SACK more than DupThresh - 1 segments SACKed
	 * above snd_una (RFC 6675 IsLost): a lost duplicate ACK, or too few
	 * segments in flight to draw three, no longer waits for the RTO. */
	if (t->dupacks < 2 &&
	    !(t->sack_ok && t->sb_used && tcp_sack_bytes(w, t) > 2u * t->mss)) {
		t->dupacks++;
		return;
	}
	/* fast retransmit, then recovery until recover (snd_max now) is
	 * acknowledged (RFC 5681 3.2 (2), (3); RFC 6582 3.2 (2)) */
	halve(t);
	t->timing = 0;
	t->rtt_seq = t->snd_max; /* recover */
	t->dupacks = DUPACKS_RECOVERY;
	w->ctr->fast_retransmits++;
	if (t->sack_ok) {
		struct sack_sb *sb = tcp_sack_sb_mut(w, t);
		sb_set_high(sb, t->snd_una);
		sb->fence = t->snd_max;
		if (!sack_rtx_hole(w, t)) { /* no blocks yet: snd_una's segment */
			tcp_send_una(w, t);
			uint32_t end = t->snd_una + t->mss;
			sb_set_high(sb, SEQ_GT(end, t->snd_end) ? t->snd_end : end);
		}
	} else {
		tcp_send_una(w, t);
	}
	t->cwnd = t->ssthresh;
	cwnd_add(t, 3);
}

int tcp_rtx_expire(struct worker *w, struct tcb *t)
{
	int syn = t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD;
	if (t->retries >= (syn ? w->syn_retries : w->max_retries)) {
		tcp_give_up(w, t, TENG_REASON_RETRIES);
		return -1;
	}
	w->ctr->rto_timeouts++;
	t->retries++;
	t->timing = 0; /* Karn: nothing resent is timed */
	t->rtx_ms = w->now_ms;
	if (syn) {
		w->ctr->retransmits++;
		if (t->state == TCP_SYN_SENT)
			w->ctr->rtx_syn++;
		else
			w->ctr->rtx_synack++;
		tcp_send_syn(w, t);
		return 0;
	}
	/* RFC 5681 3.1: one segment, from snd_una (go-back-N, RFC 9293
	 * 3.8.1); ssthresh halves once per loss, not per backoff. */
	if (t->retries == 1)
		halve(t);
	t->cwnd = 1;
	t->dupacks = 0;
	t->snd_nxt = t->snd_una;
	/* The resend skips what is SACKed (tcp_output). A scoreboard never
	 * written has no blocks and reads as high_rxt = snd_una already, so
	 * it is left untouched (a side-table miss per timeout otherwise). */
	if (t->sack_ok && t->sb_used)
		sb_set_high(tcp_sack_sb_mut(w, t), t->snd_una);
	if (SEQ_LEQ(t->snd_una, t->snd_end))
		t->flags &= (uint8_t)~TF_FIN_SENT; /* the FIN goes again too */
	tcp_output(w, t);
	return 0;
}
