/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP for both roles, split as lwIP does: tcp.c (lifecycle, timers),
 * tcp_in.c (segment arrival and the state switch), tcp_out.c (segment
 * output). prog.c runs the scenario program on top.
 */
#ifndef TENG_TCP_H
#define TENG_TCP_H

#include <stdint.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "worker.h"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG

#define TCP_RTO_MAX_MS 60000

/* A parsed, checksum-verified segment. */
struct seg {
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	const uint8_t *data;
	uint32_t len;   /* payload bytes */
	uint32_t seq, ack;
	uint32_t wnd;   /* raw window field */
	uint8_t flags;
	uint8_t slot;   /* port slot it came in on */
	const uint8_t *opt;
	uint32_t optlen;
};

static inline struct tcb *tcb_of(struct worker *w, uint32_t id)
{
	return conn_tcb(&w->ct, id);
}
static inline uint32_t tcb_id(struct worker *w, const struct tcb *t)
{
	return (uint32_t)(t - w->ct.tcb);
}

/* tcp.c */
uint32_t tcp_iss(struct worker *w, const struct tcb *t);
/* Open a client connection on the next free tuple: 0, or -1 if none. */
int tcp_connect(struct worker *w);
/* A SYN for the server address: make a TCB in SYN_RCVD, answer. */
void tcp_accept(struct worker *w, const struct seg *s);
/* Reached the end of the connection's life: count and free. */
void tcp_finish(struct worker *w, struct tcb *t, int ok);
/* Send RST, count as failed, free. */
void tcp_abort(struct worker *w, struct tcb *t);
void tcp_timer(struct worker *w, uint32_t id);
/* Something new is outstanding: (re)start the retransmission clock. */
void tcp_rtx_start(struct worker *w, struct tcb *t);
void tcp_progress(struct worker *w, struct tcb *t);
void tcp_established(struct worker *w, struct tcb *t);
/* The client's SYN was answered: take the peer's options. */
void tcp_synack_options(struct worker *w, struct tcb *t, const struct seg *s);
/* Enter TIME_WAIT, or finish at once when the plan holds none. */
void tcp_time_wait(struct worker *w, struct tcb *t);

/* tcp_in.c */
void tcp_input(struct worker *w, struct tcb *t, const struct seg *s);

/* tcp_out.c */
void tcp_output(struct worker *w, struct tcb *t);
void tcp_send_syn(struct worker *w, struct tcb *t);
void tcp_send_ack(struct worker *w, struct tcb *t);
void tcp_send_rst(struct worker *w, struct tcb *t);
/* A zero-window probe. */
void tcp_send_probe(struct worker *w, struct tcb *t);
/* RST for a segment that matches no connection (RFC 9293 3.10.7.1). */
void tcp_reply_rst(struct worker *w, const struct seg *s);
void tx_push(struct worker *w, uint8_t slot, struct rte_mbuf *m);

/* prog.c */
void prog_init_kmp(const uint8_t *delim, uint32_t len, uint8_t *fail);
/* Run ops that need no input; -1 when the program cannot go on. */
int prog_step(struct worker *w, struct tcb *t);
/* Feed in-order payload to the program; -1 on a protocol failure. */
int prog_input(struct worker *w, struct tcb *t, const uint8_t *p, uint32_t n);

#endif
