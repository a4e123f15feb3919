/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of the Arrow views (fh_arrow.h) and of FeatureHasher's Arrow reader
 * (fh_arrow_feature_rows): schemas classified, layouts checked, rows read through
 * offsets, views and dictionaries (malformed ones reported, never read out of bounds),
 * documents for the batch kernel, raw entries identical for every thread count. The
 * arrays are built by hand, as any producer of the C data interface would. */
#include <math.h>

#include "fh_arrow.h"
#include "fh_cancel.h"
#include "fh_features.h"
#include "fh_test.h"

/* ---------------------------------------------------------------- builders */

static struct ArrowSchema schema(const char *format, int64_t n_children,
                                 struct ArrowSchema **children, struct ArrowSchema *dict)
{
    struct ArrowSchema s;
    memset(&s, 0, sizeof s);
    s.format = format;
    s.n_children = n_children;
    s.children = children;
    s.dictionary = dict;
    return s;
}

static struct ArrowArray array(int64_t length, int64_t offset, int64_t null_count,
                               int64_t n_buffers, const void **buffers, int64_t n_children,
                               struct ArrowArray **children)
{
    struct ArrowArray a;
    memset(&a, 0, sizeof a);
    a.length = length;
    a.offset = offset;
    a.null_count = null_count;
    a.n_buffers = n_buffers;
    a.buffers = buffers;
    a.n_children = n_children;
    a.children = children;
    return a;
}

/* A 16-byte string view: inline (len <= 12) or into buffer buf at off. */
static void view(uint8_t *v, const char *s, int32_t len, int32_t buf, int32_t off)
{
    memset(v, 0, 16);
    memcpy(v, &len, 4);
    if (len <= 12) {
        memcpy(v + 4, s, (size_t)len);
    } else {
        memcpy(v + 4, s, 4);
        memcpy(v + 8, &buf, 4);
        memcpy(v + 12, &off, 4);
    }
}

static int row_is(const fh_arrow_text *t, int64_t i, const char *want)
{
    const uint8_t *p;
    int64_t len;
    if (fh_arrow_text_get(t, i, &p, &len) != 1)
        return 0;
    return len == (int64_t)strlen(want) && memcmp(p, want, (size_t)len) == 0;
}

/* ---------------------------------------------------------------- tests */

static void test_classify(void)
{
    struct ArrowSchema u = schema("u", 0, NULL, NULL), z = schema("Z", 0, NULL, NULL);
    struct ArrowSchema vu = schema("vu", 0, NULL, NULL), n = schema("l", 0, NULL, NULL);
    struct ArrowSchema f = schema("g", 0, NULL, NULL);
    CHECK(fh_arrow_classify(&u) == FH_ARROW_TEXT);
    CHECK(fh_arrow_classify(&vu) == FH_ARROW_TEXT);
    CHECK(fh_arrow_classify(&z) == FH_ARROW_BYTES);
    CHECK(fh_arrow_classify(&n) == FH_ARROW_UNSUPPORTED);
    struct ArrowSchema d8 = schema("c", 0, NULL, &u), dbad = schema("g", 0, NULL, &u);
    CHECK(fh_arrow_classify(&d8) == FH_ARROW_TEXT);
    CHECK(fh_arrow_classify(&dbad) == FH_ARROW_UNSUPPORTED);
    struct ArrowSchema *one[] = {&u};
    struct ArrowSchema table1 = schema("+s", 1, one, NULL);
    CHECK(fh_arrow_classify(&table1) == FH_ARROW_TEXT);
    struct ArrowSchema *two[] = {&u, &f};
    struct ArrowSchema table2 = schema("+s", 2, two, NULL);
    CHECK(fh_arrow_classify(&table2) == FH_ARROW_TABLE);
    struct ArrowSchema list = schema("+l", 1, one, NULL);
    CHECK(fh_arrow_classify(&list) == FH_ARROW_NAME_LISTS);
    struct ArrowSchema *entries[] = {&table2};
    struct ArrowSchema map = schema("+m", 1, entries, NULL);
    struct ArrowSchema lstruct = schema("+L", 1, entries, NULL);
    CHECK(fh_arrow_classify(&map) == FH_ARROW_PAIR_LISTS);
    CHECK(fh_arrow_classify(&lstruct) == FH_ARROW_PAIR_LISTS);
    struct ArrowSchema *text_text[] = {&u, &u};
    struct ArrowSchema st_tt = schema("+s", 2, text_text, NULL);
    struct ArrowSchema *e2[] = {&st_tt};
    struct ArrowSchema map_tt = schema("+m", 1, e2, NULL);
    CHECK(fh_arrow_classify(&map_tt) == FH_ARROW_UNSUPPORTED); /* string values */
    struct ArrowSchema *lists[] = {&list};
    struct ArrowSchema nested = schema("+l", 1, lists, NULL);
    CHECK(fh_arrow_classify(&nested) == FH_ARROW_UNSUPPORTED);
}

static void test_offsets_and_layout_checks(void)
{
    struct ArrowSchema u = schema("u", 0, NULL, NULL), U = schema("U", 0, NULL, NULL);
    const char *data = "foxdogbird";
    int32_t off32[] = {0, 3, 6, 6, 10};
    uint8_t valid = 0x1B; /* rows 0, 1, 3, 4 valid; row 2 null */
    const void *bufs[] = {&valid, off32, data};
    struct ArrowArray a = array(4, 1, 1, 3, bufs, 0, NULL); /* offset 1: rows dog, "", bird */
    fh_arrow_text t;
    a.length = 3;
    CHECK(fh_arrow_text_init(&u, &a, &t) == FH_OK);
    CHECK(t.length == 3);
    CHECK(row_is(&t, 0, "dog"));
    const uint8_t *p;
    int64_t len;
    CHECK(fh_arrow_text_get(&t, 1, &p, &len) == 0); /* null (bit 2) */
    CHECK(row_is(&t, 2, "bird"));
    int64_t off64[] = {0, 3, 6, 6, 10};
    const void *bufs64[] = {NULL, off64, data};
    struct ArrowArray a64 = array(4, 0, 0, 3, bufs64, 0, NULL);
    CHECK(fh_arrow_text_init(&U, &a64, &t) == FH_OK);
    CHECK(row_is(&t, 1, "dog") && row_is(&t, 2, "") && row_is(&t, 3, "bird"));
    /* layout errors */
    struct ArrowArray bad = array(4, 0, 0, 2, bufs64, 0, NULL);
    CHECK(fh_arrow_text_init(&U, &bad, &t) == FH_ERR_INVALID);
    const void *no_offsets[] = {NULL, NULL, data};
    bad = array(4, 0, 0, 3, no_offsets, 0, NULL);
    CHECK(fh_arrow_text_init(&U, &bad, &t) == FH_ERR_INVALID);
    bad = array(4, 0, 2, 3, bufs64, 0, NULL); /* nulls announced, no bitmap */
    CHECK(fh_arrow_text_init(&U, &bad, &t) == FH_ERR_INVALID);
    bad = array(-1, 0, 0, 3, bufs64, 0, NULL);
    CHECK(fh_arrow_text_init(&U, &bad, &t) == FH_ERR_INVALID);
    struct ArrowSchema g = schema("g", 0, NULL, NULL);
    CHECK(fh_arrow_text_init(&g, &a64, &t) == FH_ERR_BADARG);
    /* malformed offsets are reported by the row readers, not read */
    int32_t dec[] = {0, 5, 2, 7};
    const void *bufs_dec[] = {NULL, dec, data};
    struct ArrowArray ad = array(3, 0, 0, 3, bufs_dec, 0, NULL);
    CHECK(fh_arrow_text_init(&u, &ad, &t) == FH_OK);
    CHECK(fh_arrow_text_get(&t, 0, &p, &len) == 1);
    CHECK(fh_arrow_text_get(&t, 1, &p, &len) == -1);
    int32_t neg[] = {-4, 1};
    const void *bufs_neg[] = {NULL, neg, data};
    struct ArrowArray an = array(1, 0, 0, 3, bufs_neg, 0, NULL);
    CHECK(fh_arrow_text_init(&u, &an, &t) == FH_OK);
    CHECK(fh_arrow_text_get(&t, 0, &p, &len) == -1);
    /* a one-column table: the struct's offset and length apply to its field */
    struct ArrowSchema *one[] = {&U};
    struct ArrowSchema table = schema("+s", 1, one, NULL);
    struct ArrowArray *child[] = {&a64};
    const void *sbufs[] = {NULL};
    struct ArrowArray tab = array(2, 2, 0, 1, sbufs, 1, child);
    CHECK(fh_arrow_text_init(&table, &tab, &t) == FH_OK);
    CHECK(t.length == 2 && row_is(&t, 0, "") && row_is(&t, 1, "bird"));
    tab.length = 3; /* beyond the field */
    CHECK(fh_arrow_text_init(&table, &tab, &t) == FH_ERR_INVALID);
}

static void test_views(void)
{
    struct ArrowSchema vu = schema("vu", 0, NULL, NULL);
    const char *b0 = "a string longer than twelve bytes", *b1 = "second buffer text";
    uint8_t views[5 * 16];
    view(views + 0, "inline", 6, 0, 0);
    view(views + 16, b0, 33, 0, 0);
    view(views + 32, b1 + 7, 11, 1, 7); /* short: inline copy */
    view(views + 48, "xxxx", 14, 1, 7); /* out of line: "buffer text" is too short */
    view(views + 64, "xxxx", 13, 2, 0); /* no buffer 2 */
    int64_t sizes[] = {33, 18};
    const void *bufs[] = {NULL, views, b0, b1, sizes};
    struct ArrowArray a = array(5, 0, 0, 5, bufs, 0, NULL);
    fh_arrow_text t;
    CHECK(fh_arrow_text_init(&vu, &a, &t) == FH_OK);
    CHECK(t.strings.n_buffers == 2);
    CHECK(row_is(&t, 0, "inline"));
    CHECK(row_is(&t, 1, b0));
    const uint8_t *p;
    int64_t len;
    CHECK(fh_arrow_text_get(&t, 2, &p, &len) == 1 && len == 11);
    CHECK(fh_arrow_text_get(&t, 3, &p, &len) == -1);
    CHECK(fh_arrow_text_get(&t, 4, &p, &len) == -1);
    const void *no_sizes[] = {NULL, views, b0, b1, NULL};
    a = array(5, 0, 0, 5, no_sizes, 0, NULL);
    CHECK(fh_arrow_text_init(&vu, &a, &t) == FH_ERR_INVALID);
}

static void test_dictionaries(void)
{
    struct ArrowSchema u = schema("u", 0, NULL, NULL);
    const char *data = "redgreenblue";
    int32_t off[] = {0, 3, 8, 12};
    uint8_t dvalid = 0x05; /* green is null */
    const void *dbufs[] = {&dvalid, off, data};
    struct ArrowArray dict = array(3, 0, 1, 3, dbufs, 0, NULL);
    int8_t idx[] = {2, 0, 1, -1, 3};
    uint8_t ivalid = 0x17; /* 0, 1, 2, 4 valid */
    const void *ibufs[] = {&ivalid, idx};
    struct ArrowArray a = array(5, 0, 1, 2, ibufs, 0, NULL);
    a.dictionary = &dict;
    struct ArrowSchema s = schema("c", 0, NULL, &u);
    fh_arrow_text t;
    CHECK(fh_arrow_text_init(&s, &a, &t) == FH_OK);
    const uint8_t *p;
    int64_t len;
    CHECK(row_is(&t, 0, "blue") && row_is(&t, 1, "red"));
    CHECK(fh_arrow_text_get(&t, 2, &p, &len) == 0);  /* a null value */
    CHECK(fh_arrow_text_get(&t, 3, &p, &len) == 0);  /* a null index (-1 not read) */
    CHECK(fh_arrow_text_get(&t, 4, &p, &len) == -1); /* index 3 of 3 values */
    uint64_t big[] = {1, UINT64_MAX};
    const void *bbufs[] = {NULL, big};
    struct ArrowArray b = array(2, 0, 0, 2, bbufs, 0, NULL);
    b.dictionary = &dict;
    struct ArrowSchema su = schema("L", 0, NULL, &u);
    CHECK(fh_arrow_text_init(&su, &b, &t) == FH_OK);
    CHECK(fh_arrow_text_get(&t, 0, &p, &len) == 0); /* green: null */
    CHECK(fh_arrow_text_get(&t, 1, &p, &len) == -1);
    b.dictionary = NULL;
    CHECK(fh_arrow_text_init(&su, &b, &t) == FH_ERR_INVALID);
}

static void test_docs(void)
{
    struct ArrowSchema z = schema("z", 0, NULL, NULL);
    const char *data = "one\xff" "twothreefour";
    int32_t off[] = {0, 4, 7, 12, 12, 16};
    uint8_t valid = 0x17; /* row 3 null */
    const void *bufs[] = {&valid, off, data};
    struct ArrowArray a = array(5, 0, 1, 3, bufs, 0, NULL);
    fh_arrow_text t;
    CHECK(fh_arrow_text_init(&z, &a, &t) == FH_OK);
    fh_doc docs[5];
    uint8_t flags[5];
    int64_t n, units, null_row, bad;
    CHECK(fh_arrow_docs(&t, 0, 5, 1000, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_OK);
    CHECK(n == 3 && null_row == 3 && units == 4 + 3 + 5 + 3);
    CHECK(docs[0].text.kind == FH_KIND_UTF8 && docs[0].text.len == 4 && !flags[0]);
    CHECK(docs[2].mode == FH_DOC_TEXT && docs[2].text.data == (const void *)(data + 7));
    CHECK(fh_arrow_docs(&t, 0, 5, 1000, FH_ARROW_DOCS_CHECKED, docs, flags, &n, &units,
                        &null_row, &bad) == FH_OK);
    CHECK(n == 3 && flags[0] == 1 && docs[0].text.data == NULL && flags[1] == 0);
    /* limits: units (at least one row), documents */
    CHECK(fh_arrow_docs(&t, 0, 5, 1, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_OK);
    CHECK(n == 1 && null_row == -1);
    CHECK(fh_arrow_docs(&t, 1, 1, 1000, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_OK);
    CHECK(n == 1);
    CHECK(fh_arrow_docs(&t, 4, 1, 1000, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_OK && n == 1);
    CHECK(fh_arrow_docs(&t, 4, 2, 1000, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_ERR_BADARG);
    int32_t dec[] = {0, 4, 2};
    const void *bbufs[] = {NULL, dec, data};
    struct ArrowArray b = array(2, 0, 0, 3, bbufs, 0, NULL);
    CHECK(fh_arrow_text_init(&z, &b, &t) == FH_OK);
    CHECK(fh_arrow_docs(&t, 0, 2, 1000, FH_ARROW_DOCS_UTF8, docs, flags, &n, &units, &null_row,
                        &bad) == FH_ERR_INVALID);
    CHECK(n == 1 && bad == 1);
}

/* The batch kernel reads Arrow UTF-8 views as it reads the same ASCII text as UCS1. */
static void test_docs_through_the_kernel(void)
{
    struct ArrowSchema u = schema("u", 0, NULL, NULL);
    const char *data = "The quick brown foxjumps over the lazy dog dog";
    int32_t off[] = {0, 19, 46};
    const void *bufs[] = {NULL, off, data};
    struct ArrowArray a = array(2, 0, 0, 3, bufs, 0, NULL);
    fh_arrow_text t;
    CHECK(fh_arrow_text_init(&u, &a, &t) == FH_OK);
    fh_doc adocs[2], udocs[2];
    uint8_t flags[2];
    int64_t n, units, null_row, bad;
    CHECK(fh_arrow_docs(&t, 0, 2, 1000, FH_ARROW_DOCS_UTF8, adocs, flags, &n, &units, &null_row,
                        &bad) == FH_OK);
    memset(udocs, 0, sizeof udocs);
    udocs[0].text = (fh_text){data, 19, FH_KIND_UCS1, 1};
    udocs[1].text = (fh_text){data + 19, 27, FH_KIND_UCS1, 1};
    fh_opts o;
    memset(&o, 0, sizeof o);
    o.min_n = 1;
    o.max_n = 2;
    o.n_features = 1u << 10;
    o.lowercase = 1;
    o.alternate_sign = 1;
    o.norm = FH_NORM_L2;
    for (int analyzer = FH_ANALYZER_WORD; analyzer <= FH_ANALYZER_CHAR_WB; analyzer++) {
        o.analyzer = analyzer;
        fh_corpus ca = {adocs, NULL, 2}, cu = {udocs, NULL, 2};
        int64_t *ip1, *ip2, nnz1 = 0, nnz2 = 0;
        int32_t *ix1, *ix2;
        double *v1, *v2;
        CHECK(run_batch(&ca, &o, 2, NULL, &ip1, &ix1, &v1, &nnz1) == FH_OK);
        CHECK(run_batch(&cu, &o, 1, NULL, &ip2, &ix2, &v2, &nnz2) == FH_OK);
        CHECK(nnz1 == nnz2 && nnz1 > 0);
        CHECK(memcmp(ip1, ip2, sizeof(int64_t) * 3) == 0);
        CHECK(memcmp(ix1, ix2, sizeof(int32_t) * (size_t)nnz1) == 0);
        CHECK(memcmp(v1, v2, sizeof(double) * (size_t)nnz1) == 0);
        free(ip1), free(ix1), free(v1), free(ip2), free(ix2), free(v2);
    }
}

/* map<utf8, float64> of n_rows rows: row i holds i % 7 items named "f<k>" with value k - 2
 * (zeros among them), rows 5 and 11 hold a duplicate name, row 13 is null. */
typedef struct {
    struct ArrowSchema key, value, entries, map;
    struct ArrowSchema *ev[2], *me[1];
    struct ArrowArray keys, values, structs, lists;
    struct ArrowArray *sk[2], *ls[1];
    const void *kb[3], *vb[2], *sb[1], *lb[2];
    int32_t koff[1024], loff[256];
    char kdata[8192];
    double vals[1024];
    uint8_t valid[32];
} map_fixture;

static void map_build(map_fixture *m, int n_rows)
{
    memset(m, 0, sizeof *m);
    int items = 0, at = 0;
    for (int i = 0; i < n_rows; i++) {
        m->loff[i] = items;
        int k_items = (i == 13) ? 0 : i % 7;
        for (int k = 0; k < k_items; k++) {
            int name = (k == 1 && (i == 5 || i == 11)) ? 0 : k;
            m->koff[items] = at;
            at += sprintf(m->kdata + at, "f%d", name);
            m->vals[items] = (double)k - 2.0;
            items++;
        }
        if (i != 13)
            m->valid[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    m->loff[n_rows] = items;
    m->koff[items] = at;
    m->key = schema("u", 0, NULL, NULL);
    m->value = schema("g", 0, NULL, NULL);
    m->ev[0] = &m->key;
    m->ev[1] = &m->value;
    m->entries = schema("+s", 2, m->ev, NULL);
    m->me[0] = &m->entries;
    m->map = schema("+m", 1, m->me, NULL);
    m->kb[0] = NULL, m->kb[1] = m->koff, m->kb[2] = m->kdata;
    m->keys = array(items, 0, 0, 3, m->kb, 0, NULL);
    m->vb[0] = NULL, m->vb[1] = m->vals;
    m->values = array(items, 0, 0, 2, m->vb, 0, NULL);
    m->sk[0] = &m->keys, m->sk[1] = &m->values;
    m->sb[0] = NULL;
    m->structs = array(items, 0, 0, 1, m->sb, 2, m->sk);
    m->ls[0] = &m->structs;
    m->lb[0] = m->valid, m->lb[1] = m->loff;
    m->lists = array(n_rows, 0, 1, 2, m->lb, 1, m->ls);
}

static void test_feature_rows(void)
{
    enum { ROWS = 40 };
    static map_fixture m;
    map_build(&m, ROWS);
    fh_arrow_lists l;
    CHECK(fh_arrow_lists_init(&m.map, &m.lists, &l) == FH_OK);
    CHECK(l.pairs == 1 && l.length == ROWS);
    int64_t items = fh_arrow_list_item_count(&l, 0, ROWS);
    int32_t cols[4][1024];
    double vals[4][1024];
    int64_t nnz[4][ROWS], total[4];
    uint8_t flags[4][ROWS];
    for (int unique = 0; unique <= 1; unique++) {
        for (int th = 1; th <= 4; th++) {
            fh_sink s = {cols[th - 1], vals[th - 1], 0, 1024, 97, 0, 1, FH_CHECK_NONE, 0, 0};
            s.n = 3; /* appended after what the sink holds */
            CHECK(fh_arrow_feature_rows(&l, 0, ROWS, unique, th, NULL, &s, nnz[th - 1],
                                        flags[th - 1]) == FH_OK);
            total[th - 1] = s.n - 3;
        }
        for (int th = 2; th <= 4; th++) {
            CHECK(total[th - 1] == total[0]);
            CHECK(memcmp(cols[th - 1] + 3, cols[0] + 3, sizeof(int32_t) * (size_t)total[0]) == 0);
            CHECK(memcmp(vals[th - 1] + 3, vals[0] + 3, sizeof(double) * (size_t)total[0]) == 0);
            CHECK(memcmp(nnz[th - 1], nnz[0], sizeof nnz[0]) == 0);
            CHECK(memcmp(flags[th - 1], flags[0], sizeof flags[0]) == 0);
        }
        int64_t sum = 0, want_total = 0;
        for (int i = 0; i < ROWS; i++) {
            sum += nnz[0][i];
            int k_items = i == 13 ? 0 : i % 7;
            int python = i == 13 || (unique && (i == 5 || i == 11));
            CHECK(flags[0][i] == (python ? FH_ROW_PYTHON : 0));
            if (!python)
                want_total += k_items - (k_items > 2); /* the item of value 0 is skipped */
        }
        CHECK(sum == total[0] && total[0] == want_total);
        CHECK(total[0] < items);
    }
    /* an entry: column and sign of murmur3("f0"), value -2 signed */
    fh_sink s = {cols[0], vals[0], 0, 1024, 97, 0, 1, FH_CHECK_NONE, 0, 0};
    CHECK(fh_arrow_feature_rows(&l, 1, 1, 0, 1, NULL, &s, nnz[0], flags[0]) == FH_OK);
    uint32_t key = fh_feature_key(fh_murmur3_32("f0", 2, 0), 97, 0, 1);
    CHECK(s.n == 1 && cols[0][0] == (int32_t)(key >> 1));
    CHECK(vals[0][0] == ((key & 1) ? 2.0 : -2.0));
    /* values the caller assigns: the row goes to Python */
    fh_sink r = {cols[0], vals[0], 0, 1024, 97, 0, 1, FH_CHECK_RANGE, -1.5, 10.0};
    CHECK(fh_arrow_feature_rows(&l, 3, 1, 0, 1, NULL, &r, nnz[0], flags[0]) == FH_OK);
    CHECK(flags[0][0] == FH_ROW_PYTHON && r.n == 0);
    /* too small a sink; a cancelled read leaves the sink as it was */
    fh_sink small = {cols[0], vals[0], 0, 2, 97, 0, 1, FH_CHECK_NONE, 0, 0};
    CHECK(fh_arrow_feature_rows(&l, 0, ROWS, 0, 1, NULL, &small, nnz[0], flags[0]) ==
          FH_ERR_BADARG);
    fh_cancel *c = NULL;
    CHECK(fh_cancel_new(&c) == FH_OK);
    fh_cancel_request(c);
    fh_sink cs = {cols[0], vals[0], 5, 1024, 97, 0, 1, FH_CHECK_NONE, 0, 0};
    CHECK(fh_arrow_feature_rows(&l, 0, ROWS, 0, 2, c, &cs, nnz[0], flags[0]) ==
          FH_ERR_CANCELLED);
    CHECK(cs.n == 5);
    fh_cancel_free(c);
}

int main(void)
{
    test_classify();
    test_offsets_and_layout_checks();
    test_views();
    test_dictionaries();
    test_docs();
    test_docs_through_the_kernel();
    test_feature_rows();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_arrow: all checks passed\n");
    return 0;
}
