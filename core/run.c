/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run, as the main lcore sees it: start EAL, pools, ports and
 * workers; hand out snapshots; drain and stop. Lua drives it through
 * api.h once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "teng/api.h"
#include "bringup.h"
#include "eal.h"
#include "hist.h"
#include "live.h"
#include "neigh.h"
#include "numa_place.h"
#include "port.h"
#include "records.h"
#include "run.h"
#include "steer.h"
#include "worker.h"

/* Memory DPDK can give: free hugepages, else what the machine has
 * available (--no-huge takes ordinary memory); *avail gets the latter
 * either way (the mapped tables always take it). */
static uint64_t mem_available(int *huge, uint64_t *avail_out)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long avail = 0, hfree = 0, hsize = 0, v;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %lld", &v) == 1)
			avail = v * 1024;
		else if (sscanf(line, "HugePages_Free: %lld", &v) == 1)
			hfree = v;
		else if (sscanf(line, "Hugepagesize: %lld", &v) == 1)
			hsize = v * 1024;
	}
	fclose(f);
	*avail_out = (uint64_t)avail;
	*huge = hfree >= 256;
	return *huge ? (uint64_t)(hfree * hsize) : (uint64_t)avail;
}

static void fmt_count(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
}

/* A plan whose pools and tables do not fit is refused before the run,
 * naming the figure. 0, or -1 with the message in err. */
static int check_memory(const struct teng_plan *plan, char *err, size_t errlen)
{
	uint64_t pool = 0, tables = 0, tcbs = 0, mapped = 0;
	for (uint32_t i = 0; i < plan->cores; i++) {
		struct worker_sizes z;
		if (worker_sizes(plan, i, &z, err, errlen) < 0)
			return -1;
		pool += z.pool_bytes;
		tables += z.table_bytes;
		mapped += z.mapped_bytes;
		tcbs += z.tcbs;
		if (plan->records_on) /* records.h: a side table entry per TCB, a ring */
			tables += z.tcbs * sizeof(struct rec_live) +
				  (uint64_t)REC_RING * sizeof(struct rec_entry);
	}
	int huge;
	uint64_t avail;
	uint64_t have = mem_available(&huge, &avail);
	/* EAL's own needs and the process around it. With hugepages the
	 * mapped tables (worker_sizes) are not in them but in ordinary
	 * memory. */
	uint64_t need = pool + tables + (256ull << 20) * (1 + plan->cores);
	if (huge) {
		need -= mapped;
		if (avail > 0 && mapped > avail) { /* it is ordinary memory that runs short */
			have = avail;
			need = mapped;
			huge = 0;
		}
	}
	if (have == 0 || need <= have)
		return 0;
	char conns[32];
	uint64_t open = tcbs > 4096ull * plan->cores ? tcbs - 4096ull * plan->cores : tcbs;
	fmt_count(open, conns, sizeof(conns));
	snprintf(err, errlen,
		 "needs %.1f GB of packet buffers and %.1f GB of connection tables for %s open connections; have %.1f GB%s",
		 pool / 1e9, tables / 1e9, conns, have / 1e9,
		 huge ? " of free hugepages" : " available");
	return -1;
}


struct teng_run {
	struct worker_ctl ctl;
	uint32_t nworkers;
	uint32_t nphases;
	struct worker *w[TENG_MAX_CORES];
	struct rte_mempool *pool[TENG_MAX_CORES];
	struct port_set ports;
	struct neigh_table *neigh; /* real ports: one next-hop entry per port */
	int finished;
	struct teng_snapshot last;
	/* memif: DPDK's driver clears its counters when the peer goes away,
	 * so the side that ends last would report 0. Its packets and bytes
	 * are counted from the bursts instead (port_count_burst); its error
	 * counters are read while the link is up and kept for when it is
	 * down. */
	struct rte_eth_stats dev_good[PORT_MAX_DEVS];
	uint8_t dev_seen[PORT_MAX_DEVS];
	uint8_t memif; /* some device is memif */
	struct steer_choice steer; /* the steering mode in force */
	/* --records: the writer (NULL: off; kept until teng_run_free for
	 * teng_run_records), the workers' sides, the count they share */
	struct rec_writer *recw;
	struct rec_shared *rec_shared;
	struct rec_worker *rec[TENG_MAX_CORES];
	struct rte_ring *rec_ring[TENG_MAX_CORES];
	struct rec_live *rec_live[TENG_MAX_CORES];
	int rec_closed;
	uint64_t rec_dropped; /* summed from the workers when they stopped */
};

/* --records */
int teng_records_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

/* The writer first, so that the file is the run's from the start (it
 * owns the descriptor from here on, also when the start fails). */
static int records_writer(struct teng_run *r, const struct teng_plan *plan, char *err,
			  size_t errlen)
{
	r->recw = calloc(1, sizeof(*r->recw));
	if (r->recw == NULL) {
		close(plan->records_fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->recw->f = fdopen(plan->records_fd, "w");
	if (r->recw->f == NULL) {
		snprintf(err, errlen, "--records: %s", strerror(errno));
		close(plan->records_fd);
		return -1;
	}
	/* Lines go out in large writes: the main lcore may write tens of
	 * thousands a second. */
	setvbuf(r->recw->f, NULL, _IOFBF, 1 << 20);
	r->recw->cap = plan->records_cap;
	r->recw->sample = plan->records_sample > 1 ? plan->records_sample : 1;
	rec_writer_names(r->recw, plan);
	return 0;
}

/* Each worker's side table (one entry per TCB) and ring. */
static int records_workers(struct teng_run *r, const struct teng_plan *plan, char *err,
			   size_t errlen)
{
	r->rec_shared = rte_zmalloc("teng_rec", sizeof(*r->rec_shared), RTE_CACHE_LINE_SIZE);
	if (r->rec_shared == NULL)
		goto nomem;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		struct worker *w = r->w[i];
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "teng_rec%u", i);
		r->rec_ring[i] = rte_ring_create_elem(name, sizeof(struct rec_entry), REC_RING,
						      w->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		r->rec_live[i] = rte_zmalloc_socket("teng_rec_live",
						    (size_t)w->ct.size * sizeof(struct rec_live),
						    RTE_CACHE_LINE_SIZE, w->socket);
		r->rec[i] = rte_zmalloc_socket("teng_rec_w", sizeof(struct rec_worker),
					       RTE_CACHE_LINE_SIZE, w->socket);
		if (r->rec_ring[i] == NULL || r->rec_live[i] == NULL || r->rec[i] == NULL)
			goto nomem;
		rec_worker_setup(r->rec[i], r->rec_live[i], w->ct.size, r->rec_ring[i],
				 r->rec_shared, plan->records_cap, plan->records_sample, (uint8_t)i);
		w->rec = r->rec[i];
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for --records");
	return -1;
}

/* Whatever the workers' rings hold, into the file (main lcore). */
static void records_drain(struct teng_run *r)
{
	if (r->recw == NULL || r->rec_closed)
		return;
	for (uint32_t i = 0; i < r->nworkers; i++)
		if (r->rec_ring[i] != NULL)
			rec_drain(r->recw, r->rec_ring[i]);
}

/* Records the workers' rings had no room for, so far. */
static uint64_t records_dropped(const struct teng_run *r)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < r->nworkers; i++)
		if (r->rec[i] != NULL)
			n += r->rec[i]->dropped;
	return n;
}

/* The last drain (the workers have stopped), then the file is closed:
 * a failed flush or close is the writer's error too. */
static void records_close(struct teng_run *r)
{
	if (r->recw == NULL || r->rec_closed)
		return;
	records_drain(r);
	r->rec_dropped = records_dropped(r);
	if (r->recw->f != NULL) {
		if (fflush(r->recw->f) != 0 && r->recw->error == 0)
			r->recw->error = errno ? errno : EIO;
		if (fclose(r->recw->f) != 0 && r->recw->error == 0)
			r->recw->error = errno ? errno : EIO;
		r->recw->f = NULL;
	}
	r->rec_closed = 1;
}

static void records_free(struct teng_run *r)
{
	for (uint32_t i = 0; i < TENG_MAX_CORES; i++) {
		if (r->w[i] != NULL)
			r->w[i]->rec = NULL;
		rte_ring_free(r->rec_ring[i]);
		rte_free(r->rec_live[i]);
		rte_free(r->rec[i]);
		r->rec_ring[i] = NULL;
		r->rec_live[i] = NULL;
		r->rec[i] = NULL;
	}
	rte_free(r->rec_shared);
	r->rec_shared = NULL;
}

void teng_run_records(struct teng_run *r, struct teng_records_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (r == NULL || r->recw == NULL)
		return;
	out->written = r->recw->written;
	out->cap = r->recw->cap;
	out->sample = r->recw->sample;
	out->error = r->recw->error;
	out->dropped = r->rec_closed ? r->rec_dropped : records_dropped(r);
}

/* Keep each memif device's counters while its link is up (called from
 * the main lcore's waits, a few times a second and more while draining). */
static void dev_stats_poll(struct teng_run *r)
{
	for (uint32_t d = 0; d < r->ports.ndevs && d < PORT_MAX_DEVS; d++) {
		if (!r->ports.memif[d] || !port_link_up(r->ports.dev[d]))
			continue;
		if (rte_eth_stats_get(r->ports.dev[d], &r->dev_good[d]) == 0)
			r->dev_seen[d] = 1;
	}
}

/* A device's counters for the report. memif: packets and bytes from the
 * bursts the bring-up and the workers made, errors as last seen with its
 * link up. */
static int dev_stats(struct teng_run *r, uint32_t d, struct rte_eth_stats *es)
{
	if (r->ports.memif[d]) {
		dev_stats_poll(r);
		memset(es, 0, sizeof(*es));
		if (r->dev_seen[d])
			*es = r->dev_good[d]; /* its error counts */
		/* packets and bytes as the workers counted the bursts: the
		 * last poll may be older than the peer's leaving */
		es->ipackets = r->ports.bu_ipackets[d];
		es->opackets = r->ports.bu_opackets[d];
		es->ibytes = r->ports.bu_ibytes[d];
		es->obytes = r->ports.bu_obytes[d];
		for (uint32_t i = 0; i < r->nworkers; i++) {
			const struct worker_port *p = &r->w[i]->port[d];
			es->ipackets += p->dev_ipackets;
			es->opackets += p->dev_opackets;
			es->ibytes += p->dev_ibytes;
			es->obytes += p->dev_obytes;
		}
		return 0;
	}
	return rte_eth_stats_get(r->ports.dev[d], es);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

const char *teng_version(void)
{
	return TENG_VERSION;
}

static void run_teardown(struct teng_run *r)
{
	records_close(r);
	records_free(r);
	port_close(&r->ports);
	/* Frames left in the steering rings go back to their pools (any
	 * worker's) before any pool is freed. */
	for (uint32_t i = 0; i < r->nworkers; i++)
		if (r->w[i])
			steer_fini(r->w[i]);
	rte_free(r->neigh);
	r->neigh = NULL;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		if (r->w[i]) {
			worker_fini(r->w[i]);
			rte_free(r->w[i]);
		}
		rte_mempool_free(r->pool[i]);
		r->w[i] = NULL;
		r->pool[i] = NULL;
	}
}

/* Bring-up fills the neighbour table; then each worker reads its
 * ports' next hops from it (the owner of queue 0 keeps it). */
static int neigh_start(struct teng_run *r, const struct teng_plan *plan, char *err,
		       size_t errlen)
{
	r->neigh = rte_zmalloc("teng_neigh", sizeof(*r->neigh), RTE_CACHE_LINE_SIZE);
	if (r->neigh == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bringup_run(plan, &r->ports, (uint16_t)r->nworkers, r->pool[0], r->neigh,
			r->nworkers, &r->w[0]->st->phase[0], err, errlen) < 0)
		return -1;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		for (uint32_t d = 0; d < r->ports.ndevs && d < TENG_MAX_PORTS; d++) {
			struct neigh_entry *e = &r->neigh->port[d];
			struct worker_port *p = &r->w[i]->port[d];
			p->nexthop_ip = e->ip;
			p->peer_known = e->known;
			p->peer_fixed = e->pinned;
			p->nb_seq = neigh_read(e, &p->peer_mac);
			if (e->ip != 0) {
				p->nb = e;
				p->nb_stamp = &e->by[i];
			}
		}
	}
	return 0;
}

int run_worker_place(const struct teng_plan *plan, uint32_t i, unsigned lcore,
		     const uint16_t *devs, const char *const *names, uint32_t ndevs,
		     struct worker_ctl *ctl, const struct tuple_mode *mode,
		     struct rte_mempool **pool, struct worker **w, char *err, size_t errlen)
{
	char warn[256];
	int sock = numa_worker_socket(i, rte_lcore_to_cpu_id((int)lcore), devs, names, ndevs,
				      warn, sizeof(warn));
	if (sock < 0) /* no NUMA answer: the lcore's, as DPDK sees it */
		sock = (int)rte_lcore_to_socket_id(lcore);
	if (warn[0])
		fprintf(stderr, "teng: %s\n", warn);
	struct worker_sizes z;
	if (worker_sizes(plan, i, &z, err, errlen) < 0)
		return -1;
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "teng_pool%u", i);
	/* Sized from the plan (worker_sizes): what can be in flight for
	 * its open connections, both roles, and the rings. */
	*pool = numa_ops.pool_create(name, (unsigned)z.mbufs, sock);
	if (*pool == NULL) {
		snprintf(err, errlen, "cannot allocate %llu packet buffers (%.1f GB) for worker %u",
			 (unsigned long long)z.mbufs, z.pool_bytes / 1e9, i);
		return -1;
	}
	*w = numa_zalloc("teng_worker", sizeof(struct worker), sock);
	if (*w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return worker_init_mode(*w, plan, i, lcore, sock, ctl, mode, err, errlen);
}

struct teng_run *teng_run_start(const struct teng_plan *plan, char *err,
				size_t errlen)
{
	if (plan->cores < 1 || plan->cores > TENG_MAX_CORES) {
		snprintf(err, errlen, "cores must be 1..%d", TENG_MAX_CORES);
		goto fail_early;
	}
	/* The steering mode first: a mode the device cannot do is refused
	 * before anything starts. */
	struct steer_choice steer;
	if (steer_resolve(plan, &steer, err, errlen) < 0)
		goto fail_early;
	if (check_memory(plan, err, errlen) < 0)
		goto fail_early;
	if (eal_start(plan, err, errlen) < 0)
		goto fail_early;
	live_telemetry_init();
	struct teng_run *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		eal_stop();
		goto fail_early;
	}
	if (plan->records_on && records_writer(r, plan, err, errlen) < 0) {
		free(r->recw);
		free(r);
		eal_stop();
		return NULL;
	}
	r->nworkers = plan->cores;
	r->nphases = plan->nphases;
	r->steer = steer;
	r->ctl.hz = rte_get_tsc_hz();
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	unsigned lcores[TENG_MAX_CORES];
	/* A worker's memory comes from its ports' NUMA socket (numa_place.h). */
	uint16_t devs[TENG_MAX_PORTS];
	const char *names[TENG_MAX_PORTS];
	int ndevs = port_devices(plan, devs);
	for (int d = 0; d < ndevs; d++)
		names[d] = plan->port[d].spec;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		if (lcore >= RTE_MAX_LCORE) {
			snprintf(err, errlen, "not enough lcores for %u workers",
				 r->nworkers);
			goto fail;
		}
		lcores[i] = lcore;
		if (run_worker_place(plan, i, lcore, devs, names, (uint32_t)ndevs, &r->ctl,
				     &r->steer.tuples, &r->pool[i], &r->w[i], err, errlen) < 0)
			goto fail;
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}
	if (r->recw != NULL && records_workers(r, plan, err, errlen) < 0)
		goto fail;
	if (r->steer.mode == TENG_STEER_SOFTWARE && r->nworkers > 1 &&
	    steer_setup(r->w, r->nworkers, err, errlen) < 0)
		goto fail;
	if (port_open(&r->ports, plan, (uint16_t)r->nworkers, r->pool, err,
		      errlen) < 0)
		goto fail;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		struct worker *w = r->w[i];
		w->pool = r->pool[i];
		/* Openings wait while fewer than a quarter of the mbufs are
		 * free, so open connections always find one (worker_sizes). */
		w->pool_reserve = w->pool_mbufs / 4;
		w->inflight_limit = r->ports.loopback ? LOOPBACK_INFLIGHT : UINT32_MAX;
		w->nports = (uint8_t)r->ports.ndevs;
		for (uint32_t d = 0; d < r->ports.ndevs; d++) {
			w->port[d].dev = r->ports.dev[d];
			w->port[d].queue = (uint16_t)i;
			w->port[d].nqueues = (uint16_t)r->nworkers;
			w->port[d].mac = r->ports.mac[d];
			w->port[d].tx_csum = r->ports.tx_csum[d];
			w->port[d].rx_csum = r->ports.rx_csum[d];
			w->port[d].watch_link = r->ports.memif[d];
			r->memif |= r->ports.memif[d];
		}
		for (int role = 0; role < 2; role++) {
			uint32_t d = r->ports.role_dev[role];
			w->role_port[role] = (uint8_t)d;
			if (r->ports.loopback) {
				w->port[d].peer_mac = r->ports.role_peer_mac[role];
				w->port[d].peer_known = w->port[d].peer_fixed = 1;
				w->port[d].is_loopback = 1;
			}
		}
	}
	if (!r->ports.loopback) {
		if (neigh_start(r, plan, err, errlen) < 0)
			goto fail;
	}
	interrupted = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r->ctl.tsc0 = rte_rdtsc();
	for (uint32_t i = 0; i < r->nworkers; i++)
		rte_eal_remote_launch(worker_main, r->w[i], lcores[i]);
	return r;
fail:
	run_teardown(r);
	free(r->recw);
	free(r);
	eal_stop();
	return NULL;
fail_early:
	if (plan->records_on)
		close(plan->records_fd);
	return NULL;
}

static double elapsed(const struct teng_run *r)
{
	return (double)(rte_rdtsc() - r->ctl.tsc0) / (double)r->ctl.hz;
}

int teng_run_wait(struct teng_run *r, double until_s)
{
	while (!interrupted) {
		double left = until_s - elapsed(r);
		if (left <= 0)
			break;
		/* Records: a worker's ring (16384) drained every 5 ms takes
		 * 3 M connections a second. memif's error counters (its
		 * packets and bytes come from the bursts) need only 50 ms: on
		 * a machine where this lcore shares a CPU with the peer's
		 * worker, every wake-up costs the peer. */
		double step = r->recw != NULL ? 0.005 : 0.05;
		if (left > step)
			left = step;
		live_sleep(left); /* serves /metrics meanwhile */
		if (r->memif)
			dev_stats_poll(r);
		records_drain(r);
	}
	records_drain(r);
	return interrupted ? 1 : 0;
}

static void snapshot(struct teng_run *r, struct teng_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->elapsed_s = elapsed(r);
	out->phase = r->nphases;
	for (uint32_t i = 0; i < r->nworkers; i++) {
		const struct worker_stats *st = r->w[i]->st;
		uint64_t *tot = (uint64_t *)&out->total;
		for (uint32_t p = 0; p <= r->nphases && p <= TENG_MAX_PHASES; p++) {
			const uint64_t *src = (const uint64_t *)&st->phase[p];
			uint64_t *dst = (uint64_t *)&out->phase_counters[p];
			for (size_t k = 0; k < sizeof(struct teng_counters) / 8; k++) {
				dst[k] += src[k];
				tot[k] += src[k];
			}
			hist_merge(&out->phase_connect[p], &st->phase_connect[p]);
			hist_merge(&out->phase_txn[p], &st->phase_txn[p]);
			hist_merge(&out->lat_connect, &st->phase_connect[p]);
			hist_merge(&out->lat_txn, &st->phase_txn[p]);
		}
		for (uint32_t g = 0; g < TENG_MAX_GROUPS; g++) {
			const uint64_t *src = (const uint64_t *)&st->group[g];
			uint64_t *dst = (uint64_t *)&out->group_counters[g];
			for (size_t k = 0; k < sizeof(struct teng_counters) / 8; k++)
				dst[k] += src[k];
			hist_merge(&out->group_connect[g], &st->group_connect[g]);
			hist_merge(&out->group_txn[g], &st->group_txn[g]);
		}
		for (uint32_t k = 0; k < TENG_MAX_STEPS; k++)
			hist_merge(&out->step[k], &st->step[k]);
		struct teng_worker_counts *wc = &out->worker[i];
		for (uint32_t p = 0; p <= r->nphases && p <= TENG_MAX_PHASES; p++) {
			const struct teng_counters *c = &st->phase[p];
			wc->c_completed += c->c_completed;
			wc->c_failed += c->c_failed;
			wc->s_completed += c->s_completed;
			wc->s_failed += c->s_failed;
			wc->pkts_rx += c->pkts_rx;
			wc->redirected += c->redirected;
			wc->redirect_drops += c->redirect_drops;
			wc->not_owner += c->not_owner;
			wc->pkts_tx += c->pkts_tx;
		}
		wc->cpu = rte_lcore_to_cpu_id((int)r->w[i]->lcore);
		wc->socket = r->w[i]->socket;
		out->c_active += st->c_active;
		out->s_active += st->s_active;
		out->c_peak_active += st->c_peak_active;
		out->s_peak_active += st->s_peak_active;
		if (st->phase_now < out->phase)
			out->phase = st->phase_now;
	}
	/* With one client template the workers keep its latency only per
	 * phase: the template's is the run's. */
	if (r->nworkers && r->w[0]->ntemplates == 1) {
		out->group_connect[0] = out->lat_connect;
		out->group_txn[0] = out->lat_txn;
	}
	/* sched_lag_us is the worst lag: take the maximum over workers and
	 * phases instead of the sum the loop above made. */
	out->total.sched_lag_us = 0;
	for (uint32_t p = 0; p <= r->nphases && p <= TENG_MAX_PHASES; p++) {
		uint64_t m = 0;
		for (uint32_t i = 0; i < r->nworkers; i++)
			if (r->w[i]->st->phase[p].sched_lag_us > m)
				m = r->w[i]->st->phase[p].sched_lag_us;
		out->phase_counters[p].sched_lag_us = m;
		if (m > out->total.sched_lag_us)
			out->total.sched_lag_us = m;
	}
	out->state = r->finished ? TENG_RUN_DONE :
		     (out->phase >= r->nphases ? TENG_RUN_DRAINING : TENG_RUN_RUNNING);
	out->steering = r->steer.mode;
	out->nworkers = r->nworkers;
	snprintf(out->steering_why, sizeof(out->steering_why), "%s", r->steer.why);
	out->ndevs = r->ports.ndevs;
	for (uint32_t d = 0; d < r->ports.ndevs && d < TENG_PORT_DEVS; d++) {
		struct rte_eth_stats es;
		snprintf(out->dev[d].name, sizeof(out->dev[d].name), "%s",
			 r->ports.name[d]);
		if (dev_stats(r, d, &es) != 0)
			continue;
		out->dev[d].ipackets = es.ipackets;
		out->dev[d].opackets = es.opackets;
		out->dev[d].ibytes = es.ibytes;
		out->dev[d].obytes = es.obytes;
		out->dev[d].imissed = es.imissed;
		out->dev[d].ierrors = es.ierrors;
		out->dev[d].oerrors = es.oerrors;
	}
}

void teng_run_snapshot(struct teng_run *r, struct teng_snapshot *out)
{
	if (r->finished)
		*out = r->last;
	else
		snapshot(r, out);
}

void teng_run_finish(struct teng_run *r, double drain_s)
{
	if (r->finished)
		return;
	r->ctl.draining = 1;
	double until = elapsed(r) + drain_s;
	while (elapsed(r) < until) {
		/* An open count of 0 means nothing until every worker has seen
		 * the drain: one still inside its last opening has a SYN out
		 * that its c_active does not show yet. */
		int seen = 1;
		for (uint32_t i = 0; i < r->nworkers; i++)
			seen &= __atomic_load_n(&r->w[i]->drain_seen, __ATOMIC_ACQUIRE);
		uint64_t open = 0;
		for (uint32_t i = 0; i < r->nworkers; i++)
			open += r->w[i]->st->c_active + r->w[i]->st->s_active;
		if (seen && open == 0)
			break;
		live_sleep(0.001);
		if (r->memif)
			dev_stats_poll(r);
		records_drain(r);
	}
	r->ctl.abort = 1;
	/* The workers reset what is still open as they stop: the records
	 * of those go on being drained meanwhile, so their rings hold them. */
	if (r->recw != NULL) {
		for (uint32_t i = 0; i < r->nworkers; i++) {
			while (rte_eal_get_lcore_state(r->w[i]->lcore) == RUNNING) {
				struct timespec ts = { 0, 1000000 };
				records_drain(r);
				nanosleep(&ts, NULL);
			}
		}
	}
	rte_eal_mp_wait_lcore();
	records_close(r);
	snapshot(r, &r->last);
	r->last.state = TENG_RUN_DONE;
	r->finished = 1;
	/* A memif peer still running stops polling before we close
	 * (PORT_BYE_ETHERTYPE); its workers read it within a loop. */
	if (r->memif && r->nworkers &&
	    port_memif_bye(&r->ports, (uint16_t)r->nworkers, r->pool[0])) {
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
	}
	run_teardown(r);
}

void teng_run_free(struct teng_run *r)
{
	if (r == NULL)
		return;
	if (!r->finished)
		teng_run_finish(r, 0);
	free(r->recw);
	free(r);
	eal_stop();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}
