/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpus.h"

#define CPUS_MAX 1024

static int held_fd[CPUS_MAX]; /* fd + 1 of a lock we hold, 0: none */

static const char *run_dir(char *buf, size_t len)
{
	const char *d = getenv("TENG_RUN_DIR");
	if (d && *d) {
		mkdir(d, 0755);
		return d;
	}
	if (mkdir("/run/teng", 0755) == 0 || access("/run/teng", W_OK) == 0)
		return "/run/teng";
	snprintf(buf, len, "/tmp/teng-%u", (unsigned)getuid());
	mkdir(buf, 0700);
	return buf;
}

/* Claim CPU c: 1 (ours now, or already), 0 (another process holds it:
 * *pid its PID, 0 if unknown), -1 (cannot lock at all). */
/* "another teng (pid N)", or without the PID when it is not known */
static const char *who(long pid, char *buf, size_t len)
{
	if (pid > 0)
		snprintf(buf, len, "another teng (pid %ld)", pid);
	else
		snprintf(buf, len, "another teng");
	return buf;
}

static int claim(const char *dir, long c, long *pid)
{
	*pid = 0;
	if (c < 0 || c >= CPUS_MAX)
		return -1;
	if (held_fd[c])
		return 1;
	char path[512];
	snprintf(path, sizeof(path), "%s/cpu%ld.lock", dir, c);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;
		char b[32] = { 0 };
		if (busy && pread(fd, b, sizeof(b) - 1, 0) > 0)
			*pid = strtol(b, NULL, 10);
		close(fd);
		return busy ? 0 : -1;
	}
	char b[32];
	int l = snprintf(b, sizeof(b), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, b, (size_t)l, 0) != l) {
		/* the lock holds without the PID; others cannot name us */
	}
	held_fd[c] = fd + 1;
	return 1;
}

static void say(char *note, size_t len, const char *fmt, ...)
{
	size_t l = strlen(note);
	va_list ap;
	va_start(ap, fmt);
	if (l < len)
		vsnprintf(note + l, len - l, fmt, ap);
	va_end(ap);
}

/* The main lcore's CPU (cpus_place): `named` when given (>= 0), else the
 * first allowed CPU none of the n workers took, else CPU 0. */
static long cpu_of_main(long named, const cpu_set_t *allowed, const long *cpu, uint32_t n)
{
	if (named >= 0)
		return named;
	for (long c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, allowed))
			continue;
		int used = 0;
		for (uint32_t i = 0; i < n; i++)
			used |= cpu[i] == c;
		if (!used)
			return c;
	}
	return 0;
}

long cpus_place(uint32_t n, const uint16_t *want, uint32_t nwant, long *cpu, char *note,
		size_t notelen)
{
	char dbuf[64], wb[48];
	const char *dir = run_dir(dbuf, sizeof(dbuf));
	note[0] = '\0';
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (nwant) {
		for (uint32_t i = 0; i < n; i++) {
			cpu[i] = want[i % nwant];
			long pid;
			int dup = 0;
			for (uint32_t j = 0; j < i; j++)
				dup |= cpu[j] == cpu[i];
			if (!dup && claim(dir, cpu[i], &pid) == 0)
				say(note, notelen,
				    "CPU %ld also runs %s: the figures of both suffer\n",
				    cpu[i], who(pid, wb, sizeof(wb)));
		}
		return cpu_of_main(want[0], NULL, cpu, n);
	}
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		CPU_ZERO(&allowed);
		for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
			CPU_SET(c, &allowed);
	}
	for (uint32_t i = 0; i < n; i++) {
		long dflt = (long)(i + 1) % ncpu, first_pid = 0, first_cpu = -1;
		cpu[i] = -1;
		/* CPU 1 upwards, CPU 0 last, as the default order. */
		for (long k = 1; k <= ncpu && cpu[i] < 0; k++) {
			long c = k % ncpu, pid;
			if (c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))
				continue;
			int r = claim(dir, c, &pid);
			int ours = 0;
			for (uint32_t j = 0; j < i; j++)
				ours |= cpu[j] == c;
			if (r < 0) {
				cpu[i] = dflt; /* no locks here: the default, as before */
				break;
			}
			if (r == 1 && !ours)
				cpu[i] = c;
			else if (r == 0 && first_cpu < 0) {
				first_cpu = c;
				first_pid = pid;
			}
		}
		if (cpu[i] < 0) {
			cpu[i] = dflt;
			say(note, notelen,
			    "worker %ld shares CPU %ld with %s: the figures of both "
			    "suffer; --cpus places them apart\n",
			    (long)i, cpu[i], who(first_pid, wb, sizeof(wb)));
		} else if (first_cpu >= 0) {
			say(note, notelen, "CPU %ld runs %s: worker %ld is on CPU %ld\n",
			    first_cpu, who(first_pid, wb, sizeof(wb)), (long)i, cpu[i]);
		}
	}
	return cpu_of_main(-1, &allowed, cpu, n);
}

void cpus_release(void)
{
	for (int c = 0; c < CPUS_MAX; c++)
		if (held_fd[c]) {
			close(held_fd[c] - 1);
			held_fd[c] = 0;
		}
}
