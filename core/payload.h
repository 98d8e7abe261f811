/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload templates: a byte range of the plan's blob with fields filled
 * in at send (or check) time. Rendering is a pure function of the
 * template and (connection, request, client address), so any byte range
 * can be rebuilt at any time: a retransmission sends exactly the bytes
 * the first transmission did, with no per-connection send buffer, and a
 * recv check renders the bytes it expects the same way.
 *
 * Random fields: v = payload_hash(seed, conn_run, req, salt); character
 * i of the field comes from lane i % 4 (16 bits) of mix64(v + i / 4):
 * lane % 10 for digits, "0-9A-Za-z"[lane % 62] for alnum. LIST_RAND takes
 * value v % count.
 */
#ifndef TENG_PAYLOAD_H
#define TENG_PAYLOAD_H

#include <stdint.h>
#include <string.h>

#include "prog.h"

/* What a template is rendered for. */
struct payload_ctx {
	uint64_t conn_run; /* connection number in the run: conn * ncores + core */
	uint32_t conn;     /* connection number on this core */
	uint32_t req;      /* request number in the connection */
	uint32_t ip;       /* client IP, network order */
	uint16_t port;     /* client port, network order */
};

/* splitmix64's finalizer. */
static inline uint64_t payload_mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t payload_hash(uint64_t seed, uint64_t conn_run,
				    uint32_t req, uint32_t salt)
{
	uint64_t h = payload_mix64(((uint64_t)req << 32) | salt);
	h = payload_mix64(conn_run ^ h);
	return payload_mix64(seed ^ h);
}

/* Templates with fields: bytes [off, off + len) of payload id. */
void payload_render_fields(const struct prog_core *vm, uint32_t id,
			   const struct payload_ctx *c, uint32_t off,
			   uint32_t len, uint8_t *dst);

/* Bytes [off, off + len) of payload id, fields filled for c; off + len
 * must be within the payload. A template without fields is one memcpy. */
static inline void payload_render(const struct prog_core *vm, uint32_t id,
				  const struct payload_ctx *c, uint32_t off,
				  uint32_t len, uint8_t *dst)
{
	const struct teng_payload *p = &vm->payloads[id];
	if (p->nfields == 0)
		memcpy(dst, vm->blob + p->off + off, len);
	else
		payload_render_fields(vm, id, c, off, len, dst);
}

/* Compare data[0, n) with bytes [off, off + n) of payload id as
 * rendered for c: 0 when equal. */
int payload_cmp(const struct prog_core *vm, uint32_t id,
		const struct payload_ctx *c, uint32_t off, const uint8_t *data,
		uint32_t n);

/* The generated bulk pattern: byte i is "abc...z"[i % 26]. */
/* 0 when p[0, len) is the bulk pattern at offset off, else 1. */
int payload_bulk_cmp(uint32_t off, const uint8_t *p, uint32_t len);
void payload_bulk(uint32_t off, uint32_t len, uint8_t *dst);

#endif
