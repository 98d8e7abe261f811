/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keepalive (tcp.keepalive; RFC 9293 3.8.4, RFC 1122 4.2.3.6). An
 * ESTABLISHED connection with nothing unacknowledged or queued that has
 * heard no acceptable segment from its peer for keepalive_ms sends a
 * probe: seq SND.UNA - 1, no data, ACK (tcp_send_probe), which any live
 * peer answers with an ACK. Unanswered, probes follow every
 * min(keepalive_ms, TCP_KA_INTVL_MAX_MS); one interval after the
 * TCP_KA_PROBES-th the connection fails (TENG_REASON_KEEPALIVE), as
 * Linux's tcp_keepalive_probes and tcp_keepalive_intvl. Any acceptable
 * segment from the peer restarts the clock.
 *
 * While keepalive watches a quiet connection, idle_timeout does not: a
 * peer that answers keeps the connection open however long its program
 * waits (tcp.c, timer_fired).
 *
 * The state is a per-core side table keyed by TCB index (w->ka),
 * allocated only when the plan sets keepalive; w->ka == NULL is the off
 * switch the per-packet path tests.
 */
#ifndef TENG_TCP_KA_H
#define TENG_TCP_KA_H

#include "tcp.h"

/* Unanswered probes before the connection fails, and the longest
 * interval between probes: Linux's tcp_keepalive_probes and
 * tcp_keepalive_intvl defaults. */
#define TCP_KA_PROBES 9
#define TCP_KA_INTVL_MAX_MS 75000

struct tcp_ka {
	/* the last acceptable segment heard, or the last probe sent */
	uint32_t at_ms;
	uint8_t probes; /* probes sent since the peer was last heard */
	uint8_t pad[3];
};

/* Keepalive watches t now: ESTABLISHED, nothing in flight or queued
 * (a closed window's persist probes watch that case). */
static inline int tcp_ka_quiet(const struct tcb *t)
{
	return t->state == TCP_ESTABLISHED && t->snd_una == t->snd_max &&
	       t->snd_nxt == t->snd_end;
}

/* An acceptable segment from the peer (w->ka set): the clock restarts. */
static inline void tcp_ka_heard(struct worker *w, const struct tcb *t)
{
	struct tcp_ka *k = &w->ka[tcb_id(w, t)];
	k->at_ms = w->now_ms;
	k->probes = 0;
}

/* t reached ESTABLISHED (w->ka set): start its clock and make sure its
 * timer fires by the first probe. */
void tcp_ka_start(struct worker *w, struct tcb *t);
/* t just became quiet (an ACK took the last data in flight; w->ka
 * set): its timer fires by the next probe. */
void tcp_ka_arm(struct worker *w, struct tcb *t);
/* The timer of a quiet connection (tcp_ka_quiet, w->ka set) fired:
 * probe when due, or fail it. Returns -1 once it is marked to free,
 * else 0 with *due the tick keepalive next needs the timer at. */
int tcp_ka_timer(struct worker *w, struct tcb *t, uint32_t *due);

#endif
