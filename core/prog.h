/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program runner (the VM): a connection walks the ops of its
 * template's or listener's program. The TCP side (tcp*.c) calls in here;
 * framing of each protocol lives in its own file (proto_*.c), payload
 * rendering in payload.c. Per-core state the VM needs (its copy of the
 * ops and payloads, delimiter tables, echo buffers, step clocks, the
 * random generator) is struct prog_core, embedded in struct worker.
 */
#ifndef TENG_PROG_H
#define TENG_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "teng/plan.h"
#include "tcb.h"

struct worker;

/* Return codes of prog_step / prog_input / prog_wake. */
enum {
	PROG_OK = 0,    /* go on (possibly waiting for data, an ACK or time) */
	PROG_FAIL = -1, /* failed: t->reason says why (TF2_FAILED set) */
	PROG_RESET = 1, /* close{reset}: the TCP side sends RST, counts completed */
};

/* Per-core VM state; the VM alone reads and writes it (layout is the
 * VM's business; the TCP side only embeds it). The pure parts (payload
 * rendering, framing) take it without the worker, so unit tests can
 * build one by hand. */
struct prog_core {
	struct teng_op ops[TENG_MAX_OPS];
	struct teng_payload payloads[TENG_MAX_PAYLOADS];
	struct teng_field fields[TENG_MAX_FIELDS];
	uint32_t nops, npayloads;
	/* op index -> the op after the innermost loop around it, or
	 * TENG_NO_JUMP: where a server leaves a loop when its client closes
	 * between two messages */
	uint16_t loop_exit[TENG_MAX_OPS];
	uint8_t *blob;
	/* payload -> the raw sum (csum_raw) of its bytes, for the
	 * software TCP checksum of a segment that carries all of a payload
	 * without fields (prog_render_sum) */
	uint16_t psum[TENG_MAX_PAYLOADS];
	uint16_t *kmp;          /* delimiter failure tables, kmp_off[payload] into it */
	uint32_t kmp_off[TENG_MAX_PAYLOADS];
	/* Echo buffers: echo_buffers of echo_bytes each. echo_len: bytes a
	 * buffer holds, from its connection's tpl_seq on; echo_sent: how
	 * many of them are queued for sending (snd_end covers them). */
	uint8_t *echo_mem;
	uint32_t *echo_len;
	uint32_t *echo_sent;
	uint32_t *echo_free;    /* stack of free buffer indices */
	uint32_t echo_nfree, echo_buffers, echo_bytes;
	uint32_t *echo_of;      /* TCB index -> buffer index (TF2_ECHO) */
	uint32_t *step_t0;      /* TCB index -> step start, us tick (TF2_STEP) */
	/* TCB index -> iterations left per loop slot; NULL when the plan
	 * has no loop */
	uint16_t (*loops)[2];
	/* TCB index -> its connection number on this core (tcp.c
	 * tcb_begin), for payload fields; NULL when the plan has none */
	uint32_t *conn_no;
	uint64_t seed;          /* plan seed, for field hashes */
	uint32_t ncores, core;  /* for the connection number in the run */
	/* Set by prog_input: payload bytes a recv took, and of the rest
	 * those the program may still take later (it is sending, waiting
	 * at a full send queue, or thinking): rx_keep bytes the TCP side
	 * must not acknowledge, so that the peer sends them again. The
	 * rest (the program has ended, or waits for the peer's FIN) is
	 * acknowledged, dropped and counted in rx_unexpected. */
	uint32_t rx_taken;
	uint32_t rx_keep;
	/* Send queue (pipelined sends): TCB index -> the templates queued
	 * before t->tpl and not yet all acknowledged; NULL when no program
	 * of the plan can have two sends in flight. */
	struct prog_sendq *sendq;
};

/* Templates one connection may have in flight at once: t->tpl and up
 * to PROG_SENDQ - 1 before it in the side array. A send beyond that
 * waits for an ACK. */
#define PROG_SENDQ 8

/* The templates queued before t->tpl: template i covers sequence
 * numbers [seq[i], seq[i + 1]), the last one up to t->tpl_seq. Valid
 * only while SEQ_LT(t->snd_una, t->tpl_seq): once everything before
 * the current template is acknowledged the entry is stale, and the
 * TCB alone describes what is in flight. */
struct prog_sendq {
	uint32_t seq[PROG_SENDQ - 1];
	uint16_t tpl[PROG_SENDQ - 1];
	uint16_t req[PROG_SENDQ - 1];
	uint8_t n;
	uint8_t pad[3];
};

/* Set up from the plan once the connection table exists (pool size in
 * ntcb): 0, or -1 with a message in err. */
int prog_init(struct worker *w, const struct teng_plan *plan, uint32_t ntcb,
	      char *err, size_t errlen);
void prog_fini(struct worker *w);
/* Bytes of the per-TCB side tables prog_init allocates for ntcb TCBs. */
uint64_t prog_side_bytes(const struct teng_plan *plan, uint64_t ntcb);

/* A new connection starts its program at op pc (called by tcp_connect /
 * tcp_accept on a zeroed TCB, before the handshake completes). */
void prog_start(struct worker *w, struct tcb *t, uint16_t pc);
/* Run ops that need no input (sends, closes, loops, think, ...). */
int prog_step(struct worker *w, struct tcb *t);
/* In-order payload for the program. prog.rx_taken says how many bytes
 * a recv took; prog.rx_keep how many of the rest the program may still
 * want (it is sending or thinking): the TCP side does not acknowledge
 * those. Bytes after the program's end (or while it waits for the FIN)
 * are counted in rx_unexpected and may be acknowledged. */
int prog_input(struct worker *w, struct tcb *t, const uint8_t *p, uint32_t n);
/* The connection's timer reached t->wake_ms (TF2_THINKING or
 * TF2_DEADLINE): wake up, or fail with TENG_REASON_RECV_TIMEOUT. */
int prog_wake(struct worker *w, struct tcb *t);
/* The connection is being freed: give back what it holds. */
void prog_release(struct worker *w, struct tcb *t);

/* Bytes [off, off + len) of what the connection is sending (t->tpl:
 * a payload with its fields filled for t->conn and t->tpl_req, the
 * bulk pattern, or the echo buffer); off counts from t->tpl_seq, as a
 * 32-bit sequence difference: "negative" (seq before t->tpl_seq) means
 * bytes of the templates queued before it (the send queue), and a range
 * may cross template boundaries. Used for first sends and
 * retransmissions alike. */
void prog_render(struct worker *w, const struct tcb *t, uint32_t off,
		 uint32_t len, uint8_t *dst);
/* prog_render, and 1 when *sum is the raw sum (csum_raw) of the
 * bytes rendered, known without summing them: a whole payload without
 * fields. 0 otherwise (*sum untouched). */
int prog_render_sum(struct worker *w, const struct tcb *t, uint32_t off,
		    uint32_t len, uint8_t *dst, uint16_t *sum);

/* The program waits at a send for room in its send queue (only with a
 * send queue, w->prog.sendq): an ACK that moved snd_una should step it. */
int prog_send_waits(const struct worker *w, const struct tcb *t);

/* Called by the VM, implemented by the TCP side (tcp.c): */
/* the connection wants its timer at t->wake_ms at the latest */
void tcp_wake_at(struct worker *w, struct tcb *t);
/* the program reached its end (transaction latency, counters) */
void tcp_prog_done(struct worker *w, struct tcb *t);

#endif
