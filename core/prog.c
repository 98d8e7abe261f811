/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program runner: a connection walks its role's op array. Sends
 * queue a payload template (the bytes are read from the template when
 * a segment is built); receives consume in-order payload as it arrives,
 * without buffering it.
 */
#include <rte_branch_prediction.h>

#include "hist.h"
#include "tcp.h"

/* rx_state of RECV_HTTP */
enum {
	H_VERSION = 0, /* "HTTP/1.1 " */
	H_CODE,        /* status digits */
	H_LINE,        /* rest of a line */
	H_HDR_START,   /* first byte of a header line */
	H_NAME,        /* matching "content-length:" */
	H_VALUE,       /* Content-Length digits */
	H_END_LF,      /* "\r" of the empty line seen */
	H_BODY,        /* rx_left body bytes to go */
	H_BODY_EOF,    /* no Content-Length: body runs to the FIN */
};

static const char clen[] = "content-length:";
#define CLEN_LEN (sizeof(clen) - 1)

void prog_init_kmp(const uint8_t *d, uint32_t len, uint8_t *fail)
{
	uint32_t k = 0;
	fail[0] = 0;
	for (uint32_t i = 1; i < len; i++) {
		while (k > 0 && d[i] != d[k])
			k = fail[k - 1];
		if (d[i] == d[k])
			k++;
		fail[i] = (uint8_t)k;
	}
}

static void op_next(struct tcb *t)
{
	t->pc++;
	t->rx_count = 0;
	t->rx_left = 0;
	t->rx_state = 0;
	t->match = 0;
	t->flags &= (uint8_t)~TF_HTTP_CLEN;
}

static void http_done(struct worker *w, struct tcb *t)
{
	if (t->http_status >= 200 && t->http_status < 300)
		w->ctr->http_2xx++;
	else
		w->ctr->http_other++;
}

/* Returns bytes consumed; sets *done when the response is complete. */
static uint32_t http_input(struct tcb *t, const uint8_t *p, uint32_t n,
			   int *done)
{
	uint32_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		switch (t->rx_state) {
		case H_BODY: {
			uint32_t k = n - i < t->rx_left ? n - i : t->rx_left;
			t->rx_left -= k;
			i += k;
			if (t->rx_left == 0) {
				*done = 1;
				return i;
			}
			continue;
		}
		case H_BODY_EOF:
			return n;
		case H_VERSION:
			if (c == ' ') {
				t->rx_state = H_CODE;
				t->http_status = 0; /* this response's own */
			}
			break;
		case H_CODE:
			if (c >= '0' && c <= '9' && t->http_status < 1000)
				t->http_status = (uint16_t)(t->http_status * 10 + (c - '0'));
			else
				t->rx_state = c == '\n' ? H_HDR_START : H_LINE;
			break;
		case H_LINE:
			if (c == '\n')
				t->rx_state = H_HDR_START;
			break;
		case H_HDR_START:
			if (c == '\r') {
				t->rx_state = H_END_LF;
				break;
			}
			if (c == '\n')
				goto headers_done;
			t->match = 0;
			t->rx_state = H_NAME;
			/* fall through */
		case H_NAME:
			if (c == '\n') {
				t->rx_state = H_HDR_START;
			} else if ((c | 0x20) == (uint8_t)clen[t->match] ||
				   (c == ':' && clen[t->match] == ':')) {
				if (++t->match == CLEN_LEN) {
					t->rx_state = H_VALUE;
					t->rx_left = 0;
					t->flags |= TF_HTTP_CLEN;
				}
			} else {
				t->rx_state = H_LINE;
			}
			break;
		case H_VALUE:
			if (c >= '0' && c <= '9') {
				if (t->rx_left < 100000000u)
					t->rx_left = t->rx_left * 10 + (uint32_t)(c - '0');
			} else if (c == '\n') {
				t->rx_state = H_HDR_START;
			}
			break;
		case H_END_LF:
			if (c != '\n') {
				t->rx_state = H_LINE;
				break;
			}
		headers_done:
			i++;
			if (!(t->flags & TF_HTTP_CLEN)) {
				t->rx_state = H_BODY_EOF;
				return n;
			}
			if (t->rx_left == 0) {
				*done = 1;
				return i;
			}
			t->rx_state = H_BODY;
			continue;
		}
		i++;
	}
	return i;
}

int prog_input(struct worker *w, struct tcb *t, const uint8_t *p, uint32_t n)
{
	const struct teng_op *prog = w->prog[t->role];
	while (n > 0) {
		const struct teng_op *op = &prog[t->pc];
		uint32_t used;
		int done = 0;
		switch (op->code) {
		case TENG_OP_RECV_BYTES: {
			uint32_t need = op->arg - t->rx_count;
			used = n < need ? n : need;
			t->rx_count += used;
			done = t->rx_count == op->arg;
			break;
		}
		case TENG_OP_RECV_UNTIL: {
			const struct teng_payload *d = &w->payloads[op->arg];
			const uint8_t *delim = w->blob + d->off;
			const uint8_t *fail = w->kmp[op->arg];
			uint32_t m = t->match;
			for (used = 0; used < n && !done;) {
				uint8_t c = p[used++];
				while (m > 0 && delim[m] != c)
					m = fail[m - 1];
				if (delim[m] == c && ++m == d->len)
					done = 1;
			}
			t->match = (uint8_t)m;
			break;
		}
		case TENG_OP_RECV_HTTP:
			used = http_input(t, p, n, &done);
			if (done)
				http_done(w, t);
			break;
		default:
			/* Nothing in the program wants these bytes now. */
			w->ctr->rx_unexpected += n;
			return 0;
		}
		p += used;
		n -= used;
		if (done) {
			op_next(t);
			if (prog_step(w, t) < 0)
				return -1;
		}
	}
	return 0;
}

int prog_step(struct worker *w, struct tcb *t)
{
	const struct teng_op *prog = w->prog[t->role];
	for (;;) {
		const struct teng_op *op = &prog[t->pc];
		switch (op->code) {
		case TENG_OP_SEND:
			/* One template in flight at a time: the previous send
			 * must be acknowledged before the next starts. */
			if (t->snd_una != t->snd_end)
				return 0;
			t->tpl = (uint16_t)op->arg;
			t->tpl_seq = t->snd_end;
			t->snd_end += w->payloads[op->arg].len;
			op_next(t);
			continue;
		case TENG_OP_CLOSE:
			t->flags |= TF_FIN_QUEUED;
			op_next(t);
			continue;
		case TENG_OP_END:
			if (!(t->flags & TF_PROG_DONE)) {
				t->flags |= TF_PROG_DONE | TF_FIN_QUEUED;
				if (t->role == ROLE_CLIENT)
					hist_add(&w->st->lat_txn,
						 w->now_us - t->t_open_us);
			}
			return 0;
		case TENG_OP_RECV_EOF:
			if (!(t->flags & TF_PEER_FIN))
				return 0;
			op_next(t);
			continue;
		case TENG_OP_RECV_HTTP:
			if (!(t->flags & TF_PEER_FIN))
				return 0;
			if (t->rx_state != H_BODY_EOF)
				return -1;
			http_done(w, t);
			op_next(t);
			continue;
		default: /* RECV_BYTES, RECV_UNTIL */
			return (t->flags & TF_PEER_FIN) ? -1 : 0;
		}
	}
}
