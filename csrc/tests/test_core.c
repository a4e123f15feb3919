/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of the core: hash vectors, keys, sort, tokenizer, stop words, error paths. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_cancel.h"
#include "fh_charngrams.h"
#include "fh_csr.h"
#include "fh_features.h"
#include "fh_hashing.h"
#include "fh_murmur3.h"
#include "fh_charngrams.h"
#include "fh_murmur3_avx2.h"
#include "fh_test.h"
#include "fh_tokenize.h"
#include "fh_unicode.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define FH_TEST_PTHREADS 1
#endif

static void test_murmur(void)
{
    /* Keys crafted against scikit-learn's murmurhash3_32 (signed reading). */
    CHECK((int32_t)fh_murmur3_32("", 0, 0) == 0);
    CHECK((int32_t)fh_murmur3_32("aivlts3m", 8, 0) == INT32_MIN);
    CHECK((int32_t)fh_murmur3_32("acdia99h", 8, 0) == 0);
    CHECK((int32_t)fh_murmur3_32("acqerwwr", 8, 0) == 2147483647);
    CHECK((int32_t)fh_murmur3_32("abxnxwpw", 8, 0) == -2147483647);
    CHECK((int32_t)fh_murmur3_32("aaum2erp", 8, 0) == -1);

    /* The branch-free short-key variants equal the general hash for every length they
     * take, whatever the bytes past the key. */
    uint8_t buf[16];
    unsigned s = 777;
    for (int rep = 0; rep < 2000; rep++) {
        for (int i = 0; i < 16; i++) {
            s = s * 1103515245u + 12345u;
            buf[i] = (uint8_t)(s >> 16);
        }
        for (int n = 0; n <= 11; n++)
            CHECK(fh_murmur3_32_upto11(buf, n) == fh_murmur3_32(buf, (size_t)n, 0));
        for (int n = 0; n <= 7; n++)
            CHECK(fh_murmur3_32_upto7(buf, n) == fh_murmur3_32(buf, (size_t)n, 0));
        for (int n = 1; n <= 8; n++)
            CHECK(fh_murmur3_32_short(buf, n) == fh_murmur3_32(buf, (size_t)n, 0));
    }
}

/* The span batches of the word tokenizer's AVX2 path (fh_murmur3_spans_avx2) equal the
 * scalar hash (and its feature keys) for every key length 0..64, in groups of every size
 * 1..20 (full and partial groups of 8, mixed lengths), at every alignment. */
static void test_murmur_spans(void)
{
#if FH_MURMUR3_AVX2
    if (!fh_cpu_has_avx2())
        return;
    enum { N = 20, BYTES = 2048 };
    uint8_t *buf = malloc(BYTES + 3);
    int32_t off[N], len[N];
    uint32_t out[N + 1], key[N + 1];
    unsigned s = 4242;
    for (int rep = 0; rep < 400; rep++) {
        for (int i = 0; i < BYTES + 3; i++) {
            s = s * 1103515245u + 12345u;
            buf[i] = (uint8_t)(s >> 16);
        }
        for (int n = 1; n <= N; n++) {
            int at = 0;
            for (int i = 0; i < n; i++) {
                s = s * 1103515245u + 12345u;
                /* every length 0..64 in turn on lane 0, random ones elsewhere */
                len[i] = i == 0 ? rep % 65 : (int32_t)((s >> 16) % 65);
                off[i] = at + (int32_t)((s >> 8) % 5);
                at = off[i] + len[i];
            }
            out[n] = key[n] = 0xDEADBEEFu;
            fh_murmur3_spans_avx2(buf, off, len, n, 0, 0, 0, out);
            for (int i = 0; i < n; i++)
                CHECK(out[i] == fh_murmur3_32(buf + off[i], (size_t)len[i], 0));
            CHECK(out[n] == 0xDEADBEEFu); /* nothing written past n */
            const uint32_t nf = rep & 1 ? 1024 : 1000, pm = rep & 1 ? 1023 : 0;
            fh_murmur3_spans_avx2(buf, off, len, n, nf, pm, rep & 2, key);
            for (int i = 0; i < n; i++)
                CHECK(key[i] == fh_feature_key(out[i], nf, pm, rep & 2));
            CHECK(key[n] == 0xDEADBEEFu);
        }
    }
    free(buf);
#endif
}

static void test_keys(void)
{
    uint32_t hmin = 0x80000000u;
    CHECK(fh_feature_key(hmin, 3, 0, 1) >> 1 == 2147483648u % 3);
    CHECK(fh_feature_key(hmin, 1000, 0, 1) >> 1 == 648);
    CHECK(fh_feature_key(hmin, 1u << 20, (1u << 20) - 1, 1) == 1);  /* column 0, negative */
    CHECK(fh_feature_key(hmin, 1u << 20, (1u << 20) - 1, 0) == 0);  /* no alternate sign */
    CHECK(fh_feature_key(0, 10, 0, 1) == 0);                        /* h == 0 is positive */
    CHECK(fh_feature_key(0xFFFFFFFFu, 10, 0, 1) == ((1u << 1) | 1u)); /* h == -1 */
}

static void test_sort_and_sum(void)
{
    enum { N = 1000 };
    uint32_t keys[N], tmp[N];
    unsigned s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 1103515245u + 12345u;
        keys[i] = (s >> 8) & 0x1FFFFF;
    }
    const uint32_t *sk = fh_sort_keys(keys, tmp, N, 0x1FFFFF, NULL);
    int sorted = 1;
    for (int i = 1; i < N; i++)
        sorted &= sk[i - 1] <= sk[i];
    CHECK(sorted);
    uint32_t k2[4] = {(5u << 1) | 1u, 5u << 1, 7u << 1, 7u << 1};
    int32_t cols[4];
    int64_t counts[4];
    int64_t occ[4];
    CHECK(fh_sum_sorted_keys(k2, 4, cols, counts, occ, NULL) == 2);
    CHECK(occ[0] == 2 && occ[1] == 2);
    CHECK(fh_count_to_f32(((int64_t)1 << 24) + 5, ((int64_t)1 << 24) + 5) == 16777216.0f);
    CHECK(fh_count_to_f32(-(((int64_t)1 << 24) + 5), ((int64_t)1 << 24) + 5) == -16777216.0f);
    CHECK(fh_count_to_f32(3, 5) == 3.0f);
    double vals[4];
    int32_t cols64[4];
    CHECK(fh_sum_sorted_keys_f64(k2, 4, cols64, vals, NULL) == 2);
    CHECK(cols64[0] == 5 && vals[0] == 0.0 && cols64[1] == 7 && vals[1] == 2.0);
    /* the float64 variant equals the general one on the sorted random keys */
    {
        static int32_t c1[N], c2[N];
        static int64_t n1[N];
        static double v2[N];
        int64_t m1 = fh_sum_sorted_keys(sk, N, c1, n1, NULL, NULL);
        int64_t m2 = fh_sum_sorted_keys_f64(sk, N, c2, v2, NULL);
        int same = m1 == m2;
        for (int64_t i = 0; same && i < m1; i++)
            same = c1[i] == c2[i] && (double)n1[i] == v2[i];
        CHECK(same);
    }
    CHECK(cols[0] == 5 && counts[0] == 0); /* explicit zero kept */
    CHECK(cols[1] == 7 && counts[1] == 2);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void test_sort_network(void)
{
    /* fh_sort_keys_net equals qsort on rows of 0 to 64 keys: random, few distinct, edge
     * values (0 and the largest key, 0xFFFFFFFE), already sorted and reversed. */
    if (!FH_SORT_NET || !fh_cpu_has_avx2())
        return;
    unsigned s = 777;
    int same = 1;
    for (int trial = 0; trial < 20000; trial++) {
        uint32_t keys[FH_NET_MAX_KEYS], want[FH_NET_MAX_KEYS];
        int64_t n = trial % (FH_NET_MAX_KEYS + 1);
        int kind = (trial / (FH_NET_MAX_KEYS + 1)) % 5;
        for (int64_t i = 0; i < n; i++) {
            s = s * 1103515245u + 12345u;
            uint32_t r = (s >> 4) ^ (s << 20);
            keys[i] = kind == 0   ? r % 0xFFFFFFFFu
                      : kind == 1 ? r % 5
                      : kind == 2 ? (r & 1 ? 0xFFFFFFFEu : 0u)
                      : kind == 3 ? (uint32_t)i * 3u
                                  : 0xFFFFFFFEu - (uint32_t)i;
        }
        memcpy(want, keys, sizeof(uint32_t) * (size_t)n);
        qsort(want, (size_t)n, sizeof(uint32_t), cmp_u32);
        fh_sort_keys_net(keys, n);
        same &= n == 0 || memcmp(keys, want, sizeof(uint32_t) * (size_t)n) == 0;
    }
    CHECK(same);
}

static int tokens_equal(fh_tokbuf *tb, const char **want, int n)
{
    if (tb->n != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (tb->tlen[i] != (int64_t)strlen(want[i]) ||
            memcmp(tb->base + tb->off[i], want[i], strlen(want[i])) != 0)
            return 0;
    return 1;
}

static void test_tokenizer(void)
{
    fh_tokbuf tb;
    fh_tokbuf_init(&tb);
    fh_text t = ascii("a_b __ 1.5 3.14 Don't e-MAIL x");
    CHECK(fh_word_tokens(&t, 1, 0, FH_TOKEN_WORD2, NULL, &tb) == FH_OK);
    const char *want[] = {"a_b", "__", "14", "don", "mail"};
    CHECK(tokens_equal(&tb, want, 5));

    /* UCS-2: Greek capitals lower to a final sigma by context. */
    uint16_t greek[] = {0x39F, 0x394, 0x39F, 0x3A3, 0x20, 0x3A3, 0x391, 0x3A3};
    fh_text g = {greek, 8, FH_KIND_UCS2, 0};
    CHECK(fh_word_tokens(&g, 1, 0, FH_TOKEN_WORD2, NULL, &tb) == FH_OK);
    const char *gw[] = {"\xce\xbf\xce\xb4\xce\xbf\xcf\x82", "\xcf\x83\xce\xb1\xcf\x82"};
    CHECK(tokens_equal(&tb, gw, 2));

    /* Stop words are matched after lowercasing. */
    const char *words = "theand";
    int64_t offs[] = {0, 3, 6};
    fh_stopset *stop = NULL;
    CHECK(fh_stopset_new((const uint8_t *)words, offs, 2, &stop) == FH_OK);
    fh_text q = ascii("The quick AND the brown");
    CHECK(fh_word_tokens(&q, 1, 0, FH_TOKEN_WORD2, stop, &tb) == FH_OK);
    const char *qw[] = {"quick", "brown"};
    CHECK(tokens_equal(&tb, qw, 2));
    /* n-grams bridge removed words: a removed word breaks contiguity (sp == 0) */
    CHECK(tb.sp[0] == 0);
    fh_text q2 = ascii("Quick brown.");
    CHECK(fh_word_tokens(&q2, 1, 0, FH_TOKEN_WORD2, stop, &tb) == FH_OK);
    CHECK(tb.n == 2 && tb.sp[0] == FH_SP_JOIN && memcmp(tb.base + tb.off[0], "quick brown", 11) == 0);
    fh_stopset_free(stop);

    /* (?u)\b\w+\b keeps one-character words; \S+ splits on whitespace only (\x1c too). */
    fh_text w1 = ascii("a_b x 3.14");
    CHECK(fh_word_tokens(&w1, 1, 0, FH_TOKEN_WORD1, NULL, &tb) == FH_OK);
    const char *w1w[] = {"a_b", "x", "3", "14"};
    CHECK(tokens_equal(&tb, w1w, 4));
    fh_text ns = ascii("Don't\x1c e-MAIL\t x.");
    CHECK(fh_word_tokens(&ns, 1, 0, FH_TOKEN_NONSPACE, NULL, &tb) == FH_OK);
    const char *nsw[] = {"don't", "e-mail", "x."};
    CHECK(tokens_equal(&tb, nsw, 3));
    CHECK(fh_word_tokens(&ns, 1, 0, 7, NULL, &tb) == FH_ERR_BADARG);

    /* A lone surrogate belongs to a \S+ token: flagged, or an error when only hashes are kept. */
    uint16_t sur[] = {'a', 0xD800, ' ', 'b'};
    fh_text su = {sur, 4, FH_KIND_UCS2, 0};
    CHECK(fh_word_tokens(&su, 1, 0, FH_TOKEN_NONSPACE, NULL, &tb) == FH_OK);
    CHECK(tb.n == 2 && tb.n_surrogate == 1 && (tb.sp[0] & FH_SP_SURROGATE) &&
          !(tb.sp[1] & FH_SP_SURROGATE));
    tb.hash_only = 1;
    CHECK(fh_word_tokens(&su, 1, 0, FH_TOKEN_NONSPACE, NULL, &tb) == FH_ERR_ENCODE);
    CHECK(fh_word_tokens(&su, 1, 0, FH_TOKEN_WORD1, NULL, &tb) == FH_OK && tb.n == 2);
    tb.hash_only = 0;
    fh_tokbuf_free(&tb);
}

static void test_errors(void)
{
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = o.max_n = 1;
    o.n_features = 0;
    CHECK(fh_opts_check(&o) == FH_ERR_BADARG);
    o.n_features = 16;
    o.out_type = FH_OUT_I64;
    o.norm = FH_NORM_L2;
    CHECK(fh_opts_check(&o) == FH_ERR_BADARG);
    o.norm = FH_NORM_NONE;
    CHECK(fh_opts_check(&o) == FH_OK);

    /* A lone surrogate in a pre-analysed feature is reported with its row. */
    uint16_t sur[] = {0x61, 0xD800};
    fh_text feats[2] = {ascii("ok"), {sur, 2, FH_KIND_UCS2, 0}};
    fh_doc docs[2];
    memset(docs, 0, sizeof docs);
    docs[0].mode = FH_DOC_FEATURES;
    docs[0].feat_start = 0;
    docs[0].n_feat = 1;
    docs[1].mode = FH_DOC_FEATURES;
    docs[1].feat_start = 1;
    docs[1].n_feat = 1;
    fh_corpus c = {docs, feats, 2};
    fh_batch *b = NULL;
    int64_t bad = -1;
    CHECK(fh_batch_run(&c, &o, 2, &b, &bad) == FH_ERR_ENCODE);
    CHECK(b == NULL && bad == 1);

    /* A valid batch: explicit zeros survive, indptr is a prefix sum. */
    c.n_docs = 1;
    CHECK(fh_batch_run(&c, &o, 2, &b, &bad) == FH_OK);
    CHECK(fh_batch_nnz(b) == 1 && fh_batch_raw(b) == 1);
    int64_t indptr[2];
    int32_t indices[1];
    int64_t data[1];
    CHECK(fh_batch_copy(b, 1, NULL, 5, indptr, indices, data) == FH_OK);
    CHECK(fh_batch_copy(b, 1, NULL, 5, indptr, indices, data) == FH_ERR_BADARG); /* moved once */
    CHECK(indptr[0] == 5 && indptr[1] == 6); /* rows appended after 5 earlier entries */
    fh_batch_free(b);
}

static void test_workspace(void)
{
    /* Batches of different sizes and output types through one workspace give the same rows
     * as batches without one; a held workspace is refused; a failed batch gives it back. */
    enum { ND = 3000 };
    static char text[ND][64];
    static fh_doc docs[ND];
    unsigned s = 99;
    for (int i = 0; i < ND; i++) {
        int at = 0, words = 1 + i % 9;
        for (int w = 0; w < words; w++) {
            s = s * 1103515245u + 12345u;
            at += snprintf(text[i] + at, sizeof text[i] - (size_t)at, "w%u ", (s >> 16) % 50);
        }
        memset(&docs[i], 0, sizeof docs[i]);
        docs[i].mode = FH_DOC_TEXT;
        docs[i].text = ascii(text[i]);
    }
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = o.max_n = 1;
    o.n_features = 1u << 10;
    o.lowercase = 1;
    o.alternate_sign = 1;
    o.norm = FH_NORM_L2;
    o.out_type = FH_OUT_F64;
    fh_workspace *ws = NULL;
    CHECK(fh_workspace_new(&ws) == FH_OK);
    const int64_t sizes[] = {ND, 7, 1200, ND, 1};
    for (int k = 0; k < 5; k++) {
        o.out_type = k == 2 ? FH_OUT_F32 : FH_OUT_F64;
        o.norm = k == 3 ? FH_NORM_NONE : FH_NORM_L2;
        fh_corpus c = {docs + (k == 4 ? 5 : 0), NULL, sizes[k]};
        int64_t *ip1, *ip2, n1 = 0, n2 = 0;
        int32_t *ix1, *ix2;
        double *dv1, *dv2;
        CHECK(run_batch(&c, &o, 2, NULL, &ip1, &ix1, &dv1, &n1) == FH_OK);
        CHECK(run_batch(&c, &o, 2, ws, &ip2, &ix2, &dv2, &n2) == FH_OK);
        size_t elem = o.out_type == FH_OUT_F32 ? 4 : 8;
        CHECK(n1 == n2 && memcmp(ip1, ip2, sizeof(int64_t) * (size_t)(c.n_docs + 1)) == 0 &&
              memcmp(ix1, ix2, sizeof(int32_t) * (size_t)n1) == 0 &&
              memcmp(dv1, dv2, elem * (size_t)n1) == 0);
        free(ip1), free(ix1), free(dv1), free(ip2), free(ix2), free(dv2);
    }
    /* held by a batch: refused until that batch is freed */
    fh_corpus c = {docs, NULL, 10};
    fh_batch *b = NULL, *b2 = NULL;
    int64_t bad = -1;
    CHECK(fh_batch_run_ws(&c, &o, 1, ws, NULL, &b, &bad) == FH_OK);
    CHECK(fh_batch_run_ws(&c, &o, 1, ws, NULL, &b2, &bad) == FH_ERR_BADARG && b2 == NULL);
    fh_batch_free(b);
    CHECK(fh_batch_run_ws(&c, &o, 1, ws, NULL, &b2, &bad) == FH_OK);
    fh_batch_free(b2);
    /* a failing batch (a lone surrogate in a feature) gives the workspace back */
    uint16_t sur[] = {0x61, 0xD800};
    fh_text feats[1] = {{sur, 2, FH_KIND_UCS2, 0}};
    fh_doc fd[2];
    memset(fd, 0, sizeof fd);
    fd[0] = docs[0];
    fd[1].mode = FH_DOC_FEATURES;
    fd[1].n_feat = 1;
    fh_corpus cf = {fd, feats, 2};
    CHECK(fh_batch_run_ws(&cf, &o, 2, ws, NULL, &b, &bad) == FH_ERR_ENCODE && b == NULL && bad == 1);
    CHECK(fh_batch_run_ws(&c, &o, 1, ws, NULL, &b, &bad) == FH_OK);
    fh_batch_free(b);
    fh_workspace_free(ws);
    fh_workspace_free(NULL);
}

static void test_agg_keys(void)
{
    /* fh_agg_keys equals sort + sum on rows with many repeats, cancelling signs (explicit
     * zeros), clustered columns and every table size from tiny to FH_AGG_MAX_KEYS. */
    enum { N = 1 << 16 };
    static uint32_t keys[N], copy[N], tmp[N];
    static uint64_t pk[N + 3], bitmap[(8 * N + N) / 64 + 2];
    static fh_agg_slot table[8 * N + N];
    static int32_t cols[N];
    static int64_t counts[N];
    const int col_bits_list[] = {0, 1, 4, 10, 20, 31};
    const int64_t sizes[] = {1, 2, 16, 17, 100, 1000, 5000, N};
    unsigned s = 4242;
    for (int cb = 0; cb < 6; cb++) {
        int col_bits = col_bits_list[cb];
        for (int z = 0; z < 8; z++) {
            int64_t n = sizes[z];
            uint32_t distinct = 1u + (uint32_t)(n / (1 + z % 3)); /* repeats: ~1x, 2x, 3x */
            for (int64_t i = 0; i < n; i++) {
                s = s * 1103515245u + 12345u;
                uint32_t r = (s >> 8) % distinct;
                uint32_t col = col_bits ? (r * 2654435761u) >> (32 - col_bits) : 0;
                if (z == 6) /* clustered: every column near the top of the range */
                    col = col_bits ? ((1u << col_bits) - 1u) - (r & 63u) % (1u << col_bits) : 0;
                s = s * 1103515245u + 12345u;
                keys[i] = (col << 1) | ((s >> 20) & 1u);
            }
            memcpy(copy, keys, sizeof(uint32_t) * (size_t)n);
            uint32_t max_key = col_bits ? (((1u << col_bits) - 1u) << 1) | 1u : 1u;
            if (col_bits == 31)
                max_key = 0xFFFFFFFFu;
            const uint32_t *sk = fh_sort_keys(copy, tmp, n, max_key, NULL);
            int64_t m1 = fh_sum_sorted_keys(sk, n, cols, counts, NULL, NULL), m2 = -1;
            int bits = fh_agg_bits(n, col_bits);
            const uint64_t *p = fh_agg_keys(keys, n, table, bitmap, bits, col_bits, pk, &m2);
            int same = m1 == m2;
            for (int64_t k = 0; same && k < m1; k++)
                same = fh_agg_col(p[k]) == cols[k] && fh_agg_sum(p[k]) == counts[k];
            CHECK(same);
            int zero = 1; /* the table and bitmap are all zero again */
            for (int64_t k = 0; k < ((int64_t)1 << bits) + n; k++)
                zero &= table[k].tag == 0 && table[k].sum == 0;
            for (int64_t k = 0; k < (((int64_t)1 << bits) + n + 63) / 64; k++)
                zero &= bitmap[k] == 0;
            CHECK(zero);
        }
    }
}

/* A random ASCII document of n characters over a small alphabet (so that n-grams repeat and
 * signs cancel) with runs of whitespace of every ASCII kind, upper case and 1-letter words. */
static void random_ascii(char *out, int n, unsigned *s)
{
    static const char alphabet[] = "aaabbcdeABz  \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f   x";
    for (int i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = alphabet[(*s >> 16) % (sizeof alphabet - 1)];
    }
    out[n] = 0;
}

/* Documents scanned as one group (fh_tokbuf.group_*), each followed by a space: the same
 * tokens, hashes and keys as each document scanned alone, whatever the token type, case,
 * keys and instruction set, with documents that are empty, start or end with a token
 * character, and a text longer than one of the scanner's blocks (a run carried over). */
static void test_grouped_tokens(void)
{
    enum { N_DOCS = 1500, MAX_LEN = 90 };
    static char docs[N_DOCS][MAX_LEN + 1];
    static uint8_t text[N_DOCS * (MAX_LEN + 1)];
    static int64_t ends[N_DOCS], first[N_DOCS + 1];
    unsigned seed = 7;
    int64_t len = 0;
    for (int d = 0; d < N_DOCS; d++) {
        seed = seed * 1103515245u + 12345u;
        int n = d % 97 == 5 ? 0 : (int)((seed >> 16) % (MAX_LEN + 1));
        random_ascii(docs[d], n, &seed);
        if (n > 0 && d % 3 == 0)
            docs[d][0] = 'Q'; /* a token character right after the previous document */
        if (n > 0 && d % 5 == 0)
            docs[d][n - 1] = '7';
        memcpy(text + len, docs[d], (size_t)n);
        len += n;
        text[len++] = ' ';
        ends[d] = len;
    }
    CHECK(len > 65536); /* more than one block of the scanner */
    fh_text all = {text, len, FH_KIND_UCS1, 1};
    const int tokens[] = {FH_TOKEN_WORD2, FH_TOKEN_WORD1, FH_TOKEN_NONSPACE};
    uint32_t *want = malloc(sizeof(uint32_t) * (size_t)len);
    int same = want != NULL;
    for (int avx2 = 0; avx2 <= 1 && same; avx2++) {
        for (int k = 0; k < 3; k++) {
            for (int lower = 0; lower <= 1; lower++) {
                for (int keyed = 0; keyed <= 1; keyed++) {
                    fh_tokbuf tb;
                    fh_tokbuf_init(&tb);
                    tb.hash_only = 1;
                    tb.avx2 = avx2 && __builtin_cpu_supports("avx2");
                    tb.key_n_features = keyed ? 1u << 10 : 0;
                    tb.key_pow2_mask = keyed ? (1u << 10) - 1 : 0;
                    tb.key_alternate_sign = 1;
                    /* each document alone */
                    int64_t n_want = 0;
                    int keyed_alone = 1;
                    for (int d = 0; d < N_DOCS; d++) {
                        fh_text t = {docs[d], (int64_t)strlen(docs[d]), FH_KIND_UCS1, 1};
                        CHECK(fh_word_tokens(&t, lower, 0, tokens[k], NULL, &tb) == FH_OK);
                        if (tb.n > 0)
                            keyed_alone &= tb.keyed;
                        memcpy(want + n_want, tb.hash, sizeof(uint32_t) * (size_t)tb.n);
                        n_want += tb.n;
                        first[d + 1] = n_want; /* (first[0] is 0) */
                    }
                    /* as one group */
                    int64_t got_first[N_DOCS + 1];
                    tb.group_end = ends;
                    tb.group_first = got_first;
                    tb.group_n = N_DOCS;
                    CHECK(fh_word_tokens(&all, lower, 0, tokens[k], NULL, &tb) == FH_OK);
                    same &= tb.n == n_want && tb.keyed == keyed_alone;
                    same &= memcmp(tb.hash, want, sizeof(uint32_t) * (size_t)n_want) == 0;
                    first[0] = 0;
                    same &= memcmp(got_first, first, sizeof first) == 0;
                    /* only for unigram hashes: a stop set or a tally is refused */
                    tb.hash_only = 0;
                    CHECK(fh_word_tokens(&all, lower, 0, tokens[k], NULL, &tb) ==
                          FH_ERR_BADARG);
                    tb.group_n = 0;
                    fh_tokbuf_free(&tb);
                }
            }
        }
    }
    CHECK(same);
    free(want);
}

static void test_char_paths(void)
{
    /* Every path of the character analyzers gives the same rows: the fastest (AVX2 where
     * the CPU has it), the baseline ISA, the reference paths, and the general (non-ASCII)
     * path on the same text; for every n-gram range, n_features (power of two or not) and
     * output type. Rows from 0 to > FH_AGG_MAX_KEYS keys. */
    enum { ND = 40, LONG = 30000 };
    static char text[ND][LONG + 1];
    static fh_doc docs[4][ND];
    unsigned s = 2024;
    for (int i = 0; i < ND; i++) {
        int n = i < 4 ? (int[]){0, 1, 3, 7}[i] : i == ND - 1 ? LONG : (i * 97) % 2000;
        random_ascii(text[i], n, &s);
        if (i == 5)
            memcpy(text[i], "  a b  ", 7); /* leading, trailing whitespace; 1-letter words */
        if (i == 6)
            memset(text[i], ' ', (size_t)n); /* whitespace only */
        for (int v = 0; v < 4; v++) {
            memset(&docs[v][i], 0, sizeof docs[v][i]);
            docs[v][i].mode = FH_DOC_TEXT;
            docs[v][i].text = ascii(text[i]);
            docs[v][i].text.ascii = v != 3; /* variant 3: the general path */
        }
    }
    const uint32_t nfs[] = {1, 3, 16, 1000, 1u << 20, 2147483647u};
    int combo = 0;
    for (int an = FH_ANALYZER_CHAR; an <= FH_ANALYZER_CHAR_WB; an++)
        for (int lo = 1; lo <= 4; lo++)
            for (int hi = lo; hi <= 9; hi++)
                for (int f = 0; f < 6; f++, combo++) {
                    fh_opts o;
                    memset(&o, 0, sizeof o);
                    o.analyzer = an;
                    o.min_n = lo;
                    o.max_n = hi;
                    o.n_features = nfs[f];
                    o.lowercase = combo % 3 != 0;
                    o.alternate_sign = combo % 5 != 1;
                    o.binary = combo % 7 == 3;
                    o.out_type = combo % 4 == 1 ? FH_OUT_F32 : combo % 4 == 2 ? FH_OUT_I64 : FH_OUT_F64;
                    o.norm = o.out_type == FH_OUT_I64 ? FH_NORM_NONE : combo % 3;
                    size_t elem = o.out_type == FH_OUT_F32 ? 4 : 8;
                    int64_t *ip[4], nnz[4];
                    int32_t *ix[4];
                    double *dv[4];
                    for (int v = 0; v < 4; v++) {
                        o.paths = v < 3 ? v : FH_PATHS_FASTEST;
                        fh_corpus c = {docs[v], NULL, ND};
                        CHECK(run_batch(&c, &o, 1 + v % 2, NULL, &ip[v], &ix[v], &dv[v], &nnz[v]) ==
                              FH_OK);
                    }
                    for (int v = 1; v < 4; v++) {
                        int same = nnz[v] == nnz[0] &&
                                   memcmp(ip[v], ip[0], sizeof(int64_t) * (ND + 1)) == 0 &&
                                   memcmp(ix[v], ix[0], sizeof(int32_t) * (size_t)nnz[0]) == 0 &&
                                   memcmp(dv[v], dv[0], elem * (size_t)nnz[0]) == 0;
                        if (!same)
                            fprintf(stderr, "analyzer %d (%d, %d) n_features %u: variant %d differs\n",
                                    an, lo, hi, nfs[f], v);
                        CHECK(same);
                    }
                    for (int v = 0; v < 4; v++)
                        free(ip[v]), free(ix[v]), free(dv[v]);
                }
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = o.max_n = 1;
    o.n_features = 16;
    o.paths = 3;
    CHECK(fh_opts_check(&o) == FH_ERR_BADARG);
}

static void test_feature_hash(void)
{
    /* Every length 0..40, names preceded by 8 readable bytes (as in a str or bytes object):
     * the branch-free hash equals MurmurHash3 (run under ASAN: it never reads past the name). */
    uint32_t seed = 12345;
    for (int rep = 0; rep < 50; rep++) {
        for (size_t n = 0; n <= 40; n++) {
            uint8_t *block = malloc(8 + n);
            CHECK(block != NULL);
            for (size_t i = 0; i < 8 + n; i++) {
                seed = seed * 1103515245u + 12345u;
                block[i] = (uint8_t)(seed >> 16);
            }
            CHECK(fh_feature_hash(block + 8, n) == fh_murmur3_32(block + 8, n, 0));
            free(block);
        }
    }
    /* Crafted names: h == -2**31 (column 2**31 % n_features, negative) and h == 0. */
    const uint8_t names[] = "........aivlts3macdia99h";
    uint32_t key = fh_feature_entry(names + 8, 8, 1000, 0, 1);
    CHECK((key >> 1) == 648 && (key & 1) == 1);
    CHECK(fh_feature_entry(names + 8, 8, 1000, 0, 0) == 648u << 1); /* no alternate_sign */
    key = fh_feature_entry(names + 16, 8, 1024, 1023, 1);
    CHECK(key == 0);
    CHECK(fh_flip_sign(2.0, 1) == -2.0 && fh_flip_sign(2.0, 0) == 2.0);
    CHECK(signbit(fh_flip_sign(NAN, 1)) && !signbit(fh_flip_sign(NAN, 0)));
}

static void test_merge_rows(void)
{
    /* Row 0: columns 5, 2, 5, 2 (explicit zero in column 2); row 1 empty; row 2: 3 x col 7. */
    int64_t indptr[] = {0, 4, 4, 7}, oip[4];
    int32_t idx[] = {5, 2, 5, 2, 7, 7, 7}, oix[7];
    double v[] = {1.5, 1.0, 2.25, -1.0, 1.0, 2.0, -4.0}, ov[7];
    uint8_t fl[3];
    int sorted = -1;
    for (int threads = 1; threads <= 3; threads++) {
        CHECK(fh_merge_feature_rows_f64(indptr, 3, idx, v, 16, threads, NULL, oip, oix, ov, fl,
                                        &sorted) == FH_OK);
        CHECK(sorted == 0 && fl[0] == 0 && fl[1] == 0 && fl[2] == 0);
        CHECK(oip[0] == 0 && oip[1] == 2 && oip[2] == 2 && oip[3] == 3);
        CHECK(oix[0] == 2 && ov[0] == 0.0 && oix[1] == 5 && ov[1] == 3.75);
        CHECK(oix[2] == 7 && ov[2] == -1.0);
    }
    /* Three non-integers in row 2's column: that row stays raw, flagged; row 0 is merged. */
    double w[] = {1.5, 1.0, 2.25, -1.0, 0.5, 2.0, -4.0};
    CHECK(fh_merge_feature_rows_f64(indptr, 3, idx, w, 16, 2, NULL, oip, oix, ov, fl, &sorted) ==
          FH_OK);
    CHECK(fl[0] == 0 && fl[2] == FH_MERGE_RAW && oip[2] == 2 && oip[3] == 5);
    CHECK(oix[2] == 7 && ov[2] == 0.5 && ov[3] == 2.0 && ov[4] == -4.0);
    /* Two entries, one NaN: order-sensitive (NaN payloads). */
    double nan[] = {NAN, 1.0, 2.0, -1.0, 1.0, 2.0, -4.0};
    CHECK(fh_merge_feature_rows_f64(indptr, 3, idx, nan, 16, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_OK);
    CHECK(fl[0] == FH_MERGE_RAW && fl[2] == 0 && oip[1] == 4 && oix[0] == 5 && isnan(ov[0]));
    /* Sorted rows: all_sorted, nothing reordered. */
    int32_t up[] = {1, 2, 2, 3, 4, 4, 9};
    CHECK(fh_merge_feature_rows_f64(indptr, 3, up, v, 16, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_OK);
    CHECK(sorted == 1 && oip[1] == 3 && oip[3] == 5 && ov[1] == 3.25);
    /* float32: integers summing to 2**24 or more in a column of three are order-sensitive. */
    float f[] = {1.5f, 1.0f, 2.25f, -1.0f, 16777216.0f, 1.0f, 1.0f}, of[7];
    CHECK(fh_merge_feature_rows_f32(indptr, 3, idx, f, 16, 1, NULL, oip, oix, of, fl, &sorted) ==
          FH_OK);
    CHECK(fl[2] == FH_MERGE_RAW && of[2] == 16777216.0f);
    f[4] = 16777213.0f;
    CHECK(fh_merge_feature_rows_f32(indptr, 3, idx, f, 16, 1, NULL, oip, oix, of, fl, &sorted) ==
          FH_OK);
    CHECK(fl[2] == 0 && of[2] == 16777215.0f);
    /* Long rows: the bucket sort (100 entries) and the merge sort (5000 entries). */
    enum { N = 5000 };
    static int32_t li[N], lx[N];
    static double lv[N], lw[N];
    for (int n = 100; n <= N; n += N - 100) {
        int64_t lp[] = {0, n}, lo[2];
        uint8_t lf[1];
        for (int k = 0; k < n; k++) {
            li[k] = (int32_t)(((int64_t)k * 7919) % n); /* a permutation of 0..n-1 */
            lv[k] = k;
        }
        CHECK(fh_merge_feature_rows_f64(lp, 1, li, lv, N, 2, NULL, lo, lx, lw, lf, &sorted) == FH_OK);
        CHECK(lo[1] == n && lf[0] == 0 && sorted == 0);
        for (int k = 0; k < n; k++)
            CHECK(lx[k] == k && li[(int)lw[k]] == k);
    }
    /* Many rows, one collision per row: the same output for 1..4 threads. */
    enum { R = 3000 };
    static int64_t mp[R + 1], mo1[R + 1], mo[R + 1];
    static int32_t mi[3 * R], mx1[3 * R], mx[3 * R];
    static double mv[3 * R], mw1[3 * R], mw[3 * R];
    static uint8_t mf[R];
    for (int r = 0; r <= R; r++)
        mp[r] = 3 * (int64_t)r;
    for (int k = 0; k < 3 * R; k++) {
        mi[k] = (int32_t)((k * 40503u) % 997u) * (k % 3 != 2) + 5 * (k % 3 == 2);
        mv[k] = 0.5 + k;
    }
    CHECK(fh_merge_feature_rows_f64(mp, R, mi, mv, 997, 1, NULL, mo1, mx1, mw1, mf, &sorted) == FH_OK);
    for (int threads = 2; threads <= 4; threads++) {
        CHECK(fh_merge_feature_rows_f64(mp, R, mi, mv, 997, threads, NULL, mo, mx, mw, mf, &sorted) ==
              FH_OK);
        CHECK(memcmp(mo, mo1, sizeof mo) == 0 && memcmp(mx, mx1, sizeof(int32_t) * mo1[R]) == 0 &&
              memcmp(mw, mw1, sizeof(double) * mo1[R]) == 0);
    }
    /* Error paths. */
    int64_t bad[] = {0, 4, 3, 7};
    CHECK(fh_merge_feature_rows_f64(bad, 3, idx, v, 16, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_ERR_BADARG);
    int32_t neg[] = {5, -2, 5, 2, 7, 7, 7};
    CHECK(fh_merge_feature_rows_f64(indptr, 3, neg, v, 16, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_ERR_BADARG);
    CHECK(fh_merge_feature_rows_f64(indptr, 3, idx, v, 7, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_ERR_BADARG); /* column 7 >= n_cols */
    CHECK(fh_merge_feature_rows_f64(indptr, 3, idx, v, 0, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_ERR_BADARG);
    CHECK(fh_merge_feature_rows_f64(indptr, 3, NULL, v, 16, 1, NULL, oip, oix, ov, fl, &sorted) ==
          FH_ERR_BADARG);
}

/* ---------------------------------------------------------------- thread counts */

/* Rows of a batch of `n` word documents (several chunks) hashed with n_threads threads,
 * compared with one thread: 1 if equal. */
static int batch_equal_for_threads(const fh_corpus *c, const fh_opts *o, int n_threads)
{
    int64_t *ip1, *ip2, n1 = 0, n2 = 0;
    int32_t *ix1, *ix2;
    double *dv1, *dv2;
    int same = run_batch(c, o, 1, NULL, &ip1, &ix1, &dv1, &n1) == FH_OK &&
               run_batch(c, o, n_threads, NULL, &ip2, &ix2, &dv2, &n2) == FH_OK && n1 == n2 &&
               memcmp(ip1, ip2, sizeof(int64_t) * (size_t)(c->n_docs + 1)) == 0 &&
               memcmp(ix1, ix2, sizeof(int32_t) * (size_t)n1) == 0 &&
               memcmp(dv1, dv2, sizeof(double) * (size_t)n1) == 0;
    free(ip1), free(ix1), free(dv1), free(ip2), free(ix2), free(dv2);
    return same;
}

enum { CAP_DOCS = 9000 };
static char cap_text[CAP_DOCS][48];
static fh_doc cap_docs[CAP_DOCS];

static void cap_corpus(fh_corpus *c, fh_opts *o)
{
    for (int i = 0; i < CAP_DOCS; i++) {
        snprintf(cap_text[i], sizeof cap_text[i], "w%d x%d yy zz%d", i, i % 7, i % 1000);
        memset(&cap_docs[i], 0, sizeof cap_docs[i]);
        cap_docs[i].mode = FH_DOC_TEXT;
        cap_docs[i].text = ascii(cap_text[i]);
    }
    c->docs = cap_docs;
    c->features = NULL;
    c->n_docs = CAP_DOCS;
    memset(o, 0, sizeof *o);
    o->min_n = o->max_n = 1;
    o->n_features = 1u << 20;
    o->lowercase = 1;
    o->alternate_sign = 1;
    o->norm = FH_NORM_L2;
    o->out_type = FH_OUT_F64;
}

static void *caps_body(void *arg)
{
    /* Any thread count gives the rows of one thread, and never starts more threads than
     * there is work (a team of INT_MAX threads would exhaust the process, and GNU OpenMP
     * puts ~130 bytes per thread on the caller's stack). More threads than CPUs too. */
    int *ok = arg;
    fh_corpus c;
    fh_opts o;
    cap_corpus(&c, &o);
    const int counts[] = {2, 3, 7, 64, 300, 60000, 80000, INT_MAX, 0, -5, INT_MIN};
    *ok = 1;
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        *ok &= batch_equal_for_threads(&c, &o, counts[k]);
    /* the merge of FeatureHasher rows */
    enum { R = 40000 }; /* 160000 entries: a merge on 2 threads (65536 entries each at least) */
    static int64_t mp[R + 1], mo1[R + 1], mo[R + 1];
    static int32_t mi[4 * R], mx1[4 * R], mx[4 * R];
    static double mv[4 * R], mw1[4 * R], mw[4 * R];
    static uint8_t mf[R];
    int sorted;
    for (int r = 0; r <= R; r++)
        mp[r] = 4 * (int64_t)r;
    for (int k = 0; k < 4 * R; k++) {
        mi[k] = (int32_t)((k * 40503u) % 61u);
        mv[k] = k % 5;
    }
    *ok &= fh_merge_feature_rows_f64(mp, R, mi, mv, 64, 1, NULL, mo1, mx1, mw1, mf, &sorted) ==
           FH_OK;
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        *ok &= fh_merge_feature_rows_f64(mp, R, mi, mv, 64, counts[k], NULL, mo, mx, mw, mf,
                                         &sorted) == FH_OK;
        *ok &= memcmp(mo, mo1, sizeof mo) == 0 &&
               memcmp(mx, mx1, sizeof(int32_t) * (size_t)mo1[R]) == 0 &&
               memcmp(mw, mw1, sizeof(double) * (size_t)mo1[R]) == 0;
    }
    return NULL;
}

static void test_thread_caps(void)
{
    int ok = 0;
#ifdef FH_TEST_PTHREADS
    /* on a thread with a 256 KiB stack, as a Python thread may have */
    pthread_attr_t attr;
    pthread_t th;
    CHECK(pthread_attr_init(&attr) == 0);
    CHECK(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
    CHECK(pthread_create(&th, &attr, caps_body, &ok) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    pthread_attr_destroy(&attr);
#else
    caps_body(&ok);
#endif
    CHECK(ok);
}

/* ---------------------------------------------------------------- cancellation */

/* Run one document through a batch with a token cancelling at its k-th poll (k = 0: never);
 * returns the status, and the rows' fingerprint in *sum on FH_OK. */
static fh_status run_cancel(const fh_doc *d, const fh_text *feats, const fh_opts *o,
                            fh_cancel *cancel, int64_t k, int threads, double *sum)
{
    fh_corpus c = {d, feats, 1};
    fh_batch *b = NULL;
    int64_t bad = -1;
    fh_cancel_reset(cancel);
    fh_cancel_after_polls(cancel, k);
    fh_status st = fh_batch_run_ws(&c, o, threads, NULL, cancel, &b, &bad);
    if (st != FH_OK) {
        CHECK(b == NULL);
        return st;
    }
    int64_t nnz = fh_batch_nnz(b), ip[2];
    int32_t *ix = malloc(sizeof(int32_t) * (size_t)(nnz + 1));
    double *dv = malloc(sizeof(double) * (size_t)(nnz + 1));
    st = fh_batch_copy(b, threads, cancel, 0, ip, ix, dv);
    *sum = 0;
    for (int64_t i = 0; i < nnz; i++)
        *sum += ix[i] * dv[i];
    free(ix);
    free(dv);
    fh_batch_free(b);
    return st;
}

static void test_cancellation(void)
{
    /* Every analyzer path stops at each of its polling points in turn (under ASAN: without
     * a leak or a stray access), polls inside a long document (at least one poll per
     * FH_POLL_ITEMS code units), and gives its normal rows when never cancelled. */
    enum { L = 5 * (1 << 16) + 123 };
    static char text[L + 1];
    static uint16_t wide[L];
    static uint32_t wide4[L];
    unsigned s = 31;
    for (int i = 0; i < L; i++) {
        s = s * 1103515245u + 12345u;
        text[i] = "abcde fghAB  z\t"[(s >> 16) % 15];
        wide[i] = (s >> 20) % 7 == 0 ? 0x3A3 : (uint16_t)text[i];
        wide4[i] = (s >> 21) % 9 == 0 ? 0x1F600 : (uint32_t)wide[i];
    }
    text[L] = 0;
    fh_doc docs[4];
    memset(docs, 0, sizeof docs);
    docs[0].text = ascii(text);
    docs[1].text = (fh_text){wide, L, FH_KIND_UCS2, 0};
    docs[2].text = (fh_text){wide4, L, FH_KIND_UCS4, 0};
    /* a document of features (a Python analysis' output) */
    enum { NF = 3 * (1 << 16) };
    static fh_text feats[NF];
    for (int i = 0; i < NF; i++)
        feats[i] = (fh_text){text + (i % 1000), 1 + i % 9, FH_KIND_BYTES, 0};
    docs[3].mode = FH_DOC_FEATURES;
    docs[3].n_feat = NF;
    struct {
        int analyzer, token, lo, hi, paths, doc;
    } cases[] = {
        {FH_ANALYZER_WORD, FH_TOKEN_WORD2, 1, 1, 0, 0},
        {FH_ANALYZER_WORD, FH_TOKEN_NONSPACE, 1, 3, 0, 0},
        {FH_ANALYZER_WORD, FH_TOKEN_WORD1, -2, 2, 0, 1},
        {FH_ANALYZER_WORD, FH_TOKEN_NONSPACE, 1, 1, 0, 2},
        {FH_ANALYZER_CHAR, 0, 1, 5, 0, 0},
        {FH_ANALYZER_CHAR, 0, 2, 12, 0, 0},
        {FH_ANALYZER_CHAR, 0, 1, 3, FH_PATHS_REFERENCE, 0},
        {FH_ANALYZER_CHAR, 0, 0, 3, 0, 1},
        {FH_ANALYZER_CHAR_WB, 0, 2, 4, 0, 0},
        {FH_ANALYZER_CHAR_WB, 0, 1, 4, 0, 0},
        {FH_ANALYZER_CHAR_WB, 0, 2, 5, 0, 2},
        {FH_ANALYZER_WORD, FH_TOKEN_WORD2, 1, 1, 0, 3},
        /* char_wb on wide text: AVX2 (2**20 columns), scalar (1000), baseline ISA */
        {FH_ANALYZER_CHAR_WB, 0, 2, 4, 0, 1},
        {FH_ANALYZER_CHAR_WB, 0, 3, 5, 0, 2},
        {FH_ANALYZER_CHAR_WB, 0, 2, 4, FH_PATHS_BASELINE, 2},
        {FH_ANALYZER_CHAR_WB, 0, 2, 9, 0, 1},
        {FH_ANALYZER_CHAR_WB, 0, 3, 9, 0, 2},
    };
    fh_cancel *cancel = NULL;
    CHECK(fh_cancel_new(&cancel) == FH_OK);
    CHECK(!fh_cancel_requested(cancel) && !fh_cancel_poll(NULL) && !fh_cancel_requested(NULL));
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fh_opts o;
        memset(&o, 0, sizeof o);
        o.analyzer = cases[k].analyzer;
        o.token = cases[k].token;
        o.min_n = cases[k].lo;
        o.max_n = cases[k].hi;
        o.paths = cases[k].paths;
        o.n_features = k % 2 ? 1000 : 1u << 20;
        o.lowercase = 1;
        o.strip_accents = k == 3 ? 1 : 0;
        o.alternate_sign = 1;
        o.out_type = FH_OUT_F64;
        double want = 0, got = 0;
        const fh_doc *d = &docs[cases[k].doc];
        fh_status st = run_cancel(d, feats, &o, NULL, 0, 1, &want);
        CHECK(st == FH_OK);
        CHECK(run_cancel(d, feats, &o, cancel, 0, 2, &got) == FH_OK && got == want);
        int64_t polls = fh_cancel_polls(cancel);
        int64_t units = d->mode == FH_DOC_FEATURES ? NF : L;
        if (polls < units / FH_POLL_ITEMS)
            fprintf(stderr, "case %zu: %lld polls for %lld units\n", k, (long long)polls,
                    (long long)units);
        CHECK(polls >= units / FH_POLL_ITEMS);
        /* every polling point of a short run; about 40 spread over a long one (each
         * phase -- scanning, keys, every sort pass, sums, copy -- polls many times) */
        int64_t step = polls / 40 > 1 ? polls / 40 : 1;
        for (int64_t at = 1; at <= polls; at += at < 8 || at > polls - 8 ? 1 : step)
            CHECK(run_cancel(d, feats, &o, cancel, at, 1 + (int)(at % 2), &got) ==
                  FH_ERR_CANCELLED);
    }
    /* requested before the call: nothing runs */
    fh_cancel_reset(cancel);
    fh_cancel_request(cancel);
    CHECK(fh_cancel_requested(cancel));
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = o.max_n = 1;
    o.n_features = 16;
    o.out_type = FH_OUT_F64;
    fh_corpus c = {docs, NULL, 1};
    fh_batch *b = NULL;
    int64_t bad = -1;
    CHECK(fh_batch_run_ws(&c, &o, 1, NULL, cancel, &b, &bad) == FH_ERR_CANCELLED && !b);
    /* the merge of a long unsorted FeatureHasher row, at each poll */
    enum { N = 1 << 19 };
    static int64_t mp[2] = {0, N}, mo[2];
    static int32_t mi[N], mx[N];
    static double mv[N], mw[N];
    uint8_t mf[1];
    int sorted;
    for (int i = 0; i < N; i++) {
        mi[i] = (int32_t)(((int64_t)i * 7919) % 100003);
        mv[i] = 1.0;
    }
    fh_cancel_reset(cancel);
    CHECK(fh_merge_feature_rows_f64(mp, 1, mi, mv, 100003, 2, cancel, mo, mx, mw, mf,
                                    &sorted) == FH_OK);
    int64_t polls = fh_cancel_polls(cancel);
    CHECK(polls >= N / FH_POLL_ITEMS);
    for (int64_t at = 1; at <= polls; at += at < 8 || at > polls - 8 ? 1 : polls / 40 + 1) {
        fh_cancel_reset(cancel);
        fh_cancel_after_polls(cancel, at);
        CHECK(fh_merge_feature_rows_f64(mp, 1, mi, mv, 100003, 2, cancel, mo, mx, mw, mf,
                                        &sorted) == FH_ERR_CANCELLED);
    }
    fh_cancel_free(cancel);
}

int main(void)
{
    test_feature_hash();
    test_merge_rows();
    test_murmur();
    test_murmur_spans();
    test_keys();
    test_sort_and_sum();
    test_sort_network();
    test_tokenizer();
    test_grouped_tokens();
    test_errors();
    test_workspace();
    test_agg_keys();
    test_char_paths();
    test_thread_caps();
    test_cancellation();
    printf("unicode %s, openmp %d: %s\n", fh_unicode_version(), fh_openmp_enabled(),
           failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
