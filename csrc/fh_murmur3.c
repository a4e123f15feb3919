/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_murmur3.h"

#include <string.h>

#include "fh_murmur3_avx2.h"

uint32_t fh_murmur3_32(const void *key, size_t len, uint32_t seed)
{
    return fh_murmur3_32_inline(key, len, seed);
}

#if FH_MURMUR3_AVX2
#include "fh_csr.h"

__attribute__((target("avx2"))) void
fh_murmur3_spans_avx2(const uint8_t *base, const int32_t *off, const int32_t *len, int64_t n,
                      uint32_t key_n_features, uint32_t key_pow2_mask, int key_alternate_sign,
                      uint32_t *out)
{
    const int *b = (const int *)(const void *)base;
    const int vkeys = key_n_features != 0 && key_pow2_mask != 0;
    const __m256i pm = _mm256_set1_epi32((int)key_pow2_mask);
    const __m256i alt = _mm256_set1_epi32(key_alternate_sign ? 1 : 0);
    for (int64_t i = 0; i < n; i += 8) {
        int32_t o8[8] = {0}, l8[8] = {0};
        const int32_t *po = off + i, *pl = len + i;
        const int64_t m = n - i < 8 ? n - i : 8;
        if (m < 8) { /* the last group: empty lanes read the first key's first word */
            memcpy(o8, po, sizeof(int32_t) * (size_t)m);
            memcpy(l8, pl, sizeof(int32_t) * (size_t)m);
            for (int64_t j = m; j < 8; j++)
                o8[j] = po[0];
            po = o8;
            pl = l8;
        }
        int32_t lmin = pl[0], lmax = pl[0];
        for (int j = 1; j < 8; j++) {
            lmin = pl[j] < lmin ? pl[j] : lmin;
            lmax = pl[j] > lmax ? pl[j] : lmax;
        }
        __m256i vo = _mm256_loadu_si256((const __m256i *)(const void *)po);
        __m256i vl = _mm256_loadu_si256((const __m256i *)(const void *)pl);
        __m256i h = fh_mm_murmur3_any(b, vo, vl, lmin >> 2, lmax >> 2);
        if (vkeys)
            h = fh_mm_feature_keys_pow2(h, pm, alt);
        uint32_t h8[8];
        _mm256_storeu_si256((__m256i *)(void *)(m < 8 ? h8 : out + i), h);
        if (m < 8)
            memcpy(out + i, h8, sizeof(uint32_t) * (size_t)m);
        if (key_n_features != 0 && !vkeys)
            for (int64_t j = i; j < i + m; j++)
                out[j] = fh_feature_key(out[j], key_n_features, 0, key_alternate_sign);
    }
}
#endif
