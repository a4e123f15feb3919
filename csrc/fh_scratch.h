/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The batch kernel's per-thread scratch and the emission of one feature (private to csrc/):
 * shared by the batch driver and word n-grams (fh_hashing.c) and the character analyzers
 * (fh_charngrams.c). */
#pragma once
#include <stdint.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_cancel.h"
#include "fh_chars.h"
#include "fh_csr.h"
#include "fh_mem.h"
#include "fh_status.h"
#include "fh_tally.h"
#include "fh_tokenize.h"
#include "fh_utf8.h"

#if defined(__GNUC__) || defined(__clang__)
#define FH_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define FH_ALWAYS_INLINE inline
#endif

/* Start positions hashed per block by block_keys_pow2. */
#define FH_BLOCK 256

/* One thread's scratch: buffers reused from one document to the next (freed by the batch
 * kernel when the thread is done). Aligned to FH_LINE_PAIR: the threads' scratches, one
 * array (fh_calloc_lines), share no cache line (the end of one, read at every feature, and
 * the start of the next, written at every token, did). */
typedef struct {
    _Alignas(FH_LINE_PAIR) fh_tokbuf tb;
    fh_charbuf cb;
    fh_decodebuf db; /* a UTF-8 document decoded (fh_text_decode) */
    uint32_t *keys, *tmp;
    int64_t nkeys, cap_keys;
    int64_t *counts, *occ;
    int64_t cap_merge;
    uint8_t *u8;
    int64_t cap_u8;
    /* aggregation of character n-gram rows (fh_agg_keys): a table kept all zero between
     * rows, and per-key scratch */
    fh_agg_slot *table;
    int64_t cap_table;
    uint64_t *bitmap;
    int64_t cap_bitmap;
    uint64_t *pk;
    int64_t cap_pk;
    /* a group of short documents scanned together (fh_hashing.c): their text, each
     * followed by a space, the end of each, and the index of each one's first token */
    uint8_t *gtext;
    int64_t cap_gtext;
    int64_t *gend, *gfirst;
    int64_t cap_gend, cap_gfirst;
    uint32_t kb[8 * FH_BLOCK]; /* block_keys_pow2's keys (up to 8 lengths per position) */
    fh_cancel *cancel;         /* the call's token (may be NULL), also in tb and cb */
    /* fh_doc_features only: collected feature bytes */
    int debug;
    uint8_t *dbuf;
    int64_t dlen, dcap;
    int64_t *doff;
    int64_t dn, dcap_off;
    uint32_t *dhash; /* the murmur3 hash of each collected feature */
    int64_t dcap_hash;
    /* fh_analysis_count only (debug is set too): the features are counted here, and the
     * padded words of char_wb here (see fh_wb_expand) */
    fh_tally *tally, *wtally;
} scratch;

/* What turns a hash into a key (fh_feature_key), derived from the options once per call. */
typedef struct {
    uint32_t n_features, pow2_mask, max_key;
    int alternate_sign;
    int col_bits; /* bit length of the largest column */
    int avx2;     /* the AVX2 n-gram loops may run */
} hash_params;

/* Debug mode (fh_doc_features, fh_analysis_run): append one feature's bytes to sc->dbuf
 * and its hash h to sc->dhash. */
static inline fh_status debug_append(scratch *sc, const uint8_t *p, int64_t len, uint32_t h)
{
    FH_GROW(sc->doff, sc->dcap_off, sc->dn + 2, 64, return FH_ERR_NOMEM);
    FH_GROW(sc->dhash, sc->dcap_hash, sc->dn + 1, 64, return FH_ERR_NOMEM);
    FH_GROW(sc->dbuf, sc->dcap, sc->dlen + len, 256, return FH_ERR_NOMEM);
    sc->dhash[sc->dn] = h;
    if (sc->dn == 0)
        sc->doff[0] = 0;
    if (len)
        memcpy(sc->dbuf + sc->dlen, p, (size_t)len);
    sc->dlen += len;
    sc->doff[++sc->dn] = sc->dlen;
    return FH_OK;
}

/* One feature: its UTF-8 bytes p[0..len) and their murmur3 hash h (ignored when counting). */
static inline fh_status emit(scratch *sc, const hash_params *hp, const uint8_t *p, int64_t len,
                             uint32_t h)
{
    if (sc->tally)
        return fh_tally_add(sc->tally, p, len);
    if (sc->debug)
        return debug_append(sc, p, len, h);
    FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + 1, 1024, return FH_ERR_NOMEM);
    sc->keys[sc->nkeys++] = fh_feature_key(h, hp->n_features, hp->pow2_mask, hp->alternate_sign);
    return FH_OK;
}

/* One feature, its UTF-8 bytes p[0..len): emit, hashed here unless counted. */
static inline fh_status emit_bytes(scratch *sc, const hash_params *hp, const uint8_t *p,
                                   int64_t len)
{
    if (sc->tally)
        return fh_tally_add(sc->tally, p, len);
    return emit(sc, hp, p, len, fh_murmur3_32_inline(p, (size_t)len, 0));
}
