/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include "cpus.h"
#include "eal.h"
#include "port.h"
#include "worker.h"

static int eal_up, capture_up;
static char prefix[32]; /* --file-prefix */

/* Removes the files in dir whose names begin with what (and dir itself
 * when rmdir_too and it is then empty). */
static void remove_files(const char *dir, const char *what, int rmdir_too)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t n = strlen(what);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strncmp(e->d_name, what, n) != 0 || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir_too)
		rmdir(dir);
}

/* What EAL leaves after rte_eal_cleanup under our prefix: its runtime
 * directory (config, sockets), and in multi-process mode the hugetlbfs
 * files of segments still mapped at exit. */
static void remove_eal_files(const char *runtime_dir)
{
	if (runtime_dir[0])
		remove_files(runtime_dir, "", 1);
	FILE *m = setmntent("/proc/mounts", "r");
	if (!m)
		return;
	char map[48];
	snprintf(map, sizeof(map), "%smap_", prefix);
	for (struct mntent *e; (e = getmntent(m)) != NULL;)
		if (strcmp(e->mnt_type, "hugetlbfs") == 0)
			remove_files(e->mnt_dir, map, 0);
	endmntent(m);
}

/* Free 2 MB or 1 GB pages in any pool on the machine. */
static long hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long n = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

int eal_start(const struct teng_plan *plan, char *err, size_t errlen)
{
	static char buf[64][256];
	char *argv[64];
	int argc = 0;
#define ARG(...) (snprintf(buf[argc], sizeof(buf[0]), __VA_ARGS__), argv[argc] = buf[argc], argc++)
	ARG("teng");
	/* lcore 0 is the main lcore, which mostly sleeps; workers 1..n go
	 * on the CPUs the plan names, or on CPUs no other teng holds, from
	 * CPU 1 on (cpus.h). */
	char map[256], note[1024];
	long cpu[TENG_MAX_CORES];
	long main_cpu = cpus_place(plan->cores, plan->cpus, plan->ncpus, cpu, note, sizeof(note));
	for (char *line = strtok(note, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "teng: %s\n", line);
	snprintf(map, sizeof(map), "0@%ld", main_cpu);
	for (uint32_t i = 1; i <= plan->cores; i++) {
		size_t l = strlen(map);
		snprintf(map + l, sizeof(map) - l, ",%u@%ld", i, cpu[i - 1]);
	}
	ARG("--lcores=%s", map);
	/* Probe only the devices the ports name. */
	int pci = 0;
	for (uint32_t i = 0; i < plan->nports; i++) {
		char vdev[200];
		if (port_check(&plan->port[i], err, errlen) < 0)
			return -1;
		if (port_eal_arg(&plan->port[i], i, plan->cores, vdev, sizeof(vdev)) > 0) {
			if (strncmp(vdev, "-a", 2) == 0) {
				ARG("-a");
				ARG("%s", vdev + 3);
				pci = 1;
			} else {
				ARG("%s", vdev);
			}
		}
	}
	if (!pci)
		ARG("--no-pci");
	/* Every process has its own file prefix, so several tengs run side
	 * by side. DPDK's telemetry stays on: teng registers /teng/stats,
	 * /teng/phase and /teng/workers (live.c); its socket is in the
	 * prefix's runtime directory, /var/run/dpdk/teng<pid>/dpdk_telemetry.v2
	 * for root (--in-memory and --no-huge alike). */
	snprintf(prefix, sizeof(prefix), "teng%d", (int)getpid());
	ARG("--file-prefix=%s", prefix);
	if (plan->quiet_eal)
		ARG("--log-level=*:error");
	if (plan->capture) {
		/* dpdk-dumpcap is a secondary process: it maps the primary's
		 * memory from hugetlbfs files, so --no-huge (private memory)
		 * and --in-memory (no files) both shut it out. */
		if (hugepages_free() < 256) {
			snprintf(err, errlen,
				 "--capture needs hugepages (256 free 2 MB pages): dpdk-dumpcap maps "
				 "teng's memory from hugetlbfs files, which --no-huge does not have "
				 "(e.g. echo 1024 > /proc/sys/vm/nr_hugepages)");
			cpus_release();
			return -1;
		}
	} else if (hugepages_free() >= 256) {
		ARG("--in-memory");
	} else {
		fprintf(stderr, "teng: no hugepages; running DPDK with --no-huge\n");
		ARG("--no-huge");
		ARG("-m");
		/* Room for the pools and tables the plan needs (worker_sizes),
		 * besides what DPDK itself takes. */
		ARG("%llu", (unsigned long long)(512 + 256 * plan->cores +
						 (worker_plan_bytes(plan) * 3 / 2 >> 20)));
		ARG("--no-shconf");
	}
	/* Extra arguments, space separated, pass through. */
	char extra[TENG_SPEC_LEN];
	snprintf(extra, sizeof(extra), "%s", plan->eal_args);
	for (char *tok = strtok(extra, " "); tok && argc < 63; tok = strtok(NULL, " "))
		ARG("%s", tok);
#undef ARG
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, errlen, "cannot start DPDK: %s", rte_strerror(rte_errno));
		cpus_release();
		return -1;
	}
	eal_up = 1;
	if (plan->capture) {
		if (rte_pdump_init() < 0) {
			snprintf(err, errlen, "--capture: cannot start DPDK's capture framework: %s",
				 rte_strerror(rte_errno));
			eal_stop();
			return -1;
		}
		capture_up = 1;
		fprintf(stderr, "teng: capture with: dpdk-dumpcap --file-prefix=%s -i PORT -w FILE.pcapng "
				"(PORT: a number from dpdk-dumpcap --file-prefix=%s -D)\n",
			prefix, prefix);
	}
	return 0;
}

void eal_stop(void)
{
	if (capture_up)
		rte_pdump_uninit();
	capture_up = 0;
	if (eal_up) {
		char dir[256];
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		remove_eal_files(dir);
	}
	eal_up = 0;
	cpus_release();
}
