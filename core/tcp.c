/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection lifecycle: open, accept, finish, abort, timers. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_random.h>

#include "hist.h"
#include "impair.h"
#include "records.h"
#include "seq.h"
#include "tcp.h"
#include "tcp_opt.h"
#include "tcp_rtx.h"
#include "tcp_ka.h"
#include "tuple.h"

uint32_t tcp_iss(struct worker *w, const struct tcb *t)
{
	/* RFC 6528: a clock ticking every 4 us plus a keyed hash of the
	 * four-tuple. Unpredictable from outside, yet it grows for the same
	 * tuple, so a peer still holding the tuple in TIME_WAIT takes the
	 * new SYN. The TSC runs since boot, so this holds across runs. */
	/* 4 us ticks of the TSC since boot, without a division (isn_key
	 * and us_mult are set in worker_init). */
	uint32_t clock = (uint32_t)(((unsigned __int128)w->now_tsc * w->us_mult) >> 66);
	uint64_t k = ((uint64_t)t->lip << 32 | t->rip) ^ w->isn_key;
	k ^= ((uint64_t)t->lport << 16 | t->rport) * 0x9E3779B97F4A7C15ull;
	k ^= k >> 31;
	k *= 0xBF58476D1CE4E5B9ull ^ (w->isn_key << 1);
	k ^= k >> 29;
	return clock + (uint32_t)k;
}

void tcp_rtx_start(struct worker *w, struct tcb *t)
{
	/* One timer per connection: it fires at the earlier of the idle
	 * deadline and the retransmission deadline. */
	/* While a sample runs, rtx_ms is the timed segment's send time:
	 * later than any older segment's still outstanding, so the clock
	 * is never shorter than RFC 6298 5.3's (as Linux's, which runs
	 * from the oldest segment's send). */
	if (!t->timing)
		t->rtx_ms = w->now_ms;
	uint32_t due = t->rtx_ms + tcp_rto(w, t);
	timer_arm_by(&w->tw, tcb_id(w, t), due);
}

/* Microseconds since the run's start in 64 bits (now_us is its low 32):
 * a record's opening time. */
static uint64_t tcp_now_us64(const struct worker *w)
{
	return (uint64_t)(((unsigned __int128)(w->now_tsc - w->ctl->tsc0) * w->us_mult) >> 64);
}

void tcp_progress(struct worker *w, struct tcb *t)
{
	t->last_ms = w->now_ms;
}

/* What both roles set on a new TCB once its four-tuple is known: its
 * group, phase and number, and the ISS (snd_una holds it until the
 * handshake completes). Returns the ISS. */
static uint32_t tcb_begin(struct worker *w, struct tcb *t, uint32_t group)
{
	t->group = (uint8_t)group;
	t->phase = (uint8_t)w->phase;
	if (unlikely(w->prog.conn_no != NULL))
		w->prog.conn_no[tcb_id(w, t)] = w->nconn;
	w->nconn++;
	if (unlikely(w->imp != NULL))
		impair_reset(w, tcb_id(w, t));
	uint32_t iss = tcp_iss(w, t);
	t->snd_una = iss;
	t->snd_nxt = iss + 1;
	t->snd_max = iss + 1;
	t->snd_end = iss + 1;
	tcp_cc_init(w, t);
	return iss;
}

/* The client template of the next connection, by weight. */
static uint32_t pick_template(struct worker *w)
{
	if (w->ntemplates <= 1)
		return 0;
	uint32_t r = (uint32_t)(worker_rand(w) >> 32), k = 0;
	while (k + 1 < w->ntemplates && r > w->templates[k].cum_weight)
		k++;
	return k;
}

int tcp_connect(struct worker *w, uint32_t t0_us)
{
	if (unlikely(w->ntemplates == 0))
		return -1;
	uint32_t k = pick_template(w);
	const struct worker_template *tp = &w->templates[k];
	struct worker_pool *wp = &w->pools[tp->pool];
	uint32_t slot = TCB_NIL;
	if (unlikely(wp->nslots == 0))
		return -1; /* this core owns no tuple of this pool */
	/* Next tuple not in use; a busy one is skipped. */
	for (uint32_t tries = 0; tries < 8; tries++) {
		uint32_t s = wp->next_slot++;
		if (wp->next_slot == wp->nslots)
			wp->next_slot = 0;
		/* A tuple in TIME_WAIT is not reused (tw_reuse_refused). */
		if (tw_tuple_usable(w, conn_tuple_get(&w->ct, wp->base + s))) {
			slot = s;
			break;
		}
	}
	if (slot == TCB_NIL)
		return -1;
	uint32_t id = conn_alloc(&w->ct);
	if (id == TCB_NIL) {
		w->ctr->no_tcb++;
		return -1;
	}
	struct tcb *t = tcb_of(w, id);
	uint64_t tuple = tuple_at(w, wp, slot);
	uint32_t ip;
	uint16_t port;
	tuple_addr(wp, tuple, &ip, &port);
	t->lip = rte_cpu_to_be_32(ip);
	t->lport = rte_cpu_to_be_16(port);
	t->rip = tp->dst_ip;
	t->rport = tp->dst_port;
	t->role = ROLE_CLIENT;
	t->state = TCP_SYN_SENT;
	t->tuple = wp->base + slot;
	tcb_begin(w, t, k);
	t->mss = 536; /* RFC 9293 3.7.1 default until the peer says */
	t->ts_ok = w->timestamps; /* offered; kept if the SYN-ACK answers */
	t->rcv_wscale = w->wscale;
	t->t_open_us = t0_us;
	if (unlikely(w->rec != NULL))
		rec_open(w->rec, id, ROLE_CLIENT, tcp_now_us64(w), w->nconn - 1);
	prog_start(w, t, tp->prog);
	conn_tuple_set(&w->ct, t->tuple, id);
	tcp_progress(w, t);
	tcp_rtx_start(w, t);
	tcp_rtt_sent(w, t); /* the SYN is timed */
	if (++w->st->c_active > w->st->c_peak_active)
		w->st->c_peak_active = w->st->c_active;
	w->ctr->c_attempted++;
	tcb_group(w, t)->c_attempted++;
	tcp_send_syn(w, t);
	return 0;
}

static void take_syn_options(struct worker *w, struct tcb *t, const struct seg *s,
			     uint16_t our_mss, uint8_t our_shift)
{
	struct tcp_opts o;
	if (tcp_opt_parse(s->opt, s->optlen, &o) < 0)
		o.has_mss = o.has_wscale = o.has_ts = o.sack_ok = 0;
	/* Send no more than the peer takes, nor than our own MTU allows. */
	t->mss = o.has_mss ? o.mss : 536;
	if (t->mss > our_mss)
		t->mss = our_mss;
	/* Timestamps when both sides offer them (RFC 7323 3.2); they take
	 * TCP_TS_LEN of every segment, out of the MSS (RFC 6691). */
	if (o.has_ts && w->timestamps && (t->state == TCP_SYN_RCVD || t->ts_ok)) {
		t->ts_ok = 1;
		w->ts_recent[tcb_id(w, t)] = o.ts_val;
		t->mss = (uint16_t)(t->mss - TCP_TS_LEN);
	} else {
		t->ts_ok = 0;
	}
	if (t->mss < 64)
		t->mss = 64;
	/* SACK when both SYNs carry SACK-permitted (RFC 2018 2): ours
	 * offers it whenever the plan does (tcp_out.c). A cookie's SYN-ACK
	 * does not (syncookie.h), nor is it taken here, so those run without. */
	if (o.sack_ok && w->sack) {
		t->sack_ok = 1;
		tcp_sack_reset(w, t);
	} else {
		t->sack_ok = 0;
	}
	if (o.has_wscale) {
		t->flags |= TF_WSCALE;
		t->snd_wscale = o.wscale;
		t->rcv_wscale = our_shift;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
}

/* A server TCB in SYN_RCVD for segment s to listener l, whose sender's
 * ISS is irs; NULL when the pool is empty (counted). The caller sets the
 * options, then accept_start. */
static struct tcb *accept_tcb(struct worker *w, const struct seg *s, uint32_t l, uint32_t irs)
{
	uint32_t id = conn_alloc(&w->ct);
	if (id == TCB_NIL) {
		w->ctr->no_tcb++;
		return NULL;
	}
	struct tcb *t = tcb_of(w, id);
	t->lip = s->ip->dst_addr;
	t->rip = s->ip->src_addr;
	t->lport = s->th->dst_port;
	t->rport = s->th->src_port;
	t->role = ROLE_SERVER;
	t->state = TCP_SYN_RCVD;
	w->syn_rcvd++;
	t->rcv_nxt = irs + 1;
	tcb_begin(w, t, l);
	t->snd_wnd = s->wnd; /* never scaled in a SYN */
	t->snd_wl1 = irs;
	tcp_wnd_seen(t, s->wnd);
	t->t_open_us = w->now_us;
	if (unlikely(w->rec != NULL))
		rec_open(w->rec, id, ROLE_SERVER, tcp_now_us64(w), w->nconn - 1);
	return t;
}

static void accept_start(struct worker *w, struct tcb *t, const struct seg *s, uint32_t l)
{
	uint32_t id = tcb_id(w, t);
	const struct worker_port *p = &w->port[s->slot];
	if (!p->peer_fixed && p->nexthop_ip == 0 && w->peer_mac_of != NULL) {
		rte_ether_addr_copy(&s->eth->src_addr, &w->peer_mac_of[id]);
		t->flags2 |= TF2_OWN_MAC;
	}
	prog_start(w, t, w->listeners[l].prog);
	conn_hash_insert(&w->ct, id);
	tcp_progress(w, t);
	tcp_rtx_start(w, t);
	if (++w->st->s_active > w->st->s_peak_active)
		w->st->s_peak_active = w->st->s_active;
}

void tcp_accept(struct worker *w, const struct seg *s, uint32_t l)
{
	struct tcb *t = accept_tcb(w, s, l, s->seq);
	if (t == NULL)
		return; /* like a full backlog: the client retries */
	take_syn_options(w, t, s, w->mss, w->wscale);
	accept_start(w, t, s, l);
	tcp_rtt_sent(w, t); /* the SYN-ACK is timed */
	tcp_send_syn(w, t);
}

void tcp_synack_options(struct worker *w, struct tcb *t, const struct seg *s)
{
	take_syn_options(w, t, s, w->mss, w->wscale);
}

void tcp_established(struct worker *w, struct tcb *t)
{
	if (t->role == ROLE_SERVER && t->state == TCP_SYN_RCVD)
		w->syn_rcvd--;
	t->state = TCP_ESTABLISHED;
	if (unlikely(w->ka != NULL))
		tcp_ka_start(w, t);
	if (unlikely(w->rec != NULL))
		rec_step(w->rec, tcb_id(w, t), REC_EST, w->now_us);
	uint32_t lat = w->now_us - t->t_open_us;
	if (t->role == ROLE_CLIENT) {
		w->ctr->c_connected++;
		hist_add(&w->st->phase_connect[w->phase], lat);
		if (w->ntemplates > 1) /* one template: its hist is the run's */
			hist_add(&w->st->group_connect[t->group], lat);
	} else {
		w->ctr->s_accepted++;
		tcb_group(w, t)->s_accepted++;
		if (w->listener_hist)
			hist_add(&w->st->group_connect[TENG_MAX_TEMPLATES + t->group], lat);
	}
}

void tcp_prog_done(struct worker *w, struct tcb *t)
{
	if (unlikely(w->rec != NULL))
		rec_step(w->rec, tcb_id(w, t), REC_DONE, w->now_us);
	uint32_t lat = w->now_us - t->t_open_us;
	if (t->role == ROLE_CLIENT) {
		hist_add(&w->st->phase_txn[w->phase], lat);
		if (w->ntemplates > 1)
			hist_add(&w->st->group_txn[t->group], lat);
	} else if (w->listener_hist) {
		hist_add(&w->st->group_txn[TENG_MAX_TEMPLATES + t->group], lat);
	}
}

void tcp_delack_arm(struct worker *w, struct tcb *t)
{
	timer_arm_by(&w->tw, tcb_id(w, t), w->now_ms + w->delack_ms);
}

void tcp_wake_at(struct worker *w, struct tcb *t)
{
	timer_arm_by(&w->tw, tcb_id(w, t), t->wake_ms);
}

static void tcb_release(struct worker *w, struct tcb *t)
{
	uint32_t id = tcb_id(w, t);
	if (t->role == ROLE_SERVER && t->state == TCP_SYN_RCVD)
		w->syn_rcvd--;
	timer_cancel(&w->tw, id);
	prog_release(w, t);
	if (reasm_pending(&w->reasm, id))
		reasm_free(&w->reasm, id);
	if (t->role == ROLE_CLIENT)
		conn_tuple_set(&w->ct, t->tuple, TCB_NIL);
	else
		conn_hash_remove(&w->ct, id);
	/* A connection in TIME_WAIT was counted, and left the open
	 * gauge, when it got there. */
	if (!(t->flags & TF_COUNTED)) {
		if (t->role == ROLE_CLIENT)
			w->st->c_active--;
		else
			w->st->s_active--;
	}
	conn_free(&w->ct, id);
}

/* Count the connection's outcome once, and take it off the open gauge.
 * A connection that closed before its program ended failed: with the
 * program's own reason if it has one, else the peer closed early. */
static void tcb_count(struct worker *w, struct tcb *t, int ok, uint8_t reason)
{
	if (t->flags & TF_COUNTED)
		return;
	if (ok && !(t->flags & TF_PROG_DONE)) {
		ok = 0;
		reason = (t->flags2 & TF2_FAILED) ? t->reason : TENG_REASON_PEER_CLOSED;
	}
	if (reason >= TENG_MAX_REASONS)
		reason = TENG_REASON_NONE;
	struct teng_counters *g = tcb_group(w, t);
	if (t->role == ROLE_CLIENT) {
		if (ok) {
			w->ctr->c_completed++;
			g->c_completed++;
		} else {
			w->ctr->c_failed++;
			w->ctr->c_fail[reason]++;
			g->c_failed++;
			g->c_fail[reason]++;
		}
		w->st->c_active--;
	} else {
		if (ok) {
			w->ctr->s_completed++;
			g->s_completed++;
		} else {
			/* A handshake that never completed has its own reason. */
			if (t->state == TCP_SYN_RCVD)
				reason = TENG_REASON_HANDSHAKE;
			w->ctr->s_failed++;
			w->ctr->s_fail[reason]++;
			g->s_failed++;
			g->s_fail[reason]++;
		}
		w->st->s_active--;
	}
	t->flags |= TF_COUNTED;
	if (unlikely(w->rec != NULL))
		rec_close(w->rec, tcb_id(w, t), t, ok, reason, w->now_us);
}

/* The one place a TCB is freed: at the end of tcp_input, tcp_timer
 * or tcp_abort, when the path through them marked it TF_FREE (as lwIP
 * defers closing through flags). Callees only mark, so no caller holds
 * a freed TCB. */
void tcp_reap(struct worker *w, struct tcb *t)
{
	if (!(t->flags & TF_FREE))
		return;
	t->flags &= (uint8_t)~TF_FREE;
	tcb_release(w, t);
	if (w->tw_pending_id == tcb_id(w, t)) {
		w->tw_pending_id = TCB_NIL;
		tw_enter(w, &w->tw_pending);
	}
}

static inline void tcb_mark_free(struct tcb *t)
{
	t->flags |= TF_FREE;
}

void tcp_finish(struct worker *w, struct tcb *t, int ok)
{
	tcb_count(w, t, ok, ok ? TENG_REASON_NONE : TENG_REASON_RESET);
	tcb_mark_free(t);
}

void tcp_drop(struct worker *w, struct tcb *t, uint8_t reason)
{
	tcb_count(w, t, 0, reason);
	tcb_mark_free(t);
}

/* CLOSING or LAST_ACK with the program finished and all our data
 * acknowledged: only the ACK of our FIN is missing. As Linux gives up
 * an orphaned LAST_ACK socket after its retries, without the
 * application ever seeing it, the peer is reset, the exchange counts as
 * completed, and close_unacked says the close was not confirmed.
 * Returns 1 when that applied. */
static int close_unconfirmed(struct worker *w, struct tcb *t)
{
	if (!tcp_fins_passed(t) || SEQ_LT(t->snd_una, t->snd_end))
		return 0;
	w->ctr->close_unacked++;
	tcp_send_rst(w, t);
	tcp_finish(w, t, 1);
	return 1;
}

void tcp_give_up(struct worker *w, struct tcb *t, uint8_t reason)
{
	w->ctr->timeouts++;
	if (!close_unconfirmed(w, t))
		tcp_fail(w, t, reason);
}

void tcp_fail(struct worker *w, struct tcb *t, uint8_t reason)
{
	if (t->state == TCP_TIME_WAIT) {
		tcb_mark_free(t); /* done already: nothing to reset */
		return;
	}
	if (t->state != TCP_SYN_SENT)
		tcp_send_rst(w, t);
	tcb_count(w, t, 0, reason);
	tcb_mark_free(t);
}

int tcp_abort(struct worker *w, struct tcb *t, uint8_t reason)
{
	int done = close_unconfirmed(w, t);
	if (!done)
		tcp_fail(w, t, reason);
	tcp_reap(w, t);
	return done;
}

int tcp_prog_result(struct worker *w, struct tcb *t, int rc)
{
	if (likely(rc == PROG_OK))
		return 0;
	if (rc == PROG_RESET) {
		/* An abortive close the scenario asked for: it completed. */
		if (!(t->flags & TF_PROG_DONE)) {
			t->flags |= TF_PROG_DONE;
			tcp_prog_done(w, t);
		}
		tcp_send_rst(w, t);
		tcb_count(w, t, 1, TENG_REASON_NONE);
		tcb_mark_free(t);
		return -1;
	}
	tcp_fail(w, t, t->reason ? t->reason : TENG_REASON_MISMATCH);
	return -1;
}

void tcp_time_wait(struct worker *w, struct tcb *t)
{
	t->state = TCP_TIME_WAIT;
	/* The exchange is over: it counts as completed now, however long
	 * the TIME_WAIT hold (RFC 9293 3.6) lasts. */
	tcb_count(w, t, 1, TENG_REASON_NONE);
	tcb_mark_free(t);
	if (w->timewait.cap == 0) /* time_wait 0 */
		return;
	/* The wait is held in the TIME_WAIT table, not the TCB (tw.h): the
	 * entry goes in when tcp_reap has released the TCB (a client's tuple
	 * slot then takes the entry's mark). */
	tw_entry_of(&w->tw_pending, t, w->role_port[t->role]);
	w->tw_pending_id = tcb_id(w, t);
}

static void timer_fired(struct worker *w, struct tcb *t, uint32_t id)
{
	if (t->state == TCP_TIME_WAIT) {
		tcp_finish(w, t, 1);
		return;
	}
	uint32_t now = w->now_ms;
	/* A delayed ACK is due (or goes a little early with another timer) */
	if (t->delack)
		tcp_send_ack(w, t);
	/* A program waiting for time: its think time ended, or a recv
	 * ran out of time. Thinking is not idleness. */
	if ((t->flags2 & (TF2_THINKING | TF2_DEADLINE)) && SEQ_GEQ(now, t->wake_ms)) {
		int thinking = t->flags2 & TF2_THINKING;
		if (tcp_prog_result(w, t, prog_wake(w, t)) < 0)
			return;
		if (thinking)
			tcp_progress(w, t);
		tcp_output(w, t);
	}
	if (t->flags2 & TF2_THINKING)
		t->last_ms = now;
	/* A quiet connection under keepalive is judged by its probes, not
	 * by idle_timeout: a peer that answers them is alive, however long
	 * the programs wait (tcp_ka.h). */
	uint32_t ka_due = 0;
	int ka = unlikely(w->ka != NULL) && tcp_ka_quiet(t);
	if (ka) {
		if (tcp_ka_timer(w, t, &ka_due) < 0)
			return;
		t->last_ms = now;
	}
	if (now - t->last_ms >= w->idle_ms) {
		tcp_give_up(w, t, TENG_REASON_IDLE_TIMEOUT);
		return;
	}
	uint32_t next = t->last_ms + w->idle_ms;
	if ((t->flags2 & (TF2_THINKING | TF2_DEADLINE)) && SEQ_LT(t->wake_ms, next))
		next = t->wake_ms;
	if (ka && SEQ_LT(ka_due, next))
		next = ka_due;
	/* Unacknowledged data is retransmitted; data held by a closed window
	 * is probed (persist, RFC 9293 3.8.6.1). Both back off on one clock. */
	int waiting = t->snd_una != t->snd_max;
	int probing = !waiting && t->snd_wnd == 0 && SEQ_LT(t->snd_nxt, t->snd_end);
	if (waiting || probing) {
		uint32_t due = t->rtx_ms + tcp_rto(w, t);
		if (SEQ_GEQ(now, due)) {
			if (waiting) {
				if (tcp_rtx_expire(w, t) < 0)
					return;
			} else {
				if (t->retries < 20) /* probes never give up */
					t->retries++;
				t->rtx_ms = now;
				w->ctr->persist_probes++;
				tcp_send_probe(w, t);
			}
			due = now + tcp_rto(w, t);
		}
		if (SEQ_LT(due, next))
			next = due;
	}
	timer_arm(&w->tw, id, next);
}

void tcp_timer(struct worker *w, uint32_t id)
{
	struct tcb *t = tcb_of(w, id);
	timer_fired(w, t, id);
	tcp_reap(w, t);
}

int tcp_accept_cookie(struct worker *w, const struct seg *s, uint32_t l, uint16_t mss)
{
	/* As if our SYN-ACK (ISS = ACK - 1) had been sent in answer to a SYN
	 * with ISS SEQ - 1 and no options but the MSS. */
	struct tcb *t = accept_tcb(w, s, l, s->seq - 1);
	if (t == NULL)
		return -1;
	uint32_t iss = s->ack - 1;
	t->snd_una = iss;
	t->snd_nxt = t->snd_max = t->snd_end = iss + 1;
	t->mss = mss < 64 ? 64 : mss;
	t->snd_wscale = t->rcv_wscale = 0;
	t->ts_ok = 0;
	accept_start(w, t, s, l);
	return (int)tcb_id(w, t);
}
