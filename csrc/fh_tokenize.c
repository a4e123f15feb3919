/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_murmur3.h"
#include "fh_tokenize_impl.h"
#include "fh_unicode_impl.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---------------------------------------------------------------- stop words */

struct fh_stopset {
    uint8_t *bytes;
    int64_t *off;    /* n + 1 */
    uint32_t *hash;  /* n */
    int64_t *slots;  /* mask + 1 entries: word index or -1 */
    uint64_t mask;
    int64_t n;
};

fh_status fh_stopset_new(const uint8_t *bytes, const int64_t *offsets, int64_t n, fh_stopset **out)
{
    fh_status st = FH_ERR_NOMEM;
    *out = NULL;
    if (n < 0 || (n > 0 && (bytes == NULL || offsets == NULL)))
        return FH_ERR_BADARG;
    fh_stopset *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ERR_NOMEM;
    int64_t total = n > 0 ? offsets[n] : 0;
    uint64_t size = 16;
    while (size < (uint64_t)n * 2)
        size <<= 1;
    s->n = n;
    s->mask = size - 1;
    s->bytes = malloc((size_t)total + 1);
    s->off = malloc(sizeof(int64_t) * (size_t)(n + 1));
    s->hash = malloc(sizeof(uint32_t) * (size_t)(n + 1));
    s->slots = malloc(sizeof(int64_t) * (size_t)size);
    if (!s->bytes || !s->off || !s->hash || !s->slots)
        goto cleanup;
    if (total > 0)
        memcpy(s->bytes, bytes, (size_t)total);
    s->off[0] = 0;
    for (uint64_t k = 0; k < size; k++)
        s->slots[k] = -1;
    for (int64_t i = 0; i < n; i++) {
        s->off[i + 1] = offsets[i + 1];
        int64_t len = offsets[i + 1] - offsets[i];
        uint32_t h = fh_murmur3_32(s->bytes + offsets[i], (size_t)len, 0);
        s->hash[i] = h;
        if (fh_stopset_contains(s, s->bytes + offsets[i], len, h))
            continue; /* duplicate */
        uint64_t k = h & s->mask;
        while (s->slots[k] >= 0)
            k = (k + 1) & s->mask;
        s->slots[k] = i;
    }
    *out = s;
    st = FH_OK;
cleanup:
    if (st != FH_OK)
        fh_stopset_free(s);
    return st;
}

void fh_stopset_free(fh_stopset *s)
{
    if (!s)
        return;
    free(s->bytes);
    free(s->off);
    free(s->hash);
    free(s->slots);
    free(s);
}

int fh_stopset_contains(const fh_stopset *s, const uint8_t *word, int64_t len, uint32_t h)
{
    uint64_t k = h & s->mask;
    for (;;) {
        int64_t i = s->slots[k];
        if (i < 0)
            return 0;
        if (s->hash[i] == h && s->off[i + 1] - s->off[i] == len &&
            (len == 0 || memcmp(s->bytes + s->off[i], word, (size_t)len) == 0))
            return 1;
        k = (k + 1) & s->mask;
    }
}

/* ---------------------------------------------------------------- token buffer */

void fh_tokbuf_init(fh_tokbuf *tb) { memset(tb, 0, sizeof *tb); }

void fh_tokbuf_free(fh_tokbuf *tb)
{
    free(tb->buf);
    free(tb->off);
    free(tb->tlen);
    free(tb->hash);
    free(tb->sp);
    free(tb->mask);
    free(tb->runs);
    free(tb->cp);
    fh_tokbuf_init(tb);
}

/* ASCII: bit i of mask is set iff s[i] is a word character ([0-9A-Za-z_]); bits past n
 * are clear. */
static void ascii_word_mask(const uint8_t *s, int64_t n, uint64_t *mask)
{
    int64_t nw = (n + 63) / 64;
    int64_t i = 0;
    for (int64_t w = 0; w < nw; w++) {
        uint64_t m = 0;
        int64_t base = w * 64;
#ifdef __SSE2__
        if (base + 64 <= n) {
            const __m128i lo0 = _mm_set1_epi8('0' - 1), hi0 = _mm_set1_epi8('9' + 1);
            const __m128i loa = _mm_set1_epi8('a' - 1), hia = _mm_set1_epi8('z' + 1);
            const __m128i x20 = _mm_set1_epi8(0x20), us = _mm_set1_epi8('_');
            for (int k = 0; k < 4; k++) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + base + 16 * k));
                __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, lo0), _mm_cmplt_epi8(v, hi0));
                __m128i l = _mm_or_si128(v, x20);
                __m128i alp = _mm_and_si128(_mm_cmpgt_epi8(l, loa), _mm_cmplt_epi8(l, hia));
                __m128i wc = _mm_or_si128(_mm_or_si128(dig, alp), _mm_cmpeq_epi8(v, us));
                m |= (uint64_t)(uint32_t)_mm_movemask_epi8(wc) << (16 * k);
            }
            mask[w] = m;
            i = base + 64;
            continue;
        }
#endif
        int64_t lim = base + 64 < n ? base + 64 : n;
        i = base;
#ifdef __SSE2__
        {
            const __m128i lo0 = _mm_set1_epi8('0' - 1), hi0 = _mm_set1_epi8('9' + 1);
            const __m128i loa = _mm_set1_epi8('a' - 1), hia = _mm_set1_epi8('z' + 1);
            const __m128i x20 = _mm_set1_epi8(0x20), us = _mm_set1_epi8('_');
            for (; i + 16 <= lim; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
                __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, lo0), _mm_cmplt_epi8(v, hi0));
                __m128i l = _mm_or_si128(v, x20);
                __m128i alp = _mm_and_si128(_mm_cmpgt_epi8(l, loa), _mm_cmplt_epi8(l, hia));
                __m128i wc = _mm_or_si128(_mm_or_si128(dig, alp), _mm_cmpeq_epi8(v, us));
                m |= (uint64_t)(uint32_t)_mm_movemask_epi8(wc) << (i - base);
            }
        }
#endif
        for (; i < lim; i++)
            m |= (uint64_t)(fh_ascii_word[s[i]] != 0) << (i - base);
        mask[w] = m;
    }
    (void)i;
}

/* ASCII: bit i of mask is set iff s[i] is not whitespace; bits past n are clear. */
static void ascii_nonspace_mask(const uint8_t *s, int64_t n, uint64_t *mask)
{
    int64_t nw = (n + 63) / 64;
    for (int64_t w = 0; w < nw; w++) {
        int64_t base = w * 64, lim = base + 64 < n ? base + 64 : n, i = base;
        uint64_t m = 0;
#ifdef __SSE2__
        const __m128i x21 = _mm_set1_epi8(0x21), x08 = _mm_set1_epi8(0x08);
        const __m128i x0e = _mm_set1_epi8(0x0E), x1b = _mm_set1_epi8(0x1B);
        for (; i + 16 <= lim; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(v, x08), _mm_cmplt_epi8(v, x0e));
            __m128i sp = _mm_and_si128(_mm_cmplt_epi8(v, x21),
                                       _mm_or_si128(ctl, _mm_cmpgt_epi8(v, x1b)));
            m |= (uint64_t)(uint32_t)(~_mm_movemask_epi8(sp) & 0xFFFF) << (i - base);
        }
#endif
        for (; i < lim; i++)
            m |= (uint64_t)(!fh_ascii_space(s[i])) << (i - base);
        mask[w] = m;
    }
}

static fh_status word_tokens_ascii(const uint8_t *s, int64_t n, int lowercase, int token,
                                   const fh_stopset *stop, fh_tokbuf *tb)
{
    const int64_t nw = (n + 63) / 64;
    const int64_t minlen = token == FH_TOKEN_WORD2 ? 2 : 1;
    FH_GROW(tb->mask, tb->cap_mask, FH_ASCII_BLOCK_WORDS, 16, return FH_ERR_NOMEM);
    tb->base = s;
    tb->base_len = n;
    if (lowercase) {
        if (reserve_bytes(&tb->buf, &tb->cap, n + 12) != FH_OK) /* slack for token_hash */
            return FH_ERR_NOMEM;
        tb->base = tb->buf;
        tb->base_len = tb->cap;
    }
    /* Per block: runs of token characters (fh_block_runs), a run still open at the end of
     * a block carried to the next one. */
    const int64_t max_runs = FH_ASCII_BLOCK_WORDS * 32 + 2;
    FH_GROW(tb->runs, tb->cap_runs, 2 * max_runs, 64, return FH_ERR_NOMEM);
    int64_t *rs = tb->runs, *re = tb->runs + max_runs;
    const int fast = tb->hash_only && !stop;
    uint64_t carry = 0;
    int64_t open = -1; /* start of a run open at the end of the previous block */
    for (int64_t w0 = 0; w0 < nw; w0 += FH_ASCII_BLOCK_WORDS) {
        if (w0 > 0 && fh_cancel_poll(tb->cancel))
            return FH_ERR_CANCELLED;
        const int64_t bw = nw - w0 < FH_ASCII_BLOCK_WORDS ? nw - w0 : FH_ASCII_BLOCK_WORDS;
        const int64_t lo = w0 * 64, len = (n - lo < bw * 64 ? n - lo : bw * 64);
        if (lowercase)
            ascii_lower(s + lo, len, tb->buf + lo);
        if (token == FH_TOKEN_NONSPACE)
            ascii_nonspace_mask(s + lo, len, tb->mask);
        else
            ascii_word_mask(s + lo, len, tb->mask);
        const int64_t ne = fh_block_runs(tb->mask, bw, lo, n, &carry, &open, rs, re);
        if (fast) {
            /* Unigrams, no stop words: only the hashes of the runs of >= minlen characters.
             * Branch-free: every run is hashed and the index moves on when it is long
             * enough. */
            if (reserve_tokens(tb, tb->n + ne) != FH_OK)
                return FH_ERR_NOMEM;
            uint32_t *hash = tb->hash;
            const uint8_t *b = tb->base;
            const int64_t bl = tb->base_len;
            int64_t k = tb->n;
            for (int64_t i = 0; i < ne; i++) {
                int64_t rlen = re[i] - rs[i];
                hash[k] = token_hash(b, bl, rs[i], rlen);
                k += rlen >= minlen;
            }
            tb->n = k;
            continue;
        }
        for (int64_t i = 0; i < ne; i++) {
            int64_t rlen = re[i] - rs[i];
            if (rlen >= minlen && add_token(tb, rs[i], rlen, stop, 0) != FH_OK)
                return FH_ERR_NOMEM;
        }
    }
    return FH_OK;
}

/* Generic tokenizer over code points of type T (1, 2 or 4 bytes). The lowercase mapping is
 * applied first, then the token class is tested on each *output* code point, exactly as
 * re.findall runs on str.lower()'s result. Runs of at least minlen code points of the
 * class are tokens.
 *
 * Without accent stripping, a code point of the BMP takes one load of a flat table
 * (fh_u_flat_lower / fh_u_flat_keep, generated with the other tables): the UTF-8 bytes of
 * the character after lowercasing and their classes, so a run of token characters is
 * copied by a loop that does nothing else. The few the table cannot describe (a lowercase
 * mapping of several code points, the capital sigma, the surrogates), astral code points
 * and accent stripping take the general path: the records of fh_u_rec.
 *
 * With `fast` (unigrams, no stop words: only the hashes are wanted) a token is hashed as
 * soon as its run ends and its bytes are forgotten, so the bytes being written stay in
 * the first cache lines of the buffer; otherwise add_token keeps it. */

/* End the current run (its bytes are out[start .. len), `run` code points; `sur`: it
 * holds a lone surrogate, which only \S can). With `fast` the hashes go to hash[ntok],
 * capacity cap_tok: tb->hash, tb->n and tb->cap_tok in registers, written back at the end
 * (and around reserve_tokens). */
#define FH_END_RUN()                                                                      \
    do {                                                                                  \
        if (run < minlen) {                                                               \
            len = start;                                                                  \
        } else if (fast) {                                                                \
            if (sur)                                                                      \
                return FH_ERR_ENCODE; /* every token is a feature to hash */              \
            if (ntok == cap_tok) {                                                        \
                tb->n = ntok;                                                             \
                if (reserve_tokens(tb, ntok + 1) != FH_OK)                                \
                    return FH_ERR_NOMEM;                                                  \
                hash = tb->hash;                                                          \
                cap_tok = tb->cap_tok;                                                    \
            }                                                                             \
            /* the buffer has FH_TOKEN_SLACK bytes past any token */                      \
            const int64_t tl_ = len - start;                                              \
            hash[ntok++] = tl_ <= 11 ? fh_murmur3_32_upto11(out + start, tl_)             \
                                     : fh_murmur3_32_inline(out + start, (size_t)tl_, 0); \
            len = start;                                                                  \
        } else {                                                                          \
            int64_t tn = tb->n;                                                           \
            fh_status ast_ = add_token(tb, start, len - start, stop, sur);                \
            if (ast_ != FH_OK)                                                            \
                return ast_;                                                              \
            if (tb->n > tn)                                                               \
                out[len++] = ' '; /* kept: separate it from the next token */             \
            else                                                                          \
                len = start; /* a stop word: forget its bytes */                          \
        }                                                                                 \
        run = 0;                                                                          \
        sur = 0;                                                                          \
    } while (0)

/* Bytes readable past the end of any token in the buffer: fh_put_flat's 4-byte store and
 * fh_murmur3_32_upto11's reads of 12 bytes from the token's start. */
#define FH_TOKEN_SLACK 16

/* Class test on table flags: \w, or \S (not \s). */
#define FH_IN_CLASS(FLAGS) (nonspace_ ? !((FLAGS) & FH_U_SPACE) : ((FLAGS) & FH_U_WORD))

/* The general path for code point cp = s[i]: lowercasing (LOWER, or with STRIP the
 * runtime flag `lowercase`) by its record (fh_u_rec), accent stripping (STRIP), then each
 * resulting code point joins the run or ends it, by its own class. */
#define FH_GENERAL_CP(SIGMA, LOWER, STRIP)                                                \
    do {                                                                                  \
        uint32_t x[3 * FH_STRIP_MAX]; /* the code points cp becomes */                    \
        int nx = 0;                                                                       \
        if (!(LOWER || (STRIP && lowercase))) {                                           \
            x[nx++] = cp;                                                                 \
        } else if (cp == 0x3A3) {                                                         \
            x[nx++] = SIGMA(s, n, i) ? 0x3C2u : 0x3C3u; /* by context */                  \
        } else {                                                                          \
            const fh_u_record *r = fh_u_rec(cp);                                          \
            if (r->nlower == 1)                                                           \
                x[nx++] = (uint32_t)((int32_t)cp + r->lower);                             \
            else                                                                          \
                for (; nx < r->nlower; nx++)                                              \
                    x[nx] = fh_u_lower_ext[r->lower + nx];                                \
        }                                                                                 \
        if (STRIP) {                                                                      \
            /* strip accents from each lowered code point */                              \
            uint32_t lo[3];                                                               \
            int nlo = nx;                                                                 \
            memcpy(lo, x, sizeof(uint32_t) * (size_t)nlo);                                \
            nx = 0;                                                                       \
            for (int k = 0; k < nlo; k++)                                                 \
                nx += fh_u_strip(lo[k], strip, x + nx);                                   \
            if (len + 4 * (int64_t)nx + FH_TOKEN_SLACK > tb->cap) {                       \
                if (reserve_bytes(&tb->buf, &tb->cap, len + 4 * nx + FH_TOKEN_SLACK + n) != \
                    FH_OK)                                                                \
                    return FH_ERR_NOMEM;                                                  \
                out = tb->buf;                                                            \
                tb->base = out;                                                           \
                tb->base_len = tb->cap;                                                   \
            }                                                                             \
        }                                                                                 \
        for (int k = 0; k < nx; k++) {                                                    \
            uint32_t c = x[k];                                                            \
            if (FH_IN_CLASS(fh_u_flags(c))) {                                             \
                if (run == 0)                                                             \
                    start = len;                                                          \
                if (nonspace_)                                                            \
                    sur |= c - 0xD800u < 0x800u;                                          \
                len += fh_put_utf8(out + len, c);                                         \
                run++;                                                                    \
            } else if (run) {                                                             \
                FH_END_RUN();                                                             \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* The flat entry of code point cp of a text of code units T: FH_UF_SPECIAL (no class bit)
 * past the BMP. */
#define FH_FLAT(T, cp) (sizeof(T) < 4 || (cp) < 0x10000u ? flat[cp] : FH_UF_SPECIAL)

/* The running state of a tokenizer, for its general path taken out of line: the hot loop
 * keeps it in registers, which a larger loop body would spill. */
typedef struct {
    uint8_t *out;
    int64_t len, start, run, ntok, cap_tok;
    uint32_t *hash;
    int sur;
} fh_wstate;

#define FH_WSTATE_SAVE(W)                                                                 \
    ((W)->out = out, (W)->len = len, (W)->start = start, (W)->run = run, (W)->ntok = ntok, \
     (W)->cap_tok = cap_tok, (W)->hash = hash, (W)->sur = sur)
#define FH_WSTATE_LOAD(W)                                                                 \
    (out = (W)->out, len = (W)->len, start = (W)->start, run = (W)->run, ntok = (W)->ntok, \
     cap_tok = (W)->cap_tok, hash = (W)->hash, sur = (W)->sur)

#if defined(__GNUC__) || defined(__clang__)
#define FH_NOINLINE __attribute__((noinline))
#else
#define FH_NOINLINE
#endif

/* One variant per mode, so the hot loop carries no mode test: LOWER, STRIP and NONSPACE
 * are the constants 0 or 1 (with STRIP, lowercasing is the runtime flag `lowercase`).
 * NAME##_general: the general path for s[i], out of line. */
#define DEFINE_WORD_TOKENS(NAME, T, SIGMA, MAXLOW, RAW, LOWER, STRIP, NONSPACE)           \
    static FH_NOINLINE fh_status NAME##_general(fh_wstate *w, const T *s, int64_t n,      \
                                                int64_t i, int lowercase, int strip,      \
                                                int64_t minlen, const fh_stopset *stop,   \
                                                int fast, fh_tokbuf *tb)                  \
    {                                                                                     \
        uint8_t *out;                                                                     \
        int64_t len, start, run, ntok, cap_tok;                                           \
        uint32_t *hash;                                                                   \
        int sur;                                                                          \
        const int nonspace_ = NONSPACE;                                                   \
        const uint32_t cp = s[i];                                                         \
        FH_WSTATE_LOAD(w);                                                                \
        FH_GENERAL_CP(SIGMA, LOWER, STRIP);                                               \
        FH_WSTATE_SAVE(w);                                                                \
        return FH_OK;                                                                     \
    }                                                                                     \
    static fh_status NAME(const T *s, int64_t n, int lowercase, int strip,                \
                          int64_t minlen, const fh_stopset *stop, fh_tokbuf *tb)          \
    {                                                                                     \
        /* Token bytes (<= MAXLOW per input code point) plus one separator per token,     \
         * and the slack; accent stripping grows the buffer as it goes. */                \
        int64_t bound = ((MAXLOW > RAW ? MAXLOW : RAW) + 1) * n + FH_TOKEN_SLACK;         \
        if (reserve_bytes(&tb->buf, &tb->cap, bound) != FH_OK)                            \
            return FH_ERR_NOMEM;                                                          \
        uint8_t *out = tb->buf;                                                           \
        int64_t start = 0, run = 0;                                                       \
        int64_t len = 0; /* tb->len, kept in a register (out could alias tb) */           \
        int sur = 0;                                                                      \
        const int nonspace_ = NONSPACE; /* a constant: folded by the compiler */          \
        const int fast = tb->hash_only && !stop;                                          \
        uint32_t *hash = tb->hash;                                                        \
        int64_t ntok = tb->n, cap_tok = tb->cap_tok;                                      \
        const uint32_t *const flat = LOWER ? fh_u_flat_lower : fh_u_flat_keep;            \
        const uint32_t cls = NONSPACE ? FH_UF_NONSPACE : FH_UF_WORD;                      \
        tb->base = out;                                                                   \
        tb->base_len = tb->cap;                                                           \
        (void)lowercase;                                                                  \
        (void)strip;                                                                      \
        (void)flat;                                                                       \
        (void)cls;                                                                        \
        for (int64_t i0 = 0; i0 < n; i0 += FH_POLL_ITEMS) {                               \
            if (i0 > 0 && fh_cancel_poll(tb->cancel))                                     \
                return FH_ERR_CANCELLED;                                                  \
            const int64_t i1 = n - i0 < FH_POLL_ITEMS ? n : i0 + FH_POLL_ITEMS;           \
            if (STRIP) { /* every code point takes the general path, inline */            \
                for (int64_t i = i0; i < i1; i++) {                                       \
                    uint32_t cp = s[i];                                                   \
                    FH_GENERAL_CP(SIGMA, LOWER, STRIP);                                   \
                }                                                                         \
                continue;                                                                 \
            }                                                                             \
            const T *p = s + i0, *const pe = s + i1;                                      \
            while (p < pe) {                                                              \
                uint32_t e = FH_FLAT(T, *p);                                              \
                if (e & cls) {                                                            \
                    /* a run of token characters the table describes: copied by a loop    \
                     * that does nothing else, unrolled (one test of the block's end per  \
                     * four code points) */                                               \
                    const T *q = p + 1;                                                   \
                    if (run == 0)                                                         \
                        start = len;                                                      \
                    len += fh_put_flat(out + len, e);                                     \
                    for (;;) {                                                            \
                        if (pe - q >= 4) {                                                \
                            int k = 0; /* a constant trip count: unrolled */              \
                            for (; k < 4; k++) {                                          \
                                if (!((e = FH_FLAT(T, q[k])) & cls))                      \
                                    break;                                                \
                                len += fh_put_flat(out + len, e);                         \
                            }                                                             \
                            q += k;                                                       \
                            if (k < 4)                                                    \
                                break;                                                    \
                        } else {                                                          \
                            if (q == pe || !((e = FH_FLAT(T, *q)) & cls))                 \
                                break;                                                    \
                            len += fh_put_flat(out + len, e);                             \
                            q++;                                                          \
                        }                                                                 \
                    } /* q == pe, or e is the entry of *q, not in the class */            \
                    run += q - p;                                                         \
                    p = q;                                                                \
                    if (p == pe)                                                          \
                        break;                                                            \
                } /* e: the entry of *p, not a token character the table describes */     \
                if (sizeof(T) == 4 && (e & FH_UF_SPECIAL) && *p >= 0x10000u) {            \
                    /* astral: never a capital sigma nor (the generator asserts it) a     \
                     * lowercase mapping of several code points */                        \
                    const fh_u_record *r = fh_u_rec(*p);                                  \
                    const uint32_t c = LOWER ? (uint32_t)((int32_t)*p + r->lower) : *p;   \
                    if (FH_IN_CLASS(LOWER ? fh_u_lower_flags(r) : r->flags)) {            \
                        if (run == 0)                                                     \
                            start = len;                                                  \
                        len += fh_put_utf8(out + len, c);                                 \
                        run++;                                                            \
                    } else if (run) {                                                     \
                        FH_END_RUN();                                                     \
                    }                                                                     \
                } else if (e & FH_UF_SPECIAL) {                                           \
                    fh_wstate w;                                                          \
                    FH_WSTATE_SAVE(&w);                                                   \
                    fh_status st_ = NAME##_general(&w, s, n, p - s, lowercase, strip,     \
                                                   minlen, stop, fast, tb);               \
                    if (st_ != FH_OK)                                                     \
                        return st_;                                                       \
                    FH_WSTATE_LOAD(&w);                                                   \
                } else if (run) {                                                         \
                    FH_END_RUN();                                                         \
                }                                                                         \
                p++;                                                                      \
            }                                                                             \
        }                                                                                 \
        if (run)                                                                          \
            FH_END_RUN(); /* the last run */                                              \
        if (fast)                                                                         \
            tb->n = ntok;                                                                 \
        tb->len = len;                                                                    \
        return FH_OK;                                                                     \
    }

FH_DEFINE_FINAL_SIGMA(final_sigma_1, uint8_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_2, uint16_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_4, uint32_t)
#define DEFINE_WORD_TOKENS_3(BASE, T, SIGMA, MAXLOW, RAW, NONSPACE)                       \
    DEFINE_WORD_TOKENS(BASE##_lower, T, SIGMA, MAXLOW, RAW, 1, 0, NONSPACE)               \
    DEFINE_WORD_TOKENS(BASE##_keep, T, SIGMA, MAXLOW, RAW, 0, 0, NONSPACE)                \
    DEFINE_WORD_TOKENS(BASE##_strip, T, SIGMA, MAXLOW, RAW, 0, 1, NONSPACE)               \
    static fh_status BASE(const T *s, int64_t n, int lowercase, int strip, int64_t minlen, \
                          const fh_stopset *stop, fh_tokbuf *tb)                          \
    {                                                                                     \
        if (strip)                                                                        \
            return BASE##_strip(s, n, lowercase, strip, minlen, stop, tb);                \
        if (lowercase)                                                                    \
            return BASE##_lower(s, n, 1, 0, minlen, stop, tb);                            \
        return BASE##_keep(s, n, 0, 0, minlen, stop, tb);                                 \
    }

DEFINE_WORD_TOKENS_3(word_tokens_1, uint8_t, final_sigma_1, FH_U_MAX_LOWER_UTF8_1, 2, 0)
DEFINE_WORD_TOKENS_3(word_tokens_2, uint16_t, final_sigma_2, FH_U_MAX_LOWER_UTF8_2, 3, 0)
DEFINE_WORD_TOKENS_3(word_tokens_4, uint32_t, final_sigma_4, FH_U_MAX_LOWER_UTF8_4, 4, 0)
DEFINE_WORD_TOKENS_3(nonspace_tokens_1, uint8_t, final_sigma_1, FH_U_MAX_LOWER_UTF8_1, 2, 1)
DEFINE_WORD_TOKENS_3(nonspace_tokens_2, uint16_t, final_sigma_2, FH_U_MAX_LOWER_UTF8_2, 3, 1)
DEFINE_WORD_TOKENS_3(nonspace_tokens_4, uint32_t, final_sigma_4, FH_U_MAX_LOWER_UTF8_4, 4, 1)

fh_status fh_word_tokens(const fh_text *doc, int lowercase, int strip, int token,
                         const fh_stopset *stop, fh_tokbuf *tb)
{
    tb->len = 0;
    tb->n = 0;
    tb->n_surrogate = 0;
    tb->base = tb->buf;
    tb->base_len = 0;
    if (token != FH_TOKEN_WORD2 && token != FH_TOKEN_WORD1 && token != FH_TOKEN_NONSPACE)
        return FH_ERR_BADARG;
    if (doc->len == 0)
        return FH_OK;
    const int64_t minlen = token == FH_TOKEN_WORD2 ? 2 : 1;
    const int ns = token == FH_TOKEN_NONSPACE;
    switch (doc->kind) {
    case FH_KIND_UCS1:
        if (doc->ascii) /* accent stripping leaves ASCII unchanged */
            return word_tokens_ascii(doc->data, doc->len, lowercase, token, stop, tb);
        return (ns ? nonspace_tokens_1 : word_tokens_1)(doc->data, doc->len, lowercase, strip,
                                                        minlen, stop, tb);
    case FH_KIND_UCS2:
        return (ns ? nonspace_tokens_2 : word_tokens_2)(doc->data, doc->len, lowercase, strip,
                                                        minlen, stop, tb);
    case FH_KIND_UCS4:
        return (ns ? nonspace_tokens_4 : word_tokens_4)(doc->data, doc->len, lowercase, strip,
                                                        minlen, stop, tb);
    default:
        return FH_ERR_BADARG;
    }
}

#define DEFINE_UTF8(NAME, T)                                                              \
    static fh_status NAME(const T *s, int64_t n, uint8_t *out, int64_t *len)              \
    {                                                                                     \
        int64_t k = 0;                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                 \
            uint32_t c = s[i];                                                            \
            if (c >= 0xD800 && c <= 0xDFFF)                                               \
                return FH_ERR_ENCODE;                                                     \
            k += fh_put_utf8(out + k, c);                                                 \
        }                                                                                 \
        *len = k;                                                                         \
        return FH_OK;                                                                     \
    }
DEFINE_UTF8(utf8_1, uint8_t)
DEFINE_UTF8(utf8_2, uint16_t)
DEFINE_UTF8(utf8_4, uint32_t)

fh_status fh_text_utf8(const fh_text *t, uint8_t **buf, int64_t *cap, int64_t *len)
{
    const int verbatim = t->kind == FH_KIND_BYTES || t->kind == FH_KIND_UTF8 ||
                         (t->kind == FH_KIND_UCS1 && t->ascii);
    int64_t bound = verbatim || t->ascii ? t->len : 4 * t->len;
    if (reserve_bytes(buf, cap, bound + 1) != FH_OK)
        return FH_ERR_NOMEM;
    if (verbatim) {
        if (t->len)
            memcpy(*buf, t->data, (size_t)t->len);
        *len = t->len;
        return FH_OK;
    }
    switch (t->kind) {
    case FH_KIND_UCS1: return utf8_1(t->data, t->len, *buf, len);
    case FH_KIND_UCS2: return utf8_2(t->data, t->len, *buf, len);
    case FH_KIND_UCS4: return utf8_4(t->data, t->len, *buf, len);
    default: return FH_ERR_BADARG;
    }
}
