/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Bit scanning of 64-bit words (private to csrc/): the lowest and highest set bit, the
 * number set, and the positions of the set bits, for the tokenizers' bitmaps
 * (fh_tokenize_impl.h) and the aggregation table's readout (fh_csr.c). */
#pragma once
#include <stdint.h>

/* Index of the lowest set bit of x (x != 0). */
static inline int64_t ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int64_t r = 0;
    while (!(x & 1)) {
        x >>= 1;
        r++;
    }
    return r;
#endif
}

/* Leading zero bits of x (x != 0). */
static inline int64_t clz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clzll(x);
#else
    int64_t r = 0;
    while (!(x >> 63)) {
        x <<= 1;
        r++;
    }
    return r;
#endif
}

/* Bits set in x. */
static inline int64_t popcount64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    int64_t r = 0;
    for (; x; x &= x - 1)
        r++;
    return r;
#endif
}

/* Appends base + the position of each of the count set bits of x (in order) at p and
 * returns p + count: four at a time with no test between them (writes up to 3 entries
 * past the positions: p must have room for them). count must be the number of bits set
 * in x. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline int64_t *fh_bit_positions4(uint64_t x, int64_t count, int64_t base, int64_t *p)
{
    int64_t *end = p + count;
    const uint64_t top = (uint64_t)1 << 63; /* the entries past count: defined, ignored */
    for (; p < end; p += 4) {
        p[0] = base + ctz64(x | top);
        x &= x - 1;
        p[1] = base + ctz64(x | top);
        x &= x - 1;
        p[2] = base + ctz64(x | top);
        x &= x - 1;
        p[3] = base + ctz64(x | top);
        x &= x - 1;
    }
    return end;
}
