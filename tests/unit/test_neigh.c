/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table's state machine (core/neigh.c), driven by scripted
 * ARP frames and a fake clock (ms passed in): a confirmed entry refuses a
 * conflicting claim and counts it; TCP's stamps keep it confirmed; once
 * unconfirmed it is probed (unicast to its MAC, then broadcast) and the
 * answer is taken; an unsolicited claim while unconfirmed is taken (a real
 * next-hop change); a pinned entry never changes; only the owner learns;
 * and the sequence-counted copy is never torn (two threads).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "neigh.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define PEER_IP IP4(198, 18, 0, 1)
#define OUR_IP IP4(198, 18, 0, 10)

static const struct rte_ether_addr OURS = { { 0x02, 0, 0, 0, 0, 0x10 } };
static const struct rte_ether_addr REAL = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr FORGED = { { 0x02, 0xee, 0xee, 0xee, 0xee, 0xee } };
static const struct rte_ether_addr MOVED = { { 0x02, 0, 0, 0, 0, 0x77 } };

static struct neigh_entry E;
static struct teng_counters C;

/* An ARP frame from sha claiming sip, asking for (or answering) tip. */
static uint32_t arp_frame(uint8_t *f, uint16_t op, const struct rte_ether_addr *sha,
			  uint32_t sip, uint32_t tip)
{
	memset(f, 0, 64);
	neigh_arp_request(f, sha, rte_cpu_to_be_32(sip), rte_cpu_to_be_32(tip),
			  op == RTE_ARP_OP_REPLY ? &OURS : NULL);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + RTE_ETHER_HDR_LEN);
	a->arp_opcode = rte_cpu_to_be_16(op);
	return 60; /* padded, as on the wire */
}

static enum neigh_arp feed(uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
			   int owner, uint32_t now)
{
	uint8_t f[64];
	uint32_t len = arp_frame(f, op, sha, sip, OUR_IP), tip = 0;
	enum neigh_arp k = neigh_arp_input(&E, f, len, owner, now, &C, &tip);
	if (k == NEIGH_ARP_REQUEST)
		assert_int_equal(tip, rte_cpu_to_be_32(OUR_IP));
	return k;
}

static void reply(const struct rte_ether_addr *sha, uint32_t now)
{
	assert_int_equal(feed(RTE_ARP_OP_REPLY, sha, PEER_IP, 1, now), NEIGH_ARP_REPLY);
}

static int mac_is(const struct rte_ether_addr *m)
{
	struct rte_ether_addr cur;
	neigh_read(&E, &cur);
	return rte_is_same_ether_addr(&cur, m);
}

/* Bring-up as bringup.c does it: unresolved, the first answer taken,
 * then the run's clock starts (neigh_epoch). */
static void resolved(void)
{
	memset(&C, 0, sizeof(C));
	neigh_entry_init(&E, rte_cpu_to_be_32(PEER_IP), rte_cpu_to_be_32(OUR_IP), NULL, 2);
	assert_false(E.known);
	reply(&REAL, 1234);
	assert_true(E.known);
	assert_int_equal(C.arp_changes, 0); /* resolving is no change */
	neigh_epoch(&E);
	assert_int_equal(E.state, NEIGH_REACHABLE);
	assert_true(mac_is(&REAL));
}

/* A probe neigh_tick sent: a request for the peer from us, to dst. */
static void expect_probe(const uint8_t *f, const struct rte_ether_addr *dst)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)f;
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);
	struct rte_ether_addr bc;
	memset(&bc, 0xff, sizeof(bc));
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, dst ? dst : &bc));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &OURS));
	assert_int_equal(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
	assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(PEER_IP));
	assert_int_equal(a->arp_data.arp_sip, rte_cpu_to_be_32(OUR_IP));
	assert_true(rte_is_same_ether_addr(&a->arp_data.arp_sha, &OURS));
}

static int tick(uint32_t now, uint8_t *f)
{
	return neigh_tick(&E, now, &OURS, &C, f);
}

static void test_confirmed_refuses_conflict(void **state)
{
	(void)state;
	resolved();
	uint32_t seq = neigh_seq(&E);
	/* a forged reply, a forged request claiming the peer, a gratuitous
	 * one: each counted, none applied */
	reply(&FORGED, 100);
	assert_int_equal(feed(RTE_ARP_OP_REQUEST, &FORGED, PEER_IP, 1, 200), NEIGH_ARP_REQUEST);
	uint8_t f[64];
	uint32_t tip;
	arp_frame(f, RTE_ARP_OP_REQUEST, &FORGED, PEER_IP, PEER_IP);
	assert_int_equal(neigh_arp_input(&E, f, 60, 1, 300, &C, &tip), NEIGH_ARP_REQUEST);
	assert_int_equal(C.arp_conflicts, 3);
	assert_int_equal(C.arp_changes, 0);
	assert_int_equal(C.arp_replies, 2); /* with bring-up's */
	assert_int_equal(C.arp_requests, 2);
	assert_true(mac_is(&REAL));
	assert_int_equal(neigh_seq(&E), seq);
	/* claims about other addresses are no conflict */
	assert_int_equal(feed(RTE_ARP_OP_REPLY, &FORGED, IP4(198, 18, 0, 5), 1, 400), NEIGH_ARP_REPLY);
	assert_int_equal(C.arp_conflicts, 3);
	/* the peer repeating itself is none either */
	reply(&REAL, 500);
	assert_int_equal(C.arp_conflicts, 3);
}

static void test_tcp_keeps_it_confirmed(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	/* TCP progress from the peer's MAC on worker 1, stamped once a ms;
	 * from another MAC it does not count */
	for (uint32_t t = 1000; t <= 20000; t += 1000) {
		neigh_confirm(&E.by[1], &REAL, &REAL, t);
		neigh_confirm(&E.by[0], &REAL, &FORGED, t + 500);
		assert_int_equal(tick(t, f), 0);
	}
	assert_int_equal(E.by[1].ms, 20000);
	assert_int_equal(E.by[0].ms, 0);
	assert_int_equal(C.arp_probes, 0);
	assert_int_equal(E.state, NEIGH_REACHABLE);
	/* 20 s into the run, long past NEIGH_REACHABLE_MS without ARP:
	 * still confirmed, so a forged reply is refused */
	reply(&FORGED, 21000);
	assert_int_equal(C.arp_conflicts, 1);
	assert_true(mac_is(&REAL));
}

static void test_unconfirmed_probes_then_takes_answer(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	uint32_t t0 = NEIGH_REACHABLE_MS; /* the last moment still confirmed */
	assert_int_equal(tick(t0, f), 0);
	assert_int_equal(E.state, NEIGH_REACHABLE);
	/* one ms later: PROBE, unicast to the MAC in use, once a second */
	for (int i = 0; i < NEIGH_UCAST_PROBES; i++) {
		uint32_t t = t0 + 1 + (uint32_t)i * NEIGH_RETRANS_MS;
		assert_int_equal(tick(t, f), 1);
		expect_probe(f, &REAL);
		assert_int_equal(E.state, NEIGH_PROBE);
		assert_int_equal(tick(t + 1, f), 0); /* not before its time */
		assert_int_equal(tick(t + NEIGH_RETRANS_MS - 1, f), 0);
	}
	/* then broadcast */
	uint32_t t = t0 + 1 + NEIGH_UCAST_PROBES * NEIGH_RETRANS_MS;
	assert_int_equal(tick(t, f), 1);
	expect_probe(f, NULL);
	assert_int_equal(C.arp_probes, NEIGH_UCAST_PROBES + 1);
	/* the next hop moved: the answer, from a new MAC, is taken and
	 * published; probing stops */
	uint32_t seq = neigh_seq(&E);
	reply(&MOVED, t + 10);
	assert_true(mac_is(&MOVED));
	assert_int_equal(neigh_seq(&E), seq + 2);
	assert_int_equal(C.arp_changes, 1);
	assert_int_equal(C.arp_conflicts, 0);
	assert_int_equal(E.state, NEIGH_REACHABLE);
	for (uint32_t u = t + 20; u < t + NEIGH_REACHABLE_MS; u += 100)
		assert_int_equal(tick(u, f), 0);
	/* and now the old MAC is the conflict */
	reply(&REAL, t + 100);
	assert_int_equal(C.arp_conflicts, 1);
	assert_true(mac_is(&MOVED));
}

static void test_probe_answered_by_same_mac(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	assert_int_equal(tick(NEIGH_REACHABLE_MS + 1, f), 1);
	expect_probe(f, &REAL);
	reply(&REAL, NEIGH_REACHABLE_MS + 5);
	assert_int_equal(E.state, NEIGH_REACHABLE);
	assert_int_equal(C.arp_changes, 0);
	assert_int_equal(tick(NEIGH_REACHABLE_MS + NEIGH_RETRANS_MS + 1, f), 0);
	/* confirmed again: a forged reply is refused */
	reply(&FORGED, NEIGH_REACHABLE_MS + 2000);
	assert_int_equal(C.arp_conflicts, 1);
	assert_true(mac_is(&REAL));
}

static void test_unconfirmed_takes_unsolicited_change(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	/* no TCP progress for longer than NEIGH_REACHABLE_MS (no tick ran):
	 * a gratuitous request from the next hop's new MAC is taken */
	uint32_t seq = neigh_seq(&E);
	assert_int_equal(feed(RTE_ARP_OP_REQUEST, &MOVED, PEER_IP, 1, NEIGH_REACHABLE_MS + 1),
			 NEIGH_ARP_REQUEST);
	assert_true(mac_is(&MOVED));
	assert_int_equal(neigh_seq(&E), seq + 2);
	assert_int_equal(C.arp_changes, 1);
	assert_int_equal(C.arp_conflicts, 0);
	assert_int_equal(tick(NEIGH_REACHABLE_MS + 2, f), 0); /* confirmed by it */
}

static void test_unanswered_round(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	uint32_t t = NEIGH_REACHABLE_MS + 1;
	int sent = 0;
	for (uint32_t u = t; u < t + 7 * NEIGH_RETRANS_MS; u += 10)
		sent += tick(u, f);
	assert_int_equal(sent, NEIGH_UCAST_PROBES + NEIGH_BCAST_PROBES);
	assert_int_equal(C.arp_unanswered, 1);
	assert_int_equal(E.state, NEIGH_UNANSWERED);
	assert_true(mac_is(&REAL)); /* kept */
	/* the next round, NEIGH_REACHABLE_MS later, broadcast at once */
	uint32_t end = t + (NEIGH_UCAST_PROBES + NEIGH_BCAST_PROBES) * NEIGH_RETRANS_MS;
	assert_int_equal(tick(end + NEIGH_REACHABLE_MS - 100, f), 0);
	assert_int_equal(tick(end + NEIGH_REACHABLE_MS + 100, f), 1);
	expect_probe(f, NULL);
	/* TCP progress again (a worker's stamp) ends probing */
	neigh_confirm(&E.by[0], &REAL, &REAL, end + NEIGH_REACHABLE_MS + 200);
	assert_int_equal(tick(end + NEIGH_REACHABLE_MS + 2000, f), 0);
	assert_int_equal(E.state, NEIGH_REACHABLE);
}

static void test_pinned_never_changes(void **state)
{
	(void)state;
	memset(&C, 0, sizeof(C));
	neigh_entry_init(&E, rte_cpu_to_be_32(PEER_IP), rte_cpu_to_be_32(OUR_IP), REAL.addr_bytes, 1);
	neigh_epoch(&E);
	uint32_t seq = neigh_seq(&E);
	uint8_t f[64];
	for (uint32_t t = 0; t < 60000; t += 250) {
		assert_int_equal(tick(t, f), 0); /* never probed */
		reply(&FORGED, t + 1);
		feed(RTE_ARP_OP_REQUEST, &MOVED, PEER_IP, 0, t + 2); /* not the owner: still counted */
	}
	assert_int_equal(C.arp_conflicts, 2 * 240);
	assert_int_equal(C.arp_changes + C.arp_probes, 0);
	assert_true(mac_is(&REAL));
	assert_int_equal(neigh_seq(&E), seq);
}

static void test_only_owner_learns(void **state)
{
	(void)state;
	resolved();
	uint32_t late = 3 * NEIGH_REACHABLE_MS;
	assert_int_equal(feed(RTE_ARP_OP_REPLY, &MOVED, PEER_IP, 0, late), NEIGH_ARP_REPLY);
	assert_true(mac_is(&REAL));
	assert_int_equal(C.arp_changes, 0);
	reply(&MOVED, late);
	assert_true(mac_is(&MOVED));
}

static void test_bad_frames(void **state)
{
	(void)state;
	resolved();
	uint8_t f[64];
	uint32_t tip;
	arp_frame(f, RTE_ARP_OP_REPLY, &FORGED, PEER_IP, OUR_IP);
	assert_int_equal(neigh_arp_input(&E, f, 30, 1, 10, &C, &tip), NEIGH_ARP_BAD); /* short */
	f[RTE_ETHER_HDR_LEN + 4] = 8; /* hlen */
	assert_int_equal(neigh_arp_input(&E, f, 60, 1, 10, &C, &tip), NEIGH_ARP_BAD);
	assert_int_equal(C.drops_bad_header, 2);
	arp_frame(f, 9, &FORGED, PEER_IP, OUR_IP);
	assert_int_equal(neigh_arp_input(&E, f, 60, 1, 10, &C, &tip), NEIGH_ARP_OTHER);
	assert_int_equal(C.drops_not_ours, 1);
	/* a broadcast sender MAC claims nothing */
	struct rte_ether_addr bc;
	memset(&bc, 0xff, sizeof(bc));
	reply(&bc, 3 * NEIGH_REACHABLE_MS);
	assert_true(mac_is(&REAL));
	assert_int_equal(C.arp_conflicts, 0);
	/* no entry (a port without a next hop): counted, nothing else */
	arp_frame(f, RTE_ARP_OP_REPLY, &FORGED, PEER_IP, OUR_IP);
	assert_int_equal(neigh_arp_input(NULL, f, 60, 1, 10, &C, &tip), NEIGH_ARP_REPLY);
	assert_int_equal(neigh_tick(NULL, 10, &OURS, &C, f), 0);
}

static void test_answer_in_place(void **state)
{
	(void)state;
	uint8_t f[64];
	arp_frame(f, RTE_ARP_OP_REQUEST, &REAL, PEER_IP, OUR_IP);
	neigh_arp_answer(f, &OURS);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)f;
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &REAL));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &OURS));
	assert_int_equal(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	assert_true(rte_is_same_ether_addr(&a->arp_data.arp_sha, &OURS));
	assert_true(rte_is_same_ether_addr(&a->arp_data.arp_tha, &REAL));
	assert_int_equal(a->arp_data.arp_sip, rte_cpu_to_be_32(OUR_IP));
	assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(PEER_IP));
}

/* The seq-counted copy: one writer publishes MACs whose six bytes are
 * all k (k = 1, 2, ...) until told to stop; a reader on this thread never
 * sees a mixed MAC, nor one that is not the count's, and the counts it
 * sees are even and never go back. The reader goes on until it has seen
 * the MAC change often (bounded by time, for a loaded machine). */
static volatile int writer_stop;
static volatile uint32_t writer_k;

static void *writer(void *arg)
{
	(void)arg;
	uint32_t k = 0;
	while (!writer_stop) {
		struct rte_ether_addr m;
		k++;
		memset(&m, (int)(k & 0xff), sizeof(m));
		neigh_publish(&E, &m);
	}
	writer_k = k;
	return NULL;
}

static void test_seq_publish_read(void **state)
{
	(void)state;
	neigh_entry_init(&E, rte_cpu_to_be_32(PEER_IP), 0, NULL, 1);
	writer_stop = 0;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
	uint32_t last = 0, torn = 0, odd = 0, back = 0, changes = 0;
	uint64_t reads = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint8_t prev = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (changes >= 1000 || t.tv_sec - t0.tv_sec >= 5)
			break;
		struct rte_ether_addr m;
		uint32_t s = neigh_read(&E, &m);
		for (int i = 1; i < RTE_ETHER_ADDR_LEN; i++)
			torn += m.addr_bytes[i] != m.addr_bytes[0];
		odd += s & 1;
		back += s < last;
		/* the count says which publish this is: k = s / 2 */
		torn += m.addr_bytes[0] != (uint8_t)((s / 2) & 0xff);
		changes += m.addr_bytes[0] != prev;
		prev = m.addr_bytes[0];
		last = s;
		reads++;
	}
	writer_stop = 1;
	pthread_join(th, NULL);
	print_message("%llu reads, %u changes seen, %u publishes\n", (unsigned long long)reads,
		      changes, writer_k);
	assert_int_equal(torn, 0);
	assert_int_equal(odd, 0);
	assert_int_equal(back, 0);
	assert_true(changes >= 10); /* the reader saw the writer move */
	struct rte_ether_addr m;
	assert_int_equal(neigh_read(&E, &m), 2 * writer_k);
	assert_int_equal(m.addr_bytes[5], writer_k & 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirmed_refuses_conflict),
		cmocka_unit_test(test_tcp_keeps_it_confirmed),
		cmocka_unit_test(test_unconfirmed_probes_then_takes_answer),
		cmocka_unit_test(test_probe_answered_by_same_mac),
		cmocka_unit_test(test_unconfirmed_takes_unsolicited_change),
		cmocka_unit_test(test_unanswered_round),
		cmocka_unit_test(test_pinned_never_changes),
		cmocka_unit_test(test_only_owner_learns),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_answer_in_place),
		cmocka_unit_test(test_seq_publish_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
