/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival for a connection that exists (RFC 9293 3.10.7),
 * with RFC 5961's challenge ACKs for RSTs and SYNs that are in the
 * window but not exact. Out-of-order data is dropped and answered with
 * a duplicate ACK (no reassembly queue yet).
 */
#include "seq.h"
#include "tcp.h"

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
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	tcp_progress(w, t);
	if (!(f & TH_ACK)) {
		/* Simultaneous open: answer SYN-ACK, wait for its ACK. */
		t->state = TCP_SYN_RCVD;
		tcp_send_syn(w, t);
		return;
	}
	t->snd_una = s->ack;
	t->retries = 0;
	tcp_established(w, t);
	/* The handshake's ACK goes on its own, as a kernel client sends it
	 * before the application writes. */
	tcp_send_ack(w, t);
	if (tcp_prog_result(w, t, prog_step(w, t)) < 0)
		return;
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

void tcp_input(struct worker *w, struct tcb *t, const struct seg *s)
{
	if (t->state == TCP_SYN_SENT) {
		syn_sent(w, t, s);
		return;
	}
	uint8_t f = s->flags;
	uint32_t wnd = w->rcv_wnd;

	/* Our SYN-ACK was lost and the peer sent its SYN again: its
	 * sequence number is below the window, so answer before the check. */
	if (t->state == TCP_SYN_RCVD && (f & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	    s->seq + 1 == t->rcv_nxt) {
		w->ctr->retransmits++;
		tcp_send_syn(w, t);
		return;
	}

	/* first: sequence number */
	if (!acceptable(t, s, wnd)) {
		/* A bare ACK from before RCV.NXT - 1 is a duplicate the network
		 * reordered (two CPUs feeding one veth do): answering it only
		 * adds a duplicate ACK. One at RCV.NXT - 1 is a keep-alive or
		 * window probe, which wants the answer. */
		if (s->len == 0 && !(f & (TH_SYN | TH_FIN | TH_RST)) &&
		    SEQ_LT(s->seq, t->rcv_nxt - 1))
			return;
		if (!(f & TH_RST)) {
			/* A retransmitted FIN in TIME_WAIT restarts the wait. */
			if (t->state == TCP_TIME_WAIT && (f & TH_FIN))
				tcp_time_wait(w, t);
			tcp_send_ack(w, t);
		}
		return;
	}
	/* second: RST */
	if (f & TH_RST) {
		if (s->seq == t->rcv_nxt) {
			w->ctr->rst_rx++;
			tcp_drop(w, t, TENG_REASON_RESET);
		} else {
			tcp_send_ack(w, t); /* challenge ACK, RFC 5961 3.2 */
		}
		return;
	}
	/* fourth: SYN in a synchronized state */
	if (f & TH_SYN) {
		tcp_send_ack(w, t); /* challenge ACK, RFC 5961 4.2 */
		return;
	}
	/* fifth: ACK */
	if (!(f & TH_ACK))
		return;
	if (t->state == TCP_SYN_RCVD) {
		if (SEQ_LEQ(s->ack, t->snd_una) || SEQ_GT(s->ack, t->snd_nxt)) {
			tcp_reply_rst(w, s);
			return;
		}
		tcp_established(w, t);
		t->retries = 0;
		t->snd_wnd = s->wnd << t->snd_wscale;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
		if (tcp_prog_result(w, t, prog_step(w, t)) < 0)
			return;
	}
	if (SEQ_GT(s->ack, t->snd_max)) {
		tcp_send_ack(w, t); /* acknowledges what we never sent */
		return;
	}
	if (SEQ_GT(s->ack, t->snd_una)) {
		t->snd_una = s->ack;
		if (SEQ_GT(s->ack, t->snd_nxt)) /* after a go-back-N resend */
			t->snd_nxt = s->ack;
		if ((t->flags & TF_FIN_QUEUED) && SEQ_GT(s->ack, t->snd_end))
			t->flags |= TF_FIN_SENT;
		t->retries = 0;
		tcp_progress(w, t);
		if (t->snd_una != t->snd_max)
			tcp_rtx_start(w, t);
	}
	/* RFC 9293 3.10.7.4: only an ACK within SND.UNA..SND.NXT moves the
	 * window, and only if the segment is newer than the last update. */
	if (SEQ_LEQ(t->snd_una, s->ack) &&
	    (SEQ_LT(t->snd_wl1, s->seq) ||
	     (t->snd_wl1 == s->seq && SEQ_LEQ(t->snd_wl2, s->ack)))) {
		t->snd_wnd = (uint32_t)s->wnd << t->snd_wscale;
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
	}
	switch (t->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(t))
			t->state = TCP_FIN_WAIT_2;
		break;
	case TCP_CLOSING:
		if (fin_acked(t)) {
			tcp_time_wait(w, t);
			return;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked(t))
			tcp_finish(w, t, 1);
		else
			tcp_output(w, t); /* the window may have opened */
		return;
	case TCP_TIME_WAIT:
		if (f & TH_FIN) {
			tcp_send_ack(w, t);
			tcp_time_wait(w, t);
		}
		return;
	default:
		break;
	}

	/* seventh: payload, in order only */
	uint32_t seq = s->seq;
	const uint8_t *data = s->data;
	uint32_t len = s->len;
	if (SEQ_LT(seq, t->rcv_nxt)) { /* trim what we already have */
		uint32_t dup = t->rcv_nxt - seq;
		if (dup > len)
			dup = len;
		data += dup;
		len -= dup;
		seq += dup;
	}
	if (seq != t->rcv_nxt) {
		w->ctr->drops_out_of_order++;
		tcp_send_ack(w, t);
		return;
	}
	if (len > wnd)
		len = wnd;
	int ok = 0;
	if (len && (t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT_1 ||
		    t->state == TCP_FIN_WAIT_2)) {
		ok = prog_input(w, t, data, len);
		/* What the program may still take (it is sending or
		 * thinking) is not acknowledged: the peer sends it again. */
		len -= w->prog.rx_keep;
		if (len) {
			t->rcv_nxt += len;
			t->flags |= TF_ACK_NOW;
			tcp_progress(w, t);
			if (t->role == ROLE_CLIENT)
				w->ctr->c_bytes_rx += len;
			else
				w->ctr->s_bytes_rx += len;
		}
	}

	/* eighth: FIN, when everything before it has arrived */
	if ((f & TH_FIN) && ok == PROG_OK && seq + len == s->seq + s->len &&
	    !(t->flags & TF_PEER_FIN)) {
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
			/* The program may be waiting for this FIN (a
			 * close{half}'s recv{eof}): let it end first. */
			if (tcp_prog_result(w, t, prog_step(w, t)) < 0)
				return;
			tcp_send_ack(w, t);
			tcp_time_wait(w, t);
			return;
		default:
			break;
		}
		ok = prog_step(w, t);
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
	if (t->state == TCP_CLOSING && fin_acked(t)) {
		tcp_time_wait(w, t);
	}
}
