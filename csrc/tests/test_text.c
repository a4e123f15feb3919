/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of non-ASCII text: UTF-8 views (validation exactly as Python's strict
 * decoder, the same rows as the decoded text), and the character and word analyzers'
 * paths on random non-ASCII text (fastest, baseline ISA, reference: the same rows). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_cancel.h"
#include "fh_hashing.h"
#include "fh_test.h"
#include "fh_tokenize.h"
#include "fh_tokenize_impl.h"
#include "fh_unicode_impl.h"
#include "fh_utf8.h"

/* ---------------------------------------------------------------- random text */

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Code points the analyzers treat specially, by pool. */
static const uint32_t pool_ascii[] = {'a', 'b', 'c', 'A', 'B', 'z', '0', '_', '.', ',', '\'',
                                      '-', 0};
static const uint32_t pool_space[] = {' ', ' ', ' ', '\t', '\n', 0x0B, 0x0C, 0x0D, 0x1C, 0x1F,
                                      0x85, 0xA0, 0x1680, 0x2000, 0x2028, 0x2029, 0x3000};
static const uint32_t pool_latin[] = {0xE9, 0xC9, 0xDF, 0xE4, 0xC4, 0xF1, 0xB4, 0xA8, 0xAA,
                                      0xB5, 0xFF, 0xD7};
static const uint32_t pool_greek[] = {0x3A3, 0x3A3, 0x3C3, 0x3C2, 0x391, 0x3B1, 0x3AC, 0x390,
                                      0x3B0, 0x345, 0x1F88, 0x1FBC};
static const uint32_t pool_cyrillic[] = {0x410, 0x430, 0x416, 0x436, 0x401, 0x451, 0x42F,
                                         0x44F, 0x406, 0x456};
static const uint32_t pool_cjk[] = {0x4E00, 0x4E2D, 0x6587, 0x3042, 0x30A2, 0xAC00, 0xD55C,
                                    0xFF21, 0xFF41, 0x3001, 0x3002};
static const uint32_t pool_indic[] = {0x915, 0x93F, 0x94D, 0x937, 0x930, 0x947, 0x902, 0x966,
                                      0x627, 0x644, 0x64E, 0x5D0, 0x5B7};
static const uint32_t pool_special[] = {0x130, 0x49, 0x131, 0x1E9E, 0xFB01, 0xFB03, 0x149,
                                        0x1F0, 0x212A, 0x2126, 0x301, 0x308, 0x200B, 0xFEFF,
                                        0x1C5, 0x2160, 0x24B6, 0};
static const uint32_t pool_astral[] = {0x1F600, 0x10400, 0x10428, 0x1D400, 0x20000, 0x1E900,
                                       0x10FFFF};

typedef struct {
    const uint32_t *cp;
    int n;
} pool;

#define POOL(P) {P, (int)(sizeof P / sizeof P[0])}

/* A random text of n code points; profile 0 stays in the BMP, 1 may hold astral code
 * points. Words of a small vocabulary repeat, so that n-grams repeat. */
static void random_text(uint32_t *out, int n, uint32_t *seed, int profile)
{
    const pool pools[] = {POOL(pool_ascii),    POOL(pool_space), POOL(pool_latin),
                          POOL(pool_greek),    POOL(pool_cyrillic), POOL(pool_cjk),
                          POOL(pool_indic),    POOL(pool_special), POOL(pool_astral)};
    const int n_pools = profile ? 9 : 8;
    uint32_t vocab[6][5];
    int vlen[6];
    for (int v = 0; v < 6; v++) {
        vlen[v] = 1 + (int)(rnd(seed) % 5);
        const pool *p = &pools[rnd(seed) % n_pools];
        for (int k = 0; k < vlen[v]; k++)
            vocab[v][k] = p->cp[rnd(seed) % (uint32_t)p->n];
    }
    int i = 0;
    while (i < n) {
        uint32_t r = rnd(seed) % 10;
        if (r < 5) { /* a word of the vocabulary, then maybe a space */
            int v = (int)(rnd(seed) % 6);
            for (int k = 0; k < vlen[v] && i < n; k++)
                out[i++] = vocab[v][k];
            if (i < n && rnd(seed) % 2)
                out[i++] = ' ';
        } else {
            const pool *p = &pools[r == 5 ? 1 : rnd(seed) % n_pools];
            out[i++] = p->cp[rnd(seed) % (uint32_t)p->n];
        }
    }
}

/* UTF-8 of n code points (no surrogates), independently of the core's encoder. */
static int64_t encode_utf8(const uint32_t *cp, int n, uint8_t *out)
{
    int64_t k = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c < 0x80) {
            out[k++] = (uint8_t)c;
        } else if (c < 0x800) {
            out[k++] = (uint8_t)(0xC0 | (c >> 6));
            out[k++] = (uint8_t)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[k++] = (uint8_t)(0xE0 | (c >> 12));
            out[k++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            out[k++] = (uint8_t)(0xF0 | (c >> 18));
            out[k++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            out[k++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    return k;
}

/* A text of n code points as the narrowest PEP 393 view, with storage in buf (4 * n
 * bytes). */
static fh_text narrow_view(const uint32_t *cp, int n, void *buf)
{
    uint32_t mx = 0;
    for (int i = 0; i < n; i++)
        mx = cp[i] > mx ? cp[i] : mx;
    fh_text t = {buf, n, FH_KIND_UCS4, mx < 0x80};
    if (mx < 0x100) {
        for (int i = 0; i < n; i++)
            ((uint8_t *)buf)[i] = (uint8_t)cp[i];
        t.kind = FH_KIND_UCS1;
    } else if (mx < 0x10000) {
        for (int i = 0; i < n; i++)
            ((uint16_t *)buf)[i] = (uint16_t)cp[i];
        t.kind = FH_KIND_UCS2;
    } else {
        memcpy(buf, cp, sizeof(uint32_t) * (size_t)n);
    }
    return t;
}

/* ---------------------------------------------------------------- rows */

typedef struct {
    fh_status st;
    size_t elem; /* bytes per value */
    int64_t bad, nnz, *ip;
    int32_t *ix;
    double *dv;
} rows;

static rows run_rows(const fh_doc *docs, int64_t n_docs, const fh_opts *o, int threads)
{
    rows r;
    fh_corpus c = {docs, NULL, n_docs};
    r.nnz = 0;
    r.elem = o->out_type == FH_OUT_F32 ? 4 : 8;
    r.st = run_batch_bad(&c, o, threads, NULL, &r.ip, &r.ix, &r.dv, &r.nnz, &r.bad);
    return r;
}

static int rows_equal(const rows *a, const rows *b, int64_t n_docs)
{
    if (a->st != b->st || a->bad != b->bad)
        return 0;
    if (a->st != FH_OK)
        return 1;
    return a->nnz == b->nnz && memcmp(a->ip, b->ip, sizeof(int64_t) * (size_t)(n_docs + 1)) == 0 &&
           memcmp(a->ix, b->ix, sizeof(int32_t) * (size_t)a->nnz) == 0 &&
           memcmp(a->dv, b->dv, a->elem * (size_t)a->nnz) == 0;
}

static void rows_free(rows *r)
{
    free(r->ip);
    free(r->ix);
    free(r->dv);
}

/* The analyzer configurations compared below. */
typedef struct {
    int analyzer, token, lo, hi;
} config;

static const config configs[] = {
    {FH_ANALYZER_WORD, FH_TOKEN_WORD2, 1, 1},  {FH_ANALYZER_WORD, FH_TOKEN_WORD1, 1, 2},
    {FH_ANALYZER_WORD, FH_TOKEN_NONSPACE, 1, 3}, {FH_ANALYZER_WORD, FH_TOKEN_WORD2, -1, 2},
    {FH_ANALYZER_CHAR, 0, 1, 1},               {FH_ANALYZER_CHAR, 0, 1, 3},
    {FH_ANALYZER_CHAR, 0, 2, 5},               {FH_ANALYZER_CHAR, 0, 3, 8},
    {FH_ANALYZER_CHAR, 0, 2, 12},              {FH_ANALYZER_CHAR, 0, 0, 2},
    {FH_ANALYZER_CHAR, 0, -2, 3},              {FH_ANALYZER_CHAR, 0, 5, 5},
    {FH_ANALYZER_CHAR_WB, 0, 2, 4},            {FH_ANALYZER_CHAR_WB, 0, 2, 5},
    {FH_ANALYZER_CHAR_WB, 0, 3, 4},            {FH_ANALYZER_CHAR_WB, 0, 3, 8},
    {FH_ANALYZER_CHAR_WB, 0, 1, 3},            {FH_ANALYZER_CHAR_WB, 0, 4, 6},
    {FH_ANALYZER_CHAR_WB, 0, 2, 10},           {FH_ANALYZER_CHAR_WB, 0, 0, 2},
};
#define N_CONFIGS ((int)(sizeof configs / sizeof configs[0]))

static fh_opts make_opts(const config *cf, int variant)
{
    static const uint32_t nfs[] = {1u << 20, 1000, 16, 2147483647u, 1u << 10, 7};
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.analyzer = cf->analyzer;
    o.token = cf->token;
    o.min_n = cf->lo;
    o.max_n = cf->hi;
    o.n_features = nfs[variant % 6];
    o.lowercase = variant % 3 != 2;
    o.strip_accents = (variant / 2) % 3;
    o.alternate_sign = variant % 5 != 1;
    o.binary = variant % 7 == 3;
    o.out_type = variant % 4 == 1 ? FH_OUT_F32 : variant % 4 == 2 ? FH_OUT_I64 : FH_OUT_F64;
    o.norm = o.out_type == FH_OUT_I64 ? FH_NORM_NONE : variant % 3;
    return o;
}

/* ---------------------------------------------------------------- UTF-8 */

static void test_utf8_check(void)
{
    /* Python's strict "utf-8" decoder: valid or not, and where the first error starts
     * (UnicodeDecodeError.start); the narrowest kind of valid text. */
    static const struct {
        const char *s;
        int64_t len, error_at;
        int kind, ascii;
        int64_t n_cp;
    } cases[] = {
        {"", 0, -1, FH_KIND_UCS1, 1, 0},
        {"abc\0d", 5, -1, FH_KIND_UCS1, 1, 5},
        {"caf\xc3\xa9", 5, -1, FH_KIND_UCS1, 0, 4},
        {"\xc2\x80\xc3\xbf", 4, -1, FH_KIND_UCS1, 0, 2},
        {"\xc4\x80", 2, -1, FH_KIND_UCS2, 0, 1},
        {"\xef\xbb\xbfx", 4, -1, FH_KIND_UCS2, 0, 2}, /* a BOM is kept: U+FEFF */
        {"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", 12, -1, FH_KIND_UCS2, 0, 4},
        {"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8, -1, FH_KIND_UCS4, 0, 2},
        {"\x80", 1, 0, 0, 0, 0},                 /* stray continuation byte */
        {"a\xc0\x80", 3, 1, 0, 0, 0},            /* overlong NUL */
        {"ab\xc1\xbf", 4, 2, 0, 0, 0},           /* overlong */
        {"\xe0\x9f\xbf", 3, 0, 0, 0, 0},         /* overlong 3-byte */
        {"x\xed\xa0\x80", 4, 1, 0, 0, 0},        /* a surrogate */
        {"\xed\xbf\xbf", 3, 0, 0, 0, 0},         /* a surrogate */
        {"\xf0\x8f\xbf\xbf", 4, 0, 0, 0, 0},     /* overlong 4-byte */
        {"\xf4\x90\x80\x80", 4, 0, 0, 0, 0},     /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0, 0, 0, 0},
        {"\xff", 1, 0, 0, 0, 0},
        {"abcdefgh\xfe", 9, 8, 0, 0, 0},
        {"ab\xe2\x82", 4, 2, 0, 0, 0},           /* cut short at the end */
        {"\xf0\x90\x80", 3, 0, 0, 0, 0},
        {"\xe2\x82\x41", 3, 0, 0, 0, 0},         /* an ASCII byte inside a sequence */
        {"\xc3\xa9\xc3", 3, 2, 0, 0, 0},
        {"\xc3\xa9\xc3\xc3\xa9", 5, 2, 0, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fh_utf8_info info;
        fh_status st = fh_utf8_check((const uint8_t *)cases[k].s, cases[k].len, NULL, &info);
        int ok = cases[k].error_at < 0
                     ? st == FH_OK && info.error_at == -1 && info.kind == cases[k].kind &&
                           info.ascii == cases[k].ascii && info.n_cp == cases[k].n_cp
                     : st == FH_ERR_DECODE && info.error_at == cases[k].error_at;
        if (!ok)
            fprintf(stderr, "utf8 case %zu: status %d, error at %lld\n", k, (int)st,
                    (long long)info.error_at);
        CHECK(ok);
    }
    /* an error after a long ASCII run, at every alignment; across a poll boundary */
    enum { N = 3 * (1 << 16) + 40 };
    static uint8_t buf[N];
    memset(buf, 'a', sizeof buf);
    for (int64_t at = N - 37; at < N; at++) {
        buf[at] = 0xE9;
        fh_utf8_info info;
        CHECK(fh_utf8_check(buf, N, NULL, &info) == FH_ERR_DECODE && info.error_at == at);
        buf[at] = 'a';
    }
    for (int64_t at = (1 << 16) - 3; at < (1 << 16) + 3; at++) {
        /* a valid 4-byte sequence straddling a poll block boundary */
        memcpy(buf + at, "\xf0\x9f\x98\x80", 4);
        fh_utf8_info info;
        CHECK(fh_utf8_check(buf, N, NULL, &info) == FH_OK && info.kind == FH_KIND_UCS4 &&
              info.n_cp == N - 3);
        buf[at + 3] = 'a'; /* cut short */
        CHECK(fh_utf8_check(buf, N, NULL, &info) == FH_ERR_DECODE && info.error_at == at);
        memset(buf + at, 'a', 4);
    }
}

/* UTF-8 documents give the rows of the text they decode to, for every analyzer and option
 * (a lone surrogate cannot be in valid UTF-8: those are tested with wide text below). */
static void test_utf8_rows(void)
{
    enum { ND = 60, MAXLEN = 3000 };
    static uint32_t cps[ND][MAXLEN];
    static uint32_t wide[ND][MAXLEN];
    static uint8_t u8[ND][4 * MAXLEN];
    static fh_doc dw[ND], du[ND], dh[ND];
    uint32_t seed = 99;
    for (int i = 0; i < ND; i++) {
        int n = i < 5 ? i : i == ND - 1 ? MAXLEN : (int)(rnd(&seed) % 400);
        random_text(cps[i], n, &seed, i % 3 == 0);
        if (i % 7 == 3) /* all ASCII: the UTF-8 view is the text itself */
            for (int k = 0; k < n; k++)
                cps[i][k] = cps[i][k] < 0x80 ? cps[i][k] : 'x';
        memset(&dw[i], 0, sizeof dw[i]);
        dw[i].mode = FH_DOC_TEXT;
        dw[i].text = narrow_view(cps[i], n, wide[i]);
        du[i] = dw[i];
        du[i].text = (fh_text){u8[i], encode_utf8(cps[i], n, u8[i]), FH_KIND_UTF8, 0};
        dh[i] = du[i];
        dh[i].text.ascii = dw[i].text.ascii; /* the hint, where it holds */
    }
    for (int c = 0; c < N_CONFIGS; c++)
        for (int v = 0; v < 6; v++) {
            fh_opts o = make_opts(&configs[c], 5 * c + v);
            o.paths = v % 3;
            rows a = run_rows(dw, ND, &o, 1 + v % 2);
            rows b = run_rows(du, ND, &o, 2 - v % 2);
            rows h = run_rows(dh, ND, &o, 1);
            CHECK(a.st == FH_OK);
            int same = rows_equal(&a, &b, ND) && rows_equal(&a, &h, ND);
            if (!same)
                fprintf(stderr, "utf8 rows: config %d variant %d differ\n", c, v);
            CHECK(same);
            rows_free(&a);
            rows_free(&b);
            rows_free(&h);
        }
}

/* The first invalid UTF-8 document is reported, whatever the thread count and whatever
 * fails in later documents; pre-analysed UTF-8 features are validated too. */
static void test_utf8_errors(void)
{
    enum { ND = 5000 };
    static fh_doc docs[ND];
    static char text[ND][32];
    for (int i = 0; i < ND; i++) {
        snprintf(text[i], sizeof text[i], "d\xc3\xa9j\xc3\xa0 %d vu", i);
        memset(&docs[i], 0, sizeof docs[i]);
        docs[i].mode = FH_DOC_TEXT;
        docs[i].text = (fh_text){text[i], (int64_t)strlen(text[i]), FH_KIND_UTF8, 0};
    }
    text[4500][1] = (char)0xFF;
    text[4200][2] = 'x'; /* \xc3 then 'x' */
    uint16_t sur[] = {'a', 0xD800, 'b'};
    docs[4300].text = (fh_text){sur, 3, FH_KIND_UCS2, 0}; /* a lone surrogate, later */
    for (int a = FH_ANALYZER_WORD; a <= FH_ANALYZER_CHAR_WB; a++)
        for (int threads = 1; threads <= 3; threads++) {
            /* (\S+ tokens: \w never holds a surrogate) */
            fh_opts o = make_opts(&configs[a == FH_ANALYZER_WORD ? 2 : a == FH_ANALYZER_CHAR ? 6 : 12], 0);
            rows r = run_rows(docs, ND, &o, threads);
            CHECK(r.st == FH_ERR_DECODE && r.bad == 4200);
            rows_free(&r);
            r = run_rows(docs + 4201, ND - 4201, &o, threads);
            CHECK(r.st == FH_ERR_ENCODE && r.bad == 4300 - 4201);
            rows_free(&r);
            r = run_rows(docs + 4301, ND - 4301, &o, threads);
            CHECK(r.st == FH_ERR_DECODE && r.bad == 4500 - 4301);
            rows_free(&r);
        }
    /* features */
    fh_text feats[3] = {{"ok", 2, FH_KIND_UTF8, 1},
                        {"\xc3\xa9t\xc3\xa9", 5, FH_KIND_UTF8, 0},
                        {"\xed\xa0\x80", 3, FH_KIND_UTF8, 0}};
    fh_doc fd[2];
    memset(fd, 0, sizeof fd);
    fd[0].mode = fd[1].mode = FH_DOC_FEATURES;
    fd[0].n_feat = 2;
    fd[1].feat_start = 2;
    fd[1].n_feat = 1;
    fh_corpus c = {fd, feats, 2};
    fh_opts o = make_opts(&configs[0], 0);
    fh_batch *b = NULL;
    int64_t bad = -1;
    CHECK(fh_batch_run(&c, &o, 2, &b, &bad) == FH_ERR_DECODE && bad == 1 && !b);
    c.n_docs = 1;
    CHECK(fh_batch_run(&c, &o, 2, &b, &bad) == FH_OK && fh_batch_nnz(b) == 2);
    fh_batch_free(b);
    /* a UTF-8 feature hashes as the same text in UCS form */
    uint16_t ete[] = {0xE9, 't', 0xE9};
    fh_text f2[2] = {{"ok", 2, FH_KIND_UCS1, 1}, {ete, 3, FH_KIND_UCS2, 0}};
    int64_t *ip1, *ip2, n1 = 0, n2 = 0;
    int32_t *ix1, *ix2;
    double *dv1, *dv2;
    fh_corpus c2 = {fd, f2, 1};
    CHECK(run_batch(&c, &o, 1, NULL, &ip1, &ix1, &dv1, &n1) == FH_OK);
    CHECK(run_batch(&c2, &o, 1, NULL, &ip2, &ix2, &dv2, &n2) == FH_OK);
    CHECK(n1 == n2 && n1 == 2 && memcmp(ix1, ix2, 8) == 0 && memcmp(dv1, dv2, 16) == 0);
    free(ip1), free(ix1), free(dv1), free(ip2), free(ix2), free(dv2);
    /* the debug listing of a UTF-8 document's features equals that of its decoded text */
    fh_doc d1, d2;
    memset(&d1, 0, sizeof d1);
    memset(&d2, 0, sizeof d2);
    d1.mode = d2.mode = FH_DOC_TEXT;
    d1.text = (fh_text){"\xce\xa3\xce\x91\xce\xa3 x", 8, FH_KIND_UTF8, 0};
    uint16_t sas[] = {0x3A3, 0x391, 0x3A3, ' ', 'x'};
    d2.text = (fh_text){sas, 5, FH_KIND_UCS2, 0};
    fh_opts oc = make_opts(&configs[6], 0);
    uint8_t *buf1, *buf2;
    int64_t *off1, *off2, nf1, nf2;
    CHECK(fh_doc_features(&d1, NULL, &oc, &buf1, &off1, &nf1) == FH_OK);
    CHECK(fh_doc_features(&d2, NULL, &oc, &buf2, &off2, &nf2) == FH_OK);
    CHECK(nf1 == nf2 && nf1 > 0 && memcmp(off1, off2, sizeof(int64_t) * (size_t)(nf1 + 1)) == 0 &&
          memcmp(buf1, buf2, (size_t)off1[nf1]) == 0);
    fh_free(buf1), fh_free(off1), fh_free(buf2), fh_free(off2);
    d1.text.len = 3; /* cut inside a sequence */
    CHECK(fh_doc_features(&d1, NULL, &oc, &buf1, &off1, &nf1) == FH_ERR_DECODE);
}

/* fh_wide_may_be_special flags every code unit a flat table marks special (the recording
 * of wide text counts tokens only after it: a special code point it missed would fail the
 * recording), and only those, in the vector part of a text and in its tail. */
static void test_wide_may_be_special(void)
{
#if FH_MURMUR3_AVX2
    if (!__builtin_cpu_supports("avx2"))
        return;
    enum { N = 37 }; /* two vectors of 16 and a tail of 5 */
    uint16_t text[N];
    int missed = 0, extra = 0;
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        for (int k = 0; k < N; k++)
            text[k] = 'a';
        text[cp % N] = (uint16_t)cp;
        const int special = ((fh_u_flat_lower[cp] | fh_u_flat_keep[cp]) & FH_UF_SPECIAL) != 0;
        const int flagged = fh_wide_may_be_special(text, N);
        missed += special && !flagged;
        extra += flagged && !special;
    }
    CHECK(missed == 0 && extra == 0);
    CHECK(fh_wide_may_be_special(text, 0) == 0);
#endif
}

int main(void)
{
    test_utf8_check();
    test_utf8_rows();
    test_utf8_errors();
    test_wide_may_be_special();
    printf("text: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
