/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK (RFC 2018, RFC 6675 simplified) as scripted segment sequences:
 * SACK-permitted in the SYN and SYN-ACK and what it takes for a
 * connection to use it, SACK blocks on the ACKs of out-of-order data
 * (the option bytes), and the send side: the peer's blocks make fast
 * recovery and the RTO resend send only the holes; blocks outside
 * snd_una..snd_max are ignored.
 */
#include "fsm_util.h"
#include "tcp_rtx.h"

static const uint32_t IRS = 0x70000000u;

#define ACK_CLIENT(a, w) TO_CLIENT(.seq = IRS + 1, .ack = (a), .flags = TH_ACK, .wnd = (w))

static void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

/* A SACK option (after NOP, NOP) of n blocks [lo, hi). */
static uint32_t sack_opt(uint8_t *o, const uint32_t *lo, const uint32_t *hi, uint32_t n)
{
	o[0] = TCPOPT_NOP, o[1] = TCPOPT_NOP, o[2] = TCPOPT_SACK, o[3] = (uint8_t)(2 + 8 * n);
	for (uint32_t k = 0; k < n; k++) {
		put32(o + 4 + 8 * k, lo[k]);
		put32(o + 8 + 8 * k, hi[k]);
	}
	return 4 + 8 * n;
}

/* A duplicate ACK of ack to the client carrying blocks lo/hi. */
static void sack_client(uint32_t ack, const uint32_t *lo, const uint32_t *hi, uint32_t n)
{
	uint8_t o[40];
	uint32_t ol = sack_opt(o, lo, hi, n);
	TO_CLIENT(.seq = IRS + 1, .ack = ack, .flags = TH_ACK, .wnd = 60000, .opt = o,
		  .optlen = ol);
}

/* MSS 1000, then SACK-permitted when sack, window scale ws (-1: none). */
static uint32_t peer_syn_opts(uint8_t *o, int sack, int ws)
{
	uint32_t n = 0;
	o[n++] = TCPOPT_MSS, o[n++] = 4, o[n++] = 1000 >> 8, o[n++] = 1000 & 0xff;
	if (sack)
		o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_SACK_OK, o[n++] = 2;
	if (ws >= 0)
		o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_WSCALE, o[n++] = 3, o[n++] = (uint8_t)ws;
	return n;
}

/* The client's SYN with SACK and timestamps: Linux's layout, byte for
 * byte; a SYN-ACK with SACK-permitted turns SACK on. */
static void test_sack_syn_client(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.sack = 1;
	p->tcp.timestamps = 1;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	set_ms(7);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	struct pkt *syn = out1(CSLOT);
	assert_int_equal(syn->flags, TH_SYN);
	const uint8_t want[20] = { TCPOPT_MSS, 4, (uint8_t)(p->tcp.mss >> 8),
				   (uint8_t)p->tcp.mss, TCPOPT_SACK_OK, 2, TCPOPT_TS, 10,
				   0, 0, 0, 7, 0, 0, 0, 0,
				   TCPOPT_NOP, TCPOPT_WSCALE, 3, (uint8_t)p->tcp.wscale };
	assert_int_equal(syn->optlen, 20);
	assert_memory_equal(syn->opt, want, 20);
	uint32_t iss = syn->seq;
	uint8_t o[16];
	uint32_t ol = peer_syn_opts(o, 1, 7);
	TO_CLIENT(.seq = IRS, .ack = iss + 1, .flags = TH_SYN | TH_ACK, .wnd = 5000, .opt = o,
		  .optlen = ol);
	struct tcb *t = client_tcb();
	assert_true(t->sack_ok);
	assert_false(t->ts_ok); /* the SYN-ACK had none */
	assert_int_equal(out(CSLOT), 1);
	assert_int_equal(P[0].optlen, 0); /* nothing held: no blocks */
}

/* Without timestamps: MSS, NOP, NOP, SACK-permitted, NOP, window scale.
 * A SYN-ACK without SACK-permitted: no SACK. */
static void test_sack_syn_client_refused(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.sack = 1;
	PROG_CLIENT(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	struct pkt *syn = out1(CSLOT);
	const uint8_t want[12] = { TCPOPT_MSS, 4, (uint8_t)(p->tcp.mss >> 8),
				   (uint8_t)p->tcp.mss, TCPOPT_NOP, TCPOPT_NOP,
				   TCPOPT_SACK_OK, 2, TCPOPT_NOP, TCPOPT_WSCALE, 3,
				   (uint8_t)p->tcp.wscale };
	assert_int_equal(syn->optlen, 12);
	assert_memory_equal(syn->opt, want, 12);
	uint32_t iss = syn->seq;
	client_synack(IRS, iss, 1000, 7, 5000);
	assert_false(client_tcb()->sack_ok);
	assert_int_equal(out(CSLOT), 1); /* the handshake's ACK */
	assert_int_equal(P[0].optlen, 0);
}

/* The server answers SACK-permitted only to a SYN that offers it, and
 * only when the plan has SACK on. */
static void server_case(int plan_sack, int peer_sack)
{
	struct teng_plan *p = plan_new();
	p->tcp.sack = (uint8_t)plan_sack;
	PROG_SERVER(p, OP(RECV_BYTES, 10), OP(END, 0));
	fx_start(p);
	uint8_t o[16];
	uint32_t ol = peer_syn_opts(o, peer_sack, 7);
	TO_SERVER(.seq = 100, .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol);
	struct pkt *sa = out1(SSLOT);
	assert_int_equal(sa->flags, TH_SYN | TH_ACK);
	int on = plan_sack && peer_sack;
	assert_int_equal(sa->o.sack_ok, on);
	assert_int_equal(sa->optlen, on ? 12 : 8);
	assert_int_equal(server_tcb()->sack_ok, on);
	assert_int_equal(fx_teardown(NULL), 0);
}

static void test_sack_syn_server(void **state)
{
	(void)state;
	server_case(1, 1);
	server_case(1, 0);
	server_case(0, 1);
	server_case(0, 0);
}

/* A SYN cookie's SYN-ACK carries no SACK-permitted, and the connection
 * it makes runs without SACK: no blocks on the ACK of held data. */
static void test_sack_cookie(void **state)
{
	(void)state;
	struct teng_plan *p = plan_new();
	p->tcp.sack = 1;
	p->tcp.reasm_segs = 8;
	PROG_SERVER(p, OP(RECV_BYTES, 300), OP(END, 0));
	fx_start(p);
	F.w->syn_rcvd_max = 0; /* every SYN gets a cookie */
	uint8_t o[16];
	uint32_t ol = peer_syn_opts(o, 1, 7);
	TO_SERVER(.seq = 100, .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol);
	struct pkt *sa = out1(SSLOT);
	assert_int_equal(CTR->syn_cookies, 1);
	assert_int_equal(sa->optlen, 4); /* MSS only */
	assert_false(sa->o.sack_ok);
	uint32_t iss = sa->seq;
	uint8_t data[300];
	fill_pattern(data, sizeof(data), 5);
	TO_SERVER(.seq = 101, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = data,
		  .len = 100);
	struct tcb *t = server_tcb();
	assert_non_null(t);
	assert_false(t->sack_ok);
	out(SSLOT);
	TO_SERVER(.seq = 301, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .data = data + 200,
		  .len = 100);
	struct pkt *a = out1(SSLOT);
	assert_int_equal(CTR->ooo_rx, 1); /* held all the same */
	assert_int_equal(a->ack, 201);
	assert_int_equal(a->optlen, 0);
}

/* Out-of-order data to a SACK connection: each ACK carries the held
 * ranges, the one holding the latest segment first, at most 4 (3 beside
 * timestamps); a filled hole drops its block; nothing held, no option. */
static void sack_gen(int ts)
{
	struct teng_plan *p = plan_new();
	p->tcp.sack = 1;
	p->tcp.timestamps = (uint8_t)ts;
	p->tcp.reasm_segs = 8;
	PROG_SERVER(p, OP(RECV_BYTES, 1000), OP(END, 0));
	fx_start(p);
	uint8_t o[40];
	uint32_t ol = peer_syn_opts(o, 1, 7);
	if (ts) {
		o[ol++] = TCPOPT_NOP, o[ol++] = TCPOPT_NOP, o[ol++] = TCPOPT_TS, o[ol++] = 10;
		memset(o + ol, 0, 8);
		o[ol + 3] = 1;
		ol += 8;
	}
	const uint32_t irs = 1000;
	TO_SERVER(.seq = irs, .flags = TH_SYN, .wnd = 1000, .opt = o, .optlen = ol);
	struct pkt *sa = out1(SSLOT);
	uint32_t iss = sa->seq;
	assert_true(server_tcb()->sack_ok);
	uint8_t to[12];
	uint32_t tol = 0;
	if (ts) {
		to[0] = TCPOPT_NOP, to[1] = TCPOPT_NOP, to[2] = TCPOPT_TS, to[3] = 10;
		memset(to + 4, 0, 8);
		to[7] = 2;
		tol = 12;
	}
	TO_SERVER(.seq = irs + 1, .ack = iss + 1, .flags = TH_ACK, .wnd = 1000, .opt = to,
		  .optlen = tol);
	assert_int_equal(out(SSLOT), 0);
	uint8_t data[1000];
	fill_pattern(data, sizeof(data), 3);
	const uint32_t base = irs + 1;
#define SEG(i)                                                          \
	TO_SERVER(.seq = base + 100 * (i), .ack = iss + 1, .flags = TH_ACK, \
		  .wnd = 1000, .opt = to, .optlen = tol,                \
		  .data = data + 100 * (i), .len = 100)
	/* what the ACK's SACK option must be: blocks [lo, hi) */
	uint32_t sack_at = ts ? 12 : 0;
#define EXPECT(...)                                                     \
	do {                                                            \
		const uint32_t b_[] = { __VA_ARGS__ };                  \
		uint32_t n_ = (uint32_t)(sizeof(b_) / sizeof(b_[0]) / 2); \
		uint32_t lo_[4], hi_[4];                                \
		for (uint32_t k_ = 0; k_ < n_; k_++)                    \
			lo_[k_] = base + b_[2 * k_], hi_[k_] = base + b_[2 * k_ + 1]; \
		uint8_t w_[40];                                         \
		uint32_t wl_ = sack_opt(w_, lo_, hi_, n_);             \
		struct pkt *a_ = out1(SSLOT);                           \
		assert_int_equal(a_->flags, TH_ACK);                    \
		assert_int_equal(a_->len, 0);                           \
		assert_int_equal(a_->optlen, sack_at + wl_);            \
		assert_memory_equal(a_->opt + sack_at, w_, wl_);        \
		if (ts)                                                 \
			assert_true(a_->o.has_ts);                      \
	} while (0)
	SEG(1);
	EXPECT(100, 200);
	SEG(3);
	EXPECT(300, 400, 100, 200);
	SEG(5);
	EXPECT(500, 600, 100, 200, 300, 400);
	SEG(7);
	if (ts) /* 3 blocks beside timestamps: 12 + 4 + 24 = 40 */
		EXPECT(700, 800, 100, 200, 300, 400);
	else
		EXPECT(700, 800, 100, 200, 300, 400, 500, 600);
	SEG(9);
	if (ts)
		EXPECT(900, 1000, 100, 200, 300, 400);
	else
		EXPECT(900, 1000, 100, 200, 300, 400, 500, 600);
	SEG(2); /* joins 100..200 and 300..400: the most recent block */
	if (ts)
		EXPECT(100, 400, 500, 600, 700, 800);
	else
		EXPECT(100, 400, 500, 600, 700, 800, 900, 1000);
	/* the first hole fills: the ACK moves to 400, blocks above it */
	SEG(0);
	struct pkt *a = out1(SSLOT);
	assert_int_equal(a->ack, base + 400);
	assert_int_equal(a->o.nsack, 3);
	assert_int_equal(a->o.sack_lo[0], base + 500);
	assert_int_equal(a->o.sack_hi[0], base + 600);
	SEG(4);
	SEG(6);
	SEG(8); /* all in: no block */
	assert_int_equal(out(SSLOT), 3);
	assert_int_equal(P[2].ack, base + 1000);
	assert_int_equal(P[2].optlen, sack_at);
	assert_int_equal(P[1].o.nsack, 1);
	assert_int_equal(P[1].o.sack_lo[0], base + 900);
	assert_int_equal(CTR->s_bytes_rx, 1000);
	assert_int_equal(fx_teardown(NULL), 0);
#undef SEG
#undef EXPECT
}

static void test_sack_blocks_generated(void **state)
{
	(void)state;
	sack_gen(0);
	sack_gen(1);
}

/* A client sending 1000 bytes as ten 100-byte segments, SACK agreed. */
/* A SACK client sending len bytes at MSS 100 with an initial window of
 * cwnd segments, established; returns its ISS. */
static uint32_t sack_bulk_n(uint32_t len, uint32_t cwnd, uint32_t *req)
{
	struct teng_plan *p = plan_new();
	p->tcp.sack = 1;
	p->tcp.init_cwnd = cwnd;
	*req = plan_bytes(p, len, 9);
	PROG_CLIENT(p, OP(SEND, *req), OP(RECV_BYTES, 10), OP(CLOSE, 0), OP(END, 0));
	fx_start(p);
	assert_int_equal(tcp_connect(F.w, F.w->now_us), 0);
	worker_tx_flush(F.w);
	uint32_t iss = out1(CSLOT)->seq;
	uint8_t o[16];
	o[0] = TCPOPT_MSS, o[1] = 4, o[2] = 0, o[3] = 100;
	o[4] = TCPOPT_NOP, o[5] = TCPOPT_NOP, o[6] = TCPOPT_SACK_OK, o[7] = 2;
	TO_CLIENT(.seq = IRS, .ack = iss + 1, .flags = TH_SYN | TH_ACK, .wnd = 60000, .opt = o,
		  .optlen = 8);
	assert_int_equal(out(CSLOT), 1 + cwnd); /* the ACK, the initial window */
	assert_true(client_tcb()->sack_ok);
	return iss;
}

/* 1000 bytes, all in the initial window of ten. */
static uint32_t sack_bulk(uint32_t *req)
{
	return sack_bulk_n(1000, 10, req);
}

static void check_rtx(const struct pkt *r, uint32_t iss, uint32_t off, uint32_t req)
{
	assert_int_equal(r->seq, iss + 1 + off);
	assert_int_equal(r->len, 100);
	assert_memory_equal(r->data, payload_of(req) + off, 100);
}

/* Three holes (segments 0, 2, 4 lost): the third duplicate ACK resends
 * the first hole, each later one the next hole, and nothing SACKed is
 * sent again; the partial ACKs send nothing (their holes already went). */
static void test_sack_recovery_holes(void **state)
{
	(void)state;
	uint32_t req, iss = sack_bulk(&req);
	struct tcb *t = client_tcb();
	const uint32_t s = iss + 1;
	uint32_t lo[3], hi[3];
	/* no loss yet: the scoreboard's side table not touched (reads see
	 * an empty one) */
	assert_false(t->sb_used);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 0);
	F.w->sack_sb[tcb_id(F.w, t)].n = 5; /* garbage a previous user left */
#define B(k, l, h) (lo[k] = s + (l), hi[k] = s + (h))
	B(0, 100, 200);
	sack_client(s, lo, hi, 1);
	assert_true(t->sb_used); /* emptied on its first write, then the block */
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 1);
	B(0, 300, 400), B(1, 100, 200);
	sack_client(s, lo, hi, 2);
	assert_int_equal(out(CSLOT), 0);
	B(0, 500, 600), B(1, 300, 400), B(2, 100, 200);
	sack_client(s, lo, hi, 3); /* the third: fast retransmit of the first hole */
	check_rtx(out1(CSLOT), iss, 0, req);
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 3);
	B(0, 500, 700);
	sack_client(s, lo, hi, 3);
	check_rtx(out1(CSLOT), iss, 200, req); /* the second hole */
	B(0, 500, 800);
	sack_client(s, lo, hi, 3);
	check_rtx(out1(CSLOT), iss, 400, req); /* the third */
	B(0, 500, 900);
	sack_client(s, lo, hi, 3);
	assert_int_equal(out(CSLOT), 0); /* no hole left; no new data */
	B(0, 500, 1000);
	sack_client(s, lo, hi, 3);
	assert_int_equal(out(CSLOT), 0);
	/* the resent first segment arrives: a partial ACK to 200 */
	B(0, 500, 1000), B(1, 300, 400);
	sack_client(s + 200, lo, hi, 2);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 2);
	B(0, 500, 1000);
	sack_client(s + 400, lo, hi, 1);
	assert_int_equal(out(CSLOT), 0);
	ACK_CLIENT(s + 1000, 60000); /* full ACK: recovery ends */
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->dupacks, 0);
	assert_int_equal(t->snd_una, s + 1000);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 0);
	assert_int_equal(CTR->fast_retransmits, 3);
	assert_int_equal(CTR->rtx_data, 3);
	assert_int_equal(CTR->retransmits, 3);
	assert_int_equal(CTR->rto_timeouts, 0);
	assert_int_equal(CTR->c_bytes_tx, 1000);
#undef B
}

/* The RTO's go-back-N resend skips what is SACKed: with 100..200 and
 * 600..700 SACKed (two segments: not yet a loss, RFC 6675 IsLost), the
 * timeout sends 0..100 and 200..300, a window of one segment plus what
 * is SACKed in it. */
static void test_sack_rto_holes(void **state)
{
	(void)state;
	uint32_t req, iss = sack_bulk(&req);
	struct tcb *t = client_tcb();
	const uint32_t s = iss + 1;
	uint32_t lo[2] = { s + 600, s + 100 }, hi[2] = { s + 700, s + 200 };
	sack_client(s, lo, hi, 2);
	assert_int_equal(out(CSLOT), 0); /* all sent: limited transmit has nothing */
	assert_int_equal(t->dupacks, 1);
	run_timers_at(t->rtx_ms + tcp_rto(F.w, t) - 1);
	assert_int_equal(out(CSLOT), 0);
	run_timers_at(t->rtx_ms + tcp_rto(F.w, t));
	assert_int_equal(out(CSLOT), 2);
	check_rtx(&P[0], iss, 0, req);
	check_rtx(&P[1], iss, 200, req);
	assert_int_equal(CTR->rto_timeouts, 1);
	assert_int_equal(CTR->rtx_data, 2);
	/* the ACK of everything; nothing more goes */
	ACK_CLIENT(s + 1000, 60000);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 0);
	assert_int_equal(CTR->rtx_data, 2);
}

/* RFC 6675 IsLost: one duplicate ACK whose blocks SACK more than two
 * segments above snd_una (the ones before it were lost) starts recovery
 * at once, with snd_una's segment, not the RTO. Two segments do not. */
static void test_sack_islost(void **state)
{
	(void)state;
	uint32_t req, iss = sack_bulk(&req);
	struct tcb *t = client_tcb();
	const uint32_t s = iss + 1;
	uint32_t lo[1] = { s + 100 }, hi[1] = { s + 300 };
	sack_client(s, lo, hi, 1);
	assert_int_equal(out(CSLOT), 0);
	assert_int_equal(t->dupacks, 1);
	hi[0] = s + 400;
	sack_client(s, lo, hi, 1);
	check_rtx(out1(CSLOT), iss, 0, req);
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	assert_int_equal(CTR->fast_retransmits, 1);
	assert_int_equal(CTR->dupacks_rx, 2);
	ACK_CLIENT(s + 1000, 60000);
	assert_int_equal(t->dupacks, 0);
	assert_int_equal(CTR->rto_timeouts, 0);
	assert_int_equal(CTR->rtx_data, 1);
}

/* A resend that is lost too: snd_una's segment, resent on entering
 * recovery, goes again once three segments sent after it are SACKed
 * while snd_una stays, as RACK would find it (RFC 8985), not at the RTO.
 * Segments sent before the resend being SACKed say nothing. */
static void test_sack_lost_retransmit(void **state)
{
	(void)state;
	uint32_t req, iss = sack_bulk_n(3000, 4, &req); /* four of 30 segments out */
	struct tcb *t = client_tcb();
	const uint32_t s = iss + 1;
	uint32_t lo[1] = { s + 100 }, hi[1];
	/* 0..100 lost: two duplicates, each with a new segment (limited
	 * transmit), then the third, fast retransmit */
	for (uint32_t k = 2; k <= 4; k++) {
		hi[0] = s + 100 * k;
		sack_client(s, lo, hi, 1);
		if (k < 4) {
			assert_int_equal(out(CSLOT), 1);
			assert_int_equal(P[0].seq, s + 200 + 100 * k);
		}
	}
	check_rtx(out1(CSLOT), iss, 0, req);
	uint32_t fence = t->snd_max;
	assert_int_equal(fence, s + 600);
	assert_int_equal(CTR->fast_retransmits, 1);
	/* the resend is lost too. What was in flight before it arrives
	 * (400..600), then what recovery sends after it: each duplicate
	 * sends new data; the resend of 0..100 waits until 600..900 is
	 * SACKed */
	uint32_t resent = 0, rtx_at = 0;
	for (uint32_t k = 5; k <= 12 && !resent; k++) {
		hi[0] = s + 100 * k;
		sack_client(s, lo, hi, 1);
		uint32_t n = out(CSLOT);
		for (uint32_t i = 0; i < n; i++)
			if (P[i].seq == s) {
				check_rtx(&P[i], iss, 0, req);
				resent = 1;
				rtx_at = hi[0];
			}
	}
	assert_true(resent);
	assert_int_equal(rtx_at, fence + 300);
	assert_int_equal(CTR->fast_retransmits, 2);
	assert_int_equal(CTR->rto_timeouts, 0);
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	/* it arrives: the ACK covers all that was SACKed, recovery ends */
	ACK_CLIENT(t->snd_max, 60000);
	out(CSLOT);
	assert_int_equal(t->dupacks, 0);
	assert_int_equal(CTR->rtx_data, 2);
}

/* Blocks outside snd_una..snd_max, or empty, are ignored: the
 * scoreboard stays empty and the recovery is NewReno's (snd_una's
 * segment, then nothing per duplicate ACK). A good block beside bad
 * ones is taken. */
static void test_sack_bad_blocks(void **state)
{
	(void)state;
	uint32_t req, iss = sack_bulk(&req);
	struct tcb *t = client_tcb();
	const uint32_t s = iss + 1;
	uint32_t lo[4] = { s + 1000, s - 100, s + 500, s + 900 };
	uint32_t hi[4] = { s + 1100, s, s + 400, s + 1001 };
	/* beyond snd_max, below snd_una, backwards, past snd_max */
	sack_client(s, lo, hi, 4);
	sack_client(s, lo, hi, 4);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 0);
	sack_client(s, lo, hi, 4);
	check_rtx(out1(CSLOT), iss, 0, req); /* fast retransmit of snd_una */
	assert_int_equal(t->dupacks, DUPACKS_RECOVERY);
	sack_client(s, lo, hi, 4);
	assert_int_equal(out(CSLOT), 0); /* no hole known: nothing resent */
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 0);
	/* a good one among them */
	lo[1] = s + 200, hi[1] = s + 300;
	sack_client(s, lo, hi, 4);
	assert_int_equal(tcp_sack_sb(F.w, t)->n, 1);
	assert_int_equal(tcp_sack_sb(F.w, t)->lo[0], s + 200);
	assert_int_equal(tcp_sack_sb(F.w, t)->hi[0], s + 300);
	/* the hole 100..200 above the resent first segment goes */
	check_rtx(out1(CSLOT), iss, 100, req);
	assert_int_equal(CTR->fast_retransmits, 2);
	assert_int_equal(CTR->rtx_data, 2);
}

/* The SACK option's parse: 1 to 4 blocks; other lengths are malformed. */
static void test_sack_opt_parse(void **state)
{
	(void)state;
	uint8_t o[44];
	struct tcp_opts t;
	uint32_t lo[4] = { 1, 0xfffffff0u, 100, 7 }, hi[4] = { 2, 5, 200, 9 };
	for (uint32_t n = 1; n <= 4; n++) {
		uint32_t ol = sack_opt(o, lo, hi, n);
		assert_int_equal(tcp_opt_parse(o, ol, &t), 0);
		assert_int_equal(t.nsack, n);
		for (uint32_t k = 0; k < n; k++) {
			assert_int_equal(t.sack_lo[k], lo[k]);
			assert_int_equal(t.sack_hi[k], hi[k]);
		}
	}
	uint32_t ol = sack_opt(o, lo, hi, 1);
	o[3] = 9; /* not 2 + 8n */
	assert_int_equal(tcp_opt_parse(o, ol, &t), -1);
	o[3] = 2; /* no block */
	assert_int_equal(tcp_opt_parse(o, 4, &t), -1);
	memset(o, 0, sizeof(o));
	o[0] = TCPOPT_SACK, o[1] = 42; /* five blocks */
	assert_int_equal(tcp_opt_parse(o, 42, &t), -1);
	/* our builder writes what the parser reads */
	assert_int_equal(tcp_opt_build_sack(o, lo, hi, 3), 28);
	assert_int_equal(tcp_opt_parse(o, 28, &t), 0);
	assert_int_equal(t.nsack, 3);
	assert_int_equal(t.sack_lo[1], 0xfffffff0u);
	assert_int_equal(t.sack_hi[1], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sack_opt_parse),
		FSM_TEST(test_sack_syn_client),
		FSM_TEST(test_sack_syn_client_refused),
		FSM_TEST(test_sack_syn_server),
		FSM_TEST(test_sack_cookie),
		FSM_TEST(test_sack_blocks_generated),
		FSM_TEST(test_sack_recovery_holes),
		FSM_TEST(test_sack_rto_holes),
		FSM_TEST(test_sack_islost),
		FSM_TEST(test_sack_lost_retransmit),
		FSM_TEST(test_sack_bad_blocks),
	};
	FSM_MAIN(tests);
}
