/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NUMA placement (numa_place.h) on a faked two-socket machine: each
 * worker takes its memory from its port's socket, a worker whose CPU is
 * on the other socket is warned about, and every allocation worker_init
 * makes for a worker (stats, transmit rings, connection and tuple
 * tables, side tables, TIME_WAIT, reassembly, program state, impairment)
 * asks for that socket; and run.c's placement of a worker gives its mbuf
 * pool, its struct worker and its tables the port's socket, with the
 * CPU on the other socket said. The allocations are recorded through
 * numa_ops.zalloc and numa_ops.pool_create and served from any socket
 * (this machine has one).
 */
#include "prog_vm_util.h"
#include "numa_place.h"
#include "run.h"

/* the faked layout: devices 0 and 1 on socket 1, device 7 on none (a
 * vdev); CPUs 0-3 on socket 0, 4-7 on socket 1 */
static int fake_dev_socket(uint16_t dev)
{
	return dev == 7 ? -1 : 1;
}

static int fake_cpu_socket(long cpu)
{
	return cpu < 4 ? 0 : 1;
}

#define NREC 256
static int rec_socket[NREC];
static char rec_what[NREC][32];
static int nrec;
static void *(*real_zalloc)(const char *, size_t, int);

static void *rec_zalloc(const char *what, size_t size, int socket)
{
	if (nrec < NREC) {
		rec_socket[nrec] = socket;
		snprintf(rec_what[nrec], sizeof(rec_what[0]), "%s", what);
	}
	nrec++;
	return real_zalloc(what, size, SOCKET_ID_ANY);
}

static void test_worker_socket(void **state)
{
	(void)state;
	struct numa_ops saved = numa_ops;
	numa_ops.dev_socket = fake_dev_socket;
	numa_ops.cpu_socket = fake_cpu_socket;
	uint16_t devs[2] = { 0, 1 };
	const char *names[2] = { "pci:0000:81:00.0", "pci:0000:81:00.1" };
	char warn[256];

	/* CPU 5 is on the port's socket: socket 1, nothing to say */
	assert_int_equal(numa_worker_socket(0, 5, devs, names, 2, warn, sizeof(warn)), 1);
	assert_string_equal(warn, "");
	/* CPU 2 is on socket 0: the memory still comes from the port's
	 * socket, and the mismatch is said, naming both */
	assert_int_equal(numa_worker_socket(1, 2, devs, names, 2, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "worker 1 runs on CPU 2 (NUMA socket 0)"));
	assert_non_null(strstr(warn, "port pci:0000:81:00.0 is on socket 1"));
	/* a device on no socket (a vdev): the CPU's socket, no warning */
	uint16_t vdev[1] = { 7 };
	const char *vname[1] = { "af_packet:teng0" };
	assert_int_equal(numa_worker_socket(0, 2, vdev, vname, 1, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	assert_int_equal(numa_worker_socket(0, 6, vdev, vname, 1, warn, sizeof(warn)), 1);
	/* no ports known yet (the loopback): the CPU's */
	assert_int_equal(numa_worker_socket(0, 6, NULL, NULL, 0, warn, sizeof(warn)), 1);
	assert_string_equal(warn, "");
	numa_ops = saved;
}

static void worker_on(int socket, int sack, int keepalive, int impair)
{
	plan_begin();
	P->client_enabled = P->server_enabled = 1;
	P->npools = 1;
	P->pools[0].ip_lo = P->pools[0].ip_hi = 0xc6120002;
	P->pools[0].port_lo = 10000;
	P->pools[0].port_hi = 10099;
	P->ntemplates = 1;
	P->templates[0].cum_weight = 1;
	P->templates[0].dst_ip = 0xc6120101;
	P->templates[0].dst_port = 80;
	P->nlisteners = 1;
	P->listeners[0].ip = 0xc6120101;
	P->listeners[0].port = 80;
	P->tcp.sack = (uint8_t)sack;
	P->tcp.timestamps = 1;
	P->tcp.keepalive_ms = keepalive ? 1000 : 0;
	P->tcp.reasm_segs = 4;
	P->tcp.time_wait_ms = 1000;
	if (impair) {
		P->impair.loss_ppm = 10000;
		P->impair.seed = 1;
	}
	P->nphases = 1;
	P->phases[0].duration_ms = 1000;
	char err[160];
	W = rte_zmalloc("test_worker", sizeof(*W), RTE_CACHE_LINE_SIZE);
	assert_non_null(W);
	memset(&CTL, 0, sizeof(CTL));
	CTL.hz = rte_get_tsc_hz();
	real_zalloc = numa_ops.zalloc;
	numa_ops.zalloc = rec_zalloc;
	nrec = 0;
	int rc = worker_init_mode(W, P, 0, rte_lcore_id(), socket, &CTL, NULL, err, sizeof(err));
	numa_ops.zalloc = real_zalloc;
	if (rc < 0)
		fail_msg("worker_init_mode: %s", err);
}

/* The worker worker_on made goes; the plan P stays. */
static void vm_down_worker_only(void)
{
	worker_fini(W);
	rte_free(W);
	W = NULL;
}

static void test_tables_on_port_socket(void **state)
{
	(void)state;
	/* every optional table on, then each asks for socket 1 */
	worker_on(1, 1, 1, 1);
	assert_int_equal(W->socket, 1);
	assert_true(nrec >= 10 && nrec <= NREC);
	int saw_impair = 0, saw_ka = 0;
	for (int i = 0; i < nrec; i++) {
		if (rec_socket[i] != 1)
			fail_msg("allocation %d (%s) asked for socket %d, want 1", i, rec_what[i],
				 rec_socket[i]);
		saw_impair |= strncmp(rec_what[i], "teng_impair", 11) == 0;
	}
	saw_ka = W->ka != NULL;
	assert_true(saw_impair && saw_ka);
	int n_all = nrec;
	vm_down();

	/* -1: the worker's lcore's socket, as before */
	worker_on(-1, 0, 0, 0);
	assert_int_equal(W->socket, (int)rte_lcore_to_socket_id(rte_lcore_id()));
	for (int i = 0; i < nrec && i < NREC; i++)
		assert_int_equal(rec_socket[i], W->socket);
	assert_true(nrec < n_all); /* fewer tables: no impairment, keepalive */
	vm_down();
}

/* pool_create faked: the socket asked for is recorded, the pool made
 * on any socket */
static int pool_socket = -2;
static struct rte_mempool *rec_pool(const char *name, unsigned n, int socket)
{
	pool_socket = socket;
	return rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

static void test_run_places_pool_and_worker(void **state)
{
	(void)state;
	worker_on(-1, 0, 0, 0); /* a plan P (and a worker we do not use) */
	vm_down_worker_only();
	struct numa_ops saved = numa_ops;
	numa_ops.dev_socket = fake_dev_socket;
	numa_ops.cpu_socket = fake_cpu_socket;
	numa_ops.pool_create = rec_pool;
	real_zalloc = saved.zalloc;
	numa_ops.zalloc = rec_zalloc;
	nrec = 0;
	uint16_t devs[2] = { 0, 1 };
	const char *names[2] = { "pci:0000:81:00.0", "pci:0000:81:00.1" };
	struct rte_mempool *pool = NULL;
	char err[160];
	memset(&CTL, 0, sizeof(CTL));
	CTL.hz = rte_get_tsc_hz();
	/* this lcore's CPU (0 or 1 here) is on socket 0, the ports on 1 */
	int rc = run_worker_place(P, 0, rte_lcore_id(), devs, names, 2, &CTL, NULL, &pool, &W, err,
				  sizeof(err));
	numa_ops = saved;
	if (rc < 0)
		fail_msg("run_worker_place: %s", err);
	assert_non_null(pool);
	assert_int_equal(pool_socket, 1);
	assert_int_equal(W->socket, 1);
	assert_true(nrec >= 5 && nrec <= NREC);
	assert_string_equal(rec_what[0], "teng_worker");
	for (int i = 0; i < nrec; i++)
		if (rec_socket[i] != 1)
			fail_msg("allocation %d (%s) asked for socket %d, want 1", i, rec_what[i],
				 rec_socket[i]);
	vm_down();
	rte_mempool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_socket),
		cmocka_unit_test(test_tables_on_port_socket),
		cmocka_unit_test(test_run_places_pool_and_worker),
	};
	VM_MAIN(tests);
}
