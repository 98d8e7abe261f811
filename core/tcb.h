/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transmission control block: one per connection, fixed size, kept
 * in a per-core array. No buffers: sent data is rebuilt from the
 * payload template, received data is consumed by the program as it
 * arrives.
 */
#ifndef TENG_TCB_H
#define TENG_TCB_H

#include <stdint.h>

#define TCB_NIL UINT32_MAX

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_NSTATES
};

enum tcb_role { ROLE_CLIENT = 0, ROLE_SERVER = 1 };

/* tcb.flags */
#define TF_ACK_NOW 0x01     /* an ACK is owed */
#define TF_FIN_QUEUED 0x02  /* close(): FIN follows the queued data */
#define TF_FIN_SENT 0x04
#define TF_PEER_FIN 0x08    /* the peer's FIN arrived in order */
#define TF_WSCALE 0x10      /* both sides sent window scale */
#define TF_PROG_DONE 0x20   /* the program reached its end */
#define TF_HTTP_CLEN 0x40   /* RECV_HTTP: a Content-Length was seen */
#define TF_COUNTED 0x80     /* outcome counted (TIME_WAIT holds it on) */

struct timer_node {
	uint32_t next, prev;
	uint32_t expire; /* ms tick */
};

struct tcb {
	/* 0: identity, network byte order, as on the wire */
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint8_t state; /* enum tcp_state */
	uint8_t role;  /* enum tcb_role */
	uint8_t flags; /* TF_* */
	uint8_t pc;    /* program counter */

	/* 16: send side */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_end;  /* one past the last queued data byte */
	uint32_t snd_wnd;  /* peer's window, bytes */
	uint32_t snd_wl1, snd_wl2;
	uint32_t tpl_seq;  /* sequence number of the template's first byte */

	/* 48: receive side */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint16_t tpl;      /* payload id being sent */
	uint16_t mss;      /* what we may send per segment */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t rx_state;  /* parser state of the current recv op */
	uint8_t match;     /* delimiter bytes matched so far */

	/* 64: program progress */
	uint32_t rx_count;  /* bytes toward the current recv op */
	uint32_t rx_left;   /* HTTP: body bytes still expected */
	uint16_t http_status;
	uint16_t pad0;

	/* 76: timers, tables, latency */
	struct timer_node tn;
	uint32_t last_ms;   /* last progress, ms tick */
	uint32_t t_open_us; /* connection opened (SYN sent or received) */
	uint32_t hnext;     /* server hash chain, or free list */
	uint32_t tuple;     /* client tuple index */
	uint8_t retries;    /* retransmissions since the last progress */
	uint8_t own_mac;    /* reply to peer_mac below, not the port's */
	uint8_t pad[2];

	/* 108: retransmission */
	uint32_t snd_max;   /* highest sequence number sent + 1 */
	uint32_t rtx_ms;    /* when the retransmission clock last restarted */

	/* 116: a server connection on a port with no next hop answers the
	 * MAC its SYN came from, so clients behind different MACs work */
	uint8_t peer_mac[6];
};

_Static_assert(sizeof(struct tcb) <= 128, "tcb must stay within 128 bytes");

#endif
