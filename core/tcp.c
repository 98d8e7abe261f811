/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection lifecycle: open, accept, finish, abort, timers. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_random.h>

#include "hist.h"
#include "seq.h"
#include "tcp.h"
#include "tcp_opt.h"

uint32_t tcp_iss(struct worker *w, const struct tcb *t)
{
	/* RFC 6528: a clock ticking every 4 us plus a keyed hash of the
	 * four-tuple. Unpredictable from outside, yet it grows for the same
	 * tuple, so a peer still holding the tuple in TIME_WAIT takes the
	 * new SYN. The TSC runs since boot, so this holds across runs. */
	if (unlikely(w->isn_key == 0))
		w->isn_key = rte_rand() | 1;
	uint32_t clock = (uint32_t)(w->now_tsc / (w->ctl->hz / 250000 + 1));
	uint64_t k = ((uint64_t)t->lip << 32 | t->rip) ^ w->isn_key;
	k ^= ((uint64_t)t->lport << 16 | t->rport) * 0x9E3779B97F4A7C15ull;
	k ^= k >> 31;
	k *= 0xBF58476D1CE4E5B9ull ^ (w->isn_key << 1);
	k ^= k >> 29;
	return clock + (uint32_t)k;
}

static void timer_reset(struct worker *w, struct tcb *t, uint32_t ms)
{
	timer_arm(&w->tw, tcb_id(w, t), w->now_ms + ms);
}

static uint32_t rto_of(const struct worker *w, const struct tcb *t)
{
	if (t->retries >= 20) /* doubling stops at the cap; no shift overflow */
		return TCP_RTO_MAX_MS;
	uint64_t r = (uint64_t)w->rto_ms << t->retries;
	return r > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : (uint32_t)r;
}

void tcp_rtx_start(struct worker *w, struct tcb *t)
{
	/* One timer per connection: it fires at the earlier of the idle
	 * deadline and the retransmission deadline. */
	t->rtx_ms = w->now_ms;
	uint32_t due = w->now_ms + rto_of(w, t);
	uint32_t id = tcb_id(w, t);
	if (!timer_armed(&w->tw, id) || SEQ_LT(due, timer_node(&w->tw, id)->expire))
		timer_arm(&w->tw, id, due);
}

void tcp_progress(struct worker *w, struct tcb *t)
{
	t->last_ms = w->now_ms;
}

int tcp_connect(struct worker *w)
{
	uint32_t slot = TCB_NIL;
	if (unlikely(w->nslots == 0 || w->next_slot >= w->nslots))
		return -1; /* this core owns no client tuple */
	/* Next tuple not in use; a busy one is skipped. */
	for (uint32_t tries = 0; tries < 8; tries++) {
		uint32_t s = w->next_slot++;
		if (w->next_slot == w->nslots)
			w->next_slot = 0;
		if (conn_tuple_get(&w->ct, s) == TCB_NIL) {
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
	uint32_t tuple = slot * w->ncores + w->index;
	t->lip = rte_cpu_to_be_32(w->cip_lo + tuple / w->cport_n);
	t->lport = rte_cpu_to_be_16((uint16_t)(w->cport_lo + tuple % w->cport_n));
	t->rip = w->dst_ip;
	t->rport = w->dst_port;
	t->role = ROLE_CLIENT;
	t->state = TCP_SYN_SENT;
	t->tuple = slot;
	t->iss = tcp_iss(w, t);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->iss + 1;
	t->snd_end = t->iss + 1;
	t->mss = 536; /* RFC 9293 3.7.1 default until the peer says */
	t->rcv_wscale = w->wscale;
	t->t_open_us = w->now_us;
	conn_tuple_set(&w->ct, slot, id);
	tcp_progress(w, t);
	tcp_rtx_start(w, t);
	w->st->c_active++;
	w->ctr->c_attempted++;
	tcp_send_syn(w, t);
	return 0;
}

static void take_syn_options(struct tcb *t, const struct seg *s,
			     uint16_t our_mss, uint8_t our_shift)
{
	struct tcp_opts o;
	if (tcp_opt_parse(s->opt, s->optlen, &o) < 0)
		o.has_mss = o.has_wscale = 0;
	/* Send no more than the peer takes, nor than our own MTU allows. */
	t->mss = o.has_mss ? o.mss : 536;
	if (t->mss > our_mss)
		t->mss = our_mss;
	if (t->mss < 64)
		t->mss = 64;
	if (o.has_wscale) {
		t->flags |= TF_WSCALE;
		t->snd_wscale = o.wscale;
		t->rcv_wscale = our_shift;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
}

void tcp_accept(struct worker *w, const struct seg *s)
{
	uint32_t id = conn_alloc(&w->ct);
	if (id == TCB_NIL) {
		w->ctr->no_tcb++;
		return; /* like a full backlog: the client retries */
	}
	struct tcb *t = tcb_of(w, id);
	t->lip = s->ip->dst_addr;
	t->rip = s->ip->src_addr;
	t->lport = s->th->dst_port;
	t->rport = s->th->src_port;
	t->role = ROLE_SERVER;
	t->state = TCP_SYN_RCVD;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->iss = tcp_iss(w, t);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->iss + 1;
	t->snd_end = t->iss + 1;
	t->snd_wnd = s->wnd; /* never scaled in a SYN */
	t->snd_wl1 = s->seq;
	t->snd_wl2 = t->iss;
	t->t_open_us = w->now_us;
	take_syn_options(t, s, w->mss, w->wscale);
	const struct worker_port *p = &w->port[s->slot];
	if (!p->peer_fixed && p->nexthop_ip == 0) {
		memcpy(t->peer_mac, s->eth->src_addr.addr_bytes, sizeof(t->peer_mac));
		t->own_mac = 1;
	}
	conn_hash_insert(&w->ct, id);
	tcp_progress(w, t);
	tcp_rtx_start(w, t);
	w->st->s_active++;
	tcp_send_syn(w, t);
}

void tcp_synack_options(struct worker *w, struct tcb *t, const struct seg *s)
{
	take_syn_options(t, s, w->mss, w->wscale);
}

void tcp_established(struct worker *w, struct tcb *t)
{
	t->state = TCP_ESTABLISHED;
	if (t->role == ROLE_CLIENT) {
		w->ctr->c_connected++;
		hist_add(&w->st->lat_connect, w->now_us - t->t_open_us);
	} else {
		w->ctr->s_accepted++;
	}
	t->t_open_us = w->now_us; /* the transaction starts here */
}

static void tcb_release(struct worker *w, struct tcb *t)
{
	uint32_t id = tcb_id(w, t);
	timer_cancel(&w->tw, id);
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

/* Count the connection's outcome once, and take it off the open gauge. */
static void tcb_count(struct worker *w, struct tcb *t, int ok)
{
	if (t->flags & TF_COUNTED)
		return;
	ok = ok && (t->flags & TF_PROG_DONE);
	if (t->role == ROLE_CLIENT) {
		if (ok)
			w->ctr->c_completed++;
		else
			w->ctr->c_failed++;
		w->st->c_active--;
	} else {
		if (ok)
			w->ctr->s_completed++;
		else
			w->ctr->s_failed++;
		w->st->s_active--;
	}
	t->flags |= TF_COUNTED;
}

void tcp_finish(struct worker *w, struct tcb *t, int ok)
{
	tcb_count(w, t, ok);
	tcb_release(w, t);
}

void tcp_abort(struct worker *w, struct tcb *t)
{
	if (t->state == TCP_TIME_WAIT) {
		tcb_release(w, t); /* done already: nothing to reset */
		return;
	}
	if (t->state != TCP_SYN_SENT)
		tcp_send_rst(w, t);
	tcp_finish(w, t, 0);
}

void tcp_time_wait(struct worker *w, struct tcb *t)
{
	t->state = TCP_TIME_WAIT;
	/* The exchange is over: it counts as completed now, however long
	 * the TIME_WAIT hold (RFC 9293 3.6) lasts. */
	tcb_count(w, t, 1);
	if (w->time_wait_ms == 0) {
		tcb_release(w, t);
		return;
	}
	timer_reset(w, t, w->time_wait_ms);
}

/* The retransmission timeout went off: send again from the oldest
 * unacknowledged byte (go-back-N; RFC 9293 3.8.1, RFC 6298 5.4). */
static void retransmit(struct worker *w, struct tcb *t)
{
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD) {
		w->ctr->retransmits++;
		tcp_send_syn(w, t);
		return;
	}
	t->snd_nxt = t->snd_una;
	if (SEQ_LEQ(t->snd_una, t->snd_end))
		t->flags &= (uint8_t)~TF_FIN_SENT; /* the FIN goes again too */
	tcp_output(w, t);
}

void tcp_timer(struct worker *w, uint32_t id)
{
	struct tcb *t = tcb_of(w, id);
	if (t->state == TCP_TIME_WAIT) {
		tcp_finish(w, t, 1);
		return;
	}
	uint32_t now = w->now_ms;
	if (now - t->last_ms >= w->idle_ms) {
		w->ctr->timeouts++;
		tcp_abort(w, t);
		return;
	}
	uint32_t next = t->last_ms + w->idle_ms;
	/* Unacknowledged data is retransmitted; data held by a closed window
	 * is probed (persist, RFC 9293 3.8.6.1). Both back off on one clock. */
	int waiting = t->snd_una != t->snd_max;
	int probing = !waiting && t->snd_wnd == 0 && SEQ_LT(t->snd_nxt, t->snd_end);
	if (waiting || probing) {
		uint32_t due = t->rtx_ms + rto_of(w, t);
		if (SEQ_GEQ(now, due)) {
			if (waiting && t->retries >= w->max_retries) {
				w->ctr->timeouts++;
				tcp_abort(w, t);
				return;
			}
			if (waiting || t->retries < 20) /* probes never give up */
				t->retries++;
			t->rtx_ms = now;
			if (waiting)
				retransmit(w, t);
			else
				tcp_send_probe(w, t);
			due = now + rto_of(w, t);
		}
		if (SEQ_LT(due, next))
			next = due;
	}
	timer_arm(&w->tw, id, next);
}
