/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TENG_CPUS_H
#define TENG_CPUS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where the workers run. Each teng process claims the CPUs of its
 * workers with an advisory lock per CPU (flock on DIR/cpuN.lock, which
 * holds the owner's PID and is released when the process ends), so
 * that two processes on one machine do not both put their first worker
 * on CPU 1:
 *
 *  - without --cpus, worker i takes the first CPU it may run on, from
 *    CPU 1 upwards and CPU 0 last, that no other teng holds; when every
 *    CPU is held, it takes the default (CPU i) and says that it shares
 *    it, with whom;
 *  - with --cpus, the CPUs are the ones named; one another teng holds
 *    is said, once per CPU.
 *
 * DIR is $TENG_RUN_DIR, else /run/teng when it can be made, else
 * /tmp/teng-UID. What cannot be locked (no directory) is not a reason to
 * stop: placement falls back to the default, silently.
 */

/* Place n workers: cpu[i] for worker i (0-based). `want` lists the
 * CPUs asked for (nwant 0: choose). Messages for the user go to note
 * (lines, possibly empty). Returns the main lcore's CPU: the first one
 * named, else the first CPU it may run on that no worker took (else
 * CPU 0). It mostly sleeps, but EAL's interrupt and control threads go
 * with it, and they handle a device's control events (a memif peer
 * leaving): a worker preempted by them while polling widens the
 * driver's races. */
long cpus_place(uint32_t n, const uint16_t *want, uint32_t nwant, long *cpu, char *note,
		size_t notelen);

/* Give back every claim of this process (eal_stop). */
void cpus_release(void);

#endif
