/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The functions Lua calls through the FFI. The teng binary exports them
 * (linked with -rdynamic), so ffi.C finds them.
 */
#ifndef TENG_API_H
#define TENG_API_H

#include <stddef.h>
#include <stdint.h>
#include "teng/plan.h"
#include "teng/stats.h"

struct teng_run;

/* Plan memory is owned by C. */
struct teng_plan *teng_plan_new(void);
void teng_plan_free(struct teng_plan *plan);
/* (Re)allocate the payload blob; returns NULL when out of memory. */
uint8_t *teng_plan_blob(struct teng_plan *plan, uint32_t len);

/* Start EAL, ports and workers; NULL on an environment error, with the
 * reason in err. The first phase starts when this returns. */
struct teng_run *teng_run_start(const struct teng_plan *plan, char *err,
				size_t errlen);
/* Sleep until `until_s` seconds after the start; returns 1 if SIGINT or
 * SIGTERM arrived (now or earlier), else 0. */
int teng_run_wait(struct teng_run *run, double until_s);
void teng_run_snapshot(struct teng_run *run, struct teng_snapshot *out);
/* Stop opening connections, let open ones finish for up to drain_s,
 * reset the rest, stop the workers and close the ports. The final
 * snapshot stays readable until teng_run_free. */
void teng_run_finish(struct teng_run *run, double drain_s);
void teng_run_free(struct teng_run *run);

/* --records FILE: open FILE for writing (created or truncated) before
 * the run starts; the descriptor for plan.records_fd, or -1 with the
 * reason in err. */
int teng_records_open(const char *path, char *err, size_t errlen);
/* What the records writer did so far (after teng_run_finish: all). */
void teng_run_records(struct teng_run *run, struct teng_records_stats *out);

/* Percentile p in [0, 100] of a latency histogram, in microseconds:
 * the midpoint of the bucket holding that rank, never above the max. */
double teng_hist_percentile(const struct teng_hist *h, double p);
/* Record one value (tests and tools; the workers use hist.h inline). */
void teng_hist_record(struct teng_hist *h, uint64_t us);

const char *teng_version(void);

#endif
