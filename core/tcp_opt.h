/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options: parse what a segment carries, build what a SYN sends. */
#ifndef TENG_TCP_OPT_H
#define TENG_TCP_OPT_H

#include <stdint.h>

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_OK = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8,
	TCP_MAX_WSCALE = 14, /* RFC 7323 2.3 */
	TCP_SACK_MAX = 4,    /* blocks in one option (RFC 2018 3: 40 option bytes) */
};

struct tcp_opts {
	uint16_t mss;
	uint8_t wscale;
	uint8_t has_mss : 1, has_wscale : 1, sack_ok : 1, has_ts : 1;
	uint8_t nsack;       /* SACK blocks (RFC 2018 3), host order */
	uint32_t ts_val, ts_ecr;
	uint32_t sack_lo[TCP_SACK_MAX], sack_hi[TCP_SACK_MAX];
};

/* Check the shape of len bytes of options, as every arriving segment's
 * are (worker_rx.c): 0, or -1 when an option other than EOL and NOP has a
 * length of 0 or 1, lacks its length byte or runs past len. Unknown
 * kinds and wrong lengths of known ones are not errors here: the first
 * are skipped, the second make tcp_opt_parse ignore the options. */
int tcp_opt_check(const uint8_t *p, uint32_t len);
/* The same, with the list nearly every segment carries once timestamps
 * are on (NOP, NOP, TS: RFC 7323 appendix A) taken without the walk. */
static inline int tcp_opt_check_fast(const uint8_t *p, uint32_t len)
{
	if (len == 12 && p[0] == TCPOPT_NOP && p[1] == TCPOPT_NOP && p[2] == TCPOPT_TS &&
	    p[3] == 10)
		return 0; /* well formed */
	return tcp_opt_check(p, len);
}

/* Parse len bytes of options. Returns 0, or -1 when an option is
 * malformed (bad length, runs past the header; a SACK option's length
 * must be 2 + 8n, n 1 to 4). Unknown options are skipped; a window
 * shift above 14 is taken as 14 (RFC 7323). SACK blocks are taken as
 * sent: the caller checks them against its send window. */
int tcp_opt_parse(const uint8_t *p, uint32_t len, struct tcp_opts *o);

/* Write the options of a SYN or SYN-ACK: MSS, and window scale when
 * wscale >= 0. Returns the length written, a multiple of 4 (<= 8). */
uint32_t tcp_opt_build_syn(uint8_t *p, uint16_t mss, int wscale);

/* The same with SACK-permitted, and timestamps (TSval val, TSecr ecr)
 * when ts, in Linux's layout: MSS, SACK-permitted, timestamps, NOP,
 * window scale (20 bytes; 16 without window scale); without timestamps
 * MSS, NOP, NOP, SACK-permitted, NOP, window scale (12; 8). */
uint32_t tcp_opt_build_syn_sack(uint8_t *p, uint16_t mss, int wscale, int ts, uint32_t val,
				uint32_t ecr);

/* Write a SACK option of n blocks (1 to 4), host order in, after two
 * NOPs: 4 + 8n bytes. */
uint32_t tcp_opt_build_sack(uint8_t *p, const uint32_t *lo, const uint32_t *hi, uint32_t n);

#endif
