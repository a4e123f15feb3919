/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_features.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fh_mem.h"
#include "fh_pool.h"
#include "fh_threads.h"
#include "fh_utf8.h"

static void insertion_sort_u64(uint64_t *a, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        int64_t j = i - 1;
        while (j >= 0 && a[j] > x) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

static int bit_length_u64(uint64_t x)
{
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

/* Rows up to FH_MERGE_SMALL entries are insertion-sorted. Rows up to FH_MERGE_BUCKET_MAX
 * are distributed by the high bits of their column into 2**bit_length(n) buckets (between
 * n and 2n), so that most buckets of hashed columns hold at most one key, then
 * insertion-sorted: about O(n), and bounded when the columns are not hashed. Longer rows
 * use a merge sort, O(n log n) whatever the columns. */
#define FH_MERGE_SMALL 8
#define FH_MERGE_BUCKET_MAX 4096
/* uint64 words of bucket counts per thread (2 * FH_MERGE_BUCKET_MAX uint32). */
#define FH_MERGE_COUNT_WORDS FH_MERGE_BUCKET_MAX

/* Sort n distinct keys (column << 32 | position, columns below 2**kbits) ascending.
 * tmp has n entries and counts 2 * FH_MERGE_BUCKET_MAX entries of scratch. Returns the
 * buffer holding the result (a or tmp), or NULL if cancel was requested (polled every
 * FH_POLL_ITEMS keys of a long row). */
static uint64_t *sort_u64(uint64_t *a, uint64_t *tmp, uint32_t *counts, int64_t n, int kbits,
                          fh_cancel *cancel)
{
    if (n <= FH_MERGE_SMALL) {
        insertion_sort_u64(a, n);
        return a;
    }
    if (n <= FH_MERGE_BUCKET_MAX) {
        int bbits = bit_length_u64((uint64_t)n); /* n < 2**bbits <= 2n */
        if (bbits > kbits)
            bbits = kbits;
        const int shift = 32 + kbits - bbits;
        const int64_t nb = (int64_t)1 << bbits;
        memset(counts, 0, sizeof(uint32_t) * (size_t)nb);
        for (int64_t i = 0; i < n; i++)
            counts[a[i] >> shift]++;
        uint32_t sum = 0;
        for (int64_t k = 0; k < nb; k++) {
            uint32_t c = counts[k];
            counts[k] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < n; i++)
            tmp[counts[a[i] >> shift]++] = a[i];
        insertion_sort_u64(tmp, n);
        return tmp;
    }
    /* Runs of 16 by insertion sort, then bottom-up merge passes between a and tmp. */
    const int64_t run = 16;
    for (int64_t s = 0; s < n; s += run) {
        if ((s & (FH_POLL_ITEMS - 1)) == 0 && s > 0 && fh_cancel_poll(cancel))
            return NULL;
        insertion_sort_u64(a + s, s + run < n ? run : n - s);
    }
    uint64_t *src = a, *dst = tmp;
    for (int64_t w = run; w < n; w *= 2) {
        int64_t next_poll = 0;
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            if (lo >= next_poll) {
                next_poll = lo + FH_POLL_ITEMS;
                if (fh_cancel_poll(cancel))
                    return NULL;
            }
            int64_t mid = lo + w < n ? lo + w : n;
            int64_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* Merge one row of n raw entries (idx, val) into oi/ov. Returns its number of distinct
 * columns; -1 if its sums could depend on scipy's summation order (oi/ov then hold
 * garbage); -2 if a column is outside [0, n_cols); -3 if cancelled. Sets *unsorted to 1 if
 * the raw columns decrease somewhere. keys and tmp have n entries of scratch, counts see
 * sort_u64. */
#define FH_MERGE_ROW(T, LIMIT)                                                            \
    static int64_t sum_runs_##T(const uint64_t *s, const T *val, int64_t n, int32_t *oi,  \
                                T *ov)                                                    \
    {                                                                                     \
        int64_t m = 0;                                                                    \
        for (int64_t a = 0; a < n;) {                                                     \
            uint32_t col = (uint32_t)(s[a] >> 32);                                        \
            int64_t b = a + 1;                                                            \
            while (b < n && (uint32_t)(s[b] >> 32) == col)                                \
                b++;                                                                      \
            T sum = val[(uint32_t)s[a]];                                                  \
            if (b - a > 1) {                                                              \
                double mag = 0.0;                                                         \
                int integral = 1;                                                         \
                for (int64_t c = a; c < b; c++) {                                         \
                    double v = (double)val[(uint32_t)s[c]];                               \
                    if (!isfinite(v))                                                     \
                        return -1;                                                        \
                    integral &= v == trunc(v);                                            \
                    mag += fabs(v);                                                       \
                }                                                                         \
                if (b - a > 2 && !(integral && mag < (LIMIT)))                            \
                    return -1;                                                            \
                for (int64_t c = a + 1; c < b; c++)                                       \
                    sum += val[(uint32_t)s[c]];                                           \
            }                                                                             \
            oi[m] = (int32_t)col;                                                         \
            ov[m] = sum;                                                                  \
            m++;                                                                          \
            a = b;                                                                        \
        }                                                                                 \
        return m;                                                                         \
    }                                                                                     \
                                                                                          \
    static int64_t merge_row_##T(const int32_t *idx, const T *val, int64_t n,             \
                                 uint32_t n_cols, uint64_t *keys, uint64_t *tmp,          \
                                 uint32_t *counts, int kbits, int32_t *oi, T *ov,         \
                                 int *unsorted, fh_cancel *cancel)                        \
    {                                                                                     \
        uint32_t prev = 0, bad = 0, down = 0;                                             \
        for (int64_t k = 0; k < n; k++) {                                                 \
            uint32_t c = (uint32_t)idx[k];                                                \
            bad |= c >= n_cols;                                                           \
            down |= c < prev;                                                             \
            prev = c;                                                                     \
            keys[k] = ((uint64_t)c << 32) | (uint64_t)k;                                  \
        }                                                                                 \
        if (bad)                                                                          \
            return -2;                                                                    \
        *unsorted = (int)down;                                                            \
        const uint64_t *s = down ? sort_u64(keys, tmp, counts, n, kbits, cancel) : keys;  \
        if (!s)                                                                           \
            return -3;                                                                    \
        /* Emit every entry as if the columns were distinct (hashed names mostly are),    \
         * branch-free; sum the runs only if some column repeats. */                      \
        uint32_t last = UINT32_MAX, dup = 0;                                              \
        for (int64_t k = 0; k < n; k++) {                                                 \
            uint32_t col = (uint32_t)(s[k] >> 32);                                        \
            dup |= col == last;                                                           \
            last = col;                                                                   \
            oi[k] = (int32_t)col;                                                         \
            ov[k] = val[(uint32_t)s[k]];                                                  \
        }                                                                                 \
        return dup ? sum_runs_##T(s, val, n, oi, ov) : n;                                 \
    }

FH_MERGE_ROW(double, 9007199254740992.0)
FH_MERGE_ROW(float, 16777216.0)

typedef int64_t (*merge_row_fn)(const int32_t *idx, const void *val, int64_t n,
                                uint32_t n_cols, uint64_t *keys, uint64_t *tmp,
                                uint32_t *counts, int kbits, int32_t *oi, void *ov,
                                int *unsorted, fh_cancel *cancel);

static int64_t merge_row_f64(const int32_t *idx, const void *val, int64_t n, uint32_t n_cols,
                             uint64_t *keys, uint64_t *tmp, uint32_t *counts, int kbits,
                             int32_t *oi, void *ov, int *unsorted, fh_cancel *cancel)
{
    return merge_row_double(idx, (const double *)val, n, n_cols, keys, tmp, counts, kbits, oi,
                            (double *)ov, unsorted, cancel);
}

static int64_t merge_row_f32(const int32_t *idx, const void *val, int64_t n, uint32_t n_cols,
                             uint64_t *keys, uint64_t *tmp, uint32_t *counts, int kbits,
                             int32_t *oi, void *ov, int *unsorted, fh_cancel *cancel)
{
    return merge_row_float(idx, (const float *)val, n, n_cols, keys, tmp, counts, kbits, oi,
                           (float *)ov, unsorted, cancel);
}

/* Row flags while the parallel loop runs; only FH_MERGE_RAW is left in row_flags. */
enum { FH_MERGE_UNSORTED = 2, FH_MERGE_BAD = 4 };

/* Raw entries per thread below which a merge runs on fewer threads: waking a worker and
 * moving the entries to its core cost about as much as merging this many (measured: a
 * FeatureHasher batch of 65536 entries of word counts, ~0.3 ms, took as long on 2 threads
 * as on 1). */
#define FH_MERGE_MIN_PER_THREAD ((int64_t)1 << 16)
/* The same for fh_arrow_feature_rows, whose items are names to hash (more work each). */
#define FH_ROWS_MIN_PER_THREAD 4096
/* Parts (pool items, fh_pool.h) per thread of a parallel merge, of at least
 * FH_MERGE_MIN_PER_PART units: parts are claimed one at a time, so a thread the OS
 * deschedules delays one small part, not a static share. */
#define FH_MERGE_PARTS_PER_THREAD 8
#define FH_MERGE_MIN_PER_PART 4096

/* Parts of a job of `work` units on n_threads threads (already capped by fh_team_size):
 * 1 on one thread, else up to FH_MERGE_PARTS_PER_THREAD per thread, at most one per
 * FH_MERGE_MIN_PER_PART units and per row. The outputs never depend on it. */
static int64_t merge_parts(int n_threads, int64_t work, int64_t n_rows)
{
    if (n_threads <= 1)
        return 1;
    int64_t parts = (int64_t)n_threads * FH_MERGE_PARTS_PER_THREAD;
    if (parts > work / FH_MERGE_MIN_PER_PART)
        parts = work / FH_MERGE_MIN_PER_PART;
    if (parts > n_rows)
        parts = n_rows;
    return parts < 1 ? 1 : parts;
}

/* First row of part p of n_parts (p = n_parts: n_rows): parts of about equal entries. */
static int64_t part_start(const int64_t *indptr, int64_t n_rows, int64_t p, int64_t n_parts)
{
    if (p <= 0)
        return 0;
    if (p >= n_parts)
        return n_rows;
    const int64_t total = indptr[n_rows];
    const int64_t target = total / n_parts * p + total % n_parts * p / n_parts;
    int64_t lo = 0, hi = n_rows; /* the first row i with indptr[i] >= target */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (indptr[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    const int64_t *indptr;
    int64_t n_rows;
    const int32_t *indices;
    const char *values;
    size_t vsize;
    uint32_t n_cols;
    int kbits;
    merge_row_fn merge_row;
    fh_cancel *cancel;
    int64_t *out_indptr;
    int32_t *out_indices;
    char *out_values;
    uint8_t *row_flags;
    uint64_t *scratch; /* per thread: keys, a second buffer of keys, bucket counts */
    size_t per_thread;
    int64_t longest;
    int64_t n_parts;
    int64_t *part_end; /* per part: where its output ends */
} merge_ctx;

/* One item of merge_rows' job: part p's rows merged in order, written one after the other
 * from the input offset of its first row (outputs are never longer than inputs);
 * out_indptr[i + 1] gets row i's output length until the serial compaction. */
static void merge_part(void *arg, int64_t p, int slot)
{
    merge_ctx *m = arg;
    const int64_t lo = part_start(m->indptr, m->n_rows, p, m->n_parts);
    const int64_t hi = part_start(m->indptr, m->n_rows, p + 1, m->n_parts);
    uint64_t *keys = m->scratch + (size_t)slot * m->per_thread;
    const int64_t longest = m->longest;
    int64_t pos = m->indptr[lo], since_poll = 0;
    m->part_end[p] = pos;
    if (fh_cancel_requested(m->cancel))
        return; /* reported by merge_rows */
    for (int64_t i = lo; i < hi; i++) {
        const int64_t start = m->indptr[i], len = m->indptr[i + 1] - start;
        since_poll += len + 1;
        if (since_poll >= FH_POLL_ITEMS) {
            since_poll = 0;
            if (fh_cancel_poll(m->cancel))
                break; /* reported by merge_rows */
        }
        int32_t *oi = m->out_indices + pos;
        char *ov = m->out_values + (size_t)pos * m->vsize;
        int unsorted = 0;
        int64_t n = m->merge_row(m->indices + start, m->values + (size_t)start * m->vsize, len,
                                 m->n_cols, keys, keys + longest,
                                 (uint32_t *)(keys + 2 * longest), m->kbits, oi, ov,
                                 &unsorted, m->cancel);
        if (n == -3)
            break; /* cancelled: reported by merge_rows */
        uint8_t flags = unsorted ? FH_MERGE_UNSORTED : 0;
        if (n == -2) {
            flags = FH_MERGE_BAD;
            n = 0;
        } else if (n < 0) { /* scipy's order matters: the raw row, for the caller */
            memcpy(oi, m->indices + start, sizeof(int32_t) * (size_t)len);
            memcpy(ov, m->values + (size_t)start * m->vsize, m->vsize * (size_t)len);
            flags |= FH_MERGE_RAW;
            n = len;
        }
        m->row_flags[i] = flags;
        m->out_indptr[i + 1] = n;
        pos += n;
    }
    m->part_end[p] = pos;
}

static fh_status merge_rows(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const char *values, size_t vsize, int64_t n_cols,
                            merge_row_fn merge_row, int n_threads, fh_cancel *cancel,
                            int64_t *out_indptr, int32_t *out_indices, char *out_values,
                            uint8_t *row_flags, int *all_sorted)
{
    if (indptr == NULL || out_indptr == NULL || row_flags == NULL || all_sorted == NULL ||
        n_rows < 0 || n_cols < 1 || n_cols > (int64_t)1 << 31 || indptr[0] != 0)
        return FH_ERR_BADARG;
    int64_t longest = 0;
    for (int64_t i = 0; i < n_rows; i++) {
        int64_t len = indptr[i + 1] - indptr[i];
        if (len < 0)
            return FH_ERR_BADARG;
        if (len > longest)
            longest = len;
    }
    *all_sorted = 1;
    out_indptr[0] = 0;
    if (longest == 0) {
        for (int64_t i = 0; i < n_rows; i++) {
            out_indptr[i + 1] = 0;
            row_flags[i] = 0;
        }
        return FH_OK;
    }
    if (indices == NULL || values == NULL || out_indices == NULL || out_values == NULL)
        return FH_ERR_BADARG;
    /* At most one thread per row and per FH_MERGE_MIN_PER_THREAD entries. */
    n_threads = fh_team_size(n_threads, indptr[n_rows] / FH_MERGE_MIN_PER_THREAD);
    n_threads = fh_team_size(n_threads, n_rows);
    const int64_t n_parts = merge_parts(n_threads, indptr[n_rows], n_rows);
    /* Per-thread scratch, allocated once: keys, a second buffer of keys, bucket counts,
     * each thread's on its own cache lines (fh_calloc_lines); then, for all parts, where
     * each part's output ends. */
    const size_t line_words = FH_LINE_PAIR / sizeof(uint64_t);
    const size_t per_thread =
        (2 * (size_t)longest + FH_MERGE_COUNT_WORDS + line_words - 1) / line_words * line_words;
    uint64_t *scratch = fh_calloc_lines(
        1, sizeof(uint64_t) * (per_thread * (size_t)n_threads + (size_t)n_parts));
    if (scratch == NULL)
        return FH_ERR_NOMEM;
    merge_ctx m = {indptr, n_rows, indices, values, vsize, (uint32_t)n_cols,
                   bit_length_u64((uint64_t)(n_cols - 1)), merge_row, cancel, out_indptr,
                   out_indices, out_values, row_flags, scratch, per_thread, longest, n_parts,
                   (int64_t *)(scratch + per_thread * (size_t)n_threads)};
    fh_pool_run(n_threads, n_parts, merge_part, &m);
    if (fh_cancel_requested(cancel)) {
        free(scratch);
        return FH_ERR_CANCELLED; /* the output and row_flags are partly written */
    }
    fh_status status = FH_OK;
    for (int64_t i = 0; i < n_rows; i++)
        if (row_flags[i] & FH_MERGE_BAD)
            status = FH_ERR_BADARG;
    if (status == FH_OK) {
        /* Serial compaction: each part's block moves down to its final offset. */
        int64_t pos = 0;
        for (int64_t p = 0; p < n_parts; p++) {
            const int64_t lo = part_start(indptr, n_rows, p, n_parts);
            const int64_t hi = part_start(indptr, n_rows, p + 1, n_parts);
            const int64_t from = indptr[lo], len = m.part_end[p] - from;
            if (pos != from && len > 0) {
                memmove(out_indices + pos, out_indices + from, sizeof(int32_t) * (size_t)len);
                memmove(out_values + (size_t)pos * vsize, out_values + (size_t)from * vsize,
                        vsize * (size_t)len);
            }
            for (int64_t i = lo; i < hi; i++) {
                pos += out_indptr[i + 1];
                out_indptr[i + 1] = pos;
                if (row_flags[i] & FH_MERGE_UNSORTED)
                    *all_sorted = 0;
                row_flags[i] &= FH_MERGE_RAW;
            }
        }
    }
    free(scratch);
    return status;
}
fh_status fh_merge_feature_rows_f64(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const double *values, int64_t n_cols, int n_threads,
                            fh_cancel *cancel, int64_t *out_indptr, int32_t *out_indices,
                            double *out_values, uint8_t *row_flags, int *all_sorted)
{
    return merge_rows(indptr, n_rows, indices, (const char *)values, sizeof(double), n_cols,
                      merge_row_f64, n_threads, cancel, out_indptr, out_indices,
                      (char *)out_values, row_flags, all_sorted);
}

fh_status fh_merge_feature_rows_f32(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const float *values, int64_t n_cols, int n_threads,
                            fh_cancel *cancel, int64_t *out_indptr, int32_t *out_indices,
                            float *out_values, uint8_t *row_flags, int *all_sorted)
{
    return merge_rows(indptr, n_rows, indices, (const char *)values, sizeof(float), n_cols,
                      merge_row_f32, n_threads, cancel, out_indptr, out_indices,
                      (char *)out_values, row_flags, all_sorted);
}

/* ---------------------------------------------------------------- Arrow feature lists */

int64_t fh_arrow_list_item_count(const fh_arrow_lists *l, int64_t row0, int64_t n)
{
    int64_t total = 0;
    for (int64_t i = row0; i < row0 + n; i++) {
        int64_t a, b;
        if (fh_arrow_list_items(l, i, &a, &b) > 0)
            total += b - a;
    }
    return total;
}

/* Per-thread scratch of the duplicate-name check. */
typedef struct {
    uint64_t *keys;
    int64_t cap;
} dup_scratch;

/* Name of item `item` (absolute in the item arrays): 1 with its bytes, 0 if it cannot be
 * hashed natively (null, malformed, not valid UTF-8, longer than INT32_MAX bytes). */
static inline int item_name(const fh_arrow_lists *l, int64_t item, const uint8_t **p,
                            int64_t *len)
{
    if (fh_arrow_text_get(&l->names, item, p, len) <= 0)
        return 0;
    if (*len > INT32_MAX)
        return 0;
    fh_utf8_info info;
    return l->names.strings.binary || fh_utf8_check(*p, *len, NULL, &info) == FH_OK;
}

/* Whether two items of [a, b) have equal names: 1, 0 if not, -1 if a name cannot be
 * hashed natively, -2 out of memory. */
static int duplicate_names(const fh_arrow_lists *l, int64_t a, int64_t b, dup_scratch *ds)
{
    int64_t n = b - a;
    if (n > ds->cap) {
        uint64_t *q = realloc(ds->keys, sizeof(uint64_t) * (size_t)n);
        if (!q)
            return -2;
        ds->keys = q;
        ds->cap = n;
    }
    for (int64_t k = 0; k < n; k++) {
        const uint8_t *p;
        int64_t len;
        if (!item_name(l, l->item_offset + a + k, &p, &len))
            return -1;
        ds->keys[k] = ((uint64_t)fh_murmur3_32_inline(p, (size_t)len, 0) << 32) | (uint64_t)k;
    }
    uint64_t *keys = ds->keys;
    if (n <= 32) {
        insertion_sort_u64(keys, n);
    } else {
        /* bottom-up merge sort would need more scratch: shell sort is enough here */
        for (int64_t gap = n / 2; gap > 0; gap /= 2)
            for (int64_t i = gap; i < n; i++) {
                uint64_t x = keys[i];
                int64_t j = i;
                while (j >= gap && keys[j - gap] > x) {
                    keys[j] = keys[j - gap];
                    j -= gap;
                }
                keys[j] = x;
            }
    }
    for (int64_t k = 1; k < n; k++) {
        if ((keys[k] >> 32) != (keys[k - 1] >> 32))
            continue;
        /* equal hashes: compare the names with every earlier one of the same hash */
        for (int64_t m = k - 1; m >= 0 && (keys[m] >> 32) == (keys[k] >> 32); m--) {
            const uint8_t *p, *q;
            int64_t lp, lq;
            if (!item_name(l, l->item_offset + a + (int64_t)(uint32_t)keys[k], &p, &lp) ||
                !item_name(l, l->item_offset + a + (int64_t)(uint32_t)keys[m], &q, &lq))
                return -1; /* not reached: every name was read above */
            if (lp == lq && (lp == 0 || memcmp(p, q, (size_t)lp) == 0))
                return 1;
        }
    }
    return 0;
}

/* The entries of row i appended at *pos: 0, 1 if the row is left to the caller (nothing
 * appended), -1 out of memory, -2 cancelled. */
static int arrow_feature_row(const fh_arrow_lists *l, int64_t i, int unique, const fh_sink *s,
                             int64_t *pos, dup_scratch *ds, int64_t *since_poll,
                             fh_cancel *cancel)
{
    int64_t a, b;
    if (fh_arrow_list_items(l, i, &a, &b) <= 0)
        return 1;
    if (unique && l->pairs && b - a > 1) {
        int d = duplicate_names(l, a, b, ds);
        if (d == -2)
            return -1;
        if (d != 0)
            return 1;
    }
    int32_t *cols = s->cols;
    double *vals = s->vals;
    int64_t at = *pos;
    for (int64_t k = a; k < b; k++) {
        if (++*since_poll >= FH_POLL_ITEMS) {
            *since_poll = 0;
            if (fh_cancel_poll(cancel))
                return -2;
        }
        const int64_t item = l->item_offset + k;
        double v = 1.0;
        if (l->pairs) {
            if (l->item_validity && !fh_arrow_bit(l->item_validity, item))
                return 1;
            if (!fh_arrow_number(&l->values, item, &v))
                return 1;
            if (v == 0)
                continue; /* before the name is looked at, as scikit-learn */
        }
        const uint8_t *p;
        int64_t len;
        if (!item_name(l, item, &p, &len))
            return 1;
        if (s->check != FH_CHECK_NONE && fh_sink_needs_fix(s, v))
            return 1;
        uint32_t key = fh_feature_key(fh_murmur3_32_inline(p, (size_t)len, 0), s->n_features,
                                      s->pow2_mask, s->alternate_sign);
        cols[at] = (int32_t)(key >> 1);
        vals[at] = fh_flip_sign(v, key);
        at++;
    }
    *pos = at;
    return 0;
}

typedef struct {
    const fh_arrow_lists *l;
    int64_t row0, n_rows;
    int unique_keys;
    fh_cancel *cancel;
    fh_sink *sink;
    int64_t *row_nnz;
    uint8_t *flags;
    int64_t n_parts;
    int64_t *base, *used, *status; /* per part */
} arrow_rows_ctx;

/* One item of fh_arrow_feature_rows' job: the rows of part p. */
static void arrow_rows_part(void *arg, int64_t p, int slot)
{
    arrow_rows_ctx *a = arg;
    (void)slot;
    const int64_t lo = a->n_rows * p / a->n_parts, hi = a->n_rows * (p + 1) / a->n_parts;
    if (fh_cancel_requested(a->cancel)) {
        a->status[p] = -2;
        return;
    }
    dup_scratch ds = {NULL, 0};
    int64_t pos = a->base[p], since_poll = 0;
    for (int64_t k = lo; k < hi; k++) {
        int64_t before = pos;
        int r = arrow_feature_row(a->l, a->row0 + k, a->unique_keys, a->sink, &pos, &ds,
                                  &since_poll, a->cancel);
        if (r < 0) {
            a->status[p] = r;
            break;
        }
        a->flags[k] = r == 1 ? FH_ROW_PYTHON : 0;
        a->row_nnz[k] = pos - before;
    }
    a->used[p] = pos - a->base[p];
    free(ds.keys);
}

fh_status fh_arrow_feature_rows(const fh_arrow_lists *l, int64_t row0, int64_t n_rows,
                                int unique_keys, int n_threads, fh_cancel *cancel,
                                fh_sink *sink, int64_t *row_nnz, uint8_t *flags)
{
    if (!l || !sink || row0 < 0 || n_rows < 0 || row0 + n_rows > l->length ||
        sink->n_features < 1 || sink->n_features > 2147483647u)
        return FH_ERR_BADARG;
    if (n_rows == 0)
        return FH_OK;
    if (!row_nnz || !flags)
        return FH_ERR_BADARG;
    const int64_t items = fh_arrow_list_item_count(l, row0, n_rows);
    if (sink->n < 0 || sink->cap - sink->n < items || (items > 0 && (!sink->cols || !sink->vals)))
        return FH_ERR_BADARG;
    /* At most one thread per row and per FH_ROWS_MIN_PER_THREAD items. */
    n_threads = fh_team_size(n_threads, items / FH_ROWS_MIN_PER_THREAD);
    n_threads = fh_team_size(n_threads, n_rows);
    const int64_t n_parts = merge_parts(n_threads, items, n_rows);
    /* per part: first item position, entries written, status */
    int64_t *base = malloc(sizeof(int64_t) * 3 * (size_t)n_parts);
    if (!base)
        return FH_ERR_NOMEM;
    int64_t *used = base + n_parts, *status = base + 2 * n_parts;
    /* Part p writes its rows one after the other from the position of its first row's
     * items (rows never hold more entries than items). */
    for (int64_t p = 0, start = sink->n; p < n_parts; p++) {
        const int64_t lo = n_rows * p / n_parts, hi = n_rows * (p + 1) / n_parts;
        base[p] = start;
        used[p] = status[p] = 0;
        start += fh_arrow_list_item_count(l, row0 + lo, hi - lo);
    }
    arrow_rows_ctx ac = {l, row0, n_rows, unique_keys, cancel, sink, row_nnz, flags,
                         n_parts, base, used, status};
    fh_pool_run(n_threads, n_parts, arrow_rows_part, &ac);
    fh_status st = FH_OK;
    for (int64_t p = 0; p < n_parts; p++) {
        if (status[p] == -2 || fh_cancel_requested(cancel))
            st = FH_ERR_CANCELLED;
        else if (status[p] == -1 && st == FH_OK)
            st = FH_ERR_NOMEM;
    }
    if (st == FH_OK) {
        /* Serial compaction: each part's block moves down to its final position. */
        int64_t pos = sink->n;
        for (int64_t p = 0; p < n_parts; p++) {
            if (pos != base[p] && used[p] > 0) {
                memmove(sink->cols + pos, sink->cols + base[p], sizeof(int32_t) * (size_t)used[p]);
                memmove(sink->vals + pos, sink->vals + base[p], sizeof(double) * (size_t)used[p]);
            }
            pos += used[p];
        }
        sink->n = pos;
    }
    free(base);
    return st;
}
