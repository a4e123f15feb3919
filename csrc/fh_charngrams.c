/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_charngrams.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_murmur3.h"
#include "fh_murmur3_avx2.h"
#include "fh_unicode_impl.h"

/* Python's slice [s:e] (s >= 0) of a sequence of length L, as [*a, *b). */
static inline void py_slice(int64_t L, int64_t s, int64_t e, int64_t *a, int64_t *b)
{
    if (s > L)
        s = L;
    if (e < 0) {
        e += L;
        if (e < 0)
            e = 0;
    }
    if (e > L)
        e = L;
    *a = s;
    *b = e > s ? e : s;
}

/* Code points [a, b) of the prepared text as one feature. */
static inline fh_status emit_chars_range(scratch *sc, const hash_params *hp, int64_t a, int64_t b)
{
    const fh_charbuf *cb = &sc->cb;
    if (fh_char_surrogates(cb, a, b))
        return FH_ERR_ENCODE;
    int64_t oa = fh_char_off(cb, a);
    const uint8_t *p = cb->u8 + oa;
    int64_t len = fh_char_off(cb, b) - oa;
    return emit_bytes(sc, hp, p, len);
}

/* The hash of the n bytes at p (p[0 .. 8) readable). */
static inline uint32_t short_ngram_hash(const uint8_t *p, int64_t n)
{
    return n <= 8 ? fh_murmur3_32_short(p, n) : fh_murmur3_32_inline(p, (size_t)n, 0);
}

/* ---------------------------------------------------------------- fused ASCII n-grams */

/* MurmurHash3 (seed 0) of the first n bytes of a key, for lo <= n <= hi (1 <= lo <= hi <= 8),
 * into h[n - lo]; v is the little-endian load of the key's first 8 bytes. The block of the
 * first 4 bytes is computed once for every n >= 4. Always inlined, so that constant lo and
 * hi unroll it. */
static FH_ALWAYS_INLINE void prefix_hashes(uint64_t v, int lo, int hi, uint32_t *h)
{
    uint32_t w0 = (uint32_t)v, w1 = (uint32_t)(v >> 32);
    uint32_t b0 = hi >= 4 ? fh_murmur3_block(0, w0) : 0u;
    for (int n = lo; n <= hi; n++) {
        uint32_t x;
        if (n < 4)
            x = fh_murmur3_scramble(w0 & (0xFFFFFFFFu >> (32 - 8 * n)));
        else if (n == 4)
            x = b0;
        else if (n < 8)
            x = b0 ^ fh_murmur3_scramble(w1 & (0xFFFFFFFFu >> (64 - 8 * n)));
        else
            x = fh_murmur3_block(b0, w1);
        h[n - lo] = fh_murmur3_finish(x, (uint32_t)n);
    }
}

/* fh_feature_key for a power-of-two n_features (mask = n_features - 1 != 0). */
static inline uint32_t key_pow2(uint32_t h, uint32_t mask, uint32_t alt)
{
    uint32_t neg = h >> 31;
    uint32_t mag = (h ^ (0u - neg)) + neg;
    return ((mag & mask) << 1) | (neg & alt);
}

/* Keys of the windows t[j .. j + n) for j in [0, P) (P <= FH_BLOCK), lo <= n <= hi
 * (1 <= lo <= hi <= 8), for a power-of-two n_features, into kb[(n - lo) * FH_BLOCK + j];
 * t[0 .. P + 7) readable (bytes past a window are ignored). prefix_hashes for every start
 * position, written so that compilers vectorise it (byte loads, no exits, one store per
 * length): with constant lo and hi, 4 positions at a time with SSE2. */
static FH_ALWAYS_INLINE void block_keys_pow2(const uint8_t *restrict t, int64_t P, int lo,
                                             int hi, uint32_t mask, uint32_t alt,
                                             uint32_t *restrict kb)
{
    for (int64_t j = 0; j < P; j++) {
        uint32_t w0 = (uint32_t)t[j] | ((uint32_t)t[j + 1] << 8) | ((uint32_t)t[j + 2] << 16) |
                      ((uint32_t)t[j + 3] << 24);
        uint32_t w1 = hi > 4 ? (uint32_t)t[j + 4] | ((uint32_t)t[j + 5] << 8) |
                                   ((uint32_t)t[j + 6] << 16) | ((uint32_t)t[j + 7] << 24)
                             : 0u;
        uint32_t b0 = hi >= 4 ? fh_murmur3_block(0, w0) : 0u;
        for (int n = lo; n <= hi; n++) {
            uint32_t x;
            if (n < 4)
                x = fh_murmur3_scramble(w0 & (0xFFFFFFFFu >> (32 - 8 * n)));
            else if (n == 4)
                x = b0;
            else if (n < 8)
                x = b0 ^ fh_murmur3_scramble(w1 & (0xFFFFFFFFu >> (64 - 8 * n)));
            else
                x = fh_murmur3_block(b0, w1);
            kb[(n - lo) * FH_BLOCK + j] = key_pow2(fh_murmur3_finish(x, (uint32_t)n), mask, alt);
        }
    }
}

/* char_keys for a power-of-two n_features, through block_keys_pow2. */
static FH_ALWAYS_INLINE int64_t char_keys_pow2(const uint8_t *t, int64_t L, int lo, int hi,
                                               uint32_t mask, uint32_t alt, uint32_t *kb,
                                               uint32_t *k, fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s0 = 0; s0 + lo <= L; s0 += FH_BLOCK) {
        if ((s0 & (FH_POLL_ITEMS - 1)) == 0 && s0 > 0 && fh_cancel_poll(cancel))
            return -1;
        int64_t P = L - lo + 1 - s0;
        if (P > FH_BLOCK)
            P = FH_BLOCK;
        block_keys_pow2(t + s0, P, lo, hi, mask, alt, kb);
        for (int64_t j = 0; j < P; j++)
            for (int n = lo; n <= hi; n++) {
                k[at] = kb[(n - lo) * FH_BLOCK + j];
                at += s0 + j + n <= L;
            }
    }
    return at;
}

/* wb_keys for a power-of-two n_features, through block_keys_pow2. */
static FH_ALWAYS_INLINE int64_t wb_keys_pow2(const uint8_t *J, int64_t J_len, int lo, int hi,
                                             uint32_t mask, uint32_t alt, uint32_t *kb,
                                             uint32_t *k, fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s0 = 0; s0 + 2 <= J_len; s0 += FH_BLOCK) {
        if ((s0 & (FH_POLL_ITEMS - 1)) == 0 && s0 > 0 && fh_cancel_poll(cancel))
            return -1;
        int64_t P = J_len - 1 - s0;
        if (P > FH_BLOCK)
            P = FH_BLOCK;
        block_keys_pow2(J + s0, P, lo, hi, mask, alt, kb);
        const uint8_t *t = J + s0;
        for (int64_t j = 0; j < P; j++) {
            uint32_t inside = 1;
            for (int n = 2; n <= hi; n++) {
                if (n >= 3)
                    inside &= t[j + n - 2] != 0x20u;
                if (n >= lo) {
                    k[at] = kb[(n - lo) * FH_BLOCK + j];
                    at += inside;
                }
            }
        }
    }
    return at;
}

/* Keys of the n-grams t[s .. s + n), lo <= n <= hi (1 <= lo <= hi <= 8), of an ASCII text of
 * L bytes with 8 readable bytes past its end, written from k (which has room for
 * (hi - lo + 1) * (L + 1) keys); returns their number (-1 if cancelled). Every start
 * position takes every length, kept when it fits: no hard-to-predict loop exits. */
static FH_ALWAYS_INLINE int64_t char_keys(const uint8_t *t, int64_t L, int lo, int hi,
                                          uint32_t nf, uint32_t mask, int alt, uint32_t *k,
                                          fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s = 0; s + lo <= L; s++) {
        if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(cancel))
            return -1;
        uint32_t h[8];
        prefix_hashes(fh_load_le64(t + s), lo, hi, h);
        for (int n = lo; n <= hi; n++) {
            k[at] = fh_feature_key(h[n - lo], nf, mask, alt);
            at += s + n <= L;
        }
    }
    return at;
}

/* Keys of scikit-learn's char_wb n-grams, lo <= n <= hi (lo in {2, 3}, hi <= 8), from the
 * joined text J = " " + " ".join(words) + " " (J_len bytes, 8 readable past its end; see
 * wb_join_ascii): every n-gram of a padded word " w " is the window of J at the same
 * place, and a window of 2 <= n bytes is one iff no space lies strictly inside it (the
 * pad spaces are shared between neighbours, which no window of 2 or more bytes can tell).
 * A word shorter than lo - 2 would be emitted whole, never the case for lo <= 3. k has
 * room for (hi - lo + 1) * J_len keys; returns their number (-1 if cancelled). */
static FH_ALWAYS_INLINE int64_t wb_keys(const uint8_t *J, int64_t J_len, int lo, int hi,
                                        uint32_t nf, uint32_t mask, int alt, uint32_t *k,
                                        fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s = 0; s + 2 <= J_len; s++) {
        if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(cancel))
            return -1;
        uint64_t v = fh_load_le64(J + s);
        uint32_t h[8];
        prefix_hashes(v, lo, hi, h);
        uint32_t inside = 1; /* no space among bytes 1 .. n - 2 of the window */
        for (int n = 2; n <= hi; n++) {
            if (n >= 3)
                inside &= (uint32_t)((v >> (8 * (n - 2))) & 0xFFu) != 0x20u;
            if (n >= lo) {
                k[at] = fh_feature_key(h[n - lo], nf, mask, alt);
                at += inside;
            }
        }
    }
    return at;
}

/* ASCII code -> what char_wb sees: ASCII whitespace (str.isspace) -> ' ', else the code,
 * lowercased in row 1. */
static const uint8_t wb_ascii_map[2][128] = {
    {
     0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0e, 0x0f,
     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x20, 0x20, 0x20,
     0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
     0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
     0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
     0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
     0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
     0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    },
    {
     0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0e, 0x0f,
     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x20, 0x20, 0x20,
     0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
     0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
     0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
     0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
     0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
     0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    },
};

/* " " + " ".join(text.split()) + " " of an ASCII document (lowercased if asked), into
 * cb->pad with 8 spaces after it; *J_len is its length, 1 (" ") when there is no word.
 * Returns FH_OK, FH_ERR_NOMEM or FH_ERR_CANCELLED. */
static fh_status wb_join_ascii(const fh_text *doc, int lowercase, fh_charbuf *cb, int64_t *J_len)
{
    int64_t n = doc->len;
    FH_GROW(cb->pad, cb->cap_pad, n + 2 + 8, 256, return FH_ERR_NOMEM);
    const uint8_t *s = doc->data, *map = wb_ascii_map[lowercase != 0];
    uint8_t *J = cb->pad;
    int64_t k = 1;
    uint32_t prev = 1; /* the last byte written is a space */
    J[0] = ' ';
    for (int64_t b0 = 0; b0 < n; b0 += FH_POLL_ITEMS) {
        if (b0 > 0 && fh_cancel_poll(cb->cancel))
            return FH_ERR_CANCELLED;
        const int64_t b1 = n - b0 < FH_POLL_ITEMS ? n : b0 + FH_POLL_ITEMS;
        for (int64_t i = b0; i < b1; i++) {
            uint8_t c = map[s[i] & 0x7Fu];
            uint32_t sp = c == ' ';
            J[k] = c;
            k += (sp & prev) ^ 1u; /* a space after a space is overwritten */
            prev = sp;
        }
    }
    if (!prev)
        J[k++] = ' ';
    memset(J + k, ' ', 8);
    *J_len = k;
    return FH_OK;
}

/* The specialised n-gram loops: (lo, hi) constant for the common ranges, a power-of-two
 * n_features, compiled twice on x86 with GCC or Clang -- for the baseline ISA and for AVX2
 * (8 positions per vector with a native 32-bit multiply; SSE2 has to emulate it), chosen at
 * run time. Integer arithmetic only: every variant gives the same keys. */
#define FH_DEFINE_POW2_LOOPS(SUFFIX, ATTR)                                                \
    ATTR static int64_t wb_pow2_##SUFFIX(const uint8_t *J, int64_t J_len, int lo, int hi,  \
                                         uint32_t mask, uint32_t alt, uint32_t *kb,        \
                                         uint32_t *k, fh_cancel *c)                        \
    {                                                                                     \
        switch (lo * 16 + hi) {                                                           \
        case 0x23: return wb_keys_pow2(J, J_len, 2, 3, mask, alt, kb, k, c);              \
        case 0x24: return wb_keys_pow2(J, J_len, 2, 4, mask, alt, kb, k, c);              \
        case 0x25: return wb_keys_pow2(J, J_len, 2, 5, mask, alt, kb, k, c);              \
        case 0x34: return wb_keys_pow2(J, J_len, 3, 4, mask, alt, kb, k, c);              \
        case 0x35: return wb_keys_pow2(J, J_len, 3, 5, mask, alt, kb, k, c);              \
        default: return wb_keys_pow2(J, J_len, lo, hi, mask, alt, kb, k, c);              \
        }                                                                                 \
    }                                                                                     \
    ATTR static int64_t char_pow2_##SUFFIX(const uint8_t *t, int64_t L, int lo, int hi,    \
                                           uint32_t mask, uint32_t alt, uint32_t *kb,      \
                                           uint32_t *k, fh_cancel *c)                      \
    {                                                                                     \
        switch (lo * 16 + hi) {                                                           \
        case 0x12: return char_keys_pow2(t, L, 1, 2, mask, alt, kb, k, c);                \
        case 0x13: return char_keys_pow2(t, L, 1, 3, mask, alt, kb, k, c);                \
        case 0x23: return char_keys_pow2(t, L, 2, 3, mask, alt, kb, k, c);                \
        case 0x24: return char_keys_pow2(t, L, 2, 4, mask, alt, kb, k, c);                \
        case 0x25: return char_keys_pow2(t, L, 2, 5, mask, alt, kb, k, c);                \
        case 0x35: return char_keys_pow2(t, L, 3, 5, mask, alt, kb, k, c);                \
        default: return char_keys_pow2(t, L, lo, hi, mask, alt, kb, k, c);                \
        }                                                                                 \
    }

FH_DEFINE_POW2_LOOPS(base, )
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define FH_AVX2_DISPATCH 1
FH_DEFINE_POW2_LOOPS(avx2, __attribute__((target("avx2"))))
#else
#define FH_AVX2_DISPATCH 0
#endif

int fh_cpu_has_avx2(void)
{
#if FH_AVX2_DISPATCH
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

/* ---------------------------------------------------------------- counting
 * fh_analysis_count: the same windows as the key loops, each counted by its bytes into
 * sc->tally (no hash). */

/* char_wb's n-grams are those of each padded word " w " of the text on its own: counting
 * mode counts the padded words of a joined text (sc->wtally), and fh_wb_expand turns each
 * distinct one into its n-grams, as many times as the word was seen. */

/* The padded words of an ASCII joined text (wb_join_ascii): J[a - 1 .. b + 1) for each
 * word J[a .. b) between two spaces. */
static fh_status count_wb_words_ascii(scratch *sc, const uint8_t *J, int64_t J_len)
{
    fh_status st;
    for (int64_t i = 1, a = 1; i < J_len; i++) {
        if ((i & (FH_POLL_ITEMS - 1)) == 0 && fh_cancel_poll(sc->cancel))
            return FH_ERR_CANCELLED;
        if (J[i] != ' ')
            continue;
        if (i > a && (st = fh_tally_add(sc->wtally, J + a - 1, i - a + 2)) != FH_OK)
            return st;
        a = i + 1;
    }
    return FH_OK;
}

/* The padded words of a joined wide text (DEFINE_WB_JOIN_WIDE; its padding makes 16 bytes
 * readable from any offset): code points [a, b) between two spaces, bytes
 * J[off[a - 1] .. off[b] + 1). */
static fh_status count_wb_words_wide(scratch *sc, const uint8_t *J, const uint32_t *off,
                                     const uint8_t *sp, int64_t J_n)
{
    fh_status st = FH_OK;
    for (int64_t i = 1, a = 1; i < J_n; i++) {
        if ((i & (FH_POLL_ITEMS - 1)) == 0 && fh_cancel_poll(sc->cancel)) {
            st = FH_ERR_CANCELLED;
            break;
        }
        if (!sp[i])
            continue;
        if (i > a && (st = fh_tally_push_padded(sc->wtally, J + off[a - 1],
                                                (int64_t)(off[i] + 1 - off[a - 1]))) != FH_OK)
            break;
        a = i + 1;
    }
    fh_status sf = fh_tally_flush_long(sc->wtally); /* before J is written again */
    return st != FH_OK ? st : sf;
}

fh_status fh_wb_expand(const fh_tally *words, int64_t k0, int64_t k1, int64_t lo, int64_t hi,
                       fh_tally *tally, fh_cancel *cancel)
{
    fh_status st = FH_OK;
    int64_t *cp = NULL, cap = 0; /* byte offsets of a word's code points */
    uint8_t *w = NULL;           /* its bytes and FH_TALLY_INLINE zeros: padded loads */
    for (int64_t k = k0; st == FH_OK && words->n && k < k1; k++) {
        const fh_tally_slot *e = &words->slots[k];
        if (!e->count)
            continue;
        if ((k & (FH_POLL_ITEMS - 1)) == 0 && fh_cancel_poll(cancel)) {
            st = FH_ERR_CANCELLED;
            break;
        }
        const int64_t len = (int64_t)e->len;
        if (len + 1 > cap) {
            int64_t ncap = fh_next_cap(cap, len + 1, 64);
            int64_t *q = realloc(cp, sizeof *cp * (size_t)ncap);
            uint8_t *b = q ? realloc(w, (size_t)ncap + FH_TALLY_INLINE) : NULL;
            cp = q ? q : cp;
            w = b ? b : w;
            if (!b) {
                st = FH_ERR_NOMEM;
                break;
            }
            cap = ncap;
        }
        memcpy(w, fh_tally_bytes(words, e), (size_t)len);
        memset(w + len, 0, FH_TALLY_INLINE);
        int64_t W = 0; /* UTF-8 without surrogates: a code point starts at a non-continuation */
        for (int64_t b = 0; b < len; b++)
            if ((w[b] & 0xC0) != 0x80)
                cp[W++] = b;
        cp[W] = len;
        if (lo > W) { /* scikit-learn: the whole padded word, once */
            st = fh_tally_add_padded_n(tally, w, len, e->count);
            continue;
        }
        for (int64_t q = 0; q + lo <= W && st == FH_OK; q++)
            for (int64_t n = lo; n <= hi && q + n <= W && st == FH_OK; n++)
                st = fh_tally_add_padded_n(tally, w + cp[q], cp[q + n] - cp[q], e->count);
    }
    free(cp);
    free(w);
    return st;
}

/* The windows of char_keys (an ASCII text of L bytes, 8 readable past its end,
 * 1 <= lo <= hi <= 8). */
static fh_status count_ascii_chars(scratch *sc, const uint8_t *t, int64_t L, int lo, int hi)
{
    fh_status st;
    for (int64_t s = 0; s + lo <= L; s++) {
        if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(sc->cancel))
            return FH_ERR_CANCELLED;
        const uint64_t v = fh_tally_load8(t + s);
        for (int n = lo; n <= hi && s + n <= L; n++)
            if ((st = fh_tally_add_words(sc->tally, fh_tally_prefix(v, n), 0, (uint64_t)n)) !=
                FH_OK)
                return st;
    }
    return FH_OK;
}

/* char_wb n-grams of an ASCII document, lo in {2, 3}, hi <= 8, straight from the
 * document's code units (no fh_char_text). */
static fh_status emit_char_wb_joined(scratch *sc, const fh_text *doc, const fh_opts *o,
                                     const hash_params *hp)
{
    fh_status st;
    int64_t J_len;
    if ((st = wb_join_ascii(doc, o->lowercase, &sc->cb, &J_len)) != FH_OK)
        return st;
    const int lo = (int)o->min_n, hi = (int)o->max_n;
    if (sc->tally)
        return count_wb_words_ascii(sc, sc->cb.pad, J_len);
    FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + (int64_t)(hi - lo + 1) * (J_len + 1), 1024,
            return FH_ERR_NOMEM);
    const uint8_t *J = sc->cb.pad;
    uint32_t *k = sc->keys + sc->nkeys;
    const uint32_t mask = hp->pow2_mask, alt = (uint32_t)hp->alternate_sign;
    int64_t at;
    if (!mask)
        at = wb_keys(J, J_len, lo, hi, hp->n_features, 0, hp->alternate_sign, k, sc->cancel);
#if FH_AVX2_DISPATCH
    else if (hp->avx2)
        at = wb_pow2_avx2(J, J_len, lo, hi, mask, alt, sc->kb, k, sc->cancel);
#endif
    else
        at = wb_pow2_base(J, J_len, lo, hi, mask, alt, sc->kb, k, sc->cancel);
    if (at < 0)
        return FH_ERR_CANCELLED;
    sc->nkeys += at;
    return FH_OK;
}

/* ---------------------------------------------------------------- char_wb on wide text */

/* Code points of padding past a joined wide text (offsets and space flags) and bytes of
 * slack past its end: the AVX2 loop reads up to 8 + FH_WIDE_MAX_N offsets past the last
 * start position and 4 * FH_WIDE_MAX_N bytes (in 16-byte loads) from any offset. */
#define FH_WIDE_MAX_N 8
#define FH_WIDE_PAD_CP 24
#define FH_WIDE_PAD_BYTES 48

/* The joined text of wb_join_ascii for a document of code units T (UCS-1 with non-ASCII
 * code points, UCS-2 or UCS-4; strip_accents none), in one pass: lowercased as str.lower()
 * (final sigma, multi-code-point mappings) when asked, every whitespace run (str.isspace)
 * one ASCII space, UTF-8 encoded into cb->pad, with the byte offset of each of its *J_n
 * code points in cb->woff (J_n + 1 entries) and 1 for a space, else 0, in cb->wsp. Padding
 * follows: FH_WIDE_PAD_CP offsets (the end) and spaces, FH_WIDE_PAD_BYTES bytes (spaces).
 * The caller keeps n * 12 + FH_WIDE_PAD_BYTES under 2**32. Sets *has_sur when the text
 * holds a lone surrogate (the caller then takes the general path, which raises as
 * scikit-learn does). Returns FH_OK, FH_ERR_NOMEM or FH_ERR_CANCELLED. O(n). ATTR: the
 * function's attributes; VEC: 1 to try JOIN8 (FH_WIDE_JOIN8) on each 8 code points first
 * (the AVX2 variants), 0 for one by one only. */
#define DEFINE_WB_JOIN_WIDE(NAME, T, SIGMA, ATTR, VEC, JOIN8)                            \
    ATTR static fh_status NAME(const T *s, int64_t n, int lowercase, fh_charbuf *cb,      \
                               int64_t *J_n, int *has_sur)                                \
    {                                                                                     \
        const uint32_t *const flat = lowercase ? fh_u_flat_lower : fh_u_flat_keep;        \
        int64_t k = 0;                                                                    \
        uint32_t b = 0;             /* code points and bytes written */                   \
        uint32_t prev = 0, sur = 0; /* prev: the last code point written is a space */    \
        for (int64_t i0 = 0; i0 == 0 || i0 < n; i0 += FH_POLL_ITEMS) {                    \
            if (i0 > 0 && fh_cancel_poll(cb->cancel))                                     \
                return FH_ERR_CANCELLED;                                                  \
            const int64_t i1 = n - i0 < FH_POLL_ITEMS ? n : i0 + FH_POLL_ITEMS;           \
            /* at most 3 code points of 4 bytes per unit, + 2 spaces, + the padding */    \
            FH_GROW(cb->pad, cb->cap_pad, b + 12 * (i1 - i0) + 2 + FH_WIDE_PAD_BYTES, 256, \
                    return FH_ERR_NOMEM);                                                 \
            const int64_t need_cp = k + 3 * (i1 - i0) + 3 + FH_WIDE_PAD_CP;               \
            FH_GROW(cb->woff, cb->cap_woff, need_cp, 256, return FH_ERR_NOMEM);           \
            FH_GROW(cb->wsp, cb->cap_wsp, need_cp, 256, return FH_ERR_NOMEM);             \
            uint8_t *J = cb->pad, *sp = cb->wsp;                                          \
            uint32_t *off = cb->woff;                                                     \
            if (i0 == 0) {                                                                \
                J[0] = ' ';                                                               \
                off[0] = 0;                                                               \
                sp[0] = 1;                                                                \
                k = b = 1;                                                                \
                prev = 1;                                                                 \
            }                                                                             \
            for (int64_t i = i0, stop; i < i1;) {                                         \
                /* 8 code points at a time (JOIN8), else (a special one among them, or   \
                 * the last few) one by one */                                            \
                stop = i1;                                                                \
                if (VEC && i + 8 <= i1) {                                                 \
                    if (JOIN8(T, s + i, flat, J, off, sp, &k, &b, &prev)) {               \
                        i += 8;                                                           \
                        continue;                                                         \
                    }                                                                     \
                    stop = i + 8;                                                         \
                }                                                                         \
                for (; i < stop; i++) {                                                   \
                    uint32_t c = s[i];                                                    \
                    const uint32_t e = sizeof(T) < 4 || c < 0x10000u ? flat[c] : FH_UF_SPECIAL; \
                    if (!(e & FH_UF_SPECIAL)) {                                           \
                        /* the flat table's entry: a space as ' ', any other code point as \
                         * its (lowercased) UTF-8 bytes, with no branch on which it is */ \
                        const uint32_t is_sp = !(e & FH_UF_NONSPACE), adv = (is_sp & prev) ^ 1u; \
                        const uint32_t x =                                                \
                            e ^ ((e ^ (' ' | 1u << FH_UF_LEN_SHIFT)) & (0u - is_sp));     \
                        off[k] = b;                                                       \
                        sp[k] = (uint8_t)is_sp;                                           \
                        memcpy(J + b, &x, 4);                                             \
                        k += adv; /* a space after a space is overwritten */              \
                        b += (x >> FH_UF_LEN_SHIFT) & (0u - adv);                         \
                        prev = is_sp;                                                     \
                        continue;                                                         \
                    }                                                                     \
                    /* the code points the table does not describe: their records */      \
                    const fh_u_record *r = fh_u_rec(c);                                   \
                    if (r->flags & FH_U_SPACE) {                                          \
                        if (!prev) {                                                      \
                            off[k] = b;                                                   \
                            sp[k++] = 1;                                                  \
                            J[b++] = ' ';                                                 \
                        }                                                                 \
                        prev = 1;                                                         \
                        continue;                                                         \
                    }                                                                     \
                    prev = 0;                                                             \
                    sur |= (uint32_t)(c - 0xD800u < 0x800u);                              \
                    if (lowercase) {                                                      \
                        if (c == 0x3A3u) {                                                \
                            c = SIGMA(s, n, i) ? 0x3C2u : 0x3C3u;                         \
                        } else if (r->nlower == 1) {                                      \
                            c = (uint32_t)((int32_t)c + r->lower);                        \
                        } else {                                                          \
                            for (int j = 0; j < r->nlower; j++) {                         \
                                off[k] = b;                                               \
                                sp[k++] = 0;                                              \
                                b += (uint32_t)fh_put_utf8(J + b, fh_u_lower_ext[r->lower + j]); \
                            }                                                             \
                            continue;                                                     \
                        }                                                                 \
                    }                                                                     \
                    off[k] = b;                                                           \
                    sp[k++] = 0;                                                          \
                    b += (uint32_t)fh_put_utf8(J + b, c);                                 \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        if (!prev) {                                                                      \
            cb->woff[k] = b;                                                              \
            cb->wsp[k++] = 1;                                                             \
            cb->pad[b++] = ' ';                                                           \
        }                                                                                 \
        for (int64_t j = 0; j < FH_WIDE_PAD_CP; j++) {                                    \
            cb->woff[k + j] = b;                                                          \
            cb->wsp[k + j] = 1;                                                           \
        }                                                                                 \
        memset(cb->pad + b, ' ', FH_WIDE_PAD_BYTES);                                      \
        *J_n = k;                                                                         \
        *has_sur = sur != 0;                                                              \
        return FH_OK;                                                                     \
    }

FH_DEFINE_FINAL_SIGMA(final_sigma_1, uint8_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_2, uint16_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_4, uint32_t)
#define FH_NO_JOIN8(...) 0
DEFINE_WB_JOIN_WIDE(wb_join_1, uint8_t, final_sigma_1, , 0, FH_NO_JOIN8)
DEFINE_WB_JOIN_WIDE(wb_join_2, uint16_t, final_sigma_2, , 0, FH_NO_JOIN8)
DEFINE_WB_JOIN_WIDE(wb_join_4, uint32_t, final_sigma_4, , 0, FH_NO_JOIN8)

#if FH_AVX2_DISPATCH
/* The lanes of an 8-bit mask's set bits, in order (then zeros): fh_join_keep[m][j] is the
 * lane of the j-th set bit of m. Filled once, when the library is loaded. */
static uint8_t fh_join_keep[256][8];

__attribute__((constructor)) static void fh_join_keep_init(void)
{
    for (int m = 0; m < 256; m++)
        for (int j = 0, at = 0; j < 8; j++)
            if (m >> j & 1)
                fh_join_keep[m][at++] = (uint8_t)j;
}

/* DEFINE_WB_JOIN_WIDE's step on 8 code points whose flat-table entries are e (one per
 * lane), none of them special: each space after a space dropped, the others' offsets,
 * space flags and bytes written at *k and *b as the one-by-one step writes them (the
 * offsets and flags packed by fh_join_keep, the bytes by fh_mm_put_utf8_8; 28 bytes from
 * J + *b, 8 entries from off + *k and sp + *k: room the caller has). Returns 0, writing
 * nothing, when one of them is special. */
FH_AVX2_INLINE int wide_join8(__m256i e, uint8_t *J, uint32_t *off, uint8_t *sp, int64_t *k,
                              uint32_t *b, uint32_t *prev)
{
    if (!_mm256_testz_si256(e, _mm256_set1_epi32((int)FH_UF_SPECIAL)))
        return 0;
    const __m256i zero = _mm256_setzero_si256();
    /* spaces (all ones), and the lanes before them (lane 0's: the last code point written) */
    const __m256i is_sp = _mm256_cmpeq_epi32(
        _mm256_and_si256(e, _mm256_set1_epi32((int)FH_UF_NONSPACE)), zero);
    __m256i before =
        _mm256_permutevar8x32_epi32(is_sp, _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6));
    before = _mm256_blend_epi32(before, _mm256_set1_epi32(-(int)*prev), 0x01);
    const __m256i drop = _mm256_and_si256(is_sp, before);
    const __m256i x =
        _mm256_blendv_epi8(e, _mm256_set1_epi32((int)(' ' | 1u << FH_UF_LEN_SHIFT)), is_sp);
    /* the bytes of each kept lane, their inclusive and exclusive sums */
    const __m256i len = _mm256_andnot_si256(drop, _mm256_srli_epi32(x, FH_UF_LEN_SHIFT));
    const __m256i sum = fh_mm_prefix_sum8(len);
    const __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int)*b), _mm256_sub_epi32(sum, len));
    /* the kept lanes' offsets and space flags, packed */
    const int keep = ~_mm256_movemask_ps(_mm256_castsi256_ps(drop)) & 0xFF;
    const __m256i perm = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64((const __m128i *)(const void *)fh_join_keep[keep]));
    _mm256_storeu_si256((__m256i *)(void *)(off + *k), _mm256_permutevar8x32_epi32(at, perm));
    __m256i f = _mm256_permutevar8x32_epi32(_mm256_srli_epi32(is_sp, 31), perm);
    f = _mm256_shuffle_epi8(f, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
                                                -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
                                                -1, -1, -1, -1, -1, -1, -1, -1));
    f = _mm256_permutevar8x32_epi32(f, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
    _mm_storel_epi64((__m128i *)(void *)(sp + *k), _mm256_castsi256_si128(f));
    /* the kept lanes' bytes */
    fh_mm_put_utf8_8(J + *b, x, len, (uint32_t)_mm256_extract_epi32(sum, 3));
    *k += __builtin_popcount((unsigned)keep);
    *b += (uint32_t)_mm256_extract_epi32(sum, 7);
    *prev = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(is_sp)) >> 7;
    return 1;
}
/* wide_join8 on the 8 code units at p (of type T), if they are all in the BMP (which the
 * flat tables describe). */
#define FH_WIDE_JOIN8(T, p, flat, J, off, sp, k, b, prev)                                 \
    ((sizeof(T) < 4 || ((uint32_t)((p)[0] | (p)[1] | (p)[2] | (p)[3] | (p)[4] | (p)[5] |   \
                                    (p)[6] | (p)[7]) >> 16) == 0) &&                      \
     wide_join8(FH_MM_FLAT8(flat, p), J, off, sp, k, b, prev))
#define FH_AVX2_POPCNT __attribute__((target("avx2,popcnt")))
DEFINE_WB_JOIN_WIDE(wb_join_1_avx2, uint8_t, final_sigma_1, FH_AVX2_POPCNT, 1, FH_WIDE_JOIN8)
DEFINE_WB_JOIN_WIDE(wb_join_2_avx2, uint16_t, final_sigma_2, FH_AVX2_POPCNT, 1, FH_WIDE_JOIN8)
DEFINE_WB_JOIN_WIDE(wb_join_4_avx2, uint32_t, final_sigma_4, FH_AVX2_POPCNT, 1, FH_WIDE_JOIN8)
#endif

/* Masks keeping the first r bytes of a 32-bit little-endian word, r = 0 .. 3 (8 entries:
 * the AVX2 loop reads it as one vector). */
static const uint32_t tail_mask[8] = {0u, 0xFFu, 0xFFFFu, 0xFFFFFFu, 0u, 0u, 0u, 0u};

/* Keys of scikit-learn's char_wb n-grams, lo <= n <= hi (lo in {2, 3}), from the joined
 * text of J_n code points at J (byte offsets off, space flags sp; see DEFINE_WB_JOIN_WIDE):
 * wb_keys over code points. The n-grams starting at one code point extend each other:
 * MurmurHash3 mixes each complete 4-byte block of the longest once, and each length
 * finishes its own tail. A window of n >= 3 code points is an n-gram iff none of its code
 * points 1 .. n - 2 is a space; then it ends within the text (which ends with a space). k
 * has room for (hi - lo + 1) * J_n keys; returns their number (-1 if cancelled). Always
 * inlined, so that constant lo and hi unroll it. */
static FH_ALWAYS_INLINE int64_t wb_wide_keys(const uint8_t *J, const uint32_t *off,
                                             const uint8_t *sp, int64_t J_n, int lo, int hi,
                                             uint32_t nf, uint32_t mask, int alt, uint32_t *k,
                                             fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s = 0; s + 2 <= J_n; s++) {
        if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(cancel))
            return -1;
        const uint32_t base = off[s];
        const uint8_t *p = J + base;
        uint32_t h = 0, done = 0; /* bytes mixed as complete blocks into h */
        for (int n = 2; n <= hi; n++) {
            if (n >= 3 && sp[s + n - 2])
                break;
            if (n < lo)
                continue;
            const uint32_t len = off[s + n] - base;
            while (done + 4 <= len) {
                h = fh_murmur3_block(h, fh_load_le32(p + done));
                done += 4;
            }
            const uint32_t x =
                h ^ fh_murmur3_scramble(fh_load_le32(p + done) & tail_mask[len - done]);
            k[at++] = fh_feature_key(fh_murmur3_finish(x, len), nf, mask, alt);
        }
    }
    return at;
}

#if FH_AVX2_DISPATCH
/* The keys of wb_wide_keys (power-of-two n_features: key_pow2) for the start positions
 * s0 .. s0 + P - 1 (P <= FH_BLOCK) and every n in [lo, hi] (hi <= FH_WIDE_MAX_N), n-gram or
 * not, into kb[(n - lo) * FH_BLOCK + j], 8 positions at a time: the blocks of the hi code
 * points from each position are loaded (fh_mm_words4) and mixed once, and each length picks
 * its prefix state and tail word by its byte length. */
FH_AVX2_INLINE void wide_block_avx2(const uint8_t *J, const uint32_t *off, int64_t s0,
                                    int64_t P, int lo, int hi, uint32_t mask, uint32_t alt,
                                    uint32_t *kb)
{
    const __m256i vmask = _mm256_set1_epi32((int)mask), valt = _mm256_set1_epi32((int)alt);
    const __m256i tails = _mm256_loadu_si256((const __m256i *)(const void *)tail_mask);
    const __m256i three = _mm256_set1_epi32(3);
    for (int64_t j = 0; j < P; j += 8) {
        const uint32_t *o = off + s0 + j;
        const __m256i base = _mm256_loadu_si256((const __m256i *)(const void *)o);
        __m256i w[FH_WIDE_MAX_N + 4], hq[FH_WIDE_MAX_N + 1];
        hq[0] = _mm256_setzero_si256();
        for (int q = 0; q < hi; q += 4)
            fh_mm_words4(J + 4 * q, o, w + q);
        for (int q = 0; q < hi; q++)
            hq[q + 1] = fh_mm_murmur3_block(hq[q], w[q]);
        w[hi] = _mm256_setzero_si256();
        for (int n = lo; n <= hi; n++) {
            const __m256i len = _mm256_sub_epi32(
                _mm256_loadu_si256((const __m256i *)(const void *)(o + n)), base);
            const __m256i q = _mm256_srli_epi32(len, 2);
            __m256i x = hq[0], tw = w[0];
            for (int t = 1; t <= n; t++) { /* n code points: at most 4n bytes, q <= n */
                const __m256i m = _mm256_cmpeq_epi32(q, _mm256_set1_epi32(t));
                x = _mm256_blendv_epi8(x, hq[t], m);
                tw = _mm256_blendv_epi8(tw, w[t], m);
            }
            tw = _mm256_and_si256(tw, _mm256_permutevar8x32_epi32(tails, _mm256_and_si256(len, three)));
            const __m256i h = fh_mm_murmur3_finish(_mm256_xor_si256(x, fh_mm_murmur3_scramble(tw)), len);
            const __m256i neg = _mm256_srli_epi32(h, 31);
            const __m256i key = _mm256_or_si256(
                _mm256_slli_epi32(_mm256_and_si256(_mm256_abs_epi32(h), vmask), 1),
                _mm256_and_si256(neg, valt));
            _mm256_storeu_si256((__m256i *)(void *)(kb + (n - lo) * FH_BLOCK + j), key);
        }
    }
}

/* wb_wide_keys for a power-of-two n_features and hi <= FH_WIDE_MAX_N, through
 * wide_block_avx2 (the text padded as DEFINE_WB_JOIN_WIDE does). */
FH_AVX2_INLINE int64_t wb_wide_keys_avx2(const uint8_t *J, const uint32_t *off,
                                         const uint8_t *sp, int64_t J_n, int lo, int hi,
                                         uint32_t mask, uint32_t alt, uint32_t *kb,
                                         uint32_t *k, fh_cancel *cancel)
{
    int64_t at = 0;
    for (int64_t s0 = 0; s0 + 2 <= J_n; s0 += FH_BLOCK) {
        if ((s0 & (FH_POLL_ITEMS - 1)) == 0 && s0 > 0 && fh_cancel_poll(cancel))
            return -1;
        int64_t P = J_n - 1 - s0;
        if (P > FH_BLOCK)
            P = FH_BLOCK;
        wide_block_avx2(J, off, s0, P, lo, hi, mask, alt, kb);
        const uint8_t *f = sp + s0;
        for (int64_t j = 0; j < P; j++) {
            uint32_t inside = 1;
            for (int n = 2; n <= hi; n++) {
                if (n >= 3)
                    inside &= f[j + n - 2] ^ 1u;
                if (n >= lo) {
                    k[at] = kb[(n - lo) * FH_BLOCK + j];
                    at += inside;
                }
            }
        }
    }
    return at;
}

/* wb_wide_keys_avx2 with (lo, hi) constant for the common ranges. */
__attribute__((target("avx2"))) static int64_t
wb_wide_avx2(const uint8_t *J, const uint32_t *off, const uint8_t *sp, int64_t J_n, int lo,
             int hi, uint32_t mask, uint32_t alt, uint32_t *kb, uint32_t *k, fh_cancel *c)
{
    switch (lo * 16 + hi) {
    case 0x23: return wb_wide_keys_avx2(J, off, sp, J_n, 2, 3, mask, alt, kb, k, c);
    case 0x24: return wb_wide_keys_avx2(J, off, sp, J_n, 2, 4, mask, alt, kb, k, c);
    case 0x25: return wb_wide_keys_avx2(J, off, sp, J_n, 2, 5, mask, alt, kb, k, c);
    case 0x34: return wb_wide_keys_avx2(J, off, sp, J_n, 3, 4, mask, alt, kb, k, c);
    case 0x35: return wb_wide_keys_avx2(J, off, sp, J_n, 3, 5, mask, alt, kb, k, c);
    default: return wb_wide_keys_avx2(J, off, sp, J_n, lo, hi, mask, alt, kb, k, c);
    }
}
#endif

/* wb_wide_keys with (lo, hi) constant for the common ranges. */
static int64_t wb_wide_dispatch(const uint8_t *J, const uint32_t *off, const uint8_t *sp,
                                int64_t J_n, int lo, int hi, uint32_t nf, uint32_t mask,
                                int alt, uint32_t *k, fh_cancel *c)
{
    switch (lo * 16 + hi) {
    case 0x23: return wb_wide_keys(J, off, sp, J_n, 2, 3, nf, mask, alt, k, c);
    case 0x24: return wb_wide_keys(J, off, sp, J_n, 2, 4, nf, mask, alt, k, c);
    case 0x25: return wb_wide_keys(J, off, sp, J_n, 2, 5, nf, mask, alt, k, c);
    case 0x34: return wb_wide_keys(J, off, sp, J_n, 3, 4, nf, mask, alt, k, c);
    case 0x35: return wb_wide_keys(J, off, sp, J_n, 3, 5, nf, mask, alt, k, c);
    default: return wb_wide_keys(J, off, sp, J_n, lo, hi, nf, mask, alt, k, c);
    }
}

/* char_wb n-grams of a non-ASCII document (kind 1, 2 or 4), lo in {2, 3}, strip_accents
 * none: the joined text of one pass (wb_join_*), then the keys of its windows (AVX2 when the
 * CPU has it, n_features is a power of two and hi <= FH_WIDE_MAX_N). Sets *served to 0,
 * emitting nothing, when the document holds a lone surrogate (the general path raises as
 * scikit-learn does, at the first n-gram holding it). */
static fh_status emit_char_wb_wide(scratch *sc, const fh_text *doc, const fh_opts *o,
                                   const hash_params *hp, int *served)
{
    fh_charbuf *cb = &sc->cb;
    fh_status st;
    int64_t J_n;
    int has_sur;
    const int lower = o->lowercase;
#if FH_AVX2_DISPATCH
    if (hp->avx2) {
        switch (doc->kind) {
        case FH_KIND_UCS1: st = wb_join_1_avx2(doc->data, doc->len, lower, cb, &J_n, &has_sur);
            break;
        case FH_KIND_UCS2: st = wb_join_2_avx2(doc->data, doc->len, lower, cb, &J_n, &has_sur);
            break;
        case FH_KIND_UCS4: st = wb_join_4_avx2(doc->data, doc->len, lower, cb, &J_n, &has_sur);
            break;
        default: return FH_ERR_BADARG;
        }
    } else
#endif
    {
        switch (doc->kind) {
        case FH_KIND_UCS1: st = wb_join_1(doc->data, doc->len, lower, cb, &J_n, &has_sur); break;
        case FH_KIND_UCS2: st = wb_join_2(doc->data, doc->len, lower, cb, &J_n, &has_sur); break;
        case FH_KIND_UCS4: st = wb_join_4(doc->data, doc->len, lower, cb, &J_n, &has_sur); break;
        default: return FH_ERR_BADARG;
        }
    }
    if (st != FH_OK)
        return st;
    *served = !has_sur;
    if (has_sur)
        return FH_OK;
    const int lo = (int)o->min_n, hi = (int)o->max_n;
    if (sc->tally)
        return count_wb_words_wide(sc, cb->pad, cb->woff, cb->wsp, J_n);
    FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + (int64_t)(hi - lo + 1) * (J_n + 1), 1024,
            return FH_ERR_NOMEM);
    uint32_t *k = sc->keys + sc->nkeys;
    int64_t at;
#if FH_AVX2_DISPATCH
    if (hp->avx2 && hp->pow2_mask && hi <= FH_WIDE_MAX_N)
        at = wb_wide_avx2(cb->pad, cb->woff, cb->wsp, J_n, lo, hi, hp->pow2_mask,
                          (uint32_t)hp->alternate_sign, sc->kb, k, sc->cancel);
    else
#endif
        at = wb_wide_dispatch(cb->pad, cb->woff, cb->wsp, J_n, lo, hi, hp->n_features,
                              hp->pow2_mask, hp->alternate_sign, k, sc->cancel);
    if (at < 0)
        return FH_ERR_CANCELLED;
    sc->nkeys += at;
    return FH_OK;
}

/* Whether emit_char_wb_joined serves these options and this document. */
static inline int wb_joined_ok(const scratch *sc, const fh_text *doc, const fh_opts *o)
{
    return (!sc->debug || sc->tally) && o->paths != FH_PATHS_REFERENCE &&
           doc->kind == FH_KIND_UCS1 &&
           doc->ascii && o->min_n >= 2 && o->min_n <= 3 && o->max_n <= 8;
}

/* Whether emit_char_wb_wide serves these options and this document (the ASCII ones go to
 * emit_char_wb_joined). max_n <= 64 bounds its keys buffer ((hi - lo + 1) per code point). */
static inline int wb_wide_ok(const scratch *sc, const fh_text *doc, const fh_opts *o)
{
    return (!sc->debug || sc->tally) && o->paths != FH_PATHS_REFERENCE && !o->strip_accents &&
           (doc->kind == FH_KIND_UCS2 || doc->kind == FH_KIND_UCS4 ||
            (doc->kind == FH_KIND_UCS1 && !doc->ascii)) &&
           o->min_n >= 2 && o->min_n <= 3 && o->max_n >= o->min_n && o->max_n <= 64 &&
           doc->len < ((int64_t)1 << 28); /* 32-bit byte offsets (DEFINE_WB_JOIN_WIDE) */
}

/* emit_ascii_char_ngrams for max_n <= 8: one pass over the start positions. */
static fh_status emit_ascii_char_fused(scratch *sc, const uint8_t *t, int64_t L, int lo, int hi,
                                       const hash_params *hp)
{
    FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + (int64_t)(hi - lo + 1) * (L + 1), 1024,
            return FH_ERR_NOMEM);
    uint32_t *k = sc->keys + sc->nkeys;
    const uint32_t mask = hp->pow2_mask, alt = (uint32_t)hp->alternate_sign;
    int64_t at;
    if (!mask)
        at = char_keys(t, L, lo, hi, hp->n_features, 0, hp->alternate_sign, k, sc->cancel);
#if FH_AVX2_DISPATCH
    else if (hp->avx2)
        at = char_pow2_avx2(t, L, lo, hi, mask, alt, sc->kb, k, sc->cancel);
#endif
    else
        at = char_pow2_base(t, L, lo, hi, mask, alt, sc->kb, k, sc->cancel);
    if (at < 0)
        return FH_ERR_CANCELLED;
    sc->nkeys += at;
    return FH_OK;
}

/* Keys of the n-grams text[s .. s + n) for s in [0, L - n], min_n <= n <= max_n, of an
 * ASCII text (one byte per code point, no surrogate) with 8 readable bytes past its end:
 * scikit-learn's _char_ngrams when 1 <= min_n. */
static fh_status emit_ascii_char_ngrams(scratch *sc, const uint8_t *t, int64_t L, int64_t min_n,
                                        int64_t max_n, const hash_params *hp)
{
    int64_t hi = max_n < L ? max_n : L, total = 0;
    for (int64_t n = min_n; n <= hi; n++)
        total += L - n + 1;
    FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + total, 1024, return FH_ERR_NOMEM);
    uint32_t *k = sc->keys + sc->nkeys;
    const uint32_t nf = hp->n_features, mask = hp->pow2_mask;
    const int alt = hp->alternate_sign;
    for (int64_t n = min_n; n <= hi; n++)
        for (int64_t s = 0; s + n <= L; s++) {
            if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
            *k++ = fh_feature_key(short_ngram_hash(t + s, n), nf, mask, alt);
        }
    sc->nkeys += total;
    return FH_OK;
}

/* scikit-learn's _char_ngrams on the prepared text. */
static fh_status emit_char_ngrams(scratch *sc, const fh_opts *o, const hash_params *hp)
{
    if (sc->tally && sc->cb.ascii && o->min_n >= 1 && o->max_n <= 8 &&
        o->paths != FH_PATHS_REFERENCE)
        return count_ascii_chars(sc, sc->cb.u8, sc->cb.n, (int)o->min_n, (int)o->max_n);
    if (sc->cb.ascii && o->min_n >= 1 && o->max_n <= 8 && !sc->debug &&
        o->paths != FH_PATHS_REFERENCE)
        return emit_ascii_char_fused(sc, sc->cb.u8, sc->cb.n, (int)o->min_n, (int)o->max_n, hp);
    if (sc->cb.ascii && o->min_n >= 1 && !sc->debug)
        return emit_ascii_char_ngrams(sc, sc->cb.u8, sc->cb.n, o->min_n, o->max_n, hp);
    int64_t L = sc->cb.n;
    int64_t hi = o->max_n < L ? o->max_n : L; /* range(min_n, min(max_n + 1, L + 1)) */
    fh_status st;
    for (int64_t n = o->min_n; n <= hi; n++) {
        for (int64_t i = 0; i < L - n + 1; i++) {
            int64_t a, b;
            if ((i & (FH_POLL_ITEMS - 1)) == 0 && i > 0 && fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
            py_slice(L, i, i + n, &a, &b);
            if ((st = emit_chars_range(sc, hp, a, b)) != FH_OK)
                return st;
        }
    }
    return FH_OK;
}

/* Slice [s:e] of the padded word " " + text[a:b] + " " (W = b - a + 2 code points). */
static inline fh_status emit_padded(scratch *sc, const hash_params *hp, int64_t a, int64_t W,
                                    int64_t s, int64_t e)
{
    const fh_charbuf *cb = &sc->cb;
    int64_t pa, pb;
    py_slice(W, s, e, &pa, &pb);
    /* lone surrogates inside: padded index k is text index a + k - 1 (0 < k < W - 1) */
    int64_t ta = (pa > 1 ? pa : 1) - 1 + a, tb = (pb < W - 1 ? pb : W - 1) - 1 + a;
    if (tb > ta && fh_char_surrogates(cb, ta, tb))
        return FH_ERR_ENCODE;
    const uint8_t *p = cb->pad + cb->poff[pa];
    int64_t len = cb->poff[pb] - cb->poff[pa];
    return emit_bytes(sc, hp, p, len);
}

/* emit_char_wb_ngrams for an ASCII text and 1 <= min_n (the common case): each padded word
 * is copied once, with 8 bytes of slack for fh_murmur3_32_short, and its keys are written
 * in one go. */
static fh_status emit_char_wb_ascii(scratch *sc, const fh_opts *o, const hash_params *hp)
{
    fh_charbuf *cb = &sc->cb;
    const uint8_t *t = cb->u8;
    const int64_t L = cb->n, lo = o->min_n, hi = o->max_n;
    const uint32_t nf = hp->n_features, mask = hp->pow2_mask;
    const int alt = hp->alternate_sign;
    int64_t i = 0, next_poll = FH_POLL_ITEMS;
    while (i < L) {
        if (i >= next_poll) {
            next_poll = i + FH_POLL_ITEMS;
            if (fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
        }
        while (i < L && fh_ascii_space(t[i]))
            i++;
        if (i >= L)
            break;
        int64_t a = i;
        while (i < L && !fh_ascii_space(t[i]))
            i++;
        int64_t W = i - a + 2; /* the padded word " " + word + " " */
        FH_GROW(cb->pad, cb->cap_pad, W + 8, 256, return FH_ERR_NOMEM);
        uint8_t *pw = cb->pad;
        pw[0] = ' ';
        memcpy(pw + 1, t + a, (size_t)(W - 2));
        pw[W - 1] = ' ';
        /* n < W: W - n + 1 n-grams; n == W: the word once, then stop; n > W (only when
         * lo > W): the whole padded word once. */
        int64_t top = hi < W ? hi : W, total = lo > W ? 1 : 0;
        for (int64_t n = lo; n <= top; n++)
            total += W - n + 1;
        /* the loop below may write past its last kept key, by fewer than top - lo + 1 */
        int64_t slack = top >= lo ? top - lo + 1 : 0;
        FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + total + slack, 1024, return FH_ERR_NOMEM);
        uint32_t *k = sc->keys + sc->nkeys;
        if (lo > W) {
            *k = fh_feature_key(short_ngram_hash(pw, W), nf, mask, alt);
        } else {
            /* The row is sorted afterwards, so the order of its keys is free: one pass over
             * the start positions, every length at each, kept when it fits (no
             * hard-to-predict loop exits). Writes stay within total + (top - lo) slots. */
            int64_t at = 0;
            for (int64_t s0 = 0; s0 < W; s0 += FH_POLL_ITEMS) {
                if (s0 > 0 && fh_cancel_poll(sc->cancel))
                    return FH_ERR_CANCELLED;
                const int64_t s1 = W - s0 < FH_POLL_ITEMS ? W : s0 + FH_POLL_ITEMS;
                if (top <= 7) {
                    for (int64_t s = s0; s < s1; s++)
                        for (int64_t n = lo; n <= top; n++) {
                            k[at] = fh_feature_key(fh_murmur3_32_upto7(pw + s, n), nf, mask,
                                                   alt);
                            at += s + n <= W;
                        }
                } else {
                    for (int64_t s = s0; s < s1; s++)
                        for (int64_t n = lo; n <= top; n++) {
                            k[at] = fh_feature_key(short_ngram_hash(pw + s, n), nf, mask, alt);
                            at += s + n <= W;
                        }
                }
            }
        }
        sc->nkeys += total;
    }
    return FH_OK;
}

/* scikit-learn's _char_wb_ngrams: words of text.split(), padded with one space each side. */
static fh_status emit_char_wb_ngrams(scratch *sc, const fh_opts *o, const hash_params *hp)
{
    fh_charbuf *cb = &sc->cb;
    if (cb->ascii && o->min_n >= 1 && !sc->debug)
        return emit_char_wb_ascii(sc, o, hp);
    int64_t L = cb->n, i = 0, next_poll = FH_POLL_ITEMS;
    fh_status st;
    while (i < L) {
        if (i >= next_poll) {
            next_poll = i + FH_POLL_ITEMS;
            if (fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
        }
        while (i < L && fh_char_is_space(cb, i))
            i++;
        if (i >= L)
            break;
        int64_t a = i;
        while (i < L && !fh_char_is_space(cb, i))
            i++;
        int64_t b = i, W = b - a + 2;
        int64_t oa = fh_char_off(cb, a), ob = fh_char_off(cb, b);
        int64_t nbytes = ob - oa + 2;
        FH_GROW(cb->pad, cb->cap_pad, nbytes, 256, return FH_ERR_NOMEM);
        FH_GROW(cb->poff, cb->cap_poff, W + 1, 256, return FH_ERR_NOMEM);
        cb->pad[0] = ' ';
        memcpy(cb->pad + 1, cb->u8 + oa, (size_t)(ob - oa));
        cb->pad[nbytes - 1] = ' ';
        cb->poff[0] = 0;
        for (int64_t k = 1; k < W; k++)
            cb->poff[k] = 1 + fh_char_off(cb, a + k - 1) - oa;
        cb->poff[W] = nbytes;
        for (int64_t n = o->min_n; n <= o->max_n; n++) {
            int64_t offset = 0;
            if ((st = emit_padded(sc, hp, a, W, 0, n)) != FH_OK)
                return st;
            while (offset + n < W) {
                offset++;
                if ((offset & (FH_POLL_ITEMS - 1)) == 0 && fh_cancel_poll(sc->cancel))
                    return FH_ERR_CANCELLED;
                if ((st = emit_padded(sc, hp, a, W, offset, offset + n)) != FH_OK)
                    return st;
            }
            if (offset == 0)
                break; /* a short word is counted once */
        }
    }
    return FH_OK;
}

fh_status fh_char_features(scratch *sc, const fh_text *doc, const fh_opts *o,
                           const hash_params *hp)
{
    fh_status st;
    if (o->analyzer == FH_ANALYZER_CHAR_WB && wb_joined_ok(sc, doc, o))
        return emit_char_wb_joined(sc, doc, o, hp);
    if (o->analyzer == FH_ANALYZER_CHAR_WB && wb_wide_ok(sc, doc, o)) {
        int served;
        if ((st = emit_char_wb_wide(sc, doc, o, hp, &served)) != FH_OK || served)
            return st;
    }
    if ((st = fh_char_text(doc, o->lowercase, o->strip_accents, &sc->cb)) != FH_OK)
        return st;
    if (o->analyzer == FH_ANALYZER_CHAR)
        return emit_char_ngrams(sc, o, hp);
    return emit_char_wb_ngrams(sc, o, hp);
}
