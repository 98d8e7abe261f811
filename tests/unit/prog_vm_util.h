/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM driven directly, below TCP: a worker set up from a plan (DPDK's
 * EAL, --no-huge, no ports), TCBs made by hand, prog_step / prog_input /
 * prog_wake called as the TCP side would, and what the connection would
 * send read back through prog_render.
 */
#ifndef TENG_TEST_PROG_VM_UTIL_H
#define TENG_TEST_PROG_VM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "teng/api.h"
#include "payload.h"
#include "tcp.h"

#pragma GCC diagnostic ignored "-Wunused-function"

#define O(c, ...) { .code = TENG_OP_##c, __VA_ARGS__ }
/* a recv that fails (no jump) */
#define R(m, ...) { .code = TENG_OP_RECV, .mode = TENG_RECV_##m, .jump = TENG_NO_JUMP, __VA_ARGS__ }

static struct teng_plan *P;
static struct worker *W;
static struct worker_ctl CTL;

static uint32_t pl_payload(const void *s, uint32_t len)
{
	uint32_t off = P->blob_len;
	uint8_t *b = teng_plan_blob(P, off + len);
	assert_non_null(b);
	memcpy(b + off, s, len);
	P->payloads[P->npayloads].off = off;
	P->payloads[P->npayloads].len = len;
	return P->npayloads++;
}

static uint32_t pl_str(const char *s)
{
	return pl_payload(s, (uint32_t)strlen(s));
}

static void pl_field(uint32_t id, uint32_t off, uint8_t kind, uint16_t width)
{
	struct teng_payload *p = &P->payloads[id];
	if (p->nfields == 0)
		p->field0 = (uint16_t)P->nfields;
	struct teng_field *f = &P->fields[P->nfields++];
	f->off = off;
	f->kind = kind;
	f->width = width;
	p->nfields++;
}

static uint16_t pl_ops(const struct teng_op *ops, uint32_t n)
{
	uint32_t first = P->nops;
	memcpy(&P->ops[first], ops, n * sizeof(*ops));
	P->nops += n;
	return (uint16_t)first;
}
#define PROG(...)                                                       \
	({                                                              \
		const struct teng_op o_[] = { __VA_ARGS__ };            \
		pl_ops(o_, sizeof(o_) / sizeof(o_[0]));                 \
	})

static void plan_begin(void)
{
	P = teng_plan_new();
	assert_non_null(P);
	P->cores = 2; /* connection numbers in the run: conn * 2 */
	P->max_open = 16;
	P->client_enabled = P->server_enabled = 0;
}

static void vm_up(void)
{
	char err[160];
	W = rte_zmalloc("test_worker", sizeof(*W), RTE_CACHE_LINE_SIZE);
	assert_non_null(W);
	memset(&CTL, 0, sizeof(CTL));
	CTL.hz = rte_get_tsc_hz();
	W->ctl = &CTL;
	if (worker_init(W, P, 1, rte_lcore_id(), &CTL, err, sizeof(err)) < 0)
		fail_msg("worker_init: %s", err);
	W->now_ms = 1000;
	W->now_us = 1000000;
}

/* A plan worker_init must refuse, with a message containing what. */
static void vm_refused(const char *what)
{
	char err[160] = "";
	W = rte_zmalloc("test_worker", sizeof(*W), RTE_CACHE_LINE_SIZE);
	assert_non_null(W);
	CTL.hz = rte_get_tsc_hz();
	assert_int_equal(worker_init(W, P, 0, rte_lcore_id(), &CTL, err, sizeof(err)), -1);
	if (strstr(err, what) == NULL)
		fail_msg("'%s' does not say '%s'", err, what);
	worker_fini(W);
	rte_free(W);
	W = NULL;
	teng_plan_free(P);
	P = NULL;
}

static struct tcb *conn_new(uint8_t role, uint16_t pc, uint32_t conn)
{
	uint32_t id = conn_alloc(&W->ct);
	assert_int_not_equal(id, TCB_NIL);
	struct tcb *t = tcb_of(W, id);
	t->role = role;
	t->state = TCP_ESTABLISHED;
	t->lip = htonl(0x0a000001);
	t->lport = htons(1234);
	t->rip = htonl(0x0a000102);
	t->rport = htons(80);
	t->snd_una = t->snd_nxt = t->snd_max = t->snd_end = 5000;
	if (W->prog.conn_no != NULL) /* a plan with fields */
		W->prog.conn_no[id] = conn;
	prog_start(W, t, pc);
	return t;
}

static void conn_end(struct tcb *t)
{
	uint32_t id = tcb_id(W, t);
	timer_cancel(&W->tw, id);
	prog_release(W, t);
	conn_free(&W->ct, id);
}

static void vm_down(void)
{
	worker_fini(W);
	rte_free(W);
	W = NULL;
	teng_plan_free(P);
	P = NULL;
}

static int input(struct tcb *t, const char *s)
{
	return prog_input(W, t, (const uint8_t *)s, (uint32_t)strlen(s));
}

/* What the connection has queued and not yet had acknowledged. */
static uint32_t queued(struct tcb *t, char *out)
{
	uint32_t n = t->snd_end - t->snd_una;
	prog_render(W, t, t->snd_una - t->tpl_seq, n, (uint8_t *)out);
	out[n] = 0;
	return n;
}

static void ack(struct tcb *t)
{
	t->snd_una = t->snd_nxt = t->snd_max = t->snd_end;
}

static int eal_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=tvm%d", (int)getpid());
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-telemetry", prefix, "--no-shconf", "-l", "0",
			 "--log-level=*:error", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

#define VM_MAIN(tests)                                                  \
	do {                                                            \
		if (eal_init() < 0) {                                   \
			fprintf(stderr, "rte_eal_init failed\n");       \
			return 1;                                       \
		}                                                       \
		int rc_ = cmocka_run_group_tests(tests, NULL, NULL);    \
		rte_eal_cleanup();                                      \
		return rc_;                                             \
	} while (0)

#endif
