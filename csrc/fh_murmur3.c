/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_murmur3.h"

uint32_t fh_murmur3_32(const void *key, size_t len, uint32_t seed)
{
    return fh_murmur3_32_inline(key, len, seed);
}
