/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TENG_HIST_H
#define TENG_HIST_H

#include <stdint.h>
#include "teng/stats.h"

static inline uint32_t hist_bucket(uint64_t v)
{
	if (v < 64)
		return (uint32_t)v;
	uint32_t e = 63 - (uint32_t)__builtin_clzll(v); /* >= 6 */
	uint32_t b = 64 + (e - 6) * 32 + (uint32_t)((v >> (e - 5)) & 31);
	return b < TENG_HIST_BUCKETS ? b : TENG_HIST_BUCKETS - 1;
}

/* Smallest value that lands in bucket b. */
uint64_t hist_bucket_low(uint32_t b);

static inline void hist_add(struct teng_hist *h, uint32_t v)
{
	h->count[hist_bucket(v)]++;
	h->total++;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct teng_hist *into, const struct teng_hist *h);

#endif
