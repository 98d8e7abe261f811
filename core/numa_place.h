/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TENG_NUMA_PLACE_H
#define TENG_NUMA_PLACE_H

#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

/*
 * NUMA placement. A worker's memory (its mbuf pool, connection tables,
 * side tables and plan copies) comes from the socket of its ports'
 * devices, where the packets arrive and leave; a worker whose CPU is on
 * another socket is said once, since every packet then crosses the
 * interconnect. Devices that belong to no socket (the loopback, memif,
 * af_packet: SOCKET_ID_ANY) leave the choice to the worker's CPU.
 *
 * The queries and the allocator go through numa_ops, so that a test can
 * fake a two-socket machine on a one-socket one and see where each
 * allocation was asked to come from.
 */
struct numa_ops {
	int (*dev_socket)(uint16_t dev);  /* < 0: no socket (rte_eth_dev_socket_id) */
	int (*cpu_socket)(long cpu);      /* < 0: unknown (libnuma's numa_node_of_cpu) */
	/* zeroed memory of `size` bytes, cache-line aligned, on `socket`
	 * (rte_zmalloc_socket) */
	void *(*zalloc)(const char *what, size_t size, int socket);
	/* a worker's mbuf pool of n buffers (rte_pktmbuf_pool_create) */
	struct rte_mempool *(*pool_create)(const char *name, unsigned n, int socket);
};
extern struct numa_ops numa_ops;

/* The socket worker `index` (on CPU `cpu`) takes its memory from: the
 * socket of the first of its ports' devices that has one, else its
 * CPU's, else -1 (any). When the CPU is on another socket than a port's
 * device, a line naming both goes to warn (else warn is ""). */
int numa_worker_socket(uint32_t index, long cpu, const uint16_t *devs,
		       const char *const *names, uint32_t ndevs, char *warn, size_t len);

/* Zeroed, cache-aligned memory on `socket` through numa_ops.zalloc. */
static inline void *numa_zalloc(const char *what, size_t size, int socket)
{
	return numa_ops.zalloc(what, size, socket);
}

/* Ask the kernel to back [p, p + size) from `socket`'s memory (anonymous
 * memory that pages in when touched); nothing when there is no NUMA. */
void numa_bind_memory(void *p, size_t size, int socket);

/* A table of `size` bytes in anonymous memory, zero until written, so
 * that only the pages a run writes take memory (DPDK's heap zeroes what
 * it hands out, taking every page), backed from `socket`. huge asks for
 * transparent huge pages, for a table written throughout at random.
 * NULL when out of memory. numa_unmap gives it back. */
void *numa_map_zero(size_t size, int socket, int huge);
void numa_unmap(void *p, size_t size);

/* n x size bytes as numa_map_zero(huge) maps them, for a table read at
 * random on the per-packet path: on 4 KiB pages (DPDK's heap without
 * huge pages) each access to a large one also misses the TLB.
 * numa_free_huge gives it back (the size is kept in front of it). */
void *numa_zalloc_huge(size_t n, size_t size, int socket);
void numa_free_huge(void *p);

#endif
