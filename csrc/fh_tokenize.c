/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_csr.h"
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

/* Runs of >= 2 set bits of a block's mask become runs of >= 1: bit i stays set iff bits
 * i and i + 1 are both set, so a run [a, b) becomes [a, b - 1) and a lone bit disappears.
 * next is the bit after the block (the class of the first character after it; 0 at the
 * text's end, so no run of the result reaches it). The default pattern's tokens (runs of
 * >= 2 word characters) are then found without listing, let alone hashing, the single
 * characters between them (a third of the runs of English text). */
static inline void ascii_pair_mask(uint64_t *mask, int64_t bw, uint64_t next)
{
    for (int64_t w = 0; w < bw; w++) {
        uint64_t nx = w + 1 < bw ? mask[w + 1] & 1 : next;
        mask[w] &= (mask[w] >> 1) | (nx << 63);
    }
}

/* murmur3_32 of the run p[0 .. len): p[0 .. 12) must be readable. */
static inline uint32_t ascii_run_hash(const uint8_t *p, int64_t len)
{
    return len <= 11 ? fh_murmur3_32_upto11(p, len) : fh_murmur3_32_inline(p, (size_t)len, 0);
}

/* Hashes (keys: the feature keys of tb->key_*) of runs i in [i0, ne) of a block,
 * [rs[i], re[i] + pairs) of b (12 bytes readable from every start), to out[i]. */
static void ascii_hash_runs(const uint8_t *b, const int64_t *rs, const int64_t *re, int64_t i0,
                            int64_t ne, int pairs, int keys, const fh_tokbuf *tb, uint32_t *out)
{
    if (!keys) {
        for (int64_t i = i0; i < ne; i++)
            out[i] = ascii_run_hash(b + rs[i], re[i] + pairs - rs[i]);
        return;
    }
    const uint32_t nf = tb->key_n_features, pm = tb->key_pow2_mask;
    const int alt = tb->key_alternate_sign;
    for (int64_t i = i0; i < ne; i++)
        out[i] = fh_feature_key(ascii_run_hash(b + rs[i], re[i] + pairs - rs[i]), nf, pm, alt);
}

#if FH_MURMUR3_AVX2
#define FH_WORDS_AVX2 1

/* The low 32 bits of 8 int64 positions p[0 .. 8) minus lo (each difference is in
 * [0, 2**31)), as 8 int32 lanes. */
FH_AVX2_INLINE __m256i mm_offsets(const int64_t *p, __m256i lo)
{
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    __m256i a = _mm256_sub_epi64(_mm256_loadu_si256((const __m256i *)(const void *)p), lo);
    __m256i c = _mm256_sub_epi64(_mm256_loadu_si256((const __m256i *)(const void *)(p + 4)), lo);
    a = _mm256_permutevar8x32_epi32(a, even);
    c = _mm256_permutevar8x32_epi32(c, even);
    return _mm256_permute2x128_si256(a, c, 0x20);
}

/* ascii_hash_runs for runs [i0, ne) starting at or after lo (b + lo: the block), 8 at a
 * time: every run hashed as fh_murmur3_32_upto11 does (its first 16 bytes loaded,
 * fh_mm_words4, for both 4-byte blocks and the tail word; the blocks past the run's whole
 * ones discarded, the tail masked to its len % 4 bytes; b holds 16 readable bytes from
 * every start), then the runs of more than 11 bytes (3% of English tokens) hashed
 * again one by one. With keys and a power-of-two n_features, the keys are made on the 8
 * lanes too (fh_feature_key: column |h| & mask, the sign bit of h). The last group of 8
 * runs past ne: rs and re must hold 7 more readable runs of the block after ne, whose
 * lanes are computed and stored to out (which must have room for them), then ignored. */
__attribute__((target("avx2"))) static void
ascii_hash_runs_avx2(const uint8_t *b, int64_t lo, const int64_t *rs, const int64_t *re,
                     int64_t i0, int64_t ne, int pairs, int keys, const fh_tokbuf *tb,
                     uint32_t *out)
{
    const __m256i lo4 = _mm256_set1_epi64x(lo), adj = _mm256_set1_epi32(pairs);
    const __m256i three = _mm256_set1_epi32(3);
    const __m256i seven = _mm256_set1_epi32(7), eleven = _mm256_set1_epi32(11);
    const int vkeys = keys && tb->key_pow2_mask != 0;
    const __m256i pm = _mm256_set1_epi32((int)tb->key_pow2_mask);
    const __m256i alt = _mm256_set1_epi32(tb->key_alternate_sign ? 1 : 0);
    for (int64_t i = i0; i < ne; i += 8) {
        __m256i s = mm_offsets(rs + i, lo4);
        __m256i len = _mm256_add_epi32(_mm256_sub_epi32(mm_offsets(re + i, lo4), s), adj);
        uint32_t o8[8];
        __m256i w[4];
        _mm256_storeu_si256((__m256i *)(void *)o8, s);
        fh_mm_words4(b + lo, o8, w);
        const __m256i more3 = _mm256_cmpgt_epi32(len, three);
        const __m256i more7 = _mm256_cmpgt_epi32(len, seven);
        __m256i ha = fh_mm_murmur3_block(_mm256_setzero_si256(), w[0]);
        __m256i hb = fh_mm_murmur3_block(ha, w[1]);
        __m256i h = _mm256_and_si256(ha, more3);
        h = _mm256_blendv_epi8(h, hb, more7);
        /* the tail word, after the len / 4 whole blocks (runs of more than 11 bytes are
         * hashed again below) */
        const __m256i tail = _mm256_blendv_epi8(_mm256_blendv_epi8(w[0], w[1], more3), w[2], more7);
        h = fh_mm_murmur3_tail_word_finish(h, tail, len);
        if (vkeys)
            h = fh_mm_feature_keys_pow2(h, pm, alt);
        _mm256_storeu_si256((__m256i *)(void *)(out + i), h);
        int longer = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(len, eleven)));
        while (longer) {
            int64_t j = i + ctz64((uint64_t)longer);
            uint32_t hj = fh_murmur3_32_inline(b + rs[j], (size_t)(re[j] + pairs - rs[j]), 0);
            out[j] = vkeys ? fh_feature_key(hj, tb->key_n_features, tb->key_pow2_mask,
                                            tb->key_alternate_sign)
                           : hj;
            longer &= longer - 1;
        }
        if (keys && !vkeys)
            for (int64_t j = i; j < i + 8; j++)
                out[j] = fh_feature_key(out[j], tb->key_n_features, 0, tb->key_alternate_sign);
    }
}

/* fh_block_runs writing each word's positions four at a time, with POPCNT and BMI1
 * (blsr, tzcnt): fewer mispredicted branches (11% less time to tokenize and hash English
 * text, though more instructions). Not with AVX2: gcc would then assemble the four
 * positions in a vector register, 2 more instructions per position. */
__attribute__((target("popcnt,bmi"))) static int64_t
ascii_block_runs_bmi(const uint64_t *mask, int64_t bw, int64_t lo, int64_t end, uint64_t *carry,
                      int64_t *open, int64_t *rs, int64_t *re)
{
    return fh_block_runs_impl(mask, bw, lo, end, carry, open, rs, re, 1);
}

/* One 32-byte vector of ascii_lower + ascii_word_mask: its lowercase to out (unless NULL)
 * and its word-character bits, tested on the lowercase ([0-9a-z_]). ASCII bytes only: a
 * range [a, a + k) is one signed comparison once shifted to start at -128 (a byte from 0
 * to 127 shifted by 128 - a lands in [-128, -128 + k) exactly when it is in the range). */
FH_AVX2_INLINE __m256i mm_in_range(__m256i v, char a, int k)
{
    return _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(-128 + k)),
                             _mm256_add_epi8(v, _mm256_set1_epi8((char)(128 - a))));
}
FH_AVX2_INLINE uint32_t mm_lower_word_bits(const uint8_t *s, uint8_t *out)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)s);
    __m256i l = _mm256_add_epi8(v, _mm256_and_si256(mm_in_range(v, 'A', 26),
                                                    _mm256_set1_epi8(0x20)));
    if (out)
        _mm256_storeu_si256((__m256i *)(void *)out, l);
    __m256i wc = _mm256_or_si256(_mm256_or_si256(mm_in_range(v, '0', 10), mm_in_range(l, 'a', 26)),
                                 _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')));
    return (uint32_t)_mm256_movemask_epi8(wc);
}

/* ascii_lower (when out is not NULL) and ascii_word_mask of s[0 .. len) in one pass, 32
 * bytes at a time: the last 32 bytes, s[len - 32 .. len), are done again overlapping the
 * ones before (same bytes, same bits), so no byte is done alone. s[len - 32 .. 0) must be
 * readable (and out[len - 32 .. 0) writable) when len < 32. */
__attribute__((target("avx2"))) static void ascii_lower_word_mask_avx2(const uint8_t *s,
                                                                         int64_t len,
                                                                         uint8_t *out,
                                                                         uint64_t *mask)
{
    int64_t w = 0;
    for (; 64 * w + 64 <= len; w++) {
        const int64_t i = 64 * w;
        uint64_t a = mm_lower_word_bits(s + i, out ? out + i : NULL);
        uint64_t b = mm_lower_word_bits(s + i + 32, out ? out + i + 32 : NULL);
        mask[w] = a | (b << 32);
    }
    const int64_t i = 64 * w;
    if (i < len) {
        uint64_t m = 0;
        int64_t k = i; /* positions [i, k) done */
        if (len - i >= 32) {
            m = mm_lower_word_bits(s + i, out ? out + i : NULL);
            k = i + 32;
        }
        if (k < len) {
            const int64_t j = len - 32; /* bit t: position j + t; keep positions [k, len) */
            uint32_t t = mm_lower_word_bits(s + j, out ? out + j : NULL) >> (k - j);
            m |= (uint64_t)t << (k - i);
        }
        mask[w] = m;
    }
}
#else
#define FH_WORDS_AVX2 0
#endif

static fh_status word_tokens_ascii(const uint8_t *s, int64_t n, int lowercase, int token,
                                   const fh_stopset *stop, fh_tokbuf *tb)
{
    const int64_t nw = (n + 63) / 64;
    /* FH_TOKEN_WORD2: runs of the paired mask (ascii_pair_mask), each one character short */
    const int pairs = token == FH_TOKEN_WORD2;
    FH_GROW(tb->mask, tb->cap_mask, FH_ASCII_BLOCK_WORDS, 16, return FH_ERR_NOMEM);
    tb->base = s;
    tb->base_len = n;
    if (lowercase) {
        /* slack: token_hash reads 12 bytes from any token start, fh_tally_add_padded 16 */
        if (reserve_bytes(&tb->buf, &tb->cap, n + FH_TALLY_INLINE) != FH_OK)
            return FH_ERR_NOMEM;
        tb->base = tb->buf;
        tb->base_len = tb->cap;
    }
    /* Per block: runs of token characters (fh_block_runs), a run still open at the end of
     * a block carried to the next one. */
    const int64_t max_runs = FH_ASCII_BLOCK_WORDS * 32 + 2 + 7; /* + ascii_hash_runs_avx2's */
    FH_GROW(tb->runs, tb->cap_runs, 2 * max_runs, 64, return FH_ERR_NOMEM);
    int64_t *rs = tb->runs, *re = tb->runs + max_runs;
    const int fast = tb->hash_only && !stop;
    /* the lowercased copy has slack past every token start: the runs are hashed with no
     * bounds test, straight to their keys when the caller wants them */
    const int keys = fast && lowercase && tb->key_n_features != 0;
    uint64_t carry = 0;
    int64_t open = -1; /* start of a run open at the end of the previous block */
    const int64_t n_group = tb->group_n;
    int64_t g = 0; /* the document of the runs being read (with a group) */
    if (n_group > 0) {
        if (!fast || tb->tally)
            return FH_ERR_BADARG;
        tb->group_first[0] = 0;
    }
#if FH_WORDS_AVX2
    const int bmi = tb->avx2 && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
#endif
    for (int64_t w0 = 0; w0 < nw; w0 += FH_ASCII_BLOCK_WORDS) {
        if (w0 > 0 && fh_cancel_poll(tb->cancel))
            return FH_ERR_CANCELLED;
        const int64_t bw = nw - w0 < FH_ASCII_BLOCK_WORDS ? nw - w0 : FH_ASCII_BLOCK_WORDS;
        const int64_t lo = w0 * 64, len = (n - lo < bw * 64 ? n - lo : bw * 64);
#if FH_WORDS_AVX2
        if (tb->avx2 && token != FH_TOKEN_NONSPACE && n >= 32) {
            ascii_lower_word_mask_avx2(s + lo, len, lowercase ? tb->buf + lo : NULL, tb->mask);
        } else
#endif
        {
            if (lowercase)
                ascii_lower(s + lo, len, tb->buf + lo);
            if (token == FH_TOKEN_NONSPACE)
                ascii_nonspace_mask(s + lo, len, tb->mask);
            else
                ascii_word_mask(s + lo, len, tb->mask);
        }
        if (pairs)
            ascii_pair_mask(tb->mask, bw, lo + len < n && fh_ascii_word[s[lo + len]] != 0);
        const int64_t ne =
#if FH_WORDS_AVX2
            bmi ? ascii_block_runs_bmi(tb->mask, bw, lo, n, &carry, &open, rs, re) :
#endif
                     fh_block_runs(tb->mask, bw, lo, n, &carry, &open, rs, re);
        if (n_group > 0) { /* the runs of each document (locals: no reload per run) */
            const int64_t *gend = tb->group_end, base = tb->n;
            int64_t *gfirst = tb->group_first;
            for (int64_t i = 0; g < n_group; g++) {
                const int64_t end = gend[g];
                while (i < ne && rs[i] < end)
                    i++;
                if (i == ne) /* document g may go on in the next block */
                    break;
                gfirst[g + 1] = base + i;
            }
        }
        if (fast && tb->tally) {
            /* Unigrams, no stop words, counted (fh_analysis_count): every run a token. */
            for (int64_t i = 0; i < ne; i++) {
                const int64_t a = rs[i], tl = re[i] + pairs - rs[i];
                fh_status st = lowercase ? fh_tally_add_padded(tb->tally, tb->base + a, tl)
                                         : fh_tally_add(tb->tally, tb->base + a, tl);
                if (st != FH_OK)
                    return st;
            }
            continue;
        }
        if (fast) {
            /* Unigrams, no stop words: only the hashes of the runs, every one a token. */
            if (reserve_tokens(tb, tb->n + ne + 7) != FH_OK)
                return FH_ERR_NOMEM;
            uint32_t *hash = tb->hash + tb->n;
            if (lowercase) {
#if FH_WORDS_AVX2
                if (tb->avx2) {
                    /* a run carried from the previous block starts before this one */
                    const int64_t i0 = ne > 0 && rs[0] < lo;
                    if (i0)
                        ascii_hash_runs(tb->base, rs, re, 0, 1, pairs, keys, tb, hash);
                    for (int64_t j = ne; j < ne + 7; j++) /* the last group's empty lanes */
                        rs[j] = re[j] = lo;
                    ascii_hash_runs_avx2(tb->base, lo, rs, re, i0, ne, pairs, keys, tb, hash);
                } else
#endif
                {
                    ascii_hash_runs(tb->base, rs, re, 0, ne, pairs, keys, tb, hash);
                }
            } else {
                for (int64_t i = 0; i < ne; i++)
                    hash[i] = token_hash(tb->base, tb->base_len, rs[i], re[i] + pairs - rs[i]);
            }
            tb->n += ne;
            continue;
        }
        for (int64_t i = 0; i < ne; i++)
            if (add_token(tb, rs[i], re[i] + pairs - rs[i], stop, 0) != FH_OK)
                return FH_ERR_NOMEM;
    }
    while (g < n_group)
        tb->group_first[++g] = tb->n;
    tb->keyed = keys;
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
        } else {                                                                          \
            nx = fh_u_lower_full(cp, cp == 0x3A3 && SIGMA(s, n, i), x);                   \
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


/* One variant per mode, so the hot loop carries no mode test: LOWER, STRIP and NONSPACE
 * are the constants 0 or 1 (with STRIP, lowercasing is the runtime flag `lowercase`).
 * NAME##_general: the general path for s[i], out of line. */
#define DEFINE_WORD_TOKENS(NAME, T, SIGMA, MAXLOW, RAW, LOWER, STRIP, NONSPACE, BATCH)    \
    static FH_NOINLINE fh_status NAME##_general(fh_wstate *w, const T *s, int64_t n,      \
                                                int64_t i, int lowercase, int strip,      \
                                                int64_t minlen, const fh_stopset *stop,   \
                                                int fast, fh_tokbuf *tb)                  \
    {                                                                                     \
        uint8_t *out;                                                                     \
        int64_t len, start, run, ntok, cap_tok, nspan;                                    \
        uint32_t *hash;                                                                   \
        int sur;                                                                          \
        const int nonspace_ = NONSPACE;                                                   \
        const int batch_ = BATCH;                                                         \
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
        int64_t nspan = 0; /* tokens in the batch (BATCH) */                              \
        const int nonspace_ = NONSPACE; /* constants: folded by the compiler */           \
        const int batch_ = BATCH;                                                         \
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
                    if (run == 0)                                                         \
                        start = len;                                                      \
                    FH_FLAT_RUN(T, p, pe, e, cls);                                        \
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
        FH_FINISH_RUNS();                                                                 \
        return FH_OK;                                                                     \
    }

#if FH_WORDS_AVX2
/* fh_wide_runs_1 and fh_wide_runs_2 (see fh_tokenize_impl.h), in blocks of FH_WIDE_BLOCK
 * code points, each in three passes whose only branches on the text are per group of 64
 * code points or per run, never per code point:
 * - every code point's flat-table entry (8 at a time, FH_MM_FLAT8) gives its class and word bits
 *   in the block's masks, then, in each group of 64 code points holding a run character,
 *   its UTF-8 bytes (run characters or not) and their offset;
 * - the runs of the class mask (for m >= 2 those of ascii_pair_mask, which lists no run of
 *   one character; then fh_block_runs, as in word_tokens_ascii), each kept or dropped by
 *   its length and anchors without a branch, and turned into a byte span by the offsets;
 * - the spans hashed 8 at a time (fh_murmur3_spans_avx2), straight to feature keys when
 *   the caller gave them.
 * A run still open at the end of a block keeps its bytes: moved to the start of the buffer
 * when short, else the next block is written after them. The bytes written stay within a
 * few KiB. */
#define FH_WIDE_BLOCK_WORDS 16
#define FH_WIDE_BLOCK (64 * FH_WIDE_BLOCK_WORDS)
#define FH_WIDE_MOVE_MAX 256
/* An open run reaching this many bytes sends the document back to the caller (the spans'
 * offsets are int32). */
#define FH_WIDE_MAX_BYTES ((int64_t)1 << 30)

__attribute__((target("avx2"))) int fh_wide_may_be_special(const uint16_t *s, int64_t n)
{
    const __m256i i130 = _mm256_set1_epi16(0x130), sigma = _mm256_set1_epi16(0x3A3);
    const __m256i hi5 = _mm256_set1_epi16((short)0xF800), sur = _mm256_set1_epi16((short)0xD800);
    __m256i acc = _mm256_setzero_si256();
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + k));
        acc = _mm256_or_si256(
            acc, _mm256_or_si256(
                     _mm256_or_si256(_mm256_cmpeq_epi16(v, i130), _mm256_cmpeq_epi16(v, sigma)),
                     _mm256_cmpeq_epi16(_mm256_and_si256(v, hi5), sur)));
    }
    int any = !_mm256_testz_si256(acc, acc);
    for (; k < n; k++)
        any |= s[k] == 0x130 || s[k] == 0x3A3 || (s[k] & 0xF800) == 0xD800;
    return any;
}

#define DEFINE_WIDE_RUNS(NAME, T)                                                         \
    __attribute__((target("avx2"))) fh_status NAME(const T *s, int64_t n,                 \
                                                   const fh_wide_spec *ws, fh_tokbuf *tb, \
                                                   int *served)                           \
    {                                                                                     \
        const uint32_t *const flat = ws->flat;                                            \
        const __m256i vcls = _mm256_set1_epi32((int)ws->cls);                             \
        const __m256i vword = _mm256_set1_epi32((int)ws->word);                           \
        const __m256i vspecial = _mm256_set1_epi32((int)FH_UF_SPECIAL);                   \
        const int cshift = (int)ctz64(ws->cls), wshift = (int)ctz64(ws->word);            \
        const int64_t m = ws->m, n0 = tb->n;                                              \
        const int pairs = m >= 2, anchors = ws->b1 | ws->b2;                              \
        const int b1 = ws->b1, b2 = ws->b2, rw = ws->run_word;                            \
        const int64_t max_runs = FH_WIDE_BLOCK_WORDS * 32 + 2 + 3;                       \
        const int bmi = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi"); \
        *served = 0;                                                                      \
        /* the masks of classes, then of words */                                         \
        FH_GROW(tb->mask, tb->cap_mask, 2 * FH_WIDE_BLOCK_WORDS, 16, return FH_ERR_NOMEM); \
        FH_GROW(tb->runs, tb->cap_runs, 2 * max_runs, 64, return FH_ERR_NOMEM);           \
        /* tb->cp: the block's byte offsets, then the spans' offsets and lengths */       \
        FH_GROW(tb->cp, tb->cap_cp, FH_WIDE_BLOCK + 1 + 2 * max_runs, 64,                 \
                return FH_ERR_NOMEM);                                                     \
        int64_t *rs = tb->runs, *re = tb->runs + max_runs;                                \
        uint32_t *bo = tb->cp;                                                            \
        int32_t *so = (int32_t *)(void *)(bo + FH_WIDE_BLOCK + 1), *sl = so + max_runs;   \
        uint64_t *mask = tb->mask, *wmask = tb->mask + FH_WIDE_BLOCK_WORDS, carry = 0;    \
        int64_t open = -1, open_byte = 0, pos = 0, ntok = n0;                             \
        if (tb->tally) {                                                                  \
            /* tokens counted cannot be taken back: the whole text is checked first (and  \
             * is short enough for no run to reach FH_WIDE_MAX_BYTES), by its code units  \
             * (fh_wide_may_be_special: no table load) */                                 \
            if (3 * (n + FH_WIDE_BLOCK) > FH_WIDE_MAX_BYTES ||                            \
                (sizeof(T) == 2 && fh_wide_may_be_special((const uint16_t *)(const void *)s, n))) \
                return FH_OK; /* not served */                                            \
        }                                                                                 \
        for (int64_t lo = 0; lo < n; lo += FH_WIDE_BLOCK) {                               \
            if ((lo & (FH_POLL_ITEMS - 1)) == 0 && lo > 0 && fh_cancel_poll(tb->cancel))  \
                return FH_ERR_CANCELLED;                                                  \
            const int64_t len = n - lo < FH_WIDE_BLOCK ? n - lo : FH_WIDE_BLOCK;          \
            const int64_t bw = (len + 63) / 64;                                           \
            if (open < 0) {                                                               \
                pos = 0;                                                                  \
            } else if (pos - open_byte <= FH_WIDE_MOVE_MAX) {                             \
                memmove(tb->buf, tb->buf + open_byte, (size_t)(pos - open_byte));         \
                pos -= open_byte;                                                         \
                open_byte = 0;                                                            \
            } else if (pos + 3 * FH_WIDE_BLOCK > FH_WIDE_MAX_BYTES) {                     \
                tb->n = n0;                                                               \
                return FH_OK; /* not served */                                            \
            }                                                                             \
            if (reserve_bytes(&tb->buf, &tb->cap, pos + 3 * len + FH_TOKEN_SLACK) != FH_OK) \
                return FH_ERR_NOMEM;                                                      \
            uint8_t *out = tb->buf;                                                       \
            const T *p = s + lo;                                                          \
            uint32_t acc = 0;                                                             \
            __m256i vacc = _mm256_setzero_si256();                                        \
            for (int64_t w = 0; w < bw; w++) {                                            \
                const int64_t k0 = 64 * w, k1 = len - k0 < 64 ? len : k0 + 64;            \
                uint64_t mc = 0, mw = 0;                                                  \
                uint32_t ent[64]; /* the entries of the word's code points */             \
                int64_t k = k0;                                                           \
                for (; k + 8 <= k1; k += 8) {                                             \
                    const __m256i e = FH_MM_FLAT8(flat, p + k);                           \
                    _mm256_storeu_si256((__m256i *)(void *)(ent + (k - k0)), e);          \
                    vacc = _mm256_or_si256(vacc, e);                                      \
                    const __m256i c = _mm256_cmpeq_epi32(_mm256_and_si256(e, vcls), vcls); \
                    mc |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(c))  \
                          << (k - k0);                                                    \
                    if (anchors) {                                                        \
                        const __m256i x = _mm256_cmpeq_epi32(_mm256_and_si256(e, vword), vword); \
                        mw |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(x)) \
                              << (k - k0);                                                \
                    }                                                                     \
                }                                                                         \
                for (; k < k1; k++) {                                                     \
                    const uint32_t e = flat[p[k]];                                        \
                    ent[k - k0] = e;                                                      \
                    acc |= e;                                                             \
                    mc |= (uint64_t)((e >> cshift) & 1u) << (k - k0);                     \
                    mw |= (uint64_t)((e >> wshift) & 1u) << (k - k0);                     \
                }                                                                         \
                mask[w] = mc;                                                             \
                wmask[w] = mw;                                                            \
                if (mc) { /* the bytes of every code point, runs or not */                \
                    for (k = k0; k + 8 <= k1; k += 8) { /* 8 at a time */                 \
                        const __m256i e = _mm256_loadu_si256(                             \
                            (const __m256i *)(const void *)(ent + (k - k0)));             \
                        const __m256i l = _mm256_srli_epi32(e, FH_UF_LEN_SHIFT);          \
                        const __m256i sum = fh_mm_prefix_sum8(l);                         \
                        _mm256_storeu_si256(                                              \
                            (__m256i *)(void *)(bo + k),                                  \
                            _mm256_add_epi32(_mm256_set1_epi32((int)pos),                 \
                                             _mm256_sub_epi32(sum, l)));                  \
                        fh_mm_put_utf8_8(out + pos, e, l,                                 \
                                         (uint32_t)_mm256_extract_epi32(sum, 3));         \
                        pos += (uint32_t)_mm256_extract_epi32(sum, 7);                    \
                    }                                                                     \
                    for (; k < k1; k++) {                                                 \
                        memcpy(out + pos, &ent[k - k0], 4);                               \
                        bo[k] = (uint32_t)pos;                                            \
                        pos += ent[k - k0] >> FH_UF_LEN_SHIFT;                            \
                    }                                                                     \
                } else { /* no run character: no byte a span covers */                    \
                    const __m256i vpos = _mm256_set1_epi32((int)pos);                     \
                    for (k = k0; k < k1; k += 8)                                          \
                        _mm256_storeu_si256((__m256i *)(void *)(bo + k), vpos);           \
                }                                                                         \
            }                                                                             \
            bo[len] = (uint32_t)pos;                                                      \
            if ((acc & FH_UF_SPECIAL) ||                                                  \
                _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_and_si256(vacc, vspecial), \
                                                        vspecial))) {                     \
                if (tb->tally) /* a table fh_wide_may_be_special does not describe */     \
                    return FH_ERR_BADARG;                                                 \
                tb->n = n0;                                                               \
                return FH_OK; /* not served */                                            \
            }                                                                             \
            /* the entry after the block (a special one has no bit: the next block then   \
             * gives the document back) */                                                \
            const uint32_t next = lo + len < n ? flat[s[lo + len]] : 0;                   \
            if (pairs)                                                                    \
                ascii_pair_mask(mask, bw, (next >> cshift) & 1u);                         \
            const int64_t nr = bmi ? ascii_block_runs_bmi(mask, bw, lo, n, &carry, &open, rs, re) \
                                   : fh_block_runs(mask, bw, lo, n, &carry, &open, rs, re); \
            int64_t ns = 0;                                                               \
            for (int64_t k = 0; k < nr; k++) {                                            \
                /* only the first run may have started in an earlier block */             \
                const int64_t a = rs[k], b = re[k] + pairs;                               \
                const int64_t ba = a < lo ? open_byte : (int64_t)bo[a - lo];              \
                int keep = b - a >= m;                                                    \
                if (anchors) {                                                            \
                    /* the word bits around the run: in this block's mask, or the entries \
                     * of the code points before it (earlier blocks: not special) and     \
                     * after it */                                                        \
                    const int64_t ia = a - 1 - lo, ib = b - lo;                           \
                    const int wb = a > 0 && (ia >= 0 ? (int)((wmask[ia >> 6] >> (ia & 63)) & 1u) \
                                                     : (int)((flat[s[a - 1]] >> wshift) & 1u)); \
                    const int wa = b < n && (ib < len ? (int)((wmask[ib >> 6] >> (ib & 63)) & 1u) \
                                                      : (int)((next >> wshift) & 1u));     \
                    keep &= (!b1 | (wb != rw)) & (!b2 | (wa != rw));                      \
                }                                                                         \
                so[ns] = (int32_t)ba;                                                     \
                sl[ns] = (int32_t)((int64_t)bo[b - lo] - ba);                             \
                ns += keep;                                                               \
            }                                                                             \
            if (open >= lo)                                                               \
                open_byte = bo[open - lo];                                                \
            if (tb->tally) { /* counted by their bytes (FH_TOKEN_SLACK >= FH_TALLY_INLINE); \
                              * the long ones before the buffer is written again */         \
                fh_status st = FH_OK;                                                     \
                for (int64_t k = 0; k < ns && st == FH_OK; k++)                           \
                    st = fh_tally_push_padded(tb->tally, out + so[k], sl[k]);             \
                fh_status sf = fh_tally_flush_long(tb->tally);                            \
                if (st != FH_OK || sf != FH_OK)                                           \
                    return st != FH_OK ? st : sf;                                         \
            } else if (ns) {                                                              \
                if (reserve_tokens(tb, ntok + ns) != FH_OK)                               \
                    return FH_ERR_NOMEM;                                                  \
                fh_murmur3_spans_avx2(out, so, sl, ns, tb->key_n_features,                \
                                      tb->key_pow2_mask, tb->key_alternate_sign,          \
                                      tb->hash + ntok);                                   \
                ntok += ns;                                                               \
            }                                                                             \
        }                                                                                 \
        tb->n = ntok;                                                                     \
        tb->keyed = tb->key_n_features != 0;                                              \
        tb->base = tb->buf;                                                               \
        tb->base_len = tb->cap;                                                           \
        *served = 1;                                                                      \
        return FH_OK;                                                                     \
    }

DEFINE_WIDE_RUNS(fh_wide_runs_1, uint8_t)
DEFINE_WIDE_RUNS(fh_wide_runs_2, uint16_t)
#else
fh_status fh_wide_runs_1(const uint8_t *s, int64_t n, const fh_wide_spec *ws, fh_tokbuf *tb,
                         int *served)
{
    (void)s, (void)n, (void)ws, (void)tb;
    *served = 0;
    return FH_OK;
}
fh_status fh_wide_runs_2(const uint16_t *s, int64_t n, const fh_wide_spec *ws, fh_tokbuf *tb,
                         int *served)
{
    (void)s, (void)n, (void)ws, (void)tb;
    *served = 0;
    return FH_OK;
}
#endif

FH_DEFINE_FINAL_SIGMA(final_sigma_1, uint8_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_2, uint16_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_4, uint32_t)
/* fh_wide_runs first for a UCS1 or UCS2 text without accent stripping; the per-code-point
 * path when it did not serve the document. (A UCS4 text holds an astral code point, which
 * the flat tables do not describe.) */
#define FH_WIDE_RUNS_FIRST(T, s, n, lowercase, strip, minlen, NONSPACE, tb)               \
    do {                                                                                  \
        if (sizeof(T) < 4 && !(strip)) {                                                  \
            const fh_wide_spec ws_ = {(lowercase) ? fh_u_flat_lower : fh_u_flat_keep,      \
                                      (NONSPACE) ? FH_UF_NONSPACE : FH_UF_WORD,           \
                                      FH_UF_WORD, (minlen), 0, 0, 0};                     \
            int served_;                                                                  \
            fh_status st_ = sizeof(T) == 1                                                \
                                ? fh_wide_runs_1((const uint8_t *)(const void *)(s), (n), \
                                                 &ws_, (tb), &served_)                    \
                                : fh_wide_runs_2((const uint16_t *)(const void *)(s), (n), \
                                                 &ws_, (tb), &served_);                   \
            if (st_ != FH_OK || served_)                                                  \
                return st_;                                                               \
        }                                                                                 \
    } while (0)
#define DEFINE_WORD_TOKENS_3(BASE, T, SIGMA, MAXLOW, RAW, NONSPACE)                       \
    DEFINE_WORD_TOKENS(BASE##_lower, T, SIGMA, MAXLOW, RAW, 1, 0, NONSPACE, 0)            \
    DEFINE_WORD_TOKENS(BASE##_keep, T, SIGMA, MAXLOW, RAW, 0, 0, NONSPACE, 0)             \
    DEFINE_WORD_TOKENS(BASE##_strip, T, SIGMA, MAXLOW, RAW, 0, 1, NONSPACE, 0)            \
    DEFINE_WORD_TOKENS(BASE##_lower_b, T, SIGMA, MAXLOW, RAW, 1, 0, NONSPACE, 1)          \
    DEFINE_WORD_TOKENS(BASE##_keep_b, T, SIGMA, MAXLOW, RAW, 0, 0, NONSPACE, 1)           \
    DEFINE_WORD_TOKENS(BASE##_strip_b, T, SIGMA, MAXLOW, RAW, 0, 1, NONSPACE, 1)          \
    static fh_status BASE(const T *s, int64_t n, int lowercase, int strip, int64_t minlen, \
                          const fh_stopset *stop, fh_tokbuf *tb)                          \
    {                                                                                     \
        if (tb->avx2 && tb->hash_only && !stop)                                           \
            FH_WIDE_RUNS_FIRST(T, s, n, lowercase, strip, minlen, NONSPACE, tb);          \
        if (tb->avx2 && tb->hash_only && !stop && !tb->tally) { /* batches of spans */    \
            if (strip)                                                                    \
                return BASE##_strip_b(s, n, lowercase, strip, minlen, stop, tb);          \
            if (lowercase)                                                                \
                return BASE##_lower_b(s, n, 1, 0, minlen, stop, tb);                      \
            return BASE##_keep_b(s, n, 0, 0, minlen, stop, tb);                           \
        }                                                                                 \
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
    tb->keyed = 0;
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
