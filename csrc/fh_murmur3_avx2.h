/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * MurmurHash3_x86_32's steps (fh_murmur3.h) on the 8 lanes of an AVX2 register, for the
 * kernels that hash 8 keys at a time (private to csrc/). Only where the compiler can
 * target AVX2 per function (GCC, Clang on x86): FH_MURMUR3_AVX2 is 1 there, 0 elsewhere;
 * callers run these only when the CPU has AVX2 (fh_cpu_has_avx2). */
#pragma once
#include <stdint.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define FH_MURMUR3_AVX2 1
#include <immintrin.h>

#define FH_AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))

/* x rotated left by r (a constant) on each lane */
#define FH_MM_ROTL32(X, R) _mm256_or_si256(_mm256_slli_epi32(X, R), _mm256_srli_epi32(X, 32 - (R)))

FH_AVX2_INLINE __m256i fh_mm_murmur3_scramble(__m256i k)
{
    k = _mm256_mullo_epi32(k, _mm256_set1_epi32((int)0xcc9e2d51u));
    k = FH_MM_ROTL32(k, 15);
    return _mm256_mullo_epi32(k, _mm256_set1_epi32((int)0x1b873593u));
}
FH_AVX2_INLINE __m256i fh_mm_murmur3_block(__m256i h, __m256i k)
{
    h = _mm256_xor_si256(h, fh_mm_murmur3_scramble(k));
    h = FH_MM_ROTL32(h, 13);
    return _mm256_add_epi32(_mm256_add_epi32(h, _mm256_slli_epi32(h, 2)),
                            _mm256_set1_epi32((int)0xe6546b64u));
}
FH_AVX2_INLINE __m256i fh_mm_murmur3_finish(__m256i h, __m256i len)
{
    h = _mm256_xor_si256(h, len);
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0x85ebca6bu));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0xc2b2ae35u));
    return _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
}

/* The four 32-bit words at p + o[j] (j = 0 .. 7), lane j of w[q] the q-th: each position's
 * 16 bytes loaded (all readable), then the 8 x 4 words transposed (five times faster than
 * four gathers on the machine we measure on, an AMD Zen 4: 0.25 against 1.34 ns a
 * position, a C microbenchmark). */
FH_AVX2_INLINE void fh_mm_words4(const uint8_t *p, const uint32_t *o, __m256i *w)
{
#define FH_ROW(a, b)                                                                      \
    _mm256_inserti128_si256(                                                              \
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p + o[a]))), \
        _mm_loadu_si128((const __m128i *)(const void *)(p + o[b])), 1)
    const __m256i r0 = FH_ROW(0, 4), r1 = FH_ROW(1, 5), r2 = FH_ROW(2, 6), r3 = FH_ROW(3, 7);
#undef FH_ROW
    const __m256i t0 = _mm256_unpacklo_epi32(r0, r1), t1 = _mm256_unpackhi_epi32(r0, r1);
    const __m256i t2 = _mm256_unpacklo_epi32(r2, r3), t3 = _mm256_unpackhi_epi32(r2, r3);
    w[0] = _mm256_unpacklo_epi64(t0, t2);
    w[1] = _mm256_unpackhi_epi64(t0, t2);
    w[2] = _mm256_unpacklo_epi64(t1, t3);
    w[3] = _mm256_unpackhi_epi64(t1, t3);
}

/* The tail step and the finalization of 8 keys: h holds each key's state after its whole
 * 4-byte blocks; key j is the len[j] bytes at base + off[j] (byte offsets). Its tail, the
 * len % 4 bytes after the whole blocks, is read as the 4-byte word there and masked (zero,
 * a no-op, when len is a multiple of 4): up to 3 bytes past each key must be readable.
 * fh_mm_murmur3_tail_word_finish: the same for tail words already read (tail). */
FH_AVX2_INLINE __m256i fh_mm_murmur3_tail_word_finish(__m256i h, __m256i tail, __m256i len)
{
    const __m256i one = _mm256_set1_epi32(1), three = _mm256_set1_epi32(3);
    /* the tail's len % 4 bytes: (1 << 8 (len % 4)) - 1 */
    __m256i keep = _mm256_sub_epi32(
        _mm256_sllv_epi32(one, _mm256_slli_epi32(_mm256_and_si256(len, three), 3)), one);
    h = _mm256_xor_si256(h, fh_mm_murmur3_scramble(_mm256_and_si256(tail, keep)));
    return fh_mm_murmur3_finish(h, len);
}
FH_AVX2_INLINE __m256i fh_mm_murmur3_tail_finish(__m256i h, const int *base, __m256i off,
                                                 __m256i len)
{
    const __m256i three = _mm256_set1_epi32(3);
    __m256i tail =
        _mm256_i32gather_epi32(base, _mm256_add_epi32(off, _mm256_andnot_si256(three, len)), 1);
    return fh_mm_murmur3_tail_word_finish(h, tail, len);
}

/* fh_murmur3_32(base + off[j], len[j], 0) on each lane j, for keys of any length:
 * blocks is the largest len[j] / 4, fewest the smallest (0 <= fewest <= blocks). Block b
 * of every lane is gathered while all lanes have one (b < fewest), then only on the lanes
 * that have one (masked: a lane reads nothing past its own key but the tail word, so up
 * to 3 bytes past each key must be readable). */
FH_AVX2_INLINE __m256i fh_mm_murmur3_any(const int *base, __m256i off, __m256i len,
                                         int fewest, int blocks)
{
    const __m256i four = _mm256_set1_epi32(4);
    const __m256i nb = _mm256_srli_epi32(len, 2);
    __m256i h = _mm256_setzero_si256(), at = off;
    int b = 0;
    for (; b < fewest; b++, at = _mm256_add_epi32(at, four))
        h = fh_mm_murmur3_block(h, _mm256_i32gather_epi32(base, at, 1));
    for (; b < blocks; b++, at = _mm256_add_epi32(at, four)) {
        __m256i act = _mm256_cmpgt_epi32(nb, _mm256_set1_epi32(b));
        __m256i k = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), base, at, act, 1);
        h = _mm256_blendv_epi8(h, fh_mm_murmur3_block(h, k), act);
    }
    return fh_mm_murmur3_tail_finish(h, base, off, len);
}

/* fh_feature_key (fh_csr.h) of 8 hashes for a power-of-two n_features (pow2_mask =
 * n_features - 1, nonzero): column |h| & mask (|INT32_MIN| & mask is 0, as in the scalar
 * form), the sign bit of h as the key's low bit when alternate_sign. */
FH_AVX2_INLINE __m256i fh_mm_feature_keys_pow2(__m256i h, __m256i pow2_mask, __m256i alt)
{
    __m256i col = _mm256_and_si256(_mm256_abs_epi32(h), pow2_mask);
    return _mm256_or_si256(_mm256_slli_epi32(col, 1),
                           _mm256_and_si256(_mm256_srli_epi32(h, 31), alt));
}

/* Span batches (the word tokenizer's AVX2 path): out[i] = fh_murmur3_32(base + off[i],
 * len[i], 0) for i in [0, n), 8 keys at a time on the lanes (fh_mm_murmur3_any); when
 * key_n_features is nonzero, out[i] is the feature key fh_feature_key(that hash,
 * key_n_features, key_pow2_mask, key_alternate_sign) instead. Every len[i] >= 0 and
 * off[i] + len[i] + 3 < 2**31; the bytes of each key and the 3 after it must be readable.
 * Run only when the CPU has AVX2 (fh_cpu_has_avx2). Pure: thread-safe, O(sum of the
 * lengths of each group of 8's longest key). Defined in fh_murmur3.c. */
void fh_murmur3_spans_avx2(const uint8_t *base, const int32_t *off, const int32_t *len,
                           int64_t n, uint32_t key_n_features, uint32_t key_pow2_mask,
                           int key_alternate_sign, uint32_t *out);
#else
#define FH_MURMUR3_AVX2 0
#endif
