/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TENG_EAL_H
#define TENG_EAL_H

#include <stddef.h>
#include "teng/plan.h"

/* Start DPDK's EAL for `plan`: the main lcore plus plan->cores workers,
 * hugepages when the machine has them, --no-huge otherwise (said once),
 * no device probing beyond what the ports name. 0, or -1 with err. */
int eal_start(const struct teng_plan *plan, char *err, size_t errlen);
void eal_stop(void);

#endif
