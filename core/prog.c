/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program runner (the VM): a connection walks the ops of its
 * template's or listener's program (plan.h, enum teng_opcode). Sends
 * queue a payload template, rendered when a segment is built; up to
 * PROG_SENDQ templates may be in flight back to back (the TCB holds the
 * newest, a per-core send queue the ones before it); receives
 * hand in-order data to the mode's framer (proto_*.c) without buffering
 * it, and check the framed message as it streams. Echo buffers, step
 * clocks and send queues are per-core side arrays keyed by the TCB's
 * index.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_malloc.h>

#include "hist.h"
#include "payload.h"
#include "proto.h"
#include "seq.h"
#include "tcp.h"

/* tcb.loop[] of a LOOP_PHASE; counted loops hold iterations left - 1 */
#define LOOP_PHASE_MARK 0xffff
/* Ops one prog_step may run without waiting; a program that loops
 * without sending, receiving or thinking yields for a millisecond. */
#define STEP_BUDGET 4096
/* recv_reached: the recv waits for data */
#define RECV_WAIT 2

static inline struct payload_ctx ctx_of(const struct worker *w,
					const struct tcb *t, uint16_t req)
{
	const struct prog_core *vm = &w->prog;
	struct payload_ctx c;
	/* a plan with fields has the side table (prog_init) */
	c.conn = vm->conn_no != NULL ? vm->conn_no[tcb_id(w, t)] : 0;
	c.conn_run = (uint64_t)c.conn * vm->ncores + vm->core;
	c.req = req;
	/* the client's address, on either side */
	c.ip = t->role == ROLE_CLIENT ? t->lip : t->rip;
	c.port = t->role == ROLE_CLIENT ? t->lport : t->rport;
	return c;
}

static inline int fail(struct tcb *t, uint8_t reason)
{
	t->reason = reason;
	t->flags2 |= TF2_FAILED;
	return PROG_FAIL;
}

/* Leave a recv for op pc: its framing state and deadline go. */
static inline void recv_leave(struct tcb *t, uint16_t pc)
{
	t->pc = pc;
	proto_reset(t);
	t->flags2 &= (uint8_t)~TF2_DEADLINE;
}

/* ---- echo buffers ---- */

static inline uint8_t *echo_buf(const struct prog_core *vm, uint32_t b)
{
	return vm->echo_mem + (size_t)b * vm->echo_bytes;
}

static void echo_give_back(struct worker *w, struct tcb *t)
{
	struct prog_core *vm = &w->prog;
	vm->echo_free[vm->echo_nfree++] = vm->echo_of[tcb_id(w, t)];
	t->flags2 &= (uint8_t)~TF2_ECHO;
}

static int echo_append(struct worker *w, struct tcb *t, const uint8_t *p,
		       uint32_t n)
{
	struct prog_core *vm = &w->prog;
	uint32_t id = tcb_id(w, t);
	if (!(t->flags2 & TF2_ECHO)) {
		if (vm->echo_nfree == 0)
			return fail(t, TENG_REASON_NO_BUFFER);
		uint32_t b = vm->echo_free[--vm->echo_nfree];
		vm->echo_of[id] = b;
		vm->echo_len[b] = 0;
		vm->echo_sent[b] = 0;
		t->flags2 |= TF2_ECHO;
	}
	uint32_t b = vm->echo_of[id];
	if (n > vm->echo_bytes - vm->echo_len[b])
		return fail(t, TENG_REASON_ECHO_OVERFLOW);
	memcpy(echo_buf(vm, b) + vm->echo_len[b], p, n);
	vm->echo_len[b] += n;
	return PROG_OK;
}

/* ---- the send queue ---- */

static inline int is_send(uint8_t code)
{
	return code == TENG_OP_SEND || code == TENG_OP_SEND_BULK ||
	       code == TENG_OP_SEND_ECHO;
}

/* Entry i of q ends where the next begins, the last where t->tpl does. */
static inline uint32_t sendq_end(const struct prog_sendq *q, uint32_t i,
				 const struct tcb *t)
{
	return i + 1 < q->n ? q->seq[i + 1] : t->tpl_seq;
}

/* t->tpl is in flight and another template follows it: move t->tpl to
 * the send queue (dropping the entries already acknowledged). 0 when
 * the queue is full (or the plan has none): the send waits for an ACK. */
static int sendq_push(struct worker *w, struct tcb *t)
{
	struct prog_core *vm = &w->prog;
	if (vm->sendq == NULL)
		return 0;
	struct prog_sendq *q = &vm->sendq[tcb_id(w, t)];
	uint32_t n = 0;
	if (SEQ_LT(t->snd_una, t->tpl_seq)) {
		/* entries before t->tpl are still in flight: keep those */
		n = q->n;
		uint32_t k = 0;
		while (k < n && SEQ_LEQ(sendq_end(q, k, t), t->snd_una))
			k++;
		if (k) {
			n -= k;
			memmove(q->seq, q->seq + k, n * sizeof(q->seq[0]));
			memmove(q->tpl, q->tpl + k, n * sizeof(q->tpl[0]));
			memmove(q->req, q->req + k, n * sizeof(q->req[0]));
			q->n = (uint8_t)n;
		}
		if (n >= PROG_SENDQ - 1)
			return 0;
	}
	q->seq[n] = t->tpl_seq;
	q->tpl[n] = t->tpl;
	q->req[n] = t->tpl_req;
	q->n = (uint8_t)(n + 1);
	return 1;
}

/* Queue len bytes of template tpl after what is queued: 1, or 0 when it
 * must wait for an ACK. Nothing in flight (the common case) touches
 * only the TCB. */
static inline int send_queue(struct worker *w, struct tcb *t, uint16_t tpl,
			     uint16_t req, uint32_t len)
{
	if (len == 0)
		return 1;
	if (SEQ_LT(t->snd_una, t->snd_end) && !sendq_push(w, t))
		return 0;
	t->tpl = tpl;
	t->tpl_seq = t->snd_end;
	t->tpl_req = req;
	t->snd_end += len;
	return 1;
}

int prog_send_waits(const struct worker *w, const struct tcb *t)
{
	if (t->flags2 & TF2_THINKING)
		return 0;
	return is_send(w->prog.ops[t->pc].code);
}

/* Echoed bytes are in flight: the current template, or one queued
 * before it. At most one echo template is in flight at a time, and the
 * buffer's byte 0 is its first byte. */
static int echo_in_flight(struct worker *w, const struct tcb *t)
{
	if (!SEQ_LT(t->snd_una, t->snd_end))
		return 0;
	if (t->tpl == TPL_ECHO)
		return 1;
	if (!SEQ_LT(t->snd_una, t->tpl_seq) || w->prog.sendq == NULL)
		return 0;
	const struct prog_sendq *q = &w->prog.sendq[tcb_id(w, t)];
	for (uint32_t i = 0; i < q->n; i++)
		if (q->tpl[i] == TPL_ECHO && SEQ_GT(sendq_end(q, i, t), t->snd_una))
			return 1;
	return 0;
}

/* The echoed bytes sent so far are acknowledged (nothing of the echo is
 * in flight): drop them, and give the buffer back once it is empty. */
static void echo_settle(struct worker *w, struct tcb *t)
{
	if (echo_in_flight(w, t))
		return;
	struct prog_core *vm = &w->prog;
	uint32_t b = vm->echo_of[tcb_id(w, t)];
	uint32_t sent = vm->echo_sent[b], left = vm->echo_len[b] - sent;
	if (left == 0) {
		echo_give_back(w, t);
	} else if (sent) {
		uint8_t *m = echo_buf(vm, b);
		memmove(m, m + sent, left);
		vm->echo_len[b] = left;
		vm->echo_sent[b] = 0;
	}
}

/* SEND_ECHO: 1 when queued (or nothing to send), 0 to wait for an ACK. */
static int echo_send(struct worker *w, struct tcb *t)
{
	struct prog_core *vm = &w->prog;
	if (!(t->flags2 & TF2_ECHO))
		return 1;
	uint32_t b = vm->echo_of[tcb_id(w, t)];
	if (t->tpl == TPL_ECHO && SEQ_LT(t->snd_una, t->snd_end)) {
		/* What is in flight last is echo too: the new bytes follow
		 * it in the same buffer, so they go out without waiting. */
		t->snd_end += vm->echo_len[b] - vm->echo_sent[b];
		vm->echo_sent[b] = vm->echo_len[b];
		return 1;
	}
	/* An earlier echo still in flight holds the buffer's start. */
	if (echo_in_flight(w, t))
		return 0;
	echo_settle(w, t);
	if (!(t->flags2 & TF2_ECHO))
		return 1;
	if (!send_queue(w, t, TPL_ECHO, t->req, vm->echo_len[b]))
		return 0;
	vm->echo_sent[b] = vm->echo_len[b];
	return 1;
}

/* ---- receiving ---- */

/* A recv's message is complete: check it, count it, go on (or jump, or
 * fail). */
static int recv_done(struct worker *w, struct tcb *t, const struct teng_op *op)
{
	int ok = 1;
	uint8_t why = TENG_REASON_MISMATCH;
	if (op->expect == TENG_EXPECT_EXACT || op->expect == TENG_EXPECT_PREFIX ||
	    op->expect == TENG_EXPECT_PATTERN) {
		struct chk c = { .vm = &w->prog, .op = op };
		ok = chk_ok(&c, t);
	}
	if (op->mode == TENG_RECV_HTTP) {
		uint16_t s = t->http_status;
		if (s >= 200 && s < 300) {
			w->ctr->http_2xx++;
			tcb_group(w, t)->http_2xx++;
		} else {
			w->ctr->http_other++;
			tcb_group(w, t)->http_other++;
		}
		/* a status range applies beside a body expectation too */
		if ((op->expect == TENG_EXPECT_STATUS || op->m) &&
		    (s < op->n || s > op->m)) {
			ok = 0;
			why = TENG_REASON_HTTP_STATUS;
		}
	} else if (op->mode == TENG_RECV_RESP && proto_resp_error(t) &&
		   (op->expect == TENG_EXPECT_NONE || !ok)) {
		ok = 0;
		why = TENG_REASON_RESP_ERROR;
	}
	if (unlikely(!ok)) {
		if (op->jump != TENG_NO_JUMP) {
			recv_leave(t, op->jump);
			return PROG_OK;
		}
		return fail(t, op->reason ? op->reason : why);
	}
	if (t->role == ROLE_CLIENT) {
		w->ctr->requests++;
		tcb_group(w, t)->requests++;
	} else {
		w->ctr->s_requests++;
		tcb_group(w, t)->s_requests++;
	}
	recv_leave(t, (uint16_t)(t->pc + 1));
	return PROG_OK;
}

static int frame(const struct chk *c, struct tcb *t, const uint8_t *p,
		 uint32_t n, uint32_t *used)
{
	switch (c->op->mode) {
	case TENG_RECV_BYTES:
		return proto_bytes(c, t, p, n, used);
	case TENG_RECV_DELIM:
		return proto_delim(c, t, p, n, used);
	case TENG_RECV_LINE:
		return proto_line(c, t, p, n, used);
	case TENG_RECV_LENGTH:
		return proto_length(c, t, p, n, used);
	case TENG_RECV_RESP:
		return proto_resp(c, t, p, n, used);
	case TENG_RECV_HTTP:
		return proto_http(c, t, p, n, used);
	default:
		*used = 0;
		return FR_ERROR;
	}
}

int prog_input(struct worker *w, struct tcb *t, const uint8_t *p, uint32_t n)
{
	struct prog_core *vm = &w->prog;
	uint32_t n0 = n;
	int rc = PROG_OK;
	while (n > 0) {
		const struct teng_op *op = &vm->ops[t->pc];
		if (op->code != TENG_OP_RECV || op->mode == TENG_RECV_EOF)
			break; /* nothing in the program wants these bytes now */
		struct chk c = { .vm = vm, .op = op };
		if (op->expect == TENG_EXPECT_EXACT || op->expect == TENG_EXPECT_PREFIX)
			c.ctx = ctx_of(w, t, t->req);
		uint32_t used = 0;
		int r = frame(&c, t, p, n, &used);
		if (unlikely(op->flags & TENG_OPF_ECHO) && used && r != FR_ERROR) {
			rc = echo_append(w, t, p, used);
			if (rc != PROG_OK)
				break;
		}
		p += used;
		n -= used;
		if (unlikely(r == FR_ERROR)) {
			rc = fail(t, TENG_REASON_FRAMING);
			break;
		}
		if (r == FR_MORE) {
			if (used == 0)
				break;
			continue;
		}
		rc = recv_done(w, t, op);
		if (rc == PROG_OK)
			rc = prog_step(w, t);
		if (rc != PROG_OK)
			break;
	}
	vm->rx_taken = n0 - n;
	vm->rx_keep = 0;
	if (n && rc == PROG_OK) {
		/* Sending (a full send queue) or thinking: a recv may come,
		 * so the peer is to send these again. At its end, or waiting
		 * for the FIN, the program will never take them. */
		if ((t->flags2 & TF2_THINKING) || is_send(vm->ops[t->pc].code))
			vm->rx_keep = n;
		else
			w->ctr->rx_unexpected += n;
	}
	return rc;
}

/* ---- the ops that need no input ---- */

static uint32_t think_us(struct worker *w, const struct teng_op *op)
{
	switch (op->mode) {
	case TENG_DIST_UNIFORM:
		if (op->m <= op->n)
			return op->n;
		return op->n + (uint32_t)(worker_rand(w) % ((uint64_t)op->m - op->n + 1));
	case TENG_DIST_EXP: {
		/* u in (0, 1] */
		double u = (double)((worker_rand(w) >> 11) + 1) * 0x1.0p-53;
		double d = -log(u) * op->n;
		double cap = op->m ? (double)op->m : 100.0 * op->n;
		if (d > cap)
			d = cap;
		return d < 4e9 ? (uint32_t)d : 4000000000u;
	}
	default:
		return op->n;
	}
}

static uint32_t loop_count(struct worker *w, const struct teng_op *op)
{
	uint32_t n = op->n;
	if (op->mode == TENG_LOOP_UNIFORM && op->m > op->n)
		n += (uint32_t)(worker_rand(w) % ((uint64_t)op->m - op->n + 1));
	return n > TENG_MAX_LOOP_COUNT ? TENG_MAX_LOOP_COUNT : n;
}

/* LOOP_PHASE goes on: a client's loop until the phase it opened in
 * ends; a server follows its clients, whose phases are not its own, so
 * its loop goes on until the run drains (or the client closes between
 * two messages). */
static inline int in_phase(const struct worker *w, const struct tcb *t)
{
	if (t->role == ROLE_SERVER)
		return !w->ctl->draining;
	return w->phase == t->phase && !w->ctl->draining;
}

/* A recv the program reached: complete at once, fail, or wait. */
static int recv_reached(struct worker *w, struct tcb *t, const struct teng_op *op)
{
	if (op->mode == TENG_RECV_EOF) {
		if (t->flags & TF_PEER_FIN)
			return recv_done(w, t, op);
	} else if (op->mode == TENG_RECV_BYTES && op->n == 0) {
		return recv_done(w, t, op);
	} else if (t->flags & TF_PEER_FIN) {
		if (op->mode == TENG_RECV_HTTP && proto_http_fin(t))
			return recv_done(w, t, op); /* the body ran to the FIN */
		/* A FIN between messages may be where on_fail goes (a line
		 * echo server ends when its client closes). */
		if (op->jump != TENG_NO_JUMP && t->rx_count == 0 &&
		    t->rx_state == 0 && t->match == 0) {
			recv_leave(t, op->jump);
			return PROG_OK;
		}
		/* A client that closes between two requests is done with a
		 * server's loop (keep-alive, echo): the server goes on after
		 * it. Anywhere else, the peer closed too early. */
		uint16_t out = w->prog.loop_exit[t->pc];
		if (t->role == ROLE_SERVER && out != TENG_NO_JUMP &&
		    t->rx_count == 0 && t->rx_state == 0 && t->match == 0) {
			recv_leave(t, out);
			return PROG_OK;
		}
		return fail(t, TENG_REASON_PEER_CLOSED);
	}
	if (op->timeout_ms && !(t->flags2 & TF2_DEADLINE)) {
		t->flags2 |= TF2_DEADLINE;
		t->wake_ms = w->now_ms + op->timeout_ms;
		tcp_wake_at(w, t);
	}
	return RECV_WAIT;
}

int prog_step(struct worker *w, struct tcb *t)
{
	struct prog_core *vm = &w->prog;
	if (unlikely(t->flags2 & (TF2_THINKING | TF2_ECHO))) {
		if (t->flags2 & TF2_THINKING)
			return PROG_OK;
		echo_settle(w, t);
	}
	for (uint32_t budget = 0;; budget++) {
		const struct teng_op *op = &vm->ops[t->pc];
		if (unlikely(budget >= STEP_BUDGET) && op->code != TENG_OP_RECV &&
		    op->code != TENG_OP_THINK) {
			t->wake_ms = w->now_ms + 1;
			t->flags2 |= TF2_THINKING;
			tcp_wake_at(w, t);
			return PROG_OK;
		}
		switch (op->code) {
		case TENG_OP_SEND:
			/* Queued behind what is in flight (PROG_SENDQ
			 * templates at most; beyond, wait for an ACK). */
			if (!send_queue(w, t, op->a, t->req, vm->payloads[op->a].len))
				return PROG_OK;
			t->pc++;
			continue;
		case TENG_OP_SEND_BULK:
			if (!send_queue(w, t, TPL_BULK, t->req, op->n))
				return PROG_OK;
			t->pc++;
			continue;
		case TENG_OP_SEND_ECHO:
			if (!echo_send(w, t))
				return PROG_OK;
			t->pc++;
			continue;
		case TENG_OP_RECV: {
			int r = recv_reached(w, t, op);
			if (r != PROG_OK)
				return r == RECV_WAIT ? PROG_OK : r;
			continue;
		}
		case TENG_OP_CLOSE:
			if (op->mode == TENG_CLOSE_RESET) {
				t->flags2 |= TF2_RESET;
				return PROG_RESET;
			}
			t->flags |= TF_FIN_QUEUED;
			t->pc++;
			continue;
		case TENG_OP_THINK: {
			uint64_t ms = ((uint64_t)think_us(w, op) + 999) / 1000;
			if (ms == 0) {
				t->pc++;
				continue;
			}
			/* prog_wake steps past it */
			t->wake_ms = w->now_ms + (uint32_t)ms;
			t->flags2 |= TF2_THINKING;
			tcp_wake_at(w, t);
			return PROG_OK;
		}
		case TENG_OP_LOOP_INIT: {
			uint16_t *l = &vm->loops[tcb_id(w, t)][op->a & 1];
			if (op->mode == TENG_LOOP_PHASE) {
				if (!in_phase(w, t)) {
					t->pc = op->jump;
					continue;
				}
				*l = LOOP_PHASE_MARK;
			} else {
				uint32_t n = loop_count(w, op);
				if (n == 0) {
					t->pc = op->jump;
					continue;
				}
				*l = (uint16_t)(n - 1);
			}
			t->pc++;
			continue;
		}
		case TENG_OP_LOOP_NEXT: {
			uint16_t *l = &vm->loops[tcb_id(w, t)][op->a & 1];
			t->req++;
			if (*l == LOOP_PHASE_MARK) {
				t->pc = in_phase(w, t) ? op->jump : (uint16_t)(t->pc + 1);
			} else if (*l) {
				(*l)--;
				t->pc = op->jump;
			} else {
				t->pc++;
			}
			continue;
		}
		case TENG_OP_JUMP:
			t->pc = op->jump;
			continue;
		case TENG_OP_STEP_BEGIN:
			vm->step_t0[tcb_id(w, t)] = w->now_us;
			t->flags2 |= TF2_STEP;
			t->pc++;
			continue;
		case TENG_OP_STEP_END:
			if (t->flags2 & TF2_STEP) {
				hist_add(&w->st->step[op->a],
					 (uint32_t)(w->now_us - vm->step_t0[tcb_id(w, t)]));
				t->flags2 &= (uint8_t)~TF2_STEP;
			}
			t->pc++;
			continue;
		case TENG_OP_FAIL:
			return fail(t, op->reason);
		case TENG_OP_END:
			if (!(t->flags & TF_PROG_DONE)) {
				t->flags |= TF_PROG_DONE | TF_FIN_QUEUED;
				t->flags2 &= (uint8_t)~TF2_STEP;
				tcp_prog_done(w, t);
			}
			return PROG_OK;
		default:
			return fail(t, TENG_REASON_ABORTED);
		}
	}
}

int prog_wake(struct worker *w, struct tcb *t)
{
	if (t->flags2 & TF2_THINKING) {
		if (SEQ_LT(w->now_ms, t->wake_ms)) {
			tcp_wake_at(w, t);
			return PROG_OK;
		}
		t->flags2 &= (uint8_t)~TF2_THINKING;
		if (w->prog.ops[t->pc].code == TENG_OP_THINK)
			t->pc++; /* else a yield: go on where it stopped */
		return prog_step(w, t);
	}
	if (t->flags2 & TF2_DEADLINE) {
		if (SEQ_LT(w->now_ms, t->wake_ms)) {
			tcp_wake_at(w, t);
			return PROG_OK;
		}
		return fail(t, TENG_REASON_RECV_TIMEOUT);
	}
	return PROG_OK;
}

void prog_start(struct worker *w, struct tcb *t, uint16_t pc)
{
	(void)w;
	t->pc = pc;
	t->req = 0;
	t->tpl = TPL_NONE;
	proto_reset(t);
}

void prog_release(struct worker *w, struct tcb *t)
{
	if (t->flags2 & TF2_ECHO)
		echo_give_back(w, t);
	t->flags2 &= (uint8_t)~(TF2_STEP | TF2_THINKING | TF2_DEADLINE);
}

/* Bytes [off, off + len) of one template. */
static inline void render_one(struct worker *w, const struct tcb *t,
			      uint16_t tpl, uint16_t req, uint32_t off,
			      uint32_t len, uint8_t *dst)
{
	const struct prog_core *vm = &w->prog;
	if (likely(tpl < TPL_ECHO)) {
		const struct teng_payload *p = &vm->payloads[tpl];
		if (likely(p->nfields == 0)) {
			memcpy(dst, vm->blob + p->off + off, len);
			return;
		}
		struct payload_ctx c = ctx_of(w, t, req);
		payload_render_fields(vm, tpl, &c, off, len, dst);
	} else if (tpl == TPL_BULK) {
		payload_bulk(off, len, dst);
	} else if (tpl == TPL_ECHO && (t->flags2 & TF2_ECHO)) {
		memcpy(dst, echo_buf(vm, vm->echo_of[tcb_id(w, t)]) + off, len);
	} else {
		memset(dst, 0, len); /* nothing is being sent: never asked */
	}
}

/* A range that starts before t->tpl: across the send queue's templates,
 * then into t->tpl. */
static __attribute__((noinline)) void
render_queued(struct worker *w, const struct tcb *t, uint32_t off,
	      uint32_t len, uint8_t *dst)
{
	const struct prog_core *vm = &w->prog;
	uint32_t seq = t->tpl_seq + off;
	if (vm->sendq != NULL) {
		const struct prog_sendq *q = &vm->sendq[tcb_id(w, t)];
		for (uint32_t i = 0; i < q->n && len; i++) {
			uint32_t s0 = q->seq[i], s1 = sendq_end(q, i, t);
			if (SEQ_GEQ(seq, s1))
				continue;
			if (SEQ_LT(seq, s0))
				break; /* before what is queued: never asked */
			uint32_t k = s1 - seq;
			if (k > len)
				k = len;
			render_one(w, t, q->tpl[i], q->req[i], seq - s0, k, dst);
			dst += k;
			len -= k;
			seq += k;
		}
	}
	if (len == 0)
		return;
	if (seq == t->tpl_seq)
		render_one(w, t, t->tpl, t->tpl_req, 0, len, dst);
	else
		memset(dst, 0, len);
}

void prog_render(struct worker *w, const struct tcb *t, uint32_t off,
		 uint32_t len, uint8_t *dst)
{
	/* one template in flight: the TCB alone says what it is */
	if (likely((int32_t)off >= 0))
		render_one(w, t, t->tpl, t->tpl_req, off, len, dst);
	else
		render_queued(w, t, off, len, dst);
}

int prog_render_sum(struct worker *w, const struct tcb *t, uint32_t off,
		    uint32_t len, uint8_t *dst, uint16_t *sum)
{
	prog_render(w, t, off, len, dst);
	const struct prog_core *vm = &w->prog;
	uint16_t tpl = t->tpl;
	if (off != 0 || tpl >= TPL_ECHO)
		return 0;
	const struct teng_payload *p = &vm->payloads[tpl];
	if (p->nfields != 0 || len != p->len)
		return 0;
	*sum = vm->psum[tpl];
	return 1;
}
