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

static inline uint32_t fh_rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* The same, inlined into the hot loops of the core. */
static inline uint32_t fh_murmur3_32_inline(const void *key, size_t len, uint32_t seed)
{
    const uint8_t *data = (const uint8_t *)key;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h1 = seed, k1;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        const uint8_t *p = data + 4 * i;
        k1 = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
             ((uint32_t)p[3] << 24);
        k1 *= c1;
        k1 = fh_rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        h1 = fh_rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64u;
    }
    const uint8_t *tail = data + 4 * nblocks;
    k1 = 0;
    switch (len & 3) {
    case 3: k1 ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: k1 ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1:
        k1 ^= tail[0];
        k1 *= c1;
        k1 = fh_rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
    }
    h1 ^= (uint32_t)len;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6bu;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35u;
    h1 ^= h1 >> 16;
    return h1;
}
