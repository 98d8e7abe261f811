/* SPDX-License-Identifier: BSD-3-Clause */
#include "csum.h"

uint16_t csum_update16(uint16_t c, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~c + (uint16_t)~old + (uint32_t)new_;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
