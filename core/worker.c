/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop, run to completion: rx burst -> parse -> connection ->
 * TCP (worker_rx.c); then timers; then new connections as the schedule
 * allows; then tx flush. No locks, no atomics, no malloc on this path.
 * Its memory and settings are made before it starts (worker_init.c).
 */
#include <math.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "impair.h"
#include "mbuf.h"
#include "neigh.h"
#include "port.h"
#include "steer.h"
#include "tcp.h"
#include "tw.h"

void worker_clock(struct worker *w, uint64_t tsc)
{
	/* ms and us per tick as 0.64 fixed point; the product is taken in
	 * 128 bits, so it neither wraps nor drifts in a long run. */
	/* Set by worker_init; a worker made by hand (tests) gets them
	 * here, from its ctl. Once per loop iteration, not per packet. */
	if (unlikely(w->us_mult == 0)) {
		w->us_mult = (uint64_t)(((unsigned __int128)1000000 << 64) / w->ctl->hz);
		w->ms_mult = (uint64_t)(((unsigned __int128)1000 << 64) / w->ctl->hz);
	}
	uint64_t d = tsc - w->ctl->tsc0;
	w->now_tsc = tsc;
	w->now_ms = (uint32_t)(((unsigned __int128)d * w->ms_mult) >> 64);
	w->now_us = (uint32_t)(((unsigned __int128)d * w->us_mult) >> 64);
}

void worker_timers(struct worker *w)
{
	/* Under back-pressure a few timers a loop, fewer segments than one
	 * receive burst takes off the queues, so the backlog cannot grow
	 * from timers; the rest wait in the wheel for the next loop: late,
	 * not lost. */
	uint32_t ids[64], n, max = worker_pressure(w) ? TIMERS_PRESSED : 64;
	do {
		n = timer_expire(&w->tw, w->now_ms, ids, max);
		/* The wheel hands out ids without reading their TCBs (it
		 * only wrote each timer node, all prefetched first): the TCBs'
		 * first lines, and the frame counts under --impair, are loaded
		 * for all of them at once, not one miss after another. */
		for (uint32_t i = 0; i < n; i++) {
			rte_prefetch0(tcb_of(w, ids[i]));
			if (w->imp)
				impair_prefetch(w, ids[i]);
		}
		for (uint32_t i = 0; i < n; i++)
			tcp_timer(w, ids[i]);
		if (n == max && (max < 64 || worker_pressure(w))) {
			w->ctr->timers_deferred++;
			break;
		}
	} while (n == max);
	tw_tick(w);
}

/* Once a loop: take the next hop's MAC when the owner published a new
 * one (a cheap compare of its count); the owner of queue 0 also runs
 * the entry's state machine, which may want a probe sent. */
void worker_neigh(struct worker *w)
{
	for (uint8_t s = 0; s < w->nports; s++) {
		struct worker_port *p = &w->port[s];
		if (likely(p->nb == NULL))
			continue;
		uint8_t f[NEIGH_ARP_LEN];
		if (p->queue == 0 && neigh_tick(p->nb, w->now_ms, &p->mac, w->ctr, f)) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
			if (m != NULL) {
				memcpy(rte_pktmbuf_append(m, NEIGH_ARP_LEN), f, NEIGH_ARP_LEN);
				tx_push(w, s, m);
			}
		}
		if (unlikely(neigh_seq(p->nb) != p->nb_seq))
			p->nb_seq = neigh_read(p->nb, &p->peer_mac);
	}
}

static double phase_elapsed(const struct worker *w)
{
	double el = (double)(w->now_tsc - w->ctl->tsc0) / (double)w->ctl->hz -
		    w->phase_start_s;
	return el > 0 ? el : 0;
}

/* Connections the rate schedule wants opened by el seconds into the phase. */
static double rate_due(const struct worker *w, double el)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	double d = sc->cps_from * el;
	if (w->phase_kind[w->phase] == TENG_RATE_RAMP && w->phase_dur_s[w->phase] > 0)
		d += (sc->cps_to - sc->cps_from) * el * el / (2 * w->phase_dur_s[w->phase]);
	return d;
}

/* When the schedule wanted opening number k (0-based) of the phase, in
 * seconds into it: the inverse of rate_due at k + 1. */
static double rate_intended(const struct worker *w, uint64_t k)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	double n = (double)(k + 1), a = sc->cps_from, D = w->phase_dur_s[w->phase];
	if (w->phase_kind[w->phase] != TENG_RATE_RAMP || D <= 0 || sc->cps_to == a)
		return a > 0 ? n / a : 0;
	double c = (sc->cps_to - a) / (2 * D);
	double disc = a * a + 4 * c * n;
	if (disc < 0)
		disc = 0;
	return (-a + sqrt(disc)) / (2 * c);
}

/* How many connections the schedule wants opened now. */
static uint32_t due(struct worker *w)
{
	const struct teng_sched *sc = &w->sched[w->phase];
	uint64_t limit = OPEN_BURST;
	uint64_t open = w->st->c_active;
	uint64_t cap = sc->conc_to ? sc->conc_to : w->max_open;
	switch (w->phase_kind[w->phase]) {
	case TENG_RATE_CPS:
	case TENG_RATE_RAMP: {
		uint64_t want = (uint64_t)rate_due(w, phase_elapsed(w));
		limit = want > w->opened_phase ? want - w->opened_phase : 0;
		break;
	}
	case TENG_RATE_MAX:
		break;
	case TENG_RATE_CONCURRENCY: {
		double D = w->phase_dur_s[w->phase];
		double f = D > 0 ? phase_elapsed(w) / D : 1;
		if (f > 1)
			f = 1;
		cap = (uint64_t)(sc->conc_from + ((double)sc->conc_to - sc->conc_from) * f + 0.5);
		break;
	}
	}
	if (limit > OPEN_BURST)
		limit = OPEN_BURST;
	if (open >= cap)
		return 0;
	if (limit > cap - open)
		limit = cap - open;
	if (w->conn_limit && limit > w->conn_limit - w->opened_total)
		limit = w->conn_limit - w->opened_total;
	return (uint32_t)limit;
}

static void set_phase(struct worker *w, uint32_t p)
{
	w->phase = p;
	w->st->phase_now = p;
	w->ctr = &w->st->phase[p];
	w->opened_phase = 0;
	/* The planned start, not when this worker noticed: the schedule
	 * (and the intended start of each opening) runs on plan time. */
	w->phase_start_s = p == 0 ? 0 : w->phase_end_ms[p - 1 < w->nphases ? p - 1 : 0] / 1000.0;
}

/* One opening of the schedule, counted: 0, or -1 when none was free. */
static int open_one(struct worker *w, uint32_t t0_us)
{
	if (tcp_connect(w, t0_us) < 0)
		return -1;
	w->opened_phase++;
	w->opened_total++;
	return 0;
}

/* A rate phase is over: open what its schedule wanted by its planned
 * end and the loop has not reached yet (the last opening of a phase is
 * due at its very end: without this, conns = cps x duration came out
 * one short). */
static void open_phase_rest(struct worker *w)
{
	uint32_t k = w->phase_kind[w->phase];
	if (!w->client_on || (k != TENG_RATE_CPS && k != TENG_RATE_RAMP))
		return;
	uint64_t want = (uint64_t)(rate_due(w, w->phase_dur_s[w->phase]) + 1e-6);
	/* Only the remainder of a phase on schedule: a saturated one is
	 * behind by more, which its lag already reports. */
	if (want > w->opened_phase + OPEN_BURST || worker_pressure(w))
		return;
	uint64_t cap = w->sched[w->phase].conc_to ? w->sched[w->phase].conc_to : w->max_open;
	while (w->opened_phase < want && w->st->c_active < cap &&
	       (!w->conn_limit || w->opened_total < w->conn_limit) &&
	       open_one(w, w->now_us) == 0)
		;
}

static void schedule(struct worker *w)
{
	while (w->phase < w->nphases && w->now_ms >= w->phase_end_ms[w->phase]) {
		open_phase_rest(w);
		set_phase(w, w->phase + 1);
	}
	if (unlikely(w->ctl->draining)) {
		if (w->phase < w->nphases)
			set_phase(w, w->nphases);
		if (!w->drain_seen)
			__atomic_store_n(&w->drain_seen, 1, __ATOMIC_RELEASE);
	}
	if (w->phase >= w->nphases || !w->client_on)
		return;
	uint32_t n = due(w);
	if (n == 0)
		return;
	/* Back-pressure: while a transmit backlog is at its limit or the
	 * mbuf pool runs low, open fewer now (none); the schedule's debt is
	 * paid when the pressure goes, and its lag shows as saturation.
	 * Behind a fixed rate, a full receive burst from a device (rx_busy)
	 * means frames wait for this worker: it answers them before it opens
	 * more. Opening anyway only lengthens the queues, up to the open
	 * cap, and a worker whose working set outgrows the cache completes
	 * fewer: over memif, http_like cps=900000 completed 0.46 M/s with
	 * 20,000 open, 0.65 M/s with this (medians of 4, one sitting). */
	int rated = w->phase_kind[w->phase] == TENG_RATE_CPS ||
		    w->phase_kind[w->phase] == TENG_RATE_RAMP;
	if (worker_pressure(w) || (rated && w->rx_busy)) {
		w->ctr->open_deferred++;
		return;
	}
	uint32_t room = w->tx_limit;
	for (uint8_t s = 0; s < w->nports; s++) {
		uint32_t b = tx_backlog(&w->port[s]);
		if (w->tx_limit - b < room)
			room = w->tx_limit - b;
	}
	if (n > room) {
		w->ctr->open_deferred++;
		n = room;
	}
	for (; n > 0; n--) {
		/* Latency counts from when the schedule wanted the
		 * connection, so falling behind shows (no coordinated
		 * omission). */
		uint32_t t0 = w->now_us;
		if (rated) {
			double at = w->phase_start_s + rate_intended(w, w->opened_phase);
			uint32_t want = (uint32_t)(uint64_t)(at * 1e6);
			int32_t lag = (int32_t)(w->now_us - want);
			if (lag > 0) {
				t0 = want;
				if ((uint64_t)lag > w->ctr->sched_lag_us)
					w->ctr->sched_lag_us = (uint64_t)lag;
			}
		}
		if (open_one(w, t0) < 0)
			break;
	}
}

static void abort_all(struct worker *w)
{
	for (uint32_t i = 0; i < w->ct.fresh; i++) { /* the rest were never used */
		struct tcb *t = tcb_of(w, i);
		if (t->state == TCP_CLOSED)
			continue;
		/* A close waiting only for the ACK of our FIN counts as
		 * completed, as when its retries run out (tcp_give_up). */
		int live = t->state != TCP_TIME_WAIT;
		if (!tcp_abort(w, t, TENG_REASON_ABORTED) && live)
			w->ctr->aborted++;
	}
	/* Give the device a moment to take the resets, then let go. */
	uint64_t until = rte_rdtsc() + w->ctl->hz / 100;
	do
		worker_tx_flush(w);
	while (rte_rdtsc() < until &&
	       (tx_backlog(&w->port[0]) || tx_backlog(&w->port[w->nports - 1])));
	worker_tx_discard(w);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[RX_BURST];
	mbuf_cache_bind(w);
	worker_clock(w, rte_rdtsc());
	w->tw.now = w->now_ms;
	set_phase(w, 0);
	while (!w->ctl->abort) {
		worker_clock(w, rte_rdtsc());
		w->rx_busy = 0;
		for (uint8_t s = 0; s < w->nports; s++) {
			struct worker_port *p = &w->port[s];
			if (unlikely(p->watch_link)) {
				/* DPDK's memif driver unmaps its rings when
				 * the peer goes away, while a poll may be
				 * running: checking the link first narrows
				 * that window to the poll itself. */
				p->link_down = p->peer_gone || !port_link_up(p->dev);
				if (p->link_down)
					continue;
			}
			uint16_t n = rte_eth_rx_burst(p->dev, p->queue, pkts, RX_BURST);
			if (unlikely(p->watch_link))
				port_count_burst(&p->dev_ipackets, &p->dev_ibytes, pkts, n);
			/* software steering: frames of other workers' connections
			 * go to them (none with one worker: w->steer is NULL) */
			if (unlikely(w->steer != NULL) && n)
				n = steer_burst(w, s, pkts, n);
			if (n == RX_BURST && !p->is_loopback)
				w->rx_busy = 1; /* more wait (schedule) */
			if (n)
				worker_rx_burst(w, s, pkts, n);
		}
		if (unlikely(w->steer != NULL))
			steer_drain(w);
		worker_timers(w);
		worker_neigh(w);
		schedule(w);
		worker_tx_flush(w);
	}
	abort_all(w);
	return 0;
}
