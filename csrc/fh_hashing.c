/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_hashing.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_charngrams.h"
#include "fh_mem.h"
#include "fh_murmur3.h"
#include "fh_pool.h"
#include "fh_threads.h"
#include "fh_unicode_impl.h"
#include "fh_utf8.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Chunks of documents are the unit of parallel work. Their boundaries depend on the
 * documents only (never on the thread count), each chunk has its own output buffers, and
 * chunks are concatenated in order: so any schedule gives the same bytes. */
#define FH_CHUNK_UNITS ((int64_t)1 << 17)
#define FH_CHUNK_MAX_DOCS 4096
#define FH_FEATURE_UNITS 16

/* ---------------------------------------------------------------- per-thread scratch */

static void scratch_free(scratch *sc)
{
    fh_tokbuf_free(&sc->tb);
    fh_charbuf_free(&sc->cb);
    fh_decodebuf_free(&sc->db);
    free(sc->keys);
    free(sc->tmp);
    free(sc->counts);
    free(sc->occ);
    free(sc->u8);
    free(sc->table);
    free(sc->bitmap);
    free(sc->pk);
    free(sc->dbuf);
    free(sc->doff);
    free(sc->dhash);
    free(sc->gtext);
    free(sc->gend);
    free(sc->gfirst);
    memset(sc, 0, sizeof *sc);
}

/* The bytes of " ".join(tokens[i .. i + n)) (n >= 1): a slice of the text when the tokens
 * are separated by single spaces, else joined in sc->u8. */
static fh_status ngram_bytes(scratch *sc, const fh_tokbuf *tb, int64_t i, int64_t n,
                             const uint8_t **p, int64_t *len)
{
    int64_t j = i + n - 1;
    int64_t k = i;
    while (k < j && (tb->sp[k] & FH_SP_JOIN))
        k++;
    if (k == j) {
        *p = tb->base + tb->off[i];
        *len = tb->off[j] + tb->tlen[j] - tb->off[i];
        return FH_OK;
    }
    int64_t total = n - 1;
    for (k = i; k <= j; k++)
        total += tb->tlen[k];
    FH_GROW(sc->u8, sc->cap_u8, total, 256, return FH_ERR_NOMEM);
    int64_t at = 0;
    for (k = i; k <= j; k++) {
        if (k > i)
            sc->u8[at++] = ' ';
        memcpy(sc->u8 + at, tb->base + tb->off[k], (size_t)tb->tlen[k]);
        at += tb->tlen[k];
    }
    *p = sc->u8;
    *len = total;
    return FH_OK;
}

/* Nonzero iff one of tokens [a, b) holds a lone surrogate (scikit-learn's UTF-8 encoding of
 * a feature made of them raises UnicodeEncodeError). */
static inline int tokens_surrogate(const fh_tokbuf *tb, int64_t a, int64_t b)
{
    if (tb->n_surrogate == 0)
        return 0;
    for (int64_t k = a; k < b; k++)
        if (tb->sp[k] & FH_SP_SURROGATE)
            return 1;
    return 0;
}

/* The word n-grams of length n (any n, scikit-learn's slices) starting at i0 .. i1 - 1. */
static fh_status emit_word_ngrams(scratch *sc, const hash_params *hp, int64_t n, int64_t i0,
                                  int64_t i1)
{
    const fh_tokbuf *tb = &sc->tb;
    const int64_t N = tb->n;
    fh_status st;
    if (n == 1) {
        for (int64_t i = i0; i < i1; i++) {
            if (tokens_surrogate(tb, i, i + 1))
                return FH_ERR_ENCODE;
            if ((st = emit(sc, hp, tb->base + tb->off[i], tb->tlen[i], tb->hash[i])) != FH_OK)
                return st;
        }
    } else if (n > 1) {
        for (int64_t i = i0; i < i1; i++) {
            const uint8_t *p;
            int64_t len;
            if (tokens_surrogate(tb, i, i + n))
                return FH_ERR_ENCODE;
            if ((st = ngram_bytes(sc, tb, i, n, &p, &len)) != FH_OK)
                return st;
            if ((st = emit_bytes(sc, hp, p, len)) != FH_OK)
                return st;
        }
    } else {
        /* n <= 0: " ".join(tokens[i:i + n]) for i in range(N - n + 1), Python slices. */
        for (int64_t i = i0; i < i1; i++) {
            int64_t start = i < N ? i : N;
            int64_t stop = i + n;
            if (stop < 0)
                stop += N;
            if (stop < 0)
                stop = 0;
            if (stop > N)
                stop = N;
            if (stop <= start) {
                st = emit(sc, hp, (const uint8_t *)"", 0, 0u);
            } else {
                const uint8_t *p;
                int64_t len;
                if (tokens_surrogate(tb, start, stop))
                    return FH_ERR_ENCODE;
                if ((st = ngram_bytes(sc, tb, start, stop - start, &p, &len)) != FH_OK)
                    return st;
                st = emit_bytes(sc, hp, p, len);
            }
            if (st != FH_OK)
                return st;
        }
    }
    return FH_OK;
}

/* scikit-learn's _word_ngrams on the tokens in sc->tb (already stop-filtered). */
static fh_status emit_words(scratch *sc, const fh_opts *o, const hash_params *hp)
{
    const fh_tokbuf *tb = &sc->tb;
    int64_t N = tb->n;
    fh_status st;
    if (o->max_n == 1 && !sc->debug) {
        /* Unigrams, the common case: one tight loop. */
        FH_GROW(sc->keys, sc->cap_keys, sc->nkeys + N, 1024, return FH_ERR_NOMEM);
        uint32_t *keys = sc->keys + sc->nkeys;
        const uint32_t *hash = tb->hash;
        if (tb->keyed) { /* the tokenizer made the keys */
            if (N > 0)
                memcpy(keys, tb->hash, sizeof(uint32_t) * (size_t)N);
            sc->nkeys += N;
            return FH_OK;
        }
        /* locals: the stores to keys[] could alias *hp, which would force reloads */
        const uint32_t nf = hp->n_features, mask = hp->pow2_mask;
        const int alt = hp->alternate_sign;
        /* one block (the common case), or blocks of FH_POLL_ITEMS between polls */
        for (int64_t b0 = 0, b1 = N < FH_POLL_ITEMS ? N : FH_POLL_ITEMS;;) {
            if (mask) {
                for (int64_t i = b0; i < b1; i++)
                    keys[i] = fh_feature_key(hash[i], nf, mask, alt);
            } else {
                for (int64_t i = b0; i < b1; i++)
                    keys[i] = fh_feature_key(hash[i], nf, 0, alt);
            }
            if (b1 == N)
                break;
            if (fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
            b0 = b1;
            b1 = N - b0 < FH_POLL_ITEMS ? N : b0 + FH_POLL_ITEMS;
        }
        sc->nkeys += N;
        return FH_OK;
    }
    int64_t lo = o->max_n == 1 ? 1 : o->min_n;
    int64_t hi = o->max_n == 1 ? 1 : o->max_n; /* range(min_n, min(max_n + 1, N + 1)) */
    if (hi > N)
        hi = N;
    for (int64_t n = lo; n <= hi; n++) {
        /* the n-grams of length n start at i in [0, N - n + 1), in blocks between polls */
        const int64_t count = N - n + 1;
        for (int64_t i0 = 0; i0 < count; i0 += FH_POLL_ITEMS) {
            if (i0 > 0 && fh_cancel_poll(sc->cancel))
                return FH_ERR_CANCELLED;
            const int64_t i1 = count - i0 < FH_POLL_ITEMS ? count : i0 + FH_POLL_ITEMS;
            if ((st = emit_word_ngrams(sc, hp, n, i0, i1)) != FH_OK)
                return st;
        }
    }
    return FH_OK;
}

/* What the word scanners of sc->tb produce for the options: for unigrams, only the hashes
 * (or counts when counting), and the keys themselves where the ASCII scanner can. */
static void word_scan_setup(scratch *sc, const fh_opts *o, const hash_params *hp)
{
    fh_tokbuf *tb = &sc->tb;
    tb->hash_only = o->max_n == 1 && (!sc->debug || sc->tally);
    tb->tally = o->max_n == 1 ? sc->tally : NULL;
    tb->no_hash = sc->tally != NULL; /* counted by their bytes */
    tb->key_n_features = tb->hash_only && !sc->tally ? hp->n_features : 0; /* emit_words */
    tb->key_pow2_mask = hp->pow2_mask;
    tb->key_alternate_sign = hp->alternate_sign;
    tb->avx2 = hp->avx2;
    tb->keyed = 0;
}

/* The features of one document, emitted into sc (keys, or bytes in debug mode). */
static fh_status analyse_doc(scratch *sc, const fh_doc *d, const fh_text *features,
                             const fh_opts *o, const hash_params *hp)
{
    fh_status st;
    if (d->mode == FH_DOC_TEXT) {
        /* a UTF-8 text is validated, then read as the str it decodes to */
        fh_text text;
        int64_t bad_at;
        if ((st = fh_text_decode(&d->text, &sc->db, sc->cancel, &text, &bad_at)) != FH_OK)
            return st;
        if (o->analyzer == FH_ANALYZER_WORD) {
            word_scan_setup(sc, o, hp);
            st = o->pattern ? fh_pattern_tokens(&text, o->lowercase, o->strip_accents, o->pattern,
                                                o->stop, o->paths == FH_PATHS_REFERENCE, &sc->tb)
                            : fh_word_tokens(&text, o->lowercase, o->strip_accents, o->token,
                                             o->stop, &sc->tb);
            if (st != FH_OK)
                return st;
            if (sc->tb.tally && sc->tb.n) /* counted unigrams are not kept */
                return FH_ERR_BADARG;
            return emit_words(sc, o, hp);
        }
        return fh_char_features(sc, &text, o, hp);
    }
    if (d->mode != FH_DOC_FEATURES)
        return FH_ERR_BADARG;
    for (int64_t k = 0; k < d->n_feat; k++) {
        if ((k & (FH_POLL_ITEMS - 1)) == 0 && k > 0 && fh_cancel_poll(sc->cancel))
            return FH_ERR_CANCELLED;
        const fh_text *f = &features[d->feat_start + k];
        const uint8_t *p;
        int64_t len;
        if (f->kind == FH_KIND_UTF8 && !f->ascii) {
            fh_utf8_info info;
            if ((st = fh_utf8_check(f->data, f->len, sc->cancel, &info)) != FH_OK)
                return st;
        }
        if (f->kind == FH_KIND_BYTES || f->kind == FH_KIND_UTF8 ||
            (f->kind == FH_KIND_UCS1 && f->ascii)) {
            p = f->data;
            len = f->len;
        } else {
            if ((st = fh_text_utf8(f, &sc->u8, &sc->cap_u8, &len)) != FH_OK)
                return st;
            p = sc->u8;
        }
        if ((st = emit_bytes(sc, hp, p, len)) != FH_OK)
            return st;
    }
    return FH_OK;
}

/* ---------------------------------------------------------------- batch */

typedef struct {
    _Alignas(FH_LINE_PAIR) int64_t lo, hi; /* documents [lo, hi) */
    int64_t size_hint; /* first capacity: about the entries its text yields */
    int32_t *cols;
    uint8_t *vals;
    int64_t nnz, cap, raw;
    int64_t bad_row;
    fh_status st;
} chunk;

/* A chunk's output buffers between batches (vals sized for 8-byte values). */
typedef struct {
    int32_t *cols;
    uint8_t *vals;
    int64_t cap;
} chunk_buf;

struct fh_workspace {
    chunk_buf *bufs;
    int64_t n_bufs;
    int busy; /* a batch holds the buffers */
};

struct fh_batch {
    fh_workspace *ws; /* the buffers' owner, or NULL */
    int64_t n_docs;
    int64_t *row_nnz;
    chunk *chunks;
    int64_t n_chunks;
    int64_t nnz, raw;
    int elem;  /* bytes per value */
    int moved; /* fh_batch_copy ran: the chunks are released */
};

static size_t elem_size(int out_type) { return out_type == FH_OUT_F32 ? 4 : 8; }

static fh_status chunk_reserve(chunk *c, int64_t need, size_t elem)
{
    if (need <= c->cap)
        return FH_OK;
    int64_t ncap = fh_next_cap(c->cap, need, c->size_hint > 4096 ? c->size_hint : 4096);
    FH_RESIZE(c->cols, ncap, return FH_ERR_NOMEM);
    /* vals are bytes, sized for 8-byte values whatever elem so that a workspace's buffers
     * fit any output type */
    (void)elem;
    FH_RESIZE(c->vals, 8 * ncap, return FH_ERR_NOMEM);
    c->cap = ncap;
    return FH_OK;
}

static fh_status reserve_merge(scratch *sc, int64_t n)
{
    if (n <= sc->cap_merge)
        return FH_OK;
    int64_t ncap = fh_next_cap(sc->cap_merge, n, 1024); /* three arrays, one capacity */
    FH_RESIZE(sc->tmp, ncap, return FH_ERR_NOMEM);
    FH_RESIZE(sc->counts, ncap, return FH_ERR_NOMEM);
    FH_RESIZE(sc->occ, ncap, return FH_ERR_NOMEM);
    sc->cap_merge = ncap;
    return FH_OK;
}

/* Rows of at least this many keys are aggregated through a table (fh_agg_keys) rather
 * than sorted whole: character n-grams repeat; word rows (mostly distinct words, tens to
 * hundreds of keys) skip the sort's bucket counts and the separate summing pass (English
 * default, n_jobs=1: 10% fewer kernel instructions than bucket sort + sum). With AVX2,
 * rows of up to FH_NET_MAX_KEYS keys are sorted by a network instead, cheaper still. */
#define FH_AGG_MIN_KEYS 16

/* The row of the n keys at keys (FH_AGG_MIN_KEYS <= n <= FH_AGG_MAX_KEYS), through
 * fh_agg_keys, appended to the chunk. The sums are exact integers in every output type
 * (|sum| <= 2**24), so the values equal the sorting path's. */
static fh_status agg_row(scratch *sc, chunk *c, const fh_opts *o, const hash_params *hp,
                         const uint32_t *keys, int64_t n, int64_t *row_nnz)
{
    fh_status st;
    int bits = fh_agg_bits(n, hp->col_bits);
    int64_t slots = ((int64_t)1 << bits) + n, words = (slots + 63) / 64;
    if (slots > sc->cap_table) { /* fresh zeros (fh_agg_keys leaves them zero) */
        int64_t ncap = fh_next_cap(sc->cap_table, slots, 4096);
        free(sc->table);
        sc->cap_table = 0;
        sc->table = calloc((size_t)ncap, sizeof *sc->table);
        if (!sc->table)
            return FH_ERR_NOMEM;
        sc->cap_table = ncap;
    }
    if (words > sc->cap_bitmap) {
        int64_t ncap = fh_next_cap(sc->cap_bitmap, words, 64);
        free(sc->bitmap);
        sc->cap_bitmap = 0;
        sc->bitmap = calloc((size_t)ncap, sizeof *sc->bitmap);
        if (!sc->bitmap)
            return FH_ERR_NOMEM;
        sc->cap_bitmap = ncap;
    }
    FH_GROW(sc->pk, sc->cap_pk, n + 3, 1024, return FH_ERR_NOMEM);
    int64_t m;
    const uint64_t *pk =
        fh_agg_keys(keys, n, sc->table, sc->bitmap, bits, hp->col_bits, sc->pk, &m);
    if ((st = chunk_reserve(c, c->nnz + m, elem_size(o->out_type))) != FH_OK)
        return st;
    int32_t *cols = c->cols + c->nnz;
    for (int64_t k = 0; k < m; k++)
        cols[k] = fh_agg_col(pk[k]);
    if (o->out_type == FH_OUT_F64) {
        double *v = (double *)(void *)c->vals + c->nnz;
        if (o->binary) {
            for (int64_t k = 0; k < m; k++)
                v[k] = 1.0;
        } else {
            for (int64_t k = 0; k < m; k++)
                v[k] = (double)fh_agg_sum(pk[k]);
        }
        fh_normalize_ints_f64(v, m, o->norm);
    } else if (o->out_type == FH_OUT_F32) {
        float *v = (float *)(void *)c->vals + c->nnz;
        for (int64_t k = 0; k < m; k++)
            v[k] = o->binary ? 1.0f : (float)fh_agg_sum(pk[k]); /* exact: |sum| <= 2**24 */
        fh_normalize_ints_f32(v, m, o->norm);
    } else {
        int64_t *v = (int64_t *)(void *)c->vals + c->nnz;
        for (int64_t k = 0; k < m; k++)
            v[k] = o->binary ? 1 : fh_agg_sum(pk[k]);
    }
    c->nnz += m;
    *row_nnz = m;
    return FH_OK;
}

/* Append the canonical row of the n keys at keys (reordered in place) to the chunk, its
 * number of entries to *row_nnz. */
static fh_status make_row(scratch *sc, chunk *c, const fh_opts *o, const hash_params *hp,
                          uint32_t *keys, int64_t n, int64_t *row_nnz)
{
    fh_status st;
    c->raw += n;
    /* short rows (most word rows): a sorting network, then the sums below */
    int net = FH_SORT_NET && hp->avx2 && n <= FH_NET_MAX_KEYS;
    if (!net && n >= FH_AGG_MIN_KEYS && n <= FH_AGG_MAX_KEYS && o->paths != FH_PATHS_REFERENCE)
        return agg_row(sc, c, o, hp, keys, n, row_nnz);
    if ((st = reserve_merge(sc, n)) != FH_OK)
        return st;
    const uint32_t *sorted = keys;
    if (net)
        fh_sort_keys_net(keys, n);
    else
        sorted = fh_sort_keys(keys, sc->tmp, n, hp->max_key, sc->cancel);
    if (!sorted && n > 0) /* (no keys: the arrays may be NULL) */
        return FH_ERR_CANCELLED;
    size_t elem = elem_size(o->out_type);
    if ((st = chunk_reserve(c, c->nnz + n, elem)) != FH_OK)
        return st;
    if (o->out_type == FH_OUT_F64 && !o->binary) {
        /* the common case: sums straight into the output values */
        double *v = (double *)(void *)c->vals + c->nnz;
        int64_t m = fh_sum_sorted_keys_f64(sorted, n, c->cols + c->nnz, v, sc->cancel);
        if (m < 0)
            return FH_ERR_CANCELLED;
        /* sums of at most n signs: in four independent parts where that is exact */
        if (n <= FH_AGG_MAX_KEYS && o->paths != FH_PATHS_REFERENCE)
            fh_normalize_ints_f64(v, m, o->norm);
        else
            fh_normalize_f64(v, m, o->norm);
        c->nnz += m;
        *row_nnz = m;
        return FH_OK;
    }
    int64_t *occ = o->out_type == FH_OUT_F32 ? sc->occ : NULL;
    int64_t m = fh_sum_sorted_keys(sorted, n, c->cols + c->nnz, sc->counts, occ, sc->cancel);
    if (m < 0)
        return FH_ERR_CANCELLED;
    if (o->out_type == FH_OUT_F64) {
        double *v = (double *)(void *)c->vals + c->nnz;
        for (int64_t k = 0; k < m; k++)
            v[k] = o->binary ? 1.0 : (double)sc->counts[k];
        fh_normalize_f64(v, m, o->norm);
    } else if (o->out_type == FH_OUT_F32) {
        float *v = (float *)(void *)c->vals + c->nnz;
        for (int64_t k = 0; k < m; k++)
            v[k] = o->binary ? 1.0f : fh_count_to_f32(sc->counts[k], occ[k]);
        fh_normalize_f32(v, m, o->norm);
    } else {
        int64_t *v = (int64_t *)(void *)c->vals + c->nnz;
        for (int64_t k = 0; k < m; k++)
            v[k] = o->binary ? 1 : sc->counts[k];
    }
    c->nnz += m;
    *row_nnz = m;
    return FH_OK;
}

/* Hash one document and append its canonical row to the chunk. */
static fh_status process_doc(scratch *sc, chunk *c, const fh_corpus *corpus, int64_t i,
                             const fh_opts *o, const hash_params *hp, int64_t *row_nnz)
{
    fh_status st;
    sc->nkeys = 0;
    if ((st = analyse_doc(sc, &corpus->docs[i], corpus->features, o, hp)) != FH_OK)
        return st;
    return make_row(sc, c, o, hp, sc->keys, sc->nkeys, &row_nnz[i]);
}

/* Short documents tokenized together. A document of a few words alone pays the ASCII word
 * scanner's fixed costs (its blocks' setup and tail, the empty lanes of its last 8 runs)
 * for few tokens: English documents of about 200 bytes took 77 ns more each than the same text
 * in documents 8 times as long (a third of the time to tokenize and hash them). So
 * consecutive ASCII documents of at most FH_GROUP_DOC_UNITS code units, up to
 * FH_GROUP_UNITS in all, are copied into one text, each followed by a space, and scanned
 * in one pass (fh_tokbuf.group_*): the space ends a token of every FH_TOKEN_*, so each
 * document's tokens, hence its row, are its own. For unigrams of the scanner (no token
 * pattern, no stop words), not on the reference paths (which keep the per-document scan
 * to test this one against). */
#define FH_GROUP_DOC_UNITS 1024
#define FH_GROUP_UNITS 16384

static int group_opts(const scratch *sc, const fh_opts *o)
{
    return o->analyzer == FH_ANALYZER_WORD && !o->pattern && !o->stop && o->max_n == 1 &&
           o->paths != FH_PATHS_REFERENCE && !sc->debug && !sc->tally;
}

/* An ASCII str, or UTF-8 bytes (an Arrow row) found to be ASCII, short enough. */
static int group_doc(const fh_doc *d)
{
    const fh_text *t = &d->text;
    if (d->mode != FH_DOC_TEXT || t->len > FH_GROUP_DOC_UNITS)
        return 0;
    if (t->kind == FH_KIND_UCS1)
        return t->ascii;
    return t->kind == FH_KIND_UTF8 && (t->ascii || fh_is_ascii(t->data, t->len));
}

/* The end of the group of documents starting at i (at most hi): i + 1 for a document
 * analysed alone. */
static int64_t group_end(const fh_doc *docs, int64_t i, int64_t hi, int grouping)
{
    int64_t j = i + 1;
    if (!grouping || !group_doc(&docs[i]))
        return j;
    int64_t units = docs[i].text.len + 1;
    while (j < hi && group_doc(&docs[j]) && units + docs[j].text.len + 1 <= FH_GROUP_UNITS)
        units += docs[j++].text.len + 1;
    return j;
}

/* The keys of documents [i0, i1) (a group, see group_end), scanned together: document d's
 * are sc->tb.hash[sc->gfirst[d - i0] .. sc->gfirst[d - i0 + 1]). */
static fh_status analyse_group(scratch *sc, const fh_doc *docs, int64_t i0, int64_t i1,
                               const fh_opts *o, const hash_params *hp)
{
    const int64_t n_docs = i1 - i0;
    int64_t len = 0;
    for (int64_t i = i0; i < i1; i++)
        len += docs[i].text.len + 1;
    FH_GROW(sc->gtext, sc->cap_gtext, len, 4096, return FH_ERR_NOMEM);
    FH_GROW(sc->gend, sc->cap_gend, n_docs, 64, return FH_ERR_NOMEM);
    FH_GROW(sc->gfirst, sc->cap_gfirst, n_docs + 1, 64, return FH_ERR_NOMEM);
    int64_t at = 0;
    for (int64_t i = i0; i < i1; i++) {
        const fh_text *t = &docs[i].text;
        if (t->len > 0)
            memcpy(sc->gtext + at, t->data, (size_t)t->len);
        at += t->len;
        sc->gtext[at++] = ' ';
        sc->gend[i - i0] = at;
    }
    const fh_text text = {sc->gtext, len, FH_KIND_UCS1, 1};
    fh_tokbuf *tb = &sc->tb;
    word_scan_setup(sc, o, hp); /* (group_opts: unigrams, neither counted nor debug) */
    tb->group_end = sc->gend;
    tb->group_first = sc->gfirst;
    tb->group_n = n_docs;
    fh_status st = fh_word_tokens(&text, o->lowercase, o->strip_accents, o->token, NULL, tb);
    tb->group_n = 0;
    tb->group_end = NULL;
    tb->group_first = NULL;
    if (st != FH_OK || tb->keyed)
        return st;
    for (int64_t k = 0; k < tb->n; k++) /* hashes (not lowercased): their keys */
        tb->hash[k] = fh_feature_key(tb->hash[k], hp->n_features, hp->pow2_mask,
                                     hp->alternate_sign);
    return FH_OK;
}

/* Documents [i0, i1) (a group of more than one) hashed, their rows appended to the chunk;
 * a failing row to *bad (the group's first for a failed scan). */
static fh_status process_group(scratch *sc, chunk *c, const fh_corpus *corpus, int64_t i0,
                               int64_t i1, const fh_opts *o, const hash_params *hp,
                               int64_t *row_nnz, int64_t *bad)
{
    fh_status st;
    *bad = i0;
    if ((st = analyse_group(sc, corpus->docs, i0, i1, o, hp)) != FH_OK)
        return st;
    for (int64_t i = i0; i < i1; i++) {
        const int64_t a = sc->gfirst[i - i0], b = sc->gfirst[i - i0 + 1];
        *bad = i;
        if ((st = make_row(sc, c, o, hp, sc->tb.hash + a, b - a, &row_nnz[i])) != FH_OK)
            return st;
    }
    return FH_OK;
}

static hash_params make_hash_params(const fh_opts *o)
{
    hash_params hp;
    hp.n_features = o->n_features;
    hp.pow2_mask = (o->n_features & (o->n_features - 1)) == 0 ? o->n_features - 1 : 0;
    if (o->n_features == 1)
        hp.pow2_mask = 0; /* mag % 1 == 0; a zero mask would read as "not a power of two" */
    hp.max_key = ((o->n_features - 1) << 1) | 1u;
    hp.alternate_sign = o->alternate_sign != 0;
    hp.col_bits = 0;
    while (hp.col_bits < 32 && ((o->n_features - 1) >> hp.col_bits) != 0)
        hp.col_bits++;
    hp.avx2 = o->paths == FH_PATHS_FASTEST && fh_cpu_has_avx2();
    return hp;
}

fh_status fh_opts_check(const fh_opts *o)
{
    if (!o || o->n_features < 1 || o->n_features > 2147483647u)
        return FH_ERR_BADARG;
    if (o->out_type != FH_OUT_F64 && o->out_type != FH_OUT_F32 && o->out_type != FH_OUT_I64)
        return FH_ERR_BADARG;
    if (o->norm != FH_NORM_NONE && o->norm != FH_NORM_L1 && o->norm != FH_NORM_L2)
        return FH_ERR_BADARG;
    if (o->out_type == FH_OUT_I64 && o->norm != FH_NORM_NONE)
        return FH_ERR_BADARG;
    if (o->analyzer != FH_ANALYZER_WORD && o->analyzer != FH_ANALYZER_CHAR &&
        o->analyzer != FH_ANALYZER_CHAR_WB)
        return FH_ERR_BADARG;
    if (o->token != FH_TOKEN_WORD2 && o->token != FH_TOKEN_WORD1 && o->token != FH_TOKEN_NONSPACE)
        return FH_ERR_BADARG;
    if (o->strip_accents < 0 || o->strip_accents > 2)
        return FH_ERR_BADARG;
    if ((o->max_n != 1 || o->analyzer != FH_ANALYZER_WORD) && o->min_n > o->max_n)
        return FH_ERR_BADARG;
    if (o->paths < FH_PATHS_FASTEST || o->paths > FH_PATHS_REFERENCE)
        return FH_ERR_BADARG;
    return FH_OK;
}

/* About the entries a document yields, for a chunk's first capacity: a pre-analysed
 * document at most its features; a word unigram takes >= 3 code units (2 characters and a
 * separator); a character starts up to max_n - min_n + 1 n-grams, fewer once repeats are
 * summed (3 per code unit covers char_wb(2, 4) and char(2, 5) of English text: no buffer
 * regrown, hence none copied, for them). */
static int64_t doc_hint(const fh_doc *d, const fh_opts *o)
{
    if (d->mode == FH_DOC_FEATURES)
        return d->n_feat;
    if (o->analyzer == FH_ANALYZER_WORD)
        return d->text.len / 3 + 1;
    int64_t per = o->max_n - o->min_n + 1;
    if (per > 3)
        per = 3;
    if (per < 1)
        per = 1;
    return d->text.len * per + 1;
}

static int64_t doc_units(const fh_doc *d)
{
    return d->mode == FH_DOC_FEATURES ? d->n_feat * FH_FEATURE_UNITS + 1 : d->text.len + 1;
}

fh_status fh_workspace_new(fh_workspace **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? FH_OK : FH_ERR_NOMEM;
}

int64_t fh_workspace_bytes(const fh_workspace *ws)
{
    int64_t total = 0;
    if (!ws)
        return 0;
    for (int64_t i = 0; i < ws->n_bufs; i++)
        total += ws->bufs[i].cap * (int64_t)(sizeof(int32_t) + 8);
    return total;
}

void fh_workspace_free(fh_workspace *ws)
{
    if (!ws)
        return;
    for (int64_t i = 0; i < ws->n_bufs; i++) {
        free(ws->bufs[i].cols);
        free(ws->bufs[i].vals);
    }
    free(ws->bufs);
    free(ws);
}

void fh_batch_free(fh_batch *b)
{
    if (!b)
        return;
    if (b->chunks) {
        for (int64_t c = 0; c < b->n_chunks; c++) {
            if (b->ws) { /* back to the workspace (which has n_chunks buffers) */
                b->ws->bufs[c].cols = b->chunks[c].cols;
                b->ws->bufs[c].vals = b->chunks[c].vals;
                b->ws->bufs[c].cap = b->chunks[c].cap;
            } else {
                free(b->chunks[c].cols);
                free(b->chunks[c].vals);
            }
        }
    }
    if (b->ws)
        b->ws->busy = 0;
    free(b->chunks);
    free(b->row_nnz);
    free(b);
}

/* What the threads of fh_batch_run_ws share: scratch[slot] is one thread's. */
typedef struct {
    const fh_corpus *corpus;
    const fh_opts *opts;
    hash_params hp;
    fh_batch *b;
    fh_cancel *cancel;
    scratch *scratch;
} run_ctx;

/* One item of fh_batch_run_ws's job: analyse and hash the documents of chunk c into the
 * chunk's own buffers (what it writes depends on the documents only). */
static void run_chunk(void *arg, int64_t c, int slot)
{
    run_ctx *rc = arg;
    chunk *ch = &rc->b->chunks[c];
    if (fh_cancel_poll(rc->cancel)) {
        ch->st = FH_ERR_CANCELLED;
        ch->bad_row = ch->lo;
        return;
    }
    scratch *sc = &rc->scratch[slot];
    const fh_doc *docs = rc->corpus->docs;
    const int grouping = group_opts(sc, rc->opts);
    int64_t units = 0;
    for (int64_t i = ch->lo, j; i < ch->hi; i = j) {
        fh_status s = FH_OK;
        int64_t bad = i;
        j = group_end(docs, i, ch->hi, grouping);
        for (int64_t k = i; k < j; k++)
            units += doc_units(&docs[k]);
        if (units >= FH_POLL_ITEMS) { /* a chunk holds up to FH_CHUNK_UNITS */
            units = 0;
            if (fh_cancel_poll(rc->cancel))
                s = FH_ERR_CANCELLED;
        }
        if (s == FH_OK)
            s = j - i > 1 ? process_group(sc, ch, rc->corpus, i, j, rc->opts, &rc->hp,
                                          rc->b->row_nnz, &bad)
                          : process_doc(sc, ch, rc->corpus, i, rc->opts, &rc->hp,
                                        rc->b->row_nnz);
        if (s != FH_OK) {
            ch->st = s;
            ch->bad_row = bad;
            return;
        }
    }
}

fh_status fh_batch_run(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                       fh_batch **out, int64_t *bad_row)
{
    return fh_batch_run_ws(corpus, opts, n_threads, NULL, NULL, out, bad_row);
}

fh_status fh_batch_run_ws(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                          fh_workspace *ws, fh_cancel *cancel, fh_batch **out,
                          int64_t *bad_row)
{
    fh_status st;
    fh_batch *b = NULL;
    *out = NULL;
    *bad_row = -1;
    if (!corpus || corpus->n_docs < 0 || (corpus->n_docs > 0 && !corpus->docs))
        return FH_ERR_BADARG;
    if ((st = fh_opts_check(opts)) != FH_OK)
        return st;
    if (ws && ws->busy)
        return FH_ERR_BADARG;

    st = FH_ERR_NOMEM;
    b = calloc(1, sizeof *b);
    if (!b)
        goto cleanup;
    int64_t n = corpus->n_docs;
    b->n_docs = n;
    b->elem = (int)elem_size(opts->out_type);
    b->row_nnz = calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
    if (!b->row_nnz)
        goto cleanup;

    /* Chunk boundaries (serial, data-dependent only). */
    int64_t n_chunks = 0, units = 0, start = 0;
    for (int64_t i = 0; i < n; i++) {
        units += doc_units(&corpus->docs[i]);
        if (units >= FH_CHUNK_UNITS || i + 1 - start >= FH_CHUNK_MAX_DOCS || i + 1 == n) {
            n_chunks++;
            units = 0;
            start = i + 1;
        }
    }
    b->chunks = fh_calloc_lines((size_t)n_chunks, sizeof(chunk));
    if (!b->chunks)
        goto cleanup;
    if (ws && n_chunks > ws->n_bufs) {
        chunk_buf *nb = realloc(ws->bufs, sizeof(chunk_buf) * (size_t)n_chunks);
        if (!nb)
            goto cleanup;
        memset(nb + ws->n_bufs, 0, sizeof(chunk_buf) * (size_t)(n_chunks - ws->n_bufs));
        ws->bufs = nb;
        ws->n_bufs = n_chunks;
    }
    b->n_chunks = n_chunks;
    if (ws) { /* the chunks borrow the workspace's buffers until fh_batch_free */
        for (int64_t c = 0; c < n_chunks; c++) {
            b->chunks[c].cols = ws->bufs[c].cols;
            b->chunks[c].vals = ws->bufs[c].vals;
            b->chunks[c].cap = ws->bufs[c].cap;
            ws->bufs[c].cols = NULL;
            ws->bufs[c].vals = NULL;
            ws->bufs[c].cap = 0;
        }
        b->ws = ws;
        ws->busy = 1;
    }
    units = 0;
    start = 0;
    int64_t hint = 0;
    for (int64_t i = 0, c = 0; i < n; i++) {
        units += doc_units(&corpus->docs[i]);
        hint += doc_hint(&corpus->docs[i], opts);
        if (units >= FH_CHUNK_UNITS || i + 1 - start >= FH_CHUNK_MAX_DOCS || i + 1 == n) {
            b->chunks[c].lo = start;
            b->chunks[c].hi = i + 1;
            b->chunks[c].size_hint = hint + 16;
            b->chunks[c].bad_row = -1;
            c++;
            units = 0;
            hint = 0;
            start = i + 1;
        }
    }

    run_ctx rc = {corpus, opts, make_hash_params(opts), b, cancel, NULL};
    n_threads = fh_team_size(n_threads, n_chunks);
    rc.scratch = fh_calloc_lines((size_t)n_threads, sizeof(scratch));
    if (!rc.scratch)
        goto cleanup;
    for (int t = 0; t < n_threads; t++)
        rc.scratch[t].cancel = rc.scratch[t].tb.cancel = rc.scratch[t].cb.cancel = cancel;
    /* One job of n_chunks items (fh_pool.h): a late thread delays only its own chunk. */
    fh_pool_run(n_threads, n_chunks, run_chunk, &rc);
    for (int t = 0; t < n_threads; t++)
        scratch_free(&rc.scratch[t]);
    free(rc.scratch);

    /* Serial: the lowest failing row, whatever the schedule was (a cancelled call is
     * reported as such, whatever else failed). */
    if (fh_cancel_requested(cancel)) {
        st = FH_ERR_CANCELLED;
        goto cleanup;
    }
    for (int64_t c = 0; c < n_chunks; c++) {
        if (b->chunks[c].st != FH_OK) {
            st = b->chunks[c].st;
            *bad_row = b->chunks[c].bad_row;
            goto cleanup;
        }
        b->nnz += b->chunks[c].nnz;
        b->raw += b->chunks[c].raw;
    }
    *out = b;
    b = NULL;
    st = FH_OK;
cleanup:
    fh_batch_free(b);
    return st;
}

/* ---------------------------------------------------------------- tokenize and hash only */

typedef struct {
    const fh_corpus *corpus;
    const fh_opts *opts;
    hash_params hp;
    fh_cancel *cancel;
    scratch *scratch;
    const int64_t *bounds; /* item k: documents [bounds[k], bounds[k + 1]) */
    int64_t *keys;         /* per item: keys emitted */
    fh_status *st;         /* per item */
} hash_only_ctx;

static void hash_only_item(void *arg, int64_t k, int slot)
{
    hash_only_ctx *h = arg;
    scratch *sc = &h->scratch[slot];
    const fh_doc *docs = h->corpus->docs;
    const int grouping = group_opts(sc, h->opts);
    int64_t keys = 0;
    for (int64_t i = h->bounds[k], j, hi = h->bounds[k + 1]; i < hi; i = j) {
        j = group_end(docs, i, hi, grouping);
        sc->nkeys = 0;
        fh_status st = FH_ERR_CANCELLED;
        if (!fh_cancel_requested(h->cancel))
            st = j - i > 1 ? analyse_group(sc, docs, i, j, h->opts, &h->hp)
                           : analyse_doc(sc, &docs[i], h->corpus->features, h->opts, &h->hp);
        if (st != FH_OK) {
            h->st[k] = st;
            return;
        }
        keys += j - i > 1 ? sc->tb.n : sc->nkeys;
    }
    h->keys[k] = keys;
}

fh_status fh_batch_hash_only(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                             fh_cancel *cancel, int64_t *n_keys)
{
    fh_status st;
    *n_keys = 0;
    if (!corpus || corpus->n_docs < 0 || (corpus->n_docs > 0 && !corpus->docs))
        return FH_ERR_BADARG;
    if ((st = fh_opts_check(opts)) != FH_OK)
        return st;
    const int64_t n = corpus->n_docs;
    /* the chunks of fh_batch_run_ws */
    int64_t *bounds = malloc(sizeof(int64_t) * (size_t)(n + 1));
    int64_t n_items = 0, units = 0;
    if (!bounds)
        return FH_ERR_NOMEM;
    bounds[0] = 0;
    for (int64_t i = 0, start = 0; i < n; i++) {
        units += doc_units(&corpus->docs[i]);
        if (units >= FH_CHUNK_UNITS || i + 1 - start >= FH_CHUNK_MAX_DOCS || i + 1 == n) {
            bounds[++n_items] = i + 1;
            units = 0;
            start = i + 1;
        }
    }
    n_threads = fh_team_size(n_threads, n_items);
    hash_only_ctx h = {corpus, opts, make_hash_params(opts), cancel, NULL, bounds, NULL, NULL};
    h.scratch = fh_calloc_lines((size_t)n_threads, sizeof(scratch));
    h.keys = calloc((size_t)(n_items + 1), sizeof(int64_t));
    h.st = calloc((size_t)(n_items + 1), sizeof(fh_status));
    st = FH_ERR_NOMEM;
    if (h.scratch && h.keys && h.st) {
        for (int t = 0; t < n_threads; t++)
            h.scratch[t].cancel = h.scratch[t].tb.cancel = h.scratch[t].cb.cancel = cancel;
        fh_pool_run(n_threads, n_items, hash_only_item, &h);
        st = FH_OK;
        for (int64_t k = 0; k < n_items; k++) {
            if (h.st[k] != FH_OK && st == FH_OK)
                st = h.st[k];
            *n_keys += h.keys[k];
        }
        for (int t = 0; t < n_threads; t++)
            scratch_free(&h.scratch[t]);
    }
    free(h.scratch);
    free(h.keys);
    free(h.st);
    free(bounds);
    return st;
}

int64_t fh_batch_nnz(const fh_batch *b) { return b->nnz; }
int64_t fh_batch_raw(const fh_batch *b) { return b->raw; }
int64_t fh_batch_n_docs(const fh_batch *b) { return b->n_docs; }

/* Entries copied between two polls by fh_batch_copy (a few milliseconds of memcpy). */
#define FH_COPY_SLICE ((int64_t)1 << 22)

typedef struct {
    fh_batch *b;
    fh_cancel *cancel;
    int64_t nnz_base;
    const int64_t *indptr;
    int32_t *indices;
    void *data;
} copy_ctx;

/* One item of fh_batch_copy's job: chunk c's rows to their place in the output. */
static void copy_chunk(void *arg, int64_t c, int slot)
{
    copy_ctx *cc = arg;
    fh_batch *b = cc->b;
    chunk *ch = &b->chunks[c];
    (void)slot;
    int64_t at = cc->indptr[ch->lo] - cc->nnz_base;
    for (int64_t k0 = 0; k0 < ch->nnz; k0 += FH_COPY_SLICE) {
        if (fh_cancel_poll(cc->cancel))
            break; /* reported by fh_batch_copy */
        int64_t len = ch->nnz - k0 < FH_COPY_SLICE ? ch->nnz - k0 : FH_COPY_SLICE;
        fh_prefault_write(cc->indices + at + k0, sizeof(int32_t) * (size_t)len);
        fh_prefault_write((uint8_t *)cc->data + (size_t)(at + k0) * (size_t)b->elem,
                           (size_t)b->elem * (size_t)len);
        memcpy(cc->indices + at + k0, ch->cols + k0, sizeof(int32_t) * (size_t)len);
        memcpy((uint8_t *)cc->data + (size_t)(at + k0) * (size_t)b->elem,
               ch->vals + (size_t)k0 * (size_t)b->elem, (size_t)b->elem * (size_t)len);
    }
    /* moved: release the chunk now, so the batch is never held twice (unless its buffers
     * belong to a workspace, to be reused by the next batch) */
    if (!b->ws) {
        free(ch->cols);
        free(ch->vals);
        ch->cols = NULL;
        ch->vals = NULL;
        ch->cap = 0;
    }
    ch->nnz = 0;
}

fh_status fh_batch_copy(fh_batch *b, int n_threads, fh_cancel *cancel, int64_t nnz_base,
                        int64_t *indptr, int32_t *indices, void *data)
{
    if (!b || !indptr || b->moved)
        return FH_ERR_BADARG;
    indptr[0] = nnz_base;
    for (int64_t i = 0; i < b->n_docs; i++)
        indptr[i + 1] = indptr[i] + b->row_nnz[i];
    if (b->nnz > 0 && (!indices || !data))
        return FH_ERR_BADARG;
    b->moved = 1;
    copy_ctx cc = {b, cancel, nnz_base, indptr, indices, data};
    fh_pool_run(n_threads, b->n_chunks, copy_chunk, &cc);
    return fh_cancel_requested(cancel) ? FH_ERR_CANCELLED : FH_OK;
}

fh_status fh_doc_features(const fh_doc *doc, const fh_text *features, const fh_opts *opts,
                          uint8_t **buf, int64_t **offsets, int64_t *n_features)
{
    fh_status st;
    scratch sc;
    *buf = NULL;
    *offsets = NULL;
    *n_features = 0;
    if ((st = fh_opts_check(opts)) != FH_OK)
        return st;
    memset(&sc, 0, sizeof sc);
    sc.debug = 1;
    hash_params hp = make_hash_params(opts);
    st = analyse_doc(&sc, doc, features, opts, &hp);
    if (st == FH_OK && sc.dn == 0) {
        sc.doff = malloc(sizeof(int64_t));
        if (!sc.doff)
            st = FH_ERR_NOMEM;
        else
            sc.doff[0] = 0;
    }
    if (st == FH_OK) {
        *buf = sc.dbuf ? sc.dbuf : malloc(1);
        *offsets = sc.doff;
        *n_features = sc.dn;
        if (!*buf) {
            st = FH_ERR_NOMEM;
            *offsets = NULL;
        } else {
            sc.dbuf = NULL;
            sc.doff = NULL;
        }
    }
    scratch_free(&sc);
    return st;
}

void fh_free(void *p) { free(p); }

/* ---------------------------------------------------------------- analysis hook
 * For fh_record.c: the features of one document after another, counted, in reusable
 * scratch. */

struct fh_analysis {
    scratch sc;
    fh_tally words; /* char_wb's padded words counted, not yet expanded (fh_wb_expand) */
};

fh_status fh_analysis_new(fh_analysis **out)
{
    *out = fh_calloc_lines(1, sizeof **out);
    if (*out)
        fh_tally_init(&(*out)->words);
    return *out ? FH_OK : FH_ERR_NOMEM;
}

void fh_analysis_free(fh_analysis *a)
{
    if (!a)
        return;
    scratch_free(&a->sc);
    fh_tally_free(&a->words);
    free(a);
}

int64_t fh_analysis_pending(const fh_analysis *a) { return a->words.n; }

fh_tally *fh_analysis_first_tally(fh_analysis *a, const fh_opts *opts, fh_tally *tally)
{
    return opts->analyzer == FH_ANALYZER_CHAR_WB ? &a->words : tally;
}

fh_status fh_analysis_settle(fh_analysis *a, const fh_opts *opts, fh_cancel *cancel,
                             fh_tally *tally, int add)
{
    fh_status st = add ? fh_tally_settle(&a->words) : FH_OK;
    if (add && st == FH_OK)
        st = fh_wb_expand(&a->words, 0, a->words.n_slots, opts->min_n, opts->max_n, tally,
                          cancel);
    fh_tally_clear(&a->words);
    return st;
}

fh_status fh_analysis_absorb(fh_analysis *dst, fh_analysis *src)
{
    fh_status st = src ? fh_tally_settle(&src->words) : FH_OK;
    for (int64_t k = 0; src && st == FH_OK && src->words.n && k < src->words.n_slots; k++) {
        const fh_tally_slot *e = &src->words.slots[k];
        if (e->count)
            st = fh_tally_add_n(&dst->words, fh_tally_bytes(&src->words, e), (int64_t)e->len,
                                e->count);
    }
    if (src)
        fh_tally_clear(&src->words);
    fh_status st2 = fh_tally_settle(&dst->words);
    return st != FH_OK ? st : st2;
}

fh_status fh_analysis_expand(const fh_analysis *a, int64_t part, int64_t n_parts,
                             const fh_opts *opts, fh_cancel *cancel, fh_tally *tally)
{
    const int64_t n = a->words.n_slots; /* <= 2**40 */
    return fh_wb_expand(&a->words, n * part / n_parts, n * (part + 1) / n_parts, opts->min_n,
                        opts->max_n, tally, cancel);
}

fh_status fh_analysis_count(fh_analysis *a, const fh_doc *doc, const fh_text *features,
                            const fh_opts *opts, fh_cancel *cancel, fh_tally *tally)
{
    scratch *sc = &a->sc;
    sc->debug = 1; /* no key loops */
    sc->tally = tally;
    sc->wtally = &a->words;
    sc->cancel = sc->tb.cancel = sc->cb.cancel = cancel;
    hash_params hp = make_hash_params(opts);
    fh_status st = analyse_doc(sc, doc, features, opts, &hp);
    sc->tally = NULL;
    return st;
}

int fh_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int fh_openmp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
