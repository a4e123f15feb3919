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

/* The three steps of MurmurHash3_x86_32, shared by the variants below. */
static inline uint32_t fh_murmur3_scramble(uint32_t k1)
{
    return fh_rotl32(k1 * 0xcc9e2d51u, 15) * 0x1b873593u;
}
static inline uint32_t fh_murmur3_block(uint32_t h1, uint32_t k1)
{
    return fh_rotl32(h1 ^ fh_murmur3_scramble(k1), 13) * 5 + 0xe6546b64u;
}
static inline uint32_t fh_murmur3_finish(uint32_t h1, uint32_t len)
{
    h1 ^= len;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6bu;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35u;
    h1 ^= h1 >> 16;
    return h1;
}

/* Bytes p[0 .. 8) as a little-endian integer, whatever the platform (one load where the
 * compiler can). */
static inline uint64_t fh_load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

/* The same, inlined into the hot loops of the core. */
static inline uint32_t fh_murmur3_32_inline(const void *key, size_t len, uint32_t seed)
{
    const uint8_t *data = (const uint8_t *)key;
    uint32_t h1 = seed, k1;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        const uint8_t *p = data + 4 * i;
        k1 = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
             ((uint32_t)p[3] << 24);
        h1 = fh_murmur3_block(h1, k1);
    }
    const uint8_t *tail = data + 4 * nblocks;
    k1 = 0;
    switch (len & 3) {
    case 3: k1 ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: k1 ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1:
        k1 ^= tail[0];
        h1 ^= fh_murmur3_scramble(k1);
    }
    return fh_murmur3_finish(h1, (uint32_t)len);
}

/* fh_murmur3_32_inline(p, n, 0) for 1 <= n <= 8 bytes, with one 8-byte load: p[0 .. 8)
 * must be readable (the bytes past n are ignored). For the n-gram loops of the character
 * analyzers. */
static inline uint32_t fh_murmur3_32_short(const uint8_t *p, int64_t n)
{
    uint64_t v = fh_load_le64(p);
    if (n < 8)
        v &= ((uint64_t)1 << (8 * n)) - 1;
    uint32_t h1 = 0;
    if (n >= 4) {
        h1 = fh_murmur3_block(0, (uint32_t)v);
        v >>= 32;
        if (n == 8)
            h1 = fh_murmur3_block(h1, (uint32_t)v);
    }
    if (n & 3)
        h1 ^= fh_murmur3_scramble((uint32_t)v);
    return fh_murmur3_finish(h1, (uint32_t)n);
}

/* fh_murmur3_32_inline(p, n, 0) for 0 <= n <= 7 bytes, without the loop and tail switch
 * (for loops whose n varies from one call to the next): p[0 .. 8) must be readable. A tail
 * step on zero bytes is a no-op, so the tail is always mixed; the block is kept only when
 * n >= 4 (compilers may branch there: a masked, branch-free form measured 5% slower on
 * char_wb(2,4), where the branch follows a regular pattern). */
static inline uint32_t fh_murmur3_32_upto7(const uint8_t *p, int64_t n)
{
    uint64_t v = fh_load_le64(p) & (((uint64_t)1 << (8 * n)) - 1);
    uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    int big = n >= 4;
    uint32_t h1 = big ? fh_murmur3_block(0, lo) : 0u;
    h1 ^= fh_murmur3_scramble(big ? hi : lo);
    return fh_murmur3_finish(h1, (uint32_t)n);
}

/* Bytes p[0 .. 4) as a little-endian integer (one load where the compiler can). */
static inline uint32_t fh_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* Per key length n = 0 .. 11, for fh_murmur3_32_upto11: masks selecting the state after
 * block 0 (n >= 4) and the change block 1 makes (n >= 8), and the mask keeping the n % 4
 * tail bytes of the word after the whole blocks. Loads, not comparisons: three fewer
 * instructions each on the word tokenizer's hottest path. */
static const uint32_t fh_murmur3_m1[12] = {0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u};
static const uint32_t fh_murmur3_m2[12] = {0, 0, 0, 0, 0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u};
static const uint32_t fh_murmur3_keep[4] = {0, 0xFFu, 0xFFFFu, 0xFFFFFFu};

/* fh_murmur3_32_inline(p, n, 0) for 0 <= n <= 11 bytes, branch-free: p[0 .. 12) must be
 * readable (the bytes past n are ignored). Both blocks are always computed and the ones
 * past the n / 4 whole blocks of the key discarded; the tail is the word after them,
 * masked to its n % 4 bytes (zero, hence a no-op, when n is a multiple of 4). For word
 * tokens, whose lengths vary unpredictably: 97% of English tokens fit. */
static inline uint32_t fh_murmur3_32_upto11(const uint8_t *p, int64_t n)
{
    uint32_t ha = fh_murmur3_block(0, fh_load_le32(p));
    uint32_t hb = fh_murmur3_block(ha, fh_load_le32(p + 4));
    uint32_t h1 = (ha & fh_murmur3_m1[n]) ^ ((ha ^ hb) & fh_murmur3_m2[n]);
    uint32_t tail = fh_load_le32(p + (n & ~(int64_t)3)) & fh_murmur3_keep[n & 3];
    h1 ^= fh_murmur3_scramble(tail);
    return fh_murmur3_finish(h1, (uint32_t)n);
}
