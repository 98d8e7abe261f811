/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-connection records (--records FILE): one JSON line per connection
 * with its four-tuple, template or listener, the time of each step, the
 * outcome and the reason.
 *
 * A worker decides at a connection's start whether it is recorded (1 in
 * `sample` of each role's connections, then while the run's shared count
 * of records taken is below the cap), keeps the record in progress in a
 * side table keyed by the TCB's index (struct rec_live; the TCB does not
 * grow), and when the outcome is counted puts a fixed-size record
 * (struct rec_entry) into its own single-producer, single-consumer ring.
 * A full ring drops the record and counts it: the worker never waits.
 * The main lcore drains every ring in batches while it waits between
 * snapshots (run.c) and writes the lines; nothing here allocates, locks
 * or calls Lua on a worker. With records off, w->rec is NULL and every
 * hook is that one test.
 */
#ifndef TENG_RECORDS_H
#define TENG_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <rte_ring.h>

#include "teng/plan.h"
#include "tcb.h"

#define REC_NONE UINT32_MAX /* a step not reached */
#define REC_RING 16384      /* records a worker's ring holds (2^k) */
#define REC_BATCH 64        /* records the main lcore takes off a ring at once */
#define REC_DEFAULT_CAP 100000

/* In progress, per TCB index: 32 bytes. Step times are microseconds
 * after t_open (the low 32 bits of t_open are the worker's now_us then,
 * so a step's is now_us - (uint32_t)t_open, wrap-safe). */
struct rec_live {
	uint64_t t_open; /* us since the run's start: SYN sent or received */
	uint32_t est;    /* established */
	uint32_t sent;   /* first payload byte sent */
	uint32_t rcvd;   /* first payload byte received */
	uint32_t done;   /* the program reached its end */
	uint32_t conn;   /* connection number on its worker */
	uint8_t on;      /* this connection is recorded */
	uint8_t pad[3];
};

/* A finished record, as it goes through the ring: 64 bytes. */
struct rec_entry {
	uint64_t t_open;
	uint32_t est, sent, rcvd, done, end; /* us after t_open; REC_NONE: not reached */
	uint32_t lip, rip;                   /* network order, as on the wire */
	uint16_t lport, rport;
	uint32_t conn;                       /* connection number on its worker */
	uint8_t role;                        /* enum tcb_role */
	uint8_t group;                       /* template or listener index */
	uint8_t phase;                       /* phase it opened in */
	uint8_t ok;                          /* completed */
	uint8_t reason;                      /* failed: enum teng_reason or a named one */
	uint8_t worker;
	uint16_t pad;
	uint32_t pad2[3];
};
_Static_assert(sizeof(struct rec_entry) == 64, "a record is 64 bytes");
_Static_assert(sizeof(struct rec_live) == 32, "a record in progress is 32 bytes");

/* Shared by the workers of a run: how many records were taken (may run
 * past the cap; only its comparison counts). Its own cache line. */
struct rec_shared {
	uint64_t taken;
} __attribute__((aligned(64)));

/* One worker's side. */
struct rec_worker {
	struct rec_live *live;   /* TCB index -> record in progress */
	struct rte_ring *ring;   /* to the main lcore (SP/SC, elements of struct rec_entry) */
	struct rec_shared *shared;
	uint64_t cap;            /* records in the whole run at most; 0: no cap */
	uint32_t sample;         /* 1 in `sample` connections of each role */
	uint32_t skip[2];        /* per role: connections to pass before the next sampled one */
	uint64_t dropped;        /* records lost to a full ring */
	uint64_t enqueued;
	uint32_t size;           /* entries of live */
	uint8_t worker;          /* its index, for the record */
};

/* Set up r over live (size entries, zeroed by the caller) and ring. */
void rec_worker_setup(struct rec_worker *r, struct rec_live *live, uint32_t size,
		      struct rte_ring *ring, struct rec_shared *shared, uint64_t cap,
		      uint32_t sample, uint8_t worker);

/* Sampling, then the cap: whether the connection starting now on role
 * is recorded. Once per connection, never per packet. */
static inline int rec_take(struct rec_worker *r, unsigned role)
{
	if (r->skip[role] != 0) {
		r->skip[role]--;
		return 0;
	}
	r->skip[role] = r->sample > 1 ? r->sample - 1 : 0;
	if (r->cap != 0) {
		if (__atomic_load_n(&r->shared->taken, __ATOMIC_RELAXED) >= r->cap)
			return 0;
		if (__atomic_fetch_add(&r->shared->taken, 1, __ATOMIC_RELAXED) >= r->cap)
			return 0;
	}
	return 1;
}

/* Connection number conn opened (SYN sent, or SYN received) on TCB id
 * at t_us (us since the run's start). */
static inline void rec_open(struct rec_worker *r, uint32_t id, unsigned role, uint64_t t_us,
			    uint32_t conn)
{
	struct rec_live *e = &r->live[id];
	e->on = (uint8_t)rec_take(r, role);
	if (!e->on)
		return;
	e->t_open = t_us;
	e->conn = conn;
	e->est = e->sent = e->rcvd = e->done = REC_NONE;
}

static inline uint32_t rec_since(const struct rec_live *e, uint32_t now_us)
{
	uint32_t d = now_us - (uint32_t)e->t_open;
	return d == REC_NONE ? REC_NONE - 1 : d;
}

/* A step reached: the first time counts. */
static inline void rec_step(struct rec_worker *r, uint32_t id, size_t field, uint32_t now_us)
{
	struct rec_live *e = &r->live[id];
	if (!e->on)
		return;
	uint32_t *f = (uint32_t *)((char *)e + field);
	if (*f == REC_NONE)
		*f = rec_since(e, now_us);
}
#define REC_EST offsetof(struct rec_live, est)
#define REC_SENT offsetof(struct rec_live, sent)
#define REC_RCVD offsetof(struct rec_live, rcvd)
#define REC_DONE offsetof(struct rec_live, done)

/* The outcome was counted: hand the record to the main lcore, or count
 * it dropped when the ring is full. */
void rec_close(struct rec_worker *r, uint32_t id, const struct tcb *t, int ok, uint8_t reason,
	       uint32_t now_us);

/* The main lcore's side: the file and the names a line carries. */
struct rec_writer {
	FILE *f;
	uint64_t written;
	int error;  /* errno of the first failed write; 0: none */
	uint64_t cap;
	uint32_t sample;
	uint32_t nphases, nreasons;
	char tpl[TENG_MAX_TEMPLATES][TENG_GROUP_NAME_LEN];
	char lst[TENG_MAX_LISTENERS][TENG_GROUP_NAME_LEN];
	char phase[TENG_MAX_PHASES][32];
	char reason[TENG_MAX_REASONS][TENG_GROUP_NAME_LEN];
};

/* The names from the plan (a missing one as "templateN", "reasonN", ...). */
void rec_writer_names(struct rec_writer *wr, const struct teng_plan *plan);
/* One record as a JSON line (with its "\n") into buf; its length. */
size_t rec_format(const struct rec_writer *wr, const struct rec_entry *e, char *buf, size_t len);
/* Take what a ring holds, in batches, and write it. Records taken. */
uint32_t rec_drain(struct rec_writer *wr, struct rte_ring *ring);

#endif
