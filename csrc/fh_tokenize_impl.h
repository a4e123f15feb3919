/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Token-buffer helpers shared by the tokenizers (private to csrc/: fh_tokenize.c and
 * fh_pattern.c). Static inline: each hot loop gets its own copy. */
#pragma once
#include <stdint.h>
#include <string.h>

#include "fh_bits.h"
#include "fh_buf.h"
#include "fh_cancel.h"
#include "fh_csr.h"
#include "fh_murmur3.h"
#include "fh_murmur3_avx2.h"
#include "fh_status.h"
#include "fh_tokenize.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline fh_status reserve_bytes(uint8_t **buf, int64_t *cap, int64_t need)
{
    FH_GROW(*buf, *cap, need, 256, return FH_ERR_NOMEM);
    return FH_OK;
}

static inline fh_status reserve_tokens(fh_tokbuf *tb, int64_t need)
{
    if (need <= tb->cap_tok)
        return FH_OK;
    int64_t ncap = fh_next_cap(tb->cap_tok, need, 64); /* four arrays, one capacity */
    FH_RESIZE(tb->off, ncap, return FH_ERR_NOMEM);
    FH_RESIZE(tb->tlen, ncap, return FH_ERR_NOMEM);
    FH_RESIZE(tb->hash, ncap, return FH_ERR_NOMEM);
    FH_RESIZE(tb->sp, ncap, return FH_ERR_NOMEM);
    tb->cap_tok = ncap;
    return FH_OK;
}

/* murmur3_32 of the token base[start .. start + len) (base_len bytes readable at base). */
static inline uint32_t token_hash(const uint8_t *base, int64_t base_len, int64_t start,
                                  int64_t len)
{
    /* Most words are short: hash them without the loop and tail switch, whose branches
     * mispredict from one token to the next (one test: 97% of English tokens fit). */
    if ((len <= 11) & (start + 12 <= base_len))
        return fh_murmur3_32_upto11(base + start, len);
    return fh_murmur3_32_inline(base + start, (size_t)len, 0);
}

/* Token base[start .. start + len): keep it unless it is a stop word. sur: the token holds
 * a lone surrogate (3-byte form; it may still be a stop word given in that form). */
static inline fh_status add_token(fh_tokbuf *tb, int64_t start, int64_t len,
                                  const fh_stopset *stop, int sur)
{
    uint32_t h = tb->no_hash && !stop ? 0u : token_hash(tb->base, tb->base_len, start, len);
    if (stop && fh_stopset_contains(stop, tb->base + start, len, h))
        return FH_OK;
    int64_t n = tb->n;
    if (n == tb->cap_tok && reserve_tokens(tb, n + 1) != FH_OK)
        return FH_ERR_NOMEM;
    if (tb->hash_only) {
        if (sur)
            return FH_ERR_ENCODE; /* every token is a feature to hash */
        if (tb->tally)
            return fh_tally_add(tb->tally, tb->base + start, len);
        tb->hash[n] = h;
        tb->n = n + 1;
        return FH_OK;
    }
    if (n > 0) {
        int64_t end = tb->off[n - 1] + tb->tlen[n - 1];
        tb->sp[n - 1] |= (uint8_t)(start == end + 1 && tb->base[end] == ' ');
    }
    tb->off[n] = start;
    tb->tlen[n] = len;
    tb->hash[n] = h;
    tb->sp[n] = (uint8_t)(sur ? FH_SP_SURROGATE : 0);
    tb->n_surrogate += sur != 0;
    tb->n = n + 1;
    return FH_OK;
}

static inline void ascii_lower(const uint8_t *s, int64_t n, uint8_t *out)
{
    int64_t i = 0;
#ifdef __SSE2__
    const __m128i loA = _mm_set1_epi8('A' - 1), hiZ = _mm_set1_epi8('Z' + 1);
    const __m128i x20 = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, loA), _mm_cmplt_epi8(v, hiZ));
        _mm_storeu_si128((__m128i *)(void *)(out + i), _mm_add_epi8(v, _mm_and_si128(up, x20)));
    }
#endif
    for (; i < n; i++)
        out[i] = (uint8_t)(s[i] + (((uint8_t)(s[i] - 'A') < 26) << 5));
}

/* Text scanned per block by the ASCII run scanners (64-bit mask words): bounds their
 * scratch and the work between two polls of the cancellation token. */
#define FH_ASCII_BLOCK_WORDS (FH_POLL_ITEMS / 64)


/* Runs of set bits in one block of a bitmap over text positions: mask words [0, bw) hold
 * the bits of positions [lo, lo + 64 bw); bits from the text's end `end` on are clear.
 * *carry is the last bit of the previous block (0 before the first), *open the start of a
 * run still open at its end (-1: none). The runs completed in this block are listed in
 * order as [rs[k], re[k]) (room for 32 bw + 2 each): all starts first, then all ends (two
 * tight loops over set bits: far fewer mispredicted branches than alternating between
 * them); a run starts where a set bit follows a clear bit and ends (exclusive) where a
 * clear bit follows a set bit. A run reaching the block's end stays open (*open) unless
 * the block ends the text. Returns the number of runs listed. four (a constant, for
 * callers compiled where popcount64 is one instruction): each word's positions are
 * written four at a time (fh_bit_positions4: rs and re need room for 3 more entries). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline int64_t fh_block_runs_impl(const uint64_t *mask, int64_t bw, int64_t lo,
                                         int64_t end, uint64_t *carry, int64_t *open,
                                         int64_t *rs, int64_t *re, const int four)
{
    int64_t *ps = rs, *pe = re;
    uint64_t c = *carry;
    if (*open >= 0)
        *ps++ = *open;
    for (int64_t w = 0; w < bw; w++) {
        uint64_t m = mask[w];
        uint64_t prev = (m << 1) | c;
        uint64_t starts = m & ~prev, ends = ~m & prev;
        c = m >> 63;
        int64_t base = lo + (w << 6);
        if (four) {
            ps = fh_bit_positions4(starts, popcount64(starts), base, ps);
            pe = fh_bit_positions4(ends, popcount64(ends), base, pe);
            continue;
        }
        while (starts) {
            *ps++ = base + ctz64(starts);
            starts &= starts - 1;
        }
        while (ends) {
            *pe++ = base + ctz64(ends);
            ends &= ends - 1;
        }
    }
    int64_t ns = ps - rs, ne = pe - re;
    *carry = c;
    *open = -1;
    if (ne < ns) { /* only a run reaching the block's end is still open */
        if (lo + 64 * bw >= end)
            re[ne++] = end;
        else
            *open = rs[ne];
    }
    return ne;
}

static inline int64_t fh_block_runs(const uint64_t *mask, int64_t bw, int64_t lo, int64_t end,
                                    uint64_t *carry, int64_t *open, int64_t *rs, int64_t *re)
{
    return fh_block_runs_impl(mask, bw, lo, end, carry, open, rs, re, 0);
}

/* ---------------------------------------------------------------- the wide block path
 *
 * Tokens that are runs of one class of characters, for a tokenizer that only hashes or
 * counts them (tb->hash_only, tb->avx2, no stop words) on a UCS1 or UCS2 text: fh_tokenize.c's
 * word tokenizers and fh_pattern.c's run scanner (FH_SCAN_RUNS). */
typedef struct {
    const uint32_t *flat; /* the BMP's flat-table entries (fh_put_flat's layout) */
    uint32_t cls;         /* the entries' bit of the run characters */
    uint32_t word;        /* the entries' bit of the word characters (the anchors') */
    int64_t m;            /* runs of at least m characters (m >= 1) */
    int b1, b2;           /* \b before, after the run: the character there (none outside the
                             text) is a word character iff run_word is not */
    int run_word;
} fh_wide_spec;

/* The maximal runs of s[0 .. n) whose entries have the bit ws->cls, of at least ws->m code
 * points, kept by the anchors, hashed in order into tb->hash[tb->n ..) (feature keys when
 * tb->key_n_features: then tb->keyed), tb->n counting them; with tb->tally, added to it by
 * their bytes instead (fh_tally_add_padded; tb->n unchanged). Sets *served to 0, and leaves
 * tb->n and the tally as they were, when an entry is FH_UF_SPECIAL (a code point the table does not
 * describe: a lowercase mapping of several code points, the capital sigma, a surrogate)
 * or a run grows past 2**30 bytes: the caller then takes its per-code-point path. With
 * tb->tally, the text is first checked by fh_wide_may_be_special (a UCS1 text: no code
 * unit can be special), which must flag every special entry of ws->flat: FH_ERR_BADARG
 * if the blocks meet one it did not. Returns FH_OK, FH_ERR_NOMEM, FH_ERR_CANCELLED
 * (tb->cancel, polled every FH_POLL_ITEMS code points) or FH_ERR_BADARG. Without AVX2 at
 * build time: never served. Defined in fh_tokenize.c. */
fh_status fh_wide_runs_1(const uint8_t *s, int64_t n, const fh_wide_spec *ws, fh_tokbuf *tb,
                         int *served);
fh_status fh_wide_runs_2(const uint16_t *s, int64_t n, const fh_wide_spec *ws, fh_tokbuf *tb,
                         int *served);
/* 1 if the UCS2 text s[0 .. n) holds a code unit that may be special in a flat table
 * (fh_u_flat_lower, fh_u_flat_keep and the patterns' tables made from them: U+0130, whose
 * lowercase is two code points, the capital sigma U+03A3, and the surrogates), else 0:
 * 16 code units per AVX2 compare, no table load (fh_wide_runs' check before it counts
 * tokens). Defined where fh_wide_runs is (AVX2 at build time). */
int fh_wide_may_be_special(const uint16_t *s, int64_t n);

/* ---------------------------------------------------------------- runs of token characters
 *
 * The run tokenizers (fh_tokenize.c's word tokenizers, fh_pattern.c's run scanner) keep
 * their state in locals named as below and end each run with FH_END_RUN. */

/* End the current run (its bytes are out[start .. len), `run` code points; `sur`: it
 * holds a lone surrogate, which only \S can). With `fast` the hashes go to hash[ntok],
 * capacity cap_tok: tb->hash, tb->n and tb->cap_tok in registers, written back at the end
 * (and around reserve_tokens). */
#define FH_END_RUN()                                                                      \
    do {                                                                                  \
        if (run < minlen) {                                                               \
            len = start;                                                                  \
        } else if (fast && tb->tally) { /* counted (not BATCH) */                        \
            if (sur)                                                                      \
                return FH_ERR_ENCODE; /* every token is a feature */                      \
            fh_status tst_ = fh_tally_add_padded(tb->tally, out + start, len - start);    \
            if (tst_ != FH_OK)                                                            \
                return tst_;                                                              \
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
            if (batch_ && tl_ <= FH_SPAN_MAXLEN) {                                        \
                /* its bytes stay: hashed with the batch, into slot ntok */               \
                tb->span_off[nspan] = (int32_t)start;                                     \
                tb->span_len[nspan] = (int32_t)tl_;                                       \
                ntok++;                                                                   \
                if (++nspan == FH_SPAN_BATCH) {                                           \
                    FH_FLUSH_SPANS();                                                     \
                    len = 0;                                                              \
                }                                                                         \
            } else {                                                                      \
                if (batch_)                                                               \
                    FH_FLUSH_SPANS(); /* the slots before this token's */                 \
                uint32_t h_ = tl_ <= 11 ? fh_murmur3_32_upto11(out + start, tl_)          \
                                        : fh_murmur3_32_inline(out + start, (size_t)tl_, 0); \
                hash[ntok++] = batch_ && tb->key_n_features                               \
                                   ? fh_feature_key(h_, tb->key_n_features,               \
                                                    tb->key_pow2_mask,                    \
                                                    tb->key_alternate_sign)               \
                                   : h_;                                                  \
                len = batch_ ? 0 : start;                                                 \
            }                                                                             \
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

/* Batch variants (BATCH 1, the AVX2 path with `fast`): a token of at most FH_SPAN_MAXLEN
 * bytes keeps its bytes and its span (offset, length) joins tb->span_off/span_len; every
 * FH_SPAN_BATCH tokens, at a longer token (hashed alone, after the batch) and at the
 * document's end, the batch is hashed 8 tokens at a time (fh_murmur3_spans_avx2), straight
 * to feature keys when the caller gave them (tb->key_n_features: then tb->keyed), and the
 * buffer is reused from its start: the bytes written stay within a few KiB. */
#if FH_MURMUR3_AVX2
#define FH_FLUSH_SPANS()                                                                  \
    do {                                                                                  \
        if (nspan) {                                                                      \
            fh_murmur3_spans_avx2(out, tb->span_off, tb->span_len, nspan,                 \
                                  tb->key_n_features, tb->key_pow2_mask,                  \
                                  tb->key_alternate_sign, hash + ntok - nspan);           \
            nspan = 0;                                                                    \
        }                                                                                 \
    } while (0)
#else
#define FH_FLUSH_SPANS()                                                                  \
    do {                                                                                  \
        for (int64_t j_ = 0; j_ < nspan; j_++) {                                          \
            uint32_t h_ = fh_murmur3_32_inline(out + tb->span_off[j_],                    \
                                               (size_t)tb->span_len[j_], 0);              \
            hash[ntok - nspan + j_] =                                                     \
                tb->key_n_features ? fh_feature_key(h_, tb->key_n_features,               \
                                                    tb->key_pow2_mask,                    \
                                                    tb->key_alternate_sign)               \
                                   : h_;                                                  \
        }                                                                                 \
        nspan = 0;                                                                        \
    } while (0)
#endif

/* Bytes readable past the end of any token in the buffer: fh_put_flat's 4-byte store and
 * fh_murmur3_32_upto11's reads of 12 bytes from the token's start. */
#define FH_TOKEN_SLACK 16

/* The running state of a tokenizer, for its general path taken out of line: the hot loop
 * keeps it in registers, which a larger loop body would spill. */
typedef struct {
    uint8_t *out;
    int64_t len, start, run, ntok, cap_tok, nspan;
    uint32_t *hash;
    int sur;
} fh_wstate;

#define FH_WSTATE_SAVE(W)                                                                 \
    ((W)->out = out, (W)->len = len, (W)->start = start, (W)->run = run, (W)->ntok = ntok, \
     (W)->cap_tok = cap_tok, (W)->hash = hash, (W)->sur = sur, (W)->nspan = nspan)
#define FH_WSTATE_LOAD(W)                                                                 \
    (out = (W)->out, len = (W)->len, start = (W)->start, run = (W)->run, ntok = (W)->ntok, \
     cap_tok = (W)->cap_tok, hash = (W)->hash, sur = (W)->sur, nspan = (W)->nspan)

#if defined(__GNUC__) || defined(__clang__)
#define FH_NOINLINE __attribute__((noinline))
#else
#define FH_NOINLINE
#endif

/* The entry of code point cp of a text of code units T in the flat table `flat` (a
 * local: fh_u_flat_lower, fh_u_flat_keep or a pattern's): FH_UF_SPECIAL (no class bit)
 * past the BMP. */
#define FH_FLAT(T, cp) (sizeof(T) < 4 || (cp) < 0x10000u ? flat[cp] : FH_UF_SPECIAL)

/* After the last run: the hashes of the batch still open, and the state the locals held,
 * back in tb. */
#define FH_FINISH_RUNS()                                                                  \
    do {                                                                                  \
        if (fast) {                                                                       \
            if (batch_) {                                                                 \
                FH_FLUSH_SPANS();                                                         \
                tb->keyed = tb->key_n_features != 0;                                      \
            }                                                                             \
            tb->n = ntok;                                                                 \
        }                                                                                 \
        (void)nspan;                                                                      \
        tb->len = len;                                                                    \
    } while (0)

/* A run of token characters that a flat table (entries as fh_put_flat reads them)
 * describes, from P (before PE, its entry E having a bit of CLS) on: while the entries
 * have a bit of CLS, their bytes are appended at out + len and `run` counts them (locals
 * `out`, `len`, `run`). Unrolled: one test of the block's end per four code points. On
 * exit P == PE, or P is past the run and E is the entry of *P, not in the class. */
#define FH_FLAT_RUN(T, P, PE, E, CLS)                                                     \
    do {                                                                                  \
        const T *q_ = (P) + 1;                                                            \
        len += fh_put_flat(out + len, E);                                                 \
        for (;;) {                                                                        \
            if ((PE) - q_ >= 4) {                                                         \
                int k_ = 0; /* a constant trip count: unrolled */                         \
                for (; k_ < 4; k_++) {                                                    \
                    if (!(((E) = FH_FLAT(T, q_[k_])) & (CLS)))                            \
                        break;                                                            \
                    len += fh_put_flat(out + len, E);                                     \
                }                                                                         \
                q_ += k_;                                                                 \
                if (k_ < 4)                                                               \
                    break;                                                                \
            } else {                                                                      \
                if (q_ == (PE) || !(((E) = FH_FLAT(T, *q_)) & (CLS)))                     \
                    break;                                                                \
                len += fh_put_flat(out + len, E);                                         \
                q_++;                                                                     \
            }                                                                             \
        }                                                                                 \
        run += q_ - (P);                                                                  \
        (P) = q_;                                                                         \
    } while (0)
