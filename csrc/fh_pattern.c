/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_pattern.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_tokenize_impl.h"
#include "fh_unicode_impl.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define FH_MAX_RANGES 6 /* ASCII ranges tested with SIMD compares; more: a table lookup */

/* ---------------------------------------------------------------- code point table */

/* Flags of a code point in a pattern's table (FH_SET_* bit positions). */
#define F_CLASS (1u << FH_SET_CLASS)
#define F_WORD (1u << FH_SET_WORD)
#define F_LCLASS (1u << FH_SET_LOWER_CLASS)
#define F_LWORD (1u << FH_SET_LOWER_WORD)
#define F_COMPLEX (1u << FH_SET_LOWER_COMPLEX)
#define F_SAME (1u << 5)      /* its own lowercase */
#define F_SURROGATE (1u << 6) /* a lone surrogate (so is its lowercase) */

/* Flat-table bits beside the UTF-8 bytes and their length (FH_UF_LEN_SHIFT), which keep
 * the places they have in fh_u_flat_lower / fh_u_flat_keep. */
#define PF_CLASS (1u << 24)    /* in C */
#define PF_WORD (1u << 25)     /* in W */
#define PF_BYTES 0xC0FFFFFFu   /* the bytes and their number */
#if FH_UF_SPECIAL != (1u << 26) || FH_UF_LEN_SHIFT != 30
#error "the pattern's flat table assumes the layout of fh_u_flat_lower"
#endif

#define N_BLOCKS 0x1100 /* blocks of 256 code points below U+110000 */
#define HASH_SLOTS 8192 /* > N_BLOCKS, a power of two */

/* The flags of every code point: a two-level table (a block index per 256 code points,
 * distinct blocks of 256 flag bytes stored once). One load per code point gives all the
 * tests of a position: in the class, a word character, and the same after lowercasing. */
typedef struct {
    uint16_t index[N_BLOCKS];
    uint8_t *blocks;
    int64_t n_blocks;
    uint8_t *bmp; /* the flags of U+0000..U+FFFF, flat: one load for 1- and 2-byte text */
} cp_table;

static inline uint8_t table_get(const cp_table *t, uint32_t cp)
{
    return t->blocks[((int64_t)t->index[cp >> 8] << 8) | (cp & 0xFF)];
}

static inline uint8_t table_get_bmp(const cp_table *t, uint32_t cp) { return t->bmp[cp]; }
static inline uint8_t table_get_any(const cp_table *t, uint32_t cp)
{
    return cp < 0x10000 ? t->bmp[cp] : table_get(t, cp);
}

/* The same lookups on a table's pointers held in locals (hot loops that store bytes:
 * the compiler must otherwise reload them after every store). */
#define LOOKUP_BMP(BMP, BLOCKS, INDEX, CP) ((BMP)[CP])
#define LOOKUP_ANY(BMP, BLOCKS, INDEX, CP)                                                \
    ((CP) < 0x10000 ? (BMP)[CP] : (BLOCKS)[((int64_t)(INDEX)[(CP) >> 8] << 8) | ((CP) & 0xFF)])

static inline int bit_of(const uint8_t *bits, uint32_t cp) { return (bits[cp >> 3] >> (cp & 7)) & 1; }

static uint32_t block_hash(const uint8_t *b)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 256; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* Build t: the flags of the class and word bitmaps, and of the code points' lowercases
 * (fh_u_rec: the interpreter's full lowercase mapping). Distinct blocks are found with a
 * hash table. */
static fh_status table_init(cp_table *t, const uint8_t *cls, const uint8_t *word)
{
    fh_status st = FH_ERR_NOMEM;
    int32_t *slots = malloc(sizeof(int32_t) * HASH_SLOTS);
    uint8_t *blocks = malloc((size_t)N_BLOCKS * 256);
    t->blocks = NULL;
    t->n_blocks = 0;
    if (!slots || !blocks)
        goto cleanup;
    for (int k = 0; k < HASH_SLOTS; k++)
        slots[k] = -1;
    for (uint32_t k = 0; k < N_BLOCKS; k++) {
        uint8_t *b = blocks + 256 * t->n_blocks; /* built in the next free block */
        for (uint32_t j = 0; j < 256; j++) {
            uint32_t cp = (k << 8) | j;
            const fh_u_record *r = fh_u_rec(cp);
            uint8_t f = (uint8_t)(bit_of(cls, cp) * F_CLASS | bit_of(word, cp) * F_WORD |
                                  (cp - 0xD800u < 0x800u) * F_SURROGATE);
            if (r->nlower != 1 || cp == 0x3A3) {
                f |= F_COMPLEX;
            } else {
                uint32_t lo = (uint32_t)((int32_t)cp + r->lower);
                f |= (uint8_t)(bit_of(cls, lo) * F_LCLASS | bit_of(word, lo) * F_LWORD |
                               (lo == cp) * F_SAME);
            }
            b[j] = f;
        }
        uint32_t slot = block_hash(b) & (HASH_SLOTS - 1);
        while (slots[slot] >= 0 && memcmp(blocks + 256 * slots[slot], b, 256) != 0)
            slot = (slot + 1) & (HASH_SLOTS - 1);
        if (slots[slot] < 0)
            slots[slot] = (int32_t)t->n_blocks++;
        t->index[k] = (uint16_t)slots[slot];
    }
    t->bmp = malloc(0x10000);
    if (!t->bmp)
        goto cleanup;
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        t->bmp[cp] = blocks[((int64_t)t->index[cp >> 8] << 8) | (cp & 0xFF)];
    t->blocks = realloc(blocks, (size_t)t->n_blocks * 256); /* shrinking: cannot fail */
    if (!t->blocks)
        t->blocks = blocks;
    blocks = NULL;
    st = FH_OK;
cleanup:
    free(slots);
    free(blocks);
    return st;
}

/* ---------------------------------------------------------------- ASCII bitmaps */

/* The ASCII part of a set, as the fewest ranges of members (or of non-members, inverted). */
typedef struct {
    int n; /* ranges; -1: more than FH_MAX_RANGES, use the bits */
    int invert;
    uint8_t lo[FH_MAX_RANGES], hi[FH_MAX_RANGES];
    uint64_t bits[2];
} ascii_set;

static int ranges_of(const uint64_t bits[2], int want, uint8_t *lo, uint8_t *hi)
{
    int n = 0;
    for (int c = 0; c < 128;) {
        if ((int)((bits[c >> 6] >> (c & 63)) & 1) != want) {
            c++;
            continue;
        }
        int e = c;
        while (e + 1 < 128 && (int)((bits[(e + 1) >> 6] >> ((e + 1) & 63)) & 1) == want)
            e++;
        if (n < FH_MAX_RANGES) {
            lo[n] = (uint8_t)c;
            hi[n] = (uint8_t)e;
        }
        n++;
        c = e + 1;
    }
    return n;
}

/* The ASCII code points with flag f. */
static void ascii_set_init(ascii_set *a, const cp_table *t, unsigned f)
{
    memset(a, 0, sizeof *a);
    for (uint32_t c = 0; c < 128; c++)
        if (table_get(t, c) & f)
            a->bits[c >> 6] |= 1ull << (c & 63);
    uint8_t lo[FH_MAX_RANGES], hi[FH_MAX_RANGES];
    int n1 = ranges_of(a->bits, 1, a->lo, a->hi);
    int n0 = ranges_of(a->bits, 0, lo, hi);
    if (n0 < n1) {
        a->invert = 1;
        memcpy(a->lo, lo, sizeof lo);
        memcpy(a->hi, hi, sizeof hi);
        n1 = n0;
    }
    a->n = n1 <= FH_MAX_RANGES ? n1 : -1;
}

static inline int ascii_has(const ascii_set *a, uint8_t c)
{
    return (int)((a->bits[c >> 6] >> (c & 63)) & 1);
}

/* Bit i of mask (nw = n / 64 + 1 words) is set iff s[i] (ASCII) is in the set; bits from
 * n on are clear. */
static void ascii_set_mask(const ascii_set *a, const uint8_t *s, int64_t n, uint64_t *mask)
{
    int64_t nw = n / 64 + 1, w = 0;
#ifdef __SSE2__
    if (a->n >= 0) {
        /* lo <= v <= hi with signed compares (every byte is < 0x80), 64 bytes a word */
        __m128i lo[FH_MAX_RANGES], hi[FH_MAX_RANGES];
        const int nr = a->n;
        const uint32_t inv = a->invert ? 0xFFFFu : 0u;
        for (int k = 0; k < nr; k++) {
            lo[k] = _mm_set1_epi8((char)(a->lo[k] - 1));
            hi[k] = _mm_set1_epi8((char)a->hi[k]);
        }
#define FH_IN_RANGE(K) _mm_andnot_si128(_mm_cmpgt_epi8(v, hi[K]), _mm_cmpgt_epi8(v, lo[K]))
        for (; (w + 1) * 64 <= n; w++) {
            uint64_t m = 0;
            for (int q = 0; q < 4; q++) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 64 * w + 16 * q));
                __m128i in = _mm_setzero_si128();
                switch (nr) { /* falls through: ranges nr - 1 .. 0 */
                case 6: in = _mm_or_si128(in, FH_IN_RANGE(5)); /* fall through */
                case 5: in = _mm_or_si128(in, FH_IN_RANGE(4)); /* fall through */
                case 4: in = _mm_or_si128(in, FH_IN_RANGE(3)); /* fall through */
                case 3: in = _mm_or_si128(in, FH_IN_RANGE(2)); /* fall through */
                case 2: in = _mm_or_si128(in, FH_IN_RANGE(1)); /* fall through */
                case 1: in = _mm_or_si128(in, FH_IN_RANGE(0)); /* fall through */
                default: break;
                }
                m |= (uint64_t)((uint32_t)_mm_movemask_epi8(in) ^ inv) << (16 * q);
            }
            mask[w] = m;
        }
#undef FH_IN_RANGE
    }
#endif
    for (; w < nw; w++) {
        int64_t base = w * 64, lim = base + 64 < n ? base + 64 : n;
        uint64_t m = 0;
        for (int64_t i = base; i < lim; i++)
            m |= (uint64_t)ascii_has(a, s[i]) << (i - base);
        mask[w] = m;
    }
}

/* ---------------------------------------------------------------- patterns */

struct fh_pattern {
    cp_table table; /* F_* flags of every code point */
    ascii_set cls_ascii, word_ascii;
    int64_t min, max; /* max: INT64_MAX when unbounded */
    int b1, b2;       /* \b before, after */
    int scanner;      /* FH_SCAN_* */
    int run_word;     /* FH_SCAN_RUNS with anchors: W of every class character (0 or 1) */
    int ascii_caseless; /* no ASCII letter is in the class: lowering ASCII text changes no
                           token and no class test */
    uint32_t *flat[2];  /* FH_SCAN_RUNS: per BMP code point, [0] as it is, [1] lowercased:
                           the UTF-8 bytes, PF_CLASS, PF_WORD, or FH_UF_SPECIAL alone */
};

static uint64_t load_word(const uint8_t *bits, int64_t w)
{
    uint64_t x = 0;
    for (int k = 0; k < 8; k++)
        x |= (uint64_t)bits[8 * w + k] << (8 * k);
    return x;
}

/* 1 if C is inside W, 0 if C and W are disjoint, -1 otherwise; *equal: C == W. */
static int class_in_word(const uint8_t *c, const uint8_t *w, int *equal)
{
    int inside = 1, outside = 1;
    *equal = 1;
    for (int64_t k = 0; k < FH_CHARSET_BYTES / 8; k++) {
        uint64_t x = load_word(c, k), y = load_word(w, k);
        inside &= (x & ~y) == 0;
        outside &= (x & y) == 0;
        *equal &= x == y;
    }
    return inside ? 1 : outside ? 0 : -1;
}

/* p->flat (see stream_runs): fh_u_flat_keep's and fh_u_flat_lower's bytes, with the
 * pattern's sets in place of their classes; special as there (a code point whose form is
 * not one code point, the capital sigma lowered, the surrogates), so never in the class. */
static fh_status flat_init(fh_pattern *p)
{
    for (int lower = 0; lower < 2; lower++) {
        const uint32_t *u = lower ? fh_u_flat_lower : fh_u_flat_keep;
        const unsigned fc = lower ? F_LCLASS : F_CLASS, fw = lower ? F_LWORD : F_WORD;
        uint32_t *flat = malloc(0x10000 * sizeof *flat);
        if (!flat)
            return FH_ERR_NOMEM;
        p->flat[lower] = flat;
        for (uint32_t cp = 0; cp < 0x10000; cp++) {
            unsigned f = table_get_bmp(&p->table, cp);
            flat[cp] = u[cp] & FH_UF_SPECIAL
                           ? FH_UF_SPECIAL
                           : (u[cp] & PF_BYTES) | (f & fc ? PF_CLASS : 0) | (f & fw ? PF_WORD : 0);
        }
    }
    return FH_OK;
}

fh_status fh_pattern_new(const fh_pattern_spec *spec, fh_pattern **out)
{
    *out = NULL;
    if (!spec || !spec->class_bits || !spec->word_bits || spec->min_count < 0 ||
        (spec->max_count != -1 && spec->max_count < spec->min_count))
        return FH_ERR_BADARG;
    fh_pattern *p = calloc(1, sizeof *p);
    if (!p)
        return FH_ERR_NOMEM;
    if (table_init(&p->table, spec->class_bits, spec->word_bits) != FH_OK) {
        fh_pattern_free(p);
        return FH_ERR_NOMEM;
    }
    ascii_set_init(&p->cls_ascii, &p->table, F_CLASS);
    ascii_set_init(&p->word_ascii, &p->table, F_WORD);
    p->min = spec->min_count;
    p->max = spec->max_count < 0 ? INT64_MAX : spec->max_count;
    p->b1 = spec->bound_start != 0;
    p->b2 = spec->bound_end != 0;
    int equal;
    int inw = class_in_word(spec->class_bits, spec->word_bits, &equal);
    p->scanner = FH_SCAN_GENERAL;
    if (p->min >= 1 && p->max == INT64_MAX && ((!p->b1 && !p->b2) || inw >= 0)) {
        p->scanner = FH_SCAN_RUNS;
        p->run_word = inw > 0;
        if (equal) /* a maximal run of W always begins and ends at a boundary */
            p->b1 = p->b2 = 0;
    }
    if (p->scanner == FH_SCAN_RUNS && flat_init(p) != FH_OK) {
        fh_pattern_free(p);
        return FH_ERR_NOMEM;
    }
    /* 'A'..'Z' (0x41..0x5A) and 'a'..'z' (0x61..0x7A): bits 1..26 and 33..58 of word 1 */
    const uint64_t letters = (0x3FFFFFFull << 1) | (0x3FFFFFFull << 33);
    p->ascii_caseless = (p->cls_ascii.bits[1] & letters) == 0;
    *out = p;
    return FH_OK;
}

void fh_pattern_free(fh_pattern *p)
{
    if (!p)
        return;
    free(p->flat[0]);
    free(p->flat[1]);
    free(p->table.blocks);
    free(p->table.bmp);
    free(p);
}

int fh_pattern_scanner(const fh_pattern *p) { return p->scanner; }

int fh_pattern_has(const fh_pattern *p, int which, uint32_t cp)
{
    if (cp >= 0x110000 || which < 0 || which > FH_SET_LOWER_COMPLEX)
        return 0;
    return (table_get_any(&p->table, cp) >> which) & 1;
}

/* ---------------------------------------------------------------- text views */

/* The general scanner reads the class and word bits of its positions a block at a time
 * (one block per cursor, polling the cancellation token at each new block), so that its
 * scratch is bounded whatever the length of the document. */
#define GB_LOG 12
#define GB_UNITS ((int64_t)1 << GB_LOG) /* positions per block */
#define GB_WORDS (GB_UNITS / 64)

/* The text a pattern runs on, one position per code point, as one of: */
enum {
    VIEW_ASCII = 0,    /* ASCII bytes: tokens are slices of tb->base */
    VIEW_PREPARED = 3, /* the document lowercased (full mapping) and accent-stripped,
                          produced a block at a time from marks (prepare_marks) */
    /* FH_KIND_UCS1, 2, 4: the document's own code units; with `lower`, each stands for
     * its lowercase (one code point: documents with a complex lowercasing are prepared) */
};

/* Non-ASCII tokens are UTF-8 encoded into tb->buf as they are found, each followed by one
 * space so that word n-grams are slices too. */
typedef struct {
    fh_tokbuf *tb;
    const fh_stopset *stop;
    const fh_pattern *p;
    int kind; /* VIEW_* or FH_KIND_UCS1/2/4 */
    int lower;
    unsigned cflag, wflag; /* the class and word flags of a unit (F_LCLASS, F_LWORD when
                              it stands for its lowercase) */
    const void *data;      /* ASCII: the bytes (tb->base); UCS: the document's units */
    int64_t n;             /* positions */
    const uint8_t *unlowered; /* ASCII lowercased into data (tb->buf) as the scan reaches
                                 it: the document (else NULL) */
    int64_t lowered;          /* bytes of data lowercased so far */
    /* VIEW_PREPARED: the document and how it is prepared */
    const void *src;
    int src_kind, lowercase, strip;
    int64_t src_n;
    fh_status err; /* the first failure met while reading a block: it ends the scan */
} text_view;

static inline uint32_t unit_at(const void *data, int kind, int64_t i)
{
    switch (kind) {
    case FH_KIND_UCS2: return ((const uint16_t *)data)[i];
    case FH_KIND_UCS4: return ((const uint32_t *)data)[i];
    default: return ((const uint8_t *)data)[i];
    }
}

/* Lowercase of a code point that lowercases to one code point (any other is returned as
 * it is: a view meeting one is prepared instead, its tokens dropped). */
static inline uint32_t lower_one(uint32_t cp)
{
    if (cp < 0x80)
        return cp + ((cp - 'A' < 26u) << 5);
    const fh_u_record *r = fh_u_rec(cp);
    return r->nlower == 1 ? (uint32_t)((int32_t)cp + r->lower) : cp;
}

/* Lowercase the ASCII view's bytes up to position hi (exclusive). */
static inline void ascii_lower_upto(text_view *t, int64_t hi)
{
    if (t->unlowered && hi > t->lowered) {
        ascii_lower(t->unlowered + t->lowered, hi - t->lowered,
                    (uint8_t *)t->data + t->lowered);
        t->lowered = hi;
    }
}

/* ---------------------------------------------------------------- prepared text */

/* Prepared block k starts at source position marks[3 k], skipping the first
 * marks[3 k + 1] code points of that position's expansion (the end of block k - 1);
 * marks[3 k + 2] is the word flag of block k - 1's last code point. */
#define MARK_FIELDS 3

/* Prepared code points of s (lowercase with the full mapping, final sigma judged on the
 * original text, then strip accents) from source position *src, skipping the first *skip
 * of its own expansion, into out: `want` of them, or fewer at the end of the text. Moves
 * *src and *skip past them; returns their number. */
#define DEFINE_PREPARE_RANGE(NAME, T, SIGMA)                                              \
    static int64_t NAME(const T *s, int64_t n, int lowercase, int strip, int64_t *src,   \
                        int64_t *skip, int64_t want, uint32_t *out)                       \
    {                                                                                     \
        int64_t k = 0, i = *src, j = *skip;                                               \
        while (k < want && i < n) {                                                       \
            uint32_t cp = s[i], lo[3], x[3 * FH_STRIP_MAX];                               \
            int nlo = 1, nx = 0;                                                          \
            if (!lowercase) {                                                             \
                lo[0] = cp;                                                               \
            } else if (cp < 0x80) {                                                       \
                lo[0] = cp + ((cp - 'A' < 26u) << 5);                                     \
            } else {                                                                      \
                nlo = fh_u_lower_full(cp, cp == 0x3A3 && SIGMA(s, n, i), lo);             \
            }                                                                             \
            if (!strip) {                                                                 \
                for (int q = 0; q < nlo; q++)                                             \
                    x[nx++] = lo[q];                                                      \
            } else {                                                                      \
                for (int q = 0; q < nlo; q++)                                             \
                    nx += fh_u_strip(lo[q], strip, x + nx);                               \
            }                                                                             \
            int64_t take = nx - j < want - k ? nx - j : want - k;                         \
            for (int64_t q = 0; q < take; q++)                                            \
                out[k + q] = x[j + q];                                                    \
            k += take;                                                                    \
            if (j + take == nx) {                                                         \
                i++;                                                                      \
                j = 0;                                                                    \
            } else {                                                                      \
                j += take;                                                                \
            }                                                                             \
        }                                                                                 \
        *src = i;                                                                         \
        *skip = j;                                                                        \
        return k;                                                                         \
    }

FH_DEFINE_FINAL_SIGMA(final_sigma_1, uint8_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_2, uint16_t)
FH_DEFINE_FINAL_SIGMA(final_sigma_4, uint32_t)
DEFINE_PREPARE_RANGE(prepare_range_1, uint8_t, final_sigma_1)
DEFINE_PREPARE_RANGE(prepare_range_2, uint16_t, final_sigma_2)
DEFINE_PREPARE_RANGE(prepare_range_4, uint32_t, final_sigma_4)

static int64_t prepare_range(const text_view *t, int64_t *src, int64_t *skip, int64_t want,
                             uint32_t *out)
{
    switch (t->src_kind) {
    case FH_KIND_UCS1:
        return prepare_range_1(t->src, t->src_n, t->lowercase, t->strip, src, skip, want, out);
    case FH_KIND_UCS2:
        return prepare_range_2(t->src, t->src_n, t->lowercase, t->strip, src, skip, want, out);
    default:
        return prepare_range_4(t->src, t->src_n, t->lowercase, t->strip, src, skip, want, out);
    }
}

/* First pass over a prepared view: its length t->n and the marks of its blocks (in
 * tb->runs). Polls once per block. Scratch: tb->cp (GB_UNITS code points), the marks. */
static fh_status prepare_marks(text_view *t)
{
    fh_tokbuf *tb = t->tb;
    int64_t src = 0, skip = 0, total = 0, wprev = 0;
    for (int64_t k = 0;; k++) {
        if (k > 0 && fh_cancel_poll(tb->cancel))
            return FH_ERR_CANCELLED;
        FH_GROW(tb->runs, tb->cap_runs, MARK_FIELDS * (k + 1), 64, return FH_ERR_NOMEM);
        int64_t *mark = tb->runs + MARK_FIELDS * k;
        mark[0] = src;
        mark[1] = skip;
        mark[2] = wprev;
        int64_t got = prepare_range(t, &src, &skip, GB_UNITS, tb->cp);
        total += got;
        if (got < GB_UNITS) /* the end of the text */
            break;
        wprev = (table_get_any(&t->p->table, tb->cp[GB_UNITS - 1]) & F_WORD) != 0;
    }
    t->n = total;
    return FH_OK;
}

/* The code points of prepared block k into out (GB_UNITS entries); returns their number. */
static int64_t prepared_block(const text_view *t, int64_t k, uint32_t *out)
{
    const int64_t *mark = t->tb->runs + MARK_FIELDS * k;
    int64_t src = mark[0], skip = mark[1];
    return prepare_range(t, &src, &skip, GB_UNITS, out);
}

/* ---------------------------------------------------------------- bitmaps of units */

/* Bit i of mask (n / 64 + 1 words) is set iff the flags of s[i] have a bit of `flag`; bits
 * from n on are clear. Returns the OR of every code point's flags. */
#define DEFINE_UNIT_MASK(NAME, T, GET)                                                    \
    static unsigned NAME(const cp_table *tab, const T *s, int64_t n, unsigned flag,       \
                         uint64_t *mask)                                                  \
    {                                                                                     \
        int64_t nw = n / 64 + 1;                                                          \
        unsigned any = 0;                                                                 \
        for (int64_t w = 0; w < nw; w++) {                                                \
            int64_t base = w * 64, lim = base + 64 < n ? base + 64 : n;                   \
            uint64_t m = 0;                                                               \
            for (int64_t i = base; i < lim; i++) {                                        \
                unsigned f = GET(tab, s[i]);                                              \
                any |= f;                                                                 \
                m |= (uint64_t)((f & flag) != 0) << (i - base);                           \
            }                                                                             \
            mask[w] = m;                                                                  \
        }                                                                                 \
        return any;                                                                       \
    }
DEFINE_UNIT_MASK(unit_mask_1, uint8_t, table_get_bmp)
DEFINE_UNIT_MASK(unit_mask_2, uint16_t, table_get_bmp)
DEFINE_UNIT_MASK(unit_mask_4, uint32_t, table_get_any)

/* A block of the class (word = 0) or word (word = 1) bits of a view, read by one cursor of
 * the general scanner. */
typedef struct {
    int64_t blk;                 /* the block held, -1 for none */
    uint64_t bits[GB_WORDS + 1]; /* the block's bits (the mask functions write one word
                                    past a full block); bits past the text are clear */
    uint64_t before;             /* the bit of the position before the block */
} cursor;

/* Make c hold block blk of t's class or word bits. A failure (cancelled, or a complex
 * lowercasing met in a view that lowercases as it reads) is left in t->err, with clear
 * bits. */
static void cursor_fill(text_view *t, cursor *c, int64_t blk, int word)
{
    const fh_pattern *p = t->p;
    const int64_t lo = blk << GB_LOG;
    int64_t len = t->n - lo;
    len = len < 0 ? 0 : len > GB_UNITS ? GB_UNITS : len;
    c->blk = blk;
    c->before = 0;
    if ((blk > 0 && fh_cancel_poll(t->tb->cancel)) || t->err) {
        if (!t->err)
            t->err = FH_ERR_CANCELLED;
        memset(c->bits, 0, sizeof c->bits);
        return;
    }
    const unsigned flag = word ? t->wflag : t->cflag;
    unsigned any = 0;
    switch (t->kind) {
    case VIEW_ASCII: {
        const uint8_t *s = t->data;
        ascii_lower_upto(t, lo + len);
        ascii_set_mask(word ? &p->word_ascii : &p->cls_ascii, s + lo, len, c->bits);
        if (word && lo > 0 && lo <= t->n)
            c->before = (uint64_t)ascii_has(&p->word_ascii, s[lo - 1]);
        return;
    }
    case VIEW_PREPARED: {
        uint32_t *cps = t->tb->cp;
        int64_t got = prepared_block(t, blk, cps);
        unit_mask_4(&p->table, cps, got, flag, c->bits);
        if (word && lo <= t->n)
            c->before = (uint64_t)t->tb->runs[MARK_FIELDS * blk + 2];
        return;
    }
    case FH_KIND_UCS1:
        any = unit_mask_1(&p->table, (const uint8_t *)t->data + lo, len, flag, c->bits);
        break;
    case FH_KIND_UCS2:
        any = unit_mask_2(&p->table, (const uint16_t *)t->data + lo, len, flag, c->bits);
        break;
    default:
        any = unit_mask_4(&p->table, (const uint32_t *)t->data + lo, len, flag, c->bits);
        break;
    }
    if (t->lower && (any & F_COMPLEX))
        t->err = FH_ERR_BADARG; /* the caller prepares the text */
    if (word && lo > 0 && lo <= t->n)
        c->before = (table_get_any(&p->table, unit_at(t->data, t->kind, lo - 1)) & flag) != 0;
}

/* Word w of the class bits (c a class cursor). */
static inline uint64_t class_word(text_view *t, cursor *c, int64_t w)
{
    if (c->blk != w >> (GB_LOG - 6))
        cursor_fill(t, c, w >> (GB_LOG - 6), 0);
    return c->bits[w & (GB_WORDS - 1)];
}

/* Boundary bits of word w (c a word cursor): bit j set iff \b holds at position 64 w + j
 * (word bits past the text are clear, so the boundary at its end comes out right). */
static inline uint64_t boundary_word(text_view *t, cursor *c, int64_t w)
{
    if (c->blk != w >> (GB_LOG - 6))
        cursor_fill(t, c, w >> (GB_LOG - 6), 1);
    int64_t j = w & (GB_WORDS - 1);
    uint64_t x = c->bits[j];
    return x ^ ((x << 1) | (j ? c->bits[j - 1] >> 63 : c->before));
}

/* First position q in [from, n] where \b holds, or n + 1 (also on a failure). */
static int64_t next_boundary(text_view *t, cursor *c, int64_t from)
{
    const int64_t n = t->n, last = n / 64;
    int64_t w = from / 64;
    uint64_t x = boundary_word(t, c, w) & (~0ull << (from & 63));
    while (!x) {
        if (++w > last || t->err)
            return n + 1;
        x = boundary_word(t, c, w);
    }
    int64_t q = w * 64 + ctz64(x);
    return q <= n ? q : n + 1;
}

/* Last position q in [lo, hi] where \b holds, or -1 (0 <= lo <= hi <= n; also -1 on a
 * failure). */
static int64_t last_boundary(text_view *t, cursor *c, int64_t lo, int64_t hi)
{
    int64_t w = hi / 64, wlo = lo / 64;
    uint64_t x = boundary_word(t, c, w) & (~0ull >> (63 - (hi & 63)));
    for (;;) {
        if (w == wlo)
            x &= ~0ull << (lo & 63);
        if (x)
            return w * 64 + 63 - clz64(x);
        if (w == wlo || t->err)
            return -1;
        x = boundary_word(t, c, --w);
    }
}

/* First position q >= from (from <= n) that is not a class position (<= n; from on a
 * failure). */
static int64_t run_end(text_view *t, cursor *c, int64_t from)
{
    int64_t w = from / 64;
    uint64_t x = ~class_word(t, c, w) & (~0ull << (from & 63));
    while (!x) {
        x = ~class_word(t, c, ++w);
        if (t->err)
            return from;
    }
    return w * 64 + ctz64(x);
}

/* ---------------------------------------------------------------- tokens */

#define DEFINE_PUT_UTF8(NAME, T)                                                          \
    static int64_t NAME(const T *s, int64_t a, int64_t b, int lower, uint8_t *out, int *sur) \
    {                                                                                     \
        int64_t at = 0;                                                                   \
        for (int64_t i = a; i < b; i++) {                                                 \
            uint32_t c = lower ? lower_one(s[i]) : s[i];                                  \
            *sur |= c - 0xD800u < 0x800u;                                                 \
            at += fh_put_utf8(out + at, c);                                               \
        }                                                                                 \
        return at;                                                                        \
    }
DEFINE_PUT_UTF8(put_utf8_1, uint8_t)
DEFINE_PUT_UTF8(put_utf8_2, uint16_t)
DEFINE_PUT_UTF8(put_utf8_4, uint32_t)

/* Token [a, b) of the view (the tokens of a view come in increasing order). A long token
 * is written a block at a time, polling the cancellation token. For VIEW_PREPARED, tc
 * holds the prepared block last read (tc_blk its number; tb->cp + GB_UNITS). */
static fh_status put_token(text_view *t, int64_t a, int64_t b, int64_t *tc_blk)
{
    fh_tokbuf *tb = t->tb;
    if (t->kind == VIEW_ASCII)
        return add_token(tb, a, b - a, t->stop, 0);
    uint8_t *out = tb->buf;
    const int64_t start = tb->len;
    int64_t len = 0;
    int sur = 0;
    for (int64_t x = a; x < b;) {
        if (x > a && fh_cancel_poll(tb->cancel))
            return FH_ERR_CANCELLED;
        int64_t y = b - x < GB_UNITS ? b : x + GB_UNITS;
        switch (t->kind) {
        case FH_KIND_UCS1: len += put_utf8_1(t->data, x, y, t->lower, out + start + len, &sur); break;
        case FH_KIND_UCS2: len += put_utf8_2(t->data, x, y, t->lower, out + start + len, &sur); break;
        case FH_KIND_UCS4: len += put_utf8_4(t->data, x, y, t->lower, out + start + len, &sur); break;
        default: { /* VIEW_PREPARED: within one block */
            int64_t k = x >> GB_LOG, lo = k << GB_LOG;
            uint32_t *cps = tb->cp + GB_UNITS;
            if (*tc_blk != k) {
                prepared_block(t, k, cps);
                *tc_blk = k;
            }
            y = b < lo + GB_UNITS ? b : lo + GB_UNITS;
            len += put_utf8_4(cps, x - lo, y - lo, 0, out + start + len, &sur);
            break;
        }
        }
        x = y;
    }
    int64_t kept = tb->n;
    fh_status st = add_token(tb, start, len, t->stop, sur);
    if (st != FH_OK)
        return st;
    if (tb->n > kept) {
        out[start + len] = ' '; /* separates it from the next token */
        tb->len = start + len + 1;
    }
    return FH_OK;
}

/* ---------------------------------------------------------------- scanners */

/* FH_SCAN_RUNS on code units, in one pass, as the word tokenizers of fh_tokenize.c run:
 * a code point of the BMP takes one load of the pattern's flat table (p->flat), which
 * gives the UTF-8 bytes of the code point (LOWER: of its lowercase), whether that is in
 * the class C and whether it is a word character, so a run of class characters is copied
 * by a loop that does nothing else. The code points the table does not describe (astral
 * ones, lone surrogates and, LOWER, those lowercasing to several code points or by context:
 * U+0130, the capital sigma) take the general path, out of line, one position of the
 * lowered text at a time. A run ends in a token when it has at least m positions and the
 * anchors hold at its ends: \b before it iff the position before it, none outside the
 * text, is a word character unlike run_word, and after it likewise (no \b falls inside a
 * run: C is inside W or outside it). Tokens are kept, hashed (in batches of spans with
 * BATCH) or counted as FH_END_RUN does. Polls every FH_POLL_ITEMS units. */

/* Word flag (F_WORD) of the last code point code unit s[i] becomes (lowered with LOWER). */
#define DEFINE_WORD_AT(NAME, T, SIGMA)                                                    \
    static int NAME(const fh_pattern *p, const T *s, int64_t n, int64_t i, int lower)    \
    {                                                                                     \
        uint32_t cp = s[i];                                                               \
        unsigned f = table_get_any(&p->table, cp);                                        \
        if (!lower)                                                                       \
            return (f & F_WORD) != 0;                                                     \
        if (!(f & F_COMPLEX))                                                             \
            return (f & F_LWORD) != 0;                                                    \
        uint32_t x[3];                                                                    \
        int nx = fh_u_lower_full(cp, cp == 0x3A3 && SIGMA(s, n, i), x);                   \
        return (table_get_any(&p->table, x[nx - 1]) & F_WORD) != 0;                       \
    }
DEFINE_WORD_AT(word_at_1, uint8_t, final_sigma_1)
DEFINE_WORD_AT(word_at_2, uint16_t, final_sigma_2)
DEFINE_WORD_AT(word_at_4, uint32_t, final_sigma_4)

/* A run that fails its anchors is dropped as a short one is (m >= 1). */
#define PAT_END_RUN(WAFTER)                                                               \
    do {                                                                                  \
        if ((b1 && wbefore == rw) || (b2 && (WAFTER) == rw))                              \
            run = 0;                                                                      \
        FH_END_RUN();                                                                     \
    } while (0)

#define DEFINE_STREAM_RUNS(NAME, T, SIGMA, WORD_AT, LOWER, BATCH)                         \
    /* The positions code unit s[i] becomes, each joining the run or ending it. */        \
    static FH_NOINLINE fh_status NAME##_general(fh_wstate *w, int *wbefore_io,            \
                                                const fh_pattern *p, const text_view *t,  \
                                                int64_t i)                                \
    {                                                                                     \
        uint8_t *out;                                                                     \
        int64_t len, start, run, ntok, cap_tok, nspan;                                    \
        uint32_t *hash;                                                                   \
        int sur;                                                                          \
        FH_WSTATE_LOAD(w);                                                                \
        fh_tokbuf *tb = t->tb;                                                            \
        const fh_stopset *stop = t->stop;                                                 \
        const T *s = t->data;                                                             \
        const int64_t n = t->n, minlen = p->min;                                          \
        const int b1 = p->b1, b2 = p->b2, rw = p->run_word;                               \
        const int fast = tb->hash_only && !stop, batch_ = BATCH;                          \
        int wbefore = *wbefore_io;                                                        \
        uint32_t cp = s[i], x[3];                                                         \
        int nx = 1;                                                                       \
        x[0] = cp;                                                                        \
        if (LOWER)                                                                        \
            nx = fh_u_lower_full(cp, cp == 0x3A3 && SIGMA(s, n, i), x);                   \
        for (int k = 0; k < nx; k++) {                                                    \
            unsigned f = table_get_any(&p->table, x[k]); /* of the lowered code point */  \
            if (f & F_CLASS) {                                                            \
                if (run == 0) {                                                           \
                    start = len;                                                          \
                    wbefore = k > 0 ? (table_get_any(&p->table, x[k - 1]) & F_WORD) != 0  \
                                    : i > 0 && WORD_AT(p, s, n, i - 1, LOWER);            \
                }                                                                         \
                sur |= x[k] - 0xD800u < 0x800u;                                           \
                len += fh_put_utf8(out + len, x[k]);                                      \
                run++;                                                                    \
            } else if (run) {                                                             \
                PAT_END_RUN((f & F_WORD) != 0);                                           \
            }                                                                             \
        }                                                                                 \
        *wbefore_io = wbefore;                                                            \
        FH_WSTATE_SAVE(w);                                                                \
        return FH_OK;                                                                     \
    }                                                                                     \
    static fh_status NAME(const fh_pattern *p, const text_view *t)                        \
    {                                                                                     \
        fh_tokbuf *tb = t->tb;                                                            \
        const fh_stopset *stop = t->stop;                                                 \
        const T *s = t->data;                                                             \
        const int64_t n = t->n, minlen = p->min;                                          \
        const int b1 = p->b1, b2 = p->b2, rw = p->run_word;                               \
        const uint32_t *const flat = p->flat[LOWER];                                      \
        uint8_t *out = tb->buf;                                                           \
        int64_t len = 0, start = 0, run = 0, nspan = 0;                                   \
        int sur = 0, wbefore = 0;                                                         \
        const int fast = tb->hash_only && !stop, batch_ = BATCH;                          \
        uint32_t *hash = tb->hash;                                                        \
        int64_t ntok = tb->n, cap_tok = tb->cap_tok;                                      \
        for (int64_t i0 = 0; i0 < n; i0 += FH_POLL_ITEMS) {                               \
            if (i0 > 0 && fh_cancel_poll(tb->cancel))                                     \
                return FH_ERR_CANCELLED;                                                  \
            const int64_t i1 = n - i0 < FH_POLL_ITEMS ? n : i0 + FH_POLL_ITEMS;           \
            const T *c = s + i0, *const pe = s + i1;                                      \
            while (c < pe) {                                                              \
                uint32_t e;                                                               \
                if (run == 0) { /* pass what neither starts a run nor is special */       \
                    while (!((e = FH_FLAT(T, *c)) & (PF_CLASS | FH_UF_SPECIAL)))          \
                        if (++c == pe)                                                    \
                            goto block_end_;                                              \
                } else {                                                                  \
                    e = FH_FLAT(T, *c);                                                   \
                }                                                                         \
                if (e & PF_CLASS) {                                                       \
                    if (run == 0) {                                                       \
                        start = len;                                                      \
                        if (b1) { /* the unit before: its entry, unless it is special */  \
                            const uint32_t eb = c > s ? FH_FLAT(T, c[-1]) : 0;            \
                            wbefore = eb & FH_UF_SPECIAL ? WORD_AT(p, s, n, c - s - 1, LOWER) \
                                                         : (eb & PF_WORD) != 0;           \
                        }                                                                 \
                    }                                                                     \
                    FH_FLAT_RUN(T, c, pe, e, PF_CLASS);                                   \
                    if (c == pe)                                                          \
                        break;                                                            \
                } /* e: the entry of *c, not a class character the table describes */     \
                if (sizeof(T) == 4 && (e & FH_UF_SPECIAL) && *c >= 0x10000u) {            \
                    /* astral: never lowercased to several code points, never a sigma */  \
                    const unsigned f = table_get(&p->table, *c);                          \
                    if (f & (LOWER ? F_LCLASS : F_CLASS)) {                               \
                        if (run == 0) {                                                   \
                            start = len;                                                  \
                            wbefore = b1 && c > s && WORD_AT(p, s, n, c - s - 1, LOWER);  \
                        }                                                                 \
                        len += fh_put_utf8(out + len, LOWER ? lower_one(*c) : *c);        \
                        run++;                                                            \
                    } else if (run) {                                                     \
                        PAT_END_RUN((f & (LOWER ? F_LWORD : F_WORD)) != 0);               \
                    }                                                                     \
                } else if (e & FH_UF_SPECIAL) {                                           \
                    fh_wstate w;                                                          \
                    FH_WSTATE_SAVE(&w);                                                   \
                    fh_status st_ = NAME##_general(&w, &wbefore, p, t, c - s);            \
                    if (st_ != FH_OK)                                                     \
                        return st_;                                                       \
                    FH_WSTATE_LOAD(&w);                                                   \
                } else if (run) {                                                         \
                    PAT_END_RUN((e & PF_WORD) != 0);                                      \
                }                                                                         \
                c++;                                                                      \
            }                                                                             \
        block_end_:;                                                                      \
        }                                                                                 \
        if (run)                                                                          \
            PAT_END_RUN(0); /* no word character after the text */                       \
        FH_FINISH_RUNS();                                                                 \
        return FH_OK;                                                                     \
    }
#define DEFINE_STREAM_RUNS_4(NAME, T, SIGMA, WORD_AT)                                     \
    DEFINE_STREAM_RUNS(NAME##_keep, T, SIGMA, WORD_AT, 0, 0)                              \
    DEFINE_STREAM_RUNS(NAME##_lower, T, SIGMA, WORD_AT, 1, 0)                             \
    DEFINE_STREAM_RUNS(NAME##_keep_b, T, SIGMA, WORD_AT, 0, 1)                            \
    DEFINE_STREAM_RUNS(NAME##_lower_b, T, SIGMA, WORD_AT, 1, 1)                           \
    static fh_status NAME(const fh_pattern *p, const text_view *t)                        \
    {                                                                                     \
        const fh_tokbuf *tb = t->tb;                                                      \
        if (tb->avx2 && tb->hash_only && !t->stop && sizeof(T) < 4) {                    \
            /* the block path first (fh_tokenize_impl.h), hashing or counting */          \
            const fh_wide_spec ws = {p->flat[t->lower], PF_CLASS, PF_WORD, p->min,        \
                                     p->b1, p->b2, p->run_word};                          \
            int served;                                                                   \
            fh_status st = sizeof(T) == 1                                                 \
                               ? fh_wide_runs_1(t->data, t->n, &ws, t->tb, &served)       \
                               : fh_wide_runs_2(t->data, t->n, &ws, t->tb, &served);      \
            if (st != FH_OK || served)                                                    \
                return st;                                                                \
        }                                                                                 \
        if (tb->avx2 && tb->hash_only && !t->stop && !tb->tally) /* batches of spans */   \
            return (t->lower ? NAME##_lower_b : NAME##_keep_b)(p, t);                     \
        return (t->lower ? NAME##_lower : NAME##_keep)(p, t);                             \
    }
DEFINE_STREAM_RUNS_4(stream_runs_1, uint8_t, final_sigma_1, word_at_1)
DEFINE_STREAM_RUNS_4(stream_runs_2, uint16_t, final_sigma_2, word_at_2)
DEFINE_STREAM_RUNS_4(stream_runs_4, uint32_t, final_sigma_4, word_at_4)

static fh_status stream_runs(const fh_pattern *p, const text_view *t)
{
    switch (t->kind) {
    case FH_KIND_UCS1: return stream_runs_1(p, t);
    case FH_KIND_UCS2: return stream_runs_2(p, t);
    default: return stream_runs_4(p, t);
    }
}

/* FH_SCAN_RUNS on ASCII, in blocks of FH_ASCII_BLOCK_WORDS mask words (bounded scratch, a
 * poll per block): each maximal run [a, b) of class characters of length >= m is one
 * match, if the anchors hold at its ends (no boundary falls inside a run: C is inside W or
 * outside it, so W is run_word all along): \b at a run's start (end) iff the character
 * before (after) it, none outside the text, is a word character or not, unlike run_word. */
static fh_status scan_runs_ascii(const fh_pattern *p, text_view *t)
{
    fh_tokbuf *tb = t->tb;
    const int64_t n = t->n, nw = (n + 63) / 64, m = p->min;
    const int b1 = p->b1, b2 = p->b2, rw = p->run_word;
    const uint64_t w0 = p->word_ascii.bits[0], w1 = p->word_ascii.bits[1];
    const int64_t max_runs = FH_ASCII_BLOCK_WORDS * 32 + 2;
    FH_GROW(tb->mask, tb->cap_mask, FH_ASCII_BLOCK_WORDS + 1, 16, return FH_ERR_NOMEM);
    FH_GROW(tb->runs, tb->cap_runs, 2 * max_runs, 64, return FH_ERR_NOMEM);
    int64_t *rs = tb->runs, *re = tb->runs + max_runs;
    const uint8_t *base = t->data;
    const int fast = tb->hash_only && !t->stop;
    uint64_t carry = 0;
    int64_t open = -1;
    for (int64_t b0 = 0; b0 < nw; b0 += FH_ASCII_BLOCK_WORDS) {
        if (b0 > 0 && fh_cancel_poll(tb->cancel))
            return FH_ERR_CANCELLED;
        const int64_t bw = nw - b0 < FH_ASCII_BLOCK_WORDS ? nw - b0 : FH_ASCII_BLOCK_WORDS;
        const int64_t lo = b0 * 64, len = n - lo < bw * 64 ? n - lo : bw * 64;
        /* lowered one byte ahead: the end anchor of a run ending the block reads it */
        ascii_lower_upto(t, lo + len < n ? lo + len + 1 : n);
        ascii_set_mask(&p->cls_ascii, base + lo, len, tb->mask);
        int64_t nr = fh_block_runs(tb->mask, bw, lo, n, &carry, &open, rs, re);
        if (fast && reserve_tokens(tb, tb->n + nr) != FH_OK)
            return FH_ERR_NOMEM;
        int64_t k = tb->n; /* the fast path's next token */
        for (int64_t i = 0; i < nr; i++) {
            int64_t a = rs[i], b = re[i], rl = b - a;
            int keep = rl >= m;
            if (b1 | b2) {
                uint8_t cb = base[a - (a > 0)], ca = base[b - (b == n)];
                int wb = (a > 0) & (int)(((cb >> 6 ? w1 : w0) >> (cb & 63)) & 1);
                int wa = (b < n) & (int)(((ca >> 6 ? w1 : w0) >> (ca & 63)) & 1);
                keep &= (!b1 | (wb != rw)) & (!b2 | (wa != rw));
            }
            if (fast && tb->tally) { /* counted (fh_analysis_count) */
                fh_status st = keep ? fh_tally_add(tb->tally, base + a, rl) : FH_OK;
                if (st != FH_OK)
                    return st;
            } else if (fast) {
                /* unigrams, no stop words: only the hashes of the kept runs, branch-free
                 * (every run is hashed; the index moves on when it is kept) */
                tb->hash[k] = token_hash(base, tb->base_len, a, rl);
                k += keep;
            } else if (keep && add_token(tb, a, rl, t->stop, 0) != FH_OK) {
                return FH_ERR_NOMEM;
            }
        }
        if (fast)
            tb->n = k;
    }
    return FH_OK;
}

/* FH_SCAN_GENERAL: re's search and match, position by position. At p (>= s, where the
 * previous match ended), C{m,n} takes the longest run of class characters it can (r of
 * them, at most n) and gives them back one at a time until the end anchor holds: so the
 * match is the longest length L in [m, min(r, n)] with \b at p + L (any length without
 * an end anchor). After an empty match at s, another empty match at s is refused (re's
 * must-advance rule), which moves the search on to s + 1. Linear: every cursor below only
 * moves forward (the end p + min(r, n) never decreases), each over blocks of its own (the
 * class bits from p on, the word bits from p on and from the last end scanned on). */
static fh_status scan_general(const fh_pattern *p, text_view *t)
{
    cursor cm, cw, ce; /* class bits; word bits near p; word bits near the match's end */
    cm.blk = cw.blk = ce.blk = -1;
    int64_t tc_blk = -1; /* the prepared block held for tokens */
    const int64_t n = t->n, m = p->min, max = p->max;
    int64_t s = 0, pos = 0, b = -1; /* b: first non-class position >= pos, when >= pos */
    int64_t scanned = 0, lastb = -1; /* boundaries below `scanned` are known; lastb is the
                                        last of them */
    int64_t steps = 0;
    int must = 0;
    while (pos <= n) {
        if ((++steps & (FH_POLL_ITEMS - 1)) == 0 && fh_cancel_poll(t->tb->cancel))
            return FH_ERR_CANCELLED;
        if (p->b1) {
            pos = next_boundary(t, &cw, pos);
            if (pos > n)
                break;
        }
        if (b < pos)
            b = run_end(t, &cm, pos);
        if (t->err)
            break;
        int64_t r = b - pos, hi = r < max ? r : max, len;
        if (hi < m) {
            pos = b + 1; /* every start up to b is as short */
            continue;
        }
        if (!p->b2) {
            len = hi;
        } else {
            int64_t e = pos + hi;
            if (e >= scanned) {
                int64_t q = last_boundary(t, &ce, scanned, e);
                if (q >= 0)
                    lastb = q;
                scanned = e + 1;
            }
            if (t->err)
                break;
            if (lastb < pos + m) {
                pos++;
                continue;
            }
            len = lastb - pos;
        }
        if (len == 0 && must && pos == s) {
            pos++;
            continue;
        }
        fh_status st = put_token(t, pos, pos + len, &tc_blk);
        if (st != FH_OK)
            return st;
        must = len == 0;
        s = pos = pos + len;
    }
    return t->err;
}

/* ---------------------------------------------------------------- tokens of a document */

static void tokens_reset(fh_tokbuf *tb)
{
    tb->len = 0;
    tb->n = 0;
    tb->n_surrogate = 0;
    tb->base = tb->buf;
    tb->base_len = 0;
}

fh_status fh_pattern_tokens(const fh_text *doc, int lowercase, int strip, const fh_pattern *p,
                            const fh_stopset *stop, int general, fh_tokbuf *tb)
{
    tokens_reset(tb);
    if (doc->kind != FH_KIND_UCS1 && doc->kind != FH_KIND_UCS2 && doc->kind != FH_KIND_UCS4)
        return FH_ERR_BADARG;
    const int64_t n = doc->len;
    if (n == 0) {
        /* re.findall on "": one empty match when C{m,n} may be empty and no \b is asked
         * for (re's \b never holds in an empty string) */
        if (p->min > 0 || p->b1 || p->b2)
            return FH_OK;
        if (reserve_bytes(&tb->buf, &tb->cap, 16) != FH_OK)
            return FH_ERR_NOMEM;
        tb->base = tb->buf;
        tb->base_len = tb->cap;
        return add_token(tb, 0, 0, stop, 0);
    }
    text_view t;
    memset(&t, 0, sizeof t);
    t.tb = tb;
    t.stop = stop;
    t.p = p;
    t.n = n;
    const int scanner = general ? FH_SCAN_GENERAL : p->scanner;
    if (doc->kind == FH_KIND_UCS1 && doc->ascii) {
        /* ASCII: accent stripping changes nothing; tokens are slices of the text or of
         * its lowercased copy (lowercased as the scan reaches it) */
        t.kind = VIEW_ASCII;
        t.data = doc->data;
        tb->base = doc->data;
        tb->base_len = n;
        if (lowercase && !p->ascii_caseless) {
            if (reserve_bytes(&tb->buf, &tb->cap, n + 12) != FH_OK) /* slack: token_hash */
                return FH_ERR_NOMEM;
            t.unlowered = doc->data;
            t.data = tb->base = tb->buf;
            tb->base_len = tb->cap;
        }
        return scanner == FH_SCAN_RUNS ? scan_runs_ascii(p, &t) : scan_general(p, &t);
    }
    fh_status st;
    if (!strip) {
        /* The document's own code units, read through the lowered flags when lowercasing.
         * Token bytes: the UTF-8 of a lowercased unit and one separator per unit at most,
         * and one per empty match; slack for token_hash's loads. */
        const int raw = doc->kind == FH_KIND_UCS1 ? FH_U_MAX_LOWER_UTF8_1
                        : doc->kind == FH_KIND_UCS2 ? FH_U_MAX_LOWER_UTF8_2
                                                    : FH_U_MAX_LOWER_UTF8_4;
        const int bytes = (raw > 3 ? raw : 3) + 1; /* lone surrogates: 3 bytes */
        if (reserve_bytes(&tb->buf, &tb->cap, bytes * n + 16) != FH_OK)
            return FH_ERR_NOMEM;
        tb->base = tb->buf;
        tb->base_len = tb->cap;
        t.kind = doc->kind;
        t.data = doc->data;
        t.lower = lowercase;
        t.cflag = lowercase ? F_LCLASS : F_CLASS;
        t.wflag = lowercase ? F_LWORD : F_WORD;
        st = scanner == FH_SCAN_RUNS ? stream_runs(p, &t) : scan_general(p, &t);
        if (st != FH_ERR_BADARG)
            return st;
        /* the general scanner met a code point lowercasing to several, or by context:
         * prepare the text (the run scanner handles those itself) */
        tokens_reset(tb);
        t.err = FH_OK;
    }
    /* Prepared text (lowercased, accents stripped), a block at a time: a first pass finds
     * its length and where its blocks start; the general scanner reads it. */
    t.kind = VIEW_PREPARED;
    t.src = doc->data;
    t.src_kind = doc->kind;
    t.src_n = n;
    t.lowercase = lowercase;
    t.strip = strip;
    t.lower = 0;
    t.cflag = F_CLASS;
    t.wflag = F_WORD;
    /* scratch: a block of code points for the cursors, one for the tokens */
    FH_GROW(tb->cp, tb->cap_cp, 2 * GB_UNITS, 2 * GB_UNITS, return FH_ERR_NOMEM);
    if ((st = prepare_marks(&t)) != FH_OK)
        return st;
    if (reserve_bytes(&tb->buf, &tb->cap, 5 * t.n + 16) != FH_OK)
        return FH_ERR_NOMEM;
    tb->base = tb->buf;
    tb->base_len = tb->cap;
    return scan_general(p, &t);
}
