/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live figures for the tools people already run: the /metrics endpoint
 * (OpenMetrics text, libmicrohttpd) and DPDK telemetry commands
 * (/teng/stats, /teng/phase, /teng/workers).
 *
 * Lua renders both from the results model once a second on the main
 * lcore and publishes them here; this module only keeps the latest copy.
 * The HTTP server has no thread of its own: the main lcore serves it
 * while it waits (live_sleep, from teng_run_wait and the drain). The
 * telemetry callbacks run in DPDK's telemetry thread and read the copy
 * under the lock. Nothing here runs on a worker.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <rte_eal.h>
#include <rte_telemetry.h>

#include "teng/api.h"
#include "live.h"

#define OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
/* Items one command may publish, at most (a publish with more is
 * refused). They nest into several dicts ("a/b" keys), each of which
 * rte_tel_data caps at RTE_TEL_MAX_DICT_ENTRIES (256 in 22.11). */
#define LIVE_MAX_ITEMS 512

static const char *const live_cmd_name[TENG_LIVE_NCMDS] = {
	[TENG_LIVE_STATS] = "/teng/stats",
	[TENG_LIVE_PHASE] = "/teng/phase",
	[TENG_LIVE_WORKERS] = "/teng/workers",
};

static const char *const live_cmd_help[TENG_LIVE_NCMDS] = {
	[TENG_LIVE_STATS] = "teng's totals so far: connections per role, failures by reason, bytes, packets, retransmits, active, cps",
	[TENG_LIVE_PHASE] = "The phase running: name, index, elapsed and planned time, the rate asked",
	[TENG_LIVE_WORKERS] = "One dict per worker: its CPU, connections per role, packets",
};

static struct {
	pthread_mutex_t lock;
	char *text; /* the latest /metrics body */
	size_t len, cap;
	struct teng_live_item item[TENG_LIVE_NCMDS][LIVE_MAX_ITEMS];
	uint32_t nitems[TENG_LIVE_NCMDS];
	struct MHD_Daemon *mhd; /* main lcore only */
	int registered;
	char socket_path[256];
} live = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- /metrics ---------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_len, void **state)
{
	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	struct MHD_Response *resp;
	unsigned status;
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		  strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (get && strcmp(url, "/metrics") == 0) {
		pthread_mutex_lock(&live.lock);
		if (live.len > 0)
			resp = MHD_create_response_from_buffer(live.len, live.text,
							       MHD_RESPMEM_MUST_COPY);
		else
			resp = MHD_create_response_from_buffer(6, (void *)"# EOF\n",
							       MHD_RESPMEM_PERSISTENT);
		pthread_mutex_unlock(&live.lock);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, OPENMETRICS_TYPE);
		status = MHD_HTTP_OK;
	} else {
		static const char nf[] = "not found: teng serves /metrics\n";
		static const char na[] = "only GET and HEAD\n";
		const char *body = get ? nf : na;
		resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
						       MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
		if (!get)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		status = get ? MHD_HTTP_NOT_FOUND : MHD_HTTP_METHOD_NOT_ALLOWED;
	}
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int teng_live_metrics_start(const char *addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "not an IPv4 address: '%s'", addr);
		return -1;
	}
	if (live.mhd != NULL) {
		snprintf(err, errlen, "the metrics server is already running");
		return -1;
	}
	/* Our own socket, so that a port in use is said plainly. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	/* epoll, not select: with hugepages DPDK holds an fd per segment,
	 * and select cannot take a socket numbered past FD_SETSIZE. */
	live.mhd = MHD_start_daemon(MHD_USE_ERROR_LOG | MHD_USE_EPOLL, 0, NULL, NULL, on_request, NULL,
				    MHD_OPTION_LISTEN_SOCKET, fd,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				    MHD_OPTION_END);
	if (live.mhd == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server on %s:%u", addr, port);
		close(fd);
		return -1;
	}
	return 0;
}

void teng_live_metrics_stop(void)
{
	if (live.mhd != NULL)
		MHD_stop_daemon(live.mhd); /* closes the listening socket too */
	live.mhd = NULL;
	pthread_mutex_lock(&live.lock);
	free(live.text);
	live.text = NULL;
	live.len = live.cap = 0;
	pthread_mutex_unlock(&live.lock);
}

int teng_live_publish_metrics(const char *text, size_t len)
{
	int ret = 0;
	pthread_mutex_lock(&live.lock);
	if (len > live.cap) {
		char *p = realloc(live.text, len);
		if (p == NULL) {
			ret = -1;
			goto out;
		}
		live.text = p;
		live.cap = len;
	}
	memcpy(live.text, text, len);
	live.len = len;
out:
	pthread_mutex_unlock(&live.lock);
	return ret;
}

void live_sleep(double seconds)
{
	if (seconds < 0)
		seconds = 0;
	if (live.mhd != NULL) {
		/* Blocks until the time is up or a request came; serves it. */
		MHD_run_wait(live.mhd, (int32_t)(seconds * 1000 + 0.5));
		return;
	}
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
}

static volatile sig_atomic_t linger_stop;

static void on_linger_signal(int sig)
{
	(void)sig;
	linger_stop = 1;
}

int teng_live_linger(double seconds)
{
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_linger_signal;
	linger_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = seconds - ((double)(now.tv_sec - t0.tv_sec) +
					 (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
		if (left <= 0 || linger_stop)
			break;
		live_sleep(left > 0.05 ? 0.05 : left);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return linger_stop ? 1 : 0;
}

/* ---- telemetry --------------------------------------------------------- */

int teng_live_publish_telemetry(uint32_t cmd, const struct teng_live_item *items, uint32_t n)
{
	if (cmd >= TENG_LIVE_NCMDS || n > LIVE_MAX_ITEMS)
		return -1;
	pthread_mutex_lock(&live.lock);
	memcpy(live.item[cmd], items, n * sizeof(*items));
	for (uint32_t i = 0; i < n; i++) {
		live.item[cmd][i].key[sizeof(items->key) - 1] = 0;
		live.item[cmd][i].str[sizeof(items->str) - 1] = 0;
	}
	live.nitems[cmd] = n;
	pthread_mutex_unlock(&live.lock);
	return 0;
}

static void tel_add(struct rte_tel_data *d, const char *key, const struct teng_live_item *it)
{
	if (it->is_str)
		rte_tel_data_add_dict_string(d, key, it->str);
	else if (it->num >= 0)
		rte_tel_data_add_dict_u64(d, key, it->num < 1.8e19 ? (uint64_t)(it->num + 0.5) : UINT64_MAX);
	else
		rte_tel_data_add_dict_int(d, key, it->num > -2e9 ? (int)(it->num - 0.5) : INT32_MIN);
}

/* Items in one dict, their keys read from offset off; a key "a/b" puts
 * b into the nested dict a (the items of one nested dict come one after
 * another), to any depth. */
static void tel_dict(struct rte_tel_data *d, const struct teng_live_item *it, uint32_t n,
		     size_t off)
{
	rte_tel_data_start_dict(d);
	uint32_t i = 0;
	while (i < n) {
		const char *key = it[i].key + off;
		const char *slash = strchr(key, '/');
		if (slash == NULL) {
			tel_add(d, key, &it[i]);
			i++;
			continue;
		}
		size_t plen = (size_t)(slash - key);
		uint32_t j = i;
		while (j < n && strncmp(it[j].key + off, key, plen + 1) == 0)
			j++;
		char name[sizeof(it->key)];
		memcpy(name, key, plen);
		name[plen] = 0;
		struct rte_tel_data *sub = rte_tel_data_alloc();
		if (sub != NULL) {
			tel_dict(sub, it + i, j - i, off + plen + 1);
			if (rte_tel_data_add_dict_container(d, name, sub, 0) != 0)
				rte_tel_data_free(sub);
		}
		i = j;
	}
}

/* Runs in DPDK's telemetry thread: reads only the published copy. */
static int tel_handler(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)params;
	uint32_t c = 0;
	while (c < TENG_LIVE_NCMDS && strcmp(cmd, live_cmd_name[c]) != 0)
		c++;
	if (c == TENG_LIVE_NCMDS)
		return -1;
	pthread_mutex_lock(&live.lock);
	tel_dict(d, live.item[c], live.nitems[c], 0);
	pthread_mutex_unlock(&live.lock);
	return 0;
}

void live_telemetry_init(void)
{
	if (!live.registered) {
		for (uint32_t c = 0; c < TENG_LIVE_NCMDS; c++)
			rte_telemetry_register_cmd(live_cmd_name[c], tel_handler, live_cmd_help[c]);
		live.registered = 1;
	}
	/* The socket EAL opened, if telemetry is on (not --no-telemetry). */
	struct stat st;
	snprintf(live.socket_path, sizeof(live.socket_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	if (stat(live.socket_path, &st) != 0 || !S_ISSOCK(st.st_mode))
		live.socket_path[0] = 0;
}

const char *teng_live_telemetry_socket(void)
{
	return live.socket_path;
}
