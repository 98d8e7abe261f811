/* SPDX-License-Identifier: BSD-3-Clause */
/* Latency histograms (see teng_hist in stats.h for the bucket layout). */
#ifndef TENG_HIST_H
#define TENG_HIST_H

#include <stdint.h>
#include "teng/stats.h"

static inline uint32_t hist_bucket(uint64_t v)
{
	if (v < TENG_HIST_LINEAR)
		return (uint32_t)v;
	uint32_t e = 63 - (uint32_t)__builtin_clzll(v); /* >= 7 */
	uint64_t b = TENG_HIST_LINEAR + (uint64_t)(e - 7) * 64 +
		     ((v >> (e - TENG_HIST_SUB_BITS)) & 63);
	return b < TENG_HIST_BUCKETS ? (uint32_t)b : TENG_HIST_BUCKETS - 1;
}

/* Smallest value that lands in bucket b. */
uint64_t hist_bucket_low(uint32_t b);

static inline void hist_add(struct teng_hist *h, uint64_t v)
{
	h->count[hist_bucket(v)]++;
	h->total++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct teng_hist *into, const struct teng_hist *h);

#endif
