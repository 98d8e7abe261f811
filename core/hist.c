/* SPDX-License-Identifier: BSD-3-Clause */
#include "teng/api.h"
#include "hist.h"

uint64_t hist_bucket_low(uint32_t b)
{
	if (b < TENG_HIST_LINEAR)
		return b;
	uint32_t e = (b - TENG_HIST_LINEAR) / 64 + 7, sub = (b - TENG_HIST_LINEAR) % 64;
	return (1ull << e) | ((uint64_t)sub << (e - TENG_HIST_SUB_BITS));
}

void hist_merge(struct teng_hist *into, const struct teng_hist *h)
{
	if (h->total == 0)
		return;
	/* The total is the buckets' sum, not h->total: a worker writing h
	 * while the main lcore copies it may have bumped one and not yet
	 * the other, and a snapshot whose buckets add up to more than its
	 * total is not a histogram (a strict OpenMetrics parser refuses
	 * it). */
	uint64_t total = 0;
	for (uint32_t i = 0; i < TENG_HIST_BUCKETS; i++) {
		into->count[i] += h->count[i];
		total += h->count[i];
	}
	into->total += total;
	into->sum += h->sum;
	if (h->max > into->max)
		into->max = h->max;
}

void teng_hist_record(struct teng_hist *h, uint64_t us)
{
	hist_add(h, us);
}

double teng_hist_percentile(const struct teng_hist *h, double p)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = (uint64_t)(p / 100.0 * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->total)
		rank = h->total;
	uint64_t seen = 0;
	for (uint32_t b = 0; b < TENG_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen < rank)
			continue;
		/* Exact below the linear range; above, the bucket's midpoint
		 * (within 1/128 of any value in it), never above the max. */
		if (b < TENG_HIST_LINEAR)
			return (double)b < (double)h->max ? (double)b : (double)h->max;
		uint64_t lo = hist_bucket_low(b);
		double mid = b + 1 < TENG_HIST_BUCKETS ?
				     ((double)lo + (double)(hist_bucket_low(b + 1) - 1)) / 2 :
				     (double)h->max;
		return mid < (double)h->max ? mid : (double)h->max;
	}
	return (double)h->max;
}

void teng_hist_cumulative(const struct teng_hist *h, const double *le_us, uint32_t n,
			  uint64_t *out)
{
	uint32_t b = 0;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		/* Every bucket that starts at or below the bound: a bucket
		 * the bound falls inside counts whole (within 1/64). */
		while (b < TENG_HIST_BUCKETS && (double)hist_bucket_low(b) <= le_us[i])
			seen += h->count[b++];
		out[i] = seen;
	}
}
