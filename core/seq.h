/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP sequence-number arithmetic modulo 2^32 (RFC 9293 3.4). */
#ifndef TENG_SEQ_H
#define TENG_SEQ_H

#include <stdint.h>

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
/* lo <= x < hi, all modulo 2^32 */
#define SEQ_IN(x, lo, hi) (SEQ_GEQ(x, lo) && SEQ_LT(x, hi))

#endif
