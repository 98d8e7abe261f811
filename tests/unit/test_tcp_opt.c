/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option parsing and SYN option building (tcp_opt.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_opt.h"

#define PARSE(o, ...)                                                   \
	({                                                              \
		const uint8_t b_[] = { __VA_ARGS__ };                   \
		tcp_opt_parse(b_, sizeof(b_), (o));                     \
	})

static void test_empty(void **state)
{
	(void)state;
	struct tcp_opts o;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(tcp_opt_parse(NULL, 0, &o), 0);
	assert_false(o.has_mss);
	assert_false(o.has_wscale);
	assert_false(o.sack_ok);
	assert_false(o.has_ts);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.wscale, 0);
}

static void test_mss(void **state)
{
	(void)state;
	struct tcp_opts o;
	assert_int_equal(PARSE(&o, 2, 4, 0x05, 0xb4), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_false(o.has_wscale);
	assert_false(o.sack_ok);
	assert_false(o.has_ts);
	assert_int_equal(PARSE(&o, 2, 4, 0xff, 0xff), 0);
	assert_int_equal(o.mss, 65535);
}

static void test_wscale(void **state)
{
	(void)state;
	struct tcp_opts o;
	assert_int_equal(PARSE(&o, 1, 3, 3, 7), 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);
	assert_false(o.has_mss);
	assert_int_equal(PARSE(&o, 3, 3, 0), 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 0);
	assert_int_equal(PARSE(&o, 3, 3, 14), 0);
	assert_int_equal(o.wscale, 14);
	/* RFC 7323 2.3: a shift above 14 is taken as 14 */
	assert_int_equal(PARSE(&o, 3, 3, 15), 0);
	assert_int_equal(o.wscale, 14);
	assert_int_equal(PARSE(&o, 3, 3, 255), 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 14);
}

static void test_sack_ts(void **state)
{
	(void)state;
	struct tcp_opts o;
	assert_int_equal(PARSE(&o, 4, 2), 0);
	assert_true(o.sack_ok);
	assert_int_equal(PARSE(&o, 1, 1, 8, 10, 0x01, 0x02, 0x03, 0x04, 0xfe,
			       0xdc, 0xba, 0x98),
			 0);
	assert_true(o.has_ts);
	assert_false(o.sack_ok);
	assert_int_equal(o.ts_val, 0x01020304u);
	assert_int_equal(o.ts_ecr, 0xfedcba98u);
}

static void test_linux_syn(void **state)
{
	(void)state;
	/* The options of a Linux SYN: MSS, SACK_PERM, TS, NOP, WS */
	struct tcp_opts o;
	assert_int_equal(PARSE(&o, 2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0x9a, 0xbc,
			       0xde, 0xf0, 0, 0, 0, 0, 1, 3, 3, 7),
			 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 65495);
	assert_true(o.sack_ok);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_val, 0x9abcdef0u);
	assert_int_equal(o.ts_ecr, 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);
}

static void test_nop_eol(void **state)
{
	(void)state;
	struct tcp_opts o;
	/* NOPs only */
	assert_int_equal(PARSE(&o, 1, 1, 1, 1), 0);
	assert_false(o.has_mss);
	/* EOL ends the list: what follows is not parsed, even if garbage */
	assert_int_equal(PARSE(&o, 2, 4, 0x02, 0x00, 0, 3, 3, 9), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 512);
	assert_false(o.has_wscale);
	assert_int_equal(PARSE(&o, 0, 0xff, 0xff, 0xff), 0);
	assert_false(o.has_mss);
	/* EOL padding after an option */
	assert_int_equal(PARSE(&o, 3, 3, 2, 0), 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 2);
}

static void test_unknown_skipped(void **state)
{
	(void)state;
	struct tcp_opts o;
	/* kind 30 (MPTCP) length 6, kind 253 (experimental) length 2, then
	 * MSS: parsing carries on after unknown options */
	assert_int_equal(PARSE(&o, 30, 6, 2, 4, 3, 3, 253, 2, 2, 4, 0x01, 0x00),
			 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 256);
	/* The unknown option's body looked like MSS and WS: not taken */
	assert_false(o.has_wscale);
	/* SACK blocks (kind 5) are skipped as well */
	assert_int_equal(PARSE(&o, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 3, 3, 4),
			 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 4);
}

static void test_malformed(void **state)
{
	(void)state;
	struct tcp_opts o;
	/* length 0 and 1 */
	assert_int_equal(PARSE(&o, 2, 0, 0, 0), -1);
	assert_int_equal(PARSE(&o, 30, 1, 0, 0), -1);
	assert_int_equal(PARSE(&o, 30, 0), -1);
	/* kind without a length byte at the end */
	assert_int_equal(PARSE(&o, 1, 1, 1, 2), -1);
	assert_int_equal(PARSE(&o, 30), -1);
	/* running past the end */
	assert_int_equal(PARSE(&o, 2, 4, 0x05), -1);
	assert_int_equal(PARSE(&o, 30, 9, 0, 0, 0, 0, 0, 0), -1);
	assert_int_equal(PARSE(&o, 8, 10, 1, 2, 3, 4, 5, 6, 7), -1);
	/* wrong fixed lengths */
	assert_int_equal(PARSE(&o, 2, 3, 0x05, 0), -1);
	assert_int_equal(PARSE(&o, 2, 5, 0x05, 0xb4, 0), -1);
	assert_int_equal(PARSE(&o, 3, 4, 7, 0), -1);
	assert_int_equal(PARSE(&o, 3, 2), -1);
	assert_int_equal(PARSE(&o, 4, 3, 0), -1);
	assert_int_equal(PARSE(&o, 8, 8, 1, 2, 3, 4, 5, 6), -1);
	/* a good option before a bad one still makes the whole list bad */
	assert_int_equal(PARSE(&o, 2, 4, 0x05, 0xb4, 3, 3), -1);
}

static void test_len_bound(void **state)
{
	(void)state;
	/* The parser must not read beyond len even when the buffer holds
	 * more: an MSS cut by len is malformed. */
	const uint8_t b[] = { 2, 4, 0x05, 0xb4 };
	struct tcp_opts o;
	assert_int_equal(tcp_opt_parse(b, 3, &o), -1);
	assert_int_equal(tcp_opt_parse(b, 1, &o), -1);
	assert_int_equal(tcp_opt_parse(b, 4, &o), 0);
	assert_int_equal(o.mss, 1460);
}

static void test_build_syn(void **state)
{
	(void)state;
	uint8_t b[16];
	struct tcp_opts o;

	memset(b, 0xee, sizeof(b));
	assert_int_equal(tcp_opt_build_syn(b, 1460, 7), 8);
	const uint8_t want_ws[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	assert_memory_equal(b, want_ws, 8);
	assert_int_equal(b[8], 0xee); /* nothing written past the end */
	assert_int_equal(tcp_opt_parse(b, 8, &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);
	assert_false(o.sack_ok);
	assert_false(o.has_ts);

	memset(b, 0xee, sizeof(b));
	assert_int_equal(tcp_opt_build_syn(b, 536, -1), 4);
	const uint8_t want_nows[] = { 2, 4, 0x02, 0x18 };
	assert_memory_equal(b, want_nows, 4);
	assert_int_equal(b[4], 0xee);
	assert_int_equal(tcp_opt_parse(b, 4, &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 536);
	assert_false(o.has_wscale);

	/* shift 0 is a real option, not "none" */
	assert_int_equal(tcp_opt_build_syn(b, 9000, 0), 8);
	assert_int_equal(tcp_opt_parse(b, 8, &o), 0);
	assert_int_equal(o.mss, 9000);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 0);

	/* every MSS and shift round-trips */
	for (uint32_t mss = 0; mss <= 0xffff; mss += 257) {
		for (int ws = -1; ws <= 14; ws++) {
			uint32_t n = tcp_opt_build_syn(b, (uint16_t)mss, ws);
			assert_int_equal(n % 4, 0);
			assert_int_equal(tcp_opt_parse(b, n, &o), 0);
			assert_int_equal(o.mss, mss);
			assert_int_equal(o.has_wscale, ws >= 0);
			assert_int_equal(o.wscale, ws >= 0 ? ws : 0);
		}
	}
}

/* tcp_opt_check on a heap copy of exactly len bytes: under ASAN a read
 * past the list is an error. */
static int check_exact(const uint8_t *b, uint32_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	assert_non_null(c);
	if (len)
		memcpy(c, b, len);
	int rc = tcp_opt_check(c, len);
	/* the fast path (the timestamp list taken without the walk) agrees */
	assert_int_equal(tcp_opt_check_fast(c, len), rc);
	free(c);
	return rc;
}
#define CHECK(...)                                                      \
	({                                                              \
		const uint8_t b_[] = { __VA_ARGS__ };                   \
		check_exact(b_, sizeof(b_));                            \
	})

static void test_check_shape(void **state)
{
	(void)state;
	assert_int_equal(check_exact(NULL, 0), 0);
	assert_int_equal(CHECK(1, 1, 1, 1), 0);
	assert_int_equal(CHECK(2, 4, 5, 0xb4, 1, 3, 3, 7), 0);
	assert_int_equal(CHECK(0, 0xff, 0xff, 0xff), 0);  /* nothing after EOL is read */
	assert_int_equal(CHECK(30, 6, 1, 2, 3, 4), 0);    /* unknown, well formed */
	assert_int_equal(CHECK(2, 3, 5, 1), 0);           /* a known kind's wrong length */
	assert_int_equal(CHECK(8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1), 0);
	/* the timestamp list as sent with every segment (the fast path), and
	 * twelve bytes that only look like it */
	assert_int_equal(CHECK(1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8), 0);
	assert_int_equal(CHECK(1, 1, 8, 11, 1, 2, 3, 4, 5, 6, 7, 8), -1);
	assert_int_equal(CHECK(1, 1, 8, 1, 1, 2, 3, 4, 5, 6, 7, 8), -1);
	/* length 0 or 1 */
	assert_int_equal(CHECK(2, 0, 5, 0xb4), -1);
	assert_int_equal(CHECK(30, 1, 0, 0), -1);
	assert_int_equal(CHECK(1, 99, 0, 1), -1);
	/* a kind without its length byte */
	assert_int_equal(CHECK(1, 1, 1, 2), -1);
	assert_int_equal(CHECK(30), -1);
	/* running past the list */
	assert_int_equal(CHECK(1, 1, 30, 6), -1);
	assert_int_equal(CHECK(2, 4, 5, 0xb4, 8, 255, 0, 0), -1);
	assert_int_equal(CHECK(2, 4, 5), -1);
	/* every list of up to 40 random bytes: no read past it */
	uint32_t x = 1;
	for (int i = 0; i < 100000; i++) {
		uint8_t b[40];
		uint32_t len = (x = x * 1103515245u + 12345u) >> 26; /* 0..63 */
		if (len > 40)
			len -= 24;
		for (uint32_t k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			b[k] = (uint8_t)(x >> 24) % 12; /* small kinds and lengths */
		}
		int rc = check_exact(b, len);
		struct tcp_opts o;
		uint8_t *c = malloc(len ? len : 1);
		assert_non_null(c);
		if (len)
			memcpy(c, b, len);
		/* a list tcp_opt_check passes never sends parse past it either */
		if (rc == 0)
			(void)tcp_opt_parse(c, len, &o);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_mss),
		cmocka_unit_test(test_wscale),
		cmocka_unit_test(test_sack_ts),
		cmocka_unit_test(test_linux_syn),
		cmocka_unit_test(test_nop_eol),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_len_bound),
		cmocka_unit_test(test_build_syn),
		cmocka_unit_test(test_check_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
