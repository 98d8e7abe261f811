/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of every recv mode, each message split at every byte boundary
 * (and fed byte by byte), followed by bytes of the next message that the
 * framer must leave alone; expectations checked as the bytes stream.
 */
#include "prog_util.h"

static struct tcb T;

/* The reference for test_http_runs: the same HTTP framer built to take
 * a byte at a time, without its runs. */
int proto_http_bytewise(const struct chk *c, struct tcb *t, const uint8_t *p, uint32_t n,
			uint32_t *used);
int proto_http_fin_bytewise(const struct tcb *t);
#define HTTP_HEAD_RUNS 0
#define proto_http proto_http_bytewise
#define proto_http_fin proto_http_fin_bytewise
#include "proto_http.c"
#undef proto_http
#undef proto_http_fin
#undef HTTP_HEAD_RUNS

/* Feed data[0, len): first [0, cut), then the rest in pieces of step
 * bytes (0: at once). Returns the framer's last result; *taken: bytes
 * it consumed. */
static int feed(proto_fn fn, const struct teng_op *op, const void *data,
		uint32_t len, uint32_t cut, uint32_t step, uint32_t *taken)
{
	const uint8_t *d = data;
	struct chk c = { .vm = &VM, .op = op, .ctx = ctx_make(3, 1) };
	memset(&T, 0, sizeof(T));
	proto_reset(&T);
	uint32_t pos = 0;
	int r = FR_MORE;
	while (pos < len && r == FR_MORE) {
		uint32_t lim = pos < cut ? cut : len;
		if (step && pos >= cut && lim - pos > step)
			lim = pos + step;
		uint32_t used = 0;
		r = fn(&c, &T, d + pos, lim - pos, &used);
		assert_true(used <= lim - pos);
		if (r == FR_MORE)
			assert_int_equal(used, lim - pos); /* MORE takes all */
		pos += used;
	}
	*taken = pos;
	return r;
}

static int chk_result(const struct teng_op *op)
{
	struct chk c = { .vm = &VM, .op = op, .ctx = ctx_make(3, 1) };
	return chk_ok(&c, &T);
}

/* msg frames as one message of exactly msg_len bytes at every split;
 * then `next` follows untouched. Returns chk_ok of the last run (they
 * must all agree). */
static int frames(proto_fn fn, const struct teng_op *op, const char *msg,
		  uint32_t msg_len, const char *next)
{
	char buf[4096];
	uint32_t nl = (uint32_t)strlen(next);
	assert_true(msg_len + nl <= sizeof(buf));
	memcpy(buf, msg, msg_len);
	memcpy(buf + msg_len, next, nl);
	uint32_t total = msg_len + nl;
	int ok = -1;
	for (uint32_t step = 0; step <= 1; step++)
		for (uint32_t cut = 0; cut <= total; cut++) {
			uint32_t taken;
			int r = feed(fn, op, buf, total, cut, step, &taken);
			if (r != FR_DONE || taken != msg_len)
				fail_msg("cut %u step %u: r %d taken %u of %u", cut,
					 step, r, taken, msg_len);
			int k = chk_result(op);
			if (ok >= 0)
				assert_int_equal(k, ok);
			ok = k;
			if (step)
				break; /* byte by byte once is enough */
		}
	return ok;
}
#define FRAMES(fn, op, msg, next) frames(fn, op, msg, (uint32_t)strlen(msg), next)

/* Not complete: every split takes everything and wants more. */
static void more(proto_fn fn, const struct teng_op *op, const char *msg)
{
	uint32_t len = (uint32_t)strlen(msg);
	for (uint32_t cut = 0; cut <= len; cut++) {
		uint32_t taken;
		assert_int_equal(feed(fn, op, msg, len, cut, 0, &taken), FR_MORE);
		assert_int_equal(taken, len);
	}
}

/* Malformed at some byte, at every split. */
static void malformed(proto_fn fn, const struct teng_op *op, const char *msg)
{
	uint32_t len = (uint32_t)strlen(msg);
	for (uint32_t cut = 0; cut <= len; cut++) {
		uint32_t taken;
		if (feed(fn, op, msg, len, cut, 0, &taken) != FR_ERROR)
			fail_msg("'%s' cut %u: not an error", msg, cut);
	}
}

static struct teng_op recv_op(uint8_t mode)
{
	struct teng_op op = { .code = TENG_OP_RECV, .mode = mode,
			      .jump = TENG_NO_JUMP };
	return op;
}

static void expect(struct teng_op *op, uint8_t kind, uint32_t first, uint32_t n)
{
	op->expect = kind;
	op->a = (uint16_t)first;
	op->b = (uint16_t)n;
}

static void test_bytes(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_BYTES);
	op.n = 5;
	assert_int_equal(FRAMES(proto_bytes, &op, "hello", "NEXT"), 1);
	assert_int_equal(T.rx_count, 5);
	expect(&op, TENG_EXPECT_EXACT, vm_str("hello"), 1);
	assert_int_equal(FRAMES(proto_bytes, &op, "hello", "NEXT"), 1);
	assert_int_equal(FRAMES(proto_bytes, &op, "hellO", "NEXT"), 0);
	vm_str("help!");
	op.b = 2;
	assert_int_equal(FRAMES(proto_bytes, &op, "help!", ""), 1);
	assert_int_equal(T.xmask, 1); /* the first alternative dropped out */
	op.expect = TENG_EXPECT_PREFIX;
	vm_reset();
	op.a = (uint16_t)vm_str("hel");
	op.b = 1;
	assert_int_equal(FRAMES(proto_bytes, &op, "hello", "x"), 1);
	assert_int_equal(FRAMES(proto_bytes, &op, "heLlo", "x"), 0);
}

static void test_delim(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_DELIM);
	op.n = vm_str("\r\n\r\n");
	vm_delim(op.n);
	FRAMES(proto_delim, &op, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET");
	FRAMES(proto_delim, &op, "\r\n\r\r\n\r\n", "\r\n\r\n");
	more(proto_delim, &op, "abc\r\n\r");
	/* partial matches that fall back (KMP) */
	vm_reset();
	op.n = vm_str("aab");
	vm_delim(op.n);
	FRAMES(proto_delim, &op, "aaab", "aab");
	FRAMES(proto_delim, &op, "abaaaab", "");
	more(proto_delim, &op, "aaaaaaaa");
}

/* Delimiters up to 1024 bytes, with self-overlap. */
static void test_delim_long(void **state)
{
	(void)state;
	vm_reset();
	static char d[TENG_DELIM_MAX + 1], msg[3 * TENG_DELIM_MAX];
	for (int i = 0; i < TENG_DELIM_MAX - 1; i++)
		d[i] = "ab"[i % 2];
	d[TENG_DELIM_MAX - 1] = 'c';
	struct teng_op op = recv_op(TENG_RECV_DELIM);
	op.n = vm_str(d);
	vm_delim(op.n);
	/* 200 bytes of the pattern first: the match must restart midway */
	uint32_t n = 0;
	for (int i = 0; i < 200; i++)
		msg[n++] = "ab"[i % 2];
	memcpy(msg + n, d, TENG_DELIM_MAX);
	n += TENG_DELIM_MAX;
	uint32_t taken;
	for (uint32_t cut = 0; cut <= n + 3; cut += 37) {
		memcpy(msg + n, "abc", 3);
		assert_int_equal(feed(proto_delim, &op, msg, n + 3, cut, 0, &taken), FR_DONE);
		assert_int_equal(taken, n);
	}
	assert_int_equal(feed(proto_delim, &op, msg, n, n / 2, 1, &taken), FR_DONE);
	assert_int_equal(taken, n);
	/* one byte short: no match */
	assert_int_equal(feed(proto_delim, &op, msg, n - 1, 300, 0, &taken), FR_MORE);
}

static void test_line(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_LINE);
	FRAMES(proto_line, &op, "hello\r\n", "next\n");
	assert_int_equal(T.rx_count, 5); /* the check sees "hello" */
	FRAMES(proto_line, &op, "hello\n", "next\n");
	assert_int_equal(T.rx_count, 5);
	FRAMES(proto_line, &op, "\n", "x");
	assert_int_equal(T.rx_count, 0);
	more(proto_line, &op, "abc\r");
	expect(&op, TENG_EXPECT_EXACT, vm_str("PONG"), 1);
	assert_int_equal(FRAMES(proto_line, &op, "PONG\r\n", "PONG\r\n"), 1);
	assert_int_equal(FRAMES(proto_line, &op, "PONG\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "PONG\r\r\n", ""), 0);
	assert_int_equal(FRAMES(proto_line, &op, "PON\n", ""), 0);
	assert_int_equal(FRAMES(proto_line, &op, "PONGS\n", ""), 0);
	/* a '\r' inside the line is data */
	vm_reset();
	expect(&op, TENG_EXPECT_EXACT, vm_str("a\rb"), 1);
	assert_int_equal(FRAMES(proto_line, &op, "a\rb\r\n", ""), 1);
	vm_reset();
	expect(&op, TENG_EXPECT_EXACT, vm_str("a\r"), 1);
	assert_int_equal(FRAMES(proto_line, &op, "a\r\r\n", ""), 1);
	/* alternatives */
	vm_reset();
	expect(&op, TENG_EXPECT_EXACT, vm_str("OK"), 3);
	vm_str("OKAY");
	vm_str("FINE");
	assert_int_equal(FRAMES(proto_line, &op, "OK\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "OKAY\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "FINE\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "OKA\r\n", ""), 0);
	op.expect = TENG_EXPECT_PREFIX;
	assert_int_equal(FRAMES(proto_line, &op, "OKA\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "FINER\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "O\r\n", ""), 0);
}

/* An expectation with a field, rendered for the connection. */
static void test_expect_field(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_LINE);
	uint32_t e = vm_str("VALUE key:____ r=_");
	vm_field(e, 10, TENG_FIELD_CONN, 4);
	vm_field(e, 17, TENG_FIELD_REQ, 1);
	expect(&op, TENG_EXPECT_EXACT, e, 1);
	/* feed() renders for connection 3, request 1 */
	assert_int_equal(FRAMES(proto_line, &op, "VALUE key:0003 r=1\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_line, &op, "VALUE key:0004 r=1\r\n", ""), 0);
	assert_int_equal(FRAMES(proto_line, &op, "VALUE key:0003 r=2\r\n", ""), 0);
}

static void test_length(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_LENGTH);
	op.n = '$';
	op.m = 2;
	FRAMES(proto_length, &op, "$5\r\nhello\r\n", "$3\r\n");
	assert_int_equal(T.rx_count, 11);
	FRAMES(proto_length, &op, "$0\r\n\r\n", "+");
	FRAMES(proto_length, &op, "$-1\r\n", "$5\r\n");
	FRAMES(proto_length, &op, "$12\nhello world!\r\n", "");
	op.m = 0;
	FRAMES(proto_length, &op, "$5\r\nhello", "\r\n");
	FRAMES(proto_length, &op, "$0\r\n", "x");
	more(proto_length, &op, "$10\r\nabc");
	malformed(proto_length, &op, "#5\r\nhello");
	malformed(proto_length, &op, "$x\r\n");
	malformed(proto_length, &op, "$\r\n");
	malformed(proto_length, &op, "$-2\r\n");
	malformed(proto_length, &op, "$-\r\n");
	malformed(proto_length, &op, "$5\rx");
	malformed(proto_length, &op, "$99999999999\r\n");
}

static void test_resp(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_RESP);
	FRAMES(proto_resp, &op, "+OK\r\n", "+OK\r\n");
	assert_false(proto_resp_error(&T));
	FRAMES(proto_resp, &op, "-ERR unknown command 'FOO'\r\n", "+");
	assert_true(proto_resp_error(&T));
	FRAMES(proto_resp, &op, ":1000\r\n", ":1\r\n");
	FRAMES(proto_resp, &op, "$3\r\nfoo\r\n", "$3\r\nbar\r\n");
	FRAMES(proto_resp, &op, "$0\r\n\r\n", "");
	FRAMES(proto_resp, &op, "$-1\r\n", "$-1\r\n");
	FRAMES(proto_resp, &op, "$4\r\n\r\n\r\n\r\n", "");
	FRAMES(proto_resp, &op, "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n", "*1\r\n");
	FRAMES(proto_resp, &op, "*3\r\n:1\r\n+two\r\n$-1\r\n", "");
	FRAMES(proto_resp, &op, "*1\r\n-ERR x\r\n", "");
	assert_false(proto_resp_error(&T)); /* only a top-level error is one */
	FRAMES(proto_resp, &op, "*0\r\n", "+OK\r\n");
	FRAMES(proto_resp, &op, "*-1\r\n", "");
	more(proto_resp, &op, "*2\r\n$3\r\nGET\r\n");
	more(proto_resp, &op, "$5\r\nhel");
	malformed(proto_resp, &op, "*1\r\n*1\r\n:1\r\n"); /* nested array */
	malformed(proto_resp, &op, "$3\r\nfoox\r\n");
	malformed(proto_resp, &op, "$3\r\nfoo\n");
	malformed(proto_resp, &op, "!3\r\n");
	malformed(proto_resp, &op, "*70000\r\n");
	malformed(proto_resp, &op, "$-5\r\n");
	/* the check sees the whole value */
	expect(&op, TENG_EXPECT_EXACT, vm_str("+OK\r\n"), 2);
	vm_str("$-1\r\n");
	assert_int_equal(FRAMES(proto_resp, &op, "+OK\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_resp, &op, "$-1\r\n", ""), 1);
	assert_int_equal(FRAMES(proto_resp, &op, "+OKAY\r\n", ""), 0);
	assert_int_equal(FRAMES(proto_resp, &op, "-ERR\r\n", ""), 0);
}

static void test_http(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_HTTP);
	const char *next = "HTTP/1.1 200 OK\r\n";
	FRAMES(proto_http, &op,
	       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world!",
	       next);
	assert_int_equal(T.http_status, 200);
	assert_int_equal(T.rx_count, 12); /* the body */
	FRAMES(proto_http, &op, "HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n", next);
	assert_int_equal(T.http_status, 404);
	FRAMES(proto_http, &op, "HTTP/1.0 200\nContent-Length: 2\n\nok", next);
	/* headers that look like the ones that matter */
	FRAMES(proto_http, &op,
	       "HTTP/1.1 200 OK\r\nContent-Type: x\r\nContent-Lengthy: 9\r\nTransfer-Coding: chunked\r\n"
	       "Content-Length: 1\r\nTE: chunked\r\n\r\nz",
	       next);
	/* no body: 204, 304, 1xx (101) */
	FRAMES(proto_http, &op, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", next);
	FRAMES(proto_http, &op, "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", next);
	FRAMES(proto_http, &op, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "xx");
	/* an interim 100 Continue, then the response */
	FRAMES(proto_http, &op,
	       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc", next);
	assert_int_equal(T.http_status, 201);
	/* HEAD: headers only, whatever Content-Length says */
	op.flags = TENG_OPF_HEAD;
	FRAMES(proto_http, &op, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", next);
	op.flags = 0;
	/* no length: the body runs to the FIN */
	more(proto_http, &op, "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody and more body");
	assert_true(proto_http_fin(&T));
	assert_int_equal(T.rx_count, 18);
	more(proto_http, &op, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc");
	assert_false(proto_http_fin(&T));
	malformed(proto_http, &op, "HTTX/1.1 200 OK\r\n\r\n");
	malformed(proto_http, &op, "HTTP/1.1 2x0 OK\r\n\r\n");
	malformed(proto_http, &op, "HTTP/1.1 20\r\n\r\n");
	malformed(proto_http, &op, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n");
	malformed(proto_http, &op, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n");
	malformed(proto_http, &op, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n");
}

static void test_http_chunked(void **state)
{
	(void)state;
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_HTTP);
	const char *next = "HTTP/1.1 200 OK\r\n";
	const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n"
			"1;name=value;x=\"q\"\r\n \r\n"
			"A \r\n0123456789\r\n"
			"0\r\n\r\n";
	FRAMES(proto_http, &op, r, next);
	assert_int_equal(T.rx_count, 16); /* de-chunked */
	/* chunked wins over Content-Length; trailers; upper-case hex */
	FRAMES(proto_http, &op,
	       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n"
	       "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0;end\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
	       next);
	assert_int_equal(T.rx_count, 26);
	FRAMES(proto_http, &op, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", next);
	/* the body check sees the de-chunked body */
	expect(&op, TENG_EXPECT_EXACT, vm_str("hello 0123456789"), 1);
	assert_int_equal(FRAMES(proto_http, &op, r, next), 1);
	expect(&op, TENG_EXPECT_PREFIX, vm_str("hello 01"), 1);
	assert_int_equal(FRAMES(proto_http, &op, r, next), 1);
	expect(&op, TENG_EXPECT_PREFIX, vm_str("hello 1"), 1);
	assert_int_equal(FRAMES(proto_http, &op, r, next), 0);
	op.expect = 0;
	more(proto_http, &op, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
	more(proto_http, &op, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n");
	malformed(proto_http, &op, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n");
	malformed(proto_http, &op, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n");
	malformed(proto_http, &op,
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n");
	malformed(proto_http, &op,
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffff\r\n");
}

/* Random streams of the tokens a response is made of (and of ones that
 * nearly are), fed at once and in random pieces: the framer's runs
 * (head_run) must end where the framer taking a byte at a time
 * (proto_http_bytewise, the reference) does, with the same result, the
 * same bytes taken and the same state. */
static void test_http_runs(void **state)
{
	(void)state;
	static const char *const tok[] = {
		"HTTP/1.1 ", "HTTP/1.0 ", "HTTP/", "HTTX/1.1 ", "200", "204", "100", "101",
		"304", "2x0", "20", " OK", " Not Found", "\r\n", "\n", "\r", " ", ":",
		"Content-Length:", "content-length: ", "CONTENT-LENGTH:", "Content-Lengthy: ",
		"Content-Len", "Transfer-Encoding: ", "transfer-encoding:", "TE: ", "chunked",
		"CHUNKED", "gzip, ", "5", "12", "0", "a", "fffffffff", "99999999999",
		"2147483647", "2147483648", "2147483650", ";x=1", "X: y", "abc", "hello", "\r\n\r\n",
	};
	const uint32_t ntok = sizeof(tok) / sizeof(tok[0]);
	vm_reset();
	struct teng_op op = recv_op(TENG_RECV_HTTP);
	uint64_t rng = 0x9E3779B97F4A7C15ull;
	for (int iter = 0; iter < 20000; iter++) {
		char buf[512];
		/* mostly well-formed beginnings, so that the later states are reached */
		const char *head = (iter & 3) ? "HTTP/1.1 200 OK\r\n" : "";
		uint32_t len = (uint32_t)strlen(head);
		memcpy(buf, head, len);
		int k = 1 + (int)((rng >> 40) % 24);
		for (int j = 0; j < k; j++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			const char *x = tok[(rng >> 33) % ntok];
			uint32_t xl = (uint32_t)strlen(x);
			if (len + xl > sizeof(buf))
				break;
			memcpy(buf + len, x, xl);
			len += xl;
		}
		uint32_t ref_taken;
		int ref_r = feed(proto_http_bytewise, &op, buf, len, len, 0, &ref_taken);
		struct tcb ref = T;
		for (int way = 0; way < 2; way++) {
			uint32_t taken;
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t cut = way == 0 ? len : (uint32_t)((rng >> 33) % (len + 1));
			uint32_t step = way == 0 ? 0 : 1 + (uint32_t)((rng >> 20) % 7);
			int r = feed(proto_http, &op, buf, len, cut, step, &taken);
			if (r != ref_r || taken != ref_taken || T.rx_state != ref.rx_state ||
			    T.match != ref.match || T.rx_left != ref.rx_left ||
			    T.http_status != ref.http_status || T.rx_count != ref.rx_count ||
			    T.flags2 != ref.flags2)
				fail_msg("'%.*s' cut %u step %u: r %d/%d taken %u/%u state %u/%u",
					 (int)len, buf, cut, step, r, ref_r, taken, ref_taken,
					 T.rx_state, ref.rx_state);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),	     cmocka_unit_test(test_delim),
		cmocka_unit_test(test_delim_long),   cmocka_unit_test(test_line),
		cmocka_unit_test(test_expect_field), cmocka_unit_test(test_length),
		cmocka_unit_test(test_resp),	     cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_chunked), cmocka_unit_test(test_http_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
