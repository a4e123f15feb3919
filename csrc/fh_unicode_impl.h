/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Inline table lookups for the hot loops (private to csrc/). */
#pragma once
#include <stdint.h>
#include <string.h>

#include "fh_murmur3_avx2.h"
#include "fh_unicode.h"
#include "fh_unicode_tables.h"

#if FH_U_WORD != FH_UNI_WORD || FH_U_SPACE != FH_UNI_SPACE || FH_U_CASED != FH_UNI_CASED || \
    FH_U_CASE_IGNORABLE != FH_UNI_CASE_IGNORABLE
#error "generated Unicode flags disagree with fh_unicode.h"
#endif

static inline const fh_u_record *fh_u_rec(uint32_t cp)
{
    uint32_t block = fh_u_stage1[cp >> FH_U_BLOCK_SHIFT];
    return &fh_u_records[fh_u_stage2[(block << FH_U_BLOCK_SHIFT) | (cp & ((1u << FH_U_BLOCK_SHIFT) - 1))]];
}

static inline int fh_u_flags(uint32_t cp) { return fh_u_rec(cp)->flags & 0x0F; }

/* ASCII whitespace as re's \s and str.isspace: \t \n \v \f \r, \x1c-\x1f and ' '. */
static inline int fh_ascii_space(uint32_t c) { return c == 0x20 || c - 0x09u < 5 || c - 0x1Cu < 4; }

/* For a record whose lowercase mapping is one code point: the flags of that code point. */
static inline int fh_u_lower_flags(const fh_u_record *r) { return r->flags >> 4; }

/* str.lower() of the one character cp (Unicode's full mapping) written to out (3
 * entries); returns its length (1 to 3). The capital sigma gives the final sigma iff
 * `final`: its context decides (FH_DEFINE_FINAL_SIGMA, judged by the caller). */
static inline int fh_u_lower_full(uint32_t cp, int final, uint32_t *out)
{
    if (cp == 0x3A3) {
        out[0] = final ? 0x3C2u : 0x3C3u;
        return 1;
    }
    const fh_u_record *r = fh_u_rec(cp);
    if (r->nlower == 1) {
        out[0] = (uint32_t)((int32_t)cp + r->lower);
        return 1;
    }
    for (int k = 0; k < r->nlower; k++)
        out[k] = fh_u_lower_ext[r->lower + k];
    return r->nlower;
}

/* strip_accents modes (after lowercasing): scikit-learn's strip_accents_unicode and
 * strip_accents_ascii, applied per character (exact: see tools/gen_unicode_tables.py). */
enum { FH_STRIP_NONE = 0, FH_STRIP_UNICODE = 1, FH_STRIP_ASCII = 2 };
#define FH_STRIP_MAX (FH_STRIP_UNICODE_MAX > FH_STRIP_ASCII_MAX ? FH_STRIP_UNICODE_MAX : FH_STRIP_ASCII_MAX)

/* The mapping of cp under mode (not NONE) written to out (FH_STRIP_MAX entries); returns
 * its length (0 when the character is dropped). */
static inline int fh_u_strip(uint32_t cp, int mode, uint32_t *out)
{
    uint32_t block, idx;
    const uint32_t *off, *pool;
    if (mode == FH_STRIP_UNICODE) {
        block = fh_strip_unicode_stage1[cp >> FH_U_BLOCK_SHIFT];
        idx = fh_strip_unicode_stage2[(block << FH_U_BLOCK_SHIFT) | (cp & 0xFF)];
        if (idx == 0) {
            out[0] = cp;
            return 1;
        }
        off = fh_strip_unicode_off;
        pool = fh_strip_unicode_pool;
    } else {
        block = fh_strip_ascii_stage1[cp >> FH_U_BLOCK_SHIFT];
        idx = fh_strip_ascii_stage2[(block << FH_U_BLOCK_SHIFT) | (cp & 0xFF)];
        if (idx == 0) {
            if (cp < 0x80) {
                out[0] = cp;
                return 1;
            }
            return 0;
        }
        off = fh_strip_ascii_off;
        pool = fh_strip_ascii_pool;
    }
    int n = (int)(off[idx + 1] - off[idx]);
    for (int k = 0; k < n; k++)
        out[k] = pool[off[idx] + k];
    return n;
}

/* UTF-8 of one code point (lone surrogates as 3 bytes: callers never hash those). Returns
 * the number of bytes written (1 to 4). */
static inline int fh_put_utf8(uint8_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (uint8_t)(0xC0 | (cp >> 6));
        p[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (uint8_t)(0xE0 | (cp >> 12));
        p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (uint8_t)(0xF0 | (cp >> 18));
    p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* The UTF-8 bytes of a flat-table entry e (fh_u_flat_lower / fh_u_flat_keep: bits 0-23
 * the bytes, first byte lowest, bits 30-31 their number; see tools/gen_unicode_tables.py)
 * written at p: 4 bytes are stored (p[0 .. 4) must be writable), only the entry's length
 * counts. Returns that length (1 to 3; 0 for an FH_UF_SPECIAL entry). */
static inline int fh_put_flat(uint8_t *p, uint32_t e)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &e, 4); /* one store */
#else
    p[0] = (uint8_t)e;
    p[1] = (uint8_t)(e >> 8);
    p[2] = (uint8_t)(e >> 16);
    p[3] = 0;
#endif
    return (int)(e >> FH_UF_LEN_SHIFT);
}

/* CPython's rule (unicodeobject.c, handle_capital_sigma): U+03A3 at i lowers to final sigma
 * iff cased case-ignorable* SIGMA !(case-ignorable* cased), judged on the original text.
 * Defines `static int NAME(const T *s, int64_t n, int64_t i)` for code units of type T. */
#define FH_DEFINE_FINAL_SIGMA(NAME, T)                                                    \
    static int NAME(const T *s, int64_t n, int64_t i)                                    \
    {                                                                                     \
        int64_t j;                                                                        \
        int f = 0;                                                                        \
        for (j = i - 1; j >= 0; j--) {                                                    \
            f = fh_u_flags(s[j]);                                                         \
            if (!(f & FH_U_CASE_IGNORABLE))                                               \
                break;                                                                    \
        }                                                                                 \
        if (!(j >= 0 && (f & FH_U_CASED)))                                                \
            return 0;                                                                     \
        for (j = i + 1; j < n; j++) {                                                     \
            f = fh_u_flags(s[j]);                                                         \
            if (!(f & FH_U_CASE_IGNORABLE))                                               \
                break;                                                                    \
        }                                                                                 \
        return j == n || !(f & FH_U_CASED);                                               \
    }

#if FH_MURMUR3_AVX2
/* fh_utf8_pack[l]: for UTF-8 sequences of 0 to 3 bytes held one per 32-bit lane of a
 * 128-bit vector (the low bytes of each lane) whose lengths are l = l0 | l1 << 2 |
 * l2 << 4 | l3 << 6, the byte shuffle that packs them in lane order (0x80, a zero byte,
 * past their sum). Filled when the library is loaded (fh_unicode.c). */
extern uint8_t fh_utf8_pack[256][16];

/* The inclusive prefix sums of the 8 lanes of v. */
FH_AVX2_INLINE __m256i fh_mm_prefix_sum8(__m256i v)
{
    v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
    v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
    const __m256i low_total = _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(3));
    return _mm256_add_epi32(v, _mm256_blend_epi32(_mm256_setzero_si256(), low_total, 0xF0));
}

/* The bytes of 8 UTF-8 sequences, lane j's the len[j] (0 to 3) low bytes of lane j of e
 * (a flat-table entry's layout), packed in lane order to out, given first, the bytes of
 * lanes 0 to 3: 16 bytes are written at out and at out + first. */
FH_AVX2_INLINE void fh_mm_put_utf8_8(uint8_t *out, __m256i e, __m256i len, uint32_t first)
{
    __m256i l4 = _mm256_sllv_epi32(len, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
    l4 = _mm256_add_epi32(l4, _mm256_shuffle_epi32(l4, 0x4E));
    l4 = _mm256_add_epi32(l4, _mm256_shuffle_epi32(l4, 0xB1));
    const uint8_t *c0 = fh_utf8_pack[_mm256_cvtsi256_si32(l4)];
    const uint8_t *c1 = fh_utf8_pack[_mm256_extract_epi32(l4, 4)];
    const __m256i ctrl =
        _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)c0)),
                                _mm_loadu_si128((const __m128i *)c1), 1);
    const __m256i bytes = _mm256_shuffle_epi8(e, ctrl);
    _mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(bytes));
    _mm_storeu_si128((__m128i *)(void *)(out + first), _mm256_extracti128_si256(bytes, 1));
}

/* The flat-table entries (fh_u_flat_lower, fh_u_flat_keep, a pattern's) of the 8 code
 * units at p (of any width, each < 2**16), as 8 lanes: 8 loads rather than a gather, which
 * took 1.7x as long on the machine we measure on (an AMD Zen 4: 2.96 against 1.70 ns, a C
 * microbenchmark). */
#define FH_MM_FLAT8(flat, p)                                                              \
    _mm256_setr_epi32((int)(flat)[(p)[0]], (int)(flat)[(p)[1]], (int)(flat)[(p)[2]],       \
                      (int)(flat)[(p)[3]], (int)(flat)[(p)[4]], (int)(flat)[(p)[5]],       \
                      (int)(flat)[(p)[6]], (int)(flat)[(p)[7]])
#endif
