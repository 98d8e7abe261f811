/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment output. Headers come from the template (hdr.h) with the
 * varying fields stored over it; payload bytes come from the program
 * template the connection is sending.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>

#include "csum.h"
#include "hdr.h"
#include "impair.h"
#include "mbuf.h"
#include "reasm.h"
#include "records.h"
#include "seq.h"
#include "tcp.h"
#include "tcp_opt.h"
#include "tcp_rtx.h"

/* A segment's mbuf with its headers from the template (hdr.h); options
 * and payload are the caller's, then seg_finish. NULL: out of mbufs. */
static inline struct rte_mbuf *seg_alloc(struct worker *w, const struct hdr_fields *f,
					 struct rte_tcp_hdr **thp)
{
	struct rte_mbuf *m = mbuf_alloc(w);
	if (unlikely(m == NULL))
		return NULL;
	/* The MSS is capped so that a segment fits one mbuf (worker_init). */
	uint16_t total = (uint16_t)(HDR_TCP_OFF + 20 + f->optlen + f->len);
	m->data_len = total;
	m->pkt_len = total;
	*thp = hdr_write(rte_pktmbuf_mtod(m, uint8_t *), f);
	return m;
}

/* Checksums where they belong: marked for the device (a NIC, or the
 * loopback, which never leaves memory and whose receiver trusts it), or
 * computed from their parts in software (memif, af_packet, --sw-csum). */
static inline void seg_finish(struct worker *w, uint8_t slot, struct rte_mbuf *m,
			      const struct hdr_fields *f, struct rte_tcp_hdr *th, int psum)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)th - 1;
	if (w->port[slot].tx_csum) {
		/* ip->hdr_checksum is 0 from the template */
		th->cksum = hdr_phdr_csum(f);
		m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, 20,
						    20u + f->optlen, 0, 0, 0, 0);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_CKSUM;
	} else {
		ip->hdr_checksum = hdr_ip_csum(f);
		/* psum >= 0: the payload's raw sum, precomputed (prog_render_sum) */
		th->cksum = psum >= 0 ? hdr_tcp_csum_psum(f, th, (uint16_t)psum) : hdr_tcp_csum(f, th);
	}
	tx_push(w, slot, m);
}

static uint16_t adv_window(const struct tcb *t, const struct worker *w)
{
	/* Rounded up, so a window smaller than one scale unit is not 0. */
	uint32_t wnd = (w->rcv_wnd + (1u << t->rcv_wscale) - 1) >> t->rcv_wscale;
	return (uint16_t)(wnd > 0xffff ? 0xffff : wnd);
}

/* NOP, NOP, timestamps: TSval our ms clock, TSecr TS.Recent (RFC 7323 3). */
static inline void ts_write(uint8_t *p, uint32_t val, uint32_t ecr)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_TS;
	p[3] = 10;
	val = rte_cpu_to_be_32(val);
	ecr = rte_cpu_to_be_32(ecr);
	memcpy(p + 4, &val, 4);
	memcpy(p + 8, &ecr, 4);
}

/* One segment of the connection: seq, flags, len payload bytes. */
static void seg_send(struct worker *w, struct tcb *t, uint32_t seq,
		     uint8_t flags, uint32_t len)
{
	uint8_t slot = w->role_port[t->role];
	const struct worker_port *p = &w->port[slot];
	struct hdr_fields f;
	f.dst = (t->flags2 & TF2_OWN_MAC) ? &w->peer_mac_of[tcb_id(w, t)] :
					    &p->peer_mac;
	f.src = &p->mac;
	f.sip = t->lip;
	f.dip = t->rip;
	f.sport = t->lport;
	f.dport = t->rport;
	f.seq = rte_cpu_to_be_32(seq);
	f.ack = (flags & TH_ACK) ? rte_cpu_to_be_32(t->rcv_nxt) : 0;
	f.id = rte_cpu_to_be_16(w->ip_id++);
	f.flags = flags;
	/* Options, built here, then copied behind the header. */
	uint8_t opt[40];
	uint32_t ol = 0;
	uint32_t id = tcb_id(w, t);
	if (flags & TH_SYN) {
		/* A SYN offers window scaling and SACK; a SYN-ACK only
		 * answers offers (RFC 7323 1.3, RFC 2018 2). */
		int ws = (t->state == TCP_SYN_SENT || (t->flags & TF_WSCALE)) ?
				 (int)w->wscale : -1;
		int sack = t->state == TCP_SYN_SENT ? w->sack : t->sack_ok;
		if (sack) {
			ol = tcp_opt_build_syn_sack(opt, w->mss, ws, t->ts_ok, w->now_ms,
						    w->ts_recent ? w->ts_recent[id] : 0);
		} else {
			ol = tcp_opt_build_syn(opt, w->mss, ws);
			if (ol < 8) /* no window scale: pad with NOPs */
				memset(opt + ol, TCPOPT_NOP, 8 - ol);
			ol = 8;
			if (t->ts_ok) { /* after MSS and window scale */
				ts_write(opt + ol, w->now_ms, w->ts_recent[id]);
				ol += TCP_TS_LEN;
			}
		}
	} else {
		if (t->ts_ok) {
			ts_write(opt, w->now_ms, w->ts_recent[id]);
			ol = TCP_TS_LEN;
		}
		/* SACK blocks on an ACK while data is held out of order
		 * (RFC 2018 4): the most recent first, 3 beside timestamps,
		 * else 4. Only on segments without data, which have the room. */
		if (t->sack_ok && len == 0 && !(flags & TH_RST) &&
		    unlikely(reasm_pending(&w->reasm, id))) {
			uint32_t lo[TCP_SACK_MAX], hi[TCP_SACK_MAX];
			uint32_t n = reasm_ranges(&w->reasm, id, t->rcv_nxt, lo, hi,
						  t->ts_ok ? 3 : TCP_SACK_MAX);
			if (n)
				ol += tcp_opt_build_sack(opt + ol, lo, hi, n);
		}
	}
	f.optlen = (uint8_t)ol;
	f.len = (uint16_t)len;
	if (flags & TH_SYN) {
		/* The window of a SYN is never scaled (RFC 7323 2.2). */
		uint32_t wnd = w->rcv_wnd > 0xffff ? 0xffff : w->rcv_wnd;
		f.win = rte_cpu_to_be_16((uint16_t)wnd);
	} else {
		f.win = rte_cpu_to_be_16(adv_window(t, w));
	}
	t->delack = 0; /* whatever goes out carries the ACK */
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m = seg_alloc(w, &f, &th);
	if (unlikely(m == NULL)) {
		/* Out of mbufs: the segment is lost like a dropped packet. */
		w->ctr->drops_tx_full++;
		return;
	}
	if (ol)
		memcpy(th + 1, opt, ol);
	int psum = -1;
	if (len) {
		/* Rebuilt from the template every time: a retransmission
		 * sends the same bytes without a send buffer. */
		uint8_t *dst = (uint8_t *)th + 20 + f.optlen;
		uint16_t sum;
		if (p->tx_csum) /* the device sums it */
			prog_render(w, t, seq - t->tpl_seq, len, dst);
		else if (prog_render_sum(w, t, seq - t->tpl_seq, len, dst, &sum))
			psum = sum;
		/* Bytes sent for the first time; a resend is a retransmit. */
		uint32_t fresh = SEQ_GT(seq + len, t->snd_max) ?
					 seq + len - (SEQ_GT(seq, t->snd_max) ? seq : t->snd_max) : 0;
		if (t->role == ROLE_CLIENT)
			w->ctr->c_bytes_tx += fresh;
		else
			w->ctr->s_bytes_tx += fresh;
		if (unlikely(w->rec != NULL) && fresh)
			rec_step(w->rec, id, REC_SENT, w->now_us);
	}
	if ((len || (flags & TH_FIN)) && SEQ_LT(seq, t->snd_max)) {
		w->ctr->retransmits++;
		if (len)
			w->ctr->rtx_data++;
		else
			w->ctr->rtx_fin++;
	}
	if (unlikely(w->imp != NULL))
		impair_mark(w, t);
	seg_finish(w, slot, m, &f, th, psum);
}

void tcp_send_syn(struct worker *w, struct tcb *t)
{
	uint8_t f = t->state == TCP_SYN_RCVD ? (TH_SYN | TH_ACK) : TH_SYN;
	seg_send(w, t, t->snd_una, f, 0); /* snd_una is the ISS until established */
}

void tcp_send_ack(struct worker *w, struct tcb *t)
{
	seg_send(w, t, t->snd_nxt, TH_ACK, 0);
	t->flags &= (uint8_t)~TF_ACK_NOW;
}

void tcp_send_una(struct worker *w, struct tcb *t)
{
	uint32_t seq = t->snd_una;
	uint32_t len = SEQ_LT(seq, t->snd_end) ? t->snd_end - seq : 0;
	if (len > t->mss)
		len = t->mss;
	uint8_t f = TH_ACK;
	if (seq + len == t->snd_end) {
		if (len)
			f |= TH_PSH;
		/* the FIN was sent after the last byte: it goes with it again */
		if ((t->flags & TF_FIN_QUEUED) && SEQ_GT(t->snd_max, t->snd_end))
			f |= TH_FIN;
	}
	if (len == 0 && !(f & TH_FIN))
		return;
	seg_send(w, t, seq, f, len);
	t->flags &= (uint8_t)~TF_ACK_NOW;
}

void tcp_send_range(struct worker *w, struct tcb *t, uint32_t seq, uint32_t len)
{
	uint32_t left = SEQ_LT(seq, t->snd_end) ? t->snd_end - seq : 0;
	if (len > left)
		len = left;
	if (len == 0)
		return;
	seg_send(w, t, seq, seq + len == t->snd_end ? TH_ACK | TH_PSH : TH_ACK, len);
	t->flags &= (uint8_t)~TF_ACK_NOW;
}

void tcp_send_probe(struct worker *w, struct tcb *t)
{
	/* An already acknowledged sequence number: the peer answers with
	 * an ACK that carries its window. */
	seg_send(w, t, t->snd_una - 1, TH_ACK, 0);
}

void tcp_send_rst(struct worker *w, struct tcb *t)
{
	seg_send(w, t, t->snd_nxt, TH_RST | TH_ACK, 0);
	w->ctr->rst_tx++;
}

static void fin_sent(struct tcb *t)
{
	t->flags |= TF_FIN_SENT;
	if (t->state == TCP_ESTABLISHED)
		t->state = TCP_FIN_WAIT_1;
	else if (t->state == TCP_CLOSE_WAIT)
		t->state = TCP_LAST_ACK;
}

static void sent_upto(struct worker *w, struct tcb *t, int was_idle)
{
	if (SEQ_GT(t->snd_nxt, t->snd_max)) {
		t->snd_max = t->snd_nxt;
		if (was_idle)
			tcp_rtx_start(w, t);
		tcp_rtt_sent(w, t);
	}
}

void tcp_output(struct worker *w, struct tcb *t)
{
	int sent = 0;
	int was_idle = t->snd_una == t->snd_max;
	if (t->state < TCP_ESTABLISHED)
		goto ack;
	/* at most min(cwnd, the peer's window) beyond snd_una (RFC 5681 2) */
	uint32_t cw = tcp_cwnd_bytes(t);
	/* Limited transmit (RFC 3042): on each of the first two duplicate
	 * ACKs a new segment beyond cwnd, so that a window of a few segments
	 * still draws the duplicates that start fast retransmit rather than
	 * waiting out the RTO. cwnd itself is unchanged. */
	if (unlikely(t->dupacks != 0) && t->dupacks < DUPACKS_RECOVERY)
		cw += (uint32_t)t->dupacks * t->mss;
	/* Resending after an RTO with SACK: SACKed ranges are skipped and
	 * take no room in the congestion window (tcp_rtx.h). */
	int skip = t->sack_ok && t->sb_used && SEQ_LT(t->snd_nxt, t->snd_max);
	if (unlikely(skip))
		cw += tcp_sack_bytes(w, t);
	uint32_t wnd_end = t->snd_una + (cw < t->snd_wnd ? cw : t->snd_wnd);
	while (SEQ_LT(t->snd_nxt, t->snd_end)) {
		uint32_t gap = UINT32_MAX;
		if (unlikely(skip) && SEQ_LT(t->snd_nxt, t->snd_max)) {
			t->snd_nxt = tcp_sack_skip(w, t, t->snd_nxt, &gap);
			if (!SEQ_LT(t->snd_nxt, t->snd_end))
				break;
		}
		uint32_t len = t->snd_end - t->snd_nxt;
		if (len > gap)
			len = gap;
		uint32_t room = SEQ_GT(wnd_end, t->snd_nxt) ? wnd_end - t->snd_nxt : 0;
		if (len > t->mss)
			len = t->mss;
		if (len > room)
			len = room;
		if (len == 0)
			break; /* window closed: the idle timer watches it */
		uint8_t f = TH_ACK;
		int fin = 0;
		if (t->snd_nxt + len == t->snd_end) {
			f |= TH_PSH;
			if ((t->flags & (TF_FIN_QUEUED | TF_FIN_SENT)) == TF_FIN_QUEUED) {
				f |= TH_FIN;
				fin = 1;
			}
		}
		seg_send(w, t, t->snd_nxt, f, len);
		t->snd_nxt += len + (uint32_t)fin;
		if (fin)
			fin_sent(t);
		sent = 1;
	}
	if ((t->flags & (TF_FIN_QUEUED | TF_FIN_SENT)) == TF_FIN_QUEUED &&
	    t->snd_nxt == t->snd_end) {
		seg_send(w, t, t->snd_nxt, TH_FIN | TH_ACK, 0);
		t->snd_nxt++;
		fin_sent(t);
		sent = 1;
	}
	sent_upto(w, t, was_idle);
	/* Data waits on a closed window with nothing in flight: probe it
	 * later (RFC 9293 3.8.6.1), or a lost window update stalls us. */
	if (t->snd_wnd == 0 && t->snd_una == t->snd_max &&
	    SEQ_LT(t->snd_nxt, t->snd_end))
		tcp_rtx_start(w, t);
ack:
	if (sent)
		t->flags &= (uint8_t)~TF_ACK_NOW;
	else if (t->flags & TF_ACK_NOW)
		tcp_send_ack(w, t);
}

void tcp_reply_rst(struct worker *w, const struct seg *s)
{
	if (s->flags & TH_RST)
		return;
	struct hdr_fields f;
	f.dst = &s->eth->src_addr;
	f.src = &w->port[s->slot].mac;
	f.sip = s->ip->dst_addr;
	f.dip = s->ip->src_addr;
	f.sport = s->th->dst_port;
	f.dport = s->th->src_port;
	f.id = rte_cpu_to_be_16(w->ip_id++);
	f.win = 0;
	f.optlen = 0;
	f.len = 0;
	if (s->flags & TH_ACK) {
		f.seq = rte_cpu_to_be_32(s->ack);
		f.ack = 0;
		f.flags = TH_RST;
	} else {
		uint32_t ack = s->seq + s->len + !!(s->flags & TH_SYN) +
			       !!(s->flags & TH_FIN);
		f.seq = 0;
		f.ack = rte_cpu_to_be_32(ack);
		f.flags = TH_RST | TH_ACK;
	}
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m = seg_alloc(w, &f, &th);
	if (m == NULL)
		return;
	w->ctr->rst_tx++;
	seg_finish(w, s->slot, m, &f, th, -1);
}
