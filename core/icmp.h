/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP echo, so a user can ping teng's addresses on a real port. */
#ifndef TENG_ICMP_H
#define TENG_ICMP_H

#include <stdint.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "teng/stats.h"

/* An ICMP packet (ip, ihl header bytes, tot total) in m for one of our
 * addresses: an echo request becomes the reply from mac, in place, and 1
 * is returned (the caller sends m); else 0, counted in ctr. */
int icmp_echo(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot,
	      const struct rte_ether_addr *mac, struct teng_counters *ctr);

#endif
