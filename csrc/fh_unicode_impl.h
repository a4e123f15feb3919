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
/* The flat-table entries (fh_u_flat_lower, fh_u_flat_keep, a pattern's) of the 8 code
 * units at p, as 8 lanes: 8 loads rather than a gather, which took 1.7x as long on the
 * machine we measure on (an AMD Zen 4: 2.96 against 1.70 ns, a C microbenchmark). */
FH_AVX2_INLINE __m256i fh_mm_flat8_1(const uint32_t *flat, const uint8_t *p)
{
    return _mm256_setr_epi32((int)flat[p[0]], (int)flat[p[1]], (int)flat[p[2]], (int)flat[p[3]],
                             (int)flat[p[4]], (int)flat[p[5]], (int)flat[p[6]], (int)flat[p[7]]);
}
FH_AVX2_INLINE __m256i fh_mm_flat8_2(const uint32_t *flat, const uint16_t *p)
{
    return _mm256_setr_epi32((int)flat[p[0]], (int)flat[p[1]], (int)flat[p[2]], (int)flat[p[3]],
                             (int)flat[p[4]], (int)flat[p[5]], (int)flat[p[6]], (int)flat[p[7]]);
}
#endif
