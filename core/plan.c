/* SPDX-License-Identifier: BSD-3-Clause */
/* Plan memory: owned by C, filled by Lua. */
#include <stdlib.h>
#include <string.h>

#include "teng/api.h"

struct teng_plan *teng_plan_new(void)
{
	struct teng_plan *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->cores = 1;
	p->client_enabled = 1;
	p->server_enabled = 1;
	p->seed = TENG_DEFAULT_SEED;
	p->tcp.mss = TENG_DEFAULT_MSS;
	p->tcp.wscale = TENG_DEFAULT_WSCALE;
	p->tcp.rcv_wnd = TENG_DEFAULT_RCV_WND;
	p->tcp.idle_timeout_ms = TENG_DEFAULT_IDLE_TIMEOUT_MS;
	p->tcp.time_wait_ms = TENG_DEFAULT_TIME_WAIT_MS;
	p->tcp.rto_ms = TENG_DEFAULT_RTO_MS;
	p->tcp.max_retries = TENG_DEFAULT_MAX_RETRIES;
	p->tcp.rto_min_ms = TENG_DEFAULT_RTO_MIN_MS;
	p->tcp.rto_max_ms = TENG_DEFAULT_RTO_MAX_MS;
	p->tcp.syn_retries = TENG_DEFAULT_SYN_RETRIES;
	p->tcp.init_cwnd = TENG_DEFAULT_INIT_CWND;
	p->arp_timeout_ms = TENG_DEFAULT_ARP_TIMEOUT_MS;
	p->max_open = TENG_DEFAULT_MAX_OPEN;
	p->drain_s = TENG_DEFAULT_DRAIN_MS / 1000.0;
	p->echo_bytes = TENG_DEFAULT_ECHO_BYTES;
	p->echo_buffers = TENG_DEFAULT_ECHO_BUFFERS;
	p->quiet_eal = 1;
	return p;
}

void teng_plan_free(struct teng_plan *p)
{
	if (p == NULL)
		return;
	free(p->blob);
	free(p);
}

uint8_t *teng_plan_blob(struct teng_plan *p, uint32_t len)
{
	uint8_t *b = realloc(p->blob, len ? len : 1);
	if (b == NULL)
		return NULL;
	p->blob = b;
	p->blob_len = len;
	return b;
}
