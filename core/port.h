/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports: a spec string becomes one or more started ethdevs. */
#ifndef TENG_PORT_H
#define TENG_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "teng/plan.h"

#define PORT_MAX_DEVS 4

struct port_set {
	uint32_t ndevs;
	uint16_t dev[PORT_MAX_DEVS];
	char name[PORT_MAX_DEVS][TENG_SPEC_LEN];
	struct rte_ether_addr mac[PORT_MAX_DEVS];
	uint8_t tx_csum[PORT_MAX_DEVS], rx_csum[PORT_MAX_DEVS];
	/* The device the client and server roles use, and whose MAC each
	 * role sends to. */
	uint32_t role_dev[2];
	struct rte_ether_addr role_peer_mac[2];
	void *rings[2 * 16];
	uint32_t nrings;
	uint8_t loopback;
	uint8_t memif_client[PORT_MAX_DEVS];
	uint8_t memif[PORT_MAX_DEVS];
	/* frames the bring-up (bringup.c) took from and gave each device,
	 * before the workers ran: memif's counters are made from these and
	 * the workers' (port_count_burst) */
	uint64_t bu_ipackets[PORT_MAX_DEVS], bu_opackets[PORT_MAX_DEVS];
	uint64_t bu_ibytes[PORT_MAX_DEVS], bu_obytes[PORT_MAX_DEVS];
};

/* The EAL argument that makes port i's device: "--vdev=..." for the
 * virtual drivers, "-a BDF" for PCI, nothing for the loopback. Returns
 * its length, 0 for none, -1 for a spec it does not know. */
int port_eal_arg(const struct teng_port_plan *pp, uint32_t i, uint32_t nq,
		 char *buf, size_t len);

/* Checks a port's spec against the system before DPDK probes it (an
 * af_xdp interface must exist and carry no XDP program). 0, or -1 with
 * a message in err. */
int port_check(const struct teng_port_plan *pp, char *err, size_t errlen);

/* Open the plan's ports with nq queue pairs each; pools[q] feeds queue
 * q. 0, or -1 with a message in err. */
/* The ethdevs of the plan's ports, once EAL has made them (before
 * port_open): how many, 0 for the loopback (made by port_open) or when a
 * device is missing. */
int port_devices(const struct teng_plan *plan, uint16_t *dev);

/* memif between two teng processes: the side that ends first sends this
 * frame (an IEEE local experimental EtherType, to the broadcast MAC) on
 * each queue before it closes the device, and the peer's worker that
 * reads it stops polling that port. DPDK's memif driver unmaps its rings
 * when the peer leaves, even under a worker inside a burst; this way no
 * worker is polling by then. */
#define PORT_BYE_ETHERTYPE 0x88b5
/* Send the frame on queues 0..nq-1 of every memif device whose link is
 * up (the workers have stopped); 1 if one went out. */
int port_memif_bye(struct port_set *ps, uint16_t nq, struct rte_mempool *pool);

/* Count a burst the device took or gave: packets and bytes (memif's
 * own counters do not outlive its peer). For a transmit burst it runs
 * right after rte_eth_tx_burst, on the worker that owns the pool: the
 * sent mbufs may be back in the pool, but nothing has taken them since,
 * and freeing leaves pkt_len as it was. */
static inline void port_count_burst(uint64_t *pkts, uint64_t *bytes, struct rte_mbuf *const *m,
				    uint16_t n)
{
	*pkts += n;
	for (uint16_t i = 0; i < n; i++)
		*bytes += rte_pktmbuf_pkt_len(m[i]);
}
int port_open(struct port_set *ps, const struct teng_plan *plan, uint16_t nq,
	      struct rte_mempool **pools, char *err, size_t errlen);
/* Wait up to ms for every device's link to come up (a memif peer to
 * connect, an interface to be up). */
int port_wait_link(struct port_set *ps, uint32_t ms, char *err, size_t errlen);
void port_close(struct port_set *ps);
/* 1 when the device reports its link up now (no wait). */
int port_link_up(uint16_t dev);

#endif
