/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * MurmurHash3_x86_32, the hash scikit-learn uses for feature hashing.
 * The algorithm is Austin Appleby's public-domain MurmurHash3 (SMHasher); this is an
 * independent implementation. Blocks are read little-endian, as scikit-learn reads them on
 * every platform it ships for. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Hash len bytes at key with seed. Pure function: thread-safe, O(len). key may be NULL
 * when len == 0. Returns the 32-bit hash; scikit-learn reads it as int32. */
uint32_t fh_murmur3_32(const void *key, size_t len, uint32_t seed);
