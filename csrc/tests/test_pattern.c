/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of token patterns (fh_pattern.h): construction and its errors, the choice
 * of scanner, tokens of both scanners on every text kind, empty matches, stop words, lone
 * surrogates, and the batch kernel running a pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_hashing.h"
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
    test_batch();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all pattern tests passed\n");
    return 0;
}
