/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of the recorder (fh_record.h): its counts equal a naive count of the
 * features fh_doc_features lists, whatever the thread count; the cap, the dropped tallies,
 * automatic trimming, merging by fh_recorder_add, cancellation and bad arguments; runs
 * large enough that the threads' maps are merged on several threads (a late pool worker
 * included) leave the same state as one thread; a tally's reservation (fh_tally_reserve),
 * and the expansion's (sized once, whichever thread does the work). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_cancel.h"
#include "fh_hashing.h"
#include "fh_murmur3.h"
#include "fh_pool.h"
#include "fh_record.h"
#include "fh_tally.h"
#include "fh_test.h"

static fh_opts word_opts(uint32_t n_features, int analyzer, int64_t min_n, int64_t max_n)
{
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = min_n;
    o.max_n = max_n;
    o.analyzer = analyzer;
    o.n_features = n_features;
    o.lowercase = 1;
    o.alternate_sign = 1;
    o.norm = FH_NORM_NONE;
    o.out_type = FH_OUT_F64;
    o.token = FH_TOKEN_WORD2;
    return o;
}

/* A dump of r (arrays malloc'ed; free with dump_free). */
typedef struct {
    int64_t n, m;
    int32_t *cols, *ccols;
    uint32_t *hashes;
    int64_t *counts, *offsets, *ctok, *ccnt;
    uint8_t *bytes;
} dump;

static dump take_dump(const fh_recorder *r)
{
    dump d;
    d.n = fh_recorder_n_tokens(r);
    d.m = fh_recorder_n_capped(r);
    d.cols = malloc(sizeof(int32_t) * (size_t)(d.n + 1));
    d.hashes = malloc(sizeof(uint32_t) * (size_t)(d.n + 1));
    d.counts = malloc(sizeof(int64_t) * (size_t)(d.n + 1));
    d.offsets = malloc(sizeof(int64_t) * (size_t)(d.n + 1));
    d.bytes = malloc((size_t)fh_recorder_n_bytes(r) + 1);
    d.ccols = malloc(sizeof(int32_t) * (size_t)(d.m + 1));
    d.ctok = malloc(sizeof(int64_t) * (size_t)(d.m + 1));
    d.ccnt = malloc(sizeof(int64_t) * (size_t)(d.m + 1));
    CHECK(fh_recorder_dump(r, d.cols, d.hashes, d.counts, d.offsets, d.bytes, d.ccols, d.ctok,
                           d.ccnt) == FH_OK);
    return d;
}

static void dump_free(dump *d)
{
    free(d->cols);
    free(d->hashes);
    free(d->counts);
    free(d->offsets);
    free(d->bytes);
    free(d->ccols);
    free(d->ctok);
    free(d->ccnt);
}

static int dumps_equal(const dump *a, const dump *b)
{
    if (a->n != b->n || a->m != b->m)
        return 0;
    if (a->n && (memcmp(a->cols, b->cols, sizeof(int32_t) * (size_t)a->n) ||
                 memcmp(a->hashes, b->hashes, sizeof(uint32_t) * (size_t)a->n) ||
                 memcmp(a->counts, b->counts, sizeof(int64_t) * (size_t)a->n) ||
                 memcmp(a->offsets, b->offsets, sizeof(int64_t) * (size_t)(a->n + 1)) ||
                 memcmp(a->bytes, b->bytes, (size_t)a->offsets[a->n])))
        return 0;
    if (a->m && (memcmp(a->ccols, b->ccols, sizeof(int32_t) * (size_t)a->m) ||
                 memcmp(a->ctok, b->ctok, sizeof(int64_t) * (size_t)a->m) ||
                 memcmp(a->ccnt, b->ccnt, sizeof(int64_t) * (size_t)a->m)))
        return 0;
    return 1;
}

/* Count of feature p[0..len) in the dump, 0 if absent; checks its column and hash. */
static int64_t dump_count(const dump *d, const uint8_t *p, int64_t len, uint32_t n_features)
{
    uint32_t h = fh_murmur3_32(p, (size_t)len, 0);
    for (int64_t i = 0; i < d->n; i++) {
        if (d->offsets[i + 1] - d->offsets[i] == len &&
            memcmp(d->bytes + d->offsets[i], p, (size_t)len) == 0) {
            CHECK(d->hashes[i] == h);
            CHECK((uint32_t)d->cols[i] == fh_feature_key(h, n_features, 0, 0) >> 1);
            return d->counts[i];
        }
    }
    return 0;
}

static const char *DOCS[] = {
    "The quick brown fox jumps over the lazy dog",
    "the fox the fox THE FOX",
    "",
    "caf\xc3\xa9 na\xc3\xafve",
    "a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh iiiiiiiii jjjjjjjjjj",
    "repeat repeat repeat repeat",
    /* multi-byte text (UCS-2 and UCS-4 once decoded), case mapped */
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 "
    "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
    "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80\xf0\x9f\x98\x80 x\xf0\x9f\x98\x80y",
    /* features of 15 to 40 bytes: both sides of the tally's 16 inline bytes */
    "abcdefghijklmno abcdefghijklmnop abcdefghijklmnopq abcdefghijklmnopqr "
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmn abcdefghijklmnop",
    "x\ty\nz  w\x0bv \xc3\x89T\xc3\x89 \xc3\xa9t\xc3\xa9",
};
#define N_DOCS ((int)(sizeof DOCS / sizeof DOCS[0]))

static void make_corpus(fh_doc *docs, fh_corpus *c, int copies)
{
    for (int k = 0; k < copies; k++) {
        for (int i = 0; i < N_DOCS; i++) {
            fh_doc *d = &docs[k * N_DOCS + i];
            memset(d, 0, sizeof *d);
            d->mode = FH_DOC_TEXT;
            d->text.data = DOCS[i];
            d->text.len = (int64_t)strlen(DOCS[i]);
            d->text.kind = FH_KIND_UTF8;
        }
    }
    c->docs = docs;
    c->features = NULL;
    c->n_docs = (int64_t)copies * N_DOCS;
}

static void test_counts_of(int analyzer, int64_t min_n, int64_t max_n, const fh_stopset *stop,
                           int n_docs, int copies)
{
    static fh_doc docs[40 * N_DOCS];
    fh_corpus c;
    make_corpus(docs, &c, copies);
    c.n_docs = (int64_t)copies * n_docs; /* the first n_docs documents, copies times */
    for (int k = 0; k < copies; k++)
        for (int i = 0; i < n_docs; i++)
            docs[k * n_docs + i] = docs[i];
    const uint32_t nf = 1000;
    fh_opts o = word_opts(nf, analyzer, min_n, max_n);
    o.stop = stop;
    dump d[2];
    for (int t = 0; t < 2; t++) {
        fh_recorder *r = NULL;
        int64_t bad = 0;
        CHECK(fh_recorder_new(nf, 0, &r) == FH_OK);
        CHECK(fh_recorder_run(r, &c, &o, t == 0 ? 1 : 3, NULL, &bad) == FH_OK);
        CHECK(bad == -1);
        d[t] = take_dump(r);
        fh_recorder_free(r);
    }
    CHECK(dumps_equal(&d[0], &d[1]));
    /* every feature of every document, counted naively */
    int64_t total = 0, distinct_ok = 1;
    for (int i = 0; i < n_docs; i++) {
        uint8_t *buf;
        int64_t *off, n;
        CHECK(fh_doc_features(&docs[i], NULL, &o, &buf, &off, &n) == FH_OK);
        for (int64_t k = 0; k < n; k++) {
            int64_t len = off[k + 1] - off[k], expect = 0;
            for (int j = 0; j < n_docs; j++) { /* occurrences in the whole corpus */
                uint8_t *b2;
                int64_t *o2, n2;
                CHECK(fh_doc_features(&docs[j], NULL, &o, &b2, &o2, &n2) == FH_OK);
                for (int64_t q = 0; q < n2; q++)
                    expect += o2[q + 1] - o2[q] == len &&
                              memcmp(b2 + o2[q], buf + off[k], (size_t)len) == 0;
                fh_free(b2);
                fh_free(o2);
            }
            distinct_ok &= dump_count(&d[0], buf + off[k], len, nf) == copies * expect;
        }
        total += n;
        fh_free(buf);
        fh_free(off);
    }
    CHECK(distinct_ok);
    int64_t sum = 0;
    for (int64_t i = 0; i < d[0].n; i++)
        sum += d[0].counts[i];
    CHECK(sum == copies * total);
    /* sorted by column, then count descending */
    for (int64_t i = 1; i < d[0].n; i++)
        CHECK(d[0].cols[i - 1] < d[0].cols[i] ||
              (d[0].cols[i - 1] == d[0].cols[i] && d[0].counts[i - 1] >= d[0].counts[i]));
    dump_free(&d[0]);
    dump_free(&d[1]);
}

/* The recorder's counts equal a naive count of fh_doc_features, for 1 and 3 threads: the
 * whole corpus 40 times, and its first document alone (fewer features than the tallies
 * keep on their way). */
static void test_counts(int analyzer, int64_t min_n, int64_t max_n, const fh_stopset *stop)
{
    test_counts_of(analyzer, min_n, max_n, stop, N_DOCS, 40);
    test_counts_of(analyzer, min_n, max_n, stop, 1, 1);
}

/* "w<i> " at p; returns its length. */
static int64_t put_word(char *p, int i)
{
    char digits[16];
    int n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    p[0] = 'w';
    for (int k = 0; k < n; k++)
        p[1 + k] = digits[n - 1 - k];
    p[n + 1] = ' ';
    return n + 2;
}

/* A document of the ASCII text p[0 .. len). */
static fh_doc ascii_doc(const char *p, int64_t len)
{
    fh_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.mode = FH_DOC_TEXT;
    doc.text.data = p;
    doc.text.len = len;
    doc.text.kind = FH_KIND_UCS1;
    doc.text.ascii = 1;
    return doc;
}

/* Many distinct features in few columns: trimmed while recording, at most the cap kept.
 * More distinct features in one document than a thread's tally holds before it is added
 * to the map (FH_RECORD_TALLY_MAX at most). */
static void test_cap_and_trim(void)
{
    enum { N = 600000 };
    _Static_assert(N > FH_RECORD_TALLY_MAX, "one document overflows the tally");
    static char text[(size_t)N * 8 + 1];
    int64_t at = 0;
    for (int i = 0; i < N; i++)
        at += put_word(text + at, i);
    fh_doc doc = ascii_doc(text, at);
    fh_doc docs[2] = {doc, doc};
    fh_corpus c = {docs, NULL, 2};
    fh_opts o = word_opts(100, FH_ANALYZER_WORD, 1, 1);
    fh_recorder *r = NULL, *r2 = NULL;
    int64_t bad;
    CHECK(fh_recorder_new(100, 3, &r) == FH_OK);
    CHECK(fh_recorder_run(r, &c, &o, 2, NULL, &bad) == FH_OK);
    CHECK(fh_recorder_n_tokens(r) <= 300); /* trimmed by the run itself */
    CHECK(fh_recorder_trim(r) == FH_OK);
    dump d = take_dump(r);
    CHECK(d.n == 300 && d.m == 100);
    int64_t kept = 0, dropped = 0, dropped_tokens = 0;
    for (int64_t i = 0; i < d.n; i++)
        kept += d.counts[i];
    for (int64_t i = 0; i < d.m; i++) {
        dropped += d.ccnt[i];
        dropped_tokens += d.ctok[i];
        CHECK(d.ccols[i] == (int32_t)i);
    }
    CHECK(kept + dropped == 2 * N && dropped_tokens == N - 300);
    /* merging a dump into another recorder gives the same state */
    CHECK(fh_recorder_new(100, 3, &r2) == FH_OK);
    for (int64_t i = 0; i < d.n; i++)
        CHECK(fh_recorder_add(r2, d.bytes + d.offsets[i], d.offsets[i + 1] - d.offsets[i],
                              d.counts[i]) == FH_OK);
    for (int64_t i = 0; i < d.m; i++)
        CHECK(fh_recorder_add_dropped(r2, (uint32_t)d.ccols[i], d.ctok[i], d.ccnt[i]) == FH_OK);
    dump d2 = take_dump(r2);
    CHECK(dumps_equal(&d, &d2));
    dump_free(&d);
    dump_free(&d2);
    fh_recorder_free(r);
    fh_recorder_free(r2);
}

/* char_wb words with more distinct n-grams than a thread's tally holds before it is added
 * to a map: the expansion adds its tally midway, and the counts are the same for 1 and 2
 * threads and with a late pool worker. " w1234567 " has 8 + 7 + ... + 3 = 33 n-grams of
 * 3 to 8 characters (the fast path's lowest n: 2 or 3), several of them its own. */
static void test_char_wb_expansion_overflow(void)
{
    enum { N = 400000, PER_WORD = 33 };
    _Static_assert(3 * N / 2 > FH_RECORD_TALLY_MAX, "half the expansion overflows a tally");
    static char text[(size_t)N * 10 + 1];
    int64_t at = 0;
    for (int i = 0; i < N; i++)
        at += put_word(text + at, 1000000 + i);
    fh_doc doc = ascii_doc(text, at);
    fh_doc docs[3] = {doc, doc, doc};
    fh_corpus c = {docs, NULL, 3};
    const uint32_t nf = 1u << 20;
    fh_opts o = word_opts(nf, FH_ANALYZER_CHAR_WB, 3, 8);
    dump d[3];
    for (int t = 0; t < 3; t++) {
        fh_recorder *r = NULL;
        int64_t bad = 0;
        CHECK(fh_recorder_new(nf, 0, &r) == FH_OK);
        fh_pool_set_test_delay(t == 2 ? 2000 : 0); /* the last: one late worker */
        CHECK(fh_recorder_run(r, &c, &o, t == 0 ? 1 : 2, NULL, &bad) == FH_OK);
        fh_pool_set_test_delay(0);
        d[t] = take_dump(r);
        fh_recorder_free(r);
    }
    int64_t sum = 0;
    for (int64_t i = 0; i < d[0].n; i++)
        sum += d[0].counts[i];
    CHECK(sum == (int64_t)3 * N * PER_WORD);
    CHECK(d[0].n > 3 * N);
    CHECK(dumps_equal(&d[0], &d[1]) && dumps_equal(&d[0], &d[2]));
    for (int t = 0; t < 3; t++)
        dump_free(&d[t]);
}

/* The expansion's tallies are sized once, for the n-grams one thread may meet: with one
 * worker late, the caller expands nearly every word, and its tally, reserved for one
 * n-gram per word and length, holds them all without growing (an estimate shared out over
 * the threads made it grow to four times its slots). N distinct words of 5 symbols of 36,
 * char_wb(3, 3): D distinct trigrams, 3/8 S < D <= 3/4 S for S = 2**16 slots, the slots
 * reserved for N. */
static void test_char_wb_expansion_reserve(void)
{
    enum { N = 30000, PER_DOC = 100, S = 1 << 16 };
    static char text[(size_t)N * 6];
    static fh_doc docs[N / PER_DOC];
    int64_t at = 0;
    for (int d = 0; d < N / PER_DOC; d++) {
        const int64_t start = at;
        for (int i = d * PER_DOC; i < (d + 1) * PER_DOC; i++) {
            /* distinct: i * 7919 mod 36**5 is one-to-one (7919 is prime to 36) */
            uint32_t x = (uint32_t)(((uint64_t)i * 7919u + 12345u) % 60466176u);
            for (int k = 0; k < 5; k++, x /= 36)
                text[at++] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36];
            text[at++] = ' ';
        }
        docs[d] = ascii_doc(text + start, at - start);
    }
    fh_corpus c = {docs, NULL, N / PER_DOC};
    const uint32_t nf = 1u << 20;
    fh_opts o = word_opts(nf, FH_ANALYZER_CHAR_WB, 3, 3);
    for (int late = 0; late < 2; late++) {
        fh_recorder *r = NULL;
        int64_t bad = 0;
        CHECK(fh_recorder_new(nf, 0, &r) == FH_OK);
        fh_pool_set_test_delay(late ? 2000 : 0);
        CHECK(fh_recorder_run(r, &c, &o, 2, NULL, &bad) == FH_OK);
        fh_pool_set_test_delay(0);
        const int64_t d = fh_recorder_n_tokens(r);
        CHECK(d > 3 * (int64_t)S / 8 && d <= 3 * (int64_t)S / 4); /* the premise */
        CHECK(fh_recorder_scratch_bytes(r) <= 2 * (int64_t)S * (int64_t)sizeof(fh_tally_slot));
        fh_recorder_free(r);
    }
}

/* A run's tallies start at a size from the length of its text, not grown from the
 * smallest: 1000 documents of 270 code units, 10 distinct words in all, on one thread
 * leave a tally of 16Ki slots (for 1000 * 270 / 27 = 10k features), not 1024. */
static void test_tally_first_size(void)
{
    enum { N_FIRST = 1000, FIRST_LEN = 270 };
    static char text[FIRST_LEN + 1];
    static fh_doc docs[N_FIRST];
    for (int k = 0; k < FIRST_LEN; k++)
        text[k] = k % 3 == 2 ? ' ' : (char)('a' + (k / 3) % 10);
    for (int d = 0; d < N_FIRST; d++)
        docs[d] = ascii_doc(text, FIRST_LEN);
    fh_corpus c = {docs, NULL, N_FIRST};
    fh_opts o = word_opts(1u << 20, FH_ANALYZER_WORD, 1, 1);
    fh_recorder *r = NULL;
    int64_t bad = 0;
    CHECK(fh_recorder_new(1u << 20, 0, &r) == FH_OK);
    CHECK(fh_recorder_run(r, &c, &o, 1, NULL, &bad) == FH_OK);
    CHECK(fh_recorder_n_tokens(r) == 10);
    CHECK(fh_recorder_scratch_bytes(r) == 16384 * (int64_t)sizeof(fh_tally_slot));
    fh_recorder_free(r);
}

/* Runs of many distinct features (more than the recorder merges on one thread), several of
 * them so that the map is trimmed between runs when capped: the state after every run is
 * the same for 1, 2 and 3 threads and with a late pool worker; uncapped, the counts add up
 * to the features of the documents. */
static void test_parallel_merge(int64_t max_tokens, uint32_t nf)
{
    enum { N_DOCS_BIG = 2048, WORDS = 100, RUNS = 4 };
    static char text[(size_t)N_DOCS_BIG * WORDS * 8];
    static fh_doc docs[N_DOCS_BIG];
    int64_t at = 0;
    uint32_t x = 12345;
    for (int i = 0; i < N_DOCS_BIG; i++) {
        int64_t start = at;
        for (int w = 0; w < WORDS; w++) {
            x = x * 1103515245u + 12345u; /* a fixed pseudo-random sequence */
            at += put_word(text + at, (int)((x >> 8) % 200000u));
        }
        docs[i] = ascii_doc(text + start, at - start);
    }
    fh_opts o = word_opts(nf, FH_ANALYZER_WORD, 1, 1);
    const int threads[4] = {1, 2, 3, 2};
    fh_recorder *r[4];
    for (int t = 0; t < 4; t++)
        CHECK(fh_recorder_new(nf, max_tokens, &r[t]) == FH_OK);
    for (int run = 0; run < RUNS; run++) {
        fh_corpus c = {docs + run * (N_DOCS_BIG / RUNS), NULL, N_DOCS_BIG / RUNS};
        dump d[4];
        for (int t = 0; t < 4; t++) {
            int64_t bad = 0;
            fh_pool_set_test_delay(t == 3 ? 2000 : 0); /* the last: one late worker */
            CHECK(fh_recorder_run(r[t], &c, &o, threads[t], NULL, &bad) == FH_OK);
            fh_pool_set_test_delay(0);
            d[t] = take_dump(r[t]);
        }
        for (int t = 1; t < 4; t++)
            CHECK(dumps_equal(&d[0], &d[t]));
        if (max_tokens == 0) {
            int64_t sum = 0;
            for (int64_t i = 0; i < d[0].n; i++)
                sum += d[0].counts[i];
            CHECK(sum == (int64_t)(run + 1) * (N_DOCS_BIG / RUNS) * WORDS);
            CHECK(d[0].n > (int64_t)(run + 1) * 10000);
        } else {
            CHECK(d[0].n <= 2 * FH_RECORD_MIN_TRIM + (int64_t)(N_DOCS_BIG / RUNS) * WORDS);
            CHECK(run == 0 || d[0].m > 0);
        }
        for (int t = 0; t < 4; t++)
            dump_free(&d[t]);
    }
    for (int t = 0; t < 4; t++)
        fh_recorder_free(r[t]);
}

static void test_errors_and_cancel(void)
{
    fh_recorder *r = NULL;
    int64_t bad;
    CHECK(fh_recorder_new(0, 0, &r) == FH_ERR_BADARG && r == NULL);
    CHECK(fh_recorder_new(2147483648u, 0, &r) == FH_ERR_BADARG);
    CHECK(fh_recorder_new(16, -1, &r) == FH_ERR_BADARG);
    CHECK(fh_recorder_new(16, 0, &r) == FH_OK);
    CHECK(fh_recorder_add(r, (const uint8_t *)"x", 1, 0) == FH_ERR_BADARG);
    CHECK(fh_recorder_add(r, NULL, 1, 1) == FH_ERR_BADARG);
    CHECK(fh_recorder_add(r, NULL, 0, 1) == FH_OK); /* the empty feature */
    CHECK(fh_recorder_add_dropped(r, 16, 1, 1) == FH_ERR_BADARG);
    static fh_doc docs[4 * N_DOCS];
    fh_corpus c;
    make_corpus(docs, &c, 4);
    fh_opts o = word_opts(32, FH_ANALYZER_WORD, 1, 1); /* n_features differs */
    CHECK(fh_recorder_run(r, &c, &o, 1, NULL, &bad) == FH_ERR_BADARG);
    o.n_features = 16;
    o.analyzer = 7;
    CHECK(fh_recorder_run(r, &c, &o, 1, NULL, &bad) == FH_ERR_BADARG);
    o.analyzer = FH_ANALYZER_WORD;
    /* invalid UTF-8 in document 5 of the corpus: the lowest failing row */
    fh_doc bad_docs[8];
    for (int i = 0; i < 8; i++)
        bad_docs[i] = docs[0];
    bad_docs[5].text.data = "ok \xff";
    bad_docs[5].text.len = 4;
    fh_corpus cb = {bad_docs, NULL, 8};
    CHECK(fh_recorder_run(r, &cb, &o, 2, NULL, &bad) == FH_ERR_DECODE && bad == 5);
    /* with several threads (several chunks), a failing run records nothing */
    fh_doc many[200];
    for (int i = 0; i < 200; i++)
        many[i] = docs[0];
    many[150] = bad_docs[5];
    fh_corpus cm = {many, NULL, 200};
    int64_t before = fh_recorder_n_tokens(r);
    CHECK(fh_recorder_run(r, &cm, &o, 3, NULL, &bad) == FH_ERR_DECODE && bad == 150);
    CHECK(fh_recorder_n_tokens(r) == before);
    /* cancellation: FH_ERR_CANCELLED, nothing recorded */
    fh_cancel *cancel = NULL;
    CHECK(fh_cancel_new(&cancel) == FH_OK);
    fh_cancel_request(cancel);
    CHECK(fh_recorder_run(r, &c, &o, 2, cancel, &bad) == FH_ERR_CANCELLED);
    CHECK(fh_recorder_n_tokens(r) == before);
    fh_cancel_reset(cancel);
    CHECK(fh_recorder_run(r, &cm, &o, 1, cancel, &bad) == FH_ERR_DECODE);
    CHECK(fh_recorder_run(r, &c, &o, 2, cancel, &bad) == FH_OK);
    CHECK(fh_recorder_n_tokens(r) > before);
    fh_cancel_free(cancel);
    fh_corpus empty = {NULL, NULL, 0};
    CHECK(fh_recorder_run(r, &empty, &o, 2, NULL, &bad) == FH_OK);
    fh_recorder_free(r);
    fh_recorder_free(NULL);
}

/* fh_tally_reserve: the entries a tally holds survive it, and the reserved count of
 * entries then fits without growing. */
static void test_tally_reserve(void)
{
    fh_tally t;
    fh_tally_init(&t);
    uint8_t key[24];
    memset(key, 'k', sizeof key);
    for (int64_t i = 0; i < 100; i++) { /* inline and long keys */
        memcpy(key, &i, sizeof i);
        CHECK(fh_tally_add_n(&t, key, i % 2 ? 24 : 9, i + 1) == FH_OK);
    }
    CHECK(fh_tally_settle(&t) == FH_OK && t.n == 100);
    CHECK(fh_tally_reserve(&t, 5000) == FH_OK);
    const int64_t slots = t.n_slots;
    CHECK(slots * 3 >= 5000 * 4);
    for (int64_t i = 0; i < 5000; i++) {
        memcpy(key, &i, sizeof i);
        CHECK(fh_tally_add_n(&t, key, i % 2 ? 24 : 9, 1) == FH_OK);
    }
    CHECK(fh_tally_settle(&t) == FH_OK && t.n == 5000 && t.n_slots == slots);
    int64_t total = 0;
    for (int64_t k = 0; k < t.n_slots; k++)
        total += t.slots[k].count;
    CHECK(total == 5000 + 100 * 101 / 2); /* the first 100 keys counted again */
    CHECK(fh_tally_reserve(&t, 10) == FH_OK && t.n_slots == slots); /* never shrinks */
    fh_tally_free(&t);
}

/* Long features pushed ahead (fh_tally_push_long) are counted as fh_tally_add_long counts
 * them, by the next pushes or fh_tally_flush_long, and not again by fh_tally_settle. */
static void test_tally_push_long(void)
{
    fh_tally a, b;
    fh_tally_init(&a);
    fh_tally_init(&b);
    static uint8_t keys[300][20];
    for (int i = 0; i < 300; i++) {
        memset(keys[i], 'L', sizeof keys[i]);
        const int id = (i * 7) % 37; /* 37 distinct, repeated */
        memcpy(keys[i], &id, sizeof id);
        CHECK(fh_tally_push_long(&a, keys[i], 17 + id % 4, 1) == FH_OK);
        CHECK(fh_tally_add_long(&b, keys[i], 17 + id % 4, 1) == FH_OK);
    }
    CHECK(fh_tally_flush_long(&a) == FH_OK && fh_tally_settle(&a) == FH_OK);
    CHECK(a.n == 37 && b.n == 37);
    int64_t total = 0;
    for (int64_t k = 0; k < a.n_slots; k++) {
        const fh_tally_slot *s = &a.slots[k];
        if (!s->count)
            continue;
        total += s->count;
        int found = 0;
        for (int64_t j = 0; j < b.n_slots; j++)
            found |= b.slots[j].count == s->count && b.slots[j].len == s->len &&
                     memcmp(fh_tally_bytes(&b, &b.slots[j]), fh_tally_bytes(&a, s), s->len) == 0;
        CHECK(found);
    }
    CHECK(total == 300);
    fh_tally_free(&a);
    fh_tally_free(&b);
}

/* fh_tally_inline_hash, branch-free over the zero-padded words of a tally's inline
 * feature, equals murmur3 of its bytes for every inline length. */
static void test_tally_inline_hash(void)
{
    unsigned s = 4242;
    for (int rep = 0; rep < 2000; rep++) {
        uint8_t buf[FH_TALLY_INLINE];
        for (int i = 0; i < FH_TALLY_INLINE; i++) {
            s = s * 1103515245u + 12345u;
            buf[i] = (uint8_t)(s >> 16);
        }
        for (int n = 0; n <= FH_TALLY_INLINE; n++) {
            uint64_t w[2] = {0, 0};
            memcpy(w, buf, (size_t)n);
            CHECK(fh_tally_inline_hash(w[0], w[1], (uint64_t)n) ==
                  fh_murmur3_32(buf, (size_t)n, 0));
        }
    }
}

int main(void)
{
    test_tally_inline_hash();
    test_tally_reserve();
    test_tally_push_long();
    test_tally_first_size();
    test_char_wb_expansion_reserve();
    test_counts(FH_ANALYZER_WORD, 1, 1, NULL);
    test_counts(FH_ANALYZER_WORD, 1, 3, NULL);
    test_counts(FH_ANALYZER_CHAR_WB, 2, 4, NULL);
    test_counts(FH_ANALYZER_CHAR_WB, 2, 8, NULL);
    test_counts(FH_ANALYZER_CHAR_WB, 3, 9, NULL);
    test_counts(FH_ANALYZER_CHAR_WB, 1, 3, NULL);
    test_counts(FH_ANALYZER_CHAR, 1, 5, NULL);
    test_counts(FH_ANALYZER_CHAR, 1, 8, NULL);
    test_counts(FH_ANALYZER_CHAR, 4, 12, NULL);
    {
        /* with stop words (their test needs the tokens' hashes) */
        const uint8_t words[] = "thefoxrepeat";
        const int64_t offsets[] = {0, 3, 6, 12};
        fh_stopset *stop = NULL;
        CHECK(fh_stopset_new(words, offsets, 3, &stop) == FH_OK);
        test_counts(FH_ANALYZER_WORD, 1, 1, stop);
        test_counts(FH_ANALYZER_WORD, 1, 2, stop);
        fh_stopset_free(stop);
    }
    test_cap_and_trim();
    test_char_wb_expansion_overflow();
    test_parallel_merge(0, 1u << 20);
    test_parallel_merge(3, 1024);
    test_errors_and_cancel();
    printf("record: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
