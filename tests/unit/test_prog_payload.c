/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload rendering: every field kind, sub-ranges equal to the whole
 * render (what retransmission relies on), comparison, the bulk pattern.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "prog_util.h"

/* Every [off, off + len) of payload id renders as that slice of the
 * whole. */
static void check_slices(uint32_t id, const struct payload_ctx *c)
{
	uint32_t len = VM.payloads[id].len;
	char whole[512], part[512];
	assert_true(len < sizeof(whole));
	render(id, c, 0, len, whole);
	for (uint32_t off = 0; off <= len; off++)
		for (uint32_t n = 0; off + n <= len; n++) {
			memset(part, '#', sizeof(part));
			render(id, c, off, n, part);
			assert_memory_equal(part, whole + off, n);
			assert_int_equal(part[n], 0);
			assert_int_equal(payload_cmp(&VM, id, c, off,
						     (const uint8_t *)whole + off, n),
					 0);
		}
}

static void test_plain(void **state)
{
	(void)state;
	vm_reset();
	uint32_t id = vm_str("GET / HTTP/1.1\r\n\r\n");
	struct payload_ctx c = ctx_make(7, 0);
	char out[64];
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "GET / HTTP/1.1\r\n\r\n");
	render(id, &c, 4, 3, out);
	assert_string_equal(out, "/ H");
	check_slices(id, &c);
	assert_int_not_equal(payload_cmp(&VM, id, &c, 0, (const uint8_t *)"GET /x", 6), 0);
}

static void test_numbers(void **state)
{
	(void)state;
	vm_reset();
	uint32_t id = vm_str("SET key:________ r=____ c=___ w=________________________!");
	vm_field(id, 8, TENG_FIELD_CONN, 8);
	vm_field(id, 19, TENG_FIELD_REQ, 4);
	vm_field(id, 26, TENG_FIELD_CORE_CONN, 3);
	vm_field(id, 32, TENG_FIELD_CONN, 24); /* wider than any uint64 */
	struct payload_ctx c = ctx_make(42, 7);
	c.conn = 1234; /* modulo 10^3 */
	char out[128];
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "SET key:00000042 r=0007 c=234 w=000000000000000000000042!");
	check_slices(id, &c);
	c = ctx_make(123456789012ull, 65535);
	c.conn = 12;
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "SET key:56789012 r=5535 c=012 w=000000000000123456789012!");
	c = ctx_make(UINT64_MAX, 0);
	render(id, &c, 32, 24, out);
	assert_string_equal(out, "000018446744073709551615");
	check_slices(id, &c);
}

static void test_random(void **state)
{
	(void)state;
	vm_reset();
	VM.seed = 99;
	uint32_t id = vm_str("d=______ a=________________________________________.");
	struct teng_field *d = vm_field(id, 2, TENG_FIELD_RAND_DIGITS, 6);
	struct teng_field *a = vm_field(id, 11, TENG_FIELD_RAND_ALNUM, 40);
	d->salt = 1;
	a->salt = 2;
	struct payload_ctx c = ctx_make(5, 3);
	char x[128], y[128];
	render(id, &c, 0, VM.payloads[id].len, x);
	for (int i = 2; i < 8; i++)
		assert_true(isdigit((unsigned char)x[i]));
	int upper = 0, lower = 0, digit = 0;
	for (int i = 11; i < 51; i++) {
		assert_true(isalnum((unsigned char)x[i]));
		upper += isupper((unsigned char)x[i]) != 0;
		lower += islower((unsigned char)x[i]) != 0;
		digit += isdigit((unsigned char)x[i]) != 0;
	}
	assert_true(upper && lower && digit);
	assert_int_equal(x[51], '.');
	check_slices(id, &c);
	/* a pure function: the same again */
	render(id, &c, 0, VM.payloads[id].len, y);
	assert_string_equal(x, y);
	/* another request, connection, seed or salt: another value */
	c.req = 4;
	render(id, &c, 0, VM.payloads[id].len, y);
	assert_string_not_equal(x, y);
	c = ctx_make(6, 3);
	render(id, &c, 0, VM.payloads[id].len, y);
	assert_string_not_equal(x, y);
	c = ctx_make(5, 3);
	VM.seed = 100;
	render(id, &c, 0, VM.payloads[id].len, y);
	assert_string_not_equal(x, y);
	VM.seed = 99;
	a->salt = 3;
	render(id, &c, 0, VM.payloads[id].len, y);
	assert_memory_equal(x, y, 11);
	assert_memory_not_equal(x + 11, y + 11, 40);
	/* digits spread over 0..9 */
	int seen[10] = { 0 };
	for (uint64_t k = 0; k < 200; k++) {
		c = ctx_make(k, 0);
		render(id, &c, 2, 6, y);
		for (int i = 0; i < 6; i++)
			seen[y[i] - '0']++;
	}
	for (int i = 0; i < 10; i++)
		assert_true(seen[i] > 60 && seen[i] < 180);
}

static void test_lists(void **state)
{
	(void)state;
	vm_reset();
	uint32_t v0 = vm_str("ann  ");
	vm_str("bob  ");
	vm_str("carol");
	uint32_t id = vm_str("user=_____;r=_____;");
	struct teng_field *s = vm_field(id, 5, TENG_FIELD_LIST_SEQ, 5);
	s->arg = v0;
	s->count = 3;
	struct teng_field *r = vm_field(id, 13, TENG_FIELD_LIST_RAND, 5);
	r->arg = v0;
	r->count = 3;
	r->salt = 9;
	const char *names[] = { "ann  ", "bob  ", "carol" };
	char out[64];
	for (uint64_t conn = 0; conn < 5; conn++)
		for (uint32_t req = 0; req < 4; req++) {
			struct payload_ctx c = ctx_make(conn, req);
			render(id, &c, 0, VM.payloads[id].len, out);
			assert_memory_equal(out + 5, names[(conn + req) % 3], 5);
			uint64_t h = payload_hash(VM.seed, conn, req, 9);
			assert_memory_equal(out + 13, names[h % 3], 5);
			check_slices(id, &c);
		}
	/* a value shorter than the field: padded with the field's pad */
	vm_reset();
	v0 = vm_str("ab");
	id = vm_str("[____]");
	s = vm_field(id, 1, TENG_FIELD_LIST_SEQ, 4);
	s->arg = v0;
	s->count = 1;
	s->pad = '-';
	struct payload_ctx c = ctx_make(0, 0);
	render(id, &c, 0, 6, out);
	assert_string_equal(out, "[ab--]");
}

static void test_client_addr(void **state)
{
	(void)state;
	vm_reset();
	uint32_t id = vm_str("ip=_______________ port=_____;");
	struct teng_field *ip = vm_field(id, 3, TENG_FIELD_CLIENT_IP, 15);
	ip->pad = ' ';
	vm_field(id, 24, TENG_FIELD_CLIENT_PORT, 5);
	struct payload_ctx c = ctx_make(0, 0);
	c.ip = htonl(0x0a000001); /* 10.0.0.1 */
	c.port = htons(80);
	char out[64];
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "ip=10.0.0.1        port=00080;");
	check_slices(id, &c);
	c.ip = htonl(0xc61264c8); /* 198.18.100.200 */
	c.port = htons(65535);
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "ip=198.18.100.200  port=65535;");
	check_slices(id, &c);
	c.ip = htonl(0xc6a864c8); /* 198.168.100.200: all 15 */
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "ip=198.168.100.200 port=65535;");
	c.ip = 0;
	c.port = htons(1024);
	render(id, &c, 0, VM.payloads[id].len, out);
	assert_string_equal(out, "ip=0.0.0.0         port=01024;");
}

/* Fields at the very start and end, adjacent to each other. */
static void test_edges(void **state)
{
	(void)state;
	vm_reset();
	uint32_t id = vm_str("______");
	vm_field(id, 0, TENG_FIELD_CONN, 2);
	vm_field(id, 2, TENG_FIELD_REQ, 2);
	vm_field(id, 4, TENG_FIELD_CORE_CONN, 2);
	struct payload_ctx c = ctx_make(12, 34);
	c.conn = 56;
	char out[16];
	render(id, &c, 0, 6, out);
	assert_string_equal(out, "123456");
	check_slices(id, &c);
}

/* Comparison of long rendered templates goes chunk by chunk. */
static void test_cmp_long(void **state)
{
	(void)state;
	vm_reset();
	char tpl[400];
	memset(tpl, 'x', sizeof(tpl) - 1);
	tpl[sizeof(tpl) - 1] = 0;
	uint32_t id = vm_str(tpl);
	vm_field(id, 10, TENG_FIELD_CONN, 4);
	vm_field(id, 200, TENG_FIELD_RAND_ALNUM, 100);
	vm_field(id, 390, TENG_FIELD_REQ, 9);
	struct payload_ctx c = ctx_make(77, 2);
	char whole[400];
	render(id, &c, 0, 399, whole);
	assert_int_equal(payload_cmp(&VM, id, &c, 0, (uint8_t *)whole, 399), 0);
	assert_int_equal(payload_cmp(&VM, id, &c, 150, (uint8_t *)whole + 150, 249), 0);
	whole[398] ^= 1;
	assert_int_not_equal(payload_cmp(&VM, id, &c, 0, (uint8_t *)whole, 399), 0);
	assert_int_not_equal(payload_cmp(&VM, id, &c, 300, (uint8_t *)whole + 300, 99), 0);
	assert_int_equal(payload_cmp(&VM, id, &c, 300, (uint8_t *)whole + 300, 98), 0);
}

static void test_bulk(void **state)
{
	(void)state;
	static uint8_t out[5000];
	for (uint32_t off = 0; off < 60; off += 7) {
		payload_bulk(off, sizeof(out), out);
		for (uint32_t i = 0; i < sizeof(out); i++)
			assert_int_equal(out[i], 'a' + (off + i) % 26);
	}
	payload_bulk(1000000007u, 3, out);
	assert_int_equal(out[0], 'a' + 1000000007u % 26);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	   cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_random),	   cmocka_unit_test(test_lists),
		cmocka_unit_test(test_client_addr), cmocka_unit_test(test_edges),
		cmocka_unit_test(test_cmp_long),   cmocka_unit_test(test_bulk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
