/* SPDX-License-Identifier: BSD-3-Clause */
/* Multi-core steering: the mode, and software steering's rings (steer.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "numa_place.h"
#include "steer.h"

const char *steer_name(uint8_t mode)
{
	switch (mode) {
	case TENG_STEER_AUTO: return "auto";
	case TENG_STEER_RSS: return "rss";
	case TENG_STEER_PORT_MASK: return "port-mask";
	case TENG_STEER_IP: return "ip";
	case TENG_STEER_SOFTWARE: return "software";
	case TENG_STEER_PAIRED: return "paired";
	}
	return "?";
}

enum kind { K_LOOPBACK, K_MEMIF, K_AF_PACKET, K_AF_XDP, K_TAP, K_PCI, K_OTHER };

static enum kind kind_of(const char *spec)
{
	if (strcmp(spec, "loopback") == 0)
		return K_LOOPBACK;
	if (strncmp(spec, "memif:", 6) == 0)
		return K_MEMIF;
	if (strncmp(spec, "af_packet:", 10) == 0)
		return K_AF_PACKET;
	if (strncmp(spec, "af_xdp:", 7) == 0)
		return K_AF_XDP;
	if (strncmp(spec, "tap:", 4) == 0)
		return K_TAP;
	if (strncmp(spec, "pci:", 4) == 0)
		return K_PCI;
	return K_OTHER;
}

/* Why a device does not steer by itself, for the start-up line. */
static const char *no_hash(enum kind k)
{
	switch (k) {
	case K_AF_PACKET: return "af_packet has no usable hash";
	case K_AF_XDP: return "af_xdp: the kernel picks the queue";
	case K_TAP: return "tap has no usable hash";
	case K_PCI: return "pci: teng does not program RSS yet";
	default: return "the device does not steer";
	}
}

int steer_resolve(const struct teng_plan *plan, struct steer_choice *out, char *err,
		  size_t errlen)
{
	uint32_t n = plan->nports ? plan->nports : 1;
	uint32_t cores = plan->cores;
	int paired = 1, first_unpaired = -1;
	for (uint32_t i = 0; i < n; i++) {
		enum kind k = plan->nports ? kind_of(plan->port[i].spec) : K_LOOPBACK;
		if (k != K_LOOPBACK && k != K_MEMIF) {
			paired = 0;
			if (first_unpaired < 0)
				first_unpaired = (int)i;
		}
		if (plan->nports && plan->port[i].queues && plan->port[i].queues != cores) {
			snprintf(err, errlen,
				 "port %s: queues=%u, but there %s %u worker%s (a worker owns one queue of each port)",
				 plan->port[i].spec, plan->port[i].queues, cores == 1 ? "is" : "are",
				 cores, cores == 1 ? "" : "s");
			return -1;
		}
	}
	const char *spec = plan->nports ? plan->port[first_unpaired >= 0 ? first_unpaired : 0].spec :
					  "loopback";
	uint8_t want = plan->steering;
	memset(out, 0, sizeof(*out));
	out->tuples.kind = TUPLE_MODULO;
	switch (want) {
	case TENG_STEER_AUTO:
		if (paired) {
			out->mode = TENG_STEER_PAIRED;
			snprintf(out->why, sizeof(out->why),
				 "paired queues (%s: queue i reaches the peer's queue i, no steering needed), %u worker%s",
				 kind_of(spec) == K_MEMIF ? "memif" : "loopback", cores,
				 cores == 1 ? "" : "s");
		} else {
			out->mode = TENG_STEER_SOFTWARE;
			snprintf(out->why, sizeof(out->why), "software (%s), %u worker%s",
				 no_hash(kind_of(spec)), cores, cores == 1 ? "" : "s");
		}
		return 0;
	case TENG_STEER_SOFTWARE:
		out->mode = TENG_STEER_SOFTWARE;
		snprintf(out->why, sizeof(out->why), "software (asked), %u worker%s", cores,
			 cores == 1 ? "" : "s");
		return 0;
	case TENG_STEER_RSS:
		if (kind_of(spec) == K_PCI && !paired)
			snprintf(err, errlen,
				 "--steering rss: not available yet on %s (teng does not program the RSS key and RETA yet; use --steering software or auto)",
				 spec);
		else
			snprintf(err, errlen,
				 "--steering rss: %s cannot (it has no RSS hash teng can program; use --steering auto or software)",
				 spec);
		return -1;
	case TENG_STEER_PORT_MASK:
	case TENG_STEER_IP:
		if (kind_of(spec) == K_PCI && !paired)
			snprintf(err, errlen,
				 "--steering %s: not available yet on %s (needs rte_flow rules, not implemented; use --steering software or auto)",
				 steer_name(want), spec);
		else
			snprintf(err, errlen,
				 "--steering %s: %s cannot (it has no flow rules; use --steering auto or software)",
				 steer_name(want), spec);
		return -1;
	}
	snprintf(err, errlen, "--steering: unknown mode %u", want);
	return -1;
}

int steer_setup(struct worker **w, uint32_t n, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < n; i++) {
		w[i]->steer = numa_zalloc("teng_steer", sizeof(struct steer), w[i]->socket);
		if (w[i]->steer == NULL) {
			snprintf(err, errlen, "out of memory for the steering rings");
			return -1;
		}
		w[i]->steer->n = n;
	}
	for (uint32_t from = 0; from < n; from++)
		for (uint32_t to = 0; to < n; to++) {
			if (from == to)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "ts%u_%u_%d", from, to, getpid());
			/* on the receiver's socket: it is the one that polls */
			struct rte_ring *r = rte_ring_create(name, STEER_RING, w[to]->socket,
							     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL) {
				snprintf(err, errlen, "cannot create the steering ring %u -> %u", from, to);
				return -1;
			}
			w[from]->steer->out[to] = r;
			w[to]->steer->in[from] = r;
		}
	return 0;
}

void steer_fini(struct worker *w)
{
	struct steer *s = w->steer;
	if (s == NULL)
		return;
	for (uint32_t j = 0; j < s->n; j++) {
		struct rte_ring *r = s->in[j];
		if (r == NULL)
			continue;
		struct rte_mbuf *m;
		while (rte_ring_sc_dequeue(r, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(r);
	}
	rte_free(s);
	w->steer = NULL;
}

void steer_drain(struct worker *w)
{
	struct steer *s = w->steer;
	struct rte_mbuf *pkts[RX_BURST], *other[RX_BURST];
	for (uint32_t j = 0; j < s->n; j++) {
		if (s->in[j] == NULL)
			continue;
		for (int b = 0; b < STEER_DRAIN; b++) {
			unsigned got = rte_ring_sc_dequeue_burst(s->in[j], (void **)pkts, RX_BURST,
								 NULL);
			/* a burst may hold frames of both port slots */
			uint16_t k0 = 0, k1 = 0;
			for (unsigned i = 0; i < got; i++) {
				if (pkts[i]->port == 0)
					pkts[k0++] = pkts[i];
				else
					other[k1++] = pkts[i];
			}
			if (k0)
				worker_rx_burst(w, 0, pkts, k0);
			if (k1)
				worker_rx_burst(w, 1, other, k1);
			if (got < RX_BURST)
				break;
		}
	}
}
