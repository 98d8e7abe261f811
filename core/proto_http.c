/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 response framing (RFC 9112 6.3): the status line, headers
 * (Content-Length; Transfer-Encoding: chunked, which wins over it), then
 * no body (a HEAD request, 1xx, 204, 304), a chunked body (extensions
 * and trailers skipped), Content-Length bytes, or a body that runs to
 * the FIN. An interim 1xx (but 101) is followed by the real response
 * within the same recv. The body, de-chunked, goes to the check. With
 * keep-alive, the next response starts right after; those bytes are not
 * taken.
 * State: rx_state (stage, HS_CHUNKED), match (a header name's matched
 * bytes, digits seen), rx_left (length, chunk bytes left), http_status,
 * flags2's TF2_HTTP_CLEN.
 */
#include <string.h>

#include "proto.h"

enum {
	HS_VERSION = 0, /* "HTTP/" */
	HS_VERSION_REST,
	HS_CODE,        /* three digits */
	HS_REASON,      /* the rest of the status line */
	HS_HDR_START,   /* a header line's first byte, or the empty line */
	HS_NAME_CL,     /* matching "content-length:" */
	HS_NAME_TE,     /* matching "transfer-encoding:" */
	HS_CL_VALUE,
	HS_TE_VALUE,
	HS_SKIP,        /* the rest of a header line */
	HS_BODY,        /* rx_left bytes */
	HS_BODY_EOF,    /* to the FIN */
	HS_CHUNK_SIZE,
	HS_CHUNK_EXT,
	HS_CHUNK_DATA,
	HS_CHUNK_CR,
	HS_CHUNK_LF,
	HS_TRAILER_START,
	HS_TRAILER_SKIP,
};
#define HS_CHUNKED 0x80

static const char VERSION[] = "HTTP/";
static const char CL[] = "content-length:";
static const char TE[] = "transfer-encoding:";
static const char CHUNKED[] = "chunked";

static inline void set_stage(struct tcb *t, uint8_t s)
{
	t->rx_state = (uint8_t)((t->rx_state & ~RX_STAGE) | s);
}

static inline int hexval(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	b |= 0x20;
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	return -1;
}

/* The empty line after the headers: what follows them. */
static int headers_end(const struct chk *c, struct tcb *t)
{
	uint16_t s = t->http_status;
	if (s >= 100 && s < 200 && s != 101) {
		/* interim: the real response follows */
		t->rx_state = HS_VERSION;
		t->match = 0;
		t->rx_left = 0;
		t->flags2 &= (uint8_t)~TF2_HTTP_CLEN;
		return FR_MORE;
	}
	if ((c->op->flags & TENG_OPF_HEAD) || s < 200 || s == 204 || s == 304)
		return FR_DONE;
	if (t->rx_state & HS_CHUNKED) {
		set_stage(t, HS_CHUNK_SIZE);
		t->rx_left = 0;
		t->match = 0;
		return FR_MORE;
	}
	if (t->flags2 & TF2_HTTP_CLEN) {
		if (t->rx_left == 0)
			return FR_DONE;
		set_stage(t, HS_BODY);
		return FR_MORE;
	}
	set_stage(t, HS_BODY_EOF);
	return FR_MORE;
}

/* One byte of the status line or headers (or trailers). */
static int head_byte(const struct chk *c, struct tcb *t, uint8_t b)
{
	uint8_t lc = b | 0x20;
	switch (t->rx_state & RX_STAGE) {
	case HS_VERSION:
		if (b != (uint8_t)VERSION[t->match])
			return FR_ERROR;
		if (++t->match == sizeof(VERSION) - 1)
			set_stage(t, HS_VERSION_REST);
		return FR_MORE;
	case HS_VERSION_REST:
		if (b == ' ') {
			set_stage(t, HS_CODE);
			t->match = 0;
			t->http_status = 0;
		} else if (b == '\n') {
			return FR_ERROR;
		}
		return FR_MORE;
	case HS_CODE:
		if (t->match < 3) {
			if (b < '0' || b > '9')
				return FR_ERROR;
			t->http_status = (uint16_t)(t->http_status * 10 + (b - '0'));
			t->match++;
			return FR_MORE;
		}
		if (b == '\n')
			set_stage(t, HS_HDR_START);
		else if (b == ' ' || b == '\r')
			set_stage(t, HS_REASON);
		else
			return FR_ERROR;
		return FR_MORE;
	case HS_REASON:
	case HS_SKIP:
		if (b == '\n')
			set_stage(t, HS_HDR_START);
		return FR_MORE;
	case HS_HDR_START:
		if (b == '\r')
			return FR_MORE;
		if (b == '\n')
			return headers_end(c, t);
		t->match = 1;
		set_stage(t, lc == 'c' ? HS_NAME_CL : lc == 't' ? HS_NAME_TE : HS_SKIP);
		return FR_MORE;
	case HS_NAME_CL:
	case HS_NAME_TE: {
		int cl = (t->rx_state & RX_STAGE) == HS_NAME_CL;
		const char *name = cl ? CL : TE;
		if (b == '\n') {
			set_stage(t, HS_HDR_START);
		} else if (lc == (uint8_t)name[t->match] ||
			   (b == ':' && name[t->match] == ':')) {
			if (name[++t->match] == 0) {
				set_stage(t, cl ? HS_CL_VALUE : HS_TE_VALUE);
				t->match = 0;
				if (cl)
					t->rx_left = 0;
			}
		} else {
			set_stage(t, HS_SKIP);
		}
		return FR_MORE;
	}
	case HS_CL_VALUE:
		if (b >= '0' && b <= '9') {
			uint64_t v = (uint64_t)t->rx_left * 10 + (uint32_t)(b - '0');
			if (v > NUM_MAX)
				return FR_ERROR;
			t->rx_left = (uint32_t)v;
			t->match = 1;
		} else if (b == '\n') {
			if (!t->match)
				return FR_ERROR;
			t->flags2 |= TF2_HTTP_CLEN;
			set_stage(t, HS_HDR_START);
		} else if (b != ' ' && b != '\t' && b != '\r') {
			return FR_ERROR;
		}
		return FR_MORE;
	case HS_TE_VALUE:
		if (b == '\n') {
			set_stage(t, HS_HDR_START);
		} else if (lc == (uint8_t)CHUNKED[t->match]) {
			if (++t->match == sizeof(CHUNKED) - 1) {
				t->rx_state |= HS_CHUNKED;
				t->match = 0;
			}
		} else {
			t->match = lc == 'c';
		}
		return FR_MORE;
	case HS_CHUNK_SIZE: {
		int v = hexval(b);
		if (v >= 0) {
			if (t->rx_left > 0x07ffffff)
				return FR_ERROR;
			t->rx_left = t->rx_left * 16 + (uint32_t)v;
			t->match = 1;
			return FR_MORE;
		}
		if (b == '\r')
			return FR_MORE;
		if (!t->match)
			return FR_ERROR;
		if (b == ';' || b == ' ' || b == '\t') {
			set_stage(t, HS_CHUNK_EXT);
			return FR_MORE;
		}
		if (b != '\n')
			return FR_ERROR;
	}
		/* fall through: the size line ended */
	chunk_line_end:
		set_stage(t, t->rx_left ? HS_CHUNK_DATA : HS_TRAILER_START);
		return FR_MORE;
	case HS_CHUNK_EXT:
		if (b == '\n')
			goto chunk_line_end;
		return FR_MORE;
	case HS_CHUNK_CR:
		if (b == '\r') {
			set_stage(t, HS_CHUNK_LF);
			return FR_MORE;
		}
		/* fall through */
	case HS_CHUNK_LF:
		if (b != '\n')
			return FR_ERROR;
		set_stage(t, HS_CHUNK_SIZE);
		t->rx_left = 0;
		t->match = 0;
		return FR_MORE;
	case HS_TRAILER_START:
		if (b == '\r')
			return FR_MORE;
		if (b == '\n')
			return FR_DONE;
		set_stage(t, HS_TRAILER_SKIP);
		return FR_MORE;
	case HS_TRAILER_SKIP:
		if (b == '\n')
			set_stage(t, HS_TRAILER_START);
		return FR_MORE;
	default:
		return FR_ERROR;
	}
}

#ifndef HTTP_HEAD_RUNS
#define HTTP_HEAD_RUNS 1 /* 0: a dispatch a byte (test_prog_framing's reference) */
#endif

/* How many of p[0, n) head_byte would take in t's stage without
 * changing anything but t->match (advanced here as it would be): the
 * runs inside a status line or header, taken in one loop instead of a
 * dispatch a byte. The byte that ends a run (a state change, an error,
 * the last byte of a header name) is left to head_byte, so the two
 * always agree (test_prog_framing compares random streams with this
 * file built without the runs). */
static inline uint32_t head_run(struct tcb *t, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;
	switch (t->rx_state & RX_STAGE) {
	case HS_VERSION: {
		uint32_t m = t->match;
		/* the last byte is head_byte's: it changes the stage */
		while (i < n && m < sizeof(VERSION) - 2 && p[i] == (uint8_t)VERSION[m]) {
			m++;
			i++;
		}
		t->match = (uint16_t)m;
		return i;
	}
	case HS_VERSION_REST:
		while (i < n && p[i] != ' ' && p[i] != '\n')
			i++;
		return i;
	case HS_REASON:
	case HS_SKIP:
	case HS_TRAILER_SKIP:
	case HS_CHUNK_EXT: {
		/* Only a line's end means anything here. */
		const uint8_t *nl = memchr(p, '\n', n);
		return nl ? (uint32_t)(nl - p) : n;
	}
	case HS_NAME_CL:
	case HS_NAME_TE: {
		const char *name = (t->rx_state & RX_STAGE) == HS_NAME_CL ? CL : TE;
		uint32_t m = t->match;
		while (i < n && name[m + 1] != 0 && (p[i] | 0x20) == (uint8_t)name[m]) {
			m++;
			i++;
		}
		t->match = (uint16_t)m;
		return i;
	}
	case HS_CL_VALUE: {
		uint64_t v = t->rx_left;
		while (i < n && (uint8_t)(p[i] - '0') <= 9) {
			uint64_t x = v * 10 + (uint32_t)(p[i] - '0');
			if (x > NUM_MAX)
				break; /* head_byte says so */
			v = x;
			t->match = 1;
			i++;
		}
		t->rx_left = (uint32_t)v;
		return i;
	}
	default:
		return 0;
	}
}

int proto_http(const struct chk *c, struct tcb *t, const uint8_t *p,
	       uint32_t n, uint32_t *used)
{
	uint32_t i = 0;
	int r = FR_MORE;
	while (i < n && r == FR_MORE) {
		uint8_t st = t->rx_state & RX_STAGE;
		if (st == HS_BODY || st == HS_CHUNK_DATA) {
			uint32_t k = n - i < t->rx_left ? n - i : t->rx_left;
			chk_feed(c, t, p + i, k);
			i += k;
			t->rx_left -= k;
			if (t->rx_left == 0) {
				if (st == HS_BODY)
					r = FR_DONE;
				else
					set_stage(t, HS_CHUNK_CR);
			}
		} else if (st == HS_BODY_EOF) {
			chk_feed(c, t, p + i, n - i);
			i = n;
		} else {
			if (HTTP_HEAD_RUNS)
				i += head_run(t, p + i, n - i);
			if (i < n)
				r = head_byte(c, t, p[i++]);
		}
	}
	*used = i;
	return r;
}

int proto_http_fin(const struct tcb *t)
{
	return (t->rx_state & RX_STAGE) == HS_BODY_EOF;
}
