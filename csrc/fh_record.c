/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_record.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_csr.h"
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
    free(t->slots);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

static fh_status table_rehash(rec_table *t, int64_t n_slots)
{
    rec_slot *s = calloc((size_t)n_slots, sizeof *s);
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
    free(t->slots);
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

/* Add count (>= 1) occurrences of the feature p[0 .. len) with hash h. */
static inline fh_status table_add(rec_table *t, const uint8_t *p, int64_t len, uint32_t h,
                                  int64_t count)
{
    fh_status st;
    if ((t->n + 1) * 4 > t->n_slots * 3) { /* load factor at most 3/4 */
        if (t->n_slots >= ((int64_t)1 << 40))
            return FH_ERR_OVERFLOW;
        if ((st = table_rehash(t, t->n_slots ? 2 * t->n_slots : 1024)) != FH_OK)
            return st;
    }
    if (len > (int64_t)UINT32_MAX)
        return FH_ERR_OVERFLOW;
    uint64_t word[FH_RECORD_INLINE / 8] = {0, 0};
    if (len <= FH_RECORD_INLINE && len > 0)
        memcpy(word, p, (size_t)len);
    const int64_t mask = t->n_slots - 1;
    int64_t i = (int64_t)(h & (uint32_t)mask);
    for (;;) {
        rec_slot *s = &t->slots[i];
        if (!s->count)
            break;
        if (s->h == h && s->len == (uint32_t)len) {
            int same;
            if (len <= FH_RECORD_INLINE) {
                same = s->u.w[0] == word[0] && s->u.w[1] == word[1];
            } else {
                same = memcmp(t->arena + s->u.off, p, (size_t)len) == 0;
            }
            if (same) {
                s->count += count;
                return FH_OK;
            }
        }
        i = (i + 1) & mask;
    }
    rec_slot *s = &t->slots[i];
    if (len > FH_RECORD_INLINE) {
        FH_GROW(t->arena, t->acap, t->alen + len, 4096, return FH_ERR_NOMEM);
        memcpy(t->arena + t->alen, p, (size_t)len);
        s->u.off = t->alen;
        t->alen += len;
    } else {
        s->u.w[0] = word[0];
        s->u.w[1] = word[1];
    }
    s->h = h;
    s->len = (uint32_t)len;
    s->count = count;
    t->n++;
    return FH_OK;
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
 * hash. With several threads, each thread appends the features it meets to one buffer per
 * part (rec_buf), and the buffers are then counted into the map as FH_RECORD_PARTS
 * independent pool items (part q of every thread's buffers into part q of the map): the
 * counting runs on every thread, and while it runs each thread touches one part of the
 * map, a fraction of it that stays in the caches. In a part, a feature's slot is its
 * hash's low bits (they share no bits up to 2**(32 - FH_RECORD_PART_BITS) slots). */
#define FH_RECORD_PART_BITS 4
#define FH_RECORD_PARTS (1 << FH_RECORD_PART_BITS)

/* With several threads, a run is cut into segments of about this many code units (whole
 * chunks, boundaries set by the documents only): the buffers hold one segment's features. */
#define FH_RECORD_SEGMENT_UNITS ((int64_t)1 << 18)

/* A segment's buffers are counted on one thread below this many bytes in all. */
#define FH_RECORD_PARALLEL_MERGE ((int64_t)1 << 16)

typedef struct {
    rec_table part[FH_RECORD_PARTS];
} rec_map;

static inline rec_table *map_part(rec_map *m, uint32_t h)
{
    return &m->part[h >> (32 - FH_RECORD_PART_BITS)];
}

static inline fh_status map_add(rec_map *m, const uint8_t *p, int64_t len, uint32_t h,
                                int64_t count)
{
    return table_add(map_part(m, h), p, len, h, count);
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

/* The features a thread met in a segment of a run, in its order, one buffer per part of the
 * map: each entry is the feature's hash and length (two uint32, unaligned) then its bytes.
 * Appending is sequential; counting a part's entries touches one part of the map only. */
typedef struct {
    uint8_t *p;
    int64_t len, cap;
} rec_buf;

typedef struct {
    rec_buf buf[FH_RECORD_PARTS];
    fh_analysis *a;
} rec_thread;

struct fh_recorder {
    uint32_t n_features, pow2_mask;
    int64_t max_tokens;
    int64_t kept_at_trim;
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
    if (n_features < 1 || n_features > 2147483647u || max_tokens < 0)
        return FH_ERR_BADARG;
    fh_recorder *r = calloc(1, sizeof *r);
    if (!r)
        return FH_ERR_NOMEM;
    r->n_features = n_features;
    r->pow2_mask = (n_features & (n_features - 1)) == 0 && n_features > 1 ? n_features - 1 : 0;
    r->max_tokens = max_tokens;
    *out = r;
    return FH_OK;
}

void fh_recorder_free(fh_recorder *r)
{
    if (!r)
        return;
    map_free(&r->main);
    drop_free(&r->dropped);
    for (int k = 0; k < r->n_threads; k++) {
        for (int q = 0; q < FH_RECORD_PARTS; q++)
            free(r->threads[k].buf[q].p);
        fh_analysis_free(r->threads[k].a);
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

/* Nonzero unless r certainly has no column with more than max_tokens features: counted in
 * a dense array of saturating counters when the columns are not many more than the
 * features (then no sort is needed when nothing is over the cap); else 1 (sort and see). */
static int maybe_over_cap(const fh_recorder *r)
{
    const int64_t n_tokens = map_n(&r->main);
    int64_t n = n_tokens > FH_RECORD_MIN_TRIM ? n_tokens : FH_RECORD_MIN_TRIM;
    if ((int64_t)r->n_features > 64 * n || r->max_tokens >= UINT16_MAX)
        return 1;
    uint16_t *per_col = calloc(r->n_features, sizeof *per_col);
    if (!per_col)
        return 1;
    int over = 0;
    for (int q = 0; q < FH_RECORD_PARTS && !over; q++) {
        const rec_table *t = &r->main.part[q];
        for (int64_t k = 0; k < t->n_slots && !over; k++) {
            if (!t->slots[k].count)
                continue;
            uint16_t *c = &per_col[column_of(r, t->slots[k].h)];
            *c += *c < UINT16_MAX;
            over = *c > r->max_tokens;
        }
    }
    free(per_col);
    return over;
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
        per_part[s[k].h >> (32 - FH_RECORD_PART_BITS)] += run < r->max_tokens;
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

/* Append the feature p[0 .. len) with hash h to b. FH_OK, FH_ERR_NOMEM or FH_ERR_OVERFLOW. */
static inline fh_status buf_push(rec_buf *b, const uint8_t *p, int64_t len, uint32_t h)
{
    if (len > (int64_t)UINT32_MAX)
        return FH_ERR_OVERFLOW;
    FH_GROW(b->p, b->cap, b->len + 8 + len, 4096, return FH_ERR_NOMEM);
    const uint32_t head[2] = {h, (uint32_t)len};
    memcpy(b->p + b->len, head, sizeof head);
    if (len)
        memcpy(b->p + b->len + 8, p, (size_t)len);
    b->len += 8 + len;
    return FH_OK;
}

/* Count every entry of b into dst when add is nonzero (until an addition fails), and empty
 * b (keeping its memory). Returns the first failing status. */
static fh_status buf_drain(rec_table *dst, rec_buf *b, int add)
{
    fh_status st = FH_OK;
    const uint8_t *p = b->p, *end = b->p + b->len, *ahead = b->p;
    int lead = 0; /* entries between p and ahead */
    uint32_t head[2];
    while (add && st == FH_OK && p < end) {
        /* fetch the slots of the entries ahead while this one is counted */
        for (; ahead < end && lead < FH_RECORD_PREFETCH; lead++) {
            memcpy(head, ahead, sizeof head);
            if (dst->n_slots)
                FH_PREFETCH(&dst->slots[head[0] & (uint32_t)(dst->n_slots - 1)]);
            ahead += 8 + (int64_t)head[1];
        }
        memcpy(head, p, sizeof head);
        st = table_add(dst, p + 8, head[1], head[0], 1);
        p += 8 + (int64_t)head[1];
        lead--;
    }
    b->len = 0;
    return st;
}

/* Analyse documents [lo, hi) and count their features straight into the recorder's map
 * (bufs NULL: one thread), or append them to the thread's buffers bufs, by part. */
static fh_status record_chunk(rec_thread *th, rec_map *map, rec_buf *bufs,
                              const fh_corpus *corpus, const fh_opts *opts, fh_cancel *cancel,
                              int64_t lo, int64_t hi, int64_t *bad_row)
{
    fh_status st;
    fh_features_view v;
    for (int64_t i = lo; i < hi; i++) {
        if (fh_cancel_poll(cancel))
            st = FH_ERR_CANCELLED;
        else
            st = fh_analysis_run(th->a, &corpus->docs[i], corpus->features, opts, cancel, &v);
        for (int64_t k = 0; st == FH_OK && k < v.n; k++) {
            const uint32_t h = v.hashes[k];
            const uint8_t *p = v.bytes + v.offsets[k];
            const int64_t len = v.offsets[k + 1] - v.offsets[k];
            if ((k & (FH_POLL_ITEMS - 1)) == FH_POLL_ITEMS - 1 && fh_cancel_poll(cancel)) {
                st = FH_ERR_CANCELLED;
            } else if (bufs) {
                st = buf_push(&bufs[h >> (32 - FH_RECORD_PART_BITS)], p, len, h);
            } else {
                /* the document's hashes are known ahead: fetch the slot of a later
                 * feature while this one is counted (the map is larger than the caches) */
                if (k + FH_RECORD_PREFETCH < v.n) {
                    const uint32_t ha = v.hashes[k + FH_RECORD_PREFETCH];
                    const rec_table *ta = map_part(map, ha);
                    if (ta->n_slots)
                        FH_PREFETCH(&ta->slots[ha & (uint32_t)(ta->n_slots - 1)]);
                }
                st = map_add(map, p, len, h, 1);
            }
        }
        if (st != FH_OK) {
            *bad_row = i;
            return st;
        }
    }
    return FH_OK;
}

/* Chunks [first, first + n_items) of a run as a pool job: chunk c's status and first bad
 * row go to cst[c], cbad[c]; a thread appends to its own buffers (slot), or with one
 * thread counts straight into the recorder's map. */
typedef struct {
    fh_recorder *r;
    const fh_corpus *corpus;
    const fh_opts *opts;
    fh_cancel *cancel;
    fh_status *cst;
    int64_t *cbad;
    int64_t first;
    int n_threads;
} record_job;

/* The documents [*lo, *hi) of chunk c. */
static void chunk_docs(const fh_corpus *corpus, int64_t c, int64_t *lo, int64_t *hi)
{
    *lo = c * FH_RECORD_CHUNK_DOCS;
    *hi = *lo + FH_RECORD_CHUNK_DOCS < corpus->n_docs ? *lo + FH_RECORD_CHUNK_DOCS
                                                       : corpus->n_docs;
}

/* Serial, after the job of chunks [lo, hi): FH_ERR_CANCELLED, or the status of the lowest
 * failing document (in *bad_row), whatever the schedule; else FH_OK. */
static fh_status first_failure(const record_job *job, int64_t lo, int64_t hi, int64_t *bad_row)
{
    if (fh_cancel_requested(job->cancel))
        return FH_ERR_CANCELLED;
    for (int64_t c = lo; c < hi; c++) {
        if (job->cst[c] != FH_OK) {
            *bad_row = job->cbad[c];
            return job->cst[c];
        }
    }
    return FH_OK;
}

static void record_item(void *ctx, int64_t item, int slot)
{
    record_job *job = ctx;
    rec_thread *th = &job->r->threads[slot];
    const int64_t c = job->first + item;
    int64_t lo, hi;
    chunk_docs(job->corpus, c, &lo, &hi);
    job->cbad[c] = -1;
    job->cst[c] = record_chunk(th, &job->r->main, job->n_threads == 1 ? NULL : th->buf,
                               job->corpus, job->opts, job->cancel, lo, hi, &job->cbad[c]);
}

/* Counting a segment's buffers as a pool job: item q counts the entries of part q of the
 * first n_threads threads' buffers, in thread order, into part q of the recorder's map
 * (when add is nonzero), empties them, and leaves its status in pst[q]. The parts are
 * disjoint and counts add up: any schedule gives the same map. */
typedef struct {
    fh_recorder *r;
    fh_status *pst;
    int n_threads;
    int add;
} merge_job;

static void merge_item(void *ctx, int64_t q, int slot)
{
    merge_job *job = ctx;
    fh_status st = FH_OK;
    (void)slot;
    for (int k = 0; k < job->n_threads; k++) {
        fh_status sk =
            buf_drain(&job->r->main.part[q], &job->r->threads[k].buf[q], job->add && st == FH_OK);
        if (st == FH_OK)
            st = sk;
    }
    job->pst[q] = st;
}

/* Code units (or pre-analysed features) of chunk c: what its buffers grow with. */
static int64_t chunk_units(const fh_corpus *corpus, int64_t c)
{
    int64_t units = 0, lo, hi;
    chunk_docs(corpus, c, &lo, &hi);
    for (int64_t i = lo; i < hi; i++) {
        const fh_doc *d = &corpus->docs[i];
        units += 1 + (d->mode == FH_DOC_TEXT ? d->text.len : d->n_feat);
    }
    return units;
}

/* Chunks [c, *end) of a run on n_threads threads: the features of each segment are
 * appended to the threads' buffers, then counted into the map part by part (both on the
 * pool). The lowest failing document of the segment, if any, in *bad_row. */
static fh_status record_segment(fh_recorder *r, record_job *job, int64_t n_chunks,
                                int64_t *end, int64_t *bad_row)
{
    fh_status st = FH_OK, pst[FH_RECORD_PARTS];
    int64_t units = 0, c = job->first, hi = c;
    while (hi < n_chunks && (hi == c || units < FH_RECORD_SEGMENT_UNITS))
        units += chunk_units(job->corpus, hi++);
    *end = hi;
    fh_pool_run(job->n_threads, hi - c, record_item, job);
    st = first_failure(job, c, hi, bad_row);
    int64_t bytes = 0;
    for (int k = 0; k < job->n_threads; k++)
        for (int q = 0; q < FH_RECORD_PARTS; q++)
            bytes += r->threads[k].buf[q].len;
    merge_job mj = {r, pst, job->n_threads, st == FH_OK};
    fh_pool_run(bytes < FH_RECORD_PARALLEL_MERGE ? 1 : job->n_threads, FH_RECORD_PARTS,
                merge_item, &mj);
    for (int q = 0; q < FH_RECORD_PARTS && st == FH_OK; q++)
        st = pst[q];
    return st;
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
    if (n_threads > r->n_threads) { /* per-thread buffers, kept from one run to the next */
        rec_thread *th = realloc(r->threads, sizeof *th * (size_t)n_threads);
        if (!th)
            return FH_ERR_NOMEM;
        r->threads = th;
        for (; r->n_threads < n_threads; r->n_threads++) {
            memset(&th[r->n_threads], 0, sizeof *th);
            if ((st = fh_analysis_new(&th[r->n_threads].a)) != FH_OK)
                return st;
        }
    }
    st = FH_ERR_NOMEM;
    cst = calloc((size_t)n_chunks, sizeof *cst);
    cbad = malloc(sizeof *cbad * (size_t)n_chunks);
    if (!cst || !cbad)
        goto cleanup;
    record_job job = {r, corpus, opts, cancel, cst, cbad, 0, n_threads};
    st = FH_OK;
    if (n_threads == 1) {
        fh_pool_run(1, n_chunks, record_item, &job);
        st = first_failure(&job, 0, n_chunks, bad_row);
    } else {
        for (int64_t end = 0; job.first < n_chunks && st == FH_OK; job.first = end)
            st = record_segment(r, &job, n_chunks, &end, bad_row);
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
