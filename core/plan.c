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
	p->tcp.mss = 1460;
	p->tcp.wscale = 7;
	p->tcp.rcv_wnd = 1 << 20;
	p->tcp.idle_timeout_ms = 10000;
	p->tcp.time_wait_ms = 0;
	p->tcp.rto_ms = 200;
	p->tcp.max_retries = 8;
	p->arp_timeout_ms = 3000;
	p->max_open = 20000;
	p->drain_s = 2;
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
