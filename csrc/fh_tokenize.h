/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Text views, stop-word sets and the word tokenizer of scikit-learn's default analyzer. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "fh_cancel.h"
#include "fh_status.h"
#include "fh_tally.h"

/* Kinds of text a view can hold. 1, 2, 4 are CPython's PEP 393 kinds (code units of 1, 2 or
 * 4 bytes, each one code point); BYTES are raw bytes hashed verbatim (features only);
 * UTF8 is text encoded as UTF-8 (a Python bytes document the "utf-8" codec decodes, an
 * Arrow string): the batch kernel validates it exactly as Python's strict decoder does
 * (FH_ERR_DECODE for the first invalid document, see fh_utf8.h) and analyses it as the str
 * it decodes to. */
enum { FH_KIND_BYTES = 0, FH_KIND_UCS1 = 1, FH_KIND_UCS2 = 2, FH_KIND_UCS4 = 4, FH_KIND_UTF8 = 8 };

/* A read-only view of one text. The memory is owned by the caller (a Python str or bytes,
 * an Arrow buffer, kept alive for the duration of the call). */
typedef struct {
    const void *data; /* code units (or bytes); may be NULL when len == 0 */
    int64_t len;      /* number of code units (UTF8, BYTES: bytes) */
    int32_t kind;     /* FH_KIND_* */
    int32_t ascii;    /* nonzero: every code unit (UTF8: every byte) is < 0x80. A hint that
                         enables fast paths, trusted as given: never set it for a text it
                         does not hold for; zero is always correct */
} fh_text;

/* An immutable set of stop words (UTF-8 byte strings), matched exactly. */
typedef struct fh_stopset fh_stopset;

/* Build a stop set from n words: word i is bytes[offsets[i] .. offsets[i+1]). The bytes are
 * copied. *out is owned by the caller (fh_stopset_free). Returns FH_OK or FH_ERR_NOMEM.
 * O(total bytes). The result is immutable and may be shared by threads. */
fh_status fh_stopset_new(const uint8_t *bytes, const int64_t *offsets, int64_t n, fh_stopset **out);
void fh_stopset_free(fh_stopset *set);
/* Nonzero iff the word (UTF-8, len bytes, murmur3 hash h with seed 0) is in the set. */
int fh_stopset_contains(const fh_stopset *set, const uint8_t *word, int64_t len, uint32_t h);

/* Token patterns the core scans natively (scikit-learn's token_pattern, re.findall). */
enum {
    FH_TOKEN_WORD2 = 0,   /* (?u)\b\w\w+\b (the default): runs of >= 2 word characters */
    FH_TOKEN_WORD1 = 1,   /* (?u)\b\w+\b, \w+: runs of >= 1 word characters */
    FH_TOKEN_NONSPACE = 2 /* \S+, [^\s]+: runs of non-whitespace characters */
};

/* Bits of fh_tokbuf.sp[i]. */
enum {
    FH_SP_JOIN = 1,     /* token i + 1 follows token i after exactly one ASCII space */
    FH_SP_SURROGATE = 2 /* token i holds a lone surrogate: hashing it must fail */
};

/* The word tokenizer's batches of token spans, hashed 8 at a time on its AVX2 path: at
 * most FH_SPAN_BATCH tokens of at most FH_SPAN_MAXLEN bytes each (a longer token is hashed
 * alone). */
#define FH_SPAN_BATCH 64
#define FH_SPAN_MAXLEN 64

/* Tokens of one document. Token i is base[off[i] .. off[i] + tlen[i]) (UTF-8; a lone
 * surrogate is written as its 3-byte form), where base is the document itself, a
 * lowercased copy of it, or the buffer buf. sp[i] holds FH_SP_* bits: with FH_SP_JOIN on
 * sp[i..j-1], the n-gram " ".join(tokens[i..j]) is the contiguous text
 * base[off[i] .. off[j] + tlen[j]) (scikit-learn joins word n-grams with one space). */
typedef struct {
    const uint8_t *base;
    int64_t base_len; /* bytes readable at base (tokens are hashed with 8-byte loads) */
    int64_t *off;
    int64_t *tlen;
    uint32_t *hash; /* murmur3_32(token, seed 0) */
    uint8_t *sp;
    int64_t n, cap_tok;
    int64_t n_surrogate; /* tokens with FH_SP_SURROGATE */
    uint8_t *buf; /* scratch: lowercased text or tokens */
    int64_t len, cap;
    uint64_t *mask; /* scratch: token-character bitmap */
    int64_t cap_mask;
    int64_t *runs; /* scratch: run starts, then run ends (ASCII path) */
    int64_t cap_runs;
    uint32_t *cp; /* scratch: blocks of prepared code points (token patterns) */
    int64_t cap_cp;
    int hash_only; /* set by the caller: only hash[] is needed (unigrams), off/tlen/sp
                      may be left unfilled; a token holding a lone surrogate then fails
                      with FH_ERR_ENCODE at once */
    fh_cancel *cancel; /* set by the caller (may be NULL): polled in long documents */
    /* Set by the caller with hash_only, optional (key_n_features 0: none): the ASCII
     * scanner may then store each token's feature key, fh_feature_key(hash,
     * key_n_features, key_pow2_mask, key_alternate_sign) of fh_csr.h, in hash[] instead of
     * its hash (one pass over the tokens instead of two), and says so in keyed. */
    uint32_t key_n_features, key_pow2_mask;
    int key_alternate_sign;
    int keyed; /* out: hash[0 .. n) holds the tokens' feature keys */
    int no_hash; /* set by the caller: hash[] is not needed (left unfilled unless a stop
                    set needs the hashes) */
    fh_tally *tally; /* set by the caller with hash_only (may be NULL): the tokens are
                        counted into it by their bytes (fh_tally_add), none is kept (n
                        stays 0), and no_hash is set */
    int avx2;  /* set by the caller: the AVX2 loops may run (the CPU has AVX2) */
    /* Set by the caller (optional, group_n 0: none), with hash_only, no tally and no stop
     * set, for an ASCII text that is group_n documents each followed by one ASCII space
     * (which ends a token of every FH_TOKEN_*, so that no token spans two documents):
     * document d ends before group_end[d] (its space included). The tokens are those of
     * the documents one after another, and group_first[d] is set to the index of document
     * d's first token, group_first[group_n] to n (group_n + 1 entries). */
    const int64_t *group_end;
    int64_t *group_first;
    int64_t group_n;
    int32_t span_off[FH_SPAN_BATCH], span_len[FH_SPAN_BATCH]; /* scratch: a batch of spans */
} fh_tokbuf;

void fh_tokbuf_init(fh_tokbuf *tb);
void fh_tokbuf_free(fh_tokbuf *tb);

/* scikit-learn's word tokens: re.findall(token_pattern, doc) for the pattern `token`
 * (FH_TOKEN_*), after str.lower() (full case mapping incl. final sigma) when lowercase is
 * nonzero and accent stripping (strip: 0 none, 1 'unicode', 2 'ascii'), minus the words in
 * stop (may be NULL; a stop word holding lone surrogates gives them in their 3-byte form,
 * Python's "surrogatepass"). Replaces tb's content.
 * doc->kind must be 1, 2 or 4 (a UTF-8 text goes through fh_text_decode first). Reentrant (tb is per-thread scratch). Returns FH_OK,
 * FH_ERR_NOMEM, FH_ERR_BADARG (bad kind or token), FH_ERR_ENCODE (tb->hash_only and a
 * kept token holds a lone surrogate) or FH_ERR_CANCELLED (tb->cancel, polled every
 * FH_POLL_ITEMS code units). O(doc length); the scratch of an ASCII document is bounded
 * (it is scanned in blocks), beyond the tokens themselves. */
fh_status fh_word_tokens(const fh_text *doc, int lowercase, int strip, int token,
                         const fh_stopset *stop, fh_tokbuf *tb);

/* UTF-8 encode a text view into *buf (grown with realloc; *cap updated), length in *len.
 * Returns FH_OK, FH_ERR_NOMEM, or FH_ERR_ENCODE for a lone surrogate (like Python's strict
 * "utf-8" codec). BYTES and UTF8 views are copied verbatim (a UTF8 view is not validated
 * here). */
fh_status fh_text_utf8(const fh_text *t, uint8_t **buf, int64_t *cap, int64_t *len);
