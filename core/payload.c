/* SPDX-License-Identifier: BSD-3-Clause */
/* Payload rendering: templates with fields (see payload.h). */
#include <arpa/inet.h>

#include "payload.h"

static const char ALNUM[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Bytes [from, from + n) of a zero-padded decimal field of `width`
 * holding v modulo 10^width. */
static void render_number(uint64_t v, uint32_t width, uint32_t from,
			  uint32_t n, uint8_t *dst)
{
	char d[20]; /* v's 20 digits, zero-padded: d[19] is the units */
	for (int i = 19; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = width - 1 - (from + i); /* digit index from the right */
		dst[i] = k < 20 ? (uint8_t)d[19 - k] : '0';
	}
}

static void render_random(uint64_t v, int alnum, uint32_t from, uint32_t n,
			  uint8_t *dst)
{
	uint32_t blk = UINT32_MAX;
	uint64_t h = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pos = from + i;
		if (pos / 4 != blk) {
			blk = pos / 4;
			h = payload_mix64(v + blk);
		}
		uint32_t lane = (uint32_t)(h >> (16 * (pos % 4))) & 0xffff;
		dst[i] = alnum ? (uint8_t)ALNUM[lane % 62] : (uint8_t)('0' + lane % 10);
	}
}

static void render_ip(uint32_t ip, uint8_t pad, uint32_t from, uint32_t n,
		      uint8_t *dst)
{
	const uint8_t *b = (const uint8_t *)&ip; /* network order: a.b.c.d */
	char s[16];
	uint32_t len = 0;
	for (int i = 0; i < 4; i++) {
		uint32_t x = b[i];
		if (i)
			s[len++] = '.';
		if (x >= 100)
			s[len++] = (char)('0' + x / 100);
		if (x >= 10)
			s[len++] = (char)('0' + x / 10 % 10);
		s[len++] = (char)('0' + x % 10);
	}
	for (uint32_t i = 0; i < n; i++)
		dst[i] = from + i < len ? (uint8_t)s[from + i] : pad;
}

static void render_list(const struct prog_core *vm, const struct teng_field *f,
			uint64_t k, uint32_t from, uint32_t n, uint8_t *dst)
{
	const struct teng_payload *v = &vm->payloads[f->arg + (uint32_t)(k % f->count)];
	for (uint32_t i = 0; i < n; i++)
		dst[i] = from + i < v->len ? vm->blob[v->off + from + i] :
		         f->pad ? f->pad : ' ';
}

/* Bytes [from, from + n) of field f. */
static void render_field(const struct prog_core *vm, const struct teng_field *f,
			 const struct payload_ctx *c, uint32_t from, uint32_t n,
			 uint8_t *dst)
{
	switch (f->kind) {
	case TENG_FIELD_CONN:
		render_number(c->conn_run, f->width, from, n, dst);
		break;
	case TENG_FIELD_CORE_CONN:
		render_number(c->conn, f->width, from, n, dst);
		break;
	case TENG_FIELD_REQ:
		render_number(c->req, f->width, from, n, dst);
		break;
	case TENG_FIELD_CLIENT_PORT:
		render_number(ntohs(c->port), f->width, from, n, dst);
		break;
	case TENG_FIELD_RAND_DIGITS:
	case TENG_FIELD_RAND_ALNUM:
		render_random(payload_hash(vm->seed, c->conn_run, c->req, f->salt),
			      f->kind == TENG_FIELD_RAND_ALNUM, from, n, dst);
		break;
	case TENG_FIELD_LIST_SEQ:
		if (f->count)
			render_list(vm, f, c->conn_run + c->req, from, n, dst);
		break;
	case TENG_FIELD_LIST_RAND:
		if (f->count)
			render_list(vm, f,
				    payload_hash(vm->seed, c->conn_run, c->req, f->salt),
				    from, n, dst);
		break;
	case TENG_FIELD_CLIENT_IP:
		render_ip(c->ip, f->pad ? f->pad : ' ', from, n, dst);
		break;
	default: /* the template's own bytes stay */
		break;
	}
}

void payload_render_fields(const struct prog_core *vm, uint32_t id,
			   const struct payload_ctx *c, uint32_t off,
			   uint32_t len, uint8_t *dst)
{
	const struct teng_payload *p = &vm->payloads[id];
	memcpy(dst, vm->blob + p->off + off, len);
	uint32_t end = off + len;
	const struct teng_field *f = &vm->fields[p->field0];
	for (uint32_t i = 0; i < p->nfields; i++, f++) {
		if (f->off >= end)
			break; /* sorted by offset */
		uint32_t fe = f->off + f->width;
		if (fe <= off)
			continue;
		uint32_t from = f->off > off ? f->off : off;
		uint32_t to = fe < end ? fe : end;
		render_field(vm, f, c, from - f->off, to - from, dst + (from - off));
	}
}

int payload_cmp(const struct prog_core *vm, uint32_t id,
		const struct payload_ctx *c, uint32_t off, const uint8_t *data,
		uint32_t n)
{
	const struct teng_payload *p = &vm->payloads[id];
	if (p->nfields == 0)
		return memcmp(vm->blob + p->off + off, data, n) != 0;
	uint8_t buf[128];
	while (n > 0) {
		uint32_t k = n < sizeof(buf) ? n : (uint32_t)sizeof(buf);
		payload_render_fields(vm, id, c, off, k, buf);
		if (memcmp(buf, data, k) != 0)
			return 1;
		off += k;
		data += k;
		n -= k;
	}
	return 0;
}

/* At least 26 + 1024 bytes of the pattern: any range of up to 1024
 * bytes starts somewhere in the first 26. */
#define A26 "abcdefghijklmnopqrstuvwxyz"
#define A260 A26 A26 A26 A26 A26 A26 A26 A26 A26 A26
static const char bulk[] = A260 A260 A260 A260 A260;

int payload_bulk_cmp(uint32_t off, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint32_t k = len < 1024 ? len : 1024;
		if (memcmp(p, bulk + off % 26, k) != 0)
			return 1;
		off += k;
		p += k;
		len -= k;
	}
	return 0;
}

void payload_bulk(uint32_t off, uint32_t len, uint8_t *dst)
{
	while (len > 0) {
		uint32_t k = len < 1024 ? len : 1024;
		memcpy(dst, bulk + off % 26, k);
		off += k;
		dst += k;
		len -= k;
	}
}
