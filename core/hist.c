/* SPDX-License-Identifier: BSD-3-Clause */
#include "teng/api.h"
#include "hist.h"

uint64_t hist_bucket_low(uint32_t b)
{
	if (b < 64)
		return b;
	uint32_t e = (b - 64) / 32 + 6, sub = (b - 64) % 32;
	return (1ull << e) | ((uint64_t)sub << (e - 5));
}

void hist_merge(struct teng_hist *into, const struct teng_hist *h)
{
	for (uint32_t i = 0; i < TENG_HIST_BUCKETS; i++)
		into->count[i] += h->count[i];
	into->total += h->total;
	if (h->max > into->max)
		into->max = h->max;
}

double teng_hist_percentile(const struct teng_hist *h, double p)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = (uint64_t)(p / 100.0 * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (uint32_t b = 0; b < TENG_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank) {
			/* The bucket's top, but never above the true max. */
			uint64_t hi = b + 1 < TENG_HIST_BUCKETS ?
					      hist_bucket_low(b + 1) - 1 : h->max;
			return (double)(hi < h->max ? hi : h->max);
		}
	}
	return (double)h->max;
}
