/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of received data, one file per protocol: proto_text.c (bytes,
 * delimiter, line, length field; and the expectation check they all
 * share), proto_http.c, proto_resp.c. A framer is given in-order bytes
 * and consumes those that belong to the current message; it keeps its
 * state in the TCB (rx_state, match, rx_left, http_status; flags2's
 * TF2_HTTP_CLEN) and feeds the bytes the expectation sees to chk_feed,
 * which advances t->rx_count (the checked message's length so far) and
 * drops mismatching alternatives from t->xmask. Framers are pure: no
 * worker, no DPDK, so unit tests drive them byte by byte.
 *
 * What the check sees: bytes: the n bytes; delimiter: the message with
 * its delimiter; line: the line without "\r\n" / "\n"; length and resp:
 * the whole message as it came ("$5\r\nhello\r\n"); http: the body
 * (de-chunked).
 */
#ifndef TENG_PROTO_H
#define TENG_PROTO_H

#include <stdint.h>

#include "payload.h"
#include "prog.h"
#include "tcb.h"

/* A recv being framed: the op and what its expectation renders with. */
struct chk {
	const struct prog_core *vm;
	const struct teng_op *op;
	struct payload_ctx ctx;
};

/* Framer results. */
enum {
	FR_MORE = 0,   /* all bytes taken, the message goes on */
	FR_DONE = 1,   /* the message is complete; *used bytes were its own */
	FR_ERROR = -1, /* malformed: TENG_REASON_FRAMING */
};

/* Every framer: take bytes p[0, n) (n > 0), set *used. */
typedef int (*proto_fn)(const struct chk *c, struct tcb *t, const uint8_t *p,
			uint32_t n, uint32_t *used);

/* Reset the TCB's framing state for a new recv. */
static inline void proto_reset(struct tcb *t)
{
	t->rx_state = 0;
	t->match = 0;
	t->rx_count = 0;
	t->rx_left = 0;
	t->xmask = 0;
	t->flags2 &= (uint8_t)~TF2_HTTP_CLEN;
}

/* Expectations (proto_text.c). xmask bit i set: alternative i no longer
 * matches. */
void chk_cmp(const struct chk *c, struct tcb *t, const uint8_t *p, uint32_t n);
static inline void chk_feed(const struct chk *c, struct tcb *t,
			    const uint8_t *p, uint32_t n)
{
	uint8_t e = c->op->expect;
	if (e == TENG_EXPECT_EXACT || e == TENG_EXPECT_PREFIX)
		chk_cmp(c, t, p, n);
	else if (e == TENG_EXPECT_PATTERN && payload_bulk_cmp(t->rx_count, p, n))
		t->xmask = 1;
	t->rx_count += n;
}
/* The complete message matched the op's EXACT / PREFIX expectation (1),
 * or not (0); 1 for other expectations. */
int chk_ok(const struct chk *c, const struct tcb *t);

/* proto_text.c */
int proto_bytes(const struct chk *c, struct tcb *t, const uint8_t *p,
		uint32_t n, uint32_t *used);
int proto_delim(const struct chk *c, struct tcb *t, const uint8_t *p,
		uint32_t n, uint32_t *used);
int proto_line(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used);
int proto_length(const struct chk *c, struct tcb *t, const uint8_t *p,
		 uint32_t n, uint32_t *used);
/* KMP failure table of a delimiter: fail[i] is the length of the longest
 * proper prefix of d[0..i] that is also its suffix. */
void proto_delim_table(const uint8_t *d, uint32_t len, uint16_t *fail);

/* proto_resp.c: one RESP2 value. http_status holds the top-level type
 * byte ('+', '-', ':', '$', '*'). */
int proto_resp(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used);
static inline int proto_resp_error(const struct tcb *t)
{
	return t->http_status == '-';
}

/* proto_http.c: one HTTP/1.1 response; http_status holds its status. */
int proto_http(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used);
/* The peer's FIN arrived: 1 when it ends the response (a body that runs
 * to the FIN), 0 when the response is cut short. */
int proto_http_fin(const struct tcb *t);

/* A decimal length line "[-]digits\r\n" (length field, RESP), byte by
 * byte; rx_state's low bits hold the stage, RX_NEG the sign, rx_left
 * the value. */
#define RX_STAGE 0x1f
#define RX_NEG 0x80
enum {
	NS_FIRST = 24, /* '-' or the first digit */
	NS_SIGN,       /* after '-' */
	NS_DIGITS,     /* digits, then "\r\n" */
	NS_LF,         /* after '\r' */
};
enum { NUM_MORE = 0, NUM_VALUE, NUM_NULL, NUM_ERROR };
#define NUM_MAX 0x7fffffffu
static inline int num_byte(struct tcb *t, uint8_t c)
{
	switch (t->rx_state & RX_STAGE) {
	case NS_FIRST:
		t->rx_left = 0;
		if (c == '-') {
			t->rx_state = (uint8_t)((t->rx_state & ~RX_STAGE) | NS_SIGN | RX_NEG);
			return NUM_MORE;
		}
		/* fall through */
	case NS_SIGN:
	case NS_DIGITS:
		if (c >= '0' && c <= '9') {
			uint64_t v = (uint64_t)t->rx_left * 10 + (uint32_t)(c - '0');
			if (v > NUM_MAX)
				return NUM_ERROR;
			t->rx_left = (uint32_t)v;
			t->rx_state = (uint8_t)((t->rx_state & ~RX_STAGE) | NS_DIGITS);
			return NUM_MORE;
		}
		if ((t->rx_state & RX_STAGE) != NS_DIGITS)
			return NUM_ERROR;
		if (c == '\r') {
			t->rx_state = (uint8_t)((t->rx_state & ~RX_STAGE) | NS_LF);
			return NUM_MORE;
		}
		if (c != '\n')
			return NUM_ERROR;
		break;
	case NS_LF:
		if (c != '\n')
			return NUM_ERROR;
		break;
	default:
		return NUM_ERROR;
	}
	if (t->rx_state & RX_NEG) {
		t->rx_state &= (uint8_t)~RX_NEG;
		return t->rx_left == 1 ? NUM_NULL : NUM_ERROR;
	}
	return NUM_VALUE;
}

#endif
