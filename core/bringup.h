/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring-up of the real ports, between run.c and the workers, on the main
 * lcore before they start: wait for the links, send gratuitous ARPs for
 * teng's addresses, resolve each port's next hop into the neighbour
 * table (neigh.h). It polls every queue of each port itself and answers
 * ARP requests for teng's addresses meanwhile; no worker runs.
 */
#ifndef TENG_BRINGUP_H
#define TENG_BRINGUP_H

#include <stddef.h>
#include <stdint.h>
#include <rte_mempool.h>

#include "teng/plan.h"
#include "teng/stats.h"
#include "neigh.h"
#include "port.h"

/* nq: queues per port; pool: for the ARP frames; nworkers: the stamps
 * each entry keeps; ctr: where ARP is counted. 0, or -1 with the link
 * that stayed down or the next hop that never answered named in err. */
int bringup_run(const struct teng_plan *plan, struct port_set *ps, uint16_t nq,
		struct rte_mempool *pool, struct neigh_table *nt, uint32_t nworkers,
		struct teng_counters *ctr, char *err, size_t errlen);

#endif
