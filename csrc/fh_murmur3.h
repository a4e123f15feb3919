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

/* fh_murmur3_32_inline(p, n, 0) for 1 <= n <= 8 bytes, with one 8-byte load: p[0 .. 8)
 * must be readable (the bytes past n are ignored). For the n-gram loops of the character
 * analyzers. */
static inline uint32_t fh_murmur3_32_short(const uint8_t *p, int64_t n)
{
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    /* little-endian whatever the platform; compilers emit one load */
    uint64_t v = (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
                 ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
                 ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
    if (n < 8)
        v &= ((uint64_t)1 << (8 * n)) - 1;
    uint32_t h1 = 0, k1;
    if (n >= 4) {
        k1 = (uint32_t)v * c1;
        k1 = fh_rotl32(k1, 15) * c2;
        h1 = fh_rotl32(k1, 13) * 5 + 0xe6546b64u;
        v >>= 32;
        if (n == 8) {
            k1 = (uint32_t)v * c1;
            k1 = fh_rotl32(k1, 15) * c2;
            h1 ^= k1;
            h1 = fh_rotl32(h1, 13) * 5 + 0xe6546b64u;
        }
    }
    if (n & 3) {
        k1 = (uint32_t)v * c1;
        k1 = fh_rotl32(k1, 15) * c2;
        h1 ^= k1;
    }
    h1 ^= (uint32_t)n;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6bu;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35u;
    h1 ^= h1 >> 16;
    return h1;
}

/* fh_murmur3_32_inline(p, n, 0) for 1 <= n <= 7 bytes, branch-free (for loops whose n
 * varies from one call to the next): p[0 .. 8) must be readable. A tail step on zero bytes
 * is a no-op, so the tail is always mixed; the block is kept only when n >= 4. */
static inline uint32_t fh_murmur3_32_upto7(const uint8_t *p, int64_t n)
{
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint64_t v = (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
                 ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
                 ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
    v &= ((uint64_t)1 << (8 * n)) - 1;
    uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    int big = n >= 4;
    uint32_t b = fh_rotl32(fh_rotl32(lo * c1, 15) * c2, 13) * 5 + 0xe6546b64u;
    uint32_t h1 = big ? b : 0u;
    uint32_t k1 = fh_rotl32((big ? hi : lo) * c1, 15) * c2;
    h1 ^= k1;
    h1 ^= (uint32_t)n;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6bu;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35u;
    h1 ^= h1 >> 16;
    return h1;
}
