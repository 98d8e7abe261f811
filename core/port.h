/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports: a spec string becomes one or more started ethdevs. */
#ifndef TENG_PORT_H
#define TENG_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#define PORT_MAX_DEVS 4

struct port_set {
	uint32_t ndevs;
	uint16_t dev[PORT_MAX_DEVS];
	char name[PORT_MAX_DEVS][32];
	struct rte_ether_addr mac[PORT_MAX_DEVS];
	uint8_t tx_csum[PORT_MAX_DEVS], rx_csum[PORT_MAX_DEVS];
	/* The device the client and server roles use, and whose MAC each
	 * role sends to. */
	uint32_t role_dev[2];
	struct rte_ether_addr role_peer_mac[2];
	void *rings[2 * 16];
	uint32_t nrings;
};

/* Open the ports a spec names with nq queue pairs each; pools[q] feeds
 * queue q. 0, or -1 with a message in err. */
int port_open(struct port_set *ps, const char *spec, uint16_t nq,
	      struct rte_mempool **pools, char *err, size_t errlen);
void port_close(struct port_set *ps);

#endif
