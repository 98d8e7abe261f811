/* SPDX-License-Identifier: BSD-3-Clause */
/* Pieces of the run's start-up (run.c) that tests drive on their own. */
#ifndef TENG_RUN_H
#define TENG_RUN_H

#include <stddef.h>
#include <stdint.h>

struct rte_mempool;
struct teng_plan;
struct tuple_mode;
struct worker;
struct worker_ctl;

/* Worker `index` on lcore: its NUMA socket (numa_worker_socket over the
 * ports' devices, a mismatch said on stderr), then its mbuf pool, its
 * struct worker and every table worker_init makes, all from that socket
 * (numa_ops). *pool and *w are set as soon as each exists, so that the
 * caller frees them on failure too. 0, or -1 with the reason in err. */
int run_worker_place(const struct teng_plan *plan, uint32_t index, unsigned lcore,
		     const uint16_t *devs, const char *const *names, uint32_t ndevs,
		     struct worker_ctl *ctl, const struct tuple_mode *mode,
		     struct rte_mempool **pool, struct worker **w, char *err, size_t errlen);

#endif
