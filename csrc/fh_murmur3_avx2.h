/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * MurmurHash3_x86_32's steps (fh_murmur3.h) on the 8 lanes of an AVX2 register, for the
 * kernels that hash 8 keys at a time (private to csrc/). Only where the compiler can
 * target AVX2 per function (GCC, Clang on x86): FH_MURMUR3_AVX2 is 1 there, 0 elsewhere;
 * callers run these only when the CPU has AVX2 (fh_cpu_has_avx2). */
#pragma once

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
#else
#define FH_MURMUR3_AVX2 0
#endif
