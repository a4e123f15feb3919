/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_csr.h"
#include "fh_mem.h"
#include "fh_murmur3.h"
#include "fh_pool.h"
#include "fh_threads.h"

/* Features ahead whose hash slot is prefetched. */
#define FH_RECORD_PREFETCH 32
#if defined(__GNUC__) || defined(__clang__)
#define FH_PREFETCH(p) __builtin_prefetch((p), 1, 1)
#else
#define FH_PREFETCH(p) ((void)0)
#endif

/* Documents per unit of parallel work (boundaries depend on the documents only). */
#define FH_RECORD_CHUNK_DOCS 32

/* ---------------------------------------------------------------- a table of features */

/* Features of up to FH_RECORD_INLINE bytes (most words and character n-grams) are kept in
 * their slot: a lookup that finds them touches one cache line. */
#define FH_RECORD_INLINE 16
_Static_assert(FH_RECORD_INLINE == FH_TALLY_INLINE, "a tally's inline words are added as they are");

typedef struct {
    uint32_t h;    /* murmur3 of the bytes */
    uint32_t len;
    union {
        int64_t off;                    /* len > FH_RECORD_INLINE: in the arena */
        uint8_t inl[FH_RECORD_INLINE];  /* else: the bytes, zero-padded */
        uint64_t w[FH_RECORD_INLINE / 8];
    } u;
    int64_t count; /* 0: an empty slot */
} rec_slot;

typedef struct {
    rec_slot *slots;
    int64_t n, n_slots; /* used slots; a power of two, or 0 */
    uint8_t *arena;
    int64_t alen, acap;
} rec_table;

static inline const uint8_t *slot_bytes(const rec_table *t, const rec_slot *s)
{
    return s->len <= FH_RECORD_INLINE ? s->u.inl : t->arena + s->u.off;
}

static void table_free(rec_table *t)
{
    fh_free_table(t->slots, sizeof *t->slots * (size_t)t->n_slots);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

static fh_status table_rehash(rec_table *t, int64_t n_slots)
{
    rec_slot *s = fh_calloc_table((size_t)n_slots * sizeof *s);
    if (!s)
        return FH_ERR_NOMEM;
    const int64_t mask = n_slots - 1;
    for (int64_t k = 0; k < t->n_slots; k++) {
        if (!t->slots[k].count)
            continue;
        int64_t i = (int64_t)(t->slots[k].h & (uint32_t)mask);
        while (s[i].count)
            i = (i + 1) & mask;
        s[i] = t->slots[k];
    }
    fh_free_table(t->slots, sizeof *t->slots * (size_t)t->n_slots);
    t->slots = s;
    t->n_slots = n_slots;
    return FH_OK;
}

/* Slots enough for n entries in t (at most 3/4 full) from the start. */
static fh_status table_reserve(rec_table *t, int64_t n)
{
    int64_t n_slots = t->n_slots ? t->n_slots : 1024;
    while (n * 4 > n_slots * 3)
        n_slots *= 2;
    return n_slots > t->n_slots ? table_rehash(t, n_slots) : FH_OK;
}

/* Grow t when one more entry would fill it past 3/4. */
static inline fh_status table_make_room(rec_table *t)
{
    if ((t->n + 1) * 4 > t->n_slots * 3) {
        if (t->n_slots >= ((int64_t)1 << 40))
            return FH_ERR_OVERFLOW;
        return table_rehash(t, t->n_slots ? 2 * t->n_slots : 1024);
    }
    return FH_OK;
}

/* The slot of t holding the feature of hash h and len bytes, or the empty slot where it
 * goes: an inline feature (inl nonzero, len <= FH_RECORD_INLINE) given by its zero-padded
 * words w0, w1, a longer one by its bytes p (inl is a constant where this is inlined). */
static inline rec_slot *table_probe(const rec_table *t, uint32_t h, uint32_t len, int inl,
                                    uint64_t w0, uint64_t w1, const uint8_t *p)
{
    const int64_t mask = t->n_slots - 1;
    for (int64_t i = (int64_t)(h & (uint32_t)mask);; i = (i + 1) & mask) {
        rec_slot *s = &t->slots[i];
        if (!s->count)
            return s;
        if (s->h == h && s->len == len &&
            (inl ? s->u.w[0] == w0 && s->u.w[1] == w1
                 : memcmp(t->arena + s->u.off, p, (size_t)len) == 0))
            return s;
    }
}

/* Add count (>= 1) occurrences of the inline feature (len <= FH_RECORD_INLINE) whose bytes,
 * zero-padded, are the words w0, w1, with hash h. */
static inline fh_status table_add_words(rec_table *t, uint64_t w0, uint64_t w1, uint32_t len,
                                        uint32_t h, int64_t count)
{
    fh_status st = table_make_room(t);
    if (st != FH_OK)
        return st;
    rec_slot *s = table_probe(t, h, len, 1, w0, w1, NULL);
    if (!s->count) {
        s->u.w[0] = w0;
        s->u.w[1] = w1;
        s->h = h;
        s->len = len;
        t->n++;
    }
    s->count += count;
    return FH_OK;
}

/* Add count (>= 1) occurrences of the feature p[0 .. len) with hash h. */
static inline fh_status table_add(rec_table *t, const uint8_t *p, int64_t len, uint32_t h,
                                  int64_t count)
{
    if (len <= FH_RECORD_INLINE) {
        uint64_t word[FH_RECORD_INLINE / 8] = {0, 0};
        if (len > 0)
            memcpy(word, p, (size_t)len);
        return table_add_words(t, word[0], word[1], (uint32_t)len, h, count);
    }
    fh_status st = table_make_room(t);
    if (st != FH_OK)
        return st;
    if (len > (int64_t)UINT32_MAX)
        return FH_ERR_OVERFLOW;
    rec_slot *s = table_probe(t, h, (uint32_t)len, 0, 0, 0, p);
    if (!s->count) {
        FH_GROW(t->arena, t->acap, t->alen + len, 4096, return FH_ERR_NOMEM);
        memcpy(t->arena + t->alen, p, (size_t)len);
        s->u.off = t->alen;
        t->alen += len;
        s->h = h;
        s->len = (uint32_t)len;
        t->n++;
    }
    s->count += count;
    return FH_OK;
}

/* Every entry of src added to dst when add is nonzero (until an addition fails), and src
 * emptied in the same pass, keeping its memory. Returns the first failing status.
 * dst is first given at least src's slots: src is read in slot order, i.e. by the low bits
 * of the hash, and adding in that order to a table with fewer slots (the same low bits)
 * would pile the entries up into long probe runs (quadratic time); into as many slots or
 * more they land spread out. */
static fh_status table_drain(rec_table *dst, rec_table *src, int add)
{
    fh_status st = FH_OK;
    if (add && src->n && dst->n_slots < src->n_slots)
        st = table_rehash(dst, src->n_slots);
    for (int64_t k = 0; k < src->n_slots && src->n; k++) {
        rec_slot *s = &src->slots[k];
        if (!s->count)
            continue;
        if (add && st == FH_OK) {
            /* the destination slot of an entry further on (dst is larger than the caches) */
            const rec_slot *ahead = &src->slots[k + FH_RECORD_PREFETCH < src->n_slots
                                                    ? k + FH_RECORD_PREFETCH
                                                    : k];
            if (ahead->count && dst->n_slots)
                FH_PREFETCH(&dst->slots[ahead->h & (uint32_t)(dst->n_slots - 1)]);
            st = table_add(dst, slot_bytes(src, s), s->len, s->h, s->count);
        }
        s->count = 0;
        src->n--;
    }
    src->n = 0;
    src->alen = 0;
    return st;
}

/* Bytes of the features of t (the arena holds only the long ones). */
static int64_t table_bytes(const rec_table *t)
{
    int64_t total = 0;
    for (int64_t k = 0; k < t->n_slots; k++)
        if (t->slots[k].count)
            total += t->slots[k].len;
    return total;
}

/* ---------------------------------------------------------------- a map of parts */

/* A map is FH_RECORD_PARTS tables (parts), a feature's part given by the top bits of its
 * fh_tally_bytes_mix, the bits that also place it in a tally (fh_tally.h): the recorder's
 * map and each thread's are split alike, and part q of a tally is (but for probe runs
 * crossing the boundary) the q-th range of its slots. Adding the threads' maps and tallies
 * to the recorder's after a run is then FH_RECORD_PARTS independent items (part q of
 * every thread's map and tally into part q of the recorder's), run on the pool, each
 * reading its tallies' range in order and writing one part, a cache-sized table. In a
 * part, a feature's slot is the low bits of its murmur3 hash. */
#define FH_RECORD_PART_BITS 4
#define FH_RECORD_PARTS (1 << FH_RECORD_PART_BITS)

/* Merging a run's thread maps uses one thread below this many entries in all. */
#define FH_RECORD_PARALLEL_MERGE 4096

typedef struct {
    rec_table part[FH_RECORD_PARTS];
} rec_map;

/* The part of mixed bits (fh_tally_bytes_mix, fh_tally_slot_mix). */
static inline int part_of(uint64_t mix) { return (int)(mix >> (64 - FH_RECORD_PART_BITS)); }

/* The part of the feature p[0 .. len) with murmur3 hash h. */
static inline int part_of_bytes(const uint8_t *p, int64_t len, uint32_t h)
{
    return part_of(fh_tally_bytes_mix(p, len, h));
}

static inline fh_status map_add(rec_map *m, const uint8_t *p, int64_t len, uint32_t h,
                                int64_t count)
{
    return table_add(&m->part[part_of_bytes(p, len, h)], p, len, h, count);
}

static void map_free(rec_map *m)
{
    for (int q = 0; q < FH_RECORD_PARTS; q++)
        table_free(&m->part[q]);
}

/* Distinct features of m. */
static int64_t map_n(const rec_map *m)
{
    int64_t n = 0;
    for (int q = 0; q < FH_RECORD_PARTS; q++)
        n += m->part[q].n;
    return n;
}

/* ---------------------------------------------------------------- dropped tallies */

typedef struct {
    uint32_t *col; /* UINT32_MAX: empty */
    int64_t *tokens, *count;
    int64_t n, n_slots;
} drop_map;

static void drop_free(drop_map *d)
{
    free(d->col);
    free(d->tokens);
    free(d->count);
    memset(d, 0, sizeof *d);
}

static fh_status drop_add(drop_map *d, uint32_t col, int64_t tokens, int64_t count)
{
    if ((d->n + 1) * 2 > d->n_slots) {
        int64_t ns = d->n_slots ? 2 * d->n_slots : 64;
        uint32_t *c = malloc(sizeof *c * (size_t)ns);
        int64_t *tk = calloc((size_t)ns, sizeof *tk);
        int64_t *ct = calloc((size_t)ns, sizeof *ct);
        if (!c || !tk || !ct) {
            free(c);
            free(tk);
            free(ct);
            return FH_ERR_NOMEM;
        }
        memset(c, 0xFF, sizeof *c * (size_t)ns);
        for (int64_t k = 0; k < d->n_slots; k++) {
            if (d->col[k] == UINT32_MAX)
                continue;
            int64_t i = (int64_t)((d->col[k] * 0x9E3779B1u) & (uint32_t)(ns - 1));
            while (c[i] != UINT32_MAX)
                i = (i + 1) & (ns - 1);
            c[i] = d->col[k];
            tk[i] = d->tokens[k];
            ct[i] = d->count[k];
        }
        int64_t n = d->n;
        drop_free(d);
        d->n = n;
        d->col = c;
        d->tokens = tk;
        d->count = ct;
        d->n_slots = ns;
    }
    int64_t i = (int64_t)((col * 0x9E3779B1u) & (uint32_t)(d->n_slots - 1));
    while (d->col[i] != UINT32_MAX && d->col[i] != col)
        i = (i + 1) & (d->n_slots - 1);
    if (d->col[i] == UINT32_MAX) {
        d->col[i] = col;
        d->n++;
    }
    d->tokens[i] += tokens;
    d->count[i] += count;
    return FH_OK;
}

/* ---------------------------------------------------------------- the recorder */

typedef struct {
    rec_map t;
    fh_analysis *a;
    fh_tally tally;
} rec_thread;

struct fh_recorder {
    uint32_t n_features, pow2_mask;
    int64_t max_tokens;
    int64_t kept_at_trim;
    /* the threads' tallies and pending features still hold the last run's: emptied when
     * (and only if) another run comes (a fit of one batch frees them unwritten) */
    int stale;
    rec_map main;
    drop_map dropped;
    rec_thread *threads;
    int n_threads;
};

static inline uint32_t column_of(const fh_recorder *r, uint32_t h)
{
    return fh_feature_key(h, r->n_features, r->pow2_mask, 0) >> 1;
}

fh_status fh_recorder_new(uint32_t n_features, int64_t max_tokens, fh_recorder **out)
{
    *out = NULL;
    fh_recorder *r = calloc(1, sizeof *r);
    if (!r)
        return FH_ERR_NOMEM;
    fh_status st = fh_recorder_reset(r, n_features, max_tokens);
    if (st != FH_OK) {
        free(r);
        return st;
    }
    *out = r;
    return FH_OK;
}

fh_status fh_recorder_reset(fh_recorder *r, uint32_t n_features, int64_t max_tokens)
{
    if (n_features < 1 || n_features > 2147483647u || max_tokens < 0)
        return FH_ERR_BADARG;
    map_free(&r->main);
    drop_free(&r->dropped);
    r->n_features = n_features;
    r->pow2_mask = (n_features & (n_features - 1)) == 0 && n_features > 1 ? n_features - 1 : 0;
    r->max_tokens = max_tokens;
    r->kept_at_trim = 0;
    r->stale = r->n_threads > 0; /* the threads' tables: emptied at the next run */
    return FH_OK;
}

int64_t fh_recorder_scratch_bytes(const fh_recorder *r)
{
    int64_t total = 0;
    for (int k = 0; k < r->n_threads; k++) {
        const rec_thread *th = &r->threads[k];
        total += th->tally.n_slots * (int64_t)sizeof *th->tally.slots + th->tally.acap;
        for (int q = 0; q < FH_RECORD_PARTS; q++)
            total += th->t.part[q].n_slots * (int64_t)sizeof(rec_slot) + th->t.part[q].acap;
    }
    return total;
}

void fh_recorder_free(fh_recorder *r)
{
    if (!r)
        return;
    map_free(&r->main);
    drop_free(&r->dropped);
    for (int k = 0; k < r->n_threads; k++) {
        map_free(&r->threads[k].t);
        fh_analysis_free(r->threads[k].a);
        fh_tally_free(&r->threads[k].tally);
    }
    free(r->threads);
    free(r);
}

int64_t fh_recorder_n_tokens(const fh_recorder *r) { return map_n(&r->main); }

int64_t fh_recorder_n_bytes(const fh_recorder *r)
{
    int64_t total = 0;
    for (int q = 0; q < FH_RECORD_PARTS; q++)
        total += table_bytes(&r->main.part[q]);
    return total;
}

int64_t fh_recorder_n_capped(const fh_recorder *r) { return r->dropped.n; }

fh_status fh_recorder_add(fh_recorder *r, const uint8_t *bytes, int64_t len, int64_t count)
{
    if (!r || len < 0 || (len > 0 && !bytes) || count < 1)
        return FH_ERR_BADARG;
    return map_add(&r->main, bytes, len, fh_murmur3_32(bytes, (size_t)len, 0), count);
}

fh_status fh_recorder_add_dropped(fh_recorder *r, uint32_t col, int64_t tokens, int64_t count)
{
    if (!r || col >= r->n_features || tokens < 0 || count < 0)
        return FH_ERR_BADARG;
    return drop_add(&r->dropped, col, tokens, count);
}

/* Entries in the order of fh_recorder_dump. */
typedef struct {
    const uint8_t *p;
    int64_t count;
    uint32_t len;
    uint32_t col;
    uint32_t h;
} sort_rec;

static int sort_cmp(const void *a, const void *b)
{
    const sort_rec *x = a, *y = b;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = x->len ? memcmp(x->p, y->p, x->len) : 0;
    if (c)
        return c;
    return 0;
}

static sort_rec *sorted_entries(const fh_recorder *r)
{
    const int64_t n = map_n(&r->main);
    sort_rec *s = malloc(sizeof *s * (size_t)(n > 0 ? n : 1));
    if (!s)
        return NULL;
    int64_t m = 0;
    for (int q = 0; q < FH_RECORD_PARTS; q++) {
        const rec_table *t = &r->main.part[q];
        for (int64_t k = 0; k < t->n_slots; k++) {
            const rec_slot *e = &t->slots[k];
            if (!e->count)
                continue;
            s[m].p = slot_bytes(t, e);
            s[m].count = e->count;
            s[m].len = e->len;
            s[m].col = column_of(r, e->h);
            s[m].h = e->h;
            m++;
        }
    }
    qsort(s, (size_t)n, sizeof *s, sort_cmp);
    return s;
}

/* Nonzero if some group of columns holds more than r's max_tokens features: the columns
 * grouped by their low `bits` bits (each column alone when 2**bits >= n_features), counted
 * in saturating counters. No group over the cap: no column is. */
static int groups_over_cap(const fh_recorder *r, int bits)
{
    const uint32_t mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    const size_t size = ((size_t)mask + 1) * sizeof(uint16_t);
    uint16_t *per_group = fh_calloc_table(size); /* faulted in at once: read, then written */
    if (!per_group)
        return 1;
    int over = 0;
    for (int q = 0; q < FH_RECORD_PARTS && !over; q++) {
        /* without branches on the slots (empty or not at random): an empty slot adds 0 */
        const rec_table *t = &r->main.part[q];
        for (int64_t k = 0; k < t->n_slots; k++) {
            uint16_t *c = &per_group[column_of(r, t->slots[k].h) & mask];
            *c += (uint16_t)((t->slots[k].count != 0) & (*c < UINT16_MAX));
            over |= *c > r->max_tokens;
        }
    }
    fh_free_table(per_group, size);
    return over;
}

/* Nonzero unless r certainly has no column with more than max_tokens features (then no
 * sort is needed). First the columns in groups, about twice as many as the features (a
 * table that stays in the caches; a group then rarely holds more than a few features), then,
 * if a group is over the cap, each column alone when the columns are not many more than
 * the features; else 1 (sort and see). */
static int maybe_over_cap(const fh_recorder *r)
{
    const int64_t n_tokens = map_n(&r->main);
    if (n_tokens <= r->max_tokens)
        return 0;
    if (r->max_tokens >= UINT16_MAX)
        return 1;
    int all = 0, bits = 0;
    while (((int64_t)1 << all) < (int64_t)r->n_features)
        all++;
    while (((int64_t)1 << bits) < 2 * n_tokens && bits < all)
        bits++;
    if (!groups_over_cap(r, bits))
        return 0;
    int64_t n = n_tokens > FH_RECORD_MIN_TRIM ? n_tokens : FH_RECORD_MIN_TRIM;
    if (bits == all || (int64_t)r->n_features > 64 * n)
        return 1;
    return groups_over_cap(r, all);
}

fh_status fh_recorder_trim(fh_recorder *r)
{
    fh_status st = FH_ERR_NOMEM;
    rec_map kept;
    memset(&kept, 0, sizeof kept);
    if (r->max_tokens == 0)
        return FH_OK;
    if (!maybe_over_cap(r)) {
        r->kept_at_trim = map_n(&r->main);
        return FH_OK;
    }
    sort_rec *s = sorted_entries(r);
    if (!s)
        return FH_ERR_NOMEM;
    const int64_t n = map_n(&r->main);
    /* the kept entries come by column, i.e. by the low bits of the hash for a power of two
     * n_features: sized from the start, the parts do not pile them up as they grow */
    int64_t per_part[FH_RECORD_PARTS] = {0};
    for (int64_t k = 0, run = 0; k < n; k++) {
        run = k > 0 && s[k].col == s[k - 1].col ? run + 1 : 0;
        per_part[part_of_bytes(s[k].p, s[k].len, s[k].h)] += run < r->max_tokens;
    }
    for (int q = 0; q < FH_RECORD_PARTS; q++)
        if (per_part[q] && (st = table_reserve(&kept.part[q], per_part[q])) != FH_OK)
            goto cleanup;
    for (int64_t k = 0, run = 0; k < n; k++) {
        run = k > 0 && s[k].col == s[k - 1].col ? run + 1 : 0;
        if (run < r->max_tokens)
            st = map_add(&kept, s[k].p, s[k].len, s[k].h, s[k].count);
        else
            st = drop_add(&r->dropped, s[k].col, 1, s[k].count);
        if (st != FH_OK)
            goto cleanup;
    }
    map_free(&r->main);
    r->main = kept;
    memset(&kept, 0, sizeof kept);
    r->kept_at_trim = map_n(&r->main);
    st = FH_OK;
cleanup:
    map_free(&kept);
    free(s);
    return st;
}

fh_status fh_recorder_dump(const fh_recorder *r, int32_t *columns, uint32_t *hashes,
                           int64_t *counts, int64_t *offsets, uint8_t *bytes,
                           int32_t *capped_columns, int64_t *capped_tokens,
                           int64_t *capped_counts)
{
    sort_rec *s = sorted_entries(r);
    if (!s)
        return FH_ERR_NOMEM;
    int64_t at = 0;
    offsets[0] = 0;
    const int64_t n = map_n(&r->main);
    for (int64_t k = 0; k < n; k++) {
        columns[k] = (int32_t)s[k].col;
        hashes[k] = s[k].h;
        counts[k] = s[k].count;
        if (s[k].len)
            memcpy(bytes + at, s[k].p, s[k].len);
        at += s[k].len;
        offsets[k + 1] = at;
    }
    free(s);
    /* the dropped tallies, by column */
    int64_t m = 0;
    for (int64_t k = 0; k < r->dropped.n_slots; k++) {
        if (r->dropped.col[k] == UINT32_MAX)
            continue;
        /* insertion into the sorted prefix (capped columns are few) */
        int64_t j = m++;
        uint32_t c = r->dropped.col[k];
        while (j > 0 && (uint32_t)capped_columns[j - 1] > c) {
            capped_columns[j] = capped_columns[j - 1];
            capped_tokens[j] = capped_tokens[j - 1];
            capped_counts[j] = capped_counts[j - 1];
            j--;
        }
        capped_columns[j] = (int32_t)c;
        capped_tokens[j] = r->dropped.tokens[k];
        capped_counts[j] = r->dropped.count[k];
    }
    return FH_OK;
}

/* Add the entries of part q of the settled tally t to dst, part q of a map, until an
 * addition fails; returns its status. The part's slots are read in order: the q-th range
 * of t's slots, then the probe run that crosses its end (the features of part q placed
 * past it). The entries are hashed a block at a time, and their slots in dst fetched
 * before they are added (a map is larger than the caches). */
static fh_status tally_part_add(rec_table *dst, const fh_tally *t, int q)
{
    enum { BLOCK = 16 };
    const fh_tally_slot *e[BLOCK];
    uint32_t h[BLOCK];
    fh_status st = FH_OK;
    if (!t->n)
        return FH_OK;
    const int64_t mask = t->n_slots - 1, end = t->n_slots * (q + 1) / FH_RECORD_PARTS;
    /* (at most 3/4 full: the run past the end stops at an empty slot) */
    for (int64_t k = t->n_slots * q / FH_RECORD_PARTS; st == FH_OK;) {
        int n = 0;
        /* the block's entries listed without branches on the slots (used or not, of part
         * q or not: at random), then hashed */
        for (; n < BLOCK && (k < end || t->slots[k & mask].count); k++) {
            const fh_tally_slot *s = &t->slots[k & mask];
            e[n] = s;
            n += (s->count != 0) & (part_of(fh_tally_slot_mix(s)) == q);
        }
        if (n == 0)
            break;
        for (int j = 0; j < n; j++) {
            h[j] = fh_tally_hash(t, e[j]);
            if (dst->n_slots)
                FH_PREFETCH(&dst->slots[h[j] & (uint32_t)(dst->n_slots - 1)]);
        }
        for (int j = 0; j < n && st == FH_OK; j++)
            st = e[j]->len <= FH_TALLY_INLINE
                     ? table_add_words(dst, e[j]->w[0], e[j]->w[1], e[j]->len, h[j], e[j]->count)
                     : table_add(dst, fh_tally_bytes(t, e[j]), (int64_t)e[j]->len, h[j],
                                 e[j]->count);
    }
    return st;
}

/* Add the entries of tally t to map, until an addition fails; returns its status. Part by
 * part (tally_part_add), each part first given room for its share of the new entries (the
 * parts are not rehashed as they grow). t keeps its entries. */
static fh_status tally_add(rec_map *map, fh_tally *t)
{
    fh_status st = fh_tally_settle(t);
    const int64_t per_part = t->n / FH_RECORD_PARTS;
    for (int q = 0; st == FH_OK && q < FH_RECORD_PARTS; q++) {
        rec_table *dst = &map->part[q];
        if (per_part > 256)
            st = table_reserve(dst, dst->n + per_part + per_part / 8);
        if (st == FH_OK)
            st = tally_part_add(dst, t, q);
    }
    return st;
}

/* tally_add when add is nonzero, then t emptied. */
static fh_status tally_drain(rec_map *map, fh_tally *t, int add)
{
    fh_status st = add ? tally_add(map, t) : FH_OK;
    fh_tally_clear(t);
    return st;
}

/* Add th's pending features and tally to map (when add is nonzero), leaving them empty. */
static fh_status thread_drain(rec_thread *th, rec_map *map, const fh_opts *opts,
                              fh_cancel *cancel, int add)
{
    fh_status st = fh_analysis_settle(th->a, opts, cancel, &th->tally, add);
    fh_status st2 = tally_drain(map, &th->tally, add && st == FH_OK);
    return st != FH_OK ? st : st2;
}

/* Count the features of documents [lo, hi) into th's tally, added to map (th's, or the
 * recorder's) whenever it grows past tally_max features. */
static fh_status record_chunk(rec_thread *th, rec_map *map, const fh_corpus *corpus,
                              const fh_opts *opts, fh_cancel *cancel, int64_t lo, int64_t hi,
                              int64_t tally_max, int64_t *bad_row)
{
    for (int64_t i = lo; i < hi; i++) {
        fh_status st = fh_cancel_poll(cancel) ? FH_ERR_CANCELLED
                                              : fh_analysis_count(th->a, &corpus->docs[i],
                                                                  corpus->features, opts,
                                                                  cancel, &th->tally);
        if (st == FH_OK && th->tally.n + fh_analysis_pending(th->a) > tally_max)
            st = thread_drain(th, map, opts, cancel, 1);
        if (st != FH_OK) {
            *bad_row = i;
            return st;
        }
    }
    return FH_OK;
}

/* The distinct features a thread's tally holds before it is added to a map, in a run on
 * n_threads threads (see FH_RECORD_TALLY_MIN). */
static int64_t tally_limit(int n_threads)
{
    int64_t m = ((int64_t)1 << 20) / n_threads;
    return m < FH_RECORD_TALLY_MIN ? FH_RECORD_TALLY_MIN
           : m > FH_RECORD_TALLY_MAX ? FH_RECORD_TALLY_MAX
                                     : m;
}

/* Code units of text per distinct feature, for the first size of a run's tallies: a tally
 * that grows from 1024 slots, fourfold each time, to its size spent a tenth of a fit on the
 * moves and the zeroing (multilingual words: 3.1M units, 116k distinct words). */
#define FH_RECORD_UNITS_PER_FEATURE 27
/* At most this many features all told: text with fewer distinct features than units
 * suggest (English words) then gets at most 8 MiB of slots, not a sparse table whose
 * zeroing and scans cost more than the growths they save (English default words, two
 * threads: 1.10x the time with 8 MiB per thread instead of 4 MiB). */
#define FH_RECORD_FIRST_MAX 140000
/* The distinct features of 1/k of the documents, as a fraction of all: about k**-0.6
 * (the multilingual words: 80k of 116k on each of two threads). */
#define FH_RECORD_SHARE_EXPONENT 0.6
/* Documents whose lengths give the run's (their mean times the documents). */
#define FH_RECORD_SAMPLE_DOCS 256

/* The first size, in features, of the tally a thread's analysis counts into first
 * (fh_analysis_first_tally) in a run on n_threads threads, from the text of its documents:
 * the thread's share of them when the tally is the thread's own (shared zero), all of
 * them for char_wb's padded words (shared nonzero: gathered in one tally before their
 * expansion). A size too small only leaves growths; too large, zeroing and sparse scans. */
static int64_t tally_first_size(const fh_corpus *corpus, int n_threads, int shared)
{
    const int64_t n = corpus->n_docs < FH_RECORD_SAMPLE_DOCS ? corpus->n_docs
                                                             : FH_RECORD_SAMPLE_DOCS;
    int64_t units = 0;
    for (int64_t i = 0; i < n; i++)
        if (corpus->docs[i].mode == FH_DOC_TEXT)
            units += corpus->docs[i].text.len;
    double est = (double)units / (double)(n ? n : 1) * (double)corpus->n_docs /
                 FH_RECORD_UNITS_PER_FEATURE;
    est = est < FH_RECORD_FIRST_MAX ? est : FH_RECORD_FIRST_MAX;
    if (!shared)
        est *= pow((double)n_threads, -FH_RECORD_SHARE_EXPONENT);
    const int64_t limit = tally_limit(n_threads);
    return est > (double)limit ? limit : (int64_t)est;
}

/* The map th's tally goes to in a run on n_threads threads: the recorder's for one thread
 * (no merge after), else th's own. */
static rec_map *thread_map(fh_recorder *r, rec_thread *th, int n_threads)
{
    return n_threads == 1 ? &r->main : &th->t;
}

/* One run's chunks as a pool job: chunk c's status and first bad row go to cst[c], cbad[c];
 * a thread counts into its own map (slot), or straight into the recorder's map when the
 * run has one thread (no merge after). */
typedef struct {
    fh_recorder *r;
    const fh_corpus *corpus;
    const fh_opts *opts;
    fh_cancel *cancel;
    fh_status *cst;
    int64_t *cbad;
    int64_t first_size; /* tally_first_size of the tally counted into first */
    int n_threads;
} record_job;

static void record_item(void *ctx, int64_t c, int slot)
{
    record_job *job = ctx;
    rec_thread *th = &job->r->threads[slot];
    const int64_t n_docs = job->corpus->n_docs;
    int64_t lo = c * FH_RECORD_CHUNK_DOCS;
    int64_t hi = lo + FH_RECORD_CHUNK_DOCS < n_docs ? lo + FH_RECORD_CHUNK_DOCS : n_docs;
    job->cbad[c] = -1;
    fh_tally *first = fh_analysis_first_tally(th->a, job->opts, &th->tally);
    fh_status st = first->n_slots ? FH_OK : fh_tally_reserve(first, job->first_size);
    job->cst[c] = st != FH_OK ? st
                              : record_chunk(th, thread_map(job->r, th, job->n_threads),
                                             job->corpus, job->opts, job->cancel, lo, hi,
                                             tally_limit(job->n_threads), &job->cbad[c]);
    if (st != FH_OK)
        job->cbad[c] = lo;
}

/* The expansion of char_wb's padded words after a run, as a pool job: every thread's
 * pending words gathered in thread 0's analysis (fh_analysis_absorb), item e expands part
 * e of them into the tally of the thread that runs it, adds that tally to the thread's map
 * (thread_map) once it holds more than tally_max features, and leaves its status in
 * est[e]. No word is expanded twice (as it would be if each thread expanded its own), a
 * thread that gets no core leaves its parts to the others, and a tally stays within about
 * tally_max features plus one part's. */
typedef struct {
    fh_recorder *r;
    const fh_opts *opts;
    fh_cancel *cancel;
    fh_status *est;
    int64_t n_parts, tally_max;
    int64_t reserve; /* the slots a tally is given before its first n-gram */
    int n_threads;
} expand_job;

static void expand_item(void *ctx, int64_t e, int slot)
{
    expand_job *job = ctx;
    rec_thread *th = &job->r->threads[slot];
    fh_status st = FH_OK;
    if (th->tally.n == 0) /* sized once: no doublings on the way */
        st = fh_tally_reserve(&th->tally, job->reserve);
    if (st == FH_OK)
        st = fh_analysis_expand(job->r->threads[0].a, e, job->n_parts, job->opts, job->cancel,
                                &th->tally);
    if (st == FH_OK && th->tally.n > job->tally_max)
        st = tally_drain(thread_map(job->r, th, job->n_threads), &th->tally, 1);
    job->est[e] = st;
}

/* The expansion (expand_job) of the first n_threads threads' pending words, in parts of
 * about FH_RECORD_EXPAND_PART words. */
#define FH_RECORD_EXPAND_PART 4096

static fh_status expand_pending(fh_recorder *r, int n_threads, const fh_opts *opts,
                                fh_cancel *cancel)
{
    fh_status st = fh_analysis_absorb(r->threads[0].a, NULL);
    for (int k = 1; k < n_threads; k++) {
        fh_status sk = fh_analysis_absorb(r->threads[0].a, r->threads[k].a);
        st = st == FH_OK ? sk : st;
    }
    const int64_t pending = fh_analysis_pending(r->threads[0].a);
    if (st == FH_OK && pending) {
        int64_t n_parts = 1 + pending / FH_RECORD_EXPAND_PART;
        n_parts = n_parts < 256 ? n_parts : 256;
        fh_status *est = malloc(sizeof *est * (size_t)n_parts);
        if (!est) {
            st = FH_ERR_NOMEM;
        } else {
            /* checked after each part: a tally is added to its map past 5/4 of the limit,
             * so that with a part's additions it still fits the slots of a tally at the
             * limit (twice the limit, filled to 3/4 at most before they grow fourfold) */
            const int64_t tally_max = tally_limit(n_threads) + tally_limit(n_threads) / 4;
            /* about the distinct n-grams a thread meets, up to the limit, so that the
             * tallies start at that size: one per word and length, whatever the number of
             * threads, as the threads meet mostly the same n-grams (multilingual
             * char_wb(2,4), 153k words: 588k n-grams on one thread, 391k on each of two).
             * Too few costs more than too many: a tally past 3/4 full grows to four times
             * its slots (an estimate shared out over the threads, 306k here, had one
             * thread's tally grow from 16 MiB to 64 MiB, fresh memory, in every fit: the
             * fit on two threads took 180 ms instead of 90 ms) */
            int64_t reserve = pending * (opts->max_n - opts->min_n + 1);
            reserve = reserve < tally_limit(n_threads) ? reserve : tally_limit(n_threads);
            expand_job job = {r, opts, cancel, est, n_parts, tally_max, reserve, n_threads};
            fh_pool_run(n_threads, n_parts, expand_item, &job);
            for (int64_t e = 0; e < n_parts && st == FH_OK; e++)
                st = est[e];
            free(est);
        }
    }
    fh_status sd = fh_analysis_settle(r->threads[0].a, opts, cancel, NULL, 0);
    return st != FH_OK ? st : sd;
}

/* The pending features of the first n_threads threads added to their tallies, and the
 * tallies settled, after a run on several threads (for merge_item). */
static fh_status settle_tallies(fh_recorder *r, int n_threads, const fh_opts *opts,
                                fh_cancel *cancel)
{
    fh_status st = FH_OK;
    for (int k = 0; k < n_threads && st == FH_OK; k++) {
        rec_thread *th = &r->threads[k];
        st = fh_analysis_settle(th->a, opts, cancel, &th->tally, 1);
        if (st == FH_OK)
            st = fh_tally_settle(&th->tally);
    }
    return st;
}

/* The tallies emptied (and pending features dropped) at the start of the run after the one
 * that left them full (fh_recorder.stale), as a pool job: item k empties thread k's. */
typedef struct {
    fh_recorder *r;
    const fh_opts *opts;
    fh_cancel *cancel;
} clear_job;

static void clear_item(void *ctx, int64_t k, int slot)
{
    clear_job *job = ctx;
    (void)slot;
    (void)thread_drain(&job->r->threads[k], NULL, job->opts, job->cancel, 0);
}

/* The merge after a run as a pool job: item q adds part q of the first n_threads threads'
 * maps and settled tallies (settle_tallies), in thread order, to part q of the recorder's
 * map (when add is nonzero), empties the maps' parts, and leaves its status in pst[q]. The
 * parts are disjoint: any schedule gives the same map. */
typedef struct {
    fh_recorder *r;
    fh_status *pst;
    int n_threads;
    int add;
} merge_job;

static void merge_item(void *ctx, int64_t q, int slot)
{
    merge_job *job = ctx;
    rec_table *dst = &job->r->main.part[q];
    fh_status st = FH_OK;
    (void)slot;
    /* about the distinct features coming (the tallies' spread evenly over the parts):
     * between the most one thread brings (every feature met by all) and the sum (none
     * shared), the midpoint. Too few costs one doubling of the part as it fills; too many,
     * past a power of two, twice the fresh memory (multilingual char_wb(2,4) on two
     * threads: a sum of 48.9k for 36.9k per part made the parts 4 MiB instead of 2 MiB,
     * 64 MiB faulted in at every fit; fits took 8%-20% longer) */
    int64_t sum = 0, most = 0;
    for (int k = 0; k < job->n_threads; k++) {
        const rec_thread *th = &job->r->threads[k];
        const int64_t brings = th->t.part[q].n + th->tally.n / FH_RECORD_PARTS;
        sum += brings;
        most = brings > most ? brings : most;
    }
    const int64_t incoming = most + (sum - most) / 2;
    if (job->add && incoming > 256)
        st = table_reserve(dst, dst->n + incoming + incoming / 8);
    for (int k = 0; k < job->n_threads; k++) {
        rec_thread *th = &job->r->threads[k];
        fh_status sk = table_drain(dst, &th->t.part[q], job->add && st == FH_OK);
        if (st == FH_OK)
            st = sk;
        if (job->add && st == FH_OK)
            st = tally_part_add(dst, &th->tally, (int)q);
    }
    job->pst[q] = st;
}

fh_status fh_recorder_run(fh_recorder *r, const fh_corpus *corpus, const fh_opts *opts,
                          int n_threads, fh_cancel *cancel, int64_t *bad_row)
{
    fh_status st;
    fh_status *cst = NULL;
    int64_t *cbad = NULL;
    *bad_row = -1;
    if (!r || !corpus || corpus->n_docs < 0 || (corpus->n_docs > 0 && !corpus->docs))
        return FH_ERR_BADARG;
    if ((st = fh_opts_check(opts)) != FH_OK)
        return st;
    if (opts->n_features != r->n_features)
        return FH_ERR_BADARG;
    const int64_t n_chunks = (corpus->n_docs + FH_RECORD_CHUNK_DOCS - 1) / FH_RECORD_CHUNK_DOCS;
    if (n_chunks == 0)
        return FH_OK;
    n_threads = fh_team_size(n_threads, n_chunks);
    if (n_threads > r->n_threads) { /* per-thread tables, kept from one run to the next */
        rec_thread *th = realloc(r->threads, sizeof *th * (size_t)n_threads);
        if (!th)
            return FH_ERR_NOMEM;
        r->threads = th;
        for (; r->n_threads < n_threads; r->n_threads++) {
            memset(&th[r->n_threads], 0, sizeof *th);
            fh_tally_init(&th[r->n_threads].tally);
            if ((st = fh_analysis_new(&th[r->n_threads].a)) != FH_OK)
                return st;
        }
    }
    if (r->stale) {
        clear_job cj = {r, opts, cancel};
        fh_pool_run(n_threads, r->n_threads, clear_item, &cj);
        r->stale = 0;
    }
    st = FH_ERR_NOMEM;
    cst = calloc((size_t)n_chunks, sizeof *cst);
    cbad = malloc(sizeof *cbad * (size_t)n_chunks);
    if (!cst || !cbad)
        goto cleanup;
    const int shared = opts->analyzer == FH_ANALYZER_CHAR_WB;
    record_job job = {r,    corpus, opts, cancel, cst, cbad,
                      tally_first_size(corpus, n_threads, shared), n_threads};
    fh_pool_run(n_threads, n_chunks, record_item, &job);
    /* serial: the lowest failing document, whatever the schedule */
    st = FH_OK;
    if (fh_cancel_requested(cancel)) {
        st = FH_ERR_CANCELLED;
    } else {
        for (int64_t c = 0; c < n_chunks; c++) {
            if (cst[c] != FH_OK) {
                st = cst[c];
                *bad_row = cbad[c];
                break;
            }
        }
    }
    if (st == FH_OK) /* char_wb's words into n-grams */
        st = expand_pending(r, n_threads, opts, cancel);
    r->stale = 1; /* the tallies are emptied at the next run */
    if (n_threads == 1) { /* its tally straight into the recorder's map */
        rec_thread *th = &r->threads[0];
        fh_status sa = fh_analysis_settle(th->a, opts, cancel, &th->tally, st == FH_OK);
        st = st == FH_OK ? sa : st;
        if (st == FH_OK)
            st = tally_add(&r->main, &th->tally);
    } else { /* the threads' maps and tallies into the recorder's, part by part */
        fh_status pst[FH_RECORD_PARTS];
        if (st == FH_OK)
            st = settle_tallies(r, n_threads, opts, cancel);
        int64_t entries = 0;
        for (int k = 0; k < n_threads; k++)
            entries += map_n(&r->threads[k].t) + r->threads[k].tally.n;
        merge_job mj = {r, pst, n_threads, st == FH_OK};
        fh_pool_run(entries < FH_RECORD_PARALLEL_MERGE ? 1 : n_threads, FH_RECORD_PARTS,
                    merge_item, &mj);
        for (int q = 0; q < FH_RECORD_PARTS && st == FH_OK; q++)
            st = pst[q];
    }
    if (st == FH_OK && r->max_tokens > 0) {
        int64_t limit = 2 * r->kept_at_trim;
        if (limit < FH_RECORD_MIN_TRIM)
            limit = FH_RECORD_MIN_TRIM;
        if (map_n(&r->main) > limit)
            st = fh_recorder_trim(r);
    }
cleanup:
    free(cst);
    free(cbad);
    return st;
}
