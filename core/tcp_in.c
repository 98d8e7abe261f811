/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival for a connection that exists (RFC 9293 3.10.7),
 * split as lwIP's tcp_in.c: acceptability (sequence, RST, SYN, ACK
 * checks, with RFC 5961's challenge ACKs), ACK processing (the send
 * side: snd_una, the peer's window, our FIN's ACK), data (in order;
 * out-of-order segments go to tcp_data's one drop point, where a
 * reassembly queue hooks in), the peer's FIN, and TIME_WAIT's own
 * input. Nothing here frees a TCB: a path that ends the connection
 * marks it (TF_FREE) and returns, and tcp_input reaps it on the way out.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "neigh.h"
#include "seq.h"
#include "tcp.h"
#include "reasm.h"
#include "records.h"
#include "tcp_opt.h"
#include "tcp_rtx.h"
#include "tcp_ka.h"

/* tcp_fin: the segment ends here (answered, dropped, or the
 * connection is over); apart from the PROG_* results. */
#define IN_DONE (-100)

/* TCP progress (an acceptable SYN-ACK, an ACK of our SYN-ACK, an ACK
 * advancing SND.UNA) from the next hop's MAC confirms that neighbour
 * (neigh.h): a stamp, at most once a millisecond. */
static inline void nexthop_confirmed(struct worker *w, const struct seg *s)
{
	struct worker_port *p = &w->port[s->slot];
	if (p->nb_stamp != NULL)
		neigh_confirm(p->nb_stamp, &p->peer_mac, &s->eth->src_addr, w->now_ms);
}

static void syn_sent(struct worker *w, struct tcb *t, const struct seg *s)
{
	uint8_t f = s->flags;
	if (f & TH_ACK) {
		/* snd_una is our ISS until the handshake completes */
		if (SEQ_LEQ(s->ack, t->snd_una) || SEQ_GT(s->ack, t->snd_nxt)) {
			if (!(f & TH_RST))
				tcp_reply_rst(w, s);
			return;
		}
	}
	if (f & TH_RST) {
		if (f & TH_ACK) { /* acceptable ACK: refused */
			w->ctr->rst_rx++;
			tcp_drop(w, t, TENG_REASON_REFUSED);
		}
		return;
	}
	if (!(f & TH_SYN))
		return;
	t->rcv_nxt = s->seq + 1;
	tcp_synack_options(w, t, s);
	t->snd_wnd = s->wnd; /* a SYN's window is never scaled */
	if (unlikely(s->wnd == 0))
		w->ctr->zero_window++;
	t->snd_wl1 = s->seq;
	tcp_wnd_seen(t, s->wnd >> t->snd_wscale);
	tcp_progress(w, t);
	if (!(f & TH_ACK)) {
		/* Simultaneous open: answer SYN-ACK, wait for its ACK. */
		t->state = TCP_SYN_RCVD;
		tcp_send_syn(w, t);
		return;
	}
	t->snd_una = s->ack;
	nexthop_confirmed(w, s);
	tcp_rtt_handshake(w, t, s->ack);
	tcp_established(w, t);
	/* The handshake's ACK: with tcp.ack_with_data it rides on the
	 * first data when the program sends at once and that fits one
	 * segment (tcp_output sends it alone when nothing goes), as dperf
	 * does and as Linux does when a write waits on the connect; else it
	 * goes on its own first, as a kernel client with a non-blocking
	 * connect sends it. A longer first flight keeps the lone ACK: a SYN
	 * cookie server can only take the handshake from the segment at
	 * ISS + 1, and a later one arriving first (the first lost or
	 * reordered) would be reset. */
	if (w->ack_with_data)
		t->flags |= TF_ACK_NOW;
	else
		tcp_send_ack(w, t);
	if (tcp_prog_result(w, t, prog_step(w, t)) < 0)
		return;
	if ((t->flags & TF_ACK_NOW) && t->snd_end - t->snd_nxt > t->mss)
		tcp_send_ack(w, t);
	tcp_output(w, t);
}

/* RFC 9293 3.10.7.4, first check: is the segment in the window? */
static int acceptable(const struct tcb *t, const struct seg *s, uint32_t wnd)
{
	uint32_t seg_len = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	if (seg_len == 0) {
		if (wnd == 0)
			return s->seq == t->rcv_nxt;
		return SEQ_IN(s->seq, t->rcv_nxt, t->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return 0;
	return SEQ_IN(s->seq, t->rcv_nxt, t->rcv_nxt + wnd) ||
	       SEQ_IN(s->seq + seg_len - 1, t->rcv_nxt, t->rcv_nxt + wnd);
}

/* Our FIN, which follows the last data byte, has been acknowledged. */
static inline int fin_acked(const struct tcb *t)
{
	return (t->flags & TF_FIN_QUEUED) && SEQ_GT(t->snd_una, t->snd_end);
}

/* Our SYN-ACK was lost and the peer sent its SYN again: its sequence
 * number is below the window, so it is answered before the checks. */
static inline int syn_again(const struct tcb *t, const struct seg *s)
{
	return t->state == TCP_SYN_RCVD &&
	       (s->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	       s->seq + 1 == t->rcv_nxt;
}

/* The peer's SYN again in SYN_RCVD: our SYN-ACK (or its ACK) was lost.
 * Answered as our own retransmission timer would (one more retry, the
 * clock restarted, Karn), unless our last SYN-ACK went out less than
 * half a retransmission timeout ago: then the two crossed (a copy of
 * the first SYN, or the peer's timer and ours firing together), and the
 * SYN-ACK already on its way answers it. Linux rate-limits these
 * answers the same way (tcp_check_req, tcp_oow_rate_limited). Without
 * the limit, which of two equal timers fires first decides whether one
 * SYN-ACK goes out or two. */
static void syn_rcvd_again(struct worker *w, struct tcb *t)
{
	uint32_t rto = tcp_rto(w, t);
	if (w->now_ms - t->rtx_ms < rto / 2)
		return;
	w->ctr->retransmits++;
	w->ctr->rtx_synack++;
	t->retries++;
	t->timing = 0;
	t->rtx_ms = w->now_ms;
	tcp_send_syn(w, t);
	timer_arm(&w->tw, tcb_id(w, t), w->now_ms + tcp_rto(w, t));
}

/* A challenge ACK (RFC 5961 3.2, 4.2, 5.2), at most CHALLENGE_PER_S a
 * second on this core (as Linux's tcp_challenge_ack_limit), so forged
 * segments cannot make us flood. */
#define CHALLENGE_PER_S 1000
static void challenge_ack(struct worker *w, struct tcb *t)
{
	if (w->now_ms - w->chal_ms >= 1000) {
		w->chal_ms = w->now_ms;
		w->chal_n = 0;
	}
	if (w->chal_n >= CHALLENGE_PER_S) {
		w->ctr->challenge_acks_limited++;
		return;
	}
	w->chal_n++;
	w->ctr->challenge_acks++;
	tcp_send_ack(w, t);
}

/* Acceptability, RFC 9293 3.10.7.4 first to fifth checks: the sequence
 * number, RST, SYN, the ACK bit, and in a synchronized state RFC 5961
 * 5.2's ACK check. Returns 1 when the segment goes on, 0 when it ends
 * here (answered or dropped). */
static int seg_check(struct worker *w, struct tcb *t, const struct seg *s)
{
	uint8_t f = s->flags;
	/* first: sequence number */
	if (!acceptable(t, s, w->rcv_wnd)) {
		w->ctr->drop_out_of_window++;
		/* A bare ACK from before RCV.NXT - 1 is a duplicate the network
		 * reordered (two CPUs feeding one veth do): answering it only
		 * adds a duplicate ACK. One at RCV.NXT - 1 is a keep-alive or
		 * window probe, which wants the answer. */
		if (s->len == 0 && !(f & (TH_SYN | TH_FIN | TH_RST)) &&
		    SEQ_LT(s->seq, t->rcv_nxt - 1))
			return 0;
		if (!(f & TH_RST)) {
			/* A retransmitted FIN in TIME_WAIT restarts the wait. */
			if (t->state == TCP_TIME_WAIT && (f & TH_FIN))
				tcp_time_wait(w, t);
			tcp_send_ack(w, t);
		}
		return 0;
	}
	/* second: RST; in the window but not exact: challenge (RFC 5961 3.2) */
	if (f & TH_RST) {
		if (s->seq == t->rcv_nxt) {
			w->ctr->rst_rx++;
			/* RFC 9293 3.10.7.4: in CLOSING and LAST_ACK a reset
			 * closes without an error: both FINs have passed, so
			 * what the program expected has arrived (and the peer
			 * forgot the connection: its TIME_WAIT is over or was
			 * never kept). Only the ACK of our FIN is missing. */
			if (tcp_fins_passed(t))
				tcp_finish(w, t, 1);
			else
				tcp_drop(w, t, TENG_REASON_RESET);
		} else {
			w->ctr->drop_rst_window++;
			challenge_ack(w, t);
		}
		return 0;
	}
	/* fourth: SYN in a synchronized state: challenge (RFC 5961 4.2) */
	if (f & TH_SYN) {
		w->ctr->drop_syn_window++;
		challenge_ack(w, t);
		return 0;
	}
	/* fifth: ACK */
	if (!(f & TH_ACK))
		return 0;
	if (t->state == TCP_SYN_RCVD)
		return 1; /* its own check: syn_rcvd_ack */
	/* RFC 5961 5.2: an ACK of what we never sent, or older than the
	 * largest window the peer offered, is dropped with an ACK: a blind
	 * attacker must guess it within MAX.SND.WND, not half the space. */
	if (SEQ_GT(s->ack, t->snd_max)) {
		w->ctr->drop_ack_unsent++;
		tcp_send_ack(w, t);
		return 0;
	}
	if (SEQ_LT(s->ack, t->snd_una - (1u << t->wnd_log))) {
		w->ctr->drop_old_ack++;
		tcp_send_ack(w, t);
		return 0;
	}
	return 1;
}

/* SYN_RCVD: the ACK of our SYN-ACK completes the handshake. Returns 0
 * to go on, -1 when the segment ends here. */
static int syn_rcvd_ack(struct worker *w, struct tcb *t, const struct seg *s)
{
	if (SEQ_LEQ(s->ack, t->snd_una) || SEQ_GT(s->ack, t->snd_nxt)) {
		tcp_reply_rst(w, s);
		return -1;
	}
	tcp_established(w, t);
	tcp_rtt_handshake(w, t, s->ack);
	/* the SYN is acknowledged here, not in tcp_ack: it opens no
	 * congestion window (the initial one is RFC 6928's) */
	t->snd_una = s->ack;
	nexthop_confirmed(w, s);
	tcp_progress(w, t);
	t->snd_wnd = s->wnd << t->snd_wscale;
	t->snd_wl1 = s->seq;
	tcp_wnd_seen(t, s->wnd);
	return tcp_prog_result(w, t, prog_step(w, t));
}

/* ACK processing (RFC 9293 3.10.7.4 fifth, the send side): new data
 * acknowledged, the peer's window, and the states our FIN's ACK moves.
 * Returns 0 to go on to the data, -1 when the segment ends here. */
static int tcp_ack(struct worker *w, struct tcb *t, const struct seg *s, uint32_t tsecr)
{
	uint32_t wnd = (uint32_t)s->wnd << t->snd_wscale;
	int advanced = SEQ_GT(s->ack, t->snd_una);
	if (advanced) {
		uint32_t acked = s->ack - t->snd_una;
		t->snd_una = s->ack;
		nexthop_confirmed(w, s);
		if (SEQ_GT(s->ack, t->snd_nxt)) /* after a go-back-N resend */
			t->snd_nxt = s->ack;
		if ((t->flags & TF_FIN_QUEUED) && SEQ_GT(s->ack, t->snd_end))
			t->flags |= TF_FIN_SENT;
		tcp_progress(w, t);
		tcp_cc_ack(w, t, acked, tsecr); /* before the clock restarts: the RTT sample */
		if (t->snd_una != t->snd_max)
			tcp_rtx_start(w, t);
		else if (unlikely(w->ka != NULL) && tcp_ka_quiet(t))
			tcp_ka_arm(w, t); /* quiet now: keepalive watches */
	} else if (s->ack == t->snd_una && s->len == 0 &&
		   !(s->flags & (TH_SYN | TH_FIN)) && t->snd_una != t->snd_max &&
		   wnd == t->snd_wnd) {
		tcp_cc_dupack(w, t); /* RFC 5681 2: a duplicate ACK */
	}
	/* RFC 9293 3.10.7.4: only an ACK within SND.UNA..SND.NXT moves the
	 * window, and only from a segment newer than the last update; of
	 * the same segment and ACK, a larger or zero window (as Linux's
	 * tcp_may_update_window, which keeps no SND.WL2). */
	if (SEQ_LEQ(t->snd_una, s->ack) &&
	    (advanced || SEQ_LT(t->snd_wl1, s->seq) ||
	     (t->snd_wl1 == s->seq && (wnd > t->snd_wnd || wnd == 0)))) {
		if (unlikely(wnd == 0) && t->snd_wnd != 0)
			w->ctr->zero_window++; /* the peer's window closed */
		t->snd_wnd = wnd;
		t->snd_wl1 = s->seq;
		tcp_wnd_seen(t, s->wnd);
	}
	switch (t->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(t))
			t->state = TCP_FIN_WAIT_2;
		return 0;
	case TCP_CLOSING:
		if (fin_acked(t)) {
			tcp_time_wait(w, t);
			return -1;
		}
		return 0;
	case TCP_LAST_ACK:
		if (fin_acked(t))
			tcp_finish(w, t, 1);
		else
			tcp_output(w, t); /* the window may have opened */
		return -1;
	default:
		return 0;
	}
}

/* Bytes the program takes (a reassembly pull delivers through it). */
struct take_ctx {
	struct worker *w;
	struct tcb *t;
	int rc; /* the program's result so far */
};

static uint32_t take(void *arg, const uint8_t *data, uint32_t len)
{
	struct take_ctx *c = arg;
	if (c->rc != PROG_OK)
		return 0;
	c->rc = prog_input(c->w, c->t, data, len);
	/* What the program may still take (it is sending or thinking) is
	 * not acknowledged: the peer sends it again. */
	return len - c->w->prog.rx_keep;
}

static inline int can_receive(const struct tcb *t)
{
	return t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT_1 ||
	       t->state == TCP_FIN_WAIT_2;
}

/* Data (RFC 9293 3.10.7.4 seventh). In order, the program takes it,
 * then whatever the reassembly area holds that now follows. Out of
 * order, it goes to the reassembly area (reasm.h; dropped when that is
 * full) and is answered with an immediate duplicate ACK. Returns the
 * program's result (PROG_*); *fin says whether the peer's FIN is now in
 * order: this segment's (every byte before it taken) or one held. */
static int tcp_data(struct worker *w, struct tcb *t, const struct seg *s, int *fin)
{
	uint32_t seq = s->seq;
	const uint8_t *data = s->data;
	uint32_t len = s->len;
	uint32_t id = tcb_id(w, t);
	*fin = 0;
	if (SEQ_LT(seq, t->rcv_nxt)) { /* trim what we already have */
		uint32_t dup = t->rcv_nxt - seq;
		if (dup > len)
			dup = len;
		data += dup;
		len -= dup;
		seq += dup;
	}
	if (seq != t->rcv_nxt) {
		int rc = REASM_FULL;
		if (can_receive(t))
			rc = reasm_insert(&w->reasm, id, t->rcv_nxt, seq, data, len,
					  (s->flags & TH_FIN) != 0);
		if (rc == REASM_HELD) {
			w->ctr->ooo_rx++;
		} else if (rc == REASM_FULL) {
			w->ctr->reasm_full++;
			w->ctr->drops_out_of_order++;
		}
		/* never delayed (RFC 5681 4.2): the sender counts it */
		tcp_send_ack(w, t);
		return PROG_OK; /* its FIN, if any, waits too; what its ACK opened goes out */
	}
	if (len > w->rcv_wnd)
		len = w->rcv_wnd;
	struct take_ctx c = { .w = w, .t = t, .rc = PROG_OK };
	if (!can_receive(t)) {
		*fin = (s->flags & TH_FIN) && seq + len == s->seq + s->len;
		return PROG_OK;
	}
	uint32_t got = len ? take(&c, data, len) : 0;
	*fin = got == s->len - (seq - s->seq) && (s->flags & TH_FIN);
	uint32_t segs = 0;
	if (c.rc == PROG_OK && got == len && unlikely(reasm_pending(&w->reasm, id))) {
		/* the hole is filled: what follows it goes to the program */
		uint32_t more = reasm_pull(&w->reasm, id, t->rcv_nxt + got, take, &c, &segs);
		got += more;
		w->ctr->reassembled += segs;
		if (segs)
			t->flags |= TF_ACK_NOW; /* a filled hole is ACKed at once */
		if (c.rc == PROG_OK && reasm_fin(&w->reasm, id, t->rcv_nxt + got))
			*fin = 1;
	}
	if (got) {
		t->rcv_nxt += got;
		/* RFC 9293 3.8.6.3 / RFC 5681 4.2: a delayed ACK, but at once
		 * for every second segment, and for data after a silence as
		 * long as the RTO floor (as Linux's quickack): the sender has
		 * likely timed out and resends with a window of one segment,
		 * whose delayed ACK would stall each such restart by delack_ms
		 * (bulk.lua bytes=10000000 conns=1 under --impair
		 * loss=0.05,seed=3: 5.6 s, 22 timeouts; 4.9 s, 19 with this) */
		if (w->delack_ms == 0 || t->delack ||
		    w->now_ms - t->last_ms >= w->rto_min_ms)
			t->flags |= TF_ACK_NOW;
		else
			t->delack = 1;
		tcp_progress(w, t);
		if (t->role == ROLE_CLIENT)
			w->ctr->c_bytes_rx += got;
		else
			w->ctr->s_bytes_rx += got;
		if (unlikely(w->rec != NULL))
			rec_step(w->rec, id, REC_RCVD, w->now_us);
	}
	return c.rc;
}

/* The peer's FIN (RFC 9293 3.10.7.4 eighth), once everything before it
 * has arrived. Returns the program's result, or IN_DONE when the
 * segment ends here. */
static int tcp_fin(struct worker *w, struct tcb *t)
{
	t->rcv_nxt++;
	t->flags |= TF_PEER_FIN | TF_ACK_NOW;
	tcp_progress(w, t);
	switch (t->state) {
	case TCP_ESTABLISHED:
		t->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		t->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		/* The program may be waiting for this FIN (a close{half}'s
		 * recv{eof}): let it end first. */
		if (tcp_prog_result(w, t, prog_step(w, t)) < 0)
			return IN_DONE;
		tcp_send_ack(w, t);
		tcp_time_wait(w, t);
		return IN_DONE;
	default:
		break;
	}
	return prog_step(w, t);
}

/* Timestamps on an acceptable segment (RFC 7323 4.3): TS.Recent moves
 * to a newer TSval of a segment that starts at or before RCV.NXT.
 * Returns TSecr, our clock echoed (0: none). The usual layout (NOP, NOP,
 * TS first, as Linux and teng send it) is read in place. No PAWS. */
static uint32_t ts_input(struct worker *w, struct tcb *t, const struct seg *s)
{
	uint32_t val, ecr;
	const uint8_t *p = s->opt;
	if (s->optlen >= TCP_TS_LEN && p[0] == TCPOPT_NOP && p[1] == TCPOPT_NOP &&
	    p[2] == TCPOPT_TS && p[3] == 10) {
		memcpy(&val, p + 4, 4);
		memcpy(&ecr, p + 8, 4);
		val = rte_be_to_cpu_32(val);
		ecr = rte_be_to_cpu_32(ecr);
	} else {
		struct tcp_opts o;
		if (s->optlen == 0 || tcp_opt_parse(p, s->optlen, &o) < 0 || !o.has_ts)
			return 0;
		val = o.ts_val;
		ecr = o.ts_ecr;
	}
	uint32_t *recent = &w->ts_recent[tcb_id(w, t)];
	if (SEQ_GEQ(val, *recent) && SEQ_LEQ(s->seq, t->rcv_nxt))
		*recent = val;
	return ecr;
}

/* TIME_WAIT (RFC 9293 3.10.7.4): a retransmitted FIN is acknowledged
 * again and restarts the wait; anything else only gets the checks. */
static void time_wait_input(struct worker *w, struct tcb *t, const struct seg *s)
{
	if (!seg_check(w, t, s))
		return;
	if (s->flags & TH_FIN) {
		tcp_send_ack(w, t);
		tcp_time_wait(w, t);
	}
}

/* SACK blocks on an ACK while data is outstanding (tcp_rtx.h). The
 * options are parsed only when there is more than the timestamps. */
static void sack_input(struct worker *w, struct tcb *t, const struct seg *s)
{
	struct tcp_opts o;
	if (t->snd_una == t->snd_max || t->state == TCP_SYN_RCVD)
		return;
	if (tcp_opt_parse(s->opt, s->optlen, &o) < 0 || o.nsack == 0)
		return;
	tcp_sack_input(w, t, s->ack, o.sack_lo, o.sack_hi, o.nsack);
}

static void input(struct worker *w, struct tcb *t, const struct seg *s)
{
	switch (t->state) {
	case TCP_SYN_SENT:
		syn_sent(w, t, s);
		return;
	case TCP_TIME_WAIT:
		time_wait_input(w, t, s);
		return;
	default:
		break;
	}
	if (syn_again(t, s)) {
		syn_rcvd_again(w, t);
		return;
	}
	if (!seg_check(w, t, s))
		return;
	/* the peer is alive: keepalive's clock restarts (tcp_ka.h) */
	if (unlikely(w->ka != NULL))
		tcp_ka_heard(w, t);
	uint32_t tsecr = t->ts_ok ? ts_input(w, t, s) : 0;
	if (t->sack_ok && s->optlen > (t->ts_ok ? TCP_TS_LEN : 0u))
		sack_input(w, t, s);
	if (t->state == TCP_SYN_RCVD && syn_rcvd_ack(w, t, s) < 0)
		return;
	if (tcp_ack(w, t, s, tsecr) < 0)
		return;
	int fin = 0;
	int ok = tcp_data(w, t, s, &fin);
	if (fin && ok == PROG_OK && !(t->flags & TF_PEER_FIN)) {
		ok = tcp_fin(w, t);
		if (ok == IN_DONE)
			return;
	}
	if (tcp_prog_result(w, t, ok) < 0)
		return;
	/* a send may have been waiting for this ACK (all of it, or room
	 * in a full send queue) */
	if ((SEQ_GEQ(t->snd_una, t->snd_end) ||
	     (w->prog.sendq != NULL && prog_send_waits(w, t))) &&
	    tcp_prog_result(w, t, prog_step(w, t)) < 0)
		return;
	tcp_output(w, t);
	/* CLOSING may have been reached with our FIN already acked. */
	if (t->state == TCP_CLOSING && fin_acked(t))
		tcp_time_wait(w, t);
}

void tcp_input(struct worker *w, struct tcb *t, const struct seg *s)
{
	input(w, t, s);
	/* An ACK still owed after the output (nothing to piggyback it on)
	 * waits delack_ms; armed only here, so the request/response path,
	 * whose answer carries it, never touches the timer for it. */
	if (unlikely(t->delack) && !(t->flags & TF_FREE))
		tcp_delack_arm(w, t);
	tcp_reap(w, t);
}
