/* SPDX-License-Identifier: BSD-3-Clause */
/* Keepalive probes (tcp_ka.h). */
#include "seq.h"
#include "tcp_ka.h"

/* When keepalive next acts: the first probe ka_ms after the last
 * segment heard; each later one, and the verdict after the last, one
 * interval after the probe before. Timed from the probe actually sent,
 * so a late timer (a stalled loop) delays the probes but never bunches
 * them. */
static inline uint32_t ka_due(const struct worker *w, const struct tcp_ka *k)
{
	return k->at_ms + (k->probes ? w->ka_intvl_ms : w->ka_ms);
}

void tcp_ka_arm(struct worker *w, struct tcb *t)
{
	/* The timer may stand later (a backed-off retransmission's or a
	 * SYN's clock): the first probe must not wait for it. */
	uint32_t id = tcb_id(w, t);
	timer_arm_by(&w->tw, id, ka_due(w, &w->ka[id]));
}

void tcp_ka_start(struct worker *w, struct tcb *t)
{
	tcp_ka_heard(w, t);
	tcp_ka_arm(w, t);
}

int tcp_ka_timer(struct worker *w, struct tcb *t, uint32_t *due)
{
	struct tcp_ka *k = &w->ka[tcb_id(w, t)];
	uint32_t now = w->now_ms, at = ka_due(w, k);
	if (SEQ_LT(now, at)) {
		*due = at;
		return 0;
	}
	if (k->probes >= TCP_KA_PROBES) {
		tcp_fail(w, t, TENG_REASON_KEEPALIVE);
		return -1;
	}
	k->probes++;
	k->at_ms = now;
	w->ctr->keepalives++;
	tcp_send_probe(w, t);
	*due = now + w->ka_intvl_ms;
	return 0;
}
