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
	TCPOPT_TS = 8,
	TCP_MAX_WSCALE = 14, /* RFC 7323 2.3 */
};

struct tcp_opts {
	uint16_t mss;
	uint8_t wscale;
	uint8_t has_mss : 1, has_wscale : 1, sack_ok : 1, has_ts : 1;
	uint32_t ts_val, ts_ecr;
};

/* Check the shape of len bytes of options, as every arriving segment's
 * are (worker.c): 0, or -1 when an option other than EOL and NOP has a
 * length of 0 or 1, lacks its length byte or runs past len. Unknown
 * kinds and wrong lengths of known ones are not errors here: the first
 * are skipped, the second make tcp_opt_parse ignore the options. */
int tcp_opt_check(const uint8_t *p, uint32_t len);

/* Parse len bytes of options. Returns 0, or -1 when an option is
 * malformed (bad length, runs past the header). Unknown options are
 * skipped; a window shift above 14 is taken as 14 (RFC 7323). */
int tcp_opt_parse(const uint8_t *p, uint32_t len, struct tcp_opts *o);

/* Write the options of a SYN or SYN-ACK: MSS, and window scale when
 * wscale >= 0. Returns the length written, a multiple of 4 (<= 8). */
uint32_t tcp_opt_build_syn(uint8_t *p, uint16_t mss, int wscale);

#endif
