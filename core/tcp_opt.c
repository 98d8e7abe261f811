/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "tcp_opt.h"

/* The next option of p[0, len) at or after *i, NOPs skipped: 1 with its
 * kind and length (at least 2, within len; the caller advances *i by
 * it), 0 at the end of the list (EOL or len), -1 when malformed. Nothing
 * at or past p[len] is read. */
static inline int opt_next(const uint8_t *p, uint32_t len, uint32_t *i, uint8_t *kind,
			   uint8_t *olen)
{
	while (*i < len && p[*i] == TCPOPT_NOP)
		(*i)++;
	if (*i >= len || p[*i] == TCPOPT_EOL)
		return 0;
	if (*i + 1 >= len)
		return -1;
	*kind = p[*i];
	*olen = p[*i + 1];
	if (*olen < 2 || *olen > len - *i)
		return -1;
	return 1;
}

int tcp_opt_check(const uint8_t *p, uint32_t len)
{
	/* Only the list's shape (opt_next). */
	uint32_t i = 0;
	uint8_t kind, olen;
	int r;
	while ((r = opt_next(p, len, &i, &kind, &olen)) > 0)
		i += olen;
	return r;
}

static inline uint32_t get32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static inline void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

int tcp_opt_parse(const uint8_t *p, uint32_t len, struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	uint32_t i = 0;
	uint8_t kind, olen;
	int r;
	while ((r = opt_next(p, len, &i, &kind, &olen)) > 0) {
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (olen != 4)
				return -1;
			o->mss = (uint16_t)(v[0] << 8 | v[1]);
			o->has_mss = 1;
			break;
		case TCPOPT_WSCALE:
			if (olen != 3)
				return -1;
			o->wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
			o->has_wscale = 1;
			break;
		case TCPOPT_SACK_OK:
			if (olen != 2)
				return -1;
			o->sack_ok = 1;
			break;
		case TCPOPT_SACK: {
			uint32_t n = (olen - 2u) / 8;
			if (olen != 2 + 8 * n || n == 0 || n > TCP_SACK_MAX)
				return -1;
			for (uint32_t k = 0; k < n; k++, v += 8) {
				o->sack_lo[k] = get32(v);
				o->sack_hi[k] = get32(v + 4);
			}
			o->nsack = (uint8_t)n;
			break;
		}
		case TCPOPT_TS:
			if (olen != 10)
				return -1;
			o->ts_val = (uint32_t)v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
			o->ts_ecr = (uint32_t)v[4] << 24 | v[5] << 16 | v[6] << 8 | v[7];
			o->has_ts = 1;
			break;
		default:
			break;
		}
		i += olen;
	}
	return r;
}

uint32_t tcp_opt_build_syn(uint8_t *p, uint16_t mss, int wscale)
{
	p[0] = TCPOPT_MSS;
	p[1] = 4;
	p[2] = (uint8_t)(mss >> 8);
	p[3] = (uint8_t)mss;
	if (wscale < 0)
		return 4;
	p[4] = TCPOPT_NOP;
	p[5] = TCPOPT_WSCALE;
	p[6] = 3;
	p[7] = (uint8_t)wscale;
	return 8;
}

uint32_t tcp_opt_build_syn_sack(uint8_t *p, uint16_t mss, int wscale, int ts, uint32_t val,
				uint32_t ecr)
{
	uint32_t i = 4;
	p[0] = TCPOPT_MSS;
	p[1] = 4;
	p[2] = (uint8_t)(mss >> 8);
	p[3] = (uint8_t)mss;
	if (ts) {
		p[i++] = TCPOPT_SACK_OK;
		p[i++] = 2;
		p[i++] = TCPOPT_TS;
		p[i++] = 10;
		put32(p + i, val);
		put32(p + i + 4, ecr);
		i += 8;
	} else {
		p[i++] = TCPOPT_NOP;
		p[i++] = TCPOPT_NOP;
		p[i++] = TCPOPT_SACK_OK;
		p[i++] = 2;
	}
	if (wscale >= 0) {
		p[i++] = TCPOPT_NOP;
		p[i++] = TCPOPT_WSCALE;
		p[i++] = 3;
		p[i++] = (uint8_t)wscale;
	}
	return i;
}

uint32_t tcp_opt_build_sack(uint8_t *p, const uint32_t *lo, const uint32_t *hi, uint32_t n)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_SACK;
	p[3] = (uint8_t)(2 + 8 * n);
	for (uint32_t k = 0; k < n; k++) {
		put32(p + 4 + 8 * k, lo[k]);
		put32(p + 8 + 8 * k, hi[k]);
	}
	return 4 + 8 * n;
}
