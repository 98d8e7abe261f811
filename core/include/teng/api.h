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
/* Cumulative counts at the n rising bounds le_us (microseconds): out[i]
 * counts the buckets that start at or below le_us[i] (a bucket a bound
 * falls inside counts whole: within 1/64 of the bound). For /metrics. */
void teng_hist_cumulative(const struct teng_hist *h, const double *le_us, uint32_t n,
			  uint64_t *out);
/* Record one value (tests and tools; the workers use hist.h inline). */
void teng_hist_record(struct teng_hist *h, uint64_t us);

/* Live outputs (core/live.c). Lua renders the results model once a
 * second on the main lcore and publishes it here; the /metrics server
 * (served by the main lcore while it waits) and DPDK's telemetry thread
 * read only that copy, under a lock. */
enum teng_live_cmd {
	TENG_LIVE_STATS = 0, /* /teng/stats */
	TENG_LIVE_PHASE,     /* /teng/phase */
	TENG_LIVE_WORKERS,   /* /teng/workers: one dict per worker */
	TENG_LIVE_NCMDS,
};
/* One telemetry value. key "a/b" puts b in the nested dict a (the items
 * of one nested dict next to each other); a number goes out as an
 * integer (DPDK 22.11's telemetry has no floats). */
struct teng_live_item {
	uint32_t is_str; /* the value is str, else num */
	uint32_t pad;
	double num;
	char key[64];
	char str[64];
};
/* Listen on addr:port (IPv4) for GET /metrics; -1 with the reason in
 * err (a port in use, an address that is not ours). */
int teng_live_metrics_start(const char *addr, uint16_t port, char *err, size_t errlen);
void teng_live_metrics_stop(void);
/* The body /metrics serves from now on (OpenMetrics text). */
int teng_live_publish_metrics(const char *text, size_t len);
/* What telemetry command cmd answers from now on (n items). */
int teng_live_publish_telemetry(uint32_t cmd, const struct teng_live_item *items, uint32_t n);
/* Serve /metrics for `seconds` (after the run); 1 if SIGINT or SIGTERM
 * cut it short. */
int teng_live_linger(double seconds);
/* The telemetry socket of the running EAL, or "" when telemetry is off. */
const char *teng_live_telemetry_socket(void);

const char *teng_version(void);

#endif
