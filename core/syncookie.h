/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: while a core holds too many server connections in
 * SYN_RCVD (a flood of spoofed SYNs), a SYN to a listener is answered
 * with a SYN-ACK whose ISS encodes the connection, and nothing is kept.
 * The ACK that comes back carries the cookie (ACK - 1); a valid one
 * makes the server TCB then (tcp_accept_cookie), so a flood takes no
 * TCB that a real client needs, and its SYN-ACKs are never
 * retransmitted.
 *
 * The cookie (32 bits): a 2-bit time counter (64 s ticks of the worker's
 * clock), a 3-bit index into a table of MSS values (the largest not above
 * the peer's), and 27 bits of a keyed hash of the four-tuple, the peer's
 * ISS, the full time counter and the MSS index. A cookie is valid for
 * the tick it was made in and the next (64 to 128 s).
 *
 * What a cookie cannot carry is not offered: the cookie SYN-ACK sends
 * only MSS, so such a connection runs without window scaling (windows up
 * to 64 KB), SACK and timestamps, as both ends then agree. Below the
 * threshold nothing changes.
 */
#ifndef TENG_SYNCOOKIE_H
#define TENG_SYNCOOKIE_H

#include <stdint.h>

#include "worker.h"

struct seg;

/* Server connections in SYN_RCVD at which cookies start: a quarter of
 * the connection table, within these bounds. Legitimate load holds many
 * half-open under loss: a lost SYN-ACK, or a lost first data segment
 * that carries the handshake's ACK (tcp.ack_with_data), keeps its
 * connection there for at least one RTO. crr at full speed with 40,000
 * open under 5% loss held more than an eighth of its table there (and
 * drew 150,000 cookies at that threshold), so the ceiling is above that;
 * a flood still takes at most a quarter of the table. */
#define SYNCOOKIE_MIN_HALF_OPEN 64
#define SYNCOOKIE_MAX_HALF_OPEN 65536

/* The key and the threshold, before the workers start. */
void syncookie_init(struct worker *w);

/* 1 when a SYN to a listener gets a cookie rather than a TCB. */
static inline int syncookie_wanted(const struct worker *w)
{
	return w->syn_rcvd >= w->syn_rcvd_max;
}

/* Answer SYN s with a cookie SYN-ACK (counted in syn_cookies). */
void syncookie_send(struct worker *w, const struct seg *s);

/* An ACK (no SYN, RST) to a listener that matches no connection: 1 when
 * ACK - 1 is a cookie this core made for its tuple and the peer's ISS
 * SEQ - 1, with the MSS it encodes in *mss; else 0. Cheap when no
 * cookie was sent in the last two ticks: 0 at once. */
int syncookie_check(struct worker *w, const struct seg *s, uint16_t *mss);

/* The cookie itself (exposed for the unit tests). */
uint32_t syncookie_make(const struct worker *w, uint32_t sip, uint32_t dip,
			uint16_t sport, uint16_t dport, uint32_t irs,
			uint32_t tick, uint32_t mss_index);

#endif
