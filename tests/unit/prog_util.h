/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VM's tables built by hand, for the pure parts (payload rendering,
 * framing): no EAL, no worker.
 */
#ifndef TENG_TEST_PROG_UTIL_H
#define TENG_TEST_PROG_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "payload.h"
#include "proto.h"

#pragma GCC diagnostic ignored "-Wunused-function"

static struct prog_core VM;
static uint8_t BLOB[1 << 16];
static uint16_t KMP[1 << 14];
static uint32_t blob_len, kmp_len, nfields;

static void vm_reset(void)
{
	memset(&VM, 0, sizeof(VM));
	memset(BLOB, 0, sizeof(BLOB));
	blob_len = kmp_len = nfields = 0;
	VM.blob = BLOB;
	VM.kmp = KMP;
	VM.seed = 1;
	VM.ncores = 1;
}

static uint32_t vm_payload(const void *data, uint32_t len)
{
	assert_true(blob_len + len <= sizeof(BLOB));
	memcpy(BLOB + blob_len, data, len);
	uint32_t id = VM.npayloads++;
	VM.payloads[id].off = blob_len;
	VM.payloads[id].len = len;
	blob_len += len;
	return id;
}

static uint32_t vm_str(const char *s)
{
	return vm_payload(s, (uint32_t)strlen(s));
}

/* Payload id gets a field at off (fields must be added in order, and
 * for one payload at a time). */
static struct teng_field *vm_field(uint32_t id, uint32_t off, uint8_t kind,
				   uint16_t width)
{
	struct teng_payload *p = &VM.payloads[id];
	if (p->nfields == 0)
		p->field0 = (uint16_t)nfields;
	assert_int_equal(p->field0 + p->nfields, nfields);
	struct teng_field *f = &VM.fields[nfields++];
	memset(f, 0, sizeof(*f));
	f->off = off;
	f->kind = kind;
	f->width = width;
	p->nfields++;
	assert_true(nfields <= TENG_MAX_FIELDS);
	return f;
}

/* Build payload id's delimiter table. */
static void vm_delim(uint32_t id)
{
	VM.kmp_off[id] = kmp_len;
	proto_delim_table(BLOB + VM.payloads[id].off, VM.payloads[id].len,
			  KMP + kmp_len);
	kmp_len += VM.payloads[id].len;
	assert_true(kmp_len <= sizeof(KMP) / sizeof(KMP[0]));
}

static struct payload_ctx ctx_make(uint64_t conn_run, uint32_t req)
{
	struct payload_ctx c = { .conn_run = conn_run, .conn = (uint32_t)conn_run,
				 .req = req };
	return c;
}

static void render(uint32_t id, const struct payload_ctx *c, uint32_t off,
		   uint32_t len, char *out)
{
	payload_render(&VM, id, c, off, len, (uint8_t *)out);
	out[len] = 0;
}

#endif
