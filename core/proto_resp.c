/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RESP2 framing (the Redis protocol): one value, "+simple\r\n",
 * "-error\r\n", ":integer\r\n", "$N\r\n<N bytes>\r\n" ($-1: null), or
 * "*N\r\n" and N values that are not arrays themselves (*-1: null).
 * State: rx_state (stage, RS_IN_ARRAY, RS_ARRAY_LEN, the number's RX_NEG),
 * rx_left (a number, then bulk bytes left), match (array elements left),
 * http_status (the top-level type byte).
 */
#include <string.h>

#include "proto.h"

enum {
	RS_TYPE = 0, /* a value's type byte */
	RS_LINE,     /* + - : up to "\n" */
	RS_DATA,     /* rx_left bulk bytes */
	RS_CR,       /* the bulk's "\r" */
	RS_LF,       /* the bulk's "\n" */
};
#define RS_ARRAY_LEN 0x20 /* the number being read is an array's count */
#define RS_IN_ARRAY 0x40  /* reading an array's elements */

static inline void set_stage(struct tcb *t, uint8_t s)
{
	t->rx_state = (uint8_t)((t->rx_state & ~RX_STAGE) | s);
}

/* A value ended: the message, or the next array element. */
static int value_done(struct tcb *t)
{
	if (!(t->rx_state & RS_IN_ARRAY) || --t->match == 0)
		return FR_DONE;
	set_stage(t, RS_TYPE);
	return FR_MORE;
}

int proto_resp(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used)
{
	uint32_t i = 0;
	int r = FR_MORE;
	while (i < n && r == FR_MORE) {
		uint8_t b;
		switch (t->rx_state & RX_STAGE) {
		case RS_TYPE:
			b = p[i++];
			if (!(t->rx_state & RS_IN_ARRAY))
				t->http_status = b;
			if (b == '+' || b == '-' || b == ':') {
				set_stage(t, RS_LINE);
			} else if (b == '$') {
				t->rx_state &= (uint8_t)~RS_ARRAY_LEN;
				set_stage(t, NS_FIRST);
			} else if (b == '*' && !(t->rx_state & RS_IN_ARRAY)) {
				t->rx_state = RS_ARRAY_LEN | NS_FIRST;
			} else {
				r = FR_ERROR;
			}
			break;
		case RS_LINE: {
			const uint8_t *q = memchr(p + i, '\n', n - i);
			if (q == NULL) {
				i = n;
				break;
			}
			i = (uint32_t)(q - p) + 1;
			r = value_done(t);
			break;
		}
		case RS_DATA: {
			uint32_t k = n - i < t->rx_left ? n - i : t->rx_left;
			i += k;
			t->rx_left -= k;
			if (t->rx_left == 0)
				set_stage(t, RS_CR);
			break;
		}
		case RS_CR:
			if (p[i++] != '\r')
				r = FR_ERROR;
			else
				set_stage(t, RS_LF);
			break;
		case RS_LF:
			if (p[i++] != '\n')
				r = FR_ERROR;
			else
				r = value_done(t);
			break;
		default: {
			int v = num_byte(t, p[i++]);
			if (v == NUM_MORE)
				break;
			if (v == NUM_ERROR) {
				r = FR_ERROR;
				break;
			}
			if (!(t->rx_state & RS_ARRAY_LEN)) { /* a bulk string */
				if (v == NUM_NULL)
					r = value_done(t);
				else
					set_stage(t, t->rx_left ? RS_DATA : RS_CR);
				break;
			}
			/* an array */
			if (v == NUM_NULL || t->rx_left == 0) {
				r = FR_DONE;
			} else if (t->rx_left > UINT16_MAX) {
				r = FR_ERROR;
			} else {
				t->match = (uint16_t)t->rx_left;
				t->rx_state = RS_IN_ARRAY | RS_TYPE;
			}
			break;
		}
		}
	}
	if (r != FR_ERROR)
		chk_feed(c, t, p, i);
	*used = i;
	return r;
}
