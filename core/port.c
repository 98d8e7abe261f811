/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up. `loopback` is two ring ethdevs wired to each other: what
 * one transmits on queue q, the other receives on queue q, so a worker
 * that serves queue q of both sees both ends of its connections.
 */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eth_ring.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "csum.h"
#include "port.h"

#define RING_SIZE 4096
#define NB_DESC 1024

/* Start device i. Offloads: a device's checksum offloads are taken
 * when it has both (IPv4 and TCP), unless sw (plan.sw_csum) forces
 * software checksums. */
static int dev_start(struct port_set *ps, uint32_t i, uint16_t nq,
		     struct rte_mempool **pools, int sw, char *err, size_t errlen)
{
	uint16_t dev = ps->dev[i];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_info_get(dev, &info) != 0)
		goto fail;
	uint64_t tx_want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	uint64_t rx_want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if (!sw && (info.tx_offload_capa & tx_want) == tx_want) {
		conf.txmode.offloads |= tx_want;
		ps->tx_csum[i] = 1;
	}
	if (!sw && (info.rx_offload_capa & rx_want) == rx_want) {
		conf.rxmode.offloads |= rx_want;
		ps->rx_csum[i] = CSUM_RX_HW;
	}
	/* Several queues on a device that hashes (a NIC): spread by RSS
	 * over IPv4/TCP with the device's own key and RETA; software
	 * steering (steer.h) brings each frame to its owner. Devices without
	 * RSS (af_packet: the kernel's fanout; memif: queue i to queue i)
	 * take nothing here. */
	uint64_t rss = info.flow_type_rss_offloads &
		       (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4);
	if (nq > 1 && rss != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = NULL;
		conf.rx_adv_conf.rss_conf.rss_hf = rss;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		snprintf(err, errlen, "port %s: %u queues asked, the device has at most %u",
			 ps->name[i], nq,
			 info.max_rx_queues < info.max_tx_queues ? info.max_rx_queues :
								   info.max_tx_queues);
		return -1;
	}
	if (rte_eth_dev_configure(dev, nq, nq, &conf) != 0)
		goto fail;
	for (uint16_t q = 0; q < nq; q++) {
		int sock = rte_eth_dev_socket_id(dev);
		if (rte_eth_rx_queue_setup(dev, q, NB_DESC, sock, NULL, pools[q]) != 0 ||
		    rte_eth_tx_queue_setup(dev, q, NB_DESC, sock, NULL) != 0)
			goto fail;
	}
	if (rte_eth_dev_start(dev) != 0)
		goto fail;
	rte_eth_macaddr_get(dev, &ps->mac[i]);
	return 0;
fail:
	snprintf(err, errlen, "cannot start port %s", ps->name[i]);
	return -1;
}

static int loopback_open(struct port_set *ps, uint16_t nq,
			 struct rte_mempool **pools, int sw, char *err, size_t errlen)
{
	struct rte_ring *ab[16], *ba[16];
	char name[RTE_RING_NAMESIZE];
	for (uint16_t q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), "tl_ab%u_%d", q, getpid());
		ab[q] = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "tl_ba%u_%d", q, getpid());
		ba[q] = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ab[q] == NULL || ba[q] == NULL) {
			snprintf(err, errlen, "cannot create loopback rings");
			return -1;
		}
		ps->rings[ps->nrings++] = ab[q];
		ps->rings[ps->nrings++] = ba[q];
	}
	/* Side a (client role) sends on ab, receives on ba; side b the
	 * other way round. */
	int a = rte_eth_from_rings("loop_a", ba, nq, ab, nq, SOCKET_ID_ANY);
	int b = rte_eth_from_rings("loop_b", ab, nq, ba, nq, SOCKET_ID_ANY);
	if (a < 0 || b < 0) {
		snprintf(err, errlen, "cannot create loopback ports");
		return -1;
	}
	ps->ndevs = 2;
	ps->dev[0] = (uint16_t)a;
	ps->dev[1] = (uint16_t)b;
	snprintf(ps->name[0], sizeof(ps->name[0]), "loopback.client");
	snprintf(ps->name[1], sizeof(ps->name[1]), "loopback.server");
	for (uint32_t i = 0; i < 2; i++) {
		if (dev_start(ps, i, nq, pools, sw, err, errlen) < 0)
			return -1;
		/* The loopback never leaves memory: it offers checksum
		 * offload like a NIC. Frames go out marked (IPv4 and TCP
		 * checksum to fill, the pseudo-header sum in place) and
		 * nothing is computed; what arrives is teng's own, so the
		 * receiver trusts it. The ring PMD neither fills nor flags
		 * anything: both ends are teng's. --sw-csum computes and
		 * verifies in software, to measure what that costs. */
		if (!sw) {
			ps->tx_csum[i] = 1;
			ps->rx_csum[i] = CSUM_RX_TRUSTED;
		}
	}
	ps->role_dev[0] = 0;
	ps->role_dev[1] = 1;
	ps->role_peer_mac[0] = ps->mac[1];
	ps->role_peer_mac[1] = ps->mac[0];
	return 0;
}

/* memif:PATH:server|client -> PATH and the role ("server", "client").
 * 0, or -1 when the spec is not a well-formed memif spec. */
static int memif_parse(const char *s, char *path, size_t len, const char **role)
{
	const char *r = strrchr(s, ':');
	if (strncmp(s, "memif:", 6) != 0 || r == s + 5 ||
	    (strcmp(r, ":server") && strcmp(r, ":client")))
		return -1;
	snprintf(path, len, "%.*s", (int)(r - s - 6), s + 6);
	*role = r + 1;
	return 0;
}

int port_eal_arg(const struct teng_port_plan *pp, uint32_t i, uint32_t nq,
		 char *buf, size_t len)
{
	const char *role;
	const char *s = pp->spec;
	char a[TENG_SPEC_LEN], b[TENG_SPEC_LEN];
	if (strcmp(s, "loopback") == 0)
		return 0;
	if (sscanf(s, "af_packet:%255s", a) == 1)
		/* The driver's default ring. */
		return snprintf(buf, len,
				"--vdev=net_af_packet%u,iface=%s,qpairs=%u",
				i, a, nq);
	if (sscanf(s, "af_xdp:%255s", a) == 1)
		/* Queues 0..nq-1 of the interface, one AF_XDP socket each.
		 * busy_budget (the driver's default, spelt out): with
		 * preferred busy polling an empty receive ring costs a
		 * non-blocking recvfrom(); without it the driver may
		 * poll() for up to a second when the kernel asks for a
		 * wake-up (a zero-copy NIC short of fill buffers), which
		 * would stall the worker's timers. No force_copy: on a
		 * veth the kernel chooses copy mode by itself, and a NIC
		 * that can do zero-copy should. */
		return snprintf(buf, len,
				"--vdev=net_af_xdp%u,iface=%s,start_queue=0,queue_count=%u,busy_budget=64",
				i, a, nq);
	if (sscanf(s, "tap:%255s", a) == 1)
		return snprintf(buf, len, "--vdev=net_tap%u,iface=%s", i, a);
	if (strncmp(s, "memif:", 6) == 0) {
		if (memif_parse(s, a, sizeof(a), &role) < 0)
			return -1;
		return snprintf(buf, len,
				"--vdev=net_memif%u,role=%s,socket=%s,socket-abstract=no,id=0",
				i, role, a);
	}
	if (sscanf(s, "pci:%255s", b) == 1)
		return snprintf(buf, len, "-a %s", b);
	return -1;
}

/* A memif client must find its server's socket: DPDK's driver does
 * not recover from starting first, so say what to do. */
static int memif_check_socket(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return 0;
	snprintf(err, errlen, "no memif socket at %s: start the memif server side first", path);
	return -1;
}

/* Whether interface ifname has an XDP program attached, from the
 * kernel's RTM_GETLINK answer (IFLA_XDP): 1 (its id in *id, 0 when
 * several are attached), 0, -1 when there is no such interface, -2
 * when the kernel cannot be asked. */
static int xdp_attached(const char *ifname, uint32_t *id)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	static char buf[32768];
	int fd, ret = -2;
	ssize_t n;
	unsigned int idx = if_nametoindex(ifname);
	*id = 0;
	if (idx == 0)
		return -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -2;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)idx;
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		goto out;
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (n <= 0 || n > (ssize_t)sizeof(buf) || !NLMSG_OK(nh, (uint32_t)n) ||
	    nh->nlmsg_type != RTM_NEWLINK)
		goto out;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)IFLA_PAYLOAD(nh);
	ret = 0;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if ((a->rta_type & NLA_TYPE_MASK) != IFLA_XDP)
			continue;
		int l = (int)RTA_PAYLOAD(a);
		for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l); b = RTA_NEXT(b, l)) {
			if (b->rta_type == IFLA_XDP_ATTACHED)
				ret = *(uint8_t *)RTA_DATA(b) != XDP_ATTACHED_NONE;
			else if (b->rta_type == IFLA_XDP_PROG_ID)
				*id = *(uint32_t *)RTA_DATA(b);
		}
	}
out:
	close(fd);
	return ret;
}

int port_check(const struct teng_port_plan *pp, char *err, size_t errlen)
{
	const char *spec = pp->spec;
	if (strncmp(spec, "af_xdp:", 7) != 0)
		return 0;
	/* DPDK's af_xdp driver attaches its XDP program only where none
	 * is, and when its device is closed (also by EAL's clean-up at
	 * exit) it detaches whatever program the interface has: a second
	 * process on an interface in use would fail, and in failing take
	 * the first one's traffic away. So look before DPDK does. */
	const char *ifname = spec + 7;
	uint32_t id;
	int on = xdp_attached(ifname, &id);
	if (on == -1) {
		snprintf(err, errlen, "port %s: no interface %s in this network namespace", spec,
			 ifname);
		return -1;
	}
	if (on < 0) {
		snprintf(err, errlen, "port %s: cannot ask the kernel about %s (netlink)", spec,
			 ifname);
		return -1;
	}
	if (on > 0) {
		snprintf(err, errlen,
			 "port %s: %s already has an XDP program (id %u): another process "
			 "(teng, DPDK) is using it, or one was left behind (remove it with "
			 "'ip link set dev %s xdp off')",
			 spec, ifname, id, ifname);
		return -1;
	}
	return 0;
}

/* Before an af_xdp port is started: its UMEM is the queue's mbuf pool,
 * from the pool's first memory chunk on, so the pool must be one chunk. */
static int af_xdp_check_pools(const char *spec, uint16_t nq, struct rte_mempool **pools,
			      char *err, size_t errlen)
{
	for (uint16_t q = 0; q < nq; q++) {
		if (pools[q]->nb_mem_chunks != 1) {
			snprintf(err, errlen,
				 "port %s: the af_xdp driver needs each queue's packet buffers in "
				 "one memory chunk (queue %u's pool has %u); with hugepages, "
				 "reserve more of them",
				 spec, q, pools[q]->nb_mem_chunks);
			return -1;
		}
	}
	return 0;
}

/* The ethdev that port i's spec made. */
static int dev_of(const struct teng_port_plan *pp, uint32_t i, uint16_t *dev,
		  char *name, size_t len)
{
	const char *s = pp->spec;
	if (strncmp(s, "af_packet:", 10) == 0)
		snprintf(name, len, "net_af_packet%u", i);
	else if (strncmp(s, "af_xdp:", 7) == 0)
		snprintf(name, len, "net_af_xdp%u", i);
	else if (strncmp(s, "tap:", 4) == 0)
		snprintf(name, len, "net_tap%u", i);
	else if (strncmp(s, "memif:", 6) == 0)
		snprintf(name, len, "net_memif%u", i);
	else if (strncmp(s, "pci:", 4) == 0)
		snprintf(name, len, "%s", s + 4);
	else
		return -1;
	return rte_eth_dev_get_port_by_name(name, dev) == 0 ? 0 : -1;
}

int port_memif_bye(struct port_set *ps, uint16_t nq, struct rte_mempool *pool)
{
	int sent = 0;
	for (uint32_t d = 0; d < ps->ndevs && d < PORT_MAX_DEVS; d++) {
		if (!ps->memif[d] || !port_link_up(ps->dev[d]))
			continue;
		for (uint16_t q = 0; q < nq; q++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			if (m == NULL)
				return sent;
			char *f = rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - 4);
			if (f == NULL) {
				rte_pktmbuf_free(m);
				return sent;
			}
			memset(f, 0, RTE_ETHER_MIN_LEN - 4);
			struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;
			memset(&e->dst_addr, 0xff, sizeof(e->dst_addr));
			e->src_addr = ps->mac[d];
			e->ether_type = rte_cpu_to_be_16(PORT_BYE_ETHERTYPE);
			if (rte_eth_tx_burst(ps->dev[d], q, &m, 1) == 1)
				sent = 1;
			else
				rte_pktmbuf_free(m);
		}
	}
	return sent;
}

int port_devices(const struct teng_plan *plan, uint16_t *dev)
{
	if (plan->nports == 0 || strcmp(plan->port[0].spec, "loopback") == 0)
		return 0;
	char name[64];
	for (uint32_t i = 0; i < plan->nports; i++)
		if (dev_of(&plan->port[i], i, &dev[i], name, sizeof(name)) < 0)
			return 0; /* port_open says what is missing */
	return (int)plan->nports;
}

int port_open(struct port_set *ps, const struct teng_plan *plan, uint16_t nq,
	      struct rte_mempool **pools, char *err, size_t errlen)
{
	memset(ps, 0, sizeof(*ps));
	uint32_t n = plan->nports ? plan->nports : 1;
	if (plan->nports == 0 || strcmp(plan->port[0].spec, "loopback") == 0) {
		ps->loopback = 1;
		return loopback_open(ps, nq, pools, plan->sw_csum != 0, err, errlen);
	}
	for (uint32_t i = 0; i < n; i++) {
		char name[64], path[TENG_SPEC_LEN];
		const char *role;
		if (memif_parse(plan->port[i].spec, path, sizeof(path), &role) == 0) {
			ps->memif[i] = 1;
			ps->memif_client[i] = strcmp(role, "client") == 0;
			if (ps->memif_client[i] && memif_check_socket(path, err, errlen) < 0)
				return -1;
		}
		int xdp = strncmp(plan->port[i].spec, "af_xdp:", 7) == 0;
		if (dev_of(&plan->port[i], i, &ps->dev[i], name, sizeof(name)) < 0) {
			if (xdp)
				/* port_check saw the interface: the driver
				 * refused it, most often for its queues. */
				snprintf(err, errlen,
					 "no device for port %s: the af_xdp driver did not take "
					 "interface %s (its messages above say why; it binds "
					 "queues 0..%u, so the interface needs %u combined "
					 "channels, see ethtool -l: a veth reports none, which "
					 "the driver takes for one queue)",
					 plan->port[i].spec, plan->port[i].spec + 7, nq - 1u, nq);
			else
				snprintf(err, errlen, "no device for port %s (is the interface there?)",
					 plan->port[i].spec);
			return -1;
		}
		if (xdp && af_xdp_check_pools(plan->port[i].spec, nq, pools, err, errlen) < 0)
			return -1;
		snprintf(ps->name[i], sizeof(ps->name[i]), "%s", plan->port[i].spec);
		ps->ndevs = i + 1;
		if (dev_start(ps, i, nq, pools, plan->sw_csum != 0, err, errlen) < 0) {
			if (xdp) {
				size_t l = strlen(err);
				snprintf(err + l, errlen - l,
					 ": the af_xdp driver could not bind its AF_XDP socket%s "
					 "(it needs root: CAP_NET_ADMIN, CAP_BPF, CAP_IPC_LOCK; "
					 "its messages above say more)",
					 nq > 1 ? "s" : "");
			}
			return -1;
		}
	}
	ps->role_dev[0] = 0;
	ps->role_dev[1] = n - 1;
	return 0;
}

int port_link_up(uint16_t dev)
{
	struct rte_eth_link link;
	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(dev, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

int port_wait_link(struct port_set *ps, uint32_t ms, char *err, size_t errlen)
{
	if (ps->loopback)
		return 0;
	for (uint32_t i = 0; i < ps->ndevs; i++) {
		uint32_t waited = 0;
		for (;;) {
			if (port_link_up(ps->dev[i]))
				break;
			if (waited >= ms) {
				snprintf(err, errlen, "port %s: link is down after %.1f s",
					 ps->name[i], ms / 1000.0);
				return -1;
			}
			rte_delay_ms(50);
			waited += 50;
			/* A memif client that connected before its server was
			 * ready is not retried by the driver: restart it. */
			if (waited % 1000 == 0 && ps->memif_client[i]) {
				rte_eth_dev_stop(ps->dev[i]);
				rte_eth_dev_start(ps->dev[i]);
			}
		}
	}
	return 0;
}

void port_close(struct port_set *ps)
{
	for (uint32_t i = 0; i < ps->ndevs; i++) {
		rte_eth_dev_stop(ps->dev[i]);
		rte_eth_dev_close(ps->dev[i]);
	}
	for (uint32_t i = 0; i < ps->nrings; i++)
		rte_ring_free(ps->rings[i]);
	ps->ndevs = 0;
	ps->nrings = 0;
}
