/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-connection records: the worker's hand-off and the main lcore's writer (records.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "records.h"

void rec_worker_setup(struct rec_worker *r, struct rec_live *live, uint32_t size,
		      struct rte_ring *ring, struct rec_shared *shared, uint64_t cap,
		      uint32_t sample, uint8_t worker)
{
	memset(r, 0, sizeof(*r));
	r->live = live;
	r->size = size;
	r->ring = ring;
	r->shared = shared;
	r->cap = cap;
	r->sample = sample ? sample : 1;
	r->worker = worker;
}

void rec_close(struct rec_worker *r, uint32_t id, const struct tcb *t, int ok, uint8_t reason,
	       uint32_t now_us)
{
	struct rec_live *e = &r->live[id];
	if (!e->on)
		return;
	e->on = 0;
	struct rec_entry x;
	x.t_open = e->t_open;
	x.est = e->est;
	x.sent = e->sent;
	x.rcvd = e->rcvd;
	x.done = e->done;
	x.end = rec_since(e, now_us);
	x.lip = t->lip;
	x.rip = t->rip;
	x.lport = t->lport;
	x.rport = t->rport;
	x.conn = e->conn;
	x.role = t->role;
	x.group = t->group;
	x.phase = t->phase;
	x.ok = ok ? 1 : 0;
	x.reason = ok ? TENG_REASON_NONE : reason;
	x.worker = r->worker;
	x.pad = 0;
	x.pad2[0] = x.pad2[1] = x.pad2[2] = 0;
	if (rte_ring_sp_enqueue_elem(r->ring, &x, sizeof(x)) != 0)
		r->dropped++;
	else
		r->enqueued++;
}

static void name_or(char *dst, size_t len, const char *name, const char *prefix, uint32_t i)
{
	if (name != NULL && name[0] != 0)
		snprintf(dst, len, "%.*s", (int)(len - 1), name);
	else
		snprintf(dst, len, "%s%u", prefix, i);
}

/* The built-in reason names (as the JSON's failures has them), for a
 * plan filled without its names. */
static const char *const builtin_reason[TENG_REASON_USER] = {
	"none", "refused", "reset", "idle_timeout", "retries", "recv_timeout", "peer_closed",
	"mismatch", "http_status", "framing", "echo_overflow", "no_buffer", "aborted",
	"handshake", "resp_error", "keepalive",
};

void rec_writer_names(struct rec_writer *wr, const struct teng_plan *plan)
{
	for (uint32_t i = 0; i < TENG_MAX_TEMPLATES; i++)
		name_or(wr->tpl[i], sizeof(wr->tpl[i]), plan->templates[i].name, "template", i);
	for (uint32_t i = 0; i < TENG_MAX_LISTENERS; i++)
		name_or(wr->lst[i], sizeof(wr->lst[i]), plan->listeners[i].name, "listener", i);
	for (uint32_t i = 0; i < TENG_MAX_PHASES; i++)
		name_or(wr->phase[i], sizeof(wr->phase[i]), plan->phases[i].name, "phase", i);
	for (uint32_t i = 0; i < TENG_MAX_REASONS; i++)
		name_or(wr->reason[i], sizeof(wr->reason[i]),
			plan->reason_names[i][0] ? plan->reason_names[i] :
			i < TENG_REASON_USER ? builtin_reason[i] : NULL, "reason", i);
	wr->nphases = plan->nphases;
	wr->nreasons = plan->nreasons;
}

/* A small appender: never past len - 1, always terminated. */
struct out {
	char *p;
	size_t n, len;
};

static void put(struct out *o, const char *s, size_t k)
{
	if (o->n + k >= o->len)
		k = o->n + 1 < o->len ? o->len - 1 - o->n : 0;
	memcpy(o->p + o->n, s, k);
	o->n += k;
	o->p[o->n] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_str(struct out *o, const char *s)
{
	put(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char b[8];
		if (c == '"' || c == '\\') {
			b[0] = '\\';
			b[1] = (char)c;
			put(o, b, 2);
		} else if (c < 0x20) {
			snprintf(b, sizeof(b), "\\u%04x", c);
			put(o, b, 6);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
	put(o, "\"", 1);
}

static void put_u64(struct out *o, uint64_t v)
{
	char b[24];
	int k = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	put(o, b, (size_t)k);
}

static void put_addr(struct out *o, uint32_t ip_be, uint16_t port_be)
{
	char ip[INET_ADDRSTRLEN], b[32];
	inet_ntop(AF_INET, &ip_be, ip, sizeof(ip));
	int k = snprintf(b, sizeof(b), "\"%s:%u\"", ip, rte_be_to_cpu_16(port_be));
	put(o, b, (size_t)k);
}

/* "key":t_open + d, or null for a step not reached. */
static void put_time(struct out *o, const char *key, uint64_t t_open, uint32_t d)
{
	puts_(o, key);
	if (d == REC_NONE)
		puts_(o, "null");
	else
		put_u64(o, t_open + d);
}

size_t rec_format(const struct rec_writer *wr, const struct rec_entry *e, char *buf, size_t len)
{
	struct out o = { buf, 0, len };
	buf[0] = 0;
	int server = e->role == ROLE_SERVER;
	puts_(&o, server ? "{\"role\":\"server\",\"src\":" : "{\"role\":\"client\",\"src\":");
	/* src is the client's end, dst the server's, for both roles */
	if (server) {
		put_addr(&o, e->rip, e->rport);
		puts_(&o, ",\"dst\":");
		put_addr(&o, e->lip, e->lport);
		puts_(&o, ",\"listener\":");
		put_str(&o, wr->lst[e->group % TENG_MAX_LISTENERS]);
	} else {
		put_addr(&o, e->lip, e->lport);
		puts_(&o, ",\"dst\":");
		put_addr(&o, e->rip, e->rport);
		puts_(&o, ",\"template\":");
		put_str(&o, wr->tpl[e->group % TENG_MAX_TEMPLATES]);
	}
	puts_(&o, ",\"phase\":");
	if (e->phase < wr->nphases)
		put_str(&o, wr->phase[e->phase]);
	else
		put_str(&o, "drain");
	puts_(&o, ",\"worker\":");
	put_u64(&o, e->worker);
	puts_(&o, ",\"conn\":");
	put_u64(&o, e->conn);
	puts_(&o, ",\"opened_us\":");
	put_u64(&o, e->t_open);
	put_time(&o, ",\"established_us\":", e->t_open, e->est);
	put_time(&o, ",\"first_sent_us\":", e->t_open, e->sent);
	put_time(&o, ",\"first_received_us\":", e->t_open, e->rcvd);
	put_time(&o, ",\"done_us\":", e->t_open, e->done);
	put_time(&o, ",\"finished_us\":", e->t_open, e->end);
	puts_(&o, ",\"duration_us\":");
	put_u64(&o, e->end == REC_NONE ? 0 : e->end);
	if (e->ok) {
		puts_(&o, ",\"outcome\":\"completed\",\"reason\":null}\n");
	} else {
		puts_(&o, ",\"outcome\":\"failed\",\"reason\":");
		put_str(&o, wr->reason[e->reason % TENG_MAX_REASONS]);
		puts_(&o, "}\n");
	}
	return o.n;
}

uint32_t rec_drain(struct rec_writer *wr, struct rte_ring *ring)
{
	struct rec_entry batch[REC_BATCH];
	char line[1024];
	uint32_t total = 0, n;
	do {
		n = rte_ring_sc_dequeue_burst_elem(ring, batch, sizeof(batch[0]), REC_BATCH, NULL);
		for (uint32_t i = 0; i < n; i++) {
			size_t k = rec_format(wr, &batch[i], line, sizeof(line));
			if (wr->f == NULL || wr->error)
				continue;
			if (fwrite(line, 1, k, wr->f) != k)
				wr->error = errno ? errno : EIO;
			else
				wr->written++;
		}
		total += n;
	} while (n == REC_BATCH);
	return total;
}
