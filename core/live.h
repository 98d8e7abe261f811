/* SPDX-License-Identifier: BSD-3-Clause */
/* The live outputs (live.c), as the run sees them; the API Lua calls is
 * in teng/api.h (teng_live_*). Main lcore only. */
#ifndef TENG_LIVE_H
#define TENG_LIVE_H

/* Sleep up to `seconds`, serving /metrics meanwhile when it is on. */
void live_sleep(double seconds);
/* After rte_eal_init: register the telemetry commands (once a process)
 * and find the telemetry socket. */
void live_telemetry_init(void);

#endif
