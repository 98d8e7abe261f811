/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text framing: n bytes, up to a delimiter (KMP, so a delimiter of up to
 * TENG_DELIM_MAX bytes costs one table lookup per byte at most), a line,
 * a decimal length field. And the expectation check every framer feeds.
 */
#include <string.h>

#include "proto.h"

static inline uint32_t nalts(const struct teng_op *op)
{
	uint32_t b = op->b ? op->b : 1;
	return b > TENG_MAX_ALTS ? TENG_MAX_ALTS : b;
}

/* Bytes p[0, n) of the checked message arrived at offset t->rx_count:
 * compare them with each alternative still in the race. */
void chk_cmp(const struct chk *c, struct tcb *t, const uint8_t *p, uint32_t n)
{
	const struct teng_op *op = c->op;
	uint32_t off = t->rx_count;
	uint32_t na = nalts(op);
	for (uint32_t i = 0; i < na; i++) {
		uint8_t bit = (uint8_t)(1u << i);
		if (t->xmask & bit)
			continue;
		uint32_t len = c->vm->payloads[op->a + i].len;
		uint32_t k = off < len ? len - off : 0;
		if (k > n)
			k = n;
		if (k < n && op->expect == TENG_EXPECT_EXACT)
			t->xmask |= bit; /* longer than this alternative */
		else if (k && payload_cmp(c->vm, op->a + i, &c->ctx, off, p, k))
			t->xmask |= bit;
	}
}

int chk_ok(const struct chk *c, const struct tcb *t)
{
	const struct teng_op *op = c->op;
	if (op->expect == TENG_EXPECT_PATTERN)
		return t->xmask == 0;
	if (op->expect != TENG_EXPECT_EXACT && op->expect != TENG_EXPECT_PREFIX)
		return 1;
	uint32_t na = nalts(op);
	for (uint32_t i = 0; i < na; i++) {
		if (t->xmask & (1u << i))
			continue;
		uint32_t len = c->vm->payloads[op->a + i].len;
		if (op->expect == TENG_EXPECT_EXACT ? len == t->rx_count :
						      len <= t->rx_count)
			return 1;
	}
	return 0;
}

int proto_bytes(const struct chk *c, struct tcb *t, const uint8_t *p,
		uint32_t n, uint32_t *used)
{
	uint32_t need = c->op->n - t->rx_count;
	uint32_t k = n < need ? n : need;
	chk_feed(c, t, p, k);
	*used = k;
	return t->rx_count == c->op->n ? FR_DONE : FR_MORE;
}

void proto_delim_table(const uint8_t *d, uint32_t len, uint16_t *fail)
{
	uint32_t k = 0;
	fail[0] = 0;
	for (uint32_t i = 1; i < len; i++) {
		while (k > 0 && d[i] != d[k])
			k = fail[k - 1];
		if (d[i] == d[k])
			k++;
		fail[i] = (uint16_t)k;
	}
}

int proto_delim(const struct chk *c, struct tcb *t, const uint8_t *p,
		uint32_t n, uint32_t *used)
{
	const struct prog_core *vm = c->vm;
	uint32_t id = c->op->n;
	const uint8_t *d = vm->blob + vm->payloads[id].off;
	uint32_t len = vm->payloads[id].len;
	const uint16_t *fail = vm->kmp + vm->kmp_off[id];
	uint32_t m = t->match, i = 0;
	int done = 0;
	while (i < n) {
		if (m == 0) {
			/* nothing matched: skip to the delimiter's first byte */
			const uint8_t *q = memchr(p + i, d[0], n - i);
			if (q == NULL) {
				i = n;
				break;
			}
			i = (uint32_t)(q - p);
		}
		uint8_t b = p[i++];
		while (m > 0 && d[m] != b)
			m = fail[m - 1];
		if (d[m] == b && ++m == len) {
			done = 1;
			break;
		}
	}
	t->match = (uint16_t)m;
	chk_feed(c, t, p, i);
	*used = i;
	return done ? FR_DONE : FR_MORE;
}

/* rx_state of a line: a '\r' ended the last chunk; it is part of the
 * line unless a '\n' follows. */
#define LN_CR 1

int proto_line(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used)
{
	uint32_t i = 0;
	if (t->rx_state == LN_CR) {
		t->rx_state = 0;
		if (p[0] == '\n') {
			*used = 1;
			return FR_DONE;
		}
		chk_feed(c, t, (const uint8_t *)"\r", 1);
	}
	const uint8_t *q = memchr(p + i, '\n', n - i);
	if (q != NULL) {
		uint32_t end = (uint32_t)(q - p);
		uint32_t line = end > i && p[end - 1] == '\r' ? end - 1 : end;
		chk_feed(c, t, p + i, line - i);
		*used = end + 1;
		return FR_DONE;
	}
	uint32_t k = n;
	if (p[n - 1] == '\r') {
		k--;
		t->rx_state = LN_CR;
	}
	chk_feed(c, t, p + i, k - i);
	*used = n;
	return FR_MORE;
}

/* rx_state of a length field, besides the number's NS_* stages */
enum {
	LS_TYPE = 0, /* the type byte (op.n) */
	LS_DATA,     /* rx_left bytes of data */
	LS_TRAIL,    /* rx_left trailer bytes */
};

int proto_length(const struct chk *c, struct tcb *t, const uint8_t *p,
		 uint32_t n, uint32_t *used)
{
	const struct teng_op *op = c->op;
	uint32_t i = 0;
	int r = FR_MORE;
	while (i < n && r == FR_MORE) {
		switch (t->rx_state & RX_STAGE) {
		case LS_TYPE:
			if (p[i++] != (uint8_t)op->n) {
				r = FR_ERROR;
				break;
			}
			t->rx_state = NS_FIRST;
			break;
		case LS_DATA:
		case LS_TRAIL: {
			uint32_t k = n - i < t->rx_left ? n - i : t->rx_left;
			i += k;
			t->rx_left -= k;
			if (t->rx_left)
				break;
			if ((t->rx_state & RX_STAGE) == LS_TRAIL || op->m == 0) {
				r = FR_DONE;
				break;
			}
			t->rx_state = LS_TRAIL;
			t->rx_left = op->m;
			break;
		}
		default:
			switch (num_byte(t, p[i++])) {
			case NUM_MORE:
				break;
			case NUM_VALUE:
				if (t->rx_left) {
					t->rx_state = LS_DATA;
				} else if (op->m) {
					t->rx_state = LS_TRAIL;
					t->rx_left = op->m;
				} else {
					r = FR_DONE;
				}
				break;
			case NUM_NULL:
				r = FR_DONE; /* nothing follows a null */
				break;
			default:
				r = FR_ERROR;
				break;
			}
			break;
		}
	}
	if (r != FR_ERROR)
		chk_feed(c, t, p, i);
	*used = i;
	return r;
}
