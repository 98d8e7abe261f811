/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include <numa.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "numa_place.h"

static int dev_socket(uint16_t dev)
{
	return rte_eth_dev_socket_id(dev);
}

static int cpu_socket(long cpu)
{
	if (numa_available() < 0)
		return -1;
	return numa_node_of_cpu((int)cpu);
}

static void *zalloc(const char *what, size_t size, int socket)
{
	return rte_zmalloc_socket(what, size, RTE_CACHE_LINE_SIZE, socket);
}

static struct rte_mempool *pool_create(const char *name, unsigned n, int socket)
{
	return rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
}

struct numa_ops numa_ops = { dev_socket, cpu_socket, zalloc, pool_create };

int numa_worker_socket(uint32_t index, long cpu, const uint16_t *devs,
		       const char *const *names, uint32_t ndevs, char *warn, size_t len)
{
	int cs = numa_ops.cpu_socket(cpu), sock = -1;
	warn[0] = '\0';
	for (uint32_t i = 0; i < ndevs; i++) {
		int ds = numa_ops.dev_socket(devs[i]);
		if (ds < 0)
			continue;
		if (sock < 0)
			sock = ds;
		if (cs >= 0 && cs != ds && warn[0] == '\0')
			snprintf(warn, len,
				 "worker %u runs on CPU %ld (NUMA socket %d), port %s is on socket %d: "
				 "its packets cross between sockets; --cpus can place it on socket %d",
				 index, cpu, cs, names[i], ds, ds);
	}
	return sock >= 0 ? sock : cs;
}

void numa_bind_memory(void *p, size_t size, int socket)
{
	if (socket < 0 || numa_available() < 0 || socket > numa_max_node())
		return;
	numa_tonode_memory(p, size, socket);
}

void *numa_map_zero(size_t size, int socket, int huge)
{
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (huge)
		madvise(p, size, MADV_HUGEPAGE);
	numa_bind_memory(p, size, socket);
	return p;
}

void numa_unmap(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, size ? size : 1);
}

/* The mapping's size, in a cache line of its own in front of the table. */
#define HUGE_HDR 64

void *numa_zalloc_huge(size_t n, size_t size, int socket)
{
	if (size && n > (SIZE_MAX - HUGE_HDR) / size)
		return NULL;
	size_t bytes = n * size + HUGE_HDR;
	uint8_t *p = numa_map_zero(bytes, socket, 1);
	if (p == NULL)
		return NULL;
	*(size_t *)p = bytes;
	return p + HUGE_HDR;
}

void numa_free_huge(void *q)
{
	if (q == NULL)
		return;
	uint8_t *p = (uint8_t *)q - HUGE_HDR;
	numa_unmap(p, *(size_t *)p);
}
