/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of token patterns (fh_pattern.h): construction and its errors, the choice
 * of scanner, tokens of both scanners on every text kind, empty matches, stop words, lone
 * surrogates, long documents read in blocks (against a naive matcher), cancellation at
 * every polling point, and the batch kernel running a pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_cancel.h"
#include "fh_charngrams.h"
#include "fh_hashing.h"
#include "fh_murmur3.h"
#include "fh_pattern.h"
#include "fh_tokenize.h"

static int failures = 0;
#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static uint8_t class_az[FH_CHARSET_BYTES], class_nonspace[FH_CHARSET_BYTES];
static uint8_t word[FH_CHARSET_BYTES];

static void set_bit(uint8_t *bits, uint32_t c) { bits[c >> 3] |= (uint8_t)(1u << (c & 7)); }

/* [a-z] (and U+00E9, U+4E2D, U+1F600 so that wide text has members), "not a space"
 * (space, tab and U+3000 excluded), and \w as ASCII letters, digits, '_' and the
 * three wide members. */
static void init_sets(void)
{
    for (uint32_t c = 'a'; c <= 'z'; c++)
        set_bit(class_az, c);
    const uint32_t wide[] = {0xE9, 0x4E2D, 0x1F600};
    for (int k = 0; k < 3; k++) {
        set_bit(class_az, wide[k]);
        set_bit(word, wide[k]);
    }
    for (uint32_t c = 0; c < 0x110000; c++)
        if (c != ' ' && c != '\t' && c != 0x3000)
            set_bit(class_nonspace, c);
    for (uint32_t c = 0; c < 128; c++)
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '_')
            set_bit(word, c);
}

static fh_pattern *make(const uint8_t *cls, int64_t m, int64_t n, int b1, int b2)
{
    fh_pattern_spec spec = {cls, word, m, n, b1, b2};
    fh_pattern *p = NULL;
    CHECK(fh_pattern_new(&spec, &p) == FH_OK && p != NULL);
    return p;
}

/* Tokens of doc joined with '|' into out (tb must not be hash_only). */
static void joined(const fh_tokbuf *tb, char *out)
{
    out[0] = 0;
    for (int64_t i = 0; i < tb->n; i++) {
        if (i)
            strcat(out, "|");
        strncat(out, (const char *)tb->base + tb->off[i], (size_t)tb->tlen[i]);
    }
}

/* The tokens of an ASCII string under p, as UCS1, UCS2 and UCS4 texts, on both
 * scanners: all must equal want. */
static void expect_tokens(const fh_pattern *p, const char *text, int lowercase, const char *want)
{
    int64_t n = (int64_t)strlen(text);
    uint16_t *u2 = malloc(sizeof(uint16_t) * (size_t)(n + 1));
    uint32_t *u4 = malloc(sizeof(uint32_t) * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) {
        u2[i] = (uint8_t)text[i];
        u4[i] = (uint8_t)text[i];
    }
    fh_text views[4] = {{text, n, FH_KIND_UCS1, 1},
                        {text, n, FH_KIND_UCS1, 0}, /* the non-ASCII path on ASCII */
                        {u2, n, FH_KIND_UCS2, 0},
                        {u4, n, FH_KIND_UCS4, 0}};
    fh_tokbuf tb;
    fh_tokbuf_init(&tb);
    char got[512];
    for (int v = 0; v < 4; v++) {
        for (int general = 0; general < 2; general++) {
            CHECK(fh_pattern_tokens(&views[v], lowercase, 0, p, NULL, general, &tb) == FH_OK);
            joined(&tb, got);
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "  text %s view %d general %d: got %s, want %s\n", text, v,
                        general, got, want);
                failures++;
            }
        }
    }
    fh_tokbuf_free(&tb);
    free(u2);
    free(u4);
}

static void test_construction(void)
{
    fh_pattern *p = NULL;
    fh_pattern_spec bad = {NULL, word, 1, -1, 0, 0};
    CHECK(fh_pattern_new(&bad, &p) == FH_ERR_BADARG && p == NULL);
    fh_pattern_spec neg = {class_az, word, -1, -1, 0, 0};
    CHECK(fh_pattern_new(&neg, &p) == FH_ERR_BADARG);
    fh_pattern_spec inverted = {class_az, word, 3, 2, 0, 0};
    CHECK(fh_pattern_new(&inverted, &p) == FH_ERR_BADARG);
    CHECK(fh_pattern_new(NULL, &p) == FH_ERR_BADARG);
    fh_pattern_free(NULL);

    p = make(class_az, 2, -1, 1, 1); /* C inside W: runs with anchors at their ends */
    CHECK(fh_pattern_scanner(p) == FH_SCAN_RUNS);
    CHECK(fh_pattern_has(p, FH_SET_CLASS, 'q') && !fh_pattern_has(p, FH_SET_CLASS, 'Q'));
    CHECK(fh_pattern_has(p, FH_SET_LOWER_CLASS, 'Q'));       /* 'q' after lowercasing */
    CHECK(fh_pattern_has(p, FH_SET_LOWER_CLASS, 0xC9));      /* É lowers to é */
    CHECK(fh_pattern_has(p, FH_SET_LOWER_COMPLEX, 0x130));   /* İ: two code points */
    CHECK(fh_pattern_has(p, FH_SET_LOWER_COMPLEX, 0x3A3));   /* Σ: by context */
    CHECK(fh_pattern_has(p, FH_SET_WORD, 0x1F600) && !fh_pattern_has(p, FH_SET_WORD, ' '));
    CHECK(!fh_pattern_has(p, FH_SET_CLASS, 0x110000) && !fh_pattern_has(p, 9, 'a'));
    fh_pattern_free(p);
    p = make(class_az, 2, 3, 0, 0); /* bounded */
    CHECK(fh_pattern_scanner(p) == FH_SCAN_GENERAL);
    fh_pattern_free(p);
    p = make(class_nonspace, 1, -1, 1, 0); /* boundaries fall inside runs of \S */
    CHECK(fh_pattern_scanner(p) == FH_SCAN_GENERAL);
    fh_pattern_free(p);
    p = make(class_nonspace, 1, -1, 0, 0);
    CHECK(fh_pattern_scanner(p) == FH_SCAN_RUNS);
    fh_pattern_free(p);
}

static void test_tokens(void)
{
    fh_pattern *p = make(class_az, 2, -1, 1, 1); /* \b[a-z]{2,}\b */
    expect_tokens(p, "ab 1cd ef_ gh x yz.", 1, "ab|gh|yz");
    expect_tokens(p, "AB Cd", 0, "");
    expect_tokens(p, "AB Cd", 1, "ab|cd");
    expect_tokens(p, "", 1, "");
    fh_pattern_free(p);

    p = make(class_az, 0, -1, 0, 0); /* [a-z]* : empty matches */
    expect_tokens(p, "ab  c", 1, "ab|||c|");
    expect_tokens(p, "", 1, "");
    fh_pattern_free(p);

    p = make(class_az, 2, 3, 0, 0); /* [a-z]{2,3} */
    expect_tokens(p, "abcdefg", 1, "abc|def");
    fh_pattern_free(p);
    p = make(class_az, 3, 5, 1, 1); /* \b[a-z]{3,5}\b: a 7-letter word matches nothing */
    expect_tokens(p, "abcdefg abcd", 1, "abcd");
    fh_pattern_free(p);
    p = make(class_az, 3, 5, 0, 1); /* [a-z]{3,5}\b */
    expect_tokens(p, "abcdefg", 1, "cdefg");
    fh_pattern_free(p);
    p = make(class_nonspace, 1, -1, 1, 1); /* \b\S+\b */
    expect_tokens(p, "(ab.cd)! ..", 1, "ab.cd");
    fh_pattern_free(p);
}

static void test_wide_and_errors(void)
{
    fh_pattern *p = make(class_nonspace, 1, -1, 0, 0);
    fh_tokbuf tb;
    fh_tokbuf_init(&tb);
    /* lone surrogate inside a token: flagged, or FH_ERR_ENCODE when only hashes are kept */
    const uint16_t sur[] = {'a', 0xD800, 'b', ' ', 'c'};
    fh_text t = {sur, 5, FH_KIND_UCS2, 0};
    CHECK(fh_pattern_tokens(&t, 1, 0, p, NULL, 0, &tb) == FH_OK);
    CHECK(tb.n == 2 && tb.n_surrogate == 1 && (tb.sp[0] & FH_SP_SURROGATE));
    CHECK(tb.tlen[0] == 5 && memcmp(tb.base + tb.off[0], "a\xed\xa0\x80" "b", 5) == 0);
    tb.hash_only = 1;
    CHECK(fh_pattern_tokens(&t, 1, 0, p, NULL, 0, &tb) == FH_ERR_ENCODE);
    tb.hash_only = 0;
    /* a stop word given with its surrogate in 3-byte form removes the token */
    const uint8_t stop_bytes[] = "a\xed\xa0\x80" "b";
    int64_t offsets[2] = {0, 5};
    fh_stopset *stop = NULL;
    CHECK(fh_stopset_new(stop_bytes, offsets, 1, &stop) == FH_OK);
    tb.hash_only = 1;
    CHECK(fh_pattern_tokens(&t, 1, 0, p, stop, 0, &tb) == FH_OK && tb.n == 1);
    tb.hash_only = 0;
    fh_stopset_free(stop);
    /* capital sigma and dotted capital I: the prepared path (context, two code points) */
    const uint32_t greek[] = {0x391, 0x3A3, ' ', 0x130, 'x'};
    fh_text g = {greek, 5, FH_KIND_UCS4, 0};
    CHECK(fh_pattern_tokens(&g, 1, 0, p, NULL, 0, &tb) == FH_OK && tb.n == 2);
    CHECK(tb.tlen[0] == 4 && memcmp(tb.base + tb.off[0], "\xce\xb1\xcf\x82", 4) == 0); /* ας */
    CHECK(tb.tlen[1] == 4 && memcmp(tb.base + tb.off[1], "i\xcc\x87x", 4) == 0);       /* i̇x */
    /* bytes are not text */
    fh_text b = {"ab", 2, FH_KIND_BYTES, 0};
    CHECK(fh_pattern_tokens(&b, 1, 0, p, NULL, 0, &tb) == FH_ERR_BADARG);
    fh_tokbuf_free(&tb);
    fh_pattern_free(p);
}

/* ---------------------------------------------------------------- long documents */

/* re's matching of \b? C{m,n} \b? by direct simulation (the search tries every start; the
 * greedy repeat gives characters back until the end anchor holds), over code points that
 * are their own lowercase: tokens as [start, end) pairs into out; returns their number. */
static int64_t naive_tokens(const fh_pattern_spec *sp, const uint32_t *s, int64_t n,
                            int64_t *out)
{
#define NAIVE_IN(BITS, Q) ((Q) >= 0 && (Q) < n && ((BITS)[s[Q] >> 3] >> (s[Q] & 7)) & 1)
#define NAIVE_BOUND(Q) (n > 0 && NAIVE_IN(sp->word_bits, (Q) - 1) != NAIVE_IN(sp->word_bits, Q))
    int64_t k = 0, pos = 0, last = 0, must = 0;
    const int64_t max = sp->max_count < 0 ? INT64_MAX : sp->max_count;
    while (pos <= n) {
        int64_t len = -1;
        if (!sp->bound_start || NAIVE_BOUND(pos)) {
            int64_t r = 0;
            while (r < max && NAIVE_IN(sp->class_bits, pos + r))
                r++;
            for (int64_t l = r; l >= sp->min_count; l--)
                if (!sp->bound_end || NAIVE_BOUND(pos + l)) {
                    len = l;
                    break;
                }
        }
        if (len < 0 || (len == 0 && must && pos == last)) {
            pos++;
            continue;
        }
        out[2 * k] = pos;
        out[2 * k + 1] = pos + len;
        k++;
        must = len == 0;
        last = pos = pos + len;
    }
    return k;
#undef NAIVE_IN
#undef NAIVE_BOUND
}

static uint32_t lower_test(uint32_t c)
{
    return c - 'A' < 26u ? c + 32 : c == 0xC9 ? 0xE9 : c;
}

/* A document of n code points from an alphabet of ASCII letters, digits, '_', '.',
 * spaces and (unless ascii_only) é, É, U+4E2D, U+1F600 (wide only when kind allows), with
 * long runs of letters and of spaces so that runs and tokens cross every block size. */
static void long_document(uint32_t *s, int64_t n, unsigned seed, int max_cp)
{
    static const uint32_t alphabet[] = {'a', 'b', 'c', 'A', 'Z', '1', '_', '.', ' ', '\t',
                                        0xE9, 0xC9, 0x4E2D, 0x1F600};
    int64_t i = 0;
    while (i < n) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 16;
        uint32_t c;
        do {
            seed = seed * 1103515245u + 12345u;
            c = alphabet[(seed >> 16) % 14];
        } while (c > (uint32_t)max_cp);
        /* a long run now and then: 5000 (past a 4096 block) or 70000 (past 65536) */
        int64_t len = r % 97 == 0 ? 5000 : r % 1999 == 0 ? 70000 : 1 + r % 7;
        for (int64_t j = 0; j < len && i < n; j++)
            s[i++] = (r & 1) || len < 8 ? c : (r % 3 ? 'b' : ' ');
    }
}

/* The hashes of fh_pattern_tokens in hash_only mode (the run scanner hashes each token as
 * its run ends: one by one, or with avx2 in batches of spans, reusing its buffer) against
 * MurmurHash3 of the tokens it lists (tb holds them: not hash_only). */
static void check_hash_only(const fh_text *t, int lowercase, const fh_pattern *p,
                            const fh_tokbuf *listed)
{
    for (int avx2 = 0; avx2 <= fh_cpu_has_avx2(); avx2++) {
        fh_tokbuf tb;
        fh_tokbuf_init(&tb);
        tb.hash_only = 1;
        tb.avx2 = avx2;
        CHECK(fh_pattern_tokens(t, lowercase, 0, p, NULL, 0, &tb) == FH_OK);
        int same = tb.n == listed->n && !tb.keyed;
        for (int64_t k = 0; same && k < tb.n; k++)
            same = tb.hash[k] == fh_murmur3_32(listed->base + listed->off[k],
                                               (size_t)listed->tlen[k], 0);
        if (!same) {
            fprintf(stderr, "  hash_only avx2 %d kind %d lowercase %d: %lld hashes, want %lld\n",
                    avx2, t->kind, lowercase, (long long)tb.n, (long long)listed->n);
            failures++;
        }
        fh_tokbuf_free(&tb);
    }
}

/* Tokens of s (n code points) under p, through every text kind that can hold it, both
 * scanners, lowercase on and off, and accent stripping (which prepares non-ASCII text a
 * block at a time: on this alphabet it changes é and É only), against naive_tokens. */
static void check_long(const fh_pattern_spec *sp, const fh_pattern *p, const uint32_t *s,
                       int64_t n)
{
    uint32_t maxcp = 0;
    for (int64_t i = 0; i < n; i++)
        maxcp = s[i] > maxcp ? s[i] : maxcp;
    uint8_t *u1 = malloc((size_t)n + 1);
    uint16_t *u2 = malloc(sizeof(uint16_t) * (size_t)n + 2);
    uint32_t *low = malloc(sizeof(uint32_t) * (size_t)n + 4);
    int64_t *want = malloc(sizeof(int64_t) * (size_t)(4 * n + 4));
    for (int64_t i = 0; i < n; i++) {
        u1[i] = (uint8_t)s[i];
        u2[i] = (uint16_t)s[i];
    }
    fh_tokbuf tb;
    fh_tokbuf_init(&tb);
    for (int lowercase = 0; lowercase < 2; lowercase++) {
        for (int64_t i = 0; i < n; i++)
            low[i] = lowercase ? lower_test(s[i]) : s[i];
        int64_t nwant = naive_tokens(sp, low, n, want);
        for (int view = 0; view < 5; view++) {
            fh_text t;
            if (view == 0 && maxcp < 0x80)
                t = (fh_text){u1, n, FH_KIND_UCS1, 1};
            else if (view == 1 && maxcp < 0x100)
                t = (fh_text){u1, n, FH_KIND_UCS1, 0};
            else if (view == 2 && maxcp < 0x10000)
                t = (fh_text){u2, n, FH_KIND_UCS2, 0};
            else if (view == 3)
                t = (fh_text){s, n, FH_KIND_UCS4, 0};
            else if (view == 4 && maxcp < 0x80) /* ASCII text through the prepared path */
                t = (fh_text){u2, n, FH_KIND_UCS2, 0};
            else
                continue;
            for (int general = 0; general < 2; general++) {
                int strip = view == 4;
                fh_status st = fh_pattern_tokens(&t, lowercase, strip, p, NULL, general, &tb);
                CHECK(st == FH_OK);
                int same = st == FH_OK && tb.n == nwant;
                /* each token equals the naive one's code points (UTF-8 of low[a..b)) */
                for (int64_t k = 0; same && k < nwant; k++) {
                    uint8_t enc[4 * 16];
                    int64_t a = want[2 * k], b = want[2 * k + 1], at = 0, off = tb.off[k];
                    for (int64_t q = a; q < b && same; q += 16) {
                        int64_t e = b - q < 16 ? b : q + 16;
                        at = 0;
                        for (int64_t x = q; x < e; x++) {
                            uint32_t c = low[x];
                            at += c < 0x80 ? (enc[at] = (uint8_t)c, 1)
                                  : c < 0x800 ? (enc[at] = (uint8_t)(0xC0 | (c >> 6)),
                                                 enc[at + 1] = (uint8_t)(0x80 | (c & 0x3F)), 2)
                                  : c < 0x10000 ? (enc[at] = (uint8_t)(0xE0 | (c >> 12)),
                                                   enc[at + 1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F)),
                                                   enc[at + 2] = (uint8_t)(0x80 | (c & 0x3F)), 3)
                                                : (enc[at] = (uint8_t)(0xF0 | (c >> 18)),
                                                   enc[at + 1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F)),
                                                   enc[at + 2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F)),
                                                   enc[at + 3] = (uint8_t)(0x80 | (c & 0x3F)), 4);
                        }
                        same = off + at <= tb.off[k] + tb.tlen[k] &&
                               memcmp(tb.base + off, enc, (size_t)at) == 0;
                        off += at;
                    }
                    same = same && off == tb.off[k] + tb.tlen[k];
                }
                if (same && !general && !strip)
                    check_hash_only(&t, lowercase, p, &tb);
                if (!same) {
                    fprintf(stderr, "  long doc n=%lld m=%lld max=%lld b=%d%d view %d general "
                            "%d lowercase %d: %lld tokens, want %lld\n", (long long)n,
                            (long long)sp->min_count, (long long)sp->max_count,
                            sp->bound_start, sp->bound_end, view, general, lowercase,
                            (long long)tb.n, (long long)nwant);
                    failures++;
                }
            }
        }
    }
    fh_tokbuf_free(&tb);
    free(u1);
    free(u2);
    free(low);
    free(want);
}

static void test_long_documents(void)
{
    /* documents longer than a block of the general scanner (4096) and of the ASCII runs
     * scanner (65536 bytes), with runs and tokens across block ends */
    enum { N = 3 * 65536 + 2 * 4096 + 17 };
    uint32_t *s = malloc(sizeof(uint32_t) * N);
    const struct {
        const uint8_t *cls;
        int64_t m, max;
        int b1, b2;
    } shapes[] = {
        {class_az, 1, -1, 0, 0},  {class_az, 2, -1, 1, 1}, {class_az, 3, 5, 1, 1},
        {class_az, 0, -1, 0, 0},  {class_az, 2, 3, 0, 0},  {class_nonspace, 1, -1, 1, 1},
        {class_nonspace, 2, -1, 0, 1}, {class_az, 0, 2, 1, 0},
    };
    const int max_cps[] = {0x7F, 0xFF, 0xFFFF, 0x10FFFF};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        fh_pattern_spec sp = {shapes[k].cls, word, shapes[k].m, shapes[k].max, shapes[k].b1,
                              shapes[k].b2};
        fh_pattern *p = NULL;
        CHECK(fh_pattern_new(&sp, &p) == FH_OK);
        for (int v = 0; v < 4; v++) {
            int64_t n = v == 0 ? N : N / 3 + 5;
            long_document(s, n, 7u + (unsigned)(k * 4 + (size_t)v), max_cps[v]);
            check_long(&sp, p, s, n);
            check_long(&sp, p, s, 4096); /* exactly one block */
        }
        fh_pattern_free(p);
    }
    free(s);
}

/* ---------------------------------------------------------------- cancellation */

static void test_cancellation(void)
{
    /* Every scanner stops at each of its polling points in turn (FH_ERR_CANCELLED, no leak
     * under ASAN), polls at least once per FH_POLL_ITEMS code units of one document, and
     * gives all its tokens when never cancelled. */
    enum { N = 4 * (1 << 16) + 321 };
    uint32_t *s = malloc(sizeof(uint32_t) * N);
    uint16_t *u2 = malloc(sizeof(uint16_t) * N);
    uint8_t *u1 = malloc(N);
    long_document(s, N, 99, 0x7F);
    for (int64_t i = 0; i < N; i++) {
        u1[i] = (uint8_t)s[i];
        u2[i] = (uint16_t)(i % 1000 == 7 ? 0x130 : s[i]); /* İ: prepared when lowercasing */
    }
    fh_cancel *cancel = NULL;
    CHECK(fh_cancel_new(&cancel) == FH_OK);
    fh_tokbuf tb;
    fh_tokbuf_init(&tb);
    tb.cancel = cancel;
    const struct {
        const uint8_t *cls;
        int64_t m, max;
        int b1, b2, view, strip, general, hash_only;
    } cases[] = {
        {class_az, 2, -1, 1, 1, 0, 0, 0, 1},      /* ASCII runs, hashes only */
        {class_az, 2, -1, 1, 1, 0, 0, 0, 0},      /* ASCII runs */
        {class_az, 3, 5, 1, 1, 0, 0, 0, 0},       /* ASCII general */
        {class_az, 2, -1, 0, 0, 2, 0, 0, 0},      /* UCS2 streamed runs -> prepared */
        {class_nonspace, 1, -1, 1, 1, 2, 0, 0, 0}, /* UCS2 general -> prepared */
        {class_az, 2, -1, 0, 0, 3, 0, 0, 0},      /* UCS4 streamed runs */
        {class_az, 0, 3, 0, 1, 3, 0, 0, 0},       /* UCS4 general */
        {class_az, 2, -1, 0, 0, 3, 1, 0, 1},      /* UCS4 prepared (accents stripped) */
        {class_nonspace, 1, -1, 0, 0, 1, 0, 1, 0}, /* UCS1 general */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fh_pattern_spec sp = {cases[k].cls, word, cases[k].m, cases[k].max, cases[k].b1,
                              cases[k].b2};
        fh_pattern *p = NULL;
        CHECK(fh_pattern_new(&sp, &p) == FH_OK);
        fh_text t = cases[k].view == 0   ? (fh_text){u1, N, FH_KIND_UCS1, 1}
                    : cases[k].view == 1 ? (fh_text){u1, N, FH_KIND_UCS1, 0}
                    : cases[k].view == 2 ? (fh_text){u2, N, FH_KIND_UCS2, 0}
                                         : (fh_text){s, N, FH_KIND_UCS4, 0};
        tb.hash_only = cases[k].hash_only;
        tb.cancel = NULL;
        CHECK(fh_pattern_tokens(&t, 1, cases[k].strip, p, NULL, cases[k].general, &tb) ==
              FH_OK);
        int64_t want = tb.n;
        if (want <= 10)
            fprintf(stderr, "case %zu: %lld tokens\n", k, (long long)want);
        CHECK(want > 10);
        tb.cancel = cancel;
        fh_cancel_reset(cancel);
        CHECK(fh_pattern_tokens(&t, 1, cases[k].strip, p, NULL, cases[k].general, &tb) ==
              FH_OK && tb.n == want);
        int64_t polls = fh_cancel_polls(cancel);
        if (polls < N / FH_POLL_ITEMS)
            fprintf(stderr, "case %zu: %lld polls for %d units\n", k, (long long)polls, N);
        CHECK(polls >= N / FH_POLL_ITEMS);
        int64_t step = polls / 40 > 1 ? polls / 40 : 1;
        for (int64_t at = 1; at <= polls; at += at < 8 || at > polls - 8 ? 1 : step) {
            fh_cancel_reset(cancel);
            fh_cancel_after_polls(cancel, at);
            CHECK(fh_pattern_tokens(&t, 1, cases[k].strip, p, NULL, cases[k].general, &tb) ==
                  FH_ERR_CANCELLED);
        }
        fh_cancel_reset(cancel);
        fh_pattern_free(p);
    }
    fh_tokbuf_free(&tb);
    fh_cancel_free(cancel);
    free(s);
    free(u2);
    free(u1);
}

static void test_batch(void)
{
    /* The batch kernel runs the pattern instead of opts.token; NULL keeps the token. */
    fh_pattern *p = make(class_az, 2, -1, 1, 1);
    fh_doc docs[2];
    memset(docs, 0, sizeof docs);
    docs[0].text = (fh_text){"aa 1bb cc dd_", 13, FH_KIND_UCS1, 1};
    docs[1].text = (fh_text){"", 0, FH_KIND_UCS1, 1};
    fh_corpus corpus = {docs, NULL, 2};
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = o.max_n = 1;
    o.n_features = 1u << 20;
    o.lowercase = 1;
    o.out_type = FH_OUT_I64;
    o.pattern = p;
    fh_batch *batch = NULL;
    int64_t bad = -1;
    CHECK(fh_batch_run(&corpus, &o, 2, &batch, &bad) == FH_OK);
    CHECK(fh_batch_nnz(batch) == 2 && fh_batch_raw(batch) == 2); /* aa, cc */
    fh_batch_free(batch);
    o.pattern = NULL; /* the default scanner: aa, bb, cc, dd_ */
    CHECK(fh_batch_run(&corpus, &o, 1, &batch, &bad) == FH_OK && fh_batch_raw(batch) == 4);
    fh_batch_free(batch);
    fh_pattern_free(p);
}

int main(void)
{
    init_sets();
    test_construction();
    test_tokens();
    test_wide_and_errors();
    test_long_documents();
    test_cancellation();
    test_batch();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all pattern tests passed\n");
    return 0;
}
