/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting up the VM from the plan, before the workers start: check every
 * index the ops and payloads hold (a bad plan is an error here, never a
 * stray read on the fast path), copy the tables, build the delimiters'
 * failure tables, allocate echo buffers and step clocks on the worker's
 * socket.
 */
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "csum.h"
#include "numa_place.h"
#include "proto.h"
#include "tcp.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int check_payloads(const struct teng_plan *plan, char *err, size_t errlen)
{
	if (plan->npayloads > TENG_MAX_PAYLOADS || plan->nfields > TENG_MAX_FIELDS)
		return ERR("plan: %u payloads, %u fields (at most %u, %u)",
			   plan->npayloads, plan->nfields, TENG_MAX_PAYLOADS,
			   TENG_MAX_FIELDS);
	for (uint32_t i = 0; i < plan->npayloads; i++) {
		const struct teng_payload *p = &plan->payloads[i];
		if ((uint64_t)p->off + p->len > plan->blob_len)
			return ERR("plan: payload %u outside the blob", i);
		if ((uint32_t)p->field0 + p->nfields > plan->nfields)
			return ERR("plan: payload %u: fields out of range", i);
		uint32_t end = 0;
		for (uint32_t j = 0; j < p->nfields; j++) {
			const struct teng_field *f = &plan->fields[p->field0 + j];
			if (f->off < end || (uint64_t)f->off + f->width > p->len)
				return ERR("plan: payload %u: field %u misplaced", i, j);
			end = f->off + f->width;
			if ((f->kind == TENG_FIELD_LIST_SEQ || f->kind == TENG_FIELD_LIST_RAND) &&
			    (f->count == 0 || (uint64_t)f->arg + f->count > plan->npayloads))
				return ERR("plan: payload %u: field %u: list out of range", i, j);
		}
	}
	return 0;
}

/* An op that goes on to the next must have one. */
static int falls_through(const struct teng_op *op)
{
	switch (op->code) {
	case TENG_OP_END:
	case TENG_OP_JUMP:
	case TENG_OP_FAIL:
		return 0;
	case TENG_OP_CLOSE:
		return op->mode != TENG_CLOSE_RESET;
	default:
		return 1;
	}
}

static int check_op(const struct teng_plan *plan, uint32_t i, char *err,
		    size_t errlen)
{
	const struct teng_op *op = &plan->ops[i];
	uint32_t n = plan->nops, np = plan->npayloads;
	int jumps = op->code == TENG_OP_JUMP || op->code == TENG_OP_LOOP_INIT ||
		    op->code == TENG_OP_LOOP_NEXT;
	if (op->code > TENG_OP_FAIL)
		return ERR("plan: op %u: unknown opcode %u", i, op->code);
	if (falls_through(op) && i + 1 >= n)
		return ERR("plan: op %u: the program runs past its end", i);
	if ((jumps && op->jump >= n) ||
	    (op->jump != TENG_NO_JUMP && op->jump >= n))
		return ERR("plan: op %u: jump to %u, out of range", i, op->jump);
	if (op->reason >= TENG_MAX_REASONS)
		return ERR("plan: op %u: reason %u out of range", i, op->reason);
	switch (op->code) {
	case TENG_OP_SEND:
		if (op->a >= np)
			return ERR("plan: op %u: payload %u out of range", i, op->a);
		break;
	case TENG_OP_LOOP_INIT:
	case TENG_OP_LOOP_NEXT:
		if (op->a >= TENG_MAX_LOOP_DEPTH)
			return ERR("plan: op %u: loop slot %u", i, op->a);
		break;
	case TENG_OP_STEP_BEGIN:
	case TENG_OP_STEP_END:
		if (op->a >= TENG_MAX_STEPS)
			return ERR("plan: op %u: step %u out of range", i, op->a);
		break;
	case TENG_OP_RECV:
		if (op->mode > TENG_RECV_EOF)
			return ERR("plan: op %u: unknown recv mode %u", i, op->mode);
		if (op->mode == TENG_RECV_DELIM &&
		    (op->n >= np || plan->payloads[op->n].len == 0 ||
		     plan->payloads[op->n].len > TENG_DELIM_MAX ||
		     plan->payloads[op->n].nfields))
			return ERR("plan: op %u: delimiter must be 1..%u plain bytes",
				   i, TENG_DELIM_MAX);
		if ((op->expect == TENG_EXPECT_EXACT || op->expect == TENG_EXPECT_PREFIX) &&
		    (op->b == 0 || op->b > TENG_MAX_ALTS || (uint32_t)op->a + op->b > np))
			return ERR("plan: op %u: expectation payloads out of range", i);
		if (op->expect == TENG_EXPECT_PATTERN && op->mode != TENG_RECV_BYTES)
			return ERR("plan: op %u: the bulk pattern check needs bytes framing", i);
		if (op->expect > TENG_EXPECT_PATTERN)
			return ERR("plan: op %u: unknown expectation %u", i, op->expect);
		if ((op->flags & TENG_OPF_ECHO) &&
		    (plan->echo_buffers == 0 || plan->echo_bytes == 0))
			return ERR("plan: op %u: echo needs echo buffers", i);
		break;
	default:
		break;
	}
	return 0;
}

static int check_plan(const struct teng_plan *plan, char *err, size_t errlen)
{
	if (plan->nops > TENG_MAX_OPS)
		return ERR("plan: %u ops (at most %u)", plan->nops, TENG_MAX_OPS);
	if (check_payloads(plan, err, errlen) < 0)
		return -1;
	for (uint32_t i = 0; i < plan->nops; i++)
		if (check_op(plan, i, err, errlen) < 0)
			return -1;
	uint32_t n = plan->nops ? plan->nops : 1; /* none: ops[0] is END */
	for (uint32_t i = 0; i < plan->ntemplates && i < TENG_MAX_TEMPLATES; i++)
		if (plan->templates[i].prog >= n)
			return ERR("plan: template %u: program out of range", i);
	for (uint32_t i = 0; i < plan->nlisteners && i < TENG_MAX_LISTENERS; i++)
		if (plan->listeners[i].prog >= n)
			return ERR("plan: listener %u: program out of range", i);
	if (plan->echo_bytes > TENG_ECHO_MAX)
		return ERR("plan: echo buffers of %u bytes (at most %u)",
			   plan->echo_bytes, TENG_ECHO_MAX);
	return 0;
}

static inline int is_send_op(const struct teng_op *op)
{
	return op->code == TENG_OP_SEND || op->code == TENG_OP_SEND_BULK ||
	       op->code == TENG_OP_SEND_ECHO;
}

/* The ops op i may go on to: 0..2 of them in next. */
static uint32_t successors(const struct teng_plan *plan, uint32_t i,
			   uint32_t next[2])
{
	const struct teng_op *op = &plan->ops[i];
	uint32_t nn = 0;
	if (falls_through(op) && i + 1 < plan->nops)
		next[nn++] = i + 1;
	int jumps = op->code == TENG_OP_JUMP || op->code == TENG_OP_LOOP_INIT ||
		    op->code == TENG_OP_LOOP_NEXT || op->code == TENG_OP_RECV;
	if (jumps && op->jump != TENG_NO_JUMP && op->jump < plan->nops)
		next[nn++] = op->jump;
	return nn;
}

/* Mark in seen the ops reachable from op `from`. With find_send, walk
 * from its successors instead, a THINK ends a path, and 1 as soon as a
 * send is reached. */
static int walk(const struct teng_plan *plan, uint32_t from, int find_send,
		uint8_t *seen)
{
	uint16_t stack[TENG_MAX_OPS];
	uint32_t sp = 0, next[2];
	memset(seen, 0, TENG_MAX_OPS);
	if (find_send) {
		uint32_t nn = successors(plan, from, next);
		for (uint32_t k = 0; k < nn; k++)
			if (!seen[next[k]]) {
				seen[next[k]] = 1;
				stack[sp++] = (uint16_t)next[k];
			}
	} else {
		seen[from] = 1;
		stack[sp++] = (uint16_t)from;
	}
	while (sp) {
		uint32_t i = stack[--sp];
		const struct teng_op *op = &plan->ops[i];
		if (find_send) {
			if (is_send_op(op))
				return 1;
			if (op->code == TENG_OP_THINK)
				continue;
		}
		uint32_t nn = successors(plan, i, next);
		for (uint32_t k = 0; k < nn; k++)
			if (!seen[next[k]]) {
				seen[next[k]] = 1;
				stack[sp++] = (uint16_t)next[k];
			}
	}
	return 0;
}

/* Can a program have two templates in flight: a send after which another
 * send is reached without a THINK between (consecutive sends, or a loop
 * that answers pipelined requests)? Then the plan needs the send queue
 * (prog.h, PROG_SENDQ). Without it a send waits for the ACK of what is
 * in flight, as a send after a THINK that was shorter than the round
 * trip does. */
static int can_pipeline(const struct teng_plan *plan, uint32_t entry)
{
	uint8_t reach[TENG_MAX_OPS], seen[TENG_MAX_OPS];
	if (entry >= plan->nops)
		return 0;
	walk(plan, entry, 0, reach);
	for (uint32_t i = 0; i < plan->nops; i++)
		if (reach[i] && is_send_op(&plan->ops[i]) && walk(plan, i, 1, seen))
			return 1;
	return 0;
}

/* The per-TCB side tables a plan's programs need (prog_core): the
 * echo buffer index, the send queue, the step clock, the loop counters
 * and the connection number. */
struct prog_side {
	int echo, pipe, step, loop, conn;
};

static struct prog_side side_of(const struct teng_plan *plan)
{
	struct prog_side u = { 0 };
	for (uint32_t i = 0; i < plan->nops && i < TENG_MAX_OPS; i++) {
		const struct teng_op *op = &plan->ops[i];
		u.echo |= op->code == TENG_OP_SEND_ECHO ||
			  (op->code == TENG_OP_RECV && (op->flags & TENG_OPF_ECHO));
		u.step |= op->code == TENG_OP_STEP_BEGIN;
		u.loop |= op->code == TENG_OP_LOOP_INIT;
	}
	u.echo = u.echo && plan->echo_buffers && plan->echo_bytes;
	if (plan->nops > TENG_MAX_OPS)
		return u; /* prog_init refuses it (check_plan); sized before that */
	for (uint32_t i = 0; i < plan->ntemplates && i < TENG_MAX_TEMPLATES; i++)
		u.pipe |= can_pipeline(plan, plan->templates[i].prog);
	for (uint32_t i = 0; i < plan->nlisteners && i < TENG_MAX_LISTENERS; i++)
		u.pipe |= can_pipeline(plan, plan->listeners[i].prog);
	u.conn = plan->nfields > 0;
	return u;
}

uint64_t prog_side_bytes(const struct teng_plan *plan, uint64_t ntcb)
{
	struct prog_side u = side_of(plan);
	uint64_t per = (u.echo ? sizeof(uint32_t) : 0) + (u.pipe ? sizeof(struct prog_sendq) : 0) +
		       (u.step ? sizeof(uint32_t) : 0) + (u.loop ? 2 * sizeof(uint16_t) : 0) +
		       (u.conn ? sizeof(uint32_t) : 0);
	return ntcb * per;
}

static void *zalloc(size_t n, int socket)
{
	return numa_zalloc("teng_prog", n ? n : 1, socket);
}

int prog_init(struct worker *w, const struct teng_plan *plan, uint32_t ntcb,
	      char *err, size_t errlen)
{
	struct prog_core *vm = &w->prog;
	if (check_plan(plan, err, errlen) < 0)
		return -1;
	memset(vm->ops, 0, sizeof(vm->ops));
	memcpy(vm->ops, plan->ops, plan->nops * sizeof(plan->ops[0]));
	memcpy(vm->payloads, plan->payloads, sizeof(vm->payloads));
	memcpy(vm->fields, plan->fields, sizeof(vm->fields));
	/* Loops in order: an inner loop's body overwrites its outer one's. */
	for (uint32_t i = 0; i < TENG_MAX_OPS; i++)
		vm->loop_exit[i] = TENG_NO_JUMP;
	for (uint32_t i = 0; i < plan->nops; i++) {
		const struct teng_op *op = &plan->ops[i];
		if (op->code != TENG_OP_LOOP_INIT)
			continue;
		for (uint32_t k = i + 1; k + 1 < op->jump; k++)
			vm->loop_exit[k] = op->jump;
	}
	vm->nops = plan->nops;
	vm->npayloads = plan->npayloads;
	vm->seed = plan->seed;
	vm->ncores = plan->cores ? plan->cores : 1;
	vm->core = w->index;
	vm->rx_taken = vm->rx_keep = 0;

	vm->blob = numa_zalloc("teng_blob", plan->blob_len ? plan->blob_len : 1, w->socket);
	if (vm->blob == NULL)
		goto nomem;
	if (plan->blob_len)
		memcpy(vm->blob, plan->blob, plan->blob_len);
	memset(vm->psum, 0, sizeof(vm->psum));
	for (uint32_t i = 0; i < plan->npayloads; i++)
		vm->psum[i] = csum_raw(vm->blob + vm->payloads[i].off, vm->payloads[i].len);

	/* Failure tables of the payloads recvs use as delimiters. */
	uint32_t total = 0;
	struct prog_side u = side_of(plan);
	memset(vm->kmp_off, 0xff, sizeof(vm->kmp_off));
	for (uint32_t i = 0; i < plan->nops; i++) {
		const struct teng_op *op = &plan->ops[i];
		if (op->code == TENG_OP_RECV && op->mode == TENG_RECV_DELIM &&
		    vm->kmp_off[op->n] == UINT32_MAX) {
			vm->kmp_off[op->n] = total;
			total += plan->payloads[op->n].len;
		}
	}
	vm->kmp = zalloc(total * sizeof(uint16_t), w->socket);
	if (vm->kmp == NULL)
		goto nomem;
	for (uint32_t i = 0; i < plan->npayloads; i++) {
		if (vm->kmp_off[i] == UINT32_MAX) {
			vm->kmp_off[i] = 0;
			continue;
		}
		proto_delim_table(vm->blob + vm->payloads[i].off, vm->payloads[i].len,
				  vm->kmp + vm->kmp_off[i]);
	}

	vm->echo_buffers = vm->echo_bytes = vm->echo_nfree = 0;
	if (u.echo) {
		uint32_t nb = plan->echo_buffers;
		vm->echo_mem = zalloc((size_t)nb * plan->echo_bytes, w->socket);
		vm->echo_len = zalloc(nb * sizeof(uint32_t), w->socket);
		vm->echo_sent = zalloc(nb * sizeof(uint32_t), w->socket);
		vm->echo_free = zalloc(nb * sizeof(uint32_t), w->socket);
		vm->echo_of = zalloc(ntcb * sizeof(uint32_t), w->socket);
		if (!vm->echo_mem || !vm->echo_len || !vm->echo_sent ||
		    !vm->echo_free || !vm->echo_of)
			goto nomem;
		vm->echo_buffers = nb;
		vm->echo_bytes = plan->echo_bytes;
		for (uint32_t i = 0; i < nb; i++)
			vm->echo_free[i] = nb - 1 - i;
		vm->echo_nfree = nb;
	}
	if (u.pipe) {
		vm->sendq = zalloc((size_t)ntcb * sizeof(struct prog_sendq), w->socket);
		if (vm->sendq == NULL)
			goto nomem;
	}
	if (u.step) {
		vm->step_t0 = zalloc(ntcb * sizeof(uint32_t), w->socket);
		if (vm->step_t0 == NULL)
			goto nomem;
	}
	if (u.loop) {
		vm->loops = zalloc(ntcb * sizeof(vm->loops[0]), w->socket);
		if (vm->loops == NULL)
			goto nomem;
	}
	if (u.conn) {
		vm->conn_no = zalloc(ntcb * sizeof(uint32_t), w->socket);
		if (vm->conn_no == NULL)
			goto nomem;
	}
	return 0;
nomem:
	prog_fini(w);
	snprintf(err, errlen, "out of memory setting up the programs of worker %u",
		 w->index);
	return -1;
}

void prog_fini(struct worker *w)
{
	struct prog_core *vm = &w->prog;
	rte_free(vm->blob);
	rte_free(vm->kmp);
	rte_free(vm->echo_mem);
	rte_free(vm->echo_len);
	rte_free(vm->echo_sent);
	rte_free(vm->echo_free);
	rte_free(vm->echo_of);
	rte_free(vm->step_t0);
	rte_free(vm->sendq);
	rte_free(vm->loops);
	rte_free(vm->conn_no);
	vm->sendq = NULL;
	vm->loops = NULL;
	vm->conn_no = NULL;
	vm->blob = NULL;
	vm->kmp = NULL;
	vm->echo_mem = NULL;
	vm->echo_len = vm->echo_sent = vm->echo_free = vm->echo_of = NULL;
	vm->step_t0 = NULL;
	vm->echo_nfree = vm->echo_buffers = 0;
}
